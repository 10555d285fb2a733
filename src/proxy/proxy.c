/* The proxy's top: set-up from the configuration, the listener, the
 * session list, the stop sequence. The protocol work is in client.c
 * (login), fwd.c (commands), bconn.c (backend connections), state.c and
 * move.c. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "proxy/admin.h"
#include "proxy/loop.h"
#include "proxy/proxy_int.h"
#include "proxy/shadow.h"

static volatile sig_atomic_t stop_requested;

void ms_proxy_request_stop(void)
{
	stop_requested = 1;
}

int px_queue_packet(struct ms_bq *q, uint8_t seq, const void *payload, size_t n,
		    uint8_t *next)
{
	const uint8_t *p = payload;
	uint8_t hdr[MS_PROTO_HDR];
	int rc;

	for (;;) {
		uint32_t frag =
		    n < MS_PROTO_MAX_FRAG ? (uint32_t)n : MS_PROTO_MAX_FRAG;
		ms_proto_hdr_write(hdr, frag, seq++);
		rc = ms_bq_add(q, hdr, sizeof(hdr));
		if (!rc)
			rc = ms_bq_add(q, p, frag);
		if (rc)
			return rc;
		p += frag;
		n -= frag;
		if (frag < MS_PROTO_MAX_FRAG)
			break;
	}
	if (next)
		*next = seq;
	return 0;
}

struct px_session *px_session_find(struct ms_proxy *px, uint32_t id)
{
	for (struct px_session *s = px->sessions; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

/* Frees <s> after unlinking it: both connections closed, its move
 * accounted for. */
void px_session_close(struct px_session *s, const char *why)
{
	struct ms_proxy *px = s->px;

	MS_LOG_DEBUG("proxy", "event=session_close id=%u user=%s reason=%s",
		     s->id, s->user, why ? why : "-");
	if (s->move)
		px_move_session_done(s, false, why ? why : "session closed");
	if (s->timer)
		ms_loop_timer_cancel(px->loop, s->timer);
	if (s->b)
		px_bconn_free(s->b);
	if (s->nb)
		px_bconn_free(s->nb);
	if (s->c.fd >= 0)
		ms_loop_del(px->loop, s->c.fd);
	ms_conn_close(&s->c);
	px_state_free(s);
	ms_buf_free(&s->attrs);
	free(s->shadow_sql);
	if (s->prev)
		s->prev->next = s->next;
	else
		px->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	px->nsessions--;
	explicit_bzero(s->stage1, sizeof(s->stage1));
	free(s);
}

void px_session_fail(struct px_session *s, const char *why)
{
	if (!s->dead)
		MS_LOG_DEBUG("proxy", "event=session_fail id=%u reason=\"%s\"",
			     s->id, why);
	s->dead = true;
	s->phase = PX_C_CLOSING;
}

void px_client_drop(struct px_session *s, const char *reason)
{
	s->px->m.client_errors++;
	MS_LOG_INFO("proxy",
		    "event=client_dropped id=%u client=%s reason=\"%s\"", s->id,
		    s->c.peer, reason);
	px_session_fail(s, reason);
}

bool px_session_settle(struct px_session *s)
{
	if (s->dead) {
		px_session_close(s, "failed");
		return false;
	}
	if (s->phase == PX_C_CLOSING && ms_bq_len(&s->c.out) == 0) {
		px_session_close(s, "closing");
		return false;
	}
	px_watch(s);
	if (s->b)
		px_bconn_watch(s->b);
	if (s->nb)
		px_bconn_watch(s->nb);
	return true;
}

static void handshake_timeout(struct ms_loop *loop, uint64_t id, void *data)
{
	struct px_session *s = data;

	(void)loop, (void)id;
	s->timer = 0;
	px_client_drop(s, "login not finished in time");
	px_session_settle(s);
}

static void session_new(struct ms_proxy *px, int fd, const char *peer)
{
	struct px_session *s = calloc(1, sizeof(*s));

	if (!s) {
		close(fd);
		return;
	}
	s->px = px;
	s->id = px->next_id++;
	if (px->next_id == 0)
		px->next_id = 1;
	s->move_to = -1;
	s->next_stmt_id = 1;
	s->started_ms = ms_loop_now_ms(px->loop);
	ms_conn_init(&s->c, fd, PX_IN_CAP, PX_OUT_CAP);
	snprintf(s->c.peer, sizeof(s->c.peer), "%s", peer);
	snprintf(s->client_ip, sizeof(s->client_ip), "%s", peer);
	char *colon = strrchr(s->client_ip, ':');
	if (colon)
		*colon = '\0';
	if (s->client_ip[0] == '[') {
		memmove(s->client_ip, s->client_ip + 1, strlen(s->client_ip));
		char *rb = strchr(s->client_ip, ']');
		if (rb)
			*rb = '\0';
	}
	ms_buf_init(&s->attrs, 65536);
	s->next = px->sessions;
	if (px->sessions)
		px->sessions->prev = s;
	px->sessions = s;
	px->nsessions++;
	px->m.connections_total++;
	unsigned ms = px->cfg->handshake_timeout_ms
			  ? px->cfg->handshake_timeout_ms
			  : 10000;
	s->timer = ms_loop_timer(px->loop, ms, handshake_timeout, s);
	if (px->nsessions > px->cfg->max_connections) {
		px->m.connections_refused++;
		px_send_err(s, 1040, "08004", "Too many connections");
		s->phase = PX_C_CLOSING;
		px_session_settle(s);
		return;
	}
	px_client_greet(s);
	px_session_settle(s);
}

static void on_accept(struct ms_loop *loop, int fd, int events, void *data)
{
	struct ms_proxy *px = data;

	(void)loop, (void)fd, (void)events;
	for (int i = 0; i < 64 && !px->stopping; i++) {
		struct ms_err err = {0};
		char peer[64];
		int cfd;
		int rc = ms_net_accept(px->lfd, &cfd, peer, sizeof(peer), &err);
		if (rc == 0)
			return;
		if (rc < 0) {
			MS_LOG_WARN("proxy", "event=accept_failed error=\"%s\"",
				    err.msg);
			return;
		}
		session_new(px, cfd, peer);
	}
}

/* Stops accepting, closes idle sessions, lets busy ones finish their
 * command (up to 5 s), then ends the loop. */
static void stop_step(struct ms_proxy *px)
{
	uint64_t now = ms_loop_now_ms(px->loop);

	if (!px->stopping) {
		px->stopping = true;
		px->stop_started_ms = now;
		if (px->lfd >= 0) {
			ms_loop_del(px->loop, px->lfd);
			close(px->lfd);
			px->lfd = -1;
		}
		MS_LOG_INFO("proxy", "event=stopping sessions=%u",
			    px->nsessions);
	}
	struct px_session *next;
	for (struct px_session *s = px->sessions; s; s = next) {
		next = s->next;
		bool idle = s->phase == PX_C_READY && ms_bq_len(&s->c.out) == 0;
		if (idle || s->phase < PX_C_LOGIN ||
		    now - px->stop_started_ms > 5000)
			px_session_close(s, "proxy stopping");
	}
	if (!px->sessions)
		ms_loop_stop(px->loop);
}

static void tick(struct ms_loop *loop, uint64_t id, void *data)
{
	struct ms_proxy *px = data;

	(void)id;
	px->tick_timer = ms_loop_timer(loop, 100, tick, px);
	if (stop_requested)
		stop_step(px);
}

static int setup_users(struct ms_proxy *px, struct ms_err *err)
{
	const struct ms_proxy_config *cfg = px->cfg;
	int rc;

	for (const char *const *u = cfg->users; u && *u; u++) {
		rc = ms_users_add_spec(&px->users, *u, err);
		if (rc)
			return rc;
	}
	if (cfg->users_from_source) {
		rc = ms_users_load_source(&px->users, cfg->source, err);
		if (rc < 0)
			return rc;
		MS_LOG_INFO("proxy", "event=users_loaded from=source count=%d",
			    rc);
	}
	if (px->users.n == 0)
		return MS_ERR(err, MS_ECONFIG,
			      "proxy: no users: give --user NAME:PASSWORD "
			      "(or NAME:*HASH) or --users-from-source");
	return 0;
}

static int setup(struct ms_proxy *px, struct ms_err *err)
{
	const struct ms_proxy_config *cfg = px->cfg;
	int rc;

	rc = ms_routes_parse(cfg->routes, cfg->target && cfg->target->host,
			     &px->routes, err);
	if (rc)
		return rc;
	rc = setup_users(px, err);
	if (rc)
		return rc;
	rc = ms_backend_init(&px->backends[0], MS_BACKEND_SOURCE, cfg->source,
			     err);
	if (rc)
		return rc;
	px->nbackends = 1;
	if (cfg->target && cfg->target->host) {
		rc = ms_backend_init(&px->backends[1], MS_BACKEND_TARGET,
				     cfg->target, err);
		if (rc)
			return rc;
		px->nbackends = 2;
	}
	if (cfg->tls_cert) {
		rc = ms_tls_server_new(cfg->tls_cert, cfg->tls_key, &px->tls,
				       err);
		if (rc)
			return rc;
	}
	rc = ms_health_start(px->backends, px->nbackends,
			     cfg->health_interval_ms ? cfg->health_interval_ms
						     : 1000,
			     &px->health, err);
	if (rc)
		return rc;
	if (cfg->shadow_rate > 0) {
		if (px->nbackends < 2)
			return MS_ERR(err, MS_ECONFIG,
				      "proxy: --shadow-rate needs --target");
		struct ms_shadow_opts so = {
		    .target = cfg->target,
		    .source = cfg->source,
		    .control_schema = cfg->control_schema,
		    .rate = cfg->shadow_rate,
		    .queue = cfg->shadow_queue ? cfg->shadow_queue : 1000,
		};
		rc = ms_shadow_start(&so, &px->shadow, err);
		if (rc)
			return rc;
	}
	unsigned maxc = cfg->max_connections ? cfg->max_connections : 4096;
	rc = ms_loop_create((int)(maxc * 3 + 256), &px->loop, err);
	if (rc)
		return rc;
	rc = ms_net_listen(cfg->listen ? cfg->listen : MS_PROXY_LISTEN_DEFAULT,
			   1024, &px->lfd, err);
	if (rc)
		return rc;
	rc = ms_loop_set(px->loop, px->lfd, MS_EV_READ, on_accept, px);
	if (rc)
		return MS_ERR(err, rc, "proxy: cannot watch the listener");
	return ms_admin_start(px->loop, px,
			      cfg->admin_listen ? cfg->admin_listen
						: MS_PROXY_ADMIN_DEFAULT,
			      cfg->admin_token, &px->admin, err);
}

static void teardown(struct ms_proxy *px)
{
	while (px->sessions)
		px_session_close(px->sessions, "proxy stopped");
	if (px->admin)
		ms_admin_free(px->admin);
	if (px->lfd >= 0)
		close(px->lfd);
	if (px->shadow)
		ms_shadow_stop(px->shadow);
	if (px->health)
		ms_health_stop(px->health);
	for (int i = 0; i < px->nbackends; i++)
		ms_backend_free(&px->backends[i]);
	if (px->tls)
		ms_tls_free(px->tls);
	if (px->loop)
		ms_loop_free(px->loop);
	px_moves_free(px);
	ms_routes_free(&px->routes);
	ms_users_free(&px->users);
}

int ms_proxy_run(const struct ms_proxy_config *cfg, struct ms_err *err)
{
	struct ms_proxy px = {.cfg = cfg, .lfd = -1, .next_id = 1};
	struct ms_proxy_config c = *cfg;
	int rc;

	if (!c.max_connections)
		c.max_connections = 4096;
	if (!c.max_packet)
		c.max_packet = (size_t)1 << 30;
	px.cfg = &c;
	stop_requested = 0;
	rc = setup(&px, err);
	if (!rc) {
		MS_LOG_INFO("proxy",
			    "event=listening listen=%s admin=%s backends=%d "
			    "version=\"%s\"",
			    c.listen ? c.listen : MS_PROXY_LISTEN_DEFAULT,
			    c.admin_listen ? c.admin_listen
					   : MS_PROXY_ADMIN_DEFAULT,
			    px.nbackends, px.backends[0].version);
		px.tick_timer = ms_loop_timer(px.loop, 100, tick, &px);
		rc = ms_loop_run(px.loop, err);
	}
	teardown(&px);
	return rc;
}

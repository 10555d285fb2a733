/* Backend connections: connect, greeting, TLS with CA verification, login
 * as the session's user from the stage1 hash the client proved (no
 * password needed), then session tracking switched on. A connection is
 * either a session's current backend (s->b) or its replacement (s->nb),
 * opened by a move or ahead of one by POST /prepare. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "proxy/loop.h"
#include "proxy/proxy_int.h"

#define NATIVE "mysql_native_password"

/* What every backend connection runs after login, so the proxy learns of
 * every change to the session's variables and schema. */
static const char SETUP_SQL[] = "SET SESSION session_track_schema=ON, "
				"session_track_system_variables='*'";

static void bconn_event(struct ms_loop *loop, int fd, int events, void *data);

void px_bconn_watch(struct px_bconn *b)
{
	struct ms_loop *loop = b->s->px->loop;
	int mask = MS_EV_READ;

	if (b->c.fd < 0)
		return;
	if (b->phase == PX_B_CONNECTING) {
		mask = MS_EV_WRITE;
	} else {
		if (ms_bq_len(&b->c.out) || b->c.want_write)
			mask |= MS_EV_WRITE;
		/* A slow client: stop reading its results until it drains. */
		if (b->phase == PX_B_READY && b == b->s->b &&
		    ms_bq_len(&b->s->c.out) > PX_HIGH_WATER)
			mask &= ~MS_EV_READ;
	}
	if (ms_loop_mask(loop, b->c.fd) != mask &&
	    ms_loop_set(loop, b->c.fd, mask, bconn_event, b))
		MS_LOG_WARN("proxy", "event=watch_failed fd=%d", b->c.fd);
}

void px_bconn_free(struct px_bconn *b)
{
	struct ms_proxy *px = b->s->px;

	if (b->timer)
		ms_loop_timer_cancel(px->loop, b->timer);
	if (b->c.fd >= 0)
		ms_loop_del(px->loop, b->c.fd);
	ms_conn_close(&b->c);
	free(b);
}

/* Sends COM_QUIT (best effort, without waiting) and frees <b>. */
void px_bconn_quit(struct px_bconn *b)
{
	static const uint8_t quit[5] = {1, 0, 0, 0, MS_COM_QUIT};

	if (b->c.fd >= 0 && ms_bq_len(&b->c.out) == 0 && !b->c.want_write &&
	    ms_bq_add(&b->c.out, quit, sizeof(quit)) == 0) {
		int rc = ms_conn_flush(&b->c);
		(void)rc;
	}
	px_bconn_free(b);
}

/* The login or the set-up of <b> failed with <msg> (<code> the server's
 * error code, or 0). */
static void bconn_fail(struct px_bconn *b, const char *msg, uint16_t code)
{
	struct px_session *s = b->s;
	char text[512];

	s->px->m.backend_connect_errors[b->be->index]++;
	snprintf(text, sizeof(text), "%s", msg);
	if (b == s->nb && px_prepared(s)) {
		px_nb_drop(s, text); /* logged there, at info */
		return;
	}
	MS_LOG_WARN("proxy",
		    "event=backend_login_failed id=%u backend=%s "
		    "error=\"%s\"",
		    s->id, b->be->name, text);
	if (b == s->nb) {
		px_nb_drop(s, text);
		return;
	}
	s->b = NULL;
	px_bconn_free(b);
	px_client_login_done(s, NULL, text, code);
}

static void login_timeout(struct ms_loop *loop, uint64_t id, void *data)
{
	struct px_bconn *b = data;
	char msg[200];

	(void)loop, (void)id;
	b->timer = 0;
	snprintf(msg, sizeof(msg),
		 "backend %s (%s:%u) did not complete the login in time",
		 b->be->name, b->be->addr, b->be->port);
	bconn_fail(b, msg, 0);
}

struct px_bconn *px_bconn_open(struct px_session *s, int backend,
			       struct ms_err *err)
{
	struct ms_proxy *px = s->px;
	struct px_bconn *b;
	int fd;

	if (backend < 0 || backend >= px->nbackends) {
		MS_ERR(err, MS_ECONFIG, "backend %s is not configured",
		       backend == MS_BACKEND_TARGET ? "target" : "?");
		return NULL;
	}
	struct ms_backend *be = &px->backends[backend];
	if (ms_net_connect(be->addr, be->port, &fd, err)) {
		px->m.backend_connect_errors[backend]++;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		close(fd);
		MS_ERR(err, MS_ENOMEM, "out of memory");
		return NULL;
	}
	ms_conn_init(&b->c, fd, PX_IN_CAP, PX_OUT_CAP);
	snprintf(b->c.peer, sizeof(b->c.peer), "%.40s:%u", be->addr, be->port);
	b->s = s;
	b->be = be;
	b->phase = PX_B_CONNECTING;
	unsigned ms =
	    px->cfg->connect_timeout_ms ? px->cfg->connect_timeout_ms : 5000;
	b->timer = ms_loop_timer(px->loop, ms, login_timeout, b);
	px_bconn_watch(b);
	return b;
}

/* The HandshakeResponse41 for the session's user, schema and charset. */
static int send_login(struct px_bconn *b, uint8_t seq)
{
	struct px_session *s = b->s;
	uint8_t reply[20];
	const char *db = b->db;
	struct ms_hs_response r = {
	    .caps = b->caps,
	    .max_packet = 1u << 30,
	    .charset = s->charset,
	    .user = {(const uint8_t *)s->user, strlen(s->user)},
	    .db = {(const uint8_t *)db, strlen(db)},
	    .plugin = {(const uint8_t *)NATIVE, strlen(NATIVE)},
	    .attrs = {(const uint8_t *)s->attrs.ptr, s->attrs.len},
	};
	struct ms_buf out;
	int rc;

	if (!s->u->empty_password) {
		ms_auth_native_reply(s->stage1, b->scramble, reply);
		r.auth = (struct ms_view){reply, sizeof(reply)};
	}
	b->caps = r.caps;
	ms_buf_init(&out, 4096 + s->attrs.len);
	rc = ms_proto_hs_response_encode(&out, &r);
	if (!rc)
		rc = px_queue_packet(&b->c.out, seq, out.ptr, out.len, NULL);
	ms_buf_free(&out);
	b->phase = PX_B_AUTH;
	return rc;
}

/* Capabilities for the backend: the client's (which the proxy offered),
 * plus what the proxy itself needs; refused when the backend lacks one
 * the client relies on, since results are relayed as they are. */
static int negotiate(struct px_bconn *b, const struct ms_greeting *g, char *why,
		     size_t size)
{
	struct px_session *s = b->s;
	static const uint32_t must = MS_CLIENT_PROTOCOL_41 |
				     MS_CLIENT_SECURE_CONNECTION |
				     MS_CLIENT_PLUGIN_AUTH;
	uint32_t want = (s->caps & MS_PROXY_CAPS) | must;
	uint32_t keep = MS_CLIENT_DEPRECATE_EOF | MS_CLIENT_MULTI_RESULTS |
			MS_CLIENT_PS_MULTI_RESULTS |
			MS_CLIENT_MULTI_STATEMENTS | MS_CLIENT_LOCAL_FILES |
			must;
	uint32_t missing = want & keep & ~g->caps;

	if (missing) {
		snprintf(why, size,
			 "backend %s lacks capabilities 0x%08x the session "
			 "uses",
			 b->be->name, missing);
		return -1;
	}
	b->caps = want & g->caps;
	if (g->caps & MS_CLIENT_SESSION_TRACK)
		b->caps |= MS_CLIENT_SESSION_TRACK;
	if (g->caps & MS_CLIENT_PLUGIN_AUTH_LENENC)
		b->caps |= MS_CLIENT_PLUGIN_AUTH_LENENC;
	b->caps &= ~(MS_CLIENT_SSL | MS_CLIENT_COMPRESS);
	/* Decided before any SSLRequest: a server checks that the request and
	 * the response after TLS carry the same capabilities. */
	snprintf(b->db, sizeof(b->db), "%s",
		 b == s->nb ? s->schema : s->login_db);
	if (b->db[0])
		b->caps |= MS_CLIENT_CONNECT_WITH_DB;
	else
		b->caps &= ~MS_CLIENT_CONNECT_WITH_DB;
	return 0;
}

/* Advances the backend TLS handshake; logs in once it is done. */
static void tls_step(struct px_bconn *b)
{
	struct ms_err err = {0};
	int rc = ms_conn_tls_step(&b->c, &err);

	if (rc < 0) {
		char why[400];
		snprintf(why, sizeof(why), "backend %s TLS: %.300s",
			 b->be->name, err.msg);
		bconn_fail(b, why, 0);
		return;
	}
	if (rc == 1 && send_login(b, 2)) {
		bconn_fail(b, "cannot send the login", 0);
		return;
	}
	if (rc == 1 && ms_conn_flush(&b->c) < 0) {
		bconn_fail(b, "backend closed during login", 0);
		return;
	}
	px_bconn_watch(b);
}

static void on_greeting(struct px_bconn *b, const uint8_t *p, uint32_t len)
{
	struct ms_greeting g;
	struct ms_err err = {0};
	char why[256];

	if (ms_proto_greeting_parse(p, len, &g, &err)) {
		snprintf(why, sizeof(why), "backend %s: %.200s", b->be->name,
			 err.msg);
		bconn_fail(b, why, 0);
		return;
	}
	b->thread_id = g.conn_id;
	if (g.scramble_len < MS_PROTO_SCRAMBLE_LEN) {
		bconn_fail(b, "backend greeting has a short scramble", 0);
		return;
	}
	memcpy(b->scramble, g.scramble, MS_PROTO_SCRAMBLE_LEN);
	if (negotiate(b, &g, why, sizeof(why))) {
		bconn_fail(b, why, 0);
		return;
	}
	if (b->be->tls && (g.caps & MS_CLIENT_SSL)) {
		struct ms_hs_response r = {.ssl_request = true,
					   .caps = b->caps | MS_CLIENT_SSL,
					   .max_packet = 1u << 30,
					   .charset = b->s->charset};
		struct ms_buf out;
		int rc;
		b->caps |= MS_CLIENT_SSL;
		ms_buf_init(&out, 64);
		rc = ms_proto_hs_response_encode(&out, &r);
		if (!rc)
			rc = px_queue_packet(&b->c.out, 1, out.ptr, out.len,
					     NULL);
		ms_buf_free(&out);
		if (!rc)
			rc = ms_conn_flush(&b->c) < 0 ? MS_EIO : 0;
		if (!rc)
			rc = ms_conn_tls_start(&b->c, b->be->tls, false,
					       b->be->ep->host, &err);
		if (rc) {
			bconn_fail(b, err.msg[0] ? err.msg : "TLS start", 0);
			return;
		}
		b->phase = PX_B_TLS;
		tls_step(b); /* sends the hello */
		return;
	}
	if (b->be->tls_required) {
		snprintf(why, sizeof(why),
			 "backend %s does not offer TLS, and its ssl-mode "
			 "requires it",
			 b->be->name);
		bconn_fail(b, why, 0);
		return;
	}
	if (send_login(b, 1))
		bconn_fail(b, "cannot send the login", 0);
}

static void on_auth(struct px_bconn *b, const uint8_t *p, uint32_t len,
		    uint8_t seq)
{
	struct ms_err err = {0};
	char why[512];

	if (len > 0 && p[0] == 0x00) {
		struct ms_buf q;
		ms_buf_init(&q, sizeof(SETUP_SQL) + 8);
		int rc = ms_buf_addc(&q, MS_COM_QUERY);
		if (!rc)
			rc = ms_buf_add(&q, SETUP_SQL, sizeof(SETUP_SQL) - 1);
		if (!rc)
			rc = px_queue_packet(&b->c.out, 0, q.ptr, q.len, NULL);
		ms_buf_free(&q);
		if (rc) {
			bconn_fail(b, "cannot send the set-up", 0);
			return;
		}
		ms_resp_start(&b->resp, MS_COM_QUERY, b->caps);
		b->phase = PX_B_SETUP;
		return;
	}
	if (len > 0 && p[0] == 0xfe) {
		struct ms_auth_switch sw;
		if (ms_proto_auth_switch_parse(p, len, &sw, &err) == 0 &&
		    sw.plugin.n == strlen(NATIVE) &&
		    memcmp(sw.plugin.p, NATIVE, sw.plugin.n) == 0 &&
		    sw.data.n >= MS_PROTO_SCRAMBLE_LEN) {
			uint8_t reply[20];
			memcpy(b->scramble, sw.data.p, MS_PROTO_SCRAMBLE_LEN);
			ms_auth_native_reply(b->s->stage1, b->scramble, reply);
			if (px_queue_packet(
				&b->c.out, (uint8_t)(seq + 1), reply,
				b->s->u->empty_password ? 0 : 20, NULL))
				bconn_fail(b, "cannot answer the auth switch",
					   0);
			return;
		}
		snprintf(why, sizeof(why),
			 "backend %s asks for another auth plugin for user "
			 "'%s'; the proxy logs in with mysql_native_password "
			 "only",
			 b->be->name, b->s->user);
		bconn_fail(b, why, 1045);
		return;
	}
	if (len > 0 && p[0] == 0xff) {
		struct ms_errpkt e;
		if (ms_proto_err_parse(p, len, &e, &err) == 0) {
			snprintf(why, sizeof(why), "%.*s (backend %s)",
				 (int)e.msg.n, (const char *)e.msg.p,
				 b->be->name);
			bconn_fail(b, why, e.code);
			return;
		}
	}
	snprintf(why, sizeof(why),
		 "backend %s answered the login with an unexpected packet "
		 "(0x%02x): its auth plugin for '%s' is not "
		 "mysql_native_password?",
		 b->be->name, len ? p[0] : 0, b->s->user);
	bconn_fail(b, why, 0);
}

static void on_setup(struct px_bconn *b, const uint8_t *p, uint32_t len)
{
	struct ms_err err = {0};
	int ev = ms_resp_feed(&b->resp, p, len, len, &err);

	if (ev < 0 || b->resp.err) {
		char why[400];
		struct ms_errpkt e = {0};
		if (b->resp.err && ms_proto_err_parse(p, len, &e, &err) == 0)
			snprintf(why, sizeof(why),
				 "backend %s refused session tracking: %.*s",
				 b->be->name, (int)e.msg.n,
				 (const char *)e.msg.p);
		else
			snprintf(why, sizeof(why),
				 "backend %s: bad answer to the set-up",
				 b->be->name);
		bconn_fail(b, why, 0);
		return;
	}
	if (ev != MS_RESP_DONE)
		return;
	if (b->timer) {
		ms_loop_timer_cancel(b->s->px->loop, b->timer);
		b->timer = 0;
	}
	b->phase = PX_B_READY;
	b->s->px->m.backend_logins[b->be->index]++;
	if (b == b->s->b) {
		b->s->status = b->resp.status;
		px_client_login_done(b->s, b, NULL, 0);
	} else {
		px_move_check(b->s);
	}
}

void px_bconn_on_packet(struct px_bconn *b, const uint8_t *p, uint32_t len,
			uint8_t seq)
{
	struct px_session *s = b->s;

	switch (b->phase) {
	case PX_B_GREETING:
		on_greeting(b, p, len);
		break;
	case PX_B_AUTH:
		on_auth(b, p, len, seq);
		break;
	case PX_B_SETUP:
		on_setup(b, p, len);
		break;
	case PX_B_REPLAY:
		px_state_replay_packet(s, b, p, len, len);
		break;
	default:
		bconn_fail(b, "unexpected packet from the backend", 0);
		break;
	}
}

static void bconn_event(struct ms_loop *loop, int fd, int events, void *data)
{
	struct px_bconn *b = data;
	struct ms_err err = {0};

	(void)loop, (void)fd;
	if (b->phase == PX_B_CONNECTING) {
		if (ms_net_connect_result(b->c.fd, &err)) {
			char why[400];
			snprintf(why, sizeof(why), "backend %s (%s:%u): %.300s",
				 b->be->name, b->be->addr, b->be->port,
				 err.msg);
			bconn_fail(b, why, 0);
			return;
		}
		b->phase = PX_B_GREETING;
		px_bconn_watch(b);
		return;
	}
	if (b->phase == PX_B_TLS) {
		tls_step(b);
		return;
	}
	if ((events & MS_EV_WRITE) && ms_conn_flush(&b->c) < 0) {
		events |= MS_EV_READ; /* the read reports the close */
	}
	if (events & MS_EV_READ) {
		px_backend_readable(b); /* may free b */
		return;
	}
	/* Room again towards the backend: the client's queued fragments
	 * (a big packet, LOCAL INFILE data) can go on. */
	struct px_session *s = b->s;
	if (b == s->b && ms_bq_len(&s->c.in))
		px_client_process(s);
	px_session_settle(s);
}

/* A client's login: the greeting, TLS, the handshake response, and the
 * proxy's own authentication (mysql_native_password from the stored
 * SHA1(SHA1(pw)); caching_sha2_password's fast path, and its full path
 * over TLS), then the session's first backend connection. */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "proxy/loop.h"
#include "proxy/proxy_int.h"

#define NATIVE "mysql_native_password"
#define SHA2   "caching_sha2_password"

static const char SHA2_NEEDS_TLS[] =
    "caching_sha2_password full authentication needs TLS: connect with "
    "TLS (the proxy does not do the RSA key exchange), or use "
    "mysql_native_password";

int px_send_packet(struct px_session *s, const void *p, size_t n)
{
	int rc = px_queue_packet(&s->c.out, s->seq, p, n, &s->seq);

	px_watch(s);
	return rc;
}

int px_send_err(struct px_session *s, uint16_t code, const char *state,
		const char *fmt, ...)
{
	char msg[512];
	struct ms_buf b;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ms_buf_init(&b, 1024);
	rc = ms_proto_err_encode(&b, code, state, "%s", msg);
	if (!rc)
		rc = px_send_packet(s, b.ptr, b.len);
	ms_buf_free(&b);
	return rc;
}

/* Sends ERR <code> and closes the session once it is flushed. */
static void login_fail(struct px_session *s, uint16_t code, const char *state,
		       const char *msg)
{
	s->px->m.auth_failures++;
	MS_LOG_INFO("proxy",
		    "event=login_failed id=%u client=%s user=%s error=\"%s\"",
		    s->id, s->c.peer, s->user, msg);
	px_send_err(s, code, state, "%s", msg);
	s->phase = PX_C_CLOSING;
}

static void denied(struct px_session *s, bool with_password)
{
	char msg[300];

	snprintf(msg, sizeof(msg),
		 "Access denied for user '%s'@'%s' (using password: %s)",
		 s->user, s->client_ip, with_password ? "YES" : "NO");
	login_fail(s, 1045, "28000", msg);
}

void px_client_greet(struct px_session *s)
{
	struct ms_proxy *px = s->px;
	struct ms_greeting g = {0};
	struct ms_buf b;

	if (RAND_bytes(s->scramble, sizeof(s->scramble)) != 1) {
		px_session_fail(s, "no random bytes");
		return;
	}
	/* Printable and never NUL: clients read part 2 as a C string. */
	for (size_t i = 0; i < sizeof(s->scramble); i++)
		s->scramble[i] = (uint8_t)(0x21 + s->scramble[i] % 94);
	snprintf(g.server_version, sizeof(g.server_version), "%s",
		 px->backends[0].version[0] ? px->backends[0].version
					    : "8.0.0-myshift");
	g.conn_id = s->id;
	memcpy(g.scramble, s->scramble, sizeof(s->scramble));
	g.scramble_len = sizeof(s->scramble);
	g.caps = MS_PROXY_CAPS | (px->tls ? MS_CLIENT_SSL : 0);
	g.charset = 45; /* utf8mb4_general_ci */
	g.status = MS_SERVER_STATUS_AUTOCOMMIT;
	snprintf(g.auth_plugin, sizeof(g.auth_plugin), "%s",
		 px->cfg->default_auth ? px->cfg->default_auth : NATIVE);
	snprintf(s->auth_plugin, sizeof(s->auth_plugin), "%.31s",
		 g.auth_plugin);
	ms_buf_init(&b, 1024);
	s->seq = 0;
	if (ms_proto_greeting_encode(&b, &g) || px_send_packet(s, b.ptr, b.len))
		px_session_fail(s, "greeting");
	else
		s->phase = PX_C_HANDSHAKE;
	ms_buf_free(&b);
}

/* The user is who they say: pick the route and log in to its backend. */
static void authenticated(struct px_session *s)
{
	struct ms_proxy *px = s->px;
	struct ms_err err = {0};

	snprintf(s->schema, sizeof(s->schema), "%s", s->login_db);
	s->route = ms_routes_match(&px->routes, s->user, s->login_db);
	s->phase = PX_C_LOGIN;
	s->b = px_bconn_open(s, s->route->backend, &err);
	if (!s->b) {
		char msg[400];
		snprintf(msg, sizeof(msg), "myshift proxy: %.380s", err.msg);
		login_fail(s, 1105, "HY000", msg);
		return;
	}
	MS_LOG_DEBUG("proxy",
		     "event=authenticated id=%u user=%s route=%s backend=%s",
		     s->id, s->user, s->route->name,
		     px->backends[s->route->backend].name);
}

void px_client_login_done(struct px_session *s, struct px_bconn *b,
			  const char *error, uint16_t code)
{
	struct ms_ok ok = {0};
	struct ms_buf buf;

	if (error) {
		login_fail(s, code ? code : 1105,
			   code == 1045 ? "28000" : "HY000", error);
		return;
	}
	if (s->timer) {
		ms_loop_timer_cancel(s->px->loop, s->timer);
		s->timer = 0;
	}
	ok.status = s->status ? s->status : MS_SERVER_STATUS_AUTOCOMMIT;
	ok.status &= (uint16_t)~MS_SERVER_SESSION_STATE_CHANGED;
	ms_buf_init(&buf, 256);
	if (ms_proto_ok_encode(&buf, &ok, s->caps) ||
	    px_send_packet(s, buf.ptr, buf.len)) {
		ms_buf_free(&buf);
		px_session_fail(s, "login ok");
		return;
	}
	ms_buf_free(&buf);
	(void)b;
	s->phase = PX_C_READY;
	MS_LOG_DEBUG("proxy", "event=session_ready id=%u backend_thread=%u",
		     s->id, s->b->thread_id);
}

static bool check_native(struct px_session *s, const uint8_t *reply, size_t n)
{
	struct ms_user *u = s->u;

	if (u->empty_password)
		return n == 0;
	if (!ms_auth_native_check(u->stage2, s->scramble, reply, n, s->stage1))
		return false;
	if (!u->has_stage1) {
		memcpy(u->stage1, s->stage1, 20);
		u->has_stage1 = true;
	}
	return true;
}

/* caching_sha2_password's full path: the password in clear, over TLS. */
static void sha2_full(struct px_session *s, const uint8_t *p, uint32_t len)
{
	struct ms_user *u = s->u;
	uint8_t stage1[20], stage2[20], dbl[32];
	size_t n = len;

	if (len == 1 && p[0] == 0x02) {
		login_fail(s, 1045, "28000", SHA2_NEEDS_TLS);
		return;
	}
	if (!ms_conn_is_tls(&s->c)) {
		denied(s, true);
		return;
	}
	if (n > 0 && p[n - 1] == 0)
		n--;
	ms_auth_native_hash(p, n, stage1, stage2);
	ms_auth_sha2_hash(p, n, dbl);
	bool good = u->empty_password
			? n == 0
			: CRYPTO_memcmp(stage2, u->stage2, 20) == 0;
	if (good && u->has_sha2 && !u->empty_password)
		good = CRYPTO_memcmp(dbl, u->sha2, 32) == 0;
	if (!good) {
		explicit_bzero(stage1, sizeof(stage1));
		denied(s, true);
		return;
	}
	memcpy(s->stage1, stage1, 20);
	if (!u->has_stage1) {
		memcpy(u->stage1, stage1, 20);
		u->has_stage1 = true;
	}
	memcpy(u->sha2, dbl, 32);
	u->has_sha2 = true;
	explicit_bzero(stage1, sizeof(stage1));
	authenticated(s);
}

static void auth_sha2(struct px_session *s, const struct ms_view *auth)
{
	struct ms_user *u = s->u;
	static const uint8_t fast_ok[2] = {0x01, 0x03};
	static const uint8_t full[2] = {0x01, 0x04};

	if (auth->n == 0 && u->empty_password) {
		authenticated(s);
		return;
	}
	if (auth->n == 32 && u->has_sha2 && u->has_stage1) {
		if (!ms_auth_sha2_check(u->sha2, s->scramble, auth->p, auth->n,
					NULL)) {
			denied(s, true);
			return;
		}
		memcpy(s->stage1, u->stage1, 20);
		px_send_packet(s, fast_ok, sizeof(fast_ok));
		authenticated(s);
		return;
	}
	/* Not cached: the full path sends the password itself, which the
	 * proxy can check against the native hash; only over TLS. */
	if (!ms_conn_is_tls(&s->c)) {
		login_fail(s, 1045, "28000", SHA2_NEEDS_TLS);
		return;
	}
	px_send_packet(s, full, sizeof(full));
	s->phase = PX_C_AUTH_MORE;
	s->auth_step = PX_AUTH_SHA2_FULL;
}

static bool view_is(const struct ms_view *v, const char *s)
{
	size_t n = strlen(s);
	return v->n == n && memcmp(v->p, s, n) == 0;
}

static int copy_view(char *dst, size_t size, const struct ms_view *v)
{
	if (v->n >= size || memchr(v->p, 0, v->n))
		return -1;
	memcpy(dst, v->p, v->n);
	dst[v->n] = '\0';
	return 0;
}

static void on_response(struct px_session *s, const uint8_t *p, uint32_t len)
{
	struct ms_proxy *px = s->px;
	struct ms_hs_response r;
	struct ms_err err = {0};

	if (ms_proto_hs_response_parse(p, len, &r, &err)) {
		px->m.client_errors++;
		login_fail(s, 1043, "08S01", "Bad handshake");
		MS_LOG_INFO("proxy", "event=bad_handshake id=%u error=\"%s\"",
			    s->id, err.msg);
		return;
	}
	if (r.ssl_request) {
		if (!px->tls || ms_conn_is_tls(&s->c)) {
			login_fail(s, 1043, "08S01",
				   px->tls ? "Bad handshake"
					   : "TLS is not configured on this "
					     "proxy (--tls-cert)");
			return;
		}
		s->caps = r.caps;
		if (ms_conn_tls_start(&s->c, px->tls, true, NULL, &err)) {
			px_session_fail(s, err.msg);
			return;
		}
		s->phase = PX_C_TLS;
		/* The client's hello may be here already. */
		int st = ms_conn_tls_step(&s->c, &err);
		if (st < 0)
			px_session_fail(s, err.msg);
		else if (st == 1)
			s->phase = PX_C_HANDSHAKE;
		return;
	}
	s->tls = ms_conn_is_tls(&s->c);
	s->caps = r.caps & (MS_PROXY_CAPS | MS_CLIENT_SSL);
	s->charset = r.charset;
	if (copy_view(s->user, sizeof(s->user), &r.user) ||
	    copy_view(s->login_db, sizeof(s->login_db), &r.db)) {
		login_fail(s, 1043, "08S01",
			   "Bad handshake: user or schema "
			   "name too long");
		return;
	}
	if (px->cfg->require_tls && !s->tls) {
		login_fail(s, 3159, "HY000",
			   "Connections using insecure transport are "
			   "prohibited: this proxy requires TLS");
		return;
	}
	if ((r.caps & MS_CLIENT_CONNECT_ATTRS) &&
	    ms_buf_add(&s->attrs, r.attrs.p, r.attrs.n))
		ms_buf_reset(&s->attrs);
	s->u =
	    ms_users_find(&px->users, s->user, strlen(s->user), s->client_ip);
	if (!s->u) {
		denied(s, r.auth.n > 0);
		return;
	}
	if (!s->u->usable) {
		char msg[400];
		snprintf(
		    msg, sizeof(msg),
		    "Access denied for user '%.80s'@'%.40s': the proxy cannot "
		    "check this account: %.160s",
		    s->user, s->client_ip, s->u->why);
		login_fail(s, 1045, "28000", msg);
		return;
	}
	bool has_plugin = (r.caps & MS_CLIENT_PLUGIN_AUTH) && r.plugin.n > 0;
	/* A client that wants another plugin than the greeting's sends no
	 * reply and expects an auth switch (libmariadb does). */
	bool other = has_plugin && !view_is(&r.plugin, s->auth_plugin);
	if (!has_plugin || view_is(&r.plugin, NATIVE)) {
		if (r.auth.n != 20 && (r.auth.n != 0 || other))
			goto switch_native;
		if (check_native(s, r.auth.p, r.auth.n))
			authenticated(s);
		else
			denied(s, r.auth.n > 0);
		return;
	}
	if (view_is(&r.plugin, SHA2)) {
		auth_sha2(s, &r.auth);
		return;
	}
switch_native:;
	/* Another plugin (ed25519, clear password, ...): ask for native. */
	struct ms_buf b;
	ms_buf_init(&b, 128);
	if (ms_proto_auth_switch_encode(&b, NATIVE, s->scramble,
					sizeof(s->scramble)) ||
	    px_send_packet(s, b.ptr, b.len)) {
		ms_buf_free(&b);
		px_session_fail(s, "auth switch");
		return;
	}
	ms_buf_free(&b);
	s->phase = PX_C_AUTH_MORE;
	s->auth_step = PX_AUTH_NATIVE_SWITCH;
}

void px_client_on_packet_login(struct px_session *s, const uint8_t *p,
			       uint32_t len)
{
	if (s->phase == PX_C_HANDSHAKE) {
		on_response(s, p, len);
		return;
	}
	if (s->phase != PX_C_AUTH_MORE) {
		s->px->m.client_errors++;
		px_session_fail(s, "packet during login");
		return;
	}
	if (s->auth_step == PX_AUTH_NATIVE_SWITCH) {
		if (check_native(s, p, len))
			authenticated(s);
		else
			denied(s, len > 0);
	} else {
		sha2_full(s, p, len);
	}
}

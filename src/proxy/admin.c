/* The admin API server (see admin.h): a listener and a few short-lived
 * connections in the proxy's own loop. A connection reads one request
 * (http.c parses it, head at most 8 KB), is answered at once by calling
 * the engine's ms_proxy_* functions (they never block), writes the answer
 * with "Connection: close", shuts its side down and closes when the
 * client does (or after ADMIN_IDLE_MS in all), so the answer is never
 * lost to a reset. At most ADMIN_MAX_CONNS at once: more are closed on
 * accept. */
#include "proxy/admin.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "proxy/conn.h"
#include "proxy/http.h"
#include "proxy/loop.h"

#define ADMIN_IDLE_MS	5000
#define ADMIN_MAX_CONNS 32
#define ADMIN_OUT_CAP	(64u << 20) /* /sessions of a busy proxy */

struct admin_conn {
	struct ms_conn c;
	struct ms_admin *a;
	struct admin_conn *prev, *next;
	uint64_t timer;
	bool answered; /* the answer is queued; then only draining */
	bool shut;     /* our side is shut down */
	bool failed;   /* the answer could not be queued */
};

struct ms_admin {
	struct ms_loop *loop;
	struct ms_proxy *p;
	int lfd;
	int port;
	char *token;
	struct admin_conn *conns;
	unsigned nconns;
};

/* ---- the listen address ---- */

/* True for 127.0.0.0/8, ::1 and "localhost" as the host of <addr>. */
static bool loopback_addr(const char *addr)
{
	char host[64];
	const char *h = addr, *e;
	struct in_addr a4;
	struct in6_addr a6;

	if (!addr)
		return false;
	if (*addr == '[') {
		h = addr + 1;
		e = strchr(h, ']');
	} else {
		e = strrchr(addr, ':');
	}
	if (!e || (size_t)(e - h) >= sizeof(host) || e == h)
		return false;
	memcpy(host, h, (size_t)(e - h));
	host[e - h] = '\0';
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return false;
}

/* ---- connections ---- */

static void conn_free(struct admin_conn *ac)
{
	struct ms_admin *a = ac->a;

	ms_loop_del(a->loop, ac->c.fd);
	ms_loop_timer_cancel(a->loop, ac->timer);
	ms_conn_close(&ac->c);
	if (ac->prev)
		ac->prev->next = ac->next;
	else
		a->conns = ac->next;
	if (ac->next)
		ac->next->prev = ac->prev;
	a->nconns--;
	free(ac);
}

static void conn_timeout(struct ms_loop *loop, uint64_t id, void *data)
{
	struct admin_conn *ac = data;

	(void)loop, (void)id;
	ac->timer = 0;
	MS_LOG_DEBUG("proxy", "event=admin_timeout peer=%s", ac->c.peer);
	conn_free(ac);
}

/* Queues the answer: status line, headers, <body> (borrowed). */
static void respond(struct admin_conn *ac, int status, const char *type,
		    const char *body, size_t len, const char *extra)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n"
		     "Cache-Control: no-store\r\n%s\r\n",
		     status, ms_http_reason(status), type, len,
		     extra ? extra : "");
	ac->answered = true;
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    ms_bq_add(&ac->c.out, head, (size_t)n) ||
	    ms_bq_add(&ac->c.out, body, len)) {
		/* cannot even say so: drop the connection */
		ms_bq_consume(&ac->c.out, ms_bq_len(&ac->c.out));
		ac->failed = true;
	}
}

/* Answers with JSON <o> (reference taken). */
static void respond_json(struct admin_conn *ac, int status, json_t *o,
			 const char *extra)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (!text) {
		static const char oom[] = "{\"error\":\"out of memory\"}\n";

		respond(ac, 500, "application/json", oom, sizeof(oom) - 1,
			NULL);
		return;
	}
	size_t len = strlen(text);
	/* a final newline for people reading with curl */
	char *nl = realloc(text, len + 2);
	if (nl) {
		text = nl;
		text[len++] = '\n';
		text[len] = '\0';
	}
	respond(ac, status, "application/json", text, len, extra);
	free(text);
}

static void respond_error(struct admin_conn *ac, int status, const char *msg,
			  const char *extra)
{
	respond_json(ac, status, json_pack("{s:s}", "error", msg), extra);
}

/* The HTTP status for an engine error. */
static int status_of(int code)
{
	switch (code) {
	case MS_ENOTFOUND:
		return 404;
	case MS_EINVAL:
	case MS_EUNSUPPORTED:
	case MS_EUSAGE:
	case MS_ECONFIG:
	case MS_EPARSE:
		return 400;
	case MS_ETOOLARGE:
		return 413;
	default:
		return 500;
	}
}

static void respond_err(struct admin_conn *ac, const struct ms_err *err)
{
	respond_error(ac, status_of(err->code),
		      err->msg[0] ? err->msg : ms_strerror(err->code), NULL);
}

/* ---- endpoints ---- */

enum method { M_GET = 1, M_POST = 2 };

struct route_def {
	const char *path;
	enum method method;
	const char *params[3]; /* allowed query parameters */
	void (*fn)(struct admin_conn *ac, const struct ms_http_req *req);
};

static const char *param(const struct ms_http_req *req, const char *name)
{
	const char *v = ms_http_param(req, name);

	return v && *v ? v : NULL;
}

static void ep_json(struct admin_conn *ac, json_t *o)
{
	if (!o)
		respond_error(ac, 500, "out of memory", NULL);
	else
		respond_json(ac, 200, o, NULL);
}

static void ep_status(struct admin_conn *ac, const struct ms_http_req *req)
{
	(void)req;
	ep_json(ac, ms_proxy_status_json(ac->a->p));
}

static void ep_sessions(struct admin_conn *ac, const struct ms_http_req *req)
{
	(void)req;
	ep_json(ac, ms_proxy_sessions_json(ac->a->p));
}

static void ep_routes(struct admin_conn *ac, const struct ms_http_req *req)
{
	(void)req;
	ep_json(ac, ms_proxy_routes_json(ac->a->p));
}

static void ep_route_set(struct admin_conn *ac, const struct ms_http_req *req)
{
	const char *route = param(req, "route"),
		   *backend = param(req, "backend");
	struct ms_err err;

	ms_err_clear(&err);
	if (!route || !backend) {
		respond_error(ac, 400,
			      route ? "missing parameter 'backend'"
				    : "missing parameter 'route'",
			      NULL);
		return;
	}
	if (ms_proxy_route_set(ac->a->p, route, backend, &err)) {
		respond_err(ac, &err);
		return;
	}
	MS_LOG_INFO("proxy", "event=admin_route_set route=%s backend=%s", route,
		    backend);
	respond_json(ac, 200,
		     json_pack("{s:b,s:s,s:s}", "ok", 1, "route", route,
			       "backend", backend),
		     NULL);
}

static void ep_pause(struct admin_conn *ac, const struct ms_http_req *req)
{
	const char *route = param(req, "route");
	struct ms_err err;

	ms_err_clear(&err);
	if (ms_proxy_pause(ac->a->p, route, &err)) {
		respond_err(ac, &err);
		return;
	}
	MS_LOG_INFO("proxy", "event=admin_pause route=%s", route ? route : "*");
	respond_json(ac, 200,
		     json_pack("{s:b,s:s?}", "paused", 1, "route", route),
		     NULL);
}

static void ep_resume(struct admin_conn *ac, const struct ms_http_req *req)
{
	const char *route = param(req, "route");
	struct ms_proxy_release rel;
	struct ms_err err;

	ms_err_clear(&err);
	if (ms_proxy_resume(ac->a->p, route, &rel, &err)) {
		respond_err(ac, &err);
		return;
	}
	MS_LOG_INFO("proxy", "event=admin_resume route=%s released=%u",
		    route ? route : "*", rel.released);
	respond_json(ac, 200,
		     json_pack("{s:b,s:s?,s:i,s:f,s:f}", "resumed", 1, "route",
			       route, "released", (int)rel.released,
			       "hold_ms_p50", rel.hold_ms_p50, "hold_ms_max",
			       rel.hold_ms_max),
		     NULL);
}

static void ep_prepare(struct admin_conn *ac, const struct ms_http_req *req)
{
	const char *route = param(req, "route"), *to = param(req, "to");
	unsigned prepared = 0, skipped = 0;
	struct ms_err err;

	ms_err_clear(&err);
	if (!to) {
		respond_error(ac, 400, "missing parameter 'to'", NULL);
		return;
	}
	if (ms_proxy_prepare(ac->a->p, route, to, &prepared, &skipped, &err)) {
		respond_err(ac, &err);
		return;
	}
	MS_LOG_INFO("proxy",
		    "event=admin_prepare route=%s to=%s prepared=%u "
		    "skipped=%u",
		    route ? route : "*", to, prepared, skipped);
	respond_json(ac, 200,
		     json_pack("{s:s?,s:s,s:i,s:i}", "route", route, "to", to,
			       "prepared", (int)prepared, "skipped",
			       (int)skipped),
		     NULL);
}

static void ep_prepare_cancel(struct admin_conn *ac,
			      const struct ms_http_req *req)
{
	const char *route = param(req, "route");
	unsigned n = 0;
	struct ms_err err;

	ms_err_clear(&err);
	if (ms_proxy_prepare_cancel(ac->a->p, route, &n, &err)) {
		respond_err(ac, &err);
		return;
	}
	MS_LOG_INFO("proxy", "event=admin_prepare_cancel route=%s cancelled=%u",
		    route ? route : "*", n);
	respond_json(
	    ac, 200,
	    json_pack("{s:s?,s:i}", "route", route, "cancelled", (int)n), NULL);
}

static void ep_end(struct admin_conn *ac, const struct ms_http_req *req)
{
	const char *route = param(req, "route"), *msg = param(req, "message");
	json_t *ids = NULL;
	struct ms_err err;

	ms_err_clear(&err);
	if (msg && strlen(msg) > MS_PROXY_END_MESSAGE_MAX) {
		respond_error(ac, 400,
			      "parameter 'message': over 400 bytes (the "
			      "client's error message)",
			      NULL);
		return;
	}
	if (ms_proxy_end(ac->a->p, route, msg, &ids, &err)) {
		respond_err(ac, &err);
		return;
	}
	size_t n = json_array_size(ids);
	MS_LOG_INFO("proxy", "event=admin_end route=%s ended=%zu",
		    route ? route : "*", n);
	respond_json(ac, 200,
		     json_pack("{s:s?,s:i,s:o}", "route", route, "ended",
			       (int)n, "sessions", ids),
		     NULL);
}

static void ep_move(struct admin_conn *ac, const struct ms_http_req *req)
{
	const char *route = param(req, "route"), *to = param(req, "to");
	struct ms_err err;
	uint64_t id = 0;

	ms_err_clear(&err);
	if (!to) {
		respond_error(ac, 400, "missing parameter 'to'", NULL);
		return;
	}
	if (ms_proxy_move_start(ac->a->p, route, to, &id, &err)) {
		respond_err(ac, &err);
		return;
	}
	MS_LOG_INFO("proxy", "event=admin_move id=%" PRIu64 " route=%s to=%s",
		    id, route ? route : "*", to);
	respond_json(ac, 202,
		     json_pack("{s:I,s:s?,s:s}", "id", (json_int_t)id, "route",
			       route, "to", to),
		     NULL);
}

static void ep_moves(struct admin_conn *ac, const struct ms_http_req *req)
{
	const char *v = param(req, "id");
	struct ms_err err;
	uint64_t id = 0;
	json_t *o;

	ms_err_clear(&err);
	if (!v) {
		respond_error(ac, 400, "missing parameter 'id'", NULL);
		return;
	}
	for (const char *s = v; *s; s++) {
		if (*s < '0' || *s > '9' || id > (UINT64_MAX - 9) / 10) {
			respond_error(
			    ac, 400, "parameter 'id': not a move number", NULL);
			return;
		}
		id = id * 10 + (uint64_t)(*s - '0');
	}
	o = ms_proxy_move_json(ac->a->p, id, &err);
	if (!o) {
		if (!err.code)
			MS_ERR(&err, MS_ENOTFOUND, "no move %" PRIu64, id);
		respond_err(ac, &err);
		return;
	}
	respond_json(ac, 200, o, NULL);
}

static void ep_metrics(struct admin_conn *ac, const struct ms_http_req *req)
{
	struct ms_buf b;

	(void)req;
	ms_buf_init(&b, ADMIN_OUT_CAP);
	if (ms_proxy_metrics_text(ac->a->p, &b)) {
		respond_error(ac, 500, "cannot render the metrics", NULL);
	} else {
		respond(ac, 200, "text/plain; version=0.0.4; charset=utf-8",
			b.ptr ? b.ptr : "", b.len, NULL);
	}
	ms_buf_free(&b);
}

static const struct route_def routes[] = {
    {"/status", M_GET, {NULL}, ep_status},
    {"/sessions", M_GET, {NULL}, ep_sessions},
    {"/routes", M_GET, {NULL}, ep_routes},
    {"/routes/set", M_POST, {"route", "backend", NULL}, ep_route_set},
    {"/pause", M_POST, {"route", NULL}, ep_pause},
    {"/resume", M_POST, {"route", NULL}, ep_resume},
    {"/prepare", M_POST, {"route", "to", NULL}, ep_prepare},
    {"/prepare/cancel", M_POST, {"route", NULL}, ep_prepare_cancel},
    {"/end", M_POST, {"route", "message", NULL}, ep_end},
    {"/move", M_POST, {"route", "to", NULL}, ep_move},
    {"/moves", M_GET, {"id", NULL}, ep_moves},
    {"/metrics", M_GET, {NULL}, ep_metrics},
};

/* 400 naming the first query parameter <rd> does not take. */
static bool params_known(struct admin_conn *ac, const struct route_def *rd,
			 const struct ms_http_req *req)
{
	for (size_t i = 0; i < req->nparams; i++) {
		bool ok = false;

		for (size_t k = 0; rd->params[k] && !ok; k++)
			ok = strcmp(rd->params[k], req->names[i]) == 0;
		if (!ok) {
			char msg[160];

			snprintf(msg, sizeof(msg),
				 "unknown parameter '%.64s' for %s",
				 req->names[i], rd->path);
			respond_error(ac, 400, msg, NULL);
			return false;
		}
	}
	return true;
}

static void dispatch(struct admin_conn *ac, const struct ms_http_req *req)
{
	const struct route_def *rd = NULL;
	enum method m = 0;

	if (!ms_http_token_equal(req->token, ac->a->token)) {
		MS_LOG_WARN("proxy", "event=admin_unauthorized peer=%s path=%s",
			    ac->c.peer, req->path);
		respond_error(ac, 401,
			      req->has_auth ? "wrong token"
					    : "missing Authorization: Bearer "
					      "token",
			      "WWW-Authenticate: Bearer\r\n");
		return;
	}
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(routes[i].path, req->path) == 0)
			rd = &routes[i];
	if (!rd) {
		respond_error(ac, 404, "no such endpoint", NULL);
		return;
	}
	if (strcmp(req->method, "GET") == 0)
		m = M_GET;
	else if (strcmp(req->method, "POST") == 0)
		m = M_POST;
	if (m != rd->method) {
		respond_error(
		    ac, 405, rd->method == M_GET ? "use GET" : "use POST",
		    rd->method == M_GET ? "Allow: GET\r\n" : "Allow: POST\r\n");
		return;
	}
	if (!params_known(ac, rd, req))
		return;
	MS_LOG_DEBUG("proxy", "event=admin_request peer=%s method=%s path=%s",
		     ac->c.peer, req->method, req->path);
	rd->fn(ac, req);
}

/* Parses what has arrived; answers when the request is complete or
 * wrong. */
static void conn_request(struct admin_conn *ac)
{
	struct ms_http_req *req = malloc(sizeof(*req));
	struct ms_err err;
	int rc;

	if (!req) {
		ac->answered = ac->failed = true;
		return;
	}
	ms_err_clear(&err);
	rc = ms_http_parse((const char *)ms_bq_data(&ac->c.in),
			   ms_bq_len(&ac->c.in), req, &err);
	if (rc == 1)
		dispatch(ac, req);
	else if (rc == MS_ETOOLARGE)
		respond_error(ac, 413, err.msg, NULL);
	else if (rc < 0)
		respond_error(ac, 400, err.msg, NULL);
	free(req);
}

static void conn_event(struct ms_loop *loop, int fd, int events, void *data);

/* Reads, answers, writes, drains; frees <ac> when it is over. */
static void conn_step(struct admin_conn *ac)
{
	long n;
	int rc;

	if (!ac->answered) {
		n = ms_conn_read(&ac->c);
		if (n == MS_ETOOLARGE)
			respond_error(ac, 413, "request too large", NULL);
		else if (n < 0) {
			conn_free(ac);
			return;
		} else if (n > 0) {
			conn_request(ac);
		}
	} else if (ac->shut) {
		/* drain until the client closes */
		ms_bq_consume(&ac->c.in, ms_bq_len(&ac->c.in));
		if (ms_conn_read(&ac->c) < 0 && !ac->c.read_eof) {
			conn_free(ac);
			return;
		}
		if (ac->c.read_eof) {
			conn_free(ac);
			return;
		}
	}
	if (ac->answered && !ac->shut) {
		rc = ac->failed ? MS_EIO : ms_conn_flush(&ac->c);
		if (rc < 0) {
			conn_free(ac);
			return;
		}
		if (rc == 1) {
			ac->shut = true;
			(void)shutdown(ac->c.fd, SHUT_WR);
			ms_bq_consume(&ac->c.in, ms_bq_len(&ac->c.in));
		}
	}
	if (ms_loop_set(ac->a->loop, ac->c.fd,
			MS_EV_READ |
			    (ac->answered && !ac->shut ? MS_EV_WRITE : 0),
			conn_event, ac))
		conn_free(ac);
}

static void conn_event(struct ms_loop *loop, int fd, int events, void *data)
{
	(void)loop, (void)fd, (void)events;
	conn_step(data);
}

static void accept_event(struct ms_loop *loop, int fd, int events, void *data)
{
	struct ms_admin *a = data;
	struct admin_conn *ac;
	struct ms_err err;
	char peer[64];
	int cfd, rc;

	(void)events;
	for (int i = 0; i < 16; i++) {
		rc = ms_net_accept(fd, &cfd, peer, sizeof(peer), &err);
		if (rc < 0) {
			MS_LOG_WARN("proxy", "event=admin_accept_failed msg=%s",
				    err.msg);
			return;
		}
		if (rc == 0)
			return;
		if (a->nconns >= ADMIN_MAX_CONNS ||
		    !(ac = calloc(1, sizeof(*ac)))) {
			MS_LOG_WARN("proxy",
				    "event=admin_refused peer=%s conns=%u",
				    peer, a->nconns);
			close(cfd);
			continue;
		}
		ms_conn_init(&ac->c, cfd, MS_HTTP_MAX_HEAD + MS_HTTP_MAX_BODY,
			     ADMIN_OUT_CAP);
		snprintf(ac->c.peer, sizeof(ac->c.peer), "%s", peer);
		ac->a = a;
		ac->next = a->conns;
		if (a->conns)
			a->conns->prev = ac;
		a->conns = ac;
		a->nconns++;
		ac->timer =
		    ms_loop_timer(loop, ADMIN_IDLE_MS, conn_timeout, ac);
		if (!ac->timer ||
		    ms_loop_set(loop, cfd, MS_EV_READ, conn_event, ac))
			conn_free(ac);
	}
}

int ms_admin_start(struct ms_loop *loop, struct ms_proxy *p, const char *addr,
		   const char *token, struct ms_admin **out, struct ms_err *err)
{
	struct ms_admin *a;
	int rc;

	*out = NULL;
	if (!loopback_addr(addr))
		return MS_ERR(err, MS_ECONFIG,
			      "admin address '%s': must be a loopback address "
			      "(127.0.0.1, [::1] or localhost), the admin API "
			      "is not for the network",
			      addr ? addr : "");
	if (!token || !*token)
		return MS_ERR(err, MS_ECONFIG, "admin API: no token");
	a = calloc(1, sizeof(*a));
	if (!a || !(a->token = strdup(token))) {
		free(a);
		return MS_ERR(err, MS_ENOMEM, "admin API: out of memory");
	}
	a->loop = loop;
	a->p = p;
	rc = ms_net_listen(addr, 16, &a->lfd, err);
	if (rc) {
		ms_err_prefix(err, "admin API");
		free(a->token);
		free(a);
		return rc;
	}
	a->port = ms_net_local_port(a->lfd);
	rc = ms_loop_set(loop, a->lfd, MS_EV_READ, accept_event, a);
	if (rc) {
		close(a->lfd);
		free(a->token);
		free(a);
		return MS_ERR(err, rc, "admin API: cannot watch %s", addr);
	}
	MS_LOG_INFO("proxy", "event=admin_listening addr=%s port=%d", addr,
		    a->port);
	*out = a;
	return 0;
}

int ms_admin_port(const struct ms_admin *a)
{
	return a->port;
}

void ms_admin_free(struct ms_admin *a)
{
	if (!a)
		return;
	while (a->conns)
		conn_free(a->conns);
	ms_loop_del(a->loop, a->lfd);
	close(a->lfd);
	/* the token is wiped before it goes */
	memset(a->token, 0, strlen(a->token));
	free(a->token);
	free(a);
}

/* The proxy's admin API: HTTP/1.1 on a loopback address, served by the
 * proxy's own event loop (never blocking it), every request carrying
 * "Authorization: Bearer <token>". Requests are small (headers at most
 * 8 KB, no body needed: parameters are in the query string); one request
 * per connection is enough for `myshift proxy-ctl`, keep-alive is not
 * offered. Answers are JSON (text for /metrics).
 *
 *   GET  /status                       proxy summary, backends, paused
 *   GET  /sessions                     one object per client session
 *   GET  /routes                       the routes
 *   POST /routes/set?route=R&backend=B new sessions of R go to B
 *   POST /pause[?route=R]              hold new statements at txn boundaries
 *   POST /resume[?route=R]             release them
 *   POST /move?route=R&to=B            flip R to B and move its sessions
 *                                      (route omitted: every route)
 *   GET  /moves?id=N                   progress and result of a move
 *   GET  /metrics                      Prometheus text
 *
 * Errors: 401 without the right token, 404 unknown path, 405 wrong method,
 * 400 bad parameter (JSON {"error": "..."} naming it), 413 request too
 * large. */
#ifndef MS_PROXY_ADMIN_H
#define MS_PROXY_ADMIN_H

#include <jansson.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct ms_loop;
struct ms_proxy;
struct ms_admin;

/* Listens on <addr> (a loopback address, else MS_ECONFIG) in <loop> for
 * proxy <p>; <token> is copied. *<out> is owned by the caller. */
int ms_admin_start(struct ms_loop *loop, struct ms_proxy *p, const char *addr,
		   const char *token, struct ms_admin **out,
		   struct ms_err *err) MS_WUR;
/* The port it listens on (when started on port 0). */
int ms_admin_port(const struct ms_admin *a);
void ms_admin_free(struct ms_admin *a);

/* What the engine offers the admin API (implemented in the engine, called
 * in the loop thread). JSON results are new references the caller
 * releases. Errors (MS_ENOTFOUND for an unknown route or move, MS_EINVAL
 * for a bad backend name, MS_EUNSUPPORTED for a target that is not
 * configured) carry a message for the HTTP 400/404 body. */
json_t *ms_proxy_status_json(struct ms_proxy *p);
json_t *ms_proxy_sessions_json(struct ms_proxy *p);
json_t *ms_proxy_routes_json(struct ms_proxy *p);
int ms_proxy_route_set(struct ms_proxy *p, const char *route,
		       const char *backend, struct ms_err *err) MS_WUR;
/* <route> NULL: every route. */
int ms_proxy_pause(struct ms_proxy *p, const char *route,
		   struct ms_err *err) MS_WUR;
int ms_proxy_resume(struct ms_proxy *p, const char *route,
		    struct ms_err *err) MS_WUR;
int ms_proxy_move_start(struct ms_proxy *p, const char *route,
			const char *backend, uint64_t *id,
			struct ms_err *err) MS_WUR;
/* {"id", "state": "running|done", "moved", "failed", "unmovable",
 *  "pending", "pause_ms_max", "pause_ms_p50", "errors": [...]} */
json_t *ms_proxy_move_json(struct ms_proxy *p, uint64_t id, struct ms_err *err);
int ms_proxy_metrics_text(struct ms_proxy *p, struct ms_buf *out) MS_WUR;

#endif

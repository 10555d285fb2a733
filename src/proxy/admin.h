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
 *   POST /resume[?route=R]             release them (count, hold times)
 *   POST /prepare?route=R&to=B         open the sessions' B connections
 *                                      now, for a later move
 *   POST /prepare/cancel[?route=R]     close those not used yet
 *   POST /end[?route=R][&message=M]    end the sessions still inside a
 *                                      transaction (ER 1927, rolled back)
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

#define MS_PROXY_END_MESSAGE                                                   \
	"myshift: the transaction was still open when the cutover drain "      \
	"timeout ran out; it was rolled back and this connection is closed"
#define MS_PROXY_END_MESSAGE_MAX 400

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
/* What a resume released: the held commands that went on, and how long
 * they had been held (p50 and max over them, 0 when none). */
struct ms_proxy_release {
	unsigned released;
	double hold_ms_p50, hold_ms_max;
};
int ms_proxy_resume(struct ms_proxy *p, const char *route,
		    struct ms_proxy_release *rel, struct ms_err *err) MS_WUR;
/* Opens, for every session of <route> (NULL: all) that is movable, logged
 * in, not on <backend> and not being moved, its replacement connection to
 * <backend> now (connect, login, tracking set-up); it then waits, idle,
 * until a move takes it instead of logging in. Nothing is flipped or held.
 * *<prepared>: sessions that have one now (opened now or earlier);
 * *<skipped>: the route's other sessions not on <backend>. */
int ms_proxy_prepare(struct ms_proxy *p, const char *route, const char *backend,
		     unsigned *prepared, unsigned *skipped,
		     struct ms_err *err) MS_WUR;
/* Closes the prepared connections of <route> (NULL: all) that no move has
 * taken; *<cancelled> of them. */
int ms_proxy_prepare_cancel(struct ms_proxy *p, const char *route,
			    unsigned *cancelled, struct ms_err *err) MS_WUR;
/* Ends every session of <route> (NULL: all) inside a transaction and not
 * held: its client gets ER_CONNECTION_KILLED (1927) with <message>
 * (borrowed; NULL: MS_PROXY_END_MESSAGE) as the answer to its command in
 * flight, or to its next one when idle (unless part of a response went
 * out already: then it is just closed), and both connections close, which
 * rolls the transaction back. *<ids> gets a new array of the sessions'
 * ids. */
int ms_proxy_end(struct ms_proxy *p, const char *route, const char *message,
		 json_t **ids, struct ms_err *err) MS_WUR;
int ms_proxy_move_start(struct ms_proxy *p, const char *route,
			const char *backend, uint64_t *id,
			struct ms_err *err) MS_WUR;
/* {"id", "state": "running|done", "moved", "failed", "unmovable",
 *  "pending", "pause_ms_max", "pause_ms_p50", "errors": [...]} */
json_t *ms_proxy_move_json(struct ms_proxy *p, uint64_t id, struct ms_err *err);
int ms_proxy_metrics_text(struct ms_proxy *p, struct ms_buf *out) MS_WUR;

#endif

/* What cutover asks of the proxy around a move (docs/cutover.md steps 1, 2
 * and 8), the engine's side of POST /prepare, /prepare/cancel and /end.
 *
 * Prepare: each session gets its replacement connection (s->nb) to the
 * backend it will move to, logged in and set up now, while nothing is
 * paused; it then waits idle. It is neither a move (move_to stays -1, the
 * session is never held for it) nor a flip. A later move takes it and
 * only replays the session's state on it (move.c), so a move of many
 * sessions costs one replay round trip each instead of a login each. A
 * prepared connection that fails or closes is dropped quietly
 * (px_nb_drop); the move then opens a fresh one.
 *
 * End: after the drain timeout, a session still inside a transaction is
 * ended: its client gets ER_CONNECTION_KILLED as the answer to its command
 * in flight, or to its next command when it is idle (sequence id 1, the
 * one a server's answer to that command carries), and both connections
 * close, which rolls the transaction back on the server. */
#include <string.h>

#include "core/log.h"
#include "proxy/admin.h"
#include "proxy/proxy_int.h"

#define ER_CONNECTION_KILLED 1927

/* A session of route <r> (NULL: any) that is logged in and still open. */
static bool in_scope(const struct px_session *s, const struct ms_route *r)
{
	return s->route && (!r || s->route == r) && s->b && !s->dead &&
	       s->phase >= PX_C_READY && s->phase != PX_C_CLOSING;
}

/* Opens <s>'s prepared connection to backend <bi>. Returns true when it
 * has one (new or from an earlier call). */
static bool prepare_session(struct px_session *s, int bi)
{
	struct ms_err err = {0};

	if (s->move_to >= 0 || px_unmovable_reason(s))
		return false;
	if (s->nb && s->nb->be->index == bi)
		return true;
	if (s->nb) {
		px_bconn_quit(s->nb); /* prepared for the other backend */
		s->nb = NULL;
	}
	s->nb = px_bconn_open(s, bi, &err);
	if (!s->nb) {
		s->px->m.prepare_failures++;
		MS_LOG_INFO("proxy",
			    "event=prepare_failed id=%u backend=%s "
			    "error=\"%s\"",
			    s->id, s->px->backends[bi].name, err.msg);
		return false;
	}
	s->px->m.prepared_total++;
	return true;
}

int ms_proxy_prepare(struct ms_proxy *p, const char *route, const char *backend,
		     unsigned *prepared, unsigned *skipped, struct ms_err *err)
{
	struct ms_route *r;
	int bi;
	int rc = px_find_route(p, route, &r, err);

	*prepared = *skipped = 0;
	if (!rc)
		rc = px_find_backend(p, backend, &bi, err);
	if (rc)
		return rc;
	struct px_session *next;
	for (struct px_session *s = p->sessions; s; s = next) {
		next = s->next;
		if (!s->route || (r && s->route != r) ||
		    (s->b && s->b->be->index == bi))
			continue;
		if (in_scope(s, r) && prepare_session(s, bi))
			(*prepared)++;
		else
			(*skipped)++;
		px_session_settle(s);
	}
	MS_LOG_INFO(
	    "proxy", "event=prepare route=%s to=%s prepared=%u skipped=%u",
	    r ? r->name : "*", p->backends[bi].name, *prepared, *skipped);
	return 0;
}

int ms_proxy_prepare_cancel(struct ms_proxy *p, const char *route,
			    unsigned *cancelled, struct ms_err *err)
{
	struct ms_route *r;
	int rc = px_find_route(p, route, &r, err);

	*cancelled = 0;
	if (rc)
		return rc;
	for (struct px_session *s = p->sessions; s; s = s->next) {
		if (!px_prepared(s) || !s->route || (r && s->route != r))
			continue;
		px_bconn_quit(s->nb);
		s->nb = NULL;
		(*cancelled)++;
	}
	MS_LOG_INFO("proxy", "event=prepare_cancel route=%s cancelled=%u",
		    r ? r->name : "*", *cancelled);
	return 0;
}

/* Ends <s> (inside a transaction): the ERR when nothing of an answer went
 * out yet, then both connections closed. */
static void end_session(struct px_session *s, const char *message)
{
	bool idle = s->phase == PX_C_READY;
	bool answer =
	    idle || (s->phase == PX_C_COMMAND && !s->replied && !s->in_frag);

	if (px_prepared(s)) {
		px_bconn_quit(s->nb);
		s->nb = NULL;
	} else { /* a move under way fails for it */
		px_nb_drop(s, "the session was ended inside a transaction "
			      "(POST /end)");
	}
	if (idle)
		s->seq = 1; /* the answer to its next command */
	if (answer)
		px_send_err(s, ER_CONNECTION_KILLED, "70100", "%s", message);
	MS_LOG_INFO("proxy",
		    "event=session_ended id=%u user=%s client=%s route=%s "
		    "backend=%s thread=%u state=%s answered=%s",
		    s->id, s->user, s->c.peer, s->route->name, s->b->be->name,
		    s->b->thread_id, idle ? "idle" : "busy",
		    answer ? "yes" : "no");
	s->px->m.sessions_ended++;
	if (idle)
		px_bconn_quit(s->b);
	else
		px_bconn_free(s->b); /* a command runs: just close */
	s->b = NULL;
	s->phase = PX_C_CLOSING;
	if (!answer)
		px_session_fail(s, "ended inside a transaction");
}

int ms_proxy_end(struct ms_proxy *p, const char *route, const char *message,
		 json_t **ids, struct ms_err *err)
{
	struct ms_route *r;
	int rc = px_find_route(p, route, &r, err);

	*ids = NULL;
	if (rc)
		return rc;
	if (!message)
		message = MS_PROXY_END_MESSAGE;
	if (strlen(message) > MS_PROXY_END_MESSAGE_MAX)
		return MS_ERR(err, MS_EINVAL,
			      "parameter 'message': over %d bytes",
			      MS_PROXY_END_MESSAGE_MAX);
	*ids = json_array();
	if (!*ids)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	struct px_session *next;
	for (struct px_session *s = p->sessions; s; s = next) {
		next = s->next;
		if (!in_scope(s, r) || s->held ||
		    !(s->status & MS_SERVER_STATUS_IN_TRANS))
			continue;
		json_array_append_new(*ids, json_integer(s->id));
		end_session(s, message);
		px_session_settle(s);
	}
	MS_LOG_INFO("proxy", "event=end route=%s ended=%zu", r ? r->name : "*",
		    json_array_size(*ids));
	return 0;
}

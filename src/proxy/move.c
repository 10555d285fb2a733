/* Pause, resume and move, and the engine's side of the admin API.
 *
 * Pause: a session on a paused route whose next command arrives at a
 * transaction boundary keeps that command in its input queue (held, not
 * failed) until resume; a transaction under way runs to its end first.
 *
 * Move: the route is flipped at once (new sessions go to the new backend);
 * each of its sessions gets a second backend connection, logged in and set
 * up while the session keeps running on the old one. At the session's next
 * boundary (idle, or its next command held) the state is replayed on the
 * new connection in one pipelined round trip and the connections are
 * swapped. The pause a session can see is that replay; it is measured.
 * A connection opened ahead by POST /prepare (drain.c) is taken instead
 * of logging in again. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "proxy/admin.h"
#include "proxy/loop.h"
#include "proxy/proxy_int.h"
#include "proxy/shadow.h"

static bool route_paused(const struct px_session *s)
{
	return s->px->paused_all || (s->route && s->route->paused);
}

bool px_should_hold(struct px_session *s)
{
	bool boundary = !(s->status & MS_SERVER_STATUS_IN_TRANS);

	if (s->move_to >= 0) /* not a prepared-only connection */
		return boundary && px_at_boundary(s);
	return boundary && route_paused(s);
}

/* Releases a held command (after resume or a move). Returns true when it
 * did, with *<held_us> (may be NULL) the time it was held. */
static bool release(struct px_session *s, uint64_t *held_us)
{
	if (!s->held || px_should_hold(s))
		return false;
	uint64_t us = ms_mono_us() - s->held_since_us;
	s->held = false;
	ms_hist_add(&s->px->m.hold_latency, us);
	if (held_us)
		*held_us = us;
	px_client_process(s);
	return true;
}

void px_move_session_done(struct px_session *s, bool ok, const char *error)
{
	struct px_move *mv = s->move;
	uint64_t now = ms_mono_us();

	s->move = NULL;
	s->move_to = -1;
	if (mv) {
		mv->pending--;
		if (ok) {
			mv->moved++;
			uint64_t from = s->replay_start_us;
			if (s->held && s->held_since_us < from)
				from = s->held_since_us;
			if (mv->npause == mv->apause) {
				unsigned n = mv->apause ? mv->apause * 2 : 64;
				uint32_t *v =
				    realloc(mv->pause_us, n * sizeof(*v));
				if (v) {
					mv->pause_us = v;
					mv->apause = n;
				}
			}
			if (mv->npause < mv->apause)
				mv->pause_us[mv->npause++] =
				    (uint32_t)(now - from);
		} else {
			mv->failed++;
			char line[600];
			snprintf(line, sizeof(line), "session %u: %s", s->id,
				 error ? error : "failed");
			json_array_append_new(mv->errors, json_string(line));
		}
		if (!mv->pending)
			mv->finished_us = now;
	}
	if (ok)
		s->px->m.sessions_moved++;
	else
		s->px->m.move_failures++;
	if (!ok)
		MS_LOG_WARN("proxy", "event=move_failed id=%u error=\"%s\"",
			    s->id, error ? error : "-");
	release(s, NULL);
}

void px_nb_drop(struct px_session *s, const char *why)
{
	struct px_bconn *nb = s->nb;

	if (!nb)
		return;
	s->nb = NULL;
	if (s->move_to >= 0) {
		px_bconn_free(nb);
		px_move_session_done(s, false, why);
		return;
	}
	s->px->m.prepare_failures++;
	MS_LOG_INFO("proxy",
		    "event=prepared_dropped id=%u backend=%s reason=\"%s\"",
		    s->id, nb->be->name, why);
	px_bconn_free(nb);
}

void px_move_check(struct px_session *s)
{
	struct px_bconn *nb = s->nb;

	if (!nb || s->move_to < 0 || nb->phase != PX_B_READY ||
	    !px_at_boundary(s))
		return;
	const char *why = px_unmovable_reason(s);
	if (why) {
		char msg[200];
		snprintf(msg, sizeof(msg), "became unmovable: %s", why);
		s->nb = NULL;
		px_bconn_free(nb);
		px_move_session_done(s, false, msg);
		return;
	}
	s->replay_start_us = ms_mono_us();
	if (px_state_replay(s, nb)) {
		s->nb = NULL;
		px_bconn_free(nb);
		px_move_session_done(s, false, "cannot send the replay");
	}
}

void px_moves_free(struct ms_proxy *px)
{
	while (px->moves) {
		struct px_move *mv = px->moves;
		px->moves = mv->next;
		json_decref(mv->errors);
		free(mv->pause_us);
		free(mv);
	}
}

/* ---- admin API --------------------------------------------------------- */

int px_find_route(struct ms_proxy *px, const char *name, struct ms_route **out,
		  struct ms_err *err)
{
	*out = NULL;
	if (!name || !*name)
		return 0;
	*out = ms_routes_find(&px->routes, name);
	if (!*out)
		return MS_ERR(err, MS_ENOTFOUND, "unknown route '%s'", name);
	return 0;
}

int px_find_backend(struct ms_proxy *px, const char *name, int *out,
		    struct ms_err *err)
{
	*out = ms_backend_parse(name ? name : "");
	if (*out < 0)
		return MS_ERR(err, MS_EINVAL,
			      "unknown backend '%s' (source or target)",
			      name ? name : "");
	if (*out >= px->nbackends)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "backend %s is not configured (--%s)", name,
			      name);
	return 0;
}

int ms_proxy_route_set(struct ms_proxy *p, const char *route,
		       const char *backend, struct ms_err *err)
{
	struct ms_route *r;
	int bi;
	int rc = px_find_route(p, route, &r, err);

	if (!rc && !r)
		rc = MS_ERR(err, MS_EINVAL, "no route given");
	if (!rc)
		rc = px_find_backend(p, backend, &bi, err);
	if (rc)
		return rc;
	r->backend = bi;
	MS_LOG_INFO("proxy", "event=route_set route=%s backend=%s", r->name,
		    p->backends[bi].name);
	return 0;
}

int ms_proxy_pause(struct ms_proxy *p, const char *route, struct ms_err *err)
{
	struct ms_route *r;
	int rc = px_find_route(p, route, &r, err);

	if (rc)
		return rc;
	if (r)
		r->paused = true;
	else
		p->paused_all = true;
	MS_LOG_INFO("proxy", "event=pause route=%s", r ? r->name : "*");
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int ms_proxy_resume(struct ms_proxy *p, const char *route,
		    struct ms_proxy_release *rel, struct ms_err *err)
{
	struct ms_route *r;
	int rc = px_find_route(p, route, &r, err);
	uint64_t *held = NULL;
	unsigned n = 0, cap = 0;

	memset(rel, 0, sizeof(*rel));
	if (rc)
		return rc;
	for (struct px_session *s = p->sessions; s; s = s->next)
		cap += s->held;
	if (cap && !(held = malloc(cap * sizeof(*held))))
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	if (r) {
		r->paused = false;
	} else {
		p->paused_all = false;
		for (size_t i = 0; i < p->routes.n; i++)
			p->routes.v[i].paused = false;
	}
	struct px_session *next;
	for (struct px_session *s = p->sessions; s; s = next) {
		next = s->next;
		if (s->held) {
			uint64_t us = 0;
			if (release(s, &us) && n < cap)
				held[n++] = us;
			px_session_settle(s);
		}
	}
	rel->released = n;
	if (n) {
		qsort(held, n, sizeof(*held), cmp_u64);
		rel->hold_ms_p50 = (double)held[(n - 1) / 2] / 1000.0;
		rel->hold_ms_max = (double)held[n - 1] / 1000.0;
	}
	free(held);
	MS_LOG_INFO("proxy",
		    "event=resume route=%s released=%u hold_ms_p50=%.3f "
		    "hold_ms_max=%.3f",
		    r ? r->name : "*", n, rel->hold_ms_p50, rel->hold_ms_max);
	return 0;
}

static void move_session(struct px_move *mv, struct px_session *s)
{
	struct ms_err err = {0};
	const char *why = px_unmovable_reason(s);

	if (why) {
		char line[300];
		if (px_prepared(s)) {
			px_bconn_quit(s->nb);
			s->nb = NULL;
		}
		mv->unmovable++;
		snprintf(line, sizeof(line), "session %u: unmovable: %s", s->id,
			 why);
		json_array_append_new(mv->errors, json_string(line));
		return;
	}
	mv->total++;
	mv->pending++;
	s->move = mv;
	s->move_to = mv->to;
	if (s->nb && s->nb->be->index == mv->to) {
		/* prepared: logged in (or logging in) already */
		mv->prepared++;
		s->px->m.prepared_used++;
		return;
	}
	if (s->nb) {
		px_bconn_quit(s->nb); /* prepared for the other backend */
		s->nb = NULL;
	}
	s->nb = px_bconn_open(s, mv->to, &err);
	if (!s->nb)
		px_move_session_done(s, false, err.msg);
}

int ms_proxy_move_start(struct ms_proxy *p, const char *route,
			const char *backend, uint64_t *id, struct ms_err *err)
{
	struct ms_route *r;
	int bi;
	int rc = px_find_route(p, route, &r, err);

	if (!rc)
		rc = px_find_backend(p, backend, &bi, err);
	if (rc)
		return rc;
	struct px_move *mv = calloc(1, sizeof(*mv));
	if (!mv)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	mv->id = ++p->next_move_id;
	mv->to = bi;
	mv->errors = json_array();
	mv->started_us = ms_mono_us();
	snprintf(mv->route, sizeof(mv->route), "%s", r ? r->name : "");
	mv->next = p->moves;
	p->moves = mv;
	for (size_t i = 0; i < p->routes.n; i++)
		if (!r || &p->routes.v[i] == r)
			p->routes.v[i].backend = bi;
	struct px_session *next;
	for (struct px_session *s = p->sessions; s; s = next) {
		next = s->next;
		if (!s->route || (r && s->route != r) || !s->b ||
		    s->b->be->index == bi || s->move || s->phase < PX_C_READY ||
		    s->phase == PX_C_CLOSING)
			continue;
		move_session(mv, s);
		px_move_check(s);
		px_session_settle(s);
	}
	if (!mv->pending)
		mv->finished_us = ms_mono_us();
	*id = mv->id;
	MS_LOG_INFO("proxy",
		    "event=move_start id=%llu route=%s to=%s "
		    "sessions=%u unmovable=%u prepared=%u",
		    (unsigned long long)mv->id, r ? r->name : "*",
		    p->backends[bi].name, mv->total, mv->unmovable,
		    mv->prepared);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

json_t *ms_proxy_move_json(struct ms_proxy *p, uint64_t id, struct ms_err *err)
{
	struct px_move *mv = p->moves;

	while (mv && mv->id != id)
		mv = mv->next;
	if (!mv) {
		MS_ERR(err, MS_ENOTFOUND, "unknown move %llu",
		       (unsigned long long)id);
		return NULL;
	}
	double max = 0, p50 = 0;
	if (mv->npause) {
		uint32_t *v = malloc(mv->npause * sizeof(*v));
		if (v) {
			memcpy(v, mv->pause_us, mv->npause * sizeof(*v));
			qsort(v, mv->npause, sizeof(*v), cmp_u32);
			max = v[mv->npause - 1] / 1000.0;
			p50 = v[(mv->npause - 1) / 2] / 1000.0;
			free(v);
		}
	}
	uint64_t end = mv->pending ? ms_mono_us() : mv->finished_us;
	return json_pack(
	    "{s:I, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:f, "
	    "s:f, s:O}",
	    "id", (json_int_t)mv->id, "state", mv->pending ? "running" : "done",
	    "route", mv->route[0] ? mv->route : "*", "to",
	    p->backends[mv->to].name, "sessions", (int)mv->total, "moved",
	    (int)mv->moved, "failed", (int)mv->failed, "unmovable",
	    (int)mv->unmovable, "pending", (int)mv->pending, "prepared",
	    (int)mv->prepared, "pause_ms_max", max, "pause_ms_p50", p50,
	    "seconds", (double)(end - mv->started_us) / 1e6, "errors",
	    mv->errors);
}

static const char *phase_name(const struct px_session *s)
{
	if (s->held)
		return "held";
	if (s->nb && s->nb->phase == PX_B_REPLAY)
		return "moving";
	switch (s->phase) {
	case PX_C_HANDSHAKE:
	case PX_C_TLS:
	case PX_C_AUTH_MORE:
	case PX_C_LOGIN:
		return "login";
	case PX_C_READY:
		return "idle";
	case PX_C_COMMAND:
	case PX_C_INFILE:
		return "busy";
	default:
		return "closing";
	}
}

json_t *ms_proxy_sessions_json(struct ms_proxy *p)
{
	json_t *a = json_array();
	uint64_t now = ms_loop_now_ms(p->loop), now_us = ms_mono_us();

	for (struct px_session *s = p->sessions; s; s = s->next) {
		const char *why = px_unmovable_reason(s);
		json_t *o = json_pack(
		    "{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:I, "
		    "s:i, s:i, s:f, s:b, s:s?, s:f}",
		    "id", (int)s->id, "user", s->user, "client", s->c.peer,
		    "schema", s->schema, "route",
		    s->route ? s->route->name : "", "backend",
		    s->b ? s->b->be->name : "", "state", phase_name(s),
		    "in_transaction",
		    (s->status & MS_SERVER_STATUS_IN_TRANS) != 0, "movable",
		    why == NULL, "backend_thread",
		    (json_int_t)(s->b ? s->b->thread_id : 0), "queries",
		    (json_int_t)s->queries, "prepared_statements",
		    (int)s->nstmts, "variables", (int)s->nvars, "age_s",
		    (double)(now - s->started_ms) / 1000.0, "tls", s->tls,
		    "prepared", px_prepared(s) ? s->nb->be->name : NULL,
		    "held_ms",
		    s->held ? (double)(now_us - s->held_since_us) / 1000.0
			    : 0.0);
		json_object_set_new(
		    o, "prepared_ready",
		    json_boolean(px_prepared(s) && s->nb->phase == PX_B_READY));
		if (why)
			json_object_set_new(o, "unmovable", json_string(why));
		if (s->move_to >= 0)
			json_object_set_new(
			    o, "moving_to",
			    json_string(p->backends[s->move_to].name));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *ms_proxy_routes_json(struct ms_proxy *p)
{
	json_t *a = json_array();

	for (size_t i = 0; i < p->routes.n; i++) {
		struct ms_route *r = &p->routes.v[i];
		unsigned n = 0;
		for (struct px_session *s = p->sessions; s; s = s->next)
			n += s->route == r;
		json_array_append_new(
		    a,
		    json_pack("{s:s, s:s, s:s, s:s, s:b, s:i}", "name", r->name,
			      "user", r->user[0] ? r->user : "%", "schema",
			      r->schema[0] ? r->schema : "%", "backend",
			      p->backends[r->backend].name, "paused",
			      r->paused || p->paused_all, "sessions", (int)n));
	}
	return a;
}

static void gauges(struct ms_proxy *p, struct ms_metrics_gauges *g)
{
	memset(g, 0, sizeof(*g));
	g->connections_current = p->nsessions;
	for (struct px_session *s = p->sessions; s; s = s->next) {
		if (s->b)
			g->sessions_per_backend[s->b->be->index]++;
		g->held_sessions += s->held;
		g->unmovable_sessions += px_unmovable_reason(s) != NULL;
		g->prepared_connections += px_prepared(s);
	}
	for (int i = 0; i < MS_BACKEND_MAX; i++)
		g->backend_up[i] = i < p->nbackends
				       ? atomic_load(&p->backends[i].healthy)
				       : -1;
	if (p->shadow) {
		struct ms_shadow_stats st;
		ms_shadow_stats(p->shadow, &st);
		g->shadow_sampled = st.sampled;
		g->shadow_compared = st.compared;
		g->shadow_mismatched = st.mismatched;
		g->shadow_dropped = st.dropped;
		g->shadow_errors = st.errors;
	}
}

json_t *ms_proxy_status_json(struct ms_proxy *p)
{
	struct ms_metrics_gauges g;
	json_t *bs = json_array();

	gauges(p, &g);
	for (int i = 0; i < p->nbackends; i++) {
		struct ms_backend *b = &p->backends[i];
		char last[256];
		ms_health_last_error(p->health, i, last, sizeof(last));
		json_array_append_new(
		    bs,
		    json_pack("{s:s, s:s, s:i, s:b, s:s, s:I, s:s}", "name",
			      b->name, "address", b->addr, "port", (int)b->port,
			      "healthy", atomic_load(&b->healthy), "version",
			      b->version, "sessions",
			      (json_int_t)g.sessions_per_backend[i],
			      "last_error", last));
	}
	return json_pack(
	    "{s:I, s:I, s:I, s:b, s:o, s:I, s:I, s:I}", "sessions",
	    (json_int_t)p->nsessions, "held", (json_int_t)g.held_sessions,
	    "unmovable", (json_int_t)g.unmovable_sessions, "paused",
	    p->paused_all, "backends", bs, "queries",
	    (json_int_t)(p->m.queries_total[0] + p->m.queries_total[1]),
	    "moved", (json_int_t)p->m.sessions_moved, "prepared",
	    (json_int_t)g.prepared_connections);
}

int ms_proxy_metrics_text(struct ms_proxy *p, struct ms_buf *out)
{
	struct ms_metrics_gauges g;

	gauges(p, &g);
	return ms_metrics_render(&p->m, &g, out);
}

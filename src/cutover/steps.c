/* The eight steps of a switch and their undo (docs/cutover.md, "Steps").
 * Each action is idempotent: a step found started in the journal after a
 * crash is simply done again, or undone. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "cutover/co_int.h"
#include "cutover/objects.h"
#include "db/quote.h"
#include "sync/sync.h"

/* The proxy's route parameter: "" (every route) for a whole switch. */
static const char *api_route(struct co *c)
{
	return strcmp(c->scope, "*")
		   ? json_string_value(json_array_get(c->routes, 0))
		   : "";
}

/* ---- the other direction's sync and the handover set ------------------ */

static int handover_sql(struct co *c, bool add, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 4096);
	if (add) {
		rc = ms_buf_addstr(&q, "INSERT INTO ");
		rc = rc ? rc : ms_quote_qualified(&q, c->cs, "handover");
		rc = rc ? rc
			: ms_buf_addstr(&q, " (target_schema, run_id, since) "
					    "VALUES (");
		rc = rc ? rc : ms_db_add_literal(c->tgt, &q, c->scope);
		rc = rc ? rc
			: ms_buf_addf(&q,
				      ", %" PRIu64 ", NOW(6)) ON DUPLICATE KEY "
				      "UPDATE run_id = VALUES(run_id)",
				      c->run_id);
	} else {
		rc = ms_buf_addstr(&q, "DELETE FROM ");
		rc = rc ? rc : ms_quote_qualified(&q, c->cs, "handover");
		if (!rc && strcmp(c->scope, "*")) {
			rc = ms_buf_addstr(&q, " WHERE target_schema = ");
			rc = rc ? rc : ms_db_add_literal(c->tgt, &q, c->scope);
		}
	}
	return ms_db_exec_built(c->tgt, &q, rc, "handover", err);
}

static int handover_count(struct co *c, uint64_t *n, struct ms_err *err)
{
	struct ms_buf q;
	char *v = NULL;
	int rc;

	ms_buf_init(&q, 1024);
	rc = ms_buf_addstr(&q, "SELECT COUNT(*) FROM ");
	rc = rc ? rc : ms_quote_qualified(&q, c->cs, "handover");
	if (rc)
		return MS_ERR(err, rc, "query too long");
	rc = ms_db_query_value(c->tgt, ms_buf_str(&q), &v, err);
	ms_buf_free(&q);
	*n = v ? strtoull(v, NULL, 10) : 0;
	free(v);
	return rc;
}

/* (Re)starts the sync of <reverse>: a running one is stopped first so it
 * rereads the handover set; a reverse one without a checkpoint starts at
 * the target's current position. */
static int restart_sync(struct co *c, bool reverse, struct ms_err *err)
{
	struct ms_sync_progress p;
	char file[256] = "";
	uint64_t pos = 0;
	long pid = 0;
	int rc = co_sync_stop(c, reverse, err);

	rc = rc ? rc
		: ms_sync_read_progress(co_apply_db(c, reverse), c->cs, reverse,
					5, &p, err);
	if (!rc && reverse && !p.exists)
		rc = ms_db_binlog_end(c->tgt, file, sizeof(file), &pos, err);
	rc = rc ? rc : co_sync_spawn(c, reverse, file, pos, &pid, err);
	return rc ? rc : co_sync_wait_running(c, reverse, pid, err);
}

/* After a failback's flip: the reverse sync follows the smaller handover
 * set, or stops when nothing is handed over any more. */
static int reverse_follow_handover(struct co *c, struct ms_err *err)
{
	uint64_t n = 0;
	int rc = handover_count(c, &n, err);

	if (rc)
		return rc;
	return n ? restart_sync(c, true, err) : co_sync_stop(c, true, err);
}

/* ---- proxy ------------------------------------------------------------- */

/* Waits until no session of the routes is inside a transaction or running
 * a command; after the drain timeout the transactions still open are
 * ended by the proxy, with a message naming the timeout. */
static int drain(struct co *c, struct ms_err *err)
{
	unsigned timeout =
	    c->o->drain_timeout_ms ? c->o->drain_timeout_ms : 5000;
	double t0 = co_now_s();
	bool first = true, ended = false;
	int rc = 0;

	for (;;) {
		json_t *a = NULL, *s;
		size_t i;
		unsigned in_txn = 0, busy = 0;

		rc = co_route_sessions(c, &a, err);
		if (rc)
			return rc;
		json_array_foreach(a, i, s)
		{
			const char *state =
			    json_string_value(json_object_get(s, "state"));
			if (json_is_true(json_object_get(s, "in_transaction")))
				in_txn++;
			else if (state && !strcmp(state, "busy"))
				busy++;
		}
		json_decref(a);
		if (first)
			c->in_txn_at_pause = in_txn;
		first = false;
		double ms = (co_now_s() - t0) * 1000;
		if (!in_txn && !busy)
			break;
		if (in_txn && ms >= timeout && !ended) {
			char msg[400];
			json_t *ans = NULL;
			snprintf(msg, sizeof(msg),
				 "myshift %s: the transaction was still open "
				 "after the %u ms drain timeout; it was rolled "
				 "back and this connection is closed",
				 c->kind, timeout);
			rc = co_api(c, "POST", "/end", api_route(c), "message",
				    msg, &ans, err);
			if (rc)
				return rc;
			c->ended += (unsigned)json_integer_value(
			    json_object_get(ans, "ended"));
			json_decref(ans);
			ended = true;
			MS_LOG_WARN(
			    CO_COMP,
			    "event=drain_timeout ended=%u timeout_ms=%u",
			    c->ended, timeout);
		}
		if (ms > timeout + co_step_timeout_ms(c))
			return MS_ERR(err, MS_ETIMEOUT,
				      "sessions still busy %u ms after the "
				      "pause (%u in a transaction, %u running "
				      "a command)",
				      (unsigned)ms, in_txn, busy);
		co_sleep_ms(5);
	}
	c->drained =
	    c->in_txn_at_pause > c->ended ? c->in_txn_at_pause - c->ended : 0;
	return 0;
}

/* Waits (a few seconds at most: a session whose connection is not ready
 * just logs in at the flip) until the movable sessions of the routes have
 * their connection to the other server logged in. */
static int wait_prepared(struct co *c, struct ms_err *err)
{
	double t0 = co_now_s();

	while (co_now_s() - t0 < 5) {
		json_t *a = NULL, *s;
		size_t i;
		unsigned waiting = 0;
		int rc = co_route_sessions(c, &a, err);
		if (rc)
			return rc;
		json_array_foreach(a, i, s)
		{
			const char *be =
			    json_string_value(json_object_get(s, "backend"));
			if (be && strcmp(be, c->to_be) &&
			    json_is_true(json_object_get(s, "movable")) &&
			    !json_is_true(json_object_get(s, "prepared_ready")))
				waiting++;
		}
		json_decref(a);
		if (!waiting)
			break;
		co_sleep_ms(20);
	}
	return 0;
}

static int wait_move(struct co *c, json_t *ans, struct ms_err *err)
{
	char id[32];
	double t0 = co_now_s();
	json_t *m = NULL;
	int rc;

	snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
		 json_integer_value(json_object_get(ans, "id")));
	for (;;) {
		rc = co_api(c, "GET", "/moves", NULL, "id", id, &m, err);
		if (rc)
			return rc;
		const char *st = json_string_value(json_object_get(m, "state"));
		if (st && !strcmp(st, "done"))
			break;
		json_decref(m);
		m = NULL;
		if ((co_now_s() - t0) * 1000 > co_step_timeout_ms(c))
			return MS_ERR(err, MS_ETIMEOUT,
				      "the proxy's move %s did not finish in "
				      "%u s",
				      id, co_step_timeout_ms(c) / 1000);
		co_sleep_ms(5);
	}
	c->moved += (unsigned)json_integer_value(json_object_get(m, "moved"));
	c->move_failed +=
	    (unsigned)json_integer_value(json_object_get(m, "failed"));
	c->unmovable +=
	    (unsigned)json_integer_value(json_object_get(m, "unmovable"));
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(m, "errors"), i, e)
	    json_array_append(c->errors, e);
	json_decref(m);
	return 0;
}

static int flip(struct co *c, struct ms_err *err)
{
	json_t *ans = NULL;
	int rc =
	    co_api(c, "POST", "/move", api_route(c), "to", c->to_be, &ans, err);

	rc = rc ? rc : wait_move(c, ans, err);
	json_decref(ans);
	ans = NULL;
	rc = rc ? rc
		: co_api(c, "POST", "/resume", api_route(c), NULL, NULL, &ans,
			 err);
	if (!rc) {
		c->released = (unsigned)json_integer_value(
		    json_object_get(ans, "released"));
		c->pause_p50 =
		    json_number_value(json_object_get(ans, "hold_ms_p50"));
		c->pause_max =
		    json_number_value(json_object_get(ans, "hold_ms_max"));
	}
	json_decref(ans);
	return rc;
}

/* ---- stopping writes --------------------------------------------------- */

/* SET GLOBAL read_only on <db> (the server named <role>). */
static int set_read_only(struct ms_db *db, const char *role, int v,
			 struct ms_err *err)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "SET GLOBAL read_only = %d", v);
	int rc = ms_db_exec(db, sql, err);
	return rc ? ms_err_prefix(err, "%s", role) : 0;
}

/* Sessions on the server left that bypass the proxy and run a command. */
static int direct_sessions(struct co *c, struct ms_err *err)
{
	json_t *a = NULL, *s;
	struct ms_db_result *r = NULL;
	struct ms_buf q, list;
	size_t i;
	int rc = co_api(c, "GET", "/sessions", NULL, NULL, NULL, &a, err);

	if (rc)
		return rc;
	ms_buf_init(&q, 1 << 20);
	ms_buf_init(&list, 4096);
	rc = ms_buf_addstr(
	    &q, "SELECT ID, USER, HOST, DB, COMMAND FROM "
		"information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() "
		"AND COMMAND NOT IN ('Sleep', 'Daemon', 'Binlog Dump', "
		"'Binlog Dump GTID', 'Killed', 'Connect') AND USER NOT IN "
		"('system user', 'event_scheduler', 'unauthenticated user', ");
	rc = rc ? rc : ms_db_add_literal(c->left, &q, c->o->source->user);
	rc = rc ? rc : ms_buf_addstr(&q, ", ");
	rc = rc ? rc : ms_db_add_literal(c->left, &q, c->o->target->user);
	rc = rc ? rc : ms_buf_addstr(&q, ")");
	json_array_foreach(a, i, s)
	{
		const char *be =
		    json_string_value(json_object_get(s, "backend"));
		json_int_t t =
		    json_integer_value(json_object_get(s, "backend_thread"));
		if (!rc && be && !strcmp(be, c->left_be) && t > 0)
			rc = ms_buf_addf(&q, " AND ID <> %" JSON_INTEGER_FORMAT,
					 t);
	}
	json_decref(a);
	if (!rc && strcmp(c->scope, "*")) {
		rc = ms_buf_addstr(&q, " AND (DB IS NULL OR DB = ");
		rc = rc ? rc : ms_db_add_literal(c->left, &q, c->scope);
		rc = rc ? rc : ms_buf_addstr(&q, ")");
	}
	if (rc) {
		ms_buf_free(&q);
		ms_buf_free(&list);
		return MS_ERR(err, rc, "processlist query too long");
	}
	rc = ms_db_query(c->left, ms_buf_str(&q), &r, err);
	ms_buf_free(&q);
	size_t n = rc ? 0 : ms_db_result_nrows(r);
	for (i = 0; i < n && i < 10 && !rc; i++)
		rc = ms_buf_addf(
		    &list, "%s%s@%s (id %s, db %s, %s)", i ? "; " : "",
		    ms_db_result_get(r, i, 1), ms_db_result_get(r, i, 2),
		    ms_db_result_get(r, i, 0),
		    ms_db_result_get(r, i, 3) ? ms_db_result_get(r, i, 3) : "-",
		    ms_db_result_get(r, i, 4));
	ms_db_result_free(r);
	if (!rc && n)
		rc = MS_ERR(err, MS_EREFUSED,
			    "%zu client session(s) on the %s do not come "
			    "through the proxy: %s. Stop them or point them at "
			    "the proxy (--source-writes=sessions cannot stop "
			    "them)",
			    n, c->left_be, ms_buf_str(&list));
	ms_buf_free(&list);
	return rc;
}

/* The server switched to takes writes again when an earlier switch the
 * other way made it read-only (its journal says read_only was 0 before). */
static int reopen_writes(struct co *c, int value, struct ms_err *err)
{
	struct ms_buf q;
	char *v = NULL;
	int rc;

	ms_buf_init(&q, 4096);
	rc = ms_buf_addstr(&q, "SELECT read_only_before FROM ");
	rc = rc ? rc : ms_quote_qualified(&q, c->cs, "cutover_runs");
	rc = rc ? rc
		: ms_buf_addf(&q,
			      " WHERE kind = '%s' AND state = 'done' AND "
			      "scope = '*' ORDER BY id DESC LIMIT 1",
			      c->failback ? "cutover" : "failback");
	if (rc)
		return MS_ERR(err, rc, "query too long");
	rc = ms_db_query_value(c->tgt, ms_buf_str(&q), &v, err);
	ms_buf_free(&q);
	bool ours = v && atoi(v) == 0;
	free(v);
	if (rc || !ours)
		return rc;
	return set_read_only(c->to_db, c->to_be, value, err);
}

/* ---- the steps ------------------------------------------------------------
 */

int co_step_do(struct co *c, int step, struct ms_err *err)
{
	bool other_reverse = !c->left_reverse;
	bool whole = !strcmp(c->scope, "*");
	json_t *ans = NULL;
	int rc = 0;

	switch (step) {
	case CO_PREPARE:
		rc = co_api(c, "POST", "/prepare", api_route(c), "to", c->to_be,
			    &ans, err);
		json_decref(ans);
		rc = rc ? rc : wait_prepared(c, err);
		/* the other direction runs before the pause: it skips
		 * everything until the first client write lands */
		if (!rc && !c->failback) {
			rc = handover_sql(c, true, err);
			rc = rc ? rc : restart_sync(c, true, err);
		} else if (!rc && whole) {
			struct ms_sync_progress p;
			rc = ms_sync_read_progress(c->tgt, c->cs, false, 5, &p,
						   err);
			if (!rc && !p.running)
				rc = restart_sync(c, false, err);
		}
		return rc;
	case CO_PAUSE:
		rc = co_api(c, "POST", "/pause", api_route(c), NULL, NULL, &ans,
			    err);
		json_decref(ans);
		return rc ? rc : drain(c, err);
	case CO_STOP_WRITES:
		if (c->writes != MS_CO_WRITES_READ_ONLY)
			return direct_sessions(c, err);
		if (c->read_only_before < 0) {
			char *v = NULL;
			rc = ms_db_query_value(
			    c->left, "SELECT @@GLOBAL.read_only", &v, err);
			if (rc)
				return rc;
			c->read_only_before = v && atoi(v) ? 1 : 0;
			free(v);
			rc = co_journal_save(c, err);
		}
		return rc ? rc : set_read_only(c->left, c->left_be, 1, err);
	case CO_CATCH_UP: {
		struct ms_db *apply = co_apply_db(c, c->left_reverse);
		double t0 = co_now_s();
		unsigned polls = 0;
		rc = ms_db_binlog_end(c->left, c->left_file,
				      sizeof(c->left_file), &c->left_pos, err);
		rc = rc ? rc : co_journal_save(c, err);
		while (!rc) {
			struct ms_sync_progress p;
			rc = ms_sync_read_progress(apply, c->cs,
						   c->left_reverse, 5, &p, err);
			if (rc || (p.exists &&
				   ms_sync_pos_cmp(p.file, p.pos, c->left_file,
						   c->left_pos) >= 0))
				break;
			/* a position reached by skipped events only is
			 * checkpointed on request, not 100 ms later */
			if (p.running && ++polls % 5 == 1)
				rc = ms_sync_request_checkpoint_db(
				    apply, c->cs, c->left_reverse, err);
			if ((co_now_s() - t0) * 1000 > co_step_timeout_ms(c))
				return MS_ERR(
				    err, MS_ETIMEOUT,
				    "%s sync did not reach the %s's final "
				    "position %s:%" PRIu64 " within %u s (it "
				    "is at %s:%" PRIu64 "%s)",
				    c->left_reverse ? "reverse" : "forward",
				    c->left_be, c->left_file, c->left_pos,
				    co_step_timeout_ms(c) / 1000,
				    p.exists ? p.file : "-", p.pos,
				    p.running ? "" : ", not running");
			co_sleep_ms(2);
		}
		return rc;
	}
	case CO_STOP_SYNC:
		if (!whole)
			return 0; /* it goes on serving the other tenants */
		rc = co_sync_stop(c, c->left_reverse, err);
		if (!rc) {
			c->stopped_sync = true;
			rc = co_journal_save(c, err);
		}
		return rc;
	case CO_OBJECTS: {
		struct ms_co_objects_result res;
		const char *schema = whole ? NULL : c->scope;
		memset(&res, 0, sizeof(res));
		rc =
		    c->failback
			? ms_co_objects_to_source(c->src, c->tgt, c->cs, schema,
						  c->run_id, &res, err)
			: ms_co_objects_to_target(c->src, c->tgt, c->cs, schema,
						  c->run_id, &res, err);
		if (!rc)
			json_object_set_new(
			    c->report, "objects",
			    json_pack("{s:i, s:i, s:i, s:i}", "triggers",
				      (int)res.triggers, "events",
				      (int)res.events, "triggers_dropped",
				      (int)res.dropped, "events_disabled",
				      (int)res.disabled));
		return rc;
	}
	case CO_START_SYNC: {
		struct ms_sync_progress p;
		rc = ms_db_binlog_end(c->to_db, c->to_file, sizeof(c->to_file),
				      &c->to_pos, err);
		rc = rc ? rc : co_journal_save(c, err);
		rc = rc ? rc
			: ms_sync_read_progress(co_apply_db(c, other_reverse),
						c->cs, other_reverse, 5, &p,
						err);
		if (!rc && !p.running)
			rc = restart_sync(c, other_reverse, err);
		return rc ? rc : reopen_writes(c, 0, err);
	}
	case CO_FLIP:
		return flip(c, err);
	default:
		return MS_ERR(err, MS_EINTERNAL, "step %d", step);
	}
}

int co_step_undo(struct co *c, int step, struct ms_err *err)
{
	bool whole = !strcmp(c->scope, "*");
	json_t *ans = NULL;
	int rc = 0;

	switch (step) {
	case CO_PREPARE:
		rc = co_api(c, "POST", "/prepare/cancel", api_route(c), NULL,
			    NULL, &ans, err);
		json_decref(ans);
		if (!rc && !c->failback) {
			rc = handover_sql(c, false, err);
			rc = rc ? rc : reverse_follow_handover(c, err);
		}
		return rc;
	case CO_PAUSE:
		rc = co_api(c, "POST", "/resume", api_route(c), NULL, NULL,
			    &ans, err);
		json_decref(ans);
		return rc;
	case CO_STOP_WRITES:
		if (c->writes == MS_CO_WRITES_READ_ONLY &&
		    c->read_only_before == 0)
			return set_read_only(c->left, c->left_be, 0, err);
		return 0;
	case CO_CATCH_UP:
		return 0;
	case CO_STOP_SYNC:
		if (!whole)
			return 0;
		rc = ms_sync_clear_request(co_apply_db(c, c->left_reverse),
					   c->cs, c->left_reverse, err);
		if (!rc) {
			struct ms_sync_progress p;
			rc = ms_sync_read_progress(
			    co_apply_db(c, c->left_reverse), c->cs,
			    c->left_reverse, 5, &p, err);
			if (!rc && !p.running)
				rc = restart_sync(c, c->left_reverse, err);
		}
		return rc;
	case CO_OBJECTS: {
		struct ms_co_objects_result res;
		const char *schema = whole ? NULL : c->scope;
		return c->failback
			   ? ms_co_objects_to_target(c->src, c->tgt, c->cs,
						     schema, c->run_id, &res,
						     err)
			   : ms_co_objects_to_source(c->src, c->tgt, c->cs,
						     schema, c->run_id, &res,
						     err);
	}
	case CO_START_SYNC: /* step 1's undo stops what was started */
		return reopen_writes(c, 1, err);
	default:
		return 0;
	}
}

/* After a failback's flip (outside the pause). */
int co_after_flip(struct co *c, struct ms_err *err);
int co_after_flip(struct co *c, struct ms_err *err)
{
	if (!c->failback)
		return 0;
	int rc = handover_sql(c, false, err);

	return rc ? rc : reverse_follow_handover(c, err);
}

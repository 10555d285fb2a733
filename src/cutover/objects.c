/* Triggers and events at a switch (objects.h, docs/cutover.md "Triggers and
 * events"). to_target works in two passes: first every object's source
 * definition is journaled in <cs>.cutover_objects (nothing has changed
 * yet), then each journaled object is created on the target and dropped
 * (trigger) or disabled (event) on the source. Every action is preceded by
 * a look at the server, so a call after a crash at any point finishes the
 * job; to_source undoes it from the journal the same way. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "copy/ddl_int.h"
#include "core/log.h"
#include "cutover/objects.h"
#include "cutover/objects_int.h"
#include "db/quote.h"

#define ER_BINLOG_CREATE_ROUTINE_NEED_SUPER 1419

/* <cs>.cutover_objects. action_order (the source's, for triggers) is an
 * addition to the contract's columns: it orders the re-creation. */
static const char *const journal_tables[] = {
    "`cutover_objects` ("
    "kind ENUM('trigger','event') NOT NULL,"
    " target_schema VARCHAR(64) NOT NULL,"
    " name VARCHAR(64) NOT NULL,"
    " source_schema VARCHAR(64) NOT NULL,"
    " source_sql LONGTEXT NOT NULL,"
    " sql_mode VARCHAR(1024) NOT NULL,"
    " character_set_client VARCHAR(64) NOT NULL,"
    " collation_connection VARCHAR(64) NOT NULL,"
    " time_zone VARCHAR(64) NULL,"
    " source_status VARCHAR(32) NULL,"
    " action_order BIGINT NULL,"
    " run_id BIGINT UNSIGNED NOT NULL,"
    " state ENUM('saved','moved','returned') NOT NULL,"
    " at DATETIME(6) NOT NULL,"
    " PRIMARY KEY (kind, target_schema, name))"
    " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    NULL};

static bool is_enabled(const char *status)
{
	return status && strcmp(status, "ENABLED") == 0;
}

/* Appends " WHERE kind = .. AND target_schema = .. AND name = ..". */
static int add_key(struct ms_db *tgt, struct ms_buf *q,
		   const struct ms_co_obj *o)
{
	int rc = ms_buf_addf(
	    q, " WHERE kind = '%s' AND target_schema = ", ms_co_kind(o));

	rc = rc ? rc : ms_db_add_literal(tgt, q, o->tschema);
	rc = rc ? rc : ms_buf_addstr(q, " AND name = ");
	return rc ? rc : ms_db_add_literal(tgt, q, o->name);
}

/* UPDATE <cs>.<table> SET <set> for <o>'s row. */
static int mark(struct ms_db *tgt, const char *cs, const char *table,
		const char *set, const struct ms_co_obj *o, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 8192);
	rc = ms_buf_addstr(&q, "UPDATE ");
	rc = rc ? rc : ms_quote_qualified(&q, cs, table);
	rc = rc ? rc : ms_buf_addf(&q, " SET %s", set);
	rc = rc ? rc : add_key(tgt, &q, o);
	return ms_db_exec_built(tgt, &q, rc, "control statement", err);
}

/* The journal state of <o> in *<state> (caller frees; NULL: no row). */
static int journal_state(struct ms_db *tgt, const char *cs,
			 const struct ms_co_obj *o, char **state,
			 struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	*state = NULL;
	ms_buf_init(&q, 8192);
	rc = ms_buf_addstr(&q, "SELECT state FROM ");
	rc = rc ? rc : ms_quote_qualified(&q, cs, "cutover_objects");
	rc = rc ? rc : add_key(tgt, &q, o);
	if (rc == 0)
		rc = ms_db_query_value(tgt, ms_buf_str(&q), state, err);
	else
		rc = MS_ERR(err, rc, "journal query too long");
	ms_buf_free(&q);
	return rc;
}

/* The source's ACTION_ORDER of trigger <o> ("0" when unknown). */
static int action_order(struct ms_db *src, const struct ms_co_obj *o,
			char **out, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 4096);
	rc = ms_buf_addstr(&q, "SELECT ACTION_ORDER FROM information_schema."
			       "TRIGGERS WHERE TRIGGER_SCHEMA = ");
	rc = rc ? rc : ms_db_add_literal(src, &q, o->sschema);
	rc = rc ? rc : ms_buf_addstr(&q, " AND TRIGGER_NAME = ");
	rc = rc ? rc : ms_db_add_literal(src, &q, o->name);
	if (rc == 0)
		rc = ms_db_query_value(src, ms_buf_str(&q), out, err);
	else
		rc = MS_ERR(err, rc, "query too long");
	ms_buf_free(&q);
	return rc;
}

/* REPLACE INTO the journal the source definition <show> of <o>. */
static int journal_write(struct ms_db *tgt, const char *cs,
			 const struct ms_co_obj *o,
			 const struct ms_db_result *show, const char *status,
			 const char *order, uint64_t run_id, struct ms_err *err)
{
	const char *text = ms_ddl_col(
	    show, o->trigger ? "SQL Original Statement" : "Create Event");
	const char *vals[] = {o->tschema,
			      o->name,
			      o->sschema,
			      text,
			      ms_ddl_col(show, "sql_mode"),
			      ms_ddl_col(show, "character_set_client"),
			      ms_ddl_col(show, "collation_connection"),
			      o->trigger ? NULL : ms_ddl_col(show, "time_zone"),
			      status,
			      order};
	struct ms_buf q;
	size_t i;
	int rc;

	if (!text)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "SHOW CREATE %s gave no text",
			      o->trigger ? "TRIGGER" : "EVENT");
	ms_buf_init(&q, MS_CO_SQL_MAX * 2 + 8192);
	rc = ms_buf_addstr(&q, "REPLACE INTO ");
	rc = rc ? rc : ms_quote_qualified(&q, cs, "cutover_objects");
	rc = rc ? rc
		: ms_buf_addf(&q,
			      " (kind, target_schema, name, source_schema, "
			      "source_sql, sql_mode, character_set_client, "
			      "collation_connection, time_zone, source_status, "
			      "action_order, run_id, state, at) VALUES ('%s'",
			      ms_co_kind(o));
	/* The first seven are NOT NULL; time_zone, status, order may be. */
	for (i = 0; rc == 0 && i < sizeof(vals) / sizeof(vals[0]); i++) {
		rc = ms_buf_addstr(&q, ", ");
		rc = rc ? rc
			: ms_db_add_literal(tgt, &q,
					    vals[i] || i >= 7 ? vals[i] : "");
	}
	rc = rc ? rc
		: ms_buf_addf(&q, ", %" PRIu64 ", 'saved', NOW(6))", run_id);
	return ms_db_exec_built(tgt, &q, rc, "journal row", err);
}

/* Pass 1 for <o>: journals its source definition unless a row of this
 * switch is there already. An object gone from the source is skipped
 * (not created on the target: the source is the truth), with a warning. */
static int save_one(struct ms_db *src, struct ms_db *tgt, const char *cs,
		    const struct ms_co_obj *o, uint64_t run_id,
		    struct ms_err *err)
{
	struct ms_db_result *show = NULL;
	char *state = NULL, *status = NULL, *order = NULL;
	bool exists;
	int rc = journal_state(tgt, cs, o, &state, err);

	if (rc == 0 && state && strcmp(state, "returned") != 0) {
		free(state);
		return 0;
	}
	free(state);
	if (rc == 0)
		rc = ms_co_obj_exists(src, o->trigger, o->sschema, o->name,
				      &exists, &status, err);
	if (rc == 0 && !exists) {
		MS_LOG_WARN(MS_CO_COMPONENT,
			    "event=object_missing kind=%s schema=%s name=%s "
			    "msg=\"not on the source any more: not created on "
			    "the target\"",
			    ms_co_kind(o), o->sschema, o->name);
		return 0;
	}
	if (rc == 0 && o->trigger)
		rc = action_order(src, o, &order, err);
	if (rc == 0)
		rc = ms_ddl_show(src, o->trigger ? "TRIGGER" : "EVENT",
				 o->sschema, o->name, &show, err);
	if (rc == 0)
		rc =
		    journal_write(tgt, cs, o, show, status, order, run_id, err);
	ms_db_result_free(show);
	free(status);
	free(order);
	if (rc)
		ms_err_prefix(err, "%s %s.%s on the source", ms_co_kind(o),
			      o->sschema, o->name);
	return rc;
}

/* The server refuses CREATE TRIGGER from a user without SUPER while it
 * binlogs, unless log_bin_trust_function_creators is on. */
static int binlog_refusal(struct ms_err *err)
{
	unsigned int no = err->sql_errno;

	MS_ERR(err, MS_ESQL,
	       "the server refuses to create triggers while binary logging "
	       "is on (errno %u): set log_bin_trust_function_creators=1 there "
	       "(on Aurora in the DB cluster parameter group), or switch as a "
	       "user with SUPER",
	       no);
	err->sql_errno = no;
	return MS_ESQL;
}

/* Creates <d> (a deferred row) on <db> unless it exists; sets *<created>
 * and, for an event, *<status> (caller frees). */
static int ensure_created(struct ms_db *db, const struct ms_co_obj *d,
			  const char *schema, bool use_schema, bool *created,
			  char **status, struct ms_err *err)
{
	struct ms_buf sql;
	bool exists;
	int rc;

	*created = false;
	rc = ms_co_obj_exists(db, d->trigger, schema, d->name, &exists, status,
			      err);
	if (rc || exists)
		return rc;
	if (!d->sql)
		return MS_ERR(err, MS_ECORRUPT, "no definition recorded");
	ms_buf_init(&sql, MS_CO_SQL_MAX + 256);
	rc = ms_co_obj_marked_create(d->sql, d->trigger, &sql);
	if (rc == 0)
		rc = ms_co_obj_run(db, d, ms_buf_str(&sql), use_schema, err);
	else
		rc = MS_ERR(err, MS_EUNSUPPORTED,
			    "its CREATE statement is not understood");
	ms_buf_free(&sql);
	if (rc == MS_ESQL &&
	    err->sql_errno == ER_BINLOG_CREATE_ROUTINE_NEED_SUPER)
		rc = binlog_refusal(err);
	if (rc == 0) {
		*created = true;
		rc = ms_co_obj_exists(db, d->trigger, schema, d->name, &exists,
				      status, err);
	}
	return rc;
}

/* ENABLE or DISABLE event <schema>.<name> (CREATE text <text>) in the
 * session context of <o>. */
static int alter_event(struct ms_db *db, const struct ms_co_obj *o,
		       const char *text, const char *schema, bool enable,
		       struct ms_err *err)
{
	struct ms_buf sql;
	int rc;

	ms_buf_init(&sql, 8192);
	rc = text ? ms_co_obj_alter_event(text, schema, o->name, enable, &sql)
		  : MS_EPARSE;
	if (rc == 0)
		rc = ms_co_obj_run(db, o, ms_buf_str(&sql), false, err);
	else
		rc = MS_ERR(err, MS_EUNSUPPORTED,
			    "its CREATE statement is not understood");
	ms_buf_free(&sql);
	return rc;
}

/* DROP TRIGGER / EVENT IF EXISTS <schema>.<name>, marked. */
static int drop_obj(struct ms_db *db, bool trigger, const char *schema,
		    const char *name, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 4096);
	rc = ms_buf_addf(&q, MS_DB_MARKER "DROP %s IF EXISTS ",
			 trigger ? "TRIGGER" : "EVENT");
	rc = rc ? rc : ms_quote_qualified(&q, schema, name);
	return ms_db_exec_built(db, &q, rc, "DROP statement", err);
}

static void count_created(struct ms_co_objects_result *res, bool trigger)
{
	if (trigger)
		res->triggers++;
	else
		res->events++;
}

/* Pass 2, the target side of one object: created, and an event given the
 * source's status as journaled in <j>. */
static int target_side(struct ms_db *tgt, const struct ms_co_obj *d,
		       const struct ms_co_obj *j,
		       struct ms_co_objects_result *res, struct ms_err *err)
{
	char *status = NULL;
	bool created, want;
	int rc;

	rc = ensure_created(tgt, d, d->tschema, false, &created, &status, err);
	if (rc == 0 && created)
		count_created(res, d->trigger);
	want = is_enabled(j->status);
	if (rc == 0 && !d->trigger && want != is_enabled(status)) {
		rc = alter_event(tgt, d, d->sql, d->tschema, want, err);
		if (rc == 0 && want && !created)
			res->events++;
	}
	free(status);
	if (rc)
		ms_err_prefix(err, "%s %s.%s on the target", ms_co_kind(d),
			      d->tschema, d->name);
	return rc;
}

/* Pass 2, the source side: trigger dropped, enabled event disabled. */
static int source_side_off(struct ms_db *src, const struct ms_co_obj *j,
			   struct ms_co_objects_result *res, struct ms_err *err)
{
	char *status = NULL;
	bool exists;
	int rc;

	rc = ms_co_obj_exists(src, j->trigger, j->sschema, j->name, &exists,
			      &status, err);
	if (rc == 0 && exists && j->trigger) {
		rc = drop_obj(src, true, j->sschema, j->name, err);
		if (rc == 0)
			res->dropped++;
	} else if (rc == 0 && exists && is_enabled(status)) {
		rc = alter_event(src, j, j->sql, j->sschema, false, err);
		if (rc == 0)
			res->disabled++;
	}
	free(status);
	if (rc)
		ms_err_prefix(err, "%s %s.%s on the source", ms_co_kind(j),
			      j->sschema, j->name);
	return rc;
}

static const struct ms_co_obj *find(const struct ms_co_objs *l,
				    const struct ms_co_obj *j)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].trigger == j->trigger &&
		    strcmp(l->v[i].tschema, j->tschema) == 0 &&
		    strcmp(l->v[i].name, j->name) == 0)
			return &l->v[i];
	return NULL;
}

static int move_one(struct ms_db *src, struct ms_db *tgt, const char *cs,
		    const struct ms_co_obj *d, const struct ms_co_obj *j,
		    uint64_t run_id, struct ms_co_objects_result *res,
		    struct ms_err *err)
{
	char set[128];
	int rc = target_side(tgt, d, j, res, err);

	if (rc == 0)
		rc = source_side_off(src, j, res, err);
	if (rc == 0)
		rc = mark(tgt, cs, "deferred_objects",
			  "created_at = COALESCE(created_at, NOW(6))", d, err);
	snprintf(set, sizeof(set),
		 "state = 'moved', run_id = %" PRIu64 ", at = NOW(6)", run_id);
	if (rc == 0)
		rc = mark(tgt, cs, "cutover_objects", set, j, err);
	if (rc == 0)
		MS_LOG_INFO(MS_CO_COMPONENT,
			    "event=object_moved kind=%s source=%s.%s "
			    "target=%s.%s",
			    ms_co_kind(d), j->sschema, j->name, d->tschema,
			    d->name);
	return rc;
}

static int check_args(struct ms_db *src, struct ms_db *tgt, const char *cs,
		      struct ms_err *err)
{
	if (!src || !tgt || !cs || !*cs)
		return MS_ERR(err, MS_EINVAL,
			      "objects: a connection or the control schema is "
			      "missing");
	return 0;
}

int ms_co_objects_to_target(struct ms_db *src, struct ms_db *tgt,
			    const char *cs, const char *schema, uint64_t run_id,
			    struct ms_co_objects_result *res,
			    struct ms_err *err)
{
	struct ms_co_objects_result local_res;
	struct ms_co_objs deferred = {0}, journal = {0};
	struct ms_err local_err;
	size_t i;
	int rc;

	err = err ? err : &local_err;
	res = res ? res : &local_res;
	memset(res, 0, sizeof(*res));
	rc = check_args(src, tgt, cs, err);
	if (rc == 0)
		rc = ms_co_obj_load(tgt, cs, schema, &deferred, err);
	if (rc || deferred.n == 0)
		return rc;
	rc = ms_db_create_control(tgt, cs, journal_tables, err);
	for (i = 0; rc == 0 && i < deferred.n; i++)
		rc = save_one(src, tgt, cs, &deferred.v[i], run_id, err);
	if (rc == 0)
		rc = ms_co_obj_load_journal(tgt, cs, schema, &journal, err);
	for (i = 0; rc == 0 && i < journal.n; i++) {
		const struct ms_co_obj *j = &journal.v[i];
		const struct ms_co_obj *d = find(&deferred, j);

		if (d)
			rc = move_one(src, tgt, cs, d, j, run_id, res, err);
		else
			MS_LOG_WARN(MS_CO_COMPONENT,
				    "event=journal_orphan kind=%s name=%s.%s "
				    "msg=\"journaled but no longer recorded "
				    "by the copy: left as it is\"",
				    ms_co_kind(j), j->tschema, j->name);
	}
	ms_co_objs_free(&deferred);
	ms_co_objs_free(&journal);
	return rc;
}

/* The source side of failback for journal row <j>: recreated from the
 * saved text when missing, an event re-enabled when it was enabled. */
static int source_side_on(struct ms_db *src, const struct ms_co_obj *j,
			  struct ms_co_objects_result *res, struct ms_err *err)
{
	char *status = NULL;
	bool created;
	int rc;

	rc = ensure_created(src, j, j->sschema, true, &created, &status, err);
	if (rc == 0 && created)
		count_created(res, j->trigger);
	if (rc == 0 && !j->trigger && is_enabled(j->status) &&
	    !is_enabled(status)) {
		rc = alter_event(src, j, j->sql, j->sschema, true, err);
		if (rc == 0 && !created)
			res->events++;
	}
	free(status);
	if (rc)
		ms_err_prefix(err, "%s %s.%s on the source", ms_co_kind(j),
			      j->sschema, j->name);
	return rc;
}

static int back_one(struct ms_db *src, struct ms_db *tgt, const char *cs,
		    const struct ms_co_obj *j, uint64_t run_id,
		    struct ms_co_objects_result *res, struct ms_err *err)
{
	char set[128];
	bool exists;
	int rc = source_side_on(src, j, res, err);

	if (rc)
		return rc;
	rc = ms_co_obj_exists(tgt, j->trigger, j->tschema, j->name, &exists,
			      NULL, err);
	if (rc == 0 && exists) {
		rc = drop_obj(tgt, j->trigger, j->tschema, j->name, err);
		if (rc == 0 && j->trigger)
			res->dropped++;
		else if (rc == 0)
			res->disabled++;
	}
	if (rc)
		return ms_err_prefix(err, "%s %s.%s on the target",
				     ms_co_kind(j), j->tschema, j->name);
	rc = mark(tgt, cs, "deferred_objects", "created_at = NULL", j, err);
	snprintf(set, sizeof(set),
		 "state = 'returned', run_id = %" PRIu64 ", at = NOW(6)",
		 run_id);
	if (rc == 0)
		rc = mark(tgt, cs, "cutover_objects", set, j, err);
	if (rc == 0)
		MS_LOG_INFO(MS_CO_COMPONENT,
			    "event=object_returned kind=%s source=%s.%s "
			    "target=%s.%s",
			    ms_co_kind(j), j->sschema, j->name, j->tschema,
			    j->name);
	return rc;
}

int ms_co_objects_to_source(struct ms_db *src, struct ms_db *tgt,
			    const char *cs, const char *schema, uint64_t run_id,
			    struct ms_co_objects_result *res,
			    struct ms_err *err)
{
	struct ms_co_objects_result local_res;
	struct ms_co_objs journal = {0};
	struct ms_err local_err;
	size_t i;
	int rc;

	err = err ? err : &local_err;
	res = res ? res : &local_res;
	memset(res, 0, sizeof(*res));
	rc = check_args(src, tgt, cs, err);
	if (rc == 0)
		rc = ms_co_obj_load_journal(tgt, cs, schema, &journal, err);
	for (i = 0; rc == 0 && i < journal.n; i++)
		rc = back_one(src, tgt, cs, &journal.v[i], run_id, res, err);
	ms_co_objs_free(&journal);
	return rc;
}

/* Triggers and events recorded for cutover (ms_ddl_record_deferred): their
 * CREATE statements, names mapped and qualified, DEFINER kept, stored with
 * the session context they need in `<control>`.`deferred_objects`. The
 * copy never creates them: row events already carry their effects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy/ddl_int.h"
#include "core/log.h"
#include "db/quote.h"

/* time_zone is an addition to the contract's columns: an event's STARTS /
 * ENDS are read in it, so cutover needs it (NULL for triggers). */
static const char control_table[] =
    " (kind ENUM('trigger','event') NOT NULL,"
    " source_schema VARCHAR(64) NOT NULL,"
    " name VARCHAR(64) NOT NULL,"
    " target_schema VARCHAR(64) NOT NULL,"
    " target_table VARCHAR(64) NULL,"
    " create_sql LONGTEXT NOT NULL,"
    " sql_mode VARCHAR(1024) NOT NULL,"
    " character_set_client VARCHAR(64) NOT NULL,"
    " collation_connection VARCHAR(64) NOT NULL,"
    " time_zone VARCHAR(64) NULL,"
    " created_at DATETIME(6) NULL,"
    " PRIMARY KEY (kind, target_schema, name))"
    " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/* One row of deferred_objects. Strings borrowed. */
struct row {
	const char *kind, *sschema, *name, *tschema, *ttable, *sql;
	const char *mode, *cs, *coll, *tz;
};

static int ensure_table(struct ms_db *tgt, const char *ctl, struct ms_err *err)
{
	struct ms_buf sql;
	int rc;

	ms_buf_init(&sql, 8192);
	rc = ms_buf_addstr(&sql, "CREATE DATABASE IF NOT EXISTS ");
	if (rc == 0)
		rc = ms_quote_ident(&sql, ctl);
	if (rc == 0)
		rc = ms_db_exec(tgt, ms_buf_str(&sql), err);
	else
		rc = MS_ERR(err, rc, "control schema %s: bad name", ctl);
	ms_buf_reset(&sql);
	if (rc == 0)
		rc = ms_buf_addstr(&sql, "CREATE TABLE IF NOT EXISTS ");
	if (rc == 0)
		rc = ms_quote_qualified(&sql, ctl, "deferred_objects");
	if (rc == 0)
		rc = ms_buf_addstr(&sql, control_table);
	if (rc == 0)
		rc = ms_db_exec(tgt, ms_buf_str(&sql), err);
	ms_buf_free(&sql);
	if (rc == MS_ESQL)
		ms_err_prefix(err, "control table %s.deferred_objects", ctl);
	return rc;
}

static int add_value(struct ms_db *tgt, struct ms_buf *sql, const char *v,
		     bool last)
{
	int rc = v ? ms_db_quote_string(tgt, sql, v, strlen(v))
		   : ms_buf_addstr(sql, "NULL");

	if (rc == 0)
		rc = ms_buf_addstr(sql, last ? ")" : ", ");
	return rc;
}

static int store(struct ms_db *tgt, const char *ctl, const struct row *r,
		 struct ms_err *err)
{
	const char *vals[] = {r->kind,
			      r->sschema,
			      r->name,
			      r->tschema,
			      r->ttable,
			      r->sql,
			      r->mode ? r->mode : "",
			      r->cs ? r->cs : "",
			      r->coll ? r->coll : "",
			      r->tz};
	size_t i, nv = sizeof(vals) / sizeof(vals[0]);
	struct ms_buf sql;
	int rc;

	ms_buf_init(&sql, MS_DDL_SQL_MAX * 2 + 4096);
	rc = ms_buf_addstr(&sql, "REPLACE INTO ");
	if (rc == 0)
		rc = ms_quote_qualified(&sql, ctl, "deferred_objects");
	if (rc == 0)
		rc = ms_buf_addstr(
		    &sql, " (kind, source_schema, name, target_schema, "
			  "target_table, create_sql, sql_mode, "
			  "character_set_client, collation_connection, "
			  "time_zone) VALUES (");
	for (i = 0; rc == 0 && i < nv; i++)
		rc = add_value(tgt, &sql, vals[i], i + 1 == nv);
	if (rc == 0)
		rc = ms_db_exec(tgt, ms_buf_str(&sql), err);
	else
		rc = MS_ERR(err, rc, "%s %s.%s: statement too large", r->kind,
			    r->sschema, r->name);
	ms_buf_free(&sql);
	if (rc == MS_ESQL)
		ms_err_prefix(err, "recording %s %s.%s", r->kind, r->sschema,
			      r->name);
	return rc;
}

/* Finds the table name after ON, from the lexer position <pos> (just
 * after the trigger's name). */
static int trigger_table_span(const char *s, size_t n, size_t pos,
			      size_t *start, size_t *end)
{
	struct ms_lex_tok k;
	size_t guard;

	for (guard = 0; guard < 16; guard++) {
		if (ms_lex_next(s, n, &pos, &k) || k.kind == MS_LEX_END)
			return MS_EPARSE;
		if (ms_lex_is(s, &k, "ON"))
			break;
	}
	if (guard == 16 || ms_lex_next(s, n, &pos, &k) ||
	    (k.kind != MS_LEX_WORD && k.kind != MS_LEX_QIDENT))
		return MS_EPARSE;
	*start = k.start;
	*end = k.end;
	if (ms_lex_next(s, n, &pos, &k) == 0 && k.kind == MS_LEX_PUNCT &&
	    s[k.start] == '.') {
		if (ms_lex_next(s, n, &pos, &k) ||
		    (k.kind != MS_LEX_WORD && k.kind != MS_LEX_QIDENT))
			return MS_EPARSE;
		*end = k.end;
	}
	return 0;
}

/* <text> with the name span replaced by `ts`.`name` and, for triggers
 * (<tt> set), the ON table replaced by `ts`.`tt`. */
static int rename_in(const char *text, const char *kind, const char *ts,
		     const char *name, const char *tt, struct ms_buf *out)
{
	struct ms_ddl_head h;
	size_t n = strlen(text), tstart = 0, tend = 0;
	int rc;

	if (ms_ddl_parse_head(text, n, kind, &h))
		return MS_EPARSE;
	if (tt && trigger_table_span(text, n, h.after_name, &tstart, &tend))
		return MS_EPARSE;
	rc = ms_buf_add(out, text, h.name_start);
	if (rc == 0)
		rc = ms_quote_qualified(out, ts, name);
	if (rc == 0 && tt) {
		rc = ms_buf_add(out, text + h.name_end, tstart - h.name_end);
		if (rc == 0)
			rc = ms_quote_qualified(out, ts, tt);
		if (rc == 0)
			rc = ms_buf_add(out, text + tend, n - tend);
	} else if (rc == 0) {
		rc = ms_buf_add(out, text + h.name_end, n - h.name_end);
	}
	return rc;
}

/* Reads one trigger or event (<tr> or <ev>) and stores its row. */
static int record_one(struct ms_db *src, struct ms_db *tgt, const char *ctl,
		      const struct ms_schema *s, const struct ms_ddl_opts *o,
		      const struct ms_trigger *tr, const struct ms_event *ev,
		      struct ms_err *err)
{
	const char *kind = tr ? "TRIGGER" : "EVENT";
	const char *schema = tr ? tr->schema : ev->schema;
	const char *name = tr ? tr->name : ev->name;
	struct ms_db_result *res = NULL;
	struct ms_buf ts, tt, sql;
	const char *text;
	char label[MS_IDENT_MAX_BYTES * 2 + 16];
	struct row r;
	int rc;

	if (ms_ddl_bad_name(schema) || ms_ddl_bad_name(name) ||
	    (tr && ms_ddl_bad_name(tr->table)))
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "%s %s.%s: a name holds a newline", kind, schema,
			      name);
	rc = ms_ddl_show(src, kind, schema, name, &res, err);
	if (rc)
		return rc;
	text = ms_ddl_col(res, tr ? "SQL Original Statement" : "Create Event");
	ms_buf_init(&ts, MS_IDENT_MAX_BYTES * 2);
	ms_buf_init(&tt, MS_IDENT_MAX_BYTES * 2);
	ms_buf_init(&sql, MS_DDL_SQL_MAX);
	rc = ms_ddl_map(o->rules, schema, tr ? tr->table : NULL, &ts,
			tr ? &tt : NULL);
	if (rc == 0 && !text)
		rc = MS_EUNSUPPORTED;
	if (rc == 0)
		rc = rename_in(text, kind, ms_buf_str(&ts), name,
			       tr ? ms_buf_str(&tt) : NULL, &sql);
	if (rc == 0) {
		memset(&r, 0, sizeof(r));
		r.kind = tr ? "trigger" : "event";
		r.sschema = schema;
		r.name = name;
		r.tschema = ms_buf_str(&ts);
		r.ttable = tr ? ms_buf_str(&tt) : NULL;
		r.sql = ms_buf_str(&sql);
		r.mode = ms_ddl_col(res, "sql_mode");
		r.cs = ms_ddl_col(res, "character_set_client");
		r.coll = ms_ddl_col(res, "collation_connection");
		r.tz = tr ? NULL : ms_ddl_col(res, "time_zone");
		snprintf(label, sizeof(label), "%s %s.%s", kind, schema, name);
		ms_ddl_warn_body_refs(s, o, label, r.sql);
		rc = store(tgt, ctl, &r, err);
	} else {
		rc = MS_ERR(err, rc == MS_EPARSE ? MS_EUNSUPPORTED : rc,
			    "%s %s.%s: SHOW CREATE %s text not understood",
			    kind, schema, name, kind);
	}
	ms_buf_free(&ts);
	ms_buf_free(&tt);
	ms_buf_free(&sql);
	ms_db_result_free(res);
	return rc;
}

int ms_ddl_record_deferred(struct ms_db *src, struct ms_db *tgt,
			   const struct ms_schema *s,
			   const struct ms_ddl_opts *o,
			   struct ms_ddl_counts *counts, struct ms_err *err)
{
	const char *ctl = o->control_schema ? o->control_schema : "_myshift";
	size_t i;
	int rc;

	rc = ensure_table(tgt, ctl, err);
	for (i = 0; rc == 0 && i < s->ntriggers; i++) {
		rc =
		    record_one(src, tgt, ctl, s, o, &s->triggers[i], NULL, err);
		if (rc == 0)
			counts->triggers++;
	}
	for (i = 0; rc == 0 && i < s->nevents; i++) {
		rc = record_one(src, tgt, ctl, s, o, NULL, &s->events[i], err);
		if (rc == 0)
			counts->events++;
	}
	if (rc == 0 && (s->ntriggers || s->nevents))
		MS_LOG_INFO(MS_DDL_COMPONENT,
			    "event=deferred_recorded triggers=%zu events=%zu "
			    "table=%s.deferred_objects",
			    s->ntriggers, s->nevents, ctl);
	return rc;
}

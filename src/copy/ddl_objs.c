/* Views and routines on the target (ms_ddl_views_routines): SHOW CREATE
 * VIEW / PROCEDURE / FUNCTION on the source, names mapped, view bodies'
 * backquoted qualified names mapped, created after the tables with a
 * fallback to DEFINER=CURRENT_USER when the target refuses the definer. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "copy/ddl_int.h"
#include "core/log.h"
#include "db/quote.h"

#define ER_NO_SUCH_TABLE		    1146
#define ER_SPECIFIC_ACCESS_DENIED	    1227
#define ER_BINLOG_UNSAFE_ROUTINE	    1418
#define ER_BINLOG_CREATE_ROUTINE_NEED_SUPER 1419

/* The source schemas a two-part `a`.`b` in a view body may name. */
static bool known_schema(const struct ms_schema *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->ndatabases; i++)
		if (strcmp(s->databases[i].name, name) == 0)
			return true;
	for (i = 0; i < s->nviews; i++)
		if (strcmp(s->views[i].schema, name) == 0)
			return true;
	return false;
}

/* Reads up to three dot-joined backquoted names from *<pos>, the first
 * being <first>. Returns how many (1..3) and sets *<pos> after the last. */
static size_t read_parts(const char *s, size_t n,
			 const struct ms_lex_tok *first, size_t *pos,
			 struct ms_buf parts[3], size_t *end)
{
	struct ms_lex_tok k;
	size_t np = 1, save;

	*end = first->end;
	if (ms_lex_name(s, first, &parts[0]))
		return 0;
	while (np < 3) {
		save = *pos;
		if (ms_lex_next(s, n, pos, &k) || k.kind != MS_LEX_PUNCT ||
		    s[k.start] != '.' || ms_lex_next(s, n, pos, &k) ||
		    k.kind != MS_LEX_QIDENT || ms_lex_name(s, &k, &parts[np])) {
			*pos = save;
			break;
		}
		*end = k.end;
		np++;
	}
	return np;
}

static bool next_is_paren(const char *s, size_t n, size_t pos)
{
	struct ms_lex_tok k;

	return ms_lex_next(s, n, &pos, &k) == 0 && k.kind == MS_LEX_PUNCT &&
	       s[k.start] == '(';
}

/* Appends the mapped form of a qualified reference (<np> parts). */
static int map_ref(const struct ms_ddl_opts *o, struct ms_buf p[3], size_t np,
		   bool call, struct ms_buf *out)
{
	struct ms_buf ts, tt;
	int rc;

	ms_buf_init(&ts, MS_IDENT_MAX_BYTES * 2);
	ms_buf_init(&tt, MS_IDENT_MAX_BYTES * 2);
	rc = ms_ddl_map(o->rules, ms_buf_str(&p[0]), ms_buf_str(&p[1]), &ts,
			call ? NULL : &tt);
	if (rc == 0)
		rc = ms_quote_qualified(out, ms_buf_str(&ts),
					call ? ms_buf_str(&p[1])
					     : ms_buf_str(&tt));
	if (rc == 0 && np == 3)
		rc = ms_buf_addc(out, '.');
	if (rc == 0 && np == 3)
		rc = ms_quote_ident(out, ms_buf_str(&p[2]));
	ms_buf_free(&ts);
	ms_buf_free(&tt);
	return rc;
}

/* Appends <s>[<from>, <n>) with every `schema`.`table` (and
 * `schema`.`table`.`column`) whose schema is a source schema rewritten to
 * the mapped names; `schema`.`function`( keeps the function name. A
 * two-part name is only taken for schema.table when its first part names
 * a source schema (otherwise it is alias.column). */
static int map_body(const struct ms_schema *sch, const struct ms_ddl_opts *o,
		    const char *s, size_t n, size_t from, struct ms_buf *out)
{
	struct ms_lex_tok k;
	struct ms_buf p[3];
	size_t pos = from, copied = from, np, end, i;
	int rc = 0;

	for (i = 0; i < 3; i++)
		ms_buf_init(&p[i], MS_IDENT_MAX_BYTES * 2);
	while (rc == 0) {
		rc = ms_lex_next(s, n, &pos, &k);
		if (rc || k.kind == MS_LEX_END)
			break;
		if (k.kind != MS_LEX_QIDENT)
			continue;
		for (i = 0; i < 3; i++)
			ms_buf_reset(&p[i]);
		np = read_parts(s, n, &k, &pos, p, &end);
		if (np < 2 ||
		    (np == 2 && !known_schema(sch, ms_buf_str(&p[0]))))
			continue;
		rc = ms_buf_add(out, s + copied, k.start - copied);
		if (rc == 0)
			rc = map_ref(o, p, np,
				     np == 2 && next_is_paren(s, n, pos), out);
		copied = end;
	}
	if (rc == 0)
		rc = ms_buf_add(out, s + copied, n - copied);
	for (i = 0; i < 3; i++)
		ms_buf_free(&p[i]);
	return rc;
}

/* One statement in two forms: as the source has it (mapped), and with
 * DEFINER=CURRENT_USER for targets that refuse the definer. */
struct stmt {
	char *sql, *sql_cur;
	char *label; /* "view `a`.`b`" for messages */
};

static void stmt_free(struct stmt *st)
{
	free(st->sql);
	free(st->sql_cur);
	free(st->label);
	memset(st, 0, sizeof(*st));
}

/* Builds <text> with the head's name replaced by <qname>, "OR REPLACE"
 * added when <or_replace>, the definer replaced when <definer> is set,
 * and (views) the body mapped. */
static int rebuild(const char *text, const struct ms_ddl_head *h,
		   const char *qname, bool or_replace, const char *definer,
		   const struct ms_schema *sch, const struct ms_ddl_opts *o,
		   char **out)
{
	struct ms_buf b;
	size_t n = strlen(text), from = 0;
	int rc = 0;

	ms_buf_init(&b, MS_DDL_SQL_MAX);
	if (or_replace && !h->or_replace) {
		rc = ms_buf_add(&b, text, h->create_end);
		if (rc == 0)
			rc = ms_buf_addstr(&b, " OR REPLACE");
		from = h->create_end;
	}
	if (rc == 0 && definer && h->definer_end) {
		rc = ms_buf_add(&b, text + from, h->definer_start - from);
		if (rc == 0)
			rc = ms_buf_addstr(&b, definer);
		from = h->definer_end;
	}
	if (rc == 0)
		rc = ms_buf_add(&b, text + from, h->name_start - from);
	if (rc == 0)
		rc = ms_buf_addstr(&b, qname);
	if (rc == 0 && sch)
		rc = map_body(sch, o, text, n, h->name_end, &b);
	else if (rc == 0)
		rc = ms_buf_add(&b, text + h->name_end, n - h->name_end);
	if (rc == 0 && !(*out = ms_buf_take(&b)))
		rc = MS_ENOMEM;
	ms_buf_free(&b);
	return rc;
}

/* Prepares both forms of a CREATE statement <text> (SHOW CREATE output) of
 * <kind> for target <ts>.<tname>. Views get their body mapped. */
static int prepare(const char *text, const char *kind, const char *ss,
		   const char *sname, const char *ts, const char *tname,
		   bool or_replace, const struct ms_schema *sch,
		   const struct ms_ddl_opts *o, struct stmt *st,
		   struct ms_err *err)
{
	struct ms_ddl_head h;
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, MS_IDENT_MAX_BYTES * 4 + 64);
	rc = ms_buf_addf(&q, "%s ", kind);
	if (rc == 0)
		rc = ms_quote_qualified(&q, ts, tname);
	if (rc == 0)
		rc = ms_buf_addstr(&q, " (source ");
	if (rc == 0)
		rc = ms_quote_qualified(&q, ss, sname);
	if (rc == 0)
		rc = ms_buf_addc(&q, ')');
	if (rc == 0 && !(st->label = strdup(ms_buf_str(&q))))
		rc = MS_ENOMEM;
	ms_buf_reset(&q);
	if (rc == 0)
		rc = ms_quote_qualified(&q, ts, tname);
	if (rc) {
		ms_buf_free(&q);
		return MS_ERR(err, rc, "%s %s.%s: bad target name", kind, ts,
			      tname);
	}
	if (ms_ddl_parse_head(text, strlen(text), kind, &h)) {
		ms_buf_free(&q);
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "%s: SHOW CREATE %s text not understood",
			      st->label, kind);
	}
	rc = rebuild(text, &h, ms_buf_str(&q), or_replace, NULL, sch, o,
		     &st->sql);
	if (rc == 0)
		rc = rebuild(text, &h, ms_buf_str(&q), or_replace,
			     "DEFINER=CURRENT_USER", sch, o, &st->sql_cur);
	ms_buf_free(&q);
	return rc ? MS_ERR(err, rc, "%s: statement too large", st->label) : 0;
}

/* Runs <st> on <tgt>; when the definer is refused, again with
 * DEFINER=CURRENT_USER and a warning naming <source>. */
static int run_stmt(struct ms_db *tgt, const struct stmt *st,
		    struct ms_ddl_counts *c, struct ms_err *err)
{
	int rc = ms_db_exec(tgt, st->sql, err);

	if (rc != MS_ESQL || err->sql_errno != ER_SPECIFIC_ACCESS_DENIED)
		return rc;
	rc = ms_db_exec(tgt, st->sql_cur, err);
	if (rc)
		return rc;
	c->definers_rewritten++;
	MS_LOG_WARN(MS_DDL_COMPONENT,
		    "event=definer_rewritten object=\"%s\" "
		    "reason=\"target refused the definer (no SUPER or SET "
		    "USER)\" definer=CURRENT_USER",
		    st->label);
	return 0;
}

static int view_prepare(struct ms_db *src, const struct ms_schema *s,
			const struct ms_view *v, const struct ms_ddl_opts *o,
			struct stmt *st, struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	struct ms_buf ts, tv;
	const char *text;
	int rc;

	if (ms_ddl_bad_name(v->schema) || ms_ddl_bad_name(v->name))
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "view %s.%s: its name holds a newline", v->schema,
			      v->name);
	rc = ms_ddl_show(src, "VIEW", v->schema, v->name, &r, err);
	if (rc)
		return rc;
	text = ms_ddl_col(r, "Create View");
	ms_buf_init(&ts, MS_IDENT_MAX_BYTES * 2);
	ms_buf_init(&tv, MS_IDENT_MAX_BYTES * 2);
	rc = ms_ddl_map(o->rules, v->schema, v->name, &ts, &tv);
	if (rc)
		rc = MS_ERR(err, rc, "view %s.%s: name mapping", v->schema,
			    v->name);
	else if (!text)
		rc = MS_ERR(err, MS_EUNSUPPORTED,
			    "view %s.%s: SHOW CREATE VIEW gave no text (the "
			    "source user needs SHOW VIEW)",
			    v->schema, v->name);
	else
		rc = prepare(text, "VIEW", v->schema, v->name, ms_buf_str(&ts),
			     ms_buf_str(&tv), true, s, o, st, err);
	ms_buf_free(&ts);
	ms_buf_free(&tv);
	ms_db_result_free(r);
	return rc;
}

/* SHOW CREATE VIEW leaves out the schema of the tables in the session's
 * default database: make sure no user schema is the default. */
static int neutral_default_db(struct ms_db *src, struct ms_err *err)
{
	char *cur = NULL;
	int rc = ms_db_query_value(src, "SELECT DATABASE()", &cur, err);

	if (rc == 0 && cur && strcasecmp(cur, "information_schema") != 0)
		rc = ms_db_exec(src, "USE information_schema", err);
	free(cur);
	return rc;
}

/* Creates every view of <s>, retrying those that refer to a view not
 * created yet (errno 1146) in later passes while a pass makes progress. */
static int create_views(struct ms_db *src, struct ms_db *tgt,
			const struct ms_schema *s, const struct ms_ddl_opts *o,
			struct ms_ddl_counts *c, struct ms_err *err)
{
	struct stmt *st;
	bool *done;
	size_t i, left = s->nviews, before;
	int rc = 0;

	if (s->nviews == 0)
		return 0;
	st = calloc(s->nviews, sizeof(*st));
	done = calloc(s->nviews, sizeof(*done));
	if (!st || !done)
		rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	if (rc == 0)
		rc = neutral_default_db(src, err);
	for (i = 0; rc == 0 && i < s->nviews; i++)
		rc = view_prepare(src, s, &s->views[i], o, &st[i], err);
	while (rc == 0 && left > 0) {
		before = left;
		for (i = 0; rc == 0 && i < s->nviews; i++) {
			if (done[i])
				continue;
			rc = run_stmt(tgt, &st[i], c, err);
			if (rc == 0) {
				done[i] = true;
				left--;
				c->views++;
			} else if (rc == MS_ESQL &&
				   err->sql_errno == ER_NO_SUCH_TABLE) {
				rc = 0; /* maybe a view of a later pass */
			} else {
				ms_err_prefix(err, "%s", st[i].label);
			}
		}
		if (rc == 0 && left == before) {
			/* No progress: the first one still failing says why. */
			for (i = 0; done[i]; i++)
				;
			rc = ms_db_exec(tgt, st[i].sql, err);
			if (rc == MS_ESQL)
				ms_err_prefix(err, "%s", st[i].label);
			else
				rc = MS_ERR(err, MS_EINTERNAL,
					    "%s: views left uncreated",
					    st[i].label);
		}
	}
	for (i = 0; st && i < s->nviews; i++)
		stmt_free(&st[i]);
	free(st);
	free(done);
	return rc;
}

/* <mode> without NO_AUTO_CREATE_USER, which only ever affected GRANT and
 * which MySQL 8 (Aurora 3) no longer knows. */
static int clean_mode(const char *mode, struct ms_buf *out)
{
	const char *p = mode, *e;
	size_t len;
	int rc = 0;

	while (rc == 0 && *p) {
		e = strchr(p, ',');
		len = e ? (size_t)(e - p) : strlen(p);
		if (!(len == 19 &&
		      strncmp(p, "NO_AUTO_CREATE_USER", 19) == 0)) {
			if (out->len)
				rc = ms_buf_addc(out, ',');
			if (rc == 0)
				rc = ms_buf_add(out, p, len);
		}
		p += len + (e ? 1 : 0);
	}
	return rc;
}

/* The target session's sql_mode and collation_connection, put back after
 * each routine. */
struct ctx {
	char *mode, *coll;
};

static int ctx_save(struct ms_db *tgt, struct ctx *x, struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	int rc;

	rc = ms_db_query(tgt,
			 "SELECT @@SESSION.sql_mode, "
			 "@@SESSION.collation_connection",
			 &r, err);
	if (rc)
		return rc;
	if (ms_db_result_nrows(r) != 1 || !ms_db_result_get(r, 0, 0) ||
	    !ms_db_result_get(r, 0, 1))
		rc = MS_ERR(err, MS_ECORRUPT, "target: no session sql_mode");
	else if (!(x->mode = strdup(ms_db_result_get(r, 0, 0))) ||
		 !(x->coll = strdup(ms_db_result_get(r, 0, 1))))
		rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	ms_db_result_free(r);
	return rc;
}

/* SET SESSION <var> = '<val>' on <tgt>. */
static int set_var(struct ms_db *tgt, const char *var, const char *val,
		   struct ms_err *err)
{
	struct ms_buf sql;
	int rc;

	ms_buf_init(&sql, 64 * 1024);
	rc = ms_buf_addf(&sql, "SET SESSION %s = ", var);
	if (rc == 0)
		rc = ms_db_quote_string(tgt, &sql, val, strlen(val));
	if (rc == 0)
		rc = ms_db_exec(tgt, ms_buf_str(&sql), err);
	else
		rc = MS_ERR(err, rc, "SET %s: value too large", var);
	ms_buf_free(&sql);
	return rc;
}

static int ctx_enter(struct ms_db *tgt, const char *mode, const char *coll,
		     const char *label, struct ms_err *err)
{
	struct ms_buf m;
	struct ms_err e2;
	int rc;

	ms_buf_init(&m, 64 * 1024);
	rc = clean_mode(mode ? mode : "", &m);
	if (rc == 0)
		rc = set_var(tgt, "sql_mode", ms_buf_str(&m), err);
	ms_buf_free(&m);
	if (rc)
		return ms_err_prefix(err, "%s: its sql_mode '%s'", label,
				     mode ? mode : "");
	/* The text is sent as utf8mb4; the literals' collation follows the
	 * routine's. A collation the target lacks only warns. */
	if (coll && set_var(tgt, "collation_connection", coll, &e2))
		MS_LOG_WARN(MS_DDL_COMPONENT,
			    "event=collation_kept object=\"%s\" "
			    "collation=%s reason=\"%s\"",
			    label, coll, e2.msg);
	return 0;
}

static int ctx_leave(struct ms_db *tgt, struct ctx *x, struct ms_err *err)
{
	int rc = set_var(tgt, "sql_mode", x->mode, err);

	if (rc == 0)
		rc = set_var(tgt, "collation_connection", x->coll, err);
	return rc;
}

static int binlog_refusal(const struct stmt *st, struct ms_err *err)
{
	unsigned int no = err->sql_errno;

	return MS_ERR(err, MS_ESQL,
		      "%s: the target refuses to create stored functions "
		      "while binary logging is on (errno %u): set "
		      "log_bin_trust_function_creators=1 on the target (on "
		      "Aurora in the DB cluster parameter group), or create "
		      "it as a user with SUPER",
		      st->label, no);
}

/* DROP (if it exists) and CREATE one routine in its own sql_mode. */
static int routine_run(struct ms_db *tgt, const struct stmt *st,
		       const char *drop, const char *mode, const char *coll,
		       struct ms_ddl_counts *c, struct ms_err *err)
{
	struct ctx x = {0};
	struct ms_err e2;
	int rc;

	rc = ctx_save(tgt, &x, err);
	if (rc == 0)
		rc = ctx_enter(tgt, mode, coll, st->label, err);
	if (rc == 0) {
		rc = ms_db_exec(tgt, drop, err);
		if (rc == 0)
			rc = run_stmt(tgt, st, c, err);
		if (rc == MS_ESQL &&
		    (err->sql_errno == ER_BINLOG_UNSAFE_ROUTINE ||
		     err->sql_errno == ER_BINLOG_CREATE_ROUTINE_NEED_SUPER))
			rc = binlog_refusal(st, err);
		else if (rc == MS_ESQL)
			ms_err_prefix(err, "%s", st->label);
		if (ctx_leave(tgt, &x, &e2) && rc == 0) {
			*err = e2;
			rc = e2.code;
		}
	}
	free(x.mode);
	free(x.coll);
	return rc;
}

static int routine_one(struct ms_db *src, struct ms_db *tgt,
		       const struct ms_schema *s, const struct ms_routine *r,
		       const struct ms_ddl_opts *o, struct ms_ddl_counts *c,
		       struct ms_err *err)
{
	bool fn = strcasecmp(r->type, "FUNCTION") == 0;
	const char *kind = fn ? "FUNCTION" : "PROCEDURE";
	struct ms_db_result *res = NULL;
	struct stmt st = {0};
	struct ms_buf ts, drop;
	const char *text;
	int rc;

	if (!fn && strcasecmp(r->type, "PROCEDURE") != 0)
		return MS_ERR(err, MS_EUNSUPPORTED, "%s %s.%s: not supported",
			      r->type, r->schema, r->name);
	if (ms_ddl_bad_name(r->schema) || ms_ddl_bad_name(r->name))
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "%s %s.%s: its name holds a newline", kind,
			      r->schema, r->name);
	rc = ms_ddl_show(src, kind, r->schema, r->name, &res, err);
	if (rc)
		return rc;
	text = ms_ddl_col(res, fn ? "Create Function" : "Create Procedure");
	ms_buf_init(&ts, MS_IDENT_MAX_BYTES * 2);
	ms_buf_init(&drop, MS_IDENT_MAX_BYTES * 4 + 64);
	rc = ms_ddl_map(o->rules, r->schema, NULL, &ts, NULL);
	if (rc == 0)
		rc = ms_buf_addf(&drop, "DROP %s IF EXISTS ", kind);
	if (rc == 0)
		rc = ms_quote_qualified(&drop, ms_buf_str(&ts), r->name);
	if (rc)
		rc =
		    MS_ERR(err, rc, "%s %s.%s: name", kind, r->schema, r->name);
	else if (!text)
		rc = MS_ERR(err, MS_EUNSUPPORTED,
			    "%s %s.%s: SHOW CREATE %s gave no text (the source "
			    "user needs SELECT on mysql.proc or SHOW CREATE "
			    "ROUTINE)",
			    kind, r->schema, r->name, kind);
	else
		rc = prepare(text, kind, r->schema, r->name, ms_buf_str(&ts),
			     r->name, false, NULL, o, &st, err);
	if (rc == 0)
		ms_ddl_warn_body_refs(s, o, st.label, st.sql);
	if (rc == 0)
		rc = routine_run(
		    tgt, &st, ms_buf_str(&drop), ms_ddl_col(res, "sql_mode"),
		    ms_ddl_col(res, "collation_connection"), c, err);
	if (rc == 0)
		c->routines++;
	stmt_free(&st);
	ms_buf_free(&ts);
	ms_buf_free(&drop);
	ms_db_result_free(res);
	return rc;
}

int ms_ddl_views_routines(struct ms_db *src, struct ms_db *tgt,
			  const struct ms_schema *s,
			  const struct ms_ddl_opts *o,
			  struct ms_ddl_counts *counts, struct ms_err *err)
{
	struct ms_err local;
	size_t i;
	int rc = 0;

	if (!err)
		err = &local;
	/* Routines first: views may call functions. */
	for (i = 0; rc == 0 && i < s->nroutines; i++)
		rc = routine_one(src, tgt, s, &s->routines[i], o, counts, err);
	if (rc == 0)
		rc = create_views(src, tgt, s, o, counts, err);
	return rc;
}

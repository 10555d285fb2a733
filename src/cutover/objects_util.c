/* The recorded triggers and events as rows, and the statements that create,
 * alter and look them up (objects_int.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "copy/ddl_int.h"
#include "cutover/objects_int.h"
#include "db/lex.h"
#include "db/quote.h"

/* MariaDB and MySQL: the table does not exist. */
#define ER_NO_SUCH_TABLE 1146

void ms_co_objs_free(struct ms_co_objs *l)
{
	size_t i;

	for (i = 0; l && i < l->n; i++) {
		struct ms_co_obj *o = &l->v[i];

		free(o->sschema);
		free(o->name);
		free(o->tschema);
		free(o->ttable);
		free(o->sql);
		free(o->mode);
		free(o->cs);
		free(o->coll);
		free(o->tz);
		free(o->status);
		free(o->state);
	}
	if (l) {
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
}

const char *ms_co_kind(const struct ms_co_obj *o)
{
	return o->trigger ? "trigger" : "event";
}

/* A copy of column <c> of row <i>, NULL for SQL NULL; *<oom> on failure. */
static char *dup_col(const struct ms_db_result *r, size_t i, size_t c,
		     bool *oom)
{
	const char *v = ms_db_result_get(r, i, c);
	char *d;

	if (!v)
		return NULL;
	d = strdup(v);
	if (!d)
		*oom = true;
	return d;
}

/* Columns, in this order, of both loaders' SELECT lists. */
enum {
	C_KIND,
	C_SSCHEMA,
	C_NAME,
	C_TSCHEMA,
	C_TTABLE,
	C_SQL,
	C_MODE,
	C_CS,
	C_COLL,
	C_TZ,
	C_STATUS,
	C_STATE,
	C_ORDER,
	C_N
};

static int fill(const struct ms_db_result *r, struct ms_co_objs *out,
		struct ms_err *err)
{
	size_t i, n = ms_db_result_nrows(r);
	bool oom = false;

	if (n == 0)
		return 0;
	if (ms_db_result_ncols(r) != C_N)
		return MS_ERR(err, MS_EINTERNAL, "objects: %zu columns read",
			      ms_db_result_ncols(r));
	out->v = calloc(n, sizeof(*out->v));
	if (!out->v)
		return MS_ERR(err, MS_ENOMEM, "objects: out of memory");
	for (i = 0; i < n; i++) {
		struct ms_co_obj *o = &out->v[i];
		const char *kind = ms_db_result_get(r, i, C_KIND);
		const char *order = ms_db_result_get(r, i, C_ORDER);

		o->trigger = kind && strcmp(kind, "trigger") == 0;
		o->sschema = dup_col(r, i, C_SSCHEMA, &oom);
		o->name = dup_col(r, i, C_NAME, &oom);
		o->tschema = dup_col(r, i, C_TSCHEMA, &oom);
		o->ttable = dup_col(r, i, C_TTABLE, &oom);
		o->sql = dup_col(r, i, C_SQL, &oom);
		o->mode = dup_col(r, i, C_MODE, &oom);
		o->cs = dup_col(r, i, C_CS, &oom);
		o->coll = dup_col(r, i, C_COLL, &oom);
		o->tz = dup_col(r, i, C_TZ, &oom);
		o->status = dup_col(r, i, C_STATUS, &oom);
		o->state = dup_col(r, i, C_STATE, &oom);
		o->order = order ? strtol(order, NULL, 10) : 0;
		out->n++;
		if (oom)
			return MS_ERR(err, MS_ENOMEM, "objects: out of memory");
		if (!o->sschema || !o->name || !o->tschema)
			return MS_ERR(err, MS_ECORRUPT,
				      "objects: a row without a name");
	}
	return 0;
}

static int load(struct ms_db *tgt, const char *cs, const char *table,
		const char *cols, const char *where, const char *schema,
		const char *order, struct ms_co_objs *out, struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	struct ms_buf q;
	int rc;

	memset(out, 0, sizeof(*out));
	ms_buf_init(&q, 8192);
	rc = ms_buf_addf(&q, "SELECT %s FROM ", cols);
	rc = rc ? rc : ms_quote_qualified(&q, cs, table);
	rc = rc ? rc : ms_buf_addf(&q, " WHERE %s", where);
	if (schema) {
		rc = rc ? rc : ms_buf_addstr(&q, " AND target_schema = ");
		rc = rc ? rc : ms_db_add_literal(tgt, &q, schema);
	}
	rc = rc ? rc : ms_buf_addf(&q, " ORDER BY %s", order);
	if (rc) {
		ms_buf_free(&q);
		return MS_ERR(err, rc, "%s.%s: query too long", cs, table);
	}
	rc = ms_db_query(tgt, ms_buf_str(&q), &r, err);
	ms_buf_free(&q);
	if (rc == MS_ESQL && err && err->sql_errno == ER_NO_SUCH_TABLE) {
		ms_err_clear(err);
		return 0;
	}
	if (rc)
		return ms_err_prefix(err, "reading %s.%s", cs, table);
	rc = fill(r, out, err);
	ms_db_result_free(r);
	if (rc)
		ms_co_objs_free(out);
	return rc;
}

int ms_co_obj_load(struct ms_db *tgt, const char *cs, const char *schema,
		   struct ms_co_objs *out, struct ms_err *err)
{
	return load(tgt, cs, "deferred_objects",
		    "kind, source_schema, name, target_schema, target_table, "
		    "create_sql, sql_mode, character_set_client, "
		    "collation_connection, time_zone, NULL, NULL, NULL",
		    "1", schema, "kind, target_schema, name", out, err);
}

int ms_co_obj_load_journal(struct ms_db *tgt, const char *cs,
			   const char *schema, struct ms_co_objs *out,
			   struct ms_err *err)
{
	return load(tgt, cs, "cutover_objects",
		    "kind, source_schema, name, target_schema, NULL, "
		    "source_sql, sql_mode, character_set_client, "
		    "collation_connection, time_zone, source_status, state, "
		    "action_order",
		    "state <> 'returned'", schema,
		    "kind, action_order, target_schema, name", out, err);
}

int ms_co_obj_exists(struct ms_db *db, bool trigger, const char *schema,
		     const char *name, bool *exists, char **status,
		     struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	struct ms_buf q;
	const char *v;
	int rc;

	*exists = false;
	if (status)
		*status = NULL;
	ms_buf_init(&q, 4096);
	rc =
	    ms_buf_addstr(&q, trigger ? "SELECT 1 FROM information_schema."
					"TRIGGERS WHERE TRIGGER_SCHEMA = "
				      : "SELECT STATUS FROM information_schema."
					"EVENTS WHERE EVENT_SCHEMA = ");
	rc = rc ? rc : ms_db_add_literal(db, &q, schema);
	rc = rc ? rc
		: ms_buf_addstr(&q, trigger ? " AND TRIGGER_NAME = "
					    : " AND EVENT_NAME = ");
	rc = rc ? rc : ms_db_add_literal(db, &q, name);
	if (rc == 0)
		rc = ms_db_query(db, ms_buf_str(&q), &r, err);
	else
		rc = MS_ERR(err, rc, "%s.%s: name too long", schema, name);
	ms_buf_free(&q);
	if (rc == 0 && ms_db_result_nrows(r) > 0) {
		*exists = true;
		v = ms_db_result_get(r, 0, 0);
		if (status && v && !(*status = strdup(v)))
			rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	ms_db_result_free(r);
	return rc;
}

/* True when <text> needs converting before it is sent with
 * character_set_client <cs>: it holds non-ASCII bytes and <cs> is not a
 * UTF-8 one (our connection sends utf8mb4). */
static bool needs_convert(const char *text, const char *cs)
{
	const unsigned char *p;

	if (!cs || strncasecmp(cs, "utf8", 4) == 0)
		return false;
	for (p = (const unsigned char *)text; *p; p++)
		if (*p >= 0x80)
			return true;
	return false;
}

/* The server converts <text> to charset <cs>: *<out> (caller frees). The
 * session's character_set_results is left binary (the caller restores). */
static int convert_text(struct ms_db *db, const char *text, const char *cs,
			char **out, struct ms_err *err)
{
	struct ms_buf q;
	const char *p;
	int rc;

	for (p = cs; *p; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return MS_ERR(err, MS_EUNSUPPORTED,
				      "character set '%.64s' not understood",
				      cs);
	rc = ms_db_exec(db, "SET SESSION character_set_results = binary", err);
	if (rc)
		return rc;
	ms_buf_init(&q, MS_CO_SQL_MAX * 2 + 256);
	rc = ms_buf_addstr(&q, "SELECT CONVERT(");
	rc = rc ? rc : ms_db_add_literal(db, &q, text);
	rc = rc ? rc : ms_buf_addf(&q, " USING %s)", cs);
	if (rc == 0)
		rc = ms_db_query_value(db, ms_buf_str(&q), out, err);
	else
		rc = MS_ERR(err, rc, "statement too long to convert");
	ms_buf_free(&q);
	if (rc == 0 && !*out)
		rc = MS_ERR(err, MS_EUNSUPPORTED,
			    "the statement cannot be converted to %s", cs);
	return rc;
}

/* Appends <mode> as a literal without NO_AUTO_CREATE_USER, which MySQL
 * 8.0 refuses (MariaDB still has it: kept there). */
static int add_mode(struct ms_db *db, struct ms_buf *q, const char *mode)
{
	static const char gone[] = "NO_AUTO_CREATE_USER";
	struct ms_buf m;
	const char *p, *comma;
	int rc = 0;

	if (ms_db_is_mariadb(db) || ms_db_server_version_num(db) < 80000)
		return ms_db_add_literal(db, q, mode);
	ms_buf_init(&m, 4096);
	for (p = mode; rc == 0 && *p; p = *comma ? comma + 1 : comma) {
		comma = strchr(p, ',');
		if (!comma)
			comma = p + strlen(p);
		if ((size_t)(comma - p) == sizeof(gone) - 1 &&
		    strncmp(p, gone, sizeof(gone) - 1) == 0)
			continue;
		if (m.len)
			rc = ms_buf_addc(&m, ',');
		rc = rc ? rc : ms_buf_add(&m, p, (size_t)(comma - p));
	}
	rc = rc ? rc : ms_db_add_literal(db, q, ms_buf_str(&m));
	ms_buf_free(&m);
	return rc;
}

static int set_context(struct ms_db *db, const struct ms_co_obj *o,
		       struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 8192);
	rc = ms_buf_addstr(&q, "SET SESSION sql_mode = ");
	rc = rc ? rc : add_mode(db, &q, o->mode ? o->mode : "");
	if (o->cs && *o->cs) {
		rc = rc ? rc : ms_buf_addstr(&q, ", character_set_client = ");
		rc = rc ? rc : ms_db_add_literal(db, &q, o->cs);
	}
	if (o->coll && *o->coll) {
		rc = rc ? rc : ms_buf_addstr(&q, ", collation_connection = ");
		rc = rc ? rc : ms_db_add_literal(db, &q, o->coll);
	}
	if (!o->trigger && o->tz && *o->tz) {
		rc = rc ? rc : ms_buf_addstr(&q, ", time_zone = ");
		rc = rc ? rc : ms_db_add_literal(db, &q, o->tz);
	}
	return ms_db_exec_built(db, &q, rc, "session context", err);
}

/* USE <schema>, remembering the default database in *<saved>. */
static int use_schema(struct ms_db *db, const char *schema, char **saved,
		      struct ms_err *err)
{
	struct ms_buf q;
	int rc = ms_db_query_value(db, "SELECT DATABASE()", saved, err);

	if (rc)
		return rc;
	ms_buf_init(&q, 1024);
	rc = ms_buf_addstr(&q, "USE ");
	rc = rc ? rc : ms_quote_ident(&q, schema);
	return ms_db_exec_built(db, &q, rc, "USE", err);
}

static int restore_schema(struct ms_db *db, const char *saved,
			  struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 1024);
	rc = ms_buf_addstr(&q, "USE ");
	rc = rc ? rc : ms_quote_ident(&q, saved ? saved : "information_schema");
	return ms_db_exec_built(db, &q, rc, "USE", err);
}

int ms_co_obj_run(struct ms_db *db, const struct ms_co_obj *o, const char *sql,
		  bool use_schema_, struct ms_err *err)
{
	char *saved_db = NULL, *converted = NULL;
	struct ms_err e2;
	int rc = 0, rc2;

	if (use_schema_)
		rc = use_schema(db, o->sschema, &saved_db, err);
	if (rc == 0)
		rc = ms_db_exec(db,
				"SET @ms_co_mode = @@SESSION.sql_mode, "
				"@ms_co_cs = @@SESSION.character_set_client, "
				"@ms_co_coll = @@SESSION.collation_connection, "
				"@ms_co_res = @@SESSION.character_set_results, "
				"@ms_co_tz = @@SESSION.time_zone",
				err);
	if (rc == 0 && needs_convert(sql, o->cs))
		rc = convert_text(db, sql, o->cs, &converted, err);
	if (rc == 0)
		rc = set_context(db, o, err);
	if (rc == 0)
		rc = ms_db_exec(db, converted ? converted : sql, err);
	free(converted);
	rc2 = ms_db_exec(db,
			 "SET SESSION sql_mode = @ms_co_mode, "
			 "character_set_client = @ms_co_cs, "
			 "collation_connection = @ms_co_coll, "
			 "character_set_results = @ms_co_res, "
			 "time_zone = @ms_co_tz",
			 &e2);
	if (use_schema_ && rc2 == 0)
		rc2 = restore_schema(db, saved_db, &e2);
	free(saved_db);
	if (rc == 0 && rc2) {
		if (err)
			*err = e2;
		rc = ms_err_prefix(err, "restoring the session");
	}
	return rc;
}

int ms_co_obj_marked_create(const char *text, bool trigger, struct ms_buf *out)
{
	size_t n = strlen(text), mlen = strlen(MS_DB_MARKER);
	struct ms_ddl_head h;
	int rc;

	if (ms_ddl_parse_head(text, n, trigger ? "TRIGGER" : "EVENT", &h))
		return MS_EPARSE;
	rc = ms_buf_addstr(out, MS_DB_MARKER);
	if (h.name_start >= mlen &&
	    memcmp(text + h.name_start - mlen, MS_DB_MARKER, mlen) == 0)
		return rc ? rc : ms_buf_add(out, text, n);
	rc = rc ? rc : ms_buf_add(out, text, h.name_start);
	rc = rc ? rc : ms_buf_addstr(out, MS_DB_MARKER);
	rc = rc ? rc : ms_buf_add(out, text + h.name_start, n - h.name_start);
	return rc;
}

int ms_co_obj_alter_event(const char *text, const char *schema,
			  const char *name, bool enable, struct ms_buf *out)
{
	struct ms_ddl_head h;
	int rc;

	if (ms_ddl_parse_head(text, strlen(text), "EVENT", &h))
		return MS_EPARSE;
	rc = ms_buf_addstr(out, MS_DB_MARKER "ALTER ");
	if (h.definer_end > h.definer_start) {
		rc = rc ? rc
			: ms_buf_add(out, text + h.definer_start,
				     h.definer_end - h.definer_start);
		rc = rc ? rc : ms_buf_addc(out, ' ');
	}
	rc = rc ? rc : ms_buf_addstr(out, "EVENT " MS_DB_MARKER);
	rc = rc ? rc : ms_quote_qualified(out, schema, name);
	rc = rc ? rc : ms_buf_addstr(out, enable ? " ENABLE" : " DISABLE");
	return rc;
}

/* Appends the user or host token <t> of <s> unquoted. */
static int add_account_part(const char *s, const struct ms_lex_tok *t,
			    struct ms_buf *out)
{
	size_t i;
	int rc = 0;

	if (t->kind != MS_LEX_STRING)
		return ms_lex_name(s, t, out);
	for (i = t->start + 1; rc == 0 && i + 1 < t->end; i++) {
		if (s[i] == s[t->start] && s[i + 1] == s[t->start])
			i++;
		else if (s[i] == '\\' && i + 2 < t->end)
			i++;
		rc = ms_buf_addc(out, s[i]);
	}
	return rc;
}

int ms_co_obj_definer(const char *text, bool trigger, struct ms_buf *out)
{
	size_t n = strlen(text), pos;
	struct ms_ddl_head h;
	struct ms_lex_tok t;
	int rc;

	if (ms_ddl_parse_head(text, n, trigger ? "TRIGGER" : "EVENT", &h))
		return MS_EPARSE;
	if (h.definer_end <= h.definer_start)
		return MS_ENOTFOUND;
	n = h.definer_end;
	pos = h.definer_start;
	/* DEFINER = user [@ host] | CURRENT_USER[()] */
	if (ms_lex_next(text, n, &pos, &t) || ms_lex_next(text, n, &pos, &t) ||
	    ms_lex_next(text, n, &pos, &t))
		return MS_EPARSE;
	if (ms_lex_is(text, &t, "CURRENT_USER"))
		return MS_ENOTFOUND;
	rc = add_account_part(text, &t, out);
	if (rc || ms_lex_next(text, n, &pos, &t) || t.kind == MS_LEX_END)
		return rc;
	if (!ms_lex_punct(text, &t, '@') || ms_lex_next(text, n, &pos, &t))
		return MS_EPARSE;
	rc = ms_buf_addc(out, '@');
	return rc ? rc : add_account_part(text, &t, out);
}

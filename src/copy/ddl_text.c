/* SQL text helpers for the target DDL rewrites (ddl_int.h): the CREATE
 * header parser, name mapping (the lexer is db/lex.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "copy/ddl_int.h"
#include "core/log.h"
#include "db/quote.h"

/* Reads a name (one or two parts) at *<pos>; fills its span. */
static int parse_name(const char *s, size_t n, size_t *pos, size_t *start,
		      size_t *end)
{
	struct ms_lex_tok t;
	size_t save;

	if (ms_lex_next(s, n, pos, &t) ||
	    (t.kind != MS_LEX_WORD && t.kind != MS_LEX_QIDENT))
		return MS_EPARSE;
	*start = t.start;
	*end = t.end;
	save = *pos;
	if (ms_lex_next(s, n, pos, &t) == 0 && t.kind == MS_LEX_PUNCT &&
	    s[t.start] == '.') {
		if (ms_lex_next(s, n, pos, &t) ||
		    (t.kind != MS_LEX_WORD && t.kind != MS_LEX_QIDENT))
			return MS_EPARSE;
		*end = t.end;
		return 0;
	}
	*pos = save;
	return 0;
}

/* True when the token at <pos> is '=' (DEFINER=, not SQL SECURITY
 * DEFINER). */
static bool next_is_eq(const char *s, size_t n, size_t pos)
{
	struct ms_lex_tok t;

	return ms_lex_next(s, n, &pos, &t) == 0 && t.kind == MS_LEX_PUNCT &&
	       s[t.start] == '=';
}

/* DEFINER = user[@host] | CURRENT_USER[()] after the word DEFINER. */
static int parse_definer(const char *s, size_t n, size_t *pos, size_t *end)
{
	struct ms_lex_tok t;
	size_t save;

	if (ms_lex_next(s, n, pos, &t) || t.kind != MS_LEX_PUNCT ||
	    s[t.start] != '=')
		return MS_EPARSE;
	if (ms_lex_next(s, n, pos, &t) || t.kind == MS_LEX_END ||
	    t.kind == MS_LEX_PUNCT)
		return MS_EPARSE;
	*end = t.end;
	save = *pos;
	if (ms_lex_next(s, n, pos, &t))
		return MS_EPARSE;
	if (t.kind == MS_LEX_PUNCT && s[t.start] == '@') {
		if (ms_lex_next(s, n, pos, &t) || t.kind == MS_LEX_END ||
		    t.kind == MS_LEX_PUNCT)
			return MS_EPARSE;
		*end = t.end;
	} else if (t.kind == MS_LEX_PUNCT && s[t.start] == '(') {
		if (ms_lex_next(s, n, pos, &t) || s[t.start] != ')')
			return MS_EPARSE;
		*end = t.end;
	} else {
		*pos = save;
	}
	return 0;
}

/* After the kind word: optional IF NOT EXISTS, then the name. */
static int parse_head_name(const char *s, size_t n, size_t pos,
			   struct ms_ddl_head *h)
{
	struct ms_lex_tok t;
	size_t save = pos;

	if (ms_lex_next(s, n, &pos, &t))
		return MS_EPARSE;
	if (ms_lex_is(s, &t, "IF")) {
		if (ms_lex_next(s, n, &pos, &t) || !ms_lex_is(s, &t, "NOT") ||
		    ms_lex_next(s, n, &pos, &t) || !ms_lex_is(s, &t, "EXISTS"))
			return MS_EPARSE;
	} else {
		pos = save;
	}
	if (parse_name(s, n, &pos, &h->name_start, &h->name_end))
		return MS_EPARSE;
	h->after_name = pos;
	return 0;
}

int ms_ddl_parse_head(const char *s, size_t n, const char *kind,
		      struct ms_ddl_head *h)
{
	struct ms_lex_tok t;
	size_t pos = 0, guard;

	memset(h, 0, sizeof(*h));
	if (ms_lex_next(s, n, &pos, &t) || !ms_lex_is(s, &t, "CREATE"))
		return MS_EPARSE;
	h->create_end = t.end;
	/* At most a handful of options come before the kind. */
	for (guard = 0; guard < 32; guard++) {
		if (ms_lex_next(s, n, &pos, &t) || t.kind == MS_LEX_END)
			return MS_EPARSE;
		if (ms_lex_is(s, &t, kind))
			return parse_head_name(s, n, pos, h);
		if (ms_lex_is(s, &t, "REPLACE"))
			h->or_replace = true;
		if (ms_lex_is(s, &t, "DEFINER") && next_is_eq(s, n, pos)) {
			h->definer_start = t.start;
			if (parse_definer(s, n, &pos, &h->definer_end))
				return MS_EPARSE;
		}
	}
	return MS_EPARSE;
}

int ms_ddl_splice(struct ms_buf *out, const char *s, size_t n, size_t start,
		  size_t end, const char *with)
{
	int rc = ms_buf_add(out, s, start);

	if (rc == 0)
		rc = ms_buf_addstr(out, with);
	if (rc == 0)
		rc = ms_buf_add(out, s + end, n - end);
	return rc;
}

int ms_ddl_map(const struct ms_rules *r, const char *schema, const char *table,
	       struct ms_buf *ts, struct ms_buf *tt)
{
	int rc;

	if (r)
		return ms_rules_map(r, schema, table, ts, tt);
	rc = ms_buf_addstr(ts, schema);
	if (rc == 0 && tt)
		rc = ms_buf_addstr(tt, table);
	return rc;
}

/* The source schema of <s> named by <name> when it is renamed, or NULL. */
static const char *renamed_schema(const struct ms_schema *s,
				  const struct ms_ddl_opts *o, const char *name)
{
	struct ms_buf ts;
	const char *found = NULL;
	size_t i;

	ms_buf_init(&ts, MS_IDENT_MAX_BYTES * 2);
	for (i = 0; i < s->ndatabases && !found; i++) {
		if (strcmp(s->databases[i].name, name) != 0)
			continue;
		ms_buf_reset(&ts);
		if (ms_ddl_map(o->rules, name, NULL, &ts, NULL) == 0 &&
		    strcmp(ms_buf_str(&ts), name) != 0)
			found = s->databases[i].name;
	}
	ms_buf_free(&ts);
	return found;
}

void ms_ddl_warn_body_refs(const struct ms_schema *s,
			   const struct ms_ddl_opts *o, const char *label,
			   const char *text)
{
	struct ms_lex_tok k, next;
	struct ms_buf name;
	size_t n = strlen(text), pos = 0, after;
	const char *hit = NULL;

	ms_buf_init(&name, MS_IDENT_MAX_BYTES * 2);
	while (!hit && ms_lex_next(text, n, &pos, &k) == 0 &&
	       k.kind != MS_LEX_END) {
		if (k.kind != MS_LEX_WORD && k.kind != MS_LEX_QIDENT)
			continue;
		after = pos;
		if (ms_lex_next(text, n, &after, &next) ||
		    next.kind != MS_LEX_PUNCT || text[next.start] != '.')
			continue;
		ms_buf_reset(&name);
		if (ms_lex_name(text, &k, &name) == 0)
			hit = renamed_schema(s, o, ms_buf_str(&name));
	}
	ms_buf_free(&name);
	if (hit)
		MS_LOG_WARN(MS_DDL_COMPONENT,
			    "event=body_names_source_schema object=\"%s\" "
			    "schema=\"%s\" reason=\"the body is copied as is "
			    "and names a schema the rules rename\"",
			    label, hit);
}

bool ms_ddl_bad_name(const char *name)
{
	return name && strpbrk(name, "\n\r") != NULL;
}

int ms_ddl_show(struct ms_db *db, const char *what, const char *schema,
		const char *name, struct ms_db_result **out, struct ms_err *err)
{
	struct ms_buf sql;
	struct ms_err e2;
	int rc;

	*out = NULL;
	ms_buf_init(&sql, 4096);
	rc = ms_buf_addf(&sql, "SHOW CREATE %s ", what);
	if (rc == 0)
		rc = ms_quote_qualified(&sql, schema, name);
	if (rc) {
		ms_buf_free(&sql);
		return MS_ERR(err, rc, "%s.%s: cannot build SHOW CREATE %s",
			      schema, name, what);
	}
	/* Backquoted names, and no sql_mode that changes the text
	 * (ANSI_QUOTES, NO_TABLE_OPTIONS, ...); the mode is put back. */
	rc = ms_db_exec(db,
			"SET @ms_ddl_sql_mode = @@SESSION.sql_mode, "
			"SESSION sql_mode = '', "
			"SESSION sql_quote_show_create = 1",
			err);
	if (rc == 0)
		rc = ms_db_query(db, ms_buf_str(&sql), out, err);
	ms_buf_free(&sql);
	if (ms_db_exec(db, "SET SESSION sql_mode = @ms_ddl_sql_mode", &e2) &&
	    rc == 0) {
		ms_db_result_free(*out);
		*out = NULL;
		if (err)
			*err = e2;
		rc = e2.code;
	}
	if (rc)
		return ms_err_prefix(err, "%s.%s: SHOW CREATE %s", schema, name,
				     what);
	if (ms_db_result_nrows(*out) == 0) {
		ms_db_result_free(*out);
		*out = NULL;
		return MS_ERR(err, MS_ENOTFOUND,
			      "%s.%s: SHOW CREATE %s returned no row", schema,
			      name, what);
	}
	return 0;
}

const char *ms_ddl_col(const struct ms_db_result *r, const char *col)
{
	int c = ms_db_result_col(r, col);

	return c < 0 ? NULL : ms_db_result_get(r, 0, (size_t)c);
}

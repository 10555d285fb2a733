/* Target CREATE TABLE / CREATE DATABASE statements (ddl.h): SHOW CREATE
 * TABLE from the source, split into its elements with a lexer that knows
 * quotes, then rebuilt with the target name, without the deferred indexes
 * and foreign keys (which become ALTER statements), and with MyISAM/Aria
 * converted to InnoDB when asked. Everything else is kept byte for byte. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "copy/ddl_int.h"
#include "core/log.h"
#include "db/quote.h"

#define MAX_ELEMS 65536

struct span {
	size_t start, end;
};

/* The rewrite of one table in progress. */
struct tbl {
	const struct ms_table *t;
	const struct ms_ddl_opts *o;
	const char *text;
	size_t n;
	struct span *elems;
	size_t nelems;
	size_t close; /* the ')' that ends the element list */
	struct ms_buf create, index, fk;
	size_t columns, ndefer, nfk, nkept;
};

static int unsupported(const struct ms_table *t, struct ms_err *err,
		       const char *why, size_t at)
{
	return MS_ERR(err, MS_EUNSUPPORTED,
		      "%s.%s: cannot rewrite its definition safely: %s "
		      "(SHOW CREATE TABLE offset %zu)",
		      t->schema, t->name, why, at);
}

static int add_elem(struct tbl *b, size_t start, size_t end)
{
	struct span *e;

	if (b->nelems >= MAX_ELEMS)
		return MS_ETOOLARGE;
	e = realloc(b->elems, (b->nelems + 1) * sizeof(*e));
	if (!e)
		return MS_ENOMEM;
	b->elems = e;
	e[b->nelems].start = start;
	e[b->nelems].end = end;
	b->nelems++;
	return 0;
}

/* Checks "CREATE TABLE `name` (" and splits the elements up to the ')'
 * closing the list, at the commas of depth 1. */
static int split(struct tbl *b, struct ms_err *err)
{
	struct ms_lex_tok k;
	struct ms_buf name;
	size_t pos = 0, depth = 1, start = SIZE_MAX, last = 0;
	int rc = 0;

	ms_buf_init(&name, MS_IDENT_MAX_BYTES * 2);
	if (ms_lex_next(b->text, b->n, &pos, &k) ||
	    !ms_lex_is(b->text, &k, "CREATE") ||
	    ms_lex_next(b->text, b->n, &pos, &k) ||
	    !ms_lex_is(b->text, &k, "TABLE") ||
	    ms_lex_next(b->text, b->n, &pos, &k) || k.kind != MS_LEX_QIDENT ||
	    ms_lex_name(b->text, &k, &name) ||
	    strcmp(ms_buf_str(&name), b->t->name) != 0 ||
	    ms_lex_next(b->text, b->n, &pos, &k) || b->text[k.start] != '(')
		rc = unsupported(b->t, err, "unexpected head", pos);
	ms_buf_free(&name);
	while (rc == 0) {
		if (ms_lex_next(b->text, b->n, &pos, &k) ||
		    k.kind == MS_LEX_END)
			return unsupported(b->t, err, "unterminated", pos);
		if (k.kind == MS_LEX_PUNCT && depth == 1 &&
		    (b->text[k.start] == ',' || b->text[k.start] == ')')) {
			if (start == SIZE_MAX)
				return unsupported(b->t, err, "empty element",
						   k.start);
			rc = add_elem(b, start, last);
			start = SIZE_MAX;
			if (b->text[k.start] == ')') {
				b->close = k.start;
				break;
			}
			continue;
		}
		if (k.kind == MS_LEX_PUNCT && b->text[k.start] == '(')
			depth++;
		if (k.kind == MS_LEX_PUNCT && b->text[k.start] == ')')
			depth--;
		if (start == SIZE_MAX)
			start = k.start;
		last = k.end;
	}
	if (rc && rc != MS_EUNSUPPORTED)
		return MS_ERR(err, rc, "%s.%s: too many elements", b->t->schema,
			      b->t->name);
	return rc;
}

/* The index whose name is the token <k> of the element, or NULL. */
static const struct ms_index *find_index(const struct tbl *b,
					 const struct ms_lex_tok *k)
{
	struct ms_buf name;
	const struct ms_index *found = NULL;
	size_t i;

	ms_buf_init(&name, MS_IDENT_MAX_BYTES * 2);
	if (ms_lex_name(b->text, k, &name) == 0)
		for (i = 0; i < b->t->nindexes && !found; i++)
			if (strcmp(b->t->indexes[i].name, ms_buf_str(&name)) ==
			    0)
				found = &b->t->indexes[i];
	ms_buf_free(&name);
	return found;
}

/* True when the key may move to index_sql: never the key an
 * AUTO_INCREMENT column needs (its first column), CREATE would fail. */
static bool deferrable(const struct tbl *b, const struct ms_lex_tok *name)
{
	const struct ms_index *ix = find_index(b, name);
	const struct ms_column *c;

	if (!b->o->defer_indexes)
		return false;
	if (!ix || ix->ncolumns == 0)
		return true;
	c = ms_table_column(b->t, ix->columns[0]);
	return !(c && c->auto_increment);
}

/* Appends <sep> (or <sep_first> when <out> holds no element yet) and the
 * element <e>, or <text> when set. */
static int append_to(struct ms_buf *out, size_t *count, const struct tbl *b,
		     const char *sep_first, const char *sep,
		     const struct span *e, const char *text, size_t len)
{
	int rc = ms_buf_addstr(out, *count ? sep : sep_first);

	if (rc == 0 && text)
		rc = ms_buf_add(out, text, len);
	else if (rc == 0)
		rc = ms_buf_add(out, b->text + e->start, e->end - e->start);
	if (rc == 0)
		(*count)++;
	return rc;
}

/* Appends "`ts`.`tt`" for the REFERENCES target at *<pos> of the foreign
 * key <e> to <out>, and moves *<pos> past the source name. */
static int map_reference(const struct tbl *b, const struct span *e, size_t *pos,
			 struct ms_buf *out)
{
	struct ms_lex_tok k1, k2;
	struct ms_buf p1, p2, ts, tt;
	size_t save;
	int rc;

	ms_buf_init(&p1, MS_IDENT_MAX_BYTES * 2);
	ms_buf_init(&p2, MS_IDENT_MAX_BYTES * 2);
	ms_buf_init(&ts, MS_IDENT_MAX_BYTES * 2);
	ms_buf_init(&tt, MS_IDENT_MAX_BYTES * 2);
	rc = ms_lex_next(b->text, e->end, pos, &k1);
	if (rc == 0)
		rc = ms_lex_name(b->text, &k1, &p1);
	save = *pos;
	if (rc == 0 && ms_lex_next(b->text, e->end, pos, &k2) == 0 &&
	    k2.kind == MS_LEX_PUNCT && b->text[k2.start] == '.') {
		rc = ms_lex_next(b->text, e->end, pos, &k2);
		if (rc == 0)
			rc = ms_lex_name(b->text, &k2, &p2);
	} else if (rc == 0) {
		*pos = save; /* unqualified: the table's own schema */
		rc = ms_buf_addstr(&p2, ms_buf_str(&p1));
		ms_buf_reset(&p1);
		if (rc == 0)
			rc = ms_buf_addstr(&p1, b->t->schema);
	}
	if (rc == 0)
		rc = ms_ddl_map(b->o->rules, ms_buf_str(&p1), ms_buf_str(&p2),
				&ts, &tt);
	if (rc == 0)
		rc = ms_quote_qualified(out, ms_buf_str(&ts), ms_buf_str(&tt));
	ms_buf_free(&p1);
	ms_buf_free(&p2);
	ms_buf_free(&ts);
	ms_buf_free(&tt);
	return rc;
}

/* Adds the FOREIGN KEY element <e> to fk_sql with its REFERENCES name
 * mapped and qualified. */
static int add_fk(struct tbl *b, const struct span *e, struct ms_err *err)
{
	struct ms_buf fk;
	struct ms_lex_tok k;
	size_t pos = e->start;
	int rc = 0;

	do {
		if (ms_lex_next(b->text, e->end, &pos, &k) ||
		    k.kind == MS_LEX_END)
			return unsupported(b->t, err,
					   "foreign key without REFERENCES",
					   e->start);
	} while (!ms_lex_is(b->text, &k, "REFERENCES"));
	ms_buf_init(&fk, MS_DDL_SQL_MAX);
	rc = ms_buf_add(&fk, b->text + e->start, pos - e->start);
	if (rc == 0)
		rc = ms_buf_addc(&fk, ' ');
	if (rc == 0)
		rc = map_reference(b, e, &pos, &fk);
	if (rc == 0)
		rc = ms_buf_add(&fk, b->text + pos, e->end - pos);
	if (rc == 0)
		rc = append_to(&b->fk, &b->nfk, b, " ADD ", ", ADD ", e, fk.ptr,
			       fk.len);
	ms_buf_free(&fk);
	if (rc == MS_EPARSE)
		return unsupported(b->t, err, "foreign key not understood",
				   e->start);
	return rc ? MS_ERR(err, rc, "%s.%s: foreign key", b->t->schema,
			   b->t->name)
		  : 0;
}

enum elem_kind { ELEM_KEEP, ELEM_COLUMN, ELEM_DEFER, ELEM_FK };

static int classify(struct tbl *b, const struct span *e, enum elem_kind *kind,
		    struct ms_err *err)
{
	struct ms_lex_tok k;
	size_t pos = e->start;
	struct ms_buf name;
	int rc;

	*kind = ELEM_KEEP;
	if (ms_lex_next(b->text, e->end, &pos, &k))
		return unsupported(b->t, err, "bad element", e->start);
	if (k.kind == MS_LEX_QIDENT) {
		ms_buf_init(&name, MS_IDENT_MAX_BYTES * 2);
		rc = ms_lex_name(b->text, &k, &name);
		if (rc == 0 && !ms_table_column(b->t, ms_buf_str(&name)))
			rc = unsupported(b->t, err, "unknown column", e->start);
		ms_buf_free(&name);
		*kind = ELEM_COLUMN;
		return rc;
	}
	if (ms_lex_is(b->text, &k, "FULLTEXT") ||
	    ms_lex_is(b->text, &k, "SPATIAL"))
		if (ms_lex_next(b->text, e->end, &pos, &k))
			return unsupported(b->t, err, "bad key", e->start);
	if (ms_lex_is(b->text, &k, "KEY") || ms_lex_is(b->text, &k, "INDEX")) {
		if (ms_lex_next(b->text, e->end, &pos, &k))
			return unsupported(b->t, err, "bad key", e->start);
		if (deferrable(b, &k))
			*kind = ELEM_DEFER;
		return 0;
	}
	if (ms_lex_is(b->text, &k, "CONSTRAINT")) {
		if (ms_lex_next(b->text, e->end, &pos, &k) ||
		    ms_lex_next(b->text, e->end, &pos, &k))
			return unsupported(b->t, err, "bad constraint",
					   e->start);
		if (ms_lex_is(b->text, &k, "FOREIGN"))
			*kind = ELEM_FK;
	}
	return 0;
}

static int sort_elements(struct tbl *b, struct ms_err *err)
{
	enum elem_kind kind;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < b->nelems; i++) {
		const struct span *e = &b->elems[i];

		rc = classify(b, e, &kind, err);
		if (rc)
			break;
		if (kind == ELEM_COLUMN)
			b->columns++;
		if (kind == ELEM_FK) {
			rc = add_fk(b, e, err);
			continue;
		}
		if (kind == ELEM_DEFER)
			rc = append_to(&b->index, &b->ndefer, b, " ADD ",
				       ", ADD ", e, NULL, 0);
		else
			rc = append_to(&b->create, &b->nkept, b, "\n  ",
				       ",\n  ", e, NULL, 0);
		if (rc)
			rc = MS_ERR(err, rc, "%s.%s: statement too large",
				    b->t->schema, b->t->name);
	}
	if (rc == 0 && b->columns != b->t->ncolumns)
		rc = unsupported(b->t, err, "column count differs", 0);
	return rc;
}

static bool convertible(const char *engine)
{
	return engine && (strcasecmp(engine, "MyISAM") == 0 ||
			  strcasecmp(engine, "Aria") == 0);
}

/* Options of MyISAM/Aria that InnoDB refuses (ROW_FORMAT=FIXED) or that
 * MySQL does not parse (Aria's TRANSACTIONAL, PAGE_CHECKSUM). */
static bool dropped_option(const char *s, const struct ms_lex_tok *opt,
			   const struct ms_lex_tok *val)
{
	if (ms_lex_is(s, opt, "ROW_FORMAT"))
		return ms_lex_is(s, val, "FIXED");
	return ms_lex_is(s, opt, "TRANSACTIONAL") ||
	       ms_lex_is(s, opt, "PAGE_CHECKSUM");
}

/* Appends the table options and partitioning after the element list,
 * converting the engine (also per partition) when <convert>. */
static int add_tail(struct tbl *b, bool convert, struct ms_err *err)
{
	struct ms_lex_tok k, prev = {0}, prev2 = {0};
	size_t pos = b->close, copied = b->close;
	int rc = 0;

	while (rc == 0 && convert) {
		if (ms_lex_next(b->text, b->n, &pos, &k))
			return unsupported(b->t, err, "bad table options", pos);
		if (k.kind == MS_LEX_END)
			break;
		if (prev.kind == MS_LEX_PUNCT && b->text[prev.start] == '=' &&
		    ms_lex_is(b->text, &prev2, "ENGINE") &&
		    (ms_lex_is(b->text, &k, "MyISAM") ||
		     ms_lex_is(b->text, &k, "Aria"))) {
			rc = ms_buf_add(&b->create, b->text + copied,
					k.start - copied);
			if (rc == 0)
				rc = ms_buf_addstr(&b->create, "InnoDB");
			copied = k.end;
		} else if (prev.kind == MS_LEX_PUNCT &&
			   b->text[prev.start] == '=' &&
			   dropped_option(b->text, &prev2, &k) &&
			   prev2.start > copied) {
			size_t cut = prev2.start;

			if (b->text[cut - 1] == ' ')
				cut--; /* the space before the option */
			rc = ms_buf_add(&b->create, b->text + copied,
					cut - copied);
			copied = k.end;
		}
		prev2 = prev;
		prev = k;
	}
	if (rc == 0)
		rc = ms_buf_addc(&b->create, '\n');
	if (rc == 0)
		rc = ms_buf_add(&b->create, b->text + copied, b->n - copied);
	return rc ? MS_ERR(err, rc, "%s.%s: statement too large", b->t->schema,
			   b->t->name)
		  : 0;
}

/* Rejects names the line-oriented consumers (logs, the control schema,
 * humans reading the statements) cannot take safely. */
static int check_names(const struct ms_table *t, struct ms_err *err)
{
	size_t i;
	const char *bad = NULL;

	if (ms_ddl_bad_name(t->schema) || ms_ddl_bad_name(t->name))
		bad = "the table name";
	for (i = 0; !bad && i < t->ncolumns; i++)
		if (ms_ddl_bad_name(t->columns[i].name))
			bad = "a column name";
	for (i = 0; !bad && i < t->nindexes; i++)
		if (ms_ddl_bad_name(t->indexes[i].name))
			bad = "an index name";
	for (i = 0; !bad && i < t->nfks; i++)
		if (ms_ddl_bad_name(t->fks[i].name))
			bad = "a foreign key name";
	if (bad)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "%s.%s: %s holds a newline; rename it before "
			      "migrating",
			      t->schema, t->name, bad);
	return 0;
}

/* SHOW CREATE TABLE text of <t> in <out> (caller frees). */
static int show_create(struct ms_db *src, const struct ms_table *t, char **out,
		       struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	const char *v;
	int rc;

	rc = ms_ddl_show(src, "TABLE", t->schema, t->name, &r, err);
	if (rc)
		return rc;
	v = ms_db_result_ncols(r) > 1 ? ms_db_result_get(r, 0, 1) : NULL;
	if (!v || strlen(v) != ms_db_result_len(r, 0, 1))
		rc = unsupported(t, err, "no CREATE TABLE text", 0);
	else if (!(*out = strdup(v)))
		rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	ms_db_result_free(r);
	return rc;
}

/* InnoDB needs the AUTO_INCREMENT column first in some key; MyISAM also
 * allows it later in a key (a counter per group of the columns before
 * it), which InnoDB can neither create nor reproduce. */
static int check_autoinc(const struct ms_table *t, struct ms_err *err)
{
	size_t i, j;

	for (i = 0; i < t->ncolumns; i++) {
		if (!t->columns[i].auto_increment)
			continue;
		for (j = 0; j < t->nindexes; j++)
			if (t->indexes[j].ncolumns &&
			    strcmp(t->indexes[j].columns[0],
				   t->columns[i].name) == 0)
				return 0;
		return MS_ERR(
		    err, MS_EUNSUPPORTED,
		    "%s.%s: AUTO_INCREMENT column %s is not the first "
		    "column of a key (a per-group counter of %s), "
		    "which InnoDB cannot convert; change the key or "
		    "keep the engine",
		    t->schema, t->name, t->columns[i].name, t->engine);
	}
	return 0;
}

static int build(struct tbl *b, const char *tschema, const char *ttable,
		 struct ms_ddl_table *out, struct ms_err *err)
{
	bool convert = b->o->convert_myisam && convertible(b->t->engine);
	int rc;

	if (convert && (rc = check_autoinc(b->t, err)) != 0)
		return rc;

	rc = ms_buf_addstr(&b->create, "CREATE TABLE ");
	if (rc == 0)
		rc = ms_quote_qualified(&b->create, tschema, ttable);
	if (rc == 0)
		rc = ms_buf_addstr(&b->create, " (");
	if (rc)
		return MS_ERR(err, rc, "%s.%s: bad target name %s.%s",
			      b->t->schema, b->t->name, tschema, ttable);
	rc = split(b, err);
	if (rc == 0)
		rc = sort_elements(b, err);
	if (rc == 0)
		rc = add_tail(b, convert, err);
	if (rc)
		return rc;
	out->converted = convert;
	out->deferred_indexes = b->ndefer;
	out->fks = b->nfk;
	return 0;
}

/* Prefixes a non-empty ALTER list with "ALTER TABLE `ts`.`tt`" and hands
 * it over, or leaves NULL. */
static int take_alter(struct ms_buf *list, const char *tschema,
		      const char *ttable, char **out)
{
	struct ms_buf sql;
	int rc;

	if (list->len == 0)
		return 0;
	ms_buf_init(&sql, MS_DDL_SQL_MAX);
	rc = ms_buf_addstr(&sql, "ALTER TABLE ");
	if (rc == 0)
		rc = ms_quote_qualified(&sql, tschema, ttable);
	if (rc == 0)
		rc = ms_buf_add(&sql, list->ptr, list->len);
	if (rc == 0 && !(*out = ms_buf_take(&sql)))
		rc = MS_ENOMEM;
	ms_buf_free(&sql);
	return rc;
}

int ms_ddl_table_text(const struct ms_table *t, const char *text, size_t n,
		      const char *tschema, const char *ttable,
		      const struct ms_ddl_opts *o, struct ms_ddl_table *out,
		      struct ms_err *err)
{
	struct tbl b;
	int rc;

	memset(&b, 0, sizeof(b));
	b.t = t;
	b.o = o;
	b.text = text;
	b.n = n;
	ms_buf_init(&b.create, MS_DDL_SQL_MAX);
	ms_buf_init(&b.index, MS_DDL_SQL_MAX);
	ms_buf_init(&b.fk, MS_DDL_SQL_MAX);
	rc = build(&b, tschema, ttable, out, err);
	if (rc == 0 &&
	    (!(out->create_sql = ms_buf_take(&b.create)) ||
	     take_alter(&b.index, tschema, ttable, &out->index_sql) ||
	     take_alter(&b.fk, tschema, ttable, &out->fk_sql) ||
	     !(out->source_engine = strdup(t->engine ? t->engine : ""))))
		rc = MS_ERR(err, MS_ENOMEM, "%s.%s: out of memory", t->schema,
			    t->name);
	ms_buf_free(&b.create);
	ms_buf_free(&b.index);
	ms_buf_free(&b.fk);
	free(b.elems);
	if (rc)
		ms_ddl_table_free(out);
	return rc;
}

int ms_ddl_table(struct ms_db *src, const struct ms_table *t,
		 const char *tschema, const char *ttable,
		 const struct ms_ddl_opts *o, struct ms_ddl_table *out,
		 struct ms_err *err)
{
	char *text = NULL;
	int rc;

	rc = check_names(t, err);
	if (rc == 0)
		rc = show_create(src, t, &text, err);
	if (rc == 0)
		rc = ms_ddl_table_text(t, text, strlen(text), tschema, ttable,
				       o, out, err);
	free(text);
	return rc;
}

void ms_ddl_table_free(struct ms_ddl_table *t)
{
	if (!t)
		return;
	free(t->create_sql);
	free(t->index_sql);
	free(t->fk_sql);
	free(t->source_engine);
	memset(t, 0, sizeof(*t));
}

/* Charset and collation names are words; anything else is not pasted. */
static bool plain_word(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

int ms_ddl_create_database(struct ms_db *tgt, const struct ms_database *d,
			   const char *tname, struct ms_err *err)
{
	struct ms_buf sql;
	int rc;

	ms_buf_init(&sql, 4096);
	rc = ms_buf_addstr(&sql, "CREATE DATABASE IF NOT EXISTS ");
	if (rc == 0)
		rc = ms_quote_ident(&sql, tname);
	if (rc == 0 && ((d->charset && !plain_word(d->charset)) ||
			(d->collation && !plain_word(d->collation)))) {
		ms_buf_free(&sql);
		return MS_ERR(
		    err, MS_EUNSUPPORTED,
		    "database %s: unexpected charset or collation name",
		    d->name);
	}
	if (rc == 0 && d->charset && *d->charset)
		rc = ms_buf_addf(&sql, " CHARACTER SET %s", d->charset);
	if (rc == 0 && d->collation && *d->collation)
		rc = ms_buf_addf(&sql, " COLLATE %s", d->collation);
	if (rc == 0)
		rc = ms_db_exec(tgt, ms_buf_str(&sql), err);
	else
		rc = MS_ERR(err, rc, "database %s: bad name", tname);
	ms_buf_free(&sql);
	if (rc == MS_ESQL)
		return ms_err_prefix(err, "CREATE DATABASE %s (from %s)", tname,
				     d->name);
	return rc;
}

/* Chunk keys as SQL: see key.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db/key.h"
#include "db/quote.h"

bool ms_type_is_int(const char *dt)
{
	static const char *const ints[] = {"tinyint", "smallint", "mediumint",
					   "int",     "bigint",	  NULL};
	size_t i;

	for (i = 0; ints[i]; i++)
		if (!strcmp(dt, ints[i]))
			return true;
	return false;
}

bool ms_type_is_float(const char *dt)
{
	return !strcmp(dt, "float") || !strcmp(dt, "double") ||
	       !strcmp(dt, "real");
}

bool ms_type_is_num(const char *dt)
{
	return ms_type_is_int(dt) || ms_type_is_float(dt) ||
	       !strcmp(dt, "decimal") || !strcmp(dt, "year");
}

static enum ms_key_lit lit_kind(const struct ms_column *c)
{
	const char *dt = c->data_type;

	if (ms_type_is_num(dt) || !strcmp(dt, "enum") || !strcmp(dt, "set") ||
	    !strcmp(dt, "bit"))
		return MS_KEY_LIT_NUM;
	if (!strcmp(dt, "binary") || !strcmp(dt, "varbinary") ||
	    strstr(dt, "blob"))
		return MS_KEY_LIT_BIN;
	if (c->charset && c->collation && strcmp(c->charset, "binary"))
		return MS_KEY_LIT_STR;
	return MS_KEY_LIT_QUOTED;
}

int ms_key_init(struct ms_key *k, const struct ms_table *t)
{
	const struct ms_index *ix = ms_table_chunk_key(t);
	struct ms_buf q;
	size_t i;
	int rc = 0;

	memset(k, 0, sizeof(*k));
	if (!ix)
		return 0;
	if (ix->ncolumns > MS_KEY_MAX_PARTS)
		return MS_ETOOLARGE;
	k->parts = calloc(ix->ncolumns, sizeof(*k->parts));
	if (!k->parts)
		return MS_ENOMEM;
	k->ix = ix;
	k->n = ix->ncolumns;
	ms_buf_init(&q, 1024);
	for (i = 0; !rc && i < k->n; i++) {
		struct ms_key_part *p = &k->parts[i];

		p->col = ms_table_column(t, ix->columns[i]);
		if (!p->col) {
			rc = MS_ECORRUPT;
			break;
		}
		p->lit = lit_kind(p->col);
		ms_buf_reset(&q);
		rc = ms_quote_ident(&q, p->col->name);
		p->quoted = rc ? NULL : ms_buf_take(&q);
		if (!rc && !p->quoted)
			rc = MS_ENOMEM;
	}
	ms_buf_free(&q);
	k->int_key =
	    !rc && k->n == 1 && ms_type_is_int(k->parts[0].col->data_type);
	if (rc)
		ms_key_free(k);
	return rc;
}

void ms_key_free(struct ms_key *k)
{
	size_t i;

	for (i = 0; k->parts && i < k->n; i++)
		free(k->parts[i].quoted);
	free(k->parts);
	memset(k, 0, sizeof(*k));
}

void ms_key_convert_from(struct ms_key *k, const struct ms_key *from)
{
	size_t i;

	for (i = 0; i < k->n && i < from->n; i++) {
		const char *a = k->parts[i].col->charset;
		const char *b = from->parts[i].col->charset;

		k->parts[i].in_charset =
		    k->parts[i].lit == MS_KEY_LIT_STR && a && b && strcmp(a, b)
			? b
			: NULL;
	}
}

static int add_hex(struct ms_buf *out, const char *s, size_t len)
{
	int rc = ms_buf_add(out, "X'", 2);

	rc = rc ? rc : ms_buf_addhex(out, s, len);
	return rc ? rc : ms_buf_addc(out, '\'');
}

static int add_str_lit(const struct ms_key_part *p, const char *v, size_t len,
		       struct ms_buf *out)
{
	int rc;

	if (p->in_charset) {
		rc = ms_buf_addf(out, "CONVERT(_%s ", p->in_charset);
		rc = rc ? rc : add_hex(out, v, len);
		rc = rc ? rc : ms_buf_addf(out, " USING %s)", p->col->charset);
	} else {
		rc = ms_buf_addf(out, "_%s ", p->col->charset);
		rc = rc ? rc : add_hex(out, v, len);
	}
	return rc ? rc : ms_buf_addf(out, " COLLATE %s", p->col->collation);
}

int ms_key_literals(const struct ms_key *k, const char *const *vals,
		    const size_t *lens, struct ms_buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < k->n; i++) {
		const struct ms_key_part *p = &k->parts[i];

		if (i)
			rc = ms_buf_addc(out, ',');
		if (rc)
			break;
		if (!vals[i])
			return MS_EINVAL; /* key columns are NOT NULL */
		switch (p->lit) {
		case MS_KEY_LIT_NUM:
			rc = ms_buf_add(out, vals[i], lens[i]);
			break;
		case MS_KEY_LIT_STR:
			rc = add_str_lit(p, vals[i], lens[i], out);
			break;
		case MS_KEY_LIT_BIN:
			rc = add_hex(out, vals[i], lens[i]);
			break;
		case MS_KEY_LIT_QUOTED:
			rc = ms_buf_addstr(out, "_utf8mb4 ");
			if (!rc)
				rc = add_hex(out, vals[i], lens[i]);
			break;
		}
	}
	return rc;
}

/* Splits a literal list into its k->n parts. <copy> receives a writable
 * copy the parts point into. */
static int split_lits(const struct ms_key *k, const char *lits,
		      struct ms_buf *copy, char **parts)
{
	size_t i = 0;
	char *p;
	int rc = ms_buf_addstr(copy, lits);

	if (rc)
		return rc;
	p = copy->ptr;
	while (p && i < k->n) {
		parts[i++] = p;
		p = strchr(p, ',');
		if (p)
			*p++ = '\0';
	}
	return i == k->n && !p ? 0 : MS_ECORRUPT;
}

/* (k1 > v1) OR (k1 = v1 AND k2 > v2) ...: the last part carries <op>, the
 * others its strict form. */
int ms_key_pred(const struct ms_key *k, const char *lits, const char *op,
		struct ms_buf *out)
{
	char *parts[MS_KEY_MAX_PARTS];
	const char *strict = op[0] == '>' ? ">" : "<";
	struct ms_buf copy;
	size_t i, j;
	int rc;

	if (k->n > MS_KEY_MAX_PARTS || !k->n)
		return MS_EUNSUPPORTED;
	ms_buf_init(&copy, (size_t)1 << 30);
	rc = split_lits(k, lits, &copy, parts);
	for (i = 0; !rc && i < k->n; i++) {
		rc = ms_buf_addstr(out, i ? " OR (" : "((");
		for (j = 0; !rc && j < i; j++)
			rc = ms_buf_addf(out, "%s = %s AND ",
					 k->parts[j].quoted, parts[j]);
		if (!rc)
			rc = ms_buf_addf(out, "%s %s %s)", k->parts[i].quoted,
					 i + 1 == k->n ? op : strict, parts[i]);
	}
	if (!rc)
		rc = ms_buf_addc(out, ')');
	ms_buf_free(&copy);
	return rc;
}

int ms_key_range(const struct ms_key *k, const char *from, const char *to,
		 struct ms_buf *out)
{
	int rc = 0;

	if (from || to)
		rc = ms_buf_addstr(out, " WHERE ");
	if (!rc && from)
		rc = ms_key_pred(k, from, ">", out);
	if (!rc && from && to)
		rc = ms_buf_addstr(out, " AND ");
	if (!rc && to)
		rc = ms_key_pred(k, to, "<=", out);
	return rc;
}

int ms_key_exprs(const struct ms_key *k, bool order, struct ms_buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < k->n; i++) {
		const struct ms_key_part *p = &k->parts[i];
		const char *dt = p->col->data_type;
		const char *suffix = "";

		if (!order && ms_type_is_float(dt))
			suffix = "+0e0";
		else if (!order && (!strcmp(dt, "enum") || !strcmp(dt, "set") ||
				    !strcmp(dt, "bit")))
			suffix = "+0";
		rc = ms_buf_addf(out, "%s%s%s", i ? ", " : "", p->quoted,
				 suffix);
	}
	return rc;
}

int ms_key_force_index(const struct ms_key *k, struct ms_buf *out)
{
	int rc = ms_buf_addstr(out, " FORCE INDEX (");

	if (!rc)
		rc = k->ix->primary ? ms_buf_addstr(out, "PRIMARY")
				    : ms_quote_ident(out, k->ix->name);
	return rc ? rc : ms_buf_addc(out, ')');
}

int ms_key_next_boundary(const struct ms_key *k, struct ms_db *db,
			 const char *table_q, const char *lo, uint64_t n,
			 const struct ms_key *const *as,
			 struct ms_buf *const *out, size_t nout,
			 struct ms_err *err)
{
	struct ms_db_stream *st = NULL;
	const char *const *vals;
	const size_t *lens;
	struct ms_buf q;
	size_t i;
	int rc;

	ms_buf_init(&q, (size_t)1 << 30);
	rc = ms_buf_addstr(&q, "SELECT ");
	rc = rc ? rc : ms_key_exprs(k, false, &q);
	rc = rc ? rc : ms_buf_addf(&q, " FROM %s", table_q);
	rc = rc ? rc : ms_key_force_index(k, &q);
	rc = rc ? rc : ms_key_range(k, lo, NULL, &q);
	rc = rc ? rc : ms_buf_addstr(&q, " ORDER BY ");
	rc = rc ? rc : ms_key_exprs(k, true, &q);
	rc = rc ? rc
		: ms_buf_addf(&q, " LIMIT 1 OFFSET %" PRIu64, n ? n - 1 : 0);
	if (rc) {
		ms_buf_free(&q);
		return MS_ERR(err, rc, "%s: boundary query too long", table_q);
	}
	rc = ms_db_stream_open(db, ms_buf_str(&q), &st, err);
	ms_buf_free(&q);
	if (rc)
		return ms_err_prefix(err, "source table %s", table_q);
	rc = ms_db_stream_next(st, &vals, &lens, err);
	if (rc == 1) {
		rc = 0;
		for (i = 0; !rc && i < nout; i++)
			rc = ms_key_literals(as[i], vals, lens, out[i]);
		if (rc)
			rc = MS_ERR(err, rc, "%s: a key value: %s", table_q,
				    ms_strerror(rc));
	}
	ms_db_stream_close(st);
	return rc;
}

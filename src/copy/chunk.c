/* Chunk SQL, key literals and segment planning: see copy_int.h and
 * docs/copy.md ("Chunking"). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "copy/copy_int.h"
#include "core/log.h"
#include "db/quote.h"

static int add_hex(struct ms_buf *out, const char *s, size_t len)
{
	int rc = ms_buf_add(out, "X'", 2);

	rc = rc ? rc : ms_buf_addhex(out, s, len);
	return rc ? rc : ms_buf_addc(out, '\'');
}

int cp_key_literals(const struct cp_table *t, const char *const *vals,
		    const size_t *lens, struct ms_buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < t->nkey; i++) {
		const struct cp_keypart *k = &t->key[i];

		if (i)
			rc = ms_buf_addc(out, ',');
		if (rc)
			break;
		if (!vals[i])
			return MS_EINVAL; /* key columns are NOT NULL */
		switch (k->lit) {
		case CP_LIT_NUM:
			rc = ms_buf_add(out, vals[i], lens[i]);
			break;
		case CP_LIT_STR:
			rc = ms_buf_addf(out, "_%s ", k->col->charset);
			if (!rc)
				rc = add_hex(out, vals[i], lens[i]);
			if (!rc)
				rc = ms_buf_addf(out, " COLLATE %s",
						 k->col->collation);
			break;
		case CP_LIT_BIN:
			rc = add_hex(out, vals[i], lens[i]);
			break;
		case CP_LIT_QUOTED:
			rc = ms_buf_addstr(out, "_utf8mb4 ");
			if (!rc)
				rc = add_hex(out, vals[i], lens[i]);
			break;
		}
	}
	return rc;
}

/* Splits a literal list into its <n> parts (commas never occur inside our
 * literals). <copy> receives a writable copy the parts point into. */
static int split_lits(const struct cp_table *t, const char *lits,
		      struct ms_buf *copy, char **parts)
{
	size_t i = 0;
	char *p;
	int rc = ms_buf_addstr(copy, lits);

	if (rc)
		return rc;
	p = copy->ptr;
	while (p && i < t->nkey) {
		parts[i++] = p;
		p = strchr(p, ',');
		if (p)
			*p++ = '\0';
	}
	return i == t->nkey && !p ? 0 : MS_ECORRUPT;
}

/* Appends the predicate "key <op> (lits)" for a composite key, expanded into
 * ORs of prefixes so every server's range optimizer uses the index:
 *   (k1 > v1) OR (k1 = v1 AND k2 > v2) ...
 * <op> is ">" or "<="; the last part carries <op>, the others its strict
 * form. */
int cp_key_pred(const struct cp_table *t, const char *lits, const char *op,
		struct ms_buf *out)
{
	char *parts[CP_MAX_KEY_PARTS];
	const char *strict = op[0] == '>' ? ">" : "<";
	struct ms_buf copy;
	size_t i, j;
	int rc;

	if (t->nkey > CP_MAX_KEY_PARTS)
		return MS_EUNSUPPORTED;
	ms_buf_init(&copy, (size_t)1 << 30);
	rc = split_lits(t, lits, &copy, parts);
	for (i = 0; !rc && i < t->nkey; i++) {
		rc = ms_buf_addstr(out, i ? " OR (" : "((");
		for (j = 0; !rc && j < i; j++)
			rc = ms_buf_addf(out, "%s = %s AND ", t->key[j].quoted,
					 parts[j]);
		if (!rc)
			rc = ms_buf_addf(out, "%s %s %s)", t->key[i].quoted,
					 i + 1 == t->nkey ? op : strict,
					 parts[i]);
	}
	if (!rc)
		rc = ms_buf_addc(out, ')');
	ms_buf_free(&copy);
	return rc;
}

/* The key expressions read after the data columns, and the ORDER BY. */
static int add_key_exprs(const struct cp_table *t, struct ms_buf *out,
			 bool order)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < t->nkey; i++) {
		const struct cp_keypart *k = &t->key[i];
		const char *dt = k->col->data_type;
		const char *suffix = "";

		if (!order && (!strcmp(dt, "float") || !strcmp(dt, "double") ||
			       !strcmp(dt, "real")))
			suffix = "+0e0";
		else if (!order && (!strcmp(dt, "enum") || !strcmp(dt, "set") ||
				    !strcmp(dt, "bit")))
			suffix = "+0";
		rc = ms_buf_addf(out, "%s%s%s", i ? ", " : "", k->quoted,
				 suffix);
	}
	return rc;
}

static int add_force_index(const struct cp_table *t, struct ms_buf *out)
{
	const struct ms_index *ix = ms_table_chunk_key(t->src);
	int rc = ms_buf_addstr(out, " FORCE INDEX (");

	if (!rc)
		rc = ix->primary ? ms_buf_addstr(out, "PRIMARY")
				 : ms_quote_ident(out, ix->name);
	return rc ? rc : ms_buf_addc(out, ')');
}

int cp_chunk_sql(const struct cp_table *t, const char *from, const char *to,
		 uint64_t limit, bool lock, struct ms_buf *out)
{
	int rc = ms_buf_addf(out, "SELECT %s", t->select_list);

	if (!rc && t->nkey) {
		rc = ms_buf_addstr(out, ", ");
		if (!rc)
			rc = add_key_exprs(t, out, false);
	}
	if (!rc)
		rc = ms_buf_addf(out, " FROM %s", t->src_q);
	if (!rc && t->nkey)
		rc = add_force_index(t, out);
	if (!rc && (from || to))
		rc = ms_buf_addstr(out, " WHERE ");
	if (!rc && from)
		rc = cp_key_pred(t, from, ">", out);
	if (!rc && from && to)
		rc = ms_buf_addstr(out, " AND ");
	if (!rc && to)
		rc = cp_key_pred(t, to, "<=", out);
	if (!rc && t->nkey) {
		rc = ms_buf_addstr(out, " ORDER BY ");
		if (!rc)
			rc = add_key_exprs(t, out, true);
		if (!rc && limit)
			rc = ms_buf_addf(out, " LIMIT %" PRIu64, limit);
	}
	if (!rc && lock)
		rc = ms_buf_addstr(out, " LOCK IN SHARE MODE");
	return rc;
}

/* Integer keys: MIN and MAX once, then arithmetic boundaries. Returns 1
 * when the key's range does not fit int64 (the caller uses OFFSET
 * planning), 0 when ready. */
static int int_plan_init(struct cp_table *t, struct ms_db *src,
			 struct ms_err *err)
{
	struct ms_db_result *res = NULL;
	struct ms_buf q;
	const char *mn, *mx;
	int64_t lo, hi, nseg;
	int rc;

	ms_buf_init(&q, 4096);
	rc = ms_buf_addf(&q, "SELECT MIN(%s), MAX(%s) FROM %s",
			 t->key[0].quoted, t->key[0].quoted, t->src_q);
	if (!rc)
		rc = ms_db_query(src, ms_buf_str(&q), &res, err);
	ms_buf_free(&q);
	if (rc)
		return ms_err_prefix(err, "source table %s", t->src_q);
	mn = ms_db_result_get(res, 0, 0);
	mx = ms_db_result_get(res, 0, 1);
	if (!mn || !mx) { /* empty: one open segment */
		t->int_step = 0;
		ms_db_result_free(res);
		return 0;
	}
	errno = 0;
	lo = strtoll(mn, NULL, 10);
	hi = strtoll(mx, NULL, 10);
	ms_db_result_free(res);
	if (errno == ERANGE || (hi > 0 && lo < 0 && hi > INT64_MAX + lo))
		return 1;
	nseg = (int64_t)(t->rows_estimate / (t->seg_rows ? t->seg_rows : 1));
	if (nseg < 1)
		nseg = 1;
	t->int_min = lo;
	t->int_max = hi;
	t->int_step = (hi - lo) / nseg + 1;
	return 0;
}

/* Next boundary by arithmetic; NULL hi (plan done) past the maximum. */
static int int_next_hi(struct cp_table *t, struct ms_buf *hi)
{
	int64_t prev, next;

	if (t->int_step == 0)
		return 0;
	prev =
	    t->planned_hi ? strtoll(t->planned_hi, NULL, 10) : t->int_min - 1;
	if (prev >= t->int_max || t->int_max - prev <= t->int_step)
		return 0;
	next = prev + t->int_step;
	return ms_buf_addf(hi, "%" PRId64, next);
}

/* Next boundary by OFFSET over the key; empty <hi> when no row is left. */
static int offset_next_hi(struct cp_table *t, struct ms_db *src,
			  struct ms_buf *hi, struct ms_err *err)
{
	struct ms_db_stream *st = NULL;
	const char *const *vals;
	const size_t *lens;
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, (size_t)1 << 30);
	rc = ms_buf_addstr(&q, "SELECT ");
	if (!rc)
		rc = add_key_exprs(t, &q, false);
	if (!rc)
		rc = ms_buf_addf(&q, " FROM %s", t->src_q);
	if (!rc)
		rc = add_force_index(t, &q);
	if (!rc && t->planned_hi) {
		rc = ms_buf_addstr(&q, " WHERE ");
		if (!rc)
			rc = cp_key_pred(t, t->planned_hi, ">", &q);
	}
	if (!rc)
		rc = ms_buf_addstr(&q, " ORDER BY ");
	if (!rc)
		rc = add_key_exprs(t, &q, true);
	if (!rc)
		rc = ms_buf_addf(&q, " LIMIT 1 OFFSET %" PRIu64,
				 t->seg_rows - 1);
	if (rc) {
		ms_buf_free(&q);
		return MS_ERR(err, rc,
			      "source table %s: building the "
			      "segment query failed",
			      t->src_q);
	}
	rc = ms_db_stream_open(src, ms_buf_str(&q), &st, err);
	ms_buf_free(&q);
	if (rc)
		return ms_err_prefix(err, "source table %s", t->src_q);
	rc = ms_db_stream_next(st, &vals, &lens, err);
	if (rc == 1)
		rc = cp_key_literals(t, vals, lens, hi)
			 ? MS_ERR(err, MS_ENOMEM, "out of memory")
			 : 0;
	ms_db_stream_close(st);
	return rc;
}

int cp_plan_segment(struct cp_run *r, struct cp_table *t, struct ms_db *src,
		    struct ms_db *tgt, struct cp_segment **out,
		    struct ms_err *err)
{
	struct cp_segment *s;
	struct ms_buf hi;
	int rc = 0;

	*out = NULL;
	ms_buf_init(&hi, (size_t)1 << 30);
	if (t->int_key && t->int_step < 0) {
		rc = int_plan_init(t, src, err);
		if (rc == 1) {
			t->int_key = false;
			rc = 0;
		}
	}
	if (!rc && t->nkey == 0)
		; /* keyless: one segment, the whole table */
	else if (!rc && t->int_key)
		rc = int_next_hi(t, &hi);
	else if (!rc)
		rc = offset_next_hi(t, src, &hi, err);
	if (rc && !err->code)
		rc = MS_ERR(err, rc, "source table %s: planning failed",
			    t->src_q);
	s = rc ? NULL : calloc(1, sizeof(*s));
	if (!rc && !s)
		rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	if (!rc) {
		s->t = t;
		s->seq = t->next_seq;
		s->lo = t->planned_hi ? strdup(t->planned_hi) : NULL;
		s->hi = hi.len ? ms_buf_take(&hi) : NULL;
		if ((t->planned_hi && !s->lo) || (hi.len && !s->hi))
			rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	if (!rc)
		rc = cp_control_segment_add(r, tgt, s, err);
	ms_buf_free(&hi);
	if (rc) {
		if (s) {
			free(s->lo);
			free(s->hi);
			free(s);
		}
		return rc;
	}
	*out = s;
	return 0;
}

/* The row applier's batch: rows events rendered into row and key literals
 * as they are added, then, at flush, compacted per key (integer keys) or
 * kept in order, and run as multi-row REPLACE / DELETE statements within
 * the statement budget. See apply.h and docs/sync.md ("The applier"). */
#include <stdlib.h>
#include <string.h>

#include "sync/apply_int.h"

/* One row change: a REPLACE of <row> (with its key) or a DELETE of <key>,
 * both slices of the batch's text. */
struct ap_change {
	size_t row_off, row_len;
	size_t key_off, key_len;
	uint32_t table; /* index in b->tables */
	uint32_t enum_zero;
	uint8_t kind; /* enum ap_kind */
	bool dead;    /* superseded by a later change to its key (flush) */
};

struct ms_ap_batch {
	struct ap_text text; /* every literal */
	struct ap_change *ch;
	size_t nch, ach;
	const struct ms_ap_table **tables; /* in order of first change */
	size_t ntables, atables;
	size_t rows; /* row changes of the events added */
	/* flush scratch, kept between flushes */
	size_t *order, aorder;
	size_t *tstart, atstart;
	uint32_t *hash;
	size_t ahash;
	struct ap_text stmt;
};

const char *ap_kind_name(enum ap_kind k)
{
	return k == AP_DELETE ? "DELETE" : "REPLACE";
}

struct ms_ap_batch *ms_ap_batch_new(void)
{
	struct ms_ap_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	ap_text_init(&b->text, AP_TEXT_MAX);
	ap_text_init(&b->stmt, AP_TEXT_MAX);
	return b;
}

void ms_ap_batch_free(struct ms_ap_batch *b)
{
	if (!b)
		return;
	ap_text_free(&b->text);
	ap_text_free(&b->stmt);
	free(b->ch);
	free(b->tables);
	free(b->order);
	free(b->tstart);
	free(b->hash);
	free(b);
}

void ms_ap_batch_reset(struct ms_ap_batch *b)
{
	if (!b)
		return;
	b->text.len = 0;
	if (b->text.p)
		b->text.p[0] = '\0';
	b->nch = b->ntables = b->rows = 0;
	/* A huge batch's memory is not kept for the small ones after it. */
	if (b->text.alloc > ((size_t)64 << 20))
		ap_text_free(&b->text);
	if (b->stmt.alloc > ((size_t)64 << 20))
		ap_text_free(&b->stmt);
}

size_t ms_ap_batch_changes(const struct ms_ap_batch *b)
{
	return b ? b->rows : 0;
}

size_t ms_ap_batch_bytes(const struct ms_ap_batch *b)
{
	return b ? b->text.len : 0;
}

/* ---- adding ------------------------------------------------------------- */

static int grow(void **arr, size_t *alloc, size_t need, size_t size)
{
	size_t n = *alloc ? *alloc : 64;
	void *p;

	if (need <= *alloc)
		return 0;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / size)
		return MS_ENOMEM;
	p = realloc(*arr, n * size);
	if (!p)
		return MS_ENOMEM;
	*arr = p;
	*alloc = n;
	return 0;
}

static int table_index(struct ms_ap_batch *b, const struct ms_ap_table *t,
		       uint32_t *idx)
{
	size_t i;

	for (i = b->ntables; i-- > 0;)
		if (b->tables[i] == t) {
			*idx = (uint32_t)i;
			return 0;
		}
	if (b->ntables >= UINT32_MAX ||
	    grow((void **)&b->tables, &b->atables, b->ntables + 1,
		 sizeof(*b->tables)))
		return MS_ENOMEM;
	b->tables[b->ntables] = t;
	*idx = (uint32_t)b->ntables++;
	return 0;
}

static struct ap_change *new_change(struct ms_ap_batch *b, uint32_t table,
				    enum ap_kind kind)
{
	struct ap_change *c;

	if (grow((void **)&b->ch, &b->ach, b->nch + 1, sizeof(*b->ch)))
		return NULL;
	c = &b->ch[b->nch++];
	memset(c, 0, sizeof(*c));
	c->table = table;
	c->kind = (uint8_t)kind;
	return c;
}

static int not_full(const struct ms_ap_table *t, size_t c, const char *img,
		    struct ms_err *err)
{
	const struct ap_meta *m = t->priv;

	return MS_ERR(err, MS_EUNSUPPORTED,
		      "sync: table %s column %s is missing from the %s image: "
		      "sync needs binlog_row_image=FULL on the source",
		      m->qname, m->cols[c].name, img);
}

static bool is_key_col(const struct ap_meta *m, size_t c, size_t *part)
{
	for (*part = 0; *part < m->nkey; (*part)++)
		if (m->key[*part] == c)
			return true;
	return false;
}

/* Appends the key literal of <vals>: "v" for one column, "(v1,v2)" for
 * more. <spans> holds, per key part, where its literal already is in the
 * text (length 0: not rendered yet). Sets <ch>'s key. */
static int render_key(struct ms_ap_batch *b, const struct ms_ap_table *t,
		      const struct ms_bl_rows *rows,
		      const struct ms_bl_value *vals, size_t spans[][2],
		      struct ap_change *ch, const char *img, struct ms_err *err)
{
	const struct ap_meta *m = t->priv;
	size_t k, start = b->text.len;
	int rc = 0;

	if (m->nkey == 1 && spans[0][1]) {
		ch->key_off = spans[0][0];
		ch->key_len = spans[0][1];
		return 0;
	}
	if (m->nkey > 1)
		rc = ap_text_add(&b->text, "(", 1);
	for (k = 0; !rc && k < m->nkey; k++) {
		size_t c = m->key[k];

		rc = k ? ap_text_add(&b->text, ",", 1) : 0;
		if (rc)
			break;
		if (spans[k][1]) {
			rc = ap_text_reserve(&b->text, spans[k][1]);
			if (!rc)
				rc = ap_text_add(&b->text,
						 b->text.p + spans[k][0],
						 spans[k][1]);
			continue;
		}
		if (vals[c].kind == MS_BL_V_ABSENT)
			return not_full(t, c, img, err);
		rc = ap_render_value(&b->text, t, c, &rows->tm->cols[c],
				     &vals[c], NULL, &ch->enum_zero, err);
		if (rc)
			return rc;
	}
	rc = rc || m->nkey == 1 ? rc : ap_text_add(&b->text, ")", 1);
	if (rc)
		return MS_ERR(err, rc, "sync: table %s: batch text: %s",
			      m->qname, ms_strerror(rc));
	ch->key_off = start;
	ch->key_len = b->text.len - start;
	return 0;
}

/* The key of a before image (UPDATE, DELETE). */
static int render_old_key(struct ms_ap_batch *b, const struct ms_ap_table *t,
			  const struct ms_bl_rows *rows,
			  const struct ms_bl_value *vals, struct ap_change *ch,
			  struct ms_err *err)
{
	size_t spans[AP_MAX_KEY_PARTS][2];

	memset(spans, 0,
	       ((const struct ap_meta *)t->priv)->nkey * sizeof(spans[0]));
	return render_key(b, t, rows, vals, spans, ch, "before", err);
}

/* "(v1,v2,...)" of an after image, generated columns left out, then its
 * key. <before> serves unchanged partial-JSON columns. */
static int render_row(struct ms_ap_batch *b, const struct ms_ap_table *t,
		      const struct ms_bl_rows *rows,
		      const struct ms_bl_value *vals,
		      const struct ms_bl_value *before, struct ap_change *ch,
		      struct ms_err *err)
{
	const struct ap_meta *m = t->priv;
	size_t spans[AP_MAX_KEY_PARTS][2], c, part, n = 0;
	int rc;

	memset(spans, 0, m->nkey * sizeof(spans[0]));
	ch->row_off = b->text.len;
	rc = ap_text_add(&b->text, "(", 1);
	for (c = 0; !rc && c < t->ncols; c++) {
		size_t at;

		if (m->cols[c].generated)
			continue;
		if (vals[c].kind == MS_BL_V_ABSENT)
			return not_full(t, c, "after", err);
		if (n++ && (rc = ap_text_add(&b->text, ",", 1)))
			break;
		at = b->text.len;
		rc = ap_render_value(&b->text, t, c, &rows->tm->cols[c],
				     &vals[c], before ? &before[c] : NULL,
				     &ch->enum_zero, err);
		if (rc)
			return rc;
		if (is_key_col(m, c, &part)) {
			spans[part][0] = at;
			spans[part][1] = b->text.len - at;
		}
	}
	rc = rc ? rc : ap_text_add(&b->text, ")", 1);
	if (rc)
		return MS_ERR(err, rc, "sync: table %s: batch text: %s",
			      m->qname, ms_strerror(rc));
	ch->row_len = b->text.len - ch->row_off;
	return render_key(b, t, rows, vals, spans, ch, "after", err);
}

static bool same_key(const struct ms_ap_batch *b, const struct ap_change *x,
		     const struct ap_change *y)
{
	return x->key_len == y->key_len &&
	       memcmp(b->text.p + x->key_off, b->text.p + y->key_off,
		      x->key_len) == 0;
}

static int add_row(struct ms_ap_batch *b, const struct ms_ap_table *t,
		   uint32_t ti, const struct ms_bl_rows *rows,
		   const struct ms_bl_row *row, struct ms_err *err)
{
	bool has_before = rows->op != MS_BL_ROWS_WRITE;
	bool has_after = rows->op != MS_BL_ROWS_DELETE;
	struct ap_change *del = NULL, *rep;
	size_t di = 0;
	int rc;

	if ((has_before && !row->before) || (has_after && !row->after))
		return MS_ERR(err, MS_ECORRUPT,
			      "sync: table %s: a row change without its %s "
			      "image",
			      ((const struct ap_meta *)t->priv)->qname,
			      has_before && !row->before ? "before" : "after");
	if (has_before) {
		if (!(del = new_change(b, ti, AP_DELETE)))
			goto nomem;
		di = b->nch - 1;
		rc = render_old_key(b, t, rows, row->before, del, err);
		if (rc || !has_after)
			return rc;
	}
	if (!(rep = new_change(b, ti, AP_REPLACE)))
		goto nomem;
	/* new_change may have moved the array */
	del = has_before ? &b->ch[di] : NULL;
	rc = render_row(b, t, rows, row->after, row->before, rep, err);
	if (rc || !del || !same_key(b, del, rep))
		return rc;
	/* The key did not change: the REPLACE alone does it. */
	*del = *rep;
	b->nch--;
	return 0;
nomem:
	return MS_ERR(err, MS_ENOMEM, "sync: out of memory");
}

int ms_ap_batch_add(struct ms_ap_batch *b, struct ms_db *tgt,
		    const struct ms_ap_table *t, const struct ms_bl_rows *rows,
		    struct ms_err *err)
{
	const struct ap_meta *m;
	size_t nch, ntab, len, i;
	uint32_t ti = 0;
	int rc = 0;

	(void)tgt; /* literals do not depend on the session (apply_value.c) */
	if (!b || !t || !rows)
		return MS_ERR(err, MS_EINVAL,
			      "sync: ms_ap_batch_add: bad call");
	if (rows->nrows == 0)
		return 0;
	m = t->priv;
	if (!rows->tm || rows->tm->ncols != t->ncols)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "sync: table %s: the binlog has %u columns, the "
			      "target %zu: schemas diverged",
			      m->qname, rows->tm ? rows->tm->ncols : 0,
			      t->ncols);
	if (rows->op < MS_BL_ROWS_WRITE || rows->op > MS_BL_ROWS_PARTIAL_UPDATE)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "sync: table %s: unknown rows operation %d",
			      m->qname, (int)rows->op);
	nch = b->nch;
	ntab = b->ntables;
	len = b->text.len;
	if (table_index(b, t, &ti))
		rc = MS_ERR(err, MS_ENOMEM, "sync: out of memory");
	for (i = 0; !rc && i < rows->nrows; i++)
		rc = add_row(b, t, ti, rows, &rows->rows[i], err);
	if (rc) {
		/* All of the event or none of it. */
		b->nch = nch;
		b->ntables = ntab;
		b->text.len = len;
		if (b->text.p)
			b->text.p[len] = '\0';
		return rc;
	}
	b->rows += rows->nrows;
	return 0;
}

/* ---- flushing ----------------------------------------------------------- */

struct ap_run {
	struct ms_ap_batch *b;
	size_t budget;
	ap_exec_fn fn;
	void *ctx;
	uint64_t statements;
	struct ms_err *err;
};

/* Groups change indexes by table, keeping their order: b->order holds
 * table i's changes from b->tstart[i] to b->tstart[i + 1]. */
static int group_by_table(struct ms_ap_batch *b)
{
	size_t i;

	if (grow((void **)&b->order, &b->aorder, b->nch, sizeof(*b->order)) ||
	    grow((void **)&b->tstart, &b->atstart, b->ntables + 1,
		 sizeof(*b->tstart)))
		return MS_ENOMEM;
	memset(b->tstart, 0, (b->ntables + 1) * sizeof(*b->tstart));
	for (i = 0; i < b->nch; i++)
		b->tstart[b->ch[i].table + 1]++;
	for (i = 0; i < b->ntables; i++)
		b->tstart[i + 1] += b->tstart[i];
	for (i = 0; i < b->nch; i++)
		b->order[b->tstart[b->ch[i].table]++] = i;
	/* Each start moved to the next table's: shift back. */
	for (i = b->ntables; i > 0; i--)
		b->tstart[i] = b->tstart[i - 1];
	b->tstart[0] = 0;
	return 0;
}

static uint64_t key_hash(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

/* Last change wins per key: marks every earlier change to the same key
 * dead. Keys are integer literals, equal exactly when their bytes are. */
static int compact(struct ms_ap_batch *b, const size_t *idx, size_t n)
{
	size_t cap = 16, i, mask;

	while (cap < 2 * n)
		cap *= 2;
	if (grow((void **)&b->hash, &b->ahash, cap, sizeof(*b->hash)))
		return MS_ENOMEM;
	memset(b->hash, 0, cap * sizeof(*b->hash));
	mask = cap - 1;
	for (i = 0; i < n; i++) {
		struct ap_change *c = &b->ch[idx[i]];
		size_t h = (size_t)key_hash(b->text.p + c->key_off, c->key_len);

		for (h &= mask;; h = (h + 1) & mask) {
			uint32_t e = b->hash[h];

			if (e == 0) {
				b->hash[h] = (uint32_t)(i + 1);
				break;
			}
			if (same_key(b, &b->ch[idx[e - 1]], c)) {
				b->ch[idx[e - 1]].dead = true;
				b->hash[h] = (uint32_t)(i + 1);
				break;
			}
		}
	}
	return 0;
}

static int run_stmt(struct ap_run *r, const struct ms_ap_table *t,
		    enum ap_kind kind, size_t rows, uint32_t enum_zero)
{
	struct ap_stmt s = {.t = t,
			    .kind = kind,
			    .rows = rows,
			    .enum_zero = enum_zero,
			    .sql = r->b->stmt.p,
			    .len = r->b->stmt.len};
	int rc;

	if (kind == AP_DELETE && (rc = ap_text_add(&r->b->stmt, ")", 1)) != 0)
		return MS_ERR(r->err, rc, "sync: statement text: %s",
			      ms_strerror(rc));
	s.sql = r->b->stmt.p;
	s.len = r->b->stmt.len;
	rc = r->fn(r->ctx, &s, r->err);
	r->statements++;
	return rc;
}

/* Runs the live changes of <kind> among <idx>[0..n) as statements of at
 * most r->budget bytes (a single bigger item goes alone). */
static int emit(struct ap_run *r, const struct ms_ap_table *t,
		enum ap_kind kind, const size_t *idx, size_t n)
{
	const struct ap_meta *m = t->priv;
	struct ms_ap_batch *b = r->b;
	const char *head = kind == AP_DELETE ? m->delete_head : m->replace_head;
	size_t hlen = kind == AP_DELETE ? m->delete_len : m->replace_len;
	size_t i, rows = 0, tail = kind == AP_DELETE ? 1 : 0;
	uint32_t ez = 0;
	int rc = 0;

	for (i = 0; !rc && i < n; i++) {
		const struct ap_change *c = &b->ch[idx[i]];
		size_t off = kind == AP_DELETE ? c->key_off : c->row_off;
		size_t len = kind == AP_DELETE ? c->key_len : c->row_len;

		if (c->dead || c->kind != kind)
			continue;
		if (rows && b->stmt.len + 1 + len + tail > r->budget) {
			rc = run_stmt(r, t, kind, rows, ez);
			rows = 0;
			ez = 0;
		}
		if (!rc && rows == 0) {
			b->stmt.len = 0;
			rc = ap_text_add(&b->stmt, head, hlen);
		} else if (!rc) {
			rc = ap_text_add(&b->stmt, ",", 1);
		}
		rc = rc ? rc : ap_text_add(&b->stmt, b->text.p + off, len);
		rows++;
		ez += kind == AP_REPLACE ? c->enum_zero : 0;
	}
	if (rc && !r->err->code) /* text, not the statement */
		rc = MS_ERR(r->err, rc, "sync: statement text: %s",
			    ms_strerror(rc));
	return rc || !rows ? rc : run_stmt(r, t, kind, rows, ez);
}

static int run_table(struct ap_run *r, size_t ti)
{
	struct ms_ap_batch *b = r->b;
	const struct ms_ap_table *t = b->tables[ti];
	const size_t *idx = b->order + b->tstart[ti];
	size_t n = b->tstart[ti + 1] - b->tstart[ti], i, j;
	int rc;

	if (((const struct ap_meta *)t->priv)->int_key) {
		if (compact(b, idx, n))
			return MS_ERR(r->err, MS_ENOMEM, "sync: out of memory");
		rc = emit(r, t, AP_DELETE, idx, n);
		return rc ? rc : emit(r, t, AP_REPLACE, idx, n);
	}
	/* In order, runs of one kind merged. */
	for (i = 0, rc = 0; !rc && i < n; i = j) {
		for (j = i + 1;
		     j < n && b->ch[idx[j]].kind == b->ch[idx[i]].kind; j++)
			;
		rc = emit(r, t, (enum ap_kind)b->ch[idx[i]].kind, idx + i,
			  j - i);
	}
	return rc;
}

int ap_batch_run(struct ms_ap_batch *b, size_t max_stmt_bytes, ap_exec_fn fn,
		 void *ctx, uint64_t *statements, struct ms_err *err)
{
	struct ms_err local;
	struct ap_run r = {.b = b,
			   .budget = max_stmt_bytes ? max_stmt_bytes
						    : AP_STMT_DEFAULT,
			   .fn = fn,
			   .ctx = ctx,
			   .err = err ? err : &local};
	size_t ti;
	int rc = 0;

	ms_err_clear(r.err);
	if (statements)
		*statements = 0;
	if (!b)
		return MS_ERR(err, MS_EINVAL, "sync: no batch");
	if (b->nch && group_by_table(b))
		rc = MS_ERR(r.err, MS_ENOMEM, "sync: out of memory");
	for (ti = 0; !rc && b->nch && ti < b->ntables; ti++)
		rc = run_table(&r, ti);
	if (statements)
		*statements = r.statements;
	ms_ap_batch_reset(b);
	return rc;
}

/* The row-level diff of one range (verify_int.h): the entry point and
 * the reading that keyed tables (diff_keyed.c) and keyless tables
 * (diff_keyless.c) share. See docs/verify.md ("Row-level diff"). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "verify/diff_int.h"
#include "verify/engine.h" /* vf_stopping */

void df_diff_free(struct vf_diff *x, size_t ncols)
{
	size_t j;

	free(x->key_lits);
	free(x->key_text);
	free(x->columns);
	for (j = 0; x->row && j < ncols; j++)
		free(x->row[j]);
	free(x->row);
	free(x->row_lens);
	memset(x, 0, sizeof(*x));
}

void vf_diffs_free(struct vf_diffs *d, size_t ncols)
{
	size_t i;

	for (i = 0; d->v && i < d->n; i++)
		df_diff_free(&d->v[i], ncols);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* Makes room for <more> diffs in <d>. */
int df_diffs_reserve(struct vf_diffs *d, size_t more)
{
	size_t cap = d->cap ? d->cap : 16;
	struct vf_diff *v;

	if (d->cap - d->n >= more)
		return 0;
	while (cap - d->n < more) {
		if (cap > SIZE_MAX / 2 / sizeof(*v))
			return MS_ENOMEM;
		cap *= 2;
	}
	v = realloc(d->v, cap * sizeof(*v));
	if (!v)
		return MS_ENOMEM;
	d->v = v;
	d->cap = cap;
	return 0;
}

int df_diffs_push(struct vf_diffs *d, struct vf_diff *x)
{
	int rc = df_diffs_reserve(d, 1);

	if (!rc)
		d->v[d->n++] = *x;
	return rc;
}

/* ---- reading ------------------------------------------------------------- */

int df_fail(struct df *f, int rc, const char *what)
{
	return MS_ERR(f->err, rc, "row diff of %s: %s: %s", f->t->src_name,
		      what, ms_strerror(rc));
}

/* "SELECT <raw key>, <row_list> FROM <q>" */
int df_select_head(const struct df *f, const struct vf_side *sd,
		   struct ms_buf *q)
{
	int rc = ms_buf_addstr(q, "SELECT ");

	if (!rc && f->nk) {
		rc = vf_key_select(&sd->key, q);
		rc = rc ? rc : ms_buf_addstr(q, ", ");
	}
	rc = rc ? rc : ms_buf_addstr(q, sd->row_list);
	rc = rc ? rc : ms_buf_addstr(q, " FROM ");
	rc = rc ? rc : ms_buf_addstr(q, sd->q);
	if (!rc && f->nk)
		rc = ms_key_force_index(&sd->key, q);
	return rc;
}

/* Streams the rows of <sql> on <db> to <fn>. */
int df_stream(struct df *f, struct ms_db *db, const char *sql, df_row_fn fn,
	      void *ctx)
{
	struct ms_db_stream *st = NULL;
	const char *const *vals;
	const size_t *lens;
	int rc = ms_db_stream_open(db, sql, &st, f->err);

	if (rc)
		return ms_err_prefix(f->err, "row diff of %s", f->t->src_name);
	if (ms_db_stream_ncols(st) != f->width) {
		rc = MS_ERR(f->err, MS_EINTERNAL,
			    "row diff of %s: %zu columns read, %zu expected",
			    f->t->src_name, ms_db_stream_ncols(st), f->width);
		ms_db_stream_close(st);
		return rc;
	}
	while ((rc = ms_db_stream_next(st, &vals, &lens, f->err)) == 1)
		if ((rc = fn(f, ctx, vals, lens)))
			break;
	ms_db_stream_close(st);
	if (rc < 0 && f->err && !strstr(f->err->msg, f->t->src_name))
		ms_err_prefix(f->err, "row diff of %s", f->t->src_name);
	return rc;
}

/* Truth read, its binlog position, the wait for the sync feeding the
 * replica side to apply it: after this a replica read sees every change
 * the truth read saw. */
int df_settle(struct df *f)
{
	char file[256];
	uint64_t pos;
	int rc;

	if (vf_stopping()) /* settling comes between every two reads */
		return MS_ERR(f->err, MS_EIO, "row diff of %s: interrupted",
			      f->t->src_name);
	if (f->no_binlog)
		return 0;
	rc = ms_db_binlog_end(f->truth, file, sizeof(file), &pos, f->err);
	if (rc == MS_EUNSUPPORTED) { /* no binlog: no sync feeds from it */
		f->no_binlog = true;
		ms_err_clear(f->err);
		return 0;
	}
	if (!rc)
		rc = vf_wait_applied(f->r, f->replica, file, pos, f->err);
	return rc ? ms_err_prefix(f->err, "row diff of %s", f->t->src_name) : 0;
}

/* One row's key (encoded into f->kbuf) and value digest. */
int df_row_key(struct df *f, const char *const *vals, const size_t *lens,
	       struct vf_digest *d)
{
	int rc;

	ms_buf_reset(&f->kbuf);
	vf_digest_init(d, 0x726f77);
	rc = vf_digest_row(d, f->t->cols, f->t->ncols, vals + f->first,
			   lens + f->first, &f->scratch);
	if (!rc && f->nk)
		rc = vf_key_encode(vals, lens, f->nk, &f->kbuf);
	else if (!rc)
		rc = ms_buf_add(&f->kbuf, d, sizeof(*d)); /* keyless */
	return rc ? df_fail(f, rc, "reading a row") : 0;
}

/* Keyless rows merge with an identical row (same values, compared the
 * way the diff compares them). */
bool df_same_values(void *ctx, const struct vf_rowset *s, size_t idx)
{
	const struct same_ctx *c = ctx;
	struct df *f = c->f;
	size_t i, n = f->t->ncols;

	if (vf_rowset_values(s, idx, n, f->v1, f->l1))
		return false;
	for (i = 0; i < n; i++)
		if (!vf_value_equal(f->t->cols[i].cmp, c->vals[i], c->lens[i],
				    f->v1[i], f->l1[i]))
			return false;
	return true;
}

int df_too_many(struct df *f, const struct load_ctx *c)
{
	return MS_ERR(f->err, MS_ETOOLARGE,
		      f->nk ? "row diff of %s: more than %" PRIu64
			      " rows in one range on the %s side"
			    : "row diff of %s: the table has no key and more "
			      "than %" PRIu64 " rows on the %s side: too many "
			      "to compare row by row in memory",
		      f->t->src_name, c->max, c->side);
}

int df_load_row(struct df *f, void *ctx, const char *const *vals,
		const size_t *lens)
{
	struct load_ctx *c = ctx;
	struct same_ctx same = {f, vals + f->first, lens + f->first};
	struct vf_digest d;
	int rc;

	if (++c->rows > c->max)
		return df_too_many(f, c);
	rc = df_row_key(f, vals, lens, &d);
	if (rc)
		return rc;
	rc = vf_rowset_add(c->set, f->kbuf.ptr, f->kbuf.len, &d,
			   vals + f->first, lens + f->first, f->t->ncols,
			   f->nk ? NULL : df_same_values, &same, NULL);
	return rc ? df_fail(f, rc, "keeping rows") : 0;
}

int vf_diff_range(struct vf_run *r, struct vf_table *t, struct ms_db *src,
		  struct ms_db *tgt, const char *lo, const char *hi,
		  struct vf_diffs *out, struct ms_err *err)
{
	struct df f = {.r = r, .t = t, .err = err};
	struct vf_diffs got = {0};
	size_t n = t->ncols + 1;
	int rc;

	f.truth = vf_truth(r, src, tgt);
	f.replica = f.truth == src ? tgt : src;
	f.ts = f.truth == src ? &t->s : &t->g;
	f.ps = f.truth == src ? &t->g : &t->s;
	f.nk = t->keyless ? 0 : t->s.key.n;
	if (!t->keyless && (!f.nk || t->g.key.n != f.nk))
		return MS_ERR(err, MS_EINVAL,
			      "row diff of %s: the two sides' keys differ",
			      t->src_name);
	f.first = 2 * f.nk; /* our raw key, then row_list's key exprs */
	f.width = f.first + t->ncols;
	ms_buf_init(&f.scratch, (size_t)1 << 31);
	ms_buf_init(&f.kbuf, (size_t)1 << 31);
	f.v1 = calloc(n, sizeof(*f.v1));
	f.v2 = calloc(n, sizeof(*f.v2));
	f.l1 = calloc(n, sizeof(*f.l1));
	f.l2 = calloc(n, sizeof(*f.l2));
	rc = f.v1 && f.v2 && f.l1 && f.l2 ? 0
					  : df_fail(&f, MS_ENOMEM, "starting");
	if (!rc)
		rc = t->keyless ? df_keyless(&f, &got)
				: df_keyed(&f, lo, hi, &got);
	/* nothing reaches <out> unless all of it does */
	if (!rc && got.n && df_diffs_reserve(out, got.n))
		rc = df_fail(&f, MS_ENOMEM, "reporting rows");
	if (!rc && got.n) {
		memcpy(out->v + out->n, got.v, got.n * sizeof(*got.v));
		out->n += got.n;
		got.n = 0;
	}
	vf_diffs_free(&got, t->ncols);
	ms_buf_free(&f.scratch);
	ms_buf_free(&f.kbuf);
	free(f.v1);
	free(f.v2);
	free(f.l1);
	free(f.l2);
	return rc;
}

/* The row-level diff of a keyless table: both sides as multisets of
 * whole rows (identical rows counted), missing and extra only; passes
 * repeat while they find something new, up to o->rechecks times. */
#include <stdlib.h>
#include <string.h>

#include "verify/diff_int.h"

/* ---- keyless tables --------------------------------------------------------
 */

struct keyless_ctx {
	struct vf_rowset *truth, *extra;
	uint64_t rows;
};

static int keyless_match(struct df *f, void *ctx, const char *const *vals,
			 const size_t *lens)
{
	struct keyless_ctx *m = ctx;
	struct same_ctx same = {f, vals, lens};
	struct vf_digest d;
	size_t i;
	int rc;

	if (++m->rows > DF_KEYLESS_MAX_ROWS) {
		struct load_ctx c = {.max = DF_KEYLESS_MAX_ROWS,
				     .side = "replica"};

		return df_too_many(f, &c);
	}
	rc = df_row_key(f, vals, lens, &d);
	if (rc)
		return rc;
	i = vf_rowset_find(m->truth, f->kbuf.ptr, f->kbuf.len, df_same_values,
			   &same);
	if (i != SIZE_MAX) {
		m->truth->rows[i].used++;
		return 0;
	}
	rc = vf_rowset_add(m->extra, f->kbuf.ptr, f->kbuf.len, &d, vals, lens,
			   f->t->ncols, df_same_values, &same, NULL);
	return rc ? df_fail(f, rc, "keeping rows") : 0;
}

/* The differences of one keyless pass as a sorted list of (kind, row
 * digest, count), to tell whether a pass found the same as the last. */
static int keyless_sig(const struct vf_rowset *ts, const struct vf_rowset *xs,
		       struct ms_buf *sig)
{
	size_t i;
	int rc = 0;

	ms_buf_reset(sig);
	for (i = 0; !rc && i < ts->n; i++) {
		uint64_t left = ts->rows[i].count - ts->rows[i].used;

		if (!left)
			continue;
		rc = ms_buf_add(sig, &ts->rows[i].d, sizeof(ts->rows[i].d));
		rc = rc ? rc : ms_buf_add(sig, &left, sizeof(left));
	}
	rc = rc ? rc : ms_buf_addc(sig, '|');
	for (i = 0; !rc && i < xs->n; i++) {
		rc = ms_buf_add(sig, &xs->rows[i].d, sizeof(xs->rows[i].d));
		rc = rc ? rc
			: ms_buf_add(sig, &xs->rows[i].count,
				     sizeof(xs->rows[i].count));
	}
	return rc;
}

static int keyless_pass(struct df *f, struct vf_rowset *ts,
			struct vf_rowset *xs)
{
	struct load_ctx lc = {
	    .set = ts, .max = DF_KEYLESS_MAX_ROWS, .side = "truth"};
	struct keyless_ctx kc = {.truth = ts, .extra = xs};
	struct ms_buf q;
	int rc;

	vf_rowset_init(ts, true, DF_VALS_CAP);
	vf_rowset_init(xs, true, DF_VALS_CAP);
	ms_buf_init(&q, (size_t)64 << 20);
	rc = df_select_head(f, f->ts, &q);
	rc = rc ? df_fail(f, rc, "building the query")
		: df_stream(f, f->truth, ms_buf_str(&q), df_load_row, &lc);
	rc = rc ? rc : df_settle(f);
	ms_buf_reset(&q);
	rc = rc ? rc : df_select_head(f, f->ps, &q);
	rc = rc ? rc
		: df_stream(f, f->replica, ms_buf_str(&q), keyless_match, &kc);
	ms_buf_free(&q);
	return rc;
}

static int emit_row(struct df *f, enum ms_verify_kind kind,
		    const struct vf_rowset *s, size_t idx, struct vf_diffs *out)
{
	size_t n = f->t->ncols, i;
	const char **v = calloc(n + 1, sizeof(*v));
	size_t *l = calloc(n + 1, sizeof(*l));
	struct vf_diff d = {.kind = kind};
	struct ms_buf text;
	int rc = v && l ? 0 : MS_ENOMEM;

	ms_buf_init(&text, (size_t)1 << 30);
	rc = rc ? rc : vf_rowset_values(s, idx, n, v, l);
	rc = rc ? rc : vf_row_text(f->t->cols, n, v, l, &text);
	d.key_text = rc ? NULL : ms_buf_take(&text);
	d.row = rc ? NULL : calloc(n + 1, sizeof(*d.row));
	d.row_lens = rc ? NULL : calloc(n + 1, sizeof(*d.row_lens));
	if (!rc && (!d.key_text || !d.row || !d.row_lens))
		rc = MS_ENOMEM;
	for (i = 0; !rc && i < n; i++) {
		d.row_lens[i] = l[i];
		if (v[i] && !(d.row[i] = malloc(l[i] + 1)))
			rc = MS_ENOMEM;
		else if (v[i]) {
			memcpy(d.row[i], v[i], l[i]);
			d.row[i][l[i]] = '\0';
		}
	}
	rc = rc ? rc : df_diffs_push(out, &d);
	if (rc)
		df_diff_free(&d, n);
	ms_buf_free(&text);
	free(v);
	free(l);
	return rc ? df_fail(f, rc, "reporting a row") : 0;
}

int df_keyless(struct df *f, struct vf_diffs *out)
{
	unsigned int rounds = f->r->o->rechecks, k;
	struct vf_rowset ts, xs;
	struct ms_buf sig, last;
	uint64_t j;
	size_t i;
	int rc = 0;

	ms_buf_init(&sig, (size_t)1 << 30);
	ms_buf_init(&last, (size_t)1 << 30);
	memset(&ts, 0, sizeof(ts));
	memset(&xs, 0, sizeof(xs));
	/* the first pass, then again while it finds something new */
	for (k = 0; !rc && k <= rounds; k++) {
		vf_rowset_free(&ts);
		vf_rowset_free(&xs);
		rc = keyless_pass(f, &ts, &xs);
		if (!rc && keyless_sig(&ts, &xs, &sig))
			rc = df_fail(f, MS_ENOMEM, "comparing passes");
		if (rc || sig.len == 1 ||
		    (k && sig.len == last.len &&
		     !memcmp(sig.ptr, last.ptr, sig.len)))
			break;
		ms_buf_reset(&last);
		if (ms_buf_add(&last, sig.ptr, sig.len))
			rc = df_fail(f, MS_ENOMEM, "comparing passes");
	}
	for (i = 0; !rc && i < ts.n; i++)
		for (j = ts.rows[i].used; !rc && j < ts.rows[i].count; j++)
			rc = emit_row(f, MS_VERIFY_MISSING, &ts, i, out);
	for (i = 0; !rc && i < xs.n; i++)
		for (j = 0; !rc && j < xs.rows[i].count; j++)
			rc = emit_row(f, MS_VERIFY_EXTRA, &xs, i, out);
	vf_rowset_free(&ts);
	vf_rowset_free(&xs);
	ms_buf_free(&sig);
	ms_buf_free(&last);
	return rc;
}

/* The row-level diff of a keyed table's range: the truth side's rows
 * are read in key order into a map from key bytes to a digest of the
 * row's canonical values, the replica side's rows are matched against it
 * as they stream in, and the keys that differ become candidates.
 * Candidates are then read again by key, both sides, with their values,
 * compared column by column, settled against live changes and kept only
 * while they still differ. */
#include <stdlib.h>
#include <string.h>

#include "verify/diff_int.h"

#define DF_BATCH_KEYS	   1000
#define DF_BATCH_KEY_BYTES ((size_t)512 << 10)

/* A key that differed in the first read, while it is re-read. */
struct df_cand {
	uint64_t gap, seq; /* output order: see sort_cands */
	size_t koff, klen; /* encoded key in df_cands.keys */
	enum ms_verify_kind kind;
	struct vf_digest state; /* kind and both rows' digests */
	char *columns;		/* DIFFERENT, once read by key; owned */
	bool settled, gone;
};

struct df_cands {
	struct df_cand *v;
	size_t n, cap;
	struct ms_buf keys;
};

/* ---- candidates -----------------------------------------------------------
 */

static struct vf_digest state_of(enum ms_verify_kind kind,
				 const struct vf_digest *dt,
				 const struct vf_digest *dp)
{
	static const struct vf_digest none = {0, 0};
	struct vf_digest s;
	unsigned char k = (unsigned char)kind;

	vf_digest_init(&s, 0x7374);
	vf_digest_add(&s, &k, 1);
	vf_digest_add(&s, dt ? dt : &none, sizeof(*dt));
	vf_digest_add(&s, dp ? dp : &none, sizeof(*dp));
	return s;
}

static int cand_add(struct df_cands *cs, const char *key, size_t klen,
		    enum ms_verify_kind kind, uint64_t gap, uint64_t seq,
		    struct vf_digest state)
{
	struct df_cand *c;
	int rc;

	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 64;
		struct df_cand *v = realloc(cs->v, cap * sizeof(*v));

		if (!v)
			return MS_ENOMEM;
		cs->v = v;
		cs->cap = cap;
	}
	c = &cs->v[cs->n];
	memset(c, 0, sizeof(*c));
	c->koff = cs->keys.len;
	c->klen = klen;
	rc = ms_buf_add(&cs->keys, key, klen);
	if (rc)
		return rc;
	c->kind = kind;
	c->gap = gap;
	c->seq = seq;
	c->state = state;
	cs->n++;
	return 0;
}

static void cands_free(struct df_cands *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		free(cs->v[i].columns);
	free(cs->v);
	ms_buf_free(&cs->keys);
	memset(cs, 0, sizeof(*cs));
}

/* Orders two values of one key part the way the server orders the key,
 * or close: numbers by value, anything else by bytes (exact for binary
 * strings and temporal text, the binary collation's order for character
 * strings). */
static int cmp_num(const char *a, size_t al, const char *b, size_t bl)
{
	bool na = al && a[0] == '-', nb = bl && b[0] == '-';
	size_t ia, ib, i;
	int c = 0;

	if (memchr(a, 'e', al) || memchr(a, 'E', al) || memchr(b, 'e', bl) ||
	    memchr(b, 'E', bl)) {
		double x = strtod(a, NULL), y = strtod(b, NULL);

		return x < y ? -1 : x > y;
	}
	if (na != nb)
		return na ? -1 : 1;
	a += na, al -= na, b += nb, bl -= nb;
	while (al > 1 && a[0] == '0' && a[1] != '.')
		a++, al--;
	while (bl > 1 && b[0] == '0' && b[1] != '.')
		b++, bl--;
	ia = strcspn(a, ".");
	ib = strcspn(b, ".");
	ia = ia < al ? ia : al;
	ib = ib < bl ? ib : bl;
	if (ia != ib)
		c = ia < ib ? -1 : 1;
	else
		c = memcmp(a, b, ia);
	for (i = 0; !c && (ia + i < al || ib + i < bl); i++) {
		char x = ia + i < al ? a[ia + i] : '0';
		char y = ib + i < bl ? b[ib + i] : '0';

		c = (x > y) - (x < y);
	}
	return na ? -c : c;
}

static int cmp_keys(const struct ms_key *k, const char *x, size_t xl,
		    const char *y, size_t yl)
{
	const char *xv[MS_KEY_MAX_PARTS], *yv[MS_KEY_MAX_PARTS];
	size_t xls[MS_KEY_MAX_PARTS], yls[MS_KEY_MAX_PARTS], i;
	int c = 0;

	if (vf_key_decode(x, xl, k->n, xv, xls) ||
	    vf_key_decode(y, yl, k->n, yv, yls))
		return 0;
	for (i = 0; !c && i < k->n; i++) {
		size_t n = xls[i] < yls[i] ? xls[i] : yls[i];

		if (!xv[i] || !yv[i]) {
			c = !xv[i] - !yv[i];
		} else if (k->parts[i].lit == MS_KEY_LIT_NUM) {
			c = cmp_num(xv[i], xls[i], yv[i], yls[i]);
		} else {
			c = memcmp(xv[i], yv[i], n);
			if (!c && xls[i] != yls[i])
				c = xls[i] < yls[i] ? -1 : 1;
		}
	}
	return c;
}

/* By gap, then each side in its own read order: missing rows in the
 * truth side's, extra rows in the replica side's. */
static int cmp_cand(const void *a, const void *b)
{
	const struct df_cand *x = a, *y = b;
	bool xe = x->kind == MS_VERIFY_EXTRA, ye = y->kind == MS_VERIFY_EXTRA;

	if (x->gap != y->gap)
		return x->gap < y->gap ? -1 : 1;
	if (xe != ye)
		return xe ? 1 : -1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Output order. Truth rows come in the truth side's key order and
 * replica rows in the replica side's; the rows found on both sides
 * anchor them: a row that differs takes its truth row's place (even gap
 * 2 * (i + 1)), and the missing and extra rows between two anchors share
 * the odd gap after the first one. There the two runs, each in its
 * server's order, are merged by their key values (cmp_keys), so only
 * their interleaving is approximate. */
static int sort_cands(const struct df *f, struct df_cands *cs)
{
	struct df_cand *v = calloc(cs->n + 1, sizeof(*v));
	const struct ms_key *k = &f->t->s.key;
	size_t i = 0, j, a, b, e, n = 0;

	if (!v)
		return MS_ENOMEM;
	if (!cs->n) {
		free(v);
		return 0;
	}
	qsort(cs->v, cs->n, sizeof(*cs->v), cmp_cand);
	while (i < cs->n) {
		for (e = i; e < cs->n && cs->v[e].gap == cs->v[i].gap; e++)
			;
		for (b = i; b < e && cs->v[b].kind != MS_VERIFY_EXTRA; b++)
			;
		/* [i, b): missing or different, [b, e): extra */
		for (a = i, j = b; a < b || j < e;) {
			const struct df_cand *x = &cs->v[a], *y = &cs->v[j];

			if (j == e ||
			    (a < b &&
			     cmp_keys(k, cs->keys.ptr + x->koff, x->klen,
				      cs->keys.ptr + y->koff, y->klen) <= 0))
				v[n++] = cs->v[a++];
			else
				v[n++] = cs->v[j++];
		}
		i = e;
	}
	memcpy(cs->v, v, cs->n * sizeof(*v));
	free(v);
	return 0;
}

struct match_ctx {
	struct vf_rowset *truth;
	struct df_cands *cands;
	uint64_t rows, last; /* replica rows read; 1 + last truth matched */
	uint64_t max;
};

/* First read, replica side: each row against the truth rows. */
static int match_row(struct df *f, void *ctx, const char *const *vals,
		     const size_t *lens)
{
	struct match_ctx *m = ctx;
	struct vf_rowrec *tr;
	struct vf_digest d;
	size_t i;
	int rc;

	if (++m->rows > m->max) {
		struct load_ctx c = {.max = m->max, .side = "replica"};

		return df_too_many(f, &c);
	}
	rc = df_row_key(f, vals, lens, &d);
	if (rc)
		return rc;
	i = vf_rowset_find(m->truth, f->kbuf.ptr, f->kbuf.len, NULL, NULL);
	if (i == SIZE_MAX)
		rc = cand_add(m->cands, f->kbuf.ptr, f->kbuf.len,
			      MS_VERIFY_EXTRA, 2 * m->last + 1, m->rows,
			      state_of(MS_VERIFY_EXTRA, NULL, &d));
	else {
		tr = &m->truth->rows[i];
		tr->used++;
		m->last = (uint64_t)i + 1;
		if (!vf_digest_eq(&tr->d, &d))
			rc =
			    cand_add(m->cands, f->kbuf.ptr, f->kbuf.len,
				     MS_VERIFY_DIFFERENT, 2 * m->last, 0,
				     state_of(MS_VERIFY_DIFFERENT, &tr->d, &d));
	}
	return rc ? df_fail(f, rc, "keeping differing keys") : 0;
}

/* The first read of a keyed range: the candidates, in output order. */
static int first_read(struct df *f, const char *const lits[2][2],
		      struct df_cands *cs)
{
	struct vf_rowset tset;
	struct load_ctx lc = {
	    .set = &tset, .max = DF_KEYED_MAX_ROWS, .side = "truth"};
	struct match_ctx mc = {
	    .truth = &tset, .cands = cs, .max = DF_KEYED_MAX_ROWS};
	const struct vf_side *sides[2] = {f->ts, f->ps};
	struct ms_buf q[2];
	uint64_t last;
	size_t i;
	int rc = 0, k;

	for (k = 0; k < 2; k++) {
		ms_buf_init(&q[k], (size_t)64 << 20);
		rc = rc ? rc : df_select_head(f, sides[k], &q[k]);
		rc = rc ? rc
			: ms_key_range(&sides[k]->key, lits[k][0], lits[k][1],
				       &q[k]);
		rc = rc ? rc : ms_buf_addstr(&q[k], " ORDER BY ");
		rc = rc ? rc : ms_key_exprs(&sides[k]->key, true, &q[k]);
	}
	vf_rowset_init(&tset, false, 0);
	if (rc)
		rc = df_fail(f, rc, "building the range query");
	rc = rc ? rc
		: df_stream(f, f->truth, ms_buf_str(&q[0]), df_load_row, &lc);
	rc = rc ? rc : df_settle(f);
	rc = rc ? rc
		: df_stream(f, f->replica, ms_buf_str(&q[1]), match_row, &mc);
	for (i = 0, last = 0; !rc && i < tset.n; i++) {
		const struct vf_rowrec *tr = &tset.rows[i];

		if (tr->used) {
			last = (uint64_t)i + 1;
			continue;
		}
		rc = cand_add(cs, tset.keys.ptr + tr->koff, tr->klen,
			      MS_VERIFY_MISSING, 2 * last + 1, i,
			      state_of(MS_VERIFY_MISSING, &tr->d, NULL));
		if (rc)
			rc = df_fail(f, rc, "keeping differing keys");
	}
	if (!rc && sort_cands(f, cs))
		rc = df_fail(f, MS_ENOMEM, "ordering differing keys");
	vf_rowset_free(&tset);
	ms_buf_free(&q[0]);
	ms_buf_free(&q[1]);
	return rc;
}

/* ---- re-reads by key -------------------------------------------------------
 */

/* The names of the columns whose values differ, "a,b", or NULL. */
static int diff_columns(struct df *f, const char **tv, const size_t *tl,
			const char **pv, const size_t *pl, char **out)
{
	struct ms_buf b;
	size_t i;
	int rc = 0;

	*out = NULL;
	ms_buf_init(&b, (size_t)1 << 20);
	for (i = 0; !rc && i < f->t->ncols; i++) {
		if (vf_value_equal(f->t->cols[i].cmp, tv[i], tl[i], pv[i],
				   pl[i]))
			continue;
		rc = b.len ? ms_buf_addc(&b, ',') : 0;
		rc = rc ? rc : ms_buf_addstr(&b, f->t->cols[i].src->name);
	}
	if (!rc && b.len && !(*out = ms_buf_take(&b)))
		rc = MS_ENOMEM;
	ms_buf_free(&b);
	return rc;
}

/* One candidate against its rows as just read (SIZE_MAX: none). */
static int recheck_one(struct df *f, struct df_cand *c,
		       const struct vf_rowset *ts, size_t ti,
		       const struct vf_rowset *ps, size_t pi)
{
	size_t n = f->t->ncols;
	enum ms_verify_kind kind;
	struct vf_digest st;
	char *cols = NULL;
	int rc = 0;

	if (ti == SIZE_MAX && pi == SIZE_MAX) {
		c->gone = true; /* deleted on both sides meanwhile */
		return 0;
	}
	kind = ti == SIZE_MAX	? MS_VERIFY_EXTRA
	       : pi == SIZE_MAX ? MS_VERIFY_MISSING
				: MS_VERIFY_DIFFERENT;
	if (kind == MS_VERIFY_DIFFERENT) {
		rc = vf_rowset_values(ts, ti, n, f->v1, f->l1);
		rc = rc ? rc : vf_rowset_values(ps, pi, n, f->v2, f->l2);
		rc = rc ? rc
			: diff_columns(f, f->v1, f->l1, f->v2, f->l2, &cols);
		if (rc)
			return df_fail(f, rc, "comparing rows");
		if (!cols) {
			c->gone = true; /* equal now */
			return 0;
		}
	}
	st = state_of(kind, ti == SIZE_MAX ? NULL : &ts->rows[ti].d,
		      pi == SIZE_MAX ? NULL : &ps->rows[pi].d);
	c->settled = c->kind == kind && vf_digest_eq(&c->state, &st);
	c->kind = kind;
	c->state = st;
	free(c->columns);
	c->columns = cols;
	return 0;
}

/* Re-reads the candidates <ix> (n of them) on both sides, settled. */
static int recheck_batch(struct df *f, struct df_cands *cs, const size_t *ix,
			 size_t n)
{
	const char **keys = calloc(n + 1, sizeof(*keys));
	size_t *klens = calloc(n + 1, sizeof(*klens)), i;
	struct vf_rowset set[2];
	struct load_ctx lc[2] = {
	    {.set = &set[0], .max = DF_KEYED_MAX_ROWS, .side = "truth"},
	    {.set = &set[1], .max = DF_KEYED_MAX_ROWS, .side = "replica"}};
	const struct vf_side *sides[2] = {f->ts, f->ps};
	struct ms_db *dbs[2] = {f->truth, f->replica};
	struct ms_buf q;
	int rc = keys && klens ? 0 : MS_ENOMEM, k;

	for (i = 0; !rc && i < n; i++) {
		keys[i] = cs->keys.ptr + cs->v[ix[i]].koff;
		klens[i] = cs->v[ix[i]].klen;
	}
	vf_rowset_init(&set[0], true, DF_VALS_CAP);
	vf_rowset_init(&set[1], true, DF_VALS_CAP);
	ms_buf_init(&q, (size_t)64 << 20);
	for (k = 0; !rc && k < 2; k++) {
		ms_buf_reset(&q);
		rc = df_select_head(f, sides[k], &q);
		rc = rc ? rc : ms_buf_addstr(&q, " WHERE ");
		rc = rc ? rc : vf_key_in(&sides[k]->key, keys, klens, n, &q);
		if (rc) {
			rc = df_fail(f, rc, "building the by-key query");
			break;
		}
		rc = df_stream(f, dbs[k], ms_buf_str(&q), df_load_row, &lc[k]);
		if (!rc && k == 0)
			rc = df_settle(f);
	}
	for (i = 0; !rc && i < n; i++) {
		const char *key = keys[i];
		size_t ti = vf_rowset_find(&set[0], key, klens[i], NULL, NULL);
		size_t pi = vf_rowset_find(&set[1], key, klens[i], NULL, NULL);

		rc = recheck_one(f, &cs->v[ix[i]], &set[0], ti, &set[1], pi);
	}
	vf_rowset_free(&set[0]);
	vf_rowset_free(&set[1]);
	ms_buf_free(&q);
	free(keys);
	free(klens);
	return rc;
}

/* Drops the candidates that went away, keeping the order. */
static void cands_compact(struct df_cands *cs)
{
	size_t i, j = 0;

	for (i = 0; i < cs->n; i++) {
		if (cs->v[i].gone) {
			free(cs->v[i].columns);
			continue;
		}
		cs->v[j++] = cs->v[i];
	}
	cs->n = j;
}

/* Rounds of re-reads: every candidate at least once (which names the
 * differing columns), then again while its state (kind and both rows)
 * still changes from one read to the next, up to o->rechecks reads. */
static int recheck(struct df *f, struct df_cands *cs)
{
	unsigned int rounds = f->r->o->rechecks ? f->r->o->rechecks : 1, k;
	size_t *ix = calloc(DF_BATCH_KEYS, sizeof(*ix));
	int rc = ix ? 0 : df_fail(f, MS_ENOMEM, "re-reading rows");

	for (k = 0; !rc && k < rounds; k++) {
		size_t i = 0, n, bytes;
		bool any = false;

		while (!rc && i < cs->n) {
			for (n = 0, bytes = 0; i < cs->n && n < DF_BATCH_KEYS &&
					       bytes < DF_BATCH_KEY_BYTES;
			     i++) {
				if (k && cs->v[i].settled)
					continue;
				ix[n++] = i;
				bytes += cs->v[i].klen;
			}
			any = any || n;
			rc = n ? recheck_batch(f, cs, ix, n) : 0;
		}
		cands_compact(cs);
		if (!any)
			break;
	}
	free(ix);
	return rc;
}

/* ---- output ------------------------------------------------------------- */

static int emit_keyed(struct df *f, const struct df_cands *cs,
		      struct df_cand *c, struct vf_diffs *out)
{
	const char *vals[MS_KEY_MAX_PARTS];
	size_t lens[MS_KEY_MAX_PARTS];
	struct vf_diff d = {.kind = c->kind};
	struct ms_buf lits, text;
	int rc;

	ms_buf_init(&lits, (size_t)1 << 30);
	ms_buf_init(&text, (size_t)1 << 30);
	rc = vf_key_decode(cs->keys.ptr + c->koff, c->klen, f->nk, vals, lens);
	rc = rc ? rc : ms_key_literals(&f->t->s.key, vals, lens, &lits);
	rc = rc ? rc : vf_key_text(&f->t->s.key, vals, lens, &text);
	d.key_lits = rc ? NULL : ms_buf_take(&lits);
	d.key_text = rc ? NULL : ms_buf_take(&text);
	if (!rc && (!d.key_lits || !d.key_text))
		rc = MS_ENOMEM;
	if (!rc) {
		d.columns = c->columns;
		rc = df_diffs_push(out, &d);
	}
	if (rc) {
		free(d.key_lits);
		free(d.key_text);
	} else {
		c->columns = NULL; /* moved */
	}
	ms_buf_free(&lits);
	ms_buf_free(&text);
	return rc ? df_fail(f, rc, "reporting a row") : 0;
}

int df_keyed(struct df *f, const char *lo, const char *hi, struct vf_diffs *out)
{
	const char *g_lits[2] = {NULL, NULL}, *lits[2][2];
	struct ms_buf raw, glits[2];
	const char *vals[MS_KEY_MAX_PARTS];
	size_t lens[MS_KEY_MAX_PARTS], i;
	struct df_cands cs;
	int rc = 0, k;

	memset(&cs, 0, sizeof(cs));
	ms_buf_init(&cs.keys, (size_t)1 << 32);
	ms_buf_init(&raw, (size_t)1 << 30);
	/* the target side's literals for the same raw values */
	for (k = 0; k < 2; k++) {
		const char *b = k ? hi : lo;

		ms_buf_init(&glits[k], (size_t)1 << 30);
		if (!b || rc)
			continue;
		rc = vf_lits_decode(&f->t->s.key, b, &raw, vals, lens);
		rc = rc ? rc
			: ms_key_literals(&f->t->g.key, vals, lens, &glits[k]);
		g_lits[k] = ms_buf_str(&glits[k]);
	}
	if (rc)
		rc = df_fail(f, rc, "reading the range bounds");
	lits[0][0] = f->ts == &f->t->s ? lo : g_lits[0];
	lits[0][1] = f->ts == &f->t->s ? hi : g_lits[1];
	lits[1][0] = f->ps == &f->t->s ? lo : g_lits[0];
	lits[1][1] = f->ps == &f->t->s ? hi : g_lits[1];
	rc = rc ? rc : first_read(f, lits, &cs);
	rc = rc ? rc : (cs.n ? recheck(f, &cs) : 0);
	for (i = 0; !rc && i < cs.n; i++)
		rc = emit_keyed(f, &cs, &cs.v[i], out);
	cands_free(&cs);
	ms_buf_free(&raw);
	ms_buf_free(&glits[0]);
	ms_buf_free(&glits[1]);
	return rc;
}

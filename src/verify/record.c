/* What a checked chunk adds to the run: counts, the listed and printed
 * differences, the verify_chunks and verify_diffs rows, and what --repair
 * keeps (within --repair-max). See engine.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "verify/engine.h"

#define VF_CHUNK_BATCH 200 /* verify_chunks rows per INSERT */

/* Kinds are about the replica side: the target, or the source with
 * --reverse (docs/verify.md). */
static const char *kind_label(enum ms_verify_kind k, bool reverse)
{
	if (k == MS_VERIFY_MISSING)
		return reverse ? "missing on source" : "missing on target";
	if (k == MS_VERIFY_EXTRA)
		return reverse ? "extra on source" : "extra on target";
	return "different";
}

void vf_print_diff(struct vf_engine *e, const struct vf_table *t,
		   const struct vf_diff *d, const char *prefix)
{
	FILE *f = e->o.diff_out;
	bool renamed = strcmp(t->src_name, t->tgt_name) != 0;
	struct ms_buf cols;
	size_t i;

	if (!f)
		return;
	ms_buf_init(&cols, (size_t)1 << 20);
	for (i = 0; d->columns && d->columns[i]; i++)
		if (ms_buf_addstr(&cols, d->columns[i] == ',' ? ", " : "") ||
		    (d->columns[i] != ',' && ms_buf_addc(&cols, d->columns[i])))
			break;
	ms_print_safe(f, "%s%s: %s%s%s %s%s%s%s\n", prefix,
		      kind_label(d->kind, e->o.reverse), t->src_name,
		      renamed ? " -> " : "", renamed ? t->tgt_name : "",
		      d->key_text ? d->key_text : "(no key)",
		      d->kind == MS_VERIFY_DIFFERENT ? " (" : "",
		      d->kind == MS_VERIFY_DIFFERENT ? ms_buf_str(&cols) : "",
		      d->kind == MS_VERIFY_DIFFERENT ? ")" : "");
	ms_buf_free(&cols);
}

void vf_count_diff(struct ms_verify_counts *c, enum ms_verify_kind k)
{
	if (k == MS_VERIFY_MISSING)
		c->missing_on_target++;
	else if (k == MS_VERIFY_EXTRA)
		c->extra_on_target++;
	else
		c->different++;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Under r.mu: copies <d> into res->diffs while there is room. Returns its
 * index, or SIZE_MAX. */
static size_t list_diff(struct vf_engine *e, const struct vf_table *t,
			const struct vf_diff *d)
{
	struct ms_verify_result *res = e->r.res;
	struct ms_verify_diff *v;

	if (res->ndiffs >= MS_VERIFY_MAX_LISTED)
		return SIZE_MAX;
	if (!res->diffs) {
		res->diffs = calloc(MS_VERIFY_MAX_LISTED, sizeof(*res->diffs));
		if (!res->diffs)
			return SIZE_MAX;
	}
	v = &res->diffs[res->ndiffs];
	v->source_table = strdup(t->src_name);
	v->target_table = strdup(t->tgt_name);
	v->kind = d->kind;
	v->key = strdup(d->key_text ? d->key_text : "");
	v->columns = dup_or_null(d->columns);
	v->repaired = d->repaired;
	if (!v->source_table || !v->target_table || !v->key ||
	    (d->columns && !v->columns)) {
		free(v->source_table);
		free(v->target_table);
		free(v->key);
		free(v->columns);
		memset(v, 0, sizeof(*v));
		return SIZE_MAX;
	}
	return res->ndiffs++;
}

/* Under r.mu: --repair-max is exceeded, nothing will be repaired: what
 * was kept for it goes. */
static void drop_kept(struct vf_engine *e)
{
	size_t i;

	e->keep = false;
	for (i = 0; i < e->r.ntables; i++) {
		struct vf_tstate *ts = &e->ts[i];

		vf_diffs_free(&ts->kept, e->r.tables[i].ncols);
		memset(&ts->kept, 0, sizeof(ts->kept));
		free(ts->listed);
		free(ts->seqs);
		ts->listed = NULL;
		ts->seqs = NULL;
	}
}

static int grow(void **p, size_t n, size_t size)
{
	void *q = realloc(*p, (n ? n : 1) * size);

	if (!q)
		return MS_ENOMEM;
	*p = q;
	return 0;
}

/* Under r.mu: moves the diffs of <oc> into the table's kept list, and the
 * chunk into its re-verify list. */
static int keep(struct vf_engine *e, struct vf_tstate *ts, uint64_t seq,
		const struct vf_range *rg, struct vf_diffs *d,
		const size_t *listed, uint64_t seq0)
{
	struct vf_redo *rd = calloc(1, sizeof(*rd));
	size_t n = ts->kept.n + d->n, i;

	if (!rd || vf_range_copy(&rd->rg, rg)) {
		free(rd);
		return MS_ENOMEM;
	}
	rd->seq = seq;
	rd->next = ts->redo;
	ts->redo = rd;
	if (!d->n)
		return 0;
	if (grow((void **)&ts->kept.v, n, sizeof(*ts->kept.v)) ||
	    grow((void **)&ts->listed, n, sizeof(*ts->listed)) ||
	    grow((void **)&ts->seqs, n, sizeof(*ts->seqs)))
		return MS_ENOMEM;
	for (i = 0; i < d->n; i++) {
		ts->kept.v[ts->kept.n + i] = d->v[i];
		ts->listed[ts->kept.n + i] = listed[i];
		ts->seqs[ts->kept.n + i] = seq0 + i;
	}
	ts->kept.n = ts->kept.cap = n;
	free(d->v);
	memset(d, 0, sizeof(*d));
	return 0;
}

static const char *chunk_state(const struct vf_outcome *oc)
{
	if (oc->equal)
		return oc->first_equal ? "match" : "settled";
	return oc->diffs.n || oc->diff_failed ? "mismatch" : "settled";
}

/* Under r.mu: counts, lists, prints; keeps for --repair. */
static int account(struct vf_engine *e, struct vf_table *t, uint64_t seq,
		   const struct vf_range *rg, struct vf_outcome *oc,
		   uint64_t seq0)
{
	struct ms_verify_result *res = e->r.res;
	struct vf_tstate *ts = &e->ts[t - e->r.tables];
	bool mismatch = !strcmp(chunk_state(oc), "mismatch");
	size_t *listed = NULL, i;
	int rc = 0;

	res->chunks++;
	res->rows_checked += oc->source_rows;
	res->rechecks += oc->rechecks;
	t->chunks++;
	t->rows += oc->source_rows;
	vf_adapt(e, ts, oc->source_rows, oc->truth_secs, rg);
	if (!mismatch)
		return 0;
	res->found.mismatched_chunks++;
	t->found.mismatched_chunks++;
	if (oc->diffs.n && !(listed = calloc(oc->diffs.n, sizeof(*listed))))
		return MS_ENOMEM;
	for (i = 0; i < oc->diffs.n; i++) {
		const struct vf_diff *d = &oc->diffs.v[i];

		vf_count_diff(&res->found, d->kind);
		vf_count_diff(&t->found, d->kind);
		listed[i] = list_diff(e, t, d);
		vf_print_diff(e, t, d, "");
	}
	if (oc->diff_failed && e->o.diff_out)
		ms_print_safe(e->o.diff_out,
			      "mismatched chunk: %s rows (%s, %s]: %" PRIu64
			      " on the source, %" PRIu64
			      " on the target (the row-level diff is not "
			      "available)\n",
			      t->src_name, rg->lo_s ? rg->lo_s : "-inf",
			      rg->hi_s ? rg->hi_s : "+inf", oc->s.rows,
			      oc->g.rows);
	e->diffs_total += oc->diffs.n;
	if (e->keep && e->diffs_total > e->o.repair_max)
		drop_kept(e);
	if (e->keep)
		rc = keep(e, ts, seq, rg, &oc->diffs, listed, seq0);
	free(listed);
	return rc;
}

int vf_record_chunk(struct vf_engine *e, struct ms_db *tgt, struct vf_table *t,
		    uint64_t seq, const struct vf_range *rg,
		    struct vf_outcome *oc, struct ms_buf *batch, size_t *nbatch,
		    struct ms_err *err)
{
	uint64_t seq0;
	int rc;

	pthread_mutex_lock(&e->r.mu);
	seq0 = e->diff_seq + 1;
	e->diff_seq += oc->diffs.n;
	pthread_mutex_unlock(&e->r.mu);
	rc = oc->diffs.n ? vf_control_diffs(e, tgt, t, &oc->diffs, seq0, err)
			 : 0;
	rc = rc ? rc
		: vf_control_chunk_row(e, tgt, batch, t, seq, rg, oc,
				       chunk_state(oc));
	if (rc && !err->code)
		rc = MS_ERR(err, rc, "%s: recording chunk %" PRIu64 ": %s",
			    t->src_name, seq, ms_strerror(rc));
	if (!rc && ++*nbatch >= VF_CHUNK_BATCH)
		rc = vf_control_chunks_flush(e, tgt, batch, nbatch, err);
	if (!rc) {
		pthread_mutex_lock(&e->r.mu);
		rc = account(e, t, seq, rg, oc, seq0);
		pthread_mutex_unlock(&e->r.mu);
		if (rc)
			rc = MS_ERR(err, rc, "out of memory");
	}
	vf_diffs_free(&oc->diffs, t->ncols);
	memset(&oc->diffs, 0, sizeof(oc->diffs));
	return rc;
}

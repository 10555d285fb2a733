/* Chunk SQL and segment planning: see copy_int.h and
 * docs/copy.md ("Chunking"). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "copy/copy_int.h"
#include "core/log.h"
#include "db/quote.h"

int cp_chunk_sql(const struct cp_table *t, const char *from, const char *to,
		 uint64_t limit, bool lock, struct ms_buf *out)
{
	int rc = ms_buf_addf(out, "SELECT %s", t->select_list);

	if (!rc && t->key.n) {
		rc = ms_buf_addstr(out, ", ");
		if (!rc)
			rc = ms_key_exprs(&t->key, false, out);
	}
	if (!rc)
		rc = ms_buf_addf(out, " FROM %s", t->src_q);
	if (!rc && t->key.n)
		rc = ms_key_force_index(&t->key, out);
	if (!rc)
		rc = ms_key_range(&t->key, from, to, out);
	if (!rc && t->key.n) {
		rc = ms_buf_addstr(out, " ORDER BY ");
		if (!rc)
			rc = ms_key_exprs(&t->key, true, out);
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
			 t->key.parts[0].quoted, t->key.parts[0].quoted,
			 t->src_q);
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

int cp_plan_segment(struct cp_run *r, struct cp_table *t, struct ms_db *src,
		    struct ms_db *tgt, struct cp_segment **out,
		    struct ms_err *err)
{
	struct cp_segment *s;
	struct ms_buf hi;
	struct ms_buf *outs[1] = {&hi};
	const struct ms_key *as[1] = {&t->key};
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
	if (!rc && t->key.n == 0)
		; /* keyless: one segment, the whole table */
	else if (!rc && t->int_key)
		rc = int_next_hi(t, &hi);
	else if (!rc)
		rc = ms_key_next_boundary(&t->key, src, t->src_q, t->planned_hi,
					  t->seg_rows, as, outs, 1, err);
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

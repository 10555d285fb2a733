/* Key ranges and the checksum query: see engine.h and docs/verify.md
 * ("Chunks"). Boundaries come from the source's key: arithmetic from MIN
 * and MAX for an integer key, keyset (ORDER BY key LIMIT 1 OFFSET n-1)
 * for the others; the first range is unbounded below and the last above,
 * so rows outside the source's key span are compared too. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "verify/engine.h"

int vf_chunk_sql(const struct vf_side *sd, enum ms_verify_hash hash, bool whole,
		 const char *lo, const char *hi, struct ms_buf *out)
{
	int rc = ms_buf_addstr(out, "SELECT COUNT(*), COALESCE(BIT_XOR(");

	if (!rc && hash == MS_VERIFY_HASH_MD5)
		rc = ms_buf_addf(out,
				 "CAST(CONV(LEFT(MD5(CONCAT_WS('#', %s)), 16), "
				 "16, 10) AS UNSIGNED)",
				 sd->hash_args);
	else if (!rc)
		rc = ms_buf_addf(out, "CRC32(CRC32(CONCAT_WS('#', %s)))",
				 sd->hash_args);
	rc = rc ? rc : ms_buf_addf(out, "), 0) FROM %s", sd->q);
	if (!rc && !whole && sd->key.n) {
		rc = ms_key_force_index(&sd->key, out);
		rc = rc ? rc : ms_key_range(&sd->key, lo, hi, out);
	}
	return rc;
}

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;

	if (!v)
		return MS_ECORRUPT;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end || end == v ? MS_ECORRUPT : 0;
}

int vf_checksum(struct vf_run *r, struct vf_table *t, bool target,
		struct ms_db *db, bool whole, const struct vf_range *rg,
		struct vf_sum *out, struct ms_err *err)
{
	const struct vf_side *sd = target ? &t->g : &t->s;
	struct ms_db_result *res = NULL;
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, (size_t)1 << 30);
	rc = vf_chunk_sql(sd, r->o->hash, whole, target ? rg->lo_g : rg->lo_s,
			  target ? rg->hi_g : rg->hi_s, &q);
	if (rc) {
		ms_buf_free(&q);
		return MS_ERR(err, rc, "%s: checksum query too long", sd->q);
	}
	rc = ms_db_query(db, ms_buf_str(&q), &res, err);
	ms_buf_free(&q);
	if (rc)
		return ms_err_prefix(err, "checksum of %s", sd->q);
	if (parse_u64(ms_db_result_get(res, 0, 0), &out->rows) ||
	    parse_u64(ms_db_result_get(res, 0, 1), &out->hash))
		rc = MS_ERR(
		    err, MS_ECORRUPT,
		    "checksum of %s: unexpected result '%s', '%s'", sd->q,
		    ms_db_result_get(res, 0, 0) ? ms_db_result_get(res, 0, 0)
						: "NULL",
		    ms_db_result_get(res, 0, 1) ? ms_db_result_get(res, 0, 1)
						: "NULL");
	ms_db_result_free(res);
	return rc;
}

void vf_range_free(struct vf_range *rg)
{
	free(rg->lo_s);
	free(rg->hi_s);
	free(rg->lo_g);
	free(rg->hi_g);
	memset(rg, 0, sizeof(*rg));
}

static int dup_or_null(const char *s, char **out)
{
	*out = s ? strdup(s) : NULL;
	return s && !*out ? MS_ENOMEM : 0;
}

int vf_range_copy(struct vf_range *dst, const struct vf_range *src)
{
	int rc;

	memset(dst, 0, sizeof(*dst));
	rc = dup_or_null(src->lo_s, &dst->lo_s);
	rc = rc ? rc : dup_or_null(src->hi_s, &dst->hi_s);
	rc = rc ? rc : dup_or_null(src->lo_g, &dst->lo_g);
	rc = rc ? rc : dup_or_null(src->hi_g, &dst->hi_g);
	if (rc)
		vf_range_free(dst);
	return rc;
}

/* Integer keys: MIN and MAX once. An empty table is one open chunk; a
 * span that does not fit int64 falls back to keyset boundaries. */
static int int_init(struct vf_table *t, struct vf_tstate *ts, struct ms_db *src,
		    struct ms_err *err)
{
	struct ms_db_result *res = NULL;
	const char *k = t->s.key.parts[0].quoted;
	const char *mn, *mx;
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 4096);
	rc = ms_buf_addf(&q, "SELECT MIN(%s), MAX(%s) FROM %s", k, k, t->s.q);
	rc = rc ? MS_ERR(err, rc, "out of memory")
		: ms_db_query(src, ms_buf_str(&q), &res, err);
	ms_buf_free(&q);
	if (rc)
		return ms_err_prefix(err, "source table %s", t->s.q);
	mn = ms_db_result_get(res, 0, 0);
	mx = ms_db_result_get(res, 0, 1);
	ts->int_ready = true;
	if (!mn || !mx) {
		ts->int_empty = true;
	} else {
		errno = 0;
		ts->int_min = strtoll(mn, NULL, 10);
		ts->int_max = strtoll(mx, NULL, 10);
		if (errno == ERANGE || (ts->int_max > 0 && ts->int_min < 0 &&
					ts->int_max > INT64_MAX + ts->int_min))
			ts->int_key = false;
	}
	ms_db_result_free(res);
	return 0;
}

/* Key span per row: measured once chunks are done, else from the
 * estimate. At least 1 (the key is unique). */
static double int_density(const struct vf_table *t, const struct vf_tstate *ts)
{
	double d;

	if (ts->rows_done > 0)
		d = ts->span_done / ts->rows_done;
	else
		d = ((double)ts->int_max - (double)ts->int_min + 1) /
		    (double)(t->s.t->rows_estimate ? t->s.t->rows_estimate : 1);
	return d < 1 ? 1 : d;
}

/* The next arithmetic boundary after <prev> (the last hi, or min - 1 for
 * the first chunk); none (the last chunk, open above) past the maximum. */
static int int_next_hi(struct vf_table *t, struct vf_tstate *ts, uint64_t rows,
		       bool first, struct ms_buf *hi)
{
	double span = (double)rows * int_density(t, ts);
	int64_t prev = first ? ts->int_min - 1 : ts->int_next;
	int64_t step;

	if (ts->int_empty || prev >= ts->int_max)
		return 0;
	if (span < 1)
		span = 1;
	if (span >= (double)(ts->int_max - prev))
		return 0;
	step = (int64_t)span;
	ts->int_next = prev + step;
	return ms_buf_addf(hi, "%" PRId64, ts->int_next);
}

static int take_or_null(struct ms_buf *b, char **out)
{
	*out = b->len ? ms_buf_take(b) : NULL;
	return b->len && !*out ? MS_ENOMEM : 0;
}

int vf_plan_chunk(struct vf_engine *e, struct vf_table *t, struct ms_db *src,
		  struct vf_range *rg, uint64_t *seq, struct ms_err *err)
{
	struct vf_tstate *ts = &e->ts[t - e->r.tables];
	struct ms_buf hs, hg;
	struct ms_buf *outs[2] = {&hs, &hg};
	const struct ms_key *as[2] = {&t->s.key, &t->g.key};
	uint64_t rows;
	bool first;
	int rc = 0;

	memset(rg, 0, sizeof(*rg));
	pthread_mutex_lock(&e->r.mu);
	rows = ts->chunk_rows;
	first = !ts->started;
	if (first)
		ts->int_key = t->s.key.int_key;
	pthread_mutex_unlock(&e->r.mu);
	ms_buf_init(&hs, (size_t)1 << 30);
	ms_buf_init(&hg, (size_t)1 << 30);
	if (!ts->whole && ts->int_key && !ts->int_ready)
		rc = int_init(t, ts, src, err);
	if (rc || ts->whole)
		;
	else if (ts->int_key) {
		pthread_mutex_lock(&e->r.mu); /* the measured density */
		rc = int_next_hi(t, ts, rows, first, &hs);
		pthread_mutex_unlock(&e->r.mu);
		rc = rc ? rc : ms_buf_add(&hg, hs.ptr ? hs.ptr : "", hs.len);
		if (rc)
			rc = MS_ERR(err, rc, "out of memory");
	} else {
		rc = ms_key_next_boundary(&t->s.key, src, t->s.q, ts->next.lo_s,
					  rows, as, outs, 2, err);
	}
	if (!rc)
		rc = vf_range_copy(rg, &ts->next);
	if (!rc) {
		rc = take_or_null(&hs, &rg->hi_s);
		rc = rc ? rc : take_or_null(&hg, &rg->hi_g);
		rc = rc ? MS_ERR(err, rc, "out of memory") : 0;
	}
	ms_buf_free(&hs);
	ms_buf_free(&hg);
	if (rc) {
		vf_range_free(rg);
		return rc;
	}
	pthread_mutex_lock(&e->r.mu);
	free(ts->next.lo_s);
	free(ts->next.lo_g);
	ts->next.lo_s = rg->hi_s ? strdup(rg->hi_s) : NULL;
	ts->next.lo_g = rg->hi_g ? strdup(rg->hi_g) : NULL;
	if ((rg->hi_s && !ts->next.lo_s) || (rg->hi_g && !ts->next.lo_g))
		rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	ts->started = true;
	ts->plan_done = !rg->hi_s;
	*seq = ts->next_seq++;
	pthread_mutex_unlock(&e->r.mu);
	if (rc)
		vf_range_free(rg);
	return rc;
}

void vf_adapt(struct vf_engine *e, struct vf_tstate *ts, uint64_t rows,
	      double secs, const struct vf_range *rg)
{
	double n = (double)ts->chunk_rows, want;

	if (ts->int_key && rg->lo_s && rg->hi_s) {
		ts->span_done += (double)(strtoll(rg->hi_s, NULL, 10) -
					  strtoll(rg->lo_s, NULL, 10));
		ts->rows_done += (double)rows;
	}
	if ((double)rows < n / 4 || rows == 0)
		return; /* a short chunk (the last, a gap) says little */
	want = secs > 0 ? (double)rows / secs * e->o.chunk_seconds : 2 * n;
	if (want > 2 * n)
		want = 2 * n;
	if (want < n / 2)
		want = n / 2;
	if (want < VF_CHUNK_MIN)
		want = VF_CHUNK_MIN;
	if (want > VF_CHUNK_MAX)
		want = VF_CHUNK_MAX;
	ts->chunk_rows = (uint64_t)want;
}

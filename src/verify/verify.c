/* ms_verify_run: pairs, checksums by the workers, --repair and the
 * re-verification of the chunks it touched, the run's record; and
 * ms_verify_last for status and cutover. See verify.h and
 * docs/verify.md. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "db/quote.h"
#include "sync/sync.h"
#include "verify/engine.h"

#define VF_CHUNK_SECONDS 0.25
#define VF_WAIT_TIMEOUT	 60.0
#define VF_REPAIR_MAX	 10000

bool ms_verify_differences_remain(const struct ms_verify_result *res)
{
	const struct ms_verify_counts *c =
	    res->repair_done ? &res->after : &res->found;

	return res->schema_differences || c->mismatched_chunks ||
	       c->missing_on_target || c->extra_on_target || c->different;
}

void vf_warned(struct vf_engine *e)
{
	pthread_mutex_lock(&e->r.mu);
	e->r.res->warnings++;
	pthread_mutex_unlock(&e->r.mu);
}

static void defaults(struct ms_verify_opts *o)
{
	if (!o->threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		o->threads = n > 0 ? (unsigned int)n : 2;
	}
	if (!(o->chunk_seconds > 0))
		o->chunk_seconds = VF_CHUNK_SECONDS;
	if (!(o->wait_timeout_s > 0))
		o->wait_timeout_s = VF_WAIT_TIMEOUT;
	if (!o->repair_max)
		o->repair_max = VF_REPAIR_MAX;
}

/* Marks what repair wrote in res->diffs and verify_diffs. */
static int mark_repaired(struct vf_engine *e, struct vf_tstate *ts,
			 struct ms_db *tgt, struct ms_err *err)
{
	uint64_t *seqs = calloc(ts->kept.n + 1, sizeof(*seqs));
	size_t i, n = 0;
	int rc;

	if (!seqs)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	for (i = 0; i < ts->kept.n; i++) {
		if (!ts->kept.v[i].repaired)
			continue;
		seqs[n++] = ts->seqs[i];
		if (ts->listed[i] != SIZE_MAX)
			e->r.res->diffs[ts->listed[i]].repaired = true;
	}
	rc = vf_control_diffs_repaired(e, tgt, seqs, n, err);
	free(seqs);
	return rc;
}

/* Checks the chunks that had differences once more, into res->after. */
static int reverify(struct vf_engine *e, struct vf_table *t, struct ms_db *src,
		    struct ms_db *tgt, struct ms_err *err)
{
	struct vf_tstate *ts = &e->ts[t - e->r.tables];
	struct ms_verify_result *res = e->r.res;
	struct vf_redo *rd;
	struct vf_outcome oc;
	size_t i;
	int rc = 0;

	for (rd = ts->redo; !rc && rd; rd = rd->next) {
		rc = vf_check_chunk(e, t, src, tgt, &rd->rg, &oc, err);
		if (!rc && !oc.equal && (oc.diffs.n || oc.diff_failed)) {
			res->after.mismatched_chunks++;
			t->after.mismatched_chunks++;
		}
		for (i = 0; !rc && i < oc.diffs.n; i++) {
			vf_count_diff(&res->after, oc.diffs.v[i].kind);
			vf_count_diff(&t->after, oc.diffs.v[i].kind);
			vf_print_diff(e, t, &oc.diffs.v[i], "after repair: ");
		}
		vf_diffs_free(&oc.diffs, t->ncols);
	}
	return rc;
}

static int repair_table(struct vf_engine *e, struct vf_table *t,
			struct ms_db *src, struct ms_db *tgt,
			struct ms_err *err)
{
	struct vf_tstate *ts = &e->ts[t - e->r.tables];
	uint64_t rows = 0;
	int rc;

	if (!ts->kept.n)
		return 0;
	if (t->keyless) {
		MS_LOG_WARN(VF_COMPONENT,
			    "event=repair_skipped table=%s msg=\"%s has no "
			    "key: its %zu differences are not repaired\"",
			    t->src_name, t->s.q, ts->kept.n);
		vf_warned(e);
		return 0;
	}
	rc = vf_repair(&e->r, t, src, tgt, &ts->kept, &rows, err);
	e->r.res->repaired += rows;
	MS_LOG_INFO(VF_COMPONENT,
		    "event=repaired table=%s differences=%zu rows=%" PRIu64,
		    t->src_name, ts->kept.n, rows);
	/* What was written is recorded even when a later batch failed. */
	if (mark_repaired(e, ts, tgt, rc ? NULL : err) && !rc)
		rc = err->code;
	return rc ? ms_err_prefix(err, "repairing %s", t->tgt_name) : 0;
}

static int repair_phase(struct vf_engine *e, struct ms_db *src,
			struct ms_db *tgt, struct ms_err *err)
{
	size_t i;
	int rc;

	e->r.res->repair_refused = e->diffs_total > e->o.repair_max;
	if (e->r.res->repair_refused)
		return MS_ERR(err, MS_ETOOLARGE,
			      "%" PRIu64 " differences exceed --repair-max "
			      "%" PRIu64 ": nothing repaired",
			      e->diffs_total, e->o.repair_max);
	rc = e->diffs_total
		 ? vf_control_create_repairs(e->o.reverse ? src : tgt,
					     e->o.control_schema, err)
		 : 0;
	for (i = 0; !rc && i < e->r.ntables; i++)
		rc = repair_table(e, &e->r.tables[i], src, tgt, err);
	for (i = 0; !rc && i < e->r.ntables; i++)
		rc = reverify(e, &e->r.tables[i], src, tgt, err);
	if (!rc) {
		e->r.res->repair_done = true;
		MS_LOG_INFO(VF_COMPONENT,
			    "event=repair_done rows=%" PRIu64
			    " mismatched_chunks_after=%" PRIu64,
			    e->r.res->repaired,
			    e->r.res->after.mismatched_chunks);
	}
	return rc;
}

static int connect_both(struct vf_engine *e, struct ms_db **src,
			struct ms_db **tgt, struct ms_err *err)
{
	int rc;

	ms_db_close(*src);
	ms_db_close(*tgt);
	*src = *tgt = NULL;
	rc = vf_connect(e, true, src, err);
	return rc ? rc : vf_connect(e, false, tgt, err);
}

/* Says so when no sync feeds the replica side: chunks are then compared
 * without waiting, and a truth side taking writes shows differences that
 * are only in flight (a sync under another control schema, say). */
static int warn_no_sync(struct vf_engine *e, struct ms_db *replica,
			struct ms_err *err)
{
	struct ms_sync_progress p;
	int rc = ms_sync_read_progress(replica, e->o.control_schema,
				       e->o.reverse, VF_SYNC_STALE_S, &p, err);

	if (rc)
		return ms_err_prefix(err, "reading sync's progress");
	if (p.running)
		return 0;
	MS_LOG_WARN(VF_COMPONENT,
		    "event=no_sync control_schema=%s msg=\"no %s sync is "
		    "running under %s: chunks are compared without waiting "
		    "for sync, so writes still in flight show as "
		    "differences\"",
		    e->o.control_schema, e->o.reverse ? "reverse" : "forward",
		    e->o.control_schema);
	vf_warned(e);
	return 0;
}

static int start(struct vf_engine *e, struct ms_db **src, struct ms_db **tgt,
		 struct ms_err *err)
{
	int rc = connect_both(e, src, tgt, err);

	if (rc)
		return rc;
	e->r.src_mariadb = ms_db_is_mariadb(*src);
	e->r.tgt_mariadb = ms_db_is_mariadb(*tgt);
	rc = vf_plan_tables(e, *src, *tgt, err);
	e->r.res->tables = e->r.ntables;
	rc = rc ? rc : vf_control_create(*tgt, e->o.control_schema, err);
	rc = rc ? rc : warn_no_sync(e, e->o.reverse ? *src : *tgt, err);
	rc = rc ? rc : vf_control_run_start(e, *tgt, err);
	if (!rc)
		MS_LOG_INFO(VF_COMPONENT,
			    "event=start run_id=%" PRIu64
			    " tables=%zu threads=%u direction=%s hash=%s",
			    e->r.run_id, e->r.ntables, e->o.threads,
			    e->o.reverse ? "reverse" : "forward",
			    e->o.hash == MS_VERIFY_HASH_MD5 ? "md5" : "crc32");
	return rc;
}

static const char *final_status(const struct vf_engine *e, int rc)
{
	if (!rc || (rc == MS_ETOOLARGE && e->r.res->repair_refused))
		return ms_verify_differences_remain(e->r.res) ? "differences"
							      : "clean";
	return vf_stopping() && rc == MS_EIO ? "interrupted" : "failed";
}

static int record_end(struct vf_engine *e, struct ms_db *tgt,
		      const char *status, const char *error, struct ms_err *err)
{
	int rc = vf_control_tables(e, tgt, err);

	return rc ? rc : vf_control_run_finish(e, tgt, status, error, err);
}

/* Records the end of the run; on a fresh session when the one held fails
 * (a lost session may be why the run failed). */
static int finish(struct vf_engine *e, struct ms_db **src, struct ms_db **tgt,
		  int rc, struct ms_err *err)
{
	const char *status = final_status(e, rc);
	const char *error = rc ? err->msg : NULL;
	struct ms_err e2;
	int rc2 = MS_ECONNECT;

	ms_err_clear(&e2);
	e->r.res->run_id = e->r.run_id;
	e->r.res->seconds = vf_now() - e->t0;
	if (*tgt)
		rc2 = record_end(e, *tgt, status, error, &e2);
	if (rc2) {
		ms_err_clear(&e2);
		rc2 = connect_both(e, src, tgt, &e2);
		rc2 = rc2 ? rc2 : record_end(e, *tgt, status, error, &e2);
	}
	if (rc2 && !rc) {
		*err = e2;
		return rc2;
	}
	if (rc2)
		MS_LOG_WARN(VF_COMPONENT, "event=record_failed error=\"%s\"",
			    e2.msg);
	MS_LOG_INFO(
	    VF_COMPONENT,
	    "event=done run_id=%" PRIu64 " status=%s chunks=%" PRIu64
	    " rows=%" PRIu64 " mismatched_chunks=%" PRIu64 " seconds=%.1f",
	    e->r.run_id, status, e->r.res->chunks, e->r.res->rows_checked,
	    e->r.res->found.mismatched_chunks, e->r.res->seconds);
	return rc;
}

static void engine_free(struct vf_engine *e)
{
	size_t i;

	for (i = 0; e->ts && i < e->r.ntables; i++) {
		struct vf_tstate *ts = &e->ts[i];

		while (ts->redo) {
			struct vf_redo *n = ts->redo->next;

			vf_range_free(&ts->redo->rg);
			free(ts->redo);
			ts->redo = n;
		}
		vf_diffs_free(&ts->kept, e->r.tables[i].ncols);
		free(ts->listed);
		free(ts->seqs);
		free(ts->note);
		vf_range_free(&ts->next);
	}
	for (i = 0; e->r.tables && i < e->r.ntables; i++)
		vf_table_free(&e->r.tables[i]);
	free(e->r.tables);
	free(e->ts);
	free(e->cs_q);
	ms_schema_free(e->r.src_schema);
	ms_schema_free(e->r.tgt_schema);
	pthread_mutex_destroy(&e->r.mu);
	pthread_cond_destroy(&e->cv);
	free(e);
}

static int engine_new(const struct ms_verify_opts *opts,
		      struct ms_verify_result *res, struct vf_engine **out,
		      struct ms_err *err)
{
	struct vf_engine *e;
	struct ms_buf q;

	if (!opts->control_schema || !*opts->control_schema ||
	    strchr(opts->control_schema, '`'))
		return MS_ERR(err, MS_ECONFIG, "bad control schema name '%s'",
			      opts->control_schema ? opts->control_schema : "");
	e = calloc(1, sizeof(*e));
	if (!e)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	e->o = *opts;
	defaults(&e->o);
	e->r.o = &e->o;
	e->r.res = res;
	e->keep = e->o.repair;
	e->t0 = vf_now();
	pthread_mutex_init(&e->r.mu, NULL);
	pthread_cond_init(&e->cv, NULL);
	ms_buf_init(&q, 1024);
	e->cs_q =
	    ms_quote_ident(&q, e->o.control_schema) ? NULL : ms_buf_take(&q);
	ms_buf_free(&q);
	*out = e;
	return e->cs_q ? 0 : MS_ERR(err, MS_ENOMEM, "out of memory");
}

int ms_verify_run(const struct ms_verify_opts *opts,
		  struct ms_verify_result *res, struct ms_err *err)
{
	struct vf_engine *e = NULL;
	struct ms_db *src = NULL, *tgt = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = engine_new(opts, res, &e, err);
	rc = rc ? rc : start(e, &src, &tgt, err);
	if (!rc) {
		/* The workers have their own sessions; these wait for repair
		 * and the record. */
		rc = vf_run_workers(e, err);
		if (!rc && e->o.repair)
			rc = repair_phase(e, src, tgt, err);
		rc = finish(e, &src, &tgt, rc, err);
	}
	if (e)
		res->seconds = vf_now() - e->t0;
	ms_db_close(src);
	ms_db_close(tgt);
	if (e)
		engine_free(e);
	return rc;
}

void ms_verify_result_free(struct ms_verify_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; res->diffs && i < res->ndiffs; i++) {
		free(res->diffs[i].source_table);
		free(res->diffs[i].target_table);
		free(res->diffs[i].key);
		free(res->diffs[i].columns);
	}
	free(res->diffs);
	res->diffs = NULL;
	res->ndiffs = 0;
}

static uint64_t u64(const struct ms_db_result *r, size_t c)
{
	const char *v = ms_db_result_get(r, 0, c);

	return v ? strtoull(v, NULL, 10) : 0;
}

int ms_verify_last_status(struct ms_db *db, const char *cs,
			  struct ms_verify_result *res, char *status,
			  size_t status_len, char *finished_at,
			  size_t finished_at_len, struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	struct ms_buf q;
	int rc;

	memset(res, 0, sizeof(*res));
	ms_buf_init(&q, 4096);
	rc = ms_buf_addstr(
	    &q, "SELECT run_id, status, finished_at, tables, keyless_tables, "
		"chunks, rows_checked, rechecks, mismatched_chunks, "
		"missing_on_target, extra_on_target, different, "
		"schema_differences, repaired, repair_done, "
		"after_mismatched_chunks, after_missing_on_target, "
		"after_extra_on_target, after_different, warnings, seconds "
		"FROM ");
	rc = rc ? rc : ms_quote_ident(&q, cs);
	rc = rc ? rc
		: ms_buf_addstr(&q, ".`verify_runs` WHERE finished_at IS NOT "
				    "NULL ORDER BY run_id DESC LIMIT 1");
	rc = rc ? MS_ERR(err, MS_EUSAGE, "bad control schema name '%s'", cs)
		: ms_db_query(db, ms_buf_str(&q), &r, err);
	ms_buf_free(&q);
	if (rc == MS_ESQL && err &&
	    (err->sql_errno == 1146 || err->sql_errno == 1049)) {
		ms_err_clear(err);
		return MS_ERR(err, MS_ENOTFOUND, "no verify run recorded");
	}
	if (!rc && ms_db_result_nrows(r) == 0)
		rc = MS_ERR(err, MS_ENOTFOUND, "no verify run recorded");
	if (!rc) {
		res->run_id = u64(r, 0);
		snprintf(status, status_len, "%s",
			 ms_db_result_get(r, 0, 1) ? ms_db_result_get(r, 0, 1)
						   : "");
		snprintf(finished_at, finished_at_len, "%s",
			 ms_db_result_get(r, 0, 2) ? ms_db_result_get(r, 0, 2)
						   : "");
		res->tables = u64(r, 3);
		res->keyless_tables = u64(r, 4);
		res->chunks = u64(r, 5);
		res->rows_checked = u64(r, 6);
		res->rechecks = u64(r, 7);
		res->found.mismatched_chunks = u64(r, 8);
		res->found.missing_on_target = u64(r, 9);
		res->found.extra_on_target = u64(r, 10);
		res->found.different = u64(r, 11);
		res->schema_differences = u64(r, 12);
		res->repaired = u64(r, 13);
		res->repair_done = u64(r, 14) != 0;
		res->after.mismatched_chunks = u64(r, 15);
		res->after.missing_on_target = u64(r, 16);
		res->after.extra_on_target = u64(r, 17);
		res->after.different = u64(r, 18);
		res->warnings = u64(r, 19);
		res->seconds = ms_db_result_get(r, 0, 20)
				   ? strtod(ms_db_result_get(r, 0, 20), NULL)
				   : 0;
	}
	ms_db_result_free(r);
	return rc;
}

int ms_verify_last(struct ms_db *db, const char *cs,
		   struct ms_verify_result *res, bool *clean, char *finished_at,
		   size_t finished_at_len, struct ms_err *err)
{
	char status[32];
	int rc = ms_verify_last_status(db, cs, res, status, sizeof(status),
				       finished_at, finished_at_len, err);

	*clean = !rc && !strcmp(status, "clean");
	return rc;
}

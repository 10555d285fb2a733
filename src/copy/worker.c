/* The data phase: <threads> workers, each with one source and one target
 * session, pulling segments from a shared scheduler; a progress thread
 * prints the live line and watches the source's Threads_running. See
 * docs/copy.md ("Workers"). */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "copy/copy_int.h"
#include "core/log.h"

#define CP_CHUNK_MIN	   100
#define CP_CHUNK_MAX	   500000
#define CP_CHUNK_BYTES_MAX ((uint64_t)64 << 20)
#define CP_RETRIES	   5

static volatile sig_atomic_t cp_stop;

void ms_copy_request_stop(void)
{
	cp_stop = 1;
}

double cp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

struct cp_worker {
	struct cp_run *r;
	unsigned int id;
	struct ms_db *src, *tgt;
	struct ms_err err;
	int rc;
	pthread_t th;
};

static int session(struct ms_db *db, const char *const *stmts,
		   struct ms_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && stmts[i]; i++)
		rc = ms_db_exec(db, stmts[i], err);
	return rc;
}

int cp_connect(const struct cp_run *r, bool source, struct ms_db **out,
	       struct ms_err *err)
{
	static const char *const src_sql[] = {
	    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
	    "SET SESSION character_set_results = binary",
	    "SET SESSION sql_mode = ''",
	    "SET SESSION net_write_timeout = 600",
	    "SET SESSION net_read_timeout = 600",
	    NULL};
	static const char *const tgt_sql[] = {
	    "SET SESSION sql_mode = "
	    "'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'",
	    "SET SESSION foreign_key_checks = 0",
	    "SET SESSION max_error_count = 65535",
	    "SET SESSION net_write_timeout = 600",
	    "SET SESSION net_read_timeout = 600",
	    NULL};
	static const char *const maria_src[] = {
	    "SET SESSION max_statement_time = 0", NULL};
	static const char *const maria_tgt[] = {
	    "SET SESSION check_constraint_checks = 0",
	    "SET SESSION max_statement_time = 0", NULL};
	static const char *const mysql_src[] = {
	    "SET SESSION max_execution_time = 0", NULL};
	struct ms_db_opts o = {
	    .role = source ? "source" : "target",
	    .connect_timeout_s = r->o->connect_timeout_s,
	    .retries = r->o->retries,
	    .utc = true,
	    .local_infile = !source,
	};
	struct ms_db *db = NULL;
	int rc;

	*out = NULL;
	rc = ms_db_connect(source ? r->o->source : r->o->target, &o, &db, err);
	if (rc)
		return rc;
	rc = session(db, source ? src_sql : tgt_sql, err);
	if (!rc && ms_db_is_mariadb(db))
		rc = session(db, source ? maria_src : maria_tgt, err);
	else if (!rc && source)
		rc = session(db, mysql_src, err);
	if (rc) {
		ms_db_close(db);
		return rc;
	}
	if (!source) /* DDL here must not come back with a reverse sync */
		ms_db_set_exec_prefix(db, MS_DB_MARKER);
	*out = db;
	return 0;
}

static void fail_run(struct cp_run *r, int rc, const struct ms_err *err)
{
	pthread_mutex_lock(&r->mu);
	if (!r->failed) {
		r->failed = rc;
		r->err = *err;
	}
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static bool should_stop(struct cp_run *r)
{
	bool stop;

	pthread_mutex_lock(&r->mu);
	stop = r->failed || cp_stop;
	pthread_mutex_unlock(&r->mu);
	return stop;
}

/* Waits for the rate limit and the source load ceiling. */
static void throttle(struct cp_run *r, uint64_t rows)
{
	double now = cp_now(), at = now;

	if (r->o->rate) {
		pthread_mutex_lock(&r->mu);
		if (r->rate_next > at)
			at = r->rate_next;
		r->rate_next = at + (double)rows / (double)r->o->rate;
		pthread_mutex_unlock(&r->mu);
		sleep_s(at - now);
	}
	for (;;) {
		bool paused;

		pthread_mutex_lock(&r->mu);
		paused = r->paused && !r->failed && !cp_stop;
		pthread_mutex_unlock(&r->mu);
		if (!paused)
			break;
		sleep_s(0.2);
	}
}

static bool retryable(int rc, const struct ms_err *err)
{
	return rc == MS_ECONNECT || rc == MS_ETIMEOUT ||
	       (rc == MS_ESQL && ms_db_errno_transient(err->sql_errno));
}

static void adapt(struct cp_table *t, double secs, uint64_t rows,
		  uint64_t bytes, double target)
{
	uint64_t n = t->chunk_rows;
	double f = secs > 0 ? target / secs : 2.0;

	if (rows < n)
		return; /* a short last chunk says nothing */
	if (f > 2.0)
		f = 2.0;
	if (f < 0.5)
		f = 0.5;
	n = (uint64_t)((double)n * f);
	if (rows && bytes / rows && n > CP_CHUNK_BYTES_MAX / (bytes / rows))
		n = CP_CHUNK_BYTES_MAX / (bytes / rows);
	if (n < CP_CHUNK_MIN)
		n = CP_CHUNK_MIN;
	if (n > CP_CHUNK_MAX)
		n = CP_CHUNK_MAX;
	t->chunk_rows = n;
}

/* Ends a transaction when failing it (or when only locks are at stake):
 * an error here is reported by the next statement on that session. */
static void end_quietly(struct ms_db *db, const char *sql)
{
	struct ms_err ignored;

	if (ms_db_exec(db, sql, &ignored))
		MS_LOG_DEBUG(CP_COMPONENT,
			     "event=end_failed sql=%s error=\"%s\"", sql,
			     ignored.msg);
}

/* One chunk: locking read on the source, rows and the segment's new cursor
 * in one target transaction, target commit, then the source's. */
static int chunk_once(struct cp_worker *w, struct cp_segment *s, uint64_t n,
		      struct ms_err *err)
{
	struct cp_run *r = w->r;
	struct cp_table *t = s->t;
	struct cp_segment next = *s;
	struct ms_buf q, last;
	uint64_t rows = 0, bytes = 0;
	double t0 = cp_now();
	int rc;

	ms_buf_init(&q, (size_t)1 << 30);
	ms_buf_init(&last, (size_t)1 << 30);
	rc = cp_chunk_sql(t, s->cursor ? s->cursor : s->lo, s->hi,
			  t->key.n ? n : 0, true, &q);
	if (rc)
		rc = MS_ERR(err, rc, "%s: chunk query too long", t->src_q);
	rc = rc ? rc : ms_db_exec(w->src, "START TRANSACTION", err);
	rc = rc ? rc : ms_db_exec(w->tgt, "START TRANSACTION", err);
	if (!rc && !t->key.n) /* a keyless table is one pass: start over */
		rc = cp_exec_on(w->tgt, "DELETE FROM", t->tgt_q, err);
	rc = rc ? rc
		: cp_load_chunk(r, t, w->src, w->tgt, ms_buf_str(&q), &rows,
				&bytes, &last, err);
	next.done = !t->key.n || rows < n;
	next.cursor = rows && t->key.n ? last.ptr : s->cursor;
	rc = rc ? rc
		: cp_control_segment_progress(r, w->tgt, &next, rows, bytes,
					      err);
	rc = rc ? rc : ms_db_exec(w->tgt, "COMMIT", err);
	if (rc) {
		end_quietly(w->tgt, "ROLLBACK");
		end_quietly(w->src, "ROLLBACK");
	} else {
		/* Releases the locks; a failure here loses nothing. */
		end_quietly(w->src, "COMMIT");
		if (next.cursor == last.ptr) {
			free(s->cursor);
			s->cursor = ms_buf_take(&last);
		}
		s->done = next.done;
		pthread_mutex_lock(&r->mu);
		r->rows += rows;
		r->bytes += bytes;
		t->rows_done += rows;
		t->bytes_done += bytes;
		adapt(t, cp_now() - t0, rows, bytes, r->o->chunk_seconds);
		pthread_mutex_unlock(&r->mu);
		MS_LOG_DEBUG(CP_COMPONENT,
			     "event=chunk table=%s seq=%" PRIu64
			     " rows=%" PRIu64 " bytes=%" PRIu64 " ms=%.0f",
			     t->src_q, s->seq, rows, bytes,
			     (cp_now() - t0) * 1000);
	}
	ms_buf_free(&q);
	ms_buf_free(&last);
	return rc;
}

static void disconnect(struct cp_worker *w)
{
	ms_db_close(w->src);
	ms_db_close(w->tgt);
	w->src = w->tgt = NULL;
}

static int reconnect(struct cp_worker *w, struct ms_err *err)
{
	int rc;

	disconnect(w);
	rc = cp_connect(w->r, true, &w->src, err);
	return rc ? rc : cp_connect(w->r, false, &w->tgt, err);
}

static int do_chunk(struct cp_worker *w, struct cp_segment *s,
		    struct ms_err *err)
{
	unsigned int attempt;
	uint64_t n;
	int rc = 0;

	for (attempt = 0;; attempt++) {
		pthread_mutex_lock(&w->r->mu);
		n = s->t->chunk_rows;
		pthread_mutex_unlock(&w->r->mu);
		throttle(w->r, n);
		rc = w->src && w->tgt ? chunk_once(w, s, n, err)
				      : reconnect(w, err);
		if (!rc || !retryable(rc, err) || attempt >= CP_RETRIES)
			return rc;
		MS_LOG_INFO(CP_COMPONENT,
			    "event=retry table=%s attempt=%u error=\"%s\"",
			    s->t->src_q, attempt + 1, err->msg);
		if (rc == MS_ECONNECT || rc == MS_ETIMEOUT)
			disconnect(w);
		sleep_s(0.2 * (1u << attempt));
	}
}

static int build_indexes(struct cp_worker *w, struct cp_table *t,
			 struct ms_err *err)
{
	double t0 = cp_now();
	int rc = 0;

	if (t->ddl.index_sql) {
		MS_LOG_INFO(CP_COMPONENT,
			    "event=index_build table=%s indexes=%zu", t->tgt_q,
			    t->ddl.deferred_indexes);
		rc = ms_db_exec(w->tgt, t->ddl.index_sql, err);
		if (rc && cp_already_there(err))
			rc = 0; /* built before an interruption */
		if (rc)
			return ms_err_prefix(err, "building the indexes of %s",
					     t->tgt_q);
		MS_LOG_INFO(CP_COMPONENT, "event=index_built table=%s ms=%.0f",
			    t->tgt_q, (cp_now() - t0) * 1000);
	}
	return cp_control_table_state(w->r, w->tgt, t, CP_T_DONE, err);
}

/* Data of <t> is complete: record it, build its deferred indexes. */
static int complete_table(struct cp_worker *w, struct cp_table *t,
			  struct ms_err *err)
{
	int rc = cp_control_table_state(w->r, w->tgt, t, CP_T_COPIED, err);

	rc = rc ? rc : build_indexes(w, t, err);
	if (!rc) {
		pthread_mutex_lock(&w->r->mu);
		w->r->tables_done++;
		pthread_mutex_unlock(&w->r->mu);
		MS_LOG_INFO(CP_COMPONENT,
			    "event=table_done table=%s rows=%" PRIu64, t->tgt_q,
			    t->rows_done);
	}
	return rc;
}

void cp_segment_append(struct cp_table *t, struct cp_segment *s)
{
	if (t->seg_last)
		t->seg_last->next = s;
	else
		t->segs = s;
	t->seg_last = s;
}

enum cp_action { CP_NONE, CP_SEGMENT, CP_PLAN, CP_COMPLETE, CP_START };

static bool all_segs_done(const struct cp_table *t)
{
	const struct cp_segment *s;

	for (s = t->segs; s; s = s->next)
		if (!s->done)
			return false;
	return true;
}

/* Under r->mu: the next thing to do. */
static enum cp_action pick(struct cp_run *r, struct cp_table **tp,
			   struct cp_segment **sp, bool *busy)
{
	size_t i;

	*busy = false;
	/* States only move forward: tables before first_open are finished
	 * (or being finished) and never scanned again, so with 50,000
	 * tenant tables a pick stays short. */
	while (r->first_open < r->ntables &&
	       r->tables[r->first_open].state != CP_T_PENDING &&
	       r->tables[r->first_open].state != CP_T_COPYING)
		r->first_open++;
	for (i = r->first_open; i < r->ntables; i++) {
		struct cp_table *t = &r->tables[i];
		struct cp_segment *s;

		if (t->state == CP_T_PENDING) {
			t->state = CP_T_COPYING;
			*tp = t;
			return CP_START;
		}
		if (t->state != CP_T_COPYING)
			continue;
		/* Segments are claimed in order and released when done, so
		 * the scan resumes where it stopped. */
		if (!t->seg_scan)
			t->seg_scan = t->segs;
		while (t->seg_scan && t->seg_scan->next &&
		       (t->seg_scan->claimed || t->seg_scan->done))
			t->seg_scan = t->seg_scan->next;
		for (s = t->seg_scan; s; s = s->next)
			if (!s->claimed && !s->done) {
				s->claimed = true;
				t->active++;
				*tp = t;
				*sp = s;
				return CP_SEGMENT;
			}
		if (!t->plan_done && !t->planning) {
			t->planning = true;
			*tp = t;
			return CP_PLAN;
		}
		if (t->plan_done && !t->planning && !t->active &&
		    all_segs_done(t)) {
			t->state = CP_T_COPIED;
			*tp = t;
			return CP_COMPLETE;
		}
		*busy = true; /* others are working on it */
	}
	return CP_NONE;
}

static int plan(struct cp_worker *w, struct cp_table *t, struct ms_err *err)
{
	struct cp_run *r = w->r;
	struct cp_segment *s = NULL;
	int rc = cp_plan_segment(r, t, w->src, w->tgt, &s, err);

	pthread_mutex_lock(&r->mu);
	t->planning = false;
	if (!rc) {
		cp_segment_append(t, s);
		t->next_seq++;
		free(t->planned_hi);
		t->planned_hi = s->hi ? strdup(s->hi) : NULL;
		t->plan_done = s->hi == NULL;
		if (s->hi && !t->planned_hi)
			rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static int run_segment(struct cp_worker *w, struct cp_segment *s,
		       struct ms_err *err)
{
	struct cp_run *r = w->r;
	int rc = 0;

	while (!rc && !s->done && !should_stop(r))
		rc = do_chunk(w, s, err);
	pthread_mutex_lock(&r->mu);
	s->claimed = false;
	s->t->active--;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static int worker_step(struct cp_worker *w, bool *finished, struct ms_err *err)
{
	struct cp_run *r = w->r;
	struct cp_table *t = NULL;
	struct cp_segment *s = NULL;
	enum cp_action a;
	bool busy;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		if (r->failed || cp_stop) {
			pthread_mutex_unlock(&r->mu);
			*finished = true;
			return 0;
		}
		a = pick(r, &t, &s, &busy);
		if (a != CP_NONE || !busy)
			break;
		pthread_cond_wait(&r->cv, &r->mu);
	}
	pthread_mutex_unlock(&r->mu);
	switch (a) {
	case CP_NONE:
		*finished = true;
		return 0;
	case CP_START:
		return cp_control_table_state(r, w->tgt, t, CP_T_COPYING, err);
	case CP_PLAN:
		return plan(w, t, err);
	case CP_SEGMENT:
		return run_segment(w, s, err);
	case CP_COMPLETE:
		return complete_table(w, t, err);
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct cp_worker *w = arg;
	bool finished = false;

	ms_err_clear(&w->err);
	w->rc = reconnect(w, &w->err);
	while (!w->rc && !finished)
		w->rc = worker_step(w, &finished, &w->err);
	if (w->rc)
		fail_run(w->r, w->rc, &w->err);
	disconnect(w);
	pthread_mutex_lock(&w->r->mu);
	pthread_cond_broadcast(&w->r->cv);
	pthread_mutex_unlock(&w->r->mu);
	return NULL;
}

/* progress.c prints while the workers run. */
void *cp_progress_main(void *arg);
extern atomic_int cp_progress_quit;

int cp_run_workers(struct cp_run *r, struct ms_err *err)
{
	unsigned int i, n = r->o->threads;
	struct cp_worker *w = calloc(n, sizeof(*w));
	pthread_t prog;
	bool prog_ok;
	int rc = 0;

	if (!w)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	cp_progress_quit = 0;
	prog_ok = pthread_create(&prog, NULL, cp_progress_main, r) == 0;
	for (i = 0; i < n; i++) {
		w[i].r = r;
		w[i].id = i;
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i])) {
			n = i;
			rc = MS_ERR(err, MS_ENOMEM, "cannot start a worker");
			fail_run(r, rc, err);
			break;
		}
	}
	for (i = 0; i < n; i++)
		pthread_join(w[i].th, NULL);
	cp_progress_quit = 1;
	if (prog_ok)
		pthread_join(prog, NULL);
	free(w);
	if (!rc && r->failed) {
		*err = r->err;
		rc = r->failed;
	}
	if (!rc && cp_stop)
		rc = MS_ERR(err, MS_EIO,
			    "interrupted: progress is kept in the control "
			    "schema; rerun the same command to resume");
	return rc;
}

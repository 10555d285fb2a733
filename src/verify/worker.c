/* The checksum workers: each has one source and one target session and
 * takes the next chunk of the first table with work left, planning it
 * itself (so several workers share one big table), checks it under live
 * traffic (truth read, its binlog end, replica read, re-checks after sync
 * has passed that position, then the row-level diff) and records it. See
 * docs/verify.md ("Live traffic"). */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "sync/sync.h"
#include "verify/engine.h"

#define VF_RETRIES 5
#define VF_POLL_S  0.02

static volatile sig_atomic_t vf_stop;

void ms_verify_request_stop(void)
{
	vf_stop = 1;
}

bool vf_stopping(void)
{
	return vf_stop != 0;
}

double vf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void vf_sleep(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static int session(struct ms_db *db, const char *const *stmts,
		   struct ms_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && stmts[i]; i++)
		rc = ms_db_exec(db, stmts[i], err);
	return rc;
}

int vf_connect(const struct vf_engine *e, bool source, struct ms_db **out,
	       struct ms_err *err)
{
	/* time_zone '+00:00' comes with .utc: TIMESTAMPs read the same
	 * whatever the servers' zones; sql_mode '' keeps CHAR trailing
	 * spaces out (no PAD_CHAR_TO_FULL_LENGTH). */
	static const char *const common[] = {
	    "SET SESSION sql_mode = ''", "SET SESSION net_write_timeout = 600",
	    "SET SESSION net_read_timeout = 600", NULL};
	static const char *const maria[] = {
	    "SET SESSION max_statement_time = 0", NULL};
	static const char *const mysql[] = {
	    "SET SESSION max_execution_time = 0", NULL};
	struct ms_db_opts o = {
	    .role = source ? "source" : "target",
	    .connect_timeout_s = e->o.connect_timeout_s,
	    .retries = e->o.retries,
	    .utc = true,
	};
	struct ms_db *db = NULL;
	int rc;

	*out = NULL;
	rc = ms_db_connect(source ? e->o.source : e->o.target, &o, &db, err);
	if (rc)
		return rc;
	rc = session(db, common, err);
	rc = rc ? rc : session(db, ms_db_is_mariadb(db) ? maria : mysql, err);
	if (rc) {
		ms_db_close(db);
		return rc;
	}
	if (!source) /* control DDL must not come back with a reverse sync */
		ms_db_set_exec_prefix(db, MS_DB_MARKER);
	*out = db;
	return 0;
}

/* Waits for the replica's sync to pass <file>:<pos>; *<running> false
 * when no sync is running (nothing will change the replica). */
static int wait_applied(struct vf_run *r, struct ms_db *replica,
			const char *file, uint64_t pos, bool *running,
			struct ms_err *err)
{
	struct ms_sync_progress p;
	double t0 = vf_now();
	int rc;

	*running = true;
	for (;;) {
		rc = ms_sync_read_progress(replica, r->o->control_schema,
					   r->o->reverse, VF_SYNC_STALE_S, &p,
					   err);
		if (rc)
			return ms_err_prefix(err, "reading sync's progress");
		if (!p.running) {
			*running = false;
			return 0;
		}
		if (ms_sync_pos_cmp(p.file, p.pos, file, pos) >= 0)
			return 0;
		pthread_mutex_lock(&r->mu);
		rc = r->failed;
		pthread_mutex_unlock(&r->mu);
		if (vf_stop || rc)
			return MS_ERR(err, MS_EIO, "interrupted");
		if (vf_now() - t0 > r->o->wait_timeout_s)
			return MS_ERR(err, MS_ETIMEOUT,
				      "%s sync has applied %s:%" PRIu64
				      " and not yet %s:%" PRIu64
				      " after %.0f s (--wait-timeout)",
				      r->o->reverse ? "reverse" : "forward",
				      p.file, p.pos, file, pos,
				      r->o->wait_timeout_s);
		vf_sleep(VF_POLL_S);
	}
}

int vf_wait_applied(struct vf_run *r, struct ms_db *replica, const char *file,
		    uint64_t pos, struct ms_err *err)
{
	bool running;

	return wait_applied(r, replica, file, pos, &running, err);
}

/* The truth side's binlog end after a read; <*have> false when it has no
 * binlog (then nothing is waited for). */
static int truth_pos(struct vf_engine *e, struct ms_db *truth, char *file,
		     size_t len, uint64_t *pos, bool *have, struct ms_err *err)
{
	int rc;

	pthread_mutex_lock(&e->r.mu);
	*have = !e->no_binlog;
	pthread_mutex_unlock(&e->r.mu);
	if (!*have)
		return 0;
	rc = ms_db_binlog_end(truth, file, len, pos, err);
	if (rc != MS_EUNSUPPORTED)
		return rc;
	ms_err_clear(err);
	*have = false;
	pthread_mutex_lock(&e->r.mu);
	if (!e->no_binlog) {
		MS_LOG_WARN(VF_COMPONENT,
			    "event=no_binlog side=%s msg=\"the %s has no "
			    "binary log: chunks are compared as they are, "
			    "without waiting for sync\"",
			    ms_db_role(truth), ms_db_role(truth));
		e->r.res->warnings++;
	}
	e->no_binlog = true;
	pthread_mutex_unlock(&e->r.mu);
	return 0;
}

/* The truth side's read, then its binlog end. */
static int truth_read(struct vf_engine *e, struct vf_table *t,
		      struct ms_db *src, struct ms_db *tgt,
		      const struct vf_range *rg, struct vf_outcome *out,
		      char *file, size_t len, uint64_t *pos, bool *have,
		      struct ms_err *err)
{
	bool rev = e->o.reverse;
	double t0 = vf_now();
	int rc;

	rc = vf_checksum(&e->r, t, rev, rev ? tgt : src,
			 e->ts[t - e->r.tables].whole, rg,
			 rev ? &out->g : &out->s, err);
	out->truth_secs = vf_now() - t0;
	return rc ? rc
		  : truth_pos(e, rev ? tgt : src, file, len, pos, have, err);
}

static int replica_read(struct vf_engine *e, struct vf_table *t,
			struct ms_db *src, struct ms_db *tgt,
			const struct vf_range *rg, struct vf_outcome *out,
			struct ms_err *err)
{
	bool rev = e->o.reverse;

	return vf_checksum(&e->r, t, !rev, rev ? src : tgt,
			   e->ts[t - e->r.tables].whole, rg,
			   rev ? &out->s : &out->g, err);
}

static bool sums_equal(const struct vf_outcome *o)
{
	return o->s.rows == o->g.rows && o->s.hash == o->g.hash;
}

int vf_check_chunk(struct vf_engine *e, struct vf_table *t, struct ms_db *src,
		   struct ms_db *tgt, const struct vf_range *rg,
		   struct vf_outcome *out, struct ms_err *err)
{
	struct ms_db *replica = e->o.reverse ? src : tgt;
	char file[256] = "";
	uint64_t pos = 0;
	bool have = false, running = true;
	double secs;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = truth_read(e, t, src, tgt, rg, out, file, sizeof(file), &pos,
			&have, err);
	rc = rc ? rc : replica_read(e, t, src, tgt, rg, out, err);
	if (rc)
		return rc;
	out->source_rows = out->s.rows;
	secs = out->truth_secs;
	out->first_equal = out->equal = sums_equal(out);
	/* Without a binlog or a running sync nothing will bring the
	 * replica closer: straight to the row-level diff. */
	while (!out->equal && have && out->rechecks < e->o.rechecks) {
		rc = wait_applied(&e->r, replica, file, pos, &running, err);
		if (rc || !running)
			break;
		out->rechecks++;
		rc = truth_read(e, t, src, tgt, rg, out, file, sizeof(file),
				&pos, &have, err);
		rc =
		    rc ? rc
		       : wait_applied(&e->r, replica, file, pos, &running, err);
		rc = rc ? rc : replica_read(e, t, src, tgt, rg, out, err);
		if (rc)
			break;
		out->equal = sums_equal(out);
	}
	out->truth_secs = secs;
	if (rc || out->equal)
		return rc;
	rc = vf_diff_range(&e->r, t, src, tgt, rg->lo_s, rg->hi_s, &out->diffs,
			   err);
	/* No row-level diff for this chunk (a keyless table over the diff's
	 * row bound, say): it stays a mismatched chunk without rows. */
	if (rc == MS_EUNSUPPORTED || rc == MS_ETOOLARGE) {
		MS_LOG_WARN(VF_COMPONENT,
			    "event=diff_unavailable table=%s error=\"%s\"",
			    t->src_name, err->msg);
		ms_err_clear(err);
		out->diff_failed = true;
		rc = 0;
	}
	return rc;
}

struct vf_worker {
	struct vf_engine *e;
	struct ms_db *src, *tgt;
	struct ms_buf batch; /* verify_chunks rows not yet inserted */
	size_t nbatch;
	struct ms_err err;
	int rc;
	pthread_t th;
};

static void fail_run(struct vf_engine *e, int rc, const struct ms_err *err)
{
	pthread_mutex_lock(&e->r.mu);
	if (!e->r.failed) {
		e->r.failed = rc;
		e->r.err = *err;
	}
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->r.mu);
}

/* Waits for the rate limit and the source load ceiling; false when the
 * run is stopping meanwhile. */
static bool throttle(struct vf_engine *e, uint64_t rows)
{
	double now = vf_now(), at = now;
	bool go = true;

	if (e->o.rate) {
		pthread_mutex_lock(&e->r.mu);
		if (e->rate_next > at)
			at = e->rate_next;
		e->rate_next = at + (double)rows / (double)e->o.rate;
		pthread_mutex_unlock(&e->r.mu);
	}
	for (;;) {
		bool paused;

		pthread_mutex_lock(&e->r.mu);
		go = !e->r.failed && !vf_stop;
		paused = e->paused;
		pthread_mutex_unlock(&e->r.mu);
		now = vf_now();
		if (!go || (!paused && now >= at))
			return go;
		vf_sleep(paused || at - now > 0.1 ? 0.1 : at - now);
	}
}

static bool retryable(int rc, const struct ms_err *err)
{
	return rc == MS_ECONNECT ||
	       (rc == MS_ESQL && ms_db_errno_transient(err->sql_errno));
}

static void disconnect(struct vf_worker *w)
{
	ms_db_close(w->src);
	ms_db_close(w->tgt);
	w->src = w->tgt = NULL;
}

static int reconnect(struct vf_worker *w, struct ms_err *err)
{
	int rc;

	disconnect(w);
	rc = vf_connect(w->e, true, &w->src, err);
	return rc ? rc : vf_connect(w->e, false, &w->tgt, err);
}

/* Checks a chunk, reconnecting on a lost session: the check only reads,
 * so running it again is harmless. */
static int check(struct vf_worker *w, struct vf_table *t,
		 const struct vf_range *rg, struct vf_outcome *oc,
		 struct ms_err *err)
{
	unsigned int attempt;
	int rc;

	for (attempt = 0;; attempt++) {
		rc = w->src && w->tgt
			 ? vf_check_chunk(w->e, t, w->src, w->tgt, rg, oc, err)
			 : reconnect(w, err);
		if (!rc && !(w->src && w->tgt))
			continue; /* reconnected: now the chunk */
		if (!rc || !retryable(rc, err) || attempt >= VF_RETRIES)
			return rc;
		vf_diffs_free(&oc->diffs, t->ncols);
		memset(&oc->diffs, 0, sizeof(oc->diffs));
		MS_LOG_INFO(VF_COMPONENT,
			    "event=retry table=%s attempt=%u error=\"%s\"",
			    t->src_name, attempt + 1, err->msg);
		disconnect(w);
		vf_sleep(0.2 * (1u << attempt));
	}
}

/* Under r.mu: the table whose next chunk to plan, or NULL; <busy> when
 * some table has chunks in flight or being planned by others. */
static struct vf_table *pick(struct vf_engine *e, bool *busy)
{
	size_t i;

	*busy = false;
	while (e->first_open < e->r.ntables &&
	       (e->ts[e->first_open].skip || e->ts[e->first_open].finished))
		e->first_open++;
	for (i = e->first_open; i < e->r.ntables; i++) {
		struct vf_tstate *ts = &e->ts[i];

		if (ts->skip || ts->finished)
			continue;
		if (!ts->plan_done && !ts->planning) {
			ts->planning = true;
			ts->active++;
			return &e->r.tables[i];
		}
		*busy = true;
	}
	return NULL;
}

/* Under r.mu: a chunk of <t> is over (or was never planned). */
static void chunk_done(struct vf_engine *e, struct vf_table *t)
{
	struct vf_tstate *ts = &e->ts[t - e->r.tables];

	ts->active--;
	if (ts->plan_done && !ts->active && !ts->finished) {
		ts->finished = true;
		e->tables_done++;
		MS_LOG_INFO(VF_COMPONENT,
			    "event=table_done table=%s chunks=%" PRIu64
			    " rows=%" PRIu64 " mismatched_chunks=%" PRIu64,
			    t->src_name, t->chunks, t->rows,
			    t->found.mismatched_chunks);
	}
	pthread_cond_broadcast(&e->cv);
}

static int do_chunk(struct vf_worker *w, struct vf_table *t, struct ms_err *err)
{
	struct vf_engine *e = w->e;
	struct vf_tstate *ts = &e->ts[t - e->r.tables];
	struct vf_range rg;
	struct vf_outcome oc;
	uint64_t seq = 0, rows;
	int rc;

	rc = vf_plan_chunk(e, t, w->src, &rg, &seq, err);
	pthread_mutex_lock(&e->r.mu);
	ts->planning = false;
	if (rc) /* the table cannot go on */
		ts->plan_done = true;
	rows = ts->chunk_rows;
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->r.mu);
	if (rc)
		return rc;
	if (!throttle(e, rows)) { /* stopping: the chunk is not checked */
		vf_range_free(&rg);
		return 0;
	}
	rc = check(w, t, &rg, &oc, err);
	if (!rc)
		rc = vf_record_chunk(e, w->tgt, t, seq, &rg, &oc, &w->batch,
				     &w->nbatch, err);
	else
		vf_diffs_free(&oc.diffs, t->ncols);
	MS_LOG_DEBUG(VF_COMPONENT,
		     "event=chunk table=%s seq=%" PRIu64 " rows=%" PRIu64
		     " rechecks=%u equal=%d",
		     t->src_name, seq, oc.source_rows, oc.rechecks, oc.equal);
	vf_range_free(&rg);
	return rc;
}

static int worker_step(struct vf_worker *w, bool *finished, struct ms_err *err)
{
	struct vf_engine *e = w->e;
	struct vf_table *t = NULL;
	bool busy;
	int rc;

	pthread_mutex_lock(&e->r.mu);
	for (;;) {
		if (e->r.failed || vf_stop) {
			pthread_mutex_unlock(&e->r.mu);
			*finished = true;
			return 0;
		}
		t = pick(e, &busy);
		if (t || !busy)
			break;
		pthread_cond_wait(&e->cv, &e->r.mu);
	}
	pthread_mutex_unlock(&e->r.mu);
	if (!t) {
		*finished = true;
		return 0;
	}
	rc = w->src && w->tgt ? 0 : reconnect(w, err);
	if (rc) {
		pthread_mutex_lock(&e->r.mu);
		e->ts[t - e->r.tables].planning = false;
		pthread_mutex_unlock(&e->r.mu);
	}
	rc = rc ? rc : do_chunk(w, t, err);
	pthread_mutex_lock(&e->r.mu);
	chunk_done(e, t);
	pthread_mutex_unlock(&e->r.mu);
	return rc;
}

static void *worker_main(void *arg)
{
	struct vf_worker *w = arg;
	bool finished = false;
	int rc;

	ms_err_clear(&w->err);
	w->rc = reconnect(w, &w->err);
	while (!w->rc && !finished)
		w->rc = worker_step(w, &finished, &w->err);
	/* Chunks checked are recorded even when the run stops. */
	if (w->nbatch && w->tgt) {
		struct ms_err e2;

		ms_err_clear(&e2);
		rc = vf_control_chunks_flush(w->e, w->tgt, &w->batch,
					     &w->nbatch, &e2);
		if (rc && !w->rc) {
			w->rc = rc;
			w->err = e2;
		}
	}
	if (w->rc)
		fail_run(w->e, w->rc, &w->err);
	ms_buf_free(&w->batch);
	disconnect(w);
	return NULL;
}

int vf_run_workers(struct vf_engine *e, struct ms_err *err)
{
	unsigned int i, n = e->o.threads;
	struct vf_worker *w = calloc(n, sizeof(*w));
	pthread_t prog;
	bool prog_ok;
	int rc = 0;

	if (!w)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	vf_progress_reset();
	prog_ok = pthread_create(&prog, NULL, vf_progress_main, e) == 0;
	for (i = 0; i < n; i++) {
		w[i].e = e;
		ms_buf_init(&w[i].batch, (size_t)256 << 20);
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i])) {
			ms_buf_free(&w[i].batch);
			n = i;
			rc = MS_ERR(err, MS_ENOMEM, "cannot start a worker");
			fail_run(e, rc, err);
			break;
		}
	}
	for (i = 0; i < n; i++)
		pthread_join(w[i].th, NULL);
	vf_progress_stop();
	if (prog_ok)
		pthread_join(prog, NULL);
	free(w);
	if (!rc && e->r.failed) {
		*err = e->r.err;
		rc = e->r.failed;
	}
	if (!rc && vf_stop)
		rc = MS_ERR(err, MS_EIO, "interrupted");
	return rc;
}

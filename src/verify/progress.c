/* The live progress line (tables, rows, rate, mismatches, ETA) and the
 * source load watch (Threads_running ceiling), as copy's. One thread,
 * woken every 50 ms (so the run does not wait for it at the end). */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "verify/engine.h"

static atomic_int vf_progress_quit;

void vf_progress_stop(void)
{
	vf_progress_quit = 1;
}

void vf_progress_reset(void)
{
	vf_progress_quit = 0;
}

static void print_line(struct vf_engine *e, FILE *f, bool final)
{
	uint64_t rows, est = 0, done, total = 0, bad;
	double el = vf_now() - e->t0, rate;
	char a[32], b[32], eta[32] = "-";
	size_t i;

	pthread_mutex_lock(&e->r.mu);
	rows = e->r.res->rows_checked;
	bad = e->r.res->found.mismatched_chunks;
	done = e->tables_done;
	for (i = 0; i < e->r.ntables; i++) {
		const struct vf_table *t = &e->r.tables[i];
		uint64_t n = t->s.t ? t->s.t->rows_estimate : 0;

		if (e->ts[i].skip)
			continue;
		total++;
		est += n > t->rows ? n : t->rows;
	}
	pthread_mutex_unlock(&e->r.mu);
	rate = el > 0 ? (double)rows / el : 0;
	if (rate > 0 && est > rows) {
		uint64_t s = (uint64_t)((double)(est - rows) / rate);

		snprintf(eta, sizeof(eta), "%" PRIu64 ":%02" PRIu64, s / 60,
			 s % 60);
	}
	ms_human_count(a, sizeof(a), rows);
	ms_human_count(b, sizeof(b), est);
	fprintf(f,
		"\rverify: %" PRIu64 "/%" PRIu64 " tables  %s/%s rows  %.0f "
		"rows/s  %" PRIu64 " mismatched  ETA %s   %s",
		done, total, a, b, rate, bad, final ? "0:00" : eta,
		final ? "\n" : "");
	fflush(f);
}

/* Connects the load watch lazily; a failure only disables it. */
static void watch_load(struct vf_engine *e, struct ms_db **db, double *next)
{
	struct ms_err err;
	uint64_t n;
	double now = vf_now();

	if (!e->o.max_running || now < *next)
		return;
	*next = now + 1.0;
	ms_err_clear(&err);
	if (!*db && vf_connect(e, true, db, &err)) {
		MS_LOG_WARN(VF_COMPONENT, "event=load_watch_off error=\"%s\"",
			    err.msg);
		*next = now + 30.0;
		return;
	}
	if (ms_db_threads_running(*db, &n, &err) == 0) {
		bool over = n > e->o.max_running;

		pthread_mutex_lock(&e->r.mu);
		if (over != e->paused)
			MS_LOG_INFO(
			    VF_COMPONENT,
			    "event=%s threads_running=%" PRIu64 " max=%u",
			    over ? "pause" : "resume", n, e->o.max_running);
		e->paused = over;
		pthread_mutex_unlock(&e->r.mu);
	}
}

void *vf_progress_main(void *arg)
{
	struct vf_engine *e = arg;
	FILE *f = e->o.progress_out ? e->o.progress_out : stderr;
	struct ms_db *db = NULL;
	double next_line = 0, next_watch = 0;
	struct timespec ts = {0, 50 * 1000 * 1000};

	while (!vf_progress_quit) {
		watch_load(e, &db, &next_watch);
		if (e->o.progress && vf_now() >= next_line) {
			print_line(e, f, false);
			next_line = vf_now() + 1.0;
		}
		nanosleep(&ts, NULL);
	}
	if (e->o.progress)
		print_line(e, f, true);
	ms_db_close(db);
	return NULL;
}

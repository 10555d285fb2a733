/* The live progress line (tables, rows, MB/s, ETA) and the source load
 * watch (Threads_running ceiling). One thread, woken every 250 ms. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "copy/copy_int.h"
#include "core/log.h"

void *cp_progress_main(void *arg);
atomic_int cp_progress_quit;

static void print_line(struct cp_run *r, FILE *f, bool final)
{
	uint64_t rows, bytes, done, total = 0, est = 0, have = 0;
	double el = cp_now() - r->t0, rate;
	char a[32], b[32], eta[32] = "-";
	size_t i;

	pthread_mutex_lock(&r->mu);
	rows = r->rows;
	bytes = r->bytes;
	done = r->tables_done;
	for (i = 0; i < r->ntables; i++) {
		const struct cp_table *t = &r->tables[i];

		if (t->state == CP_T_SKIPPED)
			continue;
		total++;
		have += t->rows_done;
		est += t->rows_estimate > t->rows_done ? t->rows_estimate
						       : t->rows_done;
	}
	pthread_mutex_unlock(&r->mu);
	rate = el > 0 ? (double)rows / el : 0;
	if (rate > 0 && est > have) {
		uint64_t s = (uint64_t)((double)(est - have) / rate);

		snprintf(eta, sizeof(eta), "%" PRIu64 ":%02" PRIu64, s / 60,
			 s % 60);
	}
	ms_human_count(a, sizeof(a), have);
	ms_human_count(b, sizeof(b), est);
	fprintf(f,
		"\rcopy: %" PRIu64 "/%" PRIu64 " tables  %s/%s rows  %.1f "
		"MB/s  ETA %s   %s",
		done, total, a, b, el > 0 ? (double)bytes / el / 1e6 : 0.0,
		final ? "0:00" : eta, final ? "\n" : "");
	fflush(f);
}

/* Connects the load watch lazily; a failure only disables it. */
static void watch_load(struct cp_run *r, struct ms_db **db, double *next)
{
	struct ms_err err;
	uint64_t n;
	double now = cp_now();

	if (!r->o->max_running || now < *next)
		return;
	*next = now + 1.0;
	if (!*db && cp_connect(r, true, db, &err)) {
		MS_LOG_WARN(CP_COMPONENT, "event=load_watch_off error=\"%s\"",
			    err.msg);
		*next = now + 30.0;
		return;
	}
	if (ms_db_threads_running(*db, &n, &err) == 0) {
		bool over = n > r->o->max_running;

		pthread_mutex_lock(&r->mu);
		if (over != r->paused)
			MS_LOG_INFO(
			    CP_COMPONENT,
			    "event=%s threads_running=%" PRIu64 " max=%u",
			    over ? "pause" : "resume", n, r->o->max_running);
		r->paused = over;
		pthread_mutex_unlock(&r->mu);
	}
}

void *cp_progress_main(void *arg)
{
	struct cp_run *r = arg;
	FILE *f = r->o->progress_out ? r->o->progress_out : stderr;
	struct ms_db *db = NULL;
	double next_line = 0, next_watch = 0;
	struct timespec ts = {0, 250 * 1000 * 1000};

	while (!cp_progress_quit) {
		watch_load(r, &db, &next_watch);
		if (r->o->progress && cp_now() >= next_line) {
			print_line(r, f, false);
			next_line = cp_now() + 1.0;
		}
		nanosleep(&ts, NULL);
	}
	if (r->o->progress)
		print_line(r, f, true);
	ms_db_close(db);
	return NULL;
}

/* The reader thread: pulls raw events off the replication connection into a
 * bounded queue, so the network read and the target's apply overlap. The
 * applier owns whole transactions once popped, so a transaction larger than
 * the cap never deadlocks the pair. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "binlog/binlog.h"
#include "core/log.h"
#include "sync/sync_int.h"

static void *reader_main(void *arg)
{
	struct sy_queue *q = arg;
	struct ms_err err;
	const uint8_t *ev;
	size_t len;
	int rc;

	ms_err_clear(&err);
	for (;;) {
		struct sy_event *e;

		rc = ms_rd_next(q->rd, &ev, &len, &err);
		if (rc < 0)
			break;
		e = malloc(sizeof(*e) + len);
		if (!e) {
			rc = MS_ERR(&err, MS_ENOMEM,
				    "reader: out of memory for a %zu-byte "
				    "event",
				    len);
			break;
		}
		e->next = NULL;
		e->len = len;
		memcpy(e->data, ev, len);
		pthread_mutex_lock(&q->mu);
		while (!q->stop && q->bytes > q->cap)
			pthread_cond_wait(&q->space, &q->mu);
		if (q->stop) {
			pthread_mutex_unlock(&q->mu);
			free(e);
			rc = 0;
			break;
		}
		if (q->tail)
			q->tail->next = e;
		else
			q->head = e;
		q->tail = e;
		q->bytes += len;
		q->count++;
		q->received++;
		pthread_cond_signal(&q->ready);
		pthread_mutex_unlock(&q->mu);
	}
	pthread_mutex_lock(&q->mu);
	q->done = true;
	q->rc = rc;
	q->err = err;
	pthread_cond_broadcast(&q->ready);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int sy_queue_start(struct sy_queue *q, const struct ms_rd_opts *ro,
		   const struct ms_rd_start *start, size_t cap,
		   struct ms_err *err)
{
	int rc;

	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->ready, NULL);
	pthread_cond_init(&q->space, NULL);
	q->cap = cap;
	q->inited = true;
	rc = ms_rd_open(ro, start, &q->rd, err);
	if (rc)
		return rc;
	if (pthread_create(&q->thread, NULL, reader_main, q)) {
		ms_rd_close(q->rd);
		q->rd = NULL;
		return MS_ERR(err, MS_ENOMEM, "cannot start the reader thread");
	}
	q->started = true;
	return 0;
}

static void deadline_in(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int sy_queue_pop(struct sy_queue *q, unsigned int wait_ms,
		 struct sy_event **out, struct ms_err *err)
{
	struct timespec dl;
	int rc = 0;

	*out = NULL;
	deadline_in(&dl, wait_ms);
	pthread_mutex_lock(&q->mu);
	while (!q->head && !q->done) {
		if (!wait_ms ||
		    pthread_cond_timedwait(&q->ready, &q->mu, &dl) == ETIMEDOUT)
			break;
	}
	if (q->head) {
		*out = q->head;
		q->head = q->head->next;
		if (!q->head)
			q->tail = NULL;
		q->bytes -= (*out)->len;
		q->count--;
		(*out)->next = NULL;
		pthread_cond_signal(&q->space);
		rc = 1;
	} else if (q->done) {
		rc = q->rc
			 ? q->rc
			 : MS_ERR(err, MS_ECONNECT, "the binlog stream ended");
		if (q->rc && err)
			*err = q->err;
	}
	pthread_mutex_unlock(&q->mu);
	return rc;
}

size_t sy_queue_count(struct sy_queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->mu);
	n = q->count;
	pthread_mutex_unlock(&q->mu);
	return n;
}

uint32_t sy_queue_head_time(struct sy_queue *q)
{
	uint32_t ts = 0;

	pthread_mutex_lock(&q->mu);
	if (q->head && q->head->len >= 4)
		ts = (uint32_t)q->head->data[0] |
		     (uint32_t)q->head->data[1] << 8 |
		     (uint32_t)q->head->data[2] << 16 |
		     (uint32_t)q->head->data[3] << 24;
	pthread_mutex_unlock(&q->mu);
	return ts;
}

void sy_queue_stop(struct sy_queue *q)
{
	struct sy_event *e, *next;

	if (!q->inited)
		return;
	if (q->started) {
		pthread_mutex_lock(&q->mu);
		q->stop = true;
		pthread_cond_broadcast(&q->space);
		pthread_mutex_unlock(&q->mu);
		ms_rd_interrupt(q->rd);
		pthread_join(q->thread, NULL);
		q->started = false;
	}
	ms_rd_close(q->rd);
	q->rd = NULL;
	for (e = q->head; e; e = next) {
		next = e->next;
		free(e);
	}
	q->head = q->tail = NULL;
	q->bytes = q->count = 0;
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->ready);
	pthread_cond_destroy(&q->space);
	q->inited = false;
}

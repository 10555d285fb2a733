/* Shadow reads: a bounded queue of samples and one thread that runs each
 * on the target (blocking libmariadb, myshift's credentials, a read-only
 * session) in the client's session context, checksums the text-protocol
 * rows the way the loop did while forwarding, and counts and logs what
 * differs. See docs/proxy-backends.md. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "core/log.h"
#include "db/db.h"
#include "db/quote.h"
#include "proto/proto.h"
#include "proxy/shadow.h"
#include "sync/sync.h"

#define SHADOW_QUEUE_DEFAULT 1000
#define SHADOW_READ_TIMEOUT  10 /* s: bounds a shadow query, and stop */
#define SHADOW_BACKOFF_MIN   200
#define SHADOW_BACKOFF_MAX   10000
#define SHADOW_ERRLOG_US     (10u * 1000000u) /* one error line per 10 s */

uint32_t ms_shadow_crc(uint32_t crc, const void *p, size_t n)
{
	return (uint32_t)crc32_z(crc, p, n);
}

/* A queued copy of a sample: the strings live after the struct. */
struct item {
	struct ms_shadow_sample x;
	bool has_mode;
	char data[];
};

/* What the session on the target was last set to. */
struct session {
	bool known; /* charset, time zone and sql_mode are set */
	char *schema, *charset, *time_zone, *sql_mode; /* owned */
	bool has_mode;
};

struct ms_shadow {
	const struct ms_endpoint *target, *source;
	char *cs; /* control schema, owned */
	double rate;
	uint64_t rng; /* the loop's thread only */

	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct item **q; /* ring of <cap> */
	unsigned cap, head, n;
	struct ms_shadow_stats st;

	/* The shadow thread's own. */
	struct ms_db *db, *src_db;
	struct session sess;
	unsigned backoff_ms;
	bool down_logged;
	uint64_t errlog_us, errs_quiet;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

bool ms_shadow_want(struct ms_shadow *s)
{
	uint64_t x;

	if (!s || !(s->rate > 0))
		return false;
	if (s->rate >= 1)
		return true;
	/* xorshift64*: cheap, and statistical quality is all we need. */
	x = s->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) * 0x1.0p-53 <
	       s->rate;
}

static char *put(char **p, const char *s, size_t n)
{
	char *d = *p;

	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	*p += n + 1;
	return d;
}

static struct item *item_new(const struct ms_shadow_sample *x)
{
	const char *schema = x->schema ? x->schema : "";
	const char *cset = x->charset ? x->charset : "";
	const char *tz = x->time_zone ? x->time_zone : "";
	const char *mode = x->sql_mode ? x->sql_mode : "";
	size_t ls = strlen(schema), lc = strlen(cset), lt = strlen(tz),
	       lm = strlen(mode);
	struct item *it;
	char *p;

	it = malloc(sizeof(*it) + x->sql_len + ls + lc + lt + lm + 5);
	if (!it)
		return NULL;
	it->x = *x;
	it->has_mode = x->sql_mode != NULL;
	p = it->data;
	it->x.sql = put(&p, x->sql, x->sql_len);
	it->x.schema = put(&p, schema, ls);
	it->x.charset = put(&p, cset, lc);
	it->x.time_zone = put(&p, tz, lt);
	it->x.sql_mode = put(&p, mode, lm);
	return it;
}

void ms_shadow_submit(struct ms_shadow *s, const struct ms_shadow_sample *x)
{
	struct item *it = item_new(x);

	pthread_mutex_lock(&s->mu);
	s->st.sampled++;
	if (!it || s->n == s->cap || s->stop) {
		s->st.dropped++;
		pthread_mutex_unlock(&s->mu);
		free(it);
		return;
	}
	s->q[(s->head + s->n) % s->cap] = it;
	s->n++;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void ms_shadow_stats(struct ms_shadow *s, struct ms_shadow_stats *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->st;
	pthread_mutex_unlock(&s->mu);
}

static void count(struct ms_shadow *s, uint64_t *field)
{
	pthread_mutex_lock(&s->mu);
	(*field)++;
	pthread_mutex_unlock(&s->mu);
}

/* ---- the target session ------------------------------------------------- */

static void session_reset(struct session *ss)
{
	free(ss->schema);
	free(ss->charset);
	free(ss->time_zone);
	free(ss->sql_mode);
	memset(ss, 0, sizeof(*ss));
}

static void disconnect(struct ms_shadow *s)
{
	ms_db_close(s->db);
	s->db = NULL;
	session_reset(&s->sess);
}

/* Waits <ms> or until stop; returns true when stopping. */
static bool nap(struct ms_shadow *s, unsigned ms)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	while (!s->stop && pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0)
		;
	stop = s->stop;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

static int connect_target(struct ms_shadow *s, struct ms_err *err)
{
	struct ms_db_opts o = {.role = "target",
			       .read_timeout_s = SHADOW_READ_TIMEOUT,
			       .write_timeout_s = SHADOW_READ_TIMEOUT};
	int rc;

	rc = ms_db_connect(s->target, &o, &s->db, err);
	/* A safety net under the classifier: a statement that would write
	 * fails on the target instead of writing. */
	rc = rc ? rc
		: ms_db_exec(s->db, "SET SESSION TRANSACTION READ ONLY", err);
	if (rc) {
		disconnect(s);
		if (!s->down_logged)
			MS_LOG_WARN("proxy",
				    "event=shadow_connect_failed error=\"%s\"",
				    err->msg);
		s->down_logged = true;
		s->backoff_ms =
		    s->backoff_ms ? s->backoff_ms * 2 : SHADOW_BACKOFF_MIN;
		if (s->backoff_ms > SHADOW_BACKOFF_MAX)
			s->backoff_ms = SHADOW_BACKOFF_MAX;
		return rc;
	}
	if (s->down_logged)
		MS_LOG_WARN("proxy", "event=shadow_connected");
	s->down_logged = false;
	s->backoff_ms = 0;
	return 0;
}

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static int remember(char **slot, const char *v, struct ms_err *err)
{
	char *d = strdup(v);

	if (!d)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	free(*slot);
	*slot = d;
	return 0;
}

/* "SET <what> = DEFAULT" or "SET <what> = '<v>'". */
static int set_var(struct ms_db *db, const char *what, const char *v,
		   struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 4096);
	rc = ms_buf_addf(&q, "SET SESSION %s = ", what);
	rc = rc	 ? rc
	     : v ? ms_db_quote_string(db, &q, v, strlen(v))
		 : ms_buf_addstr(&q, "DEFAULT");
	return ms_db_exec_built(db, &q, rc, what, err);
}

static bool charset_name_ok(const char *c)
{
	size_t i;

	for (i = 0; c[i]; i++)
		if (!((c[i] >= 'a' && c[i] <= 'z') ||
		      (c[i] >= 'A' && c[i] <= 'Z') ||
		      (c[i] >= '0' && c[i] <= '9') || c[i] == '_'))
			return false;
	return i > 0 && i < 64;
}

/* Sets what differs between the session and sample <it>. */
static int session_apply(struct ms_shadow *s, const struct item *it,
			 struct ms_err *err)
{
	struct session *ss = &s->sess;
	const struct ms_shadow_sample *x = &it->x;
	const char *cset = x->charset[0] ? x->charset : "utf8mb4";
	struct ms_buf q;
	int rc = 0;

	if (x->schema[0] && !same(ss->schema, x->schema)) {
		ms_buf_init(&q, 512);
		rc = ms_buf_addstr(&q, "USE ");
		rc = rc ? rc : ms_quote_ident(&q, x->schema);
		free(ss->schema);
		ss->schema = NULL;
		rc = ms_db_exec_built(s->db, &q, rc, "USE", err);
		rc = rc ? rc : remember(&ss->schema, x->schema, err);
	}
	if (!rc && (!ss->known || !same(ss->charset, cset))) {
		if (!charset_name_ok(cset))
			return MS_ERR(err, MS_EINVAL,
				      "shadow: bad character set name");
		ms_buf_init(&q, 128);
		rc = ms_buf_addf(&q, "SET NAMES %s", cset);
		rc = ms_db_exec_built(s->db, &q, rc, "SET NAMES", err);
		rc = rc ? rc : remember(&ss->charset, cset, err);
	}
	if (!rc && (!ss->known || !same(ss->time_zone, x->time_zone))) {
		rc = set_var(s->db, "time_zone",
			     x->time_zone[0] ? x->time_zone : NULL, err);
		rc = rc ? rc : remember(&ss->time_zone, x->time_zone, err);
	}
	if (!rc && (!ss->known || ss->has_mode != it->has_mode ||
		    !same(ss->sql_mode, x->sql_mode))) {
		rc = set_var(s->db, "sql_mode",
			     it->has_mode ? x->sql_mode : NULL, err);
		rc = rc ? rc : remember(&ss->sql_mode, x->sql_mode, err);
		ss->has_mode = it->has_mode;
	}
	if (rc) { /* set it all again next time */
		ss->known = false;
		return rc;
	}
	ss->known = true;
	return 0;
}

/* ---- checksum and compare ----------------------------------------------- */

/* A length-encoded integer as the wire writes it; returns its size. */
static size_t lenenc(uint8_t out[9], uint64_t v)
{
	size_t n, i;

	if (v < 251) {
		out[0] = (uint8_t)v;
		return 1;
	}
	if (v < 0x10000) {
		out[0] = 0xfc;
		n = 2;
	} else if (v < 0x1000000) {
		out[0] = 0xfd;
		n = 3;
	} else {
		out[0] = 0xfe;
		n = 8;
	}
	for (i = 0; i < n; i++)
		out[1 + i] = (uint8_t)(v >> (8 * i));
	return n + 1;
}

/* Runs <sql> and checksums its rows: each row's text-protocol payload
 * (every column a length-encoded string, NULL the byte 0xfb) chained
 * through ms_shadow_crc. */
static int run_rows(struct ms_db *db, const char *sql, uint64_t *columns,
		    uint64_t *rows, uint32_t *crc, struct ms_err *err)
{
	static const uint8_t null_byte = 0xfb;
	struct ms_db_stream *st = NULL;
	const char *const *vals;
	const size_t *lens;
	uint8_t hdr[9];
	size_t ncols, i;
	int rc;

	*rows = 0;
	*crc = 0;
	rc = ms_db_stream_open(db, sql, &st, err);
	if (rc)
		return rc;
	ncols = ms_db_stream_ncols(st);
	*columns = ncols;
	while ((rc = ms_db_stream_next(st, &vals, &lens, err)) == 1) {
		for (i = 0; i < ncols; i++) {
			if (!vals[i]) {
				*crc = ms_shadow_crc(*crc, &null_byte, 1);
				continue;
			}
			*crc = ms_shadow_crc(*crc, hdr, lenenc(hdr, lens[i]));
			*crc = ms_shadow_crc(*crc, vals[i], lens[i]);
		}
		(*rows)++;
	}
	ms_db_stream_close(st);
	return rc;
}

/* The sync lag as `myshift status` computes it: 0 once the applied
 * position has reached the source's binlog end, else the lag sync last
 * wrote while running, else the age of the last applied event. */
static void lag_text(struct ms_shadow *s, char *out, size_t size)
{
	struct ms_db_result *r = NULL;
	struct ms_err e;
	struct ms_buf q;
	char end_file[256];
	uint64_t end_pos;
	const char *v;
	int rc;

	snprintf(out, size, "unknown");
	ms_err_clear(&e);
	ms_buf_init(&q, 1024);
	rc = ms_buf_addstr(&q, "SELECT file, pos, running, lag_seconds, "
			       "TIMESTAMPDIFF(MICROSECOND, progress_at, "
			       "UTC_TIMESTAMP(6)) / 1e6, "
			       "CAST(UNIX_TIMESTAMP() AS SIGNED) - "
			       "CAST(event_time AS SIGNED) FROM ");
	rc = rc ? rc : ms_quote_ident(&q, s->cs);
	rc = rc ? rc
		: ms_buf_addstr(&q, ".`sync_state` WHERE direction = "
				    "'forward'");
	rc = rc ? rc : ms_db_query(s->db, ms_buf_str(&q), &r, &e);
	ms_buf_free(&q);
	if (rc || ms_db_result_nrows(r) != 1) {
		ms_db_result_free(r);
		return;
	}
	if (s->source && !s->src_db) {
		struct ms_db_opts o = {.role = "source",
				       .read_timeout_s = SHADOW_READ_TIMEOUT};

		if (ms_db_connect(s->source, &o, &s->src_db, &e))
			s->src_db = NULL;
	}
	if (s->src_db) {
		if (ms_db_binlog_end(s->src_db, end_file, sizeof(end_file),
				     &end_pos, &e) == 0) {
			if (ms_sync_pos_cmp(
				ms_db_result_get(r, 0, 0),
				strtoull(ms_db_result_get(r, 0, 1), NULL, 10),
				end_file, end_pos) >= 0) {
				snprintf(out, size, "0.0s");
				ms_db_result_free(r);
				return;
			}
		} else {
			ms_db_close(s->src_db);
			s->src_db = NULL;
		}
	}
	v = ms_db_result_get(r, 0, 4);
	if (same(ms_db_result_get(r, 0, 2), "1") && v && strtod(v, NULL) < 5 &&
	    (v = ms_db_result_get(r, 0, 3)))
		snprintf(out, size, "%.1fs", strtod(v, NULL));
	else if ((v = ms_db_result_get(r, 0, 5)))
		snprintf(out, size, "%.1fs",
			 strtod(v, NULL) < 0 ? 0.0 : strtod(v, NULL));
	ms_db_result_free(r);
}

static void digest_of(const struct ms_shadow_sample *x, struct ms_buf *d)
{
	size_t i;

	ms_buf_init(d, 1024);
	if (ms_proto_digest(x->sql, x->sql_len, 512, d))
		ms_buf_free(d);	     /* the log line then shows digest="" */
	for (i = 0; i < d->len; i++) /* keep the value inside its quotes */
		if (d->ptr[i] == '"')
			d->ptr[i] = '\'';
}

static void log_error(struct ms_shadow *s, const struct ms_shadow_sample *x,
		      const struct ms_err *err)
{
	uint64_t now = mono_us();
	struct ms_buf d;

	if (s->errlog_us && now - s->errlog_us < SHADOW_ERRLOG_US) {
		s->errs_quiet++;
		return;
	}
	digest_of(x, &d);
	MS_LOG_WARN("proxy",
		    "event=shadow_error digest=\"%s\" schema=%s error=\"%s\" "
		    "errors_not_logged=%llu",
		    ms_buf_str(&d), x->schema[0] ? x->schema : "-", err->msg,
		    (unsigned long long)s->errs_quiet);
	ms_buf_free(&d);
	s->errlog_us = now;
	s->errs_quiet = 0;
}

static void run_sample(struct ms_shadow *s, const struct item *it)
{
	const struct ms_shadow_sample *x = &it->x;
	uint64_t columns = 0, rows = 0;
	uint32_t crc = 0;
	struct ms_err err;
	struct ms_buf d;
	char lag[64];
	bool match;
	int rc;

	ms_err_clear(&err);
	if (!s->db && connect_target(s, &err)) {
		count(s, &s->st.errors);
		(void)nap(s, s->backoff_ms);
		return;
	}
	if (memchr(x->sql, '\0', x->sql_len))
		rc = MS_ERR(&err, MS_EUNSUPPORTED,
			    "statement holds a NUL byte: not shadowed");
	else
		rc = session_apply(s, it, &err);
	rc = rc ? rc : run_rows(s->db, x->sql, &columns, &rows, &crc, &err);
	if (rc) {
		log_error(s, x, &err);
		count(s, &s->st.errors);
		if (rc == MS_ECONNECT || rc == MS_ETIMEOUT)
			disconnect(s);
		return;
	}
	match = columns == x->columns && rows == x->rows && crc == x->crc;
	if (!match) { /* logged before it is counted: tests wait on counts */
		lag_text(s, lag, sizeof(lag));
		digest_of(x, &d);
		MS_LOG_WARN("proxy",
			    "event=shadow_mismatch digest=\"%s\" schema=%s "
			    "rows=%llu/%llu columns=%llu/%llu crc=%08x/%08x "
			    "lag=%s",
			    ms_buf_str(&d), x->schema[0] ? x->schema : "-",
			    (unsigned long long)x->rows,
			    (unsigned long long)rows,
			    (unsigned long long)x->columns,
			    (unsigned long long)columns, x->crc, crc, lag);
		ms_buf_free(&d);
	}
	pthread_mutex_lock(&s->mu);
	s->st.compared++;
	if (match)
		s->st.matched++;
	else
		s->st.mismatched++;
	pthread_mutex_unlock(&s->mu);
}

static void *shadow_main(void *arg)
{
	struct ms_shadow *s = arg;
	struct item *it;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (!s->stop && s->n == 0)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		it = s->q[s->head];
		s->head = (s->head + 1) % s->cap;
		s->n--;
		pthread_mutex_unlock(&s->mu);
		run_sample(s, it);
		free(it);
	}
	disconnect(s);
	ms_db_close(s->src_db);
	s->src_db = NULL;
	return NULL;
}

static void shadow_free(struct ms_shadow *s)
{
	while (s->n) {
		free(s->q[s->head]);
		s->head = (s->head + 1) % s->cap;
		s->n--;
	}
	free(s->q);
	free(s->cs);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

int ms_shadow_start(const struct ms_shadow_opts *o, struct ms_shadow **out,
		    struct ms_err *err)
{
	struct ms_shadow *s;
	pthread_condattr_t ca;
	int rc;

	*out = NULL;
	if (!o->target || !o->target->host)
		return MS_ERR(err, MS_ECONFIG,
			      "shadow reads need a target (--target)");
	if (!(o->rate >= 0 && o->rate <= 1))
		return MS_ERR(err, MS_ECONFIG,
			      "shadow rate %g: expected a fraction in [0, 1]",
			      o->rate);
	s = calloc(1, sizeof(*s));
	if (!s)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	s->target = o->target;
	s->source = o->source && o->source->host ? o->source : NULL;
	s->rate = o->rate;
	s->cap = o->queue ? o->queue : SHADOW_QUEUE_DEFAULT;
	s->rng = (mono_us() | 1) * 0x9E3779B97F4A7C15ull;
	if (!s->rng)
		s->rng = 1;
	s->cs =
	    strdup(o->control_schema && *o->control_schema ? o->control_schema
							   : "_myshift");
	s->q = calloc(s->cap, sizeof(*s->q));
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (!s->cs || !s->q) {
		shadow_free(s);
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	rc = pthread_create(&s->thread, NULL, shadow_main, s);
	if (rc) {
		shadow_free(s);
		return MS_ERR(err, MS_EINTERNAL,
			      "cannot start the shadow thread: %s",
			      strerror(rc));
	}
	*out = s;
	return 0;
}

void ms_shadow_stop(struct ms_shadow *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	shadow_free(s);
}

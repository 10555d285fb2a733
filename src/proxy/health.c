/* Backend health: one thread, blocking libmariadb connections with
 * myshift's credentials, SELECT 1 on each backend every interval. The
 * event loop reads the atomics in struct ms_backend; the last error is
 * copied out under the mutex. The greeting version the proxy shows its
 * clients is read from the backend's own greeting at the first check. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "db/db.h"
#include "proto/proto.h"
#include "proxy/backend.h"
#include "proxy/conn.h"
#include "proxy/loop.h"

#define HEALTH_TIMEOUT_S 5 /* connect and SELECT 1, unless the URI says */

struct ms_health {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, started;
	struct ms_backend *bs;
	int n;
	unsigned interval_ms;
	struct ms_db *db[MS_BACKEND_MAX];
	bool down_logged[MS_BACKEND_MAX];
};

/* Reads the greeting <b> sends before any login, blocking for at most
 * HEALTH_TIMEOUT_S: its server version is what clients of the proxy must
 * see (MariaDB 10.x sends "5.5.5-10.x.y-MariaDB", which libmariadb strips
 * from mysql_get_server_info; MariaDB 11 sends its version as is). */
static bool wait_fd(int fd, short events)
{
	struct pollfd p = {.fd = fd, .events = events};
	int r;

	do
		r = poll(&p, 1, HEALTH_TIMEOUT_S * 1000);
	while (r < 0 && errno == EINTR);
	return r == 1;
}

static int greeting_version(struct ms_backend *b, char *out, size_t size,
			    struct ms_err *err)
{
	uint8_t buf[1024];
	struct ms_greeting g;
	size_t got = 0;
	uint32_t len;
	uint8_t seq;
	ssize_t r;
	int fd = -1, rc;

	rc = ms_net_connect(b->addr, b->port, &fd, err);
	if (rc)
		return rc;
	if (!wait_fd(fd, POLLOUT) || ms_net_connect_result(fd, err)) {
		close(fd);
		return MS_ERR(err, MS_ECONNECT,
			      "backend %s: no connection to %s:%u for its "
			      "greeting",
			      b->name, b->addr, b->port);
	}
	for (;;) {
		if (got >= MS_PROTO_HDR) {
			ms_proto_hdr_read(buf, &len, &seq);
			if (len > sizeof(buf) - MS_PROTO_HDR) {
				rc = MS_ERR(err, MS_ECORRUPT,
					    "backend %s: greeting of %u bytes",
					    b->name, len);
				break;
			}
			if (got >= MS_PROTO_HDR + len) {
				rc = ms_proto_greeting_parse(buf + MS_PROTO_HDR,
							     len, &g, err);
				break;
			}
		}
		if (!wait_fd(fd, POLLIN)) {
			rc = MS_ERR(err, MS_ETIMEOUT,
				    "backend %s: no greeting within %d s",
				    b->name, HEALTH_TIMEOUT_S);
			break;
		}
		r = recv(fd, buf + got, sizeof(buf) - got, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			rc = MS_ERR(err, MS_ECONNECT,
				    "backend %s: closed before its greeting",
				    b->name);
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	if (!rc)
		snprintf(out, size, "%s", g.server_version);
	return rc;
}

/* The version for the proxy's greeting: the backend's own greeting, or,
 * when it cannot be read, what the server reports with "5.5.5-" before a
 * MariaDB 10.x version (the form MariaDB 10 sends and MariaDB clients
 * expect). */
static void capture_version(struct ms_backend *b, struct ms_db *db)
{
	struct ms_err e;
	int rc;

	ms_err_clear(&e);
	rc = greeting_version(b, b->version, sizeof(b->version), &e);
	if (!rc && b->version[0])
		return;
	MS_LOG_DEBUG("proxy",
		     "event=greeting_version backend=%s error=\"%s\" "
		     "fallback=version()",
		     b->name, e.msg);
	snprintf(b->version, sizeof(b->version), "%s%s",
		 ms_db_is_mariadb(db) && ms_db_server_version_num(db) < 110000
		     ? "5.5.5-"
		     : "",
		 ms_db_server_version(db));
}

static void set_error(struct ms_health *h, struct ms_backend *b,
		      const char *msg)
{
	pthread_mutex_lock(&h->mu);
	snprintf(b->last_error, sizeof(b->last_error), "%s", msg);
	pthread_mutex_unlock(&h->mu);
}

/* One check of backend <i>: connect when needed, SELECT 1. */
static int check_one(struct ms_health *h, int i, bool first, struct ms_err *err)
{
	struct ms_backend *b = &h->bs[i];
	unsigned t = b->ep->connect_timeout_s ? b->ep->connect_timeout_s
					      : HEALTH_TIMEOUT_S;
	struct ms_db_opts o = {.role = b->name,
			       .connect_timeout_s = t,
			       .read_timeout_s = HEALTH_TIMEOUT_S,
			       .write_timeout_s = HEALTH_TIMEOUT_S};
	char *one = NULL;
	int rc = 0;

	atomic_fetch_add(&b->checks, 1);
	if (!h->db[i])
		rc = ms_db_connect(b->ep, &o, &h->db[i], err);
	if (!rc)
		rc = ms_db_query_value(h->db[i], "SELECT 1", &one, err);
	free(one);
	if (!rc) {
		if (first)
			capture_version(b, h->db[i]);
		atomic_store(&b->last_ok_ms, ms_mono_us() / 1000);
		if (!atomic_exchange(&b->healthy, true) && h->down_logged[i])
			MS_LOG_WARN("proxy", "event=backend_up backend=%s",
				    b->name);
		h->down_logged[i] = false;
		return 0;
	}
	atomic_fetch_add(&b->failures, 1);
	atomic_store(&b->healthy, false);
	ms_db_close(h->db[i]);
	h->db[i] = NULL;
	set_error(h, b, err ? err->msg : ms_strerror(rc));
	if (!h->down_logged[i])
		MS_LOG_WARN("proxy",
			    "event=backend_down backend=%s error=\"%s\"",
			    b->name, err ? err->msg : ms_strerror(rc));
	h->down_logged[i] = true;
	return rc;
}

static void *health_main(void *arg)
{
	struct ms_health *h = arg;
	struct timespec until;
	struct ms_err e;
	int i;

	pthread_mutex_lock(&h->mu);
	while (!h->stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += h->interval_ms / 1000;
		until.tv_nsec += (long)(h->interval_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!h->stop &&
		       pthread_cond_timedwait(&h->cv, &h->mu, &until) == 0)
			;
		if (h->stop)
			break;
		pthread_mutex_unlock(&h->mu);
		for (i = 0; i < h->n; i++) {
			ms_err_clear(&e);
			(void)check_one(h, i, false, &e);
		}
		pthread_mutex_lock(&h->mu);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static void health_free(struct ms_health *h)
{
	int i;

	for (i = 0; i < MS_BACKEND_MAX; i++)
		ms_db_close(h->db[i]);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

int ms_health_start(struct ms_backend *bs, int n, unsigned interval_ms,
		    struct ms_health **out, struct ms_err *err)
{
	struct ms_health *h;
	pthread_condattr_t ca;
	struct ms_err e;
	int i, rc;

	*out = NULL;
	if (n < 0 || n > MS_BACKEND_MAX)
		return MS_ERR(err, MS_EINVAL, "%d backends", n);
	h = calloc(1, sizeof(*h));
	if (!h)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	h->bs = bs;
	h->n = n;
	h->interval_ms = interval_ms ? interval_ms : 1000;
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	for (i = 0; i < n; i++) {
		ms_err_clear(&e);
		rc = check_one(h, i, true, &e);
		if (rc && bs[i].index == MS_BACKEND_SOURCE) {
			MS_ERR(err, MS_ECONNECT, "backend source: %s", e.msg);
			health_free(h);
			return MS_ECONNECT;
		}
	}
	rc = pthread_create(&h->thread, NULL, health_main, h);
	if (rc) {
		health_free(h);
		return MS_ERR(err, MS_EINTERNAL,
			      "cannot start the health thread: %s",
			      strerror(rc));
	}
	h->started = true;
	*out = h;
	return 0;
}

void ms_health_last_error(struct ms_health *h, int i, char *buf, size_t size)
{
	if (!size)
		return;
	buf[0] = '\0';
	if (!h || i < 0 || i >= h->n)
		return;
	pthread_mutex_lock(&h->mu);
	snprintf(buf, size, "%s", h->bs[i].last_error);
	pthread_mutex_unlock(&h->mu);
}

void ms_health_stop(struct ms_health *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	if (h->started)
		pthread_join(h->thread, NULL);
	health_free(h);
}

/* Unit tests for the proxy's plumbing: the epoll loop (timers, fd events,
 * wake-up from another thread), byte queues, plain and TLS connections
 * over loopback TCP (certificates made with the openssl command at test
 * start), the admin HTTP parser and server, and the metrics text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/admin.h"
#include "proxy/conn.h"
#include "proxy/http.h"
#include "proxy/loop.h"
#include "proxy/metrics.h"

/* Waits up to 10 s for <events> (POLLIN, POLLOUT) on <fd>. */
static void wait_fd(int fd, short events)
{
	struct pollfd pfd = {.fd = fd, .events = events};

	assert_int_equal(poll(&pfd, 1, 10000), 1);
}

/* ---- loop: timers ---- */

struct tlog {
	int order[16];
	int n;
	uint64_t cancel_id; /* cancelled by the first timer to run */
};

struct tagged {
	struct tlog *log;
	int tag;
};

static void t_tagged(struct ms_loop *loop, uint64_t id, void *data)
{
	struct tagged *t = data;

	(void)id;
	t->log->order[t->log->n++] = t->tag;
	if (t->log->cancel_id) {
		ms_loop_timer_cancel(loop, t->log->cancel_id);
		t->log->cancel_id = 0;
	}
	if (t->tag == 99)
		ms_loop_stop(loop);
}

static void loop_timers_order_and_cancel(void **state)
{
	struct ms_loop *loop;
	struct ms_err err;
	struct tlog log = {0};
	struct tagged t[6];
	uint64_t ids[6];
	uint64_t t0;

	(void)state;
	assert_int_equal(ms_loop_create(64, &loop, &err), 0);
	/* tags: deadline order 3(5ms),1(10),2(10, later),4(30: cancelled
	 * by the first), 5(20: cancelled now), 99(40: stops) */
	int tags[6] = {1, 2, 3, 4, 5, 99};
	uint64_t ms[6] = {10, 10, 5, 30, 20, 40};
	for (int i = 0; i < 6; i++) {
		t[i].log = &log;
		t[i].tag = tags[i];
		ids[i] = ms_loop_timer(loop, ms[i], t_tagged, &t[i]);
		assert_true(ids[i] != 0);
	}
	log.cancel_id = ids[3];
	ms_loop_timer_cancel(loop, ids[4]);
	ms_loop_timer_cancel(loop, ids[4]); /* twice: no-op */
	ms_loop_timer_cancel(loop, 0);
	t0 = ms_mono_us();
	assert_int_equal(ms_loop_run(loop, &err), 0);
	assert_true(ms_mono_us() - t0 >= 39000);
	assert_int_equal(log.n, 4);
	assert_int_equal(log.order[0], 3);
	assert_int_equal(log.order[1], 1);
	assert_int_equal(log.order[2], 2);
	assert_int_equal(log.order[3], 99);
	/* a stale id (its timer ran) matches nothing, even when the slot is
	 * reused */
	uint64_t again = ms_loop_timer(loop, 1000, t_tagged, &t[0]);
	ms_loop_timer_cancel(loop, ids[0]);
	ms_loop_timer_cancel(loop, again);
	ms_loop_free(loop);
}

/* Many timers with random deadlines come out sorted (the heap). */
struct heapcheck {
	uint64_t last;
	int n, bad, total;
};

static void t_heap(struct ms_loop *loop, uint64_t id, void *data)
{
	struct heapcheck *h = data;
	uint64_t now = ms_loop_now_ms(loop);

	(void)id;
	if (now < h->last)
		h->bad++;
	h->last = now;
	if (++h->n == h->total)
		ms_loop_stop(loop);
}

static void loop_timers_many(void **state)
{
	struct ms_loop *loop;
	struct ms_err err;
	struct heapcheck h = {0};
	uint64_t ids[500];

	(void)state;
	assert_int_equal(ms_loop_create(64, &loop, &err), 0);
	srand(7);
	h.total = 250;
	for (int i = 0; i < 500; i++)
		ids[i] =
		    ms_loop_timer(loop, (uint64_t)(rand() % 30), t_heap, &h);
	for (int i = 1; i < 500; i += 2)
		ms_loop_timer_cancel(loop, ids[i]);
	assert_int_equal(ms_loop_run(loop, &err), 0);
	assert_int_equal(h.n, 250);
	assert_int_equal(h.bad, 0);
	ms_loop_free(loop);
}

/* ---- loop: fd events ---- */

struct fdcase {
	int fds[2];
	int reads, writes;
	char got[16];
};

static void on_fd(struct ms_loop *loop, int fd, int events, void *data)
{
	struct fdcase *c = data;

	if (events & MS_EV_WRITE) {
		c->writes++;
		assert_int_equal(write(fd, "ping", 4), 4);
		/* written once: only read interest from now on */
		assert_int_equal(ms_loop_set(loop, fd, MS_EV_READ, on_fd, c),
				 0);
		assert_int_equal(ms_loop_mask(loop, fd), MS_EV_READ);
	}
	if ((events & MS_EV_READ) && fd == c->fds[1]) {
		c->reads++;
		assert_int_equal(read(fd, c->got, sizeof(c->got)), 4);
		ms_loop_del(loop, fd);
		assert_int_equal(ms_loop_mask(loop, fd), 0);
		ms_loop_stop(loop);
	}
}

static void loop_fd_events(void **state)
{
	struct ms_loop *loop;
	struct ms_err err;
	struct fdcase c = {0};

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, c.fds), 0);
	assert_int_equal(ms_loop_create(1024, &loop, &err), 0);
	assert_int_equal(ms_loop_set(loop, c.fds[0], MS_EV_WRITE, on_fd, &c),
			 0);
	assert_int_equal(ms_loop_set(loop, c.fds[1], MS_EV_READ, on_fd, &c), 0);
	assert_int_equal(ms_loop_set(loop, 5000, MS_EV_READ, on_fd, &c),
			 MS_ETOOLARGE);
	assert_int_equal(ms_loop_run(loop, &err), 0);
	assert_int_equal(c.writes, 1);
	assert_int_equal(c.reads, 1);
	assert_memory_equal(c.got, "ping", 4);
	ms_loop_del(loop, c.fds[0]);
	ms_loop_del(loop, c.fds[0]); /* absent: no-op */
	close(c.fds[0]);
	close(c.fds[1]);
	ms_loop_free(loop);
}

/* A hang-up is reported as READ|WRITE masked by the interest. */
static void on_hup(struct ms_loop *loop, int fd, int events, void *data)
{
	int *seen = data;

	*seen = events;
	ms_loop_del(loop, fd);
	ms_loop_stop(loop);
}

static void loop_fd_hangup(void **state)
{
	struct ms_loop *loop;
	struct ms_err err;
	int fds[2], seen = 0;
	char b;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	assert_int_equal(ms_loop_create(1024, &loop, &err), 0);
	assert_int_equal(ms_loop_set(loop, fds[0], MS_EV_READ, on_hup, &seen),
			 0);
	close(fds[1]);
	assert_int_equal(ms_loop_run(loop, &err), 0);
	assert_int_equal(seen, MS_EV_READ);
	assert_int_equal(read(fds[0], &b, 1), 0);
	close(fds[0]);
	ms_loop_free(loop);
}

/* ---- loop: wake-up from another thread ---- */

struct wakecase {
	struct ms_loop *loop;
	int wakes;
};

static void on_wake(struct ms_loop *loop, void *data)
{
	struct wakecase *w = data;

	w->wakes++;
	ms_loop_stop(loop);
}

static void *waker(void *arg)
{
	struct wakecase *w = arg;

	usleep(20000);
	ms_loop_wake(w->loop);
	return NULL;
}

static void on_never(struct ms_loop *loop, uint64_t id, void *data)
{
	(void)loop, (void)id;
	*(int *)data = 1;
}

static void loop_wake_from_thread(void **state)
{
	struct wakecase w = {0};
	struct ms_err err;
	pthread_t th;
	int fired = 0;
	uint64_t t0;

	(void)state;
	assert_int_equal(ms_loop_create(64, &w.loop, &err), 0);
	ms_loop_on_wake(w.loop, on_wake, &w);
	(void)ms_loop_timer(w.loop, 5000, on_never, &fired);
	t0 = ms_mono_us();
	assert_int_equal(pthread_create(&th, NULL, waker, &w), 0);
	assert_int_equal(ms_loop_run(w.loop, &err), 0);
	pthread_join(th, NULL);
	assert_int_equal(w.wakes, 1);
	assert_int_equal(fired, 0);
	assert_true(ms_mono_us() - t0 < 2000000);
	ms_loop_free(w.loop);
}

/* ---- byte queue ---- */

static void bq_grow_cap_consume_shrink(void **state)
{
	struct ms_bq q;
	uint8_t chunk[1000], *p;

	(void)state;
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)i;
	ms_bq_init(&q, 100000);
	assert_int_equal(ms_bq_len(&q), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(ms_bq_add(&q, chunk, sizeof(chunk)), 0);
	assert_int_equal(ms_bq_len(&q), 100000);
	assert_true(q.alloc <= 100000);
	assert_int_equal(ms_bq_add(&q, chunk, 1), MS_ETOOLARGE);
	assert_null(ms_bq_reserve(&q, 1));
	assert_int_equal(ms_bq_len(&q), 100000);
	ms_bq_consume(&q, 99500);
	assert_int_equal(ms_bq_len(&q), 500);
	assert_int_equal(ms_bq_data(&q)[0], (uint8_t)(99500 % 1000));
	/* room by moving the 500 live bytes to the front, no growth */
	size_t alloc = q.alloc;
	p = ms_bq_reserve(&q, 90000);
	assert_non_null(p);
	assert_int_equal(q.alloc, alloc);
	assert_int_equal(q.start, 0);
	memset(p, 7, 10);
	ms_bq_commit(&q, 10);
	assert_int_equal(ms_bq_len(&q), 510);
	assert_int_equal(ms_bq_data(&q)[0], (uint8_t)(99500 % 1000));
	assert_int_equal(ms_bq_data(&q)[509], 7);
	/* shrink only frees an empty queue */
	ms_bq_shrink(&q, 1024);
	assert_non_null(q.ptr);
	ms_bq_consume(&q, 510);
	assert_int_equal(ms_bq_len(&q), 0);
	ms_bq_shrink(&q, 1024);
	assert_null(q.ptr);
	assert_int_equal(q.alloc, 0);
	/* usable again after shrinking */
	assert_int_equal(ms_bq_add(&q, "abc", 3), 0);
	assert_memory_equal(ms_bq_data(&q), "abc", 3);
	ms_bq_free(&q);
	ms_bq_free(&q);
}

/* ---- plain connections over loopback TCP ---- */

/* A connected pair: a client side from ms_net_connect and a server side
 * from ms_net_accept. */
static void tcp_pair(int *cfd, int *sfd, char *peer, size_t peer_size)
{
	struct ms_err err;
	int lfd, port, rc;

	assert_int_equal(ms_net_listen("127.0.0.1:0", 16, &lfd, &err), 0);
	port = ms_net_local_port(lfd);
	assert_true(port > 0);
	assert_int_equal(ms_net_connect("127.0.0.1", (unsigned)port, cfd, &err),
			 0);
	for (int i = 0; i < 10000; i++) {
		rc = ms_net_accept(lfd, sfd, peer, peer_size, &err);
		assert_true(rc >= 0);
		if (rc == 1)
			break;
		usleep(1000);
	}
	assert_int_equal(rc, 1);
	assert_int_equal(ms_net_accept(lfd, &port, NULL, 0, &err), 0);
	for (int i = 0; i < 10000; i++) {
		if (ms_net_connect_result(*cfd, &err) == 0)
			break;
		usleep(1000);
	}
	assert_int_equal(ms_net_connect_result(*cfd, &err), 0);
	close(lfd);
}

static void net_addresses(void **state)
{
	struct ms_err err;
	int fd, cfd;

	(void)state;
	assert_int_equal(ms_net_listen("127.0.0.1", 16, &fd, &err), MS_ECONFIG);
	assert_non_null(strstr(err.msg, "127.0.0.1"));
	assert_int_equal(ms_net_listen("1.2.3.4:99999", 16, &fd, &err),
			 MS_ECONFIG);
	assert_int_equal(ms_net_listen("::1:5", 16, &fd, &err), MS_ECONFIG);
	assert_int_equal(ms_net_listen(":0", 16, &fd, &err), 0);
	assert_true(ms_net_local_port(fd) > 0);
	close(fd);
	if (ms_net_listen("[::1]:0", 16, &fd, &err) == 0) {
		char peer[64];
		int sfd, rc = 0;

		assert_int_equal(ms_net_connect("[::1]",
						(unsigned)ms_net_local_port(fd),
						&cfd, &err),
				 0);
		for (int i = 0; i < 10000 && rc == 0; i++) {
			rc = ms_net_accept(fd, &sfd, peer, sizeof(peer), &err);
			if (!rc)
				usleep(1000);
		}
		assert_int_equal(rc, 1);
		assert_memory_equal(peer, "[::1]:", 6);
		close(sfd);
		close(cfd);
		close(fd);
	}
	/* a port nobody listens on: the connect fails, named */
	assert_int_equal(ms_net_listen("127.0.0.1:0", 1, &fd, &err), 0);
	int port = ms_net_local_port(fd);
	close(fd);
	assert_int_equal(
	    ms_net_connect("127.0.0.1", (unsigned)port, &cfd, &err), 0);
	wait_fd(cfd, POLLOUT);
	assert_int_equal(ms_net_connect_result(cfd, &err), MS_ECONNECT);
	assert_non_null(strstr(err.msg, "refused"));
	close(cfd);
	assert_int_equal(
	    ms_net_connect("no-such-host.invalid", 3306, &cfd, &err),
	    MS_ECONNECT);
	assert_non_null(strstr(err.msg, "no-such-host.invalid"));
}

static void conn_plain(void **state)
{
	struct ms_conn a, b;
	char peer[64];
	int cfd, sfd;
	long n;

	(void)state;
	tcp_pair(&cfd, &sfd, peer, sizeof(peer));
	assert_memory_equal(peer, "127.0.0.1:", 10);
	ms_conn_init(&a, cfd, 1 << 20, 1 << 20);
	ms_conn_init(&b, sfd, 64, 1 << 20);
	snprintf(b.peer, sizeof(b.peer), "%s", peer);
	assert_false(ms_conn_is_tls(&a));
	assert_int_equal(ms_conn_read(&b), 0); /* nothing yet */
	assert_int_equal(ms_bq_add(&a.out, "hello", 5), 0);
	assert_int_equal(ms_conn_flush(&a), 1);
	assert_int_equal(a.bytes_out, 5);
	for (int i = 0; i < 10000 && (n = ms_conn_read(&b)) == 0; i++)
		usleep(1000);
	assert_int_equal(n, 5);
	assert_memory_equal(ms_bq_data(&b.in), "hello", 5);
	/* c->in's cap: 64 bytes, then MS_ETOOLARGE until consumed */
	char big[200];
	memset(big, 'x', sizeof(big));
	assert_int_equal(ms_bq_add(&a.out, big, sizeof(big)), 0);
	assert_int_equal(ms_conn_flush(&a), 1);
	wait_fd(b.fd, POLLIN);
	assert_int_equal(ms_conn_read(&b), 59);
	assert_int_equal(ms_conn_read(&b), MS_ETOOLARGE);
	ms_bq_consume(&b.in, 64);
	assert_int_equal(ms_conn_read(&b), 64);
	ms_bq_consume(&b.in, 64);
	assert_int_equal(ms_conn_read(&b), 64);
	ms_bq_consume(&b.in, 64);
	assert_int_equal(ms_conn_read(&b), 13);
	assert_int_equal(b.bytes_in, 205);
	/* the peer closes: EOF is MS_EIO with read_eof */
	ms_conn_close(&a);
	ms_conn_close(&a); /* idempotent */
	for (int i = 0; i < 10000 && (n = ms_conn_read(&b)) == 0; i++)
		usleep(1000);
	assert_int_equal(n, MS_EIO);
	assert_true(b.read_eof);
	assert_int_equal(b.state, MS_CONN_CLOSED);
	assert_non_null(strstr(b.err.msg, peer));
	ms_conn_close(&b);
}

/* A writer faster than the reader: flush returns 0 with bytes left, and
 * everything arrives in order. */
static void conn_plain_backpressure(void **state)
{
	struct ms_conn a, b;
	int cfd, sfd, rc = 0;
	size_t total = 4 << 20, got = 0, sent = 0;
	uint8_t *p;

	(void)state;
	tcp_pair(&cfd, &sfd, NULL, 0);
	ms_conn_init(&a, cfd, 1 << 16, total);
	ms_conn_init(&b, sfd, 1 << 16, 1 << 16);
	p = ms_bq_reserve(&a.out, total);
	assert_non_null(p);
	for (size_t i = 0; i < total; i++)
		p[i] = (uint8_t)(i * 7 + (i >> 12));
	ms_bq_commit(&a.out, total);
	rc = ms_conn_flush(&a);
	assert_int_equal(rc, 0); /* the socket buffer is smaller than 4 MB */
	while (got < total) {
		long n;

		if (rc == 0)
			rc = ms_conn_flush(&a);
		assert_true(rc >= 0);
		n = ms_conn_read(&b);
		assert_true(n >= 0);
		for (size_t i = 0; i < ms_bq_len(&b.in); i++)
			if (ms_bq_data(&b.in)[i] !=
			    (uint8_t)((got + i) * 7 + ((got + i) >> 12)))
				fail_msg("byte %zu differs", got + i);
		got += ms_bq_len(&b.in);
		ms_bq_consume(&b.in, ms_bq_len(&b.in));
	}
	sent = a.bytes_out;
	assert_int_equal(sent, total);
	assert_int_equal(b.bytes_in, total);
	ms_conn_close(&a);
	ms_conn_close(&b);
}

/* ---- TLS connections ---- */

static char tls_dir[64];
static bool have_openssl;

/* Two self-signed certificates: "cert" for localhost and 127.0.0.1, and
 * "other", a stranger used as the wrong CA. */
static int tls_setup(void **state)
{
	char cmd[1024];

	(void)state;
	if (system("openssl version >/dev/null 2>&1") != 0)
		return 0;
	snprintf(tls_dir, sizeof(tls_dir), "/tmp/ms-tls-XXXXXX");
	if (!mkdtemp(tls_dir))
		return -1;
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "other" : "cert";

		snprintf(cmd, sizeof(cmd),
			 "openssl req -x509 -newkey ec -pkeyopt "
			 "ec_paramgen_curve:prime256v1 -nodes -days 2 "
			 "-subj /CN=%s -addext "
			 "subjectAltName=DNS:localhost,IP:127.0.0.1 "
			 "-keyout %s/%s.key -out %s/%s.pem >/dev/null 2>&1",
			 i ? "stranger" : "localhost", tls_dir, name, tls_dir,
			 name);
		if (system(cmd) != 0)
			return -1;
	}
	have_openssl = true;
	return 0;
}

static int tls_teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (tls_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tls_dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

static const char *tls_path(const char *name)
{
	static char buf[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tls_dir, name);
	return buf[i];
}

#define TLS_BYTES ((size_t)1536 * 1024 + 77)

struct side {
	struct ms_conn c;
	struct side *other;
	bool handshook;
	int rc; /* handshake result when it failed */
	struct ms_err err;
	size_t queued, received;
	uint8_t seed;
};

struct duo {
	struct side s, k; /* server, client */
	int done;
	bool timed_out;
};

static uint8_t pat(uint8_t seed, size_t i)
{
	return (uint8_t)(seed + i * 31 + (i >> 10));
}

static void side_cb(struct ms_loop *loop, int fd, int events, void *data);

static void side_arm(struct ms_loop *loop, struct side *s)
{
	int mask = MS_EV_READ;

	if (s->c.want_write || ms_bq_len(&s->c.out))
		mask |= MS_EV_WRITE;
	assert_int_equal(ms_loop_set(loop, s->c.fd, mask, side_cb, s), 0);
}

static void side_finish(struct ms_loop *loop, struct side *s)
{
	struct duo *d =
	    (struct duo *)((s->c.tls_server) ? (void *)s : (void *)(s - 1));

	ms_loop_del(loop, s->c.fd);
	if (++d->done == 2)
		ms_loop_stop(loop);
}

static void side_cb(struct ms_loop *loop, int fd, int events, void *data)
{
	struct side *s = data;
	long n;
	int rc;

	(void)fd, (void)events;
	if (!s->handshook) {
		rc = ms_conn_tls_step(&s->c, &s->err);
		if (rc < 0) {
			s->rc = rc;
			side_finish(loop, s);
			return;
		}
		if (rc == 0) {
			side_arm(loop, s);
			return;
		}
		s->handshook = true;
		assert_true(ms_conn_is_tls(&s->c));
	}
	/* queue our share, at most 256 KB at a time */
	while (s->queued < TLS_BYTES && ms_bq_len(&s->c.out) < (256u << 10)) {
		size_t k = TLS_BYTES - s->queued;
		uint8_t *p;

		if (k > 65536)
			k = 65536;
		p = ms_bq_reserve(&s->c.out, k);
		assert_non_null(p);
		for (size_t i = 0; i < k; i++)
			p[i] = pat(s->seed, s->queued + i);
		ms_bq_commit(&s->c.out, k);
		s->queued += k;
	}
	assert_true(ms_conn_flush(&s->c) >= 0);
	do {
		n = ms_conn_read(&s->c);
		if (n < 0 && s->received == TLS_BYTES)
			break;
		assert_true(n >= 0);
		for (size_t i = 0; i < ms_bq_len(&s->c.in); i++)
			if (ms_bq_data(&s->c.in)[i] !=
			    pat(s->other->seed, s->received + i))
				fail_msg("TLS byte %zu differs",
					 s->received + i);
		s->received += ms_bq_len(&s->c.in);
		ms_bq_consume(&s->c.in, ms_bq_len(&s->c.in));
	} while (ms_conn_pending(&s->c));
	if (s->received == TLS_BYTES && s->queued == TLS_BYTES &&
	    !ms_bq_len(&s->c.out)) {
		side_finish(loop, s);
		return;
	}
	side_arm(loop, s);
}

static void duo_timeout(struct ms_loop *loop, uint64_t id, void *data)
{
	struct duo *d = data;

	(void)id;
	d->timed_out = true;
	ms_loop_stop(loop);
}

/* Runs a server and a client TLS connection over loopback TCP in one
 * loop: the client sends a plain "SSLREQ" and starts TLS at once, the
 * server reads the lot before starting (so its TLS start gets the
 * ClientHello in c->in), then each sends the other TLS_BYTES (<transfer>)
 * or stops after the handshake. */
static void tls_duo(struct duo *d, struct ms_tls *srv, struct ms_tls *cli,
		    const char *host, bool transfer)
{
	struct ms_loop *loop;
	struct ms_err err;
	int cfd, sfd;
	long n = 0;

	memset(d, 0, sizeof(*d));
	tcp_pair(&cfd, &sfd, NULL, 0);
	ms_conn_init(&d->s.c, sfd, 1 << 16, 1 << 20);
	ms_conn_init(&d->k.c, cfd, 1 << 16, 1 << 20);
	snprintf(d->s.c.peer, sizeof(d->s.c.peer), "test-client");
	snprintf(d->k.c.peer, sizeof(d->k.c.peer), "test-server");
	d->s.other = &d->k;
	d->k.other = &d->s;
	d->s.seed = 3;
	d->k.seed = 101;
	if (!transfer)
		d->s.queued = d->k.queued = d->s.received = d->k.received =
		    TLS_BYTES;
	assert_int_equal(ms_bq_add(&d->k.c.out, "SSLREQ", 6), 0);
	assert_int_equal(ms_conn_flush(&d->k.c), 1);
	assert_int_equal(ms_conn_tls_start(&d->k.c, cli, false, host, &err), 0);
	assert_int_equal(ms_conn_tls_step(&d->k.c, &err), 0); /* ClientHello */
	for (int i = 0; i < 10000 && ms_bq_len(&d->s.c.in) <= 6; i++) {
		n = ms_conn_read(&d->s.c);
		assert_true(n >= 0);
		if (ms_bq_len(&d->s.c.in) <= 6)
			usleep(1000);
	}
	assert_true(ms_bq_len(&d->s.c.in) > 6);
	assert_memory_equal(ms_bq_data(&d->s.c.in), "SSLREQ", 6);
	ms_bq_consume(&d->s.c.in, 6);
	assert_int_equal(ms_conn_tls_start(&d->s.c, srv, true, NULL, &err), 0);
	assert_int_equal(ms_bq_len(&d->s.c.in), 0);
	assert_true(ms_conn_pending(&d->s.c)); /* the ClientHello */
	assert_int_equal(ms_conn_tls_step(&d->s.c, &err), 0);
	assert_false(ms_conn_pending(&d->s.c));
	assert_int_equal(ms_loop_create(1024, &loop, &err), 0);
	side_arm(loop, &d->s);
	side_arm(loop, &d->k);
	(void)ms_loop_timer(loop, 20000, duo_timeout, d);
	assert_int_equal(ms_loop_run(loop, &err), 0);
	if (d->timed_out)
		print_message(
		    "timeout host=%s transfer=%d s: hs=%d rc=%d q=%zu r=%zu "
		    "out=%zu | k: hs=%d rc=%d q=%zu r=%zu out=%zu\n",
		    host, transfer, d->s.handshook, d->s.rc, d->s.queued,
		    d->s.received, ms_bq_len(&d->s.c.out), d->k.handshook,
		    d->k.rc, d->k.queued, d->k.received,
		    ms_bq_len(&d->k.c.out));
	assert_false(d->timed_out);
	ms_loop_free(loop);
	ms_conn_close(&d->s.c);
	ms_conn_close(&d->k.c);
}

static void conn_tls(void **state)
{
	struct ms_tls *srv, *cli, *bad;
	struct ms_err err;
	struct duo d;

	(void)state;
	if (!have_openssl) {
		print_message("openssl command missing: TLS tests skipped\n");
		skip();
	}
	assert_int_equal(ms_tls_server_new(tls_path("cert.pem"),
					   tls_path("cert.key"), &srv, &err),
			 0);
	/* a wrong key is named */
	assert_int_equal(ms_tls_server_new(tls_path("cert.pem"),
					   tls_path("other.key"), &bad, &err),
			 MS_ETLS);
	assert_non_null(strstr(err.msg, "other.key"));
	assert_int_equal(ms_tls_server_new(tls_path("missing.pem"),
					   tls_path("cert.key"), &bad, &err),
			 MS_ETLS);
	assert_non_null(strstr(err.msg, "missing.pem"));
	assert_int_equal(ms_tls_client_new(tls_path("nope.pem"), true, false,
					   NULL, NULL, &bad, &err),
			 MS_ETLS);
	assert_non_null(strstr(err.msg, "nope.pem"));

	/* verified by CA and by name, 1.5 MB each way */
	assert_int_equal(ms_tls_client_new(tls_path("cert.pem"), true, true,
					   NULL, NULL, &cli, &err),
			 0);
	tls_duo(&d, srv, cli, "localhost", true);
	assert_int_equal(d.s.rc, 0);
	assert_int_equal(d.k.rc, 0);
	assert_int_equal(d.s.received, TLS_BYTES);
	assert_int_equal(d.k.received, TLS_BYTES);
	assert_true(d.k.c.bytes_in == TLS_BYTES);
	/* an address checked against the IP SAN */
	tls_duo(&d, srv, cli, "127.0.0.1", false);
	assert_int_equal(d.k.rc, 0);
	/* the wrong name */
	tls_duo(&d, srv, cli, "wrong.example", false);
	assert_int_equal(d.k.rc, MS_ETLS);
	assert_non_null(strstr(d.k.err.msg, "certificate verify failed"));
	assert_non_null(strstr(d.k.err.msg, "hostname mismatch"));
	assert_non_null(strstr(d.k.err.msg, "test-server"));
	assert_true(d.s.rc < 0);
	ms_tls_free(cli);

	/* the wrong CA: named by OpenSSL's verification error */
	assert_int_equal(ms_tls_client_new(tls_path("other.pem"), true, false,
					   NULL, NULL, &cli, &err),
			 0);
	tls_duo(&d, srv, cli, "localhost", false);
	assert_int_equal(d.k.rc, MS_ETLS);
	assert_non_null(strstr(d.k.err.msg, "certificate verify failed: "));
	assert_non_null(strstr(d.k.err.msg, "self-signed certificate"));
	ms_tls_free(cli);

	/* no verification (ssl-mode REQUIRED): the stranger's CA is fine */
	assert_int_equal(ms_tls_client_new(tls_path("other.pem"), false, true,
					   NULL, NULL, &cli, &err),
			 0);
	tls_duo(&d, srv, cli, "wrong.example", true);
	assert_int_equal(d.k.rc, 0);
	assert_int_equal(d.k.received, TLS_BYTES);
	ms_tls_free(cli);
	ms_tls_free(srv);
}

/* ---- HTTP request parser ---- */

static int parse_str(const char *s, struct ms_http_req *req, struct ms_err *err)
{
	ms_err_clear(err);
	return ms_http_parse(s, strlen(s), req, err);
}

static void http_good_requests(void **state)
{
	static struct ms_http_req req;
	struct ms_err err;
	const char *full = "GET /moves?id=12&x=a%20b+c%2B&flag HTTP/1.1\r\n"
			   "Host: 127.0.0.1\r\nAuthorization:  Bearer  s3cr%74 "
			   "\r\n\r\nNEXT";

	(void)state;
	/* every proper prefix is incomplete */
	for (size_t n = 0; n < strlen(full) - 4; n++)
		assert_int_equal(ms_http_parse(full, n, &req, &err), 0);
	assert_int_equal(parse_str(full, &req, &err), 1);
	assert_string_equal(req.method, "GET");
	assert_int_equal(req.minor, 1);
	assert_string_equal(req.path, "/moves");
	assert_int_equal(req.nparams, 3);
	assert_string_equal(ms_http_param(&req, "id"), "12");
	assert_string_equal(ms_http_param(&req, "x"), "a b c+");
	assert_string_equal(ms_http_param(&req, "flag"), "");
	assert_null(ms_http_param(&req, "nope"));
	assert_true(req.has_auth);
	assert_string_equal(req.token, "s3cr%74"); /* taken as written */
	assert_int_equal(req.total_len, strlen(full) - 4);

	/* bare LF, HTTP/1.0, an encoded path, a fragment, no auth */
	assert_int_equal(parse_str("POST /a%2Fb#frag HTTP/1.0\n\n", &req, &err),
			 1);
	assert_string_equal(req.path, "/a/b");
	assert_int_equal(req.minor, 0);
	assert_false(req.has_auth);
	assert_null(req.token);
	/* another scheme: no token */
	assert_int_equal(parse_str("GET / HTTP/1.1\r\nauthorization: Basic "
				   "eDp5\r\n\r\n",
				   &req, &err),
			 1);
	assert_true(req.has_auth);
	assert_null(req.token);
	/* a body is waited for, then ignored */
	const char *body = "POST /pause HTTP/1.1\r\nContent-Length: 5\r\n\r\n"
			   "hello";
	assert_int_equal(ms_http_parse(body, strlen(body) - 1, &req, &err), 0);
	assert_int_equal(parse_str(body, &req, &err), 1);
	assert_int_equal(req.content_length, 5);
	assert_int_equal(req.total_len, strlen(body));
}

static void http_bad_requests(void **state)
{
	static struct ms_http_req req;
	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"get / HTTP/1.1\r\n\r\n", "request line"},
	    {"GET\r\n\r\n", "request line"},
	    {"GET status HTTP/1.1\r\n\r\n", "start with '/'"},
	    {"GET / HTTP/2.0\r\n\r\n", "HTTP/1.0 or HTTP/1.1"},
	    {"GET /  HTTP/1.1\r\n\r\n", "HTTP/1.0 or HTTP/1.1"},
	    {"GET / HTTP/1.1 \r\n\r\n", "HTTP/1.0 or HTTP/1.1"},
	    {"GET /%zz HTTP/1.1\r\n\r\n", "'%zz' is not a hex escape"},
	    {"GET /?a=%4 HTTP/1.1\r\n\r\n", "without two hex digits"},
	    {"GET /?a=%00 HTTP/1.1\r\n\r\n", "%00"},
	    {"GET /?a=1&a=2 HTTP/1.1\r\n\r\n", "'a' given twice"},
	    {"GET /?=1 HTTP/1.1\r\n\r\n", "without a name"},
	    {"GET /?a&b&c&d&e&f&g&h&i&j&k&l&m&n&o&p&q HTTP/1.1\r\n\r\n",
	     "more than 16"},
	    {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", "malformed header"},
	    {"GET / HTTP/1.1\r\nA: b\r\n  folded\r\n\r\n", "folding"},
	    {"GET / HTTP/1.1\r\nX: a\001b\r\n\r\n", "control byte in header X"},
	    {"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
	     "Transfer-Encoding"},
	    {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "Content-Length"},
	    {"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	     "twice"},
	    {"GET / HTTP/1.1\r\nAuthorization: Bearer a\r\nAuthorization: "
	     "Bearer b\r\n\r\n",
	     "Authorization given twice"},
	    {"\x01\x02\x03\r\n\r\n", "request line"},
	};
	struct ms_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse_str(bad[i].text, &req, &err);

		if (rc != MS_EPARSE || !strstr(err.msg, bad[i].msg))
			fail_msg("case %zu: rc %d msg '%s', want '%s'", i, rc,
				 err.msg, bad[i].msg);
	}
}

static void http_oversized(void **state)
{
	static struct ms_http_req req;
	static char big[MS_HTTP_MAX_HEAD + 100];
	struct ms_err err;
	int n;

	(void)state;
	n = snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX-Pad: ");
	memset(big + n, 'a', sizeof(big) - (size_t)n - 1);
	big[sizeof(big) - 1] = '\0';
	/* under the limit: waiting for more */
	assert_int_equal(ms_http_parse(big, 4000, &req, &err), 0);
	assert_int_equal(ms_http_parse(big, MS_HTTP_MAX_HEAD - 1, &req, &err),
			 0);
	assert_int_equal(ms_http_parse(big, MS_HTTP_MAX_HEAD, &req, &err),
			 MS_ETOOLARGE);
	assert_non_null(strstr(err.msg, "8192"));
	/* a head that ends past the limit is too large too */
	memcpy(big + MS_HTTP_MAX_HEAD + 10, "\r\n\r\n", 4);
	assert_int_equal(ms_http_parse(big, sizeof(big) - 1, &req, &err),
			 MS_ETOOLARGE);
	assert_int_equal(parse_str("POST / HTTP/1.1\r\nContent-Length: "
				   "100000\r\n\r\n",
				   &req, &err),
			 MS_ETOOLARGE);
}

static void http_tokens(void **state)
{
	(void)state;
	assert_true(
	    ms_http_token_equal("0123456789abcdef", "0123456789abcdef"));
	assert_false(
	    ms_http_token_equal("0123456789abcdeF", "0123456789abcdef"));
	assert_false(
	    ms_http_token_equal("0123456789abcde", "0123456789abcdef"));
	assert_false(ms_http_token_equal("", "0123456789abcdef"));
	assert_false(ms_http_token_equal(NULL, "x"));
	assert_false(ms_http_token_equal("x", NULL));
	assert_string_equal(ms_http_reason(404), "Not Found");
}

/* ---- metrics ---- */

static void metrics_hist_and_render(void **state)
{
	struct ms_metrics m;
	struct ms_metrics_gauges g;
	struct ms_buf b;
	struct ms_hist h;
	const char *t;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(ms_hist_quantile(&h, 0.5), 0);
	for (int i = 0; i < 90; i++)
		ms_hist_add(&h, 80); /* <= 100us */
	for (int i = 0; i < 9; i++)
		ms_hist_add(&h, 2000); /* <= 2.5ms */
	ms_hist_add(&h, 30000000);     /* 30 s: above the top bound */
	assert_int_equal(h.count, 100);
	assert_int_equal(h.counts[0], 90);
	assert_int_equal(h.counts[4], 9);
	assert_int_equal(h.counts[MS_HIST_BUCKETS], 1);
	assert_int_equal(ms_hist_quantile(&h, 0.5), 100);
	assert_int_equal(ms_hist_quantile(&h, 0.9), 100);
	assert_int_equal(ms_hist_quantile(&h, 0.95), 2500);
	assert_int_equal(ms_hist_quantile(&h, 1.0), 30000000);
	assert_int_equal(ms_hist_quantile(&h, 0), 100);
	ms_hist_add(&h, 100); /* on a bound: that bucket */
	assert_int_equal(h.counts[0], 91);

	memset(&m, 0, sizeof(m));
	memset(&g, 0, sizeof(g));
	m.connections_total = 42;
	m.queries_total[0] = 7;
	m.queries_total[1] = 3;
	m.query_latency[0] = h;
	g.connections_current = 5;
	g.backend_up[0] = 1;
	g.backend_up[1] = -1;
	ms_buf_init(&b, 1 << 20);
	assert_int_equal(ms_metrics_render(&m, &g, &b), 0);
	t = ms_buf_str(&b);
	assert_non_null(strstr(t, "# HELP myshift_proxy_connections_total "));
	assert_non_null(
	    strstr(t, "# TYPE myshift_proxy_connections_total counter\n"
		      "myshift_proxy_connections_total 42\n"));
	assert_non_null(
	    strstr(t, "myshift_proxy_queries_total{backend=\"source\"} 7\n"));
	assert_non_null(
	    strstr(t, "myshift_proxy_queries_total{backend=\"target\"} 3\n"));
	assert_non_null(strstr(
	    t, "# TYPE myshift_proxy_query_duration_seconds histogram\n"));
	assert_non_null(
	    strstr(t, "myshift_proxy_query_duration_seconds_bucket{backend="
		      "\"source\",le=\"0.0001\"} 91\n"));
	assert_non_null(
	    strstr(t, "myshift_proxy_query_duration_seconds_bucket{backend="
		      "\"source\",le=\"0.0025\"} 100\n"));
	assert_non_null(
	    strstr(t, "myshift_proxy_query_duration_seconds_bucket{backend="
		      "\"source\",le=\"10\"} 100\n"));
	assert_non_null(
	    strstr(t, "myshift_proxy_query_duration_seconds_bucket{backend="
		      "\"source\",le=\"+Inf\"} 101\n"));
	/* 90*80 + 9*2000 + 30e6 + 100 us */
	assert_non_null(
	    strstr(t, "myshift_proxy_query_duration_seconds_sum{backend="
		      "\"source\"} 30.025300\n"));
	assert_non_null(
	    strstr(t, "myshift_proxy_query_duration_seconds_count{backend="
		      "\"source\"} 101\n"));
	assert_non_null(
	    strstr(t, "myshift_proxy_query_duration_seconds_count{backend="
		      "\"target\"} 0\n"));
	assert_non_null(
	    strstr(t, "myshift_proxy_hold_duration_seconds_count 0\n"));
	assert_non_null(strstr(t, "# TYPE myshift_proxy_connections gauge\n"
				  "myshift_proxy_connections 5\n"));
	assert_non_null(
	    strstr(t, "myshift_proxy_backend_up{backend=\"source\"} 1\n"));
	assert_null(strstr(t, "myshift_proxy_backend_up{backend=\"target\"}"));
	assert_non_null(strstr(t, "myshift_proxy_shadow_mismatched_total 0\n"));
	/* every line is a comment or "name[{labels}] value" */
	for (const char *l = t; *l;) {
		const char *e = strchr(l, '\n');

		assert_non_null(e);
		if (*l != '#')
			assert_memory_equal(l, "myshift_proxy_", 14);
		l = e + 1;
	}
	ms_buf_free(&b);
	/* a cap too small fails cleanly */
	ms_buf_init(&b, 100);
	assert_int_equal(ms_metrics_render(&m, &g, &b), MS_ETOOLARGE);
	ms_buf_free(&b);
}

/* ---- admin API end to end, against a fake engine ---- */

/* The engine functions admin.c calls, defined here so the test sees what
 * it passes (the static library's own are then not linked). */
static struct {
	char route[64], backend[64], message[512];
	int calls;
	bool paused;
} fake;

json_t *ms_proxy_status_json(struct ms_proxy *p)
{
	(void)p;
	return json_pack("{s:s,s:b}", "state", "running", "paused",
			 fake.paused);
}

json_t *ms_proxy_sessions_json(struct ms_proxy *p)
{
	(void)p;
	return json_pack("[{s:i,s:s}]", "id", 1, "user", "app");
}

json_t *ms_proxy_routes_json(struct ms_proxy *p)
{
	(void)p;
	return json_pack("[{s:s,s:s}]", "name", "default", "backend", "source");
}

static void fake_record(const char *route, const char *backend)
{
	fake.calls++;
	snprintf(fake.route, sizeof(fake.route), "%s", route ? route : "(all)");
	snprintf(fake.backend, sizeof(fake.backend), "%s",
		 backend ? backend : "");
}

int ms_proxy_route_set(struct ms_proxy *p, const char *route,
		       const char *backend, struct ms_err *err)
{
	(void)p;
	fake_record(route, backend);
	if (strcmp(route, "r1") != 0)
		return MS_ERR(err, MS_ENOTFOUND, "no route '%s'", route);
	if (strcmp(backend, "source") != 0 && strcmp(backend, "target") != 0)
		return MS_ERR(err, MS_EINVAL, "backend '%s': source or target",
			      backend);
	return 0;
}

int ms_proxy_pause(struct ms_proxy *p, const char *route, struct ms_err *err)
{
	(void)p, (void)err;
	fake_record(route, NULL);
	fake.paused = true;
	return 0;
}

int ms_proxy_resume(struct ms_proxy *p, const char *route,
		    struct ms_proxy_release *rel, struct ms_err *err)
{
	(void)p, (void)err;
	fake_record(route, NULL);
	fake.paused = false;
	rel->released = 2;
	rel->hold_ms_p50 = 1.5;
	rel->hold_ms_max = 4.25;
	return 0;
}

int ms_proxy_prepare(struct ms_proxy *p, const char *route, const char *backend,
		     unsigned *prepared, unsigned *skipped, struct ms_err *err)
{
	(void)p;
	fake_record(route, backend);
	if (route && strcmp(route, "r1") != 0)
		return MS_ERR(err, MS_ENOTFOUND, "unknown route '%s'", route);
	if (strcmp(backend, "target") != 0)
		return MS_ERR(err, MS_EINVAL, "unknown backend '%s'", backend);
	*prepared = 3;
	*skipped = 1;
	return 0;
}

int ms_proxy_prepare_cancel(struct ms_proxy *p, const char *route,
			    unsigned *cancelled, struct ms_err *err)
{
	(void)p, (void)err;
	fake_record(route, NULL);
	*cancelled = 3;
	return 0;
}

int ms_proxy_end(struct ms_proxy *p, const char *route, const char *message,
		 json_t **ids, struct ms_err *err)
{
	(void)p, (void)err;
	fake_record(route, NULL);
	snprintf(fake.message, sizeof(fake.message), "%s",
		 message ? message : "(default)");
	*ids = json_pack("[i,i]", 4, 9);
	return 0;
}

int ms_proxy_move_start(struct ms_proxy *p, const char *route,
			const char *backend, uint64_t *id, struct ms_err *err)
{
	(void)p;
	fake_record(route, backend);
	if (strcmp(backend, "target") != 0)
		return MS_ERR(err, MS_EUNSUPPORTED, "no backend '%s'", backend);
	*id = 7;
	return 0;
}

json_t *ms_proxy_move_json(struct ms_proxy *p, uint64_t id, struct ms_err *err)
{
	(void)p;
	if (id != 7) {
		MS_ERR(err, MS_ENOTFOUND, "no move %llu",
		       (unsigned long long)id);
		return NULL;
	}
	return json_pack("{s:I,s:s,s:i,s:i,s:i}", "id", (json_int_t)7, "state",
			 "done", "moved", 3, "failed", 0, "unmovable", 1);
}

int ms_proxy_metrics_text(struct ms_proxy *p, struct ms_buf *out)
{
	(void)p;
	return ms_buf_addstr(out, "myshift_proxy_connections 0\n");
}

#define TOKEN "0123456789abcdef-token"

struct admin_env {
	struct ms_loop *loop;
	struct ms_admin *admin;
	pthread_t th;
	int port;
};

static void *admin_thread(void *arg)
{
	struct admin_env *e = arg;
	struct ms_err err;

	assert_int_equal(ms_loop_run(e->loop, &err), 0);
	return NULL;
}

/* Sends <req> raw and reads the answer to EOF into <resp>; returns the
 * status code, or -1. */
static int http_raw(int port, const char *req, size_t len, char *resp,
		    size_t size)
{
	struct sockaddr_in sa;
	size_t got = 0;
	ssize_t n;
	int fd, status = -1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	while (len) {
		n = send(fd, req, len, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		req += n;
		len -= (size_t)n;
	}
	while (got + 1 < size &&
	       (n = recv(fd, resp + got, size - got - 1, 0)) > 0)
		got += (size_t)n;
	resp[got] = '\0';
	close(fd);
	if (sscanf(resp, "HTTP/1.1 %d ", &status) != 1)
		return -1;
	return status;
}

static int http_req(int port, const char *method, const char *target,
		    const char *token, char *resp, size_t size)
{
	char req[1024];
	int n;

	n = snprintf(req, sizeof(req),
		     "%s %s HTTP/1.1\r\nHost: x\r\n%s%s%s"
		     "\r\n",
		     method, target, token ? "Authorization: Bearer " : "",
		     token ? token : "", token ? "\r\n" : "");
	return http_raw(port, req, (size_t)n, resp, size);
}

static const char *body_of(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");

	return b ? b + 4 : "";
}

static void admin_start_checks(void **state)
{
	struct ms_loop *loop;
	struct ms_admin *a;
	struct ms_err err;

	(void)state;
	assert_int_equal(ms_loop_create(256, &loop, &err), 0);
	assert_int_equal(
	    ms_admin_start(loop, NULL, "0.0.0.0:0", TOKEN, &a, &err),
	    MS_ECONFIG);
	assert_non_null(strstr(err.msg, "0.0.0.0:0"));
	assert_non_null(strstr(err.msg, "loopback"));
	assert_int_equal(ms_admin_start(loop, NULL, ":6034", TOKEN, &a, &err),
			 MS_ECONFIG);
	assert_int_equal(
	    ms_admin_start(loop, NULL, "10.0.0.1:6034", TOKEN, &a, &err),
	    MS_ECONFIG);
	assert_int_equal(
	    ms_admin_start(loop, NULL, "127.0.0.1:0", "", &a, &err),
	    MS_ECONFIG);
	assert_int_equal(
	    ms_admin_start(loop, NULL, "localhost:0", TOKEN, &a, &err), 0);
	assert_true(ms_admin_port(a) > 0);
	ms_admin_free(a);
	assert_int_equal(
	    ms_admin_start(loop, NULL, "127.3.4.5:0", TOKEN, &a, &err), 0);
	ms_admin_free(a);
	ms_loop_free(loop);
}

static void admin_end_to_end(void **state)
{
	struct admin_env e;
	struct ms_err err;
	char resp[16384];
	int port;

	(void)state;
	assert_int_equal(ms_loop_create(256, &e.loop, &err), 0);
	assert_int_equal(
	    ms_admin_start(e.loop, NULL, "127.0.0.1:0", TOKEN, &e.admin, &err),
	    0);
	port = ms_admin_port(e.admin);
	assert_int_equal(pthread_create(&e.th, NULL, admin_thread, &e), 0);

	/* no token, a wrong token */
	assert_int_equal(
	    http_req(port, "GET", "/status", NULL, resp, sizeof(resp)), 401);
	assert_non_null(strstr(resp, "WWW-Authenticate: Bearer\r\n"));
	assert_non_null(strstr(body_of(resp), "missing Authorization"));
	assert_int_equal(
	    http_req(port, "GET", "/status", TOKEN "x", resp, sizeof(resp)),
	    401);
	assert_non_null(strstr(body_of(resp), "wrong token"));
	/* unknown path, wrong method, unknown parameter */
	assert_int_equal(
	    http_req(port, "GET", "/nope", TOKEN, resp, sizeof(resp)), 404);
	assert_int_equal(
	    http_req(port, "POST", "/status", TOKEN, resp, sizeof(resp)), 405);
	assert_non_null(strstr(resp, "Allow: GET\r\n"));
	assert_int_equal(http_req(port, "GET",
				  "/routes/set?route=r1&"
				  "backend=target",
				  TOKEN, resp, sizeof(resp)),
			 405);
	assert_int_equal(http_req(port, "GET", "/status?verbose=1", TOKEN, resp,
				  sizeof(resp)),
			 400);
	assert_non_null(strstr(body_of(resp), "unknown parameter 'verbose'"));
	/* the reads */
	assert_int_equal(
	    http_req(port, "GET", "/status", TOKEN, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "Content-Type: application/json\r\n"));
	assert_non_null(strstr(resp, "Connection: close\r\n"));
	assert_string_equal(body_of(resp),
			    "{\"state\":\"running\",\"paused\":false}\n");
	assert_int_equal(
	    http_req(port, "GET", "/sessions", TOKEN, resp, sizeof(resp)), 200);
	assert_non_null(strstr(body_of(resp), "\"user\":\"app\""));
	assert_int_equal(
	    http_req(port, "GET", "/routes", TOKEN, resp, sizeof(resp)), 200);
	assert_int_equal(
	    http_req(port, "GET", "/metrics", TOKEN, resp, sizeof(resp)), 200);
	assert_non_null(strstr(resp, "Content-Type: text/plain"));
	assert_string_equal(body_of(resp), "myshift_proxy_connections 0\n");
	/* route set: ok, missing, unknown route, bad backend */
	fake.calls = 0;
	assert_int_equal(http_req(port, "POST",
				  "/routes/set?route=r1&backend=target", TOKEN,
				  resp, sizeof(resp)),
			 200);
	assert_string_equal(fake.route, "r1");
	assert_string_equal(fake.backend, "target");
	assert_int_equal(http_req(port, "POST", "/routes/set?route=r1", TOKEN,
				  resp, sizeof(resp)),
			 400);
	assert_non_null(strstr(body_of(resp), "missing parameter 'backend'"));
	assert_int_equal(http_req(port, "POST",
				  "/routes/set?route=r%32&backend=target",
				  TOKEN, resp, sizeof(resp)),
			 404);
	assert_non_null(strstr(body_of(resp), "no route 'r2'"));
	assert_int_equal(http_req(port, "POST",
				  "/routes/set?route=r1&backend=elsewhere",
				  TOKEN, resp, sizeof(resp)),
			 400);
	assert_non_null(strstr(body_of(resp), "backend 'elsewhere'"));
	assert_int_equal(fake.calls, 3);
	/* pause and resume, all routes or one */
	assert_int_equal(
	    http_req(port, "POST", "/pause", TOKEN, resp, sizeof(resp)), 200);
	assert_string_equal(fake.route, "(all)");
	assert_true(fake.paused);
	assert_int_equal(http_req(port, "POST", "/resume?route=r1", TOKEN, resp,
				  sizeof(resp)),
			 200);
	assert_string_equal(fake.route, "r1");
	assert_false(fake.paused);
	assert_non_null(strstr(body_of(resp), "\"released\":2"));
	assert_non_null(strstr(body_of(resp), "\"hold_ms_max\":4.25"));
	/* prepare, cancel, end */
	assert_int_equal(http_req(port, "POST", "/prepare?route=r1&to=target",
				  TOKEN, resp, sizeof(resp)),
			 200);
	assert_non_null(strstr(body_of(resp), "\"prepared\":3"));
	assert_non_null(strstr(body_of(resp), "\"skipped\":1"));
	assert_int_equal(
	    http_req(port, "POST", "/prepare", TOKEN, resp, sizeof(resp)), 400);
	assert_non_null(strstr(body_of(resp), "missing parameter 'to'"));
	assert_int_equal(http_req(port, "POST", "/prepare?route=r9&to=target",
				  TOKEN, resp, sizeof(resp)),
			 404);
	assert_int_equal(http_req(port, "POST", "/prepare?to=elsewhere", TOKEN,
				  resp, sizeof(resp)),
			 400);
	assert_int_equal(http_req(port, "POST", "/prepare?to=target&x=1", TOKEN,
				  resp, sizeof(resp)),
			 400);
	assert_non_null(strstr(body_of(resp), "unknown parameter 'x'"));
	assert_int_equal(
	    http_req(port, "GET", "/prepare/cancel", TOKEN, resp, sizeof(resp)),
	    405);
	assert_int_equal(http_req(port, "POST", "/prepare/cancel", TOKEN, resp,
				  sizeof(resp)),
			 200);
	assert_non_null(strstr(body_of(resp), "\"cancelled\":3"));
	assert_int_equal(http_req(port, "POST", "/end?message=rolled+back%21",
				  TOKEN, resp, sizeof(resp)),
			 200);
	assert_string_equal(fake.message, "rolled back!");
	assert_non_null(strstr(body_of(resp), "\"ended\":2"));
	assert_non_null(strstr(body_of(resp), "\"sessions\":[4,9]"));
	{
		char path[600] = "/end?message=";
		size_t n = strlen(path);

		memset(path + n, 'm', 401);
		path[n + 401] = '\0';
		fake.message[0] = '\0';
		assert_int_equal(
		    http_req(port, "POST", path, TOKEN, resp, sizeof(resp)),
		    400);
		assert_non_null(strstr(body_of(resp), "'message'"));
		assert_string_equal(fake.message, "");
	}
	/* move, then its progress */
	assert_int_equal(http_req(port, "POST", "/move?route=r1&to=target",
				  TOKEN, resp, sizeof(resp)),
			 202);
	assert_non_null(strstr(body_of(resp), "\"id\":7"));
	assert_int_equal(http_req(port, "POST", "/move?to=nowhere", TOKEN, resp,
				  sizeof(resp)),
			 400);
	assert_string_equal(fake.route, "(all)");
	assert_int_equal(
	    http_req(port, "POST", "/move", TOKEN, resp, sizeof(resp)), 400);
	assert_non_null(strstr(body_of(resp), "missing parameter 'to'"));
	assert_int_equal(
	    http_req(port, "GET", "/moves?id=7", TOKEN, resp, sizeof(resp)),
	    200);
	assert_non_null(strstr(body_of(resp), "\"state\":\"done\""));
	assert_int_equal(
	    http_req(port, "GET", "/moves?id=8", TOKEN, resp, sizeof(resp)),
	    404);
	assert_non_null(strstr(body_of(resp), "no move 8"));
	assert_int_equal(
	    http_req(port, "GET", "/moves?id=x7", TOKEN, resp, sizeof(resp)),
	    400);
	/* garbage, oversized, and a request cut by a half-close */
	assert_int_equal(
	    http_raw(port, "\x16\x03\x01\x02\r\n\r\n", 8, resp, sizeof(resp)),
	    400);
	{
		static char big[12000];
		int n =
		    snprintf(big, sizeof(big), "GET /status HTTP/1.1\r\nX: ");

		memset(big + n, 'a', sizeof(big) - (size_t)n);
		assert_int_equal(
		    http_raw(port, big, sizeof(big), resp, sizeof(resp)), 413);
	}
	/* an idle connection is closed after 5 s */
	{
		uint64_t t0 = ms_mono_us();

		assert_int_equal(http_raw(port, "GET /status HTTP/1.1\r\n", 22,
					  resp, sizeof(resp)),
				 -1);
		assert_string_equal(resp, "");
		assert_true(ms_mono_us() - t0 >= 4500000);
	}
	ms_loop_stop(e.loop);
	pthread_join(e.th, NULL);
	ms_admin_free(e.admin);
	ms_loop_free(e.loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(loop_timers_order_and_cancel),
	    cmocka_unit_test(loop_timers_many),
	    cmocka_unit_test(loop_fd_events),
	    cmocka_unit_test(loop_fd_hangup),
	    cmocka_unit_test(loop_wake_from_thread),
	    cmocka_unit_test(bq_grow_cap_consume_shrink),
	    cmocka_unit_test(net_addresses),
	    cmocka_unit_test(conn_plain),
	    cmocka_unit_test(conn_plain_backpressure),
	    cmocka_unit_test(conn_tls),
	    cmocka_unit_test(http_good_requests),
	    cmocka_unit_test(http_bad_requests),
	    cmocka_unit_test(http_oversized),
	    cmocka_unit_test(http_tokens),
	    cmocka_unit_test(metrics_hist_and_render),
	    cmocka_unit_test(admin_start_checks),
	    cmocka_unit_test(admin_end_to_end),
	};

	return cmocka_run_group_tests(tests, tls_setup, tls_teardown);
}

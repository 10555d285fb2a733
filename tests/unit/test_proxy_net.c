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
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy/conn.h"
#include "proxy/loop.h"

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
	for (int i = 0; i < 1000; i++) {
		rc = ms_net_accept(lfd, sfd, peer, peer_size, &err);
		assert_true(rc >= 0);
		if (rc == 1)
			break;
		usleep(1000);
	}
	assert_int_equal(rc, 1);
	assert_int_equal(ms_net_accept(lfd, &port, NULL, 0, &err), 0);
	for (int i = 0; i < 1000; i++) {
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
		for (int i = 0; i < 1000 && rc == 0; i++) {
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
	usleep(50000);
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
	for (int i = 0; i < 1000 && (n = ms_conn_read(&b)) == 0; i++)
		usleep(1000);
	assert_int_equal(n, 5);
	assert_memory_equal(ms_bq_data(&b.in), "hello", 5);
	/* c->in's cap: 64 bytes, then MS_ETOOLARGE until consumed */
	char big[200];
	memset(big, 'x', sizeof(big));
	assert_int_equal(ms_bq_add(&a.out, big, sizeof(big)), 0);
	assert_int_equal(ms_conn_flush(&a), 1);
	usleep(20000);
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
	for (int i = 0; i < 1000 && (n = ms_conn_read(&b)) == 0; i++)
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
	for (int i = 0; i < 1000 && ms_bq_len(&d->s.c.in) <= 6; i++) {
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
	};

	return cmocka_run_group_tests(tests, tls_setup, tls_teardown);
}

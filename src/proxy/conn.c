/* Byte queues and connections (see conn.h). A plain connection reads with
 * recv() until a short read and writes with send(MSG_NOSIGNAL); a TLS one
 * goes through SSL_read/SSL_write on the same queues. OpenSSL reads ahead,
 * so decrypted or raw bytes can wait inside it while epoll sees nothing:
 * ms_conn_read drains it as far as c->in allows, and ms_conn_pending
 * tells the caller to read again after consuming. */
#include "proxy/conn.h"
#include "proxy/tls_int.h"

#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#define BQ_MIN_ALLOC 16384 /* first allocation, and a TLS record */
#define READ_MIN     4096  /* free tail below which a read grows */

/* ---- byte queue ---- */

void ms_bq_init(struct ms_bq *q, size_t cap)
{
	q->ptr = NULL;
	q->start = q->end = q->alloc = 0;
	q->cap = cap;
}

void ms_bq_free(struct ms_bq *q)
{
	free(q->ptr);
	q->ptr = NULL;
	q->start = q->end = q->alloc = 0;
}

/* Room for <n> more bytes: compact when the consumed head alone makes
 * room and moving is cheap (live data no larger than the head), else grow
 * to at least twice, copying only the live bytes. */
uint8_t *ms_bq_reserve(struct ms_bq *q, size_t n)
{
	size_t len = q->end - q->start;
	size_t need, nalloc;
	uint8_t *p;

	if (n > q->cap || len > q->cap - n)
		return NULL;
	if (q->alloc - q->end >= n)
		return q->ptr + q->end;
	need = len + n;
	if (need <= q->alloc && len <= q->start) {
		memmove(q->ptr, q->ptr + q->start, len);
		q->start = 0;
		q->end = len;
		return q->ptr + q->end;
	}
	nalloc = q->alloc ? q->alloc : BQ_MIN_ALLOC;
	while (nalloc < need)
		nalloc = nalloc > SIZE_MAX / 2 ? need : nalloc * 2;
	if (nalloc > q->cap)
		nalloc = q->cap > need ? q->cap : need;
	if (q->start == 0) {
		p = realloc(q->ptr, nalloc);
		if (!p)
			return NULL;
	} else {
		p = malloc(nalloc);
		if (!p)
			return NULL;
		memcpy(p, q->ptr + q->start, len);
		free(q->ptr);
	}
	q->ptr = p;
	q->alloc = nalloc;
	q->start = 0;
	q->end = len;
	return q->ptr + q->end;
}

void ms_bq_commit(struct ms_bq *q, size_t n)
{
	q->end += n;
}

int ms_bq_add(struct ms_bq *q, const void *p, size_t n)
{
	uint8_t *dst;

	if (n == 0)
		return 0;
	if (n > q->cap || ms_bq_len(q) > q->cap - n)
		return MS_ETOOLARGE;
	dst = ms_bq_reserve(q, n);
	if (!dst)
		return MS_ENOMEM;
	memcpy(dst, p, n);
	q->end += n;
	return 0;
}

void ms_bq_consume(struct ms_bq *q, size_t n)
{
	if (n >= q->end - q->start) {
		q->start = q->end = 0;
		return;
	}
	q->start += n;
}

void ms_bq_shrink(struct ms_bq *q, size_t keep)
{
	if (q->start == q->end && q->alloc > keep)
		ms_bq_free(q);
}

/* Where the next read goes and how much fits (*<room>, 0 when c->in is
 * at its cap). NULL with room 0 when full, NULL with room 1 when out of
 * memory. */
static uint8_t *read_space(struct ms_bq *q, size_t *room)
{
	size_t left = q->cap - ms_bq_len(q);
	size_t tail = q->alloc - q->end;

	*room = 0;
	if (left == 0)
		return NULL;
	if (tail < READ_MIN && tail < left) {
		if (!ms_bq_reserve(q,
				   left < BQ_MIN_ALLOC ? left : BQ_MIN_ALLOC)) {
			*room = 1;
			return NULL;
		}
		tail = q->alloc - q->end;
	}
	*room = tail < left ? tail : left;
	return q->ptr + q->end;
}

/* ---- connections ---- */

void ms_conn_init(struct ms_conn *c, int fd, size_t in_cap, size_t out_cap)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->state = MS_CONN_OPEN;
	ms_bq_init(&c->in, in_cap);
	ms_bq_init(&c->out, out_cap);
}

bool ms_conn_is_tls(const struct ms_conn *c)
{
	return c->ssl && SSL_is_init_finished((SSL *)c->ssl);
}

bool ms_conn_pending(const struct ms_conn *c)
{
	SSL *ssl = c->ssl;

	if (!ssl || c->state == MS_CONN_CLOSED)
		return false;
	return SSL_has_pending(ssl) || BIO_pending(SSL_get_rbio(ssl)) > 0;
}

static long read_eof(struct ms_conn *c, size_t total)
{
	c->read_eof = true;
	c->state = MS_CONN_CLOSED;
	if (!c->err.code)
		MS_ERR(&c->err, MS_EIO, "%s closed the connection",
		       c->peer[0] ? c->peer : "peer");
	return total ? (long)total : MS_EIO;
}

static long read_fail(struct ms_conn *c, size_t total, const char *why)
{
	c->state = MS_CONN_CLOSED;
	MS_ERR(&c->err, MS_EIO, "read from %s: %s",
	       c->peer[0] ? c->peer : "peer", why);
	return total ? (long)total : MS_EIO;
}

static long read_plain(struct ms_conn *c)
{
	size_t total = 0, room;
	uint8_t *p;
	ssize_t n;

	for (;;) {
		p = read_space(&c->in, &room);
		if (!p) {
			if (room)
				return read_fail(c, total, "out of memory");
			break;
		}
		n = recv(c->fd, p, room, 0);
		if (n > 0) {
			ms_bq_commit(&c->in, (size_t)n);
			total += (size_t)n;
			if ((size_t)n < room)
				break;
			continue;
		}
		if (n == 0)
			return read_eof(c, total);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		return read_fail(c, total, strerror(errno));
	}
	if (total == 0 && ms_bq_len(&c->in) == c->in.cap)
		return MS_ETOOLARGE;
	return (long)total;
}

static long read_tls(struct ms_conn *c)
{
	SSL *ssl = c->ssl;
	size_t total = 0, room;
	uint8_t *p;
	int n;

	c->want_write = false;
	for (;;) {
		p = read_space(&c->in, &room);
		if (!p) {
			if (room)
				return read_fail(c, total, "out of memory");
			break;
		}
		ERR_clear_error();
		errno = 0;
		n = SSL_read(ssl, p, room > INT_MAX ? INT_MAX : (int)room);
		if (n > 0) {
			ms_bq_commit(&c->in, (size_t)n);
			total += (size_t)n;
			/* nothing buffered in OpenSSL: the socket is the only
			 * source, and epoll says when it has more (saves a
			 * read() that would say EAGAIN) */
			if (!SSL_has_pending(ssl))
				break;
			continue;
		}
		switch (SSL_get_error(ssl, n)) {
		case SSL_ERROR_WANT_READ:
			goto out;
		case SSL_ERROR_WANT_WRITE:
			c->want_write = true;
			goto out;
		case SSL_ERROR_ZERO_RETURN:
			return read_eof(c, total);
		case SSL_ERROR_SYSCALL:
			if (errno == EINTR)
				continue;
			if (errno == 0 || errno == ECONNRESET)
				return read_eof(c, total);
			return read_fail(c, total, strerror(errno));
		default:
			c->state = MS_CONN_CLOSED;
			ms_tls_err(&c->err, MS_EIO, "TLS read", NULL);
			return total ? (long)total : MS_EIO;
		}
	}
out:
	if (total == 0 && ms_bq_len(&c->in) == c->in.cap)
		return MS_ETOOLARGE;
	return (long)total;
}

long ms_conn_read(struct ms_conn *c)
{
	long n;

	if (c->read_eof || c->state == MS_CONN_CLOSED) {
		if (!c->err.code)
			MS_ERR(&c->err, MS_EIO, "connection closed");
		return MS_EIO;
	}
	n = c->ssl ? read_tls(c) : read_plain(c);
	if (n > 0)
		c->bytes_in += (uint64_t)n;
	return n;
}

static int flush_fail(struct ms_conn *c, const char *why)
{
	c->state = MS_CONN_CLOSED;
	return MS_ERR(&c->err, MS_EIO, "write to %s: %s",
		      c->peer[0] ? c->peer : "peer", why);
}

int ms_conn_flush(struct ms_conn *c)
{
	SSL *ssl = c->ssl;

	/* a peer that shut its side down may still read our answer */
	if (c->fd < 0 || (c->state == MS_CONN_CLOSED && !c->read_eof))
		return flush_fail(c, "connection closed");
	while (ms_bq_len(&c->out)) {
		size_t len = ms_bq_len(&c->out);
		ssize_t n;

		if (!ssl) {
			n = send(c->fd, ms_bq_data(&c->out), len, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					return 0;
				return flush_fail(c, strerror(errno));
			}
		} else {
			int e;

			ERR_clear_error();
			errno = 0;
			n = SSL_write(ssl, ms_bq_data(&c->out),
				      len > INT_MAX ? INT_MAX : (int)len);
			if (n <= 0) {
				e = SSL_get_error(ssl, (int)n);
				if (e == SSL_ERROR_WANT_WRITE ||
				    e == SSL_ERROR_WANT_READ)
					return 0;
				if (e == SSL_ERROR_SYSCALL && errno == EINTR)
					continue;
				if (e == SSL_ERROR_SYSCALL && errno)
					return flush_fail(c, strerror(errno));
				c->state = MS_CONN_CLOSED;
				return ms_tls_err(&c->err, MS_EIO, "TLS write",
						  "connection closed");
			}
		}
		ms_bq_consume(&c->out, (size_t)n);
		c->bytes_out += (uint64_t)n;
	}
	return 1;
}

void ms_conn_close(struct ms_conn *c)
{
	if (c->ssl) {
		SSL *ssl = c->ssl;

		if (SSL_is_init_finished(ssl) && !c->read_eof &&
		    c->state == MS_CONN_OPEN) {
			ERR_clear_error();
			(void)SSL_shutdown(ssl); /* close_notify, no wait */
		}
		SSL_free(ssl);
		ERR_clear_error();
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = MS_CONN_CLOSED;
	ms_bq_free(&c->in);
	ms_bq_free(&c->out);
}

/* ---- TLS on a connection ---- */

/* A filter BIO that first returns bytes the proxy had already read as
 * plain text (a client that sends its ClientHello right behind the MySQL
 * SSLRequest, in the same segment), then reads the socket below. */
struct prefix {
	size_t len, off;
	uint8_t data[];
};

static int prefix_read(BIO *b, char *buf, size_t size, size_t *got)
{
	struct prefix *px = BIO_get_data(b);
	int rc;

	if (px && px->off < px->len) {
		size_t n = px->len - px->off;

		if (n > size)
			n = size;
		memcpy(buf, px->data + px->off, n);
		px->off += n;
		*got = n;
		return 1;
	}
	BIO_clear_retry_flags(b);
	rc = BIO_read_ex(BIO_next(b), buf, size, got);
	BIO_copy_next_retry(b);
	return rc;
}

static int prefix_write(BIO *b, const char *buf, size_t size, size_t *put)
{
	int rc;

	BIO_clear_retry_flags(b);
	rc = BIO_write_ex(BIO_next(b), buf, size, put);
	BIO_copy_next_retry(b);
	return rc;
}

static long prefix_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct prefix *px = BIO_get_data(b);
	long below;

	if (!BIO_next(b))
		return 0;
	below = BIO_ctrl(BIO_next(b), cmd, num, ptr);
	if (cmd == BIO_CTRL_PENDING && px)
		below += (long)(px->len - px->off);
	return below;
}

static int prefix_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static int prefix_destroy(BIO *b)
{
	free(BIO_get_data(b));
	BIO_set_data(b, NULL);
	return 1;
}

static BIO_METHOD *prefix_method;
static pthread_once_t prefix_once = PTHREAD_ONCE_INIT;

static void prefix_method_init(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_FILTER,
				     "myshift prefix");

	if (!m)
		return;
	BIO_meth_set_read_ex(m, prefix_read);
	BIO_meth_set_write_ex(m, prefix_write);
	BIO_meth_set_ctrl(m, prefix_ctrl);
	BIO_meth_set_create(m, prefix_create);
	BIO_meth_set_destroy(m, prefix_destroy);
	prefix_method = m;
}

/* Gives <ssl> the socket with c->in's bytes in front of it. */
static int set_prefix_bio(struct ms_conn *c, SSL *ssl)
{
	size_t len = ms_bq_len(&c->in);
	struct prefix *px;
	BIO *f, *s;

	pthread_once(&prefix_once, prefix_method_init);
	if (!prefix_method)
		return MS_ENOMEM;
	px = malloc(sizeof(*px) + len);
	if (!px)
		return MS_ENOMEM;
	px->len = len;
	px->off = 0;
	memcpy(px->data, ms_bq_data(&c->in), len);
	f = BIO_new(prefix_method);
	s = BIO_new_socket(c->fd, BIO_NOCLOSE);
	if (!f || !s) {
		BIO_free(f);
		BIO_free(s);
		free(px);
		return MS_ENOMEM;
	}
	BIO_set_data(f, px);
	BIO_push(f, s);
	SSL_set_bio(ssl, f, f);
	ms_bq_consume(&c->in, len);
	return 0;
}

static bool is_ip(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 ||
	       inet_pton(AF_INET6, host, a) == 1;
}

/* SNI for a name (not for an address, RFC 6066), and the name check. */
static int client_names(struct ms_tls *tls, SSL *ssl, const char *host)
{
	if (!host || !*host)
		return 0;
	if (!is_ip(host) && SSL_set_tlsext_host_name(ssl, host) != 1)
		return -1;
	if (!tls->verify_name)
		return 0;
	if (is_ip(host))
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
						     host) == 1
			   ? 0
			   : -1;
	return SSL_set1_host(ssl, host) == 1 ? 0 : -1;
}

int ms_conn_tls_start(struct ms_conn *c, struct ms_tls *tls, bool server,
		      const char *host, struct ms_err *err)
{
	SSL *ssl;
	int rc;

	if (c->ssl)
		return MS_ERR(err, MS_ETLS, "TLS: %s already uses TLS",
			      c->peer);
	if (server != tls->server)
		return MS_ERR(err, MS_EINTERNAL,
			      "TLS: a %s context used for a %s connection",
			      tls->server ? "server" : "client",
			      server ? "server" : "client");
	if (!server && ms_bq_len(&c->in))
		return MS_ERR(err, MS_ETLS,
			      "TLS: %s sent %zu bytes before the TLS handshake",
			      c->peer[0] ? c->peer : "server",
			      ms_bq_len(&c->in));
	ERR_clear_error();
	ssl = SSL_new(tls->ctx);
	if (!ssl)
		return ms_tls_err(err, MS_ETLS, "TLS: SSL_new", NULL);
	if (server && ms_bq_len(&c->in))
		rc = set_prefix_bio(c, ssl);
	else
		rc = SSL_set_fd(ssl, c->fd) == 1 ? 0 : MS_ENOMEM;
	if (!rc && !server && client_names(tls, ssl, host))
		rc = MS_ETLS;
	if (rc) {
		SSL_free(ssl);
		return ms_tls_err(err, rc, "TLS: setting up the connection",
				  NULL);
	}
	if (server)
		SSL_set_accept_state(ssl);
	else
		SSL_set_connect_state(ssl);
	c->ssl = ssl;
	c->tls_server = server;
	c->want_write = false;
	c->state = MS_CONN_TLS_HANDSHAKE;
	return 0;
}

int ms_conn_tls_step(struct ms_conn *c, struct ms_err *err)
{
	SSL *ssl = c->ssl;
	const char *who = c->peer[0] ? c->peer : "peer";
	char what[160];
	long vr;
	int n;

	if (!ssl)
		return MS_ERR(err, MS_EINTERNAL, "TLS: not started");
	if (c->state == MS_CONN_OPEN)
		return 1;
	if (c->state == MS_CONN_CLOSED)
		return MS_ERR(err, MS_ETLS, "TLS handshake with %s: closed",
			      who);
	ERR_clear_error();
	errno = 0;
	n = SSL_do_handshake(ssl);
	if (n == 1) {
		c->state = MS_CONN_OPEN;
		c->want_write = false;
		return 1;
	}
	switch (SSL_get_error(ssl, n)) {
	case SSL_ERROR_WANT_READ:
		c->want_write = false;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		c->want_write = true;
		return 0;
	default:
		break;
	}
	c->state = MS_CONN_CLOSED;
	vr = SSL_get_verify_result(ssl);
	if (!c->tls_server && vr != X509_V_OK) {
		ERR_clear_error();
		MS_ERR(err, MS_ETLS,
		       "TLS handshake with %s: certificate verify failed: %s",
		       who, X509_verify_cert_error_string(vr));
	} else if (ERR_peek_error()) {
		snprintf(what, sizeof(what), "TLS handshake with %s", who);
		ms_tls_err(err, MS_ETLS, what, NULL);
	} else {
		MS_ERR(err, MS_ETLS, "TLS handshake with %s: %s", who,
		       errno ? strerror(errno)
			     : "connection closed by the peer");
	}
	if (err && err != &c->err)
		c->err = *err;
	return MS_ETLS;
}

/* One non-blocking stream connection, plain TCP or TLS (OpenSSL), the way
 * Redis's ConnectionType plugs both into the same code: the proxy reads
 * into <in> and writes from <out> and never cares which it is. A TLS
 * connection can start plain and be upgraded (the MySQL protocol switches
 * to TLS after the SSLRequest packet). */
#ifndef MS_PROXY_CONN_H
#define MS_PROXY_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* A byte queue: data between <start> and <end> of <ptr> (<alloc> bytes).
 * Grows on demand up to <cap>; consumed bytes are reclaimed by moving the
 * rest to the front when that is cheaper than growing. */
struct ms_bq {
	uint8_t *ptr;
	size_t start, end, alloc, cap;
};
void ms_bq_init(struct ms_bq *q, size_t cap);
void ms_bq_free(struct ms_bq *q);
static inline size_t ms_bq_len(const struct ms_bq *q)
{
	return q->end - q->start;
}
static inline uint8_t *ms_bq_data(const struct ms_bq *q)
{
	return q->ptr + q->start;
}
/* Appends <n> bytes (borrowed). MS_ETOOLARGE past the cap, MS_ENOMEM. */
int ms_bq_add(struct ms_bq *q, const void *p, size_t n) MS_WUR;
/* Makes room for <n> more bytes and returns where to write them (then
 * ms_bq_commit), or NULL (cap or memory). */
uint8_t *ms_bq_reserve(struct ms_bq *q, size_t n);
void ms_bq_commit(struct ms_bq *q, size_t n);
/* Drops <n> bytes from the front. */
void ms_bq_consume(struct ms_bq *q, size_t n);
/* Frees the allocation when the queue is empty and holds more than
 * <keep> bytes (so a 16 MB packet does not pin 16 MB forever). */
void ms_bq_shrink(struct ms_bq *q, size_t keep);

/* TLS settings, built once and shared by many connections. */
struct ms_tls;
/* A server-side context from a PEM certificate chain and key (paths
 * borrowed). MS_ETLS naming the file and OpenSSL's reason. */
int ms_tls_server_new(const char *cert, const char *key, struct ms_tls **out,
		      struct ms_err *err) MS_WUR;
/* A client-side context: with <ca> (may be NULL: the system store) the
 * peer certificate is verified; <verify_name> also checks the host name
 * given to ms_conn_tls_start. <verify> false accepts any certificate
 * (ssl-mode REQUIRED). <cert>/<key> (may be NULL) are a client
 * certificate. */
int ms_tls_client_new(const char *ca, bool verify, bool verify_name,
		      const char *cert, const char *key, struct ms_tls **out,
		      struct ms_err *err) MS_WUR;
void ms_tls_free(struct ms_tls *tls);

enum ms_conn_state {
	MS_CONN_OPEN = 0,      /* plain, or TLS established */
	MS_CONN_TLS_HANDSHAKE, /* TLS handshake under way */
	MS_CONN_CLOSED,	       /* peer closed, or an error (see <err>) */
};

struct ms_conn {
	int fd;
	enum ms_conn_state state;
	void *ssl; /* SSL*, NULL when plain */
	bool tls_server;
	bool want_write; /* TLS needs the socket writable to go on */
	bool read_eof;	 /* the peer closed its side */
	struct ms_bq in;
	struct ms_bq out;
	uint64_t bytes_in, bytes_out;
	char peer[64]; /* "1.2.3.4:5678", for logs */
	struct ms_err err;
};

/* Initialises <c> on connected non-blocking socket <fd> (taken: closed by
 * ms_conn_close) with queue caps <in_cap> and <out_cap>. */
void ms_conn_init(struct ms_conn *c, int fd, size_t in_cap, size_t out_cap);
/* Starts TLS on <c> as server or client (<tls> borrowed, must outlive
 * <c>); <host> (client side, may be NULL) is sent as SNI and checked when
 * the context verifies names. Client side, bytes already in c->in are a
 * protocol error and fail with MS_ETLS; server side they are the start
 * of the client's handshake (sent right behind its SSLRequest) and are
 * handed to TLS. Call ms_conn_tls_step at once after a start: a client
 * sends its first flight, a server may already hold the client's (epoll
 * will not report those bytes again). */
int ms_conn_tls_start(struct ms_conn *c, struct ms_tls *tls, bool server,
		      const char *host, struct ms_err *err) MS_WUR;
/* Advances the TLS handshake. Returns 1 when done, 0 when it needs more
 * I/O (wait for read, or write when c->want_write), MS_ETLS on failure
 * (certificate verification errors are named). */
int ms_conn_tls_step(struct ms_conn *c, struct ms_err *err) MS_WUR;
/* Reads what is available into c->in (at most c->in's cap). Returns bytes
 * read (>= 0; 0 means nothing now), or MS_EIO when the peer closed
 * (c->read_eof) or the socket failed, MS_ETOOLARGE when c->in is full. */
long ms_conn_read(struct ms_conn *c) MS_WUR;
/* Writes as much of c->out as the socket takes. Returns 1 when c->out is
 * empty, 0 when bytes remain (wait for write), MS_EIO on error. */
int ms_conn_flush(struct ms_conn *c) MS_WUR;
/* True when TLS holds bytes already received that ms_conn_read has not
 * moved to c->in (c->in was full), or that the handshake has not used:
 * epoll will not report them, so call ms_conn_read (ms_conn_tls_step)
 * again after consuming c->in. Always false for plain. */
bool ms_conn_pending(const struct ms_conn *c);
/* True when the connection has TLS established. */
bool ms_conn_is_tls(const struct ms_conn *c);
/* Closes the socket (TLS shut down without waiting) and frees both
 * queues. Idempotent. */
void ms_conn_close(struct ms_conn *c);

/* Socket helpers. A listening socket on <addr> ("127.0.0.1:6033",
 * "[::1]:6033", ":6033" for all addresses), non-blocking, SO_REUSEADDR.
 * MS_EIO naming the address and strerror. */
int ms_net_listen(const char *addr, int backlog, int *fd,
		  struct ms_err *err) MS_WUR;
/* The port a listening socket got (after binding port 0). */
int ms_net_local_port(int fd);
/* Starts a non-blocking connect to <host>:<port> (resolved with
 * getaddrinfo, which blocks: the proxy resolves backends once at start and
 * passes numeric addresses here). *<fd> is the socket; the connect
 * completes when it becomes writable (check with ms_net_connect_result).
 */
int ms_net_connect(const char *host, unsigned port, int *fd,
		   struct ms_err *err) MS_WUR;
/* 0 when the connect on <fd> succeeded, else MS_ECONNECT with strerror. */
int ms_net_connect_result(int fd, struct ms_err *err) MS_WUR;
/* Accepts one connection: 1 with *<fd> (non-blocking, TCP_NODELAY) and the
 * peer address in <peer>, 0 when none is pending, MS_EIO (EMFILE
 * included). */
int ms_net_accept(int lfd, int *fd, char *peer, size_t peer_size,
		  struct ms_err *err) MS_WUR;

#endif

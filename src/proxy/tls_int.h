/* Private to conn.c and tls.c: what a struct ms_tls holds. */
#ifndef MS_PROXY_TLS_INT_H
#define MS_PROXY_TLS_INT_H

#include <openssl/ssl.h>
#include <stdbool.h>

#include "core/err.h"

struct ms_tls {
	SSL_CTX *ctx;
	bool server;
	bool verify;	  /* client: the peer certificate is checked */
	bool verify_name; /* client: and its name against the host */
};

/* Records in <err> (code <code>) "<what>: " followed by OpenSSL's queued
 * reasons (emptying the queue), or <fallback> when the queue is empty.
 * Returns <code>. */
int ms_tls_err(struct ms_err *err, int code, const char *what,
	       const char *fallback);

#endif

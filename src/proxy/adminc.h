/* A blocking client for the proxy's admin API (docs/proxy-admin.md), used
 * by `myshift proxy-ctl` and `myshift cutover`: one HTTP/1.0 request per
 * call with "Connection: close", read to EOF, the status line parsed and the
 * JSON body handed back. */
#ifndef MS_PROXY_ADMINC_H
#define MS_PROXY_ADMINC_H

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"

#define MS_ADMINC_MAX_ANSWER (64u << 20)

struct ms_adminc {
	char host[256];
	char port[8];
	char addr[300]; /* as given, for messages */
	char *token;	/* owned, registered with the log redactor */
	int io_timeout_ms;
};

/* <addr> HOST:PORT or [IPV6]:PORT (NULL: $MYSHIFT_PROXY_ADMIN, else
 * MS_PROXY_ADMIN_DEFAULT); the token from the first line of <token_file>,
 * else $MYSHIFT_PROXY_TOKEN. Usage errors name the option. */
int ms_adminc_init(struct ms_adminc *c, const char *addr,
		   const char *token_file, struct ms_err *err) MS_WUR;

/* Forgets the token (zeroed). */
void ms_adminc_free(struct ms_adminc *c);

/* <method> <target> (already percent-encoded). On a 2xx answer: the parsed
 * JSON in *<out>, or the raw body appended to <text> when <text> is given.
 * 4xx answers are MS_EUSAGE and 5xx MS_EINTERNAL, carrying the answer's
 * "error"; MS_ECONNECT when the proxy cannot be reached. */
int ms_adminc_call(const struct ms_adminc *c, const char *method,
		   const char *target, json_t **out, struct ms_buf *text,
		   struct ms_err *err) MS_WUR;

/* Appends <s> percent-encoded (unreserved characters as they are). */
int ms_adminc_add_enc(struct ms_buf *b, const char *s) MS_WUR;

#endif

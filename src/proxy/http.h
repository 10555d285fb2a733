/* A small HTTP/1.x request parser for the admin API: the request line
 * (method, percent-decoded path and query parameters) and the few headers
 * the admin needs (Authorization: Bearer, Content-Length). Pure: no I/O,
 * no allocation, bounded by MS_HTTP_MAX_HEAD; fuzzed (tests/fuzz/
 * fuzz_http.c). Bodies are not needed by any endpoint: a Content-Length
 * body is waited for (so the close after the answer does not reset the
 * connection) and ignored. */
#ifndef MS_PROXY_HTTP_H
#define MS_PROXY_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define MS_HTTP_MAX_HEAD   8192 /* request line + headers */
#define MS_HTTP_MAX_BODY   8192 /* ignored, but read */
#define MS_HTTP_MAX_PARAMS 16

struct ms_http_req {
	char method[8];			       /* "GET", "POST", ... */
	int minor;			       /* HTTP/1.<minor> */
	const char *path;		       /* decoded, starts with '/' */
	const char *names[MS_HTTP_MAX_PARAMS]; /* decoded query parameters */
	const char *values[MS_HTTP_MAX_PARAMS];
	size_t nparams;
	bool has_auth;	   /* an Authorization header was present */
	const char *token; /* its Bearer token, NULL when another scheme */
	size_t content_length;
	size_t head_len;  /* bytes of request line and headers */
	size_t total_len; /* head and body */
	/* the strings above point here */
	char store[MS_HTTP_MAX_HEAD];
	size_t store_len;
};

/* Parses the request at the start of <p>/<n> (borrowed) into <req>.
 * Returns 1 when it is complete (req->total_len bytes), 0 when more bytes
 * are needed, MS_ETOOLARGE when the head passes MS_HTTP_MAX_HEAD or the
 * body MS_HTTP_MAX_BODY (HTTP 413), MS_EPARSE for a malformed request
 * (HTTP 400) with <err> naming what is wrong. */
int ms_http_parse(const char *p, size_t n, struct ms_http_req *req,
		  struct ms_err *err) MS_WUR;

/* The decoded value of query parameter <name> (borrowed from <req>), NULL
 * when absent. */
const char *ms_http_param(const struct ms_http_req *req, const char *name);

/* Compares two secrets in time that depends on neither (both hashed with
 * SHA-256, the digests compared with CRYPTO_memcmp). NULL never matches. */
bool ms_http_token_equal(const char *given, const char *expected);

/* The reason phrase for <status> ("OK", "Not Found", ...). */
const char *ms_http_reason(int status);

#endif

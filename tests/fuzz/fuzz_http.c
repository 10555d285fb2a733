/* Fuzzes the admin API's HTTP request parser. Besides "no crash, no
 * leak": the result is one of the documented codes, errors carry a
 * message, a complete request's strings lie in its store, the request
 * parses the same when cut at its end or followed by more bytes, is
 * incomplete one byte short of its head, and re-encoding its method,
 * path, parameters and token gives a request that parses back the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "proxy/http.h"
#include "fuzz.h"

static struct ms_http_req req, again;

static void in_store(const struct ms_http_req *r, const char *s)
{
	if (!s)
		return;
	if (s < r->store || s >= r->store + r->store_len)
		abort();
	if (strlen(s) >= (size_t)(r->store + r->store_len - s))
		abort();
}

static int same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static void same_req(const struct ms_http_req *a, const struct ms_http_req *b)
{
	if (strcmp(a->method, b->method) || a->minor != b->minor ||
	    strcmp(a->path, b->path) || a->nparams != b->nparams ||
	    a->has_auth != b->has_auth || !same_str(a->token, b->token))
		abort();
	for (size_t i = 0; i < a->nparams; i++)
		if (strcmp(a->names[i], b->names[i]) ||
		    strcmp(a->values[i], b->values[i]))
			abort();
}

static int enc(struct ms_buf *b, const char *s, int is_path)
{
	int rc = 0;

	for (; *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || (is_path && c == '/'))
			rc = ms_buf_addc(b, (char)c);
		else
			rc = ms_buf_addf(b, "%%%02X", c);
	}
	return rc;
}

/* Writes <r> back as a request and parses it again. */
static void round_trip(const struct ms_http_req *r)
{
	struct ms_buf b;
	int rc;

	ms_buf_init(&b, 4 * MS_HTTP_MAX_HEAD);
	rc = ms_buf_addf(&b, "%s ", r->method);
	if (!rc)
		rc = enc(&b, r->path, 1);
	for (size_t i = 0; !rc && i < r->nparams; i++) {
		rc = ms_buf_addc(&b, i ? '&' : '?');
		if (!rc)
			rc = enc(&b, r->names[i], 0);
		if (!rc)
			rc = ms_buf_addc(&b, '=');
		if (!rc)
			rc = enc(&b, r->values[i], 0);
	}
	if (!rc)
		rc = ms_buf_addf(&b, " HTTP/1.%d\r\n", r->minor);
	if (!rc && r->has_auth)
		rc = r->token ? ms_buf_addf(&b, "Authorization: Bearer %s\r\n",
					    r->token)
			      : ms_buf_addstr(&b, "Authorization: Basic x\r\n");
	if (!rc)
		rc = ms_buf_addstr(&b, "\r\n");
	if (rc)
		abort();
	/* percent-encoding can triple the size: only fitting heads parse */
	if (b.len < MS_HTTP_MAX_HEAD) {
		if (ms_http_parse(b.ptr, b.len, &again, NULL) != 1)
			abort();
		same_req(r, &again);
	}
	ms_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct ms_err err;
	int rc;

	ms_err_clear(&err);
	rc = ms_http_parse(p, size, &req, &err);
	if (rc != 1 && rc != 0 && rc != MS_ETOOLARGE && rc != MS_EPARSE)
		abort();
	if (rc < 0 && !err.msg[0])
		abort();
	if (rc == 0 && size >= MS_HTTP_MAX_HEAD && req.head_len == 0)
		abort(); /* a full-size head can't be merely incomplete */
	if (rc != 1)
		return 0;
	if (req.path[0] != '/' || !req.method[0] || req.total_len > size ||
	    req.head_len > MS_HTTP_MAX_HEAD || req.head_len > req.total_len ||
	    req.nparams > MS_HTTP_MAX_PARAMS || (req.token && !req.has_auth))
		abort();
	for (const char *m = req.method; *m; m++)
		if (*m < 'A' || *m > 'Z')
			abort();
	in_store(&req, req.path);
	in_store(&req, req.token);
	for (size_t i = 0; i < req.nparams; i++) {
		in_store(&req, req.names[i]);
		in_store(&req, req.values[i]);
		if (ms_http_param(&req, req.names[i]) != req.values[i])
			abort();
	}
	/* cut at its end: the same; one byte short of the head: incomplete */
	if (ms_http_parse(p, req.total_len, &again, NULL) != 1)
		abort();
	same_req(&req, &again);
	if (ms_http_parse(p, req.head_len - 1, &again, NULL) != 0)
		abort();
	round_trip(&req);
	return 0;
}

/* The admin API's HTTP request parser (see http.h). Strict where
 * strictness costs nothing (a method of upper-case letters, an
 * origin-form target, HTTP/1.0 or 1.1, header names of token characters,
 * no control bytes in values, no line folding, no Transfer-Encoding) and
 * lenient about bare LF line ends, which curl never sends but a test
 * written by hand might. */
#include "core/buf.h"
#include "proxy/http.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* The end of the head: the offset just past the empty line, 0 when the
 * empty line is not within <n> bytes. */
static size_t head_end(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < n && p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* The next line in [*pos, end): its start and length without the line
 * end; *pos moves past it. */
static const char *next_line(const char *p, size_t end, size_t *pos,
			     size_t *len)
{
	const char *s = p + *pos;
	size_t i = *pos;

	while (i < end && p[i] != '\n')
		i++;
	*len = i - *pos;
	if (*len && s[*len - 1] == '\r')
		(*len)--;
	*pos = i < end ? i + 1 : end;
	return s;
}

/* Appends the percent-decoding of <s>/<n> ('+' as a space when <plus>)
 * to req->store, NUL-terminated. Returns the copy, NULL for a bad escape
 * or an encoded NUL (<err> names <what>). */
static const char *decode(struct ms_http_req *req, const char *s, size_t n,
			  bool plus, const char *what, struct ms_err *err)
{
	char *out = req->store + req->store_len;
	size_t o = 0;

	/* the decoding is never longer than the text, and the text lies in
	 * the head, so it fits */
	if (n + 1 > sizeof(req->store) - req->store_len) {
		MS_ERR(err, MS_ETOOLARGE, "%s too long", what);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (n - i < 3) {
				MS_ERR(err, MS_EPARSE,
				       "%s: '%%' without two hex digits", what);
				return NULL;
			}
			hi = ms_hexval(s[i + 1]);
			lo = ms_hexval(s[i + 2]);
			if (hi < 0 || lo < 0) {
				MS_ERR(err, MS_EPARSE,
				       "%s: '%%%c%c' is not a hex escape", what,
				       s[i + 1], s[i + 2]);
				return NULL;
			}
			c = (char)(hi * 16 + lo);
			if (c == '\0') {
				MS_ERR(err, MS_EPARSE, "%s: %%00 not allowed",
				       what);
				return NULL;
			}
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		out[o++] = c;
	}
	out[o] = '\0';
	req->store_len += o + 1;
	return out;
}

/* "a=1&b=two" into req's parameters. */
static int parse_query(struct ms_http_req *req, const char *q, size_t n,
		       struct ms_err *err)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i, eq;
		const char *name, *value;

		while (j < n && q[j] != '&')
			j++;
		if (j == i) { /* "a=1&&b=2" */
			i++;
			continue;
		}
		eq = i;
		while (eq < j && q[eq] != '=')
			eq++;
		if (req->nparams == MS_HTTP_MAX_PARAMS)
			return MS_ERR(err, MS_EPARSE,
				      "more than %d query parameters",
				      MS_HTTP_MAX_PARAMS);
		name = decode(req, q + i, eq - i, true, "query parameter name",
			      err);
		if (!name)
			return err ? err->code : MS_EPARSE;
		value = decode(req, q + eq + (eq < j), eq < j ? j - eq - 1 : 0,
			       true, "query parameter value", err);
		if (!value)
			return err ? err->code : MS_EPARSE;
		if (!*name)
			return MS_ERR(err, MS_EPARSE,
				      "query parameter without a name");
		if (ms_http_param(req, name))
			return MS_ERR(err, MS_EPARSE,
				      "query parameter '%s' given twice", name);
		req->names[req->nparams] = name;
		req->values[req->nparams] = value;
		req->nparams++;
		i = j + 1;
	}
	return 0;
}

/* "METHOD /path?query HTTP/1.1" */
static int parse_request_line(struct ms_http_req *req, const char *l, size_t n,
			      struct ms_err *err)
{
	size_t i = 0, t0, t1, q;

	while (i < n && l[i] >= 'A' && l[i] <= 'Z')
		i++;
	if (i == 0 || i >= sizeof(req->method) || i == n || l[i] != ' ')
		return MS_ERR(err, MS_EPARSE,
			      "request line: expected METHOD /PATH HTTP/1.x");
	memcpy(req->method, l, i);
	req->method[i] = '\0';
	t0 = ++i;
	while (i < n && l[i] != ' ')
		i++;
	t1 = i;
	if (t1 == t0 || l[t0] != '/')
		return MS_ERR(err, MS_EPARSE,
			      "request line: the target must start with '/'");
	for (size_t k = t0; k < t1; k++)
		if ((unsigned char)l[k] <= 0x20 || l[k] == 0x7f)
			return MS_ERR(err, MS_EPARSE,
				      "request line: control byte in the "
				      "target");
	if (n - i != 9 || memcmp(l + i, " HTTP/1.", 8) != 0 ||
	    (l[n - 1] != '0' && l[n - 1] != '1'))
		return MS_ERR(err, MS_EPARSE,
			      "request line: expected HTTP/1.0 or HTTP/1.1");
	req->minor = l[n - 1] - '0';
	q = t0;
	while (q < t1 && l[q] != '?' && l[q] != '#')
		q++;
	req->path = decode(req, l + t0, q - t0, false, "path", err);
	if (!req->path)
		return err ? err->code : MS_EPARSE;
	if (q < t1 && l[q] == '?') {
		size_t qe = q + 1;

		while (qe < t1 && l[qe] != '#')
			qe++;
		return parse_query(req, l + q + 1, qe - q - 1, err);
	}
	return 0;
}

static bool tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int header_auth(struct ms_http_req *req, const char *v, size_t n,
		       struct ms_err *err)
{
	char *tok;

	if (req->has_auth)
		return MS_ERR(err, MS_EPARSE, "Authorization given twice");
	req->has_auth = true;
	if (n < 7 || strncasecmp(v, "Bearer ", 7) != 0)
		return 0; /* another scheme: no token */
	v += 7;
	n -= 7;
	while (n && *v == ' ') {
		v++;
		n--;
	}
	/* taken as written, no decoding */
	if (n + 1 > sizeof(req->store) - req->store_len)
		return MS_ERR(err, MS_ETOOLARGE, "Authorization too long");
	tok = req->store + req->store_len;
	memcpy(tok, v, n);
	tok[n] = '\0';
	req->store_len += n + 1;
	req->token = tok;
	return 0;
}

static int header_length(struct ms_http_req *req, const char *v, size_t n,
			 struct ms_err *err)
{
	size_t len = 0;

	if (n == 0 || n > 9)
		return MS_ERR(err, MS_EPARSE, "Content-Length: bad value");
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return MS_ERR(err, MS_EPARSE,
				      "Content-Length: bad value");
		len = len * 10 + (size_t)(v[i] - '0');
	}
	if (req->content_length != (size_t)-1 && req->content_length != len)
		return MS_ERR(err, MS_EPARSE,
			      "Content-Length given twice, differently");
	req->content_length = len;
	return 0;
}

static int parse_header(struct ms_http_req *req, const char *l, size_t n,
			struct ms_err *err)
{
	size_t i = 0, vs, ve;

	if (l[0] == ' ' || l[0] == '\t')
		return MS_ERR(err, MS_EPARSE, "header line folding");
	while (i < n && tchar(l[i]))
		i++;
	if (i == 0 || i == n || l[i] != ':')
		return MS_ERR(err, MS_EPARSE, "malformed header line");
	vs = i + 1;
	while (vs < n && (l[vs] == ' ' || l[vs] == '\t'))
		vs++;
	ve = n;
	while (ve > vs && (l[ve - 1] == ' ' || l[ve - 1] == '\t'))
		ve--;
	for (size_t k = vs; k < ve; k++)
		if (((unsigned char)l[k] < 0x20 && l[k] != '\t') ||
		    l[k] == 0x7f)
			return MS_ERR(err, MS_EPARSE,
				      "control byte in header %.*s", (int)i, l);
	if (i == 13 && strncasecmp(l, "Authorization", 13) == 0)
		return header_auth(req, l + vs, ve - vs, err);
	if (i == 14 && strncasecmp(l, "Content-Length", 14) == 0)
		return header_length(req, l + vs, ve - vs, err);
	if (i == 17 && strncasecmp(l, "Transfer-Encoding", 17) == 0)
		return MS_ERR(err, MS_EPARSE,
			      "Transfer-Encoding is not supported");
	return 0;
}

int ms_http_parse(const char *p, size_t n, struct ms_http_req *req,
		  struct ms_err *err)
{
	size_t end, pos = 0, len;
	const char *line;
	int rc;

	memset(req, 0, offsetof(struct ms_http_req, store));
	req->store_len = 0;
	req->content_length = (size_t)-1;
	end = head_end(p, n < MS_HTTP_MAX_HEAD ? n : MS_HTTP_MAX_HEAD);
	if (!end) {
		if (n >= MS_HTTP_MAX_HEAD)
			return MS_ERR(err, MS_ETOOLARGE,
				      "request head over %d bytes",
				      MS_HTTP_MAX_HEAD);
		return 0;
	}
	line = next_line(p, end, &pos, &len);
	rc = parse_request_line(req, line, len, err);
	if (rc)
		return rc;
	for (;;) {
		line = next_line(p, end, &pos, &len);
		if (len == 0)
			break;
		rc = parse_header(req, line, len, err);
		if (rc)
			return rc;
	}
	if (req->content_length == (size_t)-1)
		req->content_length = 0;
	if (req->content_length > MS_HTTP_MAX_BODY)
		return MS_ERR(err, MS_ETOOLARGE, "request body over %d bytes",
			      MS_HTTP_MAX_BODY);
	req->head_len = end;
	req->total_len = end + req->content_length;
	return n >= req->total_len ? 1 : 0;
}

const char *ms_http_param(const struct ms_http_req *req, const char *name)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (strcmp(req->names[i], name) == 0)
			return req->values[i];
	return NULL;
}

bool ms_http_token_equal(const char *given, const char *expected)
{
	unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
	unsigned int la = 0, lb = 0;

	if (!given || !expected)
		return false;
	if (!EVP_Digest(given, strlen(given), a, &la, EVP_sha256(), NULL) ||
	    !EVP_Digest(expected, strlen(expected), b, &lb, EVP_sha256(),
			NULL) ||
	    la != lb)
		return false;
	return CRYPTO_memcmp(a, b, la) == 0;
}

const char *ms_http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 202:
		return "Accepted";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

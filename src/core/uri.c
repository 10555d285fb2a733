/* Endpoint URI parser. One pass per part over a length-capped string; every
 * error names the part and the 0-based byte offset where it was found, and
 * only ever quotes text that cannot hold the password (query keys, port
 * digits, single host characters). As a last guard, a quoted fragment that
 * happens to contain the parsed password is printed as "***". */
#include "core/buf.h"
#include "core/uri.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"

#define HOST_MAX      255
#define ECHO_MAX      32 /* longest piece of input quoted in a message */
#define FORMAT_MAX    (MS_URI_MAX * 3 + 256)
#define SCHEME	      "mysql://"
#define SCHEME_LEN    (sizeof(SCHEME) - 1)
#define PCT_NEED_HINT "(a '?' in the password must be written %%3F)"

struct uri_parse {
	const char *s;		/* the whole URI */
	size_t len;		/* strlen(s), <= MS_URI_MAX */
	struct ms_endpoint *ep; /* being filled */
	struct ms_err *err;	/* may be NULL */
	unsigned int seen;	/* query keys seen, bit per key */
	size_t key_off[8];	/* offset of each seen key */
};

enum uri_key {
	K_SSL_MODE,
	K_SSL_CA,
	K_SSL_CERT,
	K_SSL_KEY,
	K_CONNECT_TIMEOUT,
	K_READ_TIMEOUT,
	K_WRITE_TIMEOUT,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
    "ssl-mode",	       "ssl-ca",       "ssl-cert",	"ssl-key",
    "connect-timeout", "read-timeout", "write-timeout",
};

static const char *const ssl_names[] = {"PREFERRED", "DISABLED", "REQUIRED",
					"VERIFY_CA", "VERIFY_IDENTITY"};

/* Copies at most ECHO_MAX bytes of s[<from>, <to>) into <out> (ECHO_MAX + 1
 * bytes) for quoting in a message, and returns it; returns "***" instead
 * when the fragment contains the parsed password. */
static const char *quote(const struct uri_parse *p, size_t from, size_t to,
			 char *out)
{
	size_t n = to - from > ECHO_MAX ? ECHO_MAX : to - from;

	memcpy(out, p->s + from, n);
	out[n] = '\0';
	if (p->ep->has_password && p->ep->password[0] &&
	    strstr(out, p->ep->password))
		return "***";
	return out;
}

static int uri_fail(struct uri_parse *p, int code, int line, const char *fmt,
		    ...) MS_PRINTF(4, 5);

static int uri_fail(struct uri_parse *p, int code, int line, const char *fmt,
		    ...)
{
	va_list ap;

	if (!p->err)
		return code;
	va_start(ap, fmt);
	ms_err_vset(p->err, code, __FILE__, line, fmt, ap);
	va_end(ap);
	return ms_err_prefix(p->err, "uri");
}

#define FAIL(p, ...) uri_fail((p), MS_EPARSE, __LINE__, __VA_ARGS__)

/* Decodes s[<from>, <to>) into a new string in *<out> (caller frees).
 * <part> names the part in messages; control characters are allowed in the
 * result only when <allow_ctl> (the password). */
static int pct_decode(struct uri_parse *p, size_t from, size_t to,
		      const char *part, bool allow_ctl, char **out)
{
	char *d = malloc(to - from + 1);
	size_t i, n = 0;

	if (!d)
		return uri_fail(p, MS_ENOMEM, __LINE__, "out of memory");
	for (i = from; i < to; i++) {
		unsigned char c = (unsigned char)p->s[i];

		if (c == '%') {
			int hi = i + 2 < to ? ms_hexval(p->s[i + 1]) : -1;
			int lo = hi >= 0 ? ms_hexval(p->s[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				free(d);
				return FAIL(p,
					    "bad percent escape in %s at "
					    "offset %zu",
					    part, i);
			}
			c = (unsigned char)(hi * 16 + lo);
			if (c == 0 || (!allow_ctl && (c < 0x20 || c == 0x7f))) {
				free(d);
				return FAIL(p,
					    "escaped control character in %s "
					    "at offset %zu",
					    part, i);
			}
			i += 2;
		}
		d[n++] = (char)c;
	}
	d[n] = '\0';
	*out = d;
	return 0;
}

/* Raw control characters and spaces are refused everywhere. */
static int check_chars(struct uri_parse *p)
{
	size_t i;

	for (i = 0; i < p->len; i++) {
		unsigned char c = (unsigned char)p->s[i];

		if (c == ' ')
			return FAIL(p, "space at offset %zu (write %%20)", i);
		if (c < 0x20 || c == 0x7f)
			return FAIL(p, "control character 0x%02x at offset %zu",
				    c, i);
	}
	return 0;
}

static int register_password(struct uri_parse *p, size_t from, size_t to)
{
	char raw[MS_URI_MAX + 1];
	int rc;

	rc = ms_log_secret_add(p->ep->password);
	memcpy(raw, p->s + from, to - from);
	raw[to - from] = '\0';
	if (!rc && strcmp(raw, p->ep->password) != 0)
		rc = ms_log_secret_add(raw);
	if (rc)
		return uri_fail(p, rc, __LINE__,
				"cannot register the password with the log "
				"redactor: %s",
				ms_strerror(rc));
	return 0;
}

/* user[:password] in s[<from>, <at>). */
static int parse_userinfo(struct uri_parse *p, size_t from, size_t at)
{
	size_t i, colon = at;
	int rc;

	for (i = from; i < at; i++) {
		if (p->s[i] == ':') {
			colon = i;
			break;
		}
		if (p->s[i] == '/' || p->s[i] == '@')
			return FAIL(p,
				    "raw '%c' in user at offset %zu (write "
				    "'/' as %%2F and '@' as %%40)",
				    p->s[i], i);
	}
	if (colon == from)
		return FAIL(p, "empty user at offset %zu", from);
	rc = pct_decode(p, from, colon, "user", false, &p->ep->user);
	if (rc || colon == at)
		return rc;
	rc = pct_decode(p, colon + 1, at, "password", true, &p->ep->password);
	if (rc)
		return rc;
	p->ep->has_password = true;
	return register_password(p, colon + 1, at);
}

static bool is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

static int bad_char(struct uri_parse *p, const char *what, size_t off)
{
	unsigned char c = (unsigned char)p->s[off];

	if (c > 0x20 && c < 0x7f)
		return FAIL(p, "%s '%c' at offset %zu", what, c, off);
	return FAIL(p, "%s 0x%02x at offset %zu", what, c, off);
}

static int parse_port(struct uri_parse *p, size_t from, size_t to)
{
	char q[ECHO_MAX + 1];
	unsigned long v = 0;
	size_t i;

	if (from == to)
		return FAIL(p, "empty port at offset %zu", from);
	for (i = from; i < to; i++) {
		if (p->s[i] < '0' || p->s[i] > '9')
			return bad_char(p, "non-digit in port:", i);
		if (v <= 65535)
			v = v * 10 + (unsigned long)(p->s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return FAIL(p, "bad port '%s' at offset %zu (1..65535)",
			    quote(p, from, to, q), from);
	p->ep->port = (unsigned int)v;
	return 0;
}

/* "[v6]" starting at <from> (the '['), inside s[.., <to>). Sets *<end>
 * just past ']'. */
static int parse_ipv6(struct uri_parse *p, size_t from, size_t to, size_t *end)
{
	const char *close = memchr(p->s + from, ']', to - from);
	size_t i, stop, colons = 0;

	if (!close)
		return FAIL(p, "unterminated '[' in host at offset %zu", from);
	stop = (size_t)(close - p->s);
	for (i = from + 1; i < stop; i++) {
		char c = p->s[i];

		if (c == ':')
			colons++;
		else if (ms_hexval(c) < 0 && c != '.')
			return bad_char(p, "invalid character in IPv6 address",
					i);
	}
	if (colons < 2)
		return FAIL(p, "bad IPv6 address at offset %zu", from);
	p->ep->host = strndup(p->s + from + 1, stop - from - 1);
	if (!p->ep->host)
		return uri_fail(p, MS_ENOMEM, __LINE__, "out of memory");
	*end = stop + 1;
	return 0;
}

/* host[:port] in s[<from>, <to>). */
static int parse_hostport(struct uri_parse *p, size_t from, size_t to)
{
	size_t i = from;
	int rc;

	if (from == to)
		return FAIL(p, "empty host at offset %zu", from);
	if (p->s[from] == '[') {
		rc = parse_ipv6(p, from, to, &i);
		if (rc)
			return rc;
		if (i < to && p->s[i] != ':')
			return bad_char(p, "unexpected character after host",
					i);
	} else {
		while (i < to && is_host_char(p->s[i]))
			i++;
		if (i < to && p->s[i] != ':')
			return bad_char(p, "invalid character in host", i);
		if (i == from)
			return FAIL(p, "empty host at offset %zu", from);
		if (i - from > HOST_MAX)
			return FAIL(p,
				    "host longer than %d bytes at offset %zu",
				    HOST_MAX, from);
		p->ep->host = strndup(p->s + from, i - from);
		if (!p->ep->host)
			return uri_fail(p, MS_ENOMEM, __LINE__,
					"out of memory");
	}
	p->ep->port = MS_DEFAULT_PORT;
	if (i < to)
		return parse_port(p, i + 1, to);
	return 0;
}

static int parse_db(struct uri_parse *p, size_t from, size_t to)
{
	const char *slash = memchr(p->s + from, '/', to - from);

	if (slash)
		return FAIL(p,
			    "unexpected '/' in db at offset %zu (write it "
			    "as %%2F)",
			    (size_t)(slash - p->s));
	if (from == to)
		return 0;
	return pct_decode(p, from, to, "db", false, &p->ep->db);
}

static int parse_timeout(struct uri_parse *p, enum uri_key k, const char *v,
			 size_t off, unsigned int *out)
{
	unsigned long n = 0;
	const char *c;

	for (c = v; *c; c++) {
		if (*c < '0' || *c > '9')
			break;
		if (n <= MS_URI_TIMEOUT_MAX)
			n = n * 10 + (unsigned long)(*c - '0');
	}
	if (c == v || *c || n > MS_URI_TIMEOUT_MAX)
		return FAIL(p, "bad %s at offset %zu (0..%d seconds)",
			    key_names[k], off, MS_URI_TIMEOUT_MAX);
	*out = (unsigned int)n;
	return 0;
}

/* Applies one decoded query value; takes ownership of <v>. */
static int apply_key(struct uri_parse *p, enum uri_key k, char *v, size_t off)
{
	struct ms_endpoint *ep = p->ep;
	int rc = 0;

	if (*v == '\0' && k <= K_SSL_KEY) {
		free(v);
		return FAIL(p, "empty %s at offset %zu", key_names[k], off);
	}
	switch (k) {
	case K_SSL_MODE:
		if (ms_ssl_mode_parse(v, &ep->ssl_mode) != 0)
			rc = FAIL(p,
				  "bad ssl-mode at offset %zu (DISABLED, "
				  "PREFERRED, REQUIRED, VERIFY_CA or "
				  "VERIFY_IDENTITY)",
				  off);
		break;
	case K_SSL_CA:
		ep->ssl_ca = v;
		return 0;
	case K_SSL_CERT:
		ep->ssl_cert = v;
		return 0;
	case K_SSL_KEY:
		ep->ssl_key = v;
		return 0;
	case K_CONNECT_TIMEOUT:
		rc = parse_timeout(p, k, v, off, &ep->connect_timeout_s);
		break;
	case K_READ_TIMEOUT:
		rc = parse_timeout(p, k, v, off, &ep->read_timeout_s);
		break;
	case K_WRITE_TIMEOUT:
		rc = parse_timeout(p, k, v, off, &ep->write_timeout_s);
		break;
	case K_COUNT:
		break;
	}
	free(v);
	return rc;
}

/* One "key=value" in s[<from>, <to>). */
static int parse_pair(struct uri_parse *p, size_t from, size_t to)
{
	const char *eq = memchr(p->s + from, '=', to - from);
	size_t klen = (eq ? (size_t)(eq - p->s) : to) - from;
	char q[ECHO_MAX + 1];
	char *v;
	int k, rc;

	if (!eq)
		return FAIL(p, "missing '=' after query key '%s' at offset %zu",
			    quote(p, from, from + klen, q), from);
	for (k = 0; k < K_COUNT; k++) {
		if (strlen(key_names[k]) == klen &&
		    memcmp(key_names[k], p->s + from, klen) == 0)
			break;
	}
	if (k == K_COUNT)
		return FAIL(p, "unknown query key '%s' at offset %zu",
			    quote(p, from, from + klen, q), from);
	if (p->seen & (1u << k))
		return FAIL(p, "repeated query key '%s' at offset %zu",
			    key_names[k], from);
	p->seen |= 1u << k;
	p->key_off[k] = from;
	rc =
	    pct_decode(p, (size_t)(eq - p->s) + 1, to, key_names[k], false, &v);
	if (rc)
		return rc;
	return apply_key(p, (enum uri_key)k, v, (size_t)(eq - p->s) + 1);
}

static int parse_query(struct uri_parse *p, size_t from)
{
	size_t i = from;
	int rc;

	while (i < p->len) {
		const char *amp = memchr(p->s + i, '&', p->len - i);
		size_t end = amp ? (size_t)(amp - p->s) : p->len;

		if (end > i) { /* empty pairs ("a=1&&b=2") are skipped */
			rc = parse_pair(p, i, end);
			if (rc)
				return rc;
		}
		i = end + 1;
	}
	return 0;
}

/* Cross-key rules, checked once the whole query is known. */
static int check_tls(struct uri_parse *p)
{
	const struct ms_endpoint *ep = p->ep;

	if (ep->ssl_cert && !ep->ssl_key)
		return FAIL(p, "ssl-cert without ssl-key at offset %zu",
			    p->key_off[K_SSL_CERT]);
	if (ep->ssl_key && !ep->ssl_cert)
		return FAIL(p, "ssl-key without ssl-cert at offset %zu",
			    p->key_off[K_SSL_KEY]);
	if (ep->ssl_mode == MS_SSL_DISABLED &&
	    (ep->ssl_ca || ep->ssl_cert || ep->ssl_key))
		return FAIL(p,
			    "ssl-mode=DISABLED at offset %zu conflicts with "
			    "ssl-ca/ssl-cert/ssl-key",
			    p->key_off[K_SSL_MODE]);
	return 0;
}

static int parse_all(struct uri_parse *p)
{
	const char *q, *at = NULL, *c;
	size_t qpos, hend;
	int rc;

	rc = check_chars(p);
	if (rc)
		return rc;
	if (p->len < SCHEME_LEN || strncasecmp(p->s, SCHEME, SCHEME_LEN) != 0)
		return FAIL(p, "missing 'mysql://' scheme at offset 0");
	q = memchr(p->s + SCHEME_LEN, '?', p->len - SCHEME_LEN);
	qpos = q ? (size_t)(q - p->s) : p->len;
	for (c = p->s + SCHEME_LEN; c < p->s + qpos; c++)
		if (*c == '@')
			at = c;
	if (!at)
		return FAIL(p, "missing 'user@' at offset %zu " PCT_NEED_HINT,
			    SCHEME_LEN);
	rc = parse_userinfo(p, SCHEME_LEN, (size_t)(at - p->s));
	if (rc)
		return rc;
	hend = (size_t)(at - p->s) + 1;
	while (hend < qpos && p->s[hend] != '/')
		hend++;
	rc = parse_hostport(p, (size_t)(at - p->s) + 1, hend);
	if (!rc && hend < qpos)
		rc = parse_db(p, hend + 1, qpos);
	if (!rc && q)
		rc = parse_query(p, qpos + 1);
	if (!rc)
		rc = check_tls(p);
	return rc;
}

int ms_endpoint_parse(const char *uri, struct ms_endpoint *ep,
		      struct ms_err *err)
{
	struct uri_parse p;
	int rc;

	memset(ep, 0, sizeof(*ep));
	memset(&p, 0, sizeof(p));
	p.ep = ep;
	p.err = err;
	p.s = uri ? uri : "";
	p.len = strnlen(p.s, MS_URI_MAX + 1);
	if (p.len > MS_URI_MAX)
		return uri_fail(&p, MS_ETOOLARGE, __LINE__,
				"longer than %d bytes", MS_URI_MAX);
	rc = parse_all(&p);
	if (rc)
		ms_endpoint_free(ep);
	return rc;
}

/* Reads the first line of <path> into a new string (caller frees). */
static int read_password_file(const char *path, char **out, struct ms_err *err)
{
	char line[MS_PASSWORD_MAX + 2];
	FILE *f = fopen(path, "rb");
	size_t n = 0;
	int c = EOF;

	if (!f)
		return MS_ERR(err, MS_EIO, "password file '%s': %s", path,
			      strerror(errno));
	while (n < sizeof(line) - 1 && (c = getc(f)) != EOF && c != '\n')
		line[n++] = (char)c;
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		return MS_ERR(err, MS_EIO, "password file '%s': %s", path,
			      strerror(e));
	}
	fclose(f);
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (n > MS_PASSWORD_MAX)
		return MS_ERR(err, MS_ETOOLARGE,
			      "password file '%s': first line longer than %d "
			      "bytes",
			      path, MS_PASSWORD_MAX);
	if (memchr(line, '\0', n))
		return MS_ERR(err, MS_ECONFIG,
			      "password file '%s': NUL byte in the first line",
			      path);
	*out = strndup(line, n);
	memset(line, 0, sizeof(line));
	if (!*out)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	return 0;
}

int ms_endpoint_resolve_password(struct ms_endpoint *ep, const char *env_name,
				 const char *password_file, struct ms_err *err)
{
	const char *env;
	char *pw = NULL;
	int rc;

	if (ep->has_password)
		return 0;
	if (password_file) {
		rc = read_password_file(password_file, &pw, err);
		if (rc)
			return rc;
	} else if (env_name && (env = getenv(env_name)) != NULL && *env) {
		pw = strdup(env);
		if (!pw)
			return MS_ERR(err, MS_ENOMEM, "out of memory");
	} else {
		return 0;
	}
	rc = ms_log_secret_add(pw);
	if (rc) {
		free(pw);
		return MS_ERR(err, rc,
			      "cannot register the password with the log "
			      "redactor: %s",
			      ms_strerror(rc));
	}
	free(ep->password);
	ep->password = pw;
	ep->has_password = true;
	return 0;
}

/* Appends <s> with every byte outside the unreserved set (and <extra>)
 * percent-encoded. */
static int add_encoded(struct ms_buf *b, const char *s, const char *extra)
{
	int rc = 0;

	for (; *s && !rc; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x80 && is_host_char((char)c)) || c == '~' ||
		    (c && strchr(extra, c)))
			rc = ms_buf_addc(b, (char)c);
		else
			rc = ms_buf_addf(b, "%%%02X", c);
	}
	return rc;
}

static int format_query(const struct ms_endpoint *ep, struct ms_buf *b)
{
	const char *files[3] = {ep->ssl_ca, ep->ssl_cert, ep->ssl_key};
	const unsigned int tmo[3] = {ep->connect_timeout_s, ep->read_timeout_s,
				     ep->write_timeout_s};
	int i, rc;

	rc = ms_buf_addf(b, "?ssl-mode=%s", ms_ssl_mode_name(ep->ssl_mode));
	for (i = 0; i < 3 && !rc; i++) {
		if (!files[i])
			continue;
		rc = ms_buf_addf(b, "&%s=", key_names[K_SSL_CA + i]);
		if (!rc)
			rc = add_encoded(b, files[i], "/");
	}
	for (i = 0; i < 3 && !rc; i++) {
		if (tmo[i])
			rc = ms_buf_addf(b, "&%s=%u",
					 key_names[K_CONNECT_TIMEOUT + i],
					 tmo[i]);
	}
	return rc;
}

static int format_raw(const struct ms_endpoint *ep, struct ms_buf *b)
{
	const char *host = ep->host ? ep->host : "";
	int rc;

	rc = ms_buf_addstr(b, SCHEME);
	if (!rc && ep->user)
		rc = add_encoded(b, ep->user, "");
	if (!rc)
		rc = ms_buf_addf(b, strchr(host, ':') ? "@[%s]:%u" : "@%s:%u",
				 host, ep->port);
	if (!rc && ep->db) {
		rc = ms_buf_addc(b, '/');
		if (!rc)
			rc = add_encoded(b, ep->db, "");
	}
	if (!rc)
		rc = format_query(ep, b);
	return rc;
}

int ms_endpoint_format(const struct ms_endpoint *ep, struct ms_buf *out)
{
	struct ms_buf raw;
	size_t old = out->len;
	int rc;

	ms_buf_init(&raw, FORMAT_MAX);
	rc = format_raw(ep, &raw);
	if (!rc)
		rc = ms_redact(ms_buf_str(&raw), out);
	ms_buf_free(&raw);
	if (rc && out->ptr) {
		out->len = old;
		out->ptr[old] = '\0';
	}
	return rc;
}

const char *ms_ssl_mode_name(enum ms_ssl_mode mode)
{
	if ((unsigned int)mode >= sizeof(ssl_names) / sizeof(ssl_names[0]))
		return "?";
	return ssl_names[mode];
}

int ms_ssl_mode_parse(const char *s, enum ms_ssl_mode *out)
{
	size_t i;

	for (i = 0; i < sizeof(ssl_names) / sizeof(ssl_names[0]); i++) {
		if (strcasecmp(s, ssl_names[i]) == 0) {
			*out = (enum ms_ssl_mode)i;
			return 0;
		}
	}
	return MS_EINVAL;
}

void ms_endpoint_free(struct ms_endpoint *ep)
{
	if (!ep)
		return;
	if (ep->password)
		memset(ep->password, 0, strlen(ep->password));
	free(ep->user);
	free(ep->password);
	free(ep->host);
	free(ep->db);
	free(ep->ssl_ca);
	free(ep->ssl_cert);
	free(ep->ssl_key);
	memset(ep, 0, sizeof(*ep));
}

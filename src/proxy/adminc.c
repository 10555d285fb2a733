/* The admin API client (adminc.h). */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/log.h"
#include "proxy/adminc.h"
#include "proxy/proxy.h"

#define ADMINC_TOKEN_MAX 4096

static int parse_addr(struct ms_adminc *c, const char *addr, struct ms_err *err)
{
	const char *h = addr, *e, *colon;
	size_t hl;

	if (*addr == '[') {
		h = addr + 1;
		e = strchr(h, ']');
		colon = e ? e + 1 : NULL;
		if (colon && *colon != ':')
			colon = NULL;
	} else {
		colon = strrchr(addr, ':');
		e = colon;
	}
	if (!e || !colon || e == h || strlen(colon + 1) == 0 ||
	    strlen(colon + 1) >= sizeof(c->port) ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return MS_ERR(err, MS_EUSAGE,
			      "admin address '%s': expected HOST:PORT or "
			      "[IPV6]:PORT",
			      addr);
	hl = (size_t)(e - h);
	if (hl >= sizeof(c->host))
		return MS_ERR(err, MS_EUSAGE, "admin address '%s': too long",
			      addr);
	memcpy(c->host, h, hl);
	c->host[hl] = '\0';
	snprintf(c->port, sizeof(c->port), "%s", colon + 1);
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	return 0;
}

/* The token: the file's first line, or the environment's. */
static int read_token(struct ms_adminc *c, const char *file, struct ms_err *err)
{
	char buf[ADMINC_TOKEN_MAX + 2];
	const char *env = getenv("MYSHIFT_PROXY_TOKEN");
	size_t n = 0;
	FILE *f;

	if (file) {
		f = fopen(file, "r");
		if (!f)
			return MS_ERR(err, MS_EUSAGE,
				      "--admin-token-file %s: %s", file,
				      strerror(errno));
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		if (n > ADMINC_TOKEN_MAX)
			return MS_ERR(err, MS_EUSAGE,
				      "--admin-token-file %s: over %d bytes",
				      file, ADMINC_TOKEN_MAX);
		buf[n] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
	} else if (env && *env) {
		snprintf(buf, sizeof(buf), "%s", env);
	} else {
		return MS_ERR(err, MS_EUSAGE,
			      "no admin token: use --admin-token-file FILE or "
			      "set MYSHIFT_PROXY_TOKEN");
	}
	n = strlen(buf);
	while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	if (!n)
		return MS_ERR(err, MS_EUSAGE, "the admin token %s%s is empty",
			      file ? "in " : "from MYSHIFT_PROXY_TOKEN",
			      file ? file : "");
	c->token = strdup(buf);
	memset(buf, 0, sizeof(buf));
	if (!c->token || ms_log_secret_add(c->token))
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	return 0;
}

/* A connected blocking socket with I/O timeouts, or -1 with <err>. */
static int connect_api(const struct ms_adminc *c, struct ms_err *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv = {c->io_timeout_ms / 1000,
			     (c->io_timeout_ms % 1000) * 1000};
	int fd = -1, e = 0, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(c->host, c->port, &hints, &res);
	if (gai) {
		MS_ERR(err, MS_ECONNECT,
		       "cannot reach the proxy's admin API at %s: %s", c->addr,
		       gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		/* a blocking connect obeys SO_SNDTIMEO on Linux */
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = errno == EINPROGRESS ? ETIMEDOUT : errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		MS_ERR(err, MS_ECONNECT,
		       "cannot reach the proxy's admin API at %s: %s (is "
		       "`myshift proxy` running?)",
		       c->addr, strerror(e ? e : ECONNREFUSED));
	return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* <method> <target> to the proxy; *<status> and the body (in <body>, from
 * its start) on success. */
static int http(const struct ms_adminc *c, const char *method,
		const char *target, int *status, struct ms_buf *body,
		struct ms_err *err)
{
	char chunk[16384];
	struct ms_buf req, ans;
	const char *sep;
	int fd, rc = 0, minor;
	ssize_t n;

	fd = connect_api(c, err);
	if (fd < 0)
		return err ? err->code : MS_ECONNECT;
	ms_buf_init(&req, 8192);
	ms_buf_init(&ans, MS_ADMINC_MAX_ANSWER);
	rc = ms_buf_addf(&req,
			 "%s %s HTTP/1.0\r\nHost: %s\r\nAuthorization: Bearer "
			 "%s\r\nUser-Agent: myshift\r\nConnection: "
			 "close\r\n\r\n",
			 method, target, c->addr, c->token);
	if (rc)
		MS_ERR(err, rc, "request too long");
	else if (send_all(fd, req.ptr, req.len))
		rc = MS_ERR(err, MS_EIO, "sending to %s: %s", c->addr,
			    strerror(errno));
	while (!rc) {
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = MS_ERR(err, errno == EAGAIN ? MS_ETIMEOUT : MS_EIO,
				    "reading the answer from %s: %s", c->addr,
				    errno == EAGAIN ? "timed out"
						    : strerror(errno));
		else if (ms_buf_add(&ans, chunk, (size_t)n))
			rc = MS_ERR(err, MS_ETOOLARGE,
				    "the answer from %s is over %u bytes",
				    c->addr, MS_ADMINC_MAX_ANSWER);
	}
	close(fd);
	memset(req.ptr, 0, req.len); /* it holds the token */
	ms_buf_free(&req);
	if (!rc) {
		sep = strstr(ms_buf_str(&ans), "\r\n\r\n");
		if (!sep || sscanf(ms_buf_str(&ans), "HTTP/1.%d %3d ", &minor,
				   status) != 2)
			rc = MS_ERR(err, MS_EIO,
				    "%s did not answer in HTTP (is it the "
				    "proxy's admin address?)",
				    c->addr);
		else
			rc = ms_buf_add(body, sep + 4,
					ans.len - (size_t)(sep + 4 - ans.ptr));
	}
	ms_buf_free(&ans);
	return rc;
}

/* Calls the API and hands back the parsed JSON (or the raw text when
 * <text> is set); HTTP errors become usage (4xx) or runtime (5xx)
 * errors carrying the answer's "error" message. */
int ms_adminc_call(const struct ms_adminc *c, const char *method,
		   const char *target, json_t **out, struct ms_buf *text,
		   struct ms_err *err)
{
	struct ms_buf body;
	json_error_t je;
	json_t *o = NULL;
	int status = 0, rc;

	ms_buf_init(&body, MS_ADMINC_MAX_ANSWER);
	rc = http(c, method, target, &status, &body, err);
	if (rc) {
		ms_buf_free(&body);
		return rc;
	}
	if (status >= 400 || !text)
		o = json_loadb(body.ptr ? body.ptr : "", body.len, 0, &je);
	if (status >= 400) {
		const char *msg =
		    json_string_value(json_object_get(o, "error"));

		rc = MS_ERR(err, status >= 500 ? MS_EINTERNAL : MS_EUSAGE,
			    "%s %s: HTTP %d: %s", method, target, status,
			    msg ? msg : "no message");
		json_decref(o);
	} else if (text) {
		rc = ms_buf_add(text, body.ptr ? body.ptr : "", body.len);
	} else if (!o) {
		rc = MS_ERR(err, MS_EIO, "%s %s: the answer is not JSON: %s",
			    method, target, je.text);
	} else {
		*out = o;
	}
	ms_buf_free(&body);
	return rc;
}

/* Appends <s> percent-encoded (unreserved characters as they are). */
int ms_adminc_add_enc(struct ms_buf *b, const char *s)
{
	int rc = 0;

	for (; *s && !rc; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~%", ch) ||
		    ch == '*')
			rc = ch == '%' ? ms_buf_addstr(b, "%25")
				       : ms_buf_addc(b, (char)ch);
		else
			rc = ms_buf_addf(b, "%%%02X", ch);
	}
	return rc;
}

int ms_adminc_init(struct ms_adminc *c, const char *addr,
		   const char *token_file, struct ms_err *err)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->io_timeout_ms = 10000;
	if (!addr)
		addr = getenv("MYSHIFT_PROXY_ADMIN");
	if (!addr || !*addr)
		addr = MS_PROXY_ADMIN_DEFAULT;
	rc = parse_addr(c, addr, err);
	return rc ? rc : read_token(c, token_file, err);
}

void ms_adminc_free(struct ms_adminc *c)
{
	if (c->token) {
		memset(c->token, 0, strlen(c->token));
		free(c->token);
		c->token = NULL;
	}
}

/* The v10 handshake: server greeting, the client's HandshakeResponse41 or
 * SSLRequest, and AuthSwitchRequest/AuthMoreData. See proto.h. */
#include <string.h>

#include "proto/proto_int.h"

#define SSL_REQUEST_LEN 32

/* Copies view <v> into <dst> (<cap> bytes) NUL-terminated, cut to fit. */
static void copy_cut(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

/* An ERR packet where a greeting was expected: the server refused us. */
static int greeting_err(const uint8_t *p, size_t n, struct ms_err *err)
{
	struct ms_errpkt e;
	int rc = ms_proto_err_parse(p, n, &e, err);

	if (rc)
		return rc;
	MS_ERR(err, MS_ECONNECT, "server refused the connection: %.*s",
	       (int)(e.msg.n > 400 ? 400 : e.msg.n), (const char *)e.msg.p);
	if (err) {
		err->sql_errno = e.code;
		memcpy(err->sqlstate, e.sqlstate, sizeof(err->sqlstate));
	}
	return MS_ECONNECT;
}

/* The part after the capability flags' lower half: charset, status,
 * upper flags, auth data length, reserved bytes (MariaDB's extended
 * capabilities), scramble part 2 and the plugin name. */
static int greeting_tail(struct ms_rd *r, struct ms_greeting *g,
			 const uint8_t *part1, struct ms_err *err)
{
	const uint8_t *res, *part2;
	size_t len2, keep;
	uint8_t auth_len;
	struct ms_view plugin;

	g->charset = ms_rd_u8(r);
	g->status = ms_rd_u16(r);
	g->caps |= (uint32_t)ms_rd_u16(r) << 16;
	auth_len = ms_rd_u8(r);
	res = ms_rd_bytes(r, 10);
	if (r->bad)
		return MS_ERR(err, MS_ECORRUPT,
			      "greeting: truncated before the reserved bytes");
	if (!(g->caps & MS_CLIENT_LONG_PASSWORD))
		g->mariadb_caps = (uint32_t)res[6] | (uint32_t)res[7] << 8 |
				  (uint32_t)res[8] << 16 |
				  (uint32_t)res[9] << 24;
	memcpy(g->scramble, part1, 8);
	g->scramble_len = 8;
	if (g->caps & MS_CLIENT_SECURE_CONNECTION) {
		len2 = auth_len > 21 ? (size_t)auth_len - 8 : 13;
		part2 = ms_rd_bytes(r, len2);
		if (r->bad)
			return MS_ERR(err, MS_ECORRUPT,
				      "greeting: scramble part 2 truncated "
				      "(%zu bytes expected)",
				      len2);
		keep = part2[len2 - 1] == 0 ? len2 - 1 : len2;
		if (8 + keep > sizeof(g->scramble))
			return MS_ERR(err, MS_ECORRUPT,
				      "greeting: scramble of %zu bytes is "
				      "oversized",
				      8 + keep);
		memcpy(g->scramble + 8, part2, keep);
		g->scramble_len = 8 + keep;
	}
	if (g->caps & MS_CLIENT_PLUGIN_AUTH) {
		plugin = pr_rd_nulstr_lenient(r);
		if (plugin.n >= sizeof(g->auth_plugin))
			return MS_ERR(err, MS_ECORRUPT,
				      "greeting: auth plugin name of %zu bytes "
				      "is oversized",
				      plugin.n);
		copy_cut(g->auth_plugin, sizeof(g->auth_plugin), plugin.p,
			 plugin.n);
	}
	return 0;
}

int ms_proto_greeting_parse(const uint8_t *p, size_t n, struct ms_greeting *g,
			    struct ms_err *err)
{
	struct ms_rd r;
	const uint8_t *ver, *part1;
	size_t vlen;
	uint8_t proto;

	memset(g, 0, sizeof(*g));
	if (n == 0)
		return MS_ERR(err, MS_ECORRUPT, "greeting: empty packet");
	if (p[0] == 0xff)
		return greeting_err(p, n, err);
	ms_rd_init(&r, p, n);
	proto = ms_rd_u8(&r);
	if (proto != 10)
		return MS_ERR(err, MS_ECORRUPT,
			      "greeting: protocol version %u (only 10 is "
			      "supported)",
			      proto);
	ver = ms_rd_nulstr(&r, &vlen);
	if (r.bad)
		return MS_ERR(err, MS_ECORRUPT,
			      "greeting: server version not terminated");
	copy_cut(g->server_version, sizeof(g->server_version), ver, vlen);
	g->conn_id = ms_rd_u32(&r);
	part1 = ms_rd_bytes(&r, 8);
	(void)ms_rd_u8(&r); /* filler */
	g->caps = ms_rd_u16(&r);
	if (r.bad)
		return MS_ERR(
		    err, MS_ECORRUPT,
		    "greeting: truncated before the capability flags");
	if (!(g->caps & MS_CLIENT_PROTOCOL_41))
		return MS_ERR(err, MS_ECORRUPT,
			      "greeting: server without CLIENT_PROTOCOL_41");
	return greeting_tail(&r, g, part1, err);
}

int ms_proto_greeting_encode(struct ms_buf *out, const struct ms_greeting *g)
{
	static const uint8_t zeros[10];
	uint32_t caps = g->caps | MS_CLIENT_LONG_PASSWORD;
	size_t start = out->len;
	int rc;

	if (g->scramble_len != MS_PROTO_SCRAMBLE_LEN ||
	    memchr(g->server_version, 0, sizeof(g->server_version)) == NULL ||
	    memchr(g->auth_plugin, 0, sizeof(g->auth_plugin)) == NULL)
		return MS_EINVAL;
	rc = ms_wr_u8(out, 10);
	if (!rc)
		rc = ms_wr_nulstr(out, g->server_version);
	if (!rc)
		rc = ms_wr_u32(out, g->conn_id);
	if (!rc)
		rc = ms_buf_add(out, g->scramble, 8);
	if (!rc)
		rc = ms_wr_u8(out, 0);
	if (!rc)
		rc = ms_wr_u16(out, (uint16_t)caps);
	if (!rc)
		rc = ms_wr_u8(out, g->charset);
	if (!rc)
		rc = ms_wr_u16(out, g->status);
	if (!rc)
		rc = ms_wr_u16(out, (uint16_t)(caps >> 16));
	if (!rc)
		rc = ms_wr_u8(out, caps & MS_CLIENT_PLUGIN_AUTH
				       ? MS_PROTO_SCRAMBLE_LEN + 1
				       : 0);
	if (!rc)
		rc = ms_buf_add(out, zeros, sizeof(zeros));
	if (!rc && (caps & MS_CLIENT_SECURE_CONNECTION)) {
		rc = ms_buf_add(out, g->scramble + 8, 12);
		if (!rc)
			rc = ms_wr_u8(out, 0);
	}
	if (!rc && (caps & MS_CLIENT_PLUGIN_AUTH))
		rc = ms_wr_nulstr(out, g->auth_plugin);
	if (rc)
		pr_buf_truncate(out, start);
	return rc;
}

/* ---- HandshakeResponse41 ---- */

static int hs_auth(struct ms_rd *r, struct ms_hs_response *h,
		   struct ms_err *err)
{
	uint64_t k;

	if (ms_rd_left(r) == 0)
		return 0; /* nothing after the user: an empty response */
	if (h->caps & MS_CLIENT_PLUGIN_AUTH_LENENC) {
		h->auth = pr_rd_lenview(r);
	} else if (h->caps & MS_CLIENT_SECURE_CONNECTION) {
		k = ms_rd_u8(r);
		h->auth.p = ms_rd_bytes(r, (size_t)k);
		h->auth.n = (size_t)k;
	} else {
		h->auth = pr_rd_nulstr_lenient(r);
	}
	if (r->bad)
		return MS_ERR(err, MS_ECORRUPT,
			      "handshake response: auth response truncated");
	if (h->auth.n > PR_MAX_AUTH)
		return MS_ERR(err, MS_ECORRUPT,
			      "handshake response: auth response of %zu bytes "
			      "is oversized (limit %d)",
			      h->auth.n, PR_MAX_AUTH);
	return 0;
}

static int hs_tail(struct ms_rd *r, struct ms_hs_response *h,
		   struct ms_err *err)
{
	if ((h->caps & MS_CLIENT_CONNECT_WITH_DB) && ms_rd_left(r))
		h->db = pr_rd_nulstr_lenient(r);
	if (h->db.n > PR_MAX_DB)
		return MS_ERR(err, MS_ECORRUPT,
			      "handshake response: schema name of %zu bytes is "
			      "oversized (limit %d)",
			      h->db.n, PR_MAX_DB);
	if ((h->caps & MS_CLIENT_PLUGIN_AUTH) && ms_rd_left(r))
		h->plugin = pr_rd_nulstr_lenient(r);
	if (h->plugin.n > 255)
		return MS_ERR(err, MS_ECORRUPT,
			      "handshake response: auth plugin name of %zu "
			      "bytes is oversized",
			      h->plugin.n);
	if ((h->caps & MS_CLIENT_CONNECT_ATTRS) && ms_rd_left(r)) {
		h->attrs = pr_rd_lenview(r);
		if (r->bad)
			return MS_ERR(err, MS_ECORRUPT,
				      "handshake response: connection "
				      "attributes truncated");
	}
	return 0;
}

int ms_proto_hs_response_parse(const uint8_t *p, size_t n,
			       struct ms_hs_response *h, struct ms_err *err)
{
	static const uint8_t none[1];
	struct ms_rd r;
	int rc;

	memset(h, 0, sizeof(*h));
	h->user.p = h->auth.p = h->db.p = h->plugin.p = h->attrs.p = none;
	if (n >= 2 && !((p[0] | p[1] << 8) & MS_CLIENT_PROTOCOL_41))
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "pre-4.1 clients are not supported");
	if (n < SSL_REQUEST_LEN)
		return MS_ERR(err, MS_ECORRUPT,
			      "handshake response: %zu bytes, shorter than "
			      "the fixed part",
			      n);
	ms_rd_init(&r, p, n);
	h->caps = ms_rd_u32(&r);
	h->max_packet = ms_rd_u32(&r);
	h->charset = ms_rd_u8(&r);
	(void)ms_rd_bytes(&r, 23);
	if (n == SSL_REQUEST_LEN && (h->caps & MS_CLIENT_SSL)) {
		h->ssl_request = true;
		return 0;
	}
	if (n == SSL_REQUEST_LEN)
		return MS_ERR(err, MS_ECORRUPT,
			      "handshake response: no user name");
	h->user = pr_rd_nulstr_lenient(&r);
	if (h->user.n > PR_MAX_USER)
		return MS_ERR(err, MS_ECORRUPT,
			      "handshake response: user name of %zu bytes is "
			      "oversized (limit %d)",
			      h->user.n, PR_MAX_USER);
	rc = hs_auth(&r, h, err);
	if (!rc)
		rc = hs_tail(&r, h, err);
	return rc;
}

static int hs_write_auth(struct ms_buf *out, const struct ms_hs_response *h)
{
	int rc;

	if (h->caps & MS_CLIENT_PLUGIN_AUTH_LENENC)
		return ms_wr_lenstr(out, h->auth.p, h->auth.n);
	if (h->caps & MS_CLIENT_SECURE_CONNECTION) {
		if (h->auth.n > 255)
			return MS_EINVAL;
		rc = ms_wr_u8(out, (uint8_t)h->auth.n);
		return rc ? rc : ms_buf_add(out, h->auth.p, h->auth.n);
	}
	if (memchr(h->auth.p, 0, h->auth.n))
		return MS_EINVAL;
	rc = ms_buf_add(out, h->auth.p, h->auth.n);
	return rc ? rc : ms_wr_u8(out, 0);
}

/* <v> and a NUL. */
static int put_nulview(struct ms_buf *out, struct ms_view v)
{
	int rc = ms_buf_add(out, v.p, v.n);

	return rc ? rc : ms_wr_u8(out, 0);
}

int ms_proto_hs_response_encode(struct ms_buf *out,
				const struct ms_hs_response *h)
{
	static const uint8_t zeros[23];
	size_t start = out->len;
	int rc;

	rc = ms_wr_u32(out, h->caps);
	if (!rc)
		rc = ms_wr_u32(out, h->max_packet);
	if (!rc)
		rc = ms_wr_u8(out, h->charset);
	if (!rc)
		rc = ms_buf_add(out, zeros, sizeof(zeros));
	if (!rc && !h->ssl_request) {
		rc = put_nulview(out, h->user);
		if (!rc)
			rc = hs_write_auth(out, h);
		if (!rc && (h->caps & MS_CLIENT_CONNECT_WITH_DB))
			rc = put_nulview(out, h->db);
		if (!rc && (h->caps & MS_CLIENT_PLUGIN_AUTH))
			rc = put_nulview(out, h->plugin);
		if (!rc && (h->caps & MS_CLIENT_CONNECT_ATTRS))
			rc = ms_wr_lenstr(out, h->attrs.p, h->attrs.n);
	}
	if (rc)
		pr_buf_truncate(out, start);
	return rc;
}

/* ---- auth switch ---- */

int ms_proto_auth_switch_parse(const uint8_t *p, size_t n,
			       struct ms_auth_switch *s, struct ms_err *err)
{
	struct ms_rd r;
	uint8_t h;

	memset(s, 0, sizeof(*s));
	ms_rd_init(&r, p, n);
	h = ms_rd_u8(&r);
	if (r.bad)
		return MS_ERR(err, MS_ECORRUPT, "auth switch: empty packet");
	if (h == 0x01) {
		s->plugin.p = p + 1;
		s->data.p = ms_rd_rest(&r, &s->data.n);
		return 0;
	}
	if (h != 0xfe)
		return MS_ERR(err, MS_ECORRUPT,
			      "auth switch: header 0x%02x (0xfe or 0x01 "
			      "expected)",
			      h);
	s->plugin = pr_rd_nulstr_lenient(&r);
	s->data.p = ms_rd_rest(&r, &s->data.n);
	if (s->data.n && s->data.p[s->data.n - 1] == 0)
		s->data.n--;
	return 0;
}

int ms_proto_auth_switch_encode(struct ms_buf *out, const char *plugin,
				const uint8_t *data, size_t n)
{
	size_t start = out->len;
	int rc;

	rc = ms_wr_u8(out, 0xfe);
	if (!rc)
		rc = ms_wr_nulstr(out, plugin);
	if (!rc)
		rc = ms_buf_add(out, data, n);
	if (!rc)
		rc = ms_wr_u8(out, 0);
	if (rc)
		pr_buf_truncate(out, start);
	return rc;
}

/* Unit tests for the handshake (greeting, HandshakeResponse41, SSLRequest,
 * auth switch) and the auth arithmetic of the protocol codec
 * (src/proto/handshake.c, src/proto/auth.c), on packets captured from
 * MariaDB 10.11 and its command-line client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "proto/proto.h"
#include "proto_captured.h"
#include "proto_test_util.h"

/* ---- greeting ---- */

static void greeting_captured(void **state)
{
	struct ms_greeting g;
	struct ms_err err;
	size_t n;
	uint8_t *p = unhex(cap_eof_greeting, &n);

	(void)state;
	assert_int_equal(ms_proto_greeting_parse(p, n, &g, &err), 0);
	assert_string_equal(g.server_version,
			    "5.5.5-10.11.19-MariaDB-0+deb12u1-log");
	assert_int_equal(g.conn_id, 10);
	assert_int_equal(g.scramble_len, 20);
	assert_memory_equal(g.scramble, "^rE=BtD4w}0sur^\\3)p}", 20);
	assert_int_equal(g.caps & MS_CLIENT_LONG_PASSWORD, 0);
	assert_true(g.caps & MS_CLIENT_PLUGIN_AUTH);
	assert_true(g.caps & MS_CLIENT_DEPRECATE_EOF);
	assert_int_equal(g.mariadb_caps, 0x1d);
	assert_int_equal(g.charset, 45);
	assert_int_equal(g.status, MS_SERVER_STATUS_AUTOCOMMIT);
	assert_string_equal(g.auth_plugin, "mysql_native_password");
	free(p);
}

static void greeting_mysql8_built(void **state)
{
	/* MySQL 8-style: CLIENT_LONG_PASSWORD set, so the reserved bytes are
	 * not MariaDB capabilities even when non-zero */
	struct ms_greeting g, h;
	struct ms_buf b;
	struct ms_err err;

	(void)state;
	memset(&g, 0, sizeof(g));
	strcpy(g.server_version, "8.0.36");
	g.conn_id = 0x01020304;
	memcpy(g.scramble, "abcdefghijklmnopqrst", 20);
	g.scramble_len = 20;
	g.caps = MS_PROXY_CAPS;
	g.charset = 255;
	g.status = 2;
	strcpy(g.auth_plugin, "caching_sha2_password");
	ms_buf_init(&b, 1024);
	assert_int_equal(ms_proto_greeting_encode(&b, &g), 0);
	assert_int_equal((uint8_t)b.ptr[0], 10);
	/* auth data length 21, reserved zeros, part 2 = 12 bytes + NUL */
	assert_int_equal((uint8_t)b.ptr[1 + 7 + 4 + 8 + 1 + 2 + 1 + 2 + 2], 21);
	assert_int_equal(
	    ms_proto_greeting_parse((uint8_t *)b.ptr, b.len, &h, &err), 0);
	assert_memory_equal(&g, &h, sizeof(g));
	/* non-zero reserved bytes with LONG_PASSWORD set are ignored */
	b.ptr[1 + 7 + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 9] = 0x7f;
	assert_int_equal(
	    ms_proto_greeting_parse((uint8_t *)b.ptr, b.len, &h, &err), 0);
	assert_int_equal(h.mariadb_caps, 0);
	/* encoding forces LONG_PASSWORD and zero MariaDB capabilities */
	g.caps &= ~MS_CLIENT_LONG_PASSWORD;
	g.mariadb_caps = 0x1d;
	ms_buf_reset(&b);
	assert_int_equal(ms_proto_greeting_encode(&b, &g), 0);
	assert_int_equal(
	    ms_proto_greeting_parse((uint8_t *)b.ptr, b.len, &h, &err), 0);
	assert_true(h.caps & MS_CLIENT_LONG_PASSWORD);
	assert_int_equal(h.mariadb_caps, 0);
	/* a scramble of another length cannot be encoded */
	g.scramble_len = 8;
	assert_int_equal(ms_proto_greeting_encode(&b, &g), MS_EINVAL);
	ms_buf_free(&b);
}

static void greeting_errors(void **state)
{
	static const char refused[] =
	    "ff6a04486f7374202731302e302e302e3127206973206e6f7420616c6c6f77"
	    "656420746f20636f6e6e65637420746f2074686973204d617269614442207365"
	    "72766572";
	struct ms_greeting g;
	struct ms_err err;
	size_t n, k;
	uint8_t *p = unhex(refused, &n), *q;

	(void)state;
	assert_int_equal(ms_proto_greeting_parse(p, n, &g, &err), MS_ECONNECT);
	assert_int_equal(err.sql_errno, 1130);
	assert_string_equal(err.sqlstate, "HY000");
	assert_non_null(strstr(err.msg, "is not allowed to connect"));
	free(p);
	assert_int_equal(
	    ms_proto_greeting_parse((const uint8_t *)"\x09x\0", 3, &g, &err),
	    MS_ECORRUPT);
	assert_non_null(strstr(err.msg, "protocol version 9"));
	assert_int_equal(ms_proto_greeting_parse(NULL, 0, &g, &err),
			 MS_ECORRUPT);
	/* every truncation of a real greeting fails or, past the last NUL,
	 * parses (the plugin name's NUL may be missing) */
	p = unhex(cap_eof_greeting, &n);
	for (k = 0; k < n; k++) {
		q = dup_exact(p, k);
		int rc = ms_proto_greeting_parse(q, k, &g, &err);
		if (k < n - 1 - strlen("mysql_native_password"))
			assert_int_equal(rc, MS_ECORRUPT);
		else
			assert_int_equal(rc, 0);
		free(q);
	}
	/* an auth data length over 32 bytes of scramble is oversized */
	p[1 + 37 + 4 + 8 + 1 + 2 + 1 + 2 + 2] = 60;
	assert_int_equal(ms_proto_greeting_parse(p, n, &g, &err), MS_ECORRUPT);
	free(p);
}

/* ---- handshake response ---- */

static void hs_response_captured(void **state)
{
	struct ms_hs_response r;
	struct ms_err err;
	size_t n;
	uint8_t *p = unhex(cap_client_hs, &n);

	(void)state;
	assert_int_equal(ms_proto_hs_response_parse(p, n, &r, &err), 0);
	assert_false(r.ssl_request);
	assert_true(r.caps & MS_CLIENT_PLUGIN_AUTH_LENENC);
	assert_int_equal(r.max_packet, 1 << 20);
	assert_int_equal(r.charset, 33);
	assert_int_equal(r.user.n, 7);
	assert_memory_equal(r.user.p, "appuser", 7);
	assert_int_equal(r.auth.n, 20);
	assert_int_equal(r.db.n, 4);
	assert_memory_equal(r.db.p, "shop", 4);
	assert_int_equal(r.plugin.n, 21);
	assert_memory_equal(r.plugin.p, "mysql_native_password", 21);
	assert_int_equal(r.attrs.n, 0x7f);
	assert_memory_equal(r.attrs.p, "\x03_os\x05Linux", 10);
	assert_true(r.attrs.p + r.attrs.n == p + n);
	free(p);
}

static void hs_response_roundtrip(void **state)
{
	static const uint32_t variants[] = {
	    MS_CLIENT_PROTOCOL_41,
	    MS_CLIENT_PROTOCOL_41 | MS_CLIENT_SECURE_CONNECTION,
	    MS_CLIENT_PROTOCOL_41 | MS_CLIENT_SECURE_CONNECTION |
		MS_CLIENT_CONNECT_WITH_DB,
	    MS_CLIENT_PROTOCOL_41 | MS_CLIENT_SECURE_CONNECTION |
		MS_CLIENT_PLUGIN_AUTH | MS_CLIENT_CONNECT_WITH_DB,
	    MS_PROXY_CAPS,
	    MS_PROXY_CAPS & ~MS_CLIENT_PLUGIN_AUTH_LENENC,
	};
	struct ms_hs_response r, h;
	struct ms_buf b;
	struct ms_err err;
	uint8_t auth[300];
	size_t i;

	(void)state;
	memset(auth, 0x41, sizeof(auth));
	ms_buf_init(&b, 4096);
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.caps = variants[i];
		r.max_packet = 0x1000000;
		r.charset = 45;
		r.user = (struct ms_view){(const uint8_t *)"bob", 3};
		r.auth = (struct ms_view){auth, 20};
		r.db = (struct ms_view){(const uint8_t *)"db1", 3};
		r.plugin = (struct ms_view){(const uint8_t *)"p", 1};
		r.attrs = (struct ms_view){(const uint8_t *)"\x01k\x01v", 4};
		ms_buf_reset(&b);
		assert_int_equal(ms_proto_hs_response_encode(&b, &r), 0);
		assert_int_equal(ms_proto_hs_response_parse((uint8_t *)b.ptr,
							    b.len, &h, &err),
				 0);
		assert_int_equal(h.caps, r.caps);
		assert_int_equal(h.user.n, 3);
		assert_int_equal(h.auth.n, 20);
		assert_memory_equal(h.auth.p, auth, 20);
		assert_int_equal(h.db.n,
				 r.caps & MS_CLIENT_CONNECT_WITH_DB ? 3 : 0);
		assert_int_equal(h.plugin.n,
				 r.caps & MS_CLIENT_PLUGIN_AUTH ? 1 : 0);
		assert_int_equal(h.attrs.n,
				 r.caps & MS_CLIENT_CONNECT_ATTRS ? 4 : 0);
	}
	/* a 300-byte auth response needs the lenenc form */
	r.caps = MS_PROXY_CAPS;
	r.auth.n = 300;
	ms_buf_reset(&b);
	assert_int_equal(ms_proto_hs_response_encode(&b, &r), 0);
	assert_int_equal(
	    ms_proto_hs_response_parse((uint8_t *)b.ptr, b.len, &h, &err), 0);
	assert_int_equal(h.auth.n, 300);
	r.caps &= ~MS_CLIENT_PLUGIN_AUTH_LENENC;
	ms_buf_reset(&b);
	assert_int_equal(ms_proto_hs_response_encode(&b, &r), MS_EINVAL);
	assert_int_equal(b.len, 0);
	/* SSLRequest: 32 bytes */
	r.ssl_request = true;
	r.caps = MS_PROXY_CAPS | MS_CLIENT_SSL;
	assert_int_equal(ms_proto_hs_response_encode(&b, &r), 0);
	assert_int_equal(b.len, 32);
	assert_int_equal(
	    ms_proto_hs_response_parse((uint8_t *)b.ptr, b.len, &h, &err), 0);
	assert_true(h.ssl_request);
	assert_int_equal(h.caps, r.caps);
	assert_int_equal(h.max_packet, 0x1000000);
	assert_int_equal(h.charset, 45);
	assert_int_equal(h.user.n, 0);
	ms_buf_free(&b);
}

static void hs_response_errors(void **state)
{
	struct ms_hs_response r;
	struct ms_err err;
	uint8_t p[400];
	size_t n, k;
	uint8_t *cap = unhex(cap_client_hs, &n), *q;
	int rc;

	(void)state;
	/* pre-4.1: 2-byte capabilities without PROTOCOL_41 */
	assert_int_equal(
	    ms_proto_hs_response_parse(
		(const uint8_t *)"\x85\x00\x00\x00\x01u\0", 7, &r, &err),
	    MS_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "pre-4.1"));
	/* 32 bytes without CLIENT_SSL: no user */
	memset(p, 0, sizeof(p));
	p[1] = 0x02;
	assert_int_equal(ms_proto_hs_response_parse(p, 32, &r, &err),
			 MS_ECORRUPT);
	/* a user of 300 bytes */
	memset(p + 32, 'u', 300);
	p[332] = 0;
	assert_int_equal(ms_proto_hs_response_parse(p, 333, &r, &err),
			 MS_ECORRUPT);
	assert_non_null(strstr(err.msg, "user name"));
	/* lenient: a missing final NUL after the user, no auth */
	assert_int_equal(ms_proto_hs_response_parse(p, 40, &r, &err), 0);
	assert_int_equal(r.user.n, 8);
	assert_int_equal(r.auth.n, 0);
	/* every prefix of a real response: an error or views inside it */
	for (k = 0; k <= n; k++) {
		q = dup_exact(cap, k);
		rc = ms_proto_hs_response_parse(q, k, &r, &err);
		if (k < 33)
			assert_int_equal(rc, MS_ECORRUPT);
		if (rc == 0) {
			assert_true(r.attrs.p + r.attrs.n <= q + k);
			assert_true(r.plugin.p + r.plugin.n <= q + k);
			assert_true(r.db.p + r.db.n <= q + k);
			assert_true(r.auth.p + r.auth.n <= q + k);
		} else {
			assert_int_equal(rc, MS_ECORRUPT);
			assert_true(err.msg[0] != '\0');
		}
		free(q);
	}
	/* an auth length running past the end */
	cap[32 + 8] = 0xfc;
	cap[32 + 9] = 0xff;
	assert_int_equal(ms_proto_hs_response_parse(cap, n, &r, &err),
			 MS_ECORRUPT);
	free(cap);
}

static void auth_switch_packets(void **state)
{
	struct ms_auth_switch s;
	struct ms_buf b;
	struct ms_err err;
	size_t n;
	uint8_t *p = unhex(cap_eof_change_user[0], &n);

	(void)state;
	assert_int_equal(ms_proto_auth_switch_parse(p, n, &s, &err), 0);
	assert_int_equal(s.plugin.n, 21);
	assert_memory_equal(s.plugin.p, "mysql_native_password", 21);
	assert_int_equal(s.data.n, 20);
	free(p);
	ms_buf_init(&b, 256);
	assert_int_equal(ms_proto_auth_switch_encode(
			     &b, "caching_sha2_password",
			     (const uint8_t *)"01234567890123456789", 20),
			 0);
	assert_int_equal(b.len, 1 + 22 + 21);
	assert_int_equal(
	    ms_proto_auth_switch_parse((uint8_t *)b.ptr, b.len, &s, &err), 0);
	assert_int_equal(s.plugin.n, 21);
	assert_int_equal(s.data.n, 20);
	assert_memory_equal(s.data.p, "01234567890123456789", 20);
	/* AuthMoreData: fast auth OK */
	assert_int_equal(ms_proto_auth_switch_parse((const uint8_t *)"\x01\x03",
						    2, &s, &err),
			 0);
	assert_int_equal(s.plugin.n, 0);
	assert_int_equal(s.data.n, 1);
	assert_int_equal(s.data.p[0], 3);
	/* old-style switch: 0xfe alone */
	assert_int_equal(
	    ms_proto_auth_switch_parse((const uint8_t *)"\xfe", 1, &s, &err),
	    0);
	assert_int_equal(s.plugin.n + s.data.n, 0);
	assert_int_equal(
	    ms_proto_auth_switch_parse((const uint8_t *)"\x00", 1, &s, &err),
	    MS_ECORRUPT);
	assert_int_equal(ms_proto_auth_switch_parse(NULL, 0, &s, &err),
			 MS_ECORRUPT);
	ms_buf_free(&b);
}

/* ---- auth arithmetic ---- */

static void auth_native(void **state)
{
	uint8_t s1[20], s2[20], parsed[20], reply[20], learned[20];
	const uint8_t *scramble = (const uint8_t *)"^rE=BtD4w}0sur^\\3)p}";
	struct ms_hs_response r;
	size_t n;
	uint8_t *hs;
	char hex[42];
	int i;

	(void)state;
	/* SELECT PASSWORD('secret') */
	ms_auth_native_hash("secret", 6, s1, s2);
	hex[0] = '*';
	for (i = 0; i < 20; i++)
		snprintf(hex + 1 + 2 * i, 3, "%02X", s2[i]);
	assert_string_equal(hex, "*14E65567ABDB5135D0CFD9A70B3032C179A49EE7");
	assert_int_equal(
	    ms_auth_native_hash_parse(
		"*14e65567abdb5135d0cfd9a70b3032c179a49ee7", 41, parsed),
	    0);
	assert_memory_equal(parsed, s2, 20);
	assert_int_equal(ms_auth_native_hash_parse(hex, 40, parsed), MS_EINVAL);
	assert_int_equal(
	    ms_auth_native_hash_parse(
		"x14E65567ABDB5135D0CFD9A70B3032C179A49EE7", 41, parsed),
	    MS_EINVAL);
	assert_int_equal(
	    ms_auth_native_hash_parse(
		"*14E65567ABDB5135D0CFD9A70B3032C179A49EEG", 41, parsed),
	    MS_EINVAL);
	/* the real client's reply (password "secret") to the real greeting */
	hs = unhex(cap_client_hs, &n);
	assert_int_equal(ms_proto_hs_response_parse(hs, n, &r, NULL), 0);
	assert_true(
	    ms_auth_native_check(s2, scramble, r.auth.p, r.auth.n, learned));
	assert_memory_equal(learned, s1, 20);
	free(hs);
	/* round trip: what the proxy answers a backend with, from stage1 */
	ms_auth_native_reply(s1, scramble, reply);
	memset(learned, 0, sizeof(learned));
	assert_true(ms_auth_native_check(s2, scramble, reply, 20, learned));
	assert_memory_equal(learned, s1, 20);
	reply[3] ^= 1;
	assert_false(ms_auth_native_check(s2, scramble, reply, 20, NULL));
	assert_false(ms_auth_native_check(s2, scramble, reply, 19, NULL));
	assert_false(ms_auth_native_check(s2, scramble, NULL, 0, NULL));
	/* the empty password: an empty reply and an all-zero stage2 */
	memset(parsed, 0, sizeof(parsed));
	assert_true(ms_auth_native_check(parsed, scramble, NULL, 0, NULL));
	ms_auth_native_hash("x", 1, NULL, s2);
	ms_auth_native_hash("x", 1, s1, NULL);
	ms_auth_native_reply(s1, scramble, reply);
	assert_true(ms_auth_native_check(s2, scramble, reply, 20, NULL));
}

static void auth_sha2(void **state)
{
	const uint8_t *scramble = (const uint8_t *)"0123456789abcdefghij";
	uint8_t dbl[32], once[32], mix[32], reply[32], in[52], got[32];
	int i;

	(void)state;
	ms_auth_sha2_hash("secret", 6, dbl);
	SHA256((const uint8_t *)"secret", 6, once);
	SHA256(once, 32, mix);
	assert_memory_equal(mix, dbl, 32);
	/* the client's fast-path reply, computed independently */
	memcpy(in, dbl, 32);
	memcpy(in + 32, scramble, 20);
	SHA256(in, sizeof(in), mix);
	for (i = 0; i < 32; i++)
		reply[i] = once[i] ^ mix[i];
	assert_true(ms_auth_sha2_check(dbl, scramble, reply, 32, got));
	assert_memory_equal(got, once, 32);
	assert_true(ms_auth_sha2_check(dbl, scramble, reply, 32, NULL));
	reply[31] ^= 0x80;
	assert_false(ms_auth_sha2_check(dbl, scramble, reply, 32, NULL));
	assert_false(ms_auth_sha2_check(dbl, scramble, reply, 31, NULL));
	assert_false(ms_auth_sha2_check(dbl, scramble, NULL, 0, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(greeting_captured),
	    cmocka_unit_test(greeting_mysql8_built),
	    cmocka_unit_test(greeting_errors),
	    cmocka_unit_test(hs_response_captured),
	    cmocka_unit_test(hs_response_roundtrip),
	    cmocka_unit_test(hs_response_errors),
	    cmocka_unit_test(auth_switch_packets),
	    cmocka_unit_test(auth_native),
	    cmocka_unit_test(auth_sha2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

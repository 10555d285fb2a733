/* Fuzzes the MySQL protocol codec (src/proto/). The first input byte
 * picks a parser, the rest is its input. Besides "no crash, no leak, no
 * read past the input", checks that:
 *  - every failure says why (code and message) and is a documented code;
 *  - views a parser returns lie inside its input;
 *  - a parsed greeting, handshake response and OK packet encode back to
 *    bytes that parse to the same values (greeting: with LONG_PASSWORD set
 *    and no MariaDB capabilities, as documented);
 *  - an execute re-encoded with types parses with those types;
 *  - the response machine, fed a packet sequence cut from the input,
 *    returns only documented events or MS_ECORRUPT and refuses any packet
 *    after DONE;
 *  - the query classifier's KILL span and the digest stay in bounds. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto/proto.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "check failed: %s (line %d)\n", #c,    \
				__LINE__);                                     \
			abort();                                               \
		}                                                              \
	} while (0)

static const uint8_t *base;
static size_t base_n;

static void in_input(struct ms_view v)
{
	if (v.n == 0)
		return;
	CHECK(v.p >= base && v.p + v.n <= base + base_n);
}

static void failed(int rc, const struct ms_err *err, int allowed)
{
	CHECK(rc == MS_ECORRUPT || rc == allowed);
	CHECK(err->code == rc && err->msg[0] != '\0');
}

static bool view_eq(struct ms_view a, struct ms_view b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static uint32_t u32_of(const uint8_t *p, size_t n)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < 4 && i < n; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static void fz_greeting(const uint8_t *p, size_t n)
{
	struct ms_greeting g, h;
	struct ms_err err;
	struct ms_buf b;
	int rc = ms_proto_greeting_parse(p, n, &g, &err);

	if (rc) {
		failed(rc, &err, MS_ECONNECT);
		return;
	}
	CHECK(g.scramble_len <= sizeof(g.scramble));
	CHECK(strlen(g.server_version) < sizeof(g.server_version));
	if (g.scramble_len != MS_PROTO_SCRAMBLE_LEN)
		return;
	ms_buf_init(&b, 4096);
	CHECK(ms_proto_greeting_encode(&b, &g) == 0);
	CHECK(ms_proto_greeting_parse((uint8_t *)b.ptr, b.len, &h, &err) == 0);
	g.caps |= MS_CLIENT_LONG_PASSWORD;
	g.mariadb_caps = 0;
	CHECK(memcmp(&g, &h, sizeof(g)) == 0);
	ms_buf_free(&b);
}

static void fz_hs_response(const uint8_t *p, size_t n)
{
	struct ms_hs_response r, h;
	struct ms_err err;
	struct ms_buf b;
	int rc = ms_proto_hs_response_parse(p, n, &r, &err);

	if (rc) {
		failed(rc, &err, MS_EUNSUPPORTED);
		return;
	}
	in_input(r.user), in_input(r.auth), in_input(r.db);
	in_input(r.plugin), in_input(r.attrs);
	ms_buf_init(&b, 1 << 20);
	rc = ms_proto_hs_response_encode(&b, &r);
	CHECK(rc == 0);
	CHECK(ms_proto_hs_response_parse((uint8_t *)b.ptr, b.len, &h, &err) ==
	      0);
	CHECK(h.ssl_request == r.ssl_request && h.caps == r.caps &&
	      h.max_packet == r.max_packet && h.charset == r.charset);
	CHECK(view_eq(h.user, r.user) && view_eq(h.auth, r.auth) &&
	      view_eq(h.db, r.db) && view_eq(h.plugin, r.plugin) &&
	      view_eq(h.attrs, r.attrs));
	ms_buf_free(&b);
}

static void walk_state(const struct ms_view *state)
{
	struct ms_track t;
	struct ms_err err;
	size_t off = 0, steps = 0;
	int rc;

	while ((rc = ms_proto_track_next(state, &off, &t, &err)) == 1) {
		CHECK(off <= state->n);
		CHECK(++steps <= state->n);
		if (t.name.n)
			CHECK(t.name.p >= state->p &&
			      t.name.p + t.name.n <= state->p + state->n);
		if (t.value.n)
			CHECK(t.value.p >= state->p &&
			      t.value.p + t.value.n <= state->p + state->n);
	}
	if (rc)
		failed(rc, &err, MS_ECORRUPT);
}

static void fz_ok(const uint8_t *p, size_t n)
{
	struct ms_ok ok, back;
	struct ms_err err;
	struct ms_buf b;
	uint32_t caps;
	uint16_t mask = 0xffff;
	int rc;

	if (n < 4)
		return;
	caps = u32_of(p, n);
	p += 4, n -= 4;
	base = p, base_n = n;
	rc = ms_proto_ok_parse(p, n, caps, &ok, &err);
	(void)ms_proto_is_ok(p, n);
	if (rc) {
		failed(rc, &err, MS_ECORRUPT);
		return;
	}
	in_input(ok.info), in_input(ok.state);
	walk_state(&ok.state);
	ms_buf_init(&b, 1 << 20);
	CHECK(ms_proto_ok_encode(&b, &ok, caps) == 0);
	CHECK(ms_proto_ok_parse((uint8_t *)b.ptr, b.len, caps, &back, &err) ==
	      0);
	if (!(caps & MS_CLIENT_SESSION_TRACK))
		mask = (uint16_t)~MS_SERVER_SESSION_STATE_CHANGED;
	CHECK(back.header == ok.header &&
	      back.affected_rows == ok.affected_rows &&
	      back.insert_id == ok.insert_id &&
	      back.status == (ok.status & mask) &&
	      back.warnings == ok.warnings);
	CHECK(view_eq(back.info, ok.info) && view_eq(back.state, ok.state));
	ms_buf_free(&b);
}

static void fz_err(const uint8_t *p, size_t n)
{
	struct ms_errpkt e;
	struct ms_err err;
	int rc = ms_proto_err_parse(p, n, &e, &err);

	(void)ms_proto_is_err(p, n);
	(void)ms_proto_is_eof(p, n, 0);
	(void)ms_proto_is_eof(p, n, MS_CLIENT_DEPRECATE_EOF);
	(void)ms_proto_eof_status(p, n);
	if (rc) {
		failed(rc, &err, MS_ECORRUPT);
		return;
	}
	CHECK(strlen(e.sqlstate) == 5);
	in_input(e.msg);
}

static void fz_auth_switch(const uint8_t *p, size_t n)
{
	struct ms_auth_switch s;
	struct ms_err err;
	int rc = ms_proto_auth_switch_parse(p, n, &s, &err);

	if (rc) {
		failed(rc, &err, MS_ECORRUPT);
		return;
	}
	in_input(s.plugin), in_input(s.data);
}

static void fz_change_user(const uint8_t *p, size_t n)
{
	struct ms_change_user c;
	struct ms_err err;
	uint32_t caps;
	int rc;

	if (n < 4)
		return;
	caps = u32_of(p, n);
	p += 4, n -= 4;
	base = p, base_n = n;
	rc = ms_proto_change_user_parse(p, n, caps, &c, &err);
	if (rc) {
		failed(rc, &err, MS_ECORRUPT);
		return;
	}
	in_input(c.user), in_input(c.auth), in_input(c.db);
	in_input(c.plugin), in_input(c.attrs);
}

static void fz_exec(const uint8_t *p, size_t n)
{
	struct ms_exec e, f;
	struct ms_err err;
	struct ms_buf b;
	uint8_t types[2 * 40];
	uint16_t np;
	int rc;

	if (n < 1)
		return;
	np = p[0] % 40; /* types of up to 40 parameters */
	p++, n--;
	base = p, base_n = n;
	rc = ms_proto_exec_parse(p, n, np, &e, &err);
	if (rc) {
		failed(rc, &err, MS_ECORRUPT);
		return;
	}
	in_input(e.types);
	CHECK(e.types_off <= n);
	CHECK(ms_proto_stmt_id(p) == e.stmt_id);
	memset(types, 0xfd, sizeof(types));
	ms_buf_init(&b, 1 << 20);
	CHECK(ms_proto_exec_with_types(&b, p, n, &e, types, np) == 0);
	CHECK(ms_proto_exec_parse((uint8_t *)b.ptr, b.len, np, &f, &err) == 0);
	CHECK(f.stmt_id == e.stmt_id && f.flags == e.flags);
	if (np) {
		CHECK(f.new_params && f.types.n == 2u * np);
		CHECK(memcmp(f.types.p, types, f.types.n) == 0);
	}
	ms_proto_stmt_id_set((uint8_t *)b.ptr, 77);
	CHECK(ms_proto_stmt_id((uint8_t *)b.ptr) == 77);
	ms_buf_free(&b);
}

static void fz_query(const uint8_t *p, size_t n)
{
	struct ms_query_info q;
	struct ms_buf b;
	size_t max;

	CHECK(ms_proto_query_classify((const char *)p, n, &q) == 0);
	if (q.flags & MS_Q_KILL)
		CHECK(q.kill_id_len > 0 && q.kill_id_off + q.kill_id_len <= n);
	max = n ? p[0] * 4u : 0;
	ms_buf_init(&b, 1 << 20);
	CHECK(ms_proto_digest((const char *)p, n, max, &b) == 0);
	CHECK(b.len <= max);
	ms_buf_free(&b);
}

/* Input: command byte, caps selector, then packets as (u16 declared
 * length, u8 available bytes, bytes). */
static void fz_resp(const uint8_t *p, size_t n)
{
	static const uint32_t caps[4] = {
	    MS_CLIENT_PROTOCOL_41,
	    MS_CLIENT_PROTOCOL_41 | MS_CLIENT_DEPRECATE_EOF,
	    MS_PROXY_CAPS,
	    MS_PROXY_CAPS & ~MS_CLIENT_DEPRECATE_EOF,
	};
	struct ms_resp r;
	struct ms_err err;
	size_t off = 2, avail;
	uint32_t len;
	uint8_t *pk;
	int ev = MS_RESP_MORE;

	if (n < 2 || !ms_proto_com_has_response(p[0]))
		return;
	ms_resp_start(&r, p[0], caps[p[1] & 3]);
	while (off + 3 <= n) {
		len = (uint32_t)p[off] | (uint32_t)p[off + 1] << 8;
		if (len == 0xffff)
			len = MS_PROTO_MAX_FRAG;
		avail = p[off + 2];
		off += 3;
		if (avail > n - off)
			avail = n - off;
		pk = malloc(avail ? avail : 1);
		CHECK(pk != NULL);
		memcpy(pk, p + off, avail);
		off += avail;
		ev = ms_resp_feed(&r, pk, avail, len, &err);
		free(pk);
		if (ev < 0) {
			failed(ev, &err, MS_ECORRUPT);
			return;
		}
		CHECK(ev == MS_RESP_MORE || ev == MS_RESP_DONE ||
		      ev == MS_RESP_INFILE);
		if (ev == MS_RESP_INFILE)
			ms_resp_infile_sent(&r);
		if (ev == MS_RESP_DONE)
			break;
	}
	if (ev == MS_RESP_DONE) {
		CHECK(ms_resp_feed(&r, (const uint8_t *)"\0\0\0\0\0\0\0", 7, 7,
				   &err) == MS_ECORRUPT);
		CHECK(!(r.err && r.ok));
	}
}

static void fz_frame(const uint8_t *p, size_t n)
{
	struct ms_buf b;
	struct ms_rd r;
	uint32_t len;
	uint8_t seq, next;
	const uint8_t *v;
	size_t k;

	ms_buf_init(&b, 1 << 20);
	CHECK(ms_proto_packet_add(&b, n ? p[0] : 0, p, n, &next) == 0);
	CHECK(b.len == n + 4);
	ms_proto_hdr_read((uint8_t *)b.ptr, &len, &seq);
	CHECK(len == n && next == (uint8_t)(seq + 1));
	ms_buf_free(&b);
	/* the reader over arbitrary bytes, ops chosen by the bytes */
	ms_rd_init(&r, p, n);
	while (!r.bad && ms_rd_left(&r)) {
		switch (ms_rd_u8(&r) % 9) {
		case 0:
			(void)ms_rd_u16(&r);
			break;
		case 1:
			(void)ms_rd_u24(&r);
			break;
		case 2:
			(void)ms_rd_u64(&r);
			break;
		case 3:
			(void)ms_rd_lenenc(&r, NULL);
			break;
		case 4:
			v = ms_rd_lenstr(&r, &k);
			in_input((struct ms_view){v, k});
			break;
		case 5:
			v = ms_rd_nulstr(&r, &k);
			in_input((struct ms_view){v, k});
			break;
		case 6:
			v = ms_rd_bytes(&r, ms_rd_u8(&r));
			CHECK(v != NULL || r.bad);
			break;
		case 7:
			(void)ms_rd_u32(&r);
			break;
		default:
			v = ms_rd_rest(&r, &k);
			in_input((struct ms_view){v, k});
			break;
		}
		CHECK(r.off <= r.n);
	}
}

static void fz_auth(const uint8_t *p, size_t n)
{
	uint8_t s2[20], s1[20], dbl[32], out[32];

	if (n < 41)
		return;
	if (ms_auth_native_hash_parse((const char *)p, 41, s2) == 0)
		CHECK(p[0] == '*');
	ms_auth_native_hash(p, n, s1, s2);
	ms_auth_native_reply(s1, p, out);
	CHECK(ms_auth_native_check(s2, p, out, 20, NULL));
	(void)ms_auth_native_check(s2, p, p + 20, n - 20, NULL);
	ms_auth_sha2_hash(p, n, dbl);
	(void)ms_auth_sha2_check(dbl, p, p + 8, n - 8, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data + 1;
	size_t n = size ? size - 1 : 0;

	if (size == 0)
		return 0;
	base = p, base_n = n;
	switch (data[0] % 12) {
	case 0:
		fz_greeting(p, n);
		break;
	case 1:
		fz_hs_response(p, n);
		break;
	case 2:
		fz_ok(p, n);
		break;
	case 3:
		fz_err(p, n);
		break;
	case 4: {
		struct ms_view v = {p, n};

		walk_state(&v);
		break;
	}
	case 5:
		fz_auth_switch(p, n);
		break;
	case 6:
		fz_change_user(p, n);
		break;
	case 7:
		fz_exec(p, n);
		break;
	case 8:
		fz_query(p, n);
		break;
	case 9:
		fz_resp(p, n);
		break;
	case 10:
		fz_frame(p, n);
		break;
	default:
		fz_auth(p, n);
		break;
	}
	return 0;
}

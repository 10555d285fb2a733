/* Unit tests for the protocol codec's framing, field reader and writers,
 * OK/ERR/EOF, session tracking and statement packets (src/proto/). The
 * handshake and auth arithmetic are in test_proto_handshake.c, the
 * response state machine in test_proto_resp.c, the query classifier and
 * digest in test_proto_query.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "proto/proto.h"
#include "proto_captured.h"
#include "proto_test_util.h"

#define MB16 ((size_t)16 << 20)

/* ---- framing ---- */

static void frame_header(void **state)
{
	uint8_t h[4];
	uint32_t len;
	uint8_t seq;

	(void)state;
	ms_proto_hdr_write(h, 0xabcdef, 7);
	assert_memory_equal(h, "\xef\xcd\xab\x07", 4);
	ms_proto_hdr_read(h, &len, &seq);
	assert_int_equal(len, 0xabcdef);
	assert_int_equal(seq, 7);
}

/* Walks the fragments of <b>: their lengths into <lens> (up to 8), their
 * sequence ids must count up from <seq>. Returns the fragment count. */
static size_t fragments(const struct ms_buf *b, uint8_t seq, uint32_t *lens)
{
	size_t off = 0, k = 0;
	uint32_t len;
	uint8_t s;

	while (off < b->len) {
		assert_true(b->len - off >= 4);
		ms_proto_hdr_read((const uint8_t *)b->ptr + off, &len, &s);
		assert_int_equal(s, (uint8_t)(seq + k));
		assert_true(k < 8);
		lens[k++] = len;
		off += 4 + len;
	}
	assert_int_equal(off, b->len);
	return k;
}

static void frame_small_and_empty(void **state)
{
	struct ms_buf b;
	uint8_t next = 0;
	uint32_t lens[8];

	(void)state;
	ms_buf_init(&b, 1 << 20);
	assert_int_equal(ms_proto_packet_add(&b, 3, "\x0e", 1, &next), 0);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.ptr, "\x01\x00\x00\x03\x0e", 5);
	assert_int_equal(next, 4);
	ms_buf_reset(&b);
	assert_int_equal(ms_proto_packet_add(&b, 255, "", 0, &next), 0);
	assert_int_equal(fragments(&b, 255, lens), 1);
	assert_int_equal(lens[0], 0);
	assert_int_equal(next, 0); /* the sequence wraps */
	ms_buf_free(&b);
}

static void frame_large(void **state)
{
	struct ms_buf b;
	uint8_t *big = calloc(2 * MS_PROTO_MAX_FRAG + 10, 1);
	uint8_t next = 0;
	uint32_t lens[8];

	(void)state;
	assert_non_null(big);
	big[0] = 0x03;
	big[MS_PROTO_MAX_FRAG] = 0xaa;
	ms_buf_init(&b, (size_t)64 << 20);
	/* 16 MB + 3 bytes: a full fragment and one of 4 bytes */
	assert_int_equal(ms_proto_packet_add(&b, 0, big, MB16 + 3, &next), 0);
	assert_int_equal(fragments(&b, 0, lens), 2);
	assert_int_equal(lens[0], MS_PROTO_MAX_FRAG);
	assert_int_equal(lens[1], 4);
	assert_int_equal(next, 2);
	assert_int_equal((uint8_t)b.ptr[4 + MS_PROTO_MAX_FRAG + 4], 0xaa);
	/* exactly 0xffffff bytes: an empty fragment must follow */
	ms_buf_reset(&b);
	assert_int_equal(
	    ms_proto_packet_add(&b, 9, big, MS_PROTO_MAX_FRAG, &next), 0);
	assert_int_equal(fragments(&b, 9, lens), 2);
	assert_int_equal(lens[0], MS_PROTO_MAX_FRAG);
	assert_int_equal(lens[1], 0);
	assert_int_equal(next, 11);
	/* twice that: three fragments, the last empty */
	ms_buf_reset(&b);
	assert_int_equal(
	    ms_proto_packet_add(&b, 0, big, 2 * MS_PROTO_MAX_FRAG, NULL), 0);
	assert_int_equal(fragments(&b, 0, lens), 3);
	assert_int_equal(lens[2], 0);
	/* one byte less than a fragment: one fragment */
	ms_buf_reset(&b);
	assert_int_equal(
	    ms_proto_packet_add(&b, 0, big, MS_PROTO_MAX_FRAG - 1, NULL), 0);
	assert_int_equal(fragments(&b, 0, lens), 1);
	ms_buf_free(&b);
	/* a cap hit mid-way leaves the buffer as it was */
	ms_buf_init(&b, MS_PROTO_MAX_FRAG + 8);
	assert_int_equal(ms_buf_add(&b, "xy", 2), 0);
	assert_int_equal(ms_proto_packet_add(&b, 0, big, MB16 + 3, NULL),
			 MS_ETOOLARGE);
	assert_int_equal(b.len, 2);
	assert_string_equal(ms_buf_str(&b), "xy");
	ms_buf_free(&b);
	free(big);
}

/* ---- reader and writers ---- */

static void lenenc_boundaries(void **state)
{
	static const struct {
		uint64_t v;
		size_t len;
	} cases[] = {
	    {0, 1},	  {250, 1},	 {251, 3},	 {0xffff, 3},
	    {0x10000, 4}, {0xffffff, 4}, {0x1000000, 9}, {UINT64_MAX, 9},
	};
	struct ms_buf b;
	struct ms_rd r;
	size_t i;
	bool null;

	(void)state;
	ms_buf_init(&b, 64);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ms_buf_reset(&b);
		assert_int_equal(ms_wr_lenenc(&b, cases[i].v), 0);
		assert_int_equal(b.len, cases[i].len);
		ms_rd_init(&r, b.ptr, b.len);
		assert_true(ms_rd_lenenc(&r, &null) == cases[i].v);
		assert_false(null);
		assert_false(r.bad);
		assert_int_equal(ms_rd_left(&r), 0);
		/* every shorter prefix is bad */
		ms_rd_init(&r, b.ptr, b.len - 1);
		(void)ms_rd_lenenc(&r, NULL);
		assert_true(r.bad);
	}
	assert_memory_equal(b.ptr, "\xfe\xff\xff\xff\xff\xff\xff\xff\xff", 9);
	/* 0xfb: NULL with a <null> out, bad without; 0xff always bad */
	ms_rd_init(&r, "\xfb", 1);
	assert_int_equal(ms_rd_lenenc(&r, &null), 0);
	assert_true(null);
	assert_false(r.bad);
	ms_rd_init(&r, "\xfb", 1);
	(void)ms_rd_lenenc(&r, NULL);
	assert_true(r.bad);
	ms_rd_init(&r, "\xff", 1);
	(void)ms_rd_lenenc(&r, &null);
	assert_true(r.bad);
	ms_buf_free(&b);
}

static void reader_fields(void **state)
{
	static const uint8_t p[] = {
	    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	    0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
	    'a',  'b',	0x00, 0x02, 'x',  'y',	'r',  's',  't',
	};
	struct ms_rd r;
	const uint8_t *v;
	size_t n;

	(void)state;
	ms_rd_init(&r, p, sizeof(p));
	assert_int_equal(ms_rd_u8(&r), 0x01);
	assert_int_equal(ms_rd_u16(&r), 0x0302);
	assert_int_equal(ms_rd_u24(&r), 0x060504);
	assert_int_equal(ms_rd_u32(&r), 0x0a090807);
	assert_true(ms_rd_u64(&r) == 0x1211100f0e0d0c0bULL);
	v = ms_rd_nulstr(&r, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(v, "ab", 2);
	v = ms_rd_lenstr(&r, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(v, "xy", 2);
	assert_int_equal(ms_rd_left(&r), 3);
	v = ms_rd_bytes(&r, 1);
	assert_int_equal(v[0], 'r');
	v = ms_rd_rest(&r, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(v, "st", 2);
	assert_false(r.bad);
	/* past the end: bad, zeros and empty views, and it stays bad */
	assert_int_equal(ms_rd_u8(&r), 0);
	assert_true(r.bad);
	ms_rd_init(&r, p, 3);
	assert_int_equal(ms_rd_u32(&r), 0);
	assert_true(r.bad);
	assert_int_equal(ms_rd_u8(&r), 0);
	assert_int_equal(ms_rd_left(&r), 0);
	v = ms_rd_rest(&r, &n);
	assert_int_equal(n, 0);
	assert_non_null(v);
	assert_null(ms_rd_bytes(&r, 1));
	/* a string without its NUL, a lenenc string longer than the rest */
	ms_rd_init(&r, "abc", 3);
	(void)ms_rd_nulstr(&r, &n);
	assert_true(r.bad);
	assert_int_equal(n, 0);
	ms_rd_init(&r, "\x05xy", 3);
	(void)ms_rd_lenstr(&r, &n);
	assert_true(r.bad);
	assert_int_equal(n, 0);
	ms_rd_init(&r, NULL, 0);
	assert_int_equal(ms_rd_left(&r), 0);
	assert_non_null(ms_rd_bytes(&r, 0));
}

static void writer_fields(void **state)
{
	struct ms_buf b;

	(void)state;
	ms_buf_init(&b, 64);
	assert_int_equal(ms_wr_u8(&b, 0x01), 0);
	assert_int_equal(ms_wr_u16(&b, 0x0302), 0);
	assert_int_equal(ms_wr_u24(&b, 0x060504), 0);
	assert_int_equal(ms_wr_u32(&b, 0x0a090807), 0);
	assert_int_equal(ms_wr_u64(&b, 0x1211100f0e0d0c0bULL), 0);
	assert_int_equal(ms_wr_nulstr(&b, "ab"), 0);
	assert_int_equal(ms_wr_lenstr(&b, "xy", 2), 0);
	assert_int_equal(b.len, 24);
	assert_memory_equal(b.ptr,
			    "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c"
			    "\x0d\x0e\x0f\x10\x11\x12"
			    "ab\0\x02xy",
			    24);
	ms_buf_free(&b);
	/* a lenenc string over the cap leaves nothing behind */
	ms_buf_init(&b, 4);
	assert_int_equal(ms_wr_lenstr(&b, "abcd", 4), MS_ETOOLARGE);
	assert_int_equal(b.len, 0);
	ms_buf_free(&b);
}

/* ---- OK, ERR, EOF, tracking ---- */

static void ok_captured_with_tracking(void **state)
{
	struct ms_ok ok;
	struct ms_track t;
	struct ms_err err;
	size_t n, off = 0;
	uint8_t *p = unhex(cap_eof_track[0], &n);
	int rc;

	(void)state;
	assert_true(ms_proto_is_ok(p, n));
	assert_int_equal(ms_proto_ok_parse(p, n, CAP_CAPS, &ok, &err), 0);
	assert_int_equal(ok.header, 0);
	assert_int_equal(ok.status, MS_SERVER_SESSION_STATE_CHANGED);
	assert_int_equal(ok.info.n, 0);
	assert_int_equal(ok.state.n, 0x22);
	rc = ms_proto_track_next(&ok.state, &off, &t, &err);
	assert_int_equal(rc, 1);
	assert_int_equal(t.type, MS_TRACK_SYSTEM_VARIABLES);
	assert_int_equal(t.name.n, 10);
	assert_memory_equal(t.name.p, "autocommit", 10);
	assert_int_equal(t.value.n, 3);
	assert_memory_equal(t.value.p, "OFF", 3);
	assert_int_equal(ms_proto_track_next(&ok.state, &off, &t, &err), 1);
	assert_int_equal(t.type, MS_TRACK_STATE_CHANGE);
	assert_memory_equal(t.value.p, "1", 1);
	assert_int_equal(ms_proto_track_next(&ok.state, &off, &t, &err), 1);
	assert_int_equal(t.type, MS_TRACK_TRANSACTION_STATE);
	assert_int_equal(t.value.n, 8);
	assert_int_equal(ms_proto_track_next(&ok.state, &off, &t, &err), 1);
	assert_int_equal(t.type, MS_TRACK_TRANSACTION_CHARACTERISTICS);
	assert_int_equal(t.value.n, 0);
	assert_int_equal(ms_proto_track_next(&ok.state, &off, &t, &err), 0);
	free(p);
	/* USE mysql: the schema entry */
	p = unhex(cap_eof_use[0], &n);
	assert_int_equal(ms_proto_ok_parse(p, n, CAP_CAPS, &ok, &err), 0);
	off = 0;
	assert_int_equal(ms_proto_track_next(&ok.state, &off, &t, &err), 1);
	assert_int_equal(t.type, MS_TRACK_SCHEMA);
	assert_int_equal(t.name.n, 5);
	assert_memory_equal(t.name.p, "mysql", 5);
	free(p);
	/* START TRANSACTION READ ONLY: characteristics text */
	p = unhex(cap_eof_begin[0], &n);
	assert_int_equal(ms_proto_ok_parse(p, n, CAP_CAPS, &ok, &err), 0);
	assert_true(ok.status & MS_SERVER_STATUS_IN_TRANS);
	assert_true(ok.status & MS_SERVER_STATUS_IN_TRANS_READONLY);
	off = 0;
	assert_int_equal(ms_proto_track_next(&ok.state, &off, &t, &err), 1);
	assert_int_equal(ms_proto_track_next(&ok.state, &off, &t, &err), 1);
	assert_int_equal(t.type, MS_TRACK_TRANSACTION_CHARACTERISTICS);
	assert_int_equal(t.value.n, 28);
	assert_memory_equal(t.value.p, "START TRANSACTION READ ONLY;", 28);
	free(p);
}

static void ok_variants(void **state)
{
	/* without SESSION_TRACK the info runs to the end; with it, a lenenc
	 * string that may be absent */
	static const uint8_t plain[] = {0x00, 0xfc, 0x00, 0x01, 0x05, 0x02,
					0x00, 0x01, 0x00, 'h',	'i'};
	static const uint8_t track[] = {0x00, 0x01, 0x00, 0x02, 0x00,
					0x00, 0x00, 0x02, 'h',	'i'};
	struct ms_ok ok;
	struct ms_err err;
	uint32_t caps = MS_CLIENT_PROTOCOL_41;

	(void)state;
	assert_int_equal(
	    ms_proto_ok_parse(plain, sizeof(plain), caps, &ok, &err), 0);
	assert_int_equal(ok.affected_rows, 256);
	assert_int_equal(ok.insert_id, 5);
	assert_int_equal(ok.status, 2);
	assert_int_equal(ok.warnings, 1);
	assert_int_equal(ok.info.n, 2);
	assert_int_equal(ms_proto_ok_parse(track, sizeof(track),
					   caps | MS_CLIENT_SESSION_TRACK, &ok,
					   &err),
			 0);
	assert_int_equal(ok.info.n, 2);
	assert_memory_equal(ok.info.p, "hi", 2);
	assert_int_equal(ms_proto_ok_parse(track, 7,
					   caps | MS_CLIENT_SESSION_TRACK, &ok,
					   &err),
			 0);
	assert_int_equal(ok.info.n, 0);
	assert_int_equal(ms_proto_ok_parse(track, 9,
					   caps | MS_CLIENT_SESSION_TRACK, &ok,
					   &err),
			 MS_ECORRUPT);
	assert_int_equal(ms_proto_ok_parse(track, 6, caps, &ok, &err),
			 MS_ECORRUPT);
	assert_int_equal(ms_proto_ok_parse((const uint8_t *)"\x01\0\0\0\0\0\0",
					   7, caps, &ok, &err),
			 MS_ECORRUPT);
	/* an OK-terminator (0xfe) */
	assert_int_equal(
	    ms_proto_ok_parse((const uint8_t *)"\xfe\0\0\x0a\0\0\0", 7, caps,
			      &ok, &err),
	    0);
	assert_int_equal(ok.header, 0xfe);
	assert_int_equal(ok.status, 0x0a);
}

static void ok_encode_for_clients(void **state)
{
	struct ms_ok ok, back;
	struct ms_buf b;
	struct ms_err err;
	size_t n;
	uint8_t *p = unhex(cap_eof_use[0], &n);

	(void)state;
	ms_buf_init(&b, 1024);
	assert_int_equal(ms_proto_ok_parse(p, n, CAP_CAPS, &ok, &err), 0);
	/* same caps: the same bytes */
	assert_int_equal(ms_proto_ok_encode(&b, &ok, CAP_CAPS), 0);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.ptr, p, n);
	/* a client without session tracking: no state, flag cleared */
	ms_buf_reset(&b);
	assert_int_equal(
	    ms_proto_ok_encode(&b, &ok, CAP_CAPS & ~MS_CLIENT_SESSION_TRACK),
	    0);
	assert_int_equal(b.len, 7);
	assert_int_equal(ms_proto_ok_parse((uint8_t *)b.ptr, b.len,
					   CAP_CAPS & ~MS_CLIENT_SESSION_TRACK,
					   &back, &err),
			 0);
	assert_int_equal(back.status, 0);
	assert_int_equal(back.info.n, 0);
	/* info kept in both encodings */
	ok.info = (struct ms_view){(const uint8_t *)"Rows matched: 1", 15};
	ok.affected_rows = 0x1000000;
	ok.insert_id = 251;
	ms_buf_reset(&b);
	assert_int_equal(ms_proto_ok_encode(&b, &ok, CAP_CAPS), 0);
	assert_int_equal(
	    ms_proto_ok_parse((uint8_t *)b.ptr, b.len, CAP_CAPS, &back, &err),
	    0);
	assert_true(back.affected_rows == 0x1000000);
	assert_int_equal(back.insert_id, 251);
	assert_int_equal(back.info.n, 15);
	assert_int_equal(back.state.n, ok.state.n);
	assert_memory_equal(back.state.p, ok.state.p, ok.state.n);
	ms_buf_reset(&b);
	assert_int_equal(ms_proto_ok_encode(&b, &ok, MS_CLIENT_PROTOCOL_41), 0);
	assert_int_equal(ms_proto_ok_parse((uint8_t *)b.ptr, b.len,
					   MS_CLIENT_PROTOCOL_41, &back, &err),
			 0);
	assert_int_equal(back.info.n, 15);
	assert_memory_equal(back.info.p, "Rows matched: 1", 15);
	ms_buf_free(&b);
	free(p);
}

static void ok_truncations(void **state)
{
	static const char *const pkts[] = {cap_eof_track[0], cap_eof_begin[0],
					   cap_eof_infile[1], cap_eof_use[0]};
	struct ms_ok ok;
	struct ms_track t;
	struct ms_err err;
	size_t i, k, n, off;
	uint8_t *p, *q;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(pkts) / sizeof(pkts[0]); i++) {
		p = unhex(pkts[i], &n);
		for (k = 0; k < n; k++) {
			q = dup_exact(p, k);
			rc = ms_proto_ok_parse(q, k, CAP_CAPS, &ok, &err);
			/* a prefix either fails or stops after the info
			 * (the state is then absent, which is lenient) */
			if (rc == 0) {
				assert_int_equal(ok.state.n, 0);
				assert_true(ok.info.p + ok.info.n <= q + k);
			} else {
				assert_int_equal(rc, MS_ECORRUPT);
			}
			free(q);
		}
		assert_int_equal(ms_proto_ok_parse(p, n, CAP_CAPS, &ok, &err),
				 0);
		/* every shorter state block fails while walking */
		for (k = 0; k < ok.state.n; k++) {
			struct ms_view v = {dup_exact(ok.state.p, k), k};

			off = 0;
			while ((rc = ms_proto_track_next(&v, &off, &t, &err)) ==
			       1)
				;
			assert_true(rc == 0 || rc == MS_ECORRUPT);
			free((void *)v.p);
		}
		free(p);
	}
}

static void track_built(void **state)
{
	/* GTIDS (encoding byte + string), an unknown type, a malformed
	 * system variable entry */
	static const uint8_t st[] = {0x03, 0x05, 0x00, 0x03, '0', '-',
				     '1',  0x09, 0x02, 'a',  'b'};
	static const uint8_t badvar[] = {0x00, 0x02, 0x05, 'a'};
	struct ms_view v = {st, sizeof(st)};
	struct ms_track t;
	struct ms_err err;
	size_t off = 0;

	(void)state;
	assert_int_equal(ms_proto_track_next(&v, &off, &t, &err), 1);
	assert_int_equal(t.type, MS_TRACK_GTIDS);
	assert_int_equal(t.value.n, 3);
	assert_memory_equal(t.value.p, "0-1", 3);
	assert_int_equal(ms_proto_track_next(&v, &off, &t, &err), 1);
	assert_int_equal(t.type, 9);
	assert_int_equal(t.value.n, 2);
	assert_memory_equal(t.value.p, "ab", 2);
	assert_int_equal(ms_proto_track_next(&v, &off, &t, &err), 0);
	v = (struct ms_view){badvar, sizeof(badvar)};
	off = 0;
	assert_int_equal(ms_proto_track_next(&v, &off, &t, &err), MS_ECORRUPT);
	assert_non_null(strstr(err.msg, "system variable"));
}

static void err_and_eof(void **state)
{
	struct ms_errpkt e;
	struct ms_buf b;
	struct ms_err err;
	size_t n, k;
	uint8_t *p = unhex(cap_eof_error[0], &n), *q;

	(void)state;
	assert_true(ms_proto_is_err(p, n));
	assert_int_equal(ms_proto_err_parse(p, n, &e, &err), 0);
	assert_int_equal(e.code, 1146);
	assert_string_equal(e.sqlstate, "42S02");
	assert_int_equal(e.msg.n, n - 9);
	for (k = 0; k < 9; k++) {
		q = dup_exact(p, k);
		assert_int_equal(ms_proto_err_parse(q, k, &e, &err),
				 k == 3 ? 0 : MS_ECORRUPT);
		free(q);
	}
	free(p);
	/* a SQLSTATE that is not 5 letters or digits */
	assert_int_equal(ms_proto_err_parse((const uint8_t *)"\xff\x10\x04#42\0"
							     "02x",
					    10, &e, &err),
			 MS_ECORRUPT);
	/* without a SQLSTATE marker */
	assert_int_equal(ms_proto_err_parse((const uint8_t *)"\xff\x10\x04oops",
					    7, &e, &err),
			 0);
	assert_string_equal(e.sqlstate, "HY000");
	assert_int_equal(e.msg.n, 4);
	ms_buf_init(&b, 256);
	assert_int_equal(
	    ms_proto_err_encode(&b, 1045, "28000", "Access denied for %s", "u"),
	    0);
	assert_int_equal(ms_proto_err_parse((uint8_t *)b.ptr, b.len, &e, &err),
			 0);
	assert_int_equal(e.code, 1045);
	assert_string_equal(e.sqlstate, "28000");
	assert_int_equal(e.msg.n, 19);
	ms_buf_reset(&b);
	assert_int_equal(ms_proto_err_encode(&b, 1, "bad", "x"), 0);
	assert_int_equal(ms_proto_err_parse((uint8_t *)b.ptr, b.len, &e, &err),
			 0);
	assert_string_equal(e.sqlstate, "HY000");
	ms_buf_reset(&b);
	assert_int_equal(ms_proto_eof_encode(&b, 3, 0x0a), 0);
	assert_int_equal(b.len, 5);
	assert_true(ms_proto_is_eof((uint8_t *)b.ptr, b.len, 0));
	assert_int_equal(ms_proto_eof_status((uint8_t *)b.ptr, b.len), 0x0a);
	assert_int_equal(ms_proto_eof_status((uint8_t *)b.ptr, 4), 0);
	assert_int_equal(
	    ms_proto_eof_status((const uint8_t *)"\x00\0\0\x0a\0", 5), 0);
	ms_buf_free(&b);
}

static void packet_kinds(void **state)
{
	uint8_t row[16];

	(void)state;
	assert_true(ms_proto_is_ok((const uint8_t *)"\0\0\0\2\0\0\0", 7));
	assert_false(ms_proto_is_ok((const uint8_t *)"\0\0\0\2\0\0", 6));
	assert_false(ms_proto_is_ok((const uint8_t *)"\xfe\0\0\2\0\0\0", 7));
	assert_true(ms_proto_is_err((const uint8_t *)"\xff", 1));
	assert_false(ms_proto_is_err((const uint8_t *)"\x00", 1));
	assert_false(ms_proto_is_err(NULL, 0));
	/* 0xfe: an EOF below 9 bytes; a row holding an 8-byte lenenc
	 * length is longer */
	memset(row, 0, sizeof(row));
	row[0] = 0xfe;
	assert_true(ms_proto_is_eof(row, 5, 0));
	assert_true(ms_proto_is_eof(row, 8, 0));
	assert_false(ms_proto_is_eof(row, 9, 0));
	assert_false(ms_proto_is_eof(row, 12, 0));
	assert_true(ms_proto_is_eof(row, 12, MS_CLIENT_DEPRECATE_EOF));
	assert_true(ms_proto_is_eof(row, MS_PROTO_MAX_FRAG - 1,
				    MS_CLIENT_DEPRECATE_EOF));
	assert_false(
	    ms_proto_is_eof(row, MS_PROTO_MAX_FRAG, MS_CLIENT_DEPRECATE_EOF));
	assert_false(ms_proto_is_eof(row, 0, 0));
	row[0] = 0x00;
	assert_false(ms_proto_is_eof(row, 5, 0));
}

/* ---- prepared statements and change user ---- */

static void exec_packets(void **state)
{
	struct ms_exec e;
	struct ms_buf b;
	struct ms_err err;
	size_t n, k;
	uint8_t *p = unhex(cap_eof_exec_payload, &n), *q;
	/* the same without types (bound flag 0) */
	static const uint8_t nt[] = {0x17, 0x10, 0, 0, 0, 0x00, 1, 0, 0, 0,
				     0x00, 0x00, 1, 2, 3, 4,	5, 6, 7, 8};

	(void)state;
	assert_int_equal(ms_proto_stmt_id(p), 0x10);
	assert_int_equal(ms_proto_exec_parse(p, n, 1, &e, &err), 0);
	assert_int_equal(e.stmt_id, 0x10);
	assert_int_equal(e.flags, 0);
	assert_true(e.new_params);
	assert_int_equal(e.types.n, 2);
	assert_memory_equal(e.types.p, "\x08\x00", 2);
	assert_int_equal(e.types_off, 11);
	for (k = 0; k < 14; k++) {
		q = dup_exact(p, k);
		assert_int_equal(ms_proto_exec_parse(q, k, 1, &e, &err),
				 MS_ECORRUPT);
		free(q);
	}
	/* types added to an execute that had none */
	assert_int_equal(ms_proto_exec_parse(nt, sizeof(nt), 1, &e, &err), 0);
	assert_false(e.new_params);
	assert_int_equal(e.types.n, 0);
	ms_buf_init(&b, 256);
	assert_int_equal(ms_proto_exec_with_types(&b, nt, sizeof(nt), &e,
						  (const uint8_t *)"\x08\x00",
						  1),
			 0);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.ptr, p, 12);
	assert_memory_equal(b.ptr + 12, "\x08\x00\x01\x02", 4);
	/* replacing the types an execute already had */
	assert_int_equal(ms_proto_exec_parse(p, n, 1, &e, &err), 0);
	ms_buf_reset(&b);
	assert_int_equal(ms_proto_exec_with_types(
			     &b, p, n, &e, (const uint8_t *)"\x03\x80", 1),
			 0);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.ptr + 12, "\x03\x80", 2);
	assert_memory_equal(b.ptr + 14, p + 14, n - 14);
	/* no parameters: copied as is */
	assert_int_equal(ms_proto_exec_parse(p, 10, 0, &e, &err), 0);
	assert_int_equal(e.types_off, 10);
	ms_buf_reset(&b);
	assert_int_equal(ms_proto_exec_with_types(&b, p, 10, &e, NULL, 0), 0);
	assert_int_equal(b.len, 10);
	/* 9 parameters: a 2-byte null bitmap */
	assert_int_equal(ms_proto_exec_parse(nt, sizeof(nt), 9, &e, &err),
			 MS_ECORRUPT);
	/* not an execute */
	p[0] = 0x16;
	assert_int_equal(ms_proto_exec_parse(p, n, 1, &e, &err), MS_ECORRUPT);
	/* statement ids rewritten in place */
	ms_proto_stmt_id_set(p, 0xa1b2c3d4);
	assert_int_equal(ms_proto_stmt_id(p), 0xa1b2c3d4);
	assert_memory_equal(p + 1, "\xd4\xc3\xb2\xa1", 4);
	assert_int_equal(p[5], 0);
	ms_buf_free(&b);
	free(p);
}

static void change_user_packets(void **state)
{
	static const char full[] =
	    "626f620014" /* bob, 20-byte auth */
	    "0102030405060708090a0b0c0d0e0f1011121314"
	    "73686f7000"				   /* shop */
	    "2d00"					   /* charset 45 */
	    "6d7973716c5f6e61746976655f70617373776f726400" /* plugin */
	    "0401610162";				   /* attrs */
	struct ms_change_user c;
	struct ms_err err;
	uint32_t caps = MS_PROXY_CAPS;
	size_t n, k;
	uint8_t *p = unhex(full, &n), *q;
	int rc;

	(void)state;
	assert_int_equal(ms_proto_change_user_parse(p, n, caps, &c, &err), 0);
	assert_int_equal(c.user.n, 3);
	assert_memory_equal(c.user.p, "bob", 3);
	assert_int_equal(c.auth.n, 20);
	assert_int_equal(c.auth.p[19], 0x14);
	assert_int_equal(c.db.n, 4);
	assert_int_equal(c.charset, 45);
	assert_int_equal(c.plugin.n, 21);
	assert_int_equal(c.attrs.n, 4);
	assert_memory_equal(c.attrs.p, "\x01\x61\x01\x62", 4);
	/* old clients stop after the schema */
	assert_int_equal(ms_proto_change_user_parse(p, 30, caps, &c, &err), 0);
	assert_int_equal(c.charset, 0);
	assert_int_equal(c.plugin.n, 0);
	/* every prefix: an error or views inside it */
	for (k = 0; k < n; k++) {
		q = dup_exact(p, k);
		rc = ms_proto_change_user_parse(q, k, caps, &c, &err);
		if (rc == 0) {
			assert_true(c.attrs.p + c.attrs.n <= q + k);
			assert_true(c.auth.p + c.auth.n <= q + k);
		} else {
			assert_int_equal(rc, MS_ECORRUPT);
		}
		if (k > 4 && k < 25)
			assert_int_equal(rc, MS_ECORRUPT);
		free(q);
	}
	/* without SECURE_CONNECTION the auth is a NUL-terminated string */
	assert_int_equal(
	    ms_proto_change_user_parse((const uint8_t *)"u\0pw\0db\0", 8,
				       MS_CLIENT_PROTOCOL_41, &c, &err),
	    0);
	assert_int_equal(c.auth.n, 2);
	assert_int_equal(c.db.n, 2);
	assert_int_equal(ms_proto_change_user_parse(p, 0, caps, &c, &err),
			 MS_ECORRUPT);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(frame_header),
	    cmocka_unit_test(frame_small_and_empty),
	    cmocka_unit_test(frame_large),
	    cmocka_unit_test(lenenc_boundaries),
	    cmocka_unit_test(reader_fields),
	    cmocka_unit_test(writer_fields),
	    cmocka_unit_test(ok_captured_with_tracking),
	    cmocka_unit_test(ok_variants),
	    cmocka_unit_test(ok_encode_for_clients),
	    cmocka_unit_test(ok_truncations),
	    cmocka_unit_test(track_built),
	    cmocka_unit_test(err_and_eof),
	    cmocka_unit_test(packet_kinds),
	    cmocka_unit_test(exec_packets),
	    cmocka_unit_test(change_user_packets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

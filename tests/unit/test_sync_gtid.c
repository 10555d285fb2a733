/* Unit tests for the GTID state (src/sync/gtid.c): MariaDB lists and MySQL
 * sets, parsing (with errors naming the bad part), canonical formatting,
 * interval merging, membership, and the COM_BINLOG_DUMP_GTID encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "sync/gtid.h"

#define U1 "3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define U2 "4a0e2c6e-0000-11e1-8000-000000000001"

static const uint8_t u1[16] = {0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,
			       0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62};
static const uint8_t u2[16] = {0x4a, 0x0e, 0x2c, 0x6e, 0x00, 0x00, 0x11, 0xe1,
			       0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};

/* The state's text (static buffer, overwritten by the next call). */
static const char *fmt(const struct ms_gtid_state *g)
{
	static char out[4096];
	struct ms_buf b;

	ms_buf_init(&b, sizeof(out) - 1);
	assert_int_equal(ms_gtid_format(g, &b), 0);
	snprintf(out, sizeof(out), "%s", ms_buf_str(&b));
	ms_buf_free(&b);
	return out;
}

/* Parses <in> as <f> and checks the canonical text is <want>. */
static void round_trip(enum ms_gtid_flavor f, const char *in, const char *want)
{
	struct ms_gtid_state *g = ms_gtid_new(MS_GTID_NONE);
	struct ms_err err;
	int rc;

	assert_non_null(g);
	ms_err_clear(&err);
	rc = ms_gtid_parse(g, f, in, &err);
	if (rc)
		print_error("'%s': %s\n", in, err.msg);
	assert_int_equal(rc, 0);
	assert_string_equal(fmt(g), want);
	/* the canonical text parses to itself */
	assert_int_equal(ms_gtid_parse(g, f, want, &err), 0);
	assert_string_equal(fmt(g), want);
	ms_gtid_free(g);
}

/* Parsing <in> fails with MS_EPARSE and a message holding <needle>; a
 * state parsed before is left as it was. */
static void bad(enum ms_gtid_flavor f, const char *in, const char *needle)
{
	struct ms_gtid_state *g = ms_gtid_new(MS_GTID_NONE);
	const char *before = f == MS_GTID_MYSQL ? U2 ":1-3" : "7-7-7";
	struct ms_err err;
	int rc;

	assert_int_equal(ms_gtid_parse(g, f, before, NULL), 0);
	ms_err_clear(&err);
	rc = ms_gtid_parse(g, f, in, &err);
	if (rc != MS_EPARSE || !strstr(err.msg, needle))
		print_error("'%s': rc=%d msg='%s', want '%s'\n", in, rc,
			    err.msg, needle);
	assert_int_equal(rc, MS_EPARSE);
	assert_non_null(strstr(err.msg, needle));
	assert_string_equal(fmt(g), before);
	ms_gtid_free(g);
}

/* ---- MariaDB ----------------------------------------------------------- */

static void maria_text(void **state)
{
	(void)state;
	round_trip(MS_GTID_MARIADB, "0-1-100,1-2-7", "0-1-100,1-2-7");
	round_trip(MS_GTID_MARIADB, "5-1-3,0-2-9", "0-2-9,5-1-3");
	round_trip(MS_GTID_MARIADB, "  0-1-1 ,\n 2-3-4\t", "0-1-1,2-3-4");
	round_trip(MS_GTID_MARIADB, "007-01-0010", "7-1-10");
	round_trip(MS_GTID_MARIADB,
		   "4294967295-4294967295-18446744073709551615",
		   "4294967295-4294967295-18446744073709551615");
	round_trip(MS_GTID_MARIADB, "0-0-0", "0-0-0");
	round_trip(MS_GTID_MARIADB, "", "");
	round_trip(MS_GTID_MARIADB, " \n ", "");
	/* the flavour is guessed: no ':' means MariaDB */
	round_trip(MS_GTID_NONE, "1-1-1", "1-1-1");
}

static void maria_errors(void **state)
{
	struct ms_gtid_state *g = ms_gtid_new(MS_GTID_MARIADB);
	struct ms_err err;

	(void)state;
	/* the exact message the header promises */
	assert_int_equal(ms_gtid_parse(g, MS_GTID_MARIADB, "0-1-x", &err),
			 MS_EPARSE);
	assert_string_equal(err.msg, "GTID '0-1-x': bad sequence number");
	ms_gtid_free(g);
	bad(MS_GTID_MARIADB, "4294967296-1-1", "'4294967296-1-1': bad domain");
	bad(MS_GTID_MARIADB, "0-4294967296-1", "bad server id");
	bad(MS_GTID_MARIADB, "0-1-18446744073709551616", "bad sequence");
	bad(MS_GTID_MARIADB, "0-1", "'0-1': expected domain-server_id-seq");
	bad(MS_GTID_MARIADB, "01", "expected domain");
	bad(MS_GTID_MARIADB, "-1-1-1", "bad domain id");
	bad(MS_GTID_MARIADB, "+1-1-1", "bad domain id");
	bad(MS_GTID_MARIADB, "1-1-1-1", "bad sequence number");
	bad(MS_GTID_MARIADB, "1 -1-1", "bad domain id");
	bad(MS_GTID_MARIADB, "0-1-1,,1-1-1", "empty element at offset 6");
	bad(MS_GTID_MARIADB, "0-1-1,", "empty element");
	bad(MS_GTID_MARIADB, ",0-1-1", "empty element at offset 0");
	bad(MS_GTID_MARIADB, "0-1-1,0-2-5", "domain 0 appears twice");
	/* a MySQL set given as MariaDB */
	bad(MS_GTID_MARIADB, U1 ":1-5", "bad domain id");
}

static void maria_add_contains(void **state)
{
	struct ms_gtid_state *g = ms_gtid_new(MS_GTID_NONE);

	(void)state;
	assert_int_equal(ms_gtid_flavor(g), MS_GTID_NONE);
	assert_false(ms_gtid_contains_mariadb(g, 0, 1));
	assert_int_equal(ms_gtid_add_mariadb(g, 1, 10, 5), 0);
	assert_int_equal(ms_gtid_flavor(g), MS_GTID_MARIADB);
	assert_int_equal(ms_gtid_add_mariadb(g, 0, 1, 100), 0);
	assert_string_equal(fmt(g), "0-1-100,1-10-5");
	/* the domain's entry becomes the new GTID, server_id included */
	assert_int_equal(ms_gtid_add_mariadb(g, 0, 2, 101), 0);
	assert_string_equal(fmt(g), "0-2-101,1-10-5");
	assert_true(ms_gtid_contains_mariadb(g, 0, 101));
	assert_true(ms_gtid_contains_mariadb(g, 0, 1));
	assert_false(ms_gtid_contains_mariadb(g, 0, 102));
	assert_true(ms_gtid_contains_mariadb(g, 1, 5));
	assert_false(ms_gtid_contains_mariadb(g, 1, 6));
	assert_false(ms_gtid_contains_mariadb(g, 2, 0));
	/* a MySQL GTID does not go into a MariaDB state */
	assert_int_equal(ms_gtid_add_mysql(g, u1, NULL, 1), MS_EINVAL);
	assert_false(ms_gtid_contains_mysql(g, u1, NULL, 1));
	ms_gtid_free(g);
	ms_gtid_free(NULL);
}

/* ---- MySQL ------------------------------------------------------------- */

static void mysql_text(void **state)
{
	(void)state;
	round_trip(MS_GTID_MYSQL, U1 ":1-100:102", U1 ":1-100:102");
	round_trip(MS_GTID_NONE, U1 ":1-100:102", U1 ":1-100:102");
	/* merged: overlapping, adjacent, out of order, repeated uuid */
	round_trip(MS_GTID_MYSQL, U1 ":1-5:6-10", U1 ":1-10");
	round_trip(MS_GTID_MYSQL, U1 ":5-10:1-7", U1 ":1-10");
	round_trip(MS_GTID_MYSQL, U1 ":20:1-3:10-12:4-9", U1 ":1-12:20");
	round_trip(MS_GTID_MYSQL, U1 ":3:3:3-3", U1 ":3");
	round_trip(MS_GTID_MYSQL, U1 ":1-3:100-200:5-150", U1 ":1-3:5-200");
	round_trip(MS_GTID_MYSQL, U1 ":1-3," U1 ":4-6", U1 ":1-6");
	/* sorted by uuid, printed in lower case; whitespace and newlines
	 * (SHOW MASTER STATUS wraps sets) are ignored */
	round_trip(MS_GTID_MYSQL,
		   "4A0E2C6E-0000-11E1-8000-000000000001:7,\n " U1 ":1",
		   U1 ":1," U2 ":7");
	round_trip(MS_GTID_MYSQL, " " U1 " : 1-2 : 4 ", U1 ":1-2:4");
	/* the largest GTID number */
	round_trip(MS_GTID_MYSQL, U1 ":1-9223372036854775806",
		   U1 ":1-9223372036854775806");
	round_trip(MS_GTID_MYSQL, U1 ":9223372036854775806",
		   U1 ":9223372036854775806");
	/* 8.4 tags: lower-cased, sorted after the untagged intervals */
	round_trip(MS_GTID_MYSQL, U1 ":TagA:1-3:_b:7:1-5",
		   U1 ":_b:1-5:7:taga:1-3");
	round_trip(MS_GTID_MYSQL, U1 ":1-5:taga:1-3", U1 ":1-5:taga:1-3");
	round_trip(MS_GTID_MYSQL, U1 ":x:1," U1 ":X:2:1", U1 ":x:1-2");
	round_trip(MS_GTID_MYSQL, U1 ":x:1," U1 ":3:X:2", U1 ":3:x:1-2");
	round_trip(MS_GTID_MYSQL, U1 ":abcdefghijklmnopqrstuvwxyz_01234:9",
		   U1 ":abcdefghijklmnopqrstuvwxyz_01234:9");
	round_trip(MS_GTID_MYSQL, U2 ":t:1," U1 ":2", U1 ":2," U2 ":t:1");
	round_trip(MS_GTID_MYSQL, "", "");
}

static void mysql_errors(void **state)
{
	(void)state;
	bad(MS_GTID_MYSQL, U1, "without an interval");
	bad(MS_GTID_MYSQL, U1 ":tag", "without an interval");
	bad(MS_GTID_MYSQL, U1 ":1:tag", "without an interval");
	bad(MS_GTID_MYSQL, U1 ":a:b:1", "tag 'b' follows a tag");
	bad(MS_GTID_MYSQL, U1 ":0", "bad interval '0'");
	bad(MS_GTID_MYSQL, U1 ":0-5", "bad interval '0-5'");
	bad(MS_GTID_MYSQL, U1 ":5-3", "bad interval '5-3'");
	bad(MS_GTID_MYSQL, U1 ":1-9223372036854775807", "bad interval");
	bad(MS_GTID_MYSQL, U1 ":99999999999999999999", "bad interval");
	bad(MS_GTID_MYSQL, U1 ":1-", "bad interval '1-'");
	bad(MS_GTID_MYSQL, U1 ":-1", "bad interval '-1'");
	bad(MS_GTID_MYSQL, U1 ":1--2", "bad interval");
	bad(MS_GTID_MYSQL, U1 "::1", "bad interval ''");
	bad(MS_GTID_MYSQL, U1 ":1x", "bad interval '1x'");
	bad(MS_GTID_MYSQL, U1 ":a-b:1", "bad tag 'a-b'");
	bad(MS_GTID_MYSQL, U1 ":abcdefghijklmnopqrstuvwxyz_012345:1",
	    "bad tag");
	bad(MS_GTID_MYSQL, "3e11fa47-71ca-11e1-9e33-c80aa942956:1",
	    "bad UUID '3e11fa47-71ca-11e1-9e33-c80aa942956'");
	bad(MS_GTID_MYSQL, "3e11fa4771ca11e19e33c80aa9429562:1", "bad UUID");
	bad(MS_GTID_MYSQL, "3e11fa47-71ca-11e1-9e33-c80aa942956g:1",
	    "bad UUID");
	bad(MS_GTID_MYSQL, "3e11fa47+71ca-11e1-9e33-c80aa9429562:1",
	    "bad UUID");
	bad(MS_GTID_MYSQL, U1 ":1,", "empty element");
	bad(MS_GTID_MYSQL, U1 ":1,," U2 ":1", "empty element");
	/* the set named in the message is cut, not overflowing */
	{
		char big[2048];
		struct ms_gtid_state *g = ms_gtid_new(MS_GTID_MYSQL);
		struct ms_err err;
		size_t n = 0;

		n += (size_t)snprintf(big, sizeof(big), "%s", U1);
		for (int i = 0; i < 100; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n, ":%d",
					      2 * i + 1);
		snprintf(big + n, sizeof(big) - n, ":1-x");
		assert_int_equal(ms_gtid_parse(g, MS_GTID_MYSQL, big, &err),
				 MS_EPARSE);
		assert_non_null(strstr(err.msg, "bad interval '1-x'"));
		ms_gtid_free(g);
	}
}

static void mysql_add_contains(void **state)
{
	struct ms_gtid_state *g = ms_gtid_new(MS_GTID_NONE);

	(void)state;
	assert_int_equal(ms_gtid_add_mysql(g, u1, NULL, 1), 0);
	assert_int_equal(ms_gtid_flavor(g), MS_GTID_MYSQL);
	assert_int_equal(ms_gtid_add_mysql(g, u1, NULL, 2), 0);
	assert_int_equal(ms_gtid_add_mysql(g, u1, "", 3), 0);
	assert_int_equal(ms_gtid_add_mysql(g, u1, NULL, 5), 0);
	assert_string_equal(fmt(g), U1 ":1-3:5");
	/* filling the gap joins both sides */
	assert_int_equal(ms_gtid_add_mysql(g, u1, NULL, 4), 0);
	assert_string_equal(fmt(g), U1 ":1-5");
	/* adding what is there changes nothing */
	assert_int_equal(ms_gtid_add_mysql(g, u1, NULL, 3), 0);
	assert_string_equal(fmt(g), U1 ":1-5");
	assert_int_equal(ms_gtid_add_mysql(g, u2, "Batch", 10), 0);
	assert_int_equal(ms_gtid_add_mysql(g, u2, NULL, 9223372036854775806),
			 0);
	assert_string_equal(fmt(g), U1 ":1-5," U2 ":9223372036854775806:"
				       "batch:10");
	assert_true(ms_gtid_contains_mysql(g, u1, NULL, 1));
	assert_true(ms_gtid_contains_mysql(g, u1, NULL, 5));
	assert_false(ms_gtid_contains_mysql(g, u1, NULL, 6));
	assert_false(ms_gtid_contains_mysql(g, u1, NULL, 0));
	assert_false(ms_gtid_contains_mysql(g, u1, NULL, -1));
	assert_false(ms_gtid_contains_mysql(g, u1, NULL, INT64_MAX));
	assert_false(ms_gtid_contains_mysql(g, u1, "batch", 1));
	assert_true(ms_gtid_contains_mysql(g, u2, "batch", 10));
	assert_true(ms_gtid_contains_mysql(g, u2, "BATCH", 10));
	assert_false(ms_gtid_contains_mysql(g, u2, NULL, 10));
	assert_false(ms_gtid_contains_mysql(g, u2, "other", 10));
	assert_false(ms_gtid_contains_mysql(g, u2, "bad-tag", 10));
	assert_true(ms_gtid_contains_mysql(g, u2, NULL, 9223372036854775806));
	/* refused: bad numbers and tags, a MariaDB GTID */
	assert_int_equal(ms_gtid_add_mysql(g, u1, NULL, 0), MS_EINVAL);
	assert_int_equal(ms_gtid_add_mysql(g, u1, NULL, INT64_MAX), MS_EINVAL);
	assert_int_equal(ms_gtid_add_mysql(g, u1, "9x", 1), MS_EINVAL);
	assert_int_equal(ms_gtid_add_mariadb(g, 0, 1, 1), MS_EINVAL);
	assert_false(ms_gtid_contains_mariadb(g, 0, 1));
	assert_string_equal(fmt(g), U1 ":1-5," U2 ":9223372036854775806:"
				       "batch:10");
	ms_gtid_free(g);
}

/* Random GTIDs added in random order agree with a plain bitmap, and the
 * text parses back to the same set. */
static void mysql_random(void **state)
{
	enum { N = 300 };
	bool in[N + 2] = {false};
	struct ms_gtid_state *g = ms_gtid_new(MS_GTID_MYSQL);
	struct ms_gtid_state *back = ms_gtid_new(MS_GTID_NONE);
	unsigned int seed = 12345;
	char text[4096];

	(void)state;
	for (int round = 0; round < 400; round++) {
		int64_t gno;

		seed = seed * 1103515245u + 12345u;
		gno = 1 + (int64_t)((seed >> 8) % N);
		in[gno] = true;
		assert_int_equal(ms_gtid_add_mysql(g, u1, NULL, gno), 0);
		for (int64_t k = 1; k <= N; k++)
			if (ms_gtid_contains_mysql(g, u1, NULL, k) != in[k])
				fail_msg("round %d gno %lld: contains(%lld) "
					 "is %d",
					 round, (long long)gno, (long long)k,
					 !in[k]);
	}
	snprintf(text, sizeof(text), "%s", fmt(g));
	assert_int_equal(ms_gtid_parse(back, MS_GTID_NONE, text, NULL), 0);
	assert_string_equal(fmt(back), text);
	for (int64_t k = 1; k <= N; k++)
		assert_int_equal(ms_gtid_contains_mysql(back, u1, NULL, k),
				 in[k]);
	ms_gtid_free(g);
	ms_gtid_free(back);
}

/* A state may be re-parsed in the other flavour; "" with MS_GTID_NONE
 * empties it and keeps the flavour. */
static void reparse(void **state)
{
	struct ms_gtid_state *g = ms_gtid_new(MS_GTID_NONE);

	(void)state;
	assert_int_equal(ms_gtid_parse(g, MS_GTID_NONE, "0-1-2", NULL), 0);
	assert_int_equal(ms_gtid_flavor(g), MS_GTID_MARIADB);
	assert_int_equal(ms_gtid_parse(g, MS_GTID_NONE, "", NULL), 0);
	assert_int_equal(ms_gtid_flavor(g), MS_GTID_MARIADB);
	assert_string_equal(fmt(g), "");
	assert_int_equal(ms_gtid_parse(g, MS_GTID_NONE, U1 ":1", NULL), 0);
	assert_int_equal(ms_gtid_flavor(g), MS_GTID_MYSQL);
	assert_string_equal(fmt(g), U1 ":1");
	assert_false(ms_gtid_contains_mariadb(g, 0, 2));
	ms_gtid_free(g);
}

/* ---- COM_BINLOG_DUMP_GTID encoding -------------------------------------- */

static void le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void encode_untagged(void **state)
{
	struct ms_gtid_state *g = ms_gtid_new(MS_GTID_NONE);
	uint8_t want[8 + 2 * (16 + 8) + 3 * 16];
	struct ms_buf b;
	size_t n = 0;

	(void)state;
	ms_buf_init(&b, 1 << 20);
	/* empty: just the count */
	assert_int_equal(ms_gtid_encode_mysql(g, &b, NULL), 0);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.ptr, "\0\0\0\0\0\0\0\0", 8);
	ms_buf_reset(&b);

	assert_int_equal(
	    ms_gtid_parse(g, MS_GTID_MYSQL, U2 ":7," U1 ":1-3:5", NULL), 0);
	le64(want, 2);
	n = 8;
	memcpy(want + n, u1, 16);
	n += 16;
	le64(want + n, 2);
	le64(want + n + 8, 1);
	le64(want + n + 16, 4); /* [1, 4) */
	le64(want + n + 24, 5);
	le64(want + n + 32, 6);
	n += 40;
	memcpy(want + n, u2, 16);
	n += 16;
	le64(want + n, 1);
	le64(want + n + 8, 7);
	le64(want + n + 16, 8);
	n += 24;
	assert_int_equal(n, sizeof(want));
	assert_int_equal(ms_gtid_encode_mysql(g, &b, NULL), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.ptr, want, sizeof(want));
	ms_buf_free(&b);
	ms_gtid_free(g);
}

/* MySQL 8.3+ tagged format: the count word is (1 << 56) | n << 8 | 1,
 * and every (uuid, tag) entry carries its tag length as len << 1, then
 * the tag. */
static void encode_tagged(void **state)
{
	struct ms_gtid_state *g = ms_gtid_new(MS_GTID_MYSQL);
	uint8_t want[8 + (16 + 1 + 8 + 16) + (16 + 1 + 2 + 8 + 16)];
	struct ms_buf b;
	size_t n;

	(void)state;
	ms_buf_init(&b, 1 << 20);
	assert_int_equal(ms_gtid_parse(g, MS_GTID_MYSQL, U1 ":1:Ab:3", NULL),
			 0);
	le64(want, (1ULL << 56) | (2ULL << 8) | 1);
	n = 8;
	memcpy(want + n, u1, 16);
	want[n + 16] = 0; /* untagged */
	le64(want + n + 17, 1);
	le64(want + n + 25, 1);
	le64(want + n + 33, 2);
	n += 41;
	memcpy(want + n, u1, 16);
	want[n + 16] = 2 << 1;
	memcpy(want + n + 17, "ab", 2);
	le64(want + n + 19, 1);
	le64(want + n + 27, 3);
	le64(want + n + 35, 4);
	n += 43;
	assert_int_equal(n, sizeof(want));
	assert_int_equal(ms_gtid_encode_mysql(g, &b, NULL), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.ptr, want, sizeof(want));
	ms_buf_free(&b);
	ms_gtid_free(g);
}

static void encode_errors(void **state)
{
	struct ms_gtid_state *g = ms_gtid_new(MS_GTID_MARIADB);
	struct ms_err err;
	struct ms_buf b;

	(void)state;
	ms_buf_init(&b, 16);
	assert_int_equal(ms_gtid_encode_mysql(g, &b, &err), MS_EINVAL);
	assert_non_null(strstr(err.msg, "MariaDB"));
	/* the buffer's cap is honoured */
	assert_int_equal(ms_gtid_parse(g, MS_GTID_MYSQL, U1 ":1", NULL), 0);
	assert_int_equal(ms_gtid_encode_mysql(g, &b, &err), MS_ETOOLARGE);
	ms_buf_free(&b);
	ms_gtid_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(maria_text),
	    cmocka_unit_test(maria_errors),
	    cmocka_unit_test(maria_add_contains),
	    cmocka_unit_test(mysql_text),
	    cmocka_unit_test(mysql_errors),
	    cmocka_unit_test(mysql_add_contains),
	    cmocka_unit_test(mysql_random),
	    cmocka_unit_test(reparse),
	    cmocka_unit_test(encode_untagged),
	    cmocka_unit_test(encode_tagged),
	    cmocka_unit_test(encode_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

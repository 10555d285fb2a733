/* Unit tests for shadow reads without a server: the row checksum over
 * hand-built text-protocol rows, sampling rates, and a full queue
 * dropping samples instead of blocking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/uri.h"
#include "proxy/shadow.h"

static void crc_check_value(void **state)
{
	(void)state;
	/* The CRC-32 (IEEE) check value, so both sides agree on the
	 * polynomial whoever computes it. */
	assert_int_equal(ms_shadow_crc(0, "123456789", 9), 0xCBF43926u);
	assert_int_equal(ms_shadow_crc(0, "", 0), 0);
}

/* Appends <v> (<n> bytes, NULL for SQL NULL) to <row> as a text-protocol
 * column: a length-encoded string, written out byte by byte. */
static size_t col(uint8_t *row, size_t at, const char *v, size_t n)
{
	if (!v) {
		row[at] = 0xfb;
		return at + 1;
	}
	if (n < 251) {
		row[at++] = (uint8_t)n;
	} else if (n < 65536) {
		row[at++] = 0xfc;
		row[at++] = (uint8_t)n;
		row[at++] = (uint8_t)(n >> 8);
	} else {
		row[at++] = 0xfd;
		row[at++] = (uint8_t)n;
		row[at++] = (uint8_t)(n >> 8);
		row[at++] = (uint8_t)(n >> 16);
	}
	memcpy(row + at, v, n);
	return at + n;
}

static void crc_of_rows(void **state)
{
	static const uint8_t row1_bytes[] = {0x01, '1', 0xfb, 0x03,
					     'a',  'b', 'c',  0x00};
	char *big = malloc(70000), *mid = malloc(300);
	uint8_t *row = malloc(80000);
	size_t n = 0, n2;
	uint32_t crc, c2;

	(void)state;
	memset(big, 'x', 70000);
	memset(mid, 'y', 300);
	/* Row 1: "1", NULL, "abc", "" */
	n = col(row, n, "1", 1);
	n = col(row, n, NULL, 0);
	n = col(row, n, "abc", 3);
	n = col(row, n, "", 0);
	assert_int_equal(n, sizeof(row1_bytes));
	assert_memory_equal(row, row1_bytes, n);
	crc = ms_shadow_crc(0, row, n);
	assert_int_equal(crc, (uint32_t)crc32(0, row1_bytes, n));
	/* Row 2: 300 and 70000 bytes: 0xfc and 0xfd length prefixes. */
	n2 = col(row, 0, mid, 300);
	assert_int_equal(row[0], 0xfc);
	assert_int_equal(row[1] | row[2] << 8, 300);
	n2 = col(row, n2, big, 70000);
	assert_int_equal(row[303], 0xfd);
	c2 = ms_shadow_crc(crc, row, n2);
	/* Chaining rows is the CRC of their concatenation, so the loop may
	 * feed a row in pieces as packets arrive. */
	{
		uint8_t *all = malloc(n + n2);
		uint32_t piecewise = crc;
		size_t i;

		memcpy(all, row1_bytes, n);
		memcpy(all + n, row, n2);
		assert_int_equal(ms_shadow_crc(0, all, n + n2), c2);
		for (i = 0; i < n2; i += 1000)
			piecewise = ms_shadow_crc(
			    piecewise, row + i, n2 - i < 1000 ? n2 - i : 1000);
		assert_int_equal(piecewise, c2);
		free(all);
	}
	/* Order matters: the same rows the other way round differ. */
	assert_int_not_equal(
	    ms_shadow_crc(ms_shadow_crc(0, row, n2), row1_bytes, n), c2);
	free(big);
	free(mid);
	free(row);
}

static struct ms_shadow *start(struct ms_endpoint *ep, double rate,
			       unsigned queue)
{
	struct ms_shadow_opts o = {.target = ep, .rate = rate, .queue = queue};
	struct ms_shadow *s = NULL;
	struct ms_err err;

	/* Port 1 on loopback: nothing listens, every connect fails fast. */
	memset(ep, 0, sizeof(*ep));
	assert_int_equal(
	    ms_endpoint_parse("mysql://nobody:x@127.0.0.1:1", ep, &err), 0);
	assert_int_equal(ms_shadow_start(&o, &s, &err), 0);
	return s;
}

static void sampling_rate(void **state)
{
	struct ms_endpoint ep;
	struct ms_shadow *s;
	int i, hits = 0;

	(void)state;
	s = start(&ep, 0, 10);
	for (i = 0; i < 1000; i++)
		assert_false(ms_shadow_want(s));
	ms_shadow_stop(s);
	ms_endpoint_free(&ep);
	s = start(&ep, 1, 10);
	for (i = 0; i < 1000; i++)
		assert_true(ms_shadow_want(s));
	ms_shadow_stop(s);
	ms_endpoint_free(&ep);
	s = start(&ep, 0.1, 10);
	for (i = 0; i < 100000; i++)
		hits += ms_shadow_want(s);
	/* 10000 expected; 5 standard deviations is about 475. */
	assert_in_range(hits, 9500, 10500);
	ms_shadow_stop(s);
	ms_endpoint_free(&ep);
}

static void full_queue_drops(void **state)
{
	struct ms_shadow_sample x = {.sql = "SELECT 1",
				     .sql_len = 8,
				     .schema = "",
				     .charset = "utf8mb4",
				     .time_zone = "",
				     .columns = 1,
				     .rows = 1};
	struct ms_shadow_stats st;
	struct ms_endpoint ep;
	struct ms_shadow *s;
	int i;

	(void)state;
	s = start(&ep, 1, 2);
	for (i = 0; i < 20; i++)
		ms_shadow_submit(s, &x);
	ms_shadow_stats(s, &st);
	assert_int_equal(st.sampled, 20);
	/* At most 2 wait and the thread took a few: the rest were dropped,
	 * none waited for room. */
	assert_true(st.dropped >= 15);
	assert_int_equal(st.compared, 0);
	ms_shadow_stop(s);
	ms_endpoint_free(&ep);
}

static void bad_options(void **state)
{
	struct ms_endpoint ep = {0};
	struct ms_shadow_opts o = {.target = &ep, .rate = 1.5};
	struct ms_shadow *s;
	struct ms_err err;

	(void)state;
	assert_int_equal(ms_shadow_start(&o, &s, &err), MS_ECONFIG);
	ep.host = "127.0.0.1";
	assert_int_equal(ms_shadow_start(&o, &s, &err), MS_ECONFIG);
	assert_non_null(strstr(err.msg, "1.5"));
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(crc_check_value),
	    cmocka_unit_test(crc_of_rows),
	    cmocka_unit_test(sampling_rate),
	    cmocka_unit_test(full_queue_drops),
	    cmocka_unit_test(bad_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

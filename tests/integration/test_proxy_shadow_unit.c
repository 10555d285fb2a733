/* Shadow reads (src/proxy/shadow.c) against the sandbox, without the proxy
 * engine: samples carry what a client got from the source (the checksum
 * computed here over a libmariadb result, row by row, as text-protocol
 * payloads), the shadow thread runs them on the target. Equal data
 * matches; a changed target row mismatches and is logged with the digest
 * and the sync lag; session context (schema, time zone, sql_mode) is
 * applied; a statement the target refuses counts as an error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "it.h"
#include "core/log.h"
#include "core/uri.h"
#include "db/db.h"
#include "proxy/shadow.h"
#include "sync/sync.h"

#define CS "_myshift_pxshadow"

static struct ms_db *admin(const char *env)
{
	struct ms_endpoint ep;
	struct ms_db *db;
	struct ms_err err;

	it_endpoint(&ep, env, NULL);
	if (ms_db_connect(&ep, NULL, &db, &err))
		fail_msg("%s: %s", env, err.msg);
	ms_endpoint_free(&ep);
	return db;
}

static void exec_all(struct ms_db *db, const char *const *stmts)
{
	struct ms_err err;
	size_t i;

	for (i = 0; stmts[i]; i++)
		if (ms_db_exec(db, stmts[i], &err))
			fail_msg("%s: %s", stmts[i], err.msg);
}

static const char *const data[] = {
    "SET SESSION sql_log_bin = 0",
    "DROP DATABASE IF EXISTS px_shadow",
    "CREATE DATABASE px_shadow",
    "CREATE TABLE px_shadow.t (id INT PRIMARY KEY, v VARCHAR(400), "
    "d DATETIME(3), n DECIMAL(10,2), b BLOB, f DOUBLE, "
    "ts TIMESTAMP NULL) DEFAULT CHARSET=utf8mb4",
    "INSERT INTO px_shadow.t VALUES "
    "(1, 'plain', '2024-02-29 12:34:56.789', 12.50, NULL, 0.1, "
    "'2024-01-01 00:00:00'), "
    "(2, 'caf\xc3\xa9 \xe2\x82\xac', NULL, -3.00, X'00FF10', 1e300, NULL), "
    "(3, REPEAT('L', 300), '1999-12-31 23:59:59', NULL, '', NULL, NULL)",
    NULL};

static int setup(void **state)
{
	struct ms_db *s, *t;

	(void)state;
	it_env_or_skip("MYSHIFT_SOURCE_ADMIN");
	s = admin("MYSHIFT_SOURCE_ADMIN");
	t = admin("MYSHIFT_TARGET_ADMIN");
	exec_all(s, data);
	exec_all(t, data);
	ms_db_close(s);
	ms_db_close(t);
	return 0;
}

static int teardown(void **state)
{
	static const char *const drop[] = {"SET SESSION sql_log_bin = 0",
					   "DROP DATABASE IF EXISTS px_shadow",
					   "DROP DATABASE IF EXISTS " CS, NULL};
	struct ms_db *s = admin("MYSHIFT_SOURCE_ADMIN"),
		     *t = admin("MYSHIFT_TARGET_ADMIN");

	(void)state;
	exec_all(s, drop);
	exec_all(t, drop);
	ms_db_close(s);
	ms_db_close(t);
	return 0;
}

/* Feeds one column to <crc> the way it travels in a text-protocol row:
 * a length-encoded string, NULL as the single byte 0xfb. */
static uint32_t crc_col(uint32_t crc, const char *v, size_t n)
{
	uint8_t h[9];
	size_t hl;

	if (!v) {
		h[0] = 0xfb;
		return ms_shadow_crc(crc, h, 1);
	}
	if (n < 251) {
		h[0] = (uint8_t)n;
		hl = 1;
	} else if (n < 65536) {
		h[0] = 0xfc;
		h[1] = (uint8_t)n;
		h[2] = (uint8_t)(n >> 8);
		hl = 3;
	} else {
		fail_msg("value too long for this test");
	}
	crc = ms_shadow_crc(crc, h, hl);
	return ms_shadow_crc(crc, v, n);
}

/* What a client of the source got for <sql>: columns, rows, checksum. */
static void source_answer(const char *sql, struct ms_shadow_sample *x)
{
	struct ms_db_opts o = {.role = "source", .utc = true}; /* +00:00 */
	struct ms_endpoint ep;
	struct ms_db *db;
	struct ms_db_stream *st;
	const char *const *vals;
	const size_t *lens;
	struct ms_err err;
	size_t i;
	int rc;

	it_endpoint(&ep, "MYSHIFT_SOURCE", "MYSHIFT_SOURCE_PASSWORD");
	free(ep.db);
	ep.db = strdup("px_shadow");
	if (ms_db_connect(&ep, &o, &db, &err))
		fail_msg("source: %s", err.msg);
	if (ms_db_stream_open(db, sql, &st, &err))
		fail_msg("%s: %s", sql, err.msg);
	x->columns = ms_db_stream_ncols(st);
	x->rows = 0;
	x->crc = 0;
	while ((rc = ms_db_stream_next(st, &vals, &lens, &err)) == 1) {
		for (i = 0; i < x->columns; i++)
			x->crc = crc_col(x->crc, vals[i], lens[i]);
		x->rows++;
	}
	assert_int_equal(rc, 0);
	ms_db_stream_close(st);
	ms_db_close(db);
	ms_endpoint_free(&ep);
}

/* Waits until <s> has compared or failed <n> samples in all. */
static void wait_done(struct ms_shadow *s, uint64_t n,
		      struct ms_shadow_stats *st)
{
	int i;

	for (i = 0; i < 1000; i++) {
		ms_shadow_stats(s, st);
		if (st->compared + st->errors >= n)
			return;
		usleep(10000);
	}
	fail_msg("shadow did not finish %llu samples", (unsigned long long)n);
}

static char *read_all(FILE *f)
{
	static char text[65536];
	size_t n;

	fflush(f);
	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	return text;
}

#define SQL "SELECT id, v, d, n, b, f, ts FROM t ORDER BY id"

static void match_then_mismatch(void **state)
{
	struct ms_endpoint tgt, src;
	struct ms_shadow_opts o = {.target = &tgt,
				   .source = &src,
				   .control_schema = CS,
				   .rate = 1,
				   .queue = 16};
	struct ms_shadow_sample x = {.sql = SQL,
				     .sql_len = strlen(SQL),
				     .schema = "px_shadow",
				     .charset = "utf8mb4",
				     .time_zone = "+00:00"};
	struct ms_shadow_stats st;
	struct ms_shadow *s;
	struct ms_db *t;
	struct ms_err err;
	FILE *log = tmpfile();
	char *text;

	(void)state;
	it_endpoint(&tgt, "MYSHIFT_TARGET", "MYSHIFT_TARGET_PASSWORD");
	it_endpoint(&src, "MYSHIFT_SOURCE", "MYSHIFT_SOURCE_PASSWORD");
	source_answer(SQL, &x);
	assert_int_equal(x.rows, 3);
	assert_int_equal(x.columns, 7);
	ms_log_set_stream(log);
	assert_int_equal(ms_shadow_start(&o, &s, &err), 0);
	assert_true(ms_shadow_want(s));

	ms_shadow_submit(s, &x);
	wait_done(s, 1, &st);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.matched, 1);
	assert_int_equal(st.mismatched, 0);

	t = admin("MYSHIFT_TARGET_ADMIN");
	exec_all(
	    t, (const char *const[]){
		   "UPDATE px_shadow.t SET v = 'changed' WHERE id = 2", NULL});
	ms_shadow_submit(s, &x);
	wait_done(s, 2, &st);
	assert_int_equal(st.matched, 1);
	assert_int_equal(st.mismatched, 1);
	text = read_all(log);
	if (!strstr(text, "event=shadow_mismatch") ||
	    !strstr(text, "digest=\"SELECT id, v, d, n, b, f, ts FROM t "
			  "ORDER BY id\"") ||
	    !strstr(text, "schema=px_shadow") || !strstr(text, "rows=3/3") ||
	    !strstr(text, "lag=unknown"))
		fail_msg("log: %s", text);

	/* With a sync recorded as running 2.5 s behind, the lag is that;
	 * once its position passes the source's binlog end, 0. */
	assert_int_equal(ms_sync_control_create(t, CS, &err), 0);
	exec_all(t, (const char *const[]){
			"INSERT INTO " CS ".sync_state (direction, server_id, "
			"file, pos, gtid, running, lag_seconds, progress_at) "
			"VALUES ('forward', 1, 'source-bin.000001', 4, '', 1, "
			"2.5, UTC_TIMESTAMP(6))",
			NULL});
	ms_shadow_submit(s, &x);
	wait_done(s, 3, &st);
	assert_int_equal(st.mismatched, 2);
	text = read_all(log);
	if (!strstr(text, "lag=2.5s"))
		fail_msg("log: %s", text);
	exec_all(t, (const char *const[]){
			"UPDATE " CS ".sync_state SET file = "
			"'source-bin.999999', progress_at = UTC_TIMESTAMP(6)",
			NULL});
	ms_shadow_submit(s, &x);
	wait_done(s, 4, &st);
	text = read_all(log);
	if (!strstr(text, "lag=0.0s"))
		fail_msg("log: %s", text);

	/* Back to equal data: matches again. */
	exec_all(t, (const char *const[]){
			"UPDATE px_shadow.t SET v = 'caf\xc3\xa9 \xe2\x82\xac' "
			"WHERE id = 2",
			NULL});
	ms_shadow_submit(s, &x);
	wait_done(s, 5, &st);
	assert_int_equal(st.matched, 2);
	assert_int_equal(st.mismatched, 3);
	ms_db_close(t);
	ms_shadow_stop(s);
	ms_log_set_stream(stderr);
	fclose(log);
	ms_endpoint_free(&tgt);
	ms_endpoint_free(&src);
}

/* One expected row of text values, checksummed by hand. */
static uint32_t crc_row(const char *const *v, size_t n)
{
	uint32_t crc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		crc = crc_col(crc, v[i], v[i] ? strlen(v[i]) : 0);
	return crc;
}

static void session_context_and_errors(void **state)
{
	static const char sql[] = "SELECT @@time_zone, @@sql_mode, "
				  "DATABASE(), @@character_set_results, "
				  "@@tx_read_only";
	const char *row1[] = {"+05:00", "ANSI_QUOTES", "px_shadow", "latin1",
			      "1"};
	const char *row2[] = {"SYSTEM", "ANSI_QUOTES", "px_shadow", "utf8mb4",
			      "1"};
	struct ms_endpoint tgt;
	struct ms_shadow_opts o = {.target = &tgt, .rate = 1, .queue = 16};
	struct ms_shadow_sample x = {.sql = sql,
				     .sql_len = strlen(sql),
				     .schema = "px_shadow",
				     .charset = "latin1",
				     .time_zone = "+05:00",
				     .sql_mode = "ANSI_QUOTES",
				     .columns = 5,
				     .rows = 1};
	struct ms_shadow_stats st;
	struct ms_shadow *s;
	struct ms_err err;
	FILE *log = tmpfile();

	(void)state;
	it_endpoint(&tgt, "MYSHIFT_TARGET", "MYSHIFT_TARGET_PASSWORD");
	ms_log_set_stream(log);
	assert_int_equal(ms_shadow_start(&o, &s, &err), 0);
	x.crc = crc_row(row1, 5);
	ms_shadow_submit(s, &x);
	wait_done(s, 1, &st);
	assert_int_equal(st.matched, 1);

	/* "" time zone: the server default; charset "" is utf8mb4. */
	x.charset = "";
	x.time_zone = "";
	x.crc = crc_row(row2, 5);
	ms_shadow_submit(s, &x);
	wait_done(s, 2, &st);
	if (st.matched != 2)
		fail_msg("log: %s", read_all(log));

	/* The target refuses: an error, counted and logged. */
	x.sql = "SELECT * FROM no_such_table";
	x.sql_len = strlen(x.sql);
	ms_shadow_submit(s, &x);
	/* Writes are refused too, whatever slips through the classifier. */
	x.sql = "INSERT INTO t (id) VALUES (99)";
	x.sql_len = strlen(x.sql);
	ms_shadow_submit(s, &x);
	wait_done(s, 4, &st);
	assert_int_equal(st.errors, 2);
	assert_int_equal(st.compared, 2);
	if (!strstr(read_all(log), "event=shadow_error"))
		fail_msg("log: %s", read_all(log));
	ms_shadow_stop(s);
	ms_log_set_stream(stderr);
	fclose(log);

	/* The INSERT did not happen. */
	{
		struct ms_db *t = admin("MYSHIFT_TARGET_ADMIN");
		char *v = NULL;

		assert_int_equal(
		    ms_db_query_value(t,
				      "SELECT COUNT(*) FROM px_shadow.t "
				      "WHERE id = 99",
				      &v, &err),
		    0);
		assert_string_equal(v, "0");
		free(v);
		ms_db_close(t);
	}
	ms_endpoint_free(&tgt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(match_then_mismatch),
	    cmocka_unit_test(session_context_and_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* Unit tests for the response state machine (src/proto/resp.c): every
 * command, with packets captured from MariaDB 10.11 (proto_captured.h)
 * with and without CLIENT_DEPRECATE_EOF and with hand-built ones for what
 * MariaDB did not show (MySQL's cursor EOF, 0xfe rows, corruption). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proto/proto.h"
#include "proto_captured.h"
#include "proto_test_util.h"

#define DEP    (CAP_CAPS | MS_CLIENT_DEPRECATE_EOF)
#define NPK(a) (sizeof(a) / sizeof((a)[0]))

/* Feeds hex packets <pk> (<n>) to a machine started for <cmd>: every one
 * but the last must give MORE (or INFILE at index <infile>, SIZE_MAX for
 * none), the last DONE. Returns how many gave MORE because another
 * result followed (status MORE_RESULTS_EXISTS on an OK or terminator that
 * does not follow a column definition, where it would be the EOF after
 * the definitions: good enough for these packets). */
static size_t run(struct ms_resp *r, uint8_t cmd, uint32_t caps,
		  const char *const *pk, size_t n, size_t infile)
{
	struct ms_err err;
	size_t i, len, more = 0;
	bool after_def = false;
	uint8_t *p;
	int ev;

	ms_resp_start(r, cmd, caps);
	for (i = 0; i < n; i++) {
		p = unhex(pk[i], &len);
		ev = ms_resp_feed(r, p, len, (uint32_t)len, &err);
		if (ev < 0)
			fail_msg("packet %zu: %s", i, err.msg);
		if (i == infile) {
			assert_int_equal(ev, MS_RESP_INFILE);
			ms_resp_infile_sent(r);
		} else {
			assert_int_equal(ev, i + 1 == n ? MS_RESP_DONE
							: MS_RESP_MORE);
		}
		if (ev == MS_RESP_MORE && r->status_seen &&
		    (r->status & MS_SERVER_MORE_RESULTS_EXISTS) &&
		    (r->ok || p[0] == 0xfe) &&
		    !(after_def && !(caps & MS_CLIENT_DEPRECATE_EOF)))
			more++;
		after_def = len > 4 && memcmp(p,
					      "\x03"
					      "def",
					      4) == 0;
		free(p);
	}
	/* nothing may follow */
	ev = ms_resp_feed(r, (const uint8_t *)"\0\0\0\2\0\0\0", 7, 7, &err);
	assert_int_equal(ev, MS_ECORRUPT);
	assert_non_null(strstr(err.msg, "after the end"));
	return more;
}

#define RUN(r, cmd, caps, a) run(r, cmd, caps, a, NPK(a), SIZE_MAX)

static void resp_query_captured(void **state)
{
	struct ms_resp r;

	(void)state;
	assert_int_equal(RUN(&r, MS_COM_QUERY, CAP_CAPS, cap_eof_select), 0);
	assert_int_equal(r.columns, 4);
	assert_int_equal(r.rows, 1);
	assert_false(r.err);
	assert_false(r.ok);
	assert_true(r.status_seen);
	assert_int_equal(r.status, MS_SERVER_STATUS_AUTOCOMMIT);
	assert_int_equal(RUN(&r, MS_COM_QUERY, DEP, cap_dep_select), 0);
	assert_int_equal(r.rows, 1);
	assert_true(r.ok); /* the OK-terminator is an OK packet */
	/* SELECT 1; SELECT 2; DO 1: two result sets, then an OK */
	assert_int_equal(RUN(&r, MS_COM_QUERY, CAP_CAPS, cap_eof_multi), 2);
	assert_int_equal(r.rows, 2);
	assert_true(r.ok);
	assert_int_equal(r.status, MS_SERVER_STATUS_AUTOCOMMIT);
	assert_int_equal(RUN(&r, MS_COM_QUERY, DEP, cap_dep_multi), 2);
	assert_int_equal(r.rows, 2);
	/* CALL with two result sets */
	assert_int_equal(RUN(&r, MS_COM_QUERY, CAP_CAPS, cap_eof_call), 2);
	assert_int_equal(RUN(&r, MS_COM_QUERY, DEP, cap_dep_call), 2);
	assert_int_equal(r.rows, 2);
}

static void resp_query_errors_and_oks(void **state)
{
	struct ms_resp r;

	(void)state;
	RUN(&r, MS_COM_QUERY, CAP_CAPS, cap_eof_error);
	assert_true(r.err);
	assert_false(r.status_seen);
	/* an ERR for the second statement, after a first result set */
	assert_int_equal(RUN(&r, MS_COM_QUERY, CAP_CAPS, cap_eof_err_mid), 1);
	assert_true(r.err);
	assert_int_equal(r.rows, 1);
	assert_int_equal(RUN(&r, MS_COM_QUERY, DEP, cap_dep_err_mid), 1);
	assert_true(r.err);
	RUN(&r, MS_COM_QUERY, CAP_CAPS, cap_eof_track);
	assert_true(r.ok);
	assert_int_equal(r.status, MS_SERVER_SESSION_STATE_CHANGED);
	RUN(&r, MS_COM_QUERY, DEP, cap_dep_begin);
	assert_true(r.ok);
	assert_true(r.status & MS_SERVER_STATUS_IN_TRANS);
}

static void resp_infile(void **state)
{
	struct ms_resp r;
	struct ms_err err;
	size_t n;
	uint8_t *p;

	(void)state;
	run(&r, MS_COM_QUERY, CAP_CAPS, cap_eof_infile, NPK(cap_eof_infile), 0);
	assert_true(r.ok);
	assert_int_equal(r.rows, 0);
	run(&r, MS_COM_QUERY, DEP, cap_dep_infile, NPK(cap_dep_infile), 0);
	/* a server packet before the upload ended is an error */
	p = unhex(cap_eof_infile[0], &n);
	ms_resp_start(&r, MS_COM_QUERY, CAP_CAPS);
	assert_int_equal(ms_resp_feed(&r, p, n, (uint32_t)n, &err),
			 MS_RESP_INFILE);
	assert_int_equal(ms_resp_feed(&r, p, n, (uint32_t)n, &err),
			 MS_ECORRUPT);
	assert_non_null(strstr(err.msg, "COM_QUERY"));
	/* after it: only OK or ERR */
	ms_resp_infile_sent(&r);
	assert_int_equal(ms_resp_feed(&r, p, n, (uint32_t)n, &err),
			 MS_ECORRUPT);
	assert_int_equal(
	    ms_resp_feed(&r, (const uint8_t *)"\xff\x01\x02", 3, 3, &err),
	    MS_RESP_DONE);
	assert_true(r.err);
	/* no LOCAL INFILE for an execute */
	ms_resp_start(&r, MS_COM_STMT_EXECUTE, CAP_CAPS);
	assert_int_equal(ms_resp_feed(&r, p, n, (uint32_t)n, &err),
			 MS_ECORRUPT);
	free(p);
}

static void resp_prepare_execute_fetch(void **state)
{
	struct ms_resp r;

	(void)state;
	RUN(&r, MS_COM_STMT_PREPARE, CAP_CAPS, cap_eof_prepare);
	assert_int_equal(r.stmt_id, 0x10);
	assert_int_equal(r.num_params, 1);
	assert_int_equal(r.num_columns, 2);
	RUN(&r, MS_COM_STMT_PREPARE, DEP, cap_dep_prepare);
	assert_int_equal(r.stmt_id, 1);
	assert_int_equal(r.num_params, 1);
	assert_int_equal(r.num_columns, 2);
	RUN(&r, MS_COM_STMT_PREPARE, CAP_CAPS, cap_eof_prepare_noparam);
	assert_int_equal(r.stmt_id, 0x11);
	assert_int_equal(r.num_params + r.num_columns, 0);
	assert_false(r.ok); /* a prepare OK is no OK packet */
	assert_false(r.status_seen);
	RUN(&r, MS_COM_STMT_PREPARE, CAP_CAPS, cap_eof_prepare_err);
	assert_true(r.err);
	RUN(&r, MS_COM_STMT_EXECUTE, CAP_CAPS, cap_eof_execute);
	assert_true(r.binary);
	assert_false(r.cursor);
	assert_int_equal(r.rows, 3);
	RUN(&r, MS_COM_STMT_EXECUTE, DEP, cap_dep_execute);
	assert_int_equal(r.rows, 3);
	assert_true(r.ok);
	RUN(&r, MS_COM_STMT_EXECUTE, CAP_CAPS, cap_eof_execute_cursor);
	assert_true(r.cursor);
	assert_int_equal(r.rows, 0);
	RUN(&r, MS_COM_STMT_EXECUTE, DEP, cap_dep_execute_cursor);
	assert_true(r.cursor);
	assert_int_equal(r.rows, 0);
	RUN(&r, MS_COM_STMT_FETCH, CAP_CAPS, cap_eof_fetch);
	assert_int_equal(r.rows, 1);
	assert_true(r.status & MS_SERVER_STATUS_CURSOR_EXISTS);
	RUN(&r, MS_COM_STMT_FETCH, DEP, cap_dep_fetch_rest);
	assert_int_equal(r.rows, 2);
	assert_true(r.status & MS_SERVER_STATUS_LAST_ROW_SENT);
	RUN(&r, MS_COM_STMT_RESET, CAP_CAPS, cap_eof_stmt_reset);
	assert_true(r.ok);
}

static void resp_simple_commands(void **state)
{
	struct ms_resp r;

	(void)state;
	RUN(&r, MS_COM_PING, CAP_CAPS, cap_eof_ping);
	assert_true(r.ok);
	RUN(&r, MS_COM_INIT_DB, DEP, cap_dep_init_db);
	assert_true(r.status & MS_SERVER_SESSION_STATE_CHANGED);
	RUN(&r, MS_COM_STATISTICS, CAP_CAPS, cap_eof_stats);
	assert_false(r.ok);
	assert_false(r.err);
	RUN(&r, MS_COM_FIELD_LIST, CAP_CAPS, cap_eof_field_list);
	assert_int_equal(r.columns, 2);
	RUN(&r, MS_COM_FIELD_LIST, DEP, cap_dep_field_list);
	assert_int_equal(r.columns, 2);
	/* COM_SET_OPTION gets an EOF (or its OK form) */
	RUN(&r, MS_COM_SET_OPTION, CAP_CAPS, cap_eof_set_option);
	assert_false(r.err);
	RUN(&r, MS_COM_SET_OPTION, DEP, cap_dep_set_option);
	/* COM_CHANGE_USER answered by an auth switch */
	RUN(&r, MS_COM_CHANGE_USER, CAP_CAPS, cap_eof_change_user);
	assert_true(r.auth_switch);
	assert_false(r.err);
	assert_true(ms_proto_com_has_response(MS_COM_PING));
	assert_true(ms_proto_com_has_response(MS_COM_QUERY));
	assert_false(ms_proto_com_has_response(MS_COM_QUIT));
	assert_false(ms_proto_com_has_response(MS_COM_STMT_CLOSE));
	assert_false(ms_proto_com_has_response(MS_COM_STMT_SEND_LONG_DATA));
}

static void resp_simple_built(void **state)
{
	static const char *const ok[] = {"00000002000000"};
	static const char *const err[] = {"ff15042332383030306e6f"};
	static const char *const more_data[] = {"0103"};
	static const uint8_t cmds[] = {
	    MS_COM_PING,	MS_COM_INIT_DB,	   MS_COM_RESET_CONNECTION,
	    MS_COM_SET_OPTION,	MS_COM_STMT_RESET, MS_COM_PROCESS_KILL,
	    MS_COM_CHANGE_USER, MS_COM_SLEEP,
	};
	struct ms_resp r;
	struct ms_err e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cmds); i++) {
		RUN(&r, cmds[i], CAP_CAPS, ok);
		assert_true(r.ok);
		assert_false(r.err);
		RUN(&r, cmds[i], DEP, err);
		assert_true(r.err);
		/* a result set is not an answer to these */
		ms_resp_start(&r, cmds[i], CAP_CAPS);
		assert_int_equal(
		    ms_resp_feed(&r, (const uint8_t *)"\x01", 1, 1, &e),
		    cmds[i] == MS_COM_CHANGE_USER ? MS_RESP_DONE : MS_ECORRUPT);
	}
	RUN(&r, MS_COM_CHANGE_USER, DEP, more_data);
	assert_true(r.auth_switch);
}

static void resp_mysql_cursor_and_sp(void **state)
{
	/* MySQL under DEPRECATE_EOF: column definitions, then a 5-byte EOF
	 * with CURSOR_EXISTS */
	static const char *const cursor[] = {"01", "0364656600000001610000",
					     "fe00004100"};
	/* EXECUTE of a CALL: a binary result set whose terminator says more
	 * results exist, then the procedure's OK */
	static const char *const sp_eof[] = {
	    "01",
	    "0364656600000001610000",
	    "fe00000a00",
	    "000002",
	    "000004",
	    "fe00000a00",
	    "00000002000000",
	};
	static const char *const sp_dep[] = {
	    "01",
	    "0364656600000001610000",
	    "000002",
	    "fe00000a000000",
	    "00000002000000",
	};
	struct ms_resp r;

	(void)state;
	RUN(&r, MS_COM_STMT_EXECUTE, DEP, cursor);
	assert_true(r.cursor);
	assert_false(r.ok);
	assert_int_equal(r.status, 0x41);
	/* the same EOF from a query is an empty result's end, not a cursor */
	RUN(&r, MS_COM_QUERY, DEP, cursor);
	assert_false(r.cursor);
	assert_int_equal(RUN(&r, MS_COM_STMT_EXECUTE, CAP_CAPS, sp_eof), 1);
	assert_int_equal(r.rows, 2);
	assert_true(r.ok);
	assert_int_equal(RUN(&r, MS_COM_STMT_EXECUTE, DEP, sp_dep), 1);
	assert_int_equal(r.rows, 1);
	/* a FETCH ends at its terminator whatever its status says */
	static const char *const fetch[] = {"000002", "fe00000a00"};
	RUN(&r, MS_COM_STMT_FETCH, CAP_CAPS, fetch);
	assert_int_equal(r.rows, 1);
}

/* Rows whose first byte is 0xfe (a column value of 2^24 bytes or more,
 * whose length is an 8-byte lenenc) are rows, not terminators. */
static void resp_fe_rows(void **state)
{
	static const uint8_t row[16] = {0xfe, 0x00, 0x00, 0x00, 0x01};
	static const uint8_t eof[5] = {0xfe, 0, 0, 0x02, 0};
	struct ms_resp r;
	struct ms_err err;
	uint32_t caps[2] = {CAP_CAPS, DEP};
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		ms_resp_start(&r, MS_COM_QUERY, caps[i]);
		assert_int_equal(
		    ms_resp_feed(&r, (const uint8_t *)"\x01", 1, 1, &err),
		    MS_RESP_MORE);
		assert_int_equal(ms_resp_feed(&r,
					      (const uint8_t *)"\x03"
							       "def",
					      4, 4, &err),
				 MS_RESP_MORE);
		if (i == 0)
			assert_int_equal(ms_resp_feed(&r, eof, 5, 5, &err),
					 MS_RESP_MORE);
		/* first fragment of a 16 MB row: only its first bytes */
		assert_int_equal(
		    ms_resp_feed(&r, row, sizeof(row), MS_PROTO_MAX_FRAG, &err),
		    MS_RESP_MORE);
		if (i == 0) /* 9 bytes or more is a row without DEPRECATE */
			assert_int_equal(
			    ms_resp_feed(&r, row, sizeof(row), 9, &err),
			    MS_RESP_MORE);
		assert_int_equal(r.rows, i == 0 ? 2 : 1);
		assert_int_equal(ms_resp_feed(&r, eof, 5, 5, &err),
				 MS_RESP_DONE);
		assert_false(r.cursor);
	}
}

static void resp_corrupt(void **state)
{
	static const uint8_t coldef[] = {0x03, 'd', 'e', 'f'};
	struct ms_resp r;
	struct ms_err err;

	(void)state;
	/* empty packets, nothing available */
	ms_resp_start(&r, MS_COM_QUERY, CAP_CAPS);
	assert_int_equal(ms_resp_feed(&r, coldef, 0, 0, &err), MS_ECORRUPT);
	assert_int_equal(ms_resp_feed(&r, coldef, 0, 4, &err), MS_ECORRUPT);
	/* column count 0, a column count with trailing bytes, a truncated
	 * OK */
	assert_int_equal(
	    ms_resp_feed(&r, (const uint8_t *)"\xfc\0\0", 3, 3, &err),
	    MS_ECORRUPT);
	assert_int_equal(ms_resp_feed(&r, coldef, 4, 4, &err), MS_ECORRUPT);
	assert_int_equal(
	    ms_resp_feed(&r, (const uint8_t *)"\0\0\0\2\0\0\0", 5, 7, &err),
	    MS_ECORRUPT);
	assert_non_null(strstr(err.msg, "OK packet truncated"));
	/* an EOF where a column definition belongs */
	ms_resp_start(&r, MS_COM_QUERY, CAP_CAPS);
	assert_int_equal(ms_resp_feed(&r, (const uint8_t *)"\x02", 1, 1, &err),
			 MS_RESP_MORE);
	assert_int_equal(ms_resp_feed(&r, coldef, 4, 4, &err), MS_RESP_MORE);
	assert_int_equal(
	    ms_resp_feed(&r, (const uint8_t *)"\xfe\0\0\2\0", 5, 5, &err),
	    MS_ECORRUPT);
	/* a row where the EOF after the definitions belongs */
	ms_resp_start(&r, MS_COM_QUERY, CAP_CAPS);
	assert_int_equal(ms_resp_feed(&r, (const uint8_t *)"\x01", 1, 1, &err),
			 MS_RESP_MORE);
	assert_int_equal(ms_resp_feed(&r, coldef, 4, 4, &err), MS_RESP_MORE);
	assert_int_equal(ms_resp_feed(&r, coldef, 4, 4, &err), MS_ECORRUPT);
	/* a binary row without its 0x00 header */
	ms_resp_start(&r, MS_COM_STMT_FETCH, CAP_CAPS);
	assert_int_equal(ms_resp_feed(&r, coldef, 4, 4, &err), MS_ECORRUPT);
	/* a prepare OK cut short; a prepare answered by a result set */
	ms_resp_start(&r, MS_COM_STMT_PREPARE, CAP_CAPS);
	assert_int_equal(
	    ms_resp_feed(&r, (const uint8_t *)"\0\1\0\0\0\1", 6, 6, &err),
	    MS_ECORRUPT);
	ms_resp_start(&r, MS_COM_STMT_PREPARE, CAP_CAPS);
	assert_int_equal(ms_resp_feed(&r, (const uint8_t *)"\x01", 1, 1, &err),
			 MS_ECORRUPT);
	assert_non_null(strstr(err.msg, "COM_STMT_PREPARE"));
	/* a truncated EOF */
	ms_resp_start(&r, MS_COM_FIELD_LIST, CAP_CAPS);
	assert_int_equal(
	    ms_resp_feed(&r, (const uint8_t *)"\xfe\0", 2, 2, &err),
	    MS_ECORRUPT);
}

/* Every captured response again, each packet given with every shorter
 * <avail>: an event or MS_ECORRUPT, never a read past <avail>. */
static void resp_short_avail(void **state)
{
	static const struct {
		uint8_t cmd;
		uint32_t caps;
		const char *const *pk;
		size_t n;
	} cases[] = {
	    {MS_COM_QUERY, CAP_CAPS, cap_eof_multi, NPK(cap_eof_multi)},
	    {MS_COM_QUERY, DEP, cap_dep_call, NPK(cap_dep_call)},
	    {MS_COM_QUERY, DEP, cap_dep_infile, NPK(cap_dep_infile)},
	    {MS_COM_STMT_PREPARE, CAP_CAPS, cap_eof_prepare,
	     NPK(cap_eof_prepare)},
	    {MS_COM_STMT_EXECUTE, DEP, cap_dep_execute, NPK(cap_dep_execute)},
	    {MS_COM_STMT_EXECUTE, DEP, cap_dep_execute_cursor,
	     NPK(cap_dep_execute_cursor)},
	    {MS_COM_FIELD_LIST, DEP, cap_dep_field_list,
	     NPK(cap_dep_field_list)},
	};
	struct ms_resp r, saved;
	struct ms_err err;
	size_t c, i, k, len;
	uint8_t *p, *q;
	int ev;

	(void)state;
	for (c = 0; c < NPK(cases); c++) {
		ms_resp_start(&r, cases[c].cmd, cases[c].caps);
		for (i = 0; i < cases[c].n; i++) {
			p = unhex(cases[c].pk[i], &len);
			for (k = 0; k < len; k++) {
				saved = r;
				q = dup_exact(p, k);
				ev = ms_resp_feed(&saved, q, k, (uint32_t)len,
						  &err);
				assert_true(ev >= 0 || ev == MS_ECORRUPT);
				free(q);
			}
			ev = ms_resp_feed(&r, p, len, (uint32_t)len, &err);
			assert_true(ev >= 0);
			if (ev == MS_RESP_INFILE)
				ms_resp_infile_sent(&r);
			free(p);
		}
		assert_int_equal(ev, MS_RESP_DONE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(resp_query_captured),
	    cmocka_unit_test(resp_query_errors_and_oks),
	    cmocka_unit_test(resp_infile),
	    cmocka_unit_test(resp_prepare_execute_fetch),
	    cmocka_unit_test(resp_simple_commands),
	    cmocka_unit_test(resp_simple_built),
	    cmocka_unit_test(resp_mysql_cursor_and_sp),
	    cmocka_unit_test(resp_fe_rows),
	    cmocka_unit_test(resp_corrupt),
	    cmocka_unit_test(resp_short_avail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

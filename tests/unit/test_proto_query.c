/* Unit tests for the COM_QUERY classifier and the statement digest
 * (src/proto/query.c, src/proto/digest.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

static unsigned flags_of(const char *sql)
{
	struct ms_query_info q;

	assert_int_equal(ms_proto_query_classify(sql, strlen(sql), &q), 0);
	return q.flags;
}

#define FLAGS(sql, want)                                                       \
	do {                                                                   \
		unsigned got_ = flags_of(sql);                                 \
		if (got_ != (unsigned)(want))                                  \
			fail_msg("%s: flags 0x%x, want 0x%x", sql, got_,       \
				 (unsigned)(want));                            \
	} while (0)

static void classify_readonly(void **state)
{
	(void)state;
	FLAGS("SELECT 1", MS_Q_READONLY);
	FLAGS("  select * from t where a = 'x;y'", MS_Q_READONLY);
	FLAGS("(SELECT 1) UNION (SELECT 2)", MS_Q_READONLY);
	FLAGS("/* hi */ SELECT 1 -- trailing", MS_Q_READONLY);
	FLAGS("SHOW TABLES", MS_Q_READONLY);
	FLAGS("show full processlist", MS_Q_READONLY);
	FLAGS("DESC t", MS_Q_READONLY);
	FLAGS("describe t", MS_Q_READONLY);
	FLAGS("EXPLAIN SELECT * FROM t", MS_Q_READONLY);
	FLAGS("EXPLAIN ANALYZE SELECT * FROM t", 0);
	FLAGS("WITH c AS (SELECT 1) SELECT * FROM c", MS_Q_READONLY);
	FLAGS("WITH c AS (SELECT 1) UPDATE t, c SET t.a = 1", 0);
	FLAGS("SELECT 1; SELECT 2", MS_Q_READONLY | MS_Q_MULTI);
	FLAGS("SELECT 1;", MS_Q_READONLY);
	FLAGS("SELECT 1; -- just a comment", MS_Q_READONLY);
	FLAGS("SELECT 'FOR UPDATE', `into`.x FROM `into`", MS_Q_READONLY);
	FLAGS("SELECT @x, @@session.sql_mode", MS_Q_READONLY);
	FLAGS("SELECT LAST_INSERT_ID()", MS_Q_READONLY);
	/* not read-only */
	FLAGS("SELECT * FROM t FOR UPDATE", 0);
	FLAGS("SELECT * FROM t FOR SHARE", 0);
	FLAGS("SELECT * FROM t LOCK IN SHARE MODE", 0);
	FLAGS("SELECT a INTO OUTFILE '/tmp/x' FROM t", 0);
	FLAGS("SELECT SLEEP(1)", 0);
	FLAGS("SELECT RELEASE_LOCK('a')", 0);
	FLAGS("SELECT NEXTVAL(s)", 0);
	FLAGS("SELECT NEXT VALUE FOR s", 0);
	FLAGS("SELECT LAST_INSERT_ID(5)", 0);
	FLAGS("SELECT 1; UPDATE t SET a = 1", MS_Q_MULTI);
	FLAGS("INSERT INTO t VALUES (1)", 0);
	FLAGS("UPDATE t SET a = 'SELECT'", 0);
	FLAGS("BEGIN", 0);
	FLAGS("", 0);
	FLAGS(";", 0);
	FLAGS("-- only a comment", 0);
	/* an executable comment is code */
	FLAGS("/*!40101 SELECT 1 */", MS_Q_READONLY);
	FLAGS("SELECT 1 /*!50000 FOR UPDATE */", 0);
	/* an unterminated quote: flags 0, the server reports it */
	FLAGS("SELECT 'abc", 0);
	FLAGS("SELECT 1 /* open", 0);
}

static void classify_session_state(void **state)
{
	(void)state;
	FLAGS("CREATE TEMPORARY TABLE t (a int)", MS_Q_TEMP_TABLE);
	FLAGS("create or replace temporary table t (a int)", MS_Q_TEMP_TABLE);
	FLAGS("CREATE TABLE `temporary` (a int)", 0);
	FLAGS("DROP TEMPORARY TABLE IF EXISTS t", MS_Q_DROP_TEMP);
	FLAGS("DROP TABLE t", 0);
	FLAGS("SELECT GET_LOCK('a', 10)", MS_Q_GET_LOCK);
	FLAGS("SELECT get_lock ('a', 10)", MS_Q_GET_LOCK);
	FLAGS("SELECT 'GET_LOCK(1)'", MS_Q_READONLY);
	FLAGS("SELECT get_lock FROM t", MS_Q_READONLY);
	FLAGS("DO RELEASE_ALL_LOCKS()", MS_Q_RELEASE_ALL);
	FLAGS("LOCK TABLES t READ, u WRITE", MS_Q_LOCK_TABLES);
	FLAGS("lock table t write", MS_Q_LOCK_TABLES);
	FLAGS("UNLOCK TABLES", MS_Q_UNLOCK);
	FLAGS("unlock table", MS_Q_UNLOCK);
	FLAGS("SET @x = 1", MS_Q_USER_VAR);
	FLAGS("SET @`x y` = 1, @'z' := 2", MS_Q_USER_VAR);
	FLAGS("SET @@session.sql_mode = ''", 0);
	FLAGS("SET SESSION sql_mode = @old", MS_Q_USER_VAR);
	FLAGS("SELECT @x := 1", MS_Q_USER_VAR);
	FLAGS("SELECT a INTO @x FROM t", MS_Q_USER_VAR);
	FLAGS("SELECT a FROM t INTO @x, @y", MS_Q_USER_VAR);
	FLAGS("SELECT 'me@example.com'", MS_Q_READONLY);
	FLAGS("PREPARE s FROM 'SELECT 1'", MS_Q_SQL_PREPARE);
	FLAGS("EXECUTE s USING @a", MS_Q_SQL_PREPARE);
	FLAGS("DEALLOCATE PREPARE s", MS_Q_SQL_PREPARE);
	FLAGS("DROP PREPARE s", MS_Q_SQL_PREPARE);
	FLAGS("XA START 'x'", MS_Q_XA);
	FLAGS("xa commit 'x'", MS_Q_XA);
	FLAGS("SELECT 1; SET @x = 1", MS_Q_MULTI | MS_Q_USER_VAR);
	FLAGS("LOCK TABLES t READ; SELECT GET_LOCK('a', 1)",
	      MS_Q_MULTI | MS_Q_LOCK_TABLES | MS_Q_GET_LOCK);
}

static void classify_kill(void **state)
{
	static const struct {
		const char *sql;
		bool kill;
		uint64_t id;
		bool query;
	} cases[] = {
	    {"KILL 42", true, 42, false},
	    {"kill connection 7", true, 7, false},
	    {"KILL QUERY 18446744073709551615", true, UINT64_MAX, true},
	    {"KILL HARD QUERY 5", true, 5, true},
	    {"KILL SOFT CONNECTION 5", true, 5, false},
	    {"/* x */ KILL  99 ", true, 99, false},
	    {"KILL 42;", true, 42, false},
	    {"KILL QUERY ID 5", false, 0, false},
	    {"KILL USER bob", false, 0, false},
	    {"KILL 18446744073709551616", false, 0, false},
	    {"KILL 0x10", false, 0, false},
	    {"KILL 4 2", false, 0, false},
	    {"KILL CONNECTION_ID()", false, 0, false},
	    {"KILL", false, 0, false},
	    {"SELECT 'KILL 4'", false, 0, false},
	};
	struct ms_query_info q;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *s = cases[i].sql;

		assert_int_equal(ms_proto_query_classify(s, strlen(s), &q), 0);
		if (cases[i].kill != ((q.flags & MS_Q_KILL) != 0))
			fail_msg("%s: flags 0x%x", s, q.flags);
		if (!cases[i].kill)
			continue;
		assert_true(q.kill_id == cases[i].id);
		assert_int_equal(q.kill_query, cases[i].query);
		/* the span holds the id's digits */
		assert_true(q.kill_id_off + q.kill_id_len <= strlen(s));
		assert_true(s[q.kill_id_off] >= '0' && s[q.kill_id_off] <= '9');
		assert_false(s[q.kill_id_off + q.kill_id_len] >= '0' &&
			     s[q.kill_id_off + q.kill_id_len] <= '9');
	}
	assert_int_equal(ms_proto_query_classify("KILL 1; KILL 2", 14, &q), 0);
	assert_int_equal(q.flags, MS_Q_KILL | MS_Q_MULTI);
	assert_int_equal(q.kill_id, 1);
	assert_int_equal(q.kill_id_off, 5);
	assert_int_equal(q.kill_id_len, 1);
}

static void expect_digest(const char *sql, size_t max, const char *want)
{
	struct ms_buf b;

	ms_buf_init(&b, 1 << 16);
	assert_int_equal(ms_proto_digest(sql, strlen(sql), max, &b), 0);
	if (strcmp(ms_buf_str(&b), want) != 0)
		fail_msg("digest of [%s]: [%s], want [%s]", sql, ms_buf_str(&b),
			 want);
	ms_buf_free(&b);
}

static void digest_texts(void **state)
{
	(void)state;
	expect_digest("select * from t where a = 1 and b='x'", 1000,
		      "SELECT * FROM t WHERE a = ? AND b=?");
	expect_digest("  SELECT  /* c */ a,\n\tb FROM `t` # end", 1000,
		      "SELECT a, b FROM `t`");
	expect_digest(
	    "insert into t values (1.5, -2, 1e10, 1.5e-3, .5, "
	    "0x1F, X'0f', b'01', \"dq\", NULL)",
	    1000, "INSERT INTO t VALUES (?, -?, ?, ?, ?, ?, ?, ?, ?, NULL)");
	expect_digest("select t.a, t1.5x, db.t2.c from db.t2", 1000,
		      "SELECT t.a, t1.5x, db.t2.c FROM db.t2");
	expect_digest("SELECT 0b101, 0b12, 0x1g FROM t", 1000,
		      "SELECT ?, 0b12, 0x1g FROM t");
	expect_digest("SELECT 1abc, abc1 FROM t", 1000,
		      "SELECT 1abc, abc1 FROM t");
	expect_digest("/*!40101 SET NAMES utf8 */", 1000, "SET NAMES utf8");
	expect_digest("select 'it''s', 'a\\'b'", 1000, "SELECT ?, ?");
	expect_digest("select 'abc", 1000, "SELECT ?");
	expect_digest("", 1000, "");
	/* cut at <max> bytes, never inside a UTF-8 character */
	expect_digest("select a from t", 10, "SELECT a F");
	expect_digest("select \xc3\xa9t\xc3\xa9 from t", 8, "SELECT ");
	expect_digest("select \xc3\xa9t\xc3\xa9 from t", 9, "SELECT \xc3\xa9");
	expect_digest("select 1", 0, "");
}

static void digest_buffer_cap(void **state)
{
	struct ms_buf b;

	(void)state;
	ms_buf_init(&b, 4);
	assert_int_equal(ms_proto_digest("select 1", 8, 100, &b), MS_ETOOLARGE);
	ms_buf_free(&b);
}

/* Every prefix of a statement mixing every token kind, in a buffer of
 * exactly that size (ASan sees any read past it). */
static void prefixes(void **state)
{
	static const char sql[] =
	    "/*!50000 SELECT*/ @x := 1.5e-3, `a``b`, 'q\\'q', \"d\" -- c\n"
	    "# h\nFROM t INTO @y; KILL QUERY 12; SET @@a=@b /* x */ X'0f'";
	struct ms_query_info q;
	struct ms_buf b;
	size_t k;
	char *p;

	(void)state;
	ms_buf_init(&b, 1 << 16);
	for (k = 0; k < sizeof(sql); k++) {
		p = malloc(k ? k : 1);
		assert_non_null(p);
		memcpy(p, sql, k);
		assert_int_equal(ms_proto_query_classify(p, k, &q), 0);
		if (q.flags & MS_Q_KILL)
			assert_true(q.kill_id_off + q.kill_id_len <= k);
		ms_buf_reset(&b);
		assert_int_equal(ms_proto_digest(p, k, 1000, &b), 0);
		assert_null(memchr(b.ptr ? b.ptr : "", '\'', b.len));
		free(p);
	}
	ms_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(classify_readonly),
	    cmocka_unit_test(classify_session_state),
	    cmocka_unit_test(classify_kill),
	    cmocka_unit_test(digest_texts),
	    cmocka_unit_test(digest_buffer_cap),
	    cmocka_unit_test(prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

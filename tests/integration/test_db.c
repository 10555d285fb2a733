/* Integration tests for src/db/db.c against the sandbox servers
 * (scripts/sandbox): connect, auth failure, retries, TLS modes, query errors
 * and string quoting round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "it.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/uri.h"
#include "db/db.h"

/* Parses <uri_env>'s URI; <pw_env> (may be NULL) supplies the password. */
static void endpoint(struct ms_endpoint *ep, const char *uri_env,
		     const char *pw_env)
{
	struct ms_err err;

	memset(ep, 0, sizeof(*ep));
	ms_err_clear(&err);
	assert_int_equal(ms_endpoint_parse(it_env_or_skip(uri_env), ep, &err),
			 0);
	if (pw_env)
		assert_int_equal(
		    ms_endpoint_resolve_password(ep, pw_env, NULL, &err), 0);
}

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = v ? strdup(v) : NULL;
}

static FILE *capture_log(void)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	ms_log_set_stream(f);
	ms_log_set_level(MS_LOG_DEBUG);
	return f;
}

/* Counts <needle> in what was logged to <f>, then restores stderr. */
static int count_log(FILE *f, const char *needle)
{
	char line[4096];
	int n = 0;

	fflush(f);
	rewind(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			n++;
	ms_log_set_stream(stderr);
	ms_log_set_level(MS_LOG_WARN);
	fclose(f);
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void connect_and_version(void **state)
{
	struct ms_endpoint ep;
	struct ms_db_opts o = {.role = "source", .utc = true};
	struct ms_db *db;
	struct ms_err err;
	char *v = NULL;

	(void)state;
	endpoint(&ep, "MYSHIFT_SOURCE_ADMIN", NULL);
	assert_int_equal(ms_db_connect(&ep, &o, &db, &err), 0);
	assert_non_null(strstr(ms_db_server_version(db), "MariaDB"));
	assert_true(ms_db_is_mariadb(db));
	assert_true(ms_db_server_version_num(db) >= 100000);
	assert_string_equal(ms_db_role(db), "source");
	assert_int_equal(
	    ms_db_query_value(db, "SELECT @@session.time_zone", &v, &err), 0);
	assert_string_equal(v, "+00:00");
	free(v);
	assert_int_equal(
	    ms_db_query_value(db, "SELECT @@character_set_client", &v, &err),
	    0);
	assert_string_equal(v, "utf8mb4");
	free(v);
	assert_int_equal(ms_db_query_value(db, "SELECT NULL", &v, &err), 0);
	assert_null(v);
	assert_int_equal(
	    ms_db_query_value(db, "SELECT 1 FROM DUAL WHERE 0", &v, &err), 0);
	assert_null(v);
	ms_db_close(db);
	ms_endpoint_free(&ep);
}

static void wrong_password_is_auth_without_retry(void **state)
{
	static const char bad[] = "Wr0ng-Pa55word-xyzzy";
	struct ms_endpoint ep;
	struct ms_db_opts o = {
	    .role = "source", .retries = 3, .backoff_ms = 2000};
	struct ms_db *db = NULL;
	struct ms_err err;
	FILE *log;
	double t0;
	int rc;

	(void)state;
	endpoint(&ep, "MYSHIFT_SOURCE", NULL);
	set_str(&ep.password, bad);
	ep.has_password = true;
	log = capture_log();
	t0 = now_s();
	rc = ms_db_connect(&ep, &o, &db, &err);
	assert_int_equal(rc, MS_EAUTH);
	assert_null(db);
	/* Backoff would take 2 s for a single retry. */
	assert_true(now_s() - t0 < 1.5);
	assert_int_equal(count_log(log, "event=retry"), 0);
	assert_int_equal(err.sql_errno, 1045);
	assert_string_equal(err.sqlstate, "28000");
	assert_non_null(strstr(err.msg, "source"));
	assert_non_null(strstr(err.msg, "127.0.0.1:33061"));
	assert_non_null(strstr(err.msg, "Access denied"));
	assert_null(strstr(err.msg, bad));
	ms_endpoint_free(&ep);
}

static void closed_port_retries_then_connect_error(void **state)
{
	struct ms_endpoint ep;
	struct ms_db_opts o = {.role = "target",
			       .retries = 2,
			       .backoff_ms = 1,
			       .connect_timeout_s = 2};
	struct ms_db *db = NULL;
	struct ms_err err;
	FILE *log;
	int rc;

	(void)state;
	endpoint(&ep, "MYSHIFT_SOURCE_ADMIN", NULL);
	ep.port = 1; /* nothing listens on tcp/1 here */
	log = capture_log();
	rc = ms_db_connect(&ep, &o, &db, &err);
	assert_int_equal(count_log(log, "event=retry"), 2);
	assert_int_equal(rc, MS_ECONNECT);
	assert_null(db);
	assert_true(err.sql_errno == 2002 || err.sql_errno == 2003);
	assert_non_null(strstr(err.msg, "target 127.0.0.1:1"));
	assert_null(strstr(err.msg, "sandbox-admin-pw"));
	ms_endpoint_free(&ep);
}

/* Connects to the target as the migration user with <mode> and <ca>. */
static int tls_connect(enum ms_ssl_mode mode, const char *ca, struct ms_db **db,
		       struct ms_err *err)
{
	struct ms_endpoint ep;
	struct ms_db_opts o = {.role = "target"};
	int rc;

	endpoint(&ep, "MYSHIFT_TARGET", "MYSHIFT_TARGET_PASSWORD");
	ep.ssl_mode = mode;
	set_str(&ep.ssl_ca, ca);
	rc = ms_db_connect(&ep, &o, db, err);
	ms_endpoint_free(&ep);
	return rc;
}

static void tls_modes(void **state)
{
	const char *ca = it_env_or_skip("MYSHIFT_SANDBOX_CA");
	const char *other = getenv("MYSHIFT_SANDBOX_OTHER_CA");
	struct ms_db *db;
	struct ms_err err;
	char *cipher = NULL;

	(void)state;
	assert_int_equal(tls_connect(MS_SSL_VERIFY_CA, ca, &db, &err), 0);
	assert_true(ms_db_uses_tls(db));
	assert_int_equal(ms_db_query_value(db, "SHOW STATUS LIKE 'Ssl_cipher'",
					   &cipher, &err),
			 0);
	free(cipher);
	ms_db_close(db);

	assert_int_equal(tls_connect(MS_SSL_VERIFY_IDENTITY, ca, &db, &err), 0);
	assert_true(ms_db_uses_tls(db));
	ms_db_close(db);

	assert_int_equal(tls_connect(MS_SSL_REQUIRED, NULL, &db, &err), 0);
	assert_true(ms_db_uses_tls(db));
	ms_db_close(db);

	assert_int_equal(tls_connect(MS_SSL_PREFERRED, NULL, &db, &err), 0);
	assert_true(ms_db_uses_tls(db));
	ms_db_close(db);

	assert_int_equal(tls_connect(MS_SSL_DISABLED, NULL, &db, &err), 0);
	assert_false(ms_db_uses_tls(db));
	ms_db_close(db);

	/* A CA that did not sign the server's certificate. */
	if (!other)
		other = "/etc/ssl/certs/ca-certificates.crt";
	assert_int_equal(tls_connect(MS_SSL_VERIFY_CA, other, &db, &err),
			 MS_ETLS);
	assert_null(db);
	assert_non_null(strstr(err.msg, "target 127.0.0.1:33062"));

	/* VERIFY_CA without a CA is a configuration error, before any I/O. */
	assert_int_equal(tls_connect(MS_SSL_VERIFY_CA, NULL, &db, &err),
			 MS_ECONFIG);
}

static struct ms_db *admin(const char *role)
{
	struct ms_endpoint ep;
	struct ms_db_opts o = {.role = role};
	struct ms_db *db;
	struct ms_err err;

	endpoint(&ep, "MYSHIFT_SOURCE_ADMIN", NULL);
	if (ms_db_connect(&ep, &o, &db, &err))
		fail_msg("connect: %s", err.msg);
	ms_endpoint_free(&ep);
	return db;
}

static void query_errors_carry_errno_and_sqlstate(void **state)
{
	struct ms_db *db = admin("source");
	struct ms_db_result *r = NULL;
	struct ms_err err;

	(void)state;
	assert_int_equal(ms_db_query(db, "SELEC 1", &r, &err), MS_ESQL);
	assert_null(r);
	assert_int_equal(err.sql_errno, 1064);
	assert_string_equal(err.sqlstate, "42000");
	assert_non_null(strstr(err.msg, "source 127.0.0.1:33061"));
	assert_int_equal(ms_db_exec(db, "SELECT * FROM it_db_none.t", &err),
			 MS_ESQL);
	assert_true(err.sql_errno == 1146 || err.sql_errno == 1049);
	assert_string_equal(err.sqlstate,
			    err.sql_errno == 1146 ? "42S02" : "42000");
	/* A server-side statement timeout is MS_ETIMEOUT, errno kept. */
	assert_int_equal(ms_db_exec(db,
				    "SET STATEMENT max_statement_time=0.05 "
				    "FOR SELECT SLEEP(2)",
				    &err),
			 MS_ETIMEOUT);
	assert_int_equal(err.sql_errno, 1969);
	/* The connection is still usable after errors. */
	assert_int_equal(ms_db_query(db, "SELECT 1 AS a, NULL AS b", &r, &err),
			 0);
	assert_int_equal(ms_db_result_nrows(r), 1);
	assert_int_equal(ms_db_result_ncols(r), 2);
	assert_int_equal(ms_db_result_col(r, "B"), 1);
	assert_int_equal(ms_db_result_col(r, "c"), -1);
	assert_string_equal(ms_db_result_get(r, 0, 0), "1");
	assert_null(ms_db_result_get(r, 0, 1));
	assert_null(ms_db_result_get(r, 1, 0));
	assert_null(ms_db_result_get(r, 0, 2));
	ms_db_result_free(r);
	ms_db_close(db);
}

struct nasty {
	const char *s;
	size_t len;
};

#define NASTY(lit)                                                             \
	{                                                                      \
		lit, sizeof(lit) - 1                                           \
	}

static void roundtrip_all(struct ms_db *db)
{
	static const struct nasty cases[] = {
	    NASTY(""),
	    NASTY("plain"),
	    NASTY("it's"),
	    NASTY("''"),
	    NASTY("\\"),
	    NASTY("back\\slash\\'quote"),
	    NASTY("\"double\""),
	    NASTY("nul\0inside"),
	    NASTY("\0"),
	    NASTY("ends with backslash\\"),
	    NASTY("\xf0\x9f\x90\xac dolphin \xe6\x97\xa5"),
	    NASTY("new\nline\r\ttab\x1a"),
	    NASTY("%_ wildcards"),
	    NASTY("'; DROP TABLE x; -- "),
	};
	struct ms_buf sql;
	struct ms_db_result *r;
	struct ms_err err;
	size_t i;

	ms_buf_init(&sql, 4096);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ms_buf_reset(&sql);
		assert_int_equal(ms_buf_addstr(&sql, "SELECT "), 0);
		assert_int_equal(
		    ms_db_quote_string(db, &sql, cases[i].s, cases[i].len), 0);
		assert_int_equal(strlen(ms_buf_str(&sql)), sql.len);
		if (ms_db_query(db, ms_buf_str(&sql), &r, &err))
			fail_msg("case %zu: %s: %s", i, ms_buf_str(&sql),
				 err.msg);
		assert_int_equal(ms_db_result_len(r, 0, 0), cases[i].len);
		assert_memory_equal(ms_db_result_get(r, 0, 0), cases[i].s,
				    cases[i].len);
		ms_db_result_free(r);
	}
	ms_buf_free(&sql);
}

static void quote_string_roundtrips(void **state)
{
	struct ms_db *db = admin("source");
	struct ms_err err;
	struct ms_buf b;

	(void)state;
	assert_int_equal(ms_db_exec(db, "SET SESSION sql_mode = ''", &err), 0);
	roundtrip_all(db);
	assert_int_equal(ms_db_exec(db,
				    "SET SESSION sql_mode = "
				    "'NO_BACKSLASH_ESCAPES,ANSI_QUOTES'",
				    &err),
			 0);
	ms_buf_init(&b, 64);
	assert_int_equal(ms_db_quote_string(db, &b, "a\\'b", 4), 0);
	assert_string_equal(ms_buf_str(&b), "'a\\''b'");
	ms_buf_free(&b);
	roundtrip_all(db);
	ms_db_close(db);
}

static void transient_errnos(void **state)
{
	(void)state;
	assert_true(ms_db_errno_transient(2013));
	assert_true(ms_db_errno_transient(2006));
	assert_true(ms_db_errno_transient(1213));
	assert_true(ms_db_errno_transient(1205));
	assert_true(ms_db_errno_transient(1040));
	assert_false(ms_db_errno_transient(1045));
	assert_false(ms_db_errno_transient(2026));
	assert_false(ms_db_errno_transient(1064));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(connect_and_version),
	    cmocka_unit_test(wrong_password_is_auth_without_retry),
	    cmocka_unit_test(closed_port_retries_then_connect_error),
	    cmocka_unit_test(tls_modes),
	    cmocka_unit_test(query_errors_carry_errno_and_sqlstate),
	    cmocka_unit_test(quote_string_roundtrips),
	    cmocka_unit_test(transient_errnos),
	};

	it_env_or_skip("MYSHIFT_SOURCE_ADMIN");
	return cmocka_run_group_tests(tests, NULL, NULL);
}

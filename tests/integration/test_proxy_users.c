/* Integration tests for the proxy's users from the source (src/proxy/
 * users.c) against the sandbox: which accounts are usable and why not,
 * hashes read from mysql.global_priv, host order, config users winning,
 * and the message naming the GRANT when the privilege is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "it.h"
#include "core/uri.h"
#include "db/db.h"
#include "proxy/users.h"

static void admin_exec(const char *const *stmts)
{
	struct ms_endpoint ep;
	struct ms_db *db;
	struct ms_err err;
	size_t i;

	it_endpoint(&ep, "MYSHIFT_SOURCE_ADMIN", NULL);
	if (ms_db_connect(&ep, NULL, &db, &err))
		fail_msg("admin connect: %s", err.msg);
	for (i = 0; stmts[i]; i++)
		if (ms_db_exec(db, stmts[i], &err))
			fail_msg("%s: %s", stmts[i], err.msg);
	ms_db_close(db);
	ms_endpoint_free(&ep);
}

static const char *const drop[] = {
    "SET SESSION sql_log_bin = 0",
    "DROP USER IF EXISTS 'px_native'@'%', 'px_native'@'127.0.0.1', "
    "'px_native'@'10.0.%', 'px_sock'@'localhost', 'px_locked'@'%', "
    "'px_empty'@'%', 'px_or'@'%', 'px_noread'@'%'",
    NULL};

static int setup(void **state)
{
	static const char *const create[] = {
	    "SET SESSION sql_log_bin = 0",
	    "CREATE USER 'px_native'@'%' IDENTIFIED BY 'pw-any'",
	    "CREATE USER 'px_native'@'127.0.0.1' IDENTIFIED BY 'pw-local'",
	    "CREATE USER 'px_native'@'10.0.%' IDENTIFIED BY 'pw-ten'",
	    "CREATE USER 'px_sock'@'localhost' IDENTIFIED VIA unix_socket",
	    "CREATE USER 'px_locked'@'%' IDENTIFIED BY 'x' ACCOUNT LOCK",
	    "CREATE USER 'px_empty'@'%'",
	    "CREATE USER 'px_or'@'%' IDENTIFIED VIA unix_socket OR "
	    "mysql_native_password USING PASSWORD('pw-or')",
	    "CREATE USER 'px_noread'@'%' IDENTIFIED BY 'pw-noread'",
	    NULL};

	(void)state;
	it_env_or_skip("MYSHIFT_SOURCE_ADMIN");
	admin_exec(drop);
	admin_exec(create);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	admin_exec(drop);
	return 0;
}

static void stage2_of(const char *pw, uint8_t out[20])
{
	uint8_t s1[20];

	SHA1((const unsigned char *)pw, strlen(pw), s1);
	SHA1(s1, 20, out);
}

static struct ms_user *find(struct ms_users *us, const char *name,
			    const char *ip)
{
	return ms_users_find(us, name, strlen(name), ip);
}

static void load_from_source(void **state)
{
	struct ms_endpoint src;
	struct ms_users us = {0};
	struct ms_err err;
	struct ms_user *u;
	uint8_t h[20];
	int n;

	(void)state;
	it_endpoint(&src, "MYSHIFT_SOURCE", "MYSHIFT_SOURCE_PASSWORD");
	n = ms_users_load_source(&us, &src, &err);
	if (n < 0)
		fail_msg("load: %s", err.msg);
	assert_true(n >= 8);
	assert_int_equal((size_t)n, us.n);

	u = find(&us, "px_native", "127.0.0.1");
	assert_non_null(u);
	assert_string_equal(u->host, "127.0.0.1");
	assert_true(u->usable && u->from_source && !u->has_stage1);
	stage2_of("pw-local", h);
	assert_memory_equal(u->stage2, h, 20);
	u = find(&us, "px_native", "10.0.3.4");
	assert_string_equal(u->host, "10.0.%");
	stage2_of("pw-ten", h);
	assert_memory_equal(u->stage2, h, 20);
	u = find(&us, "px_native", "192.0.2.1");
	assert_string_equal(u->host, "%");
	stage2_of("pw-any", h);
	assert_memory_equal(u->stage2, h, 20);

	u = find(&us, "px_sock", "::1");
	assert_non_null(u);
	assert_false(u->usable);
	assert_non_null(strstr(u->why, "unix_socket"));
	assert_null(find(&us, "px_sock", "10.1.1.1"));

	u = find(&us, "px_locked", "1.2.3.4");
	assert_false(u->usable);
	assert_non_null(strstr(u->why, "locked"));

	u = find(&us, "px_empty", "1.2.3.4");
	assert_true(u->usable && u->empty_password);

	u = find(&us, "px_or", "1.2.3.4");
	assert_true(u->usable);
	stage2_of("pw-or", h);
	assert_memory_equal(u->stage2, h, 20);

	/* The sandbox's own myshift user, with its real hash. */
	u = find(&us, "myshift", "127.0.0.1");
	assert_true(u->usable);
	stage2_of(getenv("MYSHIFT_SOURCE_PASSWORD"), h);
	assert_memory_equal(u->stage2, h, 20);
	ms_users_free(&us);
	ms_endpoint_free(&src);
}

static void config_user_wins(void **state)
{
	struct ms_endpoint src;
	struct ms_users us = {0};
	struct ms_err err;
	size_t i, count = 0;

	(void)state;
	it_endpoint(&src, "MYSHIFT_SOURCE", "MYSHIFT_SOURCE_PASSWORD");
	assert_int_equal(ms_users_add_spec(&us, "px_native:other", &err), 0);
	assert_true(ms_users_load_source(&us, &src, &err) > 0);
	for (i = 0; i < us.n; i++)
		if (!strcmp(us.v[i].name, "px_native"))
			count++;
	assert_int_equal(count, 1);
	assert_false(find(&us, "px_native", "127.0.0.1")->from_source);
	ms_users_free(&us);
	ms_endpoint_free(&src);
}

static void missing_privilege_names_grant(void **state)
{
	struct ms_endpoint src;
	struct ms_users us = {0};
	struct ms_err err;
	char uri[512];

	(void)state;
	snprintf(uri, sizeof(uri), "mysql://px_noread:pw-noread@%s",
		 strstr(it_env_or_skip("MYSHIFT_SOURCE"), "@") + 1);
	memset(&src, 0, sizeof(src));
	assert_int_equal(ms_endpoint_parse(uri, &src, &err), 0);
	ms_err_clear(&err);
	assert_int_equal(ms_users_load_source(&us, &src, &err), MS_ESQL);
	if (!strstr(err.msg, "GRANT SELECT ON mysql.global_priv TO "
			     "'px_noread'@'%'"))
		fail_msg("message: %s", err.msg);
	assert_int_equal(err.sql_errno, 1142);
	assert_null(strstr(err.msg, "pw-noread"));
	assert_int_equal(us.n, 0);
	ms_users_free(&us);
	ms_endpoint_free(&src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(load_from_source),
	    cmocka_unit_test(config_user_wins),
	    cmocka_unit_test(missing_privilege_names_grant),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* Unit tests for proxy users: config specs (hashes, never the password in
 * a message), source accounts (which are usable and why not), host
 * patterns and the most specific match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "proto/proto.h"
#include "proxy/users.h"

#define PW "n0t-in-any-Message"

/* stage2 of PW computed here with OpenSSL, independently of proto. */
static void expected_hashes(const char *pw, uint8_t s1[20], uint8_t s2[20],
			    uint8_t dbl[32])
{
	uint8_t one[32];

	SHA1((const unsigned char *)pw, strlen(pw), s1);
	SHA1(s1, 20, s2);
	SHA256((const unsigned char *)pw, strlen(pw), one);
	SHA256(one, 32, dbl);
}

static void spec_password(void **state)
{
	struct ms_users us = {0};
	struct ms_err err;
	uint8_t s1[20], s2[20], dbl[32];
	struct ms_user *u;

	(void)state;
	assert_int_equal(ms_users_add_spec(&us, "app:" PW, &err), 0);
	assert_int_equal(us.n, 1);
	u = &us.v[0];
	expected_hashes(PW, s1, s2, dbl);
	assert_string_equal(u->name, "app");
	assert_string_equal(u->host, "%");
	assert_true(u->usable);
	assert_false(u->empty_password);
	assert_true(u->has_stage1);
	assert_true(u->has_sha2);
	assert_false(u->from_source);
	assert_memory_equal(u->stage1, s1, 20);
	assert_memory_equal(u->stage2, s2, 20);
	assert_memory_equal(u->sha2, dbl, 32);
	/* A password with ':' keeps everything after the first one. */
	assert_int_equal(ms_users_add_spec(&us, "b:x:y", &err), 0);
	expected_hashes("x:y", s1, s2, dbl);
	assert_memory_equal(us.v[1].stage2, s2, 20);
	ms_users_free(&us);
	assert_null(us.v);
}

static void spec_hash_and_empty(void **state)
{
	struct ms_users us = {0};
	struct ms_err err;
	static const uint8_t zero[20];
	uint8_t s1[20], s2[20], dbl[32];
	char spec[64] = "h:*";
	size_t i;

	(void)state;
	expected_hashes(PW, s1, s2, dbl);
	for (i = 0; i < 20; i++)
		snprintf(spec + 3 + 2 * i, 3, "%02x", s2[i]);
	assert_int_equal(ms_users_add_spec(&us, spec, &err), 0);
	assert_true(us.v[0].usable);
	assert_false(us.v[0].has_stage1);
	assert_false(us.v[0].has_sha2);
	assert_memory_equal(us.v[0].stage2, s2, 20);

	assert_int_equal(ms_users_add_spec(&us, "nopw:", &err), 0);
	assert_true(us.v[1].usable);
	assert_true(us.v[1].empty_password);
	assert_memory_equal(us.v[1].stage2, zero, 20);
	assert_false(us.v[1].has_stage1);
	ms_users_free(&us);
}

static void expect_spec_error(const char *spec, const char *needle)
{
	struct ms_users us = {0};
	struct ms_err err;

	ms_err_clear(&err);
	assert_int_equal(ms_users_add_spec(&us, "dup:x", &err), 0);
	assert_int_equal(ms_users_add_spec(&us, spec, &err), MS_ECONFIG);
	if (!strstr(err.msg, needle))
		fail_msg("'%s': message '%s' lacks '%s'", spec, err.msg,
			 needle);
	if (strstr(err.msg, PW) || strstr(err.msg, "G0000"))
		fail_msg("'%s': message '%s' shows the password", spec,
			 err.msg);
	assert_int_equal(us.n, 1);
	ms_users_free(&us);
}

static void spec_errors(void **state)
{
	char longname[200];

	(void)state;
	expect_spec_error(PW, "without ':'");
	expect_spec_error(":" PW, "empty name");
	expect_spec_error("bob:*G000000000000000000000000000000000000000",
			  "user 'bob': bad mysql_native_password hash");
	expect_spec_error("dup:" PW, "user 'dup' given twice");
	memset(longname, 'u', 150);
	memcpy(longname + 150, ":" PW, sizeof(":" PW));
	expect_spec_error(longname, "longer than 128");
}

static void host_patterns(void **state)
{
	(void)state;
	assert_true(ms_users_host_match("%", "10.1.2.3"));
	assert_true(ms_users_host_match("", "::1"));
	assert_true(ms_users_host_match("localhost", "127.0.0.1"));
	assert_true(ms_users_host_match("LocalHost", "::1"));
	assert_false(ms_users_host_match("localhost", "10.0.0.1"));
	assert_true(ms_users_host_match("10.0.%", "10.0.7.9"));
	assert_false(ms_users_host_match("10.0.%", "10.1.7.9"));
	assert_true(ms_users_host_match("10.0.0._", "10.0.0.7"));
	assert_false(ms_users_host_match("10.0.0._", "10.0.0.17"));
	assert_true(ms_users_host_match("10.0.0.0/255.0.0.0", "10.200.3.4"));
	assert_false(ms_users_host_match("10.0.0.0/255.0.0.0", "11.0.0.1"));
	assert_true(ms_users_host_match("192.168.1.0/24", "192.168.1.77"));
	assert_false(ms_users_host_match("192.168.1.0/24", "192.168.2.1"));
	assert_false(ms_users_host_match("192.168.1.0/33", "192.168.1.1"));
	assert_false(ms_users_host_match("10.0.0.0/255.0.0.0", "::1"));
	assert_true(ms_users_host_match("10.0.0.1", "::ffff:10.0.0.1"));
	assert_true(ms_users_host_match("FE80::%", "fe80::1"));
	assert_true(ms_users_host_match("127.0.0.1", "127.0.0.1"));
	assert_false(ms_users_host_match("app.example.com", "10.0.0.1"));
	assert_false(ms_users_host_match(NULL, "10.0.0.1"));
}

static void add(struct ms_users *us, const char *name, const char *host,
		const char *plugin, const char *auth, const char *locked)
{
	struct ms_err err;

	assert_int_equal(
	    ms_users_add_account(us, name, host, plugin, auth, locked, &err),
	    0);
}

#define HASH "*6458F9677BA1D30E3A1C55BF58CFD8CCED599BAA"

static void source_accounts(void **state)
{
	struct ms_users us = {0};
	struct ms_user *u;

	(void)state;
	add(&us, "app", "%", "mysql_native_password", HASH, NULL);
	add(&us, "app", "10.0.%", "", HASH, NULL);
	add(&us, "app", "10.0.0.5", "mysql_native_password", HASH, NULL);
	add(&us, "app", "10.0.0.0/255.255.0.0", "mysql_native_password", HASH,
	    NULL);
	add(&us, "app", "10.%", "mysql_native_password", HASH, NULL);
	add(&us, "root", "localhost", "", "", NULL);
	add(&us, "sha", "%", "caching_sha2_password", "$A$005$xx", NULL);
	add(&us, "gone", "%", "mysql_native_password", HASH,
	    "account is locked");
	add(&us, "bad", "%", "mysql_native_password", "invalid", NULL);
	ms_users_sort(&us);
	assert_string_equal(us.v[0].host, "10.0.0.5");
	assert_string_equal(us.v[1].host, "10.0.0.0/255.255.0.0");
	assert_string_equal(us.v[2].host, "10.0.%");
	assert_string_equal(us.v[3].host, "10.%");
	assert_string_equal(us.v[4].host, "%");

	assert_string_equal(ms_users_find(&us, "app", 3, "10.0.0.5")->host,
			    "10.0.0.5");
	assert_string_equal(ms_users_find(&us, "app", 3, "10.0.9.9")->host,
			    "10.0.0.0/255.255.0.0");
	assert_string_equal(ms_users_find(&us, "app", 3, "10.1.9.9")->host,
			    "10.%");
	assert_string_equal(ms_users_find(&us, "app", 3, "172.16.0.1")->host,
			    "%");
	/* A name given with its length, not NUL-terminated. */
	assert_non_null(ms_users_find(&us, "appX", 3, "1.2.3.4"));
	assert_null(ms_users_find(&us, "ap", 2, "1.2.3.4"));
	assert_null(ms_users_find(&us, "root", 4, "10.0.0.1"));
	u = ms_users_find(&us, "root", 4, "::1");
	assert_non_null(u);
	assert_true(u->usable);
	assert_true(u->empty_password);
	u = ms_users_find(&us, "sha", 3, "1.2.3.4");
	assert_false(u->usable);
	assert_non_null(strstr(u->why, "caching_sha2_password"));
	u = ms_users_find(&us, "gone", 4, "1.2.3.4");
	assert_false(u->usable);
	assert_non_null(strstr(u->why, "account is locked"));
	u = ms_users_find(&us, "bad", 3, "1.2.3.4");
	assert_false(u->usable);
	assert_non_null(strstr(u->why, "40 hex digits"));
	assert_true(us.v[0].from_source);
	ms_users_free(&us);
}

static void config_user_wins(void **state)
{
	struct ms_users us = {0};
	struct ms_err err;
	struct ms_user *u;

	(void)state;
	add(&us, "app", "%", "caching_sha2_password", "x", NULL);
	add(&us, "app", "10.%", "caching_sha2_password", "x", NULL);
	add(&us, "other", "%", "", HASH, NULL);
	assert_int_equal(ms_users_add_spec(&us, "app:" PW, &err), 0);
	assert_int_equal(us.n, 2);
	u = ms_users_find(&us, "app", 3, "10.0.0.1");
	assert_non_null(u);
	assert_true(u->usable);
	assert_false(u->from_source);
	assert_string_equal(u->host, "%");
	assert_non_null(ms_users_find(&us, "other", 5, "1.1.1.1"));
	ms_users_free(&us);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(spec_password),
	    cmocka_unit_test(spec_hash_and_empty),
	    cmocka_unit_test(spec_errors),
	    cmocka_unit_test(host_patterns),
	    cmocka_unit_test(source_accounts),
	    cmocka_unit_test(config_user_wins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

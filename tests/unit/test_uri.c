/* Unit tests for endpoint URIs: grammar, errors with offsets, password
 * sources and precedence, redaction, display form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/log.h"
#include "core/uri.h"

#define PW "Sup3r-S3cret"

static int teardown(void **state)
{
	(void)state;
	ms_log_secrets_clear();
	unsetenv("MS_TEST_PW");
	return 0;
}

/* Parses <uri>, which must fail with <code>; the message must contain
 * <needle> and must not contain PW (nor <secret> when given). */
static void expect_fail(const char *uri, int code, const char *needle,
			const char *secret)
{
	struct ms_endpoint ep;
	struct ms_err err;
	int rc;

	ms_err_clear(&err);
	rc = ms_endpoint_parse(uri, &ep, &err);
	if (rc != code || !strstr(err.msg, needle))
		print_error("uri '%s': rc=%d msg='%s', want rc=%d with '%s'\n",
			    uri, rc, err.msg, code, needle);
	assert_int_equal(rc, code);
	assert_int_equal(err.code, code);
	assert_non_null(strstr(err.msg, needle));
	assert_null(strstr(err.msg, PW));
	if (secret)
		assert_null(strstr(err.msg, secret));
	assert_null(ep.user); /* nothing left to free */
	assert_null(ep.password);
	assert_null(ep.host);
	ms_endpoint_free(&ep);
}

static void parse_full(void **state)
{
	struct ms_endpoint ep;
	struct ms_err err;

	(void)state;
	assert_int_equal(
	    ms_endpoint_parse("mysql://app:" PW "@db1.example.com:3307/shop"
			      "?ssl-mode=verify_identity&ssl-ca=/etc/ca.pem"
			      "&ssl-cert=/c.pem&ssl-key=/k.pem"
			      "&connect-timeout=5&read-timeout=30"
			      "&write-timeout=60",
			      &ep, &err),
	    0);
	assert_string_equal(ep.user, "app");
	assert_string_equal(ep.password, PW);
	assert_true(ep.has_password);
	assert_string_equal(ep.host, "db1.example.com");
	assert_int_equal(ep.port, 3307);
	assert_string_equal(ep.db, "shop");
	assert_int_equal(ep.ssl_mode, MS_SSL_VERIFY_IDENTITY);
	assert_string_equal(ep.ssl_ca, "/etc/ca.pem");
	assert_string_equal(ep.ssl_cert, "/c.pem");
	assert_string_equal(ep.ssl_key, "/k.pem");
	assert_int_equal(ep.connect_timeout_s, 5);
	assert_int_equal(ep.read_timeout_s, 30);
	assert_int_equal(ep.write_timeout_s, 60);
	ms_endpoint_free(&ep);
	assert_null(ep.user);
	ms_endpoint_free(NULL);
}

static void parse_minimal_defaults(void **state)
{
	struct ms_endpoint ep;

	(void)state;
	assert_int_equal(ms_endpoint_parse("MySQL://root@h", &ep, NULL), 0);
	assert_string_equal(ep.user, "root");
	assert_null(ep.password);
	assert_false(ep.has_password);
	assert_string_equal(ep.host, "h");
	assert_int_equal(ep.port, MS_DEFAULT_PORT);
	assert_null(ep.db);
	assert_int_equal(ep.ssl_mode, MS_SSL_PREFERRED);
	assert_null(ep.ssl_ca);
	assert_int_equal(ep.connect_timeout_s, 0);
	ms_endpoint_free(&ep);

	/* empty password, empty db, empty query pairs */
	assert_int_equal(
	    ms_endpoint_parse("mysql://u:@h/?&ssl-mode=DISABLED&", &ep, NULL),
	    0);
	assert_true(ep.has_password);
	assert_string_equal(ep.password, "");
	assert_null(ep.db);
	assert_int_equal(ep.ssl_mode, MS_SSL_DISABLED);
	ms_endpoint_free(&ep);
}

static void parse_ipv6(void **state)
{
	struct ms_endpoint ep;

	(void)state;
	assert_int_equal(ms_endpoint_parse("mysql://u@[::1]:3310/d", &ep, NULL),
			 0);
	assert_string_equal(ep.host, "::1");
	assert_int_equal(ep.port, 3310);
	assert_string_equal(ep.db, "d");
	ms_endpoint_free(&ep);
	assert_int_equal(
	    ms_endpoint_parse("mysql://u@[2001:db8::ffff:10.0.0.1]", &ep, NULL),
	    0);
	assert_string_equal(ep.host, "2001:db8::ffff:10.0.0.1");
	assert_int_equal(ep.port, 3306);
	ms_endpoint_free(&ep);
	expect_fail("mysql://u@[::1", MS_EPARSE,
		    "unterminated '[' in host at offset 10", NULL);
	expect_fail("mysql://u@[]", MS_EPARSE, "bad IPv6 address at offset 10",
		    NULL);
	expect_fail("mysql://u@[::g]", MS_EPARSE,
		    "invalid character in IPv6 address 'g' at offset 13", NULL);
	expect_fail("mysql://u@[::1]x", MS_EPARSE,
		    "unexpected character after host 'x' at offset 15", NULL);
	expect_fail("mysql://u@[::1]:", MS_EPARSE, "empty port at offset 16",
		    NULL);
}

static void parse_percent_encoding(void **state)
{
	struct ms_endpoint ep;

	(void)state;
	assert_int_equal(ms_endpoint_parse("mysql://us%40er:p%3Fa%25ss%20x@h/"
					   "my%2Fdb?ssl-ca=/a%20b/ca.pem",
					   &ep, NULL),
			 0);
	assert_string_equal(ep.user, "us@er");
	assert_string_equal(ep.password, "p?a%ss x");
	assert_string_equal(ep.db, "my/db");
	assert_string_equal(ep.ssl_ca, "/a b/ca.pem");
	ms_endpoint_free(&ep);

	/* raw '@', ':' and '/' in the password: the last '@' ends it */
	assert_int_equal(
	    ms_endpoint_parse("mysql://u:p@s:s/w@h:1/d", &ep, NULL), 0);
	assert_string_equal(ep.user, "u");
	assert_string_equal(ep.password, "p@s:s/w");
	assert_string_equal(ep.host, "h");
	assert_int_equal(ep.port, 1);
	ms_endpoint_free(&ep);

	expect_fail("mysql://u%4@h", MS_EPARSE,
		    "bad percent escape in user at offset 9", NULL);
	expect_fail("mysql://u:ab%zz" PW "@h", MS_EPARSE,
		    "bad percent escape in password at offset 12", NULL);
	expect_fail("mysql://u:" PW "%@h", MS_EPARSE,
		    "bad percent escape in password at offset 22", NULL);
	expect_fail("mysql://u:" PW "%00@h", MS_EPARSE,
		    "escaped control character in password at offset 22", NULL);
	expect_fail("mysql://u%0a@h", MS_EPARSE,
		    "escaped control character in user at offset 9", NULL);
	expect_fail("mysql://u@h/d%g1", MS_EPARSE,
		    "bad percent escape in db at offset 13", NULL);
	expect_fail("mysql://u@h?ssl-ca=%", MS_EPARSE,
		    "bad percent escape in ssl-ca at offset 19", NULL);
}

static void parse_password_registered(void **state)
{
	struct ms_endpoint ep;
	struct ms_buf b;

	(void)state;
	assert_int_equal(ms_endpoint_parse("mysql://u:" PW "%21@h", &ep, NULL),
			 0);
	assert_string_equal(ep.password, PW "!");
	ms_buf_init(&b, 1024);
	assert_int_equal(ms_redact("a " PW "! b " PW "%21 c", &b), 0);
	assert_string_equal(ms_buf_str(&b), "a *** b *** c");
	ms_buf_free(&b);
	ms_endpoint_free(&ep);
}

static void parse_errors_name_part_and_offset(void **state)
{
	char longuri[MS_URI_MAX + 16];

	(void)state;
	expect_fail("", MS_EPARSE, "missing 'mysql://' scheme at offset 0",
		    NULL);
	expect_fail("postgres://u@h", MS_EPARSE, "missing 'mysql://' scheme",
		    NULL);
	expect_fail("mysql:/u@h", MS_EPARSE, "scheme", NULL);
	expect_fail("mysql://h:3306", MS_EPARSE, "missing 'user@' at offset 8",
		    NULL);
	expect_fail("mysql://u:" PW "?x@h", MS_EPARSE, "missing 'user@'", NULL);
	expect_fail("mysql://:" PW "@h", MS_EPARSE, "empty user at offset 8",
		    NULL);
	expect_fail("mysql://@h", MS_EPARSE, "empty user at offset 8", NULL);
	expect_fail("mysql://u@", MS_EPARSE, "empty host at offset 10", NULL);
	expect_fail("mysql://u:" PW "@:3306", MS_EPARSE,
		    "empty host at offset 23", NULL);
	expect_fail("mysql://u:" PW "@/db", MS_EPARSE,
		    "empty host at offset 23", NULL);
	expect_fail("mysql://u@h:0", MS_EPARSE,
		    "bad port '0' at offset 12 (1..65535)", NULL);
	expect_fail("mysql://u@h:65536", MS_EPARSE,
		    "bad port '65536' at offset 12", NULL);
	expect_fail("mysql://u@h:99999999999999999999999", MS_EPARSE,
		    "bad port '9999999999", NULL);
	expect_fail("mysql://u@h:33a6", MS_EPARSE,
		    "non-digit in port: 'a' at offset 14", NULL);
	expect_fail("mysql://u@h:-1", MS_EPARSE,
		    "non-digit in port: '-' at offset 12", NULL);
	expect_fail("mysql://u@h:", MS_EPARSE, "empty port at offset 12", NULL);
	expect_fail("mysql://u@h:1:2", MS_EPARSE, "non-digit in port: ':'",
		    NULL);
	expect_fail("mysql://u@ho$t", MS_EPARSE,
		    "invalid character in host '$' at offset 12", NULL);
	expect_fail("mysql://u@h\xc3\xa9", MS_EPARSE,
		    "invalid character in host 0xc3 at offset 11", NULL);
	expect_fail("mysql://u@h/d/e", MS_EPARSE,
		    "unexpected '/' in db at offset 13", NULL);
	expect_fail("mysql://u/x@h", MS_EPARSE, "raw '/' in user at offset 9",
		    NULL);
	expect_fail("mysql://u@h\tx", MS_EPARSE,
		    "control character 0x09 at offset 11", NULL);
	expect_fail("mysql://u:" PW "\n@h", MS_EPARSE,
		    "control character 0x0a at offset 22", NULL);
	expect_fail("mysql://u:a b@h", MS_EPARSE, "space at offset 11", NULL);
	expect_fail("mysql://u@h\x7f", MS_EPARSE,
		    "control character 0x7f at offset 11", NULL);
	memset(longuri, 'a', sizeof(longuri));
	memcpy(longuri, "mysql://u@", 10);
	longuri[MS_URI_MAX + 1] = '\0';
	expect_fail(longuri, MS_ETOOLARGE, "longer than 4096 bytes", NULL);
	expect_fail(NULL, MS_EPARSE, "scheme", NULL);
}

static void parse_query_errors(void **state)
{
	(void)state;
	expect_fail("mysql://u:" PW "@h?sslmode=REQUIRED", MS_EPARSE,
		    "unknown query key 'sslmode' at offset 25", NULL);
	expect_fail("mysql://u@h?ssl-mode", MS_EPARSE,
		    "missing '=' after query key 'ssl-mode' at offset 12",
		    NULL);
	expect_fail("mysql://u@h?ssl-mode=ON", MS_EPARSE,
		    "bad ssl-mode at offset 21", NULL);
	expect_fail("mysql://u@h?ssl-mode=", MS_EPARSE,
		    "empty ssl-mode at offset 21", NULL);
	expect_fail("mysql://u@h?ssl-ca=", MS_EPARSE,
		    "empty ssl-ca at offset 19", NULL);
	expect_fail("mysql://u@h?ssl-mode=REQUIRED&ssl-mode=DISABLED",
		    MS_EPARSE, "repeated query key 'ssl-mode' at offset 30",
		    NULL);
	expect_fail("mysql://u@h?connect-timeout=x", MS_EPARSE,
		    "bad connect-timeout at offset 28 (0..604800 seconds)",
		    NULL);
	expect_fail("mysql://u@h?read-timeout=604801", MS_EPARSE,
		    "bad read-timeout", NULL);
	expect_fail("mysql://u@h?write-timeout=", MS_EPARSE,
		    "bad write-timeout", NULL);
	expect_fail("mysql://u@h?write-timeout=-1", MS_EPARSE,
		    "bad write-timeout", NULL);
	expect_fail("mysql://u@h?ssl-cert=/c", MS_EPARSE,
		    "ssl-cert without ssl-key at offset 12", NULL);
	expect_fail("mysql://u@h?ssl-key=/k", MS_EPARSE,
		    "ssl-key without ssl-cert at offset 12", NULL);
	expect_fail("mysql://u@h?ssl-mode=disabled&ssl-ca=/ca", MS_EPARSE,
		    "ssl-mode=DISABLED at offset 12 conflicts", NULL);
	/* a key that happens to equal the password is not quoted */
	expect_fail("mysql://u:sslmod@h?sslmod=1", MS_EPARSE,
		    "unknown query key '***' at offset 19", "sslmod");
	expect_fail("mysql://u:1234@h:91234", MS_EPARSE,
		    "bad port '***' at offset 17", "1234");
	/* a one-letter password does not garble the fixed text (found by
	 * fuzz_uri: "uri:" became "u***i:") */
	expect_fail("mysql://u:r@", MS_EPARSE, "uri: empty host at offset 12",
		    NULL);
}

static void ssl_modes(void **state)
{
	static const char *const names[] = {"DISABLED", "preferred", "Required",
					    "VERIFY_CA", "verify_identity"};
	static const enum ms_ssl_mode want[] = {
	    MS_SSL_DISABLED, MS_SSL_PREFERRED, MS_SSL_REQUIRED,
	    MS_SSL_VERIFY_CA, MS_SSL_VERIFY_IDENTITY};
	struct ms_endpoint ep;
	enum ms_ssl_mode m;
	char uri[128];
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		snprintf(uri, sizeof(uri), "mysql://u@h?ssl-mode=%s", names[i]);
		assert_int_equal(ms_endpoint_parse(uri, &ep, NULL), 0);
		assert_int_equal(ep.ssl_mode, want[i]);
		ms_endpoint_free(&ep);
	}
	/* VERIFY_CA without ssl-ca: the system CA store is used */
	assert_int_equal(
	    ms_endpoint_parse("mysql://u@h?ssl-mode=VERIFY_CA", &ep, NULL), 0);
	assert_null(ep.ssl_ca);
	ms_endpoint_free(&ep);
	assert_string_equal(ms_ssl_mode_name(MS_SSL_VERIFY_CA), "VERIFY_CA");
	assert_string_equal(ms_ssl_mode_name((enum ms_ssl_mode)42), "?");
	assert_int_equal(ms_ssl_mode_parse("required", &m), 0);
	assert_int_equal(m, MS_SSL_REQUIRED);
	assert_int_equal(ms_ssl_mode_parse("REQUIRE", &m), MS_EINVAL);
}

static void format_never_shows_password(void **state)
{
	struct ms_endpoint ep, back;
	struct ms_buf b;

	(void)state;
	assert_int_equal(
	    ms_endpoint_parse("mysql://a%20pp:" PW "@[fe80::1]:3307/my%2Fdb"
			      "?ssl-mode=REQUIRED&ssl-ca=/x%20y/ca.pem"
			      "&read-timeout=9",
			      &ep, NULL),
	    0);
	ms_buf_init(&b, 4096);
	assert_int_equal(ms_buf_addstr(&b, "src="), 0);
	assert_int_equal(ms_endpoint_format(&ep, &b), 0);
	assert_string_equal(ms_buf_str(&b),
			    "src=mysql://a%20pp@[fe80::1]:3307/my%2Fdb"
			    "?ssl-mode=REQUIRED&ssl-ca=/x%20y/ca.pem"
			    "&read-timeout=9");
	assert_null(strstr(ms_buf_str(&b), PW));
	/* the display form parses back to the same endpoint */
	assert_int_equal(ms_endpoint_parse(ms_buf_str(&b) + 4, &back, NULL), 0);
	assert_string_equal(back.user, ep.user);
	assert_string_equal(back.host, ep.host);
	assert_string_equal(back.db, ep.db);
	assert_string_equal(back.ssl_ca, ep.ssl_ca);
	assert_int_equal(back.port, ep.port);
	assert_int_equal(back.read_timeout_s, 9);
	assert_false(back.has_password);
	ms_endpoint_free(&back);
	ms_endpoint_free(&ep);

	/* a password also present in another field is still redacted */
	ms_buf_reset(&b);
	assert_int_equal(
	    ms_endpoint_parse("mysql://" PW ":" PW "@h", &ep, NULL), 0);
	assert_int_equal(ms_endpoint_format(&ep, &b), 0);
	assert_string_equal(ms_buf_str(&b),
			    "mysql://***@h:3306?ssl-mode=PREFERRED");
	ms_endpoint_free(&ep);

	/* a full buffer leaves the content as it was */
	ms_buf_free(&b);
	ms_buf_init(&b, 10);
	assert_int_equal(ms_buf_addstr(&b, "keep"), 0);
	assert_int_equal(ms_endpoint_parse("mysql://u@h", &ep, NULL), 0);
	assert_int_equal(ms_endpoint_format(&ep, &b), MS_ETOOLARGE);
	assert_string_equal(ms_buf_str(&b), "keep");
	ms_endpoint_free(&ep);
	ms_buf_free(&b);
}

static char *write_temp(const char *content, size_t n)
{
	char *path = strdup("/tmp/ms_test_pw_XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, n), (ssize_t)n);
	close(fd);
	return path;
}

static void resolve_precedence(void **state)
{
	struct ms_endpoint ep;
	struct ms_err err;
	char *file = write_temp("from-file\r\nsecond line\n", 23);
	struct ms_buf b;

	(void)state;
	setenv("MS_TEST_PW", "from-env", 1);

	/* URI wins over file and env */
	assert_int_equal(ms_endpoint_parse("mysql://u:from-uri@h", &ep, NULL),
			 0);
	assert_int_equal(
	    ms_endpoint_resolve_password(&ep, "MS_TEST_PW", file, &err), 0);
	assert_string_equal(ep.password, "from-uri");
	ms_endpoint_free(&ep);

	/* file wins over env; CRLF stripped, only the first line */
	assert_int_equal(ms_endpoint_parse("mysql://u@h", &ep, NULL), 0);
	assert_int_equal(
	    ms_endpoint_resolve_password(&ep, "MS_TEST_PW", file, &err), 0);
	assert_true(ep.has_password);
	assert_string_equal(ep.password, "from-file");
	ms_endpoint_free(&ep);

	/* env when there is no file */
	assert_int_equal(ms_endpoint_parse("mysql://u@h", &ep, NULL), 0);
	assert_int_equal(
	    ms_endpoint_resolve_password(&ep, "MS_TEST_PW", NULL, &err), 0);
	assert_string_equal(ep.password, "from-env");
	ms_endpoint_free(&ep);

	/* both are registered with the redactor */
	ms_buf_init(&b, 256);
	assert_int_equal(ms_redact("from-file from-env from-uri", &b), 0);
	assert_string_equal(ms_buf_str(&b), "*** *** ***");
	ms_buf_free(&b);

	/* nothing set: no password, still fine */
	unsetenv("MS_TEST_PW");
	assert_int_equal(ms_endpoint_parse("mysql://u@h", &ep, NULL), 0);
	assert_int_equal(
	    ms_endpoint_resolve_password(&ep, "MS_TEST_PW", NULL, &err), 0);
	assert_false(ep.has_password);
	assert_null(ep.password);
	assert_int_equal(ms_endpoint_resolve_password(&ep, NULL, NULL, &err),
			 0);
	/* an empty variable counts as unset */
	setenv("MS_TEST_PW", "", 1);
	assert_int_equal(
	    ms_endpoint_resolve_password(&ep, "MS_TEST_PW", NULL, &err), 0);
	assert_false(ep.has_password);
	ms_endpoint_free(&ep);
	unlink(file);
	free(file);
}

static void resolve_file_edge_cases(void **state)
{
	struct ms_endpoint ep;
	struct ms_err err;
	char *empty = write_temp("", 0);
	char *nonl = write_temp("pw-no-newline", 13);
	char *nul = write_temp("a\0b\n", 4);
	char big[MS_PASSWORD_MAX + 10];
	char *bigf;

	(void)state;
	memset(big, 'x', sizeof(big));
	bigf = write_temp(big, sizeof(big));
	setenv("MS_TEST_PW", "from-env", 1);

	assert_int_equal(ms_endpoint_parse("mysql://u@h", &ep, NULL), 0);
	assert_int_equal(ms_endpoint_resolve_password(&ep, "MS_TEST_PW",
						      "/nonexistent/pw", &err),
			 MS_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent/pw"));
	assert_non_null(strstr(err.msg, "No such file or directory"));
	assert_false(ep.has_password);
	assert_int_equal(
	    ms_endpoint_resolve_password(&ep, "MS_TEST_PW", "/tmp", &err),
	    MS_EIO);
	assert_non_null(strstr(err.msg, "'/tmp'"));
	assert_int_equal(
	    ms_endpoint_resolve_password(&ep, "MS_TEST_PW", bigf, &err),
	    MS_ETOOLARGE);
	assert_int_equal(
	    ms_endpoint_resolve_password(&ep, "MS_TEST_PW", nul, &err),
	    MS_ECONFIG);
	assert_int_equal(
	    ms_endpoint_resolve_password(&ep, "MS_TEST_PW", nonl, &err), 0);
	assert_string_equal(ep.password, "pw-no-newline");
	ms_endpoint_free(&ep);

	/* an empty file is an explicit empty password */
	assert_int_equal(ms_endpoint_parse("mysql://u@h", &ep, NULL), 0);
	assert_int_equal(
	    ms_endpoint_resolve_password(&ep, "MS_TEST_PW", empty, &err), 0);
	assert_true(ep.has_password);
	assert_string_equal(ep.password, "");
	ms_endpoint_free(&ep);
	unlink(empty);
	unlink(nonl);
	unlink(nul);
	unlink(bigf);
	free(empty);
	free(nonl);
	free(nul);
	free(bigf);
}

static void redactor_full_is_an_error(void **state)
{
	struct ms_endpoint ep;
	struct ms_err err;
	char uri[64];
	int i;

	(void)state;
	for (i = 0; i < MS_LOG_SECRETS_MAX; i++) {
		snprintf(uri, sizeof(uri), "mysql://u:pw%d@h", i);
		assert_int_equal(ms_endpoint_parse(uri, &ep, NULL), 0);
		ms_endpoint_free(&ep);
	}
	assert_int_equal(ms_endpoint_parse("mysql://u:one-more@h", &ep, &err),
			 MS_ETOOLARGE);
	assert_non_null(strstr(err.msg, "log redactor"));
	assert_null(strstr(err.msg, "one-more"));
	assert_null(ep.password);
	setenv("MS_TEST_PW", "env-more", 1);
	assert_int_equal(ms_endpoint_parse("mysql://u@h", &ep, NULL), 0);
	assert_int_equal(
	    ms_endpoint_resolve_password(&ep, "MS_TEST_PW", NULL, &err),
	    MS_ETOOLARGE);
	assert_false(ep.has_password);
	ms_endpoint_free(&ep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(parse_full, teardown),
	    cmocka_unit_test_teardown(parse_minimal_defaults, teardown),
	    cmocka_unit_test_teardown(parse_ipv6, teardown),
	    cmocka_unit_test_teardown(parse_percent_encoding, teardown),
	    cmocka_unit_test_teardown(parse_password_registered, teardown),
	    cmocka_unit_test_teardown(parse_errors_name_part_and_offset,
				      teardown),
	    cmocka_unit_test_teardown(parse_query_errors, teardown),
	    cmocka_unit_test_teardown(ssl_modes, teardown),
	    cmocka_unit_test_teardown(format_never_shows_password, teardown),
	    cmocka_unit_test_teardown(resolve_precedence, teardown),
	    cmocka_unit_test_teardown(resolve_file_edge_cases, teardown),
	    cmocka_unit_test_teardown(redactor_full_is_an_error, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

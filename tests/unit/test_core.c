/* Unit tests for the error model, capped buffers and the log redactor. */
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
#include "core/log.h"

static void err_set_records_origin(void **state)
{
	struct ms_err err;
	int rc;

	(void)state;
	ms_err_clear(&err);
	rc = MS_ERR(&err, MS_ECONFIG, "bad key '%s'", "x");
	assert_int_equal(rc, MS_ECONFIG);
	assert_int_equal(err.code, MS_ECONFIG);
	assert_string_equal(err.msg, "bad key 'x'");
	assert_non_null(strstr(err.file, "test_core.c"));
	assert_true(err.line > 0);
	assert_int_equal(ms_err_prefix(&err, "f.conf:%d", 3), MS_ECONFIG);
	assert_string_equal(err.msg, "f.conf:3: bad key 'x'");
	assert_int_equal(MS_ERR(NULL, MS_EIO, "no detail"), MS_EIO);
}

static void err_names_and_exit_codes(void **state)
{
	(void)state;
	assert_string_equal(ms_err_name(MS_ECONNECT), "MS_ECONNECT");
	assert_string_equal(ms_strerror(MS_EAUTH), "access denied");
	assert_string_equal(ms_err_name(-999), "MS_E?");
	assert_int_equal(ms_err_exit_code(MS_OK), 0);
	assert_int_equal(ms_err_exit_code(MS_EUSAGE), 2);
	assert_int_equal(ms_err_exit_code(MS_EPARSE), 2);
	assert_int_equal(ms_err_exit_code(MS_ECONFIG), 2);
	assert_int_equal(ms_err_exit_code(MS_ECONNECT), 3);
	assert_int_equal(ms_err_exit_code(MS_EAUTH), 3);
}

static void buf_hex_long_and_capped(void **state)
{
	unsigned char in[300];
	struct ms_buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)i;
	ms_buf_init(&b, 1000);
	assert_int_equal(ms_buf_addhex(&b, in, sizeof(in)), 0);
	assert_int_equal(b.len, 600);
	assert_memory_equal(b.ptr, "000102", 6);
	assert_memory_equal(b.ptr + 2 * 0xff, "FF0001", 6); /* wraps at 256 */
	assert_memory_equal(b.ptr + 598, "2B", 2);	    /* 299 */
	/* past the cap: refused, buffer as far as it got, still terminated */
	assert_int_equal(ms_buf_addhex(&b, in, sizeof(in)), MS_ETOOLARGE);
	assert_true(b.len <= 1000);
	assert_int_equal(b.ptr[b.len], '\0');
	ms_buf_free(&b);
}

static void buf_grows_and_caps(void **state)
{
	struct ms_buf b;
	char *s;
	int i;

	(void)state;
	ms_buf_init(&b, 10);
	assert_string_equal(ms_buf_str(&b), "");
	assert_int_equal(ms_buf_addstr(&b, "hello"), 0);
	assert_int_equal(ms_buf_addf(&b, "%d", 1234), 0);
	assert_string_equal(ms_buf_str(&b), "hello1234");
	assert_int_equal(ms_buf_addstr(&b, "xy"), MS_ETOOLARGE);
	assert_string_equal(ms_buf_str(&b), "hello1234"); /* unchanged */
	assert_int_equal(ms_buf_addc(&b, '!'), 0);
	assert_int_equal(b.len, 10);
	assert_int_equal(ms_buf_addc(&b, '!'), MS_ETOOLARGE);
	assert_int_equal(ms_buf_addf(&b, "%s", "z"), MS_ETOOLARGE);
	s = ms_buf_take(&b);
	assert_string_equal(s, "hello1234!");
	free(s);
	assert_int_equal(b.len, 0);
	ms_buf_init(&b, 1 << 20);
	for (i = 0; i < 10000; i++)
		assert_int_equal(ms_buf_addstr(&b, "abcdefgh"), 0);
	assert_int_equal(b.len, 80000);
	ms_buf_free(&b);
}

static char *read_stream(FILE *f)
{
	long n;
	char *s;

	fflush(f);
	n = ftell(f);
	s = calloc(1, (size_t)n + 1);
	rewind(f);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	return s;
}

static void log_never_prints_secrets(void **state)
{
	FILE *f = tmpfile();
	char *out;

	(void)state;
	assert_non_null(f);
	ms_log_set_stream(f);
	ms_log_set_level(MS_LOG_INFO);
	assert_int_equal(ms_log_secret_add("s3cr3t-pw"), 0);
	assert_int_equal(ms_log_secret_add("s3cr3t"), 0);
	ms_log(MS_LOG_INFO, "test", "event=connect uri=mysql://u:%s@h pw=%s",
	       "s3cr3t-pw", "s3cr3t");
	ms_log(MS_LOG_DEBUG, "test", "event=hidden"); /* below level */
	ms_log(MS_LOG_WARN, "test", "event=multi\nline");
	out = read_stream(f);
	assert_null(strstr(out, "s3cr3t"));
	assert_non_null(strstr(out, "uri=mysql://u:***@h pw=***"));
	assert_non_null(strstr(out, "level=info component=test"));
	assert_null(strstr(out, "event=hidden"));
	assert_non_null(strstr(out, "event=multi\\nline"));
	free(out);
	fclose(f);
	ms_log_set_stream(NULL);
	ms_log_secrets_clear();
}

static void log_json_lines(void **state)
{
	FILE *f = tmpfile();
	char *out;

	(void)state;
	ms_log_set_stream(f);
	ms_log_set_json(true);
	ms_log_set_level(MS_LOG_INFO);
	assert_int_equal(ms_log_secret_add("pw\"x"), 0);
	ms_log(MS_LOG_ERROR, "db", "event=fail msg=\"quote\" pw=pw\"x");
	out = read_stream(f);
	assert_non_null(
	    strstr(out, "\"level\":\"error\",\"component\":\"db\""));
	assert_non_null(strstr(out, "msg=\\\"quote\\\" pw=***\"}"));
	free(out);
	fclose(f);
	ms_log_set_json(false);
	ms_log_set_stream(NULL);
	ms_log_secrets_clear();
}

static void redact_overlapping_secrets(void **state)
{
	struct ms_buf b;

	(void)state;
	ms_buf_init(&b, 1024);
	assert_int_equal(ms_log_secret_add("abc"), 0);
	assert_int_equal(ms_log_secret_add("abcdef"), 0);
	assert_int_equal(ms_redact("xabcdefy abc", &b), 0);
	assert_string_equal(ms_buf_str(&b), "x***y ***");
	ms_buf_free(&b);
	ms_log_secrets_clear();
	assert_int_equal(ms_log_secret_add(""), 0); /* ignored */
	ms_buf_init(&b, 1024);
	assert_int_equal(ms_redact("plain", &b), 0);
	assert_string_equal(ms_buf_str(&b), "plain");
	ms_buf_free(&b);
}

static void redact_inplace_truncates(void **state)
{
	char msg[12] = "a-b-a-b-a";

	(void)state;
	assert_int_equal(ms_log_secret_add("a"), 0);
	ms_redact_inplace(msg, sizeof(msg));
	/* "***-b-***-b-***" cut to fit 12 bytes, secret gone either way. */
	assert_string_equal(msg, "***-b-***-b");
	ms_log_secrets_clear();
}

static void log_level_parse(void **state)
{
	enum ms_log_level l;

	(void)state;
	assert_int_equal(ms_log_level_parse("debug", &l), 0);
	assert_int_equal(l, MS_LOG_DEBUG);
	assert_int_equal(ms_log_level_parse("loud", &l), MS_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(err_set_records_origin),
	    cmocka_unit_test(err_names_and_exit_codes),
	    cmocka_unit_test(buf_grows_and_caps),
	    cmocka_unit_test(buf_hex_long_and_capped),
	    cmocka_unit_test(log_never_prints_secrets),
	    cmocka_unit_test(log_json_lines),
	    cmocka_unit_test(redact_overlapping_secrets),
	    cmocka_unit_test(redact_inplace_truncates),
	    cmocka_unit_test(log_level_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

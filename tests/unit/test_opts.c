/* Unit tests for the command-line option table and its merge with config
 * files: flags win, lists from flags replace the file's, and bad values
 * are reported at their origin (the flag or FILE:LINE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cli/opts.h"

static const struct ms_optdef defs[] = {
    {"source", MS_OPT_VALUE, "URI", "source"},
    {"threads", MS_OPT_VALUE, "N", "threads"},
    {"include", MS_OPT_LIST, "P", "include"},
    {"json", MS_OPT_FLAG, NULL, "json"},
    {"config", MS_OPT_VALUE, "FILE", "config"},
    {NULL, 0, NULL, NULL},
};

static int parse(struct ms_opts *o, struct ms_err *err, int argc, char **argv)
{
	return ms_opts_parse(defs, argc, argv, 0, o, err);
}

static void flags_and_values(void **state)
{
	char *argv[] = {"--source", "mysql://a@b", "--threads=4", "--include",
			"x.%",	    "--include=y", "--json"};
	struct ms_opts o;
	struct ms_err err;
	const struct ms_optval *v;
	unsigned long n;
	size_t cnt;

	(void)state;
	assert_int_equal(parse(&o, &err, 7, argv), 0);
	assert_string_equal(ms_opts_get(&o, "source"), "mysql://a@b");
	assert_string_equal(ms_opts_origin(&o, "source"), "--source");
	assert_true(ms_opts_flag(&o, "json"));
	assert_int_equal(ms_opts_uint(&o, "threads", 1, 64, 8, &n, &err), 0);
	assert_int_equal(n, 4);
	v = ms_opts_list(&o, "include", &cnt);
	assert_int_equal(cnt, 2);
	assert_string_equal(v[0].value, "x.%");
	assert_string_equal(v[1].value, "y");
	assert_null(ms_opts_get(&o, "config"));
	ms_opts_free(&o);
}

static void usage_errors(void **state)
{
	char *unknown[] = {"--nope"};
	char *missing[] = {"--source"};
	char *positional[] = {"extra"};
	char *flagval[] = {"--json=yes"};
	char *badnum[] = {"--threads", "4x"};
	char *range[] = {"--threads", "0"};
	struct ms_opts o;
	struct ms_err err;
	unsigned long n;

	(void)state;
	assert_int_equal(parse(&o, &err, 1, unknown), MS_EUSAGE);
	assert_string_equal(err.msg, "unknown option '--nope'");
	ms_opts_free(&o);
	assert_int_equal(parse(&o, &err, 1, missing), MS_EUSAGE);
	assert_string_equal(err.msg, "option '--source' needs a URI");
	ms_opts_free(&o);
	assert_int_equal(parse(&o, &err, 1, positional), MS_EUSAGE);
	ms_opts_free(&o);
	assert_int_equal(parse(&o, &err, 1, flagval), MS_EUSAGE);
	ms_opts_free(&o);
	assert_int_equal(parse(&o, &err, 2, badnum), 0);
	assert_int_equal(ms_opts_uint(&o, "threads", 1, 64, 8, &n, &err),
			 MS_EUSAGE);
	assert_string_equal(err.msg, "--threads: '4x' is not a number");
	ms_opts_free(&o);
	assert_int_equal(parse(&o, &err, 2, range), 0);
	assert_int_equal(ms_opts_uint(&o, "threads", 1, 64, 8, &n, &err),
			 MS_EUSAGE);
	assert_string_equal(err.msg, "--threads: 0 is out of range [1, 64]");
	ms_opts_free(&o);
}

static void config_merge(void **state)
{
	const char *text = "source = mysql://file@h\n"
			   "threads = many\n"
			   "include = a.%\n"
			   "include = b.%\n"
			   "json = yes\n";
	char *argv[] = {"--include", "c.%"};
	struct ms_config cfg = {0};
	const char **keys = ms_opts_keys(defs);
	const struct ms_optval *v;
	struct ms_opts o;
	struct ms_err err;
	unsigned long n;
	size_t cnt, i;

	(void)state;
	assert_non_null(keys);
	for (i = 0; keys[i]; i++)
		assert_string_not_equal(keys[i], "config");
	assert_int_equal(
	    ms_config_parse("my.conf", text, strlen(text), keys, &cfg, &err),
	    0);
	free(keys);
	assert_int_equal(parse(&o, &err, 2, argv), 0);
	assert_int_equal(ms_opts_merge_config(&o, &cfg, &err), 0);
	assert_string_equal(ms_opts_get(&o, "source"), "mysql://file@h");
	assert_string_equal(ms_opts_origin(&o, "source"), "my.conf:1");
	assert_true(ms_opts_flag(&o, "json"));
	/* The command line's list replaces the file's. */
	v = ms_opts_list(&o, "include", &cnt);
	assert_int_equal(cnt, 1);
	assert_string_equal(v[0].value, "c.%");
	/* A bad value in the file is reported at its line. */
	assert_int_equal(ms_opts_uint(&o, "threads", 1, 64, 8, &n, &err),
			 MS_ECONFIG);
	assert_string_equal(err.msg, "my.conf:2: 'many' is not a number");
	ms_opts_free(&o);
	ms_config_free(&cfg);
}

static void config_bad_flag_value(void **state)
{
	const char *text = "json = maybe\n";
	const char **keys = ms_opts_keys(defs);
	struct ms_config cfg = {0};
	struct ms_opts o;
	struct ms_err err;

	(void)state;
	assert_int_equal(
	    ms_config_parse("c.conf", text, strlen(text), keys, &cfg, &err), 0);
	free(keys);
	assert_int_equal(parse(&o, &err, 0, NULL), 0);
	assert_int_equal(ms_opts_merge_config(&o, &cfg, &err), MS_ECONFIG);
	assert_string_equal(err.msg,
			    "c.conf:1: json: expected true or false, got "
			    "'maybe'");
	ms_opts_free(&o);
	ms_config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(flags_and_values),
	    cmocka_unit_test(usage_errors),
	    cmocka_unit_test(config_merge),
	    cmocka_unit_test(config_bad_flag_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

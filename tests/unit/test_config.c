/* Unit tests for config files: syntax, repeated keys, errors with
 * FILE:LINE, suggestions, BOM and CRLF, size caps, loading from disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/err.h"

static const char *const keys[] = {
    "source",	"target",    "threads", "include", "exclude",
    "ssl-mode", "log-level", "json",	"db",	   NULL};

static int parse(const char *text, struct ms_config *cfg, struct ms_err *err)
{
	ms_err_clear(err);
	return ms_config_parse("my.conf", text, strlen(text), keys, cfg, err);
}

/* <text> must fail with <code> and a message exactly <msg>. */
static void expect_fail(const char *text, int code, const char *msg)
{
	struct ms_config cfg;
	struct ms_err err;
	int rc = parse(text, &cfg, &err);

	if (rc != code || strcmp(err.msg, msg) != 0)
		print_error("text '%s': rc=%d msg='%s', want rc=%d '%s'\n",
			    text, rc, err.msg, code, msg);
	assert_int_equal(rc, code);
	assert_string_equal(err.msg, msg);
	assert_null(cfg.v);
	assert_null(cfg.path);
	assert_int_equal(cfg.n, 0);
}

static void assert_entry(const struct ms_config *cfg, size_t i, const char *key,
			 const char *value, unsigned int line)
{
	assert_true(i < cfg->n);
	assert_string_equal(cfg->v[i].key, key);
	assert_string_equal(cfg->v[i].value, value);
	assert_int_equal(cfg->v[i].line, line);
}

static void parse_basic(void **state)
{
	struct ms_config cfg;
	struct ms_err err;

	(void)state;
	assert_int_equal(parse("# myshift config\n"
			       "\n"
			       "source = mysql://app:pa#ss@db1:3306\n"
			       "  threads=8   # eight workers\n"
			       "\ttarget\t=\tmysql://admin@aurora \n"
			       "json =\n"
			       "   # indented comment\n"
			       "db = # only a comment\n"
			       "log-level = info#not-a-comment",
			       &cfg, &err),
			 0);
	assert_string_equal(cfg.path, "my.conf");
	assert_int_equal(cfg.n, 6);
	assert_entry(&cfg, 0, "source", "mysql://app:pa#ss@db1:3306", 3);
	assert_entry(&cfg, 1, "threads", "8", 4);
	assert_entry(&cfg, 2, "target", "mysql://admin@aurora", 5);
	assert_entry(&cfg, 3, "json", "", 6);
	assert_entry(&cfg, 4, "db", "", 8);
	assert_entry(&cfg, 5, "log-level", "info#not-a-comment", 9);
	ms_config_free(&cfg);
	assert_null(cfg.v);
	ms_config_free(NULL);

	/* empty input */
	assert_int_equal(ms_config_parse("e.conf", "", 0, keys, &cfg, &err), 0);
	assert_int_equal(cfg.n, 0);
	ms_config_free(&cfg);
	/* any key when no list is given */
	assert_int_equal(
	    ms_config_parse("a.conf", "x.y_z-1 = v", 11, NULL, &cfg, &err), 0);
	assert_entry(&cfg, 0, "x.y_z-1", "v", 1);
	ms_config_free(&cfg);
}

static void parse_quoted(void **state)
{
	struct ms_config cfg;
	struct ms_err err;

	(void)state;
	assert_int_equal(parse("include = \"  spaced # kept  \"\n"
			       "exclude=\"a\\\"b\\\\c\\nd\\te\"   # comment\n"
			       "db = \"\"\n"
			       "target = \"#\"#c\n",
			       &cfg, &err),
			 0);
	assert_int_equal(cfg.n, 4);
	assert_entry(&cfg, 0, "include", "  spaced # kept  ", 1);
	assert_entry(&cfg, 1, "exclude", "a\"b\\c\nd\te", 2);
	assert_entry(&cfg, 2, "db", "", 3);
	assert_entry(&cfg, 3, "target", "#", 4);
	ms_config_free(&cfg);
}

static void repeated_keys(void **state)
{
	const struct ms_config_entry *e;
	struct ms_config cfg;
	struct ms_err err;
	const char *want[] = {"shop.%", "billing.%", "crm._x"};
	int i = 0;

	(void)state;
	assert_int_equal(parse("include = shop.%\n"
			       "threads = 4\n"
			       "include = billing.%\n"
			       "threads = 16\n"
			       "include = crm._x\n",
			       &cfg, &err),
			 0);
	assert_int_equal(cfg.n, 5);
	for (e = ms_config_next(&cfg, "include", NULL); e;
	     e = ms_config_next(&cfg, "include", e))
		assert_string_equal(e->value, want[i++]);
	assert_int_equal(i, 3);
	e = ms_config_last(&cfg, "threads");
	assert_non_null(e);
	assert_string_equal(e->value, "16");
	assert_int_equal(e->line, 4);
	assert_null(ms_config_last(&cfg, "source"));
	assert_null(ms_config_next(&cfg, "source", NULL));
	ms_config_free(&cfg);
}

static void bom_and_crlf(void **state)
{
	struct ms_config cfg;
	struct ms_err err;

	(void)state;
	assert_int_equal(parse("\xEF\xBB\xBFsource = a\r\n"
			       "# c\r\n"
			       "threads = \"2\" \r\n"
			       "\r\n"
			       "db = x\r",
			       &cfg, &err),
			 0);
	assert_int_equal(cfg.n, 3);
	assert_entry(&cfg, 0, "source", "a", 1);
	assert_entry(&cfg, 1, "threads", "2", 3);
	assert_entry(&cfg, 2, "db", "x", 5);
	ms_config_free(&cfg);
	/* a BOM anywhere else is not whitespace */
	expect_fail("db = 1\n\xEF\xBB\xBFthreads = 2\n", MS_ECONFIG,
		    "my.conf:2: invalid character in key at column 1");
	/* a lone CR inside a line is a control character */
	expect_fail("db = a\rb\n", MS_ECONFIG,
		    "my.conf:1: control character 0x0d at column 7");
}

static void unknown_keys_and_suggestions(void **state)
{
	(void)state;
	expect_fail("threads = 1\nthread = 2\n", MS_ECONFIG,
		    "my.conf:2: unknown key 'thread'; did you mean 'threads'?");
	expect_fail("ssl_mode = REQUIRED", MS_ECONFIG,
		    "my.conf:1: unknown key 'ssl_mode'; did you mean "
		    "'ssl-mode'?");
	expect_fail("\n\nsorce=x", MS_ECONFIG,
		    "my.conf:3: unknown key 'sorce'; did you mean 'source'?");
	expect_fail("Threads = 3", MS_ECONFIG,
		    "my.conf:1: unknown key 'Threads'; did you mean "
		    "'threads'?");
	expect_fail("parallelism = 8", MS_ECONFIG,
		    "my.conf:1: unknown key 'parallelism'");
	/* short keys only get a suggestion at distance 1 */
	expect_fail("dx = 1", MS_ECONFIG,
		    "my.conf:1: unknown key 'dx'; did you mean 'db'?");
	expect_fail("xy = 1", MS_ECONFIG, "my.conf:1: unknown key 'xy'");
}

static void syntax_errors(void **state)
{
	char line[MS_CONFIG_LINE_MAX + 16];
	char key[MS_CONFIG_KEY_MAX + 8];

	(void)state;
	expect_fail("source mysql://u@h", MS_ECONFIG,
		    "my.conf:1: missing '=' after key (expected 'key = "
		    "value')");
	expect_fail("db = 1\nthreads\n", MS_ECONFIG,
		    "my.conf:2: missing '=' after key (expected 'key = "
		    "value')");
	expect_fail("  = value", MS_ECONFIG, "my.conf:1: empty key before '='");
	expect_fail("so:urce = x", MS_ECONFIG,
		    "my.conf:1: invalid character in key at column 3");
	expect_fail("db = \"abc", MS_ECONFIG,
		    "my.conf:1: unterminated quote starting at column 6");
	expect_fail("db = \"abc\\", MS_ECONFIG,
		    "my.conf:1: unterminated quote starting at column 6");
	expect_fail("db = \"abc\\\"", MS_ECONFIG,
		    "my.conf:1: unterminated quote starting at column 6");
	expect_fail("db = \"a\" b", MS_ECONFIG,
		    "my.conf:1: unexpected text after closing quote at column "
		    "10");
	expect_fail("db = \"a\"\"b\"", MS_ECONFIG,
		    "my.conf:1: unexpected text after closing quote at column "
		    "9");
	expect_fail("db = \"a\\qb\"", MS_ECONFIG,
		    "my.conf:1: unknown escape '\\q' at column 8");
	expect_fail("db = x\x01y", MS_ECONFIG,
		    "my.conf:1: control character 0x01 at column 7");
	memset(key, 'k', sizeof(key));
	key[MS_CONFIG_KEY_MAX + 1] = '\0';
	expect_fail(key, MS_ECONFIG, "my.conf:1: key longer than 64 bytes");
	memset(line, 'x', sizeof(line));
	memcpy(line, "db = ", 5);
	line[MS_CONFIG_LINE_MAX + 1] = '\0';
	expect_fail(line, MS_ECONFIG, "my.conf:1: line longer than 8192 bytes");
	/* exactly at the cap is fine */
	line[MS_CONFIG_LINE_MAX] = '\0';
	{
		struct ms_config cfg;
		struct ms_err err;

		assert_int_equal(parse(line, &cfg, &err), 0);
		assert_int_equal(strlen(cfg.v[0].value),
				 MS_CONFIG_LINE_MAX - 5);
		ms_config_free(&cfg);
	}
}

static void values_never_in_messages(void **state)
{
	struct ms_config cfg;
	struct ms_err err;
	static const char *const bad[] = {
	    "db = \"hunter2", "db = \"hunter2\" hunter2", "hunter2",
	    "db = \"hunter2\\z\"", "db = hunter2\x02"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &cfg, &err), MS_ECONFIG);
		assert_null(strstr(err.msg, "hunter2"));
		assert_non_null(strstr(err.msg, "my.conf:1: "));
	}
}

static void nul_and_size_caps(void **state)
{
	struct ms_config cfg;
	struct ms_err err;
	char *big;

	(void)state;
	assert_int_equal(ms_config_parse("n.conf", "db = 1\ndb = a\0b\n", 15,
					 keys, &cfg, &err),
			 MS_ECONFIG);
	assert_string_equal(err.msg, "n.conf:2: NUL byte at column 7");
	assert_null(cfg.v);
	/* the text need not be NUL-terminated: only <len> bytes are read */
	assert_int_equal(
	    ms_config_parse("n.conf", "db = 1xyz", 6, keys, &cfg, &err), 0);
	assert_entry(&cfg, 0, "db", "1", 1);
	ms_config_free(&cfg);
	big = malloc(MS_CONFIG_FILE_MAX + 1);
	assert_non_null(big);
	memset(big, '\n', MS_CONFIG_FILE_MAX + 1);
	assert_int_equal(ms_config_parse("big.conf", big,
					 MS_CONFIG_FILE_MAX + 1, keys, &cfg,
					 &err),
			 MS_ETOOLARGE);
	assert_string_equal(err.msg, "big.conf: larger than 1048576 bytes");
	assert_int_equal(ms_config_parse("big.conf", big, MS_CONFIG_FILE_MAX,
					 keys, &cfg, &err),
			 0);
	assert_int_equal(cfg.n, 0);
	ms_config_free(&cfg);
	free(big);
}

static char *write_temp(const char *content, size_t n)
{
	char *path = strdup("/tmp/ms_test_conf_XXXXXX");
	FILE *f;
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, n, f), n);
	fclose(f);
	return path;
}

static void load_files(void **state)
{
	struct ms_config cfg;
	struct ms_err err;
	char *ok = write_temp("threads = 3\nsource = x\n", 23);
	char *bad = write_temp("threads = 3\nthreds = 4\n", 23);
	char *big = malloc(MS_CONFIG_FILE_MAX + 100);
	char *bigf, want[512];

	(void)state;
	assert_int_equal(ms_config_load(ok, keys, &cfg, &err), 0);
	assert_string_equal(cfg.path, ok);
	assert_int_equal(cfg.n, 2);
	assert_entry(&cfg, 1, "source", "x", 2);
	ms_config_free(&cfg);

	assert_int_equal(ms_config_load(bad, keys, &cfg, &err), MS_ECONFIG);
	snprintf(want, sizeof(want),
		 "%s:2: unknown key 'threds'; did you mean 'threads'?", bad);
	assert_string_equal(err.msg, want);

	assert_int_equal(
	    ms_config_load("/nonexistent/my.conf", keys, &cfg, &err), MS_EIO);
	assert_string_equal(err.msg,
			    "/nonexistent/my.conf: No such file or directory");
	assert_int_equal(ms_config_load("/tmp", keys, &cfg, &err), MS_EIO);
	assert_string_equal(err.msg, "/tmp: Is a directory");
	assert_null(cfg.v);

	assert_non_null(big);
	memset(big, '#', MS_CONFIG_FILE_MAX + 100);
	bigf = write_temp(big, MS_CONFIG_FILE_MAX + 100);
	assert_int_equal(ms_config_load(bigf, keys, &cfg, &err), MS_ETOOLARGE);
	snprintf(want, sizeof(want), "%s: larger than 1048576 bytes", bigf);
	assert_string_equal(err.msg, want);
	unlink(ok);
	unlink(bad);
	unlink(bigf);
	free(ok);
	free(bad);
	free(bigf);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_basic),
	    cmocka_unit_test(parse_quoted),
	    cmocka_unit_test(repeated_keys),
	    cmocka_unit_test(bom_and_crlf),
	    cmocka_unit_test(unknown_keys_and_suggestions),
	    cmocka_unit_test(syntax_errors),
	    cmocka_unit_test(values_never_in_messages),
	    cmocka_unit_test(nul_and_size_caps),
	    cmocka_unit_test(load_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

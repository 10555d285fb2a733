/* Unit tests for table selection and mapping rules (src/rules/): the DMS
 * wildcard matcher, selection semantics, each transformation, rule order,
 * rejection of unsupported rules, JSON errors and the shortcuts. */
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
#include "rules/rules.h"

/* A rule set built from one DMS document given inline; fails the test on
 * error. Caller frees. */
static struct ms_rules *from_json(const char *json)
{
	struct ms_rules *r = ms_rules_new();
	struct ms_err err;
	int rc;

	assert_non_null(r);
	ms_err_clear(&err);
	rc = ms_rules_add_dms_json(r, "t.json", json, strlen(json), &err);
	if (rc)
		fail_msg("unexpected error: %s", err.msg);
	return r;
}

/* Expects <json> to be rejected with <code> and a message holding every
 * string of the NULL-terminated list. */
static void expect_reject(const char *json, int code, ...)
{
	struct ms_rules *r = ms_rules_new();
	struct ms_err err;
	const char *want;
	va_list ap;

	assert_non_null(r);
	ms_err_clear(&err);
	assert_int_equal(
	    ms_rules_add_dms_json(r, "t.json", json, strlen(json), &err), code);
	assert_int_equal(err.code, code);
	va_start(ap, code);
	while ((want = va_arg(ap, const char *)) != NULL)
		if (!strstr(err.msg, want))
			fail_msg("'%s' not in '%s'", want, err.msg);
	va_end(ap);
	/* all or nothing: the set still selects every user table */
	assert_true(ms_rules_table_selected(r, "any", "t"));
	ms_rules_free(r);
}

static void expect_map(const struct ms_rules *r, const char *schema,
		       const char *table, const char *want_schema,
		       const char *want_table)
{
	struct ms_buf s, t;

	ms_buf_init(&s, 256);
	ms_buf_init(&t, 256);
	assert_int_equal(ms_rules_map(r, schema, table, &s, &t), 0);
	assert_string_equal(ms_buf_str(&s), want_schema);
	assert_string_equal(ms_buf_str(&t), want_table);
	ms_buf_free(&s);
	ms_buf_free(&t);
}

#define SEL(id, action, schema, table)                                         \
	"{\"rule-type\":\"selection\",\"rule-id\":\"" id                       \
	"\",\"rule-name\":\"n" id "\",\"rule-action\":\"" action               \
	"\",\"object-locator\":{\"schema-name\":\"" schema                     \
	"\",\"table-name\":\"" table "\"}}"
#define TR(id, action, target, locator, extra)                                 \
	"{\"rule-type\":\"transformation\",\"rule-id\":\"" id                  \
	"\",\"rule-name\":\"n" id "\",\"rule-action\":\"" action               \
	"\",\"rule-target\":\"" target "\",\"object-locator\":{" locator       \
	"}" extra "}"

static void wildcard_basics(void **state)
{
	(void)state;
	assert_true(ms_rules_wildcard_match("%", ""));
	assert_true(ms_rules_wildcard_match("%", "abc"));
	assert_true(ms_rules_wildcard_match("%%", "abc"));
	assert_true(ms_rules_wildcard_match("", ""));
	assert_false(ms_rules_wildcard_match("", "a"));
	assert_false(ms_rules_wildcard_match("a", ""));
	assert_true(ms_rules_wildcard_match("abc", "abc"));
	assert_false(ms_rules_wildcard_match("abc", "abcd"));
	assert_false(ms_rules_wildcard_match("abc", "ABC")); /* case */
	assert_true(ms_rules_wildcard_match("a_c", "abc"));
	assert_false(ms_rules_wildcard_match("a_c", "ac"));
	assert_false(ms_rules_wildcard_match("a_c", "abbc"));
	assert_true(ms_rules_wildcard_match("a%c", "ac"));
	assert_true(ms_rules_wildcard_match("a%c", "abbbc"));
	assert_false(ms_rules_wildcard_match("a%c", "abcd"));
	assert_true(ms_rules_wildcard_match("%c%c", "cabcxc"));
	assert_true(ms_rules_wildcard_match("%a%b%c", "xaxbxxc"));
	assert_false(ms_rules_wildcard_match("%a%b%c", "xaxcxb"));
	assert_true(ms_rules_wildcard_match("__", "ab"));
	assert_false(ms_rules_wildcard_match("__", "a"));
	assert_true(ms_rules_wildcard_match("_%", "a"));
	assert_false(ms_rules_wildcard_match("_%", ""));
}

static void wildcard_classes(void **state)
{
	(void)state;
	assert_true(ms_rules_wildcard_match("[ab]x", "ax"));
	assert_true(ms_rules_wildcard_match("[ab]x", "bx"));
	assert_false(ms_rules_wildcard_match("[ab]x", "cx"));
	assert_true(ms_rules_wildcard_match("t[a-d]", "tc"));
	assert_false(ms_rules_wildcard_match("t[a-d]", "te"));
	assert_true(ms_rules_wildcard_match("t[^a-d]", "te"));
	assert_false(ms_rules_wildcard_match("t[^a-d]", "tb"));
	/* DMS: [_] is a literal underscore */
	assert_true(ms_rules_wildcard_match("tmp[_]%", "tmp_x"));
	assert_false(ms_rules_wildcard_match("tmp[_]%", "tmpx"));
	assert_true(ms_rules_wildcard_match("[%]", "%"));
	assert_false(ms_rules_wildcard_match("[%]", "x"));
	/* ']' first is a member; '-' last is a member */
	assert_true(ms_rules_wildcard_match("[]a]", "]"));
	assert_true(ms_rules_wildcard_match("[a-]", "-"));
	assert_true(ms_rules_wildcard_match("[^]]", "x"));
	assert_false(ms_rules_wildcard_match("[^]]", "]"));
	/* an unclosed '[' is an ordinary character */
	assert_true(ms_rules_wildcard_match("a[b", "a[b"));
	assert_false(ms_rules_wildcard_match("a[b", "ab"));
	assert_true(ms_rules_wildcard_match("[", "["));
	assert_true(ms_rules_wildcard_match("%[0-9][0-9]", "log_2024_07"));
	assert_false(ms_rules_wildcard_match("%[0-9][0-9]", "log_2024_7x"));
}

static void wildcard_utf8(void **state)
{
	(void)state;
	/* '_' is one character, not one byte */
	assert_true(ms_rules_wildcard_match("caf_", "caf\xc3\xa9"));
	assert_false(ms_rules_wildcard_match("caf__", "caf\xc3\xa9"));
	assert_true(ms_rules_wildcard_match("_", "\xe2\x82\xac"));
	assert_true(ms_rules_wildcard_match("[\xc3\xa0-\xc3\xbf]", "\xc3\xa9"));
	assert_true(ms_rules_wildcard_match("%\xc3\xa9", "caf\xc3\xa9"));
	/* invalid bytes count as one character each */
	assert_true(ms_rules_wildcard_match("a_b", "a\xff"
						   "b"));
	/* a lead byte without its continuation byte is one character */
	assert_true(ms_rules_wildcard_match("a__b", "a\xc3"
						    "(b"));
	assert_true(ms_rules_wildcard_match("a_(b", "a\xc3"
						    "(b"));
}

static void wildcard_no_blowup(void **state)
{
	char name[4001], pat[201];

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (size_t i = 0; i < sizeof(pat) - 1; i += 2) {
		pat[i] = '%';
		pat[i + 1] = 'a';
	}
	pat[sizeof(pat) - 2] = 'b'; /* "%a%a...%b" never matches */
	pat[sizeof(pat) - 1] = '\0';
	assert_false(ms_rules_wildcard_match(pat, name));
}

static void default_selects_user_tables_only(void **state)
{
	struct ms_rules *r = ms_rules_new();

	(void)state;
	assert_non_null(r);
	assert_true(ms_rules_table_selected(r, "shop", "orders"));
	assert_true(ms_rules_schema_selected(r, "shop"));
	assert_false(ms_rules_table_selected(r, "mysql", "user"));
	assert_false(ms_rules_table_selected(r, "information_schema", "T"));
	assert_false(ms_rules_table_selected(r, "PERFORMANCE_SCHEMA", "x"));
	assert_false(ms_rules_table_selected(r, "sys", "x"));
	assert_false(ms_rules_table_selected(r, "_myshift", "checkpoints"));
	assert_false(ms_rules_schema_selected(r, "mysql"));
	assert_false(ms_rules_schema_selected(r, "_myshift"));
	assert_int_equal(ms_rules_set_control_schema(r, "ctl"), 0);
	assert_false(ms_rules_table_selected(r, "ctl", "x"));
	assert_true(ms_rules_table_selected(r, "_myshift", "x"));
	assert_int_equal(ms_rules_set_control_schema(r, ""), MS_EINVAL);
	expect_map(r, "shop", "orders", "shop", "orders");
	ms_rules_free(r);
}

static void system_schemas_beat_includes(void **state)
{
	struct ms_rules *r =
	    from_json("{\"rules\":[" SEL("1", "include", "%", "%") "," SEL(
		"2", "explicit", "mysql", "user") "]}");

	(void)state;
	assert_false(ms_rules_table_selected(r, "mysql", "user"));
	assert_false(ms_rules_table_selected(r, "sys", "x"));
	assert_false(ms_rules_table_selected(r, "_myshift", "x"));
	assert_true(ms_rules_table_selected(r, "app", "x"));
	ms_rules_free(r);
}

static void exclude_wins_whatever_the_order(void **state)
{
	struct ms_rules *a =
	    from_json("{\"rules\":[" SEL("1", "include", "shop", "%") "," SEL(
		"2", "exclude", "shop", "tmp%") "]}");
	struct ms_rules *b = from_json(
	    "{\"rules\":[" SEL("1", "exclude", "shop", "tmp%") "," SEL(
		"2", "include", "shop", "%") "]}");
	struct ms_rules *c = from_json(
	    "{\"rules\":[" SEL("1", "explicit", "shop", "tmp1") "," SEL(
		"2", "exclude", "shop", "tmp%") "]}");

	(void)state;
	assert_true(ms_rules_table_selected(a, "shop", "orders"));
	assert_false(ms_rules_table_selected(a, "shop", "tmp1"));
	assert_false(ms_rules_table_selected(a, "other", "orders"));
	assert_true(ms_rules_table_selected(b, "shop", "orders"));
	assert_false(ms_rules_table_selected(b, "shop", "tmp1"));
	assert_false(ms_rules_table_selected(c, "shop", "tmp1"));
	ms_rules_free(a);
	ms_rules_free(b);
	ms_rules_free(c);
}

static void explicit_is_literal(void **state)
{
	struct ms_rules *r = from_json(
	    "{\"rules\":[" SEL("1", "explicit", "NewCust", "Cust_%") "]}");

	(void)state;
	assert_true(ms_rules_table_selected(r, "NewCust", "Cust_%"));
	assert_false(ms_rules_table_selected(r, "NewCust", "Cust_1"));
	assert_false(ms_rules_table_selected(r, "newcust", "Cust_%"));
	assert_true(ms_rules_schema_selected(r, "NewCust"));
	assert_false(ms_rules_schema_selected(r, "NewCus_"));
	ms_rules_free(r);
}

static void schema_selected(void **state)
{
	struct ms_rules *r =
	    from_json("{\"rules\":[" SEL("1", "include", "app%", "%") "," SEL(
		"2", "exclude", "app_old", "%") "," SEL("3", "exclude",
							"app_new", "t%") "]}");

	(void)state;
	assert_true(ms_rules_schema_selected(r, "app1"));
	assert_false(ms_rules_schema_selected(r, "app_old"));
	assert_true(ms_rules_schema_selected(r, "app_new")); /* partly */
	assert_false(ms_rules_schema_selected(r, "other"));
	assert_false(ms_rules_table_selected(r, "app_new", "t1"));
	assert_true(ms_rules_table_selected(r, "app_new", "u1"));
	ms_rules_free(r);
}

static void transformations_each(void **state)
{
	static const struct {
		const char *json, *schema, *table, *want_s, *want_t;
	} cases[] = {
	    {TR("1", "rename", "schema", "\"schema-name\":\"Test\"",
		",\"value\":\"Test1\""),
	     "Test", "a", "Test1", "a"},
	    {TR("1", "rename", "table",
		"\"schema-name\":\"Test\",\"table-name\":\"Actor\"",
		",\"value\":\"Actor1\""),
	     "Test", "Actor", "Test", "Actor1"},
	    {TR("1", "add-prefix", "table",
		"\"schema-name\":\"test\",\"table-name\":\"%\"",
		",\"value\":\"DMS_\""),
	     "test", "a", "test", "DMS_a"},
	    {TR("1", "add-suffix", "schema", "\"schema-name\":\"%\"",
		",\"value\":\"_new\""),
	     "s", "a", "s_new", "a"},
	    {TR("1", "remove-prefix", "table",
		"\"schema-name\":\"%\",\"table-name\":\"%\"",
		",\"value\":\"tbl_\""),
	     "s", "tbl_a", "s", "a"},
	    {TR("1", "remove-prefix", "table",
		"\"schema-name\":\"%\",\"table-name\":\"%\"",
		",\"value\":\"tbl_\""),
	     "s", "xtbl_a", "s", "xtbl_a"},
	    {TR("1", "remove-prefix", "table",
		"\"schema-name\":\"%\",\"table-name\":\"%\"",
		",\"value\":\"tbl_\""),
	     "s", "tbl_", "s", "tbl_"}, /* never an empty name */
	    {TR("1", "remove-suffix", "table",
		"\"schema-name\":\"test\",\"table-name\":\"%\"",
		",\"value\":\"_DMS\""),
	     "test", "a_DMS", "test", "a"},
	    {TR("1", "remove-suffix", "table",
		"\"schema-name\":\"test\",\"table-name\":\"%\"",
		",\"value\":\"_DMS\""),
	     "test", "a_dms", "test", "a_dms"}, /* case-sensitive */
	    {TR("1", "replace-prefix", "schema", "\"schema-name\":\"%\"",
		",\"value\":\"NewPre_\",\"old-value\":\"Pre_\""),
	     "Pre_x", "a", "NewPre_x", "a"},
	    {TR("1", "replace-prefix", "schema", "\"schema-name\":\"%\"",
		",\"value\":\"NewPre_\",\"old-value\":\"Pre_\""),
	     "x", "a", "x", "a"},
	    {TR("1", "replace-suffix", "table",
		"\"schema-name\":\"%\",\"table-name\":\"%\"",
		",\"value\":\"_v2\",\"old-value\":\"_v1\""),
	     "s", "t_v1", "s", "t_v2"},
	    {TR("1", "convert-lowercase", "table",
		"\"schema-name\":\"test\",\"table-name\":\"ACTOR\"", ""),
	     "test", "ACTOR", "test", "actor"},
	    {TR("1", "convert-uppercase", "schema",
		"\"schema-name\":\"%\",\"table-name\":\"%\"", ""),
	     "caf\xc3\xa9", "t", "CAF\xc3\xa9", "t"},
	    /* rules match source names, schema and table separately */
	    {TR("1", "rename", "table",
		"\"schema-name\":\"a\",\"table-name\":\"t\"",
		",\"value\":\"u\""),
	     "b", "t", "b", "t"},
	};
	char doc[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ms_rules *r;

		snprintf(doc, sizeof(doc), "{\"rules\":[%s]}", cases[i].json);
		r = from_json(doc);
		expect_map(r, cases[i].schema, cases[i].table, cases[i].want_s,
			   cases[i].want_t);
		ms_rules_free(r);
	}
}

static void map_schema_only_and_caps(void **state)
{
	struct ms_rules *r = from_json("{\"rules\":[" TR(
	    "1", "add-prefix", "schema", "\"schema-name\":\"%\"",
	    ",\"value\":\"pre_\"") "]}");
	struct ms_buf s;

	(void)state;
	ms_buf_init(&s, 64);
	assert_int_equal(ms_rules_map(r, "db", NULL, &s, NULL), 0);
	assert_string_equal(ms_buf_str(&s), "pre_db");
	ms_buf_free(&s);
	ms_buf_init(&s, 5);
	assert_int_equal(ms_rules_map(r, "db", NULL, &s, NULL), MS_ETOOLARGE);
	ms_buf_free(&s);
	ms_rules_free(r);
}

static void rule_order_lowest_id_wins(void **state)
{
	/* Rule-id 3 comes first in the document but 2 is lower: DMS applies
	 * one transformation per object, the lowest rule-id. */
	const char *doc = "{\"rules\":[" TR(
	    "3", "add-prefix", "table",
	    "\"schema-name\":\"s\",\"table-name\":\"%\"",
	    ",\"value\":\"p_\"") "," TR("2", "rename", "table",
					"\"schema-name\":\"s\",\"table-name\":"
					"\"t\"",
					",\"value\":\"renamed\"") "," TR("10",
									 "renam"
									 "e",
									 "schem"
									 "a",
									 "\"sch"
									 "ema-"
									 "name"
									 "\":"
									 "\"s"
									 "\"",
									 ",\"va"
									 "lue\""
									 ":\"s1"
									 "0\"") "," TR("9",
										       "convert-uppercase",
										       "schema",
										       "\"schema-name\":\"%\"",
										       "") "]}";
	struct ms_rules *r;
	char *out = NULL;
	size_t outlen = 0;
	FILE *log = open_memstream(&out, &outlen);

	(void)state;
	assert_non_null(log);
	ms_log_set_stream(log);
	r = from_json(doc);
	expect_map(r, "s", "t", "S", "renamed");
	expect_map(r, "s", "u", "S", "p_u");
	expect_map(r, "x", "t", "X", "t");
	ms_log_set_stream(NULL);
	fclose(log);
	assert_non_null(strstr(out, "event=transformation_ignored"));
	assert_non_null(strstr(out, "rule-id '3'"));
	free(out);
	ms_rules_free(r);
}

static void rule_ids_numbers_or_strings(void **state)
{
	struct ms_rules *r = from_json(
	    "{\"rules\":[{\"rule-type\":\"selection\",\"rule-id\":7,"
	    "\"rule-name\":\"seven\",\"rule-action\":\"include\","
	    "\"object-locator\":{\"schema-name\":\"a\",\"table-name\":"
	    "\"%\"},\"filters\":[],\"load-order\":1}]}");

	(void)state;
	assert_true(ms_rules_table_selected(r, "a", "t"));
	ms_rules_free(r);
	expect_reject("{\"rules\":[" SEL("1", "include", "a", "%") "," SEL(
			  "1", "include", "b", "%") "]}",
		      MS_ECONFIG, "t.json: rule 2", "rule-id '1'",
		      "already used by rule 1", NULL);
	expect_reject("{\"rules\":[" SEL("x1", "include", "a", "%") "]}",
		      MS_ECONFIG, "rule 1", "rule-id 'x1'",
		      "field 'rule-id' must be a number", NULL);
}

static void rejects_unsupported(void **state)
{
	(void)state;
	expect_reject("{\"rules\":[" SEL("1", "include", "a", "%") "," TR(
			  "2", "remove-column", "column",
			  "\"schema-name\":\"a\",\"table-name\":\"t\","
			  "\"column-name\":\"c\"",
			  "") "]}",
		      MS_ECONFIG, "t.json: rule 2", "rule-id '2'",
		      "rule-name 'n2'", "rule-action 'remove-column'",
		      "column transformations are not supported", NULL);
	expect_reject("{\"rules\":[" TR("5", "add-column", "column",
					"\"schema-name\":\"a\","
					"\"table-name\":\"t\"",
					",\"value\":\"c\",\"data-type\":{"
					"\"type\":\"int4\"}") "]}",
		      MS_ECONFIG, "rule-action 'add-column'", NULL);
	expect_reject("{\"rules\":[" TR("5", "change-data-type", "column",
					"\"schema-name\":\"a\"", "") "]}",
		      MS_ECONFIG, "rule-action 'change-data-type'", NULL);
	expect_reject("{\"rules\":[" TR("5", "define-primary-key", "table",
					"\"schema-name\":\"a\"", "") "]}",
		      MS_ECONFIG, "rule-action 'define-primary-key'", NULL);
	expect_reject("{\"rules\":[" TR("5", "data-masking-hash-mask", "column",
					"\"schema-name\":\"a\"", "") "]}",
		      MS_ECONFIG, "'data-masking-hash-mask'", NULL);
	expect_reject("{\"rules\":[" TR("5", "exclude-column", "column",
					"\"schema-name\":\"a\"", "") "]}",
		      MS_ECONFIG, "'exclude-column'", NULL);
	expect_reject("{\"rules\":[" TR("6", "rename", "column",
					"\"schema-name\":\"a\"",
					",\"value\":\"x\"") "]}",
		      MS_ECONFIG, "rule-id '6'", "rule-target 'column'", NULL);
	expect_reject("{\"rules\":[" TR("6", "rename", "table-tablespace",
					"\"schema-name\":\"a\"",
					",\"value\":\"x\"") "]}",
		      MS_ECONFIG, "rule-target 'table-tablespace'", NULL);
	expect_reject("{\"rules\":[" TR("6", "frobnicate", "table",
					"\"schema-name\":\"a\"", "") "]}",
		      MS_ECONFIG, "rule-action 'frobnicate' is not supported",
		      NULL);
	expect_reject("{\"rules\":[{\"rule-type\":\"post-processing\","
		      "\"rule-id\":\"4\",\"rule-name\":\"tag\"}]}",
		      MS_ECONFIG, "rule-id '4'", "rule-name 'tag'",
		      "rule-type 'post-processing' is not supported", NULL);
	/* source filters change which rows migrate: never ignored */
	expect_reject(
	    "{\"rules\":[{\"rule-type\":\"selection\",\"rule-id\":"
	    "\"1\",\"rule-name\":\"f\",\"rule-action\":\"include\","
	    "\"object-locator\":{\"schema-name\":\"a\",\"table-name\":"
	    "\"t\"},\"filters\":[{\"filter-type\":\"source\"}]}]}",
	    MS_ECONFIG, "rule-name 'f'", "field 'filters'", NULL);
	expect_reject(
	    "{\"rules\":[{\"rule-type\":\"selection\",\"rule-id\":"
	    "\"1\",\"rule-name\":\"v\",\"rule-action\":\"include\","
	    "\"object-locator\":{\"schema-name\":\"a\",\"table-name\":"
	    "\"%\",\"table-type\":\"view\"}}]}",
	    MS_ECONFIG, "field 'table-type'", "'view'", NULL);
}

static void rejects_malformed_rules(void **state)
{
	(void)state;
	expect_reject("{\"rules\":[" SEL("1", "include", "a", "%") "," SEL(
			  "2", "keep", "a", "%") "]}",
		      MS_ECONFIG, "rule 2", "rule-action 'keep'", NULL);
	expect_reject("{\"rules\":[{\"rule-type\":\"selection\",\"rule-id\":"
		      "\"1\",\"rule-name\":\"x\",\"rule-action\":\"include\","
		      "\"object-locator\":{\"schema-name\":\"a\"}}]}",
		      MS_ECONFIG, "field 'table-name' is missing", NULL);
	expect_reject("{\"rules\":[{\"rule-type\":\"selection\",\"rule-id\":"
		      "\"1\",\"rule-name\":\"x\",\"rule-action\":\"include\","
		      "\"object-locator\":{\"schema-name\":\"\","
		      "\"table-name\":\"t\"}}]}",
		      MS_ECONFIG, "field 'schema-name' is empty", NULL);
	expect_reject("{\"rules\":[{\"rule-type\":\"selection\",\"rule-id\":"
		      "\"1\",\"rule-action\":\"include\",\"object-locator\":{"
		      "\"schema-name\":\"a\",\"table-name\":\"t\"}}]}",
		      MS_ECONFIG, "field 'rule-name' is missing", NULL);
	expect_reject("{\"rules\":[{\"rule-type\":\"selection\","
		      "\"rule-name\":\"x\"}]}",
		      MS_ECONFIG, "field 'rule-id' is missing", NULL);
	expect_reject("{\"rules\":[" TR("1", "rename", "schema",
					"\"schema-name\":\"a\"", "") "]}",
		      MS_ECONFIG, "rule-id '1'", "field 'value' is missing",
		      NULL);
	expect_reject("{\"rules\":[" TR("1", "replace-prefix", "schema",
					"\"schema-name\":\"a\"",
					",\"value\":\"x\"") "]}",
		      MS_ECONFIG, "field 'old-value' is missing", NULL);
	expect_reject("{\"rules\":[" TR("1", "convert-lowercase", "schema",
					"\"schema-name\":\"a\"",
					",\"value\":\"x\"") "]}",
		      MS_ECONFIG, "field 'value' is not used", NULL);
	expect_reject("{\"rules\":[" TR("1", "rename", "table",
					"\"schema-name\":\"a\"",
					",\"value\":\"x\"") "]}",
		      MS_ECONFIG, "field 'table-name' is missing", NULL);
	expect_reject("{\"rules\":[" TR("1", "rename", "schema",
					"\"schema-name\":\"a\","
					"\"table-name\":\"t\"",
					",\"value\":\"x\"") "]}",
		      MS_ECONFIG, "schema rule applies to whole schemas", NULL);
	expect_reject("{\"rules\":[" TR("1", "rename", "schema",
					"\"schema-name\":\"a\"",
					",\"value\":\"x\",\"expression\":"
					"\"1\"") "]}",
		      MS_ECONFIG, "field 'expression' is not supported", NULL);
	expect_reject(
	    "{\"rules\":[" SEL("1", "include", "a", "%") "],"
							 "\"version\":2}",
	    MS_ECONFIG, "top-level field 'version'", NULL);
	expect_reject("[]", MS_ECONFIG, "'rules' array", NULL);
	expect_reject("{\"rules\":{}}", MS_ECONFIG, "'rules' must be", NULL);
	expect_reject("{\"rules\":[1]}", MS_ECONFIG, "rule 1",
		      "must be an object", NULL);
}

static void table_settings_ignored_with_warning(void **state)
{
	struct ms_rules *r;
	char *out = NULL;
	size_t outlen = 0;
	FILE *log = open_memstream(&out, &outlen);

	(void)state;
	assert_non_null(log);
	ms_log_set_stream(log);
	r = from_json("{\"rules\":[" SEL(
	    "1", "include", "a",
	    "%") ","
		 "{\"rule-type\":\"table-settings\",\"rule-id\":\"2\","
		 "\"rule-name\":\"2\",\"object-locator\":{\"schema-name\":"
		 "\"a\",\"table-name\":\"t\"},\"parallel-load\":{\"type\":"
		 "\"partitions-auto\"}}]}");
	ms_log_set_stream(NULL);
	fclose(log);
	assert_non_null(strstr(out, "rule_type=table-settings"));
	assert_non_null(strstr(out, "rule_id=2"));
	assert_true(ms_rules_table_selected(r, "a", "t"));
	assert_false(ms_rules_table_selected(r, "b", "t"));
	free(out);
	ms_rules_free(r);
}

static void malformed_json_reports_line_col(void **state)
{
	(void)state;
	expect_reject("{\"rules\": [\n  {\"rule-type\": }\n]}", MS_ECONFIG,
		      "t.json:2:", NULL);
	expect_reject("", MS_ECONFIG, "t.json:", NULL);
	expect_reject("{\"rules\": []} x", MS_ECONFIG, "t.json:1:", NULL);
	/* duplicate keys are ambiguous, not "last one wins" */
	expect_reject("{\"rules\":[{\"rule-type\":\"selection\",\"rule-type\":"
		      "\"transformation\"}]}",
		      MS_ECONFIG, "duplicate", NULL);
}

static void too_large_inputs(void **state)
{
	struct ms_rules *r = ms_rules_new();
	struct ms_err err;
	char big[64];

	(void)state;
	assert_non_null(r);
	memset(big, ' ', sizeof(big));
	ms_err_clear(&err);
	assert_int_equal(ms_rules_add_dms_json(r, "big.json", big,
					       (size_t)17 * 1024 * 1024, &err),
			 MS_ETOOLARGE);
	assert_non_null(strstr(err.msg, "big.json"));
	ms_rules_free(r);
}

static void load_errors(void **state)
{
	struct ms_rules *r = ms_rules_new();
	struct ms_err err;

	(void)state;
	assert_non_null(r);
	ms_err_clear(&err);
	assert_int_equal(ms_rules_load_dms(r, "/nonexistent/m.json", &err),
			 MS_ECONFIG);
	assert_non_null(strstr(err.msg, "/nonexistent/m.json"));
	ms_rules_free(r);
}

static const char *testdata(const char *name, char *buf, size_t n)
{
	const char *dir = getenv("MYSHIFT_TESTDATA");

	if (!dir)
		dir = "tests/data";
	snprintf(buf, n, "%s/dms/%s", dir, name);
	return buf;
}

static void real_dms_file(void **state)
{
	static const struct {
		const char *schema, *table;
		bool selected;
		const char *to_schema, *to_table;
	} want[] = {
	    {"shop", "orders", true, "shop_v2", "orders"},
	    {"shop", "tmp_x", false, NULL, NULL},
	    {"shop", "tmpx", true, "shop_v2", "tmpx"},
	    {"shop", "orders_bak", false, NULL, NULL},
	    {"SHOP", "orders", false, NULL, NULL},
	    {"billing", "invoice", true, "billing", "invoice"},
	    {"billing", "invoice_old", true, "billing", "invoice_archive"},
	    {"billing", "payment", false, NULL, NULL},
	    {"legacy", "Customer", true, "legacy", "customer"},
	    {"legacy", "customer", false, NULL, NULL},
	    {"legacy", "Customers", false, NULL, NULL},
	    {"tenant_001", "users", true, "customer_001", "t_users"},
	    {"tenant_042", "users_bak", false, NULL, NULL},
	    {"tenant_1", "users", false, NULL, NULL},
	    {"tenant_100", "users", false, NULL, NULL},
	    {"tenantX001", "users", false, NULL, NULL},
	    {"mysql", "user", false, NULL, NULL},
	    {"_myshift", "checkpoints", false, NULL, NULL},
	};
	struct ms_rules *r = ms_rules_new();
	struct ms_err err;
	char path[4096];
	size_t i;

	(void)state;
	assert_non_null(r);
	ms_err_clear(&err);
	if (ms_rules_load_dms(
		r, testdata("table-mappings.json", path, sizeof(path)), &err))
		fail_msg("%s", err.msg);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bool got =
		    ms_rules_table_selected(r, want[i].schema, want[i].table);

		if (got != want[i].selected)
			fail_msg("%s.%s: selected=%d, want %d", want[i].schema,
				 want[i].table, got, want[i].selected);
		if (want[i].selected)
			expect_map(r, want[i].schema, want[i].table,
				   want[i].to_schema, want[i].to_table);
	}
	assert_true(ms_rules_schema_selected(r, "shop"));
	assert_true(ms_rules_schema_selected(r, "billing"));
	assert_false(ms_rules_schema_selected(r, "crm"));
	ms_rules_free(r);
}

static void real_dms_prefix_lowercase(void **state)
{
	struct ms_rules *r = ms_rules_new();
	struct ms_err err;
	char path[4096];
	char *out = NULL;
	size_t outlen = 0;
	FILE *log = open_memstream(&out, &outlen);

	(void)state;
	assert_non_null(r);
	assert_non_null(log);
	ms_log_set_stream(log);
	ms_err_clear(&err);
	if (ms_rules_load_dms(
		r, testdata("prefix-lowercase.json", path, sizeof(path)), &err))
		fail_msg("%s", err.msg);
	ms_log_set_stream(NULL);
	fclose(log);
	assert_non_null(strstr(out, "field=load-order"));
	assert_non_null(strstr(out, "rule_type=table-settings"));
	free(out);
	assert_true(ms_rules_table_selected(r, "ERP", "TBL_ORDERS"));
	assert_false(ms_rules_table_selected(r, "erp", "TBL_ORDERS"));
	expect_map(r, "ERP", "TBL_ORDERS", "erp", "ORDERS");
	expect_map(r, "ERP", "CUSTOMERS", "erp", "CUSTOMERS");
	expect_map(r, "ERP_HIST", "ORDERS_H", "erp_hist", "ORDERS_history");
	expect_map(r, "ERP_ARCH", "ORDERS", "erp_arch", "ORDERS_arch");
	ms_rules_free(r);
}

static void real_dms_unsupported(void **state)
{
	static const struct {
		const char *file, *want[3];
	} cases[] = {
	    {"unsupported-column.json",
	     {"rule 2 (rule-id '2', rule-name 'drop-col-columns')",
	      "rule-action 'remove-column'", "unsupported-column.json"}},
	    {"source-filter.json",
	     {"rule 1 (rule-id '1', rule-name 'recent-orders')",
	      "field 'filters'", "source-filter.json"}},
	};
	char path[4096];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ms_rules *r = ms_rules_new();
		struct ms_err err;

		assert_non_null(r);
		ms_err_clear(&err);
		assert_int_equal(
		    ms_rules_load_dms(
			r, testdata(cases[i].file, path, sizeof(path)), &err),
		    MS_ECONFIG);
		for (j = 0; j < 3; j++)
			if (!strstr(err.msg, cases[i].want[j]))
				fail_msg("'%s' not in '%s'", cases[i].want[j],
					 err.msg);
		ms_rules_free(r);
	}
}

static void split(const char *pattern, int want_rc, const char *want_s,
		  const char *want_t)
{
	struct ms_buf s, t;
	struct ms_err err;

	ms_buf_init(&s, 256);
	ms_buf_init(&t, 256);
	ms_err_clear(&err);
	assert_int_equal(ms_rules_split_pattern(pattern, &s, &t, &err),
			 want_rc);
	if (!want_rc) {
		assert_string_equal(ms_buf_str(&s), want_s);
		assert_string_equal(ms_buf_str(&t), want_t);
	} else {
		assert_non_null(strstr(err.msg, want_s));
	}
	ms_buf_free(&s);
	ms_buf_free(&t);
}

static void shortcut_split(void **state)
{
	(void)state;
	split("shop.orders", 0, "shop", "orders");
	split("shop", 0, "shop", "%");
	split("shop.%", 0, "shop", "%");
	split("app_%.t[0-9]", 0, "app_%", "t[0-9]");
	split("`my.db`.t%", 0, "my.db", "t%");
	split("`my.db`", 0, "my.db", "%");
	split("db.`a.b`", 0, "db", "a.b");
	split("`a``b`.`c``.d`", 0, "a`b", "c`.d");
	split("````.x", 0, "`", "x");
	split("", MS_EUSAGE, "empty", NULL);
	split(".t", MS_EUSAGE, "empty name", NULL);
	split("s.", MS_EUSAGE, "empty name", NULL);
	split("``.t", MS_EUSAGE, "empty name", NULL);
	split("a.b.c", MS_EUSAGE, "more than one dot", NULL);
	split("`a.b", MS_EUSAGE, "unterminated backquote", NULL);
	split("`a`b.c", MS_EUSAGE, "after closing backquote", NULL);
	split("a`b`.c", MS_EUSAGE, "backquote inside", NULL);
}

static void shortcut_rules(void **state)
{
	struct ms_rules *r = ms_rules_new();
	struct ms_err err;

	(void)state;
	assert_non_null(r);
	ms_err_clear(&err);
	assert_int_equal(ms_rules_add_exclude(r, "shop.tmp[_]%", &err), 0);
	assert_true(ms_rules_table_selected(r, "crm", "x")); /* no include */
	assert_int_equal(ms_rules_add_include(r, "shop", &err), 0);
	assert_int_equal(ms_rules_add_include(r, "`my.db`.t%", &err), 0);
	assert_int_equal(ms_rules_add_exclude(r, "old_%", &err), 0);
	assert_true(ms_rules_table_selected(r, "shop", "orders"));
	assert_false(ms_rules_table_selected(r, "shop", "tmp_1"));
	assert_true(ms_rules_table_selected(r, "my.db", "t1"));
	assert_false(ms_rules_table_selected(r, "my.db", "u1"));
	assert_false(ms_rules_table_selected(r, "crm", "x"));
	assert_false(ms_rules_schema_selected(r, "old_x"));
	assert_int_equal(ms_rules_add_include(r, "old_x", &err), 0);
	assert_false(ms_rules_table_selected(r, "old_x", "t")); /* exclude */
	assert_int_equal(ms_rules_add_include(r, "a.b.c", &err), MS_EUSAGE);
	assert_non_null(strstr(err.msg, "a.b.c"));
	ms_rules_free(r);
}

static void dms_and_shortcuts_combine(void **state)
{
	struct ms_rules *r =
	    from_json("{\"rules\":[" SEL("1", "include", "shop", "%") "," TR(
		"2", "rename", "schema", "\"schema-name\":\"shop\"",
		",\"value\":\"s2\"") "]}");
	struct ms_err err;

	(void)state;
	ms_err_clear(&err);
	assert_int_equal(ms_rules_add_exclude(r, "shop.audit", &err), 0);
	assert_int_equal(ms_rules_add_include(r, "crm.%", &err), 0);
	assert_false(ms_rules_table_selected(r, "shop", "audit"));
	assert_true(ms_rules_table_selected(r, "shop", "orders"));
	assert_true(ms_rules_table_selected(r, "crm", "a"));
	expect_map(r, "shop", "orders", "s2", "orders");
	expect_map(r, "crm", "a", "crm", "a");
	ms_rules_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(wildcard_basics),
	    cmocka_unit_test(wildcard_classes),
	    cmocka_unit_test(wildcard_utf8),
	    cmocka_unit_test(wildcard_no_blowup),
	    cmocka_unit_test(default_selects_user_tables_only),
	    cmocka_unit_test(system_schemas_beat_includes),
	    cmocka_unit_test(exclude_wins_whatever_the_order),
	    cmocka_unit_test(explicit_is_literal),
	    cmocka_unit_test(schema_selected),
	    cmocka_unit_test(transformations_each),
	    cmocka_unit_test(map_schema_only_and_caps),
	    cmocka_unit_test(rule_order_lowest_id_wins),
	    cmocka_unit_test(rule_ids_numbers_or_strings),
	    cmocka_unit_test(rejects_unsupported),
	    cmocka_unit_test(rejects_malformed_rules),
	    cmocka_unit_test(table_settings_ignored_with_warning),
	    cmocka_unit_test(malformed_json_reports_line_col),
	    cmocka_unit_test(too_large_inputs),
	    cmocka_unit_test(load_errors),
	    cmocka_unit_test(real_dms_file),
	    cmocka_unit_test(real_dms_prefix_lowercase),
	    cmocka_unit_test(real_dms_unsupported),
	    cmocka_unit_test(shortcut_split),
	    cmocka_unit_test(shortcut_rules),
	    cmocka_unit_test(dms_and_shortcuts_combine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for the values of the row-level diff (src/verify/value.c,
 * json.c, rowset.c): key text, float and JSON comparison, the JSON
 * canonical form and its refusals, key literals read back, by-key
 * predicates, row sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "verify/value.h"

/* ---- a key made by hand ------------------------------------------------- */

struct tkey {
	struct ms_column cols[4];
	struct ms_key_part parts[4];
	char quoted[4][32];
	struct ms_key k;
};

/* <spec>: one letter per part: i int, s varchar utf8mb4, l varchar latin1,
 * b varbinary, d datetime, f double. */
static void tkey_init(struct tkey *t, const char *spec)
{
	static char *names[] = {"id", "name", "bin", "at"};
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; spec[i]; i++) {
		struct ms_column *c = &t->cols[i];
		struct ms_key_part *p = &t->parts[i];

		c->name = names[i];
		snprintf(t->quoted[i], sizeof(t->quoted[i]), "`%s`", names[i]);
		p->col = c;
		p->quoted = t->quoted[i];
		switch (spec[i]) {
		case 'i':
			c->data_type = "int";
			p->lit = MS_KEY_LIT_NUM;
			break;
		case 'f':
			c->data_type = "double";
			p->lit = MS_KEY_LIT_NUM;
			break;
		case 's':
		case 'l':
			c->data_type = "varchar";
			c->charset = spec[i] == 's' ? "utf8mb4" : "latin1";
			c->collation = spec[i] == 's' ? "utf8mb4_bin"
						      : "latin1_swedish_ci";
			p->lit = MS_KEY_LIT_STR;
			break;
		case 'b':
			c->data_type = "varbinary";
			p->lit = MS_KEY_LIT_BIN;
			break;
		case 'd':
			c->data_type = "datetime";
			p->lit = MS_KEY_LIT_QUOTED;
			break;
		}
	}
	t->k.parts = t->parts;
	t->k.n = i;
}

static void expect_key_text(const char *spec, const char *const *vals,
			    const size_t *lens, const char *want)
{
	struct tkey t;
	struct ms_buf b;

	tkey_init(&t, spec);
	ms_buf_init(&b, 1 << 20);
	assert_int_equal(vf_key_text(&t.k, vals, lens, &b), 0);
	assert_string_equal(ms_buf_str(&b), want);
	ms_buf_free(&b);
}

static void key_text_rendering(void **state)
{
	const char *v1[] = {"42"};
	size_t l1[] = {2};
	const char *v2[] = {"7", "it's a \\ path"};
	size_t l2[] = {1, 13};
	const char *v3[] = {"1", "a\x01\n\x7f"
				 "b"};
	size_t l3[] = {1, 5};
	const char *v4[] = {"1", "caf\xc3\xa9 \xe9"}; /* UTF-8, then latin1 */
	size_t l4[] = {1, 7};
	const char *v5[] = {"1", "x", "\x00\xff"};
	size_t l5[] = {1, 1, 2};
	const char *v6[] = {"1", "", ""};
	size_t l6[] = {1, 0, 0};
	const char *v7[] = {"1", "x", "", "2024-01-02 03:04:05"};
	size_t l7[] = {1, 1, 0, 19};

	(void)state;
	expect_key_text("i", v1, l1, "id=42");
	expect_key_text("is", v2, l2, "id=7, name='it\\'s a \\\\ path'");
	expect_key_text("is", v3, l3, "id=1, name='a\\x01\\x0A\\x7Fb'");
	expect_key_text("is", v4, l4, "id=1, name='caf\xc3\xa9 \\xE9'");
	expect_key_text("isb", v5, l5, "id=1, name='x', bin=0x00FF");
	expect_key_text("isb", v6, l6, "id=1, name='', bin=0x");
	expect_key_text("isbd", v7, l7,
			"id=1, name='x', bin=0x, at='2024-01-02 03:04:05'");
}

static void row_text_keyless(void **state)
{
	struct ms_column c[4] = {
	    {.name = "n", .data_type = "decimal"},
	    {.name = "s", .data_type = "varchar", .charset = "utf8mb4"},
	    {.name = "b", .data_type = "blob"},
	    {.name = "j", .data_type = "json"},
	};
	struct vf_col cols[4];
	const char *v[] = {"1.50", NULL, "\x01", "{\"a\": 1}"};
	size_t l[] = {4, 0, 1, 8}, i;
	struct ms_buf b;

	(void)state;
	for (i = 0; i < 4; i++)
		cols[i] = (struct vf_col){.src = &c[i], .tgt = &c[i]};
	ms_buf_init(&b, 1 << 20);
	assert_int_equal(vf_row_text(cols, 4, v, l, &b), 0);
	assert_string_equal(ms_buf_str(&b),
			    "n=1.50, s=NULL, b=0x01, j='{\"a\": 1}'");
	ms_buf_free(&b);
}

/* ---- comparison -----------------------------------------------------------
 */

static size_t slen(const char *s)
{
	return s ? strlen(s) : 0;
}

#define EQ(cmp, a, b) vf_value_equal(cmp, a, slen(a), b, slen(b))

static void compare_bytes_and_null(void **state)
{
	(void)state;
	assert_true(EQ(VF_CMP_BYTES, NULL, NULL));
	assert_false(EQ(VF_CMP_BYTES, NULL, ""));
	assert_false(EQ(VF_CMP_BYTES, "", NULL));
	assert_true(EQ(VF_CMP_BYTES, "abc", "abc"));
	assert_false(EQ(VF_CMP_BYTES, "a", "a "));
	assert_false(EQ(VF_CMP_BYTES, "a", "A"));
	assert_false(EQ(VF_CMP_BYTES, "1", "1.0"));
	assert_false(vf_value_equal(VF_CMP_BYTES, "a\0b", 3, "a\0c", 3));
	assert_true(vf_value_equal(VF_CMP_BYTES, "a\0b", 3, "a\0b", 3));
}

static void compare_floats(void **state)
{
	(void)state;
	assert_true(EQ(VF_CMP_FLOAT, "1", "1e0"));
	assert_true(EQ(VF_CMP_FLOAT, "1", "1.0"));
	assert_true(EQ(VF_CMP_FLOAT, "0.1", "0.10000000000000001"));
	assert_true(EQ(VF_CMP_FLOAT, "-0", "0"));
	assert_true(EQ(VF_CMP_FLOAT, "1.7976931348623157e308",
		       "1.7976931348623157E+308"));
	assert_false(EQ(VF_CMP_FLOAT, "1.5", "1.25"));
	/* FLOAT 0.1 read as a double is not DOUBLE 0.1 */
	assert_false(EQ(VF_CMP_FLOAT, "0.10000000149011612", "0.1"));
	assert_false(EQ(VF_CMP_FLOAT, NULL, "0"));
	assert_true(EQ(VF_CMP_FLOAT, NULL, NULL));
	/* not a number: the bytes */
	assert_true(EQ(VF_CMP_FLOAT, "x", "x"));
	assert_false(EQ(VF_CMP_FLOAT, "1x", "1"));
	assert_false(EQ(VF_CMP_FLOAT, "", "0"));
}

static void expect_canon(const char *in, const char *want)
{
	struct ms_buf b;
	struct ms_err err;
	int rc;

	ms_buf_init(&b, 1 << 20);
	rc = vf_json_canon(in, strlen(in), &b, &err);
	if (rc)
		fail_msg("%s: %s", in, err.msg);
	assert_string_equal(ms_buf_str(&b), want);
	ms_buf_free(&b);
}

static void json_canonical_text(void **state)
{
	(void)state;
	expect_canon("{\"b\": 1, \"a\": \"x\\u00e9\"}",
		     "{\"a\":\"x\xc3\xa9\",\"b\":1}");
	expect_canon(" [ 1 , 2 ,\n\t[] , {} ] ", "[1,2,[],{}]");
	expect_canon("{\"a\":1,\"a\":2}", "{\"a\":2}");
	expect_canon("{\"a\":1,\"b\":0,\"a\":{\"z\":1,\"y\":2}}",
		     "{\"a\":{\"y\":2,\"z\":1},\"b\":0}");
	expect_canon("\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"",
		     "\"/\\u0008\\u000c\\u000a\\u000d\\u0009\\\"\\\\\"");
	expect_canon("\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"");
	expect_canon("\"\\u0000\"", "\"\\u0000\"");
	expect_canon("1.0", "1");
	expect_canon("-0.0", "0");
	expect_canon("-0", "0");
	expect_canon("1e2", "100");
	expect_canon("0.5", "0.5");
	expect_canon("-9223372036854775808", "-9223372036854775808");
	expect_canon("18446744073709551615", "18446744073709551615");
	expect_canon("18446744073709551616", "1.8446744073709552e+19");
}

/* Keys sort by their bytes after unescaping: "\u00e9" is 0xc3 0xa9. */
static void json_key_order_bytes(void **state)
{
	(void)state;
	expect_canon("{\"\\u00e9\":1,\"z\":2,\"\":3,\"aa\":4,\"a\":5}",
		     "{\"\":3,\"a\":5,\"aa\":4,\"z\":2,\"\xc3\xa9\":1}");
}

static void json_equal_across_flavours(void **state)
{
	(void)state;
	/* MySQL's printed form against MariaDB's stored text */
	assert_true(EQ(VF_CMP_JSON, "{\"a\": 1, \"b\": [1, 2.5]}",
		       "{\"b\":[1,2.50],\"a\":1.0}"));
	assert_true(EQ(VF_CMP_JSON, "{\"k\": {\"y\": [true, null]}, \"a\": 0}",
		       "{ \"a\" : 0 , \"k\" : { \"y\" : [ true , null ] } }"));
	assert_true(EQ(VF_CMP_JSON, "\"caf\\u00e9\"", "\"caf\xc3\xa9\""));
	assert_true(
	    EQ(VF_CMP_JSON, "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\""));
	assert_true(EQ(VF_CMP_JSON, "{\"a\":1,\"a\":2}", "{\"a\": 2}"));
	assert_true(EQ(VF_CMP_JSON, "1e2", "100"));
	assert_true(EQ(VF_CMP_JSON, "[0.1]", "[0.10]"));
	assert_false(EQ(VF_CMP_JSON, "{\"a\":1,\"a\":2}", "{\"a\": 1}"));
	assert_false(EQ(VF_CMP_JSON, "[1,2]", "[2,1]"));
	assert_false(EQ(VF_CMP_JSON, "{\"a\":\"1\"}", "{\"a\":1}"));
	assert_false(EQ(VF_CMP_JSON, "{\"a\":1}", "{\"A\":1}"));
	assert_false(EQ(VF_CMP_JSON, "null", "\"null\""));
	assert_false(EQ(VF_CMP_JSON, "9007199254740993", "9007199254740992"));
	assert_false(EQ(VF_CMP_JSON, NULL, "null"));
	/* not JSON: the bytes */
	assert_true(EQ(VF_CMP_JSON, "{bad", "{bad"));
	assert_false(EQ(VF_CMP_JSON, "{bad", "{bad "));
}

static void expect_refused(const char *in, size_t len, int code)
{
	struct ms_buf b;
	struct ms_err err;
	int rc;

	ms_buf_init(&b, 1 << 20);
	ms_err_clear(&err);
	rc = vf_json_canon(in, len, &b, &err);
	if (rc != code)
		fail_msg("%.40s: got %d, want %d (%s)", in, rc, code, err.msg);
	assert_int_equal(err.code, code);
	assert_non_null(strstr(err.msg, "JSON"));
	ms_buf_free(&b);
}

#define REFUSED(s) expect_refused(s, sizeof(s) - 1, MS_EPARSE)

static void json_refuses_invalid(void **state)
{
	(void)state;
	REFUSED("");
	REFUSED("   ");
	REFUSED("{");
	REFUSED("[1,]");
	REFUSED("[,1]");
	REFUSED("{\"a\" 1}");
	REFUSED("{\"a\":1,}");
	REFUSED("{a:1}");
	REFUSED("01");
	REFUSED("1.");
	REFUSED(".5");
	REFUSED("-");
	REFUSED("+1");
	REFUSED("1e");
	REFUSED("tru");
	REFUSED("nul");
	REFUSED("True");
	REFUSED("1 2");
	REFUSED("[1]x");
	REFUSED("\"abc");
	REFUSED("\"\\x\"");
	REFUSED("\"\\u12\"");
	REFUSED("\"\\ud800\"");		 /* lone high surrogate */
	REFUSED("\"\\ud800\\u0041\"");	 /* high then not low */
	REFUSED("\"\\udc00\"");		 /* lone low surrogate */
	REFUSED("\"\x01\"");		 /* raw control character */
	REFUSED("\"\xc3\"");		 /* truncated UTF-8 */
	REFUSED("\"\xc0\xaf\"");	 /* overlong */
	REFUSED("\"\xed\xa0\x80\"");	 /* encoded surrogate */
	REFUSED("\"\xf4\x90\x80\x80\""); /* above U+10FFFF */
	REFUSED("\"\xff\"");
	REFUSED("1e400"); /* beyond a double, as MySQL refuses it */
	REFUSED("-1e400");
	expect_refused("[1]\0", 4, MS_EPARSE);
	expect_refused("\"a\0b\"", 5, MS_EPARSE);
}

static void json_depth_bounded(void **state)
{
	size_t n = VF_JSON_MAX_DEPTH, i;
	char *s = malloc(2 * (n + 1) + 1);
	struct ms_buf b;
	struct ms_err err;

	(void)state;
	assert_non_null(s);
	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[2 * n - 1 - i] = ']';
	}
	ms_buf_init(&b, 1 << 20);
	assert_int_equal(vf_json_canon(s, 2 * n, &b, &err), 0);
	assert_int_equal(b.len, 2 * n);
	for (i = 0; i <= n; i++) {
		s[i] = '[';
		s[2 * (n + 1) - 1 - i] = ']';
	}
	ms_buf_reset(&b);
	assert_int_equal(vf_json_canon(s, 2 * (n + 1), &b, &err), MS_ETOOLARGE);
	/* a very deep document is refused, not a stack overflow */
	free(s);
	n = 1000000;
	s = malloc(n);
	assert_non_null(s);
	memset(s, '[', n);
	assert_int_equal(vf_json_canon(s, n, &b, &err), MS_ETOOLARGE);
	memset(s, '{', n);
	assert_int_equal(vf_json_canon(s, n, &b, &err), MS_EPARSE);
	free(s);
	ms_buf_free(&b);
}

static void json_canonical_is_fixed_point(void **state)
{
	static const char *docs[] = {
	    "{\"b\": [1, {\"d\": 1e-7, \"c\": \"\\u0001\"}], \"a\": -12.5e3}",
	    "[\"\\\"\", \"\\\\\", \"\\u001f\", \"\\u007f\", \"\xe2\x82\xac\"]",
	    "123456789012345678901234567890",
	    "0.30000000000000004",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(*docs); i++) {
		struct ms_buf a, b;

		ms_buf_init(&a, 1 << 20);
		ms_buf_init(&b, 1 << 20);
		assert_int_equal(
		    vf_json_canon(docs[i], strlen(docs[i]), &a, NULL), 0);
		assert_int_equal(vf_json_canon(a.ptr, a.len, &b, NULL), 0);
		assert_string_equal(ms_buf_str(&a), ms_buf_str(&b));
		ms_buf_free(&a);
		ms_buf_free(&b);
	}
}

/* ---- digests ---------------------------------------------------------------
 */

static void digest_follows_comparison(void **state)
{
	struct ms_column c[3] = {{.name = "f", .data_type = "double"},
				 {.name = "j", .data_type = "json"},
				 {.name = "s", .data_type = "varchar"}};
	struct vf_col cols[3] = {{&c[0], &c[0], VF_CMP_FLOAT},
				 {&c[1], &c[1], VF_CMP_JSON},
				 {&c[2], &c[2], VF_CMP_BYTES}};
	const char *a[] = {"1", "{\"x\": 1, \"y\": 2}", ""};
	const char *b[] = {"1e0", "{\"y\":2,\"x\":1.0}", ""};
	const char *n[] = {"1", "{\"x\": 1, \"y\": 2}", NULL};
	size_t la[] = {1, 16, 0}, lb[] = {3, 15, 0};
	struct vf_digest da, db, dn;
	struct ms_buf s;

	(void)state;
	ms_buf_init(&s, 1 << 20);
	vf_digest_init(&da, 1);
	vf_digest_init(&db, 1);
	vf_digest_init(&dn, 1);
	assert_int_equal(vf_digest_row(&da, cols, 3, a, la, &s), 0);
	assert_int_equal(vf_digest_row(&db, cols, 3, b, lb, &s), 0);
	assert_int_equal(vf_digest_row(&dn, cols, 3, n, la, &s), 0);
	assert_true(vf_digest_eq(&da, &db));
	assert_false(vf_digest_eq(&da, &dn)); /* '' is not NULL */
	ms_buf_free(&s);
}

/* ---- the key as bytes and SQL
 * ------------------------------------------------ */

static void lits_round_trip(void **state)
{
	struct tkey t;
	const char *v[] = {"-17", "it's, \xc3\xa9", "\x00,'", "2024-01-02"};
	size_t l[] = {3, 9, 3, 10}, i, gl[4];
	const char *gv[4];
	struct ms_buf lits, raw;

	(void)state;
	tkey_init(&t, "isbd");
	ms_buf_init(&lits, 1 << 20);
	ms_buf_init(&raw, 1 << 20);
	assert_int_equal(ms_key_literals(&t.k, v, l, &lits), 0);
	assert_int_equal(vf_lits_decode(&t.k, ms_buf_str(&lits), &raw, gv, gl),
			 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(gl[i], l[i]);
		assert_memory_equal(gv[i], v[i], l[i]);
	}
	/* a target key converting from latin1 reads back the same */
	t.parts[1].in_charset = "latin1";
	ms_buf_reset(&lits);
	assert_int_equal(ms_key_literals(&t.k, v, l, &lits), 0);
	assert_non_null(strstr(ms_buf_str(&lits), "CONVERT(_latin1 X'"));
	assert_int_equal(vf_lits_decode(&t.k, ms_buf_str(&lits), &raw, gv, gl),
			 0);
	assert_memory_equal(gv[1], v[1], l[1]);
	assert_int_equal(vf_lits_decode(&t.k, "1,2", &raw, gv, gl), MS_EPARSE);
	assert_int_equal(vf_lits_decode(&t.k, "1,X'0',X'',X''", &raw, gv, gl),
			 MS_EPARSE);
	ms_buf_free(&lits);
	ms_buf_free(&raw);
}

static void key_select_and_in(void **state)
{
	struct tkey t;
	const char *v[2][2] = {{"1", "a"}, {"2", "b'"}};
	size_t l[2][2] = {{1, 1}, {1, 2}}, klens[2], i;
	struct ms_buf enc[2], out;
	const char *keys[2];

	(void)state;
	tkey_init(&t, "is");
	ms_buf_init(&out, 1 << 20);
	assert_int_equal(vf_key_select(&t.k, &out), 0);
	assert_string_equal(ms_buf_str(&out), "`id`, CAST(`name` AS BINARY)");
	t.parts[1].in_charset = "latin1";
	ms_buf_reset(&out);
	assert_int_equal(vf_key_select(&t.k, &out), 0);
	assert_string_equal(ms_buf_str(&out),
			    "`id`, CAST(CONVERT(`name` USING latin1) AS "
			    "BINARY)");
	t.parts[1].in_charset = NULL;
	for (i = 0; i < 2; i++) {
		ms_buf_init(&enc[i], 1 << 20);
		assert_int_equal(vf_key_encode(v[i], l[i], 2, &enc[i]), 0);
		keys[i] = enc[i].ptr;
		klens[i] = enc[i].len;
	}
	ms_buf_reset(&out);
	assert_int_equal(vf_key_in(&t.k, keys, klens, 2, &out), 0);
	assert_string_equal(
	    ms_buf_str(&out),
	    "(`id` = 1 AND `name` = _utf8mb4 X'61' COLLATE utf8mb4_bin) OR "
	    "(`id` = 2 AND `name` = _utf8mb4 X'6227' COLLATE utf8mb4_bin)");
	tkey_init(&t, "i");
	ms_buf_reset(&out);
	for (i = 0; i < 2; i++) {
		ms_buf_reset(&enc[i]);
		assert_int_equal(vf_key_encode(v[i], l[i], 1, &enc[i]), 0);
		keys[i] = enc[i].ptr;
		klens[i] = enc[i].len;
	}
	assert_int_equal(vf_key_in(&t.k, keys, klens, 2, &out), 0);
	assert_string_equal(ms_buf_str(&out), "`id` IN (1, 2)");
	for (i = 0; i < 2; i++)
		ms_buf_free(&enc[i]);
	ms_buf_free(&out);
}

static void key_encoding(void **state)
{
	const char *v[] = {"ab", NULL, ""};
	size_t l[] = {2, 0, 0}, gl[3];
	const char *gv[3];
	struct ms_buf b;

	(void)state;
	ms_buf_init(&b, 1 << 20);
	assert_int_equal(vf_key_encode(v, l, 3, &b), 0);
	assert_int_equal(b.len, 14);
	assert_int_equal(vf_key_decode(b.ptr, b.len, 3, gv, gl), 0);
	assert_memory_equal(gv[0], "ab", 2);
	assert_null(gv[1]);
	assert_non_null(gv[2]);
	assert_int_equal(gl[2], 0);
	assert_int_equal(vf_key_decode(b.ptr, b.len, 2, gv, gl), MS_ECORRUPT);
	assert_int_equal(vf_key_decode(b.ptr, b.len - 1, 3, gv, gl),
			 MS_ECORRUPT);
	assert_int_equal(vf_key_decode(b.ptr, 3, 1, gv, gl), MS_ECORRUPT);
	ms_buf_free(&b);
}

/* ---- row sets
 * ------------------------------------------------------------------ */

static bool always(void *ctx, const struct vf_rowset *s, size_t idx)
{
	(void)ctx;
	(void)s;
	(void)idx;
	return true;
}

static void rowset_find_and_merge(void **state)
{
	struct vf_rowset s;
	struct vf_digest d = {1, 2};
	char key[16];
	size_t i, idx;
	const char *v[1] = {"x"};
	size_t l[1] = {1};
	const char *gv[1];
	size_t gl[1];

	(void)state;
	vf_rowset_init(&s, true, 1 << 30);
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_int_equal(vf_rowset_add(&s, key, strlen(key), &d, v, l,
					       1, NULL, NULL, &idx),
				 0);
		assert_int_equal(idx, i);
	}
	for (i = 0; i < 5000; i += 7) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_int_equal(
		    vf_rowset_find(&s, key, strlen(key), NULL, NULL), i);
	}
	assert_int_equal(vf_rowset_find(&s, "k5000", 5, NULL, NULL), SIZE_MAX);
	s.rows[3].used = 1;
	assert_int_equal(vf_rowset_find(&s, "k3", 2, NULL, NULL), SIZE_MAX);
	assert_int_equal(vf_rowset_values(&s, 42, 1, gv, gl), 0);
	assert_memory_equal(gv[0], "x", 1);
	/* identical rows merge into a count */
	assert_int_equal(
	    vf_rowset_add(&s, "dup", 3, &d, v, l, 1, always, NULL, &idx), 0);
	assert_int_equal(
	    vf_rowset_add(&s, "dup", 3, &d, v, l, 1, always, NULL, &i), 0);
	assert_int_equal(i, idx);
	assert_int_equal(s.rows[idx].count, 2);
	assert_int_equal(s.n, 5001);
	vf_rowset_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(key_text_rendering),
	    cmocka_unit_test(row_text_keyless),
	    cmocka_unit_test(compare_bytes_and_null),
	    cmocka_unit_test(compare_floats),
	    cmocka_unit_test(json_canonical_text),
	    cmocka_unit_test(json_key_order_bytes),
	    cmocka_unit_test(json_equal_across_flavours),
	    cmocka_unit_test(json_refuses_invalid),
	    cmocka_unit_test(json_depth_bounded),
	    cmocka_unit_test(json_canonical_is_fixed_point),
	    cmocka_unit_test(digest_follows_comparison),
	    cmocka_unit_test(lits_round_trip),
	    cmocka_unit_test(key_select_and_in),
	    cmocka_unit_test(key_encoding),
	    cmocka_unit_test(rowset_find_and_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for identifier quoting (src/db/quote.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/buf.h"
#include "db/quote.h"

static void expect_ident(const char *name, const char *want)
{
	struct ms_buf b;

	ms_buf_init(&b, 4096);
	assert_int_equal(ms_quote_ident(&b, name), 0);
	assert_string_equal(ms_buf_str(&b), want);
	ms_buf_free(&b);
}

static void quote_plain_and_reserved(void **state)
{
	(void)state;
	expect_ident("t", "`t`");
	expect_ident("select", "`select`");
	expect_ident("ORDER", "`ORDER`");
	expect_ident("123", "`123`");
}

static void quote_backticks_doubled(void **state)
{
	(void)state;
	expect_ident("a`b", "`a``b`");
	expect_ident("`", "````");
	expect_ident("``x``", "`````x`````");
	expect_ident("`; DROP TABLE t; --", "```; DROP TABLE t; --`");
}

static void quote_dots_spaces_quotes(void **state)
{
	(void)state;
	expect_ident("a.b", "`a.b`");
	expect_ident(" lead and trail ", "` lead and trail `");
	expect_ident("it's \"x\"", "`it's \"x\"`");
	expect_ident("back\\slash", "`back\\slash`");
}

static void quote_unicode(void **state)
{
	(void)state;
	expect_ident("caf\xc3\xa9", "`caf\xc3\xa9`");
	expect_ident("\xf0\x9f\x90\xac", "`\xf0\x9f\x90\xac`"); /* 4-byte */
	expect_ident("\xe6\x97\xa5\xe6\x9c\xac", "`\xe6\x97\xa5\xe6\x9c\xac`");
}

static void quote_rejects_empty_and_long(void **state)
{
	struct ms_buf b;
	char name[MS_IDENT_MAX_BYTES + 2];

	(void)state;
	ms_buf_init(&b, 4096);
	assert_int_equal(ms_buf_addstr(&b, "keep"), 0);
	assert_int_equal(ms_quote_ident(&b, ""), MS_EINVAL);
	assert_int_equal(ms_quote_ident(&b, NULL), MS_EINVAL);
	memset(name, 'x', sizeof(name));
	name[MS_IDENT_MAX_BYTES + 1] = '\0';
	assert_int_equal(ms_quote_ident(&b, name), MS_EINVAL);
	name[MS_IDENT_MAX_BYTES] = '\0'; /* exactly the limit is fine */
	assert_int_equal(ms_quote_ident(&b, name), 0);
	assert_int_equal(b.len, 4 + MS_IDENT_MAX_BYTES + 2);
	ms_buf_free(&b);
}

static void quote_cap_leaves_buffer_intact(void **state)
{
	struct ms_buf b;

	(void)state;
	ms_buf_init(&b, 8);
	assert_int_equal(ms_buf_addstr(&b, "ab"), 0);
	assert_int_equal(ms_quote_ident(&b, "abcdefgh"), MS_ETOOLARGE);
	assert_string_equal(ms_buf_str(&b), "ab");
	assert_int_equal(ms_quote_qualified(&b, "s", "tabletoolong"),
			 MS_ETOOLARGE);
	assert_string_equal(ms_buf_str(&b), "ab");
	ms_buf_free(&b);
}

static void quote_qualified(void **state)
{
	struct ms_buf b;

	(void)state;
	ms_buf_init(&b, 4096);
	assert_int_equal(ms_quote_qualified(&b, "db.x`y", "from"), 0);
	assert_string_equal(ms_buf_str(&b), "`db.x``y`.`from`");
	ms_buf_reset(&b);
	assert_int_equal(ms_quote_qualified(&b, "", "t"), MS_EINVAL);
	assert_int_equal(ms_quote_qualified(&b, "s", ""), MS_EINVAL);
	assert_string_equal(ms_buf_str(&b), "");
	ms_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(quote_plain_and_reserved),
	    cmocka_unit_test(quote_backticks_doubled),
	    cmocka_unit_test(quote_dots_spaces_quotes),
	    cmocka_unit_test(quote_unicode),
	    cmocka_unit_test(quote_rejects_empty_and_long),
	    cmocka_unit_test(quote_cap_leaves_buffer_intact),
	    cmocka_unit_test(quote_qualified),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

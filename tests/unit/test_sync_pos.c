/* Unit tests for binlog position ordering (sy_pos_cmp in src/sync/state.c),
 * which decides when sync has caught up and whether status reports lag:
 * files order by their numeric suffix, not as strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sync/sync_int.h"

static void test_same_file(void **state)
{
	(void)state;
	assert_int_equal(sy_pos_cmp("b.000001", 4, "b.000001", 4), 0);
	assert_int_equal(sy_pos_cmp("b.000001", 4, "b.000001", 5), -1);
	assert_int_equal(sy_pos_cmp("b.000001", 900, "b.000001", 5), 1);
}

static void test_file_order(void **state)
{
	(void)state;
	assert_int_equal(sy_pos_cmp("b.000001", 9999, "b.000002", 4), -1);
	assert_int_equal(sy_pos_cmp("b.000003", 4, "b.000002", 9999), 1);
	/* past .999999 the suffix grows a digit: still numeric order */
	assert_int_equal(sy_pos_cmp("b.999999", 4, "b.1000000", 4), -1);
	assert_int_equal(sy_pos_cmp("b.1000000", 4, "b.999999", 4), 1);
}

static void test_other_stems(void **state)
{
	(void)state;
	/* different base names order by name, and consistently */
	assert_int_equal(sy_pos_cmp("a.000009", 4, "b.000001", 4), -1);
	assert_int_equal(sy_pos_cmp("b.000001", 4, "a.000009", 4), 1);
	assert_int_equal(sy_pos_cmp("", 0, "b.000001", 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_file),
	    cmocka_unit_test(test_file_order),
	    cmocka_unit_test(test_other_stems),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

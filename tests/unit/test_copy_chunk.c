/* Unit tests for the copy's chunk SQL and key literals (src/copy/chunk.c):
 * the predicates that cut a table into chunks must be exact complements
 * and use the column's collation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "copy/copy_int.h"

static struct ms_column cols[] = {
    {.name = "a", .data_type = "int"},
    {.name = "b",
     .data_type = "varchar",
     .charset = "utf8mb4",
     .collation = "utf8mb4_general_ci"},
    {.name = "c", .data_type = "varbinary"},
    {.name = "d", .data_type = "datetime"},
    {.name = "e", .data_type = "float"},
    {.name = "f", .data_type = "enum"},
};
static char *pk_cols[] = {"a", "b"};
static struct ms_index pk = {.name = "PRIMARY",
			     .primary = true,
			     .unique = true,
			     .columns = pk_cols,
			     .ncolumns = 2};
static struct ms_table tbl = {.schema = "s",
			      .name = "t",
			      .columns = cols,
			      .ncolumns = 6,
			      .indexes = &pk,
			      .nindexes = 1};

static void setup_table(struct cp_table *t, struct ms_key_part *k, size_t nkey,
			enum ms_key_lit *lits, const char **quoted)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->src = &tbl;
	t->src_q = "`s`.`t`";
	t->select_list = "`a`, `b`";
	t->key.parts = k;
	t->key.n = nkey;
	t->key.ix = &pk;
	memset(k, 0, nkey * sizeof(*k));
	for (i = 0; i < nkey; i++) {
		k[i].col = &cols[i];
		k[i].lit = lits[i];
		k[i].quoted = (char *)quoted[i];
	}
}

static void literals_by_kind(void **state)
{
	struct ms_key_part k[4];
	enum ms_key_lit lits[] = {MS_KEY_LIT_NUM, MS_KEY_LIT_STR,
				  MS_KEY_LIT_BIN, MS_KEY_LIT_QUOTED};
	const char *q[] = {"`a`", "`b`", "`c`", "`d`"};
	const char *vals[] = {"-12", "x,y'", "\0\xff", "2020-01-01 00:00:00"};
	size_t lens[] = {3, 4, 2, 19};
	struct cp_table t;
	struct ms_buf out;

	(void)state;
	setup_table(&t, k, 4, lits, q);
	ms_buf_init(&out, 4096);
	assert_int_equal(ms_key_literals(&t.key, vals, lens, &out), 0);
	/* no comma, no quote inside a literal: commas separate them */
	assert_string_equal(ms_buf_str(&out),
			    "-12,_utf8mb4 X'782C7927' COLLATE "
			    "utf8mb4_general_ci,X'00FF',_utf8mb4 "
			    "X'323032302D30312D30312030303A30303A3030'");
	ms_buf_free(&out);
}

static void composite_predicates_complement(void **state)
{
	struct ms_key_part k[2];
	enum ms_key_lit lits[] = {MS_KEY_LIT_NUM, MS_KEY_LIT_STR};
	const char *q[] = {"`a`", "`b`"};
	struct cp_table t;
	struct ms_buf gt, le;

	(void)state;
	setup_table(&t, k, 2, lits, q);
	ms_buf_init(&gt, 4096);
	ms_buf_init(&le, 4096);
	assert_int_equal(ms_key_pred(&t.key, "5,X'61'", ">", &gt), 0);
	assert_int_equal(ms_key_pred(&t.key, "5,X'61'", "<=", &le), 0);
	assert_string_equal(ms_buf_str(&gt),
			    "((`a` > 5) OR (`a` = 5 AND `b` > X'61'))");
	assert_string_equal(ms_buf_str(&le),
			    "((`a` < 5) OR (`a` = 5 AND `b` <= X'61'))");
	/* a literal list with the wrong number of parts is refused */
	ms_buf_reset(&gt);
	assert_int_equal(ms_key_pred(&t.key, "5", ">", &gt), MS_ECORRUPT);
	assert_int_equal(ms_key_pred(&t.key, "5,6,7", ">", &gt), MS_ECORRUPT);
	ms_buf_free(&gt);
	ms_buf_free(&le);
}

static void chunk_sql_shape(void **state)
{
	struct ms_key_part k[2];
	enum ms_key_lit lits[] = {MS_KEY_LIT_NUM, MS_KEY_LIT_STR};
	const char *q[] = {"`a`", "`b`"};
	struct cp_table t;
	struct ms_buf out;

	(void)state;
	setup_table(&t, k, 2, lits, q);
	ms_buf_init(&out, 8192);
	assert_int_equal(
	    cp_chunk_sql(&t, "1,X'00'", "9,X'FF'", 500, true, &out), 0);
	assert_string_equal(
	    ms_buf_str(&out),
	    "SELECT `a`, `b`, `a`, `b` FROM `s`.`t` FORCE INDEX (PRIMARY) "
	    "WHERE ((`a` > 1) OR (`a` = 1 AND `b` > X'00')) AND ((`a` < 9) "
	    "OR (`a` = 9 AND `b` <= X'FF')) ORDER BY `a`, `b` LIMIT 500 LOCK "
	    "IN SHARE MODE");
	/* first chunk of an open segment: no bounds at all */
	ms_buf_reset(&out);
	assert_int_equal(cp_chunk_sql(&t, NULL, NULL, 10, false, &out), 0);
	assert_string_equal(ms_buf_str(&out),
			    "SELECT `a`, `b`, `a`, `b` FROM `s`.`t` FORCE "
			    "INDEX (PRIMARY) ORDER BY `a`, `b` LIMIT 10");
	ms_buf_free(&out);
}

static void key_read_for_float_and_enum(void **state)
{
	struct ms_key_part k[2];
	enum ms_key_lit lits[] = {MS_KEY_LIT_NUM, MS_KEY_LIT_NUM};
	const char *q[] = {"`e`", "`f`"};
	struct cp_table t;
	struct ms_buf out;

	(void)state;
	setup_table(&t, k, 2, lits, q);
	k[0].col = &cols[4];
	k[1].col = &cols[5];
	ms_buf_init(&out, 8192);
	assert_int_equal(cp_chunk_sql(&t, NULL, NULL, 10, false, &out), 0);
	/* read at full precision / as the sort index, ordered by the column */
	assert_non_null(strstr(ms_buf_str(&out), "`e`+0e0, `f`+0 FROM"));
	assert_non_null(strstr(ms_buf_str(&out), "ORDER BY `e`, `f` LIMIT"));
	ms_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(literals_by_kind),
	    cmocka_unit_test(composite_predicates_complement),
	    cmocka_unit_test(chunk_sql_shape),
	    cmocka_unit_test(key_read_for_float_and_enum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

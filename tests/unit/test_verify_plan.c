/* Unit tests for verify's checksum engine without a server: the per-side
 * SQL of a hand-made table pair (src/verify/plan.c, chunk.c), the chunk
 * boundaries of an integer key, and the adaptation of the chunk size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "verify/engine.h"

/* Source: latin1 `name` (nullable), FLOAT, JSON (nullable), BLOB,
 * composite key (id, name). Target: the same in utf8mb4 with `name` NOT
 * NULL and the column names in another case. */
static struct ms_column scols[] = {
    {.name = "id", .data_type = "int"},
    {.name = "name",
     .data_type = "varchar",
     .charset = "latin1",
     .collation = "latin1_swedish_ci",
     .nullable = false},
    {.name = "f", .data_type = "float"},
    {.name = "j", .data_type = "json", .nullable = true},
    {.name = "b", .data_type = "blob", .charset = NULL},
    {.name = "t",
     .data_type = "text",
     .charset = "utf8mb4",
     .collation = "utf8mb4_bin",
     .nullable = true},
};
static struct ms_column gcols[] = {
    {.name = "ID", .data_type = "int"},
    {.name = "Name",
     .data_type = "varchar",
     .charset = "utf8mb4",
     .collation = "utf8mb4_general_ci"},
    {.name = "f", .data_type = "float"},
    {.name = "j", .data_type = "json", .nullable = true},
    {.name = "b", .data_type = "blob"},
    {.name = "t",
     .data_type = "text",
     .charset = "utf8mb4",
     .collation = "utf8mb4_bin",
     .nullable = false},
};
static char *spk_cols[] = {"id", "name"};
static char *gpk_cols[] = {"ID", "Name"};
static unsigned int no_sub[] = {0, 0};
static struct ms_index spk = {.name = "PRIMARY",
			      .primary = true,
			      .unique = true,
			      .columns = spk_cols,
			      .sub_parts = no_sub,
			      .ncolumns = 2};
static struct ms_index gpk = {.name = "PRIMARY",
			      .primary = true,
			      .unique = true,
			      .columns = gpk_cols,
			      .sub_parts = no_sub,
			      .ncolumns = 2};
static struct ms_table stbl = {.schema = "s",
			       .name = "t",
			       .columns = scols,
			       .ncolumns = 6,
			       .indexes = &spk,
			       .nindexes = 1};
static struct ms_table gtbl = {.schema = "s2",
			       .name = "t2",
			       .columns = gcols,
			       .ncolumns = 6,
			       .indexes = &gpk,
			       .nindexes = 1};

static void pair_setup(struct vf_table *t, struct vf_col *cols)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->s.t = &stbl;
	t->g.t = &gtbl;
	t->s.q = "`s`.`t`";
	t->g.q = "`s2`.`t2`";
	for (i = 0; i < 6; i++) {
		cols[i].src = &scols[i];
		cols[i].tgt = &gcols[i];
		cols[i].cmp = i == 2 ? VF_CMP_FLOAT : VF_CMP_BYTES;
	}
	t->cols = cols;
	t->ncols = 6;
	assert_int_equal(ms_key_init(&t->s.key, &stbl), 0);
	assert_int_equal(ms_key_init(&t->g.key, &gtbl), 0);
	ms_key_convert_from(&t->g.key, &t->s.key);
	assert_int_equal(vf_plan_sql(t), 0);
}

static void pair_teardown(struct vf_table *t)
{
	ms_key_free(&t->s.key);
	ms_key_free(&t->g.key);
	free(t->s.hash_args);
	free(t->g.hash_args);
	free(t->s.row_list);
	free(t->g.row_list);
}

static void hash_args_normalise_per_side(void **state)
{
	struct vf_col cols[6];
	struct vf_table t;

	(void)state;
	pair_setup(&t, cols);
	/* latin1 is hashed as utf8mb4 on its side only, floats as doubles;
	 * the NULL flags cover the columns nullable on either side, in the
	 * same order, so both sides hash the same text shape */
	assert_string_equal(t.s.hash_args,
			    "`id`, CONVERT(`name` USING utf8mb4), `f`+0e0, "
			    "`j`, `b`, `t`, CONCAT(ISNULL(`j`), ISNULL(`t`))");
	assert_string_equal(t.g.hash_args,
			    "`ID`, `Name`, `f`+0e0, `j`, `b`, `t`, "
			    "CONCAT(ISNULL(`j`), ISNULL(`t`))");
	/* the diff's select list: key expressions, then the columns */
	assert_string_equal(t.s.row_list,
			    "`id`, `name`, `id`, CONVERT(`name` USING "
			    "utf8mb4), `f`+0e0, `j`, `b`, `t`");
	assert_string_equal(t.g.row_list, "`ID`, `Name`, `ID`, `Name`, "
					  "`f`+0e0, `j`, `b`, `t`");
	pair_teardown(&t);
}

static void no_nullable_no_flags(void **state)
{
	struct vf_col cols[6];
	struct vf_table t;

	(void)state;
	pair_setup(&t, cols);
	t.ncols = 3; /* id, name, f: NOT NULL on both sides */
	assert_int_equal(vf_plan_sql(&t), 0);
	assert_string_equal(t.s.hash_args,
			    "`id`, CONVERT(`name` USING utf8mb4), `f`+0e0");
	pair_teardown(&t);
}

static void chunk_sql_both_sides(void **state)
{
	struct vf_col cols[6];
	struct vf_table t;
	struct ms_buf out, ls, lg;
	const char *vals[] = {"7", "ab"};
	size_t lens[] = {1, 2};

	(void)state;
	pair_setup(&t, cols);
	ms_buf_init(&out, 65536);
	ms_buf_init(&ls, 4096);
	ms_buf_init(&lg, 4096);
	/* one key value read on the source, as literals for each side */
	assert_int_equal(ms_key_literals(&t.s.key, vals, lens, &ls), 0);
	assert_int_equal(ms_key_literals(&t.g.key, vals, lens, &lg), 0);
	assert_string_equal(ms_buf_str(&ls),
			    "7,_latin1 X'6162' COLLATE latin1_swedish_ci");
	assert_string_equal(ms_buf_str(&lg),
			    "7,CONVERT(_latin1 X'6162' USING utf8mb4) COLLATE "
			    "utf8mb4_general_ci");
	assert_int_equal(vf_chunk_sql(&t.s, MS_VERIFY_HASH_CRC32, false, NULL,
				      ms_buf_str(&ls), &out),
			 0);
	assert_string_equal(
	    ms_buf_str(&out),
	    "SELECT COUNT(*), COALESCE(BIT_XOR(CRC32(CRC32(CONCAT_WS('#', "
	    "`id`, CONVERT(`name` USING utf8mb4), `f`+0e0, `j`, `b`, `t`, "
	    "CONCAT(ISNULL(`j`), ISNULL(`t`)))))), 0) FROM `s`.`t` FORCE "
	    "INDEX (PRIMARY) WHERE ((`id` < 7) OR (`id` = 7 AND `name` <= "
	    "_latin1 X'6162' COLLATE latin1_swedish_ci))");
	ms_buf_reset(&out);
	assert_int_equal(vf_chunk_sql(&t.g, MS_VERIFY_HASH_MD5, false,
				      ms_buf_str(&lg), NULL, &out),
			 0);
	assert_string_equal(
	    ms_buf_str(&out),
	    "SELECT COUNT(*), COALESCE(BIT_XOR(CAST(CONV(LEFT(MD5(CONCAT_WS("
	    "'#', `ID`, `Name`, `f`+0e0, `j`, `b`, `t`, CONCAT(ISNULL(`j`), "
	    "ISNULL(`t`)))), 16), 16, 10) AS UNSIGNED)), 0) FROM `s2`.`t2` "
	    "FORCE INDEX (PRIMARY) WHERE ((`ID` > 7) OR (`ID` = 7 AND `Name` "
	    "> CONVERT(_latin1 X'6162' USING utf8mb4) COLLATE "
	    "utf8mb4_general_ci))");
	/* a whole-table chunk has neither index hint nor range */
	ms_buf_reset(&out);
	assert_int_equal(
	    vf_chunk_sql(&t.s, MS_VERIFY_HASH_CRC32, true, NULL, NULL, &out),
	    0);
	assert_null(strstr(ms_buf_str(&out), "FORCE INDEX"));
	assert_null(strstr(ms_buf_str(&out), "WHERE"));
	ms_buf_free(&out);
	ms_buf_free(&ls);
	ms_buf_free(&lg);
	pair_teardown(&t);
}

/* An engine around one table with an integer key, MIN/MAX already read so
 * planning needs no server. */
static struct ms_column icol = {.name = "id", .data_type = "bigint"};
static char *ipk_cols[] = {"id"};
static struct ms_index ipk = {.name = "PRIMARY",
			      .primary = true,
			      .unique = true,
			      .columns = ipk_cols,
			      .sub_parts = no_sub,
			      .ncolumns = 1};
static struct ms_table itbl = {.schema = "s",
			       .name = "i",
			       .columns = &icol,
			       .ncolumns = 1,
			       .indexes = &ipk,
			       .nindexes = 1,
			       .rows_estimate = 10000};

static void engine_setup(struct vf_engine *e, struct vf_table *t,
			 struct vf_tstate *ts, struct ms_verify_result *res)
{
	memset(e, 0, sizeof(*e));
	memset(t, 0, sizeof(*t));
	memset(ts, 0, sizeof(*ts));
	memset(res, 0, sizeof(*res));
	e->o.chunk_seconds = 0.25;
	e->r.o = &e->o;
	e->r.res = res;
	e->r.tables = t;
	e->r.ntables = 1;
	e->ts = ts;
	pthread_mutex_init(&e->r.mu, NULL);
	t->s.t = t->g.t = &itbl;
	t->s.q = "`s`.`i`";
	assert_int_equal(ms_key_init(&t->s.key, &itbl), 0);
	assert_int_equal(ms_key_init(&t->g.key, &itbl), 0);
	ts->chunk_rows = 1000;
	ts->int_ready = true;
}

static void engine_teardown(struct vf_engine *e, struct vf_table *t,
			    struct vf_tstate *ts)
{
	ms_key_free(&t->s.key);
	ms_key_free(&t->g.key);
	vf_range_free(&ts->next);
	pthread_mutex_destroy(&e->r.mu);
}

static void int_ranges_cover_everything(void **state)
{
	struct vf_engine e;
	struct vf_table t;
	struct vf_tstate ts;
	struct ms_verify_result res;
	struct vf_range rg;
	struct ms_err err;
	char prev_hi[32] = "";
	uint64_t seq, n = 0;

	(void)state;
	engine_setup(&e, &t, &ts, &res);
	ts.int_min = 1;
	ts.int_max = 10000;
	while (!ts.plan_done) {
		assert_int_equal(vf_plan_chunk(&e, &t, NULL, &rg, &seq, &err),
				 0);
		assert_int_equal(seq, n);
		/* each range starts where the last one ended */
		if (!n)
			assert_null(rg.lo_s);
		else
			assert_string_equal(rg.lo_s, prev_hi);
		assert_true((rg.lo_s == NULL) == (rg.lo_g == NULL));
		assert_true((rg.hi_s == NULL) == (rg.hi_g == NULL));
		snprintf(prev_hi, sizeof(prev_hi), "%s",
			 rg.hi_s ? rg.hi_s : "");
		vf_range_free(&rg);
		n++;
		assert_true(n < 100);
	}
	/* (-inf,1000], (1000,2000], ..., (8000,9000], (9000,+inf) */
	assert_int_equal(n, 10);
	assert_string_equal(prev_hi, "");
	engine_teardown(&e, &t, &ts);
}

static void int_empty_table_one_open_chunk(void **state)
{
	struct vf_engine e;
	struct vf_table t;
	struct vf_tstate ts;
	struct ms_verify_result res;
	struct vf_range rg;
	struct ms_err err;
	uint64_t seq;

	(void)state;
	engine_setup(&e, &t, &ts, &res);
	ts.int_empty = true;
	assert_int_equal(vf_plan_chunk(&e, &t, NULL, &rg, &seq, &err), 0);
	assert_null(rg.lo_s);
	assert_null(rg.hi_s);
	assert_true(ts.plan_done);
	vf_range_free(&rg);
	engine_teardown(&e, &t, &ts);
}

static void int_density_follows_what_was_seen(void **state)
{
	struct vf_engine e;
	struct vf_table t;
	struct vf_tstate ts;
	struct ms_verify_result res;
	struct vf_range rg = {.lo_s = "0", .hi_s = "1000"}, got;
	struct ms_err err;
	uint64_t seq;

	(void)state;
	engine_setup(&e, &t, &ts, &res);
	ts.int_min = 1;
	ts.int_max = 1000000;
	ts.int_key = true;
	ts.started = true;
	ts.int_next = 1000;
	/* 1000 keys held 100 rows: one row per 10 keys */
	vf_adapt(&e, &ts, 100, 0.25, &rg);
	assert_int_equal(ts.chunk_rows, 1000); /* too short to adapt on */
	assert_int_equal(vf_plan_chunk(&e, &t, NULL, &got, &seq, &err), 0);
	assert_string_equal(got.hi_s, "11000");
	vf_range_free(&got);
	engine_teardown(&e, &t, &ts);
}

static void chunk_size_adapts_within_bounds(void **state)
{
	struct vf_engine e;
	struct vf_table t;
	struct vf_tstate ts;
	struct ms_verify_result res;
	struct vf_range rg = {0};

	(void)state;
	engine_setup(&e, &t, &ts, &res);
	vf_adapt(&e, &ts, 1000, 0.01, &rg); /* 25x faster: at most x2 */
	assert_int_equal(ts.chunk_rows, 2000);
	vf_adapt(&e, &ts, 2000, 1.0, &rg); /* 4x slower: at most /2 */
	assert_int_equal(ts.chunk_rows, 1000);
	vf_adapt(&e, &ts, 1000, 0.5, &rg); /* 2x slower */
	assert_int_equal(ts.chunk_rows, 500);
	ts.chunk_rows = 150;
	vf_adapt(&e, &ts, 150, 10.0, &rg);
	assert_int_equal(ts.chunk_rows, VF_CHUNK_MIN);
	ts.chunk_rows = 900000;
	vf_adapt(&e, &ts, 900000, 0.01, &rg);
	assert_int_equal(ts.chunk_rows, VF_CHUNK_MAX);
	engine_teardown(&e, &t, &ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(hash_args_normalise_per_side),
	    cmocka_unit_test(no_nullable_no_flags),
	    cmocka_unit_test(chunk_sql_both_sides),
	    cmocka_unit_test(int_ranges_cover_everything),
	    cmocka_unit_test(int_empty_table_one_open_chunk),
	    cmocka_unit_test(int_density_follows_what_was_seen),
	    cmocka_unit_test(chunk_size_adapts_within_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

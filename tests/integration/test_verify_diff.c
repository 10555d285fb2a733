/* The row-level diff and repair of verify (src/verify/diff.c, repair.c)
 * against the sandbox. The same tables are created and filled on both
 * servers, the target is damaged (rows deleted, rows added, JSON, BLOB,
 * FLOAT, DOUBLE, DATETIME and VARCHAR values changed, NULL turned into
 * '', rows of a VARCHAR key, a composite key with a binary part, a latin1
 * key whose target column is utf8mb4), and vf_diff_range must name
 * exactly those rows, kinds and columns, in key order. vf_repair then puts
 * the source's rows back: both servers must agree by CHECKSUM TABLE (or a
 * query of their own where the definitions differ), verify_repairs must
 * log each key, and the diff must find nothing. Also: a row changed on the
 * source between diff and repair, a write the target would truncate (the
 * whole transaction refused), sync's checkpoint row held by another
 * session (repair waits for it), keyless tables (multiset diff, repair
 * refused), ranges, and the MariaDB-only JSON text differences that are
 * not differences.
 *
 * The vf_table pairs are built here the way the engine's planner does
 * (key, compared columns, row_list), so this test does not depend on it;
 * vf_wait_applied is whatever the engine provides (no sync runs here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "it.h"
#include "core/buf.h"
#include "core/uri.h"
#include "db/db.h"
#include "db/quote.h"
#include "db/schema.h"
#include "sync/sync.h"
#include "verify/verify_int.h"

#define SCHEMA "it_verify_diff"
#define CS     "it_verify_diff_cs"

static struct ms_db *sa, *ta;	/* admins: DDL, damage, checks */
static struct ms_db *src, *tgt; /* the diff's sessions: myshift users */
static struct ms_schema *ss, *gs;
static struct ms_verify_opts opts;
static struct vf_run run;

/* ---- connections and SQL ------------------------------------------------ */

static void exec(struct ms_db *db, const char *sql)
{
	struct ms_err err;

	if (ms_db_exec(db, sql, &err))
		fail_msg("%s\n  in: %.300s", err.msg, sql);
}

static void both(const char *sql)
{
	exec(sa, sql);
	exec(ta, sql);
}

static char *value(struct ms_db *db, const char *sql)
{
	struct ms_err err;
	char *v = NULL;

	if (ms_db_query_value(db, sql, &v, &err))
		fail_msg("%s\n  in: %.300s", err.msg, sql);
	return v;
}

/* Both servers' answer to <sql> must be the same. */
static void expect_same(const char *sql)
{
	char *a = value(sa, sql), *b = value(ta, sql);

	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void expect_checksum_equal(const char *table)
{
	char sql[256];
	struct ms_err err;
	struct ms_db_result *r[2] = {NULL, NULL};
	struct ms_db *db[2] = {sa, ta};
	int k;

	snprintf(sql, sizeof(sql), "CHECKSUM TABLE " SCHEMA ".%s", table);
	for (k = 0; k < 2; k++)
		if (ms_db_query(db[k], sql, &r[k], &err))
			fail_msg("%s", err.msg);
	assert_non_null(ms_db_result_get(r[0], 0, 1));
	assert_string_equal(ms_db_result_get(r[0], 0, 1),
			    ms_db_result_get(r[1], 0, 1));
	ms_db_result_free(r[0]);
	ms_db_result_free(r[1]);
}

/* ---- table pairs, as the engine's planner builds them -------------------- */

static bool in_schema(void *ctx, const char *schema, const char *table)
{
	(void)ctx;
	(void)table;
	return !strcmp(schema, SCHEMA);
}

static void read_schemas(void)
{
	struct ms_err err;

	ms_schema_free(ss);
	ms_schema_free(gs);
	if (ms_schema_read(src, in_schema, NULL, &ss, &err) ||
	    ms_schema_read(tgt, in_schema, NULL, &gs, &err))
		fail_msg("schema: %s", err.msg);
	run.src_schema = ss;
	run.tgt_schema = gs;
}

static char *qualified(const char *t)
{
	struct ms_buf b;

	ms_buf_init(&b, 1024);
	assert_int_equal(ms_quote_qualified(&b, SCHEMA, t), 0);
	return ms_buf_take(&b);
}

static void col_expr(const struct ms_column *c, struct ms_buf *b)
{
	if (ms_type_is_float(c->data_type)) {
		assert_int_equal(ms_quote_ident(b, c->name), 0);
		assert_int_equal(ms_buf_addstr(b, "+0e0"), 0);
	} else if (c->charset && strcmp(c->charset, "binary") &&
		   strcmp(c->charset, "utf8mb4")) {
		assert_int_equal(ms_buf_addstr(b, "CONVERT("), 0);
		assert_int_equal(ms_quote_ident(b, c->name), 0);
		assert_int_equal(ms_buf_addstr(b, " USING utf8mb4)"), 0);
	} else {
		assert_int_equal(ms_quote_ident(b, c->name), 0);
	}
}

static void side_init(struct vf_table *t, struct vf_side *sd,
		      const struct ms_schema *s, const char *name,
		      bool tgt_side)
{
	struct ms_buf l;
	size_t i;

	sd->t = ms_schema_table(s, SCHEMA, name);
	assert_non_null(sd->t);
	sd->q = qualified(name);
	assert_int_equal(ms_key_init(&sd->key, sd->t), 0);
	ms_buf_init(&l, 1 << 20);
	if (sd->key.n)
		assert_int_equal(ms_key_exprs(&sd->key, false, &l), 0);
	for (i = 0; i < t->ncols; i++) {
		if (l.len)
			assert_int_equal(ms_buf_addstr(&l, ", "), 0);
		col_expr(tgt_side ? t->cols[i].tgt : t->cols[i].src, &l);
	}
	sd->row_list = ms_buf_take(&l);
}

/* <json>: columns compared as JSON documents (the engine does so across
 * flavours; both sides are MariaDB here). */
static struct vf_table *pair(const char *name, const char *json)
{
	struct vf_table *t = calloc(1, sizeof(*t));
	const struct ms_table *st, *gt;
	size_t i;

	assert_non_null(t);
	st = ms_schema_table(ss, SCHEMA, name);
	gt = ms_schema_table(gs, SCHEMA, name);
	assert_non_null(st);
	assert_non_null(gt);
	t->src_name = malloc(strlen(SCHEMA) + strlen(name) + 2);
	t->tgt_name = malloc(strlen(SCHEMA) + strlen(name) + 2);
	assert_non_null(t->src_name);
	assert_non_null(t->tgt_name);
	sprintf(t->src_name, "%s.%s", SCHEMA, name);
	sprintf(t->tgt_name, "%s.%s", SCHEMA, name);
	t->cols = calloc(st->ncolumns + 1, sizeof(*t->cols));
	assert_non_null(t->cols);
	for (i = 0; i < st->ncolumns; i++) {
		const struct ms_column *c = &st->columns[i];
		const struct ms_column *o = ms_table_column(gt, c->name);
		struct vf_col *vc;

		if (c->generated || !o || o->generated)
			continue;
		vc = &t->cols[t->ncols++];
		vc->src = c;
		vc->tgt = o;
		vc->cmp = ms_type_is_float(c->data_type)  ? VF_CMP_FLOAT
			  : json && strstr(json, c->name) ? VF_CMP_JSON
							  : VF_CMP_BYTES;
	}
	side_init(t, &t->s, ss, name, false);
	side_init(t, &t->g, gs, name, true);
	ms_key_convert_from(&t->g.key, &t->s.key);
	t->keyless = t->s.key.n == 0;
	return t;
}

static void pair_free(struct vf_table *t)
{
	struct vf_side *sd[2] = {&t->s, &t->g};
	int k;

	for (k = 0; k < 2; k++) {
		free(sd[k]->q);
		free(sd[k]->row_list);
		free(sd[k]->hash_args);
		ms_key_free(&sd[k]->key);
	}
	free(t->src_name);
	free(t->tgt_name);
	free(t->cols);
	free(t);
}

/* ---- running the diff -----------------------------------------------------
 */

/* The diffs as lines "M key", "E key", "D key [cols]". */
static char *render(const struct vf_diffs *d)
{
	static const char kinds[] = "MED";
	struct ms_buf b;
	size_t i;

	ms_buf_init(&b, 1 << 24);
	for (i = 0; i < d->n; i++) {
		assert_int_equal(ms_buf_addf(&b, "%c %s", kinds[d->v[i].kind],
					     d->v[i].key_text),
				 0);
		if (d->v[i].columns)
			assert_int_equal(
			    ms_buf_addf(&b, " [%s]", d->v[i].columns), 0);
		assert_int_equal(ms_buf_addc(&b, '\n'), 0);
		assert_true((d->v[i].kind == MS_VERIFY_DIFFERENT) ==
			    (d->v[i].columns != NULL));
	}
	return ms_buf_take(&b);
}

static void diff(struct vf_table *t, const char *lo, const char *hi,
		 struct vf_diffs *out)
{
	struct ms_err err;

	memset(out, 0, sizeof(*out));
	ms_err_clear(&err);
	if (vf_diff_range(&run, t, src, tgt, lo, hi, out, &err))
		fail_msg("diff of %s: %s", t->src_name, err.msg);
}

static void expect_diff(struct vf_table *t, const char *lo, const char *hi,
			const char *want)
{
	struct vf_diffs d;
	char *got;

	diff(t, lo, hi, &d);
	got = render(&d);
	assert_string_equal(got, want);
	free(got);
	vf_diffs_free(&d, t->ncols);
}

static uint64_t repair(struct vf_table *t, struct vf_diffs *d)
{
	struct ms_err err;
	uint64_t rows = 0;
	size_t i;

	ms_err_clear(&err);
	if (vf_repair(&run, t, src, tgt, d, &rows, &err))
		fail_msg("repair of %s: %s", t->src_name, err.msg);
	for (i = 0; i < d->n; i++)
		assert_true(d->v[i].repaired);
	return rows;
}

static long repairs_logged(const char *action)
{
	char sql[512], *v;
	long n;

	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM " CS ".verify_repairs WHERE run_id = "
		 "%llu AND action = '%s'",
		 (unsigned long long)run.run_id, action);
	v = value(ta, sql);
	n = strtol(v, NULL, 10);
	free(v);
	return n;
}

/* ---- fixtures ---------------------------------------------------------------
 */

static const char *const ddl[] = {
    "CREATE TABLE " SCHEMA ".t_int (id INT NOT NULL PRIMARY KEY, j JSON,"
    " b BLOB, f FLOAT, d DOUBLE, dt DATETIME(6), v VARCHAR(20) NULL,"
    " lat VARCHAR(20) CHARACTER SET latin1, g INT AS (id * 2) VIRTUAL)",
    "CREATE TABLE " SCHEMA ".t_vc (k VARCHAR(40) NOT NULL PRIMARY KEY,"
    " n INT, note TEXT) DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_general_ci",
    "CREATE TABLE " SCHEMA ".t_comp (a INT NOT NULL, b VARBINARY(8) NOT "
    "NULL, x DECIMAL(10,2), PRIMARY KEY (a, b))",
    "CREATE TABLE " SCHEMA ".t_nokey (a INT, s VARCHAR(10))",
    "CREATE TABLE " SCHEMA ".t_json (id INT NOT NULL PRIMARY KEY, j JSON)",
    "CREATE TABLE " SCHEMA ".t_narrow (id INT NOT NULL PRIMARY KEY,"
    " s VARCHAR(20))",
    "CREATE TABLE " SCHEMA ".tick (id INT NOT NULL AUTO_INCREMENT PRIMARY "
    "KEY)",
};

static void fill(void)
{
	size_t i;

	for (i = 0; i < sizeof(ddl) / sizeof(*ddl); i++)
		both(ddl[i]);
	/* latin1 key on the source, utf8mb4 on the target */
	exec(sa,
	     "CREATE TABLE " SCHEMA ".t_cs (k VARCHAR(20) CHARACTER SET "
	     "latin1 COLLATE latin1_swedish_ci NOT NULL PRIMARY KEY, n INT)");
	exec(ta,
	     "CREATE TABLE " SCHEMA ".t_cs (k VARCHAR(20) CHARACTER SET "
	     "utf8mb4 COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, n INT)");
	both("USE " SCHEMA);
	both("INSERT INTO " SCHEMA ".t_int (id, j, b, f, d, dt, v, lat) "
	     "SELECT seq, JSON_OBJECT('a', seq, 'l', JSON_ARRAY(1, 'x')), "
	     "UNHEX(REPEAT('00FF', seq % 7)), seq / 3, seq / 7, "
	     "TIMESTAMP'2024-01-01 00:00:00.5' + INTERVAL seq HOUR, "
	     "IF(seq % 5 = 0, NULL, CONCAT('v', seq)), 'caf\xc3\xa9' "
	     "FROM seq_1_to_200");
	both("INSERT INTO " SCHEMA ".t_vc VALUES ('plain', 1, 'a'),"
	     " ('o''brien\\\\x', 2, 'b'), ('tab\\tkey', 3, 'c'),"
	     " ('caf\xc3\xa9', 4, 'd'), ('', 5, 'e'), ('trail ', 6, 'f')");
	both("INSERT INTO " SCHEMA ".t_comp VALUES (1, X'0102', 1.5),"
	     " (1, X'', 2.5), (2, X'00', 3.5), (2, X'FF', 4.5)");
	both("INSERT INTO " SCHEMA ".t_nokey VALUES (1, 'a'), (1, 'a'),"
	     " (2, NULL), (3, '')");
	both("INSERT INTO " SCHEMA
	     ".t_json VALUES (1, '{\"a\": 1, \"b\": [1, 2]}'),"
	     " (2, '\"caf\\\\u00e9\"'), (3, '{\"x\": 1, \"x\": 2}'),"
	     " (4, '[1.0, 0.5]')");
	both("INSERT INTO " SCHEMA ".t_narrow VALUES (1, 'short')");
	both("INSERT INTO " SCHEMA
	     ".t_cs VALUES ('caf\xc3\xa9', 1), ('abc', 2),"
	     " ('zed', 3)");
}

/* ---- setup -----------------------------------------------------------------
 */

static int setup(void **state)
{
	struct ms_err err;

	(void)state;
	sa = it_connect("MYSHIFT_SOURCE_ADMIN", NULL, "source");
	ta = it_connect("MYSHIFT_TARGET_ADMIN", NULL, "target");
	src = it_connect("MYSHIFT_SOURCE", "MYSHIFT_SOURCE_PASSWORD", "source");
	tgt = it_connect("MYSHIFT_TARGET", "MYSHIFT_TARGET_PASSWORD", "target");
	if (ms_db_exec(src, "SET SESSION sql_mode = ''", &err) ||
	    ms_db_exec(tgt, "SET SESSION sql_mode = ''", &err)) {
		fprintf(stderr, "session: %s\n", err.msg);
		return -1;
	}
	exec(sa, "SET SESSION sql_mode = ''");
	exec(ta, "SET SESSION sql_mode = ''");
	both("DROP DATABASE IF EXISTS " SCHEMA);
	exec(ta, "DROP DATABASE IF EXISTS " CS);
	both("CREATE DATABASE " SCHEMA " DEFAULT CHARSET utf8mb4");
	fill();
	read_schemas();
	opts.control_schema = CS;
	opts.rechecks = 2;
	run.o = &opts;
	run.run_id = 4242;
	run.src_mariadb = run.tgt_mariadb = true;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	both("DROP DATABASE IF EXISTS " SCHEMA);
	exec(ta, "DROP DATABASE IF EXISTS " CS);
	ms_schema_free(ss);
	ms_schema_free(gs);
	ms_db_close(sa);
	ms_db_close(ta);
	ms_db_close(src);
	ms_db_close(tgt);
	return 0;
}

/* ---- the tests
 * --------------------------------------------------------------- */

static void damage_t_int(void)
{
	exec(ta, "DELETE FROM " SCHEMA ".t_int WHERE id IN (5, 6)");
	exec(ta, "INSERT INTO " SCHEMA ".t_int (id, v) VALUES (1001, 'x'),"
		 " (1002, NULL)");
	exec(ta, "UPDATE " SCHEMA ".t_int SET j = JSON_SET(j, '$.a', 99) "
		 "WHERE id = 10");
	exec(ta, "UPDATE " SCHEMA ".t_int SET b = X'00FE' WHERE id = 12");
	exec(ta, "UPDATE " SCHEMA ".t_int SET f = f + 1 WHERE id = 13");
	exec(ta, "UPDATE " SCHEMA ".t_int SET dt = dt + INTERVAL 1 MICROSECOND"
		 " WHERE id = 14");
	exec(ta, "UPDATE " SCHEMA ".t_int SET v = '' WHERE id = 15");
	exec(ta,
	     "UPDATE " SCHEMA ".t_int SET d = d * 2, v = NULL WHERE id = 16");
	exec(ta, "UPDATE " SCHEMA ".t_int SET lat = 'cafe' WHERE id = 17");
}

static const char want_t_int[] = "M id=5\n"
				 "M id=6\n"
				 "D id=10 [j]\n"
				 "D id=12 [b]\n"
				 "D id=13 [f]\n"
				 "D id=14 [dt]\n"
				 "D id=15 [v]\n"
				 "D id=16 [d,v]\n"
				 "D id=17 [lat]\n"
				 "E id=1001\n"
				 "E id=1002\n";

static void diff_then_repair_int_key(void **state)
{
	struct vf_table *t = pair("t_int", "j");
	struct vf_diffs d;

	(void)state;
	expect_diff(t, NULL, NULL, "");
	damage_t_int();
	expect_diff(t, NULL, NULL, want_t_int);
	/* a range (9, 14]: source key literal lists as the engine gives */
	expect_diff(t, "9", "14",
		    "D id=10 [j]\nD id=12 [b]\nD id=13 [f]\nD id=14 [dt]\n");
	expect_diff(t, "1000", NULL, "E id=1001\nE id=1002\n");
	expect_diff(t, NULL, "5", "M id=5\n");
	diff(t, NULL, NULL, &d);
	assert_int_equal(d.n, 11);
	assert_string_equal(d.v[0].key_lits, "5");
	assert_int_equal(repair(t, &d), 11);
	vf_diffs_free(&d, t->ncols);
	expect_checksum_equal("t_int");
	expect_diff(t, NULL, NULL, "");
	assert_int_equal(repairs_logged("replace"), 9);
	assert_int_equal(repairs_logged("delete"), 2);
	pair_free(t);
}

static void varchar_key_text(void **state)
{
	struct vf_table *t = pair("t_vc", NULL);
	struct vf_diffs d;

	(void)state;
	exec(ta, "UPDATE " SCHEMA ".t_vc SET n = 20 WHERE k = 'o''brien\\\\x'");
	exec(ta, "DELETE FROM " SCHEMA ".t_vc WHERE k = 'tab\\tkey'");
	exec(ta,
	     "UPDATE " SCHEMA ".t_vc SET note = NULL WHERE k = 'caf\xc3\xa9'");
	exec(ta, "UPDATE " SCHEMA ".t_vc SET n = 0 WHERE k = ''");
	exec(ta, "INSERT INTO " SCHEMA ".t_vc VALUES ('zz', 9, 'z')");
	/* a case change under a _ci collation is a different key by bytes */
	exec(ta, "UPDATE " SCHEMA ".t_vc SET k = 'PLAIN' WHERE k = 'plain'");
	/* the server's key order (utf8mb4_general_ci): '', café, o'brien,
	 * plain, tab, trail, zz */
	expect_diff(t, NULL, NULL,
		    "D k='' [n]\n"
		    "D k='caf\xc3\xa9' [note]\n"
		    "D k='o\\'brien\\\\x' [n]\n"
		    "E k='PLAIN'\n"
		    "M k='plain'\n"
		    "M k='tab\\x09key'\n"
		    "E k='zz'\n");
	diff(t, NULL, NULL, &d);
	assert_int_equal(repair(t, &d), 7);
	vf_diffs_free(&d, t->ncols);
	expect_checksum_equal("t_vc");
	expect_same("SELECT GROUP_CONCAT(HEX(k) ORDER BY HEX(k)) FROM " SCHEMA
		    ".t_vc");
	expect_diff(t, NULL, NULL, "");
	pair_free(t);
}

/* A key whose case changed under a _ci collation, behind 999 other
 * differences: its missing row ('PLAIN') and its extra row ('plain') fall
 * into different repair transactions. The extra row's delete must not
 * take away the row just written for the missing one. */
static void repair_case_change_across_batches(void **state)
{
	struct vf_table *t;
	struct vf_diffs d;
	char *v;

	(void)state;
	both("CREATE TABLE " SCHEMA ".t_case (k VARCHAR(10) NOT NULL PRIMARY "
	     "KEY, n INT) DEFAULT CHARSET utf8mb4 COLLATE utf8mb4_general_ci");
	exec(sa, "INSERT INTO " SCHEMA ".t_case SELECT CONCAT('a', "
		 "LPAD(seq, 4, '0')), seq FROM seq_1_to_999");
	exec(sa, "INSERT INTO " SCHEMA ".t_case VALUES ('PLAIN', 1)");
	exec(ta, "INSERT INTO " SCHEMA ".t_case VALUES ('plain', 1)");
	read_schemas();
	t = pair("t_case", NULL);
	diff(t, NULL, NULL, &d);
	assert_int_equal(d.n, 1001);
	assert_string_equal(d.v[999].key_text, "k='PLAIN'");
	assert_int_equal(d.v[999].kind, MS_VERIFY_MISSING);
	assert_string_equal(d.v[1000].key_text, "k='plain'");
	assert_int_equal(d.v[1000].kind, MS_VERIFY_EXTRA);
	assert_int_equal(repair(t, &d), 1001);
	vf_diffs_free(&d, t->ncols);
	v = value(ta, "SELECT GROUP_CONCAT(k) FROM " SCHEMA
		      ".t_case WHERE k = 'plain'");
	assert_non_null(v);
	assert_string_equal(v, "PLAIN");
	free(v);
	expect_checksum_equal("t_case");
	pair_free(t);
}

static void composite_binary_key(void **state)
{
	struct vf_table *t = pair("t_comp", NULL);
	struct vf_diffs d;

	(void)state;
	exec(ta, "UPDATE " SCHEMA ".t_comp SET x = 0 WHERE a = 1 AND b = X''");
	exec(ta, "DELETE FROM " SCHEMA ".t_comp WHERE a = 2 AND b = X'00'");
	exec(ta, "INSERT INTO " SCHEMA ".t_comp VALUES (2, X'0000', 9)");
	expect_diff(t, NULL, NULL,
		    "D a=1, b=0x [x]\nM a=2, b=0x00\nE a=2, b=0x0000\n");
	/* a composite range: (1, X'0102') < key <= (2, X'00') */
	expect_diff(t, "1,X'0102'", "2,X'00'", "M a=2, b=0x00\n");
	diff(t, NULL, NULL, &d);
	assert_int_equal(repair(t, &d), 3);
	vf_diffs_free(&d, t->ncols);
	expect_checksum_equal("t_comp");
	pair_free(t);
}

/* The key is latin1 on the source and utf8mb4 on the target: rows match
 * by the source's bytes, the target is read and written through
 * conversions. */
static void charset_converting_key(void **state)
{
	struct vf_table *t = pair("t_cs", NULL);
	const char *q = "SELECT GROUP_CONCAT(HEX(CONVERT(k USING utf8mb4)), "
			"'=', n ORDER BY k) FROM " SCHEMA ".t_cs";
	struct vf_diffs d;

	(void)state;
	assert_non_null(t->g.key.parts[0].in_charset);
	exec(ta, "UPDATE " SCHEMA ".t_cs SET n = 10 WHERE k = 'caf\xc3\xa9'");
	exec(ta, "DELETE FROM " SCHEMA ".t_cs WHERE k = 'zed'");
	expect_diff(t, NULL, NULL, "D k='caf\\xE9' [n]\nM k='zed'\n");
	/* the range bound is a source literal: latin1 */
	expect_diff(t, "_latin1 X'616263' COLLATE latin1_swedish_ci", NULL,
		    "D k='caf\\xE9' [n]\nM k='zed'\n");
	diff(t, NULL, NULL, &d);
	assert_int_equal(repair(t, &d), 2);
	vf_diffs_free(&d, t->ncols);
	expect_same(q);
	expect_diff(t, NULL, NULL, "");
	pair_free(t);
}

/* MariaDB keeps JSON as written: the same document in other words is not a
 * difference when the column is compared as JSON (across flavours). */
static void json_text_is_not_a_difference(void **state)
{
	struct vf_table *t = pair("t_json", "j");

	(void)state;
	exec(ta, "UPDATE " SCHEMA ".t_json SET j = '{\"b\":[1,2.0],\"a\":1}' "
		 "WHERE id = 1");
	exec(ta,
	     "UPDATE " SCHEMA ".t_json SET j = '\"caf\xc3\xa9\"' WHERE id = 2");
	exec(ta, "UPDATE " SCHEMA ".t_json SET j = '{\"x\":2}' WHERE id = 3");
	exec(ta, "UPDATE " SCHEMA ".t_json SET j = '[1, 0.50]' WHERE id = 4");
	expect_diff(t, NULL, NULL, "");
	exec(ta, "UPDATE " SCHEMA ".t_json SET j = '{\"x\":1}' WHERE id = 3");
	exec(ta, "UPDATE " SCHEMA ".t_json SET j = '[0.5, 1]' WHERE id = 4");
	expect_diff(t, NULL, NULL, "D id=3 [j]\nD id=4 [j]\n");
	pair_free(t);
	/* compared as bytes, the reformatted rows differ */
	t = pair("t_json", NULL);
	expect_diff(t, NULL, NULL,
		    "D id=1 [j]\nD id=2 [j]\nD id=3 [j]\nD id=4 [j]\n");
	pair_free(t);
}

static void keyless_multiset(void **state)
{
	struct vf_table *t = pair("t_nokey", NULL);
	struct vf_diffs d;
	struct ms_err err;
	uint64_t rows = 0;

	(void)state;
	assert_true(t->keyless);
	expect_diff(t, NULL, NULL, "");
	/* one of two identical rows gone, NULL turned into '', one added */
	exec(ta, "DELETE FROM " SCHEMA ".t_nokey WHERE a = 1 LIMIT 1");
	exec(ta, "UPDATE " SCHEMA ".t_nokey SET s = '' WHERE a = 2");
	exec(ta, "INSERT INTO " SCHEMA ".t_nokey VALUES (4, 'new')");
	expect_diff(
	    t, NULL, NULL,
	    "M a=1, s='a'\nM a=2, s=NULL\nE a=2, s=''\nE a=4, s='new'\n");
	diff(t, NULL, NULL, &d);
	assert_null(d.v[0].key_lits);
	assert_non_null(d.v[0].row);
	assert_string_equal(d.v[0].row[1], "a");
	assert_null(d.v[1].row[1]);
	ms_err_clear(&err);
	assert_int_equal(vf_repair(&run, t, src, tgt, &d, &rows, &err),
			 MS_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "`" SCHEMA "`.`t_nokey` has no key"));
	assert_int_equal(rows, 0);
	vf_diffs_free(&d, t->ncols);
	pair_free(t);
}

/* Rows changed on the source after the diff: repair writes what the
 * source holds when it repairs (a row gone from the source is deleted). */
static void repair_after_source_changed(void **state)
{
	struct vf_table *t = pair("t_int", "j");
	struct vf_diffs d;

	(void)state;
	exec(ta, "UPDATE " SCHEMA
		 ".t_int SET v = 'damaged' WHERE id IN (20, 21, 22)");
	exec(ta, "DELETE FROM " SCHEMA ".t_int WHERE id = 23");
	diff(t, NULL, NULL, &d);
	assert_int_equal(d.n, 4);
	exec(sa, "UPDATE " SCHEMA
		 ".t_int SET v = 'newer', b = X'01' WHERE id = 20");
	exec(sa, "DELETE FROM " SCHEMA ".t_int WHERE id IN (21, 23)");
	exec(sa, "UPDATE " SCHEMA ".t_int SET f = -1.5 WHERE id = 22");
	repair(t, &d);
	vf_diffs_free(&d, t->ncols);
	expect_checksum_equal("t_int");
	expect_diff(t, NULL, NULL, "");
	pair_free(t);
}

/* A value the target would change (a string longer than its column): the
 * repair stops naming the table and key, and its transaction is rolled
 * back whole (nothing written, nothing logged). */
static void repair_refuses_changed_values(void **state)
{
	struct vf_table *t;
	struct vf_diffs d;
	struct ms_err err;
	uint64_t rows = 0;
	char *v;

	(void)state;
	exec(ta, "ALTER TABLE " SCHEMA ".t_narrow MODIFY s VARCHAR(5)");
	exec(sa, "INSERT INTO " SCHEMA ".t_narrow VALUES (0, 'fits'),"
		 " (2, 'much too long')");
	read_schemas();
	t = pair("t_narrow", NULL);
	diff(t, NULL, NULL, &d);
	assert_int_equal(d.n, 2);
	ms_err_clear(&err);
	assert_int_equal(vf_repair(&run, t, src, tgt, &d, &rows, &err),
			 MS_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "`t_narrow`"));
	assert_non_null(strstr(err.msg, "id=2"));
	v = value(ta, "SELECT COUNT(*) FROM " SCHEMA ".t_narrow");
	assert_string_equal(v, "1"); /* id 0 was rolled back with id 2 */
	free(v);
	v = value(ta, "SELECT COUNT(*) FROM " CS ".verify_repairs WHERE "
		      "source_table = '" SCHEMA ".t_narrow'");
	assert_string_equal(v, "0");
	free(v);
	/* the session is as it was */
	v = value(tgt, "SELECT @@session.sql_mode");
	assert_string_equal(v, "");
	free(v);
	vf_diffs_free(&d, t->ncols);
	pair_free(t);
}

/* <cs>.sync_state as sync creates it, with the forward row set by
 * <set>. */
static void sync_state(const char *set)
{
	struct ms_err err;
	char sql[512];

	if (ms_sync_control_create(ta, CS, &err))
		fail_msg("%s", err.msg);
	exec(ta, "INSERT IGNORE INTO " CS ".sync_state (direction, server_id,"
		 " file, pos, gtid) VALUES ('forward', 1, 'a', 4, '')");
	snprintf(sql, sizeof(sql),
		 "UPDATE " CS ".sync_state SET %s WHERE direction = 'forward'",
		 set);
	exec(ta, sql);
}

/* Repair takes sync's checkpoint row for update: while another session
 * holds it, repair waits (here: until its lock wait times out, retried,
 * then refused); once released, it goes through. */
static void repair_waits_for_sync_checkpoint(void **state)
{
	struct vf_table *t = pair("t_comp", NULL);
	struct ms_db *holder;
	struct vf_diffs d;
	struct ms_err err;
	uint64_t rows = 0;

	(void)state;
	sync_state("running = 0");
	exec(ta, "UPDATE " SCHEMA ".t_comp SET x = 7 WHERE a = 2");
	diff(t, NULL, NULL, &d);
	assert_int_equal(d.n, 2);
	holder = it_connect("MYSHIFT_TARGET_ADMIN", NULL, "target");
	exec(holder, "START TRANSACTION");
	exec(holder, "SELECT 1 FROM " CS ".sync_state WHERE direction = "
		     "'forward' FOR UPDATE");
	exec(tgt, "SET SESSION innodb_lock_wait_timeout = 1");
	ms_err_clear(&err);
	assert_int_equal(vf_repair(&run, t, src, tgt, &d, &rows, &err),
			 MS_ESQL);
	assert_int_equal(err.sql_errno, 1205);
	assert_false(d.v[0].repaired);
	exec(holder, "ROLLBACK");
	ms_db_close(holder);
	assert_int_equal(repair(t, &d), 2);
	exec(tgt, "SET SESSION innodb_lock_wait_timeout = DEFAULT");
	vf_diffs_free(&d, t->ncols);
	expect_checksum_equal("t_comp");
	exec(ta, "DROP TABLE " CS ".sync_state");
	pair_free(t);
}

/* A stand-in for sync: after a while it applies the change the target
 * lacks and moves its checkpoint past it, in one transaction, as sync
 * does. */
static char sync_file[256];
static unsigned long long sync_pos;

static void *late_sync(void *arg)
{
	struct ms_db *db = it_connect("MYSHIFT_TARGET_ADMIN", NULL, "target");
	struct timespec ts = {0, 300 * 1000 * 1000};
	char sql[512];

	(void)arg;
	nanosleep(&ts, NULL);
	exec(db, "START TRANSACTION");
	snprintf(sql, sizeof(sql),
		 "UPDATE " CS ".sync_state SET file = '%s', pos = %llu, "
		 "progress_at = UTC_TIMESTAMP(6) WHERE direction = 'forward'",
		 sync_file, sync_pos);
	exec(db, sql);
	exec(db, "UPDATE " SCHEMA ".t_comp SET x = 42 WHERE a = 1");
	exec(db, "COMMIT");
	ms_db_close(db);
	return NULL;
}

static void binlog_end(struct ms_db *db, char *file, size_t len,
		       unsigned long long *pos)
{
	struct ms_db_result *res = NULL;
	struct ms_err err;

	if (ms_db_query(db, "SHOW MASTER STATUS", &res, &err))
		fail_msg("%s", err.msg);
	snprintf(file, len, "%s", ms_db_result_get(res, 0, 0));
	*pos = strtoull(ms_db_result_get(res, 0, 1), NULL, 10);
	ms_db_result_free(res);
}

/* A stand-in for a sync that reaches the position of the first read
 * without the row being fixed yet (the source wrote more meanwhile),
 * and fixes it with its next group. */
static void *two_step_sync(void *arg)
{
	struct ms_db *s = it_connect("MYSHIFT_SOURCE_ADMIN", NULL, "source");
	struct ms_db *g = it_connect("MYSHIFT_TARGET_ADMIN", NULL, "target");
	struct timespec ts = {0, 300 * 1000 * 1000};
	unsigned long long pb;
	char fb[256], sql[512];

	(void)arg;
	nanosleep(&ts, NULL);
	exec(s, "INSERT INTO " SCHEMA ".tick VALUES ()");
	binlog_end(s, fb, sizeof(fb), &pb);
	snprintf(sql, sizeof(sql),
		 "UPDATE " CS ".sync_state SET file = '%s', pos = %llu, "
		 "progress_at = UTC_TIMESTAMP(6) WHERE direction = 'forward'",
		 sync_file, sync_pos);
	exec(g, sql);
	nanosleep(&ts, NULL);
	exec(g, "START TRANSACTION");
	snprintf(sql, sizeof(sql),
		 "UPDATE " CS ".sync_state SET file = '%s', pos = %llu, "
		 "progress_at = UTC_TIMESTAMP(6) WHERE direction = 'forward'",
		 fb, pb);
	exec(g, sql);
	exec(g, "INSERT INTO " SCHEMA ".tick VALUES ()");
	exec(g, "UPDATE " SCHEMA ".t_comp SET x = 50 WHERE a = 2");
	exec(g, "COMMIT");
	ms_db_close(s);
	ms_db_close(g);
	return NULL;
}

/* The first read finds a row that differs because sync is behind; the
 * re-read waits for sync to pass the source's newer position and finds
 * it equal: it is not reported. */
static void recheck_drops_what_sync_fixed(void **state)
{
	struct vf_table *t = pair("t_comp", NULL);
	pthread_t th;

	(void)state;
	exec(sa, "UPDATE " SCHEMA ".t_comp SET x = 50 WHERE a = 2");
	binlog_end(sa, sync_file, sizeof(sync_file), &sync_pos);
	sync_state("running = 1, file = 'a', pos = 4, "
		   "progress_at = UTC_TIMESTAMP(6)");
	opts.wait_timeout_s = 60;
	assert_int_equal(pthread_create(&th, NULL, two_step_sync, NULL), 0);
	expect_diff(t, NULL, NULL, "");
	pthread_join(th, NULL);
	exec(ta, "DROP TABLE " CS ".sync_state");
	expect_checksum_equal("t_comp");
	pair_free(t);
}

/* Settling: the source changed and sync has not applied it yet; the diff
 * reads the source, then waits for sync's checkpoint to pass the source's
 * binlog position, and only then reads the target: nothing to report.
 * A sync that never gets there makes the diff fail (--wait-timeout), not
 * report what sync would have fixed. */
static void diff_waits_for_sync(void **state)
{
	struct vf_table *t = pair("t_comp", NULL);
	struct vf_diffs d;
	struct ms_err err;
	pthread_t th;

	(void)state;
	exec(sa, "UPDATE " SCHEMA ".t_comp SET x = 42 WHERE a = 1");
	sync_state("running = 1, file = 'a', pos = 4, "
		   "progress_at = UTC_TIMESTAMP(6)");
	binlog_end(sa, sync_file, sizeof(sync_file), &sync_pos);
	opts.wait_timeout_s = 60;
	assert_int_equal(pthread_create(&th, NULL, late_sync, NULL), 0);
	expect_diff(t, NULL, NULL, "");
	pthread_join(th, NULL);
	/* a sync stuck behind the source */
	exec(sa, "UPDATE " SCHEMA ".t_comp SET x = 43 WHERE a = 1");
	sync_state("running = 1, file = 'a', pos = 4, "
		   "progress_at = UTC_TIMESTAMP(6)");
	opts.wait_timeout_s = 0.2;
	memset(&d, 0, sizeof(d));
	ms_err_clear(&err);
	assert_int_equal(vf_diff_range(&run, t, src, tgt, NULL, NULL, &d, &err),
			 MS_ETIMEOUT);
	assert_int_equal(d.n, 0);
	exec(ta, "UPDATE " SCHEMA ".t_comp SET x = 43 WHERE a = 1");
	exec(ta, "DROP TABLE " CS ".sync_state");
	opts.wait_timeout_s = 60;
	pair_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(diff_then_repair_int_key),
	    cmocka_unit_test(varchar_key_text),
	    cmocka_unit_test(composite_binary_key),
	    cmocka_unit_test(repair_case_change_across_batches),
	    cmocka_unit_test(charset_converting_key),
	    cmocka_unit_test(json_text_is_not_a_difference),
	    cmocka_unit_test(keyless_multiset),
	    cmocka_unit_test(repair_after_source_changed),
	    cmocka_unit_test(repair_refuses_changed_values),
	    cmocka_unit_test(repair_waits_for_sync_checkpoint),
	    cmocka_unit_test(diff_waits_for_sync),
	    cmocka_unit_test(recheck_drops_what_sync_fixed),
	};

	it_env_or_skip("MYSHIFT_SOURCE_ADMIN");
	return cmocka_run_group_tests(tests, setup, teardown);
}

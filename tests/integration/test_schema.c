/* Integration test for src/db/schema*.c: builds a schema full of awkward
 * names and features on the sandbox source (admin user), reads it back with
 * ms_schema_read and checks every field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it.h"
#include "core/buf.h"
#include "core/uri.h"
#include "db/db.h"
#include "db/quote.h"
#include "db/schema.h"

/* A database named with a dot and a backtick, plus one the filter drops. */
#define DB1  "it_db_s.ch`ema"
#define DB2  "it_db_skipped"
#define UCOL "na\xc3\xafve \xc3\xbc" /* "naïve ü" */

static struct ms_db *db;

/* Runs <tmpl> with "@D" replaced by the quoted DB1 and "@U" by the quoted
 * unicode column name. */
static void run(const char *tmpl)
{
	struct ms_buf sql;
	struct ms_err err;
	const char *p;

	ms_buf_init(&sql, 1 << 16);
	for (p = tmpl; *p; p++) {
		if (p[0] == '@' && p[1] == 'D') {
			assert_int_equal(ms_quote_ident(&sql, DB1), 0);
			p++;
		} else if (p[0] == '@' && p[1] == 'U') {
			assert_int_equal(ms_quote_ident(&sql, UCOL), 0);
			p++;
		} else {
			assert_int_equal(ms_buf_addc(&sql, *p), 0);
		}
	}
	if (ms_db_exec(db, ms_buf_str(&sql), &err))
		fail_msg("%s: %s", ms_buf_str(&sql), err.msg);
	ms_buf_free(&sql);
}

static void drop_all(void)
{
	run("DROP DATABASE IF EXISTS @D");
	run("DROP DATABASE IF EXISTS " DB2);
}

static const char *const setup_sql[] = {
    "CREATE DATABASE @D CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    "CREATE DATABASE " DB2,
    "CREATE TABLE " DB2 ".t (a int PRIMARY KEY)",
    /* reserved-word name, composite PK, unicode column, defaults */
    "CREATE TABLE @D.`select` ("
    " id int NOT NULL,"
    " grp varchar(10) NOT NULL,"
    " @U varchar(20) CHARACTER SET latin1 COLLATE latin1_german1_ci"
    "   DEFAULT 'it''s \\\\ x',"
    " n int DEFAULT 42,"
    " d decimal(5,2) DEFAULT -1.50,"
    " z varchar(5) DEFAULT NULL,"
    " ts timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,"
    " e int DEFAULT (1 + 2),"
    " nn int NOT NULL,"
    " PRIMARY KEY (grp, id)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    "CREATE TABLE @D.nokey (a int, b text)",
    "CREATE TABLE @D.uniq_null (a int NULL, b int, UNIQUE KEY uq (a))",
    "CREATE TABLE @D.uniq_nn ("
    " a int NOT NULL, b varchar(100) NOT NULL, c int,"
    " UNIQUE KEY u_pref (b(10)), UNIQUE KEY u_nn (a), KEY k_c (c, b(5)))",
    "CREATE TABLE @D.child ("
    " id int NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " grp varchar(10) COLLATE utf8mb4_bin, sid int, w int,"
    " g_v int AS (w * 2) VIRTUAL,"
    " g_s varchar(20) AS (concat(w, 'x')) STORED,"
    " KEY k_ref (grp, sid),"
    " CONSTRAINT `fk.sel` FOREIGN KEY (grp, sid) REFERENCES @D.`select`"
    "   (grp, id) ON DELETE CASCADE ON UPDATE SET NULL"
    ") AUTO_INCREMENT=100",
    "CREATE TABLE @D.myi (a int PRIMARY KEY) ENGINE=MyISAM",
    "CREATE TABLE @D.hidden (a int PRIMARY KEY)",
    "CREATE TRIGGER @D.trg BEFORE INSERT ON @D.child FOR EACH ROW"
    " SET NEW.grp = COALESCE(NEW.grp, 'x')",
    "CREATE TRIGGER @D.trg_hidden BEFORE INSERT ON @D.hidden FOR EACH ROW"
    " SET NEW.a = NEW.a",
    "CREATE DEFINER=`myshift`@`%` PROCEDURE @D.p() SQL SECURITY INVOKER"
    " SELECT 1",
    "CREATE FUNCTION @D.f() RETURNS int DETERMINISTIC RETURN 1",
    "CREATE EVENT @D.ev ON SCHEDULE EVERY 1 DAY DISABLE DO SELECT 1",
    "CREATE DEFINER=`myshift`@`%` SQL SECURITY DEFINER VIEW @D.v AS"
    " SELECT id FROM @D.`select`",
};

static int setup(void **state)
{
	struct ms_endpoint ep;
	struct ms_db_opts o = {.role = "source"};
	struct ms_err err;
	size_t i;

	(void)state;
	memset(&ep, 0, sizeof(ep));
	if (ms_endpoint_parse(it_env_or_skip("MYSHIFT_SOURCE_ADMIN"), &ep,
			      &err) ||
	    ms_db_connect(&ep, &o, &db, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		ms_endpoint_free(&ep);
		return -1;
	}
	ms_endpoint_free(&ep);
	drop_all();
	for (i = 0; i < sizeof(setup_sql) / sizeof(setup_sql[0]); i++)
		run(setup_sql[i]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (db) {
		drop_all();
		ms_db_close(db);
	}
	return 0;
}

/* Only our test schemas, minus DB2 and the table "hidden". */
static bool filter(void *ctx, const char *schema, const char *table)
{
	int *calls = ctx;

	(*calls)++;
	if (strncmp(schema, "it_db_", 6) != 0 || strcmp(schema, DB2) == 0)
		return false;
	return !table || strcmp(table, "hidden") != 0;
}

static const struct ms_table *table(const struct ms_schema *s, const char *name)
{
	const struct ms_table *t = ms_schema_table(s, DB1, name);

	if (!t)
		fail_msg("table %s not read", name);
	return t;
}

static const struct ms_column *column(const struct ms_table *t,
				      const char *name)
{
	const struct ms_column *c = ms_table_column(t, name);

	if (!c)
		fail_msg("column %s.%s not read", t->name, name);
	return c;
}

static const struct ms_index *index_named(const struct ms_table *t,
					  const char *name)
{
	size_t i;

	for (i = 0; i < t->nindexes; i++)
		if (strcmp(t->indexes[i].name, name) == 0)
			return &t->indexes[i];
	fail_msg("index %s.%s not read", t->name, name);
	return NULL;
}

static void check_default(const struct ms_column *c, bool has, bool expr,
			  const char *value)
{
	if (c->has_default != has || c->default_is_expr != expr)
		fail_msg("%s: has_default=%d is_expr=%d", c->name,
			 c->has_default, c->default_is_expr);
	if (value)
		assert_string_equal(c->default_value, value);
	else
		assert_null(c->default_value);
}

static void check_databases(const struct ms_schema *s, int calls)
{
	size_t i;

	assert_true(calls > 0);
	assert_int_equal(s->ndatabases, 1);
	assert_string_equal(s->databases[0].name, DB1);
	assert_string_equal(s->databases[0].charset, "utf8mb4");
	assert_string_equal(s->databases[0].collation, "utf8mb4_unicode_ci");
	for (i = 0; i < s->ntables; i++)
		assert_string_equal(s->tables[i].schema, DB1);
	/* base tables only, byte order, "hidden" filtered out */
	assert_int_equal(s->ntables, 6);
	assert_string_equal(s->tables[0].name, "child");
	assert_string_equal(s->tables[1].name, "myi");
	assert_string_equal(s->tables[2].name, "nokey");
	assert_string_equal(s->tables[3].name, "select");
	assert_string_equal(s->tables[4].name, "uniq_nn");
	assert_string_equal(s->tables[5].name, "uniq_null");
	assert_null(ms_schema_table(s, DB1, "hidden"));
	assert_null(ms_schema_table(s, DB1, "v"));
}

static void check_select(const struct ms_schema *s)
{
	const struct ms_table *t = table(s, "select");
	const struct ms_column *c;
	const struct ms_index *pk;

	assert_string_equal(t->engine, "InnoDB");
	assert_string_equal(t->collation, "utf8mb4_bin");
	assert_int_equal(t->ncolumns, 9);
	assert_string_equal(t->columns[0].name, "id");
	assert_int_equal(t->columns[0].ordinal, 1);
	assert_string_equal(t->columns[2].name, UCOL);
	assert_int_equal(t->columns[8].ordinal, 9);

	c = column(t, "id");
	assert_string_equal(c->data_type, "int");
	assert_false(c->nullable);
	check_default(c, false, false, NULL);
	assert_null(c->charset);
	c = column(t, UCOL);
	assert_string_equal(c->column_type, "varchar(20)");
	assert_string_equal(c->charset, "latin1");
	assert_string_equal(c->collation, "latin1_german1_ci");
	check_default(c, true, false, "it's \\ x");
	check_default(column(t, "n"), true, false, "42");
	check_default(column(t, "d"), true, false, "-1.50");
	check_default(column(t, "z"), true, false, NULL);
	check_default(column(t, "ts"), true, true, "current_timestamp()");
	check_default(column(t, "e"), true, true, "(1 + 2)");
	check_default(column(t, "nn"), false, false, NULL);
	assert_string_equal(column(t, "grp")->collation, "utf8mb4_bin");

	pk = ms_table_chunk_key(t);
	assert_non_null(pk);
	assert_ptr_equal(pk, &t->indexes[0]);
	assert_true(pk->primary && pk->unique && !pk->nullable);
	assert_string_equal(pk->name, "PRIMARY");
	assert_int_equal(pk->ncolumns, 2);
	assert_string_equal(pk->columns[0], "grp");
	assert_string_equal(pk->columns[1], "id");
	assert_string_equal(pk->type, "BTREE");
}

static void check_child(const struct ms_schema *s)
{
	const struct ms_table *t = table(s, "child");
	const struct ms_column *c;
	const struct ms_foreign_key *fk;
	const struct ms_index *ix;

	assert_int_equal(t->auto_increment, 100);
	c = column(t, "id");
	assert_true(c->auto_increment);
	check_default(c, false, false, NULL);
	c = column(t, "g_v");
	assert_true(c->generated);
	assert_false(c->generated_stored);
	assert_string_equal(c->generation_expr, "`w` * 2");
	check_default(c, false, false, NULL);
	c = column(t, "g_s");
	assert_true(c->generated && c->generated_stored);
	assert_non_null(strstr(c->generation_expr, "concat"));
	assert_false(column(t, "grp")->generated);
	assert_null(column(t, "grp")->generation_expr);

	ix = index_named(t, "k_ref");
	assert_false(ix->unique || ix->primary);
	assert_true(ix->nullable);
	assert_int_equal(ix->ncolumns, 2);
	assert_string_equal(ix->columns[1], "sid");

	assert_int_equal(t->nfks, 1);
	fk = &t->fks[0];
	assert_string_equal(fk->name, "fk.sel");
	assert_int_equal(fk->ncolumns, 2);
	assert_string_equal(fk->columns[0], "grp");
	assert_string_equal(fk->columns[1], "sid");
	assert_string_equal(fk->ref_schema, DB1);
	assert_string_equal(fk->ref_table, "select");
	assert_string_equal(fk->ref_columns[0], "grp");
	assert_string_equal(fk->ref_columns[1], "id");
	assert_string_equal(fk->on_delete, "CASCADE");
	assert_string_equal(fk->on_update, "SET NULL");
}

static void check_keys(const struct ms_schema *s)
{
	const struct ms_table *t;
	const struct ms_index *ix;

	t = table(s, "nokey");
	assert_int_equal(t->nindexes, 0);
	assert_null(ms_table_chunk_key(t));

	t = table(s, "uniq_null");
	ix = index_named(t, "uq");
	assert_true(ix->unique && ix->nullable && !ix->primary);
	assert_null(ms_table_chunk_key(t));

	t = table(s, "uniq_nn");
	ix = index_named(t, "u_pref");
	assert_true(ix->unique && !ix->nullable);
	assert_int_equal(ix->sub_parts[0], 10);
	ix = index_named(t, "k_c");
	assert_int_equal(ix->ncolumns, 2);
	assert_int_equal(ix->sub_parts[0], 0);
	assert_int_equal(ix->sub_parts[1], 5);
	ix = ms_table_chunk_key(t);
	assert_non_null(ix);
	assert_string_equal(ix->name, "u_nn"); /* u_pref has a prefix */

	t = table(s, "myi");
	assert_string_equal(t->engine, "MyISAM");
	assert_non_null(ms_table_chunk_key(t));
}

static void check_objects(const struct ms_schema *s)
{
	assert_int_equal(s->ntriggers, 1); /* trg_hidden follows "hidden" */
	assert_string_equal(s->triggers[0].name, "trg");
	assert_string_equal(s->triggers[0].schema, DB1);
	assert_string_equal(s->triggers[0].table, "child");
	assert_string_equal(s->triggers[0].timing, "BEFORE");
	assert_string_equal(s->triggers[0].event, "INSERT");
	assert_string_equal(s->triggers[0].definer, "sandbox_admin@%");
	assert_non_null(strstr(s->triggers[0].statement, "COALESCE"));

	assert_int_equal(s->nroutines, 2);
	assert_string_equal(s->routines[0].name, "f");
	assert_string_equal(s->routines[0].type, "FUNCTION");
	assert_string_equal(s->routines[0].security_type, "DEFINER");
	assert_string_equal(s->routines[1].name, "p");
	assert_string_equal(s->routines[1].type, "PROCEDURE");
	assert_string_equal(s->routines[1].definer, "myshift@%");
	assert_string_equal(s->routines[1].security_type, "INVOKER");

	assert_int_equal(s->nevents, 1);
	assert_string_equal(s->events[0].name, "ev");
	assert_string_equal(s->events[0].status, "DISABLED");
	assert_string_equal(s->events[0].definer, "sandbox_admin@%");

	assert_int_equal(s->nviews, 1);
	assert_string_equal(s->views[0].name, "v");
	assert_string_equal(s->views[0].definer, "myshift@%");
	assert_string_equal(s->views[0].security_type, "DEFINER");
	assert_non_null(strstr(s->views[0].definition, "`id`"));
}

static void schema_read_everything(void **state)
{
	struct ms_schema *s = NULL;
	struct ms_err err;
	int calls = 0;

	(void)state;
	if (ms_schema_read(db, filter, &calls, &s, &err))
		fail_msg("ms_schema_read: %s", err.msg);
	check_databases(s, calls);
	check_select(s);
	check_child(s);
	check_keys(s);
	check_objects(s);
	ms_schema_free(s);
}

static void schema_read_without_filter_skips_system(void **state)
{
	struct ms_schema *s = NULL;
	struct ms_err err;
	size_t i;
	bool seen1 = false, seen2 = false;

	(void)state;
	if (ms_schema_read(db, NULL, NULL, &s, &err))
		fail_msg("ms_schema_read: %s", err.msg);
	for (i = 0; i < s->ndatabases; i++) {
		const char *n = s->databases[i].name;

		assert_true(strcmp(n, "mysql") && strcmp(n, "sys") &&
			    strcmp(n, "information_schema") &&
			    strcmp(n, "performance_schema"));
		seen1 |= strcmp(n, DB1) == 0;
		seen2 |= strcmp(n, DB2) == 0;
		if (i)
			assert_true(strcmp(s->databases[i - 1].name, n) < 0);
	}
	assert_true(seen1 && seen2);
	assert_non_null(ms_schema_table(s, DB1, "hidden"));
	assert_non_null(ms_schema_table(s, DB2, "t"));
	ms_schema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(schema_read_everything),
	    cmocka_unit_test(schema_read_without_filter_skips_system),
	};

	it_env_or_skip("MYSHIFT_SOURCE_ADMIN");
	return cmocka_run_group_tests(tests, setup, teardown);
}

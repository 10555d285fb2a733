/* Integration test for src/copy/ddl*.c: builds source schemas with renames,
 * cross-schema foreign keys, partitioning, MyISAM/Aria, generated and
 * invisible columns, views, routines, triggers and events (definer
 * root@localhost), then creates them on the sandbox target as the
 * unprivileged `myshift` user and checks the result there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it.h"
#include "copy/ddl.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/uri.h"
#include "db/db.h"
#include "db/quote.h"
#include "db/schema.h"
#include "rules/rules.h"

#define SRC  "it_ddl_src"
#define DST  "it_ddl_dst"
#define REF  "it_ddl_ref"
#define REFX "it_ddl_refx"
#define CTL  "_it_ddl_ctl"

static struct ms_db *src_admin, *src, *tgt_admin, *tgt;
static struct ms_rules *rules;
static struct ms_schema *schema;
static char *trust_saved;

static const char mappings[] =
    "{\"rules\": ["
    "{\"rule-type\": \"selection\", \"rule-id\": \"1\", \"rule-name\": "
    "\"all\", \"object-locator\": {\"schema-name\": \"it_ddl_%\", "
    "\"table-name\": \"%\"}, \"rule-action\": \"include\"},"
    "{\"rule-type\": \"transformation\", \"rule-id\": \"2\", "
    "\"rule-name\": \"s\", \"rule-action\": \"rename\", \"rule-target\": "
    "\"schema\", \"object-locator\": {\"schema-name\": \"" SRC "\"}, "
    "\"value\": \"" DST "\"},"
    "{\"rule-type\": \"transformation\", \"rule-id\": \"3\", "
    "\"rule-name\": \"r\", \"rule-action\": \"rename\", \"rule-target\": "
    "\"schema\", \"object-locator\": {\"schema-name\": \"" REF "\"}, "
    "\"value\": \"" REFX "\"},"
    "{\"rule-type\": \"transformation\", \"rule-id\": \"4\", "
    "\"rule-name\": \"t\", \"rule-action\": \"rename\", \"rule-target\": "
    "\"table\", \"object-locator\": {\"schema-name\": \"" SRC "\", "
    "\"table-name\": \"orders\"}, \"value\": \"orders_v2\"}"
    "]}";

static const char *const source_sql[] = {
    "CREATE DATABASE " REF " CHARACTER SET latin1 COLLATE latin1_swedish_ci",
    "CREATE DATABASE " SRC " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
    "CREATE TABLE " REF ".parent (id int PRIMARY KEY, code varchar(10),"
    " UNIQUE KEY u_code (code))",
    "CREATE TABLE " SRC ".orders ("
    " id int NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " parent_id int,"
    " note varchar(50) CHARACTER SET latin1 COLLATE latin1_german1_ci"
    "   DEFAULT 'it''s, (odd)\\n',"
    " total decimal(10,2) COMMENT 'a ) b, c',"
    " tax decimal(10,2) AS (total * 0.2) STORED,"
    " vtax decimal(10,2) AS (total * 0.2) VIRTUAL,"
    " body text, uq varchar(20),"
    " UNIQUE KEY uq (uq),"
    " KEY k_parent (parent_id),"
    " KEY k_note (note(10), total),"
    " FULLTEXT KEY ft_body (body),"
    " CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES " REF
    ".parent (id) ON DELETE CASCADE,"
    " CONSTRAINT chk CHECK (total >= 0)"
    ") AUTO_INCREMENT=1000 DEFAULT CHARSET=utf8mb4"
    " COLLATE=utf8mb4_unicode_ci COMMENT 'orders, with ''quotes'''",
    "CREATE TABLE " SRC ".items (id int PRIMARY KEY, order_id int,"
    " KEY k_order (order_id),"
    " CONSTRAINT fk_order FOREIGN KEY (order_id) REFERENCES orders (id))",
    "CREATE TABLE " SRC ".logs (id int NOT NULL, ts datetime NOT NULL,"
    " PRIMARY KEY (id, ts), KEY k_ts (ts))"
    " PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (100),"
    " PARTITION p1 VALUES LESS THAN MAXVALUE)",
    "CREATE TABLE " SRC ".legacy (id int NOT NULL AUTO_INCREMENT,"
    " name char(20), KEY k_id (id), KEY k_name (name))"
    " ENGINE=MyISAM ROW_FORMAT=FIXED PACK_KEYS=1 CHECKSUM=1",
    "CREATE TABLE " SRC ".aria (id int PRIMARY KEY, v int)"
    " ENGINE=Aria TRANSACTIONAL=1 PAGE_CHECKSUM=1",
    "CREATE TABLE " SRC ".versioned (id int PRIMARY KEY,"
    " secret int INVISIBLE, blobby blob COMPRESSED)"
    " WITH SYSTEM VERSIONING",
    /* views: a_top depends on v_orders, which sorts after it */
    "CREATE DEFINER=`root`@`localhost` VIEW " SRC ".v_orders AS"
    " SELECT o.id, p.code, o.total FROM " SRC ".orders o"
    " JOIN " REF ".parent p ON p.id = o.parent_id",
    "CREATE DEFINER=`root`@`localhost` VIEW " SRC ".a_top AS"
    " SELECT id, code FROM " SRC ".v_orders WHERE total > 10",
    "CREATE DEFINER=`root`@`localhost` FUNCTION " SRC
    ".f_tax(x decimal(10,2)) RETURNS decimal(10,2) DETERMINISTIC"
    " RETURN x * 0.2",
    "CREATE DEFINER=`root`@`localhost` PROCEDURE " SRC
    ".p_qual() SELECT COUNT(*) FROM " SRC ".items",
    "CREATE DEFINER=`root`@`localhost` VIEW " SRC ".v_calc AS"
    " SELECT id, " SRC ".f_tax(total) AS t FROM " SRC ".orders",
    "CREATE DEFINER=`root`@`localhost` TRIGGER " SRC
    ".trg_ins before insert on orders for each row"
    " set new.total = coalesce(new.total, 0)",
    "CREATE DEFINER=`root`@`localhost` EVENT " SRC
    ".ev_purge ON SCHEDULE EVERY 1 DAY DO DELETE FROM items WHERE id < 0",
};

/* Created with sql_mode PIPES_AS_CONCAT: || must stay concatenation. */
static const char proc_sql[] =
    "CREATE DEFINER=`root`@`localhost` PROCEDURE " SRC
    ".p_concat(OUT r varchar(10)) SET r = 'a' || 'b'";

static void exec_ok(struct ms_db *db, const char *sql)
{
	struct ms_err err;

	if (ms_db_exec(db, sql, &err))
		fail_msg("%s: %s", sql, err.msg);
}

static char *value(struct ms_db *db, const char *sql)
{
	struct ms_err err;
	char *v = NULL;

	if (ms_db_query_value(db, sql, &v, &err))
		fail_msg("%s: %s", sql, err.msg);
	return v;
}

static void connect_env(const char *uri_env, const char *pw_env,
			const char *role, struct ms_db **out)
{
	struct ms_endpoint ep;
	struct ms_db_opts o = {.role = role};
	struct ms_err err;

	memset(&ep, 0, sizeof(ep));
	if (ms_endpoint_parse(it_env_or_skip(uri_env), &ep, &err) ||
	    (pw_env && ms_endpoint_resolve_password(&ep, pw_env, NULL, &err)) ||
	    ms_db_connect(&ep, &o, out, &err)) {
		fprintf(stderr, "connect %s: %s\n", uri_env, err.msg);
		exit(1);
	}
	ms_endpoint_free(&ep);
}

static bool keep_ours(void *ctx, const char *s, const char *t)
{
	(void)ctx;
	(void)t;
	return strcmp(s, SRC) == 0 || strcmp(s, REF) == 0;
}

static void drop_all(void)
{
	exec_ok(src_admin, "DROP DATABASE IF EXISTS " SRC);
	exec_ok(src_admin, "DROP DATABASE IF EXISTS " REF);
	exec_ok(tgt_admin, "DROP DATABASE IF EXISTS " DST);
	exec_ok(tgt_admin, "DROP DATABASE IF EXISTS " REFX);
	exec_ok(tgt_admin, "DROP DATABASE IF EXISTS " CTL);
}

static int setup(void **state)
{
	struct ms_err err;
	size_t i;

	(void)state;
	connect_env("MYSHIFT_SOURCE_ADMIN", NULL, "source", &src_admin);
	connect_env("MYSHIFT_TARGET_ADMIN", NULL, "target", &tgt_admin);
	connect_env("MYSHIFT_SOURCE", "MYSHIFT_SOURCE_PASSWORD", "source",
		    &src);
	connect_env("MYSHIFT_TARGET", "MYSHIFT_TARGET_PASSWORD", "target",
		    &tgt);
	drop_all();
	for (i = 0; i < sizeof(source_sql) / sizeof(source_sql[0]); i++)
		exec_ok(src_admin, source_sql[i]);
	exec_ok(src_admin, "SET SESSION sql_mode = 'PIPES_AS_CONCAT'");
	exec_ok(src_admin, proc_sql);
	exec_ok(src_admin, "SET SESSION sql_mode = DEFAULT");
	rules = ms_rules_new();
	if (!rules ||
	    ms_rules_add_dms_json(rules, "it.json", mappings, strlen(mappings),
				  &err) ||
	    ms_schema_read(src, keep_ours, NULL, &schema, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	trust_saved =
	    value(tgt_admin, "SELECT @@GLOBAL.log_bin_trust_function_creators");
	return 0;
}

static int teardown(void **state)
{
	struct ms_buf sql;

	(void)state;
	ms_buf_init(&sql, 256);
	if (ms_buf_addf(&sql, "SET GLOBAL log_bin_trust_function_creators = %s",
			trust_saved ? trust_saved : "0") == 0)
		exec_ok(tgt_admin, ms_buf_str(&sql));
	ms_buf_free(&sql);
	free(trust_saved);
	drop_all();
	ms_schema_free(schema);
	ms_rules_free(rules);
	ms_db_close(src);
	ms_db_close(tgt);
	ms_db_close(src_admin);
	ms_db_close(tgt_admin);
	return 0;
}

static const struct ms_ddl_opts opts_default = {
    .control_schema = CTL, .defer_indexes = true, .convert_myisam = true};

static struct ms_ddl_opts opts(void)
{
	struct ms_ddl_opts o = opts_default;

	o.rules = rules;
	return o;
}

/* Builds the statements for source table <name> of SRC (or REF). */
static void ddl_for(const char *sschema, const char *name,
		    const struct ms_ddl_opts *o, struct ms_ddl_table *out)
{
	const struct ms_table *t = ms_schema_table(schema, sschema, name);
	struct ms_buf ts, tt;
	struct ms_err err;

	assert_non_null(t);
	ms_buf_init(&ts, 1024);
	ms_buf_init(&tt, 1024);
	assert_int_equal(ms_rules_map(rules, sschema, name, &ts, &tt), 0);
	memset(out, 0, sizeof(*out));
	if (ms_ddl_table(src, t, ms_buf_str(&ts), ms_buf_str(&tt), o, out,
			 &err))
		fail_msg("%s.%s: %s", sschema, name, err.msg);
	ms_buf_free(&ts);
	ms_buf_free(&tt);
}

static void assert_has(const char *hay, const char *needle)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("expected \"%s\" in:\n%s", needle,
			 hay ? hay : "(null)");
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (hay && strstr(hay, needle))
		fail_msg("did not expect \"%s\" in:\n%s", needle, hay);
}

/* <s> with every <from> replaced by <to> (caller frees). */
static char *replace(const char *s, const char *from, const char *to)
{
	struct ms_buf b;
	const char *p;

	ms_buf_init(&b, 1 << 20);
	while (*from && (p = strstr(s, from)) != NULL) {
		assert_int_equal(ms_buf_add(&b, s, (size_t)(p - s)), 0);
		assert_int_equal(ms_buf_addstr(&b, to), 0);
		s = p + strlen(from);
	}
	assert_int_equal(ms_buf_addstr(&b, s), 0);
	return ms_buf_take(&b);
}

static char *show_table(struct ms_db *db, const char *s, const char *t)
{
	struct ms_db_result *r = NULL;
	struct ms_buf sql;
	struct ms_err err;
	char *out;

	ms_buf_init(&sql, 1024);
	assert_int_equal(ms_buf_addstr(&sql, "SHOW CREATE TABLE "), 0);
	assert_int_equal(ms_quote_qualified(&sql, s, t), 0);
	if (ms_db_query(db, ms_buf_str(&sql), &r, &err))
		fail_msg("%s: %s", ms_buf_str(&sql), err.msg);
	out = strdup(ms_db_result_get(r, 0, 1));
	ms_db_result_free(r);
	ms_buf_free(&sql);
	return out;
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* <text>'s lines, each without a trailing comma, sorted and joined: key
 * order and the comma after the last element do not matter. */
static char *sorted_lines(const char *text)
{
	char *copy = strdup(text), *lines[512], *p = copy, *nl;
	size_t n = 0, i, len;
	struct ms_buf b;

	while (p && *p && n < 512) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		len = strlen(p);
		if (len && p[len - 1] == ',')
			p[len - 1] = '\0';
		lines[n++] = p;
		p = nl ? nl + 1 : NULL;
	}
	qsort(lines, n, sizeof(lines[0]), cmp_lines);
	ms_buf_init(&b, 1 << 20);
	for (i = 0; i < n; i++) {
		assert_int_equal(ms_buf_addstr(&b, lines[i]), 0);
		assert_int_equal(ms_buf_addc(&b, '\n'), 0);
	}
	free(copy);
	return ms_buf_take(&b);
}

/* The target's SHOW CREATE TABLE of <tt> equals the source's of <st> once
 * <from> is replaced by <to> (two pairs at most). */
static void assert_same_table(const char *ss, const char *st, const char *ts,
			      const char *tt, const char *from1,
			      const char *to1, const char *from2,
			      const char *to2)
{
	char *s = show_table(src_admin, ss, st);
	char *t = show_table(tgt_admin, ts, tt);
	char *e1 = replace(s, from1, to1);
	char *e2 = replace(e1, from2, to2);
	char *a = sorted_lines(e2), *b = sorted_lines(t);

	if (strcmp(a, b) != 0)
		fail_msg("%s.%s differs:\nexpected:\n%s\ngot:\n%s", ts, tt, e2,
			 t);
	free(s);
	free(t);
	free(e1);
	free(e2);
	free(a);
	free(b);
}

static const char *const table_order[][2] = {
    {REF, "parent"}, {SRC, "orders"}, {SRC, "items"},	  {SRC, "logs"},
    {SRC, "legacy"}, {SRC, "aria"},   {SRC, "versioned"},
};
#define NTABLES (sizeof(table_order) / sizeof(table_order[0]))

static void check_statements(struct ms_ddl_table *d)
{
	/* orders: unique kept, three keys deferred, FK mapped across */
	assert_has(d[1].create_sql, "CREATE TABLE `" DST "`.`orders_v2` (");
	assert_has(d[1].create_sql, "UNIQUE KEY `uq`");
	assert_has(d[1].create_sql, "CONSTRAINT `chk` CHECK");
	assert_has(d[1].create_sql, "AUTO_INCREMENT=1000");
	assert_lacks(d[1].create_sql, "k_parent");
	assert_lacks(d[1].create_sql, "FOREIGN KEY");
	assert_lacks(d[1].create_sql, ",\n)");
	assert_int_equal(d[1].deferred_indexes, 3);
	assert_has(d[1].index_sql,
		   "ALTER TABLE `" DST "`.`orders_v2` ADD KEY `k_parent`");
	assert_has(d[1].index_sql, ", ADD FULLTEXT KEY `ft_body`");
	assert_int_equal(d[1].fks, 1);
	assert_has(d[1].fk_sql, "REFERENCES `" REFX "`.`parent` (`id`) ON "
				"DELETE CASCADE");
	/* items: same-schema FK to a renamed table, written qualified */
	assert_has(d[2].fk_sql, "REFERENCES `" DST "`.`orders_v2` (`id`)");
	/* logs: partitioning kept */
	assert_has(d[3].create_sql, "PARTITION BY RANGE");
	/* legacy: MyISAM converted, the AUTO_INCREMENT key kept */
	assert_true(d[4].converted);
	assert_string_equal(d[4].source_engine, "MyISAM");
	assert_has(d[4].create_sql, "ENGINE=InnoDB");
	assert_lacks(d[4].create_sql, "ROW_FORMAT");
	assert_has(d[4].create_sql, "KEY `k_id`");
	assert_int_equal(d[4].deferred_indexes, 1);
	assert_true(d[5].converted);
	assert_lacks(d[5].create_sql, "TRANSACTIONAL");
	assert_lacks(d[5].create_sql, "PAGE_CHECKSUM");
	assert_has(d[6].create_sql, "WITH SYSTEM VERSIONING");
	assert_false(d[0].converted);
	assert_null(d[0].index_sql);
	assert_null(d[0].fk_sql);
}

static void create_databases(void)
{
	struct ms_buf ts;
	struct ms_err err;
	size_t i;

	ms_buf_init(&ts, 1024);
	for (i = 0; i < schema->ndatabases; i++) {
		ms_buf_reset(&ts);
		assert_int_equal(ms_rules_map(rules, schema->databases[i].name,
					      NULL, &ts, NULL),
				 0);
		if (ms_ddl_create_database(tgt, &schema->databases[i],
					   ms_buf_str(&ts), &err))
			fail_msg("%s", err.msg);
	}
	ms_buf_free(&ts);
}

static void tables_created_on_target(void **state)
{
	struct ms_ddl_opts o = opts();
	struct ms_ddl_table d[NTABLES];
	char *v;
	size_t i;

	(void)state;
	create_databases();
	v = value(tgt_admin,
		  "SELECT DEFAULT_COLLATION_NAME FROM "
		  "information_schema.SCHEMATA WHERE SCHEMA_NAME = '" REFX "'");
	assert_string_equal(v, "latin1_swedish_ci");
	free(v);
	for (i = 0; i < NTABLES; i++) {
		ddl_for(table_order[i][0], table_order[i][1], &o, &d[i]);
		exec_ok(tgt, d[i].create_sql);
	}
	check_statements(d);
	/* rows before the deferred indexes, as the copy does */
	exec_ok(tgt, "INSERT INTO " REFX ".parent VALUES (1, 'c1')");
	exec_ok(tgt, "INSERT INTO " DST ".orders_v2 (id, parent_id, note, "
		     "total, body, uq) VALUES (1, 1, 'x', 5, 'hello world', "
		     "'a'), (2, 1, 'y', 20, 'other text', 'b')");
	for (i = 0; i < NTABLES; i++)
		if (d[i].index_sql)
			exec_ok(tgt, d[i].index_sql);
	exec_ok(tgt, "SET SESSION foreign_key_checks = 0");
	for (i = 0; i < NTABLES; i++)
		if (d[i].fk_sql)
			exec_ok(tgt, d[i].fk_sql);
	exec_ok(tgt, "SET SESSION foreign_key_checks = 1");
	for (i = 0; i < NTABLES; i++)
		ms_ddl_table_free(&d[i]);

	assert_same_table(REF, "parent", REFX, "parent", "", "", "", "");
	assert_same_table(SRC, "orders", DST, "orders_v2",
			  "CREATE TABLE `orders`", "CREATE TABLE `orders_v2`",
			  "REFERENCES `" REF "`", "REFERENCES `" REFX "`");
	assert_same_table(SRC, "items", DST, "items", "REFERENCES `orders`",
			  "REFERENCES `orders_v2`", "", "");
	assert_same_table(SRC, "logs", DST, "logs", "", "", "", "");
	assert_same_table(SRC, "versioned", DST, "versioned", "", "", "", "");
	assert_same_table(SRC, "legacy", DST, "legacy", "ENGINE=MyISAM",
			  "ENGINE=InnoDB", " ROW_FORMAT=FIXED", "");
}

static void options_off_keep_everything(void **state)
{
	struct ms_ddl_opts o = opts();
	struct ms_ddl_table d;

	(void)state;
	o.defer_indexes = false;
	o.convert_myisam = false;
	ddl_for(SRC, "orders", &o, &d);
	assert_null(d.index_sql);
	assert_int_equal(d.deferred_indexes, 0);
	assert_has(d.create_sql, "KEY `k_parent`");
	assert_has(d.create_sql, "FULLTEXT KEY `ft_body`");
	assert_lacks(d.create_sql, "FOREIGN KEY");
	assert_non_null(d.fk_sql);
	ms_ddl_table_free(&d);
	ddl_for(SRC, "legacy", &o, &d);
	assert_false(d.converted);
	assert_has(d.create_sql, "ENGINE=MyISAM");
	assert_has(d.create_sql, "ROW_FORMAT=FIXED");
	ms_ddl_table_free(&d);
}

static void assert_value(struct ms_db *db, const char *sql, const char *want)
{
	char *v = value(db, sql);

	if (!v || strcmp(v, want) != 0)
		fail_msg("%s: got %s, want %s", sql, v ? v : "NULL", want);
	free(v);
}

/* Needs the tables of tables_created_on_target. */
static void views_and_routines(void **state)
{
	struct ms_ddl_opts o = opts();
	struct ms_ddl_counts c;
	struct ms_err err;
	char *logbuf = NULL;
	size_t loglen = 0;
	FILE *log;
	int rc;

	(void)state;
	/* A binlogged target refuses functions from a user without SUPER. */
	exec_ok(tgt_admin, "SET GLOBAL log_bin_trust_function_creators = 0");
	memset(&c, 0, sizeof(c));
	rc = ms_ddl_views_routines(src, tgt, schema, &o, &c, &err);
	assert_int_equal(rc, MS_ESQL);
	assert_has(err.msg, "log_bin_trust_function_creators");
	assert_has(err.msg, "`" DST "`.`f_tax`");

	exec_ok(tgt_admin, "SET GLOBAL log_bin_trust_function_creators = 1");
	memset(&c, 0, sizeof(c));
	log = open_memstream(&logbuf, &loglen);
	assert_non_null(log);
	ms_log_set_stream(log);
	rc = ms_ddl_views_routines(src, tgt, schema, &o, &c, &err);
	ms_log_set_stream(stderr);
	fclose(log);
	if (rc)
		fail_msg("%s", err.msg);
	assert_int_equal(c.routines, 3);
	assert_int_equal(c.views, 3);
	/* root@localhost is refused to `myshift`: all six rewritten, each
	 * named in a warning */
	assert_int_equal(c.definers_rewritten, 6);
	assert_has(logbuf, "event=definer_rewritten object=\"VIEW `" DST
			   "`.`a_top` (source `" SRC "`.`a_top`)\"");
	/* p_qual's body names the renamed source schema: warned */
	assert_has(logbuf, "event=body_names_source_schema object=\"PROCEDURE "
			   "`" DST "`.`p_qual`");
	assert_lacks(logbuf, "body_names_source_schema object=\"PROCEDURE `" DST
			     "`.`p_concat`");
	free(logbuf);
	assert_value(tgt_admin,
		     "SELECT DEFINER FROM information_schema.VIEWS WHERE "
		     "TABLE_SCHEMA = '" DST "' AND TABLE_NAME = 'a_top'",
		     "myshift@%");
	assert_value(tgt_admin,
		     "SELECT DEFINER FROM information_schema.ROUTINES WHERE "
		     "ROUTINE_SCHEMA = '" DST "' AND ROUTINE_NAME = 'p_concat'",
		     "myshift@%");
	/* the views work on the renamed tables, and through the function */
	assert_value(tgt, "SELECT code FROM " DST ".a_top", "c1");
	assert_value(tgt, "SELECT t FROM " DST ".v_calc WHERE id = 2", "4.00");
	/* the procedure kept its sql_mode: || concatenates */
	exec_ok(tgt, "CALL " DST ".p_concat(@r)");
	assert_value(tgt, "SELECT @r", "ab");
	/* the session's sql_mode is back */
	assert_value(tgt, "SELECT @@SESSION.sql_mode LIKE '%PIPES%'", "0");

	/* rerunning replaces */
	memset(&c, 0, sizeof(c));
	if (ms_ddl_views_routines(src, tgt, schema, &o, &c, &err))
		fail_msg("rerun: %s", err.msg);
	assert_int_equal(c.views, 3);
}

static void triggers_events_recorded(void **state)
{
	struct ms_ddl_opts o = opts();
	struct ms_ddl_counts c;
	struct ms_err err;
	char *sql;

	(void)state;
	memset(&c, 0, sizeof(c));
	if (ms_ddl_record_deferred(src, tgt, schema, &o, &c, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(c.triggers, 1);
	assert_int_equal(c.events, 1);
	/* recorded, never created */
	assert_value(tgt_admin,
		     "SELECT COUNT(*) FROM information_schema.TRIGGERS "
		     "WHERE TRIGGER_SCHEMA = '" DST "'",
		     "0");
	assert_value(tgt_admin,
		     "SELECT COUNT(*) FROM information_schema.EVENTS "
		     "WHERE EVENT_SCHEMA = '" DST "'",
		     "0");
	assert_value(tgt_admin,
		     "SELECT CONCAT(source_schema, '|', target_table) FROM " CTL
		     ".deferred_objects WHERE kind = 'trigger'",
		     SRC "|orders_v2");
	sql =
	    value(tgt_admin, "SELECT create_sql FROM " CTL
			     ".deferred_objects WHERE kind = 'trigger' AND "
			     "target_schema = '" DST "' AND name = 'trg_ins'");
	assert_has(sql, "DEFINER=`root`@`localhost`");
	assert_has(sql, "`" DST "`.`trg_ins`");
	assert_has(sql, "on `" DST "`.`orders_v2`");
	/* what cutover will run is valid on the target */
	exec_ok(tgt_admin, sql);
	free(sql);
	sql = value(tgt_admin, "SELECT create_sql FROM " CTL
			       ".deferred_objects WHERE kind = 'event'");
	assert_has(sql, "EVENT `" DST "`.`ev_purge`");
	exec_ok(tgt_admin, sql);
	free(sql);
	assert_value(tgt_admin,
		     "SELECT time_zone IS NOT NULL AND sql_mode <> '' FROM " CTL
		     ".deferred_objects WHERE kind = 'event'",
		     "1");
	/* rerunning replaces the rows */
	memset(&c, 0, sizeof(c));
	if (ms_ddl_record_deferred(src, tgt, schema, &o, &c, &err))
		fail_msg("rerun: %s", err.msg);
	assert_value(tgt_admin, "SELECT COUNT(*) FROM " CTL ".deferred_objects",
		     "2");
}

static bool only_bad(void *ctx, const char *s, const char *t)
{
	(void)ctx;
	return strcmp(s, SRC) == 0 && (!t || strchr(t, '\n'));
}

static void newline_in_name_refused(void **state)
{
	struct ms_ddl_opts o = opts();
	struct ms_ddl_table d;
	struct ms_schema *s = NULL;
	struct ms_err err;
	int rc;

	(void)state;
	exec_ok(src_admin, "CREATE TABLE " SRC ".`bad\nname` (a int)");
	exec_ok(src_admin, "CREATE TABLE " SRC ".badcol (`a\nb` int)");
	if (ms_schema_read(src, only_bad, NULL, &s, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(s->ntables, 1);
	memset(&d, 0, sizeof(d));
	rc = ms_ddl_table(src, &s->tables[0], DST, "bad", &o, &d, &err);
	assert_int_equal(rc, MS_EUNSUPPORTED);
	assert_has(err.msg, "newline");
	assert_null(d.create_sql);
	ms_schema_free(s);
	/* a column name too */
	s = NULL;
	if (ms_schema_read(src, keep_ours, NULL, &s, &err))
		fail_msg("%s", err.msg);
	rc = ms_ddl_table(src, ms_schema_table(s, SRC, "badcol"), DST, "badcol",
			  &o, &d, &err);
	assert_int_equal(rc, MS_EUNSUPPORTED);
	assert_has(err.msg, "column name holds a newline");
	ms_schema_free(s);
	exec_ok(src_admin, "DROP TABLE " SRC ".`bad\nname`, " SRC ".badcol");
}

/* MyISAM's per-group AUTO_INCREMENT cannot become InnoDB. */
static void per_group_autoinc_refused(void **state)
{
	struct ms_ddl_opts o = opts();
	struct ms_ddl_table d;
	struct ms_schema *s = NULL;
	struct ms_err err;
	int rc;

	(void)state;
	exec_ok(src_admin, "CREATE TABLE " SRC ".grp (g int NOT NULL, id int "
			   "NOT NULL AUTO_INCREMENT, PRIMARY KEY (g, id)) "
			   "ENGINE=MyISAM");
	if (ms_schema_read(src, keep_ours, NULL, &s, &err))
		fail_msg("%s", err.msg);
	memset(&d, 0, sizeof(d));
	rc = ms_ddl_table(src, ms_schema_table(s, SRC, "grp"), DST, "grp", &o,
			  &d, &err);
	assert_int_equal(rc, MS_EUNSUPPORTED);
	assert_has(err.msg, "AUTO_INCREMENT column id");
	o.convert_myisam = false;
	if (ms_ddl_table(src, ms_schema_table(s, SRC, "grp"), DST, "grp", &o,
			 &d, &err))
		fail_msg("%s", err.msg);
	assert_has(d.create_sql, "ENGINE=MyISAM");
	ms_ddl_table_free(&d);
	ms_schema_free(s);
	exec_ok(src_admin, "DROP TABLE " SRC ".grp");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(tables_created_on_target),
	    cmocka_unit_test(options_off_keep_everything),
	    cmocka_unit_test(views_and_routines),
	    cmocka_unit_test(triggers_events_recorded),
	    cmocka_unit_test(newline_in_name_refused),
	    cmocka_unit_test(per_group_autoinc_refused),
	};

	it_env_or_skip("MYSHIFT_SOURCE_ADMIN");
	return cmocka_run_group_tests(tests, setup, teardown);
}

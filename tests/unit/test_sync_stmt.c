/* Unit tests for the statement classifier and DDL rewrite
 * (src/sync/stmt*.c): statements as MariaDB 10.11 and MySQL 8 write them
 * in binlogs (the user's text, the server's normalised forms, executable
 * comments, generated-by-server suffixes), their kind, op, refs with exact
 * spans, and the text the target runs. Every statement is parsed from a
 * buffer of exactly its length (no NUL after it), so ASan catches a read
 * past <len>. Real binlog files: test_sync_stmt_binlogs.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "sync/stmt.h"

/* ---- the test mapping ----------------------------------------------- */

/* Schema db -> db_m, everything else keeps its name; schema xs and every
 * table whose name starts with 'x' are excluded; table "boom" fails. */
static int test_map(void *ctx, const char *schema, const char *table,
		    struct ms_buf *os, struct ms_buf *ot)
{
	int *calls = ctx;

	if (calls)
		(*calls)++;
	if (table && strcmp(table, "boom") == 0)
		return MS_EIO;
	if (strcmp(schema, "xs") == 0 || (table && table[0] == 'x'))
		return 0;
	if (ms_buf_addstr(os, schema) ||
	    (strcmp(schema, "db") == 0 && ms_buf_addstr(os, "_m")))
		return MS_ENOMEM;
	if (table && ms_buf_addstr(ot, table))
		return MS_ENOMEM;
	return 1;
}

/* ---- table-driven cases --------------------------------------------- */

#define K(x) MS_STMT_##x
#define O(x) MS_STMT_OP_##x
#define T    MS_STMT_REF_TABLE
#define RN   MS_STMT_REF_RENAMED_TO
#define RF   MS_STMT_REF_REFERENCED
#define SC   MS_STMT_REF_SCHEMA_ONLY

enum {
	F_TMP = 1,   /* temporary */
	F_IE = 2,    /* if_exists */
	F_INE = 4,   /* if_not_exists */
	F_MARK = 8,  /* marked */
	F_SEL = 16,  /* has_select */
	F_STRX = 32, /* start_transaction */
};

struct wref {
	enum ms_stmt_role role;
	const char *schema, *table;
	const char *text; /* the exact span */
	int nth;	  /* which occurrence of <text> in the statement */
};

struct tcase {
	const char *db;
	const char *sql;
	enum ms_stmt_kind kind;
	enum ms_stmt_op op;
	unsigned flags;
	struct wref refs[7];
	/* With test_map: NULL (not checked), "" (returns 0), "!" (returns
	 * MS_EUNSUPPORTED) or the statement after MS_STMT_MARKER. */
	const char *rewrite;
};

static int tok_byte(char c)
{
	unsigned char u = (unsigned char)c;

	return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
	       (u >= '0' && u <= '9') || u == '_' || u == '$' || u >= 0x80 ||
	       u == '.' || u == '`';
}

/* Offset of the <nth> occurrence of <needle> in <s> as a whole name (not
 * inside a longer word or qualified name), or -1. */
static long nth_offset(const char *s, const char *needle, int nth)
{
	size_t k = strlen(needle);
	const char *p = s;

	for (; (p = strstr(p, needle)) != NULL; p++) {
		if ((p > s && tok_byte(p[-1])) ||
		    (tok_byte(p[k]) && p[k] != '`'))
			continue;
		if (nth-- == 0)
			return p - s;
	}
	return -1;
}

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			print_error("statement: %s\n", c->sql);                \
			fail_msg(__VA_ARGS__);                                 \
		}                                                              \
	} while (0)

static void check_rewrite(const struct tcase *c, const struct ms_stmt *st,
			  const char *sql, size_t n)
{
	struct ms_buf out;
	struct ms_err err;
	size_t mlen = strlen(MS_STMT_MARKER);
	int rc;

	ms_buf_init(&out, 1 << 20);
	ms_err_clear(&err);
	rc = ms_stmt_rewrite(st, sql, n, test_map, NULL, &out, &err);
	if (strcmp(c->rewrite, "") == 0) {
		CHECK(rc == 0, "rewrite: %d (%s), want 0", rc, err.msg);
		CHECK(out.len == 0, "rewrite 0 left text: %s",
		      ms_buf_str(&out));
	} else if (strcmp(c->rewrite, "!") == 0) {
		CHECK(rc == MS_EUNSUPPORTED, "rewrite: %d, want unsupported",
		      rc);
		CHECK(err.code == MS_EUNSUPPORTED && err.msg[0],
		      "no message for unsupported");
	} else {
		CHECK(rc == 1, "rewrite: %d (%s)", rc, err.msg);
		CHECK(out.len >= mlen &&
			  memcmp(out.ptr, MS_STMT_MARKER, mlen) == 0,
		      "no marker: %s", ms_buf_str(&out));
		CHECK(strcmp(ms_buf_str(&out) + mlen, c->rewrite) == 0,
		      "rewrite:\n got: %s\nwant: %s", ms_buf_str(&out) + mlen,
		      c->rewrite);
	}
	ms_buf_free(&out);
}

static void check_refs(const struct tcase *c, const struct ms_stmt *st,
		       const char *sql, size_t n)
{
	size_t i, want = 0;

	while (want < 7 && c->refs[want].text)
		want++;
	CHECK(st->nrefs == want, "%zu refs, want %zu", st->nrefs, want);
	for (i = 0; i < want; i++) {
		const struct wref *w = &c->refs[i];
		const struct ms_stmt_ref *r = &st->refs[i];
		long at = nth_offset(c->sql, w->text, w->nth);

		CHECK(at >= 0, "ref %zu: '%s' not in the statement", i,
		      w->text);
		CHECK(r->role == w->role, "ref %zu: role %d, want %d", i,
		      r->role, w->role);
		CHECK(r->schema && strcmp(r->schema, w->schema) == 0,
		      "ref %zu: schema '%s', want '%s'", i,
		      r->schema ? r->schema : "(null)", w->schema);
		CHECK((!r->table && !w->table) ||
			  (r->table && w->table &&
			   strcmp(r->table, w->table) == 0),
		      "ref %zu: table '%s', want '%s'", i,
		      r->table ? r->table : "(null)",
		      w->table ? w->table : "(null)");
		CHECK(r->start <= n && r->len <= n - r->start,
		      "ref %zu: span out of the text", i);
		CHECK(r->start == (size_t)at && r->len == strlen(w->text),
		      "ref %zu: span %zu+%zu '%.*s', want %ld+%zu '%s'", i,
		      r->start, r->len, (int)r->len, sql + r->start, at,
		      strlen(w->text), w->text);
	}
}

static void run_case(const struct tcase *c)
{
	size_t n = strlen(c->sql);
	char *sql = malloc(n ? n : 1);
	struct ms_arena a;
	struct ms_stmt st;
	struct ms_err err;
	unsigned flags;
	int rc;

	assert_non_null(sql);
	memcpy(sql, c->sql, n); /* no NUL: a read past n is caught */
	ms_arena_init(&a, 1 << 20);
	ms_err_clear(&err);
	rc = ms_stmt_parse(sql, n, c->db, &a, &st, &err);
	CHECK(rc == 0, "parse: %d %s", rc, err.msg);
	CHECK(st.kind == c->kind, "kind %d, want %d", st.kind, c->kind);
	CHECK(st.op == c->op, "op %d, want %d", st.op, c->op);
	flags = (st.temporary ? F_TMP : 0) | (st.if_exists ? F_IE : 0) |
		(st.if_not_exists ? F_INE : 0) | (st.marked ? F_MARK : 0) |
		(st.has_select ? F_SEL : 0) |
		(st.start_transaction ? F_STRX : 0);
	CHECK(flags == c->flags, "flags %#x, want %#x", flags, c->flags);
	check_refs(c, &st, sql, n);
	if (c->rewrite)
		check_rewrite(c, &st, sql, n);
	ms_arena_free(&a);
	free(sql);
}

static void run_cases(const struct tcase *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		run_case(&cases[i]);
}

#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

/* ---- transactions, DML, ignorable, unknown -------------------------- */

static const struct tcase trx_cases[] = {
    {"db", "BEGIN", K(BEGIN), 0, 0, {{0}}, "!"},
    {"", "begin work", K(BEGIN), 0, 0, {{0}}, NULL},
    {"db", "START TRANSACTION", K(BEGIN), 0, 0, {{0}}, NULL},
    {"db",
     "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
     K(BEGIN),
     0,
     0,
     {{0}},
     NULL},
    {"db", "COMMIT", K(COMMIT), 0, 0, {{0}}, "!"},
    {"db", "COMMIT WORK AND NO CHAIN NO RELEASE", K(COMMIT), 0, 0, {{0}}, NULL},
    {"db", "ROLLBACK", K(ROLLBACK), 0, 0, {{0}}, NULL},
    {"db", "ROLLBACK TO SAVEPOINT `s`", K(ROLLBACK), 0, 0, {{0}}, NULL},
    {"db", "ROLLBACK TO mixed_cases", K(ROLLBACK), 0, 0, {{0}}, NULL},
    {"db", "SAVEPOINT `s`", K(SAVEPOINT), 0, 0, {{0}}, NULL},
    {"db", "SavePoint mixed_cases", K(SAVEPOINT), 0, 0, {{0}}, NULL},
    {"db", "RELEASE SAVEPOINT s1", K(SAVEPOINT), 0, 0, {{0}}, NULL},
    {"db", "XA START X'67747269642d31',X'6271',7", K(XA), 0, 0, {{0}}, NULL},
    {"db", "XA END X'67747269642d31',X'6271',7", K(XA), 0, 0, {{0}}, NULL},
    {"db", "XA PREPARE 'x'", K(XA), 0, 0, {{0}}, NULL},
    {"db", "XA COMMIT X'67747269642d31',X'6271',7", K(XA), 0, 0, {{0}}, NULL},
    {"db", "XA ROLLBACK 'x'", K(XA), 0, 0, {{0}}, NULL},
    /* MariaDB's anonymous block is not a transaction start */
    {"db",
     "BEGIN NOT ATOMIC INSERT INTO t VALUES (1); END",
     K(UNKNOWN),
     0,
     0,
     {{0}},
     "!"},
    {"db", "START SLAVE", K(UNKNOWN), 0, 0, {{0}}, NULL},
};

static void test_transactions(void **state)
{
	(void)state;
	RUN(trx_cases);
}

static const struct tcase dml_cases[] = {
    {"",
     "INSERT INTO fz.ai (r,s) VALUES (RAND(7), @u)",
     K(DML),
     0,
     0,
     {{T, "fz", "ai", "fz.ai", 0}},
     "!"},
    {"db",
     "insert into t4 (a) values (2)",
     K(DML),
     0,
     0,
     {{T, "db", "t4", "t4", 0}},
     NULL},
    {"db",
     "INSERT INTO db1.t2 VALUES(\"in savepoint mixed_cases\")",
     K(DML),
     0,
     0,
     {{T, "db1", "t2", "db1.t2", 0}},
     NULL},
    {"db",
     "INSERT LOW_PRIORITY IGNORE `t t`(a) VALUES (1)",
     K(DML),
     0,
     0,
     {{T, "db", "t t", "`t t`", 0}},
     NULL},
    {"db",
     "REPLACE DELAYED INTO `d`.`t` SET a=1",
     K(DML),
     0,
     0,
     {{T, "d", "t", "`d`.`t`", 0}},
     NULL},
    {"",
     "UPDATE fz.ints SET c=c+1 WHERE id IN (1,2) ORDER BY id",
     K(DML),
     0,
     0,
     {{T, "fz", "ints", "fz.ints", 0}},
     NULL},
    {"db",
     "UPDATE LOW_PRIORITY IGNORE t1, t2 SET t1.a=t2.a",
     K(DML),
     0,
     0,
     {{T, "db", "t1", "t1", 0}},
     NULL},
    {"",
     "DELETE FROM fz.tmp WHERE id IN (4,5,6)",
     K(DML),
     0,
     0,
     {{T, "fz", "tmp", "fz.tmp", 0}},
     NULL},
    {"db",
     "DELETE QUICK IGNORE FROM t WHERE 1",
     K(DML),
     0,
     0,
     {{T, "db", "t", "t", 0}},
     NULL},
    /* multi-table DELETE: no simple target, no refs, still DML */
    {"db", "DELETE t1 FROM t1 JOIN t2 USING (id)", K(DML), 0, 0, {{0}}, NULL},
    {"db",
     "LOAD DATA LOCAL INFILE '/tmp/x.csv' REPLACE INTO TABLE `d`.t2 "
     "FIELDS TERMINATED BY ','",
     K(DML),
     0,
     0,
     {{T, "d", "t2", "`d`.t2", 0}},
     NULL},
    {"db",
     "LOAD XML INFILE 'x.xml' INTO TABLE t ROWS IDENTIFIED BY '<r>'",
     K(DML),
     0,
     0,
     {{T, "db", "t", "t", 0}},
     NULL},
    {"db", "SELECT f1()", K(DML), 0, 0, {{0}}, NULL},
    {"db",
     "WITH c AS (SELECT 1) UPDATE t, c SET t.a = 1",
     K(DML),
     0,
     0,
     {{0}},
     NULL},
    /* a DML whose target is not a name: no refs, no error */
    {"db", "INSERT INTO (SELECT 1)", K(DML), 0, 0, {{0}}, NULL},
};

static void test_dml(void **state)
{
	(void)state;
	RUN(dml_cases);
}

static const struct tcase misc_cases[] = {
    {"db", "FLUSH TABLES", K(IGNORABLE), 0, 0, {{0}}, "!"},
    {"db", "FLUSH PRIVILEGES", K(IGNORABLE), 0, 0, {{0}}, NULL},
    {"db", "ANALYZE TABLE p", K(IGNORABLE), 0, 0, {{0}}, NULL},
    {"db", "OPTIMIZE TABLE p, q", K(IGNORABLE), 0, 0, {{0}}, NULL},
    {"db", "REPAIR TABLE p QUICK", K(IGNORABLE), 0, 0, {{0}}, NULL},
    {"db", "CHECK TABLE p", K(IGNORABLE), 0, 0, {{0}}, NULL},
    {"db", "SET @a = 1", K(IGNORABLE), 0, 0, {{0}}, NULL},
    {"db", "SET SESSION sql_mode = ''", K(IGNORABLE), 0, 0, {{0}}, NULL},
    {"db", "DO RELEASE_LOCK('x')", K(IGNORABLE), 0, 0, {{0}}, NULL},
    {"db", "LOAD INDEX INTO CACHE t", K(IGNORABLE), 0, 0, {{0}}, NULL},
    /* MariaDB replaces events a replica cannot handle with this */
    {"db",
     "# Dummy event replacing event type 160 that slave cannot handle.",
     K(IGNORABLE),
     0,
     0,
     {{0}},
     NULL},
    {"db", "", K(IGNORABLE), 0, 0, {{0}}, NULL},
    {"db",
     "  /* only a comment */ -- and another\n",
     K(IGNORABLE),
     0,
     0,
     {{0}},
     NULL},
    {"db",
     "SET PASSWORD FOR 'u'@'%' = PASSWORD('x')",
     K(OTHER_DDL),
     0,
     0,
     {{0}},
     NULL},
    {"db", "SET DEFAULT ROLE r FOR u", K(OTHER_DDL), 0, 0, {{0}}, NULL},
    {"db", "CALL p(1)", K(UNKNOWN), 0, 0, {{0}}, "!"},
    {"db", "HANDLER t OPEN", K(UNKNOWN), 0, 0, {{0}}, NULL},
    {"db", "INSTALL SONAME 'ha_x'", K(UNKNOWN), 0, 0, {{0}}, NULL},
    {"db", "( SELECT 1 )", K(UNKNOWN), 0, 0, {{0}}, NULL},
    {"db", "CREATE FOO bar", K(UNKNOWN), 0, 0, {{0}}, NULL},
    {"db",
     "ALTER TABLE t RENAME TO a, RENAME TO b",
     K(UNKNOWN),
     0,
     0,
     {{0}},
     NULL},
};

static void test_ignorable_and_unknown(void **state)
{
	(void)state;
	RUN(misc_cases);
}

static const struct tcase other_cases[] = {
    /* MariaDB's normalised view text */
    {"stx",
     "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY "
     "DEFINER VIEW `v1` AS SELECT * FROM p",
     K(OTHER_DDL),
     0,
     0,
     {{T, "stx", "v1", "`v1`", 0}},
     "!"},
    {"",
     "CREATE OR REPLACE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL "
     "SECURITY DEFINER VIEW `fz`.`v` AS SELECT 1 AS one",
     K(OTHER_DDL),
     0,
     0,
     {{T, "fz", "v", "`fz`.`v`", 0}},
     NULL},
    {"stx",
     "ALTER ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY "
     "DEFINER VIEW `v1` AS SELECT id FROM p",
     K(OTHER_DDL),
     0,
     0,
     {{T, "stx", "v1", "`v1`", 0}},
     NULL},
    {"db",
     "CREATE VIEW IF NOT EXISTS v AS SELECT 1",
     K(OTHER_DDL),
     0,
     0,
     {{T, "db", "v", "v", 0}},
     NULL},
    {"",
     "DROP VIEW fz.v",
     K(OTHER_DDL),
     0,
     0,
     {{T, "fz", "v", "fz.v", 0}},
     NULL},
    {"stx",
     "DROP VIEW IF EXISTS v1, `st y`.v2 CASCADE",
     K(OTHER_DDL),
     0,
     0,
     {{T, "stx", "v1", "v1", 0}, {T, "st y", "v2", "`st y`.v2", 0}},
     NULL},
    {"stx",
     "CREATE DEFINER=`root`@`localhost` TRIGGER trg BEFORE INSERT ON `c` "
     "FOR EACH ROW SET NEW.v = 'x'",
     K(OTHER_DDL),
     0,
     0,
     {{T, "stx", "c", "`c`", 0}},
     NULL},
    {"db",
     "CREATE DEFINER=\"root\"@\"localhost\" TRIGGER t_DB2 BEFORE INSERT ON "
     "t1 FOR EACH ROW SET @foo = 1",
     K(OTHER_DDL),
     0,
     0,
     {{T, "db", "t1", "t1", 0}},
     NULL},
    /* the trigger's qualifier is the table's schema */
    {"db",
     "CREATE DEFINER=root@127.0.0.1 TRIGGER s2.trg AFTER UPDATE ON t FOR "
     "EACH ROW INSERT INTO log VALUES (NEW.id)",
     K(OTHER_DDL),
     0,
     0,
     {{T, "s2", "t", "t", 0}},
     NULL},
    {"db",
     "DROP TRIGGER IF EXISTS s2.tr1",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "s2", NULL, "s2.tr1", 0}},
     NULL},
    {"stx",
     "DROP TRIGGER trg",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "stx", NULL, "trg", 0}},
     NULL},
    {"stx",
     "CREATE DEFINER=`root`@`localhost` PROCEDURE `pr`()\nSELECT 1",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "stx", NULL, "`pr`", 0}},
     NULL},
    {"db",
     "CREATE DEFINER=\"root\"@\"localhost\" PROCEDURE \"p_MAXDB\"() SELECT "
     "1",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "db", NULL, "\"p_MAXDB\"", 0}},
     NULL},
    {"stx",
     "CREATE DEFINER=`root`@`localhost` FUNCTION `r`.`fn`() RETURNS "
     "int(11)\n    DETERMINISTIC\nRETURN 1",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "r", NULL, "`r`.`fn`", 0}},
     NULL},
    {"db",
     "CREATE AGGREGATE FUNCTION f RETURNS STRING SONAME 'x.so'",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "db", NULL, "f", 0}},
     NULL},
    {"db",
     "DROP FUNCTION IF EXISTS stx.fn",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "stx", NULL, "stx.fn", 0}},
     NULL},
    {"db",
     "DROP PROCEDURE pr",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "db", NULL, "pr", 0}},
     NULL},
    {"stx",
     "CREATE DEFINER=`root`@`localhost` EVENT ev ON SCHEDULE EVERY 1 DAY "
     "DO DELETE FROM p WHERE id < 0",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "stx", NULL, "ev", 0}},
     NULL},
    {"db",
     "CREATE DEFINER=\"root\"@\"localhost\" EVENT e_DB2 ON SCHEDULE EVERY "
     "100 WEEK DO SELECT 1",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "db", NULL, "e_DB2", 0}},
     NULL},
    {"db",
     "ALTER EVENT e.ev DISABLE",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "e", NULL, "e.ev", 0}},
     NULL},
    {"db",
     "DROP EVENT ev",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "db", NULL, "ev", 0}},
     NULL},
    {"db",
     "CREATE PACKAGE BODY pk AS END",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "db", NULL, "pk", 0}},
     NULL},
    /* a procedure called "body" is not a package body */
    {"db",
     "DROP PROCEDURE body",
     K(OTHER_DDL),
     0,
     0,
     {{SC, "db", NULL, "body", 0}},
     NULL},
    {"stx",
     "CREATE SEQUENCE sq",
     K(OTHER_DDL),
     0,
     0,
     {{T, "stx", "sq", "sq", 0}},
     NULL},
    {"",
     "CREATE SEQUENCE fz.sq START WITH 10 INCREMENT BY 5",
     K(OTHER_DDL),
     0,
     0,
     {{T, "fz", "sq", "fz.sq", 0}},
     NULL},
    {"",
     "DROP SEQUENCE `fz`.`sq` /* generated by server */",
     K(OTHER_DDL),
     0,
     0,
     {{T, "fz", "sq", "`fz`.`sq`", 0}},
     NULL},
    {"db",
     "ALTER SEQUENCE IF EXISTS s RESTART 1",
     K(OTHER_DDL),
     0,
     0,
     {{T, "db", "s", "s", 0}},
     NULL},
    {"db",
     "CREATE USER IF NOT EXISTS 'sbtest-repl'@'%' IDENTIFIED BY "
     "'MariaDB11!' WITH MAX_USER_CONNECTIONS 1000000000",
     K(OTHER_DDL),
     0,
     0,
     {{0}},
     NULL},
    {"db",
     "ALTER USER 'root'@'localhost' IDENTIFIED WITH 'caching_sha2_password' "
     "AS '$A$005$``#0q ^ YZ9 gRd (Yzgk1P2xhAMq2dk2oCrtCrAaDDRk/AJUZ'",
     K(OTHER_DDL),
     0,
     0,
     {{0}},
     NULL},
    {"db",
     "DROP USER IF EXISTS 'sbtest-repl'@'%'",
     K(OTHER_DDL),
     0,
     0,
     {{0}},
     NULL},
    {"db", "RENAME USER a TO b", K(OTHER_DDL), 0, 0, {{0}}, NULL},
    {"db",
     "GRANT ALL PRIVILEGES ON `sbtest-repl`.* TO 'sbtest-repl'@'%'",
     K(OTHER_DDL),
     0,
     0,
     {{0}},
     NULL},
    {"db",
     "GRANT SELECT,UPDATE,DELETE ON `mysql`.`global_priv` TO "
     "'mariadb.sys'@'localhost'",
     K(OTHER_DDL),
     0,
     0,
     {{0}},
     NULL},
    {"db",
     "REVOKE SELECT ON stx.* FROM 'u1'@'%'",
     K(OTHER_DDL),
     0,
     0,
     {{0}},
     NULL},
    {"db", "CREATE ROLE r1", K(OTHER_DDL), 0, 0, {{0}}, NULL},
    {"db",
     "CREATE SERVER s FOREIGN DATA WRAPPER mysql OPTIONS (HOST 'h')",
     K(OTHER_DDL),
     0,
     0,
     {{0}},
     NULL},
    {"db",
     "CREATE SPATIAL REFERENCE SYSTEM 4120 NAME 'x'",
     K(OTHER_DDL),
     0,
     0,
     {{0}},
     NULL},
};

static void test_other_ddl(void **state)
{
	(void)state;
	RUN(other_cases);
}

/* ---- table DDL ------------------------------------------------------ */

static const struct tcase create_cases[] = {
    {"db",
     "CREATE TABLE t (a INT)",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "db", "t", "t", 0}},
     "CREATE TABLE `db_m`.`t` (a INT)"},
    {"",
     "CREATE TABLE fz.tmpddl (a INT)",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "fz", "tmpddl", "fz.tmpddl", 0}},
     "CREATE TABLE `fz`.`tmpddl` (a INT)"},
    {"stx",
     "CREATE TABLE c (id INT PRIMARY KEY, pid INT, CONSTRAINT fk1 FOREIGN "
     "KEY (pid) REFERENCES p (id) ON DELETE CASCADE) ENGINE=InnoDB",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "stx", "c", "c", 0}, {RF, "stx", "p", "p", 0}},
     NULL},
    {"db",
     "CREATE TABLE c (id INT, pid INT, FOREIGN KEY (pid) REFERENCES p(id), "
     "FOREIGN KEY (id) REFERENCES `xs`.`q` (id))",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "db", "c", "c", 0},
      {RF, "db", "p", "p", 0},
      {RF, "xs", "q", "`xs`.`q`", 0}},
     "!"},
    {"db",
     "CREATE TABLE c (id INT, pid INT, FOREIGN KEY (pid) REFERENCES p(id))",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "db", "c", "c", 0}, {RF, "db", "p", "p", 0}},
     "CREATE TABLE `db_m`.`c` (id INT, pid INT, FOREIGN KEY (pid) "
     "REFERENCES `db_m`.`p`(id))"},
    /* column-level REFERENCES; a backquote, a dot and a space in names;
     * REFERENCES inside a string is not a reference */
    {"stx",
     "CREATE TABLE `st y`.`we``ird.name` (id INT, pid INT REFERENCES "
     "stx.p(id), c TEXT COMMENT 'REFERENCES fake(x)')",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "st y", "we`ird.name", "`st y`.`we``ird.name`", 0},
      {RF, "stx", "p", "stx.p", 0}},
     "CREATE TABLE `st y`.`we``ird.name` (id INT, pid INT REFERENCES "
     "`stx`.`p`(id), c TEXT COMMENT 'REFERENCES fake(x)')"},
    {"stx",
     "create table if not exists `\xe6\x97\xa5\xe6\x9c\xac` (x int)",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     F_INE,
     {{T, "stx", "\xe6\x97\xa5\xe6\x9c\xac", "`\xe6\x97\xa5\xe6\x9c\xac`", 0}},
     "create table if not exists `stx`.`\xe6\x97\xa5\xe6\x9c\xac` (x int)"},
    {"db",
     "CREATE TABLE caf\xc3\xa9 (x int)",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "db", "caf\xc3\xa9", "caf\xc3\xa9", 0}},
     "CREATE TABLE `db_m`.`caf\xc3\xa9` (x int)"},
    /* MariaDB's normalised CREATE ... SELECT (row format) */
    {"stx",
     "CREATE TABLE `ctas1` (\n  `id` int(11) NOT NULL\n)",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "stx", "ctas1", "`ctas1`", 0}},
     "CREATE TABLE `stx`.`ctas1` (\n  `id` int(11) NOT NULL\n)"},
    {"stx",
     "CREATE OR REPLACE TABLE `ctas2` (\n  `z` int(1) NOT NULL\n)",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "stx", "ctas2", "`ctas2`", 0}},
     NULL},
    /* MySQL 8.0.21+ CREATE ... SELECT in row format */
    {"test",
     "CREATE TABLE `test` (\n  `id` int DEFAULT NULL,\n  `name` "
     "varchar(200) DEFAULT NULL\n) START TRANSACTION",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     F_STRX,
     {{T, "test", "test", "`test`", 0}},
     "CREATE TABLE `test`.`test` (\n  `id` int DEFAULT NULL,\n  `name` "
     "varchar(200) DEFAULT NULL\n)"},
    /* statement format: the query is still there */
    {"stx",
     "CREATE TABLE s2 AS SELECT * FROM s1",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     F_SEL,
     {{T, "stx", "s2", "s2", 0}},
     "!"},
    {"db",
     "CREATE TABLE t (a INT) IGNORE SELECT a FROM u",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     F_SEL,
     {{T, "db", "t", "t", 0}},
     "!"},
    {"db",
     "CREATE TABLE t (SELECT 1 AS a)",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     F_SEL,
     {{T, "db", "t", "t", 0}},
     NULL},
    {"db",
     "CREATE TABLE t AS TABLE u",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     F_SEL,
     {{T, "db", "t", "t", 0}},
     NULL},
    /* excluded: nothing to run, even with a query */
    {"db",
     "CREATE TABLE xt AS SELECT 1",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     F_SEL,
     {{T, "db", "xt", "xt", 0}},
     ""},
    {"stx",
     "CREATE TABLE lk LIKE p",
     K(TABLE_DDL),
     O(CREATE_TABLE_LIKE),
     0,
     {{T, "stx", "lk", "lk", 0}, {RF, "stx", "p", "p", 0}},
     "CREATE TABLE `stx`.`lk` LIKE `stx`.`p`"},
    {"",
     "CREATE TABLE GENERATED LIKE test.t1",
     K(TABLE_DDL),
     O(CREATE_TABLE_LIKE),
     0,
     {{T, "", "GENERATED", "GENERATED", 0}, {RF, "test", "t1", "test.t1", 0}},
     "!"},
    {"db",
     "CREATE TABLE IF NOT EXISTS t2 (LIKE `o`.t1)",
     K(TABLE_DDL),
     O(CREATE_TABLE_LIKE),
     F_INE,
     {{T, "db", "t2", "t2", 0}, {RF, "o", "t1", "`o`.t1", 0}},
     "CREATE TABLE IF NOT EXISTS `db_m`.`t2` (LIKE `o`.`t1`)"},
    {"db",
     "CREATE TABLE t2 LIKE xt",
     K(TABLE_DDL),
     O(CREATE_TABLE_LIKE),
     0,
     {{T, "db", "t2", "t2", 0}, {RF, "db", "xt", "xt", 0}},
     "!"},
    {"db",
     "CREATE TABLE xt2 LIKE t",
     K(TABLE_DDL),
     O(CREATE_TABLE_LIKE),
     0,
     {{T, "db", "xt2", "xt2", 0}, {RF, "db", "t", "t", 0}},
     ""},
    {"db",
     "CREATE TEMPORARY TABLE tmp1 (a INT)",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     F_TMP,
     {{T, "db", "tmp1", "tmp1", 0}},
     "CREATE TEMPORARY TABLE `db_m`.`tmp1` (a INT)"},
    {"db",
     "CREATE OR REPLACE TEMPORARY TABLE IF NOT EXISTS t (a INT)",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     F_TMP | F_INE,
     {{T, "db", "t", "t", 0}},
     NULL},
    /* executable comments: MySQL's and MariaDB's */
    {"d",
     "CREATE TABLE /*!32312 IF NOT EXISTS*/ `t` (a INT) /*!50100 PARTITION "
     "BY HASH (a) */ /*M!100301 WITH SYSTEM VERSIONING */",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     F_INE,
     {{T, "d", "t", "`t`", 0}},
     "CREATE TABLE /*!32312 IF NOT EXISTS*/ `d`.`t` (a INT) /*!50100 "
     "PARTITION BY HASH (a) */ /*M!100301 WITH SYSTEM VERSIONING */"},
    {"db",
     "/*!40101 CREATE TABLE t2 (a INT) */",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "db", "t2", "t2", 0}},
     "/*!40101 CREATE TABLE `db_m`.`t2` (a INT) */"},
    /* ANSI_QUOTES text */
    {"db",
     "CREATE TABLE \"an\"\"si\".\"t\" (\"a\" INT)",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "an\"si", "t", "\"an\"\"si\".\"t\"", 0}},
     "CREATE TABLE `an\"si`.`t` (\"a\" INT)"},
    /* MERGE tables name their members */
    {"stx",
     "CREATE TABLE mm (a INT) ENGINE=MERGE UNION=(m1, o.m2) "
     "INSERT_METHOD=LAST",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "stx", "mm", "mm", 0},
      {RF, "stx", "m1", "m1", 0},
      {RF, "o", "m2", "o.m2", 0}},
     "CREATE TABLE `stx`.`mm` (a INT) ENGINE=MERGE UNION=(`stx`.`m1`, "
     "`o`.`m2`) INSERT_METHOD=LAST"},
    {"stx",
     "CREATE TABLE pt (id INT) PARTITION BY RANGE (id) (PARTITION p0 "
     "VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN MAXVALUE)",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "stx", "pt", "pt", 0}},
     NULL},
    /* generated column, CHECK, defaults with quotes and semicolons */
    {"db",
     "CREATE TABLE t(id INT PRIMARY KEY AUTO_INCREMENT, json_col JSON, "
     "name VARCHAR(100) AS (json_col->>'$.name'), s VARCHAR(9) DEFAULT "
     "'a;b''c', CHECK (id > 0))",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "db", "t", "t", 0}},
     NULL},
    /* the marker of a statement we applied ourselves */
    {"db_m",
     MS_STMT_MARKER "CREATE TABLE `db_m`.`t` (a INT)",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     F_MARK,
     {{T, "db_m", "t", "`db_m`.`t`", 0}},
     "CREATE TABLE `db_m`.`t` (a INT)"},
    /* cutover's CREATE TRIGGER / EVENT: the server rewrites the head, so
       the marker sits before the name (src/cutover/objects_util.c) */
    {"stx",
     "CREATE DEFINER=`root`@`localhost` TRIGGER " MS_STMT_MARKER
     "trg BEFORE INSERT ON `c` FOR EACH ROW SET NEW.v = 'x'",
     K(OTHER_DDL),
     0,
     F_MARK,
     {{T, "stx", "c", "`c`", 0}},
     NULL},
    {"stx",
     "CREATE DEFINER=`root`@`localhost` EVENT " MS_STMT_MARKER
     "ev ON SCHEDULE EVERY 1 DAY DO DELETE FROM p WHERE id < 0",
     K(OTHER_DDL),
     0,
     F_MARK,
     {{SC, "stx", NULL, "ev", 0}},
     NULL},
    /* the same comment inside a body marks nothing */
    {"stx",
     "CREATE DEFINER=`root`@`localhost` TRIGGER trg BEFORE INSERT ON `c` "
     "FOR EACH ROW SET NEW.v = '" MS_STMT_MARKER "'",
     K(OTHER_DDL),
     0,
     0,
     {{T, "stx", "c", "`c`", 0}},
     NULL},
    /* a name touching a backquote: the rewrite keeps them apart */
    {"db",
     "CREATE TABLE t`x` (a INT)",
     K(TABLE_DDL),
     O(CREATE_TABLE),
     0,
     {{T, "db", "t", "t", 0}},
     "CREATE TABLE `db_m`.`t` `x` (a INT)"},
};

static void test_create_table(void **state)
{
	(void)state;
	RUN(create_cases);
}

static const struct tcase alter_cases[] = {
    {"",
     "ALTER TABLE fz.tmpddl ADD COLUMN b VARCHAR(10) DEFAULT 'x'",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "fz", "tmpddl", "fz.tmpddl", 0}},
     "ALTER TABLE `fz`.`tmpddl` ADD COLUMN b VARCHAR(10) DEFAULT 'x'"},
    {"stx",
     "ALTER TABLE c ADD COLUMN v VARCHAR(10) DEFAULT 'x;y' AFTER id, ADD "
     "INDEX iv (v)",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "stx", "c", "c", 0}},
     NULL},
    {"db",
     "ALTER ONLINE TABLE c DROP INDEX iv",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "c", "c", 0}},
     "ALTER ONLINE TABLE `db_m`.`c` DROP INDEX iv"},
    {"db",
     "ALTER IGNORE TABLE c ADD UNIQUE (v)",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "c", "c", 0}},
     NULL},
    {"db",
     "ALTER TABLE IF EXISTS c FORCE",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     F_IE,
     {{T, "db", "c", "c", 0}},
     "ALTER TABLE IF EXISTS `db_m`.`c` FORCE"},
    {"db",
     "ALTER TABLE `foobar` CHANGE `foo` `old_foo` varchar(100)",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "foobar", "`foobar`", 0}},
     "ALTER TABLE `db_m`.`foobar` CHANGE `foo` `old_foo` varchar(100)"},
    {"db",
     "ALTER TABLE lk RENAME TO lk_renamed",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "lk", "lk", 0}, {RN, "db", "lk_renamed", "lk_renamed", 0}},
     "ALTER TABLE `db_m`.`lk` RENAME TO `db_m`.`lk_renamed`"},
    {"db",
     "ALTER TABLE lk RENAME AS o.lk3, ADD COLUMN q INT",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "lk", "lk", 0}, {RN, "o", "lk3", "o.lk3", 0}},
     "ALTER TABLE `db_m`.`lk` RENAME AS `o`.`lk3`, ADD COLUMN q INT"},
    {"db",
     "ALTER TABLE lk RENAME lk2",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "lk", "lk", 0}, {RN, "db", "lk2", "lk2", 0}},
     NULL},
    /* the new name is refs[1] even when a REFERENCES comes first */
    {"db",
     "ALTER TABLE a ADD FOREIGN KEY (x) REFERENCES p (id), RENAME TO z",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "a", "a", 0}, {RN, "db", "z", "z", 0}, {RF, "db", "p", "p", 0}},
     "ALTER TABLE `db_m`.`a` ADD FOREIGN KEY (x) REFERENCES `db_m`.`p` "
     "(id), RENAME TO `db_m`.`z`"},
    /* not table renames */
    {"db",
     "ALTER TABLE lk3 RENAME COLUMN q TO q2, RENAME INDEX i TO j",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "lk3", "lk3", 0}},
     NULL},
    {"db",
     "ALTER TABLE t RENAME KEY k TO k2",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "t", "t", 0}},
     NULL},
    {"stx",
     "ALTER TABLE c DROP FOREIGN KEY fk1, ADD CONSTRAINT fk2 FOREIGN KEY "
     "(pid) REFERENCES `stx`.`p`(`id`)",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "stx", "c", "c", 0}, {RF, "stx", "p", "`stx`.`p`", 0}},
     "ALTER TABLE `stx`.`c` DROP FOREIGN KEY fk1, ADD CONSTRAINT fk2 "
     "FOREIGN KEY (pid) REFERENCES `stx`.`p`(`id`)"},
    {"db",
     "ALTER TABLE c ADD FOREIGN KEY (a) REFERENCES xp (id)",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "c", "c", 0}, {RF, "db", "xp", "xp", 0}},
     "!"},
    /* an FK from an excluded table to a selected one: not ours */
    {"db",
     "ALTER TABLE xc ADD FOREIGN KEY (a) REFERENCES p (id)",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "xc", "xc", 0}, {RF, "db", "p", "p", 0}},
     ""},
    {"db",
     "ALTER TABLE t RENAME TO xt",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "t", "t", 0}, {RN, "db", "xt", "xt", 0}},
     "!"},
    {"db",
     "ALTER TABLE xt RENAME TO t",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "xt", "xt", 0}, {RN, "db", "t", "t", 0}},
     "!"},
    {"db",
     "ALTER TABLE xt RENAME TO xu",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "xt", "xt", 0}, {RN, "db", "xu", "xu", 0}},
     ""},
    {"stx",
     "ALTER TABLE pt EXCHANGE PARTITION p0 WITH TABLE ex",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "stx", "pt", "pt", 0}, {RF, "stx", "ex", "ex", 0}},
     "ALTER TABLE `stx`.`pt` EXCHANGE PARTITION p0 WITH TABLE `stx`.`ex`"},
    {"stx",
     "ALTER TABLE pt CONVERT PARTITION p1 TO TABLE xconv",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "stx", "pt", "pt", 0}, {RF, "stx", "xconv", "xconv", 0}},
     "!"},
    {"stx",
     "ALTER TABLE pt CONVERT TABLE pconv TO PARTITION p1 VALUES LESS THAN "
     "MAXVALUE",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "stx", "pt", "pt", 0}, {RF, "stx", "pconv", "pconv", 0}},
     NULL},
    {"stx",
     "ALTER TABLE mm UNION=(m1)",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "stx", "mm", "mm", 0}, {RF, "stx", "m1", "m1", 0}},
     "ALTER TABLE `stx`.`mm` UNION=(`stx`.`m1`)"},
    {"stx",
     "ALTER TABLE mm UNION=()",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "stx", "mm", "mm", 0}},
     NULL},
    {"db",
     "ALTER TABLE t ADD COLUMN c INT, ALGORITHM=INSTANT, LOCK=NONE",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "db", "t", "t", 0}},
     NULL},
    /* MariaDB's SET STATEMENT ... FOR: the statement after FOR */
    {"stx",
     "SET STATEMENT max_statement_time=100, sql_mode='' FOR ALTER TABLE p "
     "ADD COLUMN w INT",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "stx", "p", "p", 0}},
     "SET STATEMENT max_statement_time=100, sql_mode='' FOR ALTER TABLE "
     "`stx`.`p` ADD COLUMN w INT"},
    {"stx",
     "/*M!100100 ALTER TABLE p ADD COLUMN w3 INT */",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "stx", "p", "p", 0}},
     "/*M!100100 ALTER TABLE `stx`.`p` ADD COLUMN w3 INT */"},
    {"stx",
     "ALTER TABLE p /* c */ ADD COLUMN w4 INT -- trailing\n",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "stx", "p", "p", 0}},
     "ALTER TABLE `stx`.`p` /* c */ ADD COLUMN w4 INT -- trailing"},
    {"db",
     "alter table `a``b`.`c.d` engine=InnoDB",
     K(TABLE_DDL),
     O(ALTER_TABLE),
     0,
     {{T, "a`b", "c.d", "`a``b`.`c.d`", 0}},
     "alter table `a``b`.`c.d` engine=InnoDB"},
};

static void test_alter_table(void **state)
{
	(void)state;
	RUN(alter_cases);
}

static const struct tcase drop_cases[] = {
    {"",
     "DROP TABLE `fz`.`tmpddl2` /* generated by server */",
     K(TABLE_DDL),
     O(DROP_TABLE),
     0,
     {{T, "fz", "tmpddl2", "`fz`.`tmpddl2`", 0}},
     "DROP TABLE `fz`.`tmpddl2`"},
    {"stx",
     "DROP TABLE IF EXISTS `nonexist1`,`lk4`,`nonexist2` /* generated by "
     "server */",
     K(TABLE_DDL),
     O(DROP_TABLE),
     F_IE,
     {{T, "stx", "nonexist1", "`nonexist1`", 0},
      {T, "stx", "lk4", "`lk4`", 0},
      {T, "stx", "nonexist2", "`nonexist2`", 0}},
     "DROP TABLE IF EXISTS `stx`.`nonexist1`,`stx`.`lk4`,`stx`.`nonexist2`"},
    /* a mix: only the selected tables, comma-separated */
    {"db",
     "DROP TABLE IF EXISTS `a`,`xb`,`c`,`xd` /* generated by server */",
     K(TABLE_DDL),
     O(DROP_TABLE),
     F_IE,
     {{T, "db", "a", "`a`", 0},
      {T, "db", "xb", "`xb`", 0},
      {T, "db", "c", "`c`", 0},
      {T, "db", "xd", "`xd`", 0}},
     "DROP TABLE IF EXISTS `db_m`.`a`, `db_m`.`c`"},
    {"db",
     "DROP TABLE xa, b CASCADE",
     K(TABLE_DDL),
     O(DROP_TABLE),
     0,
     {{T, "db", "xa", "xa", 0}, {T, "db", "b", "b", 0}},
     "DROP TABLE `db_m`.`b` CASCADE"},
    {"db",
     "DROP TABLE xa, xs.b",
     K(TABLE_DDL),
     O(DROP_TABLE),
     0,
     {{T, "db", "xa", "xa", 0}, {T, "xs", "b", "xs.b", 0}},
     ""},
    {"stx",
     "DROP TEMPORARY TABLE IF EXISTS `st1` /* generated by server */",
     K(TABLE_DDL),
     O(DROP_TABLE),
     F_TMP | F_IE,
     {{T, "stx", "st1", "`st1`", 0}},
     "DROP TEMPORARY TABLE IF EXISTS `stx`.`st1`"},
    {"db",
     "DROP TABLES t1, `o`.t2 RESTRICT",
     K(TABLE_DDL),
     O(DROP_TABLE),
     0,
     {{T, "db", "t1", "t1", 0}, {T, "o", "t2", "`o`.t2", 0}},
     "DROP TABLES `db_m`.`t1`, `o`.`t2` RESTRICT"},
    {"db",
     "DROP TABLE IF EXISTS t WAIT 5",
     K(TABLE_DDL),
     O(DROP_TABLE),
     F_IE,
     {{T, "db", "t", "t", 0}},
     "DROP TABLE IF EXISTS `db_m`.`t` WAIT 5"},
    {"db",
     "DROP TABLE t;;\0\0",
     K(TABLE_DDL),
     O(DROP_TABLE),
     0,
     {{T, "db", "t", "t", 0}},
     "DROP TABLE `db_m`.`t`"},
    /* only a comment of its own is the server's */
    {"db",
     "DROP TABLE t /* not generated by server */ /* generated by server */",
     K(TABLE_DDL),
     O(DROP_TABLE),
     0,
     {{T, "db", "t", "t", 0}},
     "DROP TABLE `db_m`.`t` /* not generated by server */"},
    {"db",
     "DROP TABLE `s2` /* x /* generated by server */",
     K(TABLE_DDL),
     O(DROP_TABLE),
     0,
     {{T, "db", "s2", "`s2`", 0}},
     "DROP TABLE `db_m`.`s2` /* x /* generated by server */"},
};

static void test_drop_table(void **state)
{
	(void)state;
	RUN(drop_cases);
}

static const struct tcase misc_table_cases[] = {
    {"",
     "RENAME TABLE fz.tmpddl TO fz.tmpddl2",
     K(TABLE_DDL),
     O(RENAME_TABLE),
     0,
     {{T, "fz", "tmpddl", "fz.tmpddl", 0},
      {RN, "fz", "tmpddl2", "fz.tmpddl2", 0}},
     "RENAME TABLE `fz`.`tmpddl` TO `fz`.`tmpddl2`"},
    {"stx",
     "RENAME TABLE lk3 TO lk4, ctas1 TO `st y`.ctas1",
     K(TABLE_DDL),
     O(RENAME_TABLE),
     0,
     {{T, "stx", "lk3", "lk3", 0},
      {RN, "stx", "lk4", "lk4", 0},
      {T, "stx", "ctas1", "ctas1", 0},
      {RN, "st y", "ctas1", "`st y`.ctas1", 0}},
     "RENAME TABLE `stx`.`lk3` TO `stx`.`lk4`, `stx`.`ctas1` TO `st "
     "y`.`ctas1`"},
    /* pairs wholly excluded are left out */
    {"db",
     "RENAME TABLE a TO b, xa TO xb, c TO d",
     K(TABLE_DDL),
     O(RENAME_TABLE),
     0,
     {{T, "db", "a", "a", 0},
      {RN, "db", "b", "b", 0},
      {T, "db", "xa", "xa", 0},
      {RN, "db", "xb", "xb", 0},
      {T, "db", "c", "c", 0},
      {RN, "db", "d", "d", 0}},
     "RENAME TABLE `db_m`.`a` TO `db_m`.`b`, `db_m`.`c` TO `db_m`.`d`"},
    {"db",
     "RENAME TABLE xa TO xb",
     K(TABLE_DDL),
     O(RENAME_TABLE),
     0,
     {{T, "db", "xa", "xa", 0}, {RN, "db", "xb", "xb", 0}},
     ""},
    /* pt-osc / gh-ost swap into a table outside the selection */
    {"db",
     "RENAME TABLE t TO _t_old, _t_new TO t",
     K(TABLE_DDL),
     O(RENAME_TABLE),
     0,
     {{T, "db", "t", "t", 0},
      {RN, "db", "_t_old", "_t_old", 0},
      {T, "db", "_t_new", "_t_new", 0},
      {RN, "db", "t", "t", 1}},
     "RENAME TABLE `db_m`.`t` TO `db_m`.`_t_old`, `db_m`.`_t_new` TO "
     "`db_m`.`t`"},
    {"db",
     "RENAME TABLE t TO xt_old",
     K(TABLE_DDL),
     O(RENAME_TABLE),
     0,
     {{T, "db", "t", "t", 0}, {RN, "db", "xt_old", "xt_old", 0}},
     "!"},
    {"db",
     "RENAME TABLES IF EXISTS a WAIT 2 TO b",
     K(TABLE_DDL),
     O(RENAME_TABLE),
     F_IE,
     {{T, "db", "a", "a", 0}, {RN, "db", "b", "b", 0}},
     "RENAME TABLES IF EXISTS `db_m`.`a` WAIT 2 TO `db_m`.`b`"},
    {"",
     "TRUNCATE fz.tmpddl2",
     K(TABLE_DDL),
     O(TRUNCATE_TABLE),
     0,
     {{T, "fz", "tmpddl2", "fz.tmpddl2", 0}},
     "TRUNCATE `fz`.`tmpddl2`"},
    {"mysql",
     "TRUNCATE TABLE time_zone_transition_type",
     K(TABLE_DDL),
     O(TRUNCATE_TABLE),
     0,
     {{T, "mysql", "time_zone_transition_type", "time_zone_transition_type",
       0}},
     "TRUNCATE TABLE `mysql`.`time_zone_transition_type`"},
    {"db",
     "TRUNCATE TABLE xt",
     K(TABLE_DDL),
     O(TRUNCATE_TABLE),
     0,
     {{T, "db", "xt", "xt", 0}},
     ""},
    {"stx",
     "CREATE UNIQUE INDEX ui ON ctas2 (z)",
     K(TABLE_DDL),
     O(CREATE_INDEX),
     0,
     {{T, "stx", "ctas2", "ctas2", 0}},
     "CREATE UNIQUE INDEX ui ON `stx`.`ctas2` (z)"},
    {"stx",
     "CREATE INDEX IF NOT EXISTS ii ON `st y`.ctas1 (id) USING BTREE",
     K(TABLE_DDL),
     O(CREATE_INDEX),
     F_INE,
     {{T, "st y", "ctas1", "`st y`.ctas1", 0}},
     "CREATE INDEX IF NOT EXISTS ii ON `st y`.`ctas1` (id) USING BTREE"},
    {"db",
     "CREATE OR REPLACE ONLINE FULLTEXT INDEX `on` USING HASH ON t (c) "
     "ALGORITHM=INPLACE",
     K(TABLE_DDL),
     O(CREATE_INDEX),
     0,
     {{T, "db", "t", "t", 0}},
     "CREATE OR REPLACE ONLINE FULLTEXT INDEX `on` USING HASH ON `db_m`.`t` "
     "(c) ALGORITHM=INPLACE"},
    {"db",
     "CREATE SPATIAL INDEX g ON xs.t (g)",
     K(TABLE_DDL),
     O(CREATE_INDEX),
     0,
     {{T, "xs", "t", "xs.t", 0}},
     ""},
    {"stx",
     "DROP INDEX ui ON ctas2",
     K(TABLE_DDL),
     O(DROP_INDEX),
     0,
     {{T, "stx", "ctas2", "ctas2", 0}},
     "DROP INDEX ui ON `stx`.`ctas2`"},
    {"stx",
     "DROP INDEX IF EXISTS `PRIMARY` ON `st y`.ctas1 LOCK=NONE",
     K(TABLE_DDL),
     O(DROP_INDEX),
     F_IE,
     {{T, "st y", "ctas1", "`st y`.ctas1", 0}},
     "DROP INDEX IF EXISTS `PRIMARY` ON `st y`.`ctas1` LOCK=NONE"},
};

static void test_rename_truncate_index(void **state)
{
	(void)state;
	RUN(misc_table_cases);
}

static const struct tcase schema_cases[] = {
    {"stx",
     "CREATE DATABASE stx /*!40100 DEFAULT CHARACTER SET utf8mb4 */",
     K(SCHEMA_DDL),
     O(CREATE_DATABASE),
     0,
     {{SC, "stx", NULL, "stx", 0}},
     "CREATE DATABASE `stx` /*!40100 DEFAULT CHARACTER SET utf8mb4 */"},
    {"db",
     "CREATE DATABASE db",
     K(SCHEMA_DDL),
     O(CREATE_DATABASE),
     0,
     {{SC, "db", NULL, "db", 0}},
     "CREATE DATABASE `db_m`"},
    {"",
     "create schema if not exists test",
     K(SCHEMA_DDL),
     O(CREATE_DATABASE),
     F_INE,
     {{SC, "test", NULL, "test", 0}},
     "create schema if not exists `test`"},
    {"",
     "CREATE DATABASE `sbtest-repl` CHARACTER SET = 'utf8' COLLATE = "
     "'utf8_general_ci'",
     K(SCHEMA_DDL),
     O(CREATE_DATABASE),
     0,
     {{SC, "sbtest-repl", NULL, "`sbtest-repl`", 0}},
     NULL},
    {"",
     "CREATE DATABASE `x` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE "
     "utf8mb4_0900_ai_ci */ /*!80016 DEFAULT ENCRYPTION='N' */",
     K(SCHEMA_DDL),
     O(CREATE_DATABASE),
     0,
     {{SC, "x", NULL, "`x`", 0}},
     NULL},
    {"xs",
     "CREATE DATABASE xs",
     K(SCHEMA_DDL),
     O(CREATE_DATABASE),
     0,
     {{SC, "xs", NULL, "xs", 0}},
     ""},
    {"st y",
     "ALTER DATABASE `st y` COLLATE latin1_bin",
     K(SCHEMA_DDL),
     O(ALTER_DATABASE),
     0,
     {{SC, "st y", NULL, "`st y`", 0}},
     "ALTER DATABASE `st y` COLLATE latin1_bin"},
    {"db",
     "ALTER SCHEMA db READ ONLY = 1",
     K(SCHEMA_DDL),
     O(ALTER_DATABASE),
     0,
     {{SC, "db", NULL, "db", 0}},
     NULL},
    {"stx",
     "DROP DATABASE IF EXISTS stx",
     K(SCHEMA_DDL),
     O(DROP_DATABASE),
     F_IE,
     {{SC, "stx", NULL, "stx", 0}},
     "DROP DATABASE IF EXISTS `stx`"},
    {"db",
     "DROP SCHEMA db",
     K(SCHEMA_DDL),
     O(DROP_DATABASE),
     0,
     {{SC, "db", NULL, "db", 0}},
     "DROP SCHEMA `db_m`"},
    {"",
     "drop database dtb",
     K(SCHEMA_DDL),
     O(DROP_DATABASE),
     0,
     {{SC, "dtb", NULL, "dtb", 0}},
     "drop database `dtb`"},
};

static void test_schema_ddl(void **state)
{
	(void)state;
	RUN(schema_cases);
}

/* ALTER DATABASE without a name acts on the default schema: the ref is
 * empty and the rewrite puts the name in. */
static void test_alter_database_unnamed(void **state)
{
	static const char sql[] = "ALTER DATABASE CHARACTER SET utf8mb4";
	struct ms_arena a;
	struct ms_stmt st;
	struct ms_buf out;
	struct ms_err err;

	(void)state;
	ms_arena_init(&a, 1 << 16);
	ms_buf_init(&out, 1 << 16);
	assert_int_equal(ms_stmt_parse(sql, strlen(sql), "db", &a, &st, &err),
			 0);
	assert_int_equal(st.kind, MS_STMT_SCHEMA_DDL);
	assert_int_equal(st.op, MS_STMT_OP_ALTER_DATABASE);
	assert_int_equal(st.nrefs, 1);
	assert_int_equal(st.refs[0].role, MS_STMT_REF_SCHEMA_ONLY);
	assert_string_equal(st.refs[0].schema, "db");
	assert_null(st.refs[0].table);
	assert_int_equal(st.refs[0].start, strlen("ALTER DATABASE"));
	assert_int_equal(st.refs[0].len, 0);
	assert_int_equal(
	    ms_stmt_rewrite(&st, sql, strlen(sql), test_map, NULL, &out, &err),
	    1);
	assert_string_equal(ms_buf_str(&out), MS_STMT_MARKER
			    "ALTER DATABASE `db_m` CHARACTER SET utf8mb4");
	/* no default schema: the rewrite cannot name one */
	assert_int_equal(ms_stmt_parse(sql, strlen(sql), "", &a, &st, &err), 0);
	assert_int_equal(
	    ms_stmt_rewrite(&st, sql, strlen(sql), test_map, NULL, &out, &err),
	    MS_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "default"));
	ms_buf_free(&out);
	ms_arena_free(&a);
}

/* ---- bad input ------------------------------------------------------ */

static void expect_parse_error(const char *sql, size_t n, const char *what)
{
	char *copy = malloc(n ? n : 1);
	struct ms_arena a;
	struct ms_stmt st;
	struct ms_err err;
	int rc;

	assert_non_null(copy);
	memcpy(copy, sql, n);
	ms_arena_init(&a, 1 << 20);
	ms_err_clear(&err);
	rc = ms_stmt_parse(copy, n, "db", &a, &st, &err);
	if (rc != MS_EPARSE || !strstr(err.msg, what) ||
	    !strstr(err.msg, "offset"))
		fail_msg("%.*s: rc %d '%s', want MS_EPARSE with '%s'", (int)n,
			 sql, rc, err.msg, what);
	assert_int_equal(st.kind, MS_STMT_UNKNOWN);
	assert_int_equal(st.nrefs, 0);
	ms_arena_free(&a);
	free(copy);
}

#define BAD(sql, what) expect_parse_error(sql, sizeof(sql) - 1, what)

static void test_malformed(void **state)
{
	(void)state;
	BAD("CREATE TABLE 'unterminated", "unterminated");
	BAD("CREATE TABLE t (a INT) COMMENT 'x", "unterminated");
	BAD("CREATE TABLE t (a INT) COMMENT \"x\\", "unterminated");
	BAD("ALTER TABLE `t ADD c INT", "unterminated");
	BAD("ALTER TABLE t /* ADD c INT", "unterminated");
	BAD("/*!50001 DROP TABLE t", "unterminated executable comment");
	BAD("CREATE TABLE t (a INT) /*M!100301 WITH SYSTEM VERSIONING",
	    "unterminated executable comment");
	BAD("DROP TABLE a, `b", "unterminated");
	BAD("CREATE DATABASE d COMMENT 'x", "unterminated");
	BAD("DROP TABLE", "table name missing");
	BAD("DROP TABLE IF EXISTS", "table name missing");
	BAD("DROP TABLE a,", "table name missing");
	BAD("DROP TABLE a, ,b", "table name missing");
	BAD("DROP TABLE a b", "unexpected text");
	BAD("DROP TABLE IF t", "IF without EXISTS");
	BAD("CREATE TABLE (a INT)", "table name missing");
	BAD("CREATE TABLE IF NOT (a INT)", "IF without NOT EXISTS");
	BAD("CREATE TABLE db. (a INT)", "name missing after '.'");
	BAD("CREATE TABLE t (a INT", "not closed");
	BAD("CREATE TABLE t LIKE", "LIKE table name missing");
	BAD("CREATE TABLE t (LIKE u", "not closed");
	BAD("CREATE TABLE t LIKE u v", "unexpected text");
	BAD("CREATE TABLE t (a INT REFERENCES (id))",
	    "referenced table name missing");
	BAD("CREATE TABLE t (a INT) ENGINE=MERGE UNION=(a, ", "UNION");
	BAD("CREATE TABLE t (a INT) ENGINE=MERGE UNION=(a b)", "not closed");
	BAD("ALTER TABLE", "table name missing");
	BAD("ALTER TABLE t RENAME TO", "new table name missing");
	BAD("ALTER TABLE t ADD c INT; DROP TABLE u", "more than one statement");
	BAD("RENAME TABLE a b", "TO missing");
	BAD("RENAME TABLE a TO", "new table name missing");
	BAD("RENAME TABLE a TO b,", "table name missing");
	BAD("TRUNCATE", "table name missing");
	BAD("TRUNCATE TABLE t u", "unexpected text");
	BAD("CREATE INDEX ON t (a)", "ON table missing");
	BAD("CREATE INDEX i t (a)", "ON table missing");
	BAD("CREATE INDEX i ON", "table name missing");
	BAD("DROP INDEX i", "ON table missing");
	BAD("CREATE DATABASE", "database name missing");
	BAD("DROP SCHEMA IF EXISTS", "database name missing");
	BAD("ALTER TABLE `` ADD c INT", "empty name");
	BAD("SET STATEMENT a=1", "SET STATEMENT without FOR");
	BAD("SET STATEMENT a=1 FOR DROP TABLE", "table name missing");
}

static void test_name_limits(void **state)
{
	char sql[600];
	struct ms_arena a;
	struct ms_stmt st;
	struct ms_err err;

	(void)state;
	/* 256 bytes is the longest name (64 characters of 4 bytes) */
	memcpy(sql, "DROP TABLE `", 12);
	memset(sql + 12, 'n', 256);
	memcpy(sql + 268, "`", 1);
	ms_arena_init(&a, 1 << 16);
	assert_int_equal(ms_stmt_parse(sql, 269, "db", &a, &st, &err), 0);
	assert_int_equal(strlen(st.refs[0].table), 256);
	memcpy(sql + 268, "n`", 2);
	assert_int_equal(ms_stmt_parse(sql, 270, "db", &a, &st, &err),
			 MS_EPARSE);
	assert_non_null(strstr(err.msg, "longer than 256"));
	/* a doubled backquote counts once */
	memset(sql + 12, '`', 512);
	memcpy(sql + 524, "`", 1);
	assert_int_equal(ms_stmt_parse(sql, 525, "db", &a, &st, &err), 0);
	assert_int_equal(strlen(st.refs[0].table), 256);
	ms_arena_free(&a);
}

static void test_huge_and_arena(void **state)
{
	size_t big = ((size_t)16 << 20) + 1, i, n;
	char *sql = malloc(big);
	struct ms_arena a;
	struct ms_stmt st;
	struct ms_err err;

	(void)state;
	assert_non_null(sql);
	ms_arena_init(&a, (size_t)64 << 20);
	memset(sql, ' ', big);
	memcpy(sql, "DROP TABLE t", 12);
	assert_int_equal(ms_stmt_parse(sql, big, "db", &a, &st, &err),
			 MS_ETOOLARGE);
	assert_int_equal(ms_stmt_parse(sql, big - 1, "db", &a, &st, &err), 0);
	assert_int_equal(st.nrefs, 1);
	/* 1 MiB of "a," names: many refs, all in one pass */
	ms_arena_free(&a);
	ms_arena_init(&a, (size_t)128 << 20);
	n = strlen("DROP TABLE ");
	memcpy(sql, "DROP TABLE ", n);
	for (i = n; i + 2 <= ((size_t)1 << 20); i += 2)
		memcpy(sql + i, "a,", 2);
	sql[i - 1] = ' ';
	assert_int_equal(ms_stmt_parse(sql, i, "db", &a, &st, &err), 0);
	assert_int_equal(st.nrefs, (i - n) / 2);
	assert_int_equal(st.refs[st.nrefs - 1].start, i - 2);
	/* the same with a small arena: a clean error, no crash */
	ms_arena_free(&a);
	ms_arena_init(&a, 1 << 20);
	assert_int_equal(ms_stmt_parse(sql, i, "db", &a, &st, &err),
			 MS_ETOOLARGE);
	assert_int_equal(err.code, MS_ETOOLARGE);
	assert_non_null(strstr(err.msg, "arena full"));
	assert_int_equal(st.nrefs, 0);
	/* deep parentheses are only counted */
	memcpy(sql, "CREATE TABLE t ", 15);
	memset(sql + 15, '(', big - 16);
	assert_int_equal(ms_stmt_parse(sql, big - 1, "db", &a, &st, &err),
			 MS_EPARSE);
	ms_arena_free(&a);
	free(sql);
}

/* NULs and semicolons at the end (a QUERY event's text may carry them)
 * are not part of the statement; a NUL inside is just a byte. */
static void test_trailing_bytes(void **state)
{
	static const char sql[] = "ALTER TABLE t ADD c INT ; \0\0";
	static const char inner[] = "DROP TABLE a\0b";
	struct ms_arena a;
	struct ms_stmt st;
	struct ms_buf out;
	struct ms_err err;

	(void)state;
	ms_arena_init(&a, 1 << 16);
	ms_buf_init(&out, 1 << 16);
	assert_int_equal(
	    ms_stmt_parse(sql, sizeof(sql) - 1, "db", &a, &st, &err), 0);
	assert_int_equal(st.op, MS_STMT_OP_ALTER_TABLE);
	assert_int_equal(ms_stmt_rewrite(&st, sql, sizeof(sql) - 1, test_map,
					 NULL, &out, &err),
			 1);
	assert_string_equal(ms_buf_str(&out),
			    MS_STMT_MARKER "ALTER TABLE `db_m`.`t` ADD c INT");
	assert_int_equal(
	    ms_stmt_parse(inner, sizeof(inner) - 1, "db", &a, &st, &err),
	    MS_EPARSE);
	ms_buf_free(&out);
	ms_arena_free(&a);
}

/* ---- rewrite specifics ---------------------------------------------- */

static int parse_ok(const char *sql, const char *db, struct ms_arena *a,
		    struct ms_stmt *st)
{
	struct ms_err err;
	int rc = ms_stmt_parse(sql, strlen(sql), db, a, st, &err);

	if (rc)
		fail_msg("%s: %s", sql, err.msg);
	return rc;
}

static void test_rewrite_errors(void **state)
{
	struct ms_arena a;
	struct ms_stmt st, bad;
	struct ms_stmt_ref r;
	struct ms_buf out, small;
	struct ms_err err;
	int calls = 0;
	const char *sql = "ALTER TABLE boom ADD c INT";

	(void)state;
	ms_arena_init(&a, 1 << 16);
	ms_buf_init(&out, 1 << 16);
	/* the map's error comes back, naming the table */
	assert_int_equal(parse_ok(sql, "db", &a, &st), 0);
	assert_int_equal(ms_stmt_rewrite(&st, sql, strlen(sql), test_map,
					 &calls, &out, &err),
			 MS_EIO);
	assert_non_null(strstr(err.msg, "db.boom"));
	assert_int_equal(calls, 1);
	assert_int_equal(out.len, 0);
	/* the message names both tables of a refused rename */
	sql = "RENAME TABLE a TO xb";
	assert_int_equal(parse_ok(sql, "db", &a, &st), 0);
	assert_int_equal(
	    ms_stmt_rewrite(&st, sql, strlen(sql), test_map, NULL, &out, &err),
	    MS_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "db.a"));
	assert_non_null(strstr(err.msg, "db.xb"));
	/* spans that do not fit the text given */
	sql = "DROP TABLE t";
	assert_int_equal(parse_ok(sql, "db", &a, &st), 0);
	assert_int_equal(
	    ms_stmt_rewrite(&st, sql, 5, test_map, NULL, &out, &err),
	    MS_EINVAL);
	bad = st;
	r = st.refs[0];
	r.len = (size_t)-1;
	bad.refs = &r;
	assert_int_equal(
	    ms_stmt_rewrite(&bad, sql, strlen(sql), test_map, NULL, &out, &err),
	    MS_EINVAL);
	/* the output cap */
	ms_buf_init(&small, 10);
	assert_int_equal(ms_stmt_rewrite(&st, sql, strlen(sql), test_map, NULL,
					 &small, &err),
			 MS_ETOOLARGE);
	assert_int_equal(small.len, 0);
	ms_buf_free(&small);
	/* not DDL */
	sql = "INSERT INTO t VALUES (1)";
	assert_int_equal(parse_ok(sql, "db", &a, &st), 0);
	assert_int_equal(
	    ms_stmt_rewrite(&st, sql, strlen(sql), test_map, NULL, &out, &err),
	    MS_EUNSUPPORTED);
	ms_buf_free(&out);
	ms_arena_free(&a);
}

/* The output buffer holds only the new statement, and a statement that
 * went through the rewrite parses back to the same thing (with the target
 * names). */
static void test_rewrite_roundtrip(void **state)
{
	static const char *const sqls[] = {
	    "CREATE TABLE c (id INT, FOREIGN KEY (id) REFERENCES p (id))",
	    "DROP TABLE IF EXISTS `a`,`xb`,`c` /* generated by server */",
	    "RENAME TABLE a TO b, xa TO xb",
	    "ALTER TABLE a ADD FOREIGN KEY (x) REFERENCES p (id), RENAME TO z",
	    "ALTER DATABASE COLLATE utf8mb4_bin",
	    "CREATE TABLE `t2` (`id` int) START TRANSACTION",
	};
	struct ms_arena a;
	struct ms_stmt st, st2;
	struct ms_buf out;
	struct ms_err err;
	size_t i, j;

	(void)state;
	ms_arena_init(&a, 1 << 16);
	ms_buf_init(&out, 1 << 16);
	for (i = 0; i < sizeof(sqls) / sizeof(sqls[0]); i++) {
		assert_int_equal(parse_ok(sqls[i], "db", &a, &st), 0);
		assert_int_equal(ms_buf_addstr(&out, "stale"), 0);
		assert_int_equal(ms_stmt_rewrite(&st, sqls[i], strlen(sqls[i]),
						 test_map, NULL, &out, &err),
				 1);
		assert_int_equal(parse_ok(ms_buf_str(&out), "", &a, &st2), 0);
		assert_true(st2.marked);
		assert_false(st2.start_transaction);
		assert_int_equal(st2.kind, st.kind);
		assert_int_equal(st2.op, st.op);
		assert_true(st2.nrefs > 0);
		for (j = 0; j < st2.nrefs; j++)
			assert_string_equal(st2.refs[j].schema, "db_m");
	}
	ms_buf_free(&out);
	ms_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transactions),
	    cmocka_unit_test(test_dml),
	    cmocka_unit_test(test_ignorable_and_unknown),
	    cmocka_unit_test(test_other_ddl),
	    cmocka_unit_test(test_create_table),
	    cmocka_unit_test(test_alter_table),
	    cmocka_unit_test(test_drop_table),
	    cmocka_unit_test(test_rename_truncate_index),
	    cmocka_unit_test(test_schema_ddl),
	    cmocka_unit_test(test_alter_database_unnamed),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_name_limits),
	    cmocka_unit_test(test_huge_and_arena),
	    cmocka_unit_test(test_trailing_bytes),
	    cmocka_unit_test(test_rewrite_errors),
	    cmocka_unit_test(test_rewrite_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

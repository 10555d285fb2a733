/* The statement classifier over real binlogs: every QUERY event of
 * - tests/data/sync/stmt-ddl-mariadb-10.11.binlog (made by running
 *   tests/data/sync/stmt-ddl.sql on MariaDB 10.11 with binlog_format=ROW
 *   and a few statements in STATEMENT format): each event's kind, op, refs
 *   and rewrite compared with the reviewed lines of
 *   tests/data/sync/stmt-ddl-mariadb-10.11.expected;
 * - the binlog fuzz seeds (tests/fuzz/corpus/binlog, MariaDB 10.11) and the
 *   shared vectors (../shared/binlog-vectors: MySQL 5.0 to 9.x, MariaDB
 *   10.5 to 11.8; skipped with a message when absent): every statement
 *   parses, the ones not understood are the expected few, and table and
 *   database DDL survives an identity rewrite (the rewritten text parses
 *   back to the same statement and names).
 * MS_STMT_REGEN=FILE writes the lines of the first part to FILE instead of
 * comparing (review them before committing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "binlog/binlog.h"
#include "core/arena.h"
#include "core/buf.h"
#include "sync/stmt.h"

static const char *const kind_names[] = {
    "UNKNOWN", "BEGIN",	    "COMMIT",	  "ROLLBACK",  "SAVEPOINT", "XA",
    "DML",     "TABLE_DDL", "SCHEMA_DDL", "OTHER_DDL", "IGNORABLE"};
static const char *const op_names[] = {
    "-",	  "CREATE_TABLE",    "CREATE_TABLE_LIKE", "ALTER_TABLE",
    "DROP_TABLE", "RENAME_TABLE",    "TRUNCATE_TABLE",	  "CREATE_INDEX",
    "DROP_INDEX", "CREATE_DATABASE", "ALTER_DATABASE",	  "DROP_DATABASE"};
static const char *const role_names[] = {"TABLE", "RENAMED_TO", "REFERENCED",
					 "SCHEMA_ONLY"};

/* ---- reading binlog files ------------------------------------------- */

static uint8_t *slurp(const char *path, size_t *size)
{
	gzFile gz = gzopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	uint8_t *p;
	int got;

	if (!gz)
		return NULL;
	p = malloc(cap);
	assert_non_null(p);
	while ((got = gzread(gz, p + n, (unsigned int)(cap - n))) > 0) {
		n += (size_t)got;
		if (n == cap) {
			cap *= 2;
			p = realloc(p, cap);
			assert_non_null(p);
		}
	}
	gzclose(gz);
	*size = n;
	return p;
}

typedef void (*query_fn)(void *ctx, const char *file,
			 const struct ms_bl_query *q);

static void each_query_in(const struct ms_bl_event *ev, const char *file,
			  query_fn fn, void *ctx)
{
	uint32_t i;

	if (ev->kind == MS_BL_K_QUERY)
		fn(ctx, file, &ev->u.query);
	else if (ev->kind == MS_BL_K_PAYLOAD)
		for (i = 0; i < ev->u.payload.nevents; i++)
			each_query_in(&ev->u.payload.events[i], file, fn, ctx);
}

/* Calls <fn> for each QUERY event of the binlog file <path>, stopping
 * quietly at the first event that does not decode (some vectors are cut
 * or corrupt on purpose). Returns the number of events decoded, or -1
 * when the file is not a binlog. */
static long each_query(const char *path, query_fn fn, void *ctx)
{
	struct ms_bl_decoder *dec;
	struct ms_bl_event ev;
	struct ms_arena a;
	struct ms_err err;
	const uint8_t *e;
	uint64_t pos = 0;
	size_t size = 0, elen;
	long n = 0;
	uint8_t *file = slurp(path, &size);

	if (!file)
		return -1;
	dec = ms_bl_decoder_new(NULL);
	assert_non_null(dec);
	ms_arena_init(&a, (size_t)1 << 30);
	for (;;) {
		int rc = ms_bl_next(file, size, &pos, &e, &elen, &err);

		if (rc < 0 && n == 0)
			n = -1;
		if (rc <= 0)
			break;
		ms_arena_reset(&a);
		if (ms_bl_decode(dec, &a, e, elen, (uint64_t)(e - file), &ev,
				 &err))
			break;
		n++;
		each_query_in(&ev, path, fn, ctx);
	}
	ms_arena_free(&a);
	ms_bl_decoder_free(dec);
	free(file);
	return n;
}

/* ---- the reviewed MariaDB DDL binlog -------------------------------- */

/* Schema st_a -> st_a_m; tables named "ex" and "nonexist1" are excluded. */
static int file_map(void *ctx, const char *schema, const char *table,
		    struct ms_buf *os, struct ms_buf *ot)
{
	(void)ctx;
	if (table && (!strcmp(table, "ex") || !strcmp(table, "nonexist1")))
		return 0;
	if (ms_buf_addstr(os, schema) ||
	    (!strcmp(schema, "st_a") && ms_buf_addstr(os, "_m")))
		return MS_ENOMEM;
	if (table && ms_buf_addstr(ot, table))
		return MS_ENOMEM;
	return 1;
}

/* One line describing how <q> parses and rewrites (no newline inside:
 * newlines of the text are written as \n). */
static void describe(const struct ms_bl_query *q, struct ms_buf *line)
{
	struct ms_arena a;
	struct ms_stmt st;
	struct ms_buf out;
	struct ms_err err;
	const char *sql = (const char *)q->sql.p;
	size_t i, from = line->len;
	int rc;

	ms_arena_init(&a, 1 << 20);
	ms_buf_init(&out, 1 << 20);
	rc = ms_stmt_parse(sql, q->sql.len, q->schema, &a, &st, &err);
	assert_int_equal(
	    ms_buf_addf(line, "%s|%s", kind_names[st.kind], op_names[st.op]),
	    0);
	if (rc)
		assert_int_equal(ms_buf_addf(line, "|error %d", rc), 0);
	assert_int_equal(
	    ms_buf_addf(line, "|%s%s%s%s%s%s", st.temporary ? "T" : "",
			st.if_exists ? "E" : "", st.if_not_exists ? "N" : "",
			st.marked ? "M" : "", st.has_select ? "S" : "",
			st.start_transaction ? "X" : ""),
	    0);
	for (i = 0; i < st.nrefs; i++)
		assert_int_equal(
		    ms_buf_addf(line, "|%s %s.%s [%.*s]",
				role_names[st.refs[i].role], st.refs[i].schema,
				st.refs[i].table ? st.refs[i].table : "-",
				(int)st.refs[i].len, sql + st.refs[i].start),
		    0);
	if (rc == 0 &&
	    (st.kind == MS_STMT_TABLE_DDL || st.kind == MS_STMT_SCHEMA_DDL)) {
		rc = ms_stmt_rewrite(&st, sql, q->sql.len, file_map, NULL, &out,
				     &err);
		if (rc == 1)
			assert_int_equal(
			    ms_buf_addf(line, "|=> %s",
					ms_buf_str(&out) +
					    strlen(MS_STMT_MARKER)),
			    0);
		else if (rc == 0)
			assert_int_equal(ms_buf_addstr(line, "|=> nothing"), 0);
		else
			assert_int_equal(
			    ms_buf_addf(line, "|=> %d %s", rc, err.msg), 0);
	}
	for (i = from; i < line->len; i++)
		if (line->ptr[i] == '\n')
			line->ptr[i] = '~';
	ms_buf_free(&out);
	ms_arena_free(&a);
}

struct lines {
	struct ms_buf all;
};

static void add_line(void *ctx, const char *file, const struct ms_bl_query *q)
{
	struct lines *l = ctx;

	(void)file;
	describe(q, &l->all);
	assert_int_equal(ms_buf_addc(&l->all, '\n'), 0);
}

static void test_mariadb_ddl_binlog(void **state)
{
	const char *dir = getenv("MYSHIFT_TESTDATA");
	const char *regen = getenv("MS_STMT_REGEN");
	char path[4096];
	struct lines l;
	uint8_t *want;
	size_t wlen = 0;
	long n;

	(void)state;
	assert_non_null(dir);
	ms_buf_init(&l.all, 1 << 22);
	snprintf(path, sizeof(path), "%s/sync/stmt-ddl-mariadb-10.11.binlog",
		 dir);
	n = each_query(path, add_line, &l);
	assert_true(n > 100);
	if (regen) {
		FILE *f = fopen(regen, "w");

		assert_non_null(f);
		fputs(ms_buf_str(&l.all), f);
		fclose(f);
		ms_buf_free(&l.all);
		return;
	}
	snprintf(path, sizeof(path), "%s/sync/stmt-ddl-mariadb-10.11.expected",
		 dir);
	want = slurp(path, &wlen);
	assert_non_null(want);
	if (wlen != l.all.len || memcmp(want, l.all.ptr, wlen) != 0) {
		size_t i = 0, line = 1;

		while (i < wlen && i < l.all.len &&
		       want[i] == (uint8_t)l.all.ptr[i])
			if (want[i++] == '\n')
				line++;
		fail_msg(
		    "line %zu differs from %s:\ngot:  %.300s\nwant: %.300s",
		    line, path, l.all.ptr + i, (const char *)want + i);
	}
	free(want);
	ms_buf_free(&l.all);
}

/* ---- every statement of every binlog -------------------------------- */

static int identity_map(void *ctx, const char *schema, const char *table,
			struct ms_buf *os, struct ms_buf *ot)
{
	(void)ctx;
	if (ms_buf_addstr(os, schema) || (table && ms_buf_addstr(ot, table)))
		return MS_ENOMEM;
	return 1;
}

struct census {
	size_t queries, by_kind[11], unknown_unexpected;
};

/* Statements the vectors hold that sync does not understand, on purpose. */
static bool expected_unknown(const char *sql, size_t n)
{
	static const char *const heads[] = {"BEGIN NOT ATOMIC", "CALL ",
					    "HANDLER ", NULL};
	size_t i;

	for (i = 0; heads[i]; i++)
		if (n >= strlen(heads[i]) &&
		    strncasecmp(sql, heads[i], strlen(heads[i])) == 0)
			return true;
	return false;
}

static void roundtrip(const char *file, const struct ms_bl_query *q,
		      const struct ms_stmt *st)
{
	const char *sql = (const char *)q->sql.p;
	struct ms_arena a;
	struct ms_stmt back;
	struct ms_buf out;
	struct ms_err err;
	size_t i;
	int rc;

	if (st->kind != MS_STMT_TABLE_DDL && st->kind != MS_STMT_SCHEMA_DDL)
		return;
	ms_arena_init(&a, 1 << 24);
	ms_buf_init(&out, 1 << 26);
	rc = ms_stmt_rewrite(st, sql, q->sql.len, identity_map, NULL, &out,
			     &err);
	if (rc == MS_EUNSUPPORTED && (st->has_select || !*q->schema))
		goto out; /* statement-format CTAS, or no default schema */
	if (rc != 1)
		fail_msg("%s: %.*s: rewrite %d %s", file, (int)q->sql.len, sql,
			 rc, err.msg);
	rc = ms_stmt_parse(out.ptr, out.len, "", &a, &back, &err);
	if (rc || !back.marked || back.kind != st->kind || back.op != st->op ||
	    back.nrefs != st->nrefs)
		fail_msg("%s: %.*s\nrewritten: %s\nparses back differently "
			 "(%d %s)",
			 file, (int)q->sql.len, sql, ms_buf_str(&out), rc,
			 err.msg);
	for (i = 0; i < st->nrefs; i++)
		if (strcmp(back.refs[i].schema, st->refs[i].schema) ||
		    (st->refs[i].table &&
		     strcmp(back.refs[i].table, st->refs[i].table)))
			fail_msg("%s: %s: name %zu changed", file,
				 ms_buf_str(&out), i);
out:
	ms_buf_free(&out);
	ms_arena_free(&a);
}

static void census_query(void *ctx, const char *file,
			 const struct ms_bl_query *q)
{
	struct census *c = ctx;
	const char *sql = (const char *)q->sql.p;
	struct ms_arena a;
	struct ms_stmt st;
	struct ms_err err;
	int rc;

	ms_arena_init(&a, 1 << 24);
	rc = ms_stmt_parse(sql, q->sql.len, q->schema, &a, &st, &err);
	if (rc)
		fail_msg("%s: %.*s: %s", file, (int)q->sql.len, sql, err.msg);
	c->queries++;
	c->by_kind[st.kind]++;
	if (st.kind == MS_STMT_UNKNOWN && !expected_unknown(sql, q->sql.len)) {
		print_error("%s: not understood: %.*s\n", file,
			    (int)(q->sql.len > 200 ? 200 : q->sql.len), sql);
		c->unknown_unexpected++;
	}
	roundtrip(file, q, &st);
	ms_arena_free(&a);
}

static void walk(const char *dir, struct census *c, size_t *files)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[8192];
	struct stat sb;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			walk(path, c, files);
		else if (each_query(path, census_query, c) > 0)
			(*files)++;
	}
	closedir(d);
}

static void test_every_binlog_statement(void **state)
{
	const char *shared = getenv("MYSHIFT_SHARED");
	const char *data = getenv("MYSHIFT_TESTDATA");
	char dir[4096];
	struct census c;
	size_t files = 0;
	struct stat sb;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_non_null(data);
	/* tests/data -> tests/fuzz/corpus/binlog: our own MariaDB seeds */
	snprintf(dir, sizeof(dir), "%s/../fuzz/corpus/binlog", data);
	walk(dir, &c, &files);
	assert_true(files >= 40);
	snprintf(dir, sizeof(dir), "%s/binlog-vectors",
		 shared ? shared : "../shared");
	if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		walk(dir, &c, &files);
	else
		printf("SKIP (vectors): %s absent (MYSHIFT_SHARED)\n", dir);
	printf("%zu binlog files, %zu QUERY events: %zu DDL on tables, %zu on "
	       "databases, %zu other DDL, %zu DML, %zu unknown\n",
	       files, c.queries, c.by_kind[MS_STMT_TABLE_DDL],
	       c.by_kind[MS_STMT_SCHEMA_DDL], c.by_kind[MS_STMT_OTHER_DDL],
	       c.by_kind[MS_STMT_DML], c.by_kind[MS_STMT_UNKNOWN]);
	assert_int_equal(c.unknown_unexpected, 0);
	assert_true(c.by_kind[MS_STMT_TABLE_DDL] > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mariadb_ddl_binlog),
	    cmocka_unit_test(test_every_binlog_statement),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

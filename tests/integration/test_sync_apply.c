/* The row applier (src/sync/apply*.c) against the sandbox: real DML on the
 * SOURCE, its binlog file read from disk and decoded, every rows event fed
 * through ms_ap_batch_add / ms_ap_batch_flush into the TARGET (where the
 * same tables were created), then source and target compared
 * independently of myshift: every column of every row rendered by the
 * servers themselves (HEX of the stored bytes, exact numbers and temporal
 * text, as tests/integration/copy_lib.sh's row_exprs does).
 *
 * Each test captures its own binlog file (FLUSH BINARY LOGS before and
 * after the workload), applies it as one batch (compaction across
 * transactions), compares, then applies it again one transaction at a time
 * with a small statement budget (replay: idempotence, splitting) and
 * compares again. The applier connects as the sandbox's unprivileged
 * target user. Rows per second of a large batch are printed, not
 * asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "it.h"
#include "binlog/binlog.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/uri.h"
#include "db/db.h"
#include "sync/apply.h"
#include "sync/apply_int.h"

#define SCHEMA	   "it_sync_apply"
#define ARENA_CAP  ((size_t)512 << 20)
#define MAX_TABLES 32

static struct ms_db *src; /* admin, sql_mode '' */
static struct ms_db *tga; /* target admin: DDL and comparisons */
static struct ms_db *tgt; /* the applier's session: unprivileged user */

/* ---- connections and SQL ------------------------------------------------ */

static void exec(struct ms_db *db, const char *sql)
{
	struct ms_err err;

	if (ms_db_exec(db, sql, &err))
		fail_msg("%s\n  in: %.200s", err.msg, sql);
}

static void execf(struct ms_db *db, const char *fmt, ...) MS_PRINTF(2, 3);
static void execf(struct ms_db *db, const char *fmt, ...)
{
	struct ms_buf b;
	va_list ap;

	ms_buf_init(&b, 1 << 20);
	va_start(ap, fmt);
	assert_int_equal(ms_buf_vaddf(&b, fmt, ap), 0);
	va_end(ap);
	exec(db, ms_buf_str(&b));
	ms_buf_free(&b);
}

/* Runs <sql> on both servers (the DDL: the applier only replays rows). */
static void both(const char *sql)
{
	exec(src, sql);
	exec(tga, sql);
}

static char *value(struct ms_db *db, const char *sql)
{
	struct ms_err err;
	char *v = NULL;

	if (ms_db_query_value(db, sql, &v, &err))
		fail_msg("%s\n  in: %s", err.msg, sql);
	if (!v)
		fail_msg("no value: %s", sql);
	return v;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- capturing the source's binlog -------------------------------------- */

/* The file the source writes now (SHOW MASTER STATUS), as a path. */
static char *current_file(void)
{
	struct ms_db_result *r;
	struct ms_err err;
	char *base = NULL, *path;
	const char *file;
	size_t n, dir;

	if (ms_db_query_value(src, "SELECT @@log_bin_basename", &base, &err) ||
	    !base || !strchr(base, '/'))
		fail_msg("log_bin_basename: %s", base ? base : err.msg);
	dir = (size_t)(strrchr(base, '/') - base);
	if (ms_db_query(src, "SHOW MASTER STATUS", &r, &err))
		fail_msg("%s", err.msg);
	file = ms_db_result_get(r, 0, 0);
	assert_non_null(file);
	n = dir + strlen(file) + 2;
	path = malloc(n);
	assert_non_null(path);
	snprintf(path, n, "%.*s/%s", (int)dir, base, file);
	ms_db_result_free(r);
	free(base);
	return path;
}

/* Starts a fresh binlog file on the source: the workload's events are the
 * only ones in it. Returns its path. */
static char *capture_begin(void)
{
	exec(src, "FLUSH BINARY LOGS");
	return current_file();
}

/* Closes the file, so it is complete on disk. */
static void capture_end(const char *path)
{
	char *now = current_file();

	assert_string_equal(now, path);
	free(now);
	exec(src, "FLUSH BINARY LOGS");
}

static uint8_t *read_whole(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	assert_non_null(buf);
	if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("cannot read %s", path);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/* ---- applying a binlog file --------------------------------------------- */

struct app {
	struct ms_ap_batch *b;
	struct ms_ap_table *tabs[MAX_TABLES];
	char names[MAX_TABLES][64];
	size_t ntabs;
	bool per_txn;  /* flush and commit at each transaction's end */
	size_t budget; /* statement budget, 0 = default */
	uint64_t rows, statements, txns, flushes;
	bool saw_unsigned_unknown; /* a table map without signedness */
	double add_s, flush_s;
};

static int app_table(struct app *a, const char *name,
		     const struct ms_ap_table **out, struct ms_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < a->ntabs; i++)
		if (!strcmp(a->names[i], name)) {
			*out = a->tabs[i];
			return 0;
		}
	assert_true(a->ntabs < MAX_TABLES);
	rc = ms_ap_table_load(tgt, SCHEMA, name, &a->tabs[a->ntabs], err);
	if (rc)
		return rc;
	snprintf(a->names[a->ntabs], sizeof(a->names[0]), "%s", name);
	*out = a->tabs[a->ntabs++];
	return 0;
}

static int app_flush(struct app *a, struct ms_err *err)
{
	double t0 = now_s();
	uint64_t n = 0;
	struct ms_err e2;
	int rc;

	if (ms_ap_batch_changes(a->b) == 0)
		return 0;
	rc = ms_ap_batch_flush(a->b, tgt, a->budget, &n, err);
	rc = rc ? rc : ms_db_exec(tgt, "COMMIT", err);
	if (rc && ms_db_exec(tgt, "ROLLBACK", &e2))
		fail_msg("ROLLBACK: %s", e2.msg);
	a->statements += n;
	a->flushes++;
	a->flush_s += now_s() - t0;
	return rc;
}

static int app_event(struct app *a, const struct ms_bl_event *ev,
		     struct ms_err *err)
{
	const struct ms_bl_rows *rows = &ev->u.rows;
	const struct ms_ap_table *t;
	double t0;
	int rc;

	if (ev->kind == MS_BL_K_XID ||
	    (ev->kind == MS_BL_K_QUERY && ev->u.query.sql.len == 6 &&
	     !memcmp(ev->u.query.sql.p, "COMMIT", 6))) {
		a->txns++;
		return a->per_txn ? app_flush(a, err) : 0;
	}
	if (ev->kind != MS_BL_K_ROWS || !rows->tm ||
	    strcmp(rows->tm->schema, SCHEMA) != 0)
		return 0;
	if (!rows->tm->has_signedness)
		a->saw_unsigned_unknown = true;
	rc = app_table(a, rows->tm->table, &t, err);
	if (rc)
		return rc;
	t0 = now_s();
	rc = ms_ap_batch_add(a->b, tgt, t, rows, err);
	a->add_s += now_s() - t0;
	a->rows += rows->nrows;
	return rc;
}

static void app_free(struct app *a)
{
	for (size_t i = 0; i < a->ntabs; i++)
		ms_ap_table_free(a->tabs[i]);
	ms_ap_batch_free(a->b);
}

/* Decodes <path> from its start and applies its rows events in SCHEMA.
 * Returns the first error (the batch is rolled back). */
static int apply_file(const char *path, struct app *a, struct ms_err *err)
{
	struct ms_bl_options o;
	struct ms_bl_decoder *d;
	struct ms_arena ar;
	struct ms_bl_event ev;
	const uint8_t *p;
	size_t size, len;
	uint64_t pos = 0;
	uint8_t *buf = read_whole(path, &size);
	int rc;

	ms_bl_options_default(&o);
	d = ms_bl_decoder_new(&o);
	assert_non_null(d);
	if (!a->b)
		assert_non_null(a->b = ms_ap_batch_new());
	ms_arena_init(&ar, ARENA_CAP);
	while ((rc = ms_bl_next(buf, size, &pos, &p, &len, err)) == 1) {
		memset(&ev, 0, sizeof(ev));
		rc =
		    ms_bl_decode(d, &ar, p, len, (uint64_t)(p - buf), &ev, err);
		rc = rc ? rc : app_event(a, &ev, err);
		ms_arena_reset(&ar);
		if (rc)
			break;
	}
	if (rc == 0)
		rc = app_flush(a, err);
	else
		ms_ap_batch_reset(a->b);
	ms_arena_free(&ar);
	ms_bl_decoder_free(d);
	free(buf);
	return rc;
}

static void apply_ok(const char *path, struct app *a)
{
	struct ms_err err;

	if (apply_file(path, a, &err))
		fail_msg("applying %s: %s", path, err.msg);
}

/* ---- comparing ---------------------------------------------------------- */

/* One SQL expression per column rendering its stored value exactly:
 * numbers and temporal types as text (FLOAT/DOUBLE through DOUBLE, which
 * prints the shortest round-trip form), BIT as a number, ENUM/SET as
 * index and HEX of the label, everything else as HEX of its bytes; NULL
 * as <NULL>. Read from the SOURCE's information_schema. */
static char *row_expr(const char *table)
{
	char sql[2048];

	snprintf(
	    sql, sizeof(sql),
	    "SELECT CONCAT('CONCAT_WS(''|'', ', GROUP_CONCAT(CONCAT('IFNULL(',"
	    " CASE WHEN DATA_TYPE IN ('tinyint','smallint','mediumint','int',"
	    "'bigint','decimal','year','date','time','datetime','timestamp')"
	    " THEN CONCAT('CAST(', q, ' AS CHAR)')"
	    " WHEN DATA_TYPE IN ('float','double')"
	    " THEN CONCAT('CAST(CAST(', q, ' AS DOUBLE) AS CHAR)')"
	    " WHEN DATA_TYPE = 'bit' THEN CONCAT('CAST(', q, ' + 0 AS CHAR)')"
	    " WHEN DATA_TYPE IN ('enum','set')"
	    " THEN CONCAT('CONCAT(', q, ' + 0, '':'', HEX(', q, '))')"
	    " ELSE CONCAT('HEX(', q, ')') END, ', ''<NULL>'')')"
	    " ORDER BY ORDINAL_POSITION SEPARATOR ', '), ')')"
	    " FROM (SELECT DATA_TYPE, ORDINAL_POSITION,"
	    " CONCAT('`', REPLACE(COLUMN_NAME, '`', '``'), '`') AS q"
	    " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '" SCHEMA
	    "' AND TABLE_NAME = '%s') c",
	    table);
	exec(src, "SET SESSION group_concat_max_len = 1048576");
	return value(src, sql);
}

struct line {
	const char *p;
	size_t n;
};

static int cmp_line(const void *x, const void *y)
{
	const struct line *a = x, *b = y;
	size_t n = a->n < b->n ? a->n : b->n;
	int c = memcmp(a->p, b->p, n);

	return c ? c : (a->n > b->n) - (a->n < b->n);
}

static struct line *lines(const struct ms_db_result *r)
{
	size_t n = ms_db_result_nrows(r);
	struct line *l = calloc(n + 1, sizeof(*l));

	assert_non_null(l);
	for (size_t i = 0; i < n; i++) {
		l[i].p = ms_db_result_get(r, i, 0);
		l[i].n = ms_db_result_len(r, i, 0);
		assert_non_null(l[i].p);
	}
	qsort(l, n, sizeof(*l), cmp_line);
	return l;
}

/* Every row of <table> equal on both servers; returns the row count. */
static size_t compare_table(const char *table)
{
	char *expr = row_expr(table), sql[1 << 16];
	struct ms_db_result *rs, *rt;
	struct ms_err err;
	struct line *ls, *lt;
	size_t n, bad = 0;

	snprintf(sql, sizeof(sql), "SELECT %s FROM `" SCHEMA "`.`%s`", expr,
		 table);
	free(expr);
	if (ms_db_query(src, sql, &rs, &err) ||
	    ms_db_query(tga, sql, &rt, &err))
		fail_msg("%s: %s", table, err.msg);
	n = ms_db_result_nrows(rs);
	ls = lines(rs);
	lt = lines(rt);
	if (ms_db_result_nrows(rt) != n)
		fail_msg("%s: source has %zu rows, target %zu", table, n,
			 ms_db_result_nrows(rt));
	for (size_t i = 0; i < n; i++)
		if (cmp_line(&ls[i], &lt[i]) != 0 && bad++ < 3)
			fprintf(stderr,
				"DIFF %s row %zu:\n  source %.300s\n  target "
				"%.300s\n",
				table, i, ls[i].p, lt[i].p);
	free(ls);
	free(lt);
	ms_db_result_free(rs);
	ms_db_result_free(rt);
	if (bad)
		fail_msg("%s: %zu of %zu rows differ", table, bad, n);
	return n;
}

static void compare_all(const char *const *tables)
{
	for (size_t i = 0; tables[i]; i++)
		printf("  %s: %zu rows equal\n", tables[i],
		       compare_table(tables[i]));
}

/* Applies the file as one batch, compares; then again one transaction at
 * a time with a 1500-byte budget (a replay: everything is already there),
 * compares. */
static void apply_twice(const char *path, const char *const *tables)
{
	struct app a;

	memset(&a, 0, sizeof(a));
	apply_ok(path, &a);
	printf("one batch: %llu rows, %llu transactions, %llu statements\n",
	       (unsigned long long)a.rows, (unsigned long long)a.txns,
	       (unsigned long long)a.statements);
	assert_true(a.rows > 0);
	compare_all(tables);
	app_free(&a);
	memset(&a, 0, sizeof(a));
	a.per_txn = true;
	a.budget = 1500;
	apply_ok(path, &a);
	printf("replayed per transaction: %llu statements in %llu commits\n",
	       (unsigned long long)a.statements, (unsigned long long)a.flushes);
	compare_all(tables);
	app_free(&a);
}

/* ---- the tables --------------------------------------------------------- */

#define EMOJI "\xf0\x9f\x98\x80" /* U+1F600, 4 bytes of UTF-8 */
#define ALL_BYTES                                                              \
	"X'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"   \
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"     \
	"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"     \
	"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"     \
	"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"     \
	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"     \
	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"     \
	"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'"

/* Every MariaDB 10.11 column type (the list of test_binlog_live.c), plus
 * multibyte charsets whose characters hold 0x5c. SET s64 is added. */
static const char *const types_cols =
    "id INT NOT NULL PRIMARY KEY, ti TINYINT, tiu TINYINT UNSIGNED,"
    " si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT,"
    " miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT,"
    " biu BIGINT UNSIGNED, d65 DECIMAL(65,30), d10 DECIMAL(10,2),"
    " d20 DECIMAL(20,20), f FLOAT, fm FLOAT(7,3), dbl DOUBLE, b1 BIT(1),"
    " b10 BIT(10), b64 BIT(64), y YEAR, dt DATE, t0 TIME, t6 TIME(6),"
    " dt0 DATETIME, dt3 DATETIME(3), dt6 DATETIME(6), ts0 TIMESTAMP NULL,"
    " ts6 TIMESTAMP(6) NULL, c10 CHAR(10),"
    " c255 CHAR(255) CHARACTER SET utf8mb4, vc10 VARCHAR(10),"
    " vc3000 VARCHAR(3000) CHARACTER SET utf8mb4, bin16 BINARY(16),"
    " vb VARBINARY(300), tb TINYBLOB, bl BLOB, mb MEDIUMBLOB, lb LONGBLOB,"
    " tt TINYTEXT, tx TEXT, mt MEDIUMTEXT, lt LONGTEXT,"
    " e ENUM('a','b','c'), s SET('x','y','z'), j JSON, g GEOMETRY,"
    " p POINT REF_SYSTEM_ID=4326, ls LINESTRING, pg POLYGON,"
    " gc GEOMETRYCOLLECTION, u UUID, i6 INET6, i4 INET4,"
    " vgen INT AS (i DIV 2) VIRTUAL,"
    " sgen VARCHAR(64) AS (CONCAT_WS('/', vc10, i)) STORED,"
    " l1 VARCHAR(20) CHARACTER SET latin1,"
    " l1c CHAR(5) CHARACTER SET latin1,"
    " gb VARCHAR(20) CHARACTER SET gbk, sj VARCHAR(20) CHARACTER SET sjis,"
    " u16 VARCHAR(10) CHARACTER SET utf16, uc2 CHAR(4) CHARACTER SET ucs2";

static const char *const types_rows[] = {
    /* Minimums. */
    "id=1, ti=-128, tiu=0, si=-32768, siu=0, mi=-8388608, miu=0,"
    " i=-2147483648, iu=0, bi=-9223372036854775808, biu=0,"
    " d65='-99999999999999999999999999999999999."
    "999999999999999999999999999999',"
    " d10=-99999999.99, d20='-0.99999999999999999999', f=-3.40282e38,"
    " fm=-9999.999, dbl=-1.7976931348623157e308, b1=b'0', b10=b'0', b64=0,"
    " y=1901, dt='1000-01-01', t0='-838:59:59', t6='-838:59:59.999999',"
    " dt0='1000-01-01 00:00:00', dt3='1000-01-01 00:00:00.000',"
    " dt6='1000-01-01 00:00:00.000000', ts0='1970-01-01 00:00:01',"
    " ts6='1970-01-01 00:00:01.000000', c10='', c255='', vc10='',"
    " vc3000='', bin16=X'00', vb=X'', tb='', bl='', mb='', lb='', tt='',"
    " tx='', mt='', lt='', e='a', s='', s64='', j='{}',"
    " g=ST_GeomFromText('POINT(0 0)'),"
    " p=ST_GeomFromText('POINT(-180 -90)', 4326),"
    " ls=ST_GeomFromText('LINESTRING(0 0,0 0)'),"
    " pg=ST_GeomFromText('POLYGON((0 0,1 0,0 1,0 0))'),"
    " gc=ST_GeomFromText('GEOMETRYCOLLECTION EMPTY'),"
    " u='00000000-0000-0000-0000-000000000000', i6='::', i4='0.0.0.0',"
    " l1='', l1c='', gb='', sj='', u16='', uc2=''",
    /* Maximums, 4-byte UTF-8, every byte value, long strings, 0x5c and
     * 0x27 inside multibyte characters. */
    "id=2, ti=127, tiu=255, si=32767, siu=65535, mi=8388607, miu=16777215,"
    " i=2147483647, iu=4294967295, bi=9223372036854775807,"
    " biu=18446744073709551615,"
    " d65='99999999999999999999999999999999999."
    "999999999999999999999999999999',"
    " d10=99999999.99, d20='0.99999999999999999999',"
    " f=3.4028234663852886e38, fm=9999.999, dbl=1.7976931348623157e308,"
    " b1=b'1', b10=b'1111111111', b64=0xffffffffffffffff, y=2155,"
    " dt='9999-12-31', t0='838:59:59', t6='838:59:59.999999',"
    " dt0='9999-12-31 23:59:59', dt3='9999-12-31 23:59:59.999',"
    " dt6='9999-12-31 23:59:59.999999', ts0='2038-01-19 03:14:07',"
    " ts6='2038-01-19 03:14:07.999999', c10='abcdefghij',"
    " c255=REPEAT('" EMOJI "', 255), vc10=REPEAT('" EMOJI "', 10),"
    " vc3000=REPEAT('" EMOJI "', 3000),"
    " bin16=X'ffffffffffffffffffffffffffffffff', vb=" ALL_BYTES ","
    " tb=REPEAT(X'ff', 255), bl=REPEAT('b', 65535),"
    " mb=REPEAT(X'00ff5c27', 50000), lb='lb', tt=REPEAT('t', 255),"
    " tx=REPEAT('\xc3\xa9', 30000), mt='mt" EMOJI "', lt='l''t\\\\',"
    " e='c', s='x,y,z', s64=18446744073709551615,"
    " j='{\"a\": [1, 2.5, \"\xc3\xa9" EMOJI "\", null, true],"
    " \"b\": {\"c\": \"it''s \\\\\\\\ \"}}',"
    " g=ST_GeomFromText('POLYGON((0 0,4 0,4 4,0 4,0 0),"
    "(1 1,2 1,2 2,1 1))', 3857),"
    " p=ST_GeomFromText('POINT(180 90)', 4326),"
    " ls=ST_GeomFromText('LINESTRING(0 0,1 1,2 0)'),"
    " pg=ST_GeomFromText('POLYGON((0 0,4 0,4 4,0 0))'),"
    " gc=ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),"
    "LINESTRING(0 0,1 1))'),"
    " u='ffffffff-ffff-ffff-ffff-ffffffffffff',"
    " i6='ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', i4='255.255.255.255',"
    " l1=X'e9ff00c05c27', l1c=X'ff', gb=X'955C27B1ED5C', sj=X'835C955C27',"
    " u16=X'005C0027D83DDE000000', uc2=X'005C00270000'",
    /* Fractional seconds, small decimals. */
    "id=3, ti=1, i=7, d65='0.000000000000000000000000000001', d10='0.01',"
    " d20='0.00000000000000000001', f=1.5, fm=1.2345, dbl=0.1,"
    " b10=b'1010', b64=1, y=2024, dt='2024-02-29', t0='-12:34:56',"
    " t6='-12:34:56.123456', dt3='2024-02-29 23:59:59.123',"
    " dt6='2024-02-29 23:59:59.123456', ts6='2024-02-29 23:59:59.123456',"
    " c10='\xc3\xa9', vc10='x', e='b', s='y', s64=5, j='[]', l1=X'41',"
    " sgen=DEFAULT",
    /* Zero dates, ENUM '' (index 0), zero values, BINARY trailing
     * zeros. */
    "id=4, ti=0, i=0, d65=0, d10=0, d20=0, f=0, dbl=0, b1=0, b10=0, b64=0,"
    " y=0, dt='0000-00-00', t0='00:00:00', dt0='0000-00-00 00:00:00',"
    " dt6='0000-00-00 00:00:00.000000', ts0='0000-00-00 00:00:00',"
    " ts6='0000-00-00 00:00:00', c10='', e='', s='', j='0',"
    " bin16=X'ff000000000000000000000000000000'",
    /* NULL everywhere it can be. */
    "id=5",
    /* Odd ones: -0.5 s, zero in date, subnormals, trailing spaces. */
    "id=6, i=-5, d65='-0.000000000000000000000000000001', d10='-0.01',"
    " f=1e-38, dbl=4.9e-324, y=1970, dt='2024-00-15',"
    " dt6='2024-00-00 00:00:00.5', ts6='2000-01-01 00:00:00.000001',"
    " t6='-00:00:00.5', c10='a  ', c255='  b  ', vc10='  ',"
    " bin16=X'0000ff00', vb=X'00', l1c=X'e9202020', s64='s0,s63',"
    " u='6ccd780c-baba-1026-9564-5b8c656024db', i6='1::', i4='1.0.0.0'",
    /* A 5 MB LONGBLOB. */
    "id=7, i=70, lb=REPEAT(X'00ff7f80', 1310720), mb=REPEAT('m', 1000000)",
};

static void create_types(void)
{
	struct ms_buf b;

	ms_buf_init(&b, 1 << 20);
	assert_int_equal(
	    ms_buf_addf(&b, "CREATE TABLE " SCHEMA ".types (%s, s64 SET(",
			types_cols),
	    0);
	for (int k = 0; k < 64; k++)
		assert_int_equal(ms_buf_addf(&b, "%s's%d'", k ? "," : "", k),
				 0);
	assert_int_equal(ms_buf_addstr(&b, ")) DEFAULT CHARSET=utf8mb4"), 0);
	both(ms_buf_str(&b));
	ms_buf_free(&b);
}

static const char *const tables_ddl[] = {
    "CREATE TABLE " SCHEMA ".ukey (id INT NOT NULL PRIMARY KEY,"
    " u INT NOT NULL, v VARCHAR(20), UNIQUE KEY (u))",
    "CREATE TABLE " SCHEMA ".skey (k VARCHAR(20) CHARACTER SET utf8mb4"
    " COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, v INT)",
    "CREATE TABLE " SCHEMA ".ckey (a INT NOT NULL,"
    " b VARCHAR(10) CHARACTER SET latin1 NOT NULL, v INT,"
    " PRIMARY KEY (a, b))",
    "CREATE TABLE " SCHEMA ".ickey (a INT NOT NULL,"
    " b BIGINT UNSIGNED NOT NULL, v INT, PRIMARY KEY (a, b))",
    "CREATE TABLE " SCHEMA ".onlyuk (a INT NOT NULL, b VARCHAR(10) NOT NULL,"
    " v TEXT, n INT NULL, UNIQUE KEY un (n), UNIQUE KEY ab (b, a))",
    "CREATE TABLE " SCHEMA ".gen (id INT NOT NULL PRIMARY KEY, a INT,"
    " g INT AS (a * 2) VIRTUAL, s VARCHAR(20) AS (CONCAT('x', a)) STORED,"
    " z INT, KEY (g))",
    "CREATE TABLE " SCHEMA ".unsig (id BIGINT UNSIGNED NOT NULL PRIMARY KEY,"
    " tu TINYINT UNSIGNED, su SMALLINT UNSIGNED, mu MEDIUMINT UNSIGNED,"
    " iu INT UNSIGNED, bu BIGINT UNSIGNED, ts TINYINT)",
    /* Fixed-size binary keys: the binlog drops their trailing 0x00. */
    "CREATE TABLE " SCHEMA ".bkey (id BINARY(16) NOT NULL PRIMARY KEY,"
    " v INT)",
    "CREATE TABLE " SCHEMA ".uukey (u UUID NOT NULL PRIMARY KEY, v INT)",
    "CREATE TABLE " SCHEMA ".i6key (i INET6 NOT NULL PRIMARY KEY, v INT)",
    "CREATE TABLE " SCHEMA ".bench (id INT NOT NULL PRIMARY KEY,"
    " k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '',"
    " pad CHAR(60) NOT NULL DEFAULT '', KEY k_1 (k))",
};

/* Old (pre-5.6) TIME/DATETIME/TIMESTAMP on the source, current ones on
 * the target: the values travel as text. */
static void create_old(void)
{
	struct ms_err err;
	const char *ddl = "CREATE TABLE " SCHEMA ".old (id INT NOT NULL "
			  "PRIMARY KEY, ot TIME, odt DATETIME, "
			  "ots TIMESTAMP NULL)";
	int rc;

	exec(src, "SET GLOBAL mysql56_temporal_format = OFF");
	rc = ms_db_exec(src, ddl, &err);
	exec(src, "SET GLOBAL mysql56_temporal_format = ON");
	if (rc)
		fail_msg("%s", err.msg);
	exec(tga, ddl);
}

static int setup(void **state)
{
	struct ms_err err;

	(void)state;
	src = it_connect("MYSHIFT_SOURCE_ADMIN", NULL, "source");
	tga = it_connect("MYSHIFT_TARGET_ADMIN", NULL, "target");
	tgt = it_connect("MYSHIFT_TARGET", "MYSHIFT_TARGET_PASSWORD", "target");
	if (ms_ap_session_setup(tgt, &err)) {
		fprintf(stderr, "session setup: %s\n", err.msg);
		return -1;
	}
	exec(src, "SET SESSION sql_mode = ''");
	exec(src, "SET GLOBAL binlog_row_metadata = FULL");
	both("DROP DATABASE IF EXISTS " SCHEMA);
	both("CREATE DATABASE " SCHEMA);
	create_types();
	create_old();
	for (size_t i = 0; i < sizeof(tables_ddl) / sizeof(tables_ddl[0]); i++)
		both(tables_ddl[i]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* Put back what a failed test may have left. */
	exec(src, "SET GLOBAL binlog_row_metadata = FULL");
	exec(src, "SET GLOBAL mysql56_temporal_format = ON");
	both("DROP DATABASE IF EXISTS " SCHEMA);
	ms_db_close(src);
	ms_db_close(tga);
	ms_db_close(tgt);
	return 0;
}

/* ---- the tests ---------------------------------------------------------- */

static void types_all(void **state)
{
	static const char *const tables[] = {"types", "old", NULL};
	char *path;

	(void)state;
	path = capture_begin();
	for (size_t i = 0; i < sizeof(types_rows) / sizeof(types_rows[0]); i++)
		execf(src, "INSERT INTO " SCHEMA ".types SET %s",
		      types_rows[i]);
	/* Days a month does not have, accepted by ALLOW_INVALID_DATES. */
	exec(src, "SET SESSION sql_mode = 'ALLOW_INVALID_DATES'");
	exec(src, "INSERT INTO " SCHEMA ".types SET id=8, dt='2024-02-30',"
		  " dt0='2023-04-31 10:00:00'");
	exec(src, "SET SESSION sql_mode = ''");
	exec(src, "INSERT INTO " SCHEMA ".types (id, i, c10, dt6, e, s, f)"
		  " VALUES (9, 90, 'nine', NULL, 'b', NULL, -1.25),"
		  " (10, 100, NULL, '1999-12-31 23:59:59.999999', NULL, 'y',"
		  " 3.25), (11, 110, '', '0000-00-00 00:00:00', '', '', 0)");
	exec(src, "UPDATE " SCHEMA ".types SET ti=ti+1, d65='1.5',"
		  " c10='upd''\\\\', dt6='2001-01-01 01:01:01.000001', e='b',"
		  " lb=NULL WHERE id=1");
	exec(src, "UPDATE " SCHEMA ".types SET i=i+3, t6='-01:02:03.4'"
		  " WHERE id IN (3,4,6) ORDER BY id");
	exec(src, "UPDATE " SCHEMA ".types SET c255=NULL, vc3000=NULL,"
		  " ts6=NULL, g=NULL WHERE id=2");
	exec(src, "UPDATE " SCHEMA ".types SET i=i+1 WHERE id=7");
	exec(src, "UPDATE " SCHEMA ".types SET id=id+100 WHERE id=6");
	exec(src, "DELETE FROM " SCHEMA ".types WHERE id IN (3, 10)");
	exec(src, "BEGIN");
	exec(src, "INSERT INTO " SCHEMA ".types SET id=12, i=12, vc10='trx',"
		  " ts6='2020-01-01 00:00:00.5'");
	exec(src, "UPDATE " SCHEMA ".types SET vc10='trx2', ts6=NULL"
		  " WHERE id=12");
	exec(src, "DELETE FROM " SCHEMA ".types WHERE id=12");
	exec(src, "COMMIT");
	exec(src, "INSERT INTO " SCHEMA ".old VALUES"
		  " (1, '-838:59:59', '1000-01-01 00:00:00',"
		  " '1970-01-01 00:00:01'),"
		  " (2, '838:59:59', '9999-12-31 23:59:59',"
		  " '2038-01-19 03:14:07'),"
		  " (3, '00:00:00', '0000-00-00 00:00:00',"
		  " '0000-00-00 00:00:00'), (4, NULL, NULL, NULL)");
	exec(src, "UPDATE " SCHEMA ".old SET ot='-12:34:56' WHERE id=4");
	capture_end(path);
	apply_twice(path, tables);
	free(path);
}

static void key_changes(void **state)
{
	static const char *const tables[] = {"ukey", "skey",  "ckey",  "ickey",
					     "bkey", "uukey", "i6key", NULL};
	char *path;

	(void)state;
	both("INSERT INTO " SCHEMA ".ukey VALUES (1,10,'a'),(2,20,'b'),"
	     "(3,30,'c'),(4,40,'d'),(5,50,'e')");
	both("INSERT INTO " SCHEMA ".skey VALUES ('a',1),('b',2),('c',3),"
	     "('d',4)");
	both("INSERT INTO " SCHEMA ".ckey VALUES (1,'x',1),(1,'y',2),"
	     "(2,'x',3)");
	both("INSERT INTO " SCHEMA ".ickey VALUES (1,1,1),(1,2,2),(2,1,3)");
	both("INSERT INTO " SCHEMA ".bkey VALUES (X'01', 1), (X'0001', 2),"
	     " (X'01000000000000000000000000000001', 3), (X'', 4)");
	both("INSERT INTO " SCHEMA ".uukey VALUES"
	     " ('10000000-0000-0000-0000-000000000000', 1),"
	     " ('00000000-0000-0000-0000-000000000000', 2),"
	     " ('6ccd780c-baba-1026-9564-5b8c656024db', 3)");
	both("INSERT INTO " SCHEMA ".i6key VALUES ('1::', 1), ('::', 2),"
	     " ('::1', 3)");
	path = capture_begin();
	/* Keys ending in 0x00 bytes: found by DELETE and UPDATE. */
	exec(src, "UPDATE " SCHEMA ".bkey SET v = v + 10");
	exec(src, "DELETE FROM " SCHEMA ".bkey WHERE id = "
		  "X'01000000000000000000000000000000'");
	exec(src, "UPDATE " SCHEMA ".bkey SET id = X'02' WHERE id = "
		  "X'00000000000000000000000000000000'");
	assert_int_equal(ms_db_affected_rows(src), 1);
	exec(src, "UPDATE " SCHEMA ".uukey SET v = v + 10");
	exec(src, "DELETE FROM " SCHEMA ".uukey WHERE v = 11");
	exec(src, "UPDATE " SCHEMA ".uukey SET u = "
		  "'20000000-0000-0000-0000-000000000000' WHERE v = 12");
	exec(src, "UPDATE " SCHEMA ".i6key SET v = v + 10");
	exec(src, "DELETE FROM " SCHEMA ".i6key WHERE i = '1::'");
	exec(src, "UPDATE " SCHEMA ".i6key SET i = '2::' WHERE i = '::'");
	/* id = id + 1 over every row, highest first. */
	exec(src, "UPDATE " SCHEMA ".ukey SET id = id + 1 ORDER BY id DESC");
	/* Two rows swap their unique secondary key. */
	exec(src, "BEGIN");
	exec(src, "UPDATE " SCHEMA ".ukey SET u = -1 WHERE id = 2");
	exec(src, "UPDATE " SCHEMA ".ukey SET u = 10 WHERE id = 3");
	exec(src, "UPDATE " SCHEMA ".ukey SET u = 20 WHERE id = 2");
	exec(src, "COMMIT");
	exec(src, "UPDATE " SCHEMA ".ukey SET id = id - 1 ORDER BY id");
	exec(src, "UPDATE " SCHEMA ".ukey SET u = u + 100");
	exec(src, "BEGIN");
	exec(src, "DELETE FROM " SCHEMA ".ukey WHERE id = 5");
	exec(src, "UPDATE " SCHEMA ".ukey SET id = 5 WHERE id = 4");
	exec(src, "COMMIT");
	/* String keys: case-only and trailing-space changes (equal under
	 * the collation, different bytes), a key freed then reused. */
	exec(src, "UPDATE " SCHEMA ".skey SET k = UPPER(k) WHERE k IN "
		  "('a','b')");
	exec(src, "UPDATE " SCHEMA ".skey SET k = CONCAT(k, 'x') WHERE k='c'");
	exec(src, "UPDATE " SCHEMA ".skey SET k = 'd  ' WHERE k = 'd'");
	exec(src, "BEGIN");
	exec(src, "DELETE FROM " SCHEMA ".skey WHERE k = 'A'");
	exec(src, "INSERT INTO " SCHEMA ".skey VALUES ('a', 10)");
	exec(src, "UPDATE " SCHEMA ".skey SET k = '\xc3\xa9' WHERE k = 'B'");
	exec(src, "COMMIT");
	/* Composite keys, one part changing. */
	exec(src, "UPDATE " SCHEMA ".ckey SET a = a + 10");
	exec(src, "UPDATE " SCHEMA ".ckey SET b = CONCAT(b, '\\\\''') "
		  "WHERE a = 11");
	exec(src, "DELETE FROM " SCHEMA ".ckey WHERE a = 12");
	exec(src, "INSERT INTO " SCHEMA ".ckey VALUES (1, 'x', 9)");
	exec(src, "UPDATE " SCHEMA ".ickey SET b = b + 1 ORDER BY b DESC");
	exec(src, "DELETE FROM " SCHEMA ".ickey WHERE a = 2");
	exec(src, "INSERT INTO " SCHEMA ".ickey VALUES (2, 1, 5)");
	exec(src, "UPDATE " SCHEMA ".ickey SET v = v + 1");
	capture_end(path);
	apply_twice(path, tables);
	free(path);
}

/* The same row inserted, deleted and inserted again in one transaction;
 * a row inserted and gone within it; rows replaced with other values. */
static void churn(void **state)
{
	static const char *const tables[] = {"ukey", "skey", NULL};
	char *path;

	(void)state;
	exec(src, "DELETE FROM " SCHEMA ".ukey WHERE id >= 100");
	exec(tga, "DELETE FROM " SCHEMA ".ukey WHERE id >= 100");
	path = capture_begin();
	exec(src, "BEGIN");
	exec(src, "INSERT INTO " SCHEMA ".ukey VALUES (100, 1000, 'x')");
	exec(src, "DELETE FROM " SCHEMA ".ukey WHERE id = 100");
	exec(src, "INSERT INTO " SCHEMA ".ukey VALUES (100, 1001, 'y')");
	exec(src, "UPDATE " SCHEMA ".ukey SET v = 'z' WHERE id = 100");
	exec(src, "INSERT INTO " SCHEMA ".ukey VALUES (101, 1010, 'gone')");
	exec(src, "UPDATE " SCHEMA ".ukey SET id = 102 WHERE id = 101");
	exec(src, "DELETE FROM " SCHEMA ".ukey WHERE id = 102");
	exec(src, "DELETE FROM " SCHEMA ".ukey WHERE id = 1");
	exec(src, "INSERT INTO " SCHEMA ".ukey VALUES (1, 1, 'again')");
	exec(src, "INSERT INTO " SCHEMA ".skey VALUES ('zz', 1)");
	exec(src, "DELETE FROM " SCHEMA ".skey WHERE k = 'zz'");
	exec(src, "INSERT INTO " SCHEMA ".skey VALUES ('ZZ', 2)");
	exec(src, "COMMIT");
	exec(src, "BEGIN");
	exec(src, "UPDATE " SCHEMA ".ukey SET u = u + 5000 WHERE id = 100");
	exec(src, "INSERT INTO " SCHEMA ".ukey VALUES (103, 1001, 'took u')");
	exec(src, "DELETE FROM " SCHEMA ".skey WHERE k = 'ZZ'");
	exec(src, "INSERT INTO " SCHEMA ".skey VALUES ('zZ', 3)");
	exec(src, "COMMIT");
	capture_end(path);
	apply_twice(path, tables);
	free(path);
}

/* Charsets whose multibyte characters end in 0x5c, latin1 bytes that are
 * not UTF-8, quotes and NULs, in keys too. */
static void charsets(void **state)
{
	static const char *const tables[] = {"types", "ckey", NULL};
	char *path;

	(void)state;
	path = capture_begin();
	exec(src, "INSERT INTO " SCHEMA ".types (id, l1, l1c, gb, sj, u16, uc2,"
		  " vc10, bin16, vb, tx) VALUES"
		  " (20, X'5C', X'27', X'955C', X'835C', X'005C', X'0027',"
		  " 'a\\\\b', X'5C', X'00', 'it''s'),"
		  " (21, X'27005C', X'5C5C', X'955C27', X'835C5C', X'0027005C',"
		  " X'005C', '''', X'5C270000', X'5C', X'5C00'),"
		  " (22, X'C3', X'C35C', X'B1ED955C', X'955C835C',"
		  " X'D83DDE00', X'00410042', '" EMOJI "\\0', X'27', X'27',"
		  " X'C327')");
	exec(src, "UPDATE " SCHEMA ".types SET gb = CONCAT(gb, X'955C'),"
		  " sj = CONCAT(sj, X'835C'), l1 = CONCAT(l1, X'5C')"
		  " WHERE id BETWEEN 20 AND 22");
	exec(src, "INSERT INTO " SCHEMA ".ckey VALUES (50, X'5C', 1),"
		  " (50, X'27', 2), (50, X'E95C27', 3)");
	exec(src, "UPDATE " SCHEMA ".ckey SET b = CONCAT(b, X'5C')"
		  " WHERE a = 50 AND b = X'27'");
	exec(src, "DELETE FROM " SCHEMA ".ckey WHERE a = 50 AND b = X'5C'");
	capture_end(path);
	apply_twice(path, tables);
	free(path);
}

/* binlog_row_metadata=NO_LOG: the binlog does not say which integers are
 * unsigned; values past the signed range arrive negative and the applier
 * reads them back at the target column's width, keys included. */
static void no_signedness(void **state)
{
	static const char *const tables[] = {"unsig", NULL};
	struct ms_db *s2;
	struct app a;
	char *path;

	(void)state;
	exec(src, "SET GLOBAL binlog_row_metadata = NO_LOG");
	s2 = it_connect("MYSHIFT_SOURCE_ADMIN", NULL, "source");
	path = capture_begin();
	exec(s2, "INSERT INTO " SCHEMA ".unsig VALUES"
		 " (1, 255, 65535, 16777215, 4294967295, 18446744073709551615,"
		 " -1),"
		 " (2, 128, 32768, 8388608, 2147483648, 9223372036854775808,"
		 " -128),"
		 " (3, 0, 0, 0, 0, 0, 0), (18446744073709551615, 1, 1, 1, 1, 1,"
		 " 127), (9223372036854775808, 2, 2, 2, 2, 2, 2)");
	exec(s2, "UPDATE " SCHEMA ".unsig SET tu = 200"
		 " WHERE id = 18446744073709551615");
	exec(s2, "UPDATE " SCHEMA ".unsig SET id = 18446744073709551614"
		 " WHERE id = 9223372036854775808");
	exec(s2, "DELETE FROM " SCHEMA ".unsig WHERE id = 2");
	capture_end(path);
	ms_db_close(s2);
	exec(src, "SET GLOBAL binlog_row_metadata = FULL");
	memset(&a, 0, sizeof(a));
	apply_ok(path, &a);
	assert_true(a.saw_unsigned_unknown);
	compare_all(tables);
	app_free(&a);
	apply_twice(path, tables);
	free(path);
}

static void unique_only_and_generated(void **state)
{
	static const char *const tables[] = {"onlyuk", "gen", NULL};
	struct app a;
	char *path;

	(void)state;
	both("INSERT INTO " SCHEMA ".onlyuk VALUES (1, 'x', 'one', NULL),"
	     " (2, 'x', 'two', NULL), (1, 'y', 'three', 7)");
	both("INSERT INTO " SCHEMA
	     ".gen (id, a, z) VALUES (1, 1, 1), (2, 2, 2)");
	path = capture_begin();
	exec(src, "INSERT INTO " SCHEMA ".onlyuk VALUES (3, 'z', 'four', 8)");
	exec(src, "UPDATE " SCHEMA ".onlyuk SET v = 'ONE' WHERE a = 1 AND "
		  "b = 'x'");
	exec(src, "UPDATE " SCHEMA ".onlyuk SET b = 'w' WHERE a = 2");
	exec(src, "UPDATE " SCHEMA ".onlyuk SET n = NULL WHERE n = 7");
	exec(src, "DELETE FROM " SCHEMA ".onlyuk WHERE a = 3");
	exec(src, "INSERT INTO " SCHEMA ".gen (id, a, z) VALUES (3, 30, 3)");
	exec(src, "UPDATE " SCHEMA ".gen SET a = a + 100, z = -z");
	exec(src, "UPDATE " SCHEMA ".gen SET id = 10 WHERE id = 1");
	exec(src, "DELETE FROM " SCHEMA ".gen WHERE id = 2");
	capture_end(path);
	apply_twice(path, tables);
	/* The key the applier chose: (b, a), not the nullable n. */
	memset(&a, 0, sizeof(a));
	{
		const struct ms_ap_table *t;
		struct ms_err err;

		if (app_table(&a, "onlyuk", &t, &err))
			fail_msg("%s", err.msg);
		assert_int_equal(t->ncols, 4);
		assert_string_equal(
		    ((const struct ap_meta *)t->priv)->delete_head,
		    "DELETE FROM `" SCHEMA "`.`onlyuk` WHERE (`b`,`a`) IN (");
		if (app_table(&a, "gen", &t, &err))
			fail_msg("%s", err.msg);
		assert_int_equal(t->ncols, 5);
		assert_string_equal(
		    ((const struct ap_meta *)t->priv)->replace_head,
		    "REPLACE INTO `" SCHEMA "`.`gen` (`id`,`a`,`z`) VALUES ");
	}
	app_free(&a);
	free(path);
}

static void refusals(void **state)
{
	struct ms_ap_table *t = NULL;
	struct app a;
	struct ms_err err;
	char *path;
	int rc;

	(void)state;
	assert_int_equal(ms_ap_table_load(tgt, SCHEMA, "nosuch", &t, &err),
			 MS_ENOTFOUND);
	assert_null(t);
	assert_non_null(strstr(err.msg, "nosuch"));
	both("CREATE TABLE " SCHEMA ".nokey (a INT, b INT, UNIQUE KEY (a))");
	assert_int_equal(ms_ap_table_load(tgt, SCHEMA, "nokey", &t, &err),
			 MS_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "`" SCHEMA "`.`nokey`"));
	assert_non_null(strstr(err.msg, "primary key or a unique NOT NULL"));
	/* The target's column is narrower: the server would cut the value
	 * with a warning; the applier refuses instead, naming no data. */
	exec(src, "CREATE TABLE " SCHEMA ".narrow (id INT PRIMARY KEY,"
		  " v VARCHAR(10))");
	exec(tga, "CREATE TABLE " SCHEMA ".narrow (id INT PRIMARY KEY,"
		  " v VARCHAR(2))");
	/* One column more on the target: diverged. */
	exec(src, "CREATE TABLE " SCHEMA ".wide (id INT PRIMARY KEY)");
	exec(tga, "CREATE TABLE " SCHEMA ".wide (id INT PRIMARY KEY, x INT)");
	both("CREATE TABLE " SCHEMA ".gone (id INT PRIMARY KEY, v INT)");
	path = capture_begin();
	exec(src, "INSERT INTO " SCHEMA ".narrow VALUES (1, 'secretdata')");
	capture_end(path);
	memset(&a, 0, sizeof(a));
	rc = apply_file(path, &a, &err);
	printf("narrow: %s\n", err.msg);
	assert_int_equal(rc, MS_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "REPLACE `" SCHEMA "`.`narrow`"));
	assert_null(strstr(err.msg, "secretdata"));
	{
		char *n = value(tga, "SELECT COUNT(*) FROM " SCHEMA ".narrow");

		assert_string_equal(n, "0");
		free(n);
	}
	app_free(&a);
	free(path);

	path = capture_begin();
	exec(src, "INSERT INTO " SCHEMA ".wide VALUES (1)");
	capture_end(path);
	memset(&a, 0, sizeof(a));
	rc = apply_file(path, &a, &err);
	printf("wide: %s\n", err.msg);
	assert_int_equal(rc, MS_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "schemas diverged"));
	app_free(&a);
	free(path);

	/* The table disappears between reading its metadata and the
	 * flush: the server's error, with the statement kind and table. */
	path = capture_begin();
	exec(src, "INSERT INTO " SCHEMA ".gone VALUES (1, 1)");
	capture_end(path);
	memset(&a, 0, sizeof(a));
	{
		const struct ms_ap_table *g;

		if (app_table(&a, "gone", &g, &err))
			fail_msg("%s", err.msg);
	}
	exec(tga, "DROP TABLE " SCHEMA ".gone");
	rc = apply_file(path, &a, &err);
	printf("gone: %s\n", err.msg);
	assert_int_equal(rc, MS_ESQL);
	assert_int_equal(err.sql_errno, 1146);
	assert_non_null(
	    strstr(err.msg, "REPLACE `" SCHEMA "`.`gone` (1 rows)"));
	app_free(&a);
	free(path);
}

/* A statement the server cannot parse (here: a charset it does not know,
 * from a hand-made table description) fails with the server's message,
 * without the statement text the server quotes: it holds row data. */
static void syntax_error_withheld(void **state)
{
	static const struct ap_coldef cols[] = {
	    {"id", "int", "int(11)", NULL, false},
	    {"v", "varchar", "varchar(20)", "nosuchcs", false},
	};
	static const char *const key[] = {"id"};
	struct ms_bl_column bc[2] = {{.is_unsigned = -1}, {.is_unsigned = -1}};
	struct ms_bl_table_map tm = {
	    .schema = SCHEMA, .table = "syn", .ncols = 2, .cols = bc};
	struct ms_bl_value after[2] = {{.kind = MS_BL_V_INT},
				       {.kind = MS_BL_V_STRING,
					.p = (const uint8_t *)"secretdata",
					.len = 10}};
	struct ms_bl_row row = {.after = after};
	struct ms_bl_rows rows = {.op = MS_BL_ROWS_WRITE,
				  .tm = &tm,
				  .ncols = 2,
				  .nrows = 1,
				  .rows = &row};
	struct ms_ap_batch *b = ms_ap_batch_new();
	struct ms_ap_table *t;
	struct ms_err err;

	(void)state;
	exec(tga, "CREATE TABLE " SCHEMA ".syn (id INT PRIMARY KEY, "
		  "v VARCHAR(20))");
	assert_non_null(b);
	if (ap_table_build(SCHEMA, "syn", cols, 2, key, 1, &t, &err) ||
	    ms_ap_batch_add(b, tgt, t, &rows, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(ms_ap_batch_flush(b, tgt, 0, NULL, &err), MS_ESQL);
	printf("syntax: %s\n", err.msg);
	assert_int_equal(err.sql_errno, 1064);
	assert_non_null(strstr(err.msg, "REPLACE `" SCHEMA "`.`syn` (1 rows)"));
	assert_non_null(strstr(err.msg, "withheld"));
	assert_null(strstr(err.msg, "secretdata"));
	assert_int_equal(ms_ap_batch_changes(b), 0);
	exec(tgt, "ROLLBACK");
	ms_ap_batch_free(b);
	ms_ap_table_free(t);
}

/* A sysbench-shaped table: 50,000 inserted rows in one transaction, then
 * 2,000 oltp_write_only-like transactions (two updates, a delete and an
 * insert each), each applied as one batch. Rates are printed. */
static void throughput(void **state)
{
	static const char *const tables[] = {"bench", NULL};
	uint64_t x = 12345;
	struct app a;
	char *path;
	double t0;

	(void)state;
	path = capture_begin();
	t0 = now_s();
	exec(src, "INSERT INTO " SCHEMA ".bench SELECT seq, seq % 10007,"
		  " CONCAT(REPEAT(CHAR(48 + seq % 10), 60), '-',"
		  " REPEAT('5', 58)), REPEAT('p', 59) FROM " SCHEMA
		  ".seq_1_to_50000");
	printf("source: 50000-row INSERT ... SELECT in %.2f s\n", now_s() - t0);
	capture_end(path);
	memset(&a, 0, sizeof(a));
	apply_ok(path, &a);
	printf("PERF insert batch: %llu rows; render %.3f s (%.0f rows/s), "
	       "statements+commit %.3f s (%.0f rows/s), %llu statements\n",
	       (unsigned long long)a.rows, a.add_s, a.rows / a.add_s, a.flush_s,
	       a.rows / a.flush_s, (unsigned long long)a.statements);
	app_free(&a);
	free(path);

	path = capture_begin();
	for (int i = 0; i < 2000; i++) {
		unsigned int id[3];

		for (int k = 0; k < 3; k++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			id[k] = (unsigned int)(x >> 33) % 50000 + 1;
		}
		exec(src, "BEGIN");
		execf(src,
		      "UPDATE " SCHEMA ".bench SET k = k + 1 WHERE id = %u",
		      id[0]);
		execf(src,
		      "UPDATE " SCHEMA ".bench SET c = REPEAT('%u', 20) "
		      "WHERE id = %u",
		      id[1] % 10, id[1]);
		execf(src, "DELETE FROM " SCHEMA ".bench WHERE id = %u", id[2]);
		execf(src,
		      "INSERT INTO " SCHEMA ".bench VALUES (%u, %u, "
		      "REPEAT('c', 119), REPEAT('q', 59))",
		      id[2], id[2] % 97);
		exec(src, "COMMIT");
	}
	capture_end(path);
	memset(&a, 0, sizeof(a));
	apply_ok(path, &a);
	printf("PERF oltp batch: %llu transactions, %llu row changes; render "
	       "%.3f s (%.0f changes/s), statements+commit %.3f s (%.0f "
	       "changes/s), %llu statements\n",
	       (unsigned long long)a.txns, (unsigned long long)a.rows, a.add_s,
	       a.rows / a.add_s, a.flush_s, a.rows / a.flush_s,
	       (unsigned long long)a.statements);
	app_free(&a);
	compare_all(tables);
	memset(&a, 0, sizeof(a));
	a.per_txn = true;
	apply_ok(path, &a);
	printf("PERF oltp per transaction: %llu commits, %.3f s (%.0f "
	       "changes/s)\n",
	       (unsigned long long)a.flushes, a.add_s + a.flush_s,
	       a.rows / (a.add_s + a.flush_s));
	app_free(&a);
	compare_all(tables);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(types_all),
	    cmocka_unit_test(key_changes),
	    cmocka_unit_test(churn),
	    cmocka_unit_test(charsets),
	    cmocka_unit_test(no_signedness),
	    cmocka_unit_test(unique_only_and_generated),
	    cmocka_unit_test(refusals),
	    cmocka_unit_test(syntax_error_withheld),
	    cmocka_unit_test(throughput),
	};

	it_env_or_skip("MYSHIFT_TARGET_ADMIN");
	return cmocka_run_group_tests(tests, setup, teardown);
}

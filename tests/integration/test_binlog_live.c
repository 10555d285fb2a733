/* Live binlogs: the decoder (src/binlog/) against what the sandbox source,
 * MariaDB 10.11, really writes.
 *
 * A table with every MariaDB column type gets rows with edge values (min and
 * max integers, DECIMAL(65,30), fractional seconds 0-6, negative TIME, zero
 * dates, 4-byte UTF-8, every byte 0x00-0xff, a 5 MB blob, an all-NULL row),
 * then updates and deletes. Right after each statement the test SELECTs the
 * rows it touched (before the statement too for updates and deletes); then it
 * decodes the binlog range and checks, for every row image, that each decoded
 * value renders to the bytes SELECT returned. The same workload runs again
 * with the source restarted with --log-bin-compress, so QUERY_COMPRESSED and
 * *_ROWS_COMPRESSED events go through the same checks.
 *
 * The session uses SET NAMES binary (SELECT returns the stored bytes of every
 * string), sql_mode '' (zero dates are accepted) and time_zone +00:00
 * (TIMESTAMP text is UTC, as the decoder renders it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "it.h"
#include "binlog/binlog.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/uri.h"
#include "db/db.h"

#define SCHEMA	     "binlog_live"
#define MAX_IMAGES   64
#define MAX_RESULTS  64
#define ARENA_CAP    ((size_t)256 << 20)
#define MAX_REPORTED 60

/* One column: name, type in CREATE TABLE, the SELECT expression giving the
 * bytes the binlog holds (NULL: the column itself), the value kind the
 * decoder must produce and, when checked, the type the TABLE_MAP gives. */
struct col {
	const char *name;
	const char *ddl;
	const char *sel;
	enum ms_bl_vkind kind;
	uint8_t map_type;
};

#define C(n, t, k)                                                             \
	{                                                                      \
		n, t, NULL, MS_BL_V_##k, 0                                     \
	}
#define CS(n, t, s, k)                                                         \
	{                                                                      \
		n, t, s, MS_BL_V_##k, 0                                        \
	}
#define CT(n, t, k, m)                                                         \
	{                                                                      \
		n, t, NULL, MS_BL_V_##k, MS_BL_T_##m                           \
	}
#define TIMES(p, t, k)                                                         \
	C(p "0", t "(0)", k), C(p "1", t "(1)", k), C(p "2", t "(2)", k),      \
	    C(p "3", t "(3)", k), C(p "4", t "(4)", k), C(p "5", t "(5)", k),  \
	    C(p "6", t "(6)", k)

static const struct col main_cols[] = {
    C("id", "INT NOT NULL PRIMARY KEY", INT),
    C("ti", "TINYINT", INT),
    C("tiu", "TINYINT UNSIGNED", INT),
    C("si", "SMALLINT", INT),
    C("siu", "SMALLINT UNSIGNED", INT),
    C("mi", "MEDIUMINT", INT),
    C("miu", "MEDIUMINT UNSIGNED", INT),
    C("i", "INT", INT),
    C("iu", "INT UNSIGNED", INT),
    C("bi", "BIGINT", INT),
    C("biu", "BIGINT UNSIGNED", INT),
    C("d65", "DECIMAL(65,30)", DECIMAL),
    C("d10", "DECIMAL(10,2)", DECIMAL),
    C("d5", "DECIMAL(5,0)", DECIMAL),
    C("d20", "DECIMAL(20,20)", DECIMAL),
    C("d18", "DECIMAL(18,9)", DECIMAL),
    C("f", "FLOAT", FLOAT),
    C("dbl", "DOUBLE", DOUBLE),
    C("b1", "BIT(1)", BIT),
    C("b10", "BIT(10)", BIT),
    C("b64", "BIT(64)", BIT),
    C("y", "YEAR", YEAR),
    C("dt", "DATE", DATE),
    TIMES("t", "TIME", TIME),
    TIMES("dt", "DATETIME", DATETIME),
    TIMES("ts", "TIMESTAMP", TIMESTAMP),
    C("c10", "CHAR(10)", STRING),
    C("c255", "CHAR(255) CHARACTER SET utf8mb4", STRING),
    C("vc10", "VARCHAR(10)", STRING),
    C("vc3000", "VARCHAR(3000) CHARACTER SET utf8mb4", STRING),
    C("bin16", "BINARY(16)", STRING),
    C("vb", "VARBINARY(300)", STRING),
    C("tb", "TINYBLOB", BLOB),
    C("bl", "BLOB", BLOB),
    C("mb", "MEDIUMBLOB", BLOB),
    C("lb", "LONGBLOB", BLOB),
    C("tt", "TINYTEXT", BLOB),
    C("tx", "TEXT", BLOB),
    C("mt", "MEDIUMTEXT", BLOB),
    C("lt", "LONGTEXT", BLOB),
    C("e", "ENUM('a','b','c')", ENUM),
    C("e300", "@ENUM300", ENUM), /* 2-byte ENUM */
    C("s", "SET('x','y','z')", SET),
    C("s64", "@SET64", SET), /* 8-byte SET */
    C("j", "JSON", BLOB),    /* MariaDB: LONGTEXT + CHECK */
    C("g", "GEOMETRY", GEOMETRY),
    C("p", "POINT REF_SYSTEM_ID=4326", GEOMETRY),
    C("ls", "LINESTRING", GEOMETRY),
    C("pg", "POLYGON", GEOMETRY),
    C("gc", "GEOMETRYCOLLECTION", GEOMETRY),
    /* Stored as BINARY(16) in the row image; SELECT shows text. */
    CS("u", "UUID", "CAST(u AS BINARY(16))", STRING),
    CS("i6", "INET6", "CAST(i6 AS BINARY(16))", STRING),
    C("vgen", "INT AS (i DIV 2) VIRTUAL", INT),
    C("sgen", "VARCHAR(64) AS (CONCAT_WS('/', vc10, i)) STORED", STRING),
    C("l1", "VARCHAR(20) CHARACTER SET latin1", STRING),
    C("l1c", "CHAR(5) CHARACTER SET latin1", STRING),
};

/* The pre-5.6 TIME, DATETIME and TIMESTAMP formats, which servers upgraded
 * from MySQL 5.5 or MariaDB 5.3-10.0 still hold. MariaDB creates them with
 * mysql56_temporal_format=OFF. Only fsp 0: MariaDB's old formats with a
 * fraction ("hires") have no metadata in the TABLE_MAP, so the binlog does not
 * say how long their values are (mariadb-binlog cannot decode them either). */
static const struct col old_cols[] = {
    C("id", "INT NOT NULL PRIMARY KEY", INT),
    CT("ot", "TIME", TIME, TIME),
    CT("odt", "DATETIME", DATETIME, DATETIME),
    CT("ots", "TIMESTAMP NULL", TIMESTAMP, TIMESTAMP),
};

struct table {
	const char *name;
	const struct col *cols;
	size_t ncols;
};

#define NCOLS	 (sizeof(main_cols) / sizeof(main_cols[0]))
#define NOLDCOLS (sizeof(old_cols) / sizeof(old_cols[0]))

static const struct table tables[] = {
    {"t", main_cols, NCOLS},
    {"old", old_cols, NOLDCOLS},
};

#define T_MAIN	(&tables[0])
#define T_OLD	(&tables[1])
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

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
/* One INSERT ... SET: <set> for most columns, and <time>, <datetime>,
 * <timestamp> (when not NULL) for every TIME(n), DATETIME(n), TIMESTAMP(n)
 * column; the server truncates them to each fsp (sql_mode ''), and SELECT
 * says what it stored. Unnamed columns are NULL. */
struct row_spec {
	int id;
	const char *set;
	const char *time, *datetime, *timestamp;
};

static const struct row_spec rows[] = {
    /* Minimums. */
    {1,
     "ti=-128, tiu=0, si=-32768, siu=0, mi=-8388608, miu=0,"
     "i=-2147483648, iu=0, bi=-9223372036854775808, biu=0,"
     "d65='-99999999999999999999999999999999999."
     "999999999999999999999999999999',"
     "d10=-99999999.99, d5=-99999, d20='-0.99999999999999999999',"
     "d18='-999999999.999999999', f=-3.40282e38,"
     "dbl=-1.7976931348623157e308, b1=b'0', b10=b'0', b64=0, y=1901,"
     "dt='1000-01-01', c10='', c255='', vc10='', vc3000='', bin16=X'00',"
     "vb=X'', tb='', bl='', mb='', lb='', tt='', tx='', mt='', lt='',"
     "e='a', e300='e0', s='', s64='', j='{}',"
     "g=ST_GeomFromText('POINT(0 0)'),"
     "p=ST_GeomFromText('POINT(-180 -90)', 4326),"
     "ls=ST_GeomFromText('LINESTRING(0 0,0 0)'),"
     "pg=ST_GeomFromText('POLYGON((0 0,1 0,0 1,0 0))'),"
     "gc=ST_GeomFromText('GEOMETRYCOLLECTION EMPTY'),"
     "u='00000000-0000-0000-0000-000000000000', i6='::', l1='', l1c=''",
     "'-838:59:59.999999'", "'1000-01-01 00:00:00'", "'1970-01-01 00:00:01'"},
    /* Maximums, 4-byte UTF-8, every byte value, long strings. */
    {2,
     "ti=127, tiu=255, si=32767, siu=65535, mi=8388607, miu=16777215,"
     "i=2147483647, iu=4294967295, bi=9223372036854775807,"
     "biu=18446744073709551615,"
     "d65='99999999999999999999999999999999999."
     "999999999999999999999999999999',"
     "d10=99999999.99, d5=99999, d20='0.99999999999999999999',"
     "d18='999999999.999999999', f=3.40282e38,"
     "dbl=1.7976931348623157e308, b1=b'1', b10=b'1111111111',"
     "b64=0xffffffffffffffff, y=2155, dt='9999-12-31', c10='abcdefghij',"
     "c255=REPEAT('" EMOJI "', 255), vc10=REPEAT('" EMOJI "', 10),"
     "vc3000=REPEAT('" EMOJI "', 3000),"
     "bin16=X'ffffffffffffffffffffffffffffffff', vb=" ALL_BYTES ","
     "tb=REPEAT(X'ff', 255), bl=REPEAT('b', 65535),"
     "mb=REPEAT(X'00ff', 100000), lb='lb', tt=REPEAT('t', 255),"
     "tx=REPEAT('\xc3\xa9', 30000), mt='mt" EMOJI "', lt='lt', e='c',"
     "e300='e299', s='x,y,z', s64=18446744073709551615,"
     "j='{\"a\": [1, 2.5, \"\xc3\xa9" EMOJI "\", null, true],"
     " \"b\": {\"c\": false}}',"
     "g=ST_GeomFromText('POLYGON((0 0,4 0,4 4,0 4,0 0),"
     "(1 1,2 1,2 2,1 1))', 3857),"
     "p=ST_GeomFromText('POINT(180 90)', 4326),"
     "ls=ST_GeomFromText('LINESTRING(0 0,1 1,2 0)'),"
     "pg=ST_GeomFromText('POLYGON((0 0,4 0,4 4,0 0))'),"
     "gc=ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1),"
     "LINESTRING(0 0,1 1))'),"
     "u='ffffffff-ffff-ffff-ffff-ffffffffffff',"
     "i6='ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',"
     "l1=X'e9ff00c0', l1c=X'ff'",
     "'838:59:59.999999'", "'9999-12-31 23:59:59.999999'",
     "'2038-01-19 03:14:07.999999'"},
    /* Fractional seconds 0-6, a negative TIME with a fraction, the
     * smallest decimals. */
    {3,
     "ti=1, i=7, d65='0.000000000000000000000000000001', d10='0.01',"
     "d5=0, d20='0.00000000000000000001', d18='-0.000000001', f=1.5,"
     "dbl=0.1, b10=b'1010', b64=1, y=2024, dt='2024-02-29',"
     "c10='\xc3\xa9', vc10='x', e='b', s='y', e300=150, s64=5, j='[]',"
     "l1=X'41', sgen=DEFAULT",
     "'-12:34:56.123456'", "'2024-02-29 23:59:59.123456'",
     "'2024-02-29 23:59:59.123456'"},
    /* Zero dates and zero values (sql_mode ''). */
    {4,
     "ti=0, i=0, d65=0, d10=0, d5=0, d20=0, d18=0, f=0, dbl=0, b1=0,"
     "b10=0, b64=0, y=0, dt='0000-00-00', c10='', e='', s='', j='0'",
     "'00:00:00'", "'0000-00-00 00:00:00'", "'0000-00-00 00:00:00'"},
    /* Every nullable column NULL (the generated ones follow). */
    {5, NULL, NULL, NULL, NULL},
    /* Odd ones: -0.5 s, zero in date, subnormal floats, the smallest
     * negative decimal, pad characters. */
    {6,
     "i=-5, d65='-0.000000000000000000000000000001', d10='-0.01',"
     "f=1e-38, dbl=4.9e-324, y=1970, dt='2024-00-15', c10='a  ',"
     "c255='  b  ', vc10='  ', bin16=X'0000ff00', vb=X'00',"
     "l1c=X'e9202020', e300='e255', s64='s0,s63'",
     "'-00:00:00.500000'", "'2024-00-00 00:00:00.5'",
     "'2000-01-01 00:00:00.000001'"},
    /* A 5 MB LONGBLOB. */
    {7, "i=70, lb=REPEAT(X'00ff7f80', 1310720), mb=REPEAT('m', 1000000)", NULL,
     NULL, NULL},
};

/* A multi-row INSERT: one WRITE_ROWS event with four rows. */
static const char *const insert_multi =
    "INSERT INTO " SCHEMA ".t (id, i, c10, dt6, ts3, e, s, f, dbl) VALUES "
    "(8, 80, 'eight', '2001-02-03 04:05:06.000007', "
    "'2001-02-03 04:05:06.789', 'a', 'x,z', -1.25, 1e100),"
    "(9, 90, 'nine', NULL, NULL, 'b', NULL, NULL, -2.5e-100),"
    "(10, 100, NULL, '1999-12-31 23:59:59.999999', "
    "'1999-12-31 23:59:59.999', NULL, 'y', 3.25, NULL),"
    "(11, 110, '', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '', '', 0,"
    " 0)";

enum op {
	OP_INSERT = MS_BL_ROWS_WRITE,
	OP_UPDATE = MS_BL_ROWS_UPDATE,
	OP_DELETE = MS_BL_ROWS_DELETE,
};

/* One row image pair the binlog must hold, with the SELECT results that
 * say what its values are. */
struct image {
	const struct table *tb;
	enum op op;
	const struct ms_db_result *before, *after; /* NULL when none */
	size_t brow, arow;
	int stmt; /* statement number, for messages */
};

struct live {
	struct ms_db *db;
	bool compressed;
	char file[256]; /* binlog file written into, and where we started */
	uint64_t start;
	struct image img[MAX_IMAGES];
	size_t nimg;
	struct ms_db_result *res[MAX_RESULTS];
	size_t nres;
	int stmt;
	char create_sql[8192], create_old[512];
	/* results of decoding */
	unsigned long types[256];
	unsigned long compressed_rows[4]; /* by enum ms_bl_rows_op */
	size_t next, values, mismatches;
	bool saw_create, checked_map[NTABLES];
};

/* Set while the source runs with compression, so main() restores it even
 * when an assertion ended the test early. */
static bool g_source_restarted;

/* ---- database helpers -------------------------------------------------- */

static struct ms_db *connect_source(void)
{
	struct ms_endpoint ep;
	struct ms_db_opts o = {.role = "source", .utc = true, .retries = 5};
	struct ms_db *db;
	struct ms_err err;

	memset(&ep, 0, sizeof(ep));
	if (ms_endpoint_parse(it_env_or_skip("MYSHIFT_SOURCE_ADMIN"), &ep,
			      &err))
		fail_msg("MYSHIFT_SOURCE_ADMIN: %s", err.msg);
	if (ms_db_connect(&ep, &o, &db, &err))
		fail_msg("connect: %s", err.msg);
	ms_endpoint_free(&ep);
	return db;
}

static void exec(struct ms_db *db, const char *sql)
{
	struct ms_err err;

	if (ms_db_exec(db, sql, &err))
		fail_msg("%s\n  in: %.120s", err.msg, sql);
}

static struct ms_db_result *query(struct ms_db *db, const char *sql)
{
	struct ms_db_result *r;
	struct ms_err err;

	if (ms_db_query(db, sql, &r, &err))
		fail_msg("%s\n  in: %.120s", err.msg, sql);
	return r;
}

/* Column <col> of the first row, copied into <out>. */
static void query_str(struct ms_db *db, const char *sql, size_t col, char *out,
		      size_t outlen)
{
	struct ms_db_result *r = query(db, sql);
	const char *v = ms_db_result_get(r, 0, col);

	if (!v)
		fail_msg("%s: no value", sql);
	snprintf(out, outlen, "%s", v);
	ms_db_result_free(r);
}

/* The binlog file being written and the position its next event gets. */
static uint64_t master_status(struct ms_db *db, char *file, size_t filelen)
{
	char pos[32];

	query_str(db, "SHOW MASTER STATUS", 0, file, filelen);
	query_str(db, "SHOW MASTER STATUS", 1, pos, sizeof(pos));
	return strtoull(pos, NULL, 10);
}

/* ---- the workload ------------------------------------------------------ */

static void add_members(struct ms_buf *b, const char *kind, char prefix, int n)
{
	assert_int_equal(ms_buf_addf(b, "%s(", kind), 0);
	for (int k = 0; k < n; k++)
		assert_int_equal(
		    ms_buf_addf(b, "%s'%c%d'", k ? "," : "", prefix, k), 0);
	assert_int_equal(ms_buf_addc(b, ')'), 0);
}

static void build_create(const struct table *tb, char *out, size_t outlen)
{
	const struct col *cols = tb->cols;
	struct ms_buf b;

	ms_buf_init(&b, outlen - 1);
	assert_int_equal(
	    ms_buf_addf(&b, "CREATE TABLE " SCHEMA ".%s (\n", tb->name), 0);
	for (size_t c = 0; c < tb->ncols; c++) {
		assert_int_equal(ms_buf_addf(&b, "  %s ", cols[c].name), 0);
		if (strcmp(cols[c].ddl, "@ENUM300") == 0)
			add_members(&b, "ENUM", 'e', 300);
		else if (strcmp(cols[c].ddl, "@SET64") == 0)
			add_members(&b, "SET", 's', 64);
		else
			assert_int_equal(ms_buf_addstr(&b, cols[c].ddl), 0);
		assert_int_equal(
		    ms_buf_addstr(&b, c + 1 < tb->ncols ? ",\n" : ")"), 0);
	}
	snprintf(out, outlen, "%s", ms_buf_str(&b));
	ms_buf_free(&b);
}

/* Creates the table of old temporal formats; the global switch is put back
 * before anything can fail. */
static void create_old(struct live *L)
{
	struct ms_err err;
	int rc;

	exec(L->db, "SET GLOBAL mysql56_temporal_format = OFF");
	rc = ms_db_exec(L->db, L->create_old, &err);
	exec(L->db, "SET GLOBAL mysql56_temporal_format = ON");
	if (rc)
		fail_msg("%s\n  in: %s", err.msg, L->create_old);
}

/* SELECT of every column, in table order, of the rows <where> names. */
static struct ms_db_result *select_rows(struct live *L, const struct table *tb,
					const char *where)
{
	const struct col *cols = tb->cols;
	struct ms_buf b;
	struct ms_db_result *r;

	ms_buf_init(&b, 64 * 1024);
	assert_int_equal(ms_buf_addstr(&b, "SELECT "), 0);
	for (size_t c = 0; c < tb->ncols; c++)
		assert_int_equal(
		    ms_buf_addf(&b, "%s%s", c ? ", " : "",
				cols[c].sel ? cols[c].sel : cols[c].name),
		    0);
	assert_int_equal(ms_buf_addf(&b,
				     " FROM " SCHEMA ".%s WHERE %s "
				     "ORDER BY id",
				     tb->name, where),
			 0);
	r = query(L->db, ms_buf_str(&b));
	ms_buf_free(&b);
	assert_true(L->nres < MAX_RESULTS);
	L->res[L->nres++] = r;
	return r;
}

/* Runs one DML statement touching the rows <where> names (in primary key
 * order, as InnoDB processes them), recording the images it writes. */
static void dml_in(struct live *L, const struct table *tb, enum op op,
		   const char *where, const char *sql)
{
	struct ms_db_result *before = NULL, *after = NULL;
	size_t n;

	if (op != OP_INSERT)
		before = select_rows(L, tb, where);
	exec(L->db, sql);
	if (op != OP_DELETE)
		after = select_rows(L, tb, where);
	n = ms_db_result_nrows(before ? before : after);
	if (before && after && ms_db_result_nrows(after) != n)
		fail_msg("%s: %zu rows before, %zu after", sql, n,
			 ms_db_result_nrows(after));
	if (n == 0)
		fail_msg("%s: touched no row", sql);
	L->stmt++;
	for (size_t k = 0; k < n; k++) {
		assert_true(L->nimg < MAX_IMAGES);
		L->img[L->nimg++] = (struct image){
		    .tb = tb,
		    .op = op,
		    .before = before,
		    .after = after,
		    .brow = k,
		    .arow = k,
		    .stmt = L->stmt,
		};
	}
}

static void dml(struct live *L, enum op op, const char *where, const char *sql)
{
	dml_in(L, T_MAIN, op, where, sql);
}

static void add_times(struct ms_buf *b, const char *prefix, const char *v)
{
	for (int fsp = 0; v && fsp <= 6; fsp++)
		assert_int_equal(ms_buf_addf(b, ", %s%d=%s", prefix, fsp, v),
				 0);
}

static void insert_row(struct live *L, const struct row_spec *r)
{
	struct ms_buf sql;
	char where[32];

	ms_buf_init(&sql, 64 * 1024);
	assert_int_equal(
	    ms_buf_addf(&sql, "INSERT INTO " SCHEMA ".t SET id=%d%s%s", r->id,
			r->set ? ", " : "", r->set ? r->set : ""),
	    0);
	add_times(&sql, "t", r->time);
	add_times(&sql, "dt", r->datetime);
	add_times(&sql, "ts", r->timestamp);
	snprintf(where, sizeof(where), "id=%d", r->id);
	dml(L, OP_INSERT, where, ms_buf_str(&sql));
	ms_buf_free(&sql);
}

static void inserts(struct live *L)
{
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
		insert_row(L, &rows[k]);
	dml(L, OP_INSERT, "id BETWEEN 8 AND 11", insert_multi);
}

static void updates_and_deletes(struct live *L)
{
	dml(L, OP_UPDATE, "id=1",
	    "UPDATE " SCHEMA ".t SET ti=ti+1, d65='1.5', c10='upd',"
	    " dt6='2001-01-01 01:01:01.000001', e='b', lb=NULL WHERE id=1");
	dml(L, OP_UPDATE, "id IN (3,4,6)",
	    "UPDATE " SCHEMA ".t SET i=i+3, t3='-01:02:03.4' WHERE id IN "
	    "(3,4,6) ORDER BY id");
	dml(L, OP_UPDATE, "id=2",
	    "UPDATE " SCHEMA ".t SET c255=NULL, vc3000=NULL, ts6=NULL, "
	    "g=NULL WHERE id=2");
	dml(L, OP_UPDATE, "id=5",
	    "UPDATE " SCHEMA ".t SET ti=1, d65=1, t6='01:02:03.4', e='a', "
	    "p=ST_GeomFromText('POINT(1 2)', 4326) WHERE id=5");
	dml(L, OP_UPDATE, "id=7", "UPDATE " SCHEMA ".t SET i=i+1 WHERE id=7");
	dml(L, OP_DELETE, "id=2", "DELETE FROM " SCHEMA ".t WHERE id=2");
	dml(L, OP_DELETE, "id=5", "DELETE FROM " SCHEMA ".t WHERE id=5");
	dml(L, OP_DELETE, "id BETWEEN 8 AND 10",
	    "DELETE FROM " SCHEMA ".t WHERE id BETWEEN 8 AND 10 ORDER BY id");
}

/* Insert, update and delete of one row inside one transaction. */
static void transaction(struct live *L)
{
	exec(L->db, "BEGIN");
	dml(L, OP_INSERT, "id=12",
	    "INSERT INTO " SCHEMA ".t SET id=12, i=12, vc10='trx', "
	    "ts6='2020-01-01 00:00:00.5', e300='e1'");
	dml(L, OP_UPDATE, "id=12",
	    "UPDATE " SCHEMA ".t SET vc10='trx2', ts6=NULL WHERE id=12");
	dml(L, OP_DELETE, "id=12", "DELETE FROM " SCHEMA ".t WHERE id=12");
	exec(L->db, "COMMIT");
}

static void old_formats(struct live *L)
{
	dml_in(
	    L, T_OLD, OP_INSERT, "id BETWEEN 1 AND 5",
	    "INSERT INTO " SCHEMA ".old VALUES "
	    "(1, '-838:59:59', '1000-01-01 00:00:00', '1970-01-01 00:00:01'),"
	    "(2, '838:59:59', '9999-12-31 23:59:59', '2038-01-19 03:14:07'),"
	    "(3, '00:00:00', '0000-00-00 00:00:00', '0000-00-00 00:00:00'),"
	    "(4, '-00:00:01', '2024-02-29 12:34:56', '2024-02-29 12:34:56'),"
	    "(5, NULL, NULL, NULL)");
	dml_in(L, T_OLD, OP_UPDATE, "id=4",
	       "UPDATE " SCHEMA ".old SET ot='-12:34:56', "
	       "odt='2000-01-01 00:00:00', ots=NULL WHERE id=4");
	dml_in(L, T_OLD, OP_DELETE, "id=1",
	       "DELETE FROM " SCHEMA ".old "
	       "WHERE id=1");
}

static void workload(struct live *L)
{
	build_create(T_MAIN, L->create_sql, sizeof(L->create_sql));
	build_create(T_OLD, L->create_old, sizeof(L->create_old));
	exec(L->db, "SET SESSION sql_mode = ''");
	exec(L->db, "SET SESSION time_zone = '+00:00'");
	exec(L->db, "DROP DATABASE IF EXISTS " SCHEMA);
	/* Start in a fresh file: after its header, every event is ours. */
	exec(L->db, "FLUSH BINARY LOGS");
	L->start = master_status(L->db, L->file, sizeof(L->file));
	exec(L->db, "CREATE DATABASE " SCHEMA);
	exec(L->db, L->create_sql);
	create_old(L);
	/* After the DDL: a binary connection charset would make the
	 * generated columns' string literals binary, which MariaDB refuses. */
	exec(L->db, "SET NAMES binary");
	inserts(L);
	updates_and_deletes(L);
	transaction(L);
	old_formats(L);
	{
		char now[256];

		master_status(L->db, now, sizeof(now));
		assert_string_equal(now, L->file);
	}
	/* Close the file so it is complete on disk. */
	exec(L->db, "FLUSH BINARY LOGS");
}

/* ---- rendering decoded values ------------------------------------------ */

/* Appends <v> to <b> as the bytes SELECT returns for it under SET NAMES
 * binary. FLOAT/DOUBLE get full precision (compared numerically). */
static void render(const struct ms_bl_value *v, struct ms_buf *b)
{
	uint8_t srid[4];
	int rc = 0;

	switch (v->kind) {
	case MS_BL_V_INT:
		rc = v->is_unsigned
			 ? ms_buf_addf(b, "%llu", (unsigned long long)v->n.u)
			 : ms_buf_addf(b, "%lld", (long long)v->n.i);
		break;
	case MS_BL_V_YEAR:
		rc = ms_buf_addf(b, "%04lld", (long long)v->n.i);
		break;
	case MS_BL_V_FLOAT:
		rc = ms_buf_addf(b, "%.9g", (double)v->n.f);
		break;
	case MS_BL_V_DOUBLE:
		rc = ms_buf_addf(b, "%.17g", v->n.d);
		break;
	case MS_BL_V_GEOMETRY:
		/* SELECT gives the 4-byte little-endian SRID, then WKB. */
		for (int k = 0; k < 4; k++)
			srid[k] = (uint8_t)(v->n.u >> (8 * k));
		rc = ms_buf_add(b, srid, 4);
		if (!rc && v->len)
			rc = ms_buf_add(b, v->p, v->len);
		break;
	case MS_BL_V_NULL:
		rc = ms_buf_addstr(b, "NULL");
		break;
	case MS_BL_V_ABSENT:
		rc = ms_buf_addstr(b, "(absent from the image)");
		break;
	default:
		if (v->len)
			rc = ms_buf_add(b, v->p, v->len);
		break;
	}
	assert_int_equal(rc, 0);
}

/* Appends <len> bytes as a quoted string, or as hex when not printable;
 * long values are cut. */
static void show(struct ms_buf *out, const void *p, size_t len)
{
	const uint8_t *s = p;
	size_t n = len < 48 ? len : 48;
	bool text = true;
	int rc;

	for (size_t k = 0; k < n; k++)
		if (s[k] < 0x20 || s[k] > 0x7e)
			text = false;
	if (text)
		rc = ms_buf_addf(out, "'%.*s'", (int)n, (const char *)s);
	else {
		rc = ms_buf_addstr(out, "x'");
		for (size_t k = 0; !rc && k < n; k++)
			rc = ms_buf_addf(out, "%02x", s[k]);
		if (!rc)
			rc = ms_buf_addc(out, '\'');
	}
	if (!rc && n < len)
		rc = ms_buf_addf(out, "... (%zu bytes)", len);
	assert_int_equal(rc, 0);
}

/* ---- comparing --------------------------------------------------------- */

/* BINARY(N) values lose their trailing 0x00 pad in the row image (MariaDB
 * packs CHAR/BINARY without it, like trailing spaces of CHAR); SELECT pads
 * them back. Compare without the pad. */
static size_t unpadded(const struct ms_bl_column *c, const uint8_t *p,
		       size_t len)
{
	if (c->type != MS_BL_T_STRING || c->charset != MS_BL_COLLATION_BINARY)
		return len;
	while (len && p[len - 1] == 0)
		len--;
	return len;
}

static bool same_number(const struct ms_bl_value *v, const char *exp)
{
	double want = strtod(exp, NULL);
	double got = v->kind == MS_BL_V_FLOAT ? (double)v->n.f : v->n.d;
	/* The server prints FLOAT with 6 significant digits, DOUBLE with
	 * up to 17. */
	double tol = v->kind == MS_BL_V_FLOAT ? 5e-6 : 1e-15;

	if (signbit(want) != signbit(got))
		return false;
	return got == want || fabs(got - want) <= tol * fabs(want);
}

static bool same_value(const struct ms_bl_column *c,
		       const struct ms_bl_value *v, enum ms_bl_vkind kind,
		       const char *exp, size_t explen, struct ms_buf *got)
{
	size_t a, b;

	if (!exp)
		return v->kind == MS_BL_V_NULL;
	if (v->kind != kind)
		return false;
	if (kind == MS_BL_V_FLOAT || kind == MS_BL_V_DOUBLE)
		return same_number(v, exp);
	a = unpadded(c, (const uint8_t *)got->ptr, got->len);
	b = unpadded(c, (const uint8_t *)exp, explen);
	return a == b && memcmp(got->ptr, exp, a) == 0;
}

static const char *op_name(enum op op)
{
	return op == OP_INSERT	 ? "INSERT"
	       : op == OP_UPDATE ? "UPDATE"
				 : "DELETE";
}

static const char *kind_name(unsigned int k)
{
	static const char *const names[] = {
	    "ABSENT",	 "NULL",   "INT",	"FLOAT",    "DOUBLE",
	    "DECIMAL",	 "YEAR",   "DATE",	"TIME",	    "DATETIME",
	    "TIMESTAMP", "STRING", "BLOB",	"ENUM",	    "SET",
	    "BIT",	 "JSON",   "JSON_DIFF", "GEOMETRY", "VECTOR"};

	return k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static void report(struct live *L, const struct image *im, const char *which,
		   const struct ms_db_result *r, size_t row, size_t c,
		   const struct ms_bl_value *v, struct ms_buf *got)
{
	const struct col *col = &im->tb->cols[c];
	const char *exp = ms_db_result_get(r, row, c);
	struct ms_buf m;

	L->mismatches++;
	if (L->mismatches > MAX_REPORTED)
		return;
	ms_buf_init(&m, 4096);
	assert_int_equal(
	    ms_buf_addf(&m,
			"%s run: statement %d (%s %s) row id=%s %s image: "
			"column %zu %s %s: expected ",
			L->compressed ? "compressed" : "plain", im->stmt,
			op_name(im->op), im->tb->name,
			ms_db_result_get(r, row, 0), which, c + 1, col->name,
			col->ddl),
	    0);
	if (exp)
		show(&m, exp, ms_db_result_len(r, row, c));
	else
		assert_int_equal(ms_buf_addstr(&m, "NULL"), 0);
	assert_int_equal(ms_buf_addf(&m, " (%s), got %s ", kind_name(col->kind),
				     kind_name(v->kind)),
			 0);
	show(&m, got->ptr, got->len);
	fprintf(stderr, "MISMATCH %s\n", ms_buf_str(&m));
	ms_buf_free(&m);
}

static void compare_image(struct live *L, const struct image *im,
			  const char *which, const struct ms_bl_table_map *tm,
			  const struct ms_bl_value *vals,
			  const struct ms_db_result *r, size_t row)
{
	const struct col *cols = im->tb->cols;
	struct ms_buf got;

	ms_buf_init(&got, 64u << 20);
	for (size_t c = 0; c < im->tb->ncols; c++) {
		const char *exp = ms_db_result_get(r, row, c);

		ms_buf_reset(&got);
		render(&vals[c], &got);
		L->values++;
		if (!same_value(&tm->cols[c], &vals[c], cols[c].kind, exp,
				ms_db_result_len(r, row, c), &got))
			report(L, im, which, r, row, c, &vals[c], &got);
	}
	ms_buf_free(&got);
}

/* The table map must list every column, VIRTUAL ones included, by name,
 * and old temporal columns with their old types. */
static void check_map(struct live *L, size_t t,
		      const struct ms_bl_table_map *tm)
{
	const struct table *tb = &tables[t];

	if (L->checked_map[t])
		return;
	L->checked_map[t] = true;
	assert_int_equal(tm->ncols, tb->ncols);
	assert_true(tm->has_names);
	for (size_t c = 0; c < tb->ncols; c++) {
		const struct col *col = &tb->cols[c];
		const char *name = tm->cols[c].name;

		if (!name || strcmp(name, col->name) != 0)
			fail_msg("table map %s column %zu: expected name %s, "
				 "got %s",
				 tb->name, c + 1, col->name,
				 name ? name : "NULL");
		if (col->map_type && tm->cols[c].map_type != col->map_type)
			fail_msg("table map %s column %s: expected type %s, "
				 "got %s",
				 tb->name, col->name,
				 ms_bl_coltype_name(col->map_type),
				 ms_bl_coltype_name(tm->cols[c].map_type));
	}
}

/* Index in tables[] of the table <tm> maps, or -1 when not ours. */
static int our_table(const struct ms_bl_table_map *tm)
{
	if (!tm || strcmp(tm->schema, SCHEMA) != 0)
		return -1;
	for (size_t t = 0; t < NTABLES; t++)
		if (strcmp(tm->table, tables[t].name) == 0)
			return (int)t;
	return -1;
}

/* MariaDB 10.11 with binlog_row_image=FULL writes VIRTUAL columns into
 * every image with their computed values (compare_image checks the values);
 * said here on its own so that a server that stops doing it is named. */
static void check_virtual(const struct table *tb,
			  const struct ms_bl_value *vals)
{
	for (size_t c = 0; vals && c < tb->ncols; c++)
		if (strstr(tb->cols[c].ddl, " VIRTUAL") &&
		    vals[c].kind == MS_BL_V_ABSENT)
			fail_msg("VIRTUAL column %s is not in the row image",
				 tb->cols[c].name);
}

static void check_rows(struct live *L, const struct ms_bl_event *ev)
{
	const struct ms_bl_rows *rw = &ev->u.rows;
	const struct ms_bl_table_map *tm = rw->tm;
	int t = our_table(tm);

	if (t < 0)
		return;
	check_map(L, (size_t)t, tm);
	/* FULL image: every column is in every image. */
	assert_int_equal(rw->ncols, tables[t].ncols);
	assert_int_equal(rw->compressed, L->compressed);
	if (rw->compressed && rw->op <= MS_BL_ROWS_DELETE)
		L->compressed_rows[rw->op]++;
	for (uint32_t k = 0; k < rw->nrows; k++) {
		const struct ms_bl_row *row = &rw->rows[k];
		const struct image *im;

		if (L->next >= L->nimg)
			fail_msg("event at %llu: more row images than the "
				 "%zu the statements wrote",
				 (unsigned long long)ev->offset, L->nimg);
		im = &L->img[L->next++];
		if ((int)rw->op != (int)im->op || im->tb != &tables[t])
			fail_msg("event at %llu: row %u is op %d on %s, "
				 "expected %s on %s (statement %d)",
				 (unsigned long long)ev->offset, k, rw->op,
				 tm->table, op_name(im->op), im->tb->name,
				 im->stmt);
		assert_true((row->before != NULL) == (im->before != NULL));
		assert_true((row->after != NULL) == (im->after != NULL));
		check_virtual(im->tb, row->before);
		check_virtual(im->tb, row->after);
		if (im->before)
			compare_image(L, im, "before", tm, row->before,
				      im->before, im->brow);
		if (im->after)
			compare_image(L, im, "after", tm, row->after, im->after,
				      im->arow);
	}
}

static void check_event(struct live *L, const struct ms_bl_event *ev)
{
	L->types[ev->h.type]++;
	/* Before the position recorded after the flush: the file header. */
	if (ev->offset < L->start && ev->h.type != MS_BL_FORMAT_DESCRIPTION &&
	    ev->h.type != MS_BL_MARIA_GTID_LIST &&
	    ev->h.type != MS_BL_MARIA_BINLOG_CHECKPOINT)
		fail_msg("%s event at %llu, before the workload's start %llu",
			 ms_bl_type_name(ev->h.type),
			 (unsigned long long)ev->offset,
			 (unsigned long long)L->start);
	switch (ev->kind) {
	case MS_BL_K_ROWS:
		check_rows(L, ev);
		break;
	case MS_BL_K_QUERY:
		/* The DDL comes back byte for byte, compressed or not. */
		if (ev->u.query.sql.len == strlen(L->create_sql) &&
		    memcmp(ev->u.query.sql.p, L->create_sql,
			   ev->u.query.sql.len) == 0) {
			L->saw_create = true;
			assert_int_equal(ev->u.query.compressed, L->compressed);
		}
		break;
	case MS_BL_K_GTID:
		assert_true(ev->u.gtid.mariadb);
		assert_int_equal(ev->u.gtid.server_id, 1);
		break;
	default:
		break;
	}
}

/* ---- decoding the file ------------------------------------------------- */

static uint8_t *read_file(const char *path, size_t *size)
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

static void binlog_path(struct live *L, char *out, size_t outlen)
{
	char base[4096], *slash;

	query_str(L->db, "SELECT @@log_bin_basename", 0, base, sizeof(base));
	slash = strrchr(base, '/');
	assert_non_null(slash);
	*slash = '\0';
	snprintf(out, outlen, "%s/%s", base, L->file);
}

/* Decodes every event of the file the workload wrote, from its start (the
 * FDE is needed) to its end, and compares rows of our tables with the
 * images. */
static void decode_file(struct live *L)
{
	struct ms_bl_options o;
	struct ms_bl_decoder *d;
	struct ms_arena a;
	struct ms_bl_event ev;
	struct ms_err err;
	char path[4352];
	const uint8_t *p;
	size_t size, len;
	uint64_t pos = 0;
	uint8_t *buf;
	int rc;

	binlog_path(L, path, sizeof(path));
	buf = read_file(path, &size);
	ms_bl_options_default(&o);
	d = ms_bl_decoder_new(&o);
	assert_non_null(d);
	ms_arena_init(&a, ARENA_CAP);
	while ((rc = ms_bl_next(buf, size, &pos, &p, &len, &err)) == 1) {
		uint64_t off = (uint64_t)(p - buf);

		memset(&ev, 0, sizeof(ev));
		if (ms_bl_decode(d, &a, p, len, off, &ev, &err))
			fail_msg("%s: event at %llu (type %u): %s", path,
				 (unsigned long long)off, p[4], err.msg);
		check_event(L, &ev);
		ms_arena_reset(&a);
	}
	if (rc < 0)
		fail_msg("%s: %s", path, err.msg);
	ms_arena_free(&a);
	ms_bl_decoder_free(d);
	free(buf);
}

static void print_summary(const struct live *L)
{
	printf("%s run: %zu row images, %zu values compared, event types:",
	       L->compressed ? "compressed" : "plain", L->next, L->values);
	for (unsigned int t = 0; t < 256; t++)
		if (L->types[t])
			printf(" %s=%lu", ms_bl_type_name(t), L->types[t]);
	printf("\n");
}

static void live_free(struct live *L)
{
	for (size_t k = 0; k < L->nres; k++)
		ms_db_result_free(L->res[k]);
	ms_db_close(L->db);
	free(L);
}

/* Runs the workload, decodes it, and checks every image. */
static struct live *run(bool compressed)
{
	struct live *L = calloc(1, sizeof(*L));

	assert_non_null(L);
	L->compressed = compressed;
	L->db = connect_source();
	workload(L);
	decode_file(L);
	print_summary(L);
	if (L->next != L->nimg)
		fail_msg("the binlog held %zu row images, the statements "
			 "wrote %zu",
			 L->next, L->nimg);
	if (L->mismatches)
		fail_msg("%zu of %zu decoded values differ from SELECT",
			 L->mismatches, L->values);
	assert_true(L->saw_create);
	return L;
}

/* ---- the tests --------------------------------------------------------- */

static void restart_source(const char *opts)
{
	const char *root = getenv("MYSHIFT_ROOT");
	char cmd[4096];

	if (!root)
		fail_msg("MYSHIFT_ROOT unset: cannot restart the source");
	snprintf(cmd, sizeof(cmd), "'%s/scripts/sandbox' restart source%s%s",
		 root, opts ? " -- " : "", opts ? opts : "");
	fflush(NULL);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
}

static void plain_binlog(void **state)
{
	struct live *L;
	char v[64];

	(void)state;
	{
		struct ms_db *db = connect_source();

		/* A crashed earlier run may have left compression on. */
		query_str(db, "SHOW GLOBAL VARIABLES LIKE 'log_bin_compress'",
			  1, v, sizeof(v));
		ms_db_close(db);
		if (strcmp(v, "OFF") != 0)
			restart_source(NULL);
	}
	L = run(false);
	assert_int_equal(L->types[MS_BL_FORMAT_DESCRIPTION], 1);
	assert_true(L->types[MS_BL_MARIA_GTID_LIST] >= 1);
	assert_true(L->types[MS_BL_MARIA_BINLOG_CHECKPOINT] >= 1);
	assert_true(L->types[MS_BL_MARIA_GTID] > 0);
	assert_true(L->types[MS_BL_QUERY] > 0);
	assert_true(L->types[MS_BL_MARIA_ANNOTATE_ROWS] > 0);
	assert_true(L->types[MS_BL_TABLE_MAP] > 0);
	assert_true(L->types[MS_BL_WRITE_ROWS_V1] > 0);
	assert_true(L->types[MS_BL_UPDATE_ROWS_V1] > 0);
	assert_true(L->types[MS_BL_DELETE_ROWS_V1] > 0);
	assert_true(L->types[MS_BL_XID] > 0);
	assert_int_equal(L->types[MS_BL_ROTATE], 1);
	live_free(L);
}

static void compressed_binlog(void **state)
{
	struct live *L;

	(void)state;
	g_source_restarted = true;
	restart_source("--log-bin-compress=ON --log-bin-compress-min-len=10");
	L = run(true);
	assert_true(L->types[MS_BL_MARIA_QUERY_COMPRESSED] > 0);
	assert_true(L->compressed_rows[MS_BL_ROWS_WRITE] > 0);
	assert_true(L->compressed_rows[MS_BL_ROWS_UPDATE] > 0);
	assert_true(L->compressed_rows[MS_BL_ROWS_DELETE] > 0);
	assert_int_equal(L->types[MS_BL_WRITE_ROWS_V1] +
			     L->types[MS_BL_UPDATE_ROWS_V1] +
			     L->types[MS_BL_DELETE_ROWS_V1],
			 0);
	live_free(L);
	restart_source(NULL);
	g_source_restarted = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(plain_binlog),
	    cmocka_unit_test(compressed_binlog),
	};
	int rc;

	it_env_or_skip("MYSHIFT_SOURCE_ADMIN");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (g_source_restarted) {
		/* A failed assertion left the source with compression on. */
		const char *root = getenv("MYSHIFT_ROOT");
		char cmd[4096];

		snprintf(cmd, sizeof(cmd),
			 "'%s/scripts/sandbox' restart source",
			 root ? root : ".");
		if (system(cmd) != 0)
			fprintf(stderr, "could not restore the source: %s\n",
				cmd);
	}
	return rc;
}

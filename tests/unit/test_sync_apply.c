/* Unit tests for the row applier's SQL (src/sync/apply*.c), without a
 * server: rows events built by hand, tables described by hand, and the
 * statements ms_ap_batch_flush would run collected and compared: literals
 * of every kind, compaction per integer key, order kept for string keys,
 * key changes, merging, splitting at the statement budget, unsigned
 * reinterpretation, BINARY padding, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/apply_int.h"

#define MAXC 16
#define MAXS 256

/* ---- building rows ------------------------------------------------------ */

static struct ms_bl_value vnull(void)
{
	struct ms_bl_value v = {.kind = MS_BL_V_NULL};
	return v;
}

static struct ms_bl_value vint(int64_t i)
{
	struct ms_bl_value v = {.kind = MS_BL_V_INT};
	v.n.i = i;
	return v;
}

static struct ms_bl_value vuint(uint64_t u)
{
	struct ms_bl_value v = {.kind = MS_BL_V_INT, .is_unsigned = true};
	v.n.u = u;
	return v;
}

static struct ms_bl_value vbytes(enum ms_bl_vkind k, const void *p, size_t n)
{
	struct ms_bl_value v = {.kind = (uint8_t)k};
	v.p = p;
	v.len = n;
	return v;
}

static struct ms_bl_value vstr(const char *s)
{
	return vbytes(MS_BL_V_STRING, s, strlen(s));
}

static struct ms_bl_value vnum(enum ms_bl_vkind k, uint64_t u)
{
	struct ms_bl_value v = {.kind = (uint8_t)k};
	v.n.u = u;
	return v;
}

/* A rows event under construction: up to 64 rows of one table map. */
struct ev {
	struct ms_bl_table_map tm;
	struct ms_bl_column cols[MAXC];
	struct ms_bl_rows rows;
	struct ms_bl_row row[64];
	struct ms_bl_value img[128][MAXC];
	size_t nimg;
};

static void ev_init(struct ev *e, size_t ncols, enum ms_bl_rows_op op)
{
	memset(e, 0, sizeof(*e));
	e->tm.schema = "d";
	e->tm.table = "t";
	e->tm.ncols = (uint32_t)ncols;
	e->tm.cols = e->cols;
	for (size_t i = 0; i < ncols; i++)
		e->cols[i].is_unsigned = -1;
	e->rows.op = op;
	e->rows.tm = &e->tm;
	e->rows.ncols = (uint32_t)ncols;
	e->rows.rows = e->row;
}

/* Adds a row; <before>/<after> (NULL: none) are copied. */
static void ev_row(struct ev *e, const struct ms_bl_value *before,
		   const struct ms_bl_value *after)
{
	struct ms_bl_row *r = &e->row[e->rows.nrows++];

	if (before) {
		memcpy(e->img[e->nimg], before, e->tm.ncols * sizeof(*before));
		r->before = e->img[e->nimg++];
	}
	if (after) {
		memcpy(e->img[e->nimg], after, e->tm.ncols * sizeof(*after));
		r->after = e->img[e->nimg++];
	}
}

/* ---- collecting statements ---------------------------------------------- */

struct got {
	char *sql[MAXS];
	enum ap_kind kind[MAXS];
	size_t rows[MAXS];
	uint32_t enum_zero[MAXS];
	size_t n;
};

static int collect(void *ctx, const struct ap_stmt *s, struct ms_err *err)
{
	struct got *g = ctx;

	(void)err;
	assert_true(g->n < MAXS);
	assert_int_equal(strlen(s->sql), s->len);
	g->sql[g->n] = strdup(s->sql);
	g->kind[g->n] = s->kind;
	g->rows[g->n] = s->rows;
	g->enum_zero[g->n] = s->enum_zero;
	g->n++;
	return 0;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->sql[i]);
	memset(g, 0, sizeof(*g));
}

static void run(struct ms_ap_batch *b, size_t budget, struct got *g)
{
	struct ms_err err;
	uint64_t n = 0;

	memset(g, 0, sizeof(*g));
	if (ap_batch_run(b, budget, collect, g, &n, &err))
		fail_msg("ap_batch_run: %s", err.msg);
	assert_int_equal(n, g->n);
	assert_int_equal(ms_ap_batch_changes(b), 0);
	assert_int_equal(ms_ap_batch_bytes(b), 0);
}

static void add_ok(struct ms_ap_batch *b, const struct ms_ap_table *t,
		   struct ev *e)
{
	struct ms_err err;

	if (ms_ap_batch_add(b, NULL, t, &e->rows, &err))
		fail_msg("ms_ap_batch_add: %s", err.msg);
}

/* ---- tables ------------------------------------------------------------- */

static struct ms_ap_table *table(const struct ap_coldef *cols, size_t n,
				 const char *const *key, size_t nkey)
{
	struct ms_ap_table *t;
	struct ms_err err;

	if (ap_table_build("d", "t", cols, n, key, nkey, &t, &err))
		fail_msg("ap_table_build: %s", err.msg);
	assert_int_equal(t->ncols, n);
	return t;
}

/* id INT key, v VARCHAR utf8mb4 */
static const struct ap_coldef int_kv[] = {
    {"id", "int", "int(11)", NULL, false},
    {"v", "varchar", "varchar(20)", "utf8mb4", false},
};
static const char *const key_id[] = {"id"};

/* k VARCHAR key, v INT */
static const struct ap_coldef str_kv[] = {
    {"k", "varchar", "varchar(20)", "utf8mb4", false},
    {"v", "int", "int(11)", NULL, false},
};
static const char *const key_k[] = {"k"};

/* ---- literals ----------------------------------------------------------- */

static void literal(const struct ms_ap_table *t, size_t c,
		    const struct ms_bl_column *bc, const struct ms_bl_value *v,
		    const char *want)
{
	struct ap_text out;
	struct ms_err err;
	uint32_t ez = 0;

	ap_text_init(&out, 1 << 20);
	if (ap_render_value(&out, t, c, bc, v, NULL, &ez, &err))
		fail_msg("render column %zu: %s", c, err.msg);
	assert_string_equal(out.p, want);
	ap_text_free(&out);
}

static void strings_exact(void **state)
{
	struct ap_text out;

	(void)state;
	ap_text_init(&out, 1 << 20);
	/* Quotes doubled: the same in both escape modes. */
	assert_int_equal(ap_render_string(&out, "utf8mb4", false,
					  (const uint8_t *)"it's", 4, 0),
			 0);
	assert_string_equal(out.p, "_utf8mb4'it''s'");
	out.len = 0;
	/* NUL and backslash mean different things under
	 * NO_BACKSLASH_ESCAPES: hex. */
	assert_int_equal(ap_render_string(&out, "latin1", false,
					  (const uint8_t *)"a\\b", 3, 0),
			 0);
	assert_string_equal(out.p, "_latin1 X'615C62'");
	out.len = 0;
	assert_int_equal(ap_render_string(&out, "utf8mb4", false,
					  (const uint8_t *)"a\0b", 3, 0),
			 0);
	assert_string_equal(out.p, "_utf8mb4 X'610062'");
	out.len = 0;
	/* GBK/SJIS characters whose second byte is 0x5c. */
	assert_int_equal(ap_render_string(&out, "gbk", false,
					  (const uint8_t *)"\x95\x5c", 2, 0),
			 0);
	assert_string_equal(out.p, "_gbk X'955C'");
	out.len = 0;
	/* Bytes that are not UTF-8 go through untouched (latin1). */
	assert_int_equal(ap_render_string(&out, "latin1", false,
					  (const uint8_t *)"\xe9\xff\xc3'", 4,
					  0),
			 0);
	assert_string_equal(out.p, "_latin1'\xe9\xff\xc3'''");
	out.len = 0;
	/* Wide charsets: always hex. */
	assert_int_equal(
	    ap_render_string(&out, "utf16", true, (const uint8_t *)"\0a", 2, 0),
	    0);
	assert_string_equal(out.p, "_utf16 X'0061'");
	out.len = 0;
	/* Binary: hex, padded. */
	assert_int_equal(
	    ap_render_string(&out, NULL, false, (const uint8_t *)"\x01", 1, 4),
	    0);
	assert_string_equal(out.p, "X'01000000'");
	out.len = 0;
	assert_int_equal(ap_render_string(&out, "utf8mb4", false, NULL, 0, 0),
			 0);
	assert_string_equal(out.p, "_utf8mb4''");
	ap_text_free(&out);
}

static const struct ap_coldef all_cols[] = {
    {"id", "int", "int(11)", NULL, false},		       /* 0 */
    {"tu", "tinyint", "tinyint(3) unsigned", NULL, false},     /* 1 */
    {"su", "smallint", "smallint(5) unsigned", NULL, false},   /* 2 */
    {"mu", "mediumint", "mediumint(8) unsigned", NULL, false}, /* 3 */
    {"iu", "int", "int(10) unsigned", NULL, false},	       /* 4 */
    {"bu", "bigint", "bigint(20) unsigned", NULL, false},      /* 5 */
    {"b16", "binary", "binary(16)", NULL, false},	       /* 6 */
    {"i6", "inet6", "inet6", NULL, false},		       /* 7 */
    {"e", "enum", "enum('a','it''s','c')", "utf8mb4", false},  /* 8 */
    {"s", "set", "set('x','y')", "utf8mb4", false},	       /* 9 */
    {"bt", "bit", "bit(10)", NULL, false},		       /* 10 */
    {"f", "float", "float", NULL, false},		       /* 11 */
    {"g", "geometry", "geometry", NULL, false},		       /* 12 */
    {"l1", "char", "char(5)", "latin1", false},		       /* 13 */
    {"gen", "int", "int(11)", NULL, true},		       /* 14 */
    {"u", "uuid", "uuid", NULL, false},			       /* 15 */
};
#define NALL (sizeof(all_cols) / sizeof(all_cols[0]))

static void unsigned_reinterpreted(void **state)
{
	struct ms_ap_table *t = table(all_cols, NALL, key_id, 1);
	struct ms_bl_column signed_meta = {.is_unsigned = 0};
	struct ms_bl_column no_meta = {.is_unsigned = -1};
	struct ms_bl_value v = vint(-1);

	(void)state;
	literal(t, 1, &no_meta, &v, "255");
	literal(t, 2, &no_meta, &v, "65535");
	literal(t, 3, &no_meta, &v, "16777215");
	literal(t, 4, &no_meta, &v, "4294967295");
	literal(t, 5, &no_meta, &v, "18446744073709551615");
	literal(t, 1, NULL, &v, "255");
	v = vint(-128);
	literal(t, 1, &no_meta, &v, "128");
	v = vint(INT64_MIN);
	literal(t, 5, &no_meta, &v, "9223372036854775808");
	literal(t, 0, &no_meta, &v, "-9223372036854775808");
	/* The binlog said signed: no guessing (the server then refuses). */
	v = vint(-1);
	literal(t, 4, &signed_meta, &v, "-1");
	/* A signed column keeps the sign. */
	literal(t, 0, &no_meta, &v, "-1");
	v = vuint(UINT64_MAX);
	literal(t, 5, &no_meta, &v, "18446744073709551615");
	v = vint(0);
	literal(t, 4, &no_meta, &v, "0");
	ms_ap_table_free(t);
}

static void literals_by_kind(void **state)
{
	struct ms_ap_table *t = table(all_cols, NALL, key_id, 1);
	static const uint8_t wkb[] = {1,    1,	  0, 0, 0, 0, 0, 0, 0, 0,   0,
				      0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40};
	struct ms_bl_value v;

	(void)state;
	v = vstr("ab");
	literal(t, 6, NULL, &v, "X'61620000000000000000000000000000'");
	v = vbytes(MS_BL_V_STRING, "", 0);
	literal(t, 7, NULL, &v, "X'00000000000000000000000000000000'");
	v = vbytes(MS_BL_V_STRING, "\x10", 1);
	literal(t, 15, NULL, &v, "X'10000000000000000000000000000000'");
	v = vnum(MS_BL_V_ENUM, 2);
	literal(t, 8, NULL, &v, "2");
	v = vnum(MS_BL_V_SET, 3);
	literal(t, 9, NULL, &v, "3");
	v = vnum(MS_BL_V_BIT, 1023);
	literal(t, 10, NULL, &v, "1023");
	v = vnull();
	literal(t, 10, NULL, &v, "NULL");
	v.kind = MS_BL_V_FLOAT;
	v.n.f = FLT_MAX;
	literal(t, 11, NULL, &v, "3.4028234663852886e+38");
	v.n.f = 1.5f;
	literal(t, 11, NULL, &v, "1.5");
	v.kind = MS_BL_V_DOUBLE;
	v.n.d = 0.1;
	literal(t, 11, NULL, &v, "0.10000000000000001");
	v.n.d = 4.9406564584124654e-324;
	literal(t, 11, NULL, &v, "4.9406564584124654e-324");
	v = vbytes(MS_BL_V_DECIMAL, "-0.00", 5);
	literal(t, 11, NULL, &v, "-0.00");
	v = vbytes(MS_BL_V_DATETIME, "0000-00-00 00:00:00.000000", 26);
	literal(t, 11, NULL, &v, "'0000-00-00 00:00:00.000000'");
	v = vbytes(MS_BL_V_TIME, "-838:59:59", 10);
	literal(t, 11, NULL, &v, "'-838:59:59'");
	v = vnum(MS_BL_V_YEAR, 0);
	literal(t, 11, NULL, &v, "0");
	v = vbytes(MS_BL_V_GEOMETRY, wkb, sizeof(wkb));
	v.n.u = 4326;
	literal(t, 12, NULL, &v,
		"X'E61000000101000000000000000000F03F"
		"0000000000000040'");
	v = vbytes(MS_BL_V_STRING, "a'\xe9", 3);
	literal(t, 13, NULL, &v, "_latin1'a''\xe9'");
	v = vbytes(MS_BL_V_JSON, "{\"a\": \"it's\"}", 13);
	literal(t, 13, NULL, &v, "_utf8mb4'{\"a\": \"it''s\"}'");
	v = vbytes(MS_BL_V_VECTOR, "\0\0\x80\x3f", 4);
	literal(t, 11, NULL, &v, "X'0000803F'");
	ms_ap_table_free(t);
}

static void value_refusals(void **state)
{
	struct ms_ap_table *t = table(all_cols, NALL, key_id, 1);
	struct ms_bl_value v;
	struct ap_text out;
	struct ms_err err;
	uint32_t ez = 0;

	(void)state;
	ap_text_init(&out, 1 << 20);
	v = vnum(MS_BL_V_ENUM, 4);
	assert_int_equal(ap_render_value(&out, t, 8, NULL, &v, NULL, &ez, &err),
			 MS_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "`d`.`t` column e"));
	v = vnum(MS_BL_V_ENUM, 0);
	assert_int_equal(ap_render_value(&out, t, 8, NULL, &v, NULL, &ez, &err),
			 0);
	assert_int_equal(ez, 1);
	v = vnum(MS_BL_V_SET, 4);
	assert_int_equal(ap_render_value(&out, t, 9, NULL, &v, NULL, &ez, &err),
			 MS_EUNSUPPORTED);
	v = vnum(MS_BL_V_BIT, 1024);
	assert_int_equal(
	    ap_render_value(&out, t, 10, NULL, &v, NULL, &ez, &err),
	    MS_EUNSUPPORTED);
	v.kind = MS_BL_V_DOUBLE;
	v.n.d = NAN;
	assert_int_equal(
	    ap_render_value(&out, t, 11, NULL, &v, NULL, &ez, &err),
	    MS_EUNSUPPORTED);
	v = vnull();
	v.kind = MS_BL_V_JSON_DIFF;
	v.ndiffs = 1;
	assert_int_equal(
	    ap_render_value(&out, t, 13, NULL, &v, NULL, &ez, &err),
	    MS_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "binlog_row_value_options=''"));
	/* An empty diff list: unchanged, taken from the before image. */
	{
		struct ms_bl_value before = vstr("old");

		v.ndiffs = 0;
		out.len = 0;
		assert_int_equal(
		    ap_render_value(&out, t, 13, NULL, &v, &before, &ez, &err),
		    0);
		assert_string_equal(out.p, "_latin1'old'");
	}
	ap_text_free(&out);
	ms_ap_table_free(t);
}

/* ---- statements --------------------------------------------------------- */

static void heads_and_generated(void **state)
{
	static const char *const key2[] = {"b", "a"};
	struct ms_ap_table *t = table(all_cols, NALL, key_id, 1);
	const struct ap_meta *m = t->priv;
	struct ms_ap_table *t2;

	(void)state;
	assert_string_equal(m->replace_head,
			    "REPLACE INTO `d`.`t` (`id`,`tu`,`su`,`mu`,`iu`,"
			    "`bu`,`b16`,`i6`,`e`,`s`,`bt`,`f`,`g`,`l1`,`u`) "
			    "VALUES ");
	assert_string_equal(m->delete_head,
			    "DELETE FROM `d`.`t` WHERE `id` IN (");
	assert_true(m->int_key);
	ms_ap_table_free(t);
	{
		static const struct ap_coldef c2[] = {
		    {"a", "int", "int(11)", NULL, false},
		    {"b", "bigint", "bigint(20)", NULL, false},
		    {"x", "text", "text", "utf8mb4", false},
		};
		t2 = table(c2, 3, key2, 2);
	}
	m = t2->priv;
	assert_string_equal(m->delete_head,
			    "DELETE FROM `d`.`t` WHERE (`b`,`a`) IN (");
	assert_true(m->int_key);
	ms_ap_table_free(t2);
}

/* ENUM/SET members as information_schema writes them: quotes doubled,
 * backslashes doubled, commas and parentheses inside members. */
static void members_counted(void **state)
{
	static const struct ap_coldef c[] = {
	    {"id", "int", "int(11)", NULL, false},
	    {"e", "enum", "enum('a''b','c\\\\d','e,f)','g\\\\')", "utf8mb4",
	     false},
	    {"s", "set", "set('x','y''','''')", "utf8mb4", false},
	    {"b", "bit", "bit(7)", NULL, false},
	    {"bad", "enum", "enum(x)", "utf8mb4", false},
	};
	struct ms_ap_table *t = table(c, 5, key_id, 1);
	const struct ap_meta *m = t->priv;

	(void)state;
	assert_int_equal(m->cols[1].members, 4);
	assert_int_equal(m->cols[2].members, 3);
	assert_int_equal(m->cols[3].bits, 7);
	assert_int_equal(m->cols[4].members, 0); /* unknown: not checked */
	ms_ap_table_free(t);
}

static void no_key_refused(void **state)
{
	struct ms_ap_table *t = NULL;
	struct ms_err err;

	(void)state;
	assert_int_equal(ap_table_build("d", "t", int_kv, 2, NULL, 0, &t, &err),
			 MS_EUNSUPPORTED);
	assert_null(t);
	assert_non_null(strstr(err.msg, "`d`.`t`"));
	assert_non_null(strstr(err.msg, "primary key or a unique NOT NULL"));
}

/* Row (id, v) in an image array. */
static void kv(struct ms_bl_value *img, int64_t id, const char *v)
{
	img[0] = vint(id);
	img[1] = v ? vstr(v) : vnull();
}

static void sk(struct ms_bl_value *img, const char *k, int64_t v)
{
	img[0] = vstr(k);
	img[1] = vint(v);
}

static void int_key_compacted(void **state)
{
	struct ms_ap_table *t = table(int_kv, 2, key_id, 1);
	struct ms_ap_batch *b = ms_ap_batch_new();
	struct ms_bl_value x[MAXC], y[MAXC];
	struct ev e;
	struct got g;

	(void)state;
	/* INSERT 1, 2, 3 */
	ev_init(&e, 2, MS_BL_ROWS_WRITE);
	for (int i = 1; i <= 3; i++) {
		kv(x, i, "new");
		ev_row(&e, NULL, x);
	}
	add_ok(b, t, &e);
	/* UPDATE 1 twice, DELETE 2, re-INSERT 2, DELETE 3, DELETE 9 */
	ev_init(&e, 2, MS_BL_ROWS_UPDATE);
	kv(x, 1, "new");
	kv(y, 1, "mid");
	ev_row(&e, x, y);
	kv(x, 1, "mid");
	kv(y, 1, "last");
	ev_row(&e, x, y);
	add_ok(b, t, &e);
	ev_init(&e, 2, MS_BL_ROWS_DELETE);
	kv(x, 2, "new");
	ev_row(&e, x, NULL);
	kv(x, 3, "new");
	ev_row(&e, x, NULL);
	kv(x, 9, NULL);
	ev_row(&e, x, NULL);
	add_ok(b, t, &e);
	ev_init(&e, 2, MS_BL_ROWS_WRITE);
	kv(x, 2, "again");
	ev_row(&e, NULL, x);
	add_ok(b, t, &e);
	assert_int_equal(ms_ap_batch_changes(b), 9);
	assert_true(ms_ap_batch_bytes(b) > 0);
	run(b, 0, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.sql[0],
			    "DELETE FROM `d`.`t` WHERE `id` IN (3,9)");
	assert_int_equal(g.kind[0], AP_DELETE);
	assert_int_equal(g.rows[0], 2);
	/* in the order of each key's last change */
	assert_string_equal(g.sql[1], "REPLACE INTO `d`.`t` (`id`,`v`) VALUES "
				      "(1,_utf8mb4'last'),(2,_utf8mb4'again')");
	assert_int_equal(g.rows[1], 2);
	got_free(&g);
	ms_ap_batch_free(b);
	ms_ap_table_free(t);
}

/* UPDATE t SET id = id + 1 over 1..3 (highest first, as the source must
 * do it). */
static void int_key_change(void **state)
{
	struct ms_ap_table *t = table(int_kv, 2, key_id, 1);
	struct ms_ap_batch *b = ms_ap_batch_new();
	struct ms_bl_value x[MAXC], y[MAXC];
	struct ev e;
	struct got g;

	(void)state;
	ev_init(&e, 2, MS_BL_ROWS_UPDATE);
	for (int i = 3; i >= 1; i--) {
		kv(x, i, "r");
		kv(y, i + 1, "r");
		ev_row(&e, x, y);
	}
	add_ok(b, t, &e);
	run(b, 0, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.sql[0], "DELETE FROM `d`.`t` WHERE `id` IN (1)");
	assert_string_equal(g.sql[1],
			    "REPLACE INTO `d`.`t` (`id`,`v`) VALUES "
			    "(4,_utf8mb4'r'),(3,_utf8mb4'r'),(2,_utf8mb4'r')");
	got_free(&g);
	ms_ap_batch_free(b);
	ms_ap_table_free(t);
}

static void string_key_in_order(void **state)
{
	struct ms_ap_table *t = table(str_kv, 2, key_k, 1);
	struct ms_ap_batch *b = ms_ap_batch_new();
	struct ms_bl_value x[MAXC], y[MAXC];
	struct ev e;
	struct got g;

	(void)state;
	assert_false(((const struct ap_meta *)t->priv)->int_key);
	ev_init(&e, 2, MS_BL_ROWS_WRITE);
	sk(x, "a", 1);
	ev_row(&e, NULL, x);
	sk(x, "a", 2); /* the same key again: both kept, in order */
	ev_row(&e, NULL, x);
	add_ok(b, t, &e);
	ev_init(&e, 2, MS_BL_ROWS_DELETE);
	sk(x, "b", 1);
	ev_row(&e, x, NULL);
	sk(x, "c", 1);
	ev_row(&e, x, NULL);
	add_ok(b, t, &e);
	ev_init(&e, 2, MS_BL_ROWS_UPDATE);
	sk(x, "d", 1); /* key unchanged: a REPLACE only */
	sk(y, "d", 2);
	ev_row(&e, x, y);
	sk(x, "e", 1); /* key changed: DELETE old, REPLACE new */
	sk(y, "E", 1);
	ev_row(&e, x, y);
	add_ok(b, t, &e);
	assert_int_equal(ms_ap_batch_changes(b), 6);
	run(b, 0, &g);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.sql[0], "REPLACE INTO `d`.`t` (`k`,`v`) VALUES "
				      "(_utf8mb4'a',1),(_utf8mb4'a',2)");
	assert_string_equal(g.sql[1], "DELETE FROM `d`.`t` WHERE `k` IN "
				      "(_utf8mb4'b',_utf8mb4'c')");
	assert_string_equal(g.sql[2], "REPLACE INTO `d`.`t` (`k`,`v`) VALUES "
				      "(_utf8mb4'd',2)");
	assert_string_equal(g.sql[3],
			    "DELETE FROM `d`.`t` WHERE `k` IN (_utf8mb4'e')");
	assert_string_equal(g.sql[4], "REPLACE INTO `d`.`t` (`k`,`v`) VALUES "
				      "(_utf8mb4'E',1)");
	got_free(&g);
	ms_ap_batch_free(b);
	ms_ap_table_free(t);
}

static void composite_key(void **state)
{
	static const struct ap_coldef c[] = {
	    {"a", "int", "int(11)", NULL, false},
	    {"b", "varchar", "varchar(9)", "latin1", false},
	    {"v", "int", "int(11)", NULL, false},
	};
	static const char *const key[] = {"a", "b"};
	struct ms_ap_table *t = table(c, 3, key, 2);
	struct ms_ap_batch *b = ms_ap_batch_new();
	struct ms_bl_value x[MAXC], y[MAXC];
	struct ev e;
	struct got g;

	(void)state;
	ev_init(&e, 3, MS_BL_ROWS_DELETE);
	x[0] = vint(1);
	x[1] = vstr("x");
	x[2] = vint(0);
	ev_row(&e, x, NULL);
	x[0] = vint(2);
	x[1] = vstr("y'");
	ev_row(&e, x, NULL);
	add_ok(b, t, &e);
	ev_init(&e, 3, MS_BL_ROWS_UPDATE);
	x[0] = vint(3);
	x[1] = vstr("z");
	memcpy(y, x, sizeof(y));
	y[1] = vstr("w");
	ev_row(&e, x, y);
	add_ok(b, t, &e);
	run(b, 0, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.sql[0],
			    "DELETE FROM `d`.`t` WHERE (`a`,`b`) IN "
			    "((1,_latin1'x'),(2,_latin1'y'''),(3,_latin1'z'))");
	assert_string_equal(g.sql[1], "REPLACE INTO `d`.`t` (`a`,`b`,`v`) "
				      "VALUES (3,_latin1'w',0)");
	got_free(&g);
	ms_ap_batch_free(b);
	ms_ap_table_free(t);
}

static void tables_apart(void **state)
{
	static const struct ap_coldef c[] = {
	    {"id", "bigint", "bigint(20) unsigned", NULL, false},
	    {"g", "int", "int(11)", NULL, true},
	};
	struct ms_ap_table *t1 = table(int_kv, 2, key_id, 1);
	struct ms_ap_table *t2 = table(c, 2, key_id, 1);
	struct ms_ap_batch *b = ms_ap_batch_new();
	struct ms_bl_value x[MAXC];
	struct ev e;
	struct got g;

	(void)state;
	for (int i = 0; i < 2; i++) {
		ev_init(&e, 2, MS_BL_ROWS_WRITE);
		kv(x, 10 + i, "a");
		ev_row(&e, NULL, x);
		add_ok(b, t1, &e);
		ev_init(&e, 2, MS_BL_ROWS_WRITE);
		x[0] = vint(-1 - i); /* no signedness: reinterpreted */
		x[1] = vbytes(MS_BL_V_ABSENT, NULL, 0); /* generated */
		ev_row(&e, NULL, x);
		add_ok(b, t2, &e);
	}
	run(b, 0, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.sql[0], "REPLACE INTO `d`.`t` (`id`,`v`) VALUES "
				      "(10,_utf8mb4'a'),(11,_utf8mb4'a')");
	assert_string_equal(g.sql[1],
			    "REPLACE INTO `d`.`t` (`id`) VALUES "
			    "(18446744073709551615),(18446744073709551614)");
	got_free(&g);
	ms_ap_batch_free(b);
	ms_ap_table_free(t1);
	ms_ap_table_free(t2);
}

static void split_at_budget(void **state)
{
	struct ms_ap_table *t = table(int_kv, 2, key_id, 1);
	struct ms_ap_batch *b = ms_ap_batch_new();
	const size_t head = strlen("REPLACE INTO `d`.`t` (`id`,`v`) VALUES ");
	static char big[5000];
	struct ms_bl_value x[MAXC];
	struct ev e;
	struct got g;
	size_t total = 0;

	(void)state;
	memset(big, 'b', sizeof(big) - 1);
	for (int round = 0; round < 4; round++) {
		ev_init(&e, 2, MS_BL_ROWS_WRITE);
		for (int i = 0; i < 25; i++) {
			kv(x, round * 25 + i, round == 2 && i == 7 ? big : "v");
			ev_row(&e, NULL, x);
		}
		add_ok(b, t, &e);
	}
	run(b, 200, &g);
	for (size_t i = 0; i < g.n; i++) {
		size_t len = strlen(g.sql[i]);

		total += g.rows[i];
		if (strstr(g.sql[i], big)) {
			/* a single row past the budget goes alone */
			assert_int_equal(g.rows[i], 1);
			continue;
		}
		assert_true(len <= 200);
		assert_int_equal(strncmp(g.sql[i], "REPLACE INTO", 12), 0);
		/* full: the next row would not have fit */
		if (i + 1 < g.n && !strstr(g.sql[i + 1], big))
			assert_true(len + strlen(",(99,_utf8mb4'v')") > 200);
	}
	assert_int_equal(total, 100);
	assert_true(g.n > 5);
	assert_true(head < 200);
	got_free(&g);
	/* DELETEs count their closing parenthesis. */
	ev_init(&e, 2, MS_BL_ROWS_DELETE);
	for (int i = 0; i < 40; i++) {
		kv(x, 100000 + i, "v");
		ev_row(&e, x, NULL);
	}
	add_ok(b, t, &e);
	run(b, 60, &g);
	total = 0;
	for (size_t i = 0; i < g.n; i++) {
		assert_true(strlen(g.sql[i]) <= 60);
		assert_int_equal(g.sql[i][strlen(g.sql[i]) - 1], ')');
		total += g.rows[i];
	}
	assert_int_equal(total, 40);
	got_free(&g);
	ms_ap_batch_free(b);
	ms_ap_table_free(t);
}

static void refusals_leave_batch(void **state)
{
	struct ms_ap_table *t = table(int_kv, 2, key_id, 1);
	struct ms_ap_batch *b = ms_ap_batch_new();
	struct ms_bl_value x[MAXC], y[MAXC];
	struct ms_err err;
	struct ev e;
	struct got g;
	size_t bytes;

	(void)state;
	ev_init(&e, 2, MS_BL_ROWS_WRITE);
	kv(x, 1, "keep");
	ev_row(&e, NULL, x);
	add_ok(b, t, &e);
	bytes = ms_ap_batch_bytes(b);
	/* Second row's after image misses a column: the whole event is
	 * refused, the batch keeps what it had. */
	ev_init(&e, 2, MS_BL_ROWS_WRITE);
	kv(x, 2, "x");
	ev_row(&e, NULL, x);
	x[1] = vbytes(MS_BL_V_ABSENT, NULL, 0);
	ev_row(&e, NULL, x);
	assert_int_equal(ms_ap_batch_add(b, NULL, t, &e.rows, &err),
			 MS_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "`d`.`t` column v"));
	assert_non_null(strstr(err.msg, "binlog_row_image=FULL"));
	/* A key column missing from a before image. */
	ev_init(&e, 2, MS_BL_ROWS_UPDATE);
	kv(x, 1, "x");
	x[0] = vbytes(MS_BL_V_ABSENT, NULL, 0);
	kv(y, 1, "y");
	ev_row(&e, x, y);
	assert_int_equal(ms_ap_batch_add(b, NULL, t, &e.rows, &err),
			 MS_EUNSUPPORTED);
	assert_non_null(
	    strstr(err.msg, "column id is missing from the before"));
	/* An UPDATE row without its after image: corrupt. */
	ev_init(&e, 2, MS_BL_ROWS_UPDATE);
	kv(x, 1, "x");
	ev_row(&e, x, NULL);
	assert_int_equal(ms_ap_batch_add(b, NULL, t, &e.rows, &err),
			 MS_ECORRUPT);
	assert_non_null(strstr(err.msg, "without its after image"));
	/* Column count differs. */
	ev_init(&e, 3, MS_BL_ROWS_WRITE);
	assert_int_equal(ms_ap_batch_add(b, NULL, t, &e.rows, &err), 0);
	kv(x, 3, "x");
	x[2] = vint(0);
	ev_row(&e, NULL, x);
	assert_int_equal(ms_ap_batch_add(b, NULL, t, &e.rows, &err),
			 MS_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "schemas diverged"));
	assert_int_equal(ms_ap_batch_changes(b), 1);
	assert_int_equal(ms_ap_batch_bytes(b), bytes);
	run(b, 0, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.sql[0], "REPLACE INTO `d`.`t` (`id`,`v`) VALUES "
				      "(1,_utf8mb4'keep')");
	got_free(&g);
	/* Reset drops everything; an empty flush runs nothing. */
	ev_init(&e, 2, MS_BL_ROWS_WRITE);
	kv(x, 1, "gone");
	ev_row(&e, NULL, x);
	add_ok(b, t, &e);
	ms_ap_batch_reset(b);
	run(b, 0, &g);
	assert_int_equal(g.n, 0);
	ms_ap_batch_free(b);
	ms_ap_table_free(t);
}

static int fail_second(void *ctx, const struct ap_stmt *s, struct ms_err *err)
{
	int *n = ctx;

	(void)s;
	return ++*n == 2 ? MS_ERR(err, MS_ESQL, "boom") : 0;
}

static void flush_error_empties(void **state)
{
	struct ms_ap_table *t = table(str_kv, 2, key_k, 1);
	struct ms_ap_batch *b = ms_ap_batch_new();
	struct ms_bl_value x[MAXC];
	struct ms_err err;
	struct ev e;
	uint64_t stmts = 0;
	int n = 0;

	(void)state;
	ev_init(&e, 2, MS_BL_ROWS_WRITE);
	sk(x, "a", 1);
	ev_row(&e, NULL, x);
	add_ok(b, t, &e);
	ev_init(&e, 2, MS_BL_ROWS_DELETE);
	ev_row(&e, x, NULL);
	add_ok(b, t, &e);
	ev_init(&e, 2, MS_BL_ROWS_WRITE);
	ev_row(&e, NULL, x);
	add_ok(b, t, &e);
	assert_int_equal(ap_batch_run(b, 0, fail_second, &n, &stmts, &err),
			 MS_ESQL);
	assert_int_equal(n, 2);
	assert_int_equal(stmts, 2);
	assert_int_equal(ms_ap_batch_changes(b), 0);
	ms_ap_batch_free(b);
	ms_ap_table_free(t);
}

static void enum_zero_counted(void **state)
{
	static const struct ap_coldef c[] = {
	    {"id", "int", "int(11)", NULL, false},
	    {"e", "enum", "enum('a','b')", "utf8mb4", false},
	};
	struct ms_ap_table *t = table(c, 2, key_id, 1);
	struct ms_ap_batch *b = ms_ap_batch_new();
	struct ms_bl_value x[MAXC];
	struct ev e;
	struct got g;

	(void)state;
	ev_init(&e, 2, MS_BL_ROWS_WRITE);
	for (int i = 0; i < 3; i++) {
		x[0] = vint(i);
		x[1] = vnum(MS_BL_V_ENUM, i == 1 ? 2 : 0);
		ev_row(&e, NULL, x);
	}
	add_ok(b, t, &e);
	run(b, 0, &g);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.enum_zero[0], 2);
	assert_string_equal(g.sql[0], "REPLACE INTO `d`.`t` (`id`,`e`) VALUES "
				      "(0,0),(1,2),(2,0)");
	got_free(&g);
	ms_ap_batch_free(b);
	ms_ap_table_free(t);
}

/* Many keys through the compaction hash (growth, collisions). */
static void many_keys(void **state)
{
	struct ms_ap_table *t = table(int_kv, 2, key_id, 1);
	struct ms_ap_batch *b = ms_ap_batch_new();
	struct ms_bl_value x[MAXC];
	struct ev e;
	struct got g;
	size_t reps = 0, dels = 0;

	(void)state;
	for (int round = 0; round < 300; round++) {
		ev_init(&e, 2,
			round % 3 == 2 ? MS_BL_ROWS_DELETE : MS_BL_ROWS_WRITE);
		for (int i = 0; i < 60; i++) {
			kv(x, (round * 37 + i * 11) % 500, "v");
			if (round % 3 == 2)
				ev_row(&e, x, NULL);
			else
				ev_row(&e, NULL, x);
		}
		add_ok(b, t, &e);
	}
	run(b, 1 << 20, &g);
	for (size_t i = 0; i < g.n; i++)
		if (g.kind[i] == AP_REPLACE)
			reps += g.rows[i];
		else
			dels += g.rows[i];
	/* each of the 500 keys touched exactly once in the output */
	assert_int_equal(reps + dels, 500);
	got_free(&g);
	ms_ap_batch_free(b);
	ms_ap_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(strings_exact),
	    cmocka_unit_test(unsigned_reinterpreted),
	    cmocka_unit_test(literals_by_kind),
	    cmocka_unit_test(value_refusals),
	    cmocka_unit_test(heads_and_generated),
	    cmocka_unit_test(members_counted),
	    cmocka_unit_test(no_key_refused),
	    cmocka_unit_test(int_key_compacted),
	    cmocka_unit_test(int_key_change),
	    cmocka_unit_test(string_key_in_order),
	    cmocka_unit_test(composite_key),
	    cmocka_unit_test(tables_apart),
	    cmocka_unit_test(split_at_budget),
	    cmocka_unit_test(refusals_leave_batch),
	    cmocka_unit_test(flush_error_empties),
	    cmocka_unit_test(enum_zero_counted),
	    cmocka_unit_test(many_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

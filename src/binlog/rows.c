/* Rows events: WRITE/UPDATE/DELETE v1 and v2, MySQL PARTIAL_UPDATE_ROWS and
 * MariaDB's compressed rows events.
 *
 * After the post-header (table id, flags, and for v2 the extra data) comes
 * the column count, a bitmap of the columns the images hold (two for
 * updates: before and after), then the rows. Each image is a NULL bitmap
 * over its present columns followed by the values of the present non-NULL
 * ones; a PARTIAL_UPDATE_ROWS after-image starts with the value options and
 * a bitmap of the JSON columns stored as diffs. MariaDB compresses
 * everything after the column bitmaps.
 *
 * Pre-GA rows events (MySQL 5.1.5 to 5.1.17) pack rows in the server's
 * in-memory record layout, which the binlog does not describe: refused. */
#include <string.h>

#include "binlog/binlog_int.h"

#define CORRUPT(err, ...) MS_ERR(err, MS_ECORRUPT, __VA_ARGS__)

/* v2 extra data tags (libbinlogevents enum_extra_row_info_typecode) */
#define EXTRA_NDB     0
#define EXTRA_PART    1
#define EXTRA_NDB_HDR 2 /* its length byte counts itself and a format byte */

/* binlog_row_value_options bit in PARTIAL_UPDATE_ROWS after-images */
#define PARTIAL_JSON_UPDATES 1

/* Columns present in one kind of image: their indexes, ascending. */
struct image {
	const uint32_t *cols;
	uint32_t n;
};

struct rows_ctx {
	struct ms_arena *a;
	const struct ms_bl_table_map *tm;
	struct image before, after;
	bool has_before, has_after;
	bool partial; /* PARTIAL_UPDATE_ROWS */
	bool decode;  /* decode values (else only size them) */
	/* PARTIAL_UPDATE_ROWS: each column's ordinal among the table's JSON
	 * columns (-1 for other types) and how many there are */
	const int32_t *json_ord;
	uint32_t njson;
	uint32_t row; /* 1-based, for messages */
};

static int nomem(struct ms_err *err)
{
	return MS_ERR(err, MS_ETOOLARGE,
		      "decoded rows exceed the memory limit");
}

static const char *type_name(unsigned int type)
{
	const char *s = ms_bl_coltype_name(type);

	return s ? s : "unknown type";
}

/* ---- event types --------------------------------------------------- */

static bool rows_kind(unsigned int type, struct ms_bl_rows *r)
{
	static const struct {
		uint8_t type, op, version;
		bool compressed;
	} kinds[] = {
	    {MS_BL_PRE_GA_WRITE_ROWS, MS_BL_ROWS_WRITE, 0, false},
	    {MS_BL_PRE_GA_UPDATE_ROWS, MS_BL_ROWS_UPDATE, 0, false},
	    {MS_BL_PRE_GA_DELETE_ROWS, MS_BL_ROWS_DELETE, 0, false},
	    {MS_BL_WRITE_ROWS_V1, MS_BL_ROWS_WRITE, 1, false},
	    {MS_BL_UPDATE_ROWS_V1, MS_BL_ROWS_UPDATE, 1, false},
	    {MS_BL_DELETE_ROWS_V1, MS_BL_ROWS_DELETE, 1, false},
	    {MS_BL_WRITE_ROWS, MS_BL_ROWS_WRITE, 2, false},
	    {MS_BL_UPDATE_ROWS, MS_BL_ROWS_UPDATE, 2, false},
	    {MS_BL_DELETE_ROWS, MS_BL_ROWS_DELETE, 2, false},
	    {MS_BL_PARTIAL_UPDATE_ROWS, MS_BL_ROWS_PARTIAL_UPDATE, 2, false},
	    {MS_BL_MARIA_WRITE_ROWS_COMPRESSED_V1, MS_BL_ROWS_WRITE, 1, true},
	    {MS_BL_MARIA_UPDATE_ROWS_COMPRESSED_V1, MS_BL_ROWS_UPDATE, 1, true},
	    {MS_BL_MARIA_DELETE_ROWS_COMPRESSED_V1, MS_BL_ROWS_DELETE, 1, true},
	    {MS_BL_MARIA_WRITE_ROWS_COMPRESSED, MS_BL_ROWS_WRITE, 2, true},
	    {MS_BL_MARIA_UPDATE_ROWS_COMPRESSED, MS_BL_ROWS_UPDATE, 2, true},
	    {MS_BL_MARIA_DELETE_ROWS_COMPRESSED, MS_BL_ROWS_DELETE, 2, true},
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i].type == type) {
			r->op = (enum ms_bl_rows_op)kinds[i].op;
			r->version = kinds[i].version;
			r->compressed = kinds[i].compressed;
			return true;
		}
	}
	return false;
}

/* ---- post-header --------------------------------------------------- */

/* NDB info and partition ids; an unknown tag ends what can be understood,
 * as in MySQL. The raw bytes stay in r->extra. */
static int parse_extra(struct ms_bl_rows *r, struct ms_err *err)
{
	bool update =
	    r->op == MS_BL_ROWS_UPDATE || r->op == MS_BL_ROWS_PARTIAL_UPDATE;
	struct bl_cur c;
	uint16_t part;
	uint8_t tag;

	bl_cur_init(&c, r->extra.p, r->extra.len);
	while (bl_u8(&c, &tag)) {
		if (tag == EXTRA_NDB) {
			if (!bl_left(&c) || c.p[0] < EXTRA_NDB_HDR ||
			    !bl_skip(&c, c.p[0]))
				return CORRUPT(err, "truncated NDB extra row "
						    "info");
			r->has_ndb_info = true;
		} else if (tag == EXTRA_PART) {
			if (!bl_u16(&c, &part))
				return CORRUPT(err, "truncated partition info");
			r->partition_id = part;
			if (update && !bl_u16(&c, &part))
				return CORRUPT(err,
					       "truncated source partition "
					       "info");
			if (update)
				r->source_partition_id = part;
		} else {
			break;
		}
	}
	return 0;
}

static int parse_header(struct ms_bl_decoder *d, unsigned int type,
			struct bl_cur *c, struct ms_bl_rows *r,
			struct ms_err *err)
{
	unsigned int idlen = bl_table_id_len(d, type);
	uint16_t xlen;

	if (!bl_uN(c, idlen, &r->table_id) || !bl_u16(c, &r->flags))
		return CORRUPT(err, "truncated post-header");
	if (r->version < 2)
		return 0;
	if (!bl_u16(c, &xlen))
		return CORRUPT(err, "truncated extra data length");
	/* the length counts its own two bytes */
	if (xlen < 2 || !bl_take(c, xlen - 2u, &r->extra.p))
		return CORRUPT(err,
			       "extra data of %u bytes with %zu bytes left",
			       xlen, bl_left(c) + 2);
	r->extra.len = xlen - 2u;
	return parse_extra(r, err);
}

/* ---- column bitmaps ------------------------------------------------ */

static int parse_bitmap(struct rows_ctx *x, struct bl_cur *c, uint32_t width,
			struct image *im, struct ms_err *err)
{
	const uint8_t *bits;
	uint32_t *cols;
	uint32_t n = 0;

	if (!bl_take(c, ((size_t)width + 7) / 8, &bits))
		return CORRUPT(err, "truncated column bitmap");
	cols = ms_arena_calloc(x->a, width, sizeof(*cols));
	if (!cols)
		return nomem(err);
	for (uint32_t i = 0; i < width; i++)
		if (bits[i / 8] >> (i % 8) & 1)
			cols[n++] = i;
	im->cols = cols;
	im->n = n;
	return 0;
}

static int parse_width(struct bl_cur *c, const struct ms_bl_table_map *tm,
		       struct ms_bl_rows *r, struct ms_err *err)
{
	uint64_t w;

	if (!bl_packed(c, &w))
		return CORRUPT(err, "truncated column count");
	if (w > tm->ncols)
		return CORRUPT(err,
			       "the rows event has %llu columns, its "
			       "TABLE_MAP %u",
			       (unsigned long long)w, tm->ncols);
	r->ncols = (uint32_t)w;
	return 0;
}

static int json_ordinals(struct rows_ctx *x, struct ms_err *err)
{
	int32_t *ord = ms_arena_calloc(x->a, x->tm->ncols, sizeof(*ord));

	if (!ord)
		return nomem(err);
	for (uint32_t i = 0; i < x->tm->ncols; i++)
		ord[i] = x->tm->cols[i].type == MS_BL_T_JSON
			     ? (int32_t)x->njson++
			     : -1;
	x->json_ord = ord;
	return 0;
}

/* The column count and the bitmaps of the images the event carries. */
static int parse_columns(struct rows_ctx *x, struct bl_cur *c,
			 struct ms_bl_rows *r, struct ms_err *err)
{
	int rc;

	x->has_before = r->op != MS_BL_ROWS_WRITE;
	x->has_after = r->op != MS_BL_ROWS_DELETE;
	x->partial = r->op == MS_BL_ROWS_PARTIAL_UPDATE;
	rc = parse_width(c, x->tm, r, err);
	/* an update lists the before-image columns first */
	if (!rc && x->has_before)
		rc = parse_bitmap(x, c, r->ncols, &x->before, err);
	if (!rc && x->has_after)
		rc = parse_bitmap(x, c, r->ncols, &x->after, err);
	if (!rc && x->partial)
		rc = json_ordinals(x, err);
	return rc;
}

/* ---- sizing values (decode_rows = false) --------------------------- */

/* <n> little-endian length bytes, then the data. */
static int size_prefixed(const uint8_t *p, size_t avail, unsigned int n,
			 unsigned int type, size_t *used, struct ms_err *err)
{
	uint64_t len;

	if (n < 1 || n > 4)
		return CORRUPT(err, "bad %s length size %u", type_name(type),
			       n);
	if (avail < n)
		return CORRUPT(err,
			       "truncated %s length: needs %u bytes, %zu left",
			       type_name(type), n, avail);
	len = bl_leN(p, n);
	if (len > avail - n)
		return CORRUPT(
		    err, "truncated %s value: needs %llu bytes, %zu left",
		    type_name(type), (unsigned long long)len, avail - n);
	*used = n + (size_t)len;
	return 0;
}

/* NEWDECIMAL: 4 bytes per 9 digits and 0-4 bytes for the rest, on each
 * side of the point. */
static int decimal_size(unsigned int prec, unsigned int scale, size_t *n,
			struct ms_err *err)
{
	static const uint8_t rest[9] = {0, 1, 1, 2, 2, 3, 3, 4, 4};

	if (prec < 1 || prec > 65 || scale > 30 || scale > prec)
		return CORRUPT(err, "bad DECIMAL(%u,%u)", prec, scale);
	*n = (prec - scale) / 9 * 4 + rest[(prec - scale) % 9] + scale / 9 * 4 +
	     rest[scale % 9];
	return 0;
}

/* Size of a value whose length the column type fixes, or -1. */
static long fixed_size(unsigned int type, unsigned int m)
{
	switch (type) {
	case MS_BL_T_NULL:
		return 0;
	case MS_BL_T_TINY:
	case MS_BL_T_YEAR:
		return 1;
	case MS_BL_T_SHORT:
		return 2;
	case MS_BL_T_INT24:
	case MS_BL_T_DATE:
	case MS_BL_T_NEWDATE:
	case MS_BL_T_TIME:
		return 3;
	case MS_BL_T_LONG:
	case MS_BL_T_FLOAT:
	case MS_BL_T_TIMESTAMP:
		return 4;
	case MS_BL_T_LONGLONG:
	case MS_BL_T_DOUBLE:
	case MS_BL_T_DATETIME:
		return 8;
	case MS_BL_T_TIMESTAMP2:
		return m <= 6 ? 4 + (long)(m + 1) / 2 : -1;
	case MS_BL_T_DATETIME2:
		return m <= 6 ? 5 + (long)(m + 1) / 2 : -1;
	case MS_BL_T_TIME2:
		return m <= 6 ? 3 + (long)(m + 1) / 2 : -1;
	case MS_BL_T_BIT:
		return (long)(m & 0xff) + ((m >> 8) != 0);
	case MS_BL_T_ENUM:
	case MS_BL_T_SET:
		return m & 0xff;
	default:
		return -1;
	}
}

/* How many bytes the value of <col> at <p> takes, without decoding it. */
static int value_size(const struct ms_bl_column *col, const uint8_t *p,
		      size_t avail, size_t *used, struct ms_err *err)
{
	unsigned int m = col->meta, maxlen;
	long fixed = fixed_size(col->type, m);
	size_t n = (size_t)fixed;
	int rc;

	switch (col->type) {
	case MS_BL_T_VARCHAR:
	case MS_BL_T_VAR_STRING:
		return size_prefixed(p, avail, m < 256 ? 1 : 2, col->type, used,
				     err);
	case MS_BL_T_STRING:
		maxlen = ((m >> 8 & 0x30) ^ 0x30) << 4 | (m & 0xff);
		return size_prefixed(p, avail, maxlen < 256 ? 1 : 2, col->type,
				     used, err);
	case MS_BL_T_TINY_BLOB:
	case MS_BL_T_MEDIUM_BLOB:
	case MS_BL_T_LONG_BLOB:
	case MS_BL_T_BLOB:
	case MS_BL_T_GEOMETRY:
	case MS_BL_T_JSON:
	case MS_BL_T_VECTOR:
		return size_prefixed(p, avail, m, col->type, used, err);
	case MS_BL_T_NEWDECIMAL:
		rc = decimal_size(m >> 8, m & 0xff, &n, err);
		if (rc)
			return rc;
		break;
	default:
		if (fixed < 0)
			return MS_ERR(err, MS_EUNSUPPORTED,
				      "cannot decode %s (%u) values with "
				      "metadata 0x%04x",
				      type_name(col->type), col->type, m);
	}
	if (n > avail)
		return CORRUPT(err,
			       "truncated %s value: needs %zu bytes, %zu "
			       "left",
			       type_name(col->type), n, avail);
	*used = n;
	return 0;
}

/* ---- rows ---------------------------------------------------------- */

/* A partial JSON column: a 4-byte length and the diff list. */
static int json_diff_value(struct rows_ctx *x, struct bl_cur *c,
			   struct ms_bl_value *v, struct ms_err *err)
{
	struct ms_bl_json_diff *diffs = NULL;
	const uint8_t *p;
	uint32_t n;
	int rc;

	if (!bl_u32(c, &n))
		return CORRUPT(err,
			       "truncated JSON diff length: needs 4 "
			       "bytes, %zu left",
			       bl_left(c));
	if (!bl_take(c, n, &p))
		return CORRUPT(err,
			       "truncated JSON diff: needs %u bytes, %zu "
			       "left",
			       n, bl_left(c));
	if (!v)
		return 0;
	v->kind = MS_BL_V_JSON_DIFF;
	if (n == 0)
		return 0; /* no operation: the document is unchanged */
	rc = bl_json_diffs(p, n, x->a, &diffs, &v->ndiffs, err);
	v->diffs = diffs;
	return rc;
}

/* Decodes (or, when <v> is NULL, skips) column <i>'s value. */
static int column_value(struct rows_ctx *x, struct bl_cur *c, uint32_t i,
			bool partial, struct ms_bl_value *v, struct ms_err *err)
{
	const struct ms_bl_column *col = &x->tm->cols[i];
	size_t used = 0;
	int rc;

	if (partial)
		return json_diff_value(x, c, v, err);
	if (v)
		rc =
		    bl_value_decode(col, c->p, bl_left(c), x->a, v, &used, err);
	else
		rc = value_size(col, c->p, bl_left(c), &used, err);
	if (rc)
		return rc;
	if (used > bl_left(c))
		return MS_ERR(err, MS_EINTERNAL,
			      "value decoder used %zu bytes of %zu", used,
			      bl_left(c));
	c->p += used;
	return 0;
}

static int column_error(const struct rows_ctx *x, uint32_t i, int rc,
			struct ms_err *err)
{
	const char *name = x->tm->cols[i].name;

	ms_err_prefix(err, "table %s.%s row %u column %u%s%s%s", x->tm->schema,
		      x->tm->table, x->row, i + 1, name ? " (" : "",
		      name ? name : "", name ? ")" : "");
	return rc;
}

static bool is_partial(const struct rows_ctx *x, const uint8_t *bits,
		       uint32_t i)
{
	int32_t k;

	if (!bits)
		return false;
	k = x->json_ord[i];
	return k >= 0 && bits[k / 8] >> (k % 8) & 1;
}

/* One image: a NULL bit per present column, then the non-NULL values.
 * <v> is NULL when only sizing; <partial> marks JSON diff columns. */
static int image_decode(struct rows_ctx *x, struct bl_cur *c,
			const struct image *im, struct ms_bl_value *v,
			const uint8_t *partial, struct ms_err *err)
{
	size_t nb = ((size_t)im->n + 7) / 8;
	const uint8_t *nulls;
	uint32_t i;
	int rc;

	if (!bl_take(c, nb, &nulls))
		return CORRUPT(err,
			       "table %s.%s row %u: truncated NULL bitmap: "
			       "needs %zu bytes, %zu left",
			       x->tm->schema, x->tm->table, x->row, nb,
			       bl_left(c));
	for (uint32_t k = 0; k < im->n; k++) {
		i = im->cols[k];
		if (nulls[k / 8] >> (k % 8) & 1) {
			if (v)
				v[i].kind = MS_BL_V_NULL;
			continue;
		}
		rc = column_value(x, c, i, is_partial(x, partial, i),
				  v ? &v[i] : NULL, err);
		if (rc)
			return column_error(x, i, rc, err);
	}
	return 0;
}

/* PARTIAL_UPDATE_ROWS after-images start with the value options and, with
 * PARTIAL_JSON, a bit per JSON column of the table: set when the column
 * holds a diff list instead of a document. */
static int after_image(struct rows_ctx *x, struct bl_cur *c,
		       struct ms_bl_value *v, struct ms_err *err)
{
	const uint8_t *partial = NULL;
	uint64_t opts;

	if (x->partial) {
		if (!bl_packed(c, &opts))
			return CORRUPT(err,
				       "table %s.%s row %u: truncated value "
				       "options",
				       x->tm->schema, x->tm->table, x->row);
		if ((opts & PARTIAL_JSON_UPDATES) &&
		    !bl_take(c, ((size_t)x->njson + 7) / 8, &partial))
			return CORRUPT(err,
				       "table %s.%s row %u: truncated partial "
				       "JSON bitmap",
				       x->tm->schema, x->tm->table, x->row);
	}
	return image_decode(x, c, &x->after, v, partial, err);
}

/* Room for one more row in r->rows (doubling) and its value arrays, all
 * images of the row in one allocation; absent columns stay zero
 * (MS_BL_V_ABSENT). */
static int row_alloc(struct rows_ctx *x, struct ms_bl_rows *r, uint32_t *cap,
		     struct ms_err *err)
{
	size_t ncols = x->tm->ncols;
	struct ms_bl_row *rows, *row;
	struct ms_bl_value *v;

	if (r->nrows == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		rows = ms_arena_calloc(x->a, *cap, sizeof(*rows));
		if (!rows)
			return nomem(err);
		if (r->nrows)
			memcpy(rows, r->rows, r->nrows * sizeof(*rows));
		r->rows = rows;
	}
	v = ms_arena_calloc(x->a, ncols * (x->has_before + x->has_after),
			    sizeof(*v));
	if (!v)
		return nomem(err);
	row = &r->rows[r->nrows];
	row->before = x->has_before ? v : NULL;
	row->after = x->has_after ? v + (x->has_before ? ncols : 0) : NULL;
	return 0;
}

static int rows_walk(struct rows_ctx *x, const uint8_t *p, size_t len,
		     struct ms_bl_rows *r, struct ms_err *err)
{
	struct ms_bl_row *row = NULL;
	const uint8_t *start;
	struct bl_cur c;
	uint32_t cap = 0;
	int rc = 0;

	bl_cur_init(&c, p, len);
	while (bl_left(&c)) {
		start = c.p;
		x->row = r->nrows + 1;
		if (x->decode) {
			rc = row_alloc(x, r, &cap, err);
			if (rc)
				return rc;
			row = &r->rows[r->nrows];
		}
		if (x->has_before)
			rc = image_decode(x, &c, &x->before,
					  row ? row->before : NULL, NULL, err);
		if (!rc && x->has_after)
			rc = after_image(x, &c, row ? row->after : NULL, err);
		if (rc)
			return rc;
		if (c.p == start)
			return CORRUPT(err,
				       "table %s.%s row %u: %zu bytes left "
				       "but the images hold no column",
				       x->tm->schema, x->tm->table, x->row,
				       bl_left(&c));
		r->nrows++;
	}
	return 0;
}

/* ---- the event ----------------------------------------------------- */

/* A statement whose rows were all filtered out can end with an empty rows
 * event for table id ~0 with STMT_END_F; no TABLE_MAP names that id. */
static int dummy_rows(struct ms_bl_decoder *d, unsigned int type,
		      struct bl_cur *c, struct ms_bl_rows *r,
		      struct ms_err *err)
{
	unsigned int idlen = bl_table_id_len(d, type);
	uint64_t all = idlen == 4 ? 0xffffffffULL : 0xffffffffffffULL;
	uint64_t w;
	size_t nbitmaps =
	    r->op == MS_BL_ROWS_WRITE || r->op == MS_BL_ROWS_DELETE ? 1 : 2;

	if (r->table_id != all)
		return CORRUPT(err,
			       "rows event for table id %llu without a "
			       "preceding TABLE_MAP",
			       (unsigned long long)r->table_id);
	if (!bl_packed(c, &w) || w > bl_left(c) ||
	    bl_left(c) != nbitmaps * (((size_t)w + 7) / 8))
		return CORRUPT(err,
			       "rows event for the dummy table id %llu "
			       "carries rows",
			       (unsigned long long)r->table_id);
	r->ncols = (uint32_t)w;
	return 0;
}

int bl_rows_decode(struct ms_bl_decoder *d, struct ms_arena *a,
		   unsigned int type, const uint8_t *body, size_t len,
		   struct ms_bl_rows *out, struct ms_err *err)
{
	struct rows_ctx x = {.a = a, .decode = d->opt.decode_rows};
	const uint8_t *p;
	struct bl_cur c;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	out->partition_id = out->source_partition_id = -1;
	if (!rows_kind(type, out))
		return MS_ERR(err, MS_EINTERNAL, "event type %u is not rows",
			      type);
	if (out->version == 0)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "pre-GA rows events (MySQL 5.1.5 to 5.1.17) "
			      "pack rows in the server's record layout, which "
			      "the binlog does not describe");
	bl_cur_init(&c, body, len);
	rc = parse_header(d, type, &c, out, err);
	if (rc)
		return rc;
	x.tm = out->tm = ms_bl_decoder_table(d, out->table_id);
	if (!x.tm)
		return dummy_rows(d, type, &c, out, err);
	rc = parse_columns(&x, &c, out, err);
	p = c.p;
	n = bl_left(&c);
	if (!rc && out->compressed)
		rc = bl_maria_inflate(c.p, bl_left(&c), a, &p, &n, err);
	if (rc) {
		ms_err_prefix(err, "table %s.%s", x.tm->schema, x.tm->table);
		return rc;
	}
	return rows_walk(&x, p, n, out, err);
}

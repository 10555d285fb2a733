/* Table maps: the TABLE_MAP body (column types, their metadata, nullability
 * and the optional metadata of MySQL 8.0+ binlog_row_metadata and MariaDB
 * 10.5+), and the decoder's registry of maps by table id.
 *
 * The registry is open addressing with linear probing over a power-of-2
 * array. Each slot owns an arena that holds its map (and a copy of the
 * TABLE_MAP body the map borrows from), so replacing a table id frees exactly
 * the old map. Slots are only ever removed all at once, so no tombstones. */
#include <stdlib.h>
#include <string.h>

#include "binlog/binlog_int.h"

#define CORRUPT(err, ...) MS_ERR(err, MS_ECORRUPT, __VA_ARGS__)

#define TABLES_MIN 16
/* Distinct table ids kept before ms_bl_decoder_release_tables is needed. */
#define TABLES_MAX ((size_t)1 << 20)

/* MariaDB's binlog types of COMPRESSED columns (10.3+). Their values are
 * compressed, which value.c refuses, but the map itself must parse. */
#define MARIA_T_BLOB_COMPRESSED	   140
#define MARIA_T_VARCHAR_COMPRESSED 141

/* Optional metadata field types (libbinlogevents Table_map_event). */
enum opt_type {
	OPT_SIGNEDNESS = 1,
	OPT_DEFAULT_CHARSET,
	OPT_COLUMN_CHARSET,
	OPT_COLUMN_NAME,
	OPT_SET_STR_VALUE,
	OPT_ENUM_STR_VALUE,
	OPT_GEOMETRY_TYPE,
	OPT_SIMPLE_PRIMARY_KEY,
	OPT_PRIMARY_KEY_WITH_PREFIX,
	OPT_ENUM_AND_SET_DEFAULT_CHARSET,
	OPT_ENUM_AND_SET_COLUMN_CHARSET,
	OPT_COLUMN_VISIBILITY,
	OPT_VECTOR_DIMENSIONALITY,
};

/* ---- registry ------------------------------------------------------ */

static size_t slot_hash(uint64_t id, size_t cap)
{
	id *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(id ^ id >> 32) & (cap - 1);
}

/* The slot of <id>, or of the free slot where it would go. The load factor
 * stays below 3/4, so the probe always ends. */
static struct bl_table_slot *slot_probe(struct bl_table_slot *t, size_t cap,
					uint64_t id)
{
	size_t i = slot_hash(id, cap);

	while (t[i].used && t[i].table_id != id)
		i = (i + 1) & (cap - 1);
	return &t[i];
}

static int tables_grow(struct ms_bl_decoder *d, struct ms_err *err)
{
	size_t cap = d->cap_tables ? d->cap_tables * 2 : TABLES_MIN;
	struct bl_table_slot *t;

	if (cap > TABLES_MAX)
		return MS_ERR(err, MS_ETOOLARGE,
			      "more than %zu table ids mapped; release table "
			      "maps between statements",
			      TABLES_MAX * 3 / 4);
	t = calloc(cap, sizeof(*t));
	if (!t)
		return MS_ERR(err, MS_ENOMEM, "no memory for %zu table maps",
			      cap);
	for (size_t i = 0; i < d->cap_tables; i++)
		if (d->tables[i].used)
			*slot_probe(t, cap, d->tables[i].table_id) =
			    d->tables[i];
	free(d->tables);
	d->tables = t;
	d->cap_tables = cap;
	return 0;
}

/* The slot for <id>, emptied of any previous map. */
static int slot_take(struct ms_bl_decoder *d, uint64_t id,
		     struct bl_table_slot **out, struct ms_err *err)
{
	struct bl_table_slot *s = NULL;
	int rc;

	if (d->cap_tables)
		s = slot_probe(d->tables, d->cap_tables, id);
	if (s && s->used) {
		ms_arena_reset(&s->arena);
		s->tm = NULL;
		*out = s;
		return 0;
	}
	if ((d->ntables + 1) * 4 > d->cap_tables * 3) {
		rc = tables_grow(d, err);
		if (rc)
			return rc;
		s = slot_probe(d->tables, d->cap_tables, id);
	}
	ms_arena_init(&s->arena, 0);
	s->used = true;
	s->table_id = id;
	s->tm = NULL;
	d->ntables++;
	*out = s;
	return 0;
}

const struct ms_bl_table_map *ms_bl_decoder_table(const struct ms_bl_decoder *d,
						  uint64_t table_id)
{
	const struct bl_table_slot *s;

	if (!d->cap_tables)
		return NULL;
	s = slot_probe(d->tables, d->cap_tables, table_id);
	return s->used ? s->tm : NULL;
}

void bl_tables_clear(struct ms_bl_decoder *d)
{
	for (size_t i = 0; i < d->cap_tables; i++)
		if (d->tables[i].used)
			ms_arena_free(&d->tables[i].arena);
	free(d->tables);
	d->tables = NULL;
	d->ntables = 0;
	d->cap_tables = 0;
}

unsigned int bl_table_id_len(const struct ms_bl_decoder *d, unsigned int type)
{
	if (d->have_fde && type >= 1 && type - 1 < d->fde.ntypes &&
	    d->fde.post_header_len[type - 1] == 6)
		return 4;
	return 6;
}

/* ---- column classes for optional metadata -------------------------- */

/* Each optional metadata field lists values for one class of columns, in
 * column order. The classes follow what the servers write, which is not
 * what their own mysqlbinlog assumes everywhere:
 * - numeric (SIGNEDNESS): integers, FLOAT, DOUBLE, DECIMAL; MariaDB also
 *   YEAR (a Field_tiny there, always UNSIGNED); never BIT.
 * - character (DEFAULT_/COLUMN_CHARSET): CHAR, VARCHAR, BINARY, the BLOB/
 *   TEXT family (binary ones too, as collation 63), MySQL 9 VECTOR; MariaDB
 *   also GEOMETRY (collation 63) and its JSON, which is a LONGTEXT there.
 *   Never ENUM/SET, and never MySQL's JSON or GEOMETRY.
 * - ENUM and SET together for ENUM_AND_SET_*, each alone for *_STR_VALUE.
 * The real type decides (ENUM/SET arrive as STRING). */
typedef bool (*col_class)(const struct ms_bl_column *c, bool maria);

static bool is_numeric(const struct ms_bl_column *c, bool maria)
{
	switch (c->type) {
	case MS_BL_T_DECIMAL:
	case MS_BL_T_TINY:
	case MS_BL_T_SHORT:
	case MS_BL_T_INT24:
	case MS_BL_T_LONG:
	case MS_BL_T_LONGLONG:
	case MS_BL_T_FLOAT:
	case MS_BL_T_DOUBLE:
	case MS_BL_T_NEWDECIMAL:
		return true;
	case MS_BL_T_YEAR:
		return maria;
	default:
		return false;
	}
}

static bool is_character(const struct ms_bl_column *c, bool maria)
{
	switch (c->type) {
	case MS_BL_T_STRING:
	case MS_BL_T_VAR_STRING:
	case MS_BL_T_VARCHAR:
	case MS_BL_T_TINY_BLOB:
	case MS_BL_T_MEDIUM_BLOB:
	case MS_BL_T_LONG_BLOB:
	case MS_BL_T_BLOB:
	case MS_BL_T_VECTOR:
		return true;
	case MS_BL_T_GEOMETRY:
	case MARIA_T_BLOB_COMPRESSED:
	case MARIA_T_VARCHAR_COMPRESSED:
		return maria;
	default:
		return false;
	}
}

static bool is_any(const struct ms_bl_column *c, bool maria)
{
	(void)c;
	(void)maria;
	return true;
}

static bool is_enum_or_set(const struct ms_bl_column *c, bool maria)
{
	(void)maria;
	return c->type == MS_BL_T_ENUM || c->type == MS_BL_T_SET;
}

static bool is_enum(const struct ms_bl_column *c, bool maria)
{
	(void)maria;
	return c->type == MS_BL_T_ENUM;
}

static bool is_set(const struct ms_bl_column *c, bool maria)
{
	(void)maria;
	return c->type == MS_BL_T_SET;
}

static bool is_geometry(const struct ms_bl_column *c, bool maria)
{
	(void)maria;
	return c->type == MS_BL_T_GEOMETRY;
}

static bool is_vector(const struct ms_bl_column *c, bool maria)
{
	(void)maria;
	return c->type == MS_BL_T_VECTOR;
}

/* ---- parsing ------------------------------------------------------- */

struct tm_parse {
	struct ms_arena *a;
	struct ms_bl_table_map *tm;
	bool maria;
	uint32_t *sel; /* scratch: the columns of one class */
};

static int nomem(struct ms_err *err)
{
	return MS_ERR(err, MS_ETOOLARGE, "table map exceeds the memory limit");
}

/* Fills t->sel with the indexes of the columns of class <cls>. */
static uint32_t select_cols(struct tm_parse *t, col_class cls)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < t->tm->ncols; i++)
		if (cls(&t->tm->cols[i], t->maria))
			t->sel[n++] = i;
	return n;
}

/* A length byte, the name, and a NUL. The name is borrowed from the body
 * copy, where the NUL ends it. */
static int parse_name(struct bl_cur *c, const char *what, const char **out,
		      struct ms_err *err)
{
	const uint8_t *p;
	uint8_t n;

	if (!bl_u8(c, &n) || !bl_take(c, (size_t)n + 1, &p))
		return CORRUPT(err, "truncated %s name", what);
	if (p[n] != 0)
		return CORRUPT(err, "%s name is not NUL-terminated", what);
	*out = (const char *)p;
	return 0;
}

/* Bytes of TABLE_MAP metadata a column type carries, or -1 for a type a
 * TABLE_MAP cannot carry (or we do not know). */
static int meta_size(unsigned int type)
{
	switch (type) {
	case MS_BL_T_DECIMAL:
	case MS_BL_T_TINY:
	case MS_BL_T_SHORT:
	case MS_BL_T_LONG:
	case MS_BL_T_NULL:
	case MS_BL_T_TIMESTAMP:
	case MS_BL_T_LONGLONG:
	case MS_BL_T_INT24:
	case MS_BL_T_DATE:
	case MS_BL_T_TIME:
	case MS_BL_T_DATETIME:
	case MS_BL_T_YEAR:
	case MS_BL_T_NEWDATE:
		return 0;
	case MS_BL_T_FLOAT:
	case MS_BL_T_DOUBLE:
	case MS_BL_T_TIMESTAMP2:
	case MS_BL_T_DATETIME2:
	case MS_BL_T_TIME2:
	case MS_BL_T_VECTOR:
	case MS_BL_T_JSON:
	case MS_BL_T_TINY_BLOB:
	case MS_BL_T_MEDIUM_BLOB:
	case MS_BL_T_LONG_BLOB:
	case MS_BL_T_BLOB:
	case MS_BL_T_GEOMETRY:
	case MARIA_T_BLOB_COMPRESSED:
		return 1;
	case MS_BL_T_VARCHAR:
	case MS_BL_T_BIT:
	case MS_BL_T_NEWDECIMAL:
	case MS_BL_T_ENUM:
	case MS_BL_T_SET:
	case MS_BL_T_VAR_STRING:
	case MS_BL_T_STRING:
	case MARIA_T_VARCHAR_COMPRESSED:
		return 2;
	default:
		return -1;
	}
}

/* STRING metadata packs the real type and the byte length: CHAR longer
 * than 255 bytes keeps bits 8-9 of its length, inverted, in bits 4-5 of
 * the type byte. */
static unsigned int string_real_type(uint8_t b0)
{
	return (b0 & 0x30) != 0x30 ? (unsigned int)(b0 | 0x30) : b0;
}

static unsigned int string_max_len(uint8_t b0, uint8_t b1)
{
	return (unsigned int)((b0 & 0x30) ^ 0x30) << 4 | b1;
}

static void set_meta(struct ms_bl_column *col, const uint8_t *m, int n)
{
	unsigned int real;

	col->type = col->map_type;
	if (n == 1) {
		col->meta = m[0];
	} else if (n == 2 && (col->map_type == MS_BL_T_VARCHAR ||
			      col->map_type == MARIA_T_VARCHAR_COMPRESSED)) {
		col->meta = bl_le16(m);
	} else if (n == 2 && col->map_type == MS_BL_T_VAR_STRING) {
		/* 4.1-era VARCHAR is a Field_string and writes STRING
		 * metadata; keep the contract's plain maximum length */
		col->meta = (uint16_t)string_max_len(m[0], m[1]);
	} else if (n == 2) {
		col->meta = (uint16_t)(m[0] << 8 | m[1]);
		real = string_real_type(m[0]);
		if (col->map_type == MS_BL_T_STRING &&
		    (real == MS_BL_T_ENUM || real == MS_BL_T_SET))
			col->type = (uint8_t)real;
	}
}

static int parse_columns(struct bl_cur *c, struct ms_bl_table_map *tm,
			 struct ms_err *err)
{
	const uint8_t *types, *meta, *nulls;
	uint64_t mlen;
	size_t off = 0;
	int n;

	if (!bl_take(c, tm->ncols, &types))
		return CORRUPT(err, "truncated column types (%u columns)",
			       tm->ncols);
	/* early MySQL 5.1 releases wrote neither metadata nor NULL bits; MySQL
	 * reads both as optional too */
	if (!bl_left(c)) {
		for (uint32_t i = 0; i < tm->ncols; i++) {
			tm->cols[i].map_type = tm->cols[i].type = types[i];
			tm->cols[i].nullable = true;
		}
		return 0;
	}
	if (!bl_packed(c, &mlen) || !bl_take(c, mlen, &meta))
		return CORRUPT(err, "truncated column metadata");
	for (uint32_t i = 0; i < tm->ncols; i++) {
		tm->cols[i].map_type = types[i];
		n = meta_size(types[i]);
		if (n < 0)
			return MS_ERR(err, MS_EUNSUPPORTED,
				      "column %u has type %u (%s), which we "
				      "cannot decode",
				      i + 1, types[i],
				      ms_bl_coltype_name(types[i])
					  ? ms_bl_coltype_name(types[i])
					  : "unknown");
		if (mlen - off < (size_t)n)
			return CORRUPT(err,
				       "column metadata is %llu bytes, "
				       "column %u needs more",
				       (unsigned long long)mlen, i + 1);
		set_meta(&tm->cols[i], meta + off, n);
		off += (size_t)n;
	}
	if (off != mlen)
		return CORRUPT(err,
			       "column metadata is %llu bytes, the columns use "
			       "%zu",
			       (unsigned long long)mlen, off);
	if (!bl_take(c, (tm->ncols + 7) / 8, &nulls))
		return CORRUPT(err, "truncated NULL bitmap");
	for (uint32_t i = 0; i < tm->ncols; i++)
		tm->cols[i].nullable = nulls[i / 8] >> (i % 8) & 1;
	return 0;
}

/* ---- optional metadata fields -------------------------------------- */

static int opt_packed(struct bl_cur *c, uint64_t max, uint64_t *v,
		      struct ms_err *err)
{
	if (!bl_packed(c, v))
		return CORRUPT(err, "truncated");
	if (*v > max)
		return CORRUPT(err, "value %llu out of range",
			       (unsigned long long)*v);
	return 0;
}

static int opt_leftover(const struct bl_cur *c, struct ms_err *err)
{
	if (bl_left(c))
		return CORRUPT(err, "%zu bytes left over", bl_left(c));
	return 0;
}

/* A bit per column of class <cls>, most significant bit first. */
static int opt_bits(struct tm_parse *t, struct bl_cur *c, col_class cls,
		    bool unsigned_bits, struct ms_err *err)
{
	uint32_t n = select_cols(t, cls);
	struct ms_bl_column *col;
	bool bit;

	if (bl_left(c) != ((size_t)n + 7) / 8)
		return CORRUPT(err, "%zu bytes for %u columns", bl_left(c), n);
	for (uint32_t k = 0; k < n; k++) {
		col = &t->tm->cols[t->sel[k]];
		bit = c->p[k / 8] & 0x80 >> (k % 8);
		if (unsigned_bits)
			col->is_unsigned = bit ? 1 : 0;
		else
			col->visible = bit ? 1 : 0;
	}
	return 0;
}

/* A default collation, then (ordinal within the class, collation) pairs
 * for the columns that differ. */
static int opt_default_charset(struct tm_parse *t, struct bl_cur *c,
			       col_class cls, struct ms_err *err)
{
	uint32_t n = select_cols(t, cls);
	uint64_t def, k, cs;
	int rc;

	rc = opt_packed(c, UINT16_MAX, &def, err);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < n; i++)
		t->tm->cols[t->sel[i]].charset = (uint16_t)def;
	while (bl_left(c)) {
		rc = opt_packed(c, UINT32_MAX, &k, err);
		if (!rc)
			rc = opt_packed(c, UINT16_MAX, &cs, err);
		if (rc)
			return rc;
		if (k >= n)
			return CORRUPT(err, "column %llu of %u",
				       (unsigned long long)k, n);
		t->tm->cols[t->sel[k]].charset = (uint16_t)cs;
	}
	return 0;
}

/* One packed value per column of class <cls>, stored by <put>. */
typedef void (*col_put)(struct ms_bl_column *col, uint64_t v);

static void put_charset(struct ms_bl_column *col, uint64_t v)
{
	col->charset = (uint16_t)v;
}

static void put_geometry(struct ms_bl_column *col, uint64_t v)
{
	col->geometry_type = (uint32_t)v;
}

static void put_vector_dim(struct ms_bl_column *col, uint64_t v)
{
	col->vector_dim = (uint32_t)v;
}

static int opt_per_column(struct tm_parse *t, struct bl_cur *c, col_class cls,
			  uint64_t max, col_put put, struct ms_err *err)
{
	uint32_t n = select_cols(t, cls);
	uint64_t v;
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		rc = opt_packed(c, max, &v, err);
		if (rc)
			return rc;
		put(&t->tm->cols[t->sel[i]], v);
	}
	return opt_leftover(c, err);
}

static int opt_string(struct bl_cur *c, struct ms_bl_bytes *out,
		      struct ms_err *err)
{
	uint64_t n;

	if (!bl_packed(c, &n) || !bl_take(c, n, &out->p))
		return CORRUPT(err, "truncated");
	out->len = n;
	return 0;
}

static int opt_names(struct tm_parse *t, struct bl_cur *c, struct ms_err *err)
{
	struct ms_bl_bytes s;
	int rc;

	for (uint32_t i = 0; i < t->tm->ncols; i++) {
		rc = opt_string(c, &s, err);
		if (rc)
			return rc;
		t->tm->cols[i].name = ms_arena_strndup(t->a, s.p, s.len);
		if (!t->tm->cols[i].name)
			return nomem(err);
	}
	return opt_leftover(c, err);
}

/* For each ENUM (or SET) column: a count, then that many strings. The
 * strings are borrowed from the body copy. */
static int opt_str_values(struct tm_parse *t, struct bl_cur *c, col_class cls,
			  struct ms_err *err)
{
	uint32_t n = select_cols(t, cls);
	struct ms_bl_column *col;
	struct ms_bl_bytes *s;
	uint64_t count;
	int rc;

	for (uint32_t i = 0; i < n; i++) {
		col = &t->tm->cols[t->sel[i]];
		rc = opt_packed(c, bl_left(c), &count, err);
		if (rc)
			return rc;
		s = ms_arena_calloc(t->a, count, sizeof(*s));
		if (!s)
			return nomem(err);
		for (uint64_t k = 0; k < count; k++) {
			rc = opt_string(c, &s[k], err);
			if (rc)
				return rc;
		}
		col->strings = s;
		col->nstrings = (uint32_t)count;
	}
	return opt_leftover(c, err);
}

/* Column indexes, or (index, prefix length) pairs. */
static int opt_primary_key(struct tm_parse *t, struct bl_cur *c,
			   bool with_prefix, struct ms_err *err)
{
	uint64_t i, prefix = 0;
	int rc;

	while (bl_left(c)) {
		rc = opt_packed(c, t->tm->ncols - 1, &i, err);
		if (!rc && with_prefix)
			rc = opt_packed(c, UINT16_MAX, &prefix, err);
		if (rc)
			return rc;
		t->tm->cols[i].pk = true;
		t->tm->cols[i].pk_prefix = (uint16_t)prefix;
	}
	return 0;
}

static const char *opt_name(unsigned int type)
{
	static const char *const names[] = {
	    "?",
	    "SIGNEDNESS",
	    "DEFAULT_CHARSET",
	    "COLUMN_CHARSET",
	    "COLUMN_NAME",
	    "SET_STR_VALUE",
	    "ENUM_STR_VALUE",
	    "GEOMETRY_TYPE",
	    "SIMPLE_PRIMARY_KEY",
	    "PRIMARY_KEY_WITH_PREFIX",
	    "ENUM_AND_SET_DEFAULT_CHARSET",
	    "ENUM_AND_SET_COLUMN_CHARSET",
	    "COLUMN_VISIBILITY",
	    "VECTOR_DIMENSIONALITY",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

static int opt_field(struct tm_parse *t, unsigned int type, struct bl_cur *c,
		     struct ms_err *err)
{
	struct ms_bl_table_map *tm = t->tm;

	switch (type) {
	case OPT_SIGNEDNESS:
		tm->has_signedness = true;
		return opt_bits(t, c, is_numeric, true, err);
	case OPT_DEFAULT_CHARSET:
		tm->has_charsets = true;
		return opt_default_charset(t, c, is_character, err);
	case OPT_COLUMN_CHARSET:
		tm->has_charsets = true;
		return opt_per_column(t, c, is_character, UINT16_MAX,
				      put_charset, err);
	case OPT_COLUMN_NAME:
		tm->has_names = true;
		return opt_names(t, c, err);
	case OPT_SET_STR_VALUE:
		tm->has_enum_set_strings = true;
		return opt_str_values(t, c, is_set, err);
	case OPT_ENUM_STR_VALUE:
		tm->has_enum_set_strings = true;
		return opt_str_values(t, c, is_enum, err);
	case OPT_GEOMETRY_TYPE:
		return opt_per_column(t, c, is_geometry, UINT32_MAX,
				      put_geometry, err);
	case OPT_SIMPLE_PRIMARY_KEY:
	case OPT_PRIMARY_KEY_WITH_PREFIX:
		tm->has_pk = true;
		return opt_primary_key(
		    t, c, type == OPT_PRIMARY_KEY_WITH_PREFIX, err);
	case OPT_ENUM_AND_SET_DEFAULT_CHARSET:
		tm->has_charsets = true;
		return opt_default_charset(t, c, is_enum_or_set, err);
	case OPT_ENUM_AND_SET_COLUMN_CHARSET:
		tm->has_charsets = true;
		return opt_per_column(t, c, is_enum_or_set, UINT16_MAX,
				      put_charset, err);
	case OPT_COLUMN_VISIBILITY:
		tm->has_visibility = true;
		return opt_bits(t, c, is_any, false, err);
	case OPT_VECTOR_DIMENSIONALITY:
		return opt_per_column(t, c, is_vector, UINT32_MAX,
				      put_vector_dim, err);
	default:
		return 0; /* a later server's field: skipped */
	}
}

/* Type-length-value fields up to the end of the body. */
static int parse_optional(struct tm_parse *t, struct bl_cur *c,
			  struct ms_err *err)
{
	struct bl_cur f;
	uint64_t n;
	uint8_t type;
	int rc;

	while (bl_left(c)) {
		if (!bl_u8(c, &type) || !bl_packed(c, &n) || n > bl_left(c))
			return CORRUPT(err, "truncated optional metadata");
		bl_cur_init(&f, c->p, n);
		c->p += n;
		rc = opt_field(t, type, &f, err);
		if (rc) {
			ms_err_prefix(err, "optional metadata %s",
				      opt_name(type));
			return rc;
		}
	}
	return 0;
}

/* ---- the event ----------------------------------------------------- */

/* A map borrows from a copy of its body and needs at most a few dozen
 * bytes per body byte: a column struct per type byte, a string reference
 * per ENUM/SET string byte, aligned copies of the names. */
#define TM_ARENA_PER_BYTE 128
#define TM_ARENA_FIXED	  ((size_t)64 * 1024)
#define TM_BLOCK_MAX	  ((size_t)1 << 20)

static int parse_table(struct tm_parse *t, struct bl_cur *c, struct ms_err *err)
{
	struct ms_bl_table_map *tm = t->tm;
	uint64_t ncols;

	if (!bl_packed(c, &ncols))
		return CORRUPT(err, "truncated column count");
	if (ncols == 0 || ncols > bl_left(c))
		return CORRUPT(err, "column count %llu with %zu bytes left",
			       (unsigned long long)ncols, bl_left(c));
	tm->ncols = (uint32_t)ncols;
	tm->cols = ms_arena_calloc(t->a, ncols, sizeof(*tm->cols));
	t->sel = ms_arena_calloc(t->a, ncols, sizeof(*t->sel));
	if (!tm->cols || !t->sel)
		return nomem(err);
	for (uint32_t i = 0; i < tm->ncols; i++) {
		tm->cols[i].is_unsigned = -1;
		tm->cols[i].visible = -1;
	}
	return parse_columns(c, tm, err);
}

/* Parses the body (copied into the slot's arena) into t->tm. */
static int parse_body(struct tm_parse *t, const uint8_t *body, size_t len,
		      unsigned int idlen, struct ms_err *err)
{
	struct ms_bl_table_map *tm;
	struct bl_cur c;
	uint8_t *copy;
	int rc;

	copy = ms_arena_alloc(t->a, len);
	tm = ms_arena_zalloc(t->a, sizeof(*tm));
	if (!copy || !tm)
		return nomem(err);
	memcpy(copy, body, len);
	t->tm = tm;
	bl_cur_init(&c, copy, len);
	tm->table_id = bl_leN(copy, idlen);
	tm->flags = bl_le16(copy + idlen);
	c.p += idlen + 2;
	rc = parse_name(&c, "schema", &tm->schema, err);
	if (!rc)
		rc = parse_name(&c, "table", &tm->table, err);
	if (rc)
		return rc;
	rc = parse_table(t, &c, err);
	if (!rc)
		rc = parse_optional(t, &c, err);
	if (rc)
		ms_err_prefix(err, "table %s.%s", tm->schema, tm->table);
	return rc;
}

int bl_table_map_decode(struct ms_bl_decoder *d, const uint8_t *body,
			size_t len, const struct ms_bl_table_map **out,
			struct ms_err *err)
{
	unsigned int idlen = bl_table_id_len(d, MS_BL_TABLE_MAP);
	struct tm_parse t = {.maria = d->fde.flavor == MS_BL_FLAVOR_MARIADB};
	struct bl_table_slot *s;
	int rc;

	if (len > MS_BL_EVENT_MAX)
		return CORRUPT(err, "TABLE_MAP of %zu bytes", len);
	if (len < (size_t)idlen + 2)
		return CORRUPT(err, "truncated post-header: %zu bytes of %u",
			       len, idlen + 2);
	rc = slot_take(d, bl_leN(body, idlen), &s, err);
	if (rc)
		return rc;
	s->arena.cap = TM_ARENA_FIXED + len * TM_ARENA_PER_BYTE;
	s->arena.block_size = len * 16 + 1024;
	if (s->arena.block_size > TM_BLOCK_MAX)
		s->arena.block_size = TM_BLOCK_MAX;
	t.a = &s->arena;
	/* on failure the slot keeps no map: rows for this id must not be
	 * decoded with the one it replaced */
	rc = parse_body(&t, body, len, idlen, err);
	if (rc)
		return rc;
	s->tm = t.tm;
	*out = t.tm;
	return 0;
}

/* Internals shared by the binlog decoder's files: bounds-checked readers,
 * the decoder state, and the entry points of each part (values, JSON,
 * table maps, rows, events). Every reader checks its length first; nothing
 * here reads past <end>. */
#ifndef MS_BINLOG_INT_H
#define MS_BINLOG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binlog/binlog.h"
#include "core/arena.h"
#include "core/err.h"

/* ---- fixed-width readers (caller checked the length) ------------------- */

static inline uint16_t bl_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t bl_le24(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}
static inline uint32_t bl_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}
static inline uint64_t bl_le48(const uint8_t *p)
{
	return (uint64_t)bl_le32(p) | (uint64_t)bl_le16(p + 4) << 32;
}
static inline uint64_t bl_le64(const uint8_t *p)
{
	return (uint64_t)bl_le32(p) | (uint64_t)bl_le32(p + 4) << 32;
}
/* Little-endian of 1..8 bytes. */
static inline uint64_t bl_leN(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}
/* Big-endian of 1..8 bytes. */
static inline uint64_t bl_beN(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---- cursor ------------------------------------------------------------ */

struct bl_cur {
	const uint8_t *p;
	const uint8_t *end;
};

static inline void bl_cur_init(struct bl_cur *c, const uint8_t *p, size_t n)
{
	c->p = p;
	c->end = p + n;
}
static inline size_t bl_left(const struct bl_cur *c)
{
	return (size_t)(c->end - c->p);
}
/* Each returns false, consuming nothing, when fewer bytes are left. */
static inline bool bl_skip(struct bl_cur *c, size_t n)
{
	if (bl_left(c) < n)
		return false;
	c->p += n;
	return true;
}
static inline bool bl_take(struct bl_cur *c, size_t n, const uint8_t **out)
{
	if (bl_left(c) < n)
		return false;
	*out = c->p;
	c->p += n;
	return true;
}
static inline bool bl_u8(struct bl_cur *c, uint8_t *v)
{
	if (bl_left(c) < 1)
		return false;
	*v = *c->p++;
	return true;
}
static inline bool bl_u16(struct bl_cur *c, uint16_t *v)
{
	if (bl_left(c) < 2)
		return false;
	*v = bl_le16(c->p);
	c->p += 2;
	return true;
}
static inline bool bl_u32(struct bl_cur *c, uint32_t *v)
{
	if (bl_left(c) < 4)
		return false;
	*v = bl_le32(c->p);
	c->p += 4;
	return true;
}
static inline bool bl_u64(struct bl_cur *c, uint64_t *v)
{
	if (bl_left(c) < 8)
		return false;
	*v = bl_le64(c->p);
	c->p += 8;
	return true;
}
static inline bool bl_uN(struct bl_cur *c, unsigned int n, uint64_t *v)
{
	if (bl_left(c) < n)
		return false;
	*v = bl_leN(c->p, n);
	c->p += n;
	return true;
}
/* MySQL packed integer (net_field_length): < 251 in one byte, 0xfc + 2,
 * 0xfd + 3, 0xfe + 8 bytes. 0xfb (NULL) and 0xff are refused. */
static inline bool bl_packed(struct bl_cur *c, uint64_t *v)
{
	uint8_t b;
	unsigned int n;

	if (bl_left(c) < 1)
		return false;
	b = c->p[0];
	if (b < 251) {
		*v = b;
		c->p++;
		return true;
	}
	n = b == 0xfc ? 2 : b == 0xfd ? 3 : b == 0xfe ? 8 : 0;
	if (!n || bl_left(c) < 1 + (size_t)n)
		return false;
	*v = bl_leN(c->p + 1, n);
	c->p += 1 + n;
	return true;
}

/* ---- decoder state ----------------------------------------------------- */

/* One registered table map with the arena that holds it. */
struct bl_table_slot {
	uint64_t table_id;
	bool used;
	struct ms_arena arena;
	struct ms_bl_table_map *tm;
};

struct ms_bl_decoder {
	struct ms_bl_options opt;
	struct ms_bl_fde fde;
	bool have_fde;
	/* open-addressing table: table_id -> slot; capacity a power of 2 */
	struct bl_table_slot *tables;
	size_t ntables, cap_tables;
	/* nesting depth of TRANSACTION_PAYLOAD decoding (refuse nesting) */
	int depth;
};

/* Table id width in TABLE_MAP/rows post-headers: 6, or 4 for 5.1.x with
 * the old 6-byte post-header disabled. */
unsigned int bl_table_id_len(const struct ms_bl_decoder *d, unsigned int type);

/* ---- values (value.c) -------------------------------------------------- */

/* Decodes one non-NULL value of column <c> at <p> (at most <avail> bytes)
 * into <v>, and stores the bytes it used in <*used>. Text (decimal,
 * temporal, JSON, ENUM/SET names) goes to <a>; strings and blobs borrow
 * <p>. Errors: MS_ECORRUPT "truncated VARCHAR value (needs N bytes, M
 * left)", "bad DECIMAL precision 70", etc.; MS_EUNSUPPORTED for a type we
 * cannot decode; MS_ETOOLARGE when the arena is full. The message does not
 * name the column: the caller prefixes it. */
int bl_value_decode(const struct ms_bl_column *c, const uint8_t *p,
		    size_t avail, struct ms_arena *a, struct ms_bl_value *v,
		    size_t *used, struct ms_err *err);

/* The parts of a temporal value, and which of them a text form shows. */
struct bl_tparts {
	bool neg; /* TIME only */
	uint32_t year, month, day, hour, min, sec, usec;
};
#define BL_TP_DATE 1u
#define BL_TP_TIME 2u

/* Writes <t> the way MySQL prints it at <fsp> (0-6) fraction digits:
 * "YYYY-MM-DD", "[-]HH:MM:SS[.f]" (hours may take 3 digits) or both with a
 * space; zero dates and zero parts are kept. At most 32 bytes, no NUL;
 * returns the end. (value.c; the JSON renderer's opaque values use it.) */
char *bl_temporal_str(char *s, const struct bl_tparts *t, unsigned int parts,
		      unsigned int fsp);

/* Exact decimal text of a NEWDECIMAL in binary form (precision, scale) at
 * <p> (<avail> bytes); <*used> gets the bytes consumed. The text is written
 * to <a>, NUL-terminated. */
int bl_decimal_text(const uint8_t *p, size_t avail, unsigned int precision,
		    unsigned int scale, struct ms_arena *a, const char **text,
		    size_t *textlen, size_t *used, struct ms_err *err);

/* ---- MySQL binary JSON (jsonb.c) --------------------------------------- */

/* Renders a MySQL binary JSON document (<len> bytes; 0 bytes is JSON null)
 * as canonical JSON text in <a>, the way MySQL prints it: ", " and ": "
 * separators, keys in stored order, opaque values as MySQL renders them
 * (temporal and decimal as their text, others "base64:typeNN:..."). */
int bl_jsonb_text(const uint8_t *p, size_t len, struct ms_arena *a,
		  const char **text, size_t *textlen, struct ms_err *err);

/* True when <s> is well-formed UTF-8: no overlong forms, surrogates, code
 * points above U+10FFFF or cut sequences. The dump and the JSON renderer
 * both decide on it whether bytes can be a JSON string. */
bool bl_utf8_valid(const uint8_t *s, size_t n);

/* Decodes the JSON diff list of a PARTIAL_UPDATE_ROWS after-image column
 * (<len> bytes) into an array in <a>. */
int bl_json_diffs(const uint8_t *p, size_t len, struct ms_arena *a,
		  struct ms_bl_json_diff **diffs, uint32_t *ndiffs,
		  struct ms_err *err);

/* ---- table maps and rows (tablemap.c, rows.c) -------------------------- */

/* Parses a TABLE_MAP body and registers it in <d> (replacing any map with
 * the same table id). <*out> points at the decoder's copy. */
int bl_table_map_decode(struct ms_bl_decoder *d, const uint8_t *body,
			size_t len, const struct ms_bl_table_map **out,
			struct ms_err *err);

/* Parses a rows event body of <type> (WRITE/UPDATE/DELETE pre-GA/v1/v2,
 * PARTIAL_UPDATE_ROWS, MariaDB *_ROWS_COMPRESSED*, whose rows data after the
 * column bitmaps is inflated with bl_maria_inflate) into <out>, values in
 * <a>. Errors name the table, the row number and the column. */
int bl_rows_decode(struct ms_bl_decoder *d, struct ms_arena *a,
		   unsigned int type, const uint8_t *body, size_t len,
		   struct ms_bl_rows *out, struct ms_err *err);

/* MariaDB compressed payload (QUERY_COMPRESSED text, compressed rows data):
 * one byte 0x80|n, n (1..4) bytes of big-endian uncompressed length, then a
 * zlib stream. Inflates into <a>. (event.c) */
int bl_maria_inflate(const uint8_t *p, size_t len, struct ms_arena *a,
		     const uint8_t **out, size_t *outlen, struct ms_err *err);

/* ---- events (event.c, decoder.c) -------------------------------------- */

/* Parses a FORMAT_DESCRIPTION body (<len> bytes after the common header,
 * including the trailing algorithm byte and checksum when the server
 * version writes them). */
int bl_fde_decode(const uint8_t *body, size_t len, struct ms_bl_fde *f,
		  struct ms_err *err);

/* Decodes ev->body by ev->h.type into ev->kind and ev->u, except the FDE,
 * which the decoder applies itself. */
int bl_event_body(struct ms_bl_decoder *d, struct ms_arena *a,
		  struct ms_bl_event *ev, struct ms_err *err);

/* Renders a USER_VAR value (REAL, INT, DECIMAL as text; STRING raw) into
 * u->text. (value.c owns the number formats; this lives in render.c.) */
int bl_user_var_text(struct ms_bl_user_var *u, struct ms_arena *a,
		     struct ms_err *err);

/* Forgets every table map (e.g. after a STMT_END or on a new FDE). */
void bl_tables_clear(struct ms_bl_decoder *d);

#endif

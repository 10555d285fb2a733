/* Internal to src/verify: the values of the row-level diff and of repair.
 * Canonical forms for comparing values across servers (exact bytes,
 * doubles, JSON documents), the 128-bit row digest, the key as text for
 * people (ms_verify_diff.key), and the key as bytes and SQL for the
 * by-key reads of diff.c and repair.c. value.c and json.c; see
 * docs/verify.md ("Row-level diff"). */
#ifndef MS_VERIFY_VALUE_H
#define MS_VERIFY_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/key.h"
#include "verify/verify_int.h"

/* ---- json.c ------------------------------------------------------------ */

#define VF_JSON_MAX_DEPTH  512		       /* nested arrays and objects */
#define VF_JSON_MAX_NUMBER 4096		       /* bytes of one number */
#define VF_JSON_MAX_MEM	   ((size_t)512 << 20) /* parse tree and strings */

/* Appends to <out> the canonical text of the JSON document in <s> (<len>
 * bytes, borrowed, need not be NUL-terminated; NUL bytes are invalid):
 * RFC 8259 parsed strictly (any scalar or container at the top, UTF-8
 * validated, no control characters in strings, no lone surrogates), then
 * written with no whitespace, object members sorted by key bytes with
 * duplicate keys resolved last-wins (as MySQL stores them), strings
 * unescaped and written with only ", \ and bytes < 0x20 escaped (\u00XX),
 * and numbers by value: an integer literal that fits int64/uint64 as its
 * decimal, anything else as the double strtod gives, written as an integer
 * when it is one below 2^63 (so 1, 1.0, 10e-1 and 1e0 are equal) and as
 * %.17g otherwise. The result is itself JSON and its own canonical form.
 * Returns 0, MS_EPARSE naming the offset, MS_ETOOLARGE past
 * VF_JSON_MAX_DEPTH, VF_JSON_MAX_NUMBER or VF_JSON_MAX_MEM (or <out>'s
 * cap), or MS_ENOMEM. On failure <out> may hold part of the text. */
int vf_json_canon(const char *s, size_t len, struct ms_buf *out,
		  struct ms_err *err) MS_WUR;

/* Length of the well-formed UTF-8 sequence at <s> (<n> > 0 bytes left):
 * 1 to 4, or 0 when it is not one (overlong, surrogate, past U+10FFFF,
 * truncated). */
size_t vf_utf8_len(const unsigned char *s, size_t n);

/* ---- value.c: comparison ------------------------------------------------ */

/* Appends to <out> the canonical bytes of a non-NULL value read for a
 * column compared as <cmp>: BYTES the value itself; FLOAT 'F' and the 8
 * bytes of the double (-0 as 0), or 'B' and the bytes when it is not a
 * number; JSON 'J' and vf_json_canon, or 'B' and the bytes when it is not
 * JSON. Two values are equal exactly when their canonical bytes are. */
int vf_value_canon(enum vf_cmp cmp, const char *v, size_t len,
		   struct ms_buf *out) MS_WUR;

/* Whether two values (NULL = SQL NULL) are equal under <cmp>. NULL equals
 * only NULL; '' is not NULL. A canonical form that cannot be built for
 * want of memory compares the bytes (never hides a difference). */
bool vf_value_equal(enum vf_cmp cmp, const char *a, size_t alen, const char *b,
		    size_t blen);

/* A 128-bit digest. Not cryptographic: it only spares the first read of
 * a chunk from keeping whole rows; every reported difference is compared
 * value by value. */
struct vf_digest {
	uint64_t a, b;
};

void vf_digest_init(struct vf_digest *d, uint64_t seed);
void vf_digest_add(struct vf_digest *d, const void *p, size_t len);
bool vf_digest_eq(const struct vf_digest *x, const struct vf_digest *y);

/* Adds one row (<n> values, vals[i] NULL = SQL NULL) to <d> through the
 * canonical form of each column of <cols>. <scratch> is a work buffer. */
int vf_digest_row(struct vf_digest *d, const struct vf_col *cols, size_t n,
		  const char *const *vals, const size_t *lens,
		  struct ms_buf *scratch) MS_WUR;

/* ---- value.c: text for people ------------------------------------------- */

/* How a value is shown in a key text. */
enum vf_show {
	VF_SHOW_NUM = 0, /* bare */
	VF_SHOW_STR,	 /* '...', ' and \ escaped, bytes < 0x20, 0x7f and
			    bytes that are not UTF-8 as \xNN */
	VF_SHOW_BIN,	 /* 0xHEX (0x for the empty string) */
};

/* Appends one value as <how> shows it; NULL as NULL. */
int vf_show_value(enum vf_show how, const char *v, size_t len,
		  struct ms_buf *out) MS_WUR;

/* The way a column's values are shown: numeric types bare, binary
 * strings in hex, everything else quoted. */
enum vf_show vf_show_of(const struct ms_column *c);

/* Appends "col=value, col=value" for the key <k> (raw values as
 * vf_key_select reads them): ms_verify_diff.key of a keyed table. */
int vf_key_text(const struct ms_key *k, const char *const *vals,
		const size_t *lens, struct ms_buf *out) MS_WUR;

/* The same over every column of a keyless table's row (source names). */
int vf_row_text(const struct vf_col *cols, size_t n, const char *const *vals,
		const size_t *lens, struct ms_buf *out) MS_WUR;

/* ---- value.c: the key as bytes and SQL ----------------------------------- */

/* Appends the select list of the key's raw values, in the SOURCE key's
 * encoding whichever side <k> is: character parts as their stored bytes
 * (CAST(c AS BINARY), whatever character_set_results is), converted first
 * to the source charset where the part has in_charset (a target key);
 * floats +0e0, ENUM/SET/BIT +0, everything else as is. The values read
 * back are what ms_key_literals of either side's key takes. */
int vf_key_select(const struct ms_key *k, struct ms_buf *out) MS_WUR;

/* Encodes <n> key values as one byte string (per value a 4-byte length,
 * 0xffffffff for NULL, then the bytes): rows match by it. */
int vf_key_encode(const char *const *vals, const size_t *lens, size_t n,
		  struct ms_buf *out) MS_WUR;

/* Splits an encoding of <n> values back (pointers into <enc>, borrowed).
 * MS_ECORRUPT when it does not hold exactly <n> values. */
int vf_key_decode(const char *enc, size_t len, size_t n, const char **vals,
		  size_t *lens) MS_WUR;

/* Reads a literal list made by ms_key_literals of <k> back into raw
 * values: <raw> receives their bytes, vals/lens (k->n each) point into it
 * (valid until <raw> changes). MS_EPARSE when <lits> is not such a list. */
int vf_lits_decode(const struct ms_key *k, const char *lits, struct ms_buf *raw,
		   const char **vals, size_t *lens) MS_WUR;

/* Appends a predicate selecting the rows whose key is one of <nkeys> keys
 * (encoded as vf_key_encode, raw values): "`a` IN (l1, l2)" for one
 * column, else "(`a` = l AND `b` = l) OR (...)", literals from <k>. */
int vf_key_in(const struct ms_key *k, const char *const *keys,
	      const size_t *klens, size_t nkeys, struct ms_buf *out) MS_WUR;

/* ---- rowset.c: rows by key --------------------------------------------- */

/* Rows read from one side, found again by their key bytes (the encoded
 * key, or for a keyless table the row digest): a hash map with chains,
 * rows kept in read order. Values are kept only when asked (diff's
 * by-key re-reads, repair, keyless tables). Identical rows of a keyless
 * table are one entry with a count. */
struct vf_rowrec {
	size_t koff, klen; /* key bytes in keys */
	size_t voff, vlen; /* encoded values in vals (keep) */
	uint64_t kh;	   /* hash of the key bytes */
	size_t next;	   /* next row of the chain, SIZE_MAX at the end */
	struct vf_digest d;
	uint64_t count; /* occurrences (1 unless merged) */
	uint64_t used;	/* occurrences matched by the other side */
};

struct vf_rowset {
	struct vf_rowrec *rows; /* owned, n of them, read order */
	size_t n, cap;
	size_t *heads, *tails; /* owned, nheads (a power of 2) chains */
	size_t nheads;
	struct ms_buf keys, vals;
	bool keep;
};

/* <val_cap>: most bytes of kept values (MS_ETOOLARGE past it). */
void vf_rowset_init(struct vf_rowset *s, bool keep, size_t val_cap);
void vf_rowset_free(struct vf_rowset *s);

/* Accepts or refuses a row of the set for the caller's purpose (the
 * same values, say). */
typedef bool (*vf_rowset_ok_fn)(void *ctx, const struct vf_rowset *s,
				size_t idx);

/* Adds a row with key <key> (<klen> bytes, borrowed) and digest <d>; when
 * the set keeps values, also the <nvals> values. With <merge> (may be
 * NULL), a row with the same key that <merge> accepts counts one more
 * occurrence instead. *<idx> (may be NULL) gets the row's index. Returns
 * 0, MS_ENOMEM or MS_ETOOLARGE. */
int vf_rowset_add(struct vf_rowset *s, const char *key, size_t klen,
		  const struct vf_digest *d, const char *const *vals,
		  const size_t *lens, size_t nvals, vf_rowset_ok_fn merge,
		  void *ctx, size_t *idx) MS_WUR;

/* The first row, in read order, with key <key>, an occurrence not yet
 * used, and that <ok> (may be NULL) accepts; SIZE_MAX when there is
 * none. */
size_t vf_rowset_find(const struct vf_rowset *s, const char *key, size_t klen,
		      vf_rowset_ok_fn ok, void *ctx);

/* The key bytes of row <idx> (borrowed). */
const char *vf_rowset_key(const struct vf_rowset *s, size_t idx, size_t *klen);

/* The <n> kept values of row <idx> into vals/lens (borrowed from <s>).
 * MS_ECORRUPT when they do not decode as <n> values. */
int vf_rowset_values(const struct vf_rowset *s, size_t idx, size_t n,
		     const char **vals, size_t *lens) MS_WUR;

#endif

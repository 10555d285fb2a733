/* Internal to src/sync/apply*.c (and its unit test): the table description
 * the applier renders with, the text buffer literals are appended to, and
 * the statement runner behind ms_ap_batch_flush. See apply.h and
 * docs/sync.md ("The applier"). */
#ifndef MS_SYNC_APPLY_INT_H
#define MS_SYNC_APPLY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sync/apply.h"

/* Largest text one batch may hold (rendered rows and keys). */
#define AP_TEXT_MAX	 ((size_t)4 << 30)
#define AP_MAX_KEY_PARTS 64
#define AP_MAX_COLUMNS	 4096
/* Default statement budget of ms_ap_batch_flush. */
#define AP_STMT_DEFAULT ((size_t)4 << 20)

/* How a column's string values are written. */
enum ap_ctype {
	AP_C_OTHER = 0, /* by the value's kind alone */
	AP_C_INT,	/* TINYINT .. BIGINT */
	AP_C_CHAR,	/* a character type: _charset'...' */
	AP_C_BINARY,	/* BINARY, VARBINARY, BLOBs: X'...' */
	AP_C_FIXBIN,	/* MariaDB INET4/INET6/UUID: X'...' of their size */
	AP_C_ENUM,
	AP_C_SET,
	AP_C_BIT,
};

struct ap_col {
	char *name; /* owned */
	enum ap_ctype type;
	uint8_t int_bits; /* AP_C_INT: 8, 16, 24, 32 or 64 */
	bool is_unsigned;
	bool generated;
	bool wide;	  /* ucs2/utf16/utf16le/utf32: always hex */
	char *charset;	  /* AP_C_CHAR: the introducer's name, owned */
	uint32_t pad;	  /* BINARY(N), INET6, ...: N (values arrive with
			     their trailing 0x00 stripped), else 0 */
	uint32_t members; /* ENUM/SET members, 0 when unknown */
	uint32_t bits;	  /* BIT(n): n */
};

struct ap_meta {
	struct ap_col *cols;
	size_t key[AP_MAX_KEY_PARTS]; /* column indexes of the key */
	size_t nkey;
	bool int_key;	    /* every key column is an integer: compact */
	char *qname;	    /* `schema`.`table` */
	char *replace_head; /* REPLACE INTO `s`.`t` (`a`,`b`) VALUES */
	size_t replace_len;
	char *delete_head; /* DELETE FROM `s`.`t` WHERE `k` IN ( */
	size_t delete_len;
};

/* One column as the table's metadata describes it (ms_ap_table_load reads
 * it from information_schema; unit tests write it by hand). Strings are
 * borrowed; <charset> NULL for non-character types. */
struct ap_coldef {
	const char *name;
	const char *data_type;	 /* "int", "varchar", ... */
	const char *column_type; /* "int(10) unsigned", "enum('a','b')" */
	const char *charset;
	bool generated;
};

/* Builds the applier's table from its columns in ordinal order and the
 * names of its key columns. MS_EUNSUPPORTED when <nkey> is 0 (no usable
 * key) or a key column is unknown. *<out> is freed with
 * ms_ap_table_free. */
int ap_table_build(const char *schema, const char *name,
		   const struct ap_coldef *cols, size_t ncols,
		   const char *const *key, size_t nkey,
		   struct ms_ap_table **out, struct ms_err *err) MS_WUR;

/* ---- text: one growing buffer literals are appended to ------------------ */

struct ap_text {
	char *p;
	size_t len, alloc, cap;
};

void ap_text_init(struct ap_text *t, size_t cap);
void ap_text_free(struct ap_text *t);
/* Makes room for <n> more bytes plus a NUL. Returns 0, MS_ETOOLARGE or
 * MS_ENOMEM. */
int ap_text_reserve(struct ap_text *t, size_t n) MS_WUR;
int ap_text_add(struct ap_text *t, const void *p, size_t n) MS_WUR;

/* ---- values (apply_value.c) --------------------------------------------- */

/* Appends the SQL literal of <v>, a value of column <c> of table <t>
 * (<bc> is the binlog's column, NULL when unknown), to <out>. A MariaDB
 * ENUM index 0 adds 1 to *<enum_zero> (the server warns about it). <before>
 * is the image's before-image for a partial JSON update's unchanged
 * columns (may be NULL). Errors name the table and column. */
int ap_render_value(struct ap_text *out, const struct ms_ap_table *t, size_t c,
		    const struct ms_bl_column *bc, const struct ms_bl_value *v,
		    const struct ms_bl_value *before, uint32_t *enum_zero,
		    struct ms_err *err) MS_WUR;

/* Appends <n> bytes as a string literal in charset <cs> (NULL: binary):
 * _cs'...' with quotes doubled, or _cs X'...' when the bytes hold 0x00 or
 * 0x5c (exact whether or not NO_BACKSLASH_ESCAPES is set), X'...' for
 * binary; <pad> > <n> appends 0x00 bytes up to <pad>. */
int ap_render_string(struct ap_text *out, const char *cs, bool wide,
		     const uint8_t *p, size_t n, size_t pad) MS_WUR;

/* ---- running a batch ---------------------------------------------------- */

enum ap_kind {
	AP_REPLACE = 1,
	AP_DELETE = 2,
};

/* One statement ms_ap_batch_flush runs. */
struct ap_stmt {
	const struct ms_ap_table *t;
	enum ap_kind kind;
	size_t rows;
	uint32_t enum_zero; /* ENUM index-0 values in it */
	const char *sql;    /* NUL-terminated, <len> bytes */
	size_t len;
};

typedef int (*ap_exec_fn)(void *ctx, const struct ap_stmt *s,
			  struct ms_err *err);

/* Builds the batch's statements (compacted or in order, split at
 * <max_stmt_bytes>, 0 = AP_STMT_DEFAULT) and hands each to <fn>; stops at
 * the first error. Empties the batch either way. */
int ap_batch_run(struct ms_ap_batch *b, size_t max_stmt_bytes, ap_exec_fn fn,
		 void *ctx, uint64_t *statements, struct ms_err *err) MS_WUR;

/* "REPLACE" / "DELETE". */
const char *ap_kind_name(enum ap_kind k);

#endif

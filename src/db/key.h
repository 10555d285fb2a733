/* A table's chunk key as SQL: key values read from a server become
 * literals, and literal lists become range predicates. Shared by copy
 * (segments and chunks) and verify (checksum chunks). See docs/copy.md,
 * "Chunking". */
#ifndef MS_DB_KEY_H
#define MS_DB_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "db/schema.h"

#define MS_KEY_MAX_PARTS 64 /* MySQL allows 16, MariaDB 32 */

/* How a key value read from a server becomes a SQL literal. */
enum ms_key_lit {
	MS_KEY_LIT_NUM,	   /* integer, decimal, year, float (read as x+0e0),
			      enum/set/bit (read as x+0): the text as is */
	MS_KEY_LIT_STR,	   /* character string: _cs X'..' COLLATE coll */
	MS_KEY_LIT_BIN,	   /* binary string: X'..' */
	MS_KEY_LIT_QUOTED, /* temporal and others: _utf8mb4 X'..' */
};

struct ms_key_part {
	const struct ms_column *col; /* borrowed from the schema */
	enum ms_key_lit lit;
	char *quoted; /* `name`, owned */
	/* Charset the raw values are in when it differs from the column's
	 * (a target key fed with values read from the source): the literal
	 * becomes CONVERT(_in X'..' USING cs) COLLATE coll. Borrowed; NULL =
	 * the column's own. */
	const char *in_charset;
};

struct ms_key {
	const struct ms_index *ix; /* borrowed; NULL = the table has none */
	struct ms_key_part *parts; /* owned, n of them */
	size_t n;
	bool int_key; /* one integer column */
};

/* Column type classes, by information_schema DATA_TYPE. */
bool ms_type_is_int(const char *data_type);
bool ms_type_is_float(const char *data_type);
bool ms_type_is_num(const char *data_type); /* int, float, decimal, year */

/* Fills <k> from <t>'s chunk key (ms_table_chunk_key); n == 0 when the
 * table has none. MS_ETOOLARGE beyond MS_KEY_MAX_PARTS. */
int ms_key_init(struct ms_key *k, const struct ms_table *t) MS_WUR;
void ms_key_free(struct ms_key *k);

/* Marks the parts of <k> (a target table's key) whose charset differs
 * from the same part of <from> (the source's), so literals built from
 * values read on the source convert them. Parts are matched by position. */
void ms_key_convert_from(struct ms_key *k, const struct ms_key *from);

/* Appends the literal list "lit,lit" for one key value: vals[i]/lens[i]
 * as read with ms_key_exprs(order=false). Commas never occur inside the
 * literals. MS_EINVAL for a NULL part. */
int ms_key_literals(const struct ms_key *k, const char *const *vals,
		    const size_t *lens, struct ms_buf *out) MS_WUR;

/* Appends "key <op> (lits)", <op> ">" or "<=", expanded into ORs of
 * prefixes for composite keys so every range optimizer uses the index. */
int ms_key_pred(const struct ms_key *k, const char *lits, const char *op,
		struct ms_buf *out) MS_WUR;

/* Appends " WHERE <from <] AND [<= to>" for the range (from, to], NULL
 * meaning unbounded; nothing when both are NULL. */
int ms_key_range(const struct ms_key *k, const char *from, const char *to,
		 struct ms_buf *out) MS_WUR;

/* Appends the key columns as a select list that ms_key_literals reads
 * back (order=false: floats +0e0, enum/set/bit +0), or as an ORDER BY
 * list (order=true). */
int ms_key_exprs(const struct ms_key *k, bool order, struct ms_buf *out) MS_WUR;

/* The boundary <n> rows past <lo> (NULL = from the start) in key order on
 * <db>'s table <table_q> (`s`.`t`), by keyset: "SELECT key FROM t FORCE
 * INDEX WHERE key > lo ORDER BY key LIMIT 1 OFFSET n-1". Its literal list
 * under each of the <nout> keys as[i] (the same columns: a target's key
 * converts charsets) is appended to out[i]; they stay empty when fewer
 * rows are left. */
int ms_key_next_boundary(const struct ms_key *k, struct ms_db *db,
			 const char *table_q, const char *lo, uint64_t n,
			 const struct ms_key *const *as,
			 struct ms_buf *const *out, size_t nout,
			 struct ms_err *err) MS_WUR;

/* Appends " FORCE INDEX (`key`)". */
int ms_key_force_index(const struct ms_key *k, struct ms_buf *out) MS_WUR;

#endif

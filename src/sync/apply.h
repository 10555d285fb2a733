/* The row applier: decoded binlog rows events in, idempotent SQL on the
 * target out, following the consistency model (DESIGN.md,
 * docs/consistency.md):
 *  - a WRITE or an UPDATE becomes a REPLACE of the full after-image, by key;
 *  - a DELETE deletes by key;
 *  - an UPDATE whose key changed also deletes the old key first;
 * so replaying a change twice is harmless. Changes are collected in a batch
 * (one or more whole source transactions: the caller decides the group) and
 * executed as multi-row statements inside the caller's target transaction.
 *
 * Column names and types come from the target's table metadata (which sync
 * keeps in step with the source by replaying DDL), matched to the binlog's
 * columns by position. Generated columns are never written. Values keep
 * their exact bytes: strings as the stored bytes with the column's charset
 * introducer, floats at full precision, temporals as text in UTC (the
 * applier session runs with time_zone '+00:00').
 * Design note: docs/sync.md. */
#ifndef MS_SYNC_APPLY_H
#define MS_SYNC_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "binlog/binlog.h"
#include "core/err.h"
#include "db/db.h"

/* What the applier knows about one target table. */
struct ms_ap_table {
	char *schema; /* target names, owned */
	char *name;
	size_t ncols; /* all columns, generated ones included, in ordinal
			 order: binlog column i is target column i */
	void *priv;   /* the rest (columns, key), owned */
};

/* Reads <schema>.<table>'s metadata on <tgt> (information_schema: columns
 * with types, signedness, charsets, generated flags; the key: the primary
 * key, else a unique key whose columns are all NOT NULL, as copy chunks).
 * MS_ENOTFOUND when the table does not exist; MS_EUNSUPPORTED naming the
 * table when it has no usable key ("sync needs a primary key or a unique
 * NOT NULL key to apply changes idempotently"). *<out> is freed with
 * ms_ap_table_free. */
int ms_ap_table_load(struct ms_db *tgt, const char *schema, const char *table,
		     struct ms_ap_table **out, struct ms_err *err) MS_WUR;
void ms_ap_table_free(struct ms_ap_table *t);

/* Pins an applier session on <tgt>: SET NAMES utf8mb4, time_zone
 * '+00:00', an sql_mode that accepts everything the source can hold (zero
 * dates, ALLOW_INVALID_DATES, NO_AUTO_VALUE_ON_ZERO, no strict mode, no
 * NO_BACKSLASH_ESCAPES), foreign_key_checks = 0, unique_checks left on,
 * MariaDB check_constraint_checks = 0, autocommit off, no statement time
 * limit. No privilege beyond the tables' is needed. */
int ms_ap_session_setup(struct ms_db *tgt, struct ms_err *err) MS_WUR;

struct ms_ap_batch; /* opaque */

/* NULL when out of memory. */
struct ms_ap_batch *ms_ap_batch_new(void);
void ms_ap_batch_free(struct ms_ap_batch *b);

/* Appends the row changes of one rows event, in order, for table <t>
 * (borrowed: it must stay alive until the batch is flushed or reset).
 * Values are rendered into SQL literals now, so the event's bytes need not
 * outlive the call. <tgt> is not used (may be NULL): the literals mean the
 * same bytes whatever the session's charset and sql_mode. An event goes in
 * whole or not at all: after an error the batch is as it was before the
 * call, so the caller may skip the event and go on.
 * Errors, each naming the target table (and the column where it applies):
 *  - MS_EUNSUPPORTED: the event's column count differs from the target's
 *    ("schemas diverged"); an after-image or a key column missing from the
 *    before-image (binlog_row_image is not FULL); a MySQL partial JSON
 *    update (binlog_row_value_options=PARTIAL_JSON); a value the target
 *    column cannot take as is;
 *  - MS_ETOOLARGE: a single row larger than the statement limit given to
 *    ms_ap_batch_flush cannot be checked here, it fails there. */
int ms_ap_batch_add(struct ms_ap_batch *b, struct ms_db *tgt,
		    const struct ms_ap_table *t, const struct ms_bl_rows *rows,
		    struct ms_err *err) MS_WUR;

/* Row changes held: the rows of the events added (an UPDATE row counts
 * once, even when its key changed). */
size_t ms_ap_batch_changes(const struct ms_ap_batch *b);
/* Bytes of SQL text held (to bound a group's memory). */
size_t ms_ap_batch_bytes(const struct ms_ap_batch *b);

/* Executes the batch on <tgt>, in the caller's open transaction, then
 * empties it. The result is the state of each key after the batch's last
 * change to it:
 *  - when every key column of a table is an integer, changes are compacted
 *    per key (last change wins): the table's deletes run first as
 *    DELETE ... WHERE key IN (...), then its final images as one multi-row
 *    REPLACE;
 *  - otherwise (string keys compare by collation, so equal keys may have
 *    different bytes) changes run in their order, adjacent changes of the
 *    same kind to the same table merged into one statement.
 * No statement is longer than <max_stmt_bytes> (0 = 4 MiB) unless a single
 * row needs it. *<statements> (may be NULL) gets the number of statements
 * run. Errors name the table, the statement kind and the server's message
 * (never row data: a syntax error's quoted statement text is cut off);
 * a statement the server ran with a warning (it changed a value: without
 * strict mode a value the target column cannot hold is cut, not refused)
 * fails with MS_EUNSUPPORTED quoting the warning, except the warning an
 * ENUM index 0 always draws. The batch is emptied either way (the caller
 * rolls back). */
int ms_ap_batch_flush(struct ms_ap_batch *b, struct ms_db *tgt,
		      size_t max_stmt_bytes, uint64_t *statements,
		      struct ms_err *err) MS_WUR;

/* Empties the batch without running anything. */
void ms_ap_batch_reset(struct ms_ap_batch *b);

#endif

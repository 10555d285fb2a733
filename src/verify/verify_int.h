/* Internal to src/verify: the table pairs, the run shared by the workers,
 * and the seams between the checksum engine (plan.c, chunk.c, worker.c,
 * control.c), the row-level diff (diff.c, value.c, json.c) and repair
 * (repair.c). */
#ifndef MS_VERIFY_VERIFY_INT_H
#define MS_VERIFY_VERIFY_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "db/key.h"
#include "db/schema.h"
#include "verify/verify.h"

#define VF_COMPONENT "verify"

/* How a column's values compare in the row-level diff (value.c). */
enum vf_cmp {
	VF_CMP_BYTES = 0, /* exact bytes of the text protocol value */
	VF_CMP_FLOAT,	  /* FLOAT/DOUBLE read as x+0e0: equal doubles */
	VF_CMP_JSON,	  /* JSON across flavours (MySQL binary JSON vs
			     MariaDB text): semantically equal documents */
};

/* One compared column: present (by name) and not generated on both
 * sides. */
struct vf_col {
	const struct ms_column *src, *tgt; /* borrowed */
	enum vf_cmp cmp;
};

/* Everything read from one side of a table pair. */
struct vf_side {
	const struct ms_table *t; /* borrowed from that side's schema */
	char *q;		  /* `schema`.`table`, owned */
	struct ms_key key; /* target side: ms_key_convert_from(source key) */
	/* "expr, expr, ..." of the CONCAT_WS row text: one per vf_col in
	 * order, normalised (docs/verify.md), then the NULL flags of nullable
	 * columns as one CONCAT(ISNULL(a), ...). Owned. */
	char *hash_args;
	/* The select list of the row-level diff: the key expressions
	 * (ms_key_exprs, order=false) then one expression per vf_col
	 * (normalised as in hash_args, without NULL flags: NULLs arrive as
	 * NULL). Owned. */
	char *row_list;
};

struct vf_table {
	char *src_name, *tgt_name; /* "schema.table", owned */
	struct vf_side s, g;	   /* source side, target side */
	struct vf_col *cols;	   /* owned, ncols */
	size_t ncols;
	bool keyless; /* whole-table checksum; diff by whole rows */

	/* Progress and results, under the run's mutex. */
	uint64_t chunks, rows;
	struct ms_verify_counts found, after;
};

/* The run shared by every worker. */
struct vf_run {
	const struct ms_verify_opts *o;
	struct ms_schema *src_schema, *tgt_schema; /* owned */
	struct vf_table *tables;		   /* owned, ntables */
	size_t ntables;
	bool src_mariadb, tgt_mariadb;
	uint64_t run_id;

	pthread_mutex_t mu;
	struct ms_verify_result *res; /* borrowed: counts, diffs listed */
	int failed;
	struct ms_err err;
};

/* One difference as found by the row-level diff, before it is counted,
 * stored and maybe repaired. */
struct vf_diff {
	enum ms_verify_kind kind;
	char *key_lits; /* source key literals (ms_key_literals of the source
			   key), owned; for a keyless table NULL */
	char *key_text; /* as ms_verify_diff.key, owned */
	char *columns;	/* DIFFERENT: as ms_verify_diff.columns, owned */
	/* Keyless tables: the full row (vf_col order) as read, for repair's
	 * by-value delete; owned, ncols values, NULL = SQL NULL. */
	char **row;
	size_t *row_lens;
	bool repaired;
};

struct vf_diffs {
	struct vf_diff *v; /* owned */
	size_t n, cap;
};

void vf_diffs_free(struct vf_diffs *d, size_t ncols);

/* The truth side and the replica side: source and target, or swapped with
 * --reverse. */
static inline struct ms_db *vf_truth(const struct vf_run *r, struct ms_db *src,
				     struct ms_db *tgt)
{
	return r->o->reverse ? tgt : src;
}

/* worker.c: blocks until the sync feeding the replica side has applied
 * <file>:<pos> of the truth side's binlog (read with ms_db_binlog_position
 * right after a truth-side read), polling <control>.sync_state on the
 * replica side. Returns 0 at once when no sync is running (nothing will
 * change the replica: compare as is), MS_ETIMEOUT after
 * o->wait_timeout_s, MS_EIO "interrupted" on a stop request. */
int vf_wait_applied(struct vf_run *r, struct ms_db *replica, const char *file,
		    uint64_t pos, struct ms_err *err) MS_WUR;

/* diff.c: the row-level diff of the range (lo, hi] of <t> (source key
 * literal lists, NULL = unbounded; both NULL for a keyless table). Reads
 * the rows on both sides with the row_list select, settles live changes
 * (truth read, its binlog position, vf_wait_applied, replica read; rows
 * that differ are read again, up to o->rechecks times, and only those
 * that still differ are kept) and appends them to <out>, in key order.
 * Never changes either server. */
int vf_diff_range(struct vf_run *r, struct vf_table *t, struct ms_db *src,
		  struct ms_db *tgt, const char *lo, const char *hi,
		  struct vf_diffs *out, struct ms_err *err) MS_WUR;

/* repair.c: writes the truth side's current rows for <d> onto the replica
 * side in transactions of at most 1000 rows, each of which first locks the
 * sync_state row of the direction (SELECT ... FOR UPDATE, so sync cannot
 * apply anything newer meanwhile), then reads the truth rows, then
 * REPLACEs (missing, different) or DELETEs (extra, or a row gone from the
 * truth side since) by key, logs every row in <control>.verify_repairs on
 * the replica side (which also marks the transaction as myshift's own, so
 * no sync replays it), and commits. Marks each done diff repaired and adds
 * the rows written or deleted to <*rows>. Keyless tables: MS_EUNSUPPORTED
 * with a message naming the table. */
int vf_repair(struct vf_run *r, struct vf_table *t, struct ms_db *src,
	      struct ms_db *tgt, struct vf_diffs *d, uint64_t *rows,
	      struct ms_err *err) MS_WUR;

/* control.c: the control tables (on the target; verify_repairs also on the
 * source for --reverse). */
int vf_control_create(struct ms_db *db, const char *cs,
		      struct ms_err *err) MS_WUR;
int vf_control_create_repairs(struct ms_db *db, const char *cs,
			      struct ms_err *err) MS_WUR;

#endif

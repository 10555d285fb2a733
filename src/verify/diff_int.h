/* Internal to the row-level diff (diff.c, diff_keyed.c, diff_keyless.c):
 * one call's state and the reading both kinds of table share. */
#ifndef MS_VERIFY_DIFF_INT_H
#define MS_VERIFY_DIFF_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verify/value.h"

#define DF_KEYED_MAX_ROWS   4000000u /* the engine's chunks hold 1,000,000 */
#define DF_KEYLESS_MAX_ROWS 1000000u
#define DF_VALS_CAP	    ((size_t)1 << 30) /* values kept by one read */

struct df {
	struct vf_run *r;
	struct vf_table *t;
	struct ms_db *truth, *replica;
	const struct vf_side *ts, *ps; /* truth side, replica side */
	size_t nk;		       /* key parts, 0 for a keyless table */
	size_t first;		       /* first value column of a row read */
	size_t width;		       /* columns of a row read */
	bool no_binlog;		       /* the truth side has none: no waits */
	struct ms_buf scratch, kbuf;
	const char **v1, **v2; /* ncols values of two rows */
	size_t *l1, *l2;
	struct ms_err *err;
};

/* Returns <rc> with a message naming the table and <what> failed. */
int df_fail(struct df *f, int rc, const char *what);

/* "SELECT <raw key>, <row_list> FROM <q> [FORCE INDEX]" for side <sd>. */
int df_select_head(const struct df *f, const struct vf_side *sd,
		   struct ms_buf *q) MS_WUR;

typedef int (*df_row_fn)(struct df *f, void *ctx, const char *const *vals,
			 const size_t *lens);

/* Streams the rows of <sql> on <db> to <fn>, checking their width. */
int df_stream(struct df *f, struct ms_db *db, const char *sql, df_row_fn fn,
	      void *ctx) MS_WUR;

/* After a truth read: waits for the sync feeding the replica side to
 * apply the truth side's binlog end (nothing when it has no binlog). */
int df_settle(struct df *f) MS_WUR;

/* One row's key (encoded into f->kbuf; the digest for a keyless table)
 * and the digest of its values. */
int df_row_key(struct df *f, const char *const *vals, const size_t *lens,
	       struct vf_digest *d) MS_WUR;

/* vf_rowset_ok_fn: a kept row with the values of <ctx> (struct
 * same_ctx), compared as the diff compares them. */
struct same_ctx {
	struct df *f;
	const char *const *vals;
	const size_t *lens;
};
bool df_same_values(void *ctx, const struct vf_rowset *s, size_t idx);

/* df_row_fn keeping rows in a set (struct load_ctx). */
struct load_ctx {
	struct vf_rowset *set;
	uint64_t rows, max;
	const char *side;
};
int df_load_row(struct df *f, void *ctx, const char *const *vals,
		const size_t *lens);
int df_too_many(struct df *f, const struct load_ctx *c);

void df_diff_free(struct vf_diff *x, size_t ncols);
int df_diffs_reserve(struct vf_diffs *d, size_t more) MS_WUR;
int df_diffs_push(struct vf_diffs *d, struct vf_diff *x) MS_WUR;

/* diff_keyed.c: the range (lo, hi] (source literal lists) of a keyed
 * table into <out>, in key order. */
int df_keyed(struct df *f, const char *lo, const char *hi,
	     struct vf_diffs *out) MS_WUR;

/* diff_keyless.c: a keyless table as multisets of rows into <out>. */
int df_keyless(struct df *f, struct vf_diffs *out) MS_WUR;

#endif

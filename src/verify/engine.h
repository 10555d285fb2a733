/* Internal to the checksum engine of src/verify (plan.c, chunk.c, worker.c,
 * progress.c, control.c, verify.c): the per-table planner state, the chunk
 * ranges, and the run that wraps struct vf_run. The row-level diff and
 * repair see only struct vf_run (verify_int.h). Design: docs/verify.md. */
#ifndef MS_VERIFY_ENGINE_H
#define MS_VERIFY_ENGINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verify/verify_int.h"

/* A sync whose progress row is older than this is taken as not running. */
#define VF_SYNC_STALE_S 10.0

#define VF_CHUNK_START 1000
#define VF_CHUNK_MIN   100
#define VF_CHUNK_MAX   1000000

/* A range (lo, hi] of the source's chunk key, as literal lists for each
 * side (the target's convert charsets: ms_key_convert_from). NULL means
 * unbounded; all NULL for a whole-table chunk. */
struct vf_range {
	char *lo_s, *hi_s; /* source literals, owned */
	char *lo_g, *hi_g; /* target literals, owned */
};

/* COUNT(*) and BIT_XOR of the row hashes of one side of a chunk. */
struct vf_sum {
	uint64_t rows;
	uint64_t hash;
};

/* A chunk whose diff found something: kept for the re-verification after
 * repair. */
struct vf_redo {
	struct vf_range rg;
	uint64_t seq;
	struct vf_redo *next;
};

/* Engine state of one table pair, in the order of vf_run.tables. */
struct vf_tstate {
	bool skip;  /* not compared: missing on the target, keys differ */
	bool whole; /* one whole-table chunk (keyless source) */
	char *note; /* for verify_tables: why skipped, keyless, ... owned */

	/* Planning, under the run's mutex. One planner at a time per table;
	 * planning a chunk and checking it go together. */
	bool plan_done, planning;
	bool int_key;	/* arithmetic boundaries (MIN/MAX fit int64) */
	bool int_ready; /* MIN/MAX read */
	bool int_empty; /* MIN is NULL: one unbounded chunk */
	int64_t int_min, int_max;
	int64_t int_next;     /* hi of the last planned chunk (int keys) */
	struct vf_range next; /* lo of the next chunk: hi of the last one */
	bool started;	      /* a chunk was planned */
	uint64_t next_seq;
	uint64_t chunk_rows; /* adapted to o->chunk_seconds */
	/* Integer keys: key span per row measured so far. */
	double span_done, rows_done;
	unsigned int active; /* chunks in flight */
	bool finished;	     /* plan done and nothing in flight */

	/* Findings kept for --repair while within --repair-max. */
	struct vf_diffs kept;
	size_t *listed; /* per kept diff: index in res->diffs, or SIZE_MAX */
	uint64_t *seqs; /* per kept diff: its verify_diffs seq */
	struct vf_redo *redo;
};

/* One run: struct vf_run first, so the diff and repair get &e->r and the
 * engine gets back to its state with vf_engine(). */
struct vf_engine {
	struct vf_run r;
	struct ms_verify_opts o; /* the caller's, defaults filled */
	struct vf_tstate *ts;	 /* owned, r.ntables */
	char *cs_q;		 /* `control schema`, owned */
	bool fold_case;		 /* target lower_case_table_names != 0 */

	/* Under r.mu. */
	pthread_cond_t cv;
	size_t first_open; /* tables before it are finished */
	uint64_t tables_done;
	uint64_t diff_seq;    /* last verify_diffs seq given */
	uint64_t diffs_total; /* differences found */
	bool keep;	      /* --repair and diffs_total <= repair_max */
	bool no_binlog;	      /* the truth side has no binlog: no waits */
	bool paused;	      /* Threads_running above the ceiling */
	double rate_next;     /* throttle: when the next rows may go */
	double t0;
};

static inline struct vf_engine *vf_engine(struct vf_run *r)
{
	return (struct vf_engine *)r;
}

/* Monotonic seconds; sleeps. */
double vf_now(void);
void vf_sleep(double s);

/* True once ms_verify_request_stop was called. */
bool vf_stopping(void);

/* Counts a warning in the result (call after logging it). */
void vf_warned(struct vf_engine *e);

/* plan.c: reads both schemas, pairs the tables, builds the compared
 * columns and the per-side SQL fragments (hash_args, row_list, keys).
 * Missing target tables and one-sided columns are warned and counted in
 * res->schema_differences; MS_ECONFIG when the rules select nothing. */
int vf_plan_tables(struct vf_engine *e, struct ms_db *src, struct ms_db *tgt,
		   struct ms_err *err) MS_WUR;
/* Builds hash_args and row_list of both sides of <t> from its vf_cols
 * (exposed for unit tests). */
int vf_plan_sql(struct vf_table *t) MS_WUR;
void vf_table_free(struct vf_table *t);

/* chunk.c: the checksum query of one side: "SELECT COUNT(*),
 * COALESCE(BIT_XOR(h),0) FROM q FORCE INDEX (k) WHERE lo < key <= hi";
 * no FORCE INDEX or range when <whole>. */
int vf_chunk_sql(const struct vf_side *sd, enum ms_verify_hash hash, bool whole,
		 const char *lo, const char *hi, struct ms_buf *out) MS_WUR;
/* Runs it on <db>. */
int vf_checksum(struct vf_run *r, struct vf_table *t, bool target,
		struct ms_db *db, bool whole, const struct vf_range *rg,
		struct vf_sum *out, struct ms_err *err) MS_WUR;
/* Plans the next chunk of <t> (the caller set ts->planning): its range
 * and sequence number; ts->plan_done when it is the last. Runs a query
 * on <src> for MIN/MAX or the next keyset boundary; takes r->mu only to
 * read the adapted chunk size. */
int vf_plan_chunk(struct vf_engine *e, struct vf_table *t, struct ms_db *src,
		  struct vf_range *rg, uint64_t *seq,
		  struct ms_err *err) MS_WUR;
/* Adapts ts->chunk_rows after a chunk of <rows> source rows whose
 * truth-side read took <secs>; for integer keys also the span per row.
 * Under r->mu. */
void vf_adapt(struct vf_engine *e, struct vf_tstate *ts, uint64_t rows,
	      double secs, const struct vf_range *rg);
void vf_range_free(struct vf_range *rg);
int vf_range_copy(struct vf_range *dst, const struct vf_range *src) MS_WUR;

/* worker.c: the workers; returns when every chunk is checked, on the
 * first failure, or on a stop request. */
int vf_run_workers(struct vf_engine *e, struct ms_err *err) MS_WUR;
/* Connects one verify session (time_zone '+00:00', sql_mode ''). */
int vf_connect(const struct vf_engine *e, bool source, struct ms_db **out,
	       struct ms_err *err) MS_WUR;

/* What checking one chunk found. */
struct vf_outcome {
	struct vf_sum s, g;    /* last reads: source side, target side */
	unsigned int rechecks; /* re-reads after the first mismatch */
	bool first_equal;      /* equal at the first read */
	bool equal;	       /* equal after the re-checks */
	uint64_t source_rows;  /* source rows of the first read */
	double truth_secs;     /* time of the first truth-side read */
	struct vf_diffs diffs; /* the row-level diff when still unequal */
	bool diff_failed;      /* the diff is not available: counted as a
				  mismatch without rows */
};

/* Checks one chunk: truth read, its binlog end, replica read; re-checks
 * after sync has passed that position; the row-level diff when the
 * mismatch persists. <out> is zeroed first; the caller frees out->diffs. */
int vf_check_chunk(struct vf_engine *e, struct vf_table *t, struct ms_db *src,
		   struct ms_db *tgt, const struct vf_range *rg,
		   struct vf_outcome *out, struct ms_err *err) MS_WUR;

/* record.c: accounts a checked chunk: counts, res->diffs, the lines on
 * o->diff_out, its verify_chunks row (appended to <batch>, flushed every
 * 200) and verify_diffs rows, and what --repair keeps. Takes the diffs of
 * <oc>. */
int vf_record_chunk(struct vf_engine *e, struct ms_db *tgt, struct vf_table *t,
		    uint64_t seq, const struct vf_range *rg,
		    struct vf_outcome *oc, struct ms_buf *batch, size_t *nbatch,
		    struct ms_err *err) MS_WUR;
/* Prints one difference on o->diff_out (if any), after <prefix>. */
void vf_print_diff(struct vf_engine *e, const struct vf_table *t,
		   const struct vf_diff *d, const char *prefix);
void vf_count_diff(struct ms_verify_counts *c, enum ms_verify_kind k);

/* progress.c: the live line and the Threads_running watch. */
void *vf_progress_main(void *arg);
void vf_progress_stop(void);
void vf_progress_reset(void);

/* control.c (with vf_control_create in verify_int.h). */
int vf_control_run_start(struct vf_engine *e, struct ms_db *tgt,
			 struct ms_err *err) MS_WUR;
/* Records the end of the run: <status> "clean", "differences", "failed",
 * "interrupted"; <error> may be NULL. */
int vf_control_run_finish(struct vf_engine *e, struct ms_db *tgt,
			  const char *status, const char *error,
			  struct ms_err *err) MS_WUR;
int vf_control_tables(struct vf_engine *e, struct ms_db *tgt,
		      struct ms_err *err) MS_WUR;
/* Appends one verify_chunks row to <batch> (a VALUES list). */
int vf_control_chunk_row(struct vf_engine *e, struct ms_db *tgt,
			 struct ms_buf *batch, const struct vf_table *t,
			 uint64_t seq, const struct vf_range *rg,
			 const struct vf_outcome *oc, const char *state) MS_WUR;
/* Inserts the rows of <batch> (<n> of them) and empties it. */
int vf_control_chunks_flush(struct vf_engine *e, struct ms_db *tgt,
			    struct ms_buf *batch, size_t *n,
			    struct ms_err *err) MS_WUR;
/* Inserts the diffs <d> of <t>, numbered from <seq0>. */
int vf_control_diffs(struct vf_engine *e, struct ms_db *tgt,
		     const struct vf_table *t, const struct vf_diffs *d,
		     uint64_t seq0, struct ms_err *err) MS_WUR;
/* Marks the given verify_diffs rows repaired. */
int vf_control_diffs_repaired(struct vf_engine *e, struct ms_db *tgt,
			      const uint64_t *seqs, size_t n,
			      struct ms_err *err) MS_WUR;

#endif

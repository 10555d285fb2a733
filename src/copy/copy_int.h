/* Internal to src/copy: the table jobs, their segments, the shared
 * scheduler state and the helpers the files of the engine share. */
#ifndef MS_COPY_COPY_INT_H
#define MS_COPY_COPY_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "copy/copy.h"
#include "copy/ddl.h"
#include "core/buf.h"
#include "db/key.h"
#include "db/schema.h"

#define CP_COMPONENT "copy"
/* How a data value is written by the INSERT loader. */
enum cp_val {
	CP_VAL_NUM,  /* unquoted number text */
	CP_VAL_BIN,  /* _binary'..' (any byte string) */
	CP_VAL_UTF8, /* _utf8mb4'..' (MySQL JSON refuses binary strings) */
};

/* A range of the chunk key: (lo, hi], NULL meaning unbounded; cursor is
 * the last key copied (NULL = nothing copied yet). Each is a literal list
 * "lit,lit" (commas never occur inside our literals). */
struct cp_segment {
	struct cp_table *t;
	uint64_t seq;
	char *lo, *hi, *cursor; /* owned */
	bool claimed, done;
	struct cp_segment *next;
};

enum cp_state {
	CP_T_PENDING = 0,
	CP_T_COPYING,
	CP_T_COPIED, /* data in, deferred indexes not built */
	CP_T_DONE,
	CP_T_SKIPPED,
};

struct cp_table {
	const struct ms_table *src; /* borrowed from the source schema */
	char *tschema, *ttable;	    /* target names, owned */
	char *src_q, *tgt_q;	    /* `s`.`t`, owned */
	struct ms_key key;	    /* chunk key; key.n == 0: keyless */
	bool int_key;	   /* one integer key column, range fits int64 */
	char *select_list; /* data expressions, owned */
	char *load_list;   /* LOAD DATA column list (+ SET), owned */
	char *insert_list; /* (`a`,`b`) for INSERT, owned */
	enum cp_val *vals; /* per data column, owned */
	size_t ncols;	   /* data columns (no generated ones) */
	struct ms_ddl_table ddl;
	bool exists;   /* target table exists */
	bool recorded; /* copy_tables has a row for it */
	enum cp_state state;

	/* Scheduling, under the copy's mutex. */
	struct cp_segment *segs;     /* owned list, in seq order */
	struct cp_segment *seg_last; /* its tail, for appending */
	struct cp_segment *seg_scan; /* those before it are done or claimed
					until done */
	uint64_t next_seq;
	char *planned_hi; /* hi of the last planned segment */
	bool plan_done, planning;
	uint64_t seg_rows;		    /* rows per planned segment */
	int64_t int_min, int_max, int_step; /* int_key planning */
	unsigned int active;		    /* workers inside this table */
	uint64_t chunk_rows;		    /* last adapted chunk size */

	/* Progress (atomics not needed: under the mutex). */
	uint64_t rows_done, bytes_done; /* this run + recorded */
	uint64_t rows_estimate;
};

/* The state of one run, shared by every worker. */
struct cp_run {
	const struct ms_copy_opts *o;
	struct ms_schema *schema; /* source schema, owned */
	struct cp_table *tables;  /* owned, ntables, in source order */
	size_t ntables;
	struct cp_table **by_target; /* owned, sorted by target name */
	bool mariadb_target;
	bool use_load_data;
	struct ms_binlog_pos start;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	int failed;	      /* first worker failure code */
	struct ms_err err;    /* its message */
	uint64_t rows, bytes; /* written by this run */
	uint64_t tables_done;
	size_t first_open; /* tables before it need no more work */
	bool paused;	   /* Threads_running above the ceiling */
	double rate_next;  /* throttle: when the next rows may go */
	double t0;
};

/* Monotonic seconds. */
double cp_now(void);

/* plan.c: builds the table jobs for the selected tables of r->schema:
 * mapping, collisions, key parts, select and load lists. */
int cp_plan_tables(struct cp_run *r, struct ms_db *src, struct ms_db *tgt,
		   struct ms_err *err) MS_WUR;
void cp_table_free(struct cp_table *t);

/* Table jobs by target name (case-folded when the target folds case) and
 * by source name, or NULL. Binary searches: a server may hold 50,000
 * tenant schemas. */
struct cp_table *cp_find_target(const struct cp_run *r, const char *schema,
				const char *name);
struct cp_table *cp_find_source(const struct cp_run *r, const char *schema,
				const char *name);

/* chunk.c: SQL of a chunk read, segment planning. */
int cp_chunk_sql(const struct cp_table *t, const char *from, const char *to,
		 uint64_t limit, bool lock, struct ms_buf *out) MS_WUR;
int cp_plan_segment(struct cp_run *r, struct cp_table *t, struct ms_db *src,
		    struct ms_db *tgt, struct cp_segment **out,
		    struct ms_err *err) MS_WUR;

/* load.c: copies the rows of one chunk select (already built) from <src>
 * into <tgt>'s open transaction. On return <rows> and <bytes> are what was
 * sent and <last> holds the key literals of the last row (unchanged when
 * there were no rows). */
int cp_load_chunk(struct cp_run *r, const struct cp_table *t, struct ms_db *src,
		  struct ms_db *tgt, const char *select, uint64_t *rows,
		  uint64_t *bytes, struct ms_buf *last,
		  struct ms_err *err) MS_WUR;

/* control.c: the control schema tables. */
int cp_control_init(struct ms_db *tgt, const char *cs,
		    struct ms_err *err) MS_WUR;
int cp_control_start(struct cp_run *r, struct ms_db *src, struct ms_db *tgt,
		     struct ms_err *err) MS_WUR;
int cp_control_load_tables(struct cp_run *r, struct ms_db *tgt,
			   struct ms_err *err) MS_WUR;
int cp_control_table_state(struct cp_run *r, struct ms_db *tgt,
			   struct cp_table *t, enum cp_state st,
			   struct ms_err *err) MS_WUR;
int cp_control_segment_add(struct cp_run *r, struct ms_db *tgt,
			   const struct cp_segment *s,
			   struct ms_err *err) MS_WUR;
int cp_control_segment_progress(struct cp_run *r, struct ms_db *tgt,
				const struct cp_segment *s, uint64_t rows,
				uint64_t bytes, struct ms_err *err) MS_WUR;
int cp_control_table_reset(struct cp_run *r, struct ms_db *tgt,
			   const struct cp_table *t, struct ms_err *err) MS_WUR;
int cp_control_finish(struct cp_run *r, struct ms_db *tgt,
		      struct ms_err *err) MS_WUR;

/* worker.c: runs the data phase with o->threads workers. */
int cp_run_workers(struct cp_run *r, struct ms_err *err) MS_WUR;

/* Appends <s> to its table's segment list (under the mutex, or before
 * the workers start). */
void cp_segment_append(struct cp_table *t, struct cp_segment *s);

/* Runs "<verb> <table>" on <db>, e.g. "TRUNCATE TABLE", "`s`.`t`". */
int cp_exec_on(struct ms_db *db, const char *verb, const char *table,
	       struct ms_err *err) MS_WUR;

/* True when a deferred index or foreign key failed because an earlier,
 * interrupted run already added it (duplicate key or FK name). */
bool cp_already_there(const struct ms_err *err);

/* Connects a worker session to the source or the target. */
int cp_connect(const struct cp_run *r, bool source, struct ms_db **out,
	       struct ms_err *err) MS_WUR;

const char *cp_state_name(enum cp_state st);

#endif

/* `myshift copy`: schema and a consistent, parallel, resumable full copy
 * streamed from the source into the target (no dump files).
 *
 * Algorithm (argued in docs/consistency.md): the source binlog position P is
 * read first, without a lock; every chunk is then read with a locking read
 * (LOCK IN SHARE MODE) and written to the target before the source
 * transaction ends, so a chunk never holds anything older than P and no
 * change committed after its read can be overwritten by it. Replaying the
 * binlog from P (sync) with idempotent by-key writes converges, whether sync
 * runs after the copy or concurrently with it.
 *
 * Tables are split into segments of the chunk key (planned lazily, recorded
 * in the control schema before use); a segment is walked in key order by one
 * worker with keyset pagination, chunk by chunk, the chunk size adapting to
 * the time each chunk takes. Each chunk's rows and the segment's new cursor
 * are committed in one target transaction, so a killed copy resumes exactly.
 * Design note: docs/copy.md. */
#ifndef MS_COPY_COPY_H
#define MS_COPY_COPY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/uri.h"
#include "db/db.h"
#include "rules/rules.h"

/* What to do with a target table that exists and is not part of this copy's
 * recorded state. Tables the control schema records as created by this
 * copy are always resumed. */
enum ms_copy_if_exists {
	MS_COPY_EXISTS_REFUSE = 0, /* error naming the table(s) */
	MS_COPY_EXISTS_SKIP,	   /* leave it; don't copy it */
	MS_COPY_EXISTS_DROP,	   /* drop and recreate it */
	MS_COPY_EXISTS_TRUNCATE,   /* keep its definition, empty it */
	MS_COPY_EXISTS_RESUME,	   /* keep definition and rows; copy with
				      by-key replace from recorded progress */
};

enum ms_copy_load {
	MS_COPY_LOAD_AUTO = 0, /* LOAD DATA LOCAL if the target allows it */
	MS_COPY_LOAD_DATA,     /* LOAD DATA LOCAL INFILE fed from memory */
	MS_COPY_LOAD_INSERT,   /* multi-row REPLACE statements */
};

enum ms_copy_myisam {
	MS_COPY_MYISAM_AUTO = 0, /* convert when the target lacks MyISAM */
	MS_COPY_MYISAM_CONVERT,	 /* always convert to InnoDB */
	MS_COPY_MYISAM_KEEP,	 /* never convert (fails if unsupported) */
};

struct ms_copy_opts {
	const struct ms_endpoint *source; /* borrowed */
	const struct ms_endpoint *target; /* borrowed */
	const struct ms_rules *rules;	  /* borrowed */
	const char *control_schema;	  /* borrowed, e.g. "_myshift" */
	unsigned int threads;		  /* 0 = number of cores */
	enum ms_copy_if_exists if_exists;
	enum ms_copy_load load;
	enum ms_copy_myisam myisam;
	bool defer_indexes;	  /* build non-unique secondary indexes and
				     foreign keys after the data */
	double chunk_seconds;	  /* target time per chunk (default 0.5) */
	uint64_t rate;		  /* rows/s over all workers, 0 = no limit */
	unsigned int max_running; /* pause while the source's Threads_running
				     is above this, 0 = no ceiling */
	bool progress;		  /* live progress line on <progress_out> */
	FILE *progress_out;	  /* borrowed; NULL = stderr */
	unsigned int retries;	  /* connect retries */
	unsigned int connect_timeout_s;
};

struct ms_copy_result {
	uint64_t tables; /* tables copied (or already done) */
	uint64_t tables_skipped;
	uint64_t rows;		    /* rows written by this run */
	uint64_t bytes;		    /* bytes of row data sent by this run */
	double seconds;		    /* wall time of this run */
	bool resumed;		    /* some progress was recorded before */
	struct ms_binlog_pos start; /* where sync must start (owned) */
	uint64_t views, routines;   /* created on the target */
	uint64_t triggers, events;  /* recorded for cutover */
	uint64_t warnings;	    /* warnings logged (keyless tables, ...) */
};

/* Runs the copy: preflight (privileges, mapping collisions, unknown schemas
 * in the rules, existing tables), schema, data, deferred indexes, views and
 * routines, trigger and event records. Fills <res> (zeroed by the caller,
 * freed with ms_copy_result_free). Returns 0, MS_ECONFIG / MS_EUSAGE for bad
 * input (naming the rule, table or privilege), or a runtime error. A
 * SIGINT/SIGTERM (ms_copy_request_stop) stops at chunk boundaries with
 * MS_EINTR-like MS_EIO "interrupted", progress kept. */
int ms_copy_run(const struct ms_copy_opts *opts, struct ms_copy_result *res,
		struct ms_err *err) MS_WUR;

/* Asks a running copy to stop at the next chunk boundary (async-signal
 * safe). */
void ms_copy_request_stop(void);

void ms_copy_result_free(struct ms_copy_result *res);

#endif

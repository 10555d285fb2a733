/* `myshift verify`: chunked checksum comparison of source and target while
 * sync runs, row-level diff of what persists, optional bounded repair.
 *
 * Each selected source table is paired with its mapped target table (the
 * rules, as copy maps them). The source's chunk key is cut into ranges
 * (lo, hi]; for each range both servers compute COUNT(*) and BIT_XOR of a
 * per-row hash over every non-generated column, NULL-safe, with the values
 * normalised so that what can differ without the data differing does not
 * (docs/verify.md). Chunks are checked by parallel workers.
 *
 * Live traffic: a chunk that mismatches is re-checked after sync has
 * applied the source position read just after the chunk's source read
 * (<control>.sync_state), up to <rechecks> times. A chunk that still
 * mismatches gets a row-level diff, itself settled the same way, which
 * names rows missing on the target, extra on the target, and different
 * (key and columns). --repair writes the source's rows for those onto the
 * target, bounded and logged, holding sync back while it does, and then
 * verifies those chunks again.
 *
 * Results go to <control>.verify_runs, verify_tables, verify_chunks and
 * verify_diffs on the target. Design note: docs/verify.md. */
#ifndef MS_VERIFY_VERIFY_H
#define MS_VERIFY_VERIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/uri.h"
#include "db/db.h"
#include "rules/rules.h"

enum ms_verify_hash {
	MS_VERIFY_HASH_CRC32 = 0, /* CRC32 of CRC32 of the row text (32 bits,
				     non-linear), the default */
	MS_VERIFY_HASH_MD5,	  /* first 64 bits of MD5 of the row text */
};

struct ms_verify_opts {
	const struct ms_endpoint *source; /* borrowed */
	const struct ms_endpoint *target; /* borrowed */
	const struct ms_rules *rules;	  /* borrowed */
	const char *control_schema;	  /* borrowed, e.g. "_myshift" */
	/* After cutover the target is the truth and reverse sync feeds the
	 * source: compare the other way round, wait for reverse sync, repair
	 * the source. Names and mapping stay source -> target. */
	bool reverse;
	unsigned int threads;	  /* checksum workers, 0 = number of cores */
	double chunk_seconds;	  /* target time per chunk (default 0.25) */
	uint64_t rate;		  /* rows/s read over all workers, 0 = no
				     limit */
	unsigned int max_running; /* pause while the source's Threads_running
				     is above this, 0 = no ceiling */
	unsigned int rechecks;	  /* re-checks of a mismatching chunk or row
				     before it is reported (default 5) */
	double wait_timeout_s;	  /* longest wait for sync to pass a position
				     (default 60) */
	enum ms_verify_hash hash;
	bool repair;
	uint64_t repair_max; /* refuse to repair more rows than this
				(default 10000) */
	bool progress;	     /* live progress line on <progress_out> */
	FILE *progress_out;  /* borrowed; NULL = stderr */
	FILE *diff_out;	     /* borrowed; each difference as a line, NULL =
				none (the CLI's human output) */
	unsigned int connect_timeout_s;
	unsigned int retries; /* connect retries on transient errors */
};

/* Counts of one pass. */
struct ms_verify_counts {
	uint64_t mismatched_chunks; /* chunks whose mismatch persisted */
	uint64_t missing_on_target; /* rows */
	uint64_t extra_on_target;
	uint64_t different;
};

/* One reported difference (first MS_VERIFY_MAX_LISTED kept in memory;
 * all are stored in <control>.verify_diffs). */
#define MS_VERIFY_MAX_LISTED 1000
enum ms_verify_kind {
	MS_VERIFY_MISSING = 0, /* on the target */
	MS_VERIFY_EXTRA,       /* on the target */
	MS_VERIFY_DIFFERENT,
};
struct ms_verify_diff {
	char *source_table; /* "schema.table", owned */
	char *target_table; /* "schema.table", owned */
	enum ms_verify_kind kind;
	/* The key as text: "col=value" for each key column, joined by ", ";
	 * numbers bare, character strings single-quoted with ' and \
	 * backslash-escaped and bytes < 0x20, 0x7f and bytes that are not
	 * valid UTF-8 (a latin1 key, say) as \xNN, binary strings as 0xHEX,
	 * NULL as NULL. For a keyless table: every column. */
	char *key;
	char *columns; /* DIFFERENT: differing column names, table order,
			  joined by ","; else NULL */
	bool repaired;
};

struct ms_verify_result {
	uint64_t run_id;
	uint64_t tables;
	uint64_t keyless_tables; /* whole-table checksum, warned */
	uint64_t chunks;
	uint64_t rows_checked; /* source rows read by the checksums */
	uint64_t rechecks;     /* chunk re-checks after a first mismatch */
	/* Table pairs whose compared columns differ: a column on one side
	 * only (named in a warning), or a target table missing. Counted as
	 * differences: the data of such a column cannot be equal. */
	uint64_t schema_differences;
	struct ms_verify_counts found; /* this run, before any repair */
	uint64_t repaired;	       /* rows written or deleted by repair */
	bool repair_done;	       /* --repair ran and verified again */
	bool repair_refused; /* more differences than --repair-max: nothing
				repaired (ms_verify_run returned
				MS_ETOOLARGE) */
	struct ms_verify_counts after; /* the re-verification after repair */
	struct ms_verify_diff *diffs;  /* owned, ndiffs (at most
					  MS_VERIFY_MAX_LISTED) */
	size_t ndiffs;
	uint64_t warnings;
	double seconds;
};

/* True when differences remain: schema differences, or the counts of
 * <after> when repair ran, else of <found>. */
bool ms_verify_differences_remain(const struct ms_verify_result *res);

/* Runs verify. Returns 0 when it ran to the end, whatever it found (the
 * caller decides the exit code with ms_verify_differences_remain);
 * MS_EUSAGE / MS_ECONFIG for bad input (an include rule matching nothing,
 * naming it; a mapped table missing on the target is a schema difference),
 * MS_ETOOLARGE when
 * --repair would exceed <repair_max> (nothing repaired), or a runtime
 * error. A SIGINT/SIGTERM (ms_verify_request_stop) stops at chunk
 * boundaries with MS_EIO "interrupted"; the run is recorded as such. */
int ms_verify_run(const struct ms_verify_opts *opts,
		  struct ms_verify_result *res, struct ms_err *err) MS_WUR;
void ms_verify_result_free(struct ms_verify_result *res);

/* Asks a running verify to stop at the next chunk (async-signal safe). */
void ms_verify_request_stop(void);

/* The last finished run as recorded in <cs> on <db> (the target), for
 * `myshift status` and cutover's precondition. MS_ENOTFOUND when there is
 * none. <res> gets counts only (no diffs); <clean> tells whether it found
 * no differences (or repaired them all). */
int ms_verify_last(struct ms_db *db, const char *cs,
		   struct ms_verify_result *res, bool *clean, char *finished_at,
		   size_t finished_at_len, struct ms_err *err) MS_WUR;

/* The same, with the run's status word in <status>: "clean",
 * "differences", "failed" or "interrupted" (a run still going has no
 * finished_at and is not read). */
int ms_verify_last_status(struct ms_db *db, const char *cs,
			  struct ms_verify_result *res, char *status,
			  size_t status_len, char *finished_at,
			  size_t finished_at_len, struct ms_err *err) MS_WUR;

#endif

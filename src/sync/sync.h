/* `myshift sync`: binlog CDC from a source into a target, crash-safe and
 * idempotent, in either direction (--reverse for failback).
 *
 * A reader thread streams raw events from the source as a replica
 * (reader.h); the applier (this file's pipeline) decodes them, assembles
 * whole source transactions, skips what is not selected and what myshift
 * itself applied on the source (loop prevention), groups transactions and
 * applies each group in one target transaction together with the
 * checkpoint: the source position after the group's last transaction, in
 * <control>.sync_state. A kill -9 anywhere resumes exactly there. DDL is
 * replayed in stream order with the mapping renames (stmt.h).
 * Design note: docs/sync.md. */
#ifndef MS_SYNC_SYNC_H
#define MS_SYNC_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/uri.h"
#include "db/db.h"
#include "rules/rules.h"

enum ms_sync_unsupported {
	MS_SYNC_UNSUPPORTED_STOP = 0, /* stop with an error naming it */
	MS_SYNC_UNSUPPORTED_SKIP,     /* log a warning, skip it, go on */
};

struct ms_sync_opts {
	/* The server whose binlog is read and the one written. For
	 * --reverse these are the migration's target and source. */
	const struct ms_endpoint *from; /* borrowed */
	const struct ms_endpoint *to;	/* borrowed */
	bool reverse;
	/* Forward: the selection and mapping rules. Reverse: ignored; the
	 * table map is the inverse of <control>.copy_tables read on <from>
	 * (the migration's target). */
	const struct ms_rules *rules; /* borrowed */
	const char *control_schema;   /* borrowed, e.g. "_myshift" */
	/* Where to start when no checkpoint exists: NULL = forward, the
	 * copy's start position (<control>.copy_state on <to>); reverse, the
	 * target position forward sync recorded when it last started or
	 * stopped. */
	const char *start_file;
	uint64_t start_pos;
	uint32_t server_id; /* 0 = the job's (chosen once, kept in
			       sync_state) */
	enum ms_sync_unsupported on_unsupported;
	unsigned int retries;	 /* consecutive failed attempts to reach a
				    server before giving up (default 10) */
	unsigned int backoff_ms; /* first retry wait (default 500 ms,
				    doubling, capped at 10 s) */
	unsigned int connect_timeout_s;
	unsigned int heartbeat_ms; /* default 1000 */
	/* Exit once everything up to the source's binlog end as of start
	 * has been applied (tests, benchmarks); else run until stopped. */
	bool until_caught_up;
	/* Grouping: a group closes at this many row changes or bytes, or
	 * when no further transaction is waiting. 0 = defaults (20000 rows,
	 * 32 MiB). */
	uint64_t group_changes;
	uint64_t group_bytes;
};

struct ms_sync_result {
	uint64_t transactions;	       /* source transactions applied */
	uint64_t skipped_transactions; /* not selected, or our own */
	uint64_t changes;	       /* row changes applied */
	uint64_t ddl;		       /* DDL statements replayed */
	uint64_t groups;	       /* target commits */
	uint64_t reconnects;
	double seconds;
	bool stopped_on_request; /* a sync_requests 'stop' ended it */
	char stopped_by[256];	 /* that request's requested_by */
};

/* Runs sync until ms_sync_request_stop, a stop request in
 * <cs>.sync_requests (ms_sync_request_stop_db), until caught up when asked, or
 * until a failure that retrying does not cure. Returns 0 after a clean stop
 * (checkpoint written), MS_EUSAGE / MS_ECONFIG for bad input, MS_ENOTFOUND
 * when the binlog it needs is gone from the source (naming the file or
 * GTID), MS_EUNSUPPORTED for an event it cannot apply safely (naming the
 * table or statement and the position), or the last error after <retries>
 * failed attempts. <res> (may be NULL) is zeroed and filled. */
int ms_sync_run(const struct ms_sync_opts *opts, struct ms_sync_result *res,
		struct ms_err *err) MS_WUR;

/* Asks a running sync to stop after the group being applied (async-signal
 * safe). */
void ms_sync_request_stop(void);

/* Control tables in <cs> on <db> (the apply side), created when missing:
 * sync_state and sync_requests. */
int ms_sync_control_create(struct ms_db *db, const char *cs,
			   struct ms_err *err) MS_WUR;

/* Where a sync stands, as its apply side records it (for verify and
 * cutover, which wait for sync to pass a source position). */
struct ms_sync_progress {
	bool exists;	/* a sync_state row for the direction */
	bool running;	/* running = 1 and progress written within the
			   last <stale_s> seconds */
	char file[256]; /* applied (checkpointed) source position */
	uint64_t pos;
	double progress_age; /* seconds since progress_at, -1 if never */
	double lag_seconds;  /* as sync last wrote it (whole seconds) */
};

/* Reads the sync_state row of the direction (forward or --reverse) from
 * <db>, the apply side (the target for forward, the source for reverse).
 * A missing control schema or table reads as !exists. */
int ms_sync_read_progress(struct ms_db *db, const char *cs, bool reverse,
			  double stale_s, struct ms_sync_progress *out,
			  struct ms_err *err) MS_WUR;

/* Orders two binlog positions of one server: <0, 0, >0. File names compare
 * by stem, then numerically by their sequence suffix. */
int ms_sync_pos_cmp(const char *file_a, uint64_t pos_a, const char *file_b,
		    uint64_t pos_b);

/* Control requests (docs/sync.md, "Requests"): a row in
 * <cs>.sync_requests on the apply side of the direction (the target for
 * forward, the source for reverse), created when missing. A running sync
 * polls it every SY_REQUEST_POLL_MS (20 ms) and on 'stop' stops as it does
 * on SIGTERM: whole transactions flushed, the position reached
 * checkpointed, the peer position recorded (forward), running = 0, the
 * request row deleted, exit 0. A sync that starts deletes a request left
 * from before it. Used by cutover and `myshift sync --stop`. */
int ms_sync_request_stop_db(struct ms_db *apply_db, const char *cs,
			    bool reverse, struct ms_err *err) MS_WUR;

/* Asks a running sync to checkpoint the position it has read now, even
 * when only skipped events lead there (it otherwise waits 100 ms after its
 * queue empties); it deletes the request once done. Cutover waits for the
 * checkpoint to pass the final position inside its pause. A pending 'stop'
 * is not replaced. */
int ms_sync_request_checkpoint_db(struct ms_db *apply_db, const char *cs,
				  bool reverse, struct ms_err *err) MS_WUR;

/* What ms_sync_stop_wait found. */
struct ms_sync_stopped {
	bool was_running; /* it was running and stopped on the request */
	bool exists;	  /* a sync_state row for the direction */
	char file[256];	  /* its checkpoint */
	uint64_t pos;
};

/* Asks the direction's sync to stop and waits (polling every 10 ms) until
 * it reports stopped, or finds none running. A sync between sessions after
 * a failure (running = 0 with an error under 15 s old) is waited for, and
 * one that was starting and took the request for a stale one is asked
 * again. The request is deleted at the end. MS_ETIMEOUT after <timeout_s>
 * (the message names <timeout_opt>, e.g. "--timeout") leaves it in place,
 * for the sync to see when it is back. `myshift sync --stop` and cutover. */
int ms_sync_stop_wait(struct ms_db *apply_db, const char *cs, bool reverse,
		      unsigned long timeout_s, const char *timeout_opt,
		      struct ms_sync_stopped *out, struct ms_err *err) MS_WUR;

/* Deletes a pending request of the direction (a rollback). */
int ms_sync_clear_request(struct ms_db *apply_db, const char *cs, bool reverse,
			  struct ms_err *err) MS_WUR;

/* Reverse sync applies only the tables whose target schema is listed in
 * <cs>.handover on the migration's target (a row '*' = every table),
 * read when a session starts; without that table, every table (a reverse
 * sync run by hand). Cutover keeps it (docs/cutover.md). Created when
 * missing by: */
int ms_sync_handover_create(struct ms_db *target, const char *cs,
			    struct ms_err *err) MS_WUR;

#endif

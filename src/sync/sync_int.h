/* Internals of the sync pipeline (sync.c, queue.c, state.c, tables.c). */
#ifndef MS_SYNC_SYNC_INT_H
#define MS_SYNC_SYNC_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "sync/apply.h"
#include "sync/reader.h"
#include "sync/sync.h"

/* ---- raw event queue between the reader thread and the applier -------- */

struct sy_event {
	struct sy_event *next;
	size_t len;
	uint8_t data[]; /* the whole event, header to checksum */
};

struct sy_queue {
	pthread_mutex_t mu;
	pthread_cond_t ready; /* an event arrived or the reader ended */
	pthread_cond_t space; /* the applier took events */
	struct sy_event *head, *tail;
	size_t bytes, count;
	size_t cap; /* the reader waits above this many bytes */
	bool done;  /* the reader ended: <rc>/<err> say why */
	bool stop;  /* the applier wants the reader gone */
	int rc;
	struct ms_err err;
	uint64_t received; /* events received in all */
	struct ms_rd *rd;
	pthread_t thread;
	bool started;
	bool inited;
};

/* Opens the reader at <start> and starts the reader thread. */
int sy_queue_start(struct sy_queue *q, const struct ms_rd_opts *ro,
		   const struct ms_rd_start *start, size_t cap,
		   struct ms_err *err) MS_WUR;
/* Takes the next event (the caller frees it), waiting up to <wait_ms>:
 * returns 1 with *<out>, 0 on timeout, or the reader's error once the
 * queue is drained. */
int sy_queue_pop(struct sy_queue *q, unsigned int wait_ms,
		 struct sy_event **out, struct ms_err *err) MS_WUR;
/* Events waiting (racy, for grouping decisions). */
size_t sy_queue_count(struct sy_queue *q);
/* Header timestamp of the first waiting event, 0 when none. */
uint32_t sy_queue_head_time(struct sy_queue *q);
/* Stops the reader thread and frees everything queued. */
void sy_queue_stop(struct sy_queue *q);

/* ---- positions --------------------------------------------------------- */

/* Orders binlog positions: files by their numeric suffix (then by name),
 * then offsets. */
int sy_pos_cmp(const char *fa, uint64_t pa, const char *fb, uint64_t pb);

/* ---- the control row (state.c) ------------------------------------------ */

struct sy_state {
	bool exists;
	uint32_t server_id;
	char file[256];
	uint64_t pos;
	char *gtid; /* owned, "" when none */
	bool has_ddl_pending;
	char ddl_pending_file[256];
	uint64_t ddl_pending_pos;
	bool has_peer;
	char peer_file[256];
	uint64_t peer_pos;
	char *peer_gtid; /* owned */
};

void sy_state_free(struct sy_state *s);
const char *sy_direction(bool reverse);
/* Reads the row of <direction> from <cs>.sync_state on <db>. */
int sy_state_read(struct ms_db *db, const char *cs, const char *direction,
		  struct sy_state *out, struct ms_err *err) MS_WUR;
/* Creates the row (first run). */
int sy_state_insert(struct ms_db *db, const char *cs, const char *direction,
		    uint32_t server_id, const char *file, uint64_t pos,
		    const char *gtid, struct ms_err *err) MS_WUR;

/* Appends the checkpoint UPDATE for a group (run inside its transaction). */
int sy_state_checkpoint_sql(struct ms_db *db, struct ms_buf *q, const char *cs,
			    const char *direction, const char *file,
			    uint64_t pos, const char *gtid, uint32_t event_time,
			    uint64_t txns, uint64_t changes,
			    bool clear_ddl_pending) MS_WUR;
int sy_state_set_ddl_pending(struct ms_db *db, const char *cs,
			     const char *direction, const char *file,
			     uint64_t pos, struct ms_err *err) MS_WUR;
/* Records the apply side's own binlog position (reverse sync starts
 * there); <only_if_unset> keeps an earlier one. A server without a binlog
 * records nothing. */
int sy_state_set_peer(struct ms_db *db, const char *cs, const char *direction,
		      bool only_if_unset, struct ms_err *err) MS_WUR;
/* The live figures status shows, outside the data transactions. */
int sy_state_progress(struct ms_db *db, const char *cs, const char *direction,
		      bool running, double lag, double eps,
		      const char *end_file, uint64_t end_pos,
		      const char *last_error, struct ms_err *err) MS_WUR;

/* ---- control requests (request.c) -------------------------------------- */

/* How often a running sync reads <cs>.sync_requests. */
#define SY_REQUEST_POLL_MS 20

/* CREATE TABLE body of <cs>.sync_requests (ms_sync_control_create). */
extern const char sy_requests_ddl[];

/* Deletes a served 'checkpoint' request (never a 'stop'). */
int sy_request_checkpoint_done(struct ms_db *db, const char *cs,
			       const char *direction, struct ms_err *err);

struct sy_request {
	bool exists;
	bool stop;	 /* request = 'stop' */
	bool checkpoint; /* request = 'checkpoint' */
	char by[256];	 /* requested_by */
	char at[32];	 /* requested_at (UTC) */
};

/* Reads the request of <direction> (none when the table is missing), then
 * COMMITs so the next read sees a fresh snapshot: call it only where no
 * group transaction is open. */
int sy_request_read(struct ms_db *db, const char *cs, const char *direction,
		    struct sy_request *out, struct ms_err *err) MS_WUR;

/* ---- table metadata and the name map (tables.c) ------------------------- */

struct sy_tables;

enum sy_map_mode { SY_MAP_RULES, SY_MAP_REVERSE };

struct sy_tables *sy_tables_new(enum sy_map_mode mode,
				const struct ms_rules *rules);
void sy_tables_free(struct sy_tables *t);
/* Reverse: loads the inverse of <cs>.copy_tables from <from>. */
int sy_tables_load_reverse(struct sy_tables *t, struct ms_db *from,
			   const char *cs, struct ms_err *err) MS_WUR;
/* The ms_stmt_map_fn over <ctx> = struct sy_tables *. */
int sy_tables_map(void *ctx, const char *schema, const char *table,
		  struct ms_buf *out_schema, struct ms_buf *out_table);

enum sy_lookup {
	SY_TABLE_IGNORED = 0, /* not selected */
	SY_TABLE_OK,
	SY_TABLE_UNSUPPORTED, /* selected but cannot be applied (<why>) */
};

/* The target table for source <schema>.<table>: loads and caches its
 * metadata from <to>. *<ap> is valid until sy_tables_forget. On
 * SY_TABLE_UNSUPPORTED <err> says why (no key, missing on the target). */
int sy_tables_get(struct sy_tables *t, struct ms_db *to, const char *schema,
		  const char *table, const struct ms_ap_table **ap,
		  struct ms_err *err);
/* Reverse: reads <cs>.handover from <from> (the migration's target) and
 * from then on maps only tables whose target schema is listed (a row '*':
 * all); without that table, all. Forgets the cached tables. */
int sy_tables_load_handover(struct sy_tables *t, struct ms_db *from,
			    const char *cs, struct ms_err *err) MS_WUR;
/* Forgets every cached table (after DDL). */
void sy_tables_forget(struct sy_tables *t);
/* After replayed table DDL: keeps <cs>.copy_tables on <to> in step
 * (created, renamed and dropped tables) so reverse sync and status know the
 * tables. Forward only. */
int sy_tables_registry_ddl(struct sy_tables *t, struct ms_db *to,
			   const char *cs, const void *stmt,
			   struct ms_err *err) MS_WUR;

#endif

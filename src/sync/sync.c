/* The sync pipeline: reader thread -> raw event queue -> this applier, which
 * decodes, assembles whole source transactions, filters them, groups them
 * and commits each group on the apply side together with its checkpoint.
 *
 * Sessions: one session is one connection pair and one reader, started at
 * the checkpoint recorded on the apply side. Any failure ends the session;
 * transient ones (a server restarting, a lost connection) start a new
 * session from the checkpoint after a backoff, so an interrupted group is
 * simply read and applied again, and a transaction is never resumed in
 * its middle. Design note: docs/sync.md. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "binlog/binlog.h"
#include "core/arena.h"
#include "core/log.h"
#include "db/quote.h"
#include "sync/gtid.h"
#include "sync/stmt.h"
#include "sync/sync_int.h"

#define SY_COMP		 "sync"
#define SY_QUEUE_CAP	 (64u << 20)
#define SY_TICK_MS	 1000
#define SY_POP_WAIT_MS	 SY_REQUEST_POLL_MS
#define SY_IDLE_CKPT_MS	 100
#define SY_ARENA_CAP	 ((size_t)2 << 30)
#define SY_GROUP_CHANGES 20000
#define SY_GROUP_BYTES	 (32u << 20)

static volatile sig_atomic_t sy_stop_flag;

void ms_sync_request_stop(void)
{
	sy_stop_flag = 1;
}

/* A transaction being assembled: its events, as received. */
struct sy_txn {
	bool open;  /* after a GTID (or BEGIN) */
	bool begun; /* after BEGIN: ends at XID / COMMIT / ROLLBACK */
	struct sy_event *head, *tail;
	/* its GTID */
	bool has_gtid, mariadb, anonymous;
	uint32_t domain, server_id;
	uint64_t seq;
	uint8_t uuid[16];
	char tag[64];
	bool tagged;
	int64_t gno;
	uint32_t ts;
};

struct sy_run {
	const struct ms_sync_opts *o;
	struct ms_sync_result *res;
	const char *dir;
	const char *cs;
	struct sy_tables *tables;
	uint32_t server_id;
	bool progressed; /* this session applied or received something */
	/* until_caught_up: the source's binlog end as of start */
	char end_file[256];
	uint64_t end_pos;
	/* ---- session ---- */
	struct ms_db *to;
	struct sy_queue q;
	struct ms_bl_decoder *dec;
	struct ms_arena arena;
	struct ms_ap_batch *batch;
	struct ms_gtid_state *gtid;
	struct sy_state st; /* as read at session start */
	char file[256];	    /* stream position after the last event */
	uint64_t pos;
	char sfile[256]; /* last transaction boundary reached */
	uint64_t spos;
	char cfile[256]; /* last checkpoint persisted */
	uint64_t cpos;
	struct sy_txn txn;
	/* the group being built */
	uint64_t g_txns, g_changes;
	uint32_t g_event_time;
	bool g_dirty;
	uint32_t pend_ts; /* source time of the oldest unapplied event */
	/* heartbeat: how far the source's binlog goes */
	char hb_file[256];
	uint64_t hb_pos;
	/* rates */
	uint64_t events;
	uint64_t tick_events;
	double eps;
	struct timespec last_tick;
	struct timespec last_ckpt; /* last checkpoint committed */
	/* Since the last checkpoint only myshift's own transactions (the
	 * other direction's checkpoints and applies) were skipped: those
	 * wait for the 1 s tick, so two syncs do not answer each other's
	 * idle checkpoints 10 times a second for ever. */
	bool echo_only;
	bool txn_ours; /* the transaction ending now was skipped as ours */
	struct timespec last_poll; /* last read of sync_requests */
	bool stop_req;		   /* a 'stop' request was read */
	char stop_by[256];
	char last_error[MS_ERR_MSG_MAX];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double since(const struct timespec *t)
{
	struct timespec n;

	clock_gettime(CLOCK_MONOTONIC, &n);
	return (double)(n.tv_sec - t->tv_sec) +
	       (double)(n.tv_nsec - t->tv_nsec) / 1e9;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void set_name(char *dst, const char *src)
{
	snprintf(dst, 256, "%s", src);
}

/* An event we cannot apply safely: stop, or skip it when told to. */
static int unsupported(struct sy_run *r, struct ms_err *err, const char *fmt,
		       ...) MS_PRINTF(3, 4);
static int unsupported(struct sy_run *r, struct ms_err *err, const char *fmt,
		       ...)
{
	char msg[MS_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->o->on_unsupported == MS_SYNC_UNSUPPORTED_SKIP) {
		MS_LOG_WARN(SY_COMP, "skipped (--on-unsupported=skip): %s",
			    msg);
		return 0;
	}
	return MS_ERR(err, MS_EUNSUPPORTED,
		      "%s (stop here, or give --on-unsupported=skip to skip "
		      "such events)",
		      msg);
}

/* ---- the apply side ------------------------------------------------------ */

static int gtid_text(struct sy_run *r, struct ms_buf *out, struct ms_err *err)
{
	int rc = ms_gtid_format(r->gtid, out);

	return rc ? MS_ERR(err, rc, "formatting the GTID state") : 0;
}

/* Writes the checkpoint for everything up to the last boundary, with the
 * group's changes, in one target transaction. */
static int commit_group(struct sy_run *r, bool clear_ddl, struct ms_err *err)
{
	struct ms_buf q, g;
	uint64_t stmts = 0;
	int rc;

	ms_buf_init(&q, 4096);
	ms_buf_init(&g, 256);
	rc = gtid_text(r, &g, err);
	if (!rc &&
	    (rc = sy_state_checkpoint_sql(
		 r->to, &q, r->cs, r->dir, r->sfile, r->spos, ms_buf_str(&g),
		 r->g_event_time, r->g_txns, r->g_changes, clear_ddl)))
		rc = MS_ERR(err, rc, "building the checkpoint statement");
	/* The checkpoint goes first: a reverse sync reading this server's
	 * binlog sees the control table in the transaction's first table map
	 * and skips the whole transaction. */
	rc = rc ? rc : ms_db_exec(r->to, ms_buf_str(&q), err);
	if (!rc && ms_ap_batch_changes(r->batch))
		rc = ms_ap_batch_flush(r->batch, r->to, 0, &stmts, err);
	rc = rc ? rc : ms_db_exec(r->to, "COMMIT", err);
	ms_buf_free(&q);
	ms_buf_free(&g);
	if (rc) {
		ms_ap_batch_reset(r->batch);
		return ms_err_prefix(err, "applying up to %s:%" PRIu64,
				     r->sfile, r->spos);
	}
	set_name(r->cfile, r->sfile);
	r->cpos = r->spos;
	r->echo_only = true;
	clock_gettime(CLOCK_MONOTONIC, &r->last_ckpt);
	if (r->res) {
		r->res->transactions += r->g_txns;
		r->res->changes += r->g_changes;
		r->res->groups++;
	}
	r->progressed = true;
	r->g_txns = r->g_changes = 0;
	r->g_event_time = 0;
	r->g_dirty = false;
	if (!r->txn.open)
		r->pend_ts = 0;
	return 0;
}

static int flush_group(struct sy_run *r, struct ms_err *err)
{
	return r->g_dirty ? commit_group(r, false, err) : 0;
}

/* Persists a position reached by skipped or non-transaction events. */
static int idle_checkpoint(struct sy_run *r, struct ms_err *err)
{
	if (r->g_dirty || r->txn.open || !*r->sfile ||
	    (!strcmp(r->cfile, r->sfile) && r->cpos == r->spos))
		return 0;
	return commit_group(r, false, err);
}

/* ---- events ---------------------------------------------------------- */

static bool is_control(const struct sy_run *r, const char *schema)
{
	return schema && !strcmp(schema, r->cs);
}

/* The position after an event, when the event carries one. */
static void advance(struct sy_run *r, const struct ms_bl_event *ev)
{
	if (ev->kind == MS_BL_K_ROTATE) {
		set_name(r->file, ev->u.rotate.name);
		r->pos = ev->u.rotate.position;
		return;
	}
	if (ev->h.log_pos && !(ev->h.flags & MS_BL_LOG_EVENT_ARTIFICIAL_F) &&
	    ev->kind != MS_BL_K_HEARTBEAT)
		r->pos = ev->h.log_pos;
}

static void boundary(struct sy_run *r)
{
	if (!r->txn_ours)
		r->echo_only = false;
	r->txn_ours = false;
	set_name(r->sfile, r->file);
	r->spos = r->pos;
	if (!r->g_dirty && !r->txn.open)
		r->pend_ts = 0;
}

static int decode(struct sy_run *r, const struct sy_event *e,
		  struct ms_bl_event *ev, struct ms_err *err)
{
	int rc =
	    ms_bl_decode(r->dec, &r->arena, e->data, e->len, r->pos, ev, err);

	return rc ? ms_err_prefix(err, "source binlog %s", r->file) : 0;
}

static bool skipped_is_harmless(const struct ms_bl_event *ev)
{
	return (ev->h.flags & 0x0080) /* LOG_EVENT_IGNORABLE_F */ ||
	       ev->h.type == MS_BL_IGNORABLE ||
	       ev->h.type == MS_BL_TRANSACTION_CONTEXT ||
	       ev->h.type == MS_BL_VIEW_CHANGE ||
	       ev->h.type == MS_BL_HEARTBEAT_V2 ||
	       ev->h.type == MS_BL_PREVIOUS_GTIDS;
}

static int apply_rows(struct sy_run *r, const struct ms_bl_rows *rows,
		      struct ms_err *err)
{
	const struct ms_ap_table *ap = NULL;
	const struct ms_bl_table_map *tm = rows->tm;
	struct ms_err e2;
	int rc;

	if (!tm)
		return MS_ERR(err, MS_ECORRUPT,
			      "rows event at %s:%" PRIu64
			      " without its table map",
			      r->file, r->pos);
	ms_err_clear(&e2);
	rc = sy_tables_get(r->tables, r->to, tm->schema, tm->table, &ap, &e2);
	if (rc < 0) {
		if (err)
			*err = e2;
		return rc;
	}
	if (rc == SY_TABLE_IGNORED)
		return 0;
	if (rc == SY_TABLE_UNSUPPORTED)
		return unsupported(r, err, "%s.%s at %s:%" PRIu64 ": %s",
				   tm->schema, tm->table, r->file, r->pos,
				   e2.msg);
	rc = ms_ap_batch_add(r->batch, r->to, ap, rows, &e2);
	if (rc == MS_EUNSUPPORTED)
		return unsupported(r, err, "%s.%s at %s:%" PRIu64 ": %s",
				   tm->schema, tm->table, r->file, r->pos,
				   e2.msg);
	if (rc) {
		if (err)
			*err = e2;
		return ms_err_prefix(err, "%s.%s at %s:%" PRIu64, tm->schema,
				     tm->table, r->file, r->pos);
	}
	r->g_changes += rows->nrows;
	r->g_dirty = true;
	return 0;
}

static int apply_ddl(struct sy_run *r, const struct ms_bl_event *ev,
		     const struct ms_stmt *st, const char *sql, bool in_txn,
		     struct ms_err *err);

/* A statement outside BEGIN ... COMMIT: DDL and friends. */
/* A QUERY event: transaction words, DDL, or what sync refuses. <in_txn>:
 * it is inside a transaction, where the only DDL accepted is the CREATE
 * TABLE that opens a CREATE TABLE ... SELECT in row format (its rows
 * follow). */
static int apply_statement(struct sy_run *r, const struct ms_bl_event *ev,
			   bool in_txn, struct ms_err *err)
{
	const struct ms_bl_query *qe = &ev->u.query;
	struct ms_stmt st;
	struct ms_buf out;
	size_t i;
	int rc;

	rc = ms_stmt_parse((const char *)qe->sql.p, qe->sql.len, qe->schema,
			   &r->arena, &st, err);
	if (rc)
		return unsupported(r, err, "statement at %s:%" PRIu64 ": %s",
				   r->file, r->pos, err ? err->msg : "");
	if (st.marked)
		return 0; /* applied by a myshift sync: never loop it back */
	if (in_txn &&
	    (st.kind == MS_STMT_TABLE_DDL || st.kind == MS_STMT_SCHEMA_DDL ||
	     st.kind == MS_STMT_OTHER_DDL) &&
	    !(st.op == MS_STMT_OP_CREATE_TABLE && !st.has_select))
		return unsupported(r, err,
				   "statement in a transaction at %s:%" PRIu64
				   ": %.120s",
				   r->file, r->pos, (const char *)qe->sql.p);
	switch (st.kind) {
	case MS_STMT_TABLE_DDL:
	case MS_STMT_SCHEMA_DDL:
		if (st.temporary)
			return 0;
		break;
	case MS_STMT_DML:
		return unsupported(r, err,
				   "statement-format DML at %s:%" PRIu64
				   " (binlog_format must be ROW): %.120s",
				   r->file, r->pos, (const char *)qe->sql.p);
	case MS_STMT_OTHER_DDL:
		for (i = 0; i < st.nrefs; i++) {
			struct ms_buf a, b;
			int sel;

			ms_buf_init(&a, 64);
			ms_buf_init(&b, 64);
			sel = sy_tables_map(r->tables, st.refs[i].schema,
					    st.refs[i].table, &a, &b);
			ms_buf_free(&a);
			ms_buf_free(&b);
			if (sel != 0)
				return unsupported(
				    r, err,
				    "statement at %s:%" PRIu64
				    " on a selected object cannot be "
				    "replayed (views, triggers, routines and "
				    "events are created by copy and cutover): "
				    "%.120s",
				    r->file, r->pos, (const char *)qe->sql.p);
		}
		MS_LOG_INFO(SY_COMP, "ignored at %s:%" PRIu64 ": %.120s",
			    r->file, r->pos, (const char *)qe->sql.p);
		return 0;
	case MS_STMT_UNKNOWN:
		return unsupported(r, err,
				   "statement at %s:%" PRIu64
				   " not understood: %.120s",
				   r->file, r->pos, (const char *)qe->sql.p);
	case MS_STMT_XA:
		return unsupported(r, err,
				   "XA transaction at %s:%" PRIu64
				   " (not supported): %.120s",
				   r->file, r->pos, (const char *)qe->sql.p);
	default: /* COMMIT, ROLLBACK, SAVEPOINT, ignorable */
		return 0;
	}
	ms_buf_init(&out, qe->sql.len + 256);
	rc = ms_stmt_rewrite(&st, (const char *)qe->sql.p, qe->sql.len,
			     sy_tables_map, r->tables, &out, err);
	if (rc == MS_EUNSUPPORTED)
		rc = unsupported(r, err, "DDL at %s:%" PRIu64 ": %s", r->file,
				 r->pos, err ? err->msg : "");
	else if (rc == 1)
		rc = apply_ddl(r, ev, &st, ms_buf_str(&out), in_txn, err);
	else if (rc < 0)
		rc = ms_err_prefix(err, "DDL at %s:%" PRIu64, r->file, r->pos);
	ms_buf_free(&out);
	return rc;
}

/* DDL errors that mean "already done": the DDL ran before a kill, and its
 * checkpoint did not. Accepted only for the DDL recorded as in flight. */
static bool ddl_already_applied(unsigned int e)
{
	switch (e) {
	case 1007: /* database exists */
	case 1008: /* database doesn't exist */
	case 1050: /* table exists */
	case 1051: /* unknown table */
	case 1054: /* unknown column */
	case 1060: /* duplicate column */
	case 1061: /* duplicate key name */
	case 1091: /* can't drop: doesn't exist */
	case 1146: /* no such table */
	case 1826: /* duplicate foreign key */
		return true;
	default:
		return false;
	}
}

static int apply_ddl(struct sy_run *r, const struct ms_bl_event *ev,
		     const struct ms_stmt *st, const char *sql, bool in_txn,
		     struct ms_err *err)
{
	const struct ms_bl_query *qe = &ev->u.query;
	char evfile[256];
	struct ms_err e2;
	int rc;

	set_name(evfile, r->file);
	rc = flush_group(r, err);
	rc = rc ? rc
		: sy_state_set_ddl_pending(r->to, r->cs, r->dir, evfile, r->pos,
					   err);
	if (!rc && qe->has_charset) {
		char set[160];

		snprintf(set, sizeof(set),
			 "SET @@session.character_set_client = %u, "
			 "@@session.collation_connection = %u, "
			 "@@session.collation_server = %u",
			 qe->charset_client, qe->collation_connection,
			 qe->collation_server);
		rc = ms_db_exec(r->to, set, err);
	}
	if (rc)
		return rc;
	MS_LOG_INFO(SY_COMP, "replaying DDL from %s:%" PRIu64 ": %.200s",
		    evfile, r->pos, sql);
	ms_err_clear(&e2);
	rc = ms_db_exec(r->to, sql, &e2);
	if (rc && r->st.has_ddl_pending &&
	    !strcmp(r->st.ddl_pending_file, evfile) &&
	    r->st.ddl_pending_pos == r->pos &&
	    ddl_already_applied(e2.sql_errno)) {
		MS_LOG_INFO(SY_COMP,
			    "DDL at %s:%" PRIu64
			    " was applied before the restart (%s)",
			    evfile, r->pos, e2.msg);
		rc = 0;
	}
	if (rc) {
		if (err)
			*err = e2;
		return ms_err_prefix(
		    err, "replaying DDL from %s:%" PRIu64 " on the %s (%.200s)",
		    evfile, r->pos, r->o->reverse ? "source" : "target", sql);
	}
	rc = ms_db_exec(r->to, "SET NAMES utf8mb4", err);
	rc = rc ? rc : sy_tables_registry_ddl(r->tables, r->to, r->cs, st, err);
	sy_tables_forget(r->tables);
	if (rc)
		return rc;
	if (in_txn) {
		/* The transaction's rows follow: its checkpoint comes with
		 * them. A restart replays the CREATE from the last boundary,
		 * and ddl_pending (kept) lets "table exists" pass. */
		if (r->res)
			r->res->ddl++;
		return ms_db_exec(r->to, "COMMIT", err);
	}
	set_name(r->sfile, r->file);
	r->spos = r->pos;
	r->g_txns++;
	r->g_event_time = ev->h.timestamp;
	if (r->res)
		r->res->ddl++;
	rc = commit_group(r, true, err);
	memset(&r->st.ddl_pending_file, 0, sizeof(r->st.ddl_pending_file));
	r->st.has_ddl_pending = false;
	return rc;
}

/* Whether the transaction writes to the control schema: then myshift
 * applied it (copy chunk, sync group, checkpoint) and it is skipped. Its
 * table maps are decoded (and registered) here, once. */
static int is_ours(struct sy_run *r, struct sy_txn *t, bool *ours,
		   struct ms_err *err)
{
	struct sy_event *e;
	int rc = 0;

	*ours = false;
	for (e = t->head; e && !rc && !*ours; e = e->next) {
		struct ms_bl_event ev;
		uint8_t type = e->data[4];
		uint32_t i;

		if (type != MS_BL_TABLE_MAP &&
		    type != MS_BL_TRANSACTION_PAYLOAD)
			continue;
		rc = decode(r, e, &ev, err);
		if (rc)
			break;
		if (ev.kind == MS_BL_K_TABLE_MAP)
			*ours = is_control(r, ev.u.table_map->schema);
		else if (ev.kind == MS_BL_K_PAYLOAD)
			for (i = 0; i < ev.u.payload.nevents; i++)
				if (ev.u.payload.events[i].kind ==
					MS_BL_K_TABLE_MAP &&
				    is_control(r, ev.u.payload.events[i]
						      .u.table_map->schema))
					*ours = true;
		ms_arena_reset(&r->arena);
	}
	return rc;
}

static int txn_event(struct sy_run *r, const struct ms_bl_event *ev,
		     struct ms_err *err);

static int txn_payload(struct sy_run *r, const struct ms_bl_payload *p,
		       struct ms_err *err)
{
	uint32_t i;
	int rc = 0;

	for (i = 0; !rc && i < p->nevents; i++)
		rc = txn_event(r, &p->events[i], err);
	return rc;
}

static int txn_event(struct sy_run *r, const struct ms_bl_event *ev,
		     struct ms_err *err)
{
	switch (ev->kind) {
	case MS_BL_K_ROWS:
		return apply_rows(r, &ev->u.rows, err);
	case MS_BL_K_PAYLOAD:
		return txn_payload(r, &ev->u.payload, err);
	case MS_BL_K_QUERY:
		return apply_statement(r, ev, true, err);
	case MS_BL_K_XA_PREPARE:
		return unsupported(r, err,
				   "XA PREPARE at %s:%" PRIu64
				   " (XA transactions are not supported)",
				   r->file, r->pos);
	case MS_BL_K_INCIDENT:
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "INCIDENT event at %s:%" PRIu64
			      ": the source lost changes its binlog does not "
			      "hold; the target cannot be kept equal (copy "
			      "again)",
			      r->file, r->pos);
	case MS_BL_K_SKIPPED:
		if (skipped_is_harmless(ev))
			return 0;
		return unsupported(
		    r, err, "%s event at %s:%" PRIu64 ": %s",
		    ms_bl_type_name(ev->h.type) ? ms_bl_type_name(ev->h.type)
						: "unknown",
		    r->file, r->pos, ev->skip_reason ? ev->skip_reason : "");
	default: /* table maps, XID, annotations, INTVAR/RAND/USER_VAR
		    (only meaningful before statement DML, flagged there) */
		return 0;
	}
}

static int gtid_record(struct sy_run *r, const struct sy_txn *t);

/* A MySQL TRANSACTION_PAYLOAD holds a whole transaction after its GTID. */
static int apply_payload(struct sy_run *r, const struct ms_bl_payload *p,
			 struct ms_err *err)
{
	bool ours = false;
	uint32_t i;
	int rc = 0;

	for (i = 0; i < p->nevents; i++)
		if (p->events[i].kind == MS_BL_K_TABLE_MAP &&
		    is_control(r, p->events[i].u.table_map->schema))
			ours = true;
	if (ours) {
		r->txn_ours = true;
		if (r->res)
			r->res->skipped_transactions++;
	} else {
		rc = txn_payload(r, p, err);
		if (!rc) {
			r->g_txns++;
			if (r->txn.ts)
				r->g_event_time = r->txn.ts;
		}
	}
	ms_bl_decoder_release_tables(r->dec);
	if (!rc && gtid_record(r, &r->txn))
		rc = MS_ERR(err, MS_ENOMEM, "recording the GTID");
	memset(&r->txn, 0, sizeof(r->txn));
	if (!rc)
		boundary(r);
	return rc;
}

static void txn_free(struct sy_txn *t)
{
	struct sy_event *e, *next;

	for (e = t->head; e; e = next) {
		next = e->next;
		free(e);
	}
	memset(t, 0, sizeof(*t));
}

static int gtid_record(struct sy_run *r, const struct sy_txn *t)
{
	if (!t->has_gtid || t->anonymous)
		return 0;
	if (t->mariadb)
		return ms_gtid_add_mariadb(r->gtid, t->domain, t->server_id,
					   t->seq);
	return ms_gtid_add_mysql(r->gtid, t->uuid, t->tagged ? t->tag : NULL,
				 t->gno);
}

/* A whole transaction has arrived: apply it into the group. */
static int txn_complete(struct sy_run *r, struct ms_err *err)
{
	struct sy_txn *t = &r->txn;
	bool ours = false;
	struct sy_event *e;
	int rc;

	rc = is_ours(r, t, &ours, err);
	for (e = t->head; !rc && !ours && e; e = e->next) {
		struct ms_bl_event ev;

		if (e->data[4] == MS_BL_TABLE_MAP) {
			/* is_ours decoded and registered it already (a table
			 * id keeps its map for the whole transaction) */
			if (le32(e->data + 13))
				r->pos = le32(e->data + 13);
			continue;
		}
		rc = decode(r, e, &ev, err);
		if (rc)
			break;
		advance(r, &ev);
		rc = txn_event(r, &ev, err);
		ms_arena_reset(&r->arena);
	}
	if (!rc && ours) {
		r->txn_ours = true;
		for (e = t->head; e; e = e->next)
			if (le32(e->data + 13))
				r->pos = le32(e->data + 13);
		if (r->res)
			r->res->skipped_transactions++;
	}
	ms_bl_decoder_release_tables(r->dec);
	if (!rc) {
		rc = gtid_record(r, t);
		if (rc)
			rc = MS_ERR(err, rc, "recording the GTID");
	}
	if (!rc && !ours) {
		r->g_txns++;
		if (t->ts)
			r->g_event_time = t->ts;
	}
	txn_free(t);
	if (!rc)
		boundary(r);
	return rc;
}

static void txn_append(struct sy_txn *t, struct sy_event *e)
{
	if (t->tail)
		t->tail->next = e;
	else
		t->head = e;
	t->tail = e;
	if (!t->ts)
		t->ts = le32(e->data);
}

static void txn_gtid(struct sy_txn *t, const struct ms_bl_event *ev)
{
	const struct ms_bl_gtid *g = &ev->u.gtid;

	memset(t, 0, sizeof(*t));
	t->open = true;
	t->has_gtid = true;
	t->mariadb = g->mariadb;
	t->anonymous = ev->h.type == MS_BL_ANONYMOUS_GTID;
	t->domain = g->domain_id;
	t->server_id = g->server_id;
	t->seq = g->seq_no;
	memcpy(t->uuid, g->uuid, 16);
	t->gno = g->gno;
	if (g->tag) {
		t->tagged = true;
		snprintf(t->tag, sizeof(t->tag), "%s", g->tag);
	}
	t->ts = ev->h.timestamp;
	/* A MariaDB GTID event stands for BEGIN, unless it is marked
	 * standalone (DDL and other statements that commit by themselves). */
	t->begun = g->mariadb && !(g->flags & MS_BL_MARIA_FL_STANDALONE);
}

/* Is this event (inside BEGIN ... ) the transaction's last? */
static bool ends_txn(struct sy_run *r, const struct sy_event *e)
{
	uint8_t type = e->data[4];

	if (type == MS_BL_XID || type == MS_BL_XA_PREPARE)
		return true;
	if (type == MS_BL_QUERY || type == MS_BL_MARIA_QUERY_COMPRESSED) {
		struct ms_bl_event ev;
		bool end = false;

		if (ms_bl_decode(r->dec, &r->arena, e->data, e->len, r->pos,
				 &ev, NULL) == 0 &&
		    ev.kind == MS_BL_K_QUERY) {
			const char *s = (const char *)ev.u.query.sql.p;
			size_t n = ev.u.query.sql.len;

			end = (n >= 6 && !strncasecmp(s, "COMMIT", 6)) ||
			      (n == 8 && !strncasecmp(s, "ROLLBACK", 8)) ||
			      (n >= 6 && !strncasecmp(s, "XA END", 6));
		}
		ms_arena_reset(&r->arena);
		return end;
	}
	return false;
}

static int handle_event(struct sy_run *r, struct sy_event *e,
			struct ms_err *err)
{
	struct ms_bl_event ev;
	uint32_t ts = le32(e->data);
	int rc;

	r->events++;
	if (ts && !r->pend_ts && e->data[4] != MS_BL_HEARTBEAT)
		r->pend_ts = ts;
	if (r->txn.open && r->txn.begun) {
		txn_append(&r->txn, e);
		return ends_txn(r, e) ? txn_complete(r, err) : 0;
	}
	rc = decode(r, e, &ev, err);
	if (rc) {
		free(e);
		return rc;
	}
	switch (ev.kind) {
	case MS_BL_K_GTID:
		if (r->txn.open)
			txn_free(&r->txn);
		txn_gtid(&r->txn, &ev);
		advance(r, &ev);
		break;
	case MS_BL_K_QUERY: {
		const char *s = (const char *)ev.u.query.sql.p;
		size_t n = ev.u.query.sql.len;

		if ((n == 5 && !strncasecmp(s, "BEGIN", 5)) ||
		    (n >= 17 && !strncasecmp(s, "START TRANSACTION", 17)) ||
		    (n >= 8 && !strncasecmp(s, "XA START", 8))) {
			if (!r->txn.open) {
				memset(&r->txn, 0, sizeof(r->txn));
				r->txn.open = true;
			}
			r->txn.begun = true;
			advance(r, &ev);
			ms_arena_reset(&r->arena);
			txn_append(&r->txn, e);
			return 0;
		}
		advance(r, &ev);
		/* The statement's GTID is in the checkpoint DDL writes. */
		rc = gtid_record(r, &r->txn);
		if (rc)
			rc = MS_ERR(err, rc, "recording the GTID");
		else
			rc = apply_statement(r, &ev, false, err);
		memset(&r->txn, 0, sizeof(r->txn));
		if (!rc)
			boundary(r);
		break;
	}
	case MS_BL_K_PAYLOAD: /* MySQL: a compressed transaction, whole */
		advance(r, &ev);
		rc = apply_payload(r, &ev.u.payload, err);
		break;
	case MS_BL_K_HEARTBEAT:
		set_name(r->hb_file, ev.u.heartbeat.log_name);
		r->hb_pos = ev.u.heartbeat.position;
		break;
	case MS_BL_K_ROWS:
	case MS_BL_K_TABLE_MAP:
		rc = unsupported(r, err,
				 "row event outside a transaction at "
				 "%s:%" PRIu64,
				 r->file, (uint64_t)ev.h.log_pos);
		advance(r, &ev);
		break;
	case MS_BL_K_INCIDENT:
	case MS_BL_K_XA_PREPARE:
		rc = txn_event(r, &ev, err);
		advance(r, &ev);
		break;
	case MS_BL_K_SKIPPED:
		rc = txn_event(r, &ev, err);
		advance(r, &ev);
		if (!rc && !r->txn.open)
			boundary(r);
		break;
	default: /* FDE, ROTATE, STOP, GTID lists, checkpoints, ... */
		advance(r, &ev);
		if (!r->txn.open)
			boundary(r);
		break;
	}
	ms_arena_reset(&r->arena);
	free(e);
	return rc;
}

/* ---- sessions ------------------------------------------------------------ */

static void session_close(struct sy_run *r)
{
	sy_queue_stop(&r->q);
	txn_free(&r->txn);
	ms_bl_decoder_free(r->dec);
	r->dec = NULL;
	ms_arena_free(&r->arena);
	ms_ap_batch_free(r->batch);
	r->batch = NULL;
	ms_gtid_free(r->gtid);
	r->gtid = NULL;
	sy_state_free(&r->st);
	ms_db_close(r->to);
	r->to = NULL;
}

static int connect_role(struct sy_run *r, bool apply_side, struct ms_db **out,
			struct ms_err *err)
{
	struct ms_db_opts o = {
	    .role = apply_side == r->o->reverse ? "source" : "target",
	    .connect_timeout_s = r->o->connect_timeout_s,
	    .utc = true,
	};

	return ms_db_connect(apply_side ? r->o->to : r->o->from, &o, out, err);
}

static int parse_start_gtid(struct sy_run *r, const char *text,
			    struct ms_err *err)
{
	int rc = ms_gtid_parse(r->gtid, MS_GTID_NONE, text ? text : "", err);

	return rc ? ms_err_prefix(err, "the recorded GTID state") : 0;
}

static char *u64_str(uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%" PRIu64, v);
	return strdup(b);
}

/* The first run: where to start, and the row that records it. */
static int first_start(struct sy_run *r, struct ms_db *from, struct ms_err *err)
{
	char *file = NULL, *pos = NULL, *gtid = NULL;
	struct ms_buf q;
	int rc = 0;

	ms_buf_init(&q, 512);
	if (r->o->start_file) {
		file = strdup(r->o->start_file);
		pos = u64_str(r->o->start_pos);
		if (ms_db_is_mariadb(from)) {
			rc = ms_buf_addstr(&q, "SELECT BINLOG_GTID_POS(");
			rc = rc ? rc
				: ms_db_quote_string(from, &q, file,
						     strlen(file));
			rc = rc ? rc : ms_buf_addf(&q, ", %s)", pos);
			rc = rc ? rc
				: ms_db_query_value(from, ms_buf_str(&q), &gtid,
						    err);
		}
	} else if (!r->o->reverse) {
		struct ms_db_result *res = NULL;

		rc = ms_buf_addstr(&q, "SELECT start_file, start_pos, "
				       "start_gtid FROM ");
		rc = rc ? rc : ms_quote_ident(&q, r->cs);
		rc = rc ? rc : ms_buf_addstr(&q, ".`copy_state` WHERE id = 1");
		rc = rc ? rc : ms_db_query(r->to, ms_buf_str(&q), &res, err);
		if (rc && err && err->sql_errno == 1146)
			rc = MS_ERR(err, MS_EUSAGE,
				    "no start position: %s.copy_state does not "
				    "exist on the target; run `myshift copy` "
				    "(or `myshift run`) first, or give "
				    "--start-position FILE:POS",
				    r->cs);
		if (!rc && ms_db_result_nrows(res) != 1)
			rc = MS_ERR(
			    err, MS_EUSAGE,
			    "no start position: the copy has not "
			    "recorded one in %s.copy_state; run `myshift "
			    "copy` first, or give --start-position",
			    r->cs);
		if (!rc) {
			file = strdup(ms_db_result_get(res, 0, 0));
			pos = strdup(ms_db_result_get(res, 0, 1));
			gtid = strdup(ms_db_result_get(res, 0, 2)
					  ? ms_db_result_get(res, 0, 2)
					  : "");
		}
		ms_db_result_free(res);
	} else {
		struct sy_state fw;

		rc = sy_state_read(from, r->cs, "forward", &fw, err);
		if (!rc && !fw.has_peer)
			rc = MS_ERR(
			    err, MS_EUSAGE,
			    "reverse sync has no start position: forward sync "
			    "records the target's binlog position when it "
			    "starts and stops, and %s.sync_state on the target "
			    "holds none (was the target's binlog off?); give "
			    "--start-position FILE:POS",
			    r->cs);
		if (!rc) {
			file = strdup(fw.peer_file);
			pos = u64_str(fw.peer_pos);
			gtid = strdup(fw.peer_gtid ? fw.peer_gtid : "");
		}
		sy_state_free(&fw);
		if (rc && err && err->sql_errno == 1146)
			rc = MS_ERR(err, MS_EUSAGE,
				    "reverse sync: no %s.sync_state on the "
				    "target: run forward sync first, or give "
				    "--start-position FILE:POS",
				    r->cs);
	}
	ms_buf_free(&q);
	if (!rc && (!file || !pos))
		rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	if (!rc) {
		MS_LOG_INFO(SY_COMP, "%s sync starts at %s:%s (GTID %s)",
			    r->dir, file, pos, gtid ? gtid : "");
		rc = sy_state_insert(r->to, r->cs, r->dir, r->server_id, file,
				     strtoull(pos, NULL, 10), gtid, err);
	}
	free(file);
	free(pos);
	free(gtid);
	return rc;
}

static uint32_t pick_server_id(uint32_t avoid)
{
	uint32_t id;

	do {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		id = 1000000000u +
		     (uint32_t)(((uint64_t)ts.tv_nsec ^
				 (uint64_t)getpid() * 2654435761u) %
				1000000000u);
	} while (id == avoid);
	return id;
}

/* Set-up on the read side: server id, the reverse table map, the end
 * position for --until-caught-up. */
static int setup_from(struct sy_run *r, struct ms_db *from, bool first,
		      struct ms_err *err)
{
	char *sid = NULL;
	int rc = 0;

	if (first && r->o->until_caught_up) {
		struct ms_binlog_pos p;

		memset(&p, 0, sizeof(p));
		rc = ms_db_binlog_position(from, &p, err);
		if (!rc) {
			set_name(r->end_file, p.file);
			r->end_pos = p.pos;
		}
		ms_binlog_pos_free(&p);
	}
	if (!rc && r->o->reverse && first)
		rc = sy_tables_load_reverse(r->tables, from, r->cs, err);
	if (!rc && r->o->reverse) /* every session: cutover may change it */
		rc = sy_tables_load_handover(r->tables, from, r->cs, err);
	if (!rc && !r->server_id) {
		rc = ms_db_query_value(from, "SELECT @@server_id", &sid, err);
		if (!rc)
			r->server_id = r->o->server_id
					   ? r->o->server_id
					   : pick_server_id((uint32_t)strtoul(
						 sid ? sid : "0", NULL, 10));
		free(sid);
	}
	return rc;
}

/* A request left from before this process started is not meant for it
 * (docs/sync.md, "Requests"). */
static int discard_stale_request(struct sy_run *r, struct ms_err *err)
{
	struct sy_request q;
	int rc = sy_request_read(r->to, r->cs, r->dir, &q, err);

	if (rc || !q.exists)
		return rc;
	MS_LOG_WARN(SY_COMP,
		    "%s sync: deleting a request left from before it started "
		    "(%s at %s UTC by %s)",
		    r->dir, q.stop ? "stop" : "unknown", q.at, q.by);
	return ms_sync_clear_request(r->to, r->cs, r->o->reverse, err);
}

/* Reads sync_requests at most every SY_REQUEST_POLL_MS; only called
 * between groups (no target transaction open). */
static int poll_request(struct sy_run *r, struct ms_err *err)
{
	struct sy_request q;
	int rc;

	if (r->stop_req || since(&r->last_poll) * 1000 < SY_REQUEST_POLL_MS)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &r->last_poll);
	rc = sy_request_read(r->to, r->cs, r->dir, &q, err);
	if (!rc && q.checkpoint && !r->txn.open && !r->g_dirty) {
		rc = idle_checkpoint(r, err);
		return rc ? rc
			  : sy_request_checkpoint_done(r->to, r->cs, r->dir,
						       err);
	}
	if (rc || !q.stop)
		return rc;
	r->stop_req = true;
	set_name(r->stop_by, q.by);
	MS_LOG_INFO(SY_COMP, "%s sync: stop requested at %s UTC by %s", r->dir,
		    q.at, q.by);
	return 0;
}

static int session_open(struct sy_run *r, bool first, struct ms_err *err)
{
	struct ms_db *from = NULL;
	struct ms_bl_options bo;
	struct ms_rd_opts ro;
	struct ms_rd_start start;
	int rc;

	ms_arena_init(&r->arena, SY_ARENA_CAP);
	r->batch = ms_ap_batch_new();
	r->gtid = ms_gtid_new(MS_GTID_NONE);
	if (!r->batch || !r->gtid)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	rc = connect_role(r, true, &r->to, err);
	rc = rc ? rc : ms_ap_session_setup(r->to, err);
	rc = rc ? rc : ms_sync_control_create(r->to, r->cs, err);
	if (rc == MS_ESQL && err &&
	    (err->sql_errno == 1044 || err->sql_errno == 1142))
		ms_err_prefix(err,
			      "the %s user must be able to write there (it is "
			      "the side sync applies to: CREATE, ALTER, DROP, "
			      "INDEX, INSERT, UPDATE, DELETE on the selected "
			      "schemas and the control schema)",
			      r->o->reverse ? "source" : "target");
	rc = rc ? rc : ms_db_exec(r->to, "COMMIT", err);
	if (!rc && first)
		rc = discard_stale_request(r, err);
	rc = rc ? rc : connect_role(r, false, &from, err);
	rc = rc ? rc : sy_state_read(r->to, r->cs, r->dir, &r->st, err);
	if (!rc && r->st.exists && !r->server_id)
		r->server_id =
		    r->o->server_id ? r->o->server_id : r->st.server_id;
	rc = rc ? rc : setup_from(r, from, first, err);
	if (!rc && !r->st.exists) {
		rc = first_start(r, from, err);
		sy_state_free(&r->st);
		rc = rc ? rc : sy_state_read(r->to, r->cs, r->dir, &r->st, err);
	}
	ms_db_close(from);
	if (!rc && !r->st.exists)
		rc = MS_ERR(err, MS_EINTERNAL, "sync_state row missing");
	if (!rc && !r->o->reverse)
		rc = sy_state_set_peer(r->to, r->cs, r->dir, true, err);
	rc = rc ? rc : parse_start_gtid(r, r->st.gtid, err);
	if (rc)
		return rc;
	set_name(r->file, r->st.file);
	r->pos = r->st.pos;
	set_name(r->sfile, r->file);
	r->spos = r->pos;
	set_name(r->cfile, r->file);
	r->cpos = r->pos;
	memset(&ro, 0, sizeof(ro));
	ro.ep = r->o->from;
	ro.role = r->o->reverse ? "target" : "source";
	ro.server_id = r->server_id;
	ro.heartbeat_ms = r->o->heartbeat_ms;
	ro.connect_timeout_s = r->o->connect_timeout_s;
	memset(&start, 0, sizeof(start));
	start.file = r->st.file;
	start.pos = r->st.pos;
	MS_LOG_INFO(SY_COMP, "%s sync reading from %s:%" PRIu64, r->dir,
		    r->file, r->pos);
	rc = sy_queue_start(&r->q, &ro, &start, SY_QUEUE_CAP, err);
	if (rc)
		return rc;
	ms_bl_options_default(&bo);
	bo.checksum_before_fde = ms_rd_checksum_before_fde(r->q.rd);
	r->dec = ms_bl_decoder_new(&bo);
	if (!r->dec)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	clock_gettime(CLOCK_MONOTONIC, &r->last_tick);
	r->tick_events = r->events;
	return 0;
}

static double lag_now(struct sy_run *r)
{
	uint32_t oldest = r->pend_ts;
	time_t now = time(NULL);

	if (!oldest && sy_queue_count(&r->q))
		oldest = sy_queue_head_time(&r->q);
	if (!oldest)
		return 0;
	return now > (time_t)oldest ? (double)(now - (time_t)oldest) : 0;
}

static int tick(struct sy_run *r, struct ms_err *err)
{
	double dt = since(&r->last_tick);
	int rc;

	if (dt * 1000 < SY_TICK_MS)
		return 0;
	r->eps = 0.5 * r->eps + 0.5 * (double)(r->events - r->tick_events) / dt;
	r->tick_events = r->events;
	clock_gettime(CLOCK_MONOTONIC, &r->last_tick);
	rc = idle_checkpoint(r, err);
	return rc ? rc
		  : sy_state_progress(r->to, r->cs, r->dir, true, lag_now(r),
				      r->eps, r->hb_file, r->hb_pos, NULL, err);
}

/* A position reached by skipped events, persisted soon (cutover waits for
 * it inside its pause) once nothing is waiting. */
static int idle_soon(struct sy_run *r, struct ms_err *err)
{
	if (r->g_dirty || r->txn.open || sy_queue_count(&r->q) ||
	    r->echo_only || since(&r->last_ckpt) * 1000 < SY_IDLE_CKPT_MS)
		return 0;
	return idle_checkpoint(r, err);
}

static bool caught_up(struct sy_run *r)
{
	return r->o->until_caught_up && !r->txn.open && !r->g_dirty &&
	       *r->end_file &&
	       sy_pos_cmp(r->sfile, r->spos, r->end_file, r->end_pos) >= 0;
}

static bool group_full(struct sy_run *r)
{
	uint64_t maxc =
	    r->o->group_changes ? r->o->group_changes : SY_GROUP_CHANGES;
	uint64_t maxb = r->o->group_bytes ? r->o->group_bytes : SY_GROUP_BYTES;

	return r->g_changes >= maxc || ms_ap_batch_bytes(r->batch) >= maxb;
}

/* Runs one session until stopped, caught up, or failed. */
static int session(struct sy_run *r, bool first, struct ms_err *err)
{
	int rc = session_open(r, first, err);

	while (!rc) {
		struct sy_event *e = NULL;

		if (sy_stop_flag || r->stop_req || caught_up(r))
			break;
		rc = sy_queue_pop(&r->q, SY_POP_WAIT_MS, &e, err);
		if (rc < 0) {
			/* Whole transactions held are still good. */
			struct ms_err e2;

			ms_err_clear(&e2);
			if (r->to && flush_group(r, &e2) == 0 &&
			    idle_checkpoint(r, &e2))
				MS_LOG_DEBUG(SY_COMP, "%s", e2.msg);
			break;
		}
		if (rc == 1) {
			r->progressed = true;
			rc = handle_event(r, e, err);
			if (!rc && r->g_dirty && !r->txn.open &&
			    (group_full(r) || !sy_queue_count(&r->q)))
				rc = flush_group(r, err);
		} else if (r->g_dirty && !r->txn.open) {
			rc = flush_group(r, err);
		}
		rc = rc ? rc : tick(r, err);
		rc = rc ? rc : idle_soon(r, err);
		rc = rc ? rc : poll_request(r, err);
	}
	if (!rc) { /* clean stop: keep everything whole */
		rc = flush_group(r, err);
		rc = rc ? rc : idle_checkpoint(r, err);
		if (!rc && !r->o->reverse)
			rc =
			    sy_state_set_peer(r->to, r->cs, r->dir, false, err);
		if (!rc)
			rc =
			    sy_state_progress(r->to, r->cs, r->dir, false, 0, 0,
					      r->hb_file, r->hb_pos, NULL, err);
		if (!rc && r->stop_req) {
			rc = ms_sync_clear_request(r->to, r->cs, r->o->reverse,
						   err);
			MS_LOG_INFO(SY_COMP,
				    "%s sync stopped on request of %s at "
				    "%s:%" PRIu64,
				    r->dir, r->stop_by, r->cfile, r->cpos);
		}
	} else if (r->to) {
		struct ms_err e2;

		ms_err_clear(&e2);
		if (ms_db_exec(r->to, "ROLLBACK", &e2) ||
		    sy_state_progress(r->to, r->cs, r->dir, false, lag_now(r),
				      0, r->hb_file, r->hb_pos,
				      err ? err->msg : NULL, &e2))
			MS_LOG_DEBUG(SY_COMP, "%s", e2.msg);
	}
	session_close(r);
	return rc;
}

static bool transient(int rc, const struct ms_err *e)
{
	if (rc == MS_ECONNECT || rc == MS_ETIMEOUT)
		return true;
	/* Over TLS, a server that restarts under an open session shows up as
	 * errno 2026 "TLS/SSL error: unexpected eof while reading", not as
	 * 2013: the connection was lost, the TLS setup is fine. */
	if (rc == MS_ETLS && e && e->sql_errno == 2026 &&
	    strstr(e->msg, "unexpected eof"))
		return true;
	return rc == MS_ESQL && e && ms_db_errno_transient(e->sql_errno);
}

static void sleep_ms(unsigned int ms)
{
	while (ms && !sy_stop_flag) {
		unsigned int step = ms < 100 ? ms : 100;
		struct timespec ts = {0, (long)step * 1000000L};

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

int ms_sync_run(const struct ms_sync_opts *o, struct ms_sync_result *res,
		struct ms_err *err)
{
	unsigned int retries = o->retries ? o->retries : 10;
	unsigned int backoff = o->backoff_ms ? o->backoff_ms : 500;
	unsigned int failures = 0, wait = backoff;
	struct sy_run r;
	double t0 = now_s();
	bool first = true;
	int rc;

	if (res)
		memset(res, 0, sizeof(*res));
	if (!o->from || !o->to || !o->control_schema ||
	    (!o->reverse && !o->rules))
		return MS_ERR(err, MS_EINVAL, "sync: missing option");
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.res = res;
	r.dir = sy_direction(o->reverse);
	r.cs = o->control_schema;
	r.tables =
	    sy_tables_new(o->reverse ? SY_MAP_REVERSE : SY_MAP_RULES, o->rules);
	if (!r.tables)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	for (;;) {
		r.progressed = false;
		rc = session(&r, first, err);
		if (rc && sy_stop_flag && rc == MS_EIO)
			rc = 0; /* the stop interrupted a read */
		if (!rc)
			break;
		if (!transient(rc, err))
			break;
		first = false;
		if (r.progressed) {
			failures = 0;
			wait = backoff;
		}
		if (++failures > retries) {
			char was[MS_ERR_MSG_MAX];

			snprintf(was, sizeof(was), "%s", err ? err->msg : "");
			rc = MS_ERR(err, rc, "giving up after %u attempts: %s",
				    failures, was);
			break;
		}
		MS_LOG_WARN(SY_COMP, "%s; retrying in %u ms (attempt %u of %u)",
			    err ? err->msg : "lost connection", wait, failures,
			    retries);
		sleep_ms(wait);
		wait = wait * 2 > 10000 ? 10000 : wait * 2;
		if (res)
			res->reconnects++;
		if (sy_stop_flag) {
			rc = 0;
			break;
		}
	}
	if (!rc)
		ms_err_clear(err);
	if (!rc && r.stop_req && res) {
		res->stopped_on_request = true;
		snprintf(res->stopped_by, sizeof(res->stopped_by), "%s",
			 r.stop_by);
	}
	sy_tables_free(r.tables);
	if (res)
		res->seconds = now_s() - t0;
	return rc;
}

/* Control requests and the handover set (sync.h, docs/sync.md "Requests"
 * and "Handover").
 *
 * <cs>.sync_requests lives on the apply side of a direction, next to
 * sync_state: one row per direction, written by whoever wants the sync
 * stopped (cutover, `myshift sync --stop`), read by the running sync on its
 * apply connection every SY_REQUEST_POLL_MS, deleted by the sync once it
 * has stopped. <cs>.handover lives on the migration's target; reverse sync
 * reads it at every session start (tables.c). Plain DDL and DML only: the
 * apply side may be MySQL 8 or Aurora. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/quote.h"
#include "sync/sync_int.h"

const char sy_requests_ddl[] =
    "`sync_requests` ("
    " direction VARCHAR(16) NOT NULL PRIMARY KEY,"
    " request VARCHAR(16) NOT NULL,"
    " requested_at DATETIME(6) NULL,"
    " requested_by VARCHAR(255) NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

static const char handover_ddl[] =
    "`handover` ("
    " target_schema VARCHAR(64) NOT NULL PRIMARY KEY,"
    " run_id BIGINT UNSIGNED NULL,"
    " since DATETIME(6) NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/* "<verb> `cs`.`sync_requests`" */
static int table_ref(struct ms_buf *q, const char *verb, const char *cs)
{
	int rc = ms_buf_addstr(q, verb);

	rc = rc ? rc : ms_quote_ident(q, cs);
	return rc ? rc : ms_buf_addstr(q, ".`sync_requests`");
}

/* A missing control schema or table: nothing requested. */
static bool no_table(int rc, const struct ms_err *err)
{
	return rc == MS_ESQL && err &&
	       (err->sql_errno == 1146 || err->sql_errno == 1049);
}

static int write_request(struct ms_db *apply_db, const char *cs, bool reverse,
			 const char *what, struct ms_err *err);

int ms_sync_request_stop_db(struct ms_db *apply_db, const char *cs,
			    bool reverse, struct ms_err *err)
{
	return write_request(apply_db, cs, reverse, "stop", err);
}

int ms_sync_request_checkpoint_db(struct ms_db *apply_db, const char *cs,
				  bool reverse, struct ms_err *err)
{
	return write_request(apply_db, cs, reverse, "checkpoint", err);
}

static int write_request(struct ms_db *apply_db, const char *cs, bool reverse,
			 const char *what, struct ms_err *err)
{
	const char *const tables[] = {sy_requests_ddl, NULL};
	char who[160], host[64];
	struct ms_buf q;
	int rc;

	rc = ms_db_create_control(apply_db, cs, tables, err);
	if (rc)
		return ms_err_prefix(err, "creating %s.sync_requests", cs);
	if (gethostname(host, sizeof(host)))
		snprintf(host, sizeof(host), "?");
	host[sizeof(host) - 1] = '\0';
	snprintf(who, sizeof(who), "myshift pid %ld on %.63s as ",
		 (long)getpid(), host);
	ms_buf_init(&q, 512);
	/* a checkpoint request never replaces a stop */
	rc = table_ref(
	    &q, strcmp(what, "stop") ? "INSERT IGNORE INTO " : "REPLACE INTO ",
	    cs);
	rc = rc ? rc
		: ms_buf_addf(&q,
			      " (direction, request, requested_at, "
			      "requested_by) VALUES ('%s', '%s', "
			      "UTC_TIMESTAMP(6), LEFT(CONCAT(",
			      sy_direction(reverse), what);
	rc = rc ? rc : ms_db_add_literal(apply_db, &q, who);
	rc = rc ? rc : ms_buf_addstr(&q, ", CURRENT_USER()), 255))");
	rc = ms_db_exec_built(apply_db, &q, rc, "control statement", err);
	rc = rc ? rc : ms_db_exec(apply_db, "COMMIT", err);
	return rc ? ms_err_prefix(err, "writing the %s %s request to %s.%s",
				  sy_direction(reverse), what, cs,
				  "sync_requests")
		  : 0;
}

int ms_sync_clear_request(struct ms_db *apply_db, const char *cs, bool reverse,
			  struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 256);
	rc = table_ref(&q, "DELETE FROM ", cs);
	rc = rc ? rc
		: ms_buf_addf(&q, " WHERE direction = '%s'",
			      sy_direction(reverse));
	rc = ms_db_exec_built(apply_db, &q, rc, "control statement", err);
	if (no_table(rc, err)) {
		ms_err_clear(err);
		rc = 0;
	}
	rc = rc ? rc : ms_db_exec(apply_db, "COMMIT", err);
	return rc ? ms_err_prefix(err, "deleting the %s request from %s.%s",
				  sy_direction(reverse), cs, "sync_requests")
		  : 0;
}

int sy_request_read(struct ms_db *db, const char *cs, const char *direction,
		    struct sy_request *out, struct ms_err *err)
{
	struct ms_db_result *res = NULL;
	struct ms_buf q;
	int rc;

	memset(out, 0, sizeof(*out));
	ms_buf_init(&q, 256);
	rc = ms_buf_addstr(&q, "SELECT request, requested_by, requested_at");
	rc = rc ? rc : table_ref(&q, " FROM ", cs);
	rc = rc ? rc : ms_buf_addf(&q, " WHERE direction = '%s'", direction);
	rc = rc ? MS_ERR(err, rc, "control statement too long")
		: ms_db_query(db, ms_buf_str(&q), &res, err);
	ms_buf_free(&q);
	if (no_table(rc, err)) {
		ms_err_clear(err);
		rc = 0;
	}
	if (!rc && ms_db_result_nrows(res) == 1) {
		const char *by = ms_db_result_get(res, 0, 1);
		const char *at = ms_db_result_get(res, 0, 2);

		out->exists = true;
		out->stop = !strcmp(ms_db_result_get(res, 0, 0), "stop");
		out->checkpoint =
		    !strcmp(ms_db_result_get(res, 0, 0), "checkpoint");
		snprintf(out->by, sizeof(out->by), "%s", by ? by : "?");
		snprintf(out->at, sizeof(out->at), "%s", at ? at : "?");
	}
	ms_db_result_free(res);
	/* autocommit is off on the apply session: end the read so the next
	 * poll sees a fresh snapshot (a read-only commit is not binlogged) */
	return rc ? rc : ms_db_exec(db, "COMMIT", err);
}

int ms_sync_handover_create(struct ms_db *target, const char *cs,
			    struct ms_err *err)
{
	const char *const tables[] = {handover_ddl, NULL};
	int rc = ms_db_create_control(target, cs, tables, err);

	return rc ? ms_err_prefix(err, "creating %s.handover", cs) : 0;
}

int sy_request_checkpoint_done(struct ms_db *db, const char *cs,
			       const char *direction, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 256);
	rc = table_ref(&q, "DELETE FROM ", cs);
	rc = rc ? rc
		: ms_buf_addf(&q,
			      " WHERE direction = '%s' AND request = "
			      "'checkpoint'",
			      direction);
	rc = ms_db_exec_built(db, &q, rc, "control statement", err);
	return rc ? rc : ms_db_exec(db, "COMMIT", err);
}

/* ---- stopping a sync and waiting for it ---------------------------- */

#define STOP_POLL_MS 10
#define STOP_STALE_S 10.0 /* running = 1 but no progress for longer: gone */
#define STOP_RETRY_S 15.0 /* running = 0 after an error: may be retrying */

/* What the apply side says about the direction, read in one query. */
struct stop_view {
	bool exists;  /* a sync_state row */
	bool running; /* running = 1, progress fresh */
	bool clean;   /* last_error IS NULL */
	bool after;   /* progress written at or after the request */
	bool request; /* the request row is still there */
	double age;   /* seconds since progress_at, -1 when never */
	char file[256];
	uint64_t pos;
};

static int stop_read(struct ms_db *db, const char *cs, const char *dir,
		     const char *t0, struct stop_view *v, struct ms_err *err)
{
	struct ms_db_result *res = NULL;
	struct ms_buf q;
	const char *x;
	int rc;

	memset(v, 0, sizeof(*v));
	v->age = -1;
	ms_buf_init(&q, 1024);
	rc = ms_buf_addstr(&q, "SELECT s.running, s.last_error IS NULL, "
			       "s.progress_at >= ");
	rc = rc ? rc : ms_db_add_literal(db, &q, t0);
	rc = rc ? rc
		: ms_buf_addstr(&q,
				", TIMESTAMPDIFF(MICROSECOND, s.progress_at, "
				"UTC_TIMESTAMP(6)) / 1e6, s.file, s.pos, "
				"(SELECT COUNT(*) FROM ");
	rc = rc ? rc : ms_quote_ident(&q, cs);
	rc = rc ? rc
		: ms_buf_addstr(&q, ".`sync_requests` r WHERE r.direction = "
				    "s.direction) FROM ");
	rc = rc ? rc : ms_quote_ident(&q, cs);
	rc = rc ? rc
		: ms_buf_addf(&q, ".`sync_state` s WHERE s.direction = '%s'",
			      dir);
	rc = rc ? MS_ERR(err, rc, "control statement too long")
		: ms_db_query(db, ms_buf_str(&q), &res, err);
	ms_buf_free(&q);
	if (rc == MS_ESQL && err && err->sql_errno == 1146) {
		ms_err_clear(err); /* no sync_state: no sync ever ran here */
		return 0;
	}
	if (!rc && ms_db_result_nrows(res) == 1) {
		v->exists = true;
		if ((x = ms_db_result_get(res, 0, 3)))
			v->age = strtod(x, NULL);
		x = ms_db_result_get(res, 0, 0);
		v->running = x && !strcmp(x, "1") && v->age >= 0 &&
			     v->age <= STOP_STALE_S;
		x = ms_db_result_get(res, 0, 1);
		v->clean = x && !strcmp(x, "1");
		x = ms_db_result_get(res, 0, 2);
		v->after = x && !strcmp(x, "1");
		snprintf(v->file, sizeof(v->file), "%s",
			 ms_db_result_get(res, 0, 4));
		v->pos = strtoull(ms_db_result_get(res, 0, 5), NULL, 10);
		x = ms_db_result_get(res, 0, 6);
		v->request = x && strcmp(x, "0");
	}
	ms_db_result_free(res);
	return rc;
}

/* Waits for the stop: 1 stopped, 0 not running, or an error. */
static int stop_wait(struct ms_db *db, const char *cs, bool reverse,
		     const char *t0, unsigned long timeout_s,
		     const char *timeout_opt, struct stop_view *v,
		     struct ms_err *err)
{
	const char *dir = reverse ? "reverse" : "forward";
	unsigned long i, n = timeout_s * 1000 / STOP_POLL_MS;
	int rc;

	for (i = 0; i <= n; i++) {
		if (i) {
			struct timespec ts = {0, STOP_POLL_MS * 1000000L};

			nanosleep(&ts, NULL);
		}
		rc = stop_read(db, cs, dir, t0, v, err);
		if (rc)
			return rc;
		if (!v->exists)
			return 0;
		if (v->running) {
			/* A sync that was starting may have taken the request
			 * for a stale one: ask again. */
			if (!v->request && (rc = ms_sync_request_stop_db(
						db, cs, reverse, err)))
				return rc;
			continue;
		}
		if (v->clean && v->after)
			return 1;
		if (!v->clean && v->age >= 0 && v->age <= STOP_RETRY_S)
			continue; /* between sessions: it polls when back */
		return 0;
	}
	return MS_ERR(err, MS_ETIMEOUT,
		      "%s sync did not stop within %lu s (%s): it "
		      "reports %s at %s:%" PRIu64
		      "; the request stays in %s.sync_requests, so it stops "
		      "when it next reads it",
		      dir, timeout_s, timeout_opt,
		      v->running ? "running" : "a failed session", v->file,
		      v->pos, cs);
}

int ms_sync_stop_wait(struct ms_db *apply_db, const char *cs, bool reverse,
		      unsigned long timeout_s, const char *timeout_opt,
		      struct ms_sync_stopped *out, struct ms_err *err)
{
	struct stop_view v;
	char *t0 = NULL;
	int rc =
	    ms_db_query_value(apply_db, "SELECT UTC_TIMESTAMP(6)", &t0, err);

	memset(out, 0, sizeof(*out));
	rc = rc ? rc : ms_sync_request_stop_db(apply_db, cs, reverse, err);
	rc = rc ? rc
		: stop_wait(apply_db, cs, reverse, t0, timeout_s, timeout_opt,
			    &v, err);
	free(t0);
	if (rc < 0)
		return rc;
	out->was_running = rc == 1;
	out->exists = v.exists;
	snprintf(out->file, sizeof(out->file), "%s", v.file);
	out->pos = v.pos;
	/* the sync deletes the request when it stops; nobody else will */
	return ms_sync_clear_request(apply_db, cs, reverse, err);
}

/* The cutover journal in the control schema on the target
 * (docs/cutover.md, "Journal"): cutover_runs, one row per attempt, and
 * cutover_steps, one row per step started. Each write is its own committed
 * statement, so a killed process leaves exactly what it had done. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "cutover/co_int.h"
#include "db/quote.h"
#include "sync/sync.h"

static const char *const step_names[] = {
    "",		 "prepare", "pause",	  "stop_writes", "catch_up",
    "stop_sync", "objects", "start_sync", "flip",
};

const char *co_step_name(int step)
{
	return step >= 1 && step <= CO_NSTEPS ? step_names[step] : "?";
}

static const char *const tables[] = {
    "`cutover_runs` (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " kind VARCHAR(16) NOT NULL, scope VARCHAR(64) NOT NULL,"
    " routes TEXT NOT NULL, state VARCHAR(16) NOT NULL,"
    " step INT NOT NULL DEFAULT 0, source_writes VARCHAR(16) NULL,"
    " read_only_before TINYINT NULL, stopped_sync TINYINT NOT NULL DEFAULT 0,"
    " left_file VARCHAR(255) NULL, left_pos BIGINT UNSIGNED NULL,"
    " to_file VARCHAR(255) NULL, to_pos BIGINT UNSIGNED NULL,"
    " pid BIGINT NULL, host VARCHAR(255) NULL,"
    " started_at DATETIME(6) NOT NULL, heartbeat_at DATETIME(6) NULL,"
    " finished_at DATETIME(6) NULL, error TEXT NULL, report LONGTEXT NULL)"
    " ENGINE=InnoDB",
    "`cutover_steps` (run_id BIGINT UNSIGNED NOT NULL, step INT NOT NULL,"
    " name VARCHAR(32) NOT NULL, state VARCHAR(16) NOT NULL,"
    " started_at DATETIME(6) NULL, finished_at DATETIME(6) NULL,"
    " detail TEXT NULL, PRIMARY KEY (run_id, step)) ENGINE=InnoDB",
    NULL,
};

int co_journal_create(struct co *c, struct ms_err *err)
{
	int rc = ms_db_create_control(c->tgt, c->cs, tables, err);

	return rc ? rc : ms_sync_handover_create(c->tgt, c->cs, err);
}

static int add_table(struct ms_buf *q, struct co *c, const char *t)
{
	return ms_quote_qualified(q, c->cs, t);
}

/* "UPDATE `cs`.`cutover_runs` SET heartbeat_at = NOW(6)": every update of
 * the run is also its heartbeat. */
static int run_update(struct ms_buf *q, struct co *c)
{
	int rc = ms_buf_addstr(q, "UPDATE ");

	rc = rc ? rc : add_table(q, c, "cutover_runs");
	return rc ? rc : ms_buf_addstr(q, " SET heartbeat_at = NOW(6)");
}

int co_journal_begin(struct co *c, struct ms_err *err)
{
	char host[256] = "";
	char *routes = json_dumps(c->routes, JSON_COMPACT);
	struct ms_buf q;
	char *id = NULL;
	int rc;

	gethostname(host, sizeof(host) - 1);
	ms_buf_init(&q, 1 << 20);
	rc = ms_buf_addstr(&q, "INSERT INTO ");
	rc = rc ? rc : add_table(&q, c, "cutover_runs");
	rc = rc ? rc
		: ms_buf_addf(&q,
			      " (kind, scope, routes, state, source_writes, "
			      "pid, host, started_at, heartbeat_at) VALUES "
			      "('%s', ",
			      c->kind);
	rc = rc ? rc : ms_db_add_literal(c->tgt, &q, c->scope);
	rc = rc ? rc : ms_buf_addstr(&q, ", ");
	rc = rc ? rc : ms_db_add_literal(c->tgt, &q, routes ? routes : "[]");
	rc = rc ? rc
		: ms_buf_addf(&q, ", 'running', '%s', %ld, ",
			      c->writes == MS_CO_WRITES_READ_ONLY ? "read-only"
								  : "sessions",
			      (long)getpid());
	rc = rc ? rc : ms_db_add_literal(c->tgt, &q, host);
	rc = rc ? rc : ms_buf_addstr(&q, ", NOW(6), NOW(6))");
	free(routes);
	rc = ms_db_exec_built(c->tgt, &q, rc, "cutover journal", err);
	if (!rc)
		rc = ms_db_query_value(c->tgt, "SELECT LAST_INSERT_ID()", &id,
				       err);
	if (!rc)
		c->run_id = id ? strtoull(id, NULL, 10) : 0;
	free(id);
	return rc;
}

int co_journal_step(struct co *c, int step, const char *state,
		    const char *detail, struct ms_err *err)
{
	struct ms_buf q;
	int rc;
	bool start = !strcmp(state, "started");

	ms_buf_init(&q, 1 << 20);
	rc = ms_buf_addstr(&q, "INSERT INTO ");
	rc = rc ? rc : add_table(&q, c, "cutover_steps");
	rc = rc ? rc
		: ms_buf_addf(&q,
			      " (run_id, step, name, state, started_at, "
			      "finished_at, detail) VALUES (%" PRIu64
			      ", %d, '%s', '%s', NOW(6), %s, ",
			      c->run_id, step, co_step_name(step), state,
			      start ? "NULL" : "NOW(6)");
	rc = rc ? rc : ms_db_add_literal(c->tgt, &q, detail);
	rc =
	    rc ? rc
	       : ms_buf_addf(&q,
			     ") ON DUPLICATE KEY UPDATE state = VALUES(state), "
			     "finished_at = %s, detail = COALESCE("
			     "VALUES(detail), detail)",
			     start ? "NULL" : "NOW(6)");
	rc = ms_db_exec_built(c->tgt, &q, rc, "cutover journal", err);
	if (rc)
		return rc;
	ms_buf_init(&q, 4096);
	rc = run_update(&q, c);
	if (!rc && !strcmp(state, "done"))
		rc = ms_buf_addf(&q, ", step = GREATEST(step, %d)", step);
	rc = rc ? rc : ms_buf_addf(&q, " WHERE id = %" PRIu64, c->run_id);
	return ms_db_exec_built(c->tgt, &q, rc, "cutover journal", err);
}

int co_journal_save(struct co *c, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 8192);
	rc = run_update(&q, c);
	if (!rc && c->read_only_before >= 0)
		rc = ms_buf_addf(&q, ", read_only_before = %d",
				 c->read_only_before);
	rc = rc ? rc : ms_buf_addf(&q, ", stopped_sync = %d", c->stopped_sync);
	if (!rc && *c->left_file) {
		rc = ms_buf_addstr(&q, ", left_file = ");
		rc = rc ? rc : ms_db_add_literal(c->tgt, &q, c->left_file);
		rc = rc ? rc
			: ms_buf_addf(&q, ", left_pos = %" PRIu64, c->left_pos);
	}
	if (!rc && *c->to_file) {
		rc = ms_buf_addstr(&q, ", to_file = ");
		rc = rc ? rc : ms_db_add_literal(c->tgt, &q, c->to_file);
		rc =
		    rc ? rc : ms_buf_addf(&q, ", to_pos = %" PRIu64, c->to_pos);
	}
	rc = rc ? rc : ms_buf_addf(&q, " WHERE id = %" PRIu64, c->run_id);
	return ms_db_exec_built(c->tgt, &q, rc, "cutover journal", err);
}

int co_journal_finish(struct co *c, const char *state, const char *error,
		      struct ms_err *err)
{
	char *report = c->report ? json_dumps(c->report, JSON_COMPACT) : NULL;
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 16 << 20);
	rc = run_update(&q, c);
	rc = rc ? rc
		: ms_buf_addf(
		      &q,
		      ", state = '%s', finished_at = NOW(6), error = ", state);
	rc = rc ? rc : ms_db_add_literal(c->tgt, &q, error);
	rc = rc ? rc : ms_buf_addstr(&q, ", report = ");
	rc = rc ? rc : ms_db_add_literal(c->tgt, &q, report);
	rc = rc ? rc : ms_buf_addf(&q, " WHERE id = %" PRIu64, c->run_id);
	free(report);
	return ms_db_exec_built(c->tgt, &q, rc, "cutover journal", err);
}

static const char *or_str(const char *v, const char *dflt)
{
	return v ? v : dflt;
}

static void copy_str(char *dst, size_t n, const char *v)
{
	snprintf(dst, n, "%s", v ? v : "");
}

int co_journal_pending(struct co *c, struct co_pending *p, struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	struct ms_buf q;
	char host[256] = "";
	int rc;

	memset(p, 0, sizeof(*p));
	p->read_only_before = -1;
	ms_buf_init(&q, 4096);
	rc = ms_buf_addstr(
	    &q, "SELECT id, kind, scope, routes, source_writes, pid, "
		"host, TIMESTAMPDIFF(SECOND, heartbeat_at, NOW(6)), "
		"read_only_before, left_file, left_pos, to_file, "
		"to_pos, stopped_sync FROM ");
	rc = rc ? rc : add_table(&q, c, "cutover_runs");
	rc = rc ? rc
		: ms_buf_addstr(&q, " WHERE state = 'running' ORDER BY id "
				    "DESC LIMIT 1");
	if (rc)
		return MS_ERR(err, rc, "cutover journal: query too long");
	rc = ms_db_query(c->tgt, ms_buf_str(&q), &r, err);
	ms_buf_free(&q);
	if (rc)
		return rc;
	if (ms_db_result_nrows(r) == 1) {
		const char *v;
		json_error_t je;

		p->id = strtoull(ms_db_result_get(r, 0, 0), NULL, 10);
		copy_str(p->kind, sizeof(p->kind), ms_db_result_get(r, 0, 1));
		copy_str(p->scope, sizeof(p->scope), ms_db_result_get(r, 0, 2));
		p->routes =
		    json_loads(or_str(ms_db_result_get(r, 0, 3), "[]"), 0, &je);
		if (!p->routes)
			p->routes = json_array();
		copy_str(p->writes, sizeof(p->writes),
			 ms_db_result_get(r, 0, 4));
		v = ms_db_result_get(r, 0, 5);
		p->pid = v ? strtol(v, NULL, 10) : 0;
		copy_str(p->host, sizeof(p->host), ms_db_result_get(r, 0, 6));
		v = ms_db_result_get(r, 0, 7);
		long age = v ? strtol(v, NULL, 10) : 1000000;
		gethostname(host, sizeof(host) - 1);
		if (!strcmp(host, p->host))
			p->alive =
			    p->pid > 0 &&
			    (kill((pid_t)p->pid, 0) == 0 || errno == EPERM) &&
			    (pid_t)p->pid != getpid();
		else
			p->alive = age < 60;
		v = ms_db_result_get(r, 0, 8);
		p->read_only_before = v ? atoi(v) : -1;
		copy_str(p->left_file, sizeof(p->left_file),
			 ms_db_result_get(r, 0, 9));
		v = ms_db_result_get(r, 0, 10);
		p->left_pos = v ? strtoull(v, NULL, 10) : 0;
		copy_str(p->to_file, sizeof(p->to_file),
			 ms_db_result_get(r, 0, 11));
		v = ms_db_result_get(r, 0, 12);
		p->to_pos = v ? strtoull(v, NULL, 10) : 0;
		v = ms_db_result_get(r, 0, 13);
		p->stopped_sync = v && atoi(v);
	}
	ms_db_result_free(r);
	if (!p->id)
		return 0;
	ms_buf_init(&q, 4096);
	rc = ms_buf_addstr(&q, "SELECT step, state FROM ");
	rc = rc ? rc : add_table(&q, c, "cutover_steps");
	rc = rc ? rc : ms_buf_addf(&q, " WHERE run_id = %" PRIu64, p->id);
	if (rc)
		return MS_ERR(err, rc, "cutover journal: query too long");
	rc = ms_db_query(c->tgt, ms_buf_str(&q), &r, err);
	ms_buf_free(&q);
	if (rc)
		return rc;
	for (size_t i = 0; i < ms_db_result_nrows(r); i++) {
		int s = atoi(or_str(ms_db_result_get(r, i, 0), "0"));
		const char *st = or_str(ms_db_result_get(r, i, 1), "");
		if (s < 1 || s > CO_NSTEPS)
			continue;
		p->started[s] = true;
		p->done[s] = !strcmp(st, "done");
	}
	ms_db_result_free(r);
	return 0;
}

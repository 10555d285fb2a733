/* The switch itself (cutover.h): scope, preconditions, the journaled steps,
 * rollback, and recovery of an interrupted run. docs/cutover.md. */
#define _POSIX_C_SOURCE 200809L
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

int co_after_flip(struct co *c, struct ms_err *err);

static void set_direction(struct co *c, bool failback)
{
	c->failback = failback;
	c->kind = failback ? "failback" : "cutover";
	c->left_be = failback ? "target" : "source";
	c->to_be = failback ? "source" : "target";
	c->left_reverse = failback;
	c->left = failback ? c->tgt : c->src;
	c->to_db = failback ? c->src : c->tgt;
}

static void report_error(struct co *c, const char *what, const char *msg)
{
	char line[800];

	snprintf(line, sizeof(line), "%s: %s", what, msg);
	json_array_append_new(c->errors, json_string(line));
}

/* Which routes move and what is handed over. */
static int resolve_scope(struct co *c, json_t *refused, struct ms_err *err)
{
	const struct ms_cutover_opts *o = c->o;
	json_t *a = NULL, *r;
	size_t i;
	int rc = co_api(c, "GET", "/routes", NULL, NULL, NULL, &a, err);

	if (rc) {
		json_array_append_new(refused, json_string(err->msg));
		ms_err_clear(err);
		return 0;
	}
	snprintf(c->scope, sizeof(c->scope), "*");
	json_array_foreach(a, i, r)
	{
		const char *name =
		    json_string_value(json_object_get(r, "name"));
		const char *schema =
		    json_string_value(json_object_get(r, "schema"));
		const char *be =
		    json_string_value(json_object_get(r, "backend"));
		if (!name || !schema || !be)
			continue;
		if (o->route	? !strcmp(name, o->route)
		    : o->schema ? !strcmp(schema, o->schema)
				: !strcmp(be, c->left_be)) {
			json_array_append_new(c->routes, json_string(name));
			if ((o->route || o->schema) && strcmp(schema, "%"))
				snprintf(c->scope, sizeof(c->scope), "%s",
					 schema);
			if ((o->route || o->schema) && strcmp(be, c->left_be)) {
				char m[300];
				snprintf(m, sizeof(m),
					 "route '%s' is already on the %s",
					 name, be);
				json_array_append_new(refused, json_string(m));
			}
		}
	}
	json_decref(a);
	size_t n = json_array_size(c->routes);
	char m[400];
	if (o->schema && n != 1) {
		if (n)
			snprintf(m, sizeof(m),
				 "%zu proxy routes have schema=%s: use --route",
				 n, o->schema);
		else
			snprintf(m, sizeof(m),
				 "no proxy route has schema=%s (add one to the "
				 "proxy: --route \"NAME schema=%s "
				 "backend=source\")",
				 o->schema, o->schema);
		json_array_append_new(refused, json_string(m));
	} else if (o->route && !n) {
		snprintf(m, sizeof(m), "the proxy has no route '%s'", o->route);
		json_array_append_new(refused, json_string(m));
	} else if (!n) {
		snprintf(m, sizeof(m),
			 "no proxy route is on the %s: nothing to switch",
			 c->left_be);
		json_array_append_new(refused, json_string(m));
	}
	/* whole and tenant switches do not mix */
	struct ms_db_result *h = NULL;
	struct ms_buf q;
	ms_buf_init(&q, 1024);
	rc = ms_buf_addstr(&q, "SELECT target_schema FROM ");
	rc = rc ? rc : ms_quote_qualified(&q, c->cs, "handover");
	rc = rc ? rc : ms_db_query(c->tgt, ms_buf_str(&q), &h, err);
	ms_buf_free(&q);
	if (rc)
		return rc;
	bool star = false, mine = false;
	size_t nh = ms_db_result_nrows(h);
	for (i = 0; i < nh; i++) {
		const char *s = ms_db_result_get(h, i, 0);
		star |= !strcmp(s, "*");
		mine |= !strcmp(s, c->scope);
	}
	ms_db_result_free(h);
	bool whole = !strcmp(c->scope, "*");
	if (!c->failback && whole && star)
		snprintf(m, sizeof(m),
			 "the whole migration is on the target already");
	else if (!c->failback && whole && nh)
		snprintf(m, sizeof(m),
			 "%zu schema(s) are handed over to the target per "
			 "tenant: cut the rest over per tenant, or fail them "
			 "back first",
			 nh);
	else if (!c->failback && !whole && star)
		snprintf(m, sizeof(m),
			 "the whole migration is on the target already");
	else if (!c->failback && mine)
		snprintf(m, sizeof(m), "%s is already on the target", c->scope);
	else if (c->failback && !mine)
		snprintf(m, sizeof(m), "%s was not cut over%s",
			 whole ? "the whole migration" : c->scope,
			 whole ? " (the handover table has no '*')" : "");
	else
		m[0] = '\0';
	if (*m)
		json_array_append_new(refused, json_string(m));
	return 0;
}

/* auto: read-only for a whole switch when the user may set it. */
static int resolve_writes(struct co *c, json_t *refused, struct ms_err *err)
{
	bool tenant = c->o->schema || c->o->route;
	struct ms_err e2;

	c->writes = c->o->writes;
	if (c->writes == MS_CO_WRITES_SESSIONS ||
	    (c->writes == MS_CO_WRITES_AUTO && tenant)) {
		c->writes = MS_CO_WRITES_SESSIONS;
		return 0;
	}
	ms_err_clear(&e2);
	int rc = ms_db_exec(c->left,
			    "SET GLOBAL read_only = @@GLOBAL.read_only", &e2);
	if (!rc) {
		c->writes = MS_CO_WRITES_READ_ONLY;
		if (tenant) {
			json_array_append_new(
			    refused,
			    json_string("--source-writes=read-only stops every "
					"tenant's writes: use sessions for a "
					"tenant switch"));
		}
	} else if (c->writes == MS_CO_WRITES_READ_ONLY) {
		char m[800];
		snprintf(m, sizeof(m),
			 "--source-writes=read-only: the %s user may not set "
			 "read_only (SUPER or READ_ONLY ADMIN): %s",
			 c->left_be, e2.msg);
		json_array_append_new(refused, json_string(m));
	} else {
		c->writes = MS_CO_WRITES_SESSIONS;
	}
	(void)err;
	return 0;
}

static void crash_hook(struct co *c, int step, bool after)
{
	if (c->crash_step == step && c->crash_after == after) {
		MS_LOG_WARN(CO_COMP, "event=crash_hook step=%s when=%s",
			    co_step_name(step), after ? "after" : "before");
		kill(getpid(), SIGKILL);
	}
}

static void parse_crash_hook(struct co *c)
{
	const char *v = getenv("MYSHIFT_CUTOVER_CRASH");
	char name[32];

	if (!v || !*v)
		return;
	const char *colon = strchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : strlen(v);
	if (n >= sizeof(name))
		return;
	memcpy(name, v, n);
	name[n] = '\0';
	for (int s = 1; s <= CO_NSTEPS; s++)
		if (!strcmp(name, co_step_name(s)))
			c->crash_step = s;
	c->crash_after = colon && !strcmp(colon + 1, "after");
}

/* Undoes the started steps, last first. Returns the number that failed. */
static int rollback(struct co *c, const bool *started)
{
	int failed = 0;

	for (int s = CO_FLIP - 1; s >= 1; s--) {
		struct ms_err e;
		if (!started[s])
			continue;
		ms_err_clear(&e);
		int rc = co_step_undo(c, s, &e);
		if (rc) {
			failed++;
			MS_LOG_ERROR(CO_COMP,
				     "event=undo_failed step=%s error=\"%s\"",
				     co_step_name(s), e.msg);
			char line[700];
			snprintf(line, sizeof(line), "undoing %s: %s",
				 co_step_name(s), e.msg);
			json_array_append_new(c->errors, json_string(line));
		} else {
			MS_LOG_INFO(CO_COMP, "event=undone step=%s",
				    co_step_name(s));
		}
		ms_err_clear(&e);
		(void)co_journal_step(c, s, rc ? "undo_failed" : "undone", NULL,
				      &e);
	}
	return failed;
}

static void fill_report(struct co *c, const char *state, double t0)
{
	json_t *r = c->report;
	unsigned errors = c->ended + c->move_failed + c->unmovable;

	json_object_set_new(r, "kind", json_string(c->kind));
	json_object_set_new(r, "state", json_string(state));
	json_object_set_new(r, "run_id", json_integer((json_int_t)c->run_id));
	json_object_set_new(r, "scope", json_string(c->scope));
	json_object_set(r, "routes", c->routes);
	json_object_set_new(r, "from", json_string(c->left_be));
	json_object_set_new(r, "to", json_string(c->to_be));
	json_object_set_new(r, "source_writes",
			    json_string(c->writes == MS_CO_WRITES_READ_ONLY
					    ? "read-only"
					    : "sessions"));
	json_object_set_new(r, "pause_ms_max", json_real(c->pause_max));
	json_object_set_new(r, "pause_ms_p50", json_real(c->pause_p50));
	json_object_set_new(r, "sessions_moved", json_integer(c->moved));
	json_object_set_new(r, "sessions_released", json_integer(c->released));
	json_object_set_new(r, "drained", json_integer(c->drained));
	json_object_set_new(r, "ended_sessions", json_integer(c->ended));
	json_object_set_new(r, "unmoved",
			    json_integer(c->move_failed + c->unmovable));
	json_object_set_new(r, "errors", json_integer(errors));
	json_object_set_new(
	    r, "positions",
	    json_pack("{s:{s:s, s:s, s:I}, s:{s:s, s:s, s:I}}", "final",
		      "server", c->left_be, "file", c->left_file, "pos",
		      (json_int_t)c->left_pos, "start", "server", c->to_be,
		      "file", c->to_file, "pos", (json_int_t)c->to_pos));
	json_object_set_new(r, "seconds", json_real(co_now_s() - t0));
}

/* Finishes a run found interrupted: redo the flip when it had started,
 * else undo what was started. */
/* Is the interrupted run what this command asks for (same kind and
 * tenant)? Then finishing it finishes the command. */
static bool same_request(const struct co *c, const struct co_pending *p)
{
	const struct ms_cutover_opts *o = c->o;

	if (strcmp(p->kind, c->kind))
		return false;
	if (o->route)
		return json_array_size(p->routes) == 1 &&
		       !strcmp(json_string_value(json_array_get(p->routes, 0)),
			       o->route);
	return !strcmp(p->scope, o->schema ? o->schema : "*");
}

/* Finishes the interrupted run <p>. *<report> gets its report when it was
 * completed and is what this command asks for. */
static int recover(struct co *c, struct co_pending *p, json_t **report,
		   struct ms_err *err)
{
	struct co r = *c;
	json_t *rep = json_object();
	int rc = 0;

	r.report = json_object();
	r.steps = json_array();
	r.errors = json_array();
	json_object_set_new(r.report, "steps", r.steps);
	json_object_set_new(r.report, "error_messages", r.errors);
	set_direction(&r, !strcmp(p->kind, "failback"));
	snprintf(r.scope, sizeof(r.scope), "%s", p->scope);
	r.routes = p->routes;
	r.writes = !strcmp(p->writes, "read-only") ? MS_CO_WRITES_READ_ONLY
						   : MS_CO_WRITES_SESSIONS;
	r.run_id = p->id;
	r.read_only_before = p->read_only_before;
	snprintf(r.left_file, sizeof(r.left_file), "%s", p->left_file);
	r.left_pos = p->left_pos;
	snprintf(r.to_file, sizeof(r.to_file), "%s", p->to_file);
	r.to_pos = p->to_pos;
	r.stopped_sync = p->stopped_sync;
	r.crash_step = 0;
	MS_LOG_WARN(CO_COMP, "event=recover run=%" PRIu64 " kind=%s flip=%d",
		    p->id, p->kind, p->started[CO_FLIP]);
	const char *state;
	if (p->started[CO_FLIP]) {
		rc = co_step_do(&r, CO_FLIP, err);
		if (!rc) {
			struct ms_err e2;
			ms_err_clear(&e2);
			(void)co_journal_step(&r, CO_FLIP, "done", NULL, &e2);
			if (co_after_flip(&r, &e2))
				report_error(&r, "after the flip", e2.msg);
		}
		state = rc ? "failed" : "done";
	} else {
		state = rollback(&r, p->started) ? "failed" : "rolled_back";
	}
	struct ms_err e3;
	ms_err_clear(&e3);
	fill_report(&r, state, co_now_s());
	if (co_journal_finish(&r, state, rc ? err->msg : NULL, &e3))
		MS_LOG_ERROR(CO_COMP, "%s", e3.msg);
	json_object_set_new(rep, "run_id", json_integer((json_int_t)p->id));
	json_object_set_new(rep, "kind", json_string(p->kind));
	json_object_set_new(rep, "scope", json_string(p->scope));
	json_object_set_new(rep, "state", json_string(state));
	json_object_set(rep, "error_messages", r.errors);
	json_object_set_new(c->report, "recovered", rep);
	if (!strcmp(state, "done") && same_request(c, p)) {
		json_object_set(r.report, "recovered", rep);
		*report = r.report;
	} else {
		json_decref(r.report);
	}
	json_decref(p->routes);
	if (!rc && !strcmp(state, "failed"))
		rc = MS_ERR(err, MS_EINTERNAL,
			    "rolling back the interrupted run %" PRIu64
			    " failed: see the report",
			    p->id);
	return rc;
}

/* Both servers, or a refusal naming the one that cannot be reached. */
static void connect_both(struct co *c, json_t *refused)
{
	const struct ms_endpoint *eps[2] = {c->o->target, c->o->source};
	struct ms_db **dbs[2] = {&c->tgt, &c->src};
	const char *roles[2] = {"target", "source"};

	for (int i = 0; i < 2; i++) {
		struct ms_db_opts dbo = {.role = roles[i], .retries = 1};
		struct ms_err e;
		char m[700];

		ms_err_clear(&e);
		if (!ms_db_connect(eps[i], &dbo, dbs[i], &e)) {
			/* nothing cutover writes is replayed by sync */
			ms_db_set_exec_prefix(*dbs[i], MS_DB_MARKER);
			continue;
		}
		snprintf(m, sizeof(m), "the %s is unreachable: %s", roles[i],
			 e.msg);
		json_array_append_new(refused, json_string(m));
		return;
	}
}

int ms_cutover_run(const struct ms_cutover_opts *o, json_t **report,
		   struct ms_err *err)
{
	struct ms_adminc adm;
	struct co c;
	double t0 = co_now_s();
	bool started[CO_NSTEPS + 1] = {false};
	json_t *refused = json_array();
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&adm, 0, sizeof(adm));
	c.o = o;
	set_direction(&c, o->failback);
	c.cs = o->control_schema ? o->control_schema : "_myshift";
	c.read_only_before = -1;
	c.routes = json_array();
	c.report = json_object();
	c.steps = json_array();
	c.errors = json_array();
	json_object_set_new(c.report, "steps", c.steps);
	json_object_set_new(c.report, "error_messages", c.errors);
	parse_crash_hook(&c);
	rc = ms_adminc_init(&adm, o->admin_addr, o->admin_token_file, err);
	if (rc)
		goto out_nojournal;
	c.a = &adm;
	connect_both(&c, refused);
	if (json_array_size(refused))
		goto refuse;
	set_direction(&c, o->failback);
	rc = co_journal_create(&c, err);
	if (rc)
		goto out_nojournal;
	struct co_pending p;
	rc = co_journal_pending(&c, &p, err);
	if (!rc && p.id && p.alive) {
		char m[600];
		snprintf(m, sizeof(m),
			 "%s run %" PRIu64 " is under way (pid %ld on %s)",
			 p.kind, p.id, p.pid, p.host);
		json_array_append_new(refused, json_string(m));
		json_decref(p.routes);
		goto refuse;
	}
	if (!rc && p.id) {
		json_t *done = NULL;
		rc = recover(&c, &p, &done, err);
		if (!rc && done) { /* the interrupted run was this command */
			json_decref(c.report);
			c.report = done;
			goto out;
		}
	}
	if (rc)
		goto out_nojournal;
	rc = resolve_scope(&c, refused, err);
	rc = rc ? rc : resolve_writes(&c, refused, err);
	if (!rc && !json_array_size(refused))
		rc = co_precheck(&c, refused, err);
	if (rc)
		goto out_nojournal;
	if (json_array_size(refused))
		goto refuse;

	rc = co_journal_begin(&c, err);
	if (rc)
		goto out_nojournal;
	MS_LOG_INFO(CO_COMP, "event=start run=%" PRIu64 " kind=%s scope=%s",
		    c.run_id, c.kind, c.scope);
	int step;
	for (step = 1; step <= CO_NSTEPS && !rc; step++) {
		double s0 = co_now_s();
		rc = co_journal_step(&c, step, "started", NULL, err);
		if (rc)
			break;
		started[step] = true;
		crash_hook(&c, step, false);
		rc = co_step_do(&c, step, err);
		if (rc) {
			ms_err_prefix(err, "%s %s", c.kind, co_step_name(step));
			break;
		}
		crash_hook(&c, step, true);
		rc = co_journal_step(&c, step, "done", NULL, err);
		json_array_append_new(
		    c.steps, json_pack("{s:s, s:f}", "name", co_step_name(step),
				       "ms", (co_now_s() - s0) * 1000));
		MS_LOG_INFO(CO_COMP, "event=step_done step=%s ms=%.1f",
			    co_step_name(step), (co_now_s() - s0) * 1000);
	}
	const char *state = "done";
	if (rc && !started[CO_FLIP]) {
		json_array_append_new(c.errors, json_string(err->msg));
		state = rollback(&c, started) ? "failed" : "rolled_back";
	} else if (rc) {
		/* after the flip: never leave clients held */
		struct ms_err e2;
		ms_err_clear(&e2);
		json_array_append_new(c.errors, json_string(err->msg));
		if (co_api(&c, "POST", "/resume", NULL, NULL, NULL, NULL, &e2))
			report_error(&c, "releasing the held sessions", e2.msg);
		state = "failed";
	} else {
		struct ms_err e2;
		ms_err_clear(&e2);
		if (co_after_flip(&c, &e2))
			report_error(&c, "after the flip", e2.msg);
	}
	fill_report(&c, state, t0);
	{
		struct ms_err e3;
		ms_err_clear(&e3);
		if (co_journal_finish(&c, state, rc ? err->msg : NULL, &e3))
			MS_LOG_ERROR(CO_COMP, "%s", e3.msg);
	}
	goto out;

refuse:
	fill_report(&c, "refused", t0);
	json_object_set(c.report, "refused", refused);
	rc = MS_ERR(err, MS_EREFUSED, "%s refused: %zu precondition(s) failed",
		    o->failback ? "failback" : "cutover",
		    json_array_size(refused));
	goto out;
out_nojournal:
	fill_report(&c, "failed", t0);
out:
	if (report)
		*report = c.report;
	else
		json_decref(c.report);
	json_decref(refused);
	json_decref(c.routes);
	ms_adminc_free(&adm);
	ms_db_close(c.src);
	ms_db_close(c.tgt);
	return rc;
}

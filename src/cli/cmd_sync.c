/* `myshift sync` and `myshift run`: option parsing, signals and the final
 * summary. The work is in src/sync (and src/copy for run). */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "copy/copy.h"
#include "core/log.h"
#include "db/db.h"
#include "db/quote.h"
#include "sync/sync.h"

const struct ms_optdef ms_sync_optdefs[] = {
    MS_CLI_ENDPOINT_OPTS,
    MS_CLI_RULES_OPTS,
    {"reverse", MS_OPT_FLAG, NULL,
     "read the target's binlog and apply to the source (failback)"},
    {"start-position", MS_OPT_VALUE, "FILE:POS",
     "first run only: start here instead of the copy's recorded position"},
    {"stop", MS_OPT_FLAG, NULL,
     "ask the running sync of the direction (--reverse) to stop, wait "
     "until it has, print its checkpoint"},
    {"timeout", MS_OPT_VALUE, "SECONDS",
     "--stop: how long to wait for the stop (default 60)"},
    MS_CLI_SYNC_OPTS,
    MS_CLI_COMMON_OPTS,
    {NULL, 0, NULL, NULL},
};

const struct ms_optdef ms_run_optdefs[] = {
    MS_CLI_ENDPOINT_OPTS, MS_CLI_RULES_OPTS,  MS_CLI_COPY_OPTS,
    MS_CLI_SYNC_OPTS,	  MS_CLI_COMMON_OPTS, {NULL, 0, NULL, NULL},
};

static void on_signal(int sig)
{
	(void)sig;
	ms_copy_request_stop();
	ms_sync_request_stop();
}

/* "FILE:POS" (the last colon splits: file names hold none in practice). */
static int parse_position(const struct ms_opts *opts, char **file,
			  uint64_t *pos, struct ms_err *err)
{
	const char *v = ms_opts_get(opts, "start-position");
	const char *colon = v ? strrchr(v, ':') : NULL;
	char *end;

	*file = NULL;
	if (!v)
		return 0;
	if (!colon || colon == v || !colon[1])
		return MS_ERR(err, MS_EUSAGE,
			      "%s: '%s' is not FILE:POS (e.g. "
			      "mysql-bin.000042:4)",
			      ms_opts_origin(opts, "start-position"), v);
	*pos = strtoull(colon + 1, &end, 10);
	if (*end || *pos < 4)
		return MS_ERR(err, MS_EUSAGE,
			      "%s: '%s': the position must be a number >= 4",
			      ms_opts_origin(opts, "start-position"), v);
	*file = strndup(v, (size_t)(colon - v));
	return *file ? 0 : MS_ERR(err, MS_ENOMEM, "out of memory");
}

static int sync_opts(const struct ms_opts *opts, struct ms_sync_opts *o,
		     struct ms_err *err)
{
	static const char *const unsup[] = {"stop", "skip", NULL};
	unsigned long sid, timeout, retries, hb;
	int u, rc;

	rc = ms_opts_uint(opts, "server-id", 1, 4294967295UL, 0, &sid, err);
	rc = rc ? rc
		: ms_opts_uint(opts, "connect-timeout", 1, 3600, 10, &timeout,
			       err);
	rc =
	    rc ? rc : ms_opts_uint(opts, "retries", 0, 1000, 10, &retries, err);
	rc = rc ? rc
		: ms_opts_uint(opts, "heartbeat", 100, 600000, 1000, &hb, err);
	rc = rc ? rc
		: ms_cli_pick_word(opts, "on-unsupported", unsup, 0, &u, err);
	if (rc)
		return rc;
	o->server_id = (uint32_t)sid;
	o->connect_timeout_s = (unsigned int)timeout;
	o->retries = retries ? (unsigned int)retries : 1;
	o->heartbeat_ms = (unsigned int)hb;
	o->on_unsupported = (enum ms_sync_unsupported)u;
	o->until_caught_up = ms_opts_flag(opts, "until-caught-up");
	o->control_schema = ms_cli_control_schema(opts);
	return 0;
}

static void print_sync(const struct ms_opts *opts,
		       const struct ms_sync_result *r, bool reverse)
{
	if (ms_opts_flag(opts, "json")) {
		json_t *o = json_pack(
		    "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "direction",
		    reverse ? "reverse" : "forward", "transactions",
		    (json_int_t)r->transactions, "skipped_transactions",
		    (json_int_t)r->skipped_transactions, "changes",
		    (json_int_t)r->changes, "ddl", (json_int_t)r->ddl, "groups",
		    (json_int_t)r->groups, "reconnects",
		    (json_int_t)r->reconnects, "seconds", r->seconds);

		if (o && r->stopped_on_request)
			json_object_set_new(o, "stopped_by",
					    json_string(r->stopped_by));
		if (o)
			json_object_set_new(
			    o, "stopped_on_request",
			    json_boolean(r->stopped_on_request));
		ms_cli_print_json(o);
		return;
	}
	ms_print_safe(stdout,
		      "%s sync stopped%s%.256s%s: %" PRIu64
		      " transactions (%" PRIu64 " row changes, %" PRIu64
		      " DDL) applied in %" PRIu64 " commits, %" PRIu64
		      " skipped, %" PRIu64 " reconnects, %.1f s\n",
		      reverse ? "reverse" : "forward",
		      r->stopped_on_request ? " on request (" : "",
		      r->stopped_on_request ? r->stopped_by : "",
		      r->stopped_on_request ? ")" : "", r->transactions,
		      r->changes, r->ddl, r->groups, r->skipped_transactions,
		      r->reconnects, r->seconds);
}

/* ---- myshift sync --stop (docs/sync.md, "Requests") ---------------- */

static void stop_print(const struct ms_opts *opts, const char *dir,
		       const struct ms_sync_stopped *v)
{
	bool was_running = v->was_running;

	if (ms_opts_flag(opts, "json")) {
		json_t *o =
		    json_pack("{s:s, s:b, s:b}", "direction", dir,
			      "was_running", was_running, "stopped", true);

		if (o)
			json_object_set_new(
			    o, "checkpoint",
			    v->exists ? json_pack("{s:s, s:I}", "file", v->file,
						  "pos", (json_int_t)v->pos)
				      : json_null());
		ms_cli_print_json(o);
		return;
	}
	if (was_running)
		ms_print_safe(stdout,
			      "%s sync stopped; checkpoint %s:%" PRIu64 "\n",
			      dir, v->file, v->pos);
	else if (v->exists)
		ms_print_safe(stdout,
			      "no %s sync is running (request cleared); "
			      "checkpoint %s:%" PRIu64 "\n",
			      dir, v->file, v->pos);
	else
		ms_print_safe(stdout,
			      "no %s sync is running (none has run here; "
			      "request cleared)\n",
			      dir);
}

/* `myshift sync --stop [--reverse]`: the request goes to the apply side of
 * the direction (forward: the target; reverse: the source). */
static int sync_stop(const struct ms_opts *opts)
{
	bool reverse = ms_opts_flag(opts, "reverse");
	const char *role = reverse ? "source" : "target";
	const char *cs = ms_cli_control_schema(opts);
	struct ms_endpoint ep = {0};
	struct ms_db *db = NULL;
	struct ms_sync_stopped v;
	unsigned long timeout = 60, ct = 10;
	struct ms_err err;
	int rc;

	ms_err_clear(&err);
	memset(&v, 0, sizeof(v));
	rc = ms_opts_uint(opts, "timeout", 1, 86400, 60, &timeout, &err);
	rc = rc ? rc
		: ms_opts_uint(opts, "connect-timeout", 1, 3600, 10, &ct, &err);
	rc = rc ? rc : ms_cli_endpoint(opts, role, &ep, &err);
	if (!rc) {
		struct ms_db_opts dbo = {.role = role,
					 .connect_timeout_s = (unsigned int)ct,
					 .utc = true};

		rc = ms_db_connect(&ep, &dbo, &db, &err);
	}
	rc = rc ? rc
		: ms_sync_stop_wait(db, cs, reverse, timeout, "--timeout", &v,
				    &err);
	ms_db_close(db);
	ms_endpoint_free(&ep);
	if (rc < 0)
		return ms_cli_fail("sync --stop", &err);
	stop_print(opts, reverse ? "reverse" : "forward", &v);
	return MS_EXIT_OK;
}

int ms_cmd_sync(const struct ms_opts *opts)
{
	struct ms_endpoint src = {0}, tgt = {0};
	struct ms_sync_opts o = {0};
	struct ms_sync_result res = {0};
	struct ms_rules *rules = NULL;
	char *file = NULL;
	struct ms_err err;
	int rc, exitc = MS_EXIT_OK;

	ms_err_clear(&err);
	if (ms_opts_flag(opts, "stop"))
		return sync_stop(opts);
	if (ms_opts_get(opts, "timeout")) {
		MS_ERR(&err, MS_EUSAGE, "%s: only with --stop",
		       ms_opts_origin(opts, "timeout"));
		return ms_cli_fail("sync", &err);
	}
	rc = ms_cli_endpoint(opts, "source", &src, &err);
	rc = rc ? rc : ms_cli_endpoint(opts, "target", &tgt, &err);
	rc = rc ? rc : ms_cli_rules(opts, &rules, &err);
	rc = rc ? rc : sync_opts(opts, &o, &err);
	rc = rc ? rc : parse_position(opts, &file, &o.start_pos, &err);
	if (!rc) {
		ms_cli_stop_signals(on_signal);
		o.reverse = ms_opts_flag(opts, "reverse");
		o.from = o.reverse ? &tgt : &src;
		o.to = o.reverse ? &src : &tgt;
		o.rules = rules;
		o.start_file = file;
		rc = ms_sync_run(&o, &res, &err);
	}
	if (rc)
		exitc = ms_cli_fail("sync", &err);
	else
		print_sync(opts, &res, o.reverse);
	free(file);
	ms_rules_free(rules);
	ms_endpoint_free(&src);
	ms_endpoint_free(&tgt);
	return exitc;
}

int ms_cmd_run(const struct ms_opts *opts)
{
	struct ms_endpoint src = {0}, tgt = {0};
	struct ms_copy_opts co = {0};
	struct ms_copy_result cres = {0};
	struct ms_sync_opts so = {0};
	struct ms_sync_result sres = {0};
	struct ms_rules *rules = NULL;
	struct ms_err err;
	int rc, exitc = MS_EXIT_OK;

	ms_err_clear(&err);
	rc = ms_cli_endpoint(opts, "source", &src, &err);
	rc = rc ? rc : ms_cli_endpoint(opts, "target", &tgt, &err);
	rc = rc ? rc : ms_cli_rules(opts, &rules, &err);
	rc = rc ? rc : ms_cli_copy_opts(opts, &co, &err);
	rc = rc ? rc : sync_opts(opts, &so, &err);
	if (!rc) {
		ms_cli_stop_signals(on_signal);
		co.source = &src;
		co.target = &tgt;
		co.rules = rules;
		/* Sync starts after the copy: docs/sync.md says why. */
		rc = ms_copy_run(&co, &cres, &err);
		if (!rc)
			MS_LOG_INFO("run",
				    "copy done: %" PRIu64 " tables, %" PRIu64
				    " rows; sync starts at %s:%" PRIu64,
				    cres.tables, cres.rows, cres.start.file,
				    cres.start.pos);
	}
	if (!rc) {
		so.from = &src;
		so.to = &tgt;
		so.rules = rules;
		rc = ms_sync_run(&so, &sres, &err);
	}
	if (rc)
		exitc = ms_cli_fail("run", &err);
	else
		print_sync(opts, &sres, false);
	ms_copy_result_free(&cres);
	ms_rules_free(rules);
	ms_endpoint_free(&src);
	ms_endpoint_free(&tgt);
	return exitc;
}

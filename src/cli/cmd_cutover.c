/* `myshift cutover` and `myshift failback`: options, the report as text or
 * JSON, exit codes. The work is in src/cutover (docs/cutover.md). */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "cutover/cutover.h"

const struct ms_optdef ms_cutover_optdefs[] = {
    MS_CLI_ENDPOINT_OPTS,
    MS_CLI_RULES_OPTS,
    {"admin", MS_OPT_VALUE, "ADDR",
     "the proxy's admin address (default $MYSHIFT_PROXY_ADMIN, else "
     "127.0.0.1:6034)"},
    {"admin-token-file", MS_OPT_VALUE, "FILE",
     "file holding the proxy's admin token (default $MYSHIFT_PROXY_TOKEN)"},
    {"schema", MS_OPT_VALUE, "NAME",
     "switch only this tenant schema (the proxy route with schema=NAME)"},
    {"route", MS_OPT_VALUE, "NAME", "switch only this proxy route"},
    {"max-lag", MS_OPT_VALUE, "SECONDS",
     "refuse unless sync lag is under this (default 1)"},
    {"skip-verify", MS_OPT_FLAG, NULL,
     "do not require the last verify run to be clean"},
    {"drain-timeout", MS_OPT_VALUE, "MS",
     "how long open transactions may run on after the pause (default "
     "5000); then they are ended with an error"},
    {"source-writes", MS_OPT_VALUE, "HOW",
     "how writes bypassing the proxy are stopped: auto (default), "
     "read-only, sessions"},
    {"step-timeout", MS_OPT_VALUE, "SECONDS",
     "longest wait for one step (default 30)"},
    {"sync-log", MS_OPT_VALUE, "FILE",
     "log of the sync processes started (default "
     "./myshift-sync-DIRECTION.log)"},
    MS_CLI_COMMON_OPTS,
    {NULL, 0, NULL, NULL},
};

static double num(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_number(v) ? json_number_value(v) : 0;
}

static const char *str(const json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : "";
}

static void print_text(const json_t *r, int rc)
{
	const json_t *rec = json_object_get(r, "recovered");
	size_t i;
	json_t *v;

	if (rec)
		ms_print_safe(
		    stdout, "an interrupted %s (run %lld, %s) was found: %s\n",
		    str(rec, "kind"),
		    (long long)json_integer_value(
			json_object_get(rec, "run_id")),
		    str(rec, "scope"), str(rec, "state"));
	if (json_array_size(json_object_get(r, "refused"))) {
		ms_print_safe(stdout, "%s refused:\n", str(r, "kind"));
		json_array_foreach(json_object_get(r, "refused"), i, v)
		    ms_print_safe(stdout, "  - %s\n", json_string_value(v));
		return;
	}
	if (!json_object_get(r, "run_id") ||
	    !json_integer_value(json_object_get(r, "run_id")))
		return;
	ms_print_safe(
	    stdout, "%s %s: %s -> %s, scope %s, in %.2f s (run %lld)\n",
	    str(r, "kind"), str(r, "state"), str(r, "from"), str(r, "to"),
	    str(r, "scope"), num(r, "seconds"),
	    (long long)json_integer_value(json_object_get(r, "run_id")));
	ms_print_safe(stdout,
		      "  pause per held session: p50 %.1f ms, max %.1f ms (%d "
		      "released)\n",
		      num(r, "pause_ms_p50"), num(r, "pause_ms_max"),
		      (int)num(r, "sessions_released"));
	ms_print_safe(stdout,
		      "  sessions moved %d, transactions drained %d, ended "
		      "after the drain timeout %d, not moved %d, errors %d\n",
		      (int)num(r, "sessions_moved"), (int)num(r, "drained"),
		      (int)num(r, "ended_sessions"), (int)num(r, "unmoved"),
		      (int)num(r, "errors"));
	const json_t *pos = json_object_get(r, "positions");
	const json_t *f = json_object_get(pos, "final");
	const json_t *s = json_object_get(pos, "start");
	if (*str(f, "file"))
		ms_print_safe(stdout,
			      "  positions: %s final %s:%lld (applied); %s at "
			      "%s:%lld when the other sync took over\n",
			      str(f, "server"), str(f, "file"),
			      (long long)num(f, "pos"), str(s, "server"),
			      str(s, "file"), (long long)num(s, "pos"));
	ms_print_safe(stdout, "  writes bypassing the proxy: %s\n",
		      str(r, "source_writes"));
	if (json_array_size(json_object_get(r, "steps")))
		ms_print_safe(stdout, "  steps:");
	json_array_foreach(json_object_get(r, "steps"), i, v) ms_print_safe(
	    stdout, " %s %.1f ms%s", str(v, "name"), num(v, "ms"),
	    i + 1 < json_array_size(json_object_get(r, "steps")) ? "," : "\n");
	json_array_foreach(json_object_get(r, "error_messages"), i, v)
	    ms_print_safe(stdout, "  error: %s\n", json_string_value(v));
	(void)rc;
}

static int run(const struct ms_opts *opts, bool failback)
{
	const char *name = failback ? "failback" : "cutover";
	static const char *const writes[] = {"auto", "read-only", "sessions",
					     NULL};
	struct ms_endpoint src, tgt;
	struct ms_cutover_opts o;
	const char **args = NULL;
	unsigned long drain = 0, steps = 0;
	json_t *report = NULL;
	struct ms_err err;
	int w = 0, rc;

	memset(&src, 0, sizeof(src));
	memset(&tgt, 0, sizeof(tgt));
	memset(&o, 0, sizeof(o));
	ms_err_clear(&err);
	o.failback = failback;
	rc = ms_cli_endpoint(opts, "source", &src, &err);
	rc = rc ? rc : ms_cli_endpoint(opts, "target", &tgt, &err);
	rc = rc ? rc
		: ms_opts_uint(opts, "drain-timeout", 0, 3600000, 5000, &drain,
			       &err);
	rc =
	    rc ? rc
	       : ms_opts_uint(opts, "step-timeout", 1, 86400, 30, &steps, &err);
	rc = rc ? rc
		: ms_cli_pick_word(opts, "source-writes", writes, 0, &w, &err);
	if (!rc && ms_opts_get(opts, "schema") && ms_opts_get(opts, "route"))
		rc =
		    MS_ERR(&err, MS_EUSAGE,
			   "--schema and --route both pick a tenant: give one");
	if (!rc && ms_opts_get(opts, "max-lag")) {
		char *end;
		o.max_lag_s = strtod(ms_opts_get(opts, "max-lag"), &end);
		if (*end || !(o.max_lag_s > 0))
			rc = MS_ERR(&err, MS_EUSAGE,
				    "%s: '%s' is not a number of seconds",
				    ms_opts_origin(opts, "max-lag"),
				    ms_opts_get(opts, "max-lag"));
	}
	/* the rules go to the sync processes cutover starts: every
	 * --include / --exclude, the last --table-mappings */
	size_t ninc = 0, nexc = 0, na = 0;
	const struct ms_optval *inc = ms_opts_list(opts, "include", &ninc);
	const struct ms_optval *exc = ms_opts_list(opts, "exclude", &nexc);
	const char *maps = ms_opts_get(opts, "table-mappings");
	args = calloc(2 * (ninc + nexc + 1), sizeof(*args));
	if (!rc && !args)
		rc = MS_ERR(&err, MS_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < ninc + nexc; i++) {
		args[na++] = i < ninc ? "--include" : "--exclude";
		args[na++] = i < ninc ? inc[i].value : exc[i - ninc].value;
	}
	if (!rc && maps) {
		args[na++] = "--table-mappings";
		args[na++] = maps;
	}
	if (rc) {
		free(args);
		ms_endpoint_free(&src);
		ms_endpoint_free(&tgt);
		return ms_cli_fail(name, &err);
	}
	o.source = &src;
	o.target = &tgt;
	o.control_schema = ms_cli_control_schema(opts);
	o.admin_addr = ms_opts_get(opts, "admin");
	o.admin_token_file = ms_opts_get(opts, "admin-token-file");
	o.schema = ms_opts_get(opts, "schema");
	o.route = ms_opts_get(opts, "route");
	o.skip_verify = ms_opts_flag(opts, "skip-verify");
	o.drain_timeout_ms = (unsigned)drain;
	o.step_timeout_s = (unsigned)steps;
	o.writes = (enum ms_co_writes)w;
	o.sync_log = ms_opts_get(opts, "sync-log");
	o.sync_args = args;
	o.nsync_args = na;
	rc = ms_cutover_run(&o, &report, &err);
	if (ms_opts_flag(opts, "json"))
		ms_cli_print_json(report);
	else {
		print_text(report, rc);
		json_decref(report);
	}
	free(args);
	ms_endpoint_free(&src);
	ms_endpoint_free(&tgt);
	if (rc == MS_EREFUSED)
		return MS_EXIT_PROBLEM;
	return rc ? ms_cli_fail(name, &err) : MS_EXIT_OK;
}

int ms_cmd_cutover(const struct ms_opts *opts)
{
	return run(opts, false);
}

int ms_cmd_failback(const struct ms_opts *opts)
{
	return run(opts, true);
}

/* `myshift copy`: option parsing, signals, the final summary (text or
 * JSON). The work is in src/copy. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "copy/copy.h"
#include "core/log.h"

const struct ms_optdef ms_copy_optdefs[] = {
    MS_CLI_ENDPOINT_OPTS, MS_CLI_RULES_OPTS,	 MS_CLI_COPY_OPTS,
    MS_CLI_COMMON_OPTS,	  {NULL, 0, NULL, NULL},
};

int ms_cli_pick_word(const struct ms_opts *opts, const char *name,
		     const char *const *words, int dflt, int *out,
		     struct ms_err *err)
{
	const char *v = ms_opts_get(opts, name);
	int i;

	*out = dflt;
	if (!v)
		return 0;
	for (i = 0; words[i]; i++)
		if (!strcmp(v, words[i])) {
			*out = i;
			return 0;
		}
	return MS_ERR(err, MS_EUSAGE, "%s: unknown value '%s'",
		      ms_opts_origin(opts, name), v);
}

int ms_cli_copy_opts(const struct ms_opts *opts, struct ms_copy_opts *o,
		     struct ms_err *err)
{
	static const char *const exists[] = {"refuse",	 "skip",   "drop",
					     "truncate", "resume", NULL};
	static const char *const load[] = {"auto", "load-data", "insert", NULL};
	static const char *const myisam[] = {"auto", "yes", "no", NULL};
	static const char *const yesno[] = {"no", "yes", NULL};
	unsigned long threads, timeout, retries, rate, running;
	const char *ct = ms_opts_get(opts, "chunk-time");
	int e, l, m, d, rc;

	rc = ms_opts_uint(opts, "threads", 0, 256, 0, &threads, err);
	rc = rc ? rc
		: ms_opts_uint(opts, "connect-timeout", 1, 3600, 10, &timeout,
			       err);
	rc = rc ? rc : ms_opts_uint(opts, "retries", 0, 100, 2, &retries, err);
	rc = rc ? rc : ms_opts_uint(opts, "rate", 0, 1000000000, 0, &rate, err);
	rc = rc ? rc
		: ms_opts_uint(opts, "max-threads-running", 0, 100000, 0,
			       &running, err);
	rc = rc ? rc : ms_cli_pick_word(opts, "if-exists", exists, 0, &e, err);
	rc = rc ? rc : ms_cli_pick_word(opts, "load-method", load, 0, &l, err);
	rc = rc ? rc
		: ms_cli_pick_word(opts, "convert-myisam", myisam, 0, &m, err);
	rc = rc ? rc
		: ms_cli_pick_word(opts, "defer-indexes", yesno, 1, &d, err);
	if (rc)
		return rc;
	if (ct) {
		char *end;

		o->chunk_seconds = strtod(ct, &end);
		if (*end || !(o->chunk_seconds >= 0.01) ||
		    o->chunk_seconds > 600)
			return MS_ERR(err, MS_EUSAGE,
				      "%s: '%s' is not a number of seconds "
				      "between 0.01 and 600",
				      ms_opts_origin(opts, "chunk-time"), ct);
	}
	o->threads = (unsigned int)threads;
	o->connect_timeout_s = (unsigned int)timeout;
	o->retries = (unsigned int)retries;
	o->rate = rate;
	o->max_running = (unsigned int)running;
	o->if_exists = (enum ms_copy_if_exists)e;
	o->load = (enum ms_copy_load)l;
	o->myisam = (enum ms_copy_myisam)m;
	o->defer_indexes = d == 1;
	o->progress = !ms_opts_flag(opts, "no-progress") &&
		      isatty(STDERR_FILENO) &&
		      ms_log_get_level() <= MS_LOG_WARN;
	o->control_schema = ms_cli_control_schema(opts);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	ms_copy_request_stop();
}

static void print_result(const struct ms_opts *opts,
			 const struct ms_copy_result *r)
{
	if (ms_opts_flag(opts, "json")) {
		json_t *o = json_pack(
		    "{s:I, s:I, s:I, s:I, s:f, s:b, s:{s:s, s:I, s:s}, s:I, "
		    "s:I, s:I, s:I}",
		    "tables", (json_int_t)r->tables, "tables_skipped",
		    (json_int_t)r->tables_skipped, "rows", (json_int_t)r->rows,
		    "bytes", (json_int_t)r->bytes, "seconds", r->seconds,
		    "resumed", r->resumed, "start_position", "file",
		    r->start.file, "pos", (json_int_t)r->start.pos, "gtid",
		    r->start.gtid ? r->start.gtid : "", "views",
		    (json_int_t)r->views, "routines", (json_int_t)r->routines,
		    "triggers_recorded", (json_int_t)r->triggers,
		    "events_recorded", (json_int_t)r->events);

		ms_cli_print_json(o);
		return;
	}
	ms_print_safe(
	    stdout,
	    "copy done: %llu tables (%llu skipped), %llu rows, "
	    "%.1f MB in %.1f s%s\n"
	    "views %llu, routines %llu created; triggers %llu, "
	    "events %llu recorded for cutover\n"
	    "sync must start at %s:%llu (gtid %s)\n",
	    (unsigned long long)r->tables,
	    (unsigned long long)r->tables_skipped, (unsigned long long)r->rows,
	    (double)r->bytes / 1e6, r->seconds, r->resumed ? " (resumed)" : "",
	    (unsigned long long)r->views, (unsigned long long)r->routines,
	    (unsigned long long)r->triggers, (unsigned long long)r->events,
	    r->start.file, (unsigned long long)r->start.pos,
	    r->start.gtid && *r->start.gtid ? r->start.gtid : "-");
}

int ms_cmd_copy(const struct ms_opts *opts)
{
	struct ms_endpoint src = {0}, tgt = {0};
	struct ms_copy_opts o = {0};
	struct ms_copy_result res = {0};
	struct ms_rules *rules = NULL;
	struct ms_err err;
	int rc, exitc = MS_EXIT_OK;

	ms_err_clear(&err);
	rc = ms_cli_endpoint(opts, "source", &src, &err);
	rc = rc ? rc : ms_cli_endpoint(opts, "target", &tgt, &err);
	rc = rc ? rc : ms_cli_rules(opts, &rules, &err);
	rc = rc ? rc : ms_cli_copy_opts(opts, &o, &err);
	if (!rc) {
		ms_cli_stop_signals(on_signal);
		o.source = &src;
		o.target = &tgt;
		o.rules = rules;
		rc = ms_copy_run(&o, &res, &err);
	}
	if (rc)
		exitc = ms_cli_fail("copy", &err);
	else
		print_result(opts, &res);
	ms_copy_result_free(&res);
	ms_rules_free(rules);
	ms_endpoint_free(&src);
	ms_endpoint_free(&tgt);
	return exitc;
}

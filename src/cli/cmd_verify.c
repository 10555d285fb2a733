/* `myshift verify`: option parsing, signals, the differences as lines and
 * the summary (text or JSON). The work is in src/verify. */
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/log.h"
#include "verify/verify.h"

const struct ms_optdef ms_verify_optdefs[] = {
    MS_CLI_ENDPOINT_OPTS,
    MS_CLI_RULES_OPTS,
    {"threads", MS_OPT_VALUE, "N",
     "parallel workers, each with a source and a target session (default: "
     "cores)"},
    {"chunk-time", MS_OPT_VALUE, "SECONDS",
     "target time of one chunk checksum, the size adapts (default 0.25)"},
    {"rate", MS_OPT_VALUE, "ROWS",
     "at most ROWS source rows/s over all workers (default: no limit)"},
    {"max-running", MS_OPT_VALUE, "N",
     "pause while the source's Threads_running is above N"},
    {"max-threads-running", MS_OPT_VALUE, "N",
     "the same as --max-running (copy's name for it)"},
    {"rechecks", MS_OPT_VALUE, "N",
     "re-checks of a mismatching chunk after sync has passed the source "
     "position (default 5)"},
    {"wait-timeout", MS_OPT_VALUE, "SECONDS",
     "longest wait for sync to pass a position (default 60)"},
    {"hash", MS_OPT_VALUE, "crc32|md5", "row hash (default crc32)"},
    {"repair", MS_OPT_FLAG, NULL,
     "write the source's rows onto the target for the differences found, "
     "then verify those chunks again"},
    {"repair-max", MS_OPT_VALUE, "N",
     "repair nothing when more than N differences are found (default "
     "10000)"},
    {"reverse", MS_OPT_FLAG, NULL,
     "after cutover: the target is the truth; compare, wait for reverse "
     "sync and repair the source"},
    {"no-progress", MS_OPT_FLAG, NULL, "no live progress line"},
    MS_CLI_COMMON_OPTS,
    {NULL, 0, NULL, NULL},
};

static void on_signal(int sig)
{
	(void)sig;
	ms_verify_request_stop();
}

static int seconds_opt(const struct ms_opts *opts, const char *name, double min,
		       double max, double *out, struct ms_err *err)
{
	const char *v = ms_opts_get(opts, name);
	char *end;

	if (!v)
		return 0;
	*out = strtod(v, &end);
	if (*end || end == v || !(*out >= min) || *out > max)
		return MS_ERR(err, MS_EUSAGE,
			      "%s: '%s' is not a number of seconds between "
			      "%g and %g",
			      ms_opts_origin(opts, name), v, min, max);
	return 0;
}

static int verify_opts(const struct ms_opts *opts, struct ms_verify_opts *o,
		       struct ms_err *err)
{
	static const char *const hashes[] = {"crc32", "md5", NULL};
	unsigned long threads, timeout, retries, rate, running, rechecks, max;
	const char *run_name = ms_opts_get(opts, "max-running")
				   ? "max-running"
				   : "max-threads-running";
	int h, rc;

	rc = ms_opts_uint(opts, "threads", 0, 256, 0, &threads, err);
	rc = rc ? rc
		: ms_opts_uint(opts, "connect-timeout", 1, 3600, 10, &timeout,
			       err);
	rc = rc ? rc : ms_opts_uint(opts, "retries", 0, 100, 2, &retries, err);
	rc = rc ? rc : ms_opts_uint(opts, "rate", 0, 1000000000, 0, &rate, err);
	rc =
	    rc ? rc : ms_opts_uint(opts, run_name, 0, 100000, 0, &running, err);
	rc =
	    rc ? rc : ms_opts_uint(opts, "rechecks", 0, 100, 5, &rechecks, err);
	rc = rc ? rc
		: ms_opts_uint(opts, "repair-max", 1, 100000000, 10000, &max,
			       err);
	rc = rc ? rc : ms_cli_pick_word(opts, "hash", hashes, 0, &h, err);
	o->chunk_seconds = 0.25;
	o->wait_timeout_s = 60;
	rc = rc ? rc
		: seconds_opt(opts, "chunk-time", 0.01, 600, &o->chunk_seconds,
			      err);
	rc = rc ? rc
		: seconds_opt(opts, "wait-timeout", 0.1, 86400,
			      &o->wait_timeout_s, err);
	if (rc)
		return rc;
	o->threads = (unsigned int)threads;
	o->connect_timeout_s = (unsigned int)timeout;
	o->retries = (unsigned int)retries;
	o->rate = rate;
	o->max_running = (unsigned int)running;
	o->rechecks = (unsigned int)rechecks;
	o->repair_max = max;
	o->hash = (enum ms_verify_hash)h;
	o->repair = ms_opts_flag(opts, "repair");
	o->reverse = ms_opts_flag(opts, "reverse");
	o->progress = !ms_opts_flag(opts, "no-progress") &&
		      isatty(STDERR_FILENO) &&
		      ms_log_get_level() <= MS_LOG_WARN;
	o->control_schema = ms_cli_control_schema(opts);
	o->diff_out = ms_opts_flag(opts, "json") ? NULL : stdout;
	return 0;
}

static const char *kind_name(enum ms_verify_kind k)
{
	return k == MS_VERIFY_MISSING ? "missing_on_target"
	       : k == MS_VERIFY_EXTRA ? "extra_on_target"
				      : "different";
}

/* "a,b" -> ["a", "b"]; NULL -> []. */
static json_t *columns_json(const char *cols)
{
	json_t *a = json_array();
	const char *p = cols, *comma;

	while (a && p && *p) {
		comma = strchr(p, ',');
		json_array_append_new(
		    a,
		    json_stringn(p, comma ? (size_t)(comma - p) : strlen(p)));
		p = comma ? comma + 1 : NULL;
	}
	return a;
}

static json_t *counts_json(const struct ms_verify_counts *c)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "mismatched_chunks",
			 (json_int_t)c->mismatched_chunks, "missing_on_target",
			 (json_int_t)c->missing_on_target, "extra_on_target",
			 (json_int_t)c->extra_on_target, "different",
			 (json_int_t)c->different);
}

static void print_json(const struct ms_verify_result *r, bool repair,
		       bool reverse)
{
	json_t *o = json_object(), *a = json_array();
	size_t i;

	json_object_set_new(o, "run_id", json_integer((json_int_t)r->run_id));
	/* The side the *_on_target counts are about: the source with
	 * --reverse (docs/verify.md). */
	json_object_set_new(o, "replica",
			    json_string(reverse ? "source" : "target"));
	json_object_set_new(o, "tables", json_integer((json_int_t)r->tables));
	json_object_set_new(o, "keyless_tables",
			    json_integer((json_int_t)r->keyless_tables));
	json_object_set_new(o, "chunks", json_integer((json_int_t)r->chunks));
	json_object_set_new(o, "rows_checked",
			    json_integer((json_int_t)r->rows_checked));
	json_object_set_new(o, "rechecks",
			    json_integer((json_int_t)r->rechecks));
	json_object_set_new(
	    o, "mismatched_chunks",
	    json_integer((json_int_t)r->found.mismatched_chunks));
	json_object_set_new(
	    o, "missing_on_target",
	    json_integer((json_int_t)r->found.missing_on_target));
	json_object_set_new(o, "extra_on_target",
			    json_integer((json_int_t)r->found.extra_on_target));
	json_object_set_new(o, "different",
			    json_integer((json_int_t)r->found.different));
	json_object_set_new(o, "schema_differences",
			    json_integer((json_int_t)r->schema_differences));
	json_object_set_new(o, "repaired",
			    json_integer((json_int_t)r->repaired));
	if (repair)
		json_object_set_new(
		    o, "after_repair",
		    counts_json(r->repair_done ? &r->after : &r->found));
	for (i = 0; a && i < r->ndiffs; i++) {
		const struct ms_verify_diff *d = &r->diffs[i];

		json_array_append_new(
		    a, json_pack(
			   "{s:s, s:s, s:s, s:s, s:o, s:b}", "source_table",
			   d->source_table, "target_table", d->target_table,
			   "kind", kind_name(d->kind), "key", d->key, "columns",
			   columns_json(d->columns), "repaired", d->repaired));
	}
	json_object_set_new(o, "differences", a);
	json_object_set_new(o, "warnings",
			    json_integer((json_int_t)r->warnings));
	json_object_set_new(o, "seconds", json_real(r->seconds));
	ms_cli_print_json(o);
}

static void print_text(const struct ms_verify_result *r, bool repair,
		       bool reverse, const char *cs)
{
	const struct ms_verify_counts *c = &r->found;
	const char *side = reverse ? "source" : "target";

	ms_print_safe(stdout,
		      "verify run %" PRIu64 ": %" PRIu64 " tables, %" PRIu64
		      " chunks, %" PRIu64 " rows checked in %.1f s\n",
		      r->run_id, r->tables, r->chunks, r->rows_checked,
		      r->seconds);
	ms_print_safe(stdout,
		      "  mismatched chunks   %" PRIu64 "\n"
		      "  missing on %s   %" PRIu64 "\n"
		      "  extra on %s     %" PRIu64 "\n"
		      "  different           %" PRIu64 "\n"
		      "  schema differences  %" PRIu64 "%s\n",
		      c->mismatched_chunks, side, c->missing_on_target, side,
		      c->extra_on_target, c->different, r->schema_differences,
		      r->schema_differences ? "  (named in the warnings)" : "");
	if (r->keyless_tables)
		ms_print_safe(stdout,
			      "  tables without key  %" PRIu64
			      "  (whole-table checksums)\n",
			      r->keyless_tables);
	if (r->rechecks)
		ms_print_safe(stdout,
			      "  re-checks           %" PRIu64
			      "  (chunks read again after sync caught up)\n",
			      r->rechecks);
	if (repair && r->repair_done)
		ms_print_safe(
		    stdout,
		    "repair: %" PRIu64 " rows written or deleted; verified "
		    "again: %" PRIu64 " mismatched chunks, %" PRIu64
		    " missing, %" PRIu64 " extra, %" PRIu64 " different\n",
		    r->repaired, r->after.mismatched_chunks,
		    r->after.missing_on_target, r->after.extra_on_target,
		    r->after.different);
	ms_print_safe(stdout, "result: %s (recorded in %s.verify_runs)\n",
		      ms_verify_differences_remain(r) ? "DIFFERENCES REMAIN"
						      : "no differences",
		      cs);
}

int ms_cmd_verify(const struct ms_opts *opts)
{
	struct ms_endpoint src = {0}, tgt = {0};
	struct ms_verify_opts o = {0};
	struct ms_verify_result res = {0};
	struct ms_rules *rules = NULL;
	struct ms_err err;
	bool refused = false;
	int rc, exitc = MS_EXIT_OK;

	ms_err_clear(&err);
	rc = ms_cli_endpoint(opts, "source", &src, &err);
	rc = rc ? rc : ms_cli_endpoint(opts, "target", &tgt, &err);
	rc = rc ? rc : ms_cli_rules(opts, &rules, &err);
	rc = rc ? rc : verify_opts(opts, &o, &err);
	if (!rc) {
		ms_cli_stop_signals(on_signal);
		o.source = &src;
		o.target = &tgt;
		o.rules = rules;
		rc = ms_verify_run(&o, &res, &err);
		/* --repair-max: the run is complete, nothing was repaired */
		refused = rc == MS_ETOOLARGE && res.repair_refused;
	}
	if (refused)
		ms_print_safe(stderr, "myshift verify: %s\n", err.msg);
	if (rc && !refused)
		exitc = ms_cli_fail("verify", &err);
	else {
		if (ms_opts_flag(opts, "json"))
			print_json(&res, o.repair, o.reverse);
		else
			print_text(&res, o.repair, o.reverse, o.control_schema);
		exitc = refused || ms_verify_differences_remain(&res)
			    ? MS_EXIT_PROBLEM
			    : MS_EXIT_OK;
	}
	ms_verify_result_free(&res);
	ms_rules_free(rules);
	ms_endpoint_free(&src);
	ms_endpoint_free(&tgt);
	return exitc;
}

/* `myshift check`: connects to both servers and prints the preflight
 * report. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "cli/cli.h"
#include "core/log.h"
#include "db/db.h"

const struct ms_optdef ms_check_optdefs[] = {
    MS_CLI_ENDPOINT_OPTS,
    MS_CLI_RULES_OPTS,
    {"no-failback", MS_OPT_FLAG, NULL,
     "don't require what failback needs (target binlog, replication "
     "privileges): WARN instead of FAIL"},
    MS_CLI_COMMON_OPTS,
    {NULL, 0, NULL, NULL},
};

/* Reports a failure to reach a server: JSON on stdout with --json, a line
 * on stderr always. Returns the exit code. */
static int connect_failed(const struct ms_opts *opts, const struct ms_err *err)
{
	if (ms_opts_flag(opts, "json")) {
		json_t *o =
		    json_pack("{s:b, s:{s:s, s:s}}", "ok", 0, "error", "code",
			      ms_err_name(err->code), "message", err->msg);

		ms_cli_print_json(o);
	}
	return ms_cli_fail("check", err);
}

static int connect_role(const struct ms_opts *opts, const char *role,
			const struct ms_endpoint *ep, struct ms_db **db,
			struct ms_err *err)
{
	struct ms_db_opts o = {0};
	unsigned long timeout, retries;
	int rc;

	rc = ms_opts_uint(opts, "connect-timeout", 1, 3600, 10, &timeout, err);
	if (!rc)
		rc = ms_opts_uint(opts, "retries", 0, 100, 2, &retries, err);
	if (rc)
		return rc;
	o.role = role;
	o.connect_timeout_s = (unsigned int)timeout;
	o.retries = (unsigned int)retries;
	o.backoff_ms = 200;
	o.utc = true;
	return ms_db_connect(ep, &o, db, err);
}

static int print_report(const struct ms_opts *opts,
			const struct ms_check_report *rep,
			const struct ms_endpoint *src,
			const struct ms_endpoint *tgt)
{
	struct ms_buf s, t;
	int rc;

	ms_buf_init(&s, 8192);
	ms_buf_init(&t, 8192);
	rc = ms_endpoint_format(src, &s);
	if (!rc)
		rc = ms_endpoint_format(tgt, &t);
	if (!rc && ms_opts_flag(opts, "json"))
		rc = ms_check_print_json(rep, ms_buf_str(&s), ms_buf_str(&t),
					 stdout);
	else if (!rc)
		ms_check_print_text(rep, ms_buf_str(&s), ms_buf_str(&t),
				    stdout);
	ms_buf_free(&s);
	ms_buf_free(&t);
	return rc;
}

int ms_cmd_check(const struct ms_opts *opts)
{
	struct ms_endpoint src = {0}, tgt = {0};
	struct ms_check_report rep = {0};
	struct ms_check_opts copts = {0};
	struct ms_db *sdb = NULL, *tdb = NULL;
	struct ms_rules *rules = NULL;
	struct ms_err err;
	int rc, exitc;

	ms_err_clear(&err);
	rc = ms_cli_endpoint(opts, "source", &src, &err);
	if (!rc)
		rc = ms_cli_endpoint(opts, "target", &tgt, &err);
	if (!rc)
		rc = ms_cli_rules(opts, &rules, &err);
	if (rc) {
		exitc = ms_cli_fail("check", &err);
		goto out;
	}
	rc = connect_role(opts, "source", &src, &sdb, &err);
	if (!rc)
		rc = connect_role(opts, "target", &tgt, &tdb, &err);
	if (rc) {
		exitc = connect_failed(opts, &err);
		goto out;
	}
	copts.rules = rules;
	copts.control_schema = ms_cli_control_schema(opts);
	copts.no_failback = ms_opts_flag(opts, "no-failback");
	rc = ms_check_run(sdb, tdb, &copts, &rep, &err);
	if (rc) {
		exitc = connect_failed(opts, &err);
		goto out;
	}
	if (print_report(opts, &rep, &src, &tgt)) {
		fprintf(stderr, "myshift check: out of memory\n");
		exitc = MS_EXIT_RUNTIME;
		goto out;
	}
	exitc =
	    ms_check_count(&rep, MS_CHECK_FAIL) ? MS_EXIT_PROBLEM : MS_EXIT_OK;
out:
	ms_check_report_free(&rep);
	ms_db_close(sdb);
	ms_db_close(tdb);
	ms_rules_free(rules);
	ms_endpoint_free(&src);
	ms_endpoint_free(&tgt);
	return exitc;
}

/* `myshift status`: where a job stands, read from the control schema on
 * the target. Today: the copy (start position, per-table state, rows and
 * bytes copied). Sync adds its lag and positions in its own issue. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "db/db.h"
#include "db/quote.h"

const struct ms_optdef ms_status_optdefs[] = {
    {"target", MS_OPT_VALUE, "URI", "target server (default $MYSHIFT_TARGET)"},
    {"target-password-file", MS_OPT_VALUE, "FILE",
     "read the target password from FILE"},
    {"connect-timeout", MS_OPT_VALUE, "SECONDS",
     "connect timeout (default 10)"},
    {"control-schema", MS_OPT_VALUE, "NAME",
     "myshift's own state on the target (default _myshift)"},
    MS_CLI_COMMON_OPTS,
    {NULL, 0, NULL, NULL},
};

/* Reads copy_state (<tables> false) or the per-table summary of the
 * control schema <cs>. */
static int status_query(struct ms_db *db, const char *cs, bool tables,
			struct ms_db_result **out, struct ms_err *err)
{
	struct ms_buf q, name;
	int rc;

	ms_buf_init(&q, 4096);
	ms_buf_init(&name, 1024);
	rc = ms_quote_ident(&name, cs);
	if (!rc && tables)
		rc = ms_buf_addf(
		    &q,
		    "SELECT t.source_schema, t.source_table, t.target_schema, "
		    "t.target_table, t.state, t.rows_estimate, "
		    "COALESCE(SUM(s.rows_copied), 0), "
		    "COALESCE(SUM(s.bytes_copied), 0), COUNT(s.seq), "
		    "COALESCE(SUM(s.done), 0) FROM %s.`copy_tables` t LEFT "
		    "JOIN %s.`copy_segments` s ON s.source_schema = "
		    "t.source_schema AND s.source_table = t.source_table "
		    "GROUP BY t.source_schema, t.source_table ORDER BY "
		    "t.source_schema, t.source_table",
		    ms_buf_str(&name), ms_buf_str(&name));
	else if (!rc)
		rc = ms_buf_addf(&q,
				 "SELECT start_file, start_pos, start_gtid, "
				 "started_at, finished_at FROM %s.`copy_state` "
				 "WHERE id = 1",
				 ms_buf_str(&name));
	rc = rc ? MS_ERR(err, MS_EUSAGE, "bad control schema name '%s'", cs)
		: ms_db_query(db, ms_buf_str(&q), out, err);
	ms_buf_free(&q);
	ms_buf_free(&name);
	return rc;
}

static json_t *tables_json(const struct ms_db_result *t)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < ms_db_result_nrows(t); i++)
		json_array_append_new(
		    a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
				 "source_schema", ms_db_result_get(t, i, 0),
				 "source_table", ms_db_result_get(t, i, 1),
				 "target_schema", ms_db_result_get(t, i, 2),
				 "target_table", ms_db_result_get(t, i, 3),
				 "state", ms_db_result_get(t, i, 4),
				 "rows_estimate",
				 (json_int_t)strtoull(ms_db_result_get(t, i, 5),
						      NULL, 10),
				 "rows_copied",
				 (json_int_t)strtoull(ms_db_result_get(t, i, 6),
						      NULL, 10),
				 "bytes_copied",
				 (json_int_t)strtoull(ms_db_result_get(t, i, 7),
						      NULL, 10)));
	return a;
}

static void print_json(const struct ms_db_result *st,
		       const struct ms_db_result *t)
{
	const char *fin = ms_db_result_get(st, 0, 4);
	json_t *o = json_pack(
	    "{s:s, s:{s:s, s:I, s:s}, s:s, s:s?, s:o}", "phase",
	    fin ? "copied" : "copying", "start_position", "file",
	    ms_db_result_get(st, 0, 0), "pos",
	    (json_int_t)strtoull(ms_db_result_get(st, 0, 1), NULL, 10), "gtid",
	    ms_db_result_get(st, 0, 2), "copy_started_at",
	    ms_db_result_get(st, 0, 3), "copy_finished_at", fin, "tables",
	    tables_json(t));
	char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;

	if (text)
		ms_print_safe(stdout, "%s\n", text);
	free(text);
	json_decref(o);
}

static void print_text(const struct ms_db_result *st,
		       const struct ms_db_result *t)
{
	size_t i, done = 0;
	unsigned long long rows = 0, est = 0;

	for (i = 0; i < ms_db_result_nrows(t); i++) {
		done += !strcmp(ms_db_result_get(t, i, 4), "done") ||
			!strcmp(ms_db_result_get(t, i, 4), "skipped");
		rows += strtoull(ms_db_result_get(t, i, 6), NULL, 10);
		est += strtoull(ms_db_result_get(t, i, 5), NULL, 10);
	}
	ms_print_safe(
	    stdout,
	    "copy: %s, %zu/%zu tables done, %llu rows copied (about "
	    "%llu estimated)\nstarted %s UTC%s%s\nsync starts at "
	    "%s:%s (gtid %s)\n\n",
	    ms_db_result_get(st, 0, 4) ? "complete" : "in progress", done,
	    ms_db_result_nrows(t), rows, est, ms_db_result_get(st, 0, 3),
	    ms_db_result_get(st, 0, 4) ? ", finished " : "",
	    ms_db_result_get(st, 0, 4) ? ms_db_result_get(st, 0, 4) : "",
	    ms_db_result_get(st, 0, 0), ms_db_result_get(st, 0, 1),
	    *ms_db_result_get(st, 0, 2) ? ms_db_result_get(st, 0, 2) : "-");
	ms_print_safe(stdout, "%-40s %-8s %12s %12s %9s\n", "table", "state",
		      "rows", "estimate", "segments");
	for (i = 0; i < ms_db_result_nrows(t); i++) {
		char name[300];

		snprintf(name, sizeof(name), "%s.%s", ms_db_result_get(t, i, 2),
			 ms_db_result_get(t, i, 3));
		ms_print_safe(
		    stdout, "%-40.80s %-8s %12s %12s %4s/%-4s\n", name,
		    ms_db_result_get(t, i, 4), ms_db_result_get(t, i, 6),
		    ms_db_result_get(t, i, 5), ms_db_result_get(t, i, 9),
		    ms_db_result_get(t, i, 8));
	}
}

int ms_cmd_status(const struct ms_opts *opts)
{
	struct ms_endpoint tgt = {0};
	struct ms_db_opts o = {.role = "target", .utc = true};
	struct ms_db_result *st = NULL, *t = NULL;
	struct ms_db *db = NULL;
	const char *cs = ms_cli_control_schema(opts);
	unsigned long timeout;
	struct ms_err err;
	int rc, exitc = MS_EXIT_OK;

	ms_err_clear(&err);
	rc = ms_cli_endpoint(opts, "target", &tgt, &err);
	rc = rc ? rc
		: ms_opts_uint(opts, "connect-timeout", 1, 3600, 10, &timeout,
			       &err);
	if (!rc) {
		o.connect_timeout_s = (unsigned int)timeout;
		rc = ms_db_connect(&tgt, &o, &db, &err);
	}
	rc = rc ? rc : status_query(db, cs, false, &st, &err);
	if (rc == MS_ESQL && err.sql_errno == 1146) /* no such table */
		rc = MS_ERR(&err, MS_ENOTFOUND,
			    "no job recorded in the control schema `%s` on "
			    "the target (has copy run?)",
			    cs);
	if (!rc && ms_db_result_nrows(st) == 0)
		rc = MS_ERR(&err, MS_ENOTFOUND, "no copy recorded in `%s` yet",
			    cs);
	rc = rc ? rc : status_query(db, cs, true, &t, &err);
	if (rc)
		exitc = ms_cli_fail("status", &err);
	else if (ms_opts_flag(opts, "json"))
		print_json(st, t);
	else
		print_text(st, t);
	ms_db_result_free(st);
	ms_db_result_free(t);
	ms_db_close(db);
	ms_endpoint_free(&tgt);
	return exitc;
}

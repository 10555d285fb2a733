/* `myshift status`: where a job stands, read from the control schema: the
 * copy (start position, per-table state, rows and bytes copied) on the
 * target, and sync (positions, lag, apply rate) on its apply side: the
 * target, or the source for --reverse. With the read side's endpoint too,
 * it compares the applied position with that server's binlog end. And the
 * last finished verify run, on the target. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "db/db.h"
#include "db/quote.h"
#include "sync/sync_int.h"
#include "verify/verify.h"

const struct ms_optdef ms_status_optdefs[] = {
    {"target", MS_OPT_VALUE, "URI", "target server (default $MYSHIFT_TARGET)"},
    {"target-password-file", MS_OPT_VALUE, "FILE",
     "read the target password from FILE"},
    {"source", MS_OPT_VALUE, "URI",
     "source server, for the lag against its binlog end (default "
     "$MYSHIFT_SOURCE when set)"},
    {"source-password-file", MS_OPT_VALUE, "FILE",
     "read the source password from FILE"},
    {"reverse", MS_OPT_FLAG, NULL,
     "show the reverse sync (its state is on the source)"},
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

/* What status knows about one sync direction. */
struct st_sync {
	bool exists, running, has_source, has_lag;
	struct ms_db_result *row;
	struct ms_binlog_pos src; /* the read side's binlog end */
	double lag;
	bool has_behind;
	uint64_t behind;
};

/* Reads sync_state for <dir> on <db>: columns below, by index. */
static int sync_row(struct ms_db *db, const char *cs, const char *dir,
		    struct ms_db_result **out, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 1024);
	rc = ms_buf_addstr(
	    &q,
	    "SELECT file, pos, gtid, transactions, changes, groups_applied, "
	    "running, lag_seconds, events_per_second, "
	    "TIMESTAMPDIFF(MICROSECOND, progress_at, UTC_TIMESTAMP(6)) / 1e6, "
	    "last_error, CAST(UNIX_TIMESTAMP() AS SIGNED) - "
	    "CAST(event_time AS SIGNED), checkpoint_at, server_id FROM ");
	rc = rc ? rc : ms_quote_ident(&q, cs);
	rc = rc ? rc
		: ms_buf_addf(&q, ".`sync_state` WHERE direction = '%s'", dir);
	rc = rc ? MS_ERR(err, MS_EUSAGE, "bad control schema name '%s'", cs)
		: ms_db_query(db, ms_buf_str(&q), out, err);
	ms_buf_free(&q);
	if (rc == MS_ESQL && err && err->sql_errno == 1146) {
		ms_err_clear(err);
		*out = NULL;
		return 0;
	}
	return rc;
}

static const char *col(const struct ms_db_result *r, size_t c)
{
	return ms_db_result_get(r, 0, c);
}

/* Bytes of binlog between the applied position and the end, from SHOW
 * BINARY LOGS; false when they cannot be told. */
static bool bytes_behind(struct ms_db *db, const char *file, uint64_t pos,
			 const struct ms_binlog_pos *end, uint64_t *out)
{
	struct ms_db_result *r = NULL;
	struct ms_err e;
	uint64_t sum = 0;
	bool in = false, ok = false;
	size_t i;

	if (!strcmp(file, end->file)) {
		*out = end->pos > pos ? end->pos - pos : 0;
		return true;
	}
	ms_err_clear(&e);
	if (ms_db_query(db, "SHOW BINARY LOGS", &r, &e))
		return false;
	for (i = 0; i < ms_db_result_nrows(r); i++) {
		const char *f = ms_db_result_get(r, i, 0);
		uint64_t size = strtoull(ms_db_result_get(r, i, 1), NULL, 10);

		if (!strcmp(f, file)) {
			in = true;
			sum += size > pos ? size - pos : 0;
		} else if (!strcmp(f, end->file)) {
			sum += end->pos;
			ok = in;
			break;
		} else if (in) {
			sum += size;
		}
	}
	ms_db_result_free(r);
	*out = sum;
	return ok;
}

static void sync_compute(struct st_sync *s, struct ms_db *readside)
{
	const struct ms_db_result *r = s->row;
	const char *file = col(r, 0);
	uint64_t pos = strtoull(col(r, 1), NULL, 10);
	double age = col(r, 9) ? strtod(col(r, 9), NULL) : 1e9;

	s->running = col(r, 6) && !strcmp(col(r, 6), "1") && age < 5;
	if (s->has_source) {
		s->has_behind =
		    bytes_behind(readside, file, pos, &s->src, &s->behind);
		if (sy_pos_cmp(file, pos, s->src.file, s->src.pos) >= 0) {
			s->has_lag = true;
			s->lag = 0;
			s->has_behind = true;
			s->behind = 0;
			return;
		}
	}
	if (s->running && col(r, 7)) {
		s->has_lag = true;
		s->lag = strtod(col(r, 7), NULL);
	} else if (col(r, 11)) {
		s->has_lag = true;
		s->lag = strtod(col(r, 11), NULL);
		if (s->lag < 0)
			s->lag = 0;
	}
}

static json_t *pos_json(const char *file, const char *pos, const char *gtid)
{
	return json_pack("{s:s, s:I, s:s}", "file", file, "pos",
			 (json_int_t)strtoull(pos, NULL, 10), "gtid",
			 gtid ? gtid : "");
}

static void sync_json(json_t *o, const struct st_sync *s, bool reverse)
{
	const struct ms_db_result *r = s->row;
	char pos[24];

	if (!s->exists)
		return;
	snprintf(pos, sizeof(pos), "%llu", (unsigned long long)s->src.pos);
	json_object_set_new(o, "lag_seconds",
			    s->has_lag ? json_real(s->lag) : json_null());
	json_object_set_new(o, "applied_position",
			    pos_json(col(r, 0), col(r, 1), col(r, 2)));
	json_object_set_new(o, "source_position",
			    s->has_source
				? pos_json(s->src.file, pos, s->src.gtid)
				: json_null());
	json_object_set_new(
	    o, "events_per_second",
	    json_real(s->running && col(r, 8) ? strtod(col(r, 8), NULL) : 0));
	json_object_set_new(o, "bytes_behind",
			    s->has_behind ? json_integer((json_int_t)s->behind)
					  : json_null());
	json_object_set_new(o, "sync_running", json_boolean(s->running));
	json_object_set_new(
	    o, "sync",
	    json_pack("{s:s, s:I, s:I, s:I, s:s?, s:s?, s:I}", "direction",
		      reverse ? "reverse" : "forward", "transactions",
		      (json_int_t)strtoull(col(r, 3), NULL, 10), "changes",
		      (json_int_t)strtoull(col(r, 4), NULL, 10), "commits",
		      (json_int_t)strtoull(col(r, 5), NULL, 10), "last_error",
		      col(r, 10), "checkpoint_at", col(r, 12), "server_id",
		      (json_int_t)strtoull(col(r, 13), NULL, 10)));
}

/* The last finished verify run: <exists> false when there is none. */
struct st_verify {
	bool exists;
	struct ms_verify_result res;
	char status[32];
	char finished_at[64];
};

static int verify_read(struct ms_db *db, const char *cs, struct st_verify *v,
		       struct ms_err *err)
{
	int rc =
	    ms_verify_last_status(db, cs, &v->res, v->status, sizeof(v->status),
				  v->finished_at, sizeof(v->finished_at), err);

	v->exists = rc == 0;
	if (rc == MS_ENOTFOUND) {
		ms_err_clear(err);
		rc = 0;
	}
	return rc;
}

/* What remains: after repair when it ran, else what the run found. */
static const struct ms_verify_counts *verify_left(const struct st_verify *v)
{
	return v->res.repair_done ? &v->res.after : &v->res.found;
}

static json_t *verify_json(const struct st_verify *v)
{
	const struct ms_verify_counts *c = verify_left(v);

	if (!v->exists)
		return json_null();
	return json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "run_id",
			 (json_int_t)v->res.run_id, "status", v->status,
			 "finished_at", v->finished_at, "mismatched_chunks",
			 (json_int_t)c->mismatched_chunks, "missing_on_target",
			 (json_int_t)c->missing_on_target, "extra_on_target",
			 (json_int_t)c->extra_on_target, "different",
			 (json_int_t)c->different, "schema_differences",
			 (json_int_t)v->res.schema_differences);
}

static void print_verify(const struct st_verify *v)
{
	const struct ms_verify_counts *c = verify_left(v);

	ms_print_safe(stdout,
		      "\nverify: run %llu finished %s UTC: %s\n%llu "
		      "mismatched chunks, %llu missing on target, %llu extra "
		      "on target, %llu different, %llu schema "
		      "differences%s\n",
		      (unsigned long long)v->res.run_id, v->finished_at,
		      v->status, (unsigned long long)c->mismatched_chunks,
		      (unsigned long long)c->missing_on_target,
		      (unsigned long long)c->extra_on_target,
		      (unsigned long long)c->different,
		      (unsigned long long)v->res.schema_differences,
		      v->res.repair_done ? " (after repair)" : "");
}

static void print_json(const struct ms_db_result *st,
		       const struct ms_db_result *t, const struct st_sync *s,
		       bool reverse, const struct st_verify *v)
{
	json_t *o = json_object();

	if (st && ms_db_result_nrows(st)) {
		const char *fin = ms_db_result_get(st, 0, 4);

		json_object_set_new(o, "start_position",
				    pos_json(ms_db_result_get(st, 0, 0),
					     ms_db_result_get(st, 0, 1),
					     ms_db_result_get(st, 0, 2)));
		json_object_set_new(o, "copy_started_at",
				    json_string(ms_db_result_get(st, 0, 3)));
		json_object_set_new(o, "copy_finished_at",
				    fin ? json_string(fin) : json_null());
		json_object_set_new(o, "tables", tables_json(t));
		json_object_set_new(o, "phase",
				    json_string(fin ? "copied" : "copying"));
	}
	if (s->exists)
		json_object_set_new(
		    o, "phase",
		    json_string(s->running ? "syncing" : "sync stopped"));
	sync_json(o, s, reverse);
	json_object_set_new(o, "verify", verify_json(v));
	ms_cli_print_json(o);
}

static void print_copy(const struct ms_db_result *st,
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

static void print_sync(const struct st_sync *s, bool reverse)
{
	const struct ms_db_result *r = s->row;
	char lag[64], behind[64];

	if (s->has_lag)
		snprintf(lag, sizeof(lag), "%.1f s", s->lag);
	else
		snprintf(lag, sizeof(lag), "unknown");
	if (s->has_behind)
		snprintf(behind, sizeof(behind), "%llu bytes",
			 (unsigned long long)s->behind);
	else
		snprintf(behind, sizeof(behind), "unknown (give --%s)",
			 reverse ? "target" : "source");
	ms_print_safe(stdout,
		      "\n%s sync: %s, lag %s, %s of binlog behind, %.0f "
		      "events/s\napplied up to %s:%s (gtid %s)\n",
		      reverse ? "reverse" : "forward",
		      s->running ? "running" : "not running", lag, behind,
		      s->running && col(r, 8) ? strtod(col(r, 8), NULL) : 0.0,
		      col(r, 0), col(r, 1), *col(r, 2) ? col(r, 2) : "-");
	if (s->has_source)
		ms_print_safe(stdout, "%s binlog ends at %s:%llu\n",
			      reverse ? "target" : "source", s->src.file,
			      (unsigned long long)s->src.pos);
	ms_print_safe(stdout,
		      "%s transactions (%s row changes) applied in %s "
		      "commits, last at %s UTC\n",
		      col(r, 3), col(r, 4), col(r, 5),
		      col(r, 12) ? col(r, 12) : "-");
	if (col(r, 10))
		ms_print_safe(stdout, "last error: %s\n", col(r, 10));
}

static int connect_ep(const struct ms_opts *opts, const char *role,
		      struct ms_endpoint *ep, struct ms_db **db,
		      struct ms_err *err)
{
	struct ms_db_opts o = {.role = role, .utc = true};
	unsigned long timeout;
	int rc = ms_cli_endpoint(opts, role, ep, err);

	rc = rc ? rc
		: ms_opts_uint(opts, "connect-timeout", 1, 3600, 10, &timeout,
			       err);
	if (!rc) {
		o.connect_timeout_s = (unsigned int)timeout;
		rc = ms_db_connect(ep, &o, db, err);
	}
	return rc;
}

int ms_cmd_status(const struct ms_opts *opts)
{
	struct ms_endpoint tgt = {0}, src = {0};
	struct ms_db_result *st = NULL, *t = NULL;
	struct ms_db *db = NULL, *sdb = NULL;
	const char *cs = ms_cli_control_schema(opts);
	bool reverse = ms_opts_flag(opts, "reverse");
	bool want_src = reverse || ms_opts_get(opts, "source") ||
			(getenv("MYSHIFT_SOURCE") && *getenv("MYSHIFT_SOURCE"));
	struct st_sync s;
	struct st_verify v;
	struct ms_err err;
	int rc, exitc = MS_EXIT_OK;

	memset(&s, 0, sizeof(s));
	memset(&v, 0, sizeof(v));
	ms_err_clear(&err);
	rc = connect_ep(opts, "target", &tgt, &db, &err);
	if (!rc && want_src) {
		rc = connect_ep(opts, "source", &src, &sdb, &err);
		if (rc && !reverse) { /* the lag is then sync's own view */
			MS_LOG_WARN("status", "%s", err.msg);
			ms_err_clear(&err);
			rc = 0;
		}
	}
	rc = rc ? rc : status_query(db, cs, false, &st, &err);
	if (rc == MS_ESQL && err.sql_errno == 1146) { /* no copy recorded */
		ms_err_clear(&err);
		rc = 0;
	}
	if (!rc && st)
		rc = status_query(db, cs, true, &t, &err);
	rc = rc ? rc
		: sync_row(reverse ? sdb : db, cs,
			   reverse ? "reverse" : "forward", &s.row, &err);
	s.exists = s.row && ms_db_result_nrows(s.row) == 1;
	if (!rc && s.exists) {
		struct ms_db *readside = reverse ? db : sdb;
		struct ms_err e2;

		ms_err_clear(&e2);
		s.has_source =
		    readside && !ms_db_binlog_position(readside, &s.src, &e2);
		sync_compute(&s, readside);
	}
	rc = rc ? rc : verify_read(db, cs, &v, &err);
	if (!rc && !s.exists && !v.exists && (!st || !ms_db_result_nrows(st)))
		rc = MS_ERR(&err, MS_ENOTFOUND,
			    "no job recorded in the control schema `%s` on "
			    "the %s (has copy or sync run?)",
			    cs, reverse ? "source" : "target");
	if (rc)
		exitc = ms_cli_fail("status", &err);
	else if (ms_opts_flag(opts, "json"))
		print_json(st, t, &s, reverse, &v);
	else {
		if (st && ms_db_result_nrows(st))
			print_copy(st, t);
		if (s.exists)
			print_sync(&s, reverse);
		if (v.exists)
			print_verify(&v);
	}
	ms_binlog_pos_free(&s.src);
	ms_db_result_free(s.row);
	ms_db_result_free(st);
	ms_db_result_free(t);
	ms_db_close(db);
	ms_db_close(sdb);
	ms_endpoint_free(&tgt);
	ms_endpoint_free(&src);
	return exitc;
}

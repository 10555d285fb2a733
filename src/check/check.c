/* Preflight orchestration and the items that compare the two servers:
 * sql_mode, lower_case_table_names and time-zone tables. */
#include "check/check_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

bool ms_check_fatal(int rc)
{
	return rc && rc != MS_ESQL;
}

int ms_check_value(struct ms_check_ctx *ctx, struct ms_db *db, const char *sql,
		   char **out)
{
	return ms_db_query_value(db, sql, out, ctx->err);
}

/* Reads the one value of <sql> from each server (see ms_check_value). */
static int both_values(struct ms_check_ctx *ctx, const char *sql, char **s,
		       char **t)
{
	int rc = ms_check_value(ctx, ctx->src, sql, s);

	if (!rc)
		rc = ms_check_value(ctx, ctx->tgt, sql, t);
	return rc;
}

/* Appends to <out> the comma-separated words of <a> that are not in <b>. */
static int modes_only_in(const char *a, const char *b, struct ms_buf *out)
{
	const char *p = a;
	int rc = 0;

	while (*p && !rc) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *q = b;
		int found = 0;

		while (*q && !found) {
			const char *qe = strchr(q, ',');
			size_t m = qe ? (size_t)(qe - q) : strlen(q);

			found = m == n && strncmp(p, q, n) == 0;
			q += m + (qe != NULL);
		}
		if (!found && n)
			rc = ms_buf_addf(out, "%s%.*s", out->len ? "," : "",
					 (int)n, p);
		p += n + (end != NULL);
	}
	return rc;
}

static int check_sql_mode(struct ms_check_ctx *ctx)
{
	const char *sql = "SELECT @@GLOBAL.sql_mode";
	char *s = NULL, *t = NULL;
	struct ms_buf only_s, only_t;
	int rc;

	ms_buf_init(&only_s, 4096);
	ms_buf_init(&only_t, 4096);
	rc = both_values(ctx, sql, &s, &t);
	if (rc == MS_ESQL)
		rc = ms_check_add(ctx->rep, "both", "sql_mode", MS_CHECK_WARN,
				  NULL, "cannot read sql_mode: %s",
				  ctx->err->msg);
	else if (!rc &&
		 !(rc = modes_only_in(s ? s : "", t ? t : "", &only_s)) &&
		 !(rc = modes_only_in(t ? t : "", s ? s : "", &only_t))) {
		if (!only_s.len && !only_t.len)
			rc = ms_check_add(ctx->rep, "both", "sql_mode",
					  MS_CHECK_PASS, NULL,
					  "same global sql_mode on both");
		else
			rc = ms_check_add(
			    ctx->rep, "both", "sql_mode", MS_CHECK_WARN,
			    "set the target's global sql_mode (parameter "
			    "group on Aurora) to the source's",
			    "global sql_mode differs: only on source [%s], "
			    "only on target [%s]; applications may behave "
			    "differently after cutover (myshift's own "
			    "sessions pin their sql_mode)",
			    ms_buf_str(&only_s), ms_buf_str(&only_t));
	}
	free(s);
	free(t);
	ms_buf_free(&only_s);
	ms_buf_free(&only_t);
	return rc;
}

static int check_lctn(struct ms_check_ctx *ctx)
{
	const char *sql = "SELECT @@GLOBAL.lower_case_table_names";
	char *s = NULL, *t = NULL;
	int rc;

	rc = both_values(ctx, sql, &s, &t);
	if (rc == MS_ESQL)
		rc = ms_check_add(ctx->rep, "both", "lower_case_table_names",
				  MS_CHECK_WARN, NULL, "cannot read it: %s",
				  ctx->err->msg);
	else if (!rc && s && t && strcmp(s, t) == 0)
		rc = ms_check_add(ctx->rep, "both", "lower_case_table_names",
				  MS_CHECK_PASS, NULL, "%s on both", s);
	else if (!rc)
		rc = ms_check_add(
		    ctx->rep, "both", "lower_case_table_names", MS_CHECK_WARN,
		    "make them equal (on Aurora MySQL 8 it is fixed when "
		    "the cluster is created), or rename mixed-case tables",
		    "source has %s, target has %s: table names may change "
		    "case or collide on the target",
		    s ? s : "NULL", t ? t : "NULL");
	free(s);
	free(t);
	return rc;
}

static int check_time_zones(struct ms_check_ctx *ctx)
{
	const char *sql = "SELECT COUNT(*) FROM mysql.time_zone_name";
	char *s = NULL, *t = NULL;
	int rc;

	rc = both_values(ctx, sql, &s, &t);
	if (rc == MS_ESQL)
		rc = ms_check_add(
		    ctx->rep, "both", "time_zone_tables", MS_CHECK_WARN,
		    "grant SELECT on mysql.time_zone_name",
		    "cannot count the time-zone tables: %s", ctx->err->msg);
	else if (rc)
		;
	else if (strcmp(t ? t : "0", "0") == 0 && strcmp(s ? s : "0", "0") != 0)
		rc = ms_check_add(
		    ctx->rep, "both", "time_zone_tables", MS_CHECK_WARN,
		    "load them on the target (mariadb-tzinfo-to-sql or "
		    "mysql_tzinfo_to_sql; Aurora has them loaded)",
		    "the source has %s named time zones, the target none: "
		    "SET time_zone='Region/City' and CONVERT_TZ() will "
		    "fail there",
		    s);
	else
		rc = ms_check_add(
		    ctx->rep, "both", "time_zone_tables", MS_CHECK_PASS, NULL,
		    "named time zones: %s on source, %s on target", s ? s : "0",
		    t ? t : "0");
	free(s);
	free(t);
	return rc;
}

int ms_check_run(struct ms_db *src, struct ms_db *tgt,
		 const struct ms_check_opts *opts, struct ms_check_report *rep,
		 struct ms_err *err)
{
	struct ms_check_ctx ctx = {src, tgt, opts, rep, err, NULL, NULL};
	int rc;

	rep->source_version = strdup(ms_db_server_version(src));
	rep->target_version = strdup(ms_db_server_version(tgt));
	if (!rep->source_version || !rep->target_version)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	rc = ms_check_source_server(&ctx);
	if (!rc) {
		rc = ms_schema_read(src, ms_rules_filter, (void *)opts->rules,
				    &ctx.schema, err);
		if (rc == MS_ESQL)
			rc = ms_check_add(
			    rep, "source", "tables", MS_CHECK_FAIL,
			    "grant SELECT on the schemas to "
			    "migrate",
			    "cannot read the source schema: %s", err->msg);
		else if (!rc)
			rc = ms_check_tables(&ctx);
	}
	if (!rc)
		rc = ms_check_target_server(&ctx);
	if (!rc)
		rc = check_sql_mode(&ctx);
	if (!rc)
		rc = check_lctn(&ctx);
	if (!rc)
		rc = check_time_zones(&ctx);
	if (ctx.schema)
		ms_schema_free(ctx.schema);
	free(ctx.source_server_id);
	if (rc == MS_ENOMEM && err->code != MS_ENOMEM)
		MS_ERR(err, MS_ENOMEM, "out of memory");
	return rc;
}

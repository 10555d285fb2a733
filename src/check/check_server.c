/* Per-server preflight items: version, binlog settings, GTIDs, binlog
 * retention, privileges, read-only state and the control schema. */
#include "check/check_int.h"

#include <stdlib.h>
#include <string.h>

#include "check/grants.h"
#include "core/buf.h"
#include "db/quote.h"

/* Global variables read in one round trip. */
struct ms_vars {
	char *log_bin, *format, *row_image, *server_id, *read_only;
};

static void vars_free(struct ms_vars *v)
{
	free(v->log_bin);
	free(v->format);
	free(v->row_image);
	free(v->server_id);
	free(v->read_only);
}

/* Reads the global variables of <side>'s server into <v> (zeroed first,
 * freed by the caller with vars_free). A refused query becomes a FAIL item
 * and MS_ESQL, which tells the caller to skip the items that need them. */
static int read_vars(struct ms_check_ctx *ctx, const char *side,
		     struct ms_vars *v)
{
	struct ms_db *db = strcmp(side, "source") == 0 ? ctx->src : ctx->tgt;
	struct ms_db_result *r = NULL;
	char **dst[] = {&v->log_bin, &v->format, &v->row_image, &v->server_id,
			&v->read_only};
	size_t i;
	int rc;

	memset(v, 0, sizeof(*v));
	rc = ms_db_query(db,
			 "SELECT @@GLOBAL.log_bin, @@GLOBAL.binlog_format, "
			 "@@GLOBAL.binlog_row_image, @@GLOBAL.server_id, "
			 "@@GLOBAL.read_only",
			 &r, ctx->err);
	if (rc == MS_ESQL) {
		int r2 = ms_check_add(
		    ctx->rep, side, "variables", MS_CHECK_FAIL, NULL,
		    "cannot read the server variables: %s", ctx->err->msg);

		return r2 ? r2 : MS_ESQL;
	}
	if (rc)
		return rc;
	for (i = 0; i < 5 && ms_db_result_nrows(r) == 1; i++) {
		const char *s = ms_db_result_get(r, 0, i);

		if (s && !(*dst[i] = strdup(s))) {
			ms_db_result_free(r);
			vars_free(v);
			return MS_ENOMEM;
		}
	}
	ms_db_result_free(r);
	return 0;
}

static int check_version(struct ms_check_ctx *ctx, struct ms_db *db,
			 const char *side)
{
	unsigned long v = ms_db_server_version_num(db);
	bool maria = ms_db_is_mariadb(db);
	unsigned long major = v / 10000, minor = v / 100 % 100;
	enum ms_check_status st;

	if (maria)
		st = v >= 100300
			 ? MS_CHECK_PASS
			 : (v >= 100000 ? MS_CHECK_WARN : MS_CHECK_FAIL);
	else
		st = v >= 50700 ? MS_CHECK_PASS
				: (v >= 50600 ? MS_CHECK_WARN : MS_CHECK_FAIL);
	return ms_check_add(ctx->rep, side, "version", st,
			    "upgrade to MySQL 5.7+ or MariaDB 10.3+",
			    "%s %lu.%lu (%s)%s", maria ? "MariaDB" : "MySQL",
			    major, minor, ms_db_server_version(db),
			    st == MS_CHECK_PASS	  ? " is supported"
			    : st == MS_CHECK_WARN ? " is end-of-life and "
						    "only partly supported"
						  : " is too old");
}

/* binlog on, ROW, FULL: for the source always required; for the target
 * required for failback (only WARN with --no-failback). */
static int check_binlog(struct ms_check_ctx *ctx, const char *side,
			const struct ms_vars *v, enum ms_check_status bad,
			const char *why)
{
	bool on = v->log_bin && strcmp(v->log_bin, "1") == 0;
	int rc;

	if (!on)
		return ms_check_add(
		    ctx->rep, side, "log_bin", bad,
		    "start the server with log_bin (and server_id); on "
		    "Aurora set binlog_format in the cluster parameter "
		    "group",
		    "the binary log is off: %s", why);
	rc = ms_check_add(ctx->rep, side, "log_bin", MS_CHECK_PASS, NULL,
			  "the binary log is on");
	if (!rc)
		rc = ms_check_add(
		    ctx->rep, side, "binlog_format",
		    v->format && strcmp(v->format, "ROW") == 0 ? MS_CHECK_PASS
							       : bad,
		    "SET GLOBAL binlog_format='ROW' and set binlog_format="
		    "ROW in the server config (parameter group on RDS/"
		    "Aurora); sessions opened before keep the old format",
		    "binlog_format is %s%s", v->format ? v->format : "NULL",
		    v->format && strcmp(v->format, "ROW") == 0
			? ""
			: ": row-based replication needs ROW");
	if (!rc)
		rc = ms_check_add(
		    ctx->rep, side, "binlog_row_image",
		    v->row_image && strcmp(v->row_image, "FULL") == 0
			? MS_CHECK_PASS
			: bad,
		    "SET GLOBAL binlog_row_image='FULL' and set it in the "
		    "server config",
		    "binlog_row_image is %s%s",
		    v->row_image ? v->row_image : "NULL",
		    v->row_image && strcmp(v->row_image, "FULL") == 0
			? ""
			: ": idempotent apply needs full row images");
	return rc;
}

static int check_server_id(struct ms_check_ctx *ctx, const char *side,
			   const struct ms_vars *v, const char *other_id)
{
	if (!v->server_id || strcmp(v->server_id, "0") == 0)
		return ms_check_add(ctx->rep, side, "server_id", MS_CHECK_FAIL,
				    "set a unique non-zero server_id",
				    "server_id is 0: binary logging and "
				    "replication need a non-zero server_id");
	if (other_id && strcmp(v->server_id, other_id) == 0)
		return ms_check_add(ctx->rep, side, "server_id", MS_CHECK_FAIL,
				    "give the two servers different server_ids",
				    "server_id %s is the source's too: events "
				    "of one could not be told from the other's",
				    v->server_id);
	return ms_check_add(ctx->rep, side, "server_id", MS_CHECK_PASS, NULL,
			    "server_id is %s", v->server_id);
}

static int check_gtid(struct ms_check_ctx *ctx)
{
	char *mode = NULL;
	int rc;

	if (ms_db_is_mariadb(ctx->src)) {
		rc = ms_check_value(ctx, ctx->src,
				    "SELECT @@GLOBAL.gtid_binlog_pos", &mode);
		if (!rc)
			rc = ms_check_add(ctx->rep, "source", "gtid",
					  MS_CHECK_PASS, NULL,
					  "MariaDB GTIDs (domain-server-seq), "
					  "binlog position '%s'",
					  mode ? mode : "");
	} else {
		rc = ms_check_value(ctx, ctx->src, "SELECT @@GLOBAL.gtid_mode",
				    &mode);
		if (!rc)
			rc = ms_check_add(
			    ctx->rep, "source", "gtid",
			    mode && strcmp(mode, "ON") == 0 ? MS_CHECK_PASS
							    : MS_CHECK_WARN,
			    "enable gtid_mode=ON and "
			    "enforce_gtid_consistency=ON (stepwise, see "
			    "docs/check.md)",
			    "gtid_mode is %s%s", mode ? mode : "NULL",
			    mode && strcmp(mode, "ON") == 0
				? ""
				: ": sync will follow file:position, "
				  "which does not survive a failover "
				  "of the source");
	}
	if (rc == MS_ESQL)
		rc = ms_check_add(ctx->rep, "source", "gtid", MS_CHECK_WARN,
				  NULL, "cannot read the GTID state: %s",
				  ctx->err->msg);
	free(mode);
	return rc;
}

static int check_retention(struct ms_check_ctx *ctx)
{
	char *val = NULL;
	unsigned long long secs;
	int rc;

	/* MySQL 8 and MariaDB 10.6+ have seconds; older ones only days. */
	rc = ms_check_value(ctx, ctx->src,
			    "SELECT @@GLOBAL.binlog_expire_logs_seconds", &val);
	if (rc == MS_ESQL) {
		rc = ms_check_value(
		    ctx, ctx->src,
		    "SELECT CAST(@@GLOBAL.expire_logs_days * 86400 AS "
		    "UNSIGNED)",
		    &val);
	}
	if (rc == MS_ESQL)
		return ms_check_add(
		    ctx->rep, "source", "binlog_retention", MS_CHECK_WARN, NULL,
		    "cannot read the binlog retention: %s", ctx->err->msg);
	if (rc)
		return rc;
	secs = val ? strtoull(val, NULL, 10) : 0;
	free(val);
	if (secs == 0)
		return ms_check_add(ctx->rep, "source", "binlog_retention",
				    MS_CHECK_PASS, NULL,
				    "binlogs are not purged by age (watch the "
				    "disk during a long copy)");
	if (secs < 24 * 3600)
		return ms_check_add(
		    ctx->rep, "source", "binlog_retention", MS_CHECK_WARN,
		    "keep binlogs for at least the copy time plus a "
		    "margin, e.g. binlog_expire_logs_seconds=604800",
		    "binlogs are purged after %llu s (%.1f h): a copy "
		    "that takes longer cannot be followed by sync",
		    secs, (double)secs / 3600.0);
	return ms_check_add(ctx->rep, "source", "binlog_retention",
			    MS_CHECK_PASS, NULL,
			    "binlogs are kept %llu s (%.1f days)", secs,
			    (double)secs / 86400.0);
}

static int read_grants(struct ms_check_ctx *ctx, struct ms_db *db,
		       struct ms_grants *g, char **user)
{
	struct ms_db_result *r = NULL;
	size_t i;
	int rc;

	rc = ms_check_value(ctx, db, "SELECT CURRENT_USER()", user);
	if (!rc)
		rc = ms_db_query(db, "SHOW GRANTS", &r, ctx->err);
	for (i = 0; !rc && i < ms_db_result_nrows(r); i++) {
		const char *line = ms_db_result_get(r, i, 0);

		rc = line ? ms_grants_add_line(g, line) : 0;
	}
	ms_db_result_free(r);
	return rc;
}

/* Lists in <missing> the privileges of <privs> (NULL-terminated) not
 * granted globally. */
static int collect_missing(const struct ms_grants *g, const char *const *privs,
			   struct ms_buf *missing)
{
	int rc = 0;

	for (; *privs && !rc; privs++) {
		if (!ms_grants_has(g, *privs, NULL))
			rc = ms_buf_addf(missing, "%s%s",
					 missing->len ? ", " : "", *privs);
	}
	return rc;
}

/* Formats user@host from CURRENT_USER() as 'user'@'host' for GRANT. */
static int grant_fix(const char *user, const char *privs, struct ms_buf *out)
{
	const char *at = user ? strrchr(user, '@') : NULL;

	if (!at)
		return ms_buf_addf(out, "GRANT %s ON *.* TO <user>", privs);
	return ms_buf_addf(out, "GRANT %s ON *.* TO '%.*s'@'%s'", privs,
			   (int)(at - user), user, at + 1);
}

static int report_privileges(struct ms_check_ctx *ctx, const char *side,
			     const struct ms_grants *g, const char *user,
			     const char *const *required,
			     const char *const *recommended,
			     const char *purpose)
{
	struct ms_buf miss_req, miss_rec, fix;
	int rc;

	ms_buf_init(&miss_req, 4096);
	ms_buf_init(&miss_rec, 4096);
	ms_buf_init(&fix, 8192);
	rc = collect_missing(g, required, &miss_req);
	if (!rc)
		rc = collect_missing(g, recommended, &miss_rec);
	if (!rc && (miss_req.len || miss_rec.len))
		rc = grant_fix(user,
			       miss_req.len ? ms_buf_str(&miss_req)
					    : ms_buf_str(&miss_rec),
			       &fix);
	if (rc)
		;
	else if (miss_req.len)
		rc = ms_check_add(
		    ctx->rep, side, "privileges", MS_CHECK_FAIL,
		    ms_buf_str(&fix), "%s lacks %s, needed %s%s%s%s", user,
		    ms_buf_str(&miss_req), purpose,
		    miss_rec.len ? " (also recommended: " : "",
		    ms_buf_str(&miss_rec), miss_rec.len ? ")" : "");
	else if (miss_rec.len)
		rc = ms_check_add(ctx->rep, side, "privileges", MS_CHECK_WARN,
				  ms_buf_str(&fix),
				  "%s lacks %s: views, triggers, events or "
				  "monitoring will be incomplete",
				  user, ms_buf_str(&miss_rec));
	else
		rc = ms_check_add(ctx->rep, side, "privileges", MS_CHECK_PASS,
				  NULL, "%s has every privilege needed %s",
				  user, purpose);
	if (!rc && g->nroles && (miss_req.len || miss_rec.len))
		rc = ms_check_add(ctx->rep, side, "roles", MS_CHECK_WARN,
				  "grant the privileges to the user directly",
				  "%s has %zu role(s) (e.g. %s) whose "
				  "privileges are not counted here",
				  user, g->nroles, g->roles[0]);
	ms_buf_free(&miss_req);
	ms_buf_free(&miss_rec);
	ms_buf_free(&fix);
	return rc;
}

static int check_privileges(struct ms_check_ctx *ctx, const char *side)
{
	static const char *const src_req[] = {"SELECT", "REPLICATION SLAVE",
					      "REPLICATION CLIENT", NULL};
	static const char *const src_req_mysql[] = {"SELECT", "RELOAD",
						    "REPLICATION SLAVE",
						    "REPLICATION CLIENT", NULL};
	static const char *const src_rec[] = {"RELOAD", "SHOW VIEW", "TRIGGER",
					      "EVENT",	"PROCESS",   NULL};
	static const char *const tgt_req[] = {"SELECT",
					      "INSERT",
					      "UPDATE",
					      "DELETE",
					      "CREATE",
					      "DROP",
					      "ALTER",
					      "INDEX",
					      "REFERENCES",
					      "CREATE VIEW",
					      "SHOW VIEW",
					      "CREATE ROUTINE",
					      "ALTER ROUTINE",
					      "TRIGGER",
					      "EVENT",
					      "EXECUTE",
					      "REPLICATION SLAVE",
					      "REPLICATION CLIENT",
					      NULL};
	static const char *const tgt_req_nofb[] = {
	    "SELECT",	     "INSERT",	  "UPDATE",
	    "DELETE",	     "CREATE",	  "DROP",
	    "ALTER",	     "INDEX",	  "REFERENCES",
	    "CREATE VIEW",   "SHOW VIEW", "CREATE ROUTINE",
	    "ALTER ROUTINE", "TRIGGER",	  "EVENT",
	    "EXECUTE",	     NULL};
	static const char *const tgt_rec_nofb[] = {"REPLICATION SLAVE",
						   "REPLICATION CLIENT", NULL};
	static const char *const none[] = {NULL};
	bool source = strcmp(side, "source") == 0;
	struct ms_db *db = source ? ctx->src : ctx->tgt;
	struct ms_grants g = {0};
	char *user = NULL;
	int rc;

	rc = read_grants(ctx, db, &g, &user);
	if (rc == MS_ESQL)
		rc = ms_check_add(ctx->rep, side, "privileges", MS_CHECK_WARN,
				  NULL, "cannot read the grants: %s",
				  ctx->err->msg);
	else if (!rc && source)
		rc = report_privileges(
		    ctx, side, &g, user,
		    ms_db_is_mariadb(db) ? src_req : src_req_mysql, src_rec,
		    "to copy and to read the binlog");
	else if (!rc)
		rc = report_privileges(
		    ctx, side, &g, user,
		    ctx->opts->no_failback ? tgt_req_nofb : tgt_req,
		    ctx->opts->no_failback ? tgt_rec_nofb : none,
		    "to load, apply and (for failback) read the binlog");
	ms_grants_free(&g);
	free(user);
	return rc;
}

int ms_check_source_server(struct ms_check_ctx *ctx)
{
	struct ms_vars v;
	int rc;

	rc = check_version(ctx, ctx->src, "source");
	if (!rc)
		rc = read_vars(ctx, "source", &v);
	if (rc)
		return rc == MS_ESQL ? 0 : rc;
	rc = check_binlog(ctx, "source", &v, MS_CHECK_FAIL,
			  "sync reads changes from it");
	if (!rc)
		rc = check_server_id(ctx, "source", &v, NULL);
	/* Kept for the target's server_id comparison. */
	ctx->source_server_id = v.server_id;
	v.server_id = NULL;
	vars_free(&v);
	if (!rc)
		rc = check_gtid(ctx);
	if (!rc)
		rc = check_retention(ctx);
	if (!rc)
		rc = check_privileges(ctx, "source");
	return rc;
}

/* Can the control schema be created and written? Probes with a table it
 * drops again; a control schema that did not exist is dropped too, so
 * preflight leaves nothing behind. */
static int check_control_schema(struct ms_check_ctx *ctx)
{
	const char *name = ctx->opts->control_schema;
	struct ms_buf q, sql;
	char *exists = NULL;
	int rc;

	ms_buf_init(&q, 1024);
	ms_buf_init(&sql, 4096);
	rc = ms_buf_addstr(&sql, "SELECT COUNT(*) FROM information_schema."
				 "SCHEMATA WHERE SCHEMA_NAME = ");
	if (!rc)
		rc = ms_db_quote_string(ctx->tgt, &sql, name, strlen(name));
	if (!rc)
		rc = ms_check_value(ctx, ctx->tgt, ms_buf_str(&sql), &exists);
	if (!rc)
		rc = ms_quote_ident(&q, name);
	if (!rc && exists && strcmp(exists, "0") == 0) {
		ms_buf_reset(&sql);
		rc = ms_buf_addf(&sql, "CREATE DATABASE %s", ms_buf_str(&q));
		if (!rc)
			rc = ms_db_exec(ctx->tgt, ms_buf_str(&sql), ctx->err);
	}
	if (!rc) {
		ms_buf_reset(&sql);
		rc = ms_buf_addf(&sql,
				 "CREATE TABLE IF NOT EXISTS %s.`_check_probe` "
				 "(id INT PRIMARY KEY) ENGINE=InnoDB",
				 ms_buf_str(&q));
		if (!rc)
			rc = ms_db_exec(ctx->tgt, ms_buf_str(&sql), ctx->err);
		ms_buf_reset(&sql);
		if (!rc)
			rc = ms_buf_addf(&sql, "DROP TABLE %s.`_check_probe`",
					 ms_buf_str(&q));
		if (!rc)
			rc = ms_db_exec(ctx->tgt, ms_buf_str(&sql), ctx->err);
	}
	if (!rc && exists && strcmp(exists, "0") == 0) {
		ms_buf_reset(&sql);
		rc = ms_buf_addf(&sql, "DROP DATABASE %s", ms_buf_str(&q));
		if (!rc)
			rc = ms_db_exec(ctx->tgt, ms_buf_str(&sql), ctx->err);
	}
	if (rc == MS_ESQL)
		rc = ms_check_add(
		    ctx->rep, "target", "control_schema", MS_CHECK_FAIL,
		    "grant CREATE, DROP, INSERT, UPDATE, DELETE "
		    "on the control schema, or pick another "
		    "with --control-schema",
		    "cannot create or write `%s`: %s", name, ctx->err->msg);
	else if (!rc)
		rc = ms_check_add(ctx->rep, "target", "control_schema",
				  MS_CHECK_PASS, NULL, "`%s` %s", name,
				  exists && strcmp(exists, "0") == 0
				      ? "can be created and written"
				      : "exists and is writable");
	free(exists);
	ms_buf_free(&q);
	ms_buf_free(&sql);
	return rc;
}

static int check_read_only(struct ms_check_ctx *ctx, const struct ms_vars *v)
{
	if (v->read_only && strcmp(v->read_only, "0") != 0)
		return ms_check_add(
		    ctx->rep, "target", "read_only", MS_CHECK_FAIL,
		    "connect to the writer (on Aurora, the cluster "
		    "endpoint, not the reader endpoint)",
		    "the target is read-only (read_only=%s)", v->read_only);
	return ms_check_add(ctx->rep, "target", "read_only", MS_CHECK_PASS,
			    NULL, "the target accepts writes");
}

int ms_check_target_server(struct ms_check_ctx *ctx)
{
	struct ms_vars v;
	int rc;

	rc = check_version(ctx, ctx->tgt, "target");
	if (!rc)
		rc = read_vars(ctx, "target", &v);
	if (rc)
		return rc == MS_ESQL ? 0 : rc;
	rc = check_read_only(ctx, &v);
	if (!rc)
		rc = check_binlog(ctx, "target", &v,
				  ctx->opts->no_failback ? MS_CHECK_WARN
							 : MS_CHECK_FAIL,
				  "failback replicates from the target's "
				  "binlog (use --no-failback to accept)");
	if (!rc)
		rc = check_server_id(ctx, "target", &v, ctx->source_server_id);
	vars_free(&v);
	if (!rc)
		rc = check_privileges(ctx, "target");
	if (!rc)
		rc = check_control_schema(ctx);
	return rc;
}

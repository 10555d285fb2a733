/* Preconditions (docs/cutover.md): each failed one is appended to the
 * report's "refused" array with its reason; none changes anything. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "cutover/co_int.h"
#include "cutover/objects.h"
#include "db/quote.h"
#include "sync/sync.h"

static void refuse(json_t *refused, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_array_append_new(refused, json_string(msg));
}

/* The sync of the direction left: running, lag under --max-lag. */
static int check_sync(struct co *c, json_t *refused, struct ms_err *err)
{
	const char *dir = c->left_reverse ? "reverse" : "forward";
	double max = c->o->max_lag_s > 0 ? c->o->max_lag_s : 1.0;
	struct ms_sync_progress p;
	int rc = ms_sync_read_progress(co_apply_db(c, c->left_reverse), c->cs,
				       c->left_reverse, 5, &p, err);

	if (rc)
		return rc;
	if (!p.exists)
		refuse(refused,
		       "%s sync has never run (no %s.sync_state row on "
		       "the %s)",
		       dir, c->cs, c->left_reverse ? "source" : "target");
	else if (!p.running)
		refuse(refused,
		       "%s sync is not running (start `myshift %s` first)", dir,
		       c->left_reverse ? "sync --reverse" : "run");
	else if (p.lag_seconds > max) /* sync measures whole seconds */
		refuse(refused, "%s sync lag is %.1f s, over --max-lag %.1f s",
		       dir, p.lag_seconds, max);
	return 0;
}

static int check_verify(struct co *c, json_t *refused, struct ms_err *err)
{
	const char *dir = c->failback ? "reverse" : "forward";
	struct ms_db_result *r = NULL;
	struct ms_buf q;
	int rc;

	if (c->o->skip_verify)
		return 0;
	ms_buf_init(&q, 4096);
	rc = ms_buf_addstr(&q, "SELECT run_id, status FROM ");
	rc = rc ? rc : ms_quote_qualified(&q, c->cs, "verify_runs");
	rc = rc ? rc
		: ms_buf_addf(&q,
			      " WHERE direction = '%s' AND finished_at IS NOT "
			      "NULL ORDER BY run_id DESC LIMIT 1",
			      dir);
	if (rc)
		return MS_ERR(err, rc, "query too long");
	rc = ms_db_query(c->tgt, ms_buf_str(&q), &r, err);
	ms_buf_free(&q);
	if (rc == MS_ESQL && err->sql_errno == 1146) {
		ms_err_clear(err);
		rc = 0;
	}
	if (rc)
		return rc;
	if (!r || ms_db_result_nrows(r) == 0)
		refuse(refused,
		       "no finished verify run: run `myshift verify%s` first "
		       "(or --skip-verify)",
		       c->failback ? " --reverse" : "");
	else if (strcmp(ms_db_result_get(r, 0, 1), "clean"))
		refuse(refused,
		       "the last verify run (%s) ended '%s', not clean: see "
		       "`myshift status` (or --skip-verify)",
		       ms_db_result_get(r, 0, 0), ms_db_result_get(r, 0, 1));
	ms_db_result_free(r);
	return 0;
}

/* The server switched to logs its binlog as sync needs it; the user on
 * the server left may write what the new sync applies. */
static int check_reverse(struct co *c, json_t *refused, struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	int rc = ms_db_query(c->to_db,
			     "SELECT @@GLOBAL.log_bin, @@GLOBAL.binlog_format, "
			     "@@GLOBAL.binlog_row_image",
			     &r, err);

	if (rc)
		return ms_err_prefix(err, "%s", c->to_be);
	const char *lb = ms_db_result_get(r, 0, 0);
	const char *bf = ms_db_result_get(r, 0, 1);
	const char *ri = ms_db_result_get(r, 0, 2);
	if (!lb || strcmp(lb, "1"))
		refuse(refused,
		       "the %s's binlog is off (log_bin): %s sync cannot read "
		       "it, so a switch back would be impossible",
		       c->to_be, c->failback ? "forward" : "reverse");
	if (!bf || strcasecmp(bf, "ROW"))
		refuse(refused, "the %s's binlog_format is %s, not ROW",
		       c->to_be, bf ? bf : "NULL");
	if (!ri || strcasecmp(ri, "FULL"))
		refuse(refused, "the %s's binlog_row_image is %s, not FULL",
		       c->to_be, ri ? ri : "NULL");
	ms_db_result_free(r);
	/* privileges of the user the new sync writes with */
	struct ms_db *w = c->failback ? c->tgt : c->src;
	const char *role = c->failback ? "target" : "source";
	rc =
	    ms_db_query(w,
			"SELECT GROUP_CONCAT(PRIVILEGE_TYPE) FROM "
			"information_schema.USER_PRIVILEGES WHERE GRANTEE = "
			"CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), "
			"'''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), "
			"'''')",
			&r, err);
	if (rc)
		return ms_err_prefix(err, "%s", role);
	const char *g = ms_db_result_get(r, 0, 0);
	static const char *const need[] = {"INSERT", "UPDATE", "DELETE",
					   "CREATE", NULL};
	for (int i = 0; need[i]; i++)
		if (!g || !strstr(g, need[i]))
			refuse(
			    refused,
			    "the %s user has no global %s privilege: %s sync "
			    "writes there (schema-level grants are not "
			    "checked yet; grant it globally)",
			    role, need[i], c->failback ? "forward" : "reverse");
	ms_db_result_free(r);
	return 0;
}

/* The proxy: reachable, both backends healthy, the routes known, the
 * sessions movable. */
static int check_proxy(struct co *c, json_t *refused, struct ms_err *err)
{
	json_t *st = NULL, *a = NULL, *s;
	size_t i;
	int rc = co_api(c, "GET", "/status", NULL, NULL, NULL, &st, err);

	if (rc) {
		refuse(refused, "%s", err->msg);
		ms_err_clear(err);
		return 0;
	}
	json_array_foreach(json_object_get(st, "backends"), i, s)
	{
		if (!json_is_true(json_object_get(s, "healthy")))
			refuse(
			    refused,
			    "the proxy's %s backend %s:%d is not healthy: %s",
			    json_string_value(json_object_get(s, "name")),
			    json_string_value(json_object_get(s, "address")),
			    (int)json_integer_value(json_object_get(s, "port")),
			    json_string_value(
				json_object_get(s, "last_error")));
	}
	if (json_array_size(json_object_get(st, "backends")) < 2)
		refuse(refused, "the proxy has no target backend (--target)");
	json_decref(st);
	rc = co_route_sessions(c, &a, err);
	if (rc)
		return rc;
	unsigned bad = 0;
	json_array_foreach(a, i, s)
	{
		if (json_is_true(json_object_get(s, "movable")))
			continue;
		if (++bad <= 10)
			refuse(
			    refused,
			    "proxy session %d (user %s from %s) cannot "
			    "move: %s",
			    (int)json_integer_value(json_object_get(s, "id")),
			    json_string_value(json_object_get(s, "user")),
			    json_string_value(json_object_get(s, "client")),
			    json_string_value(json_object_get(s, "unmovable")));
	}
	json_decref(a);
	return 0;
}

int co_precheck(struct co *c, json_t *refused, struct ms_err *err)
{
	int rc = check_sync(c, refused, err);

	rc = rc ? rc : check_verify(c, refused, err);
	rc = rc ? rc : check_reverse(c, refused, err);
	rc = rc ? rc : check_proxy(c, refused, err);
	if (!rc) {
		json_t *problems = json_array();
		rc = ms_co_objects_check(
		    c->src, c->tgt, c->cs,
		    strcmp(c->scope, "*") ? c->scope : NULL, problems, err);
		size_t i;
		json_t *v;
		json_array_foreach(problems, i, v)
		    json_array_append(refused, v);
		json_decref(problems);
	}
	return rc;
}

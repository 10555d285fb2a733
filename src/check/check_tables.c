/* Preflight items about the selected source tables: a usable key for each,
 * InnoDB engines, and charsets/collations the target has. */
#include "check/check_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

/* Says why a table belongs on an item's list: NULL when it does not, else a
 * note to print after its name ("" for none). */
typedef const char *(*table_issue_fn)(const struct ms_table *t);

static const char *no_usable_key(const struct ms_table *t)
{
	return ms_table_chunk_key(t) ? NULL : "";
}

static const char *not_innodb(const struct ms_table *t)
{
	if (t->engine && strcasecmp(t->engine, "InnoDB") == 0)
		return NULL;
	return t->engine ? t->engine : "no engine";
}

/* Lists "schema.table (note)" for the tables <issue> flags, the first
 * MS_CHECK_LIST_MAX of them then "and N more"; *<n> is how many. */
static int list_tables(const struct ms_schema *s, table_issue_fn issue,
		       struct ms_buf *list, size_t *n)
{
	const char *note;
	size_t i;
	int rc = 0;

	*n = 0;
	for (i = 0; i < s->ntables && !rc; i++) {
		const struct ms_table *t = &s->tables[i];

		if (!(note = issue(t)) || ++*n > MS_CHECK_LIST_MAX)
			continue;
		rc = ms_buf_addf(list, "%s%s.%s%s%s%s", list->len ? ", " : "",
				 t->schema, t->name, *note ? " (" : "", note,
				 *note ? ")" : "");
	}
	if (!rc && *n > MS_CHECK_LIST_MAX)
		rc = ms_buf_addf(list, " and %zu more", *n - MS_CHECK_LIST_MAX);
	return rc;
}

static int check_keys(struct ms_check_ctx *ctx)
{
	const struct ms_schema *s = ctx->schema;
	struct ms_buf list;
	size_t n;
	int rc;

	ms_buf_init(&list, 64 * 1024);
	rc = list_tables(s, no_usable_key, &list, &n);
	if (!rc && n)
		rc = ms_check_add(
		    ctx->rep, "source", "keys", MS_CHECK_WARN,
		    "add a PRIMARY KEY (or a UNIQUE key on NOT NULL "
		    "columns) before migrating",
		    "%zu table(s) without a primary or unique NOT NULL "
		    "key: %s; they are copied in one pass and sync must "
		    "match rows by all columns",
		    n, ms_buf_str(&list));
	else if (!rc)
		rc = ms_check_add(ctx->rep, "source", "keys", MS_CHECK_PASS,
				  NULL,
				  "all %zu selected table(s) have a primary "
				  "or unique NOT NULL key",
				  s->ntables);
	ms_buf_free(&list);
	return rc;
}

static int check_engines(struct ms_check_ctx *ctx)
{
	struct ms_buf list;
	size_t n;
	int rc;

	ms_buf_init(&list, 64 * 1024);
	rc = list_tables(ctx->schema, not_innodb, &list, &n);
	if (!rc && n)
		rc = ms_check_add(
		    ctx->rep, "source", "engines", MS_CHECK_WARN,
		    "convert them to InnoDB (Aurora supports InnoDB "
		    "only; copy can convert them)",
		    "%zu non-InnoDB table(s): %s; they are not "
		    "transactional, so a consistent copy cannot be "
		    "guaranteed while they take writes",
		    n, ms_buf_str(&list));
	else if (!rc)
		rc = ms_check_add(ctx->rep, "source", "engines", MS_CHECK_PASS,
				  NULL, "all selected tables are InnoDB");
	ms_buf_free(&list);
	return rc;
}

/* Loads the target's collation names, one per row, in byte order so that
 * has_collation can binary-search them (a server with 50,000 tenant schemas
 * has millions of columns to look up). */
static int target_collations(struct ms_check_ctx *ctx,
			     struct ms_db_result **out)
{
	return ms_db_query(ctx->tgt,
			   "SELECT COLLATION_NAME FROM "
			   "information_schema.COLLATIONS "
			   "ORDER BY CAST(COLLATION_NAME AS BINARY)",
			   out, ctx->err);
}

static bool has_collation(const struct ms_db_result *r, const char *name)
{
	size_t lo = 0, hi = ms_db_result_nrows(r);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *c = ms_db_result_get(r, mid, 0);
		int cmp = strcmp(c ? c : "", name);

		if (cmp == 0)
			return true;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Adds <coll> to <missing> once if the target lacks it, counting the
 * objects that use it in <uses>. */
static int note_collation(const struct ms_db_result *have, const char *coll,
			  const char *schema, const char *table,
			  struct ms_buf *missing, size_t *uses)
{
	char needle[300];

	if (!coll || has_collation(have, coll))
		return 0;
	snprintf(needle, sizeof(needle), "%s (", coll);
	if (strstr(ms_buf_str(missing), needle) || ++*uses > MS_CHECK_LIST_MAX)
		return 0;
	return ms_buf_addf(missing, "%s%s (used by %s%s%s)",
			   missing->len ? ", " : "", coll, schema,
			   table ? "." : "", table ? table : "");
}

static int check_collations(struct ms_check_ctx *ctx)
{
	const struct ms_schema *s = ctx->schema;
	struct ms_db_result *have = NULL;
	struct ms_buf missing;
	size_t i, k, uses = 0;
	int rc;

	rc = target_collations(ctx, &have);
	if (rc == MS_ESQL)
		return ms_check_add(
		    ctx->rep, "both", "collations", MS_CHECK_WARN, NULL,
		    "cannot list the target's collations: %s", ctx->err->msg);
	if (rc)
		return rc;
	ms_buf_init(&missing, 64 * 1024);
	for (i = 0; i < s->ndatabases && !rc; i++)
		rc =
		    note_collation(have, s->databases[i].collation,
				   s->databases[i].name, NULL, &missing, &uses);
	for (i = 0; i < s->ntables && !rc; i++) {
		const struct ms_table *t = &s->tables[i];

		rc = note_collation(have, t->collation, t->schema, t->name,
				    &missing, &uses);
		for (k = 0; k < t->ncolumns && !rc; k++)
			rc =
			    note_collation(have, t->columns[k].collation,
					   t->schema, t->name, &missing, &uses);
	}
	if (!rc && missing.len)
		rc = ms_check_add(
		    ctx->rep, "both", "collations", MS_CHECK_FAIL,
		    "convert those columns to a collation both servers "
		    "have, or pick a target version that has it",
		    "the target lacks collation(s) the source uses: %s",
		    ms_buf_str(&missing));
	else if (!rc)
		rc = ms_check_add(ctx->rep, "both", "collations", MS_CHECK_PASS,
				  NULL,
				  "the target has every charset and collation "
				  "the selected tables use");
	ms_db_result_free(have);
	ms_buf_free(&missing);
	return rc;
}

int ms_check_tables(struct ms_check_ctx *ctx)
{
	int rc;

	if (ctx->schema->ntables == 0)
		return ms_check_add(
		    ctx->rep, "source", "tables", MS_CHECK_WARN,
		    "check --include/--exclude/--table-mappings",
		    "no table is selected: there is nothing to "
		    "migrate");
	rc = ms_check_add(ctx->rep, "source", "tables", MS_CHECK_PASS, NULL,
			  "%zu table(s) in %zu database(s) selected",
			  ctx->schema->ntables, ctx->schema->ndatabases);
	if (!rc)
		rc = check_keys(ctx);
	if (!rc)
		rc = check_engines(ctx);
	if (!rc)
		rc = check_collations(ctx);
	return rc;
}

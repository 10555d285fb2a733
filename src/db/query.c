/* Queries, buffered results and string literals: see db.h. */
#include "db/db.h"

#include <mysql.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db/db_int.h"
#include "db/quote.h"

#define DB_FAIL(db, what, err)                                                 \
	ms_db_fail((db), (what), __FILE__, __LINE__, (err))

/* Called once with the result's fields before the first row. */
typedef int (*db_fields_fn)(void *ctx, MYSQL_RES *res, struct ms_err *err);

/* Runs <sql> and streams its rows: <on_fields> (may be NULL) sees the
 * fields, <fn> (may be NULL: rows are drained) each row. A statement
 * without a result set is zero rows. An error that arrives after the first
 * rows (e.g. a statement timeout) is caught. */
static int db_stream(struct ms_db *db, const char *sql, db_fields_fn on_fields,
		     ms_db_row_fn fn, void *ctx, struct ms_err *err)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned long *lens;
	size_t lz[64], *l = lz, i, ncols;
	int rc = 0;

	if (mysql_real_query(db->my, sql, strlen(sql)))
		return DB_FAIL(db, "query failed", err);
	res = mysql_use_result(db->my);
	if (!res)
		return mysql_errno(db->my) ? DB_FAIL(db, "query failed", err)
					   : 0;
	ncols = mysql_num_fields(res);
	if (ncols > sizeof(lz) / sizeof(lz[0]) &&
	    !(l = calloc(ncols, sizeof(*l))))
		rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	if (!rc && on_fields)
		rc = on_fields(ctx, res, err);
	while (!rc && (row = mysql_fetch_row(res))) {
		if (!fn)
			continue;
		lens = mysql_fetch_lengths(res);
		for (i = 0; i < ncols; i++)
			l[i] = lens[i];
		rc = fn(ctx, (const char *const *)row, l, ncols, err);
	}
	if (rc == 0 && mysql_errno(db->my))
		rc = DB_FAIL(db, "reading result failed", err);
	/* Frees, draining the rest of the rows when we stopped early. */
	mysql_free_result(res);
	if (l != lz)
		free(l);
	return rc;
}

int ms_db_exec(struct ms_db *db, const char *sql, struct ms_err *err)
{
	char *marked;
	size_t np, ns;
	int rc;

	if (!db || !sql)
		return MS_ERR(err, MS_EINVAL,
			      "ms_db_exec: no connection or SQL");
	if (!db->exec_prefix)
		return db_stream(db, sql, NULL, NULL, NULL, err);
	np = strlen(db->exec_prefix);
	ns = strlen(sql);
	marked = malloc(np + ns + 1);
	if (!marked)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	memcpy(marked, db->exec_prefix, np);
	memcpy(marked + np, sql, ns + 1);
	rc = db_stream(db, marked, NULL, NULL, NULL, err);
	free(marked);
	return rc;
}

void ms_db_set_exec_prefix(struct ms_db *db, const char *prefix)
{
	db->exec_prefix = prefix;
}

int ms_db_query_each(struct ms_db *db, const char *sql, ms_db_row_fn fn,
		     void *ctx, struct ms_err *err)
{
	if (!db || !sql || !fn)
		return MS_ERR(err, MS_EINVAL, "ms_db_query_each: bad argument");
	return db_stream(db, sql, NULL, fn, ctx, err);
}

struct db_collect {
	struct ms_db_result *r;
	const char *role;
};

static int db_result_grow(struct ms_db_result *r, size_t ncells)
{
	size_t n = r->cells_alloc ? r->cells_alloc : 64;
	size_t *o, *l;

	while (n < ncells)
		n *= 2;
	o = realloc(r->off, n * sizeof(*o));
	if (!o)
		return MS_ENOMEM;
	r->off = o;
	l = realloc(r->len, n * sizeof(*l));
	if (!l)
		return MS_ENOMEM;
	r->len = l;
	r->cells_alloc = n;
	return 0;
}

static int db_collect_row(void *ctx, const char *const *vals,
			  const size_t *lens, size_t ncols, struct ms_err *err)
{
	struct db_collect *c = ctx;
	struct ms_db_result *r = c->r;
	size_t base = r->nrows * ncols, i;
	int rc;

	if (r->nrows >= MS_DB_RESULT_MAX_ROWS)
		return MS_ERR(err, MS_ETOOLARGE,
			      "%s: result has more than %u rows", c->role,
			      MS_DB_RESULT_MAX_ROWS);
	if (base + ncols > r->cells_alloc) {
		rc = db_result_grow(r, base + ncols);
		if (rc)
			return MS_ERR(err, rc, "out of memory");
	}
	for (i = 0; i < ncols; i++) {
		r->len[base + i] = vals[i] ? lens[i] : 0;
		r->off[base + i] = vals[i] ? r->data.len : SIZE_MAX;
		if (!vals[i])
			continue;
		rc = ms_buf_add(&r->data, vals[i], lens[i]);
		if (rc == 0)
			rc = ms_buf_addc(&r->data, '\0');
		if (rc)
			return MS_ERR(err, rc,
				      "%s: result larger than %u bytes",
				      c->role, MS_DB_RESULT_MAX_BYTES);
	}
	r->nrows++;
	return 0;
}

/* Keeps the column names of the result being collected. */
static int db_collect_fields(void *ctx, MYSQL_RES *res, struct ms_err *err)
{
	struct ms_db_result *r = ((struct db_collect *)ctx)->r;
	MYSQL_FIELD *f = mysql_fetch_fields(res);
	size_t i;

	r->ncols = mysql_num_fields(res);
	r->names = calloc(r->ncols ? r->ncols : 1, sizeof(*r->names));
	if (!r->names)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	for (i = 0; i < r->ncols; i++) {
		r->names[i] = strdup(f[i].name ? f[i].name : "");
		if (!r->names[i])
			return MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	return 0;
}

int ms_db_query(struct ms_db *db, const char *sql, struct ms_db_result **out,
		struct ms_err *err)
{
	struct ms_db_result *r;
	struct db_collect c;
	int rc;

	*out = NULL;
	if (!db || !sql)
		return MS_ERR(err, MS_EINVAL, "ms_db_query: bad argument");
	r = calloc(1, sizeof(*r));
	if (!r)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	ms_buf_init(&r->data, MS_DB_RESULT_MAX_BYTES);
	c.r = r;
	c.role = db->role;
	rc = db_stream(db, sql, db_collect_fields, db_collect_row, &c, err);
	if (rc) {
		ms_db_result_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int ms_db_query_value(struct ms_db *db, const char *sql, char **out,
		      struct ms_err *err)
{
	struct ms_db_result *r;
	const char *v;
	int rc;

	*out = NULL;
	rc = ms_db_query(db, sql, &r, err);
	if (rc)
		return rc;
	v = ms_db_result_get(r, 0, 0);
	if (v) {
		*out = malloc(ms_db_result_len(r, 0, 0) + 1);
		if (!*out) {
			ms_db_result_free(r);
			return MS_ERR(err, MS_ENOMEM, "out of memory");
		}
		memcpy(*out, v, ms_db_result_len(r, 0, 0) + 1);
	}
	ms_db_result_free(r);
	return 0;
}

size_t ms_db_result_nrows(const struct ms_db_result *r)
{
	return r ? r->nrows : 0;
}

size_t ms_db_result_ncols(const struct ms_db_result *r)
{
	return r ? r->ncols : 0;
}

int ms_db_result_col(const struct ms_db_result *r, const char *name)
{
	size_t i;

	if (!r || !name)
		return -1;
	for (i = 0; i < r->ncols; i++)
		if (strcasecmp(r->names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *ms_db_result_get(const struct ms_db_result *r, size_t row,
			     size_t col)
{
	size_t k;

	if (!r || row >= r->nrows || col >= r->ncols)
		return NULL;
	k = row * r->ncols + col;
	if (r->off[k] == SIZE_MAX)
		return NULL;
	return r->data.ptr + r->off[k];
}

size_t ms_db_result_len(const struct ms_db_result *r, size_t row, size_t col)
{
	if (!r || row >= r->nrows || col >= r->ncols)
		return 0;
	return r->len[row * r->ncols + col];
}

void ms_db_result_free(struct ms_db_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; r->names && i < r->ncols; i++)
		free(r->names[i]);
	free(r->names);
	ms_buf_free(&r->data);
	free(r->off);
	free(r->len);
	free(r);
}

static int db_quote_hex(struct ms_buf *out, const unsigned char *s, size_t len)
{
	int rc = ms_buf_addstr(out, "_utf8mb4 X'");

	if (rc == 0)
		rc = ms_buf_addhex(out, s, len);
	if (rc == 0)
		rc = ms_buf_addc(out, '\'');
	return rc;
}

int ms_db_add_literal(struct ms_db *db, struct ms_buf *out, const char *v)
{
	return v ? ms_db_quote_string(db, out, v, strlen(v))
		 : ms_buf_addstr(out, "NULL");
}

int ms_db_exec_built(struct ms_db *db, struct ms_buf *q, int build_rc,
		     const char *what, struct ms_err *err)
{
	int rc = build_rc ? MS_ERR(err, build_rc, "%s too long", what)
			  : ms_db_exec(db, ms_buf_str(q), err);

	ms_buf_free(q);
	return rc;
}

int ms_db_quote_string(struct ms_db *db, struct ms_buf *out, const char *s,
		       size_t len)
{
	unsigned long n;
	char *tmp;
	int rc;

	if (!db || !out || (!s && len))
		return MS_EINVAL;
	if (len > (SIZE_MAX - 1) / 2 || len > out->cap)
		return MS_ETOOLARGE;
	if ((db->my->server_status & SERVER_STATUS_NO_BACKSLASH_ESCAPES) &&
	    memchr(s, '\0', len))
		return db_quote_hex(out, (const unsigned char *)s, len);
	tmp = malloc(2 * len + 1);
	if (!tmp)
		return MS_ENOMEM;
	/* Escapes per the server status of the last reply: quotes doubled
	 * under NO_BACKSLASH_ESCAPES, backslash escapes otherwise. */
	n = mysql_real_escape_string(db->my, tmp, s ? s : "",
				     (unsigned long)len);
	if (n == (unsigned long)-1) {
		free(tmp);
		return MS_EINVAL;
	}
	rc = ms_buf_addc(out, '\'');
	if (rc == 0)
		rc = ms_buf_add(out, tmp, n);
	if (rc == 0)
		rc = ms_buf_addc(out, '\'');
	free(tmp);
	return rc;
}

int ms_db_create_control(struct ms_db *db, const char *cs,
			 const char *const *tables, struct ms_err *err)
{
	struct ms_buf q, name;
	size_t i;
	int rc;

	ms_buf_init(&name, 512);
	if (ms_quote_ident(&name, cs)) {
		ms_buf_free(&name);
		return MS_ERR(err, MS_ECONFIG, "bad control schema name '%s'",
			      cs);
	}
	ms_buf_init(&q, 4096);
	rc = ms_buf_addf(&q,
			 "CREATE DATABASE IF NOT EXISTS %s DEFAULT CHARACTER "
			 "SET utf8mb4 COLLATE utf8mb4_bin",
			 ms_buf_str(&name));
	rc = ms_db_exec_built(db, &q, rc, "control statement", err);
	for (i = 0; !rc && tables[i]; i++) {
		ms_buf_init(&q, 8192);
		rc = ms_buf_addf(&q, "CREATE TABLE IF NOT EXISTS %s.%s",
				 ms_buf_str(&name), tables[i]);
		rc = ms_db_exec_built(db, &q, rc, "control statement", err);
	}
	ms_buf_free(&name);
	return rc;
}

int ms_db_threads_running(struct ms_db *db, uint64_t *out, struct ms_err *err)
{
	struct ms_db_result *res = NULL;
	const char *v;
	int rc = ms_db_query(db, "SHOW GLOBAL STATUS LIKE 'Threads_running'",
			     &res, err);

	if (!rc && !(v = ms_db_result_get(res, 0, 1)))
		rc = MS_ERR(err, MS_ESQL, "%s: no Threads_running status",
			    ms_db_role(db));
	if (!rc)
		*out = strtoull(v, NULL, 10);
	ms_db_result_free(res);
	return rc;
}

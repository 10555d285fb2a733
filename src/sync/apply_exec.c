/* Running the batch's statements on the target: errors name the table, the
 * statement kind and the server's message (never row data), and a
 * statement the server only warned about is checked, because without
 * strict mode a value the target cannot hold is changed with a warning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/apply_int.h"

/* The column a "Data truncated for column 'c' at row N" names, in <out>. */
static bool truncated_column(const char *msg, char *out, size_t outlen)
{
	const char *s = strstr(msg, "for column '"), *e;
	size_t n;

	if (!s)
		return false;
	s += strlen("for column '");
	e = strstr(s, "' at row ");
	if (!e)
		return false;
	while (strstr(e + 1, "' at row "))
		e = strstr(e + 1, "' at row ");
	n = (size_t)(e - s);
	if (n >= outlen)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/* A MariaDB/MySQL ENUM index 0 (the '' a non-strict insert leaves) can only
 * be written with warning 1265 on that ENUM column; nothing else is
 * expected. */
static bool expected(const struct ap_stmt *s, const char *code, const char *msg)
{
	const struct ap_meta *m = s->t->priv;
	char col[256];
	size_t i;

	if (!s->enum_zero || !code || strcmp(code, "1265") != 0 || !msg ||
	    !truncated_column(msg, col, sizeof(col)))
		return false;
	for (i = 0; i < s->t->ncols; i++)
		if (m->cols[i].type == AP_C_ENUM &&
		    !strcmp(m->cols[i].name, col))
			return true;
	return false;
}

static int check_warnings(struct ms_db *db, const struct ap_stmt *s,
			  unsigned int count, struct ms_err *err)
{
	const struct ap_meta *m = s->t->priv;
	struct ms_db_result *r = NULL;
	size_t i, n;
	int rc = ms_db_query(db, "SHOW WARNINGS", &r, err);

	if (rc)
		return ms_err_prefix(err, "sync: %s %s: reading its warnings",
				     ap_kind_name(s->kind), m->qname);
	n = ms_db_result_nrows(r);
	for (i = 0; i < n; i++) {
		const char *level = ms_db_result_get(r, i, 0);
		const char *code = ms_db_result_get(r, i, 1);
		const char *msg = ms_db_result_get(r, i, 2);

		if (level && !strcmp(level, "Note"))
			continue;
		if (expected(s, code, msg))
			continue;
		rc = MS_ERR(err, MS_EUNSUPPORTED,
			    "sync: %s %s (%zu rows): the target did not take "
			    "a value as is: %s %s: %.200s",
			    ap_kind_name(s->kind), m->qname, s->rows,
			    level ? level : "?", code ? code : "?",
			    msg ? msg : "");
		break;
	}
	if (!rc && count > n && count > s->enum_zero)
		rc = MS_ERR(err, MS_EUNSUPPORTED,
			    "sync: %s %s (%zu rows): the target changed values "
			    "(%u warnings)",
			    ap_kind_name(s->kind), m->qname, s->rows, count);
	ms_db_result_free(r);
	return rc;
}

/* A syntax error quotes the statement from where parsing stopped: row
 * data, possibly secret. Keep the server's message up to there. */
static void withhold_text(struct ms_err *err)
{
	char *near;

	if (!err || err->sql_errno != 1064 ||
	    !(near = strstr(err->msg, " near '")))
		return;
	snprintf(near, sizeof(err->msg) - (size_t)(near - err->msg),
		 " (statement text withheld: it holds row data)");
}

static int exec_stmt(void *ctx, const struct ap_stmt *s, struct ms_err *err)
{
	struct ms_db *db = ctx;
	const struct ap_meta *m = s->t->priv;
	unsigned int w;
	int rc = ms_db_exec(db, s->sql, err);

	if (rc) {
		withhold_text(err);
		return ms_err_prefix(err, "sync: %s %s (%zu rows)",
				     ap_kind_name(s->kind), m->qname, s->rows);
	}
	w = ms_db_warning_count(db);
	return w ? check_warnings(db, s, w, err) : 0;
}

int ms_ap_batch_flush(struct ms_ap_batch *b, struct ms_db *tgt,
		      size_t max_stmt_bytes, uint64_t *statements,
		      struct ms_err *err)
{
	if (!tgt) {
		ms_ap_batch_reset(b);
		return MS_ERR(err, MS_EINVAL, "sync: no target connection");
	}
	return ap_batch_run(b, max_stmt_bytes, exec_stmt, tgt, statements, err);
}

/* Pull-style result streaming, LOAD DATA LOCAL fed from memory, and the
 * binlog position: see db.h. */
#include "db/db.h"

#include <mysql.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "db/db_int.h"

#define DB_FAIL(db, what, err)                                                 \
	ms_db_fail((db), (what), __FILE__, __LINE__, (err))

struct ms_db_stream {
	struct ms_db *db;
	MYSQL_RES *res;
	size_t ncols;
	size_t *lens; /* ncols */
};

int ms_db_stream_open(struct ms_db *db, const char *sql,
		      struct ms_db_stream **out, struct ms_err *err)
{
	struct ms_db_stream *s;

	*out = NULL;
	if (mysql_real_query(db->my, sql, strlen(sql)))
		return DB_FAIL(db, "query failed", err);
	s = calloc(1, sizeof(*s));
	if (!s)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	s->db = db;
	s->res = mysql_use_result(db->my);
	if (!s->res) {
		int rc = mysql_errno(db->my)
			     ? DB_FAIL(db, "query failed", err)
			     : MS_ERR(err, MS_EINVAL,
				      "%s: statement returned no result set",
				      db->role);
		free(s);
		return rc;
	}
	s->ncols = mysql_num_fields(s->res);
	s->lens = calloc(s->ncols ? s->ncols : 1, sizeof(*s->lens));
	if (!s->lens) {
		ms_db_stream_close(s);
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	*out = s;
	return 0;
}

int ms_db_stream_next(struct ms_db_stream *s, const char *const **vals,
		      const size_t **lens, struct ms_err *err)
{
	MYSQL_ROW row = mysql_fetch_row(s->res);
	unsigned long *l;
	size_t i;

	if (!row) {
		if (mysql_errno(s->db->my))
			return DB_FAIL(s->db, "reading result failed", err);
		return 0;
	}
	l = mysql_fetch_lengths(s->res);
	for (i = 0; i < s->ncols; i++)
		s->lens[i] = l[i];
	*vals = (const char *const *)row;
	*lens = s->lens;
	return 1;
}

size_t ms_db_stream_ncols(const struct ms_db_stream *s)
{
	return s->ncols;
}

void ms_db_stream_close(struct ms_db_stream *s)
{
	if (!s)
		return;
	if (s->res)
		mysql_free_result(s->res);
	free(s->lens);
	free(s);
}

/* State shared with the connector's local-infile callbacks. */
struct db_infile {
	ms_db_infile_fn fn;
	void *ctx;
	struct ms_err err; /* the producer's failure, if any */
	int rc;
};

static int db_infile_init(void **ptr, const char *filename, void *userdata)
{
	(void)filename; /* never opened: the data comes from the producer */
	*ptr = userdata;
	return 0;
}

static int db_infile_read(void *ptr, char *buf, unsigned int size)
{
	struct db_infile *in = ptr;
	size_t len = 0;

	if (in->rc)
		return -1;
	in->rc = in->fn(in->ctx, buf, size, &len, &in->err);
	if (in->rc)
		return -1;
	return (int)len;
}

static void db_infile_end(void *ptr)
{
	(void)ptr;
}

static int db_infile_error(void *ptr, char *msg, unsigned int size)
{
	struct db_infile *in = ptr;

	snprintf(msg, size, "%s",
		 in->rc ? in->err.msg : "local infile producer failed");
	return 2000; /* CR_UNKNOWN_ERROR */
}

/* Between loads a LOCAL request (a hostile or confused server can send one
 * after any statement) gets no file: only ms_db_load_local feeds data. */
static int db_refuse_init(void **ptr, const char *filename, void *userdata)
{
	(void)filename;
	(void)userdata;
	*ptr = NULL;
	return 1;
}

static int db_refuse_read(void *ptr, char *buf, unsigned int size)
{
	(void)ptr;
	(void)buf;
	(void)size;
	return -1;
}

static int db_refuse_error(void *ptr, char *msg, unsigned int size)
{
	(void)ptr;
	snprintf(msg, size, "myshift sends no local file outside its loads");
	return 2000; /* CR_UNKNOWN_ERROR */
}

void ms_db_refuse_local_files(struct ms_db *db)
{
	mysql_set_local_infile_handler(db->my, db_refuse_init, db_refuse_read,
				       db_infile_end, db_refuse_error, NULL);
}

int ms_db_load_local(struct ms_db *db, const char *sql, ms_db_infile_fn fn,
		     void *ctx, uint64_t *affected, unsigned int *warnings,
		     struct ms_err *err)
{
	struct db_infile in = {.fn = fn, .ctx = ctx};
	int rc;

	ms_err_clear(&in.err);
	mysql_set_local_infile_handler(db->my, db_infile_init, db_infile_read,
				       db_infile_end, db_infile_error, &in);
	rc = mysql_real_query(db->my, sql, strlen(sql));
	ms_db_refuse_local_files(db);
	if (in.rc) {
		/* The server saw an aborted transfer; our message says why. */
		if (err)
			*err = in.err;
		return in.rc;
	}
	if (rc)
		return DB_FAIL(db, "LOAD DATA failed", err);
	if (affected)
		*affected = mysql_affected_rows(db->my);
	if (warnings)
		*warnings = mysql_warning_count(db->my);
	return 0;
}

uint64_t ms_db_affected_rows(const struct ms_db *db)
{
	return mysql_affected_rows(db->my);
}

unsigned int ms_db_warning_count(const struct ms_db *db)
{
	return mysql_warning_count(db->my);
}

void ms_binlog_pos_free(struct ms_binlog_pos *p)
{
	if (!p)
		return;
	free(p->gtid);
	p->gtid = NULL;
}

/* A denied SHOW MASTER STATUS names the privilege it needs. */
static int db_pos_denied(struct ms_db *db, struct ms_err *err)
{
	const char *priv = db->mariadb && db->version_num >= 100502
			       ? "BINLOG MONITOR"
			       : "REPLICATION CLIENT";

	return ms_err_prefix(err,
			     "%s user lacks the %s privilege needed to read "
			     "the binlog position (GRANT %s ON *.* TO ...)",
			     db->role, priv, priv);
}

static int db_pos_gtid_mariadb(struct ms_db *db, struct ms_binlog_pos *out,
			       struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 4096);
	rc = ms_buf_addstr(&q, "SELECT BINLOG_GTID_POS(");
	if (!rc)
		rc = ms_db_quote_string(db, &q, out->file, strlen(out->file));
	if (!rc)
		rc = ms_buf_addf(&q, ", %" PRIu64 ")", out->pos);
	if (!rc)
		rc = ms_db_query_value(db, ms_buf_str(&q), &out->gtid, err);
	ms_buf_free(&q);
	return rc;
}

static void drop_newlines(char *s)
{
	char *w = s;

	for (; *s; s++)
		if (*s != '\n' && *s != '\r')
			*w++ = *s;
	*w = '\0';
}

/* SHOW MASTER STATUS (SHOW BINARY LOG STATUS on MySQL 8.4+): its one
 * row in *<r>, the file and position in <file>/<pos> (borrowed from it). */
static int show_binlog_status(struct ms_db *db, struct ms_db_result **r,
			      const char **file, const char **pos,
			      struct ms_err *err)
{
	bool new_syntax = !db->mariadb && db->version_num >= 80400;
	int rc;

	*r = NULL;
	rc = ms_db_query(
	    db, new_syntax ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS", r,
	    err);
	if (rc == MS_ESQL && err &&
	    (err->sql_errno == 1227 || err->sql_errno == 1142))
		return db_pos_denied(db, err);
	if (rc)
		return rc;
	*file = ms_db_result_get(*r, 0, 0);
	*pos = ms_db_result_get(*r, 0, 1);
	if (ms_db_result_nrows(*r) == 0 || !*file || !*pos) {
		ms_db_result_free(*r);
		*r = NULL;
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "%s: the binary log is off (log_bin=OFF): sync "
			      "needs it, start the server with log-bin",
			      db->role);
	}
	return 0;
}

int ms_db_binlog_end(struct ms_db *db, char *file, size_t file_len,
		     uint64_t *pos, struct ms_err *err)
{
	struct ms_db_result *r;
	const char *f, *p;
	int rc = show_binlog_status(db, &r, &f, &p, err);

	if (rc)
		return rc;
	snprintf(file, file_len, "%s", f);
	*pos = strtoull(p, NULL, 10);
	ms_db_result_free(r);
	return 0;
}

int ms_db_binlog_position(struct ms_db *db, struct ms_binlog_pos *out,
			  struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	const char *file, *pos, *gtid;
	int rc, c;

	rc = show_binlog_status(db, &r, &file, &pos, err);
	if (rc)
		return rc;
	snprintf(out->file, sizeof(out->file), "%s", file);
	out->pos = strtoull(pos, NULL, 10);
	c = ms_db_result_col(r, "Executed_Gtid_Set");
	gtid = c >= 0 ? ms_db_result_get(r, 0, (size_t)c) : NULL;
	if (!db->mariadb) {
		out->gtid = strdup(gtid ? gtid : "");
		rc = out->gtid ? 0 : MS_ERR(err, MS_ENOMEM, "out of memory");
		if (!rc) /* MySQL breaks long sets with newlines */
			drop_newlines(out->gtid);
	}
	ms_db_result_free(r);
	if (!rc && db->mariadb)
		rc = db_pos_gtid_mariadb(db, out, err);
	if (!rc && !out->gtid && !(out->gtid = strdup("")))
		rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	if (rc)
		ms_binlog_pos_free(out);
	return rc;
}

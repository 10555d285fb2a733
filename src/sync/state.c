/* The sync control row, <cs>.sync_state on the apply side: one row per
 * direction holding the checkpoint (written in the same target transaction
 * as the data it covers), the DDL in flight, the apply side's own binlog
 * position (where a reverse sync starts), and the live figures `myshift
 * status` reads. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/quote.h"
#include "sync/sync_int.h"

static const char sync_state_ddl[] =
    "`sync_state` ("
    " direction VARCHAR(16) NOT NULL PRIMARY KEY,"
    " server_id INT UNSIGNED NOT NULL,"
    " file VARCHAR(255) NOT NULL,"
    " pos BIGINT UNSIGNED NOT NULL,"
    " gtid LONGTEXT NOT NULL,"
    " event_time BIGINT UNSIGNED NULL,"
    " transactions BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " changes BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " groups_applied BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " ddl_pending_file VARCHAR(255) NULL,"
    " ddl_pending_pos BIGINT UNSIGNED NULL,"
    " peer_file VARCHAR(255) NULL,"
    " peer_pos BIGINT UNSIGNED NULL,"
    " peer_gtid LONGTEXT NULL,"
    " end_file VARCHAR(255) NULL,"
    " end_pos BIGINT UNSIGNED NULL,"
    " running TINYINT NOT NULL DEFAULT 0,"
    " lag_seconds DOUBLE NULL,"
    " events_per_second DOUBLE NULL,"
    " last_error TEXT NULL,"
    " checkpoint_at DATETIME(6) NULL,"
    " progress_at DATETIME(6) NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

const char *sy_direction(bool reverse)
{
	return reverse ? "reverse" : "forward";
}

/* "UPDATE `cs`.`sync_state` SET " */
static int update_head(struct ms_buf *q, const char *cs)
{
	int rc = ms_buf_addstr(q, "UPDATE ");

	rc = rc ? rc : ms_quote_ident(q, cs);
	return rc ? rc : ms_buf_addstr(q, ".`sync_state` SET ");
}

static int where_dir(struct ms_buf *q, const char *direction)
{
	return ms_buf_addf(q, " WHERE direction = '%s'", direction);
}

int ms_sync_control_create(struct ms_db *db, const char *cs, struct ms_err *err)
{
	const char *const tables[] = {sync_state_ddl, sy_requests_ddl, NULL};

	return ms_db_create_control(db, cs, tables, err)
		   ? ms_err_prefix(
			 err, "creating %s.sync_state and sync_requests", cs)
		   : 0;
}

void sy_state_free(struct sy_state *s)
{
	free(s->gtid);
	free(s->peer_gtid);
	memset(s, 0, sizeof(*s));
}

static void copy_str(char *dst, size_t cap, const char *v)
{
	snprintf(dst, cap, "%s", v ? v : "");
}

int sy_state_read(struct ms_db *db, const char *cs, const char *direction,
		  struct sy_state *out, struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	struct ms_buf q;
	int rc;

	memset(out, 0, sizeof(*out));
	ms_buf_init(&q, 512);
	rc = ms_buf_addstr(&q, "SELECT server_id, file, pos, gtid, "
			       "ddl_pending_file, ddl_pending_pos, peer_file, "
			       "peer_pos, peer_gtid FROM ");
	rc = rc ? rc : ms_quote_ident(&q, cs);
	rc = rc ? rc : ms_buf_addstr(&q, ".`sync_state`");
	rc = rc ? rc : where_dir(&q, direction);
	rc = rc ? MS_ERR(err, rc, "control statement too long")
		: ms_db_query(db, ms_buf_str(&q), &r, err);
	ms_buf_free(&q);
	if (rc)
		return rc;
	if (ms_db_result_nrows(r) == 1) {
		const char *v;

		out->exists = true;
		out->server_id =
		    (uint32_t)strtoul(ms_db_result_get(r, 0, 0), NULL, 10);
		copy_str(out->file, sizeof(out->file),
			 ms_db_result_get(r, 0, 1));
		out->pos = strtoull(ms_db_result_get(r, 0, 2), NULL, 10);
		v = ms_db_result_get(r, 0, 3);
		out->gtid = strdup(v ? v : "");
		if ((v = ms_db_result_get(r, 0, 4))) {
			out->has_ddl_pending = true;
			copy_str(out->ddl_pending_file,
				 sizeof(out->ddl_pending_file), v);
			v = ms_db_result_get(r, 0, 5);
			out->ddl_pending_pos = v ? strtoull(v, NULL, 10) : 0;
		}
		if ((v = ms_db_result_get(r, 0, 6))) {
			out->has_peer = true;
			copy_str(out->peer_file, sizeof(out->peer_file), v);
			v = ms_db_result_get(r, 0, 7);
			out->peer_pos = v ? strtoull(v, NULL, 10) : 0;
			v = ms_db_result_get(r, 0, 8);
			out->peer_gtid = strdup(v ? v : "");
			if (!out->peer_gtid)
				rc = MS_ERR(err, MS_ENOMEM, "out of memory");
		}
		if (!out->gtid)
			rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	ms_db_result_free(r);
	return rc;
}

int sy_state_insert(struct ms_db *db, const char *cs, const char *direction,
		    uint32_t server_id, const char *file, uint64_t pos,
		    const char *gtid, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 1024);
	rc = ms_buf_addstr(&q, "INSERT INTO ");
	rc = rc ? rc : ms_quote_ident(&q, cs);
	rc =
	    rc ? rc
	       : ms_buf_addf(&q,
			     ".`sync_state` (direction, server_id, file, pos, "
			     "gtid, checkpoint_at) VALUES ('%s', %" PRIu32 ", ",
			     direction, server_id);
	rc = rc ? rc : ms_db_add_literal(db, &q, file);
	rc = rc ? rc : ms_buf_addf(&q, ", %" PRIu64 ", ", pos);
	rc = rc ? rc : ms_db_add_literal(db, &q, gtid ? gtid : "");
	rc = rc ? rc : ms_buf_addstr(&q, ", UTC_TIMESTAMP(6))");
	rc = ms_db_exec_built(db, &q, rc, "control statement", err);
	return rc ? rc : ms_db_exec(db, "COMMIT", err);
}

int sy_state_checkpoint_sql(struct ms_db *db, struct ms_buf *q, const char *cs,
			    const char *direction, const char *file,
			    uint64_t pos, const char *gtid, uint32_t event_time,
			    uint64_t txns, uint64_t changes,
			    bool clear_ddl_pending)
{
	int rc = update_head(q, cs);

	rc = rc ? rc : ms_buf_addstr(q, "file = ");
	rc = rc ? rc : ms_db_add_literal(db, q, file);
	rc = rc ? rc : ms_buf_addf(q, ", pos = %" PRIu64 ", gtid = ", pos);
	rc = rc ? rc : ms_db_add_literal(db, q, gtid ? gtid : "");
	if (!rc && event_time)
		rc = ms_buf_addf(q, ", event_time = %" PRIu32, event_time);
	rc = rc ? rc
		: ms_buf_addf(q,
			      ", transactions = transactions + %" PRIu64
			      ", changes = changes + %" PRIu64
			      ", groups_applied = groups_applied + 1, "
			      "checkpoint_at = UTC_TIMESTAMP(6)",
			      txns, changes);
	if (!rc && clear_ddl_pending)
		rc = ms_buf_addstr(
		    q, ", ddl_pending_file = NULL, ddl_pending_pos = NULL");
	return rc ? rc : where_dir(q, direction);
}

int sy_state_set_ddl_pending(struct ms_db *db, const char *cs,
			     const char *direction, const char *file,
			     uint64_t pos, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 512);
	rc = update_head(&q, cs);
	rc = rc ? rc : ms_buf_addstr(&q, "ddl_pending_file = ");
	rc = rc ? rc : ms_db_add_literal(db, &q, file);
	rc = rc ? rc : ms_buf_addf(&q, ", ddl_pending_pos = %" PRIu64, pos);
	rc = rc ? rc : where_dir(&q, direction);
	rc = ms_db_exec_built(db, &q, rc, "control statement", err);
	return rc ? rc : ms_db_exec(db, "COMMIT", err);
}

int sy_state_set_peer(struct ms_db *db, const char *cs, const char *direction,
		      bool only_if_unset, struct ms_err *err)
{
	struct ms_binlog_pos p;
	struct ms_buf q;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = ms_db_binlog_position(db, &p, err);
	if (rc == MS_EUNSUPPORTED) { /* no binlog: nothing to record */
		ms_err_clear(err);
		return 0;
	}
	if (rc)
		return rc;
	ms_buf_init(&q, 1024);
	rc = update_head(&q, cs);
	rc = rc ? rc : ms_buf_addstr(&q, "peer_file = ");
	rc = rc ? rc : ms_db_add_literal(db, &q, p.file);
	rc = rc ? rc
		: ms_buf_addf(&q,
			      ", peer_pos = %" PRIu64 ", peer_gtid = ", p.pos);
	rc = rc ? rc : ms_db_add_literal(db, &q, p.gtid ? p.gtid : "");
	rc = rc ? rc : where_dir(&q, direction);
	if (!rc && only_if_unset)
		rc = ms_buf_addstr(&q, " AND peer_file IS NULL");
	ms_binlog_pos_free(&p);
	rc = ms_db_exec_built(db, &q, rc, "control statement", err);
	return rc ? rc : ms_db_exec(db, "COMMIT", err);
}

int sy_state_progress(struct ms_db *db, const char *cs, const char *direction,
		      bool running, double lag, double eps,
		      const char *end_file, uint64_t end_pos,
		      const char *last_error, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 1024);
	rc = update_head(&q, cs);
	rc = rc ? rc
		: ms_buf_addf(&q,
			      "running = %d, lag_seconds = %.3f, "
			      "events_per_second = %.1f, progress_at = "
			      "UTC_TIMESTAMP(6), last_error = ",
			      running ? 1 : 0, lag, eps);
	rc = rc ? rc : ms_db_add_literal(db, &q, last_error);
	if (!rc && end_file && *end_file) {
		rc = ms_buf_addstr(&q, ", end_file = ");
		rc = rc ? rc : ms_db_add_literal(db, &q, end_file);
		rc = rc ? rc : ms_buf_addf(&q, ", end_pos = %" PRIu64, end_pos);
	}
	rc = rc ? rc : where_dir(&q, direction);
	rc = ms_db_exec_built(db, &q, rc, "control statement", err);
	return rc ? rc : ms_db_exec(db, "COMMIT", err);
}

/* Binlog file names end in a sequence number (".000123"); compare that
 * numerically so a server past .999999 still orders right. */
static unsigned long long file_seq(const char *f, size_t *stem)
{
	const char *dot = strrchr(f, '.');

	*stem = dot ? (size_t)(dot - f) : strlen(f);
	return dot ? strtoull(dot + 1, NULL, 10) : 0;
}

int sy_pos_cmp(const char *fa, uint64_t pa, const char *fb, uint64_t pb)
{
	size_t sa, sb;
	unsigned long long na = file_seq(fa, &sa), nb = file_seq(fb, &sb);
	int c = sa == sb ? memcmp(fa, fb, sa) : strcmp(fa, fb);

	if (c)
		return c < 0 ? -1 : 1;
	if (na != nb)
		return na < nb ? -1 : 1;
	return pa < pb ? -1 : pa > pb;
}

int ms_sync_pos_cmp(const char *file_a, uint64_t pos_a, const char *file_b,
		    uint64_t pos_b)
{
	return sy_pos_cmp(file_a, pos_a, file_b, pos_b);
}

int ms_sync_read_progress(struct ms_db *db, const char *cs, bool reverse,
			  double stale_s, struct ms_sync_progress *out,
			  struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	struct ms_buf q;
	const char *v;
	int rc;

	memset(out, 0, sizeof(*out));
	out->progress_age = -1;
	ms_buf_init(&q, 512);
	rc = ms_buf_addstr(&q, "SELECT file, pos, running, "
			       "TIMESTAMPDIFF(MICROSECOND, progress_at, "
			       "UTC_TIMESTAMP(6)) / 1e6, lag_seconds FROM ");
	rc = rc ? rc : ms_quote_ident(&q, cs);
	rc = rc ? rc : ms_buf_addstr(&q, ".`sync_state`");
	rc = rc ? rc : where_dir(&q, sy_direction(reverse));
	rc = rc ? MS_ERR(err, rc, "control statement too long")
		: ms_db_query(db, ms_buf_str(&q), &r, err);
	ms_buf_free(&q);
	if (rc == MS_ESQL && err &&
	    (err->sql_errno == 1146 || err->sql_errno == 1049)) {
		ms_err_clear(err);
		return 0; /* no control schema or no sync_state yet */
	}
	if (rc)
		return rc;
	if (ms_db_result_nrows(r) == 1) {
		out->exists = true;
		copy_str(out->file, sizeof(out->file),
			 ms_db_result_get(r, 0, 0));
		out->pos = strtoull(ms_db_result_get(r, 0, 1), NULL, 10);
		if ((v = ms_db_result_get(r, 0, 3)))
			out->progress_age = strtod(v, NULL);
		v = ms_db_result_get(r, 0, 2);
		out->running = v && !strcmp(v, "1") && out->progress_age >= 0 &&
			       out->progress_age <= stale_s;
		v = ms_db_result_get(r, 0, 4);
		out->lag_seconds = v ? strtod(v, NULL) : 0;
	}
	ms_db_result_free(r);
	return 0;
}

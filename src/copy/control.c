/* The copy's state in the target's control schema: the start position,
 * one row per table, one row per segment with its cursor. A chunk's rows
 * and its segment's new cursor commit in one transaction, which is what
 * makes a killed copy resume with no gap and no duplicate. See
 * docs/copy.md ("Resuming"). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "copy/copy_int.h"
#include "core/log.h"
#include "db/quote.h"

#define CP_SQL_MAX ((size_t)1 << 30)

/* Each is appended to "CREATE TABLE IF NOT EXISTS `schema`.". */
static const char *const cp_control_ddl[] = {
    "`copy_state` ("
    " id TINYINT UNSIGNED NOT NULL PRIMARY KEY,"
    " source VARCHAR(600) NOT NULL,"
    " start_file VARCHAR(255) NOT NULL,"
    " start_pos BIGINT UNSIGNED NOT NULL,"
    " start_gtid LONGTEXT NOT NULL,"
    " started_at DATETIME(6) NOT NULL,"
    " finished_at DATETIME(6) NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    "`copy_tables` ("
    " source_schema VARCHAR(64) NOT NULL,"
    " source_table VARCHAR(64) NOT NULL,"
    " target_schema VARCHAR(64) NOT NULL,"
    " target_table VARCHAR(64) NOT NULL,"
    " state ENUM('pending','copying','copied','done','skipped') NOT NULL,"
    " chunk_key TEXT NULL,"
    " rows_estimate BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " started_at DATETIME(6) NULL,"
    " finished_at DATETIME(6) NULL,"
    " PRIMARY KEY (source_schema, source_table)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    "`copy_segments` ("
    " source_schema VARCHAR(64) NOT NULL,"
    " source_table VARCHAR(64) NOT NULL,"
    " seq BIGINT UNSIGNED NOT NULL,"
    " lo_key LONGTEXT NULL,"
    " hi_key LONGTEXT NULL,"
    " cursor_key LONGTEXT NULL,"
    " done TINYINT NOT NULL DEFAULT 0,"
    " rows_copied BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " bytes_copied BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " updated_at DATETIME(6) NOT NULL,"
    " PRIMARY KEY (source_schema, source_table, seq)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    NULL};

static const char *const cp_state_names[] = {"pending", "copying", "copied",
					     "done", "skipped"};

const char *cp_state_name(enum cp_state st)
{
	return cp_state_names[st];
}

static enum cp_state state_parse(const char *s)
{
	size_t i;

	for (i = 0; s && i < 5; i++)
		if (!strcmp(s, cp_state_names[i]))
			return (enum cp_state)i;
	return CP_T_PENDING;
}

/* Appends 'value' or NULL. */
#define add_lit ms_db_add_literal

static int exec_buf(struct ms_db *db, struct ms_buf *q, int rc,
		    struct ms_err *err)
{
	return ms_db_exec_built(db, q, rc, "control schema statement", err);
}

int cp_control_init(struct ms_db *tgt, const char *cs, struct ms_err *err)
{
	return ms_db_create_control(tgt, cs, cp_control_ddl, err)
		   ? ms_err_prefix(err, "creating the control schema `%s`", cs)
		   : 0;
}

static int start_fresh(struct cp_run *r, struct ms_db *src, struct ms_db *tgt,
		       const char *who, struct ms_err *err)
{
	struct ms_buf q;
	int rc = ms_db_binlog_position(src, &r->start, err);

	if (rc)
		return rc;
	ms_buf_init(&q, CP_SQL_MAX);
	rc = ms_buf_addf(&q, "INSERT INTO `%s`.`copy_state` VALUES (1, ",
			 r->o->control_schema);
	rc = rc ? rc : add_lit(tgt, &q, who);
	rc = rc ? rc : ms_buf_addc(&q, ',');
	rc = rc ? rc : add_lit(tgt, &q, r->start.file);
	rc = rc ? rc : ms_buf_addf(&q, ", %" PRIu64 ", ", r->start.pos);
	rc = rc ? rc : add_lit(tgt, &q, r->start.gtid);
	rc = rc ? rc : ms_buf_addstr(&q, ", UTC_TIMESTAMP(6), NULL)");
	return exec_buf(tgt, &q, rc, err);
}

/* Reads or records the start position. A recorded one is kept: it is
 * earlier than every chunk read since, which is all correctness needs. */
int cp_control_start(struct cp_run *r, struct ms_db *src, struct ms_db *tgt,
		     struct ms_err *err)
{
	struct ms_db_result *res = NULL;
	struct ms_buf q, who;
	const char *file, *pos, *gtid, *was;
	int rc;

	ms_buf_init(&who, 1024);
	ms_buf_init(&q, 4096);
	rc = ms_buf_addf(&who, "%s:%u", r->o->source->host, r->o->source->port);
	rc = rc ? rc
		: ms_buf_addf(&q,
			      "SELECT source, start_file, start_pos, "
			      "start_gtid FROM `%s`.`copy_state` WHERE id = 1",
			      r->o->control_schema);
	rc = rc ? MS_ERR(err, rc, "out of memory")
		: ms_db_query(tgt, ms_buf_str(&q), &res, err);
	ms_buf_free(&q);
	if (!rc && ms_db_result_nrows(res) == 0)
		rc = start_fresh(r, src, tgt, ms_buf_str(&who), err);
	else if (!rc) {
		was = ms_db_result_get(res, 0, 0);
		file = ms_db_result_get(res, 0, 1);
		pos = ms_db_result_get(res, 0, 2);
		gtid = ms_db_result_get(res, 0, 3);
		if (was && strcmp(was, ms_buf_str(&who)))
			MS_LOG_WARN(CP_COMPONENT,
				    "event=resume_other_source recorded=%s "
				    "now=%s",
				    was, ms_buf_str(&who));
		snprintf(r->start.file, sizeof(r->start.file), "%s",
			 file ? file : "");
		r->start.pos = pos ? strtoull(pos, NULL, 10) : 0;
		r->start.gtid = strdup(gtid ? gtid : "");
		if (!r->start.gtid)
			rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	ms_db_result_free(res);
	ms_buf_free(&who);
	return rc;
}

/* Appends a recorded segment to its table (rows in seq order). */
static int load_segment(struct cp_table *t, const struct ms_db_result *res,
			size_t i)
{
	struct cp_segment *s = calloc(1, sizeof(*s));
	const char *lo = ms_db_result_get(res, i, 3);
	const char *hi = ms_db_result_get(res, i, 4);
	const char *cur = ms_db_result_get(res, i, 5);
	const char *done = ms_db_result_get(res, i, 6);

	if (!s)
		return MS_ENOMEM;
	s->t = t;
	s->seq = strtoull(ms_db_result_get(res, i, 2), NULL, 10);
	s->lo = lo ? strdup(lo) : NULL;
	s->hi = hi ? strdup(hi) : NULL;
	s->cursor = cur ? strdup(cur) : NULL;
	s->done = done && strcmp(done, "0");
	cp_segment_append(t, s);
	t->next_seq = s->seq + 1;
	free(t->planned_hi);
	t->planned_hi = s->hi ? strdup(s->hi) : NULL;
	t->plan_done = s->hi == NULL;
	t->rows_done += strtoull(ms_db_result_get(res, i, 7), NULL, 10);
	t->bytes_done += strtoull(ms_db_result_get(res, i, 8), NULL, 10);
	if ((lo && !s->lo) || (hi && !s->hi) || (cur && !s->cursor) ||
	    (s->hi && !t->planned_hi))
		return MS_ENOMEM;
	return 0;
}

int cp_control_load_tables(struct cp_run *r, struct ms_db *tgt,
			   struct ms_err *err)
{
	struct ms_db_result *res = NULL;
	struct ms_buf q;
	struct cp_table *t;
	size_t i;
	int rc;

	ms_buf_init(&q, 4096);
	rc = ms_buf_addf(&q,
			 "SELECT source_schema, source_table, state FROM "
			 "`%s`.`copy_tables`",
			 r->o->control_schema);
	rc = rc ? rc : ms_db_query(tgt, ms_buf_str(&q), &res, err);
	for (i = 0; !rc && i < ms_db_result_nrows(res); i++) {
		t = cp_find_source(r, ms_db_result_get(res, i, 0),
				   ms_db_result_get(res, i, 1));
		if (!t)
			continue; /* no longer selected */
		t->recorded = true;
		t->state = state_parse(ms_db_result_get(res, i, 2));
	}
	ms_db_result_free(res);
	res = NULL;
	ms_buf_reset(&q);
	rc =
	    rc ? rc
	       : ms_buf_addf(&q,
			     "SELECT source_schema, source_table, seq, lo_key, "
			     "hi_key, cursor_key, done, rows_copied, "
			     "bytes_copied FROM `%s`.`copy_segments` ORDER BY "
			     "source_schema, source_table, seq",
			     r->o->control_schema);
	rc = rc ? rc : ms_db_query(tgt, ms_buf_str(&q), &res, err);
	for (i = 0; !rc && i < ms_db_result_nrows(res); i++) {
		t = cp_find_source(r, ms_db_result_get(res, i, 0),
				   ms_db_result_get(res, i, 1));
		if (t && t->recorded && load_segment(t, res, i))
			rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	ms_db_result_free(res);
	ms_buf_free(&q);
	return rc;
}

static int add_names(struct ms_db *tgt, struct ms_buf *q,
		     const struct cp_table *t)
{
	int rc = add_lit(tgt, q, t->src->schema);

	rc = rc ? rc : ms_buf_addc(q, ',');
	return rc ? rc : add_lit(tgt, q, t->src->name);
}

int cp_control_table_state(struct cp_run *r, struct ms_db *tgt,
			   struct cp_table *t, enum cp_state st,
			   struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, CP_SQL_MAX);
	rc = ms_buf_addf(&q,
			 "INSERT INTO `%s`.`copy_tables` (source_schema, "
			 "source_table, target_schema, target_table, state, "
			 "chunk_key, rows_estimate, started_at) VALUES (",
			 r->o->control_schema);
	rc = rc ? rc : add_names(tgt, &q, t);
	rc = rc ? rc : ms_buf_addc(&q, ',');
	rc = rc ? rc : add_lit(tgt, &q, t->tschema);
	rc = rc ? rc : ms_buf_addc(&q, ',');
	rc = rc ? rc : add_lit(tgt, &q, t->ttable);
	rc = rc ? rc : ms_buf_addf(&q, ", '%s', ", cp_state_name(st));
	rc = rc ? rc
		: add_lit(tgt, &q,
			  t->key.n ? ms_table_chunk_key(t->src)->name : NULL);
	rc = rc ? rc
		: ms_buf_addf(&q,
			      ", %" PRIu64 ", UTC_TIMESTAMP(6)) ON DUPLICATE "
			      "KEY UPDATE state = VALUES(state)%s",
			      t->rows_estimate,
			      st == CP_T_DONE || st == CP_T_SKIPPED
				  ? ", finished_at = UTC_TIMESTAMP(6)"
				  : "");
	rc = exec_buf(tgt, &q, rc, err);
	if (!rc) {
		t->state = st;
		t->recorded = true;
	}
	return rc;
}

int cp_control_table_reset(struct cp_run *r, struct ms_db *tgt,
			   const struct cp_table *t, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, CP_SQL_MAX);
	rc = ms_buf_addf(&q,
			 "DELETE FROM `%s`.`copy_segments` WHERE "
			 "(source_schema, source_table) = (",
			 r->o->control_schema);
	rc = rc ? rc : add_names(tgt, &q, t);
	rc = rc ? rc : ms_buf_addc(&q, ')');
	return exec_buf(tgt, &q, rc, err);
}

int cp_control_segment_add(struct cp_run *r, struct ms_db *tgt,
			   const struct cp_segment *s, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, CP_SQL_MAX);
	rc = ms_buf_addf(&q,
			 "INSERT INTO `%s`.`copy_segments` (source_schema, "
			 "source_table, seq, lo_key, hi_key, updated_at) "
			 "VALUES (",
			 r->o->control_schema);
	rc = rc ? rc : add_names(tgt, &q, s->t);
	rc = rc ? rc : ms_buf_addf(&q, ", %" PRIu64 ", ", s->seq);
	rc = rc ? rc : add_lit(tgt, &q, s->lo);
	rc = rc ? rc : ms_buf_addc(&q, ',');
	rc = rc ? rc : add_lit(tgt, &q, s->hi);
	rc = rc ? rc : ms_buf_addstr(&q, ", UTC_TIMESTAMP(6))");
	return exec_buf(tgt, &q, rc, err);
}

/* Called inside the chunk's target transaction: <s> carries the new
 * cursor and done flag. */
int cp_control_segment_progress(struct cp_run *r, struct ms_db *tgt,
				const struct cp_segment *s, uint64_t rows,
				uint64_t bytes, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, CP_SQL_MAX);
	rc = ms_buf_addf(&q, "UPDATE `%s`.`copy_segments` SET cursor_key = ",
			 r->o->control_schema);
	rc = rc ? rc : add_lit(tgt, &q, s->cursor);
	rc = rc ? rc
		: ms_buf_addf(&q,
			      ", done = %d, rows_copied = rows_copied + "
			      "%" PRIu64 ", bytes_copied = bytes_copied + "
			      "%" PRIu64 ", updated_at = UTC_TIMESTAMP(6) "
			      "WHERE (source_schema, source_table, seq) = (",
			      s->done ? 1 : 0, rows, bytes);
	rc = rc ? rc : add_names(tgt, &q, s->t);
	rc = rc ? rc : ms_buf_addf(&q, ", %" PRIu64 ")", s->seq);
	return exec_buf(tgt, &q, rc, err);
}

int cp_control_finish(struct cp_run *r, struct ms_db *tgt, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 4096);
	rc = ms_buf_addf(&q,
			 "UPDATE `%s`.`copy_state` SET finished_at = "
			 "UTC_TIMESTAMP(6) WHERE id = 1",
			 r->o->control_schema);
	return exec_buf(tgt, &q, rc, err);
}

/* The control tables of verify, on the target: one row per run, per table
 * pair, per chunk (all of them, batched per worker) and per difference;
 * verify_repairs is written by repair. They live in the control schema,
 * so sync never replays them. See verify_int.h and docs/verify.md. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db/quote.h"
#include "verify/engine.h"

#define VF_SQL_MAX  ((size_t)256 << 20)
#define VF_ROWS_PER ((size_t)500) /* rows per multi-row statement */

/* Each is appended to "CREATE TABLE IF NOT EXISTS `schema`.". */
static const char *const vf_control_ddl[] = {
    "`verify_runs` ("
    " run_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " started_at DATETIME(6) NOT NULL,"
    " finished_at DATETIME(6) NULL,"
    " direction VARCHAR(8) NOT NULL," /* forward | reverse */
    " status VARCHAR(16) NOT NULL,"   /* running | clean | differences |
					 failed | interrupted */
    " hash VARCHAR(8) NOT NULL,"
    " threads INT UNSIGNED NOT NULL,"
    " tables BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " keyless_tables BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " chunks BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " rows_checked BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " rechecks BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " mismatched_chunks BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " missing_on_target BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " extra_on_target BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " different BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " schema_differences BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " repaired BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " repair_done TINYINT NOT NULL DEFAULT 0,"
    " after_mismatched_chunks BIGINT UNSIGNED NULL,"
    " after_missing_on_target BIGINT UNSIGNED NULL,"
    " after_extra_on_target BIGINT UNSIGNED NULL,"
    " after_different BIGINT UNSIGNED NULL,"
    " warnings BIGINT UNSIGNED NOT NULL DEFAULT 0,"
    " seconds DOUBLE NULL,"
    " error TEXT NULL"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    "`verify_tables` ("
    " run_id BIGINT UNSIGNED NOT NULL,"
    " source_table VARCHAR(300) NOT NULL,"
    " target_table VARCHAR(300) NOT NULL,"
    " chunks BIGINT UNSIGNED NOT NULL,"
    " rows_checked BIGINT UNSIGNED NOT NULL,"
    " mismatched_chunks BIGINT UNSIGNED NOT NULL,"
    " missing_on_target BIGINT UNSIGNED NOT NULL,"
    " extra_on_target BIGINT UNSIGNED NOT NULL,"
    " different BIGINT UNSIGNED NOT NULL,"
    " note VARCHAR(255) NULL,"
    " PRIMARY KEY (run_id, source_table)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    "`verify_chunks` ("
    " run_id BIGINT UNSIGNED NOT NULL,"
    " source_table VARCHAR(300) NOT NULL,"
    " seq BIGINT UNSIGNED NOT NULL,"
    " lo MEDIUMTEXT NULL," /* source key literals, NULL = unbounded */
    " hi MEDIUMTEXT NULL,"
    " source_rows BIGINT UNSIGNED NOT NULL,"
    " target_rows BIGINT UNSIGNED NOT NULL,"
    " source_hash BIGINT UNSIGNED NOT NULL,"
    " target_hash BIGINT UNSIGNED NOT NULL,"
    " rechecks INT UNSIGNED NOT NULL,"
    " state ENUM('match','mismatch','settled') NOT NULL,"
    " differences BIGINT UNSIGNED NOT NULL,"
    " PRIMARY KEY (run_id, source_table, seq)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    "`verify_diffs` ("
    " run_id BIGINT UNSIGNED NOT NULL,"
    " seq BIGINT UNSIGNED NOT NULL,"
    " source_table VARCHAR(300) NOT NULL,"
    " target_table VARCHAR(300) NOT NULL,"
    " kind ENUM('missing_on_target','extra_on_target','different') "
    "NOT NULL,"
    " key_text LONGTEXT NOT NULL,"
    " `columns` TEXT NULL,"
    " repaired TINYINT NOT NULL DEFAULT 0,"
    " PRIMARY KEY (run_id, seq)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    NULL};

/* One row per row repair wrote or deleted, in the repair's own
 * transaction (which is how sync recognises it as myshift's own). */
static const char verify_repairs_ddl[] =
    "`verify_repairs` ("
    " id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
    " run_id BIGINT UNSIGNED NOT NULL,"
    " source_table VARCHAR(600) NOT NULL,"
    " target_table VARCHAR(600) NOT NULL,"
    " key_text LONGTEXT NOT NULL,"
    " action VARCHAR(16) NOT NULL," /* replace | delete */
    " repaired_at DATETIME(6) NOT NULL,"
    " KEY (run_id)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

int vf_control_create(struct ms_db *db, const char *cs, struct ms_err *err)
{
	return ms_db_create_control(db, cs, vf_control_ddl, err)
		   ? ms_err_prefix(err, "creating verify's tables in `%s`", cs)
		   : 0;
}

int vf_control_create_repairs(struct ms_db *db, const char *cs,
			      struct ms_err *err)
{
	const char *const tables[] = {verify_repairs_ddl, NULL};

	return ms_db_create_control(db, cs, tables, err)
		   ? ms_err_prefix(err, "creating %s.verify_repairs", cs)
		   : 0;
}

#define add_lit ms_db_add_literal

static int exec_buf(struct ms_db *db, struct ms_buf *q, int rc,
		    struct ms_err *err)
{
	return ms_db_exec_built(db, q, rc, "control statement", err);
}

static const char *hash_name(enum ms_verify_hash h)
{
	return h == MS_VERIFY_HASH_MD5 ? "md5" : "crc32";
}

int vf_control_run_start(struct vf_engine *e, struct ms_db *tgt,
			 struct ms_err *err)
{
	struct ms_buf q;
	char *id = NULL;
	int rc;

	ms_buf_init(&q, 4096);
	rc = ms_buf_addf(&q,
			 "INSERT INTO %s.`verify_runs` (started_at, direction, "
			 "status, hash, threads) VALUES (UTC_TIMESTAMP(6), "
			 "'%s', 'running', '%s', %u)",
			 e->cs_q, e->o.reverse ? "reverse" : "forward",
			 hash_name(e->o.hash), e->o.threads);
	rc = exec_buf(tgt, &q, rc, err);
	rc = rc ? rc
		: ms_db_query_value(tgt, "SELECT LAST_INSERT_ID()", &id, err);
	if (!rc && (!id || !(e->r.run_id = strtoull(id, NULL, 10))))
		rc = MS_ERR(err, MS_EINTERNAL, "no run_id from verify_runs");
	free(id);
	return rc ? ms_err_prefix(err, "recording the run") : 0;
}

static int add_counts(struct ms_buf *q, const char *prefix,
		      const struct ms_verify_counts *c)
{
	return ms_buf_addf(
	    q,
	    ", %smismatched_chunks = %" PRIu64
	    ", %smissing_on_target = %" PRIu64 ", %sextra_on_target = %" PRIu64
	    ", %sdifferent = %" PRIu64,
	    prefix, c->mismatched_chunks, prefix, c->missing_on_target, prefix,
	    c->extra_on_target, prefix, c->different);
}

int vf_control_run_finish(struct vf_engine *e, struct ms_db *tgt,
			  const char *status, const char *error,
			  struct ms_err *err)
{
	const struct ms_verify_result *res = e->r.res;
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 65536);
	rc = ms_buf_addf(
	    &q,
	    "UPDATE %s.`verify_runs` SET finished_at = UTC_TIMESTAMP(6), "
	    "status = '%s', tables = %" PRIu64 ", keyless_tables = %" PRIu64
	    ", chunks = %" PRIu64 ", rows_checked = %" PRIu64
	    ", rechecks = %" PRIu64 ", schema_differences = %" PRIu64
	    ", repaired = %" PRIu64 ", repair_done = %d, warnings = %" PRIu64
	    ", seconds = %.3f",
	    e->cs_q, status, res->tables, res->keyless_tables, res->chunks,
	    res->rows_checked, res->rechecks, res->schema_differences,
	    res->repaired, res->repair_done ? 1 : 0, res->warnings,
	    vf_now() - e->t0);
	rc = rc ? rc : add_counts(&q, "", &res->found);
	if (!rc && res->repair_done)
		rc = add_counts(&q, "after_", &res->after);
	rc = rc ? rc : ms_buf_addstr(&q, ", error = ");
	rc = rc ? rc : add_lit(tgt, &q, error);
	rc = rc ? rc : ms_buf_addf(&q, " WHERE run_id = %" PRIu64, e->r.run_id);
	rc = exec_buf(tgt, &q, rc, err);
	return rc ? ms_err_prefix(err, "recording the end of run %" PRIu64,
				  e->r.run_id)
		  : 0;
}

static int table_row(struct vf_engine *e, struct ms_db *tgt, struct ms_buf *q,
		     size_t i)
{
	const struct vf_table *t = &e->r.tables[i];
	int rc =
	    ms_buf_addf(q, "%s(%" PRIu64 ", ", q->len ? ", " : "", e->r.run_id);

	rc = rc ? rc : add_lit(tgt, q, t->src_name);
	rc = rc ? rc : ms_buf_addstr(q, ", ");
	rc = rc ? rc : add_lit(tgt, q, t->tgt_name);
	rc = rc ? rc
		: ms_buf_addf(q,
			      ", %" PRIu64 ", %" PRIu64 ", %" PRIu64
			      ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", ",
			      t->chunks, t->rows, t->found.mismatched_chunks,
			      t->found.missing_on_target,
			      t->found.extra_on_target, t->found.different);
	rc = rc ? rc : add_lit(tgt, q, e->ts[i].note);
	return rc ? rc : ms_buf_addc(q, ')');
}

static int insert_rows(struct ms_db *tgt, const char *head, struct ms_buf *rows,
		       struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, VF_SQL_MAX + 4096);
	rc = ms_buf_addstr(&q, head);
	rc = rc ? rc : ms_buf_add(&q, rows->ptr ? rows->ptr : "", rows->len);
	ms_buf_reset(rows);
	return exec_buf(tgt, &q, rc, err);
}

int vf_control_tables(struct vf_engine *e, struct ms_db *tgt,
		      struct ms_err *err)
{
	struct ms_buf head, rows;
	size_t i, n = 0;
	int rc;

	ms_buf_init(&head, 1024);
	ms_buf_init(&rows, VF_SQL_MAX);
	rc = ms_buf_addf(&head,
			 "INSERT INTO %s.`verify_tables` (run_id, "
			 "source_table, target_table, chunks, rows_checked, "
			 "mismatched_chunks, missing_on_target, "
			 "extra_on_target, different, note) VALUES ",
			 e->cs_q);
	for (i = 0; !rc && i < e->r.ntables; i++) {
		rc = table_row(e, tgt, &rows, i);
		if (!rc && ++n % VF_ROWS_PER == 0)
			rc = insert_rows(tgt, ms_buf_str(&head), &rows, err);
		else if (rc)
			rc = MS_ERR(err, rc, "verify_tables row too long");
	}
	if (!rc && rows.len)
		rc = insert_rows(tgt, ms_buf_str(&head), &rows, err);
	ms_buf_free(&head);
	ms_buf_free(&rows);
	return rc ? ms_err_prefix(err, "recording the tables") : 0;
}

int vf_control_chunk_row(struct vf_engine *e, struct ms_db *tgt,
			 struct ms_buf *batch, const struct vf_table *t,
			 uint64_t seq, const struct vf_range *rg,
			 const struct vf_outcome *oc, const char *state)
{
	size_t len = batch->len;
	int rc = ms_buf_addf(batch, "%s(%" PRIu64 ", ", len ? ", " : "",
			     e->r.run_id);

	rc = rc ? rc : add_lit(tgt, batch, t->src_name);
	rc = rc ? rc : ms_buf_addf(batch, ", %" PRIu64 ", ", seq);
	rc = rc ? rc : add_lit(tgt, batch, rg->lo_s);
	rc = rc ? rc : ms_buf_addstr(batch, ", ");
	rc = rc ? rc : add_lit(tgt, batch, rg->hi_s);
	rc = rc ? rc
		: ms_buf_addf(batch,
			      ", %" PRIu64 ", %" PRIu64 ", %" PRIu64
			      ", %" PRIu64 ", %u, '%s', %zu)",
			      oc->s.rows, oc->g.rows, oc->s.hash, oc->g.hash,
			      oc->rechecks, state, oc->diffs.n);
	if (rc) { /* keep the batch whole */
		batch->len = len;
		if (batch->ptr)
			batch->ptr[len] = '\0';
	}
	return rc;
}

int vf_control_chunks_flush(struct vf_engine *e, struct ms_db *tgt,
			    struct ms_buf *batch, size_t *n, struct ms_err *err)
{
	struct ms_buf head;
	int rc;

	if (!*n)
		return 0;
	ms_buf_init(&head, 1024);
	rc = ms_buf_addf(&head,
			 "INSERT INTO %s.`verify_chunks` (run_id, "
			 "source_table, seq, lo, hi, source_rows, "
			 "target_rows, source_hash, target_hash, rechecks, "
			 "state, differences) VALUES ",
			 e->cs_q);
	rc = rc ? MS_ERR(err, rc, "out of memory")
		: insert_rows(tgt, ms_buf_str(&head), batch, err);
	ms_buf_free(&head);
	*n = 0;
	return rc ? ms_err_prefix(err, "recording chunks") : 0;
}

static const char *kind_name(enum ms_verify_kind k)
{
	return k == MS_VERIFY_MISSING ? "missing_on_target"
	       : k == MS_VERIFY_EXTRA ? "extra_on_target"
				      : "different";
}

static int diff_row(struct vf_engine *e, struct ms_db *tgt, struct ms_buf *q,
		    const struct vf_table *t, const struct vf_diff *d,
		    uint64_t seq)
{
	int rc = ms_buf_addf(q, "%s(%" PRIu64 ", %" PRIu64 ", ",
			     q->len ? ", " : "", e->r.run_id, seq);

	rc = rc ? rc : add_lit(tgt, q, t->src_name);
	rc = rc ? rc : ms_buf_addstr(q, ", ");
	rc = rc ? rc : add_lit(tgt, q, t->tgt_name);
	rc = rc ? rc : ms_buf_addf(q, ", '%s', ", kind_name(d->kind));
	rc = rc ? rc : add_lit(tgt, q, d->key_text ? d->key_text : "");
	rc = rc ? rc : ms_buf_addstr(q, ", ");
	rc = rc ? rc : add_lit(tgt, q, d->columns);
	return rc ? rc : ms_buf_addf(q, ", %d)", d->repaired ? 1 : 0);
}

int vf_control_diffs(struct vf_engine *e, struct ms_db *tgt,
		     const struct vf_table *t, const struct vf_diffs *d,
		     uint64_t seq0, struct ms_err *err)
{
	struct ms_buf head, rows;
	size_t i;
	int rc;

	ms_buf_init(&head, 1024);
	ms_buf_init(&rows, VF_SQL_MAX);
	rc = ms_buf_addf(&head,
			 "INSERT INTO %s.`verify_diffs` (run_id, seq, "
			 "source_table, target_table, kind, key_text, "
			 "`columns`, repaired) VALUES ",
			 e->cs_q);
	for (i = 0; !rc && i < d->n; i++) {
		rc = diff_row(e, tgt, &rows, t, &d->v[i], seq0 + i);
		if (rc)
			rc = MS_ERR(err, rc, "a verify_diffs row is too long");
		else if ((i + 1) % VF_ROWS_PER == 0 || i + 1 == d->n)
			rc = insert_rows(tgt, ms_buf_str(&head), &rows, err);
	}
	ms_buf_free(&head);
	ms_buf_free(&rows);
	return rc ? ms_err_prefix(err, "recording the differences of %s",
				  t->src_name)
		  : 0;
}

int vf_control_diffs_repaired(struct vf_engine *e, struct ms_db *tgt,
			      const uint64_t *seqs, size_t n,
			      struct ms_err *err)
{
	struct ms_buf q;
	size_t i, j;
	int rc = 0;

	for (i = 0; !rc && i < n; i += 1000) {
		ms_buf_init(&q, 65536);
		rc = ms_buf_addf(&q,
				 "UPDATE %s.`verify_diffs` SET repaired = 1 "
				 "WHERE run_id = %" PRIu64 " AND seq IN (",
				 e->cs_q, e->r.run_id);
		for (j = i; !rc && j < n && j < i + 1000; j++)
			rc = ms_buf_addf(&q, "%s%" PRIu64, j > i ? "," : "",
					 seqs[j]);
		rc = rc ? rc : ms_buf_addc(&q, ')');
		rc = exec_buf(tgt, &q, rc, err);
	}
	return rc ? ms_err_prefix(err, "marking repaired differences") : 0;
}

/* The control tables of verify. vf_control_create is a STUB (replaced by
 * the engine); vf_control_create_repairs is final. See verify_int.h. */
#include "db/quote.h"
#include "verify/verify_int.h"

/* One row per row repair wrote or deleted, in the repair's own
 * transaction (which is how sync recognises it as myshift's own). */
static const char verify_repairs_ddl[] =
    "CREATE TABLE IF NOT EXISTS %s.`verify_repairs` ("
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
	(void)db;
	(void)cs;
	(void)err;
	return 0;
}

int vf_control_create_repairs(struct ms_db *db, const char *cs,
			      struct ms_err *err)
{
	struct ms_buf q, name;
	int rc;

	ms_buf_init(&q, 2048);
	ms_buf_init(&name, 128);
	rc = ms_quote_ident(&name, cs);
	rc = rc ? rc
		: ms_buf_addf(&q,
			      "CREATE DATABASE IF NOT EXISTS %s DEFAULT "
			      "CHARACTER SET utf8mb4",
			      ms_buf_str(&name));
	rc = ms_db_exec_built(db, &q, rc, "control statement", err);
	if (!rc) {
		ms_buf_init(&q, 2048);
		rc = ms_buf_addf(&q, verify_repairs_ddl, ms_buf_str(&name));
		rc = ms_db_exec_built(db, &q, rc, "control statement", err);
	}
	ms_buf_free(&name);
	return rc ? ms_err_prefix(err, "creating %s.verify_repairs", cs) : 0;
}

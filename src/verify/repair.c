/* Repair (verify_int.h): the truth side's current rows for the reported
 * keys, written onto the replica side by key in transactions of at most
 * RP_TXN_ROWS rows, each holding the sync_state row of the direction for
 * update so that sync commits nothing while the truth rows are read and
 * written. Why that is safe under a running sync: docs/verify.md
 * ("Repair"). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "db/quote.h"
#include "verify/engine.h" /* vf_stopping */
#include "verify/value.h"

#define RP_TXN_ROWS  1000
#define RP_READ_KEYS 100 /* keys per truth-side read */
#define RP_RETRIES   3	 /* deadlock, lock wait timeout */
#define RP_VALS_CAP  ((size_t)2 << 30)

struct rp {
	struct vf_run *r;
	struct vf_table *t;
	struct ms_db *truth, *replica;
	const struct vf_side *ts, *ps; /* truth side, replica side */
	bool truth_is_src;
	char *cs_q;	/* `control schema` */
	char *raw_list; /* truth side: raw key, then exact values */
	char *ins_list; /* replica side: "(`a`, `b`)" */
	struct ms_err *err;
};

/* One key of a transaction: what the truth side holds for it now. */
struct rp_key {
	size_t diff;	   /* index in the vf_diffs */
	size_t koff, klen; /* encoded raw key in rp_txn.keys */
	size_t row;	   /* in rp_txn.rows, SIZE_MAX: gone from truth */
	uint64_t affected; /* rows written or deleted */
};

struct rp_txn {
	struct rp_key *k;
	size_t n;
	struct ms_buf keys;
	struct vf_rowset rows;
};

static const struct ms_column *tcol(const struct rp *p, size_t i)
{
	return p->truth_is_src ? p->t->cols[i].src : p->t->cols[i].tgt;
}

static const struct ms_column *pcol(const struct rp *p, size_t i)
{
	return p->truth_is_src ? p->t->cols[i].tgt : p->t->cols[i].src;
}

static bool has_charset(const struct ms_column *c)
{
	return c->charset && strcmp(c->charset, "binary");
}

/* Types written as utf8mb4 text: they refuse a binary string (as copy's
 * plan.c says). MySQL's JSON is "json"; MariaDB's is a LONGTEXT. */
static bool text_type(const struct ms_column *c)
{
	const char *dt = c->data_type;

	return !strcmp(dt, "json") || !strcmp(dt, "inet4") ||
	       !strcmp(dt, "inet6") || !strcmp(dt, "uuid");
}

/* ---- statements ------------------------------------------------------------
 */

/* The truth side's select list: the raw key (vf_key_select), then each
 * compared column exactly as a write needs it: floats +0e0 (every digit),
 * character strings as their stored bytes, everything else as the
 * server sends it (BIT and binary strings as bytes, temporal text in the
 * session's UTC, JSON/INET6/UUID as text). */
static int plan_lists(struct rp *p)
{
	struct ms_buf s, ins;
	size_t i;
	int rc;

	ms_buf_init(&s, (size_t)16 << 20);
	ms_buf_init(&ins, (size_t)16 << 20);
	rc = vf_key_select(&p->ts->key, &s);
	rc = rc ? rc : ms_buf_addc(&ins, '(');
	for (i = 0; !rc && i < p->t->ncols; i++) {
		const struct ms_column *c = tcol(p, i);

		rc = ms_buf_addstr(&s, ", ");
		if (!rc && ms_type_is_float(c->data_type))
			rc = ms_buf_addstr(&s, "(");
		else if (!rc && has_charset(c) && !text_type(c))
			rc = ms_buf_addstr(&s, "CAST(");
		rc = rc ? rc : ms_quote_ident(&s, c->name);
		if (!rc && ms_type_is_float(c->data_type))
			rc = ms_buf_addstr(&s, "+0e0)");
		else if (!rc && has_charset(c) && !text_type(c))
			rc = ms_buf_addstr(&s, " AS BINARY)");
		rc = rc ? rc : ms_buf_addstr(&ins, i ? ", " : "");
		rc = rc ? rc : ms_quote_ident(&ins, pcol(p, i)->name);
	}
	rc = rc ? rc : ms_buf_addc(&ins, ')');
	p->raw_list = rc ? NULL : ms_buf_take(&s);
	p->ins_list = rc ? NULL : ms_buf_take(&ins);
	ms_buf_free(&s);
	ms_buf_free(&ins);
	return rc ? rc : (p->raw_list && p->ins_list ? 0 : MS_ENOMEM);
}

static bool numeric_text(const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!strchr("0123456789+-.eE", v[i]) || !v[i])
			return false;
	return len > 0;
}

/* One value as a literal for the replica's column: numbers bare, text
 * types as utf8mb4, character strings in the truth column's charset (the
 * server converts them into the replica column's), the rest as bytes.
 * Everything but numbers goes as hex, whatever sql_mode says. */
static int add_value(const struct rp *p, size_t i, const char *v, size_t len,
		     struct ms_buf *q)
{
	const struct ms_column *tc = tcol(p, i), *pc = pcol(p, i);
	int rc;

	if (!v)
		return ms_buf_addstr(q, "NULL");
	if (ms_type_is_num(tc->data_type) && ms_type_is_num(pc->data_type) &&
	    numeric_text(v, len))
		return ms_buf_add(q, v, len);
	if (text_type(pc) || text_type(tc))
		rc = ms_buf_addstr(q, "_utf8mb4 X'");
	else if (has_charset(tc))
		rc = ms_buf_addf(q, "_%s X'", tc->charset);
	else
		rc = ms_buf_addstr(q, "_binary X'");
	rc = rc ? rc : ms_buf_addhex(q, v, len);
	return rc ? rc : ms_buf_addc(q, '\'');
}

static int exec_built(struct rp *p, struct ms_db *db, struct ms_buf *q, int rc)
{
	return ms_db_exec_built(db, q, rc, "repair statement", p->err);
}

/* The session for writing: permissive sql_mode (zero dates, a 0 in an
 * AUTO_INCREMENT column), no foreign key or CHECK checks (rows arrive in
 * key order, not in dependency order), UTC; both sides' settings are
 * kept in user variables and put back afterwards. */
static int session(struct rp *p, bool restore, struct ms_err *err)
{
	bool maria = ms_db_is_mariadb(p->replica);
	int rc;

	if (!restore) {
		rc = ms_db_exec(p->replica,
				maria ? "SET @ms_vf_mode = @@session.sql_mode, "
					"@ms_vf_fkc = "
					"@@session.foreign_key_checks, "
					"@ms_vf_tz = @@session.time_zone, "
					"@ms_vf_ccc = "
					"@@session.check_constraint_checks"
				      : "SET @ms_vf_mode = @@session.sql_mode, "
					"@ms_vf_fkc = "
					"@@session.foreign_key_checks, "
					"@ms_vf_tz = @@session.time_zone",
				err);
		rc =
		    rc ? rc
		       : ms_db_exec(p->replica,
				    maria ? "SET SESSION sql_mode = "
					    "'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_"
					    "SUBSTITUTION', foreign_key_checks "
					    "= 0, time_zone = '+00:00', "
					    "check_constraint_checks = 0"
					  : "SET SESSION sql_mode = "
					    "'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_"
					    "SUBSTITUTION', foreign_key_checks "
					    "= 0, time_zone = '+00:00'",
				    err);
		rc =
		    rc ? rc
		       : ms_db_exec(p->truth,
				    "SET @ms_vf_tz = @@session.time_zone", err);
		return rc ? rc
			  : ms_db_exec(p->truth,
				       "SET SESSION time_zone = '+00:00'", err);
	}
	rc =
	    ms_db_exec(p->replica,
		       maria ? "SET SESSION sql_mode = @ms_vf_mode, "
			       "foreign_key_checks = @ms_vf_fkc, time_zone = "
			       "@ms_vf_tz, check_constraint_checks = @ms_vf_ccc"
			     : "SET SESSION sql_mode = @ms_vf_mode, "
			       "foreign_key_checks = @ms_vf_fkc, time_zone = "
			       "@ms_vf_tz",
		       err);
	return rc ? rc
		  : ms_db_exec(p->truth, "SET SESSION time_zone = @ms_vf_tz",
			       err);
}

/* ---- one transaction
 * --------------------------------------------------------- */

/* Holds back the sync that feeds the replica side: its next checkpoint
 * (the first statement of every group it commits) waits for this
 * transaction. No sync_state table: no sync has ever run there. */
static int lock_sync(struct rp *p)
{
	struct ms_db_result *res = NULL;
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 4096);
	rc = ms_buf_addf(&q,
			 "SELECT 1 FROM %s.`sync_state` WHERE direction = "
			 "'%s' FOR UPDATE",
			 p->cs_q, p->r->o->reverse ? "reverse" : "forward");
	rc = rc ? MS_ERR(p->err, rc, "statement too long")
		: ms_db_query(p->replica, ms_buf_str(&q), &res, p->err);
	ms_db_result_free(res);
	ms_buf_free(&q);
	if (rc == MS_ESQL && p->err &&
	    (p->err->sql_errno == 1146 || p->err->sql_errno == 1049)) {
		ms_err_clear(p->err);
		return 0;
	}
	return rc;
}

struct read_ctx {
	struct rp *p;
	struct rp_txn *x;
	struct ms_buf kbuf;
};

static int read_row(void *ctx, const char *const *vals, const size_t *lens,
		    size_t ncols, struct ms_err *err)
{
	struct read_ctx *c = ctx;
	size_t nk = c->p->ts->key.n;
	struct vf_digest d = {0, 0};
	int rc;

	if (ncols != nk + c->p->t->ncols)
		return MS_ERR(err, MS_EINTERNAL,
			      "%zu columns read, %zu expected", ncols,
			      nk + c->p->t->ncols);
	ms_buf_reset(&c->kbuf);
	rc = vf_key_encode(vals, lens, nk, &c->kbuf);
	rc = rc ? rc
		: vf_rowset_add(&c->x->rows, c->kbuf.ptr, c->kbuf.len, &d,
				vals + nk, lens + nk, c->p->t->ncols, NULL,
				NULL, NULL);
	return rc ? MS_ERR(err, rc, "keeping rows: %s", ms_strerror(rc)) : 0;
}

/* The truth side's current rows for the transaction's keys. */
static int read_truth(struct rp *p, struct rp_txn *x)
{
	struct read_ctx c = {.p = p, .x = x};
	const char *keys[RP_READ_KEYS];
	size_t klens[RP_READ_KEYS], i, j, n;
	struct ms_buf q;
	int rc = 0;

	ms_buf_init(&c.kbuf, (size_t)1 << 30);
	ms_buf_init(&q, (size_t)64 << 20);
	for (i = 0; !rc && i < x->n; i += n) {
		n = x->n - i < RP_READ_KEYS ? x->n - i : RP_READ_KEYS;
		for (j = 0; j < n; j++) {
			keys[j] = x->keys.ptr + x->k[i + j].koff;
			klens[j] = x->k[i + j].klen;
		}
		ms_buf_reset(&q);
		rc = ms_buf_addf(&q, "SELECT %s FROM %s WHERE ", p->raw_list,
				 p->ts->q);
		rc = rc ? rc : vf_key_in(&p->ts->key, keys, klens, n, &q);
		rc = rc ? MS_ERR(p->err, rc, "statement too long")
			: ms_db_query_each(p->truth, ms_buf_str(&q), read_row,
					   &c, p->err);
	}
	for (i = 0; !rc && i < x->n; i++)
		x->k[i].row =
		    vf_rowset_find(&x->rows, x->keys.ptr + x->k[i].koff,
				   x->k[i].klen, NULL, NULL);
	ms_buf_free(&c.kbuf);
	ms_buf_free(&q);
	return rc;
}

/* One verify_repairs row per key, first in the transaction (as sync puts
 * its checkpoint first): a sync reading the replica side's binlog sees
 * the control schema and skips the transaction. */
static int log_rows(struct rp *p, const struct rp_txn *x,
		    const struct vf_diffs *d)
{
	struct ms_buf q;
	size_t i;
	int rc;

	ms_buf_init(&q, (size_t)256 << 20);
	rc = ms_buf_addf(&q,
			 "INSERT INTO %s.`verify_repairs` (run_id, "
			 "source_table, target_table, key_text, action, "
			 "repaired_at) VALUES ",
			 p->cs_q);
	for (i = 0; !rc && i < x->n; i++) {
		const char *kt = d->v[x->k[i].diff].key_text;

		rc = ms_buf_addf(&q, "%s(%" PRIu64 ", _utf8mb4 X'",
				 i ? ", " : "", p->r->run_id);
		rc = rc ? rc
			: ms_buf_addhex(&q, p->t->src_name,
					strlen(p->t->src_name));
		rc = rc ? rc : ms_buf_addstr(&q, "', _utf8mb4 X'");
		rc = rc ? rc
			: ms_buf_addhex(&q, p->t->tgt_name,
					strlen(p->t->tgt_name));
		rc = rc ? rc : ms_buf_addstr(&q, "', _utf8mb4 X'");
		rc = rc ? rc : ms_buf_addhex(&q, kt, strlen(kt));
		rc = rc ? rc
			: ms_buf_addf(&q, "', '%s', UTC_TIMESTAMP(6))",
				      x->k[i].row == SIZE_MAX ? "delete"
							      : "replace");
	}
	return exec_built(p, p->replica, &q, rc);
}

/* A warning on a row write means the replica did not take a value as is
 * (without strict mode a value that does not fit is changed silently):
 * an error, except 1265 on an ENUM column, which is how an ENUM's ''
 * (index 0) is written back by any means. */
static int check_warnings(struct rp *p, const char *key_text)
{
	struct ms_db_result *res = NULL;
	size_t i, n;
	int rc;

	if (!ms_db_warning_count(p->replica))
		return 0;
	rc = ms_db_query(p->replica, "SHOW WARNINGS", &res, p->err);
	n = rc ? 0 : ms_db_result_nrows(res);
	for (i = 0; i < n; i++) {
		const char *level = ms_db_result_get(res, i, 0);
		const char *code = ms_db_result_get(res, i, 1);
		const char *msg = ms_db_result_get(res, i, 2);
		const char *col = msg ? strstr(msg, "for column '") : NULL;
		const struct ms_column *c = NULL;
		char name[256];
		size_t len;

		if (level && !strcmp(level, "Note"))
			continue;
		if (col && code && !strcmp(code, "1265")) {
			col += strlen("for column '");
			len = strcspn(col, "'");
			if (len < sizeof(name)) {
				memcpy(name, col, len);
				name[len] = '\0';
				c = ms_table_column(p->ps->t, name);
			}
		}
		if (c && !strcmp(c->data_type, "enum"))
			continue;
		rc = MS_ERR(p->err, MS_EUNSUPPORTED,
			    "%s did not take the row with key %s as is: %s %s: "
			    "%.200s",
			    p->ps->q, key_text, level ? level : "?",
			    code ? code : "?", msg ? msg : "");
		break;
	}
	ms_db_result_free(res);
	return rc;
}

static int write_row(struct rp *p, struct rp_txn *x, struct rp_key *k,
		     const char *key_text)
{
	const char **v = NULL;
	size_t *l = NULL, n = p->t->ncols, i;
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, (size_t)1 << 30);
	if (k->row == SIZE_MAX) {
		const char *key = x->keys.ptr + k->koff;

		rc = ms_buf_addf(&q, "DELETE FROM %s WHERE ", p->ps->q);
		rc = rc ? rc : vf_key_in(&p->ps->key, &key, &k->klen, 1, &q);
		rc = exec_built(p, p->replica, &q, rc);
		k->affected = rc ? 0 : ms_db_affected_rows(p->replica);
		return rc;
	}
	v = calloc(n + 1, sizeof(*v));
	l = calloc(n + 1, sizeof(*l));
	rc = v && l ? 0 : MS_ENOMEM;
	rc = rc ? rc : vf_rowset_values(&x->rows, k->row, n, v, l);
	rc = rc ? rc
		: ms_buf_addf(&q, "REPLACE INTO %s %s VALUES (", p->ps->q,
			      p->ins_list);
	for (i = 0; !rc && i < n; i++) {
		rc = i ? ms_buf_addstr(&q, ", ") : 0;
		rc = rc ? rc : add_value(p, i, v[i], l[i], &q);
	}
	rc = rc ? rc : ms_buf_addc(&q, ')');
	free(v);
	free(l);
	rc = exec_built(p, p->replica, &q, rc);
	k->affected = 1;
	return rc ? rc : check_warnings(p, key_text);
}

/* Deletes first, then writes: a key whose bytes changed but that the
 * collation holds equal ('a' on the truth side, 'A' on the replica) is
 * deleted as the replica has it before the truth's row goes in. */
static int write_rows(struct rp *p, struct rp_txn *x, const struct vf_diffs *d)
{
	size_t i;
	int pass, rc = 0;

	for (pass = 0; !rc && pass < 2; pass++)
		for (i = 0; !rc && i < x->n; i++)
			if ((x->k[i].row == SIZE_MAX) == (pass == 0))
				rc = write_row(p, x, &x->k[i],
					       d->v[x->k[i].diff].key_text);
	return rc;
}

static int txn_run(struct rp *p, struct rp_txn *x, const struct vf_diffs *d)
{
	int rc = ms_db_exec(p->replica, "START TRANSACTION", p->err);

	rc = rc ? rc : lock_sync(p);
	rc = rc ? rc : read_truth(p, x);
	rc = rc ? rc : log_rows(p, x, d);
	rc = rc ? rc : write_rows(p, x, d);
	rc = rc ? rc : ms_db_exec(p->replica, "COMMIT", p->err);
	if (rc) {
		struct ms_err ignored;

		if (ms_db_exec(p->replica, "ROLLBACK", &ignored))
			MS_LOG_DEBUG(VF_COMPONENT, "event=rollback_failed");
	}
	return rc;
}

/* The keys of the diffs <ix> (<n> of them) not repaired yet. */
static int txn_keys(struct rp *p, struct vf_diffs *d, const size_t *ix,
		    size_t n, struct rp_txn *x)
{
	const char *vals[MS_KEY_MAX_PARTS];
	size_t lens[MS_KEY_MAX_PARTS], j, i;
	struct ms_buf raw;
	int rc = 0;

	ms_buf_init(&raw, (size_t)1 << 30);
	x->k = calloc(n + 1, sizeof(*x->k));
	if (!x->k)
		rc = MS_ENOMEM;
	for (j = 0; !rc && j < n; j++) {
		struct rp_key *k = &x->k[x->n];

		i = ix[j];
		if (d->v[i].repaired)
			continue;
		if (!d->v[i].key_lits || !d->v[i].key_text) {
			rc = MS_EINVAL;
			break;
		}
		rc = vf_lits_decode(&p->t->s.key, d->v[i].key_lits, &raw, vals,
				    lens);
		k->diff = i;
		k->koff = x->keys.len;
		rc = rc ? rc
			: vf_key_encode(vals, lens, p->t->s.key.n, &x->keys);
		k->klen = x->keys.len - k->koff;
		x->n++;
	}
	ms_buf_free(&raw);
	return rc ? MS_ERR(p->err, rc, "reading the keys to repair: %s",
			   ms_strerror(rc))
		  : 0;
}

static bool retryable(int rc, const struct ms_err *e)
{
	return rc == MS_ESQL && e &&
	       (e->sql_errno == 1213 || e->sql_errno == 1205);
}

static int repair_txn(struct rp *p, struct vf_diffs *d, const size_t *ix,
		      size_t n, uint64_t *rows)
{
	struct rp_txn x;
	unsigned int attempt;
	size_t i;
	int rc;

	memset(&x, 0, sizeof(x));
	ms_buf_init(&x.keys, (size_t)1 << 30);
	rc = txn_keys(p, d, ix, n, &x);
	for (attempt = 0; !rc && x.n; attempt++) {
		vf_rowset_free(&x.rows);
		vf_rowset_init(&x.rows, true, RP_VALS_CAP);
		rc = txn_run(p, &x, d);
		if (!retryable(rc, p->err) || attempt == RP_RETRIES)
			break;
		MS_LOG_WARN(VF_COMPONENT,
			    "event=repair_retry table=%s attempt=%u msg=\"%s\"",
			    p->t->src_name, attempt + 1, p->err->msg);
		ms_err_clear(p->err);
		rc = 0;
	}
	for (i = 0; !rc && i < x.n; i++) {
		struct vf_diff *v = &d->v[x.k[i].diff];

		v->repaired = true;
		*rows += x.k[i].affected;
		MS_LOG_INFO(VF_COMPONENT,
			    "event=repair source=%s target=%s action=%s "
			    "rows=%" PRIu64 " key=\"%s\"",
			    p->t->src_name, p->t->tgt_name,
			    x.k[i].row == SIZE_MAX ? "delete" : "replace",
			    x.k[i].affected, v->key_text);
	}
	free(x.k);
	ms_buf_free(&x.keys);
	vf_rowset_free(&x.rows);
	return rc;
}

/* Rows extra on the replica side first, in transactions of their own:
 * their deletes then run before any replace of a later transaction
 * whose key the collation holds equal ('PLAIN' extra, 'plain' missing),
 * so no delete takes away a row that repair has just written. */
static int repair_all(struct rp *p, struct vf_diffs *d, uint64_t *rows)
{
	size_t *ix = calloc(d->n + 1, sizeof(*ix)), n = 0, i, m;
	int pass, rc = ix ? 0 : MS_ERR(p->err, MS_ENOMEM, "out of memory");

	for (pass = 0; !rc && pass < 2; pass++)
		for (i = 0; i < d->n; i++)
			if ((d->v[i].kind == MS_VERIFY_EXTRA) == (pass == 0))
				ix[n++] = i;
	for (i = 0; !rc && i < n; i += m) {
		bool extra = d->v[ix[i]].kind == MS_VERIFY_EXTRA;

		for (m = 1; i + m < n && m < RP_TXN_ROWS &&
			    (d->v[ix[i + m]].kind == MS_VERIFY_EXTRA) == extra;
		     m++)
			;
		if (vf_stopping()) /* between transactions */
			rc = MS_ERR(p->err, MS_EIO, "interrupted");
		else
			rc = repair_txn(p, d, ix + i, m, rows);
	}
	free(ix);
	return rc;
}

int vf_repair(struct vf_run *r, struct vf_table *t, struct ms_db *src,
	      struct ms_db *tgt, struct vf_diffs *d, uint64_t *rows,
	      struct ms_err *err)
{
	struct rp p = {.r = r, .t = t, .err = err};
	struct ms_buf cs;
	bool changed = false;
	int rc;

	if (t->keyless || !t->s.key.n || t->g.key.n != t->s.key.n)
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "%s has no key: repair cannot address single "
			      "rows; re-copy it",
			      t->s.q);
	p.truth = vf_truth(r, src, tgt);
	p.truth_is_src = p.truth == src;
	p.replica = p.truth_is_src ? tgt : src;
	p.ts = p.truth_is_src ? &t->s : &t->g;
	p.ps = p.truth_is_src ? &t->g : &t->s;
	ms_buf_init(&cs, 1024);
	rc = ms_quote_ident(&cs, r->o->control_schema);
	p.cs_q = rc ? NULL : ms_buf_take(&cs);
	ms_buf_free(&cs);
	rc = rc ? rc : (p.cs_q ? 0 : MS_ENOMEM);
	rc = rc ? rc : plan_lists(&p);
	if (rc)
		rc = MS_ERR(err, rc, "planning: %s", ms_strerror(rc));
	rc = rc ? rc
		: vf_control_create_repairs(p.replica, r->o->control_schema,
					    err);
	rc = rc ? rc : session(&p, false, err);
	changed = !rc;
	rc = rc ? rc : repair_all(&p, d, rows);
	if (changed) { /* put both sessions back */
		struct ms_err e2;
		int rc2 = session(&p, true, &e2);

		if (rc2 && !rc) {
			rc = rc2;
			if (err)
				*err = e2;
		}
	}
	free(p.cs_q);
	free(p.raw_list);
	free(p.ins_list);
	return rc ? ms_err_prefix(err, "repair of %s", t->src_name) : 0;
}

/* ms_copy_run: preflight, start position, target schema, the data phase,
 * deferred foreign keys, views, routines and trigger/event records. See
 * copy.h and docs/copy.md. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "copy/copy_int.h"
#include "core/log.h"
#include "db/quote.h"

#define CP_SEG_ROWS_MIN	  50000
#define CP_SEG_ROWS_MAX	  2000000
#define CP_CHUNK_START	  1000
#define CP_REFUSED_LISTED 5

/* Include rules that match no schema are misspellings, not empty sets. */
static int check_rule_schemas(struct cp_run *r, struct ms_db *src,
			      struct ms_err *err)
{
	char **v = NULL;
	size_t n = 0;
	int rc = ms_schema_names(src, &v, &n, err);

	if (!rc)
		rc = ms_rules_check_schemas(r->o->rules, (const char *const *)v,
					    n, err);
	free(v);
	return rc;
}

static int target_probe(struct cp_run *r, struct ms_db *tgt, bool *myisam,
			struct ms_err *err)
{
	char *v = NULL;
	int rc;

	r->mariadb_target = ms_db_is_mariadb(tgt);
	rc = ms_db_query_value(tgt, "SELECT @@local_infile", &v, err);
	if (rc)
		return rc;
	bool local = v && strcmp(v, "0") && strcasecmp(v, "OFF");

	free(v);
	v = NULL;
	if (r->o->load == MS_COPY_LOAD_DATA && !local)
		return MS_ERR(err, MS_ECONFIG,
			      "--load-method=load-data: the target refuses "
			      "LOAD DATA LOCAL (local_infile=OFF); use "
			      "--load-method=insert or enable it");
	r->use_load_data = r->o->load != MS_COPY_LOAD_INSERT && local;
	rc = ms_db_query_value(tgt,
			       "SELECT SUPPORT FROM information_schema.ENGINES "
			       "WHERE ENGINE = 'MyISAM'",
			       &v, err);
	*myisam = !rc && v && (!strcmp(v, "YES") || !strcmp(v, "DEFAULT"));
	free(v);
	return rc;
}

static int mark_existing(void *ctx, const char *const *vals, const size_t *lens,
			 size_t n, struct ms_err *err)
{
	struct cp_table *t = cp_find_target(ctx, vals[0], vals[1]);

	(void)lens;
	(void)n;
	(void)err;
	if (t)
		t->exists = true;
	return 0;
}

static int find_existing(struct cp_run *r, struct ms_db *tgt,
			 struct ms_err *err)
{
	struct ms_buf q;
	size_t i;
	int rc;

	ms_buf_init(&q, (size_t)1 << 30);
	rc = ms_buf_addstr(&q,
			   "SELECT TABLE_SCHEMA, TABLE_NAME FROM "
			   "information_schema.TABLES WHERE TABLE_SCHEMA IN (");
	for (i = 0; !rc && i < r->ntables; i++) {
		const char *ts = r->by_target[i]->tschema;

		if (i && !strcmp(ts, r->by_target[i - 1]->tschema))
			continue; /* each schema once */
		rc = ms_buf_addstr(&q, i ? "," : "");
		rc = rc ? rc : ms_db_quote_string(tgt, &q, ts, strlen(ts));
	}
	rc = rc ? rc : ms_buf_addc(&q, ')');
	rc = rc ? MS_ERR(err, rc, "too many tables")
		: ms_db_query_each(tgt, ms_buf_str(&q), mark_existing, r, err);
	ms_buf_free(&q);
	return rc;
}

/* Existing target tables this copy did not create: refused unless told. */
static int check_refused(struct cp_run *r, struct ms_err *err)
{
	struct ms_buf names;
	size_t i, n = 0;
	int rc = 0;

	if (r->o->if_exists != MS_COPY_EXISTS_REFUSE)
		return 0;
	ms_buf_init(&names, 4096);
	for (i = 0; i < r->ntables; i++) {
		const struct cp_table *t = &r->tables[i];

		if (!t->exists || t->recorded)
			continue;
		if (n++ < CP_REFUSED_LISTED &&
		    ms_buf_addf(&names, "%s%s", n > 1 ? ", " : "", t->tgt_q))
			break;
	}
	if (n)
		rc = MS_ERR(err, MS_ECONFIG,
			    "target table%s %s%s already exist%s and %s not "
			    "created by this copy: refusing to overwrite "
			    "(use --if-exists=skip|drop|truncate|resume)",
			    n > 1 ? "s" : "", ms_buf_str(&names),
			    n > CP_REFUSED_LISTED ? ", ..." : "",
			    n > 1 ? "" : "s", n > 1 ? "were" : "was");
	ms_buf_free(&names);
	return rc;
}

int cp_exec_on(struct ms_db *db, const char *verb, const char *table,
	       struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 4096);
	rc = ms_buf_addf(&q, "%s %s", verb, table);
	rc = rc ? MS_ERR(err, rc, "out of memory")
		: ms_db_exec(db, ms_buf_str(&q), err);
	ms_buf_free(&q);
	return rc;
}

static int create_table(struct cp_run *r, struct ms_db *tgt, struct cp_table *t,
			struct ms_err *err)
{
	int rc = cp_control_table_state(r, tgt, t, CP_T_PENDING, err);

	MS_LOG_DEBUG(CP_COMPONENT, "event=create table=%s sql=\"%s\"", t->tgt_q,
		     t->ddl.create_sql);
	rc = rc ? rc : ms_db_exec(tgt, t->ddl.create_sql, err);
	if (rc)
		return ms_err_prefix(err, "creating %s", t->tgt_q);
	if (t->ddl.converted)
		MS_LOG_WARN(CP_COMPONENT,
			    "event=engine_converted table=%s from=%s to=InnoDB",
			    t->tgt_q, t->ddl.source_engine);
	return 0;
}

/* Decides, per table, between resume, create, skip, drop and truncate. */
static int prepare_table(struct cp_run *r, struct ms_db *tgt,
			 struct cp_table *t, struct ms_err *err)
{
	int rc = 0;

	if (t->recorded && t->exists)
		return 0;  /* ours: resume */
	if (t->recorded) { /* recorded but gone: start it again */
		rc = cp_control_table_reset(r, tgt, t, err);
		t->state = CP_T_PENDING;
		return rc ? rc : create_table(r, tgt, t, err);
	}
	if (!t->exists)
		return create_table(r, tgt, t, err);
	switch (r->o->if_exists) {
	case MS_COPY_EXISTS_SKIP:
		MS_LOG_WARN(CP_COMPONENT, "event=skip_existing table=%s",
			    t->tgt_q);
		return cp_control_table_state(r, tgt, t, CP_T_SKIPPED, err);
	case MS_COPY_EXISTS_DROP:
		rc = cp_exec_on(tgt, "DROP TABLE", t->tgt_q, err);
		return rc ? rc : create_table(r, tgt, t, err);
	case MS_COPY_EXISTS_TRUNCATE:
		rc = cp_exec_on(tgt, "TRUNCATE TABLE", t->tgt_q, err);
		break;
	default: /* resume: keep definition and rows */
		break;
	}
	/* The definition is the user's: nothing is deferred on it. */
	free(t->ddl.index_sql);
	t->ddl.index_sql = NULL;
	free(t->ddl.fk_sql);
	t->ddl.fk_sql = NULL;
	return rc ? rc : cp_control_table_state(r, tgt, t, CP_T_PENDING, err);
}

static int create_schemas(struct cp_run *r, struct ms_db *tgt,
			  struct ms_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < r->ntables; i++) {
		const struct cp_table *t = r->by_target[i];
		const struct ms_database *d;

		if (i && !strcmp(t->tschema, r->by_target[i - 1]->tschema))
			continue; /* created already */
		d = ms_schema_database(r->schema, t->src->schema);
		if (d)
			rc = ms_ddl_create_database(tgt, d, t->tschema, err);
	}
	return rc;
}

static int prepare_tables(struct cp_run *r, struct ms_db *src,
			  struct ms_db *tgt, bool myisam, struct ms_err *err)
{
	struct ms_ddl_opts d = {
	    .rules = r->o->rules,
	    .control_schema = r->o->control_schema,
	    .defer_indexes = r->o->defer_indexes,
	    .convert_myisam = r->o->myisam == MS_COPY_MYISAM_CONVERT ||
			      (r->o->myisam == MS_COPY_MYISAM_AUTO && !myisam),
	};
	size_t i;
	int rc = create_schemas(r, tgt, err);

	for (i = 0; !rc && i < r->ntables; i++) {
		struct cp_table *t = &r->tables[i];
		uint64_t seg = t->rows_estimate / (2 * r->o->threads);

		t->seg_rows = seg < CP_SEG_ROWS_MIN   ? CP_SEG_ROWS_MIN
			      : seg > CP_SEG_ROWS_MAX ? CP_SEG_ROWS_MAX
						      : seg;
		t->chunk_rows = CP_CHUNK_START;
		if (!t->key.n)
			MS_LOG_WARN(CP_COMPONENT,
				    "event=no_key table=%s msg=\"no primary or "
				    "unique NOT NULL key: copied in one pass "
				    "under a shared lock, restarted from "
				    "scratch if interrupted\"",
				    t->src_q);
		rc = ms_ddl_table(src, t->src, t->tschema, t->ttable, &d,
				  &t->ddl, err);
		rc = rc ? rc : prepare_table(r, tgt, t, err);
		if (t->state == CP_T_COPIED)
			t->state = CP_T_COPYING; /* indexes still to build */
	}
	return rc;
}

bool cp_already_there(const struct ms_err *err)
{
	/* duplicate key name, duplicate FK name, InnoDB errno 121 */
	return err->sql_errno == 1061 || err->sql_errno == 1826 ||
	       (err->sql_errno == 1005 && strstr(err->msg, "121"));
}

static int add_foreign_keys(struct cp_run *r, struct ms_db *tgt,
			    struct ms_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < r->ntables; i++) {
		const struct cp_table *t = &r->tables[i];

		if (!t->ddl.fk_sql || t->state == CP_T_SKIPPED)
			continue;
		rc = ms_db_exec(tgt, t->ddl.fk_sql, err);
		if (rc && cp_already_there(err))
			rc = 0;
		if (rc)
			rc = ms_err_prefix(err, "adding the foreign keys of %s",
					   t->tgt_q);
	}
	return rc;
}

/* The main sessions: a plain source one (introspection, SHOW CREATE,
 * the start position) and a target one set up like the loaders'. */
static int connect_main(struct cp_run *r, struct ms_db **src,
			struct ms_db **tgt, struct ms_err *err)
{
	struct ms_db_opts so = {.role = "source",
				.connect_timeout_s = r->o->connect_timeout_s,
				.retries = r->o->retries,
				.utc = true};
	int rc = ms_db_connect(r->o->source, &so, src, err);

	return rc ? rc : cp_connect(r, false, tgt, err);
}

static int run_phases(struct cp_run *r, struct ms_db *src, struct ms_db *tgt,
		      struct ms_copy_result *res, struct ms_err *err)
{
	struct ms_ddl_opts d = {.rules = r->o->rules,
				.control_schema = r->o->control_schema};
	struct ms_ddl_counts counts = {0};
	bool myisam = false;
	size_t i;
	int rc;

	rc = ms_schema_read(src, ms_rules_filter, (void *)r->o->rules,
			    &r->schema, err);
	rc = rc ? rc : check_rule_schemas(r, src, err);
	if (!rc && r->schema->ntables == 0)
		rc = MS_ERR(err, MS_ECONFIG,
			    "the selection rules select no table on the "
			    "source");
	rc = rc ? rc : target_probe(r, tgt, &myisam, err);
	rc = rc ? rc : cp_plan_tables(r, src, tgt, err);
	rc = rc ? rc : cp_control_init(tgt, r->o->control_schema, err);
	rc = rc ? rc : cp_control_load_tables(r, tgt, err);
	rc = rc ? rc : find_existing(r, tgt, err);
	rc = rc ? rc : check_refused(r, err);
	/* The start position comes before the first chunk read. */
	rc = rc ? rc : cp_control_start(r, src, tgt, err);
	rc = rc ? rc : prepare_tables(r, src, tgt, myisam, err);
	for (i = 0; !rc && i < r->ntables; i++) {
		res->resumed |= r->tables[i].rows_done > 0;
		if (r->tables[i].state == CP_T_DONE)
			r->tables_done++;
	}
	if (!rc)
		MS_LOG_INFO(CP_COMPONENT,
			    "event=start tables=%zu threads=%u load=%s "
			    "start_file=%s start_pos=%llu",
			    r->ntables, r->o->threads,
			    r->use_load_data ? "load-data" : "insert",
			    r->start.file, (unsigned long long)r->start.pos);
	rc = rc ? rc : cp_run_workers(r, err);
	rc = rc ? rc : add_foreign_keys(r, tgt, err);
	rc = rc ? rc
		: ms_ddl_views_routines(src, tgt, r->schema, &d, &counts, err);
	rc = rc ? rc
		: ms_ddl_record_deferred(src, tgt, r->schema, &d, &counts, err);
	rc = rc ? rc : cp_control_finish(r, tgt, err);
	res->views = counts.views;
	res->routines = counts.routines;
	res->triggers = counts.triggers;
	res->events = counts.events;
	return rc;
}

int ms_copy_run(const struct ms_copy_opts *opts, struct ms_copy_result *res,
		struct ms_err *err)
{
	struct ms_copy_opts o = *opts;
	struct cp_run r;
	struct ms_db *src = NULL, *tgt = NULL;
	size_t i;
	int rc;

	if (!o.threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		o.threads = n > 0 ? (unsigned int)n : 2;
	}
	if (o.chunk_seconds <= 0)
		o.chunk_seconds = 0.5;
	if (strchr(o.control_schema, '`') || !*o.control_schema)
		return MS_ERR(err, MS_ECONFIG, "bad control schema name '%s'",
			      o.control_schema);
	memset(&r, 0, sizeof(r));
	r.o = &o;
	r.t0 = cp_now();
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	rc = connect_main(&r, &src, &tgt, err);
	rc = rc ? rc : run_phases(&r, src, tgt, res, err);
	for (i = 0; i < r.ntables; i++) {
		if (r.tables[i].state == CP_T_SKIPPED)
			res->tables_skipped++;
		else
			res->tables++;
		cp_table_free(&r.tables[i]);
	}
	res->rows = r.rows;
	res->bytes = r.bytes;
	res->seconds = cp_now() - r.t0;
	res->start = r.start;
	free(r.tables);
	free(r.by_target);
	ms_schema_free(r.schema);
	ms_db_close(src);
	ms_db_close(tgt);
	pthread_mutex_destroy(&r.mu);
	pthread_cond_destroy(&r.cv);
	return rc;
}

void ms_copy_result_free(struct ms_copy_result *res)
{
	if (res)
		ms_binlog_pos_free(&res->start);
}

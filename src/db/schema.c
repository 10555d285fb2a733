/* Schema introspection: one information_schema query per object kind across
 * every selected schema, rows streamed (ms_db_query_each) and attached to
 * their table by binary search. See schema.h and docs/db.md. */
#include "db/schema.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "db/schema_int.h"

/* Above this many selected schemas the queries read every user schema and
 * drop the unselected rows here, rather than send a huge IN list. */
#define SCHEMA_IN_LIST_MAX 1000
#define SCHEMA_SQL_MAX	   (4u * 1024 * 1024)
#define SCHEMA_MAX_KEYPART 64	/* MySQL allows 16 key parts, MariaDB 32 */
#define SCHEMA_MAX_COLUMNS 4096 /* MySQL's hard limit per table */

static const char *const system_schemas[] = {"mysql", "information_schema",
					     "performance_schema", "sys"};

static bool is_system_schema(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(system_schemas) / sizeof(system_schemas[0]); i++)
		if (strcmp(name, system_schemas[i]) == 0)
			return true;
	return false;
}

int ms_sr_dup(struct ms_sr *r, const char *const *v, const size_t *l, size_t i,
	      char **out)
{
	int rc = ms_strarena_dup(r->a, v[i], l[i], out);

	if (rc)
		return MS_ERR(r->err, rc, "schema: %s",
			      rc == MS_ETOOLARGE
				  ? "more than MS_SCHEMA_MAX_BYTES "
				    "of metadata"
				  : "out of memory");
	return 0;
}

int ms_sr_nomem(struct ms_sr *r)
{
	return MS_ERR(r->err, MS_ENOMEM, "schema: out of memory");
}

uint64_t ms_sr_u64(const char *s)
{
	return s ? strtoull(s, NULL, 10) : 0;
}

bool ms_sr_yes(const char *s)
{
	return s && strcmp(s, "YES") == 0;
}

static int cmp_database(const void *x, const void *y)
{
	const struct ms_database *a = x, *b = y;

	return strcmp(a->name, b->name);
}

static int cmp_pair(const char *s1, const char *n1, const char *s2,
		    const char *n2)
{
	int c = strcmp(s1, s2);

	return c ? c : strcmp(n1, n2);
}

static int cmp_table(const void *x, const void *y)
{
	const struct ms_table *a = x, *b = y;

	return cmp_pair(a->schema, a->name, b->schema, b->name);
}

bool ms_sr_schema_selected(struct ms_sr *r, const char *schema)
{
	return ms_schema_database(r->s, schema) != NULL;
}

struct ms_table *ms_sr_table(struct ms_sr *r, const char *schema,
			     const char *name)
{
	/* The reader owns the schema it is filling, so it may write to it. */
	return (struct ms_table *)ms_schema_table(r->s, schema, name);
}

const struct ms_table *ms_schema_table(const struct ms_schema *s,
				       const char *schema, const char *name)
{
	struct ms_table key = {.schema = (char *)schema, .name = (char *)name};

	if (!s || !schema || !name || !s->ntables)
		return NULL;
	return bsearch(&key, s->tables, s->ntables, sizeof(key), cmp_table);
}

const struct ms_database *ms_schema_database(const struct ms_schema *s,
					     const char *name)
{
	struct ms_database key = {.name = (char *)name};

	if (!s || !name || !s->ndatabases)
		return NULL;
	return bsearch(&key, s->databases, s->ndatabases, sizeof(key),
		       cmp_database);
}

bool ms_sr_object_selected(struct ms_sr *r, const char *schema,
			   const char *name)
{
	if (!schema || !name || !ms_sr_schema_selected(r, schema))
		return false;
	return !r->filter || r->filter(r->fctx, schema, name);
}

/* Appends " WHERE <col> NOT IN (system) [AND <col> IN (selected)]". */
static int sr_where(struct ms_sr *r, struct ms_buf *sql, const char *col,
		    bool in_list)
{
	size_t i;
	int rc;

	rc = ms_buf_addf(sql,
			 " WHERE %s NOT IN ('mysql', "
			 "'information_schema', 'performance_schema', "
			 "'sys')",
			 col);
	if (rc || !in_list || !r->filter ||
	    r->s->ndatabases > SCHEMA_IN_LIST_MAX)
		return rc;
	rc = ms_buf_addf(sql, " AND %s IN (", col);
	for (i = 0; rc == 0 && i < r->s->ndatabases; i++) {
		const char *n = r->s->databases[i].name;

		if (i)
			rc = ms_buf_addstr(sql, ", ");
		if (rc == 0)
			rc = ms_db_quote_string(r->db, sql, n, strlen(n));
	}
	if (rc == 0)
		rc = ms_buf_addc(sql, ')');
	return rc;
}

static int sr_run_where(struct ms_sr *r, const char *select, const char *col,
			const char *tail, ms_db_row_fn fn, bool in_list)
{
	struct ms_buf sql;
	int rc;

	ms_buf_init(&sql, SCHEMA_SQL_MAX);
	rc = ms_buf_addstr(&sql, select);
	if (rc == 0)
		rc = sr_where(r, &sql, col, in_list);
	if (rc == 0 && tail)
		rc = ms_buf_addstr(&sql, tail);
	if (rc) {
		ms_buf_free(&sql);
		return MS_ERR(r->err, rc, "schema: cannot build query");
	}
	rc = ms_db_query_each(r->db, ms_buf_str(&sql), fn, r, r->err);
	ms_buf_free(&sql);
	return rc;
}

int ms_sr_run(struct ms_sr *r, const char *select, const char *col,
	      const char *tail, ms_db_row_fn fn)
{
	return sr_run_where(r, select, col, tail, fn, true);
}

/* ---- databases ---------------------------------------------------------- */

static int row_database(SR_ROW_ARGS)
{
	struct ms_database *d;
	int rc;

	SR_ROW_PROLOGUE(3);
	if (!v[0] || is_system_schema(v[0]))
		return 0;
	if (r->filter && !r->filter(r->fctx, v[0], NULL))
		return 0;
	if (ms_schema_grow((void **)&r->s->databases, r->s->ndatabases,
			   sizeof(*d)))
		return ms_sr_nomem(r);
	d = &r->s->databases[r->s->ndatabases];
	if ((rc = ms_sr_dup(r, v, l, 0, &d->name)) ||
	    (rc = ms_sr_dup(r, v, l, 1, &d->charset)) ||
	    (rc = ms_sr_dup(r, v, l, 2, &d->collation)))
		return rc;
	r->s->ndatabases++;
	return 0;
}

static int sr_databases(struct ms_sr *r)
{
	int rc;

	/* The selected set is not known yet: no IN list for this one. */
	rc = sr_run_where(r,
			  "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, "
			  "DEFAULT_COLLATION_NAME FROM "
			  "information_schema.SCHEMATA",
			  "SCHEMA_NAME", NULL, row_database, false);
	if (rc == 0)
		ms_schema_sort(r->s->databases, r->s->ndatabases,
			       sizeof(*r->s->databases), cmp_database);
	return rc;
}

/* ---- tables ------------------------------------------------------------- */

static int row_table(SR_ROW_ARGS)
{
	struct ms_table *t;
	int rc;

	SR_ROW_PROLOGUE(9);
	if (!ms_sr_object_selected(r, v[0], v[1]))
		return 0;
	if (ms_schema_grow((void **)&r->s->tables, r->s->ntables, sizeof(*t)))
		return ms_sr_nomem(r);
	t = &r->s->tables[r->s->ntables];
	if ((rc = ms_sr_dup(r, v, l, 0, &t->schema)) ||
	    (rc = ms_sr_dup(r, v, l, 1, &t->name)) ||
	    (rc = ms_sr_dup(r, v, l, 2, &t->engine)) ||
	    (rc = ms_sr_dup(r, v, l, 3, &t->collation)) ||
	    (rc = ms_sr_dup(r, v, l, 4, &t->create_options)))
		return rc;
	t->rows_estimate = ms_sr_u64(v[5]);
	t->data_length = ms_sr_u64(v[6]);
	t->index_length = ms_sr_u64(v[7]);
	t->auto_increment = ms_sr_u64(v[8]);
	r->s->ntables++;
	return 0;
}

/* ---- columns ------------------------------------------------------------ */

static int row_column(SR_ROW_ARGS)
{
	struct ms_table *t;
	struct ms_column *c;
	int rc;

	SR_ROW_PROLOGUE(12);
	t = ms_sr_table(r, v[0], v[1]);
	if (!t || !v[2])
		return 0;
	if (t->ncolumns >= SCHEMA_MAX_COLUMNS)
		return MS_ERR(r->err, MS_ECORRUPT,
			      "schema: %s.%s has more than %u columns",
			      t->schema, t->name, SCHEMA_MAX_COLUMNS);
	if (ms_schema_grow((void **)&t->columns, t->ncolumns, sizeof(*c)))
		return ms_sr_nomem(r);
	c = &t->columns[t->ncolumns];
	if ((rc = ms_sr_dup(r, v, l, 2, &c->name)) ||
	    (rc = ms_sr_dup(r, v, l, 4, &c->data_type)) ||
	    (rc = ms_sr_dup(r, v, l, 5, &c->column_type)) ||
	    (rc = ms_sr_dup(r, v, l, 8, &c->extra)) ||
	    (rc = ms_sr_dup(r, v, l, 9, &c->generation_expr)) ||
	    (rc = ms_sr_dup(r, v, l, 10, &c->charset)) ||
	    (rc = ms_sr_dup(r, v, l, 11, &c->collation)))
		return rc;
	c->ordinal = (unsigned int)ms_sr_u64(v[3]);
	c->nullable = ms_sr_yes(v[6]);
	c->auto_increment = c->extra && strstr(c->extra, "auto_increment");
	ms_schema_set_generated(c);
	rc = ms_schema_set_default(r->a, c, v[7], l[7], r->expr_defaults);
	if (rc)
		return MS_ERR(r->err, rc, "schema: %s.%s.%s: default",
			      t->schema, t->name, c->name);
	t->ncolumns++;
	return 0;
}

static int cmp_column(const void *x, const void *y)
{
	const struct ms_column *a = x, *b = y;

	return (a->ordinal > b->ordinal) - (a->ordinal < b->ordinal);
}

/* ---- indexes ------------------------------------------------------------ */

static struct ms_index *sr_index(struct ms_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nindexes; i++)
		if (strcmp(t->indexes[i].name, name) == 0)
			return &t->indexes[i];
	return NULL;
}

/* Makes room for key part <seq> (1-based) in <ix>. */
static int index_reserve(struct ms_index *ix, size_t seq)
{
	char **c;
	unsigned int *s;

	if (seq <= ix->ncolumns)
		return 0;
	c = realloc(ix->columns, seq * sizeof(*c));
	if (!c)
		return MS_ENOMEM;
	ix->columns = c;
	s = realloc(ix->sub_parts, seq * sizeof(*s));
	if (!s)
		return MS_ENOMEM;
	ix->sub_parts = s;
	memset(c + ix->ncolumns, 0, (seq - ix->ncolumns) * sizeof(*c));
	memset(s + ix->ncolumns, 0, (seq - ix->ncolumns) * sizeof(*s));
	ix->ncolumns = seq;
	return 0;
}

static int sr_new_index(struct ms_sr *r, struct ms_table *t,
			const char *const *v, const size_t *l,
			struct ms_index **out)
{
	struct ms_index *ix;
	int rc;

	if (ms_schema_grow((void **)&t->indexes, t->nindexes, sizeof(*ix)))
		return ms_sr_nomem(r);
	ix = &t->indexes[t->nindexes];
	if ((rc = ms_sr_dup(r, v, l, 2, &ix->name)) ||
	    (rc = ms_sr_dup(r, v, l, 8, &ix->type)))
		return rc;
	ix->primary = strcmp(ix->name, "PRIMARY") == 0;
	ix->unique = v[3] && strcmp(v[3], "0") == 0;
	t->nindexes++;
	*out = ix;
	return 0;
}

static int row_index(SR_ROW_ARGS)
{
	struct ms_table *t;
	struct ms_index *ix;
	uint64_t seq;
	int rc;

	SR_ROW_PROLOGUE(9);
	t = ms_sr_table(r, v[0], v[1]);
	if (!t || !v[2])
		return 0;
	seq = ms_sr_u64(v[4]);
	if (seq < 1 || seq > SCHEMA_MAX_KEYPART)
		return MS_ERR(r->err, MS_ECORRUPT,
			      "schema: %s.%s key %s: bad SEQ_IN_INDEX",
			      t->schema, t->name, v[2]);
	ix = sr_index(t, v[2]);
	if (!ix && (rc = sr_new_index(r, t, v, l, &ix)))
		return rc;
	if (index_reserve(ix, (size_t)seq))
		return ms_sr_nomem(r);
	if (ix->columns[seq - 1])
		return MS_ERR(r->err, MS_ECORRUPT,
			      "schema: %s.%s key %s: duplicate part %u",
			      t->schema, t->name, ix->name, (unsigned int)seq);
	/* A MySQL 8 functional key part has no column name. */
	rc = ms_strarena_dup(r->a, v[5] ? v[5] : "", v[5] ? l[5] : 0,
			     &ix->columns[seq - 1]);
	if (rc)
		return MS_ERR(r->err, rc, "schema: out of memory");
	ix->sub_parts[seq - 1] = (unsigned int)ms_sr_u64(v[6]);
	if (ms_sr_yes(v[7]))
		ix->nullable = true;
	return 0;
}

/* Checks every key part arrived and moves the primary key first. */
static int sr_finish_indexes(struct ms_sr *r, struct ms_table *t)
{
	size_t i, j;

	for (i = 0; i < t->nindexes; i++) {
		for (j = 0; j < t->indexes[i].ncolumns; j++)
			if (!t->indexes[i].columns[j])
				return MS_ERR(r->err, MS_ECORRUPT,
					      "schema: %s.%s key %s: missing "
					      "part %zu",
					      t->schema, t->name,
					      t->indexes[i].name, j + 1);
		if (t->indexes[i].primary && i > 0) {
			struct ms_index pk = t->indexes[i];

			memmove(&t->indexes[1], &t->indexes[0], i * sizeof(pk));
			t->indexes[0] = pk;
		}
	}
	return 0;
}

static int sr_tables(struct ms_sr *r)
{
	int rc = ms_sr_run(
	    r,
	    "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, TABLE_COLLATION, "
	    "CREATE_OPTIONS, TABLE_ROWS, DATA_LENGTH, INDEX_LENGTH, "
	    "AUTO_INCREMENT FROM information_schema.TABLES",
	    "TABLE_SCHEMA",
	    " AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')", row_table);

	if (rc == 0)
		ms_schema_sort(r->s->tables, r->s->ntables,
			       sizeof(*r->s->tables), cmp_table);
	return rc;
}

static int sr_columns(struct ms_sr *r)
{
	/* GENERATION_EXPRESSION exists in MySQL >= 5.7 and MariaDB >= 10.2. */
	bool has_gen = ms_db_is_mariadb(r->db)
			   ? ms_db_server_version_num(r->db) >= 100200
			   : ms_db_server_version_num(r->db) >= 50700;
	size_t i;
	int rc;

	rc =
	    ms_sr_run(r,
		      has_gen ? "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, "
				"ORDINAL_POSITION, DATA_TYPE, COLUMN_TYPE, "
				"IS_NULLABLE, COLUMN_DEFAULT, EXTRA, "
				"GENERATION_EXPRESSION, CHARACTER_SET_NAME, "
				"COLLATION_NAME FROM information_schema.COLUMNS"
			      : "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, "
				"ORDINAL_POSITION, DATA_TYPE, COLUMN_TYPE, "
				"IS_NULLABLE, COLUMN_DEFAULT, EXTRA, NULL, "
				"CHARACTER_SET_NAME, COLLATION_NAME "
				"FROM information_schema.COLUMNS",
		      "TABLE_SCHEMA", NULL, row_column);
	for (i = 0; rc == 0 && i < r->s->ntables; i++) {
		struct ms_table *t = &r->s->tables[i];

		ms_schema_sort(t->columns, t->ncolumns, sizeof(*t->columns),
			       cmp_column);
	}
	return rc;
}

static int sr_indexes(struct ms_sr *r)
{
	size_t i;
	int rc;

	/* No ORDER BY: rows come in the server's key order, which we keep;
	 * key parts are placed by SEQ_IN_INDEX. */
	rc = ms_sr_run(
	    r,
	    "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, "
	    "SEQ_IN_INDEX, COLUMN_NAME, SUB_PART, NULLABLE, "
	    "INDEX_TYPE FROM information_schema.STATISTICS",
	    "TABLE_SCHEMA", NULL, row_index);
	for (i = 0; rc == 0 && i < r->s->ntables; i++)
		rc = sr_finish_indexes(r, &r->s->tables[i]);
	return rc;
}

static void free_table(struct ms_table *t)
{
	size_t i;

	for (i = 0; i < t->nindexes; i++) {
		free(t->indexes[i].columns);
		free(t->indexes[i].sub_parts);
	}
	for (i = 0; i < t->nfks; i++) {
		free(t->fks[i].columns);
		free(t->fks[i].ref_columns);
	}
	free(t->columns);
	free(t->indexes);
	free(t->fks);
}

void ms_schema_free(struct ms_schema *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->ntables; i++)
		free_table(&s->tables[i]);
	free(s->tables);
	free(s->databases);
	ms_sr_free_objects(s);
	ms_strarena_free(s->strings);
	free(s);
}

static int sr_read_all(struct ms_sr *r)
{
	int rc;

	if ((rc = sr_databases(r)) || r->s->ndatabases == 0)
		return rc;
	if ((rc = sr_tables(r)) || (rc = sr_columns(r)) ||
	    (rc = sr_indexes(r)) || (rc = ms_sr_foreign_keys(r)) ||
	    (rc = ms_sr_triggers(r)) || (rc = ms_sr_views(r)) ||
	    (rc = ms_sr_routines(r)) || (rc = ms_sr_events(r)))
		return rc;
	return 0;
}

int ms_schema_read(struct ms_db *db, ms_schema_filter_fn filter, void *ctx,
		   struct ms_schema **out, struct ms_err *err)
{
	struct ms_err local;
	struct ms_sr r = {.db = db, .filter = filter, .fctx = ctx};
	int rc;

	*out = NULL;
	if (!db)
		return MS_ERR(err, MS_EINVAL, "schema: no connection");
	r.err = err ? err : &local;
	r.s = calloc(1, sizeof(*r.s));
	r.a = ms_strarena_new(MS_SCHEMA_MAX_BYTES);
	if (!r.s || !r.a) {
		ms_strarena_free(r.a);
		free(r.s);
		return MS_ERR(err, MS_ENOMEM, "schema: out of memory");
	}
	r.s->strings = r.a;
	r.expr_defaults =
	    ms_db_is_mariadb(db) && ms_db_server_version_num(db) >= 100207;
	rc = sr_read_all(&r);
	if (rc) {
		ms_schema_free(r.s);
		ms_err_prefix(r.err, "reading schema");
		return rc;
	}
	MS_LOG_DEBUG("db",
		     "event=schema_read role=%s databases=%zu tables=%zu "
		     "views=%zu triggers=%zu routines=%zu events=%zu",
		     ms_db_role(db), r.s->ndatabases, r.s->ntables, r.s->nviews,
		     r.s->ntriggers, r.s->nroutines, r.s->nevents);
	*out = r.s;
	return 0;
}

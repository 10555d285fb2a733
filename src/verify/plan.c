/* Table pairs: the selected source tables, their mapped target tables,
 * the columns compared, the chunk keys and the per-side SQL fragments of
 * the row hash. See docs/verify.md ("Pairs" and "What can differ"). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "db/quote.h"
#include "verify/engine.h"

/* A mapped target name, for the target schema read and the lookups. */
struct vf_name {
	char *schema, *table; /* owned */
	size_t idx;	      /* in r->tables */
};

struct vf_names {
	struct vf_name *v; /* sorted by (schema, table) */
	size_t n;
	bool fold; /* compare case-insensitively */
};

static int name_cmp(const struct vf_names *ns, const char *s1, const char *t1,
		    const char *s2, const char *t2)
{
	int c = ns->fold ? strcasecmp(s1, s2) : strcmp(s1, s2);

	if (c || !t1 || !t2)
		return c;
	return ns->fold ? strcasecmp(t1, t2) : strcmp(t1, t2);
}

/* First index whose name is >= (schema, table); <table> NULL compares the
 * schema only. */
static size_t name_lower(const struct vf_names *ns, const char *schema,
			 const char *table)
{
	size_t lo = 0, hi = ns->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct vf_name *m = &ns->v[mid];

		if (name_cmp(ns, m->schema, table ? m->table : NULL, schema,
			     table) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The target schema read keeps exactly the mapped names. */
static bool target_filter(void *ctx, const char *schema, const char *table)
{
	const struct vf_names *ns = ctx;
	size_t i = name_lower(ns, schema, table);

	return i < ns->n &&
	       name_cmp(ns, ns->v[i].schema, table ? ns->v[i].table : NULL,
			schema, table) == 0;
}

static bool fold_sort;

static int cmp_name(const void *a, const void *b)
{
	const struct vf_name *x = a, *y = b;
	struct vf_names ns = {.fold = fold_sort};

	return name_cmp(&ns, x->schema, x->table, y->schema, y->table);
}

static void names_free(struct vf_names *ns)
{
	size_t i;

	for (i = 0; ns->v && i < ns->n; i++) {
		free(ns->v[i].schema);
		free(ns->v[i].table);
	}
	free(ns->v);
}

/* Include rules that match no schema are misspellings, not empty sets. */
static int check_rule_schemas(const struct vf_engine *e, struct ms_db *src,
			      struct ms_err *err)
{
	char **v = NULL;
	size_t n = 0;
	int rc = ms_schema_names(src, &v, &n, err);

	if (!rc)
		rc = ms_rules_check_schemas(e->o.rules, (const char *const *)v,
					    n, err);
	free(v);
	return rc;
}

static char *dotted(const char *a, const char *b)
{
	struct ms_buf q;
	char *s;

	ms_buf_init(&q, 1024);
	s = ms_buf_addf(&q, "%s.%s", a, b) ? NULL : ms_buf_take(&q);
	ms_buf_free(&q);
	return s;
}

static char *quoted(const char *a, const char *b)
{
	struct ms_buf q;
	char *s;

	ms_buf_init(&q, 1024);
	s = ms_quote_qualified(&q, a, b) ? NULL : ms_buf_take(&q);
	ms_buf_free(&q);
	return s;
}

/* Maps every source table and sorts the target names. */
static int map_names(struct vf_engine *e, struct vf_names *ns,
		     struct ms_err *err)
{
	struct vf_run *r = &e->r;
	size_t i;
	int rc = 0;

	ns->v = calloc(r->ntables + 1, sizeof(*ns->v));
	if (!ns->v)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	for (i = 0; !rc && i < r->ntables; i++) {
		const struct ms_table *st = &r->src_schema->tables[i];
		struct ms_buf s, t;

		ms_buf_init(&s, 1024);
		ms_buf_init(&t, 1024);
		rc = ms_rules_map(e->o.rules, st->schema, st->name, &s, &t);
		ns->v[i].schema = rc ? NULL : ms_buf_take(&s);
		ns->v[i].table = rc ? NULL : ms_buf_take(&t);
		ns->v[i].idx = i;
		ns->n = i + 1;
		ms_buf_free(&s);
		ms_buf_free(&t);
		if (!rc && (!ns->v[i].schema || !ns->v[i].table))
			rc = MS_ENOMEM;
		if (rc)
			return MS_ERR(err, rc, "mapping `%s`.`%s`: %s",
				      st->schema, st->name, ms_strerror(rc));
		if (!strcmp(ns->v[i].schema, e->o.control_schema))
			return MS_ERR(err, MS_ECONFIG,
				      "source table `%s`.`%s` maps into the "
				      "control schema `%s`",
				      st->schema, st->name,
				      e->o.control_schema);
		r->tables[i].src_name = dotted(st->schema, st->name);
		r->tables[i].tgt_name = dotted(ns->v[i].schema, ns->v[i].table);
		r->tables[i].s.q = quoted(st->schema, st->name);
		r->tables[i].g.q = quoted(ns->v[i].schema, ns->v[i].table);
		if (!r->tables[i].src_name || !r->tables[i].tgt_name ||
		    !r->tables[i].s.q || !r->tables[i].g.q)
			return MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	fold_sort = ns->fold;
	qsort(ns->v, ns->n, sizeof(*ns->v), cmp_name);
	for (i = 0; i + 1 < ns->n; i++)
		if (!cmp_name(&ns->v[i], &ns->v[i + 1]))
			return MS_ERR(err, MS_ECONFIG,
				      "mapping rules send source tables %s "
				      "and %s to the same target table %s",
				      r->tables[ns->v[i].idx].s.q,
				      r->tables[ns->v[i + 1].idx].s.q,
				      r->tables[ns->v[i].idx].g.q);
	return 0;
}

/* The target table for a mapped name: exact, then as the target folds. */
static const struct ms_table *find_target(const struct vf_engine *e,
					  const struct vf_name *nm)
{
	const struct ms_schema *g = e->r.tgt_schema;
	const struct ms_table *t = ms_schema_table(g, nm->schema, nm->table);
	char *ls, *lt;
	size_t i;

	if (t || !e->fold_case)
		return t;
	/* lower_case_table_names=1 stores lower case names */
	ls = strdup(nm->schema);
	lt = strdup(nm->table);
	for (i = 0; ls && ls[i]; i++)
		ls[i] = (char)tolower((unsigned char)ls[i]);
	for (i = 0; lt && lt[i]; i++)
		lt[i] = (char)tolower((unsigned char)lt[i]);
	if (ls && lt)
		t = ms_schema_table(g, ls, lt);
	free(ls);
	free(lt);
	for (i = 0; !t && i < g->ntables; i++)
		if (!strcasecmp(g->tables[i].schema, nm->schema) &&
		    !strcasecmp(g->tables[i].name, nm->table))
			t = &g->tables[i];
	return t;
}

static const struct ms_column *find_col(const struct ms_table *t,
					const char *name)
{
	size_t i;

	for (i = 0; i < t->ncolumns; i++)
		if (!t->columns[i].generated &&
		    !strcasecmp(t->columns[i].name, name))
			return &t->columns[i];
	return NULL;
}

static void schema_difference(struct vf_engine *e, bool *counted)
{
	if (!*counted) {
		pthread_mutex_lock(&e->r.mu);
		e->r.res->schema_differences++;
		pthread_mutex_unlock(&e->r.mu);
	}
	*counted = true;
}

/* The columns compared: non-generated on both sides, paired by name in
 * source order. One-sided columns are warned about. */
static int pair_columns(struct vf_engine *e, struct vf_table *t, bool *diff)
{
	const struct ms_table *s = t->s.t, *g = t->g.t;
	bool maria_s = e->r.src_mariadb, maria_g = e->r.tgt_mariadb;
	size_t i;

	t->cols = calloc(s->ncolumns + 1, sizeof(*t->cols));
	if (!t->cols)
		return MS_ENOMEM;
	for (i = 0; i < s->ncolumns; i++) {
		const struct ms_column *c = &s->columns[i];
		const struct ms_column *o;
		struct vf_col *vc;

		if (c->generated)
			continue;
		o = find_col(g, c->name);
		if (!o) {
			MS_LOG_WARN(VF_COMPONENT,
				    "event=schema_difference table=%s "
				    "column=%s msg=\"column `%s` of %s is on "
				    "the source only (not on %s)\"",
				    t->src_name, c->name, c->name, t->s.q,
				    t->g.q);
			vf_warned(e);
			schema_difference(e, diff);
			continue;
		}
		vc = &t->cols[t->ncols++];
		vc->src = c;
		vc->tgt = o;
		if (ms_type_is_float(c->data_type))
			vc->cmp = VF_CMP_FLOAT;
		else if (maria_s != maria_g &&
			 !strcmp((maria_s ? o : c)->data_type, "json"))
			vc->cmp = VF_CMP_JSON;
		else
			vc->cmp = VF_CMP_BYTES;
	}
	for (i = 0; i < g->ncolumns; i++) {
		const struct ms_column *c = &g->columns[i];

		if (c->generated || find_col(s, c->name))
			continue;
		MS_LOG_WARN(VF_COMPONENT,
			    "event=schema_difference table=%s column=%s "
			    "msg=\"column `%s` of %s is on the target only "
			    "(not on %s)\"",
			    t->src_name, c->name, c->name, t->g.q, t->s.q);
		vf_warned(e);
		schema_difference(e, diff);
	}
	return 0;
}

/* One side's expression for a compared column (docs/verify.md). */
static int col_expr(const struct ms_column *c, struct ms_buf *out)
{
	int rc;

	if (ms_type_is_float(c->data_type)) {
		rc = ms_quote_ident(out, c->name);
		return rc ? rc : ms_buf_addstr(out, "+0e0");
	}
	if (c->charset && strcmp(c->charset, "binary") &&
	    strcmp(c->charset, "utf8mb4")) {
		rc = ms_buf_addstr(out, "CONVERT(");
		rc = rc ? rc : ms_quote_ident(out, c->name);
		return rc ? rc : ms_buf_addstr(out, " USING utf8mb4)");
	}
	return ms_quote_ident(out, c->name);
}

static int side_sql(struct vf_table *t, bool target, struct vf_side *sd)
{
	struct ms_buf h, l;
	size_t i, nulls = 0;
	int rc = 0;

	ms_buf_init(&h, (size_t)16 << 20);
	ms_buf_init(&l, (size_t)16 << 20);
	if (sd->key.n)
		rc = ms_key_exprs(&sd->key, false, &l);
	for (i = 0; !rc && i < t->ncols; i++) {
		const struct ms_column *c =
		    target ? t->cols[i].tgt : t->cols[i].src;

		rc = ms_buf_addstr(&h, i ? ", " : "");
		rc = rc ? rc : col_expr(c, &h);
		rc = rc ? rc : ms_buf_addstr(&l, l.len ? ", " : "");
		rc = rc ? rc : col_expr(c, &l);
	}
	/* NULL flags over the columns nullable on either side, so both
	 * sides hash the same text shape. */
	for (i = 0; !rc && i < t->ncols; i++) {
		if (!t->cols[i].src->nullable && !t->cols[i].tgt->nullable)
			continue;
		rc = ms_buf_addstr(&h, nulls++ ? ", " : ", CONCAT(");
		rc = rc ? rc : ms_buf_addstr(&h, "ISNULL(");
		rc = rc ? rc
			: ms_quote_ident(
			      &h,
			      (target ? t->cols[i].tgt : t->cols[i].src)->name);
		rc = rc ? rc : ms_buf_addc(&h, ')');
	}
	if (!rc && nulls)
		rc = ms_buf_addc(&h, ')');
	free(sd->hash_args);
	free(sd->row_list);
	sd->hash_args = rc ? NULL : ms_buf_take(&h);
	sd->row_list = rc ? NULL : ms_buf_take(&l);
	ms_buf_free(&h);
	ms_buf_free(&l);
	if (!rc && (!sd->hash_args || !sd->row_list))
		rc = MS_ENOMEM;
	return rc;
}

int vf_plan_sql(struct vf_table *t)
{
	int rc = side_sql(t, false, &t->s);

	return rc ? rc : side_sql(t, true, &t->g);
}

static bool same_key(const struct ms_key *a, const struct ms_key *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcasecmp(a->parts[i].col->name, b->parts[i].col->name))
			return false;
	return true;
}

static int key_names(const struct ms_key *k, struct ms_buf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < k->n; i++)
		rc = ms_buf_addf(out, "%s%s", i ? "," : "",
				 k->parts[i].col->name);
	return rc ? rc : (k->n ? 0 : ms_buf_addstr(out, "none"));
}

static void set_note(struct vf_tstate *ts, const char *note)
{
	free(ts->note);
	ts->note = strdup(note);
}

/* The chunk keys: the source's, and the target's on the same columns. */
static int pair_keys(struct vf_engine *e, struct vf_table *t,
		     struct vf_tstate *ts, bool *diff, struct ms_err *err)
{
	struct ms_buf a, b;
	int rc = ms_key_init(&t->s.key, t->s.t);

	if (rc)
		return MS_ERR(err, rc, "%s: its chunk key: %s", t->s.q,
			      ms_strerror(rc));
	if (!t->s.key.n) {
		t->keyless = ts->whole = true;
		MS_LOG_WARN(VF_COMPONENT,
			    "event=no_key table=%s msg=\"%s has no primary "
			    "key or NOT NULL unique key: compared as one "
			    "whole-table checksum\"",
			    t->src_name, t->s.q);
		vf_warned(e);
		pthread_mutex_lock(&e->r.mu);
		e->r.res->keyless_tables++;
		pthread_mutex_unlock(&e->r.mu);
		set_note(ts, "no key: one whole-table checksum");
		return 0;
	}
	rc = ms_key_init(&t->g.key, t->g.t);
	if (rc)
		return MS_ERR(err, rc, "%s: its chunk key: %s", t->g.q,
			      ms_strerror(rc));
	if (same_key(&t->s.key, &t->g.key)) {
		ms_key_convert_from(&t->g.key, &t->s.key);
		return 0;
	}
	ms_buf_init(&a, 4096);
	ms_buf_init(&b, 4096);
	if (key_names(&t->s.key, &a) || key_names(&t->g.key, &b)) {
		ms_buf_free(&a);
		ms_buf_free(&b);
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	MS_LOG_WARN(VF_COMPONENT,
		    "event=schema_difference table=%s msg=\"the chunk key of "
		    "%s (%s) differs from the source's (%s): not compared\"",
		    t->src_name, t->g.q, ms_buf_str(&b), ms_buf_str(&a));
	vf_warned(e);
	schema_difference(e, diff);
	ts->skip = true;
	set_note(ts, "chunk keys differ: not compared");
	ms_buf_free(&a);
	ms_buf_free(&b);
	return 0;
}

static int pair_one(struct vf_engine *e, const struct vf_name *nm,
		    struct ms_err *err)
{
	struct vf_table *t = &e->r.tables[nm->idx];
	struct vf_tstate *ts = &e->ts[nm->idx];
	bool diff = false;
	int rc;

	t->s.t = &e->r.src_schema->tables[nm->idx];
	t->g.t = find_target(e, nm);
	ts->chunk_rows = VF_CHUNK_START;
	if (!t->g.t) {
		MS_LOG_WARN(VF_COMPONENT,
			    "event=schema_difference table=%s msg=\"target "
			    "table %s (mapped from %s) does not exist: not "
			    "compared\"",
			    t->src_name, t->g.q, t->s.q);
		vf_warned(e);
		schema_difference(e, &diff);
		ts->skip = true;
		set_note(ts, "missing on the target: not compared");
		return 0;
	}
	if (pair_columns(e, t, &diff))
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	if (diff)
		set_note(ts, "columns differ: shared columns compared");
	if (!t->ncols) {
		MS_LOG_WARN(VF_COMPONENT,
			    "event=no_columns table=%s msg=\"%s and %s share "
			    "no stored column: not compared\"",
			    t->src_name, t->s.q, t->g.q);
		vf_warned(e);
		schema_difference(e, &diff);
		ts->skip = true;
		set_note(ts, "no shared column: not compared");
		return 0;
	}
	rc = pair_keys(e, t, ts, &diff, err);
	if (rc || ts->skip)
		return rc;
	rc = vf_plan_sql(t);
	return rc ? MS_ERR(err, rc, "%s: building its checksum SQL: %s", t->s.q,
			   ms_strerror(rc))
		  : 0;
}

static int read_fold(struct vf_engine *e, struct ms_db *tgt, struct ms_err *err)
{
	char *v = NULL;
	int rc =
	    ms_db_query_value(tgt, "SELECT @@lower_case_table_names", &v, err);

	e->fold_case = !rc && v && strcmp(v, "0");
	free(v);
	return rc;
}

int vf_plan_tables(struct vf_engine *e, struct ms_db *src, struct ms_db *tgt,
		   struct ms_err *err)
{
	struct vf_run *r = &e->r;
	struct vf_names ns = {0};
	size_t i, n;
	int rc;

	rc = ms_schema_read(src, ms_rules_filter, (void *)e->o.rules,
			    &r->src_schema, err);
	rc = rc ? rc : check_rule_schemas(e, src, err);
	if (!rc && r->src_schema->ntables == 0)
		rc = MS_ERR(err, MS_ECONFIG,
			    "the selection rules select no table on the "
			    "source");
	if (rc)
		return rc;
	n = r->src_schema->ntables;
	r->tables = calloc(n, sizeof(*r->tables));
	e->ts = calloc(n, sizeof(*e->ts));
	if (!r->tables || !e->ts)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	r->ntables = n;
	rc = read_fold(e, tgt, err);
	ns.fold = e->fold_case;
	rc = rc ? rc : map_names(e, &ns, err);
	rc = rc ? rc
		: ms_schema_read(tgt, target_filter, &ns, &r->tgt_schema, err);
	for (i = 0; !rc && i < ns.n; i++)
		rc = pair_one(e, &ns.v[i], err);
	names_free(&ns);
	return rc;
}

void vf_table_free(struct vf_table *t)
{
	free(t->src_name);
	free(t->tgt_name);
	free(t->s.q);
	free(t->g.q);
	ms_key_free(&t->s.key);
	ms_key_free(&t->g.key);
	free(t->s.hash_args);
	free(t->g.hash_args);
	free(t->s.row_list);
	free(t->g.row_list);
	free(t->cols);
	memset(t, 0, sizeof(*t));
}

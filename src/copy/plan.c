/* Table jobs: target names through the mapping rules, collision checks, the
 * chunk key and the column lists a chunk reads and writes. See
 * docs/copy.md. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "copy/copy_int.h"
#include "core/log.h"
#include "db/quote.h"

/* Types whose text form is canonical and which refuse a binary string:
 * MariaDB's INET4/INET6/UUID (a binary string must be their 16-byte
 * internal form) and MySQL's JSON. Written as utf8mb4 text. */
static bool needs_utf8(const struct cp_run *r, const char *dt)
{
	return !strcmp(dt, "inet4") || !strcmp(dt, "inet6") ||
	       !strcmp(dt, "uuid") ||
	       (!strcmp(dt, "json") && !r->mariadb_target);
}

static int quote_new(const char *a, const char *b, char **out)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 1024);
	rc = b ? ms_quote_qualified(&q, a, b) : ms_quote_ident(&q, a);
	*out = rc ? NULL : ms_buf_take(&q);
	ms_buf_free(&q);
	return rc ? rc : (*out ? 0 : MS_ENOMEM);
}

static int plan_key(struct cp_table *t)
{
	int rc = ms_key_init(&t->key, t->src);

	t->int_key = !rc && t->key.int_key;
	t->int_step = -1; /* MIN/MAX not read yet */
	return rc;
}

/* select_list, load_list, insert_list and the value kinds. */
static int plan_columns(struct cp_run *r, struct cp_table *t)
{
	struct ms_buf sel, load, set, ins;
	size_t i, n = 0;
	int rc = 0;

	t->vals = calloc(t->src->ncolumns + 1, sizeof(*t->vals));
	if (!t->vals)
		return MS_ENOMEM;
	ms_buf_init(&sel, (size_t)16 << 20);
	ms_buf_init(&load, (size_t)16 << 20);
	ms_buf_init(&set, (size_t)16 << 20);
	ms_buf_init(&ins, (size_t)16 << 20);
	for (i = 0; !rc && i < t->src->ncolumns; i++) {
		const struct ms_column *c = &t->src->columns[i];
		bool as_text = needs_utf8(r, c->data_type);
		const char *sep = n ? ", " : "";

		if (c->generated)
			continue; /* never written: the target computes it */
		rc = ms_buf_addstr(&sel, sep);
		rc = rc ? rc : ms_quote_ident(&sel, c->name);
		if (!rc && ms_type_is_float(c->data_type))
			rc = ms_buf_addstr(&sel, "+0e0"); /* all digits */
		rc = rc ? rc : ms_buf_addstr(&ins, n ? "," : "(");
		rc = rc ? rc : ms_quote_ident(&ins, c->name);
		rc = rc ? rc : ms_buf_addstr(&load, n ? "," : "(");
		if (!rc && as_text) {
			rc = ms_buf_addf(&load, "@v%zu", n);
			rc = rc ? rc
				: ms_buf_addstr(&set, set.len ? ", " : " SET ");
			rc = rc ? rc : ms_quote_ident(&set, c->name);
			rc = rc ? rc
				: ms_buf_addf(&set,
					      " = CONVERT(@v%zu USING utf8mb4)",
					      n);
		} else if (!rc) {
			rc = ms_quote_ident(&load, c->name);
		}
		t->vals[n++] = ms_type_is_num(c->data_type) ? CP_VAL_NUM
			       : as_text		    ? CP_VAL_UTF8
							    : CP_VAL_BIN;
	}
	rc = rc ? rc : (n ? 0 : MS_EUNSUPPORTED);
	rc = rc ? rc : ms_buf_addc(&ins, ')');
	rc = rc ? rc : ms_buf_addc(&load, ')');
	rc = rc ? rc : ms_buf_add(&load, set.ptr ? set.ptr : "", set.len);
	t->ncols = n;
	t->select_list = rc ? NULL : ms_buf_take(&sel);
	t->load_list = rc ? NULL : ms_buf_take(&load);
	t->insert_list = rc ? NULL : ms_buf_take(&ins);
	ms_buf_free(&sel);
	ms_buf_free(&load);
	ms_buf_free(&set);
	ms_buf_free(&ins);
	if (!rc && (!t->select_list || !t->load_list || !t->insert_list))
		rc = MS_ENOMEM;
	return rc;
}

static int plan_one(struct cp_run *r, struct cp_table *t,
		    const struct ms_table *src, struct ms_err *err)
{
	struct ms_buf s, n;
	int rc;

	t->src = src;
	t->rows_estimate = src->rows_estimate;
	ms_buf_init(&s, 1024);
	ms_buf_init(&n, 1024);
	rc = ms_rules_map(r->o->rules, src->schema, src->name, &s, &n);
	t->tschema = rc ? NULL : ms_buf_take(&s);
	t->ttable = rc ? NULL : ms_buf_take(&n);
	ms_buf_free(&s);
	ms_buf_free(&n);
	if (!rc && (!t->tschema || !t->ttable))
		rc = MS_ENOMEM;
	rc = rc ? rc : quote_new(src->schema, src->name, &t->src_q);
	rc = rc ? rc : quote_new(t->tschema, t->ttable, &t->tgt_q);
	rc = rc ? rc : plan_key(t);
	rc = rc ? rc : plan_columns(r, t);
	if (rc == MS_EUNSUPPORTED)
		return MS_ERR(err, rc,
			      "source table `%s`.`%s` has only generated "
			      "columns: nothing to copy",
			      src->schema, src->name);
	if (rc)
		return MS_ERR(err, rc, "planning `%s`.`%s` failed: %s",
			      src->schema, src->name, ms_err_name(rc));
	return 0;
}

/* Target lower_case_table_names != 0. Set once while planning, before any
 * worker starts; qsort and bsearch comparators take no context. */
static bool fold_case;

static int cmp_names(const char *s1, const char *t1, const char *s2,
		     const char *t2)
{
	int c = fold_case ? strcasecmp(s1, s2) : strcmp(s1, s2);

	if (c)
		return c;
	return fold_case ? strcasecmp(t1, t2) : strcmp(t1, t2);
}

static int cmp_target(const void *a, const void *b)
{
	const struct cp_table *x = *(const struct cp_table *const *)a;
	const struct cp_table *y = *(const struct cp_table *const *)b;

	return cmp_names(x->tschema, x->ttable, y->tschema, y->ttable);
}

/* bsearch key: a {schema, table} pair of names. */
static int cmp_key_target(const void *k, const void *e)
{
	const char *const *key = k;
	const struct cp_table *t = *(const struct cp_table *const *)e;

	return cmp_names(key[0], key[1], t->tschema, t->ttable);
}

struct cp_table *cp_find_target(const struct cp_run *r, const char *schema,
				const char *name)
{
	const char *key[2] = {schema, name};
	struct cp_table **hit;

	if (!r->ntables)
		return NULL;
	hit = bsearch(key, r->by_target, r->ntables, sizeof(*r->by_target),
		      cmp_key_target);
	return hit ? *hit : NULL;
}

struct cp_table *cp_find_source(const struct cp_run *r, const char *schema,
				const char *name)
{
	/* r->tables follows the schema's tables, sorted by source name */
	const struct ms_table *t = ms_schema_table(r->schema, schema, name);

	return t ? &r->tables[t - r->schema->tables] : NULL;
}

/* Two source tables mapped onto one target name would silently merge. */
static int check_collisions(struct cp_run *r, struct ms_db *tgt,
			    struct ms_err *err)
{
	struct cp_table **v;
	char *lctn = NULL;
	size_t i;
	int rc;

	rc = ms_db_query_value(tgt, "SELECT @@lower_case_table_names", &lctn,
			       err);
	if (rc)
		return rc;
	fold_case = lctn && strcmp(lctn, "0") != 0;
	free(lctn);
	v = calloc(r->ntables + 1, sizeof(*v));
	if (!v)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	for (i = 0; i < r->ntables; i++)
		v[i] = &r->tables[i];
	qsort(v, r->ntables, sizeof(*v), cmp_target);
	r->by_target = v;
	for (i = 0; !rc && i + 1 < r->ntables; i++) {
		if (cmp_target(&v[i], &v[i + 1]))
			continue;
		rc = MS_ERR(err, MS_ECONFIG,
			    "mapping rules send source tables %s and %s to "
			    "the same target table %s%s",
			    v[i]->src_q, v[i + 1]->src_q, v[i]->tgt_q,
			    fold_case ? " (the target's "
					"lower_case_table_names folds case)"
				      : "");
	}
	for (i = 0; !rc && i < r->ntables; i++)
		if (!strcmp(r->tables[i].tschema, r->o->control_schema))
			rc = MS_ERR(err, MS_ECONFIG,
				    "source table %s maps into the control "
				    "schema `%s`",
				    r->tables[i].src_q, r->o->control_schema);
	return rc;
}

int cp_plan_tables(struct cp_run *r, struct ms_db *src, struct ms_db *tgt,
		   struct ms_err *err)
{
	const struct ms_schema *s = r->schema;
	size_t i;
	int rc = 0;

	(void)src;
	r->tables = calloc(s->ntables + 1, sizeof(*r->tables));
	if (!r->tables)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	for (i = 0; !rc && i < s->ntables; i++) {
		rc = plan_one(r, &r->tables[i], &s->tables[i], err);
		r->ntables = i + 1;
	}
	return rc ? rc : check_collisions(r, tgt, err);
}

static void segs_free(struct cp_segment *s)
{
	while (s) {
		struct cp_segment *next = s->next;

		free(s->lo);
		free(s->hi);
		free(s->cursor);
		free(s);
		s = next;
	}
}

void cp_table_free(struct cp_table *t)
{
	ms_key_free(&t->key);
	free(t->tschema);
	free(t->ttable);
	free(t->src_q);
	free(t->tgt_q);
	free(t->select_list);
	free(t->load_list);
	free(t->insert_list);
	free(t->vals);
	free(t->planned_hi);
	ms_ddl_table_free(&t->ddl);
	segs_free(t->segs);
}

/* Foreign keys, triggers, views, routines and events for ms_schema_read. */
#include <stdlib.h>
#include <string.h>

#include "db/schema_int.h"

#define SCHEMA_MAX_FK_PARTS 64

/* ---- foreign keys ------------------------------------------------------- */

static struct ms_foreign_key *find_fk(struct ms_table *t, const char *name)
{
	size_t i;

	for (i = 0; name && i < t->nfks; i++)
		if (strcmp(t->fks[i].name, name) == 0)
			return &t->fks[i];
	return NULL;
}

static int fk_reserve(struct ms_foreign_key *fk, size_t pos)
{
	char **c, **rc;

	if (pos <= fk->ncolumns)
		return 0;
	c = realloc(fk->columns, pos * sizeof(*c));
	if (!c)
		return MS_ENOMEM;
	fk->columns = c;
	rc = realloc(fk->ref_columns, pos * sizeof(*rc));
	if (!rc)
		return MS_ENOMEM;
	fk->ref_columns = rc;
	memset(c + fk->ncolumns, 0, (pos - fk->ncolumns) * sizeof(*c));
	memset(rc + fk->ncolumns, 0, (pos - fk->ncolumns) * sizeof(*rc));
	fk->ncolumns = pos;
	return 0;
}

static int new_fk(struct ms_sr *r, struct ms_table *t, const char *const *v,
		  const size_t *l, struct ms_foreign_key **out)
{
	struct ms_foreign_key *fk;
	int rc;

	if (ms_schema_grow((void **)&t->fks, t->nfks, sizeof(*fk)))
		return ms_sr_nomem(r);
	fk = &t->fks[t->nfks];
	if ((rc = ms_sr_dup(r, v, l, 2, &fk->name)) ||
	    (rc = ms_sr_dup(r, v, l, 5, &fk->ref_schema)) ||
	    (rc = ms_sr_dup(r, v, l, 6, &fk->ref_table)))
		return rc;
	t->nfks++;
	*out = fk;
	return 0;
}

static int row_fk_column(SR_ROW_ARGS)
{
	struct ms_table *t;
	struct ms_foreign_key *fk;
	uint64_t pos;
	int rc;

	SR_ROW_PROLOGUE(8);
	t = ms_sr_table(r, v[0], v[1]);
	if (!t || !v[2] || !v[4])
		return 0;
	pos = ms_sr_u64(v[3]);
	if (pos < 1 || pos > SCHEMA_MAX_FK_PARTS)
		return MS_ERR(r->err, MS_ECORRUPT,
			      "schema: %s.%s foreign key %s: bad position",
			      t->schema, t->name, v[2]);
	fk = find_fk(t, v[2]);
	if (!fk && (rc = new_fk(r, t, v, l, &fk)))
		return rc;
	if (fk_reserve(fk, (size_t)pos))
		return ms_sr_nomem(r);
	if (fk->columns[pos - 1])
		return MS_ERR(r->err, MS_ECORRUPT,
			      "schema: %s.%s foreign key %s: duplicate part",
			      t->schema, t->name, fk->name);
	if ((rc = ms_sr_dup(r, v, l, 4, &fk->columns[pos - 1])) ||
	    (rc = ms_sr_dup(r, v, l, 7, &fk->ref_columns[pos - 1])))
		return rc;
	return 0;
}

static int row_fk_rules(SR_ROW_ARGS)
{
	struct ms_table *t;
	struct ms_foreign_key *fk;
	int rc;

	SR_ROW_PROLOGUE(5);
	t = ms_sr_table(r, v[0], v[1]);
	if (!t)
		return 0;
	fk = find_fk(t, v[2]);
	if (!fk)
		return 0;
	if ((rc = ms_sr_dup(r, v, l, 3, &fk->on_update)) ||
	    (rc = ms_sr_dup(r, v, l, 4, &fk->on_delete)))
		return rc;
	return 0;
}

static int check_fks(struct ms_sr *r)
{
	size_t i, j, k;

	for (i = 0; i < r->s->ntables; i++) {
		struct ms_table *t = &r->s->tables[i];

		for (j = 0; j < t->nfks; j++)
			for (k = 0; k < t->fks[j].ncolumns; k++)
				if (!t->fks[j].columns[k] ||
				    !t->fks[j].ref_columns[k])
					return MS_ERR(
					    r->err, MS_ECORRUPT,
					    "schema: %s.%s foreign key %s: "
					    "missing part %zu",
					    t->schema, t->name, t->fks[j].name,
					    k + 1);
	}
	return 0;
}

/* Two queries joined here: joining information_schema views on the server
 * makes MariaDB open every table once per row of the other side. */
int ms_sr_foreign_keys(struct ms_sr *r)
{
	int rc;

	rc =
	    ms_sr_run(r,
		      "SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, "
		      "ORDINAL_POSITION, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, "
		      "REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME "
		      "FROM information_schema.KEY_COLUMN_USAGE",
		      "TABLE_SCHEMA", " AND REFERENCED_TABLE_NAME IS NOT NULL",
		      row_fk_column);
	if (rc == 0)
		rc =
		    ms_sr_run(r,
			      "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, "
			      "CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE "
			      "FROM information_schema.REFERENTIAL_CONSTRAINTS",
			      "CONSTRAINT_SCHEMA", NULL, row_fk_rules);
	return rc ? rc : check_fks(r);
}

/* ---- triggers ----------------------------------------------------------- */

static int row_trigger(SR_ROW_ARGS)
{
	struct ms_trigger *g;
	int rc;

	SR_ROW_PROLOGUE(7);
	/* A trigger follows its table. */
	if (!ms_sr_table(r, v[0], v[2]))
		return 0;
	if (ms_schema_grow((void **)&r->s->triggers, r->s->ntriggers,
			   sizeof(*g)))
		return ms_sr_nomem(r);
	g = &r->s->triggers[r->s->ntriggers];
	if ((rc = ms_sr_dup(r, v, l, 0, &g->schema)) ||
	    (rc = ms_sr_dup(r, v, l, 1, &g->name)) ||
	    (rc = ms_sr_dup(r, v, l, 2, &g->table)) ||
	    (rc = ms_sr_dup(r, v, l, 3, &g->timing)) ||
	    (rc = ms_sr_dup(r, v, l, 4, &g->event)) ||
	    (rc = ms_sr_dup(r, v, l, 5, &g->definer)) ||
	    (rc = ms_sr_dup(r, v, l, 6, &g->statement)))
		return rc;
	r->s->ntriggers++;
	return 0;
}

static int cmp_trigger(const void *x, const void *y)
{
	const struct ms_trigger *a = x, *b = y;
	int c = strcmp(a->schema, b->schema);

	return c ? c : strcmp(a->name, b->name);
}

int ms_sr_triggers(struct ms_sr *r)
{
	int rc = ms_sr_run(r,
			   "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, "
			   "EVENT_OBJECT_TABLE, ACTION_TIMING, "
			   "EVENT_MANIPULATION, DEFINER, ACTION_STATEMENT "
			   "FROM information_schema.TRIGGERS",
			   "TRIGGER_SCHEMA", NULL, row_trigger);

	if (rc == 0)
		ms_schema_sort(r->s->triggers, r->s->ntriggers,
			       sizeof(*r->s->triggers), cmp_trigger);
	return rc;
}

/* ---- views -------------------------------------------------------------- */

static int row_view(SR_ROW_ARGS)
{
	struct ms_view *w;
	int rc;

	SR_ROW_PROLOGUE(5);
	if (!ms_sr_object_selected(r, v[0], v[1]))
		return 0;
	if (ms_schema_grow((void **)&r->s->views, r->s->nviews, sizeof(*w)))
		return ms_sr_nomem(r);
	w = &r->s->views[r->s->nviews];
	if ((rc = ms_sr_dup(r, v, l, 0, &w->schema)) ||
	    (rc = ms_sr_dup(r, v, l, 1, &w->name)) ||
	    (rc = ms_sr_dup(r, v, l, 2, &w->definer)) ||
	    (rc = ms_sr_dup(r, v, l, 3, &w->security_type)) ||
	    (rc = ms_sr_dup(r, v, l, 4, &w->definition)))
		return rc;
	r->s->nviews++;
	return 0;
}

static int cmp_view(const void *x, const void *y)
{
	const struct ms_view *a = x, *b = y;
	int c = strcmp(a->schema, b->schema);

	return c ? c : strcmp(a->name, b->name);
}

int ms_sr_views(struct ms_sr *r)
{
	int rc = ms_sr_run(r,
			   "SELECT TABLE_SCHEMA, TABLE_NAME, DEFINER, "
			   "SECURITY_TYPE, VIEW_DEFINITION "
			   "FROM information_schema.VIEWS",
			   "TABLE_SCHEMA", NULL, row_view);

	if (rc == 0)
		ms_schema_sort(r->s->views, r->s->nviews, sizeof(*r->s->views),
			       cmp_view);
	return rc;
}

/* ---- routines ----------------------------------------------------------- */

static int row_routine(SR_ROW_ARGS)
{
	struct ms_routine *o;
	int rc;

	SR_ROW_PROLOGUE(5);
	if (!v[0] || !ms_sr_schema_selected(r, v[0]))
		return 0;
	if (ms_schema_grow((void **)&r->s->routines, r->s->nroutines,
			   sizeof(*o)))
		return ms_sr_nomem(r);
	o = &r->s->routines[r->s->nroutines];
	if ((rc = ms_sr_dup(r, v, l, 0, &o->schema)) ||
	    (rc = ms_sr_dup(r, v, l, 1, &o->name)) ||
	    (rc = ms_sr_dup(r, v, l, 2, &o->type)) ||
	    (rc = ms_sr_dup(r, v, l, 3, &o->definer)) ||
	    (rc = ms_sr_dup(r, v, l, 4, &o->security_type)))
		return rc;
	r->s->nroutines++;
	return 0;
}

static int cmp_routine(const void *x, const void *y)
{
	const struct ms_routine *a = x, *b = y;
	int c = strcmp(a->schema, b->schema);

	if (c == 0)
		c = strcmp(a->name, b->name);
	return c ? c : strcmp(a->type, b->type);
}

int ms_sr_routines(struct ms_sr *r)
{
	int rc = ms_sr_run(r,
			   "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE, "
			   "DEFINER, SECURITY_TYPE "
			   "FROM information_schema.ROUTINES",
			   "ROUTINE_SCHEMA", NULL, row_routine);

	if (rc == 0)
		ms_schema_sort(r->s->routines, r->s->nroutines,
			       sizeof(*r->s->routines), cmp_routine);
	return rc;
}

/* ---- events ------------------------------------------------------------- */

static int row_event(SR_ROW_ARGS)
{
	struct ms_event *e;
	int rc;

	SR_ROW_PROLOGUE(4);
	if (!v[0] || !ms_sr_schema_selected(r, v[0]))
		return 0;
	if (ms_schema_grow((void **)&r->s->events, r->s->nevents, sizeof(*e)))
		return ms_sr_nomem(r);
	e = &r->s->events[r->s->nevents];
	if ((rc = ms_sr_dup(r, v, l, 0, &e->schema)) ||
	    (rc = ms_sr_dup(r, v, l, 1, &e->name)) ||
	    (rc = ms_sr_dup(r, v, l, 2, &e->definer)) ||
	    (rc = ms_sr_dup(r, v, l, 3, &e->status)))
		return rc;
	r->s->nevents++;
	return 0;
}

static int cmp_event(const void *x, const void *y)
{
	const struct ms_event *a = x, *b = y;
	int c = strcmp(a->schema, b->schema);

	return c ? c : strcmp(a->name, b->name);
}

int ms_sr_events(struct ms_sr *r)
{
	int rc = ms_sr_run(r,
			   "SELECT EVENT_SCHEMA, EVENT_NAME, DEFINER, STATUS "
			   "FROM information_schema.EVENTS",
			   "EVENT_SCHEMA", NULL, row_event);

	if (rc == 0)
		ms_schema_sort(r->s->events, r->s->nevents,
			       sizeof(*r->s->events), cmp_event);
	return rc;
}

void ms_sr_free_objects(struct ms_schema *s)
{
	free(s->triggers);
	free(s->views);
	free(s->routines);
	free(s->events);
}

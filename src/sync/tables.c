/* Which source tables sync applies, under which target names, and the
 * target metadata the applier needs, cached per table (a server with
 * 50,000 tenant schemas makes this a hash table, not a list).
 *
 * Forward, the selection and mapping rules decide. Reverse, the map is the
 * inverse of <cs>.copy_tables (read on the migration's target), which
 * forward sync keeps in step with replayed DDL; a table created on the
 * target after the copy maps into the source schema its schema came from. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "db/quote.h"
#include "sync/stmt.h"
#include "sync/sync_int.h"

struct sy_entry {
	struct sy_entry *next;
	char *key; /* schema \0 table */
	size_t keylen;
	enum sy_lookup state;
	struct ms_ap_table *ap;
	char *why; /* SY_TABLE_UNSUPPORTED */
};

struct sy_pair { /* reverse map: from (target names) -> to (source) */
	char *from_schema, *from_table, *to_schema, *to_table;
};

struct sy_tables {
	enum sy_map_mode mode;
	const struct ms_rules *rules;
	struct sy_entry **buckets;
	size_t nbuckets, count;
	struct sy_pair *pairs;
	size_t npairs, pairs_cap;
	/* reverse: the handover set (sorted), when <cs>.handover exists */
	bool handover, handover_all;
	char **ho;
	size_t nho, ho_cap;
};

static uint64_t hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--) {
		h ^= (unsigned char)*p++;
		h *= 1099511628211ULL;
	}
	return h;
}

struct sy_tables *sy_tables_new(enum sy_map_mode mode,
				const struct ms_rules *rules)
{
	struct sy_tables *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->mode = mode;
	t->rules = rules;
	t->nbuckets = 1024;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	return t;
}

static void entry_free(struct sy_entry *e)
{
	ms_ap_table_free(e->ap);
	free(e->key);
	free(e->why);
	free(e);
}

void sy_tables_forget(struct sy_tables *t)
{
	size_t i;

	for (i = 0; i < t->nbuckets; i++) {
		struct sy_entry *e = t->buckets[i], *next;

		for (; e; e = next) {
			next = e->next;
			entry_free(e);
		}
		t->buckets[i] = NULL;
	}
	t->count = 0;
}

static void handover_clear(struct sy_tables *t)
{
	size_t i;

	for (i = 0; i < t->nho; i++)
		free(t->ho[i]);
	t->nho = 0;
	t->handover = t->handover_all = false;
}

void sy_tables_free(struct sy_tables *t)
{
	size_t i;

	if (!t)
		return;
	sy_tables_forget(t);
	handover_clear(t);
	free(t->ho);
	free(t->buckets);
	for (i = 0; i < t->npairs; i++) {
		free(t->pairs[i].from_schema);
		free(t->pairs[i].from_table);
		free(t->pairs[i].to_schema);
		free(t->pairs[i].to_table);
	}
	free(t->pairs);
	free(t);
}

static int load_pair(void *ctx, const char *const *vals, const size_t *lens,
		     size_t ncols, struct ms_err *err)
{
	struct sy_tables *t = ctx;
	struct sy_pair *p, *np;

	(void)lens;
	if (ncols != 4 || !vals[0] || !vals[1] || !vals[2] || !vals[3])
		return MS_ERR(err, MS_ECORRUPT, "copy_tables: bad row");
	if (t->npairs == t->pairs_cap) {
		size_t cap = t->pairs_cap ? t->pairs_cap * 2 : 64;

		np = realloc(t->pairs, cap * sizeof(*np));
		if (!np)
			return MS_ERR(err, MS_ENOMEM, "out of memory");
		t->pairs = np;
		t->pairs_cap = cap;
	}
	p = &t->pairs[t->npairs];
	p->from_schema = strdup(vals[0]);
	p->from_table = strdup(vals[1]);
	p->to_schema = strdup(vals[2]);
	p->to_table = strdup(vals[3]);
	t->npairs++;
	if (!p->from_schema || !p->from_table || !p->to_schema || !p->to_table)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	return 0;
}

static int pair_cmp(const char *schema, const char *table,
		    const struct sy_pair *p)
{
	int c = strcmp(schema, p->from_schema);

	return c ? c : strcmp(table, p->from_table);
}

static int pair_sort(const void *a, const void *b)
{
	const struct sy_pair *pa = a;

	return pair_cmp(pa->from_schema, pa->from_table, b);
}

int sy_tables_load_reverse(struct sy_tables *t, struct ms_db *from,
			   const char *cs, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 512);
	rc = ms_buf_addstr(&q, "SELECT target_schema, target_table, "
			       "source_schema, source_table FROM ");
	rc = rc ? rc : ms_quote_ident(&q, cs);
	rc = rc ? rc
		: ms_buf_addstr(&q, ".`copy_tables` WHERE state <> 'skipped'");
	rc = rc ? MS_ERR(err, rc, "control statement too long")
		: ms_db_query_each(from, ms_buf_str(&q), load_pair, t, err);
	ms_buf_free(&q);
	if (rc)
		return ms_err_prefix(err,
				     "reverse sync reads its table map from "
				     "%s.copy_tables on the target",
				     cs);
	qsort(t->pairs, t->npairs, sizeof(*t->pairs), pair_sort);
	if (!t->npairs)
		return MS_ERR(err, MS_ECONFIG,
			      "reverse sync: %s.copy_tables on the target "
			      "lists no table: run the copy (or `myshift run`) "
			      "first",
			      cs);
	return 0;
}

static int load_handover_row(void *ctx, const char *const *vals,
			     const size_t *lens, size_t ncols,
			     struct ms_err *err)
{
	struct sy_tables *t = ctx;

	(void)lens;
	if (ncols != 1 || !vals[0])
		return MS_ERR(err, MS_ECORRUPT, "handover: bad row");
	if (!strcmp(vals[0], "*")) {
		t->handover_all = true;
		return 0;
	}
	if (t->nho == t->ho_cap) {
		size_t cap = t->ho_cap ? t->ho_cap * 2 : 16;
		char **n = realloc(t->ho, cap * sizeof(*n));

		if (!n)
			return MS_ERR(err, MS_ENOMEM, "out of memory");
		t->ho = n;
		t->ho_cap = cap;
	}
	t->ho[t->nho] = strdup(vals[0]);
	if (!t->ho[t->nho])
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	t->nho++;
	return 0;
}

static int str_sort(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sy_tables_load_handover(struct sy_tables *t, struct ms_db *from,
			    const char *cs, struct ms_err *err)
{
	struct ms_buf q;
	struct ms_err e2;
	int rc;

	handover_clear(t);
	sy_tables_forget(t);
	ms_buf_init(&q, 256);
	rc = ms_buf_addstr(&q, "SELECT target_schema FROM ");
	rc = rc ? rc : ms_quote_ident(&q, cs);
	rc = rc ? rc : ms_buf_addstr(&q, ".`handover`");
	ms_err_clear(&e2);
	rc = rc ? MS_ERR(err, rc, "control statement too long")
		: ms_db_query_each(from, ms_buf_str(&q), load_handover_row, t,
				   &e2);
	ms_buf_free(&q);
	if (rc == MS_ESQL && e2.sql_errno == 1146) {
		handover_clear(t); /* no handover table: every table */
		MS_LOG_INFO("sync",
			    "reverse sync applies every table (no "
			    "%s.handover on the target)",
			    cs);
		return 0;
	}
	if (rc) {
		if (err && e2.code)
			*err = e2;
		handover_clear(t);
		return ms_err_prefix(err, "reading %s.handover on the target",
				     cs);
	}
	t->handover = true;
	if (t->nho)
		qsort(t->ho, t->nho, sizeof(*t->ho), str_sort);
	MS_LOG_INFO("sync",
		    "reverse sync applies %s (%s.handover on the target lists "
		    "%zu schema(s)%s)",
		    t->handover_all ? "every table" : "the handed-over schemas",
		    cs, t->nho, t->handover_all ? " and '*'" : "");
	return 0;
}

/* Reverse with a handover table: is target schema <schema> handed over? */
static bool handed_over(const struct sy_tables *t, const char *schema)
{
	size_t lo = 0, hi = t->nho;

	if (!t->handover || t->handover_all)
		return true;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(schema, t->ho[mid]);

		if (!c)
			return true;
		if (c > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Reverse: the source names for target <schema>.<table>, by binary search
 * over the pairs sorted by target name (50,000 tenant schemas). A table
 * the copy did not record (created after it) keeps its name, in the
 * source schema its target schema came from. */
static int reverse_map(const struct sy_tables *t, const char *schema,
		       const char *table, struct ms_buf *os, struct ms_buf *ot)
{
	size_t lo = 0, hi = t->npairs;
	const struct sy_pair *p;
	int rc;

	if (!handed_over(t, schema))
		return 0; /* its clients are still on the source */
	while (lo < hi) { /* the first pair >= (schema, table or "") */
		size_t mid = lo + (hi - lo) / 2;

		if (pair_cmp(schema, table ? table : "", &t->pairs[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	p = lo < t->npairs ? &t->pairs[lo] : NULL;
	if (!p || strcmp(p->from_schema, schema)) {
		if (!lo || strcmp(t->pairs[lo - 1].from_schema, schema))
			return 0;
		p = &t->pairs[lo - 1];
	}
	rc = ms_buf_addstr(os, p->to_schema);
	if (!rc && table)
		rc = ms_buf_addstr(
		    ot, strcmp(p->from_table, table) ? table : p->to_table);
	return rc ? rc : 1;
}

int sy_tables_map(void *ctx, const char *schema, const char *table,
		  struct ms_buf *os, struct ms_buf *ot)
{
	const struct sy_tables *t = ctx;

	if (t->mode == SY_MAP_REVERSE)
		return reverse_map(t, schema, table, os, ot);
	if (table ? !ms_rules_table_selected(t->rules, schema, table)
		  : !ms_rules_schema_selected(t->rules, schema))
		return 0;
	{
		int rc = ms_rules_map(t->rules, schema, table, os,
				      table ? ot : NULL);
		return rc ? rc : 1;
	}
}

static struct sy_entry *find(struct sy_tables *t, const char *key, size_t n,
			     size_t *bucket)
{
	struct sy_entry *e;

	*bucket = (size_t)(hash_bytes(key, n) % t->nbuckets);
	for (e = t->buckets[*bucket]; e; e = e->next)
		if (e->keylen == n && !memcmp(e->key, key, n))
			return e;
	return NULL;
}

static void grow(struct sy_tables *t)
{
	size_t n = t->nbuckets * 4, i;
	struct sy_entry **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return; /* keep the chains longer */
	for (i = 0; i < t->nbuckets; i++) {
		struct sy_entry *e = t->buckets[i], *next;

		for (; e; e = next) {
			size_t b = (size_t)(hash_bytes(e->key, e->keylen) % n);

			next = e->next;
			e->next = nb[b];
			nb[b] = e;
		}
	}
	free(t->buckets);
	t->buckets = nb;
	t->nbuckets = n;
}

static int resolve(struct sy_tables *t, struct ms_db *to, const char *schema,
		   const char *table, struct sy_entry *e, struct ms_err *err)
{
	struct ms_buf os, ot;
	struct ms_err e2;
	int rc;

	ms_buf_init(&os, 128);
	ms_buf_init(&ot, 128);
	rc = sy_tables_map(t, schema, table, &os, &ot);
	if (rc < 0) {
		rc = MS_ERR(err, rc, "mapping %s.%s", schema, table);
		goto out;
	}
	if (rc == 0) {
		e->state = SY_TABLE_IGNORED;
		rc = 0;
		goto out;
	}
	ms_err_clear(&e2);
	rc =
	    ms_ap_table_load(to, ms_buf_str(&os), ms_buf_str(&ot), &e->ap, &e2);
	if (!rc) {
		e->state = SY_TABLE_OK;
	} else if (rc == MS_ENOTFOUND || rc == MS_EUNSUPPORTED) {
		e->state = SY_TABLE_UNSUPPORTED;
		e->why = strdup(e2.msg);
		rc = e->why ? 0 : MS_ERR(err, MS_ENOMEM, "out of memory");
	} else {
		if (err)
			*err = e2;
	}
out:
	ms_buf_free(&os);
	ms_buf_free(&ot);
	return rc;
}

int sy_tables_get(struct sy_tables *t, struct ms_db *to, const char *schema,
		  const char *table, const struct ms_ap_table **ap,
		  struct ms_err *err)
{
	size_t ls = strlen(schema), lt = strlen(table), n = ls + 1 + lt, b;
	char stackkey[300], *key = n < sizeof(stackkey) ? stackkey : malloc(n);
	struct sy_entry *e;
	int rc;

	*ap = NULL;
	if (!key)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	memcpy(key, schema, ls);
	key[ls] = '\0';
	memcpy(key + ls + 1, table, lt);
	e = find(t, key, n, &b);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (e)
			e->key = malloc(n);
		if (!e || !e->key) {
			free(e);
			rc = MS_ERR(err, MS_ENOMEM, "out of memory");
			goto out;
		}
		memcpy(e->key, key, n);
		e->keylen = n;
		rc = resolve(t, to, schema, table, e, err);
		if (rc) {
			entry_free(e);
			goto out;
		}
		e->next = t->buckets[b];
		t->buckets[b] = e;
		if (++t->count > t->nbuckets * 2)
			grow(t);
	}
	rc = (int)e->state;
	if (e->state == SY_TABLE_OK)
		*ap = e->ap;
	else if (e->state == SY_TABLE_UNSUPPORTED)
		MS_ERR(err, MS_EUNSUPPORTED, "%s", e->why);
out:
	if (key != stackkey)
		free(key);
	return rc;
}

/* One registry statement on <to>; a missing copy_tables (sync without a
 * copy by myshift) is not an error. */
static int registry_exec(struct ms_db *to, struct ms_buf *q, int rc,
			 struct ms_err *err)
{
	struct ms_err e2;

	if (rc)
		return MS_ERR(err, rc, "control statement too long");
	ms_err_clear(&e2);
	rc = ms_db_exec(to, ms_buf_str(q), &e2);
	if (rc && e2.sql_errno == 1146)
		return 0;
	if (rc && err)
		*err = e2;
	return rc;
}

static int registry_put(struct sy_tables *t, struct ms_db *to, const char *cs,
			const struct ms_stmt_ref *old,
			const struct ms_stmt_ref *ref, struct ms_err *err)
{
	struct ms_buf q, os, ot;
	int rc, sel;

	ms_buf_init(&q, 1024);
	ms_buf_init(&os, 128);
	ms_buf_init(&ot, 128);
	sel = sy_tables_map(t, ref->schema, ref->table, &os, &ot);
	rc = sel < 0 ? sel : 0;
	if (!rc && old) {
		rc = ms_buf_addstr(&q, "DELETE FROM ");
		rc = rc ? rc : ms_quote_ident(&q, cs);
		rc = rc ? rc
			: ms_buf_addstr(&q, ".`copy_tables` WHERE "
					    "source_schema = ");
		rc = rc ? rc : ms_db_add_literal(to, &q, old->schema);
		rc = rc ? rc : ms_buf_addstr(&q, " AND source_table = ");
		rc = rc ? rc : ms_db_add_literal(to, &q, old->table);
		rc = registry_exec(to, &q, rc, err);
		ms_buf_reset(&q);
	}
	if (!rc && sel == 1) {
		rc = ms_buf_addstr(&q, "REPLACE INTO ");
		rc = rc ? rc : ms_quote_ident(&q, cs);
		rc = rc ? rc
			: ms_buf_addstr(&q, ".`copy_tables` (source_schema, "
					    "source_table, target_schema, "
					    "target_table, state, finished_at) "
					    "VALUES (");
		rc = rc ? rc : ms_db_add_literal(to, &q, ref->schema);
		rc = rc ? rc : ms_buf_addc(&q, ',');
		rc = rc ? rc : ms_db_add_literal(to, &q, ref->table);
		rc = rc ? rc : ms_buf_addc(&q, ',');
		rc = rc ? rc : ms_db_add_literal(to, &q, ms_buf_str(&os));
		rc = rc ? rc : ms_buf_addc(&q, ',');
		rc = rc ? rc : ms_db_add_literal(to, &q, ms_buf_str(&ot));
		rc = rc ? rc : ms_buf_addstr(&q, ", 'done', UTC_TIMESTAMP(6))");
		rc = registry_exec(to, &q, rc, err);
	}
	ms_buf_free(&q);
	ms_buf_free(&os);
	ms_buf_free(&ot);
	return rc;
}

static int registry_drop(struct ms_db *to, const char *cs,
			 const struct ms_stmt_ref *ref, struct ms_err *err)
{
	struct ms_buf q;
	int rc;

	ms_buf_init(&q, 512);
	rc = ms_buf_addstr(&q, "DELETE FROM ");
	rc = rc ? rc : ms_quote_ident(&q, cs);
	rc = rc ? rc
		: ms_buf_addstr(&q, ".`copy_tables` WHERE source_schema = ");
	rc = rc ? rc : ms_db_add_literal(to, &q, ref->schema);
	if (!rc && ref->table) {
		rc = ms_buf_addstr(&q, " AND source_table = ");
		rc = rc ? rc : ms_db_add_literal(to, &q, ref->table);
	}
	rc = registry_exec(to, &q, rc, err);
	ms_buf_free(&q);
	return rc;
}

int sy_tables_registry_ddl(struct sy_tables *t, struct ms_db *to,
			   const char *cs, const void *stmt, struct ms_err *err)
{
	const struct ms_stmt *st = stmt;
	size_t i;
	int rc = 0;

	if (t->mode != SY_MAP_RULES || st->temporary)
		return 0;
	for (i = 0; !rc && i < st->nrefs; i++) {
		const struct ms_stmt_ref *r = &st->refs[i];
		const struct ms_stmt_ref *next =
		    i + 1 < st->nrefs ? &st->refs[i + 1] : NULL;

		switch (st->op) {
		case MS_STMT_OP_CREATE_TABLE:
		case MS_STMT_OP_CREATE_TABLE_LIKE:
			if (i == 0 && r->role == MS_STMT_REF_TABLE)
				rc = registry_put(t, to, cs, NULL, r, err);
			break;
		case MS_STMT_OP_DROP_TABLE:
			if (r->role == MS_STMT_REF_TABLE)
				rc = registry_drop(to, cs, r, err);
			break;
		case MS_STMT_OP_DROP_DATABASE:
			if (r->role == MS_STMT_REF_SCHEMA_ONLY)
				rc = registry_drop(to, cs, r, err);
			break;
		case MS_STMT_OP_RENAME_TABLE:
		case MS_STMT_OP_ALTER_TABLE:
			if (r->role == MS_STMT_REF_TABLE && next &&
			    next->role == MS_STMT_REF_RENAMED_TO)
				rc = registry_put(t, to, cs, r, next, err);
			break;
		default:
			break;
		}
	}
	return rc ? ms_err_prefix(err, "updating %s.copy_tables", cs) : 0;
}

/* Rule sets: selection (include / exclude / explicit, system and control
 * schemas never selected), mapping (DMS schema and table transformations)
 * and the --include / --exclude shortcuts. The DMS JSON reader is dms.c,
 * wildcard matching is wildcard.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "rules/rules_int.h"

static const char *const system_schemas[] = {"mysql", "information_schema",
					     "performance_schema", "sys"};

struct ms_rules *ms_rules_new(void)
{
	struct ms_rules *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->control = strdup("_myshift");
	if (!r->control) {
		free(r);
		return NULL;
	}
	return r;
}

void ms_rule_clear(struct ms_rule *rule)
{
	free(rule->schema);
	free(rule->table);
	free(rule->value);
	free(rule->old_value);
	free(rule->origin);
	memset(rule, 0, sizeof(*rule));
}

void ms_rules_free(struct ms_rules *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++)
		ms_rule_clear(&r->v[i]);
	free(r->v);
	free(r->control);
	free(r);
}

int ms_rules_set_control_schema(struct ms_rules *r, const char *name)
{
	char *copy;

	if (!name || !*name || strlen(name) > MS_RULES_NAME_MAX)
		return MS_EINVAL;
	copy = strdup(name);
	if (!copy)
		return MS_ENOMEM;
	free(r->control);
	r->control = copy;
	return 0;
}

int ms_rules_append(struct ms_rules *r, struct ms_rule *v, size_t n,
		    struct ms_err *err)
{
	size_t i, want;
	struct ms_rule *nv;

	if (n > MS_RULES_MAX || r->n > MS_RULES_MAX - n)
		return MS_ERR(err, MS_ETOOLARGE, "more than %d rules",
			      MS_RULES_MAX);
	want = r->n + n;
	if (want > r->alloc) {
		size_t na = r->alloc ? r->alloc : 16;

		while (na < want)
			na *= 2;
		nv = realloc(r->v, na * sizeof(*nv));
		if (!nv)
			return MS_ERR(err, MS_ENOMEM, "out of memory");
		r->v = nv;
		r->alloc = na;
	}
	for (i = 0; i < n; i++) {
		r->v[r->n++] = v[i];
		if (v[i].kind == MS_RULE_INCLUDE ||
		    v[i].kind == MS_RULE_EXPLICIT)
			r->nselect_in++;
	}
	return 0;
}

static bool never_selected(const struct ms_rules *r, const char *schema)
{
	size_t i;

	for (i = 0; i < sizeof(system_schemas) / sizeof(system_schemas[0]); i++)
		if (strcasecmp(schema, system_schemas[i]) == 0)
			return true;
	return strcasecmp(schema, r->control) == 0;
}

static bool rule_matches(const struct ms_rule *rule, const char *schema,
			 const char *table)
{
	if (rule->kind == MS_RULE_EXPLICIT)
		return strcmp(rule->schema, schema) == 0 &&
		       strcmp(rule->table, table) == 0;
	return ms_rules_wildcard_match(rule->schema, schema) &&
	       ms_rules_wildcard_match(rule->table, table);
}

bool ms_rules_table_selected(const struct ms_rules *r, const char *schema,
			     const char *table)
{
	bool included = r->nselect_in == 0;
	size_t i;

	if (!schema || !table || never_selected(r, schema))
		return false;
	for (i = 0; i < r->n; i++) {
		const struct ms_rule *rule = &r->v[i];

		if (rule->kind == MS_RULE_TRANSFORM)
			continue;
		if (!rule_matches(rule, schema, table))
			continue;
		if (rule->kind == MS_RULE_EXCLUDE)
			return false; /* exclude wins, whatever the order */
		included = true;
	}
	return included;
}

bool ms_rules_filter(void *rules, const char *schema, const char *table)
{
	const struct ms_rules *r = rules;

	return table ? ms_rules_table_selected(r, schema, table)
		     : ms_rules_schema_selected(r, schema);
}

/* True when <pattern> matches every name ("%", "%%", ...). */
static bool matches_all(const char *pattern)
{
	return pattern[strspn(pattern, "%")] == '\0';
}

bool ms_rules_schema_selected(const struct ms_rules *r, const char *schema)
{
	bool included = r->nselect_in == 0;
	size_t i;

	if (!schema || never_selected(r, schema))
		return false;
	for (i = 0; i < r->n; i++) {
		const struct ms_rule *rule = &r->v[i];

		switch (rule->kind) {
		case MS_RULE_EXCLUDE:
			if (matches_all(rule->table) &&
			    ms_rules_wildcard_match(rule->schema, schema))
				return false;
			break;
		case MS_RULE_INCLUDE:
			if (ms_rules_wildcard_match(rule->schema, schema))
				included = true;
			break;
		case MS_RULE_EXPLICIT:
			if (strcmp(rule->schema, schema) == 0)
				included = true;
			break;
		case MS_RULE_TRANSFORM:
			break;
		}
	}
	return included;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

static int add_case(struct ms_buf *out, const char *name, bool upper)
{
	int rc = 0;

	/* ASCII letters only: MySQL folds identifiers the same way for
	 * lower_case_table_names, and other scripts are left alone. */
	for (; *name && !rc; name++) {
		char c = *name;

		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!upper && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		rc = ms_buf_addc(out, c);
	}
	return rc;
}

/* Appends <name> transformed by <rule> to <out>. A removal that would leave
 * an empty name leaves the name as it was. */
static int apply(const struct ms_rule *rule, const char *name,
		 struct ms_buf *out)
{
	size_t ln = strlen(name);
	size_t lv = rule->value ? strlen(rule->value) : 0;
	size_t lo = rule->old_value ? strlen(rule->old_value) : 0;
	int rc;

	switch (rule->action) {
	case MS_RULE_A_RENAME:
		return ms_buf_addstr(out, rule->value);
	case MS_RULE_A_ADD_PREFIX:
		rc = ms_buf_addstr(out, rule->value);
		return rc ? rc : ms_buf_addstr(out, name);
	case MS_RULE_A_ADD_SUFFIX:
		rc = ms_buf_addstr(out, name);
		return rc ? rc : ms_buf_addstr(out, rule->value);
	case MS_RULE_A_REMOVE_PREFIX:
		if (ln > lv && starts_with(name, rule->value))
			return ms_buf_addstr(out, name + lv);
		return ms_buf_addstr(out, name);
	case MS_RULE_A_REMOVE_SUFFIX:
		if (ln > lv && ends_with(name, rule->value))
			return ms_buf_add(out, name, ln - lv);
		return ms_buf_addstr(out, name);
	case MS_RULE_A_REPLACE_PREFIX:
		if (!starts_with(name, rule->old_value))
			return ms_buf_addstr(out, name);
		rc = ms_buf_addstr(out, rule->value);
		return rc ? rc : ms_buf_addstr(out, name + lo);
	case MS_RULE_A_REPLACE_SUFFIX:
		if (!ends_with(name, rule->old_value))
			return ms_buf_addstr(out, name);
		rc = ms_buf_add(out, name, ln - lo);
		return rc ? rc : ms_buf_addstr(out, rule->value);
	case MS_RULE_A_LOWER:
		return add_case(out, name, false);
	case MS_RULE_A_UPPER:
		return add_case(out, name, true);
	case MS_RULE_A_NONE:
		break;
	}
	return ms_buf_addstr(out, name);
}

static bool rule_before(const struct ms_rule *a, const struct ms_rule *b)
{
	if (a->doc != b->doc)
		return a->doc < b->doc;
	if (a->rule_id != b->rule_id)
		return a->rule_id < b->rule_id;
	return a->pos < b->pos;
}

/* The transformation that applies to the object (<target>, <schema>,
 * <table>), or NULL. Warns about every other rule that also matched. */
static const struct ms_rule *winner(const struct ms_rules *r,
				    enum ms_rule_target target,
				    const char *schema, const char *table)
{
	const struct ms_rule *best = NULL;
	size_t i, nmatch = 0;

	for (i = 0; i < r->n; i++) {
		const struct ms_rule *rule = &r->v[i];

		if (rule->kind != MS_RULE_TRANSFORM || rule->target != target)
			continue;
		if (!ms_rules_wildcard_match(rule->schema, schema))
			continue;
		if (target == MS_RULE_T_TABLE &&
		    !ms_rules_wildcard_match(rule->table, table))
			continue;
		nmatch++;
		if (!best || rule_before(rule, best))
			best = rule;
	}
	if (nmatch < 2)
		return best;
	for (i = 0; i < r->n; i++) {
		const struct ms_rule *rule = &r->v[i];

		if (rule == best || rule->kind != MS_RULE_TRANSFORM ||
		    rule->target != target ||
		    !ms_rules_wildcard_match(rule->schema, schema) ||
		    (target == MS_RULE_T_TABLE &&
		     !ms_rules_wildcard_match(rule->table, table)))
			continue;
		MS_LOG_WARN("rules",
			    "event=transformation_ignored schema=%s table=%s "
			    "rule=\"%s\" applied=\"%s\" reason=\"one "
			    "transformation per object, lowest rule-id wins\"",
			    schema, target == MS_RULE_T_TABLE ? table : "",
			    rule->origin, best->origin);
	}
	return best;
}

int ms_rules_map(const struct ms_rules *r, const char *schema,
		 const char *table, struct ms_buf *out_schema,
		 struct ms_buf *out_table)
{
	const struct ms_rule *rule;
	int rc;

	rule = winner(r, MS_RULE_T_SCHEMA, schema, NULL);
	rc = rule ? apply(rule, schema, out_schema)
		  : ms_buf_addstr(out_schema, schema);
	if (rc || !out_table)
		return rc;
	rule = winner(r, MS_RULE_T_TABLE, schema, table);
	return rule ? apply(rule, table, out_table)
		    : ms_buf_addstr(out_table, table);
}

static int add_shortcut(struct ms_rules *r, const char *pattern,
			enum ms_rule_kind kind, struct ms_err *err)
{
	struct ms_buf s, t, o;
	struct ms_rule rule;
	int rc;

	memset(&rule, 0, sizeof(rule));
	ms_buf_init(&s, MS_RULES_NAME_MAX);
	ms_buf_init(&t, MS_RULES_NAME_MAX);
	ms_buf_init(&o, MS_RULES_ORIGIN_MAX);
	rc = ms_rules_split_pattern(pattern, &s, &t, err);
	if (rc == MS_ETOOLARGE)
		rc = MS_ERR(err, MS_EUSAGE, "pattern longer than %d bytes",
			    MS_RULES_NAME_MAX);
	if (!rc)
		rc = ms_buf_addf(
		    &o, "--%s %.200s",
		    kind == MS_RULE_EXCLUDE ? "exclude" : "include", pattern);
	if (rc == MS_ETOOLARGE)
		rc = 0; /* a truncated description is fine */
	if (!rc) {
		rule.kind = kind;
		rule.schema = ms_buf_take(&s);
		rule.table = ms_buf_take(&t);
		rule.origin = ms_buf_take(&o);
		rule.doc = ++r->ndocs;
		if (!rule.schema || !rule.table || !rule.origin)
			rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	if (!rc)
		rc = ms_rules_append(r, &rule, 1, err);
	if (rc)
		ms_rule_clear(&rule);
	ms_buf_free(&s);
	ms_buf_free(&t);
	ms_buf_free(&o);
	return rc;
}

int ms_rules_add_include(struct ms_rules *r, const char *pattern,
			 struct ms_err *err)
{
	return add_shortcut(r, pattern, MS_RULE_INCLUDE, err);
}

int ms_rules_add_exclude(struct ms_rules *r, const char *pattern,
			 struct ms_err *err)
{
	return add_shortcut(r, pattern, MS_RULE_EXCLUDE, err);
}

int ms_rules_check_schemas(const struct ms_rules *r, const char *const *schemas,
			   size_t n, struct ms_err *err)
{
	size_t i, j;

	for (i = 0; i < r->n; i++) {
		const struct ms_rule *rule = &r->v[i];
		bool found = false;

		if (rule->kind != MS_RULE_INCLUDE &&
		    rule->kind != MS_RULE_EXPLICIT)
			continue;
		for (j = 0; j < n && !found; j++)
			found = rule->kind == MS_RULE_EXPLICIT
				    ? strcmp(rule->schema, schemas[j]) == 0
				    : ms_rules_wildcard_match(rule->schema,
							      schemas[j]);
		if (!found)
			return MS_ERR(err, MS_ECONFIG,
				      "%s: no schema matches '%s' on the "
				      "source",
				      rule->origin, rule->schema);
	}
	return 0;
}

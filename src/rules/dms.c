/* Reader for AWS DMS table-mappings documents ({"rules": [...]}). Accepts
 * the selection and transformation rules myshift implements, ignores
 * table-settings rules with a warning (they only tune DMS's loader) and
 * rejects everything that would change the migrated data in a way myshift
 * does not implement. Every semantic error names the rule (1-based
 * position, rule-id, rule-name) and the field. See docs/rules.md. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "rules/rules_int.h"

/* Where we are in the document, for messages. */
struct dms_ctx {
	const char *path;
	size_t pos;    /* 1-based rule position */
	char id[32];   /* rule-id as written, "?" when unknown */
	char name[80]; /* rule-name, "?" when unknown */
	struct ms_err *err;
};

static int rule_err(struct dms_ctx *c, const char *fmt, ...) MS_PRINTF(2, 3);

static int rule_err(struct dms_ctx *c, const char *fmt, ...)
{
	char what[MS_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return MS_ERR(c->err, MS_ECONFIG,
		      "%s: rule %zu (rule-id '%s', rule-name '%s'): %s",
		      c->path, c->pos, c->id, c->name, what);
}

static bool is_one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* Rejects any key of <obj> not in <allowed> (NULL-terminated). <where>
 * names the object in messages. */
static int check_keys(struct dms_ctx *c, json_t *obj, const char *where,
		      const char *const *allowed)
{
	const char *key;
	json_t *val;

	json_object_foreach(obj, key, val)
	{
		if (!is_one_of(key, allowed))
			return rule_err(c, "%s: field '%.64s' is not supported",
					where, key);
	}
	return 0;
}

/* Fetches string field <key> of <obj>. Missing or null gives *<out> NULL
 * (an error when <required>); anything but a string is an error. */
static int get_str(struct dms_ctx *c, json_t *obj, const char *key,
		   bool required, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v)) {
		if (required)
			return rule_err(c, "field '%s' is missing", key);
		return 0;
	}
	if (!json_is_string(v))
		return rule_err(c, "field '%s' must be a string", key);
	if (json_string_length(v) > MS_RULES_NAME_MAX)
		return rule_err(c, "field '%s' is longer than %d bytes", key,
				MS_RULES_NAME_MAX);
	*out = json_string_value(v);
	if (required && !**out)
		return rule_err(c, "field '%s' is empty", key);
	return 0;
}

/* DMS numbers (rule-id, load-order) are written as "12" or 12. */
static int get_number(struct dms_ctx *c, json_t *v, const char *key,
		      unsigned long long *out)
{
	const char *s;
	unsigned long long n = 0;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return rule_err(c, "field '%s' must not be negative",
					key);
		*out = (unsigned long long)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return rule_err(c, "field '%s' must be a number", key);
	s = json_string_value(v);
	if (!*s || strlen(s) > 18 || s[strspn(s, "0123456789")] != '\0')
		return rule_err(c, "field '%s' must be a number, not '%.32s'",
				key, s);
	for (; *s; s++)
		n = n * 10 + (unsigned long long)(*s - '0');
	*out = n;
	return 0;
}

static char *dup_or_null(const char *s, int *rc)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*rc = MS_ENOMEM;
	return d;
}

/* Reads rule-id and rule-name into <c> and <rule>. */
static int read_ids(struct dms_ctx *c, json_t *jr, struct ms_rule *rule)
{
	json_t *id = json_object_get(jr, "rule-id");
	const char *name;
	int rc;

	if (json_is_string(id))
		snprintf(c->id, sizeof(c->id), "%.31s", json_string_value(id));
	else if (json_is_integer(id))
		snprintf(c->id, sizeof(c->id), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(id));
	if (json_is_string(json_object_get(jr, "rule-name")))
		snprintf(c->name, sizeof(c->name), "%.79s",
			 json_string_value(json_object_get(jr, "rule-name")));
	if (!id)
		return rule_err(c, "field 'rule-id' is missing");
	rc = get_number(c, id, "rule-id", &rule->rule_id);
	if (rc)
		return rc;
	return get_str(c, jr, "rule-name", true, &name);
}

static int get_locator(struct dms_ctx *c, json_t *jr, json_t **out)
{
	*out = json_object_get(jr, "object-locator");
	if (!*out)
		return rule_err(c, "field 'object-locator' is missing");
	if (!json_is_object(*out))
		return rule_err(c, "field 'object-locator' must be an object");
	return 0;
}

static int parse_selection(struct dms_ctx *c, json_t *jr, struct ms_rule *rule)
{
	static const char *const keys[] = {
	    "rule-type",      "rule-id", "rule-name",  "rule-action",
	    "object-locator", "filters", "load-order", NULL};
	static const char *const loc_keys[] = {"schema-name", "table-name",
					       "table-type", NULL};
	const char *action, *schema, *table, *type;
	json_t *loc, *filters, *lo;
	unsigned long long order;
	int rc;

	rc = check_keys(c, jr, "selection rule", keys);
	if (!rc)
		rc = get_str(c, jr, "rule-action", true, &action);
	if (rc)
		return rc;
	if (strcmp(action, "include") == 0)
		rule->kind = MS_RULE_INCLUDE;
	else if (strcmp(action, "exclude") == 0)
		rule->kind = MS_RULE_EXCLUDE;
	else if (strcmp(action, "explicit") == 0)
		rule->kind = MS_RULE_EXPLICIT;
	else
		return rule_err(c,
				"rule-action '%.64s' is not a selection action "
				"(include, exclude, explicit)",
				action);
	filters = json_object_get(jr, "filters");
	if (filters && !json_is_null(filters) &&
	    (!json_is_array(filters) || json_array_size(filters) != 0))
		return rule_err(c, "field 'filters': source filters (which "
				   "rows migrate) are not supported; remove "
				   "them or use an empty array");
	lo = json_object_get(jr, "load-order");
	if (lo) {
		rc = get_number(c, lo, "load-order", &order);
		if (rc)
			return rc;
		MS_LOG_WARN("rules",
			    "event=field_ignored file=%s rule=%zu rule_id=%s "
			    "field=load-order reason=\"myshift orders the "
			    "copy itself\"",
			    c->path, c->pos, c->id);
	}
	rc = get_locator(c, jr, &loc);
	if (!rc)
		rc = check_keys(c, loc, "object-locator", loc_keys);
	if (!rc)
		rc = get_str(c, loc, "schema-name", true, &schema);
	if (!rc)
		rc = get_str(c, loc, "table-name", true, &table);
	if (!rc)
		rc = get_str(c, loc, "table-type", false, &type);
	if (rc)
		return rc;
	if (type && strcmp(type, "table") != 0)
		return rule_err(c,
				"object-locator field 'table-type': '%.32s' is "
				"not supported (only 'table'; views are "
				"created as views, not copied as tables)",
				type);
	rule->schema = dup_or_null(schema, &rc);
	rule->table = dup_or_null(table, &rc);
	return rc;
}

static const char *const column_actions[] = {"add-column",
					     "remove-column",
					     "include-column",
					     "exclude-column",
					     "change-data-type",
					     "define-primary-key",
					     "add-before-image-columns",
					     NULL};

static const struct {
	const char *name;
	enum ms_rule_action action;
	bool value;	/* needs "value" */
	bool old_value; /* needs "old-value" */
} actions[] = {
    {"rename", MS_RULE_A_RENAME, true, false},
    {"add-prefix", MS_RULE_A_ADD_PREFIX, true, false},
    {"remove-prefix", MS_RULE_A_REMOVE_PREFIX, true, false},
    {"replace-prefix", MS_RULE_A_REPLACE_PREFIX, true, true},
    {"add-suffix", MS_RULE_A_ADD_SUFFIX, true, false},
    {"remove-suffix", MS_RULE_A_REMOVE_SUFFIX, true, false},
    {"replace-suffix", MS_RULE_A_REPLACE_SUFFIX, true, true},
    {"convert-lowercase", MS_RULE_A_LOWER, false, false},
    {"convert-uppercase", MS_RULE_A_UPPER, false, false},
};

static int find_action(struct dms_ctx *c, const char *name, size_t *out)
{
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(name, actions[i].name) == 0) {
			*out = i;
			return 0;
		}
	}
	if (is_one_of(name, column_actions) ||
	    strncmp(name, "data-masking", 12) == 0)
		return rule_err(c,
				"rule-action '%s': column transformations are "
				"not supported",
				name);
	return rule_err(c, "rule-action '%.64s' is not supported", name);
}

/* "value" / "old-value" must be present when the action uses them and
 * absent, null or "" otherwise (so a stray value is never ignored). */
static int get_value(struct dms_ctx *c, json_t *jr, const char *key,
		     bool needed, const char *action, const char **out)
{
	int rc = get_str(c, jr, key, needed, out);

	if (rc)
		return rc;
	if (!needed && *out && **out)
		return rule_err(c, "field '%s' is not used by rule-action '%s'",
				key, action);
	return 0;
}

static int parse_transformation(struct dms_ctx *c, json_t *jr,
				struct ms_rule *rule)
{
	static const char *const keys[] = {
	    "rule-type",   "rule-id",	  "rule-name",
	    "rule-action", "rule-target", "object-locator",
	    "value",	   "old-value",	  NULL};
	static const char *const loc_keys[] = {"schema-name", "table-name",
					       NULL};
	const char *action, *target, *schema, *table, *value, *old;
	json_t *loc;
	size_t a = 0;
	int rc;

	rule->kind = MS_RULE_TRANSFORM;
	rc = get_str(c, jr, "rule-action", true, &action);
	if (!rc)
		rc = find_action(c, action, &a);
	if (!rc)
		rc = get_str(c, jr, "rule-target", true, &target);
	if (rc)
		return rc;
	if (strcmp(target, "schema") == 0)
		rule->target = MS_RULE_T_SCHEMA;
	else if (strcmp(target, "table") == 0)
		rule->target = MS_RULE_T_TABLE;
	else
		return rule_err(c,
				"rule-target '%.64s' is not supported (only "
				"schema and table)",
				target);
	rule->action = actions[a].action;
	rc = check_keys(c, jr, "transformation rule", keys);
	if (!rc)
		rc = get_locator(c, jr, &loc);
	if (!rc)
		rc = check_keys(c, loc, "object-locator", loc_keys);
	if (!rc)
		rc = get_str(c, loc, "schema-name", true, &schema);
	if (!rc)
		rc = get_str(c, loc, "table-name",
			     rule->target == MS_RULE_T_TABLE, &table);
	if (!rc)
		rc =
		    get_value(c, jr, "value", actions[a].value, action, &value);
	if (!rc)
		rc = get_value(c, jr, "old-value", actions[a].old_value, action,
			       &old);
	if (rc)
		return rc;
	if (rule->target == MS_RULE_T_SCHEMA && table &&
	    table[strspn(table, "%")] != '\0')
		return rule_err(c, "object-locator field 'table-name': a "
				   "schema rule applies to whole schemas; use "
				   "'%%' or leave it out");
	rule->schema = dup_or_null(schema, &rc);
	rule->table = dup_or_null(table ? table : "%", &rc);
	rule->value = dup_or_null(actions[a].value ? value : NULL, &rc);
	rule->old_value = dup_or_null(actions[a].old_value ? old : NULL, &rc);
	return rc;
}

/* Parses rule <jr> into <rule>. Sets *<skip> for rules that are ignored. */
static int parse_rule(struct dms_ctx *c, json_t *jr, struct ms_rule *rule,
		      bool *skip)
{
	const char *type;
	int rc;

	*skip = false;
	if (!json_is_object(jr))
		return rule_err(c, "a rule must be an object");
	rc = read_ids(c, jr, rule);
	if (!rc)
		rc = get_str(c, jr, "rule-type", true, &type);
	if (rc)
		return rc;
	if (strcmp(type, "selection") == 0)
		return parse_selection(c, jr, rule);
	if (strcmp(type, "transformation") == 0)
		return parse_transformation(c, jr, rule);
	if (strcmp(type, "table-settings") == 0) {
		MS_LOG_WARN("rules",
			    "event=rule_ignored file=%s rule=%zu rule_id=%s "
			    "rule_type=table-settings reason=\"tunes the DMS "
			    "loader only; myshift has its own copy settings\"",
			    c->path, c->pos, c->id);
		*skip = true;
		return 0;
	}
	return rule_err(c, "rule-type '%.64s' is not supported", type);
}

static int describe(struct dms_ctx *c, struct ms_rule *rule)
{
	char buf[MS_RULES_ORIGIN_MAX];

	snprintf(buf, sizeof(buf),
		 "%.100s rule %zu (rule-id '%s', rule-name '%s')", c->path,
		 c->pos, c->id, c->name);
	rule->origin = strdup(buf);
	return rule->origin ? 0 : MS_ENOMEM;
}

static int check_dup_id(struct dms_ctx *c, const struct ms_rule *v, size_t n,
			const struct ms_rule *rule)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].rule_id == rule->rule_id)
			return rule_err(c,
					"field 'rule-id': %llu is already used "
					"by rule %zu",
					rule->rule_id, v[i].pos);
	return 0;
}

static int parse_rules(struct ms_rules *r, struct dms_ctx *c, json_t *arr,
		       struct ms_rule *v, size_t *nv)
{
	struct ms_rule rule;
	size_t i;
	bool skip;
	int rc = 0;

	for (i = 0; i < json_array_size(arr) && !rc; i++) {
		memset(&rule, 0, sizeof(rule));
		c->pos = i + 1;
		snprintf(c->id, sizeof(c->id), "?");
		snprintf(c->name, sizeof(c->name), "?");
		rc = parse_rule(c, json_array_get(arr, i), &rule, &skip);
		if (!rc && !skip)
			rc = check_dup_id(c, v, *nv, &rule);
		if (!rc && !skip)
			rc = describe(c, &rule);
		if (rc == MS_ENOMEM)
			rc = MS_ERR(c->err, MS_ENOMEM, "out of memory");
		if (rc || skip) {
			ms_rule_clear(&rule);
			continue;
		}
		rule.doc = r->ndocs + 1;
		rule.pos = i + 1;
		v[(*nv)++] = rule;
	}
	return rc;
}

static void warn_exclude_only(const struct dms_ctx *c, const struct ms_rule *v,
			      size_t n)
{
	size_t i, nin = 0, nex = 0;

	for (i = 0; i < n; i++) {
		nin += v[i].kind == MS_RULE_INCLUDE ||
		       v[i].kind == MS_RULE_EXPLICIT;
		nex += v[i].kind == MS_RULE_EXCLUDE;
	}
	if (nex && !nin)
		MS_LOG_WARN("rules",
			    "event=exclude_only file=%s reason=\"no include "
			    "rule: DMS would select nothing, myshift selects "
			    "every other user table unless an include is "
			    "given\"",
			    c->path);
}

static int load_root(struct dms_ctx *c, json_t *root, json_t **arr)
{
	const char *key;
	json_t *val;

	if (!json_is_object(root))
		return MS_ERR(c->err, MS_ECONFIG,
			      "%s: a DMS table mapping is an object with a "
			      "'rules' array",
			      c->path);
	json_object_foreach(root, key, val)
	{
		if (strcmp(key, "rules") != 0)
			return MS_ERR(c->err, MS_ECONFIG,
				      "%s: top-level field '%.64s' is not "
				      "supported",
				      c->path, key);
	}
	*arr = json_object_get(root, "rules");
	if (!json_is_array(*arr))
		return MS_ERR(c->err, MS_ECONFIG,
			      "%s: field 'rules' must be an array", c->path);
	if (json_array_size(*arr) > MS_RULES_MAX)
		return MS_ERR(c->err, MS_ETOOLARGE, "%s: more than %d rules",
			      c->path, MS_RULES_MAX);
	return 0;
}

int ms_rules_add_dms_json(struct ms_rules *r, const char *path,
			  const char *json, size_t len, struct ms_err *err)
{
	struct dms_ctx c = {.path = path ? path : "<mappings>", .err = err};
	struct ms_rule *v = NULL;
	size_t nv = 0, i;
	json_error_t jerr;
	json_t *root, *arr = NULL;
	int rc;

	if (len > MS_RULES_DMS_MAX_LEN)
		return MS_ERR(err, MS_ETOOLARGE, "%s: larger than %u bytes",
			      c.path, MS_RULES_DMS_MAX_LEN);
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return MS_ERR(err, MS_ECONFIG, "%s:%d:%d: %s", c.path,
			      jerr.line, jerr.column, jerr.text);
	rc = load_root(&c, root, &arr);
	if (!rc && json_array_size(arr) > 0) {
		v = calloc(json_array_size(arr), sizeof(*v));
		if (!v)
			rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	if (!rc)
		rc = parse_rules(r, &c, arr, v, &nv);
	if (!rc)
		rc = ms_rules_append(r, v, nv, err);
	if (!rc) {
		r->ndocs++;
		warn_exclude_only(&c, v, nv);
	} else {
		for (i = 0; i < nv; i++)
			ms_rule_clear(&v[i]);
	}
	free(v);
	json_decref(root);
	return rc;
}

int ms_rules_load_dms(struct ms_rules *r, const char *path, struct ms_err *err)
{
	struct ms_buf b;
	char chunk[65536];
	size_t n;
	FILE *f;
	int rc = 0;

	f = fopen(path, "rb");
	if (!f)
		return MS_ERR(err, MS_ECONFIG, "%s: %s", path, strerror(errno));
	ms_buf_init(&b, MS_RULES_DMS_MAX_LEN);
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = ms_buf_add(&b, chunk, n);
	if (rc == MS_ETOOLARGE)
		rc = MS_ERR(err, MS_ETOOLARGE, "%s: larger than %u bytes", path,
			    MS_RULES_DMS_MAX_LEN);
	else if (rc)
		rc = MS_ERR(err, rc, "%s: out of memory", path);
	else if (ferror(f))
		rc = MS_ERR(err, MS_ECONFIG, "%s: read error", path);
	fclose(f);
	if (!rc)
		rc = ms_rules_add_dms_json(r, path, ms_buf_str(&b), b.len, err);
	ms_buf_free(&b);
	return rc;
}

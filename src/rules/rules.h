/* Table selection and mapping rules, following AWS DMS table mappings so that
 * users can bring their `table-mappings.json` as is:
 *  - selection rules: rule-action include | exclude | explicit, object-locator
 *    {schema-name, table-name} with LIKE-style wildcards '%' and '_', plus
 *    '[...]' character classes, matching as DMS does; an exclude that matches
 *    wins over any include, whatever the rule order;
 *  - transformation rules on schema and table targets: rename, add-prefix,
 *    remove-prefix, replace-prefix, add-suffix, remove-suffix,
 *    replace-suffix, convert-lowercase, convert-uppercase. As in DMS, one
 *    rule applies per object: when several match, the lowest rule-id wins.
 * Rule types and actions that would change the data and are not supported
 * (column transformations, source filters, views, ...) are rejected with an
 * error naming the rule (position, rule-id, rule-name) and the field;
 * table-settings rules (DMS loader tuning) are ignored with a warning. See
 * docs/rules.md for the exact list.
 * The --include / --exclude 'schema.table' shortcuts add selection rules with
 * the same wildcards. System schemas (mysql, information_schema,
 * performance_schema, sys) and the control schema are never selected. */
#ifndef MS_RULES_RULES_H
#define MS_RULES_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

struct ms_rules; /* opaque */

/* Returns a new empty rule set (selects every user table, maps nothing), or
 * NULL when out of memory. Caller frees with ms_rules_free. */
struct ms_rules *ms_rules_new(void);
void ms_rules_free(struct ms_rules *r);

/* Sets the control schema name that is never selected (default "_myshift").
 * <name> is copied. */
int ms_rules_set_control_schema(struct ms_rules *r, const char *name) MS_WUR;

/* Adds the rules of a DMS table-mappings document: <json> (borrowed, <len>
 * bytes, at most 16 MiB) read from <path> (used in messages, e.g.
 * "mappings.json: rule 3 (rule-id '3', rule-name 'x'): rule-action
 * 'add-column': column transformations are not supported"; malformed JSON
 * gives "mappings.json:4:17: <jansson message>"). All or nothing: on error
 * <r> is unchanged. Returns 0, MS_ECONFIG, MS_ETOOLARGE or MS_ENOMEM. */
int ms_rules_add_dms_json(struct ms_rules *r, const char *path,
			  const char *json, size_t len,
			  struct ms_err *err) MS_WUR;

/* Reads <path> and adds its rules as above. A file that cannot be read is
 * MS_ECONFIG; one larger than 16 MiB is MS_ETOOLARGE. */
int ms_rules_load_dms(struct ms_rules *r, const char *path,
		      struct ms_err *err) MS_WUR;

/* --include / --exclude shortcuts: <pattern> is "schema.table" or "schema"
 * (meaning every table of it); the first dot outside backquotes splits;
 * wildcards as above, also inside backquotes; a backquoted part may hold
 * dots, and "``" inside it is one backquote: "`my.db`.t%". <pattern> is
 * borrowed. MS_EUSAGE on a malformed pattern (empty part, unterminated
 * backquote, a second dot, a backquote inside an unquoted part). */
int ms_rules_add_include(struct ms_rules *r, const char *pattern,
			 struct ms_err *err) MS_WUR;
int ms_rules_add_exclude(struct ms_rules *r, const char *pattern,
			 struct ms_err *err) MS_WUR;

/* True when the table is selected: never for system schemas (mysql,
 * information_schema, performance_schema, sys; compared case-insensitively)
 * or the control schema; otherwise no include rule at all means every user
 * table, and an exclude that matches always wins. */
bool ms_rules_table_selected(const struct ms_rules *r, const char *schema,
			     const char *table);

/* True when any table of <schema> could be selected (used to skip whole
 * schemas during introspection). */
bool ms_rules_schema_selected(const struct ms_rules *r, const char *schema);

/* The rules as a schema-introspection filter (ms_schema_filter_fn in
 * db/schema.h): <rules> is a const struct ms_rules *; <table> NULL asks
 * about a whole schema. */
bool ms_rules_filter(void *rules, const char *schema, const char *table);

/* Appends the target schema and table names for a source table to
 * <out_schema> / <out_table>. Rules match the source names; for the schema
 * and for the table, the matching rule with the lowest (document, rule-id,
 * position) applies and any other matching rule is ignored with a warning,
 * as DMS applies one transformation per object. <out_table> may be NULL to
 * map only the schema, and <table> is then unused (may be NULL). Returns 0
 * or a buffer error. */
int ms_rules_map(const struct ms_rules *r, const char *schema,
		 const char *table, struct ms_buf *out_schema,
		 struct ms_buf *out_table) MS_WUR;

/* Checks that every include or explicit selection rule can select
 * something: for each such rule, some schema in <schemas> (<n> names,
 * borrowed) must match its schema pattern. A rule that matches none fails
 * with MS_ECONFIG naming the rule and the schema pattern, e.g. "--include
 * 'shpo.%': no schema matches 'shpo' on the source". Catches misspelt
 * schemas before a copy silently selects nothing. */
int ms_rules_check_schemas(const struct ms_rules *r, const char *const *schemas,
			   size_t n, struct ms_err *err) MS_WUR;

/* Matches <name> against a DMS wildcard <pattern> ('%' any run, '_' any one
 * character, '[abc]' / '[a-z]' / '[^a]' a class; matching is
 * case-sensitive like DMS on MySQL). Exposed for tests. */
bool ms_rules_wildcard_match(const char *pattern, const char *name);

/* Splits a shortcut <pattern> (borrowed) as ms_rules_add_include does,
 * appending the schema and table patterns to <schema> / <table> ("%" when
 * the pattern names a schema only). Returns 0, MS_EUSAGE or a buffer
 * error. */
int ms_rules_split_pattern(const char *pattern, struct ms_buf *schema,
			   struct ms_buf *table, struct ms_err *err) MS_WUR;

#endif

/* Internal types of the rules module, shared by rules.c (selection and
 * mapping), dms.c (the DMS table-mappings reader) and wildcard.c. Not for
 * other subsystems: they use rules.h. */
#ifndef MS_RULES_RULES_INT_H
#define MS_RULES_RULES_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "rules/rules.h"

#define MS_RULES_MAX	     10000 /* rules in one set, all sources */
#define MS_RULES_NAME_MAX    1024  /* bytes of one pattern or value */
#define MS_RULES_ORIGIN_MAX  256   /* bytes of a rule's description */
#define MS_RULES_DMS_MAX_LEN (16u * 1024 * 1024) /* bytes of a DMS file */

enum ms_rule_kind {
	MS_RULE_INCLUDE,
	MS_RULE_EXCLUDE,
	MS_RULE_EXPLICIT, /* include, names compared literally */
	MS_RULE_TRANSFORM,
};

enum ms_rule_target {
	MS_RULE_T_SCHEMA,
	MS_RULE_T_TABLE,
};

enum ms_rule_action {
	MS_RULE_A_NONE,
	MS_RULE_A_RENAME,
	MS_RULE_A_ADD_PREFIX,
	MS_RULE_A_REMOVE_PREFIX,
	MS_RULE_A_REPLACE_PREFIX,
	MS_RULE_A_ADD_SUFFIX,
	MS_RULE_A_REMOVE_SUFFIX,
	MS_RULE_A_REPLACE_SUFFIX,
	MS_RULE_A_LOWER,
	MS_RULE_A_UPPER,
};

struct ms_rule {
	enum ms_rule_kind kind;
	enum ms_rule_target target; /* transformations only */
	enum ms_rule_action action; /* transformations only */
	char *schema;		    /* pattern, owned */
	char *table;		    /* pattern, owned; "%" for schema rules */
	char *value;		    /* owned or NULL */
	char *old_value;	    /* owned or NULL */
	char *origin; /* owned, e.g. "m.json rule 3 (rule-id..)" */
	unsigned long long rule_id; /* DMS rule-id, 0 for shortcuts */
	unsigned doc;		    /* which document added it (1, 2, ...) */
	size_t pos;		    /* position inside that document */
};

struct ms_rules {
	struct ms_rule *v; /* owned array */
	size_t n;
	size_t alloc;
	size_t nselect_in; /* include + explicit rules */
	unsigned ndocs;	   /* documents and shortcuts added so far */
	char *control;	   /* control schema, owned */
};

/* Frees what <rule> owns (not <rule> itself). */
void ms_rule_clear(struct ms_rule *rule);

/* Appends <n> rules taken from <v> (the set takes ownership of what each
 * rule owns; <v> itself stays the caller's). All or nothing: MS_ENOMEM or
 * MS_ETOOLARGE (more than MS_RULES_MAX) leave <r> unchanged and the rules
 * still owned by the caller. */
int ms_rules_append(struct ms_rules *r, struct ms_rule *v, size_t n,
		    struct ms_err *err) MS_WUR;

#endif

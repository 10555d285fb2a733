#include "check/grants.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Privileges that different servers spell differently. */
static const char *const synonyms[][2] = {
    {"REPLICATION CLIENT", "BINLOG MONITOR"},
    {"REPLICATION SLAVE", "REPLICATION REPLICA"},
    {"SLAVE MONITOR", "REPLICA MONITOR"},
};

/* Copies [<s>, <s>+<n>) upper-cased with runs of spaces collapsed and ends
 * trimmed. Caller frees. */
static char *normalize(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t i, k = 0;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isspace(c)) {
			if (k && out[k - 1] != ' ')
				out[k++] = ' ';
			continue;
		}
		out[k++] = (char)toupper(c);
	}
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
	return out;
}

/* Finds <word> in <s> outside backquotes, quotes and parentheses. */
static const char *find_outside(const char *s, const char *word)
{
	size_t wl = strlen(word);
	char quote = 0;
	int depth = 0;

	for (; *s; s++) {
		if (quote) {
			if (*s == quote)
				quote = 0;
			continue;
		}
		if (*s == '`' || *s == '\'' || *s == '"')
			quote = *s;
		else if (*s == '(')
			depth++;
		else if (*s == ')' && depth)
			depth--;
		else if (!depth && strncmp(s, word, wl) == 0)
			return s;
	}
	return NULL;
}

static int add_entry(struct ms_grants *g, const char *schema, char *priv)
{
	struct ms_grant *v;
	char *sc = NULL;

	if (g->n >= MS_GRANTS_MAX_ENTRIES) {
		free(priv);
		return MS_ETOOLARGE;
	}
	if (schema && !(sc = strdup(schema))) {
		free(priv);
		return MS_ENOMEM;
	}
	v = realloc(g->v, (g->n + 1) * sizeof(*v));
	if (!v) {
		free(priv);
		free(sc);
		return MS_ENOMEM;
	}
	g->v = v;
	v[g->n].schema = sc;
	v[g->n].privilege = priv;
	g->n++;
	return 0;
}

/* Parses the object of "ON <object> TO": "*.*" gives *global true;
 * "`db`.*" gives the unescaped schema in <schema>. Returns false for table,
 * column and routine grants. */
static bool parse_object(const char *p, bool *global, char *schema, size_t cap)
{
	size_t k = 0;

	while (*p == ' ')
		p++;
	*global = false;
	if (strncmp(p, "*.*", 3) == 0) {
		*global = true;
		return true;
	}
	if (*p != '`')
		return false;
	for (p++; *p; p++) {
		if (*p == '`' && p[1] == '`')
			p++;
		else if (*p == '`')
			break;
		else if (*p == '\\' && (p[1] == '_' || p[1] == '%'))
			continue; /* LIKE escapes in schema grants */
		if (k + 1 >= cap)
			return false;
		schema[k++] = *p;
	}
	schema[k] = '\0';
	return *p == '`' && strncmp(p + 1, ".*", 2) == 0;
}

static int add_role(struct ms_grants *g, const char *s, size_t n)
{
	char **v;
	char *role = malloc(n + 1);

	if (!role)
		return MS_ENOMEM;
	memcpy(role, s, n);
	role[n] = '\0';
	v = realloc(g->roles, (g->nroles + 1) * sizeof(*v));
	if (!v) {
		free(role);
		return MS_ENOMEM;
	}
	g->roles = v;
	g->roles[g->nroles++] = role;
	return 0;
}

int ms_grants_add_line(struct ms_grants *g, const char *line)
{
	char schema[256];
	const char *list, *on, *p, *comma;
	bool global;
	int rc;

	if (strncmp(line, "GRANT ", 6) != 0)
		return 0;
	list = line + 6;
	on = find_outside(list, " ON ");
	if (!on) { /* GRANT `role`@`%` TO ... */
		const char *to = find_outside(list, " TO ");

		return to ? add_role(g, list, (size_t)(to - list)) : 0;
	}
	if (!parse_object(on + 4, &global, schema, sizeof(schema)))
		return 0;
	for (p = list; p < on; p = comma + 1) {
		const char *paren;
		char *priv;

		comma = find_outside(p, ",");
		if (!comma || comma > on)
			comma = on;
		paren = memchr(p, '(', (size_t)(comma - p));
		if (paren) /* column-level: SELECT (`a`) */
			continue;
		priv = normalize(p, (size_t)(comma - p));
		if (!priv)
			return MS_ENOMEM;
		if (strcmp(priv, "ALL PRIVILEGES") == 0)
			priv[3] = '\0';
		rc = add_entry(g, global ? NULL : schema, priv);
		if (rc)
			return rc;
	}
	return 0;
}

static bool same_priv(const char *a, const char *b)
{
	size_t i;

	if (strcmp(a, b) == 0)
		return true;
	for (i = 0; i < sizeof(synonyms) / sizeof(synonyms[0]); i++) {
		if ((strcmp(a, synonyms[i][0]) == 0 &&
		     strcmp(b, synonyms[i][1]) == 0) ||
		    (strcmp(a, synonyms[i][1]) == 0 &&
		     strcmp(b, synonyms[i][0]) == 0))
			return true;
	}
	return false;
}

bool ms_grants_has(const struct ms_grants *g, const char *priv,
		   const char *schema)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		const struct ms_grant *e = &g->v[i];

		if (e->schema && (!schema || strcmp(e->schema, schema) != 0))
			continue;
		if (same_priv(e->privilege, priv) ||
		    (strcmp(e->privilege, "ALL") == 0 &&
		     strcmp(priv, "GRANT OPTION") != 0))
			return true;
	}
	return false;
}

void ms_grants_free(struct ms_grants *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->v[i].schema);
		free(g->v[i].privilege);
	}
	for (i = 0; i < g->nroles; i++)
		free(g->roles[i]);
	free(g->v);
	free(g->roles);
	memset(g, 0, sizeof(*g));
}

/* String storage, default normalisation and lookups for schema.c. */
#include "db/schema_int.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ARENA_CHUNK (64 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	char data[];
};

struct ms_strarena {
	struct arena_chunk *head;
	size_t total, cap;
};

struct ms_strarena *ms_strarena_new(size_t cap)
{
	struct ms_strarena *a = calloc(1, sizeof(*a));

	if (a)
		a->cap = cap;
	return a;
}

void ms_strarena_free(struct ms_strarena *a)
{
	struct arena_chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

int ms_strarena_dup(struct ms_strarena *a, const char *s, size_t n, char **out)
{
	struct arena_chunk *c = a->head;
	size_t need;

	*out = NULL;
	if (!s)
		return 0;
	if (n >= a->cap || a->total > a->cap - n - 1)
		return MS_ETOOLARGE;
	need = n + 1;
	if (!c || c->size - c->used < need) {
		size_t size = need > ARENA_CHUNK ? need : ARENA_CHUNK;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return MS_ENOMEM;
		c->size = size;
		c->used = 0;
		/* A big string gets its own chunk behind the current one so
		 * the current chunk's free space is not wasted. */
		if (a->head && need > ARENA_CHUNK) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	*out = c->data + c->used;
	memcpy(*out, s, n);
	(*out)[n] = '\0';
	c->used += need;
	a->total += need;
	return 0;
}

int ms_schema_grow(void **arr, size_t n, size_t size)
{
	size_t ncap;
	char *p;

	if (n != 0 && (n & (n - 1)) != 0)
		goto zero; /* capacity (next power of two) not reached */
	ncap = n ? n * 2 : 1;
	if (ncap > SIZE_MAX / size)
		return MS_ENOMEM;
	p = realloc(*arr, ncap * size);
	if (!p)
		return MS_ENOMEM;
	*arr = p;
zero:
	memset((char *)*arr + n * size, 0, size);
	return 0;
}

static bool is_number(const char *s)
{
	const char *p = s;

	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p);)
			p++;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	return *p == '\0';
}

/* Decodes a MariaDB-quoted literal 'it''s\\x' in place into <out> (at least
 * <n> bytes). Returns the decoded length. */
static size_t unquote(const char *s, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 1; i + 1 < n; i++) {
		char ch = s[i];

		if (ch == '\'' && s[i + 1] == '\'' && i + 2 < n) {
			i++;
		} else if (ch == '\\' && i + 2 < n) {
			ch = s[++i];
			switch (ch) {
			case '0':
				ch = '\0';
				break;
			case 'n':
				ch = '\n';
				break;
			case 'r':
				ch = '\r';
				break;
			case 't':
				ch = '\t';
				break;
			case 'b':
				ch = '\b';
				break;
			case 'Z':
				ch = '\032';
				break;
			}
		}
		out[o++] = ch;
	}
	return o;
}

static bool is_temporal(const char *type)
{
	return type &&
	       (strcasecmp(type, "timestamp") == 0 ||
		strcasecmp(type, "datetime") == 0 ||
		strcasecmp(type, "date") == 0 || strcasecmp(type, "time") == 0);
}

static int set_literal_string(struct ms_strarena *a, struct ms_column *c,
			      const char *raw, size_t n)
{
	char *tmp = malloc(n + 1);
	size_t len;
	int rc;

	if (!tmp)
		return MS_ENOMEM;
	len = unquote(raw, n, tmp);
	rc = ms_strarena_dup(a, tmp, len, &c->default_value);
	free(tmp);
	return rc;
}

int ms_schema_set_default(struct ms_strarena *a, struct ms_column *c,
			  const char *raw, size_t rawlen, bool expr_text)
{
	const char *extra = c->extra ? c->extra : "";

	c->has_default = false;
	c->default_is_expr = false;
	c->default_value = NULL;
	if (c->generated || c->auto_increment)
		return 0;
	if (!raw) {
		/* MariaDB: no DEFAULT. MySQL: no DEFAULT, or the implicit
		 * DEFAULT NULL of a nullable column. */
		c->has_default = !expr_text && c->nullable;
		return 0;
	}
	c->has_default = true;
	if (!expr_text) {
		c->default_is_expr =
		    strstr(extra, "DEFAULT_GENERATED") != NULL ||
		    (is_temporal(c->data_type) &&
		     strncasecmp(raw, "current_timestamp", 17) == 0);
		return ms_strarena_dup(a, raw, rawlen, &c->default_value);
	}
	if (strcmp(raw, "NULL") == 0)
		return 0;
	if (rawlen >= 2 && raw[0] == '\'' && raw[rawlen - 1] == '\'')
		return set_literal_string(a, c, raw, rawlen);
	c->default_is_expr = !is_number(raw);
	return ms_strarena_dup(a, raw, rawlen, &c->default_value);
}

void ms_schema_set_generated(struct ms_column *c)
{
	const char *e = c->extra ? c->extra : "";

	c->generated_stored = strstr(e, "STORED GENERATED") != NULL ||
			      strcasecmp(e, "PERSISTENT") == 0 ||
			      strstr(e, "PERSISTENT GENERATED") != NULL;
	c->generated = c->generated_stored ||
		       strstr(e, "VIRTUAL GENERATED") != NULL ||
		       strcasecmp(e, "VIRTUAL") == 0;
	if (!c->generated)
		c->generation_expr = NULL;
}

const struct ms_column *ms_table_column(const struct ms_table *t,
					const char *name)
{
	size_t i;

	for (i = 0; t && name && i < t->ncolumns; i++)
		if (strcmp(t->columns[i].name, name) == 0)
			return &t->columns[i];
	return NULL;
}

static bool usable_unique(const struct ms_table *t, const struct ms_index *ix)
{
	size_t i;

	if (!ix->unique || ix->nullable || ix->ncolumns == 0)
		return false;
	for (i = 0; i < ix->ncolumns; i++) {
		const struct ms_column *c = ms_table_column(t, ix->columns[i]);

		if (!c || c->nullable || ix->sub_parts[i] != 0)
			return false;
	}
	return true;
}

const struct ms_index *ms_table_chunk_key(const struct ms_table *t)
{
	size_t i;

	if (!t)
		return NULL;
	for (i = 0; i < t->nindexes; i++)
		if (t->indexes[i].primary)
			return &t->indexes[i];
	for (i = 0; i < t->nindexes; i++)
		if (usable_unique(t, &t->indexes[i]))
			return &t->indexes[i];
	return NULL;
}

void ms_schema_sort(void *base, size_t n, size_t size,
		    int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static int collect_name(void *ctx, const char *const *vals, const size_t *lens,
			size_t n, struct ms_err *err)
{
	struct ms_buf *b = ctx;

	(void)n;
	if (ms_buf_add(b, vals[0] ? vals[0] : "", vals[0] ? lens[0] : 0) ||
	    ms_buf_addc(b, '\0'))
		return MS_ERR(err, MS_ENOMEM, "too many schemas");
	return 0;
}

int ms_schema_names(struct ms_db *db, char ***out, size_t *n,
		    struct ms_err *err)
{
	struct ms_buf names;
	char **v = NULL;
	size_t off, i = 0;
	int rc;

	*out = NULL;
	*n = 0;
	ms_buf_init(&names, (size_t)1 << 30);
	rc = ms_db_query_each(db,
			      "SELECT SCHEMA_NAME FROM "
			      "information_schema.SCHEMATA",
			      collect_name, &names, err);
	for (off = 0; !rc && off < names.len;
	     off += strlen(names.ptr + off) + 1)
		(*n)++;
	if (!rc && !(v = malloc((*n + 1) * sizeof(*v) + names.len)))
		rc = MS_ERR(err, MS_ENOMEM, "out of memory");
	if (!rc) {
		char *store = (char *)(v + *n + 1);

		if (names.len)
			memcpy(store, names.ptr, names.len);
		for (off = 0; off < names.len; off += strlen(store + off) + 1)
			v[i++] = store + off;
		v[i] = NULL;
		*out = v;
	}
	ms_buf_free(&names);
	return rc;
}

/* Config file parser: one line at a time over a length-capped byte range,
 * without ever reading past <len>. Messages quote keys but never values. */
#include "core/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

#define BOM	"\xEF\xBB\xBF"
#define BOM_LEN 3

struct cfg_parse {
	const char *path;
	const char *const *known; /* NULL: any key */
	struct ms_config *cfg;
	struct ms_err *err;
	unsigned int line; /* current 1-based line */
	size_t alloc;	   /* entries allocated in cfg->v */
};

/* One line being parsed: s[0, len), no newline. */
struct cfg_line {
	const char *s;
	size_t len;
};

static int cfg_fail(struct cfg_parse *p, int code, int line, const char *fmt,
		    ...) MS_PRINTF(4, 5);

static int cfg_fail(struct cfg_parse *p, int code, int line, const char *fmt,
		    ...)
{
	va_list ap;

	if (!p->err)
		return code;
	va_start(ap, fmt);
	ms_err_vset(p->err, code, __FILE__, line, fmt, ap);
	va_end(ap);
	if (p->line)
		return ms_err_prefix(p->err, "%s:%u", p->path, p->line);
	return ms_err_prefix(p->err, "%s", p->path);
}

#define FAIL(p, ...) cfg_fail((p), MS_ECONFIG, __LINE__, __VA_ARGS__)

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

static size_t skip_space(const struct cfg_line *l, size_t i)
{
	while (i < l->len && is_space(l->s[i]))
		i++;
	return i;
}

/* Levenshtein distance between <a> and <b>, both at most MS_CONFIG_KEY_MAX
 * bytes (longer strings give a distance too large to matter). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t row[MS_CONFIG_KEY_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;

	if (la > MS_CONFIG_KEY_MAX || lb > MS_CONFIG_KEY_MAX)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The known key closest to <key> when close enough to be a typo, or NULL:
 * distance 1 for keys up to 4 bytes, else up to 2. */
static const char *suggest(const char *const *known, const char *key)
{
	size_t limit = strlen(key) <= 4 ? 1 : 2;
	size_t best = limit + 1;
	const char *hit = NULL;

	for (; *known; known++) {
		size_t d = edit_distance(key, *known);

		if (d < best) {
			best = d;
			hit = *known;
		}
	}
	return hit;
}

static int check_key(struct cfg_parse *p, const char *key)
{
	const char *const *k;
	const char *near;

	if (!p->known)
		return 0;
	for (k = p->known; *k; k++)
		if (strcmp(*k, key) == 0)
			return 0;
	near = suggest(p->known, key);
	if (near)
		return FAIL(p, "unknown key '%s'; did you mean '%s'?", key,
			    near);
	return FAIL(p, "unknown key '%s'", key);
}

/* Refuses NUL and other control bytes except tab (columns are 1-based). */
static int check_bytes(struct cfg_parse *p, const struct cfg_line *l)
{
	size_t i;

	if (l->len > MS_CONFIG_LINE_MAX)
		return FAIL(p, "line longer than %d bytes", MS_CONFIG_LINE_MAX);
	for (i = 0; i < l->len; i++) {
		unsigned char c = (unsigned char)l->s[i];

		if (c == 0)
			return FAIL(p, "NUL byte at column %zu", i + 1);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return FAIL(p, "control character 0x%02x at column %zu",
				    c, i + 1);
	}
	return 0;
}

/* A "..." value starting at the quote at <i>; appends the unescaped text to
 * <out> and checks that only a comment follows. */
static int parse_quoted(struct cfg_parse *p, const struct cfg_line *l, size_t i,
			struct ms_buf *out)
{
	size_t open = i++;
	int rc = 0;

	for (; i < l->len && l->s[i] != '"' && !rc; i++) {
		char c = l->s[i];

		if (c == '\\' && i + 1 < l->len) {
			c = l->s[++i];
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c != '"' && c != '\\')
				return FAIL(p,
					    "unknown escape '\\%c' at column "
					    "%zu",
					    c, i);
		} else if (c == '\\') {
			break; /* backslash at end of line */
		}
		rc = ms_buf_addc(out, c);
	}
	if (rc)
		return cfg_fail(p, rc, __LINE__, "%s", ms_strerror(rc));
	if (i >= l->len || l->s[i] != '"')
		return FAIL(p, "unterminated quote starting at column %zu",
			    open + 1);
	i = skip_space(l, i + 1);
	if (i < l->len && l->s[i] != '#')
		return FAIL(p,
			    "unexpected text after closing quote at column "
			    "%zu",
			    i + 1);
	return 0;
}

/* An unquoted value from <i>: up to a comment, trailing blanks trimmed. */
static int parse_plain(struct cfg_parse *p, const struct cfg_line *l, size_t i,
		       struct ms_buf *out)
{
	size_t end = i;
	int rc;

	while (end < l->len &&
	       !(l->s[end] == '#' && (end == i || is_space(l->s[end - 1]))))
		end++;
	while (end > i && is_space(l->s[end - 1]))
		end--;
	rc = ms_buf_add(out, l->s + i, end - i);
	if (rc)
		return cfg_fail(p, rc, __LINE__, "%s", ms_strerror(rc));
	return 0;
}

static int add_entry(struct cfg_parse *p, char *key, char *value)
{
	struct ms_config *cfg = p->cfg;

	if (cfg->n == p->alloc) {
		size_t n = p->alloc ? p->alloc * 2 : 16;
		struct ms_config_entry *v = realloc(cfg->v, n * sizeof(*v));

		if (!v) {
			free(key);
			free(value);
			return cfg_fail(p, MS_ENOMEM, __LINE__,
					"out of memory");
		}
		cfg->v = v;
		p->alloc = n;
	}
	cfg->v[cfg->n].key = key;
	cfg->v[cfg->n].value = value;
	cfg->v[cfg->n].line = p->line;
	cfg->n++;
	return 0;
}

/* The key at <i>; sets *<end> just past it. */
static int parse_key(struct cfg_parse *p, const struct cfg_line *l, size_t i,
		     size_t *end)
{
	size_t k = i;

	while (k < l->len && !is_space(l->s[k]) && l->s[k] != '=') {
		if (!is_key_char(l->s[k]))
			return FAIL(p, "invalid character in key at column %zu",
				    k + 1);
		k++;
	}
	if (k == i)
		return FAIL(p, "empty key before '='");
	if (k - i > MS_CONFIG_KEY_MAX)
		return FAIL(p, "key longer than %d bytes", MS_CONFIG_KEY_MAX);
	*end = k;
	return 0;
}

static int parse_line(struct cfg_parse *p, const struct cfg_line *l)
{
	struct ms_buf val;
	char key[MS_CONFIG_KEY_MAX + 1];
	char *kcopy, *vcopy;
	size_t i, kend;
	int rc;

	rc = check_bytes(p, l);
	if (rc)
		return rc;
	i = skip_space(l, 0);
	if (i == l->len || l->s[i] == '#')
		return 0;
	rc = parse_key(p, l, i, &kend);
	if (rc)
		return rc;
	memcpy(key, l->s + i, kend - i);
	key[kend - i] = '\0';
	i = skip_space(l, kend);
	if (i == l->len || l->s[i] != '=')
		return FAIL(p,
			    "missing '=' after key (expected 'key = value')");
	i = skip_space(l, i + 1);
	ms_buf_init(&val, MS_CONFIG_LINE_MAX);
	if (i < l->len && l->s[i] == '"')
		rc = parse_quoted(p, l, i, &val);
	else
		rc = parse_plain(p, l, i, &val);
	if (!rc)
		rc = check_key(p, key);
	if (rc) {
		ms_buf_free(&val);
		return rc;
	}
	vcopy = ms_buf_take(&val);
	kcopy = strdup(key);
	if (!vcopy || !kcopy) {
		free(vcopy);
		free(kcopy);
		return cfg_fail(p, MS_ENOMEM, __LINE__, "out of memory");
	}
	return add_entry(p, kcopy, vcopy);
}

static int parse_text(struct cfg_parse *p, const char *text, size_t len)
{
	size_t pos = 0;
	int rc;

	if (len >= BOM_LEN && memcmp(text, BOM, BOM_LEN) == 0)
		pos = BOM_LEN;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		struct cfg_line l = {text + pos, end - pos};

		p->line++;
		if (l.len > 0 && l.s[l.len - 1] == '\r')
			l.len--;
		rc = parse_line(p, &l);
		if (rc)
			return rc;
		pos = end + 1;
	}
	return 0;
}

int ms_config_parse(const char *path, const char *text, size_t len,
		    const char *const *known_keys, struct ms_config *cfg,
		    struct ms_err *err)
{
	struct cfg_parse p;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	memset(&p, 0, sizeof(p));
	p.path = path ? path : "(config)";
	p.known = known_keys;
	p.cfg = cfg;
	p.err = err;
	if (len > MS_CONFIG_FILE_MAX)
		return cfg_fail(&p, MS_ETOOLARGE, __LINE__,
				"larger than %d bytes", MS_CONFIG_FILE_MAX);
	cfg->path = strdup(p.path);
	if (!cfg->path)
		return cfg_fail(&p, MS_ENOMEM, __LINE__, "out of memory");
	rc = parse_text(&p, text, len);
	if (rc)
		ms_config_free(cfg);
	return rc;
}

/* Reads at most MS_CONFIG_FILE_MAX + 1 bytes of <f> into *<out>. */
static int read_capped(FILE *f, char **out, size_t *len)
{
	size_t cap = MS_CONFIG_FILE_MAX + 1, n = 0, alloc = 0;
	char *buf = NULL;

	while (n < cap) {
		size_t want, got;

		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 4096;
			char *nb;

			if (na > cap)
				na = cap;
			nb = realloc(buf, na);
			if (!nb) {
				free(buf);
				return MS_ENOMEM;
			}
			buf = nb;
			alloc = na;
		}
		want = alloc - n;
		got = fread(buf + n, 1, want, f);
		n += got;
		if (got < want)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return MS_EIO;
	}
	*out = buf;
	*len = n;
	return 0;
}

int ms_config_load(const char *path, const char *const *known_keys,
		   struct ms_config *cfg, struct ms_err *err)
{
	FILE *f;
	char *text = NULL;
	size_t len = 0;
	int rc, e;

	memset(cfg, 0, sizeof(*cfg));
	f = fopen(path, "rb");
	if (!f)
		return MS_ERR(err, MS_EIO, "%s: %s", path, strerror(errno));
	errno = 0;
	rc = read_capped(f, &text, &len);
	e = errno;
	fclose(f);
	if (rc == MS_EIO)
		return MS_ERR(err, MS_EIO, "%s: %s", path,
			      strerror(e ? e : EIO));
	if (rc)
		return MS_ERR(err, rc, "%s: %s", path, ms_strerror(rc));
	rc = ms_config_parse(path, text ? text : "", len, known_keys, cfg, err);
	free(text);
	return rc;
}

const struct ms_config_entry *ms_config_next(const struct ms_config *cfg,
					     const char *key,
					     const struct ms_config_entry *prev)
{
	size_t i = prev ? (size_t)(prev - cfg->v) + 1 : 0;

	for (; i < cfg->n; i++)
		if (strcmp(cfg->v[i].key, key) == 0)
			return &cfg->v[i];
	return NULL;
}

const struct ms_config_entry *ms_config_last(const struct ms_config *cfg,
					     const char *key)
{
	size_t i;

	for (i = cfg->n; i > 0; i--)
		if (strcmp(cfg->v[i - 1].key, key) == 0)
			return &cfg->v[i - 1];
	return NULL;
}

void ms_config_free(struct ms_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n; i++) {
		free(cfg->v[i].key);
		free(cfg->v[i].value);
	}
	free(cfg->v);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

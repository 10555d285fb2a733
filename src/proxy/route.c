/* Routes: "NAME user=U schema=S backend=source|target" specs parsed into a
 * table, first match wins, the catch-all "default" kept last. */
#include <stdlib.h>
#include <string.h>

#include "proxy/backend.h"
#include "proxy/route.h"

int ms_backend_parse(const char *name)
{
	if (!name)
		return -1;
	if (!strcmp(name, "source"))
		return MS_BACKEND_SOURCE;
	if (!strcmp(name, "target"))
		return MS_BACKEND_TARGET;
	return -1;
}

/* The pattern's next literal byte or wildcard at *<i>: returns the byte
 * and sets *<wild> ('%', '_' or 0 for a literal); advances *<i>. A
 * trailing backslash is a literal backslash. */
static unsigned char pat_next(const char *pat, size_t *i, char *wild)
{
	unsigned char c = (unsigned char)pat[*i];

	(*i)++;
	*wild = 0;
	if (c == '\\' && pat[*i]) {
		c = (unsigned char)pat[*i];
		(*i)++;
		return c;
	}
	if (c == '%' || c == '_')
		*wild = (char)c;
	return c;
}

bool ms_pattern_match(const char *pat, const char *s)
{
	size_t pi = 0, si = 0, star_p = 0, star_s = 0;
	bool star = false;

	if (!pat || !s)
		return false;
	/* Greedy match with one backtrack point, the last '%' seen: linear
	 * enough for patterns of a few wildcards, never recursive. */
	for (;;) {
		size_t save = pi;
		char wild;
		unsigned char c;

		if (!pat[pi]) {
			if (!s[si])
				return true;
		} else {
			c = pat_next(pat, &pi, &wild);
			if (wild == '%') {
				star = true;
				star_p = pi;
				star_s = si;
				continue;
			}
			if (s[si] &&
			    (wild == '_' || (unsigned char)s[si] == c)) {
				si++;
				continue;
			}
			pi = save;
		}
		if (!star || !s[star_s])
			return false;
		pi = star_p;
		si = ++star_s;
	}
}

static bool name_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return n > 0;
}

/* Copies the token [<p>, <p>+<n>) into <dst> (<size> bytes). */
static bool tok_copy(char *dst, size_t size, const char *p, size_t n)
{
	if (n >= size)
		return false;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return true;
}

static int parse_kv(struct ms_route *r, const char *spec, const char *tok,
		    size_t n, bool *seen, struct ms_err *err)
{
	static const char *const keys[] = {"user", "schema", "backend"};
	const char *eq = memchr(tok, '=', n);
	size_t klen = eq ? (size_t)(eq - tok) : n, vlen, k;
	char val[MS_ROUTE_PAT_MAX + 1];

	for (k = 0; k < 3; k++)
		if (strlen(keys[k]) == klen && !memcmp(tok, keys[k], klen))
			break;
	if (!eq || k == 3)
		return MS_ERR(err, MS_ECONFIG,
			      "route '%s': unknown key '%.*s' (expected "
			      "user=, schema= or backend=)",
			      spec, (int)klen, tok);
	if (seen[k])
		return MS_ERR(err, MS_ECONFIG, "route '%s': %s= given twice",
			      spec, keys[k]);
	seen[k] = true;
	vlen = n - klen - 1;
	if (vlen == 0)
		return MS_ERR(err, MS_ECONFIG, "route '%s': empty %s=", spec,
			      keys[k]);
	if (!tok_copy(val, sizeof(val), eq + 1, vlen))
		return MS_ERR(err, MS_ECONFIG,
			      "route '%s': %s= pattern longer than %d bytes",
			      spec, keys[k], MS_ROUTE_PAT_MAX);
	if (k == 0)
		memcpy(r->user, val, vlen + 1);
	else if (k == 1)
		memcpy(r->schema, val, vlen + 1);
	else if ((r->backend = ms_backend_parse(val)) < 0)
		return MS_ERR(err, MS_ECONFIG,
			      "route '%s': unknown backend '%s' (source or "
			      "target)",
			      spec, val);
	return 0;
}

/* Parses one spec into <r>. */
static int parse_one(const char *spec, bool target_present, struct ms_route *r,
		     struct ms_err *err)
{
	const char *p = spec, *tok;
	bool seen[3] = {false, false, false};
	size_t n;
	int rc;

	memset(r, 0, sizeof(*r));
	r->backend = -1;
	while (*p == ' ' || *p == '\t')
		p++;
	tok = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	n = (size_t)(p - tok);
	if (n == 0)
		return MS_ERR(err, MS_ECONFIG, "route '%s': no name", spec);
	if (memchr(tok, '=', n))
		return MS_ERR(err, MS_ECONFIG,
			      "route '%s': the name comes first (NAME "
			      "user=U schema=S backend=source|target)",
			      spec);
	if (!name_ok(tok, n))
		return MS_ERR(err, MS_ECONFIG,
			      "route '%s': name '%.*s' may hold only letters, "
			      "digits, '_', '-' and '.'",
			      spec, (int)n, tok);
	if (!tok_copy(r->name, sizeof(r->name), tok, n))
		return MS_ERR(err, MS_ECONFIG,
			      "route '%s': name longer than %d bytes", spec,
			      MS_ROUTE_NAME_MAX);
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		rc = parse_kv(r, spec, tok, (size_t)(p - tok), seen, err);
		if (rc)
			return rc;
	}
	if (r->backend < 0)
		return MS_ERR(err, MS_ECONFIG,
			      "route '%s': missing backend=source|target",
			      spec);
	if (r->backend == MS_BACKEND_TARGET && !target_present)
		return MS_ERR(err, MS_ECONFIG,
			      "route '%s': backend=target but no target is "
			      "configured (--target)",
			      spec);
	if (!strcmp(r->name, "default") && (r->user[0] || r->schema[0]))
		return MS_ERR(err, MS_ECONFIG,
			      "route '%s': the route named default takes every "
			      "session; it has no user= or schema=",
			      spec);
	return 0;
}

int ms_routes_parse(const char *const *specs, bool target_present,
		    struct ms_routes *rs, struct ms_err *err)
{
	struct ms_route def = {.name = "default", .backend = MS_BACKEND_SOURCE};
	bool have_default = false;
	size_t n = 0, i, j;
	int rc;

	memset(rs, 0, sizeof(*rs));
	while (specs && specs[n])
		n++;
	if (n >= MS_ROUTES_MAX)
		return MS_ERR(err, MS_ECONFIG, "%zu routes: at most %d", n,
			      MS_ROUTES_MAX - 1);
	rs->v = calloc(n + 1, sizeof(*rs->v));
	if (!rs->v)
		return MS_ERR(err, MS_ENOMEM, "out of memory for routes");
	for (i = 0; i < n; i++) {
		struct ms_route *r = &rs->v[rs->n];
		bool is_default;

		rc = parse_one(specs[i], target_present, r, err);
		is_default = !rc && !strcmp(r->name, "default");
		for (j = 0; !rc && j < rs->n; j++)
			if (!strcmp(rs->v[j].name, r->name))
				rc = 1;
		if (is_default && have_default)
			rc = 1;
		if (rc == 1)
			rc = MS_ERR(err, MS_ECONFIG,
				    "route '%s': route name '%s' used twice",
				    specs[i], r->name);
		if (rc) {
			ms_routes_free(rs);
			return rc;
		}
		if (is_default) {
			/* Kept last whatever its place: it matches all. */
			def = *r;
			have_default = true;
			continue;
		}
		rs->n++;
	}
	rs->v[rs->n++] = def;
	return 0;
}

void ms_routes_free(struct ms_routes *rs)
{
	if (!rs)
		return;
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

struct ms_route *ms_routes_match(struct ms_routes *rs, const char *user,
				 const char *schema)
{
	size_t i;

	if (!user)
		user = "";
	if (!schema)
		schema = "";
	for (i = 0; i < rs->n; i++) {
		struct ms_route *r = &rs->v[i];

		if (r->user[0] && !ms_pattern_match(r->user, user))
			continue;
		if (r->schema[0] && !ms_pattern_match(r->schema, schema))
			continue;
		return r;
	}
	/* Unreachable once parsed: the last route matches every session. */
	return rs->n ? &rs->v[rs->n - 1] : NULL;
}

struct ms_route *ms_routes_find(struct ms_routes *rs, const char *name)
{
	size_t i;

	for (i = 0; name && i < rs->n; i++)
		if (!strcmp(rs->v[i].name, name))
			return &rs->v[i];
	return NULL;
}

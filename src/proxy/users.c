/* The users the proxy accepts: config specs turned into hashes at once,
 * and the source's accounts read from mysql.global_priv (MariaDB 10.4+) or
 * mysql.user, with host patterns matched against the client's address.
 * See docs/proxy-backends.md. */
#include <arpa/inet.h>
#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "db/db.h"
#include "proto/proto.h"
#include "proxy/route.h"
#include "proxy/users.h"

#define NATIVE "mysql_native_password"

static int grow(struct ms_users *us, struct ms_err *err)
{
	struct ms_user *v;
	size_t alloc;

	if (us->n < us->alloc)
		return 0;
	alloc = us->alloc ? us->alloc * 2 : 16;
	v = realloc(us->v, alloc * sizeof(*v));
	if (!v)
		return MS_ERR(err, MS_ENOMEM, "out of memory for users");
	us->v = v;
	us->alloc = alloc;
	return 0;
}

/* Drops the entries of <name> read from the source (a config user of the
 * same name replaces them). */
static void drop_source(struct ms_users *us, const char *name)
{
	size_t i, j = 0;

	for (i = 0; i < us->n; i++)
		if (!(us->v[i].from_source && !strcmp(us->v[i].name, name)))
			us->v[j++] = us->v[i];
	us->n = j;
}

static bool has_config_user(const struct ms_users *us, const char *name)
{
	size_t i;

	for (i = 0; i < us->n; i++)
		if (!us->v[i].from_source && !strcmp(us->v[i].name, name))
			return true;
	return false;
}

/* "*" + 40 hex digits. */
static bool native_hash_form(const char *s, size_t n)
{
	size_t i;

	if (n != 41 || s[0] != '*')
		return false;
	for (i = 1; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

int ms_users_add_spec(struct ms_users *us, const char *spec, struct ms_err *err)
{
	const char *colon = spec ? strchr(spec, ':') : NULL;
	const char *pw;
	size_t nlen, pwlen;
	struct ms_user *u;
	int rc;

	if (!colon)
		return MS_ERR(err, MS_ECONFIG,
			      "user spec without ':' (write NAME:PASSWORD or "
			      "NAME:*HASH)");
	nlen = (size_t)(colon - spec);
	pw = colon + 1;
	pwlen = strlen(pw);
	if (nlen == 0)
		return MS_ERR(err, MS_ECONFIG,
			      "user spec with an empty name (write "
			      "NAME:PASSWORD or NAME:*HASH)");
	if (nlen > MS_USER_NAME_MAX)
		return MS_ERR(err, MS_ECONFIG,
			      "user '%.40s...': name longer than %d bytes",
			      spec, MS_USER_NAME_MAX);
	rc = grow(us, err);
	if (rc)
		return rc;
	u = &us->v[us->n];
	memset(u, 0, sizeof(*u));
	memcpy(u->name, spec, nlen);
	u->name[nlen] = '\0';
	if (has_config_user(us, u->name))
		return MS_ERR(err, MS_ECONFIG, "user '%s' given twice",
			      u->name);
	strcpy(u->host, "%");
	u->usable = true;
	if (pwlen == 0) {
		u->empty_password = true;
	} else if (pw[0] == '*' && pwlen == 41) {
		if (!native_hash_form(pw, pwlen) ||
		    ms_auth_native_hash_parse(pw, pwlen, u->stage2))
			return MS_ERR(err, MS_ECONFIG,
				      "user '%s': bad mysql_native_password "
				      "hash (expected '*' and 40 hex digits)",
				      u->name);
	} else {
		ms_auth_native_hash(pw, pwlen, u->stage1, u->stage2);
		ms_auth_sha2_hash(pw, pwlen, u->sha2);
		u->has_stage1 = true;
		u->has_sha2 = true;
	}
	drop_source(us, u->name);
	/* drop_source may have moved the new entry down. */
	if (&us->v[us->n] != u)
		memmove(&us->v[us->n], u, sizeof(*u));
	us->n++;
	return 0;
}

int ms_users_add_account(struct ms_users *us, const char *name,
			 const char *host, const char *plugin, const char *auth,
			 const char *locked, struct ms_err *err)
{
	struct ms_user *u;
	size_t alen = auth ? strlen(auth) : 0;
	int rc;

	if (strlen(name) > MS_USER_NAME_MAX || strlen(host) > MS_USER_HOST_MAX)
		return MS_ERR(err, MS_ECONFIG,
			      "source account '%.64s'@'%.64s': name or host "
			      "too long",
			      name, host);
	rc = grow(us, err);
	if (rc)
		return rc;
	u = &us->v[us->n++];
	memset(u, 0, sizeof(*u));
	strcpy(u->name, name);
	strcpy(u->host, host);
	u->from_source = true;
	if (!plugin || !*plugin)
		plugin = NATIVE;
	if (locked) {
		snprintf(u->why, sizeof(u->why), "%s on the source", locked);
	} else if (strcmp(plugin, NATIVE) != 0) {
		snprintf(u->why, sizeof(u->why),
			 "uses auth plugin %.40s on the source; its hash "
			 "cannot verify a client: list it with --user "
			 "NAME:PASSWORD",
			 plugin);
	} else if (alen == 0) {
		u->usable = true;
		u->empty_password = true;
	} else if (native_hash_form(auth, alen) &&
		   ms_auth_native_hash_parse(auth, alen, u->stage2) == 0) {
		u->usable = true;
	} else {
		snprintf(u->why, sizeof(u->why),
			 "its mysql_native_password hash on the source is not "
			 "'*' and 40 hex digits (no password login)");
	}
	return 0;
}

/* Specificity class and literal prefix length of a host pattern. */
static void host_rank(const char *h, int *cls, size_t *prefix)
{
	size_t w = strcspn(h, "%_");

	*prefix = w;
	if (!*h || !strcmp(h, "%"))
		*cls = 3;
	else if (h[w])
		*cls = 2;
	else if (strchr(h, '/'))
		*cls = 1;
	else
		*cls = 0;
}

/* <0 when host <a> is more specific than <b>. */
static int host_cmp(const char *a, const char *b)
{
	int ca, cb;
	size_t pa, pb;

	host_rank(a, &ca, &pa);
	host_rank(b, &cb, &pb);
	if (ca != cb)
		return ca - cb;
	if (pa != pb)
		return pa > pb ? -1 : 1;
	return strcmp(a, b);
}

static int user_cmp(const void *pa, const void *pb)
{
	const struct ms_user *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);

	return c ? c : host_cmp(a->host, b->host);
}

void ms_users_sort(struct ms_users *us)
{
	if (us->n > 1)
		qsort(us->v, us->n, sizeof(*us->v), user_cmp);
}

/* Parses "a.b.c.d" into a host-order value. */
static bool ipv4(const char *s, size_t n, uint32_t *out)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a;

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

static bool netmask_match(const char *pattern, const char *slash,
			  const char *ip)
{
	uint32_t net, mask, addr;
	char *end;
	unsigned long bits;

	if (!ipv4(pattern, (size_t)(slash - pattern), &net) ||
	    !ipv4(ip, strlen(ip), &addr))
		return false;
	if (strchr(slash + 1, '.')) {
		if (!ipv4(slash + 1, strlen(slash + 1), &mask))
			return false;
	} else {
		bits = strtoul(slash + 1, &end, 10);
		if (*end || end == slash + 1 || bits > 32)
			return false;
		mask = bits ? ~(uint32_t)0 << (32 - bits) : 0;
	}
	return (addr & mask) == net;
}

static void lower(char *dst, size_t size, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	dst[i] = '\0';
}

bool ms_users_host_match(const char *pattern, const char *ip)
{
	char p[MS_USER_HOST_MAX + 1], a[80];
	const char *slash;

	if (!pattern || !ip)
		return false;
	if (!strncasecmp(ip, "::ffff:", 7) && strchr(ip + 7, '.'))
		ip += 7;
	if (!*pattern || !strcmp(pattern, "%"))
		return true;
	if (!strcasecmp(pattern, "localhost"))
		return !strcmp(ip, "127.0.0.1") || !strcmp(ip, "::1") ||
		       !strcasecmp(ip, "localhost");
	if ((slash = strchr(pattern, '/')))
		return netmask_match(pattern, slash, ip);
	if (strlen(pattern) >= sizeof(p) || strlen(ip) >= sizeof(a))
		return false;
	lower(p, sizeof(p), pattern);
	lower(a, sizeof(a), ip);
	return ms_pattern_match(p, a);
}

struct ms_user *ms_users_find(struct ms_users *us, const char *name,
			      size_t name_len, const char *client_ip)
{
	struct ms_user *best = NULL;
	size_t i;

	/* A scan for the most specific match: correct whatever the order,
	 * and logins are rare next to statements. */
	for (i = 0; i < us->n; i++) {
		struct ms_user *u = &us->v[i];

		if (strlen(u->name) != name_len ||
		    memcmp(u->name, name, name_len) != 0 ||
		    !ms_users_host_match(u->host, client_ip))
			continue;
		if (!best || host_cmp(u->host, best->host) < 0)
			best = u;
	}
	return best;
}

void ms_users_free(struct ms_users *us)
{
	if (!us)
		return;
	if (us->v)
		explicit_bzero(us->v, us->alloc * sizeof(*us->v));
	free(us->v);
	memset(us, 0, sizeof(*us));
}

/* ---- users from the source ---------------------------------------------- */

struct load {
	struct ms_users *us;
	size_t added, skipped;
};

/* Adds one source account unless a config user has its name. */
static int load_one(struct load *l, const char *name, const char *host,
		    const char *plugin, const char *auth, const char *locked,
		    struct ms_err *err)
{
	int rc;

	if (!name || !*name) { /* anonymous accounts match no login name */
		l->skipped++;
		return 0;
	}
	if (has_config_user(l->us, name))
		return 0;
	rc = ms_users_add_account(l->us, name, host ? host : "%", plugin, auth,
				  locked, err);
	if (rc == MS_ECONFIG) { /* an account we cannot hold: say so */
		MS_LOG_WARN("proxy", "event=user_skipped reason=\"%s\"",
			    err ? err->msg : "too long");
		ms_err_clear(err);
		l->skipped++;
		return 0;
	}
	if (!rc)
		l->added++;
	return rc;
}

/* The first mysql_native_password method of a MariaDB global_priv entry:
 * the main one or one of "auth_or" (ALTER USER ... IDENTIFIED VIA a OR
 * b); otherwise the main plugin, for the reason. */
static void priv_method(json_t *priv, const char **plugin, const char **auth)
{
	json_t *alts = json_object_get(priv, "auth_or"), *m;
	size_t i;

	*plugin = json_string_value(json_object_get(priv, "plugin"));
	*auth =
	    json_string_value(json_object_get(priv, "authentication_string"));
	if (!*plugin || !**plugin || !strcmp(*plugin, NATIVE))
		return;
	json_array_foreach(alts, i, m)
	{
		const char *p = json_string_value(json_object_get(m, "plugin"));

		if (p && !strcmp(p, NATIVE)) {
			*plugin = p;
			*auth = json_string_value(
			    json_object_get(m, "authentication_string"));
			return;
		}
	}
}

/* One row of SELECT User, Host, Priv FROM mysql.global_priv. */
static int priv_row(void *ctx, const char *const *vals, const size_t *lens,
		    size_t ncols, struct ms_err *err)
{
	struct load *l = ctx;
	const char *plugin, *auth, *locked = NULL;
	json_t *priv, *plc;
	json_error_t jerr;
	int rc;

	(void)ncols;
	priv = vals[2] ? json_loadb(vals[2], lens[2], 0, &jerr) : NULL;
	if (!json_is_object(priv)) {
		json_decref(priv);
		return load_one(l, vals[0], vals[1], "", "invalid",
				"its mysql.global_priv entry is not JSON: "
				"account skipped",
				err);
	}
	if (json_is_true(json_object_get(priv, "is_role"))) {
		json_decref(priv);
		return 0;
	}
	priv_method(priv, &plugin, &auth);
	plc = json_object_get(priv, "password_last_changed");
	if (json_is_true(json_object_get(priv, "account_locked")))
		locked = "account is locked";
	else if (json_is_integer(plc) && json_integer_value(plc) == 0)
		locked = "password is expired";
	rc = load_one(l, vals[0], vals[1], plugin ? plugin : "",
		      auth ? auth : "", locked, err);
	json_decref(priv);
	return rc;
}

static const char *cell(const struct ms_db_result *r, size_t row,
			const char *col)
{
	int c = ms_db_result_col(r, col);

	return c < 0 ? NULL : ms_db_result_get(r, row, (size_t)c);
}

/* SELECT * FROM mysql.user: MySQL 5.7+, MariaDB before 10.4 (whose
 * native hash may be in Password with an empty plugin). */
static int user_table(struct ms_db *db, struct load *l, struct ms_err *err)
{
	struct ms_db_result *r = NULL;
	size_t i;
	int rc;

	rc = ms_db_query(db, "SELECT * FROM mysql.user", &r, err);
	for (i = 0; !rc && i < ms_db_result_nrows(r); i++) {
		const char *plugin = cell(r, i, "plugin");
		const char *auth = cell(r, i, "authentication_string");
		const char *pw = cell(r, i, "Password");
		const char *lk = cell(r, i, "account_locked");
		const char *ex = cell(r, i, "password_expired");
		const char *role = cell(r, i, "is_role");
		const char *locked = NULL;

		if (role && !strcmp(role, "Y"))
			continue;
		if ((!plugin || !*plugin || !strcmp(plugin, NATIVE)) &&
		    (!auth || !*auth) && pw && *pw)
			auth = pw;
		if (lk && !strcmp(lk, "Y"))
			locked = "account is locked";
		else if (ex && !strcmp(ex, "Y"))
			locked = "password is expired";
		rc = load_one(l, cell(r, i, "User"), cell(r, i, "Host"),
			      plugin ? plugin : "", auth ? auth : "", locked,
			      err);
	}
	ms_db_result_free(r);
	return rc;
}

/* The message for a source user that may not read <table>. */
static int no_privilege(struct ms_db *db, const char *table, struct ms_err *err)
{
	char *who = NULL, *at;
	const char *user = "myshift", *host = "%";
	unsigned int no = err ? err->sql_errno : 0;
	struct ms_err e2;

	ms_err_clear(&e2);
	if (ms_db_query_value(db, "SELECT CURRENT_USER()", &who, &e2) == 0 &&
	    who && (at = strrchr(who, '@'))) {
		*at = '\0';
		user = who;
		host = at + 1;
	}
	MS_ERR(err, MS_ESQL,
	       "users from the source: the source user '%s'@'%s' may not read "
	       "%s (needed for --users-from-source); run on the source: GRANT "
	       "SELECT ON %s TO '%s'@'%s'",
	       user, host, table, table, user, host);
	if (err)
		err->sql_errno = no;
	free(who);
	return MS_ESQL;
}

static bool denied(const struct ms_err *err)
{
	/* table, column or schema access denied */
	return err && (err->sql_errno == 1142 || err->sql_errno == 1143 ||
		       err->sql_errno == 1044);
}

int ms_users_load_source(struct ms_users *us, const struct ms_endpoint *src,
			 struct ms_err *err)
{
	struct ms_db_opts o = {.role = "source"};
	struct load l = {.us = us};
	struct ms_db *db = NULL;
	const char *table;
	size_t first = us->n;
	int rc;

	rc = ms_db_connect(src, &o, &db, err);
	if (rc)
		return rc;
	if (ms_db_is_mariadb(db) && ms_db_server_version_num(db) >= 100400) {
		table = "mysql.global_priv";
		rc = ms_db_query_each(db,
				      "SELECT User, Host, Priv FROM "
				      "mysql.global_priv",
				      priv_row, &l, err);
	} else {
		table = "mysql.user";
		rc = user_table(db, &l, err);
	}
	if (rc == MS_ESQL && denied(err))
		rc = no_privilege(db, table, err);
	ms_db_close(db);
	if (rc) {
		us->n = first; /* nothing half-loaded */
		return rc;
	}
	ms_users_sort(us);
	MS_LOG_INFO("proxy",
		    "event=users_loaded table=%s added=%zu skipped=%zu", table,
		    l.added, l.skipped);
	return (int)(l.added > 0x7fffffff ? 0x7fffffff : l.added);
}

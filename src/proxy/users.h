/* The users the proxy accepts, without plaintext passwords: each has the
 * mysql_native_password stage2 hash SHA1(SHA1(pw)) and, when the password
 * was given in config, the caching_sha2 fast-path hash SHA256(SHA256(pw)).
 * A config password is turned into these hashes at once and the text
 * wiped. Users from the source come from mysql.user (native hashes only;
 * other plugins are kept with the reason they cannot be used). */
#ifndef MS_PROXY_USERS_H
#define MS_PROXY_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/uri.h"

#define MS_USER_NAME_MAX 128 /* MySQL 8 allows 32 characters */
#define MS_USER_HOST_MAX 255

struct ms_user {
	char name[MS_USER_NAME_MAX + 1];
	char host[MS_USER_HOST_MAX + 1]; /* pattern; "%" from config */
	bool usable;			 /* false: <why> says why */
	char why[160];	     /* e.g. "uses auth plugin caching_sha2_password
				on the source; its hash cannot verify a
				client: list it with a password" */
	bool empty_password; /* stage2 all zero, has_sha2 and has_stage1
				false: the client and the backends answer
				with an empty auth response */
	uint8_t stage2[20];  /* SHA1(SHA1(pw)) */
	bool has_sha2;
	uint8_t sha2[32]; /* SHA256(SHA256(pw)) */
	/* Filled by the proxy after a client proved the password (in memory
	 * only): what it needs to log in to backends and to accept the
	 * caching_sha2 fast path. */
	bool has_stage1;
	uint8_t stage1[20];
	bool from_source;
};

struct ms_users {
	struct ms_user *v; /* owned, most specific host first per name */
	size_t n;
	size_t alloc; /* entries allocated in <v> */
};

/* Adds a config user "NAME:PASSWORD" or "NAME:*HEX40" (<spec> borrowed;
 * the caller wipes its copy). A NAME:PASSWORD spec yields stage2, sha2
 * and stage1. MS_ECONFIG naming the user (never the password) for a
 * missing ':', an empty name, a bad hash. */
int ms_users_add_spec(struct ms_users *us, const char *spec,
		      struct ms_err *err) MS_WUR;
/* Adds the accounts of <src>'s mysql.user (blocking; needs SELECT on
 * mysql.user, or on mysql.global_priv for MariaDB). Config users with the
 * same name win. Returns the number added or a negative error naming the
 * missing privilege. */
int ms_users_load_source(struct ms_users *us, const struct ms_endpoint *src,
			 struct ms_err *err) MS_WUR;
/* The entry for <name> whose host pattern matches the client address
 * <client_ip> ("127.0.0.1", "::1"; localhost patterns match loopback),
 * most specific first; NULL when none. Borrowed. */
struct ms_user *ms_users_find(struct ms_users *us, const char *name,
			      size_t name_len, const char *client_ip);
void ms_users_free(struct ms_users *us);

/* Adds one account the way the source stores it (all borrowed): <plugin>
 * ("" = mysql_native_password) and its <auth> string. Usable only for
 * mysql_native_password with "*" + 40 hex digits or "" (empty password);
 * otherwise kept with <why> naming the plugin or the problem. <locked>
 * non-NULL ("account is locked") makes it unusable with that reason.
 * Names or hosts over the limits are MS_ECONFIG. Used by
 * ms_users_load_source; public for tests. */
int ms_users_add_account(struct ms_users *us, const char *name,
			 const char *host, const char *plugin, const char *auth,
			 const char *locked, struct ms_err *err) MS_WUR;
/* Orders the entries by name, then most specific host first (literal
 * host or IP, IP/netmask, patterns by their literal prefix, '%' last). */
void ms_users_sort(struct ms_users *us);
/* True when client address <ip> matches host pattern <pattern>: '%' and
 * '_' wildcards (case-insensitive), "localhost" for 127.0.0.1 and ::1,
 * "NET/MASK" IPv4 netmasks (dotted or a prefix length); an IPv4-mapped
 * IPv6 address matches as IPv4. No DNS: a host name pattern only matches
 * as text, like a server with skip-name-resolve. */
bool ms_users_host_match(const char *pattern, const char *ip);

#endif

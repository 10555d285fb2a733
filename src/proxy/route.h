/* Routes map a session's (user, default schema) to a backend. A route is
 * written "NAME user=U schema=S backend=source|target" (user and schema
 * optional, each a pattern with '%' and '_' wildcards as in MySQL host
 * names, matched case-sensitively for users and as the server compares
 * schema names, i.e. byte for byte). First match wins; "default" (every
 * session) to the source is implied last unless a route is named so. */
#ifndef MS_PROXY_ROUTE_H
#define MS_PROXY_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define MS_ROUTE_NAME_MAX 64
#define MS_ROUTE_PAT_MAX  128
#define MS_ROUTES_MAX	  1024

struct ms_route {
	char name[MS_ROUTE_NAME_MAX + 1];
	char user[MS_ROUTE_PAT_MAX + 1];   /* "" = any */
	char schema[MS_ROUTE_PAT_MAX + 1]; /* "" = any */
	int backend;			   /* MS_BACKEND_* */
	bool paused;			   /* new statements are held */
};

struct ms_routes {
	struct ms_route *v; /* owned */
	size_t n;
};

/* Parses <specs> (NULL-terminated, borrowed; may be NULL) into <rs>
 * (zeroed), adding "default" last when no route has that name. Errors
 * name the spec and the problem: unknown key, missing backend, unknown
 * backend name, duplicate route name, over-long name or pattern
 * (MS_ECONFIG). <target_present> false makes backend=target an error. */
int ms_routes_parse(const char *const *specs, bool target_present,
		    struct ms_routes *rs, struct ms_err *err) MS_WUR;
void ms_routes_free(struct ms_routes *rs);
/* The first route matching <user> and <schema> (either may be "" / not
 * NULL), never NULL once parsed (default matches all). */
struct ms_route *ms_routes_match(struct ms_routes *rs, const char *user,
				 const char *schema);
struct ms_route *ms_routes_find(struct ms_routes *rs, const char *name);
/* "source"/"target" to MS_BACKEND_*; -1 for anything else. */
int ms_backend_parse(const char *name);
/* True when <s> matches <pat> ('%' any run, '_' one byte, '\\' escapes). */
bool ms_pattern_match(const char *pat, const char *s);

#endif

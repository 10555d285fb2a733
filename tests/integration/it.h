/* Shared by the C integration tests: the sandbox environment, or a skip. */
#ifndef MS_TESTS_IT_H
#define MS_TESTS_IT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/uri.h"
#include "db/db.h"

/* Returns $<name>. When it is unset the test skips (exit 77), unless
 * MYSHIFT_REQUIRE_SANDBOX=1, where that is a failure (exit 1). */
static inline const char *it_env_or_skip(const char *name)
{
	const char *v = getenv(name);
	const char *req = getenv("MYSHIFT_REQUIRE_SANDBOX");

	if (v && *v)
		return v;
	if (req && strcmp(req, "1") == 0) {
		fprintf(stderr,
			"FAIL: %s unset and MYSHIFT_REQUIRE_SANDBOX=1\n", name);
		exit(1);
	}
	printf("SKIP: sandbox not running (%s unset)\n", name);
	exit(77);
}

/* Fills <ep> (caller frees) from $<uri_env>, skipping when it is unset,
 * and its password from $<pw_env> when not NULL. Exits 1 naming the
 * variable when either cannot be read. */
static inline void it_endpoint(struct ms_endpoint *ep, const char *uri_env,
			       const char *pw_env)
{
	struct ms_err err;

	memset(ep, 0, sizeof(*ep));
	if (ms_endpoint_parse(it_env_or_skip(uri_env), ep, &err) ||
	    (pw_env && ms_endpoint_resolve_password(ep, pw_env, NULL, &err))) {
		fprintf(stderr, "%s: %s\n", uri_env, err.msg);
		exit(1);
	}
}

/* A session on $<uri_env> (password from $<pw_env>, may be NULL) as
 * <role>, in UTC, with 5 connect retries. Exits 1 naming the variable
 * when it cannot connect. */
static inline struct ms_db *it_connect(const char *uri_env, const char *pw_env,
				       const char *role)
{
	struct ms_endpoint ep;
	struct ms_db_opts o = {.role = role, .utc = true, .retries = 5};
	struct ms_db *db;
	struct ms_err err;

	it_endpoint(&ep, uri_env, pw_env);
	if (ms_db_connect(&ep, &o, &db, &err)) {
		fprintf(stderr, "connect %s: %s\n", uri_env, err.msg);
		exit(1);
	}
	ms_endpoint_free(&ep);
	return db;
}

#endif

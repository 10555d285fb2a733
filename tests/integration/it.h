/* Shared by the C integration tests: the sandbox environment, or a skip. */
#ifndef MS_TESTS_IT_H
#define MS_TESTS_IT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif

/* Helpers shared by the protocol codec's unit tests. */
#ifndef MS_TESTS_PROTO_TEST_UTIL_H
#define MS_TESTS_PROTO_TEST_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

/* Decodes hex digits (white space ignored) into a malloc'd buffer; *<n>
 * gets its length. Aborts on a malformed string (a test bug). */
static inline uint8_t *unhex(const char *s, size_t *n)
{
	uint8_t *out = malloc(strlen(s) / 2 + 1);
	size_t k = 0;
	int hi = -1, v;

	if (!out)
		abort();
	for (; *s; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t')
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			abort();
		if (hi < 0) {
			hi = v;
		} else {
			out[k++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		abort();
	*n = k;
	return out;
}

/* A malloc'd copy of <n> bytes of <p>, so ASan sees reads past <n>. */
static inline uint8_t *dup_exact(const void *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	if (!q)
		abort();
	if (n)
		memcpy(q, p, n);
	return q;
}

#endif

/* Fuzzes the JSON canonical form of the row-level diff (src/verify/json.c),
 * which reads values from the network. Besides "no crash, no leak, no
 * read past the input", checks that:
 *  - every failure says why (code and message) and is one of the three
 *    documented codes;
 *  - a canonical text is JSON (jansson reads it back) with no NUL byte,
 *    and is its own canonical form;
 *  - jansson and json.c agree on what is JSON: jansson accepts exactly
 *    the inputs json.c accepts, except those json.c refuses as too large
 *    (depth, number length) and those holding a NUL byte, which is never
 *    JSON (jansson's json_loadb stops reading at one);
 *  - vf_value_equal finds a document equal to its canonical text. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "verify/value.h"

/* jansson refuses \u0000 in an object key, which JSON allows: a copy with
 * each \u0000 escape turned into \u0001 is JSON exactly when <s> is. */
static char *without_nul_escapes(const char *s, size_t n)
{
	char *t = malloc(n + 1);
	bool in_string = false;
	size_t i;

	if (!t)
		abort();
	memcpy(t, s, n);
	t[n] = '\0';
	for (i = 0; i < n; i++) {
		if (t[i] == '"') {
			in_string = !in_string;
		} else if (in_string && t[i] == '\\') {
			if (n - i > 5 && memcmp(t + i + 1, "u0000", 5) == 0)
				t[i + 5] = '1';
			i++;
		}
	}
	return t;
}

static bool jansson_accepts(const char *s, size_t n)
{
	char *copy = without_nul_escapes(s, n);
	json_error_t jerr;
	json_t *j;

	/* integers as doubles: jansson refuses those above INT64_MAX */
	j = json_loadb(
	    copy, n, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL,
	    &jerr);
	free(copy);
	if (!j)
		return false;
	json_decref(j);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct ms_buf a, b;
	struct ms_err err;
	bool jok;
	int rc;

	ms_buf_init(&a, (size_t)64 << 20);
	ms_buf_init(&b, (size_t)64 << 20);
	ms_err_clear(&err);
	rc = vf_json_canon(s, size, &a, &err);
	if (memchr(s, '\0', size)) {
		if (!rc)
			abort();
		jok = false;
	} else {
		jok = jansson_accepts(s, size);
	}
	if (rc) {
		if (err.code != rc || !err.msg[0] ||
		    (rc != MS_EPARSE && rc != MS_ETOOLARGE && rc != MS_ENOMEM))
			abort();
		if (jok && rc == MS_EPARSE) {
			fprintf(stderr,
				"json.c refuses what jansson takes: %s\n",
				err.msg);
			abort();
		}
	} else {
		if (!jok || strlen(ms_buf_str(&a)) != a.len ||
		    !jansson_accepts(ms_buf_str(&a), a.len))
			abort();
		if (vf_json_canon(a.ptr, a.len, &b, NULL) || a.len != b.len ||
		    memcmp(a.ptr, b.ptr, a.len))
			abort(); /* not a fixed point */
		if (!vf_value_equal(VF_CMP_JSON, s, size, a.ptr, a.len))
			abort();
	}
	ms_buf_free(&a);
	ms_buf_free(&b);
	return 0;
}

/* Fuzzes the MySQL binary JSON renderer and the PARTIAL_UPDATE_ROWS diff
 * reader (src/binlog/jsonb.c) with the same bytes. Besides "no crash, no
 * leak, no read past the input", checks that every text they return is
 * JSON (jansson reads it back, whole, with no NUL inside) and that every
 * failure says why. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/binlog_int.h"
#include "core/arena.h"
#include "fuzz.h"

/* jansson refuses \u0000 in an object key, which JSON allows: a copy with
 * each \u0000 escape turned into \u0001 is JSON exactly when <s> is. */
static char *without_nul_escapes(const char *s, size_t n)
{
	char *t = malloc(n + 1);
	bool in_string = false;
	size_t i;

	if (!t)
		abort();
	memcpy(t, s, n + 1);
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

static void check_json(const char *text, size_t len)
{
	json_error_t jerr;
	json_t *j;
	char *copy;

	if (!text || strlen(text) != len)
		abort();
	copy = without_nul_escapes(text, len);
	/* integers as doubles: jansson refuses those above INT64_MAX */
	j = json_loadb(
	    copy, len,
	    JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &jerr);
	if (!j) {
		fprintf(stderr, "not JSON (%s at %d): %.300s\n", jerr.text,
			jerr.position, text);
		abort();
	}
	json_decref(j);
	free(copy);
}

static void check_error(int rc, const struct ms_err *err)
{
	if (rc >= 0 || err->code != rc || !err->msg[0])
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_bl_json_diff *diffs;
	struct ms_arena a;
	struct ms_err err;
	const char *text;
	size_t len;
	uint32_t n, i;
	int rc;

	ms_arena_init(&a, (size_t)64 << 20);
	ms_err_clear(&err);
	rc = bl_jsonb_text(data, size, &a, &text, &len, &err);
	if (rc == 0)
		check_json(text, len);
	else
		check_error(rc, &err);
	ms_arena_reset(&a);
	ms_err_clear(&err);
	rc = bl_json_diffs(data, size, &a, &diffs, &n, &err);
	if (rc == 0) {
		for (i = 0; i < n; i++) {
			if (diffs[i].path.len == 0 || diffs[i].path.p[0] != '$')
				abort();
			if ((diffs[i].op == MS_BL_JSON_REMOVE) !=
			    (diffs[i].value == NULL))
				abort();
			if (diffs[i].value)
				check_json(diffs[i].value, diffs[i].value_len);
		}
	} else {
		check_error(rc, &err);
	}
	ms_arena_free(&a);
	return 0;
}

/* Fuzz target: parses the input as a DMS table-mappings document and, when
 * it is accepted, exercises selection and mapping on names taken from the
 * input. Must never crash or leak, whatever the bytes. */
#include <string.h>

#include "core/buf.h"
#include "core/log.h"
#include "fuzz.h"
#include "rules/rules.h"

static void exercise(const struct ms_rules *r, const char *s, const char *t)
{
	struct ms_buf bs, bt;

	(void)ms_rules_table_selected(r, s, t);
	(void)ms_rules_schema_selected(r, s);
	ms_buf_init(&bs, 4096);
	ms_buf_init(&bt, 4096);
	if (ms_rules_map(r, s, t, &bs, &bt) == 0)
		(void)ms_rules_wildcard_match(ms_buf_str(&bs), ms_buf_str(&bt));
	ms_buf_free(&bs);
	ms_buf_free(&bt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[][2] = {{"shop", "orders"},
					       {"Test", "Actor"},
					       {"tenant_001", "t_1"},
					       {"mysql", "user"},
					       {"caf\xc3\xa9", "x"}};
	struct ms_rules *r;
	struct ms_err err;
	char s[64], t[64];
	size_t i, half;

	ms_log_set_level(MS_LOG_ERROR); /* warnings are expected noise */
	r = ms_rules_new();
	if (!r)
		return 0;
	if (ms_rules_add_dms_json(r, "fuzz.json", (const char *)data, size,
				  &err) == 0) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			exercise(r, names[i][0], names[i][1]);
	}
	/* The bytes also serve as a shortcut pattern and as names. */
	half = size / 2 < sizeof(s) - 1 ? size / 2 : sizeof(s) - 1;
	memcpy(s, data, half);
	s[half] = '\0';
	i = size - half < sizeof(t) - 1 ? size - half : sizeof(t) - 1;
	memcpy(t, data + half, i);
	t[i] = '\0';
	if (ms_rules_add_include(r, s, &err) == 0)
		exercise(r, t, s);
	if (ms_rules_add_exclude(r, t, &err) == 0)
		(void)ms_rules_wildcard_match(s, t);
	exercise(r, s, t);
	ms_rules_free(r);
	return 0;
}

/* Fuzzes the config file parser with raw bytes (not NUL-terminated: the
 * parser must stay within <size>). On success, checks the entries it
 * returned are well formed and that the lookup helpers agree with them. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "fuzz.h"

static const char *const keys[] = {"source",	"target",  "threads",
				   "include",	"exclude", "ssl-mode",
				   "log-level", "json",	   NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ms_config_entry *e;
	struct ms_config cfg;
	struct ms_err err;
	unsigned int last_line = 0;
	size_t i, n = 0;
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size); /* exact-size heap copy for ASan */
	if (ms_config_parse("fuzz.conf", (const char *)copy, size,
			    size % 2 ? keys : NULL, &cfg, &err) == 0) {
		for (i = 0; i < cfg.n; i++) {
			e = &cfg.v[i];
			if (!e->key[0] || e->line < 1 || e->line < last_line ||
			    e->line > size + 1 || strlen(e->value) > size)
				abort();
			last_line = e->line;
		}
		for (e = ms_config_next(&cfg, "include", NULL); e;
		     e = ms_config_next(&cfg, "include", e))
			n++;
		e = ms_config_last(&cfg, "include");
		if ((n == 0) != (e == NULL))
			abort();
		ms_config_free(&cfg);
	} else if (strncmp(err.msg, "fuzz.conf:", 10) != 0) {
		abort(); /* every error names the file */
	}
	free(copy);
	return 0;
}

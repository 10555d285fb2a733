/* Fuzzes the SHOW GRANTS reader (src/check/grants.c): lines come from the
 * server, so any bytes must be handled without a crash or a leak. Each
 * input is split into lines; every line is fed and a few lookups run. */
#include <stdlib.h>
#include <string.h>

#include "check/grants.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_grants g = {0};
	char *text = malloc(size + 1);
	char *line, *nl;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if (ms_grants_add_line(&g, line))
			break;
	}
	(void)ms_grants_has(&g, "SELECT", NULL);
	(void)ms_grants_has(&g, "REPLICATION CLIENT", "db");
	(void)ms_grants_has(&g, "GRANT OPTION", NULL);
	ms_grants_free(&g);
	free(text);
	return 0;
}

/* Config files hold the same settings as the command-line flags, one per
 * line:
 *     # comment
 *     source = mysql://app@db1:3306
 *     threads = 8
 *     include = shop.%        (repeatable keys may appear several times)
 * Keys are long flag names without the leading "--". Values may be quoted
 * with "..." (backslash escapes \" \\ \n \t) to keep leading/trailing spaces
 * or a '#'. Unknown keys, missing '=', bad quoting, lines over
 * MS_CONFIG_LINE_MAX and files over MS_CONFIG_FILE_MAX are errors reported
 * as "FILE:LINE: ...". */
#ifndef MS_CORE_CONFIG_H
#define MS_CORE_CONFIG_H

#include <stddef.h>

#include "core/err.h"

#define MS_CONFIG_LINE_MAX 8192
#define MS_CONFIG_FILE_MAX (1024 * 1024)

struct ms_config_entry {
	char *key;	   /* owned */
	char *value;	   /* owned */
	unsigned int line; /* 1-based line in the file */
};

struct ms_config {
	char *path;		   /* owned copy of the path, for messages */
	struct ms_config_entry *v; /* owned array, in file order */
	size_t n;
};

/* Parses <len> bytes of <text> (borrowed; NUL bytes are an error) read from
 * <path> (used in messages). <known_keys> is a NULL-terminated list of
 * accepted keys; an unknown key fails with MS_ECONFIG "FILE:LINE: unknown
 * key 'x'" (plus a suggestion when one key is close). <cfg> must be zeroed;
 * on failure it holds nothing to free. */
int ms_config_parse(const char *path, const char *text, size_t len,
		    const char *const *known_keys, struct ms_config *cfg,
		    struct ms_err *err) MS_WUR;

/* Reads <path> and parses it as above. MS_EIO names the path and errno. */
int ms_config_load(const char *path, const char *const *known_keys,
		   struct ms_config *cfg, struct ms_err *err) MS_WUR;

void ms_config_free(struct ms_config *cfg);

#endif

/* Config files hold the same settings as the command-line flags, one per
 * line:
 *     # comment
 *     source = mysql://app@db1:3306
 *     threads = 8
 *     include = shop.%        (repeatable keys may appear several times)
 * Keys are long flag names without the leading "--" (letters, digits, '-',
 * '_', '.'; at most MS_CONFIG_KEY_MAX bytes; case matters). Spaces and tabs
 * around keys and values are ignored. A '#' starts a comment at the start
 * of a line or after a space or tab, so "pa#ss" stays one value. Values may
 * be quoted with "..." (backslash escapes \" \\ \n \t) to keep
 * leading/trailing spaces or a " #"; only a comment may follow the closing
 * quote. An empty value ("key =") is allowed. A UTF-8 BOM at the start of
 * the file and CRLF line endings are accepted.
 * The parser keeps every entry in file order and does not know which keys
 * are repeatable: callers take the last entry of a single-valued key (like a
 * repeated flag) and walk all entries of a repeatable one (ms_config_next).
 * Errors are reported as "FILE:LINE: ..." (or "FILE: ..." for the whole
 * file): unknown keys (with "did you mean 'y'?" when a known key is within a
 * small edit distance), missing '=', empty key, bad key characters,
 * unterminated quote, unknown escape, text after a closing quote, NUL or
 * other control bytes (tab excepted), lines over MS_CONFIG_LINE_MAX
 * (MS_ECONFIG) and files over MS_CONFIG_FILE_MAX (MS_ETOOLARGE). Messages
 * quote keys, never values (a value may hold a password). */
#ifndef MS_CORE_CONFIG_H
#define MS_CORE_CONFIG_H

#include <stddef.h>

#include "core/err.h"

#define MS_CONFIG_LINE_MAX 8192
#define MS_CONFIG_FILE_MAX (1024 * 1024)
#define MS_CONFIG_KEY_MAX  64

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

/* Parses <len> bytes of <text> (borrowed; need not be NUL-terminated; NUL
 * bytes are an error) read from <path> (borrowed, copied into cfg->path for
 * messages). <known_keys> is a NULL-terminated list of accepted keys
 * (borrowed; NULL accepts any well-formed key); an unknown key fails with
 * MS_ECONFIG "FILE:LINE: unknown key 'x'" (plus "; did you mean 'y'?" when
 * one key is close). Returns 0, MS_ECONFIG, MS_ETOOLARGE or MS_ENOMEM.
 * <cfg> is overwritten (zero it or free it first); on failure it holds
 * nothing to free. */
int ms_config_parse(const char *path, const char *text, size_t len,
		    const char *const *known_keys, struct ms_config *cfg,
		    struct ms_err *err) MS_WUR;

/* Reads <path> (borrowed) and parses it as above. An unreadable file is
 * MS_EIO "FILE: strerror"; a file over MS_CONFIG_FILE_MAX is MS_ETOOLARGE
 * "FILE: larger than N bytes", found without reading past the cap. */
int ms_config_load(const char *path, const char *const *known_keys,
		   struct ms_config *cfg, struct ms_err *err) MS_WUR;

/* The next entry for <key> after <prev> (NULL to start), or NULL. The
 * result is borrowed from <cfg>. Walk all values of a repeatable key with
 *     for (e = ms_config_next(cfg, "include", NULL); e;
 *          e = ms_config_next(cfg, "include", e)) */
const struct ms_config_entry *
ms_config_next(const struct ms_config *cfg, const char *key,
	       const struct ms_config_entry *prev);

/* The last entry for <key> (the one that wins for a single-valued key), or
 * NULL. Borrowed from <cfg>. */
const struct ms_config_entry *ms_config_last(const struct ms_config *cfg,
					     const char *key);

/* Frees everything and zeroes <cfg>. NULL is allowed. */
void ms_config_free(struct ms_config *cfg);

#endif

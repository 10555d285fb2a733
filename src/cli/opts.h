/* Command-line options, table-driven. Every command declares its options
 * once; the same names are the keys of its config file (--config FILE), and
 * the precedence is: flags, then the config file, then the option's default.
 * Values remember where they came from ("--threads" or "my.conf:7") so that
 * a bad value is reported at its origin. */
#ifndef MS_CLI_OPTS_H
#define MS_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/config.h"
#include "core/err.h"

enum ms_opt_kind {
	MS_OPT_FLAG,  /* --json; in a config file: true|false|yes|no|1|0 */
	MS_OPT_VALUE, /* --source URI or --source=URI; the last one wins */
	MS_OPT_LIST,  /* --include P, repeatable; flags replace the file's */
	MS_OPT_ARGS,  /* the positional arguments, read as a LIST; at most one
			 row per table; not a config key */
};

struct ms_optdef {
	const char *name; /* long name without "--" */
	enum ms_opt_kind kind;
	const char *metavar; /* "URI", "FILE", ... (NULL for flags) */
	const char *help;    /* one line */
};

/* One value and its origin. */
struct ms_optval {
	char *value;  /* owned; "1"/"0" for flags */
	char *origin; /* owned; "--name" or "FILE:LINE" */
};

struct ms_opts {
	const struct ms_optdef *defs; /* borrowed, terminated by name NULL */
	size_t ndefs;
	struct ms_optval **vals; /* per def: owned array */
	size_t *nvals;
	bool *from_flag; /* per def: set on the command line */
};

/* Parses argv[<first>..<argc>) against <defs> (borrowed, must outlive
 * <opts>). Unknown options, a missing value, positional arguments (unless
 * <defs> has an MS_OPT_ARGS row; "--" ends the options) and a value given
 * to a flag are MS_EUSAGE naming the option. <opts> is
 * zero-initialised by the call; free it with ms_opts_free even on failure. */
int ms_opts_parse(const struct ms_optdef *defs, int argc, char **argv,
		  int first, struct ms_opts *opts, struct ms_err *err) MS_WUR;

/* Merges a config file's entries for the options not given as flags. The
 * accepted keys are the names in defs (built by ms_opts_keys). Bad flag
 * values are MS_ECONFIG "FILE:LINE: ...". */
int ms_opts_merge_config(struct ms_opts *opts, const struct ms_config *cfg,
			 struct ms_err *err) MS_WUR;

/* A NULL-terminated array of the option names, for ms_config_parse (caller
 * frees the array, not the strings). NULL when out of memory. */
const char **ms_opts_keys(const struct ms_optdef *defs);

/* The value of a VALUE option (borrowed), or NULL when unset. */
const char *ms_opts_get(const struct ms_opts *opts, const char *name);
/* Where that value came from ("--threads", "my.conf:3"), or NULL. */
const char *ms_opts_origin(const struct ms_opts *opts, const char *name);
/* All values of a LIST option (borrowed); *<n> is their count. */
const struct ms_optval *ms_opts_list(const struct ms_opts *opts,
				     const char *name, size_t *n);
bool ms_opts_flag(const struct ms_opts *opts, const char *name);

/* Reads an unsigned option in [<min>, <max>]; <dflt> when unset. Errors are
 * MS_EUSAGE / MS_ECONFIG naming the origin. */
int ms_opts_uint(const struct ms_opts *opts, const char *name,
		 unsigned long min, unsigned long max, unsigned long dflt,
		 unsigned long *out, struct ms_err *err) MS_WUR;

/* Prints the option table as help text. */
void ms_opts_print_help(const struct ms_optdef *defs, FILE *f);

void ms_opts_free(struct ms_opts *opts);

#endif

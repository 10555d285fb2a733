/* The myshift command table and what every command shares: the common
 * options, endpoint resolution (flag, config, environment; passwords from
 * MYSHIFT_<ROLE>_PASSWORD or a file), selection rules, and logging set-up. */
#ifndef MS_CLI_CLI_H
#define MS_CLI_CLI_H

#include <stdbool.h>

#include "cli/opts.h"
#include "core/err.h"
#include "core/uri.h"
#include "rules/rules.h"

/* Exit codes (DESIGN.md). */
#define MS_EXIT_OK	0
#define MS_EXIT_PROBLEM 1 /* the job ran and found a problem */
#define MS_EXIT_USAGE	2 /* usage or configuration error */
#define MS_EXIT_RUNTIME 3 /* runtime failure, unreachable server */

struct ms_cmd {
	const char *name;
	const char *summary;
	const char *usage;	      /* first help line after "myshift" */
	const char *description;      /* paragraph printed by --help */
	const struct ms_optdef *opts; /* NULL when not available yet */
	int (*run)(const struct ms_opts *opts); /* returns an exit code */
};

/* Option rows every command carries (spliced into each table by the
 * MS_CLI_COMMON_OPTS macro). */
#define MS_CLI_COMMON_OPTS                                                     \
	{"config", MS_OPT_VALUE, "FILE",                                       \
	 "read settings from FILE (same keys as the flags)"},                  \
	    {"json", MS_OPT_FLAG, NULL, "machine-readable output"},            \
	    {"log-level", MS_OPT_VALUE, "LEVEL",                               \
	     "error|warn|info|debug|trace (default warn)"},                    \
	{                                                                      \
		"help", MS_OPT_FLAG, NULL, "show this help"                    \
	}

/* Option rows for a source and a target endpoint. */
#define MS_CLI_ENDPOINT_OPTS                                                   \
	{"source", MS_OPT_VALUE, "URI",                                        \
	 "source server (default $MYSHIFT_SOURCE)"},                           \
	    {"source-password-file", MS_OPT_VALUE, "FILE",                     \
	     "read the source password from FILE"},                            \
	    {"target", MS_OPT_VALUE, "URI",                                    \
	     "target server (default $MYSHIFT_TARGET)"},                       \
	    {"target-password-file", MS_OPT_VALUE, "FILE",                     \
	     "read the target password from FILE"},                            \
	    {"connect-timeout", MS_OPT_VALUE, "SECONDS",                       \
	     "connect timeout (default 10)"},                                  \
	{                                                                      \
		"retries", MS_OPT_VALUE, "N",                                  \
		    "connect retries on transient errors (default 2)"          \
	}

/* Option rows for table selection. */
#define MS_CLI_RULES_OPTS                                                      \
	{"include", MS_OPT_LIST, "SCHEMA[.TABLE]",                             \
	 "select tables; % _ [..] wildcards"},                                 \
	    {"exclude", MS_OPT_LIST, "SCHEMA[.TABLE]",                         \
	     "leave tables out; wins over include"},                           \
	    {"table-mappings", MS_OPT_VALUE, "FILE",                           \
	     "AWS DMS table-mappings.json (selection and transformation)"},    \
	{                                                                      \
		"control-schema", MS_OPT_VALUE, "NAME",                        \
		    "myshift's own state on the target (default _myshift)"     \
	}

/* Resolves the endpoint of <role> ("source" or "target"): the --<role> flag
 * or config key, else $MYSHIFT_<ROLE>; the password from the URI, else
 * --<role>-password-file, else $MYSHIFT_<ROLE>_PASSWORD. <ep> must be
 * zeroed; the caller frees it with ms_endpoint_free. MS_EUSAGE when no URI
 * was given; parse errors name the option or config line. */
int ms_cli_endpoint(const struct ms_opts *opts, const char *role,
		    struct ms_endpoint *ep, struct ms_err *err) MS_WUR;

/* Builds the selection rules from --table-mappings, --include, --exclude and
 * --control-schema. *<out> is owned by the caller (ms_rules_free). */
int ms_cli_rules(const struct ms_opts *opts, struct ms_rules **out,
		 struct ms_err *err) MS_WUR;

/* The control schema name (borrowed): --control-schema or "_myshift". */
const char *ms_cli_control_schema(const struct ms_opts *opts);

/* Prints "myshift: <message>" for a failure to stderr, redacted, and
 * returns the exit code for its class. */
int ms_cli_fail(const char *cmd, const struct ms_err *err);

/* The command table, terminated by name NULL. */
extern const struct ms_cmd ms_commands[];

/* Command entry points. */
int ms_cmd_check(const struct ms_opts *opts);
extern const struct ms_optdef ms_check_optdefs[];
int ms_cmd_binlog(const struct ms_opts *opts);
extern const struct ms_optdef ms_binlog_optdefs[];
int ms_cmd_copy(const struct ms_opts *opts);
extern const struct ms_optdef ms_copy_optdefs[];
int ms_cmd_status(const struct ms_opts *opts);
extern const struct ms_optdef ms_status_optdefs[];

#endif

/* The myshift command table and what every command shares: the common
 * options, endpoint resolution (flag, config, environment; passwords from
 * MYSHIFT_<ROLE>_PASSWORD or a file), selection rules, and logging set-up. */
#ifndef MS_CLI_CLI_H
#define MS_CLI_CLI_H

#include <stdbool.h>

#include <jansson.h>

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
		    "retries on transient errors (default 2; sync: 10 "        \
		    "attempts in a row before it gives up)"                    \
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

/* Option rows of `myshift copy` (also taken by `myshift run`). */
#define MS_CLI_COPY_OPTS                                                       \
	{"threads", MS_OPT_VALUE, "N", "parallel workers (default: cores)"},   \
	    {"if-exists", MS_OPT_VALUE, "POLICY",                              \
	     "existing target table: refuse (default), skip, drop, truncate, " \
	     "resume"},                                                        \
	    {"load-method", MS_OPT_VALUE, "METHOD",                            \
	     "auto (default), load-data (LOAD DATA LOCAL from memory), "       \
	     "insert"},                                                        \
	    {"convert-myisam", MS_OPT_VALUE, "WHEN",                           \
	     "MyISAM to InnoDB: auto (when the target lacks MyISAM), yes, "    \
	     "no"},                                                            \
	    {"defer-indexes", MS_OPT_VALUE, "yes|no",                          \
	     "build secondary indexes after the data (default yes)"},          \
	    {"chunk-time", MS_OPT_VALUE, "SECONDS",                            \
	     "target time per chunk, the size adapts (default 0.5)"},          \
	    {"rate", MS_OPT_VALUE, "ROWS",                                     \
	     "at most ROWS rows/s (default: no limit)"},                       \
	    {"max-threads-running", MS_OPT_VALUE, "N",                         \
	     "pause while the source's Threads_running is above N"},           \
	{                                                                      \
		"no-progress", MS_OPT_FLAG, NULL, "no live progress line"      \
	}

/* Option rows of `myshift sync` that `myshift run` takes too. */
#define MS_CLI_SYNC_OPTS                                                       \
	{"server-id", MS_OPT_VALUE, "N",                                       \
	 "replica server_id to read the binlog with (default: chosen once "    \
	 "and kept)"},                                                         \
	    {"on-unsupported", MS_OPT_VALUE, "stop|skip",                      \
	     "an event that cannot be applied safely: stop (default) or "      \
	     "skip it with a warning"},                                        \
	    {"until-caught-up", MS_OPT_FLAG, NULL,                             \
	     "exit once the source's binlog end as of start is applied"},      \
	{                                                                      \
		"heartbeat", MS_OPT_VALUE, "MS",                               \
		    "source heartbeat period (default 1000)"                   \
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

/* Prints <o> (may be NULL: prints nothing) indented on stdout through the
 * redactor, and releases it. */
void ms_cli_print_json(json_t *o);

/* SIGINT and SIGTERM call <handler> (which asks the running job to stop
 * at its next safe point); SIGPIPE is ignored. */
void ms_cli_stop_signals(void (*handler)(int));

/* Prints "myshift: <message>" for a failure to stderr, redacted, and
 * returns the exit code for its class. */
int ms_cli_fail(const char *cmd, const struct ms_err *err);

/* --NAME's value among <words> (NULL-terminated): its index in *<out>, or
 * <dflt> when absent; MS_EUSAGE naming the option for another value. */
int ms_cli_pick_word(const struct ms_opts *opts, const char *name,
		     const char *const *words, int dflt, int *out,
		     struct ms_err *err) MS_WUR;

struct ms_copy_opts;
/* Fills <o> from the copy options (not the endpoints or rules). */
int ms_cli_copy_opts(const struct ms_opts *opts, struct ms_copy_opts *o,
		     struct ms_err *err) MS_WUR;

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
int ms_cmd_sync(const struct ms_opts *opts);
extern const struct ms_optdef ms_sync_optdefs[];
int ms_cmd_run(const struct ms_opts *opts);
extern const struct ms_optdef ms_run_optdefs[];
int ms_cmd_verify(const struct ms_opts *opts);
extern const struct ms_optdef ms_verify_optdefs[];
int ms_cmd_proxy(const struct ms_opts *opts);
extern const struct ms_optdef ms_proxy_optdefs[];
int ms_cmd_proxy_ctl(const struct ms_opts *opts);
extern const struct ms_optdef ms_proxy_ctl_optdefs[];
int ms_cmd_cutover(const struct ms_opts *opts);
int ms_cmd_failback(const struct ms_opts *opts);
extern const struct ms_optdef ms_cutover_optdefs[];

#endif

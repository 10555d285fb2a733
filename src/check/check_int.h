/* Internal to src/check/: the state one preflight run shares between its
 * parts. */
#ifndef MS_CHECK_CHECK_INT_H
#define MS_CHECK_CHECK_INT_H

#include "check/check.h"
#include "db/schema.h"

/* How many names an item lists before "and N more". */
#define MS_CHECK_LIST_MAX 10

struct ms_check_ctx {
	struct ms_db *src;
	struct ms_db *tgt;
	const struct ms_check_opts *opts;
	struct ms_check_report *rep;
	struct ms_err *err;
	struct ms_schema *schema; /* source tables selected by the rules */
	char *source_server_id;	  /* owned; read with the source's variables */
};

/* Runs a one-value query. Returns 0 with *<out> (caller frees, may be NULL
 * for SQL NULL), MS_ESQL when the server refused it (the caller decides
 * what that means; the message is in ctx->err), or a connection-level
 * error that aborts the run. */
int ms_check_value(struct ms_check_ctx *ctx, struct ms_db *db, const char *sql,
		   char **out) MS_WUR;

/* True for errors that end the run (connection lost, out of memory) rather
 * than becoming an item. */
bool ms_check_fatal(int rc);

/* Per-server items: version, binlog settings, GTIDs, retention, privileges,
 * read-only, control schema. */
int ms_check_source_server(struct ms_check_ctx *ctx) MS_WUR;
int ms_check_target_server(struct ms_check_ctx *ctx) MS_WUR;

/* Items about the selected tables: keys, engines, charsets/collations. */
int ms_check_tables(struct ms_check_ctx *ctx) MS_WUR;

#endif

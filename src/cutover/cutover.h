/* `myshift cutover` / `myshift failback`: the switch of client traffic
 * through `myshift proxy` from one server to the other, whole or per
 * tenant, with the other direction's sync running before the first client
 * write lands. Preconditions, the journaled steps, resume and rollback:
 * docs/cutover.md. */
#ifndef MS_CUTOVER_CUTOVER_H
#define MS_CUTOVER_CUTOVER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/err.h"
#include "core/uri.h"

enum ms_co_writes {
	MS_CO_WRITES_AUTO = 0,
	MS_CO_WRITES_READ_ONLY,
	MS_CO_WRITES_SESSIONS,
};

struct ms_cutover_opts {
	bool failback;
	/* The migration's source and target (never swapped for failback). */
	const struct ms_endpoint *source; /* borrowed */
	const struct ms_endpoint *target; /* borrowed */
	const char *control_schema;	  /* borrowed */
	const char *admin_addr;		  /* NULL: $MYSHIFT_PROXY_ADMIN */
	const char *admin_token_file;	  /* NULL: $MYSHIFT_PROXY_TOKEN */
	const char *schema;		  /* tenant by schema, or NULL */
	const char *route;		  /* tenant by route, or NULL */
	double max_lag_s;		  /* 0 = 1 s */
	bool skip_verify;
	unsigned drain_timeout_ms; /* 0 = 5000 */
	enum ms_co_writes writes;
	unsigned step_timeout_s; /* 0 = 30 */
	const char *sync_log;	 /* spawned syncs' log; NULL = default */
	/* Options handed to a spawned `myshift sync` as they are (the rules
	 * and --config), e.g. {"--include", "shop%"}. Borrowed. */
	const char *const *sync_args;
	size_t nsync_args;
};

/* Runs a cutover or failback. Returns 0 when switched; MS_EREFUSED when a
 * precondition failed (each in the report's "refused" array, nothing
 * changed); other errors after a rollback (or, after the flip, with
 * traffic left on the switched-to side). *<report> (may be
 * NULL) receives the report object in every case where one exists. */
int ms_cutover_run(const struct ms_cutover_opts *o, json_t **report,
		   struct ms_err *err) MS_WUR;

#endif

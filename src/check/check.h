/* Preflight (`myshift check`): inspects a source and a target and says, item
 * by item, whether a migration can start. Each item is PASS, WARN or FAIL with
 * one line saying why and, unless it passed, how to fix it. A FAIL means the
 * migration must not start; a WARN is a risk the operator should know. */
#ifndef MS_CHECK_CHECK_H
#define MS_CHECK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/err.h"
#include "db/db.h"
#include "rules/rules.h"

enum ms_check_status {
	MS_CHECK_PASS = 0,
	MS_CHECK_WARN,
	MS_CHECK_FAIL,
};

struct ms_check_item {
	const char *side; /* "source", "target" or "both" (static) */
	char *name;	  /* owned; e.g. "binlog_format" */
	enum ms_check_status status;
	char *message; /* owned; why */
	char *fix;     /* owned; how to fix; NULL for PASS */
};

struct ms_check_report {
	struct ms_check_item *items; /* owned, in the order checked */
	size_t n;
	char *source_version; /* owned */
	char *target_version; /* owned */
};

struct ms_check_opts {
	const struct ms_rules *rules; /* borrowed; which tables are migrated */
	const char *control_schema;   /* borrowed; e.g. "_myshift" */
	bool no_failback;	      /* target binlog problems only WARN */
};

/* Runs every check over <src> and <tgt> (borrowed, connected). Items go to
 * <rep> (zeroed by the caller, freed with ms_check_report_free). A query the
 * user may not run becomes a FAIL or WARN item; a lost connection aborts
 * with MS_ECONNECT / MS_ETIMEOUT in <err>. */
int ms_check_run(struct ms_db *src, struct ms_db *tgt,
		 const struct ms_check_opts *opts, struct ms_check_report *rep,
		 struct ms_err *err) MS_WUR;

/* Appends an item: <fix> may be NULL; the message is printf-formatted.
 * Returns 0 or MS_ENOMEM. */
int ms_check_add(struct ms_check_report *rep, const char *side,
		 const char *name, enum ms_check_status status, const char *fix,
		 const char *fmt, ...) MS_PRINTF(6, 7) MS_WUR;

size_t ms_check_count(const struct ms_check_report *rep,
		      enum ms_check_status status);

const char *ms_check_status_name(enum ms_check_status status);

/* Human report on <f>; <source_uri>/<target_uri> are display forms (no
 * password). */
void ms_check_print_text(const struct ms_check_report *rep,
			 const char *source_uri, const char *target_uri,
			 FILE *f);

/* JSON report on <f>: {"ok", "source": {uri, version}, "target": {...},
 * "summary": {pass, warn, fail}, "checks": [{side, name, status, message,
 * fix}]}. Returns 0 or MS_ENOMEM. */
int ms_check_print_json(const struct ms_check_report *rep,
			const char *source_uri, const char *target_uri,
			FILE *f) MS_WUR;

void ms_check_report_free(struct ms_check_report *rep);

#endif

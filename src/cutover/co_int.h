/* The cutover engine's own types (cutover.h is the public side). One
 * struct co describes a switch: its direction, scope, the connections and
 * the proxy client; the journal, the preconditions and the steps work on
 * it. docs/cutover.md. */
#ifndef MS_CUTOVER_CO_INT_H
#define MS_CUTOVER_CO_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "cutover/cutover.h"
#include "db/db.h"
#include "proxy/adminc.h"

#define CO_COMP "cutover"

enum co_step {
	CO_PREPARE = 1,
	CO_PAUSE,
	CO_STOP_WRITES,
	CO_CATCH_UP,
	CO_STOP_SYNC,
	CO_OBJECTS,
	CO_START_SYNC,
	CO_FLIP,
	CO_NSTEPS = CO_FLIP,
};

struct co {
	const struct ms_cutover_opts *o;
	const char *cs;
	bool failback;
	const char *kind;    /* "cutover" / "failback" */
	const char *left_be; /* proxy backend left: "source" / "target" */
	const char *to_be;
	bool left_reverse; /* the sync of the direction left is reverse */
	struct ms_db *src, *tgt;
	struct ms_db *left, *to_db; /* aliases of src / tgt */
	struct ms_adminc *a;
	/* scope */
	char scope[65];		  /* "*" or the tenant schema */
	json_t *routes;		  /* array of route names */
	enum ms_co_writes writes; /* resolved: READ_ONLY or SESSIONS */
	/* journal */
	uint64_t run_id;
	int read_only_before; /* -1 not changed */
	char left_file[256];
	uint64_t left_pos;
	char to_file[256];
	uint64_t to_pos;
	bool stopped_sync; /* step 5 stopped the left direction's sync */
	/* measured */
	unsigned in_txn_at_pause, drained, ended, moved, move_failed, unmovable,
	    released;
	double pause_p50, pause_max;
	json_t *report;	    /* owned */
	json_t *steps;	    /* borrowed from report: [{name, ms, detail}] */
	json_t *errors;	    /* borrowed from report: [strings] */
	char sync_log[512]; /* of the last sync started */
	int crash_step;
	bool crash_after;
};

/* journal.c */
int co_journal_create(struct co *c, struct ms_err *err);
int co_journal_begin(struct co *c, struct ms_err *err);
int co_journal_step(struct co *c, int step, const char *state,
		    const char *detail, struct ms_err *err);
int co_journal_save(struct co *c, struct ms_err *err); /* positions etc. */
int co_journal_finish(struct co *c, const char *state, const char *error,
		      struct ms_err *err);
/* The newest run in state 'running': 0 and *<id> = 0 when none. Fills
 * <kind>, <scope>, <routes> (new reference), whether its process is alive,
 * the last step started and those done. */
struct co_pending {
	uint64_t id;
	char kind[16];
	char scope[65];
	json_t *routes;
	char writes[16];
	bool alive;
	long pid;
	char host[256];
	bool started[CO_NSTEPS + 1];
	bool done[CO_NSTEPS + 1];
	int read_only_before;
	char left_file[256];
	uint64_t left_pos;
	char to_file[256];
	uint64_t to_pos;
	bool stopped_sync;
};
int co_journal_pending(struct co *c, struct co_pending *p, struct ms_err *err);
const char *co_step_name(int step);

/* proxy.c: calls on the admin API */
int co_api(struct co *c, const char *method, const char *path,
	   const char *route, const char *k2, const char *v2, json_t **out,
	   struct ms_err *err);

/* The proxy's sessions (GET /sessions) on the switch's routes. */
int co_route_sessions(struct co *c, json_t **out, struct ms_err *err);

/* steps.c */
int co_step_do(struct co *c, int step, struct ms_err *err);
int co_step_undo(struct co *c, int step, struct ms_err *err);

/* sync control (spawn.c) */
int co_sync_spawn(struct co *c, bool reverse, const char *start_file,
		  uint64_t start_pos, long *pid, struct ms_err *err);
int co_sync_stop(struct co *c, bool reverse, struct ms_err *err);
int co_sync_wait_running(struct co *c, bool reverse, long pid,
			 struct ms_err *err);
struct ms_db *co_apply_db(struct co *c, bool reverse);

/* precheck.c: appends each failed precondition to <refused> */
int co_precheck(struct co *c, json_t *refused, struct ms_err *err);

/* --step-timeout in ms (30 s by default). */
unsigned co_step_timeout_ms(const struct co *c);

/* Sleeps <ms> milliseconds. */
void co_sleep_ms(unsigned ms);
double co_now_s(void);

#endif

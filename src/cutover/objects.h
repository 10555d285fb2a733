/* Triggers and events at a switch (docs/cutover.md, step 6 and "Triggers
 * and events"). They exist only on the side that takes client writes:
 * sync applies rows with SQL, so a trigger on a table sync writes to would
 * fire on replayed rows and double their effects, and an event would run
 * twice.
 *
 * The copy records the target's CREATE statements in
 * <cs>.deferred_objects (copy/ddl_deferred.c). At cutover the source's own
 * definitions (SHOW CREATE text, session context, event status, trigger
 * action order) are journaled once in <cs>.cutover_objects on the target;
 * then each object is created on the target in its recorded session
 * context (an event gets the status the source's had), and on the source
 * the trigger is dropped and an enabled event disabled (ALTER with its own
 * DEFINER, so the definer is kept). Failback does the reverse from the
 * journal. Every statement carries the MS_DB_MARKER comment; for CREATE
 * TRIGGER / EVENT it is also put after the kind word, the only place the
 * server keeps it in the binlog (and, for a trigger, in its stored text).
 * Each call is idempotent: every action is preceded by a look at the
 * server, so a crash at any point is finished by calling it again.
 * <src> and <tgt> are borrowed; each call leaves their session settings as
 * it found them (a default database it had to change becomes
 * information_schema when there was none). */
#ifndef MS_CUTOVER_OBJECTS_H
#define MS_CUTOVER_OBJECTS_H

#include <stdint.h>

#include <jansson.h>

#include "core/err.h"
#include "db/db.h"

/* What this call did (a repeated call that finds everything done counts
 * zeros). */
struct ms_co_objects_result {
	unsigned triggers; /* created on the side switched to */
	unsigned events;   /* created or enabled there */
	unsigned dropped;  /* triggers dropped on the side left */
	unsigned disabled; /* events disabled (cutover) or dropped (failback)
			      on the side left */
};

/* Precondition: every recorded trigger and event of <schema> (a target
 * schema name; NULL = all recorded) can be created on <tgt>: the user
 * has TRIGGER / EVENT on the schema (global or schema grants in SHOW
 * GRANTS), may create it with its definer (it is the definer, or has SET
 * USER on MariaDB, SET_USER_ID / SET_ANY_DEFINER / SUPER on MySQL), and
 * for a trigger the server does not demand SUPER (log_bin on with
 * log_bin_trust_function_creators off). The same is checked for the <src>
 * user on the source schemas, which drops / disables them at cutover and
 * recreates them at failback. Each problem is appended to <problems>
 * (array of strings, each starting "trigger schema.name: "); returns 0
 * unless the check itself failed. */
int ms_co_objects_check(struct ms_db *src, struct ms_db *tgt, const char *cs,
			const char *schema, json_t *problems,
			struct ms_err *err) MS_WUR;

/* Cutover: creates the recorded triggers and events of <schema> (NULL:
 * all) on <tgt> and drops / disables them on <src>; sets
 * deferred_objects.created_at. <run_id> tags the journal rows; <res> may
 * be NULL. An object no longer on the source is skipped with a warning.
 * Errors name the object and side: "trigger shop.orders_ai on the target:
 * <server message>". */
int ms_co_objects_to_target(struct ms_db *src, struct ms_db *tgt,
			    const char *cs, const char *schema, uint64_t run_id,
			    struct ms_co_objects_result *res,
			    struct ms_err *err) MS_WUR;

/* Failback: recreates (from the journaled text, in its context, when
 * missing) or re-enables (when it was enabled) each journaled object of
 * <schema> on <src>, then drops it from <tgt>; clears created_at and
 * marks the journal row 'returned'. */
int ms_co_objects_to_source(struct ms_db *src, struct ms_db *tgt,
			    const char *cs, const char *schema, uint64_t run_id,
			    struct ms_co_objects_result *res,
			    struct ms_err *err) MS_WUR;

#endif

/* Triggers and events at a switch (docs/cutover.md, step 6). They exist
 * only on the side that takes client writes: sync applies rows with SQL,
 * so a trigger on a table sync writes to would fire on replayed rows and
 * double their effects, and an event would run twice.
 *
 * The copy records the target's CREATE statements in
 * <cs>.deferred_objects (copy/ddl_deferred.c). At cutover these are created
 * on the target (events keep their recorded ENABLE/DISABLE state), and on
 * the source the same triggers are dropped (their SHOW CREATE TRIGGER text,
 * sql_mode and character set journaled in <cs>.cutover_objects on the
 * target) and enabled events disabled (their state journaled). Failback
 * does the reverse from the journal. Every statement carries the
 * MS_DB_MARKER comment so neither sync direction replays it. Each call is
 * idempotent: a crash in the middle is finished by calling it again. */
#ifndef MS_CUTOVER_OBJECTS_H
#define MS_CUTOVER_OBJECTS_H

#include <stdint.h>

#include <jansson.h>

#include "core/err.h"
#include "db/db.h"

struct ms_co_objects_result {
	unsigned triggers; /* created on the side switched to */
	unsigned events;   /* created or enabled there */
	unsigned dropped;  /* triggers dropped on the side left */
	unsigned disabled; /* events disabled on the side left */
};

/* Precondition: every recorded trigger and event of <schema> (a target
 * schema name; NULL = all recorded) can be created on <tgt>: the user
 * has TRIGGER and EVENT there, and for failback the source user has them
 * on the source schemas. Each problem is appended to <problems> (array of
 * strings naming the object and what is missing); returns 0 unless the
 * check itself failed. */
int ms_co_objects_check(struct ms_db *src, struct ms_db *tgt, const char *cs,
			const char *schema, json_t *problems,
			struct ms_err *err) MS_WUR;

/* Cutover: creates the recorded triggers and events of <schema> on <tgt>
 * and drops / disables them on <src>. <run_id> tags the journal rows. */
int ms_co_objects_to_target(struct ms_db *src, struct ms_db *tgt,
			    const char *cs, const char *schema, uint64_t run_id,
			    struct ms_co_objects_result *res,
			    struct ms_err *err) MS_WUR;

/* Failback: drops those triggers and events from <tgt> and recreates /
 * re-enables them on <src> from <cs>.cutover_objects. */
int ms_co_objects_to_source(struct ms_db *src, struct ms_db *tgt,
			    const char *cs, const char *schema, uint64_t run_id,
			    struct ms_co_objects_result *res,
			    struct ms_err *err) MS_WUR;

#endif

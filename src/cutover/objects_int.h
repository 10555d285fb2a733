/* Internal to src/cutover/objects*.c: the recorded objects as rows, the
 * session context they are created in, and the statements that carry the
 * marker (docs/cutover.md, "Triggers and events"). */
#ifndef MS_CUTOVER_OBJECTS_INT_H
#define MS_CUTOVER_OBJECTS_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"

#define MS_CO_COMPONENT "cutover"
/* Cap of one object's statement (the copy's cap, MS_DDL_SQL_MAX). */
#define MS_CO_SQL_MAX ((size_t)64 << 20)

/* One trigger or event: a row of <cs>.deferred_objects (ms_co_obj_load,
 * <sql> is the mapped target statement) or of <cs>.cutover_objects
 * (ms_co_obj_load_journal, <sql> is the source's own SHOW CREATE text).
 * Every string is owned (NULL for SQL NULL). */
struct ms_co_obj {
	bool trigger;
	char *sschema, *name, *tschema, *ttable;
	char *sql;
	char *mode, *cs, *coll, *tz;
	char *status; /* journal: the source's event status, else NULL */
	char *state;  /* journal: saved, moved, returned */
	long order;   /* journal: the source's ACTION_ORDER, else 0 */
};

struct ms_co_objs {
	struct ms_co_obj *v; /* owned */
	size_t n;
};

void ms_co_objs_free(struct ms_co_objs *l);

/* "trigger" or "event". */
const char *ms_co_kind(const struct ms_co_obj *o);

/* Reads <cs>.deferred_objects on <tgt> for target schema <schema> (NULL:
 * all) into <out> (zeroed; caller frees with ms_co_objs_free), triggers
 * first, each kind by target schema and name. A missing table is an empty
 * list. */
int ms_co_obj_load(struct ms_db *tgt, const char *cs, const char *schema,
		   struct ms_co_objs *out, struct ms_err *err) MS_WUR;

/* Reads the rows of <cs>.cutover_objects on <tgt> for <schema> (NULL: all)
 * whose state is not 'returned', triggers in the source's action order. A
 * missing table is an empty list. */
int ms_co_obj_load_journal(struct ms_db *tgt, const char *cs,
			   const char *schema, struct ms_co_objs *out,
			   struct ms_err *err) MS_WUR;

/* Looks the trigger or event <schema>.<name> up on <db>: *<exists>, and
 * for an event its STATUS in *<status> (caller frees; may be NULL). */
int ms_co_obj_exists(struct ms_db *db, bool trigger, const char *schema,
		     const char *name, bool *exists, char **status,
		     struct ms_err *err) MS_WUR;

/* Runs <sql> (borrowed) on <db> in the session context of <o>: its
 * sql_mode, character_set_client, collation_connection and, for an event,
 * time_zone; with <use_schema> set, <o>'s source schema is the default
 * database meanwhile (the source's own text names it only implicitly).
 * The connection's own settings are put back afterwards, and its default
 * database too (information_schema when it had none). Non-ASCII text is
 * converted to a non-UTF-8 character_set_client by the server first. */
int ms_co_obj_run(struct ms_db *db, const struct ms_co_obj *o, const char *sql,
		  bool use_schema, struct ms_err *err) MS_WUR;

/* Appends to <out> the CREATE statement <text> (borrowed) prefixed with
 * MS_DB_MARKER and with the marker put again after the TRIGGER / EVENT
 * word (unless it is there already): the server rewrites the start of a
 * CREATE TRIGGER / EVENT with its definer before binlogging it, so only
 * the second marker reaches the binlog. MS_EPARSE when <text> is not a
 * CREATE of that kind. */
int ms_co_obj_marked_create(const char *text, bool trigger,
			    struct ms_buf *out) MS_WUR;

/* Appends "ALTER DEFINER=... EVENT `schema`.`name` ENABLE|DISABLE" for an
 * event whose CREATE text is <text>, keeping its definer (a plain ALTER
 * EVENT makes the current user the definer), marked. */
int ms_co_obj_alter_event(const char *text, const char *schema,
			  const char *name, bool enable,
			  struct ms_buf *out) MS_WUR;

/* The definer of CREATE statement <text> as user@host (unquoted, the form
 * of CURRENT_USER()) in <out>; MS_ENOTFOUND when it has no DEFINER. */
int ms_co_obj_definer(const char *text, bool trigger,
		      struct ms_buf *out) MS_WUR;

#endif

/* Internal to src/db/schema*.c: string storage, default normalisation and
 * the shared state of one ms_schema_read. */
#ifndef MS_DB_SCHEMA_INT_H
#define MS_DB_SCHEMA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "db/schema.h"

/* Chunked string arena with a total cap; strings live until it is freed. */
struct ms_strarena;

struct ms_strarena *ms_strarena_new(size_t cap);
void ms_strarena_free(struct ms_strarena *a);
/* Copies <n> bytes of <s> plus a NUL. NULL <s> gives NULL with rc 0.
 * Returns 0, MS_ENOMEM or MS_ETOOLARGE. */
int ms_strarena_dup(struct ms_strarena *a, const char *s, size_t n,
		    char **out) MS_WUR;

/* Grows <*arr> (elements of <size> bytes, <n> in use) so one more fits.
 * Capacity is implicit: the array is resized whenever <n> is 0 or a power
 * of two. The new element is zeroed. Returns 0 or MS_ENOMEM. */
int ms_schema_grow(void **arr, size_t n, size_t size) MS_WUR;

/* qsort that accepts an empty (NULL) array: glibc declares qsort's base
 * non-null even for zero elements. */
void ms_schema_sort(void *base, size_t n, size_t size,
		    int (*cmp)(const void *, const void *));

/* Fills the default fields of <c> from information_schema's COLUMN_DEFAULT
 * <raw> (NULL for SQL NULL), EXTRA and data type already in <c>.
 * <expr_text> is true on MariaDB >= 10.2.7 (defaults reported as SQL text).
 */
int ms_schema_set_default(struct ms_strarena *a, struct ms_column *c,
			  const char *raw, size_t rawlen,
			  bool expr_text) MS_WUR;

/* Generated-column flags from EXTRA ("VIRTUAL GENERATED", "STORED
 * GENERATED", MariaDB's older "VIRTUAL"/"PERSISTENT"). */
void ms_schema_set_generated(struct ms_column *c);

/* State of one ms_schema_read, shared by schema.c and schema_objs.c. */
struct ms_sr {
	struct ms_db *db;
	ms_schema_filter_fn filter;
	void *fctx;
	struct ms_schema *s;
	struct ms_strarena *a;
	bool expr_defaults; /* MariaDB >= 10.2.7: COLUMN_DEFAULT is SQL */
	struct ms_err *err;
};

/* Copies column <i> of a row (<v>, <l>) into the arena as *<out>. */
int ms_sr_dup(struct ms_sr *r, const char *const *v, const size_t *l, size_t i,
	      char **out) MS_WUR;
int ms_sr_nomem(struct ms_sr *r);
uint64_t ms_sr_u64(const char *s);
bool ms_sr_yes(const char *s);
bool ms_sr_schema_selected(struct ms_sr *r, const char *schema);
/* Is <schema>.<name> (a table or view) wanted? */
bool ms_sr_object_selected(struct ms_sr *r, const char *schema,
			   const char *name);
/* Selected table by name (tables must be sorted), or NULL. */
struct ms_table *ms_sr_table(struct ms_sr *r, const char *schema,
			     const char *name);
/* Runs "<select> WHERE <col> <is selected> <tail>", rows to <fn>(r). */
int ms_sr_run(struct ms_sr *r, const char *select, const char *col,
	      const char *tail, ms_db_row_fn fn) MS_WUR;

/* Object kinds read in schema_objs.c. */
int ms_sr_foreign_keys(struct ms_sr *r) MS_WUR;
int ms_sr_triggers(struct ms_sr *r) MS_WUR;
int ms_sr_routines(struct ms_sr *r) MS_WUR;
int ms_sr_events(struct ms_sr *r) MS_WUR;
int ms_sr_views(struct ms_sr *r) MS_WUR;
void ms_sr_free_objects(struct ms_schema *s);

#define SR_ROW_ARGS                                                            \
	void *ctx, const char *const *v, const size_t *l, size_t n,            \
	    struct ms_err *err
#define SR_ROW_PROLOGUE(min)                                                   \
	struct ms_sr *r = ctx;                                                 \
	(void)err;                                                             \
	if (n < (min))                                                         \
		return MS_ERR(r->err, MS_ECORRUPT, "schema: short row");

#endif

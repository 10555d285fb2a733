/* Schema introspection from information_schema (and SHOW CREATE where the
 * exact text matters): tables with their columns, keys, indexes and foreign
 * keys, plus triggers, routines, events and views with their definers. All
 * strings are owned by the returned struct ms_schema. */
#ifndef MS_DB_SCHEMA_H
#define MS_DB_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

struct ms_column {
	char *name;
	unsigned int ordinal; /* 1-based */
	char *data_type;      /* "int", "varchar", ... */
	char *column_type;    /* "int(10) unsigned", "enum('a','b')" */
	bool nullable;
	bool has_default;
	char *default_value; /* as information_schema gives it; NULL if none */
	bool auto_increment;
	bool generated; /* VIRTUAL or STORED generated column */
	bool generated_stored;
	char *generation_expr; /* NULL unless generated */
	char *charset;	       /* NULL for non-character types */
	char *collation;
	char *extra; /* information_schema EXTRA verbatim */
};

struct ms_index {
	char *name; /* "PRIMARY" for the primary key */
	bool primary;
	bool unique;
	bool nullable;		 /* some key column is nullable */
	char *type;		 /* BTREE, HASH, FULLTEXT, SPATIAL */
	char **columns;		 /* key columns in order */
	unsigned int *sub_parts; /* prefix length per column, 0 = whole */
	size_t ncolumns;
};

struct ms_foreign_key {
	char *name;
	char **columns;
	char *ref_schema;
	char *ref_table;
	char **ref_columns;
	size_t ncolumns;
	char *on_update;
	char *on_delete;
};

struct ms_table {
	char *schema;
	char *name;
	char *engine;
	char *collation;
	char *create_options;
	uint64_t rows_estimate;
	uint64_t data_length;
	uint64_t index_length;
	uint64_t auto_increment; /* 0 if none */
	struct ms_column *columns;
	size_t ncolumns;
	struct ms_index *indexes; /* the primary key first when there is one */
	size_t nindexes;
	struct ms_foreign_key *fks;
	size_t nfks;
};

struct ms_trigger {
	char *schema, *name, *table, *timing, *event, *definer, *statement;
};

struct ms_routine {
	char *schema, *name, *type, *definer, *security_type;
};

struct ms_event {
	char *schema, *name, *definer, *status;
};

struct ms_view {
	char *schema, *name, *definer, *security_type, *definition;
};

struct ms_database {
	char *name, *charset, *collation;
};

struct ms_schema {
	struct ms_database *databases;
	size_t ndatabases;
	struct ms_table *tables; /* base tables only, ordered schema, name */
	size_t ntables;
	struct ms_view *views;
	size_t nviews;
	struct ms_trigger *triggers;
	size_t ntriggers;
	struct ms_routine *routines;
	size_t nroutines;
	struct ms_event *events;
	size_t nevents;
};

/* Decides which objects are read: called with <table> NULL to ask about a
 * whole schema, then per table. NULL filter = every user schema (system
 * schemas are always skipped). */
typedef bool (*ms_schema_filter_fn)(void *ctx, const char *schema,
				    const char *table);

/* Reads the schema of <db>. On success *<out> is owned by the caller and freed
 * with ms_schema_free. */
int ms_schema_read(struct ms_db *db, ms_schema_filter_fn filter, void *ctx,
		   struct ms_schema **out, struct ms_err *err) MS_WUR;

void ms_schema_free(struct ms_schema *s);

/* The key copy and sync chunk by: the primary key, else the first unique key
 * whose columns are all NOT NULL (and have no prefix); NULL when the table has
 * no usable key. Borrowed from <t>. */
const struct ms_index *ms_table_chunk_key(const struct ms_table *t);

/* Column of <t> by name, or NULL. */
const struct ms_column *ms_table_column(const struct ms_table *t,
					const char *name);

#endif

/* Schema introspection from information_schema: tables with their columns,
 * keys, indexes and foreign keys, plus triggers, routines, events and views
 * with their definers. One bulk query per object kind across every selected
 * schema (never one per table). System schemas (mysql, information_schema,
 * performance_schema, sys) are always skipped. All strings are owned by the
 * returned struct ms_schema. Names are compared byte for byte (the server's
 * lower_case_table_names=0 view). Design note: docs/db.md. */
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
	/* Defaults, the same on MySQL and MariaDB (MariaDB >= 10.2.7 reports
	 * SQL text, MySQL raw values; both are normalised to this):
	 *   no DEFAULT (NOT NULL column without one, generated or
	 *   auto_increment column): has_default false, default_value NULL;
	 *   DEFAULT NULL (explicit, or implicit on a nullable column):
	 *   has_default true, default_value NULL;
	 *   a literal (string or number): default_is_expr false and
	 *   default_value the raw value, unquoted and unescaped ("it's", "5");
	 *   anything else (CURRENT_TIMESTAMP, (1 + 2), b'101'):
	 *   default_is_expr true and default_value the SQL text as the server
	 *   gives it ("current_timestamp()" on MariaDB, "CURRENT_TIMESTAMP"
	 *   on MySQL). */
	bool has_default;
	bool default_is_expr;
	char *default_value;
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
	char **columns;		 /* key columns in order ("" for a MySQL 8
				    functional key part) */
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
	/* the primary key first when there is one, then the others in the
	   server's key order */
	struct ms_index *indexes;
	size_t nindexes;
	struct ms_foreign_key *fks;
	size_t nfks;
};

/* Definers are as information_schema gives them: "user@host", unquoted
 * (e.g. "root@localhost", "app@%"). */
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

/* Arrays are sorted by (schema, name) in byte order. */
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
	void *strings; /* internal: storage of every string above */
};

/* Everything read is bounded: past this many bytes of names, types,
 * definitions and defaults ms_schema_read fails with MS_ETOOLARGE. */
#define MS_SCHEMA_MAX_BYTES ((size_t)1 << 30)

/* Decides which objects are read: called with <table> NULL to ask about a
 * whole schema, then per table. NULL filter = every user schema (system
 * schemas are always skipped). */
typedef bool (*ms_schema_filter_fn)(void *ctx, const char *schema,
				    const char *table);

/* Reads the schema of <db>, asking <filter> (may be NULL) with <ctx>
 * (borrowed) which schemas and tables to keep; triggers follow their table,
 * views are asked about like tables, routines and events follow their
 * schema. Returns 0, MS_ESQL (e.g. missing privilege), MS_ETOOLARGE,
 * MS_ECORRUPT (inconsistent rows) or a connection error. On success
 * *<out> is owned by the caller and freed with ms_schema_free. */
int ms_schema_read(struct ms_db *db, ms_schema_filter_fn filter, void *ctx,
		   struct ms_schema **out, struct ms_err *err) MS_WUR;

void ms_schema_free(struct ms_schema *s);

/* Table <schema>.<name> in <s>, or NULL. Borrowed from <s>. */
const struct ms_table *ms_schema_table(const struct ms_schema *s,
				       const char *schema, const char *name);

/* Database <name> in <s>, or NULL. Borrowed from <s>. */
const struct ms_database *ms_schema_database(const struct ms_schema *s,
					     const char *name);

/* The key copy and sync chunk by: the primary key, else the first unique key
 * whose columns are all NOT NULL (and have no prefix); NULL when the table has
 * no usable key. Borrowed from <t>. */
const struct ms_index *ms_table_chunk_key(const struct ms_table *t);

/* Every schema name on <db> (information_schema.SCHEMATA): *out is one
 * allocation holding a NULL-terminated array and the names (free() it),
 * *n the count. For checking include rules against what exists. */
int ms_schema_names(struct ms_db *db, char ***out, size_t *n,
		    struct ms_err *err) MS_WUR;

/* Column of <t> by name, or NULL. */
const struct ms_column *ms_table_column(const struct ms_table *t,
					const char *name);

#endif

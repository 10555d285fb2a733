/* Target schema for a copy: CREATE DATABASE / CREATE TABLE statements built
 * from the source's definitions with the mapping rules applied, deferred
 * secondary indexes and foreign keys, views and routines created after the
 * data, and triggers and events recorded in the control schema for cutover
 * (never created by the copy). Design note: docs/copy.md ("Schema"). */
#ifndef MS_COPY_DDL_H
#define MS_COPY_DDL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"
#include "db/schema.h"
#include "rules/rules.h"

struct ms_ddl_opts {
	const struct ms_rules *rules; /* borrowed: maps schema and table names
					 (FK references, view bodies) */
	const char *control_schema;   /* borrowed */
	bool defer_indexes;	      /* non-unique secondary indexes (KEY,
					 FULLTEXT, SPATIAL) go to post_sql */
	bool convert_myisam;	      /* ENGINE=MyISAM becomes InnoDB */
};

/* The statements for one table. All strings owned (ms_ddl_table_free). */
struct ms_ddl_table {
	/* CREATE TABLE `tschema`.`ttable` (...) as SHOW CREATE TABLE gives it
	 * on the source, with the target name, ENGINE converted when asked,
	 * without the deferred indexes and without foreign keys; charset,
	 * collation, AUTO_INCREMENT, partitioning, comments, generated
	 * columns and CHECK constraints kept exactly. */
	char *create_sql;
	/* ALTER TABLE `tschema`.`ttable` ADD KEY ..., ADD FULLTEXT ...: the
	 * deferred secondary indexes in one statement, or NULL. */
	char *index_sql;
	/* ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY ... REFERENCES
	 * `mapped schema`.`mapped table` ...: every foreign key in one
	 * statement (run with foreign_key_checks=0), or NULL. */
	char *fk_sql;
	bool converted;		 /* MyISAM (or another engine) -> InnoDB */
	char *source_engine;	 /* as on the source */
	size_t deferred_indexes; /* how many in index_sql */
	size_t fks;		 /* how many in fk_sql */
};

/* Builds the statements for table <t> (borrowed, from ms_schema_read on
 * <src>) created as <tschema>.<ttable> on the target: runs SHOW CREATE
 * TABLE on <src> (a session with sql_quote_show_create=1) and rewrites it.
 * <out> is zeroed by the caller. Returns 0; MS_EUNSUPPORTED naming the
 * table when its definition cannot be rewritten safely (e.g. a name holding
 * a newline); MS_ESQL / connection errors from the source. */
int ms_ddl_table(struct ms_db *src, const struct ms_table *t,
		 const char *tschema, const char *ttable,
		 const struct ms_ddl_opts *o, struct ms_ddl_table *out,
		 struct ms_err *err) MS_WUR;

void ms_ddl_table_free(struct ms_ddl_table *t);

/* CREATE DATABASE IF NOT EXISTS `tname` with the charset and collation of
 * <d> (borrowed, from the source) on <tgt>. */
int ms_ddl_create_database(struct ms_db *tgt, const struct ms_database *d,
			   const char *tname, struct ms_err *err) MS_WUR;

struct ms_ddl_counts {
	uint64_t views, routines;  /* created */
	uint64_t triggers, events; /* recorded */
	uint64_t definers_rewritten;
};

/* Creates the views and routines of <s> (borrowed; only what it holds is
 * created: the caller's filter decided) on <tgt>, after the tables:
 *  - names mapped with o->rules (target schema; views also by table rule);
 *  - view bodies: `srcschema`.`srctable` references rewritten to the mapped
 *    names (a textual rewrite of backquoted qualified names, documented);
 *  - each routine created with its own sql_mode and character set context
 *    from SHOW CREATE PROCEDURE/FUNCTION, in its mapped schema;
 *  - views that depend on views not created yet are retried in later
 *    passes;
 *  - an existing object of the same name is replaced (CREATE OR REPLACE
 *    VIEW; DROP + CREATE for routines);
 *  - when the target refuses the DEFINER (errno 1227, no SUPER or
 *    SET USER), the object is created with DEFINER=CURRENT_USER and a
 *    warning names it (counted in definers_rewritten).
 * Fills <counts> (zeroed by the caller). */
int ms_ddl_views_routines(struct ms_db *src, struct ms_db *tgt,
			  const struct ms_schema *s,
			  const struct ms_ddl_opts *o,
			  struct ms_ddl_counts *counts,
			  struct ms_err *err) MS_WUR;

/* Records the triggers and events of <s> in the control schema table
 * `<control>`.`deferred_objects` on <tgt> (created if missing):
 *   kind ENUM('trigger','event'), source_schema, name, target_schema,
 *   target_table (triggers; NULL for events), create_sql (the mapped
 *   CREATE statement, DEFINER kept), sql_mode, character_set_client,
 *   collation_connection, time_zone (events' STARTS/ENDS are in it),
 *   created_at (NULL until cutover creates it),
 *   PRIMARY KEY (kind, target_schema, name).
 * Rerunning replaces the rows (idempotent). Cutover creates them. */
int ms_ddl_record_deferred(struct ms_db *src, struct ms_db *tgt,
			   const struct ms_schema *s,
			   const struct ms_ddl_opts *o,
			   struct ms_ddl_counts *counts,
			   struct ms_err *err) MS_WUR;

#endif

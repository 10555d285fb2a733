/* Statement events (QUERY) as sync sees them: which kind of statement, which
 * tables it touches, and the DDL rewritten for the target with the mapping
 * renames. A quote-aware lexer over the SQL text (comments, `quoted`
 * identifiers, 'strings', "strings", executable comments that open with
 * slash-star-bang and a version) that understands the heads of the statements
 * sync replays; it never executes or half-parses anything it does not
 * recognise: those are MS_STMT_UNKNOWN and the caller stops (or skips, with
 * --on-unsupported=skip). Design note: docs/sync.md. */
#ifndef MS_SYNC_STMT_H
#define MS_SYNC_STMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"

/* Comment myshift puts at the start of every statement it runs on a server
 * through sync (DDL replay), so a sync reading that server's binlog in the
 * other direction recognises and skips it (transactions are recognised by
 * their write to the control schema instead). */
#define MS_STMT_MARKER MS_DB_MARKER

enum ms_stmt_kind {
	MS_STMT_UNKNOWN = 0, /* not recognised: unsupported */
	MS_STMT_BEGIN,	     /* BEGIN, START TRANSACTION */
	MS_STMT_COMMIT,
	MS_STMT_ROLLBACK, /* ROLLBACK (e.g. a non-transactional statement
			     rolled back), ROLLBACK TO SAVEPOINT */
	MS_STMT_SAVEPOINT,
	MS_STMT_XA,	    /* XA START/END/PREPARE/COMMIT/ROLLBACK */
	MS_STMT_DML,	    /* INSERT, REPLACE, UPDATE, DELETE, LOAD DATA:
			       statement-format DML */
	MS_STMT_TABLE_DDL,  /* CREATE/ALTER/DROP/RENAME/TRUNCATE TABLE,
			       CREATE/DROP INDEX */
	MS_STMT_SCHEMA_DDL, /* CREATE/ALTER/DROP DATABASE|SCHEMA */
	MS_STMT_OTHER_DDL,  /* views, triggers, routines, events, users,
			       grants, sequences, servers: <refs> filled when
			       the object belongs to a table or schema */
	MS_STMT_IGNORABLE,  /* no effect on table data or schema: FLUSH,
			       ANALYZE/OPTIMIZE/REPAIR TABLE, SET, DO, ... */
};

enum ms_stmt_op {
	MS_STMT_OP_NONE = 0,
	MS_STMT_OP_CREATE_TABLE,
	MS_STMT_OP_CREATE_TABLE_LIKE, /* refs[0] new, refs[1] the model */
	MS_STMT_OP_ALTER_TABLE,	      /* refs[0]; ALTER ... RENAME TO: refs[1]
					 is the new name, role RENAMED_TO */
	MS_STMT_OP_DROP_TABLE,	      /* refs: every table listed */
	MS_STMT_OP_RENAME_TABLE,      /* refs: from, to, from, to, ... */
	MS_STMT_OP_TRUNCATE_TABLE,
	MS_STMT_OP_CREATE_INDEX, /* refs[0] the table */
	MS_STMT_OP_DROP_INDEX,
	MS_STMT_OP_CREATE_DATABASE,
	MS_STMT_OP_ALTER_DATABASE,
	MS_STMT_OP_DROP_DATABASE,
};

enum ms_stmt_role {
	MS_STMT_REF_TABLE = 0,	 /* the table the statement acts on */
	MS_STMT_REF_RENAMED_TO,	 /* the new name of the ref before it */
	MS_STMT_REF_REFERENCED,	 /* FOREIGN KEY ... REFERENCES, LIKE model */
	MS_STMT_REF_SCHEMA_ONLY, /* database statements: <table> is NULL */
};

/* One object name in the text: where it is, and what it resolves to.
 * Refs are in text order, except that the RENAMED_TO ref of ALTER TABLE
 * always comes right after refs[0]. A ref with <len> 0 names no text: the
 * default schema of ALTER DATABASE without a name (the rewrite inserts the
 * name at <start>). MS_STMT_OTHER_DDL refs: the table a trigger is ON
 * (TABLE); views and sequences by their name (TABLE: they live among the
 * tables); routines, events and a DROP TRIGGER by their schema
 * (SCHEMA_ONLY, the span being the whole name). */
struct ms_stmt_ref {
	enum ms_stmt_role role;
	const char *schema; /* resolved: the qualifier, else the event's
			       default schema; NUL-terminated (arena) */
	const char *table;  /* NULL for a schema-only ref */
	size_t start, len;  /* byte span of the whole (possibly qualified,
			       possibly quoted) name in the SQL text */
};

struct ms_stmt {
	enum ms_stmt_kind kind;
	enum ms_stmt_op op;
	bool temporary;	    /* CREATE/DROP TEMPORARY TABLE */
	bool if_exists;	    /* DROP ... IF EXISTS */
	bool if_not_exists; /* CREATE ... IF NOT EXISTS */
	bool marked;	    /* starts with MS_STMT_MARKER: applied by us */
	struct ms_stmt_ref *refs; /* arena */
	size_t nrefs;
	/* Added after the first contract (fields only appended): */
	bool has_select;	/* CREATE TABLE ... SELECT whose text still
				   holds the query (statement format): the
				   rewrite refuses it */
	bool start_transaction; /* MySQL 8.0.21+ "CREATE TABLE ... START
				   TRANSACTION" (CREATE ... SELECT in row
				   format): its rows and an XID follow in the
				   same transaction; the rewrite drops the
				   clause */
};

/* Classifies <sql> (<len> bytes, borrowed) run with default schema
 * <default_schema> ("" when none). Fills <out> with arena-owned parts.
 * Text made only of comments (MariaDB's "# Dummy event ...") is
 * MS_STMT_IGNORABLE; statement-format DML gets its first target table as a
 * ref when the head is simple (INSERT/REPLACE INTO t, UPDATE t, DELETE FROM
 * t, LOAD DATA ... INTO TABLE t), never an error for the rest of it.
 * Returns 0 (also for MS_STMT_UNKNOWN: the statement is not an error, it
 * is not understood), MS_EPARSE when a statement of a recognised kind is
 * malformed where we needed to read it (unterminated quote, a table name
 * missing), with the offset in the message, or MS_ETOOLARGE past 16 MiB of
 * text or when <a> is full. Never reads past <len>. */
int ms_stmt_parse(const char *sql, size_t len, const char *default_schema,
		  struct ms_arena *a, struct ms_stmt *out,
		  struct ms_err *err) MS_WUR;

/* Maps a source table (or a schema, <table> NULL) to the target: returns
 * 1 and appends the target names when it is selected, 0 when it is not,
 * or a negative code. */
typedef int (*ms_stmt_map_fn)(void *ctx, const char *schema, const char *table,
			      struct ms_buf *out_schema,
			      struct ms_buf *out_table);

/* Writes the statement to run on the target into <out> (reset first):
 * MS_STMT_MARKER, then <sql> with every ref replaced by its mapped, fully
 * qualified and backquoted name (referenced tables included, so foreign keys
 * point at the mapped tables). For DROP TABLE lists that mix selected and
 * excluded tables, only the selected ones are kept (a RENAME TABLE list
 * likewise keeps its selected pairs); a rewritten DROP TABLE loses the server's
 * generated-by-server comment. Returns:
 *  1  <out> holds the statement;
 *  0  nothing to run: no ref is selected (DDL on excluded objects);
 *  MS_EUNSUPPORTED naming the tables when the statement cannot be mapped
 *     safely: a RENAME or ALTER ... RENAME between a selected and an
 *     excluded table, a CREATE TABLE ... LIKE / foreign key whose other
 *     table is excluded, a CREATE TABLE ... SELECT still holding its
 *     query (has_select), a table named without a schema and run without
 *     a default one, a statement kind that is not TABLE_DDL or
 *     SCHEMA_DDL;
 *  MS_EINVAL when a span of <st> lies outside <sql>, or the error of
 *     <map>, or a buffer error (MS_ETOOLARGE past <out>'s cap). */
int ms_stmt_rewrite(const struct ms_stmt *st, const char *sql, size_t len,
		    ms_stmt_map_fn map, void *ctx, struct ms_buf *out,
		    struct ms_err *err) MS_WUR;

#endif

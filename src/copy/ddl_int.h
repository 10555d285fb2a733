/* Internal to src/copy/ddl*.c: the helpers the table and object rewrites
 * of the SQL text the server gives back (SHOW CREATE ...) share; they lex
 * it with db/lex.h. Nothing here does I/O except the ms_ddl_show* helpers. */
#ifndef MS_COPY_DDL_INT_H
#define MS_COPY_DDL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "copy/ddl.h"
#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "db/lex.h"

#define MS_DDL_COMPONENT "copy"
/* Cap of every statement built here (a view or routine text, a table). */
#define MS_DDL_SQL_MAX ((size_t)64 << 20)

/* The pure part of ms_ddl_table: rewrites <n> bytes of <text> (borrowed,
 * SHOW CREATE TABLE output for <t>) into <out>. Exposed for the fuzzer. */
int ms_ddl_table_text(const struct ms_table *t, const char *text, size_t n,
		      const char *tschema, const char *ttable,
		      const struct ms_ddl_opts *o, struct ms_ddl_table *out,
		      struct ms_err *err) MS_WUR;

/* Where the parts of a CREATE statement are (ms_ddl_parse_head). */
struct ms_ddl_head {
	size_t create_end;		   /* just after the word CREATE */
	bool or_replace;		   /* CREATE OR REPLACE ... */
	size_t definer_start, definer_end; /* "DEFINER=..." span, or 0,0 */
	size_t name_start, name_end;	   /* object name, maybe qualified */
	size_t after_name;		   /* lexer position after the name */
};

/* Parses "CREATE [OR REPLACE] [options] [DEFINER=d] [options] <kind>
 * [IF NOT EXISTS] name" at the start of <s>: <kind> is VIEW, PROCEDURE,
 * FUNCTION, TRIGGER or EVENT. Returns 0 or MS_EPARSE. */
int ms_ddl_parse_head(const char *s, size_t n, const char *kind,
		      struct ms_ddl_head *h) MS_WUR;

/* Appends <s> with the span [<start>, <end>) replaced by <with>. */
int ms_ddl_splice(struct ms_buf *out, const char *s, size_t n, size_t start,
		  size_t end, const char *with) MS_WUR;

/* Maps <schema>.<table> through <r> (NULL = identity) and appends the
 * target names to <ts> / <tt> (<tt> may be NULL to map the schema only). */
int ms_ddl_map(const struct ms_rules *r, const char *schema, const char *table,
	       struct ms_buf *ts, struct ms_buf *tt) MS_WUR;

/* Logs a warning naming <label> when <text> (a routine, trigger or event
 * statement, already renamed) names a source schema of <s> as a qualifier
 * while the rules give that schema another name on the target: such bodies
 * are not rewritten. */
void ms_ddl_warn_body_refs(const struct ms_schema *s,
			   const struct ms_ddl_opts *o, const char *label,
			   const char *text);

/* True when <name> holds a byte that no rewrite here accepts (newline or
 * carriage return). */
bool ms_ddl_bad_name(const char *name);

/* Runs "SHOW CREATE <what> `schema`.`name`" on <db> and returns its result
 * (caller frees). MS_ENOTFOUND when there is no row. */
int ms_ddl_show(struct ms_db *db, const char *what, const char *schema,
		const char *name, struct ms_db_result **out,
		struct ms_err *err) MS_WUR;

/* Column <col> (by name) of the first row of <r>, or NULL. Borrowed. */
const char *ms_ddl_col(const struct ms_db_result *r, const char *col);

#endif

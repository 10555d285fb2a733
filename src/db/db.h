/* Database access over MariaDB Connector/C (libmariadb): connections with TLS,
 * timeouts and retries with backoff on transient errors only; simple text
 * queries with results as strings. Used by every command; one struct ms_db is
 * one blocking connection used by one thread at a time. The connection
 * charset is utf8mb4; multi-statements and LOAD DATA LOCAL are off.
 * Design note: docs/db.md. */
#ifndef MS_DB_DB_H
#define MS_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/uri.h"

/* Results are read row by row (mysql_use_result) into our own storage, so
 * these caps bound memory before it is spent. Past either one a query fails
 * with MS_ETOOLARGE. Use ms_db_query_each for unbounded streams. */
#define MS_DB_RESULT_MAX_BYTES (256u * 1024 * 1024)
#define MS_DB_RESULT_MAX_ROWS  (4u * 1024 * 1024)

#define MS_DB_BACKOFF_DEFAULT_MS 200
#define MS_DB_BACKOFF_MAX_MS	 10000

struct ms_db;	     /* opaque connection */
struct ms_db_result; /* opaque, fully buffered result set */

struct ms_db_opts {
	const char *role;		/* "source" / "target", for messages */
	unsigned int connect_timeout_s; /* 0 = endpoint's or 10 s */
	unsigned int read_timeout_s;	/* 0 = endpoint's or 600 s */
	unsigned int write_timeout_s;	/* 0 = endpoint's or 600 s */
	unsigned int retries;		/* extra connect attempts on transient
					   errors (default 0 = none) */
	unsigned int backoff_ms;	/* first backoff, doubled each retry,
					   capped at 10 s; 0 = 200 ms */
	bool utc;	   /* SET time_zone='+00:00' after connect */
	bool local_infile; /* allow LOAD DATA LOCAL, fed only by
			      ms_db_load_local: any other LOCAL request
			      is refused, no file is ever read */
};

/* Connects to <ep> (borrowed; ep->password may be NULL). <opts> may be NULL
 * for defaults. On failure returns MS_ECONNECT (unreachable), MS_EAUTH
 * (access denied: never retried), MS_ETLS (TLS required but not in use, CA
 * or identity verification failed, bad certificate files), MS_ETIMEOUT or
 * MS_ECONFIG (e.g. VERIFY_CA without ssl-ca), with <err> naming the role,
 * host and port, the server's message and errno, and never the password.
 * Every attempt is logged at debug ("event=connect"), every retry at info
 * ("event=retry attempt=N"). On success *<out> is a connection the caller
 * closes with ms_db_close. */
int ms_db_connect(const struct ms_endpoint *ep, const struct ms_db_opts *opts,
		  struct ms_db **out, struct ms_err *err) MS_WUR;

void ms_db_close(struct ms_db *db);

/* Server identity, valid while <db> is open (borrowed strings). */
const char *
ms_db_server_version(const struct ms_db *db); /* "10.11.6-MariaDB-..." */
unsigned long ms_db_server_version_num(const struct ms_db *db); /* 101106 */
bool ms_db_is_mariadb(const struct ms_db *db);
bool ms_db_uses_tls(const struct ms_db *db);
const char *ms_db_role(const struct ms_db *db);

/* The comment myshift puts first in every statement it writes to a server
 * it migrates into (copy's DDL, sync's DDL replay), so a sync reading that
 * server's binlog the other way recognises the statement as ours and skips
 * it (transactions are recognised by their write to the control schema). */
#define MS_DB_MARKER "/* myshift:apply */ "

/* Makes ms_db_exec put <prefix> (static storage, e.g. MS_DB_MARKER; NULL
 * for none) before every statement it runs on <db>. */
void ms_db_set_exec_prefix(struct ms_db *db, const char *prefix);

/* Runs a statement and discards any result. MS_ESQL with the server's errno,
 * SQLSTATE and message in <err> (and the role). */
int ms_db_exec(struct ms_db *db, const char *sql, struct ms_err *err) MS_WUR;

/* Runs a query and buffers its result (caller frees with
 * ms_db_result_free), up to MS_DB_RESULT_MAX_BYTES / _ROWS. Server errors
 * are MS_ESQL with errno and SQLSTATE; statement timeouts (MySQL 3024,
 * MariaDB 1969) and client read timeouts are MS_ETIMEOUT; a lost
 * connection is MS_ECONNECT. */
int ms_db_query(struct ms_db *db, const char *sql, struct ms_db_result **out,
		struct ms_err *err) MS_WUR;

/* Runs a query expected to return at most one row and takes its first
 * column of the first row (further rows are ignored): *<out> is a
 * NUL-terminated copy the caller frees, or NULL when there was no row or the
 * value was SQL NULL. */
int ms_db_query_value(struct ms_db *db, const char *sql, char **out,
		      struct ms_err *err) MS_WUR;

/* The server's Threads_running (SHOW GLOBAL STATUS): the load ceiling
 * copy and verify pause under (--max-running). */
int ms_db_threads_running(struct ms_db *db, uint64_t *out,
			  struct ms_err *err) MS_WUR;

/* Called once per row by ms_db_query_each. <vals>[i] is NULL for SQL NULL,
 * else NUL-terminated with <lens>[i] bytes (may hold NULs); all borrowed
 * until the callback returns. Return 0 to go on, or a negative MS_E* code
 * (after filling <err>) to stop: ms_db_query_each then returns that code. */
typedef int (*ms_db_row_fn)(void *ctx, const char *const *vals,
			    const size_t *lens, size_t ncols,
			    struct ms_err *err);

/* Runs a query and streams its rows to <fn> without buffering the result:
 * for introspection over servers with very many objects. Same errors as
 * ms_db_query, plus whatever <fn> returns. */
int ms_db_query_each(struct ms_db *db, const char *sql, ms_db_row_fn fn,
		     void *ctx, struct ms_err *err) MS_WUR;

size_t ms_db_result_nrows(const struct ms_db_result *r);
size_t ms_db_result_ncols(const struct ms_db_result *r);
/* Column index by name (case-insensitive), or -1. */
int ms_db_result_col(const struct ms_db_result *r, const char *name);
/* Value at <row>, <col> as a NUL-terminated string (borrowed from <r>), or
 * NULL for SQL NULL. Out-of-range indexes give NULL. */
const char *ms_db_result_get(const struct ms_db_result *r, size_t row,
			     size_t col);
/* Byte length of that value (values may hold NUL bytes). */
size_t ms_db_result_len(const struct ms_db_result *r, size_t row, size_t col);
void ms_db_result_free(struct ms_db_result *r);

/* Appends <len> bytes of <s> (borrowed; may hold NULs) as a SQL string
 * literal, quoted and escaped for <db>'s current sql_mode as last reported
 * by the server (NO_BACKSLASH_ESCAPES honoured). The output never holds a
 * NUL byte, so it can go through the NUL-terminated query functions: under
 * NO_BACKSLASH_ESCAPES a string holding NUL is written as _utf8mb4 X'hex'.
 * Returns 0, MS_EINVAL or a buffer error (<out> may then hold part). */
int ms_db_quote_string(struct ms_db *db, struct ms_buf *out, const char *s,
		       size_t len) MS_WUR;

/* Appends the NUL-terminated <v> as a string literal (ms_db_quote_string),
 * or NULL when <v> is NULL. */
int ms_db_add_literal(struct ms_db *db, struct ms_buf *out,
		      const char *v) MS_WUR;

/* Runs the statement built in <q> and frees <q>; when building it failed
 * (<build_rc> nonzero: a buffer cap) runs nothing and reports that, naming
 * <what> ("control statement"). For code that assembles SQL step by step
 * as rc = rc ? rc : ms_buf_add...(). */
int ms_db_exec_built(struct ms_db *db, struct ms_buf *q, int build_rc,
		     const char *what, struct ms_err *err) MS_WUR;

/* Creates the control schema <cs> (utf8mb4, utf8mb4_bin) and its tables
 * when missing: each of <tables> (NULL-terminated) is the text after
 * "CREATE TABLE IF NOT EXISTS `cs`.", e.g. "`sync_state` (...) ENGINE=...".
 * MS_ECONFIG for a name that cannot be quoted. Shared by every subsystem
 * that keeps state there (copy, sync, verify). */
int ms_db_create_control(struct ms_db *db, const char *cs,
			 const char *const *tables, struct ms_err *err) MS_WUR;

/* Pull-style streaming of one result (mysql_use_result): rows are read as
 * the caller asks for them, so a copy can feed rows into a LOAD DATA on
 * another connection while the source sends them, holding one row. */
struct ms_db_stream; /* opaque */

/* Runs <sql> on <db> and opens its result for streaming. *<out> is closed
 * with ms_db_stream_close before <db> is used again. Errors as ms_db_query;
 * a statement without a result set is MS_EINVAL. */
int ms_db_stream_open(struct ms_db *db, const char *sql,
		      struct ms_db_stream **out, struct ms_err *err) MS_WUR;

/* Reads the next row: returns 1 with *<vals> / *<lens> pointing at the row
 * (borrowed until the next call; vals[i] NULL for SQL NULL), 0 at the end,
 * or a negative code (a lost connection, or an error the server sent after
 * some rows). */
int ms_db_stream_next(struct ms_db_stream *s, const char *const **vals,
		      const size_t **lens, struct ms_err *err) MS_WUR;

size_t ms_db_stream_ncols(const struct ms_db_stream *s);

/* Frees the stream, draining unread rows. NULL is allowed. */
void ms_db_stream_close(struct ms_db_stream *s);

/* Producer for ms_db_load_local: writes up to <size> bytes into <buf> and
 * sets *<len> (0 = end of data). Returns 0, or a negative code after filling
 * <err>, which aborts the load. */
typedef int (*ms_db_infile_fn)(void *ctx, char *buf, size_t size, size_t *len,
			       struct ms_err *err);

/* Runs <sql>, a LOAD DATA LOCAL INFILE statement, on <db> (connected with
 * opts.local_infile), sending the bytes <fn> produces as the file: nothing
 * is read from disk whatever file name the server asks for. On success
 * *<affected> (may be NULL) is the affected-row count and *<warnings> (may
 * be NULL) the server's warning count. A producer error is returned as is,
 * with its message; a server error as ms_db_exec. */
int ms_db_load_local(struct ms_db *db, const char *sql, ms_db_infile_fn fn,
		     void *ctx, uint64_t *affected, unsigned int *warnings,
		     struct ms_err *err) MS_WUR;

/* Affected rows and warnings of the last statement run on <db>. */
uint64_t ms_db_affected_rows(const struct ms_db *db);
unsigned int ms_db_warning_count(const struct ms_db *db);

/* A source position: binlog file and offset, plus the GTID state at that
 * point in the server's own notation (MySQL: an executed GTID set, MariaDB:
 * a domain-server-seq list; "" when GTIDs are off). */
struct ms_binlog_pos {
	char file[256];
	uint64_t pos;
	char *gtid; /* owned; free with ms_binlog_pos_free */
};

/* Reads the current end of <db>'s binlog and the GTID state at exactly that
 * point without any lock: MySQL's SHOW MASTER STATUS (SHOW BINARY LOG
 * STATUS on 8.4+) carries Executed_Gtid_Set in the same row; on MariaDB
 * BINLOG_GTID_POS(file, pos) gives the list at that offset. MS_EUNSUPPORTED
 * when the binlog is off; MS_ESQL naming the privilege (REPLICATION CLIENT
 * or BINLOG MONITOR) when the user may not read it. <out> must be zeroed. */
int ms_db_binlog_position(struct ms_db *db, struct ms_binlog_pos *out,
			  struct ms_err *err) MS_WUR;
void ms_binlog_pos_free(struct ms_binlog_pos *p);

/* Only the end of <db>'s binlog (file and position), without the GTID
 * state: one statement, cheap enough per chunk (MariaDB's BINLOG_GTID_POS
 * reads the binlog file). Errors as ms_db_binlog_position. */
int ms_db_binlog_end(struct ms_db *db, char *file, size_t file_len,
		     uint64_t *pos, struct ms_err *err) MS_WUR;

/* True for errors worth retrying: cannot connect (2002, 2003), lost
 * connection or server gone (2006, 2013, 2055), too many connections (1040),
 * server shutting down (1053), connection killed (1927), lock wait timeout
 * (1205), deadlock (1213). Never access denied or TLS errors. */
bool ms_db_errno_transient(unsigned int sql_errno);

#endif

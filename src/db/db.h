/* Database access over MariaDB Connector/C (libmariadb): connections with TLS,
 * timeouts and retries with backoff on transient errors only; simple text
 * queries with results as strings. Used by every command; one struct ms_db is
 * one blocking connection used by one thread at a time. */
#ifndef MS_DB_DB_H
#define MS_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/uri.h"

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
					   capped at 10 s */
	bool utc; /* SET time_zone='+00:00' after connect */
};

/* Connects to <ep> (borrowed). On failure returns MS_ECONNECT (unreachable),
 * MS_EAUTH (access denied: never retried), MS_ETLS (TLS required or CA
 * verification failed) or MS_ETIMEOUT, with <err> naming the role, host and
 * port, the server's message and errno, and never the password. On success
 * *<out> is a connection the caller closes with ms_db_close. */
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

/* Runs a statement and discards any result. MS_ESQL with the server's errno,
 * SQLSTATE and message in <err> (and the role). */
int ms_db_exec(struct ms_db *db, const char *sql, struct ms_err *err) MS_WUR;

/* Runs a query and buffers its result (caller frees with
 * ms_db_result_free). */
int ms_db_query(struct ms_db *db, const char *sql, struct ms_db_result **out,
		struct ms_err *err) MS_WUR;

/* Runs a query expected to return at most one row and takes its first
 * column: *<out> is a copy the caller frees, or NULL when there was no row
 * or the value was SQL NULL. */
int ms_db_query_value(struct ms_db *db, const char *sql, char **out,
		      struct ms_err *err) MS_WUR;

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

/* Appends <len> bytes of <s> as a SQL string literal, quoted and escaped for
 * <db>'s current sql_mode (NO_BACKSLASH_ESCAPES honoured). */
int ms_db_quote_string(struct ms_db *db, struct ms_buf *out, const char *s,
		       size_t len) MS_WUR;

/* True for errors worth retrying: lost connection, server gone, too many
 * connections, lock wait timeout, deadlock. */
bool ms_db_errno_transient(unsigned int sql_errno);

#endif

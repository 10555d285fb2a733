/* Internal to src/db/db.c and src/db/query.c: the connection and result
 * structures behind the opaque types of db.h. */
#ifndef MS_DB_DB_INT_H
#define MS_DB_DB_INT_H

#include <mysql.h>

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"

struct ms_db {
	MYSQL *my;
	char *role; /* owned */
	char *host; /* owned, for messages */
	unsigned int port;
	bool tls;
	bool mariadb;
	unsigned long version_num;
	const char *exec_prefix; /* static, or NULL */
};

/* Result storage: one arena of NUL-terminated values and, per cell, an
 * offset into it (SIZE_MAX for SQL NULL) and a length. */
struct ms_db_result {
	size_t nrows, ncols;
	char **names;	    /* column names, owned */
	struct ms_buf data; /* values, each followed by a NUL */
	size_t *off, *len;  /* nrows * ncols each */
	size_t cells_alloc; /* allocated entries in off/len */
};

/* Fills <err> from the connector's last error on <db> as an MS_ESQL-class
 * failure of <what> ("query failed"), naming role, host:port, the server
 * message, errno and SQLSTATE, passed through the redactor. Returns the
 * mapped MS_E* code. <file>:<line> is where the caller detected it. */
int ms_db_fail(struct ms_db *db, const char *what, const char *file, int line,
	       struct ms_err *err);

/* Installs a LOCAL INFILE handler that sends no file (stream.c). */
void ms_db_refuse_local_files(struct ms_db *db);

#endif

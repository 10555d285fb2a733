/* Raw connector access, for the one module that speaks a part of the
 * protocol ms_db does not wrap: the binlog reader (src/sync/reader.c)
 * connects with ms_db_connect (TLS, timeouts, error mapping, redaction)
 * and then sends COM_BINLOG_DUMP on the handle and reads raw packets.
 * Nothing else should need this header. */
#ifndef MS_DB_RAW_H
#define MS_DB_RAW_H

#include <mysql.h>

#include "db/db.h"

/* The connector handle of <db> (borrowed: valid until ms_db_close, which
 * still closes it). Once a caller has switched the connection to a binlog
 * stream, it must not run queries through <db> again. */
MYSQL *ms_db_handle(struct ms_db *db);

#endif

/* Internal to src/sync/reader.c: the pure parts of the reader (dump
 * command payloads, server error classification), exposed so that unit
 * tests can check the MySQL paths byte for byte without a MySQL server. */
#ifndef MS_SYNC_READER_INT_H
#define MS_SYNC_READER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "sync/gtid.h"

#define MS_RD_COM_BINLOG_DUMP	   0x12
#define MS_RD_COM_BINLOG_DUMP_GTID 0x1e

/* COM_BINLOG_DUMP flags. MariaDB: send ANNOTATE_ROWS events as
 * themselves; MySQL: COM_BINLOG_DUMP_GTID carries a GTID set. */
#define MS_RD_DUMP_SEND_ANNOTATE 0x0002
#define MS_RD_DUMP_THROUGH_GTID	 0x0004

/* Appends the COM_BINLOG_DUMP arguments (what follows the command byte):
 * pos u32, flags u16, server_id u32, then <file> (borrowed; may be "")
 * to the end of the packet. MS_EINVAL when <pos> does not fit in 32 bits
 * or <file> is longer than 255 bytes. */
int ms_rd_dump_args(struct ms_buf *out, uint32_t server_id, uint16_t flags,
		    const char *file, uint64_t pos, struct ms_err *err) MS_WUR;

/* Appends the COM_BINLOG_DUMP_GTID arguments: flags u16
 * (MS_RD_DUMP_THROUGH_GTID), server_id u32, file name length u32 and
 * <file>, pos u64, then the SID block of <executed> (a MySQL state) with
 * its length u32. MS_EINVAL for a MariaDB state. */
int ms_rd_dump_gtid_args(struct ms_buf *out, uint32_t server_id,
			 const char *file, uint64_t pos,
			 const struct ms_gtid_state *executed,
			 struct ms_err *err) MS_WUR;

/* Classifies an error the server sent on the dump (<msg> borrowed):
 * MS_ENOTFOUND when the start file or GTIDs are gone (errno 1236 saying
 * a file could not be found or opened, or was purged, or naming GTIDs),
 * MS_ECONNECT for what a reconnect may cure (shutdown in progress, the
 * connection killed, too many connections), else MS_ESQL (including
 * 1227, a missing REPLICATION SLAVE privilege, and 4052, another replica
 * connected with our server_id). */
int ms_rd_classify(unsigned int sql_errno, const char *msg);

#endif

/* The binlog reader: one replication connection to a server, as a replica
 * with its own server_id, streaming raw events (COM_BINLOG_DUMP, or
 * COM_BINLOG_DUMP_GTID / MariaDB's @slave_connect_state when opened at a
 * GTID state). libmariadb carries the transport (mysql->methods->db_command
 * and mysql_net_read_packet); decoding is ours (binlog/binlog.h), and is not
 * done here: the reader hands out event bytes.
 *
 * A reader does not reconnect by itself: a lost connection is returned as
 * MS_ECONNECT and the caller (the sync pipeline) reopens at the last
 * transaction boundary it holds, so a transaction is never resumed in the
 * middle. Design note: docs/sync.md. */
#ifndef MS_SYNC_READER_H
#define MS_SYNC_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/uri.h"

struct ms_rd; /* opaque */

struct ms_rd_opts {
	const struct ms_endpoint *ep; /* borrowed */
	const char *role;	      /* "source" / "target", for messages */
	uint32_t server_id;	      /* ours, nonzero, unique on the server */
	unsigned int heartbeat_ms;    /* @master_heartbeat_period; 0 = 1000 */
	/* No event (heartbeats included) for this long is a lost
	 * connection (MS_ECONNECT); 0 = max(4 x heartbeat, 10 s). */
	unsigned int idle_timeout_s;
	unsigned int connect_timeout_s; /* 0 = endpoint's or 10 s */
};

/* Where to start: a file and position (file "" means the first binlog the
 * server has), or, when <gtid> is non-NULL and non-empty, a GTID state in
 * the server's own notation (MariaDB "0-1-100,1-2-7": the stream starts
 * after those; MySQL "uuid:1-100,...": the executed set, the server sends
 * what is not in it). */
struct ms_rd_start {
	const char *file;
	uint64_t pos;
	const char *gtid;
};

/* Connects, checks that the server writes a row-format binlog it can serve
 * (binlog on; warns, does not fail, on binlog_format != ROW since mixed
 * binlogs are handled event by event), asks for checksummed events
 * (@master_binlog_checksum = @@global.binlog_checksum and the MariaDB
 * equivalents: @mariadb_slave_capability = 4 so GTID and annotate events
 * come as themselves), sets the heartbeat period, and sends the dump
 * command. Errors name the role, host:port and what failed:
 *  - MS_ECONNECT / MS_EAUTH / MS_ETLS / MS_ETIMEOUT from connecting;
 *  - MS_ESQL naming REPLICATION SLAVE (MariaDB: REPLICATION SLAVE / BINLOG
 *    REPLAY is not needed) when the user may not dump;
 *  - MS_ENOTFOUND when the start binlog file or GTID state is no longer on
 *    the server ("binlog 'mysql-bin.000003' (position 4) is not on source
 *    127.0.0.1:33061: purged? ... server said: ..."). Some servers only
 *    report this on the first ms_rd_next: the same mapping applies there.
 * On success *<out> is a reader the caller closes with ms_rd_close. */
int ms_rd_open(const struct ms_rd_opts *o, const struct ms_rd_start *start,
	       struct ms_rd **out, struct ms_err *err) MS_WUR;

/* The next event: returns 1 with *<ev> / *<len> set to the whole event
 * (19-byte header through the checksum, as ms_bl_decode wants it; valid
 * until the next call), or a negative code: MS_ECONNECT when the
 * connection was lost or idle past the timeout (the caller reopens),
 * MS_ENOTFOUND as in ms_rd_open, MS_ESQL for another error the server sent
 * (message included), MS_ECORRUPT for a packet that is not an event.
 * Heartbeats are returned as events too (the caller decodes them; their
 * log_pos tells how far the server's binlog goes). Blocks until an event
 * arrives or ms_rd_interrupt is called (then MS_EIO "interrupted"). */
int ms_rd_next(struct ms_rd *rd, const uint8_t **ev, size_t *len,
	       struct ms_err *err) MS_WUR;

/* The checksum algorithm events before the first FORMAT_DESCRIPTION carry
 * (for ms_bl_options.checksum_before_fde): MS_BL_CHECKSUM_CRC32 when the
 * server was asked for checksums and has them on, else
 * MS_BL_CHECKSUM_UNDEF. */
uint8_t ms_rd_checksum_before_fde(const struct ms_rd *rd);

/* True when the server is MariaDB. */
bool ms_rd_is_mariadb(const struct ms_rd *rd);

/* Makes a blocked ms_rd_next return soon (from another thread): shuts the
 * socket down. Safe to call at any time while <rd> is open. */
void ms_rd_interrupt(struct ms_rd *rd);

/* Closes the connection. NULL is allowed. */
void ms_rd_close(struct ms_rd *rd);

#endif

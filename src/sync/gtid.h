/* GTID state in both flavours, as a replica tracks it while applying:
 *  - MariaDB: a domain-server-seq list, one entry per domain (the last
 *    GTID applied in that domain), "0-1-100,1-2-7";
 *  - MySQL: an executed GTID set, "uuid:1-100:102,uuid2:1-5" (tagged GTIDs
 *    of 8.4: "uuid:tag:1-5").
 * Text in and out is the server's own notation, so it can be stored in the
 * control schema and given back to the server (BINLOG_GTID_POS,
 * @slave_connect_state, COM_BINLOG_DUMP_GTID). Design note: docs/sync.md. */
#ifndef MS_SYNC_GTID_H
#define MS_SYNC_GTID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

enum ms_gtid_flavor {
	MS_GTID_NONE = 0, /* not known yet: the first add or parse decides */
	MS_GTID_MARIADB,
	MS_GTID_MYSQL,
};

struct ms_gtid_state; /* opaque */

/* A new empty state, or NULL when out of memory. */
struct ms_gtid_state *ms_gtid_new(enum ms_gtid_flavor f);
void ms_gtid_free(struct ms_gtid_state *g);

enum ms_gtid_flavor ms_gtid_flavor(const struct ms_gtid_state *g);

/* Replaces the state with <text> (borrowed; "" = empty) in <flavor>'s
 * notation (MS_GTID_NONE guesses: a ':' means MySQL). MS_EPARSE naming the
 * offending part when malformed, e.g. "GTID '0-1-x': bad sequence number". */
int ms_gtid_parse(struct ms_gtid_state *g, enum ms_gtid_flavor flavor,
		  const char *text, struct ms_err *err) MS_WUR;

/* Records an applied MariaDB GTID (the domain's entry becomes it). */
int ms_gtid_add_mariadb(struct ms_gtid_state *g, uint32_t domain,
			uint32_t server_id, uint64_t seq) MS_WUR;

/* Records an applied MySQL GTID (<tag> NULL when untagged): merged into the
 * set's intervals. */
int ms_gtid_add_mysql(struct ms_gtid_state *g, const uint8_t uuid[16],
		      const char *tag, int64_t gno) MS_WUR;

/* True when the GTID is already in the state: MariaDB, seq <= the domain's
 * (regardless of server_id); MySQL, gno in the uuid's (and tag's) set. */
bool ms_gtid_contains_mariadb(const struct ms_gtid_state *g, uint32_t domain,
			      uint64_t seq);
bool ms_gtid_contains_mysql(const struct ms_gtid_state *g,
			    const uint8_t uuid[16], const char *tag,
			    int64_t gno);

/* Appends the state in its flavour's notation (sorted: MariaDB by domain,
 * MySQL by uuid then tag, intervals merged). Empty state: nothing. */
int ms_gtid_format(const struct ms_gtid_state *g, struct ms_buf *out) MS_WUR;

/* The MySQL COM_BINLOG_DUMP_GTID SID block for the state (n_sids, then per
 * sid: uuid, n_intervals, [start, end) pairs, all little-endian) appended
 * to <out>; tagged sids use the 8.4 format. MS_EINVAL for a MariaDB
 * state. */
int ms_gtid_encode_mysql(const struct ms_gtid_state *g, struct ms_buf *out,
			 struct ms_err *err) MS_WUR;

#endif

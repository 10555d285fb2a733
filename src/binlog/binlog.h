/* Binlog event decoder for MySQL 5.0-9.x and MariaDB 10.x: raw event bytes
 * in, typed events out. Pure: no I/O, no libmariadb. The caller frames the
 * stream (ms_bl_next splits a memory buffer holding a binlog file) and hands
 * each event to ms_bl_decode, which keeps the state events depend on: the
 * FORMAT_DESCRIPTION (checksum algorithm, post-header lengths) and the table
 * maps rows events refer to.
 *
 * Memory: everything a decoded event points to lives either in the caller's
 * arena (rendered text, decompressed payloads, arrays) or in the event bytes
 * the caller passed (strings and blobs are borrowed, not copied), or, for
 * table maps, in the decoder. A decoded event is valid while the arena has
 * not been reset, the input bytes are alive, and the decoder has not replaced
 * that table id. Callers reset the arena per event or per transaction.
 *
 * Errors: MS_ECORRUPT for malformed input, MS_EUNSUPPORTED for well-formed
 * input we cannot decode (e.g. an encrypted binlog), MS_ETOOLARGE when the
 * arena cap is hit. The message names the event offset, its type and what was
 * wrong ("binlog: event at 1234 (WRITE_ROWS_V1): table db.t column 3 (c):
 * truncated VARCHAR value"). */
#ifndef MS_BINLOG_BINLOG_H
#define MS_BINLOG_BINLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

#define MS_BL_MAGIC                                                            \
	"\xfe"                                                                 \
	"bin"
#define MS_BL_MAGIC_LEN	 4
#define MS_BL_HEADER_LEN 19 /* v4 common header */
#define MS_BL_CRC_LEN	 4
/* Largest event we accept (the server's max_allowed_packet ceiling). */
#define MS_BL_EVENT_MAX ((size_t)1 << 30)

/* Event type codes as written in the header. */
#define MS_BL_EVENT_TYPES(XX)                                                  \
	XX(UNKNOWN, 0)                                                         \
	XX(START_V3, 1)                                                        \
	XX(QUERY, 2)                                                           \
	XX(STOP, 3)                                                            \
	XX(ROTATE, 4)                                                          \
	XX(INTVAR, 5)                                                          \
	XX(LOAD, 6)                                                            \
	XX(SLAVE, 7)                                                           \
	XX(CREATE_FILE, 8)                                                     \
	XX(APPEND_BLOCK, 9)                                                    \
	XX(EXEC_LOAD, 10)                                                      \
	XX(DELETE_FILE, 11)                                                    \
	XX(NEW_LOAD, 12)                                                       \
	XX(RAND, 13)                                                           \
	XX(USER_VAR, 14)                                                       \
	XX(FORMAT_DESCRIPTION, 15)                                             \
	XX(XID, 16)                                                            \
	XX(BEGIN_LOAD_QUERY, 17)                                               \
	XX(EXECUTE_LOAD_QUERY, 18)                                             \
	XX(TABLE_MAP, 19)                                                      \
	XX(PRE_GA_WRITE_ROWS, 20)                                              \
	XX(PRE_GA_UPDATE_ROWS, 21)                                             \
	XX(PRE_GA_DELETE_ROWS, 22)                                             \
	XX(WRITE_ROWS_V1, 23)                                                  \
	XX(UPDATE_ROWS_V1, 24)                                                 \
	XX(DELETE_ROWS_V1, 25)                                                 \
	XX(INCIDENT, 26)                                                       \
	XX(HEARTBEAT, 27)                                                      \
	XX(IGNORABLE, 28)                                                      \
	XX(ROWS_QUERY, 29)                                                     \
	XX(WRITE_ROWS, 30)                                                     \
	XX(UPDATE_ROWS, 31)                                                    \
	XX(DELETE_ROWS, 32)                                                    \
	XX(GTID, 33)                                                           \
	XX(ANONYMOUS_GTID, 34)                                                 \
	XX(PREVIOUS_GTIDS, 35)                                                 \
	XX(TRANSACTION_CONTEXT, 36)                                            \
	XX(VIEW_CHANGE, 37)                                                    \
	XX(XA_PREPARE, 38)                                                     \
	XX(PARTIAL_UPDATE_ROWS, 39)                                            \
	XX(TRANSACTION_PAYLOAD, 40)                                            \
	XX(HEARTBEAT_V2, 41)                                                   \
	XX(GTID_TAGGED, 42)                                                    \
	XX(MARIA_ANNOTATE_ROWS, 160)                                           \
	XX(MARIA_BINLOG_CHECKPOINT, 161)                                       \
	XX(MARIA_GTID, 162)                                                    \
	XX(MARIA_GTID_LIST, 163)                                               \
	XX(MARIA_START_ENCRYPTION, 164)                                        \
	XX(MARIA_QUERY_COMPRESSED, 165)                                        \
	XX(MARIA_WRITE_ROWS_COMPRESSED_V1, 166)                                \
	XX(MARIA_UPDATE_ROWS_COMPRESSED_V1, 167)                               \
	XX(MARIA_DELETE_ROWS_COMPRESSED_V1, 168)                               \
	XX(MARIA_WRITE_ROWS_COMPRESSED, 169)                                   \
	XX(MARIA_UPDATE_ROWS_COMPRESSED, 170)                                  \
	XX(MARIA_DELETE_ROWS_COMPRESSED, 171)

enum ms_bl_type {
#define MS_BL_TYPE_ENUM(name, code) MS_BL_##name = (code),
	MS_BL_EVENT_TYPES(MS_BL_TYPE_ENUM)
#undef MS_BL_TYPE_ENUM
};

/* "WRITE_ROWS_V1", or NULL for a code we do not know. */
const char *ms_bl_type_name(unsigned int type);

/* Column types as written in TABLE_MAP (MYSQL_TYPE_*). */
enum ms_bl_coltype {
	MS_BL_T_DECIMAL = 0,
	MS_BL_T_TINY = 1,
	MS_BL_T_SHORT = 2,
	MS_BL_T_LONG = 3,
	MS_BL_T_FLOAT = 4,
	MS_BL_T_DOUBLE = 5,
	MS_BL_T_NULL = 6,
	MS_BL_T_TIMESTAMP = 7,
	MS_BL_T_LONGLONG = 8,
	MS_BL_T_INT24 = 9,
	MS_BL_T_DATE = 10,
	MS_BL_T_TIME = 11,
	MS_BL_T_DATETIME = 12,
	MS_BL_T_YEAR = 13,
	MS_BL_T_NEWDATE = 14,
	MS_BL_T_VARCHAR = 15,
	MS_BL_T_BIT = 16,
	MS_BL_T_TIMESTAMP2 = 17,
	MS_BL_T_DATETIME2 = 18,
	MS_BL_T_TIME2 = 19,
	MS_BL_T_TYPED_ARRAY = 20, /* MySQL 8.0 multi-valued index, internal */
	MS_BL_T_VECTOR = 242,
	MS_BL_T_INVALID = 243,
	MS_BL_T_BOOL = 244,
	MS_BL_T_JSON = 245,
	MS_BL_T_NEWDECIMAL = 246,
	MS_BL_T_ENUM = 247,
	MS_BL_T_SET = 248,
	MS_BL_T_TINY_BLOB = 249,
	MS_BL_T_MEDIUM_BLOB = 250,
	MS_BL_T_LONG_BLOB = 251,
	MS_BL_T_BLOB = 252,
	MS_BL_T_VAR_STRING = 253,
	MS_BL_T_STRING = 254,
	MS_BL_T_GEOMETRY = 255,
};

/* "VARCHAR", "NEWDECIMAL", ... or NULL. */
const char *ms_bl_coltype_name(unsigned int type);

#define MS_BL_COLLATION_BINARY 63

enum ms_bl_flavor {
	MS_BL_FLAVOR_UNKNOWN = 0,
	MS_BL_FLAVOR_MYSQL,
	MS_BL_FLAVOR_MARIADB,
};

enum ms_bl_checksum {
	MS_BL_CHECKSUM_OFF = 0,
	MS_BL_CHECKSUM_CRC32 = 1,
	MS_BL_CHECKSUM_UNDEF = 255, /* pre-5.6.1 server: no checksum */
};

/* A byte range borrowed from the event (or the arena). Not NUL-terminated
 * unless said so. */
struct ms_bl_bytes {
	const uint8_t *p;
	size_t len;
};

/* ---- values ------------------------------------------------------------ */

enum ms_bl_vkind {
	MS_BL_V_ABSENT =
	    0, /* column not in this image (minimal/partial image) */
	MS_BL_V_NULL,
	MS_BL_V_INT,	  /* n.i (signed) or n.u (is_unsigned); all int types */
	MS_BL_V_FLOAT,	  /* n.f (exact binary32) */
	MS_BL_V_DOUBLE,	  /* n.d */
	MS_BL_V_DECIMAL,  /* text: exact, "-12.340" (scale digits kept) */
	MS_BL_V_YEAR,	  /* n.i: 0 or 1901..2155 */
	MS_BL_V_DATE,	  /* text "YYYY-MM-DD" (zero parts kept: 0000-00-00) */
	MS_BL_V_TIME,	  /* text "[-]H...H:MM:SS[.f...]" fsp digits */
	MS_BL_V_DATETIME, /* text "YYYY-MM-DD HH:MM:SS[.f...]" */
	MS_BL_V_TIMESTAMP, /* text in UTC like DATETIME; n.ts sec/usec */
	MS_BL_V_STRING,	   /* bytes + charset: CHAR/VARCHAR/BINARY/VARBINARY */
	MS_BL_V_BLOB,	   /* bytes + charset: BLOB/TEXT family */
	MS_BL_V_ENUM, /* n.u = 1-based index (0 = ''); text = name if known */
	MS_BL_V_SET,  /* n.u = bitmask; text = "a,b" if names known */
	MS_BL_V_BIT,  /* bytes big-endian, bits in n.u too (<= 64 bits) */
	MS_BL_V_JSON, /* text: canonical JSON (MySQL binary rendered; MariaDB
			 stores JSON as LONGTEXT, which arrives as BLOB) */
	MS_BL_V_JSON_DIFF, /* PARTIAL_UPDATE_ROWS after-image: diff list */
	MS_BL_V_GEOMETRY,  /* n.u = SRID, bytes = WKB (after the 4-byte SRID) */
	MS_BL_V_VECTOR,	   /* bytes: float32 little-endian, len/4 dimensions */
};

/* One operation of a MySQL partial JSON update (binlog_row_value_options=
 * PARTIAL_JSON). */
enum ms_bl_json_op {
	MS_BL_JSON_REPLACE = 0,
	MS_BL_JSON_INSERT = 1,
	MS_BL_JSON_REMOVE = 2,
};

struct ms_bl_json_diff {
	enum ms_bl_json_op op;
	struct ms_bl_bytes path; /* JSON path text, e.g. "$.a[1]" */
	const char *value;	 /* canonical JSON text; NULL for REMOVE */
	size_t value_len;
};

struct ms_bl_value {
	uint8_t kind;	  /* enum ms_bl_vkind */
	bool is_unsigned; /* for MS_BL_V_INT: read n.u, else n.i */
	uint16_t charset; /* collation id for strings/blobs; 63 = binary;
			     0 = not known (no optional metadata) */
	union {
		int64_t i;
		uint64_t u;
		float f;
		double d;
		struct {
			int64_t sec; /* seconds since the epoch (UTC) */
			uint32_t usec;
		} ts;
	} n;
	/* Raw bytes (STRING, BLOB, BIT, GEOMETRY WKB, VECTOR) or rendered
	 * text (DECIMAL, temporal, ENUM/SET names, JSON). Text is also
	 * NUL-terminated. Borrowed from the event or the arena. */
	const uint8_t *p;
	size_t len;
	/* MS_BL_V_JSON_DIFF only */
	const struct ms_bl_json_diff *diffs;
	uint32_t ndiffs;
};

/* ---- table map --------------------------------------------------------- */

struct ms_bl_column {
	uint8_t type;	  /* real type: STRING-packed ENUM/SET resolved */
	uint8_t map_type; /* type as written in the TABLE_MAP */
	/* Type metadata from the TABLE_MAP. Two-byte metadata is
	 * (first byte << 8 | second byte): STRING/ENUM/SET (real type,
	 * length), NEWDECIMAL (precision, scale), BIT (bits % 8, bytes);
	 * except VARCHAR/VAR_STRING: the little-endian maximum byte length.
	 * One-byte metadata is the byte: FLOAT/DOUBLE size, BLOB/TEXT/JSON/
	 * GEOMETRY/VECTOR length bytes, TIME2/DATETIME2/TIMESTAMP2 fsp.
	 * For a STRING-packed ENUM/SET <type> is ENUM/SET and meta keeps
	 * the packed form. */
	uint16_t meta;
	bool nullable;
	int8_t is_unsigned; /* 1/0 from optional metadata, -1 unknown */
	int8_t visible;	    /* 1/0 from optional metadata, -1 unknown */
	bool pk;	    /* part of the primary key (optional metadata) */
	uint16_t charset;   /* collation id, 0 unknown */
	uint16_t pk_prefix; /* prefix length of the key part, 0 = whole */
	uint32_t geometry_type; /* optional metadata, 0 unknown/GEOMETRY */
	uint32_t vector_dim;	/* VECTOR dimensions when known, else 0 */
	const char *name;	/* NULL when the binlog has no names */
	uint32_t nstrings;	/* ENUM/SET value names when known */
	const struct ms_bl_bytes *strings;
};

struct ms_bl_table_map {
	uint64_t table_id;
	uint16_t flags;
	const char *schema; /* NUL-terminated */
	const char *table;
	uint32_t ncols;
	struct ms_bl_column *cols;
	bool has_signedness, has_charsets, has_names, has_pk, has_visibility,
	    has_enum_set_strings;
};

/* ---- rows -------------------------------------------------------------- */

/* One row change: <before> for UPDATE/DELETE, <after> for WRITE/UPDATE;
 * the other is NULL. Each is an array of table-map ncols values, where
 * columns missing from the image are MS_BL_V_ABSENT. */
struct ms_bl_row {
	struct ms_bl_value *before;
	struct ms_bl_value *after;
};

enum ms_bl_rows_op {
	MS_BL_ROWS_WRITE = 1,
	MS_BL_ROWS_UPDATE,
	MS_BL_ROWS_DELETE,
	MS_BL_ROWS_PARTIAL_UPDATE, /* MySQL PARTIAL_UPDATE_ROWS */
};

#define MS_BL_ROWS_F_STMT_END 0x0001 /* last rows event of the statement */
#define MS_BL_ROWS_F_NO_FK    0x0002
#define MS_BL_ROWS_F_NO_UK    0x0004
#define MS_BL_ROWS_F_COMPLETE 0x0008

struct ms_bl_rows {
	enum ms_bl_rows_op op;
	uint8_t version; /* 0 (pre-GA), 1 or 2 */
	bool compressed; /* MariaDB *_ROWS_COMPRESSED */
	uint64_t table_id;
	uint16_t flags;			  /* MS_BL_ROWS_F_* */
	const struct ms_bl_table_map *tm; /* owned by the decoder */
	struct ms_bl_bytes extra;	  /* v2 extra data, raw */
	bool has_ndb_info;
	int32_t partition_id;	     /* -1 when absent */
	int32_t source_partition_id; /* -1 when absent */
	uint32_t ncols;		     /* columns in the event (<= tm->ncols) */
	uint32_t nrows;
	struct ms_bl_row *rows;
};

/* ---- other event bodies ------------------------------------------------ */

struct ms_bl_fde {
	uint16_t binlog_version;
	char server_version[51]; /* NUL-terminated */
	uint32_t create_timestamp;
	uint8_t header_len;
	uint8_t checksum; /* enum ms_bl_checksum */
	enum ms_bl_flavor flavor;
	uint32_t ntypes; /* post-header lengths known */
	uint8_t post_header_len[256];
};

/* Status variables of a QUERY event that matter for replay. The has_*
 * flags say which were present. */
struct ms_bl_query {
	uint32_t thread_id;
	uint32_t exec_time;
	uint16_t error_code;
	const char *schema; /* NUL-terminated, "" when none */
	struct ms_bl_bytes sql;
	bool compressed; /* MariaDB QUERY_COMPRESSED */
	bool has_flags2, has_sql_mode, has_charset, has_time_zone,
	    has_auto_increment, has_lc_time_names, has_charset_database,
	    has_table_map_for_update, has_ddl_xid, has_default_collation;
	uint32_t flags2;
	uint64_t sql_mode;
	uint16_t charset_client, collation_connection, collation_server;
	const char *time_zone; /* NUL-terminated, NULL when absent */
	uint16_t auto_increment_increment, auto_increment_offset;
	uint16_t lc_time_names;
	uint16_t charset_database;
	uint16_t default_collation_for_utf8mb4;
	uint64_t ddl_xid;
	const char *catalog; /* NULL when absent */
};

struct ms_bl_rotate {
	uint64_t position;
	const char *name; /* NUL-terminated */
};

/* A MySQL GTID (GTID, ANONYMOUS_GTID, GTID_TAGGED) or a MariaDB GTID. */
struct ms_bl_gtid {
	bool mariadb;
	/* MySQL */
	uint8_t uuid[16];
	const char *tag; /* tagged GTIDs (8.4+), else NULL */
	int64_t gno;
	uint8_t flags; /* MySQL: commit flag; MariaDB: FL_* flags */
	bool has_logical_clock;
	int64_t last_committed, sequence_number;
	bool has_commit_ts;
	uint64_t original_commit_us, immediate_commit_us;
	uint64_t transaction_length;
	uint32_t original_server_version, immediate_server_version;
	/* MariaDB */
	uint32_t domain_id;
	uint32_t server_id; /* from the event header */
	uint64_t seq_no;
	uint64_t commit_id; /* group commit id when FL_GROUP_COMMIT_ID */
	bool has_xa;
	struct ms_bl_bytes xid; /* FL_PREPARED_XA/FL_COMPLETED_XA */
};

#define MS_BL_MARIA_FL_STANDALONE      0x01
#define MS_BL_MARIA_FL_GROUP_COMMIT_ID 0x02
#define MS_BL_MARIA_FL_TRANSACTIONAL   0x04
#define MS_BL_MARIA_FL_ALLOW_PARALLEL  0x08
#define MS_BL_MARIA_FL_WAITED	       0x10
#define MS_BL_MARIA_FL_DDL	       0x20
#define MS_BL_MARIA_FL_PREPARED_XA     0x40
#define MS_BL_MARIA_FL_COMPLETED_XA    0x80

/* MySQL GTID set (PREVIOUS_GTIDS): intervals are half-open [start, end). */
struct ms_bl_gtid_interval {
	int64_t start, end;
};
struct ms_bl_gtid_sid {
	uint8_t uuid[16];
	const char *tag; /* NULL when untagged */
	uint32_t nintervals;
	struct ms_bl_gtid_interval *intervals;
};
struct ms_bl_gtid_set {
	uint32_t nsids;
	struct ms_bl_gtid_sid *sids;
};

/* MariaDB GTID_LIST. */
struct ms_bl_maria_gtid {
	uint32_t domain_id, server_id;
	uint64_t seq_no;
};
struct ms_bl_gtid_list {
	uint32_t count;
	uint8_t flags; /* top 4 bits of the count word */
	struct ms_bl_maria_gtid *gtids;
};

struct ms_bl_intvar {
	uint8_t type; /* 1 LAST_INSERT_ID, 2 INSERT_ID */
	uint64_t value;
};
struct ms_bl_rand {
	uint64_t seed1, seed2;
};
struct ms_bl_user_var {
	const char *name; /* NUL-terminated */
	bool is_null;
	uint8_t type; /* Item_result: 0 STRING, 1 REAL, 2 INT, 4 DECIMAL */
	uint32_t charset;
	struct ms_bl_bytes value; /* raw; DECIMAL rendered as text in <text> */
	const char *text;	  /* rendered value, NULL when is_null */
	bool is_unsigned;
};

struct ms_bl_heartbeat {
	const char *log_name; /* NUL-terminated */
	uint64_t position;    /* v2 only; else the header log_pos */
};

struct ms_bl_xa_prepare {
	bool one_phase;
	int32_t format_id;
	struct ms_bl_bytes gtrid, bqual;
};

struct ms_bl_incident {
	uint16_t type;
	struct ms_bl_bytes message;
};

struct ms_bl_event;

/* MySQL TRANSACTION_PAYLOAD: the inner events, decoded. */
struct ms_bl_payload {
	uint64_t compression;  /* 0 zstd, 255 none */
	uint64_t payload_size; /* compressed */
	uint64_t uncompressed_size;
	uint32_t nevents;
	struct ms_bl_event *events;
};

/* ---- the event --------------------------------------------------------- */

struct ms_bl_header {
	uint32_t timestamp;
	uint8_t type;
	uint32_t server_id;
	uint32_t event_size;
	uint32_t log_pos; /* end of this event in the source file; 0 inside a
			     payload or for artificial events */
	uint16_t flags;
};

#define MS_BL_LOG_EVENT_ARTIFICIAL_F 0x0020

enum ms_bl_kind {
	MS_BL_K_SKIPPED = 0, /* known but not decoded, or unknown/ignorable */
	MS_BL_K_FDE,
	MS_BL_K_START_V3,
	MS_BL_K_ROTATE,
	MS_BL_K_STOP,
	MS_BL_K_HEARTBEAT,
	MS_BL_K_QUERY,
	MS_BL_K_XID,
	MS_BL_K_GTID, /* MySQL GTID/anonymous/tagged, MariaDB GTID */
	MS_BL_K_PREVIOUS_GTIDS,
	MS_BL_K_GTID_LIST, /* MariaDB */
	MS_BL_K_BINLOG_CHECKPOINT,
	MS_BL_K_TABLE_MAP,
	MS_BL_K_ROWS,
	MS_BL_K_ROWS_QUERY, /* MySQL ROWS_QUERY and MariaDB ANNOTATE_ROWS */
	MS_BL_K_PAYLOAD,
	MS_BL_K_INTVAR,
	MS_BL_K_RAND,
	MS_BL_K_USER_VAR,
	MS_BL_K_XA_PREPARE,
	MS_BL_K_INCIDENT,
};

struct ms_bl_event {
	struct ms_bl_header h;
	uint64_t offset; /* of the first header byte in the stream */
	enum ms_bl_kind kind;
	/* INTVAR, RAND, USER_VAR (and LOAD-family events): they only make
	 * sense when replaying statements; rows replication must not see
	 * them in a transaction it applies. */
	bool statement_only;
	const char *skip_reason; /* MS_BL_K_SKIPPED: why (static text) */
	struct ms_bl_bytes body; /* after the header, before the CRC */
	union {
		struct ms_bl_fde fde;
		struct ms_bl_rotate rotate;
		struct ms_bl_heartbeat heartbeat;
		struct ms_bl_query query;
		uint64_t xid;
		struct ms_bl_gtid gtid;
		struct ms_bl_gtid_set gtid_set;
		struct ms_bl_gtid_list gtid_list;
		const char *checkpoint_file;		 /* BINLOG_CHECKPOINT */
		const struct ms_bl_table_map *table_map; /* decoder-owned */
		struct ms_bl_rows rows;
		struct ms_bl_bytes rows_query;
		struct ms_bl_payload payload;
		struct ms_bl_intvar intvar;
		struct ms_bl_rand rand;
		struct ms_bl_user_var user_var;
		struct ms_bl_xa_prepare xa;
		struct ms_bl_incident incident;
	} u;
};

/* ---- the decoder ------------------------------------------------------- */

struct ms_bl_decoder;

struct ms_bl_options {
	bool verify_checksum; /* default true */
	/* Decode row values; when false rows events give nrows and images
	 * are left NULL (faster scans). Default true. */
	bool decode_rows;
	/* Until an FDE is seen: assume this server version (for streams
	 * that start mid-file, e.g. COM_BINLOG_DUMP always sends the FDE,
	 * so NULL is fine). */
	const char *assume_version;
	/* Checksum of events that come before the first FDE: a replication
	 * stream's artificial ROTATE carries one when the connection set
	 * @master_binlog_checksum. MS_BL_CHECKSUM_UNDEF (default): none. */
	uint8_t checksum_before_fde;
};

void ms_bl_options_default(struct ms_bl_options *o);

/* NULL when out of memory. */
struct ms_bl_decoder *ms_bl_decoder_new(const struct ms_bl_options *o);
void ms_bl_decoder_free(struct ms_bl_decoder *d);

/* The FORMAT_DESCRIPTION in force (a default v4 one before any is seen). */
const struct ms_bl_fde *ms_bl_decoder_fde(const struct ms_bl_decoder *d);

/* The table map registered for <table_id>, or NULL. */
const struct ms_bl_table_map *ms_bl_decoder_table(const struct ms_bl_decoder *d,
						  uint64_t table_id);

/* Forgets every table map. Rows events always follow their statement's
 * TABLE_MAP events, so this is safe between statements; call it when no
 * decoded rows event is still in use (table maps are otherwise kept until
 * their table id is mapped again, which bounds memory by the number of
 * distinct table ids seen). */
void ms_bl_decoder_release_tables(struct ms_bl_decoder *d);

/* Decodes one complete event (<len> bytes from the first header byte to the
 * end of its checksum) found at stream offset <offset>. Fills <ev>. Returns
 * 0 or a negative MS_E* code with <err> filled. A skipped event is not an
 * error: ev->kind is MS_BL_K_SKIPPED and ev->skip_reason says why. */
int ms_bl_decode(struct ms_bl_decoder *d, struct ms_arena *a,
		 const uint8_t *buf, size_t len, uint64_t offset,
		 struct ms_bl_event *ev, struct ms_err *err) MS_WUR;

/* Splits a stream of whole events (no magic: the inside of a
 * TRANSACTION_PAYLOAD, a relay of events) at *pos: returns 1 with the next
 * event in <ev>/<evlen> and *pos advanced, 0 at the end, or MS_ECORRUPT
 * naming the offset and sizes when the header or the event is cut short. */
int ms_bl_next_event(const uint8_t *buf, size_t size, uint64_t *pos,
		     const uint8_t **ev, size_t *evlen,
		     struct ms_err *err) MS_WUR;

/* Splits a binlog file image: checks the magic (at *pos == 0) and returns
 * the next event's bytes in <ev>/<evlen>, advancing *pos. Returns 1 when an
 * event was returned, 0 at a clean end, or MS_ECORRUPT when the file is not
 * a binlog ("bad magic") or the last event is truncated (the message gives
 * the offset and the sizes). */
int ms_bl_next(const uint8_t *file, size_t size, uint64_t *pos,
	       const uint8_t **ev, size_t *evlen, struct ms_err *err) MS_WUR;

/* ---- rendering --------------------------------------------------------- */

struct ms_buf;

/* Appends one event as a single JSON object (no newline) to <out>: header
 * fields, type, and the typed body, with row values typed as described in
 * docs/binlog.md. Inner events of a payload are nested in "events". */
int ms_bl_event_json(const struct ms_bl_event *ev, struct ms_buf *out) MS_WUR;

/* Appends a value as a JSON value (see docs/binlog.md for the mapping). */
int ms_bl_value_json(const struct ms_bl_value *v, struct ms_buf *out) MS_WUR;

/* Formats a 16-byte UUID as 8-4-4-4-12 lowercase hex into <out> (37 bytes). */
void ms_bl_uuid_str(const uint8_t uuid[16], char out[37]);

#endif

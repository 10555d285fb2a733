/* The MySQL client/server protocol codec the proxy speaks on both sides:
 * packet framing, the v10 handshake, authentication arithmetic, OK/ERR/EOF,
 * session-state tracking, the response state machine, prepared-statement
 * packets and a statement classifier. Pure: no I/O, no globals; output goes
 * to caller-given buffers (size-capped ms_buf) and parsed views point into
 * the caller's input (borrowed, valid while the input is). Every parser
 * takes an explicit length and never reads past it; malformed input is
 * MS_ECORRUPT with a message naming the packet and field,
 * never an assert. See docs/proto.md. Reference: the MySQL "Client/Server
 * Protocol" pages (dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL)
 * and MariaDB's (mariadb.com/kb/en/clientserver-protocol). */
#ifndef MS_PROTO_PROTO_H
#define MS_PROTO_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

/* ---- constants ---------------------------------------------------------- */

#define MS_PROTO_HDR	      4		/* 3-byte length + 1-byte sequence */
#define MS_PROTO_MAX_FRAG     0xffffffu /* a fragment this long continues */
#define MS_PROTO_SCRAMBLE_LEN 20

/* Capability flags (lower 32 bits as on the wire). */
#define MS_CLIENT_LONG_PASSWORD	     0x00000001u /* MariaDB: CLIENT_MYSQL */
#define MS_CLIENT_FOUND_ROWS	     0x00000002u
#define MS_CLIENT_LONG_FLAG	     0x00000004u
#define MS_CLIENT_CONNECT_WITH_DB    0x00000008u
#define MS_CLIENT_NO_SCHEMA	     0x00000010u
#define MS_CLIENT_COMPRESS	     0x00000020u
#define MS_CLIENT_ODBC		     0x00000040u
#define MS_CLIENT_LOCAL_FILES	     0x00000080u
#define MS_CLIENT_IGNORE_SPACE	     0x00000100u
#define MS_CLIENT_PROTOCOL_41	     0x00000200u
#define MS_CLIENT_INTERACTIVE	     0x00000400u
#define MS_CLIENT_SSL		     0x00000800u
#define MS_CLIENT_IGNORE_SIGPIPE     0x00001000u
#define MS_CLIENT_TRANSACTIONS	     0x00002000u
#define MS_CLIENT_RESERVED	     0x00004000u
#define MS_CLIENT_SECURE_CONNECTION  0x00008000u
#define MS_CLIENT_MULTI_STATEMENTS   0x00010000u
#define MS_CLIENT_MULTI_RESULTS	     0x00020000u
#define MS_CLIENT_PS_MULTI_RESULTS   0x00040000u
#define MS_CLIENT_PLUGIN_AUTH	     0x00080000u
#define MS_CLIENT_CONNECT_ATTRS	     0x00100000u
#define MS_CLIENT_PLUGIN_AUTH_LENENC 0x00200000u
#define MS_CLIENT_CAN_HANDLE_EXPIRED 0x00400000u
#define MS_CLIENT_SESSION_TRACK	     0x00800000u
#define MS_CLIENT_DEPRECATE_EOF	     0x01000000u
#define MS_CLIENT_QUERY_ATTRIBUTES   0x08000000u
#define MS_CLIENT_SSL_VERIFY_CERT    0x40000000u

/* What the proxy offers clients and asks of backends: what MySQL 5.7/8,
 * Aurora and MariaDB 10.x all do, so a session can move between them with
 * the same capabilities. No compression, no query attributes, no MariaDB
 * extended capabilities. MS_CLIENT_SSL is added when TLS is configured. */
#define MS_PROXY_CAPS                                                          \
	(MS_CLIENT_LONG_PASSWORD | MS_CLIENT_FOUND_ROWS |                      \
	 MS_CLIENT_LONG_FLAG | MS_CLIENT_CONNECT_WITH_DB |                     \
	 MS_CLIENT_NO_SCHEMA | MS_CLIENT_ODBC | MS_CLIENT_LOCAL_FILES |        \
	 MS_CLIENT_IGNORE_SPACE | MS_CLIENT_PROTOCOL_41 |                      \
	 MS_CLIENT_INTERACTIVE | MS_CLIENT_IGNORE_SIGPIPE |                    \
	 MS_CLIENT_TRANSACTIONS | MS_CLIENT_RESERVED |                         \
	 MS_CLIENT_SECURE_CONNECTION | MS_CLIENT_MULTI_STATEMENTS |            \
	 MS_CLIENT_MULTI_RESULTS | MS_CLIENT_PS_MULTI_RESULTS |                \
	 MS_CLIENT_PLUGIN_AUTH | MS_CLIENT_CONNECT_ATTRS |                     \
	 MS_CLIENT_PLUGIN_AUTH_LENENC | MS_CLIENT_CAN_HANDLE_EXPIRED |         \
	 MS_CLIENT_SESSION_TRACK | MS_CLIENT_DEPRECATE_EOF)

/* Server status flags. */
#define MS_SERVER_STATUS_IN_TRANS	   0x0001
#define MS_SERVER_STATUS_AUTOCOMMIT	   0x0002
#define MS_SERVER_MORE_RESULTS_EXISTS	   0x0008
#define MS_SERVER_STATUS_CURSOR_EXISTS	   0x0040
#define MS_SERVER_STATUS_LAST_ROW_SENT	   0x0080
#define MS_SERVER_STATUS_IN_TRANS_READONLY 0x2000
#define MS_SERVER_SESSION_STATE_CHANGED	   0x4000

/* Commands. */
enum ms_com {
	MS_COM_SLEEP = 0x00,
	MS_COM_QUIT = 0x01,
	MS_COM_INIT_DB = 0x02,
	MS_COM_QUERY = 0x03,
	MS_COM_FIELD_LIST = 0x04,
	MS_COM_STATISTICS = 0x09,
	MS_COM_PROCESS_KILL = 0x0c,
	MS_COM_PING = 0x0e,
	MS_COM_CHANGE_USER = 0x11,
	MS_COM_STMT_PREPARE = 0x16,
	MS_COM_STMT_EXECUTE = 0x17,
	MS_COM_STMT_SEND_LONG_DATA = 0x18,
	MS_COM_STMT_CLOSE = 0x19,
	MS_COM_STMT_RESET = 0x1a,
	MS_COM_SET_OPTION = 0x1b,
	MS_COM_STMT_FETCH = 0x1c,
	MS_COM_RESET_CONNECTION = 0x1f,
};

/* Session-state-tracking entry types (OK packet, CLIENT_SESSION_TRACK). */
enum ms_track_type {
	MS_TRACK_SYSTEM_VARIABLES = 0,
	MS_TRACK_SCHEMA = 1,
	MS_TRACK_STATE_CHANGE = 2,
	MS_TRACK_GTIDS = 3,
	MS_TRACK_TRANSACTION_CHARACTERISTICS = 4,
	MS_TRACK_TRANSACTION_STATE = 5,
};

/* ---- framing ------------------------------------------------------------ */

/* Reads a packet header at <p> (at least MS_PROTO_HDR bytes, borrowed):
 * the payload length of this fragment and its sequence id. A fragment of
 * MS_PROTO_MAX_FRAG bytes is followed by another of the same logical
 * packet (the last one is shorter, possibly empty). */
void ms_proto_hdr_read(const uint8_t *p, uint32_t *len, uint8_t *seq);
/* Writes a header for <len> (< 2^24) and <seq> into <p> (4 bytes). */
void ms_proto_hdr_write(uint8_t *p, uint32_t len, uint8_t seq);

/* Appends <payload> (<n> bytes, borrowed; any size) to <out> as one logical
 * packet, split into fragments, the first with sequence <seq>; *<next_seq>
 * (may be NULL) gets the sequence after the last fragment. Returns 0 or a
 * buffer error. */
int ms_proto_packet_add(struct ms_buf *out, uint8_t seq, const void *payload,
			size_t n, uint8_t *next_seq) MS_WUR;

/* ---- reading and writing fields ----------------------------------------- */

/* A bounds-checked reader over one payload. Reads past the end set <bad>
 * and return zeros/empty views; check <bad> once at the end. */
struct ms_rd {
	const uint8_t *p;
	size_t n;
	size_t off;
	bool bad;
};

void ms_rd_init(struct ms_rd *r, const void *p, size_t n);
size_t ms_rd_left(const struct ms_rd *r);
uint8_t ms_rd_u8(struct ms_rd *r);
uint16_t ms_rd_u16(struct ms_rd *r);
uint32_t ms_rd_u24(struct ms_rd *r);
uint32_t ms_rd_u32(struct ms_rd *r);
uint64_t ms_rd_u64(struct ms_rd *r);
/* A length-encoded integer; 0xfb (NULL) and 0xff set <bad>, and so does
 * 0xfb when <null> is NULL; with <null>, 0xfb sets *<null> and returns 0. */
uint64_t ms_rd_lenenc(struct ms_rd *r, bool *null);
/* Views into the payload (borrowed): <n> bytes, a NUL-terminated string
 * (the NUL is consumed, not counted), a length-encoded string, the rest. */
const uint8_t *ms_rd_bytes(struct ms_rd *r, size_t n);
const uint8_t *ms_rd_nulstr(struct ms_rd *r, size_t *len);
const uint8_t *ms_rd_lenstr(struct ms_rd *r, size_t *len);
const uint8_t *ms_rd_rest(struct ms_rd *r, size_t *len);

/* Appenders; each returns 0 or a buffer error. */
int ms_wr_u8(struct ms_buf *b, uint8_t v) MS_WUR;
int ms_wr_u16(struct ms_buf *b, uint16_t v) MS_WUR;
int ms_wr_u24(struct ms_buf *b, uint32_t v) MS_WUR;
int ms_wr_u32(struct ms_buf *b, uint32_t v) MS_WUR;
int ms_wr_u64(struct ms_buf *b, uint64_t v) MS_WUR;
int ms_wr_lenenc(struct ms_buf *b, uint64_t v) MS_WUR;
int ms_wr_lenstr(struct ms_buf *b, const void *p, size_t n) MS_WUR;
/* <s> plus a NUL byte. */
int ms_wr_nulstr(struct ms_buf *b, const char *s) MS_WUR;

/* A borrowed byte string inside a packet. */
struct ms_view {
	const uint8_t *p;
	size_t n;
};

/* ---- handshake ---------------------------------------------------------- */

/* The server greeting (Protocol::HandshakeV10). */
struct ms_greeting {
	char server_version[96]; /* NUL-terminated, cut to fit */
	uint32_t conn_id;
	uint8_t scramble[MS_PROTO_SCRAMBLE_LEN + 12]; /* part 1 + part 2 */
	size_t scramble_len;			      /* 20 normally */
	uint32_t caps;	       /* lower 32 capability bits */
	uint32_t mariadb_caps; /* MariaDB extended capabilities (parse) */
	uint8_t charset;
	uint16_t status;
	char auth_plugin[64]; /* "" when none */
};

/* Appends greeting <g> as a payload (no header) to <out>, with
 * mariadb_caps written as 0 and the capability bit MS_CLIENT_LONG_PASSWORD
 * set, so MariaDB clients see a MySQL-style server. */
int ms_proto_greeting_encode(struct ms_buf *out,
			     const struct ms_greeting *g) MS_WUR;
/* Parses a greeting payload; an ERR packet (0xff) instead of a greeting
 * (e.g. "Host is not allowed", "Too many connections") is MS_ECONNECT with
 * the server's message in <err>; protocol versions other than 10 and
 * truncated or oversized fields are MS_ECORRUPT. */
int ms_proto_greeting_parse(const uint8_t *p, size_t n, struct ms_greeting *g,
			    struct ms_err *err) MS_WUR;

/* A client's HandshakeResponse41, or an SSLRequest (the first 32 bytes of
 * one, sent before the TLS handshake: <ssl_request> true, only caps,
 * max_packet and charset set). Views borrow from the parsed payload. */
struct ms_hs_response {
	bool ssl_request;
	uint32_t caps;
	uint32_t max_packet;
	uint8_t charset;
	struct ms_view user;   /* without the NUL */
	struct ms_view auth;   /* auth response bytes */
	struct ms_view db;     /* empty without CONNECT_WITH_DB */
	struct ms_view plugin; /* empty without PLUGIN_AUTH */
	struct ms_view attrs;  /* raw connection attributes, lenenc-prefixed
				  block's content; empty without them */
};

/* Parses a HandshakeResponse41 or SSLRequest payload. Responses without
 * CLIENT_PROTOCOL_41 are MS_EUNSUPPORTED ("pre-4.1 clients are not
 * supported"); a user over 256 bytes, a schema over 256 bytes or an auth
 * response over 1 KB are MS_ECORRUPT. */
int ms_proto_hs_response_parse(const uint8_t *p, size_t n,
			       struct ms_hs_response *r,
			       struct ms_err *err) MS_WUR;

/* Appends a HandshakeResponse41 payload for <r> (views borrowed; the auth
 * response written lenenc when caps has PLUGIN_AUTH_LENENC, else with a
 * 1-byte length; db and plugin only when their caps are set; attrs when
 * CONNECT_ATTRS is set, as a lenenc block holding attrs). With
 * r->ssl_request, appends the 32-byte SSLRequest instead. */
int ms_proto_hs_response_encode(struct ms_buf *out,
				const struct ms_hs_response *r) MS_WUR;

/* An AuthSwitchRequest (0xfe, plugin name, data) or AuthMoreData (0x01,
 * data) from a server. */
struct ms_auth_switch {
	struct ms_view plugin;
	struct ms_view data; /* trailing NUL of the scramble not included */
};
int ms_proto_auth_switch_parse(const uint8_t *p, size_t n,
			       struct ms_auth_switch *s,
			       struct ms_err *err) MS_WUR;
/* Appends an AuthSwitchRequest payload: 0xfe, <plugin>, NUL, <data>, NUL. */
int ms_proto_auth_switch_encode(struct ms_buf *out, const char *plugin,
				const uint8_t *data, size_t n) MS_WUR;

/* ---- authentication arithmetic (OpenSSL's SHA1/SHA256) -------------------
 * mysql_native_password: the server stores stage2 = SHA1(SHA1(pw)) (shown
 * as "*" + 40 hex digits); the client replies SHA1(pw) XOR
 * SHA1(scramble || stage2). The proxy checks a reply and, when it is right,
 * learns stage1 = SHA1(pw), enough to answer any backend's scramble without
 * ever seeing the password. caching_sha2_password's fast path: the client
 * replies SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) || scramble). */

/* Parses "*" + 40 hex digits (any case) into <stage2>. MS_EINVAL
 * otherwise. */
int ms_auth_native_hash_parse(const char *s, size_t n,
			      uint8_t stage2[20]) MS_WUR;
/* stage1 and stage2 of <pw> (<n> bytes). Either output may be NULL. */
void ms_auth_native_hash(const void *pw, size_t n, uint8_t stage1[20],
			 uint8_t stage2[20]);
/* True when <reply> (<reply_len> bytes) answers <scramble> (20 bytes) for
 * <stage2>; then <stage1_out> (may be NULL) gets SHA1(pw). An empty reply
 * is right only for an all-zero <stage2> (the empty password, which the
 * caller represents so). Constant-time comparison. */
bool ms_auth_native_check(const uint8_t stage2[20], const uint8_t *scramble,
			  const uint8_t *reply, size_t reply_len,
			  uint8_t stage1_out[20]);
/* The reply to a server <scramble> (20 bytes) from <stage1>. */
void ms_auth_native_reply(const uint8_t stage1[20], const uint8_t *scramble,
			  uint8_t out[20]);
/* SHA256(SHA256(pw)) of <pw>, what the fast path checks against. */
void ms_auth_sha2_hash(const void *pw, size_t n, uint8_t dbl[32]);
/* True when the 32-byte <reply> answers <scramble> (20 bytes) for <dbl>;
 * then <sha_out> (may be NULL) gets SHA256(pw). */
bool ms_auth_sha2_check(const uint8_t dbl[32], const uint8_t *scramble,
			const uint8_t *reply, size_t reply_len,
			uint8_t sha_out[32]);

/* ---- OK, ERR, EOF ---------------------------------------------------------
 */

struct ms_ok {
	uint8_t header; /* 0x00, or 0xfe for an OK that ends a result set */
	uint64_t affected_rows;
	uint64_t insert_id;
	uint16_t status;
	uint16_t warnings;
	struct ms_view info;  /* human-readable info */
	struct ms_view state; /* session-state block, when the status has
				 SESSION_STATE_CHANGED and caps SESSION_TRACK */
};

/* True when a packet (first byte <b0>, fragment length <len>) is an OK
 * packet in a command response (0x00), or an EOF/OK terminator (0xfe with
 * len < 9, or with DEPRECATE_EOF any len < MS_PROTO_MAX_FRAG). */
bool ms_proto_is_ok(const uint8_t *p, size_t len);
bool ms_proto_is_eof(const uint8_t *p, size_t len, uint32_t caps);
bool ms_proto_is_err(const uint8_t *p, size_t len);

/* Parses an OK packet (0x00 or 0xfe header) as sent with capabilities
 * <caps> (SESSION_TRACK changes the info field's encoding). */
int ms_proto_ok_parse(const uint8_t *p, size_t n, uint32_t caps,
		      struct ms_ok *ok, struct ms_err *err) MS_WUR;
/* Appends an OK payload for <caps>: info and state encoded as <caps>
 * requires; the state block is written only when caps has SESSION_TRACK
 * and ok->status has SESSION_STATE_CHANGED (which is cleared otherwise).
 * Used to re-encode a backend's OK for a client without session
 * tracking. */
int ms_proto_ok_encode(struct ms_buf *out, const struct ms_ok *ok,
		       uint32_t caps) MS_WUR;

struct ms_errpkt {
	uint16_t code;
	char sqlstate[6]; /* 5 characters and a NUL ("HY000" when absent) */
	struct ms_view msg;
};
int ms_proto_err_parse(const uint8_t *p, size_t n, struct ms_errpkt *e,
		       struct ms_err *err) MS_WUR;
/* Appends an ERR payload with <code>, <sqlstate> (5 characters) and the
 * formatted message. */
int ms_proto_err_encode(struct ms_buf *out, uint16_t code, const char *sqlstate,
			const char *fmt, ...) MS_PRINTF(4, 5) MS_WUR;
/* Appends a pre-4.1-style EOF payload (0xfe, warnings, status). */
int ms_proto_eof_encode(struct ms_buf *out, uint16_t warnings,
			uint16_t status) MS_WUR;
/* Reads the status flags of an EOF packet (0 when too short). */
uint16_t ms_proto_eof_status(const uint8_t *p, size_t n);

/* One entry of a session-state block. For SYSTEM_VARIABLES <name> and
 * <value> are set; for SCHEMA <name>; for TRANSACTION_* <value> holds the
 * entry's string; for STATE_CHANGE <value> is the entry's data ("1", not
 * length-encoded: what MySQL and MariaDB send); for GTIDS <value> is the
 * GTID string after the encoding byte (callers may skip them). */
struct ms_track {
	enum ms_track_type type;
	struct ms_view name;
	struct ms_view value;
};
/* Walks <state> (ms_ok.state): call with *<off> = 0; returns 1 with the next
 * entry in <t>, 0 at the end, or MS_ECORRUPT. Unknown types are returned
 * with their raw data in <value>. */
int ms_proto_track_next(const struct ms_view *state, size_t *off,
			struct ms_track *t, struct ms_err *err) MS_WUR;

/* ---- responses -------------------------------------------------------------
 * Follows a backend's response to one command, packet by packet, to know
 * where it ends, whether another result follows, the final status flags,
 * and for COM_STMT_PREPARE the statement id and counts. Feed it the first
 * fragment of each logical packet (continuation fragments of a packet of
 * MS_PROTO_MAX_FRAG bytes are not fed). */

enum ms_resp_ev {
	MS_RESP_MORE = 0,   /* more packets belong to this response */
	MS_RESP_DONE = 1,   /* the response is complete */
	MS_RESP_INFILE = 2, /* LOCAL INFILE request: the client sends file
			       packets, then an empty one; then call
			       ms_resp_infile_sent and go on feeding */
};

struct ms_resp {
	uint8_t cmd;
	uint32_t caps;
	int state;	  /* internal */
	uint64_t left;	  /* internal: column or param defs to come */
	uint64_t columns; /* of the current result set */
	bool binary;	  /* binary-protocol rows (EXECUTE, FETCH) */
	bool cursor;	  /* EXECUTE opened a cursor (no rows follow) */
	uint16_t status;  /* status flags of the last OK/EOF seen */
	bool status_seen; /* <status> is from this response */
	bool ok;	  /* the last packet was an OK (ms_proto_ok_parse);
			     never a prepare OK */
	bool err;	  /* the response ended with an ERR */
	uint64_t rows;	  /* row packets seen, all result sets */
	/* COM_STMT_PREPARE */
	uint32_t stmt_id;
	uint16_t num_params;
	uint16_t num_columns;
	/* COM_CHANGE_USER answered by an AuthSwitchRequest (0xfe) or
	 * AuthMoreData (0x01): the machine is DONE, the auth exchange goes on
	 * outside it (the caller ends it with the server's OK or ERR). */
	bool auth_switch;
};

/* Starts following the response to command <cmd> sent with capabilities
 * <caps>. Commands that get no response (QUIT, STMT_CLOSE,
 * STMT_SEND_LONG_DATA) must not be started; ms_proto_com_has_response
 * says which. */
void ms_resp_start(struct ms_resp *r, uint8_t cmd, uint32_t caps);
bool ms_proto_com_has_response(uint8_t cmd);
/* Feeds one packet: <p> holds its first <avail> bytes (at least
 * min(len, 16) when available; the whole packet for OK and ERR packets),
 * <len> is its fragment length. Returns an ms_resp_ev or MS_ECORRUPT for a
 * packet that cannot come in this state (message names the command and
 * the state). */
int ms_resp_feed(struct ms_resp *r, const uint8_t *p, size_t avail,
		 uint32_t len, struct ms_err *err) MS_WUR;
void ms_resp_infile_sent(struct ms_resp *r);

/* ---- prepared statements ------------------------------------------------ */

/* A COM_STMT_EXECUTE payload, parsed against the statement's <num_params>.
 */
struct ms_exec {
	uint32_t stmt_id;
	uint8_t flags;	      /* cursor type */
	bool new_params;      /* new-params-bound flag */
	struct ms_view types; /* 2 * num_params bytes when new_params */
	size_t types_off;     /* offset of the bound flag in the payload */
};
int ms_proto_exec_parse(const uint8_t *p, size_t n, uint16_t num_params,
			struct ms_exec *e, struct ms_err *err) MS_WUR;
/* Appends to <out> a copy of execute payload <p> (<n> bytes, parsed as <e>)
 * whose new-params-bound flag is 1 and which carries <types> (2 *
 * num_params bytes, borrowed): what a backend that never saw this
 * statement's types needs. */
int ms_proto_exec_with_types(struct ms_buf *out, const uint8_t *p, size_t n,
			     const struct ms_exec *e, const uint8_t *types,
			     uint16_t num_params) MS_WUR;
/* The statement id at offset 1 of a STMT_* payload, read and rewritten in
 * place. <p> has at least 5 bytes. */
uint32_t ms_proto_stmt_id(const uint8_t *p);
void ms_proto_stmt_id_set(uint8_t *p, uint32_t id);

/* A COM_CHANGE_USER payload (after the command byte). */
struct ms_change_user {
	struct ms_view user;
	struct ms_view auth;
	struct ms_view db;
	uint16_t charset; /* 0 when absent */
	struct ms_view plugin;
	struct ms_view attrs;
};
int ms_proto_change_user_parse(const uint8_t *p, size_t n, uint32_t caps,
			       struct ms_change_user *c,
			       struct ms_err *err) MS_WUR;

/* ---- statements -----------------------------------------------------------
 */

/* What the proxy must know about a COM_QUERY text, found with the shared
 * lexer (db/lex.h), never by guessing inside quotes or comments. */
#define MS_Q_READONLY                                                          \
	0x0001			/* SELECT/SHOW/DESCRIBE/EXPLAIN without        \
				   INTO, FOR UPDATE, LOCK IN SHARE MODE or     \
				   a function call known to write: safe to     \
				   shadow */
#define MS_Q_TEMP_TABLE	 0x0002 /* CREATE TEMPORARY TABLE */
#define MS_Q_GET_LOCK	 0x0004 /* calls GET_LOCK( */
#define MS_Q_RELEASE_ALL 0x0008 /* calls RELEASE_ALL_LOCKS( */
#define MS_Q_LOCK_TABLES 0x0010 /* LOCK TABLE(S) ... */
#define MS_Q_UNLOCK	 0x0020 /* UNLOCK TABLE(S) */
#define MS_Q_KILL	 0x0040 /* KILL [CONNECTION|QUERY] <id> */
#define MS_Q_USER_VAR                                                          \
	0x0080			/* assigns a user variable (SET @x, @x :=,     \
				   SELECT ... INTO @x) */
#define MS_Q_SQL_PREPARE 0x0100 /* PREPARE/EXECUTE/DEALLOCATE at SQL level */
#define MS_Q_DROP_TEMP	 0x0200 /* DROP TEMPORARY TABLE */
#define MS_Q_XA		 0x0400 /* XA ... */
#define MS_Q_MULTI                                                             \
	0x0800 /* more than one statement (';' outside                         \
		  quotes, followed by more than space) */

struct ms_query_info {
	unsigned flags;
	uint64_t kill_id;   /* for MS_Q_KILL */
	bool kill_query;    /* KILL QUERY (not the connection) */
	size_t kill_id_off; /* byte span of the id in the text, to rewrite */
	size_t kill_id_len;
};
/* Classifies <sql> (<n> bytes, borrowed). Text the lexer cannot read (an
 * unterminated quote) gets flags 0 and returns 0: the server will report
 * the error. */
int ms_proto_query_classify(const char *sql, size_t n,
			    struct ms_query_info *q) MS_WUR;

/* Appends the statement digest text of <sql> to <out>: literals replaced
 * by '?', runs of white space and comments by one space, keywords upper
 * case, at most <max> bytes of output. */
int ms_proto_digest(const char *sql, size_t n, size_t max,
		    struct ms_buf *out) MS_WUR;

#endif

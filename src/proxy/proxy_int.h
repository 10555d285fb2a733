/* The proxy engine's own types: the proxy, client sessions and their
 * backend connections. Everything here runs in the loop thread. See
 * docs/proxy.md for the life of a session. */
#ifndef MS_PROXY_PROXY_INT_H
#define MS_PROXY_PROXY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/buf.h"
#include "proto/proto.h"
#include "proxy/backend.h"
#include "proxy/conn.h"
#include "proxy/metrics.h"
#include "proxy/proxy.h"
#include "proxy/route.h"
#include "proxy/users.h"

#define PX_IN_CAP	 (MS_PROTO_MAX_FRAG + 64 * 1024) /* one fragment */
#define PX_OUT_CAP	 (64u * 1024 * 1024)
#define PX_HIGH_WATER	 (1u * 1024 * 1024) /* stop reading the other side */
#define PX_SCHEMA_MAX	 256
#define PX_VARS_MAX	 256 /* tracked session variables per session */
#define PX_VAR_VALUE_MAX 4096
#define PX_STMTS_MAX	 16384 /* prepared statements per session */

struct ms_loop;
struct ms_shadow;
struct ms_health;
struct ms_admin;
struct px_session;

/* A backend connection's life. */
enum px_bphase {
	PX_B_CONNECTING = 0,
	PX_B_GREETING, /* waiting for the server greeting */
	PX_B_TLS,      /* TLS handshake after the SSLRequest */
	PX_B_AUTH,     /* handshake response sent */
	PX_B_SETUP,    /* session tracking being switched on */
	PX_B_READY,    /* idle or serving the session */
	PX_B_REPLAY,   /* state being replayed before a move */
};

struct px_bconn {
	struct ms_conn c;
	struct px_session *s;
	struct ms_backend *be;
	enum px_bphase phase;
	uint32_t thread_id;
	uint32_t caps; /* negotiated with this backend */
	uint8_t scramble[MS_PROTO_SCRAMBLE_LEN];
	uint64_t timer;		    /* connect/login timeout */
	unsigned absorb;	    /* responses to swallow (setup, replay) */
	struct ms_resp resp;	    /* the response being absorbed */
	char db[PX_SCHEMA_MAX + 1]; /* schema it logged in with */
	unsigned replay_pos;
	bool replay_initdb, replay_set;
};

/* A prepared statement, under the id the client knows. */
struct px_stmt {
	uint32_t id;	     /* the client's id */
	uint32_t backend_id; /* on the current backend */
	uint16_t num_params;
	uint16_t num_columns;
	char *sql; /* owned */
	size_t sql_len;
	uint8_t *types; /* owned, 2 * num_params bytes, NULL until known */
	bool types_on_backend; /* the backend has seen the types */
	bool long_data;	       /* SEND_LONG_DATA since the last execute */
	bool cursor;	       /* a cursor is open */
	uint32_t replay_id;    /* id on a backend being prepared */
};

struct px_var {
	char *name;   /* owned */
	char *value;  /* owned */
	uint64_t seq; /* when it last changed: replay order */
};

/* Why a session cannot move (sticky until the session is reset). */
#define PX_U_TEMP_TABLE	 0x01
#define PX_U_GET_LOCK	 0x02
#define PX_U_LOCK_TABLES 0x04
#define PX_U_USER_VAR	 0x08
#define PX_U_SQL_PREPARE 0x10
#define PX_U_XA		 0x20

#define PX_AUTH_NATIVE_SWITCH 1 /* switched to native, reply due */
#define PX_AUTH_SHA2_FULL     2 /* caching_sha2 full auth, password due */

enum px_cphase {
	PX_C_HANDSHAKE = 0, /* greeting sent, waiting for the response */
	PX_C_TLS,	    /* TLS handshake after the SSLRequest */
	PX_C_AUTH_MORE,	    /* auth switch or full auth under way */
	PX_C_LOGIN,	    /* authenticated; backend logging in */
	PX_C_READY,	    /* between commands */
	PX_C_COMMAND,	    /* a command is at the backend */
	PX_C_INFILE,	    /* relaying LOCAL INFILE data */
	PX_C_CLOSING,	    /* flushing a last packet, then close */
};

struct px_move;

struct px_session {
	uint32_t id; /* the id the client knows */
	struct ms_proxy *px;
	struct ms_conn c;
	enum px_cphase phase;
	uint64_t started_ms;
	uint64_t timer;
	/* login */
	uint8_t scramble[MS_PROTO_SCRAMBLE_LEN];
	uint32_t caps; /* the client's, within what we offered */
	uint8_t charset;
	uint8_t seq; /* next sequence id towards the client */
	char user[MS_USER_NAME_MAX + 1];
	char client_ip[64];
	struct ms_user *u;
	uint8_t stage1[20];
	char auth_plugin[32];
	uint8_t auth_step; /* PX_AUTH_* while PX_C_AUTH_MORE */
	char login_db[PX_SCHEMA_MAX + 1];
	struct ms_buf attrs; /* the client's connection attributes */
	/* routing */
	struct ms_route *route;
	struct px_bconn *b; /* current backend connection */
	/* the replacement connection: a move's (move_to >= 0), or one opened
	 * ahead by POST /prepare and waiting, idle, for a move (move_to -1) */
	struct px_bconn *nb;
	int move_to; /* backend index of a pending move, or -1 */
	struct px_move *move;
	/* state */
	char schema[PX_SCHEMA_MAX + 1];
	struct px_var *vars;
	unsigned nvars;
	uint64_t var_seq;
	struct px_stmt *stmts;
	unsigned nstmts, astmts;
	uint32_t next_stmt_id;
	uint16_t status; /* last server status seen */
	unsigned unmovable;
	bool tls;
	/* the command in flight */
	uint8_t cmd;
	struct ms_resp resp;
	uint64_t cmd_start_us;
	bool replied;		  /* part of its response went to the client */
	bool in_frag;		  /* client: inside a multi-fragment packet */
	bool resp_frag;		  /* backend: inside a multi-fragment packet */
	size_t pkt_total;	  /* bytes of the client's current packet */
	struct px_stmt *cmd_stmt; /* for PREPARE/EXECUTE/FETCH */
	bool shadow;		  /* checksum this response for a shadow read */
	uint32_t shadow_crc;
	char *shadow_sql;
	size_t shadow_len;
	bool shadow_multi; /* more than one result: not compared */
	/* holding */
	bool held;
	uint64_t held_since_us;
	uint64_t queries;
	bool dead; /* close at the next settle, without flushing */
	uint64_t replay_start_us;
	struct px_session *next, *prev; /* in px->sessions */
};

/* A move job started through the admin API. */
struct px_move {
	uint64_t id;
	char route[MS_ROUTE_NAME_MAX + 1]; /* "" = every route */
	int to;
	unsigned total, moved, failed, unmovable, pending;
	unsigned prepared; /* sessions that found a prepared connection */
	uint64_t started_us, finished_us;
	uint32_t *pause_us; /* per moved session */
	unsigned npause, apause;
	json_t *errors; /* array of strings */
	struct px_move *next;
};

struct ms_proxy {
	const struct ms_proxy_config *cfg;
	struct ms_loop *loop;
	int lfd;
	struct ms_tls *tls; /* client TLS, NULL without */
	struct ms_backend backends[MS_BACKEND_MAX];
	int nbackends;
	struct ms_health *health;
	struct ms_shadow *shadow;
	struct ms_admin *admin;
	struct ms_routes routes;
	struct ms_users users;
	struct ms_metrics m;
	struct px_session *sessions;
	unsigned nsessions;
	uint32_t next_id;
	struct px_move *moves;
	uint64_t next_move_id;
	bool paused_all;
	bool stopping;
	uint64_t stop_started_ms;
	uint64_t tick_timer;
};

/* proxy.c */
/* Appends <payload> (<n> bytes, borrowed) to <q> as one logical packet,
 * split into fragments, the first with sequence <seq>; *<next> (may be
 * NULL) gets the sequence after the last fragment. 0 or a queue error. */
int px_queue_packet(struct ms_bq *q, uint8_t seq, const void *payload, size_t n,
		    uint8_t *next);
void px_session_close(struct px_session *s, const char *why);
/* Marks <s> to be closed at once (no flush) by the next px_session_settle:
 * code deep in a call chain never frees the session itself. */
void px_session_fail(struct px_session *s, const char *why);
/* A client dropped for bad input (<reason>, static or borrowed): counted,
 * logged, and failed as above. */
void px_client_drop(struct px_session *s, const char *reason);
/* Closes <s> when it failed, or when it is closing and its last packet is
 * out; else updates what its sockets wait for. Returns false when <s> is
 * gone. Called at the end of every event handled for a session. */
bool px_session_settle(struct px_session *s);
struct px_session *px_session_find(struct ms_proxy *px, uint32_t id);

/* client.c: the login of a client. */
void px_client_greet(struct px_session *s);
void px_client_on_packet_login(struct px_session *s, const uint8_t *p,
			       uint32_t len);
void px_client_login_done(struct px_session *s, struct px_bconn *b,
			  const char *error, uint16_t code);
int px_send_err(struct px_session *s, uint16_t code, const char *state,
		const char *fmt, ...) MS_PRINTF(4, 5);
int px_send_packet(struct px_session *s, const void *p, size_t n);

/* bconn.c: backend connections. */
struct px_bconn *px_bconn_open(struct px_session *s, int backend,
			       struct ms_err *err);
void px_bconn_free(struct px_bconn *b);
void px_bconn_quit(struct px_bconn *b);
void px_bconn_watch(struct px_bconn *b);
/* A whole packet from a backend that is not serving its session yet (login,
 * set-up, replay). May free <b> and even the session: the caller must not
 * touch either afterwards unless it checks they still exist. */
void px_bconn_on_packet(struct px_bconn *b, const uint8_t *p, uint32_t len,
			uint8_t seq);

/* fwd.c: the command phase. */
void px_client_readable(struct px_session *s);
void px_backend_readable(struct px_bconn *b);
void px_client_process(struct px_session *s);
void px_watch(struct px_session *s);
int px_flush_client(struct px_session *s);

/* state.c: what a session carries. */
void px_state_track(struct px_session *s, const struct ms_ok *ok);
int px_state_replay(struct px_session *s, struct px_bconn *nb);
void px_state_replay_packet(struct px_session *s, struct px_bconn *nb,
			    const uint8_t *p, size_t n, uint32_t len);
const char *px_unmovable_reason(const struct px_session *s);
bool px_at_boundary(const struct px_session *s);
struct px_stmt *px_stmt_find(struct px_session *s, uint32_t id);
struct px_stmt *px_stmt_add(struct px_session *s);
void px_stmt_remove(struct px_session *s, uint32_t id);
void px_state_reset(struct px_session *s);
void px_state_free(struct px_session *s);
const char *px_var_get(const struct px_session *s, const char *name);

/* move.c: pause, resume, move. */
/* The route named <name> (NULL or "": *<out> NULL, every route), else
 * MS_ENOTFOUND; the backend named <name>, else MS_EINVAL (no such name)
 * or MS_EUNSUPPORTED (not configured). */
int px_find_route(struct ms_proxy *px, const char *name, struct ms_route **out,
		  struct ms_err *err);
int px_find_backend(struct ms_proxy *px, const char *name, int *out,
		    struct ms_err *err);
/* True when <s> has a connection opened by POST /prepare that no move has
 * taken yet. */
static inline bool px_prepared(const struct px_session *s)
{
	return s->nb && s->move_to < 0;
}
bool px_should_hold(struct px_session *s);
void px_move_check(struct px_session *s);
void px_move_session_done(struct px_session *s, bool ok, const char *error);
void px_moves_free(struct ms_proxy *px);
/* Drops <s>'s replacement connection after it failed or closed (<why>,
 * borrowed): a move's fails the session's move; a prepared one goes
 * quietly (logged, counted in prepare_failures), and a later move opens a
 * fresh one. */
void px_nb_drop(struct px_session *s, const char *why);

#endif

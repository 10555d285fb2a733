/* The command phase: a client's command goes to its backend (statement ids
 * and KILL ids mapped, parameter types supplied after a move), and the
 * response comes back packet by packet, followed by the response state
 * machine so the proxy knows where it ends, what state it leaves (schema,
 * variables, transaction) and, for shadow reads, its checksum. Packets are
 * relayed whole per fragment; a packet over 16 MB streams fragment by
 * fragment. Flow control: a side stops being read while the other side's
 * output queue is over PX_HIGH_WATER, so a slow reader costs bounded
 * memory. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "proxy/loop.h"
#include "proxy/proxy_int.h"
#include "proxy/shadow.h"

#define LOGIN_PACKET_MAX 65536

static void client_event(struct ms_loop *loop, int fd, int events, void *data);

static size_t hdr_len(const uint8_t *p)
{
	uint32_t len;
	uint8_t seq;

	ms_proto_hdr_read(p, &len, &seq);
	return len;
}

static bool head_incomplete(const struct ms_bq *q)
{
	return ms_bq_len(q) < MS_PROTO_HDR ||
	       ms_bq_len(q) < MS_PROTO_HDR + hdr_len(ms_bq_data(q));
}

void px_watch(struct px_session *s)
{
	struct ms_loop *loop = s->px->loop;
	int mask = 0;

	if (s->c.fd < 0)
		return;
	if (s->phase == PX_C_TLS) {
		mask = MS_EV_READ | (s->c.want_write ? MS_EV_WRITE : 0);
	} else {
		/* A fragment is handled whole (up to 16 MB): read on until
		 * the one at the head is complete. */
		bool room = (ms_bq_len(&s->c.in) < PX_HIGH_WATER ||
			     head_incomplete(&s->c.in)) &&
			    (!s->b || ms_bq_len(&s->b->c.out) < PX_HIGH_WATER);
		if (room && s->phase != PX_C_CLOSING && !s->held)
			mask |= MS_EV_READ;
		if (ms_bq_len(&s->c.out) || s->c.want_write)
			mask |= MS_EV_WRITE;
	}
	if (ms_loop_mask(loop, s->c.fd) != mask &&
	    ms_loop_set(loop, s->c.fd, mask, client_event, s))
		MS_LOG_WARN("proxy", "event=watch_failed fd=%d", s->c.fd);
}

int px_flush_client(struct px_session *s)
{
	int rc = ms_conn_flush(&s->c);

	if (rc < 0)
		px_session_fail(s, "client write failed");
	return rc;
}

static int flush_backend(struct px_session *s, struct px_bconn *b)
{
	int rc = ms_conn_flush(&b->c);

	if (rc < 0)
		px_session_fail(s, "backend write failed");
	return rc;
}

/* ---- client to backend -------------------------------------------------- */

static void client_read(struct px_session *s)
{
	long n;

	n = ms_conn_read(&s->c);
	if (n < 0 && n != MS_ETOOLARGE) {
		px_session_fail(s, s->c.read_eof ? "client closed"
						 : "client read failed");
		return;
	}
	s->px->m.bytes_from_clients += n > 0 ? (uint64_t)n : 0;
}

/* Appends header + payload of a packet the client sent, unchanged. */
static int relay(struct px_bconn *b, const uint8_t *pkt, size_t n)
{
	return ms_bq_add(&b->c.out, pkt, n);
}

static void local_err(struct px_session *s, uint8_t seq, uint16_t code,
		      const char *state, const char *msg)
{
	s->seq = (uint8_t)(seq + 1);
	s->px->m.query_errors[s->b ? s->b->be->index : 0]++;
	px_send_err(s, code, state, "%s", msg);
}

/* KILL [QUERY|CONNECTION] <proxy id>: the id the client knows is the
 * proxy's; the backend knows its own thread id. */
static int map_kill(struct px_session *s, uint64_t id, uint32_t *thread,
		    char *msg, size_t size)
{
	struct px_session *t =
	    id <= UINT32_MAX ? px_session_find(s->px, (uint32_t)id) : NULL;

	if (!t || !t->b) {
		snprintf(msg, size, "Unknown thread id: %" PRIu64, id);
		return 1094;
	}
	if (t->b->be != s->b->be) {
		snprintf(msg, size,
			 "myshift proxy: session %" PRIu64
			 " is on backend %s and this session on %s; KILL it "
			 "from a session on the same backend",
			 id, t->b->be->name, s->b->be->name);
		return 1105;
	}
	*thread = t->b->thread_id;
	return 0;
}

static void note_flags(struct px_session *s, unsigned f)
{
	if (f & MS_Q_TEMP_TABLE)
		s->unmovable |= PX_U_TEMP_TABLE;
	if (f & MS_Q_GET_LOCK)
		s->unmovable |= PX_U_GET_LOCK;
	if (f & MS_Q_RELEASE_ALL)
		s->unmovable &= ~PX_U_GET_LOCK;
	if (f & MS_Q_LOCK_TABLES)
		s->unmovable |= PX_U_LOCK_TABLES;
	if (f & MS_Q_UNLOCK)
		s->unmovable &= ~PX_U_LOCK_TABLES;
	if (f & MS_Q_USER_VAR)
		s->unmovable |= PX_U_USER_VAR;
	if (f & MS_Q_SQL_PREPARE)
		s->unmovable |= PX_U_SQL_PREPARE;
	if (f & MS_Q_XA)
		s->unmovable |= PX_U_XA;
}

/* COM_QUERY. Returns 1 when answered locally, 0 when relayed, <0 on a
 * failure. */
static int cmd_query(struct px_session *s, const uint8_t *pkt, uint32_t len,
		     uint8_t seq, bool whole)
{
	const char *sql = (const char *)pkt + MS_PROTO_HDR + 1;
	size_t n = len - 1;
	struct ms_query_info q = {0};
	struct ms_proxy *px = s->px;

	if (ms_proto_query_classify(sql, n, &q))
		q.flags = 0;
	note_flags(s, q.flags);
	if ((q.flags & MS_Q_KILL) && whole) {
		char msg[300], num[24];
		uint32_t thread;
		int code = map_kill(s, q.kill_id, &thread, msg, sizeof(msg));
		if (code) {
			local_err(s, seq, (uint16_t)code, "HY000", msg);
			return 1;
		}
		struct ms_buf t;
		int w = snprintf(num, sizeof(num), "%u", thread);
		ms_buf_init(&t, n + 32);
		int rc = ms_buf_addc(&t, MS_COM_QUERY);
		if (!rc)
			rc = ms_buf_add(&t, sql, q.kill_id_off);
		if (!rc)
			rc = ms_buf_add(&t, num, (size_t)w);
		if (!rc)
			rc = ms_buf_add(&t, sql + q.kill_id_off + q.kill_id_len,
					n - q.kill_id_off - q.kill_id_len);
		if (!rc)
			rc = px_queue_packet(&s->b->c.out, seq, t.ptr, t.len,
					     NULL);
		ms_buf_free(&t);
		return rc;
	}
	if (px->shadow && whole && (q.flags & MS_Q_READONLY) &&
	    !(q.flags & MS_Q_MULTI) &&
	    !(s->status & MS_SERVER_STATUS_IN_TRANS) &&
	    ms_shadow_want(px->shadow)) {
		free(s->shadow_sql);
		s->shadow_sql = malloc(n ? n : 1);
		if (s->shadow_sql) {
			memcpy(s->shadow_sql, sql, n);
			s->shadow_len = n;
			s->shadow = true;
			s->shadow_crc = 0;
			s->shadow_multi = false;
		}
	}
	return relay(s->b, pkt, MS_PROTO_HDR + len);
}

static int stmt_unknown(struct px_session *s, uint8_t seq, uint32_t id,
			const char *what)
{
	char msg[200];

	snprintf(msg, sizeof(msg),
		 "Unknown prepared statement handler (%u) given to %s", id,
		 what);
	local_err(s, seq, 1243, "HY000", msg);
	return 1;
}

/* COM_STMT_EXECUTE: the backend's id, and the parameter types when this
 * backend has not seen them (after a move) and the client does not
 * resend them. */
static int cmd_execute(struct px_session *s, uint8_t *pkt, uint32_t len,
		       uint8_t seq, bool whole)
{
	uint8_t *p = pkt + MS_PROTO_HDR;
	struct px_stmt *st = px_stmt_find(s, ms_proto_stmt_id(p));
	struct ms_exec e;
	struct ms_err err = {0};

	if (!st)
		return stmt_unknown(s, seq, ms_proto_stmt_id(p),
				    "mysqld_stmt_execute");
	ms_proto_stmt_id_set(p, st->backend_id);
	st->long_data = false;
	s->cmd_stmt = st;
	if (!whole || st->num_params == 0 ||
	    ms_proto_exec_parse(p, len, st->num_params, &e, &err))
		return relay(s->b, pkt, MS_PROTO_HDR + len);
	if (e.new_params) {
		if (!st->types)
			st->types = malloc(2u * st->num_params);
		if (st->types)
			memcpy(st->types, e.types.p, 2u * st->num_params);
		st->types_on_backend = true;
		return relay(s->b, pkt, MS_PROTO_HDR + len);
	}
	if (st->types_on_backend || !st->types)
		return relay(s->b, pkt, MS_PROTO_HDR + len);
	struct ms_buf out;
	int rc;
	ms_buf_init(&out, (size_t)len + 2u * st->num_params + 16);
	rc = ms_proto_exec_with_types(&out, p, len, &e, st->types,
				      st->num_params);
	if (!rc)
		rc = px_queue_packet(&s->b->c.out, seq, out.ptr, out.len, NULL);
	ms_buf_free(&out);
	st->types_on_backend = true;
	return rc;
}

/* STMT_SEND_LONG_DATA, CLOSE, RESET, FETCH: the id mapped. */
static int cmd_stmt(struct px_session *s, uint8_t *pkt, uint32_t len,
		    uint8_t seq)
{
	uint8_t *p = pkt + MS_PROTO_HDR;
	uint8_t cmd = p[0];

	if (len < 5) {
		px_session_fail(s, "short statement command");
		return -1;
	}
	uint32_t id = ms_proto_stmt_id(p);
	struct px_stmt *st = px_stmt_find(s, id);
	if (!st) {
		/* CLOSE and SEND_LONG_DATA have no answer to carry an
		 * error. */
		if (cmd == MS_COM_STMT_CLOSE ||
		    cmd == MS_COM_STMT_SEND_LONG_DATA)
			return 1;
		return stmt_unknown(s, seq, id,
				    cmd == MS_COM_STMT_FETCH
					? "mysqld_stmt_fetch"
					: "mysqld_stmt_reset");
	}
	ms_proto_stmt_id_set(p, st->backend_id);
	s->cmd_stmt = st;
	int rc = relay(s->b, pkt, MS_PROTO_HDR + len);
	switch (cmd) {
	case MS_COM_STMT_SEND_LONG_DATA:
		st->long_data = true;
		break;
	case MS_COM_STMT_CLOSE:
		s->cmd_stmt = NULL;
		px_stmt_remove(s, id);
		break;
	case MS_COM_STMT_RESET:
		st->long_data = false;
		st->cursor = false;
		break;
	default:
		break;
	}
	return rc;
}

static int cmd_prepare(struct px_session *s, const uint8_t *pkt, uint32_t len,
		       bool whole)
{
	struct px_stmt *st;

	if (!whole) {
		px_session_fail(s, "statement to prepare over 16 MB");
		return -1;
	}
	st = px_stmt_add(s);
	if (!st)
		return MS_ENOMEM;
	st->sql = malloc(len);
	if (!st->sql) {
		px_stmt_remove(s, st->id);
		return MS_ENOMEM;
	}
	memcpy(st->sql, pkt + MS_PROTO_HDR + 1, len - 1);
	st->sql_len = len - 1;
	s->cmd_stmt = st;
	return relay(s->b, pkt, MS_PROTO_HDR + len);
}

/* COM_PROCESS_KILL <proxy id>. */
static int cmd_process_kill(struct px_session *s, uint8_t *pkt, uint32_t len,
			    uint8_t seq)
{
	char msg[300];
	uint32_t thread;

	if (len < 5)
		return relay(s->b, pkt, MS_PROTO_HDR + len);
	int code = map_kill(s, ms_proto_stmt_id(pkt + MS_PROTO_HDR), &thread,
			    msg, sizeof(msg));
	if (code) {
		local_err(s, seq, (uint16_t)code, "HY000", msg);
		return 1;
	}
	ms_proto_stmt_id_set(pkt + MS_PROTO_HDR, thread);
	return relay(s->b, pkt, MS_PROTO_HDR + len);
}

/* COM_CHANGE_USER: checked by the proxy against the original scramble,
 * then the session logs in again on a fresh backend connection for the
 * new user's route; its state starts over, as on a server. */
static int cmd_change_user(struct px_session *s, const uint8_t *pkt,
			   uint32_t len, uint8_t seq)
{
	struct ms_change_user cu;
	struct ms_err err = {0};
	char user[MS_USER_NAME_MAX + 1];

	if (ms_proto_change_user_parse(pkt + MS_PROTO_HDR + 1, len - 1, s->caps,
				       &cu, &err) ||
	    cu.user.n >= sizeof(user) || cu.db.n > PX_SCHEMA_MAX) {
		local_err(s, seq, 1043, "08S01", "Bad COM_CHANGE_USER packet");
		return 1;
	}
	memcpy(user, cu.user.p, cu.user.n);
	user[cu.user.n] = '\0';
	struct ms_user *u =
	    ms_users_find(&s->px->users, user, cu.user.n, s->client_ip);
	uint8_t stage1[20];
	bool ok = u && u->usable &&
		  (u->empty_password
		       ? cu.auth.n == 0
		       : ms_auth_native_check(u->stage2, s->scramble, cu.auth.p,
					      cu.auth.n, stage1));
	if (!ok) {
		char msg[300];
		snprintf(msg, sizeof(msg),
			 "Access denied for user '%s'@'%s' (using password: "
			 "%s)%s",
			 user, s->client_ip, cu.auth.n ? "YES" : "NO",
			 u && !u->usable ? ": the proxy cannot check this "
					   "account"
					 : "");
		s->px->m.auth_failures++;
		local_err(s, seq, 1045, "28000", msg);
		return 1;
	}
	memcpy(s->user, user, cu.user.n + 1);
	memcpy(s->login_db, cu.db.p, cu.db.n);
	s->login_db[cu.db.n] = '\0';
	if (cu.charset)
		s->charset = (uint8_t)cu.charset;
	s->u = u;
	if (!u->empty_password)
		memcpy(s->stage1, stage1, 20);
	explicit_bzero(stage1, sizeof(stage1));
	if (px_prepared(s)) { /* logged in as the old user */
		px_bconn_quit(s->nb);
		s->nb = NULL;
	}
	px_bconn_quit(s->b);
	s->b = NULL;
	px_state_reset(s);
	s->schema[0] = '\0';
	s->seq = (uint8_t)(seq + 1);
	s->route = ms_routes_match(&s->px->routes, s->user, s->login_db);
	s->phase = PX_C_LOGIN;
	s->b = px_bconn_open(s, s->route->backend, &err);
	if (!s->b) {
		px_send_err(s, 1105, "HY000", "myshift proxy: %s", err.msg);
		s->phase = PX_C_CLOSING;
	}
	return 1;
}

/* Starts the command whose first fragment is <pkt> (header included).
 * Returns 0 when it went to the backend, 1 when answered here, <0 when
 * the session failed. */
static int start_command(struct px_session *s, uint8_t *pkt, uint32_t len,
			 uint8_t seq)
{
	struct ms_proxy *px = s->px;
	bool whole = len < MS_PROTO_MAX_FRAG;
	uint8_t cmd;
	int rc;

	if (len == 0) {
		px->m.client_errors++;
		px_session_fail(s, "empty command packet");
		return -1;
	}
	cmd = pkt[MS_PROTO_HDR];
	s->cmd = cmd;
	s->cmd_stmt = NULL;
	s->replied = false;
	s->seq = (uint8_t)(seq + 1); /* for an answer made here */
	s->cmd_start_us = ms_mono_us();
	s->queries++;
	px->m.queries_total[s->b->be->index]++;
	switch (cmd) {
	case MS_COM_QUIT:
		s->phase = PX_C_CLOSING;
		return 1;
	case MS_COM_QUERY:
		rc = cmd_query(s, pkt, len, seq, whole);
		break;
	case MS_COM_STMT_PREPARE:
		rc = cmd_prepare(s, pkt, len, whole);
		break;
	case MS_COM_STMT_EXECUTE:
		rc = cmd_execute(s, pkt, len, seq, whole);
		break;
	case MS_COM_STMT_SEND_LONG_DATA:
	case MS_COM_STMT_CLOSE:
	case MS_COM_STMT_RESET:
	case MS_COM_STMT_FETCH:
		rc = cmd_stmt(s, pkt, len, seq);
		break;
	case MS_COM_PROCESS_KILL:
		rc = cmd_process_kill(s, pkt, len, seq);
		break;
	case MS_COM_CHANGE_USER:
		return cmd_change_user(s, pkt, len, seq);
	case MS_COM_INIT_DB:
	case MS_COM_FIELD_LIST:
	case MS_COM_STATISTICS:
	case MS_COM_PING:
	case MS_COM_SET_OPTION:
	case MS_COM_RESET_CONNECTION:
		rc = relay(s->b, pkt, MS_PROTO_HDR + len);
		break;
	default: {
		char msg[80];
		snprintf(msg, sizeof(msg),
			 "myshift proxy: command 0x%02x is not supported", cmd);
		local_err(s, seq, 1047, "08S01", msg);
		return 1;
	}
	}
	if (rc < 0) {
		px_session_fail(s, "cannot relay the command");
		return rc;
	}
	if (rc == 1)
		return 1;
	if (!whole)
		s->in_frag = true;
	if (ms_proto_com_has_response(cmd)) {
		ms_resp_start(&s->resp, cmd, s->b->caps);
		s->phase = PX_C_COMMAND;
	}
	return 0;
}

/* A client packet longer than --max-packet (the fragments of one logical
 * packet summed) ends the session with ER_NET_PACKET_TOO_LARGE, found from
 * the header of each fragment, before its bytes are waited for. LOCAL
 * INFILE data is a stream of packets and is not summed. */
static bool too_large(struct px_session *s, uint32_t len, uint8_t seq)
{
	size_t max = s->px->cfg->max_packet;
	size_t sum = s->in_frag ? s->pkt_total + len : len;

	if (s->phase == PX_C_INFILE && !s->in_frag)
		return false;
	if (sum <= max || s->phase < PX_C_READY)
		return false;
	s->px->m.client_errors++;
	MS_LOG_INFO("proxy",
		    "event=client_dropped id=%u client=%s reason=\"packet "
		    "over --max-packet (%zu bytes)\"",
		    s->id, s->c.peer, max);
	s->seq = (uint8_t)(seq + 1);
	px_send_err(s, 1153, "08S01",
		    "Got a packet bigger than 'max_allowed_packet' bytes "
		    "(the proxy's --max-packet is %zu)",
		    max);
	s->phase = PX_C_CLOSING;
	return true;
}

/* Holds the command at the head of the queue when a pause or a move says
 * so. */
static bool hold(struct px_session *s)
{
	if (!px_should_hold(s))
		return false;
	if (!s->held) {
		s->held = true;
		s->held_since_us = ms_mono_us();
		s->px->m.held_total++;
	}
	px_move_check(s);
	return s->held;
}

void px_client_process(struct px_session *s)
{
	struct ms_bq *in = &s->c.in;

	while (!s->dead && s->phase != PX_C_CLOSING &&
	       ms_bq_len(in) >= MS_PROTO_HDR) {
		uint8_t *pkt = ms_bq_data(in);
		uint32_t len;
		uint8_t seq;
		ms_proto_hdr_read(pkt, &len, &seq);
		bool login =
		    s->phase == PX_C_HANDSHAKE || s->phase == PX_C_AUTH_MORE;
		if (login && len >= LOGIN_PACKET_MAX) {
			px_client_drop(s, "oversized login packet");
			break;
		}
		if (too_large(s, len, seq))
			break;
		if (ms_bq_len(in) < MS_PROTO_HDR + (size_t)len)
			break;
		size_t total = MS_PROTO_HDR + (size_t)len;
		if (login) {
			/* Consumed first: an SSLRequest starts TLS, which takes
			 * whatever is left in the queue (the client's hello,
			 * sent right behind it) as its own bytes. */
			uint8_t copy[LOGIN_PACKET_MAX];
			memcpy(copy, pkt + MS_PROTO_HDR, len);
			ms_bq_consume(in, total);
			s->seq = (uint8_t)(seq + 1);
			px_client_on_packet_login(s, copy, len);
			explicit_bzero(copy, len);
			continue;
		}
		if (s->in_frag || s->phase == PX_C_INFILE) {
			/* The rest of a big packet, or LOCAL INFILE data. */
			s->pkt_total += len;
			s->seq = (uint8_t)(seq + 1);
			if (relay(s->b, pkt, total)) {
				px_session_fail(s, "cannot relay");
				break;
			}
			ms_bq_consume(in, total);
			if (s->in_frag)
				s->in_frag = len == MS_PROTO_MAX_FRAG;
			else if (len == 0) {
				ms_resp_infile_sent(&s->resp);
				s->phase = PX_C_COMMAND;
			}
			continue;
		}
		if (s->phase != PX_C_READY || !s->b)
			break; /* pipelined: waits for the response */
		if (hold(s))
			break;
		s->pkt_total = len;
		int rc = start_command(s, pkt, len, seq);
		if (rc < 0)
			break;
		ms_bq_consume(in, total);
	}
	if (s->b && !s->dead && ms_bq_len(&s->b->c.out))
		flush_backend(s, s->b);
	if (!s->dead && ms_bq_len(&s->c.out))
		px_flush_client(s);
	ms_bq_shrink(in, 256 * 1024);
}

/* ---- backend to client -------------------------------------------------- */

static void shadow_submit(struct px_session *s)
{
	struct ms_shadow_sample x = {
	    .sql = s->shadow_sql,
	    .sql_len = s->shadow_len,
	    .schema = s->schema,
	    .charset = px_var_get(s, "character_set_results"),
	    .time_zone = px_var_get(s, "time_zone"),
	    .sql_mode = px_var_get(s, "sql_mode"),
	    .columns = s->resp.columns,
	    .rows = s->resp.rows,
	    .crc = s->shadow_crc,
	};
	if (!x.time_zone)
		x.time_zone = "";
	ms_shadow_submit(s->px->shadow, &x);
}

static void command_done(struct px_session *s)
{
	struct ms_proxy *px = s->px;
	struct px_stmt *st = s->cmd_stmt;
	int bi = s->b->be->index;

	ms_hist_add(&px->m.query_latency[bi], ms_mono_us() - s->cmd_start_us);
	if (s->resp.err)
		px->m.query_errors[bi]++;
	if (s->resp.status_seen)
		s->status = s->resp.status;
	switch (s->cmd) {
	case MS_COM_STMT_PREPARE:
		if (!st)
			break;
		if (s->resp.err) {
			px_stmt_remove(s, st->id);
		} else {
			st->backend_id = s->resp.stmt_id;
			st->num_params = s->resp.num_params;
			st->num_columns = s->resp.num_columns;
		}
		break;
	case MS_COM_STMT_EXECUTE:
		if (st && !s->resp.err)
			st->cursor = s->resp.cursor;
		break;
	case MS_COM_STMT_FETCH:
		if (st && (!(s->status & MS_SERVER_STATUS_CURSOR_EXISTS) ||
			   (s->status & MS_SERVER_STATUS_LAST_ROW_SENT) ||
			   s->resp.err))
			st->cursor = false;
		break;
	case MS_COM_RESET_CONNECTION:
		if (!s->resp.err)
			px_state_reset(s);
		break;
	default:
		break;
	}
	if (s->shadow && !s->resp.err && !s->shadow_multi)
		shadow_submit(s);
	s->shadow = false;
	s->cmd_stmt = NULL;
	s->phase = PX_C_READY;
	px_move_check(s);
}

/* Re-encodes an OK for a client without session tracking (the backend
 * always has it). Returns 1 when <pkt> went out rewritten, 0 when it must
 * go out as it is. */
static int ok_packet(struct px_session *s, struct px_bconn *b, const uint8_t *p,
		     uint32_t len, uint8_t seq)
{
	struct ms_ok ok;
	struct ms_err err = {0};

	if (ms_proto_ok_parse(p, len, b->caps, &ok, &err))
		return 0;
	if (ok.status & MS_SERVER_SESSION_STATE_CHANGED)
		px_state_track(s, &ok);
	if (s->caps & MS_CLIENT_SESSION_TRACK)
		return 0;
	struct ms_buf out;
	ms_buf_init(&out, len + 16);
	int rc = ms_proto_ok_encode(&out, &ok, s->caps);
	if (!rc)
		rc = px_queue_packet(&s->c.out, seq, out.ptr, out.len, NULL);
	ms_buf_free(&out);
	return rc ? -1 : 1;
}

/* One fragment of the response, whole in the queue at <pkt>. Returns
 * false when the session failed. */
static bool response_fragment(struct px_session *s, struct px_bconn *b,
			      uint8_t *pkt, uint32_t len, uint8_t seq)
{
	uint8_t *p = pkt + MS_PROTO_HDR;
	struct ms_err err = {0};
	int done = 0;

	s->replied = true;
	if (s->resp_frag) {
		s->resp_frag = len == MS_PROTO_MAX_FRAG;
		if (s->shadow)
			s->shadow_crc = ms_shadow_crc(s->shadow_crc, p, len);
		return ms_bq_add(&s->c.out, pkt, MS_PROTO_HDR + len) == 0;
	}
	s->resp_frag = len == MS_PROTO_MAX_FRAG;
	uint64_t rows = s->resp.rows;
	int ev = ms_resp_feed(&s->resp, p, len, len, &err);
	if (ev < 0) {
		MS_LOG_WARN("proxy",
			    "event=backend_protocol_error id=%u backend=%s "
			    "error=\"%s\"",
			    s->id, b->be->name, err.msg);
		px_session_fail(s, "backend protocol error");
		return false;
	}
	if (s->shadow && s->resp.rows > rows)
		s->shadow_crc = ms_shadow_crc(s->shadow_crc, p, len);
	if (s->resp.status_seen &&
	    (s->resp.status & MS_SERVER_MORE_RESULTS_EXISTS))
		s->shadow_multi = true;
	if (s->cmd == MS_COM_STMT_PREPARE && s->cmd_stmt && len >= 5 &&
	    p[0] == 0x00 && s->resp.stmt_id && !s->cmd_stmt->backend_id) {
		s->cmd_stmt->backend_id = s->resp.stmt_id;
		ms_proto_stmt_id_set(p, s->cmd_stmt->id);
	}
	if (s->resp.ok && len < MS_PROTO_MAX_FRAG)
		done = ok_packet(s, b, p, len, seq);
	if (done < 0)
		return false;
	if (!done && ms_bq_add(&s->c.out, pkt, MS_PROTO_HDR + len))
		return false;
	if (ev == MS_RESP_INFILE) {
		s->phase = PX_C_INFILE;
		s->pkt_total = 0;
	} else if (ev == MS_RESP_DONE) {
		command_done(s);
	}
	return true;
}

static void backend_lost(struct px_session *s, struct px_bconn *b)
{
	if (b == s->nb) {
		px_nb_drop(s, "new backend closed");
		return;
	}
	MS_LOG_WARN("proxy", "event=backend_lost id=%u backend=%s thread=%u",
		    s->id, b->be->name, b->thread_id);
	if (s->phase == PX_C_COMMAND || s->phase == PX_C_INFILE) {
		px_send_err(s, 2013, "HY000",
			    "Lost connection to backend %s during query",
			    b->be->name);
		s->phase = PX_C_CLOSING;
	} else {
		px_session_fail(s, "backend closed");
	}
	s->b = NULL;
	px_bconn_free(b);
}

void px_backend_readable(struct px_bconn *b)
{
	struct px_session *s = b->s;
	long n = ms_conn_read(&b->c);

	if (n < 0 && n != MS_ETOOLARGE && ms_bq_len(&b->c.in) == 0) {
		if (b->phase != PX_B_READY && b->phase != PX_B_REPLAY &&
		    b != s->nb) {
			px_bconn_on_packet(b, NULL, 0, 0);
		} else {
			backend_lost(s, b);
		}
		px_session_settle(s);
		return;
	}
	s->px->m.bytes_to_clients += n > 0 ? (uint64_t)n : 0;
	struct ms_bq *in = &b->c.in;
	for (;;) {
		if (ms_bq_len(in) < MS_PROTO_HDR ||
		    ms_bq_len(in) < MS_PROTO_HDR + hdr_len(ms_bq_data(in))) {
			/* TLS may hold more than epoll will report. */
			if (!ms_conn_pending(&b->c) ||
			    ms_bq_len(&s->c.out) > PX_HIGH_WATER ||
			    ms_conn_read(&b->c) <= 0)
				break;
			continue;
		}
		uint8_t *pkt = ms_bq_data(in);
		uint32_t len;
		uint8_t seq;
		ms_proto_hdr_read(pkt, &len, &seq);
		ms_bq_consume(in, MS_PROTO_HDR + (size_t)len);
		if (b->phase != PX_B_READY) {
			px_bconn_on_packet(b, pkt + MS_PROTO_HDR, len, seq);
			if (s->b != b && s->nb != b)
				break; /* freed */
			continue;
		}
		if (b == s->nb) {
			/* an idle replacement has nothing to say */
			px_nb_drop(s, "unexpected packet from the new backend");
			break;
		}
		if (b != s->b ||
		    (s->phase != PX_C_COMMAND && s->phase != PX_C_INFILE)) {
			MS_LOG_INFO("proxy",
				    "event=backend_unexpected id=%u backend=%s",
				    s->id, b->be->name);
			px_session_fail(s, "unexpected packet from backend");
			break;
		}
		if (!response_fragment(s, b, pkt, len, seq)) {
			px_session_fail(s, "cannot relay the response");
			break;
		}
		/* Over the high-water mark: write now, and let the rest
		 * wait only when the client does not take it. */
		if (ms_bq_len(&s->c.out) > PX_HIGH_WATER &&
		    (px_flush_client(s) < 0 ||
		     ms_bq_len(&s->c.out) > PX_HIGH_WATER))
			break;
	}
	if (!s->dead && s->b == b)
		ms_bq_shrink(in, 256 * 1024);
	if (!s->dead && ms_bq_len(&s->c.out))
		px_flush_client(s);
	if (!s->dead && s->phase == PX_C_READY)
		px_client_process(s);
	px_session_settle(s);
}

static void client_event(struct ms_loop *loop, int fd, int events, void *data)
{
	struct px_session *s = data;
	struct ms_err err = {0};

	(void)loop, (void)fd;
	if (s->phase == PX_C_TLS) {
		int rc = ms_conn_tls_step(&s->c, &err);
		if (rc < 0) {
			s->px->m.client_errors++;
			MS_LOG_INFO("proxy",
				    "event=client_tls_failed id=%u client=%s "
				    "error=\"%s\"",
				    s->id, s->c.peer, err.msg);
			px_session_fail(s, "TLS handshake");
		} else if (rc == 1) {
			s->phase = PX_C_HANDSHAKE;
			client_read(s);
			if (!s->dead)
				px_client_process(s);
		}
		px_session_settle(s);
		return;
	}
	if (events & MS_EV_WRITE) {
		if (px_flush_client(s) >= 0 && s->b &&
		    ms_bq_len(&s->c.out) <= PX_HIGH_WATER &&
		    (ms_bq_len(&s->b->c.in) || ms_conn_pending(&s->b->c))) {
			/* Responses waiting for room. */
			px_backend_readable(s->b);
			return;
		}
	}
	if ((events & MS_EV_READ) && !s->dead) {
		client_read(s);
		if (!s->dead)
			px_client_process(s);
		/* TLS may hold bytes epoll will not report again. */
		while (!s->dead && !s->held && ms_conn_pending(&s->c) &&
		       ms_bq_len(&s->c.in) < PX_HIGH_WATER) {
			size_t before = ms_bq_len(&s->c.in);
			client_read(s);
			if (s->dead || ms_bq_len(&s->c.in) == before)
				break;
			px_client_process(s);
		}
	}
	px_session_settle(s);
}

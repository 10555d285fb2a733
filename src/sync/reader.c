/* The binlog reader: see reader.h and docs/sync.md.
 *
 * The connection is an ordinary ms_db one (TLS, timeouts, error mapping,
 * redaction); after a few session variables the dump command switches it
 * to a stream of packets, each 0x00 + one event, that libmariadb's
 * mysql_net_read_packet returns whole (it joins the 16 MB pieces of a
 * larger event). The first packet is read by ms_rd_open already, so a
 * purged file, an unknown GTID or a missing privilege fails the open
 * rather than the first read.
 *
 * Idle detection is the connection's read timeout, set to the idle
 * timeout: the server sends a heartbeat every heartbeat period when it has
 * nothing else, so a read that waits that long means the source (or the
 * network) is gone. Interrupting shuts down a dup() of the socket: the
 * dup stays ours until ms_rd_close, so another thread never shuts down a
 * descriptor that libmariadb has closed and the process reused. */
#include "sync/reader.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "binlog/binlog.h"
#include "core/log.h"
#include "db/db.h"
#include "db/raw.h"
#include "sync/gtid.h"
#include "sync/reader_int.h"

#define RD_HEARTBEAT_DEFAULT_MS 1000
#define RD_IDLE_MIN_S		10
#define RD_WHAT_MAX		200 /* bytes of a GTID state quoted */
#define RD_ER_SLAVE_SAME_ID	4052

struct ms_rd {
	struct ms_db *db;
	MYSQL *my; /* borrowed from db */
	char *host;
	unsigned int port;
	const char *role; /* borrowed from db */
	int fd;		  /* dup of the socket, for ms_rd_interrupt */
	atomic_bool interrupted;
	bool mariadb;
	bool dead; /* the stream ended: every later call fails */
	uint8_t checksum;
	unsigned int idle_s;
	uint32_t server_id;
	char what[RD_WHAT_MAX + 64]; /* where we started, for messages */
	const uint8_t *first;	     /* the event ms_rd_open read */
	size_t first_len;
};

/* ---- pure parts (reader_int.h) ----------------------------------------- */

static int put_le(struct ms_buf *b, uint64_t v, int n)
{
	uint8_t x[8];

	for (int i = 0; i < n; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	return ms_buf_add(b, x, (size_t)n);
}

int ms_rd_dump_args(struct ms_buf *out, uint32_t server_id, uint16_t flags,
		    const char *file, uint64_t pos, struct ms_err *err)
{
	size_t fl = strlen(file);
	int rc;

	if (pos > UINT32_MAX)
		return MS_ERR(err, MS_EINVAL,
			      "binlog position %" PRIu64
			      " does not fit COM_BINLOG_DUMP (32 bits)",
			      pos);
	if (fl > 255)
		return MS_ERR(err, MS_EINVAL,
			      "binlog file name of %zu bytes is too long", fl);
	rc = put_le(out, pos, 4);
	if (!rc)
		rc = put_le(out, flags, 2);
	if (!rc)
		rc = put_le(out, server_id, 4);
	if (!rc)
		rc = ms_buf_add(out, file, fl);
	return rc ? MS_ERR(err, rc, "COM_BINLOG_DUMP: %s", ms_strerror(rc)) : 0;
}

int ms_rd_dump_gtid_args(struct ms_buf *out, uint32_t server_id,
			 const char *file, uint64_t pos,
			 const struct ms_gtid_state *executed,
			 struct ms_err *err)
{
	size_t fl = strlen(file), at;
	int rc;

	if (fl > 255)
		return MS_ERR(err, MS_EINVAL,
			      "binlog file name of %zu bytes is too long", fl);
	rc = put_le(out, MS_RD_DUMP_THROUGH_GTID, 2);
	if (!rc)
		rc = put_le(out, server_id, 4);
	if (!rc)
		rc = put_le(out, fl, 4);
	if (!rc)
		rc = ms_buf_add(out, file, fl);
	if (!rc)
		rc = put_le(out, pos, 8);
	if (!rc)
		rc = put_le(out, 0, 4); /* data size, filled below */
	if (rc)
		return MS_ERR(err, rc, "COM_BINLOG_DUMP_GTID: %s",
			      ms_strerror(rc));
	at = out->len;
	rc = ms_gtid_encode_mysql(executed, out, err);
	if (rc)
		return rc;
	if (out->len - at > UINT32_MAX)
		return MS_ERR(err, MS_ETOOLARGE,
			      "COM_BINLOG_DUMP_GTID: GTID set too large");
	for (int i = 0; i < 4; i++)
		out->ptr[at - 4 + (size_t)i] =
		    (char)((out->len - at) >> (8 * i));
	return 0;
}

int ms_rd_classify(unsigned int sql_errno, const char *msg)
{
	switch (sql_errno) {
	case ER_MASTER_FATAL_ERROR_READING_BINLOG: /* 1236 */
		if (strstr(msg, "Could not find first log file") ||
		    strstr(msg, "Could not open log file") ||
		    strstr(msg, "purged") || strstr(msg, "GTID"))
			return MS_ENOTFOUND;
		return MS_ESQL;
	case ER_SPECIFIC_ACCESS_DENIED_ERROR: /* 1227 */
	case RD_ER_SLAVE_SAME_ID:
		return MS_ESQL;
	}
	return ms_db_errno_transient(sql_errno) ? MS_ECONNECT : MS_ESQL;
}

/* ---- errors ------------------------------------------------------------ */

static int rd_server_error(struct ms_rd *rd, const char *file, int line,
			   struct ms_err *err)
{
	unsigned int e = mysql_errno(rd->my);
	const char *msg = mysql_error(rd->my);
	const char *state = mysql_sqlstate(rd->my);
	int code = ms_rd_classify(e, msg);

	if (!err)
		return code;
	if (code == MS_ENOTFOUND)
		ms_err_set(err, code, file, line,
			   "%s is not on %s %s:%u: purged? (the binlogs the "
			   "server still has: SHOW BINARY LOGS) server said: "
			   "%s (errno %u)",
			   rd->what, rd->role, rd->host, rd->port, msg, e);
	else if (e == ER_SPECIFIC_ACCESS_DENIED_ERROR)
		ms_err_set(err, code, file, line,
			   "%s %s:%u: the user may not read the binlog: it "
			   "needs the REPLICATION SLAVE privilege; server "
			   "said: %s (errno %u)",
			   rd->role, rd->host, rd->port, msg, e);
	else if (e == RD_ER_SLAVE_SAME_ID)
		ms_err_set(err, code, file, line,
			   "%s %s:%u: another replica connected with our "
			   "server_id %" PRIu32 "; server said: %s (errno %u)",
			   rd->role, rd->host, rd->port, rd->server_id, msg, e);
	else
		ms_err_set(err, code, file, line,
			   "%s %s:%u: binlog stream (%s) failed: %s (errno "
			   "%u, SQLSTATE %s)",
			   rd->role, rd->host, rd->port, rd->what, msg, e,
			   state ? state : "HY000");
	err->sql_errno = e;
	if (state) {
		strncpy(err->sqlstate, state, sizeof(err->sqlstate) - 1);
		err->sqlstate[sizeof(err->sqlstate) - 1] = '\0';
	}
	ms_redact_inplace(err->msg, sizeof(err->msg));
	return code;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The stream is over: later calls fail at once, and the server sees the
 * socket go away now rather than at ms_rd_close. */
static void rd_kill(struct ms_rd *rd)
{
	rd->dead = true;
	if (rd->fd >= 0)
		shutdown(rd->fd, SHUT_RDWR);
}

static int rd_interrupted(struct ms_rd *rd, struct ms_err *err)
{
	return MS_ERR(err, MS_EIO, "%s %s:%u: binlog reader interrupted",
		      rd->role, rd->host, rd->port);
}

/* A failed read: interrupted, idle past the timeout, lost, or an error
 * packet from the server. */
static int rd_read_failed(struct ms_rd *rd, uint64_t waited_ms,
			  struct ms_err *err)
{
	unsigned int e = mysql_errno(rd->my);

	rd_kill(rd);
	if (atomic_load(&rd->interrupted))
		return rd_interrupted(rd, err);
	if (e >= CR_MIN_ERROR && e <= CR_MAX_ERROR) {
		/* client side: the connection is gone */
		if (waited_ms + 500 >= (uint64_t)rd->idle_s * 1000)
			return MS_ERR(err, MS_ECONNECT,
				      "no event or heartbeat from %s %s:%u "
				      "for %u s (the idle timeout)",
				      rd->role, rd->host, rd->port, rd->idle_s);
		MS_ERR(err, MS_ECONNECT,
		       "%s %s:%u: binlog stream lost: %s (errno %u)", rd->role,
		       rd->host, rd->port, mysql_error(rd->my), e);
		if (err)
			err->sql_errno = e;
		return MS_ECONNECT;
	}
	return rd_server_error(rd, __FILE__, __LINE__, err);
}

/* Reads one packet and checks it holds one whole event. */
static int rd_read(struct ms_rd *rd, const uint8_t **ev, size_t *len,
		   struct ms_err *err)
{
	uint64_t t0 = now_ms();
	unsigned long n = mysql_net_read_packet(rd->my);
	const uint8_t *p;
	uint32_t size;

	if (n == (unsigned long)packet_error)
		return rd_read_failed(rd, now_ms() - t0, err);
	p = rd->my->net.read_pos;
	if (n >= 1 && n < 9 && p[0] == 0xfe) {
		rd_kill(rd);
		return MS_ERR(err, MS_ECONNECT,
			      "%s %s:%u: the server ended the binlog stream",
			      rd->role, rd->host, rd->port);
	}
	if (n < 1 + MS_BL_HEADER_LEN || p[0] != 0x00) {
		rd_kill(rd);
		return MS_ERR(err, MS_ECORRUPT,
			      "%s %s:%u: binlog stream packet of %lu bytes "
			      "is not an event (first byte 0x%02x)",
			      rd->role, rd->host, rd->port, n, n ? p[0] : 0u);
	}
	size = (uint32_t)p[10] | (uint32_t)p[11] << 8 | (uint32_t)p[12] << 16 |
	       (uint32_t)p[13] << 24;
	if (size != n - 1) {
		rd_kill(rd);
		return MS_ERR(err, MS_ECORRUPT,
			      "%s %s:%u: binlog stream packet of %lu bytes "
			      "holds an event that says it has %" PRIu32,
			      rd->role, rd->host, rd->port, n - 1, size);
	}
	*ev = p + 1;
	*len = n - 1;
	return 1;
}

/* ---- open -------------------------------------------------------------- */

/* Reads log_bin, binlog_format and binlog_checksum; refuses a server
 * without a binlog. */
static int rd_check_server(struct ms_rd *rd, struct ms_err *err)
{
	struct ms_db_result *r;
	const char *logbin, *format, *sum;
	int rc;

	rc = ms_db_query(rd->db,
			 "SELECT @@global.log_bin, @@global.binlog_format, "
			 "@@global.binlog_checksum",
			 &r, err);
	if (rc)
		return rc;
	logbin = ms_db_result_get(r, 0, 0);
	format = ms_db_result_get(r, 0, 1);
	sum = ms_db_result_get(r, 0, 2);
	if (!logbin || strcmp(logbin, "1") != 0) {
		ms_db_result_free(r);
		return MS_ERR(err, MS_EUNSUPPORTED,
			      "%s %s:%u: the binary log is off (log_bin=OFF): "
			      "there is nothing to replicate from",
			      rd->role, rd->host, rd->port);
	}
	if (format && strcmp(format, "ROW") != 0)
		MS_LOG_WARN("sync",
			    "event=binlog_format role=%s host=%s port=%u "
			    "format=%s note=\"statement events are refused "
			    "one by one; set binlog_format=ROW\"",
			    rd->role, rd->host, rd->port, format);
	rd->checksum = sum && strcmp(sum, "CRC32") == 0 ? MS_BL_CHECKSUM_CRC32
							: MS_BL_CHECKSUM_UNDEF;
	ms_db_result_free(r);
	return 0;
}

/* The session variables the dump thread reads. */
static int rd_set_vars(struct ms_rd *rd, unsigned int heartbeat_ms,
		       struct ms_err *err)
{
	uint64_t ns = (uint64_t)heartbeat_ms * 1000000;
	struct ms_buf sql;
	int rc;

	/* MySQL 8.0.26+ reads the source_ names, older servers and
	 * MariaDB the master_ ones; user variables cannot be unknown. */
	ms_buf_init(&sql, 1024);
	rc = ms_buf_addf(&sql,
			 "SET @master_binlog_checksum = "
			 "@@global.binlog_checksum, @source_binlog_checksum = "
			 "@@global.binlog_checksum, @master_heartbeat_period = "
			 "%" PRIu64 ", @source_heartbeat_period = %" PRIu64,
			 ns, ns);
	/* MariaDB: GTID-aware replica (MARIA_SLAVE_CAPABILITY_GTID), so
	 * GTID and ANNOTATE_ROWS events are sent as themselves */
	if (!rc && rd->mariadb)
		rc = ms_buf_addstr(&sql, ", @mariadb_slave_capability = 4");
	if (rc) {
		ms_buf_free(&sql);
		return MS_ERR(err, rc, "binlog reader: %s", ms_strerror(rc));
	}
	rc = ms_db_exec(rd->db, ms_buf_str(&sql), err);
	ms_buf_free(&sql);
	return rc;
}

/* MariaDB GTID start: the state goes into @slave_connect_state and the
 * dump names no file. */
static int rd_set_maria_gtid(struct ms_rd *rd, const char *gtid,
			     struct ms_err *err)
{
	struct ms_buf sql;
	int rc;

	ms_buf_init(&sql, 2 * strlen(gtid) + 1024);
	rc = ms_buf_addstr(&sql, "SET @slave_connect_state = ");
	if (!rc)
		rc = ms_db_quote_string(rd->db, &sql, gtid, strlen(gtid));
	if (!rc)
		rc = ms_buf_addstr(&sql, ", @slave_gtid_strict_mode = 0, "
					 "@slave_gtid_ignore_duplicates = 0");
	if (rc) {
		ms_buf_free(&sql);
		return MS_ERR(err, rc, "binlog reader: %s", ms_strerror(rc));
	}
	rc = ms_db_exec(rd->db, ms_buf_str(&sql), err);
	ms_buf_free(&sql);
	return rc;
}

/* Builds and sends the dump command for <start>. */
static int rd_send_dump(struct ms_rd *rd, const struct ms_rd_start *start,
			struct ms_err *err)
{
	const char *gtid = start->gtid && *start->gtid ? start->gtid : NULL;
	uint64_t pos = start->pos >= 4 ? start->pos : 4;
	const char *file = start->file ? start->file : "";
	struct ms_gtid_state *g = NULL;
	struct ms_buf args;
	int cmd = MS_RD_COM_BINLOG_DUMP, rc;

	ms_buf_init(&args, (size_t)1 << 30);
	if (gtid) {
		g = ms_gtid_new(MS_GTID_NONE);
		if (!g)
			return MS_ERR(err, MS_ENOMEM, "out of memory");
		rc = ms_gtid_parse(
		    g, rd->mariadb ? MS_GTID_MARIADB : MS_GTID_MYSQL, gtid,
		    err);
		if (rc) {
			ms_gtid_free(g);
			if (err)
				ms_err_prefix(err, "%s %s:%u: start position: ",
					      rd->role, rd->host, rd->port);
			return rc;
		}
	}
	if (gtid && rd->mariadb) {
		struct ms_buf text;

		ms_buf_init(&text, strlen(gtid) + 64);
		rc = ms_gtid_format(g, &text);
		rc = rc ? MS_ERR(err, rc, "out of memory")
			: rd_set_maria_gtid(rd, ms_buf_str(&text), err);
		ms_buf_free(&text);
		if (!rc)
			rc = ms_rd_dump_args(&args, rd->server_id,
					     MS_RD_DUMP_SEND_ANNOTATE, "", 4,
					     err);
	} else if (gtid) {
		cmd = MS_RD_COM_BINLOG_DUMP_GTID;
		rc = ms_rd_dump_gtid_args(&args, rd->server_id, "", 4, g, err);
	} else {
		rc = ms_rd_dump_args(&args, rd->server_id,
				     rd->mariadb ? MS_RD_DUMP_SEND_ANNOTATE : 0,
				     file, pos, err);
	}
	ms_gtid_free(g);
	if (!rc &&
	    rd->my->methods->db_command(rd->my, (enum enum_server_command)cmd,
					args.ptr, args.len, 1, NULL))
		rc = rd_server_error(rd, __FILE__, __LINE__, err);
	ms_buf_free(&args);
	return rc;
}

/* What the stream starts from, as error messages name it. */
static void rd_describe(struct ms_rd *rd, const struct ms_rd_start *start)
{
	const char *gtid = start->gtid && *start->gtid ? start->gtid : NULL;

	if (gtid) {
		size_t n = strlen(gtid);

		snprintf(rd->what, sizeof(rd->what), "GTID state '%.*s%s'",
			 RD_WHAT_MAX, gtid, n > RD_WHAT_MAX ? "..." : "");
	} else if (start->file && *start->file) {
		snprintf(rd->what, sizeof(rd->what),
			 "binlog '%.*s' (position %" PRIu64 ")", RD_WHAT_MAX,
			 start->file, start->pos >= 4 ? start->pos : 4);
	} else {
		snprintf(rd->what, sizeof(rd->what), "the first binlog");
	}
}

static int rd_connect(struct ms_rd *rd, const struct ms_rd_opts *o,
		      struct ms_err *err)
{
	struct ms_db_opts dbo = {
	    .role = rd->role,
	    .connect_timeout_s = o->connect_timeout_s,
	    .read_timeout_s = rd->idle_s,
	};
	my_socket s;
	int rc;

	rc = ms_db_connect(o->ep, &dbo, &rd->db, err);
	if (rc)
		return rc;
	rd->my = ms_db_handle(rd->db);
	rd->role = ms_db_role(rd->db);
	rd->mariadb = ms_db_is_mariadb(rd->db);
	s = mysql_get_socket(rd->my);
	rd->fd =
	    s == MARIADB_INVALID_SOCKET ? -1 : fcntl(s, F_DUPFD_CLOEXEC, 0);
	if (rd->fd < 0)
		return MS_ERR(err, MS_EIO, "%s %s:%u: cannot dup the socket",
			      rd->role, rd->host, rd->port);
	return 0;
}

int ms_rd_open(const struct ms_rd_opts *o, const struct ms_rd_start *start,
	       struct ms_rd **out, struct ms_err *err)
{
	unsigned int hb =
	    o->heartbeat_ms ? o->heartbeat_ms : RD_HEARTBEAT_DEFAULT_MS;
	struct ms_rd *rd;
	int rc;

	*out = NULL;
	if (!o->ep || !o->ep->host || !*o->ep->host)
		return MS_ERR(err, MS_EINVAL, "binlog reader: no endpoint");
	if (o->server_id == 0)
		return MS_ERR(err, MS_EINVAL,
			      "binlog reader: server_id must not be 0");
	rd = calloc(1, sizeof(*rd));
	if (!rd)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	rd->fd = -1;
	atomic_init(&rd->interrupted, false);
	rd->role = o->role && *o->role ? o->role : "source";
	rd->port = o->ep->port ? o->ep->port : MS_DEFAULT_PORT;
	rd->server_id = o->server_id;
	rd->idle_s = o->idle_timeout_s;
	if (!rd->idle_s) {
		rd->idle_s = (4 * hb + 999) / 1000;
		if (rd->idle_s < RD_IDLE_MIN_S)
			rd->idle_s = RD_IDLE_MIN_S;
	}
	rd->host = strdup(o->ep->host);
	if (!rd->host) {
		free(rd);
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	rd_describe(rd, start);
	rc = rd_connect(rd, o, err);
	if (!rc)
		rc = rd_check_server(rd, err);
	if (!rc)
		rc = rd_set_vars(rd, hb, err);
	if (!rc)
		rc = rd_send_dump(rd, start, err);
	if (!rc)
		rc = rd_read(rd, &rd->first, &rd->first_len, err);
	if (rc < 0) {
		ms_rd_close(rd);
		return rc;
	}
	MS_LOG_INFO(
	    "sync",
	    "event=binlog_dump role=%s host=%s port=%u server_id=%" PRIu32
	    " from=\"%s\" heartbeat_ms=%u idle_timeout_s=%u",
	    rd->role, rd->host, rd->port, rd->server_id, rd->what, hb,
	    rd->idle_s);
	*out = rd;
	return 0;
}

/* ---- reading ----------------------------------------------------------- */

int ms_rd_next(struct ms_rd *rd, const uint8_t **ev, size_t *len,
	       struct ms_err *err)
{
	if (atomic_load(&rd->interrupted)) {
		rd_kill(rd);
		return rd_interrupted(rd, err);
	}
	if (rd->first) {
		*ev = rd->first;
		*len = rd->first_len;
		rd->first = NULL;
		return 1;
	}
	if (rd->dead)
		return MS_ERR(err, MS_ECONNECT,
			      "%s %s:%u: the binlog stream has ended", rd->role,
			      rd->host, rd->port);
	return rd_read(rd, ev, len, err);
}

uint8_t ms_rd_checksum_before_fde(const struct ms_rd *rd)
{
	return rd->checksum;
}

bool ms_rd_is_mariadb(const struct ms_rd *rd)
{
	return rd->mariadb;
}

void ms_rd_interrupt(struct ms_rd *rd)
{
	atomic_store(&rd->interrupted, true);
	if (rd->fd >= 0)
		shutdown(rd->fd, SHUT_RDWR);
}

void ms_rd_close(struct ms_rd *rd)
{
	if (!rd)
		return;
	ms_db_close(rd->db);
	if (rd->fd >= 0)
		close(rd->fd);
	free(rd->host);
	free(rd);
}

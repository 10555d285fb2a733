/* The binlog reader (src/sync/reader.c) against the sandbox source, MariaDB
 * 10.11, as the unprivileged replication user myshift (REPLICATION SLAVE):
 *  - opened at the current position, the rows written afterwards arrive as
 *    GTID, TABLE_MAP, WRITE/UPDATE/DELETE_ROWS and XID, in order, with
 *    their values, checksums verified and log_pos continuous;
 *  - FLUSH BINARY LOGS: the ROTATE is followed into the new file;
 *  - idle: heartbeats arrive (and say where the binlog ends); with no
 *    heartbeat for longer than the idle timeout the read fails;
 *  - opened at a MariaDB GTID state, the stream starts right after it;
 *  - a 20 MB row event (more than one 16 MB protocol packet) arrives whole;
 *  - ms_rd_interrupt from another thread ends a blocked read;
 *  - a second reader with our server_id replaces the first (a zombie);
 *  - the same without TLS (the other tests use it: ssl-mode PREFERRED);
 *  - a purged binlog file or GTID is MS_ENOTFOUND naming it;
 *  - a user without REPLICATION SLAVE gets an error naming the privilege.
 * Set MYSHIFT_TEST_VERBOSE=1 to print every event as JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "it.h"
#include "binlog/binlog.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/uri.h"
#include "db/db.h"
#include "sync/gtid.h"
#include "sync/reader.h"

#define SCHEMA	  "it_reader"
#define SERVER_ID 4242
#define BIG_BYTES (20u * 1024 * 1024)
#define NOPRIV	  "it_reader_norepl"
#define NOPRIV_PW "it-Reader-pw-1"
#define MAX_SCAN  10000 /* events read while looking for something */

static struct ms_endpoint g_src; /* the myshift user */
static struct ms_db *g_admin;	 /* sandbox_admin, for writes */
static bool g_verbose;

/* ---- helpers ----------------------------------------------------------- */

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void exec(const char *sql)
{
	struct ms_err err;

	if (ms_db_exec(g_admin, sql, &err))
		fail_msg("%s\n  in: %.200s", err.msg, sql);
}

static void position(struct ms_binlog_pos *p)
{
	struct ms_err err;

	memset(p, 0, sizeof(*p));
	if (ms_db_binlog_position(g_admin, p, &err))
		fail_msg("binlog position: %s", err.msg);
}

/* A reader with its decoder. */
struct rdr {
	struct ms_rd *rd;
	struct ms_bl_decoder *d;
	struct ms_arena a;
	uint64_t offset;
};

static int rdr_open_ep(struct rdr *r, const struct ms_endpoint *ep,
		       const char *file, uint64_t pos, const char *gtid,
		       unsigned int heartbeat_ms, unsigned int idle_s,
		       struct ms_err *err)
{
	struct ms_rd_opts o = {.ep = ep,
			       .role = "source",
			       .server_id = SERVER_ID,
			       .heartbeat_ms = heartbeat_ms,
			       .idle_timeout_s = idle_s};
	struct ms_rd_start st = {.file = file, .pos = pos, .gtid = gtid};
	struct ms_bl_options bo;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = ms_rd_open(&o, &st, &r->rd, err);
	if (rc)
		return rc;
	assert_true(ms_rd_is_mariadb(r->rd));
	ms_bl_options_default(&bo);
	bo.checksum_before_fde = ms_rd_checksum_before_fde(r->rd);
	r->d = ms_bl_decoder_new(&bo);
	assert_non_null(r->d);
	ms_arena_init(&r->a, (size_t)256 << 20);
	return 0;
}

static void rdr_open(struct rdr *r, const char *file, uint64_t pos,
		     const char *gtid, unsigned int heartbeat_ms)
{
	struct ms_err err;

	if (rdr_open_ep(r, &g_src, file, pos, gtid, heartbeat_ms, 0, &err))
		fail_msg("ms_rd_open: %s", err.msg);
	/* the sandbox writes CRC32 checksums */
	assert_int_equal(ms_rd_checksum_before_fde(r->rd),
			 MS_BL_CHECKSUM_CRC32);
}

static void rdr_close(struct rdr *r)
{
	ms_rd_close(r->rd);
	ms_bl_decoder_free(r->d);
	ms_arena_free(&r->a);
}

static void show(const struct ms_bl_event *ev)
{
	struct ms_buf b;

	if (!g_verbose)
		return;
	ms_buf_init(&b, 1 << 20);
	if (ms_bl_event_json(ev, &b) == 0)
		printf("  %.400s\n", ms_buf_str(&b));
	ms_buf_free(&b);
}

/* Reads and decodes the next event (the arena is reset first). Returns the
 * reader's code: 1, or a negative code with <err> filled. */
static int rdr_next(struct rdr *r, struct ms_bl_event *ev, struct ms_err *err)
{
	const uint8_t *p;
	size_t n;
	int rc;

	ms_arena_reset(&r->a);
	rc = ms_rd_next(r->rd, &p, &n, err);
	if (rc != 1)
		return rc;
	if (ms_bl_decode(r->d, &r->a, p, n, r->offset, ev, err))
		fail_msg("decode: %s", err->msg);
	r->offset += n;
	show(ev);
	return 1;
}

static void must_next(struct rdr *r, struct ms_bl_event *ev)
{
	struct ms_err err;

	if (rdr_next(r, ev, &err) != 1)
		fail_msg("ms_rd_next: %s", err.msg);
}

/* The next event that is not a heartbeat. */
static void next_data(struct rdr *r, struct ms_bl_event *ev)
{
	do
		must_next(r, ev);
	while (ev->kind == MS_BL_K_HEARTBEAT);
}

/* Skips to the next event of <kind>. */
static void skip_to(struct rdr *r, struct ms_bl_event *ev, enum ms_bl_kind kind)
{
	for (int i = 0; i < MAX_SCAN; i++) {
		must_next(r, ev);
		if (ev->kind == kind)
			return;
	}
	fail_msg("no event of kind %d in %d events", kind, MAX_SCAN);
}

/* Parses the domain-0 sequence number out of a MariaDB GTID list. */
static uint64_t seq0(const char *gtid)
{
	const char *p = strstr(gtid, "0-1-");

	if (!p || (p != gtid && p[-1] != ','))
		fail_msg("no domain 0 GTID in '%s'", gtid);
	return strtoull(p + 4, NULL, 10);
}

static int64_t int_at(const struct ms_bl_value *v)
{
	assert_int_equal(v->kind, MS_BL_V_INT);
	return v->n.i;
}

static void str_at(const struct ms_bl_value *v, const char *want)
{
	assert_true(v->kind == MS_BL_V_STRING || v->kind == MS_BL_V_BLOB);
	assert_int_equal(v->len, strlen(want));
	assert_memory_equal(v->p, want, v->len);
}

/* Checks one transaction: GTID <seq> (domain 0), ANNOTATE_ROWS, the table
 * map of it_reader.t, one rows event of <op> and <nrows>, then XID. The
 * rows event is left in *<rows_ev> (valid until the next read). Every
 * event's log_pos must follow from the previous one (*<log_pos>). */
static void expect_txn(struct rdr *r, uint64_t seq, enum ms_bl_rows_op op,
		       uint32_t nrows, uint64_t *log_pos,
		       void (*check)(const struct ms_bl_rows *))
{
	struct ms_bl_event ev;

	for (int step = 0; step < 5; step++) {
		next_data(r, &ev);
		if (ev.h.log_pos != *log_pos + ev.h.event_size)
			fail_msg("event type %u at log_pos %" PRIu32
				 " (size %" PRIu32 "), expected end %" PRIu64,
				 ev.h.type, ev.h.log_pos, ev.h.event_size,
				 *log_pos + ev.h.event_size);
		*log_pos = ev.h.log_pos;
		switch (step) {
		case 0:
			assert_int_equal(ev.kind, MS_BL_K_GTID);
			assert_true(ev.u.gtid.mariadb);
			assert_int_equal(ev.u.gtid.domain_id, 0);
			assert_int_equal(ev.u.gtid.server_id, 1);
			assert_int_equal(ev.u.gtid.seq_no, seq);
			break;
		case 1:
			/* asked for with BINLOG_SEND_ANNOTATE_ROWS_EVENT */
			assert_int_equal(ev.kind, MS_BL_K_ROWS_QUERY);
			break;
		case 2:
			assert_int_equal(ev.kind, MS_BL_K_TABLE_MAP);
			assert_string_equal(ev.u.table_map->schema, SCHEMA);
			assert_string_equal(ev.u.table_map->table, "t");
			break;
		case 3:
			assert_int_equal(ev.kind, MS_BL_K_ROWS);
			assert_int_equal(ev.u.rows.op, op);
			assert_int_equal(ev.u.rows.nrows, nrows);
			check(&ev.u.rows);
			break;
		case 4:
			assert_int_equal(ev.kind, MS_BL_K_XID);
			break;
		}
	}
}

static void check_insert(const struct ms_bl_rows *rows)
{
	assert_int_equal(int_at(&rows->rows[0].after[0]), 1);
	str_at(&rows->rows[0].after[1], "one");
	assert_int_equal(int_at(&rows->rows[1].after[0]), 2);
	str_at(&rows->rows[1].after[1], "two \xf0\x9f\x98\x80");
}

static void check_update(const struct ms_bl_rows *rows)
{
	assert_int_equal(int_at(&rows->rows[0].before[0]), 2);
	str_at(&rows->rows[0].before[1], "two \xf0\x9f\x98\x80");
	assert_int_equal(int_at(&rows->rows[0].after[0]), 2);
	str_at(&rows->rows[0].after[1], "deux");
}

static void check_delete(const struct ms_bl_rows *rows)
{
	assert_int_equal(int_at(&rows->rows[0].before[0]), 1);
	str_at(&rows->rows[0].before[1], "one");
}

static void check_third(const struct ms_bl_rows *rows)
{
	assert_int_equal(int_at(&rows->rows[0].after[0]), 3);
	str_at(&rows->rows[0].after[1], "three");
}

static void check_fourth(const struct ms_bl_rows *rows)
{
	assert_int_equal(int_at(&rows->rows[0].after[0]), 4);
	str_at(&rows->rows[0].after[1], "four");
}

/* The start of a stream at <file>:<pos>: the artificial ROTATE naming it,
 * then the file's FORMAT_DESCRIPTION, then what the server sends before
 * the first transaction (GTID_LIST, BINLOG_CHECKPOINT). Returns with the
 * first event past those unread. */
static void expect_start(struct rdr *r, const char *file, uint64_t pos)
{
	struct ms_bl_event ev;

	must_next(r, &ev);
	assert_int_equal(ev.kind, MS_BL_K_ROTATE);
	assert_true(ev.h.flags & MS_BL_LOG_EVENT_ARTIFICIAL_F);
	assert_string_equal(ev.u.rotate.name, file);
	assert_int_equal(ev.u.rotate.position, pos);
	must_next(r, &ev);
	assert_int_equal(ev.kind, MS_BL_K_FDE);
	assert_int_equal(ev.u.fde.checksum, MS_BL_CHECKSUM_CRC32);
	assert_int_equal(ev.u.fde.flavor, MS_BL_FLAVOR_MARIADB);
}

/* ---- tests ------------------------------------------------------------- */

/* Rows written after the position arrive in order with their values. */
static void stream_from_position(void **state)
{
	struct ms_binlog_pos p;
	struct rdr r;
	uint64_t seq, log_pos;

	(void)state;
	position(&p);
	seq = seq0(p.gtid);
	rdr_open(&r, p.file, p.pos, NULL, 0);
	exec("INSERT INTO " SCHEMA ".t VALUES (1, 'one'), "
	     "(2, 'two \xf0\x9f\x98\x80')");
	exec("UPDATE " SCHEMA ".t SET v = 'deux' WHERE id = 2");
	exec("DELETE FROM " SCHEMA ".t WHERE id = 1");
	expect_start(&r, p.file, p.pos);
	log_pos = p.pos;
	expect_txn(&r, seq + 1, MS_BL_ROWS_WRITE, 2, &log_pos, check_insert);
	expect_txn(&r, seq + 2, MS_BL_ROWS_UPDATE, 1, &log_pos, check_update);
	expect_txn(&r, seq + 3, MS_BL_ROWS_DELETE, 1, &log_pos, check_delete);
	rdr_close(&r);
	ms_binlog_pos_free(&p);
}

/* FLUSH BINARY LOGS: the real ROTATE names the new file, the new file's
 * FORMAT_DESCRIPTION follows, and log_pos starts again at 4. */
static void follows_rotate(void **state)
{
	struct ms_binlog_pos p, after;
	struct ms_bl_event ev;
	struct rdr r;
	uint64_t seq, log_pos;

	(void)state;
	position(&p);
	seq = seq0(p.gtid);
	rdr_open(&r, p.file, p.pos, NULL, 0);
	exec("INSERT INTO " SCHEMA ".t VALUES (3, 'three')");
	exec("FLUSH BINARY LOGS");
	exec("INSERT INTO " SCHEMA ".t VALUES (4, 'four')");
	position(&after);
	assert_string_not_equal(after.file, p.file);
	expect_start(&r, p.file, p.pos);
	log_pos = p.pos;
	expect_txn(&r, seq + 1, MS_BL_ROWS_WRITE, 1, &log_pos, check_third);
	/* the ROTATE at the end of the old file */
	next_data(&r, &ev);
	assert_int_equal(ev.kind, MS_BL_K_ROTATE);
	assert_false(ev.h.flags & MS_BL_LOG_EVENT_ARTIFICIAL_F);
	assert_int_equal(ev.h.log_pos, log_pos + ev.h.event_size);
	assert_string_equal(ev.u.rotate.name, after.file);
	assert_int_equal(ev.u.rotate.position, 4);
	/* the new file from its start: an artificial ROTATE naming it (as
	 * at the start of a stream), FDE, GTID_LIST, BINLOG_CHECKPOINT, then
	 * the transaction, log_pos continuous from 4 */
	next_data(&r, &ev);
	assert_int_equal(ev.kind, MS_BL_K_ROTATE);
	assert_true(ev.h.flags & MS_BL_LOG_EVENT_ARTIFICIAL_F);
	assert_string_equal(ev.u.rotate.name, after.file);
	assert_int_equal(ev.u.rotate.position, 4);
	next_data(&r, &ev);
	assert_int_equal(ev.kind, MS_BL_K_FDE);
	assert_int_equal(ev.h.log_pos, 4 + ev.h.event_size);
	log_pos = ev.h.log_pos;
	for (;;) {
		next_data(&r, &ev);
		assert_int_equal(ev.h.log_pos, log_pos + ev.h.event_size);
		if (ev.kind == MS_BL_K_GTID)
			break;
		assert_true(ev.kind == MS_BL_K_GTID_LIST ||
			    ev.kind == MS_BL_K_BINLOG_CHECKPOINT);
		log_pos = ev.h.log_pos;
	}
	/* expect_txn reads the GTID itself: start it over from here */
	assert_int_equal(ev.u.gtid.seq_no, seq + 2);
	log_pos = ev.h.log_pos;
	for (int i = 0; i < 4; i++) {
		next_data(&r, &ev);
		assert_int_equal(ev.h.log_pos, log_pos + ev.h.event_size);
		log_pos = ev.h.log_pos;
		if (ev.kind == MS_BL_K_ROWS)
			check_fourth(&ev.u.rows);
	}
	assert_int_equal(ev.kind, MS_BL_K_XID);
	assert_int_equal(log_pos, after.pos);
	rdr_close(&r);
	ms_binlog_pos_free(&p);
	ms_binlog_pos_free(&after);
}

/* Idle: heartbeats arrive every 200 ms and name the binlog's end, which
 * is where the last event received ends (the server may still write a
 * BINLOG_CHECKPOINT after the position was taken). */
static void heartbeats(void **state)
{
	struct ms_binlog_pos p;
	struct ms_bl_event ev;
	struct rdr r;
	uint64_t end;
	int seen = 0;

	(void)state;
	position(&p);
	end = p.pos;
	rdr_open(&r, p.file, p.pos, NULL, 200);
	for (int i = 0; i < 100 && seen < 3; i++) {
		must_next(&r, &ev);
		if (ev.kind != MS_BL_K_HEARTBEAT) {
			if (ev.h.log_pos > end)
				end = ev.h.log_pos;
			continue;
		}
		seen++;
		assert_string_equal(ev.u.heartbeat.log_name, p.file);
		assert_int_equal(ev.h.log_pos, end);
	}
	assert_int_equal(seen, 3);
	rdr_close(&r);
	ms_binlog_pos_free(&p);
}

/* No event at all for longer than the idle timeout (heartbeats every
 * 30 s, timeout 1 s) is a lost connection. */
static void idle_timeout(void **state)
{
	struct ms_binlog_pos p;
	struct ms_bl_event ev;
	struct ms_err err;
	struct rdr r;
	char want[128];
	int rc, n = 0;

	(void)state;
	position(&p);
	if (rdr_open_ep(&r, &g_src, p.file, p.pos, NULL, 30000, 1, &err))
		fail_msg("ms_rd_open: %s", err.msg);
	while ((rc = rdr_next(&r, &ev, &err)) == 1)
		assert_true(++n < 10); /* only the start of the stream */
	assert_int_equal(rc, MS_ECONNECT);
	snprintf(want, sizeof(want),
		 "no event or heartbeat from source %s:%u for 1 s", g_src.host,
		 g_src.port);
	assert_non_null(strstr(err.msg, want));
	/* it stays failed */
	assert_int_equal(rdr_next(&r, &ev, &err), MS_ECONNECT);
	rdr_close(&r);
	ms_binlog_pos_free(&p);
}

/* Opened at a GTID state, the stream starts with the next transaction. */
static void stream_from_gtid(void **state)
{
	struct ms_binlog_pos p, mid;
	struct ms_bl_event ev;
	struct rdr r;
	uint64_t seq;

	(void)state;
	position(&p);
	seq = seq0(p.gtid);
	exec("INSERT INTO " SCHEMA ".t VALUES (10, 'ten')");
	position(&mid);
	exec("INSERT INTO " SCHEMA ".t VALUES (11, 'eleven')");

	for (int k = 0; k < 2; k++) {
		const char *gtid = k == 0 ? p.gtid : mid.gtid;

		rdr_open(&r, NULL, 0, gtid, 0);
		must_next(&r, &ev);
		assert_int_equal(ev.kind, MS_BL_K_ROTATE);
		assert_true(ev.h.flags & MS_BL_LOG_EVENT_ARTIFICIAL_F);
		assert_string_equal(ev.u.rotate.name, mid.file);
		skip_to(&r, &ev, MS_BL_K_GTID);
		assert_int_equal(ev.u.gtid.seq_no, seq + 1 + (uint64_t)k);
		skip_to(&r, &ev, MS_BL_K_ROWS);
		assert_int_equal(int_at(&ev.u.rows.rows[0].after[0]), 10 + k);
		rdr_close(&r);
	}
	ms_binlog_pos_free(&p);
	ms_binlog_pos_free(&mid);
}

/* A 20 MB row: the event spans two 16 MB protocol packets and must come
 * out whole, with a valid checksum and the blob intact. */
static void big_event(void **state)
{
	struct ms_binlog_pos p;
	struct ms_bl_event ev;
	struct rdr r;
	const struct ms_bl_value *v;

	(void)state;
	position(&p);
	rdr_open(&r, p.file, p.pos, NULL, 0);
	exec("INSERT INTO " SCHEMA ".big VALUES (1, "
	     "CONCAT(REPEAT('x', 20 * 1024 * 1024 - 3), 'end'))");
	skip_to(&r, &ev, MS_BL_K_ROWS);
	assert_true(ev.h.event_size > BIG_BYTES);
	assert_int_equal(ev.u.rows.nrows, 1);
	v = &ev.u.rows.rows[0].after[1];
	assert_int_equal(v->kind, MS_BL_V_BLOB);
	assert_int_equal(v->len, BIG_BYTES);
	assert_memory_equal(v->p, "xxx", 3);
	assert_memory_equal(v->p + BIG_BYTES - 3, "end", 3);
	for (size_t i = 0; i < BIG_BYTES - 3; i += 4093)
		assert_int_equal(v->p[i], 'x');
	skip_to(&r, &ev, MS_BL_K_XID);
	rdr_close(&r);
	exec("DELETE FROM " SCHEMA ".big");
	ms_binlog_pos_free(&p);
}

struct waiter {
	struct rdr *r;
	int rc;
	struct ms_err err;
	int events;
};

static void *wait_events(void *arg)
{
	struct waiter *w = arg;
	struct ms_bl_event ev;

	while ((w->rc = rdr_next(w->r, &ev, &w->err)) == 1)
		w->events++;
	return NULL;
}

/* ms_rd_interrupt from another thread ends a read blocked on an idle
 * source (default heartbeat 1 s, idle timeout 10 s). */
static void interrupt(void **state)
{
	struct ms_binlog_pos p;
	struct rdr r;
	struct waiter w = {.r = &r};
	pthread_t t;

	(void)state;
	position(&p);
	rdr_open(&r, p.file, p.pos, NULL, 0);
	assert_int_equal(pthread_create(&t, NULL, wait_events, &w), 0);
	sleep_ms(300); /* let it block; either way it must end */
	ms_rd_interrupt(r.rd);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.rc, MS_EIO);
	assert_non_null(strstr(w.err.msg, "interrupted"));
	/* later calls fail the same way */
	{
		struct ms_bl_event ev;
		struct ms_err err;

		assert_int_equal(rdr_next(&r, &ev, &err), MS_EIO);
	}
	rdr_close(&r);
	ms_binlog_pos_free(&p);
}

/* The other tests connect with ssl-mode PREFERRED, which the sandbox
 * accepts (TLS); the same stream works without TLS, and so does the
 * interrupt. */
static void without_tls(void **state)
{
	struct ms_endpoint ep = g_src;
	struct ms_binlog_pos p;
	struct ms_bl_event ev;
	struct ms_err err;
	struct rdr r;

	(void)state;
	ep.ssl_mode = MS_SSL_DISABLED;
	position(&p);
	if (rdr_open_ep(&r, &ep, p.file, p.pos, NULL, 0, 0, &err))
		fail_msg("ms_rd_open: %s", err.msg);
	exec("INSERT INTO " SCHEMA ".t VALUES (40, 'forty')");
	skip_to(&r, &ev, MS_BL_K_ROWS);
	assert_int_equal(int_at(&ev.u.rows.rows[0].after[0]), 40);
	skip_to(&r, &ev, MS_BL_K_XID);
	ms_rd_interrupt(r.rd);
	assert_int_equal(rdr_next(&r, &ev, &err), MS_EIO);
	rdr_close(&r);
	ms_binlog_pos_free(&p);
}

/* A second reader with the same server_id (our restarted process) makes
 * the server drop the first one (its zombie); the new one streams. */
static void replaces_zombie(void **state)
{
	struct ms_binlog_pos p;
	struct ms_bl_event ev;
	struct ms_err err;
	struct rdr zombie, r;
	int rc;

	(void)state;
	position(&p);
	rdr_open(&zombie, p.file, p.pos, NULL, 0);
	for (int k = 0; k < 2; k++) {
		rdr_open(&r, k ? NULL : p.file, p.pos, k ? p.gtid : NULL, 0);
		exec(k ? "UPDATE " SCHEMA ".t SET v = 'z' WHERE id = 30"
		       : "INSERT INTO " SCHEMA ".t VALUES (30, 'thirty')");
		skip_to(&r, &ev, MS_BL_K_ROWS);
		assert_int_equal(int_at(&ev.u.rows.rows[0].after[0]), 30);
		if (k == 0) {
			/* the zombie's stream ends: it reads what it had,
			 * then fails */
			while ((rc = rdr_next(&zombie, &ev, &err)) == 1)
				;
			print_message("zombie: %s\n", err.msg);
			assert_true(rc == MS_ECONNECT || rc == MS_ESQL);
			rdr_close(&zombie);
			zombie = r; /* the next round replaces this one */
		}
	}
	rdr_close(&zombie);
	rdr_close(&r);
	ms_binlog_pos_free(&p);
}

/* Kills the server side of every binlog dump of the myshift user and
 * waits (a bounded while) until they are gone. */
static void kill_dump_threads(void)
{
	for (int round = 0; round < 100; round++) {
		struct ms_db_result *r;
		struct ms_err err;
		char sql[64];
		size_t n;

		if (ms_db_query(g_admin,
				"SELECT ID FROM information_schema.PROCESSLIST "
				"WHERE COMMAND LIKE 'Binlog Dump%' AND USER = "
				"'myshift'",
				&r, &err))
			fail_msg("processlist: %s", err.msg);
		n = ms_db_result_nrows(r);
		for (size_t i = 0; i < n; i++) {
			snprintf(sql, sizeof(sql), "KILL CONNECTION %s",
				 ms_db_result_get(r, i, 0));
			int rc = ms_db_exec(g_admin, sql, NULL);

			(void)rc; /* it may have ended by itself */
		}
		ms_db_result_free(r);
		if (n == 0)
			return;
		sleep_ms(100);
	}
	fail_msg("binlog dump threads still there after KILL");
}

static bool has_binlog(const char *file)
{
	struct ms_db_result *r;
	struct ms_err err;
	bool found = false;

	if (ms_db_query(g_admin, "SHOW BINARY LOGS", &r, &err))
		fail_msg("SHOW BINARY LOGS: %s", err.msg);
	for (size_t i = 0; i < ms_db_result_nrows(r); i++)
		if (strcmp(ms_db_result_get(r, i, 0), file) == 0)
			found = true;
	ms_db_result_free(r);
	return found;
}

/* PURGE BINARY LOGS TO <to> until <gone> is gone. The server keeps a file
 * that a dump thread is reading (those of the readers closed above sit on
 * it until their next heartbeat: killed here) or that crash recovery
 * still needs (until its BINLOG_CHECKPOINT, written asynchronously after
 * FLUSH BINARY LOGS: retried a bounded number of times). */
static void purge_to(const char *to, const char *gone)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "PURGE BINARY LOGS TO '%s'", to);
	for (int i = 0; i < 100; i++) {
		kill_dump_threads();
		exec(sql);
		if (!has_binlog(gone))
			return;
		sleep_ms(100);
	}
	{
		struct ms_db_result *r;
		struct ms_err err;

		if (ms_db_query(g_admin, "SHOW WARNINGS", &r, &err) == 0) {
			for (size_t i = 0; i < ms_db_result_nrows(r); i++)
				print_message("warning: %s\n",
					      ms_db_result_get(r, i, 2));
			ms_db_result_free(r);
		}
	}
	fail_msg("%s was not purged", gone);
}

/* A purged binlog file, and a GTID only purged files held, are
 * MS_ENOTFOUND naming them. The file "" starts at the oldest binlog. */
static void purged(void **state)
{
	struct ms_binlog_pos old, cur;
	struct ms_bl_event ev;
	struct ms_err err;
	struct rdr r;
	char sql[512];
	int rc;

	(void)state;
	exec("INSERT INTO " SCHEMA ".t VALUES (20, 'twenty')");
	position(&old);
	exec("FLUSH BINARY LOGS");
	exec("INSERT INTO " SCHEMA ".t VALUES (21, 'twenty-one')");
	position(&cur);
	purge_to(cur.file, old.file);

	rc = rdr_open_ep(&r, &g_src, old.file, 4, NULL, 0, 0, &err);
	assert_int_equal(rc, MS_ENOTFOUND);
	snprintf(sql, sizeof(sql), "binlog '%s' (position 4) is not on source",
		 old.file);
	if (!strstr(err.msg, sql))
		fail_msg("message '%s' lacks '%s'", err.msg, sql);
	assert_int_equal(err.sql_errno, 1236);

	/* the GTID of the purged transaction is gone too */
	rc = rdr_open_ep(&r, &g_src, NULL, 0, "0-1-1", 0, 0, &err);
	assert_int_equal(rc, MS_ENOTFOUND);
	assert_non_null(strstr(err.msg, "GTID state '0-1-1' is not on source"));

	/* "" = the oldest binlog the server has */
	rdr_open(&r, "", 0, NULL, 0);
	expect_start(&r, cur.file, 4);
	skip_to(&r, &ev, MS_BL_K_ROWS);
	assert_int_equal(int_at(&ev.u.rows.rows[0].after[0]), 21);
	rdr_close(&r);
	ms_binlog_pos_free(&old);
	ms_binlog_pos_free(&cur);
}

/* A GTID the server never wrote is not found either. */
static void gtid_ahead(void **state)
{
	struct ms_err err;
	struct rdr r;
	int rc;

	(void)state;
	rc = rdr_open_ep(&r, &g_src, NULL, 0, "0-1-999999999", 0, 0, &err);
	if (rc != MS_ENOTFOUND)
		fail_msg("rc %d: %s", rc, err.msg);
	assert_non_null(strstr(err.msg, "GTID state '0-1-999999999'"));
	/* and a malformed one never reaches the server */
	assert_int_equal(rdr_open_ep(&r, &g_src, NULL, 0, "0-1-x", 0, 0, &err),
			 MS_EPARSE);
	assert_non_null(strstr(err.msg, "bad sequence number"));
}

/* Without REPLICATION SLAVE the open fails naming the privilege. */
static void no_privilege(void **state)
{
	struct ms_endpoint ep = g_src;
	struct ms_err err;
	struct rdr r;

	(void)state;
	exec("DROP USER IF EXISTS '" NOPRIV "'@'%'");
	exec("CREATE USER '" NOPRIV "'@'%' IDENTIFIED BY '" NOPRIV_PW "'");
	exec("GRANT SELECT, REPLICATION CLIENT ON *.* TO '" NOPRIV "'@'%'");
	ep.user = (char *)NOPRIV;
	ep.password = (char *)NOPRIV_PW;
	assert_int_equal(rdr_open_ep(&r, &ep, "", 0, NULL, 0, 0, &err),
			 MS_ESQL);
	assert_non_null(strstr(err.msg, "REPLICATION SLAVE"));
	assert_int_equal(err.sql_errno, 1227);
	exec("DROP USER '" NOPRIV "'@'%'");
}

/* A server_id of 0 is refused before connecting. */
static void bad_options(void **state)
{
	struct ms_rd_opts o = {.ep = &g_src, .server_id = 0};
	struct ms_rd_start st = {.file = "", .pos = 4};
	struct ms_rd *rd;
	struct ms_err err;

	(void)state;
	assert_int_equal(ms_rd_open(&o, &st, &rd, &err), MS_EINVAL);
	assert_non_null(strstr(err.msg, "server_id"));
	assert_null(rd);
	ms_rd_close(NULL);
}

static int setup(void **state)
{
	struct ms_endpoint admin;
	struct ms_db_opts o = {.role = "source"};
	struct ms_err err;

	(void)state;
	memset(&admin, 0, sizeof(admin));
	memset(&g_src, 0, sizeof(g_src));
	if (ms_endpoint_parse(it_env_or_skip("MYSHIFT_SOURCE_ADMIN"), &admin,
			      &err) ||
	    ms_endpoint_parse(it_env_or_skip("MYSHIFT_SOURCE"), &g_src, &err) ||
	    ms_endpoint_resolve_password(&g_src, "MYSHIFT_SOURCE_PASSWORD",
					 NULL, &err))
		fail_msg("endpoints: %s", err.msg);
	if (ms_db_connect(&admin, &o, &g_admin, &err))
		fail_msg("connect: %s", err.msg);
	ms_endpoint_free(&admin);
	exec("DROP DATABASE IF EXISTS " SCHEMA);
	exec("CREATE DATABASE " SCHEMA);
	exec("CREATE TABLE " SCHEMA ".t (id INT PRIMARY KEY, v VARCHAR(40) "
	     "CHARACTER SET utf8mb4)");
	exec("CREATE TABLE " SCHEMA ".big (id INT PRIMARY KEY, b LONGBLOB)");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	exec("DROP DATABASE IF EXISTS " SCHEMA);
	ms_db_close(g_admin);
	ms_endpoint_free(&g_src);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(bad_options),
	    cmocka_unit_test(stream_from_position),
	    cmocka_unit_test(follows_rotate),
	    cmocka_unit_test(heartbeats),
	    cmocka_unit_test(idle_timeout),
	    cmocka_unit_test(stream_from_gtid),
	    cmocka_unit_test(big_event),
	    cmocka_unit_test(interrupt),
	    cmocka_unit_test(replaces_zombie),
	    cmocka_unit_test(without_tls),
	    cmocka_unit_test(purged),
	    cmocka_unit_test(gtid_ahead),
	    cmocka_unit_test(no_privilege),
	};
	const char *v = getenv("MYSHIFT_TEST_VERBOSE");

	g_verbose = v && *v && strcmp(v, "0") != 0;
	it_env_or_skip("MYSHIFT_SOURCE_ADMIN");
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* Unit tests for the pure parts of the binlog reader (src/sync/reader_int.h):
 * the COM_BINLOG_DUMP and COM_BINLOG_DUMP_GTID payloads byte for byte (the
 * MySQL paths have no live server in the sandbox), and how errors the
 * server sends on the dump are classified. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "sync/gtid.h"
#include "sync/reader_int.h"

#define U1 "3e11fa47-71ca-11e1-9e33-c80aa9429562"

static void dump_args(void **state)
{
	static const uint8_t want[] = {
	    0x34, 0x06, 0x00, 0x00, /* position 1588 */
	    0x02, 0x00,		    /* flags */
	    0x75, 0x27, 0x00, 0x00, /* server_id 10101 */
	    'm',  'y',	's',  'q',  'l', '-', 'b', 'i',
	    'n',  '.',	'0',  '0',  '0', '0', '3', '4'};
	struct ms_buf b;
	struct ms_err err;

	(void)state;
	ms_buf_init(&b, 1024);
	assert_int_equal(ms_rd_dump_args(&b, 10101, MS_RD_DUMP_SEND_ANNOTATE,
					 "mysql-bin.000034", 1588, &err),
			 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.ptr, want, sizeof(want));
	/* an empty file name: the server's first binlog */
	ms_buf_reset(&b);
	assert_int_equal(ms_rd_dump_args(&b, 1, 0, "", 4, &err), 0);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.ptr, "\x04\0\0\0\0\0\x01\0\0\0", 10);
	/* refused: a position past 32 bits, a name past 255 bytes */
	ms_buf_reset(&b);
	assert_int_equal(ms_rd_dump_args(&b, 1, 0, "f", 1ULL << 32, &err),
			 MS_EINVAL);
	assert_non_null(strstr(err.msg, "4294967296"));
	{
		char name[300];

		memset(name, 'a', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		assert_int_equal(ms_rd_dump_args(&b, 1, 0, name, 4, &err),
				 MS_EINVAL);
	}
	ms_buf_free(&b);
}

static void dump_gtid_args(void **state)
{
	struct ms_gtid_state *g = ms_gtid_new(MS_GTID_MYSQL);
	struct ms_buf b, sids;
	struct ms_err err;
	size_t at;

	(void)state;
	ms_buf_init(&b, 1 << 20);
	ms_buf_init(&sids, 1 << 20);
	assert_int_equal(ms_gtid_parse(g, MS_GTID_MYSQL, U1 ":1-100:102", NULL),
			 0);
	assert_int_equal(ms_gtid_encode_mysql(g, &sids, NULL), 0);
	assert_int_equal(sids.len, 8 + 16 + 8 + 2 * 16);
	assert_int_equal(ms_rd_dump_gtid_args(&b, 7, "", 4, g, &err), 0);
	/* flags BINLOG_THROUGH_GTID, server_id, name length 0, pos u64 */
	assert_memory_equal(b.ptr,
			    "\x04\x00"
			    "\x07\x00\x00\x00"
			    "\x00\x00\x00\x00"
			    "\x04\x00\x00\x00\x00\x00\x00\x00",
			    18);
	at = 18;
	/* the SID block's length, then the block */
	assert_memory_equal(b.ptr + at, "\x40\x00\x00\x00", 4);
	assert_int_equal(b.len, at + 4 + sids.len);
	assert_memory_equal(b.ptr + at + 4, sids.ptr, sids.len);

	/* with a file name and a position past 32 bits */
	ms_buf_reset(&b);
	assert_int_equal(ms_rd_dump_gtid_args(&b, 0x01020304, "bin.000002",
					      1ULL << 33, g, &err),
			 0);
	assert_memory_equal(b.ptr,
			    "\x04\x00"
			    "\x04\x03\x02\x01"
			    "\x0a\x00\x00\x00"
			    "bin.000002"
			    "\x00\x00\x00\x00\x02\x00\x00\x00",
			    28);
	/* a MariaDB state has no such encoding */
	ms_buf_reset(&b);
	assert_int_equal(ms_gtid_parse(g, MS_GTID_MARIADB, "0-1-2", NULL), 0);
	assert_int_equal(ms_rd_dump_gtid_args(&b, 7, "", 4, g, &err),
			 MS_EINVAL);
	ms_buf_free(&b);
	ms_buf_free(&sids);
	ms_gtid_free(g);
}

static void classify(void **state)
{
	(void)state;
	/* MariaDB and MySQL texts for a start point that is gone */
	assert_int_equal(ms_rd_classify(1236,
					"Could not find first log file name in "
					"binary log index file"),
			 MS_ENOTFOUND);
	assert_int_equal(
	    ms_rd_classify(1236, "Could not find GTID state requested by "
				 "slave in any binlog files. Probably the "
				 "slave state is too old and required binlog "
				 "files have been purged."),
	    MS_ENOTFOUND);
	assert_int_equal(
	    ms_rd_classify(1236, "Error: connecting slave requested to start "
				 "from GTID 0-1-999, which is not in the "
				 "master's binlog"),
	    MS_ENOTFOUND);
	assert_int_equal(
	    ms_rd_classify(1236, "Cannot replicate because the source purged "
				 "required binary logs. Replicate the missing "
				 "transactions from elsewhere"),
	    MS_ENOTFOUND);
	assert_int_equal(
	    ms_rd_classify(1236, "The slave is connecting using CHANGE MASTER "
				 "TO MASTER_AUTO_POSITION = 1, but the master "
				 "has purged binary logs containing GTIDs that "
				 "the slave requires."),
	    MS_ENOTFOUND);
	/* other 1236 failures are not "not found" */
	assert_int_equal(ms_rd_classify(1236,
					"Client requested master to start "
					"replication from impossible position"),
			 MS_ESQL);
	assert_int_equal(
	    ms_rd_classify(1227, "Access denied; you need (at least one of) "
				 "the REPLICATION SLAVE privilege(s) for this "
				 "operation"),
	    MS_ESQL);
	assert_int_equal(ms_rd_classify(4052, "A slave with the same "
					      "server_uuid/server_id"),
			 MS_ESQL);
	/* what a reconnect may cure */
	assert_int_equal(ms_rd_classify(1053, "Server shutdown in progress"),
			 MS_ECONNECT);
	assert_int_equal(ms_rd_classify(1927, "Connection was killed"),
			 MS_ECONNECT);
	assert_int_equal(ms_rd_classify(1064, "syntax"), MS_ESQL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dump_args),
	    cmocka_unit_test(dump_gtid_args),
	    cmocka_unit_test(classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

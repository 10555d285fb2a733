/* MariaDB Connector/C (libmariadb) through `myshift proxy`, for the commands
 * the script clients cannot send: COM_CHANGE_USER, COM_RESET_CONNECTION,
 * COM_SET_OPTION, COM_FIELD_LIST, COM_STATISTICS, prepared statements with
 * a read-only cursor (COM_STMT_FETCH), COM_STMT_SEND_LONG_DATA (20 MB),
 * COM_STMT_RESET, and a closed statement's id. Run by
 * tests/integration/test_proxy_capi.sh, which starts the proxy and passes
 *
 *   MYSHIFT_PROXY_PORT            the proxy's client port (127.0.0.1)
 *   MYSHIFT_PROXY_SCHEMA          a schema both users may use
 *   MYSHIFT_PROXY_APP_PASSWORD    password of user app
 *   MYSHIFT_PROXY_APP2_PASSWORD   password of user app2
 *   MYSHIFT_PROXY_SSL_CA          optional: connect with TLS, verifying
 *
 * Pointing MYSHIFT_PROXY_PORT at a sandbox server runs the same checks
 * against MariaDB itself. Where the server's own counters can prove what
 * it received (Com_stmt_fetch, Com_stmt_send_long_data, ...), the tests
 * read them through the same connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <mysql.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../integration/it.h"

static const char *schema;
static const char *app_pw;
static const char *app2_pw;
static const char *ssl_ca;
static unsigned port;

#define BIG (20u * 1024u * 1024u)

/* Fails with the client's error when <rc> is non-zero. */
#define OK(m, rc)                                                              \
	do {                                                                   \
		if ((rc) != 0)                                                 \
			fail_msg("%s: %u %s", #rc, mysql_errno(m),             \
				 mysql_error(m));                              \
	} while (0)
#define STMT_OK(s, rc)                                                         \
	do {                                                                   \
		if ((rc) != 0)                                                 \
			fail_msg("%s: %u %s", #rc, mysql_stmt_errno(s),        \
				 mysql_stmt_error(s));                         \
	} while (0)

static MYSQL *open_as(const char *user, const char *pw, unsigned long flags)
{
	MYSQL *m = mysql_init(NULL);
	unsigned timeout = 10, io_timeout = 120;
	my_bool on = 1;
	unsigned long maxp = 64ul * 1024 * 1024;

	assert_non_null(m);
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
	mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
	mysql_optionsv(m, MYSQL_OPT_MAX_ALLOWED_PACKET, &maxp);
	mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (ssl_ca) {
		mysql_optionsv(m, MYSQL_OPT_SSL_CA, ssl_ca);
		mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
		mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &on);
	}
	if (!mysql_real_connect(m, "127.0.0.1", user, pw, schema, port, NULL,
				flags))
		fail_msg("connect as %s to 127.0.0.1:%u: %u %s", user, port,
			 mysql_errno(m), mysql_error(m));
	if (ssl_ca)
		assert_non_null(mysql_get_ssl_cipher(m));
	else
		assert_null(mysql_get_ssl_cipher(m));
	return m;
}

static MYSQL *open_app(void)
{
	return open_as("app", app_pw, 0);
}

/* The first column of the first row of <q> (caller frees; NULL for SQL
 * NULL). */
static char *value(MYSQL *m, const char *q)
{
	MYSQL_RES *r;
	MYSQL_ROW row;
	char *v = NULL;

	if (mysql_query(m, q))
		fail_msg("%s: %u %s", q, mysql_errno(m), mysql_error(m));
	r = mysql_store_result(m);
	assert_non_null(r);
	row = mysql_fetch_row(r);
	assert_non_null(row);
	if (row[0])
		v = strdup(row[0]);
	mysql_free_result(r);
	return v;
}

static void assert_value(MYSQL *m, const char *q, const char *want)
{
	char *v = value(m, q);

	if (want == NULL) {
		if (v)
			fail_msg("%s: expected NULL, got '%s'", q, v);
		return;
	}
	if (v == NULL)
		fail_msg("%s: expected '%s', got NULL", q, want);
	if (strcmp(v, want) != 0)
		fail_msg("%s: expected '%s', got '%s'", q, want, v);
	printf("ok   %s = '%s'\n", q, v);
	free(v);
}

/* A session status counter of the backend connection. */
static long counter(MYSQL *m, const char *name)
{
	char q[128];
	char *v;
	MYSQL_RES *r;
	MYSQL_ROW row;
	long n;

	snprintf(q, sizeof(q), "SHOW SESSION STATUS LIKE '%s'", name);
	OK(m, mysql_query(m, q));
	r = mysql_store_result(m);
	assert_non_null(r);
	row = mysql_fetch_row(r);
	if (!row)
		fail_msg("status variable %s not found", name);
	v = row[1];
	n = strtol(v, NULL, 10);
	mysql_free_result(r);
	return n;
}

static void change_user(void **state)
{
	MYSQL *m = open_app();

	(void)state;
	OK(m, mysql_query(m, "SET @it_v = 5"));
	assert_value(m, "SELECT CURRENT_USER()", "app@%");
	OK(m, mysql_change_user(m, "app2", app2_pw, schema));
	assert_value(m, "SELECT CURRENT_USER()", "app2@%");
	assert_value(m, "SELECT USER() LIKE 'app2@%'", "1");
	assert_value(m, "SELECT @it_v", NULL); /* session state reset */
	assert_value(m, "SELECT DATABASE()", schema);
	OK(m, mysql_change_user(m, "app", app_pw, NULL));
	assert_value(m, "SELECT CURRENT_USER()", "app@%");
	assert_value(m, "SELECT DATABASE()", NULL);
	OK(m, mysql_select_db(m, schema));
	assert_value(m, "SELECT DATABASE()", schema);
	mysql_close(m);

	/* A wrong password: Access denied, as from the server. */
	m = open_app();
	if (mysql_change_user(m, "app2", "not-the-password", schema) == 0)
		fail_msg("COM_CHANGE_USER with a wrong password succeeded");
	assert_int_equal(mysql_errno(m), 1045);
	assert_non_null(strstr(mysql_error(m), "Access denied"));
	printf("ok   change_user with a wrong password: %u %s\n",
	       mysql_errno(m), mysql_error(m));
	mysql_close(m);
}

/* Executes statement id <id> (a closed or dropped one) through a freshly
 * prepared handle whose id is overwritten, and returns the error number
 * (0 if it ran). When the new statement happens to get <id> itself, the
 * id is live again and this returns -1 (the caller cannot tell). */
static int execute_stale_id(MYSQL *m, unsigned long id)
{
	MYSQL_STMT *s = mysql_stmt_init(m);
	unsigned long mine;
	int rc;

	assert_non_null(s);
	STMT_OK(s, mysql_stmt_prepare(s, "SELECT 22", 9));
	mine = s->stmt_id;
	printf("ok   statement ids: stale %lu, new %lu\n", id, mine);
	if (mine == id) {
		mysql_stmt_close(s);
		return -1;
	}
	s->stmt_id = id;
	rc = mysql_stmt_execute(s) ? (int)mysql_stmt_errno(s) : 0;
	printf("ok   execute of stale id %lu: %u %s\n", id, mysql_stmt_errno(s),
	       mysql_stmt_error(s));
	s->stmt_id = mine;
	mysql_stmt_close(s);
	return rc;
}

static void reset_connection(void **state)
{
	MYSQL *m = open_app();
	MYSQL_STMT *s = mysql_stmt_init(m);
	char *mode = value(m, "SELECT @@session.sql_mode");
	unsigned long old_id;
	int rc;

	(void)state;
	OK(m, mysql_query(m, "SET @it_r = 'set', SESSION sql_mode = 'ANSI'"));
	OK(m, mysql_query(m, "CREATE TEMPORARY TABLE it_tmp (a INT)"));
	STMT_OK(s, mysql_stmt_prepare(s, "SELECT 1", 8));
	old_id = s->stmt_id;
	OK(m, mysql_query(m, "PREPARE it_sql_ps FROM 'SELECT 2'"));
	OK(m, mysql_query(m, "BEGIN"));
	OK(m, mysql_query(m, "INSERT INTO it_tmp VALUES (1)"));
	OK(m, mysql_reset_connection(m));
	assert_value(m, "SELECT @it_r", NULL);
	assert_value(m, "SELECT @@session.sql_mode", mode);
	assert_value(m, "SELECT @@in_transaction", "0");
	assert_value(m,
		     "SELECT COUNT(*) FROM information_schema.tables "
		     "WHERE table_name = 'it_tmp'",
		     "0");
	assert_int_not_equal(mysql_query(m, "SELECT * FROM it_tmp"), 0);
	assert_int_equal(mysql_errno(m), 1146);
	assert_int_not_equal(mysql_query(m, "EXECUTE it_sql_ps"), 0);
	assert_int_equal(mysql_errno(m), 1243);
	/* libmariadb invalidates its statement handles itself; the server
	 * (through the proxy) must have dropped the statement too. */
	assert_int_not_equal(mysql_stmt_execute(s), 0);
	mysql_stmt_close(s);
	rc = execute_stale_id(m, old_id);
	if (rc != 1243 && rc != -1)
		fail_msg("execute of a statement id dropped by "
			 "COM_RESET_CONNECTION: expected error 1243, got %d",
			 rc);
	assert_value(m, "SELECT CURRENT_USER()", "app@%");
	assert_value(m, "SELECT DATABASE()", schema);
	free(mode);
	mysql_close(m);
}

static void set_server_option(void **state)
{
	MYSQL *m = open_app();
	MYSQL_RES *r;

	(void)state;
	assert_int_not_equal(mysql_query(m, "SELECT 1; SELECT 2"), 0);
	assert_int_equal(mysql_errno(m), 1064);
	OK(m, mysql_set_server_option(m, MYSQL_OPTION_MULTI_STATEMENTS_ON));
	OK(m, mysql_query(m, "SELECT 1; SELECT 2"));
	r = mysql_store_result(m);
	assert_non_null(r);
	mysql_free_result(r);
	assert_int_equal(mysql_next_result(m), 0);
	r = mysql_store_result(m);
	assert_non_null(r);
	assert_string_equal(mysql_fetch_row(r)[0], "2");
	mysql_free_result(r);
	assert_int_equal(mysql_next_result(m), -1);
	printf("ok   MULTI_STATEMENTS_ON: two result sets\n");
	OK(m, mysql_set_server_option(m, MYSQL_OPTION_MULTI_STATEMENTS_OFF));
	assert_int_not_equal(mysql_query(m, "SELECT 1; SELECT 2"), 0);
	assert_int_equal(mysql_errno(m), 1064);
	printf("ok   MULTI_STATEMENTS_OFF: %u\n", mysql_errno(m));
	assert_value(m, "SELECT 3", "3");
	mysql_close(m);
}

static void field_list_and_stat(void **state)
{
	MYSQL *m = open_app();
	MYSQL_RES *r;
	MYSQL_FIELD *f;
	const char *st;

	(void)state;
	OK(m, mysql_query(m, "DROP TABLE IF EXISTS c_fields"));
	OK(m, mysql_query(m, "CREATE TABLE c_fields (alpha INT NOT NULL, "
			     "beta VARCHAR(10), bravo DATETIME(3))"));
	r = mysql_list_fields(m, "c_fields", NULL);
	if (!r)
		fail_msg("mysql_list_fields: %u %s", mysql_errno(m),
			 mysql_error(m));
	assert_int_equal(mysql_num_fields(r), 3);
	f = mysql_fetch_fields(r);
	assert_string_equal(f[0].name, "alpha");
	assert_int_equal(f[0].type, MYSQL_TYPE_LONG);
	assert_string_equal(f[1].name, "beta");
	assert_int_equal(f[1].type, MYSQL_TYPE_VAR_STRING);
	assert_string_equal(f[2].name, "bravo");
	assert_int_equal(f[2].type, MYSQL_TYPE_DATETIME);
	assert_string_equal(f[2].table, "c_fields");
	mysql_free_result(r);
	r = mysql_list_fields(m, "c_fields", "b%");
	assert_non_null(r);
	assert_int_equal(mysql_num_fields(r), 2);
	mysql_free_result(r);
	printf("ok   COM_FIELD_LIST: alpha INT, beta VARCHAR, bravo DATETIME;"
	       " wildcard b%%: 2\n");
	assert_null(mysql_list_fields(m, "c_no_such_table", NULL));
	assert_int_equal(mysql_errno(m), 1146);
	assert_value(m, "SELECT 'in sync after COM_FIELD_LIST'",
		     "in sync after COM_FIELD_LIST");

	st = mysql_stat(m);
	if (!st)
		fail_msg("mysql_stat: %u %s", mysql_errno(m), mysql_error(m));
	assert_non_null(strstr(st, "Uptime: "));
	assert_non_null(strstr(st, "Threads: "));
	printf("ok   COM_STATISTICS: %s\n", st);
	assert_value(m, "SELECT 'in sync after COM_STATISTICS'",
		     "in sync after COM_STATISTICS");
	mysql_close(m);
}

/* Prepares <q> with a read-only cursor fetching <prefetch> rows at a time
 * and binds one LONGLONG result to <out>. */
static MYSQL_STMT *cursor_stmt(MYSQL *m, const char *q, unsigned long prefetch,
			       long long *out, MYSQL_BIND *b)
{
	MYSQL_STMT *s = mysql_stmt_init(m);
	unsigned long type = CURSOR_TYPE_READ_ONLY;

	assert_non_null(s);
	STMT_OK(s, mysql_stmt_prepare(s, q, strlen(q)));
	STMT_OK(s, mysql_stmt_attr_set(s, STMT_ATTR_CURSOR_TYPE, &type));
	STMT_OK(s, mysql_stmt_attr_set(s, STMT_ATTR_PREFETCH_ROWS, &prefetch));
	STMT_OK(s, mysql_stmt_execute(s));
	memset(b, 0, sizeof(*b));
	b->buffer_type = MYSQL_TYPE_LONGLONG;
	b->buffer = out;
	STMT_OK(s, mysql_stmt_bind_result(s, b));
	return s;
}

static void cursor_fetch(void **state)
{
	MYSQL *m = open_app();
	MYSQL_BIND b1, b2;
	long long v1 = 0, v2 = 0;
	MYSQL_STMT *s1, *s2;
	long f0, f1;
	int i;

	(void)state;
	f0 = counter(m, "Com_stmt_fetch");
	s1 = cursor_stmt(m, "SELECT seq FROM seq_1_to_10", 2, &v1, &b1);
	s2 = cursor_stmt(m, "SELECT seq * 100 FROM seq_1_to_10", 3, &v2, &b2);
	/* Two open cursors on one connection, fetched in turns. */
	for (i = 1; i <= 10; i++) {
		STMT_OK(s1, mysql_stmt_fetch(s1));
		assert_int_equal(v1, i);
		STMT_OK(s2, mysql_stmt_fetch(s2));
		assert_int_equal(v2, i * 100);
	}
	assert_int_equal(mysql_stmt_fetch(s1), MYSQL_NO_DATA);
	assert_int_equal(mysql_stmt_fetch(s2), MYSQL_NO_DATA);
	f1 = counter(m, "Com_stmt_fetch");
	printf("ok   two cursors fetched 10 rows each (prefetch 2 and 3); "
	       "backend Com_stmt_fetch delta %ld\n",
	       f1 - f0);
	/* 10 rows 2 at a time and 3 at a time: at least 5 + 4 fetches. */
	assert_true(f1 - f0 >= 9);

	/* Re-execute s1 (the cursor is reopened), fetch part of it, then
	 * COM_STMT_RESET closes the cursor; executing again starts over. */
	STMT_OK(s1, mysql_stmt_execute(s1));
	STMT_OK(s1, mysql_stmt_fetch(s1));
	assert_int_equal(v1, 1);
	STMT_OK(s1, mysql_stmt_fetch(s1));
	STMT_OK(s1, mysql_stmt_fetch(s1));
	assert_int_equal(v1, 3);
	STMT_OK(s1, mysql_stmt_reset(s1));
	STMT_OK(s1, mysql_stmt_execute(s1));
	STMT_OK(s1, mysql_stmt_fetch(s1));
	assert_int_equal(v1, 1);
	printf("ok   COM_STMT_RESET closed the cursor; re-execute restarts "
	       "at 1\n");
	mysql_stmt_close(s1);
	mysql_stmt_close(s2);
	assert_value(m, "SELECT 'in sync after cursors'",
		     "in sync after cursors");
	mysql_close(m);
}

static void sha256_hex(const unsigned char *p, size_t n, char hex[65])
{
	unsigned char d[SHA256_DIGEST_LENGTH];
	int i;

	SHA256(p, n, d);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static void send_long_data(void **state)
{
	static const char ins[] = "INSERT INTO c_long (id, b) VALUES (?, ?)";
	MYSQL *m = open_app();
	MYSQL_STMT *s = mysql_stmt_init(m);
	MYSQL_BIND b[2];
	unsigned char *data = malloc(BIG);
	char hex[65], q[160], *got;
	int id = 1;
	long l0, l1;
	size_t i;

	(void)state;
	assert_non_null(data);
	for (i = 0; i < BIG; i++)
		data[i] = (unsigned char)((i * 2654435761u) >> 13);
	sha256_hex(data, BIG, hex);
	OK(m, mysql_query(m, "DROP TABLE IF EXISTS c_long"));
	OK(m, mysql_query(m, "CREATE TABLE c_long (id INT PRIMARY KEY, "
			     "b LONGBLOB)"));
	STMT_OK(s, mysql_stmt_prepare(s, ins, strlen(ins)));
	memset(b, 0, sizeof(b));
	b[0].buffer_type = MYSQL_TYPE_LONG;
	b[0].buffer = &id;
	b[1].buffer_type = MYSQL_TYPE_LONG_BLOB;
	STMT_OK(s, mysql_stmt_bind_param(s, b));
	l0 = counter(m, "Com_stmt_send_long_data");
	/* 3 MB, then 17 MB in one call: a COM_STMT_SEND_LONG_DATA packet
	 * larger than 16 MB, sent in two fragments. */
	STMT_OK(s, mysql_stmt_send_long_data(s, 1, (const char *)data,
					     3u * 1024 * 1024));
	STMT_OK(s, mysql_stmt_send_long_data(
		       s, 1, (const char *)data + 3u * 1024 * 1024,
		       BIG - 3u * 1024 * 1024));
	STMT_OK(s, mysql_stmt_execute(s));
	assert_int_equal(mysql_stmt_affected_rows(s), 1);
	l1 = counter(m, "Com_stmt_send_long_data");
	assert_int_equal(l1 - l0, 2);
	snprintf(q, sizeof(q),
		 "SELECT CONCAT(LENGTH(b), ' ', SHA2(b, 256)) "
		 "FROM c_long WHERE id = 1");
	got = value(m, q);
	{
		char want[96];

		snprintf(want, sizeof(want), "%u %s", BIG, hex);
		assert_string_equal(got, want);
		printf("ok   20 MB through COM_STMT_SEND_LONG_DATA: %s\n", got);
	}
	free(got);

	/* Long data then COM_STMT_RESET: the data is discarded, so the next
	 * execute sends the bound (short) value. */
	id = 2;
	STMT_OK(s, mysql_stmt_send_long_data(s, 1, "discarded", 9));
	STMT_OK(s, mysql_stmt_reset(s));
	b[1].buffer_type = MYSQL_TYPE_BLOB;
	b[1].buffer = (void *)"bound";
	b[1].buffer_length = 5;
	STMT_OK(s, mysql_stmt_bind_param(s, b));
	STMT_OK(s, mysql_stmt_execute(s));
	assert_value(m, "SELECT b FROM c_long WHERE id = 2", "bound");
	mysql_stmt_close(s);
	free(data);
	mysql_close(m);
}

static void closed_statement_id(void **state)
{
	MYSQL *m = open_app();
	MYSQL_STMT *s1 = mysql_stmt_init(m), *s2 = mysql_stmt_init(m);
	unsigned long old_id;
	long c0, c1;
	int i;

	(void)state;
	c0 = counter(m, "Com_stmt_close");
	STMT_OK(s1, mysql_stmt_prepare(s1, "SELECT 11", 9));
	old_id = s1->stmt_id;
	STMT_OK(s1, mysql_stmt_execute(s1));
	STMT_OK(s1, mysql_stmt_store_result(s1));
	mysql_stmt_close(s1);
	/* Executing the closed statement's id is an error (never another
	 * statement); a statement prepared after the close works. */
	assert_int_equal(execute_stale_id(m, old_id), 1243);
	STMT_OK(s2, mysql_stmt_prepare(s2, "SELECT 22", 9));
	STMT_OK(s2, mysql_stmt_execute(s2));
	STMT_OK(s2, mysql_stmt_store_result(s2));
	assert_int_equal(mysql_stmt_num_rows(s2), 1);
	mysql_stmt_close(s2);
	/* Many prepare/close cycles: nothing accumulates. */
	for (i = 0; i < 200; i++) {
		MYSQL_STMT *s = mysql_stmt_init(m);

		STMT_OK(s, mysql_stmt_prepare(s, "SELECT ?", 8));
		mysql_stmt_close(s);
	}
	c1 = counter(m, "Com_stmt_close");
	assert_true(c1 - c0 >= 203);
	printf("ok   backend Com_stmt_close delta %ld (>= 203)\n", c1 - c0);
	assert_value(m, "SELECT 'in sync after 200 closes'",
		     "in sync after 200 closes");
	mysql_close(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(change_user),
	    cmocka_unit_test(reset_connection),
	    cmocka_unit_test(set_server_option),
	    cmocka_unit_test(field_list_and_stat),
	    cmocka_unit_test(cursor_fetch),
	    cmocka_unit_test(send_long_data),
	    cmocka_unit_test(closed_statement_id),
	};

	port =
	    (unsigned)strtoul(it_env_or_skip("MYSHIFT_PROXY_PORT"), NULL, 10);
	schema = it_env_or_skip("MYSHIFT_PROXY_SCHEMA");
	app_pw = it_env_or_skip("MYSHIFT_PROXY_APP_PASSWORD");
	app2_pw = it_env_or_skip("MYSHIFT_PROXY_APP2_PASSWORD");
	ssl_ca = getenv("MYSHIFT_PROXY_SSL_CA");
	if (ssl_ca && !*ssl_ca)
		ssl_ca = NULL;
	if (mysql_library_init(0, NULL, NULL))
		return 1;
	return cmocka_run_group_tests_name(
	    ssl_ca ? "proxy_capi (TLS)" : "proxy_capi", tests, NULL, NULL);
}

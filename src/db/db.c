/* Connections, queries and results over MariaDB Connector/C: see db.h and
 * docs/db.md. */
#include "db/db.h"

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "db/db_int.h"
#include "db/raw.h"

#define DB_CONNECT_TIMEOUT_S 10
#define DB_RW_TIMEOUT_S	     600

/* Server errors that are not in every mysqld_error.h we may build with. */
#define DB_ER_MARIADB_STATEMENT_TIMEOUT 1969
#define DB_ER_MYSQL_QUERY_TIMEOUT	3024
#define DB_ER_CONNECTION_KILLED		1927
#define DB_ER_ACCESS_DENIED_NO_PW	1698

static pthread_once_t db_lib_once = PTHREAD_ONCE_INIT;
static int db_lib_rc;

static void db_lib_init(void)
{
	db_lib_rc = mysql_library_init(0, NULL, NULL);
}

static const char *db_role_name(const char *role)
{
	return role && *role ? role : "server";
}

static bool db_msg_says_timeout(const char *msg)
{
	return strstr(msg, "timeout") || strstr(msg, "timed out") ||
	       strstr(msg, "Timeout") || strstr(msg, "(110)");
}

/* Maps a server or client errno to an MS_E* code. <connecting> picks the
 * default for unknown errors: MS_ECONNECT during connect, MS_ESQL after. */
static int db_map_errno(unsigned int e, const char *msg, bool connecting)
{
	switch (e) {
	case ER_ACCESS_DENIED_ERROR:	    /* 1045 */
	case ER_DBACCESS_DENIED_ERROR:	    /* 1044 */
	case DB_ER_ACCESS_DENIED_NO_PW:	    /* 1698 */
	case ER_HOST_NOT_PRIVILEGED:	    /* 1130 */
	case ER_NOT_SUPPORTED_AUTH_MODE:    /* 1251 */
	case ER_MUST_CHANGE_PASSWORD_LOGIN: /* 1862 */
	case CR_AUTH_PLUGIN_CANNOT_LOAD:    /* 2059 */
	case CR_AUTH_PLUGIN_ERR:	    /* 2061 */
		return connecting ? MS_EAUTH : MS_ESQL;
	case CR_SSL_CONNECTION_ERROR: /* 2026 */
		/* After the handshake it is a TLS session cut short (a server
		 * restarting): a lost connection, worth retrying. */
		return connecting ? MS_ETLS : MS_ECONNECT;
	case DB_ER_MARIADB_STATEMENT_TIMEOUT:
	case DB_ER_MYSQL_QUERY_TIMEOUT:
		return MS_ETIMEOUT;
	case CR_CONNECTION_ERROR:     /* 2002 */
	case CR_CONN_HOST_ERROR:      /* 2003 */
	case CR_UNKNOWN_HOST:	      /* 2005 */
	case CR_SERVER_GONE_ERROR:    /* 2006 */
	case CR_SERVER_LOST:	      /* 2013 */
	case CR_SERVER_LOST_EXTENDED: /* 2055 */
	case CR_ERR_NET_READ:
	case CR_ERR_NET_WRITE:
		return db_msg_says_timeout(msg) ? MS_ETIMEOUT : MS_ECONNECT;
	case ER_CON_COUNT_ERROR:      /* 1040 */
	case ER_SERVER_SHUTDOWN:      /* 1053 */
	case DB_ER_CONNECTION_KILLED: /* 1927 */
		return MS_ECONNECT;
	}
	return connecting ? MS_ECONNECT : MS_ESQL;
}

bool ms_db_errno_transient(unsigned int sql_errno)
{
	switch (sql_errno) {
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case ER_CON_COUNT_ERROR:
	case ER_SERVER_SHUTDOWN:
	case DB_ER_CONNECTION_KILLED:
	case ER_LOCK_WAIT_TIMEOUT:
	case ER_LOCK_DEADLOCK:
		return true;
	}
	return false;
}

/* Fills <err> from the connector's last error on <my>, with context:
 * "<role> <host>:<port>: <what>: <server message> (errno N, SQLSTATE S)". */
static int db_fail(MYSQL *my, const char *role, const char *host,
		   unsigned int port, const char *what, bool connecting,
		   const char *file, int line, struct ms_err *err)
{
	unsigned int e = mysql_errno(my);
	const char *msg = mysql_error(my);
	const char *state = mysql_sqlstate(my);
	int code = db_map_errno(e, msg, connecting);

	if (!err)
		return code;
	ms_err_set(err, code, file, line,
		   "%s %s:%u: %s: %s (errno %u, SQLSTATE %s)",
		   db_role_name(role), host, port, what, msg, e,
		   state ? state : "HY000");
	err->sql_errno = e;
	if (state) {
		strncpy(err->sqlstate, state, sizeof(err->sqlstate) - 1);
		err->sqlstate[sizeof(err->sqlstate) - 1] = '\0';
	}
	/* The server never echoes a password; the redactor makes sure. */
	ms_redact_inplace(err->msg, sizeof(err->msg));
	return code;
}

int ms_db_fail(struct ms_db *db, const char *what, const char *file, int line,
	       struct ms_err *err)
{
	return db_fail(db->my, db->role, db->host, db->port, what, false, file,
		       line, err);
}

static unsigned int pick(unsigned int a, unsigned int b, unsigned int dflt)
{
	return a ? a : b ? b : dflt;
}

static void db_free(struct ms_db *db)
{
	if (!db)
		return;
	if (db->my)
		mysql_close(db->my);
	free(db->role);
	free(db->host);
	free(db);
}

void ms_db_close(struct ms_db *db)
{
	db_free(db);
}

/* Sets the TLS options for <ep>'s ssl-mode on a fresh handle. Returns 0 or
 * MS_ENOMEM/MS_ECONFIG. */
static int db_set_tls(MYSQL *my, const struct ms_endpoint *ep)
{
	my_bool on = 1, off = 0;

	if (ep->ssl_mode == MS_SSL_DISABLED) {
		/* Connector/C 3.3 does not start TLS unless asked to. */
		return mysql_optionsv(my, MYSQL_OPT_SSL_ENFORCE, &off)
			   ? MS_ENOMEM
			   : 0;
	}
	/* PREFERRED and up: ask for TLS. Connector/C falls back to plain text
	 * when the server has no TLS and no verification was requested; the
	 * caller checks the outcome for REQUIRED and VERIFY_CA. A CA file makes
	 * OpenSSL verify the chain; VERIFY_SERVER_CERT adds the host name. */
	if (mysql_optionsv(my, MYSQL_OPT_SSL_ENFORCE, &on))
		return MS_ENOMEM;
	if (ep->ssl_ca && mysql_optionsv(my, MYSQL_OPT_SSL_CA, ep->ssl_ca))
		return MS_ENOMEM;
	if (ep->ssl_cert &&
	    mysql_optionsv(my, MYSQL_OPT_SSL_CERT, ep->ssl_cert))
		return MS_ENOMEM;
	if (ep->ssl_key && mysql_optionsv(my, MYSQL_OPT_SSL_KEY, ep->ssl_key))
		return MS_ENOMEM;
	if (ep->ssl_mode == MS_SSL_VERIFY_IDENTITY &&
	    mysql_optionsv(my, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on))
		return MS_ENOMEM;
	return 0;
}

static int db_set_options(MYSQL *my, const struct ms_endpoint *ep,
			  const struct ms_db_opts *o)
{
	unsigned int ct = pick(o->connect_timeout_s, ep->connect_timeout_s,
			       DB_CONNECT_TIMEOUT_S);
	unsigned int rt =
	    pick(o->read_timeout_s, ep->read_timeout_s, DB_RW_TIMEOUT_S);
	unsigned int wt =
	    pick(o->write_timeout_s, ep->write_timeout_s, DB_RW_TIMEOUT_S);
	unsigned int proto = MYSQL_PROTOCOL_TCP;
	my_bool off = 0, infile = o->local_infile ? 1 : 0;

	if (mysql_optionsv(my, MYSQL_OPT_CONNECT_TIMEOUT, &ct) ||
	    mysql_optionsv(my, MYSQL_OPT_READ_TIMEOUT, &rt) ||
	    mysql_optionsv(my, MYSQL_OPT_WRITE_TIMEOUT, &wt) ||
	    mysql_optionsv(my, MYSQL_SET_CHARSET_NAME, "utf8mb4") ||
	    mysql_optionsv(my, MYSQL_OPT_LOCAL_INFILE, &infile) ||
	    mysql_optionsv(my, MYSQL_OPT_RECONNECT, &off))
		return MS_ENOMEM;
	/* "localhost" would silently mean the Unix socket; an endpoint URI
	 * always names a TCP host. */
	if (mysql_optionsv(my, MYSQL_OPT_PROTOCOL, &proto))
		return MS_ENOMEM;
	return db_set_tls(my, ep);
}

/* After a successful handshake: enforce the TLS outcome, read identity,
 * apply session settings. */
static int db_after_connect(struct ms_db *db, const struct ms_endpoint *ep,
			    const struct ms_db_opts *o, struct ms_err *err)
{
	db->tls = mysql_get_ssl_cipher(db->my) != NULL;
	if (!db->tls && ep->ssl_mode != MS_SSL_DISABLED &&
	    ep->ssl_mode != MS_SSL_PREFERRED)
		return MS_ERR(err, MS_ETLS,
			      "%s %s:%u: ssl-mode=%s but the server did not "
			      "start TLS",
			      db_role_name(db->role), db->host, db->port,
			      ms_ssl_mode_name(ep->ssl_mode));
	db->version_num = mysql_get_server_version(db->my);
	db->mariadb = mariadb_connection(db->my) != 0;
	if (o->local_infile)
		ms_db_refuse_local_files(db);
	if (o->utc) {
		int rc = ms_db_exec(db, "SET time_zone = '+00:00'", err);

		if (rc)
			return rc;
	}
	return 0;
}

static int db_connect_once(const struct ms_endpoint *ep,
			   const struct ms_db_opts *o, struct ms_db *db,
			   struct ms_err *err)
{
	int rc;

	db->my = mysql_init(NULL);
	if (!db->my)
		return MS_ERR(err, MS_ENOMEM, "%s: mysql_init failed",
			      db_role_name(db->role));
	rc = db_set_options(db->my, ep, o);
	if (rc)
		return MS_ERR(err, rc,
			      "%s %s:%u: cannot set connection options",
			      db_role_name(db->role), db->host, db->port);
	if (!mysql_real_connect(db->my, ep->host, ep->user ? ep->user : "",
				ep->password, ep->db, db->port, NULL, 0))
		return db_fail(db->my, db->role, db->host, db->port,
			       "connect failed", true, __FILE__, __LINE__, err);
	return db_after_connect(db, ep, o, err);
}

static void db_sleep_ms(unsigned int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000,
			      .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int db_validate(const struct ms_endpoint *ep, const char *role,
		       struct ms_err *err)
{
	if (!ep || !ep->host || !*ep->host)
		return MS_ERR(err, MS_EINVAL, "%s: endpoint has no host",
			      db_role_name(role));
	if (ep->ssl_mode == MS_SSL_VERIFY_CA && !ep->ssl_ca)
		return MS_ERR(err, MS_ECONFIG,
			      "%s %s: ssl-mode=VERIFY_CA needs ssl-ca",
			      db_role_name(role), ep->host);
	return 0;
}

static struct ms_db *db_new(const struct ms_endpoint *ep, const char *role)
{
	struct ms_db *db = calloc(1, sizeof(*db));

	if (!db)
		return NULL;
	db->port = ep->port ? ep->port : MS_DEFAULT_PORT;
	db->role = strdup(db_role_name(role));
	db->host = strdup(ep->host);
	if (!db->role || !db->host) {
		db_free(db);
		return NULL;
	}
	return db;
}

/* Drops the handle of a failed attempt, keeping the rest of <db>. */
static void db_reset_handle(struct ms_db *db)
{
	if (db->my)
		mysql_close(db->my);
	db->my = NULL;
	db->tls = false;
}

/* Only what the server or network may get over by itself is retried: a
 * timeout or a transient errno; never auth, TLS or configuration. */
static bool db_retryable(int rc, const struct ms_err *err)
{
	if (rc == MS_ETIMEOUT)
		return true;
	return rc == MS_ECONNECT && ms_db_errno_transient(err->sql_errno);
}

int ms_db_connect(const struct ms_endpoint *ep, const struct ms_db_opts *opts,
		  struct ms_db **out, struct ms_err *err_out)
{
	static const struct ms_db_opts none;
	struct ms_err local, *err = err_out ? err_out : &local;
	const struct ms_db_opts *o = opts ? opts : &none;
	unsigned int attempt, backoff;
	struct ms_db *db;
	int rc;

	*out = NULL;
	rc = db_validate(ep, o->role, err);
	if (rc)
		return rc;
	/* A no-op for parsed URIs (uri.c registered it); endpoints built by
	 * hand get the same guarantee. */
	if (ep->password && ms_log_secret_add(ep->password))
		return MS_ERR(err, MS_ETOOLARGE,
			      "%s: too many passwords to redact",
			      db_role_name(o->role));
	pthread_once(&db_lib_once, db_lib_init);
	if (db_lib_rc)
		return MS_ERR(err, MS_EINTERNAL, "mysql_library_init failed");
	db = db_new(ep, o->role);
	if (!db)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	backoff = o->backoff_ms ? o->backoff_ms : MS_DB_BACKOFF_DEFAULT_MS;
	if (backoff > MS_DB_BACKOFF_MAX_MS)
		backoff = MS_DB_BACKOFF_MAX_MS;
	for (attempt = 1;; attempt++) {
		MS_LOG_DEBUG("db",
			     "event=connect role=%s host=%s port=%u attempt=%u "
			     "ssl_mode=%s",
			     db->role, db->host, db->port, attempt,
			     ms_ssl_mode_name(ep->ssl_mode));
		rc = db_connect_once(ep, o, db, err);
		if (rc == 0)
			break;
		if (!db_retryable(rc, err) || attempt > o->retries) {
			db_free(db);
			return rc;
		}
		MS_LOG_INFO("db",
			    "event=retry role=%s host=%s port=%u attempt=%u "
			    "of=%u backoff_ms=%u error=\"%s\"",
			    db->role, db->host, db->port, attempt + 1,
			    o->retries + 1, backoff, err->msg);
		db_reset_handle(db);
		db_sleep_ms(backoff);
		backoff = backoff > MS_DB_BACKOFF_MAX_MS / 2
			      ? MS_DB_BACKOFF_MAX_MS
			      : backoff * 2;
	}
	MS_LOG_INFO("db",
		    "event=connected role=%s host=%s port=%u version=%s tls=%s",
		    db->role, db->host, db->port, ms_db_server_version(db),
		    db->tls ? "yes" : "no");
	*out = db;
	return 0;
}

const char *ms_db_server_version(const struct ms_db *db)
{
	const char *v = mysql_get_server_info(db->my);

	return v ? v : "";
}

unsigned long ms_db_server_version_num(const struct ms_db *db)
{
	return db->version_num;
}

bool ms_db_is_mariadb(const struct ms_db *db)
{
	return db->mariadb;
}

bool ms_db_uses_tls(const struct ms_db *db)
{
	return db->tls;
}

const char *ms_db_role(const struct ms_db *db)
{
	return db->role;
}

MYSQL *ms_db_handle(struct ms_db *db)
{
	return db->my;
}

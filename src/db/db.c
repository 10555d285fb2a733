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

#define DB_CONNECT_TIMEOUT_S 10
#define DB_RW_TIMEOUT_S	     600

/* Server errors that are not in every mysqld_error.h we may build with. */
#define DB_ER_MARIADB_STATEMENT_TIMEOUT 1969
#define DB_ER_MYSQL_QUERY_TIMEOUT	3024
#define DB_ER_CONNECTION_KILLED		1927
#define DB_ER_ACCESS_DENIED_NO_PW	1698

struct ms_db {
	MYSQL *my;
	char *role;	/* owned */
	char *host;	/* owned, for messages */
	char *password; /* owned copy, only to scrub messages; wiped on close */
	unsigned int port;
	bool tls;
	bool mariadb;
	unsigned long version_num;
};

/* Result storage: one arena of NUL-terminated values and, per cell, an
 * offset into it (SIZE_MAX for SQL NULL) and a length. */
struct ms_db_result {
	size_t nrows, ncols;
	char **names;	    /* column names, owned */
	struct ms_buf data; /* values, each followed by a NUL */
	size_t *off, *len;  /* nrows * ncols each */
	size_t cells_alloc; /* allocated entries in off/len */
};

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

/* Replaces every occurrence of <secret> in <msg> by "***" (in place, within
 * the MS_ERR_MSG_MAX buffer). The server never echoes a password, but this
 * is cheap insurance. */
static void db_scrub(char *msg, const char *secret)
{
	char tmp[MS_ERR_MSG_MAX];
	size_t slen, o = 0;
	const char *p = msg, *hit;

	if (!secret || !*secret || !strstr(msg, secret))
		return;
	slen = strlen(secret);
	while ((hit = strstr(p, secret)) && o < sizeof(tmp) - 1) {
		size_t n = (size_t)(hit - p);

		if (n > sizeof(tmp) - 1 - o)
			n = sizeof(tmp) - 1 - o;
		memcpy(tmp + o, p, n);
		o += n;
		if (o + 3 < sizeof(tmp)) {
			memcpy(tmp + o, "***", 3);
			o += 3;
		}
		p = hit + slen;
	}
	if (o < sizeof(tmp) - 1) {
		size_t n = strlen(p);

		if (n > sizeof(tmp) - 1 - o)
			n = sizeof(tmp) - 1 - o;
		memcpy(tmp + o, p, n);
		o += n;
	}
	tmp[o] = '\0';
	memcpy(msg, tmp, o + 1);
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
		return MS_ETLS;
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
		   unsigned int port, const char *password, const char *what,
		   bool connecting, int line, struct ms_err *err)
{
	unsigned int e = mysql_errno(my);
	const char *msg = mysql_error(my);
	const char *state = mysql_sqlstate(my);
	int code = db_map_errno(e, msg, connecting);

	if (!err)
		return code;
	ms_err_set(err, code, __FILE__, line,
		   "%s %s:%u: %s: %s (errno %u, SQLSTATE %s)",
		   db_role_name(role), host, port, what, msg, e,
		   state ? state : "HY000");
	err->sql_errno = e;
	if (state) {
		strncpy(err->sqlstate, state, sizeof(err->sqlstate) - 1);
		err->sqlstate[sizeof(err->sqlstate) - 1] = '\0';
	}
	db_scrub(err->msg, password);
	return code;
}

#define DB_FAIL(db, what, err)                                                 \
	db_fail((db)->my, (db)->role, (db)->host, (db)->port, (db)->password,  \
		(what), false, __LINE__, (err))

static unsigned int pick(unsigned int a, unsigned int b, unsigned int dflt)
{
	return a ? a : b ? b : dflt;
}

static char *db_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void db_free(struct ms_db *db)
{
	if (!db)
		return;
	if (db->my)
		mysql_close(db->my);
	if (db->password) {
		volatile char *p = db->password;

		while (*p)
			*p++ = '\0';
		free(db->password);
	}
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
	my_bool off = 0;

	if (mysql_optionsv(my, MYSQL_OPT_CONNECT_TIMEOUT, &ct) ||
	    mysql_optionsv(my, MYSQL_OPT_READ_TIMEOUT, &rt) ||
	    mysql_optionsv(my, MYSQL_OPT_WRITE_TIMEOUT, &wt) ||
	    mysql_optionsv(my, MYSQL_SET_CHARSET_NAME, "utf8mb4") ||
	    mysql_optionsv(my, MYSQL_OPT_LOCAL_INFILE, &off) ||
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
			       db->password, "connect failed", true, __LINE__,
			       err);
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
	db->password = db_strdup(ep->password);
	if (!db->role || !db->host || (ep->password && !db->password)) {
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

int ms_db_exec(struct ms_db *db, const char *sql, struct ms_err *err)
{
	MYSQL_RES *res;

	if (!db || !sql)
		return MS_ERR(err, MS_EINVAL,
			      "ms_db_exec: no connection or SQL");
	if (mysql_real_query(db->my, sql, strlen(sql)))
		return DB_FAIL(db, "query failed", err);
	/* A statement that returns rows still has them on the wire; an error
	 * (e.g. a statement timeout) may come after the first rows. */
	res = mysql_use_result(db->my);
	if (res) {
		while (mysql_fetch_row(res))
			;
		if (mysql_errno(db->my)) {
			int rc = DB_FAIL(db, "query failed", err);

			mysql_free_result(res);
			return rc;
		}
		mysql_free_result(res);
	} else if (mysql_errno(db->my)) {
		return DB_FAIL(db, "query failed", err);
	}
	return 0;
}

int ms_db_query_each(struct ms_db *db, const char *sql, ms_db_row_fn fn,
		     void *ctx, struct ms_err *err)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned long *lens;
	size_t lz[64], *l = lz, i, ncols;
	int rc = 0;

	if (!db || !sql || !fn)
		return MS_ERR(err, MS_EINVAL, "ms_db_query_each: bad argument");
	if (mysql_real_query(db->my, sql, strlen(sql)))
		return DB_FAIL(db, "query failed", err);
	res = mysql_use_result(db->my);
	if (!res) {
		if (mysql_errno(db->my))
			return DB_FAIL(db, "query failed", err);
		return 0; /* not a SELECT: no rows */
	}
	ncols = mysql_num_fields(res);
	if (ncols > sizeof(lz) / sizeof(lz[0])) {
		l = calloc(ncols, sizeof(*l));
		if (!l) {
			mysql_free_result(res);
			return MS_ERR(err, MS_ENOMEM, "out of memory");
		}
	}
	while ((row = mysql_fetch_row(res))) {
		lens = mysql_fetch_lengths(res);
		for (i = 0; i < ncols; i++)
			l[i] = lens[i];
		rc = fn(ctx, (const char *const *)row, l, ncols, err);
		if (rc)
			break;
	}
	if (rc == 0 && mysql_errno(db->my))
		rc = DB_FAIL(db, "reading result failed", err);
	/* Frees, draining the rest of the rows when we stopped early. */
	mysql_free_result(res);
	if (l != lz)
		free(l);
	return rc;
}

struct db_collect {
	struct ms_db_result *r;
	const char *role;
};

static int db_result_grow(struct ms_db_result *r, size_t ncells)
{
	size_t n = r->cells_alloc ? r->cells_alloc : 64;
	size_t *o, *l;

	while (n < ncells)
		n *= 2;
	o = realloc(r->off, n * sizeof(*o));
	if (!o)
		return MS_ENOMEM;
	r->off = o;
	l = realloc(r->len, n * sizeof(*l));
	if (!l)
		return MS_ENOMEM;
	r->len = l;
	r->cells_alloc = n;
	return 0;
}

static int db_collect_row(void *ctx, const char *const *vals,
			  const size_t *lens, size_t ncols, struct ms_err *err)
{
	struct db_collect *c = ctx;
	struct ms_db_result *r = c->r;
	size_t base = r->nrows * ncols, i;
	int rc;

	if (r->nrows >= MS_DB_RESULT_MAX_ROWS)
		return MS_ERR(err, MS_ETOOLARGE,
			      "%s: result has more than %u rows", c->role,
			      MS_DB_RESULT_MAX_ROWS);
	if (base + ncols > r->cells_alloc) {
		rc = db_result_grow(r, base + ncols);
		if (rc)
			return MS_ERR(err, rc, "out of memory");
	}
	for (i = 0; i < ncols; i++) {
		r->len[base + i] = vals[i] ? lens[i] : 0;
		r->off[base + i] = vals[i] ? r->data.len : SIZE_MAX;
		if (!vals[i])
			continue;
		rc = ms_buf_add(&r->data, vals[i], lens[i]);
		if (rc == 0)
			rc = ms_buf_addc(&r->data, '\0');
		if (rc)
			return MS_ERR(err, rc,
				      "%s: result larger than %u bytes",
				      c->role, MS_DB_RESULT_MAX_BYTES);
	}
	r->nrows++;
	return 0;
}

int ms_db_query(struct ms_db *db, const char *sql, struct ms_db_result **out,
		struct ms_err *err)
{
	struct ms_db_result *r;
	struct db_collect c;
	MYSQL_RES *res;
	MYSQL_ROW row;
	MYSQL_FIELD *f;
	unsigned long *lens;
	size_t lz[64], *l = lz, i;
	int rc = 0;

	*out = NULL;
	if (!db || !sql)
		return MS_ERR(err, MS_EINVAL, "ms_db_query: bad argument");
	r = calloc(1, sizeof(*r));
	if (!r)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	ms_buf_init(&r->data, MS_DB_RESULT_MAX_BYTES);
	c.r = r;
	c.role = db->role;
	if (mysql_real_query(db->my, sql, strlen(sql))) {
		ms_db_result_free(r);
		return DB_FAIL(db, "query failed", err);
	}
	res = mysql_use_result(db->my);
	if (!res) {
		if (mysql_errno(db->my)) {
			ms_db_result_free(r);
			return DB_FAIL(db, "query failed", err);
		}
		*out = r; /* no result set: zero rows, zero columns */
		return 0;
	}
	r->ncols = mysql_num_fields(res);
	r->names = calloc(r->ncols ? r->ncols : 1, sizeof(*r->names));
	if (r->ncols > sizeof(lz) / sizeof(lz[0]))
		l = calloc(r->ncols, sizeof(*l));
	if (!r->names || !l) {
		rc = MS_ERR(err, MS_ENOMEM, "out of memory");
		goto done;
	}
	f = mysql_fetch_fields(res);
	for (i = 0; i < r->ncols; i++) {
		r->names[i] = strdup(f[i].name ? f[i].name : "");
		if (!r->names[i]) {
			rc = MS_ERR(err, MS_ENOMEM, "out of memory");
			goto done;
		}
	}
	while ((row = mysql_fetch_row(res))) {
		lens = mysql_fetch_lengths(res);
		for (i = 0; i < r->ncols; i++)
			l[i] = lens[i];
		rc = db_collect_row(&c, (const char *const *)row, l, r->ncols,
				    err);
		if (rc)
			goto done;
	}
	if (mysql_errno(db->my))
		rc = DB_FAIL(db, "reading result failed", err);
done:
	mysql_free_result(res);
	if (l && l != lz)
		free(l);
	if (rc) {
		ms_db_result_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int ms_db_query_value(struct ms_db *db, const char *sql, char **out,
		      struct ms_err *err)
{
	struct ms_db_result *r;
	const char *v;
	int rc;

	*out = NULL;
	rc = ms_db_query(db, sql, &r, err);
	if (rc)
		return rc;
	v = ms_db_result_get(r, 0, 0);
	if (v) {
		*out = malloc(ms_db_result_len(r, 0, 0) + 1);
		if (!*out) {
			ms_db_result_free(r);
			return MS_ERR(err, MS_ENOMEM, "out of memory");
		}
		memcpy(*out, v, ms_db_result_len(r, 0, 0) + 1);
	}
	ms_db_result_free(r);
	return 0;
}

size_t ms_db_result_nrows(const struct ms_db_result *r)
{
	return r ? r->nrows : 0;
}

size_t ms_db_result_ncols(const struct ms_db_result *r)
{
	return r ? r->ncols : 0;
}

int ms_db_result_col(const struct ms_db_result *r, const char *name)
{
	size_t i;

	if (!r || !name)
		return -1;
	for (i = 0; i < r->ncols; i++)
		if (strcasecmp(r->names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *ms_db_result_get(const struct ms_db_result *r, size_t row,
			     size_t col)
{
	size_t k;

	if (!r || row >= r->nrows || col >= r->ncols)
		return NULL;
	k = row * r->ncols + col;
	if (r->off[k] == SIZE_MAX)
		return NULL;
	return r->data.ptr + r->off[k];
}

size_t ms_db_result_len(const struct ms_db_result *r, size_t row, size_t col)
{
	if (!r || row >= r->nrows || col >= r->ncols)
		return 0;
	return r->len[row * r->ncols + col];
}

void ms_db_result_free(struct ms_db_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; r->names && i < r->ncols; i++)
		free(r->names[i]);
	free(r->names);
	ms_buf_free(&r->data);
	free(r->off);
	free(r->len);
	free(r);
}

static int db_quote_hex(struct ms_buf *out, const unsigned char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	int rc = ms_buf_addstr(out, "_utf8mb4 X'");

	for (i = 0; rc == 0 && i < len; i++) {
		char two[2] = {hex[s[i] >> 4], hex[s[i] & 15]};

		rc = ms_buf_add(out, two, 2);
	}
	if (rc == 0)
		rc = ms_buf_addc(out, '\'');
	return rc;
}

int ms_db_quote_string(struct ms_db *db, struct ms_buf *out, const char *s,
		       size_t len)
{
	unsigned long n;
	char *tmp;
	int rc;

	if (!db || !out || (!s && len))
		return MS_EINVAL;
	if (len > (SIZE_MAX - 1) / 2 || len > out->cap)
		return MS_ETOOLARGE;
	if ((db->my->server_status & SERVER_STATUS_NO_BACKSLASH_ESCAPES) &&
	    memchr(s, '\0', len))
		return db_quote_hex(out, (const unsigned char *)s, len);
	tmp = malloc(2 * len + 1);
	if (!tmp)
		return MS_ENOMEM;
	/* Escapes per the server status of the last reply: quotes doubled
	 * under NO_BACKSLASH_ESCAPES, backslash escapes otherwise. */
	n = mysql_real_escape_string(db->my, tmp, s ? s : "",
				     (unsigned long)len);
	if (n == (unsigned long)-1) {
		free(tmp);
		return MS_EINVAL;
	}
	rc = ms_buf_addc(out, '\'');
	if (rc == 0)
		rc = ms_buf_add(out, tmp, n);
	if (rc == 0)
		rc = ms_buf_addc(out, '\'');
	free(tmp);
	return rc;
}

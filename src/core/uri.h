/* Endpoint URIs:
 *   mysql://user[:password]@host[:port][/db][?key=value&...]
 * Query keys: ssl-mode (DISABLED|PREFERRED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY,
 * any case), ssl-ca, ssl-cert, ssl-key (file paths), connect-timeout,
 * read-timeout, write-timeout (seconds, 0..MS_URI_TIMEOUT_MAX, 0 = default).
 * Percent-encoding is decoded in user, password, db and query values; %00 is
 * refused. IPv6 hosts are written in brackets: mysql://u@[::1]:3306.
 *
 * Rules worth knowing (docs/core.md has the full grammar):
 *  - the scheme is "mysql://" (any case); user is required and non-empty;
 *  - userinfo ends at the LAST '@' before the first '?', so a password may
 *    hold a raw '@', ':' or '/', but a '?' or '%' in it must be escaped
 *    (%3F, %25);
 *  - raw control characters and spaces are refused anywhere (write %20);
 *  - unknown or repeated query keys are errors; ssl-cert and ssl-key go
 *    together; ssl-ca/cert/key with ssl-mode=DISABLED is an error;
 *  - VERIFY_CA and VERIFY_IDENTITY without ssl-ca parse; ms_db_connect
 *    then refuses VERIFY_CA without ssl-ca (MS_ECONFIG), see docs/core.md.
 * Passwords may also come from an environment variable or a file (see
 * ms_endpoint_resolve_password). A parsed password is registered with the
 * log redactor at once (both its decoded and, when different, its raw
 * percent-encoded form), so it can never be printed. */
#ifndef MS_CORE_URI_H
#define MS_CORE_URI_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/err.h"

#define MS_URI_MAX	   4096 /* longest URI accepted, in bytes */
#define MS_DEFAULT_PORT	   3306
#define MS_PASSWORD_MAX	   1024	  /* longest password read from a file */
#define MS_URI_TIMEOUT_MAX 604800 /* one week, in seconds */

enum ms_ssl_mode {
	MS_SSL_PREFERRED = 0, /* default: TLS if the server offers it */
	MS_SSL_DISABLED,
	MS_SSL_REQUIRED,
	MS_SSL_VERIFY_CA,
	MS_SSL_VERIFY_IDENTITY,
};

/* All strings are owned by the struct (freed by ms_endpoint_free); NULL when
 * absent. */
struct ms_endpoint {
	char *user;
	char *password;
	bool has_password; /* true even for an explicit empty password */
	char *host;	   /* without brackets for IPv6 */
	unsigned int port;
	char *db;
	enum ms_ssl_mode ssl_mode;
	char *ssl_ca;
	char *ssl_cert;
	char *ssl_key;
	unsigned int connect_timeout_s; /* 0 = default */
	unsigned int read_timeout_s;
	unsigned int write_timeout_s;
};

/* Parses <uri> (borrowed, NUL-terminated) into <ep>, which must be zeroed or
 * freed first. Errors are MS_EPARSE with a message naming the offending part
 * and its 0-based byte offset in <uri>, e.g. "uri: bad port '99999' at
 * offset 17"; MS_ETOOLARGE when <uri> is longer than MS_URI_MAX; MS_ENOMEM;
 * or the error of ms_log_secret_add when the password cannot be registered.
 * The message never contains the password. On failure <ep> holds nothing to
 * free. */
int ms_endpoint_parse(const char *uri, struct ms_endpoint *ep,
		      struct ms_err *err) MS_WUR;

/* Fills ep->password when the URI had none (!ep->has_password): from the
 * file <password_file> when not NULL (first line, trailing "\n" or "\r\n"
 * stripped; an empty line is an empty password), else from the environment
 * variable <env_name> when not NULL and set to a non-empty value (e.g.
 * "MYSHIFT_SOURCE_PASSWORD"). A password in the URI wins; a named file wins
 * over the environment, and an unreadable one is an error even when the
 * variable is set. The password is registered with the log redactor.
 * Leaves ep->has_password false when no source applies. Returns 0, MS_EIO
 * (file unreadable: message names the path and strerror), MS_ETOOLARGE
 * (first line over MS_PASSWORD_MAX), MS_ECONFIG (NUL byte in the line) or
 * MS_ENOMEM. Both arguments are borrowed. */
int ms_endpoint_resolve_password(struct ms_endpoint *ep, const char *env_name,
				 const char *password_file,
				 struct ms_err *err) MS_WUR;

/* Appends a display form "mysql://user@host:port/db?ssl-mode=..." to <out>:
 * user and db percent-encoded where needed, ssl-mode always, other query
 * keys when set, so the result parses back to the same endpoint minus the
 * password. The password is never included, and the text goes through the
 * log redactor. Returns 0 or a buffer error (MS_ETOOLARGE, MS_ENOMEM). */
int ms_endpoint_format(const struct ms_endpoint *ep, struct ms_buf *out) MS_WUR;

/* "DISABLED", "PREFERRED", ... (static string; "?" for an unknown value). */
const char *ms_ssl_mode_name(enum ms_ssl_mode mode);

/* Parses an ssl-mode name, any case, into <out>. Returns 0 or MS_EINVAL. */
int ms_ssl_mode_parse(const char *s, enum ms_ssl_mode *out) MS_WUR;

/* Frees every string and zeroes <ep>. NULL is allowed. */
void ms_endpoint_free(struct ms_endpoint *ep);

#endif

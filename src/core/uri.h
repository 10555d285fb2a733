/* Endpoint URIs:
 *   mysql://user[:password]@host[:port][/db][?key=value&...]
 * Query keys: ssl-mode (DISABLED|PREFERRED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY),
 * ssl-ca, ssl-cert, ssl-key (file paths), connect-timeout, read-timeout,
 * write-timeout (seconds). Percent-encoding is decoded in user, password and
 * db. IPv6 hosts are written in brackets: mysql://u@[::1]:3306.
 * Passwords may also come from an environment variable or a file (see
 * ms_endpoint_resolve_password). A parsed password is registered with the
 * log redactor at once, so it can never be printed. */
#ifndef MS_CORE_URI_H
#define MS_CORE_URI_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/err.h"

#define MS_URI_MAX	4096
#define MS_DEFAULT_PORT 3306

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
	char *host;
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

/* Parses <uri> (borrowed) into <ep>, which must be zeroed or freed first.
 * Errors are MS_EPARSE with a message naming the offending part and its
 * character offset, e.g. "uri: bad port '99999' at offset 17"; the message
 * never contains the password. On failure <ep> holds nothing to free. */
int ms_endpoint_parse(const char *uri, struct ms_endpoint *ep,
		      struct ms_err *err) MS_WUR;

/* Fills ep->password when the URI had none: from the file <password_file>
 * when not NULL (first line, trailing newline stripped), else from the
 * environment variable <env_name> when set (e.g. "MYSHIFT_SOURCE_PASSWORD").
 * A password in the URI wins. Returns 0, MS_EIO (file unreadable, naming
 * the path) or MS_ENOMEM. */
int ms_endpoint_resolve_password(struct ms_endpoint *ep, const char *env_name,
				 const char *password_file,
				 struct ms_err *err) MS_WUR;

/* Appends a display form "mysql://user@host:port/db?ssl-mode=..." to <out>.
 * The password is never included. */
int ms_endpoint_format(const struct ms_endpoint *ep, struct ms_buf *out) MS_WUR;

const char *ms_ssl_mode_name(enum ms_ssl_mode mode);

void ms_endpoint_free(struct ms_endpoint *ep);

#endif

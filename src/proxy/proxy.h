/* `myshift proxy`: a MySQL wire-protocol proxy that authenticates clients
 * itself, gives each client session its own backend connection on the
 * backend its route names, tracks the session's state, and can hold
 * sessions (pause) and move them to another backend with their state
 * replayed. Controlled through an HTTP admin API on loopback. See
 * docs/proxy.md. */
#ifndef MS_PROXY_PROXY_H
#define MS_PROXY_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/uri.h"

#define MS_PROXY_LISTEN_DEFAULT "127.0.0.1:6033"
#define MS_PROXY_ADMIN_DEFAULT	"127.0.0.1:6034"

/* Everything `myshift proxy` is configured with (cmd_proxy.c fills it from
 * flags and the config file). Strings are borrowed for the run. */
struct ms_proxy_config {
	const char *listen;	  /* client address, MS_PROXY_LISTEN_DEFAULT */
	const char *admin_listen; /* admin HTTP, MS_PROXY_ADMIN_DEFAULT;
				     must be a loopback address */
	const char *admin_token;  /* required, >= 16 bytes */
	/* Backends: index 0 is "source", 1 is "target" (may be absent: host
	 * NULL). Their credentials are myshift's own, used for health checks,
	 * users-from-source, shadow reads and KILL across backends; client
	 * sessions log in as the client's user. Their ssl-mode and ssl-ca
	 * apply to every backend connection. */
	const struct ms_endpoint *source;
	const struct ms_endpoint *target;
	/* Users: "NAME:PASSWORD" or "NAME:*HEX40" (mysql_native_password
	 * hash) specs, and/or the source's mysql.user. */
	const char *const *users; /* NULL-terminated, may be NULL */
	bool users_from_source;
	/* Routes: "NAME user=U schema=S backend=source|target" (user and
	 * schema optional, '%' wildcards); first match wins; a session that
	 * matches none goes to the source (route "default"). */
	const char *const *routes; /* NULL-terminated, may be NULL */
	/* Client TLS (both or neither); require_tls refuses plain clients. */
	const char *tls_cert;
	const char *tls_key;
	bool require_tls;
	/* The auth plugin offered in the greeting: "mysql_native_password"
	 * (default) or "caching_sha2_password". */
	const char *default_auth;
	unsigned max_connections;    /* default 4096 */
	unsigned connect_timeout_ms; /* backend connect + login, default 5000 */
	unsigned handshake_timeout_ms; /* client login, default 10000 */
	unsigned health_interval_ms;   /* default 1000 */
	size_t max_packet;	       /* largest logical packet a client may
					  send, default 1 GiB */
	/* Shadow reads: fraction of eligible statements (0 = off) sent to
	 * the target too, at most shadow_queue waiting. */
	double shadow_rate;
	unsigned shadow_queue;	    /* default 1000 */
	const char *control_schema; /* for the sync lag in shadow logs */
};

/* Runs the proxy until ms_proxy_request_stop (SIGINT/SIGTERM). Checks the
 * backends once before listening (the greeting carries the source's
 * version). Returns 0 after a clean stop, MS_ECONFIG for bad routes,
 * users or addresses (naming the entry), MS_ECONNECT when the source is
 * unreachable at start, MS_EIO when a listener cannot be opened. <err>
 * names the problem. */
int ms_proxy_run(const struct ms_proxy_config *cfg, struct ms_err *err) MS_WUR;

/* Async-signal safe: asks a running proxy to close its listeners, send
 * every client an orderly close at its next command boundary, and
 * return. */
void ms_proxy_request_stop(void);

#endif

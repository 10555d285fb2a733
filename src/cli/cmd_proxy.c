/* `myshift proxy`: options (flags or config-file keys) checked and turned
 * into struct ms_proxy_config, then ms_proxy_run until SIGINT/SIGTERM.
 * Every bad value is a usage error naming its option (or config line);
 * user passwords go to the log redactor at once and are wiped when the
 * proxy ends. The proxy itself is in src/proxy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "proxy/proxy.h"
#include "proxy/route.h"
#include "proxy/users.h"

#define TOKEN_MIN 16
#define TOKEN_MAX 4096
#define TOKEN_ENV "MYSHIFT_PROXY_TOKEN"

const struct ms_optdef ms_proxy_optdefs[] = {
    MS_CLI_ENDPOINT_OPTS,
    {"listen", MS_OPT_VALUE, "ADDR",
     "client address, HOST:PORT, [V6]:PORT or :PORT (default "
     "127.0.0.1:6033)"},
    {"admin-listen", MS_OPT_VALUE, "ADDR",
     "admin API address, loopback only (default 127.0.0.1:6034)"},
    {"admin-token-file", MS_OPT_VALUE, "FILE",
     "admin API token, first line of FILE, at least 16 bytes (default "
     "$MYSHIFT_PROXY_TOKEN)"},
    {"user", MS_OPT_LIST, "NAME:PASSWORD|NAME:*HASH",
     "a user clients log in as (NAME: for an empty password)"},
    {"users-from-source", MS_OPT_FLAG, NULL,
     "also accept the source's mysql_native_password accounts (needs SELECT "
     "on mysql.global_priv or mysql.user)"},
    {"route", MS_OPT_LIST, "\"NAME user=U schema=S backend=B\"",
     "send matching sessions to B (source|target); first match wins"},
    {"tls-cert", MS_OPT_VALUE, "FILE", "client-side TLS certificate (PEM)"},
    {"tls-key", MS_OPT_VALUE, "FILE", "client-side TLS key (PEM)"},
    {"require-tls", MS_OPT_FLAG, NULL, "refuse clients without TLS"},
    {"default-auth", MS_OPT_VALUE, "PLUGIN",
     "auth plugin offered to clients: mysql_native_password (default) or "
     "caching_sha2_password"},
    {"max-connections", MS_OPT_VALUE, "N",
     "most client sessions at once (default 4096)"},
    {"health-interval", MS_OPT_VALUE, "MS",
     "backend health check period (default 1000)"},
    {"login-timeout", MS_OPT_VALUE, "MS",
     "a client must finish its login within MS (default 10000)"},
    {"max-packet", MS_OPT_VALUE, "BYTES",
     "largest statement a client may send (default 1073741824)"},
    {"shadow-rate", MS_OPT_VALUE, "FRACTION",
     "share of read-only statements also run on the target and compared "
     "(default 0: off)"},
    {"shadow-queue", MS_OPT_VALUE, "N",
     "shadow samples waiting at most; more are dropped (default 1000)"},
    {"control-schema", MS_OPT_VALUE, "NAME",
     "myshift's state on the target, read for the sync lag (default "
     "_myshift)"},
    MS_CLI_COMMON_OPTS,
    {NULL, 0, NULL, NULL},
};

static void on_signal(int sig)
{
	(void)sig;
	ms_proxy_request_stop();
}

/* Everything the config borrows, freed by proxy_args_free. */
struct proxy_args {
	struct ms_endpoint source, target;
	char token[TOKEN_MAX + 1];
	const char **users;  /* owned array; strings borrowed from opts */
	const char **routes; /* idem */
};

static void proxy_args_free(struct proxy_args *a, const struct ms_opts *opts)
{
	const struct ms_optval *v;
	size_t n, i;

	/* The user passwords and the token leave no copy behind. */
	v = ms_opts_list(opts, "user", &n);
	for (i = 0; i < n; i++)
		explicit_bzero(v[i].value, strlen(v[i].value));
	explicit_bzero(a->token, sizeof(a->token));
	free(a->users);
	free(a->routes);
	ms_endpoint_free(&a->source);
	ms_endpoint_free(&a->target);
}

/* "HOST:PORT", "[V6]:PORT" or ":PORT"; with <loopback> the host must be
 * 127.0.0.0/8, ::1 or localhost. */
static int check_addr(const struct ms_opts *opts, const char *name,
		      const char *dflt, bool loopback, const char **out,
		      struct ms_err *err)
{
	const char *v = ms_opts_get(opts, name), *colon, *h;
	char *end;
	unsigned long port;
	size_t hl;

	*out = v ? v : dflt;
	if (!v)
		return 0;
	colon = strrchr(v, ':');
	if (v[0] == '[' && (!colon || colon[-1] != ']'))
		colon = NULL;
	if (colon) {
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
	}
	if (!colon || !colon[1] || *end || errno || port > 65535)
		return MS_ERR(err, MS_EUSAGE,
			      "%s: '%s' is not HOST:PORT, [V6]:PORT or :PORT",
			      ms_opts_origin(opts, name), v);
	if (!loopback)
		return 0;
	h = v[0] == '[' ? v + 1 : v;
	hl = (size_t)(colon - h) - (v[0] == '[');
	if ((hl == 9 && !strncasecmp(h, "localhost", 9)) ||
	    (hl == 3 && !strncmp(h, "::1", 3)) ||
	    (hl >= 7 && !strncmp(h, "127.", 4)))
		return 0;
	return MS_ERR(err, MS_EUSAGE,
		      "%s: '%s' is not a loopback address (127.0.0.1, ::1 or "
		      "localhost): the admin API is never exposed",
		      ms_opts_origin(opts, name), v);
}

/* The token: first line of --admin-token-file, else $MYSHIFT_PROXY_TOKEN. */
static int read_token(const struct ms_opts *opts, char *tok, struct ms_err *err)
{
	const char *file = ms_opts_get(opts, "admin-token-file");
	const char *env = getenv(TOKEN_ENV);
	size_t n;
	FILE *f;
	int rc;

	if (file) {
		f = fopen(file, "r");
		if (!f)
			return MS_ERR(err, MS_EUSAGE,
				      "%s: cannot read '%s': %s",
				      ms_opts_origin(opts, "admin-token-file"),
				      file, strerror(errno));
		if (!fgets(tok, TOKEN_MAX + 1, f))
			tok[0] = '\0';
		fclose(f);
		tok[strcspn(tok, "\r\n")] = '\0';
	} else if (env && *env) {
		snprintf(tok, TOKEN_MAX + 1, "%s", env);
	} else {
		return MS_ERR(err, MS_EUSAGE,
			      "no admin token: give --admin-token-file FILE or "
			      "set " TOKEN_ENV);
	}
	n = strlen(tok);
	if (n < TOKEN_MIN)
		return MS_ERR(err, MS_EUSAGE,
			      "%s: the admin token has %zu bytes, at least %d "
			      "are needed",
			      file ? ms_opts_origin(opts, "admin-token-file")
				   : TOKEN_ENV,
			      n, TOKEN_MIN);
	rc = ms_log_secret_add(tok);
	return rc ? MS_ERR(err, rc,
			   "admin token: cannot register it with "
			   "the log redactor")
		  : 0;
}

/* Checks every --user spec (errors name the user, never the password),
 * registers the passwords with the redactor and lists the specs. */
static int user_specs(const struct ms_opts *opts, struct proxy_args *a,
		      struct ms_err *err)
{
	struct ms_users check = {0};
	const struct ms_optval *v;
	const char *pw;
	size_t n, i;
	int rc = 0;

	v = ms_opts_list(opts, "user", &n);
	a->users = calloc(n + 1, sizeof(*a->users));
	if (!a->users)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	for (i = 0; !rc && i < n; i++) {
		pw = strchr(v[i].value, ':');
		/* A password (not a hash): redacted before anything else. */
		if (pw && pw[1] && !(pw[1] == '*' && strlen(pw + 1) == 41) &&
		    ms_log_secret_add(pw + 1))
			rc = MS_ERR(err, MS_EUSAGE,
				    "%s: too many passwords for the log "
				    "redactor (at most %d secrets in all): "
				    "give the other users as NAME:*HASH",
				    v[i].origin, MS_LOG_SECRETS_MAX);
		if (!rc && (rc = ms_users_add_spec(&check, v[i].value, err))) {
			ms_err_prefix(err, "%s", v[i].origin);
			rc = err ? (err->code = MS_EUSAGE) : MS_EUSAGE;
		}
		a->users[i] = v[i].value;
	}
	ms_users_free(&check);
	if (!rc && n == 0 && !ms_opts_flag(opts, "users-from-source"))
		rc = MS_ERR(err, MS_EUSAGE,
			    "no users: give --user NAME:PASSWORD (or "
			    "NAME:*HASH), or --users-from-source");
	return rc;
}

/* Checks every --route alone (errors name its origin), then all together
 * (duplicate names), and lists the specs. */
static int route_specs(const struct ms_opts *opts, struct proxy_args *a,
		       bool target, struct ms_err *err)
{
	struct ms_routes rs;
	const struct ms_optval *v;
	const char *one[2] = {NULL, NULL};
	size_t n, i;
	int rc = 0;

	v = ms_opts_list(opts, "route", &n);
	a->routes = calloc(n + 1, sizeof(*a->routes));
	if (!a->routes)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	for (i = 0; !rc && i < n; i++) {
		one[0] = a->routes[i] = v[i].value;
		rc = ms_routes_parse(one, target, &rs, err);
		if (rc)
			ms_err_prefix(err, "%s", v[i].origin);
		ms_routes_free(&rs);
	}
	if (!rc) {
		rc = ms_routes_parse(a->routes, target, &rs, err);
		if (rc)
			ms_err_prefix(err, "--route");
		ms_routes_free(&rs);
	}
	if (rc && err)
		err->code = MS_EUSAGE;
	return rc ? MS_EUSAGE : 0;
}

static int fraction_opt(const struct ms_opts *opts, const char *name,
			double *out, struct ms_err *err)
{
	const char *v = ms_opts_get(opts, name);
	char *end;

	*out = 0;
	if (!v)
		return 0;
	*out = strtod(v, &end);
	if (*end || end == v || !(*out >= 0 && *out <= 1))
		return MS_ERR(err, MS_EUSAGE,
			      "%s: '%s' is not a fraction between 0 and 1",
			      ms_opts_origin(opts, name), v);
	return 0;
}

/* The source (required) and the target (optional: only when --target,
 * the config key or $MYSHIFT_TARGET gives one). --connect-timeout also
 * becomes the endpoints' own when their URI sets none. */
static int endpoints(const struct ms_opts *opts, struct ms_proxy_config *c,
		     struct proxy_args *a, struct ms_err *err)
{
	const char *t = ms_opts_get(opts, "target");
	const char *te = getenv("MYSHIFT_TARGET");
	unsigned long secs;
	int rc;

	rc = ms_cli_endpoint(opts, "source", &a->source, err);
	if (!rc && ((t && *t) || (te && *te)))
		rc = ms_cli_endpoint(opts, "target", &a->target, err);
	rc = rc ? rc
		: ms_opts_uint(opts, "connect-timeout", 1, 3600, 0, &secs, err);
	if (rc)
		return rc;
	if (secs) {
		c->connect_timeout_ms = (unsigned)secs * 1000;
		if (!a->source.connect_timeout_s)
			a->source.connect_timeout_s = (unsigned)secs;
		if (a->target.host && !a->target.connect_timeout_s)
			a->target.connect_timeout_s = (unsigned)secs;
	}
	c->source = &a->source;
	c->target = a->target.host ? &a->target : NULL;
	return 0;
}

static int numbers(const struct ms_opts *opts, struct ms_proxy_config *c,
		   struct ms_err *err)
{
	static const char *const auths[] = {"mysql_native_password",
					    "caching_sha2_password", NULL};
	unsigned long maxc, interval, packet, queue, login;
	int auth, rc;

	rc =
	    ms_opts_uint(opts, "max-connections", 1, 1000000, 4096, &maxc, err);
	rc = rc ? rc
		: ms_opts_uint(opts, "health-interval", 50, 3600000, 1000,
			       &interval, err);
	rc = rc ? rc
		: ms_opts_uint(opts, "max-packet", 1024, 1ul << 30, 1ul << 30,
			       &packet, err);
	rc = rc ? rc
		: ms_opts_uint(opts, "shadow-queue", 1, 1000000, 1000, &queue,
			       err);
	rc = rc ? rc
		: ms_opts_uint(opts, "login-timeout", 100, 3600000, 10000,
			       &login, err);
	rc = rc ? rc
		: ms_cli_pick_word(opts, "default-auth", auths, 0, &auth, err);
	rc = rc ? rc : fraction_opt(opts, "shadow-rate", &c->shadow_rate, err);
	if (rc)
		return rc;
	c->max_connections = (unsigned)maxc;
	c->health_interval_ms = (unsigned)interval;
	c->max_packet = packet;
	c->shadow_queue = (unsigned)queue;
	c->handshake_timeout_ms = (unsigned)login;
	c->default_auth = auths[auth];
	return 0;
}

static int tls_opts(const struct ms_opts *opts, struct ms_proxy_config *c,
		    struct ms_err *err)
{
	c->tls_cert = ms_opts_get(opts, "tls-cert");
	c->tls_key = ms_opts_get(opts, "tls-key");
	c->require_tls = ms_opts_flag(opts, "require-tls");
	if (!c->tls_cert != !c->tls_key)
		return MS_ERR(
		    err, MS_EUSAGE, "%s: --tls-cert and --tls-key go together",
		    ms_opts_origin(opts, c->tls_cert ? "tls-cert" : "tls-key"));
	if (c->require_tls && !c->tls_cert)
		return MS_ERR(err, MS_EUSAGE,
			      "%s: --require-tls needs --tls-cert and "
			      "--tls-key",
			      ms_opts_origin(opts, "require-tls"));
	return 0;
}

static int proxy_config(const struct ms_opts *opts, struct ms_proxy_config *c,
			struct proxy_args *a, struct ms_err *err)
{
	int rc;

	rc = check_addr(opts, "listen", MS_PROXY_LISTEN_DEFAULT, false,
			&c->listen, err);
	rc = rc ? rc
		: check_addr(opts, "admin-listen", MS_PROXY_ADMIN_DEFAULT, true,
			     &c->admin_listen, err);
	rc = rc ? rc : read_token(opts, a->token, err);
	rc = rc ? rc : numbers(opts, c, err);
	rc = rc ? rc : tls_opts(opts, c, err);
	rc = rc ? rc : user_specs(opts, a, err);
	rc = rc ? rc : endpoints(opts, c, a, err);
	rc = rc ? rc : route_specs(opts, a, c->target != NULL, err);
	if (!rc && c->shadow_rate > 0 && !c->target)
		rc = MS_ERR(err, MS_EUSAGE,
			    "%s: shadow reads need a target (--target)",
			    ms_opts_origin(opts, "shadow-rate"));
	if (rc)
		return rc;
	c->admin_token = a->token;
	c->users = a->users;
	c->users_from_source = ms_opts_flag(opts, "users-from-source");
	c->routes = a->routes;
	c->control_schema = ms_cli_control_schema(opts);
	return 0;
}

int ms_cmd_proxy(const struct ms_opts *opts)
{
	struct ms_proxy_config c;
	struct proxy_args a;
	struct ms_err err;
	int rc, exitc = MS_EXIT_OK;

	memset(&c, 0, sizeof(c));
	memset(&a, 0, sizeof(a));
	ms_err_clear(&err);
	rc = proxy_config(opts, &c, &a, &err);
	if (!rc) {
		ms_cli_stop_signals(on_signal);
		rc = ms_proxy_run(&c, &err);
	}
	if (rc)
		exitc = ms_cli_fail("proxy", &err);
	proxy_args_free(&a, opts);
	return exitc;
}

/* `myshift proxy-ctl`: a small HTTP client for the proxy's admin API
 * (docs/proxy-admin.md). One blocking request per call: HTTP/1.0 style
 * with "Connection: close", read to EOF, status line parsed, JSON body
 * printed as it came (--json) or as text for people. `move` starts a move
 * and polls its progress until it is done. `prepare`, `unprepare` and `end`
 * are the steps cutover drives around a move (docs/cutover.md). */
#include <errno.h>
#include <jansson.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/log.h"
#include "proxy/adminc.h"
#include "proxy/proxy.h"

const struct ms_optdef ms_proxy_ctl_optdefs[] = {
    {"args", MS_OPT_ARGS, "COMMAND [ARGS]",
     "status | sessions | routes | route ROUTE BACKEND | pause [ROUTE] | "
     "resume [ROUTE] | prepare [ROUTE] BACKEND | unprepare [ROUTE] | "
     "move [ROUTE] BACKEND | end [ROUTE] | metrics"},
    {"admin", MS_OPT_VALUE, "ADDR",
     "the proxy's admin address (default $MYSHIFT_PROXY_ADMIN, else "
     "127.0.0.1:6034)"},
    {"admin-token-file", MS_OPT_VALUE, "FILE",
     "file holding the admin token (default: $MYSHIFT_PROXY_TOKEN)"},
    {"timeout", MS_OPT_VALUE, "SECONDS",
     "how long `move` waits for the move to end (default 60)"},
    {"message", MS_OPT_VALUE, "TEXT",
     "`end`: the error message the ended clients get (at most 400 bytes; "
     "default: the cutover drain timeout's)"},
    MS_CLI_COMMON_OPTS,
    {NULL, 0, NULL, NULL},
};

struct ctl {
	struct ms_adminc a;
	bool json;
	double timeout_s;
	const char *message; /* --message, borrowed */
};

/* ---- options ---- */

static int ctl_setup(struct ctl *c, const struct ms_opts *opts,
		     struct ms_err *err)
{
	const char *addr = ms_opts_get(opts, "admin");
	const char *t = ms_opts_get(opts, "timeout");

	c->json = ms_opts_flag(opts, "json");
	c->message = ms_opts_get(opts, "message");
	c->timeout_s = 60;
	if (t) {
		char *end;

		c->timeout_s = strtod(t, &end);
		if (end == t || *end || !(c->timeout_s > 0) ||
		    c->timeout_s > 86400)
			return MS_ERR(err, MS_EUSAGE,
				      "%s: '%s' is not a number of seconds "
				      "between 0 and 86400",
				      ms_opts_origin(opts, "timeout"), t);
	}
	return ms_adminc_init(&c->a, addr,
			      ms_opts_get(opts, "admin-token-file"), err);
}

/* ---- text output ---- */

static void scalar_text(const json_t *v, char *out, size_t size)
{
	char *s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		snprintf(out, size, "%s", json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(out, size, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(out, size, "%.3f", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(out, size, "yes");
		break;
	case JSON_FALSE:
		snprintf(out, size, "no");
		break;
	case JSON_NULL:
		snprintf(out, size, "-");
		break;
	default:
		s = json_dumps(v, JSON_COMPACT);
		snprintf(out, size, "%s", s ? s : "?");
		free(s);
	}
}

/* An array of objects as a table: one column per key, in the order keys
 * first appear. */
static void print_table(const json_t *a, const char *indent)
{
	const char *cols[32];
	size_t ncols = 0, w[32], i, k;
	char cell[256];
	const char *key;
	json_t *o, *v;

	json_array_foreach(a, i, o)
	{
		json_object_foreach((json_t *)o, key, v)
		{
			for (k = 0; k < ncols && strcmp(cols[k], key); k++)
				;
			if (k == ncols && ncols < 32) {
				cols[ncols] = key;
				w[ncols++] = strlen(key);
			}
		}
	}
	json_array_foreach(a, i, o) for (k = 0; k < ncols; k++)
	{
		v = json_object_get(o, cols[k]);
		scalar_text(v ? v : json_null(), cell, sizeof(cell));
		if (strlen(cell) > w[k])
			w[k] = strlen(cell);
	}
	ms_print_safe(stdout, "%s", indent);
	for (k = 0; k < ncols; k++) {
		char up[64];
		size_t j;

		for (j = 0; cols[k][j] && j < sizeof(up) - 1; j++)
			up[j] = (char)(cols[k][j] >= 'a' && cols[k][j] <= 'z'
					   ? cols[k][j] - 32
					   : cols[k][j]);
		up[j] = '\0';
		ms_print_safe(stdout, "%-*s%s", (int)w[k], up,
			      k + 1 < ncols ? "  " : "\n");
	}
	json_array_foreach(a, i, o)
	{
		ms_print_safe(stdout, "%s", indent);
		for (k = 0; k < ncols; k++) {
			v = json_object_get(o, cols[k]);
			scalar_text(v ? v : json_null(), cell, sizeof(cell));
			ms_print_safe(stdout, "%-*s%s", (int)w[k], cell,
				      k + 1 < ncols ? "  " : "\n");
		}
	}
}

/* An object as "key: value" lines, arrays of objects as tables. */
static void print_object(const json_t *o)
{
	char cell[512];
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v)
	{
		if (json_is_array(v) && json_array_size(v) &&
		    json_is_object(json_array_get(v, 0))) {
			ms_print_safe(stdout, "%s:\n", key);
			print_table(v, "  ");
			continue;
		}
		scalar_text(v, cell, sizeof(cell));
		ms_print_safe(stdout, "%s: %s\n", key, cell);
	}
}

static void print_list(const json_t *a, const char *what)
{
	if (!json_is_array(a) || json_array_size(a) == 0)
		ms_print_safe(stdout, "no %s\n", what);
	else
		print_table(a, "");
}

/* ---- commands ---- */

static int cmd_get(const struct ctl *c, const char *path, const char *what,
		   struct ms_err *err)
{
	json_t *o = NULL;
	int rc = ms_adminc_call(&c->a, "GET", path, &o, NULL, err);

	if (rc)
		return rc;
	if (c->json)
		ms_cli_print_json(o);
	else {
		if (json_is_array(o))
			print_list(o, what);
		else
			print_object(o);
		json_decref(o);
	}
	return 0;
}

/* Labels `a="x",b="y"` (escapes \\ \" \n) of one sample into <o>;
 * the position after the closing brace, NULL when malformed. */
static const char *parse_labels(const char *p, json_t *o)
{
	char name[128], val[512];

	while (*p && *p != '}') {
		size_t n = 0, v = 0;

		while (*p && *p != '=' && n < sizeof(name) - 1)
			name[n++] = *p++;
		name[n] = '\0';
		if (p[0] != '=' || p[1] != '"')
			return NULL;
		for (p += 2; *p && *p != '"'; p++) {
			char ch = *p;

			if (ch == '\\' && p[1]) {
				ch = *++p == 'n' ? '\n' : *p;
			}
			if (v < sizeof(val) - 1)
				val[v++] = ch;
		}
		val[v] = '\0';
		if (*p != '"')
			return NULL;
		json_object_set_new(o, name, json_string(val));
		p++;
		if (*p == ',')
			p++;
	}
	return *p == '}' ? p + 1 : NULL;
}

/* The Prometheus text as [{"name", "labels": {...}, "value"}]. */
static json_t *metrics_json(char *text)
{
	json_t *a = json_array();
	char *next;

	for (char *l = text; l && *l && a; l = next) {
		json_t *labels;
		char *name_end, *end;
		const char *rest;
		double v;

		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		if (*l == '#' || *l == '\0')
			continue;
		name_end = l + strcspn(l, "{ ");
		labels = json_object();
		rest = name_end;
		if (*name_end == '{')
			rest = parse_labels(name_end + 1, labels);
		if (!rest || *rest != ' ') {
			json_decref(labels);
			continue; /* not a sample line */
		}
		v = strtod(rest + 1, &end);
		*name_end = '\0';
		json_array_append_new(a,
				      json_pack("{s:s,s:o,s:f}", "name", l,
						"labels", labels, "value", v));
	}
	return a;
}

static int cmd_metrics(const struct ctl *c, struct ms_err *err)
{
	struct ms_buf text;
	int rc;

	ms_buf_init(&text, MS_ADMINC_MAX_ANSWER);
	rc = ms_adminc_call(&c->a, "GET", "/metrics", NULL, &text, err);
	if (!rc && c->json)
		ms_cli_print_json(
		    metrics_json(text.ptr ? text.ptr : (char *)""));
	else if (!rc)
		ms_print_safe(stdout, "%s", ms_buf_str(&text));
	ms_buf_free(&text);
	return rc;
}

/* POST <path> with up to two parameters (NULL values left out). */
static int cmd_post(const struct ctl *c, const char *path, const char *n1,
		    const char *v1, const char *n2, const char *v2, json_t **o,
		    struct ms_err *err)
{
	struct ms_buf t;
	char sep = '?';
	int rc;

	ms_buf_init(&t, 4096);
	rc = ms_buf_addstr(&t, path);
	if (!rc && v1) {
		rc = ms_buf_addf(&t, "%c%s=", sep, n1);
		if (!rc)
			rc = ms_adminc_add_enc(&t, v1);
		sep = '&';
	}
	if (!rc && v2) {
		rc = ms_buf_addf(&t, "%c%s=", sep, n2);
		if (!rc)
			rc = ms_adminc_add_enc(&t, v2);
	}
	if (rc)
		rc = MS_ERR(err, MS_EUSAGE, "arguments too long");
	else
		rc =
		    ms_adminc_call(&c->a, "POST", ms_buf_str(&t), o, NULL, err);
	ms_buf_free(&t);
	return rc;
}

static int cmd_simple_post(const struct ctl *c, const char *path,
			   const char *n1, const char *v1, const char *n2,
			   const char *v2, const char *done, struct ms_err *err)
{
	json_t *o = NULL;
	int rc = cmd_post(c, path, n1, v1, n2, v2, &o, err);

	if (rc)
		return rc;
	if (c->json)
		ms_cli_print_json(o);
	else {
		ms_print_safe(stdout, "%s\n", done);
		json_decref(o);
	}
	return 0;
}

static long long jint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static double jnum(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : 0;
}

static void print_move(const json_t *m, bool finished)
{
	const json_t *errs = json_object_get(m, "errors");
	const char *route = json_string_value(json_object_get(m, "route"));
	const char *to = json_string_value(json_object_get(m, "to"));
	size_t i;
	json_t *e;

	ms_print_safe(stdout,
		      "move %lld (route %s to %s) %s: %lld moved, %lld "
		      "failed, %lld unmovable, %lld pending; pause max %.1f "
		      "ms, median %.1f ms\n",
		      jint(m, "id"), route ? route : "*", to ? to : "?",
		      finished ? "done" : "still running", jint(m, "moved"),
		      jint(m, "failed"), jint(m, "unmovable"),
		      jint(m, "pending"), jnum(m, "pause_ms_max"),
		      jnum(m, "pause_ms_p50"));
	json_array_foreach(errs, i, e)
	{
		char cell[512];

		scalar_text(e, cell, sizeof(cell));
		ms_print_safe(stdout, "  %s\n", cell);
	}
}

/* POST /resume; prints what it released and how long it had been held. */
static int cmd_resume(const struct ctl *c, const char *route,
		      struct ms_err *err)
{
	json_t *o = NULL;
	int rc = cmd_post(c, "/resume", "route", route, NULL, NULL, &o, err);

	if (rc)
		return rc;
	if (c->json) {
		ms_cli_print_json(o);
		return 0;
	}
	ms_print_safe(stdout,
		      "resumed %s%s: %lld held statements released; held "
		      "median %.1f ms, max %.1f ms\n",
		      route ? "route " : "every route", route ? route : "",
		      jint(o, "released"), jnum(o, "hold_ms_p50"),
		      jnum(o, "hold_ms_max"));
	json_decref(o);
	return 0;
}

/* POST /prepare or /prepare/cancel. */
static int cmd_prepare(const struct ctl *c, const char *route, const char *to,
		       struct ms_err *err)
{
	json_t *o = NULL;
	int rc = to ? cmd_post(c, "/prepare", "route", route, "to", to, &o, err)
		    : cmd_post(c, "/prepare/cancel", "route", route, NULL, NULL,
			       &o, err);

	if (rc)
		return rc;
	if (c->json) {
		ms_cli_print_json(o);
		return 0;
	}
	if (to)
		ms_print_safe(stdout,
			      "%s%s: %lld sessions have a connection to %s "
			      "ready for a move, %lld skipped\n",
			      route ? "route " : "every route",
			      route ? route : "", jint(o, "prepared"), to,
			      jint(o, "skipped"));
	else
		ms_print_safe(stdout,
			      "%s%s: %lld prepared connections closed\n",
			      route ? "route " : "every route",
			      route ? route : "", jint(o, "cancelled"));
	json_decref(o);
	return 0;
}

/* POST /end: the sessions ended inside a transaction. */
static int cmd_end(const struct ctl *c, const char *route, struct ms_err *err)
{
	json_t *o = NULL, *id;
	size_t i;
	int rc;

	if (c->message && strlen(c->message) > 400)
		return MS_ERR(err, MS_EUSAGE,
			      "--message: %zu bytes, at most 400",
			      strlen(c->message));
	rc =
	    cmd_post(c, "/end", "route", route, "message", c->message, &o, err);
	if (rc)
		return rc;
	if (c->json) {
		ms_cli_print_json(o);
		return 0;
	}
	ms_print_safe(stdout, "%s%s: %lld sessions ended inside a transaction",
		      route ? "route " : "every route", route ? route : "",
		      jint(o, "ended"));
	json_array_foreach(json_object_get(o, "sessions"), i, id)
	    ms_print_safe(stdout, "%s%lld", i ? ", " : " (",
			  (long long)json_integer_value(id));
	ms_print_safe(stdout, "%s\n", jint(o, "ended") ? ")" : "");
	json_decref(o);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Starts a move and polls it until it is done or --timeout passes.
 * Returns 0, or MS_EXIT_PROBLEM as a positive value when sessions were
 * left (failed, unmovable or still pending). */
static int cmd_move(const struct ctl *c, const char *route, const char *to,
		    struct ms_err *err)
{
	struct timespec t0, now;
	json_t *o = NULL, *m = NULL;
	char path[64];
	long long id;
	bool done = false;
	int rc;

	rc = cmd_post(c, "/move", "route", route, "to", to, &o, err);
	if (rc)
		return rc;
	id = jint(o, "id");
	json_decref(o);
	if (id <= 0)
		return MS_ERR(err, MS_EIO, "the proxy answered no move id");
	snprintf(path, sizeof(path), "/moves?id=%lld", id);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		rc = ms_adminc_call(&c->a, "GET", path, &m, NULL, err);
		if (rc)
			return rc;
		const char *state =
		    json_string_value(json_object_get(m, "state"));
		done = state && strcmp(state, "done") == 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (done || (double)(now.tv_sec - t0.tv_sec) +
				    (double)(now.tv_nsec - t0.tv_nsec) / 1e9 >=
				c->timeout_s)
			break;
		json_decref(m);
		m = NULL;
		sleep_ms(20);
	}
	bool left = !done || jint(m, "failed") + jint(m, "unmovable") > 0;
	if (c->json)
		ms_cli_print_json(json_incref(m));
	else
		print_move(m, done);
	if (!done)
		ms_print_safe(stderr,
			      "myshift proxy-ctl: move %lld still running "
			      "after %.0f s (see GET /moves?id=%lld)\n",
			      id, c->timeout_s, id);
	json_decref(m);
	return left ? MS_EXIT_PROBLEM : 0;
}

static int usage(const char *msg, struct ms_err *err)
{
	return MS_ERR(err, MS_EUSAGE, "%s (try 'myshift proxy-ctl --help')",
		      msg);
}

static int run(const struct ctl *c, const struct ms_optval *a, size_t n,
	       struct ms_err *err)
{
	const char *cmd = a[0].value;
	char done[600];

#define ARG(i) (n > (i) ? a[i].value : NULL)
	if (c->message && strcmp(cmd, "end") != 0)
		return usage("--message goes with 'end' only", err);
	if (!strcmp(cmd, "status") || !strcmp(cmd, "sessions") ||
	    !strcmp(cmd, "routes") || !strcmp(cmd, "metrics")) {
		if (n != 1)
			return usage("this command takes no arguments", err);
		if (!strcmp(cmd, "metrics"))
			return cmd_metrics(c, err);
		return cmd_get(c,
			       !strcmp(cmd, "status")	  ? "/status"
			       : !strcmp(cmd, "sessions") ? "/sessions"
							  : "/routes",
			       cmd, err);
	}
	if (!strcmp(cmd, "route")) {
		if (n != 3)
			return usage("usage: route ROUTE BACKEND", err);
		snprintf(done, sizeof(done), "route %s: new sessions go to %s",
			 ARG(1), ARG(2));
		return cmd_simple_post(c, "/routes/set", "route", ARG(1),
				       "backend", ARG(2), done, err);
	}
	if (!strcmp(cmd, "pause")) {
		if (n > 2)
			return usage("usage: pause [ROUTE]", err);
		snprintf(done, sizeof(done), "paused %s%s",
			 ARG(1) ? "route " : "every route",
			 ARG(1) ? ARG(1) : "");
		return cmd_simple_post(c, "/pause", "route", ARG(1), NULL, NULL,
				       done, err);
	}
	if (!strcmp(cmd, "resume") || !strcmp(cmd, "unprepare") ||
	    !strcmp(cmd, "end")) {
		if (n > 2) {
			snprintf(done, sizeof(done), "usage: %s [ROUTE]", cmd);
			return usage(done, err);
		}
		if (cmd[0] == 'r')
			return cmd_resume(c, ARG(1), err);
		if (cmd[0] == 'u')
			return cmd_prepare(c, ARG(1), NULL, err);
		return cmd_end(c, ARG(1), err);
	}
	if (!strcmp(cmd, "prepare")) {
		if (n < 2 || n > 3)
			return usage("usage: prepare [ROUTE] BACKEND", err);
		return n == 3 ? cmd_prepare(c, ARG(1), ARG(2), err)
			      : cmd_prepare(c, NULL, ARG(1), err);
	}
	if (!strcmp(cmd, "move")) {
		if (n < 2 || n > 3)
			return usage("usage: move [ROUTE] BACKEND", err);
		return n == 3 ? cmd_move(c, ARG(1), ARG(2), err)
			      : cmd_move(c, NULL, ARG(1), err);
	}
#undef ARG
	return MS_ERR(err, MS_EUSAGE,
		      "unknown command '%s' (status, sessions, routes, route, "
		      "pause, resume, prepare, unprepare, move, end, metrics)",
		      cmd);
}

int ms_cmd_proxy_ctl(const struct ms_opts *opts)
{
	struct ctl c;
	struct ms_err err;
	const struct ms_optval *args;
	size_t nargs;
	int rc;

	memset(&c, 0, sizeof(c));
	ms_err_clear(&err);
	signal(SIGPIPE, SIG_IGN);
	args = ms_opts_list(opts, "args", &nargs);
	if (nargs < 1)
		rc = usage("a command is needed: status, sessions, routes, "
			   "route, pause, resume, prepare, unprepare, move, "
			   "end or metrics",
			   &err);
	else
		rc = ctl_setup(&c, opts, &err);
	if (!rc)
		rc = run(&c, args, nargs, &err);
	ms_adminc_free(&c.a);
	if (rc > 0)
		return rc; /* an exit code: the move left sessions */
	if (rc)
		return ms_cli_fail("proxy-ctl", &err);
	return MS_EXIT_OK;
}

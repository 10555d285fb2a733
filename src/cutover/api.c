/* Calls on the proxy's admin API (docs/proxy-admin.md) and the sync
 * processes cutover starts and stops. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "cutover/co_int.h"
#include "sync/sync.h"

void co_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

double co_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int co_api(struct co *c, const char *method, const char *path,
	   const char *route, const char *k2, const char *v2, json_t **out,
	   struct ms_err *err)
{
	struct ms_buf t;
	json_t *o = NULL;
	char sep = '?';
	int rc;

	ms_buf_init(&t, 8192);
	rc = ms_buf_addstr(&t, path);
	if (!rc && route && *route) {
		rc = ms_buf_addstr(&t, "?route=");
		rc = rc ? rc : ms_adminc_add_enc(&t, route);
		sep = '&';
	}
	if (!rc && k2) {
		rc = ms_buf_addf(&t, "%c%s=", sep, k2);
		rc = rc ? rc : ms_adminc_add_enc(&t, v2);
	}
	if (rc) {
		ms_buf_free(&t);
		return MS_ERR(err, rc, "proxy request too long");
	}
	rc = ms_adminc_call(c->a, method, ms_buf_str(&t), &o, NULL, err);
	if (rc)
		ms_err_prefix(err, "proxy");
	ms_buf_free(&t);
	if (!rc && out)
		*out = o;
	else
		json_decref(o);
	return rc;
}

int co_route_sessions(struct co *c, json_t **out, struct ms_err *err)
{
	json_t *a = NULL, *s, *mine = json_array();
	size_t i;
	int rc = co_api(c, "GET", "/sessions", NULL, NULL, NULL, &a, err);

	json_array_foreach(a, i, s)
	{
		const char *route =
		    json_string_value(json_object_get(s, "route"));
		size_t j;
		json_t *v;

		json_array_foreach(c->routes, j, v)
		{
			if (route && !strcmp(route, json_string_value(v))) {
				json_array_append(mine, s);
				break;
			}
		}
	}
	json_decref(a);
	if (rc)
		json_decref(mine);
	else
		*out = mine;
	return rc;
}

struct ms_db *co_apply_db(struct co *c, bool reverse)
{
	return reverse ? c->src : c->tgt;
}

static int endpoint_uri(const struct ms_endpoint *ep, char **out,
			struct ms_err *err)
{
	struct ms_buf b;

	ms_buf_init(&b, 8192);
	if (ms_endpoint_format(ep, &b)) {
		ms_buf_free(&b);
		return MS_ERR(err, MS_ETOOLARGE, "endpoint too long");
	}
	*out = strdup(ms_buf_str(&b));
	ms_buf_free(&b);
	return *out ? 0 : MS_ERR(err, MS_ENOMEM, "out of memory");
}

/* Starts `myshift sync [--reverse]` as a daemon (double fork, own
 * session), its output appended to the sync log. Passwords go through the
 * environment, never the command line. */
int co_sync_spawn(struct co *c, bool reverse, const char *start_file,
		  uint64_t start_pos, long *pid_out, struct ms_err *err)
{
	const struct ms_cutover_opts *o = c->o;
	char exe[4096], startpos[300], logbuf[512];
	char *su = NULL, *tu = NULL;
	const char *argv[64 + 2 * 32];
	const char *log = o->sync_log;
	size_t n = 0;
	int pfd[2], rc;
	ssize_t k;

	k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (k <= 0)
		return MS_ERR(err, MS_EIO, "cannot find myshift's own path: %s",
			      strerror(errno));
	exe[k] = '\0';
	if (!log) {
		snprintf(logbuf, sizeof(logbuf), "myshift-sync-%s.log",
			 reverse ? "reverse" : "forward");
		log = logbuf;
	}
	rc = endpoint_uri(o->source, &su, err);
	rc = rc ? rc : endpoint_uri(o->target, &tu, err);
	if (rc) {
		free(su);
		return rc;
	}
	argv[n++] = exe;
	argv[n++] = "sync";
	argv[n++] = "--source";
	argv[n++] = su;
	argv[n++] = "--target";
	argv[n++] = tu;
	argv[n++] = "--control-schema";
	argv[n++] = c->cs;
	argv[n++] = "--log-level";
	argv[n++] = "info";
	if (reverse)
		argv[n++] = "--reverse";
	if (start_file && *start_file) {
		snprintf(startpos, sizeof(startpos), "%s:%" PRIu64, start_file,
			 start_pos);
		argv[n++] = "--start-position";
		argv[n++] = startpos;
	}
	for (size_t i = 0; i < o->nsync_args && n < 64 + 2 * 32 - 1; i++)
		argv[n++] = o->sync_args[i];
	argv[n] = NULL;
	if (pipe(pfd)) {
		free(su);
		free(tu);
		return MS_ERR(err, MS_EIO, "pipe: %s", strerror(errno));
	}
	pid_t p = fork();
	if (p == 0) {
		/* first child: new session, fork the daemon, report its pid */
		close(pfd[0]);
		setsid();
		pid_t d = fork();
		if (d == 0) {
			int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
			int nul = open("/dev/null", O_RDONLY);
			close(pfd[1]);
			if (fd < 0 || nul < 0)
				_exit(127);
			dup2(nul, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (o->source->password)
				setenv("MYSHIFT_SOURCE_PASSWORD",
				       o->source->password, 1);
			if (o->target->password)
				setenv("MYSHIFT_TARGET_PASSWORD",
				       o->target->password, 1);
			execv(exe, (char *const *)argv);
			_exit(127);
		}
		long dl = (long)d;
		if (write(pfd[1], &dl, sizeof(dl)) != sizeof(dl))
			_exit(1);
		_exit(d > 0 ? 0 : 1);
	}
	close(pfd[1]);
	long dpid = -1;
	if (p > 0) {
		if (read(pfd[0], &dpid, sizeof(dpid)) != sizeof(dpid))
			dpid = -1;
		waitpid(p, NULL, 0);
	}
	close(pfd[0]);
	free(su);
	free(tu);
	if (p < 0 || dpid <= 0)
		return MS_ERR(err, MS_EIO, "cannot start `myshift sync%s`: %s",
			      reverse ? " --reverse" : "", strerror(errno));
	MS_LOG_INFO(CO_COMP, "event=sync_started direction=%s pid=%ld log=%s",
		    reverse ? "reverse" : "forward", dpid, log);
	if (pid_out)
		*pid_out = dpid;
	snprintf(c->sync_log, sizeof(c->sync_log), "%s", log);
	return 0;
}

/* The last line of the spawned sync's log, for an error message. */
static void log_tail(const char *path, char *out, size_t n)
{
	char buf[4096];
	FILE *f = fopen(path, "r");

	*out = '\0';
	if (!f)
		return;
	if (fseek(f, -(long)sizeof(buf) + 1, SEEK_END))
		rewind(f);
	size_t k = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[k] = '\0';
	while (k && (buf[k - 1] == '\n' || buf[k - 1] == '\r'))
		buf[--k] = '\0';
	char *nl = strrchr(buf, '\n');
	snprintf(out, n, "%s", nl ? nl + 1 : buf);
}

unsigned co_step_timeout_ms(const struct co *c)
{
	return (c->o->step_timeout_s ? c->o->step_timeout_s : 30) * 1000u;
}

/* Asks the direction's sync to stop and waits until it reports stopped
 * (or was not running). */
int co_sync_stop(struct co *c, bool reverse, struct ms_err *err)
{
	struct ms_sync_stopped st;

	return ms_sync_stop_wait(co_apply_db(c, reverse), c->cs, reverse,
				 co_step_timeout_ms(c) / 1000, "--step-timeout",
				 &st, err);
}

/* Waits until the direction's sync writes fresh progress with running =
 * 1 after <since_age>. */
int co_sync_wait_running(struct co *c, bool reverse, long pid,
			 struct ms_err *err)
{
	struct ms_db *db = co_apply_db(c, reverse);
	struct ms_sync_progress p;
	double t0 = co_now_s();
	int rc;

	for (;;) {
		double waited = co_now_s() - t0;
		rc = ms_sync_read_progress(db, c->cs, reverse, 5, &p, err);
		if (rc)
			return rc;
		if (p.running && p.progress_age >= 0 &&
		    p.progress_age <= waited + 0.05)
			return 0;
		if (pid > 0 && kill((pid_t)pid, 0) && errno == ESRCH) {
			char last[600];
			log_tail(c->sync_log, last, sizeof(last));
			return MS_ERR(err, MS_EIO,
				      "the %s sync started (pid %ld) exited; "
				      "its log %s ends: %s",
				      reverse ? "reverse" : "forward", pid,
				      c->sync_log, last);
		}
		if (waited * 1000 > co_step_timeout_ms(c))
			return MS_ERR(err, MS_ETIMEOUT,
				      "the %s sync started did not report "
				      "running within %u s (see its log)",
				      reverse ? "reverse" : "forward",
				      co_step_timeout_ms(c) / 1000);
		co_sleep_ms(20);
	}
}

#include "cli/cli.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

int ms_cli_endpoint(const struct ms_opts *opts, const char *role,
		    struct ms_endpoint *ep, struct ms_err *err)
{
	char key[64], env[64], envpw[80];
	const char *uri, *origin, *pwfile;
	size_t i;
	int rc;

	snprintf(key, sizeof(key), "%s-password-file", role);
	pwfile = ms_opts_get(opts, key);
	snprintf(env, sizeof(env), "MYSHIFT_%s", role);
	for (i = 0; env[i]; i++)
		env[i] = (char)toupper((unsigned char)env[i]);
	snprintf(envpw, sizeof(envpw), "%s_PASSWORD", env);
	uri = ms_opts_get(opts, role);
	origin = ms_opts_origin(opts, role);
	if (!uri) {
		uri = getenv(env);
		origin = env;
	}
	if (!uri || !*uri)
		return MS_ERR(err, MS_EUSAGE,
			      "no %s given: use --%s URI (or set %s)", role,
			      role, env);
	rc = ms_endpoint_parse(uri, ep, err);
	if (rc) {
		/* Bad URIs are usage errors, reported where they came from. */
		ms_err_prefix(err, "%s", origin);
		err->code =
		    origin[0] == '-' || origin == env ? MS_EUSAGE : MS_ECONFIG;
		return err->code;
	}
	rc = ms_endpoint_resolve_password(ep, envpw, pwfile, err);
	if (rc) {
		ms_endpoint_free(ep);
		return rc == MS_EIO ? MS_ERR(err, MS_EUSAGE, "%s", err->msg)
				    : rc;
	}
	return 0;
}

const char *ms_cli_control_schema(const struct ms_opts *opts)
{
	const char *s = ms_opts_get(opts, "control-schema");

	return s && *s ? s : "_myshift";
}

static int add_patterns(const struct ms_opts *opts, struct ms_rules *r,
			const char *name, struct ms_err *err)
{
	const struct ms_optval *v;
	size_t n, i;
	int rc;

	v = ms_opts_list(opts, name, &n);
	for (i = 0; i < n; i++) {
		rc = strcmp(name, "include") == 0
			 ? ms_rules_add_include(r, v[i].value, err)
			 : ms_rules_add_exclude(r, v[i].value, err);
		if (rc) {
			ms_err_prefix(err, "%s", v[i].origin);
			return rc;
		}
	}
	return 0;
}

int ms_cli_rules(const struct ms_opts *opts, struct ms_rules **out,
		 struct ms_err *err)
{
	struct ms_rules *r = ms_rules_new();
	const char *mappings = ms_opts_get(opts, "table-mappings");
	int rc;

	if (!r)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	rc = ms_rules_set_control_schema(r, ms_cli_control_schema(opts));
	if (rc)
		MS_ERR(err, rc, "control schema: %s", ms_strerror(rc));
	if (!rc && mappings)
		rc = ms_rules_load_dms(r, mappings, err);
	if (!rc)
		rc = add_patterns(opts, r, "include", err);
	if (!rc)
		rc = add_patterns(opts, r, "exclude", err);
	if (rc) {
		ms_rules_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int ms_cli_fail(const char *cmd, const struct ms_err *err)
{
	ms_print_safe(stderr, "myshift %s: %s\n", cmd,
		      err->msg[0] ? err->msg : ms_strerror(err->code));
	MS_LOG_DEBUG("cli", "event=failed code=%s origin=%s:%d",
		     ms_err_name(err->code), err->file ? err->file : "?",
		     err->line);
	return ms_err_exit_code(err->code);
}

void ms_cli_print_json(json_t *o)
{
	char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;

	if (text)
		ms_print_safe(stdout, "%s\n", text);
	free(text);
	json_decref(o);
}

void ms_cli_stop_signals(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

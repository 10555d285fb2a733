#include "cli/opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int def_index(const struct ms_opts *opts, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < opts->ndefs; i++) {
		if (strlen(opts->defs[i].name) == len &&
		    strncmp(opts->defs[i].name, name, len) == 0)
			return (int)i;
	}
	return -1;
}

/* Appends (or, for a non-list, replaces) a value of option <i>. */
static int set_value(struct ms_opts *opts, size_t i, const char *value,
		     const char *origin)
{
	struct ms_optval *v;
	char *val = strdup(value);
	char *org = strdup(origin);

	if (!val || !org) {
		free(val);
		free(org);
		return MS_ENOMEM;
	}
	if (opts->defs[i].kind != MS_OPT_LIST &&
	    opts->defs[i].kind != MS_OPT_ARGS) {
		while (opts->nvals[i]) {
			opts->nvals[i]--;
			free(opts->vals[i][opts->nvals[i]].value);
			free(opts->vals[i][opts->nvals[i]].origin);
		}
	}
	v = realloc(opts->vals[i], (opts->nvals[i] + 1) * sizeof(*v));
	if (!v) {
		free(val);
		free(org);
		return MS_ENOMEM;
	}
	opts->vals[i] = v;
	v[opts->nvals[i]].value = val;
	v[opts->nvals[i]].origin = org;
	opts->nvals[i]++;
	return 0;
}

static int opts_init(const struct ms_optdef *defs, struct ms_opts *opts)
{
	size_t n = 0;

	memset(opts, 0, sizeof(*opts));
	while (defs[n].name)
		n++;
	opts->defs = defs;
	opts->ndefs = n;
	opts->vals = calloc(n ? n : 1, sizeof(*opts->vals));
	opts->nvals = calloc(n ? n : 1, sizeof(*opts->nvals));
	opts->from_flag = calloc(n ? n : 1, sizeof(*opts->from_flag));
	if (!opts->vals || !opts->nvals || !opts->from_flag)
		return MS_ENOMEM;
	return 0;
}

/* Handles one "--name[=value]" at argv[*<ai>], consuming a separate value
 * argument when the option takes one. */
static int parse_one(struct ms_opts *opts, int argc, char **argv, int *ai,
		     struct ms_err *err)
{
	const char *arg = argv[*ai] + 2;
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	int i = def_index(opts, arg, len);
	char origin[128];
	const char *value;

	if (i < 0 || opts->defs[i].kind == MS_OPT_ARGS)
		return MS_ERR(err, MS_EUSAGE, "unknown option '--%.*s'",
			      (int)len, arg);
	snprintf(origin, sizeof(origin), "--%s", opts->defs[i].name);
	if (opts->defs[i].kind == MS_OPT_FLAG) {
		if (eq)
			return MS_ERR(err, MS_EUSAGE,
				      "option '--%s' takes no value",
				      opts->defs[i].name);
		value = "1";
	} else if (eq) {
		value = eq + 1;
	} else if (*ai + 1 < argc) {
		value = argv[++*ai];
	} else {
		return MS_ERR(err, MS_EUSAGE, "option '--%s' needs a %s",
			      opts->defs[i].name,
			      opts->defs[i].metavar ? opts->defs[i].metavar
						    : "value");
	}
	/* Flags win over the config file, lists included (merge skips). */
	opts->from_flag[i] = true;
	if (set_value(opts, (size_t)i, value, origin))
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	return 0;
}

int ms_opts_parse(const struct ms_optdef *defs, int argc, char **argv,
		  int first, struct ms_opts *opts, struct ms_err *err)
{
	int ai, args = -1;
	bool options = true;
	char origin[32];
	int rc;

	if (opts_init(defs, opts))
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	for (size_t i = 0; i < opts->ndefs; i++) {
		if (defs[i].kind == MS_OPT_ARGS)
			args = (int)i;
	}
	for (ai = first; ai < argc; ai++) {
		if (options && strcmp(argv[ai], "--") == 0 && args >= 0) {
			options = false;
			continue;
		}
		if (!options || strncmp(argv[ai], "--", 2) != 0 ||
		    argv[ai][2] == '\0') {
			if (args < 0)
				return MS_ERR(err, MS_EUSAGE,
					      "unexpected argument '%s'",
					      argv[ai]);
			snprintf(origin, sizeof(origin), "argument %d",
				 ai - first + 1);
			if (set_value(opts, (size_t)args, argv[ai], origin))
				return MS_ERR(err, MS_ENOMEM, "out of memory");
			continue;
		}
		rc = parse_one(opts, argc, argv, &ai, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "true", "yes", "on", NULL};
	static const char *const no[] = {"0", "false", "no", "off", NULL};
	size_t i;

	for (i = 0; yes[i]; i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return MS_EINVAL;
}

int ms_opts_merge_config(struct ms_opts *opts, const struct ms_config *cfg,
			 struct ms_err *err)
{
	char origin[4200];
	size_t k;
	bool b;
	int i;

	for (k = 0; k < cfg->n; k++) {
		const struct ms_config_entry *e = &cfg->v[k];
		const char *value = e->value;

		i = def_index(opts, e->key, strlen(e->key));
		if (i < 0)
			return MS_ERR(err, MS_ECONFIG,
				      "%s:%u: unknown key '%s'", cfg->path,
				      e->line, e->key);
		if (opts->from_flag[i])
			continue;
		if (opts->defs[i].kind == MS_OPT_FLAG) {
			if (parse_bool(value, &b))
				return MS_ERR(err, MS_ECONFIG,
					      "%s:%u: %s: expected true or "
					      "false, got '%s'",
					      cfg->path, e->line, e->key,
					      value);
			value = b ? "1" : "0";
		}
		snprintf(origin, sizeof(origin), "%s:%u", cfg->path, e->line);
		if (set_value(opts, (size_t)i, value, origin))
			return MS_ERR(err, MS_ENOMEM, "out of memory");
	}
	return 0;
}

const char **ms_opts_keys(const struct ms_optdef *defs)
{
	size_t n = 0, i;
	const char **keys;

	while (defs[n].name)
		n++;
	keys = calloc(n + 1, sizeof(*keys));
	if (!keys)
		return NULL;
	n = 0;
	for (i = 0; defs[i].name; i++) {
		/* A config file naming another config file is not a thing,
		 * and positional arguments are not settings. */
		if (strcmp(defs[i].name, "config") != 0 &&
		    defs[i].kind != MS_OPT_ARGS)
			keys[n++] = defs[i].name;
	}
	return keys;
}

static const struct ms_optval *last_value(const struct ms_opts *opts,
					  const char *name)
{
	int i = def_index(opts, name, strlen(name));

	if (i < 0 || opts->nvals[i] == 0)
		return NULL;
	return &opts->vals[i][opts->nvals[i] - 1];
}

const char *ms_opts_get(const struct ms_opts *opts, const char *name)
{
	const struct ms_optval *v = last_value(opts, name);

	return v ? v->value : NULL;
}

const char *ms_opts_origin(const struct ms_opts *opts, const char *name)
{
	const struct ms_optval *v = last_value(opts, name);

	return v ? v->origin : NULL;
}

const struct ms_optval *ms_opts_list(const struct ms_opts *opts,
				     const char *name, size_t *n)
{
	int i = def_index(opts, name, strlen(name));

	*n = i < 0 ? 0 : opts->nvals[i];
	return i < 0 ? NULL : opts->vals[i];
}

bool ms_opts_flag(const struct ms_opts *opts, const char *name)
{
	const char *v = ms_opts_get(opts, name);

	return v && strcmp(v, "1") == 0;
}

int ms_opts_uint(const struct ms_opts *opts, const char *name,
		 unsigned long min, unsigned long max, unsigned long dflt,
		 unsigned long *out, struct ms_err *err)
{
	const struct ms_optval *v = last_value(opts, name);
	unsigned long n;
	char *end;
	int code;

	if (!v) {
		*out = dflt;
		return 0;
	}
	code = v->origin[0] == '-' ? MS_EUSAGE : MS_ECONFIG;
	errno = 0;
	n = strtoul(v->value, &end, 10);
	if (v->value[0] < '0' || v->value[0] > '9' || *end || errno)
		return MS_ERR(err, code, "%s: '%s' is not a number", v->origin,
			      v->value);
	if (n < min || n > max)
		return MS_ERR(err, code, "%s: %lu is out of range [%lu, %lu]",
			      v->origin, n, min, max);
	*out = n;
	return 0;
}

void ms_opts_print_help(const struct ms_optdef *defs, FILE *f)
{
	char left[64];
	size_t i;

	for (i = 0; defs[i].name; i++) {
		if (defs[i].kind == MS_OPT_ARGS)
			continue; /* shown in the usage line */
		snprintf(left, sizeof(left), "--%s%s%s", defs[i].name,
			 defs[i].metavar ? " " : "",
			 defs[i].metavar ? defs[i].metavar : "");
		fprintf(f, "  %-30s %s%s\n", left, defs[i].help,
			defs[i].kind == MS_OPT_LIST ? " (repeatable)" : "");
	}
}

void ms_opts_free(struct ms_opts *opts)
{
	size_t i, k;

	for (i = 0; opts->vals && i < opts->ndefs; i++) {
		for (k = 0; k < opts->nvals[i]; k++) {
			free(opts->vals[i][k].value);
			free(opts->vals[i][k].origin);
		}
		free(opts->vals[i]);
	}
	free(opts->vals);
	free(opts->nvals);
	free(opts->from_flag);
	memset(opts, 0, sizeof(*opts));
}

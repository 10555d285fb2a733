/* myshift entry point: dispatches to a subcommand after loading its options
 * from the command line and, when --config is given, from a config file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/version.h"

static void print_usage(FILE *f)
{
	const struct ms_cmd *c;

	fprintf(f,
		"myshift %s: move a live MySQL server to Aurora MySQL (or "
		"any MySQL-compatible server)\nwith zero downtime, and "
		"fail back.\n\n"
		"usage: myshift <command> [options]\n"
		"       myshift <command> --help\n"
		"       myshift help [command] | --version\n\n"
		"commands:\n",
		MS_VERSION);
	for (c = ms_commands; c->name; c++) {
		if (c->opts)
			fprintf(f, "  %-10s %s\n", c->name, c->summary);
	}
	fprintf(f, "\nplanned, not in this version yet:\n");
	for (c = ms_commands; c->name; c++) {
		if (!c->opts)
			fprintf(f, "  %-10s %s\n", c->name, c->summary);
	}
	fprintf(f, "\nexit codes: 0 ok, 1 problem found, 2 usage or "
		   "configuration error, 3 runtime failure\n"
		   "docs: README.md and docs/ in the source tree\n");
}

static void print_cmd_help(const struct ms_cmd *c, FILE *f)
{
	fprintf(f, "usage: myshift %s\n\n%s\n", c->usage, c->description);
	if (c->opts) {
		fprintf(f, "\noptions:\n");
		ms_opts_print_help(c->opts, f);
	}
}

static const struct ms_cmd *find_cmd(const char *name)
{
	const struct ms_cmd *c;

	for (c = ms_commands; c->name; c++) {
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

static int load_config(struct ms_opts *opts, struct ms_err *err)
{
	const char *path = ms_opts_get(opts, "config");
	struct ms_config cfg = {0};
	const char **keys;
	int rc;

	if (!path)
		return 0;
	keys = ms_opts_keys(opts->defs);
	if (!keys)
		return MS_ERR(err, MS_ENOMEM, "out of memory");
	rc = ms_config_load(path, keys, &cfg, err);
	free(keys);
	if (rc)
		return rc == MS_EIO ? MS_ERR(err, MS_ECONFIG, "%s", err->msg)
				    : rc;
	rc = ms_opts_merge_config(opts, &cfg, err);
	ms_config_free(&cfg);
	return rc;
}

static int setup_logging(const struct ms_opts *opts, struct ms_err *err)
{
	const char *level = ms_opts_get(opts, "log-level");
	enum ms_log_level l;

	if (level && ms_log_level_parse(level, &l))
		return MS_ERR(err, MS_EUSAGE,
			      "%s: unknown log level '%s' (use error, warn, "
			      "info, debug or trace)",
			      ms_opts_origin(opts, "log-level"), level);
	if (level)
		ms_log_set_level(l);
	return 0;
}

static int run_cmd(const struct ms_cmd *c, int argc, char **argv)
{
	struct ms_opts opts;
	struct ms_err err;
	int rc;

	ms_err_clear(&err);
	if (!c->opts) {
		fprintf(stderr,
			"myshift %s: not available in this version yet "
			"(planned; see 'myshift help')\n",
			c->name);
		return MS_EXIT_USAGE;
	}
	rc = ms_opts_parse(c->opts, argc, argv, 2, &opts, &err);
	if (!rc && ms_opts_flag(&opts, "help")) {
		print_cmd_help(c, stdout);
		ms_opts_free(&opts);
		return MS_EXIT_OK;
	}
	if (!rc)
		rc = load_config(&opts, &err);
	if (!rc)
		rc = setup_logging(&opts, &err);
	if (rc) {
		rc = ms_cli_fail(c->name, &err);
		fprintf(stderr, "try 'myshift %s --help'\n", c->name);
		ms_opts_free(&opts);
		return rc;
	}
	rc = c->run(&opts);
	ms_opts_free(&opts);
	return rc;
}

int main(int argc, char **argv)
{
	const struct ms_cmd *c;

	if (argc < 2) {
		print_usage(stderr);
		return MS_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("myshift %s\n", MS_VERSION);
		return MS_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		if (argc > 2 && (c = find_cmd(argv[2])) != NULL) {
			print_cmd_help(c, stdout);
			return MS_EXIT_OK;
		}
		if (argc > 2) {
			fprintf(stderr, "myshift: unknown command '%s'\n",
				argv[2]);
			return MS_EXIT_USAGE;
		}
		print_usage(stdout);
		return MS_EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		fprintf(stderr, "myshift: unknown command '%s'\n\n", argv[1]);
		print_usage(stderr);
		return MS_EXIT_USAGE;
	}
	return run_cmd(c, argc, argv);
}

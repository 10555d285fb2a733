/* `myshift proxy-ctl`: a small HTTP client for the proxy's admin API.
 * (Being written: see issue 7.) */
#include "cli/cli.h"

const struct ms_optdef ms_proxy_ctl_optdefs[] = {
    MS_CLI_COMMON_OPTS,
    {NULL, 0, NULL, NULL},
};

int ms_cmd_proxy_ctl(const struct ms_opts *opts)
{
	(void)opts;
	return MS_EXIT_USAGE;
}

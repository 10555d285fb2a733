/* `myshift proxy`: options to struct ms_proxy_config, then ms_proxy_run.
 * (Being written: see issue 7.) */
#include "cli/cli.h"
#include "proxy/proxy.h"

const struct ms_optdef ms_proxy_optdefs[] = {
    MS_CLI_COMMON_OPTS,
    {NULL, 0, NULL, NULL},
};

int ms_cmd_proxy(const struct ms_opts *opts)
{
	(void)opts;
	return MS_EXIT_USAGE;
}

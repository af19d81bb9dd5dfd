/* worker_stall.c: a test module with one console command, `worker stall MS`, that
 * keeps media worker 0 busy for MS milliseconds (a task that sleeps on its
 * thread), as a CPU-bound media worker would be: for testing that signalling
 * refuses new calls while the media side is behind (chan_sip's overload check). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <strowger/cli.h>
#include <strowger/module.h>
#include <strowger/workers.h>

static void stall(void *arg)
{
	usleep((useconds_t)((uintptr_t)arg * 1000));
}

static enum sg_cli_result worker_stall(struct sg_cli *cli, int argc, const char *const *argv)
{
	char *end;
	unsigned long ms = argc == 1 ? strtoul(argv[0], &end, 10) : 0;
	if (argc != 1 || *end || !ms || ms > 10000)
		return SG_CLI_USAGE;
	struct sg_worker *w = sg_worker_get(0);
	if (!w || sg_worker_post(w, stall, (void *)(uintptr_t)ms)) {
		sg_cli_printf(cli, "no worker to stall\n");
		return SG_CLI_FAIL;
	}
	sg_cli_printf(cli, "worker 0 stalls for %lu ms\n", ms);
	return SG_CLI_OK;
}

static const struct sg_cli_command commands[] = {
	{"worker stall", "worker stall MS", "Keep media worker 0 busy for MS ms (tests)", worker_stall},
};

static int load(struct sg_module *self)
{
	return sg_cli_register(self, commands, 1);
}

SG_MODULE_DEFINE(.name = "worker_stall", .description = "stalls a media worker (tests)", .load = load);

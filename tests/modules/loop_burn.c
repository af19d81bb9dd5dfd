/* loop_burn.c: a test module with one console command, `loop burn PCT SECONDS`,
 * that keeps the main loop busy: every 20 ms a timer spins for PCT % of that
 * time, for SECONDS, as a loop saturated by signalling would be, but without any
 * traffic: for testing chan_sip's overload control (admission.c) without relying
 * on a flood's timing. `loop burn 0 0` stops it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <strowger/cli.h>
#include <strowger/loop.h>
#include <strowger/module.h>

#define PERIOD_MS 20

static struct sg_module *self;
static struct sg_timer *timer;
static unsigned pct;
static uint64_t until_ms;

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void burn(struct sg_timer *t, void *arg)
{
	(void)arg;
	if (sg_loop_now_ms(sg_loop_main()) >= until_ms) {
		timer = sg_timer_free(t);
		return;
	}
	uint64_t end = mono_ns() + (uint64_t)PERIOD_MS * 10000u * pct;
	while (mono_ns() < end)
		;
}

static enum sg_cli_result loop_burn(struct sg_cli *cli, int argc, const char *const *argv)
{
	char *e1, *e2;
	unsigned long p = argc == 2 ? strtoul(argv[0], &e1, 10) : 0, secs = argc == 2 ? strtoul(argv[1], &e2, 10) : 0;
	if (argc != 2 || *e1 || *e2 || p > 100 || secs > 600)
		return SG_CLI_USAGE;
	timer = sg_timer_free(timer);
	if (!p || !secs) {
		sg_cli_printf(cli, "the loop is not burnt\n");
		return SG_CLI_OK;
	}
	pct = (unsigned)p;
	until_ms = sg_loop_now_ms(sg_loop_main()) + secs * 1000;
	if (!(timer = sg_timer_start(sg_loop_main(), self, PERIOD_MS, PERIOD_MS, burn, NULL))) {
		sg_cli_printf(cli, "no timer\n");
		return SG_CLI_FAIL;
	}
	sg_cli_printf(cli, "the loop burns %lu%% for %lu s\n", p, secs);
	return SG_CLI_OK;
}

static const struct sg_cli_command commands[] = {
	{"loop burn", "loop burn PCT SECONDS", "Keep the main loop PCT % busy for SECONDS (tests)", loop_burn},
};

static int load(struct sg_module *m)
{
	self = m;
	return sg_cli_register(m, commands, 1);
}

static void unload(struct sg_module *m)
{
	(void)m;
	timer = sg_timer_free(timer);
	sg_cli_unregister(commands, 1);
}

SG_MODULE_DEFINE(.name = "loop_burn", .description = "keeps the main loop busy (tests)", .load = load,
		 .unload = unload);

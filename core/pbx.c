/* pbx.c: process-wide state: start and reload times, stopping now or gracefully. */
#include <stdio.h>

#include <strowger/call.h>
#include <strowger/log.h>
#include <strowger/loop.h>

#include "call_priv.h"
#include "channel_priv.h"
#include "dp_priv.h"
#include "loader.h"
#include "loop_priv.h"
#include "pbx.h"

static uint64_t started_ms, reloaded_ms;
static struct sg_timer *drain_timer;

uint64_t sg_pbx_started_ms(void) { return started_ms; }
uint64_t sg_pbx_reloaded_ms(void) { return reloaded_ms; }

void sg_pbx_mark_started(void)
{
	started_ms = reloaded_ms = sg_loop_now_ms(sg_loop_main());
}

int sg_pbx_reload(char *err, size_t errlen)
{
	int rc = sg_dp_reload(err, errlen);
	if (rc)
		return rc;
	sg_loader_reload_all();
	reloaded_ms = sg_loop_now_ms(sg_loop_main());
	return 0;
}

void sg_pbx_on_sighup(int signo, void *arg)
{
	(void)signo;
	(void)arg;
	char err[1024];
	SG_NOTICE("core", "SIGHUP received: reloading the dialplan");
	sg_pbx_reload(err, sizeof(err));
}

static void drain_check(struct sg_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	if (!sg_calls_active() && !sg_chans_active())
		sg_loop_break(sg_loop_main());
}

void sg_pbx_request_stop(bool graceful)
{
	if (!graceful) {
		sg_loop_break(sg_loop_main());
		return;
	}
	sg_calls_refuse_new(true);
	if (!drain_timer)
		drain_timer = sg_timer_start(sg_loop_main(), NULL, 0, 200, drain_check, NULL);
}

void sg_pbx_shutdown(void)
{
	drain_timer = sg_timer_free(drain_timer);
}

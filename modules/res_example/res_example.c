/*
 * res_example.c: a complete small module to copy when writing your own. It shows
 * the four things a module usually does:
 *   1. declares itself with SG_MODULE_DEFINE (name, ABI, config keys, hooks);
 *   2. reads its own config section:  settings{ example = { greeting = "Hi" } };
 *   3. adds console commands:          example hello [NAME], example show;
 *   4. extends the Lua dialplan:       example.greet(name) and call:countdown(n),
 *      a method that waits (the call's coroutine yields) and is woken by a timer.
 * While a call waits inside call:countdown(), the wait holds a use reference on the
 * module, so `module unload res_example` is refused until the call moves on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/cli.h>
#include <strowger/config.h>
#include <strowger/dialplan.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/module.h>

#define TAG "example"

static struct sg_module *self;
static char greeting[128];
static unsigned greetings_given, countdowns_running;

/* Copies what we keep: config strings live only until the next reload. */
static void read_config(void)
{
	const char *g = "Hello";
	sg_config_string("example.greeting", &g);
	snprintf(greeting, sizeof(greeting), "%s", g);
}

static enum sg_cli_result cli_hello(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc > 1)
		return SG_CLI_USAGE;
	sg_cli_printf(cli, "%s, %s!\n", greeting, argc ? argv[0] : "world");
	greetings_given++;
	return SG_CLI_OK;
}

static enum sg_cli_result cli_show(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sg_cli_printf(cli, "greeting: \"%s\"\ngreetings given: %u\ncountdowns running: %u\n", greeting,
		      greetings_given, countdowns_running);
	return SG_CLI_OK;
}

static const struct sg_cli_command commands[] = {
	{"example hello", "example hello [NAME]", "Greet someone with the configured greeting", cli_hello},
	{"example show", "example show", "Show the example module's state", cli_show},
};

/* example.greet(name) -> "Hello, name!" */
static int l_greet(lua_State *L)
{
	const char *name = luaL_optstring(L, 1, "world");
	lua_pushfstring(L, "%s, %s!", greeting, name);
	greetings_given++;
	return 1;
}

static const luaL_Reg library[] = {{"greet", l_greet}, {NULL, NULL}};

/* call:countdown(n): waits n seconds, one timer tick a second, then returns
 * {status="ok", ticks=n}; {status="hangup"} if the caller hangs up first. */
struct countdown {
	struct sg_timer *timer;
	struct sg_dp_wait *wait;
	long long left, ticks;
};

static int push_done(lua_State *L, void *arg)
{
	struct countdown *cd = arg;
	sg_dp_push_result(L, "ok");
	lua_pushinteger(L, cd->ticks);
	lua_setfield(L, -2, "ticks");
	free(cd);
	return 1;
}

static void countdown_tick(struct sg_timer *t, void *arg)
{
	struct countdown *cd = arg;
	cd->ticks++;
	if (--cd->left > 0)
		return;
	sg_timer_free(t);
	countdowns_running--;
	sg_dp_wake(cd->wait, push_done, cd); /* push_done frees cd */
}

static void countdown_cancel(void *arg)
{
	struct countdown *cd = arg;
	sg_timer_free(cd->timer);
	countdowns_running--;
	free(cd);
}

static int m_countdown(lua_State *L)
{
	struct sg_call *call = sg_dp_check_call(L, 1);
	lua_Integer n = luaL_checkinteger(L, 2);
	luaL_argcheck(L, n >= 1 && n <= 3600, 2, "seconds from 1 to 3600");
	struct countdown *cd = calloc(1, sizeof(*cd));
	if (!cd)
		return luaL_error(L, "out of memory");
	cd->left = n;
	cd->timer = sg_timer_start(sg_loop_main(), self, 1000, 1000, countdown_tick, cd);
	if (!cd->timer) {
		free(cd);
		return luaL_error(L, "out of memory");
	}
	countdowns_running++;
	SG_INFO(TAG, "%s: counting down %lld seconds", sg_call_id(call), (long long)n);
	return sg_dp_wait(L, call, self, countdown_cancel, cd, &cd->wait);
}

static const luaL_Reg call_methods[] = {{"countdown", m_countdown}, {NULL, NULL}};

static int load(struct sg_module *m)
{
	int rc;
	self = m;
	read_config();
	if ((rc = sg_cli_register(m, commands, sizeof(commands) / sizeof(commands[0]))) ||
	    (rc = sg_dp_add_library(m, "example", library)) ||
	    (rc = sg_dp_add_call_methods(m, call_methods)))
		return rc; /* the loader removes whatever was registered */
	SG_INFO(TAG, "ready, greeting \"%s\"", greeting);
	return 0;
}

static void unload(struct sg_module *m)
{
	(void)m;
	sg_cli_unregister(commands, sizeof(commands) / sizeof(commands[0]));
	/* Lua functions are removed by the core; nothing else to free. */
}

static int reload(struct sg_module *m)
{
	(void)m;
	read_config();
	SG_INFO(TAG, "config re-read, greeting \"%s\"", greeting);
	return 0;
}

static const struct sg_config_key config_keys[] = {
	{"greeting", SG_CFG_STRING, "what `example hello` and example.greet() say"},
	{NULL, 0, NULL},
};

SG_MODULE_DEFINE(.name = "res_example", .description = "Example module: greetings and a countdown",
		 .config_section = "example", .config_keys = config_keys, .load = load,
		 .unload = unload, .reload = reload);

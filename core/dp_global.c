/* dp_global.c: running a dialplan global function that belongs to no call (sg_dp_run_global). */
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include <strowger/log.h>

#include "dp_priv.h"

#define HOOK_EVERY 1000

static long long spent, allowed;

/* Once over budget, every count raises: even a loop that catches errors with
 * pcall is ended by the raise that lands outside its pcall. */
static void budget_hook(lua_State *S, lua_Debug *ar)
{
	spent += HOOK_EVERY;
	if (spent <= allowed)
		return;
	/* luaL_error's own "where" would name the hook: name the loop's line. */
	if (lua_getinfo(S, "Sl", ar) && ar->currentline > 0)
		luaL_error(S, "%s:%d: ran over its budget of %I instructions", ar->short_src, ar->currentline,
			   (lua_Integer)allowed);
	luaL_error(S, "ran over its budget of %I instructions", (lua_Integer)allowed);
}

static int traceback(lua_State *S)
{
	luaL_traceback(S, S, lua_tostring(S, 1), 1);
	return 1;
}

int sg_dp_run_global(const char *name, sg_dp_push_fn *push, sg_dp_results_fn *read, void *arg)
{
	lua_State *L = sg_dp_state();
	struct dp_gen *g = sg_dp_current();
	if (!L || !g || g->env_ref == LUA_NOREF)
		return 0;
	int top = lua_gettop(L);
	/* The generation's own globals only: a function of the base library with the
	 * same name is not a hook. */
	lua_rawgeti(L, LUA_REGISTRYINDEX, g->env_ref);
	lua_pushstring(L, name);
	if (lua_rawget(L, -2) != LUA_TFUNCTION) {
		lua_settop(L, top);
		return 0;
	}
	/* A thread of its own, so the main stack stays as the caller left it and a
	 * hook in the middle of a call's resume cannot disturb that call. */
	lua_State *T = lua_newthread(L);
	lua_pushcfunction(T, traceback);
	lua_rotate(L, -2, 1); /* ... env thread fn */
	lua_xmove(L, T, 1);
	int nargs = push ? push(T, arg) : 0;
	const struct sg_core_settings *cs = sg_core_settings();
	long long was_spent = spent, was_allowed = allowed;
	spent = 0;
	allowed = cs && cs->max_instructions > 0 ? cs->max_instructions : 5000000;
	lua_sethook(T, budget_hook, LUA_MASKCOUNT, HOOK_EVERY);
	int rc = lua_pcall(T, nargs, LUA_MULTRET, 1);
	lua_sethook(T, NULL, 0, 0);
	spent = was_spent;
	allowed = was_allowed;
	int ret = 1;
	if (rc != LUA_OK) {
		/* The message names file:line; the traceback says how it got there. */
		SG_ERROR("dialplan", "%s failed: %s", name, lua_tostring(T, -1));
		ret = -1;
	} else if (read && read(T, lua_gettop(T) - 1, arg) < 0) {
		ret = -1;
	}
	lua_settop(L, top);
	return ret;
}

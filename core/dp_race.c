/*
 * dp_race.c: pbx.any{f1, f2, ...} and pbx.all{...}, waiting on several things at
 * once. Each function runs as a branch: a coroutine of its own on the same call,
 * which may use waiting methods (call:dial, call:read_digits, call:sleep...).
 * pbx.any returns when the first branch returns: its number and what it
 * returned; the other branches are stopped (their waits cancelled, their <close>
 * variables closed). pbx.all returns when every branch has: a list of each
 * branch's first result. The call's own coroutine waits meanwhile like in any
 * waiting method, so a hang-up stops every branch and returns {status="hangup"};
 * a branch that fails or runs away ends the call, as the call's own code would.
 */
#include <errno.h>
#include <stdlib.h>

#include <lauxlib.h>

#include <strowger/dialplan.h>
#include <strowger/log.h>

#include "call_priv.h"
#include "dp_priv.h"

#define RACE_MAX 16

struct branch {
	lua_State *co;
	int ref;
	struct sg_dp_wait *wait;
	bool started, done;
};

struct dp_race {
	struct sg_call *call;
	bool all;
	size_t n, ndone, winner;
	struct branch b[RACE_MAX];
	int results_ref; /* results[i] = { n = count, ... } of each finished branch */
	struct sg_dp_wait *wait; /* the call's own coroutine waits on the race */
};

/* Stops a branch: its wait cancelled, its coroutine closed. */
static void stop_branch(lua_State *L, struct branch *b)
{
	struct sg_dp_wait *w = b->wait;
	b->wait = NULL;
	sg_dp_wait_drop(w);
	if (b->co && lua_resetthread(b->co) != LUA_OK)
		lua_pop(b->co, 1);
	luaL_unref(L, LUA_REGISTRYINDEX, b->ref);
	b->co = NULL;
	b->ref = LUA_NOREF;
}

static void race_free(struct dp_race *r)
{
	lua_State *L = sg_dp_state();
	for (size_t i = 0; i < r->n; i++)
		stop_branch(L, &r->b[i]);
	luaL_unref(L, LUA_REGISTRYINDEX, r->results_ref);
	if (r->call->race == r)
		r->call->race = NULL;
	free(r);
}

/* The call's own wait is cancelled (hang-up, the call ends): stop everything. */
static void race_cancel(void *arg) { race_free(arg); }

static int push_results(lua_State *co, void *arg)
{
	struct dp_race *r = arg;
	lua_State *L = sg_dp_state();
	int pushed;
	lua_rawgeti(L, LUA_REGISTRYINDEX, r->results_ref);
	if (r->all) {
		lua_createtable(L, (int)r->n, 0);
		for (size_t i = 0; i < r->n; i++) {
			lua_rawgeti(L, -2, (lua_Integer)i + 1);
			lua_rawgeti(L, -1, 1);
			lua_rawseti(L, -3, (lua_Integer)i + 1);
			lua_pop(L, 1);
		}
		lua_xmove(L, co, 1);
		pushed = 1;
	} else {
		lua_pushinteger(co, (lua_Integer)r->winner + 1);
		lua_rawgeti(L, -1, (lua_Integer)r->winner + 1);
		lua_getfield(L, -1, "n");
		int n = (int)lua_tointeger(L, -1);
		lua_pop(L, 1);
		luaL_checkstack(co, n, "pbx.any results");
		for (int k = 1; k <= n; k++) {
			lua_rawgeti(L, -1, k);
			lua_xmove(L, co, 1);
		}
		lua_pop(L, 1);
		pushed = 1 + n;
	}
	lua_pop(L, 1);
	race_free(r);
	return pushed;
}

/* Branch i returned: keep its results; the race may be over. */
static void branch_done(struct dp_race *r, size_t i, int nres)
{
	lua_State *L = sg_dp_state();
	struct branch *b = &r->b[i];
	b->done = true;
	r->ndone++;
	lua_rawgeti(L, LUA_REGISTRYINDEX, r->results_ref);
	lua_createtable(L, nres, 1);
	lua_xmove(b->co, L, nres);
	for (int k = nres; k >= 1; k--) /* the table is below the k values left */
		lua_rawseti(L, -(k + 1), k);
	lua_pushinteger(L, nres);
	lua_setfield(L, -2, "n");
	lua_rawseti(L, -2, (lua_Integer)i + 1);
	lua_pop(L, 1);
	if (r->all && r->ndone < r->n)
		return;
	r->winner = i;
	for (size_t k = 0; k < r->n; k++)
		if (!r->b[k].done)
			stop_branch(L, &r->b[k]);
	sg_dp_wake(r->wait, push_results, r);
}

void sg_dp_race_step(struct sg_call *call)
{
	struct dp_race *r = call->race;
	for (size_t i = 0; r && i < r->n; i++) {
		struct branch *b = &r->b[i];
		int nargs, nres = 0;
		if (b->done || !b->co)
			continue;
		if (!b->started) {
			b->started = true;
			nargs = 0;
		} else if (sg_dp_wait_woken(b->wait)) {
			struct sg_dp_wait *w = b->wait;
			b->wait = NULL;
			nargs = sg_dp_wait_take(w, b->co);
		} else {
			continue;
		}
		int st = sg_dp_resume_branch(call, b->co, &b->wait, nargs, &nres);
		if (st < 0 || call->ended || call->race != r)
			return; /* the call ended: the race went with it */
		if (st == LUA_OK) {
			branch_done(r, i, nres);
			if (call->race != r || sg_dp_wait_woken(r->wait))
				return;
		}
	}
}

struct sg_dp_wait **sg_dp_race_slot(struct sg_call *call, lua_State *S)
{
	struct dp_race *r = call->race;
	for (size_t i = 0; r && i < r->n; i++)
		if (r->b[i].co == S && !r->b[i].done)
			return &r->b[i].wait;
	return NULL;
}

static int race(lua_State *S, bool all)
{
	const char *name = all ? "pbx.all" : "pbx.any";
	struct sg_call *call = sg_dp_running_call();
	if (!call || S != call->co)
		return luaL_error(S, "%s must run in a call's own coroutine (not in a hook, a branch or a "
				  "coroutine of your own)", name);
	luaL_checktype(S, 1, LUA_TTABLE);
	size_t n = lua_rawlen(S, 1);
	if (n < 1 || n > RACE_MAX)
		return luaL_argerror(S, 1, "a list of 1 to 16 functions");
	for (size_t i = 1; i <= n; i++)
		if (lua_rawgeti(S, 1, (lua_Integer)i) != LUA_TFUNCTION) {
			const char *t = luaL_typename(S, -1);
			return luaL_error(S, "%s: entry %d is a %s, not a function", name, (int)i, t);
		} else {
			lua_pop(S, 1);
		}
	struct dp_race *r = calloc(1, sizeof(*r));
	if (!r)
		return luaL_error(S, "out of memory");
	r->call = call;
	r->all = all;
	r->results_ref = LUA_NOREF;
	for (size_t i = 0; i < RACE_MAX; i++)
		r->b[i].ref = LUA_NOREF;
	for (size_t i = 0; i < n; i++) {
		struct branch *b = &r->b[i];
		b->co = lua_newthread(S);
		lua_rawgeti(S, 1, (lua_Integer)i + 1);
		lua_xmove(S, b->co, 1);
		b->ref = luaL_ref(S, LUA_REGISTRYINDEX);
		r->n++;
	}
	lua_newtable(S);
	r->results_ref = luaL_ref(S, LUA_REGISTRYINDEX);
	call->race = r;
	/* The branches start from the loop, once this coroutine waits. */
	sg_dp_schedule(call);
	return sg_dp_wait(S, call, NULL, race_cancel, r, &r->wait);
}

int sg_dp_l_any(lua_State *S) { return race(S, false); }
int sg_dp_l_all(lua_State *S) { return race(S, true); }

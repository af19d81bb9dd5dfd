/* dp_call.c: a call's coroutine: start, wait, resume, hang-up enforcement, budgets. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include <strowger/dialplan.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/module.h>
#include <strowger/users.h>

#include "call_priv.h"
#include "channel_priv.h"
#include "dp_priv.h"
#include "transfer_priv.h"

#define HOOK_EVERY 1000
#define NOT_OWN (-EXDEV) /* a method on a leg a transfer took: said as "transferred" */
#define CALL_MT "sg.call"
#define METHODS_KEY "sg.call_methods"

struct sg_dp_wait {
	struct sg_call *call;
	struct sg_module *owner;
	sg_dp_cancel_fn *cancel;
	sg_dp_cancel_fn *on_hangup; /* may wake with a result of its own */
	void *arg;
	sg_dp_push_fn *push;
	void *push_arg;
	bool woken;
};

struct call_ud {
	struct sg_call *call; /* NULL once the call has ended */
};

/* What a module added to the Lua API, so unloading it can take it away. */
struct added {
	struct sg_module *owner;
	bool is_method;
	char name[64];
};

static lua_State *L;
static long long budget = 5000000;
static struct sg_call *running_call; /* one coroutine runs at a time, on the main thread */
static struct added *added;
static size_t nadded;

void sg_dp_set_budget(long long instructions) { budget = instructions; }

/* The first Lua frame of thread `co` with a line: "file:line". */
static void lua_where(lua_State *co, char *out, size_t len)
{
	lua_Debug ar;
	for (int level = 0; lua_getstack(co, level, &ar); level++) {
		if (lua_getinfo(co, "Sl", &ar) && ar.currentline > 0) {
			snprintf(out, len, "%s:%d", ar.short_src, ar.currentline);
			return;
		}
	}
	snprintf(out, len, "?");
}

static void count_hook(lua_State *S, lua_Debug *ar)
{
	struct sg_call *call = running_call;
	if (!call)
		return;
	call->instructions += HOOK_EVERY;
	if (call->instructions <= budget)
		return;
	if (!call->stop) {
		call->stop = true;
		call->stop_reason = "budget";
	}
	/* Yielding cannot be caught by pcall, so a runaway loop wrapped in pcall still
	 * ends; where a yield is impossible (inside a C call), raise an error and yield
	 * at the next hook. */
	if (lua_isyieldable(S)) {
		/* Once a hook has yielded, Lua's saved pc is the instruction to resume
		 * and lua_getstack names the line of the one before it (the line above
		 * a one-line `while true do end`): note the place here. */
		if (lua_getinfo(S, "Sl", ar) && ar->currentline > 0)
			snprintf(call->stop_where, sizeof(call->stop_where), "%s:%d", ar->short_src,
				 ar->currentline);
		lua_yield(S, 0);
		return;
	}
	luaL_where(S, 0);
	lua_pushfstring(S, "the dialplan ran over its budget of %I instructions", (lua_Integer)budget);
	lua_concat(S, 2);
	lua_error(S);
}

static void schedule(struct sg_call *call) { sg_timer_restart(call->resume_timer, 0); }

/* A woken wait whose result nobody will take: pushed into a scratch thread and
 * dropped, since pushing is what frees what the result was made of. */
static void drop_result(struct sg_dp_wait *w)
{
	lua_State *T = lua_newthread(L);
	w->push(T, w->push_arg);
	lua_pop(L, 1);
}

static void push_call(lua_State *S, struct sg_call *call)
{
	lua_rawgeti(S, LUA_REGISTRYINDEX, call->ud_ref);
}

static void run_defers(struct sg_call *call)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, call->defers_ref);
	int n = (int)lua_rawlen(L, -1);
	running_call = call;
	lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
	for (int i = n; i >= 1; i--) {
		call->instructions = 0;
		lua_rawgeti(L, -1, i);
		push_call(L, call);
		if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
			SG_ERROR("dialplan", "call %s: deferred function failed: %s", call->id,
				 luaL_tolstring(L, -1, NULL));
			lua_pop(L, 2);
		}
	}
	lua_sethook(L, NULL, 0, 0);
	running_call = NULL;
	lua_pop(L, 1);
}

static void release(struct sg_call *call)
{
	call->resume_timer = sg_timer_free(call->resume_timer);
	if (call->ud_ref != LUA_NOREF) {
		push_call(L, call);
		struct call_ud *ud = lua_touserdata(L, -1);
		ud->call = NULL;
		lua_pop(L, 1);
	}
	luaL_unref(L, LUA_REGISTRYINDEX, call->ud_ref);
	luaL_unref(L, LUA_REGISTRYINDEX, call->co_ref);
	luaL_unref(L, LUA_REGISTRYINDEX, call->vars_ref);
	luaL_unref(L, LUA_REGISTRYINDEX, call->defers_ref);
	luaL_unref(L, LUA_REGISTRYINDEX, call->hooks_ref);
	sg_dp_gen_unref(call->gen);
	sg_call_free(call);
}

/* Ends the coroutine (closing its <close> variables), runs call:defer functions,
 * releases the caller's leg if it is still up, and frees the call. */
static void end_call(struct sg_call *call, enum sg_cause cause)
{
	if (call->ended)
		return;
	call->ended = true;
	struct sg_dp_wait *w = call->wait;
	call->wait = NULL;
	sg_dp_wait_drop(w);
	/* A coroutine that died of an error reports that error again here. */
	if (lua_resetthread(call->co) != LUA_OK && !call->errored)
		SG_ERROR("dialplan", "call %s: closing a <close> variable failed: %s", call->id,
			 luaL_tolstring(call->co, -1, NULL));
	run_defers(call);
	/* A transfer's target that ended without connecting the transferee: the
	 * transfer failed (and may take the leg back). */
	sg_xfer_failed(call, cause == SG_CAUSE_NORMAL ? SG_CAUSE_REJECTED : cause);
	if (call->chan && sg_call_owns_channel(call) && sg_chan_state(call->chan) != SG_CHAN_GONE)
		sg_chan_hangup(call->chan, cause);
	SG_INFO("dialplan", "call %s ended", call->id);
	release(call);
}

/*
 * Resumes one of the call's coroutines (its own, or a branch of a pbx.any/pbx.all
 * race) on the call's budget; `slot` is where that coroutine's wait goes. A
 * runaway, a yield with nothing to wait on, or an error ends the call here, and
 * -1 says so; else LUA_YIELD (it waits) or LUA_OK (it returned *nres results).
 */
static int resume_co(struct sg_call *call, lua_State *co, struct sg_dp_wait **slot, int nargs, int *nres)
{
	char where[300];
	*nres = 0;
	call->running = true;
	call->instructions = 0;
	running_call = call;
	int st = lua_resume(co, L, nargs, nres);
	running_call = NULL;
	call->running = false;
	if (st == LUA_YIELD) {
		lua_pop(co, *nres);
		*nres = 0;
		if (call->stop) {
			lua_where(co, where, sizeof(where));
			if (!strcmp(call->stop_reason, "budget")) {
				if (call->stop_where[0])
					snprintf(where, sizeof(where), "%s", call->stop_where);
				SG_ERROR("dialplan", "call %s: %s: ran over its budget of %lld instructions "
					 "without waiting (an endless loop?); call ended", call->id, where, budget);
				end_call(call, SG_CAUSE_FAILURE);
			} else {
				SG_INFO("dialplan", "call %s: %s: the caller had hung up; dialplan stopped at "
					"its next wait", call->id, where);
				end_call(call, SG_CAUSE_NORMAL);
			}
			return -1;
		}
		if (!*slot) {
			lua_where(co, where, sizeof(where));
			SG_ERROR("dialplan", "call %s: %s: coroutine.yield() outside a coroutine of your "
				 "own; call ended", call->id, where);
			end_call(call, SG_CAUSE_FAILURE);
			return -1;
		}
		return LUA_YIELD;
	}
	if (st == LUA_OK)
		return LUA_OK;
	call->errored = true;
	const char *msg = luaL_tolstring(co, -1, NULL);
	luaL_traceback(L, co, msg, 0);
	SG_ERROR("dialplan", "call %s failed: %s", call->id, lua_tostring(L, -1));
	lua_pop(L, 1);
	end_call(call, SG_CAUSE_FAILURE);
	return -1;
}

static void run(struct sg_call *call, int nargs)
{
	int nres;
	if (resume_co(call, call->co, &call->wait, nargs, &nres) == LUA_OK) {
		lua_settop(call->co, 0);
		end_call(call, SG_CAUSE_NORMAL);
	}
}

int sg_dp_resume_branch(struct sg_call *call, lua_State *co, struct sg_dp_wait **slot, int nargs, int *nres)
{
	return resume_co(call, co, slot, nargs, nres);
}

struct sg_call *sg_dp_running_call(void) { return running_call; }
void sg_dp_schedule(struct sg_call *call) { schedule(call); }

bool sg_dp_wait_woken(const struct sg_dp_wait *w) { return w && w->woken; }

int sg_dp_wait_take(struct sg_dp_wait *w, lua_State *co)
{
	int n = w->push ? w->push(co, w->push_arg) : 0;
	sg_module_unref(w->owner);
	free(w);
	return n;
}

void sg_dp_wait_drop(struct sg_dp_wait *w)
{
	if (!w)
		return;
	if (!w->woken && w->cancel)
		w->cancel(w->arg);
	else if (w->woken && w->push)
		/* A result that will never be pushed may own memory (a dial's op). */
		drop_result(w);
	sg_module_unref(w->owner);
	free(w);
}

static int push_hangup(lua_State *S, void *arg)
{
	(void)arg;
	sg_dp_push_result(S, "hangup");
	return 1;
}

static int push_status(lua_State *S, void *arg)
{
	sg_dp_push_result(S, arg);
	return 1;
}

void sg_dp_call_taken(struct sg_call *call, const char *status)
{
	call->lent = true;
	call->hungup = true; /* hang-up is enforced from here: the leg is not its own */
	struct sg_dp_wait *w = call->wait;
	if (call->ended || !w || w->woken)
		return;
	if (w->cancel)
		w->cancel(w->arg);
	w->cancel = NULL;
	w->push = push_status;
	w->push_arg = (void *)status;
	w->woken = true;
	schedule(call);
}

static void resume_cb(struct sg_timer *t, void *arg)
{
	(void)t;
	struct sg_call *call = arg;
	int nargs;
	if (call->ended || call->running)
		return;
	if (!call->started) {
		call->started = true;
		if (call->hungup) {
			SG_INFO("dialplan", "call %s: the caller hung up before the dialplan ran", call->id);
			end_call(call, SG_CAUSE_NORMAL);
			return;
		}
		nargs = 1; /* the function and the call object are on the coroutine's stack */
	} else if (call->wait && call->wait->woken) {
		struct sg_dp_wait *w = call->wait;
		call->wait = NULL;
		nargs = w->push ? w->push(call->co, w->push_arg) : 0;
		sg_module_unref(w->owner);
		free(w);
	} else {
		if (call->race)
			sg_dp_race_step(call);
		return;
	}
	run(call, nargs);
}

int sg_dp_call_begin(struct sg_call *call, struct dp_gen *gen, const struct dp_exten *x)
{
	call->co_ref = call->ud_ref = call->vars_ref = call->defers_ref = call->hooks_ref = LUA_NOREF;
	call->resume_timer = sg_timer_start(sg_loop_main(), NULL, 0, 0, resume_cb, call);
	if (!call->resume_timer)
		return -ENOMEM;
	sg_timer_stop(call->resume_timer);
	call->co = lua_newthread(L);
	call->co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_sethook(call->co, count_hook, LUA_MASKCOUNT, HOOK_EVERY);

	struct call_ud *ud = lua_newuserdatauv(L, sizeof(*ud), 0);
	ud->call = call;
	luaL_setmetatable(L, CALL_MT);
	call->ud_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_newtable(L);
	call->vars_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_newtable(L);
	call->defers_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_newtable(L);
	call->hooks_ref = luaL_ref(L, LUA_REGISTRYINDEX);

	lua_rawgeti(L, LUA_REGISTRYINDEX, gen->funcs_ref);
	lua_rawgeti(L, -1, x->func);
	lua_xmove(L, call->co, 1);
	lua_pop(L, 1);
	push_call(L, call);
	lua_xmove(L, call->co, 1);
	call->gen = sg_dp_gen_ref(gen);
	snprintf(call->where, sizeof(call->where), "%s:%d", gen->file, x->line);
	/* First run on the next loop turn, after the technology finished its own work. */
	schedule(call);
	return 0;
}

static void push_hangup_info(lua_State *S, void *arg)
{
	struct sg_call *call = arg;
	lua_createtable(S, 0, 1);
	lua_pushstring(S, sg_cause_name(sg_chan_cause(call->chan)));
	lua_setfield(S, -2, "cause");
}

void sg_dp_call_hungup(struct sg_call *call)
{
	bool was_hungup = call->hungup;
	/* The transferee hung up while its transfer was going on. */
	sg_xfer_failed(call, sg_chan_cause(call->chan));
	call->hungup = true;
	if (call->ended)
		return;
	if (!was_hungup)
		sg_dp_hook(call, "on_hangup", push_hangup_info, NULL, call);
	struct sg_dp_wait *w = call->wait;
	if (w && !w->woken && w->on_hangup)
		w->on_hangup(w->arg); /* say what it got to (a dial: who answered, how long) */
	if (w && !w->woken) {
		if (w->cancel)
			w->cancel(w->arg);
		w->cancel = NULL;
		w->push = push_hangup;
		w->woken = true;
		schedule(call);
	}
}

static int wait_on(lua_State *S, struct sg_call *call, struct sg_module *owner, sg_dp_cancel_fn *cancel,
		   sg_dp_cancel_fn *on_hangup, void *arg, struct sg_dp_wait **out)
{
	char hook_refusal[96];
	if (call->in_hook)
		snprintf(hook_refusal, sizeof(hook_refusal), "%s cannot wait (a hook runs while the call "
			 "waits elsewhere)", call->in_hook);
	/* The call's own coroutine waits in call->wait, a race's branch in its own. */
	struct sg_dp_wait **slot = S == call->co ? &call->wait : sg_dp_race_slot(call, S);
	const char *refusal = call->ended ? "the call has ended: nothing can wait on it"
			      : call->in_hook ? hook_refusal
			      : !slot ? "waiting functions must run in the call's own coroutine or a "
					"pbx.any/pbx.all branch of it (not inside coroutine.wrap/resume or "
					"another call)"
			      : *slot ? "the call is already waiting"
				      : NULL;
	if (!refusal && call->xfer && cancel != sg_dp_dial_cancel)
		sg_xfer_done(call); /* the transferee is in the target's hands: a prompt, a wait */
	if (refusal) {
		/* The operation was set up for this wait: undo it before raising. */
		if (cancel)
			cancel(arg);
		return luaL_error(S, "call %s: %s", call->id, refusal);
	}
	if (call->hungup) {
		/* Hang-up is enforced: the coroutine ends here, whatever the script does. */
		if (cancel)
			cancel(arg);
		call->stop = true;
		call->stop_reason = "hangup";
		return lua_yield(S, 0);
	}
	struct sg_dp_wait *w = calloc(1, sizeof(*w));
	if (!w) {
		if (cancel)
			cancel(arg);
		return luaL_error(S, "out of memory");
	}
	*w = (struct sg_dp_wait){.call = call, .owner = owner, .cancel = cancel, .on_hangup = on_hangup, .arg = arg};
	sg_module_ref(owner);
	*slot = w;
	if (out)
		*out = w;
	return lua_yield(S, 0);
}

int sg_dp_wait(lua_State *S, struct sg_call *call, struct sg_module *owner, sg_dp_cancel_fn *cancel,
	       void *arg, struct sg_dp_wait **out)
{
	return wait_on(S, call, owner, cancel, NULL, arg, out);
}

int sg_dp_wait_ex(lua_State *S, struct sg_call *call, sg_dp_cancel_fn *cancel, sg_dp_cancel_fn *on_hangup,
		  void *arg, struct sg_dp_wait **out)
{
	return wait_on(S, call, NULL, cancel, on_hangup, arg, out);
}

void sg_dp_wake(struct sg_dp_wait *w, sg_dp_push_fn *push, void *arg)
{
	if (!w || w->woken)
		return;
	w->woken = true;
	w->cancel = NULL;
	w->push = push;
	w->push_arg = arg;
	schedule(w->call);
}

void sg_dp_push_result(lua_State *S, const char *status)
{
	lua_createtable(S, 0, 4);
	lua_pushstring(S, status);
	lua_setfield(S, -2, "status");
}

/* --- the call object --- */

struct sg_call *sg_dp_check_call(lua_State *S, int idx)
{
	struct call_ud *ud = luaL_checkudata(S, idx, CALL_MT);
	if (!ud->call)
		luaL_error(S, "this call has ended");
	return ud->call;
}

struct sg_call *sg_dp_opt_call(lua_State *S, int idx)
{
	struct call_ud *ud = luaL_checkudata(S, idx, CALL_MT);
	return ud->call;
}

static bool is_hook_name(const char *k)
{
	return !strcmp(k, "on_transfer") || !strcmp(k, "on_hold") || !strcmp(k, "on_hangup");
}

static int call_index(lua_State *S)
{
	struct call_ud *ud = luaL_checkudata(S, 1, CALL_MT);
	const char *k = luaL_checkstring(S, 2);
	lua_getfield(S, LUA_REGISTRYINDEX, METHODS_KEY);
	if (lua_getfield(S, -1, k) != LUA_TNIL)
		return 1;
	struct sg_call *c = ud->call;
	if (!c)
		return 0;
	if (!strcmp(k, "id")) lua_pushstring(S, c->id);
	else if (!strcmp(k, "from")) lua_pushstring(S, c->from);
	else if (!strcmp(k, "from_name")) lua_pushstring(S, c->from_name);
	else if (!strcmp(k, "to")) lua_pushstring(S, c->to);
	else if (!strcmp(k, "context")) lua_pushstring(S, c->context);
	else if (!strcmp(k, "channel")) lua_pushstring(S, sg_chan_name(c->chan));
	else if (!strcmp(k, "state")) lua_pushstring(S, sg_chan_state_name(sg_chan_state(c->chan)));
	else if (!strcmp(k, "hungup")) lua_pushboolean(S, c->hungup);
	else if (!strcmp(k, "referred_by")) lua_pushstring(S, c->referred_by);
	else if (!strcmp(k, "language")) lua_pushstring(S, sg_call_language(c)); /* nil: the default */
	else if (!strcmp(k, "vars")) lua_rawgeti(S, LUA_REGISTRYINDEX, c->vars_ref);
	else if (!strcmp(k, "headers")) sg_call_push_headers(S, c);
	else if (is_hook_name(k)) {
		lua_rawgeti(S, LUA_REGISTRYINDEX, c->hooks_ref);
		lua_getfield(S, -1, k);
	} else return 0;
	return 1;
}

/* call.language = "fr" (nil: back to the default): checked, as it becomes a folder name. */
static int set_language(lua_State *S, struct sg_call *c)
{
	const char *v = lua_isnil(S, 3) ? "" : luaL_checkstring(S, 3);
	if (*v && !sg_language_valid(v))
		return luaL_error(S, "call.language: \"%s\" is not a language name (letters, digits, '-' and "
				  "'_', up to %d: \"en\", \"fr-ca\")", v, SG_LANGUAGE_MAX);
	snprintf(c->language, sizeof(c->language), "%s", v);
	return 0;
}

/* Only the hooks and the language can be set on a call object: a hook is a
 * function, or nil to remove it. */
static int call_newindex(lua_State *S)
{
	struct call_ud *ud = luaL_checkudata(S, 1, CALL_MT);
	const char *k = luaL_checkstring(S, 2);
	if (!strcmp(k, "language")) {
		if (!ud->call)
			return luaL_error(S, "this call has ended");
		return set_language(S, ud->call);
	}
	if (!is_hook_name(k))
		return luaL_error(S, "call.%s cannot be set: keep your own values in call.vars.%s "
				  "(what can be set: language, and the hooks on_transfer, on_hold and on_hangup)", k, k);
	if (!lua_isnil(S, 3) && !lua_isfunction(S, 3))
		return luaL_error(S, "call.%s must be a function (or nil to remove it), not a %s", k,
				  luaL_typename(S, 3));
	if (!ud->call)
		return luaL_error(S, "this call has ended");
	lua_rawgeti(S, LUA_REGISTRYINDEX, ud->call->hooks_ref);
	lua_pushvalue(S, 3);
	lua_setfield(S, -2, k);
	return 0;
}

/* --- hooks --- */

int sg_dp_hook(struct sg_call *call, const char *name, sg_dp_hook_push_fn *push_info,
	       sg_dp_hook_read_fn *read, void *arg)
{
	if (call->ended || call->hooks_ref == LUA_NOREF)
		return 0;
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, call->hooks_ref);
	if (lua_getfield(L, -1, name) != LUA_TFUNCTION) {
		lua_settop(L, top);
		return 0;
	}
	/* A thread of its own: the call's coroutine is suspended in a wait (or is the
	 * one running, when its own method caused the event), and cannot take a call. */
	lua_State *T = lua_newthread(L);
	lua_rotate(L, -2, 1); /* ... hooks thread fn */
	lua_xmove(L, T, 1);
	push_call(T, call);
	int nargs = 1;
	if (push_info) {
		push_info(T, arg);
		nargs = 2;
	}
	struct sg_call *was_running = running_call;
	long long was_count = call->instructions;
	bool was_stop = call->stop;
	const char *was_hook = call->in_hook;
	call->in_hook = name;
	call->instructions = 0;
	running_call = call;
	lua_sethook(T, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
	int nres = 0, rc;
	int st = lua_resume(T, L, nargs, &nres);
	running_call = was_running;
	call->instructions = was_count;
	call->in_hook = was_hook;
	char where[300];
	if (st == LUA_OK) {
		rc = 1;
		if (read && read(T, nres, arg) < 0)
			rc = -1;
	} else if (st == LUA_YIELD) {
		lua_where(T, where, sizeof(where));
		if (call->stop && !was_stop && call->stop_reason && !strcmp(call->stop_reason, "budget")) {
			if (call->stop_where[0])
				snprintf(where, sizeof(where), "%s", call->stop_where);
			/* A runaway hook: the call ends at its next wait, like a runaway dialplan. */
			SG_ERROR("dialplan", "call %s: %s: %s ran over its budget of %lld instructions", call->id,
				 where, name, budget);
		} else {
			SG_ERROR("dialplan", "call %s: %s: %s cannot wait (it runs while the call is busy "
				 "elsewhere); ignored", call->id, where, name);
		}
		rc = -1;
	} else {
		const char *msg = luaL_tolstring(T, -1, NULL);
		luaL_traceback(L, T, msg, 0);
		SG_ERROR("dialplan", "call %s: %s failed: %s", call->id, name, lua_tostring(L, -1));
		rc = -1;
	}
	lua_settop(L, top);
	return rc;
}

static int call_tostring(lua_State *S)
{
	struct call_ud *ud = luaL_checkudata(S, 1, CALL_MT);
	if (ud->call)
		lua_pushfstring(S, "call %s (%s)", ud->call->id, sg_chan_name(ud->call->chan));
	else
		lua_pushliteral(S, "call (ended)");
	return 1;
}

/* For methods that do not wait: false plus a reason instead of an error, so a
 * dialplan can go on after, say, answering a call that just hung up. */
static int result(lua_State *S, int rc)
{
	if (rc == 0) {
		lua_pushboolean(S, 1);
		return 1;
	}
	lua_pushboolean(S, 0);
	lua_pushstring(S, rc == -ENOTCONN ? "hangup" : rc == NOT_OWN ? "transferred" : strerror(-rc));
	return 2;
}

/* The call's leg while it is the call's own; NULL once a transfer took it. */
static struct sg_channel *own_leg(lua_State *S)
{
	struct sg_call *c = sg_dp_check_call(S, 1);
	return sg_call_owns_channel(c) ? c->chan : NULL;
}

static int m_answer(lua_State *S)
{
	struct sg_channel *ch = own_leg(S);
	return result(S, ch ? sg_chan_answer(ch) : NOT_OWN);
}

static int m_ringing(lua_State *S)
{
	struct sg_channel *ch = own_leg(S);
	return result(S, ch ? sg_chan_indicate(ch, SG_IND_RINGING) : NOT_OWN);
}

static int m_progress(lua_State *S)
{
	struct sg_channel *ch = own_leg(S);
	return result(S, ch ? sg_chan_indicate(ch, SG_IND_PROGRESS) : NOT_OWN);
}

static int m_hangup(lua_State *S)
{
	struct sg_call *c = sg_dp_check_call(S, 1);
	const char *name = luaL_optstring(S, 2, "normal");
	int cause = sg_cause_parse(name);
	if (cause < 0)
		return luaL_argerror(S, 2, "a cause: normal, busy, noanswer, unavailable, rejected, "
				     "notfound, cancelled, congestion or failure");
	/* A transfer's target refusing the transferee: the transfer failed, and the
	 * transferor may take it back (then the leg is not ours to hang up). */
	sg_xfer_failed(c, cause == SG_CAUSE_NORMAL ? SG_CAUSE_REJECTED : (enum sg_cause)cause);
	if (sg_call_owns_channel(c) && sg_chan_state(c->chan) != SG_CHAN_GONE)
		sg_chan_hangup(c->chan, (enum sg_cause)cause);
	return 0;
}

struct sleep_op {
	struct sg_timer *timer;
	struct sg_dp_wait *wait;
};

static int push_ok(lua_State *S, void *arg)
{
	(void)arg;
	sg_dp_push_result(S, "ok");
	return 1;
}

static void sleep_done(struct sg_timer *t, void *arg)
{
	struct sleep_op *op = arg;
	sg_dp_wake(op->wait, push_ok, NULL);
	sg_timer_free(t);
	free(op);
}

static void sleep_cancel(void *arg)
{
	struct sleep_op *op = arg;
	sg_timer_free(op->timer);
	free(op);
}

static int m_sleep(lua_State *S)
{
	struct sg_call *c = sg_dp_check_call(S, 1);
	lua_Number secs = luaL_checknumber(S, 2);
	luaL_argcheck(S, secs >= 0 && secs <= 86400 && !isnan(secs), 2, "seconds from 0 to 86400");
	struct sleep_op *op = calloc(1, sizeof(*op));
	if (!op)
		return luaL_error(S, "out of memory");
	op->timer = sg_timer_start(sg_loop_main(), NULL, (uint64_t)(secs * 1000.0 + 0.5), 0, sleep_done, op);
	if (!op->timer) {
		free(op);
		return luaL_error(S, "out of memory");
	}
	return sg_dp_wait(S, c, NULL, sleep_cancel, op, &op->wait);
}

/* call:redirect("sip:1001@192.0.2.7" | {uri, uri...}): 302 to the caller. */
static int m_redirect(lua_State *S)
{
	struct sg_call *c = sg_dp_check_call(S, 1);
	const char *targets[8];
	size_t n = 0;
	if (lua_type(S, 2) == LUA_TSTRING) {
		targets[n++] = lua_tostring(S, 2);
	} else {
		luaL_checktype(S, 2, LUA_TTABLE);
		size_t len = lua_rawlen(S, 2);
		luaL_argcheck(S, len >= 1 && len <= 8, 2, "one to eight targets");
		for (size_t i = 1; i <= len; i++) {
			lua_rawgeti(S, 2, (lua_Integer)i);
			if (lua_type(S, -1) != LUA_TSTRING)
				return luaL_error(S, "call:redirect: target %d is not a string", (int)i);
			targets[n++] = lua_tostring(S, -1);
			lua_pop(S, 1);
		}
	}
	return result(S, sg_call_owns_channel(c) ? sg_chan_redirect(c->chan, targets, n) : NOT_OWN);
}

static int m_defer(lua_State *S)
{
	struct sg_call *c = sg_dp_check_call(S, 1);
	luaL_checktype(S, 2, LUA_TFUNCTION);
	lua_rawgeti(S, LUA_REGISTRYINDEX, c->defers_ref);
	lua_pushvalue(S, 2);
	lua_rawseti(S, -2, (lua_Integer)lua_rawlen(S, -2) + 1);
	return 0;
}

static const luaL_Reg call_methods[] = {
	{"answer", m_answer}, {"ringing", m_ringing}, {"progress", m_progress}, {"hangup", m_hangup},
	{"sleep", m_sleep},   {"defer", m_defer},     {"dial", sg_dp_m_dial}, {"redirect", m_redirect},
	{"bridge", sg_dp_m_bridge}, {NULL, NULL},
};

/* pbx.exists(context, exten): the C matcher, so scripts ask without running Lua. */
static int l_exists(lua_State *S)
{
	const char *ctx = luaL_checkstring(S, 1), *exten = luaL_checkstring(S, 2);
	lua_pushboolean(S, sg_dp_match(sg_dp_current(), ctx, exten) != NULL);
	return 1;
}

/* pbx.user(id): {id=, name=, context=, vars=} or nil. */
static int l_user(lua_State *S)
{
	const struct sg_user *u = sg_user_find(luaL_checkstring(S, 1));
	if (!u)
		return 0;
	lua_createtable(S, 0, 4);
	lua_pushstring(S, u->id);
	lua_setfield(S, -2, "id");
	lua_pushstring(S, u->name);
	lua_setfield(S, -2, "name");
	lua_pushstring(S, u->context);
	lua_setfield(S, -2, "context");
	struct dp_gen *g = sg_dp_current();
	lua_rawgeti(S, LUA_REGISTRYINDEX, g->env_ref);
	lua_getfield(S, -1, "__users");
	lua_getfield(S, -1, u->id);
	lua_getfield(S, -1, "vars");
	lua_setfield(S, -5, "vars");
	lua_pop(S, 3);
	return 1;
}

void sg_dp_calls_init(lua_State *S)
{
	L = S;
	luaL_newmetatable(L, CALL_MT);
	lua_pushcfunction(L, call_index);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, call_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, call_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushliteral(L, "call");
	lua_setfield(L, -2, "__name");
	lua_pop(L, 1);
	luaL_newlib(L, call_methods);
	lua_setfield(L, LUA_REGISTRYINDEX, METHODS_KEY);
	lua_getglobal(L, "pbx");
	lua_pushcfunction(L, l_exists);
	lua_setfield(L, -2, "exists");
	lua_pushcfunction(L, l_user);
	lua_setfield(L, -2, "user");
	lua_pushcfunction(L, sg_dp_l_any);
	lua_setfield(L, -2, "any");
	lua_pushcfunction(L, sg_dp_l_all);
	lua_setfield(L, -2, "all");
	lua_pop(L, 1);
}

/* --- the API modules extend --- */

static int remember(struct sg_module *owner, bool is_method, const char *name)
{
	struct added *a = realloc(added, (nadded + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	added = a;
	added[nadded] = (struct added){.owner = owner, .is_method = is_method};
	snprintf(added[nadded].name, sizeof(added[nadded].name), "%s", name);
	nadded++;
	return 0;
}

int sg_dp_add_call_methods(struct sg_module *owner, const luaL_Reg *methods)
{
	lua_getfield(L, LUA_REGISTRYINDEX, METHODS_KEY);
	for (const luaL_Reg *r = methods; r->name; r++) {
		if (lua_getfield(L, -1, r->name) != LUA_TNIL || strlen(r->name) >= 64) {
			lua_pop(L, 2);
			return -EEXIST;
		}
		lua_pop(L, 1);
	}
	for (const luaL_Reg *r = methods; r->name; r++) {
		if (remember(owner, true, r->name)) {
			lua_pop(L, 1);
			return -ENOMEM;
		}
		lua_pushcfunction(L, r->func);
		lua_setfield(L, -2, r->name);
	}
	lua_pop(L, 1);
	return 0;
}

int sg_dp_add_library(struct sg_module *owner, const char *name, const luaL_Reg *funcs)
{
	if (strlen(name) >= 64)
		return -EINVAL;
	if (lua_getglobal(L, name) != LUA_TNIL) {
		lua_pop(L, 1);
		return -EEXIST;
	}
	lua_pop(L, 1);
	if (remember(owner, false, name))
		return -ENOMEM;
	lua_newtable(L);
	luaL_setfuncs(L, funcs, 0);
	lua_setglobal(L, name);
	return 0;
}

unsigned sg_dp_purge_owner(struct sg_module *owner)
{
	unsigned n = 0;
	size_t o = 0;
	for (size_t i = 0; i < nadded; i++) {
		if (added[i].owner != owner) {
			added[o++] = added[i];
			continue;
		}
		if (L && added[i].is_method) {
			lua_getfield(L, LUA_REGISTRYINDEX, METHODS_KEY);
			lua_pushnil(L);
			lua_setfield(L, -2, added[i].name);
			lua_pop(L, 1);
		} else if (L) {
			lua_pushnil(L);
			lua_setglobal(L, added[i].name);
		}
		n++;
	}
	nadded = o;
	if (!nadded) {
		free(added);
		added = NULL;
	}
	return n;
}

void sg_dp_calls_end_all(enum sg_cause cause)
{
	struct sg_call *c;
	while ((c = sg_calls_first()) != NULL)
		end_call(c, cause);
}

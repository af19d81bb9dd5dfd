/*
 * dp_bridge.c: call:bridge(other), joining this call's caller with the caller of
 * another call the dialplan holds (a parked call, a caller waiting in a queue):
 * both are answered and talk; the other call's pending wait ends with
 * {status="bridged"} and its dialplan no longer owns the leg (it ends at its next
 * wait). call:bridge returns when either side hangs up: {status="done",
 * ended_by="caller"|"other", duration=s, with=other's id}. When this call's caller
 * hangs up, the other leg is released too; when the other side does, this call's
 * dialplan goes on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include <strowger/bridge.h>
#include <strowger/dialplan.h>
#include <strowger/log.h>
#include <strowger/loop.h>

#include "call_priv.h"
#include "channel_priv.h"
#include "dp_priv.h"

struct bridge_op {
	struct sg_call *call;
	struct sg_channel *other;
	struct sg_dp_wait *wait;
	char with[24];
	uint64_t started_ms;
	const char *ended_by;
	double duration;
};

static uint64_t now_ms(void) { return sg_loop_now_ms(sg_loop_main()); }

static void other_event(struct sg_channel *ch, enum sg_chan_event ev, int arg, void *data);

/* The conversation is over: the bridge ends, the other leg goes if it is ours. */
static void release(struct bridge_op *op)
{
	struct sg_channel *mine = sg_call_channel(op->call);
	struct sg_bridge *br = sg_chan_bridge(op->other);
	if (br && sg_bridge_peer(br, op->other) == mine)
		sg_bridge_end(br);
	if (sg_chan_observed_by(op->other, other_event, op)) {
		sg_chan_set_observer(op->other, NULL, NULL);
		if (sg_chan_state(op->other) != SG_CHAN_GONE)
			sg_chan_hangup(op->other, SG_CAUSE_NORMAL);
	}
	op->other = sg_chan_unref(op->other);
}

static int push_done(lua_State *S, void *arg)
{
	struct bridge_op *op = arg;
	sg_dp_push_result(S, "done");
	lua_pushstring(S, op->ended_by);
	lua_setfield(S, -2, "ended_by");
	lua_pushnumber(S, op->duration);
	lua_setfield(S, -2, "duration");
	lua_pushstring(S, op->with);
	lua_setfield(S, -2, "with");
	free(op);
	return 1;
}

static void finish(struct bridge_op *op, const char *by)
{
	if (!op->other)
		return;
	op->ended_by = by;
	op->duration = (double)(now_ms() - op->started_ms) / 1000.0;
	SG_INFO("dialplan", "call %s: the conversation with call %s's caller ended (by the %s)", sg_call_id(op->call),
		op->with, by);
	release(op);
	sg_dp_wake(op->wait, push_done, op);
}

static void other_event(struct sg_channel *ch, enum sg_chan_event ev, int arg, void *data)
{
	(void)ch;
	(void)arg;
	if (ev == SG_CHEV_HANGUP)
		finish(data, "other");
}

static void caller_gone(void *arg) { finish(arg, "caller"); }

/* The call ended some other way (shutdown): quietly. */
static void cancel(void *arg)
{
	struct bridge_op *op = arg;
	if (op->other)
		release(op);
	free(op);
}

static int refuse(lua_State *S, const char *why)
{
	lua_pushboolean(S, 0);
	lua_pushstring(S, why);
	return 2;
}

int sg_dp_m_bridge(lua_State *S)
{
	struct sg_call *c = sg_dp_check_call(S, 1), *o = sg_dp_opt_call(S, 2);
	luaL_argcheck(S, c != o, 2, "a call cannot be bridged with itself");
	if (!o)
		return refuse(S, "the other call is over");
	/* Checked before anything moves: call:bridge waits, and may not where waits may not. */
	if (c->in_hook || (S != c->co && !sg_dp_race_slot(c, S)))
		return luaL_error(S, "call:bridge waits: it must run in the call's own coroutine (or a "
				  "pbx.any/pbx.all branch), not in a hook or a coroutine of your own");
	if (c->hungup || !sg_call_owns_channel(c))
		return refuse(S, c->hungup ? "hangup" : "transferred");
	if (o->hungup || o->ended || !sg_call_owns_channel(o))
		return refuse(S, "the other call is over");
	struct sg_channel *mine = c->chan, *other = o->chan;
	if (sg_chan_bridge(mine) || sg_chan_bridge(other))
		return refuse(S, "busy");
	int rc = sg_chan_answer(other);
	if (rc == 0)
		rc = sg_chan_answer(mine);
	if (rc)
		return refuse(S, rc == -ENOTCONN ? "hangup" : strerror(-rc));
	struct bridge_op *op = calloc(1, sizeof(*op));
	if (!op)
		return luaL_error(S, "out of memory");
	op->call = c;
	op->other = sg_chan_ref(other);
	snprintf(op->with, sizeof(op->with), "%s", o->id);
	/* The other call lets go first: its wait (music, a sleep) is cancelled. */
	sg_dp_call_taken(o, "bridged");
	sg_chan_set_call(other, NULL);
	sg_chan_set_observer(other, other_event, op);
	rc = sg_bridge_join(mine, other, NULL);
	if (rc) {
		SG_WARNING("dialplan", "call %s: cannot join %s and %s: %s", c->id, sg_chan_name(mine),
			   sg_chan_name(other), strerror(-rc));
		release(op);
		free(op);
		return refuse(S, strerror(-rc));
	}
	op->started_ms = now_ms();
	SG_INFO("dialplan", "call %s: %s talks with %s (call %s's caller)", c->id, sg_chan_name(mine),
		sg_chan_name(other), op->with);
	return sg_dp_wait_ex(S, c, cancel, caller_gone, op, &op->wait);
}

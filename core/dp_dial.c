/*
 * dp_dial.c: call:dial(), ringing one or more targets at once (forking). Each
 * target becomes an outgoing channel through its technology ("SIP/1001",
 * "Test/answer"; a bare "1001" means "SIP/1001"). The caller hears ringing when a
 * leg rings; the first leg to answer wins, the others are cancelled, the caller is
 * answered and bridged to the winner, and call:dial() returns when that
 * conversation ends. If no leg answers, it returns why, with the status a
 * dialplan branches on.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include <strowger/bridge.h>
#include <strowger/config.h>
#include <strowger/rtp.h>
#include <strowger/dialplan.h>
#include <strowger/log.h>
#include <strowger/loop.h>

#include "call_priv.h"
#include "channel_priv.h"
#include "dp_priv.h"

#define MAX_TARGETS 32

struct dial_op {
	struct sg_call *call;
	struct sg_dp_wait *wait;
	struct sg_channel *legs[MAX_TARGETS];
	enum sg_cause causes[MAX_TARGETS];
	size_t nlegs, live;
	enum sg_cause refused[MAX_TARGETS * 2]; /* targets that never started a leg */
	size_t nrefused;
	struct sg_timer *timeout;
	struct sg_channel *winner;
	bool ringing_sent, finished;
	uint64_t answered_ms;
	/* the result, filled when finished */
	const char *status;
	enum sg_cause cause;
	char winner_name[96];
	double duration;
	const char *ended_by;
	char record[1024]; /* the record= option, as a path; "" for none */
	bool recording;	   /* the conversation is being recorded there */
	bool direct_media; /* the direct_media option: phone to phone when possible */
};

static const char *status_of(enum sg_cause c)
{
	switch (c) {
	case SG_CAUSE_BUSY:
	case SG_CAUSE_REJECTED: return "busy";
	case SG_CAUSE_NO_ANSWER: return "noanswer";
	case SG_CAUSE_UNAVAILABLE:
	case SG_CAUSE_NOT_FOUND: return "unavailable";
	case SG_CAUSE_CANCELLED: return "cancelled";
	default: return "failed";
	}
}

/* What the failed legs say together: busy beats noanswer beats unavailable. */
static enum sg_cause overall_cause(const struct dial_op *op)
{
	static const enum sg_cause order[] = {SG_CAUSE_BUSY, SG_CAUSE_REJECTED, SG_CAUSE_NO_ANSWER,
					      SG_CAUSE_UNAVAILABLE, SG_CAUSE_NOT_FOUND};
	for (size_t o = 0; o < sizeof(order) / sizeof(*order); o++) {
		for (size_t i = 0; i < op->nlegs; i++)
			if (op->causes[i] == order[o])
				return order[o];
		for (size_t i = 0; i < op->nrefused; i++)
			if (op->refused[i] == order[o])
				return order[o];
	}
	return SG_CAUSE_FAILURE;
}

static int push_result(lua_State *L, void *arg)
{
	struct dial_op *op = arg;
	sg_dp_push_result(L, op->status);
	lua_pushstring(L, sg_cause_name(op->cause));
	lua_setfield(L, -2, "cause");
	if (op->winner_name[0]) {
		lua_pushstring(L, op->winner_name);
		lua_setfield(L, -2, "channel");
		lua_pushnumber(L, op->duration);
		lua_setfield(L, -2, "duration");
		lua_pushstring(L, op->ended_by);
		lua_setfield(L, -2, "ended_by");
	}
	if (op->recording) {
		lua_pushstring(L, op->record);
		lua_setfield(L, -2, "recording");
	}
	free(op);
	return 1;
}

/* Releases every leg still up (with `cause`) and drops the op's references. */
static void release_legs(struct dial_op *op, enum sg_cause cause)
{
	op->timeout = sg_timer_free(op->timeout);
	for (size_t i = 0; i < op->nlegs; i++) {
		struct sg_channel *ch = op->legs[i];
		sg_chan_set_observer(ch, NULL, NULL);
		if (sg_chan_state(ch) != SG_CHAN_GONE)
			sg_chan_hangup(ch, ch == op->winner ? SG_CAUSE_NORMAL : cause);
		op->legs[i] = sg_chan_unref(ch);
	}
	op->nlegs = 0;
	op->winner = NULL;
}

static void finish(struct dial_op *op, const char *status, enum sg_cause cause, const char *ended_by)
{
	if (op->finished)
		return;
	op->finished = true;
	op->status = status;
	op->cause = cause;
	op->ended_by = ended_by;
	if (op->winner) {
		snprintf(op->winner_name, sizeof(op->winner_name), "%s", sg_chan_name(op->winner));
		op->duration = (double)(sg_loop_now_ms(sg_loop_main()) - op->answered_ms) / 1000.0;
	}
	struct sg_channel *caller = sg_call_channel(op->call);
	struct sg_bridge *br = sg_chan_bridge(caller);
	if (br)
		sg_bridge_end(br);
	/* The recording ends with the conversation (and is saved; a caller already
	 * gone took its session, and the recording with it, away). */
	const struct sg_rtp_api *rtp = op->recording ? sg_rtp_api() : NULL;
	if (rtp && sg_chan_rtp(caller))
		rtp->stop(sg_chan_rtp(caller));
	release_legs(op, SG_CAUSE_CANCELLED);
	sg_dp_wake(op->wait, push_result, op); /* push_result frees op */
}

static size_t leg_index(const struct dial_op *op, const struct sg_channel *ch)
{
	for (size_t i = 0; i < op->nlegs; i++)
		if (op->legs[i] == ch)
			return i;
	return op->nlegs;
}

/* record=: both sides of the conversation, mixed, from the caller's RTP session
 * (res_rtp records; the core only asks). */
static void start_recording(struct dial_op *op, struct sg_channel *caller)
{
	const struct sg_rtp_api *rtp = sg_rtp_api();
	struct sg_rtp_session *s = sg_chan_rtp(caller);
	struct sg_rtp_record_opts o = {.path = op->record, .both = true};
	int rc = !rtp || !s ? -ENOTSUP : rtp->record(s, &o, NULL, NULL);
	if (rc)
		SG_WARNING("dialplan", "call %s: cannot record to %s: %s", sg_call_id(op->call), op->record,
			   rc == -ENOTSUP ? "the call has no RTP media" : strerror(-rc));
	op->recording = rc == 0;
}

/* Direct media (phone to phone) when the option or the technology's own rules
 * (both users chose it) allow; a recorded call stays relayed, since the PBX
 * records what it relays. The technology logs why it stays relayed otherwise. */
static void try_direct_media(struct dial_op *op, struct sg_channel *caller, struct sg_channel *ch)
{
	int rc = sg_chan_direct_media(caller, ch, op->direct_media);
	if (rc == -ENOTSUP && op->direct_media)
		SG_INFO("dialplan", "call %s: direct media not possible between %s and %s: not two legs of one "
			"technology that can", sg_call_id(op->call), sg_chan_name(caller), sg_chan_name(ch));
}

static void answered(struct dial_op *op, struct sg_channel *ch)
{
	struct sg_channel *caller = sg_call_channel(op->call);
	op->winner = ch;
	op->answered_ms = sg_loop_now_ms(sg_loop_main());
	op->timeout = sg_timer_free(op->timeout);
	/* The others stop ringing: RFC 3261 forking cancels the losers. */
	for (size_t i = 0; i < op->nlegs; i++)
		if (op->legs[i] != ch && sg_chan_state(op->legs[i]) != SG_CHAN_GONE) {
			sg_chan_set_observer(op->legs[i], NULL, NULL);
			sg_chan_hangup(op->legs[i], SG_CAUSE_CANCELLED);
		}
	/* Joined first, so the caller's technology answers knowing its peer (SIP
	 * carries the callee's SDP answer back to the caller). */
	int rc = sg_bridge_join(caller, ch, NULL);
	if (!rc && (rc = sg_chan_answer(caller)) != 0) {
		struct sg_bridge *br = sg_chan_bridge(caller);
		if (br)
			sg_bridge_end(br);
	}
	if (rc) {
		SG_WARNING("dialplan", "call %s: cannot connect %s to %s: %s", sg_call_id(op->call),
			   sg_chan_name(caller), sg_chan_name(ch), strerror(-rc));
		finish(op, "failed", SG_CAUSE_FAILURE, "pbx");
		return;
	}
	SG_INFO("dialplan", "call %s: %s answered", sg_call_id(op->call), sg_chan_name(ch));
	if (op->record[0] && op->direct_media)
		SG_INFO("dialplan", "call %s: recorded, so its media stays relayed (no direct media)",
			sg_call_id(op->call));
	if (op->record[0])
		start_recording(op, caller);
	else
		try_direct_media(op, caller, ch);
}

static void leg_event(struct sg_channel *ch, enum sg_chan_event ev, int arg, void *data)
{
	struct dial_op *op = data;
	size_t i = leg_index(op, ch);
	if (i == op->nlegs || op->finished)
		return;
	switch (ev) {
	case SG_CHEV_RINGING:
	case SG_CHEV_PROGRESS:
		if (!op->winner && !op->ringing_sent) {
			op->ringing_sent = true;
			sg_chan_indicate(sg_call_channel(op->call), SG_IND_RINGING);
		}
		break;
	case SG_CHEV_ANSWERED:
		if (!op->winner)
			answered(op, ch);
		break;
	case SG_CHEV_HANGUP:
		op->causes[i] = (enum sg_cause)arg;
		if (ch == op->winner) {
			finish(op, "answered", SG_CAUSE_NORMAL, "callee");
		} else if (!op->winner && --op->live == 0) {
			enum sg_cause c = overall_cause(op);
			finish(op, status_of(c), c, "callee");
		}
		break;
	case SG_CHEV_DIGIT:
		break;
	}
}

static void on_timeout(struct sg_timer *t, void *arg)
{
	(void)t;
	struct dial_op *op = arg;
	if (!op->winner)
		finish(op, "noanswer", SG_CAUSE_NO_ANSWER, "timeout");
}

/* The caller hung up (or the call ended): drop everything, quietly. */
static void cancel(void *arg)
{
	struct dial_op *op = arg;
	if (op->winner) {
		struct sg_bridge *br = sg_chan_bridge(op->winner);
		if (br)
			sg_bridge_end(br);
	}
	release_legs(op, SG_CAUSE_CANCELLED);
	free(op);
}

/* Starts one concrete leg; on failure records why. */
static void start_one(struct dial_op *op, const struct sg_chan_tech *tech, const char *dest,
		      unsigned timeout_ms)
{
	enum sg_cause cause = SG_CAUSE_FAILURE;
	struct sg_channel *ch = NULL;
	if (op->nlegs == MAX_TARGETS) {
		op->refused[op->nrefused++] = SG_CAUSE_CONGESTION;
		return;
	}
	if (tech->request(dest, sg_call_channel(op->call), &ch, &cause) != 0) {
		SG_INFO("dialplan", "call %s: %s/%s cannot be dialled (%s)", sg_call_id(op->call), tech->name,
			dest, sg_cause_name(cause));
		op->refused[op->nrefused++] = cause;
		return;
	}
	sg_chan_set_observer(ch, leg_event, op);
	op->legs[op->nlegs] = ch;
	op->causes[op->nlegs++] = SG_CAUSE_NORMAL;
	op->live++;
	int rc = tech->call(ch, timeout_ms);
	if (rc == 0)
		return;
	/* A phone that cannot be reached at all is unavailable (480), not a fault of ours. */
	cause = rc == -ECONNREFUSED || rc == -EHOSTUNREACH || rc == -ENETUNREACH || rc == -ETIMEDOUT ||
				rc == -ENOTCONN
			? SG_CAUSE_UNAVAILABLE
			: SG_CAUSE_FAILURE;
	op->live--;
	op->causes[op->nlegs - 1] = cause;
	sg_chan_set_observer(ch, NULL, NULL);
	sg_chan_hangup(ch, cause);
}

/* Starts the legs of one target ("TECH/dest", or a bare user id for SIP): a
 * technology may expand it (a user's registered phones) into several. */
static void start_target(struct dial_op *op, const char *target, unsigned timeout_ms)
{
	char techname[32];
	const char *dest;
	const char *slash = strchr(target, '/');
	bool uri = !strncasecmp(target, "sip:", 4) || !strncasecmp(target, "sips:", 5) ||
		   !strncasecmp(target, "tel:", 4);
	if (slash && !uri && (size_t)(slash - target) < sizeof(techname)) {
		snprintf(techname, sizeof(techname), "%.*s", (int)(slash - target), target);
		dest = slash + 1;
	} else {
		snprintf(techname, sizeof(techname), "SIP");
		dest = target;
	}
	const struct sg_chan_tech *tech = sg_chan_tech_find(techname);
	if (!tech || !tech->request || !tech->call) {
		SG_WARNING("dialplan", "call %s: cannot dial '%s': no channel technology '%s' that places calls",
			   sg_call_id(op->call), target, techname);
		op->refused[op->nrefused++] = SG_CAUSE_FAILURE;
		return;
	}
	if (!tech->expand) {
		start_one(op, tech, dest, timeout_ms);
		return;
	}
	char legs[MAX_TARGETS][512];
	enum sg_cause cause = SG_CAUSE_UNAVAILABLE;
	size_t n = tech->expand(dest, legs, MAX_TARGETS, &cause);
	if (n == 0) {
		SG_INFO("dialplan", "call %s: '%s' has nothing to ring (%s)", sg_call_id(op->call), target,
			sg_cause_name(cause));
		op->refused[op->nrefused++] = cause;
	}
	for (size_t i = 0; i < n; i++)
		start_one(op, tech, legs[i], timeout_ms);
}

/* Collects the targets: call:dial("1001"), call:dial({"1001", "Test/x"}, {timeout=20})
 * or call:dial{"1001", "Test/x", timeout=20}. */
static int read_targets(lua_State *L, const char **targets, double *timeout, char *record, size_t rsize,
			bool *direct)
{
	int n = 0, opts = 0;
	if (lua_type(L, 2) == LUA_TSTRING) {
		targets[n++] = lua_tostring(L, 2);
		opts = lua_istable(L, 3) ? 3 : 0;
	} else {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_Integer len = (lua_Integer)lua_rawlen(L, 2);
		luaL_argcheck(L, len >= 1 && len <= MAX_TARGETS, 2, "one to 32 targets");
		for (lua_Integer i = 1; i <= len; i++) {
			lua_rawgeti(L, 2, i);
			if (lua_type(L, -1) != LUA_TSTRING)
				luaL_error(L, "call:dial: target %d is not a string", (int)i);
			targets[n++] = lua_tostring(L, -1);
			lua_pop(L, 1); /* the table keeps the string alive */
		}
		opts = lua_istable(L, 3) ? 3 : 2;
	}
	*timeout = 30;
	if (opts) {
		lua_getfield(L, opts, "timeout");
		if (!lua_isnil(L, -1)) {
			*timeout = luaL_checknumber(L, -1);
			luaL_argcheck(L, *timeout > 0 && *timeout <= 3600 && !isnan(*timeout), opts,
				      "timeout: seconds from 0 to 3600");
		}
		lua_pop(L, 1);
		lua_getfield(L, opts, "record");
		if (!lua_isnil(L, -1)) {
			const char *path = luaL_checkstring(L, -1);
			luaL_argcheck(L, *path, opts, "record: a file name");
			/* A relative name lands in the data folder, as call:record's do. */
			if (path[0] == '/')
				snprintf(record, rsize, "%s", path);
			else
				snprintf(record, rsize, "%s/%s", sg_config_data_dir(), path);
		}
		lua_pop(L, 1);
		lua_getfield(L, opts, "direct_media");
		if (!lua_isnil(L, -1)) {
			luaL_argcheck(L, lua_isboolean(L, -1), opts, "direct_media: true or false");
			*direct = lua_toboolean(L, -1);
		}
		lua_pop(L, 1);
	}
	return n;
}

int sg_dp_m_dial(lua_State *L)
{
	struct sg_call *call = sg_dp_check_call(L, 1);
	const char *targets[MAX_TARGETS];
	double timeout;
	char record[1024] = "";
	bool direct = false;
	int n = read_targets(L, targets, &timeout, record, sizeof(record), &direct);
	struct dial_op *op = calloc(1, sizeof(*op));
	if (!op)
		return luaL_error(L, "out of memory");
	memcpy(op->record, record, sizeof(record));
	op->direct_media = direct;
	op->call = call;
	if (!sg_call_hungup(call))
		for (int i = 0; i < n; i++)
			start_target(op, targets[i], (unsigned)(timeout * 1000));
	if (op->live == 0) {
		/* Nothing rings: answer at once with why. The legs that did start and
		 * failed at once still hold references. */
		enum sg_cause c = sg_call_hungup(call) ? SG_CAUSE_CANCELLED : overall_cause(op);
		release_legs(op, SG_CAUSE_FAILURE);
		op->status = status_of(c);
		op->cause = c;
		return push_result(L, op);
	}
	op->timeout = sg_timer_start(sg_loop_main(), NULL, (uint64_t)(timeout * 1000), 0, on_timeout, op);
	if (!op->timeout) {
		cancel(op);
		return luaL_error(L, "out of memory");
	}
	return sg_dp_wait(L, call, NULL, cancel, op, &op->wait);
}

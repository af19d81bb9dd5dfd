/*
 * dp_dial.c: call:dial(), ringing targets in steps (dp_dial_opts.c reads them):
 * each step rings its targets at once (forking), each target for its own time;
 * when all of a step's legs have ended the next step starts (a hunt is steps of
 * one target, ring-all is one step). Each target becomes an outgoing channel
 * through its technology ("SIP/1001", "Test/answer"; a bare "1001" means
 * "SIP/1001"). The caller hears ringing once a leg rings, and keeps hearing it
 * across steps; the first leg to answer wins, the others are cancelled, the
 * caller is answered and bridged to the winner, and call:dial() returns when that
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
#include "dp_dial.h"
#include "dp_priv.h"
#include "transfer_priv.h"

#define MAX_LEGS DIAL_MAX_LEGS

struct dial_op {
	struct sg_call *call;
	struct sg_dp_wait *wait;
	struct dial_plan plan;
	size_t step; /* the step ringing now */
	/* the legs of the current step */
	struct sg_channel *legs[MAX_LEGS];
	uint64_t deadline[MAX_LEGS]; /* when each stops ringing (ms, loop time) */
	bool ringing[MAX_LEGS];	     /* still counted in live */
	size_t nlegs, live;
	bool seen[SG_CAUSE_SHUTDOWN + 1]; /* why legs failed, over every step */
	int codes[SG_CAUSE_SHUTDOWN + 1]; /* and the technology's code for each (SIP 486) */
	unsigned tried;			  /* targets dialled so far */
	uint64_t total_end;		  /* the total= limit; UINT64_MAX: none */
	struct sg_timer *timer;
	struct sg_channel *winner;
	bool ringing_sent, finished;
	bool ringback; /* in-band ringback plays to a caller that is up */
	uint64_t answered_ms;
	/* the result, filled when finished */
	const char *status;
	enum sg_cause cause;
	char winner_name[96];
	double duration;
	const char *ended_by;
	size_t answered_step; /* 1-based; 0: none */
	bool recording;	      /* the conversation is being recorded at plan.record */
	struct sg_channel *music; /* the caller's leg hearing music while it searches (a reference) */
	struct dial_confirm_legs confirm; /* legs that must press a digit first */
};

static uint64_t now_ms(void) { return sg_loop_now_ms(sg_loop_main()); }

static void note_cause(struct dial_op *op, enum sg_cause c)
{
	if ((unsigned)c < sizeof(op->seen) / sizeof(*op->seen))
		op->seen[c] = true;
}

/* The technology's code for a leg that ended (SIP: its final status). */
static void note_code(struct dial_op *op, struct sg_channel *ch, enum sg_cause c)
{
	if ((unsigned)c < sizeof(op->codes) / sizeof(*op->codes) && sg_chan_code(ch))
		op->codes[c] = sg_chan_code(ch);
}

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
	for (size_t o = 0; o < sizeof(order) / sizeof(*order); o++)
		if (op->seen[order[o]])
			return order[o];
	return SG_CAUSE_FAILURE;
}

static int push_result(lua_State *L, void *arg)
{
	struct dial_op *op = arg;
	sg_dp_push_result(L, op->status);
	lua_pushstring(L, sg_cause_name(op->cause));
	lua_setfield(L, -2, "cause");
	lua_pushinteger(L, op->tried);
	lua_setfield(L, -2, "tried");
	if (op->winner_name[0]) {
		lua_pushstring(L, op->winner_name);
		lua_setfield(L, -2, "channel");
		lua_pushinteger(L, (lua_Integer)op->answered_step);
		lua_setfield(L, -2, "step");
		lua_pushnumber(L, op->duration);
		lua_setfield(L, -2, "duration");
	}
	if (op->ended_by) {
		lua_pushstring(L, op->ended_by);
		lua_setfield(L, -2, "ended_by");
	}
	int code = (unsigned)op->cause < sizeof(op->codes) / sizeof(*op->codes) ? op->codes[op->cause] : 0;
	if (code && !op->winner_name[0]) {
		lua_pushinteger(L, code);
		lua_setfield(L, -2, "code");
	}
	if (op->recording) {
		lua_pushstring(L, op->plan.record);
		lua_setfield(L, -2, "recording");
	}
	free(op);
	return 1;
}

static void leg_event(struct sg_channel *ch, enum sg_chan_event ev, int arg, void *data);

/* A caller already answered (an IVR that dials, a transferred caller) cannot be
 * sent ringing: it hears a ringback tone from the PBX instead. */
static void ringback_start(struct dial_op *op, struct sg_channel *caller)
{
	const struct sg_rtp_api *rtp = sg_rtp_api();
	struct sg_rtp_session *s = sg_chan_rtp(caller);
	struct sg_rtp_play_opts o = {.ringback = true};
	int rc = rtp && s ? rtp->play(s, &o, NULL, NULL) : -ENOTSUP;
	op->ringback = rc == 0;
	if (rc && sg_chan_state(caller) == SG_CHAN_UP) /* early media may just not be there */
		SG_NOTICE("dialplan", "call %s: no ringback tone for %s: %s", sg_call_id(op->call),
			  sg_chan_name(caller), rc == -ENOTSUP ? "it has no RTP media" : strerror(-rc));
}

static void ringback_stop(struct dial_op *op)
{
	struct sg_channel *caller = sg_call_channel(op->call);
	const struct sg_rtp_api *rtp = sg_rtp_api();
	if (op->ringback && rtp && sg_chan_rtp(caller) && sg_call_owns_channel(op->call))
		rtp->cancel(sg_chan_rtp(caller));
	op->ringback = false;
}

/* Releases every leg of the step still up (with `cause`) and drops the op's references. */
static void release_legs(struct dial_op *op, enum sg_cause cause)
{
	for (size_t i = 0; i < op->nlegs; i++) {
		struct sg_channel *ch = op->legs[i];
		/* A leg a transfer took is no longer ours to release. */
		if (sg_chan_observed_by(ch, leg_event, op)) {
			sg_chan_set_observer(ch, NULL, NULL);
			if (sg_chan_state(ch) != SG_CHAN_GONE)
				sg_chan_hangup(ch, ch == op->winner ? SG_CAUSE_NORMAL : cause);
		}
		op->legs[i] = sg_chan_unref(ch);
	}
	op->nlegs = op->live = 0;
	op->winner = NULL;
}

/* music=: the caller hears music on hold instead of ringback while the dial
 * searches. There is no early media yet, so the caller's leg is answered first;
 * when it cannot be, or the music cannot play, the caller hears ringback. */
static void dial_music_start(struct dial_op *op)
{
	struct sg_channel *caller = sg_call_channel(op->call);
	int rc = sg_chan_answer(caller);
	if (rc == 0)
		rc = sg_moh_start(caller, caller, op->plan.music, false);
	if (!rc) {
		op->music = sg_chan_ref(caller); /* a transfer may take the call's leg meanwhile */
		return;
	}
	SG_NOTICE("dialplan", "call %s: no music while dialling (%s): ringback instead", sg_call_id(op->call),
		  rc == -ENOTSUP ? "the caller's leg has no RTP media" : strerror(-rc));
	op->plan.music[0] = '\0'; /* the next leg to ring brings ringback, as without the option */
}

/* A leg answered or the dial ended: the music stops. */
static void dial_music_stop(struct dial_op *op)
{
	if (!op->music)
		return;
	sg_moh_stop(op->music);
	op->music = sg_chan_unref(op->music);
}

static void finish(struct dial_op *op, const char *status, enum sg_cause cause, const char *ended_by)
{
	if (op->finished)
		return;
	op->finished = true;
	ringback_stop(op);
	/* A transfer's target not reached: the transfer may take the caller back. */
	if (strcmp(status, "answered"))
		sg_xfer_failed(op->call, cause);
	op->status = status;
	op->cause = cause;
	op->ended_by = ended_by;
	op->timer = sg_timer_free(op->timer);
	dial_music_stop(op);
	if (op->winner) {
		snprintf(op->winner_name, sizeof(op->winner_name), "%s", sg_chan_name(op->winner));
		op->duration = (double)(now_ms() - op->answered_ms) / 1000.0;
	}
	struct sg_channel *caller = sg_call_channel(op->call);
	bool own = sg_call_owns_channel(op->call);
	struct sg_bridge *br = own ? sg_chan_bridge(caller) : NULL;
	if (br)
		sg_bridge_end(br);
	/* The recording ends with the conversation (and is saved; a caller already
	 * gone took its session, and the recording with it, away). */
	const struct sg_rtp_api *rtp = op->recording ? sg_rtp_api() : NULL;
	if (rtp && own && sg_chan_rtp(caller))
		rtp->stop(sg_chan_rtp(caller));
	release_legs(op, SG_CAUSE_CANCELLED);
	sg_dp_wake(op->wait, push_result, op); /* push_result frees op */
}

/* Nobody answered: the result says what matters most over every step. */
static void finish_unanswered(struct dial_op *op)
{
	enum sg_cause c = overall_cause(op);
	finish(op, status_of(c), c, now_ms() >= op->total_end ? "timeout" : "callee");
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
	struct sg_rtp_record_opts o = {.path = op->plan.record, .both = true};
	int rc = !rtp || !s ? -ENOTSUP : rtp->record(s, &o, NULL, NULL);
	if (rc)
		SG_WARNING("dialplan", "call %s: cannot record to %s: %s", sg_call_id(op->call), op->plan.record,
			   rc == -ENOTSUP ? "the call has no RTP media" : strerror(-rc));
	op->recording = rc == 0;
}

/* Direct media (phone to phone) when the option or the technology's own rules
 * (both users chose it) allow; a recorded call stays relayed, since the PBX
 * records what it relays. The technology logs why it stays relayed otherwise. */
static void try_direct_media(struct dial_op *op, struct sg_channel *caller, struct sg_channel *ch)
{
	int rc = sg_chan_direct_media(caller, ch, op->plan.direct_media);
	if (rc == -ENOTSUP && op->plan.direct_media)
		SG_INFO("dialplan", "call %s: direct media not possible between %s and %s: not two legs of one "
			"technology that can", sg_call_id(op->call), sg_chan_name(caller), sg_chan_name(ch));
}

static void answered(struct dial_op *op, struct sg_channel *ch)
{
	struct sg_channel *caller = sg_call_channel(op->call);
	op->winner = ch;
	op->answered_ms = now_ms();
	op->answered_step = op->step + 1;
	op->timer = sg_timer_free(op->timer);
	/* The others stop ringing: RFC 3261 forking cancels the losers. */
	for (size_t i = 0; i < op->nlegs; i++)
		if (op->legs[i] != ch && sg_chan_state(op->legs[i]) != SG_CHAN_GONE) {
			sg_chan_set_observer(op->legs[i], NULL, NULL);
			sg_chan_hangup(op->legs[i], SG_CAUSE_CANCELLED);
		}
	ringback_stop(op);
	dial_music_stop(op);
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
	sg_xfer_done(op->call); /* a transfer's target answered: the transferor goes */
	if (op->plan.record[0] && op->plan.direct_media)
		SG_INFO("dialplan", "call %s: recorded, so its media stays relayed (no direct media)",
			sg_call_id(op->call));
	if (op->plan.record[0])
		start_recording(op, caller);
	else
		try_direct_media(op, caller, ch);
}

/* One timer serves the whole dial: it fires at the earliest deadline of a leg
 * still ringing, or at once when the step is over, so the next step starts from
 * the loop rather than from inside a leg's notification. */
static void arm(struct dial_op *op)
{
	uint64_t now = now_ms(), next = op->live ? UINT64_MAX : now;
	for (size_t i = 0; i < op->nlegs; i++)
		if (op->ringing[i] && op->deadline[i] < next)
			next = op->deadline[i];
	sg_timer_restart(op->timer, next > now ? next - now : 0);
}

/* A leg stopped counting (it ended, or rang out): the step may be over. */
static void leg_done(struct dial_op *op, size_t i, enum sg_cause cause)
{
	op->ringing[i] = false;
	op->live--;
	note_cause(op, cause);
}

static void leg_event(struct sg_channel *ch, enum sg_chan_event ev, int arg, void *data);

/* confirm=: the leg answered but must press the digit first. Until then it counts
 * as ringing, for the confirm time, and the caller hears ringing (as if it rang). */
static void confirm_wait(struct dial_op *op, size_t i, unsigned ms)
{
	uint64_t deadline = now_ms() + ms;
	op->deadline[i] = deadline < op->total_end ? deadline : op->total_end;
	leg_event(op->legs[i], SG_CHEV_RINGING, 0, op);
	if (op->timer) /* NULL while a step starts: its starter arms it */
		arm(op);
}

static void leg_event(struct sg_channel *ch, enum sg_chan_event ev, int arg, void *data)
{
	unsigned confirm_ms;
	struct dial_op *op = data;
	size_t i = leg_index(op, ch);
	if (i == op->nlegs || op->finished)
		return;
	switch (ev) {
	case SG_CHEV_RINGING:
	case SG_CHEV_PROGRESS:
		/* Sent once for the whole dial: the caller hears one ringback across steps. */
		if (!op->winner && !op->ringing_sent && !op->plan.music[0]) {
			struct sg_channel *caller = sg_call_channel(op->call);
			op->ringing_sent = true;
			/* A caller answered, or hearing early media, hears ringback from us. */
			if (sg_chan_state(caller) == SG_CHAN_UP || sg_chan_state(caller) == SG_CHAN_PROGRESS)
				ringback_start(op, caller);
			if (!op->ringback && sg_chan_state(caller) != SG_CHAN_UP)
				sg_chan_indicate(caller, SG_IND_RINGING);
			sg_xfer_ringing(op->call);
		}
		break;
	case SG_CHEV_ANSWERED:
		if (!op->winner && sg_dial_confirm_answered(&op->confirm, i, ch, sg_call_id(op->call), &confirm_ms))
			confirm_wait(op, i, confirm_ms);
		else if (!op->winner)
			answered(op, ch);
		break;
	case SG_CHEV_HANGUP:
		if (ch == op->winner) {
			finish(op, "answered", SG_CAUSE_NORMAL, "callee");
		} else if (!op->winner && op->ringing[i]) {
			bool confirming = sg_dial_confirm_end(&op->confirm, i, ch, sg_call_id(op->call), "hung up");
			if (!confirming)
				note_code(op, ch, (enum sg_cause)arg);
			leg_done(op, i, confirming ? SG_CAUSE_NO_ANSWER : (enum sg_cause)arg);
			/* While a step starts (timer NULL) its caller checks live itself. */
			if (op->live == 0 && op->timer)
				arm(op);
		}
		break;
	case SG_CHEV_DIGIT:
		if (!op->winner && sg_dial_confirm_digit(&op->confirm, i, ch, (char)arg, sg_call_id(op->call)))
			answered(op, ch);
		break;
	}
}

/* The caller hung up (or the call ended): drop everything, quietly. */
/* The caller hung up: the dial says what it got to (who answered and for how
 * long, or that the caller gave up while it rang). */
static void caller_gone(void *arg)
{
	struct dial_op *op = arg;
	if (op->winner)
		finish(op, "answered", SG_CAUSE_NORMAL, "caller");
	else
		finish(op, "cancelled", SG_CAUSE_CANCELLED, "caller");
}

void sg_dp_dial_cancel(void *arg)
{
	struct dial_op *op = arg;
	op->timer = sg_timer_free(op->timer);
	dial_music_stop(op);
	if (op->winner && sg_chan_observed_by(op->winner, leg_event, op)) {
		struct sg_bridge *br = sg_chan_bridge(op->winner);
		if (br)
			sg_bridge_end(br);
	}
	release_legs(op, SG_CAUSE_CANCELLED);
	free(op);
}

/* tech->request with the dial's caller ID presentation (caller_id=) in place for
 * the technology to read (sg_call_presented_from/_name). */
static int request_leg(struct dial_op *op, const struct sg_chan_tech *tech, const char *dest,
		       struct sg_channel **ch, enum sg_cause *cause)
{
	const struct dial_plan *p = &op->plan;
	sg_call_set_presentation(op->call, p->cid_number_set ? p->cid_number : NULL,
				 p->cid_name_set ? p->cid_name : NULL);
	int rc = tech->request(dest, sg_call_channel(op->call), ch, cause);
	sg_call_set_presentation(op->call, NULL, NULL);
	return rc;
}

/* Starts one concrete leg, ringing for timeout_ms at most; on failure records why. */
static void start_one(struct dial_op *op, const struct sg_chan_tech *tech, const char *dest,
		      unsigned timeout_ms)
{
	enum sg_cause cause = SG_CAUSE_FAILURE;
	struct sg_channel *ch = NULL;
	if (op->nlegs == MAX_LEGS) {
		note_cause(op, SG_CAUSE_CONGESTION);
		return;
	}
	if (request_leg(op, tech, dest, &ch, &cause) != 0) {
		SG_INFO("dialplan", "call %s: %s/%s cannot be dialled (%s)", sg_call_id(op->call), tech->name,
			dest, sg_cause_name(cause));
		note_cause(op, cause);
		return;
	}
	size_t i = op->nlegs++;
	sg_chan_set_observer(ch, leg_event, op);
	op->legs[i] = ch;
	op->ringing[i] = true;
	op->live++;
	uint64_t deadline = now_ms() + timeout_ms;
	op->deadline[i] = deadline < op->total_end ? deadline : op->total_end;
	int rc = tech->call(ch, timeout_ms);
	if (rc == 0 || !op->ringing[i])
		return;
	/* A phone that cannot be reached at all is unavailable (480), not a fault of ours. */
	cause = rc == -ECONNREFUSED || rc == -EHOSTUNREACH || rc == -ENETUNREACH || rc == -ETIMEDOUT ||
				rc == -ENOTCONN
			? SG_CAUSE_UNAVAILABLE
			: SG_CAUSE_FAILURE;
	leg_done(op, i, cause);
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
		note_cause(op, SG_CAUSE_FAILURE);
		return;
	}
	if (!tech->expand) {
		start_one(op, tech, dest, timeout_ms);
		return;
	}
	char legs[MAX_LEGS][512];
	enum sg_cause cause = SG_CAUSE_UNAVAILABLE;
	size_t n = tech->expand(dest, legs, MAX_LEGS, &cause);
	if (n == 0) {
		SG_INFO("dialplan", "call %s: '%s' has nothing to ring (%s)", sg_call_id(op->call), target,
			sg_cause_name(cause));
		note_cause(op, cause);
	}
	for (size_t i = 0; i < n; i++)
		start_one(op, tech, legs[i], timeout_ms);
}

/* Rings the targets of the current step, each for its own time. */
static void start_step(struct dial_op *op)
{
	const struct dial_step *s = &op->plan.steps[op->step];
	double step_timeout = s->timeout ? s->timeout : op->plan.timeout;
	if (op->plan.nsteps > 1)
		SG_INFO("dialplan", "call %s: dial step %zu of %zu", sg_call_id(op->call), op->step + 1,
			op->plan.nsteps);
	for (size_t i = 0; i < s->count; i++) {
		const struct dial_target *t = &op->plan.targets[s->first + i];
		op->tried++;
		size_t first_leg = op->nlegs;
		start_target(op, t->dest, (unsigned)((t->timeout ? t->timeout : step_timeout) * 1000));
		sg_dial_confirm_assign(&op->confirm, first_leg, op->nlegs, &t->confirm);
	}
}

/* Starts steps from op->step on until one rings; false when none is left (or
 * the total= time is up). The timer is parked while a step starts, so legs
 * failing at once do not re-enter. */
static bool start_ringing_step(struct dial_op *op)
{
	struct sg_timer *timer = op->timer;
	op->timer = NULL;
	for (; op->step < op->plan.nsteps && now_ms() < op->total_end; op->step++) {
		start_step(op);
		if (op->live)
			break;
		release_legs(op, SG_CAUSE_FAILURE);
	}
	if (op->winner || op->finished)
		sg_timer_free(timer); /* a leg answered while it was being placed */
	else
		op->timer = timer;
	return op->live > 0;
}

/* A leg's time is up, or the step is over: ring out those legs, then go on. */
static void on_timer(struct sg_timer *t, void *arg)
{
	(void)t;
	struct dial_op *op = arg;
	uint64_t now = now_ms();
	for (size_t i = 0; i < op->nlegs; i++)
		if (op->ringing[i] && op->deadline[i] <= now) {
			sg_dial_confirm_end(&op->confirm, i, op->legs[i], sg_call_id(op->call), "no digit in time");
			leg_done(op, i, SG_CAUSE_NO_ANSWER);
			sg_chan_set_observer(op->legs[i], NULL, NULL);
			sg_chan_hangup(op->legs[i], SG_CAUSE_CANCELLED);
		}
	if (op->live) {
		arm(op);
		return;
	}
	release_legs(op, SG_CAUSE_CANCELLED);
	op->step++;
	if (start_ringing_step(op))
		arm(op);
	else
		finish_unanswered(op);
}

int sg_dp_m_dial(lua_State *L)
{
	struct sg_call *call = sg_dp_check_call(L, 1);
	luaL_argcheck(L, lua_gettop(L) <= 3, 4, "call:dial takes targets and an options table");
	lua_settop(L, 3); /* the plan goes above the arguments */
	/* Read into Lua-owned memory: a mistake raises an error with nothing to free
	 * and nothing ringing. */
	struct dial_plan *plan = lua_newuserdatauv(L, sizeof(*plan), 0);
	memset(plan, 0, sizeof(*plan));
	sg_dial_read_plan(L, plan);
	struct dial_op *op = calloc(1, sizeof(*op));
	if (!op)
		return luaL_error(L, "out of memory");
	op->plan = *plan;
	op->call = call;
	op->total_end = plan->total ? now_ms() + (uint64_t)(plan->total * 1000) : UINT64_MAX;
	op->timer = sg_timer_start(sg_loop_main(), NULL, UINT32_MAX, 0, on_timer, op);
	if (!op->timer) {
		free(op);
		return luaL_error(L, "out of memory");
	}
	if (sg_call_hungup(call) || !start_ringing_step(op)) {
		/* Nothing rings: answer at once with why. */
		enum sg_cause c = sg_call_hungup(call) ? SG_CAUSE_CANCELLED : overall_cause(op);
		op->timer = sg_timer_free(op->timer);
		release_legs(op, SG_CAUSE_FAILURE);
		op->status = status_of(c);
		op->cause = c;
		return push_result(L, op);
	}
	arm(op);
	if (op->plan.music[0] && !op->winner)
		dial_music_start(op);
	return sg_dp_wait_ex(L, call, sg_dp_dial_cancel, caller_gone, op, &op->wait);
}

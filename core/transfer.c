/*
 * transfer.c: blind and attended transfers, and a leg replacing another.
 *
 * A conversation is two bridged legs; the one asking (the transferor, T) and the
 * other (the transferee, E). Whoever placed them owns them: a call owns its own
 * incoming leg, a dial owns the legs it rang, a pair (below) owns two legs a
 * transfer joined. Ownership is the channel's observer (and call pointer), so a
 * transfer moves a leg by re-pointing them, and every owner checks that a leg is
 * still its own before it releases it (dp_dial.c, dp_call.c, call.c).
 *
 * Blind: E is lent to a new call that runs the target extension. T's owner stays
 * as it was, so if the target cannot be reached while T still waits, E is given
 * back and joined with T again (RFC 5589 §6.2: the transferor takes the call back).
 * Once E is connected, T is released. Attended: E and the peer of T's other leg
 * are joined in a pair, and both of T's legs are released.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include <strowger/bridge.h>
#include <strowger/config.h>
#include <strowger/log.h>
#include <strowger/rtp.h>
#include <strowger/users.h>

#include "call_priv.h"
#include "channel_priv.h"
#include "config_priv.h"
#include "dp_priv.h"
#include "list.h"
#include "outbound_priv.h"
#include "transfer_priv.h"

struct sg_xfer {
	struct sg_list_node node;
	struct sg_channel *transferor, *transferee;
	sg_xfer_notify_fn *notify;
	bool rang;
	/* Where the transferee came from, to give it back. */
	struct sg_call *prev_call; /* the call whose own leg it was, or NULL */
	sg_chan_observer_fn *prev_fn;
	void *prev_data;
	struct sg_call *call; /* the call running the target */
};

static struct sg_list xfers = {{&xfers.head, &xfers.head}, 0};

static bool in_transfer(const struct sg_channel *ch)
{
	struct sg_list_node *it;
	sg_list_foreach(&xfers, it) {
		struct sg_xfer *x = sg_container_of(it, struct sg_xfer, node);
		if (x->transferor == ch || x->transferee == ch)
			return true;
	}
	return false;
}

/* --- pairs: two legs a transfer joined, with no dialplan behind them --- */

struct pair {
	struct sg_channel *legs[2];
};

static void pair_event(struct sg_channel *ch, enum sg_chan_event ev, int arg, void *data);

static void pair_drop(struct pair *p, int i)
{
	if (p->legs[i] && sg_chan_observed_by(p->legs[i], pair_event, p))
		sg_chan_set_observer(p->legs[i], NULL, NULL);
	p->legs[i] = sg_chan_unref(p->legs[i]);
}

/* One side hung up: the other is released too, unless a transfer took it. */
static void pair_event(struct sg_channel *ch, enum sg_chan_event ev, int arg, void *data)
{
	(void)arg;
	struct pair *p = data;
	if (ev != SG_CHEV_HANGUP)
		return;
	int i = p->legs[0] == ch ? 0 : 1;
	struct sg_channel *other = p->legs[!i];
	pair_drop(p, i);
	if (other && sg_chan_observed_by(other, pair_event, p)) {
		sg_chan_set_observer(other, NULL, NULL);
		sg_chan_hangup(other, SG_CAUSE_NORMAL);
	}
	pair_drop(p, !i);
	free(p);
}

/* Joins a and b (both taken from their owners already) under a new pair. */
static int pair_join(struct sg_channel *a, struct sg_channel *b, bool answer_a)
{
	struct pair *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->legs[0] = sg_chan_ref(a);
	p->legs[1] = sg_chan_ref(b);
	sg_chan_set_call(a, NULL);
	sg_chan_set_call(b, NULL);
	sg_chan_set_observer(a, pair_event, p);
	sg_chan_set_observer(b, pair_event, p);
	/* Joined first, so a technology answering a knows its peer (SIP: codecs). */
	int rc = sg_bridge_join(a, b, NULL);
	if (!rc && answer_a)
		rc = sg_chan_answer(a);
	if (rc) {
		struct sg_bridge *br = sg_chan_bridge(a);
		if (br)
			sg_bridge_end(br);
		sg_chan_hangup(a, SG_CAUSE_FAILURE); /* pair_event releases b and p */
	}
	return rc;
}

/* --- taking a leg from its owner --- */

/* The call whose own leg ch is, if any. */
static struct sg_call *owning_call(const struct sg_channel *ch)
{
	struct sg_call *c = sg_chan_call(ch);
	return c && c->chan == ch ? c : NULL;
}

/* A call whose own leg was taken for good: its dialplan ends at its next wait
 * (what it waits on now, a dial with the transferor, ends with that leg). */
static void orphan(struct sg_call *c)
{
	c->lent = true;
	c->hungup = true;
	SG_INFO("dialplan", "call %s: its caller was transferred; the dialplan ends at its next wait", c->id);
}

/* The conversation's call: the transferor's or the transferee's own. */
static struct sg_call *conversation_call(struct sg_channel *t, struct sg_channel *e)
{
	struct sg_call *c = owning_call(t);
	return c ? c : owning_call(e);
}

/* --- the dialplan's say: on_transfer --- */

struct hook_ask {
	const char *kind, *target, *by, *referred_by;
	struct sg_channel *t, *e;
	/* what the hook decided */
	bool deny;
	char target_out[128], context_out[64];
};

static void push_ask(lua_State *T, void *arg)
{
	struct hook_ask *a = arg;
	lua_createtable(T, 0, 6);
	lua_pushstring(T, a->kind);
	lua_setfield(T, -2, "kind");
	lua_pushstring(T, a->target);
	lua_setfield(T, -2, "to");
	lua_pushstring(T, a->by);
	lua_setfield(T, -2, "by");
	lua_pushstring(T, sg_chan_name(a->t));
	lua_setfield(T, -2, "transferor");
	lua_pushstring(T, sg_chan_name(a->e));
	lua_setfield(T, -2, "transferee");
	if (a->referred_by) {
		lua_pushstring(T, a->referred_by);
		lua_setfield(T, -2, "referred_by");
	}
}

/* nil or true: go on; false: refuse; "ext" or {to=, context=}: go there instead. */
static int read_answer(lua_State *T, int nres, void *arg)
{
	struct hook_ask *a = arg;
	if (nres == 0 || lua_isnil(T, -nres))
		return 0;
	int idx = lua_gettop(T) - nres + 1;
	switch (lua_type(T, idx)) {
	case LUA_TBOOLEAN:
		a->deny = !lua_toboolean(T, idx);
		return 0;
	case LUA_TSTRING:
	case LUA_TNUMBER:
		snprintf(a->target_out, sizeof(a->target_out), "%s", lua_tostring(T, idx));
		return 0;
	case LUA_TTABLE:
		if (lua_getfield(T, idx, "to") == LUA_TSTRING)
			snprintf(a->target_out, sizeof(a->target_out), "%s", lua_tostring(T, -1));
		if (lua_getfield(T, idx, "context") == LUA_TSTRING)
			snprintf(a->context_out, sizeof(a->context_out), "%s", lua_tostring(T, -1));
		lua_pop(T, 2);
		return 0;
	default:
		SG_ERROR("dialplan", "on_transfer returned a %s: it returns nothing or true (allow), false "
			 "(refuse), an extension or {to=, context=}; the transfer goes on", luaL_typename(T, idx));
		return -1;
	}
}

/* 0: allowed (a->target_out/context_out may re-route it), -EPERM: refused. */
static int ask_dialplan(struct sg_call *c, struct hook_ask *a)
{
	if (!c)
		return 0;
	a->by = c->chan == a->t ? "caller" : "callee";
	if (sg_dp_hook(c, "on_transfer", push_ask, read_answer, a) == 1 && a->deny) {
		SG_NOTICE("dialplan", "call %s: the dialplan refused the %s transfer by %s", c->id, a->kind,
			  sg_chan_name(a->t));
		return -EPERM;
	}
	return 0;
}

/* --- blind --- */

static void xfer_free(struct sg_xfer *x)
{
	sg_list_remove_from(&xfers, &x->node);
	if (x->call)
		x->call->xfer = NULL;
	sg_chan_unref(x->transferor);
	sg_chan_unref(x->transferee);
	free(x);
}

static void tell(struct sg_xfer *x, enum sg_xfer_state st, enum sg_cause cause)
{
	if (x->notify)
		x->notify(x->transferor, st, cause);
}

/* The transferee goes back where it came from; joined with the transferor again
 * if both are still there. */
static void give_back(struct sg_xfer *x)
{
	struct sg_channel *e = x->transferee;
	struct sg_call *y = x->call;
	y->hungup = true; /* its dialplan ends at its next wait, without the leg */
	sg_chan_set_call(e, x->prev_call);
	sg_chan_set_observer(e, x->prev_fn, x->prev_data);
	if (x->prev_call && x->prev_call->chan == e) {
		x->prev_call->lent = false;
		x->prev_call->hungup = false;
	}
	if (sg_chan_state(e) == SG_CHAN_GONE) {
		sg_chan_notify_gone(e); /* its owner hears it ended */
		return;
	}
	const struct sg_rtp_api *rtp = sg_rtp_api();
	if (rtp && sg_chan_rtp(e))
		rtp->cancel(sg_chan_rtp(e)); /* the ringback */
	int rc = sg_bridge_join(x->transferor, e, NULL);
	if (rc) {
		SG_WARNING("core", "%s: cannot join %s again after the failed transfer: %s",
			   sg_chan_name(x->transferor), sg_chan_name(e), strerror(-rc));
		sg_chan_hangup(e, SG_CAUSE_FAILURE);
		return;
	}
	SG_INFO("core", "%s: back in the call with %s after the failed transfer", sg_chan_name(e),
		sg_chan_name(x->transferor));
}

void sg_xfer_ringing(struct sg_call *call)
{
	struct sg_xfer *x = call->xfer;
	if (!x || x->rang)
		return;
	x->rang = true;
	tell(x, SG_XFER_RINGING, SG_CAUSE_NORMAL);
}

void sg_xfer_done(struct sg_call *call)
{
	struct sg_xfer *x = call->xfer;
	if (!x)
		return;
	SG_INFO("core", "call %s: %s transferred; %s is released", call->id, sg_chan_name(x->transferee),
		sg_chan_name(x->transferor));
	tell(x, SG_XFER_DONE, SG_CAUSE_NORMAL);
	struct sg_call *prev = x->prev_call;
	if (prev && prev->chan == x->transferee)
		orphan(prev); /* for good now */
	struct sg_channel *t = sg_chan_ref(x->transferor);
	xfer_free(x);
	sg_chan_hangup(t, SG_CAUSE_NORMAL);
	sg_chan_unref(t);
}

void sg_xfer_failed(struct sg_call *call, enum sg_cause cause)
{
	struct sg_xfer *x = call->xfer;
	if (!x)
		return;
	bool back = sg_chan_state(x->transferor) != SG_CHAN_GONE;
	SG_INFO("core", "call %s: transfer of %s failed (%s)%s", call->id, sg_chan_name(x->transferee),
		sg_cause_name(cause), back ? ": back to the transferor" : "");
	tell(x, SG_XFER_FAILED, cause);
	if (back)
		give_back(x);
	else if (x->prev_call && x->prev_call->chan == x->transferee)
		orphan(x->prev_call);
	xfer_free(x);
}

/* Who the transferee is, for its new call: the caller it was, or the number its
 * conversation's call dialled. */
static void transferee_identity(struct sg_call *c, struct sg_channel *e, struct sg_call_params *p)
{
	if (c && c->chan == e) {
		p->from = c->from;
		p->from_name = c->from_name;
	} else if (c) {
		p->from = c->to;
	} else {
		p->from = "";
	}
}

static int blind(struct sg_channel *t, struct sg_channel *e, const struct sg_xfer_req *req)
{
	struct sg_call *c = conversation_call(t, e);
	struct hook_ask a = {.kind = "blind", .target = req->target, .referred_by = req->referred_by, .t = t, .e = e};
	if (ask_dialplan(c, &a))
		return -EPERM;
	const char *target = a.target_out[0] ? a.target_out : req->target;
	const struct sg_user *u = req->user ? sg_user_find(req->user) : NULL;
	const char *context = a.context_out[0]	    ? a.context_out
			      : u && u->context     ? u->context
			      : c		    ? c->context
						    : sg_core_settings()->default_context;
	if (!sg_dp_match(sg_dp_current(), context, target)) {
		SG_NOTICE("core", "%s: cannot transfer %s to '%s': no such extension in context '%s'",
			  sg_chan_name(t), sg_chan_name(e), target, context);
		return -ENOENT;
	}
	/* A transfer places a call for the transferor: its outbound rules apply
	 * (else a restricted user would reach any number through a transfer). */
	char why[200];
	if (req->user && sg_outbound_check(req->user, target, true, why, sizeof(why))) {
		SG_NOTICE("core", "%s: transfer of %s refused: %s", sg_chan_name(t), sg_chan_name(e), why);
		return -EPERM;
	}
	struct sg_xfer *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->transferor = sg_chan_ref(t);
	x->transferee = sg_chan_ref(e);
	x->notify = req->notify;
	x->prev_call = sg_chan_call(e);
	sg_chan_observer(e, &x->prev_fn, &x->prev_data);

	sg_bridge_end(sg_chan_bridge(t));
	struct sg_call *prev = owning_call(e);
	if (prev) { /* its own dialplan waits with hang-up enforced, meanwhile */
		prev->lent = true;
		prev->hungup = true;
	}
	struct sg_call_params p = {.to = target, .context = context};
	transferee_identity(c, e, &p);
	int err;
	struct sg_call *y = sg_call_start_for(e, &p, &err);
	if (!y) {
		if (prev) {
			prev->lent = false;
			prev->hungup = false;
		}
		sg_chan_set_call(e, x->prev_call);
		sg_chan_set_observer(e, x->prev_fn, x->prev_data);
		sg_bridge_join(t, e, NULL);
		sg_chan_unref(x->transferor);
		sg_chan_unref(x->transferee);
		free(x);
		return err;
	}
	x->call = y;
	y->xfer = x;
	if (req->referred_by)
		y->referred_by = strdup(req->referred_by);
	sg_list_append(&xfers, &x->node);
	SG_INFO("core", "%s: transfers %s to '%s' in context '%s' (call %s)", sg_chan_name(t), sg_chan_name(e),
		target, context, y->id);
	return 0;
}

/* --- attended --- */

/* Takes a leg from its owner for good, for a pair. */
static void take(struct sg_channel *ch)
{
	struct sg_call *c = owning_call(ch);
	if (c)
		orphan(c);
	sg_chan_set_observer(ch, NULL, NULL);
}

static int attended(struct sg_channel *t1, struct sg_channel *e1, const struct sg_xfer_req *req)
{
	struct sg_channel *t2 = req->replaces;
	struct sg_bridge *br2 = sg_chan_bridge(t2);
	struct sg_channel *e2 = br2 ? sg_bridge_peer(br2, t2) : NULL;
	if (!e2)
		return -ENOTCONN;
	if (t2 == t1 || e2 == t1 || e1 == t2)
		return -EINVAL;
	if (in_transfer(t2) || in_transfer(e2))
		return -EBUSY;
	struct hook_ask a = {.kind = "attended", .target = sg_chan_name(e2), .referred_by = req->referred_by,
			     .t = t1, .e = e1};
	if (ask_dialplan(conversation_call(t1, e1), &a))
		return -EPERM;
	sg_chan_ref(t1);
	sg_chan_ref(t2);
	sg_bridge_end(sg_chan_bridge(t1));
	sg_bridge_end(br2);
	take(e1);
	take(e2);
	int rc = pair_join(e1, e2, false);
	if (rc == 0)
		SG_INFO("core", "%s: attended transfer: %s and %s talk now; %s and %s are released", sg_chan_name(t1),
			sg_chan_name(e1), sg_chan_name(e2), sg_chan_name(t1), sg_chan_name(t2));
	else
		SG_WARNING("core", "%s: attended transfer: cannot join %s and %s: %s", sg_chan_name(t1),
			   sg_chan_name(e1), sg_chan_name(e2), strerror(-rc));
	if (req->notify)
		req->notify(t1, rc ? SG_XFER_FAILED : SG_XFER_DONE, rc ? SG_CAUSE_FAILURE : SG_CAUSE_NORMAL);
	sg_chan_hangup(t1, SG_CAUSE_NORMAL);
	sg_chan_hangup(t2, SG_CAUSE_NORMAL);
	sg_chan_unref(t1);
	sg_chan_unref(t2);
	return 0;
}

int sg_chan_transfer(struct sg_channel *transferor, const struct sg_xfer_req *req)
{
	struct sg_bridge *br = sg_chan_bridge(transferor);
	struct sg_channel *e = br ? sg_bridge_peer(br, transferor) : NULL;
	if (!e || sg_chan_state(transferor) != SG_CHAN_UP || sg_chan_state(e) != SG_CHAN_UP)
		return -ENOTCONN;
	if (in_transfer(transferor) || in_transfer(e))
		return -EBUSY;
	if (req->replaces)
		return attended(transferor, e, req);
	if (!req->target || !req->target[0])
		return -EINVAL;
	return blind(transferor, e, req);
}

int sg_chan_replace(struct sg_channel *old, struct sg_channel *neu)
{
	if (sg_chan_call(neu) || sg_chan_bridge(neu))
		return -EBUSY;
	/* A ringing leg: the new one picks the call up. */
	if (sg_chan_state(old) == SG_CHAN_RINGING || sg_chan_state(old) == SG_CHAN_PROGRESS ||
	    sg_chan_state(old) == SG_CHAN_DOWN)
		return sg_dial_pickup(old, neu) ? -ENOTCONN : 0;
	struct sg_bridge *br = sg_chan_bridge(old);
	struct sg_channel *peer = br ? sg_bridge_peer(br, old) : NULL;
	if (!peer || sg_chan_state(old) != SG_CHAN_UP)
		return -ENOTCONN;
	if (in_transfer(old) || in_transfer(peer) || sg_chan_bridge(neu) || sg_chan_call(neu))
		return -EBUSY;
	sg_chan_ref(old);
	sg_bridge_end(br);
	take(peer);
	int rc = pair_join(neu, peer, true);
	if (rc == 0)
		SG_INFO("core", "%s replaces %s: talks with %s now", sg_chan_name(neu), sg_chan_name(old),
			sg_chan_name(peer));
	sg_chan_hangup(old, SG_CAUSE_NORMAL);
	sg_chan_unref(old);
	return rc;
}

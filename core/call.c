/* call.c: starting a call on an incoming channel, per-call variables, the call list. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include <strowger/cli.h>
#include <strowger/transfer.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/users.h>

#include "call_priv.h"
#include "channel_priv.h"
#include "dp_priv.h"
#include "outbound_priv.h"

static struct sg_list calls = {{&calls.head, &calls.head}, 0};
static unsigned call_serial;
static bool refuse_new;

void sg_calls_refuse_new(bool refuse) { refuse_new = refuse; }
unsigned sg_calls_active(void) { return (unsigned)calls.count; }
struct sg_channel *sg_call_channel(const struct sg_call *call) { return call->chan; }
const char *sg_call_id(const struct sg_call *call) { return call->id; }
const char *sg_call_from(const struct sg_call *call) { return call->from; }

bool sg_language_valid(const char *s)
{
	size_t n = 0;
	for (; s && s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9') ||
		      s[n] == '-' || s[n] == '_'))
			return false;
	return n >= 1 && n <= SG_LANGUAGE_MAX;
}

const char *sg_call_language(const struct sg_call *call)
{
	if (call->language[0])
		return call->language;
	const struct sg_user *u = call->from ? sg_user_find(call->from) : NULL;
	return u && u->language ? u->language : NULL;
}
const char *sg_call_from_name(const struct sg_call *call) { return call->from_name; }
bool sg_call_hungup(const struct sg_call *call) { return call->hungup; }
const char *sg_call_referred_by(const struct sg_call *call) { return call->referred_by; }
const char *sg_call_presented_from(const struct sg_call *call)
{
	return call->pres_from ? call->pres_from : call->from;
}

const char *sg_call_presented_name(const struct sg_call *call)
{
	const char *name = call->pres_name ? call->pres_name : call->from_name;
	return name && *name ? name : NULL;
}

void sg_call_set_presentation(struct sg_call *call, const char *from, const char *name)
{
	call->pres_from = from;
	call->pres_name = name;
}

static void observe(struct sg_channel *ch, enum sg_chan_event ev, int arg, void *data)
{
	(void)ch;
	(void)arg;
	struct sg_call *call = data;
	if (ev == SG_CHEV_HANGUP)
		sg_dp_call_hungup(call);
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

bool sg_call_owns_channel(const struct sg_call *call) { return sg_chan_call(call->chan) == call; }

void sg_call_reattach(struct sg_call *call)
{
	sg_chan_set_call(call->chan, call);
	sg_chan_set_observer(call->chan, observe, call);
}

/* Matches the extension and starts the coroutine; `ringing`: a new incoming leg
 * (else one already up, taken over). */
static struct sg_call *start(struct sg_channel *ch, const struct sg_call_params *p, bool ringing, int *err)
{
	*err = -ESHUTDOWN;
	if (refuse_new)
		return NULL;
	struct dp_gen *gen = sg_dp_current();
	const char *context = p->context;
	if (!context) {
		const struct sg_user *u = sg_user_find(p->from);
		context = u && u->context ? u->context : sg_core_settings()->default_context;
	}
	const struct dp_exten *x = sg_dp_match(gen, context, p->to);
	*err = -ENOENT;
	if (!x) {
		SG_NOTICE("core", "%s: no extension '%s' in context '%s'", sg_chan_name(ch),
			  p->to ? p->to : "", context);
		return NULL;
	}
	/* The toll-fraud guard: the caller's users{} outbound rules, before any
	 * dialplan code runs. */
	char why[200];
	int denied = p->from ? sg_outbound_check(p->from, p->to ? p->to : "", true, why, sizeof(why)) : 0;
	if (denied) {
		if (denied == -EDQUOT)
			SG_WARNING("core", "%s: refused: %s", sg_chan_name(ch), why);
		else
			SG_NOTICE("core", "%s: refused: %s", sg_chan_name(ch), why);
		*err = denied;
		return NULL;
	}
	*err = -ENOMEM;
	struct sg_call *call = calloc(1, sizeof(*call));
	if (!call)
		return NULL;
	snprintf(call->id, sizeof(call->id), "C-%06u", ++call_serial);
	call->from = dup_or_null(p->from ? p->from : "");
	call->from_name = dup_or_null(p->from_name);
	call->to = dup_or_null(p->to ? p->to : "");
	call->context = dup_or_null(context);
	call->chan = sg_chan_ref(ch);
	if (!call->from || !call->to || !call->context || (p->from_name && !call->from_name) ||
	    sg_call_copy_headers(call, p)) {
		sg_call_free(call);
		return NULL;
	}
	call->started_ms = sg_loop_now_ms(sg_loop_main());
	sg_list_append(&calls, &call->node);
	sg_call_reattach(call);
	if (ringing)
		sg_chan_set_ring(ch);
	int rc = sg_dp_call_begin(call, gen, x);
	if (rc) {
		*err = rc;
		sg_call_free(call);
		return NULL;
	}
	SG_INFO("core", "%s: call %s from '%s' to '%s' in context '%s'", sg_chan_name(ch), call->id,
		call->from, call->to, call->context);
	*err = 0;
	return call;
}

int sg_call_start(struct sg_channel *ch, const struct sg_call_params *p)
{
	int err;
	return start(ch, p, true, &err) ? 0 : err;
}

struct sg_call *sg_call_start_for(struct sg_channel *ch, const struct sg_call_params *p, int *err)
{
	return start(ch, p, false, err);
}

void sg_call_free(struct sg_call *call)
{
	if (call->chan) {
		/* A leg a transfer took over reports to its new owner. */
		if (sg_call_owns_channel(call)) {
			sg_chan_set_observer(call->chan, NULL, NULL);
			sg_chan_set_call(call->chan, NULL);
		}
		call->chan = sg_chan_unref(call->chan);
	}
	if (sg_list_linked(&call->node))
		sg_list_remove_from(&calls, &call->node);
	if (call->headers_ref > 0)
		luaL_unref(sg_dp_state(), LUA_REGISTRYINDEX, call->headers_ref);
	free(call->headers);
	free(call->from);
	free(call->from_name);
	free(call->to);
	free(call->context);
	free(call->referred_by);
	free(call);
}

int sg_call_set_var(struct sg_call *call, const char *name, const char *value)
{
	lua_State *L = sg_dp_state();
	if (call->vars_ref == LUA_NOREF || call->vars_ref == 0)
		return -ENOENT;
	lua_rawgeti(L, LUA_REGISTRYINDEX, call->vars_ref);
	if (value)
		lua_pushstring(L, value);
	else
		lua_pushnil(L);
	lua_setfield(L, -2, name);
	lua_pop(L, 1);
	return 0;
}

const char *sg_call_get_var(const struct sg_call *call, const char *name)
{
	lua_State *L = sg_dp_state();
	if (call->vars_ref == LUA_NOREF || call->vars_ref == 0)
		return NULL;
	lua_rawgeti(L, LUA_REGISTRYINDEX, call->vars_ref);
	lua_getfield(L, -1, name);
	/* The string is held by the call's vars table until it changes. */
	const char *v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
	lua_pop(L, 2);
	return v;
}

void sg_calls_show(struct sg_cli *cli)
{
	struct sg_list_node *it;
	sg_cli_printf(cli, "%-10s %-12s %-12s %-10s %-10s %s\n", "Call", "From", "To", "Context",
		      "State", "Extension");
	sg_list_foreach(&calls, it) {
		struct sg_call *c = sg_container_of(it, struct sg_call, node);
		const char *state = c->ended ? "ending" : c->wait ? "waiting" : c->running ? "running" : "ready";
		sg_cli_printf(cli, "%-10s %-12s %-12s %-10s %-10s %s\n", c->id, c->from, c->to, c->context,
			      state, c->where);
	}
	sg_cli_printf(cli, "%zu active call%s\n", calls.count, calls.count == 1 ? "" : "s");
}

unsigned sg_calls_from(const char *user)
{
	unsigned n = 0;
	struct sg_list_node *it;
	sg_list_foreach(&calls, it) {
		const struct sg_call *c = sg_container_of(it, struct sg_call, node);
		n += !c->ended && !strcmp(c->from, user);
	}
	return n;
}

struct sg_call *sg_calls_first(void)
{
	return calls.count ? sg_container_of(calls.head.next, struct sg_call, node) : NULL;
}

/*
 * dp_dial_confirm.c: call:dial's confirm option, "press 1 to accept". A leg with
 * confirm that answers is not connected yet: the prompt plays to it, over and
 * over, and it must press the digit. The right digit makes it the winner, as an
 * answer would; another digit is ignored; hanging up or letting the time run out
 * ends that leg as not answered, and the dial goes on. This protects a find-me
 * from a mobile's voicemail "answering" the call, and lets the callee refuse it.
 * dp_dial.c keeps the legs and their deadlines; this file holds the option, which
 * legs confirm, and the prompt.
 */
#include <string.h>

#include <lauxlib.h>

#include <strowger/channel.h>
#include <strowger/log.h>
#include <strowger/rtp.h>

#include "config_priv.h"
#include "dp_dial.h"

#define DEFAULT_PROMPT "findme-accept"
#define DEFAULT_DIGIT '1'
#define DEFAULT_TIMEOUT 10.0

static const char *const fields[] = {"prompt", "digit", "timeout"};

static int bad(lua_State *L, int arg, const char *what, const char *msg)
{
	return luaL_argerror(L, arg, lua_pushfstring(L, "%s: %s", what, msg));
}

void sg_dial_read_confirm(lua_State *L, int arg, int idx, const char *what, struct dial_confirm *c)
{
	idx = lua_absindex(L, idx);
	*c = (struct dial_confirm){.set = true, .digit = DEFAULT_DIGIT, .timeout = DEFAULT_TIMEOUT};
	snprintf(c->prompt, sizeof(c->prompt), "%s", DEFAULT_PROMPT);
	if (lua_isboolean(L, idx)) {
		c->on = lua_toboolean(L, idx);
		return;
	}
	if (!lua_istable(L, idx))
		bad(L, arg, what, "true, false or { prompt = \"file\", digit = \"1\", timeout = seconds }");
	c->on = true;
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		size_t i = 0;
		while (k && i < sizeof(fields) / sizeof(*fields) && strcmp(fields[i], k))
			i++;
		if (k && i < sizeof(fields) / sizeof(*fields))
			continue;
		const char *s = k ? sg_config_suggest(k, fields, sizeof(fields) / sizeof(*fields)) : NULL;
		luaL_argerror(L, arg, lua_pushfstring(L, "%s: unknown field '%s'%s%s%s", what,
						      k ? k : luaL_typename(L, -1), s ? " (did you mean '" : "",
						      s ? s : "", s ? "'?)" : ""));
	}
	lua_getfield(L, idx, "prompt");
	if (!lua_isnil(L, -1)) {
		const char *p = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
		if (!*p || strlen(p) >= sizeof(c->prompt))
			bad(L, arg, what, "prompt: a sound name or path");
		snprintf(c->prompt, sizeof(c->prompt), "%s", p);
	}
	lua_getfield(L, idx, "digit");
	if (!lua_isnil(L, -1)) {
		const char *d = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
		if (strlen(d) != 1 || !strchr("0123456789*#", d[0]))
			bad(L, arg, what, "digit: one of 0-9, * or #");
		c->digit = d[0];
	}
	lua_getfield(L, idx, "timeout");
	if (!lua_isnil(L, -1)) {
		double t = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : -1;
		if (!(t > 0 && t <= 3600))
			bad(L, arg, what, "timeout: seconds from 0 to 3600");
		c->timeout = t;
	}
	lua_pop(L, 3);
}

void sg_dial_confirm_resolve(struct dial_plan *plan)
{
	for (size_t s = 0; s < plan->nsteps; s++) {
		const struct dial_step *st = &plan->steps[s];
		const struct dial_confirm *inherit = st->confirm.set ? &st->confirm : &plan->confirm;
		for (size_t t = st->first; t < st->first + st->count; t++)
			if (!plan->targets[t].confirm.set)
				plan->targets[t].confirm = *inherit;
	}
}

void sg_dial_confirm_assign(struct dial_confirm_legs *cl, size_t from, size_t to, const struct dial_confirm *c)
{
	for (size_t i = from; i < to && i < DIAL_MAX_LEGS; i++) {
		cl->cfg[i] = c->on ? c : NULL;
		cl->pending[i] = false;
	}
}

/* Only a prompt that cannot be played is worth a word: the leg still waits for
 * its digit (a caller on a silent line can still press it). */
static void prompt_done(struct sg_rtp_session *s, const struct sg_rtp_done *d, void *arg)
{
	(void)s;
	(void)arg;
	if (d->end == SG_RTP_END_ERROR)
		SG_WARNING("dialplan", "confirm prompt: %s", d->error);
}

bool sg_dial_confirm_answered(struct dial_confirm_legs *cl, size_t i, struct sg_channel *leg, const char *call_id,
			      unsigned *ms)
{
	const struct dial_confirm *c = i < DIAL_MAX_LEGS ? cl->cfg[i] : NULL;
	if (!c)
		return false;
	cl->pending[i] = true;
	*ms = (unsigned)(c->timeout * 1000);
	const struct sg_rtp_api *rtp = sg_rtp_api();
	struct sg_rtp_session *s = sg_chan_rtp(leg);
	const char *files[] = {c->prompt};
	struct sg_rtp_play_opts o = {.files = files, .nfiles = 1, .loop = true};
	int rc = rtp && s ? rtp->play(s, &o, prompt_done, NULL) : -1;
	SG_INFO("dialplan", "call %s: %s answered; waiting %g s for it to press %c%s", call_id, sg_chan_name(leg),
		c->timeout, c->digit, rc ? " (no media to play the prompt on)" : "");
	return true;
}

bool sg_dial_confirm_digit(struct dial_confirm_legs *cl, size_t i, struct sg_channel *leg, char digit,
			   const char *call_id)
{
	if (i >= DIAL_MAX_LEGS || !cl->pending[i])
		return false;
	if (digit != cl->cfg[i]->digit) {
		SG_INFO("dialplan", "call %s: %s pressed %c, not %c: ignored", call_id, sg_chan_name(leg), digit,
			cl->cfg[i]->digit);
		return false;
	}
	cl->pending[i] = false;
	const struct sg_rtp_api *rtp = sg_rtp_api();
	if (rtp && sg_chan_rtp(leg))
		rtp->cancel(sg_chan_rtp(leg)); /* the prompt gives way to the conversation */
	SG_INFO("dialplan", "call %s: %s accepted the call", call_id, sg_chan_name(leg));
	return true;
}

bool sg_dial_confirm_end(struct dial_confirm_legs *cl, size_t i, struct sg_channel *leg, const char *call_id,
			 const char *why)
{
	if (i >= DIAL_MAX_LEGS || !cl->pending[i])
		return false;
	cl->pending[i] = false;
	SG_INFO("dialplan", "call %s: %s did not accept the call (%s)", call_id, sg_chan_name(leg), why);
	return true;
}

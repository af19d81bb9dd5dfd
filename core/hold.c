/*
 * hold.c: what the PBX does when a party puts a call on hold: finds the held
 * party (the leg bridged to the holding one) and the call both belong to, asks
 * the call's on_hold hook, and plays music on hold to the held party from
 * sounds_dir/moh/<class>/ (res_rtp plays it), going on for each call where its
 * music stopped the last time. While the music plays the relay sends the held
 * phone nothing else; when the hold ends the music stops and the relay carries
 * both ways again. call:dial{music=...} uses the same music while it searches.
 * Main thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include <strowger/bridge.h>
#include <strowger/log.h>
#include <strowger/rtp.h>

#include "call_priv.h"
#include "channel_priv.h"
#include "dp_priv.h"

#define TAG "core"
#define DEFAULT_CLASS "default"

/* One playback of music to one leg. It lives until its done arrives or, when
 * none will (the leg went, its session was released or cancelled), until
 * sg_moh_forget: every one is listed so nothing is lost in between. */
struct hold_music {
	struct hold_music *next;
	struct sg_channel *to;	   /* the leg hearing it (no reference: forget runs first) */
	struct sg_channel *keeper; /* keeps the call's place in the music (a reference) */
	bool for_hold;		   /* a hold's music ends with the bridge */
	char cls[65];
};

/* Classes whose folder was missing or empty: said once each, not at every hold. */
#define WARNED_MAX 16
static char warned[WARNED_MAX][65];
static size_t nwarned;

static bool warn_once(const char *cls)
{
	for (size_t i = 0; i < nwarned; i++)
		if (!strcmp(warned[i], cls))
			return false;
	if (nwarned < WARNED_MAX)
		snprintf(warned[nwarned++], sizeof(warned[0]), "%s", cls);
	return true;
}

static struct hold_music *musics;

static void music_free(struct hold_music *m)
{
	for (struct hold_music **pp = &musics; *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	sg_chan_unref(m->keeper);
	free(m);
}

/* The playback ended (stopped, replaced, or it could not play): the call's place
 * in the music is kept for the next time. */
static void music_done(struct sg_rtp_session *s, const struct sg_rtp_done *d, void *arg)
{
	(void)s;
	struct hold_music *m = arg;
	if (sg_chan_music(m->to) == m)
		sg_chan_set_music(m->to, NULL);
	if (d->end == SG_RTP_END_ERROR) {
		if (warn_once(m->cls))
			SG_WARNING(TAG, "no music on hold for class '%s': %s (the call goes on without)", m->cls,
				   d->error);
	} else {
		struct sg_moh_pos *pos = sg_chan_moh_pos(m->keeper);
		snprintf(pos->cls, sizeof(pos->cls), "%s", m->cls);
		pos->file = d->file;
		pos->ms = d->file_ms;
		SG_INFO(TAG, "%s: music on hold '%s' stopped at file %zu, %.1f s", sg_chan_name(m->keeper), m->cls,
			d->file + 1, d->file_ms / 1000.0);
	}
	music_free(m);
}

int sg_moh_start(struct sg_channel *to, struct sg_channel *keeper, const char *cls, bool for_hold)
{
	const struct sg_rtp_api *rtp = sg_rtp_api();
	struct sg_rtp_session *s = sg_chan_rtp(to);
	if (!rtp || !s)
		return -ENOTSUP;
	sg_moh_stop(to);
	struct hold_music *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	*m = (struct hold_music){.to = to, .keeper = sg_chan_ref(keeper), .for_hold = for_hold};
	snprintf(m->cls, sizeof(m->cls), "%s", cls);
	/* Another class starts from its beginning; the same one goes on. */
	const struct sg_moh_pos *pos = sg_chan_moh_pos(keeper);
	bool same = !strcmp(pos->cls, cls);
	struct sg_rtp_play_opts o = {.moh_class = cls, .loop = true, .start_file = same ? pos->file : 0,
				     .start_ms = same ? pos->ms : 0};
	int rc = rtp->play(s, &o, music_done, m);
	if (rc) {
		SG_WARNING(TAG, "%s: cannot play music on hold '%s': %s", sg_chan_name(to), cls, strerror(-rc));
		music_free(m);
		return rc;
	}
	m->next = musics;
	musics = m;
	sg_chan_set_music(to, m);
	SG_INFO(TAG, "%s: music on hold '%s' from file %zu, %.1f s", sg_chan_name(to), cls, o.start_file + 1,
		o.start_ms / 1000.0);
	return 0;
}

void sg_moh_stop(struct sg_channel *to)
{
	struct hold_music *m = sg_chan_music(to);
	if (!m)
		return;
	sg_chan_set_music(to, NULL);
	const struct sg_rtp_api *rtp = sg_rtp_api();
	struct sg_rtp_session *s = sg_chan_rtp(to);
	if (rtp && s)
		rtp->play_stop(s); /* music_done saves the place and frees m */
	else
		music_free(m); /* no session: no done will come */
}

void sg_moh_forget(struct sg_channel *to)
{
	bool any = false;
	for (struct hold_music *m = musics; m && !any; m = m->next)
		any = m->to == to;
	if (!any)
		return;
	sg_chan_set_music(to, NULL);
	/* A session still there is told to drop its dones (none comes for a
	 * released one): then nothing refers to these any more. */
	const struct sg_rtp_api *rtp = sg_rtp_api();
	struct sg_rtp_session *s = sg_chan_rtp(to);
	if (rtp && s)
		rtp->cancel(s);
	struct hold_music *gone = NULL;
	for (struct hold_music **pp = &musics; *pp;) {
		struct hold_music *m = *pp;
		if (m->to != to) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		m->next = gone;
		gone = m;
	}
	/* Unlinked first: dropping a keeper may destroy it, which forgets its own. */
	while (gone) {
		struct hold_music *m = gone;
		gone = m->next;
		sg_chan_unref(m->keeper);
		free(m);
	}
}

void sg_moh_unbridged(struct sg_channel *ch)
{
	struct hold_music *m = sg_chan_music(ch);
	if (m && m->for_hold)
		sg_moh_stop(ch);
}

/* --- the on_hold hook --- */

struct hold_event {
	struct sg_channel *holder, *held;
	bool on, by_caller;
	bool music;	 /* play music (the hook did not say false) */
	char cls[65];	 /* which */
};

static void push_hold_info(lua_State *T, void *arg)
{
	const struct hold_event *e = arg;
	lua_createtable(T, 0, 5);
	lua_pushboolean(T, e->on);
	lua_setfield(T, -2, "held");
	lua_pushstring(T, e->by_caller ? "caller" : "callee");
	lua_setfield(T, -2, "by");
	lua_pushstring(T, sg_chan_name(e->holder));
	lua_setfield(T, -2, "channel");
	if (e->held) {
		lua_pushstring(T, sg_chan_name(e->held));
		lua_setfield(T, -2, "held_channel");
	}
	lua_pushstring(T, e->cls);
	lua_setfield(T, -2, "music");
}

/* A class is a folder name under sounds/moh/. */
static bool class_ok(const char *s, size_t len)
{
	if (!len || len > 64 || s[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == '\\' || (unsigned char)s[i] < 0x20)
			return false;
	return true;
}

/* nil or true: the default music; false: none; a string: that class. */
static int read_hold_result(lua_State *T, int nres, void *arg)
{
	struct hold_event *e = arg;
	if (nres < 1 || lua_isnil(T, -nres))
		return 0;
	int t = lua_type(T, -nres);
	if (t == LUA_TBOOLEAN) {
		e->music = lua_toboolean(T, -nres);
		return 0;
	}
	size_t len = 0;
	const char *s = t == LUA_TSTRING ? lua_tolstring(T, -nres, &len) : NULL;
	if (!s || !class_ok(s, len)) {
		SG_WARNING("dialplan", "on_hold: returned %s; a music class (a folder name under sounds/moh/), "
			   "false or nil expected", s ? "a string that is no folder name" : luaL_typename(T, -nres));
		return -1;
	}
	snprintf(e->cls, sizeof(e->cls), "%s", s);
	return 0;
}

void sg_hold_changed(struct sg_channel *holder, bool on)
{
	struct sg_bridge *br = sg_chan_bridge(holder);
	struct sg_channel *held = br ? sg_bridge_peer(br, holder) : NULL;
	/* An outgoing leg belongs to the call of the caller it is bridged to. */
	struct sg_call *call = sg_chan_call(holder);
	if (!call && held)
		call = sg_chan_call(held);
	struct hold_event e = {.holder = holder, .held = held, .on = on, .music = true,
			       .by_caller = call && sg_call_channel(call) == holder};
	snprintf(e.cls, sizeof(e.cls), "%s", DEFAULT_CLASS);
	if (held)
		SG_INFO(TAG, "%s %s %s", sg_chan_name(holder), on ? "put on hold" : "took off hold",
			sg_chan_name(held));
	else
		SG_INFO(TAG, "%s %s the call; nobody else in it%s", sg_chan_name(holder),
			on ? "put on hold" : "took back", on ? ": what the PBX plays to it waits meanwhile" : "");
	if (call && sg_dp_hook(call, "on_hold", push_hold_info, read_hold_result, &e) < 0) {
		e.music = true; /* a failed hook: as if there were none */
		snprintf(e.cls, sizeof(e.cls), "%s", DEFAULT_CLASS);
	}
	/* The hook may have hung the call up. */
	if (!held || sg_chan_state(held) == SG_CHAN_GONE || sg_chan_bridge(holder) != br)
		return;
	if (!on) {
		struct hold_music *m = sg_chan_music(held);
		if (m && m->for_hold)
			sg_moh_stop(held);
		return;
	}
	if (!e.music) {
		SG_INFO(TAG, "%s: no music on hold (on_hold said false)", sg_chan_name(held));
		return;
	}
	struct sg_channel *keeper = call ? sg_call_channel(call) : held;
	sg_moh_start(held, keeper, e.cls, true);
}

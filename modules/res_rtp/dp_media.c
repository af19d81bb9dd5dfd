/*
 * dp_media.c: the dialplan's media methods, which res_rtp adds to the call object:
 * call:playback(), call:record() and call:read_digits(). Each waits (the call's
 * coroutine yields) until the worker reports the end, a digit, or a timer fires;
 * a hang-up cancels it (a recording is still saved). Main thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/call.h>
#include <strowger/channel.h>
#include <strowger/config.h>
#include <strowger/dialplan.h>
#include <strowger/log.h>
#include <strowger/loop.h>

#include "media.h"

#define MAX_FILES 32
#define ALL_DIGITS "0123456789*#ABCD"

static struct sg_module *self;

static const char *const end_names[] = {
	[SG_RTP_END_DONE] = "done",	  [SG_RTP_END_DIGIT] = "digit", [SG_RTP_END_MAX] = "max",
	[SG_RTP_END_SILENCE] = "silence", [SG_RTP_END_ERROR] = "error",
};

/* The call's RTP session, answering the call first if it is not up yet, unless
 * early media flows (call:progress() sent 183 with SDP: the session is
 * negotiated). NULL with a reason pushed as {status="error", error=...}. */
static struct media_session *call_session(lua_State *L, struct sg_call *call)
{
	struct sg_channel *ch = sg_call_channel(call);
	struct sg_rtp_session *s = ch ? sg_chan_rtp(ch) : NULL;
	const char *why = !s ? "the call has no RTP media" : NULL;
	bool early = s && sg_chan_state(ch) == SG_CHAN_PROGRESS && ((struct media_session *)s)->sdp.negotiated;
	if (s && sg_chan_state(ch) != SG_CHAN_UP && !early) {
		int rc = sg_chan_answer(ch);
		if (rc)
			why = "the call cannot be answered";
	}
	if (why) {
		sg_dp_push_result(L, "error");
		lua_pushstring(L, why);
		lua_setfield(L, -2, "error");
		return NULL;
	}
	return (struct media_session *)s;
}

/* Files from a string or an array of strings at idx, into files[]; their count. */
static size_t check_files(lua_State *L, int idx, const char **files)
{
	if (lua_type(L, idx) == LUA_TSTRING) {
		files[0] = lua_tostring(L, idx);
		return 1;
	}
	luaL_argcheck(L, lua_istable(L, idx), idx, "a sound name or a list of them");
	size_t n = 0;
	for (lua_Integer i = 1; n < MAX_FILES; i++, n++) {
		lua_geti(L, idx, i);
		if (lua_isnil(L, -1)) {
			lua_pop(L, 1);
			break;
		}
		luaL_argcheck(L, lua_type(L, -1) == LUA_TSTRING, idx, "sound names are strings");
		files[n] = lua_tostring(L, -1);
		lua_pop(L, 1); /* the table keeps the string alive */
	}
	luaL_argcheck(L, n > 0, idx, "no sound to play");
	return n;
}

static const char *opt_string(lua_State *L, int idx, const char *key, const char *def)
{
	if (lua_type(L, idx) != LUA_TTABLE)
		return def;
	lua_getfield(L, idx, key);
	const char *v = lua_isnil(L, -1) ? def : luaL_checkstring(L, -1);
	lua_pop(L, 1); /* kept alive by the options table */
	return v;
}

static double opt_number(lua_State *L, int idx, const char *key, double def, double lo, double hi)
{
	if (lua_type(L, idx) != LUA_TTABLE)
		return def;
	lua_getfield(L, idx, key);
	double v = lua_isnil(L, -1) ? def : luaL_checknumber(L, -1);
	lua_pop(L, 1);
	if (!(v >= lo && v <= hi))
		luaL_error(L, "option %s: from %g to %g", key, lo, hi);
	return v;
}

static bool opt_bool(lua_State *L, int idx, const char *key, bool def)
{
	if (lua_type(L, idx) != LUA_TTABLE)
		return def;
	lua_getfield(L, idx, key);
	bool v = lua_isnil(L, -1) ? def : lua_toboolean(L, -1);
	lua_pop(L, 1);
	return v;
}

/* --- call:playback(files, {stop=digits, loop=bool}) --- */

struct media_wait {
	struct sg_dp_wait *wait;
	struct media_session *s; /* a reference */
	struct sg_rtp_done done;
	char path[1024];
};

static void wait_free(struct media_wait *w)
{
	media_session_unref(w->s);
	free(w);
}

static int push_done(lua_State *L, void *arg)
{
	struct media_wait *w = arg;
	sg_dp_push_result(L, end_names[w->done.end]);
	lua_pushnumber(L, w->done.ms / 1000.0);
	lua_setfield(L, -2, "seconds");
	if (w->done.end == SG_RTP_END_DIGIT) {
		lua_pushlstring(L, &w->done.digit, 1);
		lua_setfield(L, -2, "digit");
	}
	if (w->done.end == SG_RTP_END_ERROR) {
		lua_pushstring(L, w->done.error);
		lua_setfield(L, -2, "error");
	}
	if (w->done.skipped) { /* sounds of the list that could not be opened */
		lua_pushinteger(L, w->done.skipped);
		lua_setfield(L, -2, "skipped");
	}
	if (w->path[0]) {
		lua_pushstring(L, w->path);
		lua_setfield(L, -2, "path");
	}
	wait_free(w);
	return 1;
}

static void media_done(struct sg_rtp_session *s, const struct sg_rtp_done *d, void *arg)
{
	struct media_wait *w = arg;
	(void)s;
	w->done = *d;
	sg_dp_wake(w->wait, push_done, w);
}

/* The caller hung up: the playback stops, a recording is closed and kept. */
static void media_wait_cancel(void *arg)
{
	struct media_wait *w = arg;
	if (!w->s->released)
		media_cancel((struct sg_rtp_session *)w->s);
	wait_free(w);
}

static int m_playback(lua_State *L)
{
	struct sg_call *call = sg_dp_check_call(L, 1);
	const char *files[MAX_FILES];
	size_t n = check_files(L, 2, files);
	struct sg_rtp_play_opts o = {.files = files, .nfiles = n, .stop_digits = opt_string(L, 3, "stop", ALL_DIGITS),
				     .loop = opt_bool(L, 3, "loop", false), .language = sg_call_language(call)};
	if (sg_call_hungup(call)) /* hang-up is enforced: the coroutine ends here */
		return sg_dp_wait(L, call, self, NULL, NULL, NULL);
	struct media_session *s = call_session(L, call);
	if (!s)
		return 1;
	/* A digit pressed before (type-ahead) ends it at once, and stays to be read. */
	for (size_t i = 0; i < s->ndigits; i++)
		if (media_digit_bit(s->digits[i]) & media_digit_set(o.stop_digits)) {
			sg_dp_push_result(L, "digit");
			lua_pushlstring(L, &s->digits[i], 1);
			lua_setfield(L, -2, "digit");
			return 1;
		}
	struct media_wait *w = calloc(1, sizeof(*w));
	if (!w)
		return luaL_error(L, "out of memory");
	w->s = media_session_ref(s);
	int rc = media_play((struct sg_rtp_session *)s, &o, media_done, w);
	if (rc) {
		wait_free(w);
		return luaL_error(L, "call:playback: %s", rc == -EINVAL ? "no codec agreed with the phone yet"
									: strerror(-rc));
	}
	return sg_dp_wait(L, call, self, media_wait_cancel, w, &w->wait);
}

/* --- call:record(path, {max=, silence=, beep=, stop=}) --- */

static void record_done(struct sg_rtp_session *hs, const struct sg_rtp_done *d, void *arg)
{
	struct media_session *s = (struct media_session *)hs;
	/* The digit that ended the recording is its terminator, not type-ahead. */
	if (d->end == SG_RTP_END_DIGIT) {
		char *p = memchr(s->digits, d->digit, s->ndigits);
		if (p) {
			memmove(p, p + 1, s->ndigits - (size_t)(p - s->digits) - 1);
			s->ndigits--;
		}
	}
	media_done(hs, d, arg);
}

static int m_record(lua_State *L)
{
	struct sg_call *call = sg_dp_check_call(L, 1);
	const char *path = luaL_checkstring(L, 2);
	luaL_argcheck(L, *path, 2, "a file name");
	struct sg_rtp_record_opts o = {
		.max_ms = (uint32_t)(opt_number(L, 3, "max", 0, 0, 86400) * 1000),
		.silence_ms = (uint32_t)(opt_number(L, 3, "silence", 0, 0, 3600) * 1000),
		.beep = opt_bool(L, 3, "beep", false),
		.stop_digits = opt_string(L, 3, "stop", "#"),
	};
	if (sg_call_hungup(call)) /* hang-up is enforced: the coroutine ends here */
		return sg_dp_wait(L, call, self, NULL, NULL, NULL);
	struct media_session *s = call_session(L, call);
	if (!s)
		return 1;
	struct media_wait *w = calloc(1, sizeof(*w));
	if (!w)
		return luaL_error(L, "out of memory");
	/* A relative name lands in the data folder (settings.data_dir). */
	if (path[0] == '/')
		snprintf(w->path, sizeof(w->path), "%s", path);
	else
		snprintf(w->path, sizeof(w->path), "%s/%s", sg_config_data_dir(), path);
	o.path = w->path;
	w->s = media_session_ref(s);
	int rc = media_record((struct sg_rtp_session *)s, &o, record_done, w);
	if (rc) {
		wait_free(w);
		return luaL_error(L, "call:record: %s", rc == -EBUSY	? "already recording"
							 : rc == -EINVAL ? "no codec agreed with the phone yet"
									 : strerror(-rc));
	}
	return sg_dp_wait(L, call, self, media_wait_cancel, w, &w->wait);
}

/* --- call:read_digits{max=, timeout=, terminator=, prompt=} --- */

struct read_op {
	struct sg_dp_wait *wait;
	struct media_session *s; /* a reference */
	struct sg_timer *timer;
	char digits[64];
	size_t n, max;
	char terminator;
	unsigned timeout_ms;
	bool prompting, finished;
	const char *reason;
	char error[200];
};

static void read_free(struct read_op *op)
{
	if (!op->s->released && op->s->digit_hook)
		op->s->digit_hook = NULL;
	sg_timer_free(op->timer);
	media_session_unref(op->s);
	free(op);
}

static int push_digits(lua_State *L, void *arg)
{
	struct read_op *op = arg;
	bool timeout = !strcmp(op->reason, "timeout") && op->n == 0;
	sg_dp_push_result(L, op->error[0] ? "error" : timeout ? "timeout" : "ok");
	lua_pushlstring(L, op->digits, op->n);
	lua_setfield(L, -2, "digits");
	lua_pushstring(L, op->reason);
	lua_setfield(L, -2, "reason");
	if (op->error[0]) {
		lua_pushstring(L, op->error);
		lua_setfield(L, -2, "error");
	}
	read_free(op);
	return 1;
}

static void read_finish(struct read_op *op, const char *reason)
{
	if (op->finished)
		return;
	op->finished = true;
	op->reason = reason;
	op->s->digit_hook = NULL;
	if (op->prompting)
		media_cancel((struct sg_rtp_session *)op->s);
	sg_timer_stop(op->timer);
	sg_dp_wake(op->wait, push_digits, op);
}

/* Takes the digits waiting in the session's buffer. */
static void read_take(struct media_session *s, void *arg)
{
	struct read_op *op = arg;
	char d;
	while (!op->finished && (d = media_take_digit(s))) {
		if (op->terminator && d == op->terminator) {
			read_finish(op, "terminator");
			return;
		}
		op->digits[op->n++] = d;
		if (op->n >= op->max) {
			read_finish(op, "max");
			return;
		}
	}
	if (!op->finished && !op->prompting)
		sg_timer_restart(op->timer, op->timeout_ms); /* the time per digit starts over */
}

static void read_timeout(struct sg_timer *t, void *arg)
{
	(void)t;
	read_finish(arg, "timeout");
}

static void prompt_done(struct sg_rtp_session *s, const struct sg_rtp_done *d, void *arg)
{
	struct read_op *op = arg;
	(void)s;
	op->prompting = false;
	if (d->end == SG_RTP_END_ERROR)
		snprintf(op->error, sizeof(op->error), "%s", d->error);
	read_take(op->s, op);
}

static void read_cancel(void *arg)
{
	struct read_op *op = arg;
	if (op->prompting && !op->s->released)
		media_cancel((struct sg_rtp_session *)op->s);
	read_free(op);
}

static int m_read_digits(lua_State *L)
{
	struct sg_call *call = sg_dp_check_call(L, 1);
	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TTABLE);
	size_t max = (size_t)opt_number(L, 2, "max", 1, 1, 63);
	double timeout = opt_number(L, 2, "timeout", 5, 0.1, 3600);
	const char *term = opt_string(L, 2, "terminator", "#");
	luaL_argcheck(L, strlen(term) <= 1, 2, "terminator: one digit, or \"\" for none");
	const char *files[MAX_FILES];
	size_t nfiles = 0;
	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "prompt");
		if (!lua_isnil(L, -1))
			nfiles = check_files(L, lua_gettop(L), files);
		lua_pop(L, 1); /* the options table keeps the names alive */
	}
	if (sg_call_hungup(call)) /* hang-up is enforced: the coroutine ends here */
		return sg_dp_wait(L, call, self, NULL, NULL, NULL);
	struct media_session *s = call_session(L, call);
	if (!s)
		return 1;
	struct read_op *op = calloc(1, sizeof(*op));
	if (!op)
		return luaL_error(L, "out of memory");
	op->s = media_session_ref(s);
	op->max = max;
	op->terminator = term[0];
	op->timeout_ms = (unsigned)(timeout * 1000);
	op->reason = "timeout";
	op->timer = sg_timer_start(sg_loop_main(), self, op->timeout_ms, 0, read_timeout, op);
	if (!op->timer) {
		read_free(op);
		return luaL_error(L, "out of memory");
	}
	s->digit_hook = read_take;
	s->digit_arg = op;
	/* Digits typed ahead count; a prompt plays only while none are there. */
	if (nfiles && !s->ndigits) {
		struct sg_rtp_play_opts o = {.files = files, .nfiles = nfiles, .stop_digits = ALL_DIGITS,
					     .language = sg_call_language(call)};
		if (media_play((struct sg_rtp_session *)s, &o, prompt_done, op) == 0) {
			op->prompting = true;
			sg_timer_stop(op->timer);
		}
	}
	read_take(s, op);
	if (op->finished) {
		/* Everything was typed ahead: no need to wait. */
		op->finished = false;
		op->s->digit_hook = NULL;
		sg_timer_stop(op->timer);
		return push_digits(L, op);
	}
	return sg_dp_wait(L, call, self, read_cancel, op, &op->wait);
}

static const luaL_Reg methods[] = {
	{"playback", m_playback},
	{"record", m_record},
	{"read_digits", m_read_digits},
	{NULL, NULL},
};

int media_dp_register(struct sg_module *m)
{
	self = m;
	return sg_dp_add_call_methods(m, methods);
}

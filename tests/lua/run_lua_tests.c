/*
 * run_lua_tests.c: runs a dialplan test file in-process, on the real core. The file
 * is an ordinary Strowger entry file (settings, users, extensions) plus a `tests`
 * list; each case places a call from a Test phone and checks what the PBX did:
 *
 *   tests = {
 *     { name = "answers", call = "100", from = "1000", context = "office",
 *       hangup_after = 0.1,               -- the caller hangs up after 0.1 s
 *       expect = { "answer", "hangup:normal" },  -- what the phone saw, in order
 *       log = { "said hello" },           -- substrings that must be logged
 *       nolog = { "never" },              -- substrings that must not be
 *       headers = { { "User-Agent", "x" } },  -- the request's headers (sg_call_params)
 *       timeout = 5 },
 *     { name = "pure Lua", run = function() assert(pbx.exists("office", "100")) end },
 *   }
 * Prints "ok - NAME" / "not ok - NAME: why" per case; exits 1 if any failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include <strowger/call.h>
#include <strowger/channel.h>
#include <strowger/log.h>
#include <strowger/loop.h>

#include "buf.h"
#include "call_priv.h"
#include "channel_priv.h"
#include "cli_priv.h"
#include "dp_priv.h"
#include "log_priv.h"
#include "loop_priv.h"

const struct sg_chan_tech *chan_test_tech(void);
void chan_test_on_done(void (*fn)(const char *name, const char *events));
int chan_test_call(const char *exten, const char *from, const char *context, struct sg_channel **out);
void chan_test_finish(struct sg_channel *ch);
void chan_test_set_headers(const struct sg_call_header *h, size_t n);

static struct sg_buf logbuf;
static char last_events[512];
static bool verbose;

static void capture(enum sg_log_level level, const char *line)
{
	(void)level;
	sg_buf_printf(&logbuf, "%s\n", line);
	if (verbose)
		fprintf(stderr, "%s\n", line);
}

static char incoming_name[96];
static char start_events[512]; /* a call refused at start: its leg's events */
/* Outgoing legs of the current case: "label events" lines, label being the
 * destination the leg was created for ("Test/answer-000007" -> "answer"). */
static struct sg_buf out_legs;

static void done(const char *name, const char *events)
{
	if (!incoming_name[0] && strstr(events, "start:")) {
		snprintf(start_events, sizeof(start_events), "%s", events);
		return;
	}
	if (!strcmp(name, incoming_name)) {
		snprintf(last_events, sizeof(last_events), "%s", events);
		return;
	}
	const char *slash = strchr(name, '/'), *dash = strrchr(name, '-');
	if (slash && dash && dash > slash)
		sg_buf_printf(&out_legs, "%.*s=%s\n", (int)(dash - slash - 1), slash + 1, events);
}

/* legs = { answer = "call hangup:normal", ... }: each outgoing leg's events. */
static bool check_legs(lua_State *L, int idx, struct sg_buf *why)
{
	bool ok = true;
	lua_getfield(L, idx, "legs");
	if (lua_istable(L, -1)) {
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			char want[600];
			snprintf(want, sizeof(want), "%s=%s\n", lua_tostring(L, -2), lua_tostring(L, -1));
			if (!strstr(sg_buf_str(&out_legs), want)) {
				sg_buf_printf(why, "%sleg %s did not see \"%s\" (legs: %s)", why->len ? "; " : "",
					      lua_tostring(L, -2), lua_tostring(L, -1), sg_buf_str(&out_legs));
				ok = false;
			}
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	return ok;
}

static void remote_hangup(struct sg_timer *t, void *arg)
{
	(void)t;
	struct sg_channel *ch = arg;
	if (sg_chan_state(ch) != SG_CHAN_GONE)
		sg_chan_remote_hangup(ch, SG_CAUSE_NORMAL);
}

/* Field `key` of the case table at idx as a string (NULL when absent). */
static const char *opt_string(lua_State *L, int idx, const char *key)
{
	lua_getfield(L, idx, key);
	const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
	lua_pop(L, 1); /* the case table keeps the string alive */
	return s;
}

/* Joins a string or a list of strings (field `key`) with spaces. */
static void joined(lua_State *L, int idx, const char *key, struct sg_buf *out)
{
	lua_getfield(L, idx, key);
	if (lua_type(L, -1) == LUA_TSTRING) {
		sg_buf_printf(out, "%s", lua_tostring(L, -1));
	} else if (lua_istable(L, -1)) {
		for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
			lua_rawgeti(L, -1, i);
			sg_buf_printf(out, "%s%s", i > 1 ? " " : "", lua_tostring(L, -1));
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
}

/* Checks each string of field `key` against the captured log. */
static bool check_log(lua_State *L, int idx, const char *key, bool present, struct sg_buf *why)
{
	bool ok = true;
	lua_getfield(L, idx, key);
	if (lua_type(L, -1) == LUA_TSTRING) {
		lua_newtable(L);
		lua_insert(L, -2);
		lua_rawseti(L, -2, 1);
	}
	if (lua_istable(L, -1)) {
		for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
			lua_rawgeti(L, -1, i);
			const char *want = lua_tostring(L, -1);
			if (want && (strstr(sg_buf_str(&logbuf), want) != NULL) != present) {
				sg_buf_printf(why, "%slog %s \"%s\"", why->len ? "; " : "",
					      present ? "lacks" : "has", want);
				ok = false;
			}
			lua_pop(L, 1);
		}
	}
	lua_pop(L, 1);
	return ok;
}

/* headers = { { name, value }, ... } of the case at idx, for the next call; the
 * case table keeps the strings alive. */
static void set_headers(lua_State *L, int idx)
{
	static struct sg_call_header h[2 * SG_CALL_MAX_HEADERS];
	size_t n = 0;
	lua_getfield(L, idx, "headers");
	lua_Integer count = lua_istable(L, -1) ? (lua_Integer)lua_rawlen(L, -1) : 0;
	for (lua_Integer i = 1; i <= count && n < 2 * SG_CALL_MAX_HEADERS; i++) {
		lua_rawgeti(L, -1, i);
		lua_rawgeti(L, -1, 1);
		lua_rawgeti(L, -2, 2);
		h[n++] = (struct sg_call_header){.name = lua_tostring(L, -2), .value = lua_tostring(L, -1)};
		lua_pop(L, 3);
	}
	lua_pop(L, 1);
	chan_test_set_headers(h, n);
}

static bool run_call_case(lua_State *L, int idx, struct sg_buf *why)
{
	const char *exten = opt_string(L, idx, "call");
	const char *from = opt_string(L, idx, "from");
	const char *context = opt_string(L, idx, "context");
	lua_getfield(L, idx, "hangup_after");
	double hangup_after = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : -1;
	lua_getfield(L, idx, "timeout");
	double timeout = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : 5;
	lua_pop(L, 2);

	struct sg_channel *ch = NULL;
	struct sg_timer *hangup = NULL;
	last_events[0] = '\0';
	incoming_name[0] = '\0';
	sg_buf_consume(&out_legs, out_legs.len);
	set_headers(L, idx);
	int rc = chan_test_call(exten, from ? from : "test", context, &ch);
	chan_test_set_headers(NULL, 0);
	if (rc == 0) {
		snprintf(incoming_name, sizeof(incoming_name), "%s", sg_chan_name(ch));
		if (hangup_after >= 0)
			hangup = sg_timer_start(sg_loop_main(), NULL, (uint64_t)(hangup_after * 1000), 0,
						remote_hangup, ch);
		uint64_t deadline = sg_loop_now_ms(sg_loop_main()) + (uint64_t)(timeout * 1000);
		while ((sg_chan_state(ch) != SG_CHAN_GONE || sg_calls_active()) &&
		       sg_loop_now_ms(sg_loop_main()) < deadline)
			sg_loop_run_once(sg_loop_main(), true);
		bool timed_out = sg_chan_state(ch) != SG_CHAN_GONE || sg_calls_active();
		if (timed_out) {
			sg_buf_printf(why, "still running after %.1f s; ", timeout);
			sg_dp_calls_end_all(SG_CAUSE_SHUTDOWN);
		}
		sg_timer_free(hangup);
		chan_test_finish(ch);
		/* Let deferred work (resume timers of ended calls) settle. */
		sg_loop_run_once(sg_loop_main(), false);
		/* What `core show channels` would list: nothing may be left ringing. */
		if (sg_chans_active()) {
			sg_buf_printf(why, "%u channel(s) still up after the call; ", sg_chans_active());
			sg_chans_hangup_all(SG_CAUSE_SHUTDOWN);
		}
	} else {
		snprintf(last_events, sizeof(last_events), "%s", start_events);
	}
	struct sg_buf expect;
	sg_buf_init(&expect);
	joined(L, idx, "expect", &expect);
	bool ok = !why->len;
	if (strcmp(sg_buf_str(&expect), last_events)) {
		sg_buf_printf(why, "the phone saw \"%s\", expected \"%s\"", last_events, sg_buf_str(&expect));
		ok = false;
	}
	sg_buf_free(&expect);
	return ok;
}

static int traceback(lua_State *L)
{
	luaL_traceback(L, L, lua_tostring(L, 1), 1);
	return 1;
}

int main(int argc, char **argv)
{
	char err[1024];
	if (argc != 2) {
		fprintf(stderr, "usage: run_lua_tests FILE.lua\n");
		return 2;
	}
	verbose = getenv("VERBOSE") != NULL;
	sg_log_init();
	sg_log_to_stderr(false);
	sg_log_set_level(SG_LOG_INFO);
	sg_buf_init(&logbuf);
	sg_log_set_sink(capture);
	if (sg_main_loop_init() || sg_dp_init(0))
		return 1;
	sg_chan_tech_register(NULL, chan_test_tech());
	chan_test_on_done(done);

	struct sg_core_settings s;
	struct dp_gen *g = sg_dp_load(argv[1], false, &s, err, sizeof(err));
	if (!g) {
		printf("not ok - load %s: %s\n", argv[1], err);
		return 1;
	}
	sg_dp_activate(g);
	sg_core_settings_set(&s);
	sg_config_apply_runtime(&s);
	sg_log_set_level(SG_LOG_INFO);
	sg_dp_set_memory_cap((size_t)s.max_memory_mb << 20);

	lua_State *L = sg_dp_state();
	lua_rawgeti(L, LUA_REGISTRYINDEX, g->env_ref);
	lua_getfield(L, -1, "tests");
	int tests = lua_gettop(L);
	if (!lua_istable(L, tests)) {
		printf("not ok - %s: defines no `tests` list\n", argv[1]);
		return 1;
	}
	int failed = 0, ran = 0;
	for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, tests); i++) {
		lua_rawgeti(L, tests, i);
		int idx = lua_gettop(L);
		const char *name = opt_string(L, idx, "name");
		struct sg_buf why;
		sg_buf_init(&why);
		sg_buf_consume(&logbuf, logbuf.len);
		bool ok;
		lua_getfield(L, idx, "run");
		if (lua_isfunction(L, -1)) {
			lua_pushcfunction(L, traceback);
			lua_insert(L, -2);
			ok = lua_pcall(L, 0, 0, -2) == LUA_OK;
			if (!ok)
				sg_buf_printf(&why, "%s", lua_tostring(L, -1));
			lua_settop(L, idx);
		} else {
			lua_pop(L, 1);
			ok = run_call_case(L, idx, &why);
		}
		ok &= check_legs(L, idx, &why);
		ok &= check_log(L, idx, "log", true, &why);
		ok &= check_log(L, idx, "nolog", false, &why);
		if (ok) {
			printf("ok - %s\n", name ? name : "(unnamed)");
		} else {
			printf("not ok - %s: %s\n", name ? name : "(unnamed)", sg_buf_str(&why));
			printf("# log of this case:\n");
			const char *p = sg_buf_str(&logbuf);
			while (*p) {
				const char *nl = strchr(p, '\n');
				int len = nl ? (int)(nl - p) : (int)strlen(p);
				printf("#   %.*s\n", len, p);
				p += len + (nl ? 1 : 0);
			}
			failed++;
		}
		ran++;
		sg_buf_free(&why);
		lua_settop(L, tests);
	}
	lua_settop(L, 0);
	sg_dp_calls_end_all(SG_CAUSE_SHUTDOWN);
	sg_chans_hangup_all(SG_CAUSE_SHUTDOWN);
	sg_cli_shutdown();
	sg_dp_shutdown();
	sg_main_loop_shutdown();
	sg_log_shutdown();
	sg_buf_free(&logbuf);
	sg_buf_free(&out_legs);
	printf("# %d cases, %d failed\n", ran, failed);
	return failed ? 1 : 0;
}

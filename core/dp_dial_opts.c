/*
 * dp_dial_opts.c: reads call:dial()'s targets and options into a dial_plan. Every
 * form comes down to steps of targets rung together:
 *   call:dial("1001")                                  one step, one target
 *   call:dial{ "1001", { "1002", timeout = 10 }, timeout = 20 }   one step (parallel)
 *   call:dial({ "1001", "1002" }, { strategy = "sequential" })   a step per target
 *   call:dial{ steps = { { "1001" }, { "1001", "1002", timeout = 15 } } }
 * Mistakes raise a Lua error naming the option (with a did-you-mean for a
 * misspelt name) before anything rings.
 */
#include <math.h>
#include <string.h>

#include <lauxlib.h>

#include <strowger/config.h>

#include "config_priv.h"
#include "dp_dial.h"

#define N(a) (sizeof(a) / sizeof(*(a)))

static const char *const dial_options[] = {"timeout", "total",	   "strategy",	   "steps",
					   "record",  "caller_id", "direct_media", "confirm",
					   "music"};
static const char *const leg_options[] = {"timeout", "confirm"}; /* of a target or a step */
static const char *const cid_options[] = {"number", "name"};

static int arg_error(lua_State *L, int arg, const char *fmt, const char *a, const char *b)
{
	return luaL_argerror(L, arg, lua_pushfstring(L, fmt, a, b));
}

/* Raises an error for a key of the table at idx that is not one of names; integer
 * keys are targets, allowed when `targets` is true. */
static void check_names(lua_State *L, int arg, int idx, const char *what, const char *const *names, size_t n,
			bool targets)
{
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		lua_pop(L, 1);
		if (targets && lua_isinteger(L, -1))
			continue;
		if (lua_type(L, -1) != LUA_TSTRING)
			arg_error(L, arg, "%s: unexpected %s key (options have names)", what, luaL_typename(L, -1));
		const char *k = lua_tostring(L, -1);
		size_t i = 0;
		while (i < n && strcmp(names[i], k))
			i++;
		if (i < n)
			continue;
		const char *s = sg_config_suggest(k, names, n);
		luaL_argerror(L, arg, lua_pushfstring(L, "%s: unknown option '%s'%s%s%s", what, k,
						      s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : ""));
	}
}

/* Field `key` of the table at idx as seconds in (0, 3600]; 0 when absent. */
static double seconds(lua_State *L, int arg, int idx, const char *key, const char *what)
{
	double v = 0;
	lua_getfield(L, idx, key);
	if (!lua_isnil(L, -1)) {
		if (lua_type(L, -1) != LUA_TNUMBER)
			arg_error(L, arg, "%s%s: seconds expected", what, key);
		v = lua_tonumber(L, -1);
		if (!(v > 0 && v <= 3600) || isnan(v))
			arg_error(L, arg, "%s%s: seconds from 0 to 3600", what, key);
	}
	lua_pop(L, 1);
	return v;
}

/* confirm = ... in the table at idx, when given (dp_dial_confirm.c reads it). */
static void read_confirm_opt(lua_State *L, int arg, int idx, const char *where, struct dial_confirm *c)
{
	lua_getfield(L, idx, "confirm");
	if (!lua_isnil(L, -1)) {
		char what[80];
		snprintf(what, sizeof(what), "%s%sconfirm", where, *where ? ": " : "");
		sg_dial_read_confirm(L, arg, -1, what, c);
	}
	lua_pop(L, 1);
}

/* One target: "1001" or { "1001", timeout = 10 }, at stack index v. */
static void read_target(lua_State *L, int arg, int v, struct dial_plan *plan, const char *where)
{
	if (plan->ntargets == DIAL_MAX_TARGETS)
		luaL_argerror(L, arg, "at most 32 targets in all");
	struct dial_target *t = &plan->targets[plan->ntargets];
	const char *dest = NULL;
	t->timeout = 0;
	t->confirm = (struct dial_confirm){0};
	if (lua_istable(L, v)) {
		check_names(L, arg, v, where, leg_options, N(leg_options), true);
		lua_rawgeti(L, v, 1);
		dest = lua_type(L, -1) == LUA_TSTRING && lua_rawlen(L, v) == 1 ? lua_tostring(L, -1) : NULL;
		lua_pop(L, 1); /* the table keeps the string alive */
		if (!dest)
			arg_error(L, arg, "%s: a target table is { \"destination\", timeout = seconds }%s", where, "");
		char prefix[64];
		snprintf(prefix, sizeof(prefix), "%s: ", where);
		t->timeout = seconds(L, arg, v, "timeout", prefix);
		read_confirm_opt(L, arg, v, where, &t->confirm);
	} else if (lua_type(L, v) == LUA_TSTRING) {
		dest = lua_tostring(L, v);
	} else {
		arg_error(L, arg, "%s: a string or { \"destination\", timeout = seconds } expected, got %s", where,
			  luaL_typename(L, v));
	}
	if (!*dest || strlen(dest) >= sizeof(t->dest))
		arg_error(L, arg, "%s: '%s' is not a destination", where, dest);
	snprintf(t->dest, sizeof(t->dest), "%s", dest);
	plan->ntargets++;
}

/* The targets 1..n of the table at idx (n >= 1); returns how many. */
static size_t read_list(lua_State *L, int arg, int idx, struct dial_plan *plan, const char *where)
{
	lua_Integer len = (lua_Integer)lua_rawlen(L, idx);
	if (len < 1)
		arg_error(L, arg, "%sone to 32 targets%s", where, "");
	for (lua_Integer i = 1; i <= len; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%starget %d", where, (int)i);
		lua_rawgeti(L, idx, i);
		read_target(L, arg, lua_gettop(L), plan, name);
		lua_pop(L, 1);
	}
	return (size_t)len;
}

static void add_step(lua_State *L, int arg, struct dial_plan *plan, size_t first, double timeout)
{
	if (plan->nsteps == DIAL_MAX_STEPS)
		luaL_argerror(L, arg, "at most 16 steps");
	plan->steps[plan->nsteps++] = (struct dial_step){.first = first, .count = plan->ntargets - first, .timeout = timeout};
}

/* steps = { { "1001" }, { "1001", "1002", timeout = 15 }, ... } */
static void read_steps(lua_State *L, int arg, int idx, struct dial_plan *plan)
{
	if (!lua_istable(L, idx) || lua_rawlen(L, idx) < 1)
		luaL_argerror(L, arg, "steps: a list of steps, each a list of targets");
	check_names(L, arg, idx, "steps", NULL, 0, true);
	for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, idx); i++) {
		char where[32];
		snprintf(where, sizeof(where), "steps[%d]", (int)i);
		lua_rawgeti(L, idx, i);
		int s = lua_gettop(L);
		if (!lua_istable(L, s))
			arg_error(L, arg, "%s: a list of targets expected, got %s", where, luaL_typename(L, s));
		check_names(L, arg, s, where, leg_options, N(leg_options), true);
		size_t first = plan->ntargets;
		char prefix[40];
		snprintf(prefix, sizeof(prefix), "%s ", where);
		read_list(L, arg, s, plan, prefix);
		snprintf(prefix, sizeof(prefix), "%s: ", where);
		add_step(L, arg, plan, first, seconds(L, arg, s, "timeout", prefix));
		read_confirm_opt(L, arg, s, where, &plan->steps[plan->nsteps - 1].confirm);
		lua_pop(L, 1);
	}
}

/* A number safe in a SIP URI's user part and a display name safe in quotes. */
static bool cid_ok(const char *s, bool number)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool ok = number ? (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					   strchr("+*#.-_", c)
				 : c >= 0x20 && c != 0x7f && c != '"' && c != '\\';
		if (!ok)
			return false;
	}
	return true;
}

/* caller_id = { number = "100", name = "Reception" }: a field left out keeps the caller's. */
static void read_caller_id(lua_State *L, int arg, int idx, struct dial_plan *plan)
{
	if (!lua_istable(L, idx))
		luaL_argerror(L, arg, "caller_id: a table { number = \"100\", name = \"Reception\" } expected");
	check_names(L, arg, idx, "caller_id", cid_options, N(cid_options), false);
	lua_getfield(L, idx, "number");
	if (!lua_isnil(L, -1)) {
		const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		if (!s || !*s || strlen(s) >= sizeof(plan->cid_number) || !cid_ok(s, true))
			luaL_argerror(L, arg, "caller_id.number: digits, letters or + * # . - _ (1 to 63)");
		snprintf(plan->cid_number, sizeof(plan->cid_number), "%s", s);
		plan->cid_number_set = true;
	}
	lua_getfield(L, idx, "name");
	if (!lua_isnil(L, -1)) {
		const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		if (!s || strlen(s) >= sizeof(plan->cid_name) || !cid_ok(s, false))
			luaL_argerror(L, arg, "caller_id.name: text without quotes, backslashes or control "
					      "characters (up to 127 bytes)");
		snprintf(plan->cid_name, sizeof(plan->cid_name), "%s", s);
		plan->cid_name_set = true;
	}
	lua_pop(L, 2);
}

static void read_record(lua_State *L, int arg, int idx, struct dial_plan *plan)
{
	lua_getfield(L, idx, "record");
	if (!lua_isnil(L, -1)) {
		const char *path = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
		luaL_argcheck(L, *path, arg, "record: a file name");
		/* A relative name lands in the data folder, as call:record's do. */
		if (path[0] == '/')
			snprintf(plan->record, sizeof(plan->record), "%s", path);
		else
			snprintf(plan->record, sizeof(plan->record), "%s/%s", sg_config_data_dir(), path);
	}
	lua_pop(L, 1);
}

/* music = "default" (a class: a folder of sounds/moh/) or true (the default class). */
static void read_music(lua_State *L, int arg, int idx, struct dial_plan *plan)
{
	lua_getfield(L, idx, "music");
	if (lua_isboolean(L, -1)) {
		if (lua_toboolean(L, -1))
			snprintf(plan->music, sizeof(plan->music), "default");
	} else if (!lua_isnil(L, -1)) {
		size_t len = 0;
		const char *c = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : "";
		luaL_argcheck(L, len && len < sizeof(plan->music) && c[0] != '.' && !strpbrk(c, "/\\"), arg,
			      "music: a music on hold class (a folder name under sounds/moh/, up to 64 bytes) or true");
		snprintf(plan->music, sizeof(plan->music), "%s", c);
	}
	lua_pop(L, 1);
}

/* The options of the table at idx; returns the strategy's name (NULL: none given). */
static const char *read_options(lua_State *L, int arg, int idx, struct dial_plan *plan, bool with_targets)
{
	check_names(L, arg, idx, "call:dial", dial_options, N(dial_options), with_targets);
	double t = seconds(L, arg, idx, "timeout", "");
	plan->timeout = t ? t : plan->timeout;
	plan->total = seconds(L, arg, idx, "total", "");
	read_record(L, arg, idx, plan);
	read_confirm_opt(L, arg, idx, "", &plan->confirm);
	read_music(L, arg, idx, plan);
	lua_getfield(L, idx, "direct_media");
	luaL_argcheck(L, lua_isnil(L, -1) || lua_isboolean(L, -1), arg, "direct_media: true or false");
	plan->direct_media = lua_toboolean(L, -1);
	lua_getfield(L, idx, "caller_id");
	if (!lua_isnil(L, -1))
		read_caller_id(L, arg, lua_gettop(L), plan);
	lua_getfield(L, idx, "strategy");
	const char *strategy = NULL;
	if (!lua_isnil(L, -1)) {
		static const char *const strategies[] = {"parallel", "sequential"};
		strategy = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
		if (strcmp(strategy, "parallel") && strcmp(strategy, "sequential")) {
			const char *s = sg_config_suggest(strategy, strategies, N(strategies));
			arg_error(L, arg, "strategy: \"parallel\" or \"sequential\"%s%s",
				  s ? ", did you mean " : "", s ? s : "");
		}
	}
	lua_pop(L, 3); /* the options table keeps the strategy string alive */
	return strategy;
}

/* The targets given in the usual places become steps: one for "parallel", one per
 * target for "sequential" (a hunt is steps of one). */
static void targets_to_steps(lua_State *L, int arg, int tgt, struct dial_plan *plan, const char *strategy)
{
	if (tgt)
		read_list(L, arg, tgt, plan, "");
	else
		read_target(L, 2, 2, plan, "target 1");
	if (!strategy || strcmp(strategy, "sequential")) {
		plan->steps[0] = (struct dial_step){.count = plan->ntargets};
		plan->nsteps = 1;
		return;
	}
	if (plan->ntargets > DIAL_MAX_STEPS)
		luaL_argerror(L, arg, "strategy: a sequential dial has at most 16 targets");
	for (size_t i = 0; i < plan->ntargets; i++)
		plan->steps[i] = (struct dial_step){.first = i, .count = 1};
	plan->nsteps = plan->ntargets;
}

void sg_dial_read_plan(lua_State *L, struct dial_plan *plan)
{
	int tgt = 0, opts = 0;
	if (lua_type(L, 2) == LUA_TSTRING) {
		luaL_argcheck(L, lua_isnoneornil(L, 3) || lua_istable(L, 3), 3, "an options table expected");
		opts = lua_istable(L, 3) ? 3 : 0;
	} else {
		luaL_checktype(L, 2, LUA_TTABLE);
		luaL_argcheck(L, lua_isnoneornil(L, 3) || lua_istable(L, 3), 3, "an options table expected");
		tgt = 2;
		opts = lua_istable(L, 3) ? 3 : 2;
	}
	plan->timeout = 30;
	const char *strategy = opts ? read_options(L, opts, opts, plan, opts == tgt) : NULL;
	bool steps = false;
	if (opts) {
		lua_getfield(L, opts, "steps");
		steps = !lua_isnil(L, -1);
		if (steps && ((tgt && lua_rawlen(L, tgt)) || !tgt || strategy))
			luaL_argerror(L, opts, "steps: give steps or targets (with a strategy), not both");
		if (steps)
			read_steps(L, opts, lua_gettop(L), plan);
		lua_pop(L, 1);
	}
	if (!steps)
		targets_to_steps(L, tgt ? tgt : 2, tgt, plan, strategy);
	sg_dial_confirm_resolve(plan);
}

/*
 * features_cfg.c: users' features as the dialplan sees them. users{} gives the
 * starting values (vars.dnd = true, vars.forward = {always=, busy=, noanswer=,
 * timeout=}), read once per generation; Lua reads the values in effect with
 * pbx.features(id) and changes them with pbx.set_dnd / pbx.set_forward, which go
 * through features.c (stored, watchers told).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include <strowger/users.h>

#include "dp_priv.h"
#include "features_priv.h"

#define DEFAULT_NOANSWER_S 20.0

/* A destination given in Lua: a string, or an integer extension. */
static bool lua_dest(lua_State *L, int idx, char *out, size_t size)
{
	if (lua_type(L, idx) == LUA_TSTRING) {
		snprintf(out, size, "%s", lua_tostring(L, idx));
	} else if (lua_isinteger(L, idx)) {
		snprintf(out, size, "%lld", (long long)lua_tointeger(L, idx));
	} else {
		return false;
	}
	return sg_features_dest_ok(out);
}

int sg_dp_feature_vars(lua_State *L, int vars, struct sg_features *out, const char *where, const char *id,
		       char *err, size_t errlen)
{
	*out = (struct sg_features){.noanswer_s = DEFAULT_NOANSWER_S};
	lua_getfield(L, vars, "dnd");
	int t = lua_type(L, -1);
	out->dnd = t == LUA_TBOOLEAN && lua_toboolean(L, -1);
	lua_pop(L, 1);
	if (t != LUA_TNIL && t != LUA_TBOOLEAN) {
		snprintf(err, errlen, "%s: users['%s'].vars.dnd: expected true or false, got %s", where, id,
			 lua_typename(L, t));
		return -EINVAL;
	}
	lua_getfield(L, vars, "forward");
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return 0;
	}
	if (!lua_istable(L, -1)) {
		snprintf(err, errlen, "%s: users['%s'].vars.forward: expected a table, got %s", where, id,
			 luaL_typename(L, -1));
		lua_pop(L, 1);
		return -EINVAL;
	}
	int fwd = lua_gettop(L);
	for (unsigned k = 0; k < SG_FWD_KINDS; k++) {
		const char *name = sg_fwd_kind_name((enum sg_fwd_kind)k);
		lua_getfield(L, fwd, name);
		bool ok = lua_isnil(L, -1) || lua_dest(L, -1, out->fwd[k].dest, sizeof(out->fwd[k].dest));
		out->fwd[k].on = ok && !lua_isnil(L, -1);
		lua_pop(L, 1);
		if (!ok) {
			snprintf(err, errlen,
				 "%s: users['%s'].vars.forward.%s: expected an extension or target (a string of 1 to %d characters without spaces)",
				 where, id, name, SG_FWD_DEST_MAX - 1);
			lua_pop(L, 1);
			return -EINVAL;
		}
	}
	lua_getfield(L, fwd, "timeout");
	t = lua_type(L, -1);
	double s = lua_tonumber(L, -1);
	lua_pop(L, 2);
	if (t != LUA_TNIL && (t != LUA_TNUMBER || !(s > 0 && s <= 600))) {
		snprintf(err, errlen, "%s: users['%s'].vars.forward.timeout: expected seconds, more than 0 and at most 600",
			 where, id);
		return -EINVAL;
	}
	if (t == LUA_TNUMBER)
		out->noanswer_s = s;
	return 0;
}

int sg_dp_read_feature_defaults(lua_State *L, int users_tbl, struct dp_gen *g)
{
	g->features = calloc(g->nusers ? g->nusers : 1, sizeof(*g->features));
	if (!g->features)
		return -ENOMEM;
	for (size_t i = 0; i < g->nusers; i++) {
		char err[8];
		lua_getfield(L, users_tbl, g->users[i].id);
		lua_getfield(L, -1, "vars");
		if (lua_istable(L, -1))
			sg_dp_feature_vars(L, lua_gettop(L), &g->features[i], "", "", err, sizeof(err));
		else
			g->features[i] = (struct sg_features){.noanswer_s = DEFAULT_NOANSWER_S};
		lua_pop(L, 2);
	}
	return 0;
}

void sg_dp_user_feature_defaults(const struct sg_user *u, struct sg_features *out)
{
	struct dp_gen *g = sg_dp_current();
	if (g && g->features && u >= g->users && u < g->users + g->nusers)
		*out = g->features[u - g->users];
	else
		*out = (struct sg_features){.noanswer_s = DEFAULT_NOANSWER_S};
}

/* --- Lua --- */

/* pbx.features(id): {dnd=, forward={always=, busy=, noanswer=, timeout=}, stored=}
 * (a kind that is off is absent), or nil for an unknown user. */
static int l_features(lua_State *S)
{
	const char *id = luaL_checkstring(S, 1);
	struct sg_features f;
	if (sg_features_get(id, &f))
		return 0;
	lua_createtable(S, 0, 3);
	lua_pushboolean(S, f.dnd);
	lua_setfield(S, -2, "dnd");
	lua_createtable(S, 0, SG_FWD_KINDS + 1);
	for (unsigned k = 0; k < SG_FWD_KINDS; k++)
		if (f.fwd[k].on) {
			lua_pushstring(S, f.fwd[k].dest);
			lua_setfield(S, -2, sg_fwd_kind_name((enum sg_fwd_kind)k));
		}
	lua_pushnumber(S, f.noanswer_s);
	lua_setfield(S, -2, "timeout");
	lua_setfield(S, -2, "forward");
	lua_pushboolean(S, sg_features_overridden(id));
	lua_setfield(S, -2, "stored");
	return 1;
}

/* true, or nil and why (Lua's convention for expected failures). */
static int result(lua_State *S, int rc, const char *id)
{
	if (!rc) {
		lua_pushboolean(S, 1);
		return 1;
	}
	lua_pushnil(S);
	if (rc == -ENOENT)
		lua_pushfstring(S, "no user '%s'", id);
	else
		lua_pushstring(S, strerror(-rc));
	return 2;
}

/* pbx.set_dnd(id, on) */
static int l_set_dnd(lua_State *S)
{
	const char *id = luaL_checkstring(S, 1);
	luaL_checktype(S, 2, LUA_TBOOLEAN);
	return result(S, sg_features_set_dnd(id, lua_toboolean(S, 2), "dialplan"), id);
}

/* pbx.set_forward(id, kind, dest [, seconds]): dest nil or false turns it off. */
static int l_set_forward(lua_State *S)
{
	const char *id = luaL_checkstring(S, 1);
	enum sg_fwd_kind k;
	if (sg_fwd_kind_parse(luaL_checkstring(S, 2), &k))
		return luaL_argerror(S, 2, "\"always\", \"busy\" or \"noanswer\"");
	char dest[SG_FWD_DEST_MAX] = "";
	bool on = !lua_isnoneornil(S, 3) && !(lua_isboolean(S, 3) && !lua_toboolean(S, 3));
	if (on && !lua_dest(S, 3, dest, sizeof(dest)))
		return luaL_argerror(S, 3, "an extension or target without spaces, or nil to turn it off");
	if (!lua_isnoneornil(S, 4)) {
		double s = luaL_checknumber(S, 4);
		if (k != SG_FWD_NOANSWER || !(s > 0 && s <= 600))
			return luaL_argerror(S, 4, "seconds (0 < s <= 600), for \"noanswer\" only");
		int rc = sg_features_set_noanswer_time(id, s, "dialplan");
		if (rc)
			return result(S, rc, id);
	}
	return result(S, sg_features_set_forward(id, k, on, dest, "dialplan"), id);
}

void sg_features_lua_open(lua_State *L)
{
	lua_pushcfunction(L, l_features);
	lua_setfield(L, -2, "features");
	lua_pushcfunction(L, l_set_dnd);
	lua_setfield(L, -2, "set_dnd");
	lua_pushcfunction(L, l_set_forward);
	lua_setfield(L, -2, "set_forward");
}

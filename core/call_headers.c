/*
 * call_headers.c: the incoming request's headers of a call. The technology hands
 * them over in sg_call_params (the core knows no SIP); they are copied, bounded,
 * with lower-case names, and the dialplan reads them as call.headers: a read-only
 * object where h["user-agent"] (any case) is the first value of that header and
 * h.all("via") a list of every value, in the order received.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lauxlib.h>

#include <strowger/log.h>

#include "call_priv.h"

#define HEADERS_MT "sg.call_headers"
#define NAME_MAX_LEN 128 /* longer names are looked up as absent */

int sg_call_copy_headers(struct sg_call *call, const struct sg_call_params *p)
{
	size_t n = 0, bytes = 0;
	if (!p->headers)
		return 0;
	/* What fits: the first headers, up to either limit. */
	for (; n < p->nheaders && n < SG_CALL_MAX_HEADERS; n++) {
		const struct sg_call_header *h = &p->headers[n];
		size_t need = strlen(h->name ? h->name : "") + strlen(h->value ? h->value : "") + 2;
		if (bytes + need > SG_CALL_HEADERS_MAX_BYTES)
			break;
		bytes += need;
	}
	if (n < p->nheaders)
		SG_INFO("core", "%s: %zu of the request's %zu headers are kept (limits: %d headers, %d bytes)",
			sg_chan_name(call->chan), n, p->nheaders, SG_CALL_MAX_HEADERS, SG_CALL_HEADERS_MAX_BYTES);
	if (n == 0)
		return 0;
	struct sg_call_header *out = malloc(n * sizeof(*out) + bytes);
	if (!out)
		return -ENOMEM;
	char *s = (char *)(out + n);
	for (size_t i = 0; i < n; i++) {
		const char *name = p->headers[i].name ? p->headers[i].name : "";
		const char *value = p->headers[i].value ? p->headers[i].value : "";
		out[i].name = s;
		while (*name)
			*s++ = (char)tolower((unsigned char)*name++);
		*s++ = '\0';
		out[i].value = s;
		size_t vl = strlen(value) + 1;
		memcpy(s, value, vl);
		s += vl;
	}
	call->headers = out;
	call->nheaders = n;
	return 0;
}

const char *sg_call_header(const struct sg_call *call, const char *name)
{
	for (size_t i = 0; i < call->nheaders; i++)
		if (!strcasecmp(call->headers[i].name, name))
			return call->headers[i].value;
	return NULL;
}

/* The data table (uservalue 1): name -> { value, value, ... }. */
static void push_data(lua_State *L, int ud)
{
	lua_getiuservalue(L, ud, 1);
}

/* The key as stored: lower-case; false if it cannot be a header name. */
static bool lower_key(lua_State *L, int idx, char *out)
{
	size_t len;
	const char *k = lua_type(L, idx) == LUA_TSTRING ? lua_tolstring(L, idx, &len) : NULL;
	if (!k || len >= NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i <= len; i++)
		out[i] = (char)tolower((unsigned char)k[i]);
	return true;
}

static int h_index(lua_State *L)
{
	char key[NAME_MAX_LEN];
	if (lua_type(L, 2) == LUA_TSTRING && !strcmp(lua_tostring(L, 2), "all")) {
		lua_getiuservalue(L, 1, 2);
		return 1;
	}
	if (!lower_key(L, 2, key))
		return 0;
	push_data(L, 1);
	if (lua_getfield(L, -1, key) != LUA_TTABLE)
		return 0;
	lua_rawgeti(L, -1, 1);
	return 1;
}

/* h.all(name) or h:all(name): a new list of every value of that header ({} if none). */
static int h_all(lua_State *L)
{
	char key[NAME_MAX_LEN];
	int arg = lua_type(L, 1) == LUA_TUSERDATA ? 2 : 1;
	luaL_checkstring(L, arg);
	lua_newtable(L);
	if (!lower_key(L, arg, key))
		return 1;
	lua_pushvalue(L, lua_upvalueindex(1));
	if (lua_getfield(L, -1, key) == LUA_TTABLE) {
		lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
		for (lua_Integer i = 1; i <= n; i++) {
			lua_rawgeti(L, -1, i);
			lua_rawseti(L, -4, i);
		}
	}
	lua_pop(L, 2);
	return 1;
}

static int h_newindex(lua_State *L)
{
	return luaL_error(L, "call.headers is read-only (keep your own values in call.vars)");
}

/* for name, value in pairs(call.headers): each header once, with its first value. */
static int h_next(lua_State *L)
{
	push_data(L, 1);
	lua_pushvalue(L, 2);
	if (!lua_next(L, -2))
		return 0;
	lua_rawgeti(L, -1, 1);
	lua_remove(L, -2);
	return 2;
}

static int h_pairs(lua_State *L)
{
	lua_pushcfunction(L, h_next);
	lua_pushvalue(L, 1);
	lua_pushnil(L);
	return 3;
}

void sg_call_push_headers(lua_State *L, struct sg_call *call)
{
	if (call->headers_ref > 0) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, call->headers_ref);
		return;
	}
	lua_newuserdatauv(L, 0, 2);
	if (luaL_newmetatable(L, HEADERS_MT)) {
		static const luaL_Reg mt[] = {
			{"__index", h_index}, {"__newindex", h_newindex}, {"__pairs", h_pairs}, {NULL, NULL}};
		luaL_setfuncs(L, mt, 0);
		lua_pushliteral(L, "call.headers");
		lua_setfield(L, -2, "__metatable"); /* no getmetatable/setmetatable from scripts */
	}
	lua_setmetatable(L, -2);
	lua_createtable(L, 0, (int)call->nheaders);
	for (size_t i = 0; i < call->nheaders; i++) {
		if (lua_getfield(L, -1, call->headers[i].name) != LUA_TTABLE) {
			lua_pop(L, 1);
			lua_createtable(L, 1, 0);
			lua_pushvalue(L, -1);
			lua_setfield(L, -3, call->headers[i].name);
		}
		lua_pushstring(L, call->headers[i].value);
		lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
		lua_pop(L, 1);
	}
	lua_pushvalue(L, -1);
	lua_pushcclosure(L, h_all, 1);
	lua_setiuservalue(L, -3, 2);
	lua_setiuservalue(L, -2, 1);
	lua_pushvalue(L, -1);
	call->headers_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

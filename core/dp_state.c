/* dp_state.c: the Lua state, the sandboxed globals, and loading the entry file. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include <strowger/log.h>

#include "../config.h"
#include "dp_priv.h"
#include "features_priv.h"
#include "outbound_priv.h"

#define LOAD_BUDGET 50000000LL /* instructions the entry file may run at load */
#define HOOK_EVERY 1000

static lua_State *L;
static size_t mem_used, mem_cap;
static struct dp_gen *current, *loading;
static unsigned gen_serial;
static long long load_count;

/* Our allocator: accounts every byte and refuses past the cap, which Lua turns
 * into a "not enough memory" error for whatever asked. */
static void *dp_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	(void)ud;
	size_t old = ptr ? osize : 0;
	if (nsize == 0) {
		mem_used -= old;
		free(ptr);
		return NULL;
	}
	if (mem_cap && nsize > old && mem_used + (nsize - old) > mem_cap)
		return NULL;
	void *p = realloc(ptr, nsize);
	if (p)
		mem_used = mem_used - old + nsize;
	return p;
}

lua_State *sg_dp_state(void) { return L; }
void sg_dp_set_memory_cap(size_t bytes) { mem_cap = bytes; }
size_t sg_dp_memory(void) { return mem_used; }
struct dp_gen *sg_dp_current(void) { return current; }
struct dp_gen *sg_dp_config_gen(void) { return loading ? loading : current; }

/* "file:line" of the Lua code that called the running C function. */
static void caller_where(lua_State *S, char *out, size_t len)
{
	lua_Debug ar;
	if (lua_getstack(S, 1, &ar) && lua_getinfo(S, "Sl", &ar) && ar.currentline > 0)
		snprintf(out, len, "%s:%d", ar.short_src, ar.currentline);
	else
		snprintf(out, len, "?");
}

static int l_log(lua_State *S, enum sg_log_level level)
{
	char where[300];
	int n = lua_gettop(S);
	lua_getglobal(S, "string");
	lua_getfield(S, -1, "format");
	lua_insert(S, 1);
	lua_pop(S, 1);
	lua_call(S, n, 1);
	caller_where(S, where, sizeof(where));
	sg_log(level, "dialplan", "%s: %s", where, lua_tostring(S, -1));
	return 0;
}

static int l_log_error(lua_State *S) { return l_log(S, SG_LOG_ERROR); }
static int l_log_warning(lua_State *S) { return l_log(S, SG_LOG_WARNING); }
static int l_log_notice(lua_State *S) { return l_log(S, SG_LOG_NOTICE); }
static int l_log_info(lua_State *S) { return l_log(S, SG_LOG_INFO); }
static int l_log_debug(lua_State *S) { return l_log(S, SG_LOG_DEBUG); }

/* print() goes to the log, so a dialplan's debugging output lands where admins look. */
static int l_print(lua_State *S)
{
	luaL_Buffer b;
	char where[300];
	int n = lua_gettop(S);
	luaL_buffinit(S, &b);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(S, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	caller_where(S, where, sizeof(where));
	sg_log(SG_LOG_NOTICE, "dialplan", "%s: %s", where, lua_tostring(S, -1));
	return 0;
}

static void load_hook(lua_State *S, lua_Debug *ar)
{
	(void)ar;
	load_count += HOOK_EVERY;
	if (load_count > LOAD_BUDGET) {
		/* Level 0: inside a hook, level 1 would name no file:line. */
		luaL_where(S, 0);
		lua_pushfstring(S, "the file ran over %I instructions while loading (an endless loop?)",
				(lua_Integer)LOAD_BUDGET);
		lua_concat(S, 2);
		lua_error(S);
	}
}

/* settings{...}: remembers the table and where it was given. */
static int l_settings(lua_State *S)
{
	luaL_checktype(S, 1, LUA_TTABLE);
	/* Settings are read raw, outside Lua: metamethods would never run. */
	luaL_argcheck(S, !lua_getmetatable(S, 1), 1, "settings{} takes a plain table (no metatable)");
	struct dp_gen *g = loading;
	if (!g)
		return luaL_error(S, "settings{} can only be given while the file loads");
	if (g->settings_ref != LUA_NOREF)
		return luaL_error(S, "settings{} given twice (first at %s)", g->where);
	caller_where(S, g->where, sizeof(g->where));
	lua_pushvalue(S, 1);
	g->settings_ref = luaL_ref(S, LUA_REGISTRYINDEX);
	return 0;
}

/* users{...}: collected into the generation's list, merged after the load. */
static int l_users(lua_State *S)
{
	char where[300];
	luaL_checktype(S, 1, LUA_TTABLE);
	luaL_argcheck(S, !lua_getmetatable(S, 1), 1, "users{} takes a plain table (no metatable)");
	if (!loading)
		return luaL_error(S, "users{} can only be given while the file loads");
	caller_where(S, where, sizeof(where));
	lua_getfield(S, LUA_REGISTRYINDEX, "sg.users_pending");
	lua_newtable(S);
	lua_pushvalue(S, 1);
	lua_setfield(S, -2, "users");
	lua_pushstring(S, where);
	lua_setfield(S, -2, "where");
	lua_rawseti(S, -2, (lua_Integer)lua_rawlen(S, -2) + 1);
	return 0;
}

/* require(): per generation, so a reload re-reads the dialplan's own libraries. */
static int l_require(lua_State *S)
{
	const char *name = luaL_checkstring(S, 1);
	lua_settop(S, 1);
	lua_getfield(S, lua_upvalueindex(1), name); /* the generation's cache */
	if (!lua_isnil(S, -1))
		return 1;
	lua_pop(S, 1);
	lua_getglobal(S, "package");
	lua_getfield(S, -1, "searchpath");
	lua_pushvalue(S, 1);
	lua_getfield(S, lua_upvalueindex(2), "path");
	lua_call(S, 2, 2);
	if (lua_isnil(S, -2))
		return luaL_error(S, "module '%s' not found:%s", name, lua_tostring(S, -1));
	const char *path = lua_tostring(S, -2);
	if (luaL_loadfilex(S, path, "t") != LUA_OK)
		return lua_error(S);
	lua_pushvalue(S, lua_upvalueindex(3)); /* the generation's globals */
	lua_setupvalue(S, -2, 1);
	lua_pushvalue(S, 1);
	lua_pushstring(S, path);
	lua_call(S, 2, 1);
	if (lua_isnil(S, -1)) {
		lua_pop(S, 1);
		lua_pushboolean(S, 1);
	}
	lua_pushvalue(S, -1);
	lua_setfield(S, lua_upvalueindex(1), name);
	return 1;
}

static const luaL_Reg log_funcs[] = {
	{"error", l_log_error}, {"warning", l_log_warning}, {"notice", l_log_notice},
	{"info", l_log_info},	{"debug", l_log_debug},	    {NULL, NULL},
};

/* The shared base every generation's globals fall back to: the safe parts of the
 * standard library plus the PBX API. Nothing here may block the loop or end the
 * process, hence no os.exit/execute, io.popen, or debug beyond traceback. */
static void build_base(void)
{
	luaL_openlibs(L);
	lua_pushglobaltable(L);
	lua_getfield(L, -1, "os");
	lua_pushnil(L);
	lua_setfield(L, -2, "exit");
	lua_pushnil(L);
	lua_setfield(L, -2, "execute");
	lua_pop(L, 1);
	lua_getfield(L, -1, "io");
	lua_pushnil(L);
	lua_setfield(L, -2, "popen");
	lua_pop(L, 1);
	lua_getfield(L, -1, "debug");
	lua_newtable(L);
	lua_getfield(L, -2, "traceback");
	lua_setfield(L, -2, "traceback");
	lua_setfield(L, -3, "debug");
	lua_pop(L, 1);
	lua_pushcfunction(L, l_print);
	lua_setfield(L, -2, "print");
	luaL_newlib(L, log_funcs);
	lua_setfield(L, -2, "log");
	lua_pushcfunction(L, l_settings);
	lua_setfield(L, -2, "settings");
	lua_pushcfunction(L, l_users);
	lua_setfield(L, -2, "users");
	lua_newtable(L);
	lua_pushstring(L, SG_VERSION);
	lua_setfield(L, -2, "version");
	sg_features_lua_open(L);
	sg_outbound_lua_open(L);
	lua_setfield(L, -2, "pbx");
	lua_pop(L, 1);
}

int sg_dp_init(size_t max_memory)
{
	mem_cap = max_memory;
	L = lua_newstate(dp_alloc, NULL);
	if (!L)
		return -ENOMEM;
	build_base();
	sg_dp_calls_init(L);
	return 0;
}

struct dp_gen *sg_dp_gen_ref(struct dp_gen *gen)
{
	if (gen)
		gen->refs++;
	return gen;
}

void sg_dp_gen_unref(struct dp_gen *gen)
{
	if (!gen || --gen->refs)
		return;
	if (L) {
		luaL_unref(L, LUA_REGISTRYINDEX, gen->env_ref);
		luaL_unref(L, LUA_REGISTRYINDEX, gen->settings_ref);
		luaL_unref(L, LUA_REGISTRYINDEX, gen->funcs_ref);
	}
	sg_dp_free_extensions(gen);
	sg_dp_free_users(gen);
	free(gen->file);
	free(gen);
}

void sg_dp_activate(struct dp_gen *gen)
{
	struct dp_gen *old = current;
	current = gen;
	sg_dp_gen_unref(old);
}

void sg_dp_shutdown(void)
{
	sg_dp_activate(NULL);
	if (L)
		lua_close(L);
	L = NULL;
	mem_used = 0;
}

static int traceback(lua_State *S)
{
	luaL_traceback(S, S, lua_tostring(S, 1), 1);
	return 1;
}

/* Makes the generation's globals: a fresh table reading through to the base, with
 * its own require() and package path next to the entry file. */
static void push_env(struct dp_gen *g)
{
	lua_newtable(L); /* env */
	lua_newtable(L); /* its metatable */
	lua_pushglobaltable(L);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);

	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", g->file);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	lua_newtable(L); /* package-like table holding the path */
	lua_pushfstring(L, "%s/lib/?.lua;%s/?.lua;%s/lua/?.lua", dir, dir, SG_DEFAULT_SHARE_DIR);
	lua_setfield(L, -2, "path");
	lua_newtable(L); /* require cache */
	lua_pushvalue(L, -1);
	lua_setfield(L, -3, "loaded");
	lua_pushvalue(L, -2);
	lua_pushvalue(L, -4);
	lua_pushcclosure(L, l_require, 3);
	lua_setfield(L, -3, "require"); /* env.require */
	lua_setfield(L, -2, "package");
}

struct dp_gen *sg_dp_load(const char *file, bool check_sections, struct sg_core_settings *s,
			  char *err, size_t errlen)
{
	struct dp_gen *g = calloc(1, sizeof(*g));
	if (!g || !(g->file = strdup(file))) {
		free(g);
		snprintf(err, errlen, "%s: out of memory", file);
		return NULL;
	}
	g->refs = 1;
	g->serial = ++gen_serial;
	g->env_ref = g->settings_ref = g->funcs_ref = LUA_NOREF;
	snprintf(g->where, sizeof(g->where), "%s", file);

	int top = lua_gettop(L);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, "sg.users_pending");
	lua_pushcfunction(L, traceback);
	int msgh = lua_gettop(L);

	char chunkname[PATH_MAX + 1];
	snprintf(chunkname, sizeof(chunkname), "@%s", file);
	FILE *f = fopen(file, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open the dialplan: %s", file, strerror(errno));
		goto fail;
	}
	fclose(f);
	if (luaL_loadfilex(L, file, "t") != LUA_OK) {
		snprintf(err, errlen, "%s", lua_tostring(L, -1));
		goto fail;
	}
	push_env(g);
	lua_pushvalue(L, -1);
	g->env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_setupvalue(L, -2, 1);

	loading = g;
	load_count = 0;
	lua_sethook(L, load_hook, LUA_MASKCOUNT, HOOK_EVERY);
	int rc = lua_pcall(L, 0, 0, msgh);
	lua_sethook(L, NULL, 0, 0);
	if (rc != LUA_OK) {
		/* Keep only the first line: the message with file:line, not the traceback. */
		const char *msg = lua_tostring(L, -1);
		size_t len = msg ? strcspn(msg, "\n") : 0;
		snprintf(err, errlen, "%.*s", (int)len, msg ? msg : "error while loading");
		goto fail;
	}
	if (g->settings_ref == LUA_NOREF) {
		lua_newtable(L);
		g->settings_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	}
	if (sg_config_read_core(L, g, s, err, errlen))
		goto fail;
	if (check_sections && sg_config_check_sections(L, g, err, errlen))
		goto fail;
	lua_getfield(L, LUA_REGISTRYINDEX, "sg.users_pending");
	rc = sg_dp_build_users(L, g, lua_gettop(L), err, errlen);
	lua_pop(L, 1);
	if (rc)
		goto fail;
	lua_rawgeti(L, LUA_REGISTRYINDEX, g->env_ref);
	lua_getfield(L, -1, "extensions");
	rc = sg_dp_build_extensions(L, g, lua_gettop(L), err, errlen);
	lua_pop(L, 2);
	if (rc)
		goto fail;
	loading = NULL;
	lua_pushnil(L);
	lua_setfield(L, LUA_REGISTRYINDEX, "sg.users_pending");
	lua_settop(L, top);
	return g;
fail:
	loading = NULL;
	lua_pushnil(L);
	lua_setfield(L, LUA_REGISTRYINDEX, "sg.users_pending");
	lua_settop(L, top);
	sg_dp_gen_unref(g);
	return NULL;
}

int sg_dp_reload(char *err, size_t errlen)
{
	if (!current) {
		snprintf(err, errlen, "no dialplan loaded");
		return -ENOENT;
	}
	struct sg_core_settings s;
	struct dp_gen *g = sg_dp_load(current->file, true, &s, err, errlen);
	if (!g) {
		SG_ERROR("dialplan", "reload failed, keeping the running dialplan: %s", err);
		return -EINVAL;
	}
	sg_dp_activate(g);
	sg_config_apply_runtime(&s);
	SG_NOTICE("dialplan", "reloaded %s (generation %u: %zu users, %zu contexts)", g->file,
		  g->serial, g->nusers, g->ncontexts);
	return 0;
}

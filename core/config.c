/* config.c: validating settings{} (core keys and module sections) and reading values. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include <strowger/log.h>

#include "../config.h"
#include "config_priv.h"
#include "dp_priv.h"
#include "loader.h"
#include "log_priv.h"

static struct sg_core_settings active;

static const struct sg_config_key console_keys[] = {
	{"socket", SG_CFG_STRING, "path of the console's UNIX socket"},
	{"mode", SG_CFG_STRING, "octal permissions of the socket, \"0660\""},
	{NULL, 0, NULL},
};
static const struct sg_config_key log_keys[] = {
	{"level", SG_CFG_STRING, "error, warning, notice, info or debug"},
	{"file", SG_CFG_STRING, "also append log lines to this file"},
	{"stderr", SG_CFG_BOOL, "write log lines to standard error"},
	{"tags", SG_CFG_TABLE, "per-tag levels: { sip = \"debug\" }"},
	{NULL, 0, NULL},
};
static const struct sg_config_key media_keys[] = {
	{"workers", SG_CFG_INT, "media worker threads (0: one per core beyond the first)"},
	{"queue_size", SG_CFG_INT, "tasks each worker queue holds"},
	{NULL, 0, NULL},
};
static const struct sg_config_key dialplan_keys[] = {
	{"default_context", SG_CFG_STRING, "context for calls whose user names none"},
	{"max_instructions", SG_CFG_INT, "Lua instructions a call may run between two waits"},
	{"max_memory_mb", SG_CFG_INT, "memory cap of the Lua state (at start only)"},
	{NULL, 0, NULL},
};

struct core_section {
	const char *name;
	enum sg_config_type type;
	const struct sg_config_key *keys; /* for tables */
};

static const struct core_section core_sections[] = {
	{"data_dir", SG_CFG_STRING, NULL},   {"module_path", SG_CFG_STRING, NULL},
	{"modules", SG_CFG_STRING_LIST, NULL}, {"console", SG_CFG_TABLE, console_keys},
	{"log", SG_CFG_TABLE, log_keys},     {"media", SG_CFG_TABLE, media_keys},
	{"dialplan", SG_CFG_TABLE, dialplan_keys},
};
#define NCORE (sizeof(core_sections) / sizeof(core_sections[0]))

static const char *type_name(enum sg_config_type t)
{
	switch (t) {
	case SG_CFG_STRING: return "a string";
	case SG_CFG_INT: return "an integer";
	case SG_CFG_NUMBER: return "a number";
	case SG_CFG_BOOL: return "true or false";
	case SG_CFG_STRING_LIST: return "a list of strings";
	case SG_CFG_TABLE: return "a table";
	}
	return "?";
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 32 || lb > 32)
		return 99;
	size_t d[33][33];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

const char *sg_config_suggest(const char *word, const char *const *candidates, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, candidates[i]);
		if (d < best_d) {
			best_d = d;
			best = candidates[i];
		}
	}
	return best;
}

/* Does the value at idx have type t? */
static bool type_ok(lua_State *L, int idx, enum sg_config_type t)
{
	switch (t) {
	case SG_CFG_STRING: return lua_type(L, idx) == LUA_TSTRING;
	case SG_CFG_INT: return lua_isinteger(L, idx);
	case SG_CFG_NUMBER: return lua_type(L, idx) == LUA_TNUMBER;
	case SG_CFG_BOOL: return lua_type(L, idx) == LUA_TBOOLEAN;
	case SG_CFG_TABLE: return lua_type(L, idx) == LUA_TTABLE;
	case SG_CFG_STRING_LIST:
		if (lua_type(L, idx) != LUA_TTABLE)
			return false;
		idx = lua_absindex(L, idx);
		lua_Integer n = (lua_Integer)lua_rawlen(L, idx), count = 0;
		lua_pushnil(L);
		while (lua_next(L, idx)) {
			bool ok = lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1 &&
				  lua_tointeger(L, -2) <= n && lua_type(L, -1) == LUA_TSTRING;
			lua_pop(L, 1);
			if (!ok) {
				lua_pop(L, 1);
				return false;
			}
			count++;
		}
		return count == n;
	}
	return false;
}

/* Validates the table at idx (named `prefix`) against keys. */
static int check_table(lua_State *L, int idx, const char *where, const char *prefix,
		       const struct sg_config_key *keys, char *err, size_t errlen)
{
	idx = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			snprintf(err, errlen, "%s: settings.%s: keys must be names, found a %s key", where,
				 prefix, luaL_typename(L, -2));
			lua_pop(L, 2);
			return -EINVAL;
		}
		const char *k = lua_tostring(L, -2);
		const struct sg_config_key *key = NULL;
		const char *names[64];
		size_t n = 0;
		for (const struct sg_config_key *c = keys; c && c->name; c++) {
			if (!strcmp(c->name, k))
				key = c;
			if (n < 64)
				names[n++] = c->name;
		}
		if (!key) {
			const char *s = sg_config_suggest(k, names, n);
			snprintf(err, errlen, "%s: settings.%s.%s: unknown key%s%s%s", where, prefix, k,
				 s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
			lua_pop(L, 2);
			return -EINVAL;
		}
		if (!type_ok(L, -1, key->type)) {
			snprintf(err, errlen, "%s: settings.%s.%s: expected %s, got %s", where, prefix, k,
				 type_name(key->type), luaL_typename(L, -1));
			lua_pop(L, 2);
			return -EINVAL;
		}
		lua_pop(L, 1);
	}
	return 0;
}

/* Pushes settings[name] of gen. */
static void push_setting(lua_State *L, struct dp_gen *gen, const char *name)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, gen->settings_ref);
	lua_pushstring(L, name);
	lua_rawget(L, -2);
	lua_remove(L, -2);
}

int sg_config_validate_section(const char *section, const struct sg_config_key *keys, char *err,
			       size_t errlen)
{
	lua_State *L = sg_dp_state();
	struct dp_gen *gen = sg_dp_config_gen();
	if (!L || !gen)
		return 0;
	push_setting(L, gen, section);
	int rc = 0;
	if (!lua_isnil(L, -1) && !lua_istable(L, -1)) {
		snprintf(err, errlen, "%s: settings.%s: expected a table, got %s", gen->where, section,
			 luaL_typename(L, -1));
		rc = -EINVAL;
	} else if (lua_istable(L, -1)) {
		rc = check_table(L, -1, gen->where, section, keys, err, errlen);
	}
	lua_pop(L, 1);
	return rc;
}

static const struct core_section *core_section(const char *name)
{
	for (size_t i = 0; i < NCORE; i++)
		if (!strcmp(core_sections[i].name, name))
			return &core_sections[i];
	return NULL;
}

int sg_config_check_sections(lua_State *L, struct dp_gen *gen, char *err, size_t errlen)
{
	int rc = 0;
	lua_rawgeti(L, LUA_REGISTRYINDEX, gen->settings_ref);
	lua_pushnil(L);
	while (!rc && lua_next(L, -2)) {
		lua_pop(L, 1);
		if (lua_type(L, -1) != LUA_TSTRING) {
			snprintf(err, errlen, "%s: settings: keys must be names", gen->where);
			rc = -EINVAL;
			break;
		}
		const char *k = lua_tostring(L, -1);
		if (core_section(k) || sg_loader_claims_section(k))
			continue;
		const char *names[NCORE];
		for (size_t i = 0; i < NCORE; i++)
			names[i] = core_sections[i].name;
		const char *s = sg_config_suggest(k, names, NCORE);
		if (s)
			snprintf(err, errlen, "%s: settings.%s: unknown setting (did you mean '%s'?)",
				 gen->where, k, s);
		else
			snprintf(err, errlen,
				 "%s: settings.%s: unknown setting, and no loaded module reads a "
				 "section of that name (is the module in settings.modules?)",
				 gen->where, k);
		rc = -EINVAL;
	}
	lua_settop(L, lua_gettop(L) - (rc ? 2 : 1));
	return rc;
}

/* Resolves a path from the config against the config file's folder. */
static void resolve_path(const char *file, const char *value, char *out, size_t len)
{
	if (value[0] == '/') {
		snprintf(out, len, "%s", value);
		return;
	}
	const char *slash = strrchr(file, '/');
	if (slash)
		snprintf(out, len, "%.*s/%s", (int)(slash - file), file, value);
	else
		snprintf(out, len, "%s", value);
}

static bool get_field(lua_State *L, struct dp_gen *gen, const char *section, const char *key)
{
	push_setting(L, gen, section);
	if (!key)
		return !lua_isnil(L, -1) || (lua_pop(L, 1), false);
	if (!lua_istable(L, -1)) {
		lua_pop(L, 1);
		return false;
	}
	lua_pushstring(L, key);
	lua_rawget(L, -2);
	lua_remove(L, -2);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return false;
	}
	return true;
}

static int read_level(lua_State *L, const char *where, const char *what, int *out, char *err, size_t errlen)
{
	int lvl = sg_log_level_parse(lua_tostring(L, -1));
	if (lvl < 0) {
		snprintf(err, errlen, "%s: %s: '%s' is not a log level (error, warning, notice, info, debug)",
			 where, what, lua_tostring(L, -1));
		return -EINVAL;
	}
	*out = lvl;
	return 0;
}

int sg_config_read_core(lua_State *L, struct dp_gen *gen, struct sg_core_settings *s, char *err,
			size_t errlen)
{
	const char *w = gen->where;
	int top = lua_gettop(L);
	int rc = -EINVAL;
	*s = (struct sg_core_settings){
		.console_mode = 0660,
		.log_level = SG_LOG_NOTICE,
		.log_stderr = true,
		.media_queue = 4096,
		.max_instructions = 5000000,
		.max_memory_mb = 256,
	};
	snprintf(s->data_dir, sizeof(s->data_dir), "%s", SG_DEFAULT_DATA_DIR);
	snprintf(s->module_path, sizeof(s->module_path), "%s", SG_DEFAULT_MODULE_DIR);
	snprintf(s->default_context, sizeof(s->default_context), "default");

	lua_rawgeti(L, LUA_REGISTRYINDEX, gen->settings_ref);
	for (size_t i = 0; i < NCORE; i++) {
		const struct core_section *cs = &core_sections[i];
		lua_pushstring(L, cs->name);
		lua_rawget(L, -2);
		if (!lua_isnil(L, -1)) {
			if (!type_ok(L, -1, cs->type)) {
				snprintf(err, errlen, "%s: settings.%s: expected %s, got %s", w, cs->name,
					 type_name(cs->type), luaL_typename(L, -1));
				goto out;
			}
			if (cs->keys && check_table(L, -1, w, cs->name, cs->keys, err, errlen))
				goto out;
		}
		lua_pop(L, 1);
	}
	lua_pop(L, 1);

	if (get_field(L, gen, "data_dir", NULL)) {
		resolve_path(gen->file, lua_tostring(L, -1), s->data_dir, sizeof(s->data_dir));
		lua_pop(L, 1);
	}
	if (get_field(L, gen, "module_path", NULL)) {
		resolve_path(gen->file, lua_tostring(L, -1), s->module_path, sizeof(s->module_path));
		lua_pop(L, 1);
	}
	if (get_field(L, gen, "console", "socket")) {
		resolve_path(gen->file, lua_tostring(L, -1), s->console_socket, sizeof(s->console_socket));
		lua_pop(L, 1);
	}
	if (get_field(L, gen, "console", "mode")) {
		const char *m = lua_tostring(L, -1);
		char *end;
		unsigned long v = strtoul(m, &end, 8);
		if (!*m || *end || v > 0777) {
			snprintf(err, errlen, "%s: settings.console.mode: '%s' is not an octal mode such as \"0660\"", w, m);
			goto out;
		}
		s->console_mode = (unsigned)v;
		lua_pop(L, 1);
	}
	if (get_field(L, gen, "log", "level")) {
		if (read_level(L, w, "settings.log.level", &s->log_level, err, errlen))
			goto out;
		lua_pop(L, 1);
	}
	if (get_field(L, gen, "log", "stderr")) {
		s->log_stderr = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	if (get_field(L, gen, "log", "file")) {
		resolve_path(gen->file, lua_tostring(L, -1), s->log_file, sizeof(s->log_file));
		lua_pop(L, 1);
	}
	if (get_field(L, gen, "log", "tags")) {
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			int lvl;
			if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) {
				snprintf(err, errlen, "%s: settings.log.tags: write tag = \"level\" pairs", w);
				goto out;
			}
			if (read_level(L, w, "settings.log.tags", &lvl, err, errlen))
				goto out;
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	struct {
		const char *key;
		long long min, max, *dst;
	} ints[] = {
		{"workers", 0, 256, NULL},
		{"queue_size", 16, 1 << 20, NULL},
	};
	/* The RTP port range is res_rtp's: settings.rtp.rtp_start and rtp_end. */
	long long vals[2] = {0, 4096};
	for (size_t i = 0; i < 2; i++) {
		ints[i].dst = &vals[i];
		if (!get_field(L, gen, "media", ints[i].key))
			continue;
		long long v = lua_tointeger(L, -1);
		if (v < ints[i].min || v > ints[i].max) {
			snprintf(err, errlen, "%s: settings.media.%s: %lld is out of range (%lld to %lld)", w,
				 ints[i].key, v, ints[i].min, ints[i].max);
			goto out;
		}
		*ints[i].dst = v;
		lua_pop(L, 1);
	}
	s->media_workers = (unsigned)vals[0];
	s->media_queue = (unsigned)vals[1];
	if (get_field(L, gen, "dialplan", "default_context")) {
		snprintf(s->default_context, sizeof(s->default_context), "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
	}
	if (get_field(L, gen, "dialplan", "max_instructions")) {
		s->max_instructions = lua_tointeger(L, -1);
		lua_pop(L, 1);
		if (s->max_instructions < 10000) {
			snprintf(err, errlen, "%s: settings.dialplan.max_instructions: at least 10000", w);
			goto out;
		}
	}
	if (get_field(L, gen, "dialplan", "max_memory_mb")) {
		s->max_memory_mb = lua_tointeger(L, -1);
		lua_pop(L, 1);
		if (s->max_memory_mb < 8) {
			snprintf(err, errlen, "%s: settings.dialplan.max_memory_mb: at least 8", w);
			goto out;
		}
	}
	if (!s->console_socket[0])
		snprintf(s->console_socket, sizeof(s->console_socket), "%s/strowger.ctl", s->data_dir);
	rc = 0;
out:
	lua_settop(L, top);
	return rc;
}

const struct sg_core_settings *sg_core_settings(void) { return &active; }
void sg_core_settings_set(const struct sg_core_settings *s) { active = *s; }

void sg_config_apply_runtime(const struct sg_core_settings *s)
{
	lua_State *L = sg_dp_state();
	struct dp_gen *gen = sg_dp_current();
	struct sg_core_settings next = active;
	if (strcmp(s->console_socket, active.console_socket) || strcmp(s->data_dir, active.data_dir) ||
	    strcmp(s->module_path, active.module_path) || s->media_workers != active.media_workers)
		SG_NOTICE("config", "paths, console and media workers change only on restart");
	next.log_level = s->log_level;
	next.max_instructions = s->max_instructions;
	snprintf(next.default_context, sizeof(next.default_context), "%s", s->default_context);
	sg_log_set_level((enum sg_log_level)s->log_level);
	sg_dp_set_budget(s->max_instructions);
	if (gen && get_field(L, gen, "log", "tags")) {
		lua_pushnil(L);
		while (lua_next(L, -2)) {
			sg_log_set_tag_level(lua_tostring(L, -2), sg_log_level_parse(lua_tostring(L, -1)));
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	active = next;
}

/* Walks a dotted path in the settings and pushes the value; false when unset. */
static bool push_path(const char *path)
{
	lua_State *L = sg_dp_state();
	struct dp_gen *gen = sg_dp_config_gen();
	if (!L || !gen)
		return false;
	lua_rawgeti(L, LUA_REGISTRYINDEX, gen->settings_ref);
	const char *p = path;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (!lua_istable(L, -1)) {
			lua_pop(L, 1);
			return false;
		}
		lua_pushlstring(L, p, len);
		lua_rawget(L, -2);
		lua_remove(L, -2);
		if (!dot)
			break;
		p = dot + 1;
	}
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		return false;
	}
	return true;
}

bool sg_config_string(const char *path, const char **out)
{
	if (!push_path(path))
		return false;
	lua_State *L = sg_dp_state();
	bool ok = lua_type(L, -1) == LUA_TSTRING;
	/* The string stays alive as long as the settings table that holds it. */
	if (ok)
		*out = lua_tostring(L, -1);
	lua_pop(L, 1);
	return ok;
}

bool sg_config_int(const char *path, long long *out)
{
	if (!push_path(path))
		return false;
	lua_State *L = sg_dp_state();
	bool ok = lua_isinteger(L, -1);
	if (ok)
		*out = lua_tointeger(L, -1);
	lua_pop(L, 1);
	return ok;
}

bool sg_config_number(const char *path, double *out)
{
	if (!push_path(path))
		return false;
	lua_State *L = sg_dp_state();
	bool ok = lua_type(L, -1) == LUA_TNUMBER;
	if (ok)
		*out = lua_tonumber(L, -1);
	lua_pop(L, 1);
	return ok;
}

bool sg_config_bool(const char *path, bool *out)
{
	if (!push_path(path))
		return false;
	lua_State *L = sg_dp_state();
	bool ok = lua_type(L, -1) == LUA_TBOOLEAN;
	if (ok)
		*out = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return ok;
}

size_t sg_config_list_len(const char *path)
{
	if (!push_path(path))
		return 0;
	lua_State *L = sg_dp_state();
	size_t n = lua_istable(L, -1) ? lua_rawlen(L, -1) : 0;
	lua_pop(L, 1);
	return n;
}

const char *sg_config_list_get(const char *path, size_t i)
{
	if (!push_path(path))
		return NULL;
	lua_State *L = sg_dp_state();
	const char *s = NULL;
	if (lua_istable(L, -1)) {
		lua_rawgeti(L, -1, (lua_Integer)i + 1);
		s = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	return s;
}

const char *sg_config_where(void)
{
	struct dp_gen *gen = sg_dp_config_gen();
	return gen ? gen->where : "?";
}

const char *sg_config_data_dir(void) { return active.data_dir; }

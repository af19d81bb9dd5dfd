/* users.c: the users{} tables of the entry file, checked and kept sorted by id. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include <strowger/call.h>

#include "config_priv.h"
#include "dp_priv.h"
#include "features_priv.h"
#include "outbound_priv.h"

static const char *const user_keys[] = {"name", "password", "ha1_md5", "ha1_sha256", "realm",
					"context", "vars", "media", "outbound", "language"};
#define NKEYS (sizeof(user_keys) / sizeof(user_keys[0]))

static const char *keep(struct dp_gen *g, const char *s)
{
	if (!s)
		return NULL;
	char **v = realloc(g->strings, (g->nstrings + 1) * sizeof(*v));
	if (!v)
		return NULL;
	g->strings = v;
	return (g->strings[g->nstrings] = strdup(s)) ? g->strings[g->nstrings++] : NULL;
}

static bool is_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return false;
	return true;
}

static int user_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sg_user *)a)->id, ((const struct sg_user *)b)->id);
}

/* media = "relay" | "direct": 0, or -EINVAL for anything else. */
static int read_media(const char *v, struct sg_user *u)
{
	if (!v || (strcmp(v, "relay") && strcmp(v, "direct")))
		return -EINVAL;
	u->direct_media = !strcmp(v, "direct");
	return 0;
}

/* Reads one user table at the top of the stack into u. */
static int read_user(lua_State *L, struct dp_gen *g, const char *where, const char *id,
		     struct sg_user *u, char *err, size_t errlen)
{
	int t = lua_gettop(L);
	*u = (struct sg_user){.id = keep(g, id)};
	lua_pushnil(L);
	while (lua_next(L, t)) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		size_t i;
		for (i = 0; k && i < NKEYS; i++)
			if (!strcmp(k, user_keys[i]))
				break;
		if (!k || i == NKEYS) {
			const char *s = k ? sg_config_suggest(k, user_keys, NKEYS) : NULL;
			snprintf(err, errlen, "%s: users['%s'].%s: unknown key%s%s%s", where, id,
				 k ? k : "?", s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
			return -EINVAL;
		}
		if (!strcmp(k, "outbound")) {
			/* Checked here, where the file:line is known; kept after the sort. */
			struct sg_outbound o;
			if (!lua_istable(L, -1)) {
				snprintf(err, errlen, "%s: users['%s'].outbound: expected a table, got %s", where, id,
					 luaL_typename(L, -1));
				return -EINVAL;
			}
			if (sg_outbound_read(L, -1, where, id, &o, err, errlen))
				return -EINVAL;
			sg_outbound_free(&o);
			lua_pop(L, 1);
			continue;
		}
		bool is_vars = !strcmp(k, "vars");
		if (is_vars ? !lua_istable(L, -1) : lua_type(L, -1) != LUA_TSTRING) {
			snprintf(err, errlen, "%s: users['%s'].%s: expected %s, got %s", where, id, k,
				 is_vars ? "a table" : "a string", luaL_typename(L, -1));
			return -EINVAL;
		}
		struct sg_features f;
		if (is_vars && sg_dp_feature_vars(L, lua_gettop(L), &f, where, id, err, errlen))
			return -EINVAL;
		const char *v = is_vars ? NULL : keep(g, lua_tostring(L, -1));
		if (!strcmp(k, "name")) u->name = v;
		else if (!strcmp(k, "password")) u->password = v;
		else if (!strcmp(k, "ha1_md5")) u->ha1_md5 = v;
		else if (!strcmp(k, "ha1_sha256")) u->ha1_sha256 = v;
		else if (!strcmp(k, "realm")) u->realm = v;
		else if (!strcmp(k, "context")) u->context = v;
		else if (!strcmp(k, "language") && !sg_language_valid((u->language = v))) {
			snprintf(err, errlen, "%s: users['%s'].language: \"%s\" is not a language name (letters, "
				 "digits, '-' and '_', up to %d: \"en\", \"fr-ca\")", where, id, v ? v : "",
				 SG_LANGUAGE_MAX);
			return -EINVAL;
		} else if (!strcmp(k, "media") && read_media(v, u)) {
			snprintf(err, errlen, "%s: users['%s'].media: \"%s\" is not \"relay\" (the default) or \"direct\"",
				 where, id, v ? v : "");
			return -EINVAL;
		}
		lua_pop(L, 1);
	}
	if (!u->password && !u->ha1_md5 && !u->ha1_sha256) {
		snprintf(err, errlen, "%s: users['%s']: needs a password (or ha1_md5/ha1_sha256 with realm)",
			 where, id);
		return -EINVAL;
	}
	if ((u->ha1_md5 && !is_hex(u->ha1_md5, 32)) || (u->ha1_sha256 && !is_hex(u->ha1_sha256, 64))) {
		snprintf(err, errlen, "%s: users['%s']: ha1_md5 is 32 and ha1_sha256 is 64 hex digits", where, id);
		return -EINVAL;
	}
	if ((u->ha1_md5 || u->ha1_sha256) && !u->realm) {
		snprintf(err, errlen, "%s: users['%s']: a pre-hashed HA1 needs the realm it was made for",
			 where, id);
		return -EINVAL;
	}
	return 0;
}

/* Each user's outbound rules (checked by read_user), in g->users' order. */
static int read_outbound(lua_State *L, int by_id, struct dp_gen *g)
{
	g->outbound = calloc(g->nusers ? g->nusers : 1, sizeof(*g->outbound));
	if (!g->outbound)
		return -ENOMEM;
	for (size_t i = 0; i < g->nusers; i++) {
		char err[8];
		lua_getfield(L, by_id, g->users[i].id);
		lua_getfield(L, -1, "outbound");
		int rc = lua_istable(L, -1) ? sg_outbound_read(L, -1, "", "", &g->outbound[i], err, sizeof(err)) : 0;
		lua_pop(L, 2);
		if (rc)
			return rc;
	}
	return 0;
}

const struct sg_outbound *sg_dp_user_outbound(const struct sg_user *u)
{
	struct dp_gen *g = sg_dp_current();
	if (g && g->outbound && u >= g->users && u < g->users + g->nusers)
		return &g->outbound[u - g->users];
	return NULL;
}

int sg_dp_build_users(lua_State *L, struct dp_gen *g, int pending, char *err, size_t errlen)
{
	size_t calls = lua_rawlen(L, pending);
	lua_newtable(L); /* id -> the user's table, for pbx.user() */
	int by_id = lua_gettop(L);
	for (size_t c = 1; c <= calls; c++) {
		lua_rawgeti(L, pending, (lua_Integer)c);
		lua_getfield(L, -1, "where");
		char where[300];
		snprintf(where, sizeof(where), "%s", lua_tostring(L, -1));
		lua_pop(L, 1);
		lua_getfield(L, -1, "users");
		int tbl = lua_gettop(L);
		lua_pushnil(L);
		while (lua_next(L, tbl)) {
			char id[64];
			if (lua_isinteger(L, -2)) {
				snprintf(id, sizeof(id), "%lld", (long long)lua_tointeger(L, -2));
			} else if (lua_type(L, -2) == LUA_TSTRING && lua_rawlen(L, -2) < sizeof(id) &&
				   lua_rawlen(L, -2) > 0) {
				snprintf(id, sizeof(id), "%s", lua_tostring(L, -2));
			} else {
				snprintf(err, errlen, "%s: users: each key must be a user id such as \"1000\"", where);
				goto fail;
			}
			if (!lua_istable(L, -1)) {
				snprintf(err, errlen, "%s: users['%s']: expected a table, got %s", where, id,
					 luaL_typename(L, -1));
				goto fail;
			}
			lua_getfield(L, by_id, id);
			bool dup = !lua_isnil(L, -1);
			lua_pop(L, 1);
			if (dup) {
				snprintf(err, errlen, "%s: users['%s']: declared twice", where, id);
				goto fail;
			}
			struct sg_user *u = realloc(g->users, (g->nusers + 1) * sizeof(*u));
			if (!u) {
				snprintf(err, errlen, "%s: out of memory", where);
				goto fail;
			}
			g->users = u;
			if (read_user(L, g, where, id, &g->users[g->nusers], err, errlen))
				goto fail;
			g->nusers++;
			lua_setfield(L, by_id, id);
		}
		lua_pop(L, 2);
	}
	if (g->nusers)
		qsort(g->users, g->nusers, sizeof(*g->users), user_cmp);
	if (read_outbound(L, by_id, g) || sg_dp_read_feature_defaults(L, by_id, g)) {
		snprintf(err, errlen, "%s: out of memory", g->where);
		goto fail;
	}
	/* Kept in the generation's globals under a name a dialplan won't use. */
	lua_rawgeti(L, LUA_REGISTRYINDEX, g->env_ref);
	lua_pushvalue(L, by_id);
	lua_setfield(L, -2, "__users");
	lua_pop(L, 2);
	return 0;
fail:
	lua_settop(L, by_id - 1);
	return -EINVAL;
}

void sg_dp_free_users(struct dp_gen *g)
{
	for (size_t i = 0; i < g->nstrings; i++)
		free(g->strings[i]);
	free(g->strings);
	free(g->users);
	free(g->features);
	for (size_t i = 0; g->outbound && i < g->nusers; i++)
		sg_outbound_free(&g->outbound[i]);
	free(g->outbound);
	g->outbound = NULL;
	g->strings = NULL;
	g->users = NULL;
	g->features = NULL;
	g->nstrings = g->nusers = 0;
}

const struct sg_user *sg_user_find(const char *id)
{
	struct dp_gen *g = sg_dp_current();
	if (!g || !id || !g->nusers)
		return NULL;
	struct sg_user key = {.id = id};
	return bsearch(&key, g->users, g->nusers, sizeof(key), user_cmp);
}

size_t sg_users_count(void)
{
	struct dp_gen *g = sg_dp_current();
	return g ? g->nusers : 0;
}

const struct sg_user *sg_user_at(size_t i)
{
	struct dp_gen *g = sg_dp_current();
	return g && i < g->nusers ? &g->users[i] : NULL;
}

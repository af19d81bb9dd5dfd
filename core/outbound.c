/*
 * outbound.c: what a user's calls may dial (the toll-fraud guard). users{} may
 * give a user
 *   outbound = { allow = { "_1XX", "_0[1-9]." }, deny = { "_00." },
 *                max_calls = 2, max_per_hour = 30 }
 * and the core then checks every call that user starts, and every blind transfer
 * it asks for, before any dialplan code runs: the dialled extension must match an
 * allow pattern (when there are any) and no deny pattern, the user may not have
 * more than max_calls calls going, nor start more than max_per_hour in the last
 * hour. A refusal is logged (the hourly limit as a warning: it is what a hijacked
 * account looks like) and the technology answers it (SIP: 403). Main thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/users.h>

#include "call_priv.h"
#include "config_priv.h"
#include "dp_priv.h"
#include "outbound_priv.h"

#define MAX_PATTERNS 64
#define MAX_PER_HOUR 10000
#define HOUR_MS 3600000ull

/* When each of a user's recent calls started, newest last (a ring). */
struct recent {
	char user[64];
	uint64_t *at;
	unsigned cap, n, head;
};

static struct recent *recents;
static size_t nrecents;

void sg_outbound_free(struct sg_outbound *o)
{
	for (size_t i = 0; i < o->nallow; i++)
		free(o->allow[i]);
	for (size_t i = 0; i < o->ndeny; i++)
		free(o->deny[i]);
	free(o->allow);
	free(o->deny);
	*o = (struct sg_outbound){0};
}

/* Reads the pattern list at the top of the stack into *list. */
static int read_patterns(lua_State *L, const char *where, const char *id, const char *key, char ***list,
			 size_t *n, char *err, size_t errlen)
{
	if (lua_isnil(L, -1))
		return 0;
	if (!lua_istable(L, -1)) {
		snprintf(err, errlen, "%s: users['%s'].outbound.%s: expected a list of extension patterns", where, id,
			 key);
		return -EINVAL;
	}
	size_t len = lua_rawlen(L, -1);
	if (len > MAX_PATTERNS) {
		snprintf(err, errlen, "%s: users['%s'].outbound.%s: at most %d patterns", where, id, key, MAX_PATTERNS);
		return -EINVAL;
	}
	*list = calloc(len ? len : 1, sizeof(**list));
	if (!*list) {
		snprintf(err, errlen, "%s: out of memory", where);
		return -ENOMEM;
	}
	for (size_t i = 1; i <= len; i++) {
		lua_rawgeti(L, -1, (lua_Integer)i);
		const char *p = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		const char *bad = p ? sg_dp_pattern_error(p) : "not a string";
		if (!bad && !((*list)[*n] = strdup(p)))
			bad = "out of memory";
		lua_pop(L, 1);
		if (bad) {
			snprintf(err, errlen, "%s: users['%s'].outbound.%s[%zu]: %s", where, id, key, i, bad);
			return -EINVAL;
		}
		(*n)++;
	}
	return 0;
}

static int read_count(lua_State *L, const char *where, const char *id, const char *key, unsigned *out,
		      char *err, size_t errlen)
{
	if (lua_isnil(L, -1))
		return 0;
	if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > MAX_PER_HOUR) {
		snprintf(err, errlen, "%s: users['%s'].outbound.%s: expected a whole number from 1 to %d", where, id,
			 key, MAX_PER_HOUR);
		return -EINVAL;
	}
	*out = (unsigned)lua_tointeger(L, -1);
	return 0;
}

int sg_outbound_read(lua_State *L, int idx, const char *where, const char *id, struct sg_outbound *out,
		     char *err, size_t errlen)
{
	static const char *const keys[] = {"allow", "deny", "max_calls", "max_per_hour"};
	*out = (struct sg_outbound){.set = true};
	int t = lua_absindex(L, idx);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
		int rc = -EINVAL;
		if (k && !strcmp(k, "allow"))
			rc = read_patterns(L, where, id, k, &out->allow, &out->nallow, err, errlen);
		else if (k && !strcmp(k, "deny"))
			rc = read_patterns(L, where, id, k, &out->deny, &out->ndeny, err, errlen);
		else if (k && !strcmp(k, "max_calls"))
			rc = read_count(L, where, id, k, &out->max_calls, err, errlen);
		else if (k && !strcmp(k, "max_per_hour"))
			rc = read_count(L, where, id, k, &out->max_per_hour, err, errlen);
		else {
			const char *s = k ? sg_config_suggest(k, keys, 4) : NULL;
			snprintf(err, errlen, "%s: users['%s'].outbound.%s: unknown key%s%s%s", where, id, k ? k : "?",
				 s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
		}
		lua_pop(L, 1);
		if (rc) {
			lua_pop(L, 1);
			sg_outbound_free(out);
			return rc;
		}
	}
	return 0;
}

static bool matches_any(char *const *list, size_t n, const char *exten)
{
	for (size_t i = 0; i < n; i++)
		if (sg_dp_pattern_matches(list[i], exten))
			return true;
	return false;
}

static struct recent *recent_of(const char *user, bool create)
{
	for (size_t i = 0; i < nrecents; i++)
		if (!strcmp(recents[i].user, user))
			return &recents[i];
	if (!create || strlen(user) >= sizeof(recents->user))
		return NULL;
	struct recent *r = realloc(recents, (nrecents + 1) * sizeof(*r));
	if (!r)
		return NULL;
	recents = r;
	r = &recents[nrecents++];
	*r = (struct recent){0};
	strcpy(r->user, user);
	return r;
}

/* Calls the user started within the last hour (older entries dropped). */
static unsigned last_hour(struct recent *r, uint64_t now)
{
	while (r->n && now - r->at[r->head] >= HOUR_MS) {
		r->head = (r->head + 1) % r->cap;
		r->n--;
	}
	return r->n;
}

static int remember(struct recent *r, unsigned cap, uint64_t now)
{
	if (r->cap != cap) { /* a reload changed max_per_hour: start the ring again */
		uint64_t *at = realloc(r->at, cap * sizeof(*at));
		if (!at)
			return -ENOMEM;
		r->at = at;
		r->cap = cap;
		r->n = r->head = 0;
	}
	if (r->n == r->cap) {
		r->head = (r->head + 1) % r->cap;
		r->n--;
	}
	r->at[(r->head + r->n) % r->cap] = now;
	r->n++;
	return 0;
}

int sg_outbound_check(const char *user, const char *exten, bool counts, char *why, size_t whylen)
{
	const struct sg_user *u = user ? sg_user_find(user) : NULL;
	const struct sg_outbound *o = u ? sg_dp_user_outbound(u) : NULL;
	if (!o || !o->set)
		return 0;
	if ((o->nallow && !matches_any(o->allow, o->nallow, exten)) || matches_any(o->deny, o->ndeny, exten)) {
		snprintf(why, whylen, "'%s' may not dial '%s' (users{} outbound)", user, exten);
		return -EACCES;
	}
	if (!counts)
		return 0;
	if (o->max_calls && sg_calls_from(user) >= o->max_calls) {
		snprintf(why, whylen, "'%s' already has %u call%s going (outbound.max_calls)", user, o->max_calls,
			 o->max_calls == 1 ? "" : "s");
		return -EBUSY;
	}
	if (o->max_per_hour) {
		uint64_t now = sg_loop_now_ms(sg_loop_main());
		struct recent *r = recent_of(user, true);
		if (!r)
			return -ENOMEM;
		if (r->cap == o->max_per_hour && last_hour(r, now) >= o->max_per_hour) {
			snprintf(why, whylen, "'%s' started %u calls in the last hour (outbound.max_per_hour): possible toll fraud",
				 user, o->max_per_hour);
			return -EDQUOT;
		}
		if (remember(r, o->max_per_hour, now))
			return -ENOMEM;
	}
	return 0;
}

void sg_outbound_shutdown(void)
{
	for (size_t i = 0; i < nrecents; i++)
		free(recents[i].at);
	free(recents);
	recents = NULL;
	nrecents = 0;
}

/* pbx.may_dial(user, exten): true, or false and why (nothing is counted). */
static int l_may_dial(lua_State *S)
{
	const char *user = luaL_checkstring(S, 1), *exten = luaL_checkstring(S, 2);
	char why[200];
	if (!sg_outbound_check(user, exten, false, why, sizeof(why))) {
		lua_pushboolean(S, 1);
		return 1;
	}
	lua_pushboolean(S, 0);
	lua_pushstring(S, why);
	return 2;
}

void sg_outbound_lua_open(lua_State *L)
{
	lua_pushcfunction(L, l_may_dial);
	lua_setfield(L, -2, "may_dial");
}

/* extensions.c: the extensions table, checked at load and matched in C. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include <strowger/cli.h>

#include "dp_priv.h"

/*
 * Patterns follow the Asterisk convention admins know: a leading '_', then
 * X (0-9), Z (1-9), N (2-9), [1-5,7] sets, '.' (one or more of anything) or
 * '!' (zero or more) at the end, and anything else literally.
 */
const char *sg_dp_pattern_error(const char *p)
{
	if (*p != '_')
		return *p ? NULL : "an empty extension";
	if (!p[1])
		return "a pattern needs something after '_'";
	for (p++; *p; p++) {
		if (*p == '[') {
			const char *close = strchr(p, ']');
			if (!close)
				return "'[' without ']'";
			if (close == p + 1)
				return "an empty set '[]'";
			for (const char *c = p + 1; c < close; c++)
				if (*c == '-' && (c == p + 1 || c + 1 == close || c[-1] > c[1]))
					return "a bad range in a set";
			p = close;
		} else if ((*p == '.' || *p == '!') && p[1]) {
			return "'.' and '!' may only end a pattern";
		}
	}
	return NULL;
}

/* Size of the class of the pattern character at p (advancing p past sets). */
static unsigned class_size(const char **p)
{
	switch (**p) {
	case 'X': return 10;
	case 'Z': return 9;
	case 'N': return 8;
	case '[': {
		unsigned n = 0;
		const char *c = *p + 1;
		for (; *c != ']'; c++) {
			if (c[1] == '-' && c[2] != ']') {
				n += (unsigned)(c[2] - c[0]) + 1;
				c += 2;
			} else {
				n++;
			}
		}
		*p = c;
		return n;
	}
	default: return 1;
	}
}

static bool in_class(const char **p, char ch)
{
	switch (**p) {
	case 'X': return ch >= '0' && ch <= '9';
	case 'Z': return ch >= '1' && ch <= '9';
	case 'N': return ch >= '2' && ch <= '9';
	case '[': {
		bool hit = false;
		const char *c = *p + 1;
		for (; *c != ']'; c++) {
			if (c[1] == '-' && c[2] != ']') {
				hit |= ch >= c[0] && ch <= c[2];
				c += 2;
			} else {
				hit |= ch == *c;
			}
		}
		*p = c;
		return hit;
	}
	default: return ch == **p;
	}
}

bool sg_dp_pattern_matches(const char *pattern, const char *exten)
{
	if (*pattern != '_')
		return !strcmp(pattern, exten);
	const char *p = pattern + 1, *e = exten;
	for (; *p; p++, e++) {
		if (*p == '.')
			return *e != '\0';
		if (*p == '!')
			return true;
		if (!*e || !in_class(&p, *e))
			return false;
	}
	return *e == '\0';
}

/* Exact numbers first; then patterns without a trailing wildcard before those with
 * one; then the narrower pattern (smaller sum of class sizes). */
static unsigned rank_of(const char *pattern)
{
	if (*pattern != '_')
		return 0;
	unsigned sum = 0;
	bool wild = false;
	for (const char *p = pattern + 1; *p; p++) {
		if (*p == '.' || *p == '!')
			wild = true;
		else
			sum += class_size(&p);
	}
	return (wild ? 1u << 20 : 1u << 10) + sum;
}

static int exten_cmp(const void *a, const void *b)
{
	const struct dp_exten *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->pattern, y->pattern);
}

static int context_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dp_context *)a)->name, ((const struct dp_context *)b)->name);
}

static int add_context(lua_State *L, struct dp_gen *g, const char *name, int tbl, int funcs,
		       char *err, size_t errlen)
{
	struct dp_context *cs = realloc(g->contexts, (g->ncontexts + 1) * sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	g->contexts = cs;
	struct dp_context *c = &g->contexts[g->ncontexts];
	*c = (struct dp_context){.name = strdup(name)};
	if (!c->name)
		return -ENOMEM;
	g->ncontexts++;
	lua_pushnil(L);
	while (lua_next(L, tbl)) {
		char key[128];
		if (lua_isinteger(L, -2))
			snprintf(key, sizeof(key), "%lld", (long long)lua_tointeger(L, -2));
		else if (lua_type(L, -2) == LUA_TSTRING && lua_rawlen(L, -2) < sizeof(key))
			snprintf(key, sizeof(key), "%s", lua_tostring(L, -2));
		else {
			snprintf(err, errlen, "%s: extensions.%s: keys must be extensions such as \"1000\" or \"_1XX\"",
				 g->file, name);
			lua_pop(L, 2);
			return -EINVAL;
		}
		lua_Debug ar = {0};
		int line = 0;
		if (lua_isfunction(L, -1)) {
			lua_pushvalue(L, -1);
			lua_getinfo(L, ">S", &ar);
			line = ar.linedefined;
		} else {
			snprintf(err, errlen, "%s: extensions.%s['%s']: expected a function (function(call) ... end), got %s",
				 g->file, name, key, luaL_typename(L, -1));
			lua_pop(L, 2);
			return -EINVAL;
		}
		const char *why = sg_dp_pattern_error(key);
		if (why) {
			snprintf(err, errlen, "%s:%d: extensions.%s['%s']: bad pattern: %s", g->file, line,
				 name, key, why);
			lua_pop(L, 2);
			return -EINVAL;
		}
		struct dp_exten *xs = realloc(c->extens, (c->count + 1) * sizeof(*xs));
		if (!xs) {
			lua_pop(L, 2);
			return -ENOMEM;
		}
		c->extens = xs;
		int idx = (int)lua_rawlen(L, funcs) + 1;
		lua_rawseti(L, funcs, idx); /* pops the function */
		c->extens[c->count] = (struct dp_exten){.pattern = strdup(key), .func = idx, .line = line,
							.rank = rank_of(key)};
		if (!c->extens[c->count].pattern)
			return (lua_pop(L, 1), -ENOMEM);
		c->count++;
	}
	if (c->count)
		qsort(c->extens, c->count, sizeof(*c->extens), exten_cmp);
	return 0;
}

int sg_dp_build_extensions(lua_State *L, struct dp_gen *g, int ext, char *err, size_t errlen)
{
	lua_newtable(L);
	int funcs = lua_gettop(L);
	int rc = 0;
	if (lua_isnil(L, ext)) {
		/* A file with no extensions is valid (no calls route), but worth a word. */
	} else if (!lua_istable(L, ext)) {
		snprintf(err, errlen, "%s: extensions: expected a table of contexts, got %s", g->file,
			 luaL_typename(L, ext));
		rc = -EINVAL;
	} else {
		lua_pushnil(L);
		while (!rc && lua_next(L, ext)) {
			if (lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1)) {
				snprintf(err, errlen, "%s: extensions: write context = { [\"1000\"] = function(call) ... end }",
					 g->file);
				lua_pop(L, 2);
				rc = -EINVAL;
				break;
			}
			rc = add_context(L, g, lua_tostring(L, -2), lua_gettop(L), funcs, err, errlen);
			if (rc == -ENOMEM)
				snprintf(err, errlen, "%s: out of memory", g->file);
			if (!rc)
				lua_pop(L, 1);
		}
	}
	if (rc) {
		lua_settop(L, funcs - 1);
		return rc;
	}
	if (g->ncontexts)
		qsort(g->contexts, g->ncontexts, sizeof(*g->contexts), context_cmp);
	g->funcs_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

static const struct dp_context *find_context(const struct dp_gen *g, const char *name)
{
	struct dp_context key = {.name = (char *)name};
	return g->ncontexts ? bsearch(&key, g->contexts, g->ncontexts, sizeof(key), context_cmp) : NULL;
}

const struct dp_exten *sg_dp_match(const struct dp_gen *g, const char *context, const char *exten)
{
	const struct dp_context *c = g ? find_context(g, context) : NULL;
	if (!c || !exten)
		return NULL;
	for (size_t i = 0; i < c->count; i++)
		if (sg_dp_pattern_matches(c->extens[i].pattern, exten))
			return &c->extens[i];
	return NULL;
}

void sg_dp_free_extensions(struct dp_gen *g)
{
	for (size_t i = 0; i < g->ncontexts; i++) {
		for (size_t j = 0; j < g->contexts[i].count; j++)
			free(g->contexts[i].extens[j].pattern);
		free(g->contexts[i].extens);
		free(g->contexts[i].name);
	}
	free(g->contexts);
	g->contexts = NULL;
	g->ncontexts = 0;
}

void sg_dp_show(struct sg_cli *cli, const char *context)
{
	struct dp_gen *g = sg_dp_current();
	if (!g) {
		sg_cli_printf(cli, "no dialplan loaded\n");
		return;
	}
	sg_cli_printf(cli, "dialplan %s (generation %u)\n", g->file, g->serial);
	for (size_t i = 0; i < g->ncontexts; i++) {
		const struct dp_context *c = &g->contexts[i];
		if (context && strcmp(context, c->name))
			continue;
		sg_cli_printf(cli, "[%s]\n", c->name);
		for (size_t j = 0; j < c->count; j++)
			sg_cli_printf(cli, "  %-20s %s:%d\n", c->extens[j].pattern, g->file, c->extens[j].line);
	}
}

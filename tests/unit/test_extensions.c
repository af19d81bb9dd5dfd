/* test_extensions.c: Asterisk-style patterns, and how the extensions table ranks them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit_util.h"

#include "dp_priv.h"
#include "loop_priv.h"

#define assert_contains(hay, needle)                                                          \
	do {                                                                                  \
		const char *h_ = (hay);                                                       \
		if (!h_ || !strstr(h_, (needle)))                                             \
			fail_msg("expected \"%s\" to contain \"%s\"", h_ ? h_ : "(null)", (needle)); \
	} while (0)

#define assert_matches(pattern, exten)                                                        \
	do {                                                                                  \
		if (!sg_dp_pattern_matches((pattern), (exten)))                              \
			fail_msg("pattern '%s' should match '%s'", (pattern), (exten));      \
	} while (0)

#define assert_no_match(pattern, exten)                                                       \
	do {                                                                                  \
		if (sg_dp_pattern_matches((pattern), (exten)))                               \
			fail_msg("pattern '%s' should not match '%s'", (pattern), (exten));  \
	} while (0)

#define assert_valid(pattern)                                                                 \
	do {                                                                                  \
		const char *why_ = sg_dp_pattern_error(pattern);                              \
		if (why_)                                                                     \
			fail_msg("pattern '%s' refused: %s", (pattern), why_);                 \
	} while (0)

#define assert_invalid(pattern, reason)                                                       \
	do {                                                                                  \
		const char *why_ = sg_dp_pattern_error(pattern);                              \
		if (!why_)                                                                    \
			fail_msg("pattern '%s' accepted", (pattern));                          \
		assert_contains(why_, (reason));                                              \
	} while (0)

static char tmpdir[64];
static char dialplan[128];
static struct dp_gen *gen;

/* The dialplan the ranking tests load. Line numbers matter: see test_lines. */
static const char dialplan_text[] =
	"extensions = {\n"                                      /* 1 */
	"  default = {\n"                                       /* 2 */
	"    [\"_1.\"] = function(call) end,\n"                 /* 3 */
	"    [\"_1XXX\"] = function(call) end,\n"               /* 4 */
	"    [\"1000\"] = function(call) end,\n"                /* 5 */
	"    [\"_NXX\"] = function(call) end,\n"                /* 6 */
	"    [\"_1XX\"] = function(call) end,\n"                /* 7 */
	"    [\"_12X\"] = function(call) end,\n"                /* 8 */
	"    [\"_XXXX\"] = function(call) end,\n"               /* 9 */
	"    [\"_[2-3]!\"] = function(call) end,\n"             /* 10 */
	"  },\n"                                                /* 11 */
	"  features = {\n"                                      /* 12 */
	"    [\"*97\"] = function(call) end,\n"                 /* 13 */
	"    [\"_*9X\"] = function(call) end,\n"                /* 14 */
	"    [\"_X#\"] = function(call) end,\n"                 /* 15 */
	"    [5000] = function(call) end,\n"                    /* 16 */
	"  },\n"                                                /* 17 */
	"}\n";

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sg-test-ext.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(dialplan, sizeof(dialplan), "%s/extensions.lua", tmpdir);
	FILE *f = fopen(dialplan, "w");
	if (!f)
		return -1;
	fputs(dialplan_text, f);
	fclose(f);
	if (sg_main_loop_init() || sg_dp_init(0))
		return -1;
	struct sg_core_settings s;
	char err[1024] = "";
	gen = sg_dp_load(dialplan, false, &s, err, sizeof(err));
	if (!gen) {
		fprintf(stderr, "load failed: %s\n", err);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sg_dp_gen_unref(gen);
	gen = NULL;
	sg_dp_shutdown();
	sg_main_loop_shutdown();
	unlink(dialplan);
	rmdir(tmpdir);
	return 0;
}

/* --- sg_dp_pattern_error --- */

static void test_valid_patterns(void **state)
{
	(void)state;
	assert_valid("1000");
	assert_valid("*97");
	assert_valid("#");
	assert_valid("s");
	assert_valid("_X");
	assert_valid("_Z");
	assert_valid("_N");
	assert_valid("_1XX");
	assert_valid("_NXXNXXXXXX");
	assert_valid("_[1-5]");
	assert_valid("_[13-5]");
	assert_valid("_[135]X");
	assert_valid("_1.");
	assert_valid("_1!");
	assert_valid("_.");
	assert_valid("_*97");
	assert_valid("_X#");
	assert_valid("_[0-9]XX.");
	/* Without the '_' every character is literal, so nothing is a pattern error. */
	assert_valid("1.2");
	assert_valid("1[2");
}

static void test_invalid_patterns(void **state)
{
	(void)state;
	assert_invalid("", "empty");
	assert_invalid("_", "after '_'");
	assert_invalid("_1[2", "'[' without ']'");
	assert_invalid("_[", "'[' without ']'");
	assert_invalid("_1[]", "empty set");
	assert_invalid("_[5-1]", "bad range");
	assert_invalid("_[-5]", "bad range");
	assert_invalid("_[5-]", "bad range");
	assert_invalid("_1.2", "may only end");
	assert_invalid("_1!2", "may only end");
	assert_invalid("_..", "may only end");
	assert_invalid("_.X", "may only end");
}

/* --- sg_dp_pattern_matches --- */

static void test_match_literal(void **state)
{
	(void)state;
	assert_matches("1000", "1000");
	assert_no_match("1000", "100");
	assert_no_match("1000", "10000");
	assert_no_match("1000", "");
	assert_matches("*97", "*97");
	assert_no_match("*97", "97");
	assert_matches("#", "#");
	assert_no_match("#", "1");
	/* Pattern letters mean nothing without the '_'. */
	assert_matches("1XX", "1XX");
	assert_no_match("1XX", "123");
	assert_no_match("1.", "12");
}

static void test_match_classes(void **state)
{
	(void)state;
	char d[2] = {0, 0};
	for (char c = '0'; c <= '9'; c++) {
		d[0] = c;
		assert_matches("_X", d);
		if (c >= '1')
			assert_matches("_Z", d);
		else
			assert_no_match("_Z", d);
		if (c >= '2')
			assert_matches("_N", d);
		else
			assert_no_match("_N", d);
	}
	assert_no_match("_X", "");
	assert_no_match("_X", "12");
	assert_no_match("_X", "a");
	assert_no_match("_X", "*");
	assert_no_match("_X", "#");
	assert_no_match("_Z", "a");
	assert_no_match("_N", "#");

	assert_matches("_1XX", "100");
	assert_matches("_1XX", "199");
	assert_no_match("_1XX", "200");
	assert_no_match("_1XX", "10");
	assert_no_match("_1XX", "1000");
	assert_matches("_NXXNXXXXXX", "2125551234");
	assert_no_match("_NXXNXXXXXX", "1125551234");
	assert_no_match("_NXXNXXXXXX", "2121551234");
}

static void test_match_sets(void **state)
{
	(void)state;
	char d[2] = {0, 0};
	for (char c = '0'; c <= '9'; c++) {
		d[0] = c;
		if (c >= '1' && c <= '5')
			assert_matches("_[1-5]", d);
		else
			assert_no_match("_[1-5]", d);
		if (c == '1' || (c >= '3' && c <= '5'))
			assert_matches("_[13-5]", d);
		else
			assert_no_match("_[13-5]", d);
		if (c == '1' || c == '3' || c == '5')
			assert_matches("_[135]", d);
		else
			assert_no_match("_[135]", d);
	}
	assert_no_match("_[1-5]", "");
	assert_no_match("_[1-5]", "11");
	assert_matches("_[1-5]X", "59");
	assert_no_match("_[1-5]X", "69");
	assert_matches("_9[0-1]X", "901");
	assert_matches("_9[0-1]X", "919");
	assert_no_match("_9[0-1]X", "929");
	assert_matches("_[*#]X", "*1");
	assert_matches("_[*#]X", "#1");
	assert_no_match("_[*#]X", "11");
}

static void test_match_wildcards(void **state)
{
	(void)state;
	/* '.' is one or more of anything. */
	assert_matches("_1.", "12");
	assert_matches("_1.", "1234567890");
	assert_matches("_1.", "1*#");
	assert_no_match("_1.", "1");
	assert_no_match("_1.", "21");
	assert_no_match("_1.", "");
	assert_matches("_.", "x");
	assert_no_match("_.", "");
	assert_matches("_9NXX.", "92001");
	assert_no_match("_9NXX.", "9200");
	assert_no_match("_9NXX.", "91001");
	/* '!' is zero or more. */
	assert_matches("_1!", "1");
	assert_matches("_1!", "1999");
	assert_no_match("_1!", "");
	assert_no_match("_1!", "2");
	assert_matches("_!", "");
	assert_matches("_!", "123");
}

static void test_match_feature_codes(void **state)
{
	(void)state;
	assert_matches("_*97", "*97");
	assert_no_match("_*97", "*98");
	assert_matches("_*9X", "*95");
	assert_no_match("_*9X", "995");
	assert_matches("_X#", "5#");
	assert_no_match("_X#", "5*");
	assert_no_match("_X#", "#");
	assert_matches("_#X.", "#12");
}

/* --- a loaded extensions table --- */

static const char *matched(const char *context, const char *exten)
{
	const struct dp_exten *x = sg_dp_match(gen, context, exten);
	return x ? x->pattern : NULL;
}

#define assert_picks(context, exten, want)                                                    \
	do {                                                                                  \
		const char *got_ = matched((context), (exten));                               \
		if (!got_ || strcmp(got_, (want)))                                            \
			fail_msg("%s/%s: expected '%s', matched '%s'", (context), (exten), (want), \
				 got_ ? got_ : "(nothing)");                                   \
	} while (0)

static void test_load_builds_contexts(void **state)
{
	(void)state;
	assert_non_null(gen);
	assert_int_equal(gen->ncontexts, 2);
	/* Contexts are sorted by name for lookup. */
	assert_string_equal(gen->contexts[0].name, "default");
	assert_string_equal(gen->contexts[1].name, "features");
	assert_int_equal(gen->contexts[0].count, 8);
	assert_int_equal(gen->contexts[1].count, 4);
}

static void test_ranking_exact_first(void **state)
{
	(void)state;
	/* "1000" matches "1000", "_1XXX", "_XXXX" and "_1.": the exact one wins. */
	assert_picks("default", "1000", "1000");
	/* Then the pattern without a wildcard. */
	assert_picks("default", "1001", "_1XXX");
	assert_picks("default", "1999", "_1XXX");
	/* Only the trailing-wildcard pattern is left for longer numbers. */
	assert_picks("default", "10001", "_1.");
	assert_picks("default", "12", "_1.");
	/* Exact numbers rank before every pattern in the table order. */
	const struct dp_context *c = &gen->contexts[0];
	assert_string_equal(c->extens[0].pattern, "1000");
	/* Trailing-wildcard patterns come last, the narrower first. */
	assert_string_equal(c->extens[c->count - 2].pattern, "_1.");
	assert_string_equal(c->extens[c->count - 1].pattern, "_[2-3]!");
	for (size_t i = 1; i < c->count; i++)
		assert_true(c->extens[i - 1].rank <= c->extens[i].rank);
}

static void test_ranking_narrower_pattern(void **state)
{
	(void)state;
	/* "_1XXX" (1+10+10+10) is narrower than "_XXXX" (40). */
	assert_picks("default", "1234", "_1XXX");
	assert_picks("default", "2234", "_XXXX");
	/* "123" matches _1XX, _12X and _1.: _12X is the narrowest. */
	assert_picks("default", "123", "_12X");
	assert_picks("default", "133", "_1XX");
	/* "_NXX" vs "_[2-3]!": no trailing wildcard wins. */
	assert_picks("default", "234", "_NXX");
	/* But "_[2-3]!" takes what nothing else does. */
	assert_picks("default", "2", "_[2-3]!");
	assert_picks("default", "23", "_[2-3]!");
	assert_picks("default", "33333", "_[2-3]!");
}

static void test_no_match(void **state)
{
	(void)state;
	assert_null(matched("default", "1"));
	assert_null(matched("default", "4"));
	assert_null(matched("default", "45"));
	assert_null(matched("default", ""));
	assert_null(matched("default", "*97"));
	assert_null(sg_dp_match(gen, "default", NULL));
}

static void test_unknown_context(void **state)
{
	(void)state;
	assert_null(matched("nosuch", "1000"));
	assert_null(matched("", "1000"));
	assert_null(matched("Default", "1000"));
	assert_null(sg_dp_match(NULL, "default", "1000"));
}

static void test_feature_context(void **state)
{
	(void)state;
	assert_picks("features", "*97", "*97");
	assert_picks("features", "*98", "_*9X");
	assert_picks("features", "7#", "_X#");
	/* An integer key becomes the extension "5000". */
	assert_picks("features", "5000", "5000");
	assert_null(matched("features", "1000"));
}

static void test_lines_and_functions(void **state)
{
	(void)state;
	const struct dp_exten *x = sg_dp_match(gen, "default", "1000");
	assert_non_null(x);
	assert_int_equal(x->line, 5);
	x = sg_dp_match(gen, "default", "10001");
	assert_non_null(x);
	assert_int_equal(x->line, 3);
	x = sg_dp_match(gen, "features", "*97");
	assert_non_null(x);
	assert_int_equal(x->line, 13);

	/* Every extension has its own function in the generation's table. */
	lua_State *L = sg_dp_state();
	int top = lua_gettop(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, gen->funcs_ref);
	assert_true(lua_istable(L, -1));
	assert_int_equal(lua_rawlen(L, -1), 12);
	for (size_t c = 0; c < gen->ncontexts; c++)
		for (size_t i = 0; i < gen->contexts[c].count; i++) {
			lua_rawgeti(L, -1, gen->contexts[c].extens[i].func);
			assert_true(lua_isfunction(L, -1));
			lua_pop(L, 1);
		}
	lua_settop(L, top);
}


static int empty_context_child(void)
{
	char file[160];
	snprintf(file, sizeof(file), "%s/empty.lua", tmpdir);
	FILE *f = fopen(file, "w");
	if (!f)
		return 10;
	fputs("extensions = {\n  empty = {},\n  default = { [\"1000\"] = function(call) end },\n}\n", f);
	fclose(f);
	struct sg_core_settings s;
	char err[1024] = "";
	struct dp_gen *g = sg_dp_load(file, false, &s, err, sizeof(err));
	unlink(file);
	if (!g)
		return 11;
	if (g->ncontexts != 2 || strcmp(g->contexts[1].name, "empty") || g->contexts[1].count != 0)
		return 12;
	if (sg_dp_match(g, "empty", "1000") || !sg_dp_match(g, "default", "1000"))
		return 13;
	sg_dp_gen_unref(g);
	return 0;
}

/*
 * Core bug: a context with no extensions (a placeholder an admin fills in later)
 * makes add_context() call qsort(NULL, 0, ...), undefined behaviour that UBSan
 * (SANITIZE=1) aborts on.
 */
static void test_empty_context(void **state)
{
	(void)state;
	int rc = in_child(empty_context_child);
	char file[160];
	snprintf(file, sizeof(file), "%s/empty.lua", tmpdir);
	unlink(file); /* the child may have died before it could */
	if (rc)
		fail_msg("loading a dialplan with an empty context failed: status %d (a sanitizer report above?)", rc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_patterns),
		cmocka_unit_test(test_invalid_patterns),
		cmocka_unit_test(test_match_literal),
		cmocka_unit_test(test_match_classes),
		cmocka_unit_test(test_match_sets),
		cmocka_unit_test(test_match_wildcards),
		cmocka_unit_test(test_match_feature_codes),
		cmocka_unit_test(test_load_builds_contexts),
		cmocka_unit_test(test_ranking_exact_first),
		cmocka_unit_test(test_ranking_narrower_pattern),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_unknown_context),
		cmocka_unit_test(test_feature_context),
		cmocka_unit_test(test_lines_and_functions),
		cmocka_unit_test(test_empty_context),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

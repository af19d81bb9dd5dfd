/* test_loader.c: the module loader: ABI check, missing files, dependencies, in-use
 * refusal, failed loads leaving nothing behind, unloading everything. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <strowger/channel.h>
#include <strowger/cli.h>
#include <strowger/loop.h>
#include <strowger/module.h>
#include <strowger/service.h>

#include "buf.h"
#include "cli_priv.h"
#include "dp_priv.h"
#include "loader.h"
#include "log_priv.h"
#include "loop_priv.h"

#define assert_contains(hay, needle)                                                          \
	do {                                                                                  \
		const char *h_ = (hay);                                                       \
		if (!h_ || !strstr(h_, (needle)))                                             \
			fail_msg("expected \"%s\" to contain \"%s\"", h_ ? h_ : "(null)", (needle)); \
	} while (0)

static const char *test_module_dir;
static char tmpdir[64];
static char dialplan[128];
static char err[1024];

/* Log lines, to see what modules say and in which order. */
static char lines[64][256];
static int nlines;

static void sink(enum sg_log_level level, const char *line)
{
	(void)level;
	if (nlines < 64)
		snprintf(lines[nlines++], sizeof(lines[0]), "%s", line);
}

/* Index of the first captured line containing s, or -1. */
static int line_with(const char *s)
{
	for (int i = 0; i < nlines; i++)
		if (strstr(lines[i], s))
			return i;
	return -1;
}

static void write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Loads text as the current dialplan. */
static int use_dialplan(const char *text)
{
	struct sg_core_settings s;
	write_file(dialplan, text);
	struct dp_gen *g = sg_dp_load(dialplan, false, &s, err, sizeof(err));
	if (!g) {
		fprintf(stderr, "dialplan refused: %s\n", err);
		return -1;
	}
	sg_dp_activate(g);
	return 0;
}

static enum sg_cli_result cli(const char *line, char *out, size_t outlen)
{
	struct sg_buf b;
	sg_buf_init(&b);
	enum sg_cli_result rc = sg_cli_run(line, &b);
	snprintf(out, outlen, "%s", sg_buf_str(&b));
	sg_buf_free(&b);
	return rc;
}

static int group_setup(void **state)
{
	(void)state;
	test_module_dir = getenv("TEST_MODULE_DIR");
	if (!test_module_dir || !*test_module_dir)
		test_module_dir = "build/tests/modules";
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sg-test-loader.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(dialplan, sizeof(dialplan), "%s/strowger.lua", tmpdir);
	if (sg_main_loop_init() || sg_dp_init(0))
		return -1;
	if (use_dialplan("settings{ log = { level = \"notice\" } }\n"))
		return -1;
	sg_loader_init(test_module_dir);
	sg_log_set_sink(sink);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sg_log_set_sink(NULL);
	sg_loader_unload_all();
	sg_cli_shutdown();
	sg_dp_shutdown();
	sg_main_loop_shutdown();
	unlink(dialplan);
	rmdir(tmpdir);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	nlines = 0;
	err[0] = '\0';
	return 0;
}

/* Each test leaves no module behind. */
static int teardown(void **state)
{
	(void)state;
	sg_loader_unload_all();
	return sg_loader_count() == 0 ? 0 : -1;
}

static void test_init(void **state)
{
	(void)state;
	assert_string_equal(sg_loader_dir(), test_module_dir);
	assert_int_equal(sg_loader_count(), 0);
	assert_null(sg_loader_find("dep_base"));
	assert_string_equal(sg_module_name(NULL), "core");
	assert_int_equal(sg_module_use_count(NULL), 0);
}

static void test_bad_abi(void **state)
{
	(void)state;
	assert_int_equal(sg_loader_load("bad_abi", err, sizeof(err)), -EPROTO);
	char theirs[64], ours[64];
	snprintf(theirs, sizeof(theirs), "ABI %u", SG_MODULE_ABI_VERSION + 41);
	snprintf(ours, sizeof(ours), "ABI %u", SG_MODULE_ABI_VERSION);
	assert_contains(err, "bad_abi");
	assert_contains(err, theirs);
	assert_contains(err, ours);
	assert_null(sg_loader_find("bad_abi"));
	assert_int_equal(sg_loader_count(), 0);
	/* The check alone says the same. */
	assert_int_equal(sg_loader_check("bad_abi", err, sizeof(err)), -EPROTO);
	assert_contains(err, theirs);
}

static void test_missing_module(void **state)
{
	(void)state;
	char want[1024];
	snprintf(want, sizeof(want), "%s/no_such_module.so", test_module_dir);
	assert_int_equal(sg_loader_load("no_such_module", err, sizeof(err)), -ENOENT);
	assert_contains(err, want);
	assert_contains(err, "no_such_module");
	assert_null(sg_loader_find("no_such_module"));
	assert_int_equal(sg_loader_count(), 0);
}

static void test_bad_names(void **state)
{
	(void)state;
	assert_int_equal(sg_loader_load("../modules/dep_base", err, sizeof(err)), -EINVAL);
	assert_contains(err, "not a module name");
	assert_int_equal(sg_loader_load("", err, sizeof(err)), -EINVAL);
	assert_int_equal(sg_loader_load("dep_base.so", err, sizeof(err)), -EINVAL);
	assert_int_equal(sg_loader_count(), 0);
}

static void test_dependency_loads_first(void **state)
{
	(void)state;
	assert_int_equal(sg_loader_load("dep_user", err, sizeof(err)), 0);
	struct sg_module *base = sg_loader_find("dep_base");
	struct sg_module *user = sg_loader_find("dep_user");
	assert_non_null(base);
	assert_non_null(user);
	assert_string_equal(sg_module_name(base), "dep_base");
	assert_string_equal(sg_module_name(user), "dep_user");
	assert_int_equal(sg_loader_count(), 2);
	/* dep_base's load() ran before dep_user's. */
	int b = line_with("dep_base load"), u = line_with("dep_user load");
	assert_true(b >= 0);
	assert_true(u >= 0);
	assert_true(b < u);
	/* Already there. */
	assert_int_equal(sg_loader_load("dep_user", err, sizeof(err)), -EEXIST);
	assert_contains(err, "already loaded");
	assert_int_equal(sg_loader_load("dep_base", err, sizeof(err)), -EEXIST);
	assert_int_equal(sg_loader_count(), 2);
}

/* dep_base offers "dep" version 1 (service.h); dep_user calls it from its load(). */
static void test_service_between_modules(void **state)
{
	(void)state;
	assert_null(sg_service_get("dep", 1));
	assert_int_equal(sg_loader_load("dep_user", err, sizeof(err)), 0);
	assert_true(line_with("dep service answered 42") >= 0);
	assert_non_null(sg_service_get("dep", 1));
	assert_null(sg_service_get("dep", 2)); /* another version finds nothing */
	assert_int_equal(sg_service_version("dep"), 1);
	assert_int_equal(sg_service_register(NULL, "dep", 1, "x"), -EEXIST);
	assert_int_equal(sg_service_register(NULL, "", 1, "x"), -EINVAL);
	assert_int_equal(sg_service_register(NULL, "x", 1, NULL), -EINVAL);
	assert_int_equal(sg_loader_unload("dep_user", err, sizeof(err)), 0);
	assert_int_equal(sg_loader_unload("dep_base", err, sizeof(err)), 0);
	assert_null(sg_service_get("dep", 1));
	assert_int_equal(sg_service_version("dep"), 0);

	/* A service its module forgot is removed when the module goes. */
	assert_int_equal(sg_loader_load("dep_base", err, sizeof(err)), 0);
	struct sg_module *base = sg_loader_find("dep_base");
	static const int table = 1;
	assert_int_equal(sg_service_register(base, "forgotten", 3, &table), 0);
	assert_ptr_equal(sg_service_get("forgotten", 3), &table);
	assert_int_equal(sg_loader_unload("dep_base", err, sizeof(err)), 0);
	assert_null(sg_service_get("forgotten", 3));
	assert_true(line_with("left 1 registration behind") >= 0);
}

static void test_unload_dependency_refused(void **state)
{
	(void)state;
	assert_int_equal(sg_loader_load("dep_user", err, sizeof(err)), 0);
	assert_int_equal(sg_loader_unload("dep_base", err, sizeof(err)), -EBUSY);
	assert_contains(err, "dep_base");
	assert_contains(err, "dep_user");
	assert_non_null(sg_loader_find("dep_base"));
	assert_int_equal(line_with("dep_base unload"), -1);
	/* A dependent module cannot be reloaded by unload+load either. */
	assert_int_equal(sg_loader_reload("dep_base", err, sizeof(err)), -EBUSY);
	assert_non_null(sg_loader_find("dep_base"));

	/* In the right order both go. */
	assert_int_equal(sg_loader_unload("dep_user", err, sizeof(err)), 0);
	assert_null(sg_loader_find("dep_user"));
	assert_int_equal(sg_loader_unload("dep_base", err, sizeof(err)), 0);
	assert_null(sg_loader_find("dep_base"));
	assert_true(line_with("dep_user unload") >= 0);
	assert_true(line_with("dep_user unload") < line_with("dep_base unload"));
	assert_int_equal(sg_loader_count(), 0);

	assert_int_equal(sg_loader_unload("dep_base", err, sizeof(err)), -ENOENT);
	assert_contains(err, "not loaded");
}

static void test_in_use_refused(void **state)
{
	(void)state;
	assert_int_equal(sg_loader_load("dep_base", err, sizeof(err)), 0);
	struct sg_module *m = sg_loader_find("dep_base");
	assert_non_null(m);
	assert_int_equal(sg_module_use_count(m), 0);
	sg_module_ref(m);
	sg_module_ref(m);
	assert_int_equal(sg_module_use_count(m), 2);
	assert_int_equal(sg_loader_unload("dep_base", err, sizeof(err)), -EBUSY);
	assert_contains(err, "in use");
	assert_contains(err, "2 references");
	sg_module_unref(m);
	assert_int_equal(sg_loader_unload("dep_base", err, sizeof(err)), -EBUSY);
	assert_contains(err, "1 reference");
	assert_ptr_equal(sg_loader_find("dep_base"), m);
	sg_module_unref(m);
	assert_int_equal(sg_module_use_count(m), 0);
	/* Unref never goes below zero. */
	sg_module_unref(m);
	assert_int_equal(sg_module_use_count(m), 0);
	sg_module_ref(NULL);
	sg_module_unref(NULL);
	assert_int_equal(sg_loader_unload("dep_base", err, sizeof(err)), 0);
	assert_null(sg_loader_find("dep_base"));
}

static void test_failed_load_leaves_nothing(void **state)
{
	(void)state;
	char out[512];
	assert_int_equal(sg_loader_load("fail_load", err, sizeof(err)), -EIO);
	assert_contains(err, "fail_load");
	assert_contains(err, "load failed");
	assert_null(sg_loader_find("fail_load"));
	assert_int_equal(sg_loader_count(), 0);
	/* The command its load() registered is gone again. */
	assert_int_equal(cli("ghost", out, sizeof(out)), SG_CLI_FAIL);
	assert_contains(out, "no such command");
	/* And a second attempt fails the same way (no stale registration). */
	assert_int_equal(sg_loader_load("fail_load", err, sizeof(err)), -EIO);
	assert_int_equal(cli("ghost", out, sizeof(out)), SG_CLI_FAIL);
	assert_contains(out, "no such command");
}

static void test_chan_test_module(void **state)
{
	(void)state;
	char out[512];
	assert_null(sg_chan_tech_find("Test"));
	assert_int_equal(sg_loader_load("chan_test", err, sizeof(err)), 0);
	assert_non_null(sg_chan_tech_find("Test"));
	assert_int_equal(cli("test show", out, sizeof(out)), SG_CLI_OK);
	assert_int_equal(cli("test show extra", out, sizeof(out)), SG_CLI_USAGE);
	assert_contains(out, "usage: test show");
	assert_int_equal(sg_loader_unload("chan_test", err, sizeof(err)), 0);
	assert_null(sg_chan_tech_find("Test"));
	assert_int_equal(cli("test show", out, sizeof(out)), SG_CLI_FAIL);
	assert_contains(out, "no such command");
}

static enum sg_cli_result h_left(struct sg_cli *c, int argc, const char *const *argv)
{
	sg_cli_printf(c, "still here\n");
	return SG_CLI_OK;
}

static void never_fire(struct sg_timer *t, void *arg)
{
	(void)t;
	(*(int *)arg)++;
}

static void test_unload_purges_leftovers(void **state)
{
	(void)state;
	static const struct sg_cli_command leftover[] = {{"left over", "left over", "", h_left}};
	char out[512];
	int fired = 0;
	assert_int_equal(sg_loader_load("dep_base", err, sizeof(err)), 0);
	struct sg_module *m = sg_loader_find("dep_base");
	/* Registrations made in the module's name that its unload() does not remove. */
	assert_int_equal(sg_cli_register(m, leftover, 1), 0);
	assert_non_null(sg_timer_start(sg_loop_main(), m, 20, 0, never_fire, &fired));
	assert_int_equal(cli("left over", out, sizeof(out)), SG_CLI_OK);
	assert_int_equal(sg_loader_unload("dep_base", err, sizeof(err)), 0);
	assert_int_equal(cli("left over", out, sizeof(out)), SG_CLI_FAIL);
	assert_contains(out, "no such command");
	assert_int_equal(sg_loop_purge_owner(sg_loop_main(), m), 0);
	/* The loader says what it cleaned up. */
	int w = line_with("left 2 registrations behind");
	if (w < 0)
		fail_msg("no warning about the leftovers");
	assert_contains(lines[w], "dep_base");
	/* The timer is gone: drive the loop past its expiry. */
	struct sg_timer *guard = sg_timer_start(sg_loop_main(), NULL, 60, 0, never_fire, &fired);
	for (int i = 0; i < 50 && sg_timer_pending(guard); i++)
		sg_loop_run_once(sg_loop_main(), true);
	assert_false(sg_timer_pending(guard));
	assert_int_equal(fired, 1); /* the guard only */
	sg_timer_free(guard);
}

static void test_reload_without_hook(void **state)
{
	(void)state;
	assert_int_equal(sg_loader_load("dep_base", err, sizeof(err)), 0);
	/* No reload hook: unloaded and loaded again. */
	assert_int_equal(sg_loader_reload("dep_base", err, sizeof(err)), 0);
	assert_non_null(sg_loader_find("dep_base"));
	assert_true(line_with("dep_base unload") >= 0);
	assert_int_equal(sg_loader_reload("nothing_here", err, sizeof(err)), -ENOENT);
}

static void test_unload_all(void **state)
{
	(void)state;
	assert_int_equal(sg_loader_load("dep_user", err, sizeof(err)), 0);
	assert_int_equal(sg_loader_load("chan_test", err, sizeof(err)), 0);
	assert_int_equal(sg_loader_count(), 3);
	/* Even in use. */
	sg_module_ref(sg_loader_find("dep_base"));
	nlines = 0;
	sg_loader_unload_all();
	assert_int_equal(sg_loader_count(), 0);
	assert_null(sg_loader_find("dep_user"));
	assert_null(sg_loader_find("dep_base"));
	assert_null(sg_loader_find("chan_test"));
	assert_null(sg_chan_tech_find("Test"));
	/* In reverse load order: the user before what it depends on. */
	int u = line_with("dep_user unload"), b = line_with("dep_base unload");
	assert_true(u >= 0 && b > u);
	assert_true(line_with("with 1 reference left") >= 0);
	/* Nothing to do the second time. */
	sg_loader_unload_all();
	assert_int_equal(sg_loader_count(), 0);
	/* And modules load again afterwards. */
	assert_int_equal(sg_loader_load("dep_base", err, sizeof(err)), 0);
}

/* A module's config section (res_example from MODULE_DIR): checked before load(). */
static void test_config_section(void **state)
{
	(void)state;
	const char *dir = getenv("MODULE_DIR");
	if (!dir || !*dir)
		dir = "build/modules";
	char so[1024];
	snprintf(so, sizeof(so), "%s/res_example.so", dir);
	if (access(so, R_OK) != 0)
		fail_msg("%s is missing", so);
	char out[512];
	sg_loader_init(dir);

	assert_int_equal(use_dialplan("settings{\n  example = { greting = \"Hi\" },\n}\n"), 0);
	assert_int_equal(sg_loader_load("res_example", err, sizeof(err)), -EINVAL);
	char where[300];
	snprintf(where, sizeof(where), "%s:1:", dialplan);
	assert_contains(err, where);
	assert_contains(err, "settings.example.greting");
	assert_contains(err, "did you mean 'greeting'");
	assert_null(sg_loader_find("res_example"));
	assert_false(sg_loader_claims_section("example"));

	assert_int_equal(use_dialplan("settings{ example = { greeting = \"Ahoy\" } }\n"), 0);
	assert_int_equal(sg_loader_load("res_example", err, sizeof(err)), 0);
	assert_true(sg_loader_claims_section("example"));
	assert_int_equal(cli("example hello sailor", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(out, "Ahoy, sailor!\n");
	/* Its Lua library is there while it is loaded, and gone after. */
	lua_State *L = sg_dp_state();
	lua_getglobal(L, "example");
	assert_true(lua_istable(L, -1));
	lua_pop(L, 1);
	assert_int_equal(sg_loader_unload("res_example", err, sizeof(err)), 0);
	lua_getglobal(L, "example");
	assert_true(lua_isnil(L, -1));
	lua_pop(L, 1);
	assert_int_equal(cli("example hello", out, sizeof(out)), SG_CLI_FAIL);
	assert_false(sg_loader_claims_section("example"));
	sg_loader_init(test_module_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_abi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dependency_loads_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_service_between_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unload_dependency_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_use_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_load_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chan_test_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unload_purges_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_without_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unload_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_section, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

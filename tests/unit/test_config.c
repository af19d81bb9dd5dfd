/* test_config.c: loading the Lua entry file: what is refused (with file:line and
 * the cause), what a good file yields (settings, users), and the config getters. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
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

#include <strowger/config.h>
#include <strowger/log.h>
#include <strowger/users.h>

#include "../config.h"
#include "config_priv.h"
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

static char tmpdir[64];
static char path[256];	  /* the file the last load_text() wrote */
static unsigned file_serial;
static char err[2048];
static struct sg_core_settings settings;

/* Writes text to a new file in tmpdir and loads it. */
static struct dp_gen *load_text_checked(const char *text, bool check_sections)
{
	snprintf(path, sizeof(path), "%s/cfg%u.lua", tmpdir, ++file_serial);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	err[0] = '\0';
	memset(&settings, 0xa5, sizeof(settings));
	return sg_dp_load(path, check_sections, &settings, err, sizeof(err));
}

static struct dp_gen *load_text(const char *text)
{
	return load_text_checked(text, false);
}

/* The file must be refused with an error that starts with "FILE:LINE:" and contains
 * each of the given fragments. */
static void check_refused(const char *text, int line, const char *const *fragments)
{
	struct dp_gen *g = load_text(text);
	if (g) {
		sg_dp_gen_unref(g);
		fail_msg("accepted a bad file:\n%s", text);
	}
	assert_true(err[0] != '\0');
	char where[300];
	snprintf(where, sizeof(where), "%s:%d:", path, line);
	if (strncmp(err, where, strlen(where)))
		fail_msg("error \"%s\" does not start with \"%s\"", err, where);
	for (const char *const *f = fragments; *f; f++)
		assert_contains(err, *f);
	/* A refused load leaves nothing on the Lua stack. */
	assert_int_equal(lua_gettop(sg_dp_state()), 0);
}

#define REFUSED(text, line, ...) check_refused((text), (line), (const char *const[]){__VA_ARGS__, NULL})

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sg-test-cfg.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	const char *mods = getenv("TEST_MODULE_DIR");
	sg_loader_init(mods && *mods ? mods : "build/tests/modules");
	if (sg_main_loop_init() || sg_dp_init(0))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sg_dp_shutdown();
	sg_main_loop_shutdown();
	/* Every file written, including those of child processes. */
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char p[384];
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(tmpdir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sg_dp_activate(NULL);
	sg_log_set_level(SG_LOG_NOTICE);
	return 0;
}

/* --- refused files --- */

static void test_unknown_key_suggests(void **state)
{
	(void)state;
	REFUSED("-- a comment\n"
		"settings{\n"
		"  log = { levle = \"debug\" },\n"
		"}\n",
		2, "settings.log.levle", "unknown key", "did you mean 'level'");
	REFUSED("settings{ media = { worker = 2 } }\n", 1, "settings.media.worker",
		"did you mean 'workers'");
	/* Too far from any key: no suggestion. */
	REFUSED("settings{ console = { zzzzzzzz = 1 } }\n", 1, "settings.console.zzzzzzzz: unknown key");
	assert_null(strstr(err, "did you mean"));
}

static void test_wrong_type(void **state)
{
	(void)state;
	REFUSED("\nsettings{ media = { workers = \"two\" } }\n", 2, "settings.media.workers",
		"expected an integer", "got string");
	REFUSED("settings{ media = { workers = 1.5 } }\n", 1, "expected an integer", "got number");
	REFUSED("settings{ log = { stderr = \"yes\" } }\n", 1, "settings.log.stderr",
		"expected true or false");
	REFUSED("settings{ log = \"debug\" }\n", 1, "settings.log", "expected a table");
	REFUSED("settings{ data_dir = 42 }\n", 1, "settings.data_dir", "expected a string");
	REFUSED("settings{ modules = { \"a\", 2 } }\n", 1, "settings.modules",
		"expected a list of strings");
	REFUSED("settings{ modules = { x = \"a\" } }\n", 1, "settings.modules",
		"expected a list of strings");
}

static void test_bad_log_level(void **state)
{
	(void)state;
	REFUSED("settings{\n log = { level = \"loud\" } }\n", 1, "settings.log.level",
		"'loud' is not a log level");
	REFUSED("settings{ log = { tags = { sip = \"verbose\" } } }\n", 1, "settings.log.tags",
		"'verbose' is not a log level");
	REFUSED("settings{ log = { tags = { \"debug\" } } }\n", 1, "settings.log.tags");
}

static void test_rtp_ports(void **state)
{
	(void)state;
	/* The range is res_rtp's (settings.rtp.rtp_start/rtp_end), not the core's. */
	REFUSED("settings{ media = { rtp_port_min = 10000 } }\n", 1, "settings.media.rtp_port_min",
		"unknown key");
	REFUSED("settings{ media = { workers = -1 } }\n", 1, "settings.media.workers", "out of range");
}

static void test_other_core_values(void **state)
{
	(void)state;
	REFUSED("settings{ console = { mode = \"rw\" } }\n", 1, "settings.console.mode",
		"not an octal mode");
	REFUSED("settings{ console = { mode = \"01777\" } }\n", 1, "settings.console.mode");
	REFUSED("settings{ dialplan = { max_instructions = 10 } }\n", 1,
		"settings.dialplan.max_instructions");
	REFUSED("settings{ dialplan = { max_memory_mb = 1 } }\n", 1, "settings.dialplan.max_memory_mb");
}

static void test_syntax_error(void **state)
{
	(void)state;
	REFUSED("settings{}\n"
		"local x = 1\n"
		"x = = 2\n",
		3, "unexpected symbol");
	REFUSED("extensions = {\n"
		"  default = {\n"
		"    [\"1000\"] = function(call)\n"
		"  },\n"
		"}\n",
		4, "expected");
}

static void test_runtime_error(void **state)
{
	(void)state;
	REFUSED("local t = nil\n"
		"t.x = 1\n",
		2, "attempt to index a nil value");
	REFUSED("settings{}\n"
		"\n"
		"error(\"the admin's own message\")\n",
		3, "the admin's own message");
	/* Only the first line: no traceback. */
	assert_null(strchr(err, '\n'));
	REFUSED("settings(42)\n", 1, "table expected");
	/* The sandbox has no os.exit or io.popen. */
	REFUSED("os.exit(1)\n", 1, "attempt to call a nil value");
	REFUSED("local p = io.popen('true')\n", 1, "attempt to call a nil value");
}

static void test_endless_loop(void **state)
{
	(void)state;
	struct dp_gen *g = load_text("settings{}\nwhile true do end\n");
	if (g) {
		sg_dp_gen_unref(g);
		fail_msg("an endless loop at load time was accepted");
	}
	assert_contains(err, "instructions");
	assert_contains(err, "endless loop");
	assert_int_equal(lua_gettop(sg_dp_state()), 0);

	/* The hook is gone afterwards: a long but finite file still loads. */
	g = load_text("local n = 0\nfor i = 1, 100000 do n = n + i end\nsettings{}\n");
	assert_non_null(g);
	sg_dp_gen_unref(g);
}

static void test_endless_loop_names_the_line(void **state)
{
	(void)state;
	/* Like every other load error, the runaway one should say where it ran. */
	struct dp_gen *g = load_text("settings{}\nlocal n = 0\nwhile true do n = n + 1 end\n");
	if (g) {
		sg_dp_gen_unref(g);
		fail_msg("an endless loop at load time was accepted");
	}
	char where[300];
	snprintf(where, sizeof(where), "%s:3:", path);
	assert_contains(err, where);
}

static void test_users_refused(void **state)
{
	(void)state;
	REFUSED("settings{}\n"
		"users{\n"
		"  [\"1000\"] = { name = \"Alice\", pasword = \"x\" },\n"
		"}\n",
		2, "users['1000'].pasword", "unknown key", "did you mean 'password'");
	REFUSED("users{ [\"1000\"] = { name = \"Alice\" } }\n", 1, "users['1000']", "needs a password");
	REFUSED("users{ [\"1000\"] = { ha1_md5 = \"abc\", realm = \"pbx\" } }\n", 1, "users['1000']",
		"ha1_md5 is 32");
	REFUSED("users{ [\"1000\"] = { ha1_sha256 = string.rep(\"a\", 32), realm = \"pbx\" } }\n", 1,
		"64 hex digits");
	REFUSED("users{ [\"1000\"] = { ha1_md5 = string.rep(\"g\", 32), realm = \"pbx\" } }\n", 1,
		"hex digits");
	REFUSED("users{ [\"1000\"] = { ha1_md5 = string.rep(\"a\", 32) } }\n", 1, "needs the realm");
	REFUSED("users{ [\"1000\"] = { password = 1234 } }\n", 1, "users['1000'].password",
		"expected a string");
	REFUSED("users{ [\"1000\"] = { password = \"x\", vars = \"a=b\" } }\n", 1, "users['1000'].vars",
		"expected a table");
	REFUSED("users{ [\"1000\"] = \"secret\" }\n", 1, "users['1000']", "expected a table");
	REFUSED("users{ [\"1000\"] = { password = \"x\", media = \"p2p\" } }\n", 1, "users['1000'].media",
		"\"p2p\" is not \"relay\" (the default) or \"direct\"");
	REFUSED("users{ { password = \"x\" }, [true] = { password = \"y\" } }\n", 1, "user id");
	/* Duplicate ids: across two users{} calls (the second one is named)... */
	REFUSED("users{ [\"1000\"] = { password = \"a\" } }\n"
		"users{ [\"1001\"] = { password = \"b\" } }\n"
		"users{ [\"1000\"] = { password = \"c\" } }\n",
		3, "users['1000']", "declared twice");
	/* ...and as an integer and a string key of one table. */
	REFUSED("\nusers{ [1000] = { password = \"a\" }, [\"1000\"] = { password = \"b\" } }\n", 2,
		"users['1000']", "declared twice");
}

static void test_extensions_refused(void **state)
{
	(void)state;
	/* A value that is not a function has no line of its own: the file is named. */
	struct dp_gen *g = load_text("extensions = {\n  default = {\n    [\"1000\"] = \"hello\",\n  },\n}\n");
	if (g) {
		sg_dp_gen_unref(g);
		fail_msg("a non-function extension was accepted");
	}
	char where[300];
	snprintf(where, sizeof(where), "%s:", path);
	assert_int_equal(strncmp(err, where, strlen(where)), 0);
	assert_contains(err, "extensions.default['1000']");
	assert_contains(err, "expected a function");
	assert_contains(err, "got string");

	/* A bad pattern is reported at the line of its function. */
	REFUSED("extensions = {\n"
		"  default = {\n"
		"    [\"1000\"] = function(call) end,\n"
		"    [\"_1[2\"] = function(call)\n"
		"    end,\n"
		"  },\n"
		"}\n",
		4, "extensions.default['_1[2']", "bad pattern", "'[' without ']'");
	REFUSED("extensions = { default = {\n [\"_1.2\"] = function(call) end } }\n", 2,
		"bad pattern", "only end");

	g = load_text("extensions = \"nope\"\n");
	assert_null(g);
	assert_contains(err, path);
	assert_contains(err, "extensions: expected a table");
	g = load_text("extensions = { default = function() end }\n");
	assert_null(g);
	assert_contains(err, path);
	assert_contains(err, "extensions");
	g = load_text("extensions = { default = { [1.5] = function() end } }\n");
	assert_null(g);
	assert_contains(err, "keys must be extensions");
	assert_int_equal(lua_gettop(sg_dp_state()), 0);
}

static void test_settings_twice(void **state)
{
	(void)state;
	char first[300];
	/* The error is at the second call and names the first. */
	REFUSED("settings{ log = { level = \"info\" } }\n"
		"\n"
		"settings{ log = { level = \"debug\" } }\n",
		3, "settings{} given twice");
	snprintf(first, sizeof(first), "first at %s:1", path);
	assert_contains(err, first);
}

static void test_missing_file(void **state)
{
	(void)state;
	char missing[300];
	snprintf(missing, sizeof(missing), "%s/does-not-exist.lua", tmpdir);
	assert_null(sg_dp_load(missing, false, &settings, err, sizeof(err)));
	assert_contains(err, missing);
	assert_contains(err, "cannot open");
}

/* --- a good file --- */

static const char good_text[] =
	"-- a complete entry file\n"                                                          /* 1 */
	"settings{\n"                                                                         /* 2 */
	"  data_dir = \"/var/lib/sgtest\",\n"                                                 /* 3 */
	"  modules = { \"res_example\", \"chan_test\" },\n"                                   /* 4 */
	"  console = { socket = \"run/ctl.sock\", mode = \"0600\" },\n"                       /* 5 */
	"  log = { level = \"info\", stderr = false, tags = { sip = \"debug\", rtp = \"error\" } },\n"
	"  media = { workers = 3, queue_size = 128 },\n"
	"  dialplan = { default_context = \"office\", max_instructions = 200000, max_memory_mb = 64 },\n"
	"}\n"
	"users{\n"
	"  [\"1002\"] = { name = \"Carol\", password = \"c-pass\", media = \"direct\" },\n"
	"  [\"1000\"] = { name = \"Alice\", password = \"a-pass\", context = \"office\" },\n"
	"}\n"
	"users{\n"
	"  [1001] = { ha1_md5 = string.rep(\"a\", 32), realm = \"pbx.example\", vars = { lang = \"fr\" } },\n"
	"  [\"0999\"] = { password = \"z\" },\n"
	"}\n"
	"extensions = { office = { [\"1000\"] = function(call) end } }\n";

static void test_good_file_settings(void **state)
{
	(void)state;
	struct dp_gen *g = load_text(good_text);
	if (!g)
		fail_msg("refused: %s", err);
	char where[300];
	snprintf(where, sizeof(where), "%s:2", path);
	assert_string_equal(g->where, where);
	assert_string_equal(settings.data_dir, "/var/lib/sgtest");
	/* A relative path is taken from the entry file's folder. */
	char sock[300];
	snprintf(sock, sizeof(sock), "%s/run/ctl.sock", tmpdir);
	assert_string_equal(settings.console_socket, sock);
	assert_int_equal(settings.console_mode, 0600);
	assert_int_equal(settings.log_level, SG_LOG_INFO);
	assert_false(settings.log_stderr);
	assert_string_equal(settings.log_file, "");
	assert_int_equal(settings.media_workers, 3);
	assert_int_equal(settings.media_queue, 128);
	assert_string_equal(settings.default_context, "office");
	assert_int_equal(settings.max_instructions, 200000);
	assert_int_equal(settings.max_memory_mb, 64);
	assert_int_equal(g->ncontexts, 1);
	assert_int_equal(lua_gettop(sg_dp_state()), 0);
	sg_dp_gen_unref(g);
}

static void test_defaults(void **state)
{
	(void)state;
	struct dp_gen *g = load_text("-- nothing but a comment\n");
	if (!g)
		fail_msg("refused: %s", err);
	assert_string_equal(settings.data_dir, SG_DEFAULT_DATA_DIR);
	assert_string_equal(settings.module_path, SG_DEFAULT_MODULE_DIR);
	assert_string_equal(settings.console_socket, SG_DEFAULT_DATA_DIR "/strowger.ctl");
	assert_int_equal(settings.console_mode, 0660);
	assert_int_equal(settings.log_level, SG_LOG_NOTICE);
	assert_true(settings.log_stderr);
	assert_int_equal(settings.media_workers, 0);
	assert_int_equal(settings.media_queue, 4096);
	assert_string_equal(settings.default_context, "default");
	assert_int_equal(settings.max_instructions, 5000000);
	assert_int_equal(settings.max_memory_mb, 256);
	assert_int_equal(g->nusers, 0);
	assert_int_equal(g->ncontexts, 0);
	/* The settings{} of a file without one is an empty table at the file itself. */
	assert_string_equal(g->where, path);
	sg_dp_gen_unref(g);

	/* A relative data_dir follows the file too, and the socket follows it. */
	g = load_text("settings{ data_dir = \"var\", log = { file = \"/tmp/x.log\" } }\n");
	if (!g)
		fail_msg("refused: %s", err);
	char dir[300], sock[320];
	snprintf(dir, sizeof(dir), "%s/var", tmpdir);
	snprintf(sock, sizeof(sock), "%s/strowger.ctl", dir);
	assert_string_equal(settings.data_dir, dir);
	assert_string_equal(settings.console_socket, sock);
	assert_string_equal(settings.log_file, "/tmp/x.log");
	sg_dp_gen_unref(g);
}

static void test_good_file_users(void **state)
{
	(void)state;
	struct dp_gen *g = load_text(good_text);
	if (!g)
		fail_msg("refused: %s", err);
	assert_int_equal(g->nusers, 4);
	/* Sorted by id, whichever users{} they came from. */
	assert_string_equal(g->users[0].id, "0999");
	assert_string_equal(g->users[1].id, "1000");
	assert_string_equal(g->users[2].id, "1001");
	assert_string_equal(g->users[3].id, "1002");

	assert_null(sg_user_find("1000")); /* not current yet */
	assert_int_equal(sg_users_count(), 0);
	sg_dp_activate(g);
	assert_int_equal(sg_users_count(), 4);

	const struct sg_user *u = sg_user_find("1000");
	assert_non_null(u);
	assert_string_equal(u->id, "1000");
	assert_string_equal(u->name, "Alice");
	assert_string_equal(u->password, "a-pass");
	assert_string_equal(u->context, "office");
	assert_null(u->ha1_md5);

	u = sg_user_find("1001");
	assert_non_null(u);
	assert_null(u->password);
	assert_null(u->name);
	assert_string_equal(u->ha1_md5, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_string_equal(u->realm, "pbx.example");
	assert_null(u->context);

	u = sg_user_find("1002");
	assert_non_null(u);
	assert_string_equal(u->name, "Carol");
	assert_true(u->direct_media);
	assert_false(sg_user_find("1000")->direct_media); /* relay by default */
	assert_null(sg_user_find("9999"));
	assert_null(sg_user_find("100"));
	assert_null(sg_user_find(NULL));

	assert_string_equal(sg_user_at(0)->id, "0999");
	assert_string_equal(sg_user_at(3)->id, "1002");
	assert_null(sg_user_at(4));
}

static void test_config_getters(void **state)
{
	(void)state;
	struct dp_gen *g = load_text(good_text);
	if (!g)
		fail_msg("refused: %s", err);
	sg_dp_activate(g);

	const char *s = NULL;
	assert_true(sg_config_string("log.level", &s));
	assert_string_equal(s, "info");
	assert_true(sg_config_string("data_dir", &s));
	assert_string_equal(s, "/var/lib/sgtest");
	assert_true(sg_config_string("log.tags.sip", &s));
	assert_string_equal(s, "debug");

	long long i = -7;
	assert_true(sg_config_int("media.workers", &i));
	assert_int_equal(i, 3);
	assert_true(sg_config_int("dialplan.max_instructions", &i));
	assert_int_equal(i, 200000);
	double d = 0;
	assert_true(sg_config_number("media.queue_size", &d));
	assert_true(d == 128.0);

	bool b = true;
	assert_true(sg_config_bool("log.stderr", &b));
	assert_false(b);

	assert_int_equal(sg_config_list_len("modules"), 2);
	assert_string_equal(sg_config_list_get("modules", 0), "res_example");
	assert_string_equal(sg_config_list_get("modules", 1), "chan_test");
	assert_null(sg_config_list_get("modules", 2));

	/* Unset or of another type: false, and *out is left alone. */
	s = "untouched";
	assert_false(sg_config_string("log.file", &s));
	assert_false(sg_config_string("nosuch", &s));
	assert_false(sg_config_string("nosuch.deeper.path", &s));
	assert_false(sg_config_string("data_dir.sub", &s));
	assert_false(sg_config_string("media.workers", &s));
	assert_string_equal(s, "untouched");
	i = -7;
	assert_false(sg_config_int("log.level", &i));
	assert_false(sg_config_int("media.nosuch", &i));
	assert_int_equal(i, -7);
	b = true;
	assert_false(sg_config_bool("log.level", &b));
	assert_true(b);
	assert_int_equal(sg_config_list_len("nosuch"), 0);
	assert_null(sg_config_list_get("nosuch", 0));

	char where[300];
	snprintf(where, sizeof(where), "%s:2", path);
	assert_string_equal(sg_config_where(), where);
	assert_int_equal(lua_gettop(sg_dp_state()), 0);
}

static void test_getters_without_config(void **state)
{
	(void)state;
	sg_dp_activate(NULL);
	const char *s = "x";
	long long i = 5;
	assert_false(sg_config_string("log.level", &s));
	assert_false(sg_config_int("media.workers", &i));
	assert_int_equal(sg_config_list_len("modules"), 0);
	assert_string_equal(s, "x");
	assert_int_equal(i, 5);
}

static void test_check_sections(void **state)
{
	(void)state;
	lua_State *L = sg_dp_state();
	/* Loaded without the section check (as at start), then checked. */
	struct dp_gen *g = load_text("settings{\n"
				     "  log = { level = \"info\" },\n"
				     "  voicemail = { greeting = \"hi\" },\n"
				     "}\n");
	if (!g)
		fail_msg("refused: %s", err);
	char where[300];
	snprintf(where, sizeof(where), "%s:1:", path);
	err[0] = '\0';
	assert_int_equal(sg_config_check_sections(L, g, err, sizeof(err)), -EINVAL);
	assert_int_equal(strncmp(err, where, strlen(where)), 0);
	assert_contains(err, "settings.voicemail");
	assert_contains(err, "unknown setting");
	assert_contains(err, "no loaded module");
	assert_int_equal(lua_gettop(L), 0);
	sg_dp_gen_unref(g);

	/* A typo of a core section gets a suggestion. */
	g = load_text("settings{ medai = { workers = 1 } }\n");
	if (!g)
		fail_msg("refused: %s", err);
	assert_int_equal(sg_config_check_sections(L, g, err, sizeof(err)), -EINVAL);
	assert_contains(err, "settings.medai");
	assert_contains(err, "did you mean 'media'");
	assert_int_equal(lua_gettop(L), 0);
	sg_dp_gen_unref(g);

	/* Core sections only: accepted. */
	g = load_text(good_text);
	if (!g)
		fail_msg("refused: %s", err);
	assert_int_equal(sg_config_check_sections(L, g, err, sizeof(err)), 0);
	assert_int_equal(lua_gettop(L), 0);
	sg_dp_gen_unref(g);

	/* A key that is not a name is no section at all. */
	g = load_text("settings{ [1] = \"x\" }\n");
	if (!g)
		fail_msg("refused: %s", err);
	snprintf(where, sizeof(where), "%s:1:", path);
	assert_int_equal(sg_config_check_sections(L, g, err, sizeof(err)), -EINVAL);
	assert_int_equal(strncmp(err, where, strlen(where)), 0);
	assert_contains(err, "keys must be names");
	assert_int_equal(lua_gettop(L), 0);
	sg_dp_gen_unref(g);

	/* With the check at load time (reload), the file is refused outright. */
	assert_null(load_text_checked("settings{ voicemail = {} }\n", true));
	assert_contains(err, "settings.voicemail");
	assert_int_equal(lua_gettop(L), 0);
}

static void test_validate_module_section(void **state)
{
	(void)state;
	static const struct sg_config_key keys[] = {
		{"greeting", SG_CFG_STRING, "what to say"},
		{"count", SG_CFG_INT, "how often"},
		{"voices", SG_CFG_STRING_LIST, "who says it"},
		{NULL, 0, NULL},
	};
	struct dp_gen *g = load_text("settings{\n"
				     "  example = { greeting = \"hi\", count = 2, voices = { \"a\", \"b\" } },\n"
				     "  bad = { greting = \"hi\" },\n"
				     "  wrong = { count = \"twice\" },\n"
				     "  flat = 3,\n"
				     "}\n");
	if (!g)
		fail_msg("refused: %s", err);
	sg_dp_activate(g);
	assert_int_equal(sg_config_validate_section("example", keys, err, sizeof(err)), 0);
	assert_int_equal(sg_config_validate_section("absent", keys, err, sizeof(err)), 0);

	char where[300];
	snprintf(where, sizeof(where), "%s:1:", path);
	assert_int_equal(sg_config_validate_section("bad", keys, err, sizeof(err)), -EINVAL);
	assert_int_equal(strncmp(err, where, strlen(where)), 0);
	assert_contains(err, "settings.bad.greting");
	assert_contains(err, "did you mean 'greeting'");
	assert_int_equal(sg_config_validate_section("wrong", keys, err, sizeof(err)), -EINVAL);
	assert_contains(err, "settings.wrong.count: expected an integer");
	assert_int_equal(sg_config_validate_section("flat", keys, err, sizeof(err)), -EINVAL);
	assert_contains(err, "settings.flat: expected a table");
	assert_int_equal(lua_gettop(sg_dp_state()), 0);

	long long n = 0;
	assert_true(sg_config_int("example.count", &n));
	assert_int_equal(n, 2);
	assert_int_equal(sg_config_list_len("example.voices"), 2);
	assert_string_equal(sg_config_list_get("example.voices", 1), "b");
}

static void test_suggest(void **state)
{
	(void)state;
	static const char *const words[] = {"level", "file", "stderr", "tags"};
	assert_string_equal(sg_config_suggest("levle", words, 4), "level");
	assert_string_equal(sg_config_suggest("fil", words, 4), "file");
	assert_string_equal(sg_config_suggest("tag", words, 4), "tags");
	assert_string_equal(sg_config_suggest("stdrr", words, 4), "stderr");
	assert_null(sg_config_suggest("stdout", words, 4)); /* three edits away */
	assert_null(sg_config_suggest("completely-different", words, 4));
	assert_null(sg_config_suggest("x", words, 0));
}

static void test_reload_keeps_running_generation(void **state)
{
	(void)state;
	struct dp_gen *g = load_text("settings{ log = { level = \"info\" } }\n"
				     "users{ [\"1000\"] = { password = \"a\" } }\n");
	if (!g)
		fail_msg("refused: %s", err);
	sg_dp_activate(g);
	unsigned serial = g->serial;

	/* Break the file: the reload is refused, the running generation stays. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("settings{ log = { level = \"info\" } }\nusers{ [\"1000\"] = { } }\n", f);
	fclose(f);
	assert_int_equal(sg_dp_reload(err, sizeof(err)), -EINVAL);
	assert_contains(err, "needs a password");
	assert_ptr_equal(sg_dp_current(), g);
	assert_non_null(sg_user_find("1000"));

	/* Fix it: the new generation replaces the old one. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("settings{ log = { level = \"debug\" } }\nusers{ [\"2000\"] = { password = \"b\" } }\n", f);
	fclose(f);
	assert_int_equal(sg_dp_reload(err, sizeof(err)), 0);
	assert_true(sg_dp_current()->serial > serial);
	assert_null(sg_user_find("1000"));
	assert_non_null(sg_user_find("2000"));
	/* The runtime part of the settings was applied. */
	assert_int_equal(sg_log_get_level(), SG_LOG_DEBUG);
}

static void test_memory_cap(void **state)
{
	(void)state;
	/* Past the Lua state's memory cap the file is refused, and the state survives. */
	sg_dp_set_memory_cap(sg_dp_memory() + (2u << 20));
	struct dp_gen *g = load_text("local t = {}\n"
				     "for i = 1, 1000000 do t[i] = ('x'):rep(100) .. i end\n"
				     "settings{}\n");
	sg_dp_set_memory_cap(0);
	if (g) {
		sg_dp_gen_unref(g);
		fail_msg("a file using more memory than the cap was accepted");
	}
	assert_contains(err, "not enough memory");
	assert_int_equal(lua_gettop(sg_dp_state()), 0);
	g = load_text(good_text);
	if (!g)
		fail_msg("refused after the memory error: %s", err);
	assert_int_equal(g->nusers, 4);
	sg_dp_gen_unref(g);
}


static int metatable_child(void)
{
	struct dp_gen *g = load_text("settings(setmetatable({}, {\n"
				     "  __index = function(t, k) error('no such setting: ' .. k) end,\n"
				     "}))\n");
	if (g)
		return 10;
	return strstr(err, path) ? 0 : 11;
}

/*
 * Core bug: settings{} given a table whose __index raises an error aborts the
 * process (unprotected Lua error -> abort()) instead of refusing the file:
 * sg_config_read_core() reads it with lua_getfield() outside any pcall.
 */
static void test_settings_metatable(void **state)
{
	(void)state;
	int rc = in_child(metatable_child);
	if (rc == 128 + SIGABRT)
		fail_msg("sg_dp_load aborted the process on a settings table with an erroring __index");
	if (rc)
		fail_msg("child failed with status %d", rc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_unknown_key_suggests, teardown),
		cmocka_unit_test_teardown(test_wrong_type, teardown),
		cmocka_unit_test_teardown(test_bad_log_level, teardown),
		cmocka_unit_test_teardown(test_rtp_ports, teardown),
		cmocka_unit_test_teardown(test_other_core_values, teardown),
		cmocka_unit_test_teardown(test_syntax_error, teardown),
		cmocka_unit_test_teardown(test_runtime_error, teardown),
		cmocka_unit_test_teardown(test_endless_loop, teardown),
		cmocka_unit_test_teardown(test_users_refused, teardown),
		cmocka_unit_test_teardown(test_extensions_refused, teardown),
		cmocka_unit_test_teardown(test_settings_twice, teardown),
		cmocka_unit_test_teardown(test_missing_file, teardown),
		cmocka_unit_test_teardown(test_good_file_settings, teardown),
		cmocka_unit_test_teardown(test_defaults, teardown),
		cmocka_unit_test_teardown(test_good_file_users, teardown),
		cmocka_unit_test_teardown(test_config_getters, teardown),
		cmocka_unit_test_teardown(test_getters_without_config, teardown),
		cmocka_unit_test_teardown(test_check_sections, teardown),
		cmocka_unit_test_teardown(test_validate_module_section, teardown),
		cmocka_unit_test_teardown(test_suggest, teardown),
		cmocka_unit_test_teardown(test_reload_keeps_running_generation, teardown),
		cmocka_unit_test_teardown(test_memory_cap, teardown),
		cmocka_unit_test_teardown(test_endless_loop_names_the_line, teardown),
		cmocka_unit_test_teardown(test_settings_metatable, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

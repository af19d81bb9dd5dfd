/* test_cli.c: console line splitting, command dispatch, help, completion, purging. */
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

#include "buf.h"
#include "cli_priv.h"

#define assert_contains(hay, needle)                                                          \
	do {                                                                                  \
		const char *h_ = (hay);                                                       \
		if (!h_ || !strstr(h_, (needle)))                                             \
			fail_msg("expected \"%s\" to contain \"%s\"", h_ ? h_ : "(null)", (needle)); \
	} while (0)

#define assert_not_contains(hay, needle)                                                      \
	do {                                                                                  \
		const char *h_ = (hay);                                                       \
		if (h_ && strstr(h_, (needle)))                                               \
			fail_msg("expected \"%s\" not to contain \"%s\"", h_, (needle));      \
	} while (0)

/* Owners for purge tests: any distinct non-NULL pointers will do. */
static char owner_a_tag, owner_b_tag;
#define OWNER_A ((struct sg_module *)(void *)&owner_a_tag)
#define OWNER_B ((struct sg_module *)(void *)&owner_b_tag)

/* What the last handler saw. */
static struct {
	const char *which;
	int argc;
	char argv[8][64];
	int calls;
} seen;

static void record(const char *which, int argc, const char *const *argv)
{
	seen.which = which;
	seen.argc = argc;
	seen.calls++;
	for (int i = 0; i < argc && i < 8; i++)
		snprintf(seen.argv[i], sizeof(seen.argv[i]), "%s", argv[i]);
}

static enum sg_cli_result h_show(struct sg_cli *cli, int argc, const char *const *argv)
{
	record("core show", argc, argv);
	sg_cli_printf(cli, "show ran with %d\n", argc);
	return SG_CLI_OK;
}

static enum sg_cli_result h_show_channels(struct sg_cli *cli, int argc, const char *const *argv)
{
	record("core show channels", argc, argv);
	sg_cli_printf(cli, "channels: %d\n", 0);
	return SG_CLI_OK;
}

static enum sg_cli_result h_usage(struct sg_cli *cli, int argc, const char *const *argv)
{
	record("module load", argc, argv);
	return argc == 1 ? SG_CLI_OK : SG_CLI_USAGE;
}

static enum sg_cli_result h_fail(struct sg_cli *cli, int argc, const char *const *argv)
{
	record("module unload", argc, argv);
	sg_cli_printf(cli, "cannot unload\n");
	return SG_CLI_FAIL;
}

static enum sg_cli_result h_plain(struct sg_cli *cli, int argc, const char *const *argv)
{
	record("plain", argc, argv);
	return SG_CLI_OK;
}

static const struct sg_cli_command core_cmds[] = {
	{"core show", "core show THING", "Show a thing", h_show},
	{"core show channels", "core show channels [verbose]", "List active channels", h_show_channels},
};

static const struct sg_cli_command module_cmds[] = {
	{"module load", "module load NAME", "Load a module", h_usage},
	{"module unload", "module unload NAME", "Unload a module", h_fail},
};

static int setup(void **state)
{
	(void)state;
	sg_cli_shutdown();
	memset(&seen, 0, sizeof(seen));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sg_cli_shutdown();
	return 0;
}

/* Runs a line, copying its output into out. */
static enum sg_cli_result run(const char *line, char *out, size_t outlen)
{
	struct sg_buf b;
	sg_buf_init(&b);
	enum sg_cli_result rc = sg_cli_run(line, &b);
	snprintf(out, outlen, "%s", sg_buf_str(&b));
	sg_buf_free(&b);
	return rc;
}

static void complete(const char *line, char *out, size_t outlen)
{
	struct sg_buf b;
	sg_buf_init(&b);
	sg_cli_complete(line, &b);
	snprintf(out, outlen, "%s", sg_buf_str(&b));
	sg_buf_free(&b);
}

/* --- sg_cli_split --- */

static void test_split_blanks(void **state)
{
	(void)state;
	const char *line = "  core \t show\tchannels  \r\n";
	char scratch[64];
	const char *words[8];
	const char *error = NULL;
	int n = sg_cli_split(line, scratch, words, 8, &error);
	assert_int_equal(n, 3);
	assert_string_equal(words[0], "core");
	assert_string_equal(words[1], "show");
	assert_string_equal(words[2], "channels");
	assert_null(error);

	assert_int_equal(sg_cli_split("", scratch, words, 8, &error), 0);
	assert_int_equal(sg_cli_split(" \t  ", scratch, words, 8, &error), 0);
}

static void test_split_quotes(void **state)
{
	(void)state;
	const char *line = "say \"hello world\" x \"\" a\"b c\"d";
	char scratch[64];
	const char *words[8];
	const char *error = NULL;
	int n = sg_cli_split(line, scratch, words, 8, &error);
	assert_int_equal(n, 5);
	assert_string_equal(words[0], "say");
	assert_string_equal(words[1], "hello world");
	assert_string_equal(words[2], "x");
	assert_string_equal(words[3], ""); /* empty quotes make an empty word */
	assert_string_equal(words[4], "ab cd");
}

static void test_split_escapes(void **state)
{
	(void)state;
	/* Inside quotes a backslash escapes the next character, outside it is literal. */
	const char *line = "\"a \\\"q\\\" \\\\ z\" c:\\dir";
	char scratch[64];
	const char *words[8];
	const char *error = NULL;
	int n = sg_cli_split(line, scratch, words, 8, &error);
	assert_int_equal(n, 2);
	assert_string_equal(words[0], "a \"q\" \\ z");
	assert_string_equal(words[1], "c:\\dir");
}

static void test_split_unterminated_quote(void **state)
{
	(void)state;
	char scratch[64];
	const char *words[8];
	const char *error = NULL;
	assert_int_equal(sg_cli_split("say \"hello there", scratch, words, 8, &error), -1);
	assert_non_null(error);
	assert_string_equal(error, "unterminated quote");

	/* An escaped closing quote does not close it either. */
	error = NULL;
	assert_int_equal(sg_cli_split("\"abc\\\"", scratch, words, 8, &error), -1);
	assert_string_equal(error, "unterminated quote");
}

static void test_split_too_many_words(void **state)
{
	(void)state;
	char scratch[64];
	const char *words[3];
	const char *error = NULL;
	assert_int_equal(sg_cli_split("a b c", scratch, words, 3, &error), 3);
	assert_null(error);
	assert_int_equal(sg_cli_split("a b c d", scratch, words, 3, &error), -1);
	assert_non_null(error);
	assert_string_equal(error, "too many words");
	/* Trailing blanks after the last allowed word are fine. */
	error = NULL;
	assert_int_equal(sg_cli_split("a b c   ", scratch, words, 3, &error), 3);
	assert_null(error);
}

static void test_run_reports_split_errors(void **state)
{
	(void)state;
	char out[512];
	assert_int_equal(sg_cli_register(NULL, core_cmds, 2), 0);
	assert_int_equal(run("core show \"oops", out, sizeof(out)), SG_CLI_USAGE);
	assert_contains(out, "unterminated quote");
	assert_int_equal(seen.calls, 0);

	char line[SG_CLI_MAX_WORDS * 2 + 8] = "";
	for (int i = 0; i <= SG_CLI_MAX_WORDS; i++)
		strcat(line, "w ");
	assert_int_equal(run(line, out, sizeof(out)), SG_CLI_USAGE);
	assert_contains(out, "too many words");
}

/* --- registration and dispatch --- */

static void test_dispatch_longest_prefix(void **state)
{
	(void)state;
	char out[512];
	assert_int_equal(sg_cli_register(NULL, core_cmds, 2), 0);

	assert_int_equal(run("core show channels verbose", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(seen.which, "core show channels");
	assert_int_equal(seen.argc, 1);
	assert_string_equal(seen.argv[0], "verbose");
	assert_string_equal(out, "channels: 0\n");

	assert_int_equal(run("core show calls now", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(seen.which, "core show");
	assert_int_equal(seen.argc, 2);
	assert_string_equal(seen.argv[0], "calls");
	assert_string_equal(seen.argv[1], "now");
	assert_string_equal(out, "show ran with 2\n");

	/* Quoted arguments arrive as one word. */
	assert_int_equal(run("  core   show \"two words\"", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(seen.which, "core show");
	assert_int_equal(seen.argc, 1);
	assert_string_equal(seen.argv[0], "two words");

	/* A word must match whole, not as a prefix. */
	seen.calls = 0;
	assert_int_equal(run("core sho", out, sizeof(out)), SG_CLI_FAIL);
	assert_contains(out, "no such command");
	assert_int_equal(run("core showx", out, sizeof(out)), SG_CLI_FAIL);
	assert_contains(out, "no such command");
	assert_int_equal(seen.calls, 0);

	/* A line that stops inside a command's words is incomplete. */
	assert_int_equal(run("core", out, sizeof(out)), SG_CLI_USAGE);
	assert_contains(out, "incomplete command");
	assert_contains(out, "core show channels [verbose]");
	assert_int_equal(seen.calls, 0);
}

static void test_dispatch_order_independent(void **state)
{
	(void)state;
	char out[512];
	/* Registering the longer command first must not change which one wins. */
	assert_int_equal(sg_cli_register(NULL, &core_cmds[1], 1), 0);
	assert_int_equal(sg_cli_register(NULL, &core_cmds[0], 1), 0);
	assert_int_equal(run("core show channels", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(seen.which, "core show channels");
	assert_int_equal(seen.argc, 0);
	assert_int_equal(run("core show", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(seen.which, "core show");
	assert_int_equal(seen.argc, 0);
}

static void test_usage_result_prints_usage(void **state)
{
	(void)state;
	char out[512];
	assert_int_equal(sg_cli_register(NULL, module_cmds, 2), 0);
	assert_int_equal(run("module load", out, sizeof(out)), SG_CLI_USAGE);
	assert_string_equal(seen.which, "module load");
	assert_string_equal(out, "usage: module load NAME\n");

	assert_int_equal(run("module load res_example", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(out, "");

	/* SG_CLI_FAIL passes the handler's own message through, with no usage line. */
	assert_int_equal(run("module unload x", out, sizeof(out)), SG_CLI_FAIL);
	assert_string_equal(out, "cannot unload\n");
}

static void test_usage_falls_back_to_words(void **state)
{
	(void)state;
	static const struct sg_cli_command cmd[] = {{"bare", NULL, NULL, h_usage}};
	char out[512];
	assert_int_equal(sg_cli_register(NULL, cmd, 1), 0);
	assert_int_equal(run("bare a b", out, sizeof(out)), SG_CLI_USAGE);
	assert_string_equal(out, "usage: bare\n");
}

static void test_unknown_command(void **state)
{
	(void)state;
	char out[512];
	assert_int_equal(sg_cli_register(NULL, core_cmds, 2), 0);
	assert_int_equal(run("frobnicate now", out, sizeof(out)), SG_CLI_FAIL);
	assert_contains(out, "no such command");
	assert_contains(out, "frobnicate now");
	assert_int_equal(seen.calls, 0);

	/* With nothing registered at all. */
	sg_cli_shutdown();
	assert_int_equal(run("core show", out, sizeof(out)), SG_CLI_FAIL);
	assert_contains(out, "no such command");
}

static void test_empty_line_is_ok(void **state)
{
	(void)state;
	char out[512];
	assert_int_equal(sg_cli_register(NULL, core_cmds, 2), 0);
	assert_int_equal(run("", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(out, "");
	assert_int_equal(run("   \t", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(out, "");
	assert_int_equal(seen.calls, 0);
}

static void test_incomplete_lists_candidates(void **state)
{
	(void)state;
	char out[1024];
	assert_int_equal(sg_cli_register(NULL, module_cmds, 2), 0);
	assert_int_equal(sg_cli_register(NULL, core_cmds, 2), 0);
	assert_int_equal(run("module", out, sizeof(out)), SG_CLI_USAGE);
	assert_contains(out, "incomplete command");
	assert_contains(out, "module load NAME");
	assert_contains(out, "Load a module");
	assert_contains(out, "module unload NAME");
	assert_not_contains(out, "core show");
	assert_int_equal(seen.calls, 0);
}

static void test_duplicate_registration(void **state)
{
	(void)state;
	char out[512];
	assert_int_equal(sg_cli_register(NULL, core_cmds, 2), 0);
	assert_int_equal(sg_cli_register(NULL, core_cmds, 2), -EEXIST);
	static const struct sg_cli_command again[] = {
		{"brand new", "brand new", "new", h_plain},
		{"core show", "core show", "a second one", h_plain},
	};
	assert_int_equal(sg_cli_register(OWNER_A, again, 2), -EEXIST);
	/* The original still runs, and nothing of the refused table was added. */
	assert_int_equal(run("core show", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(seen.which, "core show");
	assert_int_equal(run("brand new", out, sizeof(out)), SG_CLI_FAIL);
	assert_contains(out, "no such command");
}

static void test_register_rejects_bad_entries(void **state)
{
	(void)state;
	static const struct sg_cli_command no_handler[] = {{"lonely", "lonely", "no handler", NULL}};
	static const struct sg_cli_command no_words[] = {{"   ", "", "only blanks", h_plain}};
	assert_int_equal(sg_cli_register(NULL, no_handler, 1), -EINVAL);
	assert_int_equal(sg_cli_register(NULL, no_words, 1), -EINVAL);
	char out[512];
	assert_int_equal(run("lonely", out, sizeof(out)), SG_CLI_FAIL);
	assert_contains(out, "no such command");
}

static void test_unregister(void **state)
{
	(void)state;
	char out[512];
	assert_int_equal(sg_cli_register(NULL, core_cmds, 2), 0);
	assert_int_equal(sg_cli_register(NULL, module_cmds, 2), 0);
	sg_cli_unregister(core_cmds, 2);
	assert_int_equal(run("core show channels", out, sizeof(out)), SG_CLI_FAIL);
	assert_contains(out, "no such command");
	assert_int_equal(run("module load x", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(seen.which, "module load");
	/* Once gone, the same words can be registered again. */
	assert_int_equal(sg_cli_register(NULL, core_cmds, 2), 0);
	assert_int_equal(run("core show channels", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(seen.which, "core show channels");
}

static void test_help(void **state)
{
	(void)state;
	char out[2048];
	assert_int_equal(sg_cli_register(NULL, core_cmds, 2), 0);
	assert_int_equal(sg_cli_register(NULL, module_cmds, 2), 0);

	assert_int_equal(run("help", out, sizeof(out)), SG_CLI_OK);
	assert_contains(out, "core show THING");
	assert_contains(out, "Show a thing");
	assert_contains(out, "core show channels [verbose]");
	assert_contains(out, "List active channels");
	assert_contains(out, "module load NAME");
	assert_contains(out, "Unload a module");
	/* One line per command, in word order. */
	int lines = 0;
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 4);
	assert_true(strstr(out, "core show THING") < strstr(out, "module load NAME"));

	assert_int_equal(run("help module", out, sizeof(out)), SG_CLI_OK);
	assert_contains(out, "module load NAME");
	assert_contains(out, "module unload NAME");
	assert_not_contains(out, "core show");

	assert_int_equal(run("help core show channels", out, sizeof(out)), SG_CLI_OK);
	assert_contains(out, "core show channels [verbose]");
	assert_not_contains(out, "module");

	assert_int_equal(run("help nosuch", out, sizeof(out)), SG_CLI_OK);
	assert_contains(out, "no commands start with that");
	assert_int_equal(seen.calls, 0);
}

static void test_complete(void **state)
{
	(void)state;
	char out[1024];
	assert_int_equal(sg_cli_register(NULL, core_cmds, 2), 0);
	assert_int_equal(sg_cli_register(NULL, module_cmds, 2), 0);

	/* Empty line: every first word once, plus help. */
	complete("", out, sizeof(out));
	assert_string_equal(out, "core\nmodule\nhelp\n");

	complete("mo", out, sizeof(out));
	assert_string_equal(out, "module\n");

	complete("h", out, sizeof(out));
	assert_string_equal(out, "help\n");

	complete("module ", out, sizeof(out));
	assert_string_equal(out, "load\nunload\n");

	complete("module u", out, sizeof(out));
	assert_string_equal(out, "unload\n");

	complete("core show ", out, sizeof(out));
	assert_string_equal(out, "channels\n");

	complete("core show channels ", out, sizeof(out));
	assert_string_equal(out, "");

	complete("zz", out, sizeof(out));
	assert_string_equal(out, "");

	/* A completed word that does not match stops the completion. */
	complete("modul load", out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_purge_owner(void **state)
{
	(void)state;
	char out[512];
	static const struct sg_cli_command b_cmds[] = {{"bee buzz", "bee buzz", "buzz", h_plain}};
	assert_int_equal(sg_cli_register(NULL, core_cmds, 2), 0);
	assert_int_equal(sg_cli_register(OWNER_A, module_cmds, 2), 0);
	assert_int_equal(sg_cli_register(OWNER_B, b_cmds, 1), 0);

	assert_int_equal(sg_cli_purge_owner(OWNER_A), 2);
	assert_int_equal(run("module load x", out, sizeof(out)), SG_CLI_FAIL);
	assert_contains(out, "no such command");
	assert_int_equal(run("module unload x", out, sizeof(out)), SG_CLI_FAIL);
	assert_contains(out, "no such command");
	/* Others' commands survive, and still dispatch by longest prefix. */
	assert_int_equal(run("bee buzz", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(seen.which, "plain");
	assert_int_equal(run("core show channels", out, sizeof(out)), SG_CLI_OK);
	assert_string_equal(seen.which, "core show channels");
	/* Nothing left for that owner. */
	assert_int_equal(sg_cli_purge_owner(OWNER_A), 0);
	assert_int_equal(sg_cli_purge_owner(OWNER_B), 1);
	complete("", out, sizeof(out));
	assert_string_equal(out, "core\nhelp\n");
	/* The purged words are free again. */
	assert_int_equal(sg_cli_register(OWNER_B, module_cmds, 2), 0);
}

/* Many registrations grow the table; every command must still dispatch to its own
 * handler afterwards (the table is moved and re-sorted). */
static enum sg_cli_result h_numbered(struct sg_cli *cli, int argc, const char *const *argv)
{
	sg_cli_printf(cli, "numbered");
	return SG_CLI_OK;
}

static void test_many_commands(void **state)
{
	(void)state;
	enum { N = 150 };
	static struct sg_cli_command cmds[N];
	static char words[N][32];
	for (int i = 0; i < N; i++) {
		snprintf(words[i], sizeof(words[i]), "cmd%03d sub", N - i);
		cmds[i] = (struct sg_cli_command){words[i], words[i], "numbered", h_numbered};
		assert_int_equal(sg_cli_register(NULL, &cmds[i], 1), 0);
	}
	char out[512];
	for (int i = 0; i < N; i++) {
		assert_int_equal(run(words[i], out, sizeof(out)), SG_CLI_OK);
		assert_string_equal(out, "numbered");
	}
	complete("cmd07", out, sizeof(out));
	assert_string_equal(out, "cmd070\ncmd071\ncmd072\ncmd073\ncmd074\ncmd075\ncmd076\ncmd077\ncmd078\ncmd079\n");
}


/* Core bugs: a table that is refused must leave the registry as it was. */
static void test_duplicate_within_one_table(void **state)
{
	(void)state;
	static const struct sg_cli_command twice[] = {
		{"echo", "echo", "first", h_plain},
		{"echo", "echo", "second", h_show},
	};
	/* Two commands with the same words in one table can never both be reached. */
	assert_int_equal(sg_cli_register(NULL, twice, 2), -EEXIST);
}

static int failed_register_child(void)
{
	char out[512];
	/* Fill the first allocation (64 entries) so the next registration grows it. */
	enum { N = 64 };
	static struct sg_cli_command fill[N];
	static char words[N][16];
	for (int i = 0; i < N; i++) {
		snprintf(words[i], sizeof(words[i]), "fill%02d", i);
		fill[i] = (struct sg_cli_command){words[i], words[i], "", h_plain};
	}
	if (sg_cli_register(NULL, fill, N) != 0)
		return 10;
	static const struct sg_cli_command bad[] = {
		{"good one", "good one", "valid", h_plain},
		{"bad one", "bad one", "no handler", NULL},
	};
	if (sg_cli_register(OWNER_A, bad, 2) != -EINVAL)
		return 11;
	/* The commands registered before still dispatch (under ASan, reading their
	 * words is where the stale pointers show)... */
	for (int i = 0; i < N; i++)
		if (run(words[i], out, sizeof(out)) != SG_CLI_OK)
			return 12;
	/* ...and the valid half of the refused table is not registered. */
	if (run("good one", out, sizeof(out)) != SG_CLI_FAIL)
		return 13;
	return 0;
}

static void test_failed_register_is_atomic(void **state)
{
	(void)state;
	int rc = in_child(failed_register_child);
	switch (rc) {
	case 0: break;
	case 12: fail_msg("commands registered before a refused table stopped dispatching");
	case 13: fail_msg("sg_cli_register returned -EINVAL but left the table's first command registered");
	default: fail_msg("child failed with status %d (a sanitizer report above?)", rc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_split_blanks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_quotes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_unterminated_quote, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_too_many_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_reports_split_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_longest_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_order_independent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_result_prints_usage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_falls_back_to_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_line_is_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incomplete_lists_candidates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_registration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_rejects_bad_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unregister, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_within_one_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_register_is_atomic, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

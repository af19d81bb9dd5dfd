/* test_log.c: level names, thresholds and per-tag overrides, the log file, the sink. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <strowger/log.h>
#include <strowger/workers.h>

#include "log_priv.h"
#include "loop_priv.h"
#include "workers_priv.h"

#define assert_contains(hay, needle)                                                          \
	do {                                                                                  \
		const char *h_ = (hay);                                                       \
		if (!h_ || !strstr(h_, (needle)))                                             \
			fail_msg("expected \"%s\" to contain \"%s\"", h_ ? h_ : "(null)", (needle)); \
	} while (0)

static char tmpdir[64];
static char logpath[128];

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sg-test-log.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(logpath, sizeof(logpath), "%s/strowger.log", tmpdir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	unlink(logpath);
	rmdir(tmpdir);
	return 0;
}

/* Every test starts from the defaults: notice, no overrides, no file, no sink. */
static int setup(void **state)
{
	(void)state;
	sg_log_init();
	sg_log_to_stderr(false);
	unlink(logpath);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sg_log_shutdown();
	sg_log_init();
	return 0;
}

/* Reads the whole log file (caller frees). */
static char *slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 4096)
			buf = realloc(buf, cap *= 2);
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* "2024-05-01 12:34:56.789 " */
static bool has_timestamp(const char *line)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd.ddd ";
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? (line[i] < '0' || line[i] > '9') : line[i] != shape[i])
			return false;
	}
	return true;
}

/* --- names --- */

static void test_level_parse(void **state)
{
	(void)state;
	assert_int_equal(sg_log_level_parse("error"), SG_LOG_ERROR);
	assert_int_equal(sg_log_level_parse("warning"), SG_LOG_WARNING);
	assert_int_equal(sg_log_level_parse("warn"), SG_LOG_WARNING);
	assert_int_equal(sg_log_level_parse("WARN"), SG_LOG_WARNING);
	assert_int_equal(sg_log_level_parse("notice"), SG_LOG_NOTICE);
	assert_int_equal(sg_log_level_parse("Info"), SG_LOG_INFO);
	assert_int_equal(sg_log_level_parse("DEBUG"), SG_LOG_DEBUG);
	assert_int_equal(sg_log_level_parse("verbose"), -1);
	assert_int_equal(sg_log_level_parse(""), -1);
	assert_int_equal(sg_log_level_parse("debug "), -1);
	assert_int_equal(sg_log_level_parse("err"), -1);
	assert_int_equal(sg_log_level_parse(NULL), -1);
}

static void test_level_name(void **state)
{
	(void)state;
	assert_string_equal(sg_log_level_name(SG_LOG_ERROR), "error");
	assert_string_equal(sg_log_level_name(SG_LOG_WARNING), "warning");
	assert_string_equal(sg_log_level_name(SG_LOG_NOTICE), "notice");
	assert_string_equal(sg_log_level_name(SG_LOG_INFO), "info");
	assert_string_equal(sg_log_level_name(SG_LOG_DEBUG), "debug");
	assert_null(sg_log_level_name((enum sg_log_level)5));
	assert_null(sg_log_level_name((enum sg_log_level)-1));
	/* Names and parsing round-trip. */
	for (int l = SG_LOG_ERROR; l <= SG_LOG_DEBUG; l++)
		assert_int_equal(sg_log_level_parse(sg_log_level_name((enum sg_log_level)l)), l);
}

/* --- thresholds --- */

static void test_default_threshold(void **state)
{
	(void)state;
	assert_int_equal(sg_log_get_level(), SG_LOG_NOTICE);
	assert_true(sg_log_enabled(SG_LOG_ERROR, "core"));
	assert_true(sg_log_enabled(SG_LOG_WARNING, "core"));
	assert_true(sg_log_enabled(SG_LOG_NOTICE, "core"));
	assert_false(sg_log_enabled(SG_LOG_INFO, "core"));
	assert_false(sg_log_enabled(SG_LOG_DEBUG, "core"));
	assert_true(sg_log_enabled(SG_LOG_NOTICE, NULL));
	assert_false(sg_log_enabled(SG_LOG_INFO, NULL));
}

static void test_set_level(void **state)
{
	(void)state;
	sg_log_set_level(SG_LOG_WARNING);
	assert_int_equal(sg_log_get_level(), SG_LOG_WARNING);
	assert_true(sg_log_enabled(SG_LOG_ERROR, "x"));
	assert_true(sg_log_enabled(SG_LOG_WARNING, "x"));
	assert_false(sg_log_enabled(SG_LOG_NOTICE, "x"));
	sg_log_set_level(SG_LOG_DEBUG);
	assert_true(sg_log_enabled(SG_LOG_DEBUG, "x"));
	sg_log_set_level(SG_LOG_ERROR);
	assert_true(sg_log_enabled(SG_LOG_ERROR, "x"));
	assert_false(sg_log_enabled(SG_LOG_WARNING, "x"));
}

static void test_tag_overrides(void **state)
{
	(void)state;
	sg_log_set_level(SG_LOG_WARNING);
	/* Louder for one tag... */
	assert_int_equal(sg_log_set_tag_level("sip", SG_LOG_DEBUG), 0);
	assert_true(sg_log_enabled(SG_LOG_DEBUG, "sip"));
	assert_false(sg_log_enabled(SG_LOG_NOTICE, "rtp"));
	assert_false(sg_log_enabled(SG_LOG_DEBUG, "si"));
	assert_false(sg_log_enabled(SG_LOG_DEBUG, "sipx"));
	assert_false(sg_log_enabled(SG_LOG_DEBUG, NULL));
	/* ...quieter for another, whatever the global level. */
	assert_int_equal(sg_log_set_tag_level("noisy", SG_LOG_ERROR), 0);
	assert_false(sg_log_enabled(SG_LOG_WARNING, "noisy"));
	assert_true(sg_log_enabled(SG_LOG_ERROR, "noisy"));
	sg_log_set_level(SG_LOG_DEBUG);
	assert_false(sg_log_enabled(SG_LOG_NOTICE, "noisy"));
	assert_true(sg_log_enabled(SG_LOG_DEBUG, "other"));
	/* Changing an override replaces it. */
	assert_int_equal(sg_log_set_tag_level("sip", SG_LOG_NOTICE), 0);
	assert_false(sg_log_enabled(SG_LOG_INFO, "sip"));
	assert_true(sg_log_enabled(SG_LOG_NOTICE, "sip"));
	/* Removing one falls back to the global level. */
	assert_int_equal(sg_log_set_tag_level("sip", -1), 0);
	assert_true(sg_log_enabled(SG_LOG_DEBUG, "sip"));
	assert_int_equal(sg_log_set_tag_level("never-set", -1), 0);
	/* The other override is untouched. */
	assert_false(sg_log_enabled(SG_LOG_NOTICE, "noisy"));
	/* sg_log_init forgets them. */
	sg_log_init();
	assert_true(sg_log_enabled(SG_LOG_NOTICE, "noisy"));
}

struct tag_list {
	int n;
	char tags[40][40];
	int levels[40];
};

static void collect_tag(const char *tag, enum sg_log_level level, void *arg)
{
	struct tag_list *l = arg;
	if (l->n < 40) {
		snprintf(l->tags[l->n], sizeof(l->tags[0]), "%s", tag);
		l->levels[l->n++] = (int)level;
	}
}

static int find_tag(const struct tag_list *l, const char *tag)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->tags[i], tag))
			return l->levels[i];
	return -1;
}

static void test_each_tag_and_full_table(void **state)
{
	(void)state;
	struct tag_list l = {0};
	sg_log_each_tag(collect_tag, &l);
	assert_int_equal(l.n, 0);

	assert_int_equal(sg_log_set_tag_level("sip", SG_LOG_DEBUG), 0);
	assert_int_equal(sg_log_set_tag_level("rtp", SG_LOG_ERROR), 0);
	sg_log_each_tag(collect_tag, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(find_tag(&l, "sip"), SG_LOG_DEBUG);
	assert_int_equal(find_tag(&l, "rtp"), SG_LOG_ERROR);

	/* The table holds 32 overrides. */
	char tag[16];
	for (int i = 2; i < 32; i++) {
		snprintf(tag, sizeof(tag), "tag%d", i);
		assert_int_equal(sg_log_set_tag_level(tag, SG_LOG_INFO), 0);
	}
	assert_int_equal(sg_log_set_tag_level("one-too-many", SG_LOG_INFO), -ENOSPC);
	assert_false(sg_log_enabled(SG_LOG_INFO, "one-too-many"));
	/* Existing ones can still change when it is full, and removing makes room. */
	assert_int_equal(sg_log_set_tag_level("tag5", SG_LOG_DEBUG), 0);
	assert_true(sg_log_enabled(SG_LOG_DEBUG, "tag5"));
	assert_int_equal(sg_log_set_tag_level("tag7", -1), 0);
	assert_int_equal(sg_log_set_tag_level("one-too-many", SG_LOG_INFO), 0);
	assert_true(sg_log_enabled(SG_LOG_INFO, "one-too-many"));
	l.n = 0;
	sg_log_each_tag(collect_tag, &l);
	assert_int_equal(l.n, 32);
	assert_int_equal(find_tag(&l, "tag7"), -1);
	assert_int_equal(find_tag(&l, "tag5"), SG_LOG_DEBUG);
}

/* --- the log file --- */

static void test_log_to_file(void **state)
{
	(void)state;
	sg_log_set_level(SG_LOG_INFO);
	assert_int_equal(sg_log_to_file(logpath), 0);
	sg_log(SG_LOG_NOTICE, "mytag", "hello %d", 42);
	SG_INFO("other", "an info line");
	SG_DEBUG("mytag", "filtered out %s", "here");
	sg_log(SG_LOG_ERROR, NULL, "no tag given");
	SG_WARNING("w", "multi word %s", "message");

	/* Line buffered: the lines are in the file before it is closed. */
	char *text = slurp(logpath);
	assert_non_null(text);
	assert_int_equal(count_lines(text), 4);
	free(text);
	assert_int_equal(sg_log_to_file(NULL), 0);

	text = slurp(logpath);
	assert_non_null(text);
	assert_null(strstr(text, "filtered"));
	char *save = NULL;
	const char *want[] = {"notice[mytag] hello 42", "info[other] an info line",
			      "error[core] no tag given", "warning[w] multi word message"};
	int i = 0;
	assert_int_equal(text[strlen(text) - 1], '\n');
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		assert_true(i < 4);
		if (!has_timestamp(line))
			fail_msg("no timestamp: \"%s\"", line);
		assert_string_equal(line + 24, want[i]);
	}
	assert_int_equal(i, 4);
	free(text);
}

static void test_log_file_appends(void **state)
{
	(void)state;
	assert_int_equal(sg_log_to_file(logpath), 0);
	SG_NOTICE("a", "first run");
	assert_int_equal(sg_log_to_file(NULL), 0);
	/* Reopening appends; so does replacing one file with another. */
	assert_int_equal(sg_log_to_file(logpath), 0);
	SG_NOTICE("a", "second run");
	assert_int_equal(sg_log_to_file(logpath), 0);
	SG_NOTICE("a", "third run");
	/* A file that cannot be opened is an error, and the current one stays. */
	char bad[200];
	snprintf(bad, sizeof(bad), "%s/no/such/dir/x.log", tmpdir);
	assert_int_equal(sg_log_to_file(bad), -ENOENT);
	SG_NOTICE("a", "fourth run");
	assert_int_equal(sg_log_to_file(NULL), 0);
	SG_NOTICE("a", "after close");

	char *text = slurp(logpath);
	assert_non_null(text);
	assert_int_equal(count_lines(text), 4);
	const char *p1 = strstr(text, "first run"), *p2 = strstr(text, "second run");
	const char *p3 = strstr(text, "third run"), *p4 = strstr(text, "fourth run");
	assert_true(p1 && p2 && p3 && p4);
	assert_true(p1 < p2 && p2 < p3 && p3 < p4);
	assert_null(strstr(text, "after close"));
	free(text);
}

static void test_long_line_is_one_line(void **state)
{
	(void)state;
	char big[5000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(sg_log_to_file(logpath), 0);
	SG_NOTICE("long", "%s", big);
	SG_NOTICE("long", "next");
	assert_int_equal(sg_log_to_file(NULL), 0);
	char *text = slurp(logpath);
	assert_non_null(text);
	/* Truncated, but still a line of its own. */
	assert_int_equal(count_lines(text), 2);
	assert_contains(text, "notice[long] xxxx");
	assert_contains(text, "notice[long] next\n");
	assert_true(strlen(text) < 2300);
	free(text);
}

struct writer {
	int id;
};

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	for (int i = 0; i < 300; i++)
		sg_log(SG_LOG_NOTICE, "thr", "writer %d line %d %s", w->id, i,
		       "padding padding padding padding padding padding padding padding");
	return NULL;
}

static void test_lines_are_whole_across_threads(void **state)
{
	(void)state;
	assert_int_equal(sg_log_to_file(logpath), 0);
	enum { T = 4 };
	pthread_t th[T];
	struct writer w[T];
	for (int i = 0; i < T; i++) {
		w[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, writer_thread, &w[i]), 0);
	}
	for (int i = 0; i < T; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(sg_log_to_file(NULL), 0);

	char *text = slurp(logpath);
	assert_non_null(text);
	assert_int_equal(count_lines(text), T * 300);
	int next[T] = {0};
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int id, n;
		if (!has_timestamp(line) || sscanf(line + 24, "notice[thr] writer %d line %d", &id, &n) != 2 ||
		    !strstr(line, "padding padding\0") || id < 0 || id >= T)
			fail_msg("mangled line: \"%s\"", line);
		/* Each writer's lines are in its own order. */
		assert_int_equal(n, next[id]);
		next[id]++;
	}
	for (int i = 0; i < T; i++)
		assert_int_equal(next[i], 300);
	free(text);
}

/* --- the sink --- */

static struct {
	int calls;
	enum sg_log_level level;
	char line[2300];
	bool on_main;
} sunk;
static pthread_t main_thread;

static void sink(enum sg_log_level level, const char *line)
{
	sunk.calls++;
	sunk.level = level;
	snprintf(sunk.line, sizeof(sunk.line), "%s", line);
	sunk.on_main = pthread_equal(pthread_self(), main_thread) && sg_worker_self() == NULL;
}

static void test_sink(void **state)
{
	(void)state;
	memset(&sunk, 0, sizeof(sunk));
	main_thread = pthread_self();
	sg_log_set_sink(sink);
	SG_WARNING("sinktag", "to the console %s", "now");
	assert_int_equal(sunk.calls, 1);
	assert_int_equal(sunk.level, SG_LOG_WARNING);
	assert_true(has_timestamp(sunk.line));
	assert_string_equal(sunk.line + 24, "warning[sinktag] to the console now");
	assert_true(sunk.on_main);

	/* Filtered lines do not reach it. */
	SG_INFO("sinktag", "too quiet");
	assert_int_equal(sunk.calls, 1);
	sg_log_set_tag_level("sinktag", SG_LOG_DEBUG);
	SG_DEBUG("sinktag", "now loud enough");
	assert_int_equal(sunk.calls, 2);
	assert_int_equal(sunk.level, SG_LOG_DEBUG);
	assert_contains(sunk.line, "debug[sinktag] now loud enough");

	/* Stderr and file outputs do not change what the sink gets. */
	assert_int_equal(sg_log_to_file(logpath), 0);
	SG_ERROR("sinktag", "both");
	assert_int_equal(sunk.calls, 3);
	assert_int_equal(sg_log_to_file(NULL), 0);
	char *text = slurp(logpath);
	assert_non_null(text);
	assert_contains(text, sunk.line);
	free(text);

	sg_log_set_sink(NULL);
	SG_ERROR("sinktag", "nobody listens");
	assert_int_equal(sunk.calls, 3);
}

static void log_on_worker(void *arg)
{
	(void)arg;
	SG_NOTICE("worker", "from a media worker");
}

static void test_sink_from_worker(void **state)
{
	(void)state;
	memset(&sunk, 0, sizeof(sunk));
	main_thread = pthread_self();
	assert_int_equal(sg_main_loop_init(), 0);
	assert_int_equal(sg_workers_start(1, 16), 0);
	sg_log_set_sink(sink);
	assert_int_equal(sg_worker_post(sg_worker_get(0), log_on_worker, NULL), 0);
	/* The line travels to the main loop: it arrives only when the loop runs. */
	uint64_t deadline = now_ms() + 5000;
	while (sunk.calls == 0 && now_ms() < deadline) {
		sg_loop_run_once(sg_loop_main(), false);
		usleep(1000);
	}
	assert_int_equal(sunk.calls, 1);
	assert_true(sunk.on_main);
	assert_contains(sunk.line, "notice[worker] from a media worker");
	sg_log_set_sink(NULL);
	sg_workers_stop();
	sg_main_loop_shutdown();
}

/* A tag too long to store is refused rather than accepted and never applied; the
 * longest storable one works. */
static void test_long_tag_override(void **state)
{
	(void)state;
	const char *tag = "a-module-with-a-rather-long-log-tag-name";
	const char *longest = "a-tag-of-thirty-one-characters!";
	assert_true(strlen(tag) >= 32);
	assert_int_equal(strlen(longest), 31);
	assert_int_equal(sg_log_set_tag_level(tag, SG_LOG_DEBUG), -ENAMETOOLONG);
	assert_false(sg_log_enabled(SG_LOG_DEBUG, tag));
	assert_int_equal(sg_log_set_tag_level(longest, SG_LOG_DEBUG), 0);
	assert_true(sg_log_enabled(SG_LOG_DEBUG, longest));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_level_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tag_overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each_tag_and_full_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_to_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_file_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line_is_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lines_are_whole_across_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sink_from_worker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_tag_override, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* test_store.c: the key/value store: round trips, batching, order, limits, errors, durability. */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "unit_util.h"

#include <strowger/loop.h>
#include <strowger/store.h>

#include "log_priv.h"
#include "loop_priv.h"
#include "store_priv.h"

static char owner_a_tag, owner_b_tag;
#define OWNER_A ((struct sg_module *)(void *)&owner_a_tag)
#define OWNER_B ((struct sg_module *)(void *)&owner_b_tag)

static char dir[64];
static char db_path[128];

/* --- helpers --- */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void start(const struct sg_store_opts *opts)
{
	char err[512] = "";
	sg_store_configure(opts);
	int rc = sg_store_init(dir, err, sizeof(err));
	if (rc)
		fail_msg("sg_store_init: %d: %s", rc, err);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sg-store.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(db_path, sizeof(db_path), "%s/strowger.db", dir);
	start(NULL);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sg_store_shutdown();
	sg_store_configure(NULL);
	chmod(dir, 0700);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	sg_log_to_stderr(getenv("TEST_VERBOSE") != NULL);
	return sg_main_loop_init();
}

static int group_teardown(void **state)
{
	(void)state;
	sg_main_loop_shutdown();
	return 0;
}

/* What a load saw, in order. */
struct rows {
	size_t n, cap;
	char **keys;
	char **vals; /* NUL-terminated copies */
	size_t *lens;
};

static void collect(const char *key, const void *val, size_t len, void *arg)
{
	struct rows *r = arg;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->keys = realloc(r->keys, r->cap * sizeof(*r->keys));
		r->vals = realloc(r->vals, r->cap * sizeof(*r->vals));
		r->lens = realloc(r->lens, r->cap * sizeof(*r->lens));
	}
	r->keys[r->n] = strdup(key);
	r->vals[r->n] = malloc(len + 1);
	memcpy(r->vals[r->n], val, len);
	r->vals[r->n][len] = '\0';
	r->lens[r->n] = len;
	r->n++;
}

static void rows_free(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->keys[i]);
		free(r->vals[i]);
	}
	free(r->keys);
	free(r->vals);
	free(r->lens);
	*r = (struct rows){0};
}

static void load(struct sg_store *st, struct rows *r)
{
	*r = (struct rows){0};
	assert_int_equal(sg_store_load(st, collect, r), 0);
}

/* The value of key as a string, or NULL; the caller frees it. */
static char *get(struct sg_store *st, const char *key)
{
	struct rows r;
	load(st, &r);
	char *v = NULL;
	for (size_t i = 0; i < r.n && !v; i++)
		if (strcmp(r.keys[i], key) == 0)
			v = strdup(r.vals[i]);
	rows_free(&r);
	return v;
}

static size_t count(struct sg_store *st)
{
	struct rows r;
	load(st, &r);
	size_t n = r.n;
	rows_free(&r);
	return n;
}

static void put_str(struct sg_store *st, const char *key, const char *val)
{
	assert_int_equal(sg_store_put(st, key, val, strlen(val)), 0);
}

static void assert_value(struct sg_store *st, const char *key, const char *want)
{
	char *v = get(st, key);
	if (!want) {
		if (v)
			fail_msg("%s: expected no value, got \"%s\"", key, v);
		return;
	}
	if (!v)
		fail_msg("%s: expected \"%s\", got nothing", key, want);
	assert_string_equal(v, want);
	free(v);
}


static bool file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* --- round trips --- */

static void test_put_del_load(void **state)
{
	(void)state;
	struct sg_store *st;
	assert_int_equal(sg_store_open(OWNER_A, "regs", &st), 0);
	assert_string_equal(sg_store_name(st), "regs");
	put_str(st, "sip:bob@example.com", "contact=sip:bob@10.0.0.2:5060 expires=3600");
	put_str(st, "sip:alice@example.com", "contact=sip:alice@10.0.0.1:5060 expires=60");
	assert_int_equal(sg_store_put(st, "empty", NULL, 0), 0);
	static const unsigned char bin[] = {0, 1, 2, 0, 255, 0};
	assert_int_equal(sg_store_put(st, "binary", bin, sizeof(bin)), 0);
	put_str(st, "gone", "x");
	assert_int_equal(sg_store_del(st, "gone"), 0);
	assert_int_equal(sg_store_del(st, "never-there"), 0);
	assert_int_equal(sg_store_flush(), 0);

	struct rows r;
	load(st, &r);
	assert_int_equal(r.n, 4);
	/* In key order. */
	assert_string_equal(r.keys[0], "binary");
	assert_int_equal(r.lens[0], sizeof(bin));
	assert_memory_equal(r.vals[0], bin, sizeof(bin));
	assert_string_equal(r.keys[1], "empty");
	assert_int_equal(r.lens[1], 0);
	assert_string_equal(r.keys[2], "sip:alice@example.com");
	assert_string_equal(r.vals[2], "contact=sip:alice@10.0.0.1:5060 expires=60");
	assert_string_equal(r.keys[3], "sip:bob@example.com");
	rows_free(&r);
	sg_store_close(st);
}

/* A load waits for what was queued before it: no flush needed to read one's writes. */
static void test_load_sees_queued_writes(void **state)
{
	(void)state;
	struct sg_store_opts o = {.batch_ms = 60000, .batch_max = 100000};
	sg_store_shutdown();
	start(&o);
	struct sg_store *st;
	assert_int_equal(sg_store_open(NULL, "t", &st), 0);
	put_str(st, "k", "v");
	uint64_t t0 = now_ms();
	assert_value(st, "k", "v");
	/* It did not wait out the minute-long batch window. */
	assert_true(now_ms() - t0 < 10000);
	sg_store_close(st);
}

static void test_many_writes_batched(void **state)
{
	(void)state;
	enum { N = 20000 };
	struct sg_store *st;
	assert_int_equal(sg_store_open(NULL, "many", &st), 0);
	unsigned again = 0;
	for (int i = 0; i < N; i++) {
		char key[32], val[32];
		snprintf(key, sizeof(key), "k%06d", i);
		snprintf(val, sizeof(val), "v%d", i);
		int rc;
		/* A full queue is the caller's to handle: here, wait and retry. */
		while ((rc = sg_store_put(st, key, val, strlen(val))) == -EAGAIN) {
			again++;
			usleep(1000);
		}
		assert_int_equal(rc, 0);
	}
	assert_int_equal(sg_store_flush(), 0);

	struct sg_store_stats s;
	sg_store_get_stats(&s);
	assert_int_equal(s.committed, N);
	assert_int_equal(s.dropped, 0);
	assert_int_equal(s.depth, 0);
	assert_int_equal(s.depth_bytes, 0);
	/* Batched: far fewer transactions than writes, and none over batch_max (512). */
	assert_true(s.batches >= N / 512);
	assert_true(s.batches < N / 4);
	assert_string_equal(s.backend, "sqlite");
	assert_string_equal(s.where, db_path);

	struct rows r;
	load(st, &r);
	assert_int_equal(r.n, N);
	for (size_t i = 0; i < r.n; i += 997) {
		char want[32];
		snprintf(want, sizeof(want), "v%zu", i);
		assert_string_equal(r.vals[i], want);
	}
	rows_free(&r);
	sg_store_close(st);
	(void)again;
}

static void check_order(struct sg_store *st, bool flush_between)
{
	put_str(st, "k", "a");
	if (flush_between)
		assert_int_equal(sg_store_flush(), 0);
	put_str(st, "k", "b");
	if (flush_between)
		assert_int_equal(sg_store_flush(), 0);
	assert_int_equal(sg_store_del(st, "k"), 0);
	if (flush_between)
		assert_int_equal(sg_store_flush(), 0);
	put_str(st, "k", "c");
	put_str(st, "gone", "1");
	assert_int_equal(sg_store_del(st, "gone"), 0);
	assert_int_equal(sg_store_flush(), 0);
	assert_value(st, "k", "c");
	assert_value(st, "gone", NULL);
}

static void test_order_per_key(void **state)
{
	(void)state;
	struct sg_store *st;
	/* Each write in its own transaction... */
	assert_int_equal(sg_store_open(NULL, "order", &st), 0);
	check_order(st, true);
	sg_store_close(st);

	/* ...and all in one (a long window: only the flush commits). */
	struct sg_store_opts o = {.batch_ms = 60000, .batch_max = 100000};
	sg_store_shutdown();
	start(&o);
	assert_int_equal(sg_store_open(NULL, "order2", &st), 0);
	check_order(st, false);
	struct sg_store_stats s;
	sg_store_get_stats(&s);
	assert_int_equal(s.batches, 1);
	sg_store_close(st);
}

/* --- namespaces --- */

static void test_namespaces_are_separate(void **state)
{
	(void)state;
	struct sg_store *a, *b, *dup;
	assert_int_equal(sg_store_open(OWNER_A, "alpha", &a), 0);
	assert_int_equal(sg_store_open(OWNER_B, "beta", &b), 0);
	assert_int_equal(sg_store_open(OWNER_B, "alpha", &dup), -EEXIST);
	assert_null(dup);
	put_str(a, "same", "from alpha");
	put_str(b, "same", "from beta");
	put_str(b, "only_b", "1");
	assert_int_equal(sg_store_flush(), 0);
	assert_value(a, "same", "from alpha");
	assert_value(b, "same", "from beta");
	assert_value(a, "only_b", NULL);
	assert_int_equal(count(a), 1);
	assert_int_equal(count(b), 2);

	/* Closing frees the name; writes queued before the close still land. */
	put_str(a, "late", "x");
	sg_store_close(a);
	assert_int_equal(sg_store_open(OWNER_A, "alpha", &a), 0);
	assert_value(a, "late", "x");
	sg_store_close(a);
	sg_store_close(b);
	sg_store_close(NULL);
}

static void test_bad_names(void **state)
{
	(void)state;
	struct sg_store *st = (struct sg_store *)1;
	const char *bad[] = {NULL, "", "Upper", "1starts_with_digit", "has-dash", "has space", "a/b",
			     "x234567890123456789012345678901234567890123456789012345678901234"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sg_store_open(NULL, bad[i], &st), -EINVAL);
		assert_null(st);
	}
	assert_int_equal(sg_store_open(NULL, "ok", NULL), -EINVAL);
	/* 63 characters is the longest name. */
	assert_int_equal(sg_store_open(NULL, "x23456789012345678901234567890123456789012345678901234567890123", &st), 0);
	sg_store_close(st);
}

static void test_bad_writes(void **state)
{
	(void)state;
	struct sg_store *st;
	assert_int_equal(sg_store_open(NULL, "t", &st), 0);
	assert_int_equal(sg_store_put(st, "", "v", 1), -EINVAL);
	assert_int_equal(sg_store_put(st, NULL, "v", 1), -EINVAL);
	assert_int_equal(sg_store_put(NULL, "k", "v", 1), -EINVAL);
	assert_int_equal(sg_store_put(st, "k", NULL, 1), -EINVAL);
	assert_int_equal(sg_store_del(st, ""), -EINVAL);
	assert_int_equal(sg_store_load(st, NULL, NULL), -EINVAL);
	assert_int_equal(sg_store_sync(NULL, NULL, NULL), -EINVAL);

	char *key = malloc(SG_STORE_KEY_MAX + 2);
	memset(key, 'k', SG_STORE_KEY_MAX + 1);
	key[SG_STORE_KEY_MAX + 1] = '\0';
	assert_int_equal(sg_store_put(st, key, "v", 1), -ENAMETOOLONG);
	key[SG_STORE_KEY_MAX] = '\0'; /* the longest allowed */
	assert_int_equal(sg_store_put(st, key, "v", 1), 0);

	char *big = calloc(1, SG_STORE_VAL_MAX + 1);
	assert_int_equal(sg_store_put(st, "big", big, SG_STORE_VAL_MAX + 1), -EMSGSIZE);
	assert_int_equal(sg_store_put(st, "big", big, SG_STORE_VAL_MAX), 0);
	assert_int_equal(sg_store_flush(), 0);
	char *v = get(st, key);
	assert_string_equal(v, "v");
	free(v);
	free(big);
	free(key);
	sg_store_close(st);

	/* Nothing works once the store is down, and nothing crashes. */
	sg_store_shutdown();
	assert_int_equal(sg_store_open(NULL, "t", &st), -ENODEV);
	assert_int_equal(sg_store_flush(), -ENODEV);
	sg_store_shutdown(); /* twice is harmless */
}

/* --- the bounded queue --- */

static void test_queue_full(void **state)
{
	(void)state;
	struct sg_store_opts o = {.queue_max = 4, .batch_ms = 60000, .batch_max = 1000};
	sg_store_shutdown();
	start(&o);
	struct sg_store *st;
	assert_int_equal(sg_store_open(NULL, "q", &st), 0);
	for (int i = 0; i < 4; i++) {
		char key[8];
		snprintf(key, sizeof(key), "k%d", i);
		put_str(st, key, "v");
	}
	assert_int_equal(sg_store_put(st, "k4", "v", 1), -EAGAIN);
	assert_int_equal(sg_store_del(st, "k0"), -EAGAIN);
	struct sg_store_stats s;
	sg_store_get_stats(&s);
	assert_int_equal(s.depth, 4);
	assert_int_equal(s.rejected, 2);
	/* Once committed there is room again; the refused writes never happened. */
	assert_int_equal(sg_store_flush(), 0);
	put_str(st, "k5", "v");
	assert_int_equal(sg_store_flush(), 0);
	assert_int_equal(count(st), 5);
	assert_value(st, "k0", "v");
	assert_value(st, "k4", NULL);
	sg_store_close(st);

	/* The byte limit, too; an empty queue takes one write however large. */
	o = (struct sg_store_opts){.queue_bytes = 100, .batch_ms = 60000, .batch_max = 1000};
	sg_store_shutdown();
	start(&o);
	assert_int_equal(sg_store_open(NULL, "q2", &st), 0);
	char val[200];
	memset(val, 'x', sizeof(val));
	assert_int_equal(sg_store_put(st, "a", val, 60), 0);
	assert_int_equal(sg_store_put(st, "b", val, 60), -EAGAIN);
	assert_int_equal(sg_store_flush(), 0);
	assert_int_equal(sg_store_put(st, "c", val, 200), 0);
	assert_int_equal(sg_store_put(st, "d", "", 0), -EAGAIN);
	assert_int_equal(sg_store_flush(), 0);
	assert_int_equal(count(st), 2);
	sg_store_close(st);
}

/* --- several threads writing at once (run it under helgrind too) --- */

enum { THREADS = 4, PER_THREAD = 2000 };

struct writer_arg {
	struct sg_store *st;
	int id;
};

static void *writer(void *p)
{
	struct writer_arg *a = p;
	for (int i = 0; i < PER_THREAD; i++) {
		char key[32], val[32];
		snprintf(key, sizeof(key), "t%d-%05d", a->id, i % (PER_THREAD / 2));
		snprintf(val, sizeof(val), "%d", i);
		while (sg_store_put(a->st, key, val, strlen(val)) == -EAGAIN)
			usleep(500);
		if (i % 100 == 0 && sg_store_flush() != 0)
			return (void *)1;
	}
	return NULL;
}

static void test_concurrent_writers(void **state)
{
	(void)state;
	struct sg_store *st;
	assert_int_equal(sg_store_open(NULL, "mt", &st), 0);
	pthread_t th[THREADS];
	struct writer_arg args[THREADS];
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct writer_arg){st, i};
		assert_int_equal(pthread_create(&th[i], NULL, writer, &args[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		void *ret;
		pthread_join(th[i], &ret);
		assert_null(ret);
	}
	assert_int_equal(sg_store_flush(), 0);
	struct rows r;
	load(st, &r);
	assert_int_equal(r.n, THREADS * PER_THREAD / 2);
	/* Each key was written twice by one thread: the second write won. */
	for (size_t i = 0; i < r.n; i++) {
		int idx = atoi(strchr(r.keys[i], '-') + 1);
		char want[16];
		snprintf(want, sizeof(want), "%d", idx + PER_THREAD / 2);
		assert_string_equal(r.vals[i], want);
	}
	rows_free(&r);
	sg_store_close(st);
}

/* --- the main loop's flush --- */

struct sync_result {
	int calls, err;
	bool on_main;
	pthread_t main;
};

static void on_synced(int err, void *arg)
{
	struct sync_result *r = arg;
	r->calls++;
	r->err = err;
	r->on_main = pthread_equal(pthread_self(), r->main);
}

static void tick(struct sg_timer *t, void *arg)
{
	(void)t;
	(void)arg;
}

static void test_sync_reports_on_main_loop(void **state)
{
	(void)state;
	struct sg_store *st;
	assert_int_equal(sg_store_open(NULL, "s", &st), 0);
	struct sync_result r = {.main = pthread_self()};
	put_str(st, "k", "v");
	assert_int_equal(sg_store_sync(NULL, on_synced, &r), 0);
	/* A sync whose module unloads before it is reported is never called back:
	 * its code would be gone. */
	struct sync_result dropped = {.main = pthread_self()};
	struct sg_module *fake = (struct sg_module *)&dropped;
	assert_int_equal(sg_store_sync(fake, on_synced, &dropped), 0);
	sg_store_purge_owner(fake);
	struct sg_timer *t = sg_timer_start(sg_loop_main(), NULL, 5, 5, tick, NULL);
	uint64_t deadline = now_ms() + 5000;
	while (r.calls == 0 && now_ms() < deadline)
		sg_loop_run_once(sg_loop_main(), true);
	sg_timer_free(t);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.err, 0);
	assert_true(r.on_main);
	for (int i = 0; i < 20; i++) /* its report, if any, was posted with the first */
		sg_loop_run_once(sg_loop_main(), false);
	assert_int_equal(dropped.calls, 0);
	/* Committed by then: a second connection sees it. */
	sqlite3 *c;
	assert_int_equal(sqlite3_open(db_path, &c), SQLITE_OK);
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_prepare_v2(c, "SELECT val FROM kv WHERE ns='s' AND key='k'", -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(s, 0), 1);
	sqlite3_finalize(s);
	sqlite3_close(c);
	sg_store_close(st);
}

/* --- forgotten handles --- */

static void test_purge_owner(void **state)
{
	(void)state;
	struct sg_store *a1, *a2, *b;
	assert_int_equal(sg_store_open(OWNER_A, "a1", &a1), 0);
	assert_int_equal(sg_store_open(OWNER_A, "a2", &a2), 0);
	assert_int_equal(sg_store_open(OWNER_B, "b", &b), 0);
	put_str(a1, "k", "v"); /* queued, then its handle is purged: still committed */
	assert_int_equal(sg_store_purge_owner(OWNER_A), 2);
	assert_int_equal(sg_store_purge_owner(OWNER_A), 0);
	struct sg_store_stats s;
	sg_store_get_stats(&s);
	assert_int_equal(s.namespaces, 1);
	assert_int_equal(sg_store_open(OWNER_B, "a1", &a1), 0);
	assert_value(a1, "k", "v");
	sg_store_close(a1);
	/* b is left open on purpose: shutdown closes it (and ASan sees no leak). */
}

/* --- survival --- */

static void test_reopen_after_shutdown(void **state)
{
	(void)state;
	struct sg_store *st;
	assert_int_equal(sg_store_open(NULL, "regs", &st), 0);
	put_str(st, "alice", "1");
	put_str(st, "bob", "2");
	assert_int_equal(sg_store_del(st, "bob"), 0);
	sg_store_close(st);
	/* No flush: shutdown commits what is queued. */
	sg_store_shutdown();
	start(NULL);
	assert_int_equal(sg_store_open(NULL, "regs", &st), 0);
	assert_value(st, "alice", "1");
	assert_value(st, "bob", NULL);
	assert_int_equal(count(st), 1);
	sg_store_close(st);
}

static int kill_child(void)
{
	char err[512];
	struct sg_store *st;
	if (sg_store_init(dir, err, sizeof(err)) || sg_store_open(NULL, "msgs", &st))
		return 10;
	for (int i = 0; i < 500; i++) {
		char key[16];
		snprintf(key, sizeof(key), "m%03d", i);
		if (sg_store_put(st, key, "hello", 5))
			return 11;
	}
	if (sg_store_flush())
		return 12;
	/* More writes, not flushed: the kill may or may not lose them. */
	for (int i = 0; i < 100; i++) {
		char key[16];
		snprintf(key, sizeof(key), "z%03d", i);
		sg_store_put(st, key, "late", 4);
	}
	raise(SIGKILL);
	return 13;
}

static void test_survives_kill_9(void **state)
{
	(void)state;
	/* No threads of ours across the fork: the child starts its own store. */
	sg_store_shutdown();
	assert_int_equal(in_child(kill_child), 128 + SIGKILL);
	/* The WAL was not checkpointed: the data is only in strowger.db-wal. */
	char wal[160];
	snprintf(wal, sizeof(wal), "%s-wal", db_path);
	assert_int_equal(access(wal, F_OK), 0);

	start(NULL);
	struct sg_store *st;
	assert_int_equal(sg_store_open(NULL, "msgs", &st), 0);
	struct rows r;
	load(st, &r);
	size_t flushed = 0, late = 0;
	for (size_t i = 0; i < r.n; i++) {
		if (r.keys[i][0] == 'm') {
			assert_string_equal(r.vals[i], "hello");
			flushed++;
		} else {
			assert_string_equal(r.vals[i], "late");
			late++;
		}
	}
	rows_free(&r);
	assert_int_equal(flushed, 500);
	/* Batches are all or nothing, in order: whatever survived is a prefix. */
	for (size_t i = 0; i < late; i++) {
		char key[16];
		snprintf(key, sizeof(key), "z%03zu", i);
		assert_value(st, key, "late");
	}
	sg_store_close(st);
}

/* --- errors --- */

static void test_missing_directory(void **state)
{
	(void)state;
	char err[512] = "", missing[128], log_path[128];
	sg_store_shutdown();
	snprintf(missing, sizeof(missing), "%s/no/such/dir", dir);
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	assert_int_equal(sg_log_to_file(log_path), 0);
	assert_int_equal(sg_store_init(missing, err, sizeof(err)), -ENOENT);
	sg_log_to_file(NULL);
	assert_non_null(strstr(err, missing));
	assert_non_null(strstr(err, "No such file"));
	/* Logged too, tagged "store". */
	assert_true(file_contains(log_path, "[store]"));
	assert_true(file_contains(log_path, missing));

	/* A file where the directory should be. */
	snprintf(missing, sizeof(missing), "%s/log", dir);
	assert_int_equal(sg_store_init(missing, err, sizeof(err)), -ENOTDIR);
	assert_non_null(strstr(err, missing));
	/* The PBX goes on: nothing is running, calls fail cleanly. */
	struct sg_store *st;
	assert_int_equal(sg_store_open(NULL, "x", &st), -ENODEV);
}

static int readonly_child(void)
{
	char err[512] = "";
	/* Root writes anywhere: become nobody to feel the permissions. */
	if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
		return 77;
	int rc = sg_store_init(dir, err, sizeof(err));
	if (rc == 0)
		return 20;
	if (!strstr(err, db_path) || !strstr(err, "Permission denied")) {
		fprintf(stderr, "unexpected message: %s\n", err);
		return 21;
	}
	return 0;
}

static void test_readonly_directory(void **state)
{
	(void)state;
	sg_store_shutdown();
	/* No database yet, and a directory nobody may write to. */
	unlink(db_path);
	assert_int_equal(chmod(dir, 0555), 0);
	int rc = in_child(readonly_child);
	if (rc == 77)
		skip();
	assert_int_equal(rc, 0);

	/* A database that exists but may only be read: refused the same way. */
	assert_int_equal(chmod(dir, 0755), 0);
	start(NULL);
	sg_store_shutdown();
	assert_int_equal(chmod(db_path, 0444), 0);
	assert_int_equal(chmod(dir, 0555), 0);
	assert_int_equal(in_child(readonly_child), 0);
	chmod(dir, 0700);
}

static void test_corrupt_file(void **state)
{
	(void)state;
	char err[512] = "";
	sg_store_shutdown();
	FILE *f = fopen(db_path, "w");
	assert_non_null(f);
	for (int i = 0; i < 512; i++)
		fputs("this is not an SQLite database\n", f);
	fclose(f);
	int rc = sg_store_init(dir, err, sizeof(err));
	assert_int_equal(rc, -EILSEQ);
	assert_non_null(strstr(err, db_path));
	assert_non_null(strstr(err, "not a database"));
}

static void test_newer_schema_refused(void **state)
{
	(void)state;
	char err[512] = "";
	sg_store_shutdown();
	sqlite3 *c;
	assert_int_equal(sqlite3_open(db_path, &c), SQLITE_OK);
	assert_int_equal(sqlite3_exec(c, "UPDATE schema_version SET version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(c);
	assert_int_equal(sg_store_init(dir, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "schema version 99"));
	assert_non_null(strstr(err, db_path));
}

/* A backend that fails commits on demand, as a full disk would. */
static atomic_bool commits_fail;
static struct sg_store_backend failing;

static int failing_commit(void *db)
{
	if (atomic_load(&commits_fail))
		return -ENOSPC;
	return sg_store_sqlite.commit(db);
}

static void test_failed_batch_is_reported(void **state)
{
	(void)state;
	char log_path[128];
	failing = sg_store_sqlite;
	failing.name = "failing";
	failing.commit = failing_commit;
	struct sg_store_opts o = {.backend = &failing};
	sg_store_shutdown();
	start(&o);
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	assert_int_equal(sg_log_to_file(log_path), 0);

	struct sg_store *st;
	assert_int_equal(sg_store_open(NULL, "f", &st), 0);
	put_str(st, "kept", "1");
	assert_int_equal(sg_store_flush(), 0);
	atomic_store(&commits_fail, true);
	put_str(st, "lost", "1");
	assert_int_equal(sg_store_del(st, "kept"), 0);
	/* Retried, then dropped and reported once. */
	assert_int_equal(sg_store_flush(), -ENOSPC);
	assert_int_equal(sg_store_flush(), 0);
	atomic_store(&commits_fail, false);
	sg_log_to_file(NULL);
	assert_true(file_contains(log_path, "error[store]"));
	assert_true(file_contains(log_path, "dropped 2 writes"));

	struct sg_store_stats s;
	sg_store_get_stats(&s);
	assert_int_equal(s.dropped, 2);
	assert_int_equal(s.failed_batches, 1);
	/* The rolled-back batch left nothing behind, and the store still works. */
	assert_value(st, "kept", "1");
	assert_value(st, "lost", NULL);
	put_str(st, "after", "1");
	assert_int_equal(sg_store_flush(), 0);
	assert_value(st, "after", "1");
	sg_store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_del_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_sees_queued_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_writes_batched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_per_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_namespaces_are_separate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_reports_on_main_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purge_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_after_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_survives_kill_9, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_batch_is_reported, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

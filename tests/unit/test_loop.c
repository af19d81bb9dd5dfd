/* test_loop.c: timers, fd watches, purging by owner, the task queues, media workers. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
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

#include <strowger/loop.h>
#include <strowger/workers.h>

#include "loop_priv.h"
#include "workers_priv.h"

static char owner_a_tag, owner_b_tag, tick_tag;
#define OWNER_A ((struct sg_module *)(void *)&owner_a_tag)
#define OWNER_B ((struct sg_module *)(void *)&owner_b_tag)
#define TICK_OWNER ((struct sg_module *)(void *)&tick_tag)

static pthread_t main_thread;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void tick(struct sg_timer *t, void *arg)
{
	(void)t;
	(void)arg;
}

/* Runs the main loop until cond(arg) holds or timeout_ms pass; a 5 ms tick keeps a
 * blocking iteration from waiting forever. Returns whether cond held. */
static bool run_until(bool (*cond)(void *), void *arg, unsigned timeout_ms)
{
	struct sg_timer *t = sg_timer_start(sg_loop_main(), TICK_OWNER, 5, 5, tick, NULL);
	assert_non_null(t);
	uint64_t deadline = now_ms() + timeout_ms;
	bool ok;
	unsigned iterations = 0;
	while (!(ok = cond ? cond(arg) : false) && now_ms() < deadline && iterations++ < 100000)
		sg_loop_run_once(sg_loop_main(), true);
	sg_timer_free(t);
	return ok;
}

/* Runs the main loop for about ms milliseconds. */
static void run_for(unsigned ms)
{
	run_until(NULL, NULL, ms);
}

static bool int_at_least(void *arg)
{
	int *p = ((int **)arg)[0];
	int want = *((int **)arg)[1];
	return *p >= want;
}

static bool wait_count(int *counter, int want, unsigned timeout_ms)
{
	int *args[2] = {counter, &want};
	return run_until(int_at_least, args, timeout_ms);
}

static int group_setup(void **state)
{
	(void)state;
	main_thread = pthread_self();
	return sg_main_loop_init();
}

static int group_teardown(void **state)
{
	(void)state;
	sg_main_loop_shutdown();
	return 0;
}

/* --- timers --- */

struct counter {
	int fired;
	struct sg_timer *t;
	int stop_at;  /* stop the timer from its callback at this count (0: never) */
	int free_at;  /* free it from its callback at this count (0: never) */
	bool on_main;
};

static void count_cb(struct sg_timer *t, void *arg)
{
	struct counter *c = arg;
	assert_ptr_equal(t, c->t);
	c->fired++;
	c->on_main = pthread_equal(pthread_self(), main_thread);
	if (c->stop_at && c->fired == c->stop_at)
		sg_timer_stop(t);
	if (c->free_at && c->fired == c->free_at)
		c->t = sg_timer_free(t);
}

static void test_one_shot_timer(void **state)
{
	(void)state;
	struct counter c = {0};
	uint64_t start = now_ms();
	c.t = sg_timer_start(sg_loop_main(), NULL, 20, 0, count_cb, &c);
	assert_non_null(c.t);
	assert_true(sg_timer_pending(c.t));
	assert_true(wait_count(&c.fired, 1, 2000));
	/* libevent reads a coarse clock (4 ms ticks here): allow that much early. */
	assert_true(now_ms() - start >= 15);
	assert_true(c.on_main);
	/* Once only, and it stays allocated, not pending. */
	run_for(60);
	assert_int_equal(c.fired, 1);
	assert_false(sg_timer_pending(c.t));
	/* It can be started again. */
	sg_timer_restart(c.t, 1);
	assert_true(sg_timer_pending(c.t));
	assert_true(wait_count(&c.fired, 2, 2000));
	run_for(30);
	assert_int_equal(c.fired, 2);
	assert_null(sg_timer_free(c.t));
}

static void test_repeating_timer(void **state)
{
	(void)state;
	struct counter c = {.stop_at = 5};
	c.t = sg_timer_start(sg_loop_main(), NULL, 1, 5, count_cb, &c);
	assert_non_null(c.t);
	assert_true(wait_count(&c.fired, 5, 3000));
	/* Stopped from its own callback at the fifth: no sixth. */
	run_for(60);
	assert_int_equal(c.fired, 5);
	assert_false(sg_timer_pending(c.t));
	sg_timer_free(c.t);
}

static void test_repeating_timer_keeps_going(void **state)
{
	(void)state;
	struct counter c = {0};
	c.t = sg_timer_start(sg_loop_main(), NULL, 0, 2, count_cb, &c);
	assert_non_null(c.t);
	assert_true(wait_count(&c.fired, 10, 3000));
	assert_true(sg_timer_pending(c.t));
	sg_timer_stop(c.t);
	int at_stop = c.fired;
	run_for(30);
	assert_int_equal(c.fired, at_stop);
	sg_timer_free(c.t);
}

static void test_timer_free_in_callback(void **state)
{
	(void)state;
	struct counter c = {.free_at = 3};
	c.t = sg_timer_start(sg_loop_main(), NULL, 1, 2, count_cb, &c);
	assert_true(wait_count(&c.fired, 3, 3000));
	assert_null(c.t);
	run_for(30);
	assert_int_equal(c.fired, 3);
}

static void test_timer_stop_prevents_firing(void **state)
{
	(void)state;
	struct counter a = {0}, b = {0};
	a.t = sg_timer_start(sg_loop_main(), NULL, 10, 0, count_cb, &a);
	b.t = sg_timer_start(sg_loop_main(), NULL, 10, 10, count_cb, &b);
	sg_timer_stop(a.t);
	sg_timer_stop(b.t);
	sg_timer_stop(NULL); /* harmless */
	assert_false(sg_timer_pending(a.t));
	assert_false(sg_timer_pending(b.t));
	assert_false(sg_timer_pending(NULL));
	run_for(80);
	assert_int_equal(a.fired, 0);
	assert_int_equal(b.fired, 0);
	/* A restarted one fires after all. */
	sg_timer_restart(a.t, 1);
	assert_true(wait_count(&a.fired, 1, 2000));
	assert_int_equal(b.fired, 0);
	sg_timer_free(a.t);
	sg_timer_free(b.t);
	assert_null(sg_timer_free(NULL));
}

static void test_timer_restart_postpones(void **state)
{
	(void)state;
	struct counter c = {0};
	c.t = sg_timer_start(sg_loop_main(), NULL, 30, 0, count_cb, &c);
	uint64_t start = now_ms();
	run_for(15);
	assert_int_equal(c.fired, 0);
	sg_timer_restart(c.t, 60); /* replaces the pending expiry */
	assert_true(wait_count(&c.fired, 1, 2000));
	assert_true(now_ms() - start >= 65); /* 15 + 60, less the coarse clock's tick */
	run_for(20);
	assert_int_equal(c.fired, 1);
	sg_timer_free(c.t);
}

static void test_now_is_monotonic(void **state)
{
	(void)state;
	uint64_t a = sg_loop_now_ms(sg_loop_main());
	run_for(20);
	uint64_t b = sg_loop_now_ms(sg_loop_main());
	assert_true(b >= a + 15);
	assert_true(b - a < 5000);
}

/* --- fd watches --- */

struct io_seen {
	int calls;
	int fd;
	unsigned events;
	char last;
	bool drain;
};

static void io_cb(struct sg_io *io, int fd, unsigned events, void *arg)
{
	(void)io;
	struct io_seen *s = arg;
	s->calls++;
	s->fd = fd;
	s->events = events;
	if (s->drain && (events & SG_IO_READ)) {
		char ch;
		if (read(fd, &ch, 1) == 1)
			s->last = ch;
	}
}

static void test_io_watch_pipe(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct io_seen s = {.drain = true};
	struct sg_io *io = sg_io_watch(sg_loop_main(), NULL, p[0], SG_IO_READ, io_cb, &s);
	assert_non_null(io);
	/* Nothing to read yet. */
	run_for(20);
	assert_int_equal(s.calls, 0);

	assert_int_equal(write(p[1], "a", 1), 1);
	assert_true(wait_count(&s.calls, 1, 2000));
	assert_int_equal(s.fd, p[0]);
	assert_int_equal(s.events, SG_IO_READ);
	assert_int_equal(s.last, 'a');
	/* Persistent: a second byte is a second callback. */
	assert_int_equal(write(p[1], "b", 1), 1);
	assert_true(wait_count(&s.calls, 2, 2000));
	assert_int_equal(s.last, 'b');
	run_for(20);
	assert_int_equal(s.calls, 2);

	/* No events: data waits. */
	assert_int_equal(sg_io_set_events(io, 0), 0);
	assert_int_equal(write(p[1], "c", 1), 1);
	run_for(30);
	assert_int_equal(s.calls, 2);
	assert_int_equal(sg_io_set_events(io, SG_IO_READ), 0);
	assert_true(wait_count(&s.calls, 3, 2000));
	assert_int_equal(s.last, 'c');

	assert_null(sg_io_free(io));
	assert_int_equal(write(p[1], "d", 1), 1);
	run_for(20);
	assert_int_equal(s.calls, 3);
	assert_null(sg_io_free(NULL));
	close(p[0]);
	close(p[1]);
}

static void test_io_watch_write(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct io_seen s = {0};
	struct sg_io *io = sg_io_watch(sg_loop_main(), NULL, p[1], SG_IO_WRITE, io_cb, &s);
	assert_non_null(io);
	assert_true(wait_count(&s.calls, 1, 2000));
	assert_int_equal(s.fd, p[1]);
	assert_int_equal(s.events, SG_IO_WRITE);
	sg_io_free(io);
	close(p[0]);
	close(p[1]);
}

/* --- purging by owner --- */

static void test_purge_owner(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct counter a1 = {0}, a2 = {0}, a3 = {0}, b1 = {0};
	struct io_seen ios = {.drain = true};
	a1.t = sg_timer_start(sg_loop_main(), OWNER_A, 5, 0, count_cb, &a1);
	a2.t = sg_timer_start(sg_loop_main(), OWNER_A, 5, 5, count_cb, &a2);
	a3.t = sg_timer_start(sg_loop_main(), OWNER_A, 1000, 0, count_cb, &a3);
	b1.t = sg_timer_start(sg_loop_main(), OWNER_B, 5, 0, count_cb, &b1);
	struct sg_io *io = sg_io_watch(sg_loop_main(), OWNER_A, p[0], SG_IO_READ, io_cb, &ios);
	assert_non_null(io);
	sg_timer_stop(a3.t); /* stopped timers are purged too */

	assert_int_equal(sg_loop_purge_owner(sg_loop_main(), OWNER_A), 4);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_true(wait_count(&b1.fired, 1, 2000));
	run_for(30);
	assert_int_equal(a1.fired, 0);
	assert_int_equal(a2.fired, 0);
	assert_int_equal(a3.fired, 0);
	assert_int_equal(ios.calls, 0);
	/* Nothing of A's is left; B's timer is still there to purge. */
	assert_int_equal(sg_loop_purge_owner(sg_loop_main(), OWNER_A), 0);
	assert_int_equal(sg_loop_purge_owner(sg_loop_main(), OWNER_B), 1);
	/* The main loop still works (its own queue watch was not touched). */
	struct counter c = {0};
	c.t = sg_timer_start(sg_loop_main(), NULL, 1, 0, count_cb, &c);
	assert_true(wait_count(&c.fired, 1, 2000));
	sg_timer_free(c.t);
	close(p[0]);
	close(p[1]);
}

static void test_loop_free_releases_everything(void **state)
{
	(void)state;
	/* A loop of its own, freed with timers and watches still on it (ASan checks). */
	struct sg_loop *loop = sg_loop_new();
	assert_non_null(loop);
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct counter c = {0};
	struct io_seen s = {0};
	c.t = sg_timer_start(loop, OWNER_A, 1, 1, count_cb, &c);
	assert_non_null(sg_timer_start(loop, NULL, 100000, 0, count_cb, &c));
	assert_non_null(sg_io_watch(loop, OWNER_B, p[0], SG_IO_READ, io_cb, &s));
	uint64_t deadline = now_ms() + 2000;
	while (c.fired < 2 && now_ms() < deadline)
		sg_loop_run_once(loop, true);
	assert_true(c.fired >= 2);
	sg_loop_free(loop);
	sg_loop_free(NULL);
	close(p[0]);
	close(p[1]);
}

/* --- signals --- */

static int signal_seen;
static void on_signal(int signo, void *arg)
{
	signal_seen = signo;
	*(int *)arg += 1;
}

static void test_signal(void **state)
{
	(void)state;
	int calls = 0;
	assert_int_equal(sg_loop_on_signal(sg_loop_main(), SIGUSR1, on_signal, &calls), 0);
	raise(SIGUSR1);
	assert_true(wait_count(&calls, 1, 2000));
	assert_int_equal(signal_seen, SIGUSR1);
}

/* --- the main task queue --- */

struct post_log {
	int ran;
	int order[200];
	bool all_on_main;
};

struct post_item {
	struct post_log *log;
	int seq;
};

static void logged_task(void *arg)
{
	struct post_item *it = arg;
	if (!pthread_equal(pthread_self(), main_thread))
		it->log->all_on_main = false;
	if (it->log->ran < 200)
		it->log->order[it->log->ran] = it->seq;
	it->log->ran++;
	free(it);
}

static void *poster_thread(void *arg)
{
	struct post_log *log = arg;
	for (int i = 0; i < 100; i++) {
		struct post_item *it = malloc(sizeof(*it));
		it->log = log;
		it->seq = i;
		while (sg_main_post(logged_task, it) == -EAGAIN)
			usleep(1000);
	}
	return NULL;
}

static void test_main_post_from_thread(void **state)
{
	(void)state;
	struct post_log log = {.all_on_main = true};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, poster_thread, &log), 0);
	bool done = wait_count(&log.ran, 100, 5000);
	pthread_join(th, NULL);
	if (!done)
		assert_true(wait_count(&log.ran, 100, 2000));
	assert_int_equal(log.ran, 100);
	assert_true(log.all_on_main);
	for (int i = 0; i < 100; i++)
		assert_int_equal(log.order[i], i);
}

static void bump(void *arg)
{
	(*(int *)arg)++;
}

static void test_main_post_bounded(void **state)
{
	(void)state;
	int ran = 0;
	int posted = 0;
	/* Without the loop running, the queue fills up and then says so. */
	while (posted < 100000 && sg_main_post(bump, &ran) == 0)
		posted++;
	assert_int_equal(sg_main_post(bump, &ran), -EAGAIN);
	assert_true(posted >= 16 && posted < 100000);
	assert_int_equal(ran, 0);
	assert_true(wait_count(&ran, posted, 5000));
	/* Room again. */
	assert_int_equal(sg_main_post(bump, &ran), 0);
	assert_true(wait_count(&ran, posted + 1, 2000));
}

static void test_taskq_bounded(void **state)
{
	(void)state;
	int ran = 0;
	struct sg_taskq *q = sg_taskq_new(sg_loop_main(), 4);
	assert_non_null(q);
	for (int i = 0; i < 4; i++)
		assert_int_equal(sg_taskq_post(q, bump, &ran), 0);
	assert_int_equal(sg_taskq_post(q, bump, &ran), -EAGAIN);
	assert_int_equal(sg_taskq_depth(q), 4);
	assert_int_equal(ran, 0);
	assert_true(wait_count(&ran, 4, 2000));
	assert_int_equal(sg_taskq_depth(q), 0);
	/* Space again once drained. */
	assert_int_equal(sg_taskq_post(q, bump, &ran), 0);
	assert_int_equal(sg_taskq_post(q, bump, &ran), 0);
	assert_int_equal(sg_taskq_depth(q), 2);
	/* Freeing the queue runs what is left. */
	sg_taskq_free(q);
	assert_int_equal(ran, 6);
	sg_taskq_free(NULL);
}

/* A task that posts again runs on the next wake, not in the same drain. */
struct repost {
	struct sg_taskq *q;
	int ran;
	int limit;
};

static void repost_task(void *arg)
{
	struct repost *r = arg;
	if (++r->ran < r->limit)
		assert_int_equal(sg_taskq_post(r->q, repost_task, r), 0);
}

static void test_taskq_repost(void **state)
{
	(void)state;
	struct repost r = {.limit = 5};
	r.q = sg_taskq_new(sg_loop_main(), 2);
	assert_non_null(r.q);
	assert_int_equal(sg_taskq_post(r.q, repost_task, &r), 0);
	assert_true(wait_count(&r.ran, 5, 2000));
	run_for(20);
	assert_int_equal(r.ran, 5);
	sg_taskq_free(r.q);
}

/* --- media workers --- */

struct worker_job {
	struct sg_worker *target;
	struct sg_worker *self_seen;
	struct sg_loop *loop_seen;
	bool on_worker_thread;
	int back_on_main; /* set by the task the worker posts back */
	bool back_self_null;
	int timer_fired;
};

static void back_on_main(void *arg)
{
	struct worker_job *j = arg;
	j->back_self_null = sg_worker_self() == NULL && pthread_equal(pthread_self(), main_thread);
	j->back_on_main++;
}

static void on_worker(void *arg)
{
	struct worker_job *j = arg;
	j->self_seen = sg_worker_self();
	j->loop_seen = sg_worker_self() ? sg_worker_loop(sg_worker_self()) : NULL;
	j->on_worker_thread = !pthread_equal(pthread_self(), main_thread);
	while (sg_main_post(back_on_main, j) == -EAGAIN)
		usleep(1000);
}

static void worker_timer_cb(struct sg_timer *t, void *arg)
{
	struct worker_job *j = arg;
	j->timer_fired++;
	j->self_seen = sg_worker_self();
	sg_timer_free(t);
	while (sg_main_post(back_on_main, j) == -EAGAIN)
		usleep(1000);
}

static void start_worker_timer(void *arg)
{
	struct worker_job *j = arg;
	/* No cmocka asserts off the main thread: a failure shows as the timer not firing. */
	if (sg_worker_self())
		sg_timer_start(sg_worker_loop(sg_worker_self()), NULL, 5, 0, worker_timer_cb, j);
}

static int workers_setup(void **state)
{
	(void)state;
	return sg_workers_start(2, 64);
}

static int workers_teardown(void **state)
{
	(void)state;
	sg_workers_stop();
	return 0;
}

static void test_workers_run_tasks(void **state)
{
	(void)state;
	assert_int_equal(sg_workers_count(), 2);
	assert_null(sg_worker_self());
	for (unsigned i = 0; i < 2; i++) {
		struct sg_worker *w = sg_worker_get(i);
		assert_non_null(w);
		assert_int_equal(sg_worker_index(w), i);
		struct worker_job j = {.target = w};
		assert_int_equal(sg_worker_post(w, on_worker, &j), 0);
		assert_true(wait_count(&j.back_on_main, 1, 5000));
		assert_ptr_equal(j.self_seen, w);
		assert_non_null(j.loop_seen);
		assert_ptr_not_equal(j.loop_seen, sg_loop_main());
		assert_true(j.on_worker_thread);
		assert_true(j.back_self_null);
	}
	assert_null(sg_worker_get(2));
}

static void test_worker_timer(void **state)
{
	(void)state;
	struct sg_worker *w = sg_worker_get(1);
	struct worker_job j = {.target = w};
	assert_int_equal(sg_worker_post(w, start_worker_timer, &j), 0);
	assert_true(wait_count(&j.back_on_main, 1, 5000));
	assert_int_equal(j.timer_fired, 1);
	assert_ptr_equal(j.self_seen, w);
	assert_true(j.back_self_null);
}

static void test_worker_pick_least_loaded(void **state)
{
	(void)state;
	struct sg_worker *w0 = sg_worker_get(0), *w1 = sg_worker_get(1);
	assert_int_equal(sg_worker_load(w0), 0);
	assert_int_equal(sg_worker_load(w1), 0);
	sg_worker_load_add(w0, 2);
	assert_ptr_equal(sg_worker_pick(), w1);
	sg_worker_load_add(w1, 3);
	assert_ptr_equal(sg_worker_pick(), w0);
	assert_int_equal(sg_worker_load(w1), 3);
	sg_worker_load_add(w1, -2);
	assert_ptr_equal(sg_worker_pick(), w1);
	sg_worker_load_add(w0, -2);
	sg_worker_load_add(w1, -1);
	assert_int_equal(sg_worker_load(w0), 0);
	assert_int_equal(sg_worker_load(w1), 0);
	/* A tie goes to the first. */
	assert_ptr_equal(sg_worker_pick(), w0);
}

struct gate {
	sem_t started, release;
	atomic_int ran;
};

static void blocking_task(void *arg)
{
	struct gate *g = arg;
	sem_post(&g->started);
	sem_wait(&g->release);
}

static void counting_task(void *arg)
{
	struct gate *g = arg;
	atomic_fetch_add(&g->ran, 1);
}

static void test_worker_queue_bounded(void **state)
{
	(void)state;
	struct gate g;
	sem_init(&g.started, 0, 0);
	sem_init(&g.release, 0, 0);
	atomic_init(&g.ran, 0);
	struct sg_worker *w = sg_worker_get(0);
	assert_int_equal(sg_worker_post(w, blocking_task, &g), 0);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	assert_int_equal(sem_timedwait(&g.started, &ts), 0);
	/* The worker is busy: its queue (64) fills, then refuses. */
	int posted = 0;
	while (posted < 1000 && sg_worker_post(w, counting_task, &g) == 0)
		posted++;
	assert_int_equal(posted, 64);
	assert_int_equal(sg_worker_post(w, counting_task, &g), -EAGAIN);
	assert_int_equal(sg_worker_queue_depth(w), 64);
	/* The other worker still takes work. */
	struct worker_job j = {0};
	assert_int_equal(sg_worker_post(sg_worker_get(1), on_worker, &j), 0);
	assert_true(wait_count(&j.back_on_main, 1, 5000));
	sem_post(&g.release);
	uint64_t deadline = now_ms() + 5000;
	while (atomic_load(&g.ran) < 64 && now_ms() < deadline)
		usleep(1000);
	assert_int_equal(atomic_load(&g.ran), 64);
	assert_int_equal(sg_worker_queue_depth(w), 0);
	sem_destroy(&g.started);
	sem_destroy(&g.release);
}

static void test_workers_stop_and_restart(void **state)
{
	(void)state;
	sg_workers_stop();
	assert_int_equal(sg_workers_count(), 0);
	assert_null(sg_worker_get(0));
	assert_null(sg_worker_pick());
	assert_int_equal(sg_workers_start(1, 16), 0);
	assert_int_equal(sg_workers_count(), 1);
	struct worker_job j = {0};
	assert_int_equal(sg_worker_post(sg_worker_pick(), on_worker, &j), 0);
	assert_true(wait_count(&j.back_on_main, 1, 5000));
	assert_ptr_equal(j.self_seen, sg_worker_get(0));
	/* 0 workers means one per core beyond the first, at least one. */
	sg_workers_stop();
	assert_int_equal(sg_workers_start(0, 16), 0);
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	assert_int_equal(sg_workers_count(), cores > 1 ? (unsigned)(cores - 1) : 1u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_shot_timer),
		cmocka_unit_test(test_repeating_timer),
		cmocka_unit_test(test_repeating_timer_keeps_going),
		cmocka_unit_test(test_timer_free_in_callback),
		cmocka_unit_test(test_timer_stop_prevents_firing),
		cmocka_unit_test(test_timer_restart_postpones),
		cmocka_unit_test(test_now_is_monotonic),
		cmocka_unit_test(test_io_watch_pipe),
		cmocka_unit_test(test_io_watch_write),
		cmocka_unit_test(test_purge_owner),
		cmocka_unit_test(test_loop_free_releases_everything),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_main_post_from_thread),
		cmocka_unit_test(test_main_post_bounded),
		cmocka_unit_test(test_taskq_bounded),
		cmocka_unit_test(test_taskq_repost),
		cmocka_unit_test_setup_teardown(test_workers_run_tasks, workers_setup, workers_teardown),
		cmocka_unit_test_setup_teardown(test_worker_timer, workers_setup, workers_teardown),
		cmocka_unit_test_setup_teardown(test_worker_pick_least_loaded, workers_setup, workers_teardown),
		cmocka_unit_test_setup_teardown(test_worker_queue_bounded, workers_setup, workers_teardown),
		cmocka_unit_test_setup_teardown(test_workers_stop_and_restart, workers_setup, workers_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

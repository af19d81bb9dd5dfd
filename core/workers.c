/* workers.c: media worker threads, each running its own loop fed by a task queue. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <strowger/log.h>

#include "loop_priv.h"
#include "workers_priv.h"

struct sg_worker {
	unsigned index;
	pthread_t thread;
	struct sg_loop *loop;
	struct sg_taskq *queue;
	atomic_int load;
	bool running;
	/* Lag probe (main thread only): when the probe now queued was posted (0:
	 * none out), and the last round trip measured. */
	uint64_t probe_sent_ms;
	unsigned lag_ms;
};

static struct sg_worker *workers;
static unsigned worker_count;
/* Every PROBE_MS the main loop posts a no-op to each worker and times its
 * return: a worker whose loop falls behind (CPU-bound media) shows it here. */
#define PROBE_MS 50
static struct sg_timer *probe_timer;
static unsigned pool_generation; /* a probe answered after a restart of the pool is ignored */
static _Thread_local struct sg_worker *current_worker;

static void *worker_main(void *arg)
{
	struct sg_worker *w = arg;
	char name[16];
	snprintf(name, sizeof(name), "sg-media-%u", w->index);
	pthread_setname_np(pthread_self(), name);
	current_worker = w;
	sg_loop_run(w->loop);
	return NULL;
}

static void stop_task(void *arg)
{
	struct sg_worker *w = arg;
	sg_loop_break(w->loop);
}

static uint64_t main_now(void) { return sg_loop_now_ms(sg_loop_main()); }

/* Back on the main thread: the probe went through the worker's queue and loop. */
static void probe_back(void *arg)
{
	uintptr_t v = (uintptr_t)arg;
	unsigned gen = (unsigned)(v >> 16), index = (unsigned)(v & 0xffff);
	if (gen != (pool_generation & 0xffff) || index >= worker_count)
		return;
	struct sg_worker *w = &workers[index];
	if (w->probe_sent_ms) {
		w->lag_ms = (unsigned)(main_now() - w->probe_sent_ms);
		w->probe_sent_ms = 0;
	}
}

static void probe_run(void *arg)
{
	/* On the worker: straight back. -EAGAIN (main queue full) leaves the probe
	 * out, which reads as lag until the next one returns. */
	sg_main_post(probe_back, arg);
}

static void on_probe(struct sg_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	for (unsigned i = 0; i < worker_count; i++) {
		struct sg_worker *w = &workers[i];
		if (!w->running || w->probe_sent_ms)
			continue;
		uintptr_t v = ((uintptr_t)(pool_generation & 0xffff) << 16) | i;
		if (sg_taskq_post(w->queue, probe_run, (void *)v) == 0)
			w->probe_sent_ms = main_now();
	}
}

unsigned sg_worker_lag_ms(const struct sg_worker *w)
{
	/* A probe still out counts for as long as it has been out. */
	return w->probe_sent_ms ? (unsigned)(main_now() - w->probe_sent_ms) : w->lag_ms;
}

unsigned sg_workers_lag_ms(void)
{
	unsigned worst = 0;
	for (unsigned i = 0; i < worker_count; i++)
		if (sg_worker_lag_ms(&workers[i]) > worst)
			worst = sg_worker_lag_ms(&workers[i]);
	return worst;
}

int sg_workers_start(unsigned count, size_t queue_size)
{
	if (count == 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		count = cores > 1 ? (unsigned)(cores - 1) : 1;
	}
	workers = calloc(count, sizeof(*workers));
	if (!workers)
		return -ENOMEM;
	for (unsigned i = 0; i < count; i++) {
		struct sg_worker *w = &workers[i];
		w->index = i;
		w->loop = sg_loop_new();
		w->queue = w->loop ? sg_taskq_new(w->loop, queue_size) : NULL;
		if (!w->queue) {
			worker_count = i + 1;
			sg_workers_stop();
			return -ENOMEM;
		}
		int rc = pthread_create(&w->thread, NULL, worker_main, w);
		if (rc != 0) {
			worker_count = i + 1;
			sg_workers_stop();
			return -rc;
		}
		w->running = true;
	}
	worker_count = count;
	probe_timer = sg_timer_start(sg_loop_main(), NULL, PROBE_MS, PROBE_MS, on_probe, NULL);
	SG_INFO("core", "started %u media worker%s", count, count == 1 ? "" : "s");
	return 0;
}

void sg_workers_stop(void)
{
	probe_timer = sg_timer_free(probe_timer);
	pool_generation++;
	for (unsigned i = 0; i < worker_count; i++) {
		struct sg_worker *w = &workers[i];
		if (w->running) {
			/* The queue is bounded: retry until the stop task fits. */
			while (sg_taskq_post(w->queue, stop_task, w) == -EAGAIN)
				usleep(1000);
			pthread_join(w->thread, NULL);
		}
		sg_taskq_free(w->queue);
		sg_loop_free(w->loop);
	}
	free(workers);
	workers = NULL;
	worker_count = 0;
}

unsigned sg_workers_count(void) { return worker_count; }

struct sg_worker *sg_worker_get(unsigned index)
{
	return index < worker_count ? &workers[index] : NULL;
}

struct sg_worker *sg_worker_pick(void)
{
	struct sg_worker *best = NULL;
	for (unsigned i = 0; i < worker_count; i++)
		if (!best || atomic_load(&workers[i].load) < atomic_load(&best->load))
			best = &workers[i];
	return best;
}

int sg_worker_post(struct sg_worker *w, sg_task_fn *fn, void *arg)
{
	return sg_taskq_post(w->queue, fn, arg);
}

struct sg_loop *sg_worker_loop(struct sg_worker *w) { return w->loop; }
unsigned sg_worker_index(const struct sg_worker *w) { return w->index; }
void sg_worker_load_add(struct sg_worker *w, int delta) { atomic_fetch_add(&w->load, delta); }
unsigned sg_worker_load(const struct sg_worker *w) { return (unsigned)atomic_load(&w->load); }
struct sg_worker *sg_worker_self(void) { return current_worker; }
size_t sg_worker_queue_depth(struct sg_worker *w) { return sg_taskq_depth(w->queue); }

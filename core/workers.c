/* workers.c: media worker threads, each running its own loop fed by a task queue. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
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
};

static struct sg_worker *workers;
static unsigned worker_count;
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
	SG_INFO("core", "started %u media worker%s", count, count == 1 ? "" : "s");
	return 0;
}

void sg_workers_stop(void)
{
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

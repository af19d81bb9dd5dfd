/* taskq.c: the bounded task queue that carries work into a loop from other threads. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "loop_priv.h"

struct task {
	sg_task_fn *fn;
	void *arg;
};

struct sg_taskq {
	pthread_mutex_t lock;
	struct task *ring;
	size_t capacity, head, count;
	int efd;
	struct sg_io *io;
};

/* Takes at most what was queued when woken, so a task that posts again cannot
 * starve the loop. */
static void drain(struct sg_taskq *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = q->count;
	pthread_mutex_unlock(&q->lock);
	while (n--) {
		pthread_mutex_lock(&q->lock);
		struct task t = q->ring[q->head];
		q->head = (q->head + 1) % q->capacity;
		q->count--;
		pthread_mutex_unlock(&q->lock);
		t.fn(t.arg);
	}
}

static void on_wake(struct sg_io *io, int fd, unsigned events, void *arg)
{
	(void)io;
	(void)events;
	uint64_t v;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	drain(arg);
}

struct sg_taskq *sg_taskq_new(struct sg_loop *loop, size_t capacity)
{
	struct sg_taskq *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->ring = calloc(capacity, sizeof(*q->ring));
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!q->ring || q->efd < 0)
		goto fail;
	q->capacity = capacity;
	pthread_mutex_init(&q->lock, NULL);
	q->io = sg_io_watch(loop, NULL, q->efd, SG_IO_READ, on_wake, q);
	if (!q->io) {
		pthread_mutex_destroy(&q->lock);
		goto fail;
	}
	return q;
fail:
	if (q->efd >= 0)
		close(q->efd);
	free(q->ring);
	free(q);
	return NULL;
}

int sg_taskq_post(struct sg_taskq *q, sg_task_fn *fn, void *arg)
{
	pthread_mutex_lock(&q->lock);
	if (q->count == q->capacity) {
		pthread_mutex_unlock(&q->lock);
		return -EAGAIN;
	}
	q->ring[(q->head + q->count) % q->capacity] = (struct task){fn, arg};
	q->count++;
	pthread_mutex_unlock(&q->lock);
	uint64_t one = 1;
	/* A full eventfd counter still wakes the reader, so a failed write is harmless. */
	ssize_t w = write(q->efd, &one, sizeof(one));
	(void)w;
	return 0;
}

void sg_taskq_run_pending(struct sg_taskq *q, unsigned rounds)
{
	while (rounds-- && sg_taskq_depth(q))
		drain(q);
}

size_t sg_taskq_depth(struct sg_taskq *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = q->count;
	pthread_mutex_unlock(&q->lock);
	return n;
}

void sg_taskq_free(struct sg_taskq *q)
{
	if (!q)
		return;
	drain(q);
	sg_io_free(q->io);
	close(q->efd);
	pthread_mutex_destroy(&q->lock);
	free(q->ring);
	free(q);
}

/*
 * workers.h: the media worker pool. Each worker is a thread running its own loop
 * (loop.h) and owning the media sessions placed on it, so the hot path never
 * crosses threads. The main thread talks to a worker by posting a task to the
 * worker's bounded queue; the worker is woken through an eventfd and runs the tasks
 * in order. Workers talk back with sg_main_post(). The pool size comes from the
 * config (`media.workers`, default: one per core beyond the first, at least one).
 */
#ifndef STROWGER_WORKERS_H
#define STROWGER_WORKERS_H

#include "loop.h"

struct sg_worker;

SG_API unsigned sg_workers_count(void);
SG_API struct sg_worker *sg_worker_get(unsigned index);
/* The worker with the fewest sessions placed on it (see sg_worker_load_add). */
SG_API struct sg_worker *sg_worker_pick(void);
/* Runs fn(arg) on the worker's thread. 0, or -EAGAIN when the queue is full. */
SG_API int sg_worker_post(struct sg_worker *w, sg_task_fn *fn, void *arg);
/* The worker's loop: use it only from that worker's thread (inside a posted task). */
SG_API struct sg_loop *sg_worker_loop(struct sg_worker *w);
SG_API unsigned sg_worker_index(const struct sg_worker *w);
/* Bookkeeping for sg_worker_pick: +1 when a session is placed, -1 when it leaves. */
SG_API void sg_worker_load_add(struct sg_worker *w, int delta);
/* The worker running the calling thread, or NULL on the main thread. */
SG_API struct sg_worker *sg_worker_self(void);
/* How far behind the slowest worker is, in ms: the last round trip of a no-op
 * the main loop posts to each worker every 50 ms, or how long one has been out.
 * A signalling module refuses new calls while it is high (chan_sip: 503). Main
 * thread only. */
SG_API unsigned sg_workers_lag_ms(void);

#endif

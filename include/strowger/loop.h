/*
 * loop.h: the event loop as modules see it, so no module includes libevent. There
 * is one main loop (signalling, channels, calls, the Lua dialplan, the console) and
 * one loop per media worker thread (see workers.h). A loop offers one-shot and
 * repeating timers and file-descriptor watches; callbacks run on the thread that owns
 * the loop, never concurrently with each other. Timers and watches record the module
 * that created them: when a module is unloaded, the core frees any it left behind.
 * Functions here must be called on the thread that owns the loop, except
 * sg_main_post(), which is the way in from other threads.
 */
#ifndef STROWGER_LOOP_H
#define STROWGER_LOOP_H

#include "common.h"

struct sg_loop;
struct sg_timer;
struct sg_io;

typedef void (sg_timer_fn)(struct sg_timer *t, void *arg);
typedef void (sg_io_fn)(struct sg_io *io, int fd, unsigned events, void *arg);
typedef void (sg_task_fn)(void *arg);

enum { SG_IO_READ = 1u << 0, SG_IO_WRITE = 1u << 1 };

/* The main thread's loop. */
SG_API struct sg_loop *sg_loop_main(void);
/* Milliseconds on a monotonic clock, cached per loop iteration. */
SG_API uint64_t sg_loop_now_ms(struct sg_loop *loop);

/*
 * Starts a timer firing after `ms`, and then every `repeat_ms` if that is not 0.
 * A one-shot timer stays allocated after it fires (it can be restarted with
 * sg_timer_restart) until sg_timer_free(). Returns NULL on out-of-memory.
 */
SG_API struct sg_timer *sg_timer_start(struct sg_loop *loop, struct sg_module *owner,
				       uint64_t ms, uint64_t repeat_ms, sg_timer_fn *fn, void *arg);
SG_API void sg_timer_restart(struct sg_timer *t, uint64_t ms);
SG_API void sg_timer_stop(struct sg_timer *t);
SG_API bool sg_timer_pending(const struct sg_timer *t);
/* Stops and frees; returns NULL so callers can write `t = sg_timer_free(t)`. */
SG_API struct sg_timer *sg_timer_free(struct sg_timer *t);

/* Watches `fd` for SG_IO_READ and/or SG_IO_WRITE until sg_io_free(). */
SG_API struct sg_io *sg_io_watch(struct sg_loop *loop, struct sg_module *owner, int fd,
				 unsigned events, sg_io_fn *fn, void *arg);
SG_API int sg_io_set_events(struct sg_io *io, unsigned events);
SG_API struct sg_io *sg_io_free(struct sg_io *io);

/*
 * Runs fn(arg) on the main loop, from any thread (a media worker reporting an
 * event). The queue is bounded: returns 0, or -EAGAIN when it is full, in which
 * case the caller still owns arg.
 */
SG_API int sg_main_post(sg_task_fn *fn, void *arg);

#endif

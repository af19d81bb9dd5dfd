/* loop_priv.h: creating, running and tearing down loops (core only). */
#ifndef SG_LOOP_PRIV_H
#define SG_LOOP_PRIV_H

#include <strowger/loop.h>

struct event_base;

struct sg_loop *sg_loop_new(void);
void sg_loop_free(struct sg_loop *loop);
struct event_base *sg_loop_base(struct sg_loop *loop);
/* Runs until sg_loop_break(). */
int sg_loop_run(struct sg_loop *loop);
void sg_loop_break(struct sg_loop *loop);
/* Runs one non-blocking or blocking iteration (tests drive the loop with it). */
int sg_loop_run_once(struct sg_loop *loop, bool block);

/* The main loop and its task queue: created first, freed last. */
int sg_main_loop_init(void);
void sg_main_loop_shutdown(void);

/* Frees the timers and watches `owner` left behind; returns how many. */
unsigned sg_loop_purge_owner(struct sg_loop *loop, struct sg_module *owner);

typedef void (sg_signal_fn)(int signo, void *arg);
int sg_loop_on_signal(struct sg_loop *loop, int signo, sg_signal_fn *fn, void *arg);

/* A bounded multi-producer task queue drained on one loop, woken by an eventfd. */
struct sg_taskq;
struct sg_taskq *sg_taskq_new(struct sg_loop *loop, size_t capacity);
int sg_taskq_post(struct sg_taskq *q, sg_task_fn *fn, void *arg);
size_t sg_taskq_depth(struct sg_taskq *q);
/* Runs what is still queued, then frees the queue. */
void sg_taskq_free(struct sg_taskq *q);
/* Runs what is queued now (and what that queues), at most `rounds` times over. */
void sg_taskq_run_pending(struct sg_taskq *q, unsigned rounds);
/* The same for the main loop's queue: shutdown runs it before modules unload,
 * so deferred releases do not run after their module's code is gone. */
void sg_main_run_pending(void);

#endif

/* workers_priv.h: starting and stopping the media worker pool (core only). */
#ifndef SG_WORKERS_PRIV_H
#define SG_WORKERS_PRIV_H

#include <strowger/workers.h>

/* Starts `count` workers (0: one per core beyond the first, at least one), each
 * with a queue of `queue_size` tasks. 0 or -errno. */
int sg_workers_start(unsigned count, size_t queue_size);
/* Runs what is queued, stops and joins every worker. */
void sg_workers_stop(void);
size_t sg_worker_queue_depth(struct sg_worker *w);
unsigned sg_worker_load(const struct sg_worker *w);
/* The worker's lag as sg_workers_lag_ms measures it (the probe's round trip). */
unsigned sg_worker_lag_ms(const struct sg_worker *w);

#endif

/* loop.c: the libevent wrapper behind loop.h: timers, fd watches, signals. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#include <strowger/log.h>

#include "list.h"
#include "loop_priv.h"

struct sg_loop {
	struct event_base *base;
	struct sg_list handles; /* every timer and watch, for purging by owner */
	struct sg_list signals;
};

/* What timers and watches share, so one list can hold both. */
enum handle_kind { HANDLE_TIMER, HANDLE_IO };
struct handle {
	struct sg_list_node node;
	enum handle_kind kind;
	struct sg_loop *loop;
	struct sg_module *owner;
	struct event *ev;
};

struct sg_timer {
	struct handle h;
	uint64_t repeat_ms;
	sg_timer_fn *fn;
	void *arg;
};

struct sg_io {
	struct handle h;
	int fd;
	sg_io_fn *fn;
	void *arg;
};

struct signal_watch {
	struct sg_list_node node;
	struct event *ev;
	sg_signal_fn *fn;
	void *arg;
};

static struct sg_loop *main_loop;
static struct sg_taskq *main_queue;

struct sg_loop *sg_loop_new(void)
{
	struct sg_loop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return NULL;
	loop->base = event_base_new();
	if (!loop->base) {
		free(loop);
		return NULL;
	}
	sg_list_init(&loop->handles);
	sg_list_init(&loop->signals);
	return loop;
}

void sg_loop_free(struct sg_loop *loop)
{
	if (!loop)
		return;
	sg_loop_purge_owner(loop, NULL);
	struct sg_list_node *it, *next;
	sg_list_foreach_safe(&loop->signals, it, next) {
		struct signal_watch *w = sg_container_of(it, struct signal_watch, node);
		sg_list_remove_from(&loop->signals, it);
		event_free(w->ev);
		free(w);
	}
	event_base_free(loop->base);
	free(loop);
}

struct event_base *sg_loop_base(struct sg_loop *loop) { return loop->base; }
struct sg_loop *sg_loop_main(void) { return main_loop; }
int sg_loop_run(struct sg_loop *loop) { return event_base_loop(loop->base, EVLOOP_NO_EXIT_ON_EMPTY); }
void sg_loop_break(struct sg_loop *loop) { event_base_loopbreak(loop->base); }

int sg_loop_run_once(struct sg_loop *loop, bool block)
{
	return event_base_loop(loop->base, EVLOOP_ONCE | (block ? 0 : EVLOOP_NONBLOCK));
}

uint64_t sg_loop_now_ms(struct sg_loop *loop)
{
	(void)loop;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct timeval ms_to_tv(uint64_t ms)
{
	struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};
	return tv;
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct sg_timer *t = arg;
	if (t->repeat_ms) {
		struct timeval tv = ms_to_tv(t->repeat_ms);
		evtimer_add(t->h.ev, &tv);
	}
	t->fn(t, t->arg);
}

struct sg_timer *sg_timer_start(struct sg_loop *loop, struct sg_module *owner, uint64_t ms,
				uint64_t repeat_ms, sg_timer_fn *fn, void *arg)
{
	struct sg_timer *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->h.ev = evtimer_new(loop->base, timer_cb, t);
	if (!t->h.ev) {
		free(t);
		return NULL;
	}
	t->h.loop = loop;
	t->h.owner = owner;
	t->repeat_ms = repeat_ms;
	t->fn = fn;
	t->arg = arg;
	t->h.kind = HANDLE_TIMER;
	sg_list_append(&loop->handles, &t->h.node);
	sg_timer_restart(t, ms);
	return t;
}

void sg_timer_restart(struct sg_timer *t, uint64_t ms)
{
	struct timeval tv = ms_to_tv(ms);
	evtimer_add(t->h.ev, &tv);
}

void sg_timer_stop(struct sg_timer *t)
{
	if (t)
		evtimer_del(t->h.ev);
}

bool sg_timer_pending(const struct sg_timer *t)
{
	return t && evtimer_pending(t->h.ev, NULL);
}

struct sg_timer *sg_timer_free(struct sg_timer *t)
{
	if (!t)
		return NULL;
	event_free(t->h.ev);
	sg_list_remove_from(&t->h.loop->handles, &t->h.node);
	free(t);
	return NULL;
}

static short to_ev(unsigned events)
{
	return (short)(EV_PERSIST | ((events & SG_IO_READ) ? EV_READ : 0) |
		       ((events & SG_IO_WRITE) ? EV_WRITE : 0));
}

static void io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sg_io *io = arg;
	unsigned events = ((what & EV_READ) ? SG_IO_READ : 0) | ((what & EV_WRITE) ? SG_IO_WRITE : 0);
	io->fn(io, (int)fd, events, io->arg);
}

struct sg_io *sg_io_watch(struct sg_loop *loop, struct sg_module *owner, int fd, unsigned events,
			  sg_io_fn *fn, void *arg)
{
	struct sg_io *io = calloc(1, sizeof(*io));
	if (!io)
		return NULL;
	io->h.ev = event_new(loop->base, fd, to_ev(events), io_cb, io);
	if (!io->h.ev) {
		free(io);
		return NULL;
	}
	io->h.loop = loop;
	io->h.owner = owner;
	io->fd = fd;
	io->fn = fn;
	io->arg = arg;
	io->h.kind = HANDLE_IO;
	sg_list_append(&loop->handles, &io->h.node);
	if (events && event_add(io->h.ev, NULL) != 0) {
		sg_io_free(io);
		return NULL;
	}
	return io;
}

int sg_io_set_events(struct sg_io *io, unsigned events)
{
	event_del(io->h.ev);
	if (event_assign(io->h.ev, io->h.loop->base, io->fd, to_ev(events), io_cb, io) != 0)
		return -EINVAL;
	if (events && event_add(io->h.ev, NULL) != 0)
		return -EIO;
	return 0;
}

struct sg_io *sg_io_free(struct sg_io *io)
{
	if (!io)
		return NULL;
	event_free(io->h.ev);
	sg_list_remove_from(&io->h.loop->handles, &io->h.node);
	free(io);
	return NULL;
}

unsigned sg_loop_purge_owner(struct sg_loop *loop, struct sg_module *owner)
{
	unsigned n = 0;
	struct sg_list_node *it, *next;
	sg_list_foreach_safe(&loop->handles, it, next) {
		struct handle *h = sg_container_of(it, struct handle, node);
		if (owner && h->owner != owner)
			continue;
		if (h->kind == HANDLE_TIMER)
			sg_timer_free(sg_container_of(h, struct sg_timer, h));
		else
			sg_io_free(sg_container_of(h, struct sg_io, h));
		n++;
	}
	return n;
}

static void signal_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct signal_watch *w = arg;
	w->fn((int)fd, w->arg);
}

int sg_loop_on_signal(struct sg_loop *loop, int signo, sg_signal_fn *fn, void *arg)
{
	struct signal_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fn = fn;
	w->arg = arg;
	w->ev = evsignal_new(loop->base, signo, signal_cb, w);
	if (!w->ev || evsignal_add(w->ev, NULL) != 0) {
		if (w->ev)
			event_free(w->ev);
		free(w);
		return -EINVAL;
	}
	sg_list_append(&loop->signals, &w->node);
	return 0;
}

int sg_main_loop_init(void)
{
	main_loop = sg_loop_new();
	if (!main_loop)
		return -ENOMEM;
	main_queue = sg_taskq_new(main_loop, 8192);
	if (!main_queue) {
		sg_loop_free(main_loop);
		main_loop = NULL;
		return -ENOMEM;
	}
	return 0;
}

void sg_main_loop_shutdown(void)
{
	sg_taskq_free(main_queue);
	main_queue = NULL;
	sg_loop_free(main_loop);
	main_loop = NULL;
}

void sg_main_run_pending(void)
{
	if (main_queue)
		sg_taskq_run_pending(main_queue, 16);
}

int sg_main_post(sg_task_fn *fn, void *arg)
{
	if (!main_queue)
		return -ESHUTDOWN;
	return sg_taskq_post(main_queue, fn, arg);
}

/*
 * watchers.h: a list of callbacks modules registered (a function, its argument
 * and the owning module), for the core's state sources (mwi.c, devstate.c, features.c):
 * adding refuses duplicates, and a module's entries go when it unloads. The
 * function is stored as a generic function pointer; each source casts it back
 * to its own type. Main thread only.
 */
#ifndef SG_WATCHERS_H
#define SG_WATCHERS_H

#include <stddef.h>

struct sg_module;

typedef void (*sg_watcher_fn)(void);

struct sg_watcher {
	sg_watcher_fn fn;
	void *arg;
	struct sg_module *owner;
};

struct sg_watchers {
	struct sg_watcher *v;
	size_t n, cap;
};

/* Grows an array of `size`-byte items to hold one more. 0 or -ENOMEM. */
int sg_vec_grow(void **v, size_t *cap, size_t n, size_t size);
/* 0, -EEXIST (this fn/arg is there already), -ENOMEM. */
int sg_watchers_add(struct sg_watchers *w, struct sg_module *owner, sg_watcher_fn fn, void *arg);
void sg_watchers_remove(struct sg_watchers *w, sg_watcher_fn fn, void *arg);
/* Removes the owner's entries; returns how many. */
unsigned sg_watchers_purge(struct sg_watchers *w, struct sg_module *owner);
void sg_watchers_free(struct sg_watchers *w);

#endif

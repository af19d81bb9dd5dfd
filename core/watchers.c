/* watchers.c: lists of module callbacks with their owners (watchers.h). */
#include <errno.h>
#include <stdlib.h>

#include "watchers.h"

int sg_vec_grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *nv = realloc(*v, ncap * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

int sg_watchers_add(struct sg_watchers *w, struct sg_module *owner, sg_watcher_fn fn, void *arg)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].fn == fn && w->v[i].arg == arg)
			return -EEXIST;
	if (sg_vec_grow((void **)&w->v, &w->cap, w->n, sizeof(*w->v)))
		return -ENOMEM;
	w->v[w->n++] = (struct sg_watcher){fn, arg, owner};
	return 0;
}

void sg_watchers_remove(struct sg_watchers *w, sg_watcher_fn fn, void *arg)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].fn == fn && w->v[i].arg == arg) {
			w->v[i] = w->v[--w->n];
			return;
		}
}

unsigned sg_watchers_purge(struct sg_watchers *w, struct sg_module *owner)
{
	unsigned n = 0;
	for (size_t i = 0; i < w->n;)
		if (w->v[i].owner == owner) {
			w->v[i] = w->v[--w->n];
			n++;
		} else {
			i++;
		}
	return n;
}

void sg_watchers_free(struct sg_watchers *w)
{
	free(w->v);
	*w = (struct sg_watchers){0};
}

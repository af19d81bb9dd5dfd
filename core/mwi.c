/* mwi.c: message-waiting counts per mailbox, and who watches them (mwi.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/module.h>
#include <strowger/mwi.h>

#include "mwi_priv.h"

struct box {
	char name[64];
	unsigned new_msgs, old_msgs;
};

struct watch {
	sg_mwi_fn *fn;
	void *arg;
	struct sg_module *owner;
};

static struct box *boxes;
static size_t nboxes, boxes_cap;
static struct watch *watches;
static size_t nwatches, watches_cap;

static struct box *find(const char *name)
{
	for (size_t i = 0; i < nboxes; i++)
		if (!strcmp(boxes[i].name, name))
			return &boxes[i];
	return NULL;
}

/* Grows an array of `size`-byte items to hold one more. */
static int grow(void **v, size_t *cap, size_t n, size_t size)
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

int sg_mwi_set(const char *name, unsigned new_msgs, unsigned old_msgs)
{
	if (!name || !*name || strlen(name) >= sizeof(boxes->name))
		return -EINVAL;
	struct box *b = find(name);
	if (b && b->new_msgs == new_msgs && b->old_msgs == old_msgs)
		return 0;
	if (!b) {
		if (grow((void **)&boxes, &boxes_cap, nboxes, sizeof(*boxes)))
			return -ENOMEM;
		b = &boxes[nboxes++];
		strcpy(b->name, name);
	}
	b->new_msgs = new_msgs;
	b->old_msgs = old_msgs;
	/* A watcher may unwatch (or watch) from its callback: walk a copy's length. */
	for (size_t i = 0; i < nwatches; i++)
		watches[i].fn(name, new_msgs, old_msgs, watches[i].arg);
	return 0;
}

bool sg_mwi_get(const char *name, unsigned *new_msgs, unsigned *old_msgs)
{
	const struct box *b = name ? find(name) : NULL;
	*new_msgs = b ? b->new_msgs : 0;
	*old_msgs = b ? b->old_msgs : 0;
	return b != NULL;
}

int sg_mwi_watch(struct sg_module *owner, sg_mwi_fn *fn, void *arg)
{
	for (size_t i = 0; i < nwatches; i++)
		if (watches[i].fn == fn && watches[i].arg == arg)
			return -EEXIST;
	if (grow((void **)&watches, &watches_cap, nwatches, sizeof(*watches)))
		return -ENOMEM;
	watches[nwatches++] = (struct watch){fn, arg, owner};
	return 0;
}

void sg_mwi_unwatch(sg_mwi_fn *fn, void *arg)
{
	for (size_t i = 0; i < nwatches; i++)
		if (watches[i].fn == fn && watches[i].arg == arg) {
			watches[i] = watches[--nwatches];
			return;
		}
}

unsigned sg_mwi_purge_owner(struct sg_module *owner)
{
	unsigned n = 0;
	for (size_t i = 0; i < nwatches;)
		if (watches[i].owner == owner) {
			watches[i] = watches[--nwatches];
			n++;
		} else {
			i++;
		}
	return n;
}

void sg_mwi_shutdown(void)
{
	free(boxes);
	free(watches);
	boxes = NULL;
	watches = NULL;
	nboxes = boxes_cap = nwatches = watches_cap = 0;
}

/* mwi.c: message-waiting counts per mailbox, and who watches them (mwi.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/module.h>
#include <strowger/mwi.h>

#include "mwi_priv.h"
#include "watchers.h"

struct box {
	char name[64];
	unsigned new_msgs, old_msgs;
};

static struct box *boxes;
static size_t nboxes, boxes_cap;
static struct sg_watchers watches;

static struct box *find(const char *name)
{
	for (size_t i = 0; i < nboxes; i++)
		if (!strcmp(boxes[i].name, name))
			return &boxes[i];
	return NULL;
}

int sg_mwi_set(const char *name, unsigned new_msgs, unsigned old_msgs)
{
	if (!name || !*name || strlen(name) >= sizeof(boxes->name))
		return -EINVAL;
	struct box *b = find(name);
	if (b && b->new_msgs == new_msgs && b->old_msgs == old_msgs)
		return 0;
	if (!b) {
		if (sg_vec_grow((void **)&boxes, &boxes_cap, nboxes, sizeof(*boxes)))
			return -ENOMEM;
		b = &boxes[nboxes++];
		strcpy(b->name, name);
	}
	b->new_msgs = new_msgs;
	b->old_msgs = old_msgs;
	/* A watcher may unwatch (or watch) from its callback: walk a copy's length. */
	for (size_t i = 0; i < watches.n; i++)
		((sg_mwi_fn *)watches.v[i].fn)(name, new_msgs, old_msgs, watches.v[i].arg);
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
	return sg_watchers_add(&watches, owner, (sg_watcher_fn)fn, arg);
}

void sg_mwi_unwatch(sg_mwi_fn *fn, void *arg) { sg_watchers_remove(&watches, (sg_watcher_fn)fn, arg); }

unsigned sg_mwi_purge_owner(struct sg_module *owner) { return sg_watchers_purge(&watches, owner); }

void sg_mwi_shutdown(void)
{
	free(boxes);
	boxes = NULL;
	nboxes = boxes_cap = 0;
	sg_watchers_free(&watches);
}

/* registry.c: owner-tracked sets, and the one place that knows every registry. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "channel_priv.h"
#include "features_priv.h"
#include "cli_priv.h"
#include "devstate_priv.h"
#include "dp_priv.h"
#include "mwi_priv.h"
#include "registry.h"
#include "service_priv.h"
#include "store_priv.h"

unsigned sg_registry_purge_owner(struct sg_module *owner)
{
	/* Lua functions have no unregister call: removing them is the normal path. */
	sg_dp_purge_owner(owner);
	return sg_store_purge_owner(owner) + sg_cli_purge_owner(owner) + sg_chan_tech_purge_owner(owner) +
	       sg_bridge_tech_purge_owner(owner) + sg_service_purge_owner(owner) + sg_mwi_purge_owner(owner) +
	       sg_devstate_purge_owner(owner) +
	       sg_features_purge_owner(owner);
}

int sg_owned_add(struct sg_owned_set *s, const void *item, struct sg_module *owner)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].item == item)
			return -EEXIST;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct sg_owned *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct sg_owned){item, owner};
	return 0;
}

static void remove_at(struct sg_owned_set *s, size_t i)
{
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	if (--s->n == 0) {
		free(s->v);
		s->v = NULL;
		s->cap = 0;
	}
}

void sg_owned_remove(struct sg_owned_set *s, const void *item)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].item == item) {
			remove_at(s, i);
			return;
		}
}

unsigned sg_owned_purge(struct sg_owned_set *s, struct sg_module *owner)
{
	unsigned n = 0;
	for (size_t i = s->n; i-- > 0;)
		if (s->v[i].owner == owner) {
			remove_at(s, i);
			n++;
		}
	return n;
}

struct sg_module *sg_owned_owner(const struct sg_owned_set *s, const void *item)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].item == item)
			return s->v[i].owner;
	return NULL;
}

/* registry.h: removing everything a module registered (core only). */
#ifndef SG_REGISTRY_H
#define SG_REGISTRY_H

#include <stddef.h>

struct sg_module;

/* Removes the module's console commands, channel and bridge technologies, services,
 * store handles and Lua functions; returns how many it had left registered (Lua
 * functions not counted). */
unsigned sg_registry_purge_owner(struct sg_module *owner);

/* A set of items each registered by an owner: technologies of either kind. Order
 * is registration order (the first media technology is the default). */
struct sg_owned {
	const void *item;
	struct sg_module *owner;
};

struct sg_owned_set {
	struct sg_owned *v;
	size_t n, cap;
};

/* 0, -EEXIST when the item is in the set, -ENOMEM. */
int sg_owned_add(struct sg_owned_set *s, const void *item, struct sg_module *owner);
void sg_owned_remove(struct sg_owned_set *s, const void *item);
/* Removes the owner's items; returns how many. */
unsigned sg_owned_purge(struct sg_owned_set *s, struct sg_module *owner);
struct sg_module *sg_owned_owner(const struct sg_owned_set *s, const void *item);

#endif

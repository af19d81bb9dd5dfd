/* registry.h: removing everything a module registered (core only). */
#ifndef SG_REGISTRY_H
#define SG_REGISTRY_H

struct sg_module;

/* Removes the module's console commands, channel and bridge technologies and Lua
 * functions; returns how many of the first three it had left registered. */
unsigned sg_registry_purge_owner(struct sg_module *owner);

#endif

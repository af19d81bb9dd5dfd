/*
 * module.h: how a module declares itself. A module is a shared object (.so) that
 * exports exactly one symbol, `sg_module_info`, a const struct sg_module_info made
 * with SG_MODULE_DEFINE. The loader dlopen()s the file, checks abi_version and
 * info_size against its own (a mismatch is refused with a message naming both
 * versions), checks that the declared dependencies are loaded (loading them first
 * when they are listed in the config), validates the module's config section, then
 * calls load(). load() only registers things into core registries (a channel
 * technology, console commands, Lua functions, timers); every registration records
 * the module as its owner, and unloading removes whatever the module left behind.
 * A module is in use while anything holds a reference (sg_module_ref: a channel of
 * its technology, a dialplan call waiting inside it) or a loaded module depends on
 * it; the loader refuses to unload it then. See docs/modules.md for a walk-through
 * and modules/res_example for a complete small module.
 */
#ifndef STROWGER_MODULE_H
#define STROWGER_MODULE_H

#include "common.h"
#include "config.h"

/* Bumped whenever a public struct or function signature changes incompatibly. */
#define SG_MODULE_ABI_VERSION 3u
#define SG_MODULE_SYMBOL "sg_module_info"

struct sg_module_info {
	uint32_t abi_version; /* SG_MODULE_ABI_VERSION the module was built with */
	uint32_t info_size;   /* sizeof(struct sg_module_info) the module saw */
	const char *name;     /* must equal the file name without ".so" */
	const char *description;
	const char *const *depends; /* NULL-terminated names, or NULL */
	/* Optional config section: settings{ [config_section] = { ... } }. */
	const char *config_section;
	const struct sg_config_key *config_keys;
	/* Registers what the module offers. 0, or a negative errno; the loader then
	 * unregisters anything load() registered before failing. */
	int (*load)(struct sg_module *self);
	/* Releases what load() created. Called only when the module is not in use. */
	void (*unload)(struct sg_module *self);
	/* Optional: re-read the config after `module reload` or a dialplan reload.
	 * Without it, `module reload` unloads and loads the module again. */
	int (*reload)(struct sg_module *self);
};

#define SG_MODULE_DEFINE(...)                                                   \
	SG_EXPORT const struct sg_module_info sg_module_info = {                \
		.abi_version = SG_MODULE_ABI_VERSION,                           \
		.info_size = sizeof(struct sg_module_info),                     \
		__VA_ARGS__}

SG_API const char *sg_module_name(const struct sg_module *m);
/* Marks the module in use / no longer in use (counts may nest). */
SG_API void sg_module_ref(struct sg_module *m);
SG_API void sg_module_unref(struct sg_module *m);
SG_API unsigned sg_module_use_count(const struct sg_module *m);

#endif

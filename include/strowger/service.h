/*
 * service.h: how one module offers an API to others. Modules are loaded with
 * RTLD_LOCAL, so a module cannot link against another's functions; instead the
 * provider registers a const table of function pointers under a name and a version
 * (res_rtp registers "rtp", see rtp.h), and a consumer looks it up. The consumer
 * lists the provider in its `depends`: the loader then loads the provider first and
 * refuses to unload it while the consumer is loaded, so the table stays valid for the
 * consumer's whole life. A lookup with another version finds nothing: a provider
 * that changes its table incompatibly bumps the version, and an old consumer fails
 * to load with a clear message instead of calling the wrong function. Registrations
 * are owned like every other: unloading the provider removes them. Main thread only.
 */
#ifndef STROWGER_SERVICE_H
#define STROWGER_SERVICE_H

#include "common.h"

/* 0, -EINVAL (no name or api), -EEXIST (the name is taken), -ENOMEM. */
SG_API int sg_service_register(struct sg_module *owner, const char *name, unsigned version, const void *api);
SG_API void sg_service_unregister(const char *name);
/* The table registered under `name` with exactly `version`, or NULL. */
SG_API const void *sg_service_get(const char *name, unsigned version);
/* The version registered under `name`, or 0 when none (for error messages). */
SG_API unsigned sg_service_version(const char *name);

#endif

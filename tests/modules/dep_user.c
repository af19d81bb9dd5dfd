/* dep_user.c: depends on dep_base, so loads after it and unloads before it; calls its service. */
#include <errno.h>

#include <strowger/log.h>
#include <strowger/module.h>
#include <strowger/service.h>

struct dep_api {
	int (*answer)(void);
};

static const char *const depends[] = {"dep_base", NULL};

static int load(struct sg_module *self)
{
	(void)self;
	const struct dep_api *api = sg_service_get("dep", 1);
	if (!api)
		return -ENOENT;
	SG_NOTICE("dep_user", "dep_user load; dep service answered %d", api->answer());
	return 0;
}

static void unload(struct sg_module *self)
{
	(void)self;
	SG_NOTICE("dep_user", "dep_user unload");
}

SG_MODULE_DEFINE(.name = "dep_user", .description = "dependency test: needs dep_base",
		 .depends = depends, .load = load, .unload = unload);

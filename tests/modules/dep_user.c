/* dep_user.c: depends on dep_base, so loads after it and unloads before it. */
#include <strowger/log.h>
#include <strowger/module.h>

static const char *const depends[] = {"dep_base", NULL};

static int load(struct sg_module *self)
{
	(void)self;
	SG_NOTICE("dep_user", "dep_user load");
	return 0;
}

static void unload(struct sg_module *self)
{
	(void)self;
	SG_NOTICE("dep_user", "dep_user unload");
}

SG_MODULE_DEFINE(.name = "dep_user", .description = "dependency test: needs dep_base",
		 .depends = depends, .load = load, .unload = unload);

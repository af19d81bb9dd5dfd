/* dep_base.c: a module others depend on (loader ordering tests). */
#include <strowger/log.h>
#include <strowger/module.h>

static int load(struct sg_module *self)
{
	(void)self;
	SG_NOTICE("dep_base", "dep_base load");
	return 0;
}

static void unload(struct sg_module *self)
{
	(void)self;
	SG_NOTICE("dep_base", "dep_base unload");
}

SG_MODULE_DEFINE(.name = "dep_base", .description = "dependency test: the base", .load = load,
		 .unload = unload);

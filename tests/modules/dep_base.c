/* dep_base.c: a module others depend on (loader ordering tests); offers the "dep" service. */
#include <strowger/log.h>
#include <strowger/module.h>
#include <strowger/service.h>

/* What dep_user finds through sg_service_get("dep", 1). */
struct dep_api {
	int (*answer)(void);
};

static int answer(void) { return 42; }

static const struct dep_api api = {answer};

static int load(struct sg_module *self)
{
	SG_NOTICE("dep_base", "dep_base load");
	return sg_service_register(self, "dep", 1, &api);
}

static void unload(struct sg_module *self)
{
	(void)self;
	sg_service_unregister("dep");
	SG_NOTICE("dep_base", "dep_base unload");
}

SG_MODULE_DEFINE(.name = "dep_base", .description = "dependency test: the base", .load = load,
		 .unload = unload);

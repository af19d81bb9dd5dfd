/* bad_abi.c: a module built for another module ABI; the loader must refuse it. */
#include <strowger/module.h>

static int load(struct sg_module *self)
{
	(void)self;
	return 0;
}

SG_EXPORT const struct sg_module_info sg_module_info = {
	.abi_version = SG_MODULE_ABI_VERSION + 41,
	.info_size = sizeof(struct sg_module_info),
	.name = "bad_abi",
	.description = "built against the wrong headers",
	.load = load,
};

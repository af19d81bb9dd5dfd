/* registry.c: one place that knows every registry a module can add to. */
#include "channel_priv.h"
#include "cli_priv.h"
#include "dp_priv.h"
#include "registry.h"

unsigned sg_registry_purge_owner(struct sg_module *owner)
{
	/* Lua functions have no unregister call: removing them is the normal path. */
	sg_dp_purge_owner(owner);
	return sg_cli_purge_owner(owner) + sg_chan_tech_purge_owner(owner) +
	       sg_bridge_tech_purge_owner(owner);
}

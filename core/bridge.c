/* bridge.c: joining two channels, and the registry of media bridge technologies. */
#include <errno.h>
#include <stdlib.h>

#include <strowger/bridge.h>
#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/module.h>

#include "channel_priv.h"
#include "list.h"
#include "registry.h"

struct sg_bridge {
	struct sg_list_node node;
	struct sg_channel *chans[2];
	const struct sg_bridge_tech *tech;
	struct sg_module *tech_owner;
	void *media;
	uint64_t started_ms;
};

static struct sg_owned_set techs;
static struct sg_list bridges = {{&bridges.head, &bridges.head}, 0};

int sg_bridge_tech_register(struct sg_module *owner, const struct sg_bridge_tech *tech)
{
	if (!tech || !tech->name || !tech->join)
		return -EINVAL;
	return sg_owned_add(&techs, tech, owner);
}

void sg_bridge_tech_unregister(const struct sg_bridge_tech *tech) { sg_owned_remove(&techs, tech); }
unsigned sg_bridge_tech_purge_owner(struct sg_module *owner) { return sg_owned_purge(&techs, owner); }

int sg_bridge_join(struct sg_channel *a, struct sg_channel *b, struct sg_bridge **out)
{
	if (a == b)
		return -EINVAL;
	if (sg_chan_state(a) == SG_CHAN_GONE || sg_chan_state(b) == SG_CHAN_GONE)
		return -ENOTCONN;
	if (sg_chan_bridge(a) || sg_chan_bridge(b))
		return -EBUSY;
	struct sg_bridge *br = calloc(1, sizeof(*br));
	if (!br)
		return -ENOMEM;
	br->chans[0] = sg_chan_ref(a);
	br->chans[1] = sg_chan_ref(b);
	br->started_ms = sg_loop_now_ms(sg_loop_main());
	if (techs.n) {
		br->tech = techs.v[0].item;
		br->tech_owner = techs.v[0].owner;
		int rc = br->tech->join(br, a, b);
		if (rc) {
			sg_chan_unref(a);
			sg_chan_unref(b);
			free(br);
			return rc;
		}
		sg_module_ref(br->tech_owner);
	} else {
		SG_NOTICE("core", "bridge %s <-> %s: no media module loaded, signalling only",
			  sg_chan_name(a), sg_chan_name(b));
	}
	sg_chan_set_bridge(a, br);
	sg_chan_set_bridge(b, br);
	sg_list_append(&bridges, &br->node);
	if (out)
		*out = br;
	return 0;
}

void sg_bridge_end(struct sg_bridge *br)
{
	if (!br)
		return;
	sg_list_remove_from(&bridges, &br->node);
	if (br->tech) {
		if (br->tech->leave)
			br->tech->leave(br);
		sg_module_unref(br->tech_owner);
	}
	for (int i = 0; i < 2; i++) {
		sg_chan_set_bridge(br->chans[i], NULL);
		sg_chan_unref(br->chans[i]);
	}
	free(br);
}

void sg_bridge_chan_gone(struct sg_bridge *br, struct sg_channel *ch)
{
	(void)ch;
	sg_bridge_end(br);
}

struct sg_channel *sg_bridge_peer(const struct sg_bridge *br, const struct sg_channel *ch)
{
	if (!br)
		return NULL;
	return br->chans[0] == ch ? br->chans[1] : br->chans[1] == ch ? br->chans[0] : NULL;
}

void *sg_bridge_media(const struct sg_bridge *br) { return br->media; }
void sg_bridge_set_media(struct sg_bridge *br, void *media) { br->media = media; }

void sg_bridges_show(struct sg_cli *cli)
{
	struct sg_list_node *it;
	sg_cli_printf(cli, "%-32s %-32s %-12s %s\n", "Channel", "Channel", "Media", "Age");
	sg_list_foreach(&bridges, it) {
		struct sg_bridge *br = sg_container_of(it, struct sg_bridge, node);
		sg_cli_printf(cli, "%-32s %-32s %-12s %.1f s\n", sg_chan_name(br->chans[0]),
			      sg_chan_name(br->chans[1]), br->tech ? br->tech->name : "signalling",
			      (double)(sg_loop_now_ms(sg_loop_main()) - br->started_ms) / 1000.0);
	}
	sg_cli_printf(cli, "%zu active bridge%s\n", bridges.count, bridges.count == 1 ? "" : "s");
}

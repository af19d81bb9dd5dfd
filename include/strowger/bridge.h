/*
 * bridge.h: a bridge joins two answered channels so they talk to each other. The
 * core owns the signalling side (who is joined to whom, what happens when one side
 * hangs up: the bridge ends and the dialplan decides); a media module registers a
 * bridge technology that moves the audio (packet relay, transcoding, direct media).
 * With no media technology registered, a bridge is signalling-only and says so in
 * the log and in `core show bridges`. Main thread only.
 */
#ifndef STROWGER_BRIDGE_H
#define STROWGER_BRIDGE_H

#include "channel.h"

struct sg_bridge;

struct sg_bridge_tech {
	const char *name; /* "rtp-relay" */
	/* Start moving media between a and b: 0 or -errno (the bridge then fails). */
	int (*join)(struct sg_bridge *br, struct sg_channel *a, struct sg_channel *b);
	/* Stop moving media; the channels may already be gone. */
	void (*leave)(struct sg_bridge *br);
};

SG_API int sg_bridge_tech_register(struct sg_module *owner, const struct sg_bridge_tech *tech);
SG_API void sg_bridge_tech_unregister(const struct sg_bridge_tech *tech);

/* Joins two channels; each can be in one bridge at a time. 0 or -errno
 * (-EBUSY: already bridged, -ENOTCONN: a channel is gone). */
SG_API int sg_bridge_join(struct sg_channel *a, struct sg_channel *b, struct sg_bridge **out);
/* Ends the bridge; both channels stay up. */
SG_API void sg_bridge_end(struct sg_bridge *br);
SG_API struct sg_bridge *sg_chan_bridge(const struct sg_channel *ch);
/* The other channel of the bridge `ch` is in, or NULL. */
SG_API struct sg_channel *sg_bridge_peer(const struct sg_bridge *br, const struct sg_channel *ch);
SG_API void *sg_bridge_media(const struct sg_bridge *br);
SG_API void sg_bridge_set_media(struct sg_bridge *br, void *media);

#endif

/* devstate_priv.h: the core's side of per-user call state (devstate.c). */
#ifndef SG_DEVSTATE_PRIV_H
#define SG_DEVSTATE_PRIV_H

struct sg_channel;
struct sg_module;

/* The channel's state changed (channel.c calls it after every change). */
void sg_devstate_chan_changed(struct sg_channel *ch);
/* The channel is being freed: forget it without a report. */
void sg_devstate_chan_freed(struct sg_channel *ch);
/* Removes the module's resolvers and watches; returns how many. */
unsigned sg_devstate_purge_owner(struct sg_module *owner);
/* Frees the state (the PBX stops). */
void sg_devstate_shutdown(void);

#endif

/* channel_priv.h: what the core adds to channels: observers, listing, bridges. */
#ifndef SG_CHANNEL_PRIV_H
#define SG_CHANNEL_PRIV_H

#include <strowger/channel.h>

struct sg_bridge;
struct sg_call;
struct sg_cli;

enum sg_chan_event { SG_CHEV_RINGING, SG_CHEV_PROGRESS, SG_CHEV_ANSWERED, SG_CHEV_DIGIT, SG_CHEV_HANGUP };

/* One observer per channel: the call or dial operation that owns the leg. */
typedef void (sg_chan_observer_fn)(struct sg_channel *ch, enum sg_chan_event ev, int arg, void *data);
void sg_chan_set_observer(struct sg_channel *ch, sg_chan_observer_fn *fn, void *data);
/* Whether fn/data observes ch now: an owner that lent a leg to a transfer sees
 * it is not its own to release any more. */
bool sg_chan_observed_by(const struct sg_channel *ch, sg_chan_observer_fn *fn, const void *data);
void sg_chan_observer(const struct sg_channel *ch, sg_chan_observer_fn **fn, void **data);
/* Replays a hang-up to the current observer (a leg that ended while lent to
 * someone else, given back to its owner). */
void sg_chan_notify_gone(struct sg_channel *ch);
/* An incoming leg handed to the dialplan is ringing here. */
void sg_chan_set_ring(struct sg_channel *ch);
void sg_chan_set_call(struct sg_channel *ch, struct sg_call *call);
void sg_chan_set_bridge(struct sg_channel *ch, struct sg_bridge *br);
enum sg_cause sg_chan_cause(const struct sg_channel *ch);
uint64_t sg_chan_age_ms(const struct sg_channel *ch);
unsigned sg_chans_active(void);
void sg_chans_show(struct sg_cli *cli);
int sg_chan_show_one(struct sg_cli *cli, const char *name);
/* Hangs up every live channel (core stop now). */
void sg_chans_hangup_all(enum sg_cause cause);
unsigned sg_chan_tech_purge_owner(struct sg_module *owner);
void sg_chan_techs_show(struct sg_cli *cli);

/* Hold and music on hold (hold.c). A call's music goes on where it stopped the
 * last time: the place is kept on the caller's leg (the keeper). */
struct sg_moh_pos {
	char cls[65];	/* the class it was, "" before any */
	size_t file;	/* the file, in name order */
	uint32_t ms;	/* and how far into it */
};
struct hold_music;
struct sg_moh_pos *sg_chan_moh_pos(struct sg_channel *ch);
/* The music playing to this leg (hold.c owns it), or NULL. */
struct hold_music *sg_chan_music(const struct sg_channel *ch);
void sg_chan_set_music(struct sg_channel *ch, struct hold_music *m);
/* The far end of `holder` changed its hold state (sg_chan_hold, deduplicated). */
void sg_hold_changed(struct sg_channel *holder, bool on);
/* Music on hold of class `cls` to leg `to`, going on where it stopped for the
 * keeper's call; `for_hold`: it ends with the bridge. 0 or -errno (-ENOTSUP: the
 * leg has no RTP media or res_rtp is not loaded). */
int sg_moh_start(struct sg_channel *to, struct sg_channel *keeper, const char *cls, bool for_hold);
/* Stops the music playing to `to`, if any (the place is saved when it ends). */
void sg_moh_stop(struct sg_channel *to);
/* `to` is gone: its music ends without a report. */
void sg_moh_forget(struct sg_channel *to);
/* A bridge of `ch` ended: the music of a hold in it stops. */
void sg_moh_unbridged(struct sg_channel *ch);

/* Bridges (bridge.c). */
unsigned sg_bridge_tech_purge_owner(struct sg_module *owner);
void sg_bridges_show(struct sg_cli *cli);
/* A channel of the bridge went away: the bridge ends. */
void sg_bridge_chan_gone(struct sg_bridge *br, struct sg_channel *ch);

#endif

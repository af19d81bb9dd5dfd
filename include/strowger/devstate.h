/*
 * devstate.h: per-user call state, what a busy-lamp key or a presence icon
 * shows. For each user the core lists the legs (channels) that are that user's
 * phones in a call, with their state (early, confirmed, terminated), direction
 * and the party at the other end; modules watch for changes (chan_sip's
 * `dialog` event package, RFC 4235, and its presence).
 *
 * Which user a leg belongs to is the channel technology's knowledge, so each
 * technology that wants its legs counted registers a resolver; the core asks it
 * when a leg of that technology first changes state (and again on each change,
 * so later facts such as the phone's tag are picked up). chan_sip's rule: an
 * incoming leg belongs to the user that authenticated the INVITE (it is the
 * initiator, and the remote party is what it dialled); an outgoing leg to a
 * registered contact belongs to the user whose contact it rings (the
 * recipient, and the remote party is the caller the PBX presents); legs to a
 * bare URI belong to nobody. A leg is early from the first state change
 * (incoming: handed to the dialplan; outgoing: ringing or progress), confirmed
 * once answered, terminated when it is hung up; the terminated report is the
 * last, after which the leg is gone from the lists. A leg that ends before it
 * was ever early (a phone answering 486 at once) is never reported.
 *
 * Watches and resolvers are owned by their module and go away when it unloads.
 * Main thread only.
 */
#ifndef STROWGER_DEVSTATE_H
#define STROWGER_DEVSTATE_H

#include <stdint.h>

#include "channel.h"
#include "common.h"

enum sg_leg_state { SG_LEG_EARLY, SG_LEG_CONFIRMED, SG_LEG_TERMINATED };
enum sg_leg_dir { SG_LEG_INITIATOR, SG_LEG_RECIPIENT };

/* What a technology's resolver says about one of its legs. Strings it does not
 * know stay "". */
struct sg_leg_party {
	char user[64];	       /* the user the leg belongs to; "" for none */
	enum sg_leg_dir dir;   /* the user's phone called (initiator) or was called */
	char remote_uri[256];  /* the other party as the phone sees it: "sip:1001@pbx" */
	char remote_name[128]; /* its display name */
	/* The phone's dialog, seen from the phone (RFC 4235 call-id, local-tag,
	 * remote-tag), for phones that pick a ringing call up by Replaces. */
	char call_id[160], local_tag[64], remote_tag[64];
};

struct sg_leg {
	unsigned id;		/* unique while the PBX runs: "the leg" for RFC 4235's dialog id */
	char channel[96];	/* the channel's name */
	struct sg_leg_party party;
	enum sg_leg_state state;
	enum sg_cause cause;	/* how it ended (terminated only) */
	uint64_t start_ms;	/* loop clock: when it was first reported */
	uint64_t answer_ms;	/* ... and answered; 0 when not */
};

/* 0, or -ENOENT when the leg belongs to no user. */
typedef int(sg_devstate_party_fn)(struct sg_channel *ch, struct sg_leg_party *out);
/* Resolves the legs of `tech`. 0, -EEXIST (tech has one), -ENOMEM. */
SG_API int sg_devstate_resolver(struct sg_module *owner, const struct sg_chan_tech *tech,
				sg_devstate_party_fn *fn);
SG_API void sg_devstate_resolver_remove(const struct sg_chan_tech *tech);

/* The user's current legs (early and confirmed), oldest first: fills out with
 * at most max pointers, valid until the next state change; returns how many
 * the user has (may exceed max). */
SG_API size_t sg_devstate_legs(const char *user, const struct sg_leg **out, size_t max);

/* Called after every change of a leg: new (early), answered (confirmed), ended
 * (terminated; the leg is dropped once the watchers have heard it). */
typedef void(sg_devstate_fn)(const struct sg_leg *leg, void *arg);
/* 0, -EEXIST (this fn/arg watches already), -ENOMEM. */
SG_API int sg_devstate_watch(struct sg_module *owner, sg_devstate_fn *fn, void *arg);
SG_API void sg_devstate_unwatch(sg_devstate_fn *fn, void *arg);

SG_API const char *sg_leg_state_name(enum sg_leg_state s);

#endif

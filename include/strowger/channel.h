/*
 * channel.h: a channel is one call leg (a phone, a trunk, a test leg). The core never
 * knows SIP: each channel has a technology table, registered by the module that owns
 * it ("SIP", "Test", ...), which the core calls to answer, ring, release the leg, etc.
 * The technology tells the core what happened on the wire with the sg_chan_*()
 * notifications (remote answered, ringing, hung up, a digit). Channels are
 * reference-counted because media workers may hold them; they live on the main
 * thread, and every function here is main-thread only except ref/unref. A channel
 * holds a use reference on its technology's module, so the module cannot be
 * unloaded under a live call.
 */
#ifndef STROWGER_CHANNEL_H
#define STROWGER_CHANNEL_H

#include "common.h"

struct sg_channel;
struct sg_cli;
struct sg_rtp_session;

enum sg_chan_state {
	SG_CHAN_DOWN,	  /* created, nothing sent or received yet */
	SG_CHAN_RING,	  /* incoming, not answered */
	SG_CHAN_RINGING,  /* outgoing, the far end is ringing */
	SG_CHAN_PROGRESS, /* early media */
	SG_CHAN_UP,	  /* answered */
	SG_CHAN_GONE,	  /* hung up; only references keep it */
};

/* Why a leg ended: what a PBX admin would say, mapped by each technology to its own
 * codes (SIP 486 is SG_CAUSE_BUSY). */
enum sg_cause {
	SG_CAUSE_NORMAL = 0,
	SG_CAUSE_BUSY,
	SG_CAUSE_NO_ANSWER,
	SG_CAUSE_UNAVAILABLE, /* not registered / unreachable */
	SG_CAUSE_REJECTED,    /* declined */
	SG_CAUSE_NOT_FOUND,   /* no such extension or user */
	SG_CAUSE_CANCELLED,   /* the caller gave up */
	SG_CAUSE_CONGESTION,
	SG_CAUSE_FAILURE,     /* an error: script, network, internal */
	SG_CAUSE_SHUTDOWN,    /* the PBX is stopping */
};

enum sg_indication { SG_IND_RINGING, SG_IND_PROGRESS, SG_IND_HOLD, SG_IND_UNHOLD };

struct sg_chan_tech {
	const char *name; /* "SIP", "Test": also the channel name prefix */
	const char *description;
	/* Optional: turn a dialled destination into the legs to ring, one per line of
	 * `out` (a user with three registered phones is three legs); returns how many
	 * (0: nothing to ring, *cause says why). Without it, dest is one leg. */
	size_t (*expand)(const char *dest, char (*out)[512], size_t max, enum sg_cause *cause);
	/* Optional: create an outgoing leg toward `dest` (the technology's own address
	 * syntax) on behalf of `origin` (the caller's channel, or NULL); ring it with
	 * call(). 0 or -errno with *cause set. */
	int (*request)(const char *dest, struct sg_channel *origin, struct sg_channel **out,
		       enum sg_cause *cause);
	int (*call)(struct sg_channel *ch, unsigned timeout_ms);
	int (*answer)(struct sg_channel *ch);
	int (*indicate)(struct sg_channel *ch, enum sg_indication ind);
	int (*send_digit)(struct sg_channel *ch, char digit, unsigned duration_ms);
	/* Optional: send the caller elsewhere instead of answering (SIP 302 with these
	 * contacts); the leg is then gone. 0 or -errno. */
	int (*redirect)(struct sg_channel *ch, const char *const *targets, size_t n);
	/* The core releases the leg (called once per channel). */
	void (*hangup)(struct sg_channel *ch, enum sg_cause cause);
	/* Frees the technology's private data when the last reference goes. */
	void (*destroy)(void *pvt);
	/* Optional: let the media of two answered, bridged legs of this technology
	 * flow phone to phone (SIP re-INVITEs each to the other) once allowed:
	 * `requested` by the dialplan, or by the technology's own rules (both users
	 * chose it). It checks what else must hold, goes on by itself and stays
	 * relayed (saying why in the log) when it cannot. 0 when it started, or
	 * -errno (-EPERM: not allowed; -EPROTO: not possible for this call). */
	int (*direct_media)(struct sg_channel *a, struct sg_channel *b, bool requested);
	/* Optional: extra lines for `core show channel NAME`. */
	void (*show)(struct sg_channel *ch, struct sg_cli *cli);
};

SG_API int sg_chan_tech_register(struct sg_module *owner, const struct sg_chan_tech *tech);
SG_API void sg_chan_tech_unregister(const struct sg_chan_tech *tech);
SG_API const struct sg_chan_tech *sg_chan_tech_find(const char *name);

/* A new channel named "<tech>/<label>-<serial>", holding one reference for the
 * caller. `pvt` is the technology's private data. NULL on out-of-memory. */
SG_API struct sg_channel *sg_chan_new(const struct sg_chan_tech *tech, const char *label, void *pvt);
SG_API struct sg_channel *sg_chan_ref(struct sg_channel *ch);
/* Drops a reference; returns NULL so callers can write `ch = sg_chan_unref(ch)`. */
SG_API struct sg_channel *sg_chan_unref(struct sg_channel *ch);
SG_API const char *sg_chan_name(const struct sg_channel *ch);
SG_API void *sg_chan_pvt(const struct sg_channel *ch);
SG_API const struct sg_chan_tech *sg_chan_tech(const struct sg_channel *ch);
/* The leg's media, when it is an RTP session of res_rtp (rtp.h): the technology
 * sets it when it makes the session and clears it before releasing it, and the
 * media module's bridge relays between the sessions of two bridged legs. NULL: the
 * leg has no RTP media (a test leg, or a signalling-only one). */
SG_API struct sg_rtp_session *sg_chan_rtp(const struct sg_channel *ch);
SG_API void sg_chan_set_rtp(struct sg_channel *ch, struct sg_rtp_session *s);
SG_API enum sg_chan_state sg_chan_state(const struct sg_channel *ch);
/* The technology's own code for how an outgoing leg ended (SIP: the final
 * status, 486), which call:dial reports as result.code; 0 when none. */
SG_API void sg_chan_set_code(struct sg_channel *ch, int code);
SG_API int sg_chan_code(const struct sg_channel *ch);
SG_API const char *sg_chan_state_name(enum sg_chan_state s);
SG_API const char *sg_cause_name(enum sg_cause c);
/* Parses a cause name ("busy", "normal", ...); -1 when unknown. */
SG_API int sg_cause_parse(const char *name);
SG_API struct sg_channel *sg_chan_find(const char *name);

/* Asks the technology to answer, ring or show progress on, or send a digit on, the
 * leg. 0 or -errno (-ENOTCONN when the channel is gone, -ENOTSUP when the
 * technology cannot). */
SG_API int sg_chan_answer(struct sg_channel *ch);
SG_API int sg_chan_indicate(struct sg_channel *ch, enum sg_indication ind);
SG_API int sg_chan_send_digit(struct sg_channel *ch, char digit, unsigned duration_ms);
/* Redirects an unanswered incoming leg (-ENOTSUP when the technology cannot). */
SG_API int sg_chan_redirect(struct sg_channel *ch, const char *const *targets, size_t n);

/* Asks for direct media between two bridged legs (see direct_media above). 0 or
 * -errno (-ENOTSUP: not the same technology, or it cannot; -ENOTCONN: a leg is gone). */
SG_API int sg_chan_direct_media(struct sg_channel *a, struct sg_channel *b, bool requested);

/* The core releases a leg: calls tech->hangup once, marks it gone, tells its call. */
SG_API void sg_chan_hangup(struct sg_channel *ch, enum sg_cause cause);

/* Notifications from the technology: what happened on the far side. */
SG_API void sg_chan_ringing(struct sg_channel *ch);
SG_API void sg_chan_progress(struct sg_channel *ch);
SG_API void sg_chan_answered(struct sg_channel *ch);
SG_API void sg_chan_digit(struct sg_channel *ch, char digit);
SG_API void sg_chan_remote_hangup(struct sg_channel *ch, enum sg_cause cause);
/* The far end of this leg put the call on hold (`on`: for SIP a re-INVITE or
 * UPDATE whose offer says sendonly, inactive or c=0.0.0.0, the technology having
 * answered it) or took it off hold (sendrecv again). The core runs the call's
 * on_hold hook and plays music on hold to the leg bridged to this one, or stops
 * it (see docs/dialplan.md#hold). Telling the state the leg is already in (a
 * re-INVITE refreshing a hold) does nothing. */
SG_API void sg_chan_hold(struct sg_channel *ch, bool on);
/* Whether the far end of this leg holds the call now (sg_chan_hold). */
SG_API bool sg_chan_held(const struct sg_channel *ch);

#endif

/*
 * transfer.h: call transfer, as a technology asks for it (SIP: REFER, RFC 3515,
 * with Replaces, RFC 3891; and INVITE with Replaces). The transferor is a leg in
 * a conversation (bridged); the transferee is the other party of that bridge.
 * A blind transfer sends the transferee to an extension of the dialplan: it runs
 * there as a new call (the dialplan's on_transfer hook of the old call may allow,
 * refuse or re-route it first), the technology hears how it goes (trying,
 * ringing, done or failed with a cause) through the notify callback, the
 * transferor's leg is released once it is done, and a failed transfer puts the
 * transferee back in the conversation with the transferor if the transferor is
 * still there. An attended transfer joins the transferee with the other party of
 * the transferor's second leg (`replaces`) and releases both of the transferor's
 * legs. sg_chan_replace puts a new incoming leg in the place of an answered one
 * (a phone that sends INVITE with Replaces). Main thread only.
 */
#ifndef STROWGER_TRANSFER_H
#define STROWGER_TRANSFER_H

#include "call.h"

enum sg_xfer_state {
	SG_XFER_RINGING, /* the target rings */
	SG_XFER_DONE,	 /* the transferee is connected (final) */
	SG_XFER_FAILED,	 /* it is not, `cause` says why (final) */
};

/* Called on the transferor's leg, which the transfer holds a reference on (so
 * the technology's private data is there), even when the leg has ended. */
typedef void(sg_xfer_notify_fn)(struct sg_channel *transferor, enum sg_xfer_state st, enum sg_cause cause);

struct sg_xfer_req {
	/* Blind: the extension to send the transferee to ("1002"). */
	const char *target;
	/* Attended: the transferor's other leg; its bridge peer is joined with the
	 * transferee. */
	struct sg_channel *replaces;
	/* The transferor's user, when the technology knows it: its context routes a
	 * blind transfer. NULL: the context of the call the conversation belongs to. */
	const char *user;
	/* Who asked (SIP Referred-By, RFC 3892): kept on the transferee's new call
	 * (sg_call_referred_by) for the legs it places. May be NULL. */
	const char *referred_by;
	sg_xfer_notify_fn *notify; /* blind: progress and outcome; may be NULL */
};

/*
 * Starts a transfer. 0: going on (blind: notify() follows, maybe before this
 * returns; attended: done, and both of the transferor's legs are released).
 * -ENOTCONN: the transferor is not in a conversation; -EBUSY: a transfer of this
 * conversation is going on already; -EPERM: the dialplan refused it
 * (on_transfer); -ENOENT: no such extension; -EINVAL: a request that makes no
 * sense (replaces naming the transferor itself, or a leg in no conversation).
 */
SG_API int sg_chan_transfer(struct sg_channel *transferor, const struct sg_xfer_req *req);

/*
 * An incoming leg, not yet in any call, takes the place of `old`: if old is
 * answered and in a conversation, `neu` is answered and joined with old's peer
 * and `old` is released; if old is a leg a dial rings (call pickup), neu wins the
 * dial as if old had answered (old is cancelled, neu answered). 0, or -ENOTCONN
 * (old is in no conversation and rings for no dial), -EBUSY, -errno.
 */
SG_API int sg_chan_replace(struct sg_channel *old, struct sg_channel *neu);

/* Who asked for the transfer that started this call (Referred-By), or NULL. */
SG_API const char *sg_call_referred_by(const struct sg_call *call);

#endif

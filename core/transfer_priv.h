/* transfer_priv.h: how a transfer's call reports back (core only; transfer.c). */
#ifndef SG_TRANSFER_PRIV_H
#define SG_TRANSFER_PRIV_H

#include <strowger/transfer.h>

struct sg_xfer;

/*
 * The call running a blind transfer's target (call->xfer set) tells the transfer
 * how it goes: its dial rings the target; the transferee is connected (a dial
 * answered, or the dialplan does something else with it: a prompt, a wait);
 * or it is not (the dial failed, the dialplan hung up or ended, the transferee
 * hung up). After done/failed call->xfer is NULL. A failure while the transferor
 * is still there gives the transferee back to the conversation: the call then no
 * longer owns its leg (sg_call_owns_channel) and ends at its next wait.
 */
void sg_xfer_ringing(struct sg_call *call);
void sg_xfer_done(struct sg_call *call);
void sg_xfer_failed(struct sg_call *call, enum sg_cause cause);

#endif

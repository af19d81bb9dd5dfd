/*
 * dialog.h: calls. The "SIP" channel technology and the INVITE dialogs behind it,
 * for Strowger as a B2BUA (RFC 3261 §12-§15): an authenticated INVITE becomes an
 * incoming channel that runs the dialplan; call:dial("1001") rings every contact
 * user 1001 registered (one leg each, sent to the address the phone registered
 * from, so NATed phones are reached; over TCP on the phone's own connection, or
 * once that is closed on a new one to its Contact). A transport error (connection
 * refused, lost) ends a leg "unavailable", not "failed". Provisional responses are relayed as
 * ringing, the first 2xx is ACKed and answers the caller, CANCEL and BYE from
 * either side end both legs. The SDP is carried through from one leg to the other
 * (the media issue anchors RTP in the PBX); a call answered by the dialplan itself
 * answers with every stream inactive until a media module exists.
 */
#ifndef CHAN_SIP_DIALOG_H
#define CHAN_SIP_DIALOG_H

#include "txn.h"

struct sg_cli;
struct sg_module;

int sip_dlg_init(struct sg_module *self);
void sip_dlg_shutdown(void);
/* A new INVITE server transaction (initial or re-INVITE). */
void sip_dlg_invite(struct sip_stxn *t);
/* BYE and CANCEL server transactions. */
void sip_dlg_bye(struct sip_stxn *t);
void sip_dlg_cancel(struct sip_stxn *t);
/* An ACK outside any transaction: the ACK for our 2xx. */
void sip_dlg_ack(const struct sip_msg *ack);
unsigned sip_dlg_count(void);
/* Since start: our 2xx to INVITEs sent again because no ACK came yet (§13.3.1.4). */
unsigned long sip_dlg_2xx_resent(void);
void sip_dlg_show(struct sg_cli *cli);

#endif

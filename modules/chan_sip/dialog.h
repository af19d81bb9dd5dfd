/*
 * dialog.h: calls. The "SIP" channel technology and the INVITE dialogs behind it,
 * for Strowger as a B2BUA (RFC 3261 §12-§15): an authenticated INVITE becomes an
 * incoming channel that runs the dialplan; call:dial("1001") rings every contact
 * user 1001 registered (one leg each, sent to the address the phone registered
 * from, so NATed phones are reached; over TCP on the phone's own connection, or
 * once that is closed on a new one to its Contact). A transport error (connection
 * refused, lost) ends a leg "unavailable", not "failed". Provisional responses are relayed as
 * ringing, the first 2xx is ACKed and answers the caller, CANCEL and BYE from
 * either side end both legs. Media is anchored in the PBX: each leg has an RTP
 * session of res_rtp (a dependency), which takes the phone's offer (488 with the
 * reason in a Warning when nothing in it is acceptable, 503 when no RTP port is
 * free), writes our own offers and answers (the other leg's codec first, so the
 * relay copies payloads when it can), and relays once the core bridges two legs.
 * An INVITE without SDP gets our offer in the 200 and its answer from the ACK;
 * re-INVITE and UPDATE offers (hold, resume, a new codec or address) are answered
 * by the leg's own session; a leg whose RTP stops for
 * settings.rtp.inactivity_timeout is hung up with a BYE. Reliable 18x and PRACK
 * (RFC 3262, prack.c), early UPDATE once a reliable 18x settled the offer (RFC
 * 3311), INFO packages relayed between the legs (RFC 6086, info.c) and session
 * timers (RFC 4028, session_timer.c) on both legs.
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
/* UPDATE (RFC 3311): a new offer inside a call. */
void sip_dlg_update(struct sip_stxn *t);
/* PRACK (RFC 3262) for a reliable provisional response of ours. */
void sip_dlg_prack(struct sip_stxn *t);
/* INFO (RFC 6086): a DTMF digit, or a package passed on to the other phone. */
void sip_dlg_info(struct sip_stxn *t);
/* An ACK outside any transaction: the ACK for our 2xx. */
void sip_dlg_ack(const struct sip_msg *ack);
unsigned sip_dlg_count(void);
/* Since start: our 2xx to INVITEs sent again because no ACK came yet (§13.3.1.4). */
unsigned long sip_dlg_2xx_resent(void);
void sip_dlg_show(struct sg_cli *cli);
/* Incoming call dialogs going on from src's IP address (any port). */
unsigned sip_dlg_count_from(const struct sip_sockaddr *src);

#endif

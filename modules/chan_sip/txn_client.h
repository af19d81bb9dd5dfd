/*
 * txn_client.h: the client side of the RFC 3261 §17 transaction layer (§17.1),
 * with the RFC 6026 "Accepted" state for INVITE.
 *
 * A transaction user (TU: qualify, later the dialog layer) hands over a request
 * built from parts (struct sip_req_out: method, Request-URI, From with a tag, To,
 * Call-ID, CSeq, maybe Route, body). The layer puts its own Via first (sent-by
 * from transport.h's sip_transport_local, ";rport" per RFC 3581, a fresh branch
 * with the magic cookie), adds Max-Forwards: 70 when the TU gave none, and prints
 * it with Content-Length (sip_print_request). It then sends it to an address (no
 * DNS: RFC 3263 is not done here) and runs the state machine:
 *
 *   INVITE      Timer A retransmits over UDP (T1, doubling) until a response;
 *               Timer B (64*T1) gives up while no response came. A 1xx goes to the
 *               TU. A 2xx goes to the TU, which ACKs it (§13.2.2.4); the
 *               transaction then stays "accepted" 64*T1 (Timer M) and hands
 *               every further 2xx (retransmissions, forks) to the TU too. A
 *               300-699 is ACKed here (§17.1.1.3: same branch, Request-URI,
 *               From, Call-ID, CSeq number, Route; the response's To; the top
 *               Via only), goes to the TU once, and its retransmissions are ACKed
 *               again for Timer D (max(32 s, 64*T1) over UDP, 0 over TCP).
 *   non-INVITE  Timer E retransmits over UDP (T1 doubling up to T2; T2 after a
 *               1xx); Timer F (64*T1) gives up; the final goes to the TU and
 *               Timer K (T4 over UDP, 0 over TCP) absorbs its retransmissions.
 *
 * Responses match by the top Via branch and the CSeq method (§17.1.3); a response
 * with more than one Via is dropped (§8.1.3.3). A timeout reaches the TU as a
 * synthetic 408, a transport error (TCP connect refused or timed out, the
 * connection lost with the request unsent, a UDP send failing on a
 * retransmission) as a synthetic 503, and a CANCELled INVITE that never got its
 * final response within 64*T1 of the CANCEL as a synthetic 487: real parsed
 * responses built from the request, which sip_ctxn_error() tells apart.
 *
 * Lifetime: the layer owns each transaction. With out != NULL the TU also holds a
 * reference, which it gives back with sip_ctxn_abandon() (always, exactly once):
 * that also stops the callbacks, so a TU that goes away is never called back. The
 * TU's callback never runs from inside sip_ctxn_send(), sip_ctxn_cancel() or
 * sip_ctxn_abandon(). Timers come from settings.sip (t1/t2/t4). Main thread only.
 */
#ifndef CHAN_SIP_TXN_CLIENT_H
#define CHAN_SIP_TXN_CLIENT_H

#include "sip_msg.h"
#include "sip_print.h"
#include "transport.h"
#include "txn.h"

struct sip_ctxn;
struct sg_cli;
struct sg_module;

/*
 * resp: a 1xx, the final response, or (INVITE) a later 2xx; valid during the
 * call only. The TU may call sip_ctxn_abandon() or sip_ctxn_cancel() from here.
 */
typedef void (sip_ctxn_fn)(struct sip_ctxn *t, const struct sip_msg *resp, void *arg);

struct sip_ctxn_req {
	enum sip_proto proto;		/* UDP (retransmitted), TCP or TLS */
	struct sip_sockaddr dst;	/* the next hop */
	const struct sip_req_out *req;	/* no Via, no Content-Length: the layer adds them */
};

int sip_ctxn_init(struct sg_module *self, const struct sip_timers *timers);
void sip_ctxn_shutdown(void);
void sip_ctxn_set_timers(const struct sip_timers *timers);

/*
 * Starts a client transaction and sends the request. fn may be NULL (nobody
 * listens). 0, or -errno and nothing was started: -EINVAL (the request is
 * malformed, lacks a From tag or carries a Via), -ENOSPC (too big), -EAGAIN (too
 * many transactions open), -ENOMEM, or the transport's error for the first send.
 */
int sip_ctxn_send(const struct sip_ctxn_req *r, sip_ctxn_fn *fn, void *arg, struct sip_ctxn **out);
/*
 * Cancels an INVITE (§9.1): sends CANCEL now if a provisional response came, else
 * as soon as one comes. 0, -EINVAL (not an INVITE) or -EALREADY (a final came).
 */
int sip_ctxn_cancel(struct sip_ctxn *t);
/* Stops the callbacks and gives back the TU's reference (see above). */
void sip_ctxn_abandon(struct sip_ctxn *t);

/* The response a TU is given is real (0) or synthetic: -ETIMEDOUT (408),
 * -ECANCELED (487), or the transport's -errno (503). */
int sip_ctxn_error(const struct sip_ctxn *t);
/* Last status given to the TU (0 before any). */
unsigned sip_ctxn_status(const struct sip_ctxn *t);
/* The branch of the transaction's Via (for logs and tests). */
const char *sip_ctxn_branch(const struct sip_ctxn *t);
/* Since start: requests sent again by Timers A and E, and final responses that
 * came again after the first (the peer did not hear our ACK, or a copy crossed). */
void sip_ctxn_retransmissions(unsigned long *requests_resent, unsigned long *finals_received_again);

/*
 * A response from the transport: true when it matched a client transaction (it
 * was handled there), false for a stray one (§18.1.2: drop it).
 */
bool sip_ctxn_receive(const struct sip_rx *rx, const struct sip_msg *resp);
unsigned sip_ctxn_count(void);
/* Beyond this many open client transactions sip_ctxn_send says -EAGAIN, so memory
 * stays bounded (an accepted INVITE holds no copy of its request: about 0.5 KB). */
#define SIP_CTXN_MAX 100000u
void sip_ctxn_show(struct sg_cli *cli);

/*
 * What a UAC needs to start a request (§8.1.1): random Call-IDs (128 bits) and
 * tags (96 bits) as hex, NUL-terminated, with sizes to match; 0 or -EIO when no
 * randomness is available. An initial CSeq number, random in 1..2^16 so that a
 * dialog has room to count up below 2^31 (§8.1.1.5).
 */
#define SIP_CALL_ID_SIZE 33
#define SIP_TAG_SIZE 25
int sip_new_call_id(char out[SIP_CALL_ID_SIZE]);
int sip_new_tag(char out[SIP_TAG_SIZE]);
uint32_t sip_new_cseq(void);

#endif

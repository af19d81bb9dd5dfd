/*
 * txn.h: the server side of the RFC 3261 §17 transaction layer. A request that
 * arrives either matches a live server transaction (§17.2.3: the top Via's branch,
 * sent-by and method, or the RFC 2543 fallback) and is absorbed there — a
 * retransmission gets the last response again, an ACK for a non-2xx final is taken
 * — or it starts a new transaction that the caller (the registrar, the dialog
 * layer) answers with sip_stxn_respond(). The layer keeps the INVITE state machine
 * (100 Trying when the INVITE is still unanswered 100 ms later or retransmitted, Timer G retransmissions of a non-2xx final over UDP until
 * ACK, Timer H giving up, Timer I) and the non-INVITE one (Timer J absorbing
 * retransmissions after the final response). Timers come from settings.sip
 * (t1/t2/t4). Main thread only.
 */
#ifndef CHAN_SIP_TXN_H
#define CHAN_SIP_TXN_H

#include "sip_msg.h"
#include "sip_print.h"
#include "transport.h"

struct sip_stxn;
struct sg_cli;

struct sip_timers {
	unsigned t1, t2, t4; /* ms: RFC 3261 defaults 500, 4000, 5000 */
};

enum sip_stxn_match {
	SIP_STXN_NEW,	   /* a new transaction: *out is it, the caller must answer */
	SIP_STXN_ABSORBED, /* a retransmission or an ACK the layer handled */
	SIP_STXN_ACK_2XX,  /* an ACK matching no transaction: for the dialog layer */
	SIP_STXN_ERROR,	   /* out of memory or too many transactions (answered 503) */
	SIP_STXN_REFUSED,  /* a new request the admit hook refused: no transaction was
			      made; the caller answers it statelessly */
};

/* Asked before a transaction is made for a new request (not a retransmission):
 * false refuses it (guard.c: transactions per source). */
typedef bool(sip_stxn_admit_fn)(const struct sip_rx *rx);
void sip_stxn_set_admit(sip_stxn_admit_fn *fn);
/* Open server transactions whose requests came from src's address (any port). */
unsigned sip_stxn_count_from(const struct sip_sockaddr *src);

int sip_txn_init(struct sg_module *self, const struct sip_timers *timers);
void sip_txn_shutdown(void);
void sip_txn_set_timers(const struct sip_timers *timers);
const struct sip_timers *sip_txn_timers(void);

enum sip_stxn_match sip_stxn_receive(const struct sip_rx *rx, const struct sip_msg *msg,
				     struct sip_stxn **out);
/* Sends a response built from the transaction's request and moves the state machine.
 * 0 or -errno (-EALREADY: a final response was already sent). */
int sip_stxn_respond(struct sip_stxn *t, const struct sip_resp_opts *o);
/* Called by the receive path once the handler of a new transaction returned. The
 * request still points into the transport's buffer: if no final response was sent,
 * the transaction now keeps its own parsed copy (an INVITE waiting for the
 * dialplan); if one was, it keeps only that response. 0 or -errno (the copy
 * failed: the transaction can no longer answer, sip_stxn_respond says -ENOENT). */
int sip_stxn_settle(struct sip_stxn *t);
/* The request that started the transaction, parsed: valid until its final response
 * has been sent (then NULL once settled). */
const struct sip_msg *sip_stxn_request(const struct sip_stxn *t);
const struct sip_rx *sip_stxn_rx(const struct sip_stxn *t);
/* The last response sent (NULL if none), as bytes on the wire. */
const char *sip_stxn_response(const struct sip_stxn *t, size_t *len);
/* The INVITE transaction a CANCEL names (same branch and sent-by), or NULL. */
struct sip_stxn *sip_stxn_find_invite(const struct sip_msg *cancel);
/* Called when the transaction ends without a final response having been acked. */
void sip_stxn_set_owner(struct sip_stxn *t, void (*gone)(struct sip_stxn *t, void *arg), void *arg);
unsigned sip_stxn_count(void);
/* Beyond this many open server transactions new requests get 503. */
#define SIP_STXN_MAX 300000u
/* Whether a request (not an ACK) belongs to an open server transaction: a
 * retransmission, which overload control must let through to be absorbed. */
bool sip_stxn_known(const struct sip_msg *msg);
/* Non-2xx finals to INVITE sent again by Timer G since the module loaded. */
unsigned long sip_stxn_finals_resent(void);
void sip_txn_show(struct sg_cli *cli);

/* Where a response to this request goes (§18.2.2 with RFC 3581 rport). */
void sip_response_dest(const struct sip_rx *rx, const struct sip_msg *req, struct sip_sockaddr *dst);

#endif

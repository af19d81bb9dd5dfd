/*
 * dialog_priv.h: an INVITE dialog (a call leg) as the SIP channel technology
 * keeps it, shared by dialog.c (INVITE, ACK, BYE, CANCEL, re-INVITE, UPDATE,
 * INFO) and refer.c (REFER and the NOTIFYs of its implicit subscription, and
 * INVITE with Replaces). chan_sip only; main thread.
 */
#ifndef CHAN_SIP_DIALOG_PRIV_H
#define CHAN_SIP_DIALOG_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <strowger/channel.h>

#include "sip_msg.h"
#include "sip_print.h"
#include "transport.h"
#include "txn.h"
#include "txn_client.h"

struct sg_rtp_session;
struct sg_timer;

/* A leg's part in direct media. */
enum dm_state {
	DM_OFF,		 /* media through the PBX, nothing planned */
	DM_WANTED,	 /* a re-INVITE naming the other phone is due */
	DM_OFFERING,	 /* ... and sent */
	DM_ON,		 /* the phone sends to the other phone */
	DM_BACK_WANTED,	 /* a re-INVITE naming us again is due */
	DM_RETURNING,	 /* ... and sent */
};

struct sip_dlg {
	struct sip_dlg *prev, *next; /* every dialog, for the console */
	struct sip_dlg *hnext;	      /* the Call-ID hash chain, once the Call-ID is known */
	bool indexed;
	struct sg_channel *ch;
	bool uac, answered, terminated, cancelled;
	char call_id[160];
	char ltag[SIP_TAG_SIZE];
	char local_hdr[600];  /* our From (UAC) / To (UAS) value, with our tag */
	char remote_hdr[600]; /* the other one, with the remote tag once known */
	char rtarget[512];    /* where in-dialog requests go: the peer's Contact */
	char contact[160];    /* our Contact value */
	enum sip_proto proto;
	bool sips;		  /* a sips: dialog: our Contact must be sips: too (§8.1.1.8) */
	struct sip_sockaddr peer; /* we send to the address the phone talks from */
	/* Incoming: the caller's Max-Forwards; outgoing: what our INVITE carries (the
	 * caller's less one), so a call that loops through PBXs ends with 483. */
	int max_forwards;
	uint32_t lcseq;
	/* Media: the leg's RTP session (res_rtp), which also keeps the SDP state. */
	struct sg_rtp_session *rtp;
	bool late_offer;    /* the INVITE had no SDP: our 200 offers */
	bool await_answer;  /* we offered in a 2xx: the ACK must answer */
	char *lsdp;	    /* our offer in the INVITE we send (UAC) */
	char *early_sdp;    /* UAS: our answer in a 183 (early media), repeated in the 200 */
	size_t early_len;
	size_t lsdp_len;
	/* Direct media: our re-INVITEs (RFC 3261 §14) moving the phone's RTP to the
	 * other phone of the call and, should that fail halfway, back to us. */
	enum dm_state dm;
	bool user_direct;  /* this leg's user has media = "direct" */
	bool acked;	   /* UAS: the ACK for our 2xx came: the INVITE is over */
	bool reinv_pending; /* our re-INVITE has no final response yet */
	struct sip_ctxn *rctxn; /* it (kept past a 2xx, to ACK its retransmissions) */
	struct sg_timer *dm_timer; /* 491: the wait before trying again (§14.1) */
	/* UAS */
	char rtag[64];	 /* the caller's From tag */
	uint32_t rcseq; /* and its INVITE's CSeq: a merged request matches both (§8.2.2.2) */
	struct sip_stxn *inv;
	struct sip_rx inv_rx;
	struct sip_sockaddr inv_dst;
	char *r200;
	size_t r200_len;
	struct sg_timer *r200_timer;
	unsigned r200_ms, r200_total;
	/* UAC */
	struct sip_ctxn *ictxn;
	char ruri[512];
	char from_user[64], from_name[128];
	char referred_by[300]; /* Referred-By for our INVITE (a transferred caller's new leg) */
	/* The leg's user (its own incoming leg, or the user we rang), or "". */
	char user[64];
	/* REFER (refer.c): the REFER being answered now, and its CSeq (the id of the
	 * implicit subscription its NOTIFYs report on). */
	struct sip_stxn *refer_t;
	uint32_t refer_cseq;
	bool refer_active; /* its subscription expects more NOTIFYs */
};


/* The dialog with this Call-ID whose local tag is `ltag`, or NULL. */
struct sip_dlg *sip_dlg_find(const struct sip_pl *call_id, const struct sip_pl *ltag);
/* Sends a request inside the dialog (new CSeq); fn (may be NULL) hears the
 * final response. 0 or -errno (logged). */
int sip_dlg_send(struct sip_dlg *d, const char *method, const struct sip_hdr_out *extra, size_t nextra,
		 const char *content_type, const char *body, size_t body_len, sip_ctxn_fn *fn, void *arg);
/* A response with no dialog state (To tag of the dialog when d is not NULL). */
void sip_dlg_respond(struct sip_stxn *t, const struct sip_dlg *d, unsigned status, const char *reason);
/* Our Contact value for a dialog with a peer reached over proto ("<sip:strowger@
 * ADDRESS;transport=tcp>"): the address the peer sees us at. Subscriptions too. */
void sip_contact_make(char *out, size_t size, enum sip_proto proto, const struct sip_sockaddr *peer, bool sips);
/* The SIP status that says a cause (486 for busy). */
unsigned sip_dlg_status_for(enum sg_cause c);

/* refer.c: REFER in a dialog (blind and attended transfer, RFC 3515/3891/3892). */
void sip_refer(struct sip_stxn *t);
/* An INVITE carrying Replaces (RFC 3891) for an answered leg: 1 when it was
 * handled (answered or refused), 0 when the INVITE has no Replaces. The new leg's
 * dialog is set up as for any INVITE by the caller, then given here. */
int sip_replaces_take(struct sip_stxn *t, struct sip_dlg *neu);

#endif

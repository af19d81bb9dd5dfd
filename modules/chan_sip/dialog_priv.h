/*
 * dialog_priv.h: an INVITE dialog (a call leg) as the SIP channel technology
 * keeps it, shared by dialog.c (INVITE, ACK, BYE, CANCEL, re-INVITE, UPDATE,
 * INFO), prack.c (PRACK, RFC 3262), session_timer.c (RFC 4028), info.c (INFO
 * packages, RFC 6086) and refer.c (REFER and the NOTIFYs of its implicit
 * subscription, and INVITE with Replaces). chan_sip only; main thread.
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
struct sip_push_hold;
struct sg_timer;

/* What we say we allow and support, in INVITEs and their answers (and OPTIONS). */
#define SIP_DLG_ALLOW "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, INFO, REFER"
#define SIP_DLG_SUPPORTED "100rel, timer"

/* Reliable provisional responses (prack.c, RFC 3262), either side of a leg. */
struct sip_rel {
	bool peer_100rel;	/* UAS: the caller's INVITE supports or requires 100rel */
	bool unacked;		/* UAS: our last reliable 18x awaits its PRACK */
	bool unacked_sdp;	/* ... and it carried SDP: a 2xx waits for the PRACK (§3) */
	bool answer_waits;	/* the core answered meanwhile: the 200 goes on the PRACK */
	bool oa_done;		/* the INVITE's offer-answer ended in a reliable 18x */
	unsigned queued;	/* 0, or the 18x to send once the PRACK came (§3: one at a time) */
	uint32_t rseq;		/* UAS: the last RSeq sent; UAC: the last one PRACKed */
	bool rseq_seen;		/* UAC: a reliable 18x came */
	char *resp;		/* UAS: the unacked 18x as sent, for retransmission */
	size_t resp_len;
	struct sg_timer *timer;
	unsigned ms, total;
};

/* The session timer of a leg (session_timer.c, RFC 4028). */
struct sip_st {
	unsigned interval;  /* seconds; 0: no session timer on this leg */
	bool we_refresh;    /* we send the refreshes; else the phone must */
	bool peer_timer;    /* the phone said Supported: timer */
	bool peer_update;   /* the phone allows UPDATE: refresh with it, else re-INVITE */
	bool refreshing;    /* our refresh awaits its final response */
	struct sg_timer *timer;
};

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
	bool counted; /* an incoming call counted under its source host (sip_dlg_count_from) */
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
	struct sip_push_hold *push; /* RFC 8599: the INVITE waits for the phone to wake */
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
	struct sip_rel rel;
	struct sip_st st;
	/* INFO packages (RFC 6086) the phone said it takes (its Recv-Info), comma
	 * separated; and what we announced to it on the other phone's behalf. */
	char recv_info[160];
	char recv_info_ours[160];
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

/* The PBX ends an answered leg itself: BYE to the phone, the core hears it is
 * gone (cause). Unanswered incoming legs get `status` as the INVITE's answer. */
void sip_dlg_end(struct sip_dlg *d, enum sg_cause cause, unsigned status, const char *reason);
/* chan_sip, the owner of the dialogs' timers. */
struct sg_module *sip_dlg_module(void);
/* A header value copied with its folds flattened: 0 or -ENAMETOOLONG. */
int sip_dlg_copy_value(const struct sip_pl *pl, char *out, size_t size);

/* prack.c */
/* The caller's INVITE: does it take reliable 18x? */
void sip_rel_uas_init(struct sip_dlg *d, const struct sip_msg *invite);
/* Sends a 180/183 on the incoming leg, reliably when the caller takes it (Require:
 * 100rel, RSeq, retransmitted T1 doubling until the PRACK or 64*T1); while a
 * reliable one is unacknowledged the new one waits. 0 or -errno. */
int sip_rel_provisional(struct sip_dlg *d, const struct sip_resp_opts *o);
/* The core answers: true when the 200 must wait for a PRACK (an unacked reliable
 * 18x with SDP); otherwise the retransmissions stop. */
bool sip_rel_answer_waits(struct sip_dlg *d);
/* A PRACK for this dialog (answered here). Returns the 18x status queued behind
 * it (to be sent now), or 0. */
unsigned sip_rel_prack(struct sip_dlg *d, struct sip_stxn *t);
/* UAC: a provisional response with a To tag: 1 to take it (a new one, PRACKed
 * here when reliable), 0 to drop it (a retransmission or out of order). */
int sip_rel_uac_provisional(struct sip_dlg *d, const struct sip_msg *resp);
void sip_rel_free(struct sip_dlg *d);

/* session_timer.c */
void sip_st_configure(unsigned session_expires, unsigned min_se);
/* A request from the phone (INVITE, re-INVITE, UPDATE) carrying Session-Expires
 * or not: 0, or 422 sent (too small). Negotiates interval and refresher. */
unsigned sip_st_request(struct sip_dlg *d, struct sip_stxn *t, const struct sip_msg *req);
/* Headers for our 2xx to such a request (Session-Expires, Require: timer); writes
 * into buf; returns how many were added to h (at most 2). */
size_t sip_st_response_hdrs(const struct sip_dlg *d, struct sip_hdr_out *h, char *buf, size_t size);
/* Headers for our initial INVITE (Session-Expires, Min-SE): at most 2. */
size_t sip_st_invite_hdrs(struct sip_hdr_out *h, char *buf, size_t size);
/* UAC: the 2xx to our INVITE (or to our refresh) says what was agreed. */
void sip_st_response(struct sip_dlg *d, const struct sip_msg *resp);
/* (Re)starts the leg's timer: a refresh at half the interval when we refresh,
 * else a BYE at the interval less min(32, interval/3) without one (§10). */
void sip_st_start(struct sip_dlg *d);
void sip_st_stop(struct sip_dlg *d);
/* The final response to our refresh (UPDATE or re-INVITE): restarts the timer,
 * or ends the call on 408/481 (§10). */
void sip_st_refresh_done(struct sip_dlg *d, const struct sip_msg *resp);
/* dialog.c: sends a session refresh re-INVITE (the phone lacks UPDATE). */
int sip_dlg_refresh_reinvite(struct sip_dlg *d);

/* info.c: an INFO naming an Info-Package (or a legacy non-DTMF one) for the
 * other SIP leg of the call: relayed with its final response, or 469/415. */
void sip_info_relay(struct sip_stxn *t, struct sip_dlg *d, struct sip_dlg *peer);
/* The phone's Recv-Info headers into d->recv_info (when it sent any). */
void sip_info_recv_info(struct sip_dlg *d, const struct sip_msg *m);

/* refer.c: REFER in a dialog (blind and attended transfer, RFC 3515/3891/3892). */
void sip_refer(struct sip_stxn *t);
/* An INVITE carrying Replaces (RFC 3891) for an answered leg: 1 when it was
 * handled (answered or refused), 0 when the INVITE has no Replaces. The new leg's
 * dialog is set up as for any INVITE by the caller, then given here. */
int sip_replaces_take(struct sip_stxn *t, struct sip_dlg *neu);

#endif

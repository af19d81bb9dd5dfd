/*
 * prack.c: reliable provisional responses (RFC 3262) on both legs of a call.
 * Incoming leg (we are the UAS): a caller whose INVITE supports or requires
 * 100rel gets its 180/183 with Require: 100rel and an RSeq, sent again T1
 * doubling until the PRACK (§3); nothing reliable follows before that PRACK.
 * Outgoing legs (we are the UAC): our INVITE says Supported: 100rel, and each
 * new reliable 18x gets a PRACK naming it in RAck (§4).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/log.h>
#include <strowger/loop.h>

#include "dialog_priv.h"

#define TAG "sip"

void sip_rel_uas_init(struct sip_dlg *d, const struct sip_msg *invite)
{
	d->rel.peer_100rel = sip_msg_has_tag(invite, SIP_HDR_SUPPORTED, "100rel") ||
			     sip_msg_has_tag(invite, SIP_HDR_REQUIRE, "100rel");
	/* §3: the first RSeq is random, 1 to 2^31-1, with room to count up. */
	d->rel.rseq = sip_new_cseq();
}

static void stop(struct sip_dlg *d)
{
	d->rel.timer = sg_timer_free(d->rel.timer);
	free(d->rel.resp);
	d->rel.resp = NULL;
	d->rel.unacked = false;
}

void sip_rel_free(struct sip_dlg *d) { stop(d); }

static void again(struct sg_timer *t, void *arg)
{
	struct sip_dlg *d = arg;
	if (d->terminated || !d->inv) {
		stop(d);
		return;
	}
	d->rel.total += d->rel.ms;
	if (d->rel.total >= 64u * sip_txn_timers()->t1) {
		/* §3: no PRACK for 64*T1: the INVITE is refused with a 5xx. */
		SG_NOTICE(TAG, "%s: no PRACK for our reliable provisional response; refusing the call",
			  sg_chan_name(d->ch));
		stop(d);
		sip_dlg_end(d, SG_CAUSE_FAILURE, 504, "No PRACK");
		return;
	}
	sip_transport_reply(&d->inv_rx, &d->inv_dst, d->rel.resp, d->rel.resp_len);
	/* §3: doubling, with no T2 cap; the last wait ends at 64*T1 exactly. */
	unsigned left = 64u * sip_txn_timers()->t1 - d->rel.total;
	d->rel.ms = d->rel.ms * 2 < left ? d->rel.ms * 2 : left;
	sg_timer_restart(t, d->rel.ms);
}

int sip_rel_provisional(struct sip_dlg *d, const struct sip_resp_opts *o)
{
	if (!d->rel.peer_100rel)
		return sip_stxn_respond(d->inv, o);
	if (d->rel.unacked) {
		/* §3: no second reliable 18x before the first is acknowledged: the
		 * latest waits for the PRACK (a 183 with early media wins over 180). */
		if (d->rel.queued != 183)
			d->rel.queued = o->status;
		return 0;
	}
	struct sip_hdr_out h[8];
	size_t n = 0;
	for (size_t i = 0; i < o->nhdrs && n < 6; i++)
		h[n++] = o->hdrs[i];
	char rseq[16];
	snprintf(rseq, sizeof(rseq), "%u", ++d->rel.rseq);
	h[n++] = (struct sip_hdr_out){"Require", "100rel"};
	h[n++] = (struct sip_hdr_out){"RSeq", rseq};
	struct sip_resp_opts ro = *o;
	ro.hdrs = h;
	ro.nhdrs = n;
	int rc = sip_stxn_respond(d->inv, &ro);
	if (rc)
		return rc;
	size_t len = 0;
	const char *sent = sip_stxn_response(d->inv, &len);
	char *copy = sent ? malloc(len) : NULL;
	if (!copy)
		return 0; /* sent once; the INVITE's retransmissions still repeat it */
	memcpy(copy, sent, len);
	free(d->rel.resp);
	d->rel.resp = copy;
	d->rel.resp_len = len;
	d->rel.unacked = true;
	d->rel.unacked_sdp = o->body_len > 0;
	/* Where the 18x goes again: as the INVITE's responses do. */
	d->inv_rx = *sip_stxn_rx(d->inv);
	d->inv_rx.data = NULL;
	d->inv_rx.msg = NULL;
	sip_response_dest(sip_stxn_rx(d->inv), sip_stxn_request(d->inv), &d->inv_dst);
	d->rel.ms = sip_txn_timers()->t1;
	d->rel.total = 0;
	if (!d->rel.timer)
		d->rel.timer = sg_timer_start(sg_loop_main(), sip_dlg_module(), d->rel.ms, 0, again, d);
	else
		sg_timer_restart(d->rel.timer, d->rel.ms);
	SG_DEBUG(TAG, "%s: reliable %u, RSeq %u", sg_chan_name(d->ch), o->status, d->rel.rseq);
	return 0;
}

bool sip_rel_answer_waits(struct sip_dlg *d)
{
	if (d->rel.unacked && d->rel.unacked_sdp) {
		d->rel.answer_waits = true;
		return true;
	}
	/* §3: a final response may go with a reliable 18x unacknowledged (no SDP
	 * in it); its retransmissions end with the INVITE. */
	stop(d);
	return false;
}

unsigned sip_rel_prack(struct sip_dlg *d, struct sip_stxn *t)
{
	const struct sip_msg *req = sip_stxn_request(t);
	const struct sip_hdr *h;
	uint32_t rseq = 0, cseq = 0;
	struct sip_pl method = {0};
	if (sip_msg_single(req, SIP_HDR_RACK, &h) || sip_rack_parse(&h->val, &rseq, &cseq, &method)) {
		sip_dlg_respond(t, d, 400, "Missing or bad RAck");
		return 0;
	}
	/* §3: the RAck names our unacknowledged 18x: its RSeq, the INVITE's CSeq. */
	if (d->uac || !d->rel.unacked || rseq != d->rel.rseq || cseq != d->rcseq ||
	    !sip_pl_caseeq_str(&method, "INVITE")) {
		SG_INFO(TAG, "%s: PRACK for RSeq %u (CSeq %u) matches no unacknowledged response: 481",
			sg_chan_name(d->ch), rseq, cseq);
		sip_dlg_respond(t, d, 481, NULL);
		return 0;
	}
	/* An offer in a PRACK is not taken: our 18x answered the INVITE's offer, or
	 * (late offer) had no SDP; a new offer belongs in an UPDATE. */
	if (req->body.l) {
		sip_dlg_respond(t, d, 488, "No offer in PRACK, please");
		return 0;
	}
	sip_dlg_respond(t, d, 200, NULL);
	if (d->rel.unacked_sdp)
		d->rel.oa_done = true;
	stop(d);
	SG_DEBUG(TAG, "%s: PRACK for RSeq %u", sg_chan_name(d->ch), rseq);
	unsigned queued = d->rel.queued;
	d->rel.queued = 0;
	return queued;
}

static void on_prack_response(struct sip_ctxn *t, const struct sip_msg *resp, void *arg)
{
	(void)t;
	(void)arg;
	if (resp->status >= 300)
		SG_NOTICE(TAG, "PRACK refused: %u %.*s (Call-ID %.*s)", resp->status, SIP_PL_ARGS(resp->status_phrase),
			  SIP_PL_ARGS(resp->call_id));
}

int sip_rel_uac_provisional(struct sip_dlg *d, const struct sip_msg *resp)
{
	const struct sip_hdr *h;
	uint32_t rseq;
	if (!sip_msg_has_tag(resp, SIP_HDR_REQUIRE, "100rel"))
		return 1;
	if (sip_msg_single(resp, SIP_HDR_RSEQ, &h) || sip_rseq_parse(&h->val, &rseq)) {
		SG_NOTICE(TAG, "%s: a reliable %u without a valid RSeq: ignored", sg_chan_name(d->ch), resp->status);
		return 0;
	}
	/* §4: a retransmission (same RSeq) is discarded; one that skips a number
	 * is not acknowledged (the missing one comes again first). */
	if (d->rel.rseq_seen && rseq != d->rel.rseq + 1) {
		SG_DEBUG(TAG, "%s: reliable %u with RSeq %u after %u: dropped", sg_chan_name(d->ch), resp->status, rseq,
			 d->rel.rseq);
		return 0;
	}
	d->rel.rseq_seen = true;
	d->rel.rseq = rseq;
	/* The PRACK goes in the early dialog, to the 18x's Contact (§12.1.2). */
	const struct sip_hdr *ct = sip_msg_hdr(resp, SIP_HDR_CONTACT, NULL);
	struct sip_addr ca;
	if (ct && sip_addr_parse(&ca, &ct->val, 0, NULL) == 0)
		sip_dlg_copy_value(&ca.uri_pl, d->rtarget, sizeof(d->rtarget));
	char rack[64];
	snprintf(rack, sizeof(rack), "%u %u INVITE", rseq, resp->cseq);
	struct sip_hdr_out x[] = {{"RAck", rack}};
	sip_dlg_send(d, "PRACK", x, 1, NULL, NULL, 0, on_prack_response, NULL);
	return 1;
}

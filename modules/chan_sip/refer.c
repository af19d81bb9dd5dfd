/*
 * refer.c: call transfer from phones. REFER inside a call (RFC 3515): a plain
 * Refer-To is a blind transfer of the other party to that extension; a Refer-To
 * carrying Replaces (RFC 3891) names the phone's other call with the PBX, and
 * joins the two other parties (attended transfer). The REFER is answered 202 and
 * its implicit subscription gets NOTIFYs with message/sipfrag bodies: 100 Trying
 * at once, 180 while the target rings, then the final status. Referred-By (RFC
 * 3892) travels on to the INVITE that reaches the target. An INVITE with Replaces
 * takes the place of an answered leg (a phone finishing an attended transfer or
 * picking up a call by itself). The core does the moving of legs (transfer.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <strowger/log.h>
#include <strowger/transfer.h>

#include "dialog_priv.h"
#include "sip_addr.h"
#include "sip_fields.h"

#define TAG "sip"

/* The NOTIFY's response: nothing to do, a transferor that went away answers 481. */
static void notify_response(struct sip_ctxn *t, const struct sip_msg *resp, void *arg)
{
	(void)t;
	(void)resp;
	(void)arg;
}

static void send_notify(struct sip_dlg *d, unsigned status, const char *phrase, bool final)
{
	char event[40], body[96];
	snprintf(event, sizeof(event), "refer;id=%u", d->refer_cseq);
	int len = snprintf(body, sizeof(body), "SIP/2.0 %u %s\r\n", status, phrase);
	struct sip_hdr_out h[] = {{"Event", event},
				  {"Subscription-State", final ? "terminated;reason=noresource" : "active;expires=60"},
				  {"Contact", d->contact}};
	sip_dlg_send(d, "NOTIFY", h, 3, "message/sipfrag;version=2.0", body, (size_t)len, notify_response, NULL);
	d->refer_active = !final;
}

static const char *phrase_for(unsigned status)
{
	switch (status) {
	case 180: return "Ringing";
	case 200: return "OK";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 480: return "Temporarily Unavailable";
	case 481: return "Call/Transaction Does Not Exist";
	case 486: return "Busy Here";
	case 487: return "Request Terminated";
	case 503: return "Service Unavailable";
	case 603: return "Decline";
	default: return status < 300 ? "OK" : "Failed";
	}
}

/* While the REFER itself is being handled, its 202 goes out before any NOTIFY. */
static void accept_refer(struct sip_dlg *d)
{
	if (!d->refer_t)
		return;
	struct sip_hdr_out h[] = {{"Contact", d->contact}};
	struct sip_resp_opts o = {.status = 202, .to_tag = d->ltag, .hdrs = h, .nhdrs = 1};
	sip_stxn_respond(d->refer_t, &o);
	d->refer_t = NULL;
}

/* The core's word on the transfer, as NOTIFYs on the transferor's dialog. */
static void on_progress(struct sg_channel *transferor, enum sg_xfer_state st, enum sg_cause cause)
{
	struct sip_dlg *d = sg_chan_pvt(transferor);
	accept_refer(d);
	if (d->terminated || (!d->refer_active && st != SG_XFER_DONE && st != SG_XFER_FAILED))
		return;
	unsigned status = st == SG_XFER_RINGING ? 180 : st == SG_XFER_DONE ? 200 : sip_dlg_status_for(cause);
	/* A call the target refused without a cause of its own: 603 Decline. */
	if (st == SG_XFER_FAILED && status < 300)
		status = 603;
	SG_INFO(TAG, "%s: transfer %s: NOTIFY %u", sg_chan_name(d->ch),
		st == SG_XFER_RINGING ? "rings" : st == SG_XFER_DONE ? "done" : "failed", status);
	send_notify(d, status, phrase_for(status), st != SG_XFER_RINGING);
}

/* The dialog a Replaces names: to-tag is our tag (RFC 3891 §3); a phone that
 * wrote them the other way round is found too. An early dialog only when asked,
 * and only one the PBX started (a leg it rings: call pickup); RFC 3891 §3 refuses
 * replacing an early dialog one did not initiate. */
static struct sip_dlg *replaced_dialog(const struct sip_replaces *r, bool early_ok)
{
	struct sip_dlg *d = sip_dlg_find(&r->call_id, &r->to_tag);
	if (!d)
		d = sip_dlg_find(&r->call_id, &r->from_tag);
	if (!d || d->terminated || !d->ch)
		return NULL;
	return d->answered || (early_ok && d->uac) ? d : NULL;
}

/* Replaces among the Refer-To URI's headers, unescaped into buf: 0, -ENOENT (a
 * blind transfer), -EINVAL. */
static int replaces_in_uri(const struct sip_uri *uri, char *buf, size_t size, size_t *len)
{
	struct sip_pl it = uri->headers;
	struct sip_uri_param h;
	while (it.p && sip_uri_header_next(&it, &h) == 1)
		if (sip_pl_caseeq_str(&h.name, "Replaces"))
			return h.val.p && !sip_pl_unescape(&h.val, buf, size, len) ? 0 : -EINVAL;
	return -ENOENT;
}

static void copy_pl(const struct sip_pl *pl, char *out, size_t size)
{
	size_t n = pl->l < size - 1 ? pl->l : size - 1;
	memcpy(out, pl->p, n);
	out[n] = '\0';
	for (char *p = out; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
}

void sip_refer(struct sip_stxn *t)
{
	const struct sip_msg *req = sip_stxn_request(t);
	struct sip_dlg *d = sip_pl_isset(&req->to.tag) ? sip_dlg_find(&req->call_id, &req->to.tag) : NULL;
	if (!d || d->terminated || !d->answered) {
		/* Outside a call: REFER only transfers calls here (RFC 3515 §2.4.2). */
		sip_dlg_respond(t, d, 481, NULL);
		return;
	}
	const struct sip_hdr *rt = sip_msg_hdr(req, SIP_HDR_REFER_TO, NULL);
	struct sip_addr to;
	if (!rt || sip_msg_hdr(req, SIP_HDR_REFER_TO, rt) || sip_addr_parse(&to, &rt->val, 0, NULL)) {
		sip_dlg_respond(t, d, 400, rt ? "One valid Refer-To, please" : "Missing Refer-To");
		return;
	}
	if (to.uri.scheme != SIP_URI_SIP && to.uri.scheme != SIP_URI_SIPS) {
		sip_dlg_respond(t, d, 416, NULL);
		return;
	}
	char referred_by[300] = "", target[128] = "", replaces[512];
	const struct sip_hdr *rb = sip_msg_hdr(req, SIP_HDR_REFERRED_BY, NULL);
	if (rb)
		copy_pl(&rb->val, referred_by, sizeof(referred_by));
	else if (d->user[0])
		/* Phones that leave it out: who asked is the leg's user, at the address
		 * it reaches the PBX by. */
		snprintf(referred_by, sizeof(referred_by), "<sip:%s@%.*s>", d->user, SIP_PL_ARGS(req->ruri.host));
	struct sg_xfer_req xr = {.user = d->user[0] ? d->user : NULL, .referred_by = referred_by[0] ? referred_by : NULL,
				 .notify = on_progress};
	size_t rlen = 0;
	int rc = replaces_in_uri(&to.uri, replaces, sizeof(replaces), &rlen);
	struct sip_dlg *other = NULL;
	if (rc == 0) {
		struct sip_replaces r;
		struct sip_pl v = sip_pl_make(replaces, rlen);
		if (sip_replaces_parse(&v, &r)) {
			sip_dlg_respond(t, d, 400, "Bad Replaces in Refer-To");
			return;
		}
		other = replaced_dialog(&r, false);
		xr.replaces = other ? other->ch : NULL;
	} else if (rc != -ENOENT) {
		sip_dlg_respond(t, d, 400, "Bad Replaces in Refer-To");
		return;
	} else {
		size_t len = 0;
		if (!to.uri.user.l || sip_pl_unescape(&to.uri.user, target, sizeof(target) - 1, &len)) {
			sip_dlg_respond(t, d, 400, "Refer-To names no extension");
			return;
		}
		target[len] = '\0';
		xr.target = target;
	}
	d->refer_t = t;
	d->refer_cseq = req->cseq;
	d->refer_active = true;
	SG_INFO(TAG, "%s: REFER to %s%s", sg_chan_name(d->ch), rc == 0 ? "the other party of " : "",
		rc == 0 ? (other ? sg_chan_name(other->ch) : "a dialog we do not have") : target);
	if (rc == 0 && !other) {
		/* The named dialog is not ours (or is over): the transfer cannot happen,
		 * this call goes on. */
		accept_refer(d);
		send_notify(d, 481, phrase_for(481), true);
		return;
	}
	rc = sg_chan_transfer(d->ch, &xr);
	if (!d->refer_t) /* the core reported at once: 202 and NOTIFY went out */
		return;
	switch (rc) {
	case 0:
		accept_refer(d);
		send_notify(d, 100, "Trying", false);
		break;
	case -ENOENT:
		accept_refer(d);
		send_notify(d, 404, phrase_for(404), true);
		break;
	case -EPERM:
		d->refer_t = NULL;
		sip_dlg_respond(t, d, 403, "Transfer refused");
		break;
	case -EBUSY:
		d->refer_t = NULL;
		sip_dlg_respond(t, d, 491, "A transfer is going on");
		break;
	case -ENOTCONN:
		d->refer_t = NULL;
		sip_dlg_respond(t, d, 403, "Nobody to transfer");
		break;
	default:
		d->refer_t = NULL;
		sip_dlg_respond(t, d, rc == -EINVAL ? 400 : 500, rc == -EINVAL ? "Cannot transfer to that" : NULL);
		break;
	}
}

int sip_replaces_take(struct sip_stxn *t, struct sip_dlg *neu)
{
	const struct sip_msg *req = sip_stxn_request(t);
	const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_REPLACES, NULL);
	if (!h)
		return 0;
	struct sip_replaces r;
	if (sip_msg_hdr(req, SIP_HDR_REPLACES, h) || sip_replaces_parse(&h->val, &r))
		return 400;
	struct sip_dlg *old = replaced_dialog(&r, true);
	if (!old || (r.early_only && old->answered)) {
		/* RFC 3891 §3: no such dialog here, or early-only naming one answered. */
		SG_NOTICE(TAG, "%s: INVITE with Replaces names no call in progress here (%.*s): 481",
			  sg_chan_name(neu->ch), SIP_PL_ARGS(r.call_id));
		return 481;
	}
	int rc = sg_chan_replace(old->ch, neu->ch);
	if (rc && sg_chan_state(neu->ch) == SG_CHAN_GONE)
		return -1; /* refused while being answered: the leg is over already */
	if (rc) {
		SG_NOTICE(TAG, "%s: cannot take the place of %s: %s", sg_chan_name(neu->ch), sg_chan_name(old->ch),
			  strerror(-rc));
		return rc == -ENOTCONN ? 481 : 503;
	}
	return -1;
}

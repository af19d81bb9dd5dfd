/* dialog.c: the SIP channel technology: INVITE dialogs in and out, as a B2BUA. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <strowger/bridge.h>
#include <strowger/call.h>
#include <strowger/channel.h>
#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/rtp.h>
#include <strowger/transfer.h>
#include <strowger/users.h>

#include "addr_count.h"
#include "auth.h"
#include "dialog.h"
#include "invite_hdrs.h"
#include "location.h"
#include "push.h"
#include "random_pool.h"
#include "sip_dtmf.h"
#include "txn_client.h"
#include "dialog_priv.h"

#define TAG "sip"
#define MAX_DIALOGS 10000

#define DEFAULT_MAX_FORWARDS 70 /* RFC 3261 §8.1.1.6 */
#define ALLOW SIP_DLG_ALLOW
#define SDP_MAX 2048

static struct sg_module *self;
static const struct sg_rtp_api *rtp; /* res_rtp, a dependency: there while we are */
static struct sip_dlg *dialogs;
static unsigned ndialogs;
/* In-dialog requests, ACKs and CANCELs find their dialog by Call-ID here, not by a
 * walk over every call. */
#define DLG_BUCKETS 4096
static struct sip_dlg *by_call_id[DLG_BUCKETS];
static unsigned long r200_resent; /* 2xx sent again for want of an ACK */
static const struct sg_chan_tech sip_tech;

unsigned sip_dlg_count(void) { return ndialogs; }
struct sg_module *sip_dlg_module(void) { return self; }
unsigned long sip_dlg_2xx_resent(void) { return r200_resent; }

static char *dup_mem(const void *p, size_t len)
{
	char *d = malloc(len + 1);
	if (d) {
		memcpy(d, p, len);
		d[len] = '\0';
	}
	return d;
}

static void unref_task(void *arg) { sg_chan_unref(arg); }

/* Our own reference goes on the next loop turn: never under the core's feet. */
static void drop_own_ref(struct sip_dlg *d)
{
	if (sg_main_post(unref_task, d->ch) != 0)
		SG_WARNING(TAG, "main queue full: %s lingers", sg_chan_name(d->ch));
}

static unsigned call_id_bucket(const char *p, size_t n) { return (unsigned)(sip_hash(p, n) % DLG_BUCKETS); }

/* Enters the dialog in the Call-ID index: once its call_id is set. */
static void dlg_index(struct sip_dlg *d)
{
	unsigned b = call_id_bucket(d->call_id, strlen(d->call_id));
	d->hnext = by_call_id[b];
	by_call_id[b] = d;
	d->indexed = true;
}

static struct sip_dlg *dlg_new(bool uac)
{
	if (ndialogs >= MAX_DIALOGS)
		return NULL;
	struct sip_dlg *d = calloc(1, sizeof(*d));
	if (!d || sip_new_tag(d->ltag)) {
		free(d);
		return NULL;
	}
	d->uac = uac;
	d->lcseq = sip_new_cseq();
	d->next = dialogs;
	if (dialogs)
		dialogs->prev = d;
	dialogs = d;
	ndialogs++;
	return d;
}

/* Incoming calls going per source host, for guard_calls_per_source. */
static struct sip_addr_count incoming = {.with_port = false};

static void uncount(struct sip_dlg *d)
{
	if (d->counted)
		sip_addr_count_del(&incoming, &d->peer);
	d->counted = false;
}

static void dlg_terminated(struct sip_dlg *d)
{
	d->terminated = true;
	uncount(d);
}

static void dlg_destroy(void *pvt)
{
	struct sip_dlg *d = pvt;
	uncount(d);
	*(d->prev ? &d->prev->next : &dialogs) = d->next;
	if (d->next)
		d->next->prev = d->prev;
	ndialogs--;
	if (d->indexed)
		for (struct sip_dlg **pp = &by_call_id[call_id_bucket(d->call_id, strlen(d->call_id))]; *pp;
		     pp = &(*pp)->hnext)
			if (*pp == d) {
				*pp = d->hnext;
				break;
			}
	if (d->ictxn)
		sip_ctxn_abandon(d->ictxn);
	sip_push_free(d->push);
	if (d->rctxn)
		sip_ctxn_abandon(d->rctxn);
	sg_timer_free(d->dm_timer);
	sg_timer_free(d->r200_timer);
	sip_rel_free(d);
	sip_st_stop(d);
	if (d->rtp)
		rtp->release(d->rtp);
	free(d->lsdp);
	free(d->early_sdp);
	free(d->r200);
	free(d);
}

/* The first dialog of this Call-ID that match() accepts. */
static struct sip_dlg *find_by(const struct sip_pl *call_id, bool (*match)(const struct sip_dlg *d, const void *arg),
			       const void *arg)
{
	for (struct sip_dlg *d = by_call_id[call_id_bucket(call_id->p, call_id->l)]; d; d = d->hnext)
		if (sip_pl_eq_str(call_id, d->call_id) && match(d, arg))
			return d;
	return NULL;
}

static bool has_ltag(const struct sip_dlg *d, const void *ltag) { return sip_pl_eq_str(ltag, d->ltag); }

static struct sip_dlg *find(const struct sip_pl *call_id, const struct sip_pl *ltag)
{
	return find_by(call_id, has_ltag, ltag);
}

struct sip_dlg *sip_dlg_find(const struct sip_pl *call_id, const struct sip_pl *ltag) { return find(call_id, ltag); }

void sip_contact_make(char *out, size_t size, enum sip_proto proto, const struct sip_sockaddr *peer, bool sips)
{
	struct sip_sockaddr local;
	char a[64];
	if (sip_transport_local(proto, peer, &local))
		local = *peer;
	static const char *const transport[] = {[SIP_PROTO_UDP] = "", [SIP_PROTO_TCP] = ";transport=tcp",
						[SIP_PROTO_TLS] = ";transport=tls"};
	snprintf(out, size, "<%s:strowger@%s%s>", sips ? "sips" : "sip", sip_sockaddr_str(&local, a, sizeof(a)),
		 sips ? "" : transport[proto]);
}

static void make_contact(struct sip_dlg *d)
{
	sip_contact_make(d->contact, sizeof(d->contact), d->proto, &d->peer, d->sips);
}

unsigned sip_dlg_status_for(enum sg_cause c)
{
	switch (c) {
	case SG_CAUSE_BUSY: return 486;
	case SG_CAUSE_REJECTED: return 603;
	case SG_CAUSE_NOT_FOUND: return 404;
	case SG_CAUSE_CANCELLED: return 487;
	case SG_CAUSE_CONGESTION:
	case SG_CAUSE_SHUTDOWN: return 503;
	case SG_CAUSE_FAILURE: return 500;
	case SG_CAUSE_NO_ANSWER:
	case SG_CAUSE_UNAVAILABLE:
	case SG_CAUSE_NORMAL:
	default: return 480;
	}
}

static enum sg_cause cause_for(unsigned status)
{
	switch (status) {
	case 486:
	case 600: return SG_CAUSE_BUSY;
	case 603: return SG_CAUSE_REJECTED;
	case 404:
	case 604: return SG_CAUSE_NOT_FOUND;
	case 408: return SG_CAUSE_NO_ANSWER;
	case 480: return SG_CAUSE_UNAVAILABLE;
	case 487: return SG_CAUSE_CANCELLED;
	case 503: return SG_CAUSE_CONGESTION;
	default: return SG_CAUSE_FAILURE;
	}
}

/* --- sending in-dialog requests --- */

int sip_dlg_send(struct sip_dlg *d, const char *method, const struct sip_hdr_out *extra, size_t nextra,
		 const char *content_type, const char *body, size_t body_len, sip_ctxn_fn *fn, void *arg)
{
	char cseq[48];
	struct sip_hdr_out h[16] = {{"From", d->local_hdr}, {"To", d->remote_hdr}, {"Call-ID", d->call_id},
				    {"CSeq", cseq}, {"Max-Forwards", "70"}};
	size_t n = 5;
	if (nextra > sizeof(h) / sizeof(*h) - n)
		return -E2BIG;
	snprintf(cseq, sizeof(cseq), "%u %s", ++d->lcseq, method);
	for (size_t i = 0; i < nextra; i++)
		h[n++] = extra[i];
	struct sip_req_out r = {.method = method, .ruri = d->rtarget, .hdrs = h, .nhdrs = n,
				.content_type = content_type, .body = body, .body_len = body_len};
	struct sip_ctxn_req cr = {.proto = d->proto, .dst = d->peer, .req = &r};
	int rc = sip_ctxn_send(&cr, fn, arg, NULL);
	if (rc)
		SG_NOTICE(TAG, "%s: cannot send %s: %s", sg_chan_name(d->ch), method, strerror(-rc));
	return rc;
}

static void send_bye(struct sip_dlg *d) { sip_dlg_send(d, "BYE", NULL, 0, NULL, NULL, 0, NULL, NULL); }

/* The ACK for a 2xx is its own transaction-less request (§13.2.2.4). */
static void send_ack(struct sip_dlg *d, uint32_t cseq_num)
{
	struct sip_sockaddr local;
	char a[64], via[200], branch[SIP_TAG_SIZE], cseq[32], buf[4096];
	size_t len;
	if (sip_transport_local(d->proto, &d->peer, &local) || sip_new_tag(branch))
		return;
	snprintf(via, sizeof(via), "SIP/2.0/%s %s;branch=z9hG4bK%s;rport", sip_proto_name(d->proto),
		 sip_sockaddr_str(&local, a, sizeof(a)), branch);
	snprintf(cseq, sizeof(cseq), "%u ACK", cseq_num);
	struct sip_hdr_out h[] = {{"Via", via},	   {"From", d->local_hdr}, {"To", d->remote_hdr},
				  {"Call-ID", d->call_id}, {"CSeq", cseq}, {"Max-Forwards", "70"}};
	struct sip_req_out r = {.method = "ACK", .ruri = d->rtarget, .hdrs = h, .nhdrs = 6};
	if (sip_print_request(buf, sizeof(buf), &len, &r) == 0)
		sip_transport_send(d->proto, &d->peer, buf, len, 0, NULL);
}

/* --- the technology --- */

static int copy_value(const struct sip_pl *pl, char *out, size_t size)
{
	if (pl->l >= size)
		return -ENAMETOOLONG;
	memcpy(out, pl->p, pl->l);
	out[pl->l] = '\0';
	/* A folded value keeps its CRLF: flatten it for reuse in our headers. */
	for (char *p = out; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	return 0;
}

int sip_dlg_copy_value(const struct sip_pl *pl, char *out, size_t size) { return copy_value(pl, out, size); }

/* --- media --- */

static void end_by_pbx(struct sip_dlg *d, enum sg_cause cause);
static void dm_go(struct sip_dlg *d);
static void dm_session_changed(struct sip_dlg *d);
static struct sip_dlg *dm_peer(const struct sip_dlg *d);

/* The leg's RTP session is over: the bridge must not find it any more. What the
 * media was like goes to the log, the one record of a call's quality so far. */
static void media_end(struct sip_dlg *d)
{
	if (!d->rtp)
		return;
	struct sg_rtp_stats st;
	if (d->ch && rtp->stats(d->rtp, &st) == 0 && (st.rx_packets || st.tx_packets)) {
		char peer[64] = "no report from the phone";
		if (st.have_report)
			snprintf(peer, sizeof(peer), "the phone lost %d, jitter %.1f ms", st.remote_lost,
				 st.remote_jitter_ms);
		SG_INFO(TAG, "%s: media %s: received %llu packets (%lld lost, jitter %.1f ms), sent %llu; %s",
			sg_chan_name(d->ch), st.codec[0] ? st.codec : "-", (unsigned long long)st.rx_packets,
			(long long)st.lost, st.jitter_ms, (unsigned long long)st.tx_packets, peer);
	}
	if (d->ch)
		sg_chan_set_rtp(d->ch, NULL);
	rtp->release(d->rtp);
	d->rtp = NULL;
}

static void on_rtp_event(struct sg_rtp_session *s, enum sg_rtp_event ev, char digit, void *arg)
{
	struct sip_dlg *d = arg;
	(void)s;
	if (d->terminated)
		return;
	if (ev == SG_RTP_EVENT_DIGIT) {
		sg_chan_digit(d->ch, digit);
		return;
	}
	if (ev != SG_RTP_EVENT_TIMEOUT)
		return;
	SG_NOTICE(TAG, "%s: no RTP from the phone for settings.rtp.inactivity_timeout; hanging up",
		  sg_chan_name(d->ch));
	end_by_pbx(d, SG_CAUSE_FAILURE);
}

/* The leg's RTP session, on the worker of `near` (the other leg of the call). Our
 * SDP names the address the phone reaches our SIP at, when RTP binds a wildcard.
 * 0 or -errno (-EADDRNOTAVAIL: no free RTP port). */
static int media_new(struct sip_dlg *d, struct sg_rtp_session *near)
{
	struct sip_sockaddr local;
	char a[64] = "";
	if (sip_transport_local(d->proto, &d->peer, &local) == 0) {
		sip_sockaddr_str(&local, a, sizeof(a));
		char *end = strrchr(a, ':');
		if (end)
			*end = '\0';
		if (a[0] == '[') {
			memmove(a, a + 1, strlen(a));
			if ((end = strchr(a, ']')))
				*end = '\0';
		}
	}
	/* SRTP keys may go only in SDP that travels over TLS (settings.rtp.srtp). */
	struct sg_rtp_session_opts o = {.name = sg_chan_name(d->ch), .near = near, .sdp_addr_hint = a[0] ? a : NULL,
					.secure = d->proto == SIP_PROTO_TLS,
					.on_event = on_rtp_event, .arg = d};
	int rc = rtp->session_new(&o, &d->rtp);
	if (rc) {
		SG_WARNING(TAG, "%s: no RTP session: %s", sg_chan_name(d->ch),
			   rc == -EADDRNOTAVAIL ? "no free RTP port (see settings.rtp)" : strerror(-rc));
		return rc;
	}
	sg_chan_set_rtp(d->ch, d->rtp);
	return 0;
}

/* The RTP session of the leg this one is bridged to: its codec goes first in ours. */
static struct sg_rtp_session *bridged_rtp(const struct sip_dlg *d)
{
	struct sg_bridge *br = sg_chan_bridge(d->ch);
	struct sg_channel *peer = br ? sg_bridge_peer(br, d->ch) : NULL;
	return peer ? sg_chan_rtp(peer) : NULL;
}

/* 488 with the reason in a Warning (RFC 3261 §20.43: 305 Incompatible media format). */
static void respond_488(struct sip_stxn *t, const struct sip_dlg *d, const char *why)
{
	char warning[160];
	snprintf(warning, sizeof(warning), "305 strowger \"%s\"", why);
	struct sip_hdr_out h[] = {{"Warning", warning}};
	struct sip_resp_opts o = {.status = 488, .to_tag = d ? d->ltag : NULL, .hdrs = h, .nhdrs = 1};
	sip_stxn_respond(t, &o);
}

/* Takes an offer from the phone (INVITE, re-INVITE, UPDATE) and writes our answer
 * (RFC 3264 §6.1: to sendonly recvonly, to inactive inactive; *hold says the
 * offer holds). 0, or the status to reject it with (488, 491, 500). */
static unsigned answer_offer(struct sip_dlg *d, struct sip_stxn *t, const struct sip_pl *body, char *out,
			     size_t *len, bool *hold)
{
	struct sg_rtp_sdp_info info;
	int rc = rtp->remote_offer(d->rtp, body->p, body->l, &info);
	if (rc == -EPROTO) {
		SG_NOTICE(TAG, "%s: SDP refused: %s", sg_chan_name(d->ch), info.reason);
		respond_488(t, d, info.reason);
		return 488;
	}
	if (rc == 0)
		rc = rtp->local_answer(d->rtp, bridged_rtp(d), false, out, SDP_MAX, len);
	if (rc) {
		unsigned status = rc == -EALREADY ? 491 : 500;
		struct sip_resp_opts o = {.status = status, .to_tag = d->ltag};
		sip_stxn_respond(t, &o);
		return status;
	}
	if (d->answered)
		SG_INFO(TAG, "%s: session changed by the phone: %s%s", sg_chan_name(d->ch), info.codec,
			info.hold ? ", on hold" : "");
	*hold = info.hold;
	return 0;
}

static void r200_again(struct sg_timer *t, void *arg)
{
	struct sip_dlg *d = arg;
	d->r200_total += d->r200_ms;
	if (d->r200_total >= 64u * sip_txn_timers()->t1) {
		/* §13.3.1.4: no ACK in time: the session ends. */
		SG_NOTICE(TAG, "%s: no ACK for our 200; hanging up", sg_chan_name(d->ch));
		d->r200_timer = sg_timer_free(t);
		send_bye(d);
		dlg_terminated(d);
		sg_chan_remote_hangup(d->ch, SG_CAUSE_FAILURE);
		drop_own_ref(d);
		return;
	}
	sip_transport_reply(&d->inv_rx, &d->inv_dst, d->r200, d->r200_len);
	r200_resent++;
	d->r200_ms = d->r200_ms * 2 < sip_txn_timers()->t2 ? d->r200_ms * 2 : sip_txn_timers()->t2;
	sg_timer_restart(t, d->r200_ms);
}

static int t_answer(struct sg_channel *ch)
{
	struct sip_dlg *d = sg_chan_pvt(ch);
	if (d->uac || !d->inv || d->terminated)
		return -ENOTCONN;
	/* RFC 3262 §3: a 2xx waits for the PRACK of a reliable 18x with SDP. */
	if (sip_rel_answer_waits(d))
		return 0;
	/* Our answer to the phone's offer, with the other leg's codec first so the
	 * relay can copy payloads; or, for an INVITE without SDP, our offer, which
	 * the ACK answers (RFC 3261 §13.2.1). */
	char sdp[SDP_MAX];
	size_t sdp_len = 0;
	int src = 0;
	if (d->early_sdp) { /* the answer given with early media stands (RFC 3264 §5) */
		memcpy(sdp, d->early_sdp, d->early_len);
		sdp_len = d->early_len;
	} else {
		src = d->late_offer ? rtp->local_offer(d->rtp, bridged_rtp(d), false, sdp, sizeof(sdp), &sdp_len)
				    : rtp->local_answer(d->rtp, bridged_rtp(d), false, sdp, sizeof(sdp), &sdp_len);
	}
	if (src) {
		SG_WARNING(TAG, "%s: cannot answer: no SDP (%s)", sg_chan_name(ch), strerror(-src));
		return src;
	}
	d->await_answer = d->late_offer;
	struct sip_hdr_out h[6] = {{"Contact", d->contact}, {"Allow", ALLOW}, {"Supported", SIP_DLG_SUPPORTED}};
	size_t nh = 3;
	char se[48];
	nh += sip_st_response_hdrs(d, h + nh, se, sizeof(se));
	/* The INFO packages the other phone takes are what we take from this one. */
	struct sip_dlg *peer = dm_peer(d);
	if (peer && peer->recv_info[0]) {
		snprintf(d->recv_info_ours, sizeof(d->recv_info_ours), "%s", peer->recv_info);
		h[nh++] = (struct sip_hdr_out){"Recv-Info", d->recv_info_ours};
	}
	struct sip_resp_opts o = {.status = 200, .to_tag = d->ltag, .hdrs = h, .nhdrs = nh,
				  .content_type = "application/sdp", .body = sdp, .body_len = sdp_len};
	d->inv_rx = *sip_stxn_rx(d->inv);
	d->inv_rx.data = NULL;
	d->inv_rx.msg = NULL;
	sip_response_dest(sip_stxn_rx(d->inv), sip_stxn_request(d->inv), &d->inv_dst);
	int rc = sip_stxn_respond(d->inv, &o);
	/* The dialog layer repeats the 2xx until the ACK (§13.3.1.4): keep its bytes. */
	size_t len = 0;
	const char *sent = rc ? NULL : sip_stxn_response(d->inv, &len);
	d->inv = NULL;
	if (rc)
		return rc;
	if (!(d->r200 = malloc(len)))
		return -ENOMEM;
	memcpy(d->r200, sent, len);
	d->r200_len = len;
	d->answered = true;
	sip_st_start(d);
	if (d->proto == SIP_PROTO_UDP) {
		d->r200_ms = sip_txn_timers()->t1;
		d->r200_timer = sg_timer_start(sg_loop_main(), self, sip_txn_timers()->t1, 0, r200_again, d);
	}
	return 0;
}

static int t_indicate(struct sg_channel *ch, enum sg_indication ind)
{
	struct sip_dlg *d = sg_chan_pvt(ch);
	if (d->uac || !d->inv)
		return ind == SG_IND_RINGING || ind == SG_IND_PROGRESS ? 0 : -ENOTSUP;
	if (ind != SG_IND_RINGING && ind != SG_IND_PROGRESS)
		return -ENOTSUP;
	/* 183 with our answer opens early media: the PBX can play to the caller before
	 * answering (the same answer goes in the 200). Without an offer in the INVITE
	 * (late offer) there is nothing to answer: a plain 183. */
	if (ind == SG_IND_PROGRESS && !d->late_offer && !d->early_sdp) {
		char sdp[SDP_MAX];
		size_t len = 0;
		int rc = rtp->local_answer(d->rtp, bridged_rtp(d), false, sdp, sizeof(sdp), &len);
		if (rc == 0 && (d->early_sdp = dup_mem(sdp, len)))
			d->early_len = len;
		else
			SG_NOTICE(TAG, "%s: 183 without early media: no SDP answer (%s)", sg_chan_name(ch),
				  strerror(rc ? -rc : ENOMEM));
	}
	bool early = ind == SG_IND_PROGRESS && d->early_sdp;
	struct sip_hdr_out h[] = {{"Contact", d->contact}};
	struct sip_resp_opts o = {.status = ind == SG_IND_RINGING ? 180 : 183, .to_tag = d->ltag, .hdrs = h, .nhdrs = 1,
				  .content_type = early ? "application/sdp" : NULL, .body = early ? d->early_sdp : NULL,
				  .body_len = early ? d->early_len : 0};
	return sip_rel_provisional(d, &o);
}

/* 302 Moved Temporarily with a Contact per target (the redirect server of RFC
 * 3261 §8.3): the phone calls there itself. */
static int t_redirect(struct sg_channel *ch, const char *const *targets, size_t n)
{
	struct sip_dlg *d = sg_chan_pvt(ch);
	if (d->uac || !d->inv || d->terminated)
		return -ENOTCONN;
	char values[8][520];
	struct sip_hdr_out h[8];
	for (size_t i = 0; i < n && i < 8; i++) {
		if (strpbrk(targets[i], "<>\r\n \""))
			return -EINVAL;
		snprintf(values[i], sizeof(values[i]), "<%s>", targets[i]);
		h[i] = (struct sip_hdr_out){"Contact", values[i]};
	}
	struct sip_resp_opts o = {.status = 302, .to_tag = d->ltag, .hdrs = h, .nhdrs = n < 8 ? n : 8};
	int rc = sip_stxn_respond(d->inv, &o);
	if (rc)
		return rc;
	d->inv = NULL;
	dlg_terminated(d);
	drop_own_ref(d);
	return 0;
}

static void t_hangup(struct sg_channel *ch, enum sg_cause cause)
{
	struct sip_dlg *d = sg_chan_pvt(ch);
	if (d->terminated)
		return;
	dlg_terminated(d);
	media_end(d);
	if (d->uac) {
		if (d->answered)
			send_bye(d);
		else if (d->ictxn) {
			d->cancelled = true;
			sip_ctxn_cancel(d->ictxn);
		} else if (sip_push_held(d->push)) {
			SG_INFO(TAG, "%s: given up while waiting for the phone to wake; no INVITE goes", sg_chan_name(ch));
			d->push = sip_push_free(d->push);
		}
		return; /* the dial that made this leg holds its reference */
	}
	if (d->answered) {
		d->r200_timer = sg_timer_free(d->r200_timer);
		send_bye(d);
	} else if (d->inv) {
		struct sip_resp_opts o = {.status = sip_dlg_status_for(cause), .to_tag = d->ltag};
		sip_stxn_respond(d->inv, &o);
		d->inv = NULL;
	}
	drop_own_ref(d);
}

static int t_send_digit(struct sg_channel *ch, char digit, unsigned duration_ms)
{
	struct sip_dlg *d = sg_chan_pvt(ch);
	return d->rtp && !d->terminated ? rtp->send_digit(d->rtp, digit, duration_ms) : -ENOTCONN;
}

static void t_show(struct sg_channel *ch, struct sg_cli *cli)
{
	struct sip_dlg *d = sg_chan_pvt(ch);
	char a[64];
	sg_cli_printf(cli, "SIP:        %s %s, Call-ID %s, peer %s %s\n", d->uac ? "outgoing" : "incoming",
		      d->answered ? "answered" : "not answered", d->call_id, sip_proto_name(d->proto),
		      sip_sockaddr_str(&d->peer, a, sizeof(a)));
	struct sg_rtp_stats st;
	if (!d->rtp || rtp->stats(d->rtp, &st))
		return;
	sg_cli_printf(cli, "RTP:        %s <-> %s%s, %s, %s\n", st.local, st.remote, st.latched ? " (latched)" : "",
		      st.codec[0] ? st.codec : "no codec agreed yet",
		      st.direct ? "direct (phone to phone)" : st.bridged ? "relayed" : "not relayed");
	sg_cli_printf(cli, "Media:      received %llu packets (%lld lost, jitter %.1f ms), sent %llu (%llu converted)\n",
		      (unsigned long long)st.rx_packets, (long long)st.lost, st.jitter_ms,
		      (unsigned long long)st.tx_packets, (unsigned long long)st.tx_converted);
}

/* "1001": one leg per registered contact; "sip:1001@192.0.2.1:5060": that URI. */
static size_t t_expand(const char *dest, char (*out)[512], size_t max, enum sg_cause *cause)
{
	if (!strncasecmp(dest, "sip:", 4) || !strncasecmp(dest, "sips:", 5)) {
		snprintf(out[0], sizeof(out[0]), "uri|%s", dest);
		return 1;
	}
	const struct sip_binding *b[SIP_LOC_MAX_PER_AOR];
	size_t n = sip_loc_lookup(dest, b, SIP_LOC_MAX_PER_AOR);
	if (n == 0)
		*cause = sg_user_find(dest) ? SG_CAUSE_UNAVAILABLE : SG_CAUSE_NOT_FOUND;
	for (size_t i = 0; i < n && i < max; i++)
		snprintf(out[i], sizeof(out[i]), "reg|%s|%s", dest, b[i]->contact);
	return n < max ? n : max;
}

/* The host:port of a SIP URI whose host is an address (no DNS on the loop), and
 * its transport: TLS for sips: (port 5061 by default) or ;transport=tls, TCP for
 * ;transport=tcp, else UDP. */
static int uri_addr(const char *uri, struct sip_sockaddr *out, enum sip_proto *proto)
{
	struct sip_uri u;
	if (sip_uri_parse(&u, uri, strlen(uri), NULL))
		return -EINVAL;
	char host[80];
	if (u.host.l + 3 > sizeof(host))
		return -EINVAL;
	bool v6 = memchr(u.host.p, ':', u.host.l) != NULL;
	snprintf(host, sizeof(host), "%s%.*s%s", v6 && u.host.p[0] != '[' ? "[" : "", (int)u.host.l, u.host.p,
		 v6 && u.host.p[0] != '[' ? "]" : "");
	struct sip_uri_param tp;
	bool has_tp = sip_uri_param(&u, "transport", &tp);
	*proto = u.scheme == SIP_URI_SIPS || (has_tp && sip_pl_caseeq_str(&tp.val, "tls")) ? SIP_PROTO_TLS
		 : has_tp && sip_pl_caseeq_str(&tp.val, "tcp")				    ? SIP_PROTO_TCP
											    : SIP_PROTO_UDP;
	if (sip_sockaddr_parse(host, u.port ? u.port : *proto == SIP_PROTO_TLS ? 5061 : 5060, out))
		return -EINVAL;
	return 0;
}

/* Where a leg to a registered contact goes: the request URI (without the push
 * parameters, RFC 8599), the address and the transport. */
static void leg_target(struct sip_dlg *d, const struct sip_binding *b)
{
	sip_push_strip(b->contact, d->ruri, sizeof(d->ruri));
	d->peer = b->src;
	d->proto = b->proto;
	d->sips = !strncasecmp(b->contact, "sips:", 5);
	/* Over TCP or TLS the phone's own connection is used while it lasts (the way
	 * through its NAT). Once it is closed, a new one goes where the Contact
	 * says the phone listens (§18.1.1 with RFC 3263: the Request-URI's
	 * address), not to the port it once connected from. */
	struct sip_sockaddr at;
	enum sip_proto proto;
	if (d->proto != SIP_PROTO_UDP && !sip_transport_connected(d->proto, &d->peer) &&
	    uri_addr(b->contact, &at, &proto) == 0) {
		d->peer = at;
		d->proto = proto;
	}
}

static int t_request(const char *dest, struct sg_channel *origin, struct sg_channel **out, enum sg_cause *cause)
{
	*cause = SG_CAUSE_FAILURE;
	struct sip_dlg *d = dlg_new(true);
	if (!d)
		return -ENOMEM;
	const char *label = "uri";
	char aor[64] = "";
	if (!strncmp(dest, "reg|", 4)) {
		const char *bar = strchr(dest + 4, '|');
		if (!bar || (size_t)(bar - dest - 4) >= sizeof(aor))
			goto bad;
		snprintf(aor, sizeof(aor), "%.*s", (int)(bar - dest - 4), dest + 4);
		const struct sip_binding *b = sip_loc_find(aor, bar + 1);
		if (!b) {
			*cause = SG_CAUSE_UNAVAILABLE;
			goto bad;
		}
		leg_target(d, b);
		d->push = sip_push_prepare(b);
		label = aor;
		snprintf(d->user, sizeof(d->user), "%s", aor);
		const struct sg_user *u = sg_user_find(aor);
		d->user_direct = u && u->direct_media;
	} else if (!strncmp(dest, "uri|", 4)) {
		snprintf(d->ruri, sizeof(d->ruri), "%s", dest + 4);
		if (uri_addr(d->ruri, &d->peer, &d->proto)) {
			SG_NOTICE(TAG, "cannot call %s: the host must be an IP address", d->ruri);
			*cause = SG_CAUSE_NOT_FOUND;
			goto bad;
		}
		d->sips = !strncasecmp(d->ruri, "sips:", 5);
	} else {
		goto bad;
	}
	struct sg_call *oc = origin ? sg_chan_call(origin) : NULL;
	/* The caller, or who the dial presents instead (its caller_id option). */
	snprintf(d->from_user, sizeof(d->from_user), "%s", oc ? sg_call_presented_from(oc) : "strowger");
	snprintf(d->from_name, sizeof(d->from_name), "%s",
		 oc && sg_call_presented_name(oc) ? sg_call_presented_name(oc) : "");
	/* A transferred caller's new leg says who transferred it (RFC 3892). */
	snprintf(d->referred_by, sizeof(d->referred_by), "%s",
		 oc && sg_call_referred_by(oc) ? sg_call_referred_by(oc) : "");
	d->max_forwards = DEFAULT_MAX_FORWARDS;
	if (origin && sg_chan_tech(origin) == &sip_tech) {
		struct sip_dlg *od = sg_chan_pvt(origin);
		d->max_forwards = od->max_forwards > 0 ? od->max_forwards - 1 : 0;
		/* We take from the callee the INFO packages the caller takes (RFC 6086). */
		snprintf(d->recv_info_ours, sizeof(d->recv_info_ours), "%s", od->recv_info);
	}
	d->ch = sg_chan_new(&sip_tech, label, d);
	if (!d->ch)
		goto bad;
	/* Our own offer, the caller's codecs first, from a session on the caller's
	 * media worker: the relay between the two never crosses threads. */
	struct sg_rtp_session *near = origin ? sg_chan_rtp(origin) : NULL;
	char sdp[SDP_MAX];
	int rc = media_new(d, near);
	if (rc == 0 && (rc = rtp->local_offer(d->rtp, near, false, sdp, sizeof(sdp), &d->lsdp_len)) == 0)
		d->lsdp = dup_mem(sdp, d->lsdp_len);
	if (rc || !d->lsdp) {
		*cause = rc == -EADDRNOTAVAIL ? SG_CAUSE_CONGESTION : SG_CAUSE_FAILURE;
		media_end(d);
		sg_chan_unref(d->ch); /* destroys d */
		return rc ? rc : -ENOMEM;
	}
	*out = d->ch;
	return 0;
bad:
	dlg_destroy(d);
	return -EINVAL;
}

static void on_invite_response(struct sip_ctxn *t, const struct sip_msg *resp, void *arg)
{
	struct sip_dlg *d = arg;
	(void)t;
	if (resp->status < 101)
		return;
	if (sip_pl_isset(&resp->to.tag) && resp->status < 300) {
		const struct sip_hdr *to = sip_msg_hdr(resp, SIP_HDR_TO, NULL);
		if (to)
			copy_value(&to->val, d->remote_hdr, sizeof(d->remote_hdr));
	}
	if (resp->status < 200) {
		/* RFC 3262 §4: a reliable 18x is PRACKed once; its retransmissions and
		 * ones out of order go no further. */
		if (d->terminated || (sip_pl_isset(&resp->to.tag) && !sip_rel_uac_provisional(d, resp)))
			return;
		if (sip_pl_isset(&resp->to.tag))
			sip_info_recv_info(d, resp);
		/* Its SDP answers our offer for good (RFC 3261 §13.2.1 with RFC 3262):
		 * the offer-answer is over, the 2xx may only repeat it. */
		if (d->rel.rseq_seen && sip_msg_has_tag(resp, SIP_HDR_REQUIRE, "100rel") && resp->body.l &&
		    !d->rel.oa_done) {
			struct sg_rtp_sdp_info info;
			if (d->rtp && rtp->remote_answer(d->rtp, resp->body.p, resp->body.l, &info) == 0)
				d->rel.oa_done = true;
			else
				SG_NOTICE(TAG, "%s: the SDP in a reliable %u is no answer we can use", sg_chan_name(d->ch),
					  resp->status);
		}
		resp->status == 180 ? sg_chan_ringing(d->ch) : sg_chan_progress(d->ch);
		return;
	}
	if (resp->status >= 300) {
		/* A synthetic 503 for a transport error (a connection refused, lost or
		 * timed out) means the phone cannot be reached, not that it is busy. */
		int err = sip_ctxn_error(t);
		bool unreachable = err && err != -ETIMEDOUT && err != -ECANCELED;
		d->ictxn = NULL;
		sip_ctxn_abandon(t);
		if (!d->terminated) {
			dlg_terminated(d);
			media_end(d);
			if (unreachable)
				SG_NOTICE(TAG, "%s: cannot reach %s over %s: %s", sg_chan_name(d->ch), d->ruri,
					  sip_proto_name(d->proto), strerror(-err));
			else
				SG_INFO(TAG, "%s: %u %.*s", sg_chan_name(d->ch), resp->status,
					(int)resp->status_phrase.l, resp->status_phrase.p);
			if (!unreachable)
				sg_chan_set_code(d->ch, (int)resp->status); /* call:dial's result.code */
			sg_chan_remote_hangup(d->ch, unreachable ? SG_CAUSE_UNAVAILABLE : cause_for(resp->status));
		}
		return;
	}
	/* A retransmitted 2xx (our ACK was lost): ACK it again, §13.2.2.4. The
	 * transaction stays ours until the dialog goes, so these still reach us. */
	if (d->answered) {
		send_ack(d, resp->cseq);
		return;
	}
	/* 2xx: the dialog is confirmed; ACK it, then BYE if we no longer want it. */
	const struct sip_hdr *ct = sip_msg_hdr(resp, SIP_HDR_CONTACT, NULL);
	struct sip_addr ca;
	if (ct && sip_addr_parse(&ca, &ct->val, 0, NULL) == 0)
		copy_value(&ca.uri_pl, d->rtarget, sizeof(d->rtarget));
	else
		snprintf(d->rtarget, sizeof(d->rtarget), "%s", d->ruri);
	send_ack(d, resp->cseq);
	/* Our INVITE offered: the 2xx answers (§13.2.1). An answer we cannot use ends
	 * the call as soon as it starts. */
	struct sg_rtp_sdp_info info;
	sip_info_recv_info(d, resp);
	sip_st_response(d, resp);
	int rc = d->rel.oa_done ? 0
		 : resp->body.l ? rtp->remote_answer(d->rtp, resp->body.p, resp->body.l, &info)
				: -EPROTO;
	if (rc && !d->terminated && !d->cancelled) {
		SG_NOTICE(TAG, "%s: answered with %s; hanging up", sg_chan_name(d->ch),
			  resp->body.l ? info.reason : "no SDP answer");
		d->answered = true;
		end_by_pbx(d, SG_CAUSE_FAILURE);
		return;
	}
	d->answered = true;
	if (d->terminated || d->cancelled) {
		send_bye(d);
		return;
	}
	sip_st_start(d);
	sg_chan_answered(d->ch);
}

static int send_invite(struct sip_dlg *d)
{
	struct sip_sockaddr local;
	char a[64], cseq[32];
	if (sip_transport_local(d->proto, &d->peer, &local))
		return -EIO;
	sip_sockaddr_str(&local, a, sizeof(a));
	make_contact(d);
	if (d->from_name[0])
		snprintf(d->local_hdr, sizeof(d->local_hdr), "\"%s\" <sip:%s@%s>;tag=%s", d->from_name, d->from_user,
			 a, d->ltag);
	else
		snprintf(d->local_hdr, sizeof(d->local_hdr), "<sip:%s@%s>;tag=%s", d->from_user, a, d->ltag);
	snprintf(d->remote_hdr, sizeof(d->remote_hdr), "<%s>", d->ruri);
	snprintf(d->rtarget, sizeof(d->rtarget), "%s", d->ruri);
	snprintf(cseq, sizeof(cseq), "%u INVITE", d->lcseq);
	char maxf[8];
	snprintf(maxf, sizeof(maxf), "%d", d->max_forwards);
	struct sip_hdr_out h[12] = {{"From", d->local_hdr},	{"To", d->remote_hdr},
				    {"Call-ID", d->call_id},	{"CSeq", cseq},
				    {"Max-Forwards", maxf},	{"Contact", d->contact},
				    {"Allow", ALLOW},		{"Supported", SIP_DLG_SUPPORTED}};
	size_t nh = 8;
	if (d->referred_by[0])
		h[nh++] = (struct sip_hdr_out){"Referred-By", d->referred_by};
	if (d->recv_info_ours[0])
		h[nh++] = (struct sip_hdr_out){"Recv-Info", d->recv_info_ours};
	char se[48];
	nh += sip_st_invite_hdrs(h + nh, se, sizeof(se));
	struct sip_req_out r = {.method = "INVITE", .ruri = d->ruri, .hdrs = h, .nhdrs = nh,
				.content_type = d->lsdp ? "application/sdp" : NULL, .body = d->lsdp,
				.body_len = d->lsdp_len};
	struct sip_ctxn_req cr = {.proto = d->proto, .dst = d->peer, .req = &r};
	int rc = sip_ctxn_send(&cr, on_invite_response, d, &d->ictxn);
	if (rc)
		SG_NOTICE(TAG, "%s: cannot send INVITE to %s: %s", sg_chan_name(d->ch), d->ruri, strerror(-rc));
	return rc;
}

/* push.c: the phone woke and registered `fresh` (the INVITE goes there), or the
 * wait is over (NULL: to the contact as it was). */
static void push_released(void *arg, const struct sip_binding *fresh)
{
	struct sip_dlg *d = arg;
	d->push = sip_push_free(d->push);
	if (fresh)
		leg_target(d, fresh);
	if (d->terminated || send_invite(d) == 0)
		return;
	dlg_terminated(d);
	media_end(d);
	sg_chan_remote_hangup(d->ch, SG_CAUSE_UNAVAILABLE);
}

static int t_call(struct sg_channel *ch, unsigned timeout_ms)
{
	(void)timeout_ms; /* the dial's own timer cancels us */
	struct sip_dlg *d = sg_chan_pvt(ch);
	if (sip_new_call_id(d->call_id))
		return -EIO;
	dlg_index(d);
	/* A phone that sleeps until a push wakes it: its INVITE waits (push.c). */
	if (d->push && sip_push_start(d->push, d->call_id, d->from_user, push_released, d) == 0)
		return 0;
	d->push = sip_push_free(d->push);
	return send_invite(d);
}

/* --- direct media: re-INVITEs that send each phone's RTP to the other phone --- */

/* The SIP dialog this leg is bridged to, or NULL. */
static struct sip_dlg *dm_peer(const struct sip_dlg *d)
{
	struct sg_bridge *br = d->ch ? sg_chan_bridge(d->ch) : NULL;
	struct sg_channel *p = br ? sg_bridge_peer(br, d->ch) : NULL;
	return p && sg_chan_tech(p) == &sip_tech ? sg_chan_pvt(p) : NULL;
}

static void on_reinvite_response(struct sip_ctxn *t, const struct sip_msg *resp, void *arg);

/* Sends the phone a re-INVITE whose offer names the other phone (`direct`) or
 * the PBX again. 0 or -errno (nothing sent, the SDP exchange undone). */
static int send_reinvite(struct sip_dlg *d, bool direct)
{
	struct sip_dlg *p = dm_peer(d);
	char sdp[SDP_MAX], cseq[32];
	size_t len = 0;
	int rc = !d->rtp ? -ENOTCONN
		 : direct ? (p && p->rtp ? rtp->local_offer_for(d->rtp, p->rtp, sdp, sizeof(sdp), &len) : -ENOTCONN)
			  : rtp->local_offer(d->rtp, bridged_rtp(d), false, sdp, sizeof(sdp), &len);
	if (rc)
		return rc;
	snprintf(cseq, sizeof(cseq), "%u INVITE", ++d->lcseq);
	struct sip_hdr_out h[10] = {{"From", d->local_hdr}, {"To", d->remote_hdr}, {"Call-ID", d->call_id},
				    {"CSeq", cseq},	     {"Max-Forwards", "70"},  {"Contact", d->contact},
				    {"Allow", ALLOW},	     {"Supported", SIP_DLG_SUPPORTED}};
	char se[48];
	size_t nh = 8;
	if (d->st.interval) { /* every re-INVITE refreshes the session (RFC 4028 §7.4) */
		snprintf(se, sizeof(se), "%u;refresher=%s", d->st.interval, d->st.we_refresh == d->uac ? "uac" : "uas");
		h[nh++] = (struct sip_hdr_out){"Session-Expires", se};
	}
	struct sip_req_out r = {.method = "INVITE", .ruri = d->rtarget, .hdrs = h, .nhdrs = nh,
				.content_type = "application/sdp", .body = sdp, .body_len = len};
	struct sip_ctxn_req cr = {.proto = d->proto, .dst = d->peer, .req = &r};
	if (d->rctxn)
		sip_ctxn_abandon(d->rctxn); /* the last re-INVITE's, done with */
	d->rctxn = NULL;
	rc = sip_ctxn_send(&cr, on_reinvite_response, d, &d->rctxn);
	if (rc) {
		rtp->offer_withdraw(d->rtp);
		return rc;
	}
	d->reinv_pending = true;
	d->dm = direct ? DM_OFFERING : DM_RETURNING;
	return 0;
}

/* Sends the re-INVITE the leg waits to send, once no INVITE is in progress in the
 * dialog (§14.1): for the caller's leg, once our 2xx is ACKed. */
static void dm_go(struct sip_dlg *d)
{
	if ((d->dm != DM_WANTED && d->dm != DM_BACK_WANTED) || d->terminated || d->dm_timer || d->reinv_pending ||
	    (!d->uac && !d->acked))
		return;
	bool direct = d->dm == DM_WANTED;
	int rc = send_reinvite(d, direct);
	if (rc == 0)
		return;
	SG_NOTICE(TAG, "%s: cannot send a re-INVITE %s: %s", sg_chan_name(d->ch),
		  direct ? "for direct media" : "to bring media back", rc == -EPROTO ? "not possible any more"
										       : strerror(-rc));
	d->dm = direct ? DM_OFF : DM_ON;
}

/* Brings one leg's media back through the PBX, whatever its re-INVITEs did. */
static void dm_back(struct sip_dlg *d)
{
	switch (d->dm) {
	case DM_WANTED:
		d->dm_timer = sg_timer_free(d->dm_timer);
		d->dm = DM_OFF;
		break;
	case DM_ON:
		d->dm = DM_BACK_WANTED;
		dm_go(d);
		break;
	case DM_OFFERING: /* its answer brings it back (dm_answered sees its peer off) */
	case DM_OFF:
	case DM_BACK_WANTED:
	case DM_RETURNING:
		break;
	}
}

/* The PBX relays to both phones again, at once: a phone still sending to the
 * other one directly reaches it anyway until its re-INVITE brings it back. */
static void dm_relay_again(struct sip_dlg *d, struct sip_dlg *p)
{
	if (d->rtp)
		rtp->set_direct(d->rtp, false);
	if (p && p->rtp)
		rtp->set_direct(p->rtp, false);
}

/* Direct media failed on leg d: the call stays (or goes back to being) relayed. */
static void dm_fail(struct sip_dlg *d, bool maybe_sent_direct, const char *why)
{
	SG_NOTICE(TAG, "%s: media stays relayed through the PBX: %s", sg_chan_name(d->ch), why);
	d->dm = maybe_sent_direct ? DM_ON : DM_OFF;
	dm_back(d);
	struct sip_dlg *p = dm_peer(d);
	if (p)
		dm_back(p);
	dm_relay_again(d, p);
}

static void dm_retry(struct sg_timer *t, void *arg)
{
	struct sip_dlg *d = arg;
	sg_timer_free(t);
	d->dm_timer = NULL;
	dm_go(d);
}

/* 491 Request Pending: the phone sent its own offer at the same time. §14.1: try
 * again after 2.1 to 4 s when the Call-ID is ours (our leg), 0 to 2 s otherwise. */
static void dm_retry_later(struct sip_dlg *d)
{
	uint8_t r[2] = {0, 0};
	sip_random(r, sizeof(r));
	unsigned spread = (unsigned)(r[0] << 8 | r[1]) % 1901u; /* 0 to 1.9 s in ms */
	unsigned ms = d->uac ? 2100 + spread : spread * 2000u / 1900u;
	d->dm = d->dm == DM_OFFERING ? DM_WANTED : DM_BACK_WANTED;
	SG_INFO(TAG, "%s: re-INVITE crossed the phone's own (491); again in %u ms", sg_chan_name(d->ch), ms);
	d->dm_timer = sg_timer_start(sg_loop_main(), self, ms, 0, dm_retry, d);
	if (!d->dm_timer)
		dm_fail(d, false, "out of memory for the 491 retry");
}

/* The phone's 2xx answered our re-INVITE: take its SDP answer. */
static void dm_answered(struct sip_dlg *d, const struct sip_msg *resp)
{
	struct sg_rtp_sdp_info info;
	bool direct = d->dm == DM_OFFERING;
	int rc = d->rtp && resp->body.l ? rtp->remote_answer(d->rtp, resp->body.p, resp->body.l, &info) : -EPROTO;
	if (rc) {
		char why[160];
		snprintf(why, sizeof(why), "the answer to our re-INVITE: %s",
			 resp->body.l && d->rtp ? info.reason : "no SDP");
		if (direct)
			dm_fail(d, true, why);
		else
			SG_WARNING(TAG, "%s: %s", sg_chan_name(d->ch), why);
		return;
	}
	struct sip_dlg *p = dm_peer(d);
	if (!direct) {
		d->dm = DM_OFF;
		SG_INFO(TAG, "%s: media back through the PBX", sg_chan_name(d->ch));
		return;
	}
	d->dm = DM_ON;
	/* The answer's own codec: the worker's counters may not have caught up yet. */
	SG_INFO(TAG, "%s: media direct: the phone sends %s to the other phone", sg_chan_name(d->ch),
		info.codec[0] ? info.codec : "RTP");
	/* The other leg failed meanwhile: this one comes back too. */
	if (!p || p->dm == DM_OFF || p->dm == DM_BACK_WANTED || p->dm == DM_RETURNING)
		dm_back(d);
}

static void on_reinvite_response(struct sip_ctxn *t, const struct sip_msg *resp, void *arg)
{
	struct sip_dlg *d = arg;
	if (resp->status < 200)
		return;
	if (resp->status < 300) {
		/* Every 2xx is ACKed, end to end (§13.2.2.4), retransmissions too. */
		send_ack(d, resp->cseq);
		if (!d->reinv_pending)
			return;
		d->reinv_pending = false;
		/* A 2xx to a re-INVITE refreshes the remote target (§12.2.1.2). */
		const struct sip_hdr *ct = sip_msg_hdr(resp, SIP_HDR_CONTACT, NULL);
		struct sip_addr ca;
		if (ct && sip_addr_parse(&ca, &ct->val, 0, NULL) == 0)
			copy_value(&ca.uri_pl, d->rtarget, sizeof(d->rtarget));
		if (d->st.refreshing && !d->terminated) {
			/* Our session refresh: the media stays as it was. */
			struct sg_rtp_sdp_info info;
			if (!d->rtp || !resp->body.l || rtp->remote_answer(d->rtp, resp->body.p, resp->body.l, &info))
				SG_NOTICE(TAG, "%s: no usable SDP answer to our refresh re-INVITE", sg_chan_name(d->ch));
			d->dm = DM_OFF;
			sip_st_refresh_done(d, resp);
			return;
		}
		if (!d->terminated)
			dm_answered(d, resp);
		return;
	}
	/* 300-699: the transaction ACKed it; the offer is void and the session as it
	 * was (§14.1). */
	d->reinv_pending = false;
	d->rctxn = NULL;
	sip_ctxn_abandon(t);
	if (d->rtp)
		rtp->offer_withdraw(d->rtp);
	if (d->terminated)
		return;
	if (d->st.refreshing) {
		d->dm = DM_OFF;
		sip_st_refresh_done(d, resp);
		return;
	}
	if (resp->status == 491) {
		dm_retry_later(d);
		return;
	}
	char why[160];
	snprintf(why, sizeof(why), "the phone refused our re-INVITE: %u %.*s", resp->status,
		 (int)resp->status_phrase.l, resp->status_phrase.p);
	if (d->dm == DM_OFFERING)
		dm_fail(d, false, why);
	else {
		SG_WARNING(TAG, "%s: %s; its media may not reach the PBX", sg_chan_name(d->ch), why);
		d->dm = DM_ON;
	}
}

int sip_dlg_refresh_reinvite(struct sip_dlg *d)
{
	/* Only a relayed leg with no re-INVITE of its own in progress: one offer at
	 * a time (§14.1), and direct media's re-INVITEs refresh the session anyway. */
	if (d->reinv_pending || d->dm != DM_OFF)
		return -EBUSY;
	return send_reinvite(d, false);
}

/* The phone sent a new offer (hold, another address) while direct: we answered
 * with our own address, so this leg is relayed again, and so is the other. */
static void dm_session_changed(struct sip_dlg *d)
{
	if (d->dm == DM_OFF || !d->rtp)
		return;
	SG_INFO(TAG, "%s: the phone changed its session: media back through the PBX", sg_chan_name(d->ch));
	d->dm_timer = sg_timer_free(d->dm_timer);
	d->dm = DM_OFF;
	struct sip_dlg *p = dm_peer(d);
	if (p)
		dm_back(p);
	dm_relay_again(d, p);
}

/* Direct media between two answered, bridged SIP legs: when the dialplan asked
 * for it or both users chose it, and res_rtp finds both sessions fit. */
static int t_direct_media(struct sg_channel *a, struct sg_channel *b, bool requested)
{
	struct sip_dlg *da = sg_chan_pvt(a), *db = sg_chan_pvt(b);
	if (!requested && !(da->user_direct && db->user_direct))
		return -EPERM;
	if (!da->rtp || !db->rtp || da->terminated || db->terminated)
		return -ENOTCONN;
	char why[160];
	if (rtp->direct_check(da->rtp, db->rtp, why, sizeof(why))) {
		SG_NOTICE(TAG, "%s <-> %s: media stays relayed through the PBX: %s", sg_chan_name(a), sg_chan_name(b),
			  why);
		return -EPROTO;
	}
	SG_INFO(TAG, "%s <-> %s: direct media: re-INVITE both phones to each other", sg_chan_name(a),
		sg_chan_name(b));
	da->dm = db->dm = DM_WANTED;
	/* From now on the PBX relays nothing to either phone (see set_direct). */
	rtp->set_direct(da->rtp, true);
	rtp->set_direct(db->rtp, true);
	dm_go(da);
	dm_go(db);
	return 0;
}

static const struct sg_chan_tech sip_tech = {
	.name = "SIP",
	.description = "SIP phones and trunks (RFC 3261), as a B2BUA",
	.expand = t_expand,
	.request = t_request,
	.call = t_call,
	.answer = t_answer,
	.redirect = t_redirect,
	.indicate = t_indicate,
	.send_digit = t_send_digit,
	.hangup = t_hangup,
	.destroy = dlg_destroy,
	.show = t_show,
	.direct_media = t_direct_media,
};

/* --- requests from the network --- */

static void respond(struct sip_stxn *t, unsigned status, const char *reason)
{
	struct sip_resp_opts o = {.status = status, .reason = reason};
	sip_stxn_respond(t, &o);
}

void sip_dlg_respond(struct sip_stxn *t, const struct sip_dlg *d, unsigned status, const char *reason)
{
	struct sip_resp_opts o = {.status = status, .reason = reason, .to_tag = d ? d->ltag : NULL};
	sip_stxn_respond(t, &o);
}

/* An offer before the call is answered: we have no early media (no SDP in our
 * 18x), so the INVITE's own offer-answer is not over. RFC 3311 §5.2: an offer
 * while the phone's is unanswered gets 500 with Retry-After, while ours is
 * unanswered 491; RFC 3261 §14.2 has 500 for a second INVITE before the first's
 * final response too. The call goes on ringing. True when refused. */
static bool early_change_refused(struct sip_stxn *t, struct sip_dlg *d, bool update)
{
	const struct sip_msg *req = sip_stxn_request(t);
	if (update && !req->body.l)
		return false; /* a refresh: nothing to negotiate */
	/* RFC 3311 §5.1: once the INVITE's offer was answered in a reliable 18x
	 * (PRACKed), an UPDATE may offer anew in the early dialog. */
	if (update && d->rel.oa_done)
		return false;
	bool ours = d->uac && !d->rel.oa_done; /* our INVITE offered; its answer comes in the 2xx */
	unsigned status = ours && update ? 491 : 500;
	SG_NOTICE(TAG, "%s: %s with %s before the call is answered: %u (the call goes on ringing)",
		  sg_chan_name(d->ch), update ? "UPDATE" : "re-INVITE", req->body.l ? "an offer" : "no offer", status);
	/* §14.2: Retry-After a random 0 to 10 s. */
	uint8_t r = 0;
	sip_random(&r, 1);
	char after[8];
	snprintf(after, sizeof(after), "%u", r % 11u);
	struct sip_hdr_out h[] = {{"Retry-After", after}};
	struct sip_resp_opts o = {.status = status, .to_tag = d->ltag, .hdrs = h, .nhdrs = status == 500};
	sip_stxn_respond(t, &o);
	return true;
}

/* A re-INVITE or an UPDATE (RFC 3311) inside a call: a new offer (hold, resume,
 * another codec, a new address) answered from the leg's own session, so the other
 * leg never notices; without SDP, we offer and the ACK answers (re-INVITE only: an
 * UPDATE without SDP just refreshes, RFC 3311 §5.2). */
static void session_change(struct sip_stxn *t, struct sip_dlg *d, bool update)
{
	const struct sip_msg *req = sip_stxn_request(t);
	char sdp[SDP_MAX];
	size_t len = 0;
	bool hold = false;
	if (!d->answered && early_change_refused(t, d, update))
		return;
	if (sip_st_request(d, t, req))
		return; /* 422 */
	sip_info_recv_info(d, req);
	if (req->body.l) {
		if (answer_offer(d, t, &req->body, sdp, &len, &hold))
			return;
		/* An early UPDATE's answer is the one the 200 to the INVITE repeats. */
		if (!d->answered && !d->uac && len) {
			char *e = dup_mem(sdp, len);
			if (e) {
				free(d->early_sdp);
				d->early_sdp = e;
				d->early_len = len;
			}
		}
	} else if (!update) {
		int rc = rtp->local_offer(d->rtp, bridged_rtp(d), false, sdp, sizeof(sdp), &len);
		if (rc) {
			struct sip_resp_opts o = {.status = rc == -EALREADY ? 491 : 500, .to_tag = d->ltag};
			sip_stxn_respond(t, &o);
			return;
		}
		d->await_answer = true;
	}
	struct sip_hdr_out h[5] = {{"Contact", d->contact}, {"Allow", ALLOW}, {"Supported", SIP_DLG_SUPPORTED}};
	char se[48];
	size_t nh = 3 + sip_st_response_hdrs(d, h + 3, se, sizeof(se));
	struct sip_resp_opts o = {.status = 200, .hdrs = h, .nhdrs = nh, .content_type = len ? "application/sdp" : NULL,
				  .body = len ? sdp : NULL, .body_len = len};
	sip_stxn_respond(t, &o);
	/* A re-INVITE or UPDATE from the phone refreshes the session (RFC 4028 §10). */
	if (d->answered)
		sip_st_start(d);
	if (len)
		dm_session_changed(d);
	/* The core plays music to the other party (or stops it); an offer that says
	 * what the leg already is (a refresh) changes nothing there. */
	if (req->body.l)
		sg_chan_hold(d->ch, hold);
}

static bool is_merged(const struct sip_dlg *d, const void *arg)
{
	const struct sip_msg *req = arg;
	return !d->uac && d->rcseq == req->cseq && sip_pl_eq_str(&req->from.tag, d->rtag);
}

void sip_dlg_invite(struct sip_stxn *t)
{
	const struct sip_msg *req = sip_stxn_request(t);
	const struct sip_rx *rx = sip_stxn_rx(t);
	if (sip_pl_isset(&req->to.tag)) {
		struct sip_dlg *d = find(&req->call_id, &req->to.tag);
		if (d && !d->terminated && d->rtp)
			session_change(t, d, false);
		else
			respond(t, 481, NULL);
		return;
	}
	if (req->body.l && !(req->has_ctype && sip_pl_caseeq_str(&req->ctype.type, "application") &&
			     sip_pl_caseeq_str(&req->ctype.subtype, "sdp"))) {
		struct sip_hdr_out h[] = {{"Accept", "application/sdp"}};
		struct sip_resp_opts o = {.status = 415, .hdrs = h, .nhdrs = 1};
		sip_stxn_respond(t, &o);
		return;
	}
	/* §8.2.2.2: the same INVITE (Call-ID, From tag, CSeq) on another branch, say
	 * forked by a proxy and arriving twice, is answered once; the copy gets 482. */
	if (find_by(&req->call_id, is_merged, req)) {
		respond(t, 482, "Loop Detected");
		return;
	}
	/* §16.3 step 3, as the PBX forwards the call on its other leg: no hops left. */
	if (req->max_forwards == 0) {
		respond(t, 483, "Too Many Hops");
		return;
	}
	const struct sg_user *u = sip_auth_check(t);
	if (!u)
		return;
	char exten[128];
	size_t len;
	if (!sip_pl_isset(&req->ruri.user) || sip_pl_unescape(&req->ruri.user, exten, sizeof(exten) - 1, &len)) {
		respond(t, 404, "No extension in the Request-URI");
		return;
	}
	exten[len] = '\0';
	struct sip_dlg *d = dlg_new(false);
	if (!d) {
		respond(t, 503, "Too many calls");
		return;
	}
	d->inv = t;
	d->proto = rx->proto;
	d->sips = req->ruri.scheme == SIP_URI_SIPS;
	d->peer = rx->src;
	d->counted = !sip_addr_count_add(&incoming, &d->peer);
	d->max_forwards = req->max_forwards < 0 ? DEFAULT_MAX_FORWARDS : req->max_forwards;
	sip_pl_strcpy(&req->call_id, d->call_id, sizeof(d->call_id));
	sip_pl_strcpy(&req->from.tag, d->rtag, sizeof(d->rtag));
	d->rcseq = req->cseq;
	dlg_index(d);
	const struct sip_hdr *to = sip_msg_hdr(req, SIP_HDR_TO, NULL), *from = sip_msg_hdr(req, SIP_HDR_FROM, NULL);
	char tov[500];
	copy_value(&to->val, tov, sizeof(tov));
	snprintf(d->local_hdr, sizeof(d->local_hdr), "%s;tag=%s", tov, d->ltag);
	copy_value(&from->val, d->remote_hdr, sizeof(d->remote_hdr));
	const struct sip_hdr *ct = sip_msg_hdr(req, SIP_HDR_CONTACT, NULL);
	struct sip_addr ca;
	if (!ct || sip_addr_parse(&ca, &ct->val, 0, NULL) || copy_value(&ca.uri_pl, d->rtarget, sizeof(d->rtarget))) {
		dlg_destroy(d);
		respond(t, 400, "INVITE needs a Contact");
		return;
	}
	make_contact(d);
	/* RFC 4028 §9: too short a Session-Expires is refused (422) before the call starts. */
	if (sip_st_request(d, t, req)) {
		dlg_destroy(d);
		return;
	}
	sip_rel_uas_init(d, req);
	sip_info_recv_info(d, req);
	snprintf(d->user, sizeof(d->user), "%s", u->id);
	d->user_direct = u->direct_media;
	d->ch = sg_chan_new(&sip_tech, u->id, d);
	if (!d->ch) {
		dlg_destroy(d);
		respond(t, 500, "Out of memory");
		return;
	}
	/* The media before the dialplan: an offer we cannot take is refused now (488),
	 * and so is a call when no RTP port is free (503). */
	struct sg_rtp_sdp_info info;
	int mrc = media_new(d, NULL);
	if (mrc == 0 && req->body.l)
		mrc = rtp->remote_offer(d->rtp, req->body.p, req->body.l, &info);
	d->late_offer = req->body.l == 0;
	if (mrc) {
		dlg_terminated(d);
		if (mrc == -EPROTO) {
			SG_NOTICE(TAG, "%s: call from %s refused: %s", sg_chan_name(d->ch), u->id, info.reason);
			respond_488(t, d, info.reason);
		} else {
			struct sip_resp_opts o = {.status = mrc == -ENOMEM ? 500 : 503, .to_tag = d->ltag,
						  .reason = mrc == -EADDRNOTAVAIL ? "No RTP port free" : NULL};
			sip_stxn_respond(t, &o);
		}
		d->inv = NULL;
		media_end(d);
		sg_chan_remote_hangup(d->ch, SG_CAUSE_CONGESTION);
		sg_chan_unref(d->ch);
		return;
	}
	/* A phone taking the place of a leg in a call (attended transfer, pickup). */
	int taken = sip_replaces_take(t, d);
	if (taken) {
		if (taken > 0) {
			dlg_terminated(d);
			sip_dlg_respond(t, d, (unsigned)taken, NULL);
			d->inv = NULL;
			media_end(d);
			sg_chan_remote_hangup(d->ch, SG_CAUSE_NOT_FOUND);
			sg_chan_unref(d->ch);
		}
		return;
	}
	char name[128] = "";
	if (sip_pl_isset(&req->from.dname))
		sip_pl_unquote(&req->from.dname, name, sizeof(name), &len);
	/* The request's headers for call.headers, within the core's limits. */
	struct sg_call_header hdrs[SG_CALL_MAX_HEADERS];
	char hdr_buf[SG_CALL_HEADERS_MAX_BYTES];
	size_t nhdrs = sip_invite_headers(req, hdrs, SG_CALL_MAX_HEADERS, hdr_buf, sizeof(hdr_buf));
	struct sg_call_params p = {.from = u->id, .from_name = name[0] ? name : u->name, .to = exten,
				   .headers = hdrs, .nheaders = nhdrs};
	int rc = sg_call_start(d->ch, &p);
	if (rc) {
		dlg_terminated(d);
		/* The toll-fraud guard's refusals (users{} outbound) are 403, with why. */
		bool refused = rc == -EACCES || rc == -EBUSY || rc == -EDQUOT;
		respond(t, rc == -ENOENT ? 404 : refused ? 403 : 503,
			rc == -ENOENT	   ? "No such extension"
			: rc == -EACCES	   ? "Not allowed to call this number"
			: rc == -EBUSY	   ? "Too many calls at once"
			: rc == -EDQUOT	   ? "Too many calls this hour"
					   : NULL);
		d->inv = NULL;
		media_end(d);
		sg_chan_remote_hangup(d->ch, SG_CAUSE_NOT_FOUND);
		sg_chan_unref(d->ch);
	}
}

void sip_dlg_ack(const struct sip_msg *ack)
{
	struct sip_dlg *d = find(&ack->call_id, &ack->to.tag);
	if (!d)
		return;
	if (d->r200_timer)
		d->r200_timer = sg_timer_free(d->r200_timer);
	if (d->terminated)
		return;
	d->acked = true;
	if (d->await_answer) {
		/* We offered in our 2xx: this ACK must answer (§13.2.1); without a
		 * usable answer the session cannot go on (§13.3.1.4 ends it with a BYE). */
		d->await_answer = false;
		struct sg_rtp_sdp_info info;
		int rc = ack->body.l ? rtp->remote_answer(d->rtp, ack->body.p, ack->body.l, &info) : -EPROTO;
		if (rc) {
			SG_NOTICE(TAG, "%s: the ACK %s; hanging up", sg_chan_name(d->ch),
				  ack->body.l ? info.reason : "carries no SDP answer to our offer");
			end_by_pbx(d, SG_CAUSE_FAILURE);
			return;
		}
	}
	/* A re-INVITE waited for this INVITE to end (§14.1). */
	dm_go(d);
}

void sip_dlg_bye(struct sip_stxn *t)
{
	const struct sip_msg *req = sip_stxn_request(t);
	struct sip_dlg *d = find(&req->call_id, &req->to.tag);
	if (!d || d->terminated) {
		respond(t, 481, NULL);
		return;
	}
	respond(t, 200, NULL);
	dlg_terminated(d);
	d->r200_timer = sg_timer_free(d->r200_timer);
	media_end(d);
	/* Last: hanging up a leg we dialled (the callee's BYE) can end the dial
	 * that holds its only reference, which frees d. An incoming leg's own
	 * reference is dropped on the next loop turn, so it is safe to post first. */
	if (!d->uac)
		drop_own_ref(d);
	sg_chan_remote_hangup(d->ch, SG_CAUSE_NORMAL);
}

/* The PBX ends an answered call itself (no RTP any more, no usable SDP answer):
 * BYE to the phone, then the core hears the leg is gone. */
static void end_by_pbx(struct sip_dlg *d, enum sg_cause cause)
{
	dlg_terminated(d);
	d->r200_timer = sg_timer_free(d->r200_timer);
	media_end(d);
	if (d->answered)
		send_bye(d);
	/* As for a BYE: a leg we dialled may be freed by the hang-up, so it comes last. */
	if (!d->uac)
		drop_own_ref(d);
	sg_chan_remote_hangup(d->ch, cause);
}

void sip_dlg_end(struct sip_dlg *d, enum sg_cause cause, unsigned status, const char *reason)
{
	if (d->terminated)
		return;
	if (d->answered || d->uac) {
		end_by_pbx(d, cause);
		return;
	}
	dlg_terminated(d);
	if (d->inv) {
		struct sip_resp_opts o = {.status = status ? status : 500, .reason = reason, .to_tag = d->ltag};
		sip_stxn_respond(d->inv, &o);
		d->inv = NULL;
	}
	media_end(d);
	drop_own_ref(d);
	sg_chan_remote_hangup(d->ch, cause);
}

/* PRACK (RFC 3262) for a reliable 18x of ours; what waited for it goes now. */
void sip_dlg_prack(struct sip_stxn *t)
{
	const struct sip_msg *req = sip_stxn_request(t);
	struct sip_dlg *d = sip_pl_isset(&req->to.tag) ? find(&req->call_id, &req->to.tag) : NULL;
	if (!d || d->terminated) {
		respond(t, 481, NULL);
		return;
	}
	unsigned queued = sip_rel_prack(d, t);
	if (d->rel.answer_waits && !d->rel.unacked) {
		d->rel.answer_waits = false;
		int rc = t_answer(d->ch);
		if (rc) {
			SG_WARNING(TAG, "%s: cannot send the 200 that waited for the PRACK: %s", sg_chan_name(d->ch),
				   strerror(-rc));
			sip_dlg_end(d, SG_CAUSE_FAILURE, 500, NULL);
		}
	} else if (queued && d->inv) {
		t_indicate(d->ch, queued == 180 ? SG_IND_RINGING : SG_IND_PROGRESS);
	}
}

void sip_dlg_update(struct sip_stxn *t)
{
	const struct sip_msg *req = sip_stxn_request(t);
	struct sip_dlg *d = sip_pl_isset(&req->to.tag) ? find(&req->call_id, &req->to.tag) : NULL;
	if (!d || d->terminated || !d->rtp) {
		respond(t, 481, NULL);
		return;
	}
	session_change(t, d, true);
}

/* INFO inside a call (RFC 6086): a digit as application/dtmf-relay or
 * application/dtmf, which counts as if it came as telephone-event (it reaches
 * call:read_digits and ends a prompt). An Info-Package, or a legacy INFO of
 * another type, is for the other phone (info.c). */
void sip_dlg_info(struct sip_stxn *t)
{
	const struct sip_msg *req = sip_stxn_request(t);
	struct sip_dlg *d = sip_pl_isset(&req->to.tag) ? find(&req->call_id, &req->to.tag) : NULL;
	if (!d || d->terminated || !d->rtp) {
		respond(t, 481, NULL);
		return;
	}
	const struct sip_hdr *ct = sip_msg_hdr(req, SIP_HDR_CONTENT_TYPE, NULL);
	int format = ct ? sip_dtmf_format_of(&ct->val) : -EINVAL;
	struct sip_dtmf dtmf;
	bool has_pkg = sip_msg_hdr_by_name(req, "Info-Package", NULL) != NULL;
	if (!req->body.l && !has_pkg) {
		respond(t, 200, NULL); /* an empty INFO: a keep-alive some phones send */
		return;
	}
	if (format < 0 || has_pkg) {
		sip_info_relay(t, d, dm_peer(d));
		return;
	}
	if (sip_dtmf_parse((enum sip_dtmf_format)format, &req->body, &dtmf)) {
		respond(t, 400, "Unreadable DTMF in INFO");
		return;
	}
	respond(t, 200, NULL);
	SG_DEBUG(TAG, "%s: digit %c by INFO", sg_chan_name(d->ch), dtmf.digit);
	/* In a call the other phone gets it the way it takes digits (RFC 4733 from
	 * a SIP leg); RTP digits need no such help: the relay carries them. */
	struct sg_bridge *br = sg_chan_bridge(d->ch);
	struct sg_channel *peer = br ? sg_bridge_peer(br, d->ch) : NULL;
	if (peer && sg_chan_send_digit(peer, dtmf.digit, dtmf.duration_ms))
		SG_NOTICE(TAG, "%s: digit %c by INFO could not be passed on to %s", sg_chan_name(d->ch), dtmf.digit,
			  sg_chan_name(peer));
	rtp->digit_in(d->rtp, dtmf.digit);
}

static bool has_inv(const struct sip_dlg *d, const void *inv) { return d->inv == inv; }

void sip_dlg_cancel(struct sip_stxn *t)
{
	const struct sip_msg *req = sip_stxn_request(t);
	struct sip_stxn *inv = sip_stxn_find_invite(req);
	struct sip_dlg *d = inv ? find_by(&req->call_id, has_inv, inv) : NULL;
	if (!d) {
		respond(t, 481, NULL);
		return;
	}
	respond(t, 200, NULL);
	struct sip_resp_opts o = {.status = 487, .to_tag = d->ltag};
	sip_stxn_respond(d->inv, &o);
	d->inv = NULL;
	dlg_terminated(d);
	media_end(d);
	sg_chan_remote_hangup(d->ch, SG_CAUSE_CANCELLED);
	drop_own_ref(d);
}

int sip_dlg_init(struct sg_module *m)
{
	self = m;
	if (!(rtp = sg_rtp_api())) {
		SG_ERROR(TAG, "res_rtp's API (version %u) is not there; found version %u", SG_RTP_API_VERSION,
			 sg_service_version(SG_RTP_SERVICE));
		return -ENOENT;
	}
	return sg_chan_tech_register(m, &sip_tech);
}

void sip_dlg_shutdown(void)
{
	sg_chan_tech_unregister(&sip_tech);
	sip_addr_count_clear(&incoming);
}

void sip_dlg_show(struct sg_cli *cli)
{
	char a[64];
	sg_cli_printf(cli, "%-28s %-4s %-9s %-22s %s\n", "Channel", "Dir", "State", "Peer", "Call-ID");
	for (struct sip_dlg *d = dialogs; d; d = d->next)
		sg_cli_printf(cli, "%-28s %-4s %-9s %-22s %s\n", d->ch ? sg_chan_name(d->ch) : "-",
			      d->uac ? "out" : "in",
			      d->terminated ? "ended" : d->answered ? "confirmed" : "early",
			      sip_sockaddr_str(&d->peer, a, sizeof(a)), d->call_id);
	sg_cli_printf(cli, "%u dialog%s\n", ndialogs, ndialogs == 1 ? "" : "s");
}

/* Incoming call dialogs (not ended) whose phone is at src's IP address, any port. */
unsigned sip_dlg_count_from(const struct sip_sockaddr *src) { return sip_addr_count_get(&incoming, src); }

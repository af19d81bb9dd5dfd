/*
 * session_timer.c: session timers (RFC 4028) on each leg of a call. The leg's
 * interval and refresher are agreed from Session-Expires and Min-SE (ours from
 * settings.sip.session_expires and settings.sip.min_se; too small a Session-Expires
 * gets 422 with our Min-SE). When we are the refresher we send an UPDATE without
 * SDP at half the interval (a re-INVITE when the phone does not allow UPDATE);
 * when the phone is, a leg it stops refreshing is ended with a BYE shortly
 * before the interval runs out (§10: interval - min(32, interval/3) seconds).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/log.h>
#include <strowger/loop.h>

#include "dialog_priv.h"
#include "sip_lex.h"

#define TAG "sip"

static unsigned want_se = 1800; /* settings.sip.session_expires; 0: we ask for none */
static unsigned our_min_se = 90; /* settings.sip.min_se */

void sip_st_configure(unsigned session_expires, unsigned min_se)
{
	our_min_se = min_se;
	want_se = session_expires && session_expires < min_se ? min_se : session_expires;
}

/* Session-Expires = delta-seconds *(;se-params), refresher = "uac" / "uas".
 * 0 with *refresher 'c', 's' or 0 (absent); -ENOENT or -EINVAL. */
static int parse_se(const struct sip_msg *m, unsigned *secs, char *refresher)
{
	const struct sip_hdr *h;
	if (sip_msg_single(m, SIP_HDR_SESSION_EXPIRES, &h))
		return sip_msg_hdr(m, SIP_HDR_SESSION_EXPIRES, NULL) ? -EINVAL : -ENOENT;
	struct sip_pl v = sip_pl_trim(h->val);
	size_t i = 0;
	while (i < v.l && v.p[i] >= '0' && v.p[i] <= '9')
		i++;
	struct sip_pl num = sip_pl_make(v.p, i), params = sip_pl_make(v.p + i, v.l - i);
	uint32_t n;
	if (sip_pl_u32(&num, 0x7fffffff, &n) || n == 0)
		return -EINVAL;
	struct sip_param p;
	*refresher = 0;
	if (sip_params_find(&params, "refresher", &p) && p.has_val)
		*refresher = sip_pl_caseeq_str(&p.val, "uac") ? 'c' : sip_pl_caseeq_str(&p.val, "uas") ? 's' : 0;
	*secs = n;
	return 0;
}

/* Min-SE of a message, or 0. */
static unsigned min_se_of(const struct sip_msg *m)
{
	const struct sip_hdr *h;
	uint32_t n = 0;
	if (sip_msg_single(m, SIP_HDR_MIN_SE, &h) == 0) {
		struct sip_pl v = sip_pl_trim(h->val);
		size_t i = 0;
		while (i < v.l && v.p[i] >= '0' && v.p[i] <= '9')
			i++;
		v.l = i;
		if (sip_pl_u32(&v, 0x7fffffff, &n))
			n = 0;
	}
	return n;
}

/* Whether the phone is the UAC of this dialog (it sent the INVITE). */
static bool phone_is_uac(const struct sip_dlg *d) { return !d->uac; }

unsigned sip_st_request(struct sip_dlg *d, struct sip_stxn *t, const struct sip_msg *req)
{
	unsigned se = 0;
	char refresher = 0;
	bool initial = req->method == SIP_METHOD_INVITE && !sip_pl_isset(&req->to.tag);
	if (req->method == SIP_METHOD_INVITE || sip_msg_hdr(req, SIP_HDR_SUPPORTED, NULL))
		d->st.peer_timer = sip_msg_has_tag(req, SIP_HDR_SUPPORTED, "timer");
	if (sip_msg_hdr(req, SIP_HDR_ALLOW, NULL))
		d->st.peer_update = sip_msg_has_tag(req, SIP_HDR_ALLOW, "UPDATE");
	int rc = parse_se(req, &se, &refresher);
	if (rc == -EINVAL) {
		sip_dlg_respond(t, d, 400, "Bad Session-Expires");
		return 400;
	}
	if (rc == 0 && se < our_min_se) {
		/* §9: too brief: 422 with the shortest interval we take. */
		char min[16];
		snprintf(min, sizeof(min), "%u", our_min_se);
		struct sip_hdr_out h[] = {{"Min-SE", min}};
		struct sip_resp_opts o = {.status = 422, .to_tag = d->ltag, .hdrs = h, .nhdrs = 1};
		sip_stxn_respond(t, &o);
		SG_INFO(TAG, "%s: Session-Expires %u under our Min-SE %u: 422", d->ch ? sg_chan_name(d->ch) : "SIP", se,
			our_min_se);
		return 422;
	}
	if (rc == -ENOENT) {
		if (!initial)
			return 0; /* a refresh without it: the session timer goes on as agreed */
		if (!want_se) {
			d->st.interval = 0;
			return 0;
		}
		/* §9: the phone asked for nothing; we may still ask, at least its Min-SE. */
		unsigned floor = min_se_of(req);
		d->st.interval = want_se < floor ? floor : want_se;
		d->st.we_refresh = !d->st.peer_timer; /* a phone that knows timers refreshes */
		return 0;
	}
	/* §9: we may lower the interval, not under its Min-SE nor ours. */
	unsigned floor = min_se_of(req);
	if (floor < our_min_se)
		floor = our_min_se;
	unsigned n = want_se && want_se < se ? want_se : se;
	d->st.interval = n < floor ? floor : n;
	/* The refresher it named stands; else the phone if it knows timers. */
	if (refresher)
		d->st.we_refresh = (refresher == 'c') != phone_is_uac(d);
	else
		d->st.we_refresh = !d->st.peer_timer;
	return 0;
}

/* "uac" or "uas": the refresher's role in this dialog. */
static const char *refresher_name(const struct sip_dlg *d)
{
	bool refresher_is_uac = d->st.we_refresh == d->uac;
	return refresher_is_uac ? "uac" : "uas";
}

size_t sip_st_response_hdrs(const struct sip_dlg *d, struct sip_hdr_out *h, char *buf, size_t size)
{
	if (!d->st.interval)
		return 0;
	snprintf(buf, size, "%u;refresher=%s", d->st.interval, refresher_name(d));
	size_t n = 0;
	h[n++] = (struct sip_hdr_out){"Session-Expires", buf};
	/* §9: the phone refreshes (it is the UAC here): it must know it does. */
	if (!d->st.we_refresh && d->st.peer_timer)
		h[n++] = (struct sip_hdr_out){"Require", "timer"};
	return n;
}

size_t sip_st_invite_hdrs(struct sip_hdr_out *h, char *buf, size_t size)
{
	size_t n = 0;
	int w = snprintf(buf, size, "%u", our_min_se);
	h[n++] = (struct sip_hdr_out){"Min-SE", buf};
	if (want_se && (size_t)w + 1 < size) {
		/* No refresher named: the phone chooses (§7.1). */
		snprintf(buf + w + 1, size - (size_t)w - 1, "%u", want_se);
		h[n++] = (struct sip_hdr_out){"Session-Expires", buf + w + 1};
	}
	return n;
}

void sip_st_response(struct sip_dlg *d, const struct sip_msg *resp)
{
	unsigned se = 0;
	char refresher = 0;
	if (sip_msg_hdr(resp, SIP_HDR_ALLOW, NULL))
		d->st.peer_update = sip_msg_has_tag(resp, SIP_HDR_ALLOW, "UPDATE");
	if (sip_msg_hdr(resp, SIP_HDR_SUPPORTED, NULL))
		d->st.peer_timer = sip_msg_has_tag(resp, SIP_HDR_SUPPORTED, "timer");
	if (parse_se(resp, &se, &refresher)) {
		/* §7.2: a 2xx without Session-Expires: no session expiration. */
		if (resp->cseq_method == SIP_METHOD_INVITE && !d->st.refreshing)
			d->st.interval = 0;
		return;
	}
	d->st.interval = se;
	/* §7.2: with no refresher named in the 2xx the UAC (we) refreshes. */
	d->st.we_refresh = refresher != 's';
}

void sip_st_refresh_done(struct sip_dlg *d, const struct sip_msg *resp)
{
	d->st.refreshing = false;
	if (resp->status >= 200 && resp->status < 300) {
		sip_st_response(d, resp);
		sip_st_start(d);
		return;
	}
	/* §10: a refresh that times out or gets 481 or 408 ends the session; other
	 * failures leave it as it was until it expires. */
	if (resp->status == 408 || resp->status == 481) {
		SG_NOTICE(TAG, "%s: session refresh failed (%u); hanging up", sg_chan_name(d->ch), resp->status);
		sip_dlg_end(d, SG_CAUSE_FAILURE, 0, NULL);
		return;
	}
	SG_NOTICE(TAG, "%s: session refresh refused: %u %.*s", sg_chan_name(d->ch), resp->status,
		  SIP_PL_ARGS(resp->status_phrase));
	if (resp->status == 422) {
		unsigned m = min_se_of(resp);
		if (m > d->st.interval)
			d->st.interval = m;
	}
	sip_st_start(d);
}

/* Our UPDATE's answer finds its dialog again by Call-ID and tag: the call may be
 * gone by then. */
struct refresh_ref {
	char call_id[160];
	char ltag[SIP_TAG_SIZE];
};

static void on_update_response(struct sip_ctxn *t, const struct sip_msg *resp, void *arg)
{
	(void)t;
	struct refresh_ref *r = arg;
	if (resp->status < 200)
		return;
	struct sip_pl cid = sip_pl_of(r->call_id), tag = sip_pl_of(r->ltag);
	struct sip_dlg *d = sip_dlg_find(&cid, &tag);
	if (d && !d->terminated)
		sip_st_refresh_done(d, resp);
	free(r);
}

static void refresh(struct sip_dlg *d)
{
	char se[48];
	snprintf(se, sizeof(se), "%u;refresher=%s", d->st.interval, refresher_name(d));
	SG_INFO(TAG, "%s: session refresh (%s, every %u s)", sg_chan_name(d->ch), d->st.peer_update ? "UPDATE" : "re-INVITE",
		d->st.interval);
	d->st.refreshing = true;
	if (!d->st.peer_update) {
		if (sip_dlg_refresh_reinvite(d) == 0)
			return;
		d->st.refreshing = false;
		sip_st_start(d); /* a re-INVITE is in progress: try at the next turn */
		return;
	}
	struct refresh_ref *r = malloc(sizeof(*r));
	if (!r) {
		d->st.refreshing = false;
		sip_st_start(d);
		return;
	}
	snprintf(r->call_id, sizeof(r->call_id), "%s", d->call_id);
	snprintf(r->ltag, sizeof(r->ltag), "%s", d->ltag);
	struct sip_hdr_out h[] = {{"Session-Expires", se}, {"Supported", SIP_DLG_SUPPORTED}, {"Contact", d->contact}};
	if (sip_dlg_send(d, "UPDATE", h, 3, NULL, NULL, 0, on_update_response, r)) {
		free(r);
		d->st.refreshing = false;
		sip_st_start(d);
	}
}

static void on_timer(struct sg_timer *t, void *arg)
{
	struct sip_dlg *d = arg;
	(void)t;
	if (d->terminated || !d->st.interval)
		return;
	if (d->st.we_refresh) {
		if (!d->st.refreshing)
			refresh(d);
		return;
	}
	SG_NOTICE(TAG, "%s: no session refresh from the phone within %u s (RFC 4028); hanging up", sg_chan_name(d->ch),
		  d->st.interval);
	sip_dlg_end(d, SG_CAUSE_FAILURE, 0, NULL);
}

void sip_st_start(struct sip_dlg *d)
{
	if (!d->st.interval || d->terminated) {
		sip_st_stop(d);
		return;
	}
	unsigned n = d->st.interval, ms;
	if (d->st.we_refresh)
		ms = n * 500u;
	else
		ms = (n - (n / 3 < 32 ? n / 3 : 32)) * 1000u;
	if (d->st.timer)
		sg_timer_restart(d->st.timer, ms);
	else
		d->st.timer = sg_timer_start(sg_loop_main(), sip_dlg_module(), ms, 0, on_timer, d);
}

void sip_st_stop(struct sip_dlg *d) { d->st.timer = sg_timer_free(d->st.timer); }

/* sdp_oa.c: RFC 3264 offer/answer for the PBX's audio stream; hold detection. */
#include <errno.h>
#include <strings.h>

#include "sdp_int.h"
#include "sdp_oa.h"

static bool is_te(const struct sdp_codec *c)
{
	struct sdp_str name = sdp_str_of(c->name);
	return c->name && sdp_str_caseeq_cstr(&name, "telephone-event");
}

/* Does a format of a description name this codec (name, clock rate, channels)? */
static bool fmt_is(const struct sdp_fmt *f, const struct sdp_codec *c)
{
	unsigned ch = c->channels ? c->channels : 1;
	return f->name.p && sdp_str_caseeq_cstr(&f->name, c->name) && f->rate == c->rate && f->channels == ch;
}

static const struct sdp_codec *codec_of(const struct sdp_local *l, const struct sdp_fmt *f)
{
	for (size_t i = 0; i < l->ncodecs; i++)
		if (fmt_is(f, &l->codecs[i]))
			return &l->codecs[i];
	return NULL;
}

static const struct sdp_codec *te_codec(const struct sdp_local *l)
{
	for (size_t i = 0; i < l->ncodecs; i++)
		if (is_te(&l->codecs[i]))
			return &l->codecs[i];
	return NULL;
}

/* The address of our side for a peer of this family, as a c= would give it. */
static int local_conn(const struct sdp_local *l, enum sdp_addrtype type, struct sdp_conn *c, const char **why)
{
	const char *a = type == SDP_IP6 ? l->addr6 : l->addr4;
	if (!a) {
		*why = type == SDP_IP6 ? "IPv6 media is not supported" : "IPv4 media is not supported";
		return -EINVAL;
	}
	struct sdp_str in = SDP_STR("IN"), at = type == SDP_IP6 ? SDP_STR("IP6") : SDP_STR("IP4");
	struct sdp_str addr = sdp_str_of(a);
	if (sdp_conn_parse(c, &in, &at, &addr, false, why) != 0 || c->is_name) {
		*why = "bad local media address";
		return -EINVAL;
	}
	return 0;
}

/* The session-level lines of a description the PBX writes. */
static void own_session(struct sdp_session *s, const struct sdp_conn *addr)
{
	s->origin.user = SDP_STR("strowger");
	s->origin.id = SDP_STR("0");
	s->origin.version = SDP_STR("0");
	s->origin.addr = *addr;
	s->name = SDP_STR("strowger");
	s->conn = *addr;
	s->dir = SDP_DIR_NONE;
}

/* Adds a format to a stream we describe; false if it is there already or full. */
static bool add_fmt(struct sdp_media *m, const struct sdp_fmt *from, const struct sdp_codec *c)
{
	if (m->nfmts == SDP_MAX_FMTS || sdp_media_fmt(m, from->pt))
		return false;
	struct sdp_fmt *f = &m->fmts[m->nfmts++];
	*f = *from;
	f->rtpmap = true;
	f->fmtp = c->fmtp ? sdp_str_of(c->fmtp) : (struct sdp_str){0};
	return true;
}

static void note_fmt(struct sdp_neg *neg, int pt, const struct sdp_codec *c)
{
	if (neg->nfmts == 0) {
		neg->codec = c;
		neg->pt = (uint8_t)pt;
	}
	neg->fmts[neg->nfmts++] = (struct sdp_neg_fmt){(uint8_t)pt, c};
}

/* The codecs both sides have, in the offer's order (RFC 3264 §6.1 recommends it) or
 * ours; telephone-event is left to te_answer(). */
static void common_codecs(const struct sdp_media *om, const struct sdp_local *l, struct sdp_media *am,
			  struct sdp_neg *neg)
{
	size_t outer = l->prefer_local ? l->ncodecs : om->nfmts;
	size_t inner = l->prefer_local ? om->nfmts : l->ncodecs;
	for (size_t i = 0; i < outer; i++) {
		for (size_t j = 0; j < inner; j++) {
			const struct sdp_fmt *f = &om->fmts[l->prefer_local ? j : i];
			const struct sdp_codec *c = &l->codecs[l->prefer_local ? i : j];
			if (is_te(c) || !fmt_is(f, c))
				continue;
			if (add_fmt(am, f, c))
				note_fmt(neg, f->pt, c);
			break;
		}
	}
}

/* The events of a telephone-event format both sides handle, or false if none. */
static bool te_events(const struct sdp_str *remote_fmtp, const struct sdp_codec *c, struct sdp_events *ev)
{
	struct sdp_events ours;
	struct sdp_str mine = c->fmtp ? sdp_str_of(c->fmtp) : (struct sdp_str){0};
	if (sdp_events_parse(remote_fmtp, ev) != 0 || sdp_events_parse(&mine, &ours) != 0)
		return false;
	return sdp_events_and(ev, &ours);
}

/* telephone-event, if the offer has it at our rate and an event in common. */
static void te_answer(const struct sdp_media *om, const struct sdp_local *l, struct sdp_session *ans,
		      struct sdp_media *am, struct sdp_neg *neg)
{
	const struct sdp_codec *c = te_codec(l);
	for (size_t i = 0; c && i < om->nfmts; i++) {
		const struct sdp_fmt *f = &om->fmts[i];
		if (!fmt_is(f, c) || !te_events(&f->fmtp, c, &neg->te_events) || !add_fmt(am, f, c))
			continue;
		size_t n = sdp_events_print(&neg->te_events, ans->scratch, sizeof(ans->scratch));
		am->fmts[am->nfmts - 1].fmtp = (struct sdp_str){ans->scratch, n};
		neg->te_pt = f->pt;
		return;
	}
	memset(&neg->te_events, 0, sizeof(neg->te_events));
}

static uint32_t clamp_ptime(const struct sdp_media *om, const struct sdp_local *l)
{
	uint32_t lo = l->ptime_min ? l->ptime_min : 10, hi = l->ptime_max ? l->ptime_max : 60;
	uint32_t p = om->ptime;
	if (!p)
		return 0;
	if (om->maxptime && om->maxptime < hi)
		hi = om->maxptime;
	p = p > hi ? hi : p;
	return p < lo ? lo : p;
}

/* The direction a stream is offered with, from the offerer's side, with 0.0.0.0
 * meaning "do not send to me" (RFC 3264 §8.4). */
static unsigned offered_dir(const struct sdp_session *s, const struct sdp_media *m)
{
	unsigned d = sdp_media_dir(s, m);
	return sdp_media_conn(s, m)->is_null ? d & ~SDP_DIR_RECV : d;
}

/* Our side of a stream whose peer says `peer`: we send if it receives, receive if it
 * sends, within what we want. */
static enum sdp_dir reply_dir(unsigned peer, unsigned want)
{
	unsigned d = 0;
	if ((peer & SDP_DIR_RECV) && (want & SDP_DIR_SEND))
		d |= SDP_DIR_SEND;
	if ((peer & SDP_DIR_SEND) && (want & SDP_DIR_RECV))
		d |= SDP_DIR_RECV;
	return (enum sdp_dir)d;
}

/* Where the peer wants RTP and RTCP. */
static void remote_of(const struct sdp_session *s, const struct sdp_media *m, struct sdp_neg *neg)
{
	neg->remote = *sdp_media_conn(s, m);
	neg->remote_port = m->port;
	neg->remote_rtcp = m->rtcp_conn.type != SDP_ADDR_NONE ? m->rtcp_conn : neg->remote;
	neg->remote_rtcp_port = m->rtcp_port ? m->rtcp_port : (uint16_t)(m->port + 1);
	neg->ptime = m->ptime;
}

/* Why this offered stream cannot be our audio stream, or NULL if it can. */
static const char *unusable(const struct sdp_session *offer, const struct sdp_media *om, const struct sdp_local *l)
{
	if (om->type != SDP_AUDIO)
		return "not an audio stream";
	if (om->port == 0)
		return "audio stream disabled in the offer";
	if (om->proto_id == SDP_RTP_SECURE) {
		/* UDP/TLS/RTP/SAVP(F) keys SRTP with DTLS (RFC 5764), not a=crypto. */
		if (om->proto.l > 4 && !strncasecmp(om->proto.p, "UDP/", 4))
			return "DTLS-SRTP is not supported";
		if (!l->srtp_ok)
			return l->srtp_refusal ? l->srtp_refusal : "SRTP is not supported";
	} else if (om->proto_id == SDP_PROTO_OTHER) {
		return "media transport is not RTP/AVP";
	}
	if (om->nports > 1 || sdp_media_conn(offer, om)->multicast)
		return "multicast or layered media is not supported";
	return NULL;
}

/* A suite we have a key for: an offered crypto line we can take. */
static bool have_key(uint32_t tag, enum sdp_srtp_suite suite, void *arg)
{
	const struct sdp_local *l = arg;
	(void)tag;
	return (unsigned)suite < SDP_SRTP_SUITES && l->srtp_keys[suite];
}

/* The answer's a=crypto (RFC 4568 §7.1.2): the first offered line we can take, its
 * tag and suite, our own key. 0 or -EINVAL with *why. */
static int srtp_answer(const struct sdp_media *om, const struct sdp_local *l, struct sdp_session *ans,
		       struct sdp_media *am, struct sdp_neg *neg, const char **why)
{
	if (sdp_crypto_pick(om, have_key, (void *)l, &neg->srtp_rx, why) != 0)
		return -EINVAL;
	neg->srtp_tx = (struct sdp_crypto){.tag = neg->srtp_rx.tag, .suite = neg->srtp_rx.suite};
	memcpy(neg->srtp_tx.key, l->srtp_keys[neg->srtp_rx.suite], SDP_SRTP_KEY_LEN);
	size_t n = sdp_crypto_print(ans->crypto, sizeof(ans->crypto), &neg->srtp_tx);
	if (!n) {
		*why = "cannot write a=crypto";
		return -EINVAL;
	}
	am->lines = (struct sdp_str){ans->crypto, n};
	neg->srtp = true;
	return 0;
}

/* Our offer's a=crypto lines: one per suite we have a key for, tagged with the
 * suite's number (so the answer's tag says which key it took). */
static int srtp_offer(const struct sdp_local *l, struct sdp_session *offer, struct sdp_media *m)
{
	size_t len = 0;
	for (unsigned s = 1; s < SDP_SRTP_SUITES; s++) {
		if (!l->srtp_keys[s])
			continue;
		struct sdp_crypto c = {.tag = s, .suite = (enum sdp_srtp_suite)s};
		memcpy(c.key, l->srtp_keys[s], SDP_SRTP_KEY_LEN);
		size_t n = sdp_crypto_print(offer->crypto + len, sizeof(offer->crypto) - len, &c);
		if (!n)
			return -EINVAL;
		len += n;
	}
	if (!len)
		return -EINVAL;
	m->lines = (struct sdp_str){offer->crypto, len};
	if (!l->srtp_best_effort) {
		m->proto = SDP_STR("RTP/SAVP");
		m->proto_id = SDP_RTP_SECURE;
	}
	return 0;
}

/* An answer's crypto line must name one of our offered lines: tag = suite. */
static bool offered_line(uint32_t tag, enum sdp_srtp_suite suite, void *arg)
{
	return tag == (uint32_t)suite && have_key(tag, suite, arg);
}

/* Tries to accept offered stream i as our audio stream: NULL, or why not. */
static const char *accept_audio(const struct sdp_session *offer, size_t i, const struct sdp_local *l,
				struct sdp_session *ans, struct sdp_neg *neg, struct sdp_conn *ours)
{
	const struct sdp_media *om = &offer->media[i];
	struct sdp_media *am = &ans->media[i];
	const char *why = unusable(offer, om, l);
	if (why)
		return why;
	if (local_conn(l, sdp_media_conn(offer, om)->type, ours, &why) != 0)
		return why;

	memset(neg, 0, sizeof(*neg));
	neg->te_pt = -1;
	struct sdp_str crypto;
	if (om->proto_id == SDP_RTP_SECURE) {
		if (srtp_answer(om, l, ans, am, neg, &why) != 0)
			return why;
	} else if (l->srtp_ok && sdp_attr_find(&om->lines, "crypto", &crypto)) {
		/* "Best effort" SDES: RTP/AVP with a=crypto (baresip's mediaenc=srtp, phones
		 * with optional SRTP) is answered in kind, with our key; a line we cannot
		 * use leaves plain RTP, unless SRTP is required. */
		if (srtp_answer(om, l, ans, am, neg, &why) != 0 && l->srtp_only)
			return why;
	} else if (l->srtp_only) {
		return l->srtp_ok || !l->srtp_refusal ? "SRTP is required" : l->srtp_refusal;
	}
	common_codecs(om, l, am, neg);
	if (am->nfmts == 0)
		return "no common codec";
	te_answer(om, l, ans, am, neg);

	unsigned peer = offered_dir(offer, om);
	am->port = l->port;
	am->dir = reply_dir(peer, l->hold ? SDP_SENDONLY : SDP_SENDRECV);
	am->ptime = clamp_ptime(om, l);
	neg->media = i;
	neg->dir = am->dir;
	neg->remote_hold = !(peer & SDP_DIR_RECV);
	remote_of(offer, om, neg);
	return NULL;
}

int sdp_answer(const struct sdp_session *offer, const struct sdp_local *l, struct sdp_session *ans,
	       struct sdp_neg *neg, const char **why)
{
	const char *first = NULL; /* why the first audio stream was refused */
	struct sdp_conn ours = {0};
	bool accepted = false;

	memset(ans, 0, sizeof(*ans));
	for (size_t i = 0; i < offer->nmedia; i++) {
		const struct sdp_media *om = &offer->media[i];
		struct sdp_media *am = &ans->media[i];
		am->media = om->media;
		am->type = om->type;
		am->proto = om->proto;
		am->proto_id = om->proto_id;
		am->nports = 1;
		am->dir = SDP_DIR_NONE;
		const char *r = accepted ? "only one audio stream is supported" : accept_audio(offer, i, l, ans, neg, &ours);
		if (!r) {
			accepted = true;
			continue;
		}
		/* Refused: port 0 and the offer's formats (RFC 3264 §6). */
		am->port = 0;
		am->nfmts = 0;
		am->lines = (struct sdp_str){0};
		am->fmt_list = om->fmt_list;
		am->ptime = 0;
		am->dir = SDP_DIR_NONE;
		if (om->type == SDP_AUDIO && !first)
			first = r;
	}
	ans->nmedia = offer->nmedia;
	if (!accepted) {
		*why = first ? first : "no audio stream offered";
		return -EINVAL;
	}
	own_session(ans, &ours);
	/* RFC 3264 §6: the answer's t= equals the offer's. */
	ans->timing = offer->timing;
	return 0;
}

int sdp_offer(const struct sdp_local *l, struct sdp_session *offer, const char **why)
{
	struct sdp_conn ours;
	memset(offer, 0, sizeof(*offer));
	if (local_conn(l, l->addr4 ? SDP_IP4 : SDP_IP6, &ours, why) != 0)
		return -EINVAL;
	if (l->ncodecs == 0 || l->ncodecs > SDP_MAX_FMTS) {
		*why = "no codecs to offer";
		return -EINVAL;
	}
	own_session(offer, &ours);
	struct sdp_media *m = &offer->media[0];
	offer->nmedia = 1;
	m->media = SDP_STR("audio");
	m->type = SDP_AUDIO;
	m->port = l->port;
	m->nports = 1;
	m->proto = SDP_STR("RTP/AVP");
	m->proto_id = SDP_RTP_AVP;
	if (l->srtp_only && !l->srtp_ok) {
		*why = l->srtp_refusal ? l->srtp_refusal : "SRTP is required";
		return -EINVAL;
	}
	if (l->srtp_ok && srtp_offer(l, offer, m) != 0) {
		*why = "no SRTP key to offer";
		return -EINVAL;
	}
	m->dir = l->hold ? SDP_SENDONLY : SDP_SENDRECV;
	m->ptime = l->ptime;
	for (size_t i = 0; i < l->ncodecs; i++) {
		const struct sdp_codec *c = &l->codecs[i];
		struct sdp_fmt f = {.pt = c->pt,
				    .name = sdp_str_of(c->name),
				    .rate = c->rate,
				    .channels = c->channels ? c->channels : 1};
		(void)add_fmt(m, &f, c);
	}
	return 0;
}

/* One format of the answer against what we offered: its codec, or NULL (and *why). */
static const struct sdp_codec *answered_codec(const struct sdp_media *om, const struct sdp_fmt *af,
					      const struct sdp_local *l, const char **why)
{
	const struct sdp_fmt *of = sdp_media_fmt(om, af->pt);
	const struct sdp_codec *c = of ? codec_of(l, of) : NULL;
	if (!c) {
		*why = "answer has a payload type that was not offered";
		return NULL;
	}
	/* An answer keeps the offer's payload type numbers (RFC 3264 §6.1). */
	if (af->rtpmap && !fmt_is(af, c)) {
		*why = "answer maps an offered payload type to another codec";
		return NULL;
	}
	return c;
}

int sdp_answer_check(const struct sdp_session *offer, const struct sdp_session *ans, const struct sdp_local *l,
		     struct sdp_neg *neg, const char **why)
{
	if (ans->nmedia != offer->nmedia) {
		*why = "answer has not as many m= lines as the offer";
		return -EINVAL;
	}
	for (size_t k = 0; k < offer->nmedia; k++) {
		if (!sdp_str_caseeq(&offer->media[k].media, &ans->media[k].media)) {
			*why = "answer changes the media type of an m= line";
			return -EINVAL;
		}
	}
	/* The audio stream: the first one offered with a port that the answer accepts. */
	size_t i = 0;
	bool offered = false;
	for (; i < offer->nmedia; i++) {
		bool audio = offer->media[i].type == SDP_AUDIO && offer->media[i].port != 0;
		offered |= audio;
		if (audio && ans->media[i].port != 0)
			break;
	}
	if (i == offer->nmedia) {
		*why = offered ? "audio stream rejected" : "offer has no audio stream";
		return -EINVAL;
	}
	const struct sdp_media *om = &offer->media[i], *am = &ans->media[i];
	struct sdp_str crypto;
	bool offered_srtp = sdp_attr_find(&om->lines, "crypto", &crypto);
	/* A best-effort offer (RTP/AVP with a=crypto) may be answered RTP/SAVP. */
	bool upgraded = offered_srtp && om->proto_id == SDP_RTP_AVP && am->proto_id == SDP_RTP_SECURE &&
			sdp_str_caseeq_cstr(&am->proto, "RTP/SAVP");
	if ((!sdp_str_caseeq(&om->proto, &am->proto) && !upgraded) || sdp_media_conn(ans, am)->multicast) {
		*why = "answer changes the media transport";
		return -EINVAL;
	}

	memset(neg, 0, sizeof(*neg));
	neg->te_pt = -1;
	/* Our SRTP offer: an RTP/SAVP answer must take one of its lines; an RTP/AVP
	 * answer to a best-effort one may, or leave plain RTP. */
	if (offered_srtp && sdp_crypto_pick(am, offered_line, (void *)l, &neg->srtp_rx, why) != 0 &&
	    (am->proto_id == SDP_RTP_SECURE || l->srtp_only)) {
		*why = "answer has no usable a=crypto line";
		return -EINVAL;
	}
	if (offered_srtp && neg->srtp_rx.suite != SDP_SRTP_NONE) {
		neg->srtp = true;
		neg->srtp_tx = (struct sdp_crypto){.tag = neg->srtp_rx.tag, .suite = neg->srtp_rx.suite};
		memcpy(neg->srtp_tx.key, l->srtp_keys[neg->srtp_rx.suite], SDP_SRTP_KEY_LEN);
	}
	for (size_t k = 0; k < am->nfmts; k++) {
		const struct sdp_fmt *af = &am->fmts[k];
		const struct sdp_codec *c = answered_codec(om, af, l, why);
		if (!c)
			return -EINVAL;
		if (!is_te(c))
			note_fmt(neg, af->pt, c);
		else if (neg->te_pt < 0 && te_events(&af->fmtp, c, &neg->te_events))
			neg->te_pt = af->pt;
	}
	if (neg->te_pt < 0)
		memset(&neg->te_events, 0, sizeof(neg->te_events));
	if (neg->nfmts == 0) {
		*why = "no common codec";
		return -EINVAL;
	}
	unsigned peer = offered_dir(ans, am);
	neg->media = i;
	neg->dir = reply_dir(peer, sdp_media_dir(offer, om));
	neg->remote_hold = !(peer & SDP_DIR_RECV);
	remote_of(ans, am, neg);
	return 0;
}

bool sdp_media_is_hold(const struct sdp_session *s, const struct sdp_media *m)
{
	return m->port != 0 && !(offered_dir(s, m) & SDP_DIR_RECV);
}

bool sdp_is_hold(const struct sdp_session *s)
{
	bool any = false;
	for (size_t i = 0; i < s->nmedia; i++) {
		const struct sdp_media *m = &s->media[i];
		if (m->type != SDP_AUDIO || m->port == 0)
			continue;
		if (!sdp_media_is_hold(s, m))
			return false;
		any = true;
	}
	return any;
}

/*
 * negotiate.c: SDP offer/answer for a session (the rtp.h SDP calls): parses what the
 * peer sends, writes what we send, and hands what was settled (codecs and payload
 * types, the peer's address, hold) to the session's worker. Main thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include <strowger/log.h>

#include "media.h"

/* What the PBX can carry, in its own order of preference. telephone-event takes
 * events 0-16 (digits, *, #, A-D and flash: RFC 4733 §3.2). */
static const struct sdp_codec codec_table[] = {
	{.name = "PCMU", .rate = 8000, .channels = 1, .pt = 0},
	{.name = "PCMA", .rate = 8000, .channels = 1, .pt = 8},
	{.name = "telephone-event", .rate = 8000, .channels = 1, .pt = 101, .fmtp = "0-16"},
};
#define NCODECS (sizeof(codec_table) / sizeof(codec_table[0]))

/* Two descriptions at a time (about 19 KiB each): the main thread's scratch. */
static struct sdp_session scratch_in, scratch_out;

static const struct sdp_codec *table_find(const char *name, size_t len, uint32_t rate)
{
	for (size_t i = 0; i < NCODECS; i++)
		if (strlen(codec_table[i].name) == len && !strncasecmp(codec_table[i].name, name, len) &&
		    codec_table[i].rate == rate)
			return &codec_table[i];
	return NULL;
}

static enum media_kind kind_of(const struct sdp_codec *c)
{
	return c ? (enum media_kind)(c - codec_table) : MEDIA_KIND_NONE;
}

/* Appends c to the order unless a codec of that name is there. */
static size_t add_codec(const struct sdp_codec **order, size_t n, const struct sdp_codec *c)
{
	if (!c || n >= NCODECS)
		return n;
	for (size_t i = 0; i < n; i++)
		if (order[i] == c)
			return n;
	order[n++] = c;
	return n;
}

/*
 * The order we list codecs in: first what the other leg (`prefer`) sends and
 * agreed to, or what its phone offered, so both legs can use one codec and the relay
 * copies payloads; then what this leg already sends (a re-offer keeps the codec);
 * then what this leg's phone offered; then the rest of the table.
 */
static size_t codec_order(const struct media_session *s, const struct media_session *prefer,
			  struct sdp_codec out[NCODECS])
{
	const struct sdp_codec *order[NCODECS];
	size_t n = 0;
	if (prefer) {
		if (prefer->sdp.negotiated) {
			n = add_codec(order, n, prefer->sdp.send);
			for (size_t i = 0; i < prefer->sdp.nfmts; i++)
				n = add_codec(order, n, prefer->sdp.fmts[i]);
		}
		for (size_t i = 0; i < prefer->sdp.ntheir; i++)
			n = add_codec(order, n, prefer->sdp.their_order[i]);
	}
	if (s->sdp.negotiated)
		n = add_codec(order, n, s->sdp.send);
	for (size_t i = 0; i < s->sdp.ntheir; i++)
		n = add_codec(order, n, s->sdp.their_order[i]);
	for (size_t i = 0; i < NCODECS; i++)
		n = add_codec(order, n, &codec_table[i]);
	for (size_t i = 0; i < n; i++)
		out[i] = *order[i];
	return n;
}

/* Our SRTP master keys, one per suite, made once per session from OpenSSL's CSPRNG.
 * False if it failed (then the session offers and takes no SRTP). */
static bool make_keys(struct media_session *s)
{
	if (!s->sdp.keys_made && RAND_bytes(&s->sdp.keys[0][0], (int)sizeof(s->sdp.keys)) == 1)
		s->sdp.keys_made = true;
	return s->sdp.keys_made;
}

/* settings.rtp.srtp for this leg: whether SRTP may be agreed, and must. Keys go only
 * into SDP that travels over TLS: on any other leg an SRTP offer is refused (its
 * phone sent its own key in the clear; answering with ours would be worse). */
static void srtp_policy(struct media_session *s, struct sdp_local *l)
{
	l->srtp_only = media_cfg.srtp == MEDIA_SRTP_REQUIRE;
	if (media_cfg.srtp == MEDIA_SRTP_OFF)
		l->srtp_refusal = "SRTP is disabled by settings.rtp.srtp";
	else if (!s->sdp.secure)
		l->srtp_refusal = l->srtp_only ? "SRTP is required and needs SIP over TLS"
					       : "SRTP needs SIP over TLS: no keys in clear-text SDP";
	else if (!make_keys(s))
		l->srtp_refusal = "no random source for SRTP keys";
	else
		l->srtp_ok = true;
	/* Offers that a TLS phone without SRTP still answers (with plain RTP). */
	l->srtp_best_effort = media_cfg.srtp == MEDIA_SRTP_BEST_EFFORT;
	for (unsigned i = 1; l->srtp_ok && i < SDP_SRTP_SUITES; i++)
		l->srtp_keys[i] = s->sdp.keys[i];
}

static void make_local(struct media_session *s, const struct sdp_codec *codecs, size_t n, bool hold,
		       struct sdp_local *l)
{
	*l = (struct sdp_local){.codecs = codecs, .ncodecs = n, .port = s->port, .hold = hold,
				.prefer_local = true, .ptime = 20};
	if (s->family == AF_INET6)
		l->addr6 = s->sdp.addr;
	else
		l->addr4 = s->sdp.addr;
	srtp_policy(s, l);
}

/* Hands the worker what SRTP the negotiation settled (or none): it keeps a
 * direction whose key did not change. */
static void post_srtp(struct media_session *s, const struct sdp_neg *neg)
{
	if (!neg->srtp && !s->sdp.srtp)
		return;
	struct media_op *op = media_op_new(OP_SRTP, s);
	if (!op) {
		SG_ERROR(TAG, "session %u (%s): out of memory passing its SRTP keys on", s->id, s->name);
		return;
	}
	op->srtp.on = neg->srtp;
	if (neg->srtp) {
		op->srtp.suite = neg->srtp_tx.suite;
		memcpy(op->srtp.tx, neg->srtp_tx.key, sizeof(op->srtp.tx));
		memcpy(op->srtp.rx, neg->srtp_rx.key, sizeof(op->srtp.rx));
	}
	if (neg->srtp != s->sdp.srtp || neg->srtp_tx.suite != s->sdp.srtp_suite)
		SG_INFO(TAG, "session %u (%s): %s%s", s->id, s->name, neg->srtp ? "SRTP " : "plain RTP",
			sdp_srtp_suite_name(neg->srtp_tx.suite));
	s->sdp.srtp = neg->srtp;
	s->sdp.srtp_suite = neg->srtp ? neg->srtp_tx.suite : SDP_SRTP_NONE;
	media_op_post(s->mw, op);
}

/* No address for c=: settings.rtp.address is a wildcard and the channel named none. */
static int no_addr(const struct media_session *s)
{
	SG_WARNING(TAG, "session %u (%s): no address for SDP: settings.rtp.address is a wildcard and the channel "
			"gave none", s->id, s->name);
	return -EADDRNOTAVAIL;
}

/* What every SDP call checks first: a live session with an address for c=, in
 * the exchange state the call needs (`wrong` otherwise). */
static int ready(const struct media_session *s, int state, int wrong)
{
	if (s->released)
		return -EINVAL;
	if (!s->sdp.addr[0])
		return no_addr(s);
	return (int)s->sdp.state == state ? 0 : wrong;
}

static void set_reason(struct sg_rtp_sdp_info *info, const char *why)
{
	if (info)
		snprintf(info->reason, sizeof(info->reason), "%s", why ? why : "unacceptable SDP");
}

static void set_pending(struct media_session *s, const char *text, size_t len)
{
	free(s->sdp.pending);
	s->sdp.pending = NULL;
	s->sdp.pending_len = 0;
	if (!text)
		return;
	if ((s->sdp.pending = malloc(len + 1))) {
		memcpy(s->sdp.pending, text, len);
		s->sdp.pending[len] = '\0';
		s->sdp.pending_len = len;
	}
}

static void codec_label(const struct sdp_codec *c, char *out, size_t size)
{
	if (c)
		snprintf(out, size, "%s/%u", c->name, (unsigned)c->rate);
	else if (size)
		out[0] = '\0';
}

/* The peer's payload types and ours for the worker's relay. */
static void post_codecs(struct media_session *s, const struct sdp_neg *neg)
{
	struct media_op *op = media_op_new(OP_CODECS, s);
	if (!op) {
		SG_ERROR(TAG, "session %u (%s): out of memory passing its codecs on", s->id, s->name);
		return;
	}
	struct media_codecs *c = &op->codecs;
	c->set = true;
	memset(c->rx_kind, MEDIA_KIND_NONE, sizeof(c->rx_kind));
	memset(c->tx_pt, 255, sizeof(c->tx_pt));
	for (size_t i = 0; i < neg->nfmts; i++) {
		const struct sdp_codec *nc = neg->fmts[i].codec;
		enum media_kind k = kind_of(nc ? table_find(nc->name, strlen(nc->name), nc->rate) : NULL);
		if (k == MEDIA_KIND_NONE)
			continue;
		uint8_t pt = neg->fmts[i].pt & 0x7F;
		c->rx_kind[pt] = (uint8_t)k;
		if (c->tx_pt[k] == 255)
			c->tx_pt[k] = pt;
	}
	if (neg->te_pt >= 0) {
		c->rx_kind[neg->te_pt & 0x7F] = MEDIA_TE;
		c->tx_pt[MEDIA_TE] = (uint8_t)neg->te_pt;
	}
	c->send_kind = (uint8_t)kind_of(s->sdp.send);
	if (c->send_kind < MEDIA_KINDS)
		c->tx_pt[c->send_kind] = neg->pt;
	codec_label(s->sdp.send, c->name, sizeof(c->name));
	media_op_post(s->mw, op);
}

/* Takes what a negotiation settled: codecs, the peer's address, hold. */
static void settle(struct media_session *s, const struct sdp_neg *neg, struct sg_rtp_sdp_info *info)
{
	struct media_sdp *m = &s->sdp;
	m->send = table_find(neg->codec->name, strlen(neg->codec->name), neg->codec->rate);
	m->nfmts = 0;
	for (size_t i = 0; i < neg->nfmts && m->nfmts < sizeof(m->fmts) / sizeof(m->fmts[0]); i++) {
		const struct sdp_codec *c = neg->fmts[i].codec;
		const struct sdp_codec *t = c ? table_find(c->name, strlen(c->name), c->rate) : NULL;
		if (t)
			m->fmts[m->nfmts++] = t;
	}
	m->negotiated = m->send != NULL;
	m->te = neg->te_pt >= 0;
	if (!m->negotiated)
		return;
	/* Keys before codecs: the worker relays nothing in the clear meanwhile. */
	post_srtp(s, neg);
	post_codecs(s, neg);
	const struct sdp_conn *rc = &neg->remote;
	char addr[64];
	if (rc->type != SDP_ADDR_NONE && !rc->is_null && neg->remote_port && rc->addr.l < sizeof(addr)) {
		snprintf(addr, sizeof(addr), "%.*s", (int)rc->addr.l, rc->addr.p);
		/* A name would need DNS, which the loop never waits for: latching
		 * finds the phone from its first packet instead. */
		if (rc->is_name)
			SG_NOTICE(TAG, "session %u (%s): SDP names the host %s; waiting for its RTP instead", s->id,
				  s->name, addr);
		else if (media_set_remote(s, addr, neg->remote_port, neg->remote_rtcp_port))
			SG_NOTICE(TAG, "session %u (%s): cannot send to %s port %u", s->id, s->name, addr,
				  (unsigned)neg->remote_port);
		else {
			snprintf(m->peer_addr, sizeof(m->peer_addr), "%s", addr);
			m->peer_port = neg->remote_port;
		}
	}
	/* A held stream may fall silent; the inactivity timeout applies again once both
	 * directions are back. */
	bool quiet = neg->dir != SDP_SENDRECV;
	if (quiet != m->remote_hold) {
		struct media_op *op = media_op_new(OP_TIMEOUT, s);
		if (op) {
			op->timeout_ms = quiet || m->direct ? 0 : media_cfg.timeout_s * 1000u;
			media_op_post(s->mw, op);
		}
		m->remote_hold = quiet;
	}
	/* RFC 3264 §6.1: a stream we answered recvonly or inactive carries nothing
	 * from us: the worker stops relaying and playing to the phone that holds. */
	bool mute = !(neg->dir & SDP_DIR_SEND);
	if (mute != m->mute) {
		struct media_op *op = media_op_new(OP_MUTE, s);
		if (op) {
			op->mute = mute;
			media_op_post(s->mw, op);
			m->mute = mute;
		}
	}
	if (info)
		codec_label(m->send, info->codec, sizeof(info->codec));
}

int media_remote_offer(struct sg_rtp_session *hs, const char *sdp, size_t len, struct sg_rtp_sdp_info *info)
{
	struct media_session *s = (struct media_session *)hs;
	if (info)
		memset(info, 0, sizeof(*info));
	if (s->released)
		return -EINVAL;
	if (!s->sdp.addr[0])
		return no_addr(s);
	if (s->sdp.state == MEDIA_SDP_LOCAL_OFFER)
		return -EALREADY;
	const char *why = NULL;
	struct sdp_codec order[NCODECS];
	struct sdp_local local;
	struct sdp_neg neg;
	make_local(s, order, codec_order(s, NULL, order), false, &local);
	if (sdp_parse(&scratch_in, sdp, len, &why) ||
	    sdp_answer(&scratch_in, &local, &scratch_out, &neg, &why)) {
		set_reason(info, why);
		return -EPROTO;
	}
	/* The codecs the phone offered, in its order: the other leg's offer lists
	 * them first. */
	const struct sdp_media *am = &scratch_in.media[neg.media];
	s->sdp.ntheir = 0;
	for (size_t i = 0; i < am->nfmts && s->sdp.ntheir < NCODECS; i++) {
		const struct sdp_fmt *f = &am->fmts[i];
		const struct sdp_codec *c = table_find(f->name.p, f->name.l, f->rate);
		if (c && kind_of(c) != MEDIA_TE)
			s->sdp.their_order[s->sdp.ntheir++] = c;
	}
	if (info) {
		info->hold = sdp_is_hold(&scratch_in);
		codec_label(table_find(neg.codec->name, strlen(neg.codec->name), neg.codec->rate), info->codec,
			    sizeof(info->codec));
	}
	set_pending(s, sdp, len);
	if (!s->sdp.pending)
		return -ENOMEM;
	s->sdp.state = MEDIA_SDP_REMOTE_OFFER;
	return 0;
}

static int print(struct media_session *s, const struct sdp_session *d, char *out, size_t size, size_t *len)
{
	int rc = sdp_print_versioned(out, size, len, d, &s->sdp.ver);
	if (rc)
		SG_WARNING(TAG, "session %u (%s): cannot write SDP: %s", s->id, s->name, strerror(-rc));
	return rc;
}

int media_local_answer(struct sg_rtp_session *hs, const struct sg_rtp_session *hprefer, bool hold, char *out,
		       size_t size, size_t *len)
{
	struct media_session *s = (struct media_session *)hs;
	const struct media_session *prefer = (const struct media_session *)hprefer;
	int rc = ready(s, MEDIA_SDP_REMOTE_OFFER, -ENOENT);
	if (rc)
		return rc;
	const char *why = NULL;
	struct sdp_codec order[NCODECS];
	struct sdp_local local;
	struct sdp_neg neg;
	make_local(s, order, codec_order(s, prefer, order), hold, &local);
	if (sdp_parse(&scratch_in, s->sdp.pending, s->sdp.pending_len, &why) ||
	    sdp_answer(&scratch_in, &local, &scratch_out, &neg, &why))
		return -EPROTO; /* remote_offer() accepted it with the same codecs */
	rc = print(s, &scratch_out, out, size, len);
	if (rc)
		return rc;
	settle(s, &neg, NULL);
	set_pending(s, NULL, 0);
	s->sdp.state = MEDIA_SDP_IDLE;
	return 0;
}

/* Writes the offer `local` describes and waits for its answer. */
static int offer_out(struct media_session *s, const struct sdp_local *local, char *out, size_t size, size_t *len)
{
	const char *why = NULL;
	if (sdp_offer(local, &scratch_out, &why)) {
		SG_WARNING(TAG, "session %u (%s): cannot make an SDP offer: %s", s->id, s->name, why);
		return -EINVAL;
	}
	int rc = print(s, &scratch_out, out, size, len);
	if (rc)
		return rc;
	set_pending(s, out, *len);
	if (!s->sdp.pending)
		return -ENOMEM;
	s->sdp.hold_sent = local->hold;
	s->sdp.state = MEDIA_SDP_LOCAL_OFFER;
	return 0;
}

int media_local_offer(struct sg_rtp_session *hs, const struct sg_rtp_session *hprefer, bool hold, char *out,
		      size_t size, size_t *len)
{
	struct media_session *s = (struct media_session *)hs;
	const struct media_session *prefer = (const struct media_session *)hprefer;
	int rc = ready(s, MEDIA_SDP_IDLE, -EALREADY);
	if (rc)
		return rc;
	struct sdp_local local;
	s->sdp.noffered = codec_order(s, prefer, s->sdp.offered);
	make_local(s, s->sdp.offered, s->sdp.noffered, hold, &local);
	/* A re-offer keeps the profile the call settled (a phone that answered
	 * RTP/AVP on a TLS leg is not moved to SRTP midway). */
	if (s->sdp.negotiated && !s->sdp.srtp && !local.srtp_only)
		local.srtp_ok = false;
	if (!local.srtp_ok && prefer && prefer->sdp.srtp)
		SG_NOTICE(TAG, "session %u (%s): the other leg uses SRTP, this one gets RTP: %s", s->id, s->name,
			  local.srtp_refusal ? local.srtp_refusal : "it settled RTP");
	return offer_out(s, &local, out, size, len);
}

int media_remote_answer(struct sg_rtp_session *hs, const char *sdp, size_t len, struct sg_rtp_sdp_info *info)
{
	struct media_session *s = (struct media_session *)hs;
	if (info)
		memset(info, 0, sizeof(*info));
	int rc = ready(s, MEDIA_SDP_LOCAL_OFFER, -ENOENT);
	if (rc)
		return rc;
	const char *why = NULL;
	struct sdp_local local;
	struct sdp_neg neg;
	make_local(s, s->sdp.offered, s->sdp.noffered, s->sdp.hold_sent, &local);
	/* Either way the exchange is over: a bad answer leaves what was agreed before. */
	s->sdp.state = MEDIA_SDP_IDLE;
	if (sdp_parse(&scratch_in, s->sdp.pending, s->sdp.pending_len, &why) ||
	    sdp_parse(&scratch_out, sdp, len, &why) ||
	    sdp_answer_check(&scratch_in, &scratch_out, &local, &neg, &why)) {
		set_reason(info, why);
		rc = -EPROTO;
	} else {
		if (info)
			info->hold = sdp_is_hold(&scratch_out);
		settle(s, &neg, info);
	}
	set_pending(s, NULL, 0);
	return rc;
}

/* --- direct media --- */

static void set_why(char *why, size_t size, const char *fmt, const char *a, const char *b)
{
	if (why && size)
		snprintf(why, size, fmt, a, b);
}

/* Why the session cannot go direct, or NULL. */
static const char *direct_obstacle(const struct media_session *s)
{
	if (s->released)
		return "its session has ended";
	if (!s->sdp.negotiated)
		return "no codec agreed yet";
	if (s->sdp.remote_hold || s->sdp.hold_sent)
		return "on hold";
	if (s->playing || s->recording)
		return s->playing ? "the PBX plays to it" : "the PBX records it";
	if (!s->sdp.peer_port)
		return "its phone's SDP named no address the other phone can reach";
	/* The phones would need each other's keys, which the PBX has not given them. */
	if (s->sdp.srtp)
		return "it uses SRTP (the PBX holds the keys)";
	return NULL;
}

int media_direct_check(const struct sg_rtp_session *hs, const struct sg_rtp_session *hother, char *why,
		       size_t size)
{
	const struct media_session *s = (const struct media_session *)hs;
	const struct media_session *o = (const struct media_session *)hother;
	const char *ws = direct_obstacle(s), *wo = direct_obstacle(o);
	if (ws || wo) {
		set_why(why, size, "%s: %s", ws ? s->name : o->name, ws ? ws : wo);
		return -EPROTO;
	}
	/* Each phone would receive the other's payloads untouched: only when both
	 * send one codec is there nothing for the relay to convert. */
	if (s->sdp.send != o->sdp.send) {
		char a[32], b[32];
		codec_label(s->sdp.send, a, sizeof(a));
		codec_label(o->sdp.send, b, sizeof(b));
		set_why(why, size, "the legs use different codecs (%s and %s): the relay converts", a, b);
		return -EPROTO;
	}
	if (s->family != o->family) {
		set_why(why, size, "%s%s", "one phone uses IPv4 and the other IPv6", "");
		return -EPROTO;
	}
	return 0;
}

/* The telephone-event entry of the table. */
static const struct sdp_codec *table_te(void) { return &codec_table[MEDIA_TE]; }

int media_local_offer_for(struct sg_rtp_session *hs, const struct sg_rtp_session *hother, char *out, size_t size,
			  size_t *len)
{
	struct media_session *s = (struct media_session *)hs;
	const struct media_session *o = (const struct media_session *)hother;
	int rc = ready(s, MEDIA_SDP_IDLE, -EALREADY);
	if (rc)
		return rc;
	if (media_direct_check(hs, hother, NULL, 0))
		return -EPROTO;
	/* Only the codec both phones already send (and digits if both take them),
	 * with our payload types: each phone then sends the other what it expects. */
	s->sdp.noffered = 0;
	s->sdp.offered[s->sdp.noffered++] = *s->sdp.send;
	if (s->sdp.te && o->sdp.te)
		s->sdp.offered[s->sdp.noffered++] = *table_te();
	struct sdp_local local;
	make_local(s, s->sdp.offered, s->sdp.noffered, false, &local);
	local.srtp_ok = local.srtp_only = false; /* direct_check: neither leg uses SRTP */
	local.port = o->sdp.peer_port;
	if (s->family == AF_INET6)
		local.addr6 = o->sdp.peer_addr;
	else
		local.addr4 = o->sdp.peer_addr;
	return offer_out(s, &local, out, size, len);
}

void media_offer_withdraw(struct sg_rtp_session *hs)
{
	struct media_session *s = (struct media_session *)hs;
	if (s->sdp.state != MEDIA_SDP_LOCAL_OFFER)
		return;
	set_pending(s, NULL, 0);
	s->sdp.state = MEDIA_SDP_IDLE;
}

int media_set_direct(struct sg_rtp_session *hs, bool on)
{
	struct media_session *s = (struct media_session *)hs;
	if (s->released)
		return -EINVAL;
	if (s->sdp.direct == on)
		return 0;
	/* While direct no RTP reaches us: the inactivity timeout would end a call
	 * that is fine. Back on the relay it applies again (unless held). */
	struct media_op *op = media_op_new(OP_DIRECT, s);
	if (!op)
		return -ENOMEM;
	op->timeout_ms = on || s->sdp.remote_hold ? 0 : media_cfg.timeout_s * 1000u;
	/* Nothing relayed reaches the phone either: a phone whose stream would
	 * change source midway (the PBX's, then the other phone's, each with its
	 * own sequence numbers) may drop the second as late packets. */
	op->direct = on;
	media_op_post(s->mw, op);
	s->sdp.direct = on;
	return 0;
}

void media_sdp_free(struct media_session *s)
{
	set_pending(s, NULL, 0);
	s->sdp.state = MEDIA_SDP_IDLE;
}

/*
 * sdp_oa.h: the offer/answer model (RFC 3264) as pure functions: answering a remote
 * offer, building the PBX's own offer and checking the answer to it, and telling
 * whether a description puts a stream on hold. What they decide is described in
 * docs/media.md: one audio stream is accepted (the first that can be), with the
 * codecs both sides have and telephone-event when both do; every other m= line is
 * answered with port 0; nothing acceptable is an error whose reason is meant for a
 * "488 Not Acceptable Here".
 *
 * Ownership: the descriptions these functions fill hold views into the offer they
 * answer, into the caller's struct sdp_local (codec names and fmtp strings, the
 * address strings) and into string literals, plus text in the answer's own scratch
 * area: keep all of those alive and unchanged while the result is in use (printed,
 * or read through struct sdp_neg). Nothing is allocated; no global state, so any
 * thread may negotiate, each on its own structs.
 */
#ifndef SDP_OA_H
#define SDP_OA_H

#include "sdp.h"
#include "sdp_crypto.h"
#include "sdp_events.h"

/* One codec the PBX can handle, as it offers it. */
struct sdp_codec {
	const char *name;     /* encoding name: "PCMU", "PCMA", "G722", "telephone-event" */
	uint32_t rate;	      /* RTP clock rate (8000 for G722 too, RFC 3551 §4.5.2) */
	uint8_t channels;     /* 0 or 1: mono */
	uint8_t pt;	      /* static payload type, or the dynamic one we offer (96-127) */
	const char *fmtp;     /* a=fmtp we offer; for telephone-event the events we
				 handle ("0-15"); NULL: none (telephone-event: 0-15) */
};

/* What the PBX brings to a negotiation. */
struct sdp_local {
	const struct sdp_codec *codecs; /* in order of preference; telephone-event among them */
	size_t ncodecs;
	const char *addr4;   /* our media address for IPv4 peers; NULL: none */
	const char *addr6;   /* for IPv6 peers; NULL: none */
	uint16_t port;	     /* RTP port of our audio stream; RTCP on port + 1 */
	bool hold;	     /* we hold the call: we send at most (RFC 3264 §8.4) */
	bool prefer_local;   /* list answered codecs in our order, not the offer's */
	uint32_t ptime;	     /* a=ptime in our offers; 0: none */
	uint32_t ptime_min;  /* an offered ptime is answered within these; 0: 10 */
	uint32_t ptime_max;  /* 0: 60 */
	/*
	 * SRTP (RFC 4568 SDES). srtp_ok: an RTP/SAVP(F) offer may be accepted, and our
	 * offers are RTP/SAVP with an a=crypto line per suite (tag = suite number);
	 * without it such an offer is refused with srtp_refusal. srtp_only: RTP/AVP(F)
	 * streams are refused ("SRTP is required"), and so is making an offer without
	 * srtp_ok. srtp_keys[suite]: our key for that suite (NULL: the suite is not
	 * ours to use); the caller makes them fresh and random.
	 */
	bool srtp_ok;
	bool srtp_only;
	/* Our offers carry the a=crypto lines under RTP/AVP ("best effort" SDES): a
	 * phone that answers with one gets SRTP, one that ignores them plain RTP. */
	bool srtp_best_effort;
	const char *srtp_refusal;
	const uint8_t *srtp_keys[SDP_SRTP_SUITES];
};

/* A payload type of the negotiated stream and our codec for it. */
struct sdp_neg_fmt {
	uint8_t pt;
	const struct sdp_codec *codec;
};

/* What a negotiation settled for the audio stream, from the PBX's side. */
struct sdp_neg {
	size_t media;		       /* index of the audio m= line (same in both) */
	const struct sdp_codec *codec; /* what we send: the answer's first codec */
	uint8_t pt;		       /* ... with this payload type */
	struct sdp_neg_fmt fmts[SDP_MAX_FMTS]; /* every codec of the answer, in its order */
	size_t nfmts;
	int te_pt;		   /* telephone-event payload type; -1: none */
	struct sdp_events te_events; /* events both sides handle */
	struct sdp_conn remote;	   /* where the peer receives RTP */
	uint16_t remote_port;
	struct sdp_conn remote_rtcp; /* where it receives RTCP (a=rtcp, else remote) */
	uint16_t remote_rtcp_port;   /* a=rtcp, else remote_port + 1 */
	enum sdp_dir dir;	     /* SDP_DIR_SEND: we send; SDP_DIR_RECV: we receive */
	uint32_t ptime;		     /* the packet time the peer asked for; 0: none */
	bool remote_hold;	     /* the peer does not want to receive (hold) */
	/* SRTP: the stream is RTP/SAVP(F); what we receive is protected with the
	 * peer's key (rx), what we send with ours (tx), both of one suite. */
	bool srtp;
	struct sdp_crypto srtp_rx, srtp_tx;
};

/*
 * Answers a remote offer: fills answer (to print with sdp_print_versioned()) and neg.
 * 0, or -EINVAL with *why (never NULL) when no audio stream can be accepted ("no
 * common codec", "SRTP is not supported", ...) or local is unusable.
 */
int sdp_answer(const struct sdp_session *offer, const struct sdp_local *local, struct sdp_session *answer,
	       struct sdp_neg *neg, const char **why);

/* Builds the PBX's offer: one audio stream with every local codec. 0 or -EINVAL. */
int sdp_offer(const struct sdp_local *local, struct sdp_session *offer, const char **why);

/*
 * Checks the answer to an offer the PBX made with sdp_offer() and the same local:
 * same m= lines, an audio stream accepted (the first offered with a port that the
 * answer gives a port) with only codecs we offered. Fills neg (the send codec is the
 * first codec of the answer). 0 or -EINVAL with *why.
 */
int sdp_answer_check(const struct sdp_session *offer, const struct sdp_session *answer,
		     const struct sdp_local *local, struct sdp_neg *neg, const char **why);

/* A stream with a port whose sender does not want to receive: sendonly or inactive,
 * or connection address 0.0.0.0 (RFC 3264 §8.4). */
bool sdp_media_is_hold(const struct sdp_session *s, const struct sdp_media *m);
/* Does this description put the call on hold: it has an audio stream with a port,
 * and every such stream is held. */
bool sdp_is_hold(const struct sdp_session *s);

#endif

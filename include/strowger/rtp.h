/*
 * rtp.h: the media module's API, for the channel modules that set up calls. res_rtp
 * registers it as the service "rtp" (service.h); a module that uses it lists
 * "res_rtp" in its depends and gets the table with sg_rtp_api() in its load(). A
 * session is one call leg's media: an even RTP port and the RTCP port above it,
 * bound on a local address and owned by a media worker thread, which does all the
 * socket work; the functions here run on the main thread and only post to it. The
 * caller allocates a session when it writes its SDP (local_port() goes in the m=
 * line), gives it the peer's address from the peer's SDP, bridges two sessions into a
 * relay once both legs are up (packets from one leg's phone go out the other leg's
 * socket to its phone, under one continuous SSRC, sequence and timestamp per
 * direction, with symmetric RTP latching for phones behind NAT and RTCP terminated
 * per leg), and releases it at hang-up. The two sessions of a relay must live on the
 * same worker: create the second leg with `.near` set to the first. If no RTP arrives
 * on a bridged session for settings.rtp.inactivity_timeout seconds, on_event reports
 * SG_RTP_EVENT_TIMEOUT on the main thread, so the owner can hang the call up.
 */
#ifndef STROWGER_RTP_H
#define STROWGER_RTP_H

#include "common.h"
#include "service.h"

#define SG_RTP_SERVICE "rtp"
/* Bumped when struct sg_rtp_api or the structs below change incompatibly. */
#define SG_RTP_API_VERSION 7u

struct sg_rtp_session;
struct sg_rtp_relay;

enum sg_rtp_event {
	SG_RTP_EVENT_TIMEOUT = 1, /* a bridged session received no RTP for the timeout */
	SG_RTP_EVENT_DIGIT,	  /* the phone pressed `digit` (RFC 4733 telephone-event) */
};

/* Runs on the main thread; may release the session. `digit` is '0'-'9', '*', '#',
 * 'A'-'D' or '!' (flash) for SG_RTP_EVENT_DIGIT, else 0. */
typedef void(sg_rtp_event_fn)(struct sg_rtp_session *s, enum sg_rtp_event ev, char digit, void *arg);

/* How a playback or a recording ended. */
enum sg_rtp_end {
	SG_RTP_END_DONE,    /* every file played; a recording stopped by its owner */
	SG_RTP_END_DIGIT,   /* a stop digit was pressed (done->digit) */
	SG_RTP_END_MAX,     /* the recording reached its maximum length */
	SG_RTP_END_SILENCE, /* the recording ended after its silence time */
	SG_RTP_END_ERROR,   /* done->error says why (a file that cannot be read, a full disk) */
};

struct sg_rtp_done {
	enum sg_rtp_end end;
	char digit;	  /* SG_RTP_END_DIGIT */
	uint32_t ms;	  /* audio played, or recorded */
	int err;	  /* SG_RTP_END_ERROR: -errno when there is one */
	char error[200];  /* SG_RTP_END_ERROR: for the log and the dialplan */
	/* A playback: where it stopped, as play_opts.start_file/start_ms take it to go
	 * on from there (music on hold resumes where the caller left it): the index of
	 * the file playing (in files, or in the music class's list) and how far into
	 * it. After the last file of a list that does not loop: nfiles, 0. */
	size_t file;
	uint32_t file_ms;
	/* Files of the list that could not be opened (missing, unreadable) and were
	 * skipped: a playback ends with SG_RTP_END_ERROR only when none could. */
	uint32_t skipped;
};

/* Runs on the main thread, once per play() or record() unless cancelled first. */
typedef void(sg_rtp_done_fn)(struct sg_rtp_session *s, const struct sg_rtp_done *d, void *arg);

struct sg_rtp_play_opts {
	/* Sound files: a path with a '/' as it is, a bare name looked up in
	 * settings.rtp.sounds_dir as <language>/NAME.wav, en/NAME.wav, then NAME.wav,
	 * NAME, en/NAME. Any format and rate libsndfile reads; converted to the call's
	 * codec. A file that cannot be opened is skipped (logged once per name until
	 * a reload); when none can, the playback ends with SG_RTP_END_ERROR. */
	const char *const *files;
	size_t nfiles;
	/* The language to look bare names up in (sg_language_valid, else -EINVAL);
	 * NULL: settings.rtp.language ("en"). */
	const char *language;
	const char *stop_digits; /* digits that end the playback; NULL or "": none */
	bool loop;		 /* start over after the last file (music) */
	bool beep;		 /* a 250 ms 1 kHz beep instead of files */
	bool ringback;		 /* ringback tone (425 Hz, 1 s on, 4 s off) until stopped, instead of files */
	/* Music on hold instead of files: every .wav in sounds_dir/moh/<class>/, in
	 * name order (a class is a folder name: no '/', not starting with '.'). A
	 * folder missing or without a WAV ends the playback with SG_RTP_END_ERROR. */
	const char *moh_class;
	/* Start with this file (taken modulo the number of files) at this offset
	 * (past its end: the next file), as sg_rtp_done.file/file_ms reported. */
	size_t start_file;
	uint32_t start_ms;
};

struct sg_rtp_record_opts {
	const char *path;	 /* the WAV to write (8 kHz mono 16-bit), made atomically */
	uint32_t max_ms;	 /* 0: no limit */
	uint32_t silence_ms;	 /* stop after this much silence; 0: never */
	bool beep;		 /* a beep first, so the caller knows when to speak */
	const char *stop_digits; /* NULL or "": none */
	bool both;		 /* mixed with what the other leg's phone sends, while relayed */
};

struct sg_rtp_session_opts {
	const char *name;       /* for the console and the log: the channel's name */
	const char *local_addr; /* numeric IPv4 or IPv6 to bind; NULL: settings.rtp.address */
	/* Place the session on the same worker as this one (the other leg of the call). */
	const struct sg_rtp_session *near;
	/* The address our SDP gives the peer (c=) when the session is bound to a
	 * wildcard (settings.rtp.address "0.0.0.0" or "::"): the one the peer reaches
	 * the PBX at, such as the address of our SIP Contact. Otherwise the bound
	 * address is used. Without either, the SDP calls fail with -EADDRNOTAVAIL. */
	const char *sdp_addr_hint;
	/* The leg's signalling is encrypted (SIP over TLS, sips:): SRTP keys (SDES,
	 * RFC 4568 a=crypto) may go in its SDP. Per settings.rtp.srtp ("tls", the
	 * default) such a leg is offered RTP/SAVP and may take an RTP/SAVP offer; a
	 * leg without it never carries keys. */
	bool secure;
	sg_rtp_event_fn *on_event;
	void *arg;
};

/* What a description from the peer said, for the SDP calls below. */
struct sg_rtp_sdp_info {
	char reason[96]; /* on -EPROTO: why, fit for the phrase of a 488 and the log */
	bool hold;	 /* the peer holds the call (sendonly, inactive, c=0.0.0.0) */
	char codec[32];	 /* what we send after this negotiation ("PCMU/8000"), or "" */
};

/* A snapshot of one session, as its worker last published it (after each batch of
 * packets and at least every 100 ms). */
struct sg_rtp_stats {
	char name[64];
	unsigned worker;
	char local[64];  /* address:port of the RTP socket; RTCP is the port above */
	char remote[64]; /* where RTP goes: latched or from SDP; "-" when unknown */
	char codec[32];	 /* negotiated send codec ("PCMU/8000"); "" before SDP */
	bool latched, bridged;
	bool direct;	   /* the phones exchange RTP directly (set_direct) */
	uint32_t ssrc_in;  /* the peer's SSRC, last seen */
	uint32_t ssrc_out; /* ours, toward the peer */
	/* Valid RTP taken from the peer, and relayed to it (payload bytes). */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t rx_malformed; /* not RTP: refused by the header checks */
	uint64_t rx_refused;   /* valid RTP or RTCP from a source latching does not allow */
	uint64_t tx_errors;    /* sends the kernel refused (a full socket buffer) */
	uint64_t rx_unknown_pt; /* RTP with a payload type the SDP did not agree on */
	uint64_t tx_converted;  /* packets relayed to this phone in another codec */
	int64_t lost;          /* cumulative loss of what we receive (RFC 3550 A.3) */
	double jitter_ms;      /* interarrival jitter of what we receive (A.8) */
	uint32_t source_switches; /* times the stream we send changed source */
	uint32_t relatches;       /* times latching moved to a new source address */
	/* RTCP: compounds taken and sent, and the peer's last report about our stream. */
	uint64_t rtcp_rx, rtcp_tx;
	bool have_report;
	int32_t remote_lost;
	double remote_fraction_lost; /* 0 to 1, of the peer's last interval */
	double remote_jitter_ms;
	double rtt_ms; /* from LSR/DLSR; -1 when not known */
	/* SRTP: the suite ("AES_CM_128_HMAC_SHA1_80"), "" for plain RTP; packets
	 * (RTP and RTCP) dropped for a failed authentication, and as replays. */
	char srtp[32];
	uint64_t srtp_auth_failed, srtp_replayed;
};

struct sg_rtp_api {
	/*
	 * Allocates a session: a port pair from the range, bound on the local address,
	 * placed on a media worker. 0, or -EADDRNOTAVAIL (no free pair in the range:
	 * answer 503; the log says which range), -EINVAL (a bad address), -ENODEV (no
	 * media workers), -ENOMEM, or a bind() error.
	 */
	int (*session_new)(const struct sg_rtp_session_opts *o, struct sg_rtp_session **out);
	/* The local RTP port, for our SDP. */
	uint16_t (*local_port)(const struct sg_rtp_session *s);
	/* The peer's address from its SDP: a numeric IPv4 or IPv6 address of the
	 * session's family, the RTP port and the RTCP port (0: RTP port + 1). A new
	 * address starts latching again. 0, -EINVAL, -EAFNOSUPPORT. */
	int (*set_remote)(struct sg_rtp_session *s, const char *addr, uint16_t rtp_port, uint16_t rtcp_port);
	/* Relays a's packets to b's peer and b's to a's. 0, or -EBUSY (one of them is in
	 * a relay), -EXDEV (on different workers: create b with .near = a), -EINVAL,
	 * -ENOMEM. *out is the caller's until unbridge(). */
	int (*bridge)(struct sg_rtp_session *a, struct sg_rtp_session *b, struct sg_rtp_relay **out);
	/* Stops relaying and frees the relay; both sessions stay. Releasing a session
	 * stops its relay too, but the relay handle still needs unbridge(). */
	void (*unbridge)(struct sg_rtp_relay *r);
	/* 0, or -EINVAL for a released session. */
	int (*stats)(const struct sg_rtp_session *s, struct sg_rtp_stats *out);
	/* This session's inactivity timeout in seconds (0: never), instead of the
	 * setting's: while a call is on hold its phone may stop sending. The count starts
	 * again. 0, -EINVAL (released, or over a day), -ENOMEM. */
	int (*set_timeout)(struct sg_rtp_session *s, unsigned seconds);
	/*
	 * SDP offer/answer (RFC 3264) for the session's one audio stream; the session
	 * keeps what was agreed (codecs and payload types, the peer's address, hold) and
	 * its own o= version, so every description it writes in a dialog is numbered
	 * right. The text written is NUL-terminated.
	 *
	 * remote_offer() takes an offer from the peer (an INVITE, a re-INVITE, an
	 * UPDATE, or a 2xx to an INVITE without SDP): 0, or -EPROTO when nothing in it is
	 * acceptable (info->reason says why: answer 488; the session stays as it was).
	 * local_answer() then writes our answer to it: the codecs both have, with
	 * `prefer`'s send codec first when `prefer` (the other leg of the call) has one,
	 * so a relayed call needs no transcoding when it can. local_offer() writes our
	 * own offer (every codec we have, those of `prefer`'s offer or negotiation
	 * first) and remote_answer() takes the answer to it (-EPROTO with a reason when
	 * it is not a valid answer). `hold`: we put the peer on hold (we send at most).
	 * Offers and answers alternate: a second offer before the answer is -EALREADY,
	 * an answer with no offer pending -ENOENT. -ENOSPC: `out` is too small.
	 */
	int (*remote_offer)(struct sg_rtp_session *s, const char *sdp, size_t len, struct sg_rtp_sdp_info *info);
	int (*local_answer)(struct sg_rtp_session *s, const struct sg_rtp_session *prefer, bool hold, char *out,
			    size_t size, size_t *len);
	int (*local_offer)(struct sg_rtp_session *s, const struct sg_rtp_session *prefer, bool hold, char *out,
			   size_t size, size_t *len);
	int (*remote_answer)(struct sg_rtp_session *s, const char *sdp, size_t len, struct sg_rtp_sdp_info *info);
	/*
	 * Direct media: the two phones of a call send RTP to each other, the PBX
	 * re-offering each of them the other's address. direct_check() says whether
	 * s and other may go direct: 0, or -EPROTO with `why` (they send different
	 * codecs, so the relay converts; one is on hold, playing or recording; no SDP
	 * address known). local_offer_for() writes an offer for s's phone that names
	 * other's phone as it gave itself in its SDP (c= and port, not a latched
	 * address) with the codec both agreed (and telephone-event if both did), in
	 * s's dialog's o= numbering; remote_answer() then takes the answer. Its
	 * errors are local_offer()'s, and -EPROTO as direct_check()'s (nothing
	 * written). offer_withdraw(): our offer was refused (a non-2xx), the exchange
	 * is over and what was agreed stays. set_direct(): the phones of s and of
	 * the leg relayed to it exchange RTP directly (true; from before the
	 * re-offers, so a phone never sees its stream switch from the PBX's to the
	 * other phone's), or through us again (false): while direct nothing is
	 * relayed to s's phone, there is no inactivity timeout, and the stats say
	 * "direct". 0 or -EINVAL (released), -ENOMEM.
	 */
	int (*direct_check)(const struct sg_rtp_session *s, const struct sg_rtp_session *other, char *why,
			    size_t size);
	int (*local_offer_for)(struct sg_rtp_session *s, const struct sg_rtp_session *other, char *out, size_t size,
			       size_t *len);
	void (*offer_withdraw)(struct sg_rtp_session *s);
	int (*set_direct)(struct sg_rtp_session *s, bool on);
	/*
	 * Media the PBX makes itself, on the session's worker, paced by its 20 ms
	 * tick, in the codec the SDP settled. play() sends sound files (or a beep) to
	 * the phone instead of what a relay would send it (a phone that put its
	 * leg on hold, sendonly or inactive in its SDP, gets nothing: a playback
	 * pauses until it takes the call back); record() writes what the
	 * phone sends to a WAV (a temporary name renamed into place at the end, also
	 * after a write error, so nothing half-written carries the final name). Each
	 * calls `done` once when it ends; a new play() replaces a running one (whose
	 * done reports SG_RTP_END_DONE). 0, -EINVAL (no codec agreed yet, a bad
	 * option), -EBUSY (record: already recording), -ENOMEM. stop() ends both
	 * now and calls their done (SG_RTP_END_DONE); cancel() ends both without
	 * calling them (their owner has gone).
	 */
	int (*play)(struct sg_rtp_session *s, const struct sg_rtp_play_opts *o, sg_rtp_done_fn *done, void *arg);
	int (*record)(struct sg_rtp_session *s, const struct sg_rtp_record_opts *o, sg_rtp_done_fn *done,
		      void *arg);
	void (*stop)(struct sg_rtp_session *s);
	void (*cancel)(struct sg_rtp_session *s);
	/* Sends a digit as RFC 4733 telephone-event (-ENOTSUP: the phone took none). */
	int (*send_digit)(struct sg_rtp_session *s, char digit, unsigned duration_ms);
	/* A digit the phone sent by signalling (SIP INFO): it counts as if it had come
	 * as telephone-event (it ends a playback, reaches call:read_digits()). */
	void (*digit_in)(struct sg_rtp_session *s, char digit);
	/* Ends the playback only (its done reports SG_RTP_END_DONE and where it
	 * stopped); a recording goes on. */
	void (*play_stop)(struct sg_rtp_session *s);
	/* Ends the session (leaving any relay); its worker closes the sockets and the
	 * ports go back to the pool. The pointer is invalid afterwards. */
	void (*release)(struct sg_rtp_session *s);
	/* The port pool: pairs held now and pairs in the range (for overload control:
	 * a PBX whose pool is nearly empty keeps the rest for registered phones). */
	void (*ports_usage)(unsigned *used, unsigned *total);
};

/* The API of the loaded res_rtp, or NULL (not loaded, or another API version). */
static inline const struct sg_rtp_api *sg_rtp_api(void)
{
	return (const struct sg_rtp_api *)sg_service_get(SG_RTP_SERVICE, SG_RTP_API_VERSION);
}

#endif

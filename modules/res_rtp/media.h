/*
 * media.h: res_rtp's private objects and who may touch what. A session's fields fall
 * in three groups: those fixed at creation (read anywhere), those of the main thread
 * (the API's view: released, relay), and those of its worker (sockets after the hand
 * over, latching, sequence tracking, rewriting, RTCP, counters). The worker publishes
 * a copy of its counters under the session's lock for the console and the stats call.
 * The main thread reaches a worker only through ops (struct media_op) queued in
 * order per worker; a worker reaches the main thread through sg_main_post. Sessions
 * and relays are refcounted because both threads hold them.
 */
#ifndef MEDIA_H
#define MEDIA_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <strowger/rtp.h>
#include <strowger/workers.h>

#include "audio_codec.h"
#include "audio_frame.h"
#include "audio_tone.h"
#include "rtp_dtmf.h"
#include "rtp_latch.h"
#include "sdp_oa.h"
#include "sdp_print.h"
#include "srtp.h"
#include "rtp_rewrite.h"
#include "rtp_seq.h"

#define TAG "rtp"

/* Settings (main thread); each session copies what it needs at creation. */
struct media_config {
	char address[64];
	uint16_t first, last; /* RTP port range, whole pairs */
	unsigned timeout_s;   /* 0: no inactivity timeout */
	bool symmetric;
	unsigned rtcp_interval_s; /* 0: send no RTCP */
	char sounds_dir[512];
	char language[16];	  /* settings.rtp.language: the prompts' default */
	/* settings.rtp.srtp: "tls" (SRTP on legs whose SIP is over TLS, RTP elsewhere),
	 * "best_effort" (the same, but our offers on TLS legs are RTP/AVP with
	 * a=crypto, so a TLS phone without SRTP still answers), "off" (RTP only),
	 * "require" (SRTP only: other offers get 488). */
	enum { MEDIA_SRTP_TLS, MEDIA_SRTP_BEST_EFFORT, MEDIA_SRTP_OFF, MEDIA_SRTP_REQUIRE } srtp;
};

struct media_worker;
struct media_relay;

/* The payloads the worker can relay between legs or convert. */
enum media_kind { MEDIA_PCMU, MEDIA_PCMA, MEDIA_TE, MEDIA_KINDS, MEDIA_KIND_NONE = 255 };

/* The frame codec (audio_codec.h) of an audio kind; AUDIO_CODEC_NONE for others. */
static inline enum audio_codec media_audio_codec(uint8_t kind)
{
	return kind == MEDIA_PCMU ? AUDIO_CODEC_PCMU : kind == MEDIA_PCMA ? AUDIO_CODEC_PCMA : AUDIO_CODEC_NONE;
}

/* What an SDP negotiation settled, in the form the relay uses per packet. */
struct media_codecs {
	bool set;		    /* false: no SDP yet, payload types pass untouched */
	uint8_t rx_kind[128];	    /* what the phone's payload type carries, or NONE */
	uint8_t tx_pt[MEDIA_KINDS]; /* our payload type for each kind toward the phone;
				       255: the phone did not agree to receive it */
	uint8_t send_kind;	    /* the audio we convert to when the phone lacks a kind */
	char name[32];		    /* "PCMU/8000", for the console */
};

struct audio_file;
struct audio_rec;

/* A playback on the worker (play.c): files one after the other, or a beep. */
struct media_play {
	unsigned id;	       /* of the play() it serves, for its done event */
	char **files;	       /* resolved on the worker, in order */
	size_t nfiles, next;
	size_t cur;	       /* the index of the file open (f), for the done's position */
	char language[16];     /* bare names are looked up in sounds_dir/<language>/ first */
	uint32_t opened, skipped; /* files of the list opened, and skipped (cannot be opened) */
	char *moh_dir;	       /* music on hold: the folder listed into files on the worker */
	uint32_t seek_ms;      /* where the first file opened starts (start_ms) */
	struct audio_file *f;
	bool loop, beep, ringback;
	struct audio_tone tone;
	uint32_t stop_digits;  /* bit per digit (play.c's digit_bit) */
	uint64_t start_ms, frames; /* pacing: frames sent since start_ms */
	uint64_t paused_ms;    /* since when the phone holds (mute); 0: playing */
	bool then_record;      /* the beep before a recording */
	/* Its owner's, carried to the done event: a playback replaced or stopped
	 * still reports to its own owner, unless cancelled (play_dropped). */
	sg_rtp_done_fn *done;
	void *done_arg;
};

/* A recording on the worker (record.c). Received frames wait in a small queue; the
 * tick writes one per 20 ms, silence when none came, so the file keeps time. */
#define MEDIA_REC_QUEUE 8
struct media_pcm_queue {
	int16_t s[MEDIA_REC_QUEUE * AUDIO_FRAME_MAX];
	unsigned head, len;
};
struct media_rec {
	unsigned id;
	struct audio_rec *r;
	uint32_t stop_digits;
	uint64_t start_ms, frames;
	bool both;			 /* mix in the relayed leg's phone */
	struct media_pcm_queue q[2]; /* this leg's phone, the other's */
};

/* What the PBX itself sends a phone (playback, digits): one RTP source of its own,
 * mapped into the session's output stream like any relayed source. */
struct media_gen {
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	struct rtp_dtmf_tx dtmf;
	bool dtmf_on;
	uint32_t dtmf_ts; /* the event's timestamp */
	uint64_t dtmf_next_ms;
};

/* The main thread's SDP state of a session (negotiate.c). */
struct media_sdp {
	struct sdp_version ver;
	/* The offer in flight: the peer's (to answer) or ours (awaiting an answer). */
	enum { MEDIA_SDP_IDLE, MEDIA_SDP_REMOTE_OFFER, MEDIA_SDP_LOCAL_OFFER } state;
	char *pending;
	size_t pending_len;
	/* The codecs our offer listed, in order (remote_answer() checks against them). */
	struct sdp_codec offered[4];
	size_t noffered;
	bool hold_sent; /* our offer put the peer on hold */
	/* The peer's offer's codecs, in its order (for the other leg's offer). */
	const struct sdp_codec *their_order[4];
	size_t ntheir;
	/* Settled. */
	bool negotiated;
	const struct sdp_codec *send;
	const struct sdp_codec *fmts[4]; /* what both agreed, in the answer's order */
	size_t nfmts;
	bool remote_hold;
	bool mute;     /* our answer sends nothing (the peer holds): see OP_MUTE */
	bool te;       /* telephone-event agreed */
	char addr[64]; /* what our c= says */
	/* Where the peer's SDP said it receives RTP (not a latched address): what an
	 * offer for direct media gives the other leg's phone. "" when unknown. */
	char peer_addr[64];
	uint16_t peer_port;
	/* The phones exchange RTP directly (set_direct): no inactivity timeout. */
	bool direct;
	/* SRTP. secure: the leg's SIP is over TLS (fixed at creation), so a=crypto
	 * keys may go in its SDP. keys: ours per suite, made once per session (a
	 * renegotiation that keeps the suite keeps the key, RFC 4568 §7.1.4). srtp:
	 * what was settled is RTP/SAVP, with this suite. */
	bool secure;
	bool keys_made;
	uint8_t keys[SDP_SRTP_SUITES][SDP_SRTP_KEY_LEN];
	bool srtp;
	enum sdp_srtp_suite srtp_suite;
};

/* What OP_SRTP hands the worker: the keys of both directions, or off. */
struct media_srtp_keys {
	bool on;
	enum sdp_srtp_suite suite;
	uint8_t tx[SDP_SRTP_KEY_LEN]; /* ours: what we send the phone */
	uint8_t rx[SDP_SRTP_KEY_LEN]; /* the phone's: what it sends us */
};

/* Datagrams read per wake-up and socket, so one busy socket cannot hold a worker. */
#define MEDIA_READ_BATCH 32

struct media_session {
	atomic_int refs;
	/* Fixed at creation. */
	unsigned id;
	char name[64];
	char local[64];
	uint16_t port;
	int family;
	struct media_worker *mw;
	sg_rtp_event_fn *on_event;
	void *arg;
	unsigned timeout_ms, rtcp_interval_ms;
	/* Main thread. */
	struct media_session *main_next, **main_prev;
	bool released;
	struct media_relay *relay;
	struct media_sdp sdp;
	/* Main thread: playback and recording owners, digits not yet read. */
	unsigned play_id, rec_id;
	unsigned play_dropped;	 /* playbacks up to this id report nothing (cancel) */
	bool playing, recording; /* until the worker reports the end */
	sg_rtp_done_fn *rec_done;
	void *rec_arg;
	char digits[32];
	size_t ndigits;
	void (*digit_hook)(struct media_session *s, void *arg); /* dp_media.c's read_digits */
	void *digit_arg;
	/* Worker (after OP_ATTACH; the fds are the worker's from then on). */
	int fd_rtp, fd_rtcp;
	struct sg_io *io_rtp, *io_rtcp;
	struct media_session *w_next, **w_prev;
	struct media_session *peer; /* the other leg while relaying */
	bool direct;		    /* the phone takes RTP from the other phone: relay none to it */
	bool mute;		    /* the phone holds (sendonly, inactive): nothing relayed or
				       played to it; a playback waits where it is */
	struct rtp_latch latch;
	struct rtp_source src;
	bool have_src;
	uint32_t clock_rate;    /* of the payload type last received */
	uint32_t tx_clock_rate; /* of what we last relayed to our phone */
	struct rtp_rewrite rw; /* the stream we send to our phone */
	struct media_codecs codecs;
	struct rtp_dtmf_rx dtmf_rx;
	struct media_play *play;
	struct media_rec *rec;
	struct media_gen gen;
	uint64_t last_rx_ms, armed_ms;
	bool timeout_reported;
	uint64_t next_rtcp_ms;
	uint32_t peer_lsr;       /* middle of the peer's last SR's NTP time */
	uint64_t peer_sr_rx_us;  /* when it came (monotonic) */
	struct sg_rtp_stats live;
	/* SRTP contexts (NULL: plain RTP), and when an authentication failure was
	 * last logged (one line per 10 s at most, with the count since). */
	bool srtp_on; /* SRTP agreed: a missing context drops, never sends plain */
	struct media_srtp *srtp_tx, *srtp_rx;
	uint64_t srtp_logged_ms, srtp_logged_fails;
	/* Shared: the worker's last published copy of `live`. */
	pthread_mutex_t lock;
	struct sg_rtp_stats pub;
};

struct media_relay {
	atomic_int refs;
	struct media_session *leg[2]; /* each holds a reference */
	bool linked;                  /* main thread: still relaying */
};

enum media_op_kind {
	OP_ATTACH, OP_REMOTE, OP_TIMEOUT, OP_CODECS, OP_LINK, OP_UNLINK, OP_DETACH,
	OP_PLAY, OP_RECORD, OP_STOP, OP_DIGIT, OP_DIGIT_IN, OP_DIRECT, OP_MUTE, OP_SRTP,
};

struct media_op {
	struct media_op *next;
	enum media_op_kind kind;
	struct media_session *s; /* holds a reference */
	struct media_relay *r;   /* OP_LINK, OP_UNLINK: holds a reference */
	struct sockaddr_storage rtp, rtcp; /* OP_REMOTE */
	unsigned timeout_ms;               /* OP_TIMEOUT, OP_DIRECT */
	struct media_codecs codecs;        /* OP_CODECS */
	struct media_play *play;           /* OP_PLAY (the worker takes it) */
	struct media_rec *rec;             /* OP_RECORD (the worker takes it) */
	char *rec_path;                    /* OP_RECORD */
	uint32_t max_ms, silence_ms;       /* OP_RECORD */
	bool both;                         /* OP_RECORD */
	char digit;                        /* OP_DIGIT */
	unsigned duration_ms;              /* OP_DIGIT */
	bool direct;                       /* OP_DIRECT (with timeout_ms) */
	bool mute;                         /* OP_MUTE */
	bool play_only;                    /* OP_STOP: the playback, not a recording */
	struct media_srtp_keys srtp;       /* OP_SRTP (wiped after use) */
};

/* Events the worker reports beyond rtp.h's: the end of a playback or recording. */
#define MEDIA_EV_PLAY_DONE 100
#define MEDIA_EV_REC_DONE 101

/* An event on its way to the main thread. */
struct media_event {
	struct media_event *next;
	struct media_session *s; /* holds a reference */
	int ev;			 /* enum sg_rtp_event or MEDIA_EV_* */
	char digit;
	unsigned id;		 /* the play or record it ends */
	sg_rtp_done_fn *fn;	 /* a playback's owner */
	void *fn_arg;
	struct sg_rtp_done done;
};

/* One per media worker, made when the first session lands on it. */
struct media_worker {
	struct sg_worker *w;
	unsigned index;
	/* Main thread: ops the worker's queue had no room for yet, in order. */
	struct media_op *out_head, *out_tail;
	/* Worker. */
	bool started;
	struct sg_timer *tick;
	unsigned ticks;
	struct media_session *sessions;
	struct media_event *ev_head, *ev_tail; /* events sg_main_post had no room for */
	/* One recvmmsg() batch: a wake-up reads what is queued in one system call. */
	uint8_t buf[MEDIA_READ_BATCH][2048 + MEDIA_SRTP_ROOM]; /* reads take 2048: room to protect */
	struct sockaddr_storage from[MEDIA_READ_BATCH];
};

/* session.c: refcounting (any thread), the main thread's API, ops. */
struct media_session *media_session_ref(struct media_session *s);
void media_session_unref(struct media_session *s);
void media_relay_unref(struct media_relay *r);
/* Queues an op for the session's worker, in order; never fails (ops wait on the main
 * thread when the worker's queue is full). Takes ownership of op. */
void media_op_post(struct media_worker *mw, struct media_op *op);
/* Main thread: retries ops that waited (a timer while any wait). */
void media_ops_retry(void);
/* Main thread, unload: posts every waiting op, sleeping while a queue is full. */
void media_ops_flush_wait(void);
/* A numeric IPv4 or IPv6 address, port 0: 0 or -EINVAL. */
int media_parse_addr(const char *text, struct sockaddr_storage *out);
extern const struct sg_rtp_api media_api;
/* Posts an op with no payload but the session (OP_TIMEOUT sets timeout_ms after):
 * the op, or NULL on out-of-memory. */
struct media_op *media_op_new(enum media_op_kind kind, struct media_session *s);
/* set_remote() of the API, for negotiate.c. */
int media_set_remote(struct media_session *s, const char *addr, uint16_t rtp_port, uint16_t rtcp_port);

/* negotiate.c: the SDP calls of the API (main thread). */
int media_remote_offer(struct sg_rtp_session *s, const char *sdp, size_t len, struct sg_rtp_sdp_info *info);
int media_local_answer(struct sg_rtp_session *s, const struct sg_rtp_session *prefer, bool hold, char *out,
		       size_t size, size_t *len);
int media_local_offer(struct sg_rtp_session *s, const struct sg_rtp_session *prefer, bool hold, char *out,
		      size_t size, size_t *len);
int media_remote_answer(struct sg_rtp_session *s, const char *sdp, size_t len, struct sg_rtp_sdp_info *info);
int media_direct_check(const struct sg_rtp_session *s, const struct sg_rtp_session *other, char *why,
		       size_t size);
int media_local_offer_for(struct sg_rtp_session *s, const struct sg_rtp_session *other, char *out, size_t size,
			  size_t *len);
void media_offer_withdraw(struct sg_rtp_session *s);
int media_set_direct(struct sg_rtp_session *s, bool on);
/* Frees what the session's SDP state holds (release). */
void media_sdp_free(struct media_session *s);
/* Main thread: the live sessions, for the console. */
struct media_session *media_sessions_first(void);
/* Main thread: releases every session (unload). */
void media_sessions_release_all(void);

/* worker.c: what runs on a worker. */
void media_worker_run_op(void *arg);
/* Posts an event to the main thread (worker thread); `e` may be NULL for one
 * without details, else its fields are copied. */
void media_event_post(struct media_worker *mw, struct media_session *s, int ev, const struct media_event *e);
/* Sends one RTP packet of the PBX's own source to the phone (worker thread). */
void media_send_own(struct media_session *s, uint8_t pt, bool marker, uint32_t ts, const uint8_t *payload,
		    size_t len, uint64_t now_us);

/* play.c (worker thread): playback and digits sent. */
void media_play_start(struct media_session *s, struct media_play *p);
void media_play_free(struct media_play *p);
void media_play_end(struct media_session *s, enum sg_rtp_end end, char digit, const char *error, int err);
void media_play_tick(struct media_session *s, uint64_t now_ms);
void media_digit_send(struct media_session *s, char digit, unsigned duration_ms, uint64_t now_ms);
/* The bit of a digit in a stop set; 0 for anything else. */
uint32_t media_digit_bit(char digit);
uint32_t media_digit_set(const char *digits);
/* record.c (worker thread). */
void media_rec_start(struct media_session *s, struct media_rec *r, const char *path, uint32_t max_ms,
		     uint32_t silence_ms);
/* Audio for s's recording: from its own phone (other = false) or, for a recording
 * of both legs, from the phone of the leg relayed to it. */
void media_rec_audio(struct media_session *s, bool other, uint8_t kind, const uint8_t *payload, size_t len);
void media_rec_tick(struct media_session *s, uint64_t now_ms);
void media_rec_end(struct media_session *s, enum sg_rtp_end end, char digit, const char *error, int err);
/* A digit from the phone (worker thread): ends what it should, tells the main thread. */
void media_digit_received(struct media_session *s, char digit);
/* Main thread: the digit reaches the read buffer, read_digits and the owner. */
void media_digit_deliver(struct media_session *s, char digit);
/* Copies the live counters to the published ones (worker thread). */
void media_publish(struct media_session *s);
/* Closes whatever the worker still has (its last task before unload). */
void media_worker_shutdown(struct media_worker *mw);

/* SRTP on the worker (worker.c). OP_SRTP: keeps a context whose key did not
 * change, makes the others. */
void media_srtp_apply(struct media_session *s, struct media_srtp_keys *k);
/* Unprotects what the phone sent (true: use it), counting and logging failures. */
bool media_srtp_rx(struct media_session *s, uint8_t *buf, size_t *len, bool rtcp);
/* Protects what goes to the phone (true: send it); buf has cap bytes. */
bool media_srtp_tx(struct media_session *s, uint8_t *buf, size_t *len, size_t cap, bool rtcp);

/* report.c: RTCP for a session (worker thread). */
void media_rtcp_received(struct media_session *s, uint8_t *buf, size_t len, const struct sockaddr *from);
/* Sends a report when one is due; `bye` sends RR/SR + BYE now. */
void media_rtcp_tick(struct media_session *s, uint64_t now_ms, bool bye);
uint64_t media_now_us(void);

/* ports.c: the port pool (any thread). */
void media_ports_configure(uint16_t first, uint16_t last);
/* Binds a free even port and the one above on `local` (its port ignored). 0 or -errno. */
int media_ports_bind(const struct sockaddr *local, int *fd_rtp, int *fd_rtcp, uint16_t *port);
/* Closes both sockets and gives the pair back. */
void media_ports_release(uint16_t port, int fd_rtp, int fd_rtcp);
void media_ports_usage(unsigned *used, uint16_t *first, uint16_t *last);
/* Pairs held and pairs in the range (sg_rtp_api.ports_usage). */
void media_ports_count(unsigned *used, unsigned *total);

/* play.c: sounds that could not be opened are logged once per name
 * (a bounded table, any thread); a reload forgets them. */
void media_missing_forget(void);

/* res_rtp.c */
extern struct sg_module *media_self;
extern struct media_config media_cfg;
extern bool media_unloading;
extern char media_sounds_dir[512];
/* Main thread: the worker contexts, made when the first session needs one. The
 * least loaded worker's, or NULL when there are no media workers. */
struct media_worker *media_worker_pick(void);
unsigned media_workers_n(void);
struct media_worker *media_worker_at(unsigned i);

/* dp_media.c: call:playback(), call:record(), call:read_digits(). */
int media_dp_register(struct sg_module *m);
/* session.c: the main thread's side of media the PBX makes. */
int media_play(struct sg_rtp_session *s, const struct sg_rtp_play_opts *o, sg_rtp_done_fn *done, void *arg);
int media_record(struct sg_rtp_session *s, const struct sg_rtp_record_opts *o, sg_rtp_done_fn *done, void *arg);
void media_cancel(struct sg_rtp_session *s);
/* Takes the oldest digit not yet read, or 0. */
char media_take_digit(struct media_session *s);

/* bridge.c: the "rtp-relay" bridge technology. */
int media_bridge_register(struct sg_module *m);
void media_bridge_unregister(void);

/* console.c */
int media_console_register(struct sg_module *m);
void media_console_unregister(void);

#endif

/*
 * worker.c: what a media worker does with its sessions: runs the ops the main thread
 * posts (attach, remote address, link, unlink, detach), reads the sockets, relays
 * RTP to the other leg with its header rewritten, and once per tick checks for
 * inactivity, sends RTCP that is due, publishes counters and retries events the
 * main thread's queue had no room for. Everything here runs on the session's worker.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <strowger/log.h>
#include <strowger/loop.h>

#include "audio_codec.h"
#include "media.h"
#include "rtcp_packet.h"
#include "rtp_packet.h"

/* Playback and recording move one 20 ms frame per tick; timeouts, RTCP and
 * counters are looked at every fifth. */
#define TICK_MS 20
#define SLOW_TICKS 5

void media_publish(struct media_session *s)
{
	pthread_mutex_lock(&s->lock);
	s->pub = s->live;
	pthread_mutex_unlock(&s->lock);
}

static void refresh_remote(struct media_session *s)
{
	const struct sockaddr *dest = rtp_latch_rtp_dest(&s->latch);
	if (dest)
		rtp_addr_str(dest, s->live.remote, sizeof(s->live.remote));
	s->live.latched = s->latch.symmetric && s->latch.latched;
	s->live.relatches = s->latch.relatches;
}

/* --- events to the main thread --- */

/* Main thread: a digit the phone sent, by RTP or (digit_in) by signalling. */
void media_digit_deliver(struct media_session *s, char digit)
{
	if (s->ndigits == sizeof(s->digits)) {
		memmove(s->digits, s->digits + 1, sizeof(s->digits) - 1);
		s->ndigits--;
	}
	s->digits[s->ndigits++] = digit;
	if (s->digit_hook)
		s->digit_hook(s, s->digit_arg);
	if (!s->released && s->on_event)
		s->on_event((struct sg_rtp_session *)s, SG_RTP_EVENT_DIGIT, digit, s->arg);
}

/* Main thread: the end of a play() goes to its owner unless the owner cancelled;
 * a record()'s unless a newer one replaced it or the owner cancelled. */
static void deliver_done(struct media_session *s, const struct media_event *e)
{
	if (e->ev == MEDIA_EV_PLAY_DONE) {
		if (e->id == s->play_id)
			s->playing = false;
		if (e->fn && e->id > s->play_dropped)
			e->fn((struct sg_rtp_session *)s, &e->done, e->fn_arg);
		return;
	}
	if (e->id == s->rec_id)
		s->recording = false;
	sg_rtp_done_fn *fn = s->rec_done;
	if (!fn || e->id != s->rec_id)
		return;
	s->rec_done = NULL;
	fn((struct sg_rtp_session *)s, &e->done, s->rec_arg);
}

static void deliver(void *arg)
{
	struct media_event *e = arg;
	struct media_session *s = e->s;
	if (!media_unloading && !s->released) {
		if (e->ev == MEDIA_EV_PLAY_DONE || e->ev == MEDIA_EV_REC_DONE)
			deliver_done(s, e);
		else if (e->ev == SG_RTP_EVENT_DIGIT)
			media_digit_deliver(s, e->digit);
		else if (s->on_event)
			s->on_event((struct sg_rtp_session *)s, (enum sg_rtp_event)e->ev, 0, s->arg);
	}
	media_session_unref(s);
	free(e);
}

void media_event_post(struct media_worker *mw, struct media_session *s, int ev, const struct media_event *from)
{
	struct media_event *e = calloc(1, sizeof(*e));
	if (!e) {
		SG_ERROR(TAG, "session %u (%s): out of memory reporting an event", s->id, s->name);
		return;
	}
	if (from)
		*e = *from;
	e->next = NULL;
	e->s = media_session_ref(s);
	e->ev = ev;
	if (!mw->ev_head && sg_main_post(deliver, e) == 0)
		return;
	/* The main queue is full: keep the order, the next tick tries again. */
	if (mw->ev_tail)
		mw->ev_tail->next = e;
	else
		mw->ev_head = e;
	mw->ev_tail = e;
}

static void retry_events(struct media_worker *mw)
{
	while (mw->ev_head && sg_main_post(deliver, mw->ev_head) == 0) {
		mw->ev_head = mw->ev_head->next;
		if (!mw->ev_head)
			mw->ev_tail = NULL;
	}
}

/* --- receiving and relaying --- */

/*
 * Makes a packet from one leg's phone fit the other's negotiation: the same codec
 * under the payload type the other phone agreed to, or the audio converted to the
 * codec it receives. False: drop it (a payload type neither SDP agreed on, or
 * telephone-event toward a phone that takes none).
 */
static bool fit_payload(struct media_session *in, struct media_session *out, uint8_t *buf, const struct rtp_hdr *h)
{
	if (!in->codecs.set || !out->codecs.set)
		return true; /* no SDP (the console's sessions): relay as it comes */
	uint8_t kind = in->codecs.rx_kind[h->pt];
	if (kind == MEDIA_KIND_NONE) {
		in->live.rx_unknown_pt++;
		return false;
	}
	uint8_t pt = out->codecs.tx_pt[kind];
	if (pt != 255) {
		rtp_put_pt(buf, pt);
		return true;
	}
	uint8_t to = out->codecs.send_kind;
	if (kind == MEDIA_TE || to == MEDIA_KIND_NONE || out->codecs.tx_pt[to] == 255)
		return false;
	const uint8_t *table = kind == MEDIA_PCMU && to == MEDIA_PCMA   ? audio_ulaw_to_alaw
			       : kind == MEDIA_PCMA && to == MEDIA_PCMU ? audio_alaw_to_ulaw
									: NULL;
	if (!table)
		return false;
	uint8_t *p = buf + h->header_len;
	for (size_t i = 0; i < h->payload_len; i++)
		p[i] = table[p[i]];
	rtp_put_pt(buf, out->codecs.tx_pt[to]);
	out->live.tx_converted++;
	return true;
}

/* What the PBX itself does with a phone's packet besides relaying it: digits from
 * telephone-event (each reported once, RFC 4733 §2.5), audio for a recording. */
static void take_locally(struct media_session *s, const struct rtp_hdr *h, uint64_t now_us)
{
	uint8_t kind = s->codecs.rx_kind[h->pt];
	if (kind == MEDIA_TE) {
		struct rtp_dtmf_report rep[RTP_DTMF_MAX_REPORTS];
		struct rtp_dtmf_pkt p = {.ts = h->ts, .seq = h->seq, .marker = h->marker, .payload = h->payload,
					 .len = h->payload_len, .now_ms = now_us / 1000};
		int n = rtp_dtmf_rx_packet(&s->dtmf_rx, &p, rep);
		for (int i = 0; i < n; i++)
			if (rep[i].kind == RTP_DTMF_BEGIN)
				media_digit_received(s, rep[i].digit);
	} else if (kind != MEDIA_KIND_NONE) {
		if (s->rec)
			media_rec_audio(s, false, kind, h->payload, h->payload_len);
		if (s->peer && s->peer->rec && s->peer->rec->both)
			media_rec_audio(s->peer, true, kind, h->payload, h->payload_len);
	}
}

static void rx_rtp(struct media_session *s, uint8_t *buf, size_t n, const struct sockaddr *from, uint64_t now_us)
{
	struct rtp_hdr h;
	/* SRTP is checked before anything else looks at the packet: latching
	 * must not follow a forged one. */
	if (s->srtp_on && !media_srtp_rx(s, buf, &n, false))
		return;
	if (rtp_parse(buf, n, &h) != RTP_OK) {
		s->live.rx_malformed++;
		return;
	}
	switch (rtp_latch_rtp(&s->latch, from, h.seq, now_us / 1000)) {
	case RTP_LATCH_DROP:
		s->live.rx_refused++;
		return;
	case RTP_LATCH_LEARNED:
		refresh_remote(s);
		SG_INFO(TAG, "session %u (%s): RTP from %s, sending there", s->id, s->name, s->live.remote);
		break;
	case RTP_LATCH_ACCEPT:
		break;
	}
	if (!s->have_src || s->src.ssrc != h.ssrc) {
		rtp_source_init(&s->src, h.ssrc, h.seq);
		s->have_src = true;
		s->live.ssrc_in = h.ssrc;
	}
	rtp_source_update(&s->src, h.seq);
	s->clock_rate = rtp_clock_rate(h.pt, 8000);
	rtp_source_jitter(&s->src, (uint32_t)(now_us * s->clock_rate / 1000000u), h.ts);
	s->live.rx_packets++;
	s->live.rx_bytes += h.payload_len;
	s->live.lost = rtp_source_lost(&s->src);
	s->live.jitter_ms = rtp_source_jitter_units(&s->src) * 1000.0 / s->clock_rate;
	s->last_rx_ms = now_us / 1000;
	s->timeout_reported = false;
	if (s->codecs.set)
		take_locally(s, &h, now_us);

	/* While the PBX plays to the other phone, that is what it hears. */
	struct media_session *out = s->peer;
	const struct sockaddr *dest =
		out && !out->play && !out->direct && !out->mute ? rtp_latch_rtp_dest(&out->latch) : NULL;
	if (!dest)
		return;
	uint16_t seq = h.seq;
	uint32_t ts = h.ts;
	bool marker = h.marker;
	if (!fit_payload(s, out, buf, &h))
		return;
	if (!rtp_rewrite_apply(&out->rw, h.ssrc, &seq, &ts, &marker, now_us, s->clock_rate))
		return;
	/* Only the header changes: the payload goes out as it came. */
	rtp_put_seq(buf, seq);
	rtp_put_ts(buf, ts);
	rtp_put_ssrc(buf, out->rw.ssrc_out);
	rtp_put_marker(buf, marker);
	/* The worker's buffers keep MEDIA_SRTP_ROOM free past a datagram read. */
	if (out->srtp_on && !media_srtp_tx(out, buf, &n, n + MEDIA_SRTP_ROOM, false))
		return;
	if (sendto(out->fd_rtp, buf, n, MSG_DONTWAIT, dest, rtp_addr_len(dest)) < 0) {
		out->live.tx_errors++;
		return;
	}
	out->tx_clock_rate = s->clock_rate;
	out->live.tx_packets++;
	out->live.tx_bytes += h.payload_len;
	out->live.source_switches = out->rw.switches;
}

void media_send_own(struct media_session *s, uint8_t pt, bool marker, uint32_t ts, const uint8_t *payload,
		    size_t len, uint64_t now_us)
{
	const struct sockaddr *dest = rtp_latch_rtp_dest(&s->latch);
	uint16_t seq = s->gen.seq++;
	if (!dest || !rtp_rewrite_apply(&s->rw, s->gen.ssrc, &seq, &ts, &marker, now_us, 8000))
		return;
	uint8_t buf[12 + AUDIO_FRAME_MAX * 2 + MEDIA_SRTP_ROOM];
	struct rtp_hdr h = {.marker = marker, .pt = pt, .seq = seq, .ts = ts, .ssrc = s->rw.ssrc_out};
	size_t n = rtp_build(buf, sizeof(buf) - MEDIA_SRTP_ROOM, &h, payload, len);
	if (!n || (s->srtp_on && !media_srtp_tx(s, buf, &n, sizeof(buf), false)))
		return;
	if (sendto(s->fd_rtp, buf, n, MSG_DONTWAIT, dest, rtp_addr_len(dest)) < 0) {
		s->live.tx_errors++;
		return;
	}
	s->live.tx_packets++;
	s->live.tx_bytes += len;
	s->live.source_switches = s->rw.switches;
}

/* Reads what is queued, up to a batch, in one system call (level-triggered: a
 * longer queue wakes the worker again), and handles each datagram. */
static void read_socket(struct media_session *s, int fd, bool rtcp)
{
	struct media_worker *mw = s->mw;
	struct mmsghdr msgs[MEDIA_READ_BATCH];
	struct iovec iov[MEDIA_READ_BATCH];
	for (int i = 0; i < MEDIA_READ_BATCH; i++) {
		iov[i] = (struct iovec){mw->buf[i], sizeof(mw->buf[i]) - MEDIA_SRTP_ROOM};
		msgs[i].msg_hdr = (struct msghdr){.msg_name = &mw->from[i], .msg_namelen = sizeof(mw->from[i]),
						  .msg_iov = &iov[i], .msg_iovlen = 1};
	}
	int n = recvmmsg(fd, msgs, MEDIA_READ_BATCH, MSG_DONTWAIT, NULL);
	/* An ICMP error from an earlier send surfaces here once: read again. */
	if (n < 0 && (errno == ECONNREFUSED || errno == EINTR))
		n = recvmmsg(fd, msgs, MEDIA_READ_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	uint64_t now_us = media_now_us();
	for (int i = 0; i < n; i++) {
		if (rtcp)
			media_rtcp_received(s, mw->buf[i], msgs[i].msg_len, (struct sockaddr *)&mw->from[i]);
		else
			rx_rtp(s, mw->buf[i], msgs[i].msg_len, (struct sockaddr *)&mw->from[i], now_us);
	}
	media_publish(s);
	if (s->peer)
		media_publish(s->peer);
}

static void on_rtp(struct sg_io *io, int fd, unsigned events, void *arg)
{
	(void)io;
	(void)events;
	read_socket(arg, fd, false);
}

static void on_rtcp(struct sg_io *io, int fd, unsigned events, void *arg)
{
	(void)io;
	(void)events;
	read_socket(arg, fd, true);
}

/* --- the tick --- */

static void check_timeout(struct media_worker *mw, struct media_session *s, uint64_t now_ms)
{
	if (!s->peer || !s->timeout_ms || s->timeout_reported)
		return;
	uint64_t since = s->last_rx_ms > s->armed_ms ? s->last_rx_ms : s->armed_ms;
	if (now_ms - since < s->timeout_ms)
		return;
	s->timeout_reported = true;
	SG_NOTICE(TAG, "session %u (%s): no RTP for %u s", s->id, s->name, s->timeout_ms / 1000);
	media_event_post(mw, s, SG_RTP_EVENT_TIMEOUT, NULL);
}

static void tick(struct sg_timer *t, void *arg)
{
	(void)t;
	struct media_worker *mw = arg;
	uint64_t now_ms = media_now_us() / 1000;
	bool slow = ++mw->ticks % SLOW_TICKS == 0;
	for (struct media_session *s = mw->sessions; s; s = s->w_next) {
		struct rtp_dtmf_report rep;
		if (rtp_dtmf_rx_poll(&s->dtmf_rx, now_ms, &rep) > 0 && rep.kind == RTP_DTMF_BEGIN)
			media_digit_received(s, rep.digit);
		if (s->play || s->gen.dtmf_on)
			media_play_tick(s, now_ms);
		if (s->rec)
			media_rec_tick(s, now_ms);
		if (!slow)
			continue;
		check_timeout(mw, s, now_ms);
		media_rtcp_tick(s, now_ms, false);
		media_publish(s);
	}
	if (slow)
		retry_events(mw);
}

/* --- ops --- */

static bool attached(const struct media_session *s)
{
	return s->w_prev != NULL;
}

static void attach(struct media_session *s)
{
	struct media_worker *mw = s->mw;
	struct sg_loop *loop = sg_worker_loop(mw->w);
	if (!mw->started) {
		mw->tick = sg_timer_start(loop, media_self, TICK_MS, TICK_MS, tick, mw);
		mw->started = mw->tick != NULL;
	}
	s->io_rtp = sg_io_watch(loop, media_self, s->fd_rtp, SG_IO_READ, on_rtp, s);
	s->io_rtcp = sg_io_watch(loop, media_self, s->fd_rtcp, SG_IO_READ, on_rtcp, s);
	if (!s->io_rtp || !s->io_rtcp || !mw->started)
		SG_ERROR(TAG, "session %u (%s): out of memory watching its sockets", s->id, s->name);
	s->w_next = mw->sessions;
	s->w_prev = &mw->sessions;
	if (mw->sessions)
		mw->sessions->w_prev = &s->w_next;
	mw->sessions = media_session_ref(s);
	uint64_t now_ms = media_now_us() / 1000;
	s->last_rx_ms = now_ms;
	s->next_rtcp_ms = now_ms + s->rtcp_interval_ms / 2;
	rtp_dtmf_rx_init(&s->dtmf_rx, 8000);
	/* The PBX's own source: its first numbers random like any sender's. */
	s->gen.ssrc = s->rw.ssrc_out ^ 0x5a5a5a5au;
	s->gen.seq = (uint16_t)(s->rw.ssrc_out >> 7);
	s->gen.ts = s->rw.ssrc_out * 2654435761u;
}

static void detach(struct media_session *s)
{
	if (!attached(s))
		return;
	if (s->peer) {
		s->peer->peer = NULL;
		s->peer = NULL;
	}
	if (s->play)
		media_play_end(s, SG_RTP_END_DONE, 0, NULL, 0);
	if (s->rec)
		media_rec_end(s, SG_RTP_END_DONE, 0, NULL, 0);
	media_rtcp_tick(s, media_now_us() / 1000, true); /* BYE */
	media_srtp_free(s->srtp_tx);
	media_srtp_free(s->srtp_rx);
	s->srtp_tx = s->srtp_rx = NULL;
	s->srtp_on = false;
	s->io_rtp = sg_io_free(s->io_rtp);
	s->io_rtcp = sg_io_free(s->io_rtcp);
	media_ports_release(s->port, s->fd_rtp, s->fd_rtcp);
	s->fd_rtp = s->fd_rtcp = -1;
	*s->w_prev = s->w_next;
	if (s->w_next)
		s->w_next->w_prev = s->w_prev;
	s->w_prev = NULL;
	s->live.bridged = false;
	media_publish(s);
	sg_worker_load_add(s->mw->w, -1);
	media_session_unref(s);
}

static void link_legs(struct media_relay *r)
{
	struct media_session *a = r->leg[0], *b = r->leg[1];
	if (!attached(a) || !attached(b) || a->peer || b->peer)
		return;
	uint64_t now_ms = media_now_us() / 1000;
	a->peer = b;
	b->peer = a;
	for (int i = 0; i < 2; i++) {
		r->leg[i]->armed_ms = now_ms;
		r->leg[i]->timeout_reported = false;
		r->leg[i]->live.bridged = true;
		media_publish(r->leg[i]);
	}
}

static void unlink_legs(struct media_relay *r)
{
	struct media_session *a = r->leg[0], *b = r->leg[1];
	if (a->peer != b)
		return;
	a->peer = b->peer = NULL;
	a->live.bridged = b->live.bridged = false;
	media_publish(a);
	media_publish(b);
}

void media_worker_run_op(void *arg)
{
	struct media_op *op = arg;
	switch (op->kind) {
	case OP_ATTACH:
		attach(op->s);
		break;
	case OP_REMOTE:
		rtp_latch_set_sdp(&op->s->latch, (struct sockaddr *)&op->rtp, (struct sockaddr *)&op->rtcp);
		refresh_remote(op->s);
		media_publish(op->s);
		break;
	case OP_DIRECT:
		op->s->direct = op->direct;
		/* and the inactivity timeout that goes with it */
		__attribute__((fallthrough));
	case OP_TIMEOUT:
		op->s->timeout_ms = op->timeout_ms;
		op->s->armed_ms = media_now_us() / 1000;
		op->s->timeout_reported = false;
		break;
	case OP_MUTE:
		op->s->mute = op->mute;
		break;
	case OP_SRTP:
		media_srtp_apply(op->s, &op->srtp);
		break;
	case OP_CODECS:
		op->s->codecs = op->codecs;
		snprintf(op->s->live.codec, sizeof(op->s->live.codec), "%s", op->codecs.name);
		media_publish(op->s);
		break;
	case OP_LINK:
		link_legs(op->r);
		break;
	case OP_UNLINK:
		unlink_legs(op->r);
		break;
	case OP_DETACH:
		detach(op->s);
		break;
	case OP_PLAY:
		if (attached(op->s))
			media_play_start(op->s, op->play);
		else
			media_play_free(op->play);
		op->play = NULL;
		break;
	case OP_RECORD:
		if (attached(op->s))
			media_rec_start(op->s, op->rec, op->rec_path, op->max_ms, op->silence_ms);
		else
			free(op->rec);
		op->rec = NULL;
		free(op->rec_path);
		break;
	case OP_STOP:
		if (op->s->play)
			media_play_end(op->s, SG_RTP_END_DONE, 0, NULL, 0);
		if (op->s->rec && !op->play_only)
			media_rec_end(op->s, SG_RTP_END_DONE, 0, NULL, 0);
		break;
	case OP_DIGIT:
		if (attached(op->s))
			media_digit_send(op->s, op->digit, op->duration_ms, media_now_us() / 1000);
		break;
	case OP_DIGIT_IN:
		if (attached(op->s))
			media_digit_received(op->s, op->digit);
		break;
	}
	if (op->s)
		media_session_unref(op->s);
	if (op->r)
		media_relay_unref(op->r);
	free(op);
}

void media_worker_shutdown(struct media_worker *mw)
{
	while (mw->sessions)
		detach(mw->sessions);
	mw->tick = sg_timer_free(mw->tick);
	mw->started = false;
	while (mw->ev_head) {
		struct media_event *e = mw->ev_head;
		mw->ev_head = e->next;
		media_session_unref(e->s);
		free(e);
	}
	mw->ev_tail = NULL;
}

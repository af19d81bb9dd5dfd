/*
 * report.c: RTCP, terminated per leg. The relay rewrites SSRCs, sequence numbers and
 * timestamps, so the phones' own reports would describe streams the other phone
 * never sees; instead each session reports to its phone about what it receives from
 * it and what it sends it (an SR once it has relayed packets, else an RR, with an
 * SDES CNAME as RFC 3550 §6.1 asks), every rtcp_interval seconds randomised by
 * ±50 % (§6.3.1), and BYE when it ends. What the phone reports about our stream
 * (loss, jitter, and from LSR/DLSR the round-trip time) goes into the counters.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <strowger/log.h>

#include "media.h"
#include "rtcp_packet.h"

uint64_t media_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The next interval, between half and one and a half times the setting. */
static uint64_t next_interval(struct media_session *s)
{
	static _Thread_local uint32_t x = 0x9E3779B9u;
	x ^= s->rw.ssrc_out;
	if (!x) /* xorshift stays at 0 once there */
		x = 0x9E3779B9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return s->rtcp_interval_ms / 2 + (s->rtcp_interval_ms ? x % s->rtcp_interval_ms : 0);
}

void media_rtcp_received(struct media_session *s, uint8_t *buf, size_t len, const struct sockaddr *from)
{
	struct rtcp_summary sum;
	if (s->srtp_on && !media_srtp_rx(s, buf, &len, true))
		return;
	if (rtcp_summarize(buf, len, &sum) != RTCP_OK) {
		s->live.rx_malformed++;
		return;
	}
	if (!rtp_latch_rtcp(&s->latch, from)) {
		s->live.rx_refused++;
		return;
	}
	s->live.rtcp_rx++;
	if (sum.has_sr) {
		s->peer_lsr = rtcp_ntp_mid(sum.sr.ntp);
		s->peer_sr_rx_us = media_now_us();
	}
	const struct rtcp_block *b = rtcp_summary_block(&sum, s->rw.ssrc_out);
	if (b) {
		struct sg_rtp_stats *st = &s->live;
		st->have_report = true;
		st->remote_lost = b->lost;
		st->remote_fraction_lost = b->fraction / 256.0;
		st->remote_jitter_ms = b->jitter * 1000.0 / s->tx_clock_rate;
		int64_t rtt = rtcp_rtt_us(b, rtcp_ntp_mid(rtcp_ntp_from_us(wall_us())));
		st->rtt_ms = rtt < 0 ? -1 : (double)rtt / 1000.0;
	}
	if (sum.bye)
		SG_INFO(TAG, "session %u (%s): the phone sent RTCP BYE", s->id, s->name);
}

void media_rtcp_tick(struct media_session *s, uint64_t now_ms, bool bye)
{
	if (!bye && (!s->rtcp_interval_ms || now_ms < s->next_rtcp_ms))
		return;
	s->next_rtcp_ms = now_ms + next_interval(s);
	/* A BYE only from a session that took part (§6.6). */
	if (bye && !s->live.tx_packets && !s->live.rtcp_tx)
		return;
	struct sockaddr_storage scratch;
	const struct sockaddr *dest = rtp_latch_rtcp_dest(&s->latch, &scratch);
	if (!dest)
		return;
	/* Room past the compound for the SRTCP trailer. */
	uint8_t pkt[256 + MEDIA_SRTP_ROOM];
	const size_t cap = 256;
	size_t n;
	uint64_t now_us = media_now_us();
	struct rtcp_block block;
	unsigned nblocks = 0;
	if (s->have_src && s->src.valid) {
		uint32_t dlsr = 0;
		if (s->peer_lsr)
			dlsr = (uint32_t)(((now_us - s->peer_sr_rx_us) << 16) / 1000000u);
		rtp_source_report(&s->src, s->peer_lsr, dlsr, &block);
		nblocks = 1;
	}
	uint32_t ssrc = s->rw.ssrc_out;
	if (s->live.tx_packets) {
		struct rtcp_sender snd = {
			.ssrc = ssrc,
			.ntp = rtcp_ntp_from_us(wall_us()),
			.rtp_ts = rtp_rewrite_ts_at(&s->rw, now_us, s->tx_clock_rate),
			.packets = (uint32_t)s->live.tx_packets,
			.octets = (uint32_t)s->live.tx_bytes,
		};
		n = rtcp_build_sr(pkt, cap, &snd, &block, nblocks);
	} else {
		n = rtcp_build_rr(pkt, cap, ssrc, &block, nblocks);
	}
	char cname[80];
	int cl = snprintf(cname, sizeof(cname), "strowger@%s", s->local);
	n += rtcp_build_sdes_cname(pkt + n, cap - n, ssrc, cname, (size_t)cl < sizeof(cname) ? (size_t)cl : 0);
	if (bye)
		n += rtcp_build_bye(pkt + n, cap - n, &ssrc, 1, NULL);
	if (s->srtp_on && !media_srtp_tx(s, pkt, &n, sizeof(pkt), true))
		return;
	if (sendto(s->fd_rtcp, pkt, n, MSG_DONTWAIT, dest, rtp_addr_len(dest)) == (ssize_t)n)
		s->live.rtcp_tx++;
}

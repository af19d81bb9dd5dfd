/* rtp_seq.c: per-source sequence, loss and jitter bookkeeping (RFC 3550 A.1, A.3, A.8). */
#include <string.h>

#include "rtp_seq.h"

#define SEQ_MOD (1u << 16)

/* Starts counting afresh from `seq`, as if it were the first packet. */
static void restart(struct rtp_source *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = SEQ_MOD + 1; /* matches no 16-bit number */
	s->cycles = 0;
	s->received = 0;
	s->received_prior = 0;
	s->expected_prior = 0;
}

void rtp_source_init(struct rtp_source *s, uint32_t ssrc, uint16_t seq)
{
	memset(s, 0, sizeof(*s));
	s->ssrc = ssrc;
	restart(s, seq);
	/* The first packet is the one before `seq` in the probation count. */
	s->max_seq = (uint16_t)(seq - 1);
	s->probation = RTP_MIN_SEQUENTIAL;
}

bool rtp_source_update(struct rtp_source *s, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);

	if (s->probation) {
		/* A new source is believed once MIN_SEQUENTIAL packets came in order. */
		if (seq == (uint16_t)(s->max_seq + 1)) {
			s->probation--;
			s->max_seq = seq;
			if (s->probation == 0) {
				restart(s, seq);
				s->received++;
				s->valid = true;
				return true;
			}
		} else {
			s->probation = RTP_MIN_SEQUENTIAL - 1;
			s->max_seq = seq;
		}
		return false;
	}
	if (udelta < RTP_MAX_DROPOUT) {
		/* In order, possibly with a gap: a smaller number than before means a wrap. */
		if (seq < s->max_seq)
			s->cycles += SEQ_MOD;
		s->max_seq = seq;
	} else if (udelta <= SEQ_MOD - RTP_MAX_MISORDER) {
		/* A jump too large for loss: believed only when the next packet follows it
		 * (the sender restarted its numbering without a new SSRC). */
		if (seq == s->bad_seq) {
			restart(s, seq);
			s->resyncs++;
		} else {
			s->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
			return false;
		}
	} else {
		s->reordered++; /* a duplicate or a late packet: counted, not a new maximum */
	}
	s->received++;
	return true;
}

void rtp_source_jitter(struct rtp_source *s, uint32_t arrival, uint32_t ts)
{
	uint32_t transit = arrival - ts;
	if (!s->have_transit) {
		s->transit = transit;
		s->have_transit = true;
		return;
	}
	int32_t d = (int32_t)(transit - s->transit);
	s->transit = transit;
	uint32_t ad = d < 0 ? (uint32_t)(-(int64_t)d) : (uint32_t)d;
	/* J += (|D| - J) / 16, kept scaled by 16 so the division rounds well (A.8). */
	s->jitter16 += ad - ((s->jitter16 + 8) >> 4);
}

uint32_t rtp_source_expected(const struct rtp_source *s)
{
	if (!s->valid)
		return 0;
	return rtp_source_ext_max(s) - s->base_seq + 1;
}

int64_t rtp_source_lost(const struct rtp_source *s)
{
	return (int64_t)rtp_source_expected(s) - (int64_t)s->received;
}

void rtp_source_report(struct rtp_source *s, uint32_t lsr, uint32_t dlsr, struct rtcp_block *b)
{
	memset(b, 0, sizeof(*b));
	b->ssrc = s->ssrc;
	uint32_t expected = rtp_source_expected(s);
	int64_t lost = rtp_source_lost(s);
	b->lost = lost > 0x7FFFFF ? 0x7FFFFF : lost < -0x800000 ? -0x800000 : (int32_t)lost;
	uint32_t expected_interval = expected - s->expected_prior;
	uint32_t received_interval = s->received - s->received_prior;
	s->expected_prior = expected;
	s->received_prior = s->received;
	int64_t lost_interval = (int64_t)expected_interval - (int64_t)received_interval;
	/* Duplicates can make the interval's loss negative: reported as 0. */
	if (expected_interval && lost_interval > 0) {
		/* All of an interval lost is 256/256, which the 8-bit field tops at 255. */
		uint64_t f = ((uint64_t)lost_interval << 8) / expected_interval;
		b->fraction = (uint8_t)(f > 255 ? 255 : f);
	}
	b->ext_max_seq = rtp_source_ext_max(s);
	b->jitter = rtp_source_jitter_units(s);
	b->lsr = lsr;
	b->dlsr = dlsr;
}

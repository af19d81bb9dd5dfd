/*
 * rtp_seq.h: what a receiver keeps about one source (RFC 3550 appendix A): the
 * extended sequence number with wrap-around and the probation of a new source (A.1),
 * expected and lost packets, cumulative and per report interval (A.3), and the
 * interarrival jitter estimate (A.8). rtp_source_report() fills the report block an
 * SR or RR carries about the source. Pure functions on the caller's struct: safe on
 * any thread that owns the struct.
 */
#ifndef RTP_SEQ_H
#define RTP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

#include "rtcp_packet.h"

/* A.1's limits: a jump of up to MAX_DROPOUT ahead is loss, up to MAX_MISORDER back
 * is reordering; a new source needs MIN_SEQUENTIAL packets in a row. */
#define RTP_MAX_DROPOUT 3000
#define RTP_MAX_MISORDER 100
#define RTP_MIN_SEQUENTIAL 2

struct rtp_source {
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles;   /* count of wraps, shifted left by 16 */
	uint32_t base_seq;
	uint32_t bad_seq;  /* a large jump's next seq: two in a row restart the count */
	uint32_t probation;
	uint32_t received;
	uint32_t expected_prior, received_prior;
	/* A.8: the previous relative transit time, and the jitter estimate times 16. */
	uint32_t transit;
	uint32_t jitter16;
	bool have_transit;
	bool valid; /* out of probation */
	/* Counters beyond A.1: duplicates or reordered packets, restarts after jumps. */
	uint32_t reordered, resyncs;
};

/* Starts tracking a source first heard with `seq` (on probation). */
void rtp_source_init(struct rtp_source *s, uint32_t ssrc, uint16_t seq);
/*
 * Counts a packet with `seq`. Returns true when the packet is valid (the source out
 * of probation and the sequence number plausible), false while on probation or for
 * a wild jump (two consecutive ones restart the count, A.1).
 */
bool rtp_source_update(struct rtp_source *s, uint16_t seq);
/* A.8: `arrival` is the arrival time in the stream's timestamp units (any origin,
 * wrapping), `ts` the packet's RTP timestamp. */
void rtp_source_jitter(struct rtp_source *s, uint32_t arrival, uint32_t ts);

static inline uint32_t rtp_source_ext_max(const struct rtp_source *s)
{
	return s->cycles + s->max_seq;
}
uint32_t rtp_source_expected(const struct rtp_source *s);
/* Cumulative loss: expected less received (negative with duplicates), A.3. */
int64_t rtp_source_lost(const struct rtp_source *s);
static inline uint32_t rtp_source_jitter_units(const struct rtp_source *s)
{
	return s->jitter16 >> 4;
}

/*
 * Fills a report block about the source and starts a new interval (A.3): fraction
 * lost since the previous call, cumulative loss clamped to 24 bits, extended highest
 * sequence number, jitter; lsr and dlsr as given (0 when no SR was received).
 */
void rtp_source_report(struct rtp_source *s, uint32_t lsr, uint32_t dlsr, struct rtcp_block *b);

#endif

/*
 * rtp_rewrite.h: keeping the stream a far end receives continuous while what feeds
 * it changes. A relay sends each leg's phone packets under its own SSRC, and maps
 * the source's sequence numbers and timestamps by fixed offsets, so loss and
 * reordering stay visible to the receiver as they were. When the source changes (a
 * new SSRC: the other party after music on hold, a phone that restarted), the offsets
 * are set again so the sequence continues at the next number and the timestamp
 * advances by the wall-clock time since the last packet; that packet carries the
 * marker bit, which tells the receiver's jitter buffer to resynchronise (RFC 3550
 * §5.1). Late packets of the previous source are dropped for a moment after a switch,
 * so two sources cannot interleave. Pure functions on the caller's struct.
 */
#ifndef RTP_REWRITE_H
#define RTP_REWRITE_H

#include <stdbool.h>
#include <stdint.h>

/* How long after a switch the previous source's packets are dropped. */
#define RTP_REWRITE_HOLDOFF_US 500000u

struct rtp_rewrite {
	uint32_t ssrc_out;
	uint16_t seq0;      /* output numbering starts here (random, §5.1) */
	uint32_t ts0;
	bool started;
	uint32_t src;       /* the SSRC feeding the stream now */
	uint16_t seq_off;
	uint32_t ts_off;
	uint16_t last_seq;  /* the newest output packet */
	uint32_t last_ts;
	uint64_t last_us;
	bool have_prev;
	uint32_t prev_src;
	uint64_t switch_us;
	uint32_t switches;  /* source changes after the first */
	uint32_t dropped;   /* late packets of a previous source */
};

void rtp_rewrite_init(struct rtp_rewrite *rw, uint32_t ssrc_out, uint16_t seq0, uint32_t ts0);

/*
 * Maps one packet of source `ssrc` (its seq, ts and marker, rewritten in place) sent
 * at `now_us` with a `clock_rate` Hz timestamp clock. Returns false when the packet
 * must be dropped (a late packet of the previous source).
 */
bool rtp_rewrite_apply(struct rtp_rewrite *rw, uint32_t ssrc, uint16_t *seq, uint32_t *ts, bool *marker,
		       uint64_t now_us, uint32_t clock_rate);

/* The output timestamp that corresponds to `now_us`, extrapolated from the newest
 * packet (an SR's RTP timestamp, §6.4.1). */
uint32_t rtp_rewrite_ts_at(const struct rtp_rewrite *rw, uint64_t now_us, uint32_t clock_rate);

#endif

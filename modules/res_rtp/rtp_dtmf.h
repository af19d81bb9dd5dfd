/*
 * rtp_dtmf.h: DTMF as RFC 4733 telephone-events, in three pieces a media worker
 * combines: the 4-byte event block of the payload (rtp_dtmf_parse, rtp_dtmf_build);
 * a receiver that turns the event packets of one RTP source into digits reported
 * exactly once each (RTP_DTMF_BEGIN at the first packet seen of an event, for
 * responsiveness, then RTP_DTMF_END with the final duration) whatever the network
 * lost, repeated or reordered; and a sender that yields the packets of one digit,
 * one per packet interval. Pure (libc only, no allocation, no clock: the caller
 * passes arrival times in milliseconds of any monotonic clock): every struct belongs
 * to the caller, in practice the media worker that owns the RTP session, and is used
 * on one thread at a time. Not wired into res_rtp or chan_sip yet.
 */
#ifndef RTP_DTMF_H
#define RTP_DTMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_DTMF_BLOCK 4	  /* bytes of one event block */
#define RTP_DTMF_MAX_BLOCKS 4	  /* blocks of one packet the receiver reads (§2.5.1.5) */
#define RTP_DTMF_EVENT_FLASH 16	  /* hook flash, reported as '!' */
#define RTP_DTMF_TIMEOUT_MS 800	  /* an event with no packet for this long has ended */
#define RTP_DTMF_DEFAULT_MS 100	  /* a digit's duration when the caller gives 0 */
#define RTP_DTMF_MIN_MS 40	  /* digit durations are clamped to MIN..MAX */
#define RTP_DTMF_MAX_MS 2000
#define RTP_DTMF_GAP_MS 100	  /* pause a caller leaves between two digits it sends */
#define RTP_DTMF_VOLUME 10	  /* -10 dBm0, what the sender puts in every block */
#define RTP_DTMF_END_COPIES 3	  /* the final packet of an event or segment, §2.5.1.4 */
#define RTP_DTMF_SEGMENT 0xFFFFu  /* the largest duration one segment can carry, §2.5.1.3 */

/* One event block (§2.3): event code, E (end) bit, R (reserved) bit, volume in
 * -dBm0 (0-63) and duration in timestamp units since the block's start. */
struct rtp_dtmf_event {
	uint8_t event;
	bool end;
	bool reserved;
	uint8_t volume;
	uint16_t duration;
};

/* Reads the first block of a payload. Trailing bytes (more blocks, or a partial
 * block, which the RFC does not allow and we ignore) are left alone. 0, or -EINVAL
 * when fewer than 4 bytes are given. */
int rtp_dtmf_parse(const uint8_t *payload, size_t len, struct rtp_dtmf_event *ev);
/* How many whole blocks a payload of len bytes holds. */
static inline size_t rtp_dtmf_blocks(size_t len)
{
	return len / RTP_DTMF_BLOCK;
}
/* Writes one block (volume masked to 6 bits). */
void rtp_dtmf_build(uint8_t out[RTP_DTMF_BLOCK], const struct rtp_dtmf_event *ev);

/* Events 0-9, 10 '*', 11 '#', 12-15 'A'-'D', 16 '!' (flash); '\0' for any other. */
char rtp_dtmf_digit(unsigned event);
/* The inverse; 'a'-'d' are taken as 'A'-'D'. The event code, or -EINVAL. */
int rtp_dtmf_event_code(char digit);

/* ---- Receiver ---- */

enum rtp_dtmf_kind {
	RTP_DTMF_BEGIN = 1, /* a digit started (duration_ms 0) */
	RTP_DTMF_END = 2,   /* the digit ended, duration_ms is its length */
};

struct rtp_dtmf_report {
	enum rtp_dtmf_kind kind;
	char digit;
	uint32_t duration_ms;
};

/* Reports one packet can cause at most: for each block, the end of the event it
 * interrupts, its begin and its end. */
#define RTP_DTMF_MAX_REPORTS (3 * RTP_DTMF_MAX_BLOCKS)

/* One received telephone-event packet: header fields, payload, arrival time. */
struct rtp_dtmf_pkt {
	uint32_t ts;
	uint16_t seq;
	bool marker;
	const uint8_t *payload;
	size_t len;
	uint64_t now_ms;
};

/* What the receiver knows of the current (or last) event. Treat as opaque. */
struct rtp_dtmf_rx {
	uint32_t clock_rate;
	uint32_t slack;	    /* RTP_DTMF_TIMEOUT_MS in timestamp units */
	bool have;	    /* an event has been seen: the fields below mean something */
	bool active;	    /* it began and has not ended */
	uint8_t event;
	uint16_t seq;	    /* newest sequence number of the event */
	uint16_t duration;  /* longest duration seen in the current segment */
	uint32_t ts;	    /* RTP timestamp of the current segment */
	uint32_t offset;    /* timestamp units from the event's start to the segment's */
	uint64_t last_ms;   /* arrival of the event's newest packet */
};

/* Starts a receiver for a stream whose telephone-event clock is clock_rate Hz (8000
 * for the usual "telephone-event/8000"; 0 is taken as 8000). Also the way to forget
 * everything when the source changes (a new SSRC): call rtp_dtmf_rx_flush first to
 * end a digit in progress. */
void rtp_dtmf_rx_init(struct rtp_dtmf_rx *rx, uint32_t clock_rate);
/*
 * Feeds one packet; fills out[] with what it means, oldest first, and returns the
 * count (0 for a repeat, a late packet, an event that is no digit or a zero duration,
 * which §2.3.5 reserves for state events), or -EINVAL for a payload shorter than one
 * block. Each digit gets one BEGIN and one END: an END may come from this packet's
 * E bit, from a new event starting (same or new timestamp), or from the timeout.
 */
int rtp_dtmf_rx_packet(struct rtp_dtmf_rx *rx, const struct rtp_dtmf_pkt *pkt,
		       struct rtp_dtmf_report out[RTP_DTMF_MAX_REPORTS]);
/* Ends a digit whose packets stopped RTP_DTMF_TIMEOUT_MS before now_ms (its end
 * packets were all lost). Returns 1 with *out filled, else 0. */
int rtp_dtmf_rx_poll(struct rtp_dtmf_rx *rx, uint64_t now_ms, struct rtp_dtmf_report *out);
/* When to call rtp_dtmf_rx_poll next: true with *at_ms while a digit is in progress. */
bool rtp_dtmf_rx_deadline(const struct rtp_dtmf_rx *rx, uint64_t *at_ms);
/* Ends a digit in progress now (hang-up, source change). Returns 1 with *out filled,
 * else 0. */
int rtp_dtmf_rx_flush(struct rtp_dtmf_rx *rx, struct rtp_dtmf_report *out);

/* ---- Sender ---- */

/* The packets of one digit still to send. Treat as opaque. */
struct rtp_dtmf_tx {
	uint8_t event;
	bool started, done;
	uint8_t seg_copies; /* copies of a segment's final packet still to send */
	uint8_t end_copies; /* copies of the event's final packet still to send */
	uint16_t step;	    /* timestamp units per packet interval */
	uint32_t total;	    /* the digit's duration in timestamp units */
	uint32_t pos;	    /* units covered by the packets sent so far */
	uint32_t seg;	    /* start of the current segment, units after the event's */
};

/*
 * Prepares the packets of `digit` (see rtp_dtmf_digit) lasting duration_ms (0: the
 * default; clamped to RTP_DTMF_MIN_MS..RTP_DTMF_MAX_MS), at clock_rate Hz (1000-
 * 96000) with one packet every interval_ms (10-100). 0, or -EINVAL.
 */
int rtp_dtmf_tx_start(struct rtp_dtmf_tx *tx, char digit, unsigned duration_ms, uint32_t clock_rate,
		      unsigned interval_ms);
/*
 * Called once per packet interval. Writes the next packet's payload, whether its
 * marker bit is set (only on the event's first packet) and its timestamp as an
 * offset from the event's first (the caller adds the stream's timestamp at that
 * first packet; the offset changes only at a segment of a long event, §2.5.1.3), and
 * returns true; returns false, writing nothing, once the digit has been sent: an
 * update every interval with a growing duration, then the final packet, E bit set,
 * RTP_DTMF_END_COPIES times. The next digit must start at a later timestamp, best
 * after RTP_DTMF_GAP_MS of audio.
 */
bool rtp_dtmf_tx_next(struct rtp_dtmf_tx *tx, uint8_t payload[RTP_DTMF_BLOCK], bool *marker,
		      uint32_t *ts_offset);
static inline bool rtp_dtmf_tx_done(const struct rtp_dtmf_tx *tx)
{
	return tx->done;
}

#endif

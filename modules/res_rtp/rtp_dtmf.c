/* rtp_dtmf.c: RFC 4733 telephone-event blocks, a loss-tolerant digit receiver and a digit sender. */
#include <errno.h>
#include <string.h>

#include "rtp_dtmf.h"

/* Event codes 0-16 in order (§3.2, table 3: DTMF digits and flash). */
static const char digits[] = "0123456789*#ABCD!";

/* A packet for an older event than the current one is a late copy while the stream
 * is live; after this long without packets, it is a sender that restarted its
 * timestamps, and starts a new event. */
#define RX_STALE_MS 4000

int rtp_dtmf_parse(const uint8_t *payload, size_t len, struct rtp_dtmf_event *ev)
{
	if (!payload || len < RTP_DTMF_BLOCK)
		return -EINVAL;
	ev->event = payload[0];
	ev->end = payload[1] & 0x80;
	ev->reserved = payload[1] & 0x40;
	ev->volume = payload[1] & 0x3F;
	ev->duration = (uint16_t)(payload[2] << 8 | payload[3]);
	return 0;
}

void rtp_dtmf_build(uint8_t out[RTP_DTMF_BLOCK], const struct rtp_dtmf_event *ev)
{
	out[0] = ev->event;
	out[1] = (uint8_t)((ev->end ? 0x80 : 0) | (ev->reserved ? 0x40 : 0) | (ev->volume & 0x3F));
	out[2] = (uint8_t)(ev->duration >> 8);
	out[3] = (uint8_t)ev->duration;
}

char rtp_dtmf_digit(unsigned event)
{
	return event < sizeof(digits) - 1 ? digits[event] : '\0';
}

int rtp_dtmf_event_code(char digit)
{
	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');
	const char *p = digit ? strchr(digits, digit) : NULL;
	return p ? (int)(p - digits) : -EINVAL;
}

/* ---- Receiver ---- */

/* One block as the receiver sees it: its own start timestamp and the packet's
 * sequence number, marker and arrival time. */
struct rx_block {
	struct rtp_dtmf_event ev;
	uint32_t ts;
	uint16_t seq;
	bool marker;
	uint64_t now_ms;
};

void rtp_dtmf_rx_init(struct rtp_dtmf_rx *rx, uint32_t clock_rate)
{
	memset(rx, 0, sizeof(*rx));
	rx->clock_rate = clock_rate ? clock_rate : 8000;
	rx->slack = (uint32_t)((uint64_t)rx->clock_rate * RTP_DTMF_TIMEOUT_MS / 1000);
}

static uint32_t rx_duration_ms(const struct rtp_dtmf_rx *rx)
{
	return (uint32_t)(((uint64_t)rx->offset + rx->duration) * 1000 / rx->clock_rate);
}

/* Appends a report unless the event is no digit (other tones are tracked so they
 * still end the digit before them, but nobody is told about them). */
static int report(const struct rtp_dtmf_rx *rx, enum rtp_dtmf_kind kind, struct rtp_dtmf_report *out)
{
	char d = rtp_dtmf_digit(rx->event);
	if (!d)
		return 0;
	out->kind = kind;
	out->digit = d;
	out->duration_ms = kind == RTP_DTMF_END ? rx_duration_ms(rx) : 0;
	return 1;
}

static int rx_end(struct rtp_dtmf_rx *rx, struct rtp_dtmf_report *out)
{
	if (!rx->active)
		return 0;
	rx->active = false;
	return report(rx, RTP_DTMF_END, out);
}

/* A later packet of the current segment: the duration only grows (copies arrive out
 * of order), and the E bit ends the event. */
static int rx_update(struct rtp_dtmf_rx *rx, const struct rx_block *b, struct rtp_dtmf_report *out)
{
	if (b->ev.duration > rx->duration)
		rx->duration = b->ev.duration;
	if ((int16_t)(b->seq - rx->seq) > 0)
		rx->seq = b->seq;
	rx->last_ms = b->now_ms;
	return b->ev.end ? rx_end(rx, out) : 0;
}

static int rx_start(struct rtp_dtmf_rx *rx, const struct rx_block *b, struct rtp_dtmf_report *out)
{
	rx->have = true;
	rx->active = true;
	rx->event = b->ev.event;
	rx->ts = b->ts;
	rx->offset = 0;
	rx->duration = 0;
	rx->seq = b->seq;
	int n = report(rx, RTP_DTMF_BEGIN, out);
	return n + rx_update(rx, b, out + n);
}

/*
 * §2.5.1.3: an event longer than a duration field can say goes on as segments, each
 * with a new timestamp RTP_DTMF_SEGMENT units after the last and no E bit between
 * them. A new timestamp for the same event is taken as a segment only when the
 * current segment had (nearly, its last packets may be lost) reached the limit and
 * the new one starts where it stopped; otherwise it is the same digit pressed again.
 */
static bool rx_is_segment(const struct rtp_dtmf_rx *rx, const struct rx_block *b, uint32_t delta)
{
	return rx->active && b->ev.event == rx->event && (uint32_t)rx->duration + rx->slack >= RTP_DTMF_SEGMENT &&
	       delta >= rx->duration && delta <= RTP_DTMF_SEGMENT + rx->slack;
}

/*
 * The same timestamp and event after the event ended: the repeated final packets, or
 * a late update, unless a packet newer than all of them starts over (marker, or a
 * shorter duration): a sender that does not advance its timestamp between digits.
 */
static bool rx_restarts(const struct rtp_dtmf_rx *rx, const struct rx_block *b)
{
	return !b->ev.end && (int16_t)(b->seq - rx->seq) > 0 && (b->marker || b->ev.duration < rx->duration);
}

static int rx_same_ts(struct rtp_dtmf_rx *rx, const struct rx_block *b, struct rtp_dtmf_report *out)
{
	if (b->ev.event != rx->event) {
		int n = rx_end(rx, out);
		return n + rx_start(rx, b, out + n);
	}
	if (rx->active)
		return rx_update(rx, b, out);
	return rx_restarts(rx, b) ? rx_start(rx, b, out) : 0;
}

static int rx_block(struct rtp_dtmf_rx *rx, const struct rx_block *b, struct rtp_dtmf_report *out)
{
	/* §2.3.5: a zero duration is reserved for state events; no digit is one. */
	if (b->ev.duration == 0)
		return 0;
	if (!rx->have)
		return rx_start(rx, b, out);
	int n = 0;
	/* Packets stopped long enough that the event ended, even if no one polled. */
	if (rx->active && b->now_ms >= rx->last_ms + RTP_DTMF_TIMEOUT_MS)
		n = rx_end(rx, out);
	int32_t delta = (int32_t)(b->ts - rx->ts);
	if (delta < 0 && b->now_ms < rx->last_ms + RX_STALE_MS)
		return n;
	if (delta == 0)
		return n + rx_same_ts(rx, b, out + n);
	if (delta > 0 && rx_is_segment(rx, b, (uint32_t)delta)) {
		rx->offset += (uint32_t)delta;
		rx->ts = b->ts;
		rx->duration = 0;
		return n + rx_update(rx, b, out + n);
	}
	n += rx_end(rx, out + n);
	return n + rx_start(rx, b, out + n);
}

/*
 * §2.5.1.5 allows several events in one packet, oldest first, the packet's timestamp
 * being the first one's. We take each later block to start where the one before it
 * ended (timestamp plus the durations before it): the same key for every copy of the
 * packet, so repeats are recognised block by block.
 */
int rtp_dtmf_rx_packet(struct rtp_dtmf_rx *rx, const struct rtp_dtmf_pkt *pkt,
		       struct rtp_dtmf_report out[RTP_DTMF_MAX_REPORTS])
{
	size_t nb = rtp_dtmf_blocks(pkt->len);
	if (nb == 0 || !pkt->payload)
		return -EINVAL;
	if (nb > RTP_DTMF_MAX_BLOCKS)
		nb = RTP_DTMF_MAX_BLOCKS;
	struct rx_block b = {.ts = pkt->ts, .seq = pkt->seq, .marker = pkt->marker, .now_ms = pkt->now_ms};
	int n = 0;
	for (size_t i = 0; i < nb; i++) {
		rtp_dtmf_parse(pkt->payload + i * RTP_DTMF_BLOCK, RTP_DTMF_BLOCK, &b.ev);
		n += rx_block(rx, &b, out + n);
		b.ts += b.ev.duration;
		b.marker = false;
	}
	return n;
}

int rtp_dtmf_rx_poll(struct rtp_dtmf_rx *rx, uint64_t now_ms, struct rtp_dtmf_report *out)
{
	uint64_t at;
	if (!rtp_dtmf_rx_deadline(rx, &at) || now_ms < at)
		return 0;
	return rx_end(rx, out);
}

bool rtp_dtmf_rx_deadline(const struct rtp_dtmf_rx *rx, uint64_t *at_ms)
{
	if (!rx->active)
		return false;
	*at_ms = rx->last_ms + RTP_DTMF_TIMEOUT_MS;
	return true;
}

int rtp_dtmf_rx_flush(struct rtp_dtmf_rx *rx, struct rtp_dtmf_report *out)
{
	return rx_end(rx, out);
}

/* ---- Sender ---- */

static unsigned clamp_ms(unsigned ms)
{
	if (ms == 0)
		return RTP_DTMF_DEFAULT_MS;
	if (ms < RTP_DTMF_MIN_MS)
		return RTP_DTMF_MIN_MS;
	return ms > RTP_DTMF_MAX_MS ? RTP_DTMF_MAX_MS : ms;
}

int rtp_dtmf_tx_start(struct rtp_dtmf_tx *tx, char digit, unsigned duration_ms, uint32_t clock_rate,
		      unsigned interval_ms)
{
	int event = rtp_dtmf_event_code(digit);
	if (event < 0 || clock_rate < 1000 || clock_rate > 96000 || interval_ms < 10 || interval_ms > 100)
		return -EINVAL;
	memset(tx, 0, sizeof(*tx));
	tx->event = (uint8_t)event;
	/* At most 9600 units: three steps past a segment's end still fit the next one. */
	tx->step = (uint16_t)(clock_rate * interval_ms / 1000);
	tx->total = (uint32_t)((uint64_t)clamp_ms(duration_ms) * clock_rate / 1000);
	return 0;
}

static void tx_put(const struct rtp_dtmf_tx *tx, uint8_t *payload, uint32_t duration, bool end)
{
	struct rtp_dtmf_event ev = {
		.event = tx->event, .end = end, .volume = RTP_DTMF_VOLUME, .duration = (uint16_t)duration};
	rtp_dtmf_build(payload, &ev);
}

/* A segment's final packet (full duration, no E bit: the event goes on), sent
 * RTP_DTMF_END_COPIES times like an event's; the next segment starts after it. */
static void tx_segment_end(struct rtp_dtmf_tx *tx, uint8_t *payload, uint32_t *ts_offset)
{
	tx_put(tx, payload, RTP_DTMF_SEGMENT, false);
	*ts_offset = tx->seg;
	if (--tx->seg_copies == 0)
		tx->seg += RTP_DTMF_SEGMENT;
}

bool rtp_dtmf_tx_next(struct rtp_dtmf_tx *tx, uint8_t payload[RTP_DTMF_BLOCK], bool *marker,
		      uint32_t *ts_offset)
{
	if (tx->done)
		return false;
	*marker = !tx->started;
	tx->started = true;
	if (tx->end_copies) {
		tx_put(tx, payload, tx->total - tx->seg, true);
		*ts_offset = tx->seg;
		tx->done = --tx->end_copies == 0;
		return true;
	}
	/* Each packet reports the time up to the end of its interval. */
	tx->pos = tx->pos + tx->step < tx->total ? tx->pos + tx->step : tx->total;
	if (!tx->seg_copies && tx->pos - tx->seg > RTP_DTMF_SEGMENT)
		tx->seg_copies = RTP_DTMF_END_COPIES;
	if (tx->seg_copies) {
		tx_segment_end(tx, payload, ts_offset);
		return true;
	}
	bool last = tx->pos == tx->total;
	tx_put(tx, payload, tx->pos - tx->seg, last);
	*ts_offset = tx->seg;
	if (last)
		tx->end_copies = RTP_DTMF_END_COPIES - 1;
	tx->done = last && tx->end_copies == 0;
	return true;
}

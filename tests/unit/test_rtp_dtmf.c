/* test_rtp_dtmf.c: RFC 4733 event blocks, the digit receiver (loss, repeats, reordering, segments, timeout) and the sender. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "rtp_dtmf.h"

/* A receiver and every report it gave, in order. */
struct feed {
	struct rtp_dtmf_rx rx;
	struct rtp_dtmf_report got[64];
	int n;
};

static void feed_init(struct feed *f, uint32_t clock_rate)
{
	memset(f, 0, sizeof(*f));
	rtp_dtmf_rx_init(&f->rx, clock_rate);
}

static int feed_raw(struct feed *f, uint32_t ts, uint16_t seq, bool marker, const uint8_t *payload, size_t len,
		    uint64_t now)
{
	struct rtp_dtmf_report out[RTP_DTMF_MAX_REPORTS];
	struct rtp_dtmf_pkt p = {.ts = ts, .seq = seq, .marker = marker, .payload = payload, .len = len, .now_ms = now};
	int r = rtp_dtmf_rx_packet(&f->rx, &p, out);
	assert_true(r <= RTP_DTMF_MAX_REPORTS);
	for (int i = 0; i < r; i++) {
		assert_true(f->n < 64);
		f->got[f->n++] = out[i];
	}
	return r;
}

/* Feeds one single-block packet; returns how many reports it gave. */
static int feed(struct feed *f, uint32_t ts, uint16_t seq, bool marker, uint8_t event, bool end, uint16_t duration,
		uint64_t now)
{
	uint8_t b[RTP_DTMF_BLOCK];
	struct rtp_dtmf_event ev = {.event = event, .end = end, .volume = 10, .duration = duration};
	rtp_dtmf_build(b, &ev);
	return feed_raw(f, ts, seq, marker, b, sizeof(b), now);
}

static void expect(const struct feed *f, int i, enum rtp_dtmf_kind kind, char digit, uint32_t ms)
{
	assert_true(i < f->n);
	assert_int_equal(f->got[i].kind, kind);
	assert_int_equal(f->got[i].digit, digit);
	assert_int_equal(f->got[i].duration_ms, ms);
}

/* Exactly two digits were reported, each begun and ended. */
static void expect_two(const struct feed *f, char a, uint32_t a_ms, char b, uint32_t b_ms)
{
	assert_int_equal(f->n, 4);
	expect(f, 0, RTP_DTMF_BEGIN, a, 0);
	expect(f, 1, RTP_DTMF_END, a, a_ms);
	expect(f, 2, RTP_DTMF_BEGIN, b, 0);
	expect(f, 3, RTP_DTMF_END, b, b_ms);
}

/* A whole event as a well-behaved phone sends it at 8000 Hz: a packet every 20 ms
 * (duration 160 more each time), the first marked, the last three with E. Packets
 * whose index is set in `lose` are not delivered. Returns the next sequence number. */
static uint16_t send_event(struct feed *f, uint32_t ts, uint16_t seq, uint8_t event, unsigned packets, uint64_t *now,
			   uint32_t lose)
{
	for (unsigned i = 0; i < packets + 2; i++) {
		bool end = i >= packets - 1;
		uint16_t dur = (uint16_t)(160 * (end ? packets : i + 1));
		if (!(lose & (1u << i)))
			feed(f, ts, seq, i == 0, event, end, dur, *now);
		seq++;
		*now += 20;
	}
	return seq;
}

static void test_block(void **state)
{
	(void)state;
	const uint8_t bytes[] = {0x05, 0x8A, 0x03, 0x20, 0xEE, 0xEE, 0xEE};
	struct rtp_dtmf_event ev;
	assert_int_equal(rtp_dtmf_parse(bytes, 4, &ev), 0);
	assert_int_equal(ev.event, 5);
	assert_true(ev.end);
	assert_false(ev.reserved);
	assert_int_equal(ev.volume, 10);
	assert_int_equal(ev.duration, 800);
	/* Trailing bytes, whole blocks or not, leave the first block as it is. */
	for (size_t len = 5; len <= sizeof(bytes); len++) {
		assert_int_equal(rtp_dtmf_parse(bytes, len, &ev), 0);
		assert_int_equal(ev.duration, 800);
	}
	assert_int_equal(rtp_dtmf_blocks(7), 1);
	assert_int_equal(rtp_dtmf_blocks(8), 2);
	/* Too short. */
	for (size_t len = 0; len < 4; len++)
		assert_int_equal(rtp_dtmf_parse(bytes, len, &ev), -EINVAL);
	assert_int_equal(rtp_dtmf_parse(NULL, 4, &ev), -EINVAL);

	/* Every flag and extreme value survives build -> parse. */
	const uint8_t r_bit[] = {0xFF, 0x7F, 0xFF, 0xFF};
	assert_int_equal(rtp_dtmf_parse(r_bit, 4, &ev), 0);
	assert_int_equal(ev.event, 255);
	assert_false(ev.end);
	assert_true(ev.reserved);
	assert_int_equal(ev.volume, 63);
	assert_int_equal(ev.duration, 0xFFFF);
	uint8_t out[4];
	rtp_dtmf_build(out, &ev);
	assert_memory_equal(out, r_bit, 4);
	struct rtp_dtmf_event big = {.event = 1, .volume = 0xFF, .duration = 1};
	rtp_dtmf_build(out, &big);
	assert_int_equal(out[1], 0x3F); /* the volume cannot spill into E and R */
}

static void test_digit_map(void **state)
{
	(void)state;
	const char *all = "0123456789*#ABCD!";
	for (unsigned e = 0; e <= 16; e++) {
		assert_int_equal(rtp_dtmf_digit(e), all[e]);
		assert_int_equal(rtp_dtmf_event_code(all[e]), (int)e);
	}
	assert_int_equal(rtp_dtmf_digit(17), '\0');
	assert_int_equal(rtp_dtmf_digit(52), '\0');
	assert_int_equal(rtp_dtmf_digit(255), '\0');
	assert_int_equal(rtp_dtmf_event_code('a'), 12);
	assert_int_equal(rtp_dtmf_event_code('d'), 15);
	assert_int_equal(rtp_dtmf_event_code('E'), -EINVAL);
	assert_int_equal(rtp_dtmf_event_code('e'), -EINVAL);
	assert_int_equal(rtp_dtmf_event_code('\0'), -EINVAL);
	assert_int_equal(rtp_dtmf_event_code(' '), -EINVAL);
}

static void test_normal_event(void **state)
{
	(void)state;
	struct feed f;
	feed_init(&f, 8000);
	uint64_t now = 1000;
	/* The begin comes with the first packet, the end with the first E packet. */
	assert_int_equal(feed(&f, 5000, 10, true, 5, false, 160, now), 1);
	expect(&f, 0, RTP_DTMF_BEGIN, '5', 0);
	assert_int_equal(feed(&f, 5000, 11, false, 5, false, 320, now + 20), 0);
	assert_int_equal(feed(&f, 5000, 12, false, 5, false, 480, now + 40), 0);
	assert_int_equal(feed(&f, 5000, 13, false, 5, false, 640, now + 60), 0);
	assert_int_equal(feed(&f, 5000, 14, false, 5, true, 800, now + 80), 1);
	expect(&f, 1, RTP_DTMF_END, '5', 100);
	/* The two other copies of the end say nothing. */
	assert_int_equal(feed(&f, 5000, 15, false, 5, true, 800, now + 100), 0);
	assert_int_equal(feed(&f, 5000, 16, false, 5, true, 800, now + 120), 0);
	assert_int_equal(f.n, 2);
	uint64_t at;
	assert_false(rtp_dtmf_rx_deadline(&f.rx, &at));
}

static void test_lost_packets(void **state)
{
	(void)state;
	struct feed f;
	uint64_t now = 0;

	/* The marked first packet lost: the digit begins at the second. */
	feed_init(&f, 8000);
	send_event(&f, 100, 0, 1, 5, &now, 1u << 0);
	assert_int_equal(f.n, 2);
	expect(&f, 0, RTP_DTMF_BEGIN, '1', 0);
	expect(&f, 1, RTP_DTMF_END, '1', 100);

	/* All but the end packets lost: begin and end at once, from the first copy. */
	feed_init(&f, 8000);
	send_event(&f, 100, 0, 11, 5, &now, 0x0F);
	assert_int_equal(f.n, 2);
	expect(&f, 0, RTP_DTMF_BEGIN, '#', 0);
	expect(&f, 1, RTP_DTMF_END, '#', 100);

	/* Only the last copy of the end arrives. */
	feed_init(&f, 8000);
	send_event(&f, 100, 0, 10, 5, &now, 0x3F);
	assert_int_equal(f.n, 2);
	expect(&f, 0, RTP_DTMF_BEGIN, '*', 0);
	expect(&f, 1, RTP_DTMF_END, '*', 100);

	/* Two of three ends lost, and updates in the middle. */
	feed_init(&f, 8000);
	send_event(&f, 100, 0, 3, 5, &now, 0x36);
	assert_int_equal(f.n, 2);
	expect(&f, 1, RTP_DTMF_END, '3', 100);
}

static void test_duplicates_and_reordering(void **state)
{
	(void)state;
	struct feed f;
	feed_init(&f, 8000);
	/* Updates duplicated and swapped, an end before the last update. */
	assert_int_equal(feed(&f, 800, 1, true, 7, false, 160, 0), 1);
	assert_int_equal(feed(&f, 800, 1, true, 7, false, 160, 1), 0);
	assert_int_equal(feed(&f, 800, 3, false, 7, false, 480, 40), 0);
	assert_int_equal(feed(&f, 800, 2, false, 7, false, 320, 41), 0);
	assert_int_equal(feed(&f, 800, 5, false, 7, true, 800, 80), 1);
	assert_int_equal(feed(&f, 800, 4, false, 7, false, 640, 81), 0);
	assert_int_equal(feed(&f, 800, 5, false, 7, true, 800, 82), 0);
	assert_int_equal(feed(&f, 800, 7, false, 7, true, 800, 120), 0);
	assert_int_equal(feed(&f, 800, 6, false, 7, true, 800, 121), 0);
	assert_int_equal(f.n, 2);
	expect(&f, 1, RTP_DTMF_END, '7', 100);

	/* The next digit's first packets overtake the previous one's end: the previous
	 * ends there with what was known, and its late packets are ignored. */
	feed_init(&f, 8000);
	feed(&f, 800, 1, true, 1, false, 160, 0);
	feed(&f, 800, 2, false, 1, false, 320, 20);
	feed(&f, 3000, 6, true, 2, false, 160, 200);
	feed(&f, 800, 3, false, 1, true, 480, 201);
	feed(&f, 800, 4, false, 1, true, 480, 202);
	feed(&f, 3000, 7, false, 2, true, 320, 220);
	expect_two(&f, '1', 40, '2', 40);
}

static void test_same_digit_twice(void **state)
{
	(void)state;
	struct feed f;
	uint64_t now = 0;
	/* "55": two events of the same digit, each with its timestamp. */
	feed_init(&f, 8000);
	uint16_t seq = send_event(&f, 1000, 0, 5, 5, &now, 0);
	now += 60;
	send_event(&f, 1000 + 800 + 800, seq, 5, 5, &now, 0);
	expect_two(&f, '5', 100, '5', 100);

	/* The first one's end packets all lost: it ends when the second begins. */
	feed_init(&f, 8000);
	now = 0;
	seq = send_event(&f, 1000, 0, 5, 5, &now, 0x78);
	send_event(&f, 1000 + 1600, seq, 5, 5, &now, 0);
	expect_two(&f, '5', 60, '5', 100);
}

static void test_same_timestamp(void **state)
{
	(void)state;
	struct feed f;
	uint64_t now = 0;
	/* A sender that does not advance its timestamp between digits: a new event code
	 * at the same timestamp is a new digit, and ends the one before. */
	feed_init(&f, 8000);
	feed(&f, 4000, 1, true, 4, false, 160, 0);
	feed(&f, 4000, 2, true, 6, false, 160, 20);
	assert_int_equal(f.n, 3);
	expect(&f, 1, RTP_DTMF_END, '4', 20);
	expect(&f, 2, RTP_DTMF_BEGIN, '6', 0);

	/* The same code again at the same timestamp after the end: a new digit only from
	 * a packet newer than the ends that starts over (marker or shorter duration). */
	feed_init(&f, 8000);
	uint16_t seq = send_event(&f, 4000, 100, 9, 5, &now, 0);
	assert_int_equal(feed(&f, 4000, seq - 4, false, 9, false, 640, now), 0); /* late update */
	assert_int_equal(feed(&f, 4000, seq - 1, false, 9, true, 800, now), 0);	  /* late end */
	assert_int_equal(f.n, 2);
	send_event(&f, 4000, seq, 9, 5, &now, 0);
	expect_two(&f, '9', 100, '9', 100);
}

/* An event of `units` timestamp units at 8000 Hz, cut into segments of 0xFFFF as
 * §2.5.1.3 says, every segment's final packet sent three times. */
static void send_long_event(struct feed *f, uint32_t ts, uint32_t units, uint32_t lose_from, uint32_t lose_to)
{
	uint64_t now = 0;
	uint16_t seq = 0;
	uint32_t seg = 0, pos = 0;
	bool first = true;
	while (pos < units) {
		pos = pos + 160 < units ? pos + 160 : units;
		bool lost = pos >= lose_from && pos < lose_to;
		if (pos - seg > 0xFFFF) {
			for (int i = 0; i < 3; i++, now += 20)
				if (!lost)
					feed(f, ts + seg, seq++, false, 8, false, 0xFFFF, now);
			seg += 0xFFFF;
		}
		bool end = pos == units;
		for (int i = 0; i < (end ? 3 : 1); i++, now += 20)
			if (!lost)
				feed(f, ts + seg, seq++, first, 8, end, (uint16_t)(pos - seg), now);
		first = false;
	}
}

static void test_long_event(void **state)
{
	(void)state;
	struct feed f;
	/* 20 s: three segments, one digit. The timestamp wraps on the way. */
	feed_init(&f, 8000);
	send_long_event(&f, 0xFFFF0000u, 160000, 0, 0);
	assert_int_equal(f.n, 2);
	expect(&f, 0, RTP_DTMF_BEGIN, '8', 0);
	expect(&f, 1, RTP_DTMF_END, '8', 20000);

	/* Around the first boundary about 400 ms of packets lost: the segment's final copies
	 * and the next segment's first packets. Still one digit. */
	feed_init(&f, 8000);
	send_long_event(&f, 1234, 100000, 0xFFFF - 1200, 0xFFFF + 1200);
	assert_int_equal(f.n, 2);
	expect(&f, 1, RTP_DTMF_END, '8', 12500);
}

static void test_timeout(void **state)
{
	(void)state;
	struct feed f;
	struct rtp_dtmf_report r;
	uint64_t at;
	feed_init(&f, 8000);
	feed(&f, 0, 1, true, 2, false, 160, 1000);
	feed(&f, 0, 2, false, 2, false, 320, 1020);
	assert_true(rtp_dtmf_rx_deadline(&f.rx, &at));
	assert_int_equal(at, 1020 + RTP_DTMF_TIMEOUT_MS);
	assert_int_equal(rtp_dtmf_rx_poll(&f.rx, at - 1, &r), 0);
	assert_int_equal(rtp_dtmf_rx_poll(&f.rx, at, &r), 1);
	assert_int_equal(r.kind, RTP_DTMF_END);
	assert_int_equal(r.digit, '2');
	assert_int_equal(r.duration_ms, 40);
	assert_false(rtp_dtmf_rx_deadline(&f.rx, &at));
	assert_int_equal(rtp_dtmf_rx_poll(&f.rx, at + 5000, &r), 0);
	/* Its end packets arriving after all are no second digit. */
	assert_int_equal(feed(&f, 0, 5, false, 2, true, 800, 2000), 0);

	/* Nobody polled: the next packet ends the stale event first. A late packet of it
	 * is ignored, and so is a new event with a zero duration (§2.3.5). */
	feed_init(&f, 8000);
	feed(&f, 0, 1, true, 2, false, 160, 1000);
	assert_int_equal(feed(&f, 0, 2, false, 2, false, 320, 1000 + RTP_DTMF_TIMEOUT_MS), 1);
	expect(&f, 1, RTP_DTMF_END, '2', 20);
	assert_int_equal(feed(&f, 800, 3, true, 3, false, 0, 2000), 0);

	/* Flushing ends a digit in progress, once. */
	feed_init(&f, 8000);
	feed(&f, 0, 1, true, 0, false, 160, 1000);
	assert_int_equal(rtp_dtmf_rx_flush(&f.rx, &r), 1);
	assert_int_equal(r.digit, '0');
	assert_int_equal(r.duration_ms, 20);
	assert_int_equal(rtp_dtmf_rx_flush(&f.rx, &r), 0);
}

static void test_other_events_and_stale(void **state)
{
	(void)state;
	struct feed f;
	feed_init(&f, 8000);
	/* A tone that is no digit ends the digit before it and is not reported. */
	feed(&f, 0, 1, true, 1, false, 160, 0);
	assert_int_equal(feed(&f, 1000, 2, true, 52, false, 160, 20), 1);
	assert_int_equal(feed(&f, 1000, 3, false, 52, true, 320, 40), 0);
	assert_int_equal(f.n, 2);
	expect(&f, 1, RTP_DTMF_END, '1', 20);
	/* A timestamp before the last event's: a late copy while the stream is live, a
	 * sender that started its timestamps over after a long silence. */
	assert_int_equal(feed(&f, 500, 4, true, 4, true, 800, 1000), 0);
	assert_int_equal(feed(&f, 500, 5, true, 4, true, 800, 10000), 2);
	expect(&f, 3, RTP_DTMF_END, '4', 100);
}

static void test_several_blocks(void **state)
{
	(void)state;
	struct feed f;
	feed_init(&f, 8000);
	/* §2.5.1.5: a finished '1' then '2' going on, in one packet, sent twice. */
	uint8_t p[8];
	rtp_dtmf_build(p, &(struct rtp_dtmf_event){.event = 1, .end = true, .duration = 400});
	rtp_dtmf_build(p + 4, &(struct rtp_dtmf_event){.event = 2, .duration = 160});
	assert_int_equal(feed_raw(&f, 100, 1, true, p, sizeof(p), 0), 3);
	assert_int_equal(feed_raw(&f, 100, 1, true, p, sizeof(p), 1), 0);
	/* '2' goes on at its own timestamp, 400 after the packet's. */
	assert_int_equal(feed(&f, 500, 2, false, 2, true, 640, 60), 1);
	expect_two(&f, '1', 50, '2', 80);

	/* More blocks than RTP_DTMF_MAX_BLOCKS: the rest is not read, the output fits. */
	uint8_t many[4 * (RTP_DTMF_MAX_BLOCKS + 2)];
	for (unsigned i = 0; i < RTP_DTMF_MAX_BLOCKS + 2; i++)
		rtp_dtmf_build(many + 4 * i, &(struct rtp_dtmf_event){.event = (uint8_t)i, .duration = 160});
	feed_init(&f, 8000);
	assert_int_equal(feed_raw(&f, 0, 1, false, many, sizeof(many), 0), 2 * RTP_DTMF_MAX_BLOCKS - 1);
}

static void test_malformed(void **state)
{
	(void)state;
	struct feed f;
	feed_init(&f, 8000);
	const uint8_t p[] = {5, 0x8A, 0x03, 0x20, 7, 7, 7};
	for (size_t len = 0; len < 4; len++)
		assert_int_equal(feed_raw(&f, 0, 1, true, p, len, 0), -EINVAL);
	assert_int_equal(feed_raw(&f, 0, 1, true, NULL, 4, 0), -EINVAL);
	assert_false(f.rx.have);
	/* A partial block after a whole one is ignored. */
	assert_int_equal(feed_raw(&f, 0, 1, true, p, sizeof(p), 0), 2);
	/* A clock rate of 0 means 8000. */
	feed_init(&f, 0);
	assert_int_equal(f.rx.clock_rate, 8000);
}

/* Collects every packet of a digit from the sender. */
struct sent {
	uint8_t payload[200][4];
	bool marker[200];
	uint32_t offset[200];
	int n;
};

static void collect(struct rtp_dtmf_tx *tx, struct sent *s)
{
	s->n = 0;
	while (s->n < 200 && rtp_dtmf_tx_next(tx, s->payload[s->n], &s->marker[s->n], &s->offset[s->n]))
		s->n++;
	assert_true(s->n < 200);
	assert_true(rtp_dtmf_tx_done(tx));
}

static void test_sender_sequence(void **state)
{
	(void)state;
	struct rtp_dtmf_tx tx;
	static struct sent s;
	assert_int_equal(rtp_dtmf_tx_start(&tx, '5', 100, 8000, 20), 0);
	assert_false(rtp_dtmf_tx_done(&tx));
	collect(&tx, &s);
	const uint8_t want[7][4] = {
		{5, 0x0A, 0x00, 0xA0}, {5, 0x0A, 0x01, 0x40}, {5, 0x0A, 0x01, 0xE0}, {5, 0x0A, 0x02, 0x80},
		{5, 0x8A, 0x03, 0x20}, {5, 0x8A, 0x03, 0x20}, {5, 0x8A, 0x03, 0x20},
	};
	assert_int_equal(s.n, 7);
	for (int i = 0; i < 7; i++) {
		assert_memory_equal(s.payload[i], want[i], 4);
		assert_int_equal(s.marker[i], i == 0);
		assert_int_equal(s.offset[i], 0);
	}
	uint8_t b[4];
	bool m;
	uint32_t off;
	assert_false(rtp_dtmf_tx_next(&tx, b, &m, &off));

	/* A duration that is no whole number of intervals ends on its own value. */
	assert_int_equal(rtp_dtmf_tx_start(&tx, 'a', 50, 8000, 20), 0);
	collect(&tx, &s);
	assert_int_equal(s.n, 2 + 3);
	assert_int_equal(s.payload[0][0], 12);
	assert_int_equal(s.payload[2][2] << 8 | s.payload[2][3], 400);
	assert_true(s.payload[2][1] & 0x80);

	/* Durations clamped: 0 is the default, then 40..2000 ms. */
	struct {
		unsigned ms, units;
	} clamp[] = {{0, 800}, {1, 320}, {40, 320}, {1999, 15992}, {2000, 16000}, {100000, 16000}};
	for (size_t i = 0; i < sizeof(clamp) / sizeof(clamp[0]); i++) {
		assert_int_equal(rtp_dtmf_tx_start(&tx, '1', clamp[i].ms, 8000, 20), 0);
		collect(&tx, &s);
		uint8_t *last = s.payload[s.n - 1];
		assert_int_equal(last[2] << 8 | last[3], clamp[i].units);
	}

	/* Refused. */
	assert_int_equal(rtp_dtmf_tx_start(&tx, 'x', 100, 8000, 20), -EINVAL);
	assert_int_equal(rtp_dtmf_tx_start(&tx, '\0', 100, 8000, 20), -EINVAL);
	assert_int_equal(rtp_dtmf_tx_start(&tx, '1', 100, 0, 20), -EINVAL);
	assert_int_equal(rtp_dtmf_tx_start(&tx, '1', 100, 192000, 20), -EINVAL);
	assert_int_equal(rtp_dtmf_tx_start(&tx, '1', 100, 8000, 0), -EINVAL);
	assert_int_equal(rtp_dtmf_tx_start(&tx, '1', 100, 8000, 200), -EINVAL);
}

/* At 48 kHz 2 s is 96000 units: two segments. */
static void test_sender_segments(void **state)
{
	(void)state;
	struct rtp_dtmf_tx tx;
	static struct sent s;
	assert_int_equal(rtp_dtmf_tx_start(&tx, '#', 2000, 48000, 20), 0);
	collect(&tx, &s);
	int full = 0, ends = 0, seg2 = 0;
	for (int i = 0; i < s.n; i++) {
		unsigned dur = (unsigned)(s.payload[i][2] << 8 | s.payload[i][3]);
		bool e = s.payload[i][1] & 0x80;
		assert_int_equal(s.marker[i], i == 0);
		assert_true(dur > 0);
		if (dur == 0xFFFF) {
			assert_false(e);
			assert_int_equal(s.offset[i], 0);
			full++;
		}
		if (s.offset[i] == 0xFFFF)
			seg2++;
		if (e) {
			assert_int_equal(dur, 96000 - 0xFFFF);
			assert_int_equal(s.offset[i], 0xFFFF);
			ends++;
		}
	}
	assert_int_equal(full, 3);
	assert_int_equal(ends, 3);
	/* 100 intervals and 2 more copies of the end: 68 updates in the first segment,
	 * its final packet 3 times, then the second segment from duration 3585 on. */
	assert_int_equal(s.n, 102);
	assert_int_equal(seg2, 102 - 68 - 3);

	struct feed f;
	feed_init(&f, 48000);
	for (int i = 0; i < s.n; i++)
		feed_raw(&f, 7 + s.offset[i], (uint16_t)i, s.marker[i], s.payload[i], 4, (uint64_t)i * 20);
	assert_int_equal(f.n, 2);
	expect(&f, 0, RTP_DTMF_BEGIN, '#', 0);
	expect(&f, 1, RTP_DTMF_END, '#', 2000);
}

/* Every digit through the sender and the receiver, at 8000 Hz, one after the other
 * with the gap between them; on the second pass with losses. */
static void test_round_trip(void **state)
{
	(void)state;
	const char *all = "0123456789*#ABCD!";
	for (int lossy = 0; lossy < 2; lossy++) {
		struct feed f;
		feed_init(&f, 8000);
		uint32_t ts = 0xFFFFF000u;
		uint16_t seq = 65500;
		uint64_t now = 0;
		for (int d = 0; all[d]; d++) {
			struct rtp_dtmf_tx tx;
			unsigned ms = 60 + 20 * (unsigned)d;
			assert_int_equal(rtp_dtmf_tx_start(&tx, all[d], ms, 8000, 20), 0);
			uint8_t b[4];
			bool m;
			uint32_t off;
			/* Lossy: the first packet and two of the three ends vanish. */
			for (int i = 0; rtp_dtmf_tx_next(&tx, b, &m, &off); i++, seq++, now += 20) {
				bool gone = lossy && (i == 0 || (b[1] & 0x80 && !rtp_dtmf_tx_done(&tx)));
				if (!gone)
					feed_raw(&f, ts + off, seq, m, b, 4, now);
			}
			ts += 8 * (ms + RTP_DTMF_GAP_MS);
			now += RTP_DTMF_GAP_MS;
			assert_int_equal(f.n, 2 * (d + 1));
			expect(&f, 2 * d, RTP_DTMF_BEGIN, all[d], 0);
			expect(&f, 2 * d + 1, RTP_DTMF_END, all[d], ms);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_digit_map),
		cmocka_unit_test(test_normal_event),
		cmocka_unit_test(test_lost_packets),
		cmocka_unit_test(test_duplicates_and_reordering),
		cmocka_unit_test(test_same_digit_twice),
		cmocka_unit_test(test_same_timestamp),
		cmocka_unit_test(test_long_event),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_other_events_and_stale),
		cmocka_unit_test(test_several_blocks),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_sender_sequence),
		cmocka_unit_test(test_sender_segments),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

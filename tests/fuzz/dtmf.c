/*
 * dtmf.c: libFuzzer target for the DTMF building blocks: the input as a stream of
 * telephone-event packets (header fields, arrival times, payloads of any length)
 * through the RFC 4733 receiver, whose reports must pair up (one BEGIN, then one END
 * of the same digit); the input choosing a digit, duration, clock, interval and
 * losses for the sender, whose packets must come back as that digit (exactly, with
 * its duration, when nothing is lost); and the input as a SIP INFO body in both
 * formats, whose accepted digits must print and read back the same.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "rtp_dtmf.h"
#include "sip_dtmf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The digit whose BEGIN was reported and whose END is due ('\0' if none). */
struct pairing {
	char open;
	unsigned begins, ends;
	uint32_t last_ms; /* the last END's duration */
};

static void check_reports(struct pairing *p, const struct rtp_dtmf_report *r, int n)
{
	FUZZ_CHECK(n >= 0 && n <= RTP_DTMF_MAX_REPORTS);
	for (int i = 0; i < n; i++) {
		FUZZ_CHECK(rtp_dtmf_event_code(r[i].digit) >= 0);
		if (r[i].kind == RTP_DTMF_BEGIN) {
			FUZZ_CHECK(!p->open && r[i].duration_ms == 0);
			p->open = r[i].digit;
			p->begins++;
		} else {
			FUZZ_CHECK(r[i].kind == RTP_DTMF_END && p->open == r[i].digit);
			p->open = '\0';
			p->ends++;
			p->last_ms = r[i].duration_ms;
		}
	}
}

/* Records: flags (marker, timestamp step, poll), seq step, time step, payload length,
 * then the payload. Few timestamp steps, so repeats, segments and restarts happen. */
static void fuzz_receiver(const uint8_t *data, size_t size)
{
	static const uint32_t ts_steps[8] = {0, 0, 160, 800, 0xFFFF, 0x10000, 0xFFFFFF00u, 12345};
	struct rtp_dtmf_rx rx;
	struct rtp_dtmf_report out[RTP_DTMF_MAX_REPORTS];
	struct pairing p = {0};
	uint32_t ts = 0;
	uint16_t seq = 0;
	uint64_t now = 0;
	rtp_dtmf_rx_init(&rx, size & 1 ? 8000 : 48000);
	size_t off = 0;
	while (off + 4 <= size) {
		const uint8_t *r = data + off;
		size_t len = r[3] & 15;
		off += 4;
		if (len > size - off)
			len = size - off;
		ts += ts_steps[(r[0] >> 1) & 7];
		seq = (uint16_t)(seq + (int8_t)r[1]);
		now += (uint64_t)r[2] * 8;
		struct rtp_dtmf_pkt pkt = {.ts = ts, .seq = seq, .marker = r[0] & 1, .payload = data + off, .len = len,
					   .now_ms = now};
		int n = rtp_dtmf_rx_packet(&rx, &pkt, out);
		FUZZ_CHECK(n == -EINVAL ? len < RTP_DTMF_BLOCK : n >= 0);
		check_reports(&p, out, n > 0 ? n : 0);
		off += len;
		/* A digit in progress always has a deadline, and polling at it ends it. */
		uint64_t at;
		if (p.open) {
			FUZZ_CHECK(rtp_dtmf_rx_deadline(&rx, &at));
			if (at <= now) {
				check_reports(&p, out, rtp_dtmf_rx_poll(&rx, now, out));
				FUZZ_CHECK(!p.open);
			}
		}
		if (r[0] & 0x10)
			check_reports(&p, out, rtp_dtmf_rx_poll(&rx, now + (r[0] >> 5) * 200, out));
	}
	check_reports(&p, out, rtp_dtmf_rx_flush(&rx, out));
	FUZZ_CHECK(!p.open && p.begins == p.ends);
}

/* One digit from the sender into a receiver, losing the packets the input says. */
static void fuzz_sender(const uint8_t *data, size_t size)
{
	static const uint32_t clocks[4] = {8000, 16000, 48000, 1000};
	if (size < 4)
		return;
	char digit = "0123456789*#ABCD!"[data[0] % 17];
	unsigned ms = (unsigned)(data[1] << 8 | data[2]);
	uint32_t clock = clocks[data[3] & 3];
	unsigned interval = 10 + 10 * ((data[3] >> 2) % 10);
	struct rtp_dtmf_tx tx;
	FUZZ_CHECK(rtp_dtmf_tx_start(&tx, digit, ms, clock, interval) == 0);
	struct rtp_dtmf_rx rx;
	struct rtp_dtmf_report out[RTP_DTMF_MAX_REPORTS];
	struct pairing p = {0};
	rtp_dtmf_rx_init(&rx, clock);
	uint8_t b[RTP_DTMF_BLOCK];
	bool marker, lost = false;
	uint32_t ts_off;
	for (size_t i = 0; rtp_dtmf_tx_next(&tx, b, &marker, &ts_off); i++) {
		FUZZ_CHECK(i < 1000 && marker == (i == 0));
		FUZZ_CHECK(b[0] == rtp_dtmf_event_code(digit) && (b[2] | b[3]));
		/* Bit i of the bytes after the first four: packet i is lost. */
		size_t byte = 4 + i / 8;
		if (byte < size && (data[byte] >> (i % 8)) & 1) {
			lost = true;
			continue;
		}
		struct rtp_dtmf_pkt pkt = {.ts = 99 + ts_off, .seq = (uint16_t)i, .marker = marker, .payload = b,
					   .len = sizeof(b), .now_ms = i * interval};
		check_reports(&p, out, rtp_dtmf_rx_packet(&rx, &pkt, out));
		FUZZ_CHECK(!p.open || p.open == digit);
	}
	check_reports(&p, out, rtp_dtmf_rx_flush(&rx, out));
	if (!lost) {
		unsigned want = ms == 0 ? RTP_DTMF_DEFAULT_MS : ms < RTP_DTMF_MIN_MS ? RTP_DTMF_MIN_MS
				: ms > RTP_DTMF_MAX_MS ? RTP_DTMF_MAX_MS : ms;
		FUZZ_CHECK(p.begins == 1 && p.ends == 1 && p.last_ms == want);
	}
}

static void fuzz_info(const uint8_t *data, size_t size)
{
	struct sip_pl body = sip_pl_make((const char *)data, size);
	sip_dtmf_format_of(&body);
	for (int fmt = SIP_DTMF_RELAY; fmt <= SIP_DTMF_PLAIN; fmt++) {
		struct sip_dtmf d;
		if (sip_dtmf_parse((enum sip_dtmf_format)fmt, &body, &d) != 0)
			continue;
		FUZZ_CHECK(d.duration_ms >= 1 && d.duration_ms <= SIP_DTMF_MAX_MS);
		char buf[64];
		int n = sip_dtmf_print(buf, sizeof(buf), d.digit, d.duration_ms);
		FUZZ_CHECK(n > 0);
		struct sip_dtmf back;
		struct sip_pl printed = sip_pl_make(buf, (size_t)n);
		FUZZ_CHECK(sip_dtmf_parse(SIP_DTMF_RELAY, &printed, &back) == 0);
		FUZZ_CHECK(back.digit == d.digit && back.duration_ms == d.duration_ms);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_receiver(data, size);
	fuzz_sender(data, size);
	fuzz_info(data, size);
	return 0;
}

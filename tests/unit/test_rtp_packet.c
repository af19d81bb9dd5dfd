/* test_rtp_packet.c: RTP header parsing and building on hand-built packets (RFC 3550 §5.1, §5.3.1, §A.1). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "rtp_packet.h"

/* A PCMU packet as a phone sends it: V=2, no flags, PT 0, seq 0x1234, ts 0x00000A00,
 * SSRC 0xDEADBEEF, 4 payload bytes. */
static const uint8_t pcmu[] = {0x80, 0x00, 0x12, 0x34, 0x00, 0x00, 0x0A, 0x00, 0xDE, 0xAD, 0xBE, 0xEF,
			       0xFF, 0xFE, 0x7F, 0x00};

static void test_parse_plain(void **state)
{
	(void)state;
	struct rtp_hdr h;
	assert_int_equal(rtp_parse(pcmu, sizeof(pcmu), &h), RTP_OK);
	assert_false(h.padding);
	assert_false(h.extension);
	assert_false(h.marker);
	assert_int_equal(h.cc, 0);
	assert_int_equal(h.pt, 0);
	assert_int_equal(h.seq, 0x1234);
	assert_int_equal(h.ts, 0xA00);
	assert_int_equal(h.ssrc, 0xDEADBEEF);
	assert_int_equal(h.header_len, 12);
	assert_ptr_equal(h.payload, pcmu + 12);
	assert_int_equal(h.payload_len, 4);
	assert_int_equal(h.pad_len, 0);
	assert_null(h.ext);
}

/* Every field at once: padding, extension, 2 CSRCs, marker, PT 101 (telephone-event). */
static const uint8_t full[] = {
	0xB2, 0xE5, 0xFF, 0xFF,             /* V=2 P=1 X=1 CC=2; M=1 PT=101; seq 65535 */
	0xFF, 0xFF, 0xFF, 0xF0,             /* ts */
	0x01, 0x02, 0x03, 0x04,             /* SSRC */
	0x00, 0x00, 0x00, 0x0A,             /* CSRC 1 */
	0x00, 0x00, 0x00, 0x0B,             /* CSRC 2 */
	0xBE, 0xDE, 0x00, 0x01,             /* extension: profile 0xBEDE, 1 word */
	0x10, 0xAA, 0x00, 0x00,             /* one-byte header element, padded */
	0x05, 0x8A, 0x00, 0xA0,             /* RFC 4733 event: digit 5, end, volume 10, 160 */
	0x00, 0x00, 0x03,                   /* 3 bytes of padding */
};

static void test_parse_every_field(void **state)
{
	(void)state;
	struct rtp_hdr h;
	assert_int_equal(rtp_parse(full, sizeof(full), &h), RTP_OK);
	assert_true(h.padding);
	assert_true(h.extension);
	assert_true(h.marker);
	assert_int_equal(h.pt, 101);
	assert_int_equal(h.seq, 65535);
	assert_int_equal(h.ts, 0xFFFFFFF0);
	assert_int_equal(h.ssrc, 0x01020304);
	assert_int_equal(h.cc, 2);
	assert_int_equal(h.csrc[0], 0x0A);
	assert_int_equal(h.csrc[1], 0x0B);
	assert_int_equal(h.ext_profile, 0xBEDE);
	assert_ptr_equal(h.ext, full + 24);
	assert_int_equal(h.ext_len, 4);
	assert_int_equal(h.header_len, 28);
	assert_int_equal(h.payload_len, 4);
	assert_int_equal(h.payload[0], 0x05);
	assert_int_equal(h.pad_len, 3);
}

static void test_parse_refusals(void **state)
{
	(void)state;
	struct rtp_hdr h;
	uint8_t b[64];
	assert_int_equal(rtp_parse(pcmu, 11, &h), RTP_ERR_SHORT);
	assert_int_equal(rtp_parse(pcmu, 0, &h), RTP_ERR_SHORT);

	memcpy(b, pcmu, sizeof(pcmu));
	b[0] = 0x40; /* version 1 */
	assert_int_equal(rtp_parse(b, sizeof(pcmu), &h), RTP_ERR_VERSION);
	b[0] = 0x00; /* version 0 */
	assert_int_equal(rtp_parse(b, sizeof(pcmu), &h), RTP_ERR_VERSION);

	/* An RTCP SR (PT 200) and RR (201) read as marker + PT 72/73. */
	memcpy(b, pcmu, sizeof(pcmu));
	b[1] = 200;
	assert_int_equal(rtp_parse(b, sizeof(pcmu), &h), RTP_ERR_RTCP_PT);
	b[1] = 201;
	assert_int_equal(rtp_parse(b, sizeof(pcmu), &h), RTP_ERR_RTCP_PT);
	b[1] = 76;
	assert_int_equal(rtp_parse(b, sizeof(pcmu), &h), RTP_ERR_RTCP_PT);
	b[1] = 77;
	assert_int_equal(rtp_parse(b, sizeof(pcmu), &h), RTP_OK);
	b[1] = 71;
	assert_int_equal(rtp_parse(b, sizeof(pcmu), &h), RTP_OK);

	/* 15 CSRCs announced, 1 present. */
	memcpy(b, pcmu, sizeof(pcmu));
	b[0] = 0x8F;
	assert_int_equal(rtp_parse(b, sizeof(pcmu), &h), RTP_ERR_CSRC);
	b[0] = 0x81; /* one CSRC: exactly the 4 payload bytes */
	assert_int_equal(rtp_parse(b, sizeof(pcmu), &h), RTP_OK);
	assert_int_equal(h.payload_len, 0);

	/* Extension header cut short, and one whose length runs past the end. */
	memcpy(b, pcmu, sizeof(pcmu));
	b[0] = 0x90;
	assert_int_equal(rtp_parse(b, 14, &h), RTP_ERR_EXTENSION);
	b[12] = 0xBE, b[13] = 0xDE, b[14] = 0x00, b[15] = 0x01;
	assert_int_equal(rtp_parse(b, 16, &h), RTP_ERR_EXTENSION);
	b[15] = 0x00; /* zero words: an empty extension is valid */
	assert_int_equal(rtp_parse(b, 16, &h), RTP_OK);
	assert_int_equal(h.ext_len, 0);
	assert_int_equal(h.payload_len, 0);

	/* Padding count 0, and one larger than what follows the header. */
	memcpy(b, pcmu, sizeof(pcmu));
	b[0] = 0xA0;
	b[15] = 0;
	assert_int_equal(rtp_parse(b, sizeof(pcmu), &h), RTP_ERR_PADDING);
	b[15] = 5;
	assert_int_equal(rtp_parse(b, sizeof(pcmu), &h), RTP_ERR_PADDING);
	b[15] = 4; /* all of it padding */
	assert_int_equal(rtp_parse(b, sizeof(pcmu), &h), RTP_OK);
	assert_int_equal(h.payload_len, 0);
	/* Padding bit on a bare header: the count byte would be part of the header. */
	assert_int_equal(rtp_parse(b, 12, &h), RTP_ERR_PADDING);

	for (int e = RTP_ERR_PADDING; e <= RTP_OK; e++)
		assert_non_null(rtp_parse_error_str(e));
}

static void test_build_round_trip(void **state)
{
	(void)state;
	struct rtp_hdr h;
	assert_int_equal(rtp_parse(full, sizeof(full), &h), RTP_OK);
	uint8_t out[64];
	size_t n = rtp_build(out, sizeof(out), &h, h.payload, h.payload_len);
	assert_int_equal(n, sizeof(full));
	assert_memory_equal(out, full, sizeof(full));

	/* Too small by one byte: refused, nothing claimed. */
	assert_int_equal(rtp_build(out, sizeof(full) - 1, &h, h.payload, h.payload_len), 0);

	struct rtp_hdr p = {.pt = 0, .seq = 0x1234, .ts = 0xA00, .ssrc = 0xDEADBEEF};
	n = rtp_build(out, sizeof(out), &p, pcmu + 12, 4);
	assert_int_equal(n, sizeof(pcmu));
	assert_memory_equal(out, pcmu, sizeof(pcmu));

	/* The payload already in place after the header. */
	memcpy(out + 12, "\x01\x02\x03", 3);
	n = rtp_build(out, sizeof(out), &p, out + 12, 3);
	assert_int_equal(n, 15);
	assert_memory_equal(out + 12, "\x01\x02\x03", 3);

	/* Out of range: PT 128, 16 CSRCs, an extension not in whole words, padding 0. */
	p.pt = 128;
	assert_int_equal(rtp_build(out, sizeof(out), &p, NULL, 0), 0);
	p.pt = 0;
	p.cc = 16;
	assert_int_equal(rtp_build(out, sizeof(out), &p, NULL, 0), 0);
	p.cc = 0;
	p.extension = true;
	p.ext_len = 3;
	assert_int_equal(rtp_build(out, sizeof(out), &p, NULL, 0), 0);
	p.extension = false;
	p.padding = true;
	assert_int_equal(rtp_build(out, sizeof(out), &p, NULL, 0), 0);
	p.pad_len = 4;
	n = rtp_build(out, sizeof(out), &p, NULL, 0);
	assert_int_equal(n, 16);
	assert_int_equal(rtp_parse(out, n, &h), RTP_OK);
	assert_int_equal(h.pad_len, 4);
}

static void test_rewrite_in_place(void **state)
{
	(void)state;
	uint8_t b[sizeof(pcmu)];
	memcpy(b, pcmu, sizeof(b));
	rtp_put_seq(b, 0xBEEF);
	rtp_put_ts(b, 0x11223344);
	rtp_put_ssrc(b, 0xCAFEF00D);
	rtp_put_marker(b, true);
	struct rtp_hdr h;
	assert_int_equal(rtp_parse(b, sizeof(b), &h), RTP_OK);
	assert_int_equal(h.seq, 0xBEEF);
	assert_int_equal(h.ts, 0x11223344);
	assert_int_equal(h.ssrc, 0xCAFEF00D);
	assert_true(h.marker);
	assert_int_equal(h.pt, 0);
	rtp_put_marker(b, false);
	assert_int_equal(b[1], 0x00);
	assert_memory_equal(b + 12, pcmu + 12, 4);
}

static void test_clock_rates(void **state)
{
	(void)state;
	assert_int_equal(rtp_clock_rate(0, 1), 8000);   /* PCMU */
	assert_int_equal(rtp_clock_rate(8, 1), 8000);   /* PCMA */
	assert_int_equal(rtp_clock_rate(9, 1), 8000);   /* G722: 8000 though sampled at 16 kHz */
	assert_int_equal(rtp_clock_rate(6, 1), 16000);  /* DVI4 wideband */
	assert_int_equal(rtp_clock_rate(10, 1), 44100); /* L16 stereo */
	assert_int_equal(rtp_clock_rate(34, 1), 90000); /* H263 */
	assert_int_equal(rtp_clock_rate(1, 7), 7);      /* reserved */
	assert_int_equal(rtp_clock_rate(101, 8000), 8000);
	assert_int_equal(rtp_clock_rate(127, 48000), 48000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain),
		cmocka_unit_test(test_parse_every_field),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_build_round_trip),
		cmocka_unit_test(test_rewrite_in_place),
		cmocka_unit_test(test_clock_rates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

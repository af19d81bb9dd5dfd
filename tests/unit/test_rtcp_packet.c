/* test_rtcp_packet.c: RTCP compound validation, SR/RR/SDES/BYE reading and writing, NTP and RTT (RFC 3550 §6, §A.2). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "rtcp_packet.h"

/* SR with one report block, then SDES with a CNAME: a phone's usual compound. */
static const uint8_t sr_sdes[] = {
	/* SR: V=2 RC=1 PT=200 length 12 (52 bytes) */
	0x81, 0xC8, 0x00, 0x0C,
	0x11, 0x11, 0x11, 0x11,             /* sender SSRC */
	0xE9, 0x00, 0x00, 0x01,             /* NTP seconds */
	0x80, 0x00, 0x00, 0x00,             /* NTP fraction: .5 s */
	0x00, 0x01, 0x86, 0xA0,             /* RTP timestamp 100000 */
	0x00, 0x00, 0x00, 0x64,             /* 100 packets */
	0x00, 0x00, 0x3E, 0x80,             /* 16000 octets */
	0x22, 0x22, 0x22, 0x22,             /* block: about SSRC 0x22222222 */
	0x40, 0xFF, 0xFF, 0xFF,             /* fraction 64/256, cumulative -1 (duplicates) */
	0x00, 0x01, 0x00, 0x05,             /* extended highest seq: one wrap, then 5 */
	0x00, 0x00, 0x00, 0x20,             /* jitter 32 */
	0xB7, 0x05, 0x20, 0x00,             /* LSR */
	0x00, 0x05, 0x40, 0x00,             /* DLSR 5.25 s */
	/* SDES: V=2 SC=1 PT=202 length 4 (20 bytes) */
	0x81, 0xCA, 0x00, 0x04,
	0x11, 0x11, 0x11, 0x11,
	0x01, 0x09, 'u', 's', 'e', 'r', '@', 'h', 'o', 's', 't',
	0x00,                               /* end of items, the chunk ends on a word */
};

static void test_summarize_sr_sdes(void **state)
{
	(void)state;
	struct rtcp_summary s;
	assert_int_equal(rtcp_summarize(sr_sdes, sizeof(sr_sdes), &s), RTCP_OK);
	assert_int_equal(s.packets, 2);
	assert_true(s.has_sr);
	assert_false(s.has_rr);
	assert_int_equal(s.sr.ssrc, 0x11111111);
	assert_true(s.sr.ntp == ((uint64_t)0xE9000001 << 32 | 0x80000000u));
	assert_int_equal(s.sr.rtp_ts, 100000);
	assert_int_equal(s.sr.packets, 100);
	assert_int_equal(s.sr.octets, 16000);
	assert_int_equal(s.nblocks, 1);
	const struct rtcp_block *b = rtcp_summary_block(&s, 0x22222222);
	assert_non_null(b);
	assert_null(rtcp_summary_block(&s, 0x11111111));
	assert_int_equal(b->fraction, 64);
	assert_int_equal(b->lost, -1);
	assert_int_equal(b->ext_max_seq, 0x10005);
	assert_int_equal(b->jitter, 32);
	assert_int_equal(b->lsr, 0xB7052000);
	assert_int_equal(b->dlsr, 0x00054000);
	assert_int_equal(s.cname_len, 9);
	assert_memory_equal(s.cname, "user@host", 9);
	assert_int_equal(s.cname_ssrc, 0x11111111);
	assert_false(s.bye);
}

static void test_compound_refusals(void **state)
{
	(void)state;
	uint8_t b[sizeof(sr_sdes) + 8];
	memcpy(b, sr_sdes, sizeof(sr_sdes));
	assert_int_equal(rtcp_check(b, 3), RTCP_ERR_SHORT);
	/* Cut inside the SDES: its length runs past the datagram. */
	assert_int_equal(rtcp_check(b, sizeof(sr_sdes) - 4), RTCP_ERR_SHORT);
	/* Trailing bytes that are not a whole packet. */
	assert_int_equal(rtcp_check(b, sizeof(sr_sdes) + 2), RTCP_ERR_SHORT);
	/* SDES first. */
	assert_int_equal(rtcp_check(b + 52, sizeof(sr_sdes) - 52), RTCP_ERR_FIRST);
	/* Version 1 in the second packet. */
	b[52] = 0x41;
	assert_int_equal(rtcp_check(b, sizeof(sr_sdes)), RTCP_ERR_VERSION);
	b[52] = 0x81;
	/* Padding on the first packet of two. */
	b[0] = 0xA1;
	assert_int_equal(rtcp_check(b, sizeof(sr_sdes)), RTCP_ERR_PADDING);
	b[0] = 0x81;
	/* Padding on the last packet: count 0, too large, then right. */
	b[52] = 0xA1;
	b[sizeof(sr_sdes) - 1] = 0;
	assert_int_equal(rtcp_check(b, sizeof(sr_sdes)), RTCP_ERR_PADDING);
	b[sizeof(sr_sdes) - 1] = 17;
	assert_int_equal(rtcp_check(b, sizeof(sr_sdes)), RTCP_ERR_PADDING);
	b[sizeof(sr_sdes) - 1] = 1;
	assert_int_equal(rtcp_check(b, sizeof(sr_sdes)), RTCP_OK);
	b[52] = 0x81;
	/* An SR announcing two blocks with room for one. */
	b[0] = 0x82;
	struct rtcp_summary s;
	assert_int_equal(rtcp_summarize(b, sizeof(sr_sdes), &s), RTCP_ERR_LENGTH);
	b[0] = 0x81;
	/* An SDES item whose length runs past the packet. */
	b[61] = 40;
	assert_int_equal(rtcp_summarize(b, sizeof(sr_sdes), &s), RTCP_ERR_LENGTH);
	for (int e = RTCP_ERR_LENGTH; e <= RTCP_OK; e++)
		assert_non_null(rtcp_error_str(e));
}

static void test_build_and_read_back(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct rtcp_sender snd = {0x11111111, (uint64_t)0xE9000001 << 32 | 0x80000000u, 100000, 100, 16000};
	struct rtcp_block blk = {0x22222222, 64, -1, 0x10005, 32, 0xB7052000, 0x00054000};
	size_t n = rtcp_build_sr(buf, sizeof(buf), &snd, &blk, 1);
	assert_int_equal(n, 52);
	size_t m = rtcp_build_sdes_cname(buf + n, sizeof(buf) - n, 0x11111111, "user@host", 9);
	assert_int_equal(m, 20);
	assert_int_equal(n + m, sizeof(sr_sdes));
	/* The exact bytes of the hand-built compound. */
	assert_memory_equal(buf, sr_sdes, sizeof(sr_sdes));

	/* RR with two blocks, SDES whose CNAME fills the chunk to a word (needs a whole
	 * zero word after it), BYE with a reason. */
	struct rtcp_block two[2] = {{1, 0, 0x7FFFFF, 10, 0, 0, 0}, {2, 255, -0x800000, 20, 5, 6, 7}};
	n = rtcp_build_rr(buf, sizeof(buf), 0xAABBCCDD, two, 2);
	assert_int_equal(n, 8 + 48);
	m = rtcp_build_sdes_cname(buf + n, sizeof(buf) - n, 0xAABBCCDD, "ab", 2);
	assert_int_equal(m, 4 + 8 + 4);
	n += m;
	uint32_t ids[1] = {0xAABBCCDD};
	m = rtcp_build_bye(buf + n, sizeof(buf) - n, ids, 1, "hangup");
	assert_int_equal(m, 4 + 4 + 8);
	n += m;
	struct rtcp_summary s;
	assert_int_equal(rtcp_summarize(buf, n, &s), RTCP_OK);
	assert_int_equal(s.packets, 3);
	assert_true(s.has_rr);
	assert_int_equal(s.rr_ssrc, 0xAABBCCDD);
	assert_int_equal(s.nblocks, 2);
	assert_int_equal(s.blocks[0].lost, 0x7FFFFF);
	assert_int_equal(s.blocks[1].lost, -0x800000);
	assert_int_equal(s.blocks[1].fraction, 255);
	assert_int_equal(s.blocks[1].dlsr, 7);
	assert_int_equal(s.cname_len, 2);
	assert_true(s.bye);

	/* BYE read on its own. */
	struct rtcp_iter it;
	struct rtcp_pkt pkt;
	rtcp_iter_init(&it, buf, n);
	int seen = 0;
	while (rtcp_next(&it, &pkt))
		if (pkt.type == RTCP_BYE) {
			uint32_t got[4];
			unsigned k;
			const char *reason;
			size_t rl;
			assert_int_equal(rtcp_parse_bye(&pkt, got, 4, &k, &reason, &rl), RTCP_OK);
			assert_int_equal(k, 1);
			assert_int_equal(got[0], 0xAABBCCDD);
			assert_int_equal(rl, 6);
			assert_memory_equal(reason, "hangup", 6);
			seen++;
		}
	assert_int_equal(seen, 1);

	/* Out of room, too many blocks, too long a CNAME. */
	assert_int_equal(rtcp_build_sr(buf, 51, &snd, &blk, 1), 0);
	assert_int_equal(rtcp_build_rr(buf, sizeof(buf), 1, two, 32), 0);
	char longname[300];
	memset(longname, 'x', sizeof(longname));
	assert_int_equal(rtcp_build_sdes_cname(buf, sizeof(buf), 1, longname, 256), 0);
	assert_int_equal(rtcp_build_sdes_cname(buf, sizeof(buf), 1, longname, 255), 4 + 264);
	assert_int_equal(rtcp_build_bye(buf, 7, ids, 1, NULL), 0);
	assert_int_equal(rtcp_build_bye(buf, 8, ids, 1, NULL), 8);
}

static void test_more_blocks_than_room(void **state)
{
	(void)state;
	uint8_t buf[1024];
	struct rtcp_block b[31];
	for (unsigned i = 0; i < 31; i++)
		b[i] = (struct rtcp_block){.ssrc = i + 1, .ext_max_seq = i};
	/* Two RRs of 31 and 5 blocks: the summary keeps the first 31. */
	size_t n = rtcp_build_rr(buf, sizeof(buf), 9, b, 31);
	n += rtcp_build_rr(buf + n, sizeof(buf) - n, 9, b, 5);
	struct rtcp_summary s;
	assert_int_equal(rtcp_summarize(buf, n, &s), RTCP_OK);
	assert_int_equal(s.nblocks, 31);
	assert_int_equal(s.blocks[30].ssrc, 31);
}

static void test_sdes_without_cname(void **state)
{
	(void)state;
	/* RR without blocks, then SDES with a NAME item (2) only, and a second chunk. */
	static const uint8_t p[] = {
		0x80, 0xC9, 0x00, 0x01, 0x00, 0x00, 0x00, 0x07,
		0x82, 0xCA, 0x00, 0x05,
		0x00, 0x00, 0x00, 0x07, 0x02, 0x01, 'x', 0x00,
		0x00, 0x00, 0x00, 0x08, 0x01, 0x02, 'h', 'i', 0x00, 0x00, 0x00, 0x00,
	};
	struct rtcp_summary s;
	assert_int_equal(rtcp_summarize(p, sizeof(p), &s), RTCP_OK);
	assert_true(s.has_rr);
	assert_int_equal(s.nblocks, 0);
	assert_int_equal(s.cname_ssrc, 8);
	assert_int_equal(s.cname_len, 2);
}

static void test_ntp_and_rtt(void **state)
{
	(void)state;
	/* The Unix epoch is NTP 2208988800; half a second is 0x80000000. */
	assert_true(rtcp_ntp_from_us(0) == (uint64_t)2208988800u << 32);
	assert_true(rtcp_ntp_from_us(1500000) == ((uint64_t)2208988801u << 32 | 0x80000000u));
	assert_int_equal(rtcp_ntp_mid((uint64_t)0x0000B7108000ull << 16), 0xB7108000);

	/* RFC 3550 §6.4.1's example: A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000
	 * (46853.125 s), DLSR = 0x0005:4000 (5.250 s): RTT 6.125 s. */
	struct rtcp_block b = {.lsr = 0xB7052000, .dlsr = 0x00054000};
	assert_int_equal(rtcp_rtt_us(&b, 0xB7108000), 6125000);
	/* No SR seen yet, and a clock that makes the sum negative. */
	b.lsr = 0;
	assert_int_equal(rtcp_rtt_us(&b, 0xB7108000), -1);
	b.lsr = 0xB7108000;
	assert_int_equal(rtcp_rtt_us(&b, 0xB7108000), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summarize_sr_sdes),
		cmocka_unit_test(test_compound_refusals),
		cmocka_unit_test(test_build_and_read_back),
		cmocka_unit_test(test_more_blocks_than_room),
		cmocka_unit_test(test_sdes_without_cname),
		cmocka_unit_test(test_ntp_and_rtt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

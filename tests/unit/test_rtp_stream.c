/* test_rtp_stream.c: the relay's pure decisions: output stream rewriting, symmetric RTP latching, the port set. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "rtp_latch.h"
#include "rtp_portset.h"
#include "rtp_rewrite.h"

/* --- rewriting --- */

struct pkt {
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	bool marker;
};

static bool send_one(struct rtp_rewrite *rw, struct pkt *p, uint64_t now_us)
{
	return rtp_rewrite_apply(rw, p->ssrc, &p->seq, &p->ts, &p->marker, now_us, 8000);
}

static void test_rewrite_keeps_one_stream(void **state)
{
	(void)state;
	struct rtp_rewrite rw;
	rtp_rewrite_init(&rw, 0xABCD0001, 5000, 800000);
	assert_int_equal(rtp_rewrite_ts_at(&rw, 0, 8000), 800000);
	uint64_t t = 1000000;
	/* Source 1: seq 100.., ts 0.. every 20 ms. Output starts at 5000 / 800000. */
	for (unsigned i = 0; i < 10; i++, t += 20000) {
		struct pkt p = {0x1111, (uint16_t)(100 + i), i * 160, false};
		assert_true(send_one(&rw, &p, t));
		assert_int_equal(p.seq, 5000 + i);
		assert_int_equal(p.ts, 800000 + i * 160);
		assert_false(p.marker);
	}
	/* Source 1 loses a packet: the gap shows through (loss stays visible). */
	struct pkt gap = {0x1111, 111, 11 * 160, false};
	assert_true(send_one(&rw, &gap, t));
	assert_int_equal(gap.seq, 5011);
	/* A late packet keeps its own mapping and does not move the reference. */
	struct pkt late = {0x1111, 110, 10 * 160, false};
	assert_true(send_one(&rw, &late, t + 1000));
	assert_int_equal(late.seq, 5010);
	assert_int_equal(rw.last_seq, 5011);

	/* 60 ms later source 2 takes over with unrelated numbers: the sequence goes on
	 * at 5012, the timestamp 60 ms (480 units) on, and the marker is set. */
	t += 60000;
	struct pkt s2 = {0x2222, 40000, 123456789, false};
	assert_true(send_one(&rw, &s2, t));
	assert_int_equal(s2.seq, 5012);
	assert_int_equal(s2.ts, 800000 + 11 * 160 + 480);
	assert_true(s2.marker);
	assert_int_equal(rw.switches, 1);
	struct pkt s2b = {0x2222, 40001, 123456789 + 160, false};
	assert_true(send_one(&rw, &s2b, t + 20000));
	assert_int_equal(s2b.seq, 5013);
	assert_int_equal(s2b.ts, 800000 + 11 * 160 + 480 + 160);
	assert_false(s2b.marker);

	/* A straggler of source 1 right after the switch is dropped... */
	struct pkt s1late = {0x1111, 112, 12 * 160, false};
	assert_false(send_one(&rw, &s1late, t + 30000));
	assert_int_equal(rw.dropped, 1);
	/* ...but source 1 coming back later is a switch like any other. */
	t += RTP_REWRITE_HOLDOFF_US + 20000;
	struct pkt back = {0x1111, 200, 200 * 160, false};
	assert_true(send_one(&rw, &back, t));
	assert_int_equal(back.seq, 5014);
	assert_true(back.marker);
	assert_int_equal(rw.switches, 2);

	/* Sequence and timestamp wrap with the source. */
	rtp_rewrite_init(&rw, 1, 65535, 0xFFFFFF60);
	struct pkt w1 = {9, 7, 0, false}, w2 = {9, 8, 160, false};
	assert_true(send_one(&rw, &w1, 0));
	assert_true(send_one(&rw, &w2, 20000));
	assert_int_equal(w1.seq, 65535);
	assert_int_equal(w2.seq, 0);
	assert_int_equal(w2.ts, 0);
	assert_int_equal(rtp_rewrite_ts_at(&rw, 40000, 8000), 160);
}

/* --- latching --- */

static struct sockaddr_in v4(const char *ip, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

#define SA(x) ((const struct sockaddr *)&(x))

static void test_latch_learns_and_moves(void **state)
{
	(void)state;
	struct rtp_latch l;
	rtp_latch_init(&l, true);
	assert_null(rtp_latch_rtp_dest(&l));
	struct sockaddr_in sdp = v4("10.0.0.5", 4000), sdp_rtcp = v4("10.0.0.5", 4001);
	rtp_latch_set_sdp(&l, SA(sdp), SA(sdp_rtcp));
	assert_true(rtp_addr_equal(rtp_latch_rtp_dest(&l), SA(sdp)));

	/* The phone is behind a NAT: its packets come from 203.0.113.7:30000. */
	struct sockaddr_in nat = v4("203.0.113.7", 30000);
	assert_int_equal(rtp_latch_rtp(&l, SA(nat), 10, 1000), RTP_LATCH_LEARNED);
	assert_true(rtp_addr_equal(rtp_latch_rtp_dest(&l), SA(nat)));
	assert_int_equal(rtp_latch_rtp(&l, SA(nat), 11, 1020), RTP_LATCH_ACCEPT);

	/* RTCP from the NAT's host is taken and answered where it came from; before any,
	 * reports go to the port above the latched one. */
	struct sockaddr_storage scratch;
	struct sockaddr_in nat_rtcp_guess = v4("203.0.113.7", 30001);
	assert_true(rtp_addr_equal(rtp_latch_rtcp_dest(&l, &scratch), SA(nat_rtcp_guess)));
	struct sockaddr_in nat_rtcp = v4("203.0.113.7", 30999), other = v4("198.51.100.1", 30001);
	assert_false(rtp_latch_rtcp(&l, SA(other)));
	assert_true(rtp_latch_rtcp(&l, SA(nat_rtcp)));
	assert_true(rtp_addr_equal(rtp_latch_rtcp_dest(&l, &scratch), SA(nat_rtcp)));

	/* A stranger's packets are dropped while the phone talks, even in sequence. */
	struct sockaddr_in evil = v4("198.51.100.1", 5555);
	uint64_t t = 1040;
	for (uint16_t q = 500; q < 520; q++, t += 20) {
		assert_int_equal(rtp_latch_rtp(&l, SA(evil), q, t), RTP_LATCH_DROP);
		assert_int_equal(rtp_latch_rtp(&l, SA(nat), (uint16_t)(12 + q - 500), t), RTP_LATCH_ACCEPT);
	}
	/* A flood faster than the phone, between two of its packets, is not enough. */
	for (uint16_t q = 600; q < 620; q++)
		assert_int_equal(rtp_latch_rtp(&l, SA(evil), q, t), RTP_LATCH_DROP);

	/* The NAT rebinds: the phone goes quiet at its old port and continues at a new
	 * one. Four packets in sequence after 100 ms of silence move the session. */
	uint64_t quiet = t - 20; /* the phone's last packet at the old port */
	struct sockaddr_in moved = v4("203.0.113.7", 31000);
	assert_int_equal(rtp_latch_rtp(&l, SA(moved), 40, quiet + 20), RTP_LATCH_DROP);
	assert_int_equal(rtp_latch_rtp(&l, SA(moved), 41, quiet + 40), RTP_LATCH_DROP);
	assert_int_equal(rtp_latch_rtp(&l, SA(moved), 42, quiet + 60), RTP_LATCH_DROP);
	/* Four in sequence but the old port spoke 80 ms ago: still dropped. */
	assert_int_equal(rtp_latch_rtp(&l, SA(moved), 43, quiet + 80), RTP_LATCH_DROP);
	assert_int_equal(rtp_latch_rtp(&l, SA(moved), 44, quiet + 100), RTP_LATCH_LEARNED);
	assert_true(rtp_addr_equal(rtp_latch_rtp_dest(&l), SA(moved)));
	assert_int_equal(l.relatches, 1);
	/* The old port is now the stranger. */
	assert_int_equal(rtp_latch_rtp(&l, SA(nat), 45, quiet + 120), RTP_LATCH_DROP);

	/* A gap in the newcomer's sequence starts its count again. */
	assert_int_equal(rtp_latch_rtp(&l, SA(moved), 46, quiet + 200), RTP_LATCH_ACCEPT);
	for (uint16_t q = 0; q < 3; q++)
		rtp_latch_rtp(&l, SA(evil), (uint16_t)(700 + q * 2), quiet + 400 + q);
	assert_int_equal(l.cand_count, 1);

	/* A new SDP address: learning starts over. */
	struct sockaddr_in sdp2 = v4("10.0.0.6", 5000), sdp2_rtcp = v4("10.0.0.6", 5001);
	rtp_latch_set_sdp(&l, SA(sdp2), SA(sdp2_rtcp));
	assert_true(rtp_addr_equal(rtp_latch_rtp_dest(&l), SA(sdp2)));
	assert_true(rtp_addr_equal(rtp_latch_rtcp_dest(&l, &scratch), SA(sdp2_rtcp)));
	/* Latched on the SDP's own address: RTCP goes to the SDP's RTCP port. */
	assert_int_equal(rtp_latch_rtp(&l, SA(sdp2), 1, 5000), RTP_LATCH_LEARNED);
	assert_true(rtp_addr_equal(rtp_latch_rtcp_dest(&l, &scratch), SA(sdp2_rtcp)));
}

static void test_latch_off_is_strict_about_the_host(void **state)
{
	(void)state;
	struct rtp_latch l;
	rtp_latch_init(&l, false);
	struct sockaddr_in any = v4("10.0.0.5", 4000);
	/* No SDP yet: nothing is taken, nowhere to send. */
	assert_int_equal(rtp_latch_rtp(&l, SA(any), 1, 0), RTP_LATCH_DROP);
	struct sockaddr_in sdp = v4("10.0.0.5", 4000), sdp_rtcp = v4("10.0.0.5", 4001);
	rtp_latch_set_sdp(&l, SA(sdp), SA(sdp_rtcp));
	/* The SDP's host, any port: taken, but sending stays on the SDP's address. */
	struct sockaddr_in asym = v4("10.0.0.5", 6000), other = v4("10.0.0.9", 4000);
	assert_int_equal(rtp_latch_rtp(&l, SA(asym), 2, 0), RTP_LATCH_ACCEPT);
	assert_true(rtp_addr_equal(rtp_latch_rtp_dest(&l), SA(sdp)));
	assert_int_equal(rtp_latch_rtp(&l, SA(other), 3, 0), RTP_LATCH_DROP);
	struct sockaddr_storage scratch;
	assert_true(rtp_latch_rtcp(&l, SA(asym)));
	assert_true(rtp_addr_equal(rtp_latch_rtcp_dest(&l, &scratch), SA(sdp_rtcp)));
}

static void test_addr_helpers(void **state)
{
	(void)state;
	char buf[64];
	struct sockaddr_in a = v4("127.0.0.1", 10000);
	assert_string_equal(rtp_addr_str(SA(a), buf, sizeof(buf)), "127.0.0.1:10000");
	struct sockaddr_in6 b = {.sin6_family = AF_INET6, .sin6_port = htons(5)};
	inet_pton(AF_INET6, "::1", &b.sin6_addr);
	assert_string_equal(rtp_addr_str(SA(b), buf, sizeof(buf)), "[::1]:5");
	assert_int_equal(rtp_addr_len(SA(b)), sizeof(b));
	assert_false(rtp_addr_same_host(SA(a), SA(b)));
	struct sockaddr_in6 c = b;
	rtp_addr_set_port((struct sockaddr *)&c, 6);
	assert_true(rtp_addr_same_host(SA(b), SA(c)));
	assert_false(rtp_addr_equal(SA(b), SA(c)));
	struct sockaddr_storage none = {.ss_family = AF_UNIX};
	assert_string_equal(rtp_addr_str(SA(none), buf, sizeof(buf)), "-");
}

/* --- the port set --- */

static void test_portset(void **state)
{
	(void)state;
	uint16_t first, last;
	assert_true(rtp_portset_range(10000, 20000, &first, &last));
	assert_int_equal(first, 10000);
	assert_int_equal(last, 19998); /* 19999 is its RTCP port */
	assert_true(rtp_portset_range(10001, 10004, &first, &last));
	assert_int_equal(first, 10002);
	assert_int_equal(last, 10002);
	assert_false(rtp_portset_range(10001, 10002, &first, &last));
	assert_true(rtp_portset_range(65000, 70000, &first, &last));
	assert_int_equal(last, 65534);

	static struct rtp_portset s; /* 4 KB: not on the stack */
	rtp_portset_init(&s);
	/* Three pairs: 10000, 10002, 10004. */
	uint16_t p = rtp_portset_next(&s, 10000, 10004, 0);
	assert_int_equal(p, 10000);
	assert_true(rtp_portset_take(&s, p));
	assert_false(rtp_portset_take(&s, p));
	assert_int_equal(rtp_portset_next(&s, 10000, 10004, 0), 10002);
	/* 10002 is busy in another program: skip one free pair. */
	assert_int_equal(rtp_portset_next(&s, 10000, 10004, 1), 10004);
	assert_true(rtp_portset_take(&s, 10004));
	/* The cursor wrapped: 10002 is next. */
	assert_int_equal(rtp_portset_next(&s, 10000, 10004, 0), 10002);
	assert_true(rtp_portset_take(&s, 10002));
	assert_int_equal(s.used, 3);
	assert_int_equal(rtp_portset_next(&s, 10000, 10004, 0), 0); /* all held */
	/* A port given back is found again, but after the cursor's walk. */
	rtp_portset_give(&s, 10000);
	rtp_portset_give(&s, 10000); /* twice: harmless */
	assert_int_equal(s.used, 2);
	assert_false(rtp_portset_held(&s, 10000));
	assert_true(rtp_portset_held(&s, 10002));
	assert_int_equal(rtp_portset_next(&s, 10000, 10004, 0), 10000);
	rtp_portset_give(&s, 10004);
	assert_int_equal(rtp_portset_next(&s, 10000, 10004, 0), 10004); /* the cursor is past 10002 */
	/* The range moved: ports held outside it stay held, the cursor starts at first. */
	assert_int_equal(rtp_portset_next(&s, 20000, 20002, 0), 20000);
	/* The very top of the port space. */
	assert_true(rtp_portset_take(&s, 65534));
	assert_int_equal(rtp_portset_next(&s, 65532, 65534, 0), 65532);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite_keeps_one_stream),
		cmocka_unit_test(test_latch_learns_and_moves),
		cmocka_unit_test(test_latch_off_is_strict_about_the_host),
		cmocka_unit_test(test_addr_helpers),
		cmocka_unit_test(test_portset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

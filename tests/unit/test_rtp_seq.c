/* test_rtp_seq.c: per-source sequence tracking, loss and jitter (RFC 3550 A.1, A.3, A.8). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "rtp_seq.h"

static void feed(struct rtp_source *s, uint16_t from, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rtp_source_update(s, (uint16_t)(from + i));
}

static void test_probation(void **state)
{
	(void)state;
	struct rtp_source s;
	rtp_source_init(&s, 0x1234, 100);
	assert_false(rtp_source_update(&s, 100)); /* first of MIN_SEQUENTIAL */
	assert_false(s.valid);
	assert_true(rtp_source_update(&s, 101));  /* second in order: believed */
	assert_true(s.valid);
	assert_int_equal(s.received, 1);
	assert_int_equal(rtp_source_expected(&s), 1);
	assert_int_equal(rtp_source_lost(&s), 0);

	/* Out of order during probation starts it again. */
	rtp_source_init(&s, 1, 100);
	assert_false(rtp_source_update(&s, 100));
	assert_false(rtp_source_update(&s, 150));
	assert_false(s.valid);
	assert_true(rtp_source_update(&s, 151));
	assert_int_equal(s.base_seq, 151);
}

static void test_wrap_around(void **state)
{
	(void)state;
	struct rtp_source s;
	rtp_source_init(&s, 1, 65530);
	feed(&s, 65530, 20); /* 65530 .. 65535, 0 .. 13 */
	assert_int_equal(s.cycles, 65536);
	assert_int_equal(s.max_seq, 13);
	assert_int_equal(rtp_source_ext_max(&s), 65536 + 13);
	assert_int_equal(s.received, 19);
	assert_int_equal(rtp_source_expected(&s), 19);
	assert_int_equal(rtp_source_lost(&s), 0);
	/* A late packet from before the wrap is reordering, not a second wrap. */
	assert_true(rtp_source_update(&s, 65534));
	assert_int_equal(s.cycles, 65536);
	assert_int_equal(s.reordered, 1);
	/* Steps of 2000 (loss, not a jump) (196,000 further: two more wraps). */
	for (uint32_t i = 1; i <= 3 * 65536 / 2000; i++)
		assert_true(rtp_source_update(&s, (uint16_t)(13 + i * 2000)));
	assert_int_equal(s.cycles, 3 * 65536);
	assert_int_equal(rtp_source_ext_max(&s), 13 + 98 * 2000 + 65536);
}

static void test_loss_and_fraction(void **state)
{
	(void)state;
	struct rtp_source s;
	struct rtcp_block b;
	rtp_source_init(&s, 7, 1000);
	feed(&s, 1000, 101); /* base 1001 after probation, 100 received */
	rtp_source_report(&s, 0, 0, &b);
	assert_int_equal(b.ssrc, 7);
	assert_int_equal(b.fraction, 0);
	assert_int_equal(b.lost, 0);
	assert_int_equal(b.ext_max_seq, 1100);

	/* Next interval: 100 expected, 25 lost (1101, 1105, ... 1197 missing). */
	for (uint16_t q = 1101; q <= 1200; q++)
		if (q % 4 != 1)
			rtp_source_update(&s, q);
	rtp_source_report(&s, 0x11112222, 0x00010000, &b);
	assert_int_equal(b.lost, 25);
	assert_int_equal(b.fraction, 64); /* 25/100 of 256 */
	assert_int_equal(b.ext_max_seq, 1200);
	assert_int_equal(b.lsr, 0x11112222);
	assert_int_equal(b.dlsr, 0x00010000);

	/* An interval with duplicates only: cumulative loss falls, fraction stays 0. */
	rtp_source_update(&s, 1200);
	rtp_source_update(&s, 1199);
	rtp_source_report(&s, 0, 0, &b);
	assert_int_equal(b.lost, 23);
	assert_int_equal(b.fraction, 0);

	/* An interval where all is lost: 255, not 256 wrapped to 0. */
	rtp_source_update(&s, 1300);
	s.received--; /* as if the packet had not arrived */
	rtp_source_report(&s, 0, 0, &b);
	assert_int_equal(b.fraction, 255);
}

static void test_duplicates_make_loss_negative(void **state)
{
	(void)state;
	struct rtp_source s;
	rtp_source_init(&s, 7, 10);
	feed(&s, 10, 11);
	feed(&s, 15, 3); /* 15, 16, 17 again */
	assert_int_equal(s.reordered, 3);
	assert_int_equal(rtp_source_lost(&s), -3);
	struct rtcp_block b;
	rtp_source_report(&s, 0, 0, &b);
	assert_int_equal(b.lost, -3);
	assert_int_equal(b.fraction, 0);
}

static void test_large_jump_resyncs_on_second_packet(void **state)
{
	(void)state;
	struct rtp_source s;
	rtp_source_init(&s, 7, 100);
	feed(&s, 100, 11); /* valid, max 110 */
	assert_false(rtp_source_update(&s, 30000)); /* one wild packet: ignored */
	assert_int_equal(s.max_seq, 110);
	assert_true(rtp_source_update(&s, 111));    /* the stream goes on */
	assert_false(rtp_source_update(&s, 40000));
	assert_true(rtp_source_update(&s, 40001));  /* two in a row: the sender restarted */
	assert_int_equal(s.resyncs, 1);
	assert_int_equal(s.base_seq, 40001);
	assert_int_equal(s.received, 1);
	assert_int_equal(rtp_source_lost(&s), 0);
	/* A jump below MAX_DROPOUT is loss, not a restart. */
	assert_true(rtp_source_update(&s, 40001 + 2999));
	assert_int_equal(rtp_source_lost(&s), 2998);
}

static void test_jitter(void **state)
{
	(void)state;
	struct rtp_source s;
	rtp_source_init(&s, 7, 0);
	/* Packets every 160 units arriving exactly on time: no jitter. */
	for (uint32_t i = 0; i < 50; i++)
		rtp_source_jitter(&s, 5000 + i * 160, i * 160);
	assert_int_equal(rtp_source_jitter_units(&s), 0);

	/* Every other packet 80 units late: |D| = 80 each time. J grows by (80 - J)/16:
	 * 5 after the first difference, then converging to 80. */
	rtp_source_init(&s, 7, 0);
	rtp_source_jitter(&s, 5000, 0);
	rtp_source_jitter(&s, 5000 + 160 + 80, 160);
	assert_int_equal(rtp_source_jitter_units(&s), 5);
	for (uint32_t i = 2; i < 400; i++)
		rtp_source_jitter(&s, 5000 + i * 160 + (i % 2) * 80, i * 160);
	assert_in_range(rtp_source_jitter_units(&s), 78, 80);

	/* Timestamps and arrivals wrapping through 2^32 change nothing. */
	rtp_source_init(&s, 7, 0);
	for (uint32_t i = 0; i < 50; i++)
		rtp_source_jitter(&s, 0xFFFFFF00u + i * 160, 0xFFFFF000u + i * 160);
	assert_int_equal(rtp_source_jitter_units(&s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probation),
		cmocka_unit_test(test_wrap_around),
		cmocka_unit_test(test_loss_and_fraction),
		cmocka_unit_test(test_duplicates_make_loss_negative),
		cmocka_unit_test(test_large_jump_resyncs_on_second_packet),
		cmocka_unit_test(test_jitter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

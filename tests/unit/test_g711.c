/* test_g711.c: G.711 µ-law and A-law: known codes, round trips, monotonicity, error bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "g711.h"

/* Codes in increasing order of the value they stand for: negative codes from the
 * largest magnitude down, then positive ones up. */
static uint8_t ulaw_rank(unsigned i)
{
	/* µ-law: 0x00 is -32124, 0x7F is -0, 0xFF is +0, 0x80 is +32124. */
	return (uint8_t)(i < 128 ? i : 0xFF - (i - 128));
}

static uint8_t alaw_rank(unsigned i)
{
	/* A-law before the 0x55 inversion: sign bit 1 is positive, magnitude grows with
	 * the low 7 bits. */
	unsigned raw = i < 128 ? 127 - i : 0x80 | (i - 128);
	return (uint8_t)(raw ^ 0x55);
}

static void test_ulaw_known_values(void **state)
{
	(void)state;
	assert_int_equal(g711_ulaw_decode(0xFF), 0);
	assert_int_equal(g711_ulaw_decode(0x7F), 0);
	assert_int_equal(g711_ulaw_encode(0), 0xFF);
	assert_int_equal(G711_ULAW_SILENCE, 0xFF);
	assert_int_equal(g711_ulaw_decode(0x80), 32124);
	assert_int_equal(g711_ulaw_decode(0x00), -32124);
	assert_int_equal(g711_ulaw_encode(32767), 0x80);
	assert_int_equal(g711_ulaw_encode(-32768), 0x00);
	/* The smallest steps: segment 0 of µ-law is 2 (14-bit) = 8 (16-bit) wide. */
	assert_int_equal(g711_ulaw_decode(0xFE), 8);
	assert_int_equal(g711_ulaw_decode(0x7E), -8);
	assert_int_equal(g711_ulaw_encode(8), 0xFE);
	assert_int_equal(g711_ulaw_encode(-1), 0x7F);
	/* A segment boundary: 14-bit 95 + 33 = 128 is the first value of segment 2. */
	assert_int_equal(g711_ulaw_encode(95 * 4), 0xDF);
	assert_int_equal(g711_ulaw_encode(94 * 4), 0xE0);
	/* 1000 is 14-bit 250; 250 + 33 = 283 lies in segment 3 [256, 512), step 1. */
	assert_int_equal(g711_ulaw_encode(1000), 0xCE);
	assert_int_equal(g711_ulaw_encode(-1000), 0x4E);
}

static void test_alaw_known_values(void **state)
{
	(void)state;
	assert_int_equal(g711_alaw_encode(0), 0xD5);
	assert_int_equal(G711_ALAW_SILENCE, 0xD5);
	assert_int_equal(g711_alaw_decode(0xD5), 8);
	assert_int_equal(g711_alaw_decode(0x55), -8);
	assert_int_equal(g711_alaw_encode(-1), 0x55);
	assert_int_equal(g711_alaw_decode(0xAA), 32256);
	assert_int_equal(g711_alaw_decode(0x2A), -32256);
	assert_int_equal(g711_alaw_encode(32767), 0xAA);
	assert_int_equal(g711_alaw_encode(-32768), 0x2A);
	/* Segment 1 starts at 13-bit 32 (16-bit 256): its first step decodes to 33 * 8. */
	assert_int_equal(g711_alaw_encode(256), 0x80 ^ 0x55 ^ 0x10);
	assert_int_equal(g711_alaw_decode(0x80 ^ 0x55 ^ 0x10), 33 * 8);
	assert_int_equal(g711_alaw_encode(255), 0x80 ^ 0x55 ^ 0x0F);
	/* 1000 is 13-bit 125: segment 2 [64, 128), step 15. */
	assert_int_equal(g711_alaw_encode(1000), 0xFA);
	assert_int_equal(g711_alaw_encode(-1000), 0x7A);
}

static void test_round_trip_all_codes(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		uint8_t u = g711_ulaw_encode(g711_ulaw_decode((uint8_t)c));
		/* Negative zero is the one µ-law code without a round trip. */
		if (c == 0x7F)
			assert_int_equal(u, 0xFF);
		else if (u != c)
			fail_msg("µ-law 0x%02X decodes to %d, which encodes as 0x%02X", c, g711_ulaw_decode((uint8_t)c), u);
		uint8_t a = g711_alaw_encode(g711_alaw_decode((uint8_t)c));
		if (a != c)
			fail_msg("A-law 0x%02X decodes to %d, which encodes as 0x%02X", c, g711_alaw_decode((uint8_t)c), a);
	}
}

static void test_decode_monotonic(void **state)
{
	(void)state;
	for (unsigned i = 1; i < 256; i++) {
		int pu = g711_ulaw_decode(ulaw_rank(i - 1)), u = g711_ulaw_decode(ulaw_rank(i));
		int pa = g711_alaw_decode(alaw_rank(i - 1)), a = g711_alaw_decode(alaw_rank(i));
		/* µ-law's two zeros are the one tie. */
		if (!(u > pu || (u == 0 && pu == 0)))
			fail_msg("µ-law rank %u: %d after %d", i, u, pu);
		if (a <= pa)
			fail_msg("A-law rank %u: %d after %d", i, a, pa);
	}
}

/* Over every 16-bit sample: encoding never goes down as the sample goes up, and the
 * decoded value stays close. Both laws keep about 4 significant bits, so the error
 * (half a step, plus the low bits the standard ignores) stays within an eighth of
 * the sample plus the smallest step (8). */
static void test_encode_monotonic_and_bounded(void **state)
{
	(void)state;
	int prev_u = -40000, prev_a = -40000;
	for (int s = -32768; s <= 32767; s++) {
		int du = g711_ulaw_decode(g711_ulaw_encode((int16_t)s));
		int da = g711_alaw_decode(g711_alaw_encode((int16_t)s));
		if (du < prev_u || da < prev_a)
			fail_msg("sample %d: decoded %d/%d after %d/%d", s, du, da, prev_u, prev_a);
		prev_u = du;
		prev_a = da;
		int bound = abs(s) / 8 + 8;
		if (abs(du - s) > bound || abs(da - s) > bound)
			fail_msg("sample %d decodes as %d (µ-law) and %d (A-law)", s, du, da);
	}
}

static void test_blocks(void **state)
{
	(void)state;
	int16_t in[160], out[160];
	uint8_t codes[160];
	for (int i = 0; i < 160; i++)
		in[i] = (int16_t)((i - 80) * 400);
	g711_ulaw_encode_block(codes, in, 160);
	g711_ulaw_decode_block(out, codes, 160);
	for (int i = 0; i < 160; i++) {
		assert_int_equal(codes[i], g711_ulaw_encode(in[i]));
		assert_int_equal(out[i], g711_ulaw_decode(codes[i]));
	}
	g711_alaw_encode_block(codes, in, 160);
	g711_alaw_decode_block(out, codes, 160);
	for (int i = 0; i < 160; i++) {
		assert_int_equal(codes[i], g711_alaw_encode(in[i]));
		assert_int_equal(out[i], g711_alaw_decode(codes[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ulaw_known_values),
		cmocka_unit_test(test_alaw_known_values),
		cmocka_unit_test(test_round_trip_all_codes),
		cmocka_unit_test(test_decode_monotonic),
		cmocka_unit_test(test_encode_monotonic_and_bounded),
		cmocka_unit_test(test_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

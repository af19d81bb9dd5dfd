/* test_srtp.c: SRTP/SRTCP round trips through srtp.c (libsrtp2), keys as a=crypto carries them. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "rtcp_packet.h"
#include "rtp_packet.h"
#include "sdp_crypto.h"
#include "srtp.h"

static uint8_t key[SDP_SRTP_KEY_LEN], other[SDP_SRTP_KEY_LEN];

static int setup(void **state)
{
	(void)state;
	assert_int_equal(media_srtp_library_init(), 0);
	for (int i = 0; i < SDP_SRTP_KEY_LEN; i++) {
		key[i] = (uint8_t)(i * 7 + 3);
		other[i] = (uint8_t)(i * 11 + 5);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	media_srtp_library_shutdown();
	return 0;
}

/* A 20 ms PCMU packet whose payload is a recognisable pattern. */
static size_t packet(uint8_t *buf, size_t cap, uint16_t seq)
{
	uint8_t payload[160];
	for (int i = 0; i < 160; i++)
		payload[i] = (uint8_t)(i ^ 0x55);
	struct rtp_hdr h = {.pt = 0, .seq = seq, .ts = 160u * seq, .ssrc = 0x11223344};
	return rtp_build(buf, cap, &h, payload, sizeof(payload));
}

static void round_trip(enum sdp_srtp_suite suite, size_t tag_len)
{
	struct media_srtp *tx = media_srtp_new(suite, key, true), *rx = media_srtp_new(suite, key, false);
	assert_non_null(tx);
	assert_non_null(rx);
	for (uint16_t seq = 65530; seq != 10; seq++) { /* across the sequence wrap (rollover counter) */
		uint8_t plain[512], buf[512 + MEDIA_SRTP_ROOM], copy[sizeof(buf)];
		size_t n = packet(plain, sizeof(plain), seq), len = n;
		memcpy(buf, plain, n);
		assert_int_equal(media_srtp_protect(tx, buf, &len, sizeof(buf), false), MEDIA_SRTP_OK);
		assert_int_equal(len, n + tag_len);
		/* The header stays readable; the payload is not what was sent. */
		assert_memory_equal(buf, plain, 12);
		assert_memory_not_equal(buf + 12, plain + 12, n - 12);
		memcpy(copy, buf, len);
		size_t clen = len;
		assert_int_equal(media_srtp_unprotect(rx, buf, &len, false), MEDIA_SRTP_OK);
		assert_int_equal(len, n);
		assert_memory_equal(buf, plain, n);
		/* The same packet again is a replay. */
		assert_int_equal(media_srtp_unprotect(rx, copy, &clen, false), MEDIA_SRTP_REPLAY);
	}
	/* A flipped payload bit fails authentication, as does another key or plain RTP. */
	uint8_t buf[512 + MEDIA_SRTP_ROOM];
	size_t len = packet(buf, 512, 100);
	assert_int_equal(media_srtp_protect(tx, buf, &len, sizeof(buf), false), MEDIA_SRTP_OK);
	buf[40] ^= 1;
	assert_int_equal(media_srtp_unprotect(rx, buf, &len, false), MEDIA_SRTP_AUTH);
	struct media_srtp *wrong = media_srtp_new(suite, other, false);
	len = packet(buf, 512, 101);
	assert_int_equal(media_srtp_protect(tx, buf, &len, sizeof(buf), false), MEDIA_SRTP_OK);
	assert_int_equal(media_srtp_unprotect(wrong, buf, &len, false), MEDIA_SRTP_AUTH);
	len = packet(buf, 512, 102);
	assert_int_equal(media_srtp_unprotect(rx, buf, &len, false), MEDIA_SRTP_AUTH);
	/* Protecting one sequence number twice is refused (no keystream reuse). */
	len = packet(buf, 512, 101);
	assert_int_equal(media_srtp_protect(tx, buf, &len, sizeof(buf), false), MEDIA_SRTP_REPLAY);
	/* No room for the trailer; a runt. */
	len = packet(buf, 512, 103);
	assert_int_equal(media_srtp_protect(tx, buf, &len, len + 4, false), MEDIA_SRTP_BAD);
	len = 10;
	assert_int_equal(media_srtp_unprotect(rx, buf, &len, false), MEDIA_SRTP_BAD);
	media_srtp_free(wrong);
	media_srtp_free(tx);
	media_srtp_free(rx);
}

static void test_rtp_80(void **state)
{
	(void)state;
	round_trip(SDP_SRTP_AES_CM_128_HMAC_SHA1_80, 10);
}

static void test_rtp_32(void **state)
{
	(void)state;
	round_trip(SDP_SRTP_AES_CM_128_HMAC_SHA1_32, 4);
}

/* SRTCP: E flag + index and an 80-bit tag for both suites (RFC 4568 §6.2.2). */
static void test_rtcp(void **state)
{
	(void)state;
	for (int s = 1; s < SDP_SRTP_SUITES; s++) {
		struct media_srtp *tx = media_srtp_new((enum sdp_srtp_suite)s, key, true);
		struct media_srtp *rx = media_srtp_new((enum sdp_srtp_suite)s, key, false);
		uint8_t plain[256], buf[256 + MEDIA_SRTP_ROOM];
		struct rtcp_block b = {.ssrc = 0x55667788, .fraction = 3, .lost = 7, .jitter = 80};
		size_t n = rtcp_build_rr(plain, sizeof(plain), 0x11223344, &b, 1), len = n;
		assert_true(n > 0);
		memcpy(buf, plain, n);
		assert_int_equal(media_srtp_protect(tx, buf, &len, sizeof(buf), true), MEDIA_SRTP_OK);
		assert_int_equal(len, n + 4 + 10);
		assert_memory_not_equal(buf + 8, plain + 8, n - 8);
		uint8_t copy[sizeof(buf)];
		size_t clen = len;
		memcpy(copy, buf, len);
		assert_int_equal(media_srtp_unprotect(rx, buf, &len, true), MEDIA_SRTP_OK);
		assert_int_equal(len, n);
		assert_memory_equal(buf, plain, n);
		assert_int_equal(media_srtp_unprotect(rx, copy, &clen, true), MEDIA_SRTP_REPLAY);
		len = n;
		memcpy(buf, plain, n);
		assert_int_equal(media_srtp_unprotect(rx, buf, &len, true), MEDIA_SRTP_AUTH);
		media_srtp_free(tx);
		media_srtp_free(rx);
	}
}

/* Keys travel as a=crypto: what one side prints, the other parses and uses. */
static void test_keys_through_sdp(void **state)
{
	(void)state;
	struct sdp_crypto ours = {.tag = 1, .suite = SDP_SRTP_AES_CM_128_HMAC_SHA1_80}, theirs;
	memcpy(ours.key, key, sizeof(key));
	char line[128];
	size_t n = sdp_crypto_print(line, sizeof(line), &ours);
	assert_true(n > 0);
	struct sdp_str v = {line + strlen("a=crypto:"), n - strlen("a=crypto:") - 2};
	const char *why;
	assert_int_equal(sdp_crypto_parse(&v, &theirs, &why), 0);
	struct media_srtp *tx = media_srtp_new(ours.suite, ours.key, true);
	struct media_srtp *rx = media_srtp_new(theirs.suite, theirs.key, false);
	assert_true(media_srtp_same(rx, ours.suite, key));
	assert_false(media_srtp_same(rx, ours.suite, other));
	assert_false(media_srtp_same(rx, SDP_SRTP_AES_CM_128_HMAC_SHA1_32, key));
	assert_false(media_srtp_same(NULL, ours.suite, key));
	uint8_t buf[512 + MEDIA_SRTP_ROOM];
	size_t len = packet(buf, 512, 1);
	assert_int_equal(media_srtp_protect(tx, buf, &len, sizeof(buf), false), MEDIA_SRTP_OK);
	assert_int_equal(media_srtp_unprotect(rx, buf, &len, false), MEDIA_SRTP_OK);
	assert_null(media_srtp_new(SDP_SRTP_NONE, key, true));
	media_srtp_free(tx);
	media_srtp_free(rx);
	media_srtp_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtp_80),
		cmocka_unit_test(test_rtp_32),
		cmocka_unit_test(test_rtcp),
		cmocka_unit_test(test_keys_through_sdp),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* test_sdp_crypto.c: a=crypto (RFC 4568) read and written, base64, and SRTP in offer/answer. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "sdp.h"
#include "sdp_crypto.h"
#include "sdp_oa.h"
#include "sdp_print.h"
#include "sdp_samples.h"

#define HEAD "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
/* RFC 4568 §4's example key (30 bytes). */
#define KEY_B64 "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"

static int parse(const char *text, struct sdp_crypto *c, const char **why)
{
	struct sdp_str v = sdp_str_of(text);
	*why = NULL;
	return sdp_crypto_parse(&v, c, why);
}

static void test_base64(void **state)
{
	(void)state;
	/* RFC 4648 §10's test vectors. */
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	for (size_t i = 0; i < 7; i++) {
		char out[16];
		uint8_t back[16];
		size_t n = sdp_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), out, sizeof(out));
		assert_int_equal(n, strlen(coded[i]));
		assert_string_equal(out, coded[i]);
		struct sdp_str in = sdp_str_of(coded[i]);
		assert_int_equal(sdp_base64_decode(&in, back, sizeof(back), &n), 0);
		assert_int_equal(n, strlen(plain[i]));
		assert_memory_equal(back, plain[i], n);
	}
	uint8_t b[8];
	size_t n;
	static const char *const bad[] = {"Zg=", "Z", "Zm9v!", "Zh==", "Zm9vYg=a", "Zg==="};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sdp_str in = sdp_str_of(bad[i]);
		if (sdp_base64_decode(&in, b, sizeof(b), &n) != -EINVAL)
			fail_msg("\"%s\" decoded", bad[i]);
	}
	struct sdp_str big = SDP_STR("Zm9vYmFyZm9v");
	assert_int_equal(sdp_base64_decode(&big, b, 8, &n), -ENOSPC);
	char small[4];
	assert_int_equal(sdp_base64_encode((const uint8_t *)"foo", 3, small, sizeof(small)), 0);
}

static void test_parse_good(void **state)
{
	(void)state;
	struct sdp_crypto c;
	const char *why;
	assert_int_equal(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64, &c, &why), 0);
	assert_int_equal(c.tag, 1);
	assert_int_equal(c.suite, SDP_SRTP_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(c.key[0], 0x3d);
	assert_int_equal(c.key[29], 0x51);
	assert_int_equal(c.lifetime, 0);

	assert_int_equal(parse("999999999 AES_CM_128_HMAC_SHA1_32 inline:" KEY_B64 "|2^31", &c, &why), 0);
	assert_int_equal(c.tag, 999999999);
	assert_int_equal(c.suite, SDP_SRTP_AES_CM_128_HMAC_SHA1_32);
	assert_int_equal(c.lifetime, 1ull << 31);
	assert_int_equal(parse("2 AES_CM_128_HMAC_SHA1_80   inline:" KEY_B64 "|1048576 WSH=256", &c, &why), 0);
	assert_int_equal(c.lifetime, 1048576);
	assert_int_equal(c.tag, 2);
}

static void test_parse_refused(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		int rc;
		const char *why;
	} cases[] = {
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "|2^20|1:32", -ENOTSUP, "MKI in a=crypto is not supported"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "|1:4", -ENOTSUP, "MKI in a=crypto is not supported"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "|2^20|1:4;inline:" KEY_B64 "|2^20|2:4", -ENOTSUP,
		 "more than one key in an a=crypto line is not supported"},
		{"1 F8_128_HMAC_SHA1_80 inline:" KEY_B64, -ENOTSUP,
		 "no supported crypto suite: AES_CM_128_HMAC_SHA1_80 or _32"},
		{"1 AES_256_CM_HMAC_SHA1_80 inline:" KEY_B64, -ENOTSUP,
		 "no supported crypto suite: AES_CM_128_HMAC_SHA1_80 or _32"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 " UNENCRYPTED_SRTP", -ENOTSUP,
		 "a=crypto session parameters are not supported"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 " KDR=1", -ENOTSUP,
		 "a=crypto session parameters are not supported"},
		{"1 AES_CM_128_HMAC_SHA1_80 uri:https://example.com/key", -ENOTSUP,
		 "a=crypto key method other than inline is not supported"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:Zm9vYmFy", -EINVAL,
		 "a=crypto key is not 30 bytes of base64"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "AAAA", -EINVAL,
		 "a=crypto key is not 30 bytes of base64"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB*", -EINVAL,
		 "a=crypto key is not 30 bytes of base64"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "|2^x", -EINVAL, "bad key lifetime in a=crypto"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "|2^49", -EINVAL, "bad key lifetime in a=crypto"},
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 " WSH=10", -EINVAL, "bad WSH= in a=crypto"},
		{"0 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64, -EINVAL, "bad tag in a=crypto"},
		{"1234567890 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64, -EINVAL, "bad tag in a=crypto"},
		{"x AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64, -EINVAL, "bad tag in a=crypto"},
		{"1 AES_CM_128_HMAC_SHA1_80", -EINVAL, "bad a=crypto line"},
		{"", -EINVAL, "bad a=crypto line"},
		{"1 AES_CM_128_HMAC_SHA1_80 " KEY_B64, -EINVAL, "bad key parameter in a=crypto"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sdp_crypto c;
		const char *why;
		int rc = parse(cases[i].line, &c, &why);
		if (rc != cases[i].rc || !why || strcmp(why, cases[i].why) != 0)
			fail_msg("case %zu: %d \"%s\", expected %d \"%s\"", i, rc, why ? why : "", cases[i].rc,
				 cases[i].why);
	}
}

static void test_print_round_trip(void **state)
{
	(void)state;
	struct sdp_crypto c = {.tag = 7, .suite = SDP_SRTP_AES_CM_128_HMAC_SHA1_32}, back;
	for (int i = 0; i < SDP_SRTP_KEY_LEN; i++)
		c.key[i] = (uint8_t)(i * 37 + 1);
	char line[128];
	size_t n = sdp_crypto_print(line, sizeof(line), &c);
	assert_int_equal(n, strlen(line));
	assert_true(n > 2 && line[n - 2] == '\r' && line[n - 1] == '\n');
	assert_int_equal(strncmp(line, "a=crypto:7 AES_CM_128_HMAC_SHA1_32 inline:", 42), 0);
	assert_int_equal(n, 42 + 40 + 2);
	struct sdp_str v = {line + 9, n - 11};
	const char *why;
	assert_int_equal(sdp_crypto_parse(&v, &back, &why), 0);
	assert_int_equal(back.tag, 7);
	assert_int_equal(back.suite, c.suite);
	assert_memory_equal(back.key, c.key, SDP_SRTP_KEY_LEN);
	assert_int_equal(sdp_crypto_print(line, 40, &c), 0); /* no room */
	c.suite = SDP_SRTP_NONE;
	assert_int_equal(sdp_crypto_print(line, sizeof(line), &c), 0);
	assert_string_equal(sdp_srtp_suite_name(SDP_SRTP_AES_CM_128_HMAC_SHA1_80), "AES_CM_128_HMAC_SHA1_80");
}

/* --- offer/answer --- */

static const struct sdp_codec caps[] = {
	{"PCMU", 8000, 1, 0, NULL},
	{"PCMA", 8000, 1, 8, NULL},
	{"telephone-event", 8000, 1, 101, "0-16"},
};
static uint8_t keys[SDP_SRTP_SUITES][SDP_SRTP_KEY_LEN];
static struct sdp_local local;
static struct sdp_session offer, answer, parsed;
static struct sdp_neg neg;
static char text[4096];
static char *keep, *keep2;

static int setup(void **state)
{
	(void)state;
	for (int s = 0; s < SDP_SRTP_SUITES; s++)
		memset(keys[s], 0x10 * s + 1, SDP_SRTP_KEY_LEN);
	local = (struct sdp_local){.codecs = caps, .ncodecs = 3, .addr4 = "192.0.2.100", .port = 20000,
				   .srtp_ok = true};
	for (int s = 1; s < SDP_SRTP_SUITES; s++)
		local.srtp_keys[s] = keys[s];
	keep = keep2 = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(keep);
	free(keep2);
	keep = keep2 = NULL;
	return 0;
}

static int answer_to(const char *sdp, const char **why)
{
	free(keep);
	keep = sdp_must_parse(&offer, sdp);
	*why = NULL;
	return sdp_answer(&offer, &local, &answer, &neg, why);
}

static const char *print_answer(void)
{
	size_t n;
	assert_int_equal(sdp_print(text, sizeof(text), &n, &answer), 0);
	return text;
}

static void test_answer_srtp(void **state)
{
	(void)state;
	const char *why;
	/* baresip's offer shape; the first line has an MKI, so the second is taken. */
	assert_int_equal(answer_to(HEAD "m=audio 4000 RTP/SAVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
					"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "|2^20|1:4\r\n"
					"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY_B64 "\r\n"
					"a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "\r\n",
				   &why),
			 0);
	assert_true(neg.srtp);
	assert_int_equal(neg.srtp_rx.tag, 2);
	assert_int_equal(neg.srtp_rx.suite, SDP_SRTP_AES_CM_128_HMAC_SHA1_32);
	assert_int_equal(neg.srtp_rx.key[0], 0x3d);
	assert_memory_equal(neg.srtp_tx.key, keys[2], SDP_SRTP_KEY_LEN);
	const char *t = print_answer();
	char ours[64], line[128];
	sdp_base64_encode(keys[2], SDP_SRTP_KEY_LEN, ours, sizeof(ours));
	snprintf(line, sizeof(line), "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:%s\r\n", ours);
	assert_non_null(strstr(t, "m=audio 20000 RTP/SAVP 0 8 101\r\n"));
	assert_non_null(strstr(t, line));
	/* Exactly one crypto line, and the phone's own key is not echoed. */
	assert_null(strstr(strstr(t, "a=crypto:") + 1, "a=crypto:"));
	assert_null(strstr(t, KEY_B64));
	/* What we printed parses back as a valid answer to that offer. */
	free(keep2);
	keep2 = sdp_must_parse(&parsed, t);
	struct sdp_crypto c;
	assert_int_equal(sdp_crypto_pick(&parsed.media[0], NULL, NULL, &c, &why), 0);
	assert_memory_equal(c.key, keys[2], SDP_SRTP_KEY_LEN);
}

static void test_answer_srtp_refused(void **state)
{
	(void)state;
	static const struct {
		const char *sdp, *why;
	} cases[] = {
		{HEAD "m=audio 4000 RTP/SAVP 0\r\n", "no a=crypto line"},
		{HEAD "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "|2^20|1:4\r\n",
		 "MKI in a=crypto is not supported"},
		{HEAD "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64
		      " UNENCRYPTED_SRTCP\r\n",
		 "a=crypto session parameters are not supported"},
		{HEAD "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:short\r\n",
		 "a=crypto key is not 30 bytes of base64"},
		{HEAD "m=audio 4000 RTP/SAVP 0\r\na=crypto\r\n", "bad a=crypto line"},
		{HEAD "m=audio 4000 UDP/TLS/RTP/SAVP 0\r\na=fingerprint:sha-256 00\r\n", "DTLS-SRTP is not supported"},
		/* Crypto fine but nothing else in common. */
		{HEAD "m=audio 4000 RTP/SAVP 18\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "\r\n",
		 "no common codec"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why;
		int rc = answer_to(cases[i].sdp, &why);
		if (rc != -EINVAL || !why || strcmp(why, cases[i].why) != 0)
			fail_msg("case %zu: %d \"%s\", expected \"%s\"", i, rc, why ? why : "", cases[i].why);
	}
	/* Not allowed on this leg: the caller's reason. */
	local.srtp_ok = false;
	local.srtp_refusal = "SRTP needs SIP over TLS: no keys in clear-text SDP";
	const char *why;
	assert_int_equal(answer_to(HEAD "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64
					"\r\n", &why), -EINVAL);
	assert_string_equal(why, local.srtp_refusal);
	/* ... but a plain stream offered next to it is taken, with nothing of SRTP. */
	assert_int_equal(answer_to(HEAD "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64
					"\r\nm=audio 4002 RTP/AVP 0\r\n", &why), 0);
	assert_int_equal(neg.media, 1);
	assert_false(neg.srtp);
	const char *t = print_answer();
	assert_non_null(strstr(t, "m=audio 0 RTP/SAVP 0\r\nm=audio 20000 RTP/AVP 0\r\n"));
	assert_null(strstr(t, "crypto"));
	/* A refused SRTP stream before a plain one keeps no a=crypto either. */
	local.srtp_ok = true;
	assert_int_equal(answer_to(HEAD "m=audio 4000 RTP/SAVP 18\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64
					"\r\nm=audio 4002 RTP/AVP 0\r\n", &why), 0);
	assert_null(strstr(print_answer(), "crypto"));
	/* require: plain RTP is refused. */
	local.srtp_only = true;
	assert_int_equal(answer_to(HEAD "m=audio 4000 RTP/AVP 0\r\n", &why), -EINVAL);
	assert_string_equal(why, "SRTP is required");
}

/* RTP/AVP with a=crypto ("best effort" SDES, baresip's mediaenc=srtp). */
static void test_answer_best_effort(void **state)
{
	(void)state;
	const char *why;
	static const char good[] = HEAD "m=audio 4000 RTP/AVP 0\r\na=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64
					"\r\n";
	static const char mki[] = HEAD "m=audio 4000 RTP/AVP 0\r\na=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64
				       "|2^20|1:4\r\n";
	assert_int_equal(answer_to(good, &why), 0);
	assert_true(neg.srtp);
	const char *t = print_answer();
	assert_non_null(strstr(t, "m=audio 20000 RTP/AVP 0\r\n"));
	assert_non_null(strstr(t, "a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:"));
	/* A line we cannot use: plain RTP. */
	assert_int_equal(answer_to(mki, &why), 0);
	assert_false(neg.srtp);
	assert_null(strstr(print_answer(), "crypto"));
	/* Not on this leg: plain RTP, the phone's key ignored. */
	local.srtp_ok = false;
	local.srtp_refusal = "SRTP needs SIP over TLS: no keys in clear-text SDP";
	assert_int_equal(answer_to(good, &why), 0);
	assert_false(neg.srtp);
	assert_null(strstr(print_answer(), "crypto"));
	/* require: usable crypto is SRTP, and anything else is refused with why. */
	local.srtp_only = true;
	assert_int_equal(answer_to(good, &why), -EINVAL);
	assert_string_equal(why, local.srtp_refusal);
	local.srtp_ok = true;
	assert_int_equal(answer_to(good, &why), 0);
	assert_true(neg.srtp);
	assert_int_equal(answer_to(mki, &why), -EINVAL);
	assert_string_equal(why, "MKI in a=crypto is not supported");
}

static void test_offer_srtp(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(sdp_offer(&local, &offer, &why), 0);
	size_t n;
	char otext[2048];
	assert_int_equal(sdp_print(otext, sizeof(otext), &n, &offer), 0);
	char k1[64], k2[64], l1[128], l2[128];
	sdp_base64_encode(keys[1], SDP_SRTP_KEY_LEN, k1, sizeof(k1));
	sdp_base64_encode(keys[2], SDP_SRTP_KEY_LEN, k2, sizeof(k2));
	snprintf(l1, sizeof(l1), "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n", k1);
	snprintf(l2, sizeof(l2), "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:%s\r\n", k2);
	assert_non_null(strstr(otext, "m=audio 20000 RTP/SAVP 0 8 101\r\n"));
	assert_non_null(strstr(otext, l1));
	assert_non_null(strstr(otext, l2));
	free(keep);
	keep = sdp_must_parse(&offer, otext); /* as the answer check sees it: our pending text */

	/* The phone takes tag 2 with its own key. */
	static const char ans80[] = HEAD "m=audio 5000 RTP/SAVP 8\r\na=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY_B64
					 "\r\n";
	free(keep2);
	keep2 = sdp_must_parse(&answer, ans80);
	assert_int_equal(sdp_answer_check(&offer, &answer, &local, &neg, &why), 0);
	assert_true(neg.srtp);
	assert_int_equal(neg.srtp_tx.suite, SDP_SRTP_AES_CM_128_HMAC_SHA1_32);
	assert_memory_equal(neg.srtp_tx.key, keys[2], SDP_SRTP_KEY_LEN);
	assert_int_equal(neg.srtp_rx.key[0], 0x3d);

	static const char *const bad[] = {
		HEAD "m=audio 5000 RTP/SAVP 8\r\n",
		HEAD "m=audio 5000 RTP/SAVP 8\r\na=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:" KEY_B64 "\r\n",
		HEAD "m=audio 5000 RTP/SAVP 8\r\na=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "\r\n",
		HEAD "m=audio 5000 RTP/SAVP 8\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "|1:4\r\n",
		HEAD "m=audio 5000 RTP/AVP 8\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		free(keep2);
		keep2 = sdp_must_parse(&answer, bad[i]);
		if (sdp_answer_check(&offer, &answer, &local, &neg, &why) != -EINVAL)
			fail_msg("answer %zu accepted", i);
	}

	/* Without SRTP on this leg: RTP/AVP and no key at all; require refuses. */
	local.srtp_ok = false;
	assert_int_equal(sdp_offer(&local, &offer, &why), 0);
	assert_int_equal(sdp_print(otext, sizeof(otext), &n, &offer), 0);
	assert_non_null(strstr(otext, "RTP/AVP"));
	assert_null(strstr(otext, "crypto"));
	local.srtp_only = true;
	local.srtp_refusal = "SRTP needs SIP over TLS: no keys in clear-text SDP";
	assert_int_equal(sdp_offer(&local, &offer, &why), -EINVAL);
	assert_string_equal(why, local.srtp_refusal);
}

/* settings.rtp.srtp = "best_effort": keys under RTP/AVP; answered with or without one. */
static void test_offer_best_effort(void **state)
{
	(void)state;
	const char *why;
	local.srtp_best_effort = true;
	assert_int_equal(sdp_offer(&local, &offer, &why), 0);
	size_t n;
	char otext[2048];
	assert_int_equal(sdp_print(otext, sizeof(otext), &n, &offer), 0);
	assert_non_null(strstr(otext, "m=audio 20000 RTP/AVP 0 8 101\r\n"));
	assert_non_null(strstr(otext, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"));
	assert_non_null(strstr(otext, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"));
	free(keep);
	keep = sdp_must_parse(&offer, otext);
	static const struct {
		const char *sdp;
		int rc;
		bool srtp;
	} answers[] = {
		{HEAD "m=audio 5000 RTP/AVP 0\r\n", 0, false}, /* a phone without SRTP */
		{HEAD "m=audio 5000 RTP/AVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "\r\n", 0, true},
		{HEAD "m=audio 5000 RTP/SAVP 0\r\na=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" KEY_B64 "\r\n", 0, true},
		{HEAD "m=audio 5000 RTP/AVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "|1:4\r\n", 0, false},
		{HEAD "m=audio 5000 RTP/SAVP 0\r\n", -EINVAL, false},
		{HEAD "m=audio 5000 RTP/SAVPF 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" KEY_B64 "\r\n", -EINVAL,
		 false},
	};
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		free(keep2);
		keep2 = sdp_must_parse(&answer, answers[i].sdp);
		int rc = sdp_answer_check(&offer, &answer, &local, &neg, &why);
		if (rc != answers[i].rc || (rc == 0 && neg.srtp != answers[i].srtp))
			fail_msg("answer %zu: %d, srtp %d", i, rc, rc == 0 && neg.srtp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test_setup_teardown(test_answer_srtp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_srtp_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_best_effort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offer_srtp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offer_best_effort, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

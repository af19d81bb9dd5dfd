/* test_sdp_offer_answer.c: RFC 3264 answers to real and RFC offers, our offers and their answers, hold. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "sdp.h"
#include "sdp_oa.h"
#include "sdp_print.h"
#include "sdp_samples.h"

static const struct sdp_codec caps[] = {
	{"PCMU", 8000, 1, 0, NULL},
	{"PCMA", 8000, 1, 8, NULL},
	{"G722", 8000, 1, 9, NULL},
	{"telephone-event", 8000, 1, 101, "0-16"},
};

static struct sdp_local local;
static struct sdp_session offer, answer, parsed;
static struct sdp_neg neg;
static char text[4096];
static char *keep;

static int setup(void **state)
{
	(void)state;
	local = (struct sdp_local){.codecs = caps, .ncodecs = 4, .addr4 = "192.0.2.100",
				   .addr6 = "2001:db8::100", .port = 20000};
	keep = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(keep);
	return 0;
}

/* Answers an offer given as text; returns sdp_answer's result, *why its reason. */
static int answer_to(const char *sdp, const char **why)
{
	free(keep);
	keep = sdp_must_parse(&offer, sdp);
	*why = NULL;
	return sdp_answer(&offer, &local, &answer, &neg, why);
}

/* Answers, prints the answer into text, and checks it parses back and agrees with
 * the offer (sdp_answer_check with the roles of an answer we received). */
static const char *answered(const char *sdp)
{
	const char *why;
	if (answer_to(sdp, &why) != 0)
		fail_msg("refused: %s\n%s", why, sdp);
	size_t n;
	assert_int_equal(sdp_print(text, sizeof(text), &n, &answer), 0);
	char *k = sdp_must_parse(&parsed, text);
	assert_int_equal(parsed.nmedia, offer.nmedia);
	struct sdp_neg back;
	if (sdp_answer_check(&offer, &parsed, &local, &back, &why) != 0)
		fail_msg("answer does not fit the offer: %s\n%s", why, text);
	assert_ptr_equal(back.codec, neg.codec);
	assert_int_equal(back.te_pt, neg.te_pt);
	free(k);
	return text;
}

static void test_baresip_offer(void **state)
{
	(void)state;
	const char *t = answered(sdp_baresip);
	assert_string_equal(t, "v=0\r\no=strowger 0 0 IN IP4 192.0.2.100\r\ns=strowger\r\nc=IN IP4 192.0.2.100\r\n"
			       "t=0 0\r\nm=audio 20000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
			       "a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
			       "a=ptime:20\r\na=sendrecv\r\n");
	assert_int_equal(neg.media, 0);
	assert_string_equal(neg.codec->name, "PCMU");
	assert_int_equal(neg.pt, 0);
	assert_int_equal(neg.nfmts, 2);
	assert_int_equal(neg.fmts[1].pt, 8);
	assert_ptr_equal(neg.fmts[1].codec, &caps[1]);
	assert_int_equal(neg.te_pt, 101);
	assert_true(sdp_events_has(&neg.te_events, 15));
	assert_false(sdp_events_has(&neg.te_events, 16));
	assert_view(neg.remote.addr, "127.0.0.1");
	assert_int_equal(neg.remote_port, 39060);
	assert_int_equal(neg.remote_rtcp_port, 39061);
	assert_view(neg.remote_rtcp.addr, "127.0.0.1");
	assert_int_equal(neg.dir, SDP_SENDRECV);
	assert_int_equal(neg.ptime, 20);
	assert_false(neg.remote_hold);
}

static void test_preference_order(void **state)
{
	(void)state;
	static const char o[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				"m=audio 4000 RTP/AVP 8 0\r\n";
	answered(o);
	assert_view(answer.media[0].fmt_list, "");
	assert_int_equal(answer.media[0].fmts[0].pt, 8);
	assert_string_equal(neg.codec->name, "PCMA");
	/* RFC 3264 §6.1 recommends the offer's order; prefer_local puts ours first. */
	local.prefer_local = true;
	answered(o);
	assert_int_equal(answer.media[0].fmts[0].pt, 0);
	assert_int_equal(answer.media[0].fmts[1].pt, 8);
	assert_string_equal(neg.codec->name, "PCMU");
}

static void test_sipp_asterisk_linphone(void **state)
{
	(void)state;
	answered(sdp_sipp_pcap);
	assert_string_equal(neg.codec->name, "PCMA");
	assert_view(answer.media[0].fmts[1].fmtp, "0-11,16");
	assert_int_equal(answer.media[0].ptime, 0);

	answered(sdp_asterisk);
	assert_int_equal(answer.media[0].nfmts, 3); /* GSM dropped */
	assert_int_equal(answer.media[0].fmts[0].pt, 8);
	assert_int_equal(answer.media[0].fmts[2].pt, 101);
	assert_view(answer.media[0].fmts[2].fmtp, "0-16");
	assert_int_equal(answer.media[0].ptime, 20);

	/* Linphone: audio with the 8 kHz telephone-event, video and text refused with
	 * their formats. */
	const char *t = answered(sdp_linphone);
	assert_non_null(strstr(t, "m=audio 20000 RTP/AVP 0 8 100\r\n"));
	assert_non_null(strstr(t, "a=rtpmap:100 telephone-event/8000\r\na=fmtp:100 0-15\r\n"));
	assert_non_null(strstr(t, "m=video 0 RTP/AVP 96 97\r\nm=text 0 RTP/AVP 98 99\r\n"));
	assert_null(strstr(t, "opus"));
	assert_int_equal(neg.te_pt, 100);
}

static void test_ipv6(void **state)
{
	(void)state;
	const char *t = answered(sdp_ipv6);
	assert_non_null(strstr(t, "o=strowger 0 0 IN IP6 2001:db8::100\r\n"));
	assert_non_null(strstr(t, "c=IN IP6 2001:db8::100\r\n"));
	assert_string_equal(neg.codec->name, "G722");
	assert_int_equal(neg.remote.type, SDP_IP6);
	assert_view(neg.remote_rtcp.addr, "2001:db8::11");
	assert_int_equal(neg.remote_rtcp_port, 5009);

	const char *why;
	local.addr6 = NULL;
	assert_int_equal(answer_to(sdp_ipv6, &why), -EINVAL);
	assert_string_equal(why, "IPv6 media is not supported");
	local.addr4 = NULL;
	assert_int_equal(answer_to(sdp_baresip, &why), -EINVAL);
	assert_string_equal(why, "IPv4 media is not supported");
	local.addr4 = "pbx.example.com";
	assert_int_equal(answer_to(sdp_baresip, &why), -EINVAL);
	assert_string_equal(why, "bad local media address");
}

/* RFC 3264 §10.1: Alice offers audio and two video streams; we take the audio and
 * refuse both videos (Bob refuses one). Then Bob's second offer with a fourth,
 * receive-only stream of "telephone-events" (sic): one audio stream only. */
static void test_rfc3264_example(void **state)
{
	(void)state;
	const char *t = answered(sdp_rfc3264_offer);
	assert_non_null(strstr(t, "m=audio 20000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
				  "m=video 0 RTP/AVP 31\r\nm=video 0 RTP/AVP 32\r\n"));
	assert_view(neg.remote.addr, "host.anywhere.com");
	assert_true(neg.remote.is_name);

	t = answered("v=0\r\no=bob 2890844730 2890844731 IN IP4 host.example.com\r\ns=\r\n"
		     "c=IN IP4 host.example.com\r\nt=0 0\r\nm=audio 65422 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
		     "m=video 0 RTP/AVP 31\r\nm=video 53000 RTP/AVP 32\r\na=rtpmap:32 MPV/90000\r\n"
		     "m=audio 51434 RTP/AVP 110\r\na=rtpmap:110 telephone-events/8000\r\na=recvonly\r\n");
	assert_int_equal(answer.nmedia, 4);
	assert_int_equal(answer.media[0].port, 20000);
	assert_int_equal(answer.media[1].port, 0);
	assert_int_equal(answer.media[2].port, 0);
	assert_int_equal(answer.media[3].port, 0);
	assert_non_null(strstr(t, "m=audio 0 RTP/AVP 110\r\n"));
	assert_int_equal(neg.remote_port, 65422);
}

/* RFC 4317 §2.1: audio PCMU/PCMA/iLBC and video H.261/MPV offered. */
static void test_rfc4317_example(void **state)
{
	(void)state;
	const char *t = answered(sdp_rfc4317_offer);
	assert_non_null(strstr(t, "m=audio 20000 RTP/AVP 0 8\r\n"));
	assert_non_null(strstr(t, "m=video 0 RTP/AVP 31 32\r\n"));
	/* The answer's t= is the offer's (RFC 3264 §6). */
	assert_non_null(strstr(t, "t=0 0\r\n"));
	answered("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=3034423619 3042462419\r\n"
		 "m=audio 4000 RTP/AVP 0\r\n");
	assert_view(answer.timing, "3034423619 3042462419");
}

#define HEAD "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"

static enum sdp_dir answered_dir(const char *sdp)
{
	answered(sdp);
	return answer.media[neg.media].dir;
}

static void test_directions_and_hold(void **state)
{
	(void)state;
	/* RFC 3264 §6.1. */
	assert_int_equal(answered_dir(HEAD "m=audio 4000 RTP/AVP 0\r\n"), SDP_SENDRECV);
	assert_false(sdp_is_hold(&offer));
	assert_int_equal(answered_dir(HEAD "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n"), SDP_RECVONLY);
	assert_true(sdp_is_hold(&offer));
	assert_true(neg.remote_hold);
	assert_int_equal(neg.dir, SDP_RECVONLY);
	assert_int_equal(answered_dir(HEAD "m=audio 4000 RTP/AVP 0\r\na=recvonly\r\n"), SDP_SENDONLY);
	assert_false(sdp_is_hold(&offer));
	assert_int_equal(answered_dir(HEAD "m=audio 4000 RTP/AVP 0\r\na=inactive\r\n"), SDP_INACTIVE);
	assert_true(sdp_is_hold(&offer));
	/* A session-level direction applies. */
	assert_int_equal(answered_dir(HEAD "a=sendonly\r\nm=audio 4000 RTP/AVP 0\r\n"), SDP_RECVONLY);
	assert_true(sdp_media_is_hold(&offer, &offer.media[0]));
	/* The old hold: c=0.0.0.0 means "send me nothing" (RFC 3264 §8.4). */
	assert_int_equal(answered_dir(sdp_old_hold), SDP_RECVONLY);
	assert_true(sdp_is_hold(&offer));
	assert_true(neg.remote_hold);

	/* Our own hold: we send at most. */
	local.hold = true;
	assert_int_equal(answered_dir(HEAD "m=audio 4000 RTP/AVP 0\r\n"), SDP_SENDONLY);
	assert_int_equal(answered_dir(HEAD "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n"), SDP_INACTIVE);
	assert_int_equal(answered_dir(HEAD "m=audio 4000 RTP/AVP 0\r\na=recvonly\r\n"), SDP_SENDONLY);

	/* Hold needs an audio stream with a port, all of them held. */
	free(keep);
	keep = sdp_must_parse(&offer, HEAD "m=audio 0 RTP/AVP 0\r\na=sendonly\r\nm=video 4000 RTP/AVP 31\r\n"
					   "a=inactive\r\n");
	assert_false(sdp_is_hold(&offer));
	assert_false(sdp_media_is_hold(&offer, &offer.media[0]));
	free(keep);
	keep = sdp_must_parse(&offer, HEAD "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\nm=audio 4002 RTP/AVP 0\r\n");
	assert_false(sdp_is_hold(&offer));
}

static uint32_t answered_ptime(const char *attrs)
{
	char sdp[512];
	snprintf(sdp, sizeof(sdp), HEAD "m=audio 4000 RTP/AVP 0\r\n%s", attrs);
	answered(sdp);
	return answer.media[0].ptime;
}

static void test_ptime(void **state)
{
	(void)state;
	assert_int_equal(answered_ptime(""), 0);
	assert_int_equal(answered_ptime("a=ptime:30\r\n"), 30);
	assert_int_equal(neg.ptime, 30);
	assert_int_equal(answered_ptime("a=ptime:10\r\n"), 10);
	assert_int_equal(answered_ptime("a=ptime:5\r\n"), 10);
	assert_int_equal(answered_ptime("a=ptime:200\r\n"), 60);
	assert_int_equal(answered_ptime("a=ptime:40\r\na=maxptime:30\r\n"), 30);
	local.ptime_min = 20;
	local.ptime_max = 40;
	assert_int_equal(answered_ptime("a=ptime:10\r\n"), 20);
	assert_int_equal(answered_ptime("a=ptime:50\r\n"), 40);
}

static void test_codec_matching(void **state)
{
	(void)state;
	/* A dynamic number for a static codec keeps the offer's number (RFC 3264 §6.1);
	 * names match whatever their case. */
	const char *t = answered(HEAD "m=audio 4000 RTP/AVP 96 97\r\na=rtpmap:96 pcmu/8000\r\n"
				      "a=rtpmap:97 TELEPHONE-EVENT/8000\r\n");
	assert_non_null(strstr(t, "m=audio 20000 RTP/AVP 96 97\r\na=rtpmap:96 pcmu/8000\r\n"
				  "a=rtpmap:97 TELEPHONE-EVENT/8000\r\na=fmtp:97 0-15\r\n"));
	assert_int_equal(neg.pt, 96);
	assert_string_equal(neg.codec->name, "PCMU");
	assert_int_equal(neg.te_pt, 97);

	/* Other clock rates or channel counts are other codecs. */
	const char *why;
	assert_int_equal(answer_to(HEAD "m=audio 4000 RTP/AVP 96 97 101\r\na=rtpmap:96 PCMU/16000\r\n"
					"a=rtpmap:97 PCMA/8000/2\r\na=rtpmap:101 telephone-event/8000\r\n", &why), -EINVAL);
	assert_string_equal(why, "no common codec");

	/* telephone-event: no fmtp means 0-15; nothing in common or a bad list drops it. */
	answered(HEAD "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n");
	assert_view(answer.media[0].fmts[1].fmtp, "0-15");
	answered(HEAD "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 32-40\r\n");
	assert_int_equal(answer.media[0].nfmts, 1);
	assert_int_equal(neg.te_pt, -1);
	answered(HEAD "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 15-2\r\n");
	assert_int_equal(neg.te_pt, -1);
	answered(HEAD "m=audio 4000 RTP/AVP 0 101 102\r\na=rtpmap:101 telephone-event/8000\r\n"
		      "a=fmtp:101 0-9\r\na=rtpmap:102 telephone-event/8000\r\n");
	assert_int_equal(neg.te_pt, 101);
	assert_view(answer.media[0].fmts[1].fmtp, "0-9");
	assert_int_equal(answer.media[0].nfmts, 2);

	/* A payload type listed twice is one codec, the one its rtpmap names (found by
	 * the fuzzer: the answer took the second 0 as PCMU). */
	answered(HEAD "m=audio 4000 RTP/AVP 3 0 0 8\r\na=rtpmap:0 zPCMU/8000\r\n");
	assert_int_equal(answer.media[0].nfmts, 1);
	assert_int_equal(neg.pt, 8);

	/* telephone-event alone is no codec. */
	assert_int_equal(answer_to(HEAD "m=audio 4000 RTP/AVP 101\r\na=rtpmap:101 telephone-event/8000\r\n", &why),
			 -EINVAL);
	assert_string_equal(why, "no common codec");

	/* RTP/AVPF is answered in kind (we just send no feedback). */
	t = answered(HEAD "m=audio 4000 RTP/AVPF 0\r\na=rtcp-fb:* nack\r\n");
	assert_non_null(strstr(t, "m=audio 20000 RTP/AVPF 0\r\n"));
	assert_null(strstr(t, "rtcp-fb"));
}

static void test_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *sdp, *why;
	} cases[] = {
		{HEAD "m=audio 4000 RTP/AVP 18 4\r\n", "no common codec"},
		{HEAD "m=video 4000 RTP/AVP 31\r\nm=image 4002 udptl t38\r\n", "no audio stream offered"},
		{sdp_webrtc, "DTLS-SRTP is not supported"},
		{HEAD "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n",
		 "SRTP is not supported"},
		{HEAD "m=audio 0 RTP/AVP 0\r\n", "audio stream disabled in the offer"},
		{HEAD "m=audio 4000 TCP/MSRP *\r\n", "media transport is not RTP/AVP"},
		{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 233.252.0.1/127\r\nt=0 0\r\n"
		 "m=audio 4000 RTP/AVP 0\r\n", "multicast or layered media is not supported"},
		{HEAD "m=audio 4000/2 RTP/AVP 0\r\n", "multicast or layered media is not supported"},
		/* The first audio stream's reason is the one given. */
		{HEAD "m=audio 4000 RTP/AVP 18\r\nm=audio 4002 RTP/SAVP 0\r\n", "no common codec"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why;
		int rc = answer_to(cases[i].sdp, &why);
		if (rc != -EINVAL || !why || strcmp(why, cases[i].why) != 0)
			fail_msg("case %zu: %d \"%s\", expected \"%s\"", i, rc, why ? why : "", cases[i].why);
	}

	/* A refused stream before a good one: port 0 for it, the next one accepted. */
	const char *t = answered(HEAD "m=audio 4000 RTP/SAVP 0\r\nm=audio 4002 RTP/AVP 0\r\n");
	assert_non_null(strstr(t, "m=audio 0 RTP/SAVP 0\r\nm=audio 20000 RTP/AVP 0\r\n"));
	assert_int_equal(neg.media, 1);
	assert_int_equal(neg.remote_port, 4002);
}

static void test_our_offer(void **state)
{
	(void)state;
	const char *why;
	size_t n;
	local.ptime = 20;
	assert_int_equal(sdp_offer(&local, &offer, &why), 0);
	assert_int_equal(sdp_print(text, sizeof(text), &n, &offer), 0);
	assert_string_equal(text, "v=0\r\no=strowger 0 0 IN IP4 192.0.2.100\r\ns=strowger\r\nc=IN IP4 192.0.2.100\r\n"
				  "t=0 0\r\nm=audio 20000 RTP/AVP 0 8 9 101\r\na=rtpmap:0 PCMU/8000\r\n"
				  "a=rtpmap:8 PCMA/8000\r\na=rtpmap:9 G722/8000\r\n"
				  "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n"
				  "a=sendrecv\r\n");
	local.hold = true;
	local.addr4 = NULL;
	assert_int_equal(sdp_offer(&local, &offer, &why), 0);
	assert_int_equal(sdp_print(text, sizeof(text), &n, &offer), 0);
	assert_non_null(strstr(text, "c=IN IP6 2001:db8::100\r\n"));
	assert_non_null(strstr(text, "a=sendonly\r\n"));
	local.addr6 = NULL;
	assert_int_equal(sdp_offer(&local, &offer, &why), -EINVAL);
	local.addr4 = "192.0.2.100";
	local.ncodecs = 0;
	assert_int_equal(sdp_offer(&local, &offer, &why), -EINVAL);
	assert_string_equal(why, "no codecs to offer");
}

/* Checks a peer's answer (text) to our offer; returns sdp_answer_check's result. */
static int check_answer(const char *sdp, const char **why)
{
	const char *w;
	assert_int_equal(sdp_offer(&local, &offer, &w), 0);
	free(keep);
	keep = sdp_must_parse(&answer, sdp);
	*why = NULL;
	return sdp_answer_check(&offer, &answer, &local, &neg, why);
}

static void test_answers_to_our_offer(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(check_answer(HEAD "m=audio 30000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
					   "a=fmtp:101 0-15\r\n", &why), 0);
	assert_string_equal(neg.codec->name, "PCMA");
	assert_int_equal(neg.pt, 8);
	assert_int_equal(neg.te_pt, 101);
	assert_true(sdp_events_has(&neg.te_events, 15));
	assert_false(sdp_events_has(&neg.te_events, 16));
	assert_int_equal(neg.remote_port, 30000);
	assert_int_equal(neg.dir, SDP_SENDRECV);

	/* Answer directions, from our side. */
	assert_int_equal(check_answer(HEAD "m=audio 30000 RTP/AVP 0\r\na=sendonly\r\n", &why), 0);
	assert_int_equal(neg.dir, SDP_RECVONLY);
	assert_int_equal(check_answer(HEAD "m=audio 30000 RTP/AVP 0\r\na=recvonly\r\n", &why), 0);
	assert_int_equal(neg.dir, SDP_SENDONLY);
	assert_int_equal(check_answer("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
				      "m=audio 30000 RTP/AVP 0\r\n", &why), 0);
	assert_int_equal(neg.dir, SDP_RECVONLY);
	local.hold = true;
	assert_int_equal(check_answer(HEAD "m=audio 30000 RTP/AVP 0\r\na=recvonly\r\n", &why), 0);
	assert_int_equal(neg.dir, SDP_SENDONLY);
	local.hold = false;

	static const struct {
		const char *sdp, *why;
	} bad[] = {
		{HEAD "m=audio 30000 RTP/AVP 18\r\n", "answer has a payload type that was not offered"},
		{HEAD "m=audio 30000 RTP/AVP 8\r\na=rtpmap:8 PCMU/8000\r\n",
		 "answer maps an offered payload type to another codec"},
		{HEAD "m=audio 0 RTP/AVP 0\r\n", "audio stream rejected"},
		{HEAD "m=audio 30000 RTP/AVP 0\r\nm=video 0 RTP/AVP 31\r\n", "answer has not as many m= lines as the offer"},
		{HEAD "m=video 30000 RTP/AVP 31\r\n", "answer changes the media type of an m= line"},
		{HEAD "m=audio 30000 RTP/SAVP 0\r\n", "answer changes the media transport"},
		{HEAD "m=audio 30000 RTP/AVP 101\r\n", "no common codec"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = check_answer(bad[i].sdp, &why);
		if (rc != -EINVAL || !why || strcmp(why, bad[i].why) != 0)
			fail_msg("case %zu: %d \"%s\", expected \"%s\"", i, rc, why ? why : "", bad[i].why);
	}
}

/* Our offer, answered by another Strowger with other codecs, checked by us. */
static void test_offer_answer_loop(void **state)
{
	(void)state;
	static const struct sdp_codec theirs[] = {
		{"PCMA", 8000, 1, 8, NULL},
		{"telephone-event", 8000, 1, 96, "0-15"},
	};
	struct sdp_local peer = {.codecs = theirs, .ncodecs = 2, .addr4 = "198.51.100.7", .port = 40000};
	const char *why;
	size_t n;
	assert_int_equal(sdp_offer(&local, &offer, &why), 0);
	assert_int_equal(sdp_print(text, sizeof(text), &n, &offer), 0);
	char *k1 = sdp_must_parse(&parsed, text);
	struct sdp_neg their_neg;
	assert_int_equal(sdp_answer(&parsed, &peer, &answer, &their_neg, &why), 0);
	/* They keep our payload type for telephone-event (101), not their 96. */
	assert_int_equal(their_neg.te_pt, 101);
	static char text2[4096];
	assert_int_equal(sdp_print(text2, sizeof(text2), &n, &answer), 0);
	char *k2 = sdp_must_parse(&answer, text2);
	assert_int_equal(sdp_answer_check(&offer, &answer, &local, &neg, &why), 0);
	assert_string_equal(neg.codec->name, "PCMA");
	assert_int_equal(neg.te_pt, 101);
	assert_view(neg.remote.addr, "198.51.100.7");
	assert_int_equal(neg.remote_port, 40000);
	free(k1);
	free(k2);
}

/* A dialog's answers: same description, same version; a change, one more. */
static void test_versions_across_offers(void **state)
{
	(void)state;
	struct sdp_version v = {.id = 555, .version = 555};
	size_t n;
	answered(sdp_baresip);
	assert_int_equal(sdp_print_versioned(text, sizeof(text), &n, &answer, &v), 0);
	assert_non_null(strstr(text, "o=strowger 555 555 IN IP4"));
	answered(sdp_baresip); /* a refresh re-INVITE */
	assert_int_equal(sdp_print_versioned(text, sizeof(text), &n, &answer, &v), 0);
	assert_non_null(strstr(text, "o=strowger 555 555 IN IP4"));
	answered(HEAD "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n"); /* hold */
	assert_int_equal(sdp_print_versioned(text, sizeof(text), &n, &answer, &v), 0);
	assert_non_null(strstr(text, "o=strowger 555 556 IN IP4"));
	assert_non_null(strstr(text, "a=recvonly\r\n"));
}

static void test_events(void **state)
{
	(void)state;
	struct sdp_events ev, other;
	char buf[64];
	struct sdp_str l = SDP_STR("0-11,16,20-22,255");
	assert_int_equal(sdp_events_parse(&l, &ev), 0);
	assert_true(sdp_events_has(&ev, 0) && sdp_events_has(&ev, 11) && !sdp_events_has(&ev, 12));
	assert_true(sdp_events_has(&ev, 255) && !sdp_events_has(&ev, 256));
	assert_int_equal(sdp_events_print(&ev, buf, sizeof(buf)), strlen("0-11,16,20-22,255"));
	assert_string_equal(buf, "0-11,16,20-22,255");
	/* Too small: a shorter but valid list. */
	assert_int_equal(sdp_events_print(&ev, buf, 10), 7);
	assert_string_equal(buf, "0-11,16");
	assert_int_equal(sdp_events_print(&ev, buf, 0), 0);
	struct sdp_str unset = {0};
	assert_int_equal(sdp_events_parse(&unset, &other), 0);
	assert_true(sdp_events_and(&ev, &other));
	assert_int_equal(sdp_events_print(&ev, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "0-11");
	static const char *const bad[] = {"", "1,", ",1", "5-2", "256", "1-256", "a", "1 - 2", "-1", "1--2"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sdp_str b = sdp_str_of(bad[i]);
		if (sdp_events_parse(&b, &ev) != -EINVAL)
			fail_msg("\"%s\" parsed", bad[i]);
	}
	/* Every other event: the longest list. */
	memset(&ev, 0x55, sizeof(ev));
	assert_true(sdp_events_print(&ev, buf, sizeof(buf)) < sizeof(buf));
	assert_int_equal(buf[0], '0');
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_baresip_offer),	     T(test_preference_order),	   T(test_sipp_asterisk_linphone),
		T(test_ipv6),		     T(test_rfc3264_example),	   T(test_rfc4317_example),
		T(test_directions_and_hold), T(test_ptime),		   T(test_codec_matching),
		T(test_refusals),	     T(test_our_offer),		   T(test_answers_to_our_offer),
		T(test_offer_answer_loop),   T(test_versions_across_offers), T(test_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

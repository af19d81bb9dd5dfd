/* test_sdp_parse.c: the SDP parser on real agents' bodies and RFC examples, and every refusal. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "sdp.h"
#include "sdp_samples.h"

static struct sdp_session s;

#define HEAD_ONLY "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"

static void test_baresip(void **state)
{
	(void)state;
	char *k = sdp_must_parse(&s, sdp_baresip);
	assert_view(s.origin.user, "-");
	assert_view(s.origin.id, "3614532543");
	assert_view(s.origin.version, "2076399370");
	assert_int_equal(s.origin.addr.type, SDP_IP4);
	assert_view(s.name, "-");
	assert_int_equal(s.conn.type, SDP_IP4);
	assert_view(s.conn.addr, "127.0.0.1");
	assert_memory_equal(s.conn.ip, "\x7f\0\0\x01", 4);
	assert_false(s.conn.is_null);
	assert_false(s.conn.is_name);
	assert_view(s.timing, "0 0");
	assert_int_equal(s.dir, SDP_DIR_NONE);
	assert_int_equal(s.nmedia, 1);

	const struct sdp_media *m = &s.media[0];
	assert_view(m->media, "audio");
	assert_int_equal(m->type, SDP_AUDIO);
	assert_int_equal(m->port, 39060);
	assert_int_equal(m->nports, 1);
	assert_int_equal(m->proto_id, SDP_RTP_AVP);
	assert_view(m->fmt_list, "0 8 101");
	assert_int_equal(m->nfmts, 3);
	assert_int_equal(m->fmts[0].pt, 0);
	assert_view(m->fmts[0].name, "PCMU");
	assert_int_equal(m->fmts[0].rate, 8000);
	assert_true(m->fmts[0].rtpmap);
	assert_int_equal(m->fmts[2].pt, 101);
	assert_view(m->fmts[2].name, "telephone-event");
	assert_view(m->fmts[2].fmtp, "0-15");
	assert_int_equal(m->fmts[1].fmtp.p, NULL);
	assert_int_equal(m->dir, SDP_SENDRECV);
	assert_int_equal(m->ptime, 20);
	assert_int_equal(m->maxptime, 0);
	assert_int_equal(m->conn.type, SDP_ADDR_NONE);
	assert_ptr_equal(sdp_media_conn(&s, m), &s.conn);

	/* Attributes the model leaves alone are still reachable. */
	struct sdp_str v;
	assert_true(sdp_attr_find(&s.lines, "tool", &v));
	assert_view(v, "baresip 1.0.0");
	assert_false(sdp_attr_find(&s.lines, "label", &v));
	assert_true(sdp_attr_find(&m->lines, "label", &v));
	assert_view(v, "1");
	assert_true(sdp_attr_find(&m->lines, "ssrc", &v));
	assert_view(v, "3666986637 cname:sip:1000@127.0.0.1:47120");
	assert_true(sdp_attr_find(&m->lines, "rtcp-rsize", &v));
	assert_false(sdp_str_isset(&v));
	free(k);
}

static void test_sipp_and_asterisk(void **state)
{
	(void)state;
	char *k = sdp_must_parse(&s, sdp_sipp_pcap);
	assert_int_equal(s.media[0].nfmts, 2);
	assert_view(s.media[0].fmts[0].name, "PCMA");
	assert_view(s.media[0].fmts[1].fmtp, "0-11,16");
	assert_int_equal(sdp_media_dir(&s, &s.media[0]), SDP_SENDRECV);
	free(k);

	k = sdp_must_parse(&s, sdp_asterisk);
	const struct sdp_media *m = &s.media[0];
	assert_view(s.name, "Asterisk");
	assert_int_equal(m->nfmts, 4);
	assert_view(m->fmts[0].name, "GSM");
	assert_int_equal(m->ptime, 20);
	assert_int_equal(m->maxptime, 150);
	assert_non_null(sdp_media_fmt(m, 101));
	assert_null(sdp_media_fmt(m, 96));
	free(k);
}

static void test_linphone_several_streams(void **state)
{
	(void)state;
	char *k = sdp_must_parse(&s, sdp_linphone);
	assert_int_equal(s.nmedia, 3);
	assert_int_equal(s.media[0].type, SDP_AUDIO);
	assert_int_equal(s.media[1].type, SDP_VIDEO);
	assert_int_equal(s.media[2].type, SDP_TEXT);

	const struct sdp_media *a = &s.media[0];
	assert_int_equal(a->nfmts, 9);
	assert_view(a->fmts[0].name, "opus");
	assert_int_equal(a->fmts[0].rate, 48000);
	assert_int_equal(a->fmts[0].channels, 2);
	assert_view(a->fmts[0].fmtp, "useinbandfec=1");
	/* G.729 has no rtpmap: its name comes from RFC 3551; its fmtp still attaches. */
	const struct sdp_fmt *g729 = sdp_media_fmt(a, 18);
	assert_non_null(g729);
	assert_false(g729->rtpmap);
	assert_view(g729->name, "G729");
	assert_view(g729->fmtp, "annexb=yes");
	assert_int_equal(sdp_media_fmt(a, 100)->rate, 8000);
	assert_int_equal(sdp_media_fmt(a, 101)->rate, 48000);

	/* Payload type 96 means Opus in the audio stream and VP8 in the video one. */
	assert_view(sdp_media_fmt(&s.media[1], 96)->name, "VP8");
	assert_view(sdp_media_fmt(&s.media[1], 97)->fmtp, "profile-level-id=42801F");
	assert_view(sdp_media_fmt(&s.media[2], 99)->fmtp, "98/98/98");

	/* Each level's lines: attributes do not leak from one stream into another. */
	struct sdp_str it = a->lines, name, val;
	int fb = 0;
	while (sdp_attr_next(&it, &name, &val))
		fb += sdp_str_eq(&name, "rtcp-fb");
	assert_int_equal(fb, 2);
	assert_true(sdp_attr_find(&s.lines, "record", &val));
	assert_view(val, "off");
	assert_false(sdp_attr_find(&s.media[2].lines, "rtcp-fb", &val));
	free(k);
}

static void test_ipv6_and_rtcp(void **state)
{
	(void)state;
	char *k = sdp_must_parse(&s, sdp_ipv6);
	assert_int_equal(s.conn.type, SDP_IP6);
	assert_view(s.conn.addr, "2001:db8::10");
	assert_memory_equal(s.conn.ip, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x10", 16);
	assert_int_equal(s.origin.addr.type, SDP_IP6);
	const struct sdp_media *m = &s.media[0];
	assert_view(m->fmts[0].name, "G722");
	assert_int_equal(m->fmts[0].rate, 8000);
	assert_int_equal(m->rtcp_port, 5009);
	assert_int_equal(m->rtcp_conn.type, SDP_IP6);
	assert_view(m->rtcp_conn.addr, "2001:db8::11");
	free(k);

	k = sdp_must_parse(&s, "v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::\r\nt=0 0\r\n"
			       "m=audio 4000 RTP/AVP 0\r\na=rtcp:4001\r\n");
	assert_true(s.conn.is_null);
	assert_int_equal(s.media[0].rtcp_port, 4001);
	assert_int_equal(s.media[0].rtcp_conn.type, SDP_ADDR_NONE);
	free(k);
}

static void test_rfc_examples_with_names(void **state)
{
	(void)state;
	char *k = sdp_must_parse(&s, sdp_rfc3264_offer);
	assert_view(s.name, "");
	assert_true(sdp_str_isset(&s.name));
	assert_true(s.conn.is_name);
	assert_view(s.conn.addr, "host.anywhere.com");
	assert_int_equal(s.nmedia, 3);
	assert_int_equal(s.media[2].port, 53000);
	assert_view(s.media[2].fmts[0].name, "MPV");
	free(k);

	k = sdp_must_parse(&s, sdp_rfc4317_offer);
	assert_int_equal(s.nmedia, 2);
	assert_view(sdp_media_fmt(&s.media[0], 97)->name, "iLBC");
	free(k);
}

static void test_directions(void **state)
{
	(void)state;
	/* A session-level direction is the default of every stream (RFC 8866 §6.7). */
	char *k = sdp_must_parse(&s, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				     "a=sendonly\r\nm=audio 4000 RTP/AVP 0\r\nm=audio 4002 RTP/AVP 0\r\n"
				     "a=inactive\r\nm=audio 4004 RTP/AVP 0\r\na=recvonly\r\n");
	assert_int_equal(s.dir, SDP_SENDONLY);
	assert_int_equal(s.media[0].dir, SDP_DIR_NONE);
	assert_int_equal(sdp_media_dir(&s, &s.media[0]), SDP_SENDONLY);
	assert_int_equal(sdp_media_dir(&s, &s.media[1]), SDP_INACTIVE);
	assert_int_equal(sdp_media_dir(&s, &s.media[2]), SDP_RECVONLY);
	assert_string_equal(sdp_dir_name(SDP_RECVONLY), "recvonly");
	assert_string_equal(sdp_dir_name(SDP_DIR_NONE), "");
	free(k);

	k = sdp_must_parse(&s, sdp_old_hold);
	assert_true(s.conn.is_null);
	assert_int_equal(sdp_media_dir(&s, &s.media[0]), SDP_SENDRECV);
	free(k);
}

static void test_line_ends_and_odd_spacing(void **state)
{
	(void)state;
	/* LF only, no final line end, runs of spaces, a port count, a fractional ptime,
	 * multicast with a TTL, trailing blank lines. */
	char *k = sdp_must_parse(&s, "v=0\no=-  7 8 IN IP4 192.0.2.1\ns=x\nc=IN IP4 233.252.0.1/127\nt=0 0\n"
				     "m=audio 4000/2 RTP/AVP 0  8 \na=ptime:20.5\r\n\r\n\n");
	assert_view(s.origin.id, "7");
	assert_true(s.conn.multicast);
	assert_view(s.conn.addr, "233.252.0.1");
	assert_view(s.conn.suffix, "127");
	assert_int_equal(s.media[0].nports, 2);
	assert_int_equal(s.media[0].nfmts, 2);
	assert_view(s.media[0].fmt_list, "0  8");
	assert_int_equal(s.media[0].ptime, 20);
	free(k);

	k = sdp_must_parse(&s, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
			       "c=IN IP4 192.0.2.9\r\n");
	assert_int_equal(s.conn.type, SDP_ADDR_NONE);
	assert_view(sdp_media_conn(&s, &s.media[0])->addr, "192.0.2.9");
	free(k);
}

/* A payload type listed twice is one format; attributes find formats by number. */
static void test_repeated_formats(void **state)
{
	(void)state;
	char *k = sdp_must_parse(&s, HEAD_ONLY "m=audio 4000 RTP/AVP 0 08 0 8\r\na=rtpmap:0 zPCMU/8000\r\n"
					       "a=rtpmap:8 PCMA/8000\r\na=fmtp:008 x=1\r\n"
					       "m=message 4002 TCP/MSRP * *\r\n");
	const struct sdp_media *m = &s.media[0];
	assert_int_equal(m->nfmts, 2);
	assert_view(m->fmt_list, "0 08 0 8");
	assert_view(m->fmts[0].name, "zPCMU");
	assert_view(m->fmts[1].id, "08");
	assert_int_equal(m->fmts[1].pt, 8);
	assert_view(m->fmts[1].name, "PCMA");
	assert_view(m->fmts[1].fmtp, "x=1");
	assert_int_equal(s.media[1].nfmts, 1);
	free(k);
}

static void test_other_protocols_and_rejected_streams(void **state)
{
	(void)state;
	char *k = sdp_must_parse(&s, "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				     "m=image 4000 udptl t38\r\nm=message 5000 TCP/MSRP *\r\n"
				     "m=video 0 RTP/AVP\r\nm=audio 0 RTP/SAVP 0\r\n");
	assert_int_equal(s.media[0].type, SDP_IMAGE);
	assert_int_equal(s.media[0].proto_id, SDP_PROTO_OTHER);
	assert_int_equal(s.media[0].fmts[0].pt, -1);
	assert_view(s.media[0].fmts[0].id, "t38");
	assert_int_equal(s.media[1].type, SDP_MESSAGE);
	assert_view(s.media[1].fmts[0].id, "*");
	assert_int_equal(s.media[2].nfmts, 0);
	assert_int_equal(s.media[3].proto_id, SDP_RTP_SECURE);
	free(k);

	k = sdp_must_parse(&s, sdp_webrtc);
	assert_int_equal(s.media[0].proto_id, SDP_RTP_SECURE);
	assert_true(s.media[0].rtcp_mux);
	assert_true(s.media[0].conn.is_null);
	assert_int_equal(s.media[0].rtcp_port, 9);
	free(k);
}

static void test_format_bounds(void **state)
{
	(void)state;
	char text[2048];
	int n = snprintf(text, sizeof(text), "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
					     "t=0 0\r\nm=audio 4000 RTP/AVP");
	for (int pt = 0; pt < SDP_MAX_FMTS + 5; pt++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, " %d", pt);
	n += snprintf(text + n, sizeof(text) - (size_t)n, "\r\na=rtpmap:3 GSM/8000\r\n");
	char *k = sdp_must_parse(&s, text);
	assert_int_equal(s.media[0].nfmts, SDP_MAX_FMTS);
	assert_true(s.media[0].fmts_truncated);
	free(k);

	/* SDP_MAX_MEDIA streams parse; one more is refused. */
	n = snprintf(text, sizeof(text), "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n");
	for (int i = 0; i < SDP_MAX_MEDIA; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "m=audio %d RTP/AVP 0\r\n", 4000 + 2 * i);
	k = sdp_must_parse(&s, text);
	assert_int_equal(s.nmedia, SDP_MAX_MEDIA);
	free(k);
	snprintf(text + n, sizeof(text) - (size_t)n, "m=audio 5000 RTP/AVP 0\r\n");
	const char *why;
	assert_int_equal(sdp_parse_copy(&s, text, strlen(text), &k, &why), -EINVAL);
	assert_string_equal(why, "too many m= lines");
	assert_int_equal(s.err_line, 5 + SDP_MAX_MEDIA + 1);
	free(k);
}

/* Each refusal: the body, the reason and the line it names (0: none). */
struct bad {
	const char *sdp;
	const char *why;
	unsigned line;
};

#define HEAD "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
#define AUDIO HEAD "m=audio 4000 RTP/AVP 0 101\r\n"

static const struct bad bads[] = {
	{"", "empty SDP", 0},
	{"v=1\r\n", "SDP does not start with v=0", 1},
	{"o=- 1 1 IN IP4 192.0.2.1\r\nv=0\r\n", "SDP does not start with v=0", 1},
	{"\r\nv=0\r\n", "empty line in SDP", 1},
	{"v=0\r\n", "missing o= line", 0},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n", "missing s= line", 0},
	{"v=0\r\ns=-\r\nm=audio 4000 RTP/AVP 0\r\n", "missing o= line", 3},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\n",
	 "missing s= line", 4},
	{HEAD "o=- 1 1 IN IP4 192.0.2.1\r\n", "more than one o= line", 6},
	{HEAD "s=again\r\n", "more than one s= line", 6},
	{HEAD "v=0\r\n", "v= line not first", 6},
	{"v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", "bad o= line", 2},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1 extra\r\ns=-\r\n", "bad o= line", 2},
	{"v=0\r\no=- x1 1 IN IP4 192.0.2.1\r\ns=-\r\n", "bad o= line", 2},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1/3\r\ns=-\r\n", "bad connection address", 2},
	{HEAD "x=unknown\r\n", "unknown SDP line type", 6},
	{HEAD "A=sendrecv\r\n", "malformed SDP line", 6},
	{HEAD "a\r\n", "malformed SDP line", 6},
	{HEAD "a sendrecv\r\n", "malformed SDP line", 6},
	{HEAD "\r\na=sendrecv\r\n", "empty line in SDP", 6},
	{HEAD "s=a\rb\r\n", "control character in SDP line", 6},
	{HEAD "t=0\r\n", "bad t= line", 6},
	{HEAD "t=0 x\r\n", "bad t= line", 6},
	{HEAD "c=IN IP4 192.0.2.2\r\n", "more than one c= line", 6},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 300.1.2.3\r\n", "bad IPv4 address", 4},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 1.2.3\r\n", "bad IPv4 address", 4},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP6 2001:::1\r\n", "bad IPv6 address", 4},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 host_name\r\n", "bad connection address", 4},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 -host\r\n", "bad connection address", 4},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 233.252.0.1/x\r\n", "bad connection address", 4},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP6 ff15::1/1/2\r\n", "bad connection address", 4},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=ATM NSAP 47.0005\r\n", "network type is not IN", 4},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP5 192.0.2.1\r\n", "address type is not IP4 or IP6", 4},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4\r\n", "bad c= line", 4},
	{HEAD "m=audio\r\n", "bad m= line", 6},
	{HEAD "m=audio 70000 RTP/AVP 0\r\n", "bad port in m= line", 6},
	{HEAD "m=audio 4000/0 RTP/AVP 0\r\n", "bad port in m= line", 6},
	{HEAD "m=audio -1 RTP/AVP 0\r\n", "bad port in m= line", 6},
	{HEAD "m=audio 4000 RTP/AVP 128\r\n", "bad payload type in m= line", 6},
	{HEAD "m=audio 4000 RTP/AVP PCMU\r\n", "bad payload type in m= line", 6},
	{HEAD "m=audio 4000 RTP/AVP\r\n", "m= line without formats", 6},
	{AUDIO "s=-\r\n", "session-level line inside a media description", 7},
	{AUDIO "t=0 0\r\n", "session-level line inside a media description", 7},
	{AUDIO "y=1\r\n", "unknown SDP line type", 7},
	{AUDIO "c=IN IP4 192.0.2.2\r\nc=IN IP4 192.0.2.3\r\n", "more than one c= line", 8},
	{"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n",
	 "no c= line for a media stream", 0},
	{AUDIO "a=rtpmap:0 PCMU\r\n", "bad a=rtpmap line", 7},
	{AUDIO "a=rtpmap:x PCMU/8000\r\n", "bad a=rtpmap line", 7},
	{AUDIO "a=rtpmap:101 telephone-event/0\r\n", "bad a=rtpmap line", 7},
	{AUDIO "a=rtpmap:101 /8000\r\n", "bad a=rtpmap line", 7},
	{AUDIO "a=rtpmap:101 opus/48000/x\r\n", "bad a=rtpmap line", 7},
	{AUDIO "a=rtpmap:0 PCMU/8000 extra\r\n", "bad a=rtpmap line", 7},
	{AUDIO "a=rtpmap:0 PCMU/8000\r\na=rtpmap:0 PCMA/8000\r\n", "two a=rtpmap lines for one payload type", 8},
	{AUDIO "a=fmtp:101\r\n", "bad a=fmtp line", 7},
	{AUDIO "a=fmtp: 0-15\r\n", "bad a=fmtp line", 7},
	{AUDIO "a=fmtp:101 0-15\r\na=fmtp:101 0-16\r\n", "two a=fmtp lines for one format", 8},
	{AUDIO "a=ptime:abc\r\n", "bad a=ptime line", 7},
	{AUDIO "a=ptime:0\r\n", "bad a=ptime line", 7},
	{AUDIO "a=ptime:20000\r\n", "bad a=ptime line", 7},
	{AUDIO "a=ptime:20.x\r\n", "bad a=ptime line", 7},
	{AUDIO "a=maxptime:\r\n", "bad a=maxptime line", 7},
	{AUDIO "a=rtcp:0\r\n", "bad a=rtcp line", 7},
	{AUDIO "a=rtcp:4001 IN IP4\r\n", "bad a=rtcp line", 7},
	{AUDIO "a=rtcp:4001 IN IP4 192.0.2.1 x\r\n", "bad a=rtcp line", 7},
	{AUDIO "a=rtcp:4001 IN IP4 192.0.2.300\r\n", "bad IPv4 address", 7},
	{AUDIO "a=sendonly\r\na=recvonly\r\n", "more than one direction attribute", 8},
	{HEAD "a=inactive\r\na=inactive\r\n", "more than one direction attribute", 7},
};

static void test_refusals(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		char *k;
		const char *why;
		int rc = sdp_parse_copy(&s, bads[i].sdp, strlen(bads[i].sdp), &k, &why);
		free(k);
		if (rc != -EINVAL || !why || strcmp(why, bads[i].why) != 0 || s.err_line != bads[i].line)
			fail_msg("case %zu: rc %d, \"%s\" at line %u; expected \"%s\" at line %u\n%s", i, rc,
				 why ? why : "(none)", s.err_line, bads[i].why, bads[i].line, bads[i].sdp);
	}
}

static void test_nul_byte(void **state)
{
	(void)state;
	static const char text[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=a\0b\r\n";
	char *k;
	const char *why;
	assert_int_equal(sdp_parse_copy(&s, text, sizeof(text) - 1, &k, &why), -EINVAL);
	assert_string_equal(why, "control character in SDP line");
	assert_int_equal(s.err_line, 3);
	free(k);
}

/* What the parser tolerates: unknown attributes, rtpmap/fmtp of formats not listed,
 * model attributes at session level, odd but legal address forms. */
static void test_tolerated(void **state)
{
	(void)state;
	static const char *const oks[] = {
		AUDIO "a=rtpmap:96 opus/48000/2\r\na=fmtp:96 x=1\r\n",
		HEAD "a=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=rtcp-mux\r\na=whatever:1 2 3\r\n",
		AUDIO "a=x-unknown\r\nb=AS:64\r\ni=info\r\nk=prompt\r\n",
		HEAD "i=i\r\nu=http://example.com/\r\ne=a@example.com\r\np=+1 555\r\nb=CT:128\r\nr=7d 1h 0 25h\r\n"
		     "z=2882844526 -1h\r\nk=clear:x\r\nt=1 2\r\n",
		"v=0\r\no=- 1 1 IN IP4 a-b.example.\r\ns=-\r\nc=IN IP6 ::ffff:192.0.2.1\r\n",
		AUDIO "a=fmtp:0 \r\n",
		AUDIO "a=sendonly:x\r\n",
	};
	for (size_t i = 0; i < sizeof(oks) / sizeof(oks[0]); i++)
		free(sdp_must_parse(&s, oks[i]));
	char *k = sdp_must_parse(&s, oks[0]);
	assert_null(sdp_media_fmt(&s.media[0], 96));
	free(k);
	k = sdp_must_parse(&s, oks[3]);
	assert_view(s.timing, "0 0");
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baresip),
		cmocka_unit_test(test_sipp_and_asterisk),
		cmocka_unit_test(test_linphone_several_streams),
		cmocka_unit_test(test_ipv6_and_rtcp),
		cmocka_unit_test(test_rfc_examples_with_names),
		cmocka_unit_test(test_directions),
		cmocka_unit_test(test_line_ends_and_odd_spacing),
		cmocka_unit_test(test_repeated_formats),
		cmocka_unit_test(test_other_protocols_and_rejected_streams),
		cmocka_unit_test(test_format_bounds),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_tolerated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

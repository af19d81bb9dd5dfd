/*
 * bench/sip_parse.c: how long chan_sip's parser takes for typical messages (`make
 * bench` runs it before the SIPp steps). One core, no system calls: the figure
 * behind the "parse" share of the CPU time per registration and per call.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sip_msg.h"

static const char invite[] =
	"INVITE sip:bench@127.0.0.1:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:41999;branch=z9hG4bK-12345-1-0\r\n"
	"From: sipp <sip:u0001@127.0.0.1:41999>;tag=12345SIPpTag001\r\n"
	"To: <sip:bench@127.0.0.1:5060>\r\n"
	"Call-ID: 1-12345@127.0.0.1\r\n"
	"CSeq: 2 INVITE\r\n"
	"Contact: <sip:u0001@127.0.0.1:41999>\r\n"
	"Max-Forwards: 70\r\n"
	"Authorization: Digest username=\"u0001\", realm=\"bench.strowger\", "
	"nonce=\"00000193a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0e1f2\", "
	"uri=\"sip:bench@127.0.0.1:5060\", response=\"0123456789abcdef0123456789abcdef\", "
	"algorithm=MD5, cnonce=\"abcdef\", qop=auth, nc=00000001\r\n"
	"Subject: Performance Test\r\n"
	"Content-Type: application/sdp\r\n"
	"Content-Length: 129\r\n"
	"\r\n"
	"v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

static const char reg[] =
	"REGISTER sip:127.0.0.1:5060 SIP/2.0\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:41999;branch=z9hG4bK-12345-7-0;rport\r\n"
	"From: <sip:u0007@127.0.0.1>;tag=12345SIPpTag007\r\n"
	"To: <sip:u0007@127.0.0.1>\r\n"
	"Call-ID: 7-12345@127.0.0.1\r\n"
	"CSeq: 1 REGISTER\r\n"
	"Contact: <sip:u0007@127.0.0.1:41999>\r\n"
	"Max-Forwards: 70\r\n"
	"Expires: 3600\r\n"
	"User-Agent: SIPp\r\n"
	"Content-Length: 0\r\n\r\n";

static const char ok200[] =
	"SIP/2.0 200 OK\r\n"
	"Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK8a3c7e1f90d2b4c6a8e0f1d3b5c7e9a1;rport=5060\r\n"
	"From: <sip:u0001@127.0.0.1>;tag=4f2a9c1e7b3d\r\n"
	"To: <sip:u1001@127.0.0.1:42001>;tag=12345SIPpTag011\r\n"
	"Call-ID: 9c1e7b3d4f2a8e0f1d3b5c7e9a1b2c3d\r\n"
	"CSeq: 1 INVITE\r\n"
	"Contact: <sip:u1001@127.0.0.1:42001>\r\n"
	"Content-Length: 0\r\n\r\n";

static double ns_per_parse(const char *msg, size_t len, int n)
{
	static struct sip_msg m;
	struct timespec a, b;
	if (sip_msg_parse(&m, msg, len, SIP_DATAGRAM) != 0) {
		fprintf(stderr, "sip_parse: the sample does not parse: %s\n", m.reason);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++)
		sip_msg_parse(&m, msg, len, SIP_DATAGRAM);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / n;
}

int main(void)
{
	static const struct {
		const char *name, *msg;
		size_t len;
	} cases[] = {
		{"INVITE with credentials and SDP", invite, sizeof(invite) - 1},
		{"REGISTER", reg, sizeof(reg) - 1},
		{"200 OK to INVITE", ok200, sizeof(ok200) - 1},
	};
	int rc = 0;
	printf("(parse) chan_sip's parser, one core, best of 5 runs of 100000\n");
	printf("  %-34s %7s %10s\n", "message", "bytes", "ns/parse");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double best = -1;
		for (int r = 0; r < 5; r++) {
			double ns = ns_per_parse(cases[i].msg, cases[i].len, 100000);
			if (ns < 0)
				rc = 1;
			if (best < 0 || ns < best)
				best = ns;
		}
		printf("  %-34s %7zu %10.0f\n", cases[i].name, cases[i].len, best);
	}
	return rc;
}

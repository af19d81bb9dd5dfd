/*
 * sdp_samples.h: session descriptions the SDP unit tests share: what real agents send
 * (captured from Debian's baresip 1.0.0, SIPp's uac_pcap scenario, and in the shape
 * Asterisk and Linphone write them), RFC examples, and helpers to parse them from
 * exact-size heap copies. Include after <cmocka.h>.
 */
#ifndef SDP_SAMPLES_H
#define SDP_SAMPLES_H

#include <stdlib.h>
#include <string.h>

#include "sdp.h"

/* baresip 1.0.0 calling (captured with `baresip -e /dial ...`). */
static const char sdp_baresip[] =
	"v=0\r\n"
	"o=- 3614532543 2076399370 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"a=tool:baresip 1.0.0\r\n"
	"m=audio 39060 RTP/AVP 0 8 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=sendrecv\r\n"
	"a=label:1\r\n"
	"a=rtcp-rsize\r\n"
	"a=ssrc:3666986637 cname:sip:1000@127.0.0.1:47120\r\n"
	"a=minptime:20\r\n"
	"a=ptime:20\r\n";

/* SIPp's built-in uac_pcap scenario (sipp -sd uac_pcap), its keywords filled in. */
static const char sdp_sipp_pcap[] =
	"v=0\r\n"
	"o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"c=IN IP4 127.0.0.1\r\n"
	"t=0 0\r\n"
	"m=audio 6000 RTP/AVP 8 101\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-11,16\r\n";

/* Asterisk-style: static payload types with rtpmap, ptime, maxptime. */
static const char sdp_asterisk[] =
	"v=0\r\n"
	"o=- 1652369472 1652369474 IN IP4 192.0.2.10\r\n"
	"s=Asterisk\r\n"
	"c=IN IP4 192.0.2.10\r\n"
	"t=0 0\r\n"
	"m=audio 18742 RTP/AVP 3 8 0 101\r\n"
	"a=rtpmap:3 GSM/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-16\r\n"
	"a=ptime:20\r\n"
	"a=maxptime:150\r\n"
	"a=sendrecv\r\n";

/* Linphone-style: audio, video and text streams, Opus and several telephone-events,
 * session-level attributes, LF line ends. */
static const char sdp_linphone[] =
	"v=0\n"
	"o=bob 3191 1642 IN IP4 192.0.2.20\n"
	"s=Talk\n"
	"c=IN IP4 192.0.2.20\n"
	"t=0 0\n"
	"a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\n"
	"a=record:off\n"
	"m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100\n"
	"a=rtpmap:96 opus/48000/2\n"
	"a=fmtp:96 useinbandfec=1\n"
	"a=rtpmap:97 speex/16000\n"
	"a=fmtp:97 vbr=on\n"
	"a=rtpmap:98 speex/8000\n"
	"a=fmtp:98 vbr=on\n"
	"a=fmtp:18 annexb=yes\n"
	"a=rtpmap:101 telephone-event/48000\n"
	"a=rtpmap:99 telephone-event/16000\n"
	"a=rtpmap:100 telephone-event/8000\n"
	"a=rtcp-fb:* trr-int 1000\n"
	"a=rtcp-fb:* ccm tmmbr\n"
	"m=video 9078 RTP/AVP 96 97\n"
	"a=rtpmap:96 VP8/90000\n"
	"a=rtpmap:97 H264/90000\n"
	"a=fmtp:97 profile-level-id=42801F\n"
	"a=rtcp-fb:* trr-int 1000\n"
	"a=rtcp-fb:96 nack pli\n"
	"m=text 9080 RTP/AVP 98 99\n"
	"a=rtpmap:98 t140/1000\n"
	"a=rtpmap:99 red/1000\n"
	"a=fmtp:99 98/98/98\n";

/* IPv6 with G.722 first and an explicit RTCP address (RFC 3605). */
static const char sdp_ipv6[] =
	"v=0\r\n"
	"o=- 20518 0 IN IP6 2001:db8::10\r\n"
	"s=-\r\n"
	"c=IN IP6 2001:db8::10\r\n"
	"t=0 0\r\n"
	"m=audio 5004 RTP/AVP 9 0 101\r\n"
	"a=rtpmap:9 G722/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=fmtp:101 0-15\r\n"
	"a=rtcp:5009 IN IP6 2001:db8::11\r\n"
	"a=sendrecv\r\n";

/* RFC 3264 §10.1, the offer: host names in c=, an empty s=. */
static const char sdp_rfc3264_offer[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 host.anywhere.com\r\n"
	"s=\r\n"
	"c=IN IP4 host.anywhere.com\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"m=video 51372 RTP/AVP 31\r\n"
	"a=rtpmap:31 H261/90000\r\n"
	"m=video 53000 RTP/AVP 32\r\n"
	"a=rtpmap:32 MPV/90000\r\n";

/* RFC 4317 §2.1, Alice's offer (audio PCMU, PCMA, iLBC; video H.261, MPV). */
static const char sdp_rfc4317_offer[] =
	"v=0\r\n"
	"o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\r\n"
	"s=\r\n"
	"c=IN IP4 host.atlanta.example.com\r\n"
	"t=0 0\r\n"
	"m=audio 49170 RTP/AVP 0 8 97\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=rtpmap:97 iLBC/8000\r\n"
	"m=video 51372 RTP/AVP 31 32\r\n"
	"a=rtpmap:31 H261/90000\r\n"
	"a=rtpmap:32 MPV/90000\r\n";

/* The RFC 2543 way to hold: c=0.0.0.0. */
static const char sdp_old_hold[] =
	"v=0\r\n"
	"o=- 1 2 IN IP4 192.0.2.30\r\n"
	"s=-\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"t=0 0\r\n"
	"m=audio 4000 RTP/AVP 0\r\n";

/* A WebRTC-style offer: SRTP with DTLS (UDP/TLS/RTP/SAVPF), rtcp-mux. */
static const char sdp_webrtc[] =
	"v=0\r\n"
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0\r\n"
	"a=msid-semantic: WMS\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 126\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=ice-ufrag:khLS\r\n"
	"a=fingerprint:sha-256 FA:14:42:3B:C7:97:1B:E8:AE:0C:2E:9D\r\n"
	"a=setup:actpass\r\n"
	"a=mid:0\r\n"
	"a=sendrecv\r\n"
	"a=rtcp-mux\r\n"
	"a=rtpmap:111 opus/48000/2\r\n"
	"a=fmtp:111 minptime=10;useinbandfec=1\r\n"
	"a=rtpmap:126 telephone-event/8000\r\n";

/*
 * Parses text from an exact-size heap copy, so ASan sees any read past its end. The
 * copy stays in *keep (free it once done with the views); *why gets the reason.
 */
static inline int sdp_parse_copy(struct sdp_session *s, const char *text, size_t len, char **keep,
				 const char **why)
{
	char *p = malloc(len ? len : 1);
	assert_non_null(p);
	memcpy(p, text, len);
	*keep = p;
	*why = NULL;
	return sdp_parse(s, p, len, why);
}

/* The same for a C string, failing the test if it does not parse. */
static inline char *sdp_must_parse(struct sdp_session *s, const char *text)
{
	char *keep;
	const char *why;
	if (sdp_parse_copy(s, text, strlen(text), &keep, &why) != 0)
		fail_msg("does not parse (line %u: %s):\n%s", s->err_line, why, text);
	return keep;
}

#define assert_view(view, lit)                                                                     \
	do {                                                                                       \
		struct sdp_str v_ = (view);                                                        \
		if (!sdp_str_eq(&v_, (lit)))                                                       \
			fail_msg("expected \"%s\", got \"%.*s\"", (lit), (int)v_.l, v_.p ? v_.p : "(unset)"); \
	} while (0)

#endif

/*
 * rtcp_packet.h: RTCP (RFC 3550 §6) read and written without allocating. A received
 * datagram is a compound packet: rtcp_next() walks it packet by packet after
 * rtcp_check() has validated the whole (§A.2: version 2 everywhere, SR or RR first,
 * padding only in the last packet, lengths adding up to the datagram), and
 * rtcp_parse_sr/rr/sdes/bye() read one packet of each type. rtcp_summarize() does the
 * walk and keeps what a media session needs (sender info, report blocks, the first
 * CNAME, BYE). The builders write SR, RR, an SDES with a CNAME, and BYE, each
 * returning its length so they append into one compound buffer. Pure functions
 * (libc only), no state: safe on any thread.
 */
#ifndef RTCP_PACKET_H
#define RTCP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rtcp_type { RTCP_SR = 200, RTCP_RR = 201, RTCP_SDES = 202, RTCP_BYE = 203, RTCP_APP = 204 };
enum rtcp_sdes_item { RTCP_SDES_END = 0, RTCP_SDES_CNAME = 1 };

#define RTCP_MAX_BLOCKS 31 /* the 5-bit count */

enum rtcp_error {
	RTCP_OK = 0,
	RTCP_ERR_SHORT = -1,    /* shorter than a header, or a length past the end */
	RTCP_ERR_VERSION = -2,  /* a packet whose version is not 2 */
	RTCP_ERR_FIRST = -3,    /* the first packet is neither SR nor RR */
	RTCP_ERR_PADDING = -4,  /* padding on a packet that is not the last, or a bad count */
	RTCP_ERR_LENGTH = -5,   /* a packet too short for what its header announces */
};

/* One report block (§6.4.1): what the sender of the report received from `ssrc`. */
struct rtcp_block {
	uint32_t ssrc;
	uint8_t fraction;    /* lost since the last report, in 1/256 */
	int32_t lost;        /* cumulative, 24-bit signed */
	uint32_t ext_max_seq;
	uint32_t jitter;     /* timestamp units */
	uint32_t lsr, dlsr;  /* middle 32 bits of the last SR's NTP time; delay in 1/65536 s */
};

/* Sender info of an SR (§6.4.1). */
struct rtcp_sender {
	uint32_t ssrc;
	uint64_t ntp; /* 32.32 fixed point seconds since 1900 */
	uint32_t rtp_ts;
	uint32_t packets, octets;
};

/* One packet of a compound: its header fields and its body after the first word. */
struct rtcp_pkt {
	uint8_t type, count; /* count: RC, SC or subtype */
	const uint8_t *body; /* after the 4-byte header */
	size_t body_len;     /* padding removed */
};

struct rtcp_iter {
	const uint8_t *p;
	size_t left;
};

/* Validates a compound packet (§A.2). RTCP_OK or an rtcp_error. */
int rtcp_check(const uint8_t *buf, size_t len);
const char *rtcp_error_str(int err);
/* Walks a compound that passed rtcp_check(). */
void rtcp_iter_init(struct rtcp_iter *it, const uint8_t *buf, size_t len);
bool rtcp_next(struct rtcp_iter *it, struct rtcp_pkt *pkt);

/* Each reads one packet of its type: RTCP_OK or RTCP_ERR_LENGTH. At most `max`
 * blocks are returned; *n gets how many (the rest of a longer list is skipped). */
int rtcp_parse_sr(const struct rtcp_pkt *pkt, struct rtcp_sender *s, struct rtcp_block *b, unsigned max,
		  unsigned *n);
int rtcp_parse_rr(const struct rtcp_pkt *pkt, uint32_t *ssrc, struct rtcp_block *b, unsigned max, unsigned *n);
/* The CNAME of the first chunk that has one: *ssrc, and a view of the text. 1 when
 * found, 0 when none, RTCP_ERR_LENGTH when a chunk runs past the packet. */
int rtcp_parse_sdes_cname(const struct rtcp_pkt *pkt, uint32_t *ssrc, const char **cname, size_t *len);
/* The SSRCs leaving (at most max) and the optional reason (a view, or NULL). */
int rtcp_parse_bye(const struct rtcp_pkt *pkt, uint32_t *ssrcs, unsigned max, unsigned *n, const char **reason,
		   size_t *reason_len);

/* What a session keeps from one compound packet. */
struct rtcp_summary {
	bool has_sr, has_rr;
	struct rtcp_sender sr;
	uint32_t rr_ssrc; /* sender of the first RR when there is no SR */
	struct rtcp_block blocks[RTCP_MAX_BLOCKS];
	unsigned nblocks; /* from every SR and RR of the compound, up to the array */
	const char *cname;
	size_t cname_len;
	uint32_t cname_ssrc;
	bool bye;
	unsigned packets; /* packets in the compound */
};

/* rtcp_check() then a walk. RTCP_OK or an rtcp_error. */
int rtcp_summarize(const uint8_t *buf, size_t len, struct rtcp_summary *out);
/* The report block about `ssrc` in a summary, or NULL. */
const struct rtcp_block *rtcp_summary_block(const struct rtcp_summary *s, uint32_t ssrc);

/* Builders: the bytes written, or 0 when cap is too small or an argument is out of
 * range (more than 31 blocks, a CNAME over 255 bytes). */
size_t rtcp_build_sr(uint8_t *buf, size_t cap, const struct rtcp_sender *s, const struct rtcp_block *b,
		     unsigned n);
size_t rtcp_build_rr(uint8_t *buf, size_t cap, uint32_t ssrc, const struct rtcp_block *b, unsigned n);
size_t rtcp_build_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc, const char *cname, size_t len);
size_t rtcp_build_bye(uint8_t *buf, size_t cap, const uint32_t *ssrcs, unsigned n, const char *reason);

/* NTP time (§4) from a Unix time in microseconds, and the "middle 32 bits" that
 * LSR and round-trip times use (16.16 seconds). */
uint64_t rtcp_ntp_from_us(uint64_t unix_us);
static inline uint32_t rtcp_ntp_mid(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}

/*
 * Round-trip time from a report block about our stream (§6.4.1): `arrival` is the
 * middle 32 bits of the NTP time the report arrived. Microseconds, or -1 when the
 * block carries no LSR yet or the result would be negative.
 */
int64_t rtcp_rtt_us(const struct rtcp_block *b, uint32_t arrival);

#endif

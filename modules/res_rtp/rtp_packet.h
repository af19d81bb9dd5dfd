/*
 * rtp_packet.h: the RTP data packet header of RFC 3550 §5.1, read and written
 * without copying. rtp_parse() checks a datagram the way §A.1 asks of a packet from
 * any source (version 2, a payload type that is not RTCP's SR or RR, CSRC list,
 * header extension and padding inside the datagram) and describes it with views into
 * the caller's buffer; rtp_build() writes a header and payload; the rtp_put_*()
 * helpers rewrite single fields in place, which is all a relay does to a packet.
 * Pure functions (libc only), no state: safe on any thread.
 */
#ifndef RTP_PACKET_H
#define RTP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_VERSION 2
#define RTP_HEADER_MIN 12 /* without CSRCs or extension */
#define RTP_MAX_CSRC 15

enum rtp_parse_error {
	RTP_OK = 0,
	RTP_ERR_SHORT = -1,     /* fewer than 12 bytes */
	RTP_ERR_VERSION = -2,   /* version is not 2 */
	RTP_ERR_RTCP_PT = -3,   /* payload type 72-76: an RTCP packet (SR, RR, SDES, BYE, APP) */
	RTP_ERR_CSRC = -4,      /* the CSRC list runs past the end */
	RTP_ERR_EXTENSION = -5, /* the header extension runs past the end */
	RTP_ERR_PADDING = -6,   /* padding count 0 or larger than what follows the header */
};

struct rtp_hdr {
	bool padding, extension, marker;
	uint8_t cc; /* CSRC count, 0-15 */
	uint8_t pt; /* payload type, 0-127 */
	uint16_t seq;
	uint32_t ts, ssrc;
	uint32_t csrc[RTP_MAX_CSRC];
	/* Header extension (§5.3.1): the 16-bit profile field and the data after the
	 * length word (ext_len bytes, a multiple of 4). */
	uint16_t ext_profile;
	const uint8_t *ext;
	size_t ext_len;
	/* What follows the header, less the padding. */
	const uint8_t *payload;
	size_t payload_len;
	uint8_t pad_len;    /* padding bytes at the end, the count byte included */
	size_t header_len;  /* bytes before the payload */
};

/* Describes buf[0..len). RTP_OK, or one of the errors above (h is then unusable). */
int rtp_parse(const uint8_t *buf, size_t len, struct rtp_hdr *h);
const char *rtp_parse_error_str(int err);

/*
 * Writes h's fields (version 2; h->cc CSRCs; an extension when h->extension, with
 * h->ext_len bytes from h->ext, which must be a multiple of 4) followed by `n`
 * payload bytes, then h->pad_len bytes of padding when h->padding (1-255, the last
 * byte holding the count). Returns the packet's length, or 0 when it does not fit in
 * cap or a field is out of range. payload may point into buf past the header.
 */
size_t rtp_build(uint8_t *buf, size_t cap, const struct rtp_hdr *h, const void *payload, size_t n);

/* Field rewrites in place; buf must hold a parsed packet. */
static inline void rtp_put_seq(uint8_t *buf, uint16_t seq)
{
	buf[2] = (uint8_t)(seq >> 8);
	buf[3] = (uint8_t)seq;
}

static inline void rtp_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t rtp_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void rtp_put_ts(uint8_t *buf, uint32_t ts) { rtp_put_u32(buf + 4, ts); }
static inline void rtp_put_ssrc(uint8_t *buf, uint32_t ssrc) { rtp_put_u32(buf + 8, ssrc); }

static inline void rtp_put_marker(uint8_t *buf, bool marker)
{
	buf[1] = (uint8_t)((buf[1] & 0x7F) | (marker ? 0x80 : 0));
}

static inline void rtp_put_pt(uint8_t *buf, uint8_t pt)
{
	buf[1] = (uint8_t)((buf[1] & 0x80) | (pt & 0x7F));
}

/* The RTP clock rate of a static payload type (RFC 3551 tables 4 and 5); for
 * dynamic types (96-127) and unassigned ones, `fallback`. */
uint32_t rtp_clock_rate(uint8_t pt, uint32_t fallback);

#endif

/* rtp_packet.c: RTP header parsing and building (RFC 3550 §5.1, §5.3.1, §A.1). */
#include <string.h>

#include "rtp_packet.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int rtp_parse(const uint8_t *buf, size_t len, struct rtp_hdr *h)
{
	if (len < RTP_HEADER_MIN)
		return RTP_ERR_SHORT;
	if (buf[0] >> 6 != RTP_VERSION)
		return RTP_ERR_VERSION;
	h->padding = buf[0] & 0x20;
	h->extension = buf[0] & 0x10;
	h->cc = buf[0] & 0x0F;
	h->marker = buf[1] & 0x80;
	h->pt = buf[1] & 0x7F;
	/* With the marker bit, 72-76 read as 200-204 in RTCP's packet type field; §A.1
	 * and RFC 5761 §4 keep them for RTCP, so such a packet is not data. */
	if (h->pt >= 72 && h->pt <= 76)
		return RTP_ERR_RTCP_PT;
	h->seq = get16(buf + 2);
	h->ts = rtp_get_u32(buf + 4);
	h->ssrc = rtp_get_u32(buf + 8);
	size_t off = RTP_HEADER_MIN;
	if (len - off < (size_t)h->cc * 4)
		return RTP_ERR_CSRC;
	for (unsigned i = 0; i < h->cc; i++, off += 4)
		h->csrc[i] = rtp_get_u32(buf + off);
	h->ext_profile = 0;
	h->ext = NULL;
	h->ext_len = 0;
	if (h->extension) {
		if (len - off < 4)
			return RTP_ERR_EXTENSION;
		h->ext_profile = get16(buf + off);
		size_t words = get16(buf + off + 2);
		off += 4;
		if (len - off < words * 4)
			return RTP_ERR_EXTENSION;
		h->ext = buf + off;
		h->ext_len = words * 4;
		off += words * 4;
	}
	h->header_len = off;
	h->pad_len = 0;
	size_t body = len - off;
	if (h->padding) {
		/* The last byte counts the padding, itself included (§5.1). */
		uint8_t pad = buf[len - 1];
		if (pad == 0 || pad > body)
			return RTP_ERR_PADDING;
		h->pad_len = pad;
		body -= pad;
	}
	h->payload = buf + off;
	h->payload_len = body;
	return RTP_OK;
}

const char *rtp_parse_error_str(int err)
{
	switch (err) {
	case RTP_OK: return "ok";
	case RTP_ERR_SHORT: return "shorter than an RTP header";
	case RTP_ERR_VERSION: return "not RTP version 2";
	case RTP_ERR_RTCP_PT: return "RTCP payload type";
	case RTP_ERR_CSRC: return "CSRC list past the end";
	case RTP_ERR_EXTENSION: return "header extension past the end";
	case RTP_ERR_PADDING: return "bad padding";
	}
	return "unknown error";
}

size_t rtp_build(uint8_t *buf, size_t cap, const struct rtp_hdr *h, const void *payload, size_t n)
{
	if (h->cc > RTP_MAX_CSRC || h->pt > 127 || (h->extension && (h->ext_len % 4 || h->ext_len > 0xFFFF * 4)) ||
	    (h->padding && h->pad_len == 0))
		return 0;
	size_t hdr = RTP_HEADER_MIN + (size_t)h->cc * 4 + (h->extension ? 4 + h->ext_len : 0);
	size_t pad = h->padding ? h->pad_len : 0;
	if (cap < hdr || cap - hdr < n || cap - hdr - n < pad)
		return 0;
	/* The payload may already sit in buf (a caller building in place): move it first. */
	if (n && payload != buf + hdr)
		memmove(buf + hdr, payload, n);
	buf[0] = (uint8_t)(RTP_VERSION << 6 | (h->padding ? 0x20 : 0) | (h->extension ? 0x10 : 0) | h->cc);
	buf[1] = (uint8_t)((h->marker ? 0x80 : 0) | h->pt);
	rtp_put_seq(buf, h->seq);
	rtp_put_ts(buf, h->ts);
	rtp_put_ssrc(buf, h->ssrc);
	size_t off = RTP_HEADER_MIN;
	for (unsigned i = 0; i < h->cc; i++, off += 4)
		rtp_put_u32(buf + off, h->csrc[i]);
	if (h->extension) {
		buf[off] = (uint8_t)(h->ext_profile >> 8);
		buf[off + 1] = (uint8_t)h->ext_profile;
		buf[off + 2] = (uint8_t)((h->ext_len / 4) >> 8);
		buf[off + 3] = (uint8_t)(h->ext_len / 4);
		if (h->ext_len)
			memmove(buf + off + 4, h->ext, h->ext_len);
	}
	if (pad) {
		memset(buf + hdr + n, 0, pad - 1);
		buf[hdr + n + pad - 1] = (uint8_t)pad;
	}
	return hdr + n + pad;
}

uint32_t rtp_clock_rate(uint8_t pt, uint32_t fallback)
{
	/* RFC 3551 §6, tables 4 (audio) and 5 (video); 0 marks reserved or unassigned. */
	static const uint32_t rates[35] = {
		[0] = 8000,  [3] = 8000,   [4] = 8000,   [5] = 8000,   [6] = 16000,  [7] = 8000,
		[8] = 8000,  [9] = 8000,   [10] = 44100, [11] = 44100, [12] = 8000,  [13] = 8000,
		[14] = 90000, [15] = 8000, [16] = 11025, [17] = 22050, [18] = 8000,  [25] = 90000,
		[26] = 90000, [28] = 90000, [31] = 90000, [32] = 90000, [33] = 90000, [34] = 90000,
	};
	return pt < 35 && rates[pt] ? rates[pt] : fallback;
}

/* rtcp_packet.c: RTCP compound validation, SR/RR/SDES/BYE reading and writing (RFC 3550 §6, §A.2). */
#include <string.h>

#include "rtcp_packet.h"
#include "rtp_packet.h"

#define HDR 4
#define SENDER_INFO 24 /* SSRC, NTP (8), RTP timestamp, packets, octets */
#define BLOCK 24

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* One header's length in bytes, the header included. */
static size_t pkt_len(const uint8_t *p)
{
	return ((size_t)get16(p + 2) + 1) * 4;
}

int rtcp_check(const uint8_t *buf, size_t len)
{
	if (len < HDR)
		return RTCP_ERR_SHORT;
	if (buf[1] != RTCP_SR && buf[1] != RTCP_RR)
		return RTCP_ERR_FIRST;
	size_t off = 0;
	while (off < len) {
		const uint8_t *p = buf + off;
		if (len - off < HDR)
			return RTCP_ERR_SHORT;
		if (p[0] >> 6 != 2)
			return RTCP_ERR_VERSION;
		size_t l = pkt_len(p);
		if (l > len - off)
			return RTCP_ERR_SHORT;
		if (p[0] & 0x20) {
			/* Padding only closes the compound (§A.2), and counts itself. */
			if (off + l != len)
				return RTCP_ERR_PADDING;
			uint8_t pad = p[l - 1];
			if (pad == 0 || pad > l - HDR)
				return RTCP_ERR_PADDING;
		}
		off += l;
	}
	return RTCP_OK;
}

const char *rtcp_error_str(int err)
{
	switch (err) {
	case RTCP_OK: return "ok";
	case RTCP_ERR_SHORT: return "truncated RTCP packet";
	case RTCP_ERR_VERSION: return "not RTCP version 2";
	case RTCP_ERR_FIRST: return "compound does not start with SR or RR";
	case RTCP_ERR_PADDING: return "bad RTCP padding";
	case RTCP_ERR_LENGTH: return "RTCP packet shorter than its count";
	}
	return "unknown error";
}

void rtcp_iter_init(struct rtcp_iter *it, const uint8_t *buf, size_t len)
{
	it->p = buf;
	it->left = len;
}

bool rtcp_next(struct rtcp_iter *it, struct rtcp_pkt *pkt)
{
	if (it->left < HDR)
		return false;
	size_t l = pkt_len(it->p);
	if (l > it->left)
		return false;
	pkt->type = it->p[1];
	pkt->count = it->p[0] & 0x1F;
	pkt->body = it->p + HDR;
	pkt->body_len = l - HDR;
	if (it->p[0] & 0x20) {
		uint8_t pad = it->p[l - 1];
		pkt->body_len = pad <= pkt->body_len ? pkt->body_len - pad : 0;
	}
	it->p += l;
	it->left -= l;
	return true;
}

static void read_block(const uint8_t *p, struct rtcp_block *b)
{
	b->ssrc = rtp_get_u32(p);
	b->fraction = p[4];
	/* 24-bit two's complement: sign-extend through the top byte. */
	uint32_t lost = (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	b->lost = (lost & 0x800000) ? (int32_t)lost - 0x1000000 : (int32_t)lost;
	b->ext_max_seq = rtp_get_u32(p + 8);
	b->jitter = rtp_get_u32(p + 12);
	b->lsr = rtp_get_u32(p + 16);
	b->dlsr = rtp_get_u32(p + 20);
}

static int read_blocks(const uint8_t *p, size_t avail, unsigned count, struct rtcp_block *b, unsigned max,
		       unsigned *n)
{
	if (avail < (size_t)count * BLOCK)
		return RTCP_ERR_LENGTH;
	unsigned k = count < max ? count : max;
	for (unsigned i = 0; i < k; i++)
		read_block(p + (size_t)i * BLOCK, &b[i]);
	*n = k;
	return RTCP_OK;
}

int rtcp_parse_sr(const struct rtcp_pkt *pkt, struct rtcp_sender *s, struct rtcp_block *b, unsigned max,
		  unsigned *n)
{
	if (pkt->type != RTCP_SR || pkt->body_len < SENDER_INFO)
		return RTCP_ERR_LENGTH;
	const uint8_t *p = pkt->body;
	s->ssrc = rtp_get_u32(p);
	s->ntp = (uint64_t)rtp_get_u32(p + 4) << 32 | rtp_get_u32(p + 8);
	s->rtp_ts = rtp_get_u32(p + 12);
	s->packets = rtp_get_u32(p + 16);
	s->octets = rtp_get_u32(p + 20);
	return read_blocks(p + SENDER_INFO, pkt->body_len - SENDER_INFO, pkt->count, b, max, n);
}

int rtcp_parse_rr(const struct rtcp_pkt *pkt, uint32_t *ssrc, struct rtcp_block *b, unsigned max, unsigned *n)
{
	if (pkt->type != RTCP_RR || pkt->body_len < 4)
		return RTCP_ERR_LENGTH;
	*ssrc = rtp_get_u32(pkt->body);
	return read_blocks(pkt->body + 4, pkt->body_len - 4, pkt->count, b, max, n);
}

int rtcp_parse_sdes_cname(const struct rtcp_pkt *pkt, uint32_t *ssrc, const char **cname, size_t *len)
{
	const uint8_t *p = pkt->body, *end = pkt->body + pkt->body_len;
	for (unsigned c = 0; c < pkt->count; c++) {
		if (end - p < 4)
			return RTCP_ERR_LENGTH;
		uint32_t id = rtp_get_u32(p);
		p += 4;
		/* Items until a zero type byte; then the chunk pads to a 32-bit boundary. */
		for (;;) {
			if (p >= end)
				return RTCP_ERR_LENGTH;
			if (*p == RTCP_SDES_END)
				break;
			if (end - p < 2 || end - p - 2 < p[1])
				return RTCP_ERR_LENGTH;
			if (p[0] == RTCP_SDES_CNAME) {
				*ssrc = id;
				*cname = (const char *)p + 2;
				*len = p[1];
				return 1;
			}
			p += 2 + p[1];
		}
		size_t used = (size_t)(p - pkt->body) + 1;
		size_t next = (used + 3) & ~(size_t)3;
		if (next > pkt->body_len)
			return RTCP_ERR_LENGTH;
		p = pkt->body + next;
	}
	return 0;
}

int rtcp_parse_bye(const struct rtcp_pkt *pkt, uint32_t *ssrcs, unsigned max, unsigned *n, const char **reason,
		   size_t *reason_len)
{
	size_t ids = (size_t)pkt->count * 4;
	if (pkt->type != RTCP_BYE || pkt->body_len < ids)
		return RTCP_ERR_LENGTH;
	unsigned k = pkt->count < max ? pkt->count : max;
	for (unsigned i = 0; i < k; i++)
		ssrcs[i] = rtp_get_u32(pkt->body + (size_t)i * 4);
	*n = k;
	*reason = NULL;
	*reason_len = 0;
	if (pkt->body_len > ids) {
		const uint8_t *r = pkt->body + ids;
		if ((size_t)r[0] > pkt->body_len - ids - 1)
			return RTCP_ERR_LENGTH;
		*reason = (const char *)r + 1;
		*reason_len = r[0];
	}
	return RTCP_OK;
}

int rtcp_summarize(const uint8_t *buf, size_t len, struct rtcp_summary *out)
{
	memset(out, 0, sizeof(*out));
	int rc = rtcp_check(buf, len);
	if (rc)
		return rc;
	struct rtcp_iter it;
	struct rtcp_pkt pkt;
	rtcp_iter_init(&it, buf, len);
	while (rtcp_next(&it, &pkt)) {
		unsigned n = 0, room = RTCP_MAX_BLOCKS - out->nblocks;
		struct rtcp_block *b = out->blocks + out->nblocks;
		out->packets++;
		switch (pkt.type) {
		case RTCP_SR:
			if (out->has_sr) { /* a second SR adds only its blocks */
				struct rtcp_sender ignored;
				rc = rtcp_parse_sr(&pkt, &ignored, b, room, &n);
			} else {
				rc = rtcp_parse_sr(&pkt, &out->sr, b, room, &n);
				out->has_sr = true;
			}
			break;
		case RTCP_RR: {
			uint32_t ssrc;
			rc = rtcp_parse_rr(&pkt, &ssrc, b, room, &n);
			if (!out->has_rr)
				out->rr_ssrc = ssrc;
			out->has_rr = true;
			break;
		}
		case RTCP_SDES:
			if (!out->cname) {
				rc = rtcp_parse_sdes_cname(&pkt, &out->cname_ssrc, &out->cname, &out->cname_len);
				rc = rc > 0 ? RTCP_OK : rc;
			}
			break;
		case RTCP_BYE:
			out->bye = true;
			break;
		default: /* APP and types from later RFCs (XR, feedback) are skipped */
			break;
		}
		if (rc)
			return rc;
		out->nblocks += n;
	}
	return RTCP_OK;
}

const struct rtcp_block *rtcp_summary_block(const struct rtcp_summary *s, uint32_t ssrc)
{
	for (unsigned i = 0; i < s->nblocks; i++)
		if (s->blocks[i].ssrc == ssrc)
			return &s->blocks[i];
	return NULL;
}

static void put_header(uint8_t *p, uint8_t count, uint8_t type, size_t len)
{
	p[0] = (uint8_t)(2 << 6 | count);
	p[1] = type;
	size_t words = len / 4 - 1;
	p[2] = (uint8_t)(words >> 8);
	p[3] = (uint8_t)words;
}

static void write_block(uint8_t *p, const struct rtcp_block *b)
{
	rtp_put_u32(p, b->ssrc);
	/* Cumulative loss saturates at the 24-bit limits (§6.4.1). */
	int32_t lost = b->lost > 0x7FFFFF ? 0x7FFFFF : b->lost < -0x800000 ? -0x800000 : b->lost;
	uint32_t l24 = (uint32_t)lost & 0xFFFFFF;
	p[4] = b->fraction;
	p[5] = (uint8_t)(l24 >> 16);
	p[6] = (uint8_t)(l24 >> 8);
	p[7] = (uint8_t)l24;
	rtp_put_u32(p + 8, b->ext_max_seq);
	rtp_put_u32(p + 12, b->jitter);
	rtp_put_u32(p + 16, b->lsr);
	rtp_put_u32(p + 20, b->dlsr);
}

size_t rtcp_build_sr(uint8_t *buf, size_t cap, const struct rtcp_sender *s, const struct rtcp_block *b,
		     unsigned n)
{
	size_t len = HDR + SENDER_INFO + (size_t)n * BLOCK;
	if (n > RTCP_MAX_BLOCKS || cap < len)
		return 0;
	put_header(buf, (uint8_t)n, RTCP_SR, len);
	uint8_t *p = buf + HDR;
	rtp_put_u32(p, s->ssrc);
	rtp_put_u32(p + 4, (uint32_t)(s->ntp >> 32));
	rtp_put_u32(p + 8, (uint32_t)s->ntp);
	rtp_put_u32(p + 12, s->rtp_ts);
	rtp_put_u32(p + 16, s->packets);
	rtp_put_u32(p + 20, s->octets);
	for (unsigned i = 0; i < n; i++)
		write_block(p + SENDER_INFO + (size_t)i * BLOCK, &b[i]);
	return len;
}

size_t rtcp_build_rr(uint8_t *buf, size_t cap, uint32_t ssrc, const struct rtcp_block *b, unsigned n)
{
	size_t len = HDR + 4 + (size_t)n * BLOCK;
	if (n > RTCP_MAX_BLOCKS || cap < len)
		return 0;
	put_header(buf, (uint8_t)n, RTCP_RR, len);
	rtp_put_u32(buf + HDR, ssrc);
	for (unsigned i = 0; i < n; i++)
		write_block(buf + HDR + 4 + (size_t)i * BLOCK, &b[i]);
	return len;
}

size_t rtcp_build_sdes_cname(uint8_t *buf, size_t cap, uint32_t ssrc, const char *cname, size_t len)
{
	if (len > 255)
		return 0;
	/* SSRC, CNAME item (type, length, text), then at least one zero byte: the end
	 * item, with the zeros that pad the chunk to 32 bits (§6.5). */
	size_t chunk = (4 + 2 + len + 1 + 3) & ~(size_t)3;
	size_t total = HDR + chunk;
	if (cap < total)
		return 0;
	put_header(buf, 1, RTCP_SDES, total);
	uint8_t *p = buf + HDR;
	memset(p, 0, chunk);
	rtp_put_u32(p, ssrc);
	p[4] = RTCP_SDES_CNAME;
	p[5] = (uint8_t)len;
	memcpy(p + 6, cname, len);
	return total;
}

size_t rtcp_build_bye(uint8_t *buf, size_t cap, const uint32_t *ssrcs, unsigned n, const char *reason)
{
	size_t rlen = reason ? strlen(reason) : 0;
	if (n > RTCP_MAX_BLOCKS || rlen > 255)
		return 0;
	size_t body = (size_t)n * 4 + (reason ? (1 + rlen + 3) & ~(size_t)3 : 0);
	size_t total = HDR + body;
	if (cap < total)
		return 0;
	put_header(buf, (uint8_t)n, RTCP_BYE, total);
	uint8_t *p = buf + HDR;
	memset(p, 0, body);
	for (unsigned i = 0; i < n; i++)
		rtp_put_u32(p + (size_t)i * 4, ssrcs[i]);
	if (reason) {
		p[n * 4] = (uint8_t)rlen;
		memcpy(p + n * 4 + 1, reason, rlen);
	}
	return total;
}

/* Seconds from 1900 (NTP's epoch) to 1970 (Unix's). */
#define NTP_UNIX_OFFSET 2208988800ull

uint64_t rtcp_ntp_from_us(uint64_t unix_us)
{
	uint64_t sec = unix_us / 1000000u + NTP_UNIX_OFFSET;
	uint64_t frac = ((unix_us % 1000000u) << 32) / 1000000u;
	return sec << 32 | frac;
}

int64_t rtcp_rtt_us(const struct rtcp_block *b, uint32_t arrival)
{
	if (!b->lsr)
		return -1;
	/* All three are 16.16 seconds; the subtraction wraps like the clock does. */
	uint32_t rtt = arrival - b->lsr - b->dlsr;
	if (rtt & 0x80000000u)
		return -1;
	return (int64_t)(((uint64_t)rtt * 1000000u) >> 16);
}

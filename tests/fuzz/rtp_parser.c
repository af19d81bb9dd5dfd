/*
 * rtp_parser.c: libFuzzer target for res_rtp's packet code, everything a media
 * session does with bytes from the network: rtp_parse() on the input (on success the
 * parts must tile the datagram and rtp_build() must write the same header and
 * payload back), rtcp_summarize() (on success the views must lie inside the input,
 * and each SR and RR must build back to the bytes it came from), then the input read
 * as a stream of (SSRC, seq, timestamp, source port) records through the sequence
 * tracker, the jitter estimate, the stream rewriter and the latch, whose promises
 * are checked after every record.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "rtcp_packet.h"
#include "rtp_latch.h"
#include "rtp_packet.h"
#include "rtp_rewrite.h"
#include "rtp_seq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[1 << 17];

static void fuzz_rtp(const uint8_t *data, size_t size)
{
	struct rtp_hdr h;
	int rc = rtp_parse(data, size, &h);
	FUZZ_CHECK(rc <= 0 && rc >= RTP_ERR_PADDING);
	if (rc != RTP_OK)
		return;
	FUZZ_CHECK(h.header_len + h.payload_len + h.pad_len == size);
	FUZZ_CHECK(h.header_len == RTP_HEADER_MIN + h.cc * 4u + (h.extension ? 4 + h.ext_len : 0));
	touch_bytes((const char *)h.payload, h.payload_len, (const char *)data, size);
	touch_bytes((const char *)h.ext, h.ext_len, (const char *)data, size);
	FUZZ_CHECK(h.padding == (h.pad_len > 0));
	size_t n = rtp_build(out, sizeof(out), &h, h.payload, h.payload_len);
	FUZZ_CHECK(n == size);
	/* Padding bytes other than the count are written as zeros: compare up to them. */
	FUZZ_CHECK(!memcmp(out, data, h.header_len + h.payload_len));
	FUZZ_CHECK(!h.padding || out[n - 1] == data[size - 1]);
}

static void check_rebuilt(const struct rtcp_pkt *pkt, const uint8_t *start)
{
	struct rtcp_sender s;
	struct rtcp_block b[RTCP_MAX_BLOCKS];
	unsigned n;
	size_t len;
	if (pkt->type == RTCP_SR && rtcp_parse_sr(pkt, &s, b, RTCP_MAX_BLOCKS, &n) == RTCP_OK)
		len = rtcp_build_sr(out, sizeof(out), &s, b, n);
	else if (pkt->type == RTCP_RR && rtcp_parse_rr(pkt, &s.ssrc, b, RTCP_MAX_BLOCKS, &n) == RTCP_OK)
		len = rtcp_build_rr(out, sizeof(out), s.ssrc, b, n);
	else
		return;
	/* The rebuilt packet equals the received one up to its report blocks (profile
	 * extensions after them and padding are not rebuilt). */
	FUZZ_CHECK(len >= 8);
	FUZZ_CHECK(len - 4 <= pkt->body_len);
	FUZZ_CHECK(out[1] == start[1] && (out[0] & 0x1F) == (start[0] & 0x1F));
	FUZZ_CHECK(!memcmp(out + 4, pkt->body, len - 4));
}

static void fuzz_rtcp(const uint8_t *data, size_t size)
{
	struct rtcp_summary s;
	int rc = rtcp_summarize(data, size, &s);
	FUZZ_CHECK(rc <= 0 && rc >= RTCP_ERR_LENGTH);
	if (rc != RTCP_OK)
		return;
	FUZZ_CHECK(s.packets >= 1 && (s.has_sr || s.has_rr));
	FUZZ_CHECK(s.nblocks <= RTCP_MAX_BLOCKS);
	touch_bytes(s.cname, s.cname_len, (const char *)data, size);
	struct rtcp_iter it;
	struct rtcp_pkt pkt;
	unsigned count = 0;
	rtcp_iter_init(&it, data, size);
	const uint8_t *start = it.p;
	while (rtcp_next(&it, &pkt)) {
		touch_bytes((const char *)pkt.body, pkt.body_len, (const char *)data, size);
		check_rebuilt(&pkt, start);
		if (pkt.type == RTCP_BYE) {
			uint32_t ids[RTCP_MAX_BLOCKS];
			unsigned n;
			const char *reason;
			size_t rl;
			if (rtcp_parse_bye(&pkt, ids, RTCP_MAX_BLOCKS, &n, &reason, &rl) == RTCP_OK)
				touch_bytes(reason, rl, (const char *)data, size);
		}
		start = it.p;
		count++;
	}
	FUZZ_CHECK(count == s.packets);
	FUZZ_CHECK(it.left == 0);
}

/* Records of 8 bytes: SSRC selector, seq (2), timestamp step (2), port selector,
 * time step (2). Few distinct SSRCs and ports so switches and latching happen. */
static void fuzz_stream(const uint8_t *data, size_t size)
{
	struct rtp_source src;
	struct rtp_rewrite rw;
	struct rtp_latch latch;
	bool have_src = false;
	uint32_t ts = 0;
	uint64_t now_us = 1000000;
	rtp_rewrite_init(&rw, 0x5EED, 1000, 5000);
	rtp_latch_init(&latch, size & 1);
	struct sockaddr_in sdp = {.sin_family = AF_INET, .sin_port = htons(4000)};
	sdp.sin_addr.s_addr = htonl(0x7F000001);
	struct sockaddr_in sdp_rtcp = sdp;
	sdp_rtcp.sin_port = htons(4001);
	rtp_latch_set_sdp(&latch, (struct sockaddr *)&sdp, (struct sockaddr *)&sdp_rtcp);
	for (size_t off = 0; off + 8 <= size; off += 8) {
		const uint8_t *r = data + off;
		uint32_t ssrc = 0x1000 + (r[0] & 3);
		uint16_t seq = (uint16_t)(r[1] << 8 | r[2]);
		ts += (uint32_t)(r[3] << 8 | r[4]);
		struct sockaddr_in from = sdp;
		from.sin_port = htons((uint16_t)(4000 + (r[5] & 3)));
		now_us += (uint64_t)(r[6] << 8 | r[7]) * 10;

		enum rtp_latch_verdict v = rtp_latch_rtp(&latch, (struct sockaddr *)&from, seq, now_us / 1000);
		FUZZ_CHECK(v == RTP_LATCH_ACCEPT || v == RTP_LATCH_LEARNED || v == RTP_LATCH_DROP);
		const struct sockaddr *dest = rtp_latch_rtp_dest(&latch);
		FUZZ_CHECK(dest != NULL);
		if (v == RTP_LATCH_LEARNED)
			FUZZ_CHECK(rtp_addr_equal(dest, (struct sockaddr *)&from));
		struct sockaddr_storage scratch;
		FUZZ_CHECK(rtp_latch_rtcp_dest(&latch, &scratch) != NULL);
		if (v == RTP_LATCH_DROP)
			continue;

		if (!have_src || src.ssrc != ssrc) {
			rtp_source_init(&src, ssrc, seq);
			have_src = true;
		}
		uint32_t before = src.received;
		bool valid = rtp_source_update(&src, seq);
		FUZZ_CHECK(src.received == before + (valid ? 1 : 0) || (valid && src.received == 1));
		rtp_source_jitter(&src, (uint32_t)(now_us * 8 / 1000), ts);
		if (r[0] & 0x80) {
			struct rtcp_block b;
			rtp_source_report(&src, 0, 0, &b);
			FUZZ_CHECK(b.lost <= 0x7FFFFF && b.lost >= -0x800000);
			FUZZ_CHECK(b.ext_max_seq == rtp_source_ext_max(&src));
			FUZZ_CHECK(src.valid || (b.fraction == 0 && b.lost == 0));
		}

		uint16_t out_seq = seq;
		uint32_t out_ts = ts;
		bool marker = false;
		uint16_t last = rw.last_seq;
		bool switching = rw.started && ssrc != rw.src;
		if (rtp_rewrite_apply(&rw, ssrc, &out_seq, &out_ts, &marker, now_us, 8000)) {
			FUZZ_CHECK(rw.src == ssrc);
			/* A switch continues right after the newest packet, marked. */
			if (switching)
				FUZZ_CHECK(out_seq == (uint16_t)(last + 1) && marker);
		} else {
			FUZZ_CHECK(switching);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_rtp(data, size);
	fuzz_rtcp(data, size);
	fuzz_stream(data, size);
	return 0;
}

/*
 * rtp_latch.h: where a session sends, and whose packets it takes (symmetric RTP,
 * RFC 4961, for phones behind NAT). The SDP names an address, but a phone behind a
 * NAT sends from another one, and only packets sent back to that source reach it.
 *
 * With latching on, the session takes the first valid RTP packet's source as the
 * phone's address ("latches"); until then it sends to the SDP's. Afterwards a packet
 * from another source is dropped, unless that source keeps sending in sequence
 * (RTP_LATCH_PACKETS packets with consecutive numbers) while the latched one has been
 * silent for RTP_LATCH_QUIET_MS: the NAT gave the phone a new port, and the session
 * moves to it. One stray or injected packet cannot steal the stream, and neither can
 * a flood while the phone still talks. A new SDP address starts learning again.
 *
 * With latching off, the session sends to the SDP's address and takes packets from
 * its host only (any port: phones may send from another port than they receive on).
 *
 * RTCP follows: packets are taken from the RTP peer's host; the session sends its
 * reports to the RTCP source it last heard, else next to the latched RTP port, else
 * to the SDP's RTCP address. Pure functions on the caller's struct.
 */
#ifndef RTP_LATCH_H
#define RTP_LATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define RTP_LATCH_PACKETS 4
#define RTP_LATCH_QUIET_MS 100

enum rtp_latch_verdict {
	RTP_LATCH_ACCEPT,  /* from the peer */
	RTP_LATCH_LEARNED, /* from a new address the session now sends to */
	RTP_LATCH_DROP,    /* from elsewhere */
};

struct rtp_latch {
	bool symmetric;
	bool have_sdp;
	struct sockaddr_storage sdp, sdp_rtcp;
	bool latched;
	struct sockaddr_storage peer;   /* the latched RTP source */
	uint64_t peer_heard_ms;
	struct sockaddr_storage cand;   /* a source trying to take over */
	uint16_t cand_seq;
	unsigned cand_count;
	bool have_rtcp;
	struct sockaddr_storage rtcp;   /* the RTCP source last heard */
	uint32_t relatches;
};

void rtp_latch_init(struct rtp_latch *l, bool symmetric);
/* A (new) address from SDP: RTP and RTCP. Learning starts again. */
void rtp_latch_set_sdp(struct rtp_latch *l, const struct sockaddr *rtp, const struct sockaddr *rtcp);
/* Judges a valid RTP packet with sequence number `seq` from `from`. */
enum rtp_latch_verdict rtp_latch_rtp(struct rtp_latch *l, const struct sockaddr *from, uint16_t seq,
				     uint64_t now_ms);
/* Judges a valid RTCP packet: true to take it. */
bool rtp_latch_rtcp(struct rtp_latch *l, const struct sockaddr *from);
/* Where RTP and RTCP go, or NULL when the session knows no peer yet. */
const struct sockaddr *rtp_latch_rtp_dest(const struct rtp_latch *l);
const struct sockaddr *rtp_latch_rtcp_dest(const struct rtp_latch *l, struct sockaddr_storage *scratch);

/* Address helpers: equality of family, address and port; of family and address. */
bool rtp_addr_equal(const struct sockaddr *a, const struct sockaddr *b);
bool rtp_addr_same_host(const struct sockaddr *a, const struct sockaddr *b);
uint16_t rtp_addr_port(const struct sockaddr *a);
void rtp_addr_set_port(struct sockaddr *a, uint16_t port);
socklen_t rtp_addr_len(const struct sockaddr *a);
/* "1.2.3.4:5" or "[::1]:5" into buf; returns buf. */
const char *rtp_addr_str(const struct sockaddr *a, char *buf, size_t len);

#endif

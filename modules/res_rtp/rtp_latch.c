/* rtp_latch.c: symmetric RTP: learning the phone's address from its packets, and address helpers. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "rtp_latch.h"

bool rtp_addr_same_host(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return false;
	if (a->sa_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &((const struct sockaddr_in6 *)b)->sin6_addr,
			       sizeof(struct in6_addr));
	return false;
}

uint16_t rtp_addr_port(const struct sockaddr *a)
{
	if (a->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)a)->sin_port);
	if (a->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	return 0;
}

void rtp_addr_set_port(struct sockaddr *a, uint16_t port)
{
	if (a->sa_family == AF_INET)
		((struct sockaddr_in *)a)->sin_port = htons(port);
	else if (a->sa_family == AF_INET6)
		((struct sockaddr_in6 *)a)->sin6_port = htons(port);
}

bool rtp_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	return rtp_addr_same_host(a, b) && rtp_addr_port(a) == rtp_addr_port(b);
}

socklen_t rtp_addr_len(const struct sockaddr *a)
{
	return a->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

const char *rtp_addr_str(const struct sockaddr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (a->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)a)->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, rtp_addr_port(a));
	} else if (a->sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)a)->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, rtp_addr_port(a));
	} else {
		snprintf(buf, len, "-");
	}
	return buf;
}

static void copy_addr(struct sockaddr_storage *dst, const struct sockaddr *src)
{
	memset(dst, 0, sizeof(*dst));
	memcpy(dst, src, rtp_addr_len(src));
}

void rtp_latch_init(struct rtp_latch *l, bool symmetric)
{
	memset(l, 0, sizeof(*l));
	l->symmetric = symmetric;
}

void rtp_latch_set_sdp(struct rtp_latch *l, const struct sockaddr *rtp, const struct sockaddr *rtcp)
{
	copy_addr(&l->sdp, rtp);
	copy_addr(&l->sdp_rtcp, rtcp);
	l->have_sdp = true;
	l->latched = false;
	l->have_rtcp = false;
	l->cand_count = 0;
}

enum rtp_latch_verdict rtp_latch_rtp(struct rtp_latch *l, const struct sockaddr *from, uint16_t seq,
				     uint64_t now_ms)
{
	if (!l->symmetric)
		return l->have_sdp && rtp_addr_same_host(from, (const struct sockaddr *)&l->sdp) ? RTP_LATCH_ACCEPT
											     : RTP_LATCH_DROP;
	if (l->latched && rtp_addr_equal(from, (const struct sockaddr *)&l->peer)) {
		l->peer_heard_ms = now_ms;
		l->cand_count = 0; /* the phone still talks: no one takes over */
		return RTP_LATCH_ACCEPT;
	}
	if (l->latched) {
		if (l->cand_count && rtp_addr_equal(from, (const struct sockaddr *)&l->cand) &&
		    seq == (uint16_t)(l->cand_seq + 1)) {
			l->cand_count++;
		} else {
			copy_addr(&l->cand, from);
			l->cand_count = 1;
		}
		l->cand_seq = seq;
		if (l->cand_count < RTP_LATCH_PACKETS || now_ms - l->peer_heard_ms < RTP_LATCH_QUIET_MS)
			return RTP_LATCH_DROP;
		l->relatches++;
	}
	copy_addr(&l->peer, from);
	l->latched = true;
	l->peer_heard_ms = now_ms;
	l->cand_count = 0;
	/* RTCP is learned again from the new place. */
	l->have_rtcp = false;
	return RTP_LATCH_LEARNED;
}

bool rtp_latch_rtcp(struct rtp_latch *l, const struct sockaddr *from)
{
	const struct sockaddr *host = l->latched ? (const struct sockaddr *)&l->peer
			      : l->have_sdp ? (const struct sockaddr *)&l->sdp_rtcp : NULL;
	if (!host || !rtp_addr_same_host(from, host))
		return false;
	if (l->symmetric) {
		copy_addr(&l->rtcp, from);
		l->have_rtcp = true;
	}
	return true;
}

const struct sockaddr *rtp_latch_rtp_dest(const struct rtp_latch *l)
{
	if (l->symmetric && l->latched)
		return (const struct sockaddr *)&l->peer;
	return l->have_sdp ? (const struct sockaddr *)&l->sdp : NULL;
}

const struct sockaddr *rtp_latch_rtcp_dest(const struct rtp_latch *l, struct sockaddr_storage *scratch)
{
	if (l->symmetric && l->have_rtcp)
		return (const struct sockaddr *)&l->rtcp;
	if (l->symmetric && l->latched &&
	    !(l->have_sdp && rtp_addr_equal((const struct sockaddr *)&l->peer, (const struct sockaddr *)&l->sdp))) {
		/* A phone whose RTP port moved sends RTCP from the port above it, mostly. */
		copy_addr(scratch, (const struct sockaddr *)&l->peer);
		rtp_addr_set_port((struct sockaddr *)scratch, (uint16_t)(rtp_addr_port((const struct sockaddr *)&l->peer) + 1));
		return (const struct sockaddr *)scratch;
	}
	return l->have_sdp ? (const struct sockaddr *)&l->sdp_rtcp : NULL;
}

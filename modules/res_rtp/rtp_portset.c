/* rtp_portset.c: the set of even RTP ports in use, and a cursor over the configured range. */
#include <string.h>

#include "rtp_portset.h"

void rtp_portset_init(struct rtp_portset *s)
{
	memset(s, 0, sizeof(*s));
}

bool rtp_portset_range(uint32_t lo, uint32_t hi, uint16_t *first, uint16_t *last)
{
	if (lo < 2)
		lo = 2;
	if (hi > 65535)
		hi = 65535;
	lo = (lo + 1) & ~1u;
	/* The last pair is (p, p + 1) with p + 1 <= hi. */
	if (hi < 1 || lo > hi - 1)
		return false;
	*first = (uint16_t)lo;
	*last = (uint16_t)((hi - 1) & ~1u);
	return true;
}

static unsigned pair(uint16_t port)
{
	return port >> 1;
}

bool rtp_portset_held(const struct rtp_portset *s, uint16_t port)
{
	unsigned p = pair(port);
	return s->bits[p / 64] >> (p % 64) & 1;
}

uint16_t rtp_portset_next(struct rtp_portset *s, uint16_t first, uint16_t last, unsigned skip)
{
	uint32_t n = ((uint32_t)last - first) / 2 + 1;
	uint32_t start = s->cursor >= first && s->cursor <= last ? s->cursor : first;
	uint32_t port = start & ~1u;
	for (uint32_t i = 0; i < n; i++) {
		if (!rtp_portset_held(s, (uint16_t)port)) {
			if (skip == 0)
				return (uint16_t)port;
			skip--;
		}
		port += 2;
		if (port > last)
			port = first;
	}
	return 0;
}

bool rtp_portset_take(struct rtp_portset *s, uint16_t port)
{
	if (rtp_portset_held(s, port))
		return false;
	unsigned p = pair(port);
	s->bits[p / 64] |= (uint64_t)1 << (p % 64);
	s->used++;
	s->cursor = (uint32_t)port + 2;
	return true;
}

void rtp_portset_give(struct rtp_portset *s, uint16_t port)
{
	if (!rtp_portset_held(s, port))
		return;
	unsigned p = pair(port);
	s->bits[p / 64] &= ~((uint64_t)1 << (p % 64));
	s->used--;
}

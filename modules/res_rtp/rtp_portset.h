/*
 * rtp_portset.h: which even UDP ports the media module holds. RTP takes an even port
 * and RTCP the odd one above it (RFC 3550 §11), so the set is one bit per pair over
 * the whole port space (4 KB), and the configured range can change at run time
 * without touching ports in use. rtp_portset_next() walks the range from a cursor
 * that keeps moving, so a port just given back is the last to be taken again (a late
 * packet of the old call then finds nobody, not a new call). Pure functions on the
 * caller's struct; the caller locks when threads share it.
 */
#ifndef RTP_PORTSET_H
#define RTP_PORTSET_H

#include <stdbool.h>
#include <stdint.h>

struct rtp_portset {
	uint64_t bits[65536 / 2 / 64];
	uint32_t cursor; /* the next even port to try */
	unsigned used;
};

void rtp_portset_init(struct rtp_portset *s);
/* Normalises a range to whole pairs: the first even port >= lo, the last pair ending
 * <= hi. false when no pair fits. */
bool rtp_portset_range(uint32_t lo, uint32_t hi, uint16_t *first, uint16_t *last);
/*
 * The next even port of [first, last] not in the set, starting at the cursor and
 * wrapping once, after `skip` free ones were passed over (the caller found them taken
 * by another program). 0 when every pair is held. Does not take it: see
 * rtp_portset_take.
 */
uint16_t rtp_portset_next(struct rtp_portset *s, uint16_t first, uint16_t last, unsigned skip);
/* Takes `port` (even) and moves the cursor past it; false when already held. */
bool rtp_portset_take(struct rtp_portset *s, uint16_t port);
void rtp_portset_give(struct rtp_portset *s, uint16_t port);
bool rtp_portset_held(const struct rtp_portset *s, uint16_t port);

#endif

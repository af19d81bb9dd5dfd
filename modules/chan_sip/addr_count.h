/*
 * addr_count.h: a count per network address (with or without the port), in a
 * chained hash: how many live registrations came from an address (location.c;
 * overload control serves those first) and how many incoming calls a host has
 * going (dialog.c; guard_calls_per_source). Each lookup costs a hash, not a walk
 * over every registration or call. v4-mapped IPv6 counts as IPv4. Main thread.
 */
#ifndef CHAN_SIP_ADDR_COUNT_H
#define CHAN_SIP_ADDR_COUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"

struct sip_addr_count {
	bool with_port; /* key on address and port (else the address alone) */
	struct addr_entry **buckets; /* allocated on the first add */
	size_t n;		     /* addresses with a count */
};

/* The address of a as bytes (v4-mapped IPv6 as IPv4, zero-padded to 16) and its
 * family, 4 or 6 (0: neither). guard.c keys on it too. */
uint8_t sip_addr_bytes(const struct sip_sockaddr *a, uint8_t addr[16]);
/* One more for a: 0, or -ENOMEM (the count is unchanged). */
int sip_addr_count_add(struct sip_addr_count *c, const struct sip_sockaddr *a);
/* One fewer for a (nothing when it has none). */
void sip_addr_count_del(struct sip_addr_count *c, const struct sip_sockaddr *a);
unsigned sip_addr_count_get(const struct sip_addr_count *c, const struct sip_sockaddr *a);
void sip_addr_count_clear(struct sip_addr_count *c);

#endif

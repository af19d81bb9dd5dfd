/*
 * location.h: the location service (RFC 3261 §10): for each address-of-record (a
 * user id), the contacts its phones registered, with their expiry, Call-ID/CSeq
 * (to order REGISTERs), q-value and the address and transport they came from (for
 * NAT: requests to that phone go back there). Bindings are kept in memory for
 * lookups and written through the core store (sg_store) so they survive a restart;
 * expired ones are swept every few seconds. Main thread only.
 */
#ifndef CHAN_SIP_LOCATION_H
#define CHAN_SIP_LOCATION_H

#include <stdint.h>

#include "transport.h"

#define SIP_LOC_MAX_PER_AOR 10

struct sg_cli;
struct sg_module;

struct sip_binding {
	char aor[64];
	char contact[512]; /* the Contact URI as registered */
	int64_t expires_at; /* wall clock, seconds since the epoch */
	char call_id[160];
	uint32_t cseq;
	unsigned q1000;	    /* q-value in thousandths; 1000 when not given */
	enum sip_proto proto;
	struct sip_sockaddr src;
	char user_agent[96];
};

int sip_loc_init(struct sg_module *self);
void sip_loc_shutdown(void);
/* Adds or refreshes (same AOR and contact URI) a binding. -ENOSPC when the AOR has
 * SIP_LOC_MAX_PER_AOR contacts already. */
int sip_loc_update(const struct sip_binding *b);
/* Removes one contact (0 or -ENOENT) or, with contact NULL, all of an AOR's. */
int sip_loc_remove(const char *aor, const char *contact);
/* The AOR's live bindings, best q first; returns how many (at most max). */
size_t sip_loc_lookup(const char *aor, const struct sip_binding **out, size_t max);
const struct sip_binding *sip_loc_find(const char *aor, const char *contact);
size_t sip_loc_count(void);
void sip_loc_show(struct sg_cli *cli);

#endif

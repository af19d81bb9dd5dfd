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

/* What qualify.c found out about a contact (RFC 3261 §11 OPTIONS probes). */
enum sip_reach { SIP_REACH_UNKNOWN, SIP_REACH_OK, SIP_REACH_UNREACHABLE };

/* Runtime only (never stored; a restart starts afresh), kept when the phone
 * refreshes its registration. Written by qualify.c alone. */
struct sip_reach_info {
	enum sip_reach state;
	unsigned rtt_us;      /* round trip of the last answered qualify */
	unsigned last_status; /* its status code, or 408/503 when it went unanswered */
	unsigned misses;      /* qualifies in a row without an answer */
	uint64_t due_ms;      /* next periodic qualify (loop clock); 0: at the next tick */
	bool busy;	      /* a periodic qualify is out */
};

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
	struct sip_reach_info reach;
	/* RFC 8599: the Contact URI's pn-provider, pn-prid and pn-param, as written
	 * there (still %-escaped); pn.prid[0] set: the phone is woken by a push
	 * notification before a call reaches it (push.c). */
	struct sip_pn {
		char provider[32];
		char prid[400];
		char param[128];
	} pn;
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
/* Whether a live binding came from src (same address and port), and from how many
 * addresses bindings came: overload control serves registered phones first. */
bool sip_loc_registered_source(const struct sip_sockaddr *src);
size_t sip_loc_source_count(void);
/* The i-th binding (i < sip_loc_count()), in no order: for walking them all. */
const struct sip_binding *sip_loc_at(size_t i);
/* qualify.c's findings for a binding, to update; NULL when it is gone. */
struct sip_reach_info *sip_loc_reach(const char *aor, const char *contact);
void sip_loc_show(struct sg_cli *cli);

#endif

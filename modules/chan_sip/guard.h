/*
 * guard.h: abuse protection at the door, before a message costs anything. Per
 * source IP address (the port does not matter: a scanner changes ports), chan_sip
 * keeps a token bucket for all messages and one for new INVITEs, and counts failed
 * authentications: a source over a rate has its excess dropped unanswered (a
 * phone's retransmission gets in once the bucket refills), and a source with too
 * many failed authentications in a window is banned (everything it sends is
 * dropped) for a while, fail2ban-style. Trusted networks are never limited. The
 * table is bounded (GUARD_SLOTS sources; the least recently seen unbanned source
 * makes room). Console: `sip show guard`, `sip guard ban|unban`. Main thread.
 */
#ifndef CHAN_SIP_GUARD_H
#define CHAN_SIP_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "transport.h"

#define GUARD_SLOTS 4096
#define GUARD_MAX_TRUSTED 32

struct sg_cli;
struct sg_module;

struct sip_guard_cfg {
	bool enabled;
	double requests_per_s;	/* messages of all kinds, per source */
	double request_burst;
	double invites_per_s;	/* INVITEs that start calls, per source */
	double invite_burst;
	unsigned auth_failures; /* failed authentications within auth_window_s ... */
	unsigned auth_window_s;
	unsigned ban_s;		/* ... ban the source this long */
	const char *trusted[GUARD_MAX_TRUSTED]; /* "10.0.0.0/8", "::1", ... */
	size_t ntrusted;
};

int sip_guard_init(struct sg_module *m);
void sip_guard_shutdown(void);
/* Reads settings.sip.guard* and applies them: 0, or -EINVAL with the fault in
 * err (the settings in force stay). */
int sip_guard_load_config(char *err, size_t errlen);
/* 0, or -EINVAL with the bad trusted entry named in err (the old settings stay). */
int sip_guard_configure(const struct sip_guard_cfg *c, char *err, size_t errlen);
/* Whether a message from src may go on; new_invite: an INVITE without a To tag. */
bool sip_guard_admit(const struct sip_sockaddr *src, bool new_invite);
/* Whether a new request whose datagram waited waited_ms in the socket buffer
 * meets a loop too far behind (settings.sip.overload_delay), or, for one that
 * needs media (a new INVITE), media workers that far behind (workers.h): counted,
 * and logged at most every 10 s. */
bool sip_guard_overloaded(unsigned waited_ms, bool needs_media);
/* The same test, without counting or logging. */
bool sip_guard_past_overload_delay(unsigned waited_ms, bool needs_media);
/* Whether src may start one more call: fewer than guard_calls_per_source
 * incoming calls going from its address (trusted ones always may). */
bool sip_guard_call_room(const struct sip_sockaddr *src);
/* Whether src is in settings.sip.guard_trusted. */
bool sip_guard_trusted(const struct sip_sockaddr *src);
/* Whether rx's source may open one more server transaction: fewer than
 * guard_transactions_per_source open from its address (trusted ones always may);
 * the txn.c admit hook. */
bool sip_guard_txn_room(const struct sip_rx *rx);
/* A failed authentication (a wrong password or an unknown user) from src. */
void sip_guard_auth_failed(const struct sip_sockaddr *src, const char *user);
/* Console: the table, and manual bans. 0, -EINVAL (not an address), -ENOENT. */
void sip_guard_show(struct sg_cli *cli);
int sip_guard_ban(const char *addr, unsigned seconds);
int sip_guard_unban(const char *addr); /* "all" lifts every ban */

#endif

/*
 * qualify.h: keeping registered contacts reachable and knowing whether they are
 * (the NAT keep-alive issue). Every settings.sip.qualify seconds (0: never;
 * default 60) each binding of location.h gets, as settings.sip.keepalive says:
 *   "options"  an OPTIONS request (RFC 3261 §11) through the client transaction
 *              layer; its answer (any status: the phone's SIP stack replied)
 *              records the round trip, its absence counts as a miss;
 *   "crlf"     a bare CRLFCRLF (RFC 5626 §4.4.1's ping), which keeps a NAT
 *              binding open but tells us nothing (over TCP only on an open
 *              connection);
 *   "off"      nothing.
 * Both go over the transport the phone registered on, to the address the
 * REGISTER came from (the binding's src: the NAT's public side, so the packets
 * keep exactly that pinhole open); over TCP, on the phone's own connection. After
 * three misses in a row a contact is unreachable (logged when that changes, like
 * its return); it stays registered, as the registration owns its lifetime. A
 * periodic qualify unanswered when the next is due counts as a miss (it
 * otherwise ends with the transaction's Timer F). Bounded: at most 2,000 qualifies
 * out and 500 started per second. Main thread only.
 */
#ifndef CHAN_SIP_QUALIFY_H
#define CHAN_SIP_QUALIFY_H

#include <stddef.h>

struct sg_module;

enum sip_keepalive { SIP_KEEPALIVE_OPTIONS, SIP_KEEPALIVE_CRLF, SIP_KEEPALIVE_OFF };

/* "options" / "crlf" / "off" (case-insensitive): 0 or -EINVAL. */
int sip_keepalive_parse(const char *s, enum sip_keepalive *out);

int sip_qualify_init(struct sg_module *self);
void sip_qualify_configure(unsigned interval_s, enum sip_keepalive mode);
void sip_qualify_shutdown(void);
/*
 * Qualifies every contact of one user now with OPTIONS, whatever the keep-alive
 * mode; each result (status and round trip, or the timeout) goes to the log at
 * notice level. Returns how many contacts were qualified (0: none registered).
 */
size_t sip_qualify_user(const char *aor);

#endif

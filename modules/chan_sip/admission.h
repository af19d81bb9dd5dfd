/*
 * admission.h: overload control for new requests. Every 100 ms chan_sip looks at
 * how loaded the PBX is: the main loop's CPU use, how long datagrams waited in the
 * socket before the loop read them, datagrams the kernel dropped for a full socket
 * buffer, media workers falling behind, the RTP port pool and the transaction
 * table running out. While any of these stays high, a growing share of new
 * requests (no To tag; never ACK, CANCEL or anything in a dialog) from addresses
 * that are neither registered phones (location.h) nor trusted networks
 * (settings.sip.guard_trusted) is answered at once, statelessly, with
 * `503 Overloaded` and Retry-After; the share falls again once the PBX is calm.
 * Registered phones and trusted peers go on calling; only the hard limit
 * (settings.sip.overload_delay, guard.h) refuses them too. Main thread only.
 */
#ifndef CHAN_SIP_ADMISSION_H
#define CHAN_SIP_ADMISSION_H

#include <stdbool.h>

#include "sip_msg.h"
#include "transport.h"

struct sg_cli;
struct sg_module;

int sip_adm_init(struct sg_module *m);
void sip_adm_shutdown(void);
/* Reads settings.sip.overload_control and overload_cpu: 0, or -EINVAL with the
 * fault in err (the settings in force stay). */
int sip_adm_load_config(char *err, size_t errlen);
/* Whether the new request m from rx->src is shed now (answer 503 statelessly). A
 * retransmission of a request already taken in is never shed. */
bool sip_adm_shed(const struct sip_rx *rx, const struct sip_msg *m);
/* Console: `sip show overload`. */
void sip_adm_show(struct sg_cli *cli);

#endif

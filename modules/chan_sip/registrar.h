/*
 * registrar.h: REGISTER (RFC 3261 §10.3): authenticate, check the AOR is the
 * authenticated user, apply the Contact list (add, refresh, remove, "*"), enforce
 * Expires limits (423 with Min-Expires), and answer 200 with every current binding.
 */
#ifndef CHAN_SIP_REGISTRAR_H
#define CHAN_SIP_REGISTRAR_H

#include "txn.h"

struct sip_registrar_limits {
	unsigned min_expires, max_expires, default_expires;
};

void sip_registrar_set_limits(const struct sip_registrar_limits *l);
void sip_registrar_handle(struct sip_stxn *t);
/* Frees the REGISTERs still waiting for the store (module unload). */
void sip_registrar_shutdown(void);

#endif

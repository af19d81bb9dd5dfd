/*
 * auth.h: digest authentication of incoming requests (RFC 3261 §22, RFC 7616,
 * RFC 8760) against the users of the config. A request without valid credentials
 * is answered here with a 401 carrying a challenge per algorithm (MD5 then
 * SHA-256 by default, because many phones give up on the first challenge they
 * cannot do instead of reading the next; settings.sip.auth_algorithms changes the
 * order), with stale=true when only the nonce had expired. Credentials that do not
 * verify get 403, whether the user is unknown or the password wrong, so a scanner
 * cannot tell which ids exist.
 */
#ifndef CHAN_SIP_AUTH_H
#define CHAN_SIP_AUTH_H

#include <stdbool.h>

#include "txn.h"

struct sg_user;

int sip_auth_init(const char *realm, unsigned nonce_lifetime_s);
void sip_auth_shutdown(void);
const char *sip_auth_realm(void);
/* "MD5", "SHA-256": one or both, in order of preference. 0 or -EINVAL. */
int sip_auth_set_algorithms(const char *const *names, size_t n);
/* The authenticated user, or NULL after answering the transaction. */
const struct sg_user *sip_auth_check(struct sip_stxn *t);

#endif

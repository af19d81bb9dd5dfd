/*
 * auth.h: digest authentication of incoming requests (RFC 3261 §22, RFC 7616,
 * RFC 8760) against the users of the config. A request without valid credentials
 * is answered here with a 401 carrying a challenge per algorithm offered, with
 * stale=true when only the nonce had expired. Only MD5 is offered by default:
 * some phones refuse the whole 401 when any of its challenges names an algorithm
 * they lack (baresip 1.0 with libre 1.1, Debian 12's, fails with ENOSYS), so
 * SHA-256 is opt-in through settings.sip.auth_algorithms. Credentials that do not
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

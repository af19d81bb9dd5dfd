/*
 * random_pool.h: random bytes for branches, tags, Call-IDs and nonces. OpenSSL's
 * RAND_bytes costs some 30,000 instructions a call however few bytes it returns, and
 * a registration or call wants several such values, so the pool draws 4 KB at a time
 * from it and hands them out. The bytes are OpenSSL's DRBG output all the same.
 * Main thread only.
 */
#ifndef CHAN_SIP_RANDOM_POOL_H
#define CHAN_SIP_RANDOM_POOL_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with n random bytes: 0, or -EIO when OpenSSL cannot. */
int sip_random(uint8_t *buf, size_t n);
/* The same with the digest server's callback signature (arg unused). */
int sip_random_cb(void *arg, uint8_t *buf, size_t n);
/* Forgets the unused bytes (wiped), e.g. when the module unloads. */
void sip_random_wipe(void);

#endif

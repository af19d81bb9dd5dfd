/* random_pool.c: OpenSSL's random bytes, drawn in bulk (see random_pool.h). */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "random_pool.h"

#define POOL_SIZE 4096

static uint8_t pool[POOL_SIZE];
static size_t avail; /* unused bytes at the end of pool */

int sip_random(uint8_t *buf, size_t n)
{
	while (n) {
		if (!avail) {
			if (RAND_bytes(pool, POOL_SIZE) != 1)
				return -EIO;
			avail = POOL_SIZE;
		}
		size_t k = n < avail ? n : avail;
		uint8_t *src = pool + POOL_SIZE - avail;
		memcpy(buf, src, k);
		/* A byte handed out is never in memory twice. */
		OPENSSL_cleanse(src, k);
		avail -= k;
		buf += k;
		n -= k;
	}
	return 0;
}

int sip_random_cb(void *arg, uint8_t *buf, size_t n)
{
	(void)arg;
	return sip_random(buf, n);
}

void sip_random_wipe(void)
{
	OPENSSL_cleanse(pool, sizeof(pool));
	avail = 0;
}

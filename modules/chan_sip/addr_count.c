/* addr_count.c: counts per network address (addr_count.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr_count.h"
#include "sip_pl.h"

#define BUCKETS 4096

struct addr_entry {
	struct addr_entry *next;
	uint8_t key[18]; /* address (zero-padded), then the port or zeros */
	uint8_t fam;
	unsigned count;
};

uint8_t sip_addr_bytes(const struct sip_sockaddr *a, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&a->ss;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			memcpy(addr, s6->sin6_addr.s6_addr + 12, 4);
			return 4;
		}
		memcpy(addr, s6->sin6_addr.s6_addr, 16);
		return 6;
	}
	if (a->ss.ss_family != AF_INET)
		return 0;
	memcpy(addr, &((const struct sockaddr_in *)(const void *)&a->ss)->sin_addr, 4);
	return 4;
}

static uint8_t key_of(const struct sip_addr_count *c, const struct sip_sockaddr *a, uint8_t key[18])
{
	uint8_t fam = sip_addr_bytes(a, key);
	key[16] = key[17] = 0;
	if (fam && c->with_port) {
		const void *port = a->ss.ss_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)(const void *)&a->ss)->sin6_port
							    : (const void *)&((const struct sockaddr_in *)(const void *)&a->ss)->sin_port;
		memcpy(key + 16, port, 2);
	}
	return fam;
}

static struct addr_entry **find(struct addr_entry **buckets, const uint8_t key[18], uint8_t fam)
{
	struct addr_entry **pp = &buckets[sip_hash(key, 18) % BUCKETS];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->fam == fam && !memcmp((*pp)->key, key, 18))
			break;
	return pp;
}

int sip_addr_count_add(struct sip_addr_count *c, const struct sip_sockaddr *a)
{
	uint8_t key[18], fam = key_of(c, a, key);
	if (!fam)
		return 0;
	if (!c->buckets && !(c->buckets = calloc(BUCKETS, sizeof(*c->buckets))))
		return -ENOMEM;
	struct addr_entry **pp = find(c->buckets, key, fam);
	if (*pp) {
		(*pp)->count++;
		return 0;
	}
	struct addr_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	memcpy(e->key, key, 18);
	e->fam = fam;
	e->count = 1;
	*pp = e;
	c->n++;
	return 0;
}

void sip_addr_count_del(struct sip_addr_count *c, const struct sip_sockaddr *a)
{
	uint8_t key[18], fam = key_of(c, a, key);
	if (!fam || !c->buckets)
		return;
	struct addr_entry **pp = find(c->buckets, key, fam), *e = *pp;
	if (!e || --e->count)
		return;
	*pp = e->next;
	free(e);
	c->n--;
}

unsigned sip_addr_count_get(const struct sip_addr_count *c, const struct sip_sockaddr *a)
{
	uint8_t key[18], fam = key_of(c, a, key);
	if (!fam || !c->buckets)
		return 0;
	struct addr_entry *e = *find(c->buckets, key, fam);
	return e ? e->count : 0;
}

void sip_addr_count_clear(struct sip_addr_count *c)
{
	for (size_t i = 0; c->buckets && i < BUCKETS; i++)
		while (c->buckets[i]) {
			struct addr_entry *e = c->buckets[i];
			c->buckets[i] = e->next;
			free(e);
		}
	free(c->buckets);
	c->buckets = NULL;
	c->n = 0;
}

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

static uint8_t key_of(const struct sip_addr_count *c, const struct sip_sockaddr *a, uint8_t key[18])
{
	memset(key, 0, 18);
	uint8_t fam = 0;
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)&a->ss;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			memcpy(key, s6->sin6_addr.s6_addr + 12, 4);
			fam = 4;
		} else {
			memcpy(key, s6->sin6_addr.s6_addr, 16);
			fam = 6;
		}
		if (c->with_port)
			memcpy(key + 16, &s6->sin6_port, 2);
	} else if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)&a->ss;
		memcpy(key, &s4->sin_addr, 4);
		if (c->with_port)
			memcpy(key + 16, &s4->sin_port, 2);
		fam = 4;
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

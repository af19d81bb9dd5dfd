/* location.c: registered contacts per user, in memory and in the core store. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/store.h>

#include "location.h"

#define TAG "sip"
#define SWEEP_MS 5000

static struct sip_binding *bindings;
static size_t nbindings, cap;
static struct sg_store *store;
static struct sg_timer *sweeper;

static int64_t now_s(void) { return (int64_t)time(NULL); }

static void key_of(const struct sip_binding *b, char *key, size_t len)
{
	snprintf(key, len, "%s %s", b->aor, b->contact);
}

/* Stored as one tab-separated line: a format a person can read in the database. */
static void persist(const struct sip_binding *b)
{
	char key[600], val[1200], src[64];
	if (!store)
		return;
	key_of(b, key, sizeof(key));
	int n = snprintf(val, sizeof(val), "%" PRId64 "\t%u\t%u\t%s\t%s\t%s\t%s", b->expires_at, b->cseq,
			 b->q1000, sip_proto_name(b->proto), sip_sockaddr_str(&b->src, src, sizeof(src)),
			 b->call_id, b->user_agent);
	int rc = sg_store_put(store, key, val, (size_t)n);
	if (rc)
		SG_WARNING(TAG, "registration of %s not saved: %s", b->aor, strerror(-rc));
}

static void unpersist(const struct sip_binding *b)
{
	char key[600];
	if (!store)
		return;
	key_of(b, key, sizeof(key));
	sg_store_del(store, key);
}

static void remove_at(size_t i)
{
	unpersist(&bindings[i]);
	bindings[i] = bindings[--nbindings];
}

static void sweep(struct sg_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	int64_t now = now_s();
	for (size_t i = nbindings; i-- > 0;)
		if (bindings[i].expires_at <= now) {
			SG_INFO(TAG, "registration of %s at %s expired", bindings[i].aor, bindings[i].contact);
			remove_at(i);
		}
}

static struct sip_binding *slot(const char *aor, const char *contact)
{
	for (size_t i = 0; i < nbindings; i++)
		if (!strcmp(bindings[i].aor, aor) && !strcmp(bindings[i].contact, contact))
			return &bindings[i];
	return NULL;
}

static size_t count_aor(const char *aor)
{
	size_t n = 0;
	for (size_t i = 0; i < nbindings; i++)
		n += !strcmp(bindings[i].aor, aor);
	return n;
}

static int add(const struct sip_binding *b)
{
	if (nbindings == cap) {
		size_t ncap = cap ? cap * 2 : 64;
		struct sip_binding *v = realloc(bindings, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		bindings = v;
		cap = ncap;
	}
	bindings[nbindings++] = *b;
	return 0;
}

int sip_loc_update(const struct sip_binding *b)
{
	struct sip_binding *old = slot(b->aor, b->contact);
	if (old) {
		struct sip_reach_info keep = old->reach; /* a refresh is not news about reachability */
		*old = *b;
		old->reach = keep;
	} else {
		if (count_aor(b->aor) >= SIP_LOC_MAX_PER_AOR)
			return -ENOSPC;
		int rc = add(b);
		if (rc)
			return rc;
	}
	persist(b);
	return 0;
}

int sip_loc_remove(const char *aor, const char *contact)
{
	int rc = -ENOENT;
	for (size_t i = nbindings; i-- > 0;)
		if (!strcmp(bindings[i].aor, aor) && (!contact || !strcmp(bindings[i].contact, contact))) {
			remove_at(i);
			rc = 0;
		}
	return rc;
}

const struct sip_binding *sip_loc_find(const char *aor, const char *contact)
{
	return slot(aor, contact);
}

size_t sip_loc_lookup(const char *aor, const struct sip_binding **out, size_t max)
{
	size_t n = 0;
	int64_t now = now_s();
	for (size_t i = 0; i < nbindings && n < max; i++)
		if (!strcmp(bindings[i].aor, aor) && bindings[i].expires_at > now)
			out[n++] = &bindings[i];
	/* Highest q first (RFC 3261 §16.6 order for forking); few entries, so a
	 * simple insertion sort. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && out[j]->q1000 > out[j - 1]->q1000; j--) {
			const struct sip_binding *t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

size_t sip_loc_count(void) { return nbindings; }
const struct sip_binding *sip_loc_at(size_t i) { return i < nbindings ? &bindings[i] : NULL; }

struct sip_reach_info *sip_loc_reach(const char *aor, const char *contact)
{
	struct sip_binding *b = slot(aor, contact);
	return b ? &b->reach : NULL;
}

/* "reachable 1.2ms", "UNREACHABLE", "unknown" */
static const char *reach_str(const struct sip_reach_info *r, char *buf, size_t len)
{
	if (r->state == SIP_REACH_OK)
		snprintf(buf, len, "reachable %u.%ums", r->rtt_us / 1000, r->rtt_us % 1000 / 100);
	else
		snprintf(buf, len, "%s", r->state == SIP_REACH_UNREACHABLE ? "UNREACHABLE" : "unknown");
	return buf;
}

/* Rebuilds a binding from its stored line; a damaged line is skipped and logged. */
static void restore(const char *key, const void *val, size_t len, void *arg)
{
	(void)arg;
	struct sip_binding b = {0};
	char line[1200], proto[8], src[64];
	const char *space = strchr(key, ' ');
	if (!space || len >= sizeof(line) || (size_t)(space - key) >= sizeof(b.aor))
		goto bad;
	memcpy(line, val, len);
	line[len] = '\0';
	snprintf(b.aor, sizeof(b.aor), "%.*s", (int)(space - key), key);
	snprintf(b.contact, sizeof(b.contact), "%s", space + 1);
	char *f[7];
	char *p = line;
	for (int i = 0; i < 7; i++) {
		f[i] = p;
		char *tab = i < 6 ? strchr(p, '\t') : NULL;
		if (i < 6 && !tab)
			goto bad;
		if (tab) {
			*tab = '\0';
			p = tab + 1;
		}
	}
	b.expires_at = strtoll(f[0], NULL, 10);
	b.cseq = (uint32_t)strtoul(f[1], NULL, 10);
	b.q1000 = (unsigned)strtoul(f[2], NULL, 10);
	snprintf(proto, sizeof(proto), "%s", f[3]);
	b.proto = !strcmp(proto, "TCP") ? SIP_PROTO_TCP : !strcmp(proto, "TLS") ? SIP_PROTO_TLS : SIP_PROTO_UDP;
	snprintf(src, sizeof(src), "%s", f[4]);
	if (sip_sockaddr_parse(src, 5060, &b.src))
		goto bad;
	snprintf(b.call_id, sizeof(b.call_id), "%s", f[5]);
	snprintf(b.user_agent, sizeof(b.user_agent), "%s", f[6]);
	if (b.expires_at > now_s() && !slot(b.aor, b.contact))
		add(&b);
	return;
bad:
	SG_WARNING(TAG, "stored registration '%s' is damaged; skipped", key);
}

int sip_loc_init(struct sg_module *self)
{
	int rc = sg_store_open(self, "sip_registrations", &store);
	if (rc) {
		SG_ERROR(TAG, "registrations cannot be stored (%s): they will not survive a restart",
			 strerror(-rc));
		store = NULL;
	} else {
		sg_store_load(store, restore, NULL);
		if (nbindings)
			SG_NOTICE(TAG, "restored %zu registration%s", nbindings, nbindings == 1 ? "" : "s");
	}
	sweeper = sg_timer_start(sg_loop_main(), self, SWEEP_MS, SWEEP_MS, sweep, NULL);
	return sweeper ? 0 : -ENOMEM;
}

void sip_loc_shutdown(void)
{
	sweeper = sg_timer_free(sweeper);
	if (store)
		sg_store_close(store);
	store = NULL;
	free(bindings);
	bindings = NULL;
	nbindings = cap = 0;
}

void sip_loc_show(struct sg_cli *cli)
{
	char src[64], reach[32];
	int64_t now = now_s();
	sg_cli_printf(cli, "%-10s %-44s %-6s %-5s %-24s %-18s %s\n", "User", "Contact", "Expiry", "Proto",
		      "From", "Status", "User-Agent");
	for (size_t i = 0; i < nbindings; i++) {
		const struct sip_binding *b = &bindings[i];
		sg_cli_printf(cli, "%-10s %-44s %-6" PRId64 " %-5s %-24s %-18s %s\n", b->aor, b->contact,
			      b->expires_at - now, sip_proto_name(b->proto),
			      sip_sockaddr_str(&b->src, src, sizeof(src)), reach_str(&b->reach, reach, sizeof(reach)),
			      b->user_agent);
	}
	sg_cli_printf(cli, "%zu registration%s\n", nbindings, nbindings == 1 ? "" : "s");
}

/* location.c: registered contacts per user, in memory and in the core store. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/store.h>

#include "addr_count.h"
#include "location.h"

#define TAG "sip"
#define SWEEP_MS 5000

/*
 * Each binding lives in its own node (so pointers handed out stay valid while it
 * lives), listed in `all` for sweeps and the console, and under its AOR in a hash
 * table, so a REGISTER or a call looks at that user's few contacts, not at every
 * registration.
 */
struct node {
	struct sip_binding b;
	size_t idx; /* position in all[] */
	int64_t stored_expires_at; /* the expiry the store has for it */
	bool src_indexed; /* b.src is counted in sources */
};

struct aor {
	struct aor *next;
	char name[64];
	struct node *nodes[SIP_LOC_MAX_PER_AOR];
	size_t n;
};

#define AOR_BUCKETS 4096
static struct node **all;
static size_t nall, cap;
static struct aor *buckets[AOR_BUCKETS];
static struct sg_store *store;
static struct sg_timer *sweeper;
/* The addresses (with port) bindings came from: overload control's "registered". */
static struct sip_addr_count sources = {.with_port = true};

static int64_t now_s(void) { return (int64_t)time(NULL); }

static void key_of(const struct sip_binding *b, char *key, size_t len)
{
	snprintf(key, len, "%s %s", b->aor, b->contact);
}

/* Stored as one tab-separated line: a format a person can read in the database.
 * Push bindings (RFC 8599) add "pn-provider=", "pn-prid=" and "pn-param=" fields
 * after the User-Agent: rows written before push was built have none and load
 * as they are. A tab in a User-Agent is written as a space, so it cannot pass
 * for a field. */
static void persist(const struct sip_binding *b)
{
	char key[600], val[1800], src[64], ua[sizeof(b->user_agent)];
	if (!store)
		return;
	key_of(b, key, sizeof(key));
	snprintf(ua, sizeof(ua), "%s", b->user_agent);
	for (char *t = ua; (t = strchr(t, '\t'));)
		*t = ' ';
	int n = snprintf(val, sizeof(val), "%" PRId64 "\t%u\t%u\t%s\t%s\t%s\t%s", b->expires_at, b->cseq,
			 b->q1000, sip_proto_name(b->proto), sip_sockaddr_str(&b->src, src, sizeof(src)),
			 b->call_id, ua);
	if (b->pn.provider[0])
		n += snprintf(val + n, sizeof(val) - (size_t)n, "\tpn-provider=%s\tpn-prid=%s\tpn-param=%s",
			      b->pn.provider, b->pn.prid, b->pn.param);
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

static unsigned aor_hash(const char *s) { return (unsigned)(sip_hash(s, strlen(s)) % AOR_BUCKETS); }

static struct aor *aor_find(const char *name, bool create)
{
	unsigned h = aor_hash(name);
	for (struct aor *a = buckets[h]; a; a = a->next)
		if (!strcmp(a->name, name))
			return a;
	if (!create)
		return NULL;
	struct aor *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->next = buckets[h];
	buckets[h] = a;
	return a;
}

static void aor_drop_if_empty(struct aor *a)
{
	if (a->n)
		return;
	for (struct aor **pp = &buckets[aor_hash(a->name)]; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			free(a);
			return;
		}
}

/* Unlinks and frees a node; `persisted` says whether the store row goes too. */
static void node_free(struct node *n, bool persisted)
{
	struct aor *a = aor_find(n->b.aor, false);
	if (persisted)
		unpersist(&n->b);
	for (size_t i = 0; a && i < a->n; i++)
		if (a->nodes[i] == n) {
			a->nodes[i] = a->nodes[--a->n];
			break;
		}
	all[n->idx] = all[--nall];
	all[n->idx]->idx = n->idx;
	if (a)
		aor_drop_if_empty(a);
	if (n->src_indexed)
		sip_addr_count_del(&sources, &n->b.src);
	free(n);
}

static void sweep(struct sg_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	int64_t now = now_s();
	for (size_t i = nall; i-- > 0;)
		if (all[i]->b.expires_at <= now) {
			SG_INFO(TAG, "registration of %s at %s expired", all[i]->b.aor, all[i]->b.contact);
			node_free(all[i], true);
		}
}

static struct node *slot(const char *aor, const char *contact)
{
	struct aor *a = aor_find(aor, false);
	for (size_t i = 0; a && i < a->n; i++)
		if (!strcmp(a->nodes[i]->b.contact, contact))
			return a->nodes[i];
	return NULL;
}

/*
 * A refresh that changes nothing needed to reach the phone after a restart (only
 * the expiry, CSeq, Call-ID or User-Agent) is written to the store only once the
 * stored expiry lags the new one by half the registration's lifetime or a minute:
 * a restart then keeps the binding for at least half its time, and phones behind
 * NAT that re-register every few seconds do not cost a write each. (A stale stored
 * Call-ID and CSeq only mean that, after a restart, a REGISTER delayed in the
 * network is not recognised as older than the binding.)
 */
static bool worth_storing(const struct node *n, const struct sip_binding *b)
{
	const struct sip_binding *o = &n->b;
	if (o->q1000 != b->q1000 || o->proto != b->proto || o->src.len != b->src.len ||
	    memcmp(&o->src.ss, &b->src.ss, b->src.len) || strcmp(o->pn.provider, b->pn.provider) ||
	    strcmp(o->pn.prid, b->pn.prid) || strcmp(o->pn.param, b->pn.param))
		return true;
	int64_t lag = b->expires_at - n->stored_expires_at, life = b->expires_at - now_s();
	return lag >= 60 || lag * 2 >= life;
}

static size_t count_aor(const char *aor)
{
	struct aor *a = aor_find(aor, false);
	return a ? a->n : 0;
}

static int add(const struct sip_binding *b)
{
	if (nall == cap) {
		size_t ncap = cap ? cap * 2 : 64;
		struct node **v = realloc(all, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		all = v;
		cap = ncap;
	}
	struct aor *a = aor_find(b->aor, true);
	struct node *n = a && a->n < SIP_LOC_MAX_PER_AOR ? calloc(1, sizeof(*n)) : NULL;
	if (!n) {
		if (a)
			aor_drop_if_empty(a);
		return -ENOMEM;
	}
	n->b = *b;
	n->src_indexed = !sip_addr_count_add(&sources, &b->src);
	n->idx = nall;
	n->stored_expires_at = b->expires_at; /* restored from the store, or about to be stored */
	all[nall++] = n;
	a->nodes[a->n++] = n;
	return 0;
}

int sip_loc_update(const struct sip_binding *b)
{
	struct node *old = slot(b->aor, b->contact);
	if (old) {
		bool store_it = worth_storing(old, b);
		struct sip_reach_info keep = old->b.reach; /* a refresh is not news about reachability */
		if (!sip_sockaddr_eq(&old->b.src, &b->src)) {
			if (old->src_indexed)
				sip_addr_count_del(&sources, &old->b.src);
			old->src_indexed = !sip_addr_count_add(&sources, &b->src);
		}
		old->b = *b;
		old->b.reach = keep;
		if (!store_it)
			return 0;
	} else {
		if (count_aor(b->aor) >= SIP_LOC_MAX_PER_AOR)
			return -ENOSPC;
		int rc = add(b);
		if (rc)
			return rc;
		old = all[nall - 1];
	}
	persist(b);
	old->stored_expires_at = b->expires_at;
	return 0;
}

int sip_loc_remove(const char *aor, const char *contact)
{
	struct aor *a = aor_find(aor, false);
	int rc = -ENOENT;
	while (a) {
		struct node *victim = NULL;
		for (size_t i = 0; i < a->n && !victim; i++)
			if (!contact || !strcmp(a->nodes[i]->b.contact, contact))
				victim = a->nodes[i];
		if (!victim)
			break;
		bool last = a->n == 1;
		node_free(victim, true);
		rc = 0;
		if (last)
			break; /* the AOR entry went with its last node */
	}
	return rc;
}

const struct sip_binding *sip_loc_find(const char *aor, const char *contact)
{
	struct node *n = slot(aor, contact);
	return n ? &n->b : NULL;
}

size_t sip_loc_lookup(const char *aor, const struct sip_binding **out, size_t max)
{
	size_t n = 0;
	int64_t now = now_s();
	struct aor *a = aor_find(aor, false);
	for (size_t i = 0; a && i < a->n && n < max; i++)
		if (a->nodes[i]->b.expires_at > now)
			out[n++] = &a->nodes[i]->b;
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

size_t sip_loc_count(void) { return nall; }
bool sip_loc_registered_source(const struct sip_sockaddr *src) { return sip_addr_count_get(&sources, src) > 0; }
size_t sip_loc_source_count(void) { return sources.n; }
const struct sip_binding *sip_loc_at(size_t i) { return i < nall ? &all[i]->b : NULL; }

struct sip_reach_info *sip_loc_reach(const char *aor, const char *contact)
{
	struct node *n = slot(aor, contact);
	return n ? &n->b.reach : NULL;
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

/* A "pn-...=" field of a stored line into the binding's push data: true, or false
 * when the field is something else. */
static bool restore_pn(struct sip_pn *pn, const char *f)
{
	static const struct {
		const char *prefix;
		size_t off, size;
	} names[] = {{"pn-provider=", offsetof(struct sip_pn, provider), sizeof(pn->provider)},
		     {"pn-prid=", offsetof(struct sip_pn, prid), sizeof(pn->prid)},
		     {"pn-param=", offsetof(struct sip_pn, param), sizeof(pn->param)}};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t l = strlen(names[i].prefix);
		if (!strncmp(f, names[i].prefix, l)) {
			snprintf((char *)pn + names[i].off, names[i].size, "%s", f + l);
			return true;
		}
	}
	return false;
}

/* Rebuilds a binding from its stored line; a damaged line is skipped and logged. */
static void restore(const char *key, const void *val, size_t len, void *arg)
{
	(void)arg;
	struct sip_binding b = {0};
	char line[1800], proto[8], src[64];
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
		char *tab = strchr(p, '\t');
		if (i < 6 && !tab)
			goto bad;
		p = tab ? tab + 1 : NULL;
		if (tab)
			*tab = '\0';
		if (!p)
			break;
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
	/* What follows the User-Agent: push fields; anything else is the rest of a
	 * User-Agent an older version stored with a tab in it. */
	while (p) {
		char *tab = strchr(p, '\t');
		if (tab)
			*tab = '\0';
		if (!restore_pn(&b.pn, p)) {
			size_t ul = strlen(b.user_agent);
			snprintf(b.user_agent + ul, sizeof(b.user_agent) - ul, "\t%s", p);
		}
		p = tab ? tab + 1 : NULL;
	}
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
		if (nall)
			SG_NOTICE(TAG, "restored %zu registration%s", nall, nall == 1 ? "" : "s");
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
	while (nall)
		node_free(all[nall - 1], false);
	free(all);
	all = NULL;
	cap = 0;
	sip_addr_count_clear(&sources);
}

void sip_loc_show(struct sg_cli *cli)
{
	char src[64], reach[32];
	int64_t now = now_s();
	sg_cli_printf(cli, "%-10s %-44s %-6s %-5s %-24s %-18s %s\n", "User", "Contact", "Expiry", "Proto",
		      "From", "Status", "User-Agent");
	for (size_t i = 0; i < nall; i++) {
		const struct sip_binding *b = &all[i]->b;
		sg_cli_printf(cli, "%-10s %-44s %-6" PRId64 " %-5s %-24s %-18s %s\n", b->aor, b->contact,
			      b->expires_at - now, sip_proto_name(b->proto),
			      sip_sockaddr_str(&b->src, src, sizeof(src)), reach_str(&b->reach, reach, sizeof(reach)),
			      b->user_agent);
		if (b->pn.provider[0])
			sg_cli_printf(cli, "%-10s push: %s, prid %.24s%s%s%s\n", "", b->pn.provider, b->pn.prid,
				      strlen(b->pn.prid) > 24 ? "..." : "", b->pn.param[0] ? ", param " : "", b->pn.param);
	}
	sg_cli_printf(cli, "%zu registration%s\n", nall, nall == 1 ? "" : "s");
}

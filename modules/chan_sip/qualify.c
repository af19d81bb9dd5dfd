/* qualify.c: OPTIONS / CRLF keep-alives to registered contacts, reachability and round trip. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <strowger/log.h>
#include <strowger/loop.h>

#include "location.h"
#include "qualify.h"
#include "txn_client.h"

#define TAG "sip"
#define TICK_MS 1000
#define MISSES_UNREACHABLE 3
#define MAX_PROBES 2000
#define MAX_STARTS_PER_TICK 500

/* One OPTIONS out. */
struct probe {
	struct probe *prev, *next;
	char aor[64];
	char contact[512];
	enum sip_proto proto;
	struct sip_sockaddr dst;
	struct sip_ctxn *t; /* our reference */
	uint64_t start_us;
	uint64_t deadline_ms; /* periodic: when the next is due; 0 (console): Timer F decides */
	bool manual;
};

static struct sg_module *self;
static struct sg_timer *tick;
static unsigned interval_s = 60;
static enum sip_keepalive mode = SIP_KEEPALIVE_OPTIONS;
static struct probe *probes;
static size_t nprobes;

int sip_keepalive_parse(const char *s, enum sip_keepalive *out)
{
	static const char *const names[] = {"options", "crlf", "off"};
	for (int i = 0; i < 3; i++)
		if (s && !strcasecmp(s, names[i])) {
			*out = (enum sip_keepalive)i;
			return 0;
		}
	return -EINVAL;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void probe_free(struct probe *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		probes = p->next;
	if (p->next)
		p->next->prev = p->prev;
	nprobes--;
	sip_ctxn_abandon(p->t);
	free(p);
}

/*
 * One qualify's outcome: answered (any status from the phone) or missed (status
 * 408/503 from our transaction layer, or 0 when nothing could be sent).
 */
static void record(const char *aor, const char *contact, const char *where, bool manual, bool periodic,
		   bool answered, unsigned status, const char *phrase, unsigned rtt_us)
{
	struct sip_reach_info *r = sip_loc_reach(aor, contact);
	if (manual) {
		if (answered)
			SG_NOTICE(TAG, "qualify %s %s (%s): %u %s in %u.%03u ms", aor, contact, where, status, phrase,
				  rtt_us / 1000, rtt_us % 1000);
		else
			SG_NOTICE(TAG, "qualify %s %s (%s): no answer: %u %s", aor, contact, where, status, phrase);
	}
	if (!r)
		return; /* unregistered meanwhile */
	if (periodic)
		r->busy = false;
	r->last_status = status;
	if (answered) {
		r->misses = 0;
		r->rtt_us = rtt_us;
		if (r->state != SIP_REACH_OK)
			sg_log(r->state == SIP_REACH_UNREACHABLE ? SG_LOG_NOTICE : SG_LOG_INFO, TAG,
			       "%s at %s is reachable%s (%u.%03u ms)", aor, contact,
			       r->state == SIP_REACH_UNREACHABLE ? " again" : "", rtt_us / 1000, rtt_us % 1000);
		r->state = SIP_REACH_OK;
		return;
	}
	if (++r->misses >= MISSES_UNREACHABLE && r->state != SIP_REACH_UNREACHABLE) {
		SG_NOTICE(TAG, "%s at %s is unreachable: %u qualifies in a row unanswered (last: %u %s)", aor,
			  contact, r->misses, status, phrase);
		r->state = SIP_REACH_UNREACHABLE;
	}
}

static void probe_where(const struct probe *p, char *buf, size_t len)
{
	char a[64];
	snprintf(buf, len, "%s %s", sip_proto_name(p->proto), sip_sockaddr_str(&p->dst, a, sizeof(a)));
}

static void on_probe(struct sip_ctxn *t, const struct sip_msg *resp, void *arg)
{
	struct probe *p = arg;
	char where[80], phrase[64];
	if (resp->status < 200)
		return;
	unsigned rtt = (unsigned)(now_us() - p->start_us);
	probe_where(p, where, sizeof(where));
	sip_pl_strcpy(&resp->status_phrase, phrase, sizeof(phrase));
	record(p->aor, p->contact, where, p->manual, !p->manual, sip_ctxn_error(t) == 0, resp->status, phrase,
	       rtt);
	probe_free(p);
}

/* Sends one OPTIONS to a binding; 0 or -errno (nothing started). */
static int probe_start(const struct sip_binding *b, bool manual, uint64_t deadline_ms)
{
	char call_id[SIP_CALL_ID_SIZE], tag[SIP_TAG_SIZE], host[64], from[160], to[530], cseq[32];
	struct sip_sockaddr local;
	if (nprobes >= MAX_PROBES)
		return -EAGAIN;
	int rc = sip_transport_local(b->proto, &b->src, &local);
	if (rc || (rc = sip_new_call_id(call_id)) || (rc = sip_new_tag(tag)))
		return rc;
	snprintf(from, sizeof(from), "<sip:strowger@%s>;tag=%s", sip_sockaddr_str(&local, host, sizeof(host)), tag);
	snprintf(to, sizeof(to), "<%s>", b->contact);
	snprintf(cseq, sizeof(cseq), "%u OPTIONS", sip_new_cseq());
	struct sip_hdr_out h[] = {
		{"From", from}, {"To", to}, {"Call-ID", call_id}, {"CSeq", cseq}, {"Accept", "application/sdp"},
	};
	struct sip_req_out q = {.method = "OPTIONS", .ruri = b->contact, .hdrs = h, .nhdrs = sizeof(h) / sizeof(h[0])};
	struct sip_ctxn_req r = {.proto = b->proto, .dst = b->src, .req = &q};
	struct probe *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	snprintf(p->aor, sizeof(p->aor), "%s", b->aor);
	snprintf(p->contact, sizeof(p->contact), "%s", b->contact);
	p->proto = b->proto;
	p->dst = b->src;
	p->manual = manual;
	p->deadline_ms = deadline_ms;
	p->start_us = now_us();
	rc = sip_ctxn_send(&r, on_probe, p, &p->t);
	if (rc) {
		free(p);
		return rc;
	}
	p->next = probes;
	if (probes)
		probes->prev = p;
	probes = p;
	nprobes++;
	return 0;
}

static void send_crlf(const struct sip_binding *b)
{
	/* RFC 5626 §4.4.1's ping; over TCP only on the phone's open connection. */
	int rc = sip_transport_send(b->proto, &b->src, "\r\n\r\n", 4, SIP_TX_NO_CONNECT, NULL);
	if (rc) {
		char a[64];
		SG_DEBUG(TAG, "keep-alive to %s at %s %s not sent: %s", b->aor, sip_proto_name(b->proto),
			 sip_sockaddr_str(&b->src, a, sizeof(a)), strerror(-rc));
	}
}

static void on_tick(struct sg_timer *timer, void *arg)
{
	(void)timer;
	(void)arg;
	/* The loop clock is that of this loop iteration: allow for its lag. */
	uint64_t now = sg_loop_now_ms(sg_loop_main()) + TICK_MS / 2;
	int64_t wall = (int64_t)time(NULL);
	for (struct probe *p = probes, *next; p; p = next) {
		next = p->next;
		if (p->deadline_ms && p->deadline_ms <= now) {
			char where[80];
			probe_where(p, where, sizeof(where));
			record(p->aor, p->contact, where, false, true, false, 408, "Request Timeout", 0);
			probe_free(p);
		}
	}
	if (!interval_s || mode == SIP_KEEPALIVE_OFF)
		return;
	unsigned started = 0;
	for (size_t i = 0; i < sip_loc_count() && started < MAX_STARTS_PER_TICK; i++) {
		const struct sip_binding *b = sip_loc_at(i);
		if (b->reach.busy || b->reach.due_ms > now || b->expires_at <= wall)
			continue;
		struct sip_reach_info *r = sip_loc_reach(b->aor, b->contact);
		r->due_ms = now - TICK_MS / 2 + interval_s * 1000ull;
		started++;
		if (mode == SIP_KEEPALIVE_CRLF) {
			send_crlf(b);
			continue;
		}
		int rc = probe_start(b, false, r->due_ms);
		if (rc == 0) {
			r->busy = true;
		} else if (rc != -EAGAIN) {
			char a[64], where[80];
			SG_DEBUG(TAG, "qualify of %s at %s not sent: %s", b->aor, b->contact, strerror(-rc));
			snprintf(where, sizeof(where), "%s %s", sip_proto_name(b->proto),
				 sip_sockaddr_str(&b->src, a, sizeof(a)));
			record(b->aor, b->contact, where, false, false, false, 0, "not sent", 0);
		}
	}
}

size_t sip_qualify_user(const char *aor)
{
	const struct sip_binding *b[SIP_LOC_MAX_PER_AOR];
	size_t n = sip_loc_lookup(aor, b, SIP_LOC_MAX_PER_AOR);
	for (size_t i = 0; i < n; i++) {
		int rc = probe_start(b[i], true, 0);
		if (rc) {
			char a[64], where[80];
			snprintf(where, sizeof(where), "%s %s", sip_proto_name(b[i]->proto),
				 sip_sockaddr_str(&b[i]->src, a, sizeof(a)));
			SG_NOTICE(TAG, "qualify %s %s (%s): not sent: %s", aor, b[i]->contact, where, strerror(-rc));
		}
	}
	return n;
}

void sip_qualify_configure(unsigned interval, enum sip_keepalive m)
{
	interval_s = interval;
	mode = m;
}

int sip_qualify_init(struct sg_module *owner)
{
	self = owner;
	tick = sg_timer_start(sg_loop_main(), self, TICK_MS, TICK_MS, on_tick, NULL);
	return tick ? 0 : -ENOMEM;
}

void sip_qualify_shutdown(void)
{
	tick = sg_timer_free(tick);
	while (probes)
		probe_free(probes);
}

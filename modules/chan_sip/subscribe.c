/*
 * subscribe.c: the notifier side of RFC 6665. Each subscription is its own dialog
 * (not a struct sip_dlg: no channel, no media): our To tag, the subscriber's From
 * tag, Call-ID, both CSeqs, the Record-Route set and the subscriber's Contact as
 * the remote target. NOTIFYs go, like every request of ours to a phone, to the
 * address the SUBSCRIBE came from over its transport (NAT), one at a time per
 * subscription (§4.2.2: a change while one is out is sent when it is answered).
 * Expiry is checked by a one-second tick; memory is bounded by the limits.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/users.h>

#include "auth.h"
#include "dialog_priv.h"
#include "location.h"
#include "sub_pkg.h"
#include "subscribe.h"
#include "txn_client.h"

#define TAG "sip"
#define MAX_PKGS 8
#define TICK_MS 1000

struct sub {
	struct sub *next;
	const struct sip_evpkg *pkg;
	char resource[64];
	char user[64];	   /* who subscribed (authenticated) */
	char account[256]; /* the Request-URI of the SUBSCRIBE */
	char event[128];   /* the Event value our NOTIFYs carry (package and id) */
	char call_id[160];
	char ltag[SIP_TAG_SIZE];
	char local_hdr[600];  /* our side: the SUBSCRIBE's To with our tag */
	char remote_hdr[600]; /* its From */
	char rtarget[512];    /* its Contact: the NOTIFY's Request-URI */
	char route[800];      /* its Record-Route set as one Route value, or "" */
	char contact[160];    /* our Contact */
	char src_host[64];    /* the source address without the port, for the limit */
	enum sip_proto proto;
	struct sip_sockaddr peer;
	uint32_t lcseq, rcseq;
	uint64_t expires_ms; /* loop clock */
	struct sip_ctxn *out; /* the NOTIFY awaiting its answer (we hold a reference) */
	bool dirty;	      /* the state changed while it was out, or a send failed */
	unsigned long notifies;
	unsigned version; /* bodies written so far (RFC 4235 numbers them) */
};

static struct sg_module *self;
static const struct sip_evpkg *pkgs[MAX_PKGS];
static size_t npkgs;
static char allow_events[256];
static struct sub *subs;
static unsigned nsubs;
static struct sg_timer *tick;
static struct sip_sub_limits limits = {60, 3600, 1000, 20, 200};
static unsigned long refused_limit;
/* The subscription whose SUBSCRIBE is being answered: a change it causes goes
 * out after the 2xx, not before (so the phone sees them in order). */
static struct sub *answering;

int sip_evpkg_register(const struct sip_evpkg *p)
{
	for (size_t i = 0; i < npkgs; i++)
		if (!strcmp(pkgs[i]->name, p->name))
			return -EEXIST;
	if (npkgs == MAX_PKGS)
		return -ENOSPC;
	pkgs[npkgs++] = p;
	size_t off = strlen(allow_events);
	snprintf(allow_events + off, sizeof(allow_events) - off, "%s%s", off ? ", " : "", p->name);
	return 0;
}

const char *sip_sub_allow_events(void) { return allow_events; }

void sip_sub_set_limits(const struct sip_sub_limits *l) { limits = *l; }

static uint64_t now_ms(void) { return sg_loop_now_ms(sg_loop_main()); }

static unsigned remaining_s(const struct sub *s)
{
	uint64_t now = now_ms();
	return s->expires_ms > now ? (unsigned)((s->expires_ms - now + 999) / 1000) : 0;
}

static void sub_free(struct sub *s)
{
	for (struct sub **pp = &subs; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (s->out)
		sip_ctxn_abandon(s->out);
	nsubs--;
	free(s);
}

static void on_notify_response(struct sip_ctxn *t, const struct sip_msg *resp, void *arg);

static const char *notify_type(const struct sip_evpkg *p)
{
	return p->notify_type ? p->notify_type : p->content_type;
}

/* Sends the state as a NOTIFY: active (reason NULL) or terminated with a reason,
 * after which the subscription is gone (freed here). 0 or -errno. */
static int send_notify(struct sub *s, const char *reason)
{
	/* Not reentrant (a body is written and sent before anything else runs). */
	static char body[SIP_SUB_BODY_MAX];
	char state[64], cseq[48];
	int blen = s->pkg->body(s->resource, s->account, s->version++, body, sizeof(body));
	if (blen < 0) {
		SG_WARNING(TAG, "%s of %s: cannot write the state: %s", s->pkg->name, s->resource, strerror(-blen));
		blen = 0;
	}
	if (reason)
		snprintf(state, sizeof(state), "terminated;reason=%s", reason);
	else
		snprintf(state, sizeof(state), "active;expires=%u", remaining_s(s));
	snprintf(cseq, sizeof(cseq), "%u NOTIFY", ++s->lcseq);
	struct sip_hdr_out h[] = {{"From", s->local_hdr},   {"To", s->remote_hdr},	  {"Call-ID", s->call_id},
				  {"CSeq", cseq},	    {"Max-Forwards", "70"},	  {"Event", s->event},
				  {"Subscription-State", state}, {"Contact", s->contact}, {"Route", s->route}};
	struct sip_req_out r = {.method = "NOTIFY", .ruri = s->rtarget, .hdrs = h,
				.nhdrs = s->route[0] ? 9 : 8, .content_type = blen ? notify_type(s->pkg) : NULL,
				.body = body, .body_len = (size_t)blen};
	struct sip_ctxn_req cr = {.proto = s->proto, .dst = s->peer, .req = &r};
	if (reason) {
		/* The last word: nobody waits for its answer. */
		if (s->out)
			s->out = (sip_ctxn_abandon(s->out), NULL);
		int rc = sip_ctxn_send(&cr, NULL, NULL, NULL);
		sub_free(s);
		return rc;
	}
	s->dirty = false;
	int rc = sip_ctxn_send(&cr, on_notify_response, s, &s->out);
	if (rc) {
		/* Too many transactions open, say: the tick tries again. */
		s->dirty = true;
		s->out = NULL;
		SG_NOTICE(TAG, "%s of %s for %s: cannot send NOTIFY: %s", s->pkg->name, s->resource, s->user,
			  strerror(-rc));
	} else {
		s->notifies++;
	}
	return rc;
}

static void on_notify_response(struct sip_ctxn *t, const struct sip_msg *resp, void *arg)
{
	struct sub *s = arg;
	if (resp->status < 200)
		return;
	bool synthetic = sip_ctxn_error(t) != 0;
	sip_ctxn_abandon(t);
	s->out = NULL;
	if (resp->status >= 300) {
		/* §4.2.2: 481 says the subscriber has no such subscription; a timeout or
		 * any other refusal means it will not hear us either: it ends here. */
		SG_NOTICE(TAG, "%s of %s for %s ends: NOTIFY answered %u%s", s->pkg->name, s->resource, s->user,
			  resp->status, synthetic ? " (no answer)" : "");
		sub_free(s);
		return;
	}
	if (s->dirty)
		send_notify(s, NULL);
}

void sip_sub_changed(const struct sip_evpkg *p, const char *resource)
{
	for (struct sub *s = subs, *next; s; s = next) {
		next = s->next;
		if (s->pkg != p || strcmp(s->resource, resource))
			continue;
		if (s->out || s == answering)
			s->dirty = true;
		else
			send_notify(s, NULL);
	}
}

/* A phone that subscribed to this resource from this address hears it there. */
static bool subscribed_from(const struct sip_evpkg *p, const char *resource, const struct sip_sockaddr *peer)
{
	for (const struct sub *s = subs; s; s = s->next)
		if (s->pkg == p && !strcmp(s->resource, resource) && sip_sockaddr_eq(&s->peer, peer))
			return true;
	return false;
}

size_t sip_sub_unsolicited(const struct sip_evpkg *p, const char *resource)
{
	const struct sip_binding *b[SIP_LOC_MAX_PER_AOR];
	size_t n = sip_loc_lookup(resource, b, SIP_LOC_MAX_PER_AOR), sent = 0;
	for (size_t i = 0; i < n; i++) {
		if (subscribed_from(p, resource, &b[i]->src))
			continue;
		static char body[SIP_SUB_BODY_MAX];
		char call_id[SIP_CALL_ID_SIZE], tag[SIP_TAG_SIZE], host[64], from[200], to[530], cseq[32];
		struct sip_sockaddr local;
		if (sip_transport_local(b[i]->proto, &b[i]->src, &local) || sip_new_call_id(call_id) ||
		    sip_new_tag(tag))
			continue;
		sip_sockaddr_str(&local, host, sizeof(host));
		snprintf(from, sizeof(from), "<sip:%s@%s>;tag=%s", resource, host, tag);
		snprintf(to, sizeof(to), "<%s>", b[i]->contact);
		snprintf(cseq, sizeof(cseq), "%u NOTIFY", sip_new_cseq());
		char account[128];
		snprintf(account, sizeof(account), "sip:%s@%s", resource, host);
		int blen = p->body(resource, account, 0, body, sizeof(body));
		if (blen < 0)
			continue;
		/* No dialog and no subscription: the state stands alone (phones set up
		 * for unsolicited MWI read only the body). */
		struct sip_hdr_out h[] = {{"From", from},	       {"To", to},
					  {"Call-ID", call_id},	       {"CSeq", cseq},
					  {"Max-Forwards", "70"},      {"Event", p->name},
					  {"Subscription-State", "active"}};
		struct sip_req_out r = {.method = "NOTIFY", .ruri = b[i]->contact, .hdrs = h,
					.nhdrs = sizeof(h) / sizeof(h[0]), .content_type = notify_type(p),
					.body = body, .body_len = (size_t)blen};
		struct sip_ctxn_req cr = {.proto = b[i]->proto, .dst = b[i]->src, .req = &r};
		if (sip_ctxn_send(&cr, NULL, NULL, NULL) == 0) {
			SG_INFO(TAG, "%s of %s: unsolicited NOTIFY to %s", p->name, resource, b[i]->contact);
			sent++;
		}
	}
	return sent;
}

bool sip_sub_watched(const struct sip_evpkg *p, const char *resource)
{
	for (const struct sub *s = subs; s; s = s->next)
		if (s->pkg == p && !strcmp(s->resource, resource))
			return true;
	return false;
}

static void on_tick(struct sg_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	uint64_t now = now_ms();
	for (struct sub *s = subs, *next; s; s = next) {
		next = s->next;
		/* A reload may have removed the user or narrowed what it may watch:
		 * §4.1.3 "rejected", a change in authorization policy. */
		const struct sg_user *u = sg_user_find(s->user);
		if (!u || s->pkg->authorize(u, s->resource)) {
			SG_NOTICE(TAG, "%s of %s for %s ends: %s", s->pkg->name, s->resource, s->user,
				  u ? "no longer allowed" : "no such user since the reload");
			send_notify(s, "rejected");
		} else if (now >= s->expires_ms) {
			SG_INFO(TAG, "%s of %s for %s expired", s->pkg->name, s->resource, s->user);
			send_notify(s, "timeout");
		} else if (s->dirty && !s->out) {
			send_notify(s, NULL);
		}
	}
}

/* --- answering SUBSCRIBE --- */

static void respond(struct sip_stxn *t, unsigned status, const char *reason, const struct sip_hdr_out *h,
		    size_t nh, const char *to_tag)
{
	struct sip_resp_opts o = {.status = status, .reason = reason, .hdrs = h, .nhdrs = nh, .to_tag = to_tag};
	sip_stxn_respond(t, &o);
}

static void bad_event(struct sip_stxn *t, const char *why)
{
	struct sip_hdr_out h[] = {{"Allow-Events", allow_events}};
	respond(t, 489, why, h, 1, NULL);
}

static const struct sip_evpkg *find_pkg(const struct sip_pl *name)
{
	for (size_t i = 0; i < npkgs; i++)
		if (sip_pl_caseeq_str(name, pkgs[i]->name))
			return pkgs[i];
	return NULL;
}

/* The header value without folds, NUL-terminated: 0 or -ENOSPC. */
static int copy_value(const struct sip_pl *pl, char *out, size_t size)
{
	if (pl->l >= size)
		return -ENOSPC;
	for (size_t i = 0; i < pl->l; i++)
		out[i] = pl->p[i] == '\r' || pl->p[i] == '\n' || pl->p[i] == '\t' ? ' ' : pl->p[i];
	out[pl->l] = '\0';
	return 0;
}

/* Whether the SUBSCRIBE's Accept (if any) takes the package's body type (§7.2.1). */
static bool accepts(const struct sip_msg *req, const struct sip_evpkg *p)
{
	const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_ACCEPT, NULL);
	if (!h)
		return true;
	const char *slash = strchr(p->content_type, '/');
	for (; h; h = sip_msg_hdr(req, SIP_HDR_ACCEPT, h)) {
		struct sip_ctype ct;
		if (sip_ctype_parse(&h->val, &ct))
			continue;
		bool any_type = sip_pl_eq_str(&ct.type, "*"), any_sub = sip_pl_eq_str(&ct.subtype, "*");
		if ((any_type && any_sub) ||
		    (ct.type.l == (size_t)(slash - p->content_type) &&
		     !strncasecmp(ct.type.p, p->content_type, ct.type.l) &&
		     (any_sub || sip_pl_caseeq_str(&ct.subtype, slash + 1))))
			return true;
	}
	return false;
}

static void src_host(const struct sip_sockaddr *a, char *out, size_t size)
{
	sip_sockaddr_str(a, out, size);
	char *colon = strrchr(out, ':');
	if (colon && (out[0] != '[' || colon[-1] == ']'))
		*colon = '\0';
}

/* 0, or the reason a new subscription is refused (and logged). */
static const char *over_limit(const char *user, const char *host)
{
	unsigned per_user = 0, per_src = 0;
	for (const struct sub *s = subs; s; s = s->next) {
		per_user += !strcmp(s->user, user);
		per_src += !strcmp(s->src_host, host);
	}
	if (nsubs >= limits.max_total)
		return "subscriptions in all";
	if (per_user >= limits.max_per_user)
		return "subscriptions for this user";
	if (per_src >= limits.max_per_source)
		return "subscriptions from this address";
	return NULL;
}

/* The Record-Route set, in order, as one Route value (§12.1.1). 0 or -ENOSPC. */
static int route_set(const struct sip_msg *req, char *out, size_t size)
{
	size_t off = 0;
	out[0] = '\0';
	for (const struct sip_hdr *h = NULL; (h = sip_msg_hdr(req, SIP_HDR_RECORD_ROUTE, h));) {
		if (off + h->val.l + 3 >= size)
			return -ENOSPC;
		if (off)
			off += (size_t)snprintf(out + off, size - off, ", ");
		copy_value(&h->val, out + off, size - off);
		off += h->val.l;
	}
	return 0;
}

static struct sub *find_sub(const struct sip_pl *call_id, const struct sip_pl *ltag)
{
	for (struct sub *s = subs; s; s = s->next)
		if (sip_pl_eq_str(ltag, s->ltag) && sip_pl_eq_str(call_id, s->call_id))
			return s;
	return NULL;
}

unsigned sip_sub_expires(struct sip_stxn *t, unsigned default_s, uint32_t *secs)
{
	switch (sip_msg_expires(sip_stxn_request(t), secs)) {
	case 0:
		break;
	case -ENOENT:
		*secs = default_s;
		break;
	case -ERANGE:
		*secs = limits.max_expires;
		break;
	default:
		respond(t, 400, "Bad Expires", NULL, 0, NULL);
		return 400;
	}
	if (*secs && *secs < limits.min_expires) {
		char min[16];
		snprintf(min, sizeof(min), "%u", limits.min_expires);
		struct sip_hdr_out h[] = {{"Min-Expires", min}};
		respond(t, 423, NULL, h, 1, NULL);
		return 423;
	}
	if (*secs > limits.max_expires)
		*secs = limits.max_expires;
	return 0;
}

static void accept_sub(struct sip_stxn *t, struct sub *s, uint32_t secs)
{
	char exp[16];
	snprintf(exp, sizeof(exp), "%u", secs);
	/* RFC 3261 §12.1.1: the Record-Route set goes back in the 2xx that makes the dialog. */
	struct sip_hdr_out h[] = {{"Expires", exp}, {"Contact", s->contact}, {"Record-Route", s->route}};
	respond(t, 200, NULL, h, s->route[0] ? 3 : 2, s->ltag);
	s->expires_ms = now_ms() + (uint64_t)secs * 1000;
}

/* A body in the SUBSCRIBE asks the package for a change: 0, or the status
 * already answered. */
static unsigned body_request(struct sip_stxn *t, const struct sip_evpkg *p, const struct sg_user *u,
			     const char *resource)
{
	const struct sip_msg *req = sip_stxn_request(t);
	if (!p->request || !req->body.l)
		return 0;
	char src[64];
	sip_sockaddr_str(&sip_stxn_rx(t)->src, src, sizeof(src));
	unsigned st = p->request(u, resource, req, src);
	if (st == 415) {
		struct sip_hdr_out h[] = {{"Accept", p->content_type}};
		respond(t, st, NULL, h, 1, NULL);
	} else if (st) {
		respond(t, st, NULL, NULL, 0, NULL);
	}
	return st;
}

/* A SUBSCRIBE inside one of our subscription dialogs: refresh or unsubscribe. */
static void refresh(struct sip_stxn *t, const struct sip_evpkg *p)
{
	const struct sip_msg *req = sip_stxn_request(t);
	struct sub *s = find_sub(&req->call_id, &req->to.tag);
	if (!s) {
		respond(t, 481, "No such subscription", NULL, 0, NULL);
		return;
	}
	if (s->pkg != p) {
		bad_event(t, "Not the package of this subscription");
		return;
	}
	/* §12.2.2: a CSeq lower than the last one is out of order. */
	if (req->cseq <= s->rcseq) {
		respond(t, 500, "CSeq out of order", NULL, 0, NULL);
		return;
	}
	uint32_t secs;
	if (sip_sub_expires(t, p->default_expires, &secs))
		return;
	if (p->request && req->body.l) {
		/* A change of state is authenticated like the SUBSCRIBE that made the
		 * dialog, and only its user may make it. */
		const struct sg_user *u = sip_auth_check(t);
		if (!u)
			return;
		if (strcmp(u->id, s->user)) {
			respond(t, 403, "Not the subscription's user", NULL, 0, NULL);
			return;
		}
		answering = s;
		unsigned st = body_request(t, p, u, s->resource);
		answering = NULL;
		if (st)
			return;
	}
	s->rcseq = req->cseq;
	/* A refresh may move the remote target (§4.1.2.1 via RFC 3261 §12.2). */
	const struct sip_hdr *ct = sip_msg_hdr(req, SIP_HDR_CONTACT, NULL);
	struct sip_addr ca;
	if (ct && !sip_addr_parse(&ca, &ct->val, 0, NULL))
		copy_value(&ca.uri_pl, s->rtarget, sizeof(s->rtarget));
	accept_sub(t, s, secs);
	if (!secs) {
		SG_INFO(TAG, "%s of %s for %s: unsubscribed", p->name, s->resource, s->user);
		send_notify(s, "timeout");
	} else if (s->out) {
		s->dirty = true;
	} else {
		send_notify(s, NULL);
	}
}

void sip_sub_subscribe(struct sip_stxn *t)
{
	const struct sip_msg *req = sip_stxn_request(t);
	const struct sip_rx *rx = sip_stxn_rx(t);
	const struct sip_hdr *eh;
	struct sip_event ev;
	/* §8.2.1 / §7.2.1: a SUBSCRIBE names exactly one package; we tell which we have. */
	int rc = sip_msg_single(req, SIP_HDR_EVENT, &eh);
	if (rc == -ENOENT) {
		bad_event(t, "Bad Event: no Event header");
		return;
	}
	if (rc || sip_event_parse(&eh->val, &ev)) {
		respond(t, 400, "Bad Event header", NULL, 0, NULL);
		return;
	}
	const struct sip_evpkg *p = find_pkg(&ev.package);
	if (!p) {
		bad_event(t, NULL);
		return;
	}
	if (sip_pl_isset(&req->to.tag)) {
		refresh(t, p);
		return;
	}
	uint32_t secs;
	if (sip_sub_expires(t, p->default_expires, &secs))
		return;
	if (!accepts(req, p)) {
		struct sip_hdr_out h[] = {{"Accept", p->content_type}};
		respond(t, 406, NULL, h, 1, NULL);
		return;
	}
	const struct sg_user *u = sip_auth_check(t);
	if (!u)
		return;
	char resource[64], host[64];
	size_t len;
	if (!sip_pl_isset(&req->ruri.user) || sip_pl_unescape(&req->ruri.user, resource, sizeof(resource) - 1, &len) ||
	    !len) {
		respond(t, 404, "No resource in the Request-URI", NULL, 0, NULL);
		return;
	}
	resource[len] = '\0';
	unsigned st = p->authorize(u, resource);
	if (st) {
		SG_NOTICE(TAG, "%s may not watch %s of %s: %u", u->id, p->name, resource, st);
		respond(t, st, NULL, NULL, 0, NULL);
		return;
	}
	src_host(&rx->src, host, sizeof(host));
	const char *over = secs ? over_limit(u->id, host) : NULL;
	if (over) {
		refused_limit++;
		SG_NOTICE(TAG, "SUBSCRIBE %s of %s from %s (%s) refused: too many %s", p->name, resource, u->id, host,
			  over);
		struct sip_hdr_out h[] = {{"Retry-After", "60"}};
		respond(t, 503, "Too many subscriptions", h, 1, NULL);
		return;
	}
	if (body_request(t, p, u, resource))
		return;
	const struct sip_hdr *ct = sip_msg_hdr(req, SIP_HDR_CONTACT, NULL);
	struct sip_addr ca;
	struct sub *s = calloc(1, sizeof(*s));
	if (!s) {
		respond(t, 500, "Out of memory", NULL, 0, NULL);
		return;
	}
	s->pkg = p;
	s->proto = rx->proto;
	s->peer = rx->src;
	s->rcseq = req->cseq;
	s->lcseq = sip_new_cseq();
	snprintf(s->resource, sizeof(s->resource), "%s", resource);
	snprintf(s->user, sizeof(s->user), "%s", u->id);
	snprintf(s->src_host, sizeof(s->src_host), "%s", host);
	char tov[500];
	const struct sip_hdr *to = sip_msg_hdr(req, SIP_HDR_TO, NULL), *from = sip_msg_hdr(req, SIP_HDR_FROM, NULL);
	if (!ct || sip_addr_parse(&ca, &ct->val, 0, NULL) || ca.star ||
	    copy_value(&ca.uri_pl, s->rtarget, sizeof(s->rtarget)) || copy_value(&to->val, tov, sizeof(tov)) ||
	    copy_value(&from->val, s->remote_hdr, sizeof(s->remote_hdr)) ||
	    copy_value(&req->call_id, s->call_id, sizeof(s->call_id)) ||
	    copy_value(&req->ruri_pl, s->account, sizeof(s->account)) ||
	    route_set(req, s->route, sizeof(s->route)) || sip_new_tag(s->ltag)) {
		free(s);
		respond(t, 400, ct ? "Header too long for a subscription" : "SUBSCRIBE needs a Contact", NULL, 0,
			NULL);
		return;
	}
	snprintf(s->local_hdr, sizeof(s->local_hdr), "%s;tag=%s", tov, s->ltag);
	/* §8.2.1: NOTIFYs carry the Event value of the SUBSCRIBE, id included. */
	if (sip_pl_isset(&ev.id))
		snprintf(s->event, sizeof(s->event), "%s;id=%.*s", p->name, (int)(ev.id.l < 64 ? ev.id.l : 64),
			 ev.id.p);
	else
		snprintf(s->event, sizeof(s->event), "%s", p->name);
	sip_contact_make(s->contact, sizeof(s->contact), s->proto, &s->peer, req->ruri.scheme == SIP_URI_SIPS);
	s->next = subs;
	subs = s;
	nsubs++;
	accept_sub(t, s, secs);
	char src[64];
	SG_INFO(TAG, "%s watches %s of %s from %s for %u s", u->id, p->name, resource,
		sip_sockaddr_str(&rx->src, src, sizeof(src)), secs);
	/* Expires: 0 is a fetch (§4.4.3): the state once, and the subscription ends. */
	send_notify(s, secs ? NULL : "timeout");
}

void sip_sub_notify_in(struct sip_stxn *t)
{
	/* We subscribe to nothing (REFER's implicit subscriptions are ours to notify,
	 * not to receive): §4.1.3, no matching subscription. */
	respond(t, 481, "No such subscription", NULL, 0, NULL);
}

/* --- life --- */

int sip_sub_init(struct sg_module *m)
{
	self = m;
	tick = sg_timer_start(sg_loop_main(), m, TICK_MS, TICK_MS, on_tick, NULL);
	return tick ? 0 : -ENOMEM;
}

void sip_sub_shutdown(void)
{
	while (subs)
		send_notify(subs, "deactivated");
	tick = sg_timer_free(tick);
	npkgs = 0;
	allow_events[0] = '\0';
	refused_limit = 0;
}

void sip_sub_show(struct sg_cli *cli)
{
	sg_cli_printf(cli, "%-16s %-10s %-10s %-8s %-8s %-28s %s\n", "Package", "Resource", "User", "Expires",
		      "NOTIFYs", "Subscriber", "Call-ID");
	for (const struct sub *s = subs; s; s = s->next) {
		char src[64], exp[16];
		snprintf(exp, sizeof(exp), "%us", remaining_s(s));
		sip_sockaddr_str(&s->peer, src, sizeof(src));
		sg_cli_printf(cli, "%-16s %-10s %-10s %-8s %-8lu %-28s %s\n", s->pkg->name, s->resource, s->user, exp,
			      s->notifies, src, s->call_id);
	}
	sg_cli_printf(cli, "%u subscription%s (limits: %u in all, %u per user, %u per address; %lu refused)\n",
		      nsubs, nsubs == 1 ? "" : "s", limits.max_total, limits.max_per_user, limits.max_per_source,
		      refused_limit);
}

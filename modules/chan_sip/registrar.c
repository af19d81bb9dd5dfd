/* registrar.c: REGISTER handling on top of auth.c and location.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <strowger/log.h>
#include <strowger/store.h>
#include <strowger/users.h>

#include "auth.h"
#include "dialog_priv.h"
#include "location.h"
#include "message.h"
#include "push.h"
#include "registrar.h"

#define TAG "sip"
#define MAX_CONTACTS 16

static struct sip_registrar_limits limits = {60, 7200, 3600};

void sip_registrar_set_limits(const struct sip_registrar_limits *l) { limits = *l; }

static void answer(struct sip_stxn *t, unsigned status, const char *reason)
{
	struct sip_resp_opts o = {.status = status, .reason = reason};
	sip_stxn_respond(t, &o);
}

/* Answers 200 listing every binding of the AOR with its remaining time (§10.3 8),
 * and with Feature-Caps when `pns` names a push service we serve (RFC 8599). */
static void answer_bindings(struct sip_stxn *t, const char *aor, const char *pns)
{
	const struct sip_binding *b[SIP_LOC_MAX_PER_AOR];
	size_t n = sip_loc_lookup(aor, b, SIP_LOC_MAX_PER_AOR);
	char values[SIP_LOC_MAX_PER_AOR][600], caps[64];
	struct sip_hdr_out h[SIP_LOC_MAX_PER_AOR + 1];
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < n; i++) {
		snprintf(values[i], sizeof(values[i]), "<%s>;expires=%lld", b[i]->contact,
			 (long long)(b[i]->expires_at - now));
		h[i] = (struct sip_hdr_out){"Contact", values[i]};
	}
	if (pns) {
		snprintf(caps, sizeof(caps), "*;+sip.pns=\"%s\"", pns);
		h[n++] = (struct sip_hdr_out){"Feature-Caps", caps};
	}
	struct sip_resp_opts o = {.status = 200, .hdrs = h, .nhdrs = n};
	sip_stxn_respond(t, &o);
}

/* A REGISTER whose 200 waits for the store to commit the bindings it changed,
 * so that a registration a phone was told about survives even kill -9. */
struct pending_reg {
	struct pending_reg *next;
	struct sip_stxn *t; /* NULL once the transaction went away (shutdown) */
	char aor[64];
	size_t nlive;
	char live[MAX_CONTACTS][512];
	int sync_rc; /* what its X-Strowger-Sync asked (message.h) */
	uint64_t sync_last;
};

static struct pending_reg *pending;

/* The 200 with the bindings, then what waits for the phone (stored messages). */
static void answer_registered(struct sip_stxn *t, const char *aor, const char *const *live, size_t nlive,
			      int sync_rc, uint64_t sync_last)
{
	/* RFC 8599: a push binding this REGISTER made or refreshed is told we will
	 * wake it (when a webhook is set), and the calls held for it go on once
	 * the phone has its answer. */
	const struct sip_binding *push[MAX_CONTACTS];
	size_t npush = 0;
	const char *pns = NULL;
	for (size_t i = 0; i < nlive && sip_push_enabled(); i++) {
		const struct sip_binding *b = sip_loc_find(aor, live[i]);
		if (b && b->pn.provider[0])
			pns = b->pn.provider;
		if (b && b->pn.prid[0])
			push[npush++] = b;
	}
	answer_bindings(t, aor, pns);
	for (size_t i = 0; i < npush; i++)
		sip_push_registered(push[i]);
	/* After the 200: the phone learns it is registered before messages reach it. */
	sip_message_registered_sync(aor, live, nlive, sync_rc, sync_last);
}

static void pending_unlink(struct pending_reg *p)
{
	for (struct pending_reg **pp = &pending; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			return;
		}
}

static void reg_gone(struct sip_stxn *t, void *arg)
{
	(void)t;
	struct pending_reg *p = arg;
	p->t = NULL;
}

static void reg_committed(int err, void *arg)
{
	struct pending_reg *p = arg;
	pending_unlink(p);
	if (err)
		SG_ERROR(TAG, "%s: registration not stored: %s (it holds until the PBX stops)", p->aor,
			 strerror(-err));
	if (p->t) {
		sip_stxn_set_owner(p->t, NULL, NULL);
		const char *live[MAX_CONTACTS];
		for (size_t i = 0; i < p->nlive; i++)
			live[i] = p->live[i];
		answer_registered(p->t, p->aor, live, p->nlive, p->sync_rc, p->sync_last);
	}
	free(p);
}

/* Answers once the store has committed what this REGISTER changed (at once when
 * there is no store, or no memory to wait). */
static void answer_when_stored(struct sip_stxn *t, const char *aor, const char *const *live, size_t nlive)
{
	uint64_t last = 0;
	int sync_rc = sip_message_sync_of(sip_stxn_request(t), &last);
	struct pending_reg *p = calloc(1, sizeof(*p));
	if (p) {
		p->t = t;
		p->sync_rc = sync_rc;
		p->sync_last = last;
		snprintf(p->aor, sizeof(p->aor), "%s", aor);
		for (size_t i = 0; i < nlive && i < MAX_CONTACTS; i++)
			snprintf(p->live[p->nlive++], sizeof(p->live[0]), "%s", live[i]);
		if (sg_store_sync(sip_dlg_module(), reg_committed, p) == 0) {
			sip_stxn_set_owner(t, reg_gone, p);
			p->next = pending;
			pending = p;
			return;
		}
		free(p);
	}
	answer_registered(t, aor, live, nlive, sync_rc, last);
}

void sip_registrar_shutdown(void)
{
	/* Their store callbacks are dropped with the module (sg_store_sync's owner). */
	while (pending) {
		struct pending_reg *p = pending;
		pending = p->next;
		if (p->t)
			sip_stxn_set_owner(p->t, NULL, NULL);
		free(p);
	}
}

struct contact_req {
	char uri[512];
	uint32_t expires;
	unsigned q1000;
	struct sip_pn pn;
};

/* RFC 8599: the push parameters of a Contact. 0, or an answer sent: 400 for a
 * value too long, 555 for a push service not in sip.push.providers (we are the
 * only proxy: no other one would serve it). */
static int contact_push(struct sip_stxn *t, struct contact_req *c)
{
	int rc = sip_push_parse(c->uri, &c->pn);
	if (rc < 0) {
		answer(t, 400, "Contact pn- parameter too long");
		return rc;
	}
	if (rc && sip_push_enabled() && !sip_push_provider_ok(c->pn.provider)) {
		answer(t, 555, "Push Notification Service Not Supported");
		return -ENOTSUP;
	}
	return 0;
}

/* RFC 8599: a phone woken by a push may register from a new address: its binding
 * is the one with the same push parameters, whatever the Contact URI. The old
 * one goes; the new contact takes its place. */
static void push_move(const char *aor, const struct contact_req *c)
{
	const struct sip_binding *b[SIP_LOC_MAX_PER_AOR];
	if (!c->pn.prid[0] || c->expires == 0)
		return;
	size_t n = sip_loc_lookup(aor, b, SIP_LOC_MAX_PER_AOR);
	for (size_t i = 0; i < n; i++)
		if (strcmp(b[i]->contact, c->uri) && !strcmp(b[i]->pn.prid, c->pn.prid) &&
		    !strcasecmp(b[i]->pn.provider, c->pn.provider) && !strcmp(b[i]->pn.param, c->pn.param)) {
			char old[sizeof(b[i]->contact)];
			snprintf(old, sizeof(old), "%s", b[i]->contact);
			sip_loc_remove(aor, old);
			SG_INFO(TAG, "%s: push binding moved from %s to %s", aor, old, c->uri);
			return;
		}
}

void sip_registrar_handle(struct sip_stxn *t)
{
	const struct sip_msg *req = sip_stxn_request(t);
	const struct sip_rx *rx = sip_stxn_rx(t);
	char aor[64];
	size_t len;
	/* §10.3 3: an AOR that is not a SIP address is not one of ours. */
	if (req->to.uri.scheme != SIP_URI_SIP && req->to.uri.scheme != SIP_URI_SIPS) {
		answer(t, 404, "Not a SIP address-of-record");
		return;
	}
	if (!sip_pl_isset(&req->to.uri.user) ||
	    sip_pl_unescape(&req->to.uri.user, aor, sizeof(aor), &len) || len == 0) {
		answer(t, 400, "To has no user part to register");
		return;
	}
	aor[len] = '\0';
	/* Authenticate before saying anything about the AOR: no user enumeration. */
	const struct sg_user *u = sip_auth_check(t);
	if (!u)
		return;
	if (strcmp(u->id, aor)) {
		SG_NOTICE(TAG, "user '%s' tried to register '%s'", u->id, aor);
		answer(t, 403, "You may only register your own user");
		return;
	}

	uint32_t hdr_expires = limits.default_expires;
	int erc = sip_msg_expires(req, &hdr_expires);
	if (erc == -EINVAL) {
		answer(t, 400, "Bad Expires");
		return;
	}
	if (erc)
		hdr_expires = limits.default_expires;

	struct contact_req c[MAX_CONTACTS];
	size_t nc = 0;
	bool star = false;
	for (const struct sip_hdr *h = NULL; (h = sip_msg_hdr(req, SIP_HDR_CONTACT, h));) {
		struct sip_addr a;
		const char *why = NULL;
		if (sip_addr_parse(&a, &h->val, SIP_ADDR_STAR, &why)) {
			answer(t, 400, "Bad Contact");
			return;
		}
		if (a.star) {
			star = true;
			continue;
		}
		if (nc == MAX_CONTACTS) {
			answer(t, 403, "Too many contacts in one REGISTER");
			return;
		}
		uint32_t exp = hdr_expires;
		int rc = sip_addr_expires(&a, &exp);
		if (rc == -EINVAL) {
			answer(t, 400, "Bad Contact expires");
			return;
		}
		if (rc == -ERANGE || rc == -ENOENT)
			exp = hdr_expires;
		unsigned q = 1000;
		if (sip_addr_q(&a, &q) == -EINVAL) {
			answer(t, 400, "Bad Contact q");
			return;
		}
		if (a.uri_pl.l >= sizeof(c[nc].uri)) {
			answer(t, 400, "Contact URI too long");
			return;
		}
		sip_pl_strcpy(&a.uri_pl, c[nc].uri, sizeof(c[nc].uri));
		c[nc].expires = exp > limits.max_expires ? limits.max_expires : exp;
		c[nc].q1000 = q;
		if (contact_push(t, &c[nc]))
			return;
		if (c[nc].expires && c[nc].expires < limits.min_expires) {
			char min[16];
			snprintf(min, sizeof(min), "%u", limits.min_expires);
			struct sip_hdr_out mh[] = {{"Min-Expires", min}};
			struct sip_resp_opts o = {.status = 423, .hdrs = mh, .nhdrs = 1};
			sip_stxn_respond(t, &o);
			return;
		}
		nc++;
	}
	if (star) {
		/* §10.3 6: "*" only alone and with Expires: 0. */
		if (nc || hdr_expires != 0 || erc) {
			answer(t, 400, "Contact * needs Expires: 0 and no other Contact");
			return;
		}
		sip_loc_remove(aor, NULL);
		SG_INFO(TAG, "%s unregistered every contact", aor);
		answer_when_stored(t, aor, NULL, 0);
		return;
	}

	char call_id[160];
	sip_pl_strcpy(&req->call_id, call_id, sizeof(call_id));
	char ua[96] = "";
	const struct sip_hdr *uah = sip_msg_hdr(req, SIP_HDR_USER_AGENT, NULL);
	if (uah)
		sip_pl_strcpy(&uah->val, ua, sizeof(ua));
	int64_t now = (int64_t)time(NULL);
	const char *live[MAX_CONTACTS];
	size_t nlive = 0;
	for (size_t i = 0; i < nc; i++) {
		push_move(aor, &c[i]);
		const struct sip_binding *old = sip_loc_find(aor, c[i].uri);
		/* §10.3 7: an older REGISTER of the same Call-ID arriving late changes nothing. */
		if (old && !strcmp(old->call_id, call_id) && old->cseq >= req->cseq)
			continue;
		if (c[i].expires == 0) {
			if (sip_loc_remove(aor, c[i].uri) == 0)
				SG_INFO(TAG, "%s unregistered %s", aor, c[i].uri);
			continue;
		}
		struct sip_binding b = {.expires_at = now + c[i].expires, .cseq = req->cseq,
					.q1000 = c[i].q1000, .proto = rx->proto, .src = rx->src};
		sip_strcpy(b.aor, sizeof(b.aor), aor);
		sip_strcpy(b.contact, sizeof(b.contact), c[i].uri);
		sip_strcpy(b.call_id, sizeof(b.call_id), call_id);
		sip_strcpy(b.user_agent, sizeof(b.user_agent), ua);
		b.pn = c[i].pn;
		int rc = sip_loc_update(&b);
		if (rc == -ENOSPC) {
			answer(t, 403, "Too many registered contacts for this user");
			return;
		}
		if (rc) {
			answer(t, 500, "Cannot store the registration");
			return;
		}
		if (!old)
			SG_INFO(TAG, "%s registered %s for %u s", aor, c[i].uri, c[i].expires);
		live[nlive++] = c[i].uri;
	}
	if (nc) {
		answer_when_stored(t, aor, live, nlive);
	} else { /* a query: nothing to store */
		uint64_t last = 0;
		int sync_rc = sip_message_sync_of(req, &last);
		answer_registered(t, aor, live, nlive, sync_rc, last);
	}
}

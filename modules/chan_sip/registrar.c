/* registrar.c: REGISTER handling on top of auth.c and location.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <strowger/log.h>
#include <strowger/users.h>

#include "auth.h"
#include "location.h"
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
	if (pns && pns[0]) {
		snprintf(caps, sizeof(caps), "*;+sip.pns=\"%s\"", pns);
		h[n++] = (struct sip_hdr_out){"Feature-Caps", caps};
	}
	struct sip_resp_opts o = {.status = 200, .hdrs = h, .nhdrs = n};
	sip_stxn_respond(t, &o);
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
		answer_bindings(t, aor, NULL);
		return;
	}

	char call_id[160];
	sip_pl_strcpy(&req->call_id, call_id, sizeof(call_id));
	char ua[96] = "";
	const struct sip_hdr *uah = sip_msg_hdr(req, SIP_HDR_USER_AGENT, NULL);
	if (uah)
		sip_pl_strcpy(&uah->val, ua, sizeof(ua));
	int64_t now = (int64_t)time(NULL);
	const char *pns = NULL;
	for (size_t i = 0; i < nc; i++) {
		if (c[i].pn.provider[0] && sip_push_enabled())
			pns = c[i].pn.provider;
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
	}
	answer_bindings(t, aor, pns);
	/* Calls held for a push go on once the phone has its answer (RFC 8599 §6). */
	for (size_t i = 0; i < nc; i++) {
		const struct sip_binding *b = c[i].pn.prid[0] ? sip_loc_find(aor, c[i].uri) : NULL;
		if (b)
			sip_push_registered(b);
	}
}

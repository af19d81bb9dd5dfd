/*
 * publish.c: PUBLISH (RFC 3903) for presence (publish.h). What each request does
 * follows RFC 3903 §6's table: no SIP-If-Match and a body is an initial
 * publication, SIP-If-Match without a body a refresh, with one a modification,
 * with Expires: 0 a removal. Every success gets a new entity tag (§6 step 8).
 * Checks come cheapest first: the Event, Expires and size need no credentials.
 * Composition policy: an initial publication whose tuples (by id) cover all of
 * an older publication's replaces it; see sip_pidf_covers().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/users.h>

#include "auth.h"
#include "pidf.h"
#include "publish.h"
#include "sip_fields.h"
#include "sip_msg.h"
#include "sip_print.h"
#include "sub_pkg.h"
#include "txn_client.h"

#define TAG "sip"
#define TICK_MS 1000

struct pub {
	struct pub *next;
	char user[64];
	char etag[SIP_TAG_SIZE];
	char *doc;
	size_t len;
	uint64_t expires_ms, changed_ms; /* loop clock */
};

static struct pub *pubs;
static unsigned npubs;
static struct sg_timer *tick;

static uint64_t now_ms(void) { return sg_loop_now_ms(sg_loop_main()); }

static void pub_free(struct pub *p)
{
	for (struct pub **pp = &pubs; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	npubs--;
	free(p->doc);
	free(p);
}

static void respond(struct sip_stxn *t, unsigned status, const char *reason, const struct sip_hdr_out *h,
		    size_t nh)
{
	struct sip_resp_opts o = {.status = status, .reason = reason, .hdrs = h, .nhdrs = nh};
	sip_stxn_respond(t, &o);
}

static void answer_ok(struct sip_stxn *t, const char *etag, unsigned secs)
{
	char exp[16];
	snprintf(exp, sizeof(exp), "%u", secs);
	struct sip_hdr_out h[] = {{"SIP-ETag", etag}, {"Expires", exp}};
	respond(t, 200, NULL, h, 2);
}

static struct pub *find(const char *user, const struct sip_pl *etag)
{
	for (struct pub *p = pubs; p; p = p->next)
		if (!strcmp(p->user, user) && sip_pl_eq_str(etag, p->etag))
			return p;
	return NULL;
}

/* The body, checked: 0, or a status already answered. */
static unsigned check_body(struct sip_stxn *t, const struct sip_msg *req)
{
	if (!req->has_ctype || !sip_ctype_is(&req->ctype, "application", "pidf+xml")) {
		struct sip_hdr_out h[] = {{"Accept", SIP_PIDF_TYPE}};
		respond(t, 415, NULL, h, 1);
		return 415;
	}
	char why[200], reason[240];
	if (sip_pidf_check(req->body.p, req->body.l, why, sizeof(why))) {
		snprintf(reason, sizeof(reason), "Bad PIDF: %s", why);
		respond(t, 400, reason, NULL, 0);
		return 400;
	}
	return 0;
}

static int set_doc(struct pub *p, const struct sip_pl *body)
{
	char *doc = malloc(body->l + 1);
	if (!doc)
		return -ENOMEM;
	memcpy(doc, body->p, body->l);
	doc[body->l] = '\0';
	free(p->doc);
	p->doc = doc;
	p->len = body->l;
	return 0;
}

/* A publication with SIP-If-Match: refresh, modify or remove. */
static void update(struct sip_stxn *t, const struct sip_msg *req, const char *user, const struct sip_pl *etag,
		   uint32_t secs)
{
	struct pub *p = find(user, etag);
	if (!p) {
		SG_INFO(TAG, "PUBLISH presence of %s: no publication %.*s", user, (int)(etag->l < 40 ? etag->l : 40),
			etag->p);
		respond(t, 412, NULL, NULL, 0);
		return;
	}
	if (!secs) {
		char old[SIP_TAG_SIZE];
		snprintf(old, sizeof(old), "%s", p->etag);
		pub_free(p);
		SG_INFO(TAG, "%s removed its presence publication %s", user, old);
		answer_ok(t, old, 0);
		sip_presence_changed(user);
		return;
	}
	bool modify = req->body.l > 0;
	if (modify && check_body(t, req))
		return;
	char etag_new[SIP_TAG_SIZE];
	if (sip_new_tag(etag_new) || (modify && set_doc(p, &req->body))) {
		respond(t, 500, "Out of memory", NULL, 0);
		return;
	}
	memcpy(p->etag, etag_new, sizeof(etag_new));
	p->expires_ms = now_ms() + (uint64_t)secs * 1000;
	if (modify)
		p->changed_ms = now_ms();
	SG_INFO(TAG, "%s %s its presence publication (%s, %u s)", user, modify ? "modified" : "refreshed", p->etag,
		secs);
	answer_ok(t, p->etag, secs);
	if (modify)
		sip_presence_changed(user);
}

static void initial(struct sip_stxn *t, const struct sip_msg *req, const char *user, uint32_t secs)
{
	if (!secs) {
		respond(t, 400, "Expires: 0 needs SIP-If-Match", NULL, 0);
		return;
	}
	if (!req->body.l) {
		respond(t, 400, "PUBLISH without SIP-If-Match needs a body", NULL, 0);
		return;
	}
	if (check_body(t, req))
		return;
	/* A new publication of the very tuples an older one of the user holds (a
	 * phone that restarted, or sent two initial PUBLISHes at once) takes its
	 * place: the older could only come back, stale, once the newer is gone. */
	for (struct pub *p = pubs, *next; p; p = next) {
		next = p->next;
		if (!strcmp(p->user, user) && sip_pidf_covers(req->body.p, req->body.l, p->doc, p->len)) {
			SG_INFO(TAG, "%s: a new publication of the same tuples replaces %s", user, p->etag);
			pub_free(p);
		}
	}
	unsigned mine = 0;
	for (const struct pub *p = pubs; p; p = p->next)
		mine += !strcmp(p->user, user);
	if (mine >= SIP_PUBLISH_MAX_PER_USER || npubs >= SIP_PUBLISH_MAX_TOTAL) {
		SG_NOTICE(TAG, "PUBLISH presence of %s refused: too many publications %s", user,
			  mine >= SIP_PUBLISH_MAX_PER_USER ? "for this user" : "in all");
		struct sip_hdr_out h[] = {{"Retry-After", "60"}};
		respond(t, 503, "Too many publications", h, 1);
		return;
	}
	struct pub *p = calloc(1, sizeof(*p));
	if (!p || sip_new_tag(p->etag) || set_doc(p, &req->body)) {
		free(p);
		respond(t, 500, "Out of memory", NULL, 0);
		return;
	}
	snprintf(p->user, sizeof(p->user), "%s", user);
	p->changed_ms = now_ms();
	p->expires_ms = p->changed_ms + (uint64_t)secs * 1000;
	p->next = pubs;
	pubs = p;
	npubs++;
	SG_INFO(TAG, "%s published its presence (%s, %zu bytes, %u s, Call-ID %.*s)", user, p->etag, p->len, secs,
		(int)(req->call_id.l < 80 ? req->call_id.l : 80), req->call_id.p);
	answer_ok(t, p->etag, secs);
	sip_presence_changed(user);
}

void sip_publish(struct sip_stxn *t)
{
	const struct sip_msg *req = sip_stxn_request(t);
	const struct sip_hdr *eh, *im;
	struct sip_event ev;
	int rc = sip_msg_single(req, SIP_HDR_EVENT, &eh);
	if (rc == -ENOENT || (!rc && !sip_event_parse(&eh->val, &ev) && !sip_pl_caseeq_str(&ev.package, "presence"))) {
		/* §6 step 2: we compose presence only. */
		struct sip_hdr_out h[] = {{"Allow-Events", "presence"}};
		respond(t, 489, rc ? "Bad Event: no Event header" : NULL, h, 1);
		return;
	}
	if (rc || sip_event_parse(&eh->val, &ev)) {
		respond(t, 400, "Bad Event header", NULL, 0);
		return;
	}
	uint32_t secs;
	/* RFC 3903 §4.1 leaves the default to the package; presence: an hour. */
	if (sip_sub_expires(t, 3600, &secs))
		return;
	if (req->body.l > SIP_PUBLISH_MAX_BODY) {
		char reason[64];
		snprintf(reason, sizeof(reason), "Request Entity Too Large: over %u bytes", SIP_PUBLISH_MAX_BODY);
		respond(t, 413, reason, NULL, 0);
		return;
	}
	im = NULL;
	if (sip_msg_single(req, SIP_HDR_SIP_IF_MATCH, &im) == -EEXIST) {
		respond(t, 400, "More than one SIP-If-Match", NULL, 0);
		return;
	}
	const struct sg_user *u = sip_auth_check(t);
	if (!u)
		return;
	char resource[64];
	size_t len;
	if (!sip_pl_isset(&req->ruri.user) || sip_pl_unescape(&req->ruri.user, resource, sizeof(resource) - 1, &len) ||
	    !len) {
		respond(t, 404, "No user in the Request-URI", NULL, 0);
		return;
	}
	resource[len] = '\0';
	/* A user speaks for itself only. */
	if (strcmp(resource, u->id)) {
		SG_NOTICE(TAG, "%s may not publish the presence of %s", u->id, resource);
		respond(t, sg_user_find(resource) ? 403 : 404, NULL, NULL, 0);
		return;
	}
	if (im)
		update(t, req, u->id, &im->val, secs);
	else
		initial(t, req, u->id, secs);
}

size_t sip_publish_docs(const char *user, const char **docs, size_t *lens, size_t max)
{
	const struct pub *mine[SIP_PUBLISH_MAX_PER_USER];
	size_t n = 0;
	for (const struct pub *p = pubs; p && n < SIP_PUBLISH_MAX_PER_USER; p = p->next) {
		if (strcmp(p->user, user))
			continue;
		/* By change time, the latest first. */
		size_t i = n++;
		for (; i > 0 && mine[i - 1]->changed_ms < p->changed_ms; i--)
			mine[i] = mine[i - 1];
		mine[i] = p;
	}
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++) {
		docs[i] = mine[i]->doc;
		lens[i] = mine[i]->len;
	}
	return n;
}

void sip_publish_show(struct sg_cli *cli, const char *user)
{
	uint64_t now = now_ms();
	for (const struct pub *p = pubs; p; p = p->next) {
		if (user && strcmp(user, p->user))
			continue;
		sg_cli_printf(cli, "  published %-24s %-7s %5zu bytes, expires in %llus\n", p->etag,
			      sip_pidf_basic(p->doc, p->len), p->len,
			      (unsigned long long)(p->expires_ms > now ? (p->expires_ms - now + 999) / 1000 : 0));
	}
}

static void on_tick(struct sg_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	uint64_t now = now_ms();
	for (struct pub *p = pubs, *next; p; p = next) {
		next = p->next;
		if (now < p->expires_ms)
			continue;
		char user[64];
		snprintf(user, sizeof(user), "%s", p->user);
		SG_INFO(TAG, "presence publication %s of %s expired", p->etag, user);
		pub_free(p);
		sip_presence_changed(user);
	}
}

int sip_publish_init(struct sg_module *self)
{
	tick = sg_timer_start(sg_loop_main(), self, TICK_MS, TICK_MS, on_tick, NULL);
	return tick ? 0 : -ENOMEM;
}

void sip_publish_shutdown(void)
{
	while (pubs)
		pub_free(pubs);
	tick = sg_timer_free(tick);
}

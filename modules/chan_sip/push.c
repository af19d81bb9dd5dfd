/* push.c: RFC 8599 push wake-up: the webhook request and the legs it holds. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <strowger/cli.h>
#include <strowger/config.h>
#include <strowger/log.h>
#include <strowger/loop.h>

#include "http_post.h"
#include "push.h"
#include "sip_uri.h"

#define TAG "sip"
#define MAX_PROVIDERS 8
#define WEBHOOK_MAX_MS 5000 /* a webhook slower than this has failed */

struct push_cfg {
	bool on;
	char url[300];
	struct sip_sockaddr dst;
	char host[80], path[256];
	unsigned timeout_s;
	char providers[MAX_PROVIDERS][32];
	size_t nproviders;
};

static struct push_cfg cfg;
static struct sg_module *owner;

struct sip_push_hold {
	struct sip_push_hold *prev, *next; /* in `held` while waiting */
	bool held;
	struct sip_binding b; /* the binding as it was when the dial began */
	char call_id[160];
	uint64_t since_ms;
	struct sg_timer *timer;
	struct sip_http *http;
	bool pushed; /* the webhook answered 2xx */
	sip_push_release_fn *fn;
	void *arg;
};

static struct sip_push_hold *held;

/* --- settings --- */

/* "http://127.0.0.1:8088/push" into cfg's address, Host and path. */
static int parse_url(struct push_cfg *c, const char *url, char *err, size_t errlen)
{
	static const char scheme[] = "http://";
	if (strncasecmp(url, scheme, sizeof(scheme) - 1)) {
		snprintf(err, errlen, "settings.sip.push.webhook = \"%s\": write \"http://ADDRESS:PORT/PATH\"%s", url,
			 strncasecmp(url, "https:", 6) ? "" : " (https is not built)");
		return -EINVAL;
	}
	const char *host = url + sizeof(scheme) - 1, *slash = strchr(host, '/');
	size_t hl = slash ? (size_t)(slash - host) : strlen(host);
	if (hl == 0 || hl >= sizeof(c->host) || strlen(slash ? slash : "/") >= sizeof(c->path) ||
	    strlen(url) >= sizeof(c->url)) {
		snprintf(err, errlen, "settings.sip.push.webhook = \"%s\": too long or no address", url);
		return -EINVAL;
	}
	memcpy(c->host, host, hl);
	c->host[hl] = '\0';
	snprintf(c->path, sizeof(c->path), "%s", slash ? slash : "/");
	snprintf(c->url, sizeof(c->url), "%s", url);
	/* A numeric address only: resolving a name would block the loop. */
	if (sip_sockaddr_parse(c->host, 80, &c->dst)) {
		snprintf(err, errlen,
			 "settings.sip.push.webhook = \"%s\": the host must be an IP address (\"127.0.0.1:8088\", "
			 "\"[::1]:8088\"), not a name",
			 url);
		return -EINVAL;
	}
	for (const char *p = c->path; *p; p++)
		if (*p <= ' ' || *p >= 127) {
			snprintf(err, errlen, "settings.sip.push.webhook = \"%s\": the path must be printable ASCII", url);
			return -EINVAL;
		}
	return 0;
}

int sip_push_configure(struct sg_module *self, char *err, size_t errlen)
{
	struct push_cfg c = {.timeout_s = 10};
	const char *url = NULL;
	long long t;
	owner = self;
	if (sg_config_int("sip.push.timeout", &t)) {
		if (t < 1 || t > 120) {
			snprintf(err, errlen, "settings.sip.push.timeout = %lld: from 1 to 120 seconds", t);
			return -EINVAL;
		}
		c.timeout_s = (unsigned)t;
	}
	size_t np = sg_config_list_len("sip.push.providers");
	if (np > MAX_PROVIDERS) {
		snprintf(err, errlen, "settings.sip.push.providers: at most %d", MAX_PROVIDERS);
		return -EINVAL;
	}
	for (size_t i = 0; i < np; i++) {
		const char *p = sg_config_list_get("sip.push.providers", i);
		if (!p || !*p || strlen(p) >= sizeof(c.providers[0]) || strpbrk(p, " \t;\"=,")) {
			snprintf(err, errlen, "settings.sip.push.providers: \"%s\" is not a provider name (\"apns\", \"fcm\", "
				 "\"webpush\")", p ? p : "");
			return -EINVAL;
		}
		snprintf(c.providers[c.nproviders++], sizeof(c.providers[0]), "%s", p);
	}
	if (sg_config_string("sip.push.webhook", &url)) {
		if (parse_url(&c, url, err, errlen))
			return -EINVAL;
		c.on = true;
	}
	cfg = c;
	return 0;
}

bool sip_push_enabled(void) { return cfg.on; }

bool sip_push_provider_ok(const char *provider)
{
	if (!cfg.nproviders)
		return true;
	for (size_t i = 0; i < cfg.nproviders; i++)
		if (!strcasecmp(cfg.providers[i], provider))
			return true;
	return false;
}

/* --- Contact URI parameters --- */

static bool is_pn_param(const struct sip_pl *name)
{
	return name->l > 3 && !strncasecmp(name->p, "pn-", 3);
}

int sip_push_parse(const char *uri, struct sip_pn *pn)
{
	struct sip_uri u;
	memset(pn, 0, sizeof(*pn));
	if (sip_uri_parse(&u, uri, strlen(uri), NULL))
		return 0;
	struct sip_pl it = u.params;
	struct sip_uri_param p;
	while (sip_uri_param_next(&it, &p) == 1) {
		char *to = NULL;
		size_t size = 0;
		if (sip_pl_caseeq_str(&p.name, "pn-provider"))
			to = pn->provider, size = sizeof(pn->provider);
		else if (sip_pl_caseeq_str(&p.name, "pn-prid"))
			to = pn->prid, size = sizeof(pn->prid);
		else if (sip_pl_caseeq_str(&p.name, "pn-param"))
			to = pn->param, size = sizeof(pn->param);
		if (!to || !sip_pl_isset(&p.val))
			continue;
		if (p.val.l >= size)
			return -EINVAL;
		sip_pl_strcpy(&p.val, to, size);
	}
	return pn->provider[0] != '\0';
}

void sip_push_strip(const char *uri, char *out, size_t size)
{
	struct sip_uri u;
	if (sip_uri_parse(&u, uri, strlen(uri), NULL) || !sip_pl_isset(&u.params)) {
		snprintf(out, size, "%s", uri);
		return;
	}
	size_t head = (size_t)(u.params.p - uri), off;
	off = (size_t)snprintf(out, size, "%.*s", (int)head, uri);
	struct sip_pl it = u.params;
	struct sip_uri_param p;
	while (off < size && sip_uri_param_next(&it, &p) == 1) {
		if (is_pn_param(&p.name))
			continue;
		size_t l = sip_pl_isset(&p.val) ? (size_t)(p.val.p + p.val.l - p.name.p) : p.name.l;
		off += (size_t)snprintf(out + off, size - off, ";%.*s", (int)l, p.name.p);
	}
	const char *tail = u.params.p + u.params.l;
	if (off < size)
		snprintf(out + off, size - off, "%s", tail);
}

/* --- the webhook --- */

/* Appends "key":"value" with JSON escapes. */
static size_t json_field(char *out, size_t size, size_t off, const char *key, const char *val)
{
	if (off >= size)
		return off;
	off += (size_t)snprintf(out + off, size - off, "%s\"%s\":\"", off > 1 ? "," : "", key);
	for (const unsigned char *p = (const unsigned char *)val; *p && off + 8 < size; p++) {
		if (*p == '"' || *p == '\\')
			off += (size_t)snprintf(out + off, size - off, "\\%c", *p);
		else if (*p < 0x20)
			off += (size_t)snprintf(out + off, size - off, "\\u%04x", *p);
		else
			out[off++] = (char)*p;
	}
	if (off < size)
		off += (size_t)snprintf(out + off, size - off, "\"");
	return off;
}

/* A value as written in the URI (%-escaped) in its plain form. */
static void unescape(const char *in, char *out, size_t size)
{
	struct sip_pl pl = {in, strlen(in)};
	size_t len;
	if (sip_pl_unescape(&pl, out, size, &len))
		snprintf(out, size, "%s", in);
	else
		out[len] = '\0';
}

static void unlink_hold(struct sip_push_hold *h)
{
	if (!h->held)
		return;
	*(h->prev ? &h->prev->next : &held) = h->next;
	if (h->next)
		h->next->prev = h->prev;
	h->prev = h->next = NULL;
	h->held = false;
	h->timer = sg_timer_free(h->timer);
	h->http = sip_http_cancel(h->http);
}

/* The leg goes on: out of the list, then its owner hears it (and may free it). */
static void release(struct sip_push_hold *h, const struct sip_binding *fresh)
{
	unlink_hold(h);
	h->fn(h->arg, fresh);
}

static void on_webhook(void *arg, unsigned status, const char *why)
{
	struct sip_push_hold *h = arg;
	h->http = NULL; /* it freed itself */
	if (status >= 200 && status < 300) {
		h->pushed = true;
		SG_INFO(TAG, "push: the webhook took the wake-up of %s (HTTP %u); waiting up to %u s for it to register",
			h->b.aor, status, cfg.timeout_s);
		return;
	}
	char reason[80];
	if (status)
		snprintf(reason, sizeof(reason), "HTTP %u", status);
	SG_NOTICE(TAG, "push: webhook %s failed for %s (call %s): %s; calling its contact as registered now", cfg.url,
		  h->b.aor, h->call_id, status ? reason : why);
	release(h, NULL);
}

static void on_timeout(struct sg_timer *t, void *arg)
{
	(void)t;
	struct sip_push_hold *h = arg;
	SG_NOTICE(TAG, "push: %s did not register within %u s of the push (call %s); calling %s as registered",
		  h->b.aor, cfg.timeout_s, h->call_id, h->b.contact);
	release(h, NULL);
}

struct sip_push_hold *sip_push_prepare(const struct sip_binding *b)
{
	if (!cfg.on || !b->pn.prid[0] || !b->pn.provider[0])
		return NULL;
	struct sip_push_hold *h = calloc(1, sizeof(*h));
	if (h)
		h->b = *b;
	return h;
}

int sip_push_start(struct sip_push_hold *h, const char *call_id, const char *from, sip_push_release_fn *fn,
		   void *arg)
{
	char body[2048], prid[sizeof(h->b.pn.prid)], param[sizeof(h->b.pn.param)];
	unescape(h->b.pn.prid, prid, sizeof(prid));
	unescape(h->b.pn.param, param, sizeof(param));
	size_t off = (size_t)snprintf(body, sizeof(body), "{");
	off = json_field(body, sizeof(body), off, "user", h->b.aor);
	off = json_field(body, sizeof(body), off, "provider", h->b.pn.provider);
	off = json_field(body, sizeof(body), off, "prid", prid);
	off = json_field(body, sizeof(body), off, "param", param);
	off = json_field(body, sizeof(body), off, "call_id", call_id);
	off = json_field(body, sizeof(body), off, "from", from);
	off = json_field(body, sizeof(body), off, "reason", "call");
	if (off + 2 >= sizeof(body))
		return -ENAMETOOLONG;
	off += (size_t)snprintf(body + off, sizeof(body) - off, "}");
	snprintf(h->call_id, sizeof(h->call_id), "%s", call_id);
	h->fn = fn;
	h->arg = arg;
	struct sip_http_req r = {.dst = cfg.dst, .host = cfg.host, .path = cfg.path,
				 .content_type = "application/json", .body = body, .body_len = off,
				 .timeout_ms = cfg.timeout_s * 1000 < WEBHOOK_MAX_MS ? cfg.timeout_s * 1000 : WEBHOOK_MAX_MS};
	int rc = sip_http_post(owner, &r, on_webhook, h, &h->http);
	if (rc == 0 && !(h->timer = sg_timer_start(sg_loop_main(), owner, cfg.timeout_s * 1000ull, 0, on_timeout, h))) {
		h->http = sip_http_cancel(h->http);
		rc = -ENOMEM;
	}
	if (rc) {
		SG_NOTICE(TAG, "push: webhook %s failed for %s (call %s): %s; calling its contact as registered now",
			  cfg.url, h->b.aor, call_id, strerror(-rc));
		return rc;
	}
	h->since_ms = sg_loop_now_ms(sg_loop_main());
	h->held = true;
	h->next = held;
	if (held)
		held->prev = h;
	held = h;
	SG_INFO(TAG, "push: waking %s (%s) for call %s from %s; its INVITE waits", h->b.aor, h->b.pn.provider, call_id,
		from);
	return 0;
}

bool sip_push_held(const struct sip_push_hold *h) { return h && h->held; }

struct sip_push_hold *sip_push_free(struct sip_push_hold *h)
{
	if (h) {
		unlink_hold(h);
		free(h);
	}
	return NULL;
}

void sip_push_registered(const struct sip_binding *b)
{
	if (!b->pn.prid[0])
		return;
	/* From the head each time: a release may end other legs of the same call. */
	for (;;) {
		struct sip_push_hold *h = held;
		while (h && (strcmp(h->b.aor, b->aor) || strcmp(h->b.pn.prid, b->pn.prid) ||
			     strcasecmp(h->b.pn.provider, b->pn.provider)))
			h = h->next;
		if (!h)
			return;
		SG_INFO(TAG, "push: %s registered again after %llu ms (%s): the INVITE of call %s goes there", b->aor,
			(unsigned long long)(sg_loop_now_ms(sg_loop_main()) - h->since_ms), b->contact, h->call_id);
		release(h, b);
	}
}

void sip_push_shutdown(void)
{
	while (held)
		unlink_hold(held);
	cfg = (struct push_cfg){0};
}

void sip_push_show(struct sg_cli *cli)
{
	if (cfg.on)
		sg_cli_printf(cli, "Webhook %s, wait up to %u s for the phone to register\n", cfg.url, cfg.timeout_s);
	else
		sg_cli_printf(cli, "No webhook (settings.sip.push.webhook): push bindings are called at once\n");
	sg_cli_printf(cli, "%-10s %-8s %-26s %-30s %-8s %s\n", "User", "Provider", "PRID", "Call-ID", "Waited", "Webhook");
	size_t n = 0;
	uint64_t now = sg_loop_now_ms(sg_loop_main());
	for (const struct sip_push_hold *h = held; h; h = h->next, n++)
		sg_cli_printf(cli, "%-10s %-8s %-26.26s %-30.30s %-8.1f %s\n", h->b.aor, h->b.pn.provider, h->b.pn.prid,
			      h->call_id, (double)(now - h->since_ms) / 1000.0,
			      h->pushed ? "accepted" : h->http ? "waiting" : "-");
	sg_cli_printf(cli, "%zu held leg%s\n", n, n == 1 ? "" : "s");
}

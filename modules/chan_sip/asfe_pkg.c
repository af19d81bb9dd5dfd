/*
 * asfe_pkg.c: the as-feature-event package, so that desk phones' DND and
 * forward keys show and change the same state as the dialplan and the console
 * (the core's features.h). A phone subscribes to its own user (the resource is
 * the Request-URI's user; watching another user's keys gets 403); every NOTIFY
 * carries the whole state, DND and the three forwards, as a multipart/mixed body.
 * A SUBSCRIBE with a SetDoNotDisturb or SetForwarding body changes the state; the
 * change reaches every subscriber of that user, and the dialplan uses it at once.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <strowger/features.h>
#include <strowger/log.h>
#include <strowger/users.h>

#include "asfe_xml.h"
#include "sip_fields.h"
#include "sip_msg.h"
#include "sub_pkg.h"

#define TAG "sip"

static unsigned authorize(const struct sg_user *u, const char *resource)
{
	if (!sg_user_find(resource))
		return 404;
	return strcmp(u->id, resource) ? 403 : 0;
}

static int body(const char *resource, const char *account, unsigned version, char *out, size_t size)
{
	(void)account;
	(void)version;
	struct sg_features f;
	int rc = sg_features_get(resource, &f);
	return rc ? rc : asfe_write(resource, &f, out, size);
}

static unsigned request(const struct sg_user *u, const char *resource, const struct sip_msg *req,
			const char *src);

static const struct sip_evpkg feature_event = {
	.name = "as-feature-event",
	.content_type = ASFE_TYPE,
	.notify_type = ASFE_NOTIFY_TYPE,
	.default_expires = 3600,
	.authorize = authorize,
	.body = body,
	.request = request,
};

/* A body SUBSCRIBE: 0 once the change is made, or the status refusing it. */
static unsigned request(const struct sg_user *u, const char *resource, const struct sip_msg *req,
			const char *src)
{
	(void)u;
	const struct sip_hdr *ct = sip_msg_hdr(req, SIP_HDR_CONTENT_TYPE, NULL);
	struct sip_ctype t;
	if (!ct || sip_ctype_parse(&ct->val, &t) || !sip_pl_caseeq_str(&t.type, "application") ||
	    !sip_pl_caseeq_str(&t.subtype, "x-as-feature-event+xml"))
		return 415;
	struct asfe_req r;
	const char *why = NULL;
	if (asfe_parse(req->body.p, req->body.l, &r, &why)) {
		SG_NOTICE(TAG, "as-feature-event of %s from %s refused: %s", resource, src, why);
		return 400;
	}
	if (r.device[0] && strcmp(r.device, resource)) {
		SG_NOTICE(TAG, "as-feature-event of %s from %s refused: the body names device %s", resource, src,
			  r.device);
		return 403;
	}
	char by[96];
	snprintf(by, sizeof(by), "phone at %s", src);
	int rc;
	if (!r.forwarding) {
		rc = sg_features_set_dnd(resource, r.on, by);
	} else {
		rc = r.ring_count && r.kind == SG_FWD_NOANSWER
			     ? sg_features_set_noanswer_time(resource, r.ring_count * ASFE_RING_S, by)
			     : 0;
		if (!rc)
			rc = sg_features_set_forward(resource, r.kind, r.on, r.dest, by);
	}
	if (rc) {
		SG_NOTICE(TAG, "as-feature-event of %s from %s refused: %s", resource, src,
			  rc == -EINVAL ? "forwarding on without a usable forwardDN" : strerror(-rc));
		return rc == -EINVAL ? 400 : 500;
	}
	return 0;
}

static void on_change(const char *user, const struct sg_features *f, void *arg)
{
	(void)f;
	(void)arg;
	sip_sub_changed(&feature_event, user);
}

int sip_asfe_init(struct sg_module *self)
{
	int rc = sip_evpkg_register(&feature_event);
	return rc ? rc : sg_features_watch(self, on_change, NULL);
}

void sip_asfe_shutdown(void)
{
	sg_features_unwatch(on_change, NULL);
}

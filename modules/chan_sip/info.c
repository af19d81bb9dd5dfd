/*
 * info.c: INFO between the two SIP legs of a call (RFC 6086). An INFO naming an
 * Info-Package goes on to the other phone when that phone announced the package
 * in its Recv-Info, with its body, and the other phone's final response comes
 * back as the answer; a package the other phone did not announce gets 469 Bad
 * Info Package. A legacy INFO (no Info-Package, RFC 6086 §2) that is not DTMF
 * goes on as it is when the call has another SIP phone (it decides: its own 415
 * or 200 comes back), else 415. DTMF INFO is handled in dialog.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/log.h>

#include "dialog_priv.h"

#define TAG "sip"

/* Our answer waits for the other phone's; the server transaction may go first. */
struct info_relay {
	struct sip_stxn *t;
	char to_tag[SIP_TAG_SIZE];
};

static void relay_gone(struct sip_stxn *t, void *arg)
{
	(void)t;
	struct info_relay *r = arg;
	r->t = NULL;
}

static void on_response(struct sip_ctxn *c, const struct sip_msg *resp, void *arg)
{
	(void)c;
	struct info_relay *r = arg;
	if (resp->status < 200)
		return;
	if (r->t) {
		char reason[96];
		snprintf(reason, sizeof(reason), "%.*s", SIP_PL_ARGS(resp->status_phrase));
		struct sip_resp_opts o = {.status = resp->status, .reason = reason[0] ? reason : NULL,
					  .to_tag = r->to_tag};
		sip_stxn_set_owner(r->t, NULL, NULL);
		sip_stxn_respond(r->t, &o);
	}
	free(r);
}

/* Whether a comma-separated list holds name (case-insensitive, trimmed). */
static bool list_has(const char *list, const struct sip_pl *name)
{
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		struct sip_pl item = sip_pl_trim(sip_pl_make(p, n));
		if (sip_pl_caseeq(&item, name))
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

void sip_info_recv_info(struct sip_dlg *d, const struct sip_msg *m)
{
	const struct sip_hdr *h = NULL;
	bool any = false;
	size_t off = 0;
	char buf[sizeof(d->recv_info)] = "";
	while ((h = sip_msg_hdr_by_name(m, "Recv-Info", h))) {
		any = true;
		struct sip_pl v = sip_pl_trim(h->val);
		if (!v.l || off + v.l + 3 >= sizeof(buf))
			continue;
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%.*s", off ? ", " : "", SIP_PL_ARGS(v));
	}
	/* RFC 6086 §5.2.2: a request without Recv-Info leaves the set as it was. */
	if (any)
		snprintf(d->recv_info, sizeof(d->recv_info), "%s", buf);
}

void sip_info_relay(struct sip_stxn *t, struct sip_dlg *d, struct sip_dlg *peer)
{
	const struct sip_msg *req = sip_stxn_request(t);
	const struct sip_hdr *pkg = sip_msg_hdr_by_name(req, "Info-Package", NULL);
	struct sip_pl name = pkg ? sip_pl_trim(pkg->val) : (struct sip_pl){0};
	char pkgv[64] = "";
	if (pkg) {
		/* Info-Package = token *(;param): the name before any parameter. */
		size_t i = 0;
		while (i < name.l && name.p[i] != ';' && name.p[i] != ' ' && name.p[i] != '\t')
			i++;
		name.l = i;
		if (!name.l || name.l >= sizeof(pkgv) || sip_msg_hdr_by_name(req, "Info-Package", pkg)) {
			sip_dlg_respond(t, d, 400, "One Info-Package, please");
			return;
		}
		sip_dlg_copy_value(&pkg->val, pkgv, sizeof(pkgv));
		if (!peer || peer->terminated || !list_has(peer->recv_info, &name)) {
			/* §4.2.2: a package the receiver did not announce (here: the other
			 * phone, which the PBX speaks for). Recv-Info lists what we take. */
			SG_INFO(TAG, "%s: INFO package %.*s: the other phone did not announce it: 469", sg_chan_name(d->ch),
				SIP_PL_ARGS(name));
			struct sip_hdr_out h[] = {{"Recv-Info", d->recv_info_ours}};
			struct sip_resp_opts o = {.status = 469, .to_tag = d->ltag, .hdrs = h, .nhdrs = 1};
			sip_stxn_respond(t, &o);
			return;
		}
	} else if (!peer || peer->terminated) {
		struct sip_hdr_out h[] = {{"Accept", "application/dtmf-relay, application/dtmf"}};
		struct sip_resp_opts o = {.status = 415, .to_tag = d->ltag, .hdrs = h, .nhdrs = 1};
		sip_stxn_respond(t, &o);
		return;
	}
	char ctype[128] = "", disp[128] = "";
	const struct sip_hdr *ct = sip_msg_hdr(req, SIP_HDR_CONTENT_TYPE, NULL);
	const struct sip_hdr *cd = sip_msg_hdr(req, SIP_HDR_CONTENT_DISPOSITION, NULL);
	if (ct)
		sip_dlg_copy_value(&ct->val, ctype, sizeof(ctype));
	if (cd)
		sip_dlg_copy_value(&cd->val, disp, sizeof(disp));
	struct info_relay *r = calloc(1, sizeof(*r));
	if (!r) {
		sip_dlg_respond(t, d, 500, "Out of memory");
		return;
	}
	r->t = t;
	snprintf(r->to_tag, sizeof(r->to_tag), "%s", d->ltag);
	struct sip_hdr_out h[2];
	size_t n = 0;
	if (pkgv[0])
		h[n++] = (struct sip_hdr_out){"Info-Package", pkgv};
	if (disp[0])
		h[n++] = (struct sip_hdr_out){"Content-Disposition", disp};
	int rc = sip_dlg_send(peer, "INFO", h, n, req->body.l && ctype[0] ? ctype : NULL, req->body.l ? req->body.p : NULL,
			      ctype[0] ? req->body.l : 0, on_response, r);
	if (rc) {
		free(r);
		sip_dlg_respond(t, d, 500, "Cannot pass the INFO on");
		return;
	}
	sip_stxn_set_owner(t, relay_gone, r);
	SG_INFO(TAG, "%s: INFO%s%s passed on to %s", sg_chan_name(d->ch), pkgv[0] ? " package " : " (legacy)", pkgv,
		sg_chan_name(peer->ch));
}

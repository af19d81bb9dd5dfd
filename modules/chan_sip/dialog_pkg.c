/*
 * dialog_pkg.c: the dialog event package (RFC 4235), what busy-lamp-field keys
 * on desk phones subscribe to. The resource is a user ("102"); its state is the
 * core's list of that user's legs (devstate.h), each a <dialog> early,
 * confirmed or terminated, written by dialog_info.c, full state every time.
 * chan_sip tells the core which user a SIP leg belongs to (the resolver below:
 * the authenticated caller's user for incoming legs, the rung user for outgoing
 * legs to registered contacts). A terminated leg is also kept here a few
 * seconds, so a subscriber whose NOTIFY was in flight when the call ended still
 * sees it end rather than vanish. Who may watch whom: settings.sip.blf_any.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <strowger/devstate.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/users.h>

#include "dialog_info.h"
#include "dialog_priv.h"
#include "sip_addr.h"
#include "sub_pkg.h"

#define TAG "sip"
#define MAX_LEGS_SHOWN 32
#define LINGER_MS 5000
#define LINGER_MAX 64

static bool blf_any = true;
static const struct sg_chan_tech *sip_tech;

/* Recently terminated legs, oldest first; their start_ms and answer_ms are
 * set to when they ended (a terminated dialog shows no call length). */
static struct sg_leg ended[LINGER_MAX];
static size_t nended;

void sip_blf_configure(bool any) { blf_any = any; }

unsigned sip_blf_authorize(const struct sg_user *u, const char *resource)
{
	if (!sg_user_find(resource))
		return 404;
	return !strcmp(u->id, resource) || blf_any ? 0 : 403;
}

static uint64_t now_ms(void) { return sg_loop_now_ms(sg_loop_main()); }

static void prune_ended(uint64_t now)
{
	size_t keep = 0;
	for (size_t i = 0; i < nended; i++)
		if (now - ended[i].start_ms < LINGER_MS)
			ended[keep++] = ended[i];
	nended = keep;
}

static int body(const char *user, const char *account, unsigned version, char *out, size_t size)
{
	const struct sg_leg *live[MAX_LEGS_SHOWN], *all[MAX_LEGS_SHOWN + LINGER_MAX];
	uint64_t now = now_ms();
	prune_ended(now);
	size_t n = sg_devstate_legs(user, live, MAX_LEGS_SHOWN), m = 0;
	if (n > MAX_LEGS_SHOWN)
		n = MAX_LEGS_SHOWN;
	/* Ended legs first (they are the older), unless the core still lists them. */
	for (size_t i = 0; i < nended; i++) {
		if (strcmp(ended[i].party.user, user))
			continue;
		bool listed = false;
		for (size_t j = 0; j < n; j++)
			listed |= live[j]->id == ended[i].id;
		if (listed)
			continue;
		all[m++] = &ended[i];
	}
	for (size_t j = 0; j < n; j++)
		all[m++] = live[j];
	return sip_dinfo_write(out, size, account, version, all, m, now);
}

/* RFC 4235 §3.7: an hour when the subscriber names no duration. */
static const struct sip_evpkg dialog_pkg = {
	.name = "dialog",
	.content_type = SIP_DINFO_TYPE,
	.default_expires = 3600,
	.authorize = sip_blf_authorize,
	.body = body,
};

static void on_leg(const struct sg_leg *l, void *arg)
{
	(void)arg;
	SG_DEBUG(TAG, "%s: leg %u of %s is %s", l->channel, l->id, l->party.user, sg_leg_state_name(l->state));
	if (l->state == SG_LEG_TERMINATED) {
		uint64_t now = now_ms();
		prune_ended(now);
		if (nended == LINGER_MAX)
			memmove(&ended[0], &ended[1], --nended * sizeof(*ended));
		ended[nended] = *l;
		ended[nended].start_ms = ended[nended].answer_ms = now;
		nended++;
	}
	sip_sub_changed(&dialog_pkg, l->party.user);
}

/* The name and URI of a From or To value ("Alice" <sip:1000@pbx>;tag=x). */
static void party_of(const char *hdr, struct sg_leg_party *p)
{
	struct sip_addr a;
	struct sip_pl pl = {hdr, strlen(hdr)};
	size_t len;
	if (sip_addr_parse(&a, &pl, 0, NULL))
		return;
	sip_pl_strcpy(&a.uri_pl, p->remote_uri, sizeof(p->remote_uri));
	if (!sip_pl_isset(&a.dname))
		p->remote_name[0] = '\0';
	else if (!a.dname_quoted)
		sip_pl_strcpy(&a.dname, p->remote_name, sizeof(p->remote_name));
	else if (!sip_pl_unquote(&a.dname, p->remote_name, sizeof(p->remote_name) - 1, &len))
		p->remote_name[len] = '\0';
}

/* The tag parameter of a From or To value, or "". */
static void tag_of(const char *hdr, char *out, size_t size)
{
	struct sip_addr a;
	struct sip_pl pl = {hdr, strlen(hdr)};
	out[0] = '\0';
	if (!sip_addr_parse(&a, &pl, 0, NULL) && sip_pl_isset(&a.tag))
		sip_pl_strcpy(&a.tag, out, size);
}

/* The B2BUA's side of each leg is what the phone sees as the other party: our To
 * on an incoming leg (the number it dialled), our From on an outgoing one (the
 * caller we present). */
static int resolve(struct sg_channel *ch, struct sg_leg_party *p)
{
	const struct sip_dlg *d = sg_chan_pvt(ch);
	if (!d || !d->user[0])
		return -ENOENT;
	snprintf(p->user, sizeof(p->user), "%s", d->user);
	p->dir = d->uac ? SG_LEG_RECIPIENT : SG_LEG_INITIATOR;
	if (d->local_hdr[0])
		party_of(d->local_hdr, p);
	snprintf(p->call_id, sizeof(p->call_id), "%s", d->call_id);
	/* Tags as the phone names them: its own, then ours. */
	if (d->uac)
		tag_of(d->remote_hdr, p->local_tag, sizeof(p->local_tag));
	else
		snprintf(p->local_tag, sizeof(p->local_tag), "%s", d->rtag);
	snprintf(p->remote_tag, sizeof(p->remote_tag), "%s", d->ltag);
	return 0;
}

int sip_dialog_pkg_init(struct sg_module *self)
{
	int rc;
	sip_tech = sg_chan_tech_find("SIP");
	if (!sip_tech)
		return -ENOENT;
	if ((rc = sip_evpkg_register(&dialog_pkg)) || (rc = sg_devstate_resolver(self, sip_tech, resolve)))
		return rc;
	rc = sg_devstate_watch(self, on_leg, NULL);
	if (rc)
		sg_devstate_resolver_remove(sip_tech);
	return rc;
}

void sip_dialog_pkg_shutdown(void)
{
	sg_devstate_unwatch(on_leg, NULL);
	if (sip_tech)
		sg_devstate_resolver_remove(sip_tech);
	sip_tech = NULL;
	nended = 0;
}

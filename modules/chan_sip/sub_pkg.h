/*
 * sub_pkg.h: event packages (RFC 6665 §7) as chan_sip's notifier knows them. A
 * package names itself (the Event header's token), the body type its NOTIFYs
 * carry, its default subscription length, who may watch what, and how the current
 * state of a resource is written. subscribe.c keeps the table, answers SUBSCRIBE
 * for every package in it (489 for the rest) and sends the NOTIFYs; a package only
 * calls sip_sub_changed() when a resource's state changes. message-summary
 * (mwi_pkg.c) is the first; dialog and presence plug in the same way. chan_sip
 * only; main thread.
 */
#ifndef CHAN_SIP_SUB_PKG_H
#define CHAN_SIP_SUB_PKG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sg_module;
struct sip_stxn;
struct sg_user;
struct sip_msg;

struct sip_evpkg {
	const char *name;	  /* "message-summary" */
	const char *content_type; /* of the NOTIFY bodies: "application/simple-message-summary" */
	unsigned default_expires; /* seconds, when the SUBSCRIBE names none */
	/* May user u watch resource (the Request-URI's user part, unescaped)? 0, or
	 * the SIP status refusing it (403, 404). */
	unsigned (*authorize)(const struct sg_user *u, const char *resource);
	/* The resource's current state as a body; account is the URI the subscriber
	 * asked for (its Request-URI, safe to print, not XML-escaped); version counts
	 * the bodies this subscription was sent, from 0 (RFC 4235's version; 0 out of
	 * any dialog). Length, or -errno. */
	int (*body)(const char *resource, const char *account, unsigned version, char *out, size_t size);
	/* Optional: the NOTIFYs' Content-Type when it is not content_type itself
	 * (as-feature-event sends multipart/mixed of the content_type parts). */
	const char *notify_type;
	/* Optional: a SUBSCRIBE carrying a body asks the package to change the
	 * resource (as-feature-event: a phone's DND key). Called after authorize,
	 * before the subscription is made or refreshed; src names the sender for the
	 * log. 0, or the SIP status refusing it (400, 415); NULL: bodies are ignored. */
	unsigned (*request)(const struct sg_user *u, const char *resource, const struct sip_msg *req,
			    const char *src);
};

/* The largest NOTIFY body a package may write. */
#define SIP_SUB_BODY_MAX 16384

/* Adds a package to the table (at load). 0, -EEXIST, -ENOSPC. */
int sip_evpkg_register(const struct sip_evpkg *p);
/* Tells every subscriber of (p, resource) the new state: a NOTIFY each. */
void sip_sub_changed(const struct sip_evpkg *p, const char *resource);
/* The state out of any dialog, as a NOTIFY to each registered contact of the
 * user named like the resource that has no subscription to it (phones set up
 * for unsolicited notifications). Returns how many went out. */
size_t sip_sub_unsolicited(const struct sip_evpkg *p, const char *resource);
/* The Expires of a SUBSCRIBE or PUBLISH (default_s when it has none) within
 * sub_min_expires..sub_max_expires: 0 and *secs, or the status already answered
 * (400 for a bad value, 423 with Min-Expires below the minimum). */
unsigned sip_sub_expires(struct sip_stxn *t, unsigned default_s, uint32_t *secs);
/* Whether anybody subscribes to (p, resource) now. */
bool sip_sub_watched(const struct sip_evpkg *p, const char *resource);

/* asfe_pkg.c: the as-feature-event package (phones' DND and forward keys,
 * over the core's features.h). 0 or -errno. */
int sip_asfe_init(struct sg_module *self);
void sip_asfe_shutdown(void);

/* mwi_pkg.c: the message-summary package (RFC 3842) and the `mwi` console
 * commands. 0 or -errno. */
int sip_mwi_init(struct sg_module *self);
void sip_mwi_shutdown(void);
/* settings.sip.mwi_any_box: any authenticated user may watch any box;
 * mwi_unsolicited: changes also go to the box user's registered phones that
 * have no subscription. */
void sip_mwi_configure(bool any_box, bool unsolicited);

/* dialog_pkg.c: the dialog package (RFC 4235, busy-lamp fields) over the
 * core's per-user call state (devstate.h). 0 or -errno. */
int sip_dialog_pkg_init(struct sg_module *self);
void sip_dialog_pkg_shutdown(void);
/* settings.sip.blf_any: any authenticated user may watch any user's calls and
 * presence (true); false: only its own. Both packages follow it. */
void sip_blf_configure(bool any);
/* The rule both packages apply: 0, 404 (no such user) or 403. */
unsigned sip_blf_authorize(const struct sg_user *u, const char *resource);

/* presence_pkg.c: the presence package (PIDF, RFC 3863): a user's published
 * state (publish.c), else derived from its registrations and calls; the
 * `presence show` console command. 0 or -errno. */
int sip_presence_init(struct sg_module *self);
void sip_presence_shutdown(void);
/* A user's published state changed (publish.c): its watchers hear it. */
void sip_presence_changed(const char *user);

#endif

/*
 * push.h: waking phones with push notifications (RFC 8599). A phone (a mobile app
 * that the OS suspends) registers a Contact carrying pn-provider, pn-prid and
 * perhaps pn-param; registrar.c keeps them with the binding and answers with
 * Feature-Caps: +sip.pns. When the dialplan dials the user, the leg to such a
 * binding holds its INVITE: we POST the call to the admin's webhook (settings
 * sip.push.webhook, which talks to APNs or FCM), and the leg goes on when the
 * phone, woken, registers again with the same pn-prid (the INVITE then goes to
 * the contact it registered now), or when sip.push.timeout passes, or at once
 * when the webhook fails (both: to the contact as registered). Main thread only.
 */
#ifndef CHAN_SIP_PUSH_H
#define CHAN_SIP_PUSH_H

#include <stdbool.h>
#include <stddef.h>

#include "location.h"

struct sg_cli;
struct sg_module;
struct sip_push_hold;

/* Reads settings.sip.push; 0, or -EINVAL with the reason in err (the settings
 * in force stay). */
int sip_push_configure(struct sg_module *self, char *err, size_t errlen);
/* Drops every held leg (unload); their owners still free their handles. */
void sip_push_shutdown(void);

/* The pn-* parameters of a Contact URI into *pn (cleared first): true when it
 * names a pn-provider. -EINVAL when a value does not fit. */
int sip_push_parse(const char *uri, struct sip_pn *pn);
/* Whether a webhook is set: we wake phones (and say so in Feature-Caps). */
bool sip_push_enabled(void);
/* Whether sip.push.providers lists the provider (all are taken when unset). */
bool sip_push_provider_ok(const char *provider);
/* The URI without its pn-* parameters: what requests to the phone carry, so the
 * push token (a secret that can wake the phone) goes no further (RFC 8599 §4.1). */
void sip_push_strip(const char *uri, char *out, size_t size);

/* Called with the leg's handle once: fresh is the binding the phone just
 * registered (the INVITE goes there), or NULL (timed out, or the webhook
 * failed: the binding as it was). The owner still frees the handle. */
typedef void sip_push_release_fn(void *arg, const struct sip_binding *fresh);

/* A handle for a leg to a push binding, or NULL when b is not one, push is not
 * configured, or memory is short (the leg then calls at once). */
struct sip_push_hold *sip_push_prepare(const struct sip_binding *b);
/* Sends the push request and holds the leg: 0, or -errno (logged) when the leg
 * should call at once. call_id and from go into the webhook's JSON. */
int sip_push_start(struct sip_push_hold *h, const char *call_id, const char *from, sip_push_release_fn *fn,
		   void *arg);
/* Whether the leg is held now. */
bool sip_push_held(const struct sip_push_hold *h);
/* Stops waiting (no release call) and frees; returns NULL. */
struct sip_push_hold *sip_push_free(struct sip_push_hold *h);
/* registrar.c, after a REGISTER refreshed or added b (and was answered): the legs
 * held for its user and pn-prid go on to it. */
void sip_push_registered(const struct sip_binding *b);
/* "sip show push": the settings and the legs held now. */
void sip_push_show(struct sg_cli *cli);

#endif

/*
 * publish.h: PUBLISH (RFC 3903) for the presence package: the PBX is the event
 * state compositor. A user publishes its own presence (a PIDF document) and gets
 * an entity tag (SIP-ETag) and an expiry; with SIP-If-Match it refreshes (no
 * body), modifies (a body) or removes (Expires: 0) that publication; an unknown or
 * expired tag gets 412. Publications are kept in memory only (a restart forgets
 * them; phones publish again when they re-register or refresh), at most
 * SIP_PUBLISH_MAX_PER_USER per user and SIP_PUBLISH_MAX_TOTAL in all, bodies up
 * to SIP_PUBLISH_MAX_BODY bytes (413 above). Main thread.
 */
#ifndef CHAN_SIP_PUBLISH_H
#define CHAN_SIP_PUBLISH_H

#include <stddef.h>

#include "txn.h"

struct sg_cli;
struct sg_module;

#define SIP_PUBLISH_MAX_BODY 4096
#define SIP_PUBLISH_MAX_PER_USER 4
#define SIP_PUBLISH_MAX_TOTAL 2000

int sip_publish_init(struct sg_module *self);
void sip_publish_shutdown(void);
void sip_publish(struct sip_stxn *t);
/* The user's published documents, the latest change first: at most max; returns
 * how many. Valid until the next PUBLISH or expiry. */
size_t sip_publish_docs(const char *user, const char **docs, size_t *lens, size_t max);
/* One line per publication of user (all users when NULL). */
void sip_publish_show(struct sg_cli *cli, const char *user);

#endif

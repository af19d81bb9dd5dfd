/*
 * subscribe.h: SUBSCRIBE and NOTIFY (RFC 6665) for chan_sip, the notifier side.
 * An authenticated SUBSCRIBE for a registered event package creates a
 * subscription dialog: 200 with the granted Expires, then at once a NOTIFY with
 * the state; a refresh in the dialog moves the expiry and sends the state again;
 * Expires: 0 ends it (a final NOTIFY); so does expiry, and a NOTIFY answered with
 * an error or not at all. Limits: subscriptions in total, per user and per source
 * address. A NOTIFY that matches none of them is answered 481. Main thread.
 */
#ifndef CHAN_SIP_SUBSCRIBE_H
#define CHAN_SIP_SUBSCRIBE_H

#include "txn.h"

struct sg_cli;
struct sg_module;

struct sip_sub_limits {
	unsigned min_expires, max_expires; /* 423 below min; longer asks get max */
	unsigned max_total, max_per_user, max_per_source;
};

int sip_sub_init(struct sg_module *self);
/* Every subscription ends (a final NOTIFY, reason deactivated). */
void sip_sub_shutdown(void);
void sip_sub_set_limits(const struct sip_sub_limits *l);
void sip_sub_subscribe(struct sip_stxn *t);
void sip_sub_notify_in(struct sip_stxn *t);
/* "message-summary, dialog": the packages, for Allow-Events. */
const char *sip_sub_allow_events(void);
void sip_sub_show(struct sg_cli *cli);

#endif

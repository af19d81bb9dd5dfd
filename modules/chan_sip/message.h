/*
 * message.h: MESSAGE (RFC 3428), page mode, between the PBX's users. An
 * authenticated MESSAGE to a user is checked (size, Content-Type), routed by the
 * dialplan's global on_message(msg) when it defines one, appended to the target's
 * message log (message_store.h: a sequence number each) and answered 202; the PBX
 * then sends it to each of the target's registered contacts, one message at a time
 * per user so they arrive in order, and marks it delivered on the first 2xx. A
 * message nobody took stays pending and goes out on the user's next REGISTER. A
 * REGISTER carrying "X-Strowger-Sync: N" asks for every stored message after N, in
 * order, to the contact it registers (incremental sync); so does a MESSAGE from
 * a user to itself with that header, for the contacts registered from where it
 * came. Each delivered MESSAGE carries its number in "X-Strowger-Seq". Main
 * thread only.
 */
#ifndef CHAN_SIP_MESSAGE_H
#define CHAN_SIP_MESSAGE_H

#include "txn.h"

struct sg_module;

int sip_message_init(struct sg_module *self);
void sip_message_shutdown(void);
/* max_size: largest body accepted (413 above); history: messages kept per user. */
void sip_message_set_limits(unsigned max_size, unsigned history);
void sip_message_handle(struct sip_stxn *t);
/* A REGISTER of aor was accepted, adding or refreshing these contact URIs: sends
 * what is pending, or syncs those contacts when the request asks for it. */
void sip_message_registered(const struct sip_msg *req, const char *aor, const char *const *contacts, size_t n);
/* The same in two steps, for a REGISTER answered later (registrar.c waits for the
 * store): what its X-Strowger-Sync asks (0 and *last, -ENOENT without one,
 * -EINVAL when unreadable), then the delivery once the 200 is out. */
int sip_message_sync_of(const struct sip_msg *req, uint64_t *last);
void sip_message_registered_sync(const char *aor, const char *const *contacts, size_t n, int rc, uint64_t last);

#endif

/*
 * message_store.h: every user's message log for MESSAGE (RFC 3428), kept in memory
 * and written through the core store (namespace sip_messages) so it survives a
 * restart. Each message a user is sent gets the next number of that user's
 * sequence: strictly increasing, persisted, never reused (the last number given is
 * stored apart from the messages, so removing messages cannot bring it back). A
 * message is pending until a phone of the user answered it with a 2xx, then
 * delivered; delivered messages stay as history for incremental sync. The log is
 * bounded per user: the oldest delivered messages make room, and a user with that
 * many messages still pending gets no more (-ENOSPC). Main thread only.
 */
#ifndef CHAN_SIP_MESSAGE_STORE_H
#define CHAN_SIP_MESSAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sg_cli;
struct sg_module;

struct sip_im {
	uint64_t seq;
	int64_t time; /* when it was accepted, seconds since the epoch */
	bool delivered;
	char from[64];	/* the sending user's id */
	char ctype[128];
	char *body;
	size_t len;
	struct sip_im *next; /* the user's next message, higher seq */
};

int sip_imstore_init(struct sg_module *self);
void sip_imstore_shutdown(void);
/* Messages kept per user (delivered and pending together). */
void sip_imstore_set_history(unsigned max);

/* Appends a message to user's log with the next sequence number. 0, -ENOSPC (the
 * user has the maximum pending already), -ENOMEM, or the store's -EAGAIN. */
int sip_imstore_add(const char *user, const char *from, const char *ctype, const void *body, size_t len,
		    const struct sip_im **out);
/* The first of user's messages with a number above after (pending_only: the first
 * pending one), or NULL. */
const struct sip_im *sip_imstore_next(const char *user, uint64_t after, bool pending_only);
/* Marks one message (or, with upto, every pending one up to seq) delivered. */
void sip_imstore_delivered(const char *user, uint64_t seq, bool upto);
/* The last number given to user (0: none yet); how many are stored and pending. */
uint64_t sip_imstore_last(const char *user, size_t *stored, size_t *pending);
void sip_imstore_show(struct sg_cli *cli, const char *user);

#endif

/*
 * vm_mail.h: voicemail to e-mail. After a message is saved, a box with an `email`
 * gets a MIME mail with the WAV attached, sent through settings.voicemail.smtp's
 * relay by a non-blocking SMTP client on the main loop (one mail at a time, a
 * bounded queue, a timeout per reply). A mail that cannot be sent is logged with
 * the reason and not retried; the message stays in the box. Main thread only.
 */
#ifndef VM_MAIL_H
#define VM_MAIL_H

#include "vm_box.h"

/* Reads settings.voicemail.smtp (at load and reload); logs what is wrong with it. */
void vm_mail_config(struct sg_module *self);
/* Queues the mail for message m of box b, just saved to INBOX, if the box has an
 * address and a relay is configured. */
void vm_mail_saved(const struct vm_box *b, const struct vm_msg *m);
/* Drops the queue and the connection (module unload). */
void vm_mail_stop(void);

#endif

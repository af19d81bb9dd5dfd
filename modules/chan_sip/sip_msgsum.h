/*
 * sip_msgsum.h: the application/simple-message-summary body (RFC 3842 §5), the
 * state of a voice mailbox in a NOTIFY: "Messages-Waiting: yes|no", the account
 * (optional) and "Voice-Message: new/old". Pure (libc only) for the unit tests.
 */
#ifndef SIP_MSGSUM_H
#define SIP_MSGSUM_H

#include <stddef.h>

#define SIP_MSGSUM_TYPE "application/simple-message-summary"

/* Writes the body (CRLF line ends) into out, NUL-terminated; account (a SIP URI
 * without CR/LF, or NULL) becomes Message-Account. Returns its length, or -ENOSPC
 * (or -EINVAL for an account holding CR or LF). */
int sip_msgsum_format(char *out, size_t size, const char *account, unsigned new_msgs, unsigned old_msgs);

#endif

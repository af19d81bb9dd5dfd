/*
 * sip_dtmf.h: DTMF carried in SIP INFO requests. Two body formats are in use:
 * application/dtmf-relay ("Signal=5\r\nDuration=160\r\n", keys in any case, spaces
 * around '=', LF or CRLF line ends, unknown keys ignored) and application/dtmf (the
 * body is the digit alone). A signal is 0-9, *, #, A-D (any case) or ! (flash), or
 * the event numbers 10-16 some phones send for * # A B C D and flash. The parser
 * reads a view of the received body and keeps nothing; the printer writes our own
 * dtmf-relay body into the caller's buffer. Pure (libc only, no state): any thread.
 * Not wired into chan_sip's INFO handling yet.
 */
#ifndef SIP_DTMF_H
#define SIP_DTMF_H

#include "sip_pl.h"

#define SIP_DTMF_RELAY_TYPE "application/dtmf-relay"
#define SIP_DTMF_PLAIN_TYPE "application/dtmf"
#define SIP_DTMF_DEFAULT_MS 250 /* the duration when the body gives none (or 0) */
#define SIP_DTMF_MAX_MS 65535	/* a larger Duration is refused */

enum sip_dtmf_format {
	SIP_DTMF_RELAY = 1, /* application/dtmf-relay */
	SIP_DTMF_PLAIN = 2, /* application/dtmf */
};

struct sip_dtmf {
	char digit; /* '0'-'9', '*', '#', 'A'-'D', '!' */
	unsigned duration_ms;
};

/* The format a Content-Type value names (media type in any case; parameters and
 * white space ignored), or -EINVAL for any other type. */
int sip_dtmf_format_of(const struct sip_pl *content_type);
/* Reads a body of the given format: 0 with *out filled, or -EINVAL (no signal, a
 * signal twice, an unknown signal, a bad duration, a line without '='). */
int sip_dtmf_parse(enum sip_dtmf_format format, const struct sip_pl *body, struct sip_dtmf *out);
/* Writes "Signal=D\r\nDuration=N\r\n" (flash as Signal=16, a-d as A-D, duration 0 as
 * the default), NUL-terminated. Returns the length, -EINVAL for a digit that is no
 * signal, -ENOSPC if size is too small. */
int sip_dtmf_print(char *buf, size_t size, char digit, unsigned duration_ms);

#endif

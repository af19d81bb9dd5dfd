/*
 * sdp_events.h: the event lists of telephone-event formats (RFC 4733 §2.4.1,
 * "a=fmtp:101 0-15,66"): events 0-255 as a 256-bit set, parsed from and printed to
 * text. Without an a=fmtp, a telephone-event format means events 0-15 (the DTMF
 * digits). Pure functions on caller memory: any thread.
 */
#ifndef SDP_EVENTS_H
#define SDP_EVENTS_H

#include "sdp_str.h"

#define SDP_EVENTS_BYTES 32

/* Bit e (of byte e / 8) is event e. */
struct sdp_events {
	uint8_t bits[SDP_EVENTS_BYTES];
};

/* "0-15,66": values and ranges (low <= high <= 255) separated by commas. An unset
 * list gives the default 0-15. 0 or -EINVAL (then *ev is empty). */
int sdp_events_parse(const struct sdp_str *list, struct sdp_events *ev);
/* Keeps in a only the events also in b; true if any is left. */
bool sdp_events_and(struct sdp_events *a, const struct sdp_events *b);
bool sdp_events_has(const struct sdp_events *ev, unsigned e);
/*
 * Writes the set as a list of values and ranges, NUL-terminated. If it does not fit,
 * it stops before the first item that does not (the list stays a valid subset).
 * Returns the length written.
 */
size_t sdp_events_print(const struct sdp_events *ev, char *out, size_t size);

#endif

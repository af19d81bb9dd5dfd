/* sdp_events.c: telephone-event lists (RFC 4733 §2.4.1) as bit sets. */
#include <errno.h>
#include <stdio.h>

#include "sdp_events.h"

static void set_range(struct sdp_events *ev, unsigned lo, unsigned hi)
{
	for (unsigned e = lo; e <= hi; e++)
		ev->bits[e / 8] |= (uint8_t)(1u << (e % 8));
}

int sdp_events_parse(const struct sdp_str *list, struct sdp_events *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (!list->p) {
		set_range(ev, 0, 15);
		return 0;
	}
	struct sdp_str rest = *list, item, lo, hi;
	bool more = true;
	while (more) {
		more = sdp_str_split(&rest, ',', &item, &rest);
		if (!more)
			item = rest;
		uint32_t a, b;
		if (!sdp_str_split(&item, '-', &lo, &hi))
			lo = hi = item;
		if (sdp_str_u32(&lo, 255, &a) || sdp_str_u32(&hi, 255, &b) || a > b) {
			memset(ev, 0, sizeof(*ev));
			return -EINVAL;
		}
		set_range(ev, a, b);
	}
	return 0;
}

bool sdp_events_and(struct sdp_events *a, const struct sdp_events *b)
{
	bool any = false;
	for (size_t i = 0; i < SDP_EVENTS_BYTES; i++) {
		a->bits[i] &= b->bits[i];
		any |= a->bits[i] != 0;
	}
	return any;
}

bool sdp_events_has(const struct sdp_events *ev, unsigned e)
{
	return e < 256 && (ev->bits[e / 8] >> (e % 8)) & 1u;
}

size_t sdp_events_print(const struct sdp_events *ev, char *out, size_t size)
{
	size_t len = 0;
	if (size == 0)
		return 0;
	out[0] = '\0';
	for (unsigned e = 0; e < 256; e++) {
		if (!sdp_events_has(ev, e))
			continue;
		unsigned end = e;
		while (end + 1 < 256 && sdp_events_has(ev, end + 1))
			end++;
		char item[16];
		int n = end == e ? snprintf(item, sizeof(item), "%s%u", len ? "," : "", e)
				 : snprintf(item, sizeof(item), "%s%u-%u", len ? "," : "", e, end);
		if ((size_t)n >= size - len)
			break;
		memcpy(out + len, item, (size_t)n + 1);
		len += (size_t)n;
		e = end;
	}
	return len;
}

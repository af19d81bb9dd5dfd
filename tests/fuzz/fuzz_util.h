/* fuzz_util.h: helpers shared by the libFuzzer targets in tests/fuzz/. */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "sip_pl.h"

/* A property the code promises; a violation is a bug, reported like a crash. */
#define FUZZ_CHECK(cond)                                                                          \
	do {                                                                                      \
		if (!(cond)) {                                                                    \
			fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                  \
		}                                                                                 \
	} while (0)

static volatile unsigned fuzz_sink;

/* Reads every byte of a view, so ASan reports a view reaching outside the input, and
 * when base is not NULL checks the view lies inside [base, base + len). An unset view
 * (p == NULL) must have length 0. For any view type: sip_pl here, sdp_str in sdp_parser. */
static inline void touch_bytes(const char *p, size_t l, const char *base, size_t len)
{
	unsigned s = 0;
	FUZZ_CHECK(p || l == 0);
	for (size_t i = 0; i < l; i++)
		s += (unsigned char)p[i];
	fuzz_sink += s;
	if (p && base)
		FUZZ_CHECK(p >= base && l <= len && (size_t)(p - base) <= len - l);
}

static inline void touch_pl(const struct sip_pl *pl)
{
	touch_bytes(pl->p, pl->l, NULL, 0);
}

static inline void touch_in(const struct sip_pl *pl, const char *base, size_t len)
{
	touch_bytes(pl->p, pl->l, base, len);
}

#endif

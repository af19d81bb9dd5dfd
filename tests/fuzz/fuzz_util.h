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

/* Reads every byte of a view, so ASan reports a view reaching outside the input.
 * An unset view (p == NULL) must have length 0 (sip_pl.h). */
static inline void touch_pl(const struct sip_pl *pl)
{
	unsigned s = 0;
	FUZZ_CHECK(pl->p || pl->l == 0);
	for (size_t i = 0; i < pl->l; i++)
		s += (unsigned char)pl->p[i];
	fuzz_sink += s;
}

/* Same, and checks the view lies inside [base, base + len). */
static inline void touch_in(const struct sip_pl *pl, const char *base, size_t len)
{
	touch_pl(pl);
	if (pl->p)
		FUZZ_CHECK(pl->p >= base && pl->l <= len && (size_t)(pl->p - base) <= len - pl->l);
}

#endif

/*
 * sip_pl.h: pointer + length views ("pl") into a buffer we do not own. The SIP parser
 * never copies or NUL-terminates what it parses: every field of a parsed message is a
 * sip_pl into the receive buffer, valid as long as that buffer is. An unset view has
 * p == NULL and l == 0; an empty but present one has p != NULL and l == 0.
 * Functions here are pure (libc only) and never read outside [p, p + l).
 */
#ifndef SIP_PL_H
#define SIP_PL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sip_pl {
	const char *p;
	size_t l;
};

/* A view of a string literal: SIP_PL("INVITE"). */
#define SIP_PL(lit) ((struct sip_pl){ (lit), sizeof(lit) - 1 })
/* For printf: printf("%.*s", SIP_PL_ARGS(pl)). */
#define SIP_PL_ARGS(pl) (int)(pl).l, (pl).p

static inline struct sip_pl sip_pl_of(const char *s)
{
	return (struct sip_pl){ s, s ? strlen(s) : 0 };
}

static inline struct sip_pl sip_pl_make(const char *p, size_t l)
{
	return (struct sip_pl){ p, l };
}

static inline bool sip_pl_isset(const struct sip_pl *pl)
{
	return pl->p != NULL;
}

/* Exact (byte) equality; two unset views are equal. */
/* The value of a hex digit, or -1. */
int sip_hexval(unsigned char c);
bool sip_pl_eq(const struct sip_pl *a, const struct sip_pl *b);
/* ASCII case-insensitive equality. */
bool sip_pl_caseeq(const struct sip_pl *a, const struct sip_pl *b);
/* Same, against a C string (NULL matches nothing). */
bool sip_pl_caseeq_str(const struct sip_pl *a, const char *s);
bool sip_pl_eq_str(const struct sip_pl *a, const char *s);
/* ASCII case-insensitive ordering, like strcasecmp (shorter sorts first on a tie). */
int sip_pl_casecmp(const struct sip_pl *a, const struct sip_pl *b);

/* Drops SP, HTAB, CR and LF at both ends (inside a header value, CR and LF only
 * occur in folded lines, where they count as whitespace). */
struct sip_pl sip_pl_trim(struct sip_pl pl);

/* Decimal digits only (no sign, no spaces), value <= max: 0, -EINVAL (empty or not
 * digits) or -ERANGE (larger than max, including any 64-bit overflow). */
int sip_pl_u32(const struct sip_pl *pl, uint32_t max, uint32_t *out);
int sip_pl_u64(const struct sip_pl *pl, uint64_t max, uint64_t *out);

/*
 * Resolves %XX escapes into out (at most size bytes, not NUL-terminated; the result
 * may contain NUL bytes, as %00 is legal in a URI user part). *outlen gets the length.
 * 0, -EINVAL on a malformed escape, -ENOSPC if out is too small.
 */
int sip_pl_unescape(const struct sip_pl *pl, char *out, size_t size, size_t *outlen);
/*
 * Resolves the quoted-pairs (\x) of the inside of a quoted-string (without its DQUOTEs,
 * as the accessors return it) into out. Same return values as sip_pl_unescape.
 */
int sip_pl_unquote(const struct sip_pl *pl, char *out, size_t size, size_t *outlen);

/* Copies into a NUL-terminated C string, truncating to size - 1; returns out. */
char *sip_pl_strcpy(const struct sip_pl *pl, char *out, size_t size);
/* FNV-1a over n bytes: the hash behind chan_sip's tables (transactions, dialogs,
 * registrations). */
uint64_t sip_hash(const void *p, size_t n);
/* Writes v in decimal at p (no NUL), returns the end: for hot paths without printf. */
char *sip_put_dec(char *p, unsigned long v);
/* The same for a C string (snprintf "%s" without the format machinery). */
char *sip_strcpy(char *out, size_t size, const char *s);

#endif

/*
 * sdp_str.h: pointer + length views into an SDP body, and the few operations the SDP
 * code needs on them. The SDP parser (sdp.h) never copies what it parses: each field is
 * a struct sdp_str into the caller's buffer, valid as long as that buffer is, and the
 * structs the offer/answer code builds point into the offer, into the caller's codec
 * table or at string literals. Unset: p == NULL, l == 0; present but empty: p != NULL.
 * Pure functions (libc only), no state: safe on any thread. A separate type from
 * chan_sip's sip_pl because the two modules are separate shared objects.
 */
#ifndef SDP_STR_H
#define SDP_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct sdp_str {
	const char *p;
	size_t l;
};

/* A view of a string literal: SDP_STR("PCMU"). */
#define SDP_STR(lit) ((struct sdp_str){ (lit), sizeof(lit) - 1 })
/* For printf: printf("%.*s", SDP_STR_ARGS(s)). */
#define SDP_STR_ARGS(s) (int)(s).l, (s).p

static inline struct sdp_str sdp_str_of(const char *s)
{
	return (struct sdp_str){ s, s ? strlen(s) : 0 };
}

static inline bool sdp_str_isset(const struct sdp_str *s)
{
	return s->p != NULL;
}

/* Byte equality with a C string (NULL matches nothing). */
bool sdp_str_eq(const struct sdp_str *a, const char *s);
/* ASCII case-insensitive equality: encoding names ("pcmu" is PCMU, RFC 4855 §3). */
bool sdp_str_caseeq(const struct sdp_str *a, const struct sdp_str *b);
bool sdp_str_caseeq_cstr(const struct sdp_str *a, const char *s);

/* Decimal digits only, value <= max: 0, or -EINVAL (empty, not digits) or -ERANGE. */
int sdp_str_u64(const struct sdp_str *s, uint64_t max, uint64_t *out);
int sdp_str_u32(const struct sdp_str *s, uint32_t max, uint32_t *out);

/*
 * Takes the next field of a line whose fields are separated by spaces (SDP uses one
 * SP; runs of them are tolerated): *field gets it, *rest what follows the spaces after
 * it. False when *rest holds no more field.
 */
bool sdp_str_field(struct sdp_str *rest, struct sdp_str *field);

/* Splits at the first c: *before and *after (which excludes c); either may be s.
 * False without c (then nothing is written). */
bool sdp_str_split(const struct sdp_str *s, char c, struct sdp_str *before, struct sdp_str *after);

#endif

/*
 * sdp_crypto.h: SDP Security Descriptions for SRTP (RFC 4568, "SDES"): the a=crypto
 * attribute of an RTP/SAVP stream, read and written, and the base64 of its inline
 * keys (RFC 4648 §4). What Strowger takes:
 *   - the suites AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32 (RFC 4568
 *     §6.2.1, §6.2.2), each with one inline key: base64 of the 16-byte master key
 *     followed by the 14-byte master salt (30 bytes, 40 characters);
 *   - an optional lifetime ("|2^31" or "|1048576"), which is read and kept: the
 *     PBX never re-keys, and libsrtp refuses a key past its own limit;
 *   - the session parameter WSH= (a replay window hint, ignored).
 * Refused with a reason fit for a 488 (the line is then unusable, and an offer may
 * still have another one that is usable): an MKI ("|1:4"), more than one key on a
 * line, another key method than inline, any other session parameter
 * (UNENCRYPTED_SRTP, KDR=, FEC_ORDER=, ...: RFC 4568 §6.3 says a line with one the
 * receiver does not implement is not to be used), another suite.
 * Pure code (libc only), no state: any thread.
 */
#ifndef SDP_CRYPTO_H
#define SDP_CRYPTO_H

#include "sdp.h"

/* Master key (16) || master salt (14) of the AES_CM_128 suites. */
#define SDP_SRTP_KEY_LEN 30

enum sdp_srtp_suite {
	SDP_SRTP_NONE = 0,
	SDP_SRTP_AES_CM_128_HMAC_SHA1_80 = 1,
	SDP_SRTP_AES_CM_128_HMAC_SHA1_32 = 2,
};
#define SDP_SRTP_SUITES 3 /* for tables indexed by suite; 0 unused */

/* One a=crypto line: the tag names it in the answer (RFC 4568 §5.1.2). */
struct sdp_crypto {
	uint32_t tag; /* 1 to 999999999 */
	enum sdp_srtp_suite suite;
	uint8_t key[SDP_SRTP_KEY_LEN];
	uint64_t lifetime; /* packets; 0: not given */
};

/* "AES_CM_128_HMAC_SHA1_80", ...; "" for SDP_SRTP_NONE. */
const char *sdp_srtp_suite_name(enum sdp_srtp_suite s);

/*
 * Parses the value of an a=crypto line (what follows "crypto:"). 0; -ENOTSUP with
 * *why for a well-formed line Strowger cannot use (another suite, an MKI, a session
 * parameter), -EINVAL with *why for a malformed one.
 */
int sdp_crypto_parse(const struct sdp_str *value, struct sdp_crypto *c, const char **why);

/*
 * Walks the a=crypto lines of a stream and takes the first one sdp_crypto_parse()
 * accepts whose tag `want` agrees to (want == NULL: any; else want(tag, suite, arg)
 * returns true). 0, or -ENOENT with *why: the reason the first a=crypto line was
 * refused, or "no a=crypto line" when there is none.
 */
int sdp_crypto_pick(const struct sdp_media *m, bool (*want)(uint32_t tag, enum sdp_srtp_suite s, void *arg),
		    void *arg, struct sdp_crypto *out, const char **why);

/* Writes "a=crypto:TAG SUITE inline:BASE64\r\n" (NUL-terminated): its length, or 0
 * when it does not fit or the suite is none. */
size_t sdp_crypto_print(char *out, size_t size, const struct sdp_crypto *c);

/* RFC 4648 §4 base64 with padding: the length written (NUL-terminated), 0 if no room. */
size_t sdp_base64_encode(const uint8_t *in, size_t n, char *out, size_t size);
/* Decodes padded or unpadded base64: 0 with *n bytes written, -EINVAL (a character
 * outside the alphabet, bad padding, leftover bits) or -ENOSPC. */
int sdp_base64_decode(const struct sdp_str *in, uint8_t *out, size_t size, size_t *n);

#endif

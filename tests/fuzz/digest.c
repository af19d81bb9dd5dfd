/*
 * digest.c: libFuzzer target for sip_digest_parse_credentials() and
 * sip_digest_parse_challenge() (Authorization / WWW-Authenticate values), and what
 * is done with a parse that succeeds (describe, compute, build the answer).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "sip_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parsed string field must be NUL-terminated inside its buffer. */
#define CHECK_STR(f) FUZZ_CHECK(memchr((f), '\0', sizeof(f)) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	static struct sip_digest_credentials cr;
	static struct sip_digest_challenge ch;
	static char out[4096];
	const char *reason = NULL;

	memset(&cr, 0xA5, sizeof(cr)); /* nothing may rely on a zeroed struct */
	int r = sip_digest_parse_credentials(s, size, &cr, &reason);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOTSUP);
	if (r == -EINVAL)
		FUZZ_CHECK(reason != NULL);
	if (r == 0) {
		CHECK_STR(cr.algorithm);
		CHECK_STR(cr.username);
		CHECK_STR(cr.realm);
		CHECK_STR(cr.nonce);
		CHECK_STR(cr.cnonce);
		CHECK_STR(cr.opaque);
		CHECK_STR(cr.uri);
		CHECK_STR(cr.response);
		CHECK_STR(cr.nc_text);
		(void)sip_digest_credentials_describe(&cr, out, sizeof(out));
		(void)sip_digest_alg_name(cr.alg);
		if (cr.alg != SIP_DIGEST_ALG_UNKNOWN) {
			char ha1[SIP_DIGEST_HEX_MAX], resp[SIP_DIGEST_HEX_MAX];
			if (sip_digest_ha1(cr.alg, cr.username, cr.realm, "secret", ha1) == 0) {
				struct sip_digest_input in = {
					.alg = cr.alg, .ha1 = ha1, .nonce = cr.nonce,
					.qop = cr.qop == SIP_DIGEST_QOP_AUTH ? SIP_DIGEST_QOP_AUTH
									     : SIP_DIGEST_QOP_NONE,
					.nc = cr.nc_text, .cnonce = cr.cnonce, .method = "REGISTER",
					.method_len = 8, .uri = cr.uri};
				(void)sip_digest_compute_response(&in, resp);
			}
		}
	}

	reason = NULL;
	memset(&ch, 0xA5, sizeof(ch));
	r = sip_digest_parse_challenge(s, size, &ch, &reason);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOTSUP);
	if (r == -EINVAL)
		FUZZ_CHECK(reason != NULL);
	if (r == 0) {
		CHECK_STR(ch.algorithm);
		CHECK_STR(ch.realm);
		CHECK_STR(ch.nonce);
		CHECK_STR(ch.opaque);
		/* The outbound-registration client answering it. */
		struct sip_digest_client cl = {.username = "alice", .password = "secret",
					       .method = "REGISTER", .uri = "sip:example.com",
					       .cnonce = "0a4f113b", .nc = 1};
		int n = sip_digest_build_credentials(&ch, &cl, out, sizeof(out), &reason);
		if (n >= 0) {
			FUZZ_CHECK((size_t)n < sizeof(out) && out[n] == '\0');
			/* What we send must parse back as credentials. */
			static struct sip_digest_credentials back;
			FUZZ_CHECK(sip_digest_parse_credentials(out, (size_t)n, &back, &reason) == 0);
		}
	}
	return 0;
}

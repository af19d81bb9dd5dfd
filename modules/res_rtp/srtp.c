/* srtp.c: libsrtp2 contexts for one direction of a session (see srtp.h). */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "srtp.h"

_Static_assert(MEDIA_SRTP_ROOM >= SRTP_MAX_TRAILER_LEN + 4, "room for the SRTCP trailer");

struct media_srtp {
	srtp_t ctx;
	enum sdp_srtp_suite suite;
	uint8_t key[SDP_SRTP_KEY_LEN];
};

/*
 * Debian builds libsrtp2 on NSS, whose global state (NSS_InitContext's) outlives
 * srtp_shutdown(). Unloading res_rtp would unmap it with that state in place (a
 * leak, and NSS starting over in fresh memory at the next load): libsrtp2 stays
 * mapped for the life of the process instead (RTLD_NODELETE on the copy loaded).
 */
static void pin_library(void)
{
	Dl_info info;
	if (dladdr((void *)srtp_init, &info) && info.dli_fname)
		(void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
}

int media_srtp_library_init(void)
{
	pin_library();
	return srtp_init() == srtp_err_status_ok ? 0 : -EIO;
}

void media_srtp_library_shutdown(void)
{
	(void)srtp_shutdown();
}

struct media_srtp *media_srtp_new(enum sdp_srtp_suite suite, const uint8_t key[SDP_SRTP_KEY_LEN], bool outbound)
{
	srtp_policy_t p;
	memset(&p, 0, sizeof(p));
	switch (suite) {
	case SDP_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
		break;
	case SDP_SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p.rtp);
		break;
	default:
		return NULL;
	}
	/* SRTCP is always HMAC-SHA1-80 for both suites (RFC 4568 §6.2.2). */
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
	struct media_srtp *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->suite = suite;
	memcpy(c->key, key, SDP_SRTP_KEY_LEN);
	/* Any SSRC: the phone's may change, and ours changes with the stream we relay. */
	p.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	p.key = c->key;
	p.window_size = 128;
	p.allow_repeat_tx = 0;
	if (srtp_create(&c->ctx, &p) != srtp_err_status_ok) {
		media_srtp_free(c);
		return NULL;
	}
	return c;
}

void media_srtp_free(struct media_srtp *c)
{
	if (!c)
		return;
	if (c->ctx)
		(void)srtp_dealloc(c->ctx);
	explicit_bzero(c->key, sizeof(c->key));
	free(c);
}

bool media_srtp_same(const struct media_srtp *c, enum sdp_srtp_suite suite, const uint8_t key[SDP_SRTP_KEY_LEN])
{
	return c && c->suite == suite && memcmp(c->key, key, SDP_SRTP_KEY_LEN) == 0;
}

static enum media_srtp_result result(srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		return MEDIA_SRTP_OK;
	case srtp_err_status_auth_fail:
	/* SRTCP whose E flag says "not encrypted" while the suite encrypts: plain
	 * RTCP, or a downgrade. */
	case srtp_err_status_cant_check:
		return MEDIA_SRTP_AUTH;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		return MEDIA_SRTP_REPLAY;
	default:
		return MEDIA_SRTP_BAD;
	}
}

enum media_srtp_result media_srtp_protect(struct media_srtp *c, uint8_t *buf, size_t *len, size_t cap, bool rtcp)
{
	if (*len > (size_t)INT32_MAX || cap < *len + MEDIA_SRTP_ROOM)
		return MEDIA_SRTP_BAD;
	int n = (int)*len;
	srtp_err_status_t st = rtcp ? srtp_protect_rtcp(c->ctx, buf, &n) : srtp_protect(c->ctx, buf, &n);
	if (st == srtp_err_status_ok)
		*len = (size_t)n;
	return result(st);
}

enum media_srtp_result media_srtp_unprotect(struct media_srtp *c, uint8_t *buf, size_t *len, bool rtcp)
{
	/* libsrtp reads the fixed header (and the SRTCP trailer) before checking
	 * lengths in some paths: refuse what cannot be a packet first. */
	if (*len < (rtcp ? 8u + 4u + 10u : 12u + 4u) || *len > (size_t)INT32_MAX)
		return MEDIA_SRTP_BAD;
	int n = (int)*len;
	srtp_err_status_t st = rtcp ? srtp_unprotect_rtcp(c->ctx, buf, &n) : srtp_unprotect(c->ctx, buf, &n);
	if (st == srtp_err_status_ok)
		*len = (size_t)n;
	return result(st);
}

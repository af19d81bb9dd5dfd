/*
 * srtp.h: one direction of a session's SRTP (RFC 3711), over libsrtp2: a context
 * that protects what the session sends its phone (outbound) or checks and decrypts
 * what the phone sends (inbound), RTP and RTCP alike, with a suite and master key
 * from SDES (sdp_crypto.h). For AES_CM_128_HMAC_SHA1_32, SRTCP keeps the 80-bit tag
 * (RFC 4568 §6.2.2). Inbound contexts keep libsrtp's replay window (128 packets);
 * outbound ones refuse to protect a sequence number twice (a keystream is never
 * reused).
 *
 * Threads: media_srtp_library_init() once on the main thread before any context
 * (the module's load), media_srtp_library_shutdown() after the last is freed. A
 * context belongs to the worker that owns its session and is used only there: no
 * locks. libc and libsrtp2 only, no core calls (its unit test links it alone).
 */
#ifndef MEDIA_SRTP_H
#define MEDIA_SRTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdp_crypto.h"

/* What protecting may add to a packet (RTCP: tag, E+index): buffers keep this free. */
/* libsrtp asks for SRTP_MAX_TRAILER_LEN (144) + 4 free, whatever the suite uses. */
#define MEDIA_SRTP_ROOM 148

enum media_srtp_result {
	MEDIA_SRTP_OK,
	MEDIA_SRTP_AUTH,   /* authentication failed: a forgery, another key, or plain RTP */
	MEDIA_SRTP_REPLAY, /* already seen, or too old for the replay window */
	MEDIA_SRTP_BAD,	   /* too short or otherwise unusable; no room to protect */
};

struct media_srtp;

/* 0, or -EIO (libsrtp could not start; the log line says why is the caller's). */
int media_srtp_library_init(void);
void media_srtp_library_shutdown(void);

/* A context, or NULL (an unknown suite, out of memory). */
struct media_srtp *media_srtp_new(enum sdp_srtp_suite suite, const uint8_t key[SDP_SRTP_KEY_LEN], bool outbound);
/* Frees it and wipes its key copy; NULL is fine. */
void media_srtp_free(struct media_srtp *c);
/* Does c use this suite and key (so a renegotiation that kept them keeps c)? */
bool media_srtp_same(const struct media_srtp *c, enum sdp_srtp_suite suite, const uint8_t key[SDP_SRTP_KEY_LEN]);

/* Protects the packet in buf (len bytes, room for cap) in place, growing *len. */
enum media_srtp_result media_srtp_protect(struct media_srtp *c, uint8_t *buf, size_t *len, size_t cap, bool rtcp);
/* Checks and decrypts in place, shrinking *len. */
enum media_srtp_result media_srtp_unprotect(struct media_srtp *c, uint8_t *buf, size_t *len, bool rtcp);

#endif

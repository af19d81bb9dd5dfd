/*
 * sip_digest.h: HTTP Digest authentication for SIP (RFC 3261 §22, RFC 7616,
 * RFC 8760), with MD5 and SHA-256 (and their -sess variants), qop=auth or the
 * RFC 2069 form without qop.
 *
 * Server side: a struct sip_digest_server holds a per-process secret and a
 * bounded nonce-count table. It issues stateless nonces (a timestamp and a random
 * part, MACed with the secret) and builds challenges; sip_digest_verify() checks
 * parsed credentials and answers one of enum sip_digest_result. Time is always
 * passed in (milliseconds) so tests are deterministic; the clock may step back
 * (chan_sip passes the wall clock), so a nonce's age is taken either way.
 *
 * Client side (outbound registration to a trunk): parse a challenge, then build
 * the Authorization / Proxy-Authorization value answering it.
 *
 * Pure code: libc and OpenSSL only, no core calls. Nothing here locks; a server
 * is used from one thread (or under the caller's lock). Strings passed in are
 * NUL-terminated unless a length goes with them; header values are (pointer,
 * length) and need not be NUL-terminated.
 */
#ifndef SIP_DIGEST_H
#define SIP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Buffer sizes, NUL included. Longer values are refused as malformed. */
#define SIP_DIGEST_FIELD_MAX 256 /* username, realm, nonce, cnonce, opaque */
#define SIP_DIGEST_URI_MAX 1024
#define SIP_DIGEST_HEX_MAX 65 /* a SHA-256 digest in hex, and its NUL */
#define SIP_DIGEST_NC_MAX 9   /* 8 hex digits */

enum sip_digest_alg {
	SIP_DIGEST_ALG_UNKNOWN = 0, /* named, but not one we implement */
	SIP_DIGEST_ALG_MD5,
	SIP_DIGEST_ALG_MD5_SESS,
	SIP_DIGEST_ALG_SHA256,
	SIP_DIGEST_ALG_SHA256_SESS,
};

enum sip_digest_qop {
	SIP_DIGEST_QOP_NONE = 0, /* RFC 2069: no qop, cnonce or nc */
	SIP_DIGEST_QOP_AUTH,
	SIP_DIGEST_QOP_AUTH_INT, /* recognised, refused as unsupported */
	SIP_DIGEST_QOP_OTHER,
};

enum sip_digest_result {
	SIP_DIGEST_OK = 0,
	SIP_DIGEST_BAD_RESPONSE, /* wrong password, or unknown user */
	SIP_DIGEST_STALE,        /* right password on an expired nonce: re-challenge with stale=true */
	SIP_DIGEST_BAD_NONCE,    /* a nonce we did not issue (forged, other realm, other process) */
	SIP_DIGEST_REPLAY,       /* nc not above the highest seen for this nonce */
	SIP_DIGEST_UNSUPPORTED,  /* algorithm, qop, userhash, or no secret for the algorithm */
	SIP_DIGEST_MALFORMED,    /* missing or invalid fields, realm mismatch */
	SIP_DIGEST_ERROR,        /* internal: a crypto call failed */
};

/* Authorization / Proxy-Authorization, as parsed. All strings NUL-terminated copies. */
struct sip_digest_credentials {
	enum sip_digest_alg alg;  /* MD5 when the parameter is absent */
	enum sip_digest_qop qop;
	uint32_t nc;              /* valid when qop is not NONE */
	bool has_opaque;
	bool userhash;            /* userhash=true: we cannot verify it */
	char algorithm[32];       /* as sent ("" when absent), for logs */
	char username[SIP_DIGEST_FIELD_MAX];
	char realm[SIP_DIGEST_FIELD_MAX];
	char nonce[SIP_DIGEST_FIELD_MAX];
	char cnonce[SIP_DIGEST_FIELD_MAX];
	char opaque[SIP_DIGEST_FIELD_MAX];
	char uri[SIP_DIGEST_URI_MAX];
	char response[SIP_DIGEST_HEX_MAX]; /* lowercased */
	char nc_text[SIP_DIGEST_NC_MAX];   /* nc as sent: it is hashed as text */
};

/* WWW-Authenticate / Proxy-Authenticate, as parsed. */
struct sip_digest_challenge {
	enum sip_digest_alg alg; /* MD5 when the parameter is absent */
	bool stale;
	bool has_opaque;
	bool qop_given;          /* false: an RFC 2069 challenge */
	bool qop_auth;           /* "auth" is among the offered qop values */
	bool qop_auth_int;
	char algorithm[32];
	char realm[SIP_DIGEST_FIELD_MAX];
	char nonce[SIP_DIGEST_FIELD_MAX];
	char opaque[SIP_DIGEST_FIELD_MAX];
};

/*
 * Parse a header value ("Digest username=..., ..."). Parameter names are
 * case-insensitive, unknown ones ignored, LWS tolerated, quoted strings
 * unescaped. Returns 0, -EINVAL (malformed: *reason says why) or -ENOTSUP (not
 * the Digest scheme). An unknown algorithm parses (alg UNKNOWN) so the caller can
 * answer it with a challenge of its own. reason may be NULL.
 */
int sip_digest_parse_credentials(const char *value, size_t len, struct sip_digest_credentials *out,
				 const char **reason);
int sip_digest_parse_challenge(const char *value, size_t len, struct sip_digest_challenge *out,
			       const char **reason);

/* "MD5", "SHA-256", ...; NULL for UNKNOWN. */
const char *sip_digest_alg_name(enum sip_digest_alg alg);
/* Parses an algorithm token (case-insensitive); UNKNOWN when not ours. */
enum sip_digest_alg sip_digest_alg_parse(const char *s, size_t len);
/* Hex digits in a digest of this algorithm (32 or 64), 0 for UNKNOWN. */
size_t sip_digest_hex_len(enum sip_digest_alg alg);
/* "ok", "bad-response", "stale", ... for logs. */
const char *sip_digest_result_name(enum sip_digest_result r);

/*
 * HA1 = H(username:realm:password) in lowercase hex. For a -sess algorithm this
 * is still the plain HA1 (what a config stores); the session form is derived in
 * sip_digest_compute_response(). Returns 0, -EINVAL or -EIO.
 */
int sip_digest_ha1(enum sip_digest_alg alg, const char *username, const char *realm,
		   const char *password, char out[SIP_DIGEST_HEX_MAX]);

/* Everything a response is computed from. */
struct sip_digest_input {
	enum sip_digest_alg alg;
	const char *ha1;          /* hex H(username:realm:password), either case */
	const char *nonce;
	enum sip_digest_qop qop;  /* NONE (RFC 2069) or AUTH */
	const char *nc;           /* 8 hex digits; unused without qop */
	const char *cnonce;       /* unused without qop, unless the algorithm is -sess */
	const char *method;
	size_t method_len;
	const char *uri;
};

/*
 * response = H(HA1:nonce:nc:cnonce:qop:HA2), or H(HA1:nonce:HA2) without qop,
 * with HA2 = H(method:uri), lowercase hex. Returns 0, -EINVAL, -ENOTSUP
 * (auth-int, unknown algorithm) or -EIO.
 */
int sip_digest_compute_response(const struct sip_digest_input *in, char out[SIP_DIGEST_HEX_MAX]);

/* ---- server ---- */

struct sip_digest_server;

struct sip_digest_config {
	uint64_t nonce_lifetime_ms; /* 0: 300000 (5 minutes) */
	size_t nc_table_size;       /* nonces whose nc is remembered; 0: 16384 */
	/* Accept credentials without qop (RFC 2069 clients). Their nonces can be
	 * replayed within the lifetime, so this is off unless asked for. */
	bool allow_rfc2069;
	/* Fills buf with n random bytes, returns 0 or a negative errno. NULL:
	 * OpenSSL's RAND_bytes. */
	int (*random)(void *arg, uint8_t *buf, size_t n);
	void *random_arg;
	/* The nonce MAC key; NULL: 32 random bytes drawn at creation. Servers that
	 * share a key accept each other's nonces. */
	const uint8_t *secret;
	size_t secret_len;
};

/* Creates a server; cfg may be NULL for defaults. Returns 0, -EINVAL, -ENOMEM or -EIO. */
int sip_digest_server_new(struct sip_digest_server **out, const struct sip_digest_config *cfg);
void sip_digest_server_free(struct sip_digest_server *s);
/* The hashing functions keep the digest algorithms and one context between calls
 * (one thread only); this frees them, e.g. when the module unloads. */
void sip_digest_cleanup(void);
/* Nonces whose nc is remembered right now (never above nc_table_size). */
size_t sip_digest_server_nc_count(const struct sip_digest_server *s);

/* A fresh nonce for realm into buf (65 bytes suffice). Returns its length or a negative errno. */
int sip_digest_nonce_make(struct sip_digest_server *s, const char *realm, uint64_t now_ms, char *buf,
			  size_t size);
/* OK, STALE (ours but expired) or BAD_NONCE (not ours, or for another realm). */
enum sip_digest_result sip_digest_nonce_check(const struct sip_digest_server *s, const char *nonce,
					      const char *realm, uint64_t now_ms);

/*
 * Formats `Digest realm="..", nonce="..", algorithm=X, qop="auth"[, opaque=".."]
 * [, stale=true]`. opaque may be NULL. Returns the length written (NUL not
 * counted) or -EINVAL (unknown algorithm, control characters) / -ENOSPC.
 */
int sip_digest_format_challenge(char *buf, size_t size, enum sip_digest_alg alg, const char *realm,
				const char *nonce, const char *opaque, bool stale);
/*
 * sip_digest_nonce_make() then sip_digest_format_challenge(): one challenge
 * header value. Per RFC 8760, call it once per algorithm, SHA-256 first, and
 * send a header for each. Returns the length or a negative errno.
 */
int sip_digest_challenge(struct sip_digest_server *s, enum sip_digest_alg alg, const char *realm,
			 const char *opaque, bool stale, uint64_t now_ms, char *buf, size_t size);

/* What the caller knows about the user. */
struct sip_digest_secret {
	const char *password;   /* plaintext, or NULL */
	const char *ha1_md5;    /* hex MD5(user:realm:password) for the realm verified, or NULL */
	const char *ha1_sha256; /* same with SHA-256, or NULL */
};

struct sip_digest_request {
	const char *method; /* the request's method, e.g. "REGISTER" */
	size_t method_len;
	const char *realm;  /* the realm we challenged with */
	/* The user's secret. NULL for an unknown user: the same work is done
	 * against a dummy and the answer is BAD_RESPONSE, as for a wrong password. */
	const struct sip_digest_secret *secret;
	uint64_t now_ms;
};

/*
 * Verifies credentials for a request. The caller still checks cr->uri against
 * the Request-URI (RFC 3261 §22.4) and, if it sent one, the opaque. On OK the
 * nc is recorded, so the same credentials are a REPLAY next time. reason (may be
 * NULL) gets a static string for logs; never show it to the peer.
 */
enum sip_digest_result sip_digest_verify(struct sip_digest_server *s,
					 const struct sip_digest_credentials *cr,
					 const struct sip_digest_request *rq, const char **reason);

/* ---- client ---- */

struct sip_digest_client {
	const char *username;
	const char *password; /* or NULL with ha1 */
	const char *ha1;      /* hex HA1 for the challenge's algorithm and realm */
	const char *method;
	const char *uri;      /* the Request-URI */
	const char *cnonce;   /* NULL: 16 random bytes in hex (RAND_bytes) */
	uint32_t nc;          /* 1 for the first use of a nonce; 0 is taken as 1 */
};

/*
 * Formats the Authorization / Proxy-Authorization value answering a challenge:
 * qop=auth when offered, the RFC 2069 form when the challenge had no qop.
 * Returns the length written or -EINVAL / -ENOTSUP (algorithm unknown, only
 * auth-int offered) / -ENOSPC / -EIO; reason (may be NULL) says why.
 */
int sip_digest_build_credentials(const struct sip_digest_challenge *ch, const struct sip_digest_client *cl,
				 char *buf, size_t size, const char **reason);

/* A one-line summary for logs and console `show` (no response): returns the length or -ENOSPC. */
int sip_digest_credentials_describe(const struct sip_digest_credentials *cr, char *buf, size_t size);

#endif

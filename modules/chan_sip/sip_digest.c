/* sip_digest.c: SIP Digest authentication: header parsing, hashes, signed nonces, nc replay table, challenges. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "sip_digest.h"

#define DEFAULT_LIFETIME_MS 300000u
#define DEFAULT_NC_TABLE 16384u

/*
 * A nonce is hex(ts | rnd | mac): ts the issue time in ms (8 bytes, big endian),
 * rnd 8 random bytes, mac the first 16 bytes of HMAC-SHA256(secret, ts | rnd |
 * realm). The server keeps no state per issued nonce: the MAC tells ours from
 * forged ones, the timestamp tells fresh from expired.
 */
#define NONCE_TS 8
#define NONCE_RND 8
#define NONCE_MAC 16
#define NONCE_BIN (NONCE_TS + NONCE_RND + NONCE_MAC)
#define NONCE_HEX (2 * NONCE_BIN)

#define SECRET_MIN 16
#define SECRET_MAX 64

/* ---- small helpers ---- */

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* True when s is exactly n hex digits. */
static bool is_hex_n(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (hex_val(s[i]) < 0)
			return false;
	return s[i] == '\0';
}

static void lowercase(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static bool is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 7230 tchar, a superset of RFC 3261's token characters. */
static bool is_tchar(char ch)
{
	unsigned char c = (unsigned char)ch;
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A control character that must not appear in a header value (HTAB allowed). */
static bool is_ctl(char ch)
{
	unsigned char c = (unsigned char)ch;
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static bool span_is(const char *p, size_t len, const char *s)
{
	return strlen(s) == len && strncasecmp(p, s, len) == 0;
}

/* ---- names ---- */

const char *sip_digest_alg_name(enum sip_digest_alg alg)
{
	switch (alg) {
	case SIP_DIGEST_ALG_MD5:
		return "MD5";
	case SIP_DIGEST_ALG_MD5_SESS:
		return "MD5-sess";
	case SIP_DIGEST_ALG_SHA256:
		return "SHA-256";
	case SIP_DIGEST_ALG_SHA256_SESS:
		return "SHA-256-sess";
	default:
		return NULL;
	}
}

enum sip_digest_alg sip_digest_alg_parse(const char *s, size_t len)
{
	static const enum sip_digest_alg all[] = {
		SIP_DIGEST_ALG_MD5, SIP_DIGEST_ALG_MD5_SESS, SIP_DIGEST_ALG_SHA256, SIP_DIGEST_ALG_SHA256_SESS,
	};
	if (!s)
		return SIP_DIGEST_ALG_UNKNOWN;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (span_is(s, len, sip_digest_alg_name(all[i])))
			return all[i];
	return SIP_DIGEST_ALG_UNKNOWN;
}

static bool alg_is_sess(enum sip_digest_alg alg)
{
	return alg == SIP_DIGEST_ALG_MD5_SESS || alg == SIP_DIGEST_ALG_SHA256_SESS;
}

/*
 * The digests, fetched once and a context kept between uses: OpenSSL 3 looks an
 * algorithm up by name on every implicit fetch (EVP_md5()), which cost more than the
 * hashing itself at thousands of registrations a second. Main thread only, like all
 * of chan_sip; sip_digest_cleanup() frees them.
 */
static EVP_MD *md_md5, *md_sha256;
static EVP_MD_CTX *md_ctx;

static const EVP_MD *alg_md(enum sip_digest_alg alg)
{
	switch (alg) {
	case SIP_DIGEST_ALG_MD5:
	case SIP_DIGEST_ALG_MD5_SESS:
		return md_md5 ? md_md5 : (md_md5 = EVP_MD_fetch(NULL, "MD5", NULL));
	case SIP_DIGEST_ALG_SHA256:
	case SIP_DIGEST_ALG_SHA256_SESS:
		return md_sha256 ? md_sha256 : (md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL));
	default:
		return NULL;
	}
}

void sip_digest_cleanup(void)
{
	EVP_MD_CTX_free(md_ctx);
	EVP_MD_free(md_md5);
	EVP_MD_free(md_sha256);
	md_ctx = NULL;
	md_md5 = md_sha256 = NULL;
}

size_t sip_digest_hex_len(enum sip_digest_alg alg)
{
	switch (alg) {
	case SIP_DIGEST_ALG_MD5:
	case SIP_DIGEST_ALG_MD5_SESS:
		return 32;
	case SIP_DIGEST_ALG_SHA256:
	case SIP_DIGEST_ALG_SHA256_SESS:
		return 64;
	default:
		return 0;
	}
}

const char *sip_digest_result_name(enum sip_digest_result r)
{
	switch (r) {
	case SIP_DIGEST_OK:
		return "ok";
	case SIP_DIGEST_BAD_RESPONSE:
		return "bad-response";
	case SIP_DIGEST_STALE:
		return "stale";
	case SIP_DIGEST_BAD_NONCE:
		return "bad-nonce";
	case SIP_DIGEST_REPLAY:
		return "replay";
	case SIP_DIGEST_UNSUPPORTED:
		return "unsupported";
	case SIP_DIGEST_MALFORMED:
		return "malformed";
	case SIP_DIGEST_ERROR:
		return "error";
	}
	return "?";
}

/* ---- hashing ---- */

struct piece {
	const char *p;
	size_t len;
};

#define PIECE(s) ((struct piece){ (s), strlen(s) })

/* out = lowercase hex of H(piece0 ":" piece1 ":" ...). Returns 0 or -EIO. */
static int hash_join(enum sip_digest_alg alg, const struct piece *pc, size_t n, char out[SIP_DIGEST_HEX_MAX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	const EVP_MD *type = alg_md(alg);
	if (!md_ctx && !(md_ctx = EVP_MD_CTX_new()))
		return -ENOMEM;
	if (!type || !EVP_DigestInit_ex(md_ctx, type, NULL))
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		if (i && !EVP_DigestUpdate(md_ctx, ":", 1))
			return -EIO;
		if (pc[i].len && !EVP_DigestUpdate(md_ctx, pc[i].p, pc[i].len))
			return -EIO;
	}
	if (!EVP_DigestFinal_ex(md_ctx, md, &md_len) || 2 * (size_t)md_len != sip_digest_hex_len(alg))
		return -EIO;
	hex_encode(md, md_len, out);
	return 0;
}

int sip_digest_ha1(enum sip_digest_alg alg, const char *username, const char *realm, const char *password,
		   char out[SIP_DIGEST_HEX_MAX])
{
	if (!alg_md(alg) || !username || !realm || !password || !out)
		return -EINVAL;
	struct piece pc[] = { PIECE(username), PIECE(realm), PIECE(password) };
	return hash_join(alg, pc, 3, out);
}

int sip_digest_compute_response(const struct sip_digest_input *in, char out[SIP_DIGEST_HEX_MAX])
{
	char ha1[SIP_DIGEST_HEX_MAX], ha2[SIP_DIGEST_HEX_MAX];
	int err;
	if (!in || !out || !in->ha1 || !in->nonce || !in->method || !in->uri)
		return -EINVAL;
	if (!alg_md(in->alg) || (in->qop != SIP_DIGEST_QOP_NONE && in->qop != SIP_DIGEST_QOP_AUTH))
		return -ENOTSUP;
	size_t hex_len = sip_digest_hex_len(in->alg);
	if (!is_hex_n(in->ha1, hex_len))
		return -EINVAL;
	if (in->qop == SIP_DIGEST_QOP_AUTH && (!in->nc || !is_hex_n(in->nc, 8) || !in->cnonce))
		return -EINVAL;
	if (alg_is_sess(in->alg) && !in->cnonce)
		return -EINVAL;
	memcpy(ha1, in->ha1, hex_len + 1);
	/* The HA1 text is hashed as lowercase hex, whatever case a config stored it in. */
	lowercase(ha1);
	if (alg_is_sess(in->alg)) {
		struct piece sess[] = { PIECE(ha1), PIECE(in->nonce), PIECE(in->cnonce) };
		if ((err = hash_join(in->alg, sess, 3, ha1)) < 0)
			return err;
	}
	struct piece a2[] = { { in->method, in->method_len }, PIECE(in->uri) };
	if ((err = hash_join(in->alg, a2, 2, ha2)) < 0)
		return err;
	if (in->qop == SIP_DIGEST_QOP_NONE) {
		struct piece r[] = { PIECE(ha1), PIECE(in->nonce), PIECE(ha2) };
		return hash_join(in->alg, r, 3, out);
	}
	struct piece r[] = {
		PIECE(ha1), PIECE(in->nonce), PIECE(in->nc), PIECE(in->cnonce), PIECE("auth"), PIECE(ha2),
	};
	return hash_join(in->alg, r, 6, out);
}

/* ---- parsing ---- */

struct cursor {
	const char *p, *end;
};

/* One auth-param: the value is raw, quotes included when quoted. */
struct param {
	const char *name, *val;
	size_t name_len, val_len;
	bool quoted;
};

static void skip_lws(struct cursor *c)
{
	while (c->p < c->end && is_lws(*c->p))
		c->p++;
}

/* Reads the scheme and the LWS after it. Returns 0, -EINVAL or -ENOTSUP. */
static int parse_scheme(struct cursor *c, const char **reason)
{
	skip_lws(c);
	const char *start = c->p;
	while (c->p < c->end && is_tchar(*c->p))
		c->p++;
	if (c->p == start) {
		*reason = "no auth scheme";
		return -EINVAL;
	}
	if (!span_is(start, (size_t)(c->p - start), "Digest")) {
		*reason = "auth scheme is not Digest";
		return -ENOTSUP;
	}
	if (c->p == c->end || !is_lws(*c->p)) {
		*reason = c->p == c->end ? "no parameters" : "no space after Digest";
		return -EINVAL;
	}
	return 0;
}

/*
 * Reads the next `name = value` of a comma-separated list (empty elements are
 * allowed, as RFC 7230's #rule says). Returns 1 for a parameter, 0 at the end,
 * -1 on a syntax error with *reason set.
 */
static int next_param(struct cursor *c, struct param *pm, bool first, const char **reason)
{
	skip_lws(c);
	if (!first && c->p < c->end && *c->p != ',') {
		*reason = "expected ',' between parameters";
		return -1;
	}
	while (c->p < c->end && (*c->p == ',' || is_lws(*c->p)))
		c->p++;
	if (c->p == c->end)
		return 0;
	pm->name = c->p;
	while (c->p < c->end && is_tchar(*c->p))
		c->p++;
	pm->name_len = (size_t)(c->p - pm->name);
	if (!pm->name_len) {
		*reason = "expected a parameter name";
		return -1;
	}
	skip_lws(c);
	if (c->p == c->end || *c->p != '=') {
		*reason = "expected '=' after a parameter name";
		return -1;
	}
	c->p++;
	skip_lws(c);
	pm->val = c->p;
	pm->quoted = c->p < c->end && *c->p == '"';
	if (pm->quoted) {
		for (c->p++;; c->p++) {
			if (c->p == c->end) {
				*reason = "unterminated quoted string";
				return -1;
			}
			if (*c->p == '"')
				break;
			if (*c->p == '\\' && c->p + 1 < c->end)
				c->p++;
			/* CR, LF and NUL would let a value smuggle lines into our logs or headers. */
			if (is_ctl(*c->p)) {
				*reason = "control character in a quoted string";
				return -1;
			}
		}
		c->p++;
	} else {
		while (c->p < c->end && *c->p != ',' && !is_lws(*c->p)) {
			if (*c->p == '"' || is_ctl(*c->p) || (unsigned char)*c->p >= 0x80) {
				*reason = "invalid character in a parameter value";
				return -1;
			}
			c->p++;
		}
		if (c->p == pm->val) {
			*reason = "empty parameter value";
			return -1;
		}
	}
	pm->val_len = (size_t)(c->p - pm->val);
	return 1;
}

/* Copies a value, quotes removed and escapes resolved. Returns 0, or -1 when it does not fit. */
static int copy_value(const struct param *pm, char *dst, size_t size)
{
	const char *p = pm->val, *end = pm->val + pm->val_len;
	size_t n = 0;
	if (pm->quoted) {
		p++;
		end--;
	}
	for (; p < end; p++) {
		if (pm->quoted && *p == '\\')
			p++;
		if (n + 1 >= size)
			return -1;
		dst[n++] = *p;
	}
	dst[n] = '\0';
	return 0;
}

/* Known parameter names; a bit each, to refuse duplicates. */
enum param_id {
	P_USERNAME,
	P_REALM,
	P_NONCE,
	P_URI,
	P_RESPONSE,
	P_ALGORITHM,
	P_CNONCE,
	P_QOP,
	P_NC,
	P_OPAQUE,
	P_STALE,
	P_USERHASH,
	P_UNKNOWN,
};

static enum param_id param_lookup(const struct param *pm)
{
	static const char *const names[] = {
		"username", "realm", "nonce", "uri", "response", "algorithm",
		"cnonce", "qop", "nc", "opaque", "stale", "userhash",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (span_is(pm->name, pm->name_len, names[i]))
			return (enum param_id)i;
	return P_UNKNOWN;
}

/* The value of a short token parameter (algorithm, qop, nc, stale), quoted or not. */
static void short_value(const struct param *pm, char *dst, size_t size)
{
	if (copy_value(pm, dst, size) < 0)
		dst[0] = '\0'; /* too long to be anything we know */
}

static enum sip_digest_qop qop_parse(const char *s)
{
	if (!strcasecmp(s, "auth"))
		return SIP_DIGEST_QOP_AUTH;
	if (!strcasecmp(s, "auth-int"))
		return SIP_DIGEST_QOP_AUTH_INT;
	return SIP_DIGEST_QOP_OTHER;
}

static void set_algorithm(const struct param *pm, enum sip_digest_alg *alg, char *text, size_t size)
{
	short_value(pm, text, size);
	*alg = sip_digest_alg_parse(text, strlen(text));
}

/* Stores a string parameter; -1 with *reason when it is too long. */
static int store(const struct param *pm, char *dst, size_t size, const char *too_long, const char **reason)
{
	if (copy_value(pm, dst, size) == 0)
		return 0;
	*reason = too_long;
	return -1;
}

/*
 * Walks the auth-params after the "Digest" scheme, calling fn for each known one
 * (unknown ones are skipped, RFC 7616 §3.4); a repeated parameter is an error.
 * *seen gets a bit per parameter met. Returns 0 or -EINVAL with *reason set.
 */
typedef int(param_fn)(void *out, enum param_id id, const struct param *pm, const char **reason);

static int parse_params(const char *value, size_t len, unsigned *seen, param_fn *fn, void *out, const char **reason)
{
	struct cursor c = { value, value + len };
	struct param pm;
	int err, rc;
	if ((err = parse_scheme(&c, reason)) < 0)
		return err;
	for (bool first = true; (rc = next_param(&c, &pm, first, reason)) > 0; first = false) {
		enum param_id id = param_lookup(&pm);
		if (id == P_UNKNOWN)
			continue;
		if (*seen & (1u << id)) {
			*reason = "duplicate parameter";
			return -EINVAL;
		}
		*seen |= 1u << id;
		if (fn(out, id, &pm, reason) < 0)
			return -EINVAL;
	}
	return rc < 0 ? -EINVAL : 0;
}

static int credential_param(void *arg, enum param_id id, const struct param *pm, const char **reason)
{
	struct sip_digest_credentials *out = arg;
	switch (id) {
	case P_USERNAME:
		return store(pm, out->username, sizeof(out->username), "username too long", reason);
	case P_REALM:
		return store(pm, out->realm, sizeof(out->realm), "realm too long", reason);
	case P_NONCE:
		return store(pm, out->nonce, sizeof(out->nonce), "nonce too long", reason);
	case P_URI:
		return store(pm, out->uri, sizeof(out->uri), "uri too long", reason);
	case P_RESPONSE:
		return store(pm, out->response, sizeof(out->response), "response too long", reason);
	case P_CNONCE:
		return store(pm, out->cnonce, sizeof(out->cnonce), "cnonce too long", reason);
	case P_OPAQUE:
		out->has_opaque = true;
		return store(pm, out->opaque, sizeof(out->opaque), "opaque too long", reason);
	case P_NC:
		/* nc-value is exactly 8LHEX; anything else is refused by the caller. */
		short_value(pm, out->nc_text, sizeof(out->nc_text));
		return 0;
	case P_ALGORITHM:
		set_algorithm(pm, &out->alg, out->algorithm, sizeof(out->algorithm));
		return 0;
	case P_QOP: {
		char qop[16];
		short_value(pm, qop, sizeof(qop));
		out->qop = qop_parse(qop);
		return 0;
	}
	case P_USERHASH: {
		char v[8];
		short_value(pm, v, sizeof(v));
		out->userhash = !strcasecmp(v, "true");
		return 0;
	}
	default:
		return 0; /* stale has no meaning in credentials */
	}
}

int sip_digest_parse_credentials(const char *value, size_t len, struct sip_digest_credentials *out,
				 const char **reason)
{
	const char *dummy;
	unsigned seen = 0;
	int err;
	if (!reason)
		reason = &dummy;
	*reason = "";
	if (!value || !out) {
		*reason = "no value";
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->alg = SIP_DIGEST_ALG_MD5;
	if ((err = parse_params(value, len, &seen, credential_param, out, reason)) < 0)
		return err;

	static const struct {
		enum param_id id;
		const char *reason;
	} required[] = {
		{ P_USERNAME, "missing username" }, { P_REALM, "missing realm" }, { P_NONCE, "missing nonce" },
		{ P_URI, "missing uri" },           { P_RESPONSE, "missing response" },
	};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!(seen & (1u << required[i].id))) {
			*reason = required[i].reason;
			return -EINVAL;
		}
	}
	size_t rlen = strlen(out->response);
	if (!rlen || !is_hex_n(out->response, rlen)) {
		*reason = "response is not hex";
		return -EINVAL;
	}
	lowercase(out->response);
	if (out->qop == SIP_DIGEST_QOP_AUTH || out->qop == SIP_DIGEST_QOP_AUTH_INT) {
		if (!(seen & (1u << P_CNONCE))) {
			*reason = "qop without cnonce";
			return -EINVAL;
		}
		if (!(seen & (1u << P_NC))) {
			*reason = "qop without nc";
			return -EINVAL;
		}
		if (!is_hex_n(out->nc_text, 8)) {
			*reason = "nc is not 8 hex digits";
			return -EINVAL;
		}
		out->nc = (uint32_t)strtoul(out->nc_text, NULL, 16);
	}
	return 0;
}

/* Reads a qop-options list ("auth,auth-int") into the challenge's flags. */
static void challenge_qops(const char *list, struct sip_digest_challenge *out)
{
	const char *p = list;
	out->qop_given = true;
	while (*p) {
		while (*p == ',' || is_lws(*p))
			p++;
		const char *start = p;
		while (*p && *p != ',' && !is_lws(*p))
			p++;
		size_t n = (size_t)(p - start);
		if (span_is(start, n, "auth"))
			out->qop_auth = true;
		else if (span_is(start, n, "auth-int"))
			out->qop_auth_int = true;
	}
}

static int challenge_param(void *arg, enum param_id id, const struct param *pm, const char **reason)
{
	struct sip_digest_challenge *out = arg;
	switch (id) {
	case P_REALM:
		return store(pm, out->realm, sizeof(out->realm), "realm too long", reason);
	case P_NONCE:
		return store(pm, out->nonce, sizeof(out->nonce), "nonce too long", reason);
	case P_OPAQUE:
		out->has_opaque = true;
		return store(pm, out->opaque, sizeof(out->opaque), "opaque too long", reason);
	case P_ALGORITHM:
		set_algorithm(pm, &out->alg, out->algorithm, sizeof(out->algorithm));
		return 0;
	case P_QOP: {
		char list[64];
		short_value(pm, list, sizeof(list));
		challenge_qops(list, out);
		return 0;
	}
	case P_STALE: {
		char v[8];
		short_value(pm, v, sizeof(v));
		out->stale = !strcasecmp(v, "true");
		return 0;
	}
	default:
		return 0;
	}
}

int sip_digest_parse_challenge(const char *value, size_t len, struct sip_digest_challenge *out,
			       const char **reason)
{
	const char *dummy;
	unsigned seen = 0;
	int err;
	if (!reason)
		reason = &dummy;
	*reason = "";
	if (!value || !out) {
		*reason = "no value";
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->alg = SIP_DIGEST_ALG_MD5;
	if ((err = parse_params(value, len, &seen, challenge_param, out, reason)) < 0)
		return err;
	if (!(seen & (1u << P_REALM))) {
		*reason = "missing realm";
		return -EINVAL;
	}
	if (!(seen & (1u << P_NONCE))) {
		*reason = "missing nonce";
		return -EINVAL;
	}
	return 0;
}

/* ---- output ---- */

struct wbuf {
	char *buf;
	size_t size, len;
	int err; /* first error: -ENOSPC or -EINVAL */
};

static void out_mem(struct wbuf *o, const char *s, size_t n)
{
	if (o->err)
		return;
	if (o->len + n >= o->size) {
		o->err = -ENOSPC;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void out_str(struct wbuf *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

/* Appends name="value" with '"' and '\' escaped; control characters are refused. */
static void out_quoted(struct wbuf *o, const char *sep, const char *name, const char *value)
{
	out_str(o, sep);
	out_str(o, name);
	out_str(o, "=\"");
	/* Runs of plain characters are copied whole; '"' and '\\' get a backslash. */
	for (const char *p = value; *p;) {
		const char *run = p;
		while (*p && *p != '"' && *p != '\\' && !is_ctl(*p))
			p++;
		out_mem(o, run, (size_t)(p - run));
		if (!*p)
			break;
		if (is_ctl(*p)) {
			if (!o->err)
				o->err = -EINVAL;
			return;
		}
		out_mem(o, "\\", 1);
		out_mem(o, p++, 1);
	}
	out_str(o, "\"");
}

static int out_done(struct wbuf *o)
{
	if (o->err) {
		if (o->size)
			o->buf[0] = '\0';
		return o->err;
	}
	return (int)o->len;
}

int sip_digest_format_challenge(char *buf, size_t size, enum sip_digest_alg alg, const char *realm,
				const char *nonce, const char *opaque, bool stale)
{
	struct wbuf o = { buf, size, 0, 0 };
	if (!buf || !size || !realm || !nonce || !sip_digest_alg_name(alg))
		return -EINVAL;
	buf[0] = '\0';
	out_str(&o, "Digest");
	out_quoted(&o, " ", "realm", realm);
	out_quoted(&o, ", ", "nonce", nonce);
	out_str(&o, ", algorithm=");
	out_str(&o, sip_digest_alg_name(alg));
	out_str(&o, ", qop=\"auth\"");
	if (opaque)
		out_quoted(&o, ", ", "opaque", opaque);
	if (stale)
		out_str(&o, ", stale=true");
	return out_done(&o);
}

/* ---- server: nonces ---- */

struct nc_entry {
	uint64_t ts_ms;
	uint8_t rnd[NONCE_RND];
	uint32_t nc;	/* highest seen */
	uint32_t hnext; /* next entry of its hash chain, as index + 1; 0 ends it */
	bool used;
};

struct sip_digest_server {
	uint64_t lifetime_ms;
	bool allow_rfc2069;
	int (*random)(void *arg, uint8_t *buf, size_t n);
	void *random_arg;
	uint8_t secret[SECRET_MAX];
	size_t secret_len;
	EVP_MAC_CTX *mac; /* HMAC-SHA256 keyed with secret once; re-initialised per nonce */
	/*
	 * When a live entry is evicted to make room, we no longer know its nc. So
	 * that this cannot open a replay, nonces issued at or before the newest
	 * evicted timestamp (the floor) are refused as stale unless still in the
	 * table: the client fetches a fresh nonce without asking its user.
	 */
	uint64_t floor_ts;
	bool has_floor;
	/* The table is a ring filled in the order nonces are first used, so the entry
	 * replaced is the one used first, nearly always the oldest issued too. A hash
	 * index (chains through hnext) finds a nonce without scanning the ring. */
	size_t count, cap, ring_next;
	struct nc_entry *table;
	uint32_t *buckets; /* index + 1 of a chain's first entry; 0: empty */
	size_t nbuckets;   /* a power of two >= cap */
};

static int default_random(void *arg, uint8_t *buf, size_t n)
{
	(void)arg;
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -EIO;
}

/* Keys the server's HMAC once: HMAC() per nonce fetched and keyed it every time. */
static int mac_new(struct sip_digest_server *s)
{
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
			       OSSL_PARAM_construct_end()};
	s->mac = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	EVP_MAC_free(hmac);
	if (!s->mac)
		return -ENOMEM;
	return EVP_MAC_init(s->mac, s->secret, s->secret_len, params) == 1 ? 0 : -EIO;
}

int sip_digest_server_new(struct sip_digest_server **out, const struct sip_digest_config *cfg)
{
	static const struct sip_digest_config defaults;
	struct sip_digest_server *s;
	int err;
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!cfg)
		cfg = &defaults;
	if (cfg->secret && (cfg->secret_len < SECRET_MIN || cfg->secret_len > SECRET_MAX))
		return -EINVAL;
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	s->lifetime_ms = cfg->nonce_lifetime_ms ? cfg->nonce_lifetime_ms : DEFAULT_LIFETIME_MS;
	s->allow_rfc2069 = cfg->allow_rfc2069;
	s->random = cfg->random ? cfg->random : default_random;
	s->random_arg = cfg->random_arg;
	s->cap = cfg->nc_table_size ? cfg->nc_table_size : DEFAULT_NC_TABLE;
	for (s->nbuckets = 1; s->nbuckets < s->cap; s->nbuckets *= 2)
		;
	if (s->cap > UINT32_MAX - 1 || !(s->table = calloc(s->cap, sizeof(*s->table))) ||
	    !(s->buckets = calloc(s->nbuckets, sizeof(*s->buckets)))) {
		err = -ENOMEM;
		goto fail;
	}
	if (cfg->secret) {
		memcpy(s->secret, cfg->secret, cfg->secret_len);
		s->secret_len = cfg->secret_len;
	} else {
		s->secret_len = 32;
		if ((err = s->random(s->random_arg, s->secret, s->secret_len)) < 0)
			goto fail;
	}
	if ((err = mac_new(s)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	sip_digest_server_free(s);
	return err;
}

void sip_digest_server_free(struct sip_digest_server *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s->secret, sizeof(s->secret));
	EVP_MAC_CTX_free(s->mac);
	free(s->table);
	free(s->buckets);
	free(s);
}

size_t sip_digest_server_nc_count(const struct sip_digest_server *s)
{
	return s ? s->count : 0;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* mac = HMAC-SHA256(secret, ts | rnd | realm), truncated. Returns 0 or -EINVAL/-EIO. */
static int nonce_mac(const struct sip_digest_server *s, const uint8_t *ts_rnd, const char *realm,
		     uint8_t mac[NONCE_MAC])
{
	uint8_t data[NONCE_TS + NONCE_RND + SIP_DIGEST_FIELD_MAX];
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t rlen = strlen(realm);
	if (rlen >= SIP_DIGEST_FIELD_MAX)
		return -EINVAL;
	memcpy(data, ts_rnd, NONCE_TS + NONCE_RND);
	memcpy(data + NONCE_TS + NONCE_RND, realm, rlen);
	size_t md_len = 0;
	if (EVP_MAC_init(s->mac, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(s->mac, data, NONCE_TS + NONCE_RND + rlen) != 1 ||
	    EVP_MAC_final(s->mac, md, &md_len, sizeof(md)) != 1 || md_len < NONCE_MAC)
		return -EIO;
	memcpy(mac, md, NONCE_MAC);
	return 0;
}

int sip_digest_nonce_make(struct sip_digest_server *s, const char *realm, uint64_t now_ms, char *buf,
			  size_t size)
{
	uint8_t bin[NONCE_BIN];
	int err;
	if (!s || !realm || !buf)
		return -EINVAL;
	if (size < NONCE_HEX + 1)
		return -ENOSPC;
	put_be64(bin, now_ms);
	if ((err = s->random(s->random_arg, bin + NONCE_TS, NONCE_RND)) < 0)
		return err;
	if ((err = nonce_mac(s, bin, realm, bin + NONCE_TS + NONCE_RND)) < 0)
		return err;
	hex_encode(bin, NONCE_BIN, buf);
	return NONCE_HEX;
}

/* Decodes and authenticates a nonce: OK, STALE or BAD_NONCE; *ts and rnd are set unless BAD_NONCE. */
static enum sip_digest_result nonce_open(const struct sip_digest_server *s, const char *nonce, const char *realm,
					 uint64_t now_ms, uint64_t *ts, uint8_t rnd[NONCE_RND])
{
	uint8_t bin[NONCE_BIN], mac[NONCE_MAC];
	/* Our own nonces are lowercase: anything else is not one of ours. */
	for (size_t i = 0; i < NONCE_HEX; i++)
		if (hex_val(nonce[i]) < 0 || (nonce[i] >= 'A' && nonce[i] <= 'F'))
			return SIP_DIGEST_BAD_NONCE;
	if (nonce[NONCE_HEX] != '\0')
		return SIP_DIGEST_BAD_NONCE;
	for (size_t i = 0; i < NONCE_BIN; i++)
		bin[i] = (uint8_t)(hex_val(nonce[2 * i]) << 4 | hex_val(nonce[2 * i + 1]));
	if (nonce_mac(s, bin, realm, mac) < 0 || CRYPTO_memcmp(mac, bin + NONCE_TS + NONCE_RND, NONCE_MAC) != 0)
		return SIP_DIGEST_BAD_NONCE;
	*ts = get_be64(bin);
	memcpy(rnd, bin + NONCE_TS, NONCE_RND);
	/* The MAC proves the nonce ours. Its time is the caller's clock (chan_sip's is
	 * the wall clock), which can step back: a nonce "from the future" was issued
	 * before the step. Age is the distance either way, so a step never fails a phone's
	 * fresh nonce, and a large one only makes nonces stale, re-fetched silently. */
	uint64_t age = now_ms >= *ts ? now_ms - *ts : *ts - now_ms;
	return age >= s->lifetime_ms ? SIP_DIGEST_STALE : SIP_DIGEST_OK;
}

enum sip_digest_result sip_digest_nonce_check(const struct sip_digest_server *s, const char *nonce,
					      const char *realm, uint64_t now_ms)
{
	uint64_t ts;
	uint8_t rnd[NONCE_RND];
	if (!s || !nonce || !realm)
		return SIP_DIGEST_BAD_NONCE;
	return nonce_open(s, nonce, realm, now_ms, &ts, rnd);
}

int sip_digest_challenge(struct sip_digest_server *s, enum sip_digest_alg alg, const char *realm,
			 const char *opaque, bool stale, uint64_t now_ms, char *buf, size_t size)
{
	char nonce[NONCE_HEX + 1];
	int n;
	if (!sip_digest_alg_name(alg))
		return -EINVAL;
	if ((n = sip_digest_nonce_make(s, realm, now_ms, nonce, sizeof(nonce))) < 0)
		return n;
	return sip_digest_format_challenge(buf, size, alg, realm, nonce, opaque, stale);
}

/* ---- server: nonce-count table ---- */

/*
 * Records nc for a fresh nonce: OK when above the highest seen, REPLAY
 * otherwise, STALE when the nonce may have been evicted (see floor_ts). The
 * table is a fixed array scanned linearly: a few thousand entries cost
 * microseconds, next to the hashing. When full, the entry with the oldest nonce
 * goes; expired nonces are always the oldest, so they go first, and raising
 * the floor to their timestamp refuses nothing that was not stale already.
 */
static uint32_t *nc_bucket(struct sip_digest_server *s, uint64_t ts, const uint8_t rnd[NONCE_RND])
{
	/* rnd is random and secret: a few of its bits spread the chains well enough. */
	uint64_t h = get_be64(rnd) ^ (ts * 0x9e3779b97f4a7c15ull);
	return &s->buckets[(h ^ h >> 29) & (s->nbuckets - 1)];
}

static void nc_unlink(struct sip_digest_server *s, struct nc_entry *e)
{
	uint32_t idx = (uint32_t)(e - s->table) + 1;
	for (uint32_t *link = nc_bucket(s, e->ts_ms, e->rnd); *link; link = &s->table[*link - 1].hnext)
		if (*link == idx) {
			*link = e->hnext;
			return;
		}
}

static enum sip_digest_result nc_record(struct sip_digest_server *s, uint64_t ts, const uint8_t rnd[NONCE_RND],
					uint32_t nc)
{
	uint32_t *head = nc_bucket(s, ts, rnd);
	for (uint32_t i = *head; i; i = s->table[i - 1].hnext) {
		struct nc_entry *e = &s->table[i - 1];
		if (e->ts_ms == ts && memcmp(e->rnd, rnd, NONCE_RND) == 0) {
			if (nc <= e->nc)
				return SIP_DIGEST_REPLAY;
			e->nc = nc;
			return SIP_DIGEST_OK;
		}
	}
	if (s->has_floor && ts <= s->floor_ts)
		return SIP_DIGEST_STALE;
	struct nc_entry *victim = &s->table[s->ring_next];
	s->ring_next = (s->ring_next + 1) % s->cap;
	if (!victim->used) {
		s->count++;
	} else {
		nc_unlink(s, victim);
		if (!s->has_floor || victim->ts_ms > s->floor_ts)
			s->floor_ts = victim->ts_ms;
		s->has_floor = true;
	}
	victim->ts_ms = ts;
	memcpy(victim->rnd, rnd, NONCE_RND);
	victim->nc = nc;
	victim->used = true;
	/* The head may have moved if the victim headed this very chain. */
	head = nc_bucket(s, ts, rnd);
	victim->hnext = *head;
	*head = (uint32_t)(victim - s->table) + 1;
	return SIP_DIGEST_OK;
}

/* ---- server: verification ---- */

#define FAIL(r, why)                   \
	do {                           \
		*reason = (why);       \
		return (r);            \
	} while (0)

/*
 * Picks the HA1 to check against. Every path computes exactly one
 * H(user:realm:password), so a stored HA1, a plaintext password and an unknown
 * user cost the same and timing does not tell them apart.
 */
static enum sip_digest_result secret_ha1(const struct sip_digest_credentials *cr, const struct sip_digest_request *rq,
					 char ha1[SIP_DIGEST_HEX_MAX], const char **reason)
{
	const struct sip_digest_secret *sec = rq->secret;
	size_t hex_len = sip_digest_hex_len(cr->alg);
	bool md5 = cr->alg == SIP_DIGEST_ALG_MD5 || cr->alg == SIP_DIGEST_ALG_MD5_SESS;
	const char *stored = !sec ? NULL : md5 ? sec->ha1_md5 : sec->ha1_sha256;
	const char *password = sec && sec->password ? sec->password : "strowger-unknown-user";
	char scratch[SIP_DIGEST_HEX_MAX];

	if (sec && !sec->password && !stored)
		FAIL(SIP_DIGEST_UNSUPPORTED, "no secret for this algorithm");
	if (sip_digest_ha1(cr->alg, cr->username, rq->realm, password, scratch) < 0)
		FAIL(SIP_DIGEST_ERROR, "hash failed");
	if (sec && sec->password) {
		memcpy(ha1, scratch, hex_len + 1);
		return SIP_DIGEST_OK;
	}
	if (!stored) {
		memcpy(ha1, scratch, hex_len + 1); /* unknown user: checked, then failed */
		return SIP_DIGEST_OK;
	}
	if (!is_hex_n(stored, hex_len))
		FAIL(SIP_DIGEST_UNSUPPORTED, "stored HA1 has the wrong length for the algorithm");
	memcpy(ha1, stored, hex_len + 1);
	return SIP_DIGEST_OK;
}

enum sip_digest_result sip_digest_verify(struct sip_digest_server *s, const struct sip_digest_credentials *cr,
					 const struct sip_digest_request *rq, const char **reason)
{
	const char *dummy;
	char ha1[SIP_DIGEST_HEX_MAX], expected[SIP_DIGEST_HEX_MAX], got[SIP_DIGEST_HEX_MAX];
	enum sip_digest_result nonce_state, r;
	uint64_t ts = 0;
	uint8_t rnd[NONCE_RND];

	if (!reason)
		reason = &dummy;
	*reason = "";
	if (!s || !cr || !rq || !rq->method || !rq->realm)
		FAIL(SIP_DIGEST_ERROR, "invalid arguments");
	if (cr->userhash)
		FAIL(SIP_DIGEST_UNSUPPORTED, "userhash");
	if (cr->alg == SIP_DIGEST_ALG_UNKNOWN)
		FAIL(SIP_DIGEST_UNSUPPORTED, "algorithm");
	if (cr->qop == SIP_DIGEST_QOP_AUTH_INT)
		FAIL(SIP_DIGEST_UNSUPPORTED, "qop=auth-int");
	if (cr->qop == SIP_DIGEST_QOP_OTHER)
		FAIL(SIP_DIGEST_UNSUPPORTED, "qop");
	if (cr->qop == SIP_DIGEST_QOP_NONE && (!s->allow_rfc2069 || alg_is_sess(cr->alg)))
		FAIL(SIP_DIGEST_UNSUPPORTED, "no qop (RFC 2069)");
	if (cr->qop == SIP_DIGEST_QOP_AUTH && cr->nc == 0)
		FAIL(SIP_DIGEST_MALFORMED, "nc is 0");
	if (strcmp(cr->realm, rq->realm) != 0)
		FAIL(SIP_DIGEST_MALFORMED, "realm does not match");
	size_t hex_len = sip_digest_hex_len(cr->alg);
	if (strlen(cr->response) != hex_len)
		FAIL(SIP_DIGEST_MALFORMED, "response length does not match the algorithm");

	/* Forged nonces are told apart before any user-dependent work. */
	nonce_state = nonce_open(s, cr->nonce, rq->realm, rq->now_ms, &ts, rnd);
	if (nonce_state == SIP_DIGEST_BAD_NONCE)
		FAIL(SIP_DIGEST_BAD_NONCE, "nonce not issued here");

	if ((r = secret_ha1(cr, rq, ha1, reason)) != SIP_DIGEST_OK)
		return r;
	struct sip_digest_input in = {
		.alg = cr->alg,
		.ha1 = ha1,
		.nonce = cr->nonce,
		.qop = cr->qop,
		.nc = cr->nc_text,
		.cnonce = cr->cnonce,
		.method = rq->method,
		.method_len = rq->method_len,
		.uri = cr->uri,
	};
	if (sip_digest_compute_response(&in, expected) < 0)
		FAIL(SIP_DIGEST_ERROR, "hash failed");
	/* Constant time over the whole digest: no early exit on the first differing byte. */
	memcpy(got, cr->response, hex_len + 1);
	bool match = CRYPTO_memcmp(expected, got, hex_len) == 0;
	OPENSSL_cleanse(ha1, sizeof(ha1));
	if (!match || !rq->secret)
		FAIL(SIP_DIGEST_BAD_RESPONSE, "response does not match");
	/* RFC 7616 §3.3: stale only when the digest itself is right. */
	if (nonce_state == SIP_DIGEST_STALE)
		FAIL(SIP_DIGEST_STALE, "nonce expired");
	if (cr->qop == SIP_DIGEST_QOP_NONE)
		return SIP_DIGEST_OK;
	switch (nc_record(s, ts, rnd, cr->nc)) {
	case SIP_DIGEST_OK:
		return SIP_DIGEST_OK;
	case SIP_DIGEST_REPLAY:
		FAIL(SIP_DIGEST_REPLAY, "nc not above the last one seen");
	case SIP_DIGEST_STALE:
		FAIL(SIP_DIGEST_STALE, "nonce forgotten under load");
	default:
		FAIL(SIP_DIGEST_ERROR, "nc table");
	}
}

/* ---- client ---- */

int sip_digest_build_credentials(const struct sip_digest_challenge *ch, const struct sip_digest_client *cl,
				 char *buf, size_t size, const char **reason)
{
	const char *dummy;
	char ha1[SIP_DIGEST_HEX_MAX], response[SIP_DIGEST_HEX_MAX];
	char cnonce_gen[33], nc_text[SIP_DIGEST_NC_MAX] = "";
	const char *cnonce = NULL;
	struct wbuf o = { buf, size, 0, 0 };
	int err;

	if (!reason)
		reason = &dummy;
	*reason = "";
	if (!ch || !cl || !buf || !size || !cl->username || !cl->method || !cl->uri ||
	    (!cl->password && !cl->ha1)) {
		*reason = "missing argument";
		return -EINVAL;
	}
	buf[0] = '\0';
	if (!sip_digest_alg_name(ch->alg)) {
		*reason = "algorithm not supported";
		return -ENOTSUP;
	}
	enum sip_digest_qop qop = SIP_DIGEST_QOP_NONE;
	if (ch->qop_given) {
		if (!ch->qop_auth) {
			*reason = "challenge offers no qop=auth";
			return -ENOTSUP;
		}
		qop = SIP_DIGEST_QOP_AUTH;
	} else if (alg_is_sess(ch->alg)) {
		*reason = "-sess algorithm without qop";
		return -ENOTSUP;
	}
	if (qop == SIP_DIGEST_QOP_AUTH) {
		cnonce = cl->cnonce;
		if (!cnonce) {
			uint8_t r[16];
			if (RAND_bytes(r, sizeof(r)) != 1) {
				*reason = "no randomness";
				return -EIO;
			}
			hex_encode(r, sizeof(r), cnonce_gen);
			cnonce = cnonce_gen;
		}
		snprintf(nc_text, sizeof(nc_text), "%08x", cl->nc ? (unsigned)cl->nc : 1u);
	}
	if (cl->password) {
		if ((err = sip_digest_ha1(ch->alg, cl->username, ch->realm, cl->password, ha1)) < 0) {
			*reason = "hash failed";
			return err;
		}
	} else {
		if (!is_hex_n(cl->ha1, sip_digest_hex_len(ch->alg))) {
			*reason = "HA1 has the wrong length for the algorithm";
			return -EINVAL;
		}
		memcpy(ha1, cl->ha1, sip_digest_hex_len(ch->alg) + 1);
	}
	struct sip_digest_input in = {
		.alg = ch->alg,
		.ha1 = ha1,
		.nonce = ch->nonce,
		.qop = qop,
		.nc = nc_text,
		.cnonce = cnonce,
		.method = cl->method,
		.method_len = strlen(cl->method),
		.uri = cl->uri,
	};
	err = sip_digest_compute_response(&in, response);
	OPENSSL_cleanse(ha1, sizeof(ha1));
	if (err < 0) {
		*reason = "hash failed";
		return err;
	}
	out_str(&o, "Digest");
	out_quoted(&o, " ", "username", cl->username);
	out_quoted(&o, ", ", "realm", ch->realm);
	out_quoted(&o, ", ", "nonce", ch->nonce);
	out_quoted(&o, ", ", "uri", cl->uri);
	out_quoted(&o, ", ", "response", response);
	out_str(&o, ", algorithm=");
	out_str(&o, sip_digest_alg_name(ch->alg));
	if (qop == SIP_DIGEST_QOP_AUTH) {
		out_quoted(&o, ", ", "cnonce", cnonce);
		out_str(&o, ", qop=auth, nc=");
		out_str(&o, nc_text);
	}
	if (ch->has_opaque)
		out_quoted(&o, ", ", "opaque", ch->opaque);
	if ((err = out_done(&o)) < 0)
		*reason = err == -ENOSPC ? "buffer too small" : "control character in a value";
	return err;
}

int sip_digest_credentials_describe(const struct sip_digest_credentials *cr, char *buf, size_t size)
{
	static const char *const qops[] = { "none", "auth", "auth-int", "other" };
	if (!cr || !buf || !size)
		return -EINVAL;
	const char *alg = sip_digest_alg_name(cr->alg);
	const char *qop = cr->qop <= SIP_DIGEST_QOP_OTHER ? qops[cr->qop] : "?";
	int n = snprintf(buf, size, "digest user=\"%s\" realm=\"%s\" alg=%s qop=%s nc=%s uri=%s%s", cr->username,
			 cr->realm, alg ? alg : cr->algorithm, qop, cr->qop ? cr->nc_text : "-", cr->uri,
			 cr->userhash ? " userhash" : "");
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return n;
}

/* sdp_crypto.c: a=crypto (RFC 4568 §9.1's grammar) and base64 (RFC 4648 §4). */
#include <errno.h>
#include <stdio.h>

#include "sdp_crypto.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t sdp_base64_encode(const uint8_t *in, size_t n, char *out, size_t size)
{
	size_t need = (n + 2) / 3 * 4;
	if (size <= need)
		return 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

int sdp_base64_decode(const struct sdp_str *in, uint8_t *out, size_t size, size_t *n)
{
	size_t len = in->l, pad = 0;
	while (len && in->p[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	/* Padding only completes a group of four; one character alone carries 6 bits. */
	if ((pad && (len + pad) % 4) || len % 4 == 1)
		return -EINVAL;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value(in->p[i]);
		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == size)
				return -ENOSPC;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0) /* the bits left over must be zero (RFC 4648 §3.5) */
		return -EINVAL;
	*n = o;
	return 0;
}

static const char *const suite_names[SDP_SRTP_SUITES] = {
	"", "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32",
};

const char *sdp_srtp_suite_name(enum sdp_srtp_suite s)
{
	return (unsigned)s < SDP_SRTP_SUITES ? suite_names[s] : "";
}

static int bad(const char **why, const char *reason)
{
	*why = reason;
	return -EINVAL;
}

static int unusable(const char **why, const char *reason)
{
	*why = reason;
	return -ENOTSUP;
}

/* lifetime = ["2^"] 1*DIGIT: a number of packets, at most 2^48 for SRTP. */
static int lifetime(const struct sdp_str *v, uint64_t *out)
{
	struct sdp_str digits = *v;
	bool power = v->l > 2 && v->p[0] == '2' && v->p[1] == '^';
	if (power) {
		digits.p += 2;
		digits.l -= 2;
	}
	uint64_t n;
	if (sdp_str_u64(&digits, power ? 48 : (1ull << 48), &n) || n == 0)
		return -EINVAL;
	*out = power ? 1ull << n : n;
	return 0;
}

/* "inline:" key-salt ["|" lifetime] ["|" mki]: one key, no MKI. */
static int key_param(const struct sdp_str *kp, struct sdp_crypto *c, const char **why)
{
	struct sdp_str method, info, key, rest, life = {0};
	if (memchr(kp->p, ';', kp->l))
		return unusable(why, "more than one key in an a=crypto line is not supported");
	if (!sdp_str_split(kp, ':', &method, &info))
		return bad(why, "bad key parameter in a=crypto");
	if (!sdp_str_eq(&method, "inline"))
		return unusable(why, "a=crypto key method other than inline is not supported");
	if (sdp_str_split(&info, '|', &key, &rest)) {
		/* Lifetime and MKI may both follow; an MKI is "value:length". */
		struct sdp_str second;
		if (sdp_str_split(&rest, '|', &life, &second) || memchr(rest.p, ':', rest.l))
			return unusable(why, "MKI in a=crypto is not supported");
		life = rest;
	} else {
		key = info;
	}
	size_t n;
	if (sdp_base64_decode(&key, c->key, sizeof(c->key), &n) || n != SDP_SRTP_KEY_LEN)
		return bad(why, "a=crypto key is not 30 bytes of base64");
	if (life.p && lifetime(&life, &c->lifetime))
		return bad(why, "bad key lifetime in a=crypto");
	return 0;
}

/* tag 1*WSP crypto-suite 1*WSP key-params *(1*WSP session-param) */
int sdp_crypto_parse(const struct sdp_str *value, struct sdp_crypto *c, const char **why)
{
	struct sdp_str rest = *value, tag, suite, kp, param;
	uint32_t t;
	memset(c, 0, sizeof(*c));
	if (!sdp_str_field(&rest, &tag) || !sdp_str_field(&rest, &suite) || !sdp_str_field(&rest, &kp))
		return bad(why, "bad a=crypto line");
	if (tag.l > 9 || sdp_str_u32(&tag, 999999999, &t) || t == 0)
		return bad(why, "bad tag in a=crypto");
	c->tag = t;
	for (unsigned s = 1; s < SDP_SRTP_SUITES; s++)
		if (sdp_str_eq(&suite, suite_names[s]))
			c->suite = (enum sdp_srtp_suite)s;
	if (c->suite == SDP_SRTP_NONE)
		return unusable(why, "no supported crypto suite: AES_CM_128_HMAC_SHA1_80 or _32");
	int rc = key_param(&kp, c, why);
	if (rc)
		return rc;
	while (sdp_str_field(&rest, &param)) {
		struct sdp_str name, v;
		if (sdp_str_split(&param, '=', &name, &v) && sdp_str_eq(&name, "WSH")) {
			uint32_t w;
			if (sdp_str_u32(&v, UINT32_MAX, &w) || w < 64)
				return bad(why, "bad WSH= in a=crypto");
			continue;
		}
		return unusable(why, "a=crypto session parameters are not supported");
	}
	return 0;
}

int sdp_crypto_pick(const struct sdp_media *m, bool (*want)(uint32_t tag, enum sdp_srtp_suite s, void *arg),
		    void *arg, struct sdp_crypto *out, const char **why)
{
	struct sdp_str it = m->lines, name, value;
	const char *first = NULL;
	while (sdp_attr_next(&it, &name, &value)) {
		if (!sdp_str_eq(&name, "crypto"))
			continue;
		const char *r = NULL;
		struct sdp_crypto c;
		if (!value.p)
			r = "bad a=crypto line";
		else if (sdp_crypto_parse(&value, &c, &r) == 0 && want && !want(c.tag, c.suite, arg))
			r = "a=crypto tag or suite that was not offered";
		if (!r) {
			*out = c;
			return 0;
		}
		if (!first)
			first = r;
	}
	*why = first ? first : "no a=crypto line";
	return -ENOENT;
}

size_t sdp_crypto_print(char *out, size_t size, const struct sdp_crypto *c)
{
	char key[48];
	if (c->suite == SDP_SRTP_NONE || (unsigned)c->suite >= SDP_SRTP_SUITES ||
	    !sdp_base64_encode(c->key, sizeof(c->key), key, sizeof(key)))
		return 0;
	int n = snprintf(out, size, "a=crypto:%u %s inline:%s\r\n", (unsigned)c->tag, suite_names[c->suite], key);
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* test_sip_digest.c: SIP Digest auth: RFC vectors, header parsing, signed nonces, nc replay table, challenges. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sip_digest.h"

#define assert_contains(hay, needle)                                                          \
	do {                                                                                  \
		const char *h_ = (hay);                                                       \
		if (!h_ || !strstr(h_, (needle)))                                             \
			fail_msg("expected \"%s\" to contain \"%s\"", h_ ? h_ : "(null)", (needle)); \
	} while (0)

/* RFC 7616 §3.9.1 (password "Circle of Life", lowercase "of": erratum 4495). */
#define RFC_USER "Mufasa"
#define RFC_PASS "Circle of Life"
#define RFC_REALM "http-auth@example.org"
#define RFC_URI "/dir/index.html"
#define RFC_NONCE "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define RFC_CNONCE "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define RFC_OPAQUE "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
#define RFC_MD5 "8ca523f5e9506fed4657c9700eebdbec"
#define RFC_SHA256 "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"

/*
 * Our SIP example. Expected values were computed outside this code with
 * coreutils and openssl, e.g.
 *   ha1=$(printf '%s' '1000:strowger.example:s3cret!' | md5sum)
 *   ha2=$(printf '%s' 'REGISTER:sip:strowger.example' | md5sum)
 *   printf '%s' "$ha1:a1b2c3d4e5f6:00000002:deadbeef:auth:$ha2" | md5sum
 */
#define SIP_USER "1000"
#define SIP_PASS "s3cret!"
#define SIP_REALM "strowger.example"
#define SIP_URI "sip:strowger.example"
#define SIP_HA1_MD5 "c3a08f28452bf1c76d7f59a3f49316fd"
#define SIP_HA1_SHA256 "cc499a8a44242367a0c8dcbbf9e4e8391594a8310315fb51c6409f92735819c3"

/*
 * With secret "0123456789abcdef0123456789abcdef", random bytes 00..07 and
 * now_ms = 1000000, the nonce is ts|rnd|HMAC-SHA256(secret, ts|rnd|realm)[:16]:
 *   printf '00000000000f42400001020304050607'"$(printf strowger.example | xxd -p)" |
 *     xxd -r -p | openssl dgst -sha256 -mac HMAC -macopt key:0123456789abcdef0123456789abcdef
 */
#define FIXED_SECRET "0123456789abcdef0123456789abcdef"
#define FIXED_NOW 1000000u
#define FIXED_NONCE "00000000000f42400001020304050607ececa7838ade7168d36d574a6a89870c"
/* REGISTER responses on FIXED_NONCE, nc=00000001, cnonce="deadbeef", from the shell. */
#define FIXED_RESP_MD5 "a345cf6cea2d67d7437d498d3aad091f"
#define FIXED_RESP_SHA256 "7cb700b1b813dd5a877f9d43c414ebb89399c8091671694ecadeeeee8bafa6eb"

#define LIFETIME 30000u

/* Deterministic randomness: a byte counter. */
static int counter_random(void *arg, uint8_t *buf, size_t n)
{
	uint8_t *next = arg;
	for (size_t i = 0; i < n; i++)
		buf[i] = (*next)++;
	return 0;
}

static uint8_t rnd_state;

static struct sip_digest_server *new_server(size_t table, bool rfc2069)
{
	struct sip_digest_server *s = NULL;
	struct sip_digest_config cfg = {
		.nonce_lifetime_ms = LIFETIME,
		.nc_table_size = table,
		.allow_rfc2069 = rfc2069,
		.random = counter_random,
		.random_arg = &rnd_state,
		.secret = (const uint8_t *)FIXED_SECRET,
		.secret_len = strlen(FIXED_SECRET),
	};
	rnd_state = 0;
	assert_int_equal(sip_digest_server_new(&s, &cfg), 0);
	assert_non_null(s);
	return s;
}

static int parse_cr(const char *v, struct sip_digest_credentials *cr, const char **why)
{
	return sip_digest_parse_credentials(v, strlen(v), cr, why);
}

/* What a phone would send: challenge from the server, answer built and parsed back. */
static void answer(struct sip_digest_server *s, enum sip_digest_alg alg, const char *password, uint32_t nc,
		   uint64_t now, struct sip_digest_credentials *cr)
{
	char hdr[1024], auth[2048];
	struct sip_digest_challenge ch;
	const char *why = NULL;
	assert_true(sip_digest_challenge(s, alg, SIP_REALM, NULL, false, now, hdr, sizeof(hdr)) > 0);
	assert_int_equal(sip_digest_parse_challenge(hdr, strlen(hdr), &ch, &why), 0);
	struct sip_digest_client cl = {
		.username = SIP_USER, .password = password, .method = "REGISTER",
		.uri = SIP_URI, .cnonce = "0a4f113b", .nc = nc,
	};
	assert_true(sip_digest_build_credentials(&ch, &cl, auth, sizeof(auth), &why) > 0);
	assert_int_equal(parse_cr(auth, cr, &why), 0);
}

/* Re-signs parsed credentials for another nc, as a client reusing a nonce does. */
static void resign(struct sip_digest_credentials *cr, const char *password, uint32_t nc)
{
	char ha1[SIP_DIGEST_HEX_MAX];
	assert_int_equal(sip_digest_ha1(cr->alg, cr->username, cr->realm, password, ha1), 0);
	snprintf(cr->nc_text, sizeof(cr->nc_text), "%08x", (unsigned)nc);
	cr->nc = nc;
	struct sip_digest_input in = {
		.alg = cr->alg, .ha1 = ha1, .nonce = cr->nonce, .qop = cr->qop, .nc = cr->nc_text,
		.cnonce = cr->cnonce, .method = "REGISTER", .method_len = 8, .uri = cr->uri,
	};
	assert_int_equal(sip_digest_compute_response(&in, cr->response), 0);
}

static enum sip_digest_result verify(struct sip_digest_server *s, const struct sip_digest_credentials *cr,
				     const struct sip_digest_secret *sec, uint64_t now, const char **why)
{
	struct sip_digest_request rq = {
		.method = "REGISTER", .method_len = 8, .realm = SIP_REALM, .secret = sec, .now_ms = now,
	};
	return sip_digest_verify(s, cr, &rq, why);
}

static const struct sip_digest_secret good = { .password = SIP_PASS };

/* ---- hashes ---- */

static void test_rfc7616_vectors(void **state)
{
	(void)state;
	char ha1[SIP_DIGEST_HEX_MAX], out[SIP_DIGEST_HEX_MAX];
	struct {
		enum sip_digest_alg alg;
		const char *expect;
	} v[] = { { SIP_DIGEST_ALG_MD5, RFC_MD5 }, { SIP_DIGEST_ALG_SHA256, RFC_SHA256 } };
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(sip_digest_ha1(v[i].alg, RFC_USER, RFC_REALM, RFC_PASS, ha1), 0);
		struct sip_digest_input in = {
			.alg = v[i].alg, .ha1 = ha1, .nonce = RFC_NONCE, .qop = SIP_DIGEST_QOP_AUTH,
			.nc = "00000001", .cnonce = RFC_CNONCE, .method = "GET", .method_len = 3, .uri = RFC_URI,
		};
		assert_int_equal(sip_digest_compute_response(&in, out), 0);
		assert_string_equal(out, v[i].expect);
	}
}

static void test_rfc2617_vector(void **state)
{
	(void)state;
	char ha1[SIP_DIGEST_HEX_MAX], out[SIP_DIGEST_HEX_MAX];
	assert_int_equal(sip_digest_ha1(SIP_DIGEST_ALG_MD5, "Mufasa", "testrealm@host.com", "Circle Of Life", ha1), 0);
	struct sip_digest_input in = {
		.alg = SIP_DIGEST_ALG_MD5, .ha1 = ha1, .nonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093",
		.qop = SIP_DIGEST_QOP_AUTH, .nc = "00000001", .cnonce = "0a4f113b",
		.method = "GET", .method_len = 3, .uri = "/dir/index.html",
	};
	assert_int_equal(sip_digest_compute_response(&in, out), 0);
	assert_string_equal(out, "6629fae49393a05397450978507c4ef1");
}

static void test_register_vectors(void **state)
{
	(void)state;
	char ha1[SIP_DIGEST_HEX_MAX], out[SIP_DIGEST_HEX_MAX];
	struct {
		enum sip_digest_alg alg;
		enum sip_digest_qop qop;
		const char *ha1, *expect;
	} v[] = {
		{ SIP_DIGEST_ALG_MD5, SIP_DIGEST_QOP_AUTH, SIP_HA1_MD5, "fe52a0af306249785f8c7c013e719c0a" },
		{ SIP_DIGEST_ALG_MD5, SIP_DIGEST_QOP_NONE, SIP_HA1_MD5, "b162ee50d3ab3985e65fb4619d281954" },
		{ SIP_DIGEST_ALG_MD5_SESS, SIP_DIGEST_QOP_AUTH, SIP_HA1_MD5, "fca24d8c403988b7afc6302b756edc80" },
		{ SIP_DIGEST_ALG_SHA256, SIP_DIGEST_QOP_AUTH, SIP_HA1_SHA256,
		  "a2a409d402e903a36783cf913870a1c01a4c970e4ba173af63256d6da06bf563" },
		{ SIP_DIGEST_ALG_SHA256, SIP_DIGEST_QOP_NONE, SIP_HA1_SHA256,
		  "170789eaaf12f7b05a7b64d6f09d5c12294e2cc2c6f1663298ac0ca4d077e096" },
		{ SIP_DIGEST_ALG_SHA256_SESS, SIP_DIGEST_QOP_AUTH, SIP_HA1_SHA256,
		  "f21eb45b4bb095df9169032439345bef853e17589a7f8f3ac8b98edf0d19b5c1" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(sip_digest_ha1(v[i].alg, SIP_USER, SIP_REALM, SIP_PASS, ha1), 0);
		assert_string_equal(ha1, v[i].ha1);
		struct sip_digest_input in = {
			.alg = v[i].alg, .ha1 = ha1, .nonce = "a1b2c3d4e5f6", .qop = v[i].qop,
			.nc = "00000002", .cnonce = "deadbeef", .method = "REGISTER", .method_len = 8, .uri = SIP_URI,
		};
		assert_int_equal(sip_digest_compute_response(&in, out), 0);
		assert_string_equal(out, v[i].expect);
		/* A stored HA1 in capitals hashes the same. */
		char upper[SIP_DIGEST_HEX_MAX];
		for (size_t k = 0; (upper[k] = (char)(v[i].ha1[k] >= 'a' ? v[i].ha1[k] - 32 : v[i].ha1[k])); k++)
			;
		in.ha1 = upper;
		assert_int_equal(sip_digest_compute_response(&in, out), 0);
		assert_string_equal(out, v[i].expect);
	}
}

static void test_compute_refusals(void **state)
{
	(void)state;
	char out[SIP_DIGEST_HEX_MAX];
	struct sip_digest_input in = {
		.alg = SIP_DIGEST_ALG_MD5, .ha1 = SIP_HA1_MD5, .nonce = "n", .qop = SIP_DIGEST_QOP_AUTH_INT,
		.nc = "00000001", .cnonce = "c", .method = "REGISTER", .method_len = 8, .uri = SIP_URI,
	};
	assert_int_equal(sip_digest_compute_response(&in, out), -ENOTSUP);
	in.qop = SIP_DIGEST_QOP_AUTH;
	in.alg = SIP_DIGEST_ALG_UNKNOWN;
	assert_int_equal(sip_digest_compute_response(&in, out), -ENOTSUP);
	in.alg = SIP_DIGEST_ALG_SHA256; /* an MD5-sized HA1 */
	assert_int_equal(sip_digest_compute_response(&in, out), -EINVAL);
	in.alg = SIP_DIGEST_ALG_MD5;
	in.nc = "1";
	assert_int_equal(sip_digest_compute_response(&in, out), -EINVAL);
	in.nc = "00000001";
	in.cnonce = NULL;
	assert_int_equal(sip_digest_compute_response(&in, out), -EINVAL);
}

/* ---- parsing ---- */

static void test_parse_rfc7616_header(void **state)
{
	(void)state;
	/* As printed in RFC 7616 §3.9.1, folded over lines. */
	const char *v = "Digest username=\"Mufasa\",\r\n"
			"       realm=\"http-auth@example.org\",\r\n"
			"       uri=\"/dir/index.html\",\r\n"
			"       algorithm=SHA-256,\r\n"
			"       nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"
			"       nc=00000001,\r\n"
			"       cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\",\r\n"
			"       qop=auth,\r\n"
			"       response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\",\r\n"
			"       opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
	struct sip_digest_credentials cr;
	const char *why = NULL;
	assert_int_equal(parse_cr(v, &cr, &why), 0);
	assert_int_equal(cr.alg, SIP_DIGEST_ALG_SHA256);
	assert_string_equal(cr.algorithm, "SHA-256");
	assert_int_equal(cr.qop, SIP_DIGEST_QOP_AUTH);
	assert_int_equal(cr.nc, 1);
	assert_string_equal(cr.nc_text, "00000001");
	assert_string_equal(cr.username, RFC_USER);
	assert_string_equal(cr.realm, RFC_REALM);
	assert_string_equal(cr.uri, RFC_URI);
	assert_string_equal(cr.nonce, RFC_NONCE);
	assert_string_equal(cr.cnonce, RFC_CNONCE);
	assert_string_equal(cr.response, RFC_SHA256);
	assert_true(cr.has_opaque);
	assert_string_equal(cr.opaque, RFC_OPAQUE);

	/* The parsed fields hash back to the response they carry. */
	char ha1[SIP_DIGEST_HEX_MAX], out[SIP_DIGEST_HEX_MAX];
	assert_int_equal(sip_digest_ha1(cr.alg, cr.username, cr.realm, RFC_PASS, ha1), 0);
	struct sip_digest_input in = {
		.alg = cr.alg, .ha1 = ha1, .nonce = cr.nonce, .qop = cr.qop, .nc = cr.nc_text,
		.cnonce = cr.cnonce, .method = "GET", .method_len = 3, .uri = cr.uri,
	};
	assert_int_equal(sip_digest_compute_response(&in, out), 0);
	assert_string_equal(out, cr.response);
}

static void test_parse_defaults_and_no_qop(void **state)
{
	(void)state;
	struct sip_digest_credentials cr;
	assert_int_equal(parse_cr("Digest username=\"1000\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", "
				  "response=\"B162EE50D3AB3985E65FB4619D281954\"",
				  &cr, NULL),
			 0);
	assert_int_equal(cr.alg, SIP_DIGEST_ALG_MD5); /* absent means MD5 */
	assert_string_equal(cr.algorithm, "");
	assert_int_equal(cr.qop, SIP_DIGEST_QOP_NONE);
	assert_false(cr.has_opaque);
	assert_string_equal(cr.response, "b162ee50d3ab3985e65fb4619d281954"); /* lowercased */
}

static void test_parse_escapes(void **state)
{
	(void)state;
	struct sip_digest_credentials cr;
	const char *why = NULL;
	const char *v = "Digest username=\"Mu\\\"fa\\\\sa\", realm=\"a\\,b, c\", nonce=\"n\\x\", "
			"uri=\"sip:x@y;transport=tcp\", response=\"00ff\", opaque=\"\"";
	assert_int_equal(parse_cr(v, &cr, &why), 0);
	assert_string_equal(cr.username, "Mu\"fa\\sa");
	assert_string_equal(cr.realm, "a,b, c");
	assert_string_equal(cr.nonce, "nx");
	assert_string_equal(cr.uri, "sip:x@y;transport=tcp");
	assert_true(cr.has_opaque);
	assert_string_equal(cr.opaque, "");
}

static void test_parse_lws_case_unknown(void **state)
{
	(void)state;
	struct sip_digest_credentials cr;
	const char *why = NULL;
	/* Odd case, spaces around '=', folding, empty list elements, unknown params, quoted tokens. */
	const char *v = "  dIgEsT\t USERNAME = \"alice\" ,\r\n\tRealm=\"r\",,  NONCE=\"n\", Uri=\"sip:r\","
			" x-foo=bar, x-bar=\"a, b\", Response=\"0123456789abcdef0123456789abcdef\","
			" QOP=\"auth\", NC=\"0000000a\", CNonce=\"c\", ALGORITHM=\"md5-SESS\",";
	assert_int_equal(parse_cr(v, &cr, &why), 0);
	assert_string_equal(cr.username, "alice");
	assert_string_equal(cr.realm, "r");
	assert_string_equal(cr.uri, "sip:r");
	assert_int_equal(cr.qop, SIP_DIGEST_QOP_AUTH);
	assert_int_equal(cr.nc, 10);
	assert_int_equal(cr.alg, SIP_DIGEST_ALG_MD5_SESS);
	/* Not NUL-terminated: only len bytes are read. */
	char buf[256];
	const char *full = "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"ab\"XYZ";
	size_t len = strlen(full) - 3;
	memcpy(buf, full, strlen(full));
	assert_int_equal(sip_digest_parse_credentials(buf, len, &cr, &why), 0);
	assert_string_equal(cr.response, "ab");
}

static void test_parse_missing_fields(void **state)
{
	(void)state;
	static const struct {
		const char *v, *reason;
	} cases[] = {
		{ "Digest realm=\"r\", nonce=\"n\", uri=\"u\", response=\"ab\"", "missing username" },
		{ "Digest username=\"u\", nonce=\"n\", uri=\"u\", response=\"ab\"", "missing realm" },
		{ "Digest username=\"u\", realm=\"r\", uri=\"u\", response=\"ab\"", "missing nonce" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", response=\"ab\"", "missing uri" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\"", "missing response" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"ab\", qop=auth, nc=00000001",
		  "qop without cnonce" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"ab\", qop=auth, cnonce=\"c\"",
		  "qop without nc" },
		{ "Digest username*=UTF-8''J%C3%A4s, realm=\"r\", nonce=\"n\", uri=\"u\", response=\"ab\"",
		  "missing username" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sip_digest_credentials cr;
		const char *why = NULL;
		assert_int_equal(parse_cr(cases[i].v, &cr, &why), -EINVAL);
		assert_string_equal(why, cases[i].reason);
	}
}

static void test_parse_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *v, *reason;
	} cases[] = {
		{ "Digest username=\"u", "unterminated quoted string" },
		{ "Digest username=\"u\\\"", "unterminated quoted string" },
		{ "Digest username", "expected '=' after a parameter name" },
		{ "Digest username=", "empty parameter value" },
		{ "Digest username=\"u\" realm=\"r\"", "expected ',' between parameters" },
		{ "Digest =\"u\"", "expected a parameter name" },
		{ "Digest username=\"a\r\nb\"", "control character in a quoted string" },
		{ "Digest username=a\"b\"", "invalid character in a parameter value" },
		{ "Digest username=\"u\", username=\"v\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"ab\"",
		  "duplicate parameter" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"xyz\"", "response is not hex" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"ab\", qop=auth, nc=1, "
		  "cnonce=\"c\"",
		  "nc is not 8 hex digits" },
		{ "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"ab\", qop=auth, "
		  "nc=0000000g, cnonce=\"c\"",
		  "nc is not 8 hex digits" },
		{ "Digest", "no parameters" },
		{ "Digestusername=\"u\"", "auth scheme is not Digest" },
		{ "", "no auth scheme" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sip_digest_credentials cr;
		const char *why = NULL;
		int rc = parse_cr(cases[i].v, &cr, &why);
		if (rc >= 0 || strcmp(why, cases[i].reason) != 0)
			fail_msg("case %zu: rc %d reason \"%s\", wanted \"%s\"", i, rc, why, cases[i].reason);
	}
	struct sip_digest_credentials cr;
	const char *why = NULL;
	assert_int_equal(parse_cr("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", &cr, &why), -ENOTSUP);
	assert_int_equal(parse_cr("Digestusername=\"u\"", &cr, &why), -ENOTSUP);

	/* Too long for its buffer: refused, not truncated. */
	char v[2048], name[400];
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(v, sizeof(v), "Digest username=\"%s\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"ab\"", name);
	assert_int_equal(parse_cr(v, &cr, &why), -EINVAL);
	assert_string_equal(why, "username too long");
	snprintf(v, sizeof(v), "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"%s\"", name);
	assert_int_equal(parse_cr(v, &cr, &why), -EINVAL);
	assert_string_equal(why, "response too long");
}

static void test_parse_unknown_algorithm(void **state)
{
	(void)state;
	struct sip_digest_server *s = new_server(16, false);
	struct sip_digest_credentials cr;
	const char *why = NULL;
	assert_int_equal(parse_cr("Digest username=\"1000\", realm=\"strowger.example\", nonce=\"n\", uri=\"sip:x\", "
				  "response=\"ab\", algorithm=SHA-512-256, qop=auth, nc=00000001, cnonce=\"c\"",
				  &cr, &why),
			 0);
	assert_int_equal(cr.alg, SIP_DIGEST_ALG_UNKNOWN);
	assert_string_equal(cr.algorithm, "SHA-512-256");
	assert_int_equal(verify(s, &cr, &good, FIXED_NOW, &why), SIP_DIGEST_UNSUPPORTED);
	assert_string_equal(why, "algorithm");
	assert_int_equal(sip_digest_alg_parse("sha-256", 7), SIP_DIGEST_ALG_SHA256);
	assert_int_equal(sip_digest_alg_parse("SHA-256-sess", 12), SIP_DIGEST_ALG_SHA256_SESS);
	assert_int_equal(sip_digest_alg_parse("SHA-25", 6), SIP_DIGEST_ALG_UNKNOWN);
	sip_digest_server_free(s);
}

static void test_parse_challenge(void **state)
{
	(void)state;
	struct sip_digest_challenge ch;
	const char *why = NULL;
	const char *v = "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, "
			"nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
			"opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\", domain=\"sip:x\", stale=TRUE";
	assert_int_equal(sip_digest_parse_challenge(v, strlen(v), &ch, &why), 0);
	assert_int_equal(ch.alg, SIP_DIGEST_ALG_SHA256);
	assert_true(ch.qop_given);
	assert_true(ch.qop_auth);
	assert_true(ch.qop_auth_int);
	assert_true(ch.stale);
	assert_true(ch.has_opaque);
	assert_string_equal(ch.realm, RFC_REALM);
	assert_string_equal(ch.nonce, RFC_NONCE);
	assert_string_equal(ch.opaque, RFC_OPAQUE);

	v = "Digest realm=\"atlanta.com\", nonce=\"84a4cc6f3082121f32b42a2187831a9e\", stale=FALSE";
	assert_int_equal(sip_digest_parse_challenge(v, strlen(v), &ch, &why), 0);
	assert_int_equal(ch.alg, SIP_DIGEST_ALG_MD5);
	assert_false(ch.qop_given);
	assert_false(ch.stale);
	assert_false(ch.has_opaque);

	v = "Digest realm=\"atlanta.com\", qop=\"auth\"";
	assert_int_equal(sip_digest_parse_challenge(v, strlen(v), &ch, &why), -EINVAL);
	assert_string_equal(why, "missing nonce");
	v = "Basic realm=\"x\"";
	assert_int_equal(sip_digest_parse_challenge(v, strlen(v), &ch, &why), -ENOTSUP);
}

/* ---- client ---- */

static void test_client_rfc7616(void **state)
{
	(void)state;
	static const struct {
		const char *alg, *expect;
	} v[] = { { "MD5", RFC_MD5 }, { "SHA-256", RFC_SHA256 } };
	for (size_t i = 0; i < 2; i++) {
		char hdr[512], auth[1024], want[128];
		struct sip_digest_challenge ch;
		struct sip_digest_credentials cr;
		const char *why = NULL;
		snprintf(hdr, sizeof(hdr),
			 "Digest realm=\"" RFC_REALM "\", qop=\"auth, auth-int\", algorithm=%s, nonce=\"" RFC_NONCE
			 "\", opaque=\"" RFC_OPAQUE "\"",
			 v[i].alg);
		assert_int_equal(sip_digest_parse_challenge(hdr, strlen(hdr), &ch, &why), 0);
		struct sip_digest_client cl = {
			.username = RFC_USER, .password = RFC_PASS, .method = "GET", .uri = RFC_URI,
			.cnonce = RFC_CNONCE, .nc = 1,
		};
		int n = sip_digest_build_credentials(&ch, &cl, auth, sizeof(auth), &why);
		assert_int_equal(n, (int)strlen(auth));
		snprintf(want, sizeof(want), "response=\"%s\"", v[i].expect);
		assert_contains(auth, want);
		snprintf(want, sizeof(want), ", algorithm=%s,", v[i].alg);
		assert_contains(auth, want);
		assert_contains(auth, "qop=auth, nc=00000001");
		assert_contains(auth, "opaque=\"" RFC_OPAQUE "\"");
		assert_int_equal(parse_cr(auth, &cr, &why), 0);
		assert_string_equal(cr.response, v[i].expect);
		assert_string_equal(cr.cnonce, RFC_CNONCE);
	}
}

static void test_client_forms_and_refusals(void **state)
{
	(void)state;
	char auth[1024];
	struct sip_digest_challenge ch;
	const char *why = NULL;
	const char *v = "Digest realm=\"" SIP_REALM "\", nonce=\"a1b2c3d4e5f6\"";
	assert_int_equal(sip_digest_parse_challenge(v, strlen(v), &ch, &why), 0);
	struct sip_digest_client cl = {
		.username = SIP_USER, .ha1 = SIP_HA1_MD5, .method = "REGISTER", .uri = SIP_URI,
	};
	/* No qop offered: the RFC 2069 form, from a stored HA1. */
	assert_true(sip_digest_build_credentials(&ch, &cl, auth, sizeof(auth), &why) > 0);
	assert_string_equal(auth, "Digest username=\"1000\", realm=\"strowger.example\", nonce=\"a1b2c3d4e5f6\", "
				  "uri=\"sip:strowger.example\", response=\"b162ee50d3ab3985e65fb4619d281954\", "
				  "algorithm=MD5");
	/* A generated cnonce: 32 hex digits, and a different one each time. */
	v = "Digest realm=\"" SIP_REALM "\", nonce=\"a1b2c3d4e5f6\", qop=\"auth\"";
	assert_int_equal(sip_digest_parse_challenge(v, strlen(v), &ch, &why), 0);
	struct sip_digest_credentials a, b;
	assert_true(sip_digest_build_credentials(&ch, &cl, auth, sizeof(auth), &why) > 0);
	assert_int_equal(parse_cr(auth, &a, &why), 0);
	assert_true(sip_digest_build_credentials(&ch, &cl, auth, sizeof(auth), &why) > 0);
	assert_int_equal(parse_cr(auth, &b, &why), 0);
	assert_int_equal(strlen(a.cnonce), 32);
	assert_string_not_equal(a.cnonce, b.cnonce);
	assert_int_equal(a.nc, 1); /* nc 0 is taken as 1 */

	v = "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"";
	assert_int_equal(sip_digest_parse_challenge(v, strlen(v), &ch, &why), 0);
	assert_int_equal(sip_digest_build_credentials(&ch, &cl, auth, sizeof(auth), &why), -ENOTSUP);
	v = "Digest realm=\"r\", nonce=\"n\", qop=\"auth\", algorithm=SHA-512-256";
	assert_int_equal(sip_digest_parse_challenge(v, strlen(v), &ch, &why), 0);
	assert_int_equal(sip_digest_build_credentials(&ch, &cl, auth, sizeof(auth), &why), -ENOTSUP);
	v = "Digest realm=\"r\", nonce=\"n\", qop=\"auth\", algorithm=SHA-256";
	assert_int_equal(sip_digest_parse_challenge(v, strlen(v), &ch, &why), 0);
	assert_int_equal(sip_digest_build_credentials(&ch, &cl, auth, sizeof(auth), &why), -EINVAL); /* MD5 HA1 */
	cl.ha1 = NULL;
	cl.password = SIP_PASS;
	assert_int_equal(sip_digest_build_credentials(&ch, &cl, auth, 40, &why), -ENOSPC);
	assert_string_equal(auth, "");
	cl.uri = "sip:a\r\nVia: evil";
	assert_int_equal(sip_digest_build_credentials(&ch, &cl, auth, sizeof(auth), &why), -EINVAL);
}

/* ---- nonces ---- */

static void test_nonce_independent(void **state)
{
	(void)state;
	struct sip_digest_server *s = new_server(16, false);
	char nonce[80];
	assert_int_equal(sip_digest_nonce_make(s, SIP_REALM, FIXED_NOW, nonce, sizeof(nonce)), 64);
	assert_string_equal(nonce, FIXED_NONCE);
	assert_int_equal(sip_digest_nonce_make(s, SIP_REALM, FIXED_NOW, nonce, 64), -ENOSPC);

	/* Responses on that nonce computed in the shell verify. */
	static const struct {
		const char *alg, *resp;
	} v[] = { { "MD5", FIXED_RESP_MD5 }, { "SHA-256", FIXED_RESP_SHA256 } };
	for (size_t i = 0; i < 2; i++) {
		char hdr[512];
		struct sip_digest_credentials cr;
		const char *why = NULL;
		snprintf(hdr, sizeof(hdr),
			 "Digest username=\"1000\", realm=\"strowger.example\", nonce=\"" FIXED_NONCE
			 "\", uri=\"sip:strowger.example\", response=\"%s\", algorithm=%s, cnonce=\"deadbeef\", "
			 "qop=auth, nc=00000001",
			 v[i].resp, v[i].alg);
		assert_int_equal(parse_cr(hdr, &cr, &why), 0);
		assert_int_equal(verify(s, &cr, &good, FIXED_NOW + 5, &why), i == 0 ? SIP_DIGEST_OK : SIP_DIGEST_REPLAY);
	}
	sip_digest_server_free(s);
}

static void test_nonce_lifetime(void **state)
{
	(void)state;
	struct sip_digest_server *s = new_server(16, false);
	struct sip_digest_credentials cr;
	const char *why = NULL;
	char nonce[80];
	assert_int_equal(sip_digest_nonce_make(s, SIP_REALM, 5000, nonce, sizeof(nonce)), 64);
	assert_int_equal(sip_digest_nonce_check(s, nonce, SIP_REALM, 5000), SIP_DIGEST_OK);
	assert_int_equal(sip_digest_nonce_check(s, nonce, SIP_REALM, 5000 + LIFETIME - 1), SIP_DIGEST_OK);
	assert_int_equal(sip_digest_nonce_check(s, nonce, SIP_REALM, 5000 + LIFETIME), SIP_DIGEST_STALE);

	answer(s, SIP_DIGEST_ALG_SHA256, SIP_PASS, 1, 5000, &cr);
	/* Right password on an expired nonce: stale. Wrong password: not. */
	assert_int_equal(verify(s, &cr, &good, 5000 + LIFETIME, &why), SIP_DIGEST_STALE);
	assert_string_equal(why, "nonce expired");
	const struct sip_digest_secret bad = { .password = "wrong" };
	assert_int_equal(verify(s, &cr, &bad, 5000 + LIFETIME, &why), SIP_DIGEST_BAD_RESPONSE);
	/* A stale answer does not use up the nc. */
	assert_int_equal(verify(s, &cr, &good, 5000 + LIFETIME - 1, &why), SIP_DIGEST_OK);
	/* The wall clock stepped back after a nonce was issued: still ours, and fresh
	 * within a lifetime of the step; further back it is stale, not forged. */
	assert_int_equal(sip_digest_nonce_make(s, SIP_REALM, FIXED_NOW, nonce, sizeof(nonce)), 64);
	assert_int_equal(sip_digest_nonce_check(s, nonce, SIP_REALM, FIXED_NOW - 1), SIP_DIGEST_OK);
	assert_int_equal(sip_digest_nonce_check(s, nonce, SIP_REALM, FIXED_NOW - (LIFETIME - 1)), SIP_DIGEST_OK);
	assert_int_equal(sip_digest_nonce_check(s, nonce, SIP_REALM, FIXED_NOW - LIFETIME), SIP_DIGEST_STALE);
	sip_digest_server_free(s);
}

static void test_nonce_tampered(void **state)
{
	(void)state;
	struct sip_digest_server *s = new_server(16, false);
	struct sip_digest_server *other = NULL;
	char nonce[80], bad[80];
	assert_int_equal(sip_digest_nonce_make(s, SIP_REALM, FIXED_NOW, nonce, sizeof(nonce)), 64);
	/* Any flipped digit: timestamp, random part or MAC. */
	for (size_t i = 0; i < 64; i += 7) {
		strcpy(bad, nonce);
		bad[i] = bad[i] == '0' ? '1' : '0';
		assert_int_equal(sip_digest_nonce_check(s, bad, SIP_REALM, FIXED_NOW), SIP_DIGEST_BAD_NONCE);
	}
	assert_int_equal(sip_digest_nonce_check(s, nonce, "other.example", FIXED_NOW), SIP_DIGEST_BAD_NONCE);
	assert_int_equal(sip_digest_nonce_check(s, RFC_NONCE, SIP_REALM, FIXED_NOW), SIP_DIGEST_BAD_NONCE);
	assert_int_equal(sip_digest_nonce_check(s, "", SIP_REALM, FIXED_NOW), SIP_DIGEST_BAD_NONCE);
	snprintf(bad, sizeof(bad), "%s0", nonce);
	assert_int_equal(sip_digest_nonce_check(s, bad, SIP_REALM, FIXED_NOW), SIP_DIGEST_BAD_NONCE);
	/* The same value spelt in capitals is not our spelling. */
	strcpy(bad, nonce);
	char *letter = strpbrk(bad, "abcdef");
	assert_non_null(letter);
	*letter = (char)(*letter - 32);
	assert_int_equal(sip_digest_nonce_check(s, bad, SIP_REALM, FIXED_NOW), SIP_DIGEST_BAD_NONCE);
	/* Another process (another secret) did not issue it. */
	assert_int_equal(sip_digest_server_new(&other, NULL), 0);
	assert_int_equal(sip_digest_nonce_check(other, nonce, SIP_REALM, FIXED_NOW), SIP_DIGEST_BAD_NONCE);
	sip_digest_server_free(other);

	/* Through verify: forged nonce is BAD_NONCE, whatever the password or user. */
	struct sip_digest_credentials cr;
	const char *why = NULL;
	answer(s, SIP_DIGEST_ALG_MD5, SIP_PASS, 1, FIXED_NOW, &cr);
	cr.nonce[63] = cr.nonce[63] == '0' ? '1' : '0';
	resign(&cr, SIP_PASS, 1);
	assert_int_equal(verify(s, &cr, &good, FIXED_NOW, &why), SIP_DIGEST_BAD_NONCE);
	assert_int_equal(verify(s, &cr, NULL, FIXED_NOW, &why), SIP_DIGEST_BAD_NONCE);
	sip_digest_server_free(s);
}

/* ---- nc ---- */

static void test_nc_replay(void **state)
{
	(void)state;
	struct sip_digest_server *s = new_server(16, false);
	struct sip_digest_credentials cr;
	const char *why = NULL;
	answer(s, SIP_DIGEST_ALG_SHA256, SIP_PASS, 3, FIXED_NOW, &cr);
	assert_int_equal(verify(s, &cr, &good, FIXED_NOW + 1, &why), SIP_DIGEST_OK);
	assert_int_equal(verify(s, &cr, &good, FIXED_NOW + 2, &why), SIP_DIGEST_REPLAY);
	assert_string_equal(why, "nc not above the last one seen");
	resign(&cr, SIP_PASS, 2);
	assert_int_equal(verify(s, &cr, &good, FIXED_NOW + 3, &why), SIP_DIGEST_REPLAY);
	/* A wrong password does not touch the table. */
	resign(&cr, "wrong", 9);
	assert_int_equal(verify(s, &cr, &good, FIXED_NOW + 4, &why), SIP_DIGEST_BAD_RESPONSE);
	resign(&cr, SIP_PASS, 4);
	assert_int_equal(verify(s, &cr, &good, FIXED_NOW + 5, &why), SIP_DIGEST_OK);
	assert_int_equal(sip_digest_server_nc_count(s), 1);
	sip_digest_server_free(s);
}

static void test_nc_increasing(void **state)
{
	(void)state;
	struct sip_digest_server *s = new_server(16, false);
	struct sip_digest_credentials cr;
	const char *why = NULL;
	static const uint32_t ncs[] = { 1, 2, 3, 7, 0x10, 0xffffffff };
	answer(s, SIP_DIGEST_ALG_MD5, SIP_PASS, 1, FIXED_NOW, &cr);
	for (size_t i = 0; i < sizeof(ncs) / sizeof(ncs[0]); i++) {
		resign(&cr, SIP_PASS, ncs[i]);
		assert_int_equal(verify(s, &cr, &good, FIXED_NOW + i, &why), SIP_DIGEST_OK);
	}
	resign(&cr, SIP_PASS, 0);
	assert_int_equal(verify(s, &cr, &good, FIXED_NOW + 9, &why), SIP_DIGEST_MALFORMED);
	sip_digest_server_free(s);
}

static void test_nc_table_bounded(void **state)
{
	(void)state;
	enum { CAP = 8, MANY = 2000 };
	struct sip_digest_server *s = new_server(CAP, false);
	struct sip_digest_credentials first, cr;
	const char *why = NULL;
	answer(s, SIP_DIGEST_ALG_MD5, SIP_PASS, 1, FIXED_NOW, &first);
	assert_int_equal(verify(s, &first, &good, FIXED_NOW, &why), SIP_DIGEST_OK);
	for (uint64_t i = 1; i <= MANY; i++) {
		answer(s, SIP_DIGEST_ALG_MD5, SIP_PASS, 1, FIXED_NOW + i, &cr);
		assert_int_equal(verify(s, &cr, &good, FIXED_NOW + i, &why), SIP_DIGEST_OK);
		assert_true(sip_digest_server_nc_count(s) <= CAP);
	}
	assert_int_equal(sip_digest_server_nc_count(s), CAP);
	/* The newest is still remembered. */
	assert_int_equal(verify(s, &cr, &good, FIXED_NOW + MANY, &why), SIP_DIGEST_REPLAY);
	/* The first was forgotten: not accepted again, but stale (a fresh nonce fixes it). */
	assert_int_equal(verify(s, &first, &good, FIXED_NOW + MANY, &why), SIP_DIGEST_STALE);
	assert_string_equal(why, "nonce forgotten under load");
	resign(&first, SIP_PASS, 2);
	assert_int_equal(verify(s, &first, &good, FIXED_NOW + MANY, &why), SIP_DIGEST_STALE);
	sip_digest_server_free(s);
}

static void test_nc_table_evicts_oldest(void **state)
{
	(void)state;
	struct sip_digest_server *s = new_server(2, false);
	struct sip_digest_credentials old, live, cr;
	const char *why = NULL;
	answer(s, SIP_DIGEST_ALG_MD5, SIP_PASS, 1, 0, &old);
	assert_int_equal(verify(s, &old, &good, 0, &why), SIP_DIGEST_OK);
	answer(s, SIP_DIGEST_ALG_MD5, SIP_PASS, 1, 20000, &live);
	assert_int_equal(verify(s, &live, &good, 20000, &why), SIP_DIGEST_OK);
	/* Full: a third nonce pushes out the oldest (expired by now), not the live one. */
	answer(s, SIP_DIGEST_ALG_MD5, SIP_PASS, 1, LIFETIME + 1000, &cr);
	assert_int_equal(verify(s, &cr, &good, LIFETIME + 1000, &why), SIP_DIGEST_OK);
	assert_int_equal(sip_digest_server_nc_count(s), 2);
	assert_int_equal(verify(s, &live, &good, LIFETIME + 1001, &why), SIP_DIGEST_REPLAY);
	resign(&live, SIP_PASS, 2);
	assert_int_equal(verify(s, &live, &good, LIFETIME + 1002, &why), SIP_DIGEST_OK);
	assert_int_equal(verify(s, &old, &good, LIFETIME + 1003, &why), SIP_DIGEST_STALE);
	assert_string_equal(why, "nonce expired");
	sip_digest_server_free(s);
}

/* ---- verify ---- */

static void test_verify_ha1(void **state)
{
	(void)state;
	struct sip_digest_server *s = new_server(16, false);
	struct sip_digest_credentials cr;
	const char *why = NULL;
	const struct sip_digest_secret md5_only = { .ha1_md5 = SIP_HA1_MD5 };
	const struct sip_digest_secret md5_upper = { .ha1_md5 = "C3A08F28452BF1C76D7F59A3F49316FD" };
	const struct sip_digest_secret sha_only = { .ha1_sha256 = SIP_HA1_SHA256 };
	const struct sip_digest_secret wrong = { .ha1_md5 = "00000000000000000000000000000000" };
	const struct sip_digest_secret short_ha1 = { .ha1_md5 = "c3a08f28" };

	answer(s, SIP_DIGEST_ALG_MD5, SIP_PASS, 1, FIXED_NOW, &cr);
	assert_int_equal(verify(s, &cr, &wrong, FIXED_NOW, &why), SIP_DIGEST_BAD_RESPONSE);
	assert_int_equal(verify(s, &cr, &short_ha1, FIXED_NOW, &why), SIP_DIGEST_UNSUPPORTED);
	assert_int_equal(verify(s, &cr, &sha_only, FIXED_NOW, &why), SIP_DIGEST_UNSUPPORTED);
	assert_string_equal(why, "no secret for this algorithm");
	assert_int_equal(verify(s, &cr, &md5_only, FIXED_NOW, &why), SIP_DIGEST_OK);
	resign(&cr, SIP_PASS, 2);
	assert_int_equal(verify(s, &cr, &md5_upper, FIXED_NOW, &why), SIP_DIGEST_OK);

	answer(s, SIP_DIGEST_ALG_SHA256, SIP_PASS, 1, FIXED_NOW, &cr);
	assert_int_equal(verify(s, &cr, &md5_only, FIXED_NOW, &why), SIP_DIGEST_UNSUPPORTED);
	assert_int_equal(verify(s, &cr, &sha_only, FIXED_NOW, &why), SIP_DIGEST_OK);

	/* -sess variants from a stored plain HA1. */
	answer(s, SIP_DIGEST_ALG_SHA256_SESS, SIP_PASS, 1, FIXED_NOW, &cr);
	assert_int_equal(verify(s, &cr, &sha_only, FIXED_NOW, &why), SIP_DIGEST_OK);
	answer(s, SIP_DIGEST_ALG_MD5_SESS, SIP_PASS, 1, FIXED_NOW, &cr);
	assert_int_equal(verify(s, &cr, &md5_only, FIXED_NOW, &why), SIP_DIGEST_OK);
	sip_digest_server_free(s);
}

static void test_verify_unknown_user(void **state)
{
	(void)state;
	struct sip_digest_server *s = new_server(16, false);
	struct sip_digest_credentials cr;
	const char *why = NULL, *why2 = NULL;
	const struct sip_digest_secret bad = { .password = "wrong" };
	answer(s, SIP_DIGEST_ALG_SHA256, SIP_PASS, 1, FIXED_NOW, &cr);
	assert_int_equal(verify(s, &cr, NULL, FIXED_NOW, &why), SIP_DIGEST_BAD_RESPONSE);
	assert_int_equal(verify(s, &cr, &bad, FIXED_NOW, &why2), SIP_DIGEST_BAD_RESPONSE);
	assert_string_equal(why, why2);
	/* Even the dummy password we hash against does not let an unknown user in. */
	answer(s, SIP_DIGEST_ALG_SHA256, "strowger-unknown-user", 1, FIXED_NOW, &cr);
	assert_int_equal(verify(s, &cr, NULL, FIXED_NOW, &why), SIP_DIGEST_BAD_RESPONSE);
	/* Expired nonce, unknown user: bad response, not stale. */
	assert_int_equal(verify(s, &cr, NULL, FIXED_NOW + LIFETIME, &why), SIP_DIGEST_BAD_RESPONSE);
	sip_digest_server_free(s);
}

static void test_verify_refusals(void **state)
{
	(void)state;
	struct sip_digest_server *s = new_server(16, false);
	struct sip_digest_server *lax = new_server(16, true);
	struct sip_digest_credentials cr, c2;
	const char *why = NULL;
	answer(s, SIP_DIGEST_ALG_MD5, SIP_PASS, 1, FIXED_NOW, &cr);

	struct sip_digest_request rq = {
		.method = "REGISTER", .method_len = 8, .realm = "other.example", .secret = &good, .now_ms = FIXED_NOW,
	};
	assert_int_equal(sip_digest_verify(s, &cr, &rq, &why), SIP_DIGEST_MALFORMED);
	assert_string_equal(why, "realm does not match");
	/* The method is part of HA2. */
	rq.realm = SIP_REALM;
	rq.method = "INVITE";
	rq.method_len = 6;
	assert_int_equal(sip_digest_verify(s, &cr, &rq, &why), SIP_DIGEST_BAD_RESPONSE);
	/* method given by length, not NUL-terminated. */
	rq.method = "REGISTERxyz";
	rq.method_len = 8;
	c2 = cr;
	assert_int_equal(sip_digest_verify(s, &c2, &rq, &why), SIP_DIGEST_OK);
	assert_int_equal(sip_digest_verify(NULL, &c2, &rq, &why), SIP_DIGEST_ERROR);

	c2 = cr;
	c2.response[31] = '\0';
	assert_int_equal(verify(s, &c2, &good, FIXED_NOW, &why), SIP_DIGEST_MALFORMED);
	c2 = cr;
	c2.qop = SIP_DIGEST_QOP_AUTH_INT;
	assert_int_equal(verify(s, &c2, &good, FIXED_NOW, &why), SIP_DIGEST_UNSUPPORTED);
	assert_string_equal(why, "qop=auth-int");
	c2 = cr;
	c2.qop = SIP_DIGEST_QOP_OTHER;
	assert_int_equal(verify(s, &c2, &good, FIXED_NOW, &why), SIP_DIGEST_UNSUPPORTED);
	c2 = cr;
	c2.userhash = true;
	assert_int_equal(verify(s, &c2, &good, FIXED_NOW, &why), SIP_DIGEST_UNSUPPORTED);

	/* RFC 2069 (no qop): refused unless allowed; then the nonce works within its lifetime. */
	char nonce[80], ha1[SIP_DIGEST_HEX_MAX];
	assert_int_equal(sip_digest_nonce_make(lax, SIP_REALM, FIXED_NOW, nonce, sizeof(nonce)), 64);
	assert_int_equal(sip_digest_ha1(SIP_DIGEST_ALG_MD5, SIP_USER, SIP_REALM, SIP_PASS, ha1), 0);
	memset(&c2, 0, sizeof(c2));
	c2.alg = SIP_DIGEST_ALG_MD5;
	strcpy(c2.username, SIP_USER);
	strcpy(c2.realm, SIP_REALM);
	strcpy(c2.nonce, nonce);
	strcpy(c2.uri, SIP_URI);
	struct sip_digest_input in = {
		.alg = SIP_DIGEST_ALG_MD5, .ha1 = ha1, .nonce = nonce, .qop = SIP_DIGEST_QOP_NONE,
		.method = "REGISTER", .method_len = 8, .uri = SIP_URI,
	};
	assert_int_equal(sip_digest_compute_response(&in, c2.response), 0);
	assert_int_equal(verify(lax, &c2, &good, FIXED_NOW, &why), SIP_DIGEST_OK);
	assert_int_equal(verify(lax, &c2, &good, FIXED_NOW + 1, &why), SIP_DIGEST_OK);
	assert_int_equal(verify(lax, &c2, &good, FIXED_NOW + LIFETIME, &why), SIP_DIGEST_STALE);
	assert_int_equal(sip_digest_server_nc_count(lax), 0);
	/* The strict server shares the secret, so the nonce is good; the form is not. */
	assert_int_equal(verify(s, &c2, &good, FIXED_NOW, &why), SIP_DIGEST_UNSUPPORTED);
	assert_string_equal(why, "no qop (RFC 2069)");
	sip_digest_server_free(lax);
	sip_digest_server_free(s);
}

/* ---- challenges ---- */

static void test_challenge_format(void **state)
{
	(void)state;
	char buf[512];
	int n = sip_digest_format_challenge(buf, sizeof(buf), SIP_DIGEST_ALG_SHA256, SIP_REALM, "abc", "xyz", false);
	assert_string_equal(buf, "Digest realm=\"strowger.example\", nonce=\"abc\", algorithm=SHA-256, qop=\"auth\", "
				 "opaque=\"xyz\"");
	assert_int_equal(n, (int)strlen(buf));
	sip_digest_format_challenge(buf, sizeof(buf), SIP_DIGEST_ALG_MD5, "a \"q\" \\", "abc", NULL, true);
	assert_string_equal(buf, "Digest realm=\"a \\\"q\\\" \\\\\", nonce=\"abc\", algorithm=MD5, qop=\"auth\", "
				 "stale=true");
	assert_int_equal(sip_digest_format_challenge(buf, 20, SIP_DIGEST_ALG_MD5, SIP_REALM, "abc", NULL, false),
			 -ENOSPC);
	assert_string_equal(buf, "");
	assert_int_equal(sip_digest_format_challenge(buf, sizeof(buf), SIP_DIGEST_ALG_MD5, "a\r\nb", "abc", NULL,
						     false),
			 -EINVAL);
	assert_int_equal(sip_digest_format_challenge(buf, sizeof(buf), SIP_DIGEST_ALG_UNKNOWN, SIP_REALM, "abc",
						     NULL, false),
			 -EINVAL);
}

static void test_challenge_pair_roundtrip(void **state)
{
	(void)state;
	/* RFC 8760: SHA-256 offered first, MD5 second, each with its own nonce. */
	struct sip_digest_server *s = new_server(16, false);
	static const enum sip_digest_alg offer[] = { SIP_DIGEST_ALG_SHA256, SIP_DIGEST_ALG_MD5 };
	char first_nonce[SIP_DIGEST_FIELD_MAX] = "";
	for (size_t i = 0; i < 2; i++) {
		char hdr[512], auth[1024];
		struct sip_digest_challenge ch;
		struct sip_digest_credentials cr;
		const char *why = NULL;
		int n = sip_digest_challenge(s, offer[i], SIP_REALM, "op\"aque", i == 1, FIXED_NOW, hdr, sizeof(hdr));
		assert_int_equal(n, (int)strlen(hdr));
		assert_contains(hdr, i == 0 ? "algorithm=SHA-256, qop=\"auth\"" : "algorithm=MD5, qop=\"auth\"");
		assert_int_equal(sip_digest_parse_challenge(hdr, strlen(hdr), &ch, &why), 0);
		assert_int_equal(ch.alg, offer[i]);
		assert_true(ch.qop_auth);
		assert_false(ch.qop_auth_int);
		assert_int_equal(ch.stale, i == 1);
		assert_string_equal(ch.opaque, "op\"aque");
		assert_string_not_equal(ch.nonce, first_nonce);
		strcpy(first_nonce, ch.nonce);
		assert_int_equal(sip_digest_nonce_check(s, ch.nonce, SIP_REALM, FIXED_NOW), SIP_DIGEST_OK);
		struct sip_digest_client cl = {
			.username = SIP_USER, .password = SIP_PASS, .method = "REGISTER", .uri = SIP_URI, .nc = 1,
		};
		assert_true(sip_digest_build_credentials(&ch, &cl, auth, sizeof(auth), &why) > 0);
		assert_int_equal(parse_cr(auth, &cr, &why), 0);
		assert_string_equal(cr.opaque, "op\"aque");
		assert_int_equal(verify(s, &cr, &good, FIXED_NOW + 10, &why), SIP_DIGEST_OK);
	}
	sip_digest_server_free(s);
}

/* ---- misc ---- */

static void test_names_and_describe(void **state)
{
	(void)state;
	struct sip_digest_credentials cr;
	char buf[512];
	assert_string_equal(sip_digest_result_name(SIP_DIGEST_STALE), "stale");
	assert_string_equal(sip_digest_result_name(SIP_DIGEST_BAD_NONCE), "bad-nonce");
	assert_null(sip_digest_alg_name(SIP_DIGEST_ALG_UNKNOWN));
	assert_int_equal(sip_digest_hex_len(SIP_DIGEST_ALG_SHA256_SESS), 64);
	assert_int_equal(parse_cr("Digest username=\"1000\", realm=\"r\", nonce=\"n\", uri=\"sip:r\", "
				  "response=\"ab\", qop=auth, nc=00000002, cnonce=\"c\", algorithm=SHA-256",
				  &cr, NULL),
			 0);
	int n = sip_digest_credentials_describe(&cr, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "digest user=\"1000\" realm=\"r\" alg=SHA-256 qop=auth nc=00000002 uri=sip:r");
	assert_int_equal(sip_digest_credentials_describe(&cr, buf, 10), -ENOSPC);
}

static void test_server_config(void **state)
{
	(void)state;
	struct sip_digest_server *s = NULL;
	struct sip_digest_config cfg = { .secret = (const uint8_t *)"short", .secret_len = 5 };
	assert_int_equal(sip_digest_server_new(&s, &cfg), -EINVAL);
	assert_null(s);
	assert_int_equal(sip_digest_server_new(NULL, NULL), -EINVAL);
	/* Defaults: a 5-minute lifetime. */
	char nonce[80];
	assert_int_equal(sip_digest_server_new(&s, NULL), 0);
	assert_int_equal(sip_digest_nonce_make(s, SIP_REALM, 0, nonce, sizeof(nonce)), 64);
	assert_int_equal(sip_digest_nonce_check(s, nonce, SIP_REALM, 299999), SIP_DIGEST_OK);
	assert_int_equal(sip_digest_nonce_check(s, nonce, SIP_REALM, 300000), SIP_DIGEST_STALE);
	sip_digest_server_free(s);
	sip_digest_server_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7616_vectors),
		cmocka_unit_test(test_rfc2617_vector),
		cmocka_unit_test(test_register_vectors),
		cmocka_unit_test(test_compute_refusals),
		cmocka_unit_test(test_parse_rfc7616_header),
		cmocka_unit_test(test_parse_defaults_and_no_qop),
		cmocka_unit_test(test_parse_escapes),
		cmocka_unit_test(test_parse_lws_case_unknown),
		cmocka_unit_test(test_parse_missing_fields),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_unknown_algorithm),
		cmocka_unit_test(test_parse_challenge),
		cmocka_unit_test(test_client_rfc7616),
		cmocka_unit_test(test_client_forms_and_refusals),
		cmocka_unit_test(test_nonce_independent),
		cmocka_unit_test(test_nonce_lifetime),
		cmocka_unit_test(test_nonce_tampered),
		cmocka_unit_test(test_nc_replay),
		cmocka_unit_test(test_nc_increasing),
		cmocka_unit_test(test_nc_table_bounded),
		cmocka_unit_test(test_nc_table_evicts_oldest),
		cmocka_unit_test(test_verify_ha1),
		cmocka_unit_test(test_verify_unknown_user),
		cmocka_unit_test(test_verify_refusals),
		cmocka_unit_test(test_challenge_format),
		cmocka_unit_test(test_challenge_pair_roundtrip),
		cmocka_unit_test(test_names_and_describe),
		cmocka_unit_test(test_server_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

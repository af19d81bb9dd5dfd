/* test_sip_uri.c: sip:/sips:/tel: URI parsing, escapes, parameters, §19.1.4 comparison. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sip_uri.h"

#define assert_pl(pl, s)                                                                    \
	do {                                                                                \
		struct sip_pl pl_ = (pl);                                                   \
		if (!sip_pl_eq_str(&pl_, (s)))                                              \
			fail_msg("expected \"%s\", got \"%.*s\"", (s), (int)pl_.l,          \
				 pl_.p ? pl_.p : "(unset)");                                \
	} while (0)

/* Parses from an exact-size heap copy, so ASan catches any read past the end. The
 * copy is leaked into *keep for the caller to free once it is done with the views. */
static int parse(struct sip_uri *u, const char *s, char **keep)
{
	size_t n = strlen(s);
	char *p = malloc(n ? n : 1);
	assert_non_null(p);
	memcpy(p, s, n);
	*keep = p;
	return sip_uri_parse(u, p, n, NULL);
}

static bool ok(const char *s)
{
	struct sip_uri u;
	char *k;
	int r = parse(&u, s, &k);
	free(k);
	return r == 0;
}

static bool equal(const char *a, const char *b)
{
	struct sip_uri ua, ub;
	char *ka, *kb;
	if (parse(&ua, a, &ka) || parse(&ub, b, &kb))
		fail_msg("cannot parse \"%s\" or \"%s\"", a, b);
	bool e1 = sip_uri_equal(&ua, &ub), e2 = sip_uri_equal(&ub, &ua);
	free(ka);
	free(kb);
	if (e1 != e2)
		fail_msg("comparison of \"%s\" and \"%s\" is not symmetric", a, b);
	return e1;
}

static void test_full_sip_uri(void **state)
{
	struct sip_uri u;
	struct sip_uri_param prm;
	char *k;
	(void)state;

	assert_int_equal(parse(&u, "sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr;"
				   "maddr=239.255.255.1;ttl=15;method=INVITE;user=phone"
				   "?subject=project%20x&priority=urgent", &k), 0);
	assert_int_equal(u.scheme, SIP_URI_SIPS);
	assert_pl(u.user, "alice");
	assert_pl(u.password, "secret");
	assert_pl(u.host, "atlanta.example.com");
	assert_int_equal(u.host_type, SIP_HOST_NAME);
	assert_int_equal(u.port, 5061);
	assert_true(sip_uri_param(&u, "TRANSPORT", &prm));
	assert_pl(prm.val, "tcp");
	assert_true(sip_uri_param(&u, "lr", &prm));
	assert_false(sip_pl_isset(&prm.val));
	assert_true(sip_uri_param(&u, "maddr", &prm));
	assert_pl(prm.val, "239.255.255.1");
	assert_true(sip_uri_param(&u, "ttl", &prm));
	assert_pl(prm.val, "15");
	assert_true(sip_uri_param(&u, "method", &prm));
	assert_pl(prm.val, "INVITE");
	assert_true(sip_uri_param(&u, "user", &prm));
	assert_pl(prm.val, "phone");
	assert_false(sip_uri_param(&u, "nope", NULL));

	struct sip_pl it = u.headers;
	assert_int_equal(sip_uri_header_next(&it, &prm), 1);
	assert_pl(prm.name, "subject");
	assert_pl(prm.val, "project%20x");
	assert_int_equal(sip_uri_header_next(&it, &prm), 1);
	assert_pl(prm.name, "priority");
	assert_pl(prm.val, "urgent");
	assert_int_equal(sip_uri_header_next(&it, &prm), 0);

	/* Parameters come back in order. */
	it = u.params;
	const char *names[] = { "transport", "lr", "maddr", "ttl", "method", "user" };
	for (int i = 0; i < 6; i++) {
		assert_int_equal(sip_uri_param_next(&it, &prm), 1);
		assert_pl(prm.name, names[i]);
	}
	assert_int_equal(sip_uri_param_next(&it, &prm), 0);
	free(k);
}

static void test_minimal_and_scheme_case(void **state)
{
	struct sip_uri u;
	char *k;
	(void)state;

	assert_int_equal(parse(&u, "SIP:example.com", &k), 0);
	assert_int_equal(u.scheme, SIP_URI_SIP);
	assert_pl(u.scheme_pl, "SIP");
	assert_false(sip_pl_isset(&u.user));
	assert_pl(u.host, "example.com");
	assert_int_equal(u.port, 0);
	assert_false(sip_pl_isset(&u.params));
	assert_false(sip_pl_isset(&u.headers));
	free(k);
}

static void test_ipv6_hosts(void **state)
{
	struct sip_uri u;
	struct sip_uri_param prm;
	char *k;
	(void)state;

	assert_int_equal(parse(&u, "sip:alice@[2001:db8::10]:5070;maddr=[2001:db8::1]", &k), 0);
	assert_int_equal(u.host_type, SIP_HOST_IPV6);
	assert_pl(u.host, "2001:db8::10");
	assert_int_equal(u.port, 5070);
	assert_true(sip_uri_param(&u, "maddr", &prm));
	assert_pl(prm.val, "[2001:db8::1]");
	free(k);

	assert_int_equal(parse(&u, "sip:[::ffff:192.0.2.1]", &k), 0);
	assert_int_equal(u.host_type, SIP_HOST_IPV6);
	free(k);

	assert_false(ok("sip:[2001:db8::g]"));
	assert_false(ok("sip:[::1"));
	assert_false(ok("sip:alice@[]"));
	assert_false(ok("sip:alice@2001:db8::1")); /* IPv6 must be bracketed */
	/* Same address, different spelling: equal by value. */
	assert_true(equal("sip:a@[::1]", "sip:a@[0:0:0:0:0:0:0:1]"));
	assert_false(equal("sip:a@[::1]", "sip:a@[::2]"));
}

static void test_ipv4_and_names(void **state)
{
	struct sip_uri u;
	char *k;
	(void)state;

	assert_int_equal(parse(&u, "sip:192.0.2.1:5060", &k), 0);
	assert_int_equal(u.host_type, SIP_HOST_IPV4);
	free(k);
	assert_false(ok("sip:192.0.2.256"));
	assert_false(ok("sip:1.2.3"));
	assert_true(ok("sip:1.2.3.example.com"));
	assert_true(ok("sip:host_with_underscore.example.com"));
	assert_true(ok("sip:example.com."));
	assert_false(ok("sip:a..b"));
	assert_false(ok("sip:.example.com"));
	assert_false(ok("sip:user@"));
	assert_false(ok("sip:"));
	assert_false(ok("sip:user@exa mple.com"));
	assert_false(ok("sip:user@example.com>"));
}

static void test_ports(void **state)
{
	(void)state;
	assert_true(ok("sip:h:1"));
	assert_true(ok("sip:h:65535"));
	assert_false(ok("sip:h:0"));
	assert_false(ok("sip:h:65536"));
	assert_false(ok("sip:h:99999999999999999999"));
	assert_false(ok("sip:h:"));
	assert_false(ok("sip:h:12a"));
}

static void test_escapes(void **state)
{
	struct sip_uri u;
	char *k, out[32];
	size_t n;
	(void)state;

	assert_int_equal(parse(&u, "sip:%61lice%00x@example.com;n%61me=v%61lue%25", &k), 0);
	assert_pl(u.user, "%61lice%00x"); /* kept raw */
	assert_int_equal(sip_pl_unescape(&u.user, out, sizeof(out), &n), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(out, "alice\0x", 7);
	assert_int_equal(sip_pl_unescape(&u.user, out, 3, &n), -ENOSPC);
	free(k);

	struct sip_pl bad = SIP_PL("ab%4");
	assert_int_equal(sip_pl_unescape(&bad, out, sizeof(out), &n), -EINVAL);
	bad = SIP_PL("%zz");
	assert_int_equal(sip_pl_unescape(&bad, out, sizeof(out), &n), -EINVAL);

	assert_false(ok("sip:a%4@example.com"));
	assert_false(ok("sip:a%zz@example.com"));
	assert_false(ok("sip:a@example.com;p=%"));
	assert_true(ok("sip:a@example.com;p=%41"));
}

static void test_user_part_characters(void **state)
{
	struct sip_uri u;
	char *k;
	(void)state;

	/* ';', '?', '/', ',' are legal in the user part: the first '@' ends it. */
	assert_int_equal(parse(&u, "sip:user;par=u%40example.net@example.com", &k), 0);
	assert_pl(u.user, "user;par=u%40example.net");
	assert_false(sip_pl_isset(&u.params));
	free(k);
	assert_int_equal(parse(&u, "sip:a?b,c/d@example.com?h=v", &k), 0);
	assert_pl(u.user, "a?b,c/d");
	assert_pl(u.headers, "h=v");
	free(k);
	assert_int_equal(parse(&u, "sip:alice:@example.com", &k), 0); /* empty password */
	assert_true(sip_pl_isset(&u.password));
	assert_int_equal(u.password.l, 0);
	free(k);
	assert_false(ok("sip:@example.com"));
	assert_false(ok("sip:al<ice@example.com"));
	assert_false(ok("sip:a@b@example.com"));
}

static void test_params_and_headers_syntax(void **state)
{
	(void)state;
	assert_false(ok("sip:a@example.com;"));
	assert_false(ok("sip:a@example.com;;lr"));
	assert_false(ok("sip:a@example.com;p="));
	assert_false(ok("sip:a@example.com?"));
	assert_false(ok("sip:a@example.com?h"));
	assert_true(ok("sip:a@example.com?h="));
	assert_false(ok("sip:a@example.com?a=b&"));
	assert_true(ok("sip:a@example.com;lr?a=b&c=d"));
}

static void test_tel(void **state)
{
	struct sip_uri u;
	struct sip_uri_param prm;
	char *k;
	(void)state;

	assert_int_equal(parse(&u, "tel:+1-201-555-0123;ext=1234", &k), 0);
	assert_int_equal(u.scheme, SIP_URI_TEL);
	assert_pl(u.user, "+1-201-555-0123");
	assert_int_equal(u.host_type, SIP_HOST_NONE);
	assert_true(sip_uri_param(&u, "ext", &prm));
	assert_pl(prm.val, "1234");
	free(k);

	assert_int_equal(parse(&u, "tel:7042;phone-context=example.com", &k), 0);
	assert_pl(u.user, "7042");
	assert_true(sip_uri_param(&u, "phone-context", &prm));
	assert_pl(prm.val, "example.com");
	free(k);

	assert_true(ok("tel:*67#"));
	assert_false(ok("tel:+"));
	assert_false(ok("tel:+12a4"));
	assert_false(ok("tel:---"));
	assert_false(ok("tel:+123?x=y"));
	assert_true(equal("tel:+1-201-555-0123", "tel:+1(201)5550123"));
	assert_false(equal("tel:+12015550123", "tel:+12015550124"));
	assert_true(equal("tel:7042;phone-context=EXAMPLE.com", "tel:7042;phone-context=example.com"));
	assert_false(equal("tel:7042;phone-context=a.com", "tel:7042"));
}

static void test_other_schemes(void **state)
{
	struct sip_uri u;
	char *k;
	(void)state;

	assert_int_equal(parse(&u, "nobodyKnowsThisScheme:totallyopaquecontent", &k), 0);
	assert_int_equal(u.scheme, SIP_URI_OTHER);
	assert_pl(u.scheme_pl, "nobodyKnowsThisScheme");
	assert_pl(u.opaque, "totallyopaquecontent");
	free(k);
	assert_int_equal(parse(&u, "soap.beep://192.0.2.103:3002", &k), 0);
	assert_int_equal(u.scheme, SIP_URI_OTHER);
	assert_pl(u.scheme_pl, "soap.beep");
	free(k);
	assert_true(ok("urn:service:sos"));
	assert_true(ok("http://www.example.com/a?b=c"));
	assert_false(ok("1abc:x"));
	assert_false(ok("nocolon"));
	assert_false(ok("<sip:user@example.com>"));
	assert_false(ok("http:"));
	assert_false(ok("http://a b"));
	assert_false(ok(""));
	assert_true(equal("HTTP://x", "http://x"));
	assert_false(equal("http://x", "http://X"));
}

/* RFC 3261 §19.1.4: the example pairs, in both directions. */
static void test_rfc3261_equivalent(void **state)
{
	(void)state;
	assert_true(equal("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
	assert_true(equal("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
	assert_true(equal("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
	assert_true(equal("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));
	assert_true(equal("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
			  "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));
	assert_true(equal("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
			  "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));
}

static void test_rfc3261_not_equivalent(void **state)
{
	(void)state;
	assert_false(equal("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
	assert_false(equal("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
	assert_false(equal("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
	assert_false(equal("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));
	assert_false(equal("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
	assert_false(equal("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
}

static void test_compare_rules(void **state)
{
	(void)state;
	/* sip and sips never match. */
	assert_false(equal("sip:a@example.com", "sips:a@example.com"));
	/* user, ttl, method, maddr in one URI only: never equal. */
	assert_false(equal("sip:a@example.com;user=phone", "sip:a@example.com"));
	assert_false(equal("sip:a@example.com;ttl=1", "sip:a@example.com"));
	assert_false(equal("sip:a@example.com;method=INVITE", "sip:a@example.com"));
	assert_false(equal("sip:a@example.com;maddr=1.2.3.4", "sip:a@example.com"));
	/* lr and unknown parameters in one only: ignored; in both: must match. */
	assert_true(equal("sip:a@example.com;lr", "sip:a@example.com"));
	assert_false(equal("sip:a@example.com;foo=1", "sip:a@example.com;foo=2"));
	assert_true(equal("sip:a@example.com;FOO=x", "sip:a@example.com;foo=X"));
	/* An escaped unreserved character equals the character; an escaped reserved
	 * one does not equal the delimiter. */
	assert_true(equal("sip:%41lice@example.com", "sip:Alice@example.com"));
	assert_false(equal("sip:a%3Bb@example.com", "sip:a;b@example.com"));
	/* Passwords are case-sensitive, hosts are not. */
	assert_false(equal("sip:a:Pw@example.com", "sip:a:pw@example.com"));
	assert_false(equal("sip:a:pw@example.com", "sip:a@example.com"));
	assert_true(equal("sip:a@EXAMPLE.com", "sip:a@example.COM"));
	/* Header values compare exactly, header names not. */
	assert_true(equal("sip:a@x?Subject=Hi", "sip:a@x?subject=Hi"));
	assert_false(equal("sip:a@x?subject=Hi", "sip:a@x?subject=hi"));
}

static void test_pl_helpers(void **state)
{
	uint32_t v;
	uint64_t w;
	(void)state;

	struct sip_pl p = SIP_PL("4294967295");
	assert_int_equal(sip_pl_u32(&p, UINT32_MAX, &v), 0);
	assert_int_equal(v, 4294967295u);
	p = SIP_PL("4294967296");
	assert_int_equal(sip_pl_u32(&p, UINT32_MAX, &v), -ERANGE);
	p = SIP_PL("36893488147419103232");
	assert_int_equal(sip_pl_u64(&p, UINT64_MAX, &w), -ERANGE);
	p = SIP_PL("99999999999999999999x");
	assert_int_equal(sip_pl_u64(&p, UINT64_MAX, &w), -EINVAL);
	p = SIP_PL("-1");
	assert_int_equal(sip_pl_u32(&p, 10, &v), -EINVAL);
	p = SIP_PL("");
	assert_int_equal(sip_pl_u32(&p, 10, &v), -EINVAL);
	p = SIP_PL("11");
	assert_int_equal(sip_pl_u32(&p, 10, &v), -ERANGE);

	struct sip_pl t = sip_pl_trim(SIP_PL(" \t\r\n x y \r\n"));
	assert_pl(t, "x y");
	t = sip_pl_trim(SIP_PL("   "));
	assert_int_equal(t.l, 0);

	struct sip_pl a = SIP_PL("Via"), b = SIP_PL("vIA"), c = SIP_PL("Vib");
	assert_true(sip_pl_caseeq(&a, &b));
	assert_false(sip_pl_eq(&a, &b));
	assert_int_equal(sip_pl_casecmp(&a, &b), 0);
	assert_true(sip_pl_casecmp(&a, &c) < 0);
	assert_true(sip_pl_caseeq_str(&a, "VIA"));
	assert_false(sip_pl_caseeq_str(&a, NULL));

	char out[8];
	size_t n;
	struct sip_pl q = SIP_PL("a\\\"b\\\\");
	assert_int_equal(sip_pl_unquote(&q, out, sizeof(out), &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "a\"b\\", 4);
	q = SIP_PL("dangling\\");
	assert_int_equal(sip_pl_unquote(&q, out, sizeof(out), &n), -EINVAL);
	assert_string_equal(sip_pl_strcpy(&a, out, 3), "Vi");
}

/* Found by fuzzing: a name given twice made a URI unequal to itself. */
static void test_repeated_names(void **state)
{
	(void)state;
	assert_true(equal("sip:x;m=1;m=2", "sip:x;m=1;m=2"));
	assert_true(equal("sip:x?h=1&h=2", "sip:x?h=1&h=2"));
	assert_true(equal("tel:1;exa=m;ex%41", "tel:1;exa=m;ex%41"));
	assert_false(equal("sip:x;m=1;m=2", "sip:x;m=1"));
	assert_false(equal("sip:x?h=1&h=2", "sip:x?h=1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeated_names),
		cmocka_unit_test(test_full_sip_uri),
		cmocka_unit_test(test_minimal_and_scheme_case),
		cmocka_unit_test(test_ipv6_hosts),
		cmocka_unit_test(test_ipv4_and_names),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_user_part_characters),
		cmocka_unit_test(test_params_and_headers_syntax),
		cmocka_unit_test(test_tel),
		cmocka_unit_test(test_other_schemes),
		cmocka_unit_test(test_rfc3261_equivalent),
		cmocka_unit_test(test_rfc3261_not_equivalent),
		cmocka_unit_test(test_compare_rules),
		cmocka_unit_test(test_pl_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

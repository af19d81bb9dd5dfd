/* test_sip_msg.c: message parsing: compact forms, folding, lists, framing, errors, fields. */
#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sip_auth.h"
#include "sip_msg.h"

#define assert_pl(pl, s)                                                                    \
	do {                                                                                \
		struct sip_pl pl_ = (pl);                                                   \
		if (!sip_pl_eq_str(&pl_, (s)))                                              \
			fail_msg("expected \"%s\", got \"%.*s\"", (s), (int)pl_.l,          \
				 pl_.p ? pl_.p : "(unset)");                                \
	} while (0)

#define assert_contains(hay, needle)                                                        \
	do {                                                                                \
		if (!strstr((hay), (needle)))                                               \
			fail_msg("expected \"%s\" to contain \"%s\"", (hay), (needle));     \
	} while (0)

/* The mandatory headers of a request, for tests that only vary the rest. */
#define VIA "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bK1\r\n"
#define MAND                                                                                \
	VIA "From: <sip:alice@example.com>;tag=f1\r\n"                                      \
	    "To: <sip:bob@example.com>\r\n"                                                 \
	    "Call-ID: call1@pc.example.com\r\n"

/* A fixture: the message and the exact-size copy of the text its views point into. */
struct fx {
	struct sip_msg msg;
	char *buf;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	*state = f;
	return f ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	free(f->buf);
	free(f);
	return 0;
}

/* Parses s from a heap copy of exactly its length (no NUL after it). */
static int parse_f(struct fx *f, const char *s, size_t n, enum sip_framing framing)
{
	free(f->buf);
	f->buf = malloc(n ? n : 1);
	assert_non_null(f->buf);
	memcpy(f->buf, s, n);
	return sip_msg_parse(&f->msg, f->buf, n, framing);
}

static int parse(struct fx *f, const char *s)
{
	return parse_f(f, s, strlen(s), SIP_DATAGRAM);
}

/* Every name and compact form finds its own id, in any case; near misses find none. */
static void test_header_names(void **state)
{
	(void)state;
	for (int i = 1; i < SIP_HDR_COUNT; i++) {
		char upper[64], lower[64];
		const char *name = sip_hdr_name((enum sip_hdr_id)i);
		size_t n = strlen(name);
		assert_true(n > 1 && n < sizeof(upper));
		for (size_t k = 0; k <= n; k++) {
			upper[k] = (char)toupper((unsigned char)name[k]);
			lower[k] = (char)tolower((unsigned char)name[k]);
		}
		struct sip_pl a = sip_pl_of(name), u = sip_pl_of(upper), l = sip_pl_of(lower);
		assert_int_equal(sip_hdr_lookup(&a), i);
		assert_int_equal(sip_hdr_lookup(&u), i);
		assert_int_equal(sip_hdr_lookup(&l), i);
		/* One letter less is another header or none (one letter is a compact form). */
		struct sip_pl shorter = sip_pl_make(name, n - 1);
		enum sip_hdr_id s = sip_hdr_lookup(&shorter);
		assert_true(n == 2 || s == SIP_HDR_OTHER || strlen(sip_hdr_name(s)) == n - 1);
		char c = sip_hdr_compact((enum sip_hdr_id)i);
		if (c) {
			char cs[2] = {(char)toupper((unsigned char)c), 0};
			struct sip_pl cp = sip_pl_of(cs);
			assert_int_equal(sip_hdr_lookup(&cp), i);
		}
	}
	struct sip_pl none = sip_pl_of("X-Unknown-Header"), empty = sip_pl_make("", 0), q = sip_pl_of("q");
	assert_int_equal(sip_hdr_lookup(&none), SIP_HDR_OTHER);
	assert_int_equal(sip_hdr_lookup(&empty), SIP_HDR_OTHER);
	assert_int_equal(sip_hdr_lookup(&q), SIP_HDR_OTHER);
}

static void test_compact_forms(void **state)
{
	struct fx *f = *state;
	struct sip_msg *m = &f->msg;

	int r = parse(f, "INVITE sip:bob@example.com SIP/2.0\r\n"
			 "v: SIP/2.0/UDP pc.example.com;branch=z9hG4bK1\r\n"
			 "f: <sip:alice@example.com>;tag=f1\r\n"
			 "T: sip:bob@example.com\r\n"
			 "i: abc@pc\r\n"
			 "m: <sip:alice@pc.example.com>\r\n"
			 "k: 100rel, timer\r\n"
			 "o: refer;id=7\r\n"
			 "r: <sip:carol@example.com>\r\n"
			 "b: <sip:alice@example.com>\r\n"
			 "u: presence\r\n"
			 "x: 1800\r\n"
			 "s: hello\r\n"
			 "e: gzip\r\n"
			 "CSeq: 1 INVITE\r\n"
			 "c: text/plain\r\n"
			 "l: 2\r\n\r\nhi");
	assert_int_equal(r, 0);
	assert_pl(m->via.host, "pc.example.com");
	assert_pl(m->from.tag, "f1");
	assert_pl(m->to.uri.user, "bob");
	assert_pl(m->call_id, "abc@pc");
	assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_CONTACT), 1);
	assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_SUPPORTED), 2);
	assert_true(sip_msg_has_tag(m, SIP_HDR_SUPPORTED, "TIMER"));
	assert_false(sip_msg_has_tag(m, SIP_HDR_SUPPORTED, "path"));
	assert_non_null(sip_msg_hdr(m, SIP_HDR_EVENT, NULL));
	assert_non_null(sip_msg_hdr(m, SIP_HDR_REFER_TO, NULL));
	assert_non_null(sip_msg_hdr(m, SIP_HDR_REFERRED_BY, NULL));
	assert_non_null(sip_msg_hdr(m, SIP_HDR_ALLOW_EVENTS, NULL));
	assert_non_null(sip_msg_hdr(m, SIP_HDR_SESSION_EXPIRES, NULL));
	assert_non_null(sip_msg_hdr(m, SIP_HDR_SUBJECT, NULL));
	assert_non_null(sip_msg_hdr(m, SIP_HDR_CONTENT_ENCODING, NULL));
	assert_true(sip_ctype_is(&m->ctype, "text", "plain"));
	assert_int_equal(m->clen, 2);
	assert_int_equal(m->body.l, 2);
	/* The name is kept as written; lookups by any spelling find it. */
	assert_pl(sip_msg_hdr(m, SIP_HDR_VIA, NULL)->name, "v");
	assert_non_null(sip_msg_hdr_by_name(m, "via", NULL));
	assert_non_null(sip_msg_hdr_by_name(m, "Call-Id", NULL));
	assert_non_null(sip_msg_hdr_by_name(m, "I", NULL));

	struct sip_event ev;
	assert_int_equal(sip_event_parse(&sip_msg_hdr(m, SIP_HDR_EVENT, NULL)->val, &ev), 0);
	assert_pl(ev.package, "refer");
	assert_pl(ev.id, "7");
}

static void test_folding(void **state)
{
	struct fx *f = *state;
	struct sip_msg *m = &f->msg;

	int r = parse(f, "OPTIONS sip:bob@example.com SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP\r\n pc.example.com\r\n\t;branch=z9hG4bK1\r\n"
			 "From: <sip:alice@example.com>\r\n  ;tag=f1\r\n"
			 "To: <sip:bob@example.com>\r\n"
			 "Call-ID: call1\r\n"
			 "CSeq:\r\n 7\r\n OPTIONS\r\n"
			 "X-Long: one\r\n two\r\n\tthree\r\n"
			 "Content-Length: 0\r\n\r\n");
	assert_int_equal(r, 0);
	assert_pl(m->via.host, "pc.example.com");
	assert_pl(m->via.branch, "z9hG4bK1");
	assert_pl(m->from.tag, "f1");
	assert_int_equal(m->cseq, 7);
	const struct sip_hdr *x = sip_msg_hdr_by_name(m, "x-long", NULL);
	assert_non_null(x);
	assert_pl(x->val, "one\r\n two\r\n\tthree"); /* folds kept in the view */

	/* A start line cannot be continued. */
	r = parse(f, "OPTIONS sip:bob@example.com SIP/2.0\r\n folded\r\n" MAND
		     "CSeq: 1 OPTIONS\r\n\r\n");
	assert_int_equal(r, SIP_EBADREQ);
	assert_contains(m->reason, "Malformed header line");
}

static void test_list_splitting(void **state)
{
	struct fx *f = *state;
	struct sip_msg *m = &f->msg;
	struct sip_addr a;

	int r = parse(f, "REGISTER sip:example.com SIP/2.0\r\n" MAND
			 "CSeq: 1 REGISTER\r\n"
			 "Contact: \"Smith, John\" <sip:john@a.example.com>;q=0.5, "
			 "<sip:j,x@b.example.com;p=1>, sip:j@c.example.com;expires=60\r\n"
			 "Route: <sip:p1.example.com;lr>,<sip:p2.example.com;lr>\r\n"
			 "Route: <sip:p3.example.com;lr>\r\n"
			 "Allow: INVITE, ACK ,BYE,CANCEL\r\n"
			 "Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n"
			 "WWW-Authenticate: Digest realm=\"a,b\", nonce=\"n\", qop=\"auth,auth-int\"\r\n"
			 "X-Unknown: a, b, c\r\n"
			 "Supported: \r\n"
			 "Content-Length: 0\r\n\r\n");
	assert_int_equal(r, 0);

	assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_CONTACT), 3);
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_CONTACT, NULL);
	assert_int_equal(sip_addr_parse(&a, &h->val, SIP_ADDR_STAR, NULL), 0);
	assert_pl(a.dname, "Smith, John");
	unsigned q;
	assert_int_equal(sip_addr_q(&a, &q), 0);
	assert_int_equal(q, 500);
	h = sip_msg_hdr(m, SIP_HDR_CONTACT, h);
	assert_int_equal(sip_addr_parse(&a, &h->val, SIP_ADDR_STAR, NULL), 0);
	assert_pl(a.uri.user, "j,x");
	h = sip_msg_hdr(m, SIP_HDR_CONTACT, h);
	assert_int_equal(sip_addr_parse(&a, &h->val, SIP_ADDR_STAR, NULL), 0);
	uint32_t exp;
	assert_int_equal(sip_addr_expires(&a, &exp), 0);
	assert_int_equal(exp, 60);

	/* Several lines and several values keep their order. */
	assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_ROUTE), 3);
	const char *hosts[] = { "p1.example.com", "p2.example.com", "p3.example.com" };
	h = NULL;
	for (int i = 0; i < 3; i++) {
		h = sip_msg_hdr(m, SIP_HDR_ROUTE, h);
		assert_int_equal(sip_addr_parse(&a, &h->val, SIP_ADDR_NEED_ANGLE, NULL), 0);
		assert_pl(a.uri.host, hosts[i]);
		assert_true(sip_uri_param(&a.uri, "lr", NULL));
	}
	assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_ALLOW), 4);
	assert_true(sip_msg_has_tag(m, SIP_HDR_ALLOW, "CANCEL"));
	/* Not lists: Date, WWW-Authenticate, unknown headers. */
	assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_DATE), 1);
	assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_WWW_AUTHENTICATE), 1);
	assert_pl(sip_msg_hdr_by_name(m, "X-Unknown", NULL)->val, "a, b, c");
	/* An empty list header is present with an empty value. */
	assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_SUPPORTED), 1);
	assert_int_equal(sip_msg_hdr(m, SIP_HDR_SUPPORTED, NULL)->val.l, 0);

	struct sip_auth au;
	struct sip_param prm;
	assert_int_equal(sip_auth_parse(&sip_msg_hdr(m, SIP_HDR_WWW_AUTHENTICATE, NULL)->val, &au), 0);
	assert_pl(au.scheme, "Digest");
	assert_true(sip_auth_param(&au, "realm", &prm));
	assert_true(prm.quoted);
	assert_pl(prm.val, "a,b");
	assert_true(sip_auth_param(&au, "QOP", &prm));
	assert_pl(prm.val, "auth,auth-int");

	/* A quoted comma inside a Via parameter does not split it either. */
	r = parse(f, "OPTIONS sip:b@example.com SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1;x=\"p,q\", SIP/2.0/TCP b.example.com\r\n"
		     "From: <sip:alice@example.com>;tag=f1\r\nTo: <sip:b@example.com>\r\n"
		     "Call-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n");
	assert_int_equal(r, 0);
	assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_VIA), 2);
}

static void test_stream_framing(void **state)
{
	struct fx *f = *state;
	struct sip_msg *m = &f->msg;
	const char two[] = "\r\n\r\nMESSAGE sip:b@example.com SIP/2.0\r\n" MAND
			   "CSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
			   "OPTIONS sip:b@example.com SIP/2.0\r\n" MAND
			   "CSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	size_t n = sizeof(two) - 1;

	assert_int_equal(parse_f(f, two, n, SIP_STREAM), 0);
	assert_int_equal(m->method, SIP_METHOD_MESSAGE);
	assert_pl(m->body, "hello");
	size_t used = m->used;
	assert_memory_equal(two + used, "OPTIONS", 7);

	/* Every shorter prefix of the first message needs more data. */
	for (size_t k = 1; k < used; k++) {
		int r = parse_f(f, two, k, SIP_STREAM);
		if (k <= 4)
			assert_int_equal(r, SIP_EKEEPALIVE);
		else if (r != SIP_ENEED)
			fail_msg("prefix %zu: %d", k, r);
	}
	assert_int_equal(parse_f(f, two + used, n - used, SIP_STREAM), 0);
	assert_int_equal(m->method, SIP_METHOD_OPTIONS);
	assert_int_equal(m->used, n - used);

	/* A CRLF keep-alive alone. */
	assert_int_equal(parse_f(f, "\r\n\r\n", 4, SIP_STREAM), SIP_EKEEPALIVE);
	assert_int_equal(m->used, 4);
	assert_int_equal(parse_f(f, "", 0, SIP_STREAM), SIP_ENEED);
	assert_int_equal(parse_f(f, "\r\n", 2, SIP_DATAGRAM), SIP_EKEEPALIVE);

	/* Streams need Content-Length. */
	const char *nocl = "OPTIONS sip:b@example.com SIP/2.0\r\n" MAND "CSeq: 2 OPTIONS\r\n\r\n";
	assert_int_equal(parse_f(f, nocl, strlen(nocl), SIP_STREAM), SIP_EBADREQ);
	assert_string_equal(m->reason, "Missing Content-Length");
	assert_int_equal(parse_f(f, nocl, strlen(nocl), SIP_DATAGRAM), 0);
}

static void test_datagram_body(void **state)
{
	struct fx *f = *state;
	struct sip_msg *m = &f->msg;

	/* Octets after Content-Length are ignored; no Content-Length takes the rest. */
	assert_int_equal(parse(f, "MESSAGE sip:b@example.com SIP/2.0\r\n" MAND
				  "CSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nl: 3\r\n\r\nabcdef"), 0);
	assert_pl(m->body, "abc");
	assert_int_equal(parse(f, "MESSAGE sip:b@example.com SIP/2.0\r\n" MAND
				  "CSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n\r\nabc\0def"), 0);
	assert_int_equal(parse_f(f, "MESSAGE sip:b@example.com SIP/2.0\r\n" MAND
				    "CSeq: 1 MESSAGE\r\n\r\nab\0cd", strlen("MESSAGE sip:b@example.com SIP/2.0\r\n" MAND
									     "CSeq: 1 MESSAGE\r\n\r\n") + 5,
			 SIP_DATAGRAM), 0);
	assert_int_equal(m->body.l, 5);
	assert_memory_equal(m->body.p, "ab\0cd", 5);
	/* LF-only line ends are accepted. */
	assert_int_equal(parse(f, "OPTIONS sip:b@example.com SIP/2.0\n"
				  "Via: SIP/2.0/UDP pc.example.com;branch=z9hG4bK1\n"
				  "From: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\n"
				  "Call-ID: x\nCSeq: 1 OPTIONS\n\n"), 0);
	assert_int_equal(m->body.l, 0);
}

static void test_request_line_errors(void **state)
{
	struct fx *f = *state;
	struct sip_msg *m = &f->msg;
	static const struct {
		const char *line;
		int result;
		const char *reason;
	} cases[] = {
		{ "INVITE sip:b@example.com SIP/2.0", 0, "" },
		{ "INVITE sip:b@example.com sip/2.0", 0, "" },
		{ "INVITE sip:b@example.com", SIP_EBADREQ, "Bad Request-Line" },
		{ "INVITE", SIP_EBADREQ, "Bad Request-Line" },
		{ "INVITE sip:b@example.com HTTP/1.1", SIP_EBADREQ, "Bad SIP version" },
		{ "INVITE sip:b@example.com SIP/2", SIP_EBADREQ, "Bad SIP version" },
		{ "INVITE sip:b@example.com SIP/3.0", SIP_EVERSION, "Version" },
		{ "INVITE sip:b@example.com SIP/2.1", SIP_EVERSION, "Version" },
		{ "INV@TE sip:b@example.com SIP/2.0", SIP_EBADREQ, "Bad method" },
		{ "INVITE\tsip:b@example.com SIP/2.0", SIP_EBADREQ, "Bad method" },
		{ "INVITE  sip:b@example.com SIP/2.0", SIP_EBADREQ, "white space" },
		{ "INVITE sip:b@example.com SIP/2.0 ", SIP_EBADREQ, "Trailing white space" },
		{ "INVITE <sip:b@example.com> SIP/2.0", SIP_EBADREQ, "Bad Request-URI" },
		{ "INVITE sip:b@example.com?Subject=x SIP/2.0", SIP_EBADREQ, "Bad Request-URI" },
		{ "INVITE sip:b@exa\tmple.com SIP/2.0", SIP_EBADREQ, "White space in Request-URI" },
		{ "INVITE tel:+1-555-0100 SIP/2.0", 0, "" },
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s\r\n" MAND "CSeq: 1 INVITE\r\n\r\n", cases[i].line);
		int r = parse(f, buf);
		if (r != cases[i].result)
			fail_msg("\"%s\": expected %d, got %d (%s)", cases[i].line, cases[i].result, r,
				 m->reason);
		assert_contains(m->reason, cases[i].reason);
		/* Headers were still split, so a 400/505 can be sent back. */
		if (r)
			assert_true(sip_msg_can_reply(m));
	}
}

static void test_status_lines(void **state)
{
	struct fx *f = *state;
	struct sip_msg *m = &f->msg;
	static const struct {
		const char *line;
		int result;
		unsigned status;
	} cases[] = {
		{ "SIP/2.0 200 OK", 0, 200 },
		{ "SIP/2.0 180", 0, 180 },
		{ "SIP/2.0 199 ", 0, 199 },
		{ "SIP/2.0 699 Whatever it is", 0, 699 },
		{ "SIP/2.0 099 Low", SIP_EBADRESP, 0 },
		{ "SIP/2.0 700 High", SIP_EBADRESP, 0 },
		{ "SIP/2.0 2000 Long", SIP_EBADRESP, 0 },
		{ "SIP/2.0 20 Short", SIP_EBADRESP, 0 },
		{ "SIP/2.0 20x Bad", SIP_EBADRESP, 0 },
		{ "SIP/3.0 200 OK", SIP_EBADRESP, 0 },
		{ "SIP/2.0", SIP_EBADRESP, 0 },
	};
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s\r\n" MAND "CSeq: 1 INVITE\r\n\r\n", cases[i].line);
		int r = parse(f, buf);
		if (r != cases[i].result)
			fail_msg("\"%s\": expected %d, got %d (%s)", cases[i].line, cases[i].result, r,
				 m->reason);
		assert_false(m->is_request);
		if (r == 0)
			assert_int_equal(m->status, cases[i].status);
	}
	assert_int_equal(parse(f, "SIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n"),
			 SIP_EBADRESP);
	assert_contains(m->reason, "Missing Via");
}

static void test_header_errors(void **state)
{
	struct fx *f = *state;
	struct sip_msg *m = &f->msg;
	static const struct {
		const char *hdrs;
		int result;
		const char *reason;
	} cases[] = {
		{ "CSeq: 2147483647 INVITE\r\n", 0, "" },
		{ "CSeq: 2147483648 INVITE\r\n", SIP_EBADREQ, "Bad CSeq" },
		{ "CSeq: INVITE\r\n", SIP_EBADREQ, "Bad CSeq" },
		{ "CSeq: 1INVITE\r\n", SIP_EBADREQ, "Bad CSeq" },
		{ "CSeq: 1 INVITE x\r\n", SIP_EBADREQ, "Bad CSeq" },
		{ "CSeq: 1 BYE\r\n", SIP_EBADREQ, "CSeq method does not match" },
		{ "CSeq: 1 invite\r\n", SIP_EBADREQ, "CSeq method does not match" },
		{ "CSeq: 1 INVITE\r\nMax-Forwards: 255\r\n", 0, "" },
		{ "CSeq: 1 INVITE\r\nMax-Forwards: 256\r\n", SIP_EBADREQ, "Max-Forwards" },
		{ "CSeq: 1 INVITE\r\nMax-Forwards: -1\r\n", SIP_EBADREQ, "Max-Forwards" },
		{ "CSeq: 1 INVITE\r\nContent-Length: abc\r\n", SIP_EBADREQ, "Content-Length" },
		{ "CSeq: 1 INVITE\r\nContent-Length: 1\r\n", SIP_EBADREQ, "Content-Length" },
		{ "CSeq: 1 INVITE\r\nContent-Type: text\r\n", SIP_EBADREQ, "Content-Type" },
		{ "CSeq: 1 INVITE\r\nContent-Type: text/plain;charset=\"utf-8\"\r\n", 0, "" },
		{ "CSeq: 1 INVITE\r\nNoColonHere\r\n", SIP_EBADREQ, "Malformed header line" },
		{ "CSeq: 1 INVITE\r\nBad Name: x\r\n", SIP_EBADREQ, "Malformed header line" },
		{ "CSeq: 1 INVITE\r\n: x\r\n", SIP_EBADREQ, "Malformed header line" },
		{ "CSeq: 1 INVITE\r\nContact: *\r\n", 0, "" },
		{ "CSeq: 1 INVITE\r\nContact: *, <sip:a@b>\r\n", SIP_EBADREQ, "Contact *" },
		{ "CSeq: 1 INVITE\r\nContact: <sip:a@b>,,<sip:c@d>\r\n", SIP_EBADREQ, "Empty element" },
		{ "CSeq: 1 INVITE\r\nContact: <sip:a@b>;;x\r\n", SIP_EBADREQ, "Contact" },
		{ "CSeq: 1 INVITE\r\nRoute: sip:p.example.com\r\n", SIP_EBADREQ, "Route" },
		{ "CSeq: 1 INVITE\r\nRecord-Route: <sip:p.example.com;lr>\r\n", 0, "" },
		{ "CSeq: 1 INVITE\r\nCSeq: 1 INVITE\r\n", SIP_EBADREQ, "Multiple CSeq" },
		{ "CSeq: 1 INVITE\r\nCall-ID: other\r\n", SIP_EBADREQ, "Multiple Call-ID" },
		{ "CSeq: 1 INVITE\r\nExpires: 99999999999999999999\r\n", 0, "" },
		{ "CSeq: 1 INVITE\r\nDate: whenever\r\n", 0, "" },
		{ "CSeq: 1 INVITE\r\nSubject: ;;,,\r\n", 0, "" },
	};
	char buf[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "INVITE sip:b@example.com SIP/2.0\r\n" MAND "%s\r\n",
			 cases[i].hdrs);
		int r = parse(f, buf);
		if (r != cases[i].result)
			fail_msg("case %zu \"%s\": expected %d, got %d (%s)", i, cases[i].hdrs,
				 cases[i].result, r, m->reason);
		assert_contains(m->reason, cases[i].reason);
	}

	/* Expires too large is reported by its accessor, not the parser. */
	snprintf(buf, sizeof(buf), "INVITE sip:b@example.com SIP/2.0\r\n" MAND
		 "CSeq: 1 INVITE\r\nExpires: 99999999999999999999\r\n\r\n");
	assert_int_equal(parse(f, buf), 0);
	uint32_t secs;
	assert_int_equal(sip_msg_expires(m, &secs), -ERANGE);
	snprintf(buf, sizeof(buf), "INVITE sip:b@example.com SIP/2.0\r\n" MAND
		 "CSeq: 1 INVITE\r\nExpires: 3600\r\n\r\n");
	assert_int_equal(parse(f, buf), 0);
	assert_int_equal(sip_msg_expires(m, &secs), 0);
	assert_int_equal(secs, 3600);
}

static void test_missing_headers(void **state)
{
	struct fx *f = *state;
	struct sip_msg *m = &f->msg;

	assert_int_equal(parse(f, "OPTIONS sip:b@example.com SIP/2.0\r\n" VIA
				  "To: <sip:b@example.com>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n"),
			 SIP_EMISSING);
	assert_string_equal(m->reason, "Missing From header");
	assert_int_equal(sip_msg_error_status(SIP_EMISSING), 400);
	assert_true(sip_msg_can_reply(m));
	assert_int_equal(parse(f, "OPTIONS sip:b@example.com SIP/2.0\r\n" MAND "\r\n"), SIP_EMISSING);
	assert_string_equal(m->reason, "Missing CSeq header");
	assert_int_equal(parse(f, "OPTIONS sip:b@example.com SIP/2.0\r\n"
				  "From: <sip:a@example.com>\r\nTo: <sip:b@example.com>\r\n"
				  "Call-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n"),
			 SIP_EMISSING);
	assert_string_equal(m->reason, "Missing Via header");
	assert_false(sip_msg_can_reply(m)); /* nowhere to send an answer */
}

static void test_addresses(void **state)
{
	struct sip_addr a;
	const char *why;
	(void)state;
	struct sip_pl v;

	v = SIP_PL("sip:a@example.com;tag=1;x=y");
	assert_int_equal(sip_addr_parse(&a, &v, 0, NULL), 0);
	assert_false(a.angle);
	assert_pl(a.tag, "1");
	assert_false(sip_pl_isset(&a.uri.params)); /* the params are the header's */
	assert_pl(a.uri_pl, "sip:a@example.com");

	v = SIP_PL("Alice   Smith<sip:a@example.com;transport=tcp> ; tag = 9");
	assert_int_equal(sip_addr_parse(&a, &v, 0, NULL), 0);
	assert_pl(a.dname, "Alice   Smith");
	assert_false(a.dname_quoted);
	assert_true(sip_uri_param(&a.uri, "transport", NULL));
	assert_pl(a.tag, "9");

	v = SIP_PL("J\xc3\xbcrgen <sip:j@example.com>"); /* unquoted UTF-8: tolerated */
	assert_int_equal(sip_addr_parse(&a, &v, 0, NULL), 0);
	assert_pl(a.dname, "J\xc3\xbcrgen");

	v = SIP_PL("\"\" <sip:a@example.com>");
	assert_int_equal(sip_addr_parse(&a, &v, 0, NULL), 0);
	assert_true(a.dname_quoted);
	assert_int_equal(a.dname.l, 0);

	v = SIP_PL("<sip:a@example.com>;p=\"<x>,y\"");
	assert_int_equal(sip_addr_parse(&a, &v, 0, NULL), 0);
	v = SIP_PL("sip:a@example.com;p=\"<x>\"");
	assert_int_equal(sip_addr_parse(&a, &v, 0, NULL), 0);
	assert_false(a.angle);

	static const struct {
		const char *val;
		const char *why;
	} bad[] = {
		{ "\"Unterminated <sip:a@example.com>", "Unterminated quoted string" },
		{ "Bell, Alexander <sip:a@example.com>", "Bad display name" },
		{ "< sip:a@example.com>", "White space inside angle brackets" },
		{ "<sip:a@example.com >", "White space inside angle brackets" },
		{ "<sip:a@example.com", "Unterminated angle bracket" },
		{ "\"Joe\" sip:a@example.com", "Missing URI after display name" },
		{ "sip:a@example.com?Route=x", "must be in angle brackets" },
		{ "<sip:a@example.com>junk", "Bad parameter" },
		{ "<sip:a@example.com>;tag", "Bad tag" },
		{ "<>", "Empty URI" },
		{ "", "Empty value" },
		{ "*", "Bad URI scheme" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = sip_pl_of(bad[i].val);
		if (sip_addr_parse(&a, &v, 0, &why) != -EINVAL || !why || !strstr(why, bad[i].why))
			fail_msg("\"%s\": expected \"%s\", got \"%s\"", bad[i].val, bad[i].why,
				 why ? why : "success");
	}
	v = SIP_PL("*");
	assert_int_equal(sip_addr_parse(&a, &v, SIP_ADDR_STAR, NULL), 0);
	assert_true(a.star);
	v = SIP_PL("<sip:a@b>;q=1.5");
	unsigned q;
	assert_int_equal(sip_addr_parse(&a, &v, 0, NULL), 0);
	assert_int_equal(sip_addr_q(&a, &q), -EINVAL);
	v = SIP_PL("<sip:a@b>;expires=280297596632815");
	uint32_t e;
	assert_int_equal(sip_addr_parse(&a, &v, 0, NULL), 0);
	assert_int_equal(sip_addr_expires(&a, &e), -ERANGE);
}

static void test_via_fields(void **state)
{
	struct sip_via v;
	const char *why;
	(void)state;
	struct sip_pl s;

	s = SIP_PL("SIP/2.0/TLS [2001:db8::9]:5061;branch=z9hG4bKx;rport;received=2001:db8::1;"
		   "maddr=224.2.0.1;ttl=16;alias");
	assert_int_equal(sip_via_parse(&v, &s, NULL), 0);
	assert_int_equal(v.tp, SIP_TP_TLS);
	assert_int_equal(v.host_type, SIP_HOST_IPV6);
	assert_pl(v.host, "2001:db8::9");
	assert_int_equal(v.port, 5061);
	assert_true(v.rport);
	assert_int_equal(v.rport_val, 0);
	assert_pl(v.received, "2001:db8::1");
	assert_pl(v.maddr, "224.2.0.1");
	assert_int_equal(v.ttl, 16);
	assert_true(sip_via_rfc3261_branch(&v));
	assert_true(sip_params_find(&v.params, "alias", NULL));

	s = SIP_PL("SIP / 2.0 / ws h.invalid : 5060 ; rport = 1234 ; received=192.0.2.1");
	assert_int_equal(sip_via_parse(&v, &s, NULL), 0);
	assert_int_equal(v.tp, SIP_TP_WS);
	assert_int_equal(v.port, 5060);
	assert_int_equal(v.rport_val, 1234);
	assert_false(sip_via_rfc3261_branch(&v));
	assert_string_equal(sip_tp_name(SIP_TP_SCTP), "SCTP");

	static const char *const bad[] = {
		"SIP/2.0 h.example.com", "SIP/2.0/UDP", "SIP/2.0/UDPh.example.com",
		"SIP/2.0/UDP h.example.com:0", "SIP/2.0/UDP h.example.com;branch",
		"SIP/2.0/UDP h.example.com;ttl=256", "SIP/2.0/UDP h.example.com;received=h.example.com",
		"SIP/2.0/UDP h.example.com;rport=0", "SIP/2.0/UDP h.example.com;;",
		"SIP/2.0/UDP h.example.com x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = sip_pl_of(bad[i]);
		why = NULL;
		if (sip_via_parse(&v, &s, &why) != -EINVAL || !why)
			fail_msg("\"%s\" should not parse", bad[i]);
	}
}

static void test_other_fields(void **state)
{
	struct sip_pl s, method;
	uint32_t a, b;
	(void)state;

	struct sip_substate ss;
	s = SIP_PL("terminated;reason=timeout;retry-after=30");
	assert_int_equal(sip_substate_parse(&s, &ss), 0);
	assert_pl(ss.state, "terminated");
	assert_pl(ss.reason, "timeout");
	assert_int_equal(ss.retry_after, 30);
	assert_int_equal(ss.expires, -1);
	s = SIP_PL("active;expires=600");
	assert_int_equal(sip_substate_parse(&s, &ss), 0);
	assert_int_equal(ss.expires, 600);

	struct sip_replaces rp;
	s = SIP_PL("425928@bobster.example.org;to-tag=7743;from-tag=6472;early-only");
	assert_int_equal(sip_replaces_parse(&s, &rp), 0);
	assert_pl(rp.call_id, "425928@bobster.example.org");
	assert_pl(rp.to_tag, "7743");
	assert_pl(rp.from_tag, "6472");
	assert_true(rp.early_only);
	s = SIP_PL("425928@bobster.example.org;to-tag=7743");
	assert_int_equal(sip_replaces_parse(&s, &rp), -EINVAL);

	s = SIP_PL("988789");
	assert_int_equal(sip_rseq_parse(&s, &a), 0);
	assert_int_equal(a, 988789);
	s = SIP_PL("0");
	assert_int_equal(sip_rseq_parse(&s, &a), -EINVAL);
	s = SIP_PL("776656 1 INVITE");
	assert_int_equal(sip_rack_parse(&s, &a, &b, &method), 0);
	assert_int_equal(a, 776656);
	assert_int_equal(b, 1);
	assert_pl(method, "INVITE");
	s = SIP_PL("776656 INVITE");
	assert_int_equal(sip_rack_parse(&s, &a, &b, &method), -EINVAL);

	struct sip_auth au;
	struct sip_param prm;
	char out[64];
	size_t n;
	s = SIP_PL("Digest username=\"bob\\\"s\", realm=\"biloxi.com\",\r\n nonce=\"dcd98b\", "
		   "uri=\"sip:bob@biloxi.com\", response=\"6629fae49393a05397450978507c4ef1\", "
		   "algorithm=MD5, nc=00000001, qop=auth");
	assert_int_equal(sip_auth_parse(&s, &au), 0);
	assert_true(sip_auth_param(&au, "username", &prm));
	assert_int_equal(sip_pl_unquote(&prm.val, out, sizeof(out), &n), 0);
	assert_memory_equal(out, "bob\"s", n);
	assert_true(sip_auth_param(&au, "nc", &prm));
	assert_false(prm.quoted);
	assert_pl(prm.val, "00000001");
	assert_true(sip_auth_param(&au, "algorithm", &prm));
	assert_pl(prm.val, "MD5");
	s = SIP_PL("Digest realm");
	assert_int_equal(sip_auth_parse(&s, &au), -EINVAL);
	s = SIP_PL("Digest realm=\"x\",,nonce=y");
	assert_int_equal(sip_auth_parse(&s, &au), -EINVAL);
	s = SIP_PL("Digest realm=\"unterminated");
	assert_int_equal(sip_auth_parse(&s, &au), -EINVAL);
	s = SIP_PL("nextnonce=\"47364c23432d2e131a5fb210812c\", qop=auth");
	assert_int_equal(sip_auth_params_parse(&s, &au), 0);
	assert_true(sip_auth_param(&au, "nextnonce", NULL));

	s = SIP_PL("a84b4c76e66710@pc33.atlanta.com");
	assert_int_equal(sip_callid_check(&s), 0);
	s = SIP_PL("a@b@c");
	assert_int_equal(sip_callid_check(&s), -EINVAL);
	s = SIP_PL("has space");
	assert_int_equal(sip_callid_check(&s), -EINVAL);
}

static void test_too_many_headers(void **state)
{
	struct fx *f = *state;
	size_t cap = 64 * 1024, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);

	n += (size_t)snprintf(buf + n, cap - n, "OPTIONS sip:b@example.com SIP/2.0\r\n" MAND
			      "CSeq: 1 OPTIONS\r\n");
	for (int i = 0; i < SIP_MSG_MAX_HDRS; i++)
		n += (size_t)snprintf(buf + n, cap - n, "X-H%d: %d\r\n", i, i);
	n += (size_t)snprintf(buf + n, cap - n, "\r\n");
	assert_int_equal(parse_f(f, buf, n, SIP_DATAGRAM), SIP_EBADREQ);
	assert_string_equal(f->msg.reason, "Too many header fields");
	assert_int_equal(f->msg.nhdrs, SIP_MSG_MAX_HDRS);
	free(buf);
}

static void test_unknown_tags(void **state)
{
	struct fx *f = *state;
	static const char *const known[] = { "100rel", "timer", NULL };
	struct sip_pl out[1];

	assert_int_equal(parse(f, "INVITE sip:b@example.com SIP/2.0\r\n" MAND "CSeq: 1 INVITE\r\n"
				  "Require: 100rel, foo\r\nRequire: TIMER, bar\r\n\r\n"), 0);
	/* Counts them all, stores what fits. */
	assert_int_equal(sip_msg_unknown_tags(&f->msg, SIP_HDR_REQUIRE, known, out, 1), 2);
	assert_pl(out[0], "foo");
	const struct sip_hdr *h;
	assert_int_equal(sip_msg_single(&f->msg, SIP_HDR_REQUIRE, &h), -EEXIST);
	assert_int_equal(sip_msg_single(&f->msg, SIP_HDR_RSEQ, &h), -ENOENT);
	assert_int_equal(sip_msg_single(&f->msg, SIP_HDR_CSEQ, &h), 0);
}

/* REFER with Replaces carried escaped in the Refer-To URI (RFC 3891 §7). */
static void test_refer(void **state)
{
	struct fx *f = *state;
	struct sip_msg *m = &f->msg;
	struct sip_addr a;
	struct sip_uri_param h;
	struct sip_replaces rp;
	char tmp[128];
	size_t n;

	assert_int_equal(parse(f, "REFER sip:bob@example.com SIP/2.0\r\n" MAND "CSeq: 3 REFER\r\n"
				  "Refer-To: <sip:carol@example.com?Replaces=12345%40192.168.118.3"
				  "%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>\r\n"
				  "Referred-By: <sip:alice@example.com>;cid=\"20398823.2UWQFN309shb3@example.com\"\r\n"
				  "\r\n"), 0);
	assert_int_equal(sip_msg_addr(m, SIP_HDR_REFER_TO, &a), 0);
	assert_pl(a.uri.user, "carol");
	struct sip_pl it = a.uri.headers;
	assert_int_equal(sip_uri_header_next(&it, &h), 1);
	assert_pl(h.name, "Replaces");
	assert_int_equal(sip_pl_unescape(&h.val, tmp, sizeof(tmp), &n), 0);
	struct sip_pl rv = sip_pl_make(tmp, n);
	assert_int_equal(sip_replaces_parse(&rv, &rp), 0);
	assert_pl(rp.call_id, "12345@192.168.118.3");
	assert_pl(rp.to_tag, "12345");
	assert_pl(rp.from_tag, "5FFE-3994");
	assert_false(rp.early_only);

	assert_int_equal(sip_msg_addr(m, SIP_HDR_REFERRED_BY, &a), 0);
	struct sip_param cid;
	assert_true(sip_params_find(&a.params, "cid", &cid));
	assert_true(cid.quoted);
	assert_int_equal(sip_msg_addr(m, SIP_HDR_REPLY_TO, &a), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_names),
		cmocka_unit_test_setup_teardown(test_compact_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_splitting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_datagram_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_line_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_headers, setup, teardown),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_via_fields),
		cmocka_unit_test(test_other_fields),
		cmocka_unit_test_setup_teardown(test_too_many_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_sip_print.c: responses built from parsed requests, requests from parts, escaping. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sip_auth.h"
#include "sip_print.h"

#define assert_pl(pl, s)                                                                    \
	do {                                                                                \
		struct sip_pl pl_ = (pl);                                                   \
		if (!sip_pl_eq_str(&pl_, (s)))                                              \
			fail_msg("expected \"%s\", got \"%.*s\"", (s), (int)pl_.l,          \
				 pl_.p ? pl_.p : "(unset)");                                \
	} while (0)

static const char invite[] =
	"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
	"Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK1\r\n"
	"v: SIP/2.0/TCP\r\n  client.atlanta.example.com:5060;branch=z9hG4bK2;received=192.0.2.101\r\n"
	"Max-Forwards: 69\r\n"
	"From: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
	"To: Bob <sip:bob@biloxi.example.com>\r\n"
	"Call-ID: 3848276298220188511@atlanta.example.com\r\n"
	"CSeq: 1\r\n INVITE\r\n"
	"Timestamp: 54\r\n"
	"Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n"
	"Content-Length: 0\r\n\r\n";

/* Both messages in one allocation so the views stay valid until free(). */
struct pair {
	struct sip_msg req;
	struct sip_msg resp;
	char out[4096];
	size_t len;
};

static struct pair *parse_request(const char *text)
{
	struct pair *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	int r = sip_msg_parse(&p->req, text, strlen(text), SIP_DATAGRAM);
	if (r && !sip_msg_can_reply(&p->req))
		fail_msg("cannot answer: %d %s", r, p->req.reason);
	return p;
}

/* Parses the printed response back, as a UAC would receive it. */
static void parse_back(struct pair *p)
{
	int r = sip_msg_parse(&p->resp, p->out, p->len, SIP_STREAM);
	if (r)
		fail_msg("printed response does not parse: %d %s\n%s", r, p->resp.reason, p->out);
	assert_int_equal(p->resp.used, p->len);
}

static void check_copied(const struct pair *p)
{
	const struct sip_msg *q = &p->req, *s = &p->resp;

	assert_int_equal(sip_msg_hdr_count(s, SIP_HDR_VIA), sip_msg_hdr_count(q, SIP_HDR_VIA));
	const struct sip_hdr *a = NULL, *b = NULL;
	while ((a = sip_msg_hdr(q, SIP_HDR_VIA, a))) {
		struct sip_via va, vb;
		b = sip_msg_hdr(s, SIP_HDR_VIA, b);
		assert_int_equal(sip_via_parse(&va, &a->val, NULL), 0);
		assert_int_equal(sip_via_parse(&vb, &b->val, NULL), 0);
		assert_true(sip_pl_eq(&va.branch, &vb.branch));
		assert_true(sip_pl_eq(&va.host, &vb.host));
	}
	assert_true(sip_pl_eq(&s->from.tag, &q->from.tag));
	assert_true(sip_pl_eq(&s->from.dname, &q->from.dname));
	assert_true(sip_uri_equal(&s->from.uri, &q->from.uri));
	assert_true(sip_uri_equal(&s->to.uri, &q->to.uri));
	assert_true(sip_pl_eq(&s->call_id, &q->call_id));
	assert_int_equal(s->cseq, q->cseq);
	assert_true(sip_pl_eq(&s->cseq_method_pl, &q->cseq_method_pl));
}

static void test_400_from_request(void **state)
{
	(void)state;
	struct pair *p = parse_request(invite);
	struct sip_resp_opts o = { .status = 400, .reason = "Bad Request", .to_tag = "as83kd9" };

	assert_int_equal(sip_print_response(p->out, sizeof(p->out), &p->len, &p->req, &o), 0);
	assert_string_equal(p->out,
			    "SIP/2.0 400 Bad Request\r\n"
			    "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bK1\r\n"
			    "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK2;"
			    "received=192.0.2.101\r\n"
			    "From: \"Alice, A.\" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
			    "To: Bob <sip:bob@biloxi.example.com>;tag=as83kd9\r\n"
			    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
			    "CSeq: 1 INVITE\r\n"
			    "Content-Length: 0\r\n\r\n");
	assert_int_equal(p->len, strlen(p->out));
	parse_back(p);
	assert_int_equal(p->resp.status, 400);
	assert_pl(p->resp.status_phrase, "Bad Request");
	assert_pl(p->resp.to.tag, "as83kd9");
	check_copied(p);
	free(p);
}

static void test_401_with_challenge(void **state)
{
	(void)state;
	struct pair *p = parse_request(invite);
	const struct sip_hdr_out hdrs[] = {
		{ "WWW-Authenticate", "Digest realm=\"atlanta.example.com\", qop=\"auth\", "
				      "nonce=\"84a4cc6f3082121f32b42a2187831a9e\", algorithm=MD5" },
		{ "Server", "Strowger" },
	};
	struct sip_resp_opts o = { .status = 401, .to_tag = "t1", .hdrs = hdrs, .nhdrs = 2 };

	assert_int_equal(sip_print_response(p->out, sizeof(p->out), &p->len, &p->req, &o), 0);
	parse_back(p);
	assert_int_equal(p->resp.status, 401);
	assert_pl(p->resp.status_phrase, "Unauthorized");
	check_copied(p);

	struct sip_auth au;
	struct sip_param prm;
	const struct sip_hdr *h = sip_msg_hdr(&p->resp, SIP_HDR_WWW_AUTHENTICATE, NULL);
	assert_non_null(h);
	assert_int_equal(sip_auth_parse(&h->val, &au), 0);
	assert_pl(au.scheme, "Digest");
	assert_true(sip_auth_param(&au, "nonce", &prm));
	assert_pl(prm.val, "84a4cc6f3082121f32b42a2187831a9e");
	assert_pl(sip_msg_hdr(&p->resp, SIP_HDR_SERVER, NULL)->val, "Strowger");
	free(p);
}

static void test_200_with_body(void **state)
{
	(void)state;
	/* The To already has a tag (a re-INVITE): it is not given a second one. */
	static const char reinvite[] =
		"INVITE sip:alice@client.atlanta.example.com SIP/2.0\r\n"
		"Via: SIP/2.0/UDP biloxi.example.com;branch=z9hG4bK5\r\n"
		"From: <sip:bob@biloxi.example.com>;tag=b1\r\n"
		"To: <sip:alice@atlanta.example.com>;tag=a1\r\n"
		"Call-ID: c2\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n";
	static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
				  "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n\0binary";
	struct pair *p = parse_request(reinvite);
	const struct sip_hdr_out hdrs[] = { { "Contact", "<sip:alice@192.0.2.1>" } };
	struct sip_resp_opts o = { .status = 200, .to_tag = "zz", .hdrs = hdrs, .nhdrs = 1,
				   .content_type = "application/sdp", .body = sdp,
				   .body_len = sizeof(sdp) - 1 };

	assert_int_equal(sip_print_response(p->out, sizeof(p->out), &p->len, &p->req, &o), 0);
	parse_back(p);
	assert_int_equal(p->resp.status, 200);
	assert_pl(p->resp.status_phrase, "OK");
	assert_pl(p->resp.to.tag, "a1");
	assert_null(strstr(p->out, "zz"));
	assert_true(sip_ctype_is(&p->resp.ctype, "application", "sdp"));
	assert_int_equal(p->resp.body.l, sizeof(sdp) - 1);
	assert_memory_equal(p->resp.body.p, sdp, sizeof(sdp) - 1);
	check_copied(p);
	free(p);
}

static void test_100_copies_timestamp(void **state)
{
	(void)state;
	struct pair *p = parse_request(invite);
	struct sip_resp_opts o = { .status = 100 };

	assert_int_equal(sip_print_response(p->out, sizeof(p->out), &p->len, &p->req, &o), 0);
	parse_back(p);
	assert_pl(p->resp.status_phrase, "Trying");
	assert_false(sip_pl_isset(&p->resp.to.tag));
	assert_pl(sip_msg_hdr(&p->resp, SIP_HDR_TIMESTAMP, NULL)->val, "54");
	free(p);
}

static void test_answering_bad_requests(void **state)
{
	(void)state;
	/* The parse failed, but the 400 can still be built with the reason as phrase. */
	static const char quotbal[] = "INVITE sip:user@example.com SIP/2.0\r\n"
				      "To: \"Mr. J. User <sip:j.user@example.com>\r\n"
				      "From: sip:caller@example.net;tag=93334\r\n"
				      "Call-ID: quotbal.aksdj\r\nCSeq: 8 INVITE\r\n"
				      "Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234\r\n"
				      "Content-Length: 0\r\n\r\n";
	struct pair *p = parse_request(quotbal);
	struct sip_resp_opts o = { .status = 400, .reason = p->req.reason };

	assert_int_equal(sip_msg_error_status(SIP_EBADREQ), 400);
	assert_int_equal(sip_print_response(p->out, sizeof(p->out), &p->len, &p->req, &o), 0);
	assert_non_null(strstr(p->out, "SIP/2.0 400 Unterminated quoted string in To\r\n"));
	assert_non_null(strstr(p->out, "Via: SIP/2.0/UDP 192.0.2.59:5050;branch=z9hG4bKkdjuw39234\r\n"));
	free(p);

	/* RFC 4475 insuf: no From, To or Call-ID to copy; the 400 still goes out. */
	static const char insuf[] = "INVITE sip:user@example.com SIP/2.0\r\nCSeq: 193942 INVITE\r\n"
				    "Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\r\n"
				    "Content-Length: 0\r\n\r\n";
	p = parse_request(insuf);
	o = (struct sip_resp_opts){ .status = 400, .reason = p->req.reason, .to_tag = "x" };
	assert_int_equal(sip_print_response(p->out, sizeof(p->out), &p->len, &p->req, &o), 0);
	assert_string_equal(p->out, "SIP/2.0 400 Missing From header\r\n"
				    "Via: SIP/2.0/UDP 192.0.2.95;branch=z9hG4bKkdj.insuf\r\n"
				    "CSeq: 193942 INVITE\r\n"
				    "Content-Length: 0\r\n\r\n");
	free(p);
}

static void test_buffer_limits(void **state)
{
	(void)state;
	struct pair *p = parse_request(invite);
	static const char body[] = "hello";
	struct sip_resp_opts o = { .status = 486, .to_tag = "t", .content_type = "text/plain",
				   .body = body, .body_len = 5 };
	size_t need;

	assert_int_equal(sip_print_response(p->out, sizeof(p->out), &need, &p->req, &o), 0);
	/* Every smaller buffer fails cleanly; ASan checks nothing is written past it. */
	for (size_t size = 0; size < need; size++) {
		char *b = malloc(size ? size : 1);
		size_t len = 12345;
		assert_int_equal(sip_print_response(b, size, &len, &p->req, &o), -ENOSPC);
		assert_int_equal(len, 12345);
		free(b);
	}
	/* Exactly enough: fits, without room for the courtesy NUL. */
	char *b = malloc(need);
	size_t len;
	assert_int_equal(sip_print_response(b, need, &len, &p->req, &o), 0);
	assert_int_equal(len, need);
	assert_memory_equal(b, p->out, need);
	free(b);
	free(p);
}

static void test_invalid_input(void **state)
{
	(void)state;
	struct pair *p = parse_request(invite);
	char out[1024];
	size_t len;
	const struct sip_hdr_out inject[] = { { "X-A", "ok\r\nVia: SIP/2.0/UDP evil" } };
	const struct sip_hdr_out badname[] = { { "Bad Name", "x" } };
	struct sip_resp_opts o;

	o = (struct sip_resp_opts){ .status = 200, .hdrs = inject, .nhdrs = 1 };
	assert_int_equal(sip_print_response(out, sizeof(out), &len, &p->req, &o), -EINVAL);
	o = (struct sip_resp_opts){ .status = 200, .hdrs = badname, .nhdrs = 1 };
	assert_int_equal(sip_print_response(out, sizeof(out), &len, &p->req, &o), -EINVAL);
	o = (struct sip_resp_opts){ .status = 99 };
	assert_int_equal(sip_print_response(out, sizeof(out), &len, &p->req, &o), -EINVAL);
	o = (struct sip_resp_opts){ .status = 700 };
	assert_int_equal(sip_print_response(out, sizeof(out), &len, &p->req, &o), -EINVAL);
	o = (struct sip_resp_opts){ .status = 200, .to_tag = "a b" };
	assert_int_equal(sip_print_response(out, sizeof(out), &len, &p->req, &o), -EINVAL);
	o = (struct sip_resp_opts){ .status = 200, .body = "x", .body_len = 1 };
	assert_int_equal(sip_print_response(out, sizeof(out), &len, &p->req, &o), -EINVAL);

	/* A reason phrase cannot inject a header either. */
	o = (struct sip_resp_opts){ .status = 403, .reason = "No\r\nVia: SIP/2.0/UDP evil" };
	assert_int_equal(sip_print_response(p->out, sizeof(p->out), &p->len, &p->req, &o), 0);
	parse_back(p);
	assert_int_equal(sip_msg_hdr_count(&p->resp, SIP_HDR_VIA), 2);
	assert_pl(p->resp.status_phrase, "No%0D%0AVia: SIP/2.0/UDP evil");

	struct sip_req_out r = { .method = "INVITE", .ruri = "sip:a b@c" };
	assert_int_equal(sip_print_request(out, sizeof(out), &len, &r), -EINVAL);
	r = (struct sip_req_out){ .method = "IN VITE", .ruri = "sip:b@c" };
	assert_int_equal(sip_print_request(out, sizeof(out), &len, &r), -EINVAL);
	free(p);
}

static void test_request_printer(void **state)
{
	(void)state;
	char out[2048];
	size_t len;
	struct sip_msg *m = malloc(sizeof(*m));
	assert_non_null(m);
	const struct sip_hdr_out hdrs[] = {
		{ "Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKnashds8;rport" },
		{ "Max-Forwards", "70" },
		{ "From", "\"Strowger\" <sip:pbx@example.com>;tag=1928301774" },
		{ "To", "<sip:bob@example.com>" },
		{ "Call-ID", "a84b4c76e66710@pbx.example.com" },
		{ "CSeq", "314159 MESSAGE" },
	};
	struct sip_req_out r = { .method = "MESSAGE", .ruri = "sip:bob@example.com", .hdrs = hdrs,
				 .nhdrs = 6, .content_type = "text/plain", .body = "Hi!",
				 .body_len = 3 };

	assert_int_equal(sip_print_request(out, sizeof(out), &len, &r), 0);
	assert_int_equal(sip_msg_parse(m, out, len, SIP_STREAM), 0);
	assert_int_equal(m->method, SIP_METHOD_MESSAGE);
	assert_pl(m->ruri.user, "bob");
	assert_int_equal(m->max_forwards, 70);
	assert_true(m->via.rport);
	assert_pl(m->from.dname, "Strowger");
	assert_int_equal(m->cseq, 314159);
	assert_pl(m->body, "Hi!");
	assert_int_equal(m->used, len);

	/* Without a body: Content-Length: 0 and no Content-Type. */
	r.body = NULL;
	r.body_len = 0;
	r.method = "OPTIONS";
	assert_int_equal(sip_print_request(out, sizeof(out), &len, &r), 0);
	assert_non_null(strstr(out, "Content-Length: 0\r\n\r\n"));
	assert_null(strstr(out, "Content-Type"));
	free(m);
}

static void test_reason_escaping(void **state)
{
	(void)state;
	char out[64];

	assert_int_equal(sip_print_reason(out, sizeof(out), "Not Found", 9), 9);
	assert_string_equal(out, "Not Found");
	sip_print_reason(out, sizeof(out), "100% <sure> \"x\"", 15);
	assert_string_equal(out, "100%25 %3Csure%3E %22x%22");
	sip_print_reason(out, sizeof(out), "a\r\nb\0c\x7f", 7);
	assert_string_equal(out, "a%0D%0Ab%00c%7F");
	/* Well-formed UTF-8 stays; stray bytes are escaped. */
	sip_print_reason(out, sizeof(out), "\xd0\x9e\xd0\xba \xff\xd0", 7);
	assert_string_equal(out, "\xd0\x9e\xd0\xba %FF%D0");
	/* Truncation never cuts an escape or a UTF-8 sequence. */
	assert_int_equal(sip_print_reason(out, 5, "ab<cd", 5), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(sip_print_reason(out, 4, "a\xd0\x9e", 3), 3);
	assert_int_equal(sip_print_reason(out, 3, "a\xd0\x9e", 3), 1);
	assert_int_equal(sip_print_reason(out, 1, "abc", 3), 0);
	assert_string_equal(out, "");
	assert_int_equal(sip_print_reason(out, 0, "abc", 3), 0);
}

static void test_quoting(void **state)
{
	(void)state;
	char out[32];
	size_t end;

	assert_int_equal(sip_print_quoted(out, sizeof(out), "a\"b\\c", 5), 9);
	assert_string_equal(out, "\"a\\\"b\\\\c\"");
	sip_print_quoted(out, sizeof(out), "x\r\ny", 4);
	assert_string_equal(out, "\"x  y\"");
	assert_int_equal(sip_lex_quoted(out, 0, strlen(out), &end), 0);
	/* Truncated, still closed, and never an escape cut in half. */
	assert_int_equal(sip_print_quoted(out, 6, "abcdef", 6), 5);
	assert_string_equal(out, "\"abc\"");
	assert_int_equal(sip_print_quoted(out, 6, "ab\"", 3), 4);
	assert_string_equal(out, "\"ab\"");
	assert_int_equal(sip_print_quoted(out, 2, "ab", 2), 0);
}

static void test_phrases_and_summary(void **state)
{
	(void)state;
	char out[128];

	assert_string_equal(sip_status_phrase(404), "Not Found");
	assert_string_equal(sip_status_phrase(416), "Unsupported URI Scheme");
	assert_string_equal(sip_status_phrase(420), "Bad Extension");
	assert_string_equal(sip_status_phrase(505), "Version Not Supported");
	assert_string_equal(sip_status_phrase(499), "Client Error");
	assert_string_equal(sip_status_phrase(42), "Unknown");

	struct pair *p = parse_request(invite);
	sip_print_summary(out, sizeof(out), &p->req);
	assert_string_equal(out, "INVITE sip:bob@biloxi.example.com (Call-ID "
				 "3848276298220188511@atlanta.example.com, CSeq 1 INVITE)");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_400_from_request),
		cmocka_unit_test(test_401_with_challenge),
		cmocka_unit_test(test_200_with_body),
		cmocka_unit_test(test_100_copies_timestamp),
		cmocka_unit_test(test_answering_bad_requests),
		cmocka_unit_test(test_buffer_limits),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_request_printer),
		cmocka_unit_test(test_reason_escaping),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_phrases_and_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

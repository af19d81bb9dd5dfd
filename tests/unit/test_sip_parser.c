/* test_sip_parser.c: the 49 RFC 4475 torture messages, one cmocka test each. */
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
#include "sip_msg.h"

/*
 * The messages live in ../shared/torture (relative to the repo root, where the test
 * runner starts us) unless SIP_TORTURE_DIR says otherwise. LIST names each file and
 * what the RFC expects of it: valid, invalid, vresp (good response), iresp (bad one).
 */
struct torture {
	char name[64]; /* "wsinv" */
	char file[80]; /* "wsinv.dat" */
	char kind[16];
};

static const char *torture_dir(void)
{
	const char *d = getenv("SIP_TORTURE_DIR");
	return d && *d ? d : "../shared/torture";
}

/* Reads a whole file into a buffer of exactly its size (so ASan sees any overread). */
static char *load(const char *file, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", torture_dir(), file);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	char *exact = malloc(n ? n : 1);
	if (exact && n)
		memcpy(exact, buf, n);
	free(buf);
	*len = n;
	return exact;
}

static bool pl_is(const struct sip_pl *pl, const char *s)
{
	return sip_pl_eq_str(pl, s);
}

#define assert_pl(pl, s)                                                                    \
	do {                                                                                \
		struct sip_pl pl_ = (pl);                                                   \
		if (!pl_is(&pl_, (s)))                                                      \
			fail_msg("expected \"%s\", got \"%.*s\"", (s), (int)pl_.l,          \
				 pl_.p ? pl_.p : "(unset)");                                \
	} while (0)

#define assert_contains(hay, needle)                                                        \
	do {                                                                                \
		if (!strstr((hay), (needle)))                                               \
			fail_msg("expected \"%s\" to contain \"%s\"", (hay), (needle));     \
	} while (0)

/*
 * Every prefix of the message, in its own exact-size buffer, in both framings: the
 * parser must never read past the end, and a stream prefix of a complete message is
 * only ever "need more data".
 */
static void check_prefixes(const char *buf, size_t len, bool stream_complete, size_t used)
{
	struct sip_msg *m = malloc(sizeof(*m));
	assert_non_null(m);
	for (size_t k = 0; k < len; k++) {
		char *p = malloc(k ? k : 1);
		assert_non_null(p);
		memcpy(p, buf, k);
		(void)sip_msg_parse(m, p, k, SIP_DATAGRAM);
		int r = sip_msg_parse(m, p, k, SIP_STREAM);
		if (stream_complete && k < used && k > 0 && r != SIP_ENEED)
			fail_msg("stream prefix of %zu/%zu bytes gave %d, not SIP_ENEED", k, used, r);
		free(p);
	}
	free(m);
}

static size_t tag_count(const struct sip_msg *m, enum sip_hdr_id id)
{
	static const char *const known[] = { "100rel", "replaces", "timer", NULL };
	struct sip_pl out[8];
	return sip_msg_unknown_tags(m, id, known, out, 8);
}

/* Checks beyond "it parses" for the valid messages that test something specific. */
static void check_valid(const char *name, const struct sip_msg *m, const char *buf, size_t len)
{
	char tmp[64];
	size_t n;
	unsigned q;

	if (!strcmp(name, "wsinv")) {
		assert_int_equal(m->method, SIP_METHOD_INVITE);
		assert_pl(m->to.tag, "1918181833n");
		assert_pl(m->from.tag, "98asjd8");
		assert_true(m->from.dname_quoted);
		assert_pl(m->from.dname, "J Rosenberg \\\\\\\"");
		assert_int_equal(sip_pl_unquote(&m->from.dname, tmp, sizeof(tmp), &n), 0);
		assert_int_equal(n, strlen("J Rosenberg \\\""));
		assert_memory_equal(tmp, "J Rosenberg \\\"", n);
		assert_int_equal(m->max_forwards, 68);
		assert_int_equal(m->cseq, 9);
		assert_pl(m->cseq_method_pl, "INVITE");
		assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_VIA), 3);
		assert_pl(m->via.host, "192.0.2.2");
		assert_pl(m->via.branch, "390skdjuw");
		assert_int_equal(m->via.tp, SIP_TP_UDP);
		const struct sip_hdr *v2 = sip_msg_hdr(m, SIP_HDR_VIA, sip_msg_hdr(m, SIP_HDR_VIA, NULL));
		struct sip_via via;
		assert_int_equal(sip_via_parse(&via, &v2->val, NULL), 0);
		assert_int_equal(via.tp, SIP_TP_TCP);
		assert_pl(via.host, "spindle.example.com");
		assert_pl(via.branch, "z9hG4bK9ikj8");
		const struct sip_hdr *c = sip_msg_hdr(m, SIP_HDR_CONTACT, NULL);
		struct sip_addr a;
		assert_int_equal(sip_addr_parse(&a, &c->val, SIP_ADDR_STAR, NULL), 0);
		assert_int_equal(sip_addr_q(&a, &q), 0);
		assert_int_equal(q, 330);
		assert_non_null(sip_msg_hdr(m, SIP_HDR_SUBJECT, NULL));
		assert_int_equal(sip_msg_hdr(m, SIP_HDR_SUBJECT, NULL)->val.l, 0);
		assert_int_equal(m->body.l, 150);
	} else if (!strcmp(name, "intmeth")) {
		assert_int_equal(m->method, SIP_METHOD_OTHER);
		assert_pl(m->method_pl, "!interesting-Method0123456789_*+`.%indeed'~");
		assert_pl(m->ruri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
		assert_pl(m->ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
		assert_pl(m->ruri.host, "example.com");
		assert_int_equal(m->cseq, 139122385);
		assert_non_null(sip_msg_hdr_by_name(m, "EXTENSIONHEADER-!.%*+_`'~", NULL));
		assert_pl(m->from.tag, "_token~1'+`*%!-.");
		assert_pl(m->from.dname, "token1~` token2'+_ token3*%!.-");
	} else if (!strcmp(name, "esc01")) {
		assert_int_equal(sip_pl_unescape(&m->ruri.user, tmp, sizeof(tmp), &n), 0);
		assert_int_equal(n, strlen("sips:user@example.com"));
		assert_memory_equal(tmp, "sips:user@example.com", n);
		assert_int_equal(sip_pl_unescape(&m->to.uri.user, tmp, sizeof(tmp), &n), 0);
		assert_memory_equal(tmp, "user", n);
	} else if (!strcmp(name, "escnull")) {
		assert_pl(m->to.uri.user, "null-%00-null");
		assert_int_equal(sip_pl_unescape(&m->to.uri.user, tmp, sizeof(tmp), &n), 0);
		assert_int_equal(n, 11);
		assert_memory_equal(tmp, "null-\0-null", 11);
		assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_CONTACT), 2);
	} else if (!strcmp(name, "esc02")) {
		assert_int_equal(m->method, SIP_METHOD_OTHER);
		assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_CONTACT), 2);
		assert_non_null(sip_msg_hdr_by_name(m, "C%6Fntact", NULL));
	} else if (!strcmp(name, "lwsdisp")) {
		assert_pl(m->from.dname, "caller");
	} else if (!strcmp(name, "longreq")) {
		assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_VIA), 34);
		assert_int_equal(m->to.uri.port, 6000);
		assert_int_equal(m->body.l, 150);
	} else if (!strcmp(name, "dblreq")) {
		/* UDP: the first request only; the INVITE after it is ignored. */
		assert_int_equal(m->method, SIP_METHOD_REGISTER);
		assert_int_equal(m->body.l, 0);
		assert_int_equal(m->used, len);
		/* On a stream the second one follows the first. */
		struct sip_msg *s = malloc(sizeof(*s));
		assert_non_null(s);
		assert_int_equal(sip_msg_parse(s, buf, len, SIP_STREAM), 0);
		size_t used = s->used;
		assert_true(used < len);
		assert_int_equal(sip_msg_parse(s, buf + used, len - used, SIP_STREAM), 0);
		assert_int_equal(s->method, SIP_METHOD_INVITE);
		assert_pl(s->call_id, "dblreq.0ha0isnda977644900765@192.0.2.15");
		free(s);
	} else if (!strcmp(name, "semiuri")) {
		assert_pl(m->ruri.user, "user;par=u%40example.net");
		assert_false(sip_pl_isset(&m->ruri.params));
		assert_int_equal(sip_msg_hdr_count(m, SIP_HDR_ACCEPT), 6);
	} else if (!strcmp(name, "transports")) {
		static const char *const tps[] = { "UDP", "SCTP", "TLS", "UNKNOWN", "TCP" };
		static const enum sip_tp ids[] = { SIP_TP_UDP, SIP_TP_SCTP, SIP_TP_TLS,
							  SIP_TP_OTHER, SIP_TP_TCP };
		const struct sip_hdr *h = NULL;
		for (int i = 0; i < 5; i++) {
			struct sip_via via;
			h = sip_msg_hdr(m, SIP_HDR_VIA, h);
			assert_non_null(h);
			assert_int_equal(sip_via_parse(&via, &h->val, NULL), 0);
			assert_pl(via.transport, tps[i]);
			assert_int_equal(via.tp, ids[i]);
		}
		assert_null(sip_msg_hdr(m, SIP_HDR_VIA, h));
	} else if (!strcmp(name, "mpart01")) {
		assert_int_equal(m->body.l, 553);
		assert_int_equal(m->body.p + m->body.l, buf + len);
		assert_memory_equal(m->body.p, buf + len - 553, 553);
		assert_true(sip_ctype_is(&m->ctype, "multipart", "mixed"));
		struct sip_param b;
		assert_true(sip_params_find(&m->ctype.params, "boundary", &b));
		assert_pl(b.val, "7a9cbec02ceef655");
	} else if (!strcmp(name, "badbranch")) {
		assert_pl(m->via.branch, "z9hG4bK");
	} else if (!strcmp(name, "unkscm")) {
		assert_int_equal(m->ruri.scheme, SIP_URI_OTHER);
		assert_pl(m->ruri.scheme_pl, "nobodyKnowsThisScheme");
	} else if (!strcmp(name, "novelsc")) {
		assert_int_equal(m->ruri.scheme, SIP_URI_OTHER);
		assert_pl(m->ruri.scheme_pl, "soap.beep");
	} else if (!strcmp(name, "unksm2")) {
		assert_int_equal(m->to.uri.scheme, SIP_URI_OTHER);
		assert_pl(m->to.uri.scheme_pl, "isbn");
		assert_int_equal(m->from.uri.scheme, SIP_URI_OTHER);
		assert_pl(m->from.tag, "3234233");
	} else if (!strcmp(name, "bext01")) {
		struct sip_pl out[4];
		static const char *const known[] = { "100rel", NULL };
		assert_int_equal(sip_msg_unknown_tags(m, SIP_HDR_REQUIRE, known, out, 4), 2);
		assert_pl(out[0], "nothingSupportsThis");
		assert_pl(out[1], "nothingSupportsThisEither");
		assert_int_equal(tag_count(m, SIP_HDR_PROXY_REQUIRE), 2);
	} else if (!strcmp(name, "invut")) {
		assert_true(sip_ctype_is(&m->ctype, "application", "unknownformat"));
		assert_int_equal(m->body.l, 40);
	} else if (!strcmp(name, "regaut01")) {
		struct sip_auth auth;
		struct sip_param prm;
		const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_AUTHORIZATION, NULL);
		assert_non_null(h);
		assert_int_equal(sip_auth_parse(&h->val, &auth), 0);
		assert_pl(auth.scheme, "NoOneKnowsThisScheme");
		assert_true(sip_auth_param(&auth, "opaque-data", &prm));
		assert_pl(prm.val, "here");
	} else if (!strcmp(name, "zeromf")) {
		assert_int_equal(m->max_forwards, 0);
	} else if (!strcmp(name, "cparam01") || !strcmp(name, "cparam02")) {
		struct sip_addr a;
		const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_CONTACT, NULL);
		assert_int_equal(sip_addr_parse(&a, &h->val, SIP_ADDR_STAR, NULL), 0);
		bool angle = !strcmp(name, "cparam02");
		/* addr-spec: the parameter is the header's; in <>: the URI's. */
		assert_int_equal(a.angle, angle);
		assert_int_equal(sip_uri_param(&a.uri, "unknownparam", NULL), angle);
		assert_int_equal(sip_params_find(&a.params, "unknownparam", NULL), !angle);
	} else if (!strcmp(name, "regescrt")) {
		struct sip_addr a;
		const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_CONTACT, NULL);
		assert_int_equal(sip_addr_parse(&a, &h->val, SIP_ADDR_STAR, NULL), 0);
		assert_pl(a.uri.headers, "Route=%3Csip:sip.example.com%3E");
	} else if (!strcmp(name, "inv2543")) {
		assert_int_equal(m->max_forwards, -1);
		assert_false(m->has_clen);
		assert_int_equal(m->body.l, 105);
		assert_false(sip_pl_isset(&m->via.branch));
		assert_false(sip_pl_isset(&m->from.tag));
	}
}

/* What each invalid request's 400 reason must mention. */
static const struct {
	const char *name;
	int result;
	const char *reason;
} invalid_expect[] = {
	{ "badinv01", SIP_EBADREQ, "Via" },
	{ "clerr", SIP_EBADREQ, "Content-Length" },
	{ "ncl", SIP_EBADREQ, "Content-Length" },
	{ "scalar02", SIP_EBADREQ, "CSeq" },
	{ "quotbal", SIP_EBADREQ, "Unterminated quoted string in To" },
	{ "ltgtruri", SIP_EBADREQ, "Request-URI" },
	{ "lwsruri", SIP_EBADREQ, "Request-URI" },
	{ "lwsstart", SIP_EBADREQ, "Request-Line" },
	{ "trws", SIP_EBADREQ, "Request-Line" },
	{ "escruri", SIP_EBADREQ, "Request-URI" },
	{ "regbadct", SIP_EBADREQ, "Contact" },
	{ "badaspec", SIP_EBADREQ, "in To" },
	{ "baddn", SIP_EBADREQ, "display name in From" },
	{ "badvers", SIP_EVERSION, "Version" },
	{ "mismatch01", SIP_EBADREQ, "CSeq method does not match the request" },
	{ "mismatch02", SIP_EBADREQ, "CSeq method does not match the request" },
	{ "insuf", SIP_EMISSING, "Missing" },
	{ "multi01", SIP_EBADREQ, "Multiple" },
	{ "mcl01", SIP_EBADREQ, "Content-Length" },
};

static void test_torture(void **state)
{
	const struct torture *t = *state;
	size_t len = 0;
	char *buf = load(t->file, &len);
	if (!buf)
		fail_msg("cannot read %s/%s", torture_dir(), t->file);
	struct sip_msg *m = malloc(sizeof(*m));
	assert_non_null(m);

	int r = sip_msg_parse(m, buf, len, SIP_DATAGRAM);

	if (!strcmp(t->kind, "valid") || !strcmp(t->name, "baddate")) {
		/* baddate: we do not interpret Date, so its odd time zone is ignored
		 * (RFC 4475 §3.1.2.12 allows this instead of a 400). */
		if (r != 0)
			fail_msg("%s: expected to parse, got %d (%s)", t->name, r, m->reason);
		assert_true(m->is_request);
		assert_string_equal(m->reason, "");
		check_valid(t->name, m, buf, len);
	} else if (!strcmp(t->kind, "invalid")) {
		size_t i = 0, n = sizeof(invalid_expect) / sizeof(invalid_expect[0]);
		while (i < n && strcmp(invalid_expect[i].name, t->name))
			i++;
		if (i == n)
			fail_msg("%s: no expectation for this invalid message", t->name);
		if (r != invalid_expect[i].result)
			fail_msg("%s: expected %d, got %d (%s)", t->name, invalid_expect[i].result, r,
				 m->reason);
		assert_true(m->is_request);
		assert_true(m->reason[0] != '\0');
		assert_contains(m->reason, invalid_expect[i].reason);
		assert_int_equal(sip_msg_error_status(r), r == SIP_EVERSION ? 505 : 400);
		print_message("%-10s -> %u %s\n", t->name, sip_msg_error_status(r), m->reason);
	} else if (!strcmp(t->kind, "vresp")) {
		if (r != 0)
			fail_msg("%s: expected to parse, got %d (%s)", t->name, r, m->reason);
		assert_false(m->is_request);
		if (!strcmp(t->name, "noreason")) {
			assert_int_equal(m->status, 100);
			assert_int_equal(m->status_phrase.l, 0);
		} else if (!strcmp(t->name, "unreason")) {
			assert_int_equal(m->status, 200);
			assert_true(m->status_phrase.l > 20);
			assert_memory_equal(m->status_phrase.p, "= 2**3 * 5**2 ", 14);
			assert_int_equal(m->body.l, 154);
		}
	} else if (!strcmp(t->kind, "iresp")) {
		if (r != SIP_EBADRESP)
			fail_msg("%s: expected SIP_EBADRESP, got %d", t->name, r);
		assert_false(m->is_request);
		assert_int_equal(sip_msg_error_status(r), 0);
		print_message("%-10s -> dropped: %s\n", t->name, m->reason);
	} else {
		fail_msg("%s: unknown kind \"%s\" in LIST", t->name, t->kind);
	}

	/* Stream framing: a message with a usable Content-Length frames exactly. */
	int sr = sip_msg_parse(m, buf, len, SIP_STREAM);
	bool complete = sr == 0 && m->has_clen;
	size_t used = complete ? m->used : 0;
	check_prefixes(buf, len, complete, used);

	free(m);
	free(buf);
}

/* LIST lines: "name.dat  kind  section  description"; '#' starts a comment. */
static size_t read_list(struct torture **out)
{
	char path[512], line[512];
	snprintf(path, sizeof(path), "%s/LIST", torture_dir());
	FILE *f = fopen(path, "r");
	struct torture *ts = NULL;
	size_t n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		struct torture t = { 0 };
		if (line[0] == '#' || sscanf(line, "%79s %15s", t.file, t.kind) != 2)
			continue;
		snprintf(t.name, sizeof(t.name), "%s", t.file);
		char *dot = strstr(t.name, ".dat");
		if (dot)
			*dot = '\0';
		struct torture *nt = realloc(ts, (n + 1) * sizeof(*ts));
		if (!nt)
			break;
		ts = nt;
		ts[n++] = t;
	}
	fclose(f);
	*out = ts;
	return n;
}

static void test_list_missing(void **state)
{
	(void)state;
	fail_msg("cannot read %s/LIST (set SIP_TORTURE_DIR)", torture_dir());
}

int main(void)
{
	struct torture *ts = NULL;
	size_t n = read_list(&ts);

	if (n == 0) {
		const struct CMUnitTest missing[] = { cmocka_unit_test(test_list_missing) };
		return cmocka_run_group_tests(missing, NULL, NULL);
	}
	/* One test per message, named after it, so the count and any failure show. */
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++) {
		tests[i].name = ts[i].name;
		tests[i].test_func = test_torture;
		tests[i].initial_state = &ts[i];
	}
	int rc = _cmocka_run_group_tests("torture", tests, n, NULL, NULL);
	free(tests);
	free(ts);
	return rc;
}

/* test_sdp_print.c: printing session descriptions, parse -> print -> parse round trips, o= versions. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "sdp.h"
#include "sdp_int.h"
#include "sdp_print.h"
#include "sdp_samples.h"

static struct sdp_session a, b;
static char out1[4096], out2[4096];

static bool same_str(const struct sdp_str *x, const struct sdp_str *y)
{
	return x->l == y->l && (x->l == 0 || memcmp(x->p, y->p, x->l) == 0) && !x->p == !y->p;
}

static void same_conn(const struct sdp_conn *x, const struct sdp_conn *y, const char *what)
{
	if (x->type != y->type || !same_str(&x->addr, &y->addr) || x->is_name != y->is_name ||
	    x->is_null != y->is_null || x->multicast != y->multicast || !same_str(&x->suffix, &y->suffix) ||
	    memcmp(x->ip, y->ip, sizeof(x->ip)) != 0)
		fail_msg("%s differs: %.*s / %.*s", what, SDP_STR_ARGS(x->addr), SDP_STR_ARGS(y->addr));
}

/* Every modelled field of two parsed descriptions is the same text and value. */
static void same_session(const struct sdp_session *x, const struct sdp_session *y)
{
	assert_true(same_str(&x->origin.user, &y->origin.user));
	assert_true(same_str(&x->origin.id, &y->origin.id));
	assert_true(same_str(&x->origin.version, &y->origin.version));
	same_conn(&x->origin.addr, &y->origin.addr, "o=");
	assert_true(same_str(&x->name, &y->name));
	same_conn(&x->conn, &y->conn, "session c=");
	assert_true(same_str(&x->timing, &y->timing));
	assert_int_equal(x->dir, y->dir);
	assert_int_equal(x->nmedia, y->nmedia);
	for (size_t i = 0; i < x->nmedia; i++) {
		const struct sdp_media *m = &x->media[i], *n = &y->media[i];
		assert_true(same_str(&m->media, &n->media));
		assert_int_equal(m->port, n->port);
		assert_int_equal(m->nports, n->nports);
		assert_true(same_str(&m->proto, &n->proto));
		assert_true(same_str(&m->fmt_list, &n->fmt_list) || m->fmts_truncated);
		assert_int_equal(m->nfmts, n->nfmts);
		for (size_t j = 0; j < m->nfmts; j++) {
			const struct sdp_fmt *f = &m->fmts[j], *g = &n->fmts[j];
			assert_true(same_str(&f->id, &g->id));
			assert_int_equal(f->pt, g->pt);
			assert_true(same_str(&f->name, &g->name));
			assert_int_equal(f->rate, g->rate);
			assert_int_equal(f->channels, g->channels);
			assert_int_equal(f->rtpmap, g->rtpmap);
			assert_true(same_str(&f->fmtp, &g->fmtp));
		}
		same_conn(&m->conn, &n->conn, "media c=");
		assert_int_equal(m->dir, n->dir);
		assert_int_equal(m->ptime, n->ptime);
		assert_int_equal(m->maxptime, n->maxptime);
		assert_int_equal(m->rtcp_port, n->rtcp_port);
		same_conn(&m->rtcp_conn, &n->rtcp_conn, "a=rtcp");
		assert_int_equal(m->rtcp_mux, n->rtcp_mux);
	}
}

/* The next attribute outside the model. */
static bool next_extra(struct sdp_str *it, struct sdp_str *name, struct sdp_str *val)
{
	while (sdp_attr_next(it, name, val))
		if (!sdp_attr_modelled(name))
			return true;
	return false;
}

/* Attributes outside the model survive too, in order. */
static void same_extras(const struct sdp_str *x, const struct sdp_str *y)
{
	struct sdp_str ix = *x, iy = *y, nx, vx, ny, vy;
	for (;;) {
		bool mx = next_extra(&ix, &nx, &vx), my = next_extra(&iy, &ny, &vy);
		assert_int_equal(mx, my);
		if (!mx)
			return;
		assert_true(same_str(&nx, &ny));
		assert_true(same_str(&vx, &vy));
	}
}

static void round_trip(const char *text)
{
	size_t n1, n2;
	char *k = sdp_must_parse(&a, text);
	int rc = sdp_print(out1, sizeof(out1), &n1, &a);
	if (rc)
		fail_msg("print failed (%d):\n%s", rc, text);
	assert_int_equal(strlen(out1), n1);
	char *k2 = sdp_must_parse(&b, out1);
	same_session(&a, &b);
	same_extras(&a.lines, &b.lines);
	for (size_t i = 0; i < a.nmedia; i++)
		same_extras(&a.media[i].lines, &b.media[i].lines);
	/* Printing what was printed changes nothing. */
	assert_int_equal(sdp_print(out2, sizeof(out2), &n2, &b), 0);
	assert_string_equal(out1, out2);
	free(k);
	free(k2);
}

static void test_round_trips(void **state)
{
	(void)state;
	static const char *const samples[] = {
		sdp_baresip,	   sdp_sipp_pcap,     sdp_asterisk,  sdp_linphone, sdp_ipv6,
		sdp_rfc3264_offer, sdp_rfc4317_offer, sdp_old_hold,  sdp_webrtc,
		"v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\ni=info\r\nu=http://x/\r\ne=a@b\r\np=+1\r\n"
		"c=IN IP4 233.252.0.1/127/3\r\nb=CT:128\r\nt=1 2\r\nr=7d 1h 0 25h\r\nt=3 4\r\nz=1 -1h\r\nk=clear:x\r\n"
		"a=recvonly\r\na=cat:x\r\nm=audio 4000/2 RTP/AVP 0 18\r\ni=m\r\nc=IN IP6 ff15::1/3\r\nb=AS:64\r\n"
		"k=prompt\r\na=fmtp:18 annexb=no\r\na=maxptime:40\r\na=rtcp-mux\r\na=x:y\r\nm=image 0 udptl t38\r\n",
	};
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		round_trip(samples[i]);
}

static void test_exact_text(void **state)
{
	(void)state;
	size_t n;
	char *k = sdp_must_parse(&a, sdp_baresip);
	assert_int_equal(sdp_print(out1, sizeof(out1), &n, &a), 0);
	/* Modelled lines first in each group, then the rest in order; CRLF everywhere. */
	assert_string_equal(out1, "v=0\r\n"
				  "o=- 3614532543 2076399370 IN IP4 127.0.0.1\r\n"
				  "s=-\r\n"
				  "c=IN IP4 127.0.0.1\r\n"
				  "t=0 0\r\n"
				  "a=tool:baresip 1.0.0\r\n"
				  "m=audio 39060 RTP/AVP 0 8 101\r\n"
				  "a=rtpmap:0 PCMU/8000\r\n"
				  "a=rtpmap:8 PCMA/8000\r\n"
				  "a=rtpmap:101 telephone-event/8000\r\n"
				  "a=fmtp:101 0-15\r\n"
				  "a=ptime:20\r\n"
				  "a=sendrecv\r\n"
				  "a=label:1\r\n"
				  "a=rtcp-rsize\r\n"
				  "a=ssrc:3666986637 cname:sip:1000@127.0.0.1:47120\r\n"
				  "a=minptime:20\r\n");
	free(k);

	/* LF in, CRLF out; a rejected stream without formats stays without. */
	k = sdp_must_parse(&a, "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=\nc=IN IP4 192.0.2.1\nt=0 0\nm=video 0 RTP/AVP\n");
	assert_int_equal(sdp_print(out1, sizeof(out1), &n, &a), 0);
	assert_string_equal(out1, "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
				  "m=video 0 RTP/AVP\r\n");
	free(k);
}

/* A description built in code, the way the PBX writes its own. */
static void build(struct sdp_session *s)
{
	memset(s, 0, sizeof(*s));
	s->origin.addr = (struct sdp_conn){.type = SDP_IP4, .addr = SDP_STR("192.0.2.5")};
	s->conn = s->origin.addr;
	s->dir = SDP_DIR_NONE;
	s->nmedia = 1;
	struct sdp_media *m = &s->media[0];
	m->media = SDP_STR("audio");
	m->port = 10000;
	m->proto = SDP_STR("RTP/AVP");
	m->dir = SDP_SENDRECV;
	m->ptime = 20;
	m->nfmts = 2;
	m->fmts[0] = (struct sdp_fmt){.pt = 8, .name = SDP_STR("PCMA"), .rate = 8000, .channels = 1, .rtpmap = true};
	m->fmts[1] = (struct sdp_fmt){.pt = 101, .name = SDP_STR("telephone-event"), .rate = 8000, .channels = 1,
				      .rtpmap = true, .fmtp = SDP_STR("0-15")};
}

static void test_built(void **state)
{
	(void)state;
	size_t n;
	build(&a);
	assert_int_equal(sdp_print(out1, sizeof(out1), &n, &a), 0);
	assert_string_equal(out1, "v=0\r\no=- 0 0 IN IP4 192.0.2.5\r\ns=-\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n"
				  "m=audio 10000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\n"
				  "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n"
				  "a=sendrecv\r\n");

	/* Extra lines supplied as text land in their groups; modelled ones are not
	 * printed twice. */
	a.lines = SDP_STR("b=AS:80\r\na=tool:strowger\r\ni=x\na=sendonly\r\nv=1\r\n");
	a.media[0].lines = SDP_STR("a=label:1\r\nb=TIAS:64000\r\na=ptime:40\r\n");
	assert_int_equal(sdp_print(out1, sizeof(out1), &n, &a), 0);
	assert_string_equal(out1, "v=0\r\no=- 0 0 IN IP4 192.0.2.5\r\ns=-\r\ni=x\r\nc=IN IP4 192.0.2.5\r\nb=AS:80\r\n"
				  "t=0 0\r\na=tool:strowger\r\n"
				  "m=audio 10000 RTP/AVP 8 101\r\nb=TIAS:64000\r\na=rtpmap:8 PCMA/8000\r\n"
				  "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\n"
				  "a=sendrecv\r\na=label:1\r\n");
	char *k = sdp_must_parse(&b, out1);
	free(k);
}

static void test_refusals(void **state)
{
	(void)state;
	size_t n = 12345;
	build(&a);
	a.name = SDP_STR("evil\r\na=sendonly");
	assert_int_equal(sdp_print(out1, sizeof(out1), &n, &a), -EINVAL);
	build(&a);
	a.media[0].fmts[1].fmtp = SDP_STR("0-15\n");
	assert_int_equal(sdp_print(out1, sizeof(out1), &n, &a), -EINVAL);
	build(&a);
	a.media[0].lines = SDP_STR("a=x:1\rb\r\n");
	assert_int_equal(sdp_print(out1, sizeof(out1), &n, &a), -EINVAL);
	build(&a);
	a.origin.addr.addr = (struct sdp_str){0};
	assert_int_equal(sdp_print(out1, sizeof(out1), &n, &a), -EINVAL);
	assert_int_equal(n, 12345);

	/* Every buffer too small by one byte or more is refused, never overrun. */
	build(&a);
	size_t full;
	assert_int_equal(sdp_print(out1, sizeof(out1), &full, &a), 0);
	for (size_t size = 0; size <= full; size++) {
		char *buf = malloc(size ? size : 1);
		assert_int_equal(sdp_print(size ? buf : NULL, size, &n, &a), -ENOSPC);
		free(buf);
	}
	char *buf = malloc(full + 1);
	assert_int_equal(sdp_print(buf, full + 1, &n, &a), 0);
	assert_int_equal(n, full);
	assert_string_equal(buf, out1);
	free(buf);
}

static uint64_t printed_version(const char *text)
{
	struct sdp_session *s = malloc(sizeof(*s));
	assert_non_null(s);
	char *k = sdp_must_parse(s, text);
	uint64_t v = strtoull(s->origin.version.p, NULL, 10);
	assert_view(s->origin.id, "4242");
	free(k);
	free(s);
	return v;
}

static void test_versions(void **state)
{
	(void)state;
	size_t n;
	struct sdp_version v = {.id = 4242, .version = 7};
	build(&a);
	assert_int_equal(sdp_print_versioned(out1, sizeof(out1), &n, &a, &v), 0);
	assert_int_equal(printed_version(out1), 7);
	/* The same description again: the same version (RFC 3264 §8). */
	assert_int_equal(sdp_print_versioned(out1, sizeof(out1), &n, &a, &v), 0);
	assert_int_equal(printed_version(out1), 7);
	/* A change (a hold): one more. */
	a.media[0].dir = SDP_SENDONLY;
	assert_int_equal(sdp_print_versioned(out1, sizeof(out1), &n, &a, &v), 0);
	assert_int_equal(printed_version(out1), 8);
	assert_int_equal(v.version, 8);
	assert_int_equal(sdp_print_versioned(out1, sizeof(out1), &n, &a, &v), 0);
	assert_int_equal(printed_version(out1), 8);
	/* The origin fields of the struct do not count: only what the description says. */
	a.origin.version = SDP_STR("99");
	assert_int_equal(sdp_print_versioned(out1, sizeof(out1), &n, &a, &v), 0);
	assert_int_equal(printed_version(out1), 8);
	/* Back to sendrecv is a change too; a failed print changes nothing. */
	a.media[0].dir = SDP_SENDRECV;
	assert_int_equal(sdp_print_versioned(out1, 20, &n, &a, &v), -ENOSPC);
	assert_int_equal(v.version, 8);
	assert_int_equal(sdp_print_versioned(out1, sizeof(out1), &n, &a, &v), 0);
	assert_int_equal(printed_version(out1), 9);
	assert_int_equal(n, strlen(out1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_exact_text),
		cmocka_unit_test(test_built),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

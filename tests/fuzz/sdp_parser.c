/*
 * sdp_parser.c: libFuzzer target for res_rtp's SDP code: sdp_parse() on the input,
 * then what the PBX does with a parsed offer or answer: print it again (the text must
 * parse back and print the same), answer it (the answer must print, parse and fit
 * the offer), check it as the answer to our own offer, and read its attributes,
 * telephone-event lists and hold state.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "sdp.h"
#include "sdp_crypto.h"
#include "sdp_oa.h"
#include "sdp_print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Large: static, not on the stack. */
static struct sdp_session sess, again, answer, back, ours;
static char out[1 << 18], out2[1 << 18], out3[1 << 18];

static const struct sdp_codec caps[] = {
	{"PCMU", 8000, 1, 0, NULL},
	{"PCMA", 8000, 1, 8, NULL},
	{"G722", 8000, 1, 9, NULL},
	{"telephone-event", 8000, 1, 101, "0-16"},
};

static void touch_str(const struct sdp_str *v, const char *base, size_t len)
{
	touch_bytes(v->p, v->l, base, len);
}

static void touch_conn(const struct sdp_conn *c, const char *base, size_t len)
{
	touch_str(&c->addr, base, len);
	touch_str(&c->suffix, base, len);
	FUZZ_CHECK(c->type != SDP_ADDR_NONE || c->addr.p == NULL);
}

static void touch_lines(const struct sdp_str *lines, const char *base, size_t len)
{
	touch_str(lines, base, len);
	struct sdp_str it = *lines, name, val;
	while (sdp_attr_next(&it, &name, &val)) {
		touch_str(&name, base, len);
		touch_str(&val, base, len);
	}
}

static void check_parsed(const struct sdp_session *s, const char *base, size_t len)
{
	touch_str(&s->origin.user, base, len);
	touch_str(&s->origin.id, base, len);
	touch_str(&s->origin.version, base, len);
	touch_conn(&s->origin.addr, base, len);
	touch_str(&s->name, base, len);
	touch_conn(&s->conn, base, len);
	touch_str(&s->timing, base, len);
	touch_lines(&s->lines, base, len);
	FUZZ_CHECK(s->nmedia <= SDP_MAX_MEDIA);
	for (size_t i = 0; i < s->nmedia; i++) {
		const struct sdp_media *m = &s->media[i];
		touch_str(&m->media, base, len);
		touch_str(&m->proto, base, len);
		touch_str(&m->fmt_list, base, len);
		touch_conn(&m->conn, base, len);
		touch_conn(&m->rtcp_conn, base, len);
		touch_lines(&m->lines, base, len);
		FUZZ_CHECK(m->nfmts <= SDP_MAX_FMTS);
		FUZZ_CHECK(m->port == 0 || sdp_media_conn(s, m)->type != SDP_ADDR_NONE);
		FUZZ_CHECK(sdp_media_dir(s, m) <= SDP_SENDRECV);
		for (size_t j = 0; j < m->nfmts; j++) {
			const struct sdp_fmt *f = &m->fmts[j];
			touch_str(&f->id, base, len);
			touch_str(&f->fmtp, base, len);
			/* A static payload type's name is a literal, not in the input. */
			if (f->rtpmap)
				touch_str(&f->name, base, len);
			FUZZ_CHECK(f->pt >= -1 && f->pt <= 127);
			struct sdp_events ev;
			int e = sdp_events_parse(&f->fmtp, &ev);
			FUZZ_CHECK(e == 0 || e == -EINVAL);
			char list[64];
			FUZZ_CHECK(sdp_events_print(&ev, list, sizeof(list)) < sizeof(list));
		}
		(void)sdp_media_is_hold(s, m);
	}
	(void)sdp_is_hold(s);
}

/* The PBX answering the input as an offer. */
static void answer_it(const struct sdp_local *l)
{
	struct sdp_neg neg, neg2;
	const char *why = NULL;
	size_t n;
	if (sdp_answer(&sess, l, &answer, &neg, &why) != 0) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	FUZZ_CHECK(answer.nmedia == sess.nmedia && neg.media < sess.nmedia && neg.codec != NULL);
	int rc = sdp_print(out2, sizeof(out2), &n, &answer);
	FUZZ_CHECK(rc == 0);
	why = NULL;
	rc = sdp_parse(&back, out2, n, &why);
	if (rc != 0) {
		fprintf(stderr, "answer does not parse (line %u: %s):\n%s\n", back.err_line, why, out2);
		FUZZ_CHECK(rc == 0);
	}
	rc = sdp_answer_check(&sess, &back, l, &neg2, &why);
	if (rc != 0) {
		fprintf(stderr, "answer does not fit the offer (%s):\n%s\n", why, out2);
		FUZZ_CHECK(rc == 0);
	}
	FUZZ_CHECK(neg2.codec == neg.codec && neg2.pt == neg.pt && neg2.te_pt == neg.te_pt);
	FUZZ_CHECK(neg2.media == neg.media);

	/* Printing the same answer twice keeps the o= version. */
	struct sdp_version v = {.id = 1, .version = 1};
	FUZZ_CHECK(sdp_print_versioned(out2, sizeof(out2), &n, &answer, &v) == 0);
	FUZZ_CHECK(sdp_print_versioned(out2, sizeof(out2), &n, &answer, &v) == 0 && v.version == 1);
}

/* Every a=crypto line of the input: parsed (0, -EINVAL or -ENOTSUP with a reason),
 * and an accepted one printed and parsed back the same. */
static void check_crypto(const struct sdp_session *s)
{
	for (size_t i = 0; i < s->nmedia; i++) {
		struct sdp_str it = s->media[i].lines, name, val;
		while (sdp_attr_next(&it, &name, &val)) {
			if (!sdp_str_eq(&name, "crypto") || !val.p)
				continue;
			struct sdp_crypto c, c2;
			const char *why = NULL;
			int rc = sdp_crypto_parse(&val, &c, &why);
			FUZZ_CHECK(rc == 0 ? c.suite != SDP_SRTP_NONE : (rc == -EINVAL || rc == -ENOTSUP) && why);
			if (rc != 0)
				continue;
			char line[128];
			size_t n = sdp_crypto_print(line, sizeof(line), &c);
			FUZZ_CHECK(n > 11);
			struct sdp_str v = {line + 9, n - 11};
			FUZZ_CHECK(sdp_crypto_parse(&v, &c2, &why) == 0 && c2.tag == c.tag && c2.suite == c.suite &&
				   memcmp(c2.key, c.key, sizeof(c.key)) == 0);
		}
	}
}

/* The input answered by a leg that may use SRTP: an accepted SRTP stream's answer
 * carries one a=crypto line, the offer's tag and suite with our key for it. */
static void answer_srtp(const struct sdp_local *l)
{
	struct sdp_neg neg;
	const char *why = NULL;
	size_t n;
	if (sdp_answer(&sess, l, &answer, &neg, &why) != 0) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	FUZZ_CHECK(sdp_print(out2, sizeof(out2), &n, &answer) == 0);
	FUZZ_CHECK(sdp_parse(&back, out2, n, &why) == 0);
	struct sdp_crypto c;
	int rc = sdp_crypto_pick(&back.media[neg.media], NULL, NULL, &c, &why);
	FUZZ_CHECK(neg.srtp ? rc == 0 : rc == -ENOENT);
	if (neg.srtp)
		FUZZ_CHECK(c.tag == neg.srtp_rx.tag && c.suite == neg.srtp_rx.suite &&
			   memcmp(c.key, l->srtp_keys[c.suite], SDP_SRTP_KEY_LEN) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *why = NULL;
	size_t n, n2;

	int rc = sdp_parse(&sess, buf, size, &why);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc != 0) {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		return 0;
	}
	check_parsed(&sess, buf, size);

	/* parse -> print -> parse -> print: the two texts are the same. */
	rc = sdp_print(out, sizeof(out), &n, &sess);
	FUZZ_CHECK(rc == 0 && n < sizeof(out) && out[n] == '\0');
	rc = sdp_parse(&again, out, n, &why);
	if (rc != 0) {
		fprintf(stderr, "printed SDP does not parse (line %u: %s):\n%s\n", again.err_line, why, out);
		FUZZ_CHECK(rc == 0);
	}
	FUZZ_CHECK(again.nmedia == sess.nmedia);
	FUZZ_CHECK(sdp_print(out3, sizeof(out3), &n2, &again) == 0);
	FUZZ_CHECK(n2 == n && memcmp(out, out3, n) == 0);

	struct sdp_local l = {.codecs = caps, .ncodecs = 4, .addr4 = "192.0.2.1", .addr6 = "2001:db8::1",
			      .port = 20000};
	answer_it(&l);
	l.hold = true;
	l.prefer_local = true;
	answer_it(&l);

	/* The input as the answer to our own offer. */
	l.hold = false;
	struct sdp_neg neg;
	FUZZ_CHECK(sdp_offer(&l, &ours, &why) == 0);
	why = NULL;
	rc = sdp_answer_check(&ours, &sess, &l, &neg, &why);
	FUZZ_CHECK(rc == 0 ? neg.codec != NULL : why != NULL);

	/* SRTP (a leg over TLS): a=crypto read, answered, and our SRTP offer's answer. */
	static const uint8_t key80[SDP_SRTP_KEY_LEN] = {1}, key32[SDP_SRTP_KEY_LEN] = {2};
	check_crypto(&sess);
	l.srtp_ok = true;
	l.srtp_keys[SDP_SRTP_AES_CM_128_HMAC_SHA1_80] = key80;
	l.srtp_keys[SDP_SRTP_AES_CM_128_HMAC_SHA1_32] = key32;
	answer_srtp(&l);
	l.srtp_only = true;
	answer_srtp(&l);
	for (int best_effort = 0; best_effort < 2; best_effort++) {
		l.srtp_best_effort = best_effort;
		FUZZ_CHECK(sdp_offer(&l, &ours, &why) == 0);
		why = NULL;
		rc = sdp_answer_check(&ours, &sess, &l, &neg, &why);
		FUZZ_CHECK(rc == 0 ? neg.codec != NULL && (neg.srtp || best_effort) : why != NULL);
	}
	return 0;
}

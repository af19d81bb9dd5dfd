/*
 * sip_parser.c: libFuzzer target for sip_msg_parse() (datagram and stream framing)
 * and the accessors a UAS uses on what it parsed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "sip_auth.h"
#include "sip_digest.h"
#include "sip_msg.h"
#include "sip_print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Large (256 headers): static, not on the stack. */
static struct sip_msg msg;
static char out[16384];

static void touch_uri(const struct sip_uri *u)
{
	touch_pl(&u->scheme_pl);
	touch_pl(&u->user);
	touch_pl(&u->password);
	touch_pl(&u->host);
	touch_pl(&u->params);
	touch_pl(&u->headers);
	touch_pl(&u->opaque);
	touch_pl(&u->whole);
	struct sip_pl it = u->params;
	struct sip_uri_param p;
	while (sip_uri_param_next(&it, &p) == 1) {
		touch_pl(&p.name);
		touch_pl(&p.val);
	}
	it = u->headers;
	while (sip_uri_header_next(&it, &p) == 1) {
		touch_pl(&p.name);
		touch_pl(&p.val);
	}
}

static void check_addr(const struct sip_hdr *h, unsigned flags)
{
	struct sip_addr a;
	const char *why = NULL;
	if (sip_addr_parse(&a, &h->val, flags, &why) != 0) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	touch_pl(&a.dname);
	touch_pl(&a.uri_pl);
	touch_pl(&a.params);
	touch_pl(&a.tag);
	if (!a.star)
		touch_uri(&a.uri);
	uint32_t secs;
	unsigned q;
	(void)sip_addr_expires(&a, &secs);
	(void)sip_addr_q(&a, &q);
	struct sip_pl it = a.params;
	struct sip_param p;
	while (sip_params_next(&it, &p) == 1) {
		touch_pl(&p.name);
		touch_pl(&p.val);
	}
}

static void check_via(const struct sip_hdr *h)
{
	struct sip_via v;
	const char *why = NULL;
	if (sip_via_parse(&v, &h->val, &why) != 0) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	touch_pl(&v.proto_name);
	touch_pl(&v.proto_version);
	touch_pl(&v.transport);
	touch_pl(&v.host);
	touch_pl(&v.branch);
	touch_pl(&v.received);
	touch_pl(&v.maddr);
	touch_pl(&v.params);
	(void)sip_via_rfc3261_branch(&v);
}

static void check_auth(const struct sip_hdr *h, bool challenge)
{
	struct sip_auth a;
	if (sip_auth_parse(&h->val, &a) == 0) {
		touch_pl(&a.scheme);
		struct sip_pl it = a.params;
		struct sip_param p;
		while (sip_auth_param_next(&it, &p) == 1) {
			touch_pl(&p.name);
			touch_pl(&p.val);
		}
	}
	const char *reason = NULL;
	if (challenge) {
		static struct sip_digest_challenge ch;
		(void)sip_digest_parse_challenge(h->val.p, h->val.l, &ch, &reason);
	} else {
		static struct sip_digest_credentials cr;
		if (sip_digest_parse_credentials(h->val.p, h->val.l, &cr, &reason) == 0)
			(void)sip_digest_credentials_describe(&cr, out, sizeof(out));
	}
}

static void check_msg(const char *buf, size_t len, int rc)
{
	touch_in(&msg.start_line, buf, len);
	FUZZ_CHECK(msg.nhdrs <= SIP_MSG_MAX_HDRS);
	FUZZ_CHECK(memchr(msg.reason, '\0', sizeof(msg.reason)) != NULL);
	for (size_t i = 0; i < msg.nhdrs; i++) {
		touch_in(&msg.hdrs[i].name, buf, len);
		touch_in(&msg.hdrs[i].val, buf, len);
	}

	if (rc == 0) {
		FUZZ_CHECK(msg.used <= len);
		FUZZ_CHECK(msg.body.p != NULL);
		touch_in(&msg.body, buf, len);
		touch_pl(&msg.call_id);
		touch_pl(&msg.cseq_method_pl);
		touch_pl(&msg.via.host);
		touch_pl(&msg.via.branch);
		touch_pl(&msg.from.tag);
		touch_pl(&msg.to.tag);
		if (msg.is_request) {
			touch_in(&msg.method_pl, buf, len);
			touch_in(&msg.ruri_pl, buf, len);
			touch_uri(&msg.ruri);
		} else {
			touch_pl(&msg.status_phrase);
		}

		/* Every header, by id, as the UAS code reaches them. */
		for (int id = 0; id < SIP_HDR_COUNT; id++) {
			size_t n = 0;
			for (const struct sip_hdr *h = sip_msg_hdr(&msg, id, NULL); h;
			     h = sip_msg_hdr(&msg, id, h)) {
				FUZZ_CHECK(h->id == (enum sip_hdr_id)id);
				touch_pl(&h->val);
				n++;
				switch (id) {
				case SIP_HDR_FROM:
				case SIP_HDR_TO:
				case SIP_HDR_REFER_TO:
				case SIP_HDR_REFERRED_BY:
				case SIP_HDR_REPLY_TO:
				case SIP_HDR_P_ASSERTED_IDENTITY:
					check_addr(h, 0);
					break;
				case SIP_HDR_CONTACT:
					check_addr(h, SIP_ADDR_STAR);
					break;
				case SIP_HDR_ROUTE:
				case SIP_HDR_RECORD_ROUTE:
				case SIP_HDR_PATH:
					check_addr(h, SIP_ADDR_NEED_ANGLE);
					break;
				case SIP_HDR_VIA:
					check_via(h);
					break;
				case SIP_HDR_AUTHORIZATION:
				case SIP_HDR_PROXY_AUTHORIZATION:
					check_auth(h, false);
					break;
				case SIP_HDR_WWW_AUTHENTICATE:
				case SIP_HDR_PROXY_AUTHENTICATE:
					check_auth(h, true);
					break;
				default:
					break;
				}
			}
			FUZZ_CHECK(n == sip_msg_hdr_count(&msg, id));
		}
		(void)sip_msg_hdr_by_name(&msg, "X-Unknown", NULL);
		(void)sip_msg_hdr_by_name(&msg, "v", NULL);

		uint32_t secs;
		int e = sip_msg_expires(&msg, &secs);
		FUZZ_CHECK(e == 0 || e == -ENOENT || e == -EINVAL || e == -ERANGE);
		struct sip_addr a;
		(void)sip_msg_addr(&msg, SIP_HDR_REFER_TO, &a);
		(void)sip_msg_has_tag(&msg, SIP_HDR_SUPPORTED, "100rel");
		static const char *const known[] = {"replaces", "timer", NULL};
		struct sip_pl tags[4];
		size_t nt = sip_msg_unknown_tags(&msg, SIP_HDR_REQUIRE, known, tags, 4);
		for (size_t i = 0; i < nt && i < 4; i++)
			touch_pl(&tags[i]);
		(void)sip_print_summary(out, sizeof(out), &msg);
	}

	/* A 400's reason phrase comes from msg->reason. */
	if (rc == SIP_EBADREQ || rc == SIP_EMISSING)
		FUZZ_CHECK(msg.reason[0] != '\0');

	/* What chan_sip does: answer a parsed request, or a failed one that has a Via. */
	if ((rc == 0 || sip_msg_error_status(rc)) && sip_msg_can_reply(&msg)) {
		struct sip_resp_opts o = {.status = 400, .reason = msg.reason[0] ? msg.reason : NULL,
					  .to_tag = "fuzz"};
		size_t olen = 0;
		int r = sip_print_response(out, sizeof(out), &olen, &msg, &o);
		FUZZ_CHECK(r == 0 || r == -ENOSPC || r == -EINVAL);
		if (r == 0)
			FUZZ_CHECK(olen < sizeof(out) && out[olen] == '\0');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	int rc = sip_msg_parse(&msg, buf, size, SIP_DATAGRAM);
	FUZZ_CHECK(rc <= 0 && rc >= SIP_EBADRESP && rc != SIP_ENEED);
	check_msg(buf, size, rc);

	/* A stream holding several messages: parse them one after another, as the
	 * TCP transport does. */
	size_t off = 0;
	for (int i = 0; i < 8 && off < size; i++) {
		rc = sip_msg_parse(&msg, buf + off, size - off, SIP_STREAM);
		FUZZ_CHECK(rc <= 0 && rc >= SIP_EBADRESP);
		check_msg(buf + off, size - off, rc);
		if (rc == SIP_ENEED)
			FUZZ_CHECK(msg.used == 0);
		if (rc != 0 && rc != SIP_EKEEPALIVE)
			break;
		FUZZ_CHECK(msg.used > 0 && msg.used <= size - off);
		off += msg.used;
	}
	return 0;
}

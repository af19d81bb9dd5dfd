/*
 * sip_uri.c: libFuzzer target for sip_uri_parse(), parameter and header iteration,
 * and sip_uri_equal(). The input is parsed whole, then split at its first '\n' (or,
 * without one, in the middle) into two URIs that are compared.
 */
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "sip_lex.h"
#include "sip_uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const struct sip_uri *u, const char *base, size_t len)
{
	touch_in(&u->whole, base, len);
	touch_in(&u->scheme_pl, base, len);
	touch_in(&u->user, base, len);
	touch_in(&u->password, base, len);
	touch_in(&u->host, base, len);
	touch_in(&u->params, base, len);
	touch_in(&u->headers, base, len);
	touch_in(&u->opaque, base, len);

	struct sip_pl it = u->params;
	struct sip_uri_param p;
	int n = 0;
	while (sip_uri_param_next(&it, &p) == 1) {
		touch_pl(&p.name);
		touch_pl(&p.val);
		FUZZ_CHECK(++n <= (int)len); /* each parameter consumes input */
	}
	it = u->headers;
	n = 0;
	while (sip_uri_header_next(&it, &p) == 1) {
		touch_pl(&p.name);
		touch_pl(&p.val);
		FUZZ_CHECK(++n <= (int)len);
	}
	static const char *const names[] = {"transport", "user", "lr", "maddr", "ttl", "method"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (sip_uri_param(u, names[i], &p)) {
			touch_pl(&p.name);
			touch_pl(&p.val);
		}

	/* Escapes resolved as the registrar does for the user part. */
	char buf[256];
	size_t olen;
	if (sip_pl_unescape(&u->user, buf, sizeof(buf), &olen) == 0)
		FUZZ_CHECK(olen <= sizeof(buf));
	if (u->port)
		FUZZ_CHECK(u->port >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct sip_uri whole, a, b;
	const char *why = NULL;

	if (sip_uri_parse(&whole, s, size, &why) == 0) {
		exercise(&whole, s, size);
		FUZZ_CHECK(sip_uri_equal(&whole, &whole));
	} else {
		FUZZ_CHECK(why != NULL);
	}

	const char *nl = memchr(s, '\n', size);
	size_t la = nl ? (size_t)(nl - s) : size / 2;
	size_t off_b = nl ? la + 1 : la;
	why = NULL;
	int ra = sip_uri_parse(&a, s, la, &why);
	if (ra == 0)
		exercise(&a, s, la);
	why = NULL;
	int rb = sip_uri_parse(&b, s + off_b, size - off_b, &why);
	if (rb == 0)
		exercise(&b, s + off_b, size - off_b);
	if (ra == 0 && rb == 0) {
		bool ab = sip_uri_equal(&a, &b);
		bool ba = sip_uri_equal(&b, &a);
		FUZZ_CHECK(ab == ba); /* equivalence is symmetric */
		FUZZ_CHECK(sip_uri_equal(&a, &a));
		FUZZ_CHECK(sip_uri_equal(&b, &b));
	}
	return 0;
}

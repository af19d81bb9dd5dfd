/* test_sip_dtmf.c: the SIP INFO DTMF bodies (application/dtmf-relay, application/dtmf) read and written. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sip_dtmf.h"

/* Parses from an exact-size heap copy, so ASan sees any read past the body. */
static int parse(enum sip_dtmf_format fmt, const char *text, struct sip_dtmf *out)
{
	size_t n = strlen(text);
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, text, n);
	struct sip_pl body = sip_pl_make(copy, n);
	int r = sip_dtmf_parse(fmt, &body, out);
	free(copy);
	return r;
}

static void test_relay_accepted(void **state)
{
	(void)state;
	const struct {
		const char *body;
		char digit;
		unsigned ms;
	} ok[] = {
		{"Signal=5\r\nDuration=160\r\n", '5', 160},
		{"Signal=5\nDuration=160\n", '5', 160},
		{"Signal=5\r\nDuration=160", '5', 160},
		{"signal = 1\r\nduration = 100\r\n", '1', 100},
		{"SIGNAL=#\r\nDURATION=250\r\n", '#', 250},
		{"Signal= *\r\n", '*', 250},
		{"Duration=90\r\nSignal=0\r\n", '0', 90},
		{"Signal=10\r\nDuration=200\r\n", '*', 200},
		{"Signal=11\r\n", '#', 250},
		{"Signal=12\r\n", 'A', 250},
		{"Signal=15\r\n", 'D', 250},
		{"Signal=16\r\n", '!', 250},
		{"Signal=!\r\n", '!', 250},
		{"Signal=d\r\n", 'D', 250},
		{"Signal=9\r\nDuration=0\r\n", '9', 250},
		{"Signal=9\r\nDuration=65535\r\n", '9', 65535},
		{"\r\n\r\nSignal=3\r\n\r\n", '3', 250},
		{"  Signal\t=\t7  \r\nDuration=40\r\n", '7', 40},
		{"Signal=2\r\nVolume=10\r\nDuration=120\r\n", '2', 120},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct sip_dtmf d;
		if (parse(SIP_DTMF_RELAY, ok[i].body, &d) != 0)
			fail_msg("refused: %s", ok[i].body);
		assert_int_equal(d.digit, ok[i].digit);
		assert_int_equal(d.duration_ms, ok[i].ms);
	}
}

static void test_relay_refused(void **state)
{
	(void)state;
	const char *bad[] = {
		"",
		"\r\n",
		"Duration=160\r\n",
		"Signal=\r\n",
		"Signal=E\r\n",
		"Signal=55\r\n",
		"Signal=17\r\n",
		"Signal=1a\r\n",
		"Signal=-1\r\n",
		"Signal=01\r\n",
		"Signal=5\r\nSignal=6\r\n",
		"Signal=5\r\nDuration=\r\n",
		"Signal=5\r\nDuration=abc\r\n",
		"Signal=5\r\nDuration=-5\r\n",
		"Signal=5\r\nDuration=65536\r\n",
		"Signal=5\r\nDuration=99999999999999999999\r\n",
		"Signal=5\r\nDuration=10\r\nDuration=20\r\n",
		"Signal=5\r\ngarbage\r\n",
		"5\r\n",
		"Signal 5\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sip_dtmf d;
		if (parse(SIP_DTMF_RELAY, bad[i], &d) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	}
	struct sip_dtmf d;
	struct sip_pl unset = {NULL, 0};
	assert_int_equal(sip_dtmf_parse(SIP_DTMF_RELAY, &unset, &d), -EINVAL);
	struct sip_pl body = SIP_PL("Signal=5");
	assert_int_equal(sip_dtmf_parse((enum sip_dtmf_format)0, &body, &d), -EINVAL);
}

static void test_plain(void **state)
{
	(void)state;
	const struct {
		const char *body;
		char digit;
	} ok[] = {{"5", '5'}, {"5\r\n", '5'}, {" # ", '#'}, {"b", 'B'}, {"10", '*'}, {"16\n", '!'}};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct sip_dtmf d;
		assert_int_equal(parse(SIP_DTMF_PLAIN, ok[i].body, &d), 0);
		assert_int_equal(d.digit, ok[i].digit);
		assert_int_equal(d.duration_ms, SIP_DTMF_DEFAULT_MS);
	}
	const char *bad[] = {"", "\r\n", "55", "x", "Signal=5", "5 6", "1!"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sip_dtmf d;
		if (parse(SIP_DTMF_PLAIN, bad[i], &d) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
	}
}

static void test_format_of(void **state)
{
	(void)state;
	const struct {
		const char *ct;
		int fmt;
	} cases[] = {
		{"application/dtmf-relay", SIP_DTMF_RELAY},
		{"Application/DTMF-Relay", SIP_DTMF_RELAY},
		{" application/dtmf-relay ; charset=utf-8", SIP_DTMF_RELAY},
		{"application/dtmf", SIP_DTMF_PLAIN},
		{"application/DTMF;x=y", SIP_DTMF_PLAIN},
		{"application/dtmf-relayx", -EINVAL},
		{"application/sdp", -EINVAL},
		{"text/plain", -EINVAL},
		{"", -EINVAL},
		{";", -EINVAL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sip_pl ct = sip_pl_of(cases[i].ct);
		assert_int_equal(sip_dtmf_format_of(&ct), cases[i].fmt);
	}
	struct sip_pl unset = {NULL, 0};
	assert_int_equal(sip_dtmf_format_of(&unset), -EINVAL);
}

static void test_print(void **state)
{
	(void)state;
	char buf[64];
	assert_int_equal(sip_dtmf_print(buf, sizeof(buf), '5', 160), 24);
	assert_string_equal(buf, "Signal=5\r\nDuration=160\r\n");
	assert_true(sip_dtmf_print(buf, sizeof(buf), '!', 100) > 0);
	assert_string_equal(buf, "Signal=16\r\nDuration=100\r\n");
	assert_true(sip_dtmf_print(buf, sizeof(buf), 'c', 0) > 0);
	assert_string_equal(buf, "Signal=C\r\nDuration=250\r\n");
	assert_int_equal(sip_dtmf_print(buf, sizeof(buf), 'x', 100), -EINVAL);
	assert_int_equal(sip_dtmf_print(buf, sizeof(buf), '\0', 100), -EINVAL);
	assert_int_equal(sip_dtmf_print(buf, 24, '5', 160), -ENOSPC);
	assert_int_equal(sip_dtmf_print(buf, 25, '5', 160), 24);

	/* Every signal prints and reads back. */
	const char *all = "0123456789*#ABCD!";
	for (int i = 0; all[i]; i++) {
		struct sip_dtmf d;
		int n = sip_dtmf_print(buf, sizeof(buf), all[i], 40 + (unsigned)i);
		assert_true(n > 0);
		assert_int_equal(parse(SIP_DTMF_RELAY, buf, &d), 0);
		assert_int_equal(d.digit, all[i]);
		assert_int_equal(d.duration_ms, 40 + (unsigned)i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_accepted),
		cmocka_unit_test(test_relay_refused),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_format_of),
		cmocka_unit_test(test_print),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

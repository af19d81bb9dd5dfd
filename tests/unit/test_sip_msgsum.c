/* test_sip_msgsum.c: the RFC 3842 message-summary body chan_sip puts in NOTIFYs. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "sip_msgsum.h"

static void test_lamp_on_and_off(void **state)
{
	(void)state;
	char buf[256];
	int n = sip_msgsum_format(buf, sizeof(buf), NULL, 0, 0);
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "Messages-Waiting: no\r\nVoice-Message: 0/0\r\n");
	/* Old messages alone do not light the lamp (RFC 3842 §5). */
	sip_msgsum_format(buf, sizeof(buf), NULL, 0, 7);
	assert_string_equal(buf, "Messages-Waiting: no\r\nVoice-Message: 0/7\r\n");
	sip_msgsum_format(buf, sizeof(buf), "sip:1000@pbx", 2, 1);
	assert_string_equal(buf, "Messages-Waiting: yes\r\nMessage-Account: sip:1000@pbx\r\nVoice-Message: 2/1\r\n");
}

static void test_limits(void **state)
{
	(void)state;
	char buf[256];
	assert_int_equal(sip_msgsum_format(buf, 20, NULL, 1, 0), -ENOSPC);
	assert_int_equal(sip_msgsum_format(buf, sizeof(buf), "sip:1000@pbx\r\nX: y", 1, 0), -EINVAL);
	int n = sip_msgsum_format(buf, sizeof(buf), NULL, 4294967295u, 4294967295u);
	assert_true(n > 0);
	assert_string_equal(buf, "Messages-Waiting: yes\r\nVoice-Message: 4294967295/4294967295\r\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lamp_on_and_off),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

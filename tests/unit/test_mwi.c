/* test_mwi.c: message-waiting counts per box, watchers, and their removal. */
#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <strowger/mwi.h>

#include "mwi_priv.h"

static char last_box[64];
static unsigned calls, last_new, last_old;

static void seen(const char *box, unsigned n, unsigned o, void *arg)
{
	(void)arg;
	snprintf(last_box, sizeof(last_box), "%s", box);
	last_new = n;
	last_old = o;
	calls++;
}

static void test_set_get(void **state)
{
	(void)state;
	unsigned n = 9, o = 9;
	assert_false(sg_mwi_get("1001", &n, &o));
	assert_int_equal(n, 0);
	assert_int_equal(o, 0);
	assert_int_equal(sg_mwi_set("1001", 2, 5), 0);
	assert_true(sg_mwi_get("1001", &n, &o));
	assert_int_equal(n, 2);
	assert_int_equal(o, 5);
	assert_int_equal(sg_mwi_set("", 1, 1), -EINVAL);
	assert_int_equal(sg_mwi_set(NULL, 1, 1), -EINVAL);
	char longname[80];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(sg_mwi_set(longname, 1, 1), -EINVAL);
	sg_mwi_shutdown();
}

static void test_watch(void **state)
{
	(void)state;
	struct sg_module *owner = (struct sg_module *)&calls; /* any distinct pointer */
	calls = 0;
	assert_int_equal(sg_mwi_watch(owner, seen, NULL), 0);
	assert_int_equal(sg_mwi_watch(owner, seen, NULL), -EEXIST);
	assert_int_equal(sg_mwi_set("1002", 1, 0), 0);
	assert_int_equal(calls, 1);
	assert_string_equal(last_box, "1002");
	assert_int_equal(last_new, 1);
	/* No change, no news. */
	assert_int_equal(sg_mwi_set("1002", 1, 0), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(sg_mwi_set("1002", 0, 1), 0);
	assert_int_equal(calls, 2);
	assert_int_equal(last_old, 1);
	sg_mwi_unwatch(seen, NULL);
	assert_int_equal(sg_mwi_set("1002", 3, 1), 0);
	assert_int_equal(calls, 2);
	/* A module's watches go when it unloads. */
	assert_int_equal(sg_mwi_watch(owner, seen, NULL), 0);
	assert_int_equal(sg_mwi_purge_owner(owner), 1);
	assert_int_equal(sg_mwi_set("1002", 4, 1), 0);
	assert_int_equal(calls, 2);
	sg_mwi_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_get),
		cmocka_unit_test(test_watch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

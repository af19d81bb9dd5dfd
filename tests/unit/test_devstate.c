/* test_devstate.c: per-user call state from channel state changes: the
 * resolver's mapping, early/confirmed/terminated reports, the lists, and the
 * removal of a module's watches and resolvers. */
#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <strowger/channel.h>
#include <strowger/devstate.h>

#include "devstate_priv.h"
#include "loop_priv.h"

/* A leg's private data: the user it belongs to ("" for none) and its direction. */
struct pvt {
	const char *user;
	enum sg_leg_dir dir;
};

static void t_hangup(struct sg_channel *ch, enum sg_cause cause)
{
	(void)ch;
	(void)cause;
}

static const struct sg_chan_tech tech = {.name = "DS", .hangup = t_hangup};

static int resolve(struct sg_channel *ch, struct sg_leg_party *p)
{
	const struct pvt *v = sg_chan_pvt(ch);
	if (!v->user[0])
		return -ENOENT;
	snprintf(p->user, sizeof(p->user), "%s", v->user);
	p->dir = v->dir;
	snprintf(p->remote_uri, sizeof(p->remote_uri), "sip:other@pbx");
	return 0;
}

static struct sg_leg last;
static unsigned reports;

static void seen(const struct sg_leg *l, void *arg)
{
	(void)arg;
	last = *l;
	reports++;
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(sg_main_loop_init(), 0);
	assert_int_equal(sg_chan_tech_register(NULL, &tech), 0);
	reports = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sg_chan_tech_unregister(&tech);
	sg_devstate_shutdown();
	sg_main_loop_shutdown();
	return 0;
}

static void test_call_states(void **state)
{
	(void)state;
	struct sg_module *owner = (struct sg_module *)&reports;
	assert_int_equal(sg_devstate_resolver(owner, &tech, resolve), 0);
	assert_int_equal(sg_devstate_resolver(owner, &tech, resolve), -EEXIST);
	assert_int_equal(sg_devstate_watch(owner, seen, NULL), 0);
	struct pvt v = {"1001", SG_LEG_RECIPIENT};
	struct sg_channel *ch = sg_chan_new(&tech, "x", &v);
	assert_non_null(ch);
	/* Created: not reported (nothing happened on the wire yet). */
	assert_int_equal(reports, 0);
	sg_chan_ringing(ch);
	assert_int_equal(reports, 1);
	assert_string_equal(last.party.user, "1001");
	assert_int_equal(last.state, SG_LEG_EARLY);
	assert_int_equal(last.party.dir, SG_LEG_RECIPIENT);
	unsigned id = last.id;
	const struct sg_leg *l[4];
	assert_int_equal(sg_devstate_legs("1001", l, 4), 1);
	assert_int_equal(l[0]->id, id);
	assert_int_equal(sg_devstate_legs("1002", l, 4), 0);
	/* Early media changes nothing a lamp shows. */
	sg_chan_progress(ch);
	assert_int_equal(reports, 1);
	sg_chan_answered(ch);
	assert_int_equal(reports, 2);
	assert_int_equal(last.state, SG_LEG_CONFIRMED);
	assert_int_equal(last.id, id);
	sg_chan_remote_hangup(ch, SG_CAUSE_NORMAL);
	assert_int_equal(reports, 3);
	assert_int_equal(last.state, SG_LEG_TERMINATED);
	assert_int_equal(sg_devstate_legs("1001", l, 4), 0);
	sg_chan_unref(ch);
	assert_int_equal(sg_devstate_purge_owner(owner), 2);
}

static void test_no_user_and_purge(void **state)
{
	(void)state;
	struct sg_module *owner = (struct sg_module *)&reports;
	assert_int_equal(sg_devstate_resolver(owner, &tech, resolve), 0);
	assert_int_equal(sg_devstate_watch(owner, seen, NULL), 0);
	/* A leg of nobody (a bare URI) is not counted. */
	struct pvt nobody = {"", SG_LEG_RECIPIENT}, caller = {"1000", SG_LEG_INITIATOR};
	struct sg_channel *a = sg_chan_new(&tech, "a", &nobody), *b = sg_chan_new(&tech, "b", &caller);
	sg_chan_ringing(a);
	assert_int_equal(reports, 0);
	sg_chan_ringing(b);
	assert_int_equal(reports, 1);
	assert_int_equal(last.party.dir, SG_LEG_INITIATOR);
	/* The module goes: no more reports, and a leg freed without a hang-up is
	 * forgotten. */
	assert_int_equal(sg_devstate_purge_owner(owner), 2);
	sg_chan_answered(b);
	assert_int_equal(reports, 1);
	const struct sg_leg *l[2];
	assert_int_equal(sg_devstate_legs("1000", l, 2), 1);
	sg_chan_unref(b);
	assert_int_equal(sg_devstate_legs("1000", l, 2), 0);
	sg_chan_unref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_call_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_user_and_purge, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

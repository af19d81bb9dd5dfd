/*
 * chan_test.c: the "Test" channel technology, for tests only. It plays the phone:
 * a test creates an incoming call with `test call EXTEN [FROM [CONTEXT]]`, hangs it
 * up from the far side with `test hangup CHANNEL [CAUSE]`, sends digits with
 * `test digit CHANNEL D`, and reads what the PBX did to each leg (answer, ringing,
 * progress, hangup:CAUSE, digit:D) with `test show` (live) or `test history`
 * (legs already gone). Outgoing legs (call:dial{"Test/answer"}) act out their
 * destination: "answer[:MS]" rings then answers after MS (50), "ring" rings for
 * ever, "busy[:MS]" rings then is busy, "busynow" fails at once, "unavailable",
 * "hangup:MS" answers then hangs up MS later, "press:MS:DIGITS" answers, presses
 * each digit MS apart (a "press 1 to accept" prompt) and hangs up 300 ms after
 * the last. The same code is linked into
 * in-process test runners, which use chan_test_call() and chan_test_on_done().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/call.h>
#include <strowger/loop.h>
#include <strowger/channel.h>
#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/module.h>

#define HISTORY 64

struct test_leg {
	char name[96];
	char events[512];
	char script[64]; /* outgoing legs: what the far end does */
	struct sg_timer *timer;
	int step;
	struct sg_channel *ch; /* outgoing legs, while a step is pending */
};

struct history_entry {
	char name[96];
	char events[512];
};

static struct history_entry history[HISTORY];
static unsigned history_next;
static void (*on_done)(const char *name, const char *events);

static void add_event(struct test_leg *leg, const char *fmt, const char *arg)
{
	size_t len = strlen(leg->events);
	snprintf(leg->events + len, sizeof(leg->events) - len, "%s", len ? " " : "");
	len = strlen(leg->events);
	snprintf(leg->events + len, sizeof(leg->events) - len, fmt, arg);
}

static int t_answer(struct sg_channel *ch)
{
	add_event(sg_chan_pvt(ch), "%s", "answer");
	return 0;
}

static int t_indicate(struct sg_channel *ch, enum sg_indication ind)
{
	static const char *const names[] = {"ringing", "progress", "hold", "unhold"};
	add_event(sg_chan_pvt(ch), "%s", names[ind]);
	return 0;
}

static int t_send_digit(struct sg_channel *ch, char digit, unsigned ms)
{
	char d[2] = {digit, 0};
	(void)ms;
	add_event(sg_chan_pvt(ch), "digit:%s", d);
	return 0;
}

static void t_hangup(struct sg_channel *ch, enum sg_cause cause)
{
	add_event(sg_chan_pvt(ch), "hangup:%s", sg_cause_name(cause));
}

static void record(const char *name, const char *events);
static const struct sg_chan_tech *chan_test_tech_ptr(void);

/* The leg's record outlives it in the history, where tests look after the call. */
static void t_destroy(void *pvt)
{
	struct test_leg *leg = pvt;
	sg_timer_free(leg->timer);
	record(leg->name, leg->events);
	free(leg);
}

static unsigned script_ms(const struct test_leg *leg, unsigned def)
{
	const char *colon = strchr(leg->script, ':');
	return colon ? (unsigned)strtoul(colon + 1, NULL, 10) : def;
}

static bool script_is(const struct test_leg *leg, const char *what)
{
	size_t n = strlen(what);
	return !strncmp(leg->script, what, n) && (leg->script[n] == '\0' || leg->script[n] == ':');
}

/* "press:MS:DIGITS" once answered: a digit every MS, the hang-up 300 ms after the last. */
static void press_step(struct test_leg *leg, struct sg_timer *t)
{
	const char *colon = strchr(leg->script, ':');
	const char *digits = colon ? strchr(colon + 1, ':') : NULL;
	size_t n = digits ? strlen(++digits) : 0;
	size_t k = (size_t)leg->step - 3; /* step 2 answers, 3 on press the digits */
	if (leg->step == 2) {
		sg_chan_answered(leg->ch);
	} else if (k < n) {
		sg_chan_digit(leg->ch, digits[k]);
	} else {
		sg_chan_remote_hangup(leg->ch, SG_CAUSE_NORMAL);
		return;
	}
	if (sg_chan_state(leg->ch) != SG_CHAN_GONE)
		sg_timer_restart(t, leg->step == 2 || k + 1 < n ? script_ms(leg, 100) : 300);
}

/* One step of an outgoing leg's script: first ringing, then what the far end does. */
static void step(struct sg_timer *t, void *arg)
{
	struct test_leg *leg = arg;
	struct sg_channel *ch = leg->ch;
	if (sg_chan_state(ch) == SG_CHAN_GONE)
		return;
	if (leg->step++ == 0) {
		if (script_is(leg, "unavailable")) {
			sg_chan_remote_hangup(ch, SG_CAUSE_UNAVAILABLE);
			return;
		}
		sg_chan_ringing(ch);
		if (script_is(leg, "answer") || script_is(leg, "hangup") || script_is(leg, "press"))
			sg_timer_restart(t, script_is(leg, "answer") ? script_ms(leg, 50) : 20);
		else if (script_is(leg, "busy"))
			sg_timer_restart(t, script_ms(leg, 50));
		return;
	}
	if (script_is(leg, "busy")) {
		sg_chan_remote_hangup(ch, SG_CAUSE_BUSY);
	} else if (script_is(leg, "press") && leg->step >= 2) {
		press_step(leg, t);
	} else if (leg->step == 2) {
		sg_chan_answered(ch);
		if (script_is(leg, "hangup"))
			sg_timer_restart(t, script_ms(leg, 100));
	} else {
		sg_chan_remote_hangup(ch, SG_CAUSE_NORMAL);
	}
}

static int t_request(const char *dest, struct sg_channel *origin, struct sg_channel **out,
		     enum sg_cause *cause)
{
	if (!strcmp(dest, "busynow")) {
		*cause = SG_CAUSE_BUSY;
		return -EBUSY;
	}
	struct test_leg *leg = calloc(1, sizeof(*leg));
	if (!leg) {
		*cause = SG_CAUSE_FAILURE;
		return -ENOMEM;
	}
	snprintf(leg->script, sizeof(leg->script), "%s", dest);
	struct sg_channel *ch = sg_chan_new(chan_test_tech_ptr(), dest, leg);
	if (!ch) {
		free(leg);
		*cause = SG_CAUSE_FAILURE;
		return -ENOMEM;
	}
	snprintf(leg->name, sizeof(leg->name), "%s", sg_chan_name(ch));
	leg->ch = ch;
	/* Tests check the caller ID a dial presents (its caller_id option) here. */
	struct sg_call *oc = origin ? sg_chan_call(origin) : NULL;
	if (oc)
		SG_INFO("test", "%s presents caller %s \"%s\"", leg->name, sg_call_presented_from(oc),
			sg_call_presented_name(oc) ? sg_call_presented_name(oc) : "");
	*out = ch;
	return 0;
}

static int t_call(struct sg_channel *ch, unsigned timeout_ms)
{
	(void)timeout_ms;
	struct test_leg *leg = sg_chan_pvt(ch);
	add_event(leg, "%s", "call");
	leg->timer = sg_timer_start(sg_loop_main(), NULL, 10, 0, step, leg);
	return leg->timer ? 0 : -ENOMEM;
}

static void t_show(struct sg_channel *ch, struct sg_cli *cli)
{
	struct test_leg *leg = sg_chan_pvt(ch);
	sg_cli_printf(cli, "Test events: %s\n", leg->events);
}

static const struct sg_chan_tech test_tech = {
	.name = "Test",
	.description = "Test phones driven from the console (tests only)",
	.request = t_request,
	.call = t_call,
	.answer = t_answer,
	.indicate = t_indicate,
	.send_digit = t_send_digit,
	.hangup = t_hangup,
	.destroy = t_destroy,
	.show = t_show,
};

static const struct sg_chan_tech *chan_test_tech_ptr(void) { return &test_tech; }

/* Records a leg in the history as it is destroyed. */
static void record(const char *name, const char *events)
{
	struct history_entry *h = &history[history_next++ % HISTORY];
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->events, sizeof(h->events), "%s", events);
	if (on_done)
		on_done(h->name, h->events);
}

void chan_test_on_done(void (*fn)(const char *name, const char *events));
void chan_test_set_headers(const struct sg_call_header *h, size_t n);
const struct sg_chan_tech *chan_test_tech(void);
int chan_test_call(const char *exten, const char *from, const char *context, struct sg_channel **out);
void chan_test_finish(struct sg_channel *ch);

void chan_test_on_done(void (*fn)(const char *name, const char *events)) { on_done = fn; }

/* The headers the next incoming call carries (sg_call_params.headers); the
 * caller keeps them alive until chan_test_call returns. */
static const struct sg_call_header *next_headers;
static size_t next_nheaders;
void chan_test_set_headers(const struct sg_call_header *h, size_t n)
{
	next_headers = h;
	next_nheaders = n;
}
const struct sg_chan_tech *chan_test_tech(void) { return &test_tech; }

/* Starts an incoming call; on success *out holds a reference for the caller. */
int chan_test_call(const char *exten, const char *from, const char *context, struct sg_channel **out)
{
	struct test_leg *leg = calloc(1, sizeof(*leg));
	if (!leg)
		return -ENOMEM;
	struct sg_channel *ch = sg_chan_new(&test_tech, from ? from : "anon", leg);
	if (!ch) {
		free(leg);
		return -ENOMEM;
	}
	snprintf(leg->name, sizeof(leg->name), "%s", sg_chan_name(ch));
	struct sg_call_params p = {.from = from, .to = exten, .context = context,
				   .headers = next_headers, .nheaders = next_nheaders};
	int rc = sg_call_start(ch, &p);
	if (rc) {
		add_event(leg, "start:%s", rc == -ENOENT ? "notfound" : "refused");
		sg_chan_remote_hangup(ch, SG_CAUSE_NOT_FOUND);
		sg_chan_unref(ch);
		return rc;
	}
	*out = ch;
	return 0;
}

/* Called by the holder of a test leg once it is gone: its record lands in the
 * history when the last reference goes. */
void chan_test_finish(struct sg_channel *ch)
{
	sg_chan_unref(ch);
}

/* --- the console face, when built as a module --- */

#ifndef CHAN_TEST_IN_PROCESS
static struct sg_channel *legs[256];

static void reap(void)
{
	for (size_t i = 0; i < 256; i++)
		if (legs[i] && sg_chan_state(legs[i]) == SG_CHAN_GONE) {
			chan_test_finish(legs[i]);
			legs[i] = NULL;
		}
}

static enum sg_cli_result cli_call(struct sg_cli *cli, int argc, const char *const *argv)
{
	struct sg_channel *ch;
	if (argc < 1 || argc > 3)
		return SG_CLI_USAGE;
	reap();
	size_t slot;
	for (slot = 0; slot < 256 && legs[slot]; slot++)
		;
	if (slot == 256) {
		sg_cli_printf(cli, "too many test legs\n");
		return SG_CLI_FAIL;
	}
	int rc = chan_test_call(argv[0], argc > 1 ? argv[1] : "test", argc > 2 ? argv[2] : NULL, &ch);
	if (rc) {
		sg_cli_printf(cli, "call not started: %s\n", rc == -ENOENT ? "no such extension" : strerror(-rc));
		return SG_CLI_FAIL;
	}
	legs[slot] = ch;
	sg_cli_printf(cli, "%s\n", sg_chan_name(ch));
	return SG_CLI_OK;
}

static enum sg_cli_result cli_hangup(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc < 1 || argc > 2)
		return SG_CLI_USAGE;
	struct sg_channel *ch = sg_chan_find(argv[0]);
	int cause = argc > 1 ? sg_cause_parse(argv[1]) : SG_CAUSE_NORMAL;
	if (!ch || sg_chan_tech(ch) != &test_tech || cause < 0) {
		sg_cli_printf(cli, "%s\n", !ch ? "no such live channel" : "not a Test channel or bad cause");
		return SG_CLI_FAIL;
	}
	sg_chan_remote_hangup(ch, (enum sg_cause)cause);
	reap();
	return SG_CLI_OK;
}

static enum sg_cli_result cli_digit(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc != 2)
		return SG_CLI_USAGE;
	struct sg_channel *ch = sg_chan_find(argv[0]);
	if (!ch || sg_chan_tech(ch) != &test_tech) {
		sg_cli_printf(cli, "no such live Test channel\n");
		return SG_CLI_FAIL;
	}
	for (const char *d = argv[1]; *d; d++)
		sg_chan_digit(ch, *d);
	return SG_CLI_OK;
}

static enum sg_cli_result cli_show(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	reap();
	for (size_t i = 0; i < 256; i++)
		if (legs[i])
			sg_cli_printf(cli, "%s %s: %s\n", sg_chan_name(legs[i]),
				      sg_chan_state_name(sg_chan_state(legs[i])),
				      ((struct test_leg *)sg_chan_pvt(legs[i]))->events);
	return SG_CLI_OK;
}

static enum sg_cli_result cli_history(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	reap();
	for (unsigned i = history_next > HISTORY ? history_next - HISTORY : 0; i < history_next; i++)
		sg_cli_printf(cli, "%s: %s\n", history[i % HISTORY].name, history[i % HISTORY].events);
	return SG_CLI_OK;
}

static const struct sg_cli_command commands[] = {
	{"test call", "test call EXTEN [FROM [CONTEXT]]", "Start a call from a test phone", cli_call},
	{"test hangup", "test hangup CHANNEL [CAUSE]", "Hang up a test phone", cli_hangup},
	{"test digit", "test digit CHANNEL DIGITS", "Press keys on a test phone", cli_digit},
	{"test show", "test show", "Live test legs and what the PBX did to them", cli_show},
	{"test history", "test history", "Finished test legs", cli_history},
};

static int load(struct sg_module *self)
{
	int rc = sg_chan_tech_register(self, &test_tech);
	return rc ? rc : sg_cli_register(self, commands, sizeof(commands) / sizeof(commands[0]));
}

static void unload(struct sg_module *self)
{
	(void)self;
	for (size_t i = 0; i < 256; i++)
		if (legs[i]) {
			if (sg_chan_state(legs[i]) != SG_CHAN_GONE)
				sg_chan_remote_hangup(legs[i], SG_CAUSE_SHUTDOWN);
			chan_test_finish(legs[i]);
			legs[i] = NULL;
		}
	sg_cli_unregister(commands, sizeof(commands) / sizeof(commands[0]));
	sg_chan_tech_unregister(&test_tech);
}

SG_MODULE_DEFINE(.name = "chan_test", .description = "Test channel technology (tests only)",
		 .load = load, .unload = unload);
#endif

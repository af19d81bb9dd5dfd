/*
 * mwi_pkg.c: the message-summary event package (RFC 3842) over the core's
 * message-waiting counts (mwi.h): the resource is a mailbox (the Request-URI's
 * user, "1000"); a user may watch its own box, or any box when
 * settings.sip.mwi_any_box is on (a receptionist's lamp for a shared box). Every
 * change the core reports goes out as a NOTIFY to the box's subscribers. The
 * With settings.sip.mwi_unsolicited, the box user's registered phones that did
 * not subscribe get a NOTIFY out of any dialog too (phones set up that way). The
 * `mwi set` and `mwi show` console commands set and show counts by hand (lamps
 * without a voicemail module, and tests).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/mwi.h>
#include <strowger/users.h>

#include "sip_msgsum.h"
#include "sub_pkg.h"

#define TAG "sip"

static bool any_box, unsolicited;

static unsigned authorize(const struct sg_user *u, const char *box)
{
	if (!strcmp(u->id, box) || any_box)
		return 0;
	return 403;
}

static int body(const char *box, const char *account, unsigned version, char *out, size_t size)
{
	(void)version;
	unsigned n, o;
	sg_mwi_get(box, &n, &o);
	return sip_msgsum_format(out, size, account, n, o);
}

/* RFC 3842 §4: an hour when the subscriber names no duration. */
static const struct sip_evpkg message_summary = {
	.name = "message-summary",
	.content_type = SIP_MSGSUM_TYPE,
	.default_expires = 3600,
	.authorize = authorize,
	.body = body,
};

static void on_change(const char *box, unsigned new_msgs, unsigned old_msgs, void *arg)
{
	(void)arg;
	SG_DEBUG(TAG, "mailbox %s: %u new, %u old", box, new_msgs, old_msgs);
	sip_sub_changed(&message_summary, box);
	if (unsolicited)
		sip_sub_unsolicited(&message_summary, box);
}

void sip_mwi_configure(bool any, bool unsol)
{
	any_box = any;
	unsolicited = unsol;
}

/* --- console --- */

static int parse_count(const char *s, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > 1000000 || *s == '-')
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static enum sg_cli_result mwi_set(struct sg_cli *cli, int argc, const char *const *argv)
{
	unsigned n, o;
	if (argc != 3)
		return SG_CLI_USAGE;
	if (parse_count(argv[1], &n) || parse_count(argv[2], &o)) {
		sg_cli_printf(cli, "counts are numbers from 0 to 1000000\n");
		return SG_CLI_FAIL;
	}
	int rc = sg_mwi_set(argv[0], n, o);
	if (rc) {
		sg_cli_printf(cli, "cannot set mailbox %s: %s\n", argv[0], strerror(-rc));
		return SG_CLI_FAIL;
	}
	SG_INFO(TAG, "mailbox %s set from the console: %u new, %u old", argv[0], n, o);
	sg_cli_printf(cli, "mailbox %s: %u new, %u old\n", argv[0], n, o);
	return SG_CLI_OK;
}

static void show_box(struct sg_cli *cli, const char *box)
{
	unsigned n, o;
	bool known = sg_mwi_get(box, &n, &o);
	sg_cli_printf(cli, "%-12s %-6u %-6u %s\n", box, n, o, !known ? "never set" : n ? "lamp on" : "lamp off");
}

/* The core lists no boxes: `mwi show` walks the users (each has its own box). */
static enum sg_cli_result mwi_show(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc > 1)
		return SG_CLI_USAGE;
	sg_cli_printf(cli, "%-12s %-6s %-6s %s\n", "Mailbox", "New", "Old", "Lamp");
	if (argc) {
		show_box(cli, argv[0]);
		return SG_CLI_OK;
	}
	for (size_t i = 0; i < sg_users_count(); i++)
		show_box(cli, sg_user_at(i)->id);
	return SG_CLI_OK;
}

static const struct sg_cli_command commands[] = {
	{"mwi set", "mwi set BOX NEW OLD", "Set a mailbox's message counts (phones' lamps follow)", mwi_set},
	{"mwi show", "mwi show [BOX]", "Message counts of the users' mailboxes, or of one", mwi_show},
};

int sip_mwi_init(struct sg_module *self)
{
	int rc;
	if ((rc = sip_evpkg_register(&message_summary)) || (rc = sg_mwi_watch(self, on_change, NULL)))
		return rc;
	rc = sg_cli_register(self, commands, sizeof(commands) / sizeof(commands[0]));
	if (rc)
		sg_mwi_unwatch(on_change, NULL);
	return rc;
}

void sip_mwi_shutdown(void)
{
	sg_cli_unregister(commands, sizeof(commands) / sizeof(commands[0]));
	sg_mwi_unwatch(on_change, NULL);
}

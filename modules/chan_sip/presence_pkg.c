/*
 * presence_pkg.c: the presence event package (RFC 3856, PIDF bodies per RFC
 * 3863). A user's presence is what it published (publish.c; several
 * publications are put together into one document), else what the PBX sees:
 * open while the user has a registered phone, closed without one, and "on the
 * phone" while one of its legs is answered (devstate.h). Watchers hear a change
 * at once for publications and calls; registrations are not announced by the
 * registrar, so the watched users' are compared every second. The `presence
 * show` console command shows the pieces. Who may watch whom:
 * settings.sip.blf_any, as for the dialog package.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/cli.h>
#include <strowger/devstate.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/users.h>

#include "location.h"
#include "pidf.h"
#include "publish.h"
#include "sub_pkg.h"

#define TAG "sip"
#define TICK_MS 1000

/* What a watched user's derived presence was when its watchers last heard it. */
struct seen {
	char user[64];
	bool registered, on_phone;
};

static struct seen *seen;
static size_t nseen, seen_cap;
static struct sg_timer *tick;

static bool registered(const char *user)
{
	const struct sip_binding *b[1];
	return sip_loc_lookup(user, b, 1) > 0;
}

static bool on_phone(const char *user)
{
	const struct sg_leg *l[16];
	size_t n = sg_devstate_legs(user, l, 16);
	for (size_t i = 0; i < n && i < 16; i++)
		if (l[i]->state == SG_LEG_CONFIRMED)
			return true;
	return false;
}

static struct seen *find_seen(const char *user)
{
	for (size_t i = 0; i < nseen; i++)
		if (!strcmp(seen[i].user, user))
			return &seen[i];
	return NULL;
}

/* Remembers what the watchers of user were told (a failed allocation only
 * costs the registration check until the next body). */
static void remember(const char *user, bool reg, bool phone)
{
	struct seen *s = find_seen(user);
	if (!s) {
		if (nseen == seen_cap) {
			size_t cap = seen_cap ? seen_cap * 2 : 16;
			struct seen *v = realloc(seen, cap * sizeof(*v));
			if (!v)
				return;
			seen = v;
			seen_cap = cap;
		}
		s = &seen[nseen++];
		snprintf(s->user, sizeof(s->user), "%s", user);
	}
	s->registered = reg;
	s->on_phone = phone;
}

static int body(const char *user, const char *account, unsigned version, char *out, size_t size)
{
	(void)version;
	const char *docs[SIP_PUBLISH_MAX_PER_USER];
	size_t lens[SIP_PUBLISH_MAX_PER_USER];
	size_t n = sip_publish_docs(user, docs, lens, SIP_PUBLISH_MAX_PER_USER);
	bool reg = registered(user), phone = on_phone(user);
	remember(user, reg, phone);
	if (n)
		return sip_pidf_compose(out, size, account, docs, lens, n);
	return sip_pidf_derived(out, size, account, reg, phone);
}

/* RFC 3856 §6.4: an hour when the subscriber names no duration. */
static const struct sip_evpkg presence_pkg = {
	.name = "presence",
	.content_type = SIP_PIDF_TYPE,
	.default_expires = 3600,
	.authorize = sip_blf_authorize,
	.body = body,
};

void sip_presence_changed(const char *user) { sip_sub_changed(&presence_pkg, user); }

static void on_leg(const struct sg_leg *l, void *arg)
{
	(void)arg;
	const struct seen *s = find_seen(l->party.user);
	/* While its terminated report runs the leg is still listed: not on the phone. */
	bool phone = l->state == SG_LEG_TERMINATED ? false : on_phone(l->party.user);
	if (l->state == SG_LEG_TERMINATED) {
		const struct sg_leg *all[16];
		size_t n = sg_devstate_legs(l->party.user, all, 16);
		for (size_t i = 0; i < n && i < 16; i++)
			phone |= all[i] != l && all[i]->state == SG_LEG_CONFIRMED;
	}
	if (s && s->on_phone != phone)
		sip_presence_changed(l->party.user);
}

static void on_tick(struct sg_timer *t, void *arg)
{
	(void)t;
	(void)arg;
	for (size_t i = 0; i < nseen;) {
		if (!sip_sub_watched(&presence_pkg, seen[i].user)) {
			seen[i] = seen[--nseen];
			continue;
		}
		if (registered(seen[i].user) != seen[i].registered) {
			char user[64];
			snprintf(user, sizeof(user), "%s", seen[i].user);
			SG_DEBUG(TAG, "presence of %s: registration changed", user);
			sip_presence_changed(user); /* may rewrite seen[] */
		}
		i++;
	}
}

/* --- console --- */

static void show_user(struct sg_cli *cli, const char *user)
{
	const char *docs[SIP_PUBLISH_MAX_PER_USER];
	size_t lens[SIP_PUBLISH_MAX_PER_USER];
	size_t n = sip_publish_docs(user, docs, lens, SIP_PUBLISH_MAX_PER_USER);
	const struct sip_binding *b[SIP_LOC_MAX_PER_AOR];
	size_t nreg = sip_loc_lookup(user, b, SIP_LOC_MAX_PER_AOR);
	const struct sg_leg *l[16];
	size_t nl = sg_devstate_legs(user, l, 16);
	const char *status = n ? sip_pidf_basic(docs[0], lens[0]) : nreg ? "open" : "closed";
	sg_cli_printf(cli, "%-12s %-8s %-10s %-7zu %-6zu %zu\n", user, status, n ? "published" : "derived", nreg,
		      nl, n);
	for (size_t i = 0; i < nl && i < 16; i++)
		sg_cli_printf(cli, "  leg %-6u %-10s %-9s %s %s\n", l[i]->id, sg_leg_state_name(l[i]->state),
			      l[i]->party.dir == SG_LEG_INITIATOR ? "initiator" : "recipient",
			      l[i]->party.remote_uri[0] ? l[i]->party.remote_uri : "-", l[i]->channel);
	if (n)
		sip_publish_show(cli, user);
}

static enum sg_cli_result presence_show(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc > 1)
		return SG_CLI_USAGE;
	if (argc && !sg_user_find(argv[0])) {
		sg_cli_printf(cli, "no user %s\n", argv[0]);
		return SG_CLI_FAIL;
	}
	sg_cli_printf(cli, "%-12s %-8s %-10s %-7s %-6s %s\n", "User", "Status", "From", "Phones", "Legs",
		      "Publications");
	if (argc) {
		show_user(cli, argv[0]);
		return SG_CLI_OK;
	}
	for (size_t i = 0; i < sg_users_count(); i++)
		show_user(cli, sg_user_at(i)->id);
	return SG_CLI_OK;
}

static const struct sg_cli_command commands[] = {
	{"presence show", "presence show [USER]",
	 "Users' presence: published or derived status, registered phones, call legs, publications", presence_show},
};

int sip_presence_init(struct sg_module *self)
{
	int rc;
	sip_pidf_init();
	if ((rc = sip_evpkg_register(&presence_pkg)) || (rc = sip_publish_init(self)))
		return rc;
	if ((rc = sg_devstate_watch(self, on_leg, NULL)))
		return rc;
	tick = sg_timer_start(sg_loop_main(), self, TICK_MS, TICK_MS, on_tick, NULL);
	if (!tick)
		return -ENOMEM;
	return sg_cli_register(self, commands, sizeof(commands) / sizeof(commands[0]));
}

void sip_presence_shutdown(void)
{
	sg_cli_unregister(commands, sizeof(commands) / sizeof(commands[0]));
	sg_devstate_unwatch(on_leg, NULL);
	tick = sg_timer_free(tick);
	sip_publish_shutdown();
	free(seen);
	seen = NULL;
	nseen = seen_cap = 0;
}

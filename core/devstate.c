/* devstate.c: per-user call state from the channels' state changes (devstate.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/devstate.h>
#include <strowger/loop.h>
#include <strowger/module.h>

#include "channel_priv.h"
#include "devstate_priv.h"
#include "watchers.h"

struct leg {
	struct sg_leg pub;
	struct sg_channel *ch; /* a key only: the entry goes before the channel does */
};

/* Few legs at a time (one per phone in a call): arrays searched in order. */
static struct leg **legs;
static size_t nlegs, legs_cap;
/* Resolvers: the function, with its technology as the argument. */
static struct sg_watchers resolvers, watches;
static unsigned serial;

static const char *const state_names[] = {"early", "confirmed", "terminated"};

const char *sg_leg_state_name(enum sg_leg_state s)
{
	return (unsigned)s < sizeof(state_names) / sizeof(*state_names) ? state_names[s] : "?";
}

int sg_devstate_resolver(struct sg_module *owner, const struct sg_chan_tech *tech, sg_devstate_party_fn *fn)
{
	if (!tech || !fn)
		return -EINVAL;
	for (size_t i = 0; i < resolvers.n; i++)
		if (resolvers.v[i].arg == tech)
			return -EEXIST;
	return sg_watchers_add(&resolvers, owner, (sg_watcher_fn)fn, (void *)tech);
}

void sg_devstate_resolver_remove(const struct sg_chan_tech *tech)
{
	for (size_t i = 0; i < resolvers.n; i++)
		if (resolvers.v[i].arg == tech) {
			sg_watchers_remove(&resolvers, resolvers.v[i].fn, resolvers.v[i].arg);
			return;
		}
}

int sg_devstate_watch(struct sg_module *owner, sg_devstate_fn *fn, void *arg)
{
	return sg_watchers_add(&watches, owner, (sg_watcher_fn)fn, arg);
}

void sg_devstate_unwatch(sg_devstate_fn *fn, void *arg) { sg_watchers_remove(&watches, (sg_watcher_fn)fn, arg); }

size_t sg_devstate_legs(const char *user, const struct sg_leg **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; user && i < nlegs; i++)
		if (!strcmp(legs[i]->pub.party.user, user)) {
			if (n < max)
				out[n] = &legs[i]->pub;
			n++;
		}
	return n;
}

static size_t find(const struct sg_channel *ch)
{
	for (size_t i = 0; i < nlegs; i++)
		if (legs[i]->ch == ch)
			return i;
	return SIZE_MAX;
}

static sg_devstate_party_fn *resolver_of(const struct sg_channel *ch)
{
	const struct sg_chan_tech *t = sg_chan_tech(ch);
	for (size_t i = 0; i < resolvers.n; i++)
		if (resolvers.v[i].arg == t)
			return (sg_devstate_party_fn *)resolvers.v[i].fn;
	return NULL;
}

static void drop(size_t i)
{
	free(legs[i]);
	/* Keep the order: lists and bodies show the oldest leg first. */
	memmove(&legs[i], &legs[i + 1], (nlegs - i - 1) * sizeof(*legs));
	nlegs--;
}

static void tell(const struct sg_leg *l)
{
	/* A watcher may unwatch from its callback: the bound is read each time. */
	for (size_t i = 0; i < watches.n; i++)
		((sg_devstate_fn *)watches.v[i].fn)(l, watches.v[i].arg);
}

void sg_devstate_chan_changed(struct sg_channel *ch)
{
	enum sg_chan_state cs = sg_chan_state(ch);
	if (cs == SG_CHAN_DOWN)
		return;
	size_t i = find(ch);
	if (cs == SG_CHAN_GONE) {
		if (i == SIZE_MAX)
			return;
		struct leg *l = legs[i];
		l->pub.state = SG_LEG_TERMINATED;
		l->pub.cause = sg_chan_cause(ch);
		tell(&l->pub);
		if ((i = find(ch)) != SIZE_MAX) /* a watcher's work may have moved it */
			drop(i);
		return;
	}
	sg_devstate_party_fn *fn = resolver_of(ch);
	struct sg_leg_party party = {0};
	if (!fn || fn(ch, &party) || !party.user[0])
		return;
	enum sg_leg_state st = cs == SG_CHAN_UP ? SG_LEG_CONFIRMED : SG_LEG_EARLY;
	uint64_t now = sg_loop_now_ms(sg_loop_main());
	struct leg *l;
	if (i == SIZE_MAX) {
		if (sg_vec_grow((void **)&legs, &legs_cap, nlegs, sizeof(*legs)) || !(l = calloc(1, sizeof(*l))))
			return; /* out of memory: this leg is not shown, the call goes on */
		l->ch = ch;
		l->pub.id = ++serial;
		l->pub.start_ms = now;
		l->pub.state = st;
		snprintf(l->pub.channel, sizeof(l->pub.channel), "%s", sg_chan_name(ch));
		legs[nlegs++] = l;
	} else {
		l = legs[i];
		if (l->pub.state == st && !memcmp(&l->pub.party, &party, sizeof(party)))
			return;
	}
	l->pub.party = party;
	l->pub.state = st;
	if (st == SG_LEG_CONFIRMED && !l->pub.answer_ms)
		l->pub.answer_ms = now;
	tell(&l->pub);
}

void sg_devstate_chan_freed(struct sg_channel *ch)
{
	size_t i = find(ch);
	if (i != SIZE_MAX)
		drop(i);
}

unsigned sg_devstate_purge_owner(struct sg_module *owner)
{
	return sg_watchers_purge(&watches, owner) + sg_watchers_purge(&resolvers, owner);
}

void sg_devstate_shutdown(void)
{
	while (nlegs)
		drop(nlegs - 1);
	free(legs);
	legs = NULL;
	legs_cap = 0;
	sg_watchers_free(&resolvers);
	sg_watchers_free(&watches);
}

/* devstate.c: per-user call state from the channels' state changes (devstate.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/devstate.h>
#include <strowger/loop.h>
#include <strowger/module.h>

#include "channel_priv.h"
#include "devstate_priv.h"
#include "watchers.h"

struct ulist;

struct leg {
	struct sg_leg pub;
	struct sg_channel *ch;	  /* a key only: the entry goes before the channel does */
	struct leg *ch_next;	  /* chain of the channel hash */
	struct leg *u_prev, *u_next; /* the user's legs, oldest first */
	struct ulist *u;	  /* the user's list; NULL while the leg has no user */
};

/* A busy PBX has thousands of legs, and every state change looks its leg up and
 * lists its user's: both are hashed (by channel pointer, by user name). */
struct ulist {
	struct ulist *next;
	struct leg *head, *tail;
	size_t n;
	char user[64];
};

#define CH_BUCKETS 8192
#define USER_BUCKETS 4096
static struct leg *by_chan[CH_BUCKETS];
static struct ulist *by_user[USER_BUCKETS];
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

static size_t chan_bucket(const struct sg_channel *ch)
{
	return (size_t)(((uintptr_t)ch >> 4) * 0x9E3779B97F4A7C15ull >> 40) % CH_BUCKETS;
}

static size_t user_bucket(const char *user)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *user; user++)
		h = (h ^ (unsigned char)*user) * 1099511628211ull;
	return (size_t)(h % USER_BUCKETS);
}

static struct ulist *user_find(const char *user)
{
	for (struct ulist *u = by_user[user_bucket(user)]; u; u = u->next)
		if (!strcmp(u->user, user))
			return u;
	return NULL;
}

size_t sg_devstate_legs(const char *user, const struct sg_leg **out, size_t max)
{
	struct ulist *u = user && *user ? user_find(user) : NULL;
	size_t n = 0;
	for (struct leg *l = u ? u->head : NULL; l && n < max; l = l->u_next)
		out[n++] = &l->pub;
	return u ? u->n : 0;
}

static struct leg *find(const struct sg_channel *ch)
{
	for (struct leg *l = by_chan[chan_bucket(ch)]; l; l = l->ch_next)
		if (l->ch == ch)
			return l;
	return NULL;
}

static sg_devstate_party_fn *resolver_of(const struct sg_channel *ch)
{
	const struct sg_chan_tech *t = sg_chan_tech(ch);
	for (size_t i = 0; i < resolvers.n; i++)
		if (resolvers.v[i].arg == t)
			return (sg_devstate_party_fn *)resolvers.v[i].fn;
	return NULL;
}

static void user_unlink(struct leg *l)
{
	struct ulist *u = l->u;
	if (!u)
		return;
	*(l->u_prev ? &l->u_prev->u_next : &u->head) = l->u_next;
	*(l->u_next ? &l->u_next->u_prev : &u->tail) = l->u_prev;
	l->u_prev = l->u_next = NULL;
	l->u = NULL;
	if (--u->n)
		return;
	for (struct ulist **pp = &by_user[user_bucket(u->user)]; *pp; pp = &(*pp)->next)
		if (*pp == u) {
			*pp = u->next;
			break;
		}
	free(u);
}

/* Files the leg under its user (at the end: the newest), or under none when the
 * list cannot be made: the call goes on, its lamp is not shown. */
static void user_link(struct leg *l)
{
	const char *user = l->pub.party.user;
	struct ulist *u = user_find(user);
	if (!u) {
		if (!(u = calloc(1, sizeof(*u))))
			return;
		snprintf(u->user, sizeof(u->user), "%s", user);
		size_t b = user_bucket(user);
		u->next = by_user[b];
		by_user[b] = u;
	}
	l->u = u;
	l->u_prev = u->tail;
	*(u->tail ? &u->tail->u_next : &u->head) = l;
	u->tail = l;
	u->n++;
}

static void drop(struct leg *l)
{
	for (struct leg **pp = &by_chan[chan_bucket(l->ch)]; *pp; pp = &(*pp)->ch_next)
		if (*pp == l) {
			*pp = l->ch_next;
			break;
		}
	user_unlink(l);
	free(l);
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
	struct leg *l = find(ch);
	if (cs == SG_CHAN_GONE) {
		if (!l)
			return;
		l->pub.state = SG_LEG_TERMINATED;
		l->pub.cause = sg_chan_cause(ch);
		tell(&l->pub);
		if ((l = find(ch))) /* a watcher's work may have dropped it */
			drop(l);
		return;
	}
	sg_devstate_party_fn *fn = resolver_of(ch);
	struct sg_leg_party party = {0};
	if (!fn || fn(ch, &party) || !party.user[0])
		return;
	enum sg_leg_state st = cs == SG_CHAN_UP ? SG_LEG_CONFIRMED : SG_LEG_EARLY;
	uint64_t now = sg_loop_now_ms(sg_loop_main());
	if (!l) {
		if (!(l = calloc(1, sizeof(*l))))
			return; /* out of memory: this leg is not shown, the call goes on */
		l->ch = ch;
		l->pub.id = ++serial;
		l->pub.start_ms = now;
		l->pub.state = st;
		snprintf(l->pub.channel, sizeof(l->pub.channel), "%s", sg_chan_name(ch));
		size_t b = chan_bucket(ch);
		l->ch_next = by_chan[b];
		by_chan[b] = l;
	} else if (l->pub.state == st && !memcmp(&l->pub.party, &party, sizeof(party))) {
		return;
	}
	bool moved = !l->u || strcmp(l->pub.party.user, party.user);
	if (moved)
		user_unlink(l);
	l->pub.party = party;
	if (moved)
		user_link(l);
	l->pub.state = st;
	if (st == SG_LEG_CONFIRMED && !l->pub.answer_ms)
		l->pub.answer_ms = now;
	tell(&l->pub);
}

void sg_devstate_chan_freed(struct sg_channel *ch)
{
	struct leg *l = find(ch);
	if (l)
		drop(l);
}

unsigned sg_devstate_purge_owner(struct sg_module *owner)
{
	return sg_watchers_purge(&watches, owner) + sg_watchers_purge(&resolvers, owner);
}

void sg_devstate_shutdown(void)
{
	for (size_t i = 0; i < CH_BUCKETS; i++)
		while (by_chan[i])
			drop(by_chan[i]);
	sg_watchers_free(&resolvers);
	sg_watchers_free(&watches);
}

/*
 * features.c: users' do-not-disturb and forwarding (features.h). What users{}
 * says is the generation's (features_cfg.c reads it at load); what was set at run
 * time is an override kept here, field by field, and stored in the namespace
 * "features" (one row per user, a few text lines) so that a reload or a restart
 * keeps it. Without a store (checks, unit tests) the overrides live in memory.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/features.h>
#include <strowger/log.h>
#include <strowger/store.h>
#include <strowger/users.h>

#include "dp_priv.h"
#include "features_priv.h"
#include "watchers.h"

#define TAG "features"
#define NS "features"

/* Which fields of an override were set at run time. */
enum {
	SET_DND = 1u << 0,
	SET_FWD0 = 1u << 1, /* one bit per forward kind from here */
	SET_TIME = 1u << (1 + SG_FWD_KINDS),
};

struct ovr {
	char user[64];
	unsigned set;
	struct sg_features v;
};

static struct ovr *ovrs;
static size_t novrs, ovrs_cap;
static struct sg_watchers watches;
static struct sg_store *store;

static const char *const kind_names[SG_FWD_KINDS] = {"always", "busy", "noanswer"};

const char *sg_fwd_kind_name(enum sg_fwd_kind k)
{
	return (unsigned)k < SG_FWD_KINDS ? kind_names[k] : NULL;
}

int sg_fwd_kind_parse(const char *name, enum sg_fwd_kind *out)
{
	for (unsigned k = 0; name && k < SG_FWD_KINDS; k++)
		if (!strcmp(name, kind_names[k])) {
			*out = (enum sg_fwd_kind)k;
			return 0;
		}
	return -EINVAL;
}

static struct ovr *find_ovr(const char *user)
{
	for (size_t i = 0; i < novrs; i++)
		if (!strcmp(ovrs[i].user, user))
			return &ovrs[i];
	return NULL;
}

static struct ovr *get_ovr(const char *user)
{
	struct ovr *o = find_ovr(user);
	if (o || strlen(user) >= sizeof(o->user) || sg_vec_grow((void **)&ovrs, &ovrs_cap, novrs, sizeof(*ovrs)))
		return o;
	o = &ovrs[novrs++];
	*o = (struct ovr){0};
	strcpy(o->user, user);
	return o;
}

bool sg_features_dest_ok(const char *dest)
{
	size_t n = dest ? strlen(dest) : 0;
	if (!n || n >= SG_FWD_DEST_MAX)
		return false;
	for (const char *p = dest; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return false;
	return true;
}

static void apply(struct sg_features *f, const struct ovr *o)
{
	if (o->set & SET_DND)
		f->dnd = o->v.dnd;
	for (unsigned k = 0; k < SG_FWD_KINDS; k++)
		if (o->set & (SET_FWD0 << k))
			f->fwd[k] = o->v.fwd[k];
	if (o->set & SET_TIME)
		f->noanswer_s = o->v.noanswer_s;
}

int sg_features_get(const char *user, struct sg_features *out)
{
	const struct sg_user *u = sg_user_find(user);
	if (!u)
		return -ENOENT;
	sg_dp_user_feature_defaults(u, out);
	const struct ovr *o = find_ovr(user);
	if (o)
		apply(out, o);
	return 0;
}

/* The override as its stored row: "dnd=1\nalways=1 105\ntime=20\n". */
static size_t serialise(const struct ovr *o, char *out, size_t size)
{
	size_t off = 0;
	if (o->set & SET_DND)
		off += (size_t)snprintf(out + off, size - off, "dnd=%d\n", o->v.dnd);
	for (unsigned k = 0; k < SG_FWD_KINDS; k++)
		if (o->set & (SET_FWD0 << k))
			off += (size_t)snprintf(out + off, size - off, "%s=%d %s\n", kind_names[k], o->v.fwd[k].on,
						o->v.fwd[k].dest);
	if (o->set & SET_TIME)
		off += (size_t)snprintf(out + off, size - off, "time=%g\n", o->v.noanswer_s);
	return off < size ? off : size - 1;
}

static void changed(const char *user, const struct ovr *o, const char *what, const char *by)
{
	if (store) {
		char row[3 * (SG_FWD_DEST_MAX + 16) + 64];
		int rc = o->set ? sg_store_put(store, user, row, serialise(o, row, sizeof(row)))
				: sg_store_del(store, user);
		if (rc)
			SG_WARNING(TAG, "%s: %s not stored: %s (kept until the PBX stops)", user, what, strerror(-rc));
	}
	SG_NOTICE(TAG, "%s for %s (by %s)", what, user, by ? by : "?");
	struct sg_features f;
	if (sg_features_get(user, &f))
		return;
	/* A watcher may unwatch from its callback: re-check the bound each time. */
	for (size_t i = 0; i < watches.n; i++)
		((sg_features_fn *)watches.v[i].fn)(user, &f, watches.v[i].arg);
}

int sg_features_set_dnd(const char *user, bool on, const char *by)
{
	if (!sg_user_find(user))
		return -ENOENT;
	struct ovr *o = get_ovr(user);
	if (!o)
		return -ENOMEM;
	o->set |= SET_DND;
	o->v.dnd = on;
	changed(user, o, on ? "do-not-disturb on" : "do-not-disturb off", by);
	return 0;
}

int sg_features_set_forward(const char *user, enum sg_fwd_kind k, bool on, const char *dest, const char *by)
{
	if ((unsigned)k >= SG_FWD_KINDS || (dest && *dest && !sg_features_dest_ok(dest)) ||
	    (on && !sg_features_dest_ok(dest)))
		return -EINVAL;
	if (!sg_user_find(user))
		return -ENOENT;
	struct sg_features now;
	sg_features_get(user, &now);
	struct ovr *o = get_ovr(user);
	if (!o)
		return -ENOMEM;
	o->set |= SET_FWD0 << k;
	o->v.fwd[k].on = on;
	/* Turning off without a destination keeps the one there was, as desk phones
	 * do: the next "on" may reuse it. */
	snprintf(o->v.fwd[k].dest, sizeof(o->v.fwd[k].dest), "%s", dest && *dest ? dest : now.fwd[k].dest);
	char what[SG_FWD_DEST_MAX + 48];
	if (on)
		snprintf(what, sizeof(what), "forward %s to %s", kind_names[k], o->v.fwd[k].dest);
	else
		snprintf(what, sizeof(what), "forward %s off", kind_names[k]);
	changed(user, o, what, by);
	return 0;
}

int sg_features_set_noanswer_time(const char *user, double seconds, const char *by)
{
	if (!(seconds > 0 && seconds <= 600))
		return -EINVAL;
	if (!sg_user_find(user))
		return -ENOENT;
	struct ovr *o = get_ovr(user);
	if (!o)
		return -ENOMEM;
	o->set |= SET_TIME;
	o->v.noanswer_s = seconds;
	char what[64];
	snprintf(what, sizeof(what), "rings %g s before forwarding on no answer", seconds);
	changed(user, o, what, by);
	return 0;
}

int sg_features_reset(const char *user, const char *by)
{
	if (!sg_user_find(user))
		return -ENOENT;
	struct ovr *o = find_ovr(user);
	if (!o)
		return 0;
	o->set = 0;
	changed(user, o, "users{} values again", by);
	*o = ovrs[--novrs];
	return 0;
}

/* --- stored rows --- */

static void load_line(struct ovr *o, const char *line)
{
	const char *eq = strchr(line, '=');
	if (!eq)
		return;
	size_t klen = (size_t)(eq - line);
	const char *v = eq + 1;
	if (klen == 3 && !strncmp(line, "dnd", 3)) {
		o->set |= SET_DND;
		o->v.dnd = *v == '1';
	} else if (klen == 4 && !strncmp(line, "time", 4)) {
		double s = strtod(v, NULL);
		if (s > 0 && s <= 600) {
			o->set |= SET_TIME;
			o->v.noanswer_s = s;
		}
	} else {
		for (unsigned k = 0; k < SG_FWD_KINDS; k++) {
			if (strlen(kind_names[k]) != klen || strncmp(line, kind_names[k], klen))
				continue;
			const char *dest = v[0] && v[1] == ' ' ? v + 2 : "";
			if (*dest && !sg_features_dest_ok(dest))
				return;
			o->set |= SET_FWD0 << k;
			o->v.fwd[k].on = *v == '1' && *dest;
			snprintf(o->v.fwd[k].dest, sizeof(o->v.fwd[k].dest), "%s", dest);
		}
	}
}

static void load_row(const char *key, const void *val, size_t len, void *arg)
{
	(void)arg;
	struct ovr *o = get_ovr(key);
	if (!o)
		return;
	char text[3 * (SG_FWD_DEST_MAX + 16) + 64];
	if (len >= sizeof(text))
		len = sizeof(text) - 1;
	memcpy(text, val, len);
	text[len] = '\0';
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		load_line(o, line);
}

int sg_features_init(void)
{
	int rc = sg_store_open(NULL, NS, &store);
	if (rc == -ENODEV)
		return 0; /* no store: memory only */
	if (rc)
		return rc;
	rc = sg_store_load(store, load_row, NULL);
	if (rc)
		SG_WARNING(TAG, "cannot read the stored features: %s", strerror(-rc));
	else if (novrs)
		SG_INFO(TAG, "%zu user%s with features set at run time", novrs, novrs == 1 ? "" : "s");
	return 0;
}

/* --- watches --- */

int sg_features_watch(struct sg_module *owner, sg_features_fn *fn, void *arg)
{
	return sg_watchers_add(&watches, owner, (sg_watcher_fn)fn, arg);
}

void sg_features_unwatch(sg_features_fn *fn, void *arg) { sg_watchers_remove(&watches, (sg_watcher_fn)fn, arg); }

unsigned sg_features_purge_owner(struct sg_module *owner) { return sg_watchers_purge(&watches, owner); }

bool sg_features_overridden(const char *user)
{
	const struct ovr *o = find_ovr(user);
	return o && o->set;
}

void sg_features_shutdown(void)
{
	sg_store_close(store);
	store = NULL;
	free(ovrs);
	ovrs = NULL;
	novrs = ovrs_cap = 0;
	sg_watchers_free(&watches);
}

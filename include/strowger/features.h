/*
 * features.h: a user's call features, the ones desk phones have keys for:
 * do-not-disturb and call forwarding (unconditional, on busy, on no answer with
 * its ring time). The core keeps them per user so that every way of changing them
 * sees the same state: the dialplan (Lua `pbx.features`, the `dnd` and `forward`
 * libraries, feature codes such as *78), the console (`features ...`) and modules
 * (chan_sip's as-feature-event package: a phone's DND key). A value set at run
 * time is stored (it survives a reload and a restart); a value never set comes
 * from the user's users{} entry (`vars.dnd`, `vars.forward`). Watchers hear every
 * change, whoever made it; a watch is owned by its module and goes away when the
 * module unloads. Main thread only.
 */
#ifndef STROWGER_FEATURES_H
#define STROWGER_FEATURES_H

#include "common.h"

enum sg_fwd_kind { SG_FWD_ALWAYS, SG_FWD_BUSY, SG_FWD_NOANSWER, SG_FWD_KINDS };

#define SG_FWD_DEST_MAX 128

struct sg_fwd {
	bool on;
	char dest[SG_FWD_DEST_MAX]; /* an extension, a user or a "TECH/..." target; "" when none */
};

struct sg_features {
	bool dnd;
	struct sg_fwd fwd[SG_FWD_KINDS];
	double noanswer_s; /* seconds to ring before forwarding on no answer */
};

/* "always", "busy", "noanswer"; NULL past the end. */
SG_API const char *sg_fwd_kind_name(enum sg_fwd_kind k);
/* The kind of a name above: 0 and *out, or -EINVAL. */
SG_API int sg_fwd_kind_parse(const char *name, enum sg_fwd_kind *out);

/* The user's features in effect: 0, or -ENOENT (no such user). */
SG_API int sg_features_get(const char *user, struct sg_features *out);
/* Changes and stores them; `by` says who, for the log ("dialplan", "console",
 * "sip 127.0.0.1:5062"). 0, -ENOENT (no such user), -EINVAL (a destination that
 * is empty while turning on, over SG_FWD_DEST_MAX-1 bytes, or with spaces or
 * control characters; a ring time outside 1..600 s), -ENOMEM. */
SG_API int sg_features_set_dnd(const char *user, bool on, const char *by);
SG_API int sg_features_set_forward(const char *user, enum sg_fwd_kind k, bool on, const char *dest,
				   const char *by);
SG_API int sg_features_set_noanswer_time(const char *user, double seconds, const char *by);
/* Forgets the run-time values: the users{} entry applies again. 0 or -ENOENT. */
SG_API int sg_features_reset(const char *user, const char *by);

typedef void(sg_features_fn)(const char *user, const struct sg_features *f, void *arg);
/* 0, -EEXIST (this fn/arg watches already), -ENOMEM. */
SG_API int sg_features_watch(struct sg_module *owner, sg_features_fn *fn, void *arg);
SG_API void sg_features_unwatch(sg_features_fn *fn, void *arg);

#endif

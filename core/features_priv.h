/* features_priv.h: the core's side of users' features (features.c, features_cfg.c). */
#ifndef SG_FEATURES_PRIV_H
#define SG_FEATURES_PRIV_H

#include <stdbool.h>

#include <lua.h>

#include <strowger/features.h>

struct dp_gen;
struct sg_module;
struct sg_user;

/* Opens the store namespace and reads the run-time values kept there (after
 * sg_store_init). 0 or -errno. */
int sg_features_init(void);
/* Closes the namespace and frees the state (the PBX stops). */
void sg_features_shutdown(void);
/* Removes the module's watches; returns how many. */
unsigned sg_features_purge_owner(struct sg_module *owner);
/* Whether anything was set at run time for the user (stored). */
bool sg_features_overridden(const char *user);
/* A forwarding destination we accept: 1..SG_FWD_DEST_MAX-1 bytes, no spaces
 * or control characters. */
bool sg_features_dest_ok(const char *dest);

/* features_cfg.c: the users{} side. Reads vars.dnd and vars.forward of the
 * vars table at index vars into out: 0, or -EINVAL with
 * "where: users['101'].vars.forward.busy: ..." in err. */
int sg_dp_feature_vars(lua_State *L, int vars, struct sg_features *out, const char *where, const char *id,
		       char *err, size_t errlen);
/* Fills g->features for every user of g (the table of users by id at
 * users_tbl; their vars were checked by sg_dp_feature_vars). 0 or -ENOMEM. */
int sg_dp_read_feature_defaults(lua_State *L, int users_tbl, struct dp_gen *g);
/* What users{} says for u (of the current generation). */
void sg_dp_user_feature_defaults(const struct sg_user *u, struct sg_features *out);
/* features_cli.c: the console commands. 0 or -errno. */
int sg_features_commands_register(void);
/* pbx.features / pbx.set_dnd / pbx.set_forward, added to the pbx table on top of the stack. */
void sg_features_lua_open(lua_State *L);

#endif

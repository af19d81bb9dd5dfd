/* outbound_priv.h: the toll-fraud guard (outbound.c): users{} outbound rules. */
#ifndef SG_OUTBOUND_PRIV_H
#define SG_OUTBOUND_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <lua.h>

struct sg_user;

struct sg_outbound {
	bool set; /* the user has an outbound table */
	char **allow, **deny;
	size_t nallow, ndeny;
	unsigned max_calls, max_per_hour; /* 0: no limit */
};

/* Reads users['id'].outbound (the table at idx) into out: 0, or -EINVAL/-ENOMEM
 * with "where: users['id'].outbound...: ..." in err (out is then empty). */
int sg_outbound_read(lua_State *L, int idx, const char *where, const char *id, struct sg_outbound *out,
		     char *err, size_t errlen);
void sg_outbound_free(struct sg_outbound *o);
/* The rules of u in the current generation (NULL when none). users.c. */
const struct sg_outbound *sg_dp_user_outbound(const struct sg_user *u);
/* May user start a call to exten? 0, or -EACCES (not allowed), -EBUSY
 * (max_calls), -EDQUOT (max_per_hour) with why filled; counts: this is a call
 * starting (it counts towards max_per_hour), else a question only. */
int sg_outbound_check(const char *user, const char *exten, bool counts, char *why, size_t whylen);
/* pbx.may_dial, added to the pbx table on top of the stack. */
void sg_outbound_lua_open(lua_State *L);
void sg_outbound_shutdown(void);

#endif

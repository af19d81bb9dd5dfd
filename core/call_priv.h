/* call_priv.h: the call object as the core sees it (core only). */
#ifndef SG_CALL_PRIV_H
#define SG_CALL_PRIV_H

#include <lua.h>

#include <strowger/call.h>

#include "list.h"

struct dp_gen;
struct dp_race;
struct sg_dp_wait;
struct sg_timer;
struct sg_cli;

struct sg_call {
	struct sg_list_node node;
	char id[24];
	struct sg_channel *chan;
	char *from, *from_name, *to, *context;
	uint64_t started_ms;
	/* The incoming request's headers (names lower-case), one allocation with
	 * their strings; headers_ref: call.headers' Lua object once made (0: not yet). */
	struct sg_call_header *headers;
	size_t nheaders;
	int headers_ref;
	/* caller_id= of the dial placing a leg now (NULL: the caller's own) */
	const char *pres_from, *pres_name;
	enum sg_cause end_cause;
	/* Transfers (transfer.c): the transfer this call runs the target of, or NULL;
	 * who asked for it (Referred-By); and whether the call's own leg is lent to a
	 * transfer's call right now (it comes back if the transfer fails). */
	struct sg_xfer *xfer;
	char *referred_by;
	bool lent;
	char language[SG_LANGUAGE_MAX + 1]; /* call.language as the dialplan set it, or "" */

	/* The dialplan side (dp_call.c). */
	struct dp_gen *gen;
	lua_State *co;
	int co_ref, ud_ref, vars_ref, defers_ref, hooks_ref;
	struct sg_dp_wait *wait;
	struct dp_race *race; /* a pbx.any/pbx.all the coroutine waits on (dp_race.c) */
	struct sg_timer *resume_timer;
	char where[300];       /* the extension's file:line */
	long long instructions;
	const char *in_hook;   /* the hook running now (dp_call.c), or NULL */
	bool started;	       /* the coroutine has run at least once */
	bool running;	       /* inside lua_resume now */
	bool hungup;	       /* the caller's leg is gone */
	bool stop;	       /* the next yield ends the coroutine */
	const char *stop_reason;
	char stop_where[300];  /* where the budget ran out (dp_call.c count_hook) */
	bool ended;	       /* the coroutine is finished */
	bool errored;	       /* it ended with a Lua error */
};

/* Sets what sg_call_presented_from/_name give while a dial places a leg (NULL:
 * the caller's own; a name "" presents none); NULL, NULL afterwards. */
void sg_call_set_presentation(struct sg_call *call, const char *from, const char *name);
/* Whether the call's leg is its own now (not lent to, or taken by, a transfer). */
bool sg_call_owns_channel(const struct sg_call *call);
/* Makes the call's leg report to the call again (a lent leg given back). */
void sg_call_reattach(struct sg_call *call);
/* Runs the dialplan at p->to in p->context for a leg that is already up and
 * belonged to another call or dial (a blind transfer's transferee): the new call
 * takes the leg over. NULL with *err = -ENOENT (no such extension) or -ENOMEM. */
struct sg_call *sg_call_start_for(struct sg_channel *ch, const struct sg_call_params *p, int *err);
/* Copies p->headers into call->headers within the limits (call_headers.c):
 * 0 or -ENOMEM. */
int sg_call_copy_headers(struct sg_call *call, const struct sg_call_params *p);
/* Pushes call.headers, the read-only Lua view of the headers (made once per call). */
void sg_call_push_headers(lua_State *L, struct sg_call *call);
/* Frees a call whose coroutine ended (dp_call.c calls it). */
void sg_call_free(struct sg_call *call);
void sg_calls_show(struct sg_cli *cli);
/* Calls in the dialplan whose caller is this user. */
unsigned sg_calls_from(const char *user);
struct sg_call *sg_calls_first(void);
/* Stop accepting new calls (graceful shutdown). */
void sg_calls_refuse_new(bool refuse);

#endif

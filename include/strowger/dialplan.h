/*
 * dialplan.h: extending the Lua dialplan from a module. One Lua 5.4 state runs on
 * the main loop; each call runs its extension's function as a coroutine with a
 * `call` object. A module adds methods to that object (call:voicemail{...}) or a
 * global library table (example.greet()) from declarative luaL_Reg tables; both are
 * removed when the module unloads. A method that has to wait for something (a timer,
 * a far end answering, a prompt finishing) calls sg_dp_wait() as its return
 * expression: the coroutine yields, and the module later calls sg_dp_wake() with a
 * function that pushes the results. Every waiting method returns a table with a
 * `status` field; if the caller hangs up first, the core cancels the wait (the cancel
 * callback runs, sg_dp_wake must not be called after it) and resumes the coroutine
 * with {status="hangup"}. Main thread only.
 */
#ifndef STROWGER_DIALPLAN_H
#define STROWGER_DIALPLAN_H

#include <lauxlib.h>
#include <lua.h>

#include "call.h"

struct sg_dp_wait;

typedef void (sg_dp_cancel_fn)(void *arg);
/* Pushes the values the waiting method returns; returns how many it pushed. */
typedef int (sg_dp_push_fn)(lua_State *L, void *arg);

SG_API int sg_dp_add_call_methods(struct sg_module *owner, const luaL_Reg *methods);
SG_API int sg_dp_add_library(struct sg_module *owner, const char *name, const luaL_Reg *funcs);

/* The call object at stack index `idx`, raising a Lua error if it is not one. */
SG_API struct sg_call *sg_dp_check_call(lua_State *L, int idx);

/*
 * Suspends the calling coroutine; use as `return sg_dp_wait(L, call, ...)` from a
 * lua_CFunction. `cancel(arg)` runs if the call ends before sg_dp_wake(); the wait
 * holds a use reference on `owner`. *out (may be NULL) receives the handle. On a
 * call that has already hung up, ends the coroutine instead (hang-up is enforced).
 * When it cannot wait at all (called from a coroutine of the script's own, or on a
 * call already waiting), it calls cancel(arg) and raises a Lua error.
 */
SG_API int sg_dp_wait(lua_State *L, struct sg_call *call, struct sg_module *owner,
		      sg_dp_cancel_fn *cancel, void *arg, struct sg_dp_wait **out);
/* Resumes the waiting coroutine (on the next loop turn) with what push() pushes;
 * push may be NULL for no results. The handle is invalid afterwards. */
SG_API void sg_dp_wake(struct sg_dp_wait *w, sg_dp_push_fn *push, void *arg);
/* Pushes a new result table {status=status}; add fields to it after. */
SG_API void sg_dp_push_result(lua_State *L, const char *status);

/*
 * Dialplan hooks that belong to no call (an instant message, say): runs the
 * dialplan's global function `name` (a global of the running generation's entry
 * file) once, at once, in a Lua thread of its own, on the instruction budget of a
 * call (settings.dialplan.max_instructions). push (may be NULL) pushes the
 * arguments and returns how many; read (may be NULL) looks at the nres results on
 * top of T's stack and returns <0 when they make no sense (it logs why). The
 * function cannot wait (there is no call to wait on). Returns 1 when it ran, 0
 * when no such function is defined, -1 when it failed: a Lua error, a runaway, a
 * wait, or read refused its results (logged with file:line).
 */
typedef int (sg_dp_results_fn)(lua_State *T, int nres, void *arg);
SG_API int sg_dp_run_global(const char *name, sg_dp_push_fn *push, sg_dp_results_fn *read, void *arg);

#endif

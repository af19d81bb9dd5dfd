/* dp_priv.h: the Lua dialplan host: state, generations, extensions, calls (core only). */
#ifndef SG_DP_PRIV_H
#define SG_DP_PRIV_H

#include <lua.h>

#include <strowger/call.h>
#include <strowger/dialplan.h>
#include <strowger/users.h>

#include "buf.h"

struct sg_cli;

/* One extension of a context: an exact number or an Asterisk-style pattern. */
struct dp_exten {
	char *pattern;	/* as written: "1000", "_1XX" */
	int func;	/* index into the generation's function table */
	int line;	/* where the function was defined */
	unsigned rank;	/* lower matches first */
};

struct dp_context {
	char *name;
	struct dp_exten *extens;
	size_t count;
};

/*
 * A generation is one successful load of the entry file: its environment table,
 * settings, users and extensions. Reload makes a new generation and swaps it in;
 * calls in progress hold a reference to the one they started with.
 */
struct dp_gen {
	unsigned refs;
	unsigned serial;
	char *file;
	char where[300];    /* file:line of settings{} */
	int env_ref;	    /* the globals the file saw */
	int settings_ref;   /* the table given to settings{} (an empty one if none) */
	int funcs_ref;	    /* array of extension functions */
	struct dp_context *contexts;
	size_t ncontexts;
	struct sg_user *users;
	size_t nusers;
	struct sg_features *features; /* what users{} says of each user, same order */
	struct sg_outbound *outbound; /* each user's outbound rules, same order */
	char **strings;	    /* strings the users point at */
	size_t nstrings;
};

/* The Lua state, created once. max_memory is in bytes (0: no cap). */
int sg_dp_init(size_t max_memory);
void sg_dp_shutdown(void);
lua_State *sg_dp_state(void);
/* Caps the Lua state's memory (0: no cap); set once the config is read. */
void sg_dp_set_memory_cap(size_t bytes);
/* Bytes the Lua state holds. */
size_t sg_dp_memory(void);

/* Loads and validates the entry file into a new generation. Module sections are
 * checked against loaded modules only when check_sections is true (reload; at start
 * the modules named in the file are loaded after). On error writes "file:line:
 * message" into err and returns NULL. */
struct sg_core_settings;
struct dp_gen *sg_dp_load(const char *file, bool check_sections, struct sg_core_settings *s,
			  char *err, size_t errlen);
/* Makes gen the current one (taking over the caller's reference). */
void sg_dp_activate(struct dp_gen *gen);
struct dp_gen *sg_dp_current(void);
/* The generation being validated or, outside a load, the current one. */
struct dp_gen *sg_dp_config_gen(void);
struct dp_gen *sg_dp_gen_ref(struct dp_gen *gen);
void sg_dp_gen_unref(struct dp_gen *gen);
/* Reloads the current file; on error keeps the running generation. 0 or -errno. */
int sg_dp_reload(char *err, size_t errlen);

/*
 * Event hooks a dialplan sets on a call (call.on_hold = function(call, info) ...
 * end): on_transfer, on_hold, on_hangup. sg_dp_hook runs call.<name>(call, info)
 * when it is set, at once, in a Lua thread of its own (the call's coroutine is
 * suspended in a wait): the hook may read and change the call (call.vars, call
 * methods that do not wait) and return a decision, but not wait. push_info
 * (may be NULL) pushes the info table onto the hook's thread; read (may be NULL)
 * looks at the nres results at the top of that thread's stack and returns <0 when
 * they make no sense (it logs why). The hook runs on the call's instruction
 * budget. Returns 1 when it ran, 0 when no hook is set, -1 when it failed (logged
 * with file:line: the caller then does what it does without a hook).
 */
typedef void(sg_dp_hook_push_fn)(lua_State *T, void *arg);
typedef int(sg_dp_hook_read_fn)(lua_State *T, int nres, void *arg);
int sg_dp_hook(struct sg_call *call, const char *name, sg_dp_hook_push_fn *push_info, sg_dp_hook_read_fn *read,
	       void *arg);

/* Extensions (extensions.c). */
int sg_dp_build_extensions(lua_State *L, struct dp_gen *gen, int extensions_idx, char *err, size_t errlen);
const struct dp_exten *sg_dp_match(const struct dp_gen *gen, const char *context, const char *exten);
void sg_dp_free_extensions(struct dp_gen *gen);
/* Checks a pattern; NULL when valid, else why not. */
const char *sg_dp_pattern_error(const char *pattern);
bool sg_dp_pattern_matches(const char *pattern, const char *exten);
void sg_dp_show(struct sg_cli *cli, const char *context);

/* Users (users.c): reads the users{} tables collected in the generation. */
int sg_dp_build_users(lua_State *L, struct dp_gen *gen, int users_idx, char *err, size_t errlen);
void sg_dp_free_users(struct dp_gen *gen);

/* Settings values applied by the core (config.c). */
struct sg_core_settings {
	char console_socket[256];
	unsigned console_mode;
	char data_dir[1024];
	char module_path[1024];
	int log_level;
	bool log_stderr;
	char log_file[1024];
	unsigned media_workers;
	unsigned media_queue;
	char default_context[64];
	long long max_instructions;
	long long max_memory_mb;
};
/* Validates the core keys of gen's settings and fills s. 0 or -EINVAL with err. */
int sg_config_read_core(lua_State *L, struct dp_gen *gen, struct sg_core_settings *s, char *err, size_t errlen);
/* Applies what can change at run time (log levels, budgets) from s. */
void sg_config_apply_runtime(const struct sg_core_settings *s);
const struct sg_core_settings *sg_core_settings(void);
void sg_core_settings_set(const struct sg_core_settings *s);
/* Errors for each top-level section no core key or loaded module claims. */
int sg_config_check_sections(lua_State *L, struct dp_gen *gen, char *err, size_t errlen);

/* Calls (dp_call.c): the Lua side of a call and its coroutine. */
void sg_dp_calls_init(lua_State *L);
int sg_dp_call_begin(struct sg_call *call, struct dp_gen *gen, const struct dp_exten *x);
void sg_dp_call_hungup(struct sg_call *call);
/* call:dial() (dp_dial.c). */
int sg_dp_m_dial(lua_State *L);
/*
 * pbx.any / pbx.all (dp_race.c): branches of a call running side by side, each a
 * coroutine of its own that may wait. dp_call.c gives them what a call's own
 * coroutine has: a place for their wait (sg_dp_race_slot: NULL when S is no
 * branch of the call's race), a resume on the call's budget, and the step that
 * resumes the branches whose wait ended (from the call's resume timer).
 */
int sg_dp_l_any(lua_State *S);
int sg_dp_l_all(lua_State *S);
struct sg_dp_wait **sg_dp_race_slot(struct sg_call *call, lua_State *S);
void sg_dp_race_step(struct sg_call *call);
struct sg_call *sg_dp_running_call(void);
void sg_dp_schedule(struct sg_call *call);
/* Resumes co with nargs on its stack; -1 when the call ended (a runaway, an error),
 * else LUA_YIELD (it waits in *slot) or LUA_OK (*nres results on co). */
int sg_dp_resume_branch(struct sg_call *call, lua_State *co, struct sg_dp_wait **slot, int nargs, int *nres);
bool sg_dp_wait_woken(const struct sg_dp_wait *w);
/* Pushes a woken wait's results onto co and frees it; returns how many. */
int sg_dp_wait_take(struct sg_dp_wait *w, lua_State *co);
/* Cancels a wait (or drops its result if it had one) and frees it; NULL is fine. */
void sg_dp_wait_drop(struct sg_dp_wait *w);

/* The call object at idx (a Lua error if it is none), or NULL once that call ended. */
struct sg_call *sg_dp_opt_call(lua_State *S, int idx);
/* call:bridge(other) (dp_bridge.c). */
int sg_dp_m_bridge(lua_State *S);
/* Another call took this call's leg (call:bridge): its pending wait ends with
 * {status = status} (a static string), its operation cancelled, and hang-up is
 * enforced from then on (the leg is not its own any more). */
void sg_dp_call_taken(struct sg_call *call, const char *status);

/* Call pickup: a new incoming leg takes the place of `old`, a leg a dial rings;
 * it wins as if old had answered. 0, or -ENOENT (old is no ringing dial leg). */
int sg_dial_pickup(struct sg_channel *old, struct sg_channel *neu);

/* A dial's cancel function: tells a dial's wait from the others (dp_call.c). */
void sg_dp_dial_cancel(void *arg);
/* sg_dp_wait for the core's own waits, with on_hangup: when the caller hangs up,
 * it runs first and may wake the wait with a result of its own (sg_dp_wake);
 * if it does not, the wait is cancelled and returns {status="hangup"}. */
int sg_dp_wait_ex(lua_State *S, struct sg_call *call, sg_dp_cancel_fn *cancel, sg_dp_cancel_fn *on_hangup,
		  void *arg, struct sg_dp_wait **out);
/* Budget for each resume of a call's coroutine. */
void sg_dp_set_budget(long long instructions);
unsigned sg_dp_purge_owner(struct sg_module *owner);
/* Ends every call (shutdown): coroutines closed, legs hung up with `cause`. */
void sg_dp_calls_end_all(enum sg_cause cause);

#endif

/*
 * call.h: a call is what the dialplan sees: the incoming leg (a channel), who calls
 * whom, its variables, and the Lua coroutine that runs the extension matched in the
 * dialplan. A technology hands an incoming channel to the core with
 * sg_call_start(); the core matches the extension in C (so "does it exist?" never
 * runs Lua), creates the coroutine and runs it until it waits. When the caller hangs
 * up, the core ends the call's pending wait with a hang-up result and ends the
 * coroutine at its next wait; when the function returns, the core hangs up the leg.
 * Main thread only.
 */
#ifndef STROWGER_CALL_H
#define STROWGER_CALL_H

#include "channel.h"

struct sg_call;

/* One header of the request that started a call: name as the technology spells
 * it ("User-Agent"), value as received (one line, no CR/LF). */
struct sg_call_header {
	const char *name;
	const char *value;
};

/* What the core keeps of sg_call_params.headers: the first SG_CALL_MAX_HEADERS,
 * and no more than SG_CALL_HEADERS_MAX_BYTES of names and values in all (the
 * headers after the first that does not fit are left out). */
#define SG_CALL_MAX_HEADERS 64
#define SG_CALL_HEADERS_MAX_BYTES 4096

struct sg_call_params {
	const char *from;      /* caller's user or number: "1000" */
	const char *from_name; /* display name, or NULL */
	const char *to;	       /* dialled extension: "1001" */
	const char *context;   /* NULL: the caller's user context, else dialplan.default_context */
	/* The incoming request's headers in order (a header sent twice is there
	 * twice), or NULL and 0. The core copies them (names lower-cased); the
	 * dialplan reads them as call.headers. */
	const struct sg_call_header *headers;
	size_t nheaders;
};

/*
 * Starts the dialplan for an incoming channel; the call takes its own reference on
 * the channel. 0, -ENOENT when no extension matches (the caller should answer
 * "not found"; nothing was started), -ESHUTDOWN when the PBX is stopping, -ENOMEM.
 */
SG_API int sg_call_start(struct sg_channel *ch, const struct sg_call_params *p);
/* The call an incoming channel belongs to, or NULL. */
SG_API struct sg_call *sg_chan_call(const struct sg_channel *ch);
SG_API struct sg_channel *sg_call_channel(const struct sg_call *call);
SG_API const char *sg_call_id(const struct sg_call *call);
/* Who calls: the caller's user or number, and display name (NULL if none). */
SG_API const char *sg_call_from(const struct sg_call *call);
SG_API const char *sg_call_from_name(const struct sg_call *call);
/* Who a new leg of this call presents as calling: what the dial's caller_id
 * option sets (a field left out keeps the caller's), else sg_call_from and
 * sg_call_from_name. A technology reads them in its request() to fill its own
 * headers (SIP: From). The name is NULL when there is none. */
SG_API const char *sg_call_presented_from(const struct sg_call *call);
SG_API const char *sg_call_presented_name(const struct sg_call *call);
SG_API bool sg_call_hungup(const struct sg_call *call);
/* The value of the first of the call's incoming headers called `name`
 * (case-insensitive), or NULL. */
SG_API const char *sg_call_header(const struct sg_call *call, const char *name);
/* Per-call variables (strings), also visible to Lua as call.vars. */
SG_API int sg_call_set_var(struct sg_call *call, const char *name, const char *value);
SG_API const char *sg_call_get_var(const struct sg_call *call, const char *name);
SG_API unsigned sg_calls_active(void);

/* The language of the prompts a call hears (sound files are looked up in
 * sounds/<language>/ first): what the dialplan set as call.language, else the
 * language of the user the call comes from (users{}' language), else NULL (the
 * media module's default, settings.rtp.language). */
SG_API const char *sg_call_language(const struct sg_call *call);
/* Whether s can be a language: 1 to SG_LANGUAGE_MAX letters, digits, '-' and '_'
 * (so it is safe as a folder name: no '/', no "..", no dot at all). */
#define SG_LANGUAGE_MAX 15
SG_API bool sg_language_valid(const char *s);

#endif

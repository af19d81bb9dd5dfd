/* dp_dial.h: what call:dial() was asked to do, read from Lua (core only). */
#ifndef SG_DP_DIAL_H
#define SG_DP_DIAL_H

#include <stdbool.h>
#include <stddef.h>

#include <lua.h>

#define DIAL_MAX_TARGETS 32 /* targets of one dial, over all its steps */
#define DIAL_MAX_STEPS 16
#define DIAL_DEST_MAX 256
#define DIAL_MAX_LEGS 32 /* of one step: a user with three phones is three legs */

struct sg_channel;

/* confirm = { prompt =, digit =, timeout = } or true: "press 1 to accept". A leg
 * that answers hears the prompt and must press the digit before it is connected
 * (dp_dial_confirm.c). Given on the dial, a step or a target; the nearest wins. */
struct dial_confirm {
	bool set; /* given at this level (even as false) */
	bool on;
	char digit;
	double timeout; /* seconds to press it */
	char prompt[256];
};

struct dial_target {
	char dest[DIAL_DEST_MAX]; /* "TECH/dest", a bare user id or a SIP URI */
	double timeout;		  /* seconds; 0: the step's */
	struct dial_confirm confirm; /* resolved: the target's, else its step's, else the dial's */
};

/* A step rings its targets together; the next starts when all of them ended. */
struct dial_step {
	size_t first, count; /* a range of dial_plan.targets */
	double timeout;	     /* seconds; 0: the dial's */
	struct dial_confirm confirm;
};

/*
 * The whole dial, checked before anything rings (so a mistake in the options
 * raises a Lua error with no leg started). "parallel" is one step with every
 * target, "sequential" one step per target, `steps` the author's own.
 */
struct dial_plan {
	struct dial_target targets[DIAL_MAX_TARGETS];
	size_t ntargets;
	struct dial_step steps[DIAL_MAX_STEPS];
	size_t nsteps;
	double timeout; /* per target, unless the step or the target says otherwise */
	double total;	/* the whole dial, seconds; 0: no limit */
	char record[1024];
	bool direct_media;
	char music[65];	/* music = "class": music on hold while searching; "": ringback */
	bool cid_number_set, cid_name_set; /* caller_id = {number=, name=} */
	char cid_number[64], cid_name[128];
	struct dial_confirm confirm;
};

/* Reads call:dial's arguments (stack index 2 on) into plan; raises a Lua error
 * naming the option or target at fault. */
void sg_dial_read_plan(lua_State *L, struct dial_plan *plan);

/* --- confirm (dp_dial_confirm.c) --- */

/* Reads confirm's value at stack index idx (true, false or a table) into c; raises
 * a Lua error naming `what` (with a did-you-mean for a misspelt field). */
void sg_dial_read_confirm(lua_State *L, int arg, int idx, const char *what, struct dial_confirm *c);
/* Gives each target without its own confirm the step's, else the dial's. */
void sg_dial_confirm_resolve(struct dial_plan *plan);

/* Which legs of the ringing step must confirm, and which are doing so now. */
struct dial_confirm_legs {
	const struct dial_confirm *cfg[DIAL_MAX_LEGS];
	bool pending[DIAL_MAX_LEGS];
};

/* Legs [from, to) were started for a target with confirm c. */
void sg_dial_confirm_assign(struct dial_confirm_legs *cl, size_t from, size_t to, const struct dial_confirm *c);
/* Leg i answered. True when it must confirm first: the prompt starts playing to it
 * and *ms is how long it has to press the digit; false: connect it now. */
bool sg_dial_confirm_answered(struct dial_confirm_legs *cl, size_t i, struct sg_channel *leg, const char *call_id,
			      unsigned *ms);
/* A digit on leg i: true when it accepts the call (the prompt stops); any other
 * digit, or a leg not confirming, is ignored. */
bool sg_dial_confirm_digit(struct dial_confirm_legs *cl, size_t i, struct sg_channel *leg, char digit,
			   const char *call_id);
/* Leg i ends (`why`: it hung up, its time ran out): true when it was confirming,
 * so it counts as not answered; logs it. */
bool sg_dial_confirm_end(struct dial_confirm_legs *cl, size_t i, struct sg_channel *leg, const char *call_id,
			 const char *why);

#endif

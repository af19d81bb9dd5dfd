/* dp_dial.h: what call:dial() was asked to do, read from Lua (core only). */
#ifndef SG_DP_DIAL_H
#define SG_DP_DIAL_H

#include <stdbool.h>
#include <stddef.h>

#include <lua.h>

#define DIAL_MAX_TARGETS 32 /* targets of one dial, over all its steps */
#define DIAL_MAX_STEPS 16
#define DIAL_DEST_MAX 256

struct dial_target {
	char dest[DIAL_DEST_MAX]; /* "TECH/dest", a bare user id or a SIP URI */
	double timeout;		  /* seconds; 0: the step's */
};

/* A step rings its targets together; the next starts when all of them ended. */
struct dial_step {
	size_t first, count; /* a range of dial_plan.targets */
	double timeout;	     /* seconds; 0: the dial's */
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
};

/* Reads call:dial's arguments (stack index 2 on) into plan; raises a Lua error
 * naming the option or target at fault. */
void sg_dial_read_plan(lua_State *L, struct dial_plan *plan);

#endif

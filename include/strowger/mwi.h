/*
 * mwi.h: message waiting, the state a phone's message lamp shows. The core keeps,
 * per mailbox ("1001"), how many voice messages are new and how many old; the
 * module that stores messages (app_voicemail) sets them whenever a box changes and
 * for every box when it loads, and the modules that tell phones (chan_sip: the
 * message-summary event package, RFC 3842) read them and watch for changes. So
 * neither module depends on the other. A watch is owned by its module and goes
 * away when the module unloads. Main thread only.
 */
#ifndef STROWGER_MWI_H
#define STROWGER_MWI_H

#include "common.h"

/* Sets a box's counts; watchers hear it when they changed (or the box is new).
 * 0, -EINVAL (no box, or a name over 63 bytes), -ENOMEM. */
SG_API int sg_mwi_set(const char *box, unsigned new_msgs, unsigned old_msgs);
/* A box's counts: true, or false when no module ever set that box (the lamp is
 * then off: 0 and 0). */
SG_API bool sg_mwi_get(const char *box, unsigned *new_msgs, unsigned *old_msgs);

typedef void(sg_mwi_fn)(const char *box, unsigned new_msgs, unsigned old_msgs, void *arg);
/* 0, -EEXIST (this fn/arg watches already), -ENOMEM. */
SG_API int sg_mwi_watch(struct sg_module *owner, sg_mwi_fn *fn, void *arg);
SG_API void sg_mwi_unwatch(sg_mwi_fn *fn, void *arg);

#endif

/* mwi_priv.h: the core's side of message waiting (mwi.c). */
#ifndef SG_MWI_PRIV_H
#define SG_MWI_PRIV_H

struct sg_module;

/* Removes the module's watches; returns how many. */
unsigned sg_mwi_purge_owner(struct sg_module *owner);
/* Frees the state (the PBX stops). */
void sg_mwi_shutdown(void);

#endif

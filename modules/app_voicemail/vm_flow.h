/* vm_flow.h: the Lua source of the voicemail call flows (vm_flow.c). */
#ifndef VM_FLOW_H
#define VM_FLOW_H

/* A chunk that takes the private `vm` table and returns {leave=, main=}. */
extern const char vm_flow_lua[];

#endif

/*
 * asfe_xml.h: the bodies of the as-feature-event package (BroadSoft's "Device
 * Feature Key Synchronization", ECMA-323 CSTA element names): what a phone sends
 * in a SUBSCRIBE when its DND or forward key is pressed (SetDoNotDisturb,
 * SetForwarding), read with libxml2, and the state we NOTIFY (DoNotDisturbEvent
 * and one ForwardingEvent per kind, as parts of one multipart/mixed body). Pure
 * functions; no SIP state.
 */
#ifndef CHAN_SIP_ASFE_XML_H
#define CHAN_SIP_ASFE_XML_H

#include <stdbool.h>
#include <stddef.h>

#include <strowger/features.h>

#define ASFE_TYPE "application/x-as-feature-event+xml"
#define ASFE_BOUNDARY "strowger-feature-event"
#define ASFE_NOTIFY_TYPE "multipart/mixed;boundary=" ASFE_BOUNDARY
#define ASFE_BODY_MAX 4096 /* a request body longer than this is refused */
#define ASFE_RING_S 6.0	   /* seconds per ring, to turn ringCount into a ring time */

struct asfe_req {
	bool forwarding;	     /* SetForwarding, else SetDoNotDisturb */
	char device[64];	     /* "" when the body names none */
	bool on;		     /* doNotDisturbOn / activateForward */
	enum sg_fwd_kind kind;	     /* forwardingType */
	char dest[SG_FWD_DEST_MAX];  /* forwardDN, "" when absent */
	unsigned ring_count;	     /* 0 when absent */
};

/* Reads a request body. 0, or -EINVAL with *why saying what is wrong. */
int asfe_parse(const char *body, size_t len, struct asfe_req *out, const char **why);
/* Writes the state of device as the multipart NOTIFY body. Length, or -ENOSPC. */
int asfe_write(const char *device, const struct sg_features *f, char *out, size_t size);

#endif

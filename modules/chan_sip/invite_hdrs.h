/* invite_hdrs.h: an INVITE's headers as the core's technology-neutral list. */
#ifndef SIP_INVITE_HDRS_H
#define SIP_INVITE_HDRS_H

#include <strowger/call.h>

#include "sip_msg.h"

/*
 * Fills out (at most max) with req's headers in order, for sg_call_params: known
 * headers under their full name (a compact "v" is "Via"), others as written, each
 * element of a list header (Via, Contact, Supported, ...) as a header of its own,
 * folded values on one line. The strings go to buf (size bytes); the first header
 * that does not fit ends the list. Authorization and Proxy-Authorization are left
 * out: the dialplan has no use for credentials. Returns how many were filled.
 */
size_t sip_invite_headers(const struct sip_msg *req, struct sg_call_header *out, size_t max, char *buf,
			  size_t size);

#endif

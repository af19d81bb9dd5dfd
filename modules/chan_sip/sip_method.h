/*
 * sip_method.h: request methods. Methods are case-sensitive tokens (RFC 3261 §7.1):
 * "INVITE" is SIP_METHOD_INVITE, "invite" is an unknown method (SIP_METHOD_OTHER),
 * which a UAS answers with 405 or 501.
 */
#ifndef SIP_METHOD_H
#define SIP_METHOD_H

#include "sip_pl.h"

enum sip_method {
	SIP_METHOD_OTHER = 0,
	SIP_METHOD_INVITE,
	SIP_METHOD_ACK,
	SIP_METHOD_BYE,
	SIP_METHOD_CANCEL,
	SIP_METHOD_OPTIONS,
	SIP_METHOD_REGISTER,
	SIP_METHOD_PRACK,
	SIP_METHOD_SUBSCRIBE,
	SIP_METHOD_NOTIFY,
	SIP_METHOD_PUBLISH,
	SIP_METHOD_INFO,
	SIP_METHOD_REFER,
	SIP_METHOD_MESSAGE,
	SIP_METHOD_UPDATE,
	SIP_METHOD_COUNT
};

enum sip_method sip_method_lookup(const struct sip_pl *name);
/* "INVITE"; "" for SIP_METHOD_OTHER. */
const char *sip_method_name(enum sip_method m);

#endif

/* sip_method.c: request method names. */
#include "sip_method.h"

static const char *const names[SIP_METHOD_COUNT] = {
	[SIP_METHOD_OTHER] = "",
	[SIP_METHOD_INVITE] = "INVITE",
	[SIP_METHOD_ACK] = "ACK",
	[SIP_METHOD_BYE] = "BYE",
	[SIP_METHOD_CANCEL] = "CANCEL",
	[SIP_METHOD_OPTIONS] = "OPTIONS",
	[SIP_METHOD_REGISTER] = "REGISTER",
	[SIP_METHOD_PRACK] = "PRACK",
	[SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE",
	[SIP_METHOD_NOTIFY] = "NOTIFY",
	[SIP_METHOD_PUBLISH] = "PUBLISH",
	[SIP_METHOD_INFO] = "INFO",
	[SIP_METHOD_REFER] = "REFER",
	[SIP_METHOD_MESSAGE] = "MESSAGE",
	[SIP_METHOD_UPDATE] = "UPDATE",
};

enum sip_method sip_method_lookup(const struct sip_pl *name)
{
	for (int i = 1; i < SIP_METHOD_COUNT; i++)
		if (sip_pl_eq_str(name, names[i]))
			return (enum sip_method)i;
	return SIP_METHOD_OTHER;
}

const char *sip_method_name(enum sip_method m)
{
	return (unsigned)m < SIP_METHOD_COUNT ? names[m] : "";
}

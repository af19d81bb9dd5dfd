/* sip_hdr.c: header field names, compact forms, and which fields are lists. */
#include "sip_hdr.h"

enum { LIST = 1 << 0, SINGLE = 1 << 1 };

static const struct {
	const char *name;
	char compact;
	unsigned flags;
} hdrs[SIP_HDR_COUNT] = {
	[SIP_HDR_OTHER] = { "", 0, 0 },
	[SIP_HDR_ACCEPT] = { "Accept", 0, LIST },
	[SIP_HDR_ACCEPT_CONTACT] = { "Accept-Contact", 'a', LIST },
	[SIP_HDR_ACCEPT_ENCODING] = { "Accept-Encoding", 0, LIST },
	[SIP_HDR_ACCEPT_LANGUAGE] = { "Accept-Language", 0, LIST },
	[SIP_HDR_ALERT_INFO] = { "Alert-Info", 0, LIST },
	[SIP_HDR_ALLOW] = { "Allow", 0, LIST },
	[SIP_HDR_ALLOW_EVENTS] = { "Allow-Events", 'u', LIST },
	[SIP_HDR_AUTHENTICATION_INFO] = { "Authentication-Info", 0, 0 },
	[SIP_HDR_AUTHORIZATION] = { "Authorization", 0, 0 },
	[SIP_HDR_CALL_ID] = { "Call-ID", 'i', SINGLE },
	[SIP_HDR_CALL_INFO] = { "Call-Info", 0, LIST },
	[SIP_HDR_CONTACT] = { "Contact", 'm', LIST },
	[SIP_HDR_CONTENT_DISPOSITION] = { "Content-Disposition", 0, 0 },
	[SIP_HDR_CONTENT_ENCODING] = { "Content-Encoding", 'e', LIST },
	[SIP_HDR_CONTENT_LANGUAGE] = { "Content-Language", 0, LIST },
	[SIP_HDR_CONTENT_LENGTH] = { "Content-Length", 'l', SINGLE },
	[SIP_HDR_CONTENT_TYPE] = { "Content-Type", 'c', SINGLE },
	[SIP_HDR_CSEQ] = { "CSeq", 0, SINGLE },
	[SIP_HDR_DATE] = { "Date", 0, 0 },
	[SIP_HDR_ERROR_INFO] = { "Error-Info", 0, LIST },
	[SIP_HDR_EVENT] = { "Event", 'o', 0 },
	[SIP_HDR_EXPIRES] = { "Expires", 0, 0 },
	[SIP_HDR_FROM] = { "From", 'f', SINGLE },
	[SIP_HDR_IDENTITY] = { "Identity", 'y', 0 },
	[SIP_HDR_IDENTITY_INFO] = { "Identity-Info", 'n', 0 },
	[SIP_HDR_IN_REPLY_TO] = { "In-Reply-To", 0, LIST },
	[SIP_HDR_MAX_FORWARDS] = { "Max-Forwards", 0, SINGLE },
	[SIP_HDR_MIME_VERSION] = { "MIME-Version", 0, 0 },
	[SIP_HDR_MIN_EXPIRES] = { "Min-Expires", 0, 0 },
	[SIP_HDR_MIN_SE] = { "Min-SE", 0, 0 },
	[SIP_HDR_ORGANIZATION] = { "Organization", 0, 0 },
	[SIP_HDR_P_ASSERTED_IDENTITY] = { "P-Asserted-Identity", 0, LIST },
	[SIP_HDR_P_PREFERRED_IDENTITY] = { "P-Preferred-Identity", 0, LIST },
	[SIP_HDR_PATH] = { "Path", 0, LIST },
	[SIP_HDR_PRIORITY] = { "Priority", 0, 0 },
	[SIP_HDR_PRIVACY] = { "Privacy", 0, 0 },
	[SIP_HDR_PROXY_AUTHENTICATE] = { "Proxy-Authenticate", 0, 0 },
	[SIP_HDR_PROXY_AUTHORIZATION] = { "Proxy-Authorization", 0, 0 },
	[SIP_HDR_PROXY_REQUIRE] = { "Proxy-Require", 0, LIST },
	[SIP_HDR_RACK] = { "RAck", 0, 0 },
	[SIP_HDR_REASON] = { "Reason", 0, LIST },
	[SIP_HDR_RECORD_ROUTE] = { "Record-Route", 0, LIST },
	[SIP_HDR_REFER_TO] = { "Refer-To", 'r', 0 },
	[SIP_HDR_REFERRED_BY] = { "Referred-By", 'b', 0 },
	[SIP_HDR_REJECT_CONTACT] = { "Reject-Contact", 'j', LIST },
	[SIP_HDR_REPLACES] = { "Replaces", 0, 0 },
	[SIP_HDR_REPLY_TO] = { "Reply-To", 0, 0 },
	[SIP_HDR_REQUEST_DISPOSITION] = { "Request-Disposition", 'd', LIST },
	[SIP_HDR_REQUIRE] = { "Require", 0, LIST },
	[SIP_HDR_RETRY_AFTER] = { "Retry-After", 0, 0 },
	[SIP_HDR_ROUTE] = { "Route", 0, LIST },
	[SIP_HDR_RSEQ] = { "RSeq", 0, 0 },
	[SIP_HDR_SERVER] = { "Server", 0, 0 },
	[SIP_HDR_SERVICE_ROUTE] = { "Service-Route", 0, LIST },
	[SIP_HDR_SESSION_EXPIRES] = { "Session-Expires", 'x', 0 },
	[SIP_HDR_SIP_ETAG] = { "SIP-ETag", 0, 0 },
	[SIP_HDR_SIP_IF_MATCH] = { "SIP-If-Match", 0, 0 },
	[SIP_HDR_SUBJECT] = { "Subject", 's', 0 },
	[SIP_HDR_SUBSCRIPTION_STATE] = { "Subscription-State", 0, 0 },
	[SIP_HDR_SUPPORTED] = { "Supported", 'k', LIST },
	[SIP_HDR_TIMESTAMP] = { "Timestamp", 0, 0 },
	[SIP_HDR_TO] = { "To", 't', SINGLE },
	[SIP_HDR_UNSUPPORTED] = { "Unsupported", 0, LIST },
	[SIP_HDR_USER_AGENT] = { "User-Agent", 0, 0 },
	[SIP_HDR_VIA] = { "Via", 'v', LIST },
	[SIP_HDR_WARNING] = { "Warning", 0, LIST },
	[SIP_HDR_WWW_AUTHENTICATE] = { "WWW-Authenticate", 0, 0 },
};

enum sip_hdr_id sip_hdr_lookup(const struct sip_pl *name)
{
	if (name->l == 1) {
		char c = name->p[0];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		for (int i = 1; i < SIP_HDR_COUNT; i++)
			if (hdrs[i].compact == c)
				return (enum sip_hdr_id)i;
		return SIP_HDR_OTHER;
	}
	for (int i = 1; i < SIP_HDR_COUNT; i++)
		if (sip_pl_caseeq_str(name, hdrs[i].name))
			return (enum sip_hdr_id)i;
	return SIP_HDR_OTHER;
}

const char *sip_hdr_name(enum sip_hdr_id id)
{
	return (unsigned)id < SIP_HDR_COUNT ? hdrs[id].name : "";
}

char sip_hdr_compact(enum sip_hdr_id id)
{
	return (unsigned)id < SIP_HDR_COUNT ? hdrs[id].compact : 0;
}

bool sip_hdr_is_list(enum sip_hdr_id id)
{
	return (unsigned)id < SIP_HDR_COUNT && (hdrs[id].flags & LIST);
}

bool sip_hdr_is_single(enum sip_hdr_id id)
{
	return (unsigned)id < SIP_HDR_COUNT && (hdrs[id].flags & SINGLE);
}

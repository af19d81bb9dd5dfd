/* sip_hdr.c: header field names, compact forms, and which fields are lists. */
#include <pthread.h>
#include <string.h>

#include "sip_hdr.h"

enum { LIST = 1 << 0, SINGLE = 1 << 1 };

#define H(name, compact, flags) { name, compact, flags, sizeof(name) - 1 }

static const struct {
	const char *name;
	char compact;
	unsigned flags;
	unsigned char len; /* strlen(name): the lookup compares lengths first */
} hdrs[SIP_HDR_COUNT] = {
	[SIP_HDR_OTHER] = H("", 0, 0),
	[SIP_HDR_ACCEPT] = H("Accept", 0, LIST),
	[SIP_HDR_ACCEPT_CONTACT] = H("Accept-Contact", 'a', LIST),
	[SIP_HDR_ACCEPT_ENCODING] = H("Accept-Encoding", 0, LIST),
	[SIP_HDR_ACCEPT_LANGUAGE] = H("Accept-Language", 0, LIST),
	[SIP_HDR_ALERT_INFO] = H("Alert-Info", 0, LIST),
	[SIP_HDR_ALLOW] = H("Allow", 0, LIST),
	[SIP_HDR_ALLOW_EVENTS] = H("Allow-Events", 'u', LIST),
	[SIP_HDR_AUTHENTICATION_INFO] = H("Authentication-Info", 0, 0),
	[SIP_HDR_AUTHORIZATION] = H("Authorization", 0, 0),
	[SIP_HDR_CALL_ID] = H("Call-ID", 'i', SINGLE),
	[SIP_HDR_CALL_INFO] = H("Call-Info", 0, LIST),
	[SIP_HDR_CONTACT] = H("Contact", 'm', LIST),
	[SIP_HDR_CONTENT_DISPOSITION] = H("Content-Disposition", 0, 0),
	[SIP_HDR_CONTENT_ENCODING] = H("Content-Encoding", 'e', LIST),
	[SIP_HDR_CONTENT_LANGUAGE] = H("Content-Language", 0, LIST),
	[SIP_HDR_CONTENT_LENGTH] = H("Content-Length", 'l', SINGLE),
	[SIP_HDR_CONTENT_TYPE] = H("Content-Type", 'c', SINGLE),
	[SIP_HDR_CSEQ] = H("CSeq", 0, SINGLE),
	[SIP_HDR_DATE] = H("Date", 0, 0),
	[SIP_HDR_ERROR_INFO] = H("Error-Info", 0, LIST),
	[SIP_HDR_EVENT] = H("Event", 'o', 0),
	[SIP_HDR_EXPIRES] = H("Expires", 0, 0),
	[SIP_HDR_FROM] = H("From", 'f', SINGLE),
	[SIP_HDR_IDENTITY] = H("Identity", 'y', 0),
	[SIP_HDR_IDENTITY_INFO] = H("Identity-Info", 'n', 0),
	[SIP_HDR_IN_REPLY_TO] = H("In-Reply-To", 0, LIST),
	[SIP_HDR_MAX_FORWARDS] = H("Max-Forwards", 0, SINGLE),
	[SIP_HDR_MIME_VERSION] = H("MIME-Version", 0, 0),
	[SIP_HDR_MIN_EXPIRES] = H("Min-Expires", 0, 0),
	[SIP_HDR_MIN_SE] = H("Min-SE", 0, 0),
	[SIP_HDR_ORGANIZATION] = H("Organization", 0, 0),
	[SIP_HDR_P_ASSERTED_IDENTITY] = H("P-Asserted-Identity", 0, LIST),
	[SIP_HDR_P_PREFERRED_IDENTITY] = H("P-Preferred-Identity", 0, LIST),
	[SIP_HDR_PATH] = H("Path", 0, LIST),
	[SIP_HDR_PRIORITY] = H("Priority", 0, 0),
	[SIP_HDR_PRIVACY] = H("Privacy", 0, 0),
	[SIP_HDR_PROXY_AUTHENTICATE] = H("Proxy-Authenticate", 0, 0),
	[SIP_HDR_PROXY_AUTHORIZATION] = H("Proxy-Authorization", 0, 0),
	[SIP_HDR_PROXY_REQUIRE] = H("Proxy-Require", 0, LIST),
	[SIP_HDR_RACK] = H("RAck", 0, 0),
	[SIP_HDR_REASON] = H("Reason", 0, LIST),
	[SIP_HDR_RECORD_ROUTE] = H("Record-Route", 0, LIST),
	[SIP_HDR_REFER_TO] = H("Refer-To", 'r', 0),
	[SIP_HDR_REFERRED_BY] = H("Referred-By", 'b', 0),
	[SIP_HDR_REJECT_CONTACT] = H("Reject-Contact", 'j', LIST),
	[SIP_HDR_REPLACES] = H("Replaces", 0, 0),
	[SIP_HDR_REPLY_TO] = H("Reply-To", 0, 0),
	[SIP_HDR_REQUEST_DISPOSITION] = H("Request-Disposition", 'd', LIST),
	[SIP_HDR_REQUIRE] = H("Require", 0, LIST),
	[SIP_HDR_RETRY_AFTER] = H("Retry-After", 0, 0),
	[SIP_HDR_ROUTE] = H("Route", 0, LIST),
	[SIP_HDR_RSEQ] = H("RSeq", 0, 0),
	[SIP_HDR_SERVER] = H("Server", 0, 0),
	[SIP_HDR_SERVICE_ROUTE] = H("Service-Route", 0, LIST),
	[SIP_HDR_SESSION_EXPIRES] = H("Session-Expires", 'x', 0),
	[SIP_HDR_SIP_ETAG] = H("SIP-ETag", 0, 0),
	[SIP_HDR_SIP_IF_MATCH] = H("SIP-If-Match", 0, 0),
	[SIP_HDR_SUBJECT] = H("Subject", 's', 0),
	[SIP_HDR_SUBSCRIPTION_STATE] = H("Subscription-State", 0, 0),
	[SIP_HDR_SUPPORTED] = H("Supported", 'k', LIST),
	[SIP_HDR_TIMESTAMP] = H("Timestamp", 0, 0),
	[SIP_HDR_TO] = H("To", 't', SINGLE),
	[SIP_HDR_UNSUPPORTED] = H("Unsupported", 0, LIST),
	[SIP_HDR_USER_AGENT] = H("User-Agent", 0, 0),
	[SIP_HDR_VIA] = H("Via", 'v', LIST),
	[SIP_HDR_WARNING] = H("Warning", 0, LIST),
	[SIP_HDR_WWW_AUTHENTICATE] = H("WWW-Authenticate", 0, 0),
};

/*
 * Full names are found through a small open-addressing hash table, built once: every header of every message is looked up, and a scan of seventy
 * names, or even a binary search with case folding, showed in profiles.
 */
#define SLOTS 256 /* a power of two, well above SIP_HDR_COUNT */
static unsigned char slots[SLOTS]; /* enum sip_hdr_id, 0 (SIP_HDR_OTHER) when empty */
static pthread_once_t slots_once = PTHREAD_ONCE_INIT;

static inline unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c; }

/* Length, first and last letter: enough to spread seventy names over the slots, and
 * cheap, since the whole name is compared anyway. */
static unsigned name_hash(const char *p, size_t n)
{
	return (unsigned)n * 31u + lower((unsigned char)p[0]) * 7u + lower((unsigned char)p[n - 1]) * 3u;
}

static void build_slots(void)
{
	for (int i = 1; i < SIP_HDR_COUNT; i++) {
		unsigned k = name_hash(hdrs[i].name, hdrs[i].len) & (SLOTS - 1);
		while (slots[k])
			k = (k + 1) & (SLOTS - 1);
		slots[k] = (unsigned char)i;
	}
}

static bool name_eq(const struct sip_pl *name, int id)
{
	if (name->l != hdrs[id].len)
		return false;
	if (!memcmp(name->p, hdrs[id].name, name->l))
		return true; /* written as the RFC spells it: the usual case */
	for (size_t k = 0; k < name->l; k++)
		if (lower((unsigned char)name->p[k]) != lower((unsigned char)hdrs[id].name[k]))
			return false;
	return true;
}

enum sip_hdr_id sip_hdr_lookup(const struct sip_pl *name)
{
	if (name->l == 1) {
		char c = (char)lower((unsigned char)name->p[0]);
		for (int i = 1; i < SIP_HDR_COUNT; i++)
			if (hdrs[i].compact == c)
				return (enum sip_hdr_id)i;
		return SIP_HDR_OTHER;
	}
	if (name->l == 0) /* ": value": no letters, and name_hash reads the last one */
		return SIP_HDR_OTHER;
	pthread_once(&slots_once, build_slots);
	for (unsigned k = name_hash(name->p, name->l) & (SLOTS - 1); slots[k]; k = (k + 1) & (SLOTS - 1))
		if (name_eq(name, slots[k]))
			return (enum sip_hdr_id)slots[k];
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

/* invite_hdrs.c: an INVITE's headers handed to the core as sg_call_params.headers. */
#include <string.h>

#include "invite_hdrs.h"

/* Appends a NUL-terminated copy of p..p+len to buf at *used, CR/LF as spaces. */
static const char *put(char *buf, size_t size, size_t *used, const char *p, size_t len)
{
	if (len + 1 > size - *used)
		return NULL;
	char *s = buf + *used;
	for (size_t i = 0; i < len; i++)
		s[i] = p[i] == '\r' || p[i] == '\n' ? ' ' : p[i];
	s[len] = '\0';
	*used += len + 1;
	return s;
}

size_t sip_invite_headers(const struct sip_msg *req, struct sg_call_header *out, size_t max, char *buf,
			  size_t size)
{
	size_t n = 0, used = 0;
	for (size_t i = 0; i < req->nhdrs && n < max; i++) {
		const struct sip_hdr *h = &req->hdrs[i];
		if (h->id == SIP_HDR_AUTHORIZATION || h->id == SIP_HDR_PROXY_AUTHORIZATION)
			continue;
		const char *full = h->id != SIP_HDR_OTHER ? sip_hdr_name(h->id) : NULL;
		const char *name = put(buf, size, &used, full ? full : h->name.p, full ? strlen(full) : h->name.l);
		const char *value = name ? put(buf, size, &used, h->val.p, h->val.l) : NULL;
		if (!value)
			break;
		out[n++] = (struct sg_call_header){.name = name, .value = value};
	}
	return n;
}

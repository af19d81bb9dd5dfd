/* asfe_xml.c: reading SetDoNotDisturb/SetForwarding, writing the feature events. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "asfe_xml.h"

#define CSTA_NS "http://www.ecma-international.org/standards/ecma-323/csta/ed3"

static const char *const wire_kind[SG_FWD_KINDS] = {"forwardImmediate", "forwardBusy", "forwardNoAns"};

static bool name_is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* The element's text, trimmed, into out: 0, or -ENOSPC. */
static int text_of(xmlNode *n, char *out, size_t size)
{
	xmlChar *c = xmlNodeGetContent(n);
	const char *s = c ? (const char *)c : "";
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	int rc = len < size ? 0 : -ENOSPC;
	if (!rc) {
		memcpy(out, s, len);
		out[len] = '\0';
	}
	xmlFree(c);
	return rc;
}

static int boolean(const char *s, bool *out)
{
	if (!strcasecmp(s, "true") || !strcmp(s, "1"))
		*out = true;
	else if (!strcasecmp(s, "false") || !strcmp(s, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* One child of the request's root. 0, or -EINVAL with *why. */
static int read_child(xmlNode *n, struct asfe_req *r, bool *have_on, const char **why)
{
	char v[SG_FWD_DEST_MAX];
	if (text_of(n, v, sizeof(v))) {
		*why = "An element of the request is too long";
		return -EINVAL;
	}
	if (name_is(n, "device")) {
		if (strlen(v) >= sizeof(r->device))
			return (*why = "device is too long", -EINVAL);
		strcpy(r->device, v);
	} else if (name_is(n, r->forwarding ? "activateForward" : "doNotDisturbOn")) {
		if (boolean(v, &r->on))
			return (*why = r->forwarding ? "activateForward is not true or false"
						     : "doNotDisturbOn is not true or false",
				-EINVAL);
		*have_on = true;
	} else if (r->forwarding && name_is(n, "forwardingType")) {
		unsigned k;
		for (k = 0; k < SG_FWD_KINDS && strcmp(v, wire_kind[k]); k++)
			;
		if (k == SG_FWD_KINDS)
			return (*why = "forwardingType is not forwardImmediate, forwardBusy or forwardNoAns", -EINVAL);
		r->kind = (enum sg_fwd_kind)k;
	} else if (r->forwarding && name_is(n, "forwardDN")) {
		strcpy(r->dest, v);
	} else if (r->forwarding && name_is(n, "ringCount")) {
		char *end;
		unsigned long c = strtoul(v, &end, 10);
		if (!*v || *end || c < 1 || c > 100)
			return (*why = "ringCount is not a number from 1 to 100", -EINVAL);
		r->ring_count = (unsigned)c;
	}
	/* Anything else (privateData, vendor elements) is not ours to refuse. */
	return 0;
}

int asfe_parse(const char *body, size_t len, struct asfe_req *out, const char **why)
{
	*out = (struct asfe_req){.kind = SG_FWD_KINDS};
	if (len > ASFE_BODY_MAX)
		return (*why = "Body too long", -EINVAL);
	/* No network, no entity substitution, no DTD loading: a phone's body is data. */
	xmlDoc *doc = xmlReadMemory(body, (int)len, NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return (*why = "Body is not well-formed XML", -EINVAL);
	xmlNode *root = xmlDocGetRootElement(doc);
	int rc = 0;
	bool have_on = false;
	if (root && name_is(root, "SetDoNotDisturb")) {
		out->forwarding = false;
	} else if (root && name_is(root, "SetForwarding")) {
		out->forwarding = true;
	} else {
		*why = "Not SetDoNotDisturb or SetForwarding";
		rc = -EINVAL;
	}
	for (xmlNode *n = root ? root->children : NULL; !rc && n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			rc = read_child(n, out, &have_on, why);
	xmlFreeDoc(doc);
	if (rc)
		return rc;
	if (!have_on)
		return (*why = out->forwarding ? "SetForwarding without activateForward"
					       : "SetDoNotDisturb without doNotDisturbOn",
			-EINVAL);
	if (out->forwarding && out->kind == SG_FWD_KINDS)
		return (*why = "SetForwarding without forwardingType", -EINVAL);
	return 0;
}

/* s with &, <, >, " and ' as entities. 0, or -ENOSPC. */
static int escape(const char *s, char *out, size_t size)
{
	size_t off = 0;
	for (; *s; s++) {
		const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
			      : *s == '"' ? "&quot;" : *s == '\'' ? "&apos;" : NULL;
		size_t n = e ? strlen(e) : 1;
		if (off + n >= size)
			return -ENOSPC;
		memcpy(out + off, e ? e : s, n);
		off += n;
	}
	out[off] = '\0';
	return 0;
}

int asfe_write(const char *device, const struct sg_features *f, char *out, size_t size)
{
	char dev[6 * 64], dest[6 * SG_FWD_DEST_MAX];
	if (escape(device, dev, sizeof(dev)))
		return -ENOSPC;
	const char *part = "--" ASFE_BOUNDARY "\r\nContent-Type: " ASFE_TYPE "\r\n\r\n"
			   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n";
	size_t off = 0;
	int n = snprintf(out, size,
			 "%s<DoNotDisturbEvent xmlns=\"" CSTA_NS "\"><device>%s</device>"
			 "<doNotDisturbOn>%s</doNotDisturbOn></DoNotDisturbEvent>\r\n",
			 part, dev, f->dnd ? "true" : "false");
	for (unsigned k = 0; n > 0 && (size_t)n < size - off && k < SG_FWD_KINDS; k++) {
		off += (size_t)n;
		if (escape(f->fwd[k].dest, dest, sizeof(dest)))
			return -ENOSPC;
		char rings[48] = "";
		if (k == SG_FWD_NOANSWER) {
			unsigned c = (unsigned)(f->noanswer_s / ASFE_RING_S + 0.5);
			snprintf(rings, sizeof(rings), "<ringCount>%u</ringCount>", c ? c : 1);
		}
		n = snprintf(out + off, size - off,
			     "%s<ForwardingEvent xmlns=\"" CSTA_NS "\"><device>%s</device>"
			     "<forwardingType>%s</forwardingType><forwardStatus>%s</forwardStatus>"
			     "<forwardTo>%s</forwardTo>%s</ForwardingEvent>\r\n",
			     part, dev, wire_kind[k], f->fwd[k].on ? "true" : "false", dest, rings);
	}
	if (n < 0 || (size_t)n >= size - off)
		return -ENOSPC;
	off += (size_t)n;
	n = snprintf(out + off, size - off, "--" ASFE_BOUNDARY "--\r\n");
	if (n < 0 || (size_t)n >= size - off)
		return -ENOSPC;
	return (int)(off + (size_t)n);
}

/* pidf.c: PIDF documents with libxml2 (pidf.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "dialog_info.h"
#include "pidf.h"

/* No network, no DTD loading, no entity substitution (no XXE, no expansion
 * bombs); errors go to the context, not to stderr. */
#define PARSE_OPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS)

void sip_pidf_init(void) { xmlInitParser(); }

static bool is_pidf(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, (const xmlChar *)name) && n->ns &&
	       !xmlStrcmp(n->ns->href, (const xmlChar *)SIP_PIDF_NS);
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (is_pidf(c, name))
			return c;
	return NULL;
}

/* Parses; NULL with why filled on an error. */
static xmlDoc *parse(const char *body, size_t len, char *why, size_t wsize)
{
	if (len > (size_t)INT32_MAX) {
		snprintf(why, wsize, "too large");
		return NULL;
	}
	xmlParserCtxt *ctx = xmlNewParserCtxt();
	if (!ctx) {
		snprintf(why, wsize, "out of memory");
		return NULL;
	}
	xmlDoc *doc = xmlCtxtReadMemory(ctx, body, (int)len, NULL, NULL, PARSE_OPTS);
	if (!doc) {
		const xmlError *e = xmlCtxtGetLastError(ctx);
		char msg[160] = "not XML";
		if (e && e->message) {
			snprintf(msg, sizeof(msg), "%s", e->message);
			msg[strcspn(msg, "\r\n")] = '\0';
		}
		snprintf(why, wsize, "line %d: %s", e ? e->line : 0, msg);
	}
	xmlFreeParserCtxt(ctx);
	return doc;
}

int sip_pidf_check(const char *body, size_t len, char *why, size_t wsize)
{
	xmlDoc *doc = parse(body, len, why, wsize);
	if (!doc)
		return -EINVAL;
	int rc = -EINVAL;
	const xmlNode *root = xmlDocGetRootElement(doc);
	if (doc->intSubset) {
		snprintf(why, wsize, "a DOCTYPE is not allowed");
	} else if (!root || !is_pidf(root, "presence")) {
		snprintf(why, wsize, "the root is not a PIDF presence element");
	} else if (!xmlHasProp(root, (const xmlChar *)"entity")) {
		snprintf(why, wsize, "the presence element has no entity");
	} else {
		rc = 0;
		for (const xmlNode *c = root->children; c && !rc; c = c->next) {
			if (!is_pidf(c, "tuple"))
				continue;
			if (!xmlHasProp(c, (const xmlChar *)"id")) {
				snprintf(why, wsize, "a tuple has no id");
				rc = -EINVAL;
			} else if (!child(c, "status")) {
				snprintf(why, wsize, "a tuple has no status");
				rc = -EINVAL;
			}
		}
	}
	xmlFreeDoc(doc);
	return rc;
}

/* Whether the document being composed has an element named like c with c's id
 * already: a tuple (or person, or device) a newer publication also describes
 * (a phone that published twice, say) is shown once, as the newer says. */
static bool taken(const xmlNode *root, const xmlNode *c)
{
	xmlChar *id = xmlGetProp(c, (const xmlChar *)"id");
	bool found = false;
	for (const xmlNode *o = root->children; id && o && !found; o = o->next) {
		if (o->type != XML_ELEMENT_NODE || xmlStrcmp(o->name, c->name))
			continue;
		xmlChar *oid = xmlGetProp(o, (const xmlChar *)"id");
		found = oid && !xmlStrcmp(oid, id);
		xmlFree(oid);
	}
	xmlFree(id);
	return found;
}

int sip_pidf_compose(char *out, size_t size, const char *entity, const char *const *docs, const size_t *lens,
		     size_t n)
{
	int rc = -ENOMEM;
	xmlDoc *neu = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *root = neu ? xmlNewNode(NULL, (const xmlChar *)"presence") : NULL;
	xmlNs *ns = root ? xmlNewNs(root, (const xmlChar *)SIP_PIDF_NS, NULL) : NULL;
	if (!ns)
		goto out;
	xmlSetNs(root, ns);
	xmlDocSetRootElement(neu, root);
	if (!xmlSetProp(root, (const xmlChar *)"entity", (const xmlChar *)entity))
		goto out;
	for (size_t i = 0; i < n; i++) {
		char why[8];
		xmlDoc *d = parse(docs[i], lens[i], why, sizeof(why));
		if (!d)
			continue; /* checked when published: cannot happen */
		const xmlNode *r = xmlDocGetRootElement(d);
		for (const xmlNode *c = r ? r->children : NULL; c; c = c->next) {
			if (c->type != XML_ELEMENT_NODE || taken(root, c))
				continue;
			xmlNode *copy = xmlDocCopyNode((xmlNode *)c, neu, 1);
			if (copy && !xmlAddChild(root, copy))
				xmlFreeNode(copy);
		}
		xmlFreeDoc(d);
	}
	/* The copies may use prefixes declared on their old roots: declare them here. */
	xmlReconciliateNs(neu, root);
	xmlChar *mem = NULL;
	int len = 0;
	xmlDocDumpFormatMemoryEnc(neu, &mem, &len, "UTF-8", 1);
	if (!mem)
		goto out;
	if ((size_t)len >= size) {
		rc = -ENOSPC;
	} else {
		memcpy(out, mem, (size_t)len);
		out[len] = '\0';
		rc = len;
	}
	xmlFree(mem);
out:
	if (neu)
		xmlFreeDoc(neu);
	else if (root)
		xmlFreeNode(root);
	return rc;
}

int sip_pidf_derived(char *out, size_t size, const char *entity, bool registered, bool on_phone)
{
	char ent[800];
	sip_xml_escape(entity, ent, sizeof(ent));
	const char *note = !registered ? "Offline" : on_phone ? "On the phone" : "Available";
	int n = snprintf(out, size,
			 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			 "<presence xmlns=\"" SIP_PIDF_NS "\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\""
			 " xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"%s\">\n"
			 "  <tuple id=\"pbx\">\n    <status><basic>%s</basic></status>\n    <contact>%s</contact>\n"
			 "    <note>%s</note>\n  </tuple>\n"
			 "%s"
			 "</presence>\n",
			 ent, registered ? "open" : "closed", ent, note,
			 on_phone ? "  <dm:person id=\"pbx-person\">\n    <rpid:activities><rpid:on-the-phone/>"
				    "</rpid:activities>\n  </dm:person>\n"
				  : "");
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

/* Whether doc has a tuple with this id. */
static bool has_tuple(const xmlNode *root, const xmlChar *id)
{
	bool found = false;
	for (const xmlNode *c = root->children; c && !found; c = c->next) {
		xmlChar *cid = is_pidf(c, "tuple") ? xmlGetProp(c, (const xmlChar *)"id") : NULL;
		found = cid && !xmlStrcmp(cid, id);
		xmlFree(cid);
	}
	return found;
}

bool sip_pidf_covers(const char *neu, size_t nlen, const char *old, size_t olen)
{
	char why[8];
	xmlDoc *dn = parse(neu, nlen, why, sizeof(why)), *dold = dn ? parse(old, olen, why, sizeof(why)) : NULL;
	const xmlNode *rn = dold ? xmlDocGetRootElement(dn) : NULL, *ro = rn ? xmlDocGetRootElement(dold) : NULL;
	size_t tuples = 0;
	bool covered = ro != NULL;
	for (const xmlNode *c = ro ? ro->children : NULL; c && covered; c = c->next) {
		if (!is_pidf(c, "tuple"))
			continue;
		xmlChar *id = xmlGetProp(c, (const xmlChar *)"id");
		covered = id && has_tuple(rn, id);
		xmlFree(id);
		tuples++;
	}
	if (dold)
		xmlFreeDoc(dold);
	if (dn)
		xmlFreeDoc(dn);
	return covered && tuples > 0;
}

const char *sip_pidf_basic(const char *body, size_t len)
{
	char why[8];
	const char *res = "unknown";
	xmlDoc *doc = parse(body, len, why, sizeof(why));
	const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	for (const xmlNode *c = root ? root->children : NULL; c; c = c->next) {
		const xmlNode *st = is_pidf(c, "tuple") ? child(c, "status") : NULL;
		const xmlNode *b = st ? child(st, "basic") : NULL;
		xmlChar *v = b ? xmlNodeGetContent(b) : NULL;
		if (v) {
			res = !xmlStrcmp(v, (const xmlChar *)"open") ? "open" : "closed";
			xmlFree(v);
			break;
		}
	}
	if (doc)
		xmlFreeDoc(doc);
	return res;
}

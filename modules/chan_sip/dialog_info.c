/* dialog_info.c: writing RFC 4235 dialog-info documents (dialog_info.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <strowger/devstate.h>

#include "dialog_info.h"

char *sip_xml_escape(const char *s, char *out, size_t size)
{
	size_t o = 0;
	for (; s && *s; s++) {
		const char *rep = NULL;
		char one[2] = {*s, 0};
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default:
			/* XML 1.0 allows no control characters but tab, CR and LF. */
			if ((unsigned char)*s < 0x20 && *s != '\t')
				continue;
			rep = one;
		}
		size_t l = strlen(rep);
		if (o + l >= size)
			break;
		memcpy(out + o, rep, l);
		o += l;
	}
	if (size)
		out[o] = '\0';
	return out;
}

/* Appends to out at *off; false once it no longer fits. */
static bool put(char *out, size_t size, size_t *off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + *off, size - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *off)
		return false;
	*off += (size_t)n;
	return true;
}

/* RFC 4235 §4.1.2: why a dialog ended, when the cause says it plainly. */
static const char *term_event(enum sg_cause c)
{
	switch (c) {
	case SG_CAUSE_CANCELLED: return "cancelled";
	case SG_CAUSE_BUSY:
	case SG_CAUSE_REJECTED: return "rejected";
	case SG_CAUSE_NO_ANSWER: return "timeout";
	case SG_CAUSE_FAILURE: return "error";
	default: return NULL;
	}
}

static bool put_dialog(char *out, size_t size, size_t *off, const char *entity, const struct sg_leg *l,
		       uint64_t now_ms)
{
	const struct sg_leg_party *p = &l->party;
	char rname[400], ruri[800], cid[500], ltag[200], rtag[200], ev[40] = "";
	sip_xml_escape(p->remote_name, rname, sizeof(rname));
	sip_xml_escape(p->remote_uri, ruri, sizeof(ruri));
	sip_xml_escape(p->call_id, cid, sizeof(cid));
	sip_xml_escape(p->local_tag, ltag, sizeof(ltag));
	sip_xml_escape(p->remote_tag, rtag, sizeof(rtag));
	const char *why = l->state == SG_LEG_TERMINATED ? term_event(l->cause) : NULL;
	if (why)
		snprintf(ev, sizeof(ev), " event=\"%s\"", why);
	bool ok = put(out, size, off, "  <dialog id=\"leg-%u\"", l->id);
	/* The tags only with a Call-ID: §4.1.1 names them parts of the dialog id. */
	if (ok && cid[0])
		ok = put(out, size, off, " call-id=\"%s\"", cid) &&
		     (!ltag[0] || put(out, size, off, " local-tag=\"%s\"", ltag)) &&
		     (!rtag[0] || put(out, size, off, " remote-tag=\"%s\"", rtag));
	uint64_t since = l->answer_ms ? l->answer_ms : l->start_ms;
	return ok &&
	       put(out, size, off, " direction=\"%s\">\n    <state%s>%s</state>\n    <duration>%llu</duration>\n",
		   p->dir == SG_LEG_INITIATOR ? "initiator" : "recipient", ev, sg_leg_state_name(l->state),
		   (unsigned long long)(now_ms > since ? (now_ms - since) / 1000 : 0)) &&
	       put(out, size, off, "    <local>\n      <identity>%s</identity>\n      <target uri=\"%s\"/>\n    </local>\n",
		   entity, entity) &&
	       (!ruri[0] ||
		put(out, size, off, "    <remote>\n      <identity%s%s%s>%s</identity>\n      <target uri=\"%s\"/>\n    </remote>\n",
		    rname[0] ? " display=\"" : "", rname, rname[0] ? "\"" : "", ruri, ruri)) &&
	       put(out, size, off, "  </dialog>\n");
}

int sip_dinfo_write(char *out, size_t size, const char *entity, unsigned version,
		    const struct sg_leg *const *legs, size_t n, uint64_t now_ms)
{
	char ent[800];
	size_t off = 0;
	sip_xml_escape(entity, ent, sizeof(ent));
	if (!put(out, size, &off,
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		 "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"%u\" state=\"full\" entity=\"%s\">\n",
		 version, ent))
		return -ENOSPC;
	/* Room is kept for the closing tag: a dialog that would eat it is left out. */
	const char *end = "</dialog-info>\n";
	size_t room = size - strlen(end);
	for (size_t i = 0; off < room && i < n; i++) {
		size_t before = off;
		if (!put_dialog(out, room, &off, ent, legs[i], now_ms)) {
			off = before;
			break;
		}
	}
	if (!put(out, size, &off, "%s", end))
		return -ENOSPC;
	return (int)off;
}

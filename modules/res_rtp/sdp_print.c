/* sdp_print.c: a struct sdp_session as SDP text; the versioned o= line of our own SDP. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "sdp_int.h"
#include "sdp_print.h"

struct out {
	char *p;
	size_t size;
	size_t len;
	int err; /* the first error; later writes do nothing */
};

__attribute__((format(printf, 2, 3))) static void emit(struct out *o, const char *fmt, ...)
{
	if (o->err)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->p + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		o->err = -EINVAL;
	else if ((size_t)n >= o->size - o->len)
		o->err = -ENOSPC;
	else
		o->len += (size_t)n;
}

/* A field to print: never NULL for "%.*s", and never a line break (an injected line
 * would change the session description). */
static struct sdp_str field(struct out *o, struct sdp_str v)
{
	if (!v.p)
		return (struct sdp_str){"", 0};
	if (memchr(v.p, '\r', v.l) || memchr(v.p, '\n', v.l) || memchr(v.p, '\0', v.l))
		o->err = o->err ? o->err : -EINVAL;
	return v;
}

static struct sdp_str or_dash(struct sdp_str v)
{
	return v.p ? v : SDP_STR("-");
}

static void conn_line(struct out *o, char type, const struct sdp_conn *c)
{
	if (c->type == SDP_ADDR_NONE)
		return;
	struct sdp_str a = field(o, c->addr), suf = field(o, c->suffix);
	emit(o, "%c=IN IP%c %.*s%s%.*s\r\n", type, c->type == SDP_IP6 ? '6' : '4', SDP_STR_ARGS(a),
	     suf.l ? "/" : "", SDP_STR_ARGS(suf));
}

/*
 * Copies the lines of `lines` whose type letter is in `types`, in their order, except
 * what the struct models: v o s c m lines, the first t= (s->timing) and modelled a=
 * attributes.
 */
static void extras(struct out *o, const struct sdp_session *s, struct sdp_str lines, const char *types)
{
	struct sdp_str line;
	while (sdp_next_line(&lines, &line)) {
		if (line.l < 2 || line.p[1] != '=' || !strchr(types, line.p[0]))
			continue;
		struct sdp_str v = {line.p + 2, line.l - 2}, name, val;
		if (line.p[0] == 't' && v.p == s->timing.p)
			continue;
		if (line.p[0] == 'a') {
			if (!sdp_str_split(&v, ':', &name, &val))
				name = v;
			if (sdp_attr_modelled(&name))
				continue;
		}
		line = field(o, line);
		emit(o, "%.*s\r\n", SDP_STR_ARGS(line));
	}
}

static void dir_line(struct out *o, enum sdp_dir d)
{
	if (d != SDP_DIR_NONE)
		emit(o, "a=%s\r\n", sdp_dir_name(d));
}

/* A format as the m= line names it; one the PBX built may give only its number. */
static void fmt_id(struct out *o, const struct sdp_fmt *f)
{
	if (f->id.p) {
		struct sdp_str id = field(o, f->id);
		emit(o, "%.*s", SDP_STR_ARGS(id));
	} else {
		emit(o, "%d", f->pt);
	}
}

static void fmt_lines(struct out *o, const struct sdp_fmt *f)
{
	if (f->rtpmap) {
		struct sdp_str name = field(o, f->name);
		emit(o, "a=rtpmap:");
		fmt_id(o, f);
		emit(o, " %.*s/%" PRIu32, SDP_STR_ARGS(name), f->rate);
		if (f->channels > 1)
			emit(o, "/%u", (unsigned)f->channels);
		emit(o, "\r\n");
	}
	if (f->fmtp.p) {
		struct sdp_str p = field(o, f->fmtp);
		emit(o, "a=fmtp:");
		fmt_id(o, f);
		emit(o, " %.*s\r\n", SDP_STR_ARGS(p));
	}
}

static void media(struct out *o, const struct sdp_session *s, const struct sdp_media *m)
{
	struct sdp_str type = field(o, m->media), proto = field(o, m->proto);
	emit(o, "m=%.*s %u", SDP_STR_ARGS(type), (unsigned)m->port);
	if (m->nports > 1)
		emit(o, "/%u", (unsigned)m->nports);
	emit(o, " %.*s", SDP_STR_ARGS(proto));
	if (m->nfmts == 0 && m->fmt_list.l) {
		struct sdp_str list = field(o, m->fmt_list);
		emit(o, " %.*s", SDP_STR_ARGS(list));
	}
	for (size_t i = 0; i < m->nfmts && i < SDP_MAX_FMTS; i++) {
		emit(o, " ");
		fmt_id(o, &m->fmts[i]);
	}
	emit(o, "\r\n");
	extras(o, s, m->lines, "i");
	conn_line(o, 'c', &m->conn);
	extras(o, s, m->lines, "bk");
	for (size_t i = 0; i < m->nfmts && i < SDP_MAX_FMTS; i++)
		fmt_lines(o, &m->fmts[i]);
	if (m->ptime)
		emit(o, "a=ptime:%" PRIu32 "\r\n", m->ptime);
	if (m->maxptime)
		emit(o, "a=maxptime:%" PRIu32 "\r\n", m->maxptime);
	if (m->rtcp_port) {
		emit(o, "a=rtcp:%u", (unsigned)m->rtcp_port);
		const struct sdp_conn *c = &m->rtcp_conn;
		if (c->type != SDP_ADDR_NONE) {
			struct sdp_str a = field(o, c->addr);
			emit(o, " IN IP%c %.*s", c->type == SDP_IP6 ? '6' : '4', SDP_STR_ARGS(a));
		}
		emit(o, "\r\n");
	}
	if (m->rtcp_mux)
		emit(o, "a=rtcp-mux\r\n");
	dir_line(o, m->dir);
	extras(o, s, m->lines, "a");
}

/* idver: NULL to print the origin's own id and version, else these two numbers. */
static void session(struct out *o, const struct sdp_session *s, const uint64_t *idver)
{
	const struct sdp_origin *org = &s->origin;
	struct sdp_str user = field(o, or_dash(org->user)), addr = field(o, org->addr.addr);
	emit(o, "v=0\r\no=%.*s ", SDP_STR_ARGS(user));
	if (idver) {
		emit(o, "%" PRIu64 " %" PRIu64, idver[0], idver[1]);
	} else {
		struct sdp_str id = field(o, org->id.p ? org->id : SDP_STR("0"));
		struct sdp_str ver = field(o, org->version.p ? org->version : SDP_STR("0"));
		emit(o, "%.*s %.*s", SDP_STR_ARGS(id), SDP_STR_ARGS(ver));
	}
	emit(o, " IN IP%c %.*s\r\n", org->addr.type == SDP_IP6 ? '6' : '4', SDP_STR_ARGS(addr));
	if (!addr.l && !o->err)
		o->err = -EINVAL;
	struct sdp_str name = field(o, or_dash(s->name));
	emit(o, "s=%.*s\r\n", SDP_STR_ARGS(name));
	extras(o, s, s->lines, "iuep");
	conn_line(o, 'c', &s->conn);
	extras(o, s, s->lines, "b");
	struct sdp_str t = field(o, s->timing.p ? s->timing : SDP_STR("0 0"));
	emit(o, "t=%.*s\r\n", SDP_STR_ARGS(t));
	extras(o, s, s->lines, "trzk");
	dir_line(o, s->dir);
	extras(o, s, s->lines, "a");
	for (size_t i = 0; i < s->nmedia && i < SDP_MAX_MEDIA; i++)
		media(o, s, &s->media[i]);
}

static int finish(struct out *o, size_t *outlen)
{
	if (o->err)
		return o->err;
	*outlen = o->len;
	return 0;
}

int sdp_print(char *out, size_t size, size_t *outlen, const struct sdp_session *s)
{
	struct out o = {out, size, 0, size ? 0 : -ENOSPC};
	session(&o, s, NULL);
	return finish(&o, outlen);
}

/* FNV-1a, 64 bits: a change detector, not a defence against anyone. */
static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3u;
	}
	return h;
}

/* The digest of a printed description without its o= line (the second line). */
static uint64_t digest_without_origin(const char *p, size_t n)
{
	const char *o = memchr(p, '\n', n);
	const char *end = o ? memchr(o + 1, '\n', n - (size_t)(o + 1 - p)) : NULL;
	if (!o || !end)
		return fnv1a(0xcbf29ce484222325u, p, n);
	uint64_t h = fnv1a(0xcbf29ce484222325u, p, (size_t)(o + 1 - p));
	return fnv1a(h, end + 1, n - (size_t)(end + 1 - p));
}

int sdp_print_versioned(char *out, size_t size, size_t *outlen, const struct sdp_session *s,
			struct sdp_version *v)
{
	uint64_t idver[2] = {v->id, v->version};
	struct out o = {out, size, 0, size ? 0 : -ENOSPC};
	session(&o, s, idver);
	if (o.err)
		return o.err;
	uint64_t d = digest_without_origin(out, o.len);
	if (v->printed && d != v->digest) {
		idver[1] = v->version + 1;
		o = (struct out){out, size, 0, 0};
		session(&o, s, idver);
		if (o.err)
			return o.err;
		v->version++;
	}
	v->digest = d;
	v->printed = true;
	return finish(&o, outlen);
}

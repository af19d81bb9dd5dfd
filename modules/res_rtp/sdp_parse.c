/* sdp_parse.c: splits an SDP body into lines and levels; v=, o=, s=, c=, t=, m= lines. */
#include <errno.h>

#include "sdp_int.h"

struct parser {
	struct sdp_session *s;
	struct sdp_media *m; /* the stream being parsed; NULL at session level */
	bool have_o, have_s;
	const char *why;
	/* Where each m= line starts and where the lines after it start. */
	const char *m_line[SDP_MAX_MEDIA];
	const char *m_body[SDP_MAX_MEDIA];
};

bool sdp_next_line(struct sdp_str *rest, struct sdp_str *line)
{
	if (rest->l == 0)
		return false;
	const char *nl = memchr(rest->p, '\n', rest->l);
	size_t n = nl ? (size_t)(nl - rest->p) : rest->l;
	*line = (struct sdp_str){rest->p, n};
	if (n && line->p[n - 1] == '\r')
		line->l--;
	size_t used = nl ? n + 1 : n;
	*rest = (struct sdp_str){rest->p + used, rest->l - used};
	return true;
}

static int fail(struct parser *ps, const char *why)
{
	ps->why = why;
	return -EINVAL;
}

/* o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address> */
static int origin(struct parser *ps, struct sdp_str v)
{
	struct sdp_origin *o = &ps->s->origin;
	struct sdp_str nt, at, addr;
	uint64_t n;
	if (ps->have_o)
		return fail(ps, "more than one o= line");
	ps->have_o = true;
	if (!sdp_str_field(&v, &o->user) || !sdp_str_field(&v, &o->id) || !sdp_str_field(&v, &o->version) ||
	    !sdp_str_field(&v, &nt) || !sdp_str_field(&v, &at) || !sdp_str_field(&v, &addr) || v.l)
		return fail(ps, "bad o= line");
	/* Digits of any length (RFC 8866 only asks for digits): kept as text. */
	if (sdp_str_u64(&o->id, UINT64_MAX, &n) == -EINVAL || sdp_str_u64(&o->version, UINT64_MAX, &n) == -EINVAL)
		return fail(ps, "bad o= line");
	return sdp_conn_parse(&o->addr, &nt, &at, &addr, false, &ps->why);
}

/* c=<nettype> <addrtype> <connection-address> */
static int connection(struct parser *ps, struct sdp_str v)
{
	struct sdp_conn *c = ps->m ? &ps->m->conn : &ps->s->conn;
	struct sdp_str nt, at, addr;
	if (c->type != SDP_ADDR_NONE)
		return fail(ps, "more than one c= line");
	if (!sdp_str_field(&v, &nt) || !sdp_str_field(&v, &at) || !sdp_str_field(&v, &addr) || v.l)
		return fail(ps, "bad c= line");
	return sdp_conn_parse(c, &nt, &at, &addr, true, &ps->why);
}

/* t=<start-time> <stop-time>: the first is modelled; later ones stay in `lines`. */
static int timing(struct parser *ps, struct sdp_str v)
{
	struct sdp_str rest = v, start, stop;
	uint64_t n;
	if (!sdp_str_field(&rest, &start) || !sdp_str_field(&rest, &stop) || rest.l ||
	    sdp_str_u64(&start, UINT64_MAX, &n) || sdp_str_u64(&stop, UINT64_MAX, &n))
		return fail(ps, "bad t= line");
	if (!ps->s->timing.p)
		ps->s->timing = v;
	return 0;
}

static enum sdp_media_type media_type(const struct sdp_str *s)
{
	static const char *const names[] = {"", "audio", "video", "text", "application", "message", "image"};
	for (size_t i = 1; i < sizeof(names) / sizeof(names[0]); i++)
		if (sdp_str_eq(s, names[i]))
			return (enum sdp_media_type)i;
	return SDP_MEDIA_OTHER;
}

static enum sdp_proto proto_id(const struct sdp_str *p)
{
	if (sdp_str_caseeq_cstr(p, "RTP/AVP"))
		return SDP_RTP_AVP;
	if (sdp_str_caseeq_cstr(p, "RTP/AVPF"))
		return SDP_RTP_AVPF;
	static const char *const secure[] = {"RTP/SAVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF"};
	for (size_t i = 0; i < 4; i++)
		if (sdp_str_caseeq_cstr(p, secure[i]))
			return SDP_RTP_SECURE;
	return SDP_PROTO_OTHER;
}

static bool fmt_listed(const struct sdp_media *m, const struct sdp_str *id)
{
	for (size_t i = 0; i < m->nfmts; i++)
		if (m->fmts[i].id.l == id->l && memcmp(m->fmts[i].id.p, id->p, id->l) == 0)
			return true;
	return false;
}

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ... */
static int media(struct parser *ps, struct sdp_str v)
{
	struct sdp_session *s = ps->s;
	if (s->nmedia == SDP_MAX_MEDIA)
		return fail(ps, "too many m= lines");
	struct sdp_media *m = &s->media[s->nmedia++];
	ps->m = m;
	m->dir = SDP_DIR_NONE;
	m->nports = 1;

	struct sdp_str port, count, proto;
	uint32_t n;
	if (!sdp_str_field(&v, &m->media) || !sdp_str_field(&v, &port) || !sdp_str_field(&v, &proto))
		return fail(ps, "bad m= line");
	m->type = media_type(&m->media);
	m->proto = proto;
	m->proto_id = proto_id(&proto);
	if (sdp_str_split(&port, '/', &port, &count)) {
		if (sdp_str_u32(&count, 65535, &n) || n == 0)
			return fail(ps, "bad port in m= line");
		m->nports = (uint16_t)n;
	}
	if (sdp_str_u32(&port, 65535, &n))
		return fail(ps, "bad port in m= line");
	m->port = (uint16_t)n;

	m->fmt_list = v;
	while (m->fmt_list.l && m->fmt_list.p[m->fmt_list.l - 1] == ' ')
		m->fmt_list.l--;
	struct sdp_str f;
	while (sdp_str_field(&v, &f)) {
		bool rtp = m->proto_id != SDP_PROTO_OTHER;
		if (rtp && sdp_str_u32(&f, 127, &n))
			return fail(ps, "bad payload type in m= line");
		/* A format listed twice is one format (its attributes name it once). */
		if (rtp ? sdp_media_fmt(m, (int)n) != NULL : fmt_listed(m, &f))
			continue;
		if (m->nfmts == SDP_MAX_FMTS) {
			m->fmts_truncated = true;
			continue;
		}
		struct sdp_fmt *fmt = &m->fmts[m->nfmts++];
		fmt->id = f;
		fmt->pt = rtp ? (int)n : -1;
		fmt->channels = 1;
		if (rtp)
			(void)sdp_static_pt(fmt->pt, &fmt->name, &fmt->rate, &fmt->channels);
	}
	/* A rejected stream needs no format (and some agents send none). */
	if (m->nfmts == 0 && m->port != 0)
		return fail(ps, "m= line without formats");
	return 0;
}

static bool only_blank_lines(struct sdp_str rest)
{
	struct sdp_str line;
	while (sdp_next_line(&rest, &line))
		if (line.l)
			return false;
	return true;
}

static int session_line(struct parser *ps, char type, struct sdp_str v)
{
	switch (type) {
	case 'o':
		return origin(ps, v);
	case 's':
		if (ps->have_s)
			return fail(ps, "more than one s= line");
		ps->have_s = true;
		ps->s->name = v;
		return 0;
	case 'c':
		return connection(ps, v);
	case 't':
		return timing(ps, v);
	case 'a':
		return sdp_attr_apply(ps->s, NULL, &v, &ps->why);
	case 'i': case 'u': case 'e': case 'p': case 'b': case 'r': case 'z': case 'k':
		return 0;
	default:
		return fail(ps, "unknown SDP line type");
	}
}

static int media_line(struct parser *ps, char type, struct sdp_str v)
{
	switch (type) {
	case 'c':
		return connection(ps, v);
	case 'a':
		return sdp_attr_apply(ps->s, ps->m, &v, &ps->why);
	case 'i': case 'b': case 'k':
		return 0;
	case 'v': case 'o': case 's': case 'u': case 'e': case 'p': case 't': case 'r': case 'z':
		return fail(ps, "session-level line inside a media description");
	default:
		return fail(ps, "unknown SDP line type");
	}
}

/* One line: checks its shape, then hands it to the level it belongs to. */
static int one_line(struct parser *ps, const struct sdp_str *line, unsigned n)
{
	for (size_t i = 0; i < line->l; i++)
		if (line->p[i] == '\0' || line->p[i] == '\r')
			return fail(ps, "control character in SDP line");
	if (line->l < 2 || line->p[1] != '=' || line->p[0] < 'a' || line->p[0] > 'z')
		return fail(ps, "malformed SDP line");
	char type = line->p[0];
	struct sdp_str v = {line->p + 2, line->l - 2};
	if (n == 1)
		return type == 'v' && sdp_str_eq(&v, "0") ? 0 : fail(ps, "SDP does not start with v=0");
	if (type == 'v')
		return fail(ps, "v= line not first");
	if (type == 'm') {
		if (!ps->have_o || !ps->have_s)
			return fail(ps, ps->have_o ? "missing s= line" : "missing o= line");
		return media(ps, v);
	}
	return ps->m ? media_line(ps, type, v) : session_line(ps, type, v);
}

/* Each level's `lines` view runs from its first line to the next m= line. */
static void set_spans(const struct parser *ps, const char *buf, size_t len)
{
	struct sdp_session *s = ps->s;
	const char *end = buf + len;
	s->lines = (struct sdp_str){buf, (size_t)((s->nmedia ? ps->m_line[0] : end) - buf)};
	for (size_t i = 0; i < s->nmedia; i++) {
		const char *stop = i + 1 < s->nmedia ? ps->m_line[i + 1] : end;
		s->media[i].lines = (struct sdp_str){ps->m_body[i], (size_t)(stop - ps->m_body[i])};
	}
}

int sdp_parse(struct sdp_session *s, const char *buf, size_t len, const char **why)
{
	struct parser ps = {.s = s};
	const char *ignored;
	if (!why)
		why = &ignored;
	memset(s, 0, sizeof(*s));
	s->dir = SDP_DIR_NONE;

	struct sdp_str rest = {buf, len}, line;
	unsigned n = 0;
	int err = 0;
	while (!err && sdp_next_line(&rest, &line)) {
		n++;
		size_t nmedia = s->nmedia;
		if (line.l == 0) {
			/* Blank lines may end the body (a stray CRLF), nothing else. */
			if (n == 1 || !only_blank_lines(rest))
				err = fail(&ps, "empty line in SDP");
			break;
		}
		err = one_line(&ps, &line, n);
		if (s->nmedia > nmedia) {
			ps.m_line[nmedia] = line.p;
			ps.m_body[nmedia] = rest.p;
		}
	}
	if (err) {
		s->err_line = n;
		*why = ps.why;
		return err;
	}
	/* What only the whole body can tell names no line. */
	if (n == 0)
		err = fail(&ps, "empty SDP");
	else if (!ps.have_o || !ps.have_s)
		err = fail(&ps, ps.have_o ? "missing s= line" : "missing o= line");
	for (size_t i = 0; !err && i < s->nmedia; i++) {
		const struct sdp_media *m = &s->media[i];
		if (m->port != 0 && m->conn.type == SDP_ADDR_NONE && s->conn.type == SDP_ADDR_NONE)
			err = fail(&ps, "no c= line for a media stream");
	}
	if (err) {
		*why = ps.why;
		return err;
	}
	set_spans(&ps, buf, len);
	return 0;
}

enum sdp_dir sdp_media_dir(const struct sdp_session *sess, const struct sdp_media *m)
{
	if (m->dir != SDP_DIR_NONE)
		return m->dir;
	return sess->dir != SDP_DIR_NONE ? sess->dir : SDP_SENDRECV;
}

const struct sdp_conn *sdp_media_conn(const struct sdp_session *sess, const struct sdp_media *m)
{
	return m->conn.type != SDP_ADDR_NONE ? &m->conn : &sess->conn;
}

const struct sdp_fmt *sdp_media_fmt(const struct sdp_media *m, int pt)
{
	for (size_t i = 0; i < m->nfmts; i++)
		if (m->fmts[i].pt == pt)
			return &m->fmts[i];
	return NULL;
}

const char *sdp_dir_name(enum sdp_dir d)
{
	static const char *const names[] = {"inactive", "sendonly", "recvonly", "sendrecv", ""};
	return (unsigned)d <= SDP_DIR_NONE ? names[d] : "";
}

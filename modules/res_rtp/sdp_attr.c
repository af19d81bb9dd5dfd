/*
 * sdp_attr.c: the a= lines Strowger models: rtpmap and fmtp (RFC 8866 §6.6, §6.15),
 * ptime and maxptime (§6.4, §6.5), the directions (§6.7), rtcp (RFC 3605) and
 * rtcp-mux (RFC 5761); the static payload types of RFC 3551; walking other a= lines.
 */
#include <errno.h>

#include "sdp_int.h"

struct static_pt {
	uint8_t pt;
	uint8_t channels;
	uint32_t rate;
	const char *name;
};

/* RFC 3551 §6, tables 4 (audio) and 5 (video). */
static const struct static_pt static_pts[] = {
	{0, 1, 8000, "PCMU"},	 {3, 1, 8000, "GSM"},	  {4, 1, 8000, "G723"},	  {5, 1, 8000, "DVI4"},
	{6, 1, 16000, "DVI4"},	 {7, 1, 8000, "LPC"},	  {8, 1, 8000, "PCMA"},	  {9, 1, 8000, "G722"},
	{10, 2, 44100, "L16"},	 {11, 1, 44100, "L16"},	  {12, 1, 8000, "QCELP"}, {13, 1, 8000, "CN"},
	{14, 1, 90000, "MPA"},	 {15, 1, 8000, "G728"},	  {16, 1, 11025, "DVI4"}, {17, 1, 22050, "DVI4"},
	{18, 1, 8000, "G729"},	 {25, 1, 90000, "CelB"},  {26, 1, 90000, "JPEG"}, {28, 1, 90000, "nv"},
	{31, 1, 90000, "H261"},	 {32, 1, 90000, "MPV"},	  {33, 1, 90000, "MP2T"}, {34, 1, 90000, "H263"},
};

bool sdp_static_pt(int pt, struct sdp_str *name, uint32_t *rate, uint16_t *channels)
{
	for (size_t i = 0; i < sizeof(static_pts) / sizeof(static_pts[0]); i++) {
		if (static_pts[i].pt == pt) {
			*name = sdp_str_of(static_pts[i].name);
			*rate = static_pts[i].rate;
			*channels = static_pts[i].channels;
			return true;
		}
	}
	return false;
}

static const char *const modelled[] = {
	"sendrecv", "sendonly", "recvonly", "inactive", "rtpmap", "fmtp", "ptime", "maxptime", "rtcp", "rtcp-mux",
};

bool sdp_attr_modelled(const struct sdp_str *name)
{
	for (size_t i = 0; i < sizeof(modelled) / sizeof(modelled[0]); i++)
		if (sdp_str_eq(name, modelled[i]))
			return true;
	return false;
}

/* The format an attribute names: by payload type number for RTP ("08" is 8), by
 * text otherwise. */
static struct sdp_fmt *fmt_by_id(struct sdp_media *m, const struct sdp_str *id)
{
	uint32_t pt;
	bool rtp = m->proto_id != SDP_PROTO_OTHER;
	if (rtp && sdp_str_u32(id, 127, &pt) != 0)
		return NULL;
	for (size_t i = 0; i < m->nfmts; i++) {
		struct sdp_fmt *f = &m->fmts[i];
		if (rtp ? f->pt == (int)pt : (f->id.l == id->l && memcmp(f->id.p, id->p, id->l) == 0))
			return f;
	}
	return NULL;
}

/* a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] */
static int rtpmap(struct sdp_media *m, const struct sdp_str *v, const char **why)
{
	struct sdp_str rest = *v, pt, enc, name, after, rate, chans = {0};
	uint32_t n, r, ch = 1;
	if (!sdp_str_field(&rest, &pt) || !sdp_str_field(&rest, &enc) || rest.l ||
	    sdp_str_u32(&pt, 127, &n) || !sdp_str_split(&enc, '/', &name, &after) || name.l == 0)
		goto bad;
	if (!sdp_str_split(&after, '/', &rate, &chans))
		rate = after;
	if (sdp_str_u32(&rate, UINT32_MAX, &r) || r == 0 || (chans.p && sdp_str_u32(&chans, 255, &ch)) || ch == 0)
		goto bad;
	struct sdp_fmt *f = m->proto_id != SDP_PROTO_OTHER ? fmt_by_id(m, &pt) : NULL;
	if (!f)
		return 0; /* not a format of this stream: ignored */
	if (f->rtpmap) {
		*why = "two a=rtpmap lines for one payload type";
		return -EINVAL;
	}
	f->rtpmap = true;
	f->name = name;
	f->rate = r;
	f->channels = (uint16_t)ch;
	return 0;
bad:
	*why = "bad a=rtpmap line";
	return -EINVAL;
}

/* a=fmtp:<format> <format specific parameters> */
static int fmtp(struct sdp_media *m, const struct sdp_str *v, const char **why)
{
	struct sdp_str id, params;
	if (!sdp_str_split(v, ' ', &id, &params) || id.l == 0) {
		*why = "bad a=fmtp line";
		return -EINVAL;
	}
	struct sdp_fmt *f = fmt_by_id(m, &id);
	if (!f)
		return 0;
	if (f->fmtp.p) {
		*why = "two a=fmtp lines for one format";
		return -EINVAL;
	}
	while (params.l && params.p[0] == ' ') {
		params.p++;
		params.l--;
	}
	f->fmtp = params;
	return 0;
}

/* A packet time in milliseconds: digits, optionally ".digits" (dropped). */
static int millis(const struct sdp_str *v, uint32_t *ms)
{
	struct sdp_str whole = *v, frac;
	if (sdp_str_split(v, '.', &whole, &frac)) {
		uint32_t ignored;
		if (frac.l && sdp_str_u32(&frac, UINT32_MAX, &ignored) != 0)
			return -EINVAL;
	}
	/* Above 10 s no packet time makes sense: a typo or an attack on our buffers. */
	if (sdp_str_u32(&whole, 10000, ms) || *ms == 0)
		return -EINVAL;
	return 0;
}

/* a=rtcp:<port> [<nettype> <addrtype> <connection-address>] */
static int rtcp(struct sdp_media *m, const struct sdp_str *v, const char **why)
{
	struct sdp_str rest = *v, port, nt, at, addr;
	uint32_t p;
	if (!sdp_str_field(&rest, &port) || sdp_str_u32(&port, 65535, &p) || p == 0) {
		*why = "bad a=rtcp line";
		return -EINVAL;
	}
	m->rtcp_port = (uint16_t)p;
	if (rest.l == 0)
		return 0;
	if (!sdp_str_field(&rest, &nt) || !sdp_str_field(&rest, &at) || !sdp_str_field(&rest, &addr) || rest.l) {
		*why = "bad a=rtcp line";
		return -EINVAL;
	}
	return sdp_conn_parse(&m->rtcp_conn, &nt, &at, &addr, false, why);
}

static int direction(enum sdp_dir *at, enum sdp_dir d, const char **why)
{
	if (*at != SDP_DIR_NONE) {
		*why = "more than one direction attribute";
		return -EINVAL;
	}
	*at = d;
	return 0;
}

int sdp_attr_apply(struct sdp_session *s, struct sdp_media *m, const struct sdp_str *value, const char **why)
{
	struct sdp_str name = *value, v = {0};
	bool has_value = sdp_str_split(value, ':', &name, &v);
	enum sdp_dir *dir = m ? &m->dir : &s->dir;

	if (!has_value) {
		static const struct {
			const char *name;
			enum sdp_dir dir;
		} dirs[] = {{"sendrecv", SDP_SENDRECV}, {"sendonly", SDP_SENDONLY},
			    {"recvonly", SDP_RECVONLY}, {"inactive", SDP_INACTIVE}};
		for (size_t i = 0; i < 4; i++)
			if (sdp_str_eq(&name, dirs[i].name))
				return direction(dir, dirs[i].dir, why);
		if (m && sdp_str_eq(&name, "rtcp-mux"))
			m->rtcp_mux = true;
		return 0;
	}
	/* The rest are media-level attributes; at session level they mean nothing. */
	if (!m)
		return 0;
	if (sdp_str_eq(&name, "rtpmap"))
		return rtpmap(m, &v, why);
	if (sdp_str_eq(&name, "fmtp"))
		return fmtp(m, &v, why);
	if (sdp_str_eq(&name, "ptime") || sdp_str_eq(&name, "maxptime")) {
		bool max = name.l == 8;
		if (millis(&v, max ? &m->maxptime : &m->ptime) != 0) {
			*why = max ? "bad a=maxptime line" : "bad a=ptime line";
			return -EINVAL;
		}
		return 0;
	}
	if (sdp_str_eq(&name, "rtcp"))
		return rtcp(m, &v, why);
	return 0;
}

bool sdp_attr_next(struct sdp_str *it, struct sdp_str *name, struct sdp_str *value)
{
	struct sdp_str line;
	while (sdp_next_line(it, &line)) {
		if (line.l < 2 || line.p[0] != 'a' || line.p[1] != '=')
			continue;
		struct sdp_str attr = {line.p + 2, line.l - 2};
		if (!sdp_str_split(&attr, ':', name, value)) {
			*name = attr;
			*value = (struct sdp_str){0};
		}
		return true;
	}
	return false;
}

bool sdp_attr_find(const struct sdp_str *lines, const char *name, struct sdp_str *value)
{
	struct sdp_str it = *lines, n, v;
	while (sdp_attr_next(&it, &n, &v)) {
		if (sdp_str_eq(&n, name)) {
			*value = v;
			return true;
		}
	}
	return false;
}

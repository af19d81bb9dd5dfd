/*
 * sdp.h: a session description (RFC 8866, formerly RFC 4566) as Strowger models it,
 * and its parser. The same struct is what sdp_parse() fills from a received body and
 * what the PBX fills (sdp_oa.h builds offers and answers) for sdp_print() to write.
 *
 * Ownership: nothing is allocated or copied. Every text field is a view (sdp_str.h)
 * into the parsed buffer, or, in a description the PBX builds, into the offer it
 * answers, the caller's codec table or string literals; the struct is only valid
 * while those live. The struct is large (SDP_MAX_MEDIA media of SDP_MAX_FMTS formats,
 * about 19 KiB on x86-64): keep it in the dialog or on the heap, not in a small stack
 * frame.
 * Pure code (libc only), no global state: any thread may parse and print, each on its
 * own struct.
 *
 * What the parser checks (a failure returns -EINVAL and a reason fit for the phrase
 * of a "488 Not Acceptable Here"; sess->err_line says which line, from 1):
 *   - lines end in CRLF or LF (the last may end the buffer); no NUL, no lone CR;
 *     each is a lower-case letter, '=', a value; blank lines only at the end;
 *   - "v=0" first; one o= and one s= (s= may be empty, as RFC 3264's examples are);
 *     only the letters RFC 8866 defines (vosiuepcbtrzkam) and, after the first m=,
 *     only i c b k a; an unknown letter rejects the whole description (§5);
 *   - o=: six fields, numeric session id and version; c=: "IN IP4|IP6 address", the
 *     address an IPv4 or IPv6 literal (checked with inet_pton) or a domain name, with
 *     an optional multicast "/ttl[/count]"; one c= per level;
 *   - m=: media, port[/count], proto, formats; RTP formats are payload types 0-127
 *     (a number listed twice counts once; attributes name formats by number, so
 *     "08" is 8); at least one format unless the port is 0; a stream with a port needs a c=
 *     (its own or the session's); at most SDP_MAX_MEDIA m= lines;
 *   - the attributes Strowger uses: rtpmap, fmtp, ptime, maxptime, rtcp, rtcp-mux and
 *     the four directions (one per level); a malformed one is an error, an rtpmap or
 *     fmtp for a format the m= line does not list is ignored.
 * Kept without interpretation: i= u= e= p= b= t= r= z= k= and other a= lines, which
 * the `lines` view of each level covers (sdp_attr_next() walks its a= lines) and
 * sdp_print() copies. Only the first SDP_MAX_FMTS formats of an m= line are modelled
 * (fmts_truncated says so); fmt_list still holds all of them.
 */
#ifndef SDP_H
#define SDP_H

#include "sdp_str.h"

#define SDP_MAX_MEDIA 8
#define SDP_MAX_FMTS 32

/* Directions as two bits, so answering is bit arithmetic (sdp_oa.c). */
enum sdp_dir {
	SDP_INACTIVE = 0,
	SDP_SENDONLY = 1, /* SDP_DIR_SEND */
	SDP_RECVONLY = 2, /* SDP_DIR_RECV */
	SDP_SENDRECV = 3,
	SDP_DIR_NONE = 4, /* no direction attribute at this level */
};
#define SDP_DIR_SEND 1u
#define SDP_DIR_RECV 2u

enum sdp_addrtype {
	SDP_ADDR_NONE = 0, /* no such line */
	SDP_IP4,
	SDP_IP6,
};

/* A connection address: c=, the address of o=, or that of a=rtcp. */
struct sdp_conn {
	enum sdp_addrtype type;
	struct sdp_str addr; /* as written, without a "/ttl" suffix */
	bool is_name;	     /* a domain name, not an address literal */
	bool is_null;	     /* 0.0.0.0 or :: (RFC 2543 hold, RFC 3264 §8.4) */
	bool multicast;	     /* a "/ttl[/count]" suffix followed */
	struct sdp_str suffix; /* that suffix without its first '/'; unset if none */
	uint8_t ip[16];	     /* the literal in network order (4 bytes for IP4) */
};

enum sdp_media_type {
	SDP_MEDIA_OTHER = 0,
	SDP_AUDIO,
	SDP_VIDEO,
	SDP_TEXT,
	SDP_APPLICATION,
	SDP_MESSAGE,
	SDP_IMAGE,
};

enum sdp_proto {
	SDP_PROTO_OTHER = 0, /* udptl, TCP/MSRP, ... */
	SDP_RTP_AVP,	     /* RTP/AVP (RFC 3551) */
	SDP_RTP_AVPF,	     /* RTP/AVPF (RFC 4585) */
	SDP_RTP_SECURE,	     /* RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVP[F]: SRTP */
};

/* One format of an m= line with what a=rtpmap / a=fmtp say about it. */
struct sdp_fmt {
	struct sdp_str id;   /* as in the m= line: "0", "101", "*" */
	int pt;		     /* payload type 0-127 for RTP protos, else -1 */
	struct sdp_str name; /* encoding name from a=rtpmap, else from the static
				payload types of RFC 3551; unset if unknown */
	uint32_t rate;	     /* RTP clock rate; 0 if unknown */
	uint16_t channels;   /* 1 unless a=rtpmap says otherwise */
	bool rtpmap;	     /* name and rate came from an a=rtpmap line */
	struct sdp_str fmtp; /* a=fmtp parameters; unset if none */
};

struct sdp_media {
	struct sdp_str media; /* "audio" */
	enum sdp_media_type type;
	uint16_t port;	   /* 0: stream rejected or disabled */
	uint16_t nports;   /* the "/count" of the port; 1 without */
	struct sdp_str proto; /* "RTP/AVP" */
	enum sdp_proto proto_id;
	struct sdp_str fmt_list; /* every format of the m= line, as written */
	struct sdp_fmt fmts[SDP_MAX_FMTS];
	size_t nfmts;
	bool fmts_truncated; /* the m= line listed more than SDP_MAX_FMTS */
	struct sdp_conn conn; /* media-level c=; type SDP_ADDR_NONE if none */
	enum sdp_dir dir;     /* as written at this level */
	uint32_t ptime;	      /* a=ptime in ms (a fraction dropped); 0: none */
	uint32_t maxptime;    /* a=maxptime in ms; 0: none */
	uint16_t rtcp_port;   /* a=rtcp (RFC 3605); 0: none (RTCP on port + 1) */
	struct sdp_conn rtcp_conn; /* its address, if it gave one */
	bool rtcp_mux;		   /* a=rtcp-mux (RFC 5761) */
	struct sdp_str lines;	   /* the section's lines after m= (printer extras) */
};

struct sdp_origin {
	struct sdp_str user;	/* "-" when anonymous */
	struct sdp_str id;	/* session id digits */
	struct sdp_str version; /* session version digits */
	struct sdp_conn addr;
};

struct sdp_session {
	struct sdp_origin origin;
	struct sdp_str name;   /* s= (may be empty) */
	struct sdp_conn conn;  /* session-level c= */
	struct sdp_str timing; /* the first t= value ("0 0"); unset prints "0 0" */
	enum sdp_dir dir;      /* session-level direction; SDP_DIR_NONE if absent */
	struct sdp_str lines;  /* the session-level lines (printer extras) */
	struct sdp_media media[SDP_MAX_MEDIA];
	size_t nmedia;
	unsigned err_line; /* after a parse error: the line at fault (1-based), or 0 */
	/* Room for text sdp_answer() makes up (the telephone-event list it answers). */
	char scratch[96];
	/* The a=crypto lines (RFC 4568) of a description the PBX builds: the audio
	 * stream's `lines` view points here. */
	char crypto[224];
};

/*
 * Parses len bytes of buf (not NUL-terminated). 0, or -EINVAL with *why (if not NULL)
 * a static reason; sess is overwritten either way.
 */
int sdp_parse(struct sdp_session *sess, const char *buf, size_t len, const char **why);

/* The direction that applies to a stream: its own, else the session's, else sendrecv. */
enum sdp_dir sdp_media_dir(const struct sdp_session *sess, const struct sdp_media *m);
/* The connection that applies to a stream (its own c=, else the session's). */
const struct sdp_conn *sdp_media_conn(const struct sdp_session *sess, const struct sdp_media *m);
/* A format of the stream by payload type, or NULL. */
const struct sdp_fmt *sdp_media_fmt(const struct sdp_media *m, int pt);
/* "sendrecv", ...; "" for SDP_DIR_NONE. */
const char *sdp_dir_name(enum sdp_dir d);

/*
 * Walks the a= lines of a level's `lines` view: set *it to the view, then each call
 * gives the next attribute's name and value (value unset for a flag like a=rtcp-mux).
 * Returns false at the end.
 */
bool sdp_attr_next(struct sdp_str *it, struct sdp_str *name, struct sdp_str *value);
/* The value of the first a=NAME in lines (case-sensitive, RFC 8866 §5.13). */
bool sdp_attr_find(const struct sdp_str *lines, const char *name, struct sdp_str *value);

/*
 * The next line of an SDP text: *line gets it without its CRLF or LF, *rest what
 * follows. False when rest is empty. Used by the parser and the printer's extras.
 */
bool sdp_next_line(struct sdp_str *rest, struct sdp_str *line);

#endif

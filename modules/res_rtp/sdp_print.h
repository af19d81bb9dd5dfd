/*
 * sdp_print.h: writing a struct sdp_session (sdp.h) as SDP text into a caller buffer,
 * with CRLF line ends, in the line order RFC 8866 §5 prescribes: v o s i u e p c b t
 * r z k a at session level, then per stream m i c b k a. Modelled fields come from
 * the struct; the other lines of each level's `lines` view (as the parser left it,
 * or text the caller supplies) are copied in their group, so parse -> print -> parse
 * keeps them. Unset fields print as RFC 8866 suggests ("-" for the origin user and
 * the session name, "t=0 0"). A stream without formats (a rejected one the PBX
 * answers) prints its fmt_list instead.
 *
 * Returns 0 with *outlen set and out NUL-terminated, -ENOSPC if out is too small, or
 * -EINVAL if a field holds CR, LF or NUL (no line injection). No allocation, no
 * state but what the caller passes: any thread.
 */
#ifndef SDP_PRINT_H
#define SDP_PRINT_H

#include "sdp.h"

int sdp_print(char *out, size_t size, size_t *outlen, const struct sdp_session *s);

/*
 * The o= line of the PBX's own descriptions, one per dialog (RFC 3264 §8: within a
 * dialog, the session id stays and the version grows by one each time the
 * description changes, and only then). Set id and version once (e.g. both to the
 * same random or time value), zero the rest; then print every offer and answer of
 * the dialog through sdp_print_versioned().
 */
struct sdp_version {
	uint64_t id;	  /* o= session id */
	uint64_t version; /* o= version of the last description printed */
	uint64_t digest;  /* of that description without its o= line */
	bool printed;	  /* one has been printed */
};

/* sdp_print() with s->origin's id and version replaced by v's; the version is
 * incremented first when the description differs from the last one printed. */
int sdp_print_versioned(char *out, size_t size, size_t *outlen, const struct sdp_session *s,
			struct sdp_version *v);

#endif

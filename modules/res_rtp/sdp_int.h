/*
 * sdp_int.h: what the SDP files share among themselves and nothing else includes:
 * the connection-address and attribute parsers the line parser calls, the static
 * payload types and the list of attributes the model holds (which the printer must
 * not copy twice from a `lines` view). Pure functions, no state.
 */
#ifndef SDP_INT_H
#define SDP_INT_H

#include "sdp.h"

/*
 * Fills c from the three fields "IN" "IP4|IP6" "address". multicast: a "/ttl[/count]"
 * suffix is allowed (c= lines). 0 or -EINVAL with *why set.
 */
int sdp_conn_parse(struct sdp_conn *c, const struct sdp_str *nettype, const struct sdp_str *addrtype,
		   const struct sdp_str *addr, bool multicast, const char **why);

/* Applies one a= line (its value after "a=") to the session (m == NULL) or a stream. */
int sdp_attr_apply(struct sdp_session *s, struct sdp_media *m, const struct sdp_str *value, const char **why);

/* True for attributes the model holds (rtpmap, fmtp, ptime, directions, ...). */
bool sdp_attr_modelled(const struct sdp_str *name);

/* RFC 3551 tables 4 and 5: the static payload types. False if pt is not one. */
bool sdp_static_pt(int pt, struct sdp_str *name, uint32_t *rate, uint16_t *channels);

#endif

/*
 * bridge.c: the "rtp-relay" bridge technology: when the core bridges two legs that
 * each have an RTP session (sg_chan_rtp), their sessions are relayed to each other;
 * when the bridge ends, the relay stops and both sessions stay with their legs.
 */
#include <errno.h>
#include <string.h>

#include <strowger/bridge.h>
#include <strowger/log.h>

#include "media.h"

static int join(struct sg_bridge *br, struct sg_channel *a, struct sg_channel *b)
{
	struct sg_rtp_session *sa = sg_chan_rtp(a), *sb = sg_chan_rtp(b);
	if (!sa || !sb) {
		/* A leg without RTP (a test leg): nothing to carry, and nothing lost. */
		SG_DEBUG(TAG, "bridge %s <-> %s: a leg has no RTP session, signalling only", sg_chan_name(a),
			 sg_chan_name(b));
		return 0;
	}
	struct sg_rtp_relay *r = NULL;
	int rc = media_api.bridge(sa, sb, &r);
	if (rc) {
		SG_WARNING(TAG, "bridge %s <-> %s: cannot relay their RTP: %s", sg_chan_name(a), sg_chan_name(b),
			   rc == -EXDEV ? "the sessions are on different media workers" : strerror(-rc));
		return rc;
	}
	sg_bridge_set_media(br, r);
	return 0;
}

static void leave(struct sg_bridge *br)
{
	struct sg_rtp_relay *r = sg_bridge_media(br);
	if (r)
		media_api.unbridge(r);
	sg_bridge_set_media(br, NULL);
}

static const struct sg_bridge_tech relay_tech = {.name = "rtp-relay", .join = join, .leave = leave};

int media_bridge_register(struct sg_module *m) { return sg_bridge_tech_register(m, &relay_tech); }
void media_bridge_unregister(void) { sg_bridge_tech_unregister(&relay_tech); }

/*
 * srtp_session.c: a session's SRTP on its worker: the contexts OP_SRTP sets, and
 * the checks on each packet in and out, with the counters `rtp show sessions` and
 * the stats show, and a log line for authentication failures at most every 10 s.
 * Worker thread only (the session's own).
 */
#include <stdio.h>
#include <string.h>

#include <strowger/log.h>

#include "media.h"

#define SRTP_LOG_EVERY_MS 10000u

/* One direction: keep a context whose suite and key are unchanged (its rollover
 * counter and replay window go on), else make a new one. */
static struct media_srtp *direction(struct media_session *s, struct media_srtp *cur, enum sdp_srtp_suite suite,
				    const uint8_t *key, bool outbound)
{
	if (media_srtp_same(cur, suite, key))
		return cur;
	media_srtp_free(cur);
	struct media_srtp *c = media_srtp_new(suite, key, outbound);
	if (!c)
		SG_ERROR(TAG, "session %u (%s): cannot set up SRTP (%s); its packets %s are dropped", s->id, s->name,
			 sdp_srtp_suite_name(suite), outbound ? "to the phone" : "from the phone");
	return c;
}

void media_srtp_apply(struct media_session *s, struct media_srtp_keys *k)
{
	if (!k->on) {
		media_srtp_free(s->srtp_tx);
		media_srtp_free(s->srtp_rx);
		s->srtp_tx = s->srtp_rx = NULL;
		s->srtp_on = false;
		s->live.srtp[0] = '\0';
	} else {
		s->srtp_on = true;
		s->srtp_tx = direction(s, s->srtp_tx, k->suite, k->tx, true);
		s->srtp_rx = direction(s, s->srtp_rx, k->suite, k->rx, false);
		snprintf(s->live.srtp, sizeof(s->live.srtp), "%s", sdp_srtp_suite_name(k->suite));
	}
	explicit_bzero(k, sizeof(*k));
	media_publish(s);
}

static void log_failure(struct media_session *s, uint64_t now_ms)
{
	uint64_t fails = s->live.srtp_auth_failed;
	if (s->srtp_logged_ms && now_ms - s->srtp_logged_ms < SRTP_LOG_EVERY_MS)
		return;
	SG_NOTICE(TAG, "session %u (%s): SRTP authentication failed for %llu packet%s (dropped)", s->id, s->name,
		  (unsigned long long)(fails - s->srtp_logged_fails), fails - s->srtp_logged_fails == 1 ? "" : "s");
	s->srtp_logged_ms = now_ms ? now_ms : 1;
	s->srtp_logged_fails = fails;
}

bool media_srtp_rx(struct media_session *s, uint8_t *buf, size_t *len, bool rtcp)
{
	if (!s->srtp_rx) {
		s->live.rx_malformed++;
		return false;
	}
	switch (media_srtp_unprotect(s->srtp_rx, buf, len, rtcp)) {
	case MEDIA_SRTP_OK:
		return true;
	case MEDIA_SRTP_AUTH:
		s->live.srtp_auth_failed++;
		log_failure(s, media_now_us() / 1000);
		return false;
	case MEDIA_SRTP_REPLAY:
		s->live.srtp_replayed++;
		return false;
	case MEDIA_SRTP_BAD:
		break;
	}
	s->live.rx_malformed++;
	return false;
}

bool media_srtp_tx(struct media_session *s, uint8_t *buf, size_t *len, size_t cap, bool rtcp)
{
	if (s->srtp_tx && media_srtp_protect(s->srtp_tx, buf, len, cap, rtcp) == MEDIA_SRTP_OK)
		return true;
	s->live.tx_errors++;
	return false;
}

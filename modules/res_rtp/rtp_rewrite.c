/* rtp_rewrite.c: one continuous output stream (SSRC, sequence, timestamps) across source changes. */
#include <string.h>

#include "rtp_rewrite.h"

void rtp_rewrite_init(struct rtp_rewrite *rw, uint32_t ssrc_out, uint16_t seq0, uint32_t ts0)
{
	memset(rw, 0, sizeof(*rw));
	rw->ssrc_out = ssrc_out;
	rw->seq0 = seq0;
	rw->ts0 = ts0;
}

static uint32_t elapsed_units(uint64_t from_us, uint64_t to_us, uint32_t clock_rate)
{
	if (to_us <= from_us)
		return 0;
	return (uint32_t)((to_us - from_us) * clock_rate / 1000000u);
}

bool rtp_rewrite_apply(struct rtp_rewrite *rw, uint32_t ssrc, uint16_t *seq, uint32_t *ts, bool *marker,
		       uint64_t now_us, uint32_t clock_rate)
{
	if (!rw->started) {
		rw->started = true;
		rw->src = ssrc;
		rw->seq_off = (uint16_t)(rw->seq0 - *seq);
		rw->ts_off = rw->ts0 - *ts;
		rw->last_seq = (uint16_t)(rw->seq0 - 1);
		rw->last_ts = rw->ts0;
		rw->last_us = now_us;
	} else if (ssrc != rw->src) {
		if (rw->have_prev && ssrc == rw->prev_src && now_us - rw->switch_us < RTP_REWRITE_HOLDOFF_US) {
			rw->dropped++;
			return false;
		}
		/* Continue right after the newest packet sent, later by the time that passed. */
		rw->seq_off = (uint16_t)(rw->last_seq + 1 - *seq);
		rw->ts_off = rw->last_ts + elapsed_units(rw->last_us, now_us, clock_rate) - *ts;
		rw->have_prev = true;
		rw->prev_src = rw->src;
		rw->switch_us = now_us;
		rw->src = ssrc;
		rw->switches++;
		*marker = true;
	}
	*seq = (uint16_t)(*seq + rw->seq_off);
	*ts += rw->ts_off;
	/* Only a newer packet moves the reference; a reordered one keeps its mapping. */
	if ((int16_t)(*seq - rw->last_seq) > 0) {
		rw->last_seq = *seq;
		rw->last_ts = *ts;
		rw->last_us = now_us;
	}
	return true;
}

uint32_t rtp_rewrite_ts_at(const struct rtp_rewrite *rw, uint64_t now_us, uint32_t clock_rate)
{
	if (!rw->started)
		return rw->ts0;
	return rw->last_ts + elapsed_units(rw->last_us, now_us, clock_rate);
}

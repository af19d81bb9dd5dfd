/*
 * record.c: recording what a phone sends, on the session's worker: each packet is
 * decoded into a small sample queue, and every 20 ms the tick writes one frame to
 * the WAV (silence when nothing came, so the file keeps the call's time). Worker
 * thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/log.h>

#include "audio_codec.h"
#include "audio_rec.h"
#include "media.h"

#define RATE 8000
#define FRAME (RATE / 1000 * AUDIO_FRAME_MS)
#define QUEUE (MEDIA_REC_QUEUE * AUDIO_FRAME_MAX)
/* Below this a frame counts as silence for silence= (speech sits around -20 dBFS;
 * a quiet line's noise well under -50). */
#define SILENCE_DBFS -45.0

void media_rec_end(struct media_session *s, enum sg_rtp_end end, char digit, const char *error, int err)
{
	struct media_rec *r = s->rec;
	if (!r)
		return;
	s->rec = NULL;
	struct media_event e = {.id = r->id, .done = {.end = end, .digit = digit, .err = err}};
	e.done.ms = audio_rec_duration_ms(r->r);
	int rc = audio_rec_close(r->r);
	if (end == SG_RTP_END_ERROR && !error)
		error = strerror(-err);
	if (error)
		snprintf(e.done.error, sizeof(e.done.error), "%s", error);
	if (rc && end != SG_RTP_END_ERROR) {
		e.done.end = SG_RTP_END_ERROR;
		e.done.err = rc;
		snprintf(e.done.error, sizeof(e.done.error), "cannot save the recording: %s", strerror(-rc));
	}
	if (e.done.end == SG_RTP_END_ERROR)
		SG_WARNING(TAG, "session %u (%s): recording ended: %s (%u ms kept)", s->id, s->name, e.done.error,
			   e.done.ms);
	media_event_post(s->mw, s, MEDIA_EV_REC_DONE, &e);
	free(r);
}

void media_rec_start(struct media_session *s, struct media_rec *r, const char *path, uint32_t max_ms,
		     uint32_t silence_ms)
{
	if (s->rec)
		media_rec_end(s, SG_RTP_END_DONE, 0, NULL, 0);
	struct audio_rec_opts o = {.rate = RATE, .max_ms = max_ms, .silence_ms = silence_ms,
				   .silence_dbfs = SILENCE_DBFS};
	char err[200];
	if (audio_rec_open(&r->r, path, &o, err, sizeof(err))) {
		SG_WARNING(TAG, "session %u (%s): %s", s->id, s->name, err);
		struct media_event e = {.id = r->id, .done = {.end = SG_RTP_END_ERROR, .err = -EIO}};
		snprintf(e.done.error, sizeof(e.done.error), "%s", err);
		media_event_post(s->mw, s, MEDIA_EV_REC_DONE, &e);
		free(r);
		return;
	}
	r->start_ms = 0; /* the first tick after any beep */
	s->rec = r;
}

void media_rec_audio(struct media_session *s, bool other, uint8_t kind, const uint8_t *payload, size_t len)
{
	struct media_rec *r = s->rec;
	struct media_pcm_queue *q = &r->q[other];
	enum audio_codec c = media_audio_codec(kind);
	if (!r->start_ms || c == AUDIO_CODEC_NONE)
		return;
	int16_t pcm[AUDIO_FRAME_MAX * 4];
	size_t n = audio_codec_decode(c, payload, len < sizeof(pcm) / 2 ? len : sizeof(pcm) / 2, pcm);
	for (size_t i = 0; i < n; i++) {
		if (q->len == QUEUE) { /* the phone sends faster than the clock: drop the oldest */
			q->head = (q->head + 1) % QUEUE;
			q->len--;
		}
		q->s[(q->head + q->len++) % QUEUE] = pcm[i];
	}
}

static void pop_frame(struct media_pcm_queue *q, int16_t *frame)
{
	for (size_t i = 0; i < FRAME; i++) {
		if (q->len) {
			frame[i] = q->s[q->head];
			q->head = (q->head + 1) % QUEUE;
			q->len--;
		} else {
			frame[i] = 0;
		}
	}
}

void media_rec_tick(struct media_session *s, uint64_t now_ms)
{
	struct media_rec *r = s->rec;
	if (s->play && s->play->then_record)
		return; /* the beep first */
	if (!r->start_ms) {
		r->start_ms = now_ms;
		return;
	}
	uint64_t due = (now_ms - r->start_ms) / AUDIO_FRAME_MS;
	while (r->frames < due) {
		int16_t frame[FRAME], other[FRAME];
		pop_frame(&r->q[0], frame);
		if (r->both)
			pop_frame(&r->q[1], other);
		r->frames++;
		switch (r->both ? audio_rec_write_mix(r->r, frame, other) : audio_rec_write(r->r, frame)) {
		case AUDIO_REC_OK:
			continue;
		case AUDIO_REC_MAX:
			media_rec_end(s, SG_RTP_END_MAX, 0, NULL, 0);
			return;
		case AUDIO_REC_SILENCE:
			media_rec_end(s, SG_RTP_END_SILENCE, 0, NULL, 0);
			return;
		case AUDIO_REC_ERROR:
			media_rec_end(s, SG_RTP_END_ERROR, 0, NULL, -audio_rec_errno(r->r));
			return;
		}
	}
}

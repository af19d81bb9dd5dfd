/*
 * audio_frame.h: what the audio building blocks (audio_*.h) agree on. Audio inside
 * the media worker is signed 16-bit linear mono at a "call rate" of 8000 or 16000
 * Hz, moved in frames of 20 ms (160 or 320 samples), one per worker tick. Constants
 * and inline helpers only; any thread may use them.
 */
#ifndef AUDIO_FRAME_H
#define AUDIO_FRAME_H

#include <stdbool.h>
#include <stddef.h>

#define AUDIO_FRAME_MS 20
/* The samples of the largest frame: 20 ms at 16000 Hz. */
#define AUDIO_FRAME_MAX 320
/* The source rates the resampler and the file reader take. */
#define AUDIO_RATE_MIN 8000
#define AUDIO_RATE_MAX 192000

/* A rate frames may have: 8000 (G.711) or 16000 (wide band). */
static inline bool audio_call_rate_ok(unsigned rate)
{
	return rate == 8000 || rate == 16000;
}

/* The samples of one 20 ms frame at a call rate. */
static inline size_t audio_frame_samples(unsigned rate)
{
	return (size_t)rate * AUDIO_FRAME_MS / 1000;
}

#endif

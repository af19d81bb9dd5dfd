/*
 * audio_tone.h: tones and silence as 20 ms frames: the beep before a recording
 * (1000 Hz for 250 ms at -10 dBFS), ringback (European 425 Hz 1 s on / 4 s off,
 * North American 440 + 480 Hz 2 s on / 4 s off), or any one or two frequencies with
 * an on/off cadence. A generator is a small struct the caller owns (no allocation,
 * no I/O); each frame costs one sin() per sample and component. One thread at a time
 * per generator. Levels are per component, in dBFS where a full-scale sine is 0
 * (as audio_level_dbfs() measures): -10 dBFS is a peak of 10362.
 */
#ifndef AUDIO_TONE_H
#define AUDIO_TONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct audio_tone {
	unsigned rate;
	size_t frame;          /* samples per frame */
	double step[2];        /* phase increment per sample, in cycles (0: no component) */
	double phase[2];
	double amp;            /* peak of each component */
	uint64_t on, period;   /* cadence in samples: on for `on` of every `period` */
	uint64_t total;        /* samples to make; 0: endless */
	uint64_t done;
};

/*
 * A tone of f1 Hz (plus f2 Hz unless 0) at `dbfs` per component, sounding for on_ms of
 * every on_ms + off_ms (off_ms 0: steady), for total_ms in all (0: until the caller
 * stops). -EINVAL for a rate other than 8000/16000 or a frequency at or above half
 * the rate.
 */
int audio_tone_init(struct audio_tone *t, unsigned rate, unsigned f1, unsigned f2, double dbfs,
		    uint32_t on_ms, uint32_t off_ms, uint32_t total_ms);
/* The beep before a recording: 1000 Hz, 250 ms, -10 dBFS. */
int audio_tone_beep(struct audio_tone *t, unsigned rate);
/* Ringback: European 425 Hz 1 s on / 4 s off, or North American 440 + 480 Hz 2 s on
 * / 4 s off (-13 dBFS each, endless). */
int audio_tone_ringback_eu(struct audio_tone *t, unsigned rate);
int audio_tone_ringback_us(struct audio_tone *t, unsigned rate);
/* Writes the next frame; false (and nothing written) once total_ms is over. The last
 * frame is padded with silence. */
bool audio_tone_frame(struct audio_tone *t, int16_t *out);
/* n samples of silence. */
void audio_silence(int16_t *out, size_t n);

#endif

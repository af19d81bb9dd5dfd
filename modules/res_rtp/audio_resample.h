/*
 * audio_resample.h: the one place that converts sample rates. A resampler turns a
 * stream of 16-bit mono samples at any rate from 8000 to 192000 Hz into 8000 or
 * 16000 Hz, in chunks of any size, keeping its history between calls. It is a
 * polyphase windowed-sinc (Kaiser) low-pass FIR whose cut-off sits at 90 % of the
 * lower rate's Nyquist frequency, so downsampling does not alias (a 6 kHz tone
 * read at 44.1 kHz is gone at 8 kHz) and upsampling does not image; equal rates
 * pass through untouched. The filter is linear phase and its delay is compensated:
 * output sample n stands for input time n * in_rate / out_rate, and after
 * audio_resample_flush() exactly ceil(inputs * out_rate / in_rate) samples have
 * come out. The caller owns the struct; init allocates its tables and history
 * (the only allocation: do it when playback starts, not per frame), free gives
 * them back. No locks, no I/O: one thread at a time per resampler (the media
 * worker owning the session). Per 20 ms frame the cost is the frame's samples
 * times the filter length: 180 multiply-adds per output sample from 44.1 kHz
 * to 8 kHz, 768 from 192 kHz.
 */
#ifndef AUDIO_RESAMPLE_H
#define AUDIO_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

struct audio_resampler {
	unsigned in_rate, out_rate;
	unsigned up, down;    /* out/in reduced: up outputs per down inputs */
	unsigned phases;      /* filter phases in the table (up, or fewer for odd rates) */
	unsigned taps;        /* coefficients per phase */
	float *coef;          /* phases x taps */
	float *hist;          /* input samples not yet wholly used */
	size_t hist_cap, hist_len;
	size_t pos;           /* hist index of the next output's first tap */
	unsigned frac;        /* and its fraction of an input sample, in 1/up units */
	uint64_t total_in, total_out;
	unsigned flushed;     /* zeros fed by flush so far */
};

/* 0, -EINVAL (a rate out of range, or an output rate other than 8000/16000), or
 * -ENOMEM. */
int audio_resample_init(struct audio_resampler *r, unsigned in_rate, unsigned out_rate);
void audio_resample_free(struct audio_resampler *r);
/* Forgets the stream (after a seek): the next input is the start of a new one. */
void audio_resample_reset(struct audio_resampler *r);
/* The most samples the next audio_resample() call with n inputs can produce. */
size_t audio_resample_max_out(const struct audio_resampler *r, size_t n);
/*
 * Takes up to n input samples and writes up to cap output samples; returns the
 * outputs written and sets *used to the inputs taken (all of them unless out
 * filled up: call again with the rest).
 */
size_t audio_resample(struct audio_resampler *r, const int16_t *in, size_t n, int16_t *out,
		      size_t cap, size_t *used);
/* At the end of the stream: writes the outputs still due (up to cap); 0 once all are
 * out. */
size_t audio_resample_flush(struct audio_resampler *r, int16_t *out, size_t cap);

#endif

/* audio_tone.c: sine tones with a cadence, and silence, as 20 ms frames. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "audio_frame.h"
#include "audio_tone.h"

int audio_tone_init(struct audio_tone *t, unsigned rate, unsigned f1, unsigned f2, double dbfs,
		    uint32_t on_ms, uint32_t off_ms, uint32_t total_ms)
{
	memset(t, 0, sizeof(*t));
	if (!audio_call_rate_ok(rate) || f1 == 0 || 2 * f1 >= rate || 2 * f2 >= rate)
		return -EINVAL;
	t->rate = rate;
	t->frame = audio_frame_samples(rate);
	t->step[0] = (double)f1 / rate;
	t->step[1] = (double)f2 / rate;
	t->amp = 32768.0 * pow(10, dbfs / 20);
	t->on = (uint64_t)on_ms * rate / 1000;
	t->period = t->on + (uint64_t)off_ms * rate / 1000;
	t->total = (uint64_t)total_ms * rate / 1000;
	return 0;
}

int audio_tone_beep(struct audio_tone *t, unsigned rate)
{
	return audio_tone_init(t, rate, 1000, 0, -10, 250, 0, 250);
}

int audio_tone_ringback_eu(struct audio_tone *t, unsigned rate)
{
	return audio_tone_init(t, rate, 425, 0, -13, 1000, 4000, 0);
}

int audio_tone_ringback_us(struct audio_tone *t, unsigned rate)
{
	return audio_tone_init(t, rate, 440, 480, -13, 2000, 4000, 0);
}

static int16_t sample(struct audio_tone *t, uint64_t n)
{
	double v = 0;
	for (int k = 0; k < 2; k++) {
		if (t->step[k] == 0)
			continue;
		v += sin(2 * M_PI * t->phase[k]);
		/* Kept in [0, 1) so precision does not decay over a long ringback. */
		t->phase[k] += t->step[k];
		t->phase[k] -= floor(t->phase[k]);
	}
	bool sounding = t->period == t->on || n % t->period < t->on;
	double s = sounding ? v * t->amp : 0;
	if (s > 32767)
		return 32767;
	return (int16_t)(s < -32768 ? -32768 : lrint(s));
}

bool audio_tone_frame(struct audio_tone *t, int16_t *out)
{
	if (t->total && t->done >= t->total)
		return false;
	for (size_t i = 0; i < t->frame; i++) {
		if (t->total && t->done >= t->total) {
			out[i] = 0;
			continue;
		}
		out[i] = sample(t, t->done++);
	}
	return true;
}

void audio_silence(int16_t *out, size_t n)
{
	memset(out, 0, n * sizeof(*out));
}

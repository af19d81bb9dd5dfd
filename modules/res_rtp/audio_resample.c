/* audio_resample.c: streaming sample-rate conversion by a polyphase Kaiser-windowed sinc FIR. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audio_frame.h"
#include "audio_resample.h"

/*
 * The filter spans ZEROS zero crossings of the sinc on each side, counted at the
 * lower of the two rates; with a Kaiser window of BETA (side lobes near -80 dB) the
 * transition band is then about 1.2 kHz wide at 8 kHz. CUTOFF puts the -6 dB point
 * at 90 % of the lower Nyquist frequency: 3.6 kHz for 8 kHz output, so speech up to
 * 3 kHz is flat and what lies above 4.3 kHz is gone before it could fold back.
 */
#define ZEROS 16
#define BETA 8.0
#define CUTOFF 0.9
/* Coefficients at most (256 KB): a rate pair needing more phases gets fewer, and the
 * phase is rounded down to the nearest one (a timing error under 1/85 sample). */
#define MAX_TABLE 65536
/* Input samples taken into the history per step. */
#define BLOCK 1024

static unsigned gcd(unsigned a, unsigned b)
{
	while (b) {
		unsigned t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* The zeroth-order modified Bessel function of the first kind, by its power series. */
static double bessel_i0(double x)
{
	double sum = 1, term = 1, q = x * x / 4;
	for (int k = 1; k < 64 && term > sum * 1e-12; k++) {
		term *= q / ((double)k * k);
		sum += term;
	}
	return sum;
}

static double sinc(double x)
{
	return fabs(x) < 1e-12 ? 1.0 : sin(M_PI * x) / (M_PI * x);
}

/*
 * The coefficients of one phase: the output lies `d` input samples (0 <= d < 1) after
 * tap half - 1. Each phase is scaled to a gain of exactly 1 at DC, so a constant
 * input stays constant whatever the phase.
 */
static void design_phase(float *c, unsigned taps, double d, double fc)
{
	double half = taps / 2, sum = 0, i0b = bessel_i0(BETA);
	for (unsigned j = 0; j < taps; j++) {
		double x = (double)j - (half - 1) - d;
		double u = x / half;
		double w = fabs(u) >= 1 ? 0 : bessel_i0(BETA * sqrt(1 - u * u)) / i0b;
		double v = fc * sinc(fc * x) * w;
		c[j] = (float)v;
		sum += v;
	}
	for (unsigned j = 0; j < taps; j++)
		c[j] = (float)(c[j] / sum);
}

static void prime(struct audio_resampler *r)
{
	/* half - 1 zeros ahead of the first input put output 0 on input 0: the filter's
	 * delay is compensated. */
	r->hist_len = r->taps ? r->taps / 2 - 1 : 0;
	if (r->hist)
		memset(r->hist, 0, r->hist_len * sizeof(*r->hist));
	r->pos = 0;
	r->frac = 0;
	r->total_in = 0;
	r->total_out = 0;
}

int audio_resample_init(struct audio_resampler *r, unsigned in_rate, unsigned out_rate)
{
	memset(r, 0, sizeof(*r));
	if (in_rate < AUDIO_RATE_MIN || in_rate > AUDIO_RATE_MAX || !audio_call_rate_ok(out_rate))
		return -EINVAL;
	unsigned g = gcd(in_rate, out_rate);
	r->in_rate = in_rate;
	r->out_rate = out_rate;
	r->up = out_rate / g;
	r->down = in_rate / g;
	if (in_rate == out_rate)
		return 0;
	double ratio = in_rate > out_rate ? (double)in_rate / out_rate : 1.0;
	/* Even, so taps is a multiple of 4 for the four sums in produce(). */
	unsigned half = ((unsigned)ceil(ZEROS * ratio) + 1) & ~1u;
	r->taps = 2 * half;
	r->phases = r->up;
	if ((size_t)r->phases * r->taps > MAX_TABLE)
		r->phases = MAX_TABLE / r->taps;
	r->hist_cap = r->taps + BLOCK;
	r->coef = malloc((size_t)r->phases * r->taps * sizeof(*r->coef));
	r->hist = malloc(r->hist_cap * sizeof(*r->hist));
	if (!r->coef || !r->hist) {
		audio_resample_free(r);
		return -ENOMEM;
	}
	/* The cut-off as a fraction of the input's Nyquist frequency. */
	double fc = CUTOFF * (in_rate < out_rate ? in_rate : out_rate) / in_rate;
	for (unsigned p = 0; p < r->phases; p++)
		design_phase(r->coef + (size_t)p * r->taps, r->taps, (double)p / r->phases, fc);
	prime(r);
	return 0;
}

void audio_resample_free(struct audio_resampler *r)
{
	free(r->coef);
	free(r->hist);
	r->coef = NULL;
	r->hist = NULL;
}

void audio_resample_reset(struct audio_resampler *r)
{
	prime(r);
}

/* Outputs owed for the inputs so far once the stream ends: ceil(in * up / down). */
static uint64_t due_total(const struct audio_resampler *r, uint64_t in)
{
	return (in * r->up + r->down - 1) / r->down;
}

size_t audio_resample_max_out(const struct audio_resampler *r, size_t n)
{
	if (!r->taps)
		return n;
	return (size_t)(due_total(r, r->total_in + n) - r->total_out);
}

static int16_t to_s16(float v)
{
	if (v >= 32767.0f)
		return 32767;
	if (v <= -32768.0f)
		return -32768;
	return (int16_t)(v < 0 ? v - 0.5f : v + 0.5f);
}

/* Writes every output whose window lies in the history, up to cap. */
static size_t produce(struct audio_resampler *r, int16_t *out, size_t cap)
{
	size_t made = 0;
	while (made < cap && r->pos + r->taps <= r->hist_len) {
		unsigned p = r->phases == r->up ? r->frac
						 : (unsigned)((uint64_t)r->frac * r->phases / r->up);
		const float *c = r->coef + (size_t)p * r->taps;
		const float *x = r->hist + r->pos;
		/* Four independent sums: the additions no longer wait on each other, which
		 * makes the loop several times faster without -ffast-math. */
		float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
		for (unsigned j = 0; j < r->taps; j += 4) {
			a0 += c[j] * x[j];
			a1 += c[j + 1] * x[j + 1];
			a2 += c[j + 2] * x[j + 2];
			a3 += c[j + 3] * x[j + 3];
		}
		out[made++] = to_s16((a0 + a1) + (a2 + a3));
		r->frac += r->down;
		r->pos += r->frac / r->up;
		r->frac %= r->up;
	}
	r->total_out += made;
	return made;
}

/* Drops the history before the next output's window, making room at the end. */
static void compact(struct audio_resampler *r)
{
	memmove(r->hist, r->hist + r->pos, (r->hist_len - r->pos) * sizeof(*r->hist));
	r->hist_len -= r->pos;
	r->pos = 0;
}

size_t audio_resample(struct audio_resampler *r, const int16_t *in, size_t n, int16_t *out,
		      size_t cap, size_t *used)
{
	if (!r->taps) {
		size_t k = n < cap ? n : cap;
		memcpy(out, in, k * sizeof(*out));
		*used = k;
		return k;
	}
	size_t taken = 0, made = 0;
	for (;;) {
		made += produce(r, out + made, cap - made);
		if (taken == n || made == cap)
			break;
		compact(r);
		size_t k = r->hist_cap - r->hist_len;
		if (k > n - taken)
			k = n - taken;
		for (size_t i = 0; i < k; i++)
			r->hist[r->hist_len + i] = in[taken + i];
		r->hist_len += k;
		taken += k;
		r->total_in += k;
	}
	*used = taken;
	return made;
}

size_t audio_resample_flush(struct audio_resampler *r, int16_t *out, size_t cap)
{
	if (!r->taps)
		return 0;
	uint64_t due = due_total(r, r->total_in);
	size_t made = 0;
	/* Zeros after the last input let the last outputs' windows fill; they count as
	 * no input, so no extra output comes of them. */
	while (made < cap && r->total_out < due) {
		size_t want = cap - made;
		if (want > due - r->total_out)
			want = (size_t)(due - r->total_out);
		made += produce(r, out + made, want);
		if (made == cap || r->total_out == due)
			break;
		compact(r);
		size_t k = r->hist_cap - r->hist_len;
		memset(r->hist + r->hist_len, 0, k * sizeof(*r->hist));
		r->hist_len += k;
	}
	return made;
}

/* test_audio_resample.c: rate conversion: tones kept, aliases removed, exact counts, streaming. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "audio_resample.h"
#include "audio_util.h"

/* Resamples n samples in one call plus the flush; returns the outputs (malloc'd). */
static int16_t *convert(unsigned in_rate, unsigned out_rate, const int16_t *in, size_t n,
			size_t *out_n)
{
	struct audio_resampler r;
	assert_int_equal(audio_resample_init(&r, in_rate, out_rate), 0);
	size_t cap = audio_resample_max_out(&r, n) + 1;
	int16_t *out = malloc(cap * sizeof(*out));
	size_t used;
	size_t made = audio_resample(&r, in, n, out, cap, &used);
	assert_int_equal(used, n);
	made += audio_resample_flush(&r, out + made, cap - made);
	assert_int_equal(audio_resample_flush(&r, out + made, cap - made), 0);
	audio_resample_free(&r);
	*out_n = made;
	return out;
}

static int16_t *sine(size_t n, double freq, unsigned rate, double amp)
{
	int16_t *s = malloc(n * sizeof(*s));
	make_sine(s, n, freq, rate, amp);
	return s;
}

static void test_pass_through(void **state)
{
	(void)state;
	int16_t *in = sine(1000, 440, 8000, 12000);
	size_t n;
	int16_t *out = convert(8000, 8000, in, 1000, &n);
	assert_int_equal(n, 1000);
	assert_memory_equal(in, out, 1000 * sizeof(*in));
	free(in);
	free(out);
}

/* A tone keeps its frequency and level; what is not the tone is below -40 dB. */
static void check_tone(const int16_t *s, size_t n, double freq, unsigned rate, double amp)
{
	/* Skip the filter's start and end (a few ms). */
	size_t skip = rate / 100, len = n - 2 * skip;
	const int16_t *mid = s + skip;
	double a = goertzel_amp(mid, len, freq, rate);
	assert_true(fabs(db(a / amp)) < 0.5);
	double total = rms(mid, len), tone = a / sqrt(2);
	double rest = sqrt(fmax(total * total - tone * tone, 0));
	assert_true(db(rest / tone) < -40);
	/* Zero crossings agree: freq a second, within one. */
	size_t zc = rising_crossings(mid, len);
	double expect = freq * (double)len / rate;
	assert_true(fabs((double)zc - expect) <= 1.5);
}

static void test_1khz_44100_to_8000(void **state)
{
	(void)state;
	int16_t *in = sine(44100, 1000, 44100, 16000);
	size_t n;
	int16_t *out = convert(44100, 8000, in, 44100, &n);
	assert_int_equal(n, 8000); /* 1.00 s stays 1.00 s */
	check_tone(out, n, 1000, 8000, 16000);
	free(in);
	free(out);
}

/* 6 kHz cannot exist at 8 kHz: it would fold to 2 kHz. The filter removes it. */
static void test_6khz_removed(void **state)
{
	(void)state;
	int16_t *in = sine(44100, 6000, 44100, 16000);
	size_t n;
	int16_t *out = convert(44100, 8000, in, 44100, &n);
	double alias = goertzel_amp(out + 400, n - 800, 2000, 8000);
	double level = rms(out + 400, n - 800) * sqrt(2);
	assert_true(db(alias / 16000) < -30);
	assert_true(db(level / 16000) < -30);
	print_message("6 kHz at 44.1 kHz -> 8 kHz: alias at %.1f dB, total %.1f dB\n",
		      db(alias / 16000), db(level / 16000));
	/* Just above the new Nyquist frequency is gone too; speech's 3 kHz is kept. */
	free(in);
	in = sine(44100, 4600, 44100, 16000);
	free(out);
	out = convert(44100, 8000, in, 44100, &n);
	assert_true(db(rms(out + 400, n - 800) * sqrt(2) / 16000) < -30);
	free(in);
	in = sine(44100, 3000, 44100, 16000);
	free(out);
	out = convert(44100, 8000, in, 44100, &n);
	assert_true(fabs(db(goertzel_amp(out + 400, n - 800, 3000, 8000) / 16000)) < 1);
	free(in);
	free(out);
}

static void test_upsample_no_image(void **state)
{
	(void)state;
	int16_t *in = sine(8000, 1000, 8000, 16000);
	size_t n;
	int16_t *out = convert(8000, 16000, in, 8000, &n);
	assert_int_equal(n, 16000);
	check_tone(out, n, 1000, 16000, 16000);
	/* The image of 1 kHz upsampled naively would sit at 7 kHz. */
	assert_true(db(goertzel_amp(out + 160, n - 320, 7000, 16000) / 16000) < -60);
	free(in);
	free(out);
}

/* Every usual file rate to both call rates: counts exact, 1 kHz stays 1 kHz. */
static void test_all_rates(void **state)
{
	(void)state;
	static const unsigned rates[] = {8000,	11025, 12000, 16000, 22050, 24000, 32000,
					 44100, 48000, 88200, 96000, 176400, 192000, 8001};
	static const unsigned outs[] = {8000, 16000};
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		for (size_t j = 0; j < 2; j++) {
			size_t len = rates[i] / 2; /* 0.5 s */
			int16_t *in = sine(len, 1000, rates[i], 10000);
			size_t n;
			int16_t *out = convert(rates[i], outs[j], in, len, &n);
			uint64_t expect = ((uint64_t)len * outs[j] + rates[i] - 1) / rates[i];
			assert_int_equal(n, expect);
			check_tone(out, n, 1000, outs[j], 10000);
			free(in);
			free(out);
		}
	}
}

static void test_dc_stays_constant(void **state)
{
	(void)state;
	int16_t in[4410];
	for (size_t i = 0; i < 4410; i++)
		in[i] = 12345;
	size_t n;
	int16_t *out = convert(44100, 8000, in, 4410, &n);
	assert_int_equal(n, 800);
	for (size_t i = 40; i < 760; i++)
		assert_true(abs(out[i] - 12345) <= 1);
	free(out);
}

/* Chunks of any size, and a small output buffer, give the same samples as one call. */
static void test_streaming_equals_one_shot(void **state)
{
	(void)state;
	size_t len = 22050;
	int16_t *in = sine(len, 1234, 22050, 20000);
	for (size_t i = 0; i < len; i += 7)
		in[i] = (int16_t)(in[i] / 2 + (int16_t)(i * 37)); /* not just a tone */
	size_t n_ref;
	int16_t *ref = convert(22050, 8000, in, len, &n_ref);

	struct audio_resampler r;
	assert_int_equal(audio_resample_init(&r, 22050, 8000), 0);
	int16_t *out = malloc((n_ref + 16) * sizeof(*out));
	size_t made = 0, off = 0, step = 1;
	while (off < len) {
		size_t chunk = step % 500 + 1, used;
		if (chunk > len - off)
			chunk = len - off;
		size_t cap = step % 3 + 1; /* 1 to 3 outputs at a time */
		made += audio_resample(&r, in + off, chunk, out + made, cap, &used);
		off += used;
		step = step * 7 + 3;
	}
	size_t k;
	while ((k = audio_resample_flush(&r, out + made, 5)) > 0)
		made += k;
	assert_int_equal(made, n_ref);
	assert_memory_equal(out, ref, n_ref * sizeof(*out));

	/* After a reset the stream starts afresh: the same input gives the same output. */
	audio_resample_reset(&r);
	size_t used;
	made = audio_resample(&r, in, len, out, n_ref + 16, &used);
	made += audio_resample_flush(&r, out + made, n_ref + 16 - made);
	assert_int_equal(made, n_ref);
	assert_memory_equal(out, ref, n_ref * sizeof(*out));
	audio_resample_free(&r);
	free(in);
	free(ref);
	free(out);
}

static void test_bad_rates(void **state)
{
	(void)state;
	struct audio_resampler r;
	assert_int_equal(audio_resample_init(&r, 4000, 8000), -EINVAL);
	assert_int_equal(audio_resample_init(&r, 200000, 8000), -EINVAL);
	assert_int_equal(audio_resample_init(&r, 44100, 11025), -EINVAL);
	assert_int_equal(audio_resample_init(&r, 44100, 0), -EINVAL);
	audio_resample_free(&r); /* harmless after a refusal */
}

/* Full-scale input does not wrap round when the filter overshoots. */
static void test_saturates(void **state)
{
	(void)state;
	int16_t in[4800];
	for (size_t i = 0; i < 4800; i++)
		in[i] = (i / 60) % 2 ? 32767 : -32768; /* a square wave: overshoot at each edge */
	size_t n;
	int16_t *out = convert(48000, 8000, in, 4800, &n);
	assert_int_equal(n, 800);
	/* Between edges the level sits near full scale with its sign, never flipped. */
	for (size_t i = 4; i < 790; i++) {
		size_t src = i * 6;
		if (src % 60 > 12 && src % 60 < 48)
			assert_true((in[src] > 0) == (out[i] > 0));
	}
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_through),
		cmocka_unit_test(test_1khz_44100_to_8000),
		cmocka_unit_test(test_6khz_removed),
		cmocka_unit_test(test_upsample_no_image),
		cmocka_unit_test(test_all_rates),
		cmocka_unit_test(test_dc_stays_constant),
		cmocka_unit_test(test_streaming_equals_one_shot),
		cmocka_unit_test(test_bad_rates),
		cmocka_unit_test(test_saturates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

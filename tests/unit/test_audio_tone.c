/* test_audio_tone.c: beep, ringback cadences, arbitrary tones and silence as frames. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "audio_rec.h"
#include "audio_tone.h"
#include "audio_util.h"

/* Frames until the generator ends (at most max). */
static size_t run(struct audio_tone *t, int16_t *buf, size_t max, size_t fs)
{
	size_t n = 0;
	while (n < max && audio_tone_frame(t, buf + n * fs))
		n++;
	return n;
}

static void test_beep(void **state)
{
	(void)state;
	for (unsigned rate = 8000; rate <= 16000; rate += 8000) {
		struct audio_tone t;
		size_t fs = rate / 50;
		int16_t buf[20 * 320];
		assert_int_equal(audio_tone_beep(&t, rate), 0);
		/* 250 ms: 12 frames and a half, the half padded with silence. */
		assert_int_equal(run(&t, buf, 20, fs), 13);
		size_t len = rate / 4;
		for (size_t i = len; i < 13 * fs; i++)
			assert_int_equal(buf[i], 0);
		assert_false(audio_tone_frame(&t, buf)); /* stays ended */
		double a = goertzel_amp(buf, len, 1000, rate);
		assert_true(fabs(db(a / 10362)) < 0.05); /* -10 dBFS */
		assert_true(fabs(audio_level_dbfs(buf, len) + 10) < 0.05);
		assert_int_equal(rising_crossings(buf, len), 249); /* 250 cycles, the first from 0 */
	}
}

/* European ringback: 425 Hz, 1 s on, 4 s off, and again. */
static void test_ringback_eu(void **state)
{
	(void)state;
	struct audio_tone t;
	assert_int_equal(audio_tone_ringback_eu(&t, 8000), 0);
	static int16_t buf[300 * 160];
	assert_int_equal(run(&t, buf, 300, 160), 300); /* endless */
	for (int k = 0; k < 300; k++) {
		bool on = k < 50 || k >= 250;
		double level = audio_level_dbfs(buf + k * 160, 160);
		if (on)
			assert_true(fabs(level + 13) < 0.3);
		else
			assert_true(level == AUDIO_LEVEL_FLOOR);
	}
	assert_true(fabs(db(goertzel_amp(buf, 8000, 425, 8000) / (32768 * pow(10, -13.0 / 20)))) < 0.1);
}

/* North American ringback: 440 + 480 Hz together, 2 s on, 4 s off. */
static void test_ringback_us(void **state)
{
	(void)state;
	struct audio_tone t;
	assert_int_equal(audio_tone_ringback_us(&t, 16000), 0);
	static int16_t buf[400 * 320];
	assert_int_equal(run(&t, buf, 400, 320), 400);
	double each = 32768 * pow(10, -13.0 / 20);
	assert_true(fabs(db(goertzel_amp(buf, 32000, 440, 16000) / each)) < 0.1);
	assert_true(fabs(db(goertzel_amp(buf, 32000, 480, 16000) / each)) < 0.1);
	assert_true(goertzel_amp(buf, 32000, 1000, 16000) < each / 1000);
	assert_true(rms(buf + 100 * 320, 200 * 320) == 0);      /* 2-6 s: off */
	assert_true(rms(buf + 300 * 320, 100 * 320) > each / 2); /* 6-8 s: on again */
}

static void test_custom_and_refusals(void **state)
{
	(void)state;
	struct audio_tone t;
	int16_t buf[10 * 160];
	/* 2 kHz for 100 ms, 20 on / 20 off. */
	assert_int_equal(audio_tone_init(&t, 8000, 2000, 0, -6, 20, 20, 100), 0);
	assert_int_equal(run(&t, buf, 10, 160), 5);
	assert_true(rms(buf + 160, 160) == 0 && rms(buf + 480, 160) == 0);
	assert_true(rms(buf, 160) > 0 && rms(buf + 320, 160) > 0 && rms(buf + 640, 160) > 0);
	/* A full-scale sum clips rather than wraps. */
	assert_int_equal(audio_tone_init(&t, 8000, 1000, 1000, 0, 100, 0, 0), 0);
	assert_true(audio_tone_frame(&t, buf));
	for (int i = 0; i < 160; i++)
		assert_true(buf[i] == 32767 || buf[i] == -32768 || abs(buf[i]) < 32767);
	assert_int_equal(buf[2], 32767); /* 2 x sin(90 degrees) */
	assert_int_equal(audio_tone_init(&t, 11025, 1000, 0, -10, 100, 0, 0), -EINVAL);
	assert_int_equal(audio_tone_init(&t, 8000, 4000, 0, -10, 100, 0, 0), -EINVAL);
	assert_int_equal(audio_tone_init(&t, 8000, 1000, 5000, -10, 100, 0, 0), -EINVAL);
	assert_int_equal(audio_tone_init(&t, 8000, 0, 0, -10, 100, 0, 0), -EINVAL);
	assert_int_equal(audio_tone_init(&t, 16000, 7000, 0, -10, 100, 0, 0), 0);
	for (int i = 0; i < 160; i++)
		buf[i] = 99;
	audio_silence(buf, 160);
	assert_true(rms(buf, 160) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_beep),
		cmocka_unit_test(test_ringback_eu),
		cmocka_unit_test(test_ringback_us),
		cmocka_unit_test(test_custom_and_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

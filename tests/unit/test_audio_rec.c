/* test_audio_rec.c: recorder: WAV read back, temp+rename, stops (max, silence, error), mixing, levels. */
#include <errno.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "audio_rec.h"
#include "audio_tone.h"
#include "audio_util.h"
#include "unit_util.h"

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static struct audio_rec *rec_open(const char *name, const struct audio_rec_opts *o)
{
	struct audio_rec *r;
	char err[256];
	if (audio_rec_open(&r, audio_path(name), o, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return r;
}

/* Reads a recording back: its samples (malloc'd) and frame count; checks the format. */
static int16_t *read_back(const char *name, unsigned rate, sf_count_t *frames)
{
	SF_INFO info = {0};
	SNDFILE *sf = sf_open(audio_path(name), SFM_READ, &info);
	assert_non_null(sf);
	assert_int_equal(info.samplerate, rate);
	assert_int_equal(info.channels, 1);
	assert_int_equal(info.format, SF_FORMAT_WAV | SF_FORMAT_PCM_16);
	int16_t *s = malloc((size_t)(info.frames + 1) * sizeof(*s));
	assert_int_equal(sf_readf_short(sf, s, info.frames), info.frames);
	sf_close(sf);
	*frames = info.frames;
	return s;
}

static void test_record_and_read_back(void **state)
{
	(void)state;
	for (unsigned rate = 8000; rate <= 16000; rate += 8000) {
		struct audio_rec_opts o = {.rate = rate};
		const char *name = rate == 8000 ? "r8.wav" : "r16.wav";
		struct audio_rec *r = rec_open(name, &o);
		size_t fs = rate / 50;
		int16_t *tone = malloc(50 * fs * sizeof(*tone));
		make_sine(tone, 50 * fs, 1000, rate, 12000);
		for (int k = 0; k < 50; k++) {
			assert_int_equal(audio_rec_write(r, tone + k * fs), AUDIO_REC_OK);
			/* While recording, only the temporary name exists. */
			assert_false(exists(audio_path(name)));
			assert_true(exists(audio_rec_tmp_path(r)));
		}
		assert_int_equal(audio_rec_duration_ms(r), 1000);
		char tmp[512];
		snprintf(tmp, sizeof(tmp), "%s", audio_rec_tmp_path(r));
		assert_int_equal(strncmp(tmp, audio_path(name), strlen(audio_path(name))), 0);
		assert_int_equal(audio_rec_close(r), 0);
		assert_false(exists(tmp));
		sf_count_t frames;
		int16_t *got = read_back(name, rate, &frames);
		assert_int_equal(frames, rate); /* 1.00 s */
		assert_memory_equal(got, tone, 50 * fs * sizeof(*tone));
		free(got);
		free(tone);
	}
}

/* Two recorders of one path write different temporary files; the last close wins. */
static void test_two_recorders_one_path(void **state)
{
	(void)state;
	struct audio_rec_opts o = {.rate = 8000};
	struct audio_rec *a = rec_open("same.wav", &o), *b = rec_open("same.wav", &o);
	assert_string_not_equal(audio_rec_tmp_path(a), audio_rec_tmp_path(b));
	int16_t frame[160] = {0};
	assert_int_equal(audio_rec_write(a, frame), AUDIO_REC_OK);
	frame[0] = 77;
	assert_int_equal(audio_rec_write(b, frame), AUDIO_REC_OK);
	assert_int_equal(audio_rec_write(b, frame), AUDIO_REC_OK);
	assert_int_equal(audio_rec_close(a), 0);
	assert_int_equal(audio_rec_close(b), 0);
	sf_count_t frames;
	free(read_back("same.wav", 8000, &frames));
	assert_int_equal(frames, 320);
}

static void test_discard(void **state)
{
	(void)state;
	struct audio_rec_opts o = {.rate = 8000};
	struct audio_rec *r = rec_open("gone.wav", &o);
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s", audio_rec_tmp_path(r));
	int16_t frame[160] = {0};
	assert_int_equal(audio_rec_write(r, frame), AUDIO_REC_OK);
	audio_rec_discard(r);
	assert_false(exists(tmp));
	assert_false(exists(audio_path("gone.wav")));
}

static void test_open_errors(void **state)
{
	(void)state;
	struct audio_rec *r = (struct audio_rec *)1;
	char err[256], want[600];
	struct audio_rec_opts o = {.rate = 8000};
	assert_int_equal(audio_rec_open(&r, audio_path("no/such/dir.wav"), &o, err, sizeof(err)), -ENOENT);
	assert_null(r);
	snprintf(want, sizeof(want), "cannot create %s: No such file or directory",
		 audio_path("no/such/dir.wav"));
	assert_string_equal(err, want);
	o.rate = 44100;
	assert_int_equal(audio_rec_open(&r, audio_path("x.wav"), &o, err, sizeof(err)), -EINVAL);
	assert_false(exists(audio_path("x.wav")));
}

static void test_max_duration(void **state)
{
	(void)state;
	struct audio_rec_opts o = {.rate = 8000, .max_ms = 1000};
	struct audio_rec *r = rec_open("max.wav", &o);
	int16_t frame[160];
	make_sine(frame, 160, 400, 8000, 5000);
	for (int k = 0; k < 49; k++)
		assert_int_equal(audio_rec_write(r, frame), AUDIO_REC_OK);
	assert_int_equal(audio_rec_write(r, frame), AUDIO_REC_MAX);
	assert_int_equal(audio_rec_write(r, frame), AUDIO_REC_MAX); /* nothing more written */
	assert_int_equal(audio_rec_duration_ms(r), 1000);
	assert_int_equal(audio_rec_close(r), 0);
	sf_count_t frames;
	free(read_back("max.wav", 8000, &frames));
	assert_int_equal(frames, 8000);
}

/* 10 frames of speech-level tone, then quiet noise: 1000 ms of it stop the recording. */
static void record_until_silence(const char *name, bool trim, sf_count_t want_frames)
{
	struct audio_rec_opts o = {.rate = 8000, .silence_ms = 1000, .silence_dbfs = -45,
				   .trim_silence = trim};
	struct audio_rec *r = rec_open(name, &o);
	int16_t tone[160], hiss[160];
	make_sine(tone, 160, 500, 8000, 8000);
	for (int i = 0; i < 160; i++)
		hiss[i] = (int16_t)((i * 7919) % 41 - 20); /* about -67 dBFS */
	for (int k = 0; k < 10; k++)
		assert_int_equal(audio_rec_write(r, tone), AUDIO_REC_OK);
	for (int k = 0; k < 49; k++)
		assert_int_equal(audio_rec_write(r, hiss), AUDIO_REC_OK);
	assert_int_equal(audio_rec_write(r, hiss), AUDIO_REC_SILENCE);
	assert_int_equal(audio_rec_write(r, tone), AUDIO_REC_SILENCE); /* stopped */
	assert_int_equal(audio_rec_duration_ms(r), 1200);
	assert_int_equal(audio_rec_close(r), 0);
	sf_count_t frames;
	int16_t *s = read_back(name, 8000, &frames);
	assert_int_equal(frames, want_frames);
	assert_memory_equal(s, tone, sizeof(tone));
	free(s);
}

static void test_silence_stop(void **state)
{
	(void)state;
	record_until_silence("quiet.wav", false, 60 * 160);
	record_until_silence("trimmed.wav", true, 10 * 160);
	/* A pause shorter than silence_ms does not stop it. */
	struct audio_rec_opts o = {.rate = 8000, .silence_ms = 500, .silence_dbfs = -45};
	struct audio_rec *r = rec_open("pause.wav", &o);
	int16_t tone[160], zero[160] = {0};
	make_sine(tone, 160, 500, 8000, 8000);
	for (int round = 0; round < 3; round++) {
		for (int k = 0; k < 24; k++)
			assert_int_equal(audio_rec_write(r, zero), AUDIO_REC_OK);
		assert_int_equal(audio_rec_write(r, tone), AUDIO_REC_OK);
	}
	audio_rec_discard(r);
}

static void test_mix(void **state)
{
	(void)state;
	int16_t a[6] = {1000, 30000, -30000, 32767, -32768, -5};
	int16_t b[6] = {-400, 30000, -30000, 1, -1, 5};
	int16_t out[6];
	audio_mix(out, a, b, 6);
	assert_int_equal(out[0], 600);
	assert_int_equal(out[1], 32767);
	assert_int_equal(out[2], -32768);
	assert_int_equal(out[3], 32767);
	assert_int_equal(out[4], -32768);
	assert_int_equal(out[5], 0);
	audio_mix(a, a, b, 6); /* in place */
	assert_memory_equal(a, out, sizeof(out));

	/* Both legs of a call in one file: 500 Hz from one side, 1500 Hz from the other. */
	struct audio_rec_opts o = {.rate = 8000};
	struct audio_rec *r = rec_open("both.wav", &o);
	int16_t la[8000], lb[8000];
	make_sine(la, 8000, 500, 8000, 10000);
	make_sine(lb, 8000, 1500, 8000, 10000);
	for (int k = 0; k < 50; k++)
		assert_int_equal(audio_rec_write_mix(r, la + k * 160, lb + k * 160), AUDIO_REC_OK);
	assert_int_equal(audio_rec_write_mix(r, la, NULL), AUDIO_REC_OK); /* one leg silent */
	assert_int_equal(audio_rec_close(r), 0);
	sf_count_t frames;
	int16_t *s = read_back("both.wav", 8000, &frames);
	assert_int_equal(frames, 51 * 160);
	assert_true(fabs(db(goertzel_amp(s, 8000, 500, 8000) / 10000)) < 0.1);
	assert_true(fabs(db(goertzel_amp(s, 8000, 1500, 8000) / 10000)) < 0.1);
	assert_memory_equal(s + 8000, la, 160 * sizeof(*s));
	free(s);
}

static void test_level(void **state)
{
	(void)state;
	int16_t s[1600];
	make_sine(s, 1600, 1000, 8000, 32767);
	assert_true(fabs(audio_level_dbfs(s, 1600)) < 0.05);
	make_sine(s, 1600, 1000, 8000, 32768 * pow(10, -20.0 / 20));
	assert_true(fabs(audio_level_dbfs(s, 1600) + 20) < 0.05);
	memset(s, 0, sizeof(s));
	assert_true(audio_level_dbfs(s, 1600) == AUDIO_LEVEL_FLOOR);
	assert_true(audio_level_dbfs(s, 0) == AUDIO_LEVEL_FLOOR);
	s[0] = 1; /* one LSB in 1600 samples (-119 dB) reads as the floor */
	assert_true(audio_level_dbfs(s, 1600) == AUDIO_LEVEL_FLOOR);
	/* The beep measures what it was made at. */
	struct audio_tone t;
	assert_int_equal(audio_tone_beep(&t, 8000), 0);
	assert_true(audio_tone_frame(&t, s));
	assert_true(fabs(audio_level_dbfs(s, 160) + 10) < 0.1);
}

/*
 * A full disk, played by RLIMIT_FSIZE (writes past the limit fail with EFBIG once
 * SIGXFSZ is ignored), in a child so the limit stays there. The recording stops with
 * ERROR, close reports the error, and what was written is kept under the final name.
 */
static int full_disk_child(void)
{
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit lim = {.rlim_cur = 44 + 10 * 320 + 100, .rlim_max = RLIM_INFINITY};
	if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
		return 10;
	struct audio_rec_opts o = {.rate = 8000};
	struct audio_rec *r;
	char err[256];
	if (audio_rec_open(&r, audio_path("full.wav"), &o, err, sizeof(err)) != 0)
		return 11;
	int16_t frame[160];
	make_sine(frame, 160, 1000, 8000, 10000);
	int k = 0;
	enum audio_rec_status st;
	while ((st = audio_rec_write(r, frame)) == AUDIO_REC_OK && k < 1000)
		k++;
	if (st != AUDIO_REC_ERROR || k != 10)
		return 12;
	if (audio_rec_errno(r) != EFBIG || audio_rec_write(r, frame) != AUDIO_REC_ERROR)
		return 13;
	return audio_rec_close(r) == -EFBIG ? 0 : 14;
}

static void test_write_error_keeps_partial(void **state)
{
	(void)state;
	assert_int_equal(in_child(full_disk_child), 0);
	sf_count_t frames;
	int16_t *s = read_back("full.wav", 8000, &frames);
	/* The 10 frames written whole, and whatever part of the 11th fitted. */
	assert_true(frames >= 10 * 160 && frames < 11 * 160);
	int16_t frame[160];
	make_sine(frame, 160, 1000, 8000, 10000);
	assert_memory_equal(s + 9 * 160, frame, sizeof(frame));
	free(s);
	/* No temporary file is left behind. */
	DIR *d = opendir(audio_dir);
	struct dirent *e;
	while ((e = readdir(d)))
		assert_null(strstr(e->d_name, "full.wav."));
	closedir(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_and_read_back),
		cmocka_unit_test(test_two_recorders_one_path),
		cmocka_unit_test(test_discard),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_max_duration),
		cmocka_unit_test(test_silence_stop),
		cmocka_unit_test(test_mix),
		cmocka_unit_test(test_level),
		cmocka_unit_test(test_write_error_keeps_partial),
	};
	return cmocka_run_group_tests(tests, audio_dir_setup, audio_dir_teardown);
}

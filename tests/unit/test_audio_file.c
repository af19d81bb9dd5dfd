/* test_audio_file.c: playback source: formats, downmix, frame counts, padding, errors, loop, seek. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "audio_file.h"
#include "audio_util.h"

/* frames x channels of a sine at `amp` (0..1) on every channel (channel c scaled by
 * gains[c] when given). */
static float *sine_f(sf_count_t frames, int channels, double freq, int rate, double amp,
		     const double *gains)
{
	float *d = malloc((size_t)(frames * channels) * sizeof(*d));
	for (sf_count_t i = 0; i < frames; i++)
		for (int c = 0; c < channels; c++)
			d[i * channels + c] = (float)(amp * (gains ? gains[c] : 1) *
						      sin(2 * M_PI * freq * (double)i / rate));
	return d;
}

static void write_sine(const char *name, int format, int rate, int channels, sf_count_t frames,
		       double freq, double amp, const double *gains)
{
	float *d = sine_f(frames, channels, freq, rate, amp, gains);
	assert_int_equal(write_sound(audio_path(name), format, rate, channels, d, frames), 0);
	free(d);
}

/* Reads the whole file into one buffer; returns the frames read and the last status. */
static size_t read_all(struct audio_file *f, int16_t *buf, size_t max_frames, size_t frame,
		       enum audio_file_status *last)
{
	size_t n = 0;
	enum audio_file_status st;
	while (n < max_frames && (st = audio_file_read_frame(f, buf + n * frame)) == AUDIO_FILE_FRAME)
		n++;
	*last = n < max_frames ? st : AUDIO_FILE_FRAME;
	return n;
}

static struct audio_file *open_ok(const char *name, unsigned rate, bool loop)
{
	struct audio_file *f;
	char err[256];
	int rc = audio_file_open(&f, audio_path(name), rate, loop, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s", err);
	return f;
}

static void test_44100_stereo_to_8000(void **state)
{
	(void)state;
	write_sine("s44.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 2, 44100, 1000, 0.5, NULL);
	struct audio_file *f = open_ok("s44.wav", 8000, false);
	assert_int_equal(audio_file_source_rate(f), 44100);
	assert_int_equal(audio_file_source_channels(f), 2);
	assert_int_equal(audio_file_length_ms(f), 1000);
	int16_t buf[60 * 160];
	enum audio_file_status st;
	assert_int_equal(read_all(f, buf, 60, 160, &st), 50); /* 1.00 s is 50 frames */
	assert_int_equal(st, AUDIO_FILE_EOF);
	assert_int_equal(audio_file_read_frame(f, buf), AUDIO_FILE_EOF); /* and stays there */
	assert_string_equal(audio_file_error(f), "");
	assert_int_equal(audio_file_tell_ms(f), 1000);
	/* A clean 1 kHz at half scale. */
	double a = goertzel_amp(buf + 80, 8000 - 160, 1000, 8000);
	assert_true(fabs(db(a / 16383.5)) < 0.5);
	assert_true(fabs((double)rising_crossings(buf + 80, 8000 - 160) - 980) <= 1.5);
	audio_file_close(f);
}

/* Channels are averaged: a tone on the left only comes out at half its level. */
static void test_downmix(void **state)
{
	(void)state;
	static const double left_only[] = {1, 0};
	write_sine("left.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 48000, 2, 48000, 440, 0.8, left_only);
	static const double six[] = {1, 1, 1, 1, 1, 1};
	write_sine("six.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_32, 16000, 6, 16000, 440, 0.8, six);
	int16_t buf[60 * 320];
	enum audio_file_status st;
	struct audio_file *f = open_ok("left.wav", 8000, false);
	assert_int_equal(read_all(f, buf, 60, 160, &st), 50);
	assert_true(fabs(db(goertzel_amp(buf + 80, 7840, 440, 8000) / (0.4 * 32767))) < 0.5);
	audio_file_close(f);
	f = open_ok("six.wav", 16000, false);
	assert_int_equal(read_all(f, buf, 60, 320, &st), 50);
	assert_true(fabs(db(goertzel_amp(buf, 16000, 440, 16000) / (0.8 * 32767))) < 0.1);
	audio_file_close(f);
}

/* 16 kHz mono: as it is at 16 kHz (exact samples), 50 frames of 160 at 8 kHz. */
static void test_16000_mono(void **state)
{
	(void)state;
	int16_t src[16000];
	make_sine(src, 16000, 700, 16000, 9000);
	SF_INFO info = {.samplerate = 16000, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	SNDFILE *sf = sf_open(audio_path("m16.wav"), SFM_WRITE, &info);
	assert_non_null(sf);
	assert_int_equal(sf_writef_short(sf, src, 16000), 16000);
	sf_close(sf);
	int16_t buf[60 * 320];
	enum audio_file_status st;
	struct audio_file *f = open_ok("m16.wav", 16000, false);
	assert_int_equal(read_all(f, buf, 60, 320, &st), 50);
	assert_memory_equal(buf, src, sizeof(src));
	audio_file_close(f);
	f = open_ok("m16.wav", 8000, false);
	assert_int_equal(read_all(f, buf, 60, 160, &st), 50);
	assert_true(fabs(db(goertzel_amp(buf + 80, 7840, 700, 8000) / 9000)) < 0.5);
	audio_file_close(f);
}

/* A float file at 8 kHz: samples scaled to 16 bits, beyond +-1.0 clipped; a partial
 * last frame is padded with silence. */
static void test_8000_float_and_padding(void **state)
{
	(void)state;
	float d[8080];
	for (int i = 0; i < 8080; i++)
		d[i] = (float)((i % 5) - 2) * 0.25f; /* -0.5 .. 0.5 */
	d[10] = 1.5f;
	d[11] = -2.0f;
	assert_int_equal(write_sound(audio_path("f8.wav"), SF_FORMAT_WAV | SF_FORMAT_FLOAT, 8000, 1,
				     d, 8080), 0);
	struct audio_file *f = open_ok("f8.wav", 8000, false);
	int16_t buf[60 * 160];
	enum audio_file_status st;
	assert_int_equal(read_all(f, buf, 60, 160, &st), 51); /* 1.01 s: 50 frames and a half */
	assert_int_equal(st, AUDIO_FILE_EOF);
	assert_int_equal(buf[0], -16384); /* -0.5 * 32767, rounded */
	assert_int_equal(buf[2], 0);
	assert_int_equal(buf[4], 16384);
	assert_int_equal(buf[10], 32767);
	assert_int_equal(buf[11], -32768);
	for (int i = 8080; i < 8160; i++)
		assert_int_equal(buf[i], 0);
	audio_file_close(f);
}

static void test_empty_sound(void **state)
{
	(void)state;
	assert_int_equal(write_sound(audio_path("empty.wav"), SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 1,
				     NULL, 0), 0);
	int16_t frame[160];
	for (int loop = 0; loop < 2; loop++) {
		struct audio_file *f = open_ok("empty.wav", 8000, loop);
		assert_int_equal(audio_file_length_ms(f), 0);
		assert_int_equal(audio_file_read_frame(f, frame), AUDIO_FILE_EOF);
		assert_int_equal(audio_file_seek_ms(f, 500), 0);
		assert_int_equal(audio_file_read_frame(f, frame), AUDIO_FILE_EOF);
		audio_file_close(f);
	}
}

static void test_open_errors(void **state)
{
	(void)state;
	struct audio_file *f = (struct audio_file *)1;
	char err[256], want[600];
	assert_int_equal(audio_file_open(&f, audio_path("missing.wav"), 8000, false, err, sizeof(err)),
			 -ENOENT);
	assert_null(f);
	snprintf(want, sizeof(want), "cannot open %s: No such file or directory", audio_path("missing.wav"));
	assert_string_equal(err, want);

	FILE *fp = fopen(audio_path("zero.wav"), "w");
	fclose(fp);
	assert_int_equal(audio_file_open(&f, audio_path("zero.wav"), 8000, false, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unsupported format"));

	fp = fopen(audio_path("notes.txt"), "w");
	for (int i = 0; i < 100; i++)
		fprintf(fp, "This is not a sound file, line %d.\n", i);
	fclose(fp);
	assert_int_equal(audio_file_open(&f, audio_path("notes.txt"), 8000, false, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "cannot open %s: unsupported format", audio_path("notes.txt"));
	assert_memory_equal(err, want, strlen(want));

	assert_int_equal(audio_file_open(&f, audio_dir, 8000, false, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));

	/* A rate below what anyone records speech at. */
	write_sine("r4000.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 4000, 1, 400, 100, 0.5, NULL);
	assert_int_equal(audio_file_open(&f, audio_path("r4000.wav"), 8000, false, err, sizeof(err)),
			 -ENOTSUP);
	assert_non_null(strstr(err, "sample rate 4000 Hz"));
	/* Frames at a rate we do not call at. */
	assert_int_equal(audio_file_open(&f, audio_path("r4000.wav"), 11025, false, err, sizeof(err)),
			 -EINVAL);
}

/* A file cut short (its header promises more) plays what is there, then ends cleanly. */
static void test_truncated(void **state)
{
	(void)state;
	write_sine("cut.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 8000, 1, 8000, 500, 0.5, NULL);
	assert_int_equal(truncate(audio_path("cut.wav"), 44 + 8000), 0); /* half the audio */
	struct audio_file *f = open_ok("cut.wav", 8000, false);
	int16_t buf[120 * 160];
	enum audio_file_status st;
	/* libsndfile trusts the file's size over the header: 0.5 s, played as such. */
	size_t n = read_all(f, buf, 120, 160, &st);
	assert_int_equal(n, 25);
	assert_int_equal(st, AUDIO_FILE_EOF);
	assert_true(fabs(db(goertzel_amp(buf + 80, 25 * 160 - 160, 500, 8000) / 16383.5)) < 0.5);
	audio_file_close(f);

	/* A FLAC file with its middle overwritten: the decoder fails part-way. */
	write_sine("bad.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 8000, 1, 16000, 500, 0.5, NULL);
	int fd = open(audio_path("bad.flac"), O_WRONLY);
	off_t size = lseek(fd, 0, SEEK_END);
	char junk[4096];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 131 + 7);
	assert_int_equal(pwrite(fd, junk, sizeof(junk), size / 3), (ssize_t)sizeof(junk));
	close(fd);
	f = open_ok("bad.flac", 8000, false);
	n = read_all(f, buf, 120, 160, &st);
	print_message("corrupt FLAC: %zu frames, then %s (%s)\n", n,
		      st == AUDIO_FILE_ERROR ? "error" : st == AUDIO_FILE_EOF ? "EOF" : "more",
		      audio_file_error(f));
	assert_true(n < 100);
	assert_true(st == AUDIO_FILE_ERROR || st == AUDIO_FILE_EOF);
	if (st == AUDIO_FILE_ERROR)
		assert_true(audio_file_error(f)[0] != '\0');
	assert_int_equal(audio_file_read_frame(f, buf), st); /* it stays ended */
	audio_file_close(f);
}

/* An 8 kHz file whose sample i is i - 2000 (a ramp), so positions can be checked. */
static void write_ramp(const char *name, int frames)
{
	int16_t *s = malloc((size_t)frames * sizeof(*s));
	for (int i = 0; i < frames; i++)
		s[i] = (int16_t)(i - 2000);
	SF_INFO info = {.samplerate = 8000, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	SNDFILE *sf = sf_open(audio_path(name), SFM_WRITE, &info);
	assert_non_null(sf);
	assert_int_equal(sf_writef_short(sf, s, frames), frames);
	sf_close(sf);
	free(s);
}

static void test_loop(void **state)
{
	(void)state;
	write_ramp("ramp.wav", 4080); /* 510 ms: 25 frames and a half */
	struct audio_file *f = open_ok("ramp.wav", 8000, true);
	int16_t frame[160];
	for (int k = 0; k < 25; k++)
		assert_int_equal(audio_file_read_frame(f, frame), AUDIO_FILE_FRAME);
	assert_int_equal(audio_file_tell_ms(f), 500);
	/* The frame that spans the end: its last 80 samples, then the start again. */
	assert_int_equal(audio_file_read_frame(f, frame), AUDIO_FILE_FRAME);
	assert_int_equal(frame[0], 4000 - 2000);
	assert_int_equal(frame[79], 4079 - 2000);
	assert_int_equal(frame[80], -2000);
	assert_int_equal(frame[159], 79 - 2000);
	assert_int_equal(audio_file_tell_ms(f), 10);
	/* Many passes later it is still going, in step. */
	for (int k = 0; k < 51 * 4; k++)
		assert_int_equal(audio_file_read_frame(f, frame), AUDIO_FILE_FRAME);
	/* 26 + 204 frames = 230 * 160 samples = 9 passes of 4080 and 80 over. */
	assert_int_equal(frame[159], 79 - 2000);
	assert_int_equal(audio_file_tell_ms(f), 10);
	audio_file_close(f);
}

static void test_seek_and_tell(void **state)
{
	(void)state;
	write_ramp("ramp2.wav", 8000);
	struct audio_file *f = open_ok("ramp2.wav", 8000, false);
	int16_t frame[160];
	assert_int_equal(audio_file_tell_ms(f), 0);
	assert_int_equal(audio_file_read_frame(f, frame), AUDIO_FILE_FRAME);
	assert_int_equal(audio_file_tell_ms(f), 20);
	/* Music on hold stopped at 500 ms and resumes there. */
	assert_int_equal(audio_file_seek_ms(f, 500), 0);
	assert_int_equal(audio_file_tell_ms(f), 500);
	assert_int_equal(audio_file_read_frame(f, frame), AUDIO_FILE_FRAME);
	assert_int_equal(frame[0], 4000 - 2000);
	assert_int_equal(audio_file_tell_ms(f), 520);
	/* Back to the start. */
	assert_int_equal(audio_file_seek_ms(f, 0), 0);
	assert_int_equal(audio_file_read_frame(f, frame), AUDIO_FILE_FRAME);
	assert_int_equal(frame[0], -2000);
	/* Past the end without loop: the end. */
	assert_int_equal(audio_file_seek_ms(f, 5000), 0);
	assert_int_equal(audio_file_tell_ms(f), 1000);
	assert_int_equal(audio_file_read_frame(f, frame), AUDIO_FILE_EOF);
	audio_file_close(f);
	/* With loop, wrapped round: 2300 ms of a 1000 ms file is 300 ms. */
	f = open_ok("ramp2.wav", 8000, true);
	assert_int_equal(audio_file_seek_ms(f, 2300), 0);
	assert_int_equal(audio_file_tell_ms(f), 300);
	assert_int_equal(audio_file_read_frame(f, frame), AUDIO_FILE_FRAME);
	assert_int_equal(frame[0], 2400 - 2000);
	audio_file_close(f);

	/* Through the resampler: the tone at 300 ms is where it should be. */
	write_sine("tone44.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, 44100, 1000, 0.5, NULL);
	f = open_ok("tone44.wav", 8000, false);
	assert_int_equal(audio_file_seek_ms(f, 300), 0);
	int16_t buf[40 * 160];
	enum audio_file_status st;
	assert_int_equal(read_all(f, buf, 40, 160, &st), 35);
	assert_int_equal(st, AUDIO_FILE_EOF);
	assert_true(fabs(db(goertzel_amp(buf + 80, 35 * 160 - 160, 1000, 8000) / 16383.5)) < 0.5);
	audio_file_close(f);
}

/* Compressed formats, when this libsndfile has them. */
static void test_flac_and_ogg(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int format;
	} fmts[] = {
		{"t.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16},
		{"t.ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS},
	};
	for (size_t i = 0; i < 2; i++) {
		SF_INFO info = {.samplerate = 48000, .channels = 2, .format = fmts[i].format};
		if (!sf_format_check(&info)) {
			print_message("%s: not supported by this libsndfile, skipped\n", fmts[i].name);
			continue;
		}
		write_sine(fmts[i].name, fmts[i].format, 48000, 2, 48000, 1000, 0.5, NULL);
		struct audio_file *f = open_ok(fmts[i].name, 8000, false);
		int16_t buf[60 * 160];
		enum audio_file_status st;
		assert_int_equal(read_all(f, buf, 60, 160, &st), 50);
		assert_int_equal(st, AUDIO_FILE_EOF);
		assert_true(fabs(db(goertzel_amp(buf + 80, 7840, 1000, 8000) / 16383.5)) < 1);
		audio_file_close(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_44100_stereo_to_8000),
		cmocka_unit_test(test_downmix),
		cmocka_unit_test(test_16000_mono),
		cmocka_unit_test(test_8000_float_and_padding),
		cmocka_unit_test(test_empty_sound),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_seek_and_tell),
		cmocka_unit_test(test_flac_and_ogg),
	};
	return cmocka_run_group_tests(tests, audio_dir_setup, audio_dir_teardown);
}

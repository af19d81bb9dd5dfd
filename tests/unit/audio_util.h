/* audio_util.h: helpers the test_audio_* unit tests share (include after <cmocka.h>). */
#ifndef AUDIO_UTIL_H
#define AUDIO_UTIL_H

#include <dirent.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The amplitude of the `freq` Hz component of s[0..n) (Goertzel), in sample units. */
static inline double goertzel_amp(const int16_t *s, size_t n, double freq, unsigned rate)
{
	double w = 2 * M_PI * freq / rate, c = 2 * cos(w), s1 = 0, s2 = 0;
	for (size_t i = 0; i < n; i++) {
		double s0 = s[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	double re = s1 - s2 * cos(w), im = s2 * sin(w);
	return 2 * sqrt(re * re + im * im) / (double)n;
}

/* The RMS of s[0..n). */
static inline double rms(const int16_t *s, size_t n)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (double)s[i] * s[i];
	return n ? sqrt(sum / (double)n) : 0;
}

/* Sign changes from negative to non-negative: one per cycle of a clean tone. */
static inline size_t rising_crossings(const int16_t *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 1; i < n; i++)
		c += s[i - 1] < 0 && s[i] >= 0;
	return c;
}

static inline double db(double ratio)
{
	return 20 * log10(ratio);
}

/* n samples of a sine of `freq` Hz with peak amp at `rate`. */
static inline void make_sine(int16_t *s, size_t n, double freq, unsigned rate, double amp)
{
	for (size_t i = 0; i < n; i++)
		s[i] = (int16_t)lrint(amp * sin(2 * M_PI * freq * (double)i / rate));
}

/* A temporary directory for one test file's run; removed with everything in it. */
static inline char *tmpdir_make(void)
{
	char *d = strdup("/tmp/strowger-audio.XXXXXX");
	if (!d || !mkdtemp(d))
		abort();
	return d;
}

static inline void tmpdir_remove(char *d)
{
	DIR *dir = opendir(d);
	struct dirent *e;
	char p[512];
	while (dir && (e = readdir(dir))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", d, e->d_name);
			unlink(p);
		}
	}
	if (dir)
		closedir(dir);
	rmdir(d);
	free(d);
}

/* The test file's temporary directory: audio_dir_setup and audio_dir_teardown are the
 * cmocka group setup and teardown, audio_path() names a file inside. */
static char *audio_dir;

static inline int audio_dir_setup(void **state)
{
	(void)state;
	audio_dir = tmpdir_make();
	return 0;
}

static inline int audio_dir_teardown(void **state)
{
	(void)state;
	tmpdir_remove(audio_dir);
	return 0;
}

static inline const char *audio_path(const char *name)
{
	static char p[512];
	snprintf(p, sizeof(p), "%s/%s", audio_dir, name);
	return p;
}

/* Writes frames x channels float samples (-1..1) as a file of the given libsndfile
 * format; 0 or -1. */
static inline int write_sound(const char *path, int format, int rate, int channels,
			      const float *data, sf_count_t frames)
{
	SF_INFO info = {.samplerate = rate, .channels = channels, .format = format};
	SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
	if (!sf)
		return -1;
	sf_count_t n = sf_writef_float(sf, data, frames);
	sf_close(sf);
	return n == frames ? 0 : -1;
}

#endif

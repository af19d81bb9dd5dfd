/* audio_file.c: a sound file read as 20 ms mono frames at a call rate (playback source). */
#include <errno.h>
#include <fcntl.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audio_file.h"
#include "audio_frame.h"
#include "audio_resample.h"

struct audio_file {
	SNDFILE *sf;
	int fd;
	SF_INFO info;
	unsigned rate;      /* frames' rate */
	size_t frame;       /* samples per frame */
	bool loop;
	struct audio_resampler rs;
	float *raw;         /* one read: chunk frames x channels */
	size_t chunk;
	int16_t *mono;      /* that read mixed down, waiting for the resampler */
	size_t mono_off, mono_len;
	int16_t pend[2 * AUDIO_FRAME_MAX]; /* resampled, not yet handed out */
	size_t npend;
	sf_count_t src_pos; /* the next source frame to read */
	bool src_end;       /* nothing more to read in this pass */
	bool drained;       /* ... and the resampler is flushed */
	bool failed;
	int64_t out_pos;    /* output samples of this pass handed out (< 0: of the last) */
	uint64_t prev_len;  /* output samples of the last pass, for tell after a wrap */
	char err[256];
};

/* libsndfile may not know a stream's length (a pipe, some Ogg files). */
static bool length_known(const struct audio_file *f)
{
	return f->info.frames >= 0 && f->info.frames != SF_COUNT_MAX;
}

static int open_fail(char *err, size_t errlen, int rc, const char *path, const char *why)
{
	if (errlen)
		snprintf(err, errlen, "cannot open %s: %s", path, why);
	return rc;
}

static int open_sound(struct audio_file *f, const char *path, char *err, size_t errlen)
{
	char why[200];
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return open_fail(err, errlen, -errno, path, strerror(errno));
	struct stat st;
	if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode))
		return open_fail(err, errlen, -EINVAL, path, "not a regular file");
	/* We keep the descriptor (SF_FALSE) so that it is closed exactly once whatever
	 * libsndfile does on failure. */
	f->sf = sf_open_fd(f->fd, SFM_READ, &f->info, SF_FALSE);
	if (!f->sf) {
		snprintf(why, sizeof(why), "unsupported format (%s)", sf_strerror(NULL));
		return open_fail(err, errlen, -EINVAL, path, why);
	}
	if (f->info.channels < 1)
		return open_fail(err, errlen, -ENOTSUP, path, "no audio channel");
	if (f->info.samplerate < AUDIO_RATE_MIN || f->info.samplerate > AUDIO_RATE_MAX) {
		snprintf(why, sizeof(why), "unsupported sample rate %d Hz", f->info.samplerate);
		return open_fail(err, errlen, -ENOTSUP, path, why);
	}
	return 0;
}

int audio_file_open(struct audio_file **out, const char *path, unsigned rate, bool loop,
		    char *err, size_t errlen)
{
	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if (!audio_call_rate_ok(rate))
		return open_fail(err, errlen, -EINVAL, path, "bad output rate");
	struct audio_file *f = calloc(1, sizeof(*f));
	if (!f)
		return open_fail(err, errlen, -ENOMEM, path, "out of memory");
	f->fd = -1;
	int rc = open_sound(f, path, err, errlen);
	if (rc < 0)
		goto out;
	f->rate = rate;
	f->frame = audio_frame_samples(rate);
	f->loop = loop;
	/* 20 ms of the source per read keeps each frame's work to about one read. */
	f->chunk = (size_t)f->info.samplerate / 50;
	f->raw = malloc(f->chunk * (size_t)f->info.channels * sizeof(*f->raw));
	f->mono = malloc(f->chunk * sizeof(*f->mono));
	rc = f->raw && f->mono ? audio_resample_init(&f->rs, (unsigned)f->info.samplerate, rate)
			       : -ENOMEM;
	if (rc < 0)
		open_fail(err, errlen, rc, path, "out of memory");
out:
	if (rc < 0) {
		audio_file_close(f);
		return rc;
	}
	*out = f;
	return 0;
}

void audio_file_close(struct audio_file *f)
{
	if (!f)
		return;
	if (f->sf)
		sf_close(f->sf);
	if (f->fd >= 0)
		close(f->fd);
	audio_resample_free(&f->rs);
	free(f->raw);
	free(f->mono);
	free(f);
}

static int16_t float_to_s16(float v)
{
	float s = v * 32767.0f;
	if (s >= 32767.0f)
		return 32767;
	if (s <= -32768.0f)
		return -32768;
	return (int16_t)(s < 0 ? s - 0.5f : s + 0.5f);
}

/* Averages the channels of n frames into f->mono. */
static void downmix(struct audio_file *f, size_t n)
{
	size_t ch = (size_t)f->info.channels;
	for (size_t i = 0; i < n; i++) {
		float sum = 0;
		for (size_t c = 0; c < ch; c++)
			sum += f->raw[i * ch + c];
		f->mono[i] = float_to_s16(sum / (float)ch);
	}
	f->mono_off = 0;
	f->mono_len = n;
}

static void fail(struct audio_file *f, const char *why)
{
	f->failed = true;
	snprintf(f->err, sizeof(f->err), "%s", why);
}

/* One read of the source; a short one ends the pass, with an error when it came early. */
static void read_source(struct audio_file *f)
{
	sf_count_t n = sf_readf_float(f->sf, f->raw, (sf_count_t)f->chunk);
	if (n > 0) {
		downmix(f, (size_t)n);
		f->src_pos += n;
	}
	if (n == (sf_count_t)f->chunk)
		return;
	f->src_end = true;
	char why[200];
	if (n < 0 || sf_error(f->sf) != SF_ERR_NO_ERROR) {
		snprintf(why, sizeof(why), "read error: %s", sf_strerror(f->sf));
		fail(f, why);
	} else if (length_known(f) && f->src_pos < f->info.frames) {
		snprintf(why, sizeof(why), "file ends early: %lld of %lld frames",
			 (long long)f->src_pos, (long long)f->info.frames);
		fail(f, why);
	}
}

/* Moves audio one step towards f->pend: resampling, flushing, or reading. */
static void pull(struct audio_file *f)
{
	int16_t *dst = f->pend + f->npend;
	size_t room = sizeof(f->pend) / sizeof(f->pend[0]) - f->npend;
	if (f->mono_off < f->mono_len) {
		size_t used;
		f->npend += audio_resample(&f->rs, f->mono + f->mono_off, f->mono_len - f->mono_off,
					   dst, room, &used);
		f->mono_off += used;
	} else if (f->src_end) {
		size_t n = audio_resample_flush(&f->rs, dst, room);
		f->npend += n;
		f->drained = n == 0;
	} else {
		read_source(f);
	}
}

/* Clears everything between the file and the frames, for a new position. */
static int restart_at(struct audio_file *f, sf_count_t frame)
{
	if (sf_seek(f->sf, frame, SEEK_SET) < 0) {
		fail(f, "seek failed");
		return -EIO;
	}
	audio_resample_reset(&f->rs);
	f->src_pos = frame;
	f->mono_off = f->mono_len = 0;
	f->src_end = f->drained = false;
	return 0;
}

/* At the end with loop: back to the start, keeping the last pass's pending tail. */
static bool wrap(struct audio_file *f)
{
	/* A pass that gave nothing would wrap forever. */
	if (f->src_pos == 0 || restart_at(f, 0) < 0)
		return false;
	f->prev_len = (uint64_t)(f->out_pos + (int64_t)f->npend);
	f->out_pos = -(int64_t)f->npend;
	return true;
}

enum audio_file_status audio_file_read_frame(struct audio_file *f, int16_t *frame)
{
	for (;;) {
		while (f->npend < f->frame && !f->drained)
			pull(f);
		if (f->npend >= f->frame || f->failed || !f->loop || !wrap(f))
			break;
	}
	if (f->npend == 0)
		return f->failed ? AUDIO_FILE_ERROR : AUDIO_FILE_EOF;
	size_t n = f->npend < f->frame ? f->npend : f->frame;
	memcpy(frame, f->pend, n * sizeof(*frame));
	memset(frame + n, 0, (f->frame - n) * sizeof(*frame));
	memmove(f->pend, f->pend + n, (f->npend - n) * sizeof(*f->pend));
	f->npend -= n;
	f->out_pos += (int64_t)n;
	return AUDIO_FILE_FRAME;
}

const char *audio_file_error(const struct audio_file *f)
{
	return f->err;
}

uint64_t audio_file_tell_ms(const struct audio_file *f)
{
	uint64_t pos = f->out_pos >= 0 ? (uint64_t)f->out_pos : f->prev_len - (uint64_t)-f->out_pos;
	return pos * 1000 / f->rate;
}

uint64_t audio_file_length_ms(const struct audio_file *f)
{
	if (!length_known(f))
		return 0;
	return (uint64_t)f->info.frames * 1000 / (uint64_t)f->info.samplerate;
}

int audio_file_seek_ms(struct audio_file *f, uint64_t ms)
{
	uint64_t len = audio_file_length_ms(f);
	if (length_known(f) && ms >= len)
		ms = f->loop && len ? ms % len : len;
	sf_count_t frame = (sf_count_t)(ms * (uint64_t)f->info.samplerate / 1000);
	if (length_known(f) && frame > f->info.frames)
		frame = f->info.frames;
	f->failed = false;
	f->err[0] = '\0';
	int rc = restart_at(f, frame);
	if (rc < 0)
		return rc;
	f->npend = 0;
	f->out_pos = (int64_t)(ms * f->rate / 1000);
	return 0;
}

unsigned audio_file_source_rate(const struct audio_file *f)
{
	return (unsigned)f->info.samplerate;
}

unsigned audio_file_source_channels(const struct audio_file *f)
{
	return (unsigned)f->info.channels;
}

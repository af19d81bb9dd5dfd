/* audio_rec.c: recording 20 ms frames to a WAV file written under a temporary name. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sndfile.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio_frame.h"
#include "audio_rec.h"

struct audio_rec {
	SNDFILE *sf;
	int fd;
	struct audio_rec_opts opts;
	size_t frame;            /* samples per frame */
	uint64_t frames;         /* frames written */
	uint64_t voiced_end;     /* samples up to the end of the last frame that was not silent */
	uint32_t silent_ms;      /* the current run of silence */
	enum audio_rec_status stopped;
	int err;                 /* errno of the write error */
	char *path, *tmp;
};

/* Temporary names differ between recorders of one process by this counter. */
static atomic_uint tmp_seq;

void audio_mix(int16_t *out, const int16_t *a, const int16_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int32_t v = (int32_t)a[i] + b[i];
		out[i] = (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
	}
}

double audio_level_dbfs(const int16_t *s, size_t n)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (double)s[i] * s[i];
	if (n == 0 || sum == 0)
		return AUDIO_LEVEL_FLOOR;
	/* RMS times sqrt(2): a full-scale sine reads 0 dB. */
	double db = 10 * log10(2 * sum / (double)n) - 20 * log10(32768.0);
	return db < AUDIO_LEVEL_FLOOR ? AUDIO_LEVEL_FLOOR : db;
}

static int create_tmp(struct audio_rec *r, char *err, size_t errlen)
{
	size_t len = strlen(r->path) + 48;
	r->tmp = malloc(len);
	if (!r->tmp)
		return -ENOMEM;
	/* O_EXCL with a name of our own: a stale file left by a crash is never reused,
	 * and two recorders of one path never share a file. */
	for (int tries = 0; tries < 8; tries++) {
		snprintf(r->tmp, len, "%s.%ld.%u.tmp", r->path, (long)getpid(),
			 atomic_fetch_add(&tmp_seq, 1));
		r->fd = open(r->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (r->fd >= 0 || errno != EEXIST)
			break;
	}
	if (r->fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot create %s: %s", r->path, strerror(e));
		return -e;
	}
	SF_INFO info = {.samplerate = (int)r->opts.rate, .channels = 1,
			.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	r->sf = sf_open_fd(r->fd, SFM_WRITE, &info, SF_FALSE);
	if (!r->sf) {
		snprintf(err, errlen, "cannot create %s: %s", r->path, sf_strerror(NULL));
		return -EIO;
	}
	return 0;
}

/* Closes the descriptors; the caller decides what becomes of the file. */
static int finish(struct audio_rec *r)
{
	int rc = 0;
	if (r->sf && sf_close(r->sf) != 0)
		rc = -EIO;
	r->sf = NULL;
	if (r->fd >= 0 && close(r->fd) < 0 && rc == 0)
		rc = -errno;
	r->fd = -1;
	return rc;
}

static void rec_free(struct audio_rec *r)
{
	free(r->path);
	free(r->tmp);
	free(r);
}

int audio_rec_open(struct audio_rec **out, const char *path, const struct audio_rec_opts *opts,
		   char *err, size_t errlen)
{
	char dummy[1];
	if (!errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	*out = NULL;
	if (!audio_call_rate_ok(opts->rate)) {
		snprintf(err, errlen, "cannot create %s: bad rate %u", path, opts->rate);
		return -EINVAL;
	}
	struct audio_rec *r = calloc(1, sizeof(*r));
	if (!r || !(r->path = strdup(path))) {
		free(r);
		snprintf(err, errlen, "cannot create %s: out of memory", path);
		return -ENOMEM;
	}
	r->fd = -1;
	r->opts = *opts;
	r->frame = audio_frame_samples(opts->rate);
	int rc = create_tmp(r, err, errlen);
	if (rc < 0) {
		if (r->fd >= 0)
			unlink(r->tmp);
		finish(r);
		rec_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* Silence bookkeeping after a frame was written: true when it ends the allowed run. */
static bool silence_ends(struct audio_rec *r, const int16_t *frame)
{
	if (audio_level_dbfs(frame, r->frame) >= r->opts.silence_dbfs) {
		r->silent_ms = 0;
		r->voiced_end = r->frames * r->frame;
		return false;
	}
	r->silent_ms += AUDIO_FRAME_MS;
	return r->opts.silence_ms && r->silent_ms >= r->opts.silence_ms;
}

enum audio_rec_status audio_rec_write(struct audio_rec *r, const int16_t *frame)
{
	if (r->stopped != AUDIO_REC_OK)
		return r->stopped;
	errno = 0;
	sf_count_t n = sf_writef_short(r->sf, frame, (sf_count_t)r->frame);
	if (n != (sf_count_t)r->frame) {
		/* libsndfile keeps no errno of its own: the failed write() just set it. */
		r->err = errno ? errno : EIO;
		return r->stopped = AUDIO_REC_ERROR;
	}
	r->frames++;
	if (silence_ends(r, frame))
		return r->stopped = AUDIO_REC_SILENCE;
	if (r->opts.max_ms && r->frames * AUDIO_FRAME_MS >= r->opts.max_ms)
		return r->stopped = AUDIO_REC_MAX;
	return AUDIO_REC_OK;
}

enum audio_rec_status audio_rec_write_mix(struct audio_rec *r, const int16_t *a, const int16_t *b)
{
	static const int16_t zero[AUDIO_FRAME_MAX];
	int16_t mixed[AUDIO_FRAME_MAX];
	audio_mix(mixed, a ? a : zero, b ? b : zero, r->frame);
	return audio_rec_write(r, mixed);
}

int audio_rec_close(struct audio_rec *r)
{
	int rc = r->err ? -r->err : 0;
	if (r->opts.trim_silence && r->stopped == AUDIO_REC_SILENCE) {
		sf_count_t keep = (sf_count_t)r->voiced_end;
		if (sf_command(r->sf, SFC_FILE_TRUNCATE, &keep, sizeof(keep)) != 0 && rc == 0)
			rc = -EIO;
	}
	int c = finish(r);
	if (rc == 0)
		rc = c;
	if (rename(r->tmp, r->path) < 0 && rc == 0)
		rc = -errno;
	rec_free(r);
	return rc;
}

void audio_rec_discard(struct audio_rec *r)
{
	finish(r);
	unlink(r->tmp);
	rec_free(r);
}

int audio_rec_errno(const struct audio_rec *r)
{
	return r->err;
}

uint32_t audio_rec_duration_ms(const struct audio_rec *r)
{
	return (uint32_t)(r->frames * AUDIO_FRAME_MS);
}

const char *audio_rec_tmp_path(const struct audio_rec *r)
{
	return r->tmp;
}

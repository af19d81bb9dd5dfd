/*
 * audio_rec.h: a recorder, and the two helpers recording needs. audio_rec_open()
 * creates a WAV file (16-bit PCM, mono, 8000 or 16000 Hz) under a temporary name
 * next to the final one ("PATH.PID.N.tmp"); audio_rec_write() appends one 20 ms
 * frame and says when to stop (the maximum length reached, or `silence_ms` of
 * frames quieter than `silence_dbfs`); audio_rec_close() completes the header and
 * renames the file into place, so the final name never holds a half-written
 * recording, even if the process dies (a power cut needs an fsync we do not pay for
 * on the media worker). A write error (a full disk) stops the recording but keeps
 * what was written: close still completes and renames the file, and returns the
 * error. For "both legs" recordings audio_mix() (or audio_rec_write_mix()) adds the
 * two legs' frames with saturation. The caller owns the recorder until close or
 * discard. Per frame: one plain write() of 320 or 640 bytes and a level
 * computation; open and close do a few system calls (create, rename). No locks:
 * one thread at a time per recorder (the media worker owning the session).
 */
#ifndef AUDIO_REC_H
#define AUDIO_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct audio_rec;

struct audio_rec_opts {
	unsigned rate;        /* 8000 or 16000 */
	uint32_t max_ms;      /* stop once this much is recorded; 0: no limit */
	uint32_t silence_ms;  /* stop after this much silence; 0: never */
	double silence_dbfs;  /* a frame below this level is silent (e.g. -45) */
	bool trim_silence;    /* when stopping for silence, drop the silent tail */
};

/* Why a recording stopped; once stopped, further writes do nothing and say the same. */
enum audio_rec_status {
	AUDIO_REC_OK,      /* the frame was written; go on */
	AUDIO_REC_MAX,     /* the frame was written and the maximum length reached */
	AUDIO_REC_SILENCE, /* the frame was written and ended silence_ms of silence */
	AUDIO_REC_ERROR,   /* the write failed: audio_rec_errno() says why */
};

/* 0, or -errno with a reason in err ("cannot create /x/y.wav: Permission denied"). */
int audio_rec_open(struct audio_rec **out, const char *path, const struct audio_rec_opts *opts,
		   char *err, size_t errlen);
/* Appends one frame of audio_frame_samples(rate) samples. */
enum audio_rec_status audio_rec_write(struct audio_rec *r, const int16_t *frame);
/* Appends the mix of two legs' frames; a NULL leg is silence. */
enum audio_rec_status audio_rec_write_mix(struct audio_rec *r, const int16_t *a, const int16_t *b);
/*
 * Completes the file and renames it to its final name (trimming trailing silence
 * first if asked), then frees the recorder. 0, or -errno: the write error that
 * stopped the recording (the file is in place nonetheless), or what failed at close
 * (when the rename itself fails, the temporary file is left for the admin).
 */
int audio_rec_close(struct audio_rec *r);
/* Drops the recording: the temporary file is removed, the final name not touched. */
void audio_rec_discard(struct audio_rec *r);
/* The errno of the write error that stopped the recording, else 0. */
int audio_rec_errno(const struct audio_rec *r);
/* The audio written so far, in ms. */
uint32_t audio_rec_duration_ms(const struct audio_rec *r);
/* The temporary name being written, for logs and tests. */
const char *audio_rec_tmp_path(const struct audio_rec *r);

/* out[i] = a[i] + b[i], saturated to 16 bits; out may be a or b. */
void audio_mix(int16_t *out, const int16_t *a, const int16_t *b, size_t n);
/* Digital silence (AUDIO_LEVEL_FLOOR and below). */
#define AUDIO_LEVEL_FLOOR (-100.0)
/*
 * The RMS level of n samples in dBFS, where a full-scale sine is 0 dBFS (AES17), so a
 * sine of peak amplitude A reads 20 log10(A / 32768). Never below AUDIO_LEVEL_FLOOR.
 */
double audio_level_dbfs(const int16_t *s, size_t n);

#endif

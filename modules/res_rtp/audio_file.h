/*
 * audio_file.h: a playback source. audio_file_open() opens any file libsndfile
 * reads (WAV of any rate, channel count and sample format; FLAC, Ogg Vorbis/Opus,
 * AIFF, ...), and audio_file_read_frame() hands out its audio as exact 20 ms frames
 * at a call rate (8000 or 16000 Hz): channels mixed down to mono, the rate
 * converted by audio_resample, the last partial frame padded with silence. With
 * `loop` the file starts over at its end without a gap (each pass is converted on
 * its own, then joined); audio_file_tell_ms() and
 * audio_file_seek_ms() let music on hold go on where it stopped. A file that turns
 * out to be truncated or unreadable part-way ends with AUDIO_FILE_ERROR and a
 * reason, after the audio read before the fault. The caller owns the handle and
 * closes it; open allocates (tables, buffers) and may take a few milliseconds, so
 * it belongs at the start of playback. Each read does at most one plain file read
 * of about 20 ms of the source and the filter work for one frame: no locks, no
 * other blocking. One thread at a time per handle (the media worker owning the
 * session; opening may happen on another thread before handing it over).
 */
#ifndef AUDIO_FILE_H
#define AUDIO_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct audio_file;

enum audio_file_status {
	AUDIO_FILE_FRAME, /* a frame was written */
	AUDIO_FILE_EOF,   /* the end (never with loop, unless the file holds no audio) */
	AUDIO_FILE_ERROR, /* a read failed: audio_file_error() says why */
};

/*
 * Opens `path` for playback as frames at `rate` (8000 or 16000). Returns 0, or
 * -errno with a reason in err ("cannot open /x.wav: No such file or directory",
 * "cannot open /x.txt: unsupported format (...)", "... unsupported sample rate
 * 4000 Hz").
 */
int audio_file_open(struct audio_file **out, const char *path, unsigned rate, bool loop,
		    char *err, size_t errlen);
void audio_file_close(struct audio_file *f);
/* Writes audio_frame_samples(rate) samples to frame unless it returns EOF or ERROR. */
enum audio_file_status audio_file_read_frame(struct audio_file *f, int16_t *frame);
/* Why the last read failed (empty string before any failure). */
const char *audio_file_error(const struct audio_file *f);
/* Where the next frame starts, in ms from the start of the file. */
uint64_t audio_file_tell_ms(const struct audio_file *f);
/* Moves there (past the end: to the end, or with loop, wrapped round); 0 or -errno. */
int audio_file_seek_ms(struct audio_file *f, uint64_t ms);
/* The file's length in ms (at its own rate). */
uint64_t audio_file_length_ms(const struct audio_file *f);
/* The file's own rate and channel count, for logs. */
unsigned audio_file_source_rate(const struct audio_file *f);
unsigned audio_file_source_channels(const struct audio_file *f);

#endif

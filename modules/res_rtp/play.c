/*
 * play.c: what the PBX itself sends a phone, on the session's worker: sound files
 * and beeps as 20 ms frames in the call's codec, paced by the worker's tick, and
 * digits as RFC 4733 telephone-event. Worker thread only.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <strowger/log.h>

#include "audio_codec.h"
#include "audio_file.h"
#include "media.h"

#define RATE 8000
#define FRAME (RATE / 1000 * AUDIO_FRAME_MS)
/* After a stall (a busy worker), at most this many frames go out at once; the rest
 * are skipped, so a late prompt does not arrive as a burst. */
#define MAX_CATCH_UP 5

uint32_t media_digit_bit(char digit)
{
	static const char set[] = "0123456789*#ABCD!";
	const char *p = digit ? strchr(set, toupper((unsigned char)digit)) : NULL;
	return p ? 1u << (p - set) : 0;
}

uint32_t media_digit_set(const char *digits)
{
	uint32_t set = 0;
	for (const char *d = digits; d && *d; d++)
		set |= media_digit_bit(*d);
	return set;
}

void media_play_free(struct media_play *p)
{
	if (!p)
		return;
	if (p->f)
		audio_file_close(p->f);
	for (size_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->files);
	free(p->moh_dir);
	free(p);
}

/* Where the playback is: the file open and how far into it, or the next file. */
static void play_position(const struct media_play *p, struct sg_rtp_done *d)
{
	if (p->f) {
		d->file = p->cur;
		d->file_ms = (uint32_t)audio_file_tell_ms(p->f);
	} else {
		d->file = p->nfiles && p->next == p->nfiles && p->loop ? 0 : p->next;
		d->file_ms = 0;
	}
}

void media_play_end(struct media_session *s, enum sg_rtp_end end, char digit, const char *error, int err)
{
	struct media_play *p = s->play;
	if (!p)
		return;
	s->play = NULL;
	/* The beep before a recording is the recording's business: no event. */
	if (!p->then_record) {
		struct media_event e = {.id = p->id, .fn = p->done, .fn_arg = p->done_arg,
					.done = {.end = end, .digit = digit, .err = err,
						 .ms = (uint32_t)(p->frames * AUDIO_FRAME_MS)}};
		play_position(p, &e.done);
		e.done.skipped = p->skipped;
		if (error)
			snprintf(e.done.error, sizeof(e.done.error), "%s", error);
		media_event_post(s->mw, s, MEDIA_EV_PLAY_DONE, &e);
	}
	media_play_free(p);
}

/* A bare name is looked up in the sounds folder in the playback's language first,
 * then in English, then as NAME.wav, NAME and en/NAME (the layout before languages);
 * a path with a '/' is taken as it is. Not found: the first form, for the error. */
static void resolve(const char *name, const char *lang, char *out, size_t size)
{
	if (strchr(name, '/')) {
		snprintf(out, size, "%s", name);
		return;
	}
	if (*lang && strcmp(lang, "en")) {
		snprintf(out, size, "%s/%s/%s.wav", media_sounds_dir, lang, name);
		if (access(out, R_OK) == 0)
			return;
	}
	static const char *const forms[] = {"%s/en/%s.wav", "%s/%s.wav", "%s/%s", "%s/en/%s"};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(out, size, forms[i], media_sounds_dir, name);
		if (access(out, R_OK) == 0)
			return;
	}
	if (*lang && strcmp(lang, "en"))
		snprintf(out, size, "%s/%s/%s.wav", media_sounds_dir, lang, name);
	else
		snprintf(out, size, forms[0], media_sounds_dir, name);
}

/* The sounds already reported as missing, so a prompt missing from a menu that
 * plays in a loop is logged once, not at every pass: a ring of the last
 * MISSING_MAX names (the oldest forgotten first), shared by the workers. */
#define MISSING_MAX 128
static pthread_mutex_t missing_lock = PTHREAD_MUTEX_INITIALIZER;
static char missing[MISSING_MAX][96];
static unsigned missing_next;

void media_missing_forget(void)
{
	pthread_mutex_lock(&missing_lock);
	memset(missing, 0, sizeof(missing));
	missing_next = 0;
	pthread_mutex_unlock(&missing_lock);
}

/* True the first time this name is reported (in any language: a name missing in
 * the call's language that English has is not reported at all). */
static bool missing_first(const char *name)
{
	char key[sizeof(missing[0])];
	snprintf(key, sizeof(key), "%s", name);
	bool first = true;
	pthread_mutex_lock(&missing_lock);
	for (unsigned i = 0; i < MISSING_MAX && first; i++)
		if (!strcmp(missing[i], key))
			first = false;
	if (first) {
		memcpy(missing[missing_next], key, sizeof(key));
		missing_next = (missing_next + 1) % MISSING_MAX;
	}
	pthread_mutex_unlock(&missing_lock);
	return first;
}

/*
 * Opens the next file of the list (from the first again when looping): 1, 0 at the
 * end, or -errno with err set. A file that cannot be opened is skipped (and logged
 * once per name); the playback fails only when nothing of it could be opened, so a
 * prompt list with one missing word still plays the others.
 */
static int open_next(struct media_session *s, struct media_play *p, char *err, size_t errlen)
{
	int rc = 0;
	/* At most one pass over the list per call: a loop of missing files ends. */
	for (size_t tries = 0; tries < p->nfiles; tries++) {
		if (p->next == p->nfiles) {
			if (!p->loop)
				break;
			p->next = 0;
		}
		char path[1024];
		p->cur = p->next;
		const char *name = p->files[p->next++];
		resolve(name, p->language, path, sizeof(path));
		rc = audio_file_open(&p->f, path, RATE, false, err, errlen);
		if (!rc) {
			p->opened++;
			/* The first file of a playback that goes on from where another stopped. */
			if (p->seek_ms && audio_file_seek_ms(p->f, p->seek_ms))
				SG_NOTICE(TAG, "session %u (%s): cannot seek to %u ms in %s; from its start", s->id,
					  s->name, (unsigned)p->seek_ms, path);
			p->seek_ms = 0;
			return 1;
		}
		p->skipped++;
		if (missing_first(name))
			SG_WARNING(TAG, "session %u (%s): sound \"%s\" (language %s): %s (logged once until a reload)",
				   s->id, s->name, name, p->language, err);
		else
			SG_DEBUG(TAG, "session %u (%s): %s", s->id, s->name, err);
	}
	if (!rc || p->opened)
		return 0;
	/* Nothing of the list could be played: an error, which names the last file. */
	if (p->nfiles > 1) {
		char last[200];
		snprintf(last, sizeof(last), "%s", err);
		snprintf(err, errlen, "none of the %zu sounds could be opened; the last: %s", p->nfiles, last);
	}
	return rc < 0 ? rc : -EIO;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static bool is_wav(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return e->d_name[0] != '.' && n > 4 && !strcasecmp(e->d_name + n - 4, ".wav");
}

static int wav_filter(const struct dirent *e) { return is_wav(e); }

/* Music on hold: the class's WAV files, in name order (a directory read on the
 * worker, like the file opens that follow it). 0, or -errno with err set. */
static int list_moh(struct media_play *p, char *err, size_t errlen)
{
	struct dirent **names = NULL;
	int n = scandir(p->moh_dir, &names, wav_filter, by_name);
	if (n < 0) {
		snprintf(err, errlen, "music on hold: cannot read %s: %s", p->moh_dir, strerror(errno));
		return -errno;
	}
	int rc = 0;
	if (n == 0) {
		snprintf(err, errlen, "music on hold: no .wav file in %s", p->moh_dir);
		rc = -ENOENT;
	} else if (!(p->files = calloc((size_t)n, sizeof(*p->files)))) {
		snprintf(err, errlen, "music on hold: out of memory");
		rc = -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", p->moh_dir, names[i]->d_name);
		if (!rc && !(p->files[p->nfiles++] = strdup(path)))
			rc = -ENOMEM;
		free(names[i]);
	}
	free(names);
	return rc;
}

/* The next frame: 1, 0 when everything played, -1 on an error (err says). */
static int next_frame(struct media_session *s, struct media_play *p, int16_t *frame, char *err, size_t errlen)
{
	if (p->beep || p->ringback)
		return audio_tone_frame(&p->tone, frame) ? 1 : 0;
	for (int tries = 0; tries < 3; tries++) {
		if (!p->f) {
			int rc = open_next(s, p, err, errlen);
			if (rc <= 0)
				return rc < 0 ? -1 : 0;
		}
		switch (audio_file_read_frame(p->f, frame)) {
		case AUDIO_FILE_FRAME:
			return 1;
		case AUDIO_FILE_EOF:
			audio_file_close(p->f);
			p->f = NULL;
			break;
		default:
			snprintf(err, errlen, "%s", audio_file_error(p->f));
			SG_WARNING(TAG, "session %u (%s): %s", s->id, s->name, err);
			return -1;
		}
	}
	return 0; /* three empty files in a row (a loop of an empty file): stop */
}

void media_play_start(struct media_session *s, struct media_play *p)
{
	if (s->play)
		media_play_end(s, SG_RTP_END_DONE, 0, NULL, 0); /* replaced */
	s->play = p;
	p->start_ms = media_now_us() / 1000;
	p->frames = 0;
	if (p->beep && audio_tone_beep(&p->tone, RATE)) {
		media_play_end(s, SG_RTP_END_ERROR, 0, "cannot make the beep", -EINVAL);
		return;
	}
	if (p->ringback && audio_tone_ringback_eu(&p->tone, RATE)) {
		media_play_end(s, SG_RTP_END_ERROR, 0, "cannot make the ringback tone", -EINVAL);
		return;
	}
	char err[200];
	int rc = p->moh_dir ? list_moh(p, err, sizeof(err)) : 0;
	if (rc) {
		media_play_end(s, SG_RTP_END_ERROR, 0, err, rc);
		return;
	}
	if (p->nfiles)
		p->next %= p->nfiles; /* start_file, from a list that may have changed */
}

static void send_audio(struct media_session *s, struct media_play *p, uint64_t now_ms)
{
	uint8_t kind = s->codecs.send_kind;
	enum audio_codec codec = media_audio_codec(kind);
	if (codec == AUDIO_CODEC_NONE || s->codecs.tx_pt[kind] == 255) {
		media_play_end(s, SG_RTP_END_ERROR, 0, "no audio codec agreed with the phone", -EPROTO);
		return;
	}
	uint64_t due = (now_ms - p->start_ms) / AUDIO_FRAME_MS + 1;
	if (due > p->frames + MAX_CATCH_UP)
		p->frames = due - MAX_CATCH_UP;
	for (; p->frames < due; p->frames++) {
		int16_t frame[FRAME];
		uint8_t payload[FRAME];
		char err[200] = "";
		int rc = next_frame(s, p, frame, err, sizeof(err));
		if (rc <= 0) {
			media_play_end(s, rc ? SG_RTP_END_ERROR : SG_RTP_END_DONE, 0, rc ? err : NULL, rc ? -EIO : 0);
			return;
		}
		size_t n = audio_codec_encode(codec, frame, FRAME, payload);
		media_send_own(s, s->codecs.tx_pt[kind], p->frames == 0, s->gen.ts, payload, n, now_ms * 1000);
		s->gen.ts += FRAME;
	}
}

/* The packets of a digit being sent that are due: every 20 ms, with the event's
 * timestamp (RFC 4733 §2.5.1); audio waits meanwhile. */
static void send_dtmf(struct media_session *s, uint64_t now_ms)
{
	struct media_gen *g = &s->gen;
	while (g->dtmf_on && g->dtmf_next_ms <= now_ms) {
		uint8_t payload[RTP_DTMF_BLOCK];
		bool marker = false;
		uint32_t off = 0;
		if (!rtp_dtmf_tx_next(&g->dtmf, payload, &marker, &off)) {
			g->dtmf_on = false;
			break;
		}
		media_send_own(s, s->codecs.tx_pt[MEDIA_TE], marker, g->dtmf_ts + off, payload, sizeof(payload),
			       now_ms * 1000);
		g->ts += FRAME;
		g->dtmf_next_ms += AUDIO_FRAME_MS;
	}
}

void media_play_tick(struct media_session *s, uint64_t now_ms)
{
	if (s->gen.dtmf_on) {
		send_dtmf(s, now_ms);
		if (s->play) /* the prompt holds its place meanwhile */
			s->play->start_ms += AUDIO_FRAME_MS;
		return;
	}
	struct media_play *p = s->play;
	if (p && s->mute) {
		/* The phone holds: the prompt waits where it is until it comes back. */
		if (!p->paused_ms)
			p->paused_ms = now_ms;
		return;
	}
	if (p && p->paused_ms) {
		p->start_ms += now_ms - p->paused_ms;
		p->paused_ms = 0;
	}
	if (p)
		send_audio(s, p, now_ms);
}

void media_digit_send(struct media_session *s, char digit, unsigned duration_ms, uint64_t now_ms)
{
	struct media_gen *g = &s->gen;
	if (!s->codecs.set || s->codecs.tx_pt[MEDIA_TE] == 255) {
		SG_NOTICE(TAG, "session %u (%s): cannot send digit %c: the phone takes no telephone-event", s->id,
			  s->name, digit);
		return;
	}
	if (g->dtmf_on)
		SG_DEBUG(TAG, "session %u (%s): digit %c cuts the one being sent short", s->id, s->name, digit);
	if (rtp_dtmf_tx_start(&g->dtmf, digit, duration_ms, 8000, AUDIO_FRAME_MS))
		return;
	g->dtmf_on = true;
	g->dtmf_ts = g->ts;
	g->dtmf_next_ms = now_ms;
	send_dtmf(s, now_ms);
}

void media_digit_received(struct media_session *s, char digit)
{
	struct media_event e = {.digit = digit};
	media_event_post(s->mw, s, SG_RTP_EVENT_DIGIT, &e);
	uint32_t bit = media_digit_bit(digit);
	if (s->play && !s->play->then_record && (s->play->stop_digits & bit))
		media_play_end(s, SG_RTP_END_DIGIT, digit, NULL, 0);
	if (s->rec && (s->rec->stop_digits & bit))
		media_rec_end(s, SG_RTP_END_DIGIT, digit, NULL, 0);
}

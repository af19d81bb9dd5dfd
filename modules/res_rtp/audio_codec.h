/*
 * audio_codec.h: frames between linear 16-bit samples and the call codecs' RTP
 * payloads. A session stores an `enum audio_codec` (found from the SDP's encoding
 * name with audio_codec_by_name()); encode and decode move one frame (or any number
 * of samples) between linear and payload bytes, and transcode converts a G.711
 * payload between µ-law and A-law through a 256-byte table without going through
 * linear. Linear audio is at the codec's clock rate (audio_codec_rate(): 8000 for
 * G.711, one byte per sample, 160 per 20 ms frame). Tables and pure functions on the
 * caller's buffers: any thread, no allocation, a table lookup or segment search per
 * sample.
 */
#ifndef AUDIO_CODEC_H
#define AUDIO_CODEC_H

#include <stddef.h>
#include <stdint.h>

enum audio_codec {
	AUDIO_CODEC_NONE, /* not a codec we convert */
	AUDIO_CODEC_PCMU, /* G.711 µ-law, RTP payload type 0 */
	AUDIO_CODEC_PCMA, /* G.711 A-law, RTP payload type 8 */
};

/* µ-law code -> the A-law code of the same sample (as decoding then encoding would
 * give), and back. */
extern const uint8_t audio_ulaw_to_alaw[256];
extern const uint8_t audio_alaw_to_ulaw[256];

/* The codec of an RTP encoding name ("PCMU", "pcma": any case), else NONE. */
enum audio_codec audio_codec_by_name(const char *name, size_t len);
/* "PCMU", "PCMA", or "none". */
const char *audio_codec_name(enum audio_codec c);
/* RTP clock rate (8000), 0 for NONE. */
unsigned audio_codec_rate(enum audio_codec c);
/* The static RTP payload type (0, 8), -1 for NONE. */
int audio_codec_payload_type(enum audio_codec c);
/* The payload byte that decodes to silence. */
uint8_t audio_codec_silence(enum audio_codec c);
/* n linear samples -> payload; returns the bytes written (n, or 0 for NONE). */
size_t audio_codec_encode(enum audio_codec c, const int16_t *pcm, size_t n, uint8_t *payload);
/* A payload of len bytes -> linear; returns the samples written (len, or 0 for NONE). */
size_t audio_codec_decode(enum audio_codec c, const uint8_t *payload, size_t len, int16_t *pcm);
/* A payload from one codec to another (a copy when they are the same); returns the
 * bytes written, 0 when either is NONE. out may be in. */
size_t audio_codec_transcode(enum audio_codec from, enum audio_codec to, const uint8_t *in,
			     size_t len, uint8_t *out);

#endif

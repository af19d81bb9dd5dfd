/*
 * g711.h: ITU-T G.711 companding, µ-law (PCMU, RTP payload type 0) and A-law (PCMA,
 * payload type 8), between 8-bit codes and 16-bit linear samples. The standard works
 * on 14-bit (µ-law) and 13-bit (A-law) magnitudes; here samples are 16-bit and only
 * their top 14 or 13 bits count, and decoding gives the middle of each quantisation
 * interval scaled to 16 bits (µ-law ±32124, A-law ±32256 at most).
 *
 * Decoding is a lookup in a constant table, encoding a segment search; neither keeps
 * state or allocates, so any thread may call them on its own buffers. One code has
 * no round trip: µ-law 0x7F ("negative zero") decodes to 0, which encodes as 0xFF.
 */
#ifndef G711_H
#define G711_H

#include <stddef.h>
#include <stdint.h>

extern const int16_t g711_ulaw_table[256];
extern const int16_t g711_alaw_table[256];

/* µ-law silence (+0) and A-law silence (the smallest positive level, +8). */
#define G711_ULAW_SILENCE 0xFF
#define G711_ALAW_SILENCE 0xD5

static inline int16_t g711_ulaw_decode(uint8_t code)
{
	return g711_ulaw_table[code];
}

static inline int16_t g711_alaw_decode(uint8_t code)
{
	return g711_alaw_table[code];
}

uint8_t g711_ulaw_encode(int16_t sample);
uint8_t g711_alaw_encode(int16_t sample);

/* n samples <-> n codes. */
void g711_ulaw_encode_block(uint8_t *out, const int16_t *in, size_t n);
void g711_ulaw_decode_block(int16_t *out, const uint8_t *in, size_t n);
void g711_alaw_encode_block(uint8_t *out, const int16_t *in, size_t n);
void g711_alaw_decode_block(int16_t *out, const uint8_t *in, size_t n);

#endif

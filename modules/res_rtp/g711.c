/*
 * g711.c: G.711 µ-law and A-law from the definitions of ITU-T G.711 (1988), tables 1
 * and 2: a sign bit, a 3-bit segment (chord) number and a 4-bit step within the
 * segment; µ-law codes are sent inverted, A-law codes with the even bits inverted.
 */
#include "g711.h"

/*
 * µ-law: a 14-bit magnitude m (0-8158) plus 33 falls in segment s when it lies in
 * [32 << s, 64 << s); the step is the 4 bits below its leading one. The decoder
 * answers the middle of the interval, ((2 * step + 33) << s) - 33, here times 4
 * (16-bit scale): ((step << 3) + 132) << s) - 132.
 */
#define ULAW_BITS(c) (0xFF ^ (c))
#define ULAW_MAG(c) (((((ULAW_BITS(c) & 0x0F) << 3) + 0x84) << ((ULAW_BITS(c) >> 4) & 7)) - 0x84)
#define ULAW_LINEAR(c) ((ULAW_BITS(c) & 0x80) ? -ULAW_MAG(c) : ULAW_MAG(c))

/*
 * A-law: a 12-bit magnitude m (0-4095) is in segment 0 below 32 (step m / 2), else
 * in segment s when it lies in [16 << s, 32 << s) (step: the 4 bits below its
 * leading one). Decoded middles, 13-bit scale: 2 * step + 1 in segment 0, else
 * (2 * step + 33) << (s - 1); here times 8. The sign bit is 1 for positive values.
 */
#define ALAW_BITS(c) (0x55 ^ (c))
#define ALAW_SEG(c) ((ALAW_BITS(c) >> 4) & 7)
#define ALAW_STEP(c) (ALAW_BITS(c) & 0x0F)
#define ALAW_MAG(c) ((ALAW_SEG(c) == 0 ? (ALAW_STEP(c) << 1) + 1 : ((ALAW_STEP(c) << 1) + 33) << (ALAW_SEG(c) - 1)) << 3)
#define ALAW_LINEAR(c) ((ALAW_BITS(c) & 0x80) ? ALAW_MAG(c) : -ALAW_MAG(c))

/* The decode tables, computed by the compiler from the formulas above. */
#define R4(f, i) f(i), f((i) + 1), f((i) + 2), f((i) + 3)
#define R16(f, i) R4(f, i), R4(f, (i) + 4), R4(f, (i) + 8), R4(f, (i) + 12)
#define R64(f, i) R16(f, i), R16(f, (i) + 16), R16(f, (i) + 32), R16(f, (i) + 48)
#define R256(f) R64(f, 0), R64(f, 64), R64(f, 128), R64(f, 192)

const int16_t g711_ulaw_table[256] = {R256(ULAW_LINEAR)};
const int16_t g711_alaw_table[256] = {R256(ALAW_LINEAR)};

/* The magnitude of a sample, its low `drop` bits removed. A negative sample is
 * taken in one's complement (-1 counts as 0), as the standard's sign-magnitude
 * codes imply: this keeps -32768 in range and makes every decoded value encode back
 * to its own code. */
static unsigned magnitude(int16_t s, unsigned drop)
{
	int v = s < 0 ? ~s : s;
	return (unsigned)v >> drop;
}

uint8_t g711_ulaw_encode(int16_t sample)
{
	unsigned m = magnitude(sample, 2);
	if (m > 8158)
		m = 8158; /* the top of µ-law's range: 8158 + 33 still fits 13 bits */
	m += 33;
	unsigned seg = 0;
	while (m >= (64u << seg))
		seg++;
	unsigned step = (m >> (seg + 1)) & 0x0F;
	unsigned sign = sample < 0 ? 0x80 : 0;
	return (uint8_t)~(sign | seg << 4 | step);
}

uint8_t g711_alaw_encode(int16_t sample)
{
	unsigned m = magnitude(sample, 3);
	unsigned seg = 0, step;
	if (m < 32) {
		step = m >> 1;
	} else {
		seg = 1;
		while (m >= (32u << seg))
			seg++;
		step = (m >> seg) & 0x0F;
	}
	unsigned sign = sample < 0 ? 0 : 0x80;
	return (uint8_t)((sign | seg << 4 | step) ^ 0x55);
}

void g711_ulaw_encode_block(uint8_t *out, const int16_t *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = g711_ulaw_encode(in[i]);
}

void g711_ulaw_decode_block(int16_t *out, const uint8_t *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = g711_ulaw_table[in[i]];
}

void g711_alaw_encode_block(uint8_t *out, const int16_t *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = g711_alaw_encode(in[i]);
}

void g711_alaw_decode_block(int16_t *out, const uint8_t *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = g711_alaw_table[in[i]];
}

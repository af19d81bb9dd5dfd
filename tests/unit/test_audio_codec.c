/* test_audio_codec.c: codec lookup, G.711 frames both ways, µ-law <-> A-law tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "audio_codec.h"
#include "audio_util.h"
#include "g711.h"

static void test_lookup(void **state)
{
	(void)state;
	assert_int_equal(audio_codec_by_name("PCMU", 4), AUDIO_CODEC_PCMU);
	assert_int_equal(audio_codec_by_name("pcmu", 4), AUDIO_CODEC_PCMU);
	assert_int_equal(audio_codec_by_name("PcmA", 4), AUDIO_CODEC_PCMA);
	/* Names are views into an SDP body: the length counts, not a NUL. */
	assert_int_equal(audio_codec_by_name("PCMA/8000", 4), AUDIO_CODEC_PCMA);
	assert_int_equal(audio_codec_by_name("PCMA/8000", 9), AUDIO_CODEC_NONE);
	assert_int_equal(audio_codec_by_name("PCM", 3), AUDIO_CODEC_NONE);
	assert_int_equal(audio_codec_by_name("G722", 4), AUDIO_CODEC_NONE);
	assert_int_equal(audio_codec_by_name("", 0), AUDIO_CODEC_NONE);
	assert_string_equal(audio_codec_name(AUDIO_CODEC_PCMU), "PCMU");
	assert_string_equal(audio_codec_name(AUDIO_CODEC_PCMA), "PCMA");
	assert_string_equal(audio_codec_name(AUDIO_CODEC_NONE), "none");
	assert_int_equal(audio_codec_rate(AUDIO_CODEC_PCMU), 8000);
	assert_int_equal(audio_codec_rate(AUDIO_CODEC_PCMA), 8000);
	assert_int_equal(audio_codec_rate(AUDIO_CODEC_NONE), 0);
	assert_int_equal(audio_codec_payload_type(AUDIO_CODEC_PCMU), 0);
	assert_int_equal(audio_codec_payload_type(AUDIO_CODEC_PCMA), 8);
	assert_int_equal(audio_codec_payload_type(AUDIO_CODEC_NONE), -1);
	assert_int_equal(audio_codec_silence(AUDIO_CODEC_PCMU), 0xFF);
	assert_int_equal(audio_codec_silence(AUDIO_CODEC_PCMA), 0xD5);
}

/* A 20 ms frame of a tone through each codec and back: the same as g711.c, and close. */
static void test_frames(void **state)
{
	(void)state;
	int16_t pcm[160], back[160];
	uint8_t pay[160];
	make_sine(pcm, 160, 1000, 8000, 20000);
	for (enum audio_codec c = AUDIO_CODEC_PCMU; c <= AUDIO_CODEC_PCMA; c++) {
		assert_int_equal(audio_codec_encode(c, pcm, 160, pay), 160);
		for (int i = 0; i < 160; i++)
			assert_int_equal(pay[i], c == AUDIO_CODEC_PCMU ? g711_ulaw_encode(pcm[i])
								       : g711_alaw_encode(pcm[i]));
		assert_int_equal(audio_codec_decode(c, pay, 160, back), 160);
		/* The worst step at this level is 1024 (µ-law) or 1024 (A-law): half of it. */
		for (int i = 0; i < 160; i++)
			assert_true(abs(back[i] - pcm[i]) <= 512);
		assert_true(fabs(db(goertzel_amp(back, 160, 1000, 8000) / 20000)) < 0.1);
		/* Silence encodes to the silence byte. */
		int16_t zero[160] = {0};
		assert_int_equal(audio_codec_encode(c, zero, 160, pay), 160);
		assert_int_equal(pay[0], audio_codec_silence(c));
	}
	assert_int_equal(audio_codec_encode(AUDIO_CODEC_NONE, pcm, 160, pay), 0);
	assert_int_equal(audio_codec_decode(AUDIO_CODEC_NONE, pay, 160, back), 0);
}

/* The tables are decode-then-encode, code by code, and transcoding uses them. */
static void test_transcode(void **state)
{
	(void)state;
	uint8_t all[256], out[256];
	for (int c = 0; c < 256; c++) {
		all[c] = (uint8_t)c;
		assert_int_equal(audio_ulaw_to_alaw[c], g711_alaw_encode(g711_ulaw_decode((uint8_t)c)));
		assert_int_equal(audio_alaw_to_ulaw[c], g711_ulaw_encode(g711_alaw_decode((uint8_t)c)));
	}
	assert_int_equal(audio_codec_transcode(AUDIO_CODEC_PCMU, AUDIO_CODEC_PCMA, all, 256, out), 256);
	assert_memory_equal(out, audio_ulaw_to_alaw, 256);
	assert_int_equal(audio_codec_transcode(AUDIO_CODEC_PCMA, AUDIO_CODEC_PCMU, all, 256, out), 256);
	assert_memory_equal(out, audio_alaw_to_ulaw, 256);
	assert_int_equal(out[G711_ALAW_SILENCE], G711_ULAW_SILENCE - 1); /* A-law's +8 is µ-law's +8 */
	/* In place, and the same codec is a copy. */
	uint8_t buf[256];
	memcpy(buf, all, 256);
	assert_int_equal(audio_codec_transcode(AUDIO_CODEC_PCMU, AUDIO_CODEC_PCMA, buf, 256, buf), 256);
	assert_memory_equal(buf, audio_ulaw_to_alaw, 256);
	assert_int_equal(audio_codec_transcode(AUDIO_CODEC_PCMA, AUDIO_CODEC_PCMA, all, 256, out), 256);
	assert_memory_equal(out, all, 256);
	assert_int_equal(audio_codec_transcode(AUDIO_CODEC_NONE, AUDIO_CODEC_PCMA, all, 256, out), 0);
	assert_int_equal(audio_codec_transcode(AUDIO_CODEC_PCMU, AUDIO_CODEC_NONE, all, 256, out), 0);
	/* A tone transcoded sounds the same as the tone encoded directly: within a step. */
	int16_t pcm[160], viau[160], viaa[160];
	uint8_t u[160], a[160];
	make_sine(pcm, 160, 700, 8000, 15000);
	audio_codec_encode(AUDIO_CODEC_PCMU, pcm, 160, u);
	audio_codec_transcode(AUDIO_CODEC_PCMU, AUDIO_CODEC_PCMA, u, 160, a);
	audio_codec_decode(AUDIO_CODEC_PCMA, a, 160, viaa);
	audio_codec_decode(AUDIO_CODEC_PCMU, u, 160, viau);
	for (int i = 0; i < 160; i++)
		assert_true(abs(viaa[i] - viau[i]) <= 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_transcode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * cli_split.c: libFuzzer target for sg_cli_split() (core/cli.c), the console line
 * splitter. The first byte picks the word limit; the rest is the line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int max = data[0] % (SG_CLI_MAX_WORDS + 1);
	data++;
	size--;

	/* The console hands it a NUL-terminated line; scratch is exactly strlen+1 bytes,
	 * both on the heap so ASan sees any overrun. */
	char *line = malloc(size + 1);
	memcpy(line, data, size);
	line[size] = '\0';
	size_t n = strlen(line);
	char *scratch = malloc(n + 1);
	const char **words = malloc(sizeof(*words) * (max ? (size_t)max : 1));
	const char *error = NULL;

	int r = sg_cli_split(line, scratch, words, max, &error);
	if (r < 0) {
		if (r != -1 || !error)
			abort();
	} else {
		if (r > max)
			abort();
		for (int i = 0; i < r; i++) {
			/* Each word is a NUL-terminated string inside scratch. */
			if (words[i] < scratch || words[i] > scratch + n)
				abort();
			size_t wl = strnlen(words[i], (size_t)(scratch + n + 1 - words[i]));
			if (words[i] + wl > scratch + n)
				abort();
		}
	}
	free(words);
	free(scratch);
	free(line);
	return 0;
}

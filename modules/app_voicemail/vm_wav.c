/* vm_wav.c: reads a WAV's header chunks (RIFF, fmt, data) to find its length. The
 * data chunk must fit in the file: a truncated or foreign file is refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vm_wav.h"

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int bad(char *why, unsigned long whylen, const char *what)
{
	snprintf(why, whylen, "%s", what);
	return -EINVAL;
}

int vm_wav_seconds(const char *path, double *seconds, char *why, unsigned long whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -errno;
	}
	struct stat st;
	unsigned char h[12];
	int rc = 0;
	if (fstat(fd, &st) < 0 || pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) || memcmp(h, "RIFF", 4) ||
	    memcmp(h + 8, "WAVE", 4)) {
		rc = bad(why, whylen, "not a RIFF/WAVE file");
		goto out;
	}
	/* Walk the chunks: fmt gives the bytes per second, data the length. */
	off_t off = 12;
	uint32_t byte_rate = 0;
	for (int i = 0; i < 64; i++) {
		unsigned char c[16];
		if (pread(fd, c, 8, off) != 8) {
			rc = bad(why, whylen, "no data chunk");
			goto out;
		}
		uint32_t size = le32(c + 4);
		if (!memcmp(c, "fmt ", 4)) {
			if (size < 16 || pread(fd, c, 16, off + 8) != 16) {
				rc = bad(why, whylen, "short fmt chunk");
				goto out;
			}
			uint16_t channels = (uint16_t)(c[2] | c[3] << 8);
			uint32_t rate = le32(c + 4);
			byte_rate = le32(c + 8);
			if (!channels || rate < 8000 || rate > 48000 || !byte_rate) {
				rc = bad(why, whylen, "bad fmt chunk");
				goto out;
			}
		} else if (!memcmp(c, "data", 4)) {
			if (!byte_rate) {
				rc = bad(why, whylen, "data before fmt");
				goto out;
			}
			if ((off_t)size > st.st_size - off - 8) {
				rc = bad(why, whylen, "data chunk longer than the file (truncated)");
				goto out;
			}
			*seconds = (double)size / byte_rate;
			goto out;
		}
		off += 8 + (off_t)size + (size & 1);
		if (off > st.st_size) {
			rc = bad(why, whylen, "chunk past the end of the file");
			goto out;
		}
	}
	rc = bad(why, whylen, "too many chunks");
out:
	close(fd);
	return rc;
}

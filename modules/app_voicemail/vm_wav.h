/* vm_wav.h: just enough RIFF/WAVE reading to tell a message's length and whether
 * its file is a WAV at all (a corrupt one is skipped, not played). */
#ifndef VM_WAV_H
#define VM_WAV_H

/* 0 and the length in seconds, or -errno (-EINVAL: not a usable WAV; the reason
 * goes to why). */
int vm_wav_seconds(const char *path, double *seconds, char *why, unsigned long whylen);

#endif

/* sip_dtmf.c: the application/dtmf-relay and application/dtmf bodies of SIP INFO, read and written. */
#include <errno.h>
#include <stdio.h>

#include "sip_dtmf.h"

/* Signals by event number (RFC 4733 §3.2): the numeric forms 10-16 index it too. */
static const char signals[] = "0123456789*#ABCD!";
#define SIGNAL_COUNT (sizeof(signals) - 1)

static char signal_of_char(char c)
{
	if (c >= 'a' && c <= 'd')
		c = (char)(c - 'a' + 'A');
	for (size_t i = 0; i < SIGNAL_COUNT; i++)
		if (signals[i] == c)
			return c;
	return '\0';
}

/* "5", "*", "a", "!", or "10".."16"; '\0' for anything else. */
static char signal_of(const struct sip_pl *v)
{
	if (v->l == 1)
		return signal_of_char(v->p[0]);
	uint32_t n;
	if (v->l == 2 && v->p[0] == '1' && sip_pl_u32(v, SIGNAL_COUNT - 1, &n) == 0)
		return signals[n];
	return '\0';
}

int sip_dtmf_format_of(const struct sip_pl *content_type)
{
	if (!content_type->p)
		return -EINVAL;
	const char *semi = memchr(content_type->p, ';', content_type->l);
	struct sip_pl type = sip_pl_make(content_type->p, semi ? (size_t)(semi - content_type->p) : content_type->l);
	type = sip_pl_trim(type);
	if (sip_pl_caseeq_str(&type, SIP_DTMF_RELAY_TYPE))
		return SIP_DTMF_RELAY;
	if (sip_pl_caseeq_str(&type, SIP_DTMF_PLAIN_TYPE))
		return SIP_DTMF_PLAIN;
	return -EINVAL;
}

/* "Duration=N": milliseconds, 0 meaning "not said". */
static int parse_duration(const struct sip_pl *v, unsigned *ms)
{
	uint32_t n;
	if (sip_pl_u32(v, SIP_DTMF_MAX_MS, &n))
		return -EINVAL;
	*ms = n ? n : SIP_DTMF_DEFAULT_MS;
	return 0;
}

/* One "key = value" line of a dtmf-relay body (already trimmed, not empty). */
static int relay_line(struct sip_pl line, struct sip_dtmf *out, bool *have_signal, bool *have_duration)
{
	const char *eq = memchr(line.p, '=', line.l);
	if (!eq)
		return -EINVAL;
	struct sip_pl key = sip_pl_trim(sip_pl_make(line.p, (size_t)(eq - line.p)));
	struct sip_pl val = sip_pl_trim(sip_pl_make(eq + 1, line.l - (size_t)(eq + 1 - line.p)));
	if (sip_pl_caseeq_str(&key, "Signal")) {
		if (*have_signal || !(out->digit = signal_of(&val)))
			return -EINVAL;
		*have_signal = true;
	} else if (sip_pl_caseeq_str(&key, "Duration")) {
		if (*have_duration || parse_duration(&val, &out->duration_ms))
			return -EINVAL;
		*have_duration = true;
	}
	return 0;
}

static int parse_relay(const struct sip_pl *body, struct sip_dtmf *out)
{
	bool have_signal = false, have_duration = false;
	size_t i = 0;
	while (i < body->l) {
		const char *nl = memchr(body->p + i, '\n', body->l - i);
		size_t end = nl ? (size_t)(nl - body->p) : body->l;
		/* Trimming drops the CR of a CRLF and skips blank lines. */
		struct sip_pl line = sip_pl_trim(sip_pl_make(body->p + i, end - i));
		if (line.l && relay_line(line, out, &have_signal, &have_duration))
			return -EINVAL;
		i = end + 1;
	}
	return have_signal ? 0 : -EINVAL;
}

int sip_dtmf_parse(enum sip_dtmf_format format, const struct sip_pl *body, struct sip_dtmf *out)
{
	if (!body->p)
		return -EINVAL;
	out->digit = '\0';
	out->duration_ms = SIP_DTMF_DEFAULT_MS;
	if (format == SIP_DTMF_RELAY)
		return parse_relay(body, out);
	if (format == SIP_DTMF_PLAIN) {
		struct sip_pl v = sip_pl_trim(*body);
		out->digit = signal_of(&v);
		return out->digit ? 0 : -EINVAL;
	}
	return -EINVAL;
}

int sip_dtmf_print(char *buf, size_t size, char digit, unsigned duration_ms)
{
	char d = signal_of_char(digit);
	if (!d)
		return -EINVAL;
	if (duration_ms == 0)
		duration_ms = SIP_DTMF_DEFAULT_MS;
	/* Flash has no character of its own in the format: phones know it as 16. */
	int n = d == '!' ? snprintf(buf, size, "Signal=16\r\nDuration=%u\r\n", duration_ms)
			 : snprintf(buf, size, "Signal=%c\r\nDuration=%u\r\n", d, duration_ms);
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

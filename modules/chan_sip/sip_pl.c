/* sip_pl.c: comparing, trimming, converting and unescaping pointer + length views. */
#include <errno.h>

#include "sip_pl.h"

static int lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int sip_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool sip_pl_eq(const struct sip_pl *a, const struct sip_pl *b)
{
	if (a->l != b->l)
		return false;
	return a->l == 0 || memcmp(a->p, b->p, a->l) == 0;
}

bool sip_pl_caseeq(const struct sip_pl *a, const struct sip_pl *b)
{
	if (a->l != b->l)
		return false;
	for (size_t i = 0; i < a->l; i++)
		if (lower((unsigned char)a->p[i]) != lower((unsigned char)b->p[i]))
			return false;
	return true;
}

bool sip_pl_caseeq_str(const struct sip_pl *a, const char *s)
{
	if (!s)
		return false;
	struct sip_pl b = sip_pl_of(s);
	return sip_pl_caseeq(a, &b);
}

bool sip_pl_eq_str(const struct sip_pl *a, const char *s)
{
	if (!s)
		return false;
	struct sip_pl b = sip_pl_of(s);
	return sip_pl_eq(a, &b);
}

int sip_pl_casecmp(const struct sip_pl *a, const struct sip_pl *b)
{
	size_t n = a->l < b->l ? a->l : b->l;
	for (size_t i = 0; i < n; i++) {
		int d = lower((unsigned char)a->p[i]) - lower((unsigned char)b->p[i]);
		if (d)
			return d;
	}
	return a->l < b->l ? -1 : a->l > b->l ? 1 : 0;
}

static bool is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct sip_pl sip_pl_trim(struct sip_pl pl)
{
	if (!pl.p)
		return pl;
	while (pl.l && is_lws(pl.p[0])) {
		pl.p++;
		pl.l--;
	}
	while (pl.l && is_lws(pl.p[pl.l - 1]))
		pl.l--;
	return pl;
}

int sip_pl_u64(const struct sip_pl *pl, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool range = false;

	if (!pl->p || pl->l == 0)
		return -EINVAL;
	for (size_t i = 0; i < pl->l; i++) {
		unsigned char c = (unsigned char)pl->p[i];
		if (c < '0' || c > '9')
			return -EINVAL;
		/* Keep scanning after an overflow: a non-digit later is still -EINVAL. */
		if (!range && (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, c - '0', &v)))
			range = true;
	}
	if (range || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int sip_pl_u32(const struct sip_pl *pl, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int err = sip_pl_u64(pl, max, &v);
	if (err)
		return err;
	*out = (uint32_t)v;
	return 0;
}

int sip_pl_unescape(const struct sip_pl *pl, char *out, size_t size, size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < pl->l; i++) {
		char c = pl->p[i];
		if (c == '%') {
			if (i + 2 >= pl->l)
				return -EINVAL;
			int hi = sip_hexval((unsigned char)pl->p[i + 1]);
			int lo = sip_hexval((unsigned char)pl->p[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (o >= size)
			return -ENOSPC;
		out[o++] = c;
	}
	*outlen = o;
	return 0;
}

int sip_pl_unquote(const struct sip_pl *pl, char *out, size_t size, size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < pl->l; i++) {
		char c = pl->p[i];
		if (c == '\\') {
			if (i + 1 >= pl->l)
				return -EINVAL;
			c = pl->p[++i];
		}
		if (o >= size)
			return -ENOSPC;
		out[o++] = c;
	}
	*outlen = o;
	return 0;
}

char *sip_pl_strcpy(const struct sip_pl *pl, char *out, size_t size)
{
	if (size == 0)
		return out;
	size_t n = pl->l < size - 1 ? pl->l : size - 1;
	if (n)
		memcpy(out, pl->p, n);
	out[n] = '\0';
	return out;
}

char *sip_strcpy(char *out, size_t size, const char *s)
{
	struct sip_pl pl = sip_pl_of(s);
	return sip_pl_strcpy(&pl, out, size);
}

uint64_t sip_hash(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

char *sip_put_dec(char *p, unsigned long v)
{
	char tmp[24];
	size_t n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* sdp_str.c: comparing, splitting and converting views into an SDP body. */
#include <errno.h>

#include "sdp_str.h"

static unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

bool sdp_str_eq(const struct sdp_str *a, const char *s)
{
	return s && a->l == strlen(s) && (a->l == 0 || memcmp(a->p, s, a->l) == 0);
}

bool sdp_str_caseeq(const struct sdp_str *a, const struct sdp_str *b)
{
	if (a->l != b->l)
		return false;
	size_t i = 0;
	while (i < a->l && fold((unsigned char)a->p[i]) == fold((unsigned char)b->p[i]))
		i++;
	return i == a->l;
}

bool sdp_str_caseeq_cstr(const struct sdp_str *a, const char *s)
{
	struct sdp_str b = sdp_str_of(s);
	return s && sdp_str_caseeq(a, &b);
}

int sdp_str_u64(const struct sdp_str *s, uint64_t max, uint64_t *out)
{
	if (!s->p || s->l == 0)
		return -EINVAL;
	uint64_t v = 0;
	int err = 0;
	for (size_t i = 0; i < s->l; i++) {
		unsigned d = (unsigned)(unsigned char)s->p[i] - '0';
		if (d > 9)
			return -EINVAL;
		/* Past max, keep reading: a later non-digit still makes it -EINVAL. */
		if (err || d > max || v > (max - d) / 10)
			err = -ERANGE;
		else
			v = v * 10 + d;
	}
	if (err)
		return err;
	*out = v;
	return 0;
}

int sdp_str_u32(const struct sdp_str *s, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int err = sdp_str_u64(s, max, &v);
	if (!err)
		*out = (uint32_t)v;
	return err;
}

bool sdp_str_field(struct sdp_str *rest, struct sdp_str *field)
{
	size_t i = 0;
	while (i < rest->l && rest->p[i] == ' ')
		i++;
	if (i == rest->l)
		return false;
	size_t start = i;
	while (i < rest->l && rest->p[i] != ' ')
		i++;
	*field = (struct sdp_str){ rest->p + start, i - start };
	while (i < rest->l && rest->p[i] == ' ')
		i++;
	*rest = (struct sdp_str){ rest->p + i, rest->l - i };
	return true;
}

bool sdp_str_split(const struct sdp_str *s, char c, struct sdp_str *before, struct sdp_str *after)
{
	const char *at = s->l ? memchr(s->p, c, s->l) : NULL;
	if (!at)
		return false;
	/* Computed first: before or after may be s itself. */
	size_t n = (size_t)(at - s->p);
	struct sdp_str b = {s->p, n}, a = {at + 1, s->l - n - 1};
	*before = b;
	*after = a;
	return true;
}

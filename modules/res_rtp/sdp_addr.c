/* sdp_addr.c: connection addresses of c=, o= and a=rtcp lines (RFC 8866 §5.7). */
#include <arpa/inet.h>
#include <errno.h>

#include "sdp_int.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A domain name as RFC 8866 allows in place of an address: letters, digits, '-' and
 * '.', not starting with a dot or a hyphen. */
static bool is_domain(const struct sdp_str *a)
{
	if (a->l == 0 || a->p[0] == '.' || a->p[0] == '-')
		return false;
	for (size_t i = 0; i < a->l; i++) {
		char c = a->p[i];
		bool alnum = is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (!alnum && c != '-' && c != '.')
			return false;
	}
	return true;
}

/* "/ttl", "/ttl/count" (IPv4) or "/count" (IPv6): numbers only. */
static bool valid_suffix(const struct sdp_str *suf, enum sdp_addrtype type)
{
	struct sdp_str first, second;
	uint32_t v;
	if (!sdp_str_split(suf, '/', &first, &second))
		return sdp_str_u32(suf, 65535, &v) == 0;
	return type == SDP_IP4 && sdp_str_u32(&first, 255, &v) == 0 && sdp_str_u32(&second, 65535, &v) == 0;
}

/* Does the address look like a literal of its type (so that a typo in one is an
 * error rather than a "domain name")? */
static bool looks_literal(const struct sdp_str *a, enum sdp_addrtype type)
{
	if (type == SDP_IP6)
		return memchr(a->p, ':', a->l) != NULL;
	for (size_t i = 0; i < a->l; i++)
		if (!is_digit(a->p[i]) && a->p[i] != '.')
			return false;
	return true;
}

int sdp_conn_parse(struct sdp_conn *c, const struct sdp_str *nettype, const struct sdp_str *addrtype,
		   const struct sdp_str *addr, bool multicast, const char **why)
{
	memset(c, 0, sizeof(*c));
	if (!sdp_str_eq(nettype, "IN")) {
		*why = "network type is not IN";
		return -EINVAL;
	}
	if (sdp_str_eq(addrtype, "IP4"))
		c->type = SDP_IP4;
	else if (sdp_str_eq(addrtype, "IP6"))
		c->type = SDP_IP6;
	else {
		*why = "address type is not IP4 or IP6";
		return -EINVAL;
	}

	struct sdp_str a = *addr, suffix;
	if (sdp_str_split(addr, '/', &a, &suffix)) {
		if (!multicast || !valid_suffix(&suffix, c->type)) {
			*why = "bad connection address";
			return -EINVAL;
		}
		c->multicast = true;
		c->suffix = suffix;
	}
	c->addr = a;
	if (a.l == 0) {
		*why = "bad connection address";
		return -EINVAL;
	}
	if (!looks_literal(&a, c->type)) {
		if (!is_domain(&a)) {
			*why = "bad connection address";
			return -EINVAL;
		}
		c->is_name = true;
		return 0;
	}

	char tmp[48];
	if (a.l >= sizeof(tmp)) {
		*why = c->type == SDP_IP4 ? "bad IPv4 address" : "bad IPv6 address";
		return -EINVAL;
	}
	memcpy(tmp, a.p, a.l);
	tmp[a.l] = '\0';
	if (inet_pton(c->type == SDP_IP4 ? AF_INET : AF_INET6, tmp, c->ip) != 1) {
		*why = c->type == SDP_IP4 ? "bad IPv4 address" : "bad IPv6 address";
		return -EINVAL;
	}
	size_t n = c->type == SDP_IP4 ? 4 : 16, zero = 0;
	while (zero < n && c->ip[zero] == 0)
		zero++;
	c->is_null = zero == n;
	return 0;
}

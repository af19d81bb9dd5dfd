/*
 * asfe_xml.c: libFuzzer target for the as-feature-event bodies a phone sends
 * (chan_sip's asfe_parse, libxml2 underneath). On success the fields must be
 * NUL-terminated within their arrays, a refusal must say why, and the state the
 * request describes must write back as a NOTIFY body.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "asfe_xml.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct asfe_req r;
	const char *why = NULL;
	if (asfe_parse((const char *)data, size, &r, &why)) {
		FUZZ_CHECK(why && *why);
		return 0;
	}
	FUZZ_CHECK(memchr(r.device, '\0', sizeof(r.device)));
	FUZZ_CHECK(memchr(r.dest, '\0', sizeof(r.dest)));
	FUZZ_CHECK(!r.forwarding || (unsigned)r.kind < SG_FWD_KINDS);
	struct sg_features f = {.dnd = !r.forwarding && r.on, .noanswer_s = 20};
	if (r.forwarding) {
		f.fwd[r.kind].on = r.on;
		memcpy(f.fwd[r.kind].dest, r.dest, sizeof(f.fwd[r.kind].dest));
	}
	char out[8192];
	int n = asfe_write(r.device[0] ? r.device : "1000", &f, out, sizeof(out));
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(out));
	return 0;
}

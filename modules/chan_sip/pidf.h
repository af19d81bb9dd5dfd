/*
 * pidf.h: PIDF presence documents (application/pidf+xml, RFC 3863) as chan_sip
 * handles them: checking a published one, putting a user's publications together
 * into the document its watchers get, and writing the document the PBX derives
 * from registrations and calls when nothing is published. Parsing uses libxml2
 * without network access, DTDs or entity substitution.
 */
#ifndef CHAN_SIP_PIDF_H
#define CHAN_SIP_PIDF_H

#include <stdbool.h>
#include <stddef.h>

#define SIP_PIDF_TYPE "application/pidf+xml"
#define SIP_PIDF_NS "urn:ietf:params:xml:ns:pidf"

/* Sets up the XML parser (at load). */
void sip_pidf_init(void);
/* 0 when body is a PIDF document (well-formed XML, a <presence> root in the
 * PIDF namespace with an entity, each <tuple> with an id and a <status>), else
 * -EINVAL with why saying what is wrong ("line 3: Opening and ending tag
 * mismatch", "the root is not a PIDF presence element"; a reason phrase). */
int sip_pidf_check(const char *body, size_t len, char *why, size_t wsize);
/* One document for `entity` holding the elements (tuples, persons, notes...)
 * of each of the n checked documents, in order (the newest first): an element
 * with the name and id of one already taken from a newer document is left out,
 * so a tuple published twice shows as its latest publication says. Length, or
 * -errno (-ENOSPC: out too small). */
int sip_pidf_compose(char *out, size_t size, const char *entity, const char *const *docs, const size_t *lens,
		     size_t n);
/* The PBX's own view: basic open while the user has a registered phone, a
 * note, and rpid's on-the-phone activity while it is in a call. Length or
 * -ENOSPC. */
int sip_pidf_derived(char *out, size_t size, const char *entity, bool registered, bool on_phone);
/* Whether every tuple of the old document (it has at least one) has its id in
 * the new one: then the new one describes the same devices. */
bool sip_pidf_covers(const char *neu, size_t nlen, const char *old, size_t olen);
/* "open" or "closed": the <basic> of the document's first tuple that has one,
 * else "unknown" (for the console). */
const char *sip_pidf_basic(const char *body, size_t len);

#endif

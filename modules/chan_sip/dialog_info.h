/*
 * dialog_info.h: the application/dialog-info+xml document (RFC 4235 §4) for a
 * user's legs, written with plain string formatting (no XML library needed),
 * and the XML escaping the presence documents share. Pure: no core state.
 */
#ifndef CHAN_SIP_DIALOG_INFO_H
#define CHAN_SIP_DIALOG_INFO_H

#include <stddef.h>
#include <stdint.h>

struct sg_leg;

#define SIP_DINFO_TYPE "application/dialog-info+xml"

/* s with &, <, >, " and ' as XML entities, and control characters dropped,
 * into out (always terminated; cut short when it does not fit). Returns out. */
char *sip_xml_escape(const char *s, char *out, size_t size);

/* A full-state dialog-info document for `entity` (the watched URI) numbered
 * `version`, one <dialog> per leg (the oldest first; legs that do not fit are
 * left out), durations counted to now_ms (loop clock). Length, or -ENOSPC. */
int sip_dinfo_write(char *out, size_t size, const char *entity, unsigned version,
		    const struct sg_leg *const *legs, size_t n, uint64_t now_ms);

#endif

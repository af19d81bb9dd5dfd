/*
 * common.h: the few definitions every public Strowger header shares. SG_API marks
 * a core function that modules may call: the core is built with hidden visibility,
 * so only SG_API symbols are exported from the `strowger` binary (it is linked with
 * -rdynamic), and a module can link against nothing else. SG_EXPORT does the same for
 * the one symbol a module exports (its description). struct sg_module is the opaque
 * handle of a loaded module; every registration into a core registry records one as
 * its owner (NULL means the core itself), so unloading a module removes whatever it
 * registered, even what it forgot.
 */
#ifndef STROWGER_COMMON_H
#define STROWGER_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SG_API __attribute__((visibility("default")))
#define SG_EXPORT __attribute__((visibility("default")))
#define SG_PRINTF(fmt_idx, first) __attribute__((format(printf, fmt_idx, first)))

struct sg_module;

#endif

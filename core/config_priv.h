/* config_priv.h: validating a module's config section (core only). */
#ifndef SG_CONFIG_PRIV_H
#define SG_CONFIG_PRIV_H

#include <strowger/config.h>

/* Checks settings[section] of the generation being loaded (or the current one)
 * against keys: unknown keys and wrong types give "file:line: message". */
int sg_config_validate_section(const char *section, const struct sg_config_key *keys, char *err,
			       size_t errlen);
/* The closest of `candidates` to `word` within two edits, or NULL. */
const char *sg_config_suggest(const char *word, const char *const *candidates, size_t n);

#endif

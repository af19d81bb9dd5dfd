/*
 * config.h: reading the settings the admin wrote in the Lua entry file. The file
 * calls `settings{ ... }`; the core validates its own keys, and each module declares
 * the keys of its own section (a table named after the module's config_section) in
 * its description (module.h), so a typo is refused with file:line before anything
 * starts, even with `strowger -n`. Modules read values by dotted path
 * ("example.greeting"). Strings returned stay valid until the next config reload
 * (`dialplan reload`): copy what you keep longer. Main thread only.
 */
#ifndef STROWGER_CONFIG_H
#define STROWGER_CONFIG_H

#include "common.h"

enum sg_config_type {
	SG_CFG_STRING,
	SG_CFG_INT,
	SG_CFG_NUMBER,
	SG_CFG_BOOL,
	SG_CFG_STRING_LIST, /* a Lua array of strings */
	SG_CFG_TABLE,	    /* any table: the module reads it itself */
};

/* One allowed key of a section; arrays of them end with a {NULL} entry. */
struct sg_config_key {
	const char *name;
	enum sg_config_type type;
	const char *help;
};

/* Each getter returns false (and leaves *out alone) when the key is not set. */
SG_API bool sg_config_string(const char *path, const char **out);
SG_API bool sg_config_int(const char *path, long long *out);
SG_API bool sg_config_number(const char *path, double *out);
SG_API bool sg_config_bool(const char *path, bool *out);
/* Number of strings in a list setting (0 when unset), and the i-th (0-based). */
SG_API size_t sg_config_list_len(const char *path);
SG_API const char *sg_config_list_get(const char *path, size_t i);
/* "file:line" of the settings{} call, for messages about a value. */
SG_API const char *sg_config_where(void);
/* The data directory (voicemail, databases), absolute. */
SG_API const char *sg_config_data_dir(void);

#endif

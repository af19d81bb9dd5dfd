/*
 * users.h: the PBX's users, as the admin declares them in the entry file with
 * `users{ ["1000"] = {name="Alice", password="..."}, ... }`. A user has an id (the
 * extension or login), a display name, a secret (a plaintext password or a
 * pre-hashed digest HA1 "md5:<hex>" / "sha256:<hex>"), the dialplan context their
 * calls start in, and free-form variables for dialplan code. The table is replaced
 * as a whole on reload: pointers stay valid until the next reload returns to the
 * loop. Main thread only.
 */
#ifndef STROWGER_USERS_H
#define STROWGER_USERS_H

#include "common.h"

struct sg_user {
	const char *id;
	const char *name;     /* display name, or NULL */
	const char *password; /* plaintext, or NULL when only an HA1 is given */
	const char *ha1_md5;  /* hex MD5(user:realm:password), or NULL */
	const char *ha1_sha256;
	const char *realm;    /* the realm the HA1s were computed for, or NULL */
	const char *context;  /* dialplan context for this user's calls */
	/* media = "direct": this user's calls may send RTP phone to phone (when the
	 * other side allows it too); "relay", the default: always through the PBX. */
	bool direct_media;
	/* language = "fr": the prompts this user's calls hear (sg_call_language), or NULL. */
	const char *language;
};

SG_API const struct sg_user *sg_user_find(const char *id);
SG_API size_t sg_users_count(void);
/* The i-th user in id order (0-based), or NULL past the end. */
SG_API const struct sg_user *sg_user_at(size_t i);

#endif

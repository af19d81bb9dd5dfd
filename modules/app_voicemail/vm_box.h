/*
 * vm_box.h: app_voicemail's mailboxes: which boxes exist, their messages (a WAV in
 * <data>/voicemail/<box>/INBOX or Old, indexed in the store namespace "voicemail"),
 * their greetings and PINs, and the counts published as MWI. Main thread only.
 */
#ifndef VM_BOX_H
#define VM_BOX_H

#include <stdbool.h>
#include <stddef.h>

#include <strowger/module.h>

#define VM_ID_MAX 64
#define VM_FIELD_MAX 80

enum vm_folder { VM_INBOX, VM_OLD, VM_TMP };

struct vm_msg {
	unsigned num; /* the file is msgNNNN.wav */
	enum vm_folder folder;
	char caller[VM_FIELD_MAX], name[VM_FIELD_MAX];
	long long time; /* seconds since the epoch */
	double seconds;
};

struct vm_box {
	char id[VM_ID_MAX];
	char pin[32];	     /* a PIN changed by phone (kept in the store), or "" */
	struct vm_msg *msgs; /* INBOX and Old, in number order */
	size_t n, cap;
	unsigned next_num;
};

/* What the voicemail config section says (defaults in vm_box.c). */
struct vm_settings {
	unsigned max_messages, max_seconds, pin_tries;
	double min_seconds, silence;
	bool review;
	unsigned long long min_free_kb; /* refuse to record below this much free disk */
};
extern struct vm_settings vm_cfg;

void vm_read_config(void);
/* Opens the store, builds the box list and reconciles files with the index
 * (logging what it repaired), publishes MWI for every box. 0 or -errno. */
int vm_boxes_load(struct sg_module *self);
/* Adds boxes that appeared in the config (users, extra_boxes) after a reload. */
void vm_boxes_refresh(void);
void vm_boxes_unload(void);

struct vm_box *vm_box_find(const char *id);
size_t vm_box_count(void);
struct vm_box *vm_box_at(size_t i);
void vm_box_counts(const struct vm_box *b, unsigned *new_msgs, unsigned *old_msgs);
bool vm_box_valid_id(const char *id);

/* <data>/voicemail/<box>/<folder>/msgNNNN.wav (folder "tmp" for a recording). */
void vm_msg_path(const struct vm_box *b, enum vm_folder f, unsigned num, char *out, size_t size);
/* <data>/voicemail/<box>/greetings/<kind>.wav */
void vm_greeting_path(const struct vm_box *b, const char *kind, char *out, size_t size);

/* NULL when the box can take a message, else why not ("full" or "disk"; logged). */
const char *vm_box_no_room(struct vm_box *b, const char *caller);
/*
 * A new message: checks room (box count, free disk), makes the folders, picks its
 * number and indexes it as "tmp" with who called, so a crash before it is saved
 * is reconciled. 0, -ENOSPC (box full: *why "full"; disk: "disk"), -EIO.
 */
int vm_msg_begin(struct vm_box *b, const char *caller, const char *name, unsigned *num, const char **why);
/*
 * The recording of message `num` ended: moves it from tmp to INBOX and indexes
 * it, or drops it when shorter than min_seconds or unreadable. When res_rtp has
 * not put the file in place yet (the caller hung up: the worker is still closing
 * it), waits for it on a timer. Returns "saved", "empty", "pending" or "error",
 * and the length.
 */
const char *vm_msg_commit(struct vm_box *b, unsigned num, double *seconds);
void vm_msg_discard(struct vm_box *b, unsigned num);
/* Moves a message to Old, or deletes it; both update the index and MWI. */
int vm_msg_move_old(struct vm_box *b, unsigned num);
int vm_msg_delete(struct vm_box *b, unsigned num);
struct vm_msg *vm_msg_find(struct vm_box *b, unsigned num);

/* The PIN in force: one changed by phone, else voicemail.boxes.<id>.pin, else
 * `fallback` (the user's vars.voicemail_pin); NULL when none. */
const char *vm_box_pin(const struct vm_box *b, const char *fallback);
int vm_box_set_pin(struct vm_box *b, const char *pin);

#endif

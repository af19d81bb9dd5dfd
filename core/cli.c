/* cli.c: the console command registry, line splitting, dispatch, help, completion. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_priv.h"

struct sg_cli {
	struct sg_buf *out;
};

struct entry {
	const struct sg_cli_command *cmd;
	struct sg_module *owner;
	const char *words[8];
	int nwords;
	char scratch[128];
};

static struct entry *entries;
static size_t entry_count, entry_cap;

void sg_cli_printf(struct sg_cli *cli, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sg_buf_vprintf(cli->out, fmt, ap);
	va_end(ap);
}

int sg_cli_split(const char *line, char *scratch, const char **words, int max, const char **error)
{
	int n = 0;
	const char *p = line;
	char *o = scratch;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p)
			return n;
		if (n == max) {
			*error = "too many words";
			return -1;
		}
		words[n++] = o;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
			if (*p != '"') {
				*o++ = *p++;
				continue;
			}
			for (p++; *p != '"'; p++) {
				if (!*p) {
					*error = "unterminated quote";
					return -1;
				}
				if (*p == '\\' && p[1])
					p++;
				*o++ = *p;
			}
			p++;
		}
		*o++ = '\0';
	}
}

static bool split_entry(struct entry *e)
{
	const char *error;
	if (strlen(e->cmd->words) >= sizeof(e->scratch))
		return false;
	e->nwords = sg_cli_split(e->cmd->words, e->scratch, e->words, 8, &error);
	return e->nwords > 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->cmd->words, ((const struct entry *)b)->cmd->words);
}

int sg_cli_register(struct sg_module *owner, const struct sg_cli_command *cmds, size_t n)
{
	/* Check the whole table first, so a refused table leaves nothing behind. */
	for (size_t i = 0; i < n; i++) {
		struct entry probe = {.cmd = &cmds[i]};
		if (!cmds[i].words || !cmds[i].handler || !split_entry(&probe))
			return -EINVAL;
		for (size_t j = 0; j < entry_count; j++)
			if (!strcmp(entries[j].cmd->words, cmds[i].words))
				return -EEXIST;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(cmds[j].words, cmds[i].words))
				return -EEXIST;
	}
	if (entry_count + n > entry_cap) {
		size_t cap = entry_cap ? entry_cap * 2 : 64;
		while (cap < entry_count + n)
			cap *= 2;
		struct entry *e = realloc(entries, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		entries = e;
		entry_cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		struct entry *e = &entries[entry_count];
		*e = (struct entry){.cmd = &cmds[i], .owner = owner};
		entry_count++;
	}
	qsort(entries, entry_count, sizeof(*entries), entry_cmp);
	/* qsort moved entries: their word pointers point into the old slots. */
	for (size_t i = 0; i < entry_count; i++)
		split_entry(&entries[i]);
	return 0;
}

static void remove_if(bool (*match)(const struct entry *, const void *), const void *arg, unsigned *count)
{
	size_t o = 0;
	for (size_t i = 0; i < entry_count; i++) {
		if (match(&entries[i], arg)) {
			if (count)
				(*count)++;
			continue;
		}
		entries[o++] = entries[i];
	}
	entry_count = o;
	for (size_t i = 0; i < entry_count; i++)
		split_entry(&entries[i]);
}

static bool match_cmd_range(const struct entry *e, const void *arg)
{
	const struct sg_cli_command *const *range = arg;
	return e->cmd >= range[0] && e->cmd < range[1];
}

void sg_cli_unregister(const struct sg_cli_command *cmds, size_t n)
{
	const struct sg_cli_command *range[2] = {cmds, cmds + n};
	remove_if(match_cmd_range, range, NULL);
}

static bool match_owner(const struct entry *e, const void *arg)
{
	return e->owner == arg;
}

unsigned sg_cli_purge_owner(struct sg_module *owner)
{
	unsigned n = 0;
	remove_if(match_owner, owner, &n);
	return n;
}

void sg_cli_shutdown(void)
{
	free(entries);
	entries = NULL;
	entry_count = entry_cap = 0;
}

/* How many of the entry's words the line starts with (all of them is a match). */
static int matched_words(const struct entry *e, int argc, const char *const *argv)
{
	int i = 0;
	while (i < e->nwords && i < argc && !strcmp(e->words[i], argv[i]))
		i++;
	return i;
}

static void print_help(struct sg_buf *out, int argc, const char *const *argv)
{
	unsigned shown = 0;
	for (size_t i = 0; i < entry_count; i++) {
		const struct entry *e = &entries[i];
		if (matched_words(e, argc, argv) < (argc < e->nwords ? argc : e->nwords))
			continue;
		sg_buf_printf(out, "%-36s %s\n", e->cmd->usage ? e->cmd->usage : e->cmd->words,
			      e->cmd->summary ? e->cmd->summary : "");
		shown++;
	}
	if (!shown)
		sg_buf_printf(out, "no commands start with that\n");
}

enum sg_cli_result sg_cli_run(const char *line, struct sg_buf *out)
{
	char *scratch = malloc(strlen(line) + 1);
	const char *argv[SG_CLI_MAX_WORDS];
	const char *error = NULL;
	enum sg_cli_result rc = SG_CLI_FAIL;
	if (!scratch) {
		sg_buf_printf(out, "out of memory\n");
		return SG_CLI_FAIL;
	}
	int argc = sg_cli_split(line, scratch, argv, SG_CLI_MAX_WORDS, &error);
	if (argc < 0) {
		sg_buf_printf(out, "cannot read the command: %s\n", error);
		rc = SG_CLI_USAGE;
		goto out;
	}
	if (argc == 0) {
		rc = SG_CLI_OK;
		goto out;
	}
	if (!strcmp(argv[0], "help")) {
		print_help(out, argc - 1, argv + 1);
		rc = SG_CLI_OK;
		goto out;
	}
	const struct entry *best = NULL;
	bool partial = false;
	for (size_t i = 0; i < entry_count; i++) {
		const struct entry *e = &entries[i];
		int m = matched_words(e, argc, argv);
		if (m == e->nwords && (!best || e->nwords > best->nwords))
			best = e;
		else if (m == argc)
			partial = true;
	}
	if (!best) {
		if (partial) {
			sg_buf_printf(out, "incomplete command; it goes on as one of:\n");
			print_help(out, argc, argv);
			rc = SG_CLI_USAGE;
		} else {
			sg_buf_printf(out, "no such command '%s' (try 'help')\n", line);
		}
		goto out;
	}
	struct sg_cli cli = {.out = out};
	rc = best->cmd->handler(&cli, argc - best->nwords, argv + best->nwords);
	if (rc == SG_CLI_USAGE)
		sg_buf_printf(out, "usage: %s\n", best->cmd->usage ? best->cmd->usage : best->cmd->words);
out:
	free(scratch);
	return rc;
}

void sg_cli_complete(const char *line, struct sg_buf *out)
{
	char *scratch = malloc(strlen(line) + 1);
	const char *argv[SG_CLI_MAX_WORDS];
	const char *error;
	if (!scratch)
		return;
	int argc = sg_cli_split(line, scratch, argv, SG_CLI_MAX_WORDS, &error);
	size_t len = strlen(line);
	bool fresh_word = len == 0 || line[len - 1] == ' ';
	/* Complete the last word unless the line ends in a blank. */
	int full = (argc > 0 && !fresh_word) ? argc - 1 : (argc < 0 ? 0 : argc);
	const char *prefix = (argc > 0 && !fresh_word) ? argv[argc - 1] : "";
	const char *last = NULL;
	for (size_t i = 0; i < entry_count; i++) {
		const struct entry *e = &entries[i];
		if (e->nwords <= full || matched_words(e, full, argv) < full)
			continue;
		const char *w = e->words[full];
		if (strncmp(w, prefix, strlen(prefix)) || (last && !strcmp(last, w)))
			continue;
		sg_buf_printf(out, "%s\n", w);
		last = w;
	}
	if (full == 0 && !strncmp("help", prefix, strlen(prefix)))
		sg_buf_printf(out, "help\n");
	free(scratch);
}

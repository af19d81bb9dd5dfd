/* features_cli.c: the `features` console commands (users' DND and forwards). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strowger/cli.h>
#include <strowger/users.h>

#include "cli_priv.h"
#include "features_priv.h"

static void show_one(struct sg_cli *cli, const char *id)
{
	struct sg_features f;
	if (sg_features_get(id, &f))
		return;
	char fwd[SG_FWD_KINDS][SG_FWD_DEST_MAX + 4];
	for (unsigned k = 0; k < SG_FWD_KINDS; k++)
		snprintf(fwd[k], sizeof(fwd[k]), "%s", f.fwd[k].on ? f.fwd[k].dest : "-");
	sg_cli_printf(cli, "%-10s %-4s %-14s %-14s %-14s %-6g %s\n", id, f.dnd ? "on" : "off", fwd[SG_FWD_ALWAYS],
		      fwd[SG_FWD_BUSY], fwd[SG_FWD_NOANSWER], f.noanswer_s,
		      sg_features_overridden(id) ? "stored" : "users{}");
}

static enum sg_cli_result features_show(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc > 1)
		return SG_CLI_USAGE;
	if (argc == 1 && !sg_user_find(argv[0])) {
		sg_cli_printf(cli, "No user '%s'.\n", argv[0]);
		return SG_CLI_FAIL;
	}
	sg_cli_printf(cli, "%-10s %-4s %-14s %-14s %-14s %-6s %s\n", "User", "DND", "Forward", "On busy",
		      "No answer", "After", "From");
	if (argc == 1) {
		show_one(cli, argv[0]);
		return SG_CLI_OK;
	}
	const struct sg_user *u;
	for (size_t i = 0; (u = sg_user_at(i)); i++)
		show_one(cli, u->id);
	return SG_CLI_OK;
}

static enum sg_cli_result done(struct sg_cli *cli, int rc, const char *id)
{
	if (rc == -ENOENT)
		sg_cli_printf(cli, "No user '%s'.\n", id);
	else if (rc)
		sg_cli_printf(cli, "Not changed: %s.\n", rc == -EINVAL ? "not a destination (no spaces, at most 127 characters)" : strerror(-rc));
	else
		show_one(cli, id);
	return rc ? SG_CLI_FAIL : SG_CLI_OK;
}

static enum sg_cli_result features_dnd(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc != 2 || (strcmp(argv[1], "on") && strcmp(argv[1], "off")))
		return SG_CLI_USAGE;
	return done(cli, sg_features_set_dnd(argv[0], !strcmp(argv[1], "on"), "console"), argv[0]);
}

static enum sg_cli_result features_forward(struct sg_cli *cli, int argc, const char *const *argv)
{
	enum sg_fwd_kind k;
	if ((argc != 3 && argc != 4) || sg_fwd_kind_parse(argv[1], &k))
		return SG_CLI_USAGE;
	bool off = !strcmp(argv[2], "off");
	if (argc == 4) {
		char *end;
		double s = strtod(argv[3], &end);
		if (k != SG_FWD_NOANSWER || *end || off)
			return SG_CLI_USAGE;
		int rc = sg_features_set_noanswer_time(argv[0], s, "console");
		if (rc)
			return done(cli, rc, argv[0]);
	}
	return done(cli, sg_features_set_forward(argv[0], k, !off, off ? NULL : argv[2], "console"), argv[0]);
}

static enum sg_cli_result features_reset(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc != 1)
		return SG_CLI_USAGE;
	return done(cli, sg_features_reset(argv[0], "console"), argv[0]);
}

static const struct sg_cli_command commands[] = {
	{"features show", "features show [USER]", "Users' do-not-disturb and forwards", features_show},
	{"features dnd", "features dnd USER on|off", "Turn a user's do-not-disturb on or off", features_dnd},
	{"features forward", "features forward USER always|busy|noanswer DEST|off [SECONDS]",
	 "Forward a user's calls (SECONDS: ring time before noanswer)", features_forward},
	{"features reset", "features reset USER", "Forget run-time values: users{} applies again", features_reset},
};

int sg_features_commands_register(void)
{
	return sg_cli_register(NULL, commands, sizeof(commands) / sizeof(commands[0]));
}

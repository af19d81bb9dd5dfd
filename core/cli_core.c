/* cli_core.c: the core's console commands: core, module, dialplan, log. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>
#include <lua.h>

#include <strowger/cli.h>
#include <strowger/log.h>
#include <strowger/loop.h>
#include <strowger/module.h>
#include <strowger/users.h>
#include <strowger/workers.h>

#include "../config.h"
#include "call_priv.h"
#include "channel_priv.h"
#include "console_priv.h"
#include "dp_priv.h"
#include "loader.h"
#include "log_priv.h"
#include "pbx.h"
#include "service_priv.h"
#include "workers_priv.h"

static void print_duration(struct sg_cli *cli, uint64_t ms)
{
	uint64_t s = ms / 1000;
	unsigned d = (unsigned)(s / 86400), h = (unsigned)(s / 3600 % 24), m = (unsigned)(s / 60 % 60);
	if (d)
		sg_cli_printf(cli, "%u day%s, ", d, d == 1 ? "" : "s");
	if (d || h)
		sg_cli_printf(cli, "%u hour%s, ", h, h == 1 ? "" : "s");
	if (d || h || m)
		sg_cli_printf(cli, "%u minute%s, ", m, m == 1 ? "" : "s");
	sg_cli_printf(cli, "%u second%s", (unsigned)(s % 60), s % 60 == 1 ? "" : "s");
}

static enum sg_cli_result show_version(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sg_cli_printf(cli, "Strowger %s (module ABI %u, %s, libevent %s)\n", SG_VERSION,
		      SG_MODULE_ABI_VERSION, LUA_RELEASE, event_get_version());
	return SG_CLI_OK;
}

static enum sg_cli_result show_uptime(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	uint64_t now = sg_loop_now_ms(sg_loop_main());
	sg_cli_printf(cli, "System uptime: ");
	print_duration(cli, now - sg_pbx_started_ms());
	sg_cli_printf(cli, "\nLast reload: ");
	print_duration(cli, now - sg_pbx_reloaded_ms());
	sg_cli_printf(cli, " ago\n");
	return SG_CLI_OK;
}

static enum sg_cli_result show_channels(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sg_chans_show(cli);
	return SG_CLI_OK;
}

static enum sg_cli_result show_channel(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc != 1)
		return SG_CLI_USAGE;
	if (sg_chan_show_one(cli, argv[0])) {
		sg_cli_printf(cli, "no channel named '%s' (see 'core show channels')\n", argv[0]);
		return SG_CLI_FAIL;
	}
	return SG_CLI_OK;
}

static enum sg_cli_result show_calls(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sg_calls_show(cli);
	return SG_CLI_OK;
}

static enum sg_cli_result show_bridges(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sg_bridges_show(cli);
	return SG_CLI_OK;
}

static enum sg_cli_result show_techs(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sg_chan_techs_show(cli);
	return SG_CLI_OK;
}

static enum sg_cli_result show_services(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sg_services_show(cli);
	return SG_CLI_OK;
}

static enum sg_cli_result show_modules(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc > 2 || (argc == 2 && strcmp(argv[0], "like")) || (argc == 1 && !strcmp(argv[0], "like")))
		return SG_CLI_USAGE;
	sg_loader_show(cli, argc == 2 ? argv[1] : argc == 1 ? argv[0] : NULL);
	return SG_CLI_OK;
}

static enum sg_cli_result show_users(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sg_cli_printf(cli, "%-12s %-24s %-12s %s\n", "User", "Name", "Context", "Secret");
	for (size_t i = 0; i < sg_users_count(); i++) {
		const struct sg_user *u = sg_user_at(i);
		sg_cli_printf(cli, "%-12s %-24s %-12s %s\n", u->id, u->name ? u->name : "-",
			      u->context ? u->context : "(default)",
			      u->password ? "password" : u->ha1_sha256 ? "ha1 sha256" : "ha1 md5");
	}
	sg_cli_printf(cli, "%zu user%s\n", sg_users_count(), sg_users_count() == 1 ? "" : "s");
	return SG_CLI_OK;
}

static enum sg_cli_result show_settings(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	const struct sg_core_settings *s = sg_core_settings();
	struct dp_gen *g = sg_dp_current();
	sg_cli_printf(cli, "Version:          %s\n", SG_VERSION);
	sg_cli_printf(cli, "Dialplan file:    %s (generation %u)\n", g ? g->file : "-", g ? g->serial : 0);
	sg_cli_printf(cli, "Data directory:   %s\n", s->data_dir);
	sg_cli_printf(cli, "Module directory: %s\n", sg_loader_dir());
	sg_cli_printf(cli, "Console socket:   %s (mode %04o, %u attached)\n", s->console_socket,
		      s->console_mode, sg_console_clients());
	sg_cli_printf(cli, "Log level:        %s%s%s\n", sg_log_level_name(sg_log_get_level()),
		      s->log_file[0] ? ", file " : "", s->log_file);
	sg_cli_printf(cli, "Media workers:    %u (queue %u tasks each)\n", sg_workers_count(), s->media_queue);
	sg_cli_printf(cli, "Default context:  %s\n", s->default_context);
	sg_cli_printf(cli, "Lua budget:       %lld instructions per wait, %lld MB memory (%.0f KB used)\n",
		      s->max_instructions, s->max_memory_mb, (double)sg_dp_memory() / 1024.0);
	sg_cli_printf(cli, "Users:            %zu\n", sg_users_count());
	return SG_CLI_OK;
}

static enum sg_cli_result show_workers(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	if (argc)
		return SG_CLI_USAGE;
	sg_cli_printf(cli, "%-8s %-10s %-8s %s\n", "Worker", "Sessions", "Queued", "Lag");
	for (unsigned i = 0; i < sg_workers_count(); i++) {
		struct sg_worker *w = sg_worker_get(i);
		sg_cli_printf(cli, "%-8u %-10u %-8zu %u ms\n", i, sg_worker_load(w), sg_worker_queue_depth(w),
			      sg_worker_lag_ms(w));
	}
	return SG_CLI_OK;
}

static enum sg_cli_result core_stop(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc != 1)
		return SG_CLI_USAGE;
	if (!strcmp(argv[0], "now")) {
		sg_cli_printf(cli, "stopping now\n");
		sg_pbx_request_stop(false);
	} else if (!strcmp(argv[0], "gracefully")) {
		unsigned n = sg_calls_active();
		sg_cli_printf(cli, "stopping once %u active call%s (no new calls accepted)\n", n,
			      n == 1 ? " ends" : "s end");
		sg_pbx_request_stop(true);
	} else {
		return SG_CLI_USAGE;
	}
	return SG_CLI_OK;
}

typedef int (module_op)(const char *name, char *err, size_t errlen);

static enum sg_cli_result module_do(struct sg_cli *cli, int argc, const char *const *argv,
				    module_op *op, const char *done)
{
	char err[512];
	if (argc != 1)
		return SG_CLI_USAGE;
	if (op(argv[0], err, sizeof(err))) {
		sg_cli_printf(cli, "%s\n", err);
		return SG_CLI_FAIL;
	}
	sg_cli_printf(cli, "%s %s\n", done, argv[0]);
	return SG_CLI_OK;
}

static enum sg_cli_result module_load(struct sg_cli *cli, int argc, const char *const *argv)
{
	return module_do(cli, argc, argv, sg_loader_load, "loaded");
}

static enum sg_cli_result module_unload(struct sg_cli *cli, int argc, const char *const *argv)
{
	return module_do(cli, argc, argv, sg_loader_unload, "unloaded");
}

static enum sg_cli_result module_reload(struct sg_cli *cli, int argc, const char *const *argv)
{
	return module_do(cli, argc, argv, sg_loader_reload, "reloaded");
}

static enum sg_cli_result dialplan_reload(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)argv;
	char err[1024];
	if (argc)
		return SG_CLI_USAGE;
	if (sg_pbx_reload(err, sizeof(err))) {
		sg_cli_printf(cli, "reload failed, the running dialplan stays: %s\n", err);
		return SG_CLI_FAIL;
	}
	struct dp_gen *g = sg_dp_current();
	sg_cli_printf(cli, "dialplan reloaded: %s (generation %u, %zu users, %zu contexts)\n", g->file,
		      g->serial, g->nusers, g->ncontexts);
	return SG_CLI_OK;
}

static enum sg_cli_result dialplan_show(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc > 1)
		return SG_CLI_USAGE;
	sg_dp_show(cli, argc ? argv[0] : NULL);
	return SG_CLI_OK;
}

static void print_tag(const char *tag, enum sg_log_level level, void *arg)
{
	sg_cli_printf(arg, "  %-16s %s\n", tag, sg_log_level_name(level));
}

static enum sg_cli_result log_level(struct sg_cli *cli, int argc, const char *const *argv)
{
	if (argc == 0) {
		sg_cli_printf(cli, "log level: %s\n", sg_log_level_name(sg_log_get_level()));
		sg_log_each_tag(print_tag, cli);
		return SG_CLI_OK;
	}
	if (argc > 2)
		return SG_CLI_USAGE;
	if (!strcmp(argv[0], "reset")) {
		if (argc != 2)
			return SG_CLI_USAGE;
		sg_log_set_tag_level(argv[1], -1);
		sg_cli_printf(cli, "tag %s follows the global level again\n", argv[1]);
		return SG_CLI_OK;
	}
	int lvl = sg_log_level_parse(argv[0]);
	if (lvl < 0) {
		sg_cli_printf(cli, "'%s' is not a level: error, warning, notice, info or debug\n", argv[0]);
		return SG_CLI_USAGE;
	}
	if (argc == 2) {
		int rc = sg_log_set_tag_level(argv[1], lvl);
		if (rc) {
			sg_cli_printf(cli, "%s\n", rc == -ENAMETOOLONG ? "tag names are at most 31 characters"
								  : "too many tag levels set; reset one first");
			return SG_CLI_FAIL;
		}
		sg_cli_printf(cli, "log level for %s: %s\n", argv[1], argv[0]);
	} else {
		sg_log_set_level((enum sg_log_level)lvl);
		sg_cli_printf(cli, "log level: %s\n", sg_log_level_name((enum sg_log_level)lvl));
	}
	return SG_CLI_OK;
}

static const struct sg_cli_command core_commands[] = {
	{"core show version", "core show version", "Version of Strowger and its libraries", show_version},
	{"core show uptime", "core show uptime", "How long the PBX has run", show_uptime},
	{"core show channels", "core show channels", "List live channels", show_channels},
	{"core show channel", "core show channel NAME", "Details of one channel", show_channel},
	{"core show calls", "core show calls", "List calls in the dialplan", show_calls},
	{"core show bridges", "core show bridges", "List bridged channel pairs", show_bridges},
	{"core show technologies", "core show technologies", "List channel technologies", show_techs},
	{"core show modules", "core show modules [like TEXT]", "List loaded modules", show_modules},
	{"core show services", "core show services", "APIs modules offer each other (service.h)", show_services},
	{"core show users", "core show users", "List the users from the config", show_users},
	{"core show settings", "core show settings", "Show the running settings", show_settings},
	{"core show workers", "core show workers", "Media worker threads and their queues", show_workers},
	{"core stop", "core stop gracefully|now", "Stop the PBX now or once calls end", core_stop},
	{"module load", "module load NAME", "Load a module (and what it needs)", module_load},
	{"module unload", "module unload NAME", "Unload a module that is not in use", module_unload},
	{"module reload", "module reload NAME", "Re-read a module's config (or reload it)", module_reload},
	{"module show", "module show [like TEXT]", "List loaded modules", show_modules},
	{"dialplan reload", "dialplan reload", "Load the dialplan file again", dialplan_reload},
	{"dialplan show", "dialplan show [CONTEXT]", "List contexts and extensions", dialplan_show},
	{"log level", "log level [LEVEL [TAG]] | log level reset TAG", "Show or set the log level", log_level},
};

int sg_core_commands_register(void)
{
	return sg_cli_register(NULL, core_commands, sizeof(core_commands) / sizeof(core_commands[0]));
}

/* fail_load.c: registers a command, then fails to load; the loader must remove the
 * command again and report the failure. */
#include <errno.h>

#include <strowger/cli.h>
#include <strowger/module.h>

static enum sg_cli_result ghost(struct sg_cli *cli, int argc, const char *const *argv)
{
	(void)cli;
	(void)argc;
	(void)argv;
	return SG_CLI_OK;
}

static const struct sg_cli_command commands[] = {{"ghost", "ghost", "must not survive", ghost}};

static int load(struct sg_module *self)
{
	sg_cli_register(self, commands, 1);
	return -EIO;
}

SG_MODULE_DEFINE(.name = "fail_load", .description = "fails on purpose", .load = load);

/* The subcommand table: one line per subcommand, in help order. */
#include <string.h>

#include "runsc.h"

const struct rs_command rs_commands[] = {
	{ "help", "show the subcommands and global flags", rs_cmd_help, false },
	{ "version", "print the version", rs_cmd_version, false },
	{ "do", "run a command in a throw-away sandbox", rs_cmd_do, false },
	{ "spec", "write a default config.json", rs_cmd_spec, false },
	{ "create", "create a container from a bundle", rs_cmd_create, false },
	{ "start", "run a created container's process", rs_cmd_start, false },
	{ "run", "create and start a container", rs_cmd_run, false },
	{ "state", "print a container's OCI state", rs_cmd_state, false },
	{ "exec", "run a new process in a container", rs_cmd_exec, false },
	{ "ps", "list a container's processes", rs_cmd_ps, false },
	{ "kill", "signal a container's processes", rs_cmd_kill, false },
	{ "delete", "remove a container", rs_cmd_delete, false },
	{ "list", "list the containers under --root", rs_cmd_list, false },
	{ "features", "print what this runtime supports", rs_cmd_features,
	  false },
	{ "syscalls", "the Sentry's syscall table", rs_cmd_syscalls, false },
	{ "gofer", "serve the container's files (internal)", rs_cmd_gofer,
	  true },
	{ "boot", "run the Sentry (internal)", rs_cmd_boot, true },
	{ "port-forward", "runsc do's -p forwarder on its own (internal)",
	  rs_cmd_port_forward, true },
};

const unsigned rs_commands_count = sizeof(rs_commands) / sizeof(rs_commands[0]);

const struct rs_command *rs_find_command(const char *name)
{
	for (unsigned i = 0; i < rs_commands_count; i++)
		if (strcmp(rs_commands[i].name, name) == 0)
			return &rs_commands[i];
	return NULL;
}

#include <stdio.h>

#include "runsc.h"

int rs_cmd_help(struct rs_global *global, int argc, char **argv)
{
	(void)global;
	(void)argc;
	(void)argv;
	printf("usage: runsc [global flags] COMMAND [flags] [args]\n\n"
	       "commands:\n");
	for (unsigned i = 0; i < rs_commands_count; i++)
		if (!rs_commands[i].internal)
			printf("  %-10s %s\n", rs_commands[i].name,
			       rs_commands[i].summary);
	printf("\nglobal flags:\n"
	       "  --root DIR             container state (default "
	       "/var/run/runsc)\n"
	       "  --log FILE             log file; failing commands write "
	       "their error there\n"
	       "  --log-format text|json   the log's lines (json: runc's, "
	       "for engines)\n"
	       "  --systemd-cgroup       the engine's cgroup driver is "
	       "systemd (recorded)\n"
	       "  --debug                debug logging\n"
	       "  --debug-log FILE       debug log file\n"
	       "  --network sandbox|none|host   the sandbox's network "
	       "(default sandbox:\n"
	       "                         its own netstack on a veth or tap; "
	       "none: loopback\n"
	       "                         only; host: the host's sockets)\n"
	       "  --net-driver afpacket|tap|dpdk   the link under the "
	       "netstack (default\n"
	       "                         afpacket; dpdk: a DPDK port, "
	       "net_af_packet on the veth)\n"
	       "  --dpdk-args ARGS       DPDK EAL arguments for "
	       "--net-driver dpdk\n"
	       "  --pcap-log FILE        capture the sandbox's packets, "
	       "loopback included\n"
	       "                         (-: stdout; a fifo or a unix socket "
	       "streams live)\n"
	       "  --pcap-filter EXPR     libpcap filter for --pcap-log\n"
	       "  --strace               log every application syscall\n"
	       "  --platform ptrace\n");
	return 0;
}

int rs_cmd_version(struct rs_global *global, int argc, char **argv)
{
	(void)global;
	(void)argc;
	(void)argv;
	printf("runsc version %s\nspec: 1.1.0\n", RS_VERSION);
	return 0;
}

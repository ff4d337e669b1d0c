/* runsc internals: global flags and the subcommand table. Each subcommand
 * lives in its own cmd_<name>.c and is listed once in commands.c. */
#ifndef RUNSC_RUNSC_H
#define RUNSC_RUNSC_H

#include <stdbool.h>

#include "runsc/error.h"
#include "runsc/log.h"

/* --network: how the sandbox reaches the network. */
enum rs_network {
	RS_NETWORK_SANDBOX, /* the netstack on interfaces runsc sets up */
	RS_NETWORK_NONE,    /* a loopback-only netstack */
	RS_NETWORK_HOST,    /* the host's sockets (weaker isolation) */
};

/* --net-driver: the link under the netstack with --network sandbox. */
enum rs_net_driver {
	RS_NET_DRIVER_AFPACKET, /* a veth the sandbox takes over */
	RS_NET_DRIVER_TAP,	/* a tap device */
	RS_NET_DRIVER_DPDK,	/* a DPDK port on the veth (drivers/dpdk.h) */
};

/* Global flags, given before the subcommand (runc's command line). Flags
 * runsc lists but cannot act on yet are accepted only with the value that
 * is today's behaviour (--platform ptrace); anything else is refused by
 * rs_parse_global, never ignored. */
struct rs_global {
	const char *root; /* --root: container state (RS_STATE_ROOT_DEFAULT) */
	const char *log;  /* --log: log file (runc: for containerd) */
	/* --log-format: text (default) or json, runc's logrus lines
	 * {"level":"error","msg":"...","time":"..."} that engines read from
	 * --log when a command fails. */
	enum rs_log_format log_format;
	/* --systemd-cgroup: engines pass it when their cgroup driver is
	 * systemd; linux.cgroupsPath is then "slice:prefix:name". Recorded
	 * for the lifecycle commands, which decide what it changes. */
	bool systemd_cgroup;
	bool debug;		       /* --debug */
	const char *debug_log;	       /* --debug-log: debug output file */
	bool strace;		       /* --strace */
	enum rs_network network;       /* --network (default sandbox) */
	enum rs_net_driver net_driver; /* --net-driver (default afpacket) */
	const char *dpdk_args; /* --dpdk-args: EAL's arguments; NULL: none */
	/* --pcap-log: the capture's destination ("-": stdout; a fifo or a
	 * unix socket streams live), and --pcap-filter, a libpcap
	 * expression already checked to compile. NULL when not given. */
	const char *pcap_log;
	const char *pcap_filter;
	bool want_help;	   /* --help before any subcommand */
	bool want_version; /* --version */
	/* The global flags as given (argv between "runsc" and the
	 * subcommand), passed on unchanged to the runsc processes a command
	 * starts (gofer, boot): they see the same --root, --log, network. */
	char **flags;
	int nflags;
};

struct rs_command {
	const char *name;
	const char *summary;
	/* argv[0] is the subcommand name; returns the process exit status. */
	int (*run)(struct rs_global *global, int argc, char **argv);
	bool internal; /* boot, gofer: started by runsc itself, not listed */
};

extern const struct rs_command rs_commands[];
extern const unsigned rs_commands_count;

/* Parses the global flags at the front of argv. On success returns the
 * index of the subcommand in argv (argc when there is none); on a bad flag
 * returns a negative value with *err naming the flag. */
int rs_parse_global(struct rs_global *global, int argc, char **argv,
		    struct rs_error **err);

/* --network and --net-driver values, for the global flags and `do`'s
 * own copies of them. Errors name the flag. */
int rs_parse_network(const char *value, enum rs_network *out,
		     struct rs_error **err);
int rs_parse_net_driver(const char *value, enum rs_net_driver *out,
			struct rs_error **err);
/* Combinations of network flags that cannot work (--pcap-filter without
 * --pcap-log, a capture with --network host). */
int rs_check_network_flags(const struct rs_global *g, struct rs_error **err);

const struct rs_command *rs_find_command(const char *name);

int rs_cmd_help(struct rs_global *global, int argc, char **argv);
int rs_cmd_version(struct rs_global *global, int argc, char **argv);
int rs_cmd_gofer(struct rs_global *global, int argc, char **argv);
int rs_cmd_do(struct rs_global *global, int argc, char **argv);
int rs_cmd_syscalls(struct rs_global *global, int argc, char **argv);
int rs_cmd_boot(struct rs_global *global, int argc, char **argv);
int rs_cmd_create(struct rs_global *global, int argc, char **argv);
int rs_cmd_start(struct rs_global *global, int argc, char **argv);
int rs_cmd_run(struct rs_global *global, int argc, char **argv);
int rs_cmd_kill(struct rs_global *global, int argc, char **argv);
int rs_cmd_exec(struct rs_global *global, int argc, char **argv);
int rs_cmd_ps(struct rs_global *global, int argc, char **argv);
int rs_cmd_delete(struct rs_global *global, int argc, char **argv);
int rs_cmd_port_forward(struct rs_global *global, int argc, char **argv);
int rs_cmd_spec(struct rs_global *global, int argc, char **argv);
int rs_cmd_features(struct rs_global *global, int argc, char **argv);
int rs_cmd_list(struct rs_global *global, int argc, char **argv);
int rs_cmd_state(struct rs_global *global, int argc, char **argv);

/* Opens --log and --debug-log, sets the logger's level and format, and
 * routes rs_error_print through them (logging.c): with --log every
 * printed error is also a line in that file in --log-format, and with
 * --log-format json and no --log it is a JSON line on stderr, as runc
 * does. */
int rs_setup_logging(const struct rs_global *global, struct rs_error **err);

/* A usage error of a subcommand, printed through rs_error_print (so it
 * reaches --log too): "runsc CMD: MESSAGE". Returns 1, the exit status. */
int rs_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define RS_VERSION "0.1.0"

#endif

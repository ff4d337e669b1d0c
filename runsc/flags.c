/* Global flags, parsed the way runc's CLI accepts them: --flag value,
 * --flag=value, and the single-dash long forms (-root) that containerd and
 * Docker may pass. Parsing stops at the subcommand. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runsc.h"
#include "state.h"

enum {
	OPT_ROOT = 256,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_DEBUG,
	OPT_DEBUG_LOG,
	OPT_NETWORK,
	OPT_NET_DRIVER,
	OPT_DPDK_ARGS,
	OPT_PCAP_LOG,
	OPT_PCAP_FILTER,
	OPT_STRACE,
	OPT_PLATFORM,
	OPT_SYSTEMD_CGROUP,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option global_options[] = {
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "debug", no_argument, NULL, OPT_DEBUG },
	{ "debug-log", required_argument, NULL, OPT_DEBUG_LOG },
	{ "network", required_argument, NULL, OPT_NETWORK },
	{ "net-driver", required_argument, NULL, OPT_NET_DRIVER },
	{ "dpdk-args", required_argument, NULL, OPT_DPDK_ARGS },
	{ "pcap-log", required_argument, NULL, OPT_PCAP_LOG },
	{ "pcap-filter", required_argument, NULL, OPT_PCAP_FILTER },
	{ "strace", no_argument, NULL, OPT_STRACE },
	{ "platform", required_argument, NULL, OPT_PLATFORM },
	/* Passed by containerd and Docker when their cgroup driver is
	 * systemd: recorded in rs_global for the lifecycle commands. */
	{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* One of words, or -1. */
static int lookup(const char *const *words, const char *word)
{
	for (int i = 0; words[i]; i++)
		if (strcmp(words[i], word) == 0)
			return i;
	return -1;
}

static const char *const networks[] = { "sandbox", "none", "host", NULL };
static const char *const net_drivers[] = { "afpacket", "tap", "dpdk", NULL };

/* Compiles the expression as the capture will (Ethernet frames, whole
 * snap length), so that a typo is a one-line error before anything
 * starts instead of a failure inside the sandbox's set-up. */
static int check_filter(const char *expr, struct rs_error **err)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 262144);
	if (p == NULL)
		return rs_error_set(err, ENOMEM, "--pcap-filter");
	struct bpf_program prog;
	int r = 0;
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0)
		r = rs_error_set(err, 0, "--pcap-filter `%s`: %s", expr,
				 pcap_geterr(p));
	else
		pcap_freecode(&prog);
	pcap_close(p);
	return r;
}

/* --root made absolute against the working directory, as runc's
 * filepath.Abs: the state paths stay valid in a command that changes
 * directory. */
static int absolute_root(struct rs_global *g, const char *root,
			 struct rs_error **err)
{
	static char abs_root[PATH_MAX];
	if (root[0] == '/') {
		g->root = root;
		return 0;
	}
	char cwd[PATH_MAX];
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return rs_error_set(err, errno, "--root `%s`", root);
	int n = snprintf(abs_root, sizeof(abs_root), "%s/%s",
			 strcmp(cwd, "/") == 0 ? "" : cwd, root);
	if (n < 0 || (size_t)n >= sizeof(abs_root))
		return rs_error_set(err, ENAMETOOLONG, "--root `%s`", root);
	g->root = abs_root;
	return 0;
}

int rs_parse_network(const char *value, enum rs_network *out,
		     struct rs_error **err)
{
	int n = lookup(networks, value);
	if (n < 0)
		return rs_error_set(err, 0,
				    "--network `%s`: must be sandbox, host or "
				    "none",
				    value);
	*out = (enum rs_network)n;
	return 0;
}

int rs_parse_net_driver(const char *value, enum rs_net_driver *out,
			struct rs_error **err)
{
	switch (lookup(net_drivers, value)) {
	case 0:
		*out = RS_NET_DRIVER_AFPACKET;
		return 0;
	case 1:
		*out = RS_NET_DRIVER_TAP;
		return 0;
	case 2:
		*out = RS_NET_DRIVER_DPDK;
		return 0;
	default:
		return rs_error_set(err, 0,
				    "--net-driver `%s`: must be afpacket, tap "
				    "or dpdk",
				    value);
	}
}

int rs_check_network_flags(const struct rs_global *g, struct rs_error **err)
{
	if (g->dpdk_args && g->net_driver != RS_NET_DRIVER_DPDK)
		return rs_error_set(err, 0,
				    "--dpdk-args `%s`: needs --net-driver dpdk",
				    g->dpdk_args);
	if (g->pcap_filter && g->pcap_log == NULL)
		return rs_error_set(err, 0,
				    "--pcap-filter `%s`: needs --pcap-log",
				    g->pcap_filter);
	if (g->pcap_log && g->network == RS_NETWORK_HOST)
		return rs_error_set(err, 0,
				    "--pcap-log `%s`: nothing to capture with "
				    "--network host (packets go through the "
				    "host's stack)",
				    g->pcap_log);
	return 0;
}

int rs_parse_global(struct rs_global *g, int argc, char **argv,
		    struct rs_error **err)
{
	*g = (struct rs_global){ .root = RS_STATE_ROOT_DEFAULT };
	optind = 0; /* full reinitialisation: the parser may run twice */
	opterr = 0;
	for (;;) {
		int longindex = -1;
		/* "+": stop at the first non-option, the subcommand; ":": report
		 * a missing value apart from an unknown flag. */
		int c = getopt_long_only(argc, argv, "+:", global_options,
					 &longindex);
		if (c == -1)
			break;
		switch (c) {
		case OPT_ROOT:
			if (optarg[0] == '\0')
				return rs_error_set(
					err, 0, "--root: needs a directory");
			if (absolute_root(g, optarg, err) < 0)
				return -1;
			break;
		case OPT_LOG:
			g->log = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") == 0)
				g->log_format = RS_LOG_FORMAT_JSON;
			else if (strcmp(optarg, "text") == 0)
				g->log_format = RS_LOG_FORMAT_TEXT;
			else
				return rs_error_set(
					err, 0,
					"--log-format `%s`: must be text or json",
					optarg);
			break;
		case OPT_DEBUG:
			g->debug = true;
			break;
		case OPT_DEBUG_LOG:
			g->debug_log = optarg;
			break;
		case OPT_NETWORK:
			if (rs_parse_network(optarg, &g->network, err) < 0)
				return -1;
			break;
		case OPT_NET_DRIVER:
			if (rs_parse_net_driver(optarg, &g->net_driver, err) <
			    0)
				return -1;
			break;
		case OPT_DPDK_ARGS:
			g->dpdk_args = optarg;
			break;
		case OPT_PCAP_LOG:
			if (optarg[0] == 0)
				return rs_error_set(
					err, 0,
					"--pcap-log: needs a file, a fifo, a "
					"socket or - (stdout)");
			g->pcap_log = optarg;
			break;
		case OPT_PCAP_FILTER:
			if (check_filter(optarg, err) < 0)
				return -1;
			g->pcap_filter = optarg;
			break;
		case OPT_STRACE:
			g->strace = true;
			break;
		case OPT_PLATFORM:
			if (strcmp(optarg, "ptrace") != 0)
				return rs_error_set(
					err, 0,
					"--platform `%s`: only ptrace is available",
					optarg);
			break;
		case OPT_SYSTEMD_CGROUP:
			g->systemd_cgroup = true;
			break;
		case OPT_HELP:
			g->want_help = true;
			break;
		case OPT_VERSION:
			g->want_version = true;
			break;
		case ':':
			return rs_error_set(err, 0, "flag `%s` needs a value",
					    argv[optind - 1]);
		default:
			return rs_error_set(err, 0, "unknown flag `%s`",
					    argv[optind - 1]);
		}
	}
	if (rs_check_network_flags(g, err) < 0)
		return -1;
	g->flags = argv + 1;
	g->nflags = optind > 1 ? optind - 1 : 0;
	return optind;
}

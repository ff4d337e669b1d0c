/* `runsc port-forward --to ADDR [--udp-timeout MS] [--max-tcp N]
 *                    [--max-udp N] -p SPEC...` (internal):
 * the forwarder `runsc do -p` forks, run on its own in the foreground
 * until SIGTERM or SIGINT, so that it can be tested against any server
 * (tests/integration/test_do_net.sh). Confined like runsc do's. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portfwd.h"
#include "runsc.h"
#include "runsc/cleanup.h"
#include "runsc/netparse.h"

#define PF_CMD_MAX_MAPS 32

enum {
	OPT_TO = 256,
	OPT_UDP_TIMEOUT,
	OPT_MAX_TCP,
	OPT_MAX_UDP,
};

static const struct option pf_options[] = {
	{ "to", required_argument, NULL, OPT_TO },
	{ "publish", required_argument, NULL, 'p' },
	{ "udp-timeout", required_argument, NULL, OPT_UDP_TIMEOUT },
	{ "max-tcp", required_argument, NULL, OPT_MAX_TCP },
	{ "max-udp", required_argument, NULL, OPT_MAX_UDP },
	{ NULL, 0, NULL, 0 },
};

static bool parse_count(const char *flag, const char *s, unsigned max,
			unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end || v == 0 || v > max) {
		fprintf(stderr, "runsc port-forward: %s `%s`: must be 1..%u\n",
			flag, s, max);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

int rs_cmd_port_forward(struct rs_global *global, int argc, char **argv)
{
	(void)global;
	struct rs_port_map maps[PF_CMD_MAX_MAPS];
	struct rs_portfwd_config cfg = { .maps = maps, .confine = 1 };
	cleanup_error struct rs_error *err = NULL;
	bool have_to = false;
	optind = 0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+:p:", pf_options, NULL)) != -1) {
		switch (c) {
		case OPT_TO:
			if (inet_pton(AF_INET, optarg, cfg.target) == 1) {
				cfg.target_family = AF_INET;
			} else if (inet_pton(AF_INET6, optarg, cfg.target) ==
				   1) {
				cfg.target_family = AF_INET6;
			} else {
				fprintf(stderr,
					"runsc port-forward: --to `%s`: not "
					"an IP address\n",
					optarg);
				return 1;
			}
			have_to = true;
			break;
		case 'p':
			if (cfg.nmaps == PF_CMD_MAX_MAPS) {
				fprintf(stderr,
					"runsc port-forward: more than %d -p\n",
					PF_CMD_MAX_MAPS);
				return 1;
			}
			if (rs_parse_port_map(optarg, &maps[cfg.nmaps], &err) <
			    0) {
				rs_error_print(err, "runsc port-forward",
					       stderr);
				return 1;
			}
			cfg.nmaps++;
			break;
		case OPT_UDP_TIMEOUT:
			if (!parse_count("--udp-timeout", optarg, INT_MAX / 2,
					 &cfg.udp_idle_ms))
				return 1;
			break;
		case OPT_MAX_TCP:
			if (!parse_count("--max-tcp", optarg, 65536,
					 &cfg.max_tcp))
				return 1;
			break;
		case OPT_MAX_UDP:
			if (!parse_count("--max-udp", optarg, 65536,
					 &cfg.max_udp))
				return 1;
			break;
		case ':':
			fprintf(stderr,
				"runsc port-forward: flag `%s` needs a value\n",
				argv[optind - 1]);
			return 1;
		default:
			fprintf(stderr,
				"runsc port-forward: unknown flag `%s`\n",
				argv[optind - 1]);
			return 1;
		}
	}
	if (!have_to || cfg.nmaps == 0 || optind != argc) {
		fprintf(stderr, "runsc port-forward: usage: runsc port-forward "
				"--to ADDR -p SPEC...\n");
		return 1;
	}
	struct rs_portfwd *pf;
	if (rs_portfwd_bind(&cfg, &pf, &err) < 0) {
		rs_error_print(err, "runsc port-forward", stderr);
		return 1;
	}
	/* A clean stop logs the counters. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	cleanup_close int sfd = signalfd(-1, &stop, SFD_CLOEXEC);
	if (sfd < 0) {
		rs_portfwd_free(pf);
		fprintf(stderr, "runsc port-forward: signalfd: %s\n",
			strerror(errno));
		return 1;
	}
	if (rs_portfwd_serve(pf, sfd, &err) < 0) {
		rs_error_print(err, "runsc port-forward", stderr);
		return 1;
	}
	return 0;
}

/* nsd's command line (options.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "options.h"

#define DEFAULT_HTTP_PORT    80
#define DEFAULT_MAX_CONNS    4096
#define DEFAULT_IDLE_SECONDS 120
#define MAX_CONNS_LIMIT	     1000000

void nsd_options_usage(FILE *f)
{
	fputs("usage: nsd --driver tap|afpacket|dpdk|SPEC [--iface NAME]\n"
	      "           [--dpdk-args EAL-ARGS]\n"
	      "           [--addr A.B.C.D/LEN]... [--addr6 X::Y/LEN]...\n"
	      "           [--gw ADDR] [--gw6 ADDR] [--nodad]\n"
	      "           [--pcap FILE [--pcap-filter EXPR]] [--fault OPTIONS]\n"
	      "           [--http-port N] [--max-conns N] "
	      "[--idle-timeout SECONDS]\n"
	      "           [--control PATH] [--fetch URL]\n"
	      "Serves TCP echo (7), discard (9), chargen (19), UDP echo (7)\n"
	      "and HTTP on a user-space network stack. SIGINT/SIGTERM stop it,\n"
	      "SIGUSR1 prints its counters as JSON on stderr.\n"
	      "--driver dpdk: with --iface, a net_af_packet port on it; else\n"
	      "the port a --vdev of --dpdk-args makes (drivers/dpdk.h).\n"
	      "--fetch URL: also GET the URL over the stack, print its size,\n"
	      "rate and sha256, and exit (a client for nsd-to-nsd transfers).\n",
	      f);
}

/* Appends s to the spec, growing it. */
static int spec_append(char **spec, const char *s)
{
	size_t old = *spec ? strlen(*spec) : 0;
	char *p = realloc(*spec, old + strlen(s) + 1);
	if (p == NULL)
		return -ENOMEM;
	strcpy(p + old, s);
	*spec = p;
	return 0;
}

/* Appends value in the spec grammar's double quotes (drivers/spec.h), so
 * that a path or filter may hold ',' '+' or '"'. */
static int spec_append_quoted(char **spec, const char *value)
{
	size_t len = strlen(value);
	char *q = malloc(2 * len + 3);
	if (q == NULL)
		return -ENOMEM;
	char *p = q;
	*p++ = '"';
	for (const char *v = value; *v; v++) {
		if (*v == '"' || *v == '\\')
			*p++ = '\\';
		*p++ = *v;
	}
	*p++ = '"';
	*p = '\0';
	int rc = spec_append(spec, q);
	free(q);
	return rc;
}

/* "A/LEN" or "A" for family; bad input is an error naming the flag. */
static int parse_prefix(const char *flag, const char *arg, int family,
			struct nsd_addr *out, struct rs_error **err)
{
	const char *what = family == AF_INET ? "IPv4" : "IPv6";
	unsigned max = family == AF_INET ? 32 : 128;
	char buf[INET6_ADDRSTRLEN + 8];
	if (strlen(arg) >= sizeof(buf))
		return rs_error_set(err, 0, "%s `%s`: not an %s address", flag,
				    arg, what);
	strcpy(buf, arg);
	char *slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(family, buf, out->addr) != 1)
		return rs_error_set(err, 0, "%s `%s`: not an %s address", flag,
				    arg, what);
	unsigned len = max;
	if (slash != NULL) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (errno || slash[1] < '0' || slash[1] > '9' || *end != '\0' ||
		    v > max)
			return rs_error_set(err, 0,
					    "%s `%s`: prefix length must be "
					    "0 to %u",
					    flag, arg, max);
		len = (unsigned)v;
	}
	out->family = family;
	out->prefix_len = (uint8_t)len;
	return 0;
}

static int parse_uint(const char *flag, const char *arg, unsigned long min,
		      unsigned long max, unsigned long *out,
		      struct rs_error **err)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (errno || *arg == '\0' || *end != '\0' || *arg == '-' ||
	    *arg == '+' || v < min || v > max)
		return rs_error_set(err, 0, "%s `%s`: want %lu to %lu", flag,
				    arg, min, max);
	*out = v;
	return 0;
}

/* The flags that build the link, gathered before the spec is written. */
struct link_flags {
	const char *driver, *iface, *pcap, *pcap_filter, *fault, *dpdk_args;
};

static int build_spec(const struct link_flags *lf, char **spec,
		      struct rs_error **err)
{
	if (lf->driver == NULL)
		return rs_error_set(err, 0, "--driver is required");
	bool dpdk = strcmp(lf->driver, "dpdk") == 0;
	bool plain = strcmp(lf->driver, "tap") == 0 ||
		     strcmp(lf->driver, "afpacket") == 0;
	if (lf->dpdk_args != NULL && !dpdk)
		return rs_error_set(err, 0,
				    "--dpdk-args goes with --driver dpdk");
	if (dpdk && lf->iface == NULL && lf->dpdk_args == NULL)
		return rs_error_set(err, 0,
				    "--driver dpdk needs --iface or "
				    "--dpdk-args with a --vdev");
	if (plain && lf->iface == NULL)
		return rs_error_set(err, 0, "--driver %s needs --iface",
				    lf->driver);
	if (!plain && !dpdk && lf->iface != NULL)
		return rs_error_set(err, 0,
				    "--iface goes with --driver tap, afpacket "
				    "or dpdk; a spec string names the "
				    "interface itself");
	if (lf->pcap_filter != NULL && lf->pcap == NULL)
		return rs_error_set(err, 0, "--pcap-filter needs --pcap");
	if (lf->fault != NULL && lf->fault[0] == '\0')
		return rs_error_set(err, 0, "--fault: empty options");
	if (lf->iface != NULL && lf->iface[0] == '\0')
		return rs_error_set(err, 0, "--iface: empty name");

	int rc = 0;
	if (strcmp(lf->driver, "tap") == 0) {
		/* Offloads (TSO, checksums, GRO) are what makes tap fast. */
		rc = spec_append(spec, "tap:offload,name=");
		if (rc == 0)
			rc = spec_append_quoted(spec, lf->iface);
	} else if (strcmp(lf->driver, "afpacket") == 0) {
		rc = spec_append(spec, "afpacket:iface=");
		if (rc == 0)
			rc = spec_append_quoted(spec, lf->iface);
	} else if (dpdk) {
		rc = spec_append(spec, "dpdk:");
		if (rc == 0 && lf->iface != NULL) {
			rc = spec_append(spec, "iface=");
			if (rc == 0)
				rc = spec_append_quoted(spec, lf->iface);
			if (rc == 0 && lf->dpdk_args != NULL)
				rc = spec_append(spec, ",");
		}
		if (rc == 0 && lf->dpdk_args != NULL) {
			rc = spec_append(spec, "args=");
			if (rc == 0)
				rc = spec_append_quoted(spec, lf->dpdk_args);
		}
	} else {
		rc = spec_append(spec, lf->driver);
	}
	/* The capture (--pcap) is the netstack host's, at the wire inside
	 * this (drivers/nethost.h). */
	if (rc == 0 && lf->fault != NULL) {
		rc = spec_append(spec, "+fault:");
		if (rc == 0)
			rc = spec_append(spec, lf->fault);
	}
	if (rc < 0)
		return rs_error_set(err, ENOMEM, "--driver");
	return 0;
}

static int parse(int argc, char **argv, struct nsd_options *o,
		 struct rs_error **err)
{
	enum {
		OPT_DRIVER = 256,
		OPT_IFACE,
		OPT_ADDR,
		OPT_ADDR6,
		OPT_GW,
		OPT_GW6,
		OPT_PCAP,
		OPT_PCAP_FILTER,
		OPT_FAULT,
		OPT_HTTP_PORT,
		OPT_MAX_CONNS,
		OPT_IDLE,
		OPT_CONTROL,
		OPT_NODAD,
		OPT_DPDK_ARGS,
		OPT_FETCH,
		OPT_HELP,
	};
	static const struct option options[] = {
		{ "driver", required_argument, NULL, OPT_DRIVER },
		{ "iface", required_argument, NULL, OPT_IFACE },
		{ "addr", required_argument, NULL, OPT_ADDR },
		{ "addr6", required_argument, NULL, OPT_ADDR6 },
		{ "gw", required_argument, NULL, OPT_GW },
		{ "gw6", required_argument, NULL, OPT_GW6 },
		{ "pcap", required_argument, NULL, OPT_PCAP },
		{ "pcap-filter", required_argument, NULL, OPT_PCAP_FILTER },
		{ "fault", required_argument, NULL, OPT_FAULT },
		{ "http-port", required_argument, NULL, OPT_HTTP_PORT },
		{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "nodad", no_argument, NULL, OPT_NODAD },
		{ "dpdk-args", required_argument, NULL, OPT_DPDK_ARGS },
		{ "fetch", required_argument, NULL, OPT_FETCH },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof(*o));
	o->http_port = DEFAULT_HTTP_PORT;
	o->max_conns = DEFAULT_MAX_CONNS;
	o->idle_ns = DEFAULT_IDLE_SECONDS * 1000000000ULL;
	struct link_flags lf = { 0 };
	optind = 0;
	opterr = 0;
	for (;;) {
		int c = getopt_long(argc, argv, "+:h", options, NULL);
		if (c == -1)
			break;
		int rc = 0;
		unsigned long v;
		struct nsd_addr a;
		switch (c) {
		case OPT_DRIVER:
			lf.driver = optarg;
			break;
		case OPT_IFACE:
			lf.iface = optarg;
			break;
		case OPT_DPDK_ARGS:
			lf.dpdk_args = optarg;
			break;
		case OPT_FETCH:
			o->fetch = optarg;
			break;
		case OPT_ADDR:
		case OPT_ADDR6: {
			const char *flag = c == OPT_ADDR ? "--addr" : "--addr6";
			rc = parse_prefix(flag, optarg,
					  c == OPT_ADDR ? AF_INET : AF_INET6,
					  &a, err);
			if (rc == 0 && o->naddrs == NSD_MAX_ADDRS)
				rc = rs_error_set(err, 0,
						  "%s: at most %d addresses",
						  flag, NSD_MAX_ADDRS);
			if (rc == 0)
				o->addrs[o->naddrs++] = a;
			break;
		}
		case OPT_GW:
		case OPT_GW6: {
			bool v6 = c == OPT_GW6;
			if (inet_pton(v6 ? AF_INET6 : AF_INET, optarg,
				      v6 ? o->gw6 : o->gw) != 1)
				rc = rs_error_set(err, 0,
						  "%s `%s`: not an %s address",
						  v6 ? "--gw6" : "--gw", optarg,
						  v6 ? "IPv6" : "IPv4");
			if (v6)
				o->have_gw6 = true;
			else
				o->have_gw = true;
			break;
		}
		case OPT_PCAP:
			if (optarg[0] == '\0')
				rc = rs_error_set(err, 0, "--pcap: empty path");
			o->pcap = lf.pcap = optarg;
			break;
		case OPT_PCAP_FILTER:
			o->pcap_filter = lf.pcap_filter = optarg;
			break;
		case OPT_FAULT:
			lf.fault = optarg;
			break;
		case OPT_HTTP_PORT:
			rc = parse_uint("--http-port", optarg, 1, 65535, &v,
					err);
			o->http_port = (uint16_t)v;
			break;
		case OPT_MAX_CONNS:
			rc = parse_uint("--max-conns", optarg, 1,
					MAX_CONNS_LIMIT, &v, err);
			o->max_conns = (unsigned)v;
			break;
		case OPT_IDLE:
			rc = parse_uint("--idle-timeout", optarg, 0, UINT_MAX,
					&v, err);
			o->idle_ns = (uint64_t)v * 1000000000ULL;
			break;
		case OPT_CONTROL:
			if (optarg[0] == '\0')
				rc = rs_error_set(err, 0,
						  "--control: empty path");
			o->control = optarg;
			break;
		case OPT_NODAD:
			o->nodad = true;
			break;
		case 'h':
		case OPT_HELP:
			o->help = true;
			return 0;
		case ':':
			/* Only long options take values: optind has passed
			 * the flag. */
			rc = rs_error_set(err, 0, "flag `%s` needs a value",
					  argv[optind - 1]);
			break;
		default:
			/* getopt(3): optopt holds an unknown short option's
			 * character (0 for a long one), and optind does not
			 * move while a cluster such as -xfoo has characters
			 * left. */
			if (optopt != 0)
				rc = rs_error_set(err, 0, "unknown flag `-%c`",
						  optopt);
			else
				rc = rs_error_set(err, 0, "unknown flag `%s`",
						  argv[optind - 1]);
		}
		if (rc < 0)
			return rc;
	}
	if (optind < argc)
		return rs_error_set(err, 0, "unexpected argument `%s`",
				    argv[optind]);
	static const struct {
		unsigned port;
		const char *name;
	} taken[] = { { 7, "echo" }, { 9, "discard" }, { 19, "chargen" } };
	for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
		if (o->http_port == taken[i].port)
			return rs_error_set(err, 0,
					    "--http-port %u: taken by %s",
					    taken[i].port, taken[i].name);
	return build_spec(&lf, &o->link_spec, err);
}

int nsd_options_parse(int argc, char **argv, struct nsd_options *o,
		      struct rs_error **err)
{
	/* A mistake of the user's is reported as its message alone
	 * (rs_error_set without an errno, which returns -1), and as -EINVAL
	 * to the caller. */
	int rc = parse(argc, argv, o, err);
	return rc == -1 ? -EINVAL : rc;
}

void nsd_options_release(struct nsd_options *o)
{
	free(o->link_spec);
	o->link_spec = NULL;
}

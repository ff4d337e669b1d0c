/* nsd's command line.
 *
 *   nsd --driver tap|afpacket|SPEC [--iface NAME]
 *       [--addr A.B.C.D/LEN]... [--addr6 X::Y/LEN]... [--gw A] [--gw6 X]
 *       [--pcap FILE [--pcap-filter EXPR]] [--fault OPTIONS]
 *       [--http-port N] [--max-conns N] [--idle-timeout SECONDS]
 *       [--control PATH] [--nodad] [--dpdk-args ARGS] [--fetch URL]
 *
 * --driver tap with --iface NAME creates (or attaches) the tap device NAME
 * with virtio-net offloads; --driver afpacket with --iface NAME takes
 * over the Ethernet interface NAME; anything else is a drivers spec string
 * (drivers/spec.h), such as "afpacket:iface=veth0,mode=ring". --fault
 * stacks the fault injector on it, with the fault wrapper's options
 * ("drop=2%,reorder=1%,seed=7"). --pcap captures the link's frames and
 * the stack's loopback packets into one file through the netstack host
 * (drivers/nethost.h), at the wire: inside the fault injector, so that
 * the capture shows what crossed it.
 * An address without /LEN is a host address (/32, /128), as with ip(8).
 */
#ifndef NSD_OPTIONS_H
#define NSD_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "runsc/error.h"

#define NSD_MAX_ADDRS 16

struct nsd_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t prefix_len;
};

struct nsd_options {
	char *link_spec; /* the whole drivers spec, malloc'ed */
	struct nsd_addr addrs[NSD_MAX_ADDRS];
	unsigned naddrs;
	bool have_gw, have_gw6;
	uint8_t gw[16], gw6[16];
	uint16_t http_port;
	unsigned max_conns;
	uint64_t idle_ns;	 /* 0: connections may idle forever */
	const char *control;	 /* borrowed from argv */
	const char *pcap;	 /* borrowed from argv; NULL: no capture */
	const char *pcap_filter; /* idem; NULL: every frame */
	const char *fetch;	 /* --fetch URL (fetch.h); NULL: none */
	bool nodad;
	bool help;
};

/* Parses argv into *o (zeroed first; release with nsd_options_release,
 * also after an error). Returns 0, or -EINVAL with *err naming the flag
 * ("--addr `10.0.0.300/24`: not an IPv4 address"). */
int nsd_options_parse(int argc, char **argv, struct nsd_options *o,
		      struct rs_error **err);

void nsd_options_release(struct nsd_options *o);

void nsd_options_usage(FILE *f);

#endif

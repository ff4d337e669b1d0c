/* The host's state as one JSON object (jansson), for GET /stats, the
 * control socket and SIGUSR1:
 *
 *   {"nsd": {<counters.h, by name>, <the netstack host's counters:
 *            link_down, and lo_pcap_* with --pcap (drivers/nethost.h)>},
 *    "nic": {"name": "vs", "mac": "02:..", "mtu": 1500,
 *            "addrs": ["10.0.0.2/24", "fe80::../64", ...]},
 *    "link": {"kind": "...", <every driver counter>},
 *    "stack": {"Tcp.ActiveOpens": N, ...every netstack counter},
 *    "sockets": [{"proto": "tcp", "family": 4|6, "state": "LISTEN",
 *                 "local": "10.0.0.2:80", "remote": "...",
 *                 "rx_queue": N, "tx_queue": N}, ...],
 *    "sockets_omitted": N,
 *    "socket_states": {"tcp": {"LISTEN": 8, ...}, "udp": {...}}}
 *
 * The list stops at NSD_STATS_MAX_SOCKETS entries (a SYN flood fills the
 * stack's SYN queue with thousands of sockets); sockets_omitted counts the
 * rest, and socket_states counts them all.
 */
#ifndef NSD_STATS_H
#define NSD_STATS_H

#include "counters.h"
#include "drivers/nethost.h"

#define NSD_STATS_MAX_SOCKETS 1024

/* The host's stack, its first NIC and that NIC's link are reported. */
struct nsd_stats_src {
	struct drv_nethost *host;
	const struct nsd_counters *counters;
};

/* Returns the JSON text (compact, newline-terminated), malloc'ed for the
 * caller to free, or NULL on ENOMEM. Matches char *(*)(void *) with src
 * as the argument. */
char *nsd_stats_json(void *src);

#endif

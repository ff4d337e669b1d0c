/* The values behind netstack/sysctl.h (internal): one per stack, in
 * struct ns_stack, read where Linux reads its sysctl. */
#ifndef NETSTACK_SYSCTL_INTERNAL_H
#define NETSTACK_SYSCTL_INTERNAL_H

#include <stdint.h>

struct ns_sysctl {
	uint32_t tcp_rmem[3]; /* min, default, max */
	uint32_t tcp_wmem[3];
	int somaxconn;
	uint8_t tcp_syncookies;	    /* 0 off, 1 when the SYN queue is full,
				       2 always */
	uint8_t tcp_timestamps;	    /* 0 off; 1, 2 on (RFC 7323) */
	uint8_t tcp_sack;	    /* RFC 2018 */
	uint8_t tcp_window_scaling; /* RFC 7323 */
	int tcp_keepalive_time;	    /* seconds */
	int tcp_keepalive_intvl;
	int tcp_keepalive_probes;
	int tcp_fin_timeout; /* seconds an orphan waits in FIN_WAIT2 */
	int rmem_max, wmem_max, rmem_default, wmem_default;
	/* Ports below it need CAP_NET_BIND_SERVICE (the socket layer's
	 * owner checks it); ip_local_port_range stays at or above it. */
	int ip_unprivileged_port_start;
	/* The groups allowed ICMP datagram (ping) sockets, low..high
	 * inclusive; low > high: none (the owner checks it). */
	long ping_group_range[2];
	char tcp_congestion_control[16];
};

/* Linux's defaults. */
void ns_sysctl_init(struct ns_sysctl *s);

#endif

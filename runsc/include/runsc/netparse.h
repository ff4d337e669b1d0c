/* Parsers for runsc's network values: `-p` port mappings (Docker's
 * syntax) and subnets. Like runsc/parse.h: one place, so that every
 * command accepts and refuses the same strings; errors are one line
 * naming the flag and the offending text (no errno). Nothing here blocks
 * or allocates beyond the error.
 */
#ifndef RUNSC_NETPARSE_H
#define RUNSC_NETPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "runsc/error.h"

/* -p [HOSTIP:]HOSTPORT:SANDBOXPORT[/tcp|/udp]; an IPv6 HOSTIP is written
 * in brackets ([::1]:8080:80), as Docker wants it. */
struct rs_port_map {
	/* AF_UNSPEC when no HOSTIP was given (the caller listens on the
	 * loopback addresses), else AF_INET or AF_INET6. */
	int family;
	uint8_t host_ip[16]; /* network order; 4 bytes for AF_INET */
	uint16_t host_port;  /* 1..65535 */
	uint16_t sandbox_port;
	int proto; /* IPPROTO_TCP (the default) or IPPROTO_UDP */
};

int rs_parse_port_map(const char *s, struct rs_port_map *m,
		      struct rs_error **err);

/* "127.0.0.1:8080->80/tcp" (the HOSTIP part only when given). */
void rs_port_map_format(const struct rs_port_map *m, char *buf, size_t len);

/* ADDR/LEN for `flag` (named in messages): IPv4 or IPv6, LEN required,
 * host bits clear (the message gives the network that was probably
 * meant). */
struct rs_cidr {
	int family;
	uint8_t addr[16];
	uint8_t prefix_len;
};

int rs_parse_cidr(const char *flag, const char *s, struct rs_cidr *c,
		  struct rs_error **err);

#endif

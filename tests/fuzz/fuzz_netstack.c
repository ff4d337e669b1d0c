/* libFuzzer harness for the netstack below TCP: arbitrary frames into a
 * stack with sockets open, so input reaches ARP, NDP/SLAAC, IPv4/IPv6
 * with extension headers and reassembly, ICMP errors mapped to sockets,
 * UDP and ping sockets, TCP (listeners on port 80, an active open, and
 * the connections accepted); and time passes so timers run. (TCP in depth,
 * with a peer that tracks sequence numbers: fuzz_netstack_tcp.c.)
 *
 * The input is a list of records: op (1 byte), length (1 byte), bytes.
 *   op % 6 == 0: inject the bytes as a frame;
 *   1: the same after fixing the IPv4 header checksum and the UDP, TCP,
 *      ICMP or ICMPv6 checksum, so mutations reach past checksum checks;
 *   2: prepend an Ethernet header to us (EtherType from the first two
 *      bytes) and fix checksums, then inject;
 *   3: advance the clock by bytes[0] * 100 ms and run timers;
 *   4: read every socket (normal and error queues), accept;
 *   5: send from the sockets (bytes[0] chooses sizes, so datagrams also
 *      fragment and hit unresolved neighbours).
 * Frames the stack sends are dropped. Every input gets a fresh stack, so
 * a run is reproducible; teardown frees everything (LeakSanitizer checks
 * that nothing escapes). */
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "netstack/csum.h"
#include "netstack/socket.h"
#include "netstack/stack.h"
#include "netstack/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 1 };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 2 };

struct world {
	uint64_t now;
	struct ns_stack *stack;
	int ifindex;
	struct ns_socket *socks[16];
	int nsocks;
};

static uint64_t fuzz_clock(void *ctx)
{
	return ((struct world *)ctx)->now;
}

static int drop_xmit(void *ctx, struct ns_pkt *pkt)
{
	(void)ctx;
	ns_pkt_free(pkt);
	return 0;
}

static const struct ns_link_ops link_ops = { .xmit = drop_xmit };

static void add_addr(struct world *w, int family, const uint8_t *a, int plen)
{
	struct ns_ifaddr ifa = { .ifindex = w->ifindex,
				 .family = family,
				 .prefix_len = (uint8_t)plen,
				 .flags = NS_ADDR_F_NODAD };
	memcpy(ifa.addr, a, family == AF_INET ? 4 : 16);
	ns_stack_add_addr(w->stack, &ifa);
}

static void add_sock(struct world *w, int family, int proto,
		     const struct sockaddr *bind_to, socklen_t blen,
		     const struct sockaddr *peer, socklen_t plen)
{
	struct ns_socket *s;
	if (ns_socket_create(w->stack, family, SOCK_DGRAM, proto, &s) < 0)
		return;
	int on = 1;
	ns_socket_setsockopt(s, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
			     family == AF_INET ? IP_RECVERR : IPV6_RECVERR, &on,
			     sizeof(on));
	ns_socket_setsockopt(s, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on));
	if (bind_to)
		ns_socket_bind(s, bind_to, blen);
	if (peer)
		ns_socket_connect(s, peer, plen);
	w->socks[w->nsocks++] = s;
}

static void add_tcp(struct world *w, int family, const struct sockaddr *addr,
		    socklen_t len, bool listener)
{
	struct ns_socket *s;
	if (ns_socket_create(w->stack, family, SOCK_STREAM, 0, &s) < 0)
		return;
	if (listener) {
		ns_socket_bind(s, addr, len);
		ns_socket_listen(s, 2);
	} else {
		ns_socket_connect(s, addr, len);
	}
	w->socks[w->nsocks++] = s;
}

static int world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->now = 1000000000ull;
	struct ns_stack_config cfg = { .clock = fuzz_clock,
				       .ctx = w,
				       .seed = 1 };
	if (ns_stack_create(&cfg, &w->stack) < 0)
		return -1;
	struct ns_nic_config nc = { .ops = &link_ops,
				    .info = { .type = NS_LINK_ETHERNET,
					      .mtu = 1500,
					      .name = "eth0" } };
	memcpy(nc.info.mac, our_mac, 6);
	if (ns_stack_add_nic(w->stack, &nc, &w->ifindex) < 0)
		return -1;
	const uint8_t a4[4] = { 10, 0, 0, 1 };
	const uint8_t a6[16] = { 0xfd, [15] = 1 };
	add_addr(w, AF_INET, a4, 24);
	add_addr(w, AF_INET6, a6, 64);
	struct ns_route r = { .family = AF_INET };
	const uint8_t gw[4] = { 10, 0, 0, 254 };
	memcpy(r.gateway, gw, 4);
	ns_stack_add_route(w->stack, &r);

	struct sockaddr_in any4 = { .sin_family = AF_INET,
				    .sin_port = htons(53) };
	struct sockaddr_in6 ll6 = { .sin6_family = AF_INET6,
				    .sin6_port = htons(53) };
	memcpy(&ll6.sin6_addr, a6, 16);
	struct sockaddr_in peer4 = { .sin_family = AF_INET,
				     .sin_port = htons(7) };
	memcpy(&peer4.sin_addr, (const uint8_t[]){ 10, 0, 0, 2 }, 4);
	struct sockaddr_in6 peer6 = { .sin6_family = AF_INET6,
				      .sin6_port = htons(7) };
	peer6.sin6_addr.s6_addr[0] = 0xfd;
	peer6.sin6_addr.s6_addr[15] = 2;
	add_sock(w, AF_INET, IPPROTO_UDP, (struct sockaddr *)&any4,
		 sizeof(any4), NULL, 0);
	add_sock(w, AF_INET6, IPPROTO_UDP, (struct sockaddr *)&ll6, sizeof(ll6),
		 NULL, 0);
	add_sock(w, AF_INET, IPPROTO_UDP, NULL, 0, (struct sockaddr *)&peer4,
		 sizeof(peer4));
	add_sock(w, AF_INET6, IPPROTO_UDP, NULL, 0, (struct sockaddr *)&peer6,
		 sizeof(peer6));
	/* Ping sockets with identifier 0x1234 (replies carry it). */
	struct sockaddr_in id4 = { .sin_family = AF_INET,
				   .sin_port = htons(0x1234) };
	struct sockaddr_in6 id6 = { .sin6_family = AF_INET6,
				    .sin6_port = htons(0x1234) };
	add_sock(w, AF_INET, IPPROTO_ICMP, (struct sockaddr *)&id4, sizeof(id4),
		 NULL, 0);
	add_sock(w, AF_INET6, IPPROTO_ICMPV6, (struct sockaddr *)&id6,
		 sizeof(id6), NULL, 0);
	struct sockaddr_in l4 = { .sin_family = AF_INET,
				  .sin_port = htons(80) };
	struct sockaddr_in6 l6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(80) };
	add_tcp(w, AF_INET, (struct sockaddr *)&l4, sizeof(l4), true);
	add_tcp(w, AF_INET6, (struct sockaddr *)&l6, sizeof(l6), true);
	add_tcp(w, AF_INET, (struct sockaddr *)&peer4, sizeof(peer4), false);
	return 0;
}

static void world_free(struct world *w)
{
	for (int i = 0; i < w->nsocks; i++)
		ns_socket_close(w->socks[i]);
	ns_stack_destroy(w->stack);
}

static void fix_l4(uint8_t *l4, size_t len, uint8_t proto, uint32_t pseudo)
{
	size_t off;
	if (proto == IPPROTO_UDP && len >= 8)
		off = 6;
	else if (proto == IPPROTO_TCP && len >= 20)
		off = 16;
	else if ((proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) && len >= 4)
		off = 2;
	else
		return;
	if (proto == IPPROTO_ICMP)
		pseudo = 0;
	ns_put_be16(l4 + off, 0);
	uint16_t c = ns_csum_fold(ns_csum_partial(l4, len, pseudo));
	ns_put_be16(l4 + off, c ? c : 0xffff);
}

/* Fixes what a fuzzer cannot guess: checksums of an unfragmented IPv4 or
 * IPv6 packet carrying UDP or ICMP directly. */
static void fix_checksums(uint8_t *f, size_t n)
{
	if (n < 14)
		return;
	uint16_t type = ns_get_be16(f + 12);
	uint8_t *ip = f + 14;
	size_t left = n - 14;
	if (type == 0x0800 && left >= 20 && (ip[0] >> 4) == 4) {
		size_t hl = (ip[0] & 15) * 4u;
		if (hl < 20 || hl > left)
			return;
		ns_put_be16(ip + 10, 0);
		ns_put_be16(ip + 10, ns_csum_fold(ns_csum_partial(ip, hl, 0)));
		size_t tot = ns_get_be16(ip + 2);
		if (tot > left || tot < hl || (ns_get_be16(ip + 6) & 0x3fff))
			return;
		fix_l4(ip + hl, tot - hl, ip[9],
		       ns_csum_pseudo4(ip + 12, ip + 16, ip[9],
				       (uint32_t)(tot - hl)));
	} else if (type == 0x86dd && left >= 40) {
		size_t plen = ns_get_be16(ip + 4);
		if (40 + plen > left)
			return;
		fix_l4(ip + 40, plen, ip[6],
		       ns_csum_pseudo6(ip + 8, ip + 24, ip[6], (uint32_t)plen));
	}
}

static void inject(struct world *w, const uint8_t *frame, size_t n)
{
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, (uint32_t)n);
	if (pkt == NULL)
		return;
	memcpy(ns_pkt_put(pkt, (uint32_t)n), frame, n);
	ns_stack_input(w->stack, w->ifindex, pkt);
}

static void read_all(struct world *w)
{
	static uint8_t buf[2048], ctl[512];
	for (int i = 0; i < w->nsocks; i++) {
		struct ns_socket *c;
		while (w->nsocks < 16 &&
		       ns_socket_accept(w->socks[i], &c, NULL, NULL, 0) == 0)
			w->socks[w->nsocks++] = c;
		for (int flags = 0; flags < 2; flags++) {
			for (int k = 0; k < 64; k++) {
				struct sockaddr_in6 from;
				struct iovec iov = { buf, sizeof(buf) };
				struct msghdr m = { .msg_name = &from,
						    .msg_namelen = sizeof(from),
						    .msg_iov = &iov,
						    .msg_iovlen = 1,
						    .msg_control = ctl,
						    .msg_controllen =
							    sizeof(ctl) };
				if (ns_socket_recvmsg(w->socks[i], &m,
						      flags ? MSG_ERRQUEUE : 0,
						      NULL) < 0)
					break;
			}
		}
		ns_socket_poll(w->socks[i]);
	}
}

static void send_some(struct world *w, uint8_t arg)
{
	static uint8_t payload[256 * 16];
	size_t len = (size_t)arg * 16;
	payload[0] = 8; /* an echo request, for the ping sockets */
	for (int i = 0; i < w->nsocks; i++) {
		struct sockaddr_in6 dst6 = { .sin6_family = AF_INET6,
					     .sin6_port = htons(9) };
		dst6.sin6_addr.s6_addr[0] = 0xfd;
		dst6.sin6_addr.s6_addr[15] = (uint8_t)(2 + arg % 3);
		struct sockaddr_in dst4 = { .sin_family = AF_INET,
					    .sin_port = htons(9) };
		memcpy(&dst4.sin_addr,
		       (const uint8_t[]){ 10, 0, (uint8_t)(arg & 1), 2 }, 4);
		int type = 0;
		socklen_t tl = sizeof(type);
		ns_socket_getsockopt(w->socks[i], SOL_SOCKET, SO_DOMAIN, &type,
				     &tl);
		payload[0] = type == AF_INET ? 8 : 128;
		if (i >= 2 && i < 4)
			ns_socket_sendto(w->socks[i], payload, len, 0, NULL, 0);
		else if (type == AF_INET)
			ns_socket_sendto(w->socks[i], payload, len, 0,
					 (struct sockaddr *)&dst4,
					 sizeof(dst4));
		else
			ns_socket_sendto(w->socks[i], payload, len, 0,
					 (struct sockaddr *)&dst6,
					 sizeof(dst6));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world w;
	if (world_init(&w) < 0) {
		world_free(&w);
		return 0;
	}
	static uint8_t frame[14 + 256];
	while (size >= 2) {
		uint8_t op = data[0] % 6;
		size_t len = data[1];
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		const uint8_t *arg = data;
		data += len;
		size -= len;
		switch (op) {
		case 0:
			inject(&w, arg, len);
			break;
		case 1:
			memcpy(frame, arg, len);
			fix_checksums(frame, len);
			inject(&w, frame, len);
			break;
		case 2:
			if (len < 2)
				break;
			memcpy(frame, our_mac, 6);
			memcpy(frame + 6, peer_mac, 6);
			memcpy(frame + 12, arg, len);
			fix_checksums(frame, 12 + len);
			inject(&w, frame, 12 + len);
			break;
		case 3:
			w.now += (uint64_t)(len ? arg[0] : 1) * 100000000ull;
			ns_stack_timers(w.stack);
			break;
		case 4:
			read_all(&w);
			break;
		case 5:
			send_some(&w, len ? arg[0] : 0);
			break;
		}
	}
	w.now += 3600ull * 1000000000ull;
	ns_stack_timers(w.stack);
	read_all(&w);
	world_free(&w);
	return 0;
}

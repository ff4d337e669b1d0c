/* libFuzzer harness for TCP inside the whole stack. Every input gets a
 * fresh stack (10.0.0.1 / fd00::1) with listeners on port 80, and a peer
 * (10.0.0.2 / fd00::2) that the input drives. The harness watches every
 * segment the stack sends and remembers, per connection, the sequence
 * numbers a well-behaved peer would use, so mutated segments land in the
 * window and reach the state machine, data path, SACK scoreboard and loss
 * recovery rather than only the header checks.
 *
 * Input: one configuration byte (link offloads, MTU), then records of op
 * (1 byte), length (1 byte) and that many argument bytes:
 *   op % 11 == 0: a segment on a known connection: flow, flags, sequence
 *      and acknowledgment offsets from the expected ones, window, urgent
 *      pointer, raw option bytes, payload;
 *   1: the peer acknowledges on every connection, partly or fully, with
 *      or without a SACK block (duplicate ACKs, SACKs, window updates);
 *   2: advance the clock (10 ms or 1 s steps) and run the timers;
 *   3: read every socket (flags from the argument) and accept;
 *   4: write to sockets (length, MSG_OOB / MSG_MORE from the argument);
 *   5: a socket call: shutdown, close, setsockopt, getsockopt, ioctl;
 *   6: a SYN from a new peer port to a listener, options chosen by bits;
 *   7: connect() a new socket to the peer;
 *   8: a raw TCP header and payload from the argument, checksum fixed,
 *      ports of a known connection;
 *   9: a run of in-order full-sized segments from the peer, one of them
 *      optionally held back (out-of-order queue, window, delayed ACKs);
 *   10: a raw frame;
 *   11: an ICMP or ICMPv6 error about a known connection (type, code,
 *      MTU and sequence offset from the argument).
 * Teardown closes everything and lets an hour pass; LeakSanitizer checks
 * that nothing escapes. */
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "netstack/csum.h"
#include "netstack/link.h"
#include "netstack/pkt.h"
#include "netstack/socket.h"
#include "netstack/stack.h"
#include "netstack/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 1 };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 2 };
static const uint8_t our4[4] = { 10, 0, 0, 1 };
static const uint8_t peer4[4] = { 10, 0, 0, 2 };
static const uint8_t our6[16] = { 0xfd, [15] = 1 };
static const uint8_t peer6[16] = { 0xfd, [15] = 2 };

#define MAX_FLOWS 16
#define MAX_SOCKS 32

/* A connection as the peer sees it. */
struct flow {
	bool v6;
	bool ts;	    /* the stack sends timestamps */
	uint16_t port;	    /* the stack's */
	uint16_t peer_port; /* ours */
	uint32_t peer_seq;  /* next sequence number the peer sends */
	uint32_t acked;	    /* highest ACK the peer sent */
	uint32_t stack_nxt; /* end of what the stack sent */
	uint32_t ts_recent; /* the stack's last TSval */
};

struct world {
	uint64_t now;
	struct ns_stack *stack;
	int ifindex;
	uint32_t mtu;
	struct ns_socket *socks[MAX_SOCKS];
	bool listener[MAX_SOCKS];
	int nsocks;
	struct flow flows[MAX_FLOWS];
	int nflows;
	uint16_t next_port;
};

static uint64_t fuzz_clock(void *ctx)
{
	return ((struct world *)ctx)->now;
}

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static struct flow *flow_find(struct world *w, bool v6, uint16_t port,
			      uint16_t peer_port, bool add)
{
	for (int i = 0; i < w->nflows; i++) {
		struct flow *f = &w->flows[i];
		if (f->v6 == v6 && f->port == port && f->peer_port == peer_port)
			return f;
	}
	if (!add)
		return NULL;
	/* Full: the oldest slot is reused. */
	struct flow *f = w->nflows < MAX_FLOWS
				 ? &w->flows[w->nflows++]
				 : &w->flows[peer_port % MAX_FLOWS];
	memset(f, 0, sizeof(*f));
	f->v6 = v6;
	f->port = port;
	f->peer_port = peer_port;
	return f;
}

/* Finds option kind in a TCP option area; returns its offset or -1. */
static int find_opt(const uint8_t *o, size_t n, uint8_t kind, uint8_t len)
{
	size_t i = 0;
	while (i < n) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
			break;
		if (o[i] == kind && o[i + 1] == len)
			return (int)i;
		i += o[i + 1];
	}
	return -1;
}

/* Watches what the stack sends. */
static int capture_xmit(void *ctx, struct ns_pkt *pkt)
{
	struct world *w = ctx;
	uint8_t h[14 + 40 + 60];
	uint32_t n = pkt->len < sizeof(h) ? pkt->len : (uint32_t)sizeof(h);
	if (ns_pkt_copy_out(pkt, 0, h, n) < 0 || n < 14 + 20) {
		ns_pkt_free(pkt);
		return 0;
	}
	uint32_t total = pkt->len;
	ns_pkt_free(pkt);
	uint16_t type = ns_get_be16(h + 12);
	const uint8_t *ip = h + 14;
	size_t ihl;
	bool v6;
	uint32_t tlen;
	if (type == 0x0800 && ip[9] == IPPROTO_TCP) {
		ihl = (size_t)(ip[0] & 15) * 4;
		tlen = total - 14 - (uint32_t)ihl;
		v6 = false;
	} else if (type == 0x86dd && ip[6] == IPPROTO_TCP) {
		ihl = 40;
		tlen = total - 14 - 40;
		v6 = true;
	} else {
		return 0;
	}
	if (14 + ihl + 20 > n)
		return 0;
	const uint8_t *t = ip + ihl;
	size_t hlen = (size_t)(t[12] >> 4) * 4;
	if (hlen < 20 || hlen > tlen || 14 + ihl + hlen > n)
		return 0;
	uint8_t flags = t[13];
	if (flags & 0x04)
		return 0;
	struct flow *f =
		flow_find(w, v6, ns_get_be16(t), ns_get_be16(t + 2), true);
	uint32_t seq = ns_get_be32(t + 4);
	uint32_t end = seq + (tlen - (uint32_t)hlen) + !!(flags & 0x02) +
		       !!(flags & 0x01);
	if (flags & 0x02) {
		f->stack_nxt = end;
		f->ts = find_opt(t + 20, hlen - 20, 8, 10) >= 0;
		f->acked = seq;
		if (flags & 0x10)
			f->peer_seq = ns_get_be32(t + 8);
	} else if (seq_after(end, f->stack_nxt)) {
		f->stack_nxt = end;
	}
	if ((flags & 0x10) && seq_after(ns_get_be32(t + 8), f->peer_seq))
		f->peer_seq = ns_get_be32(t + 8);
	int ts = find_opt(t + 20, hlen - 20, 8, 10);
	if (ts >= 0)
		f->ts_recent = ns_get_be32(t + 20 + ts + 2);
	return 0;
}

static const struct ns_link_ops link_ops = { .xmit = capture_xmit };

/* Builds Ethernet + IP around a TCP header and payload from the peer,
 * fixes the TCP checksum, and injects it. */
static void inject_tcp(struct world *w, bool v6, uint8_t *tcp, size_t len)
{
	size_t ihl = v6 ? 40 : 20;
	size_t n = 14 + ihl + len;
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, (uint32_t)n);
	if (pkt == NULL)
		return;
	uint8_t *f = ns_pkt_put(pkt, (uint32_t)n);
	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	uint8_t *ip = f + 14;
	uint32_t pseudo;
	if (v6) {
		ns_put_be16(f + 12, 0x86dd);
		memset(ip, 0, 40);
		ip[0] = 0x60;
		ns_put_be16(ip + 4, (uint16_t)len);
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, peer6, 16);
		memcpy(ip + 24, our6, 16);
		pseudo = ns_csum_pseudo6(ip + 8, ip + 24, IPPROTO_TCP,
					 (uint32_t)len);
	} else {
		ns_put_be16(f + 12, 0x0800);
		memset(ip, 0, 20);
		ip[0] = 0x45;
		ns_put_be16(ip + 2, (uint16_t)(20 + len));
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 12, peer4, 4);
		memcpy(ip + 16, our4, 4);
		ns_put_be16(ip + 10, ns_csum_fold(ns_csum_partial(ip, 20, 0)));
		pseudo = ns_csum_pseudo4(ip + 12, ip + 16, IPPROTO_TCP,
					 (uint32_t)len);
	}
	ns_put_be16(tcp + 16, 0);
	ns_put_be16(tcp + 16, ns_csum_fold(ns_csum_partial(tcp, len, pseudo)));
	memcpy(ip + ihl, tcp, len);
	ns_stack_input(w->stack, w->ifindex, pkt);
}

static uint8_t segbuf[60 + 16384];

/* A segment from the peer on flow f. opts/olen are raw option bytes
 * (padded here); the timestamp option is added when the flow uses it
 * and there is room. */
static void peer_send(struct world *w, struct flow *f, uint8_t flags,
		      uint32_t seq, uint32_t ack, uint16_t win, uint16_t urg,
		      const uint8_t *opts, size_t olen, const uint8_t *data,
		      size_t len)
{
	uint8_t *t = segbuf;
	size_t o = 20;
	if (f->ts && olen + 12 <= 40) {
		t[o++] = 1;
		t[o++] = 1;
		t[o++] = 8;
		t[o++] = 10;
		ns_put_be32(t + o, (uint32_t)(w->now / 1000000));
		ns_put_be32(t + o + 4, f->ts_recent);
		o += 8;
	}
	if (olen > 40 - (o - 20))
		olen = 40 - (o - 20);
	if (olen) {
		memcpy(t + o, opts, olen);
		o += olen;
	}
	while (o % 4)
		t[o++] = 0;
	if (len > sizeof(segbuf) - o)
		len = sizeof(segbuf) - o;
	ns_put_be16(t, f->peer_port);
	ns_put_be16(t + 2, f->port);
	ns_put_be32(t + 4, seq);
	ns_put_be32(t + 8, ack);
	t[12] = (uint8_t)((o / 4) << 4);
	t[13] = flags;
	ns_put_be16(t + 14, win);
	ns_put_be16(t + 18, urg);
	if (len)
		memcpy(t + o, data, len);
	inject_tcp(w, f->v6, t, o + len);
	if (seq == f->peer_seq)
		f->peer_seq +=
			(uint32_t)len + !!(flags & 0x02) + !!(flags & 0x01);
	if ((flags & 0x10) && seq_after(ack, f->acked))
		f->acked = ack;
}

static void add_sock(struct world *w, struct ns_socket *s, bool listener)
{
	if (w->nsocks == MAX_SOCKS) {
		ns_socket_close(s);
		return;
	}
	w->listener[w->nsocks] = listener;
	w->socks[w->nsocks++] = s;
}

static void close_sock(struct world *w, int i)
{
	ns_socket_close(w->socks[i]);
	w->nsocks--;
	w->socks[i] = w->socks[w->nsocks];
	w->listener[i] = w->listener[w->nsocks];
}

static void listen_on(struct world *w, bool v6, int backlog)
{
	struct ns_socket *s;
	if (ns_socket_create(w->stack, v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0,
			     &s) < 0)
		return;
	int on = 1;
	ns_socket_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(80) };
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(80) };
	if (v6) {
		ns_socket_setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &on,
				     sizeof(on));
		ns_socket_bind(s, (struct sockaddr *)&a6, sizeof(a6));
	} else {
		ns_socket_bind(s, (struct sockaddr *)&a4, sizeof(a4));
	}
	ns_socket_listen(s, backlog);
	add_sock(w, s, true);
}

static void connect_new(struct world *w, bool v6, uint16_t port)
{
	struct ns_socket *s;
	if (ns_socket_create(w->stack, v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0,
			     &s) < 0)
		return;
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port) };
	memcpy(&a6.sin6_addr, peer6, 16);
	struct sockaddr_in a4 = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	memcpy(&a4.sin_addr, peer4, 4);
	if (v6)
		ns_socket_connect(s, (struct sockaddr *)&a6, sizeof(a6));
	else
		ns_socket_connect(s, (struct sockaddr *)&a4, sizeof(a4));
	add_sock(w, s, false);
}

/* A SYN from a new peer port; bits choose MSS, window scale, SACK and
 * timestamps. */
static void peer_syn(struct world *w, bool v6, uint16_t peer_port, uint8_t bits,
		     uint8_t ws, uint16_t mss)
{
	struct flow *f = flow_find(w, v6, 80, peer_port, true);
	f->ts = false;
	f->peer_seq = 1000000u * peer_port;
	uint8_t o[20];
	size_t n = 0;
	if (bits & 1) {
		o[n++] = 2;
		o[n++] = 4;
		ns_put_be16(o + n, mss);
		n += 2;
	}
	if (bits & 2) {
		o[n++] = 1;
		o[n++] = 3;
		o[n++] = 3;
		o[n++] = ws;
	}
	if (bits & 4) {
		o[n++] = 4;
		o[n++] = 2;
	}
	if (bits & 8) {
		o[n++] = 8;
		o[n++] = 10;
		ns_put_be32(o + n, (uint32_t)(w->now / 1000000));
		ns_put_be32(o + n + 4, 0);
		n += 8;
	}
	peer_send(w, f, 0x02, f->peer_seq, 0, 65535, 0, o, n, NULL, 0);
}

/* The peer acknowledges what the stack sent on every connection. */
static void ack_all(struct world *w, const uint8_t *a, size_t n)
{
	uint8_t part = n > 0 ? a[0] : 255;
	uint8_t sack = n > 1 ? a[1] : 0;
	uint16_t win = n > 2 ? (uint16_t)(a[2] << 8 | 0xff) : 65535;
	for (int i = 0; i < w->nflows; i++) {
		struct flow *f = &w->flows[i];
		uint32_t out = f->stack_nxt - f->acked;
		if (out > (1u << 30))
			out = 0;
		uint32_t ack =
			f->acked + (uint32_t)((uint64_t)out * part / 255);
		uint8_t o[12];
		size_t olen = 0;
		uint32_t left = f->stack_nxt - ack;
		if (sack && left > 1) {
			uint32_t start =
				ack + 1 +
				(uint32_t)((uint64_t)(left - 1) * sack / 256);
			o[0] = 1;
			o[1] = 1;
			o[2] = 5;
			o[3] = 10;
			ns_put_be32(o + 4, start);
			ns_put_be32(o + 8, f->stack_nxt);
			olen = 12;
		}
		peer_send(w, f, 0x10, f->peer_seq, ack, win, 0, o, olen, NULL,
			  0);
	}
}

static int count_socket(void *arg, const struct ns_socket_info *info)
{
	(void)arg;
	return info->rx_queue > (1u << 30);
}

static void read_all(struct world *w, uint8_t how)
{
	static uint8_t buf[65536];
	static const int flag_sets[] = {
		0,	   MSG_PEEK,	       MSG_OOB,
		MSG_TRUNC, MSG_PEEK | MSG_OOB, MSG_WAITALL | MSG_DONTWAIT
	};
	int flags = flag_sets[how % 6];
	size_t len = (how >> 3) ? (size_t)(how >> 3) * 2048 : sizeof(buf);
	for (int i = 0; i < w->nsocks; i++) {
		struct ns_socket *s = w->socks[i];
		if (w->listener[i]) {
			struct ns_socket *c;
			for (int k = 0; k < 8; k++) {
				if (ns_socket_accept(s, &c, NULL, NULL, 0) < 0)
					break;
				add_sock(w, c, false);
			}
			continue;
		}
		for (int k = 0; k < 8; k++) {
			if (ns_socket_recvfrom(s, buf, len, flags, NULL,
					       NULL) <= 0)
				break;
		}
		ns_socket_poll(s);
	}
	ns_stack_foreach_socket(w->stack, count_socket, NULL);
}

static void write_some(struct world *w, const uint8_t *a, size_t n)
{
	static uint8_t payload[65536];
	size_t len = n > 0 ? (size_t)a[0] * 256 + 1 : 1000;
	int flags = (n > 1 && (a[1] & 1) ? MSG_OOB : 0) |
		    (n > 1 && (a[1] & 2) ? MSG_MORE : 0);
	int which = n > 2 ? a[2] : -1;
	for (int i = 0; i < w->nsocks; i++) {
		if (w->listener[i] || (which >= 0 && which % w->nsocks != i))
			continue;
		ns_socket_sendto(w->socks[i], payload, len,
				 flags | MSG_NOSIGNAL, NULL, 0);
	}
}

static void sock_call(struct world *w, const uint8_t *a, size_t n)
{
	if (n < 3 || w->nsocks == 0)
		return;
	int i = a[0] % w->nsocks;
	struct ns_socket *s = w->socks[i];
	int v = a[2];
	switch (a[1] % 20) {
	case 0:
		ns_socket_shutdown(s, SHUT_RD);
		break;
	case 1:
		ns_socket_shutdown(s, SHUT_WR);
		break;
	case 2:
		ns_socket_shutdown(s, SHUT_RDWR);
		break;
	case 3:
		close_sock(w, i);
		break;
	case 4: {
		struct linger l = { .l_onoff = 1, .l_linger = v & 1 };
		ns_socket_setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		close_sock(w, i);
		break;
	}
	case 5:
		ns_socket_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v,
				     sizeof(v));
		break;
	case 6:
		v &= 1;
		ns_socket_setsockopt(s, IPPROTO_TCP, TCP_CORK, &v, sizeof(v));
		break;
	case 7:
		v *= 512;
		ns_socket_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
		break;
	case 8:
		v *= 512;
		ns_socket_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
		break;
	case 9:
		v = 64 + v * 8;
		ns_socket_setsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof(v));
		break;
	case 10:
		ns_socket_setsockopt(s, IPPROTO_TCP, TCP_CONGESTION,
				     v & 1 ? "reno" : "cubic", v & 1 ? 4 : 5);
		break;
	case 11:
		v = 1;
		ns_socket_setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v,
				     sizeof(v));
		v = 1 + a[2] % 8;
		ns_socket_setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v,
				     sizeof(v));
		ns_socket_setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &v,
				     sizeof(v));
		break;
	case 12:
		v *= 100;
		ns_socket_setsockopt(s, IPPROTO_TCP, TCP_USER_TIMEOUT, &v,
				     sizeof(v));
		break;
	case 13:
		v &= 1;
		ns_socket_setsockopt(s, IPPROTO_TCP, TCP_QUICKACK, &v,
				     sizeof(v));
		break;
	case 14:
		ns_socket_setsockopt(s, IPPROTO_TCP, TCP_DEFER_ACCEPT, &v,
				     sizeof(v));
		break;
	case 15: {
		uint8_t info[256];
		socklen_t len = sizeof(info);
		ns_socket_getsockopt(s, IPPROTO_TCP, TCP_INFO, info, &len);
		break;
	}
	case 16: {
		int q;
		ns_socket_ioctl(s, SIOCINQ, &q);
		ns_socket_ioctl(s, SIOCOUTQ, &q);
		ns_socket_ioctl(s, SIOCOUTQNSD, &q);
		ns_socket_ioctl(s, SIOCATMARK, &q);
		break;
	}
	case 17:
		v &= 1;
		ns_socket_setsockopt(s, SOL_SOCKET, SO_OOBINLINE, &v,
				     sizeof(v));
		break;
	case 18:
		ns_socket_listen(s, v % 8);
		break;
	case 19:
		v = 1 + v % 16;
		ns_socket_setsockopt(s, IPPROTO_TCP, TCP_SYNCNT, &v, sizeof(v));
		break;
	}
}

/* op 0: a segment near the expected sequence numbers. */
static void fuzz_segment(struct world *w, const uint8_t *a, size_t n)
{
	if (n < 8 || w->nflows == 0)
		return;
	struct flow *f = &w->flows[a[0] % w->nflows];
	static const uint32_t scale[4] = { 1, 1000, 65536, 1u << 30 };
	uint32_t seq = f->peer_seq + (uint32_t)(int8_t)a[2] * scale[a[6] & 3];
	uint32_t ack =
		f->stack_nxt + (uint32_t)(int8_t)a[3] * scale[(a[6] >> 2) & 3];
	uint16_t win = (uint16_t)(a[4] << 8 | a[5]);
	uint16_t urg = (uint16_t)(a[6] >> 4);
	size_t olen = a[7] % 41;
	if (olen > n - 8)
		olen = n - 8;
	peer_send(w, f, a[1], seq, ack, win, urg, a + 8, olen, a + 8 + olen,
		  n - 8 - olen);
}

/* op 8: a raw TCP header from the input on a known connection. */
static void raw_segment(struct world *w, const uint8_t *a, size_t n)
{
	if (n < 21 || w->nflows == 0)
		return;
	struct flow *f = &w->flows[a[0] % w->nflows];
	memcpy(segbuf, a + 1, n - 1);
	ns_put_be16(segbuf, f->peer_port);
	ns_put_be16(segbuf + 2, f->port);
	inject_tcp(w, f->v6, segbuf, n - 1);
}

/* op 9: count full segments in order, one optionally held back and sent
 * last. */
static void data_run(struct world *w, const uint8_t *a, size_t n)
{
	static const uint8_t payload[1460];
	if (n < 3 || w->nflows == 0)
		return;
	struct flow *f = &w->flows[a[0] % w->nflows];
	unsigned count = 1 + a[1] % 64;
	unsigned hold = a[2] % (count + 8); /* >= count: none held */
	uint32_t mss = w->mtu - (f->v6 ? 60 : 40) - (f->ts ? 12 : 0);
	if (mss > sizeof(payload))
		mss = sizeof(payload);
	uint32_t base = f->peer_seq;
	for (unsigned k = 0; k < count; k++) {
		if (k == hold)
			continue;
		peer_send(w, f, 0x10, base + k * mss, f->stack_nxt, 65535, 0,
			  NULL, 0, payload, mss);
	}
	if (hold < count)
		peer_send(w, f, 0x18, base + hold * mss, f->stack_nxt, 65535, 0,
			  NULL, 0, payload, mss);
	if (seq_after(base + count * mss, f->peer_seq))
		f->peer_seq = base + count * mss;
}

static void raw_frame(struct world *w, const uint8_t *a, size_t n)
{
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, (uint32_t)n);
	if (pkt == NULL)
		return;
	memcpy(ns_pkt_put(pkt, (uint32_t)n), a, n);
	ns_stack_input(w->stack, w->ifindex, pkt);
}

/* op 11: an ICMP error quoting a segment the stack sent on flow f. */
static void icmp_error(struct world *w, const uint8_t *a, size_t n)
{
	if (n < 6 || w->nflows == 0)
		return;
	struct flow *f = &w->flows[a[0] % w->nflows];
	uint8_t fr[14 + 40 + 8 + 40 + 8];
	size_t ihl = f->v6 ? 40 : 20;
	size_t len = 8 + ihl + 8; /* ICMP header, quoted IP, 8 TCP bytes */
	memcpy(fr, our_mac, 6);
	memcpy(fr + 6, peer_mac, 6);
	uint8_t *ip = fr + 14, *ic = ip + ihl, *q = ic + 8, *qt = q + ihl;
	memset(ip, 0, sizeof(fr) - 14);
	/* The quoted packet: from us to the peer. */
	uint32_t seq = f->acked + (uint32_t)(int8_t)a[4] * 100;
	ns_put_be16(qt, f->port);
	ns_put_be16(qt + 2, f->peer_port);
	ns_put_be32(qt + 4, seq);
	ic[0] = a[1];
	ic[1] = a[2];
	uint16_t mtu = (uint16_t)(a[3] * 16 + a[5]);
	if (f->v6) {
		ns_put_be16(fr + 12, 0x86dd);
		ip[0] = 0x60;
		ns_put_be16(ip + 4, (uint16_t)len);
		ip[6] = IPPROTO_ICMPV6;
		ip[7] = 255;
		memcpy(ip + 8, peer6, 16);
		memcpy(ip + 24, our6, 16);
		static const uint8_t types6[4] = { 1, 2, 3, 4 };
		ic[0] = types6[a[1] & 3];
		ns_put_be32(ic + 4, mtu * 8u);
		q[0] = 0x60;
		ns_put_be16(q + 4, 1000);
		q[6] = IPPROTO_TCP;
		q[7] = 64;
		memcpy(q + 8, our6, 16);
		memcpy(q + 24, peer6, 16);
		uint32_t ps = ns_csum_pseudo6(ip + 8, ip + 24, IPPROTO_ICMPV6,
					      (uint32_t)len);
		ns_put_be16(ic + 2, ns_csum_fold(ns_csum_partial(ic, len, ps)));
	} else {
		ns_put_be16(fr + 12, 0x0800);
		ip[0] = 0x45;
		ns_put_be16(ip + 2, (uint16_t)(20 + len));
		ip[8] = 64;
		ip[9] = IPPROTO_ICMP;
		memcpy(ip + 12, peer4, 4);
		memcpy(ip + 16, our4, 4);
		ns_put_be16(ip + 10, ns_csum_fold(ns_csum_partial(ip, 20, 0)));
		static const uint8_t types4[4] = { 3, 11, 12, 4 };
		ic[0] = types4[a[1] & 3];
		ns_put_be16(ic + 6, mtu);
		q[0] = 0x45;
		ns_put_be16(q + 2, 1000);
		q[6] = 0x40; /* DF */
		q[8] = 64;
		q[9] = IPPROTO_TCP;
		memcpy(q + 12, our4, 4);
		memcpy(q + 16, peer4, 4);
		ns_put_be16(q + 10, ns_csum_fold(ns_csum_partial(q, 20, 0)));
		ns_put_be16(ic + 2, ns_csum_fold(ns_csum_partial(ic, len, 0)));
	}
	raw_frame(w, fr, 14 + ihl + len);
}

static void run_timers(struct world *w, uint64_t ns)
{
	w->now += ns;
	ns_stack_timers(w->stack);
}

static int world_init(struct world *w, uint8_t config)
{
	memset(w, 0, sizeof(*w));
	w->now = 1000000000ull;
	w->next_port = 2000;
	struct ns_stack_config cfg = { .clock = fuzz_clock,
				       .ctx = w,
				       .seed = 1 };
	if (ns_stack_create(&cfg, &w->stack) < 0)
		return -1;
	static const uint32_t caps[4] = {
		0, NS_LINK_CAP_TX_CSUM | NS_LINK_CAP_RX_CSUM,
		NS_LINK_CAP_TSO | NS_LINK_CAP_RX_CSUM,
		NS_LINK_CAP_TSO | NS_LINK_CAP_RX_GRO | NS_LINK_CAP_TRUSTED
	};
	static const uint32_t mtus[4] = { 1500, 1280, 9000, 576 };
	w->mtu = mtus[(config >> 2) & 3];
	struct ns_nic_config nc = { .ops = &link_ops,
				    .ctx = w,
				    .flags = NS_NIC_F_NO_AUTOCONF,
				    .info = { .type = NS_LINK_ETHERNET,
					      .mtu = w->mtu,
					      .caps = caps[config & 3],
					      .name = "eth0" } };
	memcpy(nc.info.mac, our_mac, 6);
	if (ns_stack_add_nic(w->stack, &nc, &w->ifindex) < 0)
		return -1;
	struct ns_ifaddr a4 = { .ifindex = w->ifindex,
				.family = AF_INET,
				.prefix_len = 24,
				.flags = NS_ADDR_F_NODAD };
	memcpy(a4.addr, our4, 4);
	ns_stack_add_addr(w->stack, &a4);
	struct ns_ifaddr a6 = { .ifindex = w->ifindex,
				.family = AF_INET6,
				.prefix_len = 64,
				.flags = NS_ADDR_F_NODAD };
	memcpy(a6.addr, our6, 16);
	ns_stack_add_addr(w->stack, &a6);
	struct ns_neigh_info n4 = { .ifindex = w->ifindex, .family = AF_INET };
	memcpy(n4.addr, peer4, 4);
	memcpy(n4.mac, peer_mac, 6);
	ns_stack_add_neigh(w->stack, &n4);
	struct ns_neigh_info n6 = { .ifindex = w->ifindex, .family = AF_INET6 };
	memcpy(n6.addr, peer6, 16);
	memcpy(n6.mac, peer_mac, 6);
	ns_stack_add_neigh(w->stack, &n6);

	listen_on(w, false, 4);
	listen_on(w, true, 4);
	/* One passive and one active connection, established. */
	peer_syn(w, config & 0x10, 1000, 0x0f, 7, 1460);
	ack_all(w, NULL, 0);
	connect_new(w, config & 0x20, 7);
	if (w->nflows < 2)
		return 0;
	struct flow *f = &w->flows[w->nflows - 1];
	uint8_t o[4] = { 2, 4, 0x05, 0xb4 };
	f->peer_seq = 5000;
	peer_send(w, f, 0x12, f->peer_seq, f->stack_nxt, 65535, 0, o, 4, NULL,
		  0);
	read_all(w, 0);
	return 0;
}

static void world_free(struct world *w)
{
	while (w->nsocks)
		close_sock(w, w->nsocks - 1);
	run_timers(w, 3600ull * 1000000000ull);
	ns_stack_destroy(w->stack);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct world w;
	if (world_init(&w, data[0]) < 0) {
		if (w.stack)
			ns_stack_destroy(w.stack);
		return 0;
	}
	data++;
	size--;
	while (size >= 2) {
		uint8_t op = data[0] % 12;
		size_t len = data[1];
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		const uint8_t *a = data;
		data += len;
		size -= len;
		switch (op) {
		case 0:
			fuzz_segment(&w, a, len);
			break;
		case 1:
			ack_all(&w, a, len);
			break;
		case 2:
			run_timers(&w, (uint64_t)(len ? a[0] : 1) *
					       (len > 1 && (a[1] & 1)
							? 1000000000ull
							: 10000000ull));
			break;
		case 3:
			read_all(&w, len ? a[0] : 0);
			break;
		case 4:
			write_some(&w, a, len);
			break;
		case 5:
			sock_call(&w, a, len);
			break;
		case 6:
			if (len >= 4)
				peer_syn(&w, a[0] & 1, (uint16_t)(1000 + a[1]),
					 a[2], a[3] % 16,
					 (uint16_t)(a[2] << 4 | a[3]));
			break;
		case 7:
			connect_new(&w, len && (a[0] & 1),
				    (uint16_t)(len > 1 ? a[1] : 9));
			break;
		case 8:
			raw_segment(&w, a, len);
			break;
		case 9:
			data_run(&w, a, len);
			break;
		case 10:
			raw_frame(&w, a, len);
			break;
		case 11:
			icmp_error(&w, a, len);
			break;
		}
	}
	world_free(&w);
	return 0;
}

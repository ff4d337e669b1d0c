/* /proc/net and /proc/sys/net from the sandbox's netstack (procnet.h).
 *
 * Each file is generated whole when it is opened, in the format of
 * Linux's seq_file show functions (net/ipv4/tcp_ipv4.c tcp4_seq_show,
 * udp.c, ping.c, raw.c, the ipv6 ones, core/net-procfs.c, ipv4/proc.c,
 * ipv6/proc.c, fib_trie.c, ip6_fib.c, addrconf.c, arp.c, af_unix.c):
 * the same headers, widths, padding (seq_pad) and hex encodings, so
 * that tools parsing them (ss and netstat without netlink, ifconfig,
 * nstat, psutil) read the sandbox as they read Linux. Kernel pointers
 * print as zeros, as Linux shows them to a reader without
 * CAP_SYSLOG. Counters are the netstack's, which use Linux's names;
 * those it does not keep read 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/unix.h"
#include "net/net.h"
#include "net/procnet.h"
#include "net/sock.h"
#include "netstack/stack.h"
#include "netstack/sysctl.h"

#define RTF_UP_	       0x0001
#define RTF_GATEWAY_   0x0002
#define RTF_HOST_      0x0004
#define RTF_REJECT_    0x0200
#define RTF_DEFAULT_   0x00010000
#define RTF_ADDRCONF_  0x00040000
#define RTF_PREFIX_RT_ 0x00080000
#define RTF_NONEXTHOP_ 0x00200000
#define RTF_EXPIRES_   0x00400000
#define RTF_LOCAL_     0x80000000u
#define USER_HZ	       100
#define KPTR	       "0000000000000000" /* %pK for an unprivileged reader */

const char *const sn_procnet_files[] = {
	"arp", "dev",  "icmp",	"icmp6", "if_inet6", "ipv6_route", "netstat",
	"raw", "raw6", "route", "snmp",	 "snmp6",    "sockstat",   "sockstat6",
	"tcp", "tcp6", "udp",	"udp6",	 "unix",     NULL,
};

/* ---- helpers --------------------------------------------------------------- */

/* seq_pad: the line padded with spaces to width, then a newline. */
static void padded(FILE *f, int width, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void padded(FILE *f, int width, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(f, "%-*s\n", width, line);
}

/* An IPv4 address as the kernel prints a __be32 with %08X. */
static uint32_t be32_raw(const uint8_t *a)
{
	uint32_t v;
	memcpy(&v, a, 4);
	return v;
}

/* An IPv6 address as %08X%08X%08X%08X of its s6_addr32 words. */
static void put_in6_words(FILE *f, const uint8_t *a)
{
	for (int i = 0; i < 4; i++)
		fprintf(f, "%08X", be32_raw(a + 4 * i));
}

/* %pi6: 32 lowercase hex digits. */
static void put_pi6(FILE *f, const uint8_t *a)
{
	for (int i = 0; i < 16; i++)
		fprintf(f, "%02x", a[i]);
}

static uint64_t stat_of(const struct ns_stack *s, const char *group,
			const char *name)
{
	char full[96];
	snprintf(full, sizeof(full), "%s.%s", group, name);
	uint64_t v = 0;
	if (ns_stack_stat_by_name(s, full, &v) < 0)
		return 0;
	return v;
}

struct nics {
	struct ns_nic_info v[64];
	int n;
};

static int nic_cb(void *arg, const struct ns_nic_info *info)
{
	struct nics *l = arg;
	if (l->n < 64)
		l->v[l->n++] = *info;
	return 0;
}

static const struct ns_nic_info *nic_of(const struct nics *l, int idx)
{
	for (int i = 0; i < l->n; i++)
		if (l->v[i].ifindex == idx)
			return &l->v[i];
	return NULL;
}

static const char *nic_name(const struct nics *l, int idx)
{
	const struct ns_nic_info *n = nic_of(l, idx);
	return n ? n->name : "";
}

struct vec {
	void *v;
	size_t n, cap, size;
};

static int vec_push(struct vec *v, const void *item)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;
		void *p = realloc(v->v, cap * v->size);
		if (p == NULL)
			return -ENOMEM;
		v->v = p;
		v->cap = cap;
	}
	memcpy((char *)v->v + v->n * v->size, item, v->size);
	v->n++;
	return 0;
}

static int route_cb(void *arg, const struct ns_route *rt)
{
	return vec_push(arg, rt);
}

static int addr_cb(void *arg, const struct ns_ifaddr *a)
{
	return vec_push(arg, a);
}

static int neigh_cb(void *arg, const struct ns_neigh_info *n)
{
	return vec_push(arg, n);
}

/* ---- sockets ---------------------------------------------------------------- */

static int sock_cb(void *arg, const struct ns_socket_info *info)
{
	struct sn_sock_snap s;
	memset(&s, 0, sizeof(s));
	s.info = *info;
	return vec_push(arg, &s);
}

static bool is_listener(const struct sn_sock_snap *s)
{
	return s->info.type == SOCK_STREAM && s->info.state == TCP_LISTEN;
}

int sn_net_socks(struct sn_kernel *k, struct sn_sock_snap **out)
{
	*out = NULL;
	struct ns_stack *stack = sn_net_stack(k);
	if (stack == NULL)
		return 0;
	struct vec v = { .size = sizeof(struct sn_sock_snap) };
	if (ns_stack_foreach_socket(stack, sock_cb, &v) < 0) {
		free(v.v);
		return -ENOMEM;
	}
	/* Listeners first (Linux walks the listening hash first), each
	 * group in the stack's order. */
	struct sn_sock_snap *s = malloc((v.n ? v.n : 1) * sizeof(*s));
	if (s == NULL) {
		free(v.v);
		return -ENOMEM;
	}
	size_t o = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < v.n; i++)
			if (is_listener((struct sn_sock_snap *)v.v + i) ==
			    (pass == 0))
				s[o++] = ((struct sn_sock_snap *)v.v)[i];
	free(v.v);
	for (size_t i = 0; i < v.n; i++) {
		const struct ns_socket *ns = s[i].info.sock;
		s[i].ino = sn_inet_ino(k, ns);
		s[i].uid = sn_inet_uid(k, ns);
		/* Only sockets a file holds are asked for more: nothing
		 * can free them meanwhile. */
		if (s[i].ino == 0)
			continue;
		struct ns_socket *m = (struct ns_socket *)(uintptr_t)ns;
		socklen_t len = sizeof(int);
		ns_socket_getsockopt(m, SOL_SOCKET, SO_RCVBUF, &s[i].rcvbuf,
				     &len);
		len = sizeof(int);
		ns_socket_getsockopt(m, SOL_SOCKET, SO_SNDBUF, &s[i].sndbuf,
				     &len);
		if (s[i].info.type != SOCK_STREAM)
			continue;
		len = sizeof(s[i].tcp);
		if (ns_socket_getsockopt(m, IPPROTO_TCP, TCP_INFO, &s[i].tcp,
					 &len) == 0)
			s[i].has_tcp = true;
		len = sizeof(s[i].cong) - 1;
		ns_socket_getsockopt(m, IPPROTO_TCP, TCP_CONGESTION, s[i].cong,
				     &len);
	}
	*out = s;
	return (int)v.n;
}

/* jiffies_to_clock_t of a duration in microseconds. */
static unsigned long us_to_clock(uint32_t us)
{
	return us / (1000000 / USER_HZ);
}

static void tcp_line(FILE *f, int sl, const struct sn_sock_snap *s, bool v6)
{
	const struct ns_socket_info *i = &s->info;
	bool listen = i->state == TCP_LISTEN;
	uint32_t tx = listen ? 0 : i->tx_queue;
	uint32_t rx = i->rx_queue;
	int timer = 0;
	unsigned long when = 0;
	unsigned retrans = 0, probes = 0;
	unsigned long rto = 100, ato = 0; /* TCP_TIMEOUT_INIT: 1 s */
	unsigned cwnd = 10;
	int ssthresh = listen ? 0 : -1;
	if (s->has_tcp) {
		const struct ns_tcp_info *t = &s->tcp;
		rto = us_to_clock(t->rto);
		ato = us_to_clock(t->ato);
		retrans = t->retransmits;
		probes = t->probes;
		if (!listen) {
			cwnd = t->snd_cwnd;
			ssthresh = t->snd_ssthresh >= 0x7fffffff
					   ? -1
					   : (int)t->snd_ssthresh;
			if (t->unacked) {
				timer = 1; /* retransmission */
				when = rto;
			}
		}
	}
	if (listen)
		rto = 100;
	char head[160];
	if (v6) {
		char *p = head;
		size_t room = sizeof(head);
		int n = snprintf(p, room, "%4d: ", sl);
		for (int w = 0; w < 4; w++)
			n += snprintf(p + n, room - (size_t)n, "%08X",
				      be32_raw(i->local_addr + 4 * w));
		n += snprintf(p + n, room - (size_t)n, ":%04X ", i->local_port);
		for (int w = 0; w < 4; w++)
			n += snprintf(p + n, room - (size_t)n, "%08X",
				      be32_raw(i->remote_addr + 4 * w));
		snprintf(p + n, room - (size_t)n, ":%04X", i->remote_port);
	} else {
		snprintf(head, sizeof(head), "%4d: %08X:%04X %08X:%04X", sl,
			 be32_raw(i->local_addr), i->local_port,
			 be32_raw(i->remote_addr), i->remote_port);
	}
	char line[400];
	snprintf(line, sizeof(line),
		 "%s %02X %08X:%08X %02X:%08lX %08X %5u %8u %llu %d %s %lu "
		 "%lu %u %u %d",
		 head, i->state, tx, rx, timer, when, retrans, (unsigned)s->uid,
		 probes, (unsigned long long)s->ino, 1, KPTR, rto, ato, 0u,
		 cwnd, ssthresh);
	if (v6)
		fprintf(f, "%s\n", line);
	else
		fprintf(f, "%-149s\n", line);
}

static void gen_tcp(FILE *f, struct sn_kernel *k, bool v6)
{
	if (v6)
		fprintf(f, "  sl  local_address                         "
			   "remote_address                        "
			   "st tx_queue rx_queue tr tm->when retrnsmt"
			   "   uid  timeout inode\n");
	else
		padded(f, 149,
		       "  sl  local_address rem_address   st tx_queue "
		       "rx_queue tr tm->when retrnsmt   uid  timeout inode");
	struct sn_sock_snap *s;
	int n = sn_net_socks(k, &s);
	int sl = 0;
	for (int i = 0; i < n; i++)
		if (s[i].info.type == SOCK_STREAM &&
		    s[i].info.family == (v6 ? AF_INET6 : AF_INET))
			tcp_line(f, sl++, &s[i], v6);
	free(s);
}

#define DGRAM6_HEADER                               \
	"  sl  "                                    \
	"local_address                         "    \
	"remote_address                        "    \
	"st tx_queue rx_queue tr tm->when retrnsmt" \
	"   uid  timeout inode ref pointer drops\n"

/* udp, udp6, icmp (ping sockets), icmp6. */
static void gen_dgram(FILE *f, struct sn_kernel *k, bool v6, bool ping)
{
	if (v6)
		fprintf(f, DGRAM6_HEADER);
	else
		padded(f, 127, "%s",
		       ping ? "  sl  local_address rem_address   st tx_queue "
			      "rx_queue tr tm->when retrnsmt   uid  timeout "
			      "inode ref pointer drops"
			    : "   sl  local_address rem_address   st tx_queue "
			      "rx_queue tr tm->when retrnsmt   uid  timeout "
			      "inode ref pointer drops");
	struct sn_sock_snap *s;
	int n = sn_net_socks(k, &s);
	for (int j = 0; j < n; j++) {
		const struct ns_socket_info *i = &s[j].info;
		bool is_ping = i->protocol == IPPROTO_ICMP ||
			       i->protocol == IPPROTO_ICMPV6;
		if (i->type != SOCK_DGRAM || is_ping != ping ||
		    i->family != (v6 ? AF_INET6 : AF_INET))
			continue;
		/* The slot of the port's hash bucket, as Linux numbers the
		 * lines of these files. */
		int bucket = i->local_port & 0x7f;
		char line[400];
		if (v6) {
			fprintf(f, "%5d: ", bucket);
			put_in6_words(f, i->local_addr);
			fprintf(f, ":%04X ", i->local_port);
			put_in6_words(f, i->remote_addr);
			fprintf(f,
				":%04X %02X %08X:%08X %02X:%08lX %08X %5u %8d "
				"%llu %d %s %llu\n",
				i->remote_port, i->state, i->tx_queue,
				i->rx_queue, 0, 0ul, 0u, (unsigned)s[j].uid, 0,
				(unsigned long long)s[j].ino, 2, KPTR,
				(unsigned long long)i->drops);
			continue;
		}
		snprintf(line, sizeof(line),
			 "%5d: %08X:%04X %08X:%04X %02X %08X:%08X %02X:%08lX "
			 "%08X %5u %8d %llu %d %s %llu",
			 bucket, be32_raw(i->local_addr), i->local_port,
			 be32_raw(i->remote_addr), i->remote_port, i->state,
			 i->tx_queue, i->rx_queue, 0, 0ul, 0u,
			 (unsigned)s[j].uid, 0, (unsigned long long)s[j].ino, 2,
			 KPTR, (unsigned long long)i->drops);
		fprintf(f, "%-127s\n", line);
	}
	free(s);
}

/* ---- devices, addresses, routes, neighbours ---------------------------------- */

static void gen_dev(FILE *f, struct ns_stack *stack)
{
	fprintf(f, "Inter-|   Receive                            "
		   "                    |  Transmit\n"
		   " face |bytes    packets errs drop fifo frame "
		   "compressed multicast|bytes    packets errs "
		   "drop fifo colls carrier compressed\n");
	struct nics l = { .n = 0 };
	ns_stack_foreach_nic(stack, nic_cb, &l);
	for (int i = 0; i < l.n; i++) {
		const struct ns_nic_info *n = &l.v[i];
		fprintf(f,
			"%6s: %7llu %7llu %4llu %4llu %4llu %5llu %10llu "
			"%9llu %8llu %7llu %4llu %4llu %4llu %5llu %7llu "
			"%10llu\n",
			n->name, (unsigned long long)n->rx_bytes,
			(unsigned long long)n->rx_packets, 0ull,
			(unsigned long long)n->rx_dropped, 0ull, 0ull, 0ull,
			0ull, (unsigned long long)n->tx_bytes,
			(unsigned long long)n->tx_packets, 0ull,
			(unsigned long long)n->tx_dropped, 0ull, 0ull, 0ull,
			0ull);
	}
}

/* ipv6_addr_scope as if_inet6 prints it (IFA_HOST, IFA_LINK, ...). */
static unsigned in6_scope(const uint8_t *a)
{
	static const uint8_t lo[16] = { [15] = 1 };
	if (memcmp(a, lo, 16) == 0)
		return 0x10;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return 0x20;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return 0x40;
	return 0;
}

static void gen_if_inet6(FILE *f, struct ns_stack *stack)
{
	struct nics l = { .n = 0 };
	ns_stack_foreach_nic(stack, nic_cb, &l);
	struct vec v = { .size = sizeof(struct ns_ifaddr) };
	ns_stack_foreach_addr(stack, addr_cb, &v);
	for (size_t i = 0; i < v.n; i++) {
		const struct ns_ifaddr *a = (const struct ns_ifaddr *)v.v + i;
		if (a->family != AF_INET6)
			continue;
		const struct ns_nic_info *ni = nic_of(&l, a->ifindex);
		uint32_t flags = a->flags;
		if (ni && ni->loopback)
			flags &= ~(uint32_t)NS_ADDR_F_NODAD;
		put_pi6(f, a->addr);
		fprintf(f, " %02x %02x %02x %02x %8s\n", a->ifindex,
			a->prefix_len, in6_scope(a->addr), flags & 0xff,
			ni ? ni->name : "");
	}
	free(v.v);
}

static int cmp_route4(const void *pa, const void *pb)
{
	const struct ns_route *a = pa, *b = pb;
	uint32_t ka = ntohl(be32_raw(a->dst)), kb = ntohl(be32_raw(b->dst));
	if (ka != kb)
		return ka < kb ? -1 : 1;
	return (int)b->prefix_len - (int)a->prefix_len;
}

/* fib_route_seq_show: the main table's unicast routes. */
static void gen_route(FILE *f, struct ns_stack *stack)
{
	padded(f, 127, "%s",
	       "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\t"
	       "Mask\t\tMTU\tWindow\tIRTT");
	struct nics l = { .n = 0 };
	ns_stack_foreach_nic(stack, nic_cb, &l);
	struct vec v = { .size = sizeof(struct ns_route) };
	ns_stack_foreach_route(stack, route_cb, &v);
	if (v.n)
		qsort(v.v, v.n, v.size, cmp_route4);
	for (size_t i = 0; i < v.n; i++) {
		const struct ns_route *r = (const struct ns_route *)v.v + i;
		const struct ns_nic_info *ni = nic_of(&l, r->ifindex);
		if (r->family != AF_INET ||
		    (r->protocol == NS_RTPROT_KERNEL && ni && ni->loopback))
			continue;
		uint32_t mask = r->prefix_len ? htonl(0xffffffffu
						      << (32 - r->prefix_len))
					      : 0;
		bool gw = be32_raw(r->gateway) != 0;
		unsigned flags = RTF_UP_ | (gw ? RTF_GATEWAY_ : 0) |
				 (r->prefix_len == 32 ? RTF_HOST_ : 0);
		padded(f, 127,
		       "%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u",
		       ni ? ni->name : "*", be32_raw(r->dst),
		       be32_raw(r->gateway), flags, 0, 0u, (int)r->metric, mask,
		       0, 0u, 0u);
	}
	free(v.v);
}

static void route6_line(FILE *f, const uint8_t *dst, unsigned plen,
			const uint8_t *gw, uint32_t metric, uint32_t flags,
			const char *dev)
{
	static const uint8_t zero[16];
	put_pi6(f, dst);
	fprintf(f, " %02x ", plen);
	put_pi6(f, zero);
	fprintf(f, " 00 ");
	put_pi6(f, gw ? gw : zero);
	fprintf(f, " %08x %08x %08x %08x %8s\n", metric, 1u, 0u, flags, dev);
}

/* ipv6_route_native_seq_show over the main table, then the local one
 * (the addresses), then the tables' null entry. */
static void gen_ipv6_route(FILE *f, struct ns_stack *stack)
{
	static const uint8_t zero[16];
	struct nics l = { .n = 0 };
	ns_stack_foreach_nic(stack, nic_cb, &l);
	struct vec v = { .size = sizeof(struct ns_route) };
	ns_stack_foreach_route(stack, route_cb, &v);
	int main = 0;
	for (size_t i = 0; i < v.n; i++) {
		const struct ns_route *r = (const struct ns_route *)v.v + i;
		if (r->family != AF_INET6)
			continue;
		main++;
		bool gw = memcmp(r->gateway, zero, 16) != 0;
		uint32_t flags = RTF_UP_ | (gw ? RTF_GATEWAY_ : 0);
		if (r->protocol == NS_RTPROT_RA)
			flags |= RTF_ADDRCONF_ |
				 (r->prefix_len == 0 ? RTF_DEFAULT_
						     : RTF_PREFIX_RT_);
		if (r->expires != NS_LIFETIME_INFINITE)
			flags |= RTF_EXPIRES_;
		route6_line(f, r->dst, r->prefix_len, r->gateway, r->metric,
			    flags, nic_name(&l, r->ifindex));
	}
	if (main == 0)
		route6_line(f, zero, 0, NULL, 0xffffffff,
			    RTF_REJECT_ | RTF_NONEXTHOP_, "lo");
	struct vec a = { .size = sizeof(struct ns_ifaddr) };
	ns_stack_foreach_addr(stack, addr_cb, &a);
	for (size_t i = 0; i < a.n; i++) {
		const struct ns_ifaddr *x = (const struct ns_ifaddr *)a.v + i;
		if (x->family != AF_INET6 ||
		    (x->flags & (NS_ADDR_F_TENTATIVE | NS_ADDR_F_DADFAILED)))
			continue;
		route6_line(f, x->addr, 128, NULL, 0,
			    RTF_LOCAL_ | RTF_NONEXTHOP_ | RTF_UP_,
			    nic_name(&l, x->ifindex));
	}
	for (int i = 0; i < l.n; i++) {
		if (l.v[i].loopback || !l.v[i].ipv6)
			continue;
		uint8_t mc[16] = { 0xff };
		route6_line(f, mc, 8, NULL, 256, RTF_UP_, l.v[i].name);
	}
	route6_line(f, zero, 0, NULL, 0xffffffff, RTF_REJECT_ | RTF_NONEXTHOP_,
		    "lo");
	free(v.v);
	free(a.v);
}

static void gen_arp(FILE *f, struct ns_stack *stack)
{
	fprintf(f, "IP address       HW type     Flags       HW address     "
		   "       Mask     Device\n");
	struct nics l = { .n = 0 };
	ns_stack_foreach_nic(stack, nic_cb, &l);
	struct vec v = { .size = sizeof(struct ns_neigh_info) };
	ns_stack_foreach_neigh(stack, neigh_cb, &v);
	for (size_t i = 0; i < v.n; i++) {
		const struct ns_neigh_info *n =
			(const struct ns_neigh_info *)v.v + i;
		if (n->family != AF_INET)
			continue;
		char ip[INET_ADDRSTRLEN], hw[24];
		inet_ntop(AF_INET, n->addr, ip, sizeof(ip));
		snprintf(hw, sizeof(hw), "%02x:%02x:%02x:%02x:%02x:%02x",
			 n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
			 n->mac[5]);
		/* arp_state_to_flags: ATF_PERM | ATF_COM, ATF_COM. */
		unsigned flags =
			(n->state & NS_NUD_PERMANENT) ? 0x6
			: (n->state & (NS_NUD_REACHABLE | NS_NUD_STALE |
				       NS_NUD_DELAY | NS_NUD_PROBE))
				? 0x2
				: 0;
		fprintf(f, "%-16s 0x%-10x0x%-10x%-17s     %-8s %s\n", ip, 1,
			flags, hw, "*", nic_name(&l, n->ifindex));
	}
	free(v.v);
}

/* ---- counters ------------------------------------------------------------------ */

struct icmpmsg {
	unsigned type[512]; /* 0..255 in, 256..511 out */
	uint64_t val[512];
	int n;
	bool v6;
};

static void icmpmsg_cb(void *arg, const char *name, uint64_t value)
{
	struct icmpmsg *m = arg;
	const char *pfx = m->v6 ? "Icmp6." : "IcmpMsg.";
	size_t pl = strlen(pfx);
	if (strncmp(name, pfx, pl) != 0 || value == 0 || m->n >= 512)
		return;
	unsigned t;
	const char *rest = name + pl;
	if (sscanf(rest, "InType%u", &t) == 1 && t < 256)
		;
	else if (sscanf(rest, "OutType%u", &t) == 1 && t < 256)
		t += 256;
	else
		return;
	int i = m->n;
	while (i > 0 && m->type[i - 1] > t) {
		m->type[i] = m->type[i - 1];
		m->val[i] = m->val[i - 1];
		i--;
	}
	m->type[i] = t;
	m->val[i] = value;
	m->n++;
}

/* Prints "Group: names\nGroup: values" for a space-separated list. */
static void snmp_group(FILE *f, const struct ns_stack *s, const char *group,
		       const char *names, const char *stat_group)
{
	fprintf(f, "%s: %s\n%s:", group, names, group);
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", names);
	char *save = NULL;
	for (char *n = strtok_r(buf, " ", &save); n;
	     n = strtok_r(NULL, " ", &save))
		fprintf(f, " %llu",
			(unsigned long long)(stat_group
						     ? stat_of(s, stat_group, n)
						     : 0));
	fprintf(f, "\n");
}

static const char ip_names[] =
	"InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos "
	"InDiscards InDelivers OutRequests OutDiscards OutNoRoutes "
	"ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails "
	"FragCreates OutTransmits";

/* icmpmibmap: the ICMP types the Icmp line counts. */
static const struct {
	const char *name;
	unsigned type;
} icmp_map[] = {
	{ "DestUnreachs", 3 }, { "TimeExcds", 11 },    { "ParmProbs", 12 },
	{ "SrcQuenchs", 4 },   { "Redirects", 5 },     { "Echos", 8 },
	{ "EchoReps", 0 },     { "Timestamps", 13 },   { "TimestampReps", 14 },
	{ "AddrMasks", 17 },   { "AddrMaskReps", 18 },
};

static uint64_t icmp_type_count(const struct ns_stack *s, bool out, unsigned i)
{
	char name[64];
	snprintf(name, sizeof(name), "%s%s", out ? "Out" : "In",
		 icmp_map[i].name);
	uint64_t v = 0;
	char full[80];
	snprintf(full, sizeof(full), "Icmp.%s", name);
	if (ns_stack_stat_by_name(s, full, &v) == 0)
		return v;
	snprintf(full, sizeof(full), "IcmpMsg.%sType%u", out ? "Out" : "In",
		 icmp_map[i].type);
	if (ns_stack_stat_by_name(s, full, &v) == 0)
		return v;
	return 0;
}

static void gen_snmp(FILE *f, struct ns_stack *s)
{
	/* Ip: Forwarding is 2, "not a router". */
	fprintf(f, "Ip: Forwarding DefaultTTL %s\nIp: 2 64", ip_names);
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", ip_names);
	char *save = NULL;
	for (char *n = strtok_r(buf, " ", &save); n;
	     n = strtok_r(NULL, " ", &save))
		fprintf(f, " %llu", (unsigned long long)stat_of(s, "Ip", n));
	fprintf(f, "\nIcmp: InMsgs InErrors InCsumErrors");
	size_t nmap = sizeof(icmp_map) / sizeof(icmp_map[0]);
	for (size_t i = 0; i < nmap; i++)
		fprintf(f, " In%s", icmp_map[i].name);
	fprintf(f, " OutMsgs OutErrors OutRateLimitGlobal OutRateLimitHost");
	for (size_t i = 0; i < nmap; i++)
		fprintf(f, " Out%s", icmp_map[i].name);
	fprintf(f, "\nIcmp: %llu %llu %llu",
		(unsigned long long)stat_of(s, "Icmp", "InMsgs"),
		(unsigned long long)stat_of(s, "Icmp", "InErrors"),
		(unsigned long long)stat_of(s, "Icmp", "InCsumErrors"));
	for (size_t i = 0; i < nmap; i++)
		fprintf(f, " %llu",
			(unsigned long long)icmp_type_count(s, false, i));
	fprintf(f, " %llu %llu %llu %llu",
		(unsigned long long)stat_of(s, "Icmp", "OutMsgs"),
		(unsigned long long)stat_of(s, "Icmp", "OutErrors"),
		(unsigned long long)stat_of(s, "Icmp", "OutRateLimitGlobal"),
		(unsigned long long)stat_of(s, "Icmp", "OutRateLimitHost"));
	for (size_t i = 0; i < nmap; i++)
		fprintf(f, " %llu",
			(unsigned long long)icmp_type_count(s, true, i));
	/* icmpmsg_put: the non-zero per-type counts, 16 to a line. */
	struct icmpmsg *m = calloc(1, sizeof(*m));
	if (m) {
		ns_stack_stats_foreach(s, icmpmsg_cb, m);
		for (int i = 0; i < m->n; i += 16) {
			int c = m->n - i < 16 ? m->n - i : 16;
			fprintf(f, "\nIcmpMsg:");
			for (int j = 0; j < c; j++)
				fprintf(f, " %sType%u",
					m->type[i + j] & 0x100 ? "Out" : "In",
					m->type[i + j] & 0xff);
			fprintf(f, "\nIcmpMsg:");
			for (int j = 0; j < c; j++)
				fprintf(f, " %llu",
					(unsigned long long)m->val[i + j]);
		}
		free(m);
	}
	fprintf(f, "\nTcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens "
		   "PassiveOpens AttemptFails EstabResets CurrEstab InSegs "
		   "OutSegs RetransSegs InErrs OutRsts InCsumErrors\nTcp: 1 "
		   "200 120000 -1");
	static const char *const tcp[] = {
		"ActiveOpens", "PassiveOpens", "AttemptFails", "EstabResets",
		"CurrEstab",   "InSegs",       "OutSegs",      "RetransSegs",
		"InErrs",      "OutRsts",      "InCsumErrors",
	};
	for (size_t i = 0; i < sizeof(tcp) / sizeof(tcp[0]); i++)
		fprintf(f, " %llu",
			(unsigned long long)stat_of(s, "Tcp", tcp[i]));
	fprintf(f, "\n");
	static const char udp[] = "InDatagrams NoPorts InErrors OutDatagrams "
				  "RcvbufErrors SndbufErrors InCsumErrors "
				  "IgnoredMulti MemErrors";
	snmp_group(f, s, "Udp", udp, "Udp");
	snmp_group(f, s, "UdpLite", udp, NULL);
}

static const char tcpext_names[] =
	"SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts "
	"PruneCalled RcvPruned OfoPruned OutOfWindowIcmps LockDroppedIcmps "
	"ArpFilter TW TWRecycled TWKilled PAWSActive PAWSEstab BeyondWindow "
	"TSEcrRejected PAWSOldAck PAWSTimewait DelayedACKs DelayedACKLocked "
	"DelayedACKLost ListenOverflows ListenDrops TCPHPHits TCPPureAcks "
	"TCPHPAcks TCPRenoRecovery TCPSackRecovery TCPSACKReneging "
	"TCPSACKReorder TCPRenoReorder TCPTSReorder TCPFullUndo TCPPartialUndo "
	"TCPDSACKUndo TCPLossUndo TCPLostRetransmit TCPRenoFailures "
	"TCPSackFailures TCPLossFailures TCPFastRetrans TCPSlowStartRetrans "
	"TCPTimeouts TCPLossProbes TCPLossProbeRecovery TCPRenoRecoveryFail "
	"TCPSackRecoveryFail TCPRcvCollapsed TCPBacklogCoalesce "
	"TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv TCPDSACKOfoRecv "
	"TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout "
	"TCPAbortOnLinger TCPAbortFailed TCPMemoryPressures "
	"TCPMemoryPressuresChrono TCPSACKDiscard TCPDSACKIgnoredOld "
	"TCPDSACKIgnoredNoUndo TCPSpuriousRTOs TCPMD5NotFound TCPMD5Unexpected "
	"TCPMD5Failure TCPSackShifted TCPSackMerged TCPSackShiftFallback "
	"TCPBacklogDrop PFMemallocDrop TCPMinTTLDrop TCPDeferAcceptDrop "
	"IPReversePathFilter TCPTimeWaitOverflow TCPReqQFullDoCookies "
	"TCPReqQFullDrop TCPRetransFail TCPRcvCoalesce TCPOFOQueue TCPOFODrop "
	"TCPOFOMerge TCPChallengeACK TCPSYNChallenge TCPFastOpenActive "
	"TCPFastOpenActiveFail TCPFastOpenPassive TCPFastOpenPassiveFail "
	"TCPFastOpenListenOverflow TCPFastOpenCookieReqd TCPFastOpenBlackhole "
	"TCPSpuriousRtxHostQueues BusyPollRxPackets TCPAutoCorking "
	"TCPFromZeroWindowAdv TCPToZeroWindowAdv TCPWantZeroWindowAdv "
	"TCPSynRetrans TCPOrigDataSent TCPHystartTrainDetect "
	"TCPHystartTrainCwnd TCPHystartDelayDetect TCPHystartDelayCwnd "
	"TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedSeq "
	"TCPACKSkippedFinWait2 TCPACKSkippedTimeWait TCPACKSkippedChallenge "
	"TCPWinProbe TCPKeepAlive TCPMTUPFail TCPMTUPSuccess TCPDelivered "
	"TCPDeliveredCE TCPAckCompressed TCPZeroWindowDrop TCPRcvQDrop "
	"TCPWqueueTooBig TCPFastOpenPassiveAltKey TcpTimeoutRehash "
	"TcpDuplicateDataRehash TCPDSACKRecvSegs TCPDSACKIgnoredDubious "
	"TCPMigrateReqSuccess TCPMigrateReqFailure TCPPLBRehash TCPAORequired "
	"TCPAOBad TCPAOKeyNotFound TCPAOGood TCPAODroppedIcmps";

static const char ipext_names[] =
	"InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts "
	"OutBcastPkts InOctets OutOctets InMcastOctets OutMcastOctets "
	"InBcastOctets OutBcastOctets InCsumErrors InNoECTPkts InECT1Pkts "
	"InECT0Pkts InCEPkts ReasmOverlaps";

static void gen_netstat(FILE *f, struct ns_stack *s)
{
	snmp_group(f, s, "TcpExt", tcpext_names, "TcpExt");
	snmp_group(f, s, "IpExt", ipext_names, "IpExt");
}

static const char snmp6_names[] =
	"Ip6InReceives Ip6InHdrErrors Ip6InTooBigErrors Ip6InNoRoutes "
	"Ip6InAddrErrors Ip6InUnknownProtos Ip6InTruncatedPkts Ip6InDiscards "
	"Ip6InDelivers Ip6OutForwDatagrams Ip6OutRequests Ip6OutDiscards "
	"Ip6OutNoRoutes Ip6ReasmTimeout Ip6ReasmReqds Ip6ReasmOKs "
	"Ip6ReasmFails Ip6FragOKs Ip6FragFails Ip6FragCreates Ip6InMcastPkts "
	"Ip6OutMcastPkts Ip6InOctets Ip6OutOctets Ip6InMcastOctets "
	"Ip6OutMcastOctets Ip6InBcastOctets Ip6OutBcastOctets Ip6InNoECTPkts "
	"Ip6InECT1Pkts Ip6InECT0Pkts Ip6InCEPkts Ip6OutTransmits Icmp6InMsgs "
	"Icmp6InErrors Icmp6OutMsgs Icmp6OutErrors Icmp6InCsumErrors "
	"Icmp6OutRateLimitHost Icmp6InDestUnreachs Icmp6InPktTooBigs "
	"Icmp6InTimeExcds Icmp6InParmProblems Icmp6InEchos Icmp6InEchoReplies "
	"Icmp6InGroupMembQueries Icmp6InGroupMembResponses "
	"Icmp6InGroupMembReductions Icmp6InRouterSolicits "
	"Icmp6InRouterAdvertisements Icmp6InNeighborSolicits "
	"Icmp6InNeighborAdvertisements Icmp6InRedirects Icmp6InMLDv2Reports "
	"Icmp6OutDestUnreachs Icmp6OutPktTooBigs Icmp6OutTimeExcds "
	"Icmp6OutParmProblems Icmp6OutEchos Icmp6OutEchoReplies "
	"Icmp6OutGroupMembQueries Icmp6OutGroupMembResponses "
	"Icmp6OutGroupMembReductions Icmp6OutRouterSolicits "
	"Icmp6OutRouterAdvertisements Icmp6OutNeighborSolicits "
	"Icmp6OutNeighborAdvertisements Icmp6OutRedirects Icmp6OutMLDv2Reports "
	"Udp6InDatagrams Udp6NoPorts Udp6InErrors Udp6OutDatagrams "
	"Udp6RcvbufErrors Udp6SndbufErrors Udp6InCsumErrors Udp6IgnoredMulti "
	"Udp6MemErrors UdpLite6InDatagrams UdpLite6NoPorts UdpLite6InErrors "
	"UdpLite6OutDatagrams UdpLite6RcvbufErrors UdpLite6SndbufErrors "
	"UdpLite6InCsumErrors UdpLite6MemErrors";

static void gen_snmp6(FILE *f, struct ns_stack *s)
{
	static const char *const groups[] = { "UdpLite6", "Udp6", "Icmp6",
					      "Ip6" };
	char buf[sizeof(snmp6_names)];
	memcpy(buf, snmp6_names, sizeof(buf));
	char *save = NULL;
	bool msgs_done = false;
	for (char *n = strtok_r(buf, " ", &save); n;
	     n = strtok_r(NULL, " ", &save)) {
		const char *g = NULL;
		for (size_t i = 0; i < 4 && !g; i++)
			if (strncmp(n, groups[i], strlen(groups[i])) == 0)
				g = groups[i];
		if (!msgs_done && strcmp(g, "Udp6") == 0) {
			/* snmp6_seq_show_icmpv6msg: after the ICMPv6
			 * counters, the non-zero per-type ones. */
			struct icmpmsg *m = calloc(1, sizeof(*m));
			if (m) {
				m->v6 = true;
				ns_stack_stats_foreach(s, icmpmsg_cb, m);
				for (int i = 0; i < m->n; i++) {
					char nm[40];
					snprintf(nm, sizeof(nm),
						 "Icmp6%sType%u",
						 m->type[i] & 0x100 ? "Out"
								    : "In",
						 m->type[i] & 0xff);
					fprintf(f, "%-32s\t%llu\n", nm,
						(unsigned long long)m->val[i]);
				}
				free(m);
			}
			msgs_done = true;
		}
		uint64_t v = strcmp(g, "UdpLite6") == 0
				     ? 0
				     : stat_of(s, g, n + strlen(g));
		fprintf(f, "%-32s\t%llu\n", n, (unsigned long long)v);
	}
}

struct count {
	int used, tcp4, tcp6, udp4, udp6, raw4, raw6, unix_n, netlink;
	int tcp_alloc;
};

static void unix_count(void *arg, const struct sn_unix_info *i)
{
	(void)i;
	((struct count *)arg)->unix_n++;
}

static void count_socks(struct sn_kernel *k, struct count *c)
{
	memset(c, 0, sizeof(*c));
	struct sn_sock_snap *s;
	int n = sn_net_socks(k, &s);
	for (int i = 0; i < n; i++) {
		const struct ns_socket_info *x = &s[i].info;
		bool v6 = x->family == AF_INET6;
		if (x->type == SOCK_STREAM) {
			c->tcp_alloc++;
			/* inuse: sockets in the hash tables (bound or
			 * connected). */
			if (x->state != TCP_CLOSE)
				(*(v6 ? &c->tcp6 : &c->tcp4))++;
		} else if (x->protocol == IPPROTO_UDP ||
			   (x->type == SOCK_DGRAM && x->protocol == 0)) {
			if (x->local_port)
				(*(v6 ? &c->udp6 : &c->udp4))++;
		}
		if (s[i].ino)
			c->used++;
	}
	free(s);
	sn_unix_foreach(k, unix_count, c);
	c->used += c->unix_n;
	if (k->net) {
		struct rs_list *pos;
		rs_list_for_each(pos, &k->net->netlink)
		{
			c->netlink++;
		}
	}
	c->used += c->netlink;
}

static void gen_sockstat(FILE *f, struct sn_kernel *k, bool v6)
{
	struct count c;
	count_socks(k, &c);
	if (v6) {
		fprintf(f,
			"TCP6: inuse %d\nUDP6: inuse %d\nUDPLITE6: inuse 0\n"
			"RAW6: inuse 0\nFRAG6: inuse 0 memory 0\n",
			c.tcp6, c.udp6);
		return;
	}
	fprintf(f,
		"sockets: used %d\nTCP: inuse %d orphan 0 tw 0 alloc %d mem "
		"0\nUDP: inuse %d mem 0\nUDPLITE: inuse 0\nRAW: inuse 0\n"
		"FRAG: inuse 0 memory 0\n",
		c.used, c.tcp4, c.tcp_alloc, c.udp4);
}

/* unix_seq_show. */
static void unix_line(void *arg, const struct sn_unix_info *i)
{
	FILE *f = arg;
	unsigned type = i->type == SOCK_STREAM	? 1
			: i->type == SOCK_DGRAM ? 2
						: 5;
	unsigned st = i->connected ? 3 : 1; /* SS_CONNECTED, SS_UNCONNECTED */
	fprintf(f, "%s: %08X %08X %08X %04X %02X %5llu", KPTR, 2u, 0u,
		i->listening ? 0x10000u : 0u, type, st,
		(unsigned long long)i->ino);
	if (i->pathlen) {
		fputc(' ', f);
		if (i->path[0] == 0) {
			/* Abstract: '@' for every NUL. */
			for (size_t j = 0; j < i->pathlen; j++)
				fputc(i->path[j] ? i->path[j] : '@', f);
		} else {
			fprintf(f, "%.*s", (int)strnlen(i->path, i->pathlen),
				i->path);
		}
	}
	fputc('\n', f);
}

static void gen_unix(FILE *f, struct sn_kernel *k)
{
	fprintf(f, "Num       RefCount Protocol Flags    Type St Inode Path\n");
	sn_unix_foreach(k, unix_line, f);
}

int sn_procnet_read(struct sn_kernel *k, const char *name, char **data,
		    size_t *len)
{
	bool known = false;
	for (int i = 0; sn_procnet_files[i]; i++)
		known |= strcmp(sn_procnet_files[i], name) == 0;
	if (!known)
		return -ENOENT;
	struct ns_stack *s = sn_net_stack(k);
	if (s == NULL)
		return sn_hostinet_proc_net(k, name, data, len);
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (f == NULL)
		return -ENOMEM;
	if (strcmp(name, "tcp") == 0 || strcmp(name, "tcp6") == 0)
		gen_tcp(f, k, name[3] == '6');
	else if (strcmp(name, "udp") == 0 || strcmp(name, "udp6") == 0)
		gen_dgram(f, k, name[3] == '6', false);
	else if (strcmp(name, "icmp") == 0 || strcmp(name, "icmp6") == 0)
		gen_dgram(f, k, name[4] == '6', true);
	else if (strcmp(name, "raw") == 0)
		fprintf(f, "  sl  local_address rem_address   st tx_queue "
			   "rx_queue tr tm->when retrnsmt   uid  timeout "
			   "inode ref pointer drops\n");
	else if (strcmp(name, "raw6") == 0)
		fprintf(f, DGRAM6_HEADER);
	else if (strcmp(name, "dev") == 0)
		gen_dev(f, s);
	else if (strcmp(name, "if_inet6") == 0)
		gen_if_inet6(f, s);
	else if (strcmp(name, "route") == 0)
		gen_route(f, s);
	else if (strcmp(name, "ipv6_route") == 0)
		gen_ipv6_route(f, s);
	else if (strcmp(name, "arp") == 0)
		gen_arp(f, s);
	else if (strcmp(name, "snmp") == 0)
		gen_snmp(f, s);
	else if (strcmp(name, "snmp6") == 0)
		gen_snmp6(f, s);
	else if (strcmp(name, "netstat") == 0)
		gen_netstat(f, s);
	else if (strcmp(name, "sockstat") == 0 ||
		 strcmp(name, "sockstat6") == 0)
		gen_sockstat(f, k, name[8] == '6');
	else if (strcmp(name, "unix") == 0)
		gen_unix(f, k);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*data = buf;
	*len = size;
	return 0;
}

/* ---- /proc/sys/net ------------------------------------------------------------- */

/* The files, with the netstack setting each shows, or a fixed value. */
static const struct {
	const char *path, *name, *fixed;
} sys_map[] = {
	{ .path = "net/core/somaxconn", .name = "net.core.somaxconn" },
	{ .path = "net/core/rmem_max", .name = "net.core.rmem_max" },
	{ .path = "net/core/wmem_max", .name = "net.core.wmem_max" },
	{ .path = "net/core/rmem_default", .name = "net.core.rmem_default" },
	{ .path = "net/core/wmem_default", .name = "net.core.wmem_default" },
	{ .path = "net/ipv4/ip_local_port_range",
	  .name = "net.ipv4.ip_local_port_range" },
	{ .path = "net/ipv4/tcp_rmem", .name = "net.ipv4.tcp_rmem" },
	{ .path = "net/ipv4/tcp_wmem", .name = "net.ipv4.tcp_wmem" },
	{ .path = "net/ipv4/tcp_congestion_control",
	  .name = "net.ipv4.tcp_congestion_control" },
	{ .path = "net/ipv4/tcp_available_congestion_control",
	  .name = "net.ipv4.tcp_available_congestion_control" },
	/* Every algorithm the stack has may be chosen inside the sandbox. */
	{ .path = "net/ipv4/tcp_allowed_congestion_control",
	  .name = "net.ipv4.tcp_available_congestion_control" },
	{ .path = "net/ipv4/tcp_syncookies",
	  .name = "net.ipv4.tcp_syncookies" },
	{ .path = "net/ipv4/tcp_timestamps",
	  .name = "net.ipv4.tcp_timestamps" },
	{ .path = "net/ipv4/tcp_sack", .name = "net.ipv4.tcp_sack" },
	{ .path = "net/ipv4/tcp_window_scaling",
	  .name = "net.ipv4.tcp_window_scaling" },
	{ .path = "net/ipv4/tcp_keepalive_time",
	  .name = "net.ipv4.tcp_keepalive_time" },
	{ .path = "net/ipv4/tcp_keepalive_intvl",
	  .name = "net.ipv4.tcp_keepalive_intvl" },
	{ .path = "net/ipv4/tcp_keepalive_probes",
	  .name = "net.ipv4.tcp_keepalive_probes" },
	{ .path = "net/ipv4/tcp_fin_timeout",
	  .name = "net.ipv4.tcp_fin_timeout" },
	/* Read-only facts of the sandbox's stack: it does not forward,
	 * sends with Linux's default TTL, and dual-stack sockets are the
	 * default. */
	{ .path = "net/ipv4/ip_forward", .fixed = "0" },
	{ .path = "net/ipv4/ip_default_ttl", .fixed = "64" },
	{ .path = "net/ipv4/ping_group_range",
	  .name = "net.ipv4.ping_group_range" },
	{ .path = "net/ipv4/ip_unprivileged_port_start",
	  .name = "net.ipv4.ip_unprivileged_port_start" },
	{ .path = "net/ipv6/bindv6only", .fixed = "0" },
};
#define NSYS (sizeof(sys_map) / sizeof(sys_map[0]))

const char *const sn_sysctl_net_files[] = {
	"net/core/somaxconn",
	"net/core/rmem_max",
	"net/core/wmem_max",
	"net/core/rmem_default",
	"net/core/wmem_default",
	"net/ipv4/ip_local_port_range",
	"net/ipv4/tcp_rmem",
	"net/ipv4/tcp_wmem",
	"net/ipv4/tcp_congestion_control",
	"net/ipv4/tcp_available_congestion_control",
	"net/ipv4/tcp_allowed_congestion_control",
	"net/ipv4/tcp_syncookies",
	"net/ipv4/tcp_timestamps",
	"net/ipv4/tcp_sack",
	"net/ipv4/tcp_window_scaling",
	"net/ipv4/tcp_keepalive_time",
	"net/ipv4/tcp_keepalive_intvl",
	"net/ipv4/tcp_keepalive_probes",
	"net/ipv4/tcp_fin_timeout",
	"net/ipv4/ip_forward",
	"net/ipv4/ip_default_ttl",
	"net/ipv4/ping_group_range",
	"net/ipv4/ip_unprivileged_port_start",
	"net/ipv6/bindv6only",
	NULL,
};

/* net/ipv6/conf/DEV/disable_ipv6, DEV one of all, default or a NIC.
 * Returns the value or -ENOENT. */
static int disable_ipv6(struct ns_stack *s, const char *rel)
{
	static const char pfx[] = "net/ipv6/conf/";
	if (strncmp(rel, pfx, sizeof(pfx) - 1) != 0)
		return -ENOENT;
	const char *dev = rel + sizeof(pfx) - 1;
	const char *slash = strchr(dev, '/');
	if (slash == NULL || strcmp(slash, "/disable_ipv6") != 0)
		return -ENOENT;
	size_t dl = (size_t)(slash - dev);
	if ((dl == 3 && strncmp(dev, "all", 3) == 0) ||
	    (dl == 7 && strncmp(dev, "default", 7) == 0))
		return 0;
	struct nics l = { .n = 0 };
	ns_stack_foreach_nic(s, nic_cb, &l);
	for (int i = 0; i < l.n; i++)
		if (strlen(l.v[i].name) == dl &&
		    strncmp(l.v[i].name, dev, dl) == 0)
			return l.v[i].ipv6 ? 0 : 1;
	return -ENOENT;
}

void sn_sysctl_net_foreach_dev(struct sn_kernel *k,
			       void (*fn)(void *arg, const char *dev),
			       void *arg)
{
	struct ns_stack *s = sn_net_stack(k);
	if (s == NULL)
		return;
	fn(arg, "all");
	fn(arg, "default");
	struct nics l = { .n = 0 };
	ns_stack_foreach_nic(s, nic_cb, &l);
	for (int i = 0; i < l.n; i++)
		fn(arg, l.v[i].name);
}

bool sn_sysctl_net_exists(struct sn_kernel *k, const char *rel, bool *writable)
{
	struct ns_stack *s = sn_net_stack(k);
	*writable = false;
	if (s == NULL)
		return false;
	for (size_t i = 0; i < NSYS; i++) {
		if (strcmp(sys_map[i].path, rel) != 0)
			continue;
		const struct ns_sysctl_desc *d =
			sys_map[i].name ? ns_sysctl_find(sys_map[i].name)
					: NULL;
		*writable = d && d->writable;
		return true;
	}
	return disable_ipv6(s, rel) >= 0;
}

int sn_sysctl_net_read(struct sn_kernel *k, const char *rel, char **data,
		       size_t *len)
{
	struct ns_stack *s = sn_net_stack(k);
	if (s == NULL)
		return -ENOENT;
	char out[256];
	int v6 = disable_ipv6(s, rel);
	if (v6 >= 0) {
		snprintf(out, sizeof(out), "%d\n", v6);
	} else {
		const char *name = NULL;
		size_t i;
		for (i = 0; i < NSYS && strcmp(sys_map[i].path, rel); i++)
			;
		if (i == NSYS)
			return -ENOENT;
		name = sys_map[i].name;
		const struct ns_sysctl_desc *d =
			name ? ns_sysctl_find(name) : NULL;
		if (name == NULL) {
			snprintf(out, sizeof(out), "%s\n", sys_map[i].fixed);
		} else if (d && d->kind == NS_SYSCTL_STR) {
			char v[128];
			if (ns_stack_sysctl_get_str(s, name, v, sizeof(v)) < 0)
				return -EIO;
			snprintf(out, sizeof(out), "%s\n", v);
		} else {
			long v[4];
			int n = ns_stack_sysctl_get(s, name, v, 4);
			if (n < 0)
				return n;
			/* proc_dointvec: tab-separated, then a newline. */
			size_t o = 0;
			for (int j = 0; j < n; j++)
				o += (size_t)snprintf(out + o, sizeof(out) - o,
						      "%s%ld", j ? "\t" : "",
						      v[j]);
			snprintf(out + o, sizeof(out) - o, "\n");
		}
	}
	*data = strdup(out);
	if (*data == NULL)
		return -ENOMEM;
	*len = strlen(out);
	return 0;
}

/* proc_get_long's separators. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

ssize_t sn_sysctl_net_write(struct sn_task *t, const char *rel, const char *buf,
			    size_t len)
{
	if (!sn_task_capable(t, 12 /* CAP_NET_ADMIN */))
		return -EPERM;
	return sn_sysctl_net_set(t->k, rel, buf, len);
}

ssize_t sn_sysctl_net_set(struct sn_kernel *k, const char *rel, const char *buf,
			  size_t len)
{
	struct ns_stack *s = sn_net_stack(k);
	if (s == NULL)
		return -ENOENT;
	size_t i;
	for (i = 0; i < NSYS && strcmp(sys_map[i].path, rel); i++)
		;
	if (i == NSYS || sys_map[i].name == NULL)
		return -EPERM;
	const char *name = sys_map[i].name;
	const struct ns_sysctl_desc *d = ns_sysctl_find(name);
	if (d == NULL || !d->writable)
		return -EPERM;
	if (len == 0)
		return 0;
	char text[256];
	size_t n = len < sizeof(text) - 1 ? len : sizeof(text) - 1;
	memcpy(text, buf, n);
	text[n] = 0;
	if (d->kind == NS_SYSCTL_STR) {
		/* proc_dostring: up to a newline or NUL. */
		text[strcspn(text, "\n")] = 0;
		int r = ns_stack_sysctl_set_str(s, name, text);
		return r < 0 ? r : (ssize_t)len;
	}
	/* __do_proc_dointvec: whitespace-separated integers (any base
	 * strtoul takes), each followed by whitespace or the end; values
	 * not given keep their current ones. */
	long vals[4];
	int cnt = ns_stack_sysctl_get(s, name, vals, 4);
	if (cnt < 0)
		return cnt;
	const char *p = text;
	int got = 0;
	while (got < cnt) {
		while (*p && is_space(*p))
			p++;
		if (*p == 0)
			break;
		bool neg = *p == '-';
		if (neg)
			p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		char *end;
		errno = 0;
		unsigned long v = strtoul(p, &end, 0);
		if (errno || v > (unsigned long)INT32_MAX + neg)
			return -EINVAL;
		if (*end && !is_space(*end))
			return -EINVAL;
		vals[got++] = neg ? -(long)v : (long)v;
		p = end;
	}
	if (got == 0)
		return -EINVAL;
	int r = ns_stack_sysctl_set(s, name, vals, (unsigned)cnt);
	if (r < 0)
		return r;
	/* What follows the values Linux leaves unread (a short write). */
	while (*p && is_space(*p))
		p++;
	return (ssize_t)(n < len && *p == 0 ? len : (size_t)(p - text));
}

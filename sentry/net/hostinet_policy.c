/* What of the application's socket calls may reach a host socket under
 * --network=host (hostinet.h). One place for the socket options and
 * control messages that pass, and for those refused with the errno Linux
 * gives an unprivileged caller; kernel/confine.c derives the Sentry's
 * seccomp rules for setsockopt/getsockopt from the same table, so an
 * option missing here cannot reach the host even through a bug in the
 * checks.
 *
 * Principles:
 * - Only plain values pass (integers, structs without pointers, interface
 *   names): nothing whose value the kernel would dereference as a pointer
 *   into the Sentry (SO_ATTACH_FILTER's sock_fprog, TCP_ZEROCOPY_RECEIVE).
 * - Nothing that reaches beyond the caller's own socket: SO_REUSEPORT is
 *   refused because Linux shares a reuseport group between sockets of the
 *   same uid, and every Sentry (of every sandbox) runs as the same uid
 *   65534, so one sandbox could take a share of another's connections.
 * - Options needing a capability (SO_MARK, IP_TRANSPARENT, *BUFFORCE,
 *   TCP_REPAIR, SO_PRIORITY above 6 ...) are refused here as the host
 *   would refuse them for the unprivileged Sentry, even when the Sentry
 *   runs privileged (in tests, unconfined).
 * - Anything else the sandbox does not offer is ENOPROTOOPT, Linux's
 *   answer for an unknown option.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <string.h>

#include "net/hostinet.h"

/* Names newer than some libc headers. */
#ifndef SO_TIMESTAMP_NEW
#define SO_TIMESTAMP_NEW 63
#endif
#ifndef SO_TIMESTAMPNS_NEW
#define SO_TIMESTAMPNS_NEW 64
#endif
#ifndef SO_TIMESTAMPING_NEW
#define SO_TIMESTAMPING_NEW 65
#endif
#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#endif
#ifndef SO_SNDTIMEO_NEW
#define SO_SNDTIMEO_NEW 67
#endif
#ifndef SO_DETACH_REUSEPORT_BPF
#define SO_DETACH_REUSEPORT_BPF 68
#endif
#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51
#endif
#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif
#ifndef IPV6_UNICAST_IF
#define IPV6_UNICAST_IF 76
#endif
#ifndef IPV6_MINHOPCOUNT
#define IPV6_MINHOPCOUNT 73
#endif
#ifndef TCP_FASTOPEN_NO_COOKIE
#define TCP_FASTOPEN_NO_COOKIE 34
#endif
#ifndef TCP_INQ
#define TCP_INQ 36
#endif
#ifndef TCP_CM_INQ
#define TCP_CM_INQ TCP_INQ
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define GS   (SN_HI_GET | SN_HI_SET)
#define G    SN_HI_GET
#define S    SN_HI_SET
#define IN   SN_HI_INET
#define NL   SN_HI_NETLINK
#define BOTH (SN_HI_INET | SN_HI_NETLINK)

/* The options sockets over the sandbox's netstack support (inet.c), and
 * the NETLINK_ROUTE ones iproute2 and libmnl set. */
const struct sn_hi_opt sn_hi_opts[] = {
	/* Socket level. SO_RCVTIMEO/SO_SNDTIMEO also stay in the Sentry
	 * (the host socket never blocks); SO_LINGER is translated (see
	 * hostinet.c). */
	{ SOL_SOCKET, SO_TYPE, G, BOTH },
	{ SOL_SOCKET, SO_PROTOCOL, G, BOTH },
	{ SOL_SOCKET, SO_DOMAIN, G, BOTH },
	{ SOL_SOCKET, SO_ERROR, G, BOTH },
	{ SOL_SOCKET, SO_ACCEPTCONN, G, IN },
	{ SOL_SOCKET, SO_RCVBUF, GS, BOTH },
	{ SOL_SOCKET, SO_SNDBUF, GS, BOTH },
	{ SOL_SOCKET, SO_RCVTIMEO_OLD, GS, BOTH },
	{ SOL_SOCKET, SO_SNDTIMEO_OLD, GS, BOTH },
	{ SOL_SOCKET, SO_RCVTIMEO_NEW, GS, BOTH },
	{ SOL_SOCKET, SO_SNDTIMEO_NEW, GS, BOTH },
	{ SOL_SOCKET, SO_REUSEADDR, GS, IN },
	{ SOL_SOCKET, SO_REUSEPORT, G, IN }, /* set refused, see above */
	{ SOL_SOCKET, SO_KEEPALIVE, GS, IN },
	{ SOL_SOCKET, SO_BROADCAST, GS, IN },
	{ SOL_SOCKET, SO_LINGER, GS, IN },
	{ SOL_SOCKET, SO_OOBINLINE, GS, IN },
	{ SOL_SOCKET, SO_DONTROUTE, GS, IN },
	{ SOL_SOCKET, SO_DEBUG, GS, IN },    /* set: 0 only */
	{ SOL_SOCKET, SO_PRIORITY, GS, IN }, /* set: 0..6 only */
	{ SOL_SOCKET, SO_MARK, G, IN },
	{ SOL_SOCKET, SO_RCVLOWAT, GS, IN },
	{ SOL_SOCKET, SO_SNDLOWAT, GS, IN },
	{ SOL_SOCKET, SO_TIMESTAMP_OLD, GS, IN },
	{ SOL_SOCKET, SO_TIMESTAMPNS_OLD, GS, IN },
	{ SOL_SOCKET, SO_TIMESTAMP_NEW, GS, IN },
	{ SOL_SOCKET, SO_TIMESTAMPNS_NEW, GS, IN },
	{ SOL_SOCKET, SO_RXQ_OVFL, GS, IN },
	{ SOL_SOCKET, SO_NO_CHECK, GS, IN },
	{ SOL_SOCKET, SO_PASSCRED, GS, IN },
	{ SOL_SOCKET, SO_ZEROCOPY, G, IN },
	/* Binding to a host interface scopes this socket only; the host
	 * applies Linux's unprivileged rule (a first binding is free, a
	 * change needs CAP_NET_RAW). */
	{ SOL_SOCKET, SO_BINDTODEVICE, GS, IN },
	{ SOL_SOCKET, SO_BINDTOIFINDEX, GS, IN },

	/* IPv4 (also valid on IPv6 sockets for v4-mapped traffic). */
	{ IPPROTO_IP, IP_TOS, GS, IN },
	{ IPPROTO_IP, IP_TTL, GS, IN },
	{ IPPROTO_IP, IP_PKTINFO, GS, IN },
	{ IPPROTO_IP, IP_RECVTTL, GS, IN },
	{ IPPROTO_IP, IP_RECVTOS, GS, IN },
	{ IPPROTO_IP, IP_RECVERR, GS, IN },
	{ IPPROTO_IP, IP_RECVORIGDSTADDR, GS, IN },
	{ IPPROTO_IP, IP_FREEBIND, GS, IN },
	{ IPPROTO_IP, IP_MTU_DISCOVER, GS, IN },
	{ IPPROTO_IP, IP_MTU, G, IN },
	{ IPPROTO_IP, IP_MINTTL, GS, IN },
	{ IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, GS, IN },
	{ IPPROTO_IP, IP_LOCAL_PORT_RANGE, GS, IN },
	{ IPPROTO_IP, IP_UNICAST_IF, GS, IN },
	{ IPPROTO_IP, IP_MULTICAST_IF, GS, IN },
	{ IPPROTO_IP, IP_MULTICAST_TTL, GS, IN },
	{ IPPROTO_IP, IP_MULTICAST_LOOP, GS, IN },
	{ IPPROTO_IP, IP_MULTICAST_ALL, GS, IN },
	{ IPPROTO_IP, IP_ADD_MEMBERSHIP, S, IN },
	{ IPPROTO_IP, IP_DROP_MEMBERSHIP, S, IN },
	{ IPPROTO_IP, IP_ADD_SOURCE_MEMBERSHIP, S, IN },
	{ IPPROTO_IP, IP_DROP_SOURCE_MEMBERSHIP, S, IN },
	{ IPPROTO_IP, IP_BLOCK_SOURCE, S, IN },
	{ IPPROTO_IP, IP_UNBLOCK_SOURCE, S, IN },
	{ IPPROTO_IP, MCAST_JOIN_GROUP, S, IN },
	{ IPPROTO_IP, MCAST_LEAVE_GROUP, S, IN },
	{ IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP, S, IN },
	{ IPPROTO_IP, MCAST_LEAVE_SOURCE_GROUP, S, IN },
	{ IPPROTO_IP, MCAST_BLOCK_SOURCE, S, IN },
	{ IPPROTO_IP, MCAST_UNBLOCK_SOURCE, S, IN },

	/* IPv6. */
	{ IPPROTO_IPV6, IPV6_V6ONLY, GS, IN },
	{ IPPROTO_IPV6, IPV6_UNICAST_HOPS, GS, IN },
	{ IPPROTO_IPV6, IPV6_MULTICAST_IF, GS, IN },
	{ IPPROTO_IPV6, IPV6_MULTICAST_HOPS, GS, IN },
	{ IPPROTO_IPV6, IPV6_MULTICAST_LOOP, GS, IN },
	{ IPPROTO_IPV6, IPV6_MULTICAST_ALL, GS, IN },
	{ IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, S, IN },
	{ IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, S, IN },
	{ IPPROTO_IPV6, MCAST_JOIN_GROUP, S, IN },
	{ IPPROTO_IPV6, MCAST_LEAVE_GROUP, S, IN },
	{ IPPROTO_IPV6, MCAST_JOIN_SOURCE_GROUP, S, IN },
	{ IPPROTO_IPV6, MCAST_LEAVE_SOURCE_GROUP, S, IN },
	{ IPPROTO_IPV6, MCAST_BLOCK_SOURCE, S, IN },
	{ IPPROTO_IPV6, MCAST_UNBLOCK_SOURCE, S, IN },
	{ IPPROTO_IPV6, IPV6_RECVPKTINFO, GS, IN },
	{ IPPROTO_IPV6, IPV6_RECVHOPLIMIT, GS, IN },
	{ IPPROTO_IPV6, IPV6_RECVTCLASS, GS, IN },
	{ IPPROTO_IPV6, IPV6_RECVERR, GS, IN },
	{ IPPROTO_IPV6, IPV6_RECVORIGDSTADDR, GS, IN },
	{ IPPROTO_IPV6, IPV6_RECVPATHMTU, GS, IN },
	{ IPPROTO_IPV6, IPV6_FREEBIND, GS, IN },
	{ IPPROTO_IPV6, IPV6_TCLASS, GS, IN },
	{ IPPROTO_IPV6, IPV6_MTU_DISCOVER, GS, IN },
	{ IPPROTO_IPV6, IPV6_MTU, G, IN },
	{ IPPROTO_IPV6, IPV6_PATHMTU, G, IN },
	{ IPPROTO_IPV6, IPV6_DONTFRAG, GS, IN },
	{ IPPROTO_IPV6, IPV6_UNICAST_IF, GS, IN },
	{ IPPROTO_IPV6, IPV6_ADDR_PREFERENCES, GS, IN },
	{ IPPROTO_IPV6, IPV6_MINHOPCOUNT, GS, IN },

	/* TCP. */
	{ IPPROTO_TCP, TCP_NODELAY, GS, IN },
	{ IPPROTO_TCP, TCP_MAXSEG, GS, IN },
	{ IPPROTO_TCP, TCP_CORK, GS, IN },
	{ IPPROTO_TCP, TCP_KEEPIDLE, GS, IN },
	{ IPPROTO_TCP, TCP_KEEPINTVL, GS, IN },
	{ IPPROTO_TCP, TCP_KEEPCNT, GS, IN },
	{ IPPROTO_TCP, TCP_SYNCNT, GS, IN },
	{ IPPROTO_TCP, TCP_LINGER2, GS, IN },
	{ IPPROTO_TCP, TCP_DEFER_ACCEPT, GS, IN },
	{ IPPROTO_TCP, TCP_WINDOW_CLAMP, GS, IN },
	{ IPPROTO_TCP, TCP_INFO, G, IN },
	{ IPPROTO_TCP, TCP_QUICKACK, GS, IN },
	/* The host's tcp_allowed_congestion_control applies; an
	 * unprivileged caller never loads a module. */
	{ IPPROTO_TCP, TCP_CONGESTION, GS, IN },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT, GS, IN },
	{ IPPROTO_TCP, TCP_FASTOPEN, GS, IN },
	{ IPPROTO_TCP, TCP_FASTOPEN_CONNECT, GS, IN },
	{ IPPROTO_TCP, TCP_FASTOPEN_NO_COOKIE, GS, IN },
	{ IPPROTO_TCP, TCP_NOTSENT_LOWAT, GS, IN },
	{ IPPROTO_TCP, TCP_INQ, GS, IN },

	/* UDP. */
	{ IPPROTO_UDP, UDP_CORK, GS, IN },
	{ IPPROTO_UDP, UDP_SEGMENT, GS, IN },

	/* NETLINK_ROUTE: membership of the route multicast groups is open
	 * to unprivileged readers (NL_CFG_F_NONROOT_RECV). */
	{ SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, S, NL },
	{ SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, S, NL },
	{ SOL_NETLINK, NETLINK_PKTINFO, GS, NL },
	{ SOL_NETLINK, NETLINK_BROADCAST_ERROR, GS, NL },
	{ SOL_NETLINK, NETLINK_NO_ENOBUFS, GS, NL },
	{ SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, G, NL },
	{ SOL_NETLINK, NETLINK_CAP_ACK, GS, NL },
	{ SOL_NETLINK, NETLINK_EXT_ACK, GS, NL },
	{ SOL_NETLINK, NETLINK_GET_STRICT_CHK, GS, NL },
};
const size_t sn_hi_nopts = sizeof(sn_hi_opts) / sizeof(sn_hi_opts[0]);

bool sn_hi_opt_allowed(unsigned kind, int level, int name, unsigned dir)
{
	for (size_t i = 0; i < sn_hi_nopts; i++) {
		const struct sn_hi_opt *o = &sn_hi_opts[i];
		if (o->level == level && o->name == name)
			return (o->dirs & dir) && (o->kinds & kind);
	}
	return false;
}

/* setsockopt refusals: the option and the errno Linux gives a caller
 * without the capability, or the reason it cannot pass. */
struct refusal {
	int level;
	int name;
	int err;
};

static const struct refusal refusals[] = {
	/* CAP_NET_ADMIN / CAP_NET_RAW on Linux. */
	{ SOL_SOCKET, SO_MARK, EPERM },
	{ SOL_SOCKET, SO_RCVBUFFORCE, EPERM },
	{ SOL_SOCKET, SO_SNDBUFFORCE, EPERM },
	{ IPPROTO_IP, IP_TRANSPARENT, EPERM },
	{ IPPROTO_IP, IP_XFRM_POLICY, EPERM },
	{ IPPROTO_IP, IP_IPSEC_POLICY, EPERM },
	{ IPPROTO_IPV6, IPV6_TRANSPARENT, EPERM },
	{ IPPROTO_IPV6, IPV6_XFRM_POLICY, EPERM },
	{ IPPROTO_IPV6, IPV6_IPSEC_POLICY, EPERM },
	{ IPPROTO_TCP, TCP_REPAIR, EPERM },
	{ IPPROTO_TCP, TCP_REPAIR_QUEUE, EPERM },
	{ IPPROTO_TCP, TCP_QUEUE_SEQ, EPERM },
	{ IPPROTO_TCP, TCP_REPAIR_OPTIONS, EPERM },
	{ IPPROTO_TCP, TCP_REPAIR_WINDOW, EPERM },
	{ IPPROTO_TCP, TCP_FASTOPEN_KEY, EPERM },
	/* Socket filters carry a pointer to the program and would load BPF
	 * into the host kernel: not offered. */
	{ SOL_SOCKET, SO_ATTACH_FILTER, EPERM },
	{ SOL_SOCKET, SO_ATTACH_BPF, EPERM },
	{ SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, EPERM },
	{ SOL_SOCKET, SO_ATTACH_REUSEPORT_EBPF, EPERM },
	{ SOL_SOCKET, SO_DETACH_FILTER, EPERM },
	{ SOL_SOCKET, SO_LOCK_FILTER, EPERM },
	{ SOL_SOCKET, SO_DETACH_REUSEPORT_BPF, EPERM },
	/* Shared with every socket of uid 65534 (see above); ENOPROTOOPT is
	 * what kernels without SO_REUSEPORT gave, which portable programs
	 * (Go, libuv) treat as "not supported". */
	{ SOL_SOCKET, SO_REUSEPORT, ENOPROTOOPT },
};

int sn_hi_setsockopt_check(unsigned kind, int level, int name, const void *val,
			   socklen_t len, bool *denied)
{
	*denied = false;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		if (refusals[i].level == level && refusals[i].name == name) {
			*denied = true;
			return -refusals[i].err;
		}
	}
	if (level == SOL_SOCKET && name == SO_PEEK_OFF)
		return -EOPNOTSUPP; /* would break the peek-then-take receive */
	if (level == SOL_SOCKET && name == SO_ZEROCOPY)
		return -EOPNOTSUPP; /* the host would read the bounce buffer
				       after the call */
	if (!sn_hi_opt_allowed(kind, level, name, SN_HI_SET))
		return -ENOPROTOOPT;
	int v = 0;
	bool have_int = val != NULL && len >= (socklen_t)sizeof(int);
	if (have_int)
		memcpy(&v, val, sizeof(v));
	/* sk_setsockopt: a priority above 6 needs CAP_NET_ADMIN or
	 * CAP_NET_RAW; SO_DEBUG needs CAP_NET_ADMIN (EACCES). */
	if (level == SOL_SOCKET && name == SO_PRIORITY && have_int &&
	    (v < 0 || v > 6)) {
		*denied = true;
		return -EPERM;
	}
	if (level == SOL_SOCKET && name == SO_DEBUG && have_int && v != 0) {
		*denied = true;
		return -EACCES;
	}
	return 0;
}

/* ---- control messages ------------------------------------------------------ */

/* for_each_cmsghdr over len bytes: calls fn for each record; a record
 * shorter than its header or longer than what is left is EINVAL
 * (CMSG_OK); trailing bytes too few for a header are ignored, as Linux
 * does. */
struct cmsg_walk {
	const uint8_t *p;
	size_t left;
};

static int next_cmsg(struct cmsg_walk *w, struct cmsghdr *h,
		     const uint8_t **rec)
{
	if (w->left < sizeof(*h))
		return 0;
	memcpy(h, w->p, sizeof(*h));
	if (h->cmsg_len < sizeof(*h) || h->cmsg_len > w->left)
		return -EINVAL;
	*rec = w->p;
	size_t step = CMSG_ALIGN(h->cmsg_len);
	if (step > w->left)
		step = w->left;
	w->p += step;
	w->left -= step;
	return 1;
}

/* What happens to one send control message. */
enum { PASS, DROP };

static int send_verdict(unsigned kind, int family, const struct cmsghdr *h,
			const uint8_t *data, size_t dlen, bool *denied)
{
	if (kind == SN_HI_NETLINK) {
		/* __scm_send: rights and credentials mean nothing to the
		 * kernel's rtnetlink; other socket-level types are EINVAL,
		 * other levels ignored. */
		if (h->cmsg_level != SOL_SOCKET)
			return DROP;
		if (h->cmsg_type == SCM_RIGHTS ||
		    h->cmsg_type == SCM_CREDENTIALS)
			return DROP;
		return -EINVAL;
	}
	switch (h->cmsg_level) {
	case SOL_SOCKET:
		switch (h->cmsg_type) {
		case SCM_RIGHTS:
		case SCM_CREDENTIALS:
			return DROP; /* ignored by inet sockets */
		case SO_MARK:
			*denied = true;
			return -EPERM;
		case SO_PRIORITY: {
			uint32_t v = 0;
			if (dlen != sizeof(v))
				return -EINVAL;
			memcpy(&v, data, sizeof(v));
			if (v > 6) {
				*denied = true;
				return -EPERM;
			}
			return PASS;
		}
		case SO_TIMESTAMPING_OLD:
			return PASS;
		default:
			return -EINVAL; /* SCM_TXTIME without SO_TXTIME ... */
		}
	case IPPROTO_IP:
		switch (h->cmsg_type) {
		case IP_PKTINFO:
		case IP_TTL:
		case IP_TOS:
			return PASS;
		default:
			/* IP_RETOPTS included: IP options are not offered. */
			return -EINVAL;
		}
	case IPPROTO_IPV6:
		if (family != AF_INET6)
			return DROP; /* ip_cmsg_send ignores it */
		switch (h->cmsg_type) {
		case IPV6_PKTINFO:
		case IPV6_HOPLIMIT:
		case IPV6_TCLASS:
		case IPV6_DONTFRAG:
			return PASS;
		default:
			/* Routing and hop-by-hop headers are not offered. */
			return -EINVAL;
		}
	case IPPROTO_UDP:
		return h->cmsg_type == UDP_SEGMENT ? PASS : -EINVAL;
	default:
		return DROP;
	}
}

ssize_t sn_hi_send_cmsgs(unsigned kind, int family, const void *in,
			 size_t inlen, void *out, size_t outcap, bool *denied)
{
	*denied = false;
	struct cmsg_walk w = { in, inlen };
	size_t used = 0;
	struct cmsghdr h;
	const uint8_t *rec;
	int r;
	while ((r = next_cmsg(&w, &h, &rec)) > 0) {
		size_t dlen = h.cmsg_len - CMSG_LEN(0);
		int v = send_verdict(kind, family, &h, rec + CMSG_LEN(0), dlen,
				     denied);
		if (v < 0)
			return v;
		if (v == DROP)
			continue;
		size_t step = CMSG_ALIGN(h.cmsg_len);
		if (used + step > outcap)
			step = h.cmsg_len; /* the last record needs no pad */
		if (used + step > outcap)
			return -EINVAL;
		memcpy((uint8_t *)out + used, rec, h.cmsg_len);
		memset((uint8_t *)out + used + h.cmsg_len, 0,
		       step - h.cmsg_len);
		used += step;
	}
	return r < 0 ? r : (ssize_t)used;
}

static bool recv_allowed(unsigned kind, const struct cmsghdr *h)
{
	if (kind == SN_HI_NETLINK)
		return h->cmsg_level == SOL_NETLINK &&
		       h->cmsg_type == NETLINK_PKTINFO;
	switch (h->cmsg_level) {
	case SOL_SOCKET:
		return h->cmsg_type == SO_TIMESTAMP_OLD ||
		       h->cmsg_type == SO_TIMESTAMPNS_OLD ||
		       h->cmsg_type == SO_TIMESTAMPING_OLD ||
		       h->cmsg_type == SO_TIMESTAMP_NEW ||
		       h->cmsg_type == SO_TIMESTAMPNS_NEW ||
		       h->cmsg_type == SO_TIMESTAMPING_NEW ||
		       h->cmsg_type == SO_RXQ_OVFL;
	case IPPROTO_IP:
		return h->cmsg_type == IP_PKTINFO || h->cmsg_type == IP_TTL ||
		       h->cmsg_type == IP_TOS || h->cmsg_type == IP_RECVERR ||
		       h->cmsg_type == IP_ORIGDSTADDR;
	case IPPROTO_IPV6:
		return h->cmsg_type == IPV6_PKTINFO ||
		       h->cmsg_type == IPV6_HOPLIMIT ||
		       h->cmsg_type == IPV6_TCLASS ||
		       h->cmsg_type == IPV6_RECVERR ||
		       h->cmsg_type == IPV6_ORIGDSTADDR ||
		       h->cmsg_type == IPV6_PATHMTU;
	case IPPROTO_TCP:
		return h->cmsg_type == TCP_CM_INQ;
	default:
		return false;
	}
}

size_t sn_hi_recv_cmsgs(unsigned kind, const void *in, size_t inlen, void *out,
			size_t outcap)
{
	struct cmsg_walk w = { in, inlen };
	size_t used = 0;
	struct cmsghdr h;
	const uint8_t *rec;
	while (next_cmsg(&w, &h, &rec) > 0) {
		if (!recv_allowed(kind, &h))
			continue;
		/* The host padded each record but maybe the last (put_cmsg);
		 * copy what it wrote, within the room. */
		size_t step = CMSG_ALIGN(h.cmsg_len);
		size_t avail = (size_t)(w.p - rec);
		if (step > avail)
			step = avail;
		if (used + step > outcap)
			break;
		memcpy((uint8_t *)out + used, rec, step);
		used += step;
	}
	return used;
}

/* NETLINK_SOCK_DIAG for the sandbox's TCP, UDP and ping sockets
 * (sock_diag(7), inet_diag): what `ss` asks for first, before it falls
 * back to /proc/net.
 *
 * SOCK_DIAG_BY_FAMILY dumps of AF_INET and AF_INET6 sockets by protocol
 * and state mask, and the exact lookup of one socket by its 4-tuple, with
 * the messages of Linux's inet_sk_diag_fill: struct inet_diag_msg (the
 * queues of a listener are its accept queue and backlog, as
 * tcp_diag_get_info reports them), INET_DIAG_SHUTDOWN, SKV6ONLY,
 * SOCKOPT, and on request MEMINFO, SKMEMINFO, INFO (struct tcp_info from
 * the netstack), CONG, TOS and TCLASS. The old TCPDIAG_GETSOCK request
 * (struct inet_diag_req) is answered the same way.
 *
 * A bytecode filter (INET_DIAG_REQ_BYTECODE) is accepted and not run: the
 * dump holds every socket of the protocol and states asked for, a
 * superset that ss filters again itself. Other families (AF_UNIX,
 * AF_NETLINK, AF_PACKET) have no handler here: ENOENT, as Linux answers
 * without the diag module, and ss reads /proc/net/unix instead.
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "net/netlink.h"
#include "net/procnet.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#define TCPDIAG_GETSOCK_  18
#define DCCPDIAG_GETSOCK_ 19

/* The request, in its v2 form. */
struct diag_req {
	uint8_t family, protocol, ext;
	uint32_t states;
	struct inet_diag_sockid id;
};

static bool proto_matches(const struct ns_socket_info *i, uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return i->type == SOCK_STREAM;
	case IPPROTO_UDP:
		return i->type == SOCK_DGRAM &&
		       (i->protocol == IPPROTO_UDP || i->protocol == 0);
	case IPPROTO_RAW:
		return false; /* the netstack has no raw sockets */
	default:
		return false;
	}
}

static void fill(struct nl_msg *m, const struct nl_req *r,
		 const struct sn_sock_snap *s, const struct diag_req *q,
		 uint16_t flags)
{
	const struct ns_socket_info *i = &s->info;
	struct inet_diag_msg *d = nl_msg_start(
		m,
		r->nlh->nlmsg_type == TCPDIAG_GETSOCK_ ? TCPDIAG_GETSOCK_
						       : SOCK_DIAG_BY_FAMILY,
		flags, r->nlh->nlmsg_seq, r->portid, sizeof(*d));
	d->idiag_family = (uint8_t)i->family;
	d->idiag_state = (uint8_t)i->state;
	d->id.idiag_sport = htons(i->local_port);
	d->id.idiag_dport = htons(i->remote_port);
	if (i->family == AF_INET) {
		memcpy(&d->id.idiag_src[0], i->local_addr, 4);
		memcpy(&d->id.idiag_dst[0], i->remote_addr, 4);
	} else {
		memcpy(d->id.idiag_src, i->local_addr, 16);
		memcpy(d->id.idiag_dst, i->remote_addr, 16);
	}
	/* The socket's cookie: its inode, unique while it lives. */
	d->id.idiag_cookie[0] = (uint32_t)s->ino;
	d->id.idiag_cookie[1] = (uint32_t)(s->ino >> 32);
	d->idiag_uid = s->uid;
	d->idiag_inode = (uint32_t)s->ino;
	bool listen = i->type == SOCK_STREAM && i->state == TCP_LISTEN;
	d->idiag_rqueue = i->rx_queue;
	d->idiag_wqueue = i->tx_queue; /* a listener's: its backlog */
	if (s->has_tcp && !listen && s->tcp.unacked) {
		d->idiag_timer = 1;
		d->idiag_retrans = s->tcp.retransmits;
		d->idiag_expires = s->tcp.rto / 1000;
	}
	/* inet_diag_msg_attrs_fill */
	nl_put_u8(m, INET_DIAG_SHUTDOWN, 0);
	if (q->ext & (1 << (INET_DIAG_TOS - 1)))
		nl_put_u8(m, INET_DIAG_TOS, 0);
	if (i->family == AF_INET6) {
		if (q->ext & (1 << (INET_DIAG_TCLASS - 1)))
			nl_put_u8(m, INET_DIAG_TCLASS, 0);
		if (listen || i->state == TCP_CLOSE) {
			int v6only = 0;
			socklen_t len = sizeof(v6only);
			if (s->ino)
				ns_socket_getsockopt(
					(struct ns_socket *)(uintptr_t)i->sock,
					IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
					&len);
			/* __inet6_bind: a socket bound to an IPv6 address
			 * (not a v4-mapped one) takes IPv6 only. */
			static const uint8_t any[16];
			static const uint8_t mapped[12] = {
				[10] = 0xff, [11] = 0xff
			};
			if (memcmp(i->local_addr, any, 16) != 0 &&
			    memcmp(i->local_addr, mapped, 12) != 0)
				v6only = 1;
			nl_put_u8(m, INET_DIAG_SKV6ONLY, (uint8_t) !!v6only);
		}
	}
	if (r->capable)
		nl_put_u32(m, INET_DIAG_MARK, 0);
	if (q->ext &
	    ((1 << (INET_DIAG_CLASS_ID - 1)) | (1 << (INET_DIAG_TCLASS - 1))))
		nl_put_u32(m, INET_DIAG_CLASS_ID, 0);
	struct inet_diag_sockopt so;
	memset(&so, 0, sizeof(so));
	so.is_icsk = i->type == SOCK_STREAM;
	so.mc_loop = 1;
	nl_put(m, INET_DIAG_SOCKOPT, &so, sizeof(so));
	if (q->ext & (1 << (INET_DIAG_MEMINFO - 1))) {
		struct inet_diag_meminfo mi = {
			.idiag_rmem = listen ? 0 : i->rx_queue,
			.idiag_wmem = listen ? 0 : i->tx_queue,
		};
		nl_put(m, INET_DIAG_MEMINFO, &mi, sizeof(mi));
	}
	if (q->ext & (1 << (INET_DIAG_SKMEMINFO - 1))) {
		uint32_t mem[SK_MEMINFO_VARS] = { 0 };
		mem[SK_MEMINFO_RMEM_ALLOC] = listen ? 0 : i->rx_queue;
		mem[SK_MEMINFO_RCVBUF] = (uint32_t)s->rcvbuf;
		mem[SK_MEMINFO_WMEM_ALLOC] = listen ? 0 : i->tx_queue;
		mem[SK_MEMINFO_SNDBUF] = (uint32_t)s->sndbuf;
		mem[SK_MEMINFO_DROPS] = (uint32_t)i->drops;
		nl_put(m, INET_DIAG_SKMEMINFO, mem, sizeof(mem));
	}
	if (i->type != SOCK_STREAM || !s->has_tcp)
		return;
	if (q->ext & (1 << (INET_DIAG_INFO - 1)))
		nl_put_64bit(m, INET_DIAG_INFO, &s->tcp, sizeof(s->tcp),
			     INET_DIAG_PAD);
	if ((q->ext & (1 << (INET_DIAG_CONG - 1))) && s->cong[0])
		nl_put_str(m, INET_DIAG_CONG, s->cong);
}

static bool id_matches(const struct diag_req *q, const struct ns_socket_info *i)
{
	size_t n = i->family == AF_INET ? 4 : 16;
	if (i->family != q->family ||
	    ntohs(q->id.idiag_sport) != i->local_port ||
	    ntohs(q->id.idiag_dport) != i->remote_port)
		return false;
	return memcmp(q->id.idiag_src, i->local_addr, n) == 0 &&
	       memcmp(q->id.idiag_dst, i->remote_addr, n) == 0;
}

static int answer(struct nl_req *r, const struct diag_req *q, bool dump)
{
	struct sn_sock_snap *s;
	int n = sn_net_socks(r->t->k, &s);
	if (n < 0)
		return n;
	int err = dump ? 0 : -ENOENT;
	for (int j = 0; j < n; j++) {
		const struct ns_socket_info *i = &s[j].info;
		if (!proto_matches(i, q->protocol))
			continue;
		if (dump) {
			if ((q->family != AF_UNSPEC &&
			     i->family != q->family) ||
			    !(q->states & (1u << i->state)))
				continue;
		} else if (!id_matches(q, i)) {
			continue;
		} else if (q->id.idiag_cookie[0] != INET_DIAG_NOCOOKIE &&
			   (q->id.idiag_cookie[0] != (uint32_t)s[j].ino ||
			    q->id.idiag_cookie[1] !=
				    (uint32_t)(s[j].ino >> 32))) {
			err = -ESTALE;
			break;
		}
		struct nl_msg m;
		fill(&m, r, &s[j], q, dump ? NLM_F_MULTI : 0);
		err = nl_buf_add(&r->reply, &m);
		if (err < 0 || !dump)
			break;
	}
	free(s);
	return err;
}

/* inet_diag_handler_cmd and inet_diag_get_exact. */
static int by_family(struct nl_req *r)
{
	const struct nlmsghdr *nlh = r->nlh;
	size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	struct sock_diag_req sd;
	/* __sock_diag_cmd */
	if (plen < sizeof(sd))
		return -EINVAL;
	memcpy(&sd, NLMSG_DATA(nlh), sizeof(sd));
	if (sd.sdiag_family >= AF_MAX)
		return -EINVAL;
	if (sd.sdiag_family != AF_INET && sd.sdiag_family != AF_INET6)
		return -ENOENT;
	struct inet_diag_req_v2 v2;
	if (plen < sizeof(v2))
		return -EINVAL;
	memcpy(&v2, NLMSG_DATA(nlh), sizeof(v2));
	struct diag_req q = { .family = v2.sdiag_family,
			      .protocol = v2.sdiag_protocol,
			      .ext = v2.idiag_ext,
			      .states = v2.idiag_states,
			      .id = v2.id };
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) != 0;
	if (dump) {
		/* inet_diag_bc_audit would check a filter: it is only
		 * required to be a whole attribute here. */
		const struct nlattr *tb[INET_DIAG_REQ_MAX + 1];
		static const struct nl_pol pol[INET_DIAG_REQ_MAX + 1] = {
			[INET_DIAG_REQ_BYTECODE] = { NL_BIN, 0 },
			[INET_DIAG_REQ_SK_BPF_STORAGES] = { NL_NEST, 0 },
			[INET_DIAG_REQ_PROTOCOL] = { NL_U32, 0 },
		};
		int err = nl_parse(r, sizeof(v2), tb, INET_DIAG_REQ_MAX, pol,
				   false);
		if (err < 0)
			return err;
		if (tb[INET_DIAG_REQ_PROTOCOL])
			q.protocol =
				(uint8_t)nl_get_u32(tb[INET_DIAG_REQ_PROTOCOL]);
	}
	/* inet_diag_lock_handler: protocols without a handler. */
	if (q.protocol != IPPROTO_TCP && q.protocol != IPPROTO_UDP &&
	    q.protocol != IPPROTO_RAW) {
		if (!dump)
			return -ENOENT;
		r->dump = true;
		return -ENOENT;
	}
	r->dump = dump;
	return answer(r, &q, dump);
}

/* inet_diag_rcv_msg_compat: struct inet_diag_req, TCP (or DCCP). */
static int compat(struct nl_req *r)
{
	const struct nlmsghdr *nlh = r->nlh;
	struct inet_diag_req v1;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(v1)))
		return -EINVAL;
	memcpy(&v1, NLMSG_DATA(nlh), sizeof(v1));
	struct diag_req q = {
		.family = v1.idiag_family,
		.protocol = nlh->nlmsg_type == TCPDIAG_GETSOCK_ ? IPPROTO_TCP
								: IPPROTO_DCCP,
		.ext = v1.idiag_ext,
		.states = v1.idiag_states,
		.id = v1.id,
	};
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) != 0;
	if (q.protocol != IPPROTO_TCP)
		return -ENOENT;
	r->dump = dump;
	return answer(r, &q, dump);
}

int sn_sockdiag_rcv(struct nl_req *r)
{
	switch (r->nlh->nlmsg_type) {
	case TCPDIAG_GETSOCK_:
	case DCCPDIAG_GETSOCK_:
		return compat(r);
	case SOCK_DIAG_BY_FAMILY:
		return by_family(r);
	case SOCK_DESTROY:
		/* sock_diag_destroy: the capability first, then the
		 * protocol's support, which the netstack lacks. */
		if (!r->capable)
			return -EPERM;
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}

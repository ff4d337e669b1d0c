/* Helpers every socket protocol uses: socket addresses with Linux's
 * checks, iovec iteration through the caller's memory functions, and
 * control messages. */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>

#include "sock.h"

/* Linux SIN6_LEN_RFC2133: the old sockaddr_in6 without sin6_scope_id. */
#define SIN6_LEN_RFC2133 24

int ns_sockaddr_parse(const struct ns_sock *sk, const struct sockaddr *sa,
		      socklen_t len, unsigned flags, struct ns_sockname *sn)
{
	memset(sn, 0, sizeof(*sn));
	if (sa == NULL || len < (socklen_t)sizeof(sa_family_t))
		return -EINVAL;
	sa_family_t family;
	memcpy(&family, sa, sizeof(family));
	if (family == AF_UNSPEC && (flags & NS_SA_UNSPEC)) {
		sn->unspec = true;
		return 0;
	}
	bool v6sock = sk->family == AF_INET6;
	/* Linux inet6_bind, tcp_v6_connect: the length of a sockaddr_in6
	 * first, then the family. */
	if (v6sock && family != AF_INET6 &&
	    !(family == AF_INET && (flags & NS_SA_V4_ON_V6)))
		return len < SIN6_LEN_RFC2133 ? -EINVAL : -EAFNOSUPPORT;
	if (family == AF_INET || (family == AF_UNSPEC && !v6sock)) {
		struct sockaddr_in sin;
		if (len < (socklen_t)sizeof(sin))
			return -EINVAL;
		memcpy(&sin, sa, sizeof(sin));
		/* Linux inet_bind: AF_UNSPEC means AF_INET only for
		 * INADDR_ANY, a compatibility case. */
		if (family == AF_UNSPEC && sin.sin_addr.s_addr != INADDR_ANY)
			return -EAFNOSUPPORT;
		/* An IPv6 socket gets here with an AF_INET address only
		 * where the caller allows it (datagram connect, sendto); it
		 * checks V6ONLY. */
		ns_addr_set_v4(&sn->addr, (const uint8_t *)&sin.sin_addr);
		sn->port = ntohs(sin.sin_port);
		return 0;
	}
	if (family != AF_INET6 || !v6sock)
		return len < (socklen_t)(v6sock ? SIN6_LEN_RFC2133
						: sizeof(struct sockaddr_in))
			       ? -EINVAL
			       : -EAFNOSUPPORT;
	if (len < SIN6_LEN_RFC2133)
		return -EINVAL;
	struct sockaddr_in6 sin6;
	memset(&sin6, 0, sizeof(sin6));
	memcpy(&sin6, sa,
	       len < (socklen_t)sizeof(sin6) ? (size_t)len : sizeof(sin6));
	ns_addr_set_v6(&sn->addr, sin6.sin6_addr.s6_addr);
	sn->port = ntohs(sin6.sin6_port);
	sn->flowinfo = ntohl(sin6.sin6_flowinfo);
	if (len >= (socklen_t)sizeof(sin6))
		sn->scope_id = sin6.sin6_scope_id;
	return 0;
}

void ns_sockaddr_export(const struct ns_sock *sk, const struct ns_addr *addr,
			uint16_t port, uint32_t scope_id, struct sockaddr *sa,
			socklen_t *len)
{
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u;
	socklen_t full;
	memset(&u, 0, sizeof(u));
	if (sk->family == AF_INET) {
		u.in.sin_family = AF_INET;
		u.in.sin_port = htons(port);
		memcpy(&u.in.sin_addr, ns_addr_v4(addr), 4);
		full = sizeof(u.in);
	} else {
		u.in6.sin6_family = AF_INET6;
		u.in6.sin6_port = htons(port);
		memcpy(u.in6.sin6_addr.s6_addr, addr->b, 16);
		if (ns_addr_needs_scope(addr))
			u.in6.sin6_scope_id = scope_id;
		full = sizeof(u.in6);
	}
	if (sa && len) {
		socklen_t n = *len < full ? *len : full;
		if (*len > 0)
			memcpy(sa, &u, n);
	}
	if (len)
		*len = full;
}

/* ---- iovecs --------------------------------------------------------- */

void ns_iov_iter_init(struct ns_iov_iter *it, const struct iovec *iov,
		      size_t iovcnt, const struct ns_memio *io)
{
	it->iov = iov;
	it->iovcnt = iovcnt;
	it->idx = 0;
	it->off = 0;
	it->io = io;
}

ssize_t ns_iov_length(const struct iovec *iov, size_t iovcnt)
{
	if (iovcnt > UIO_MAXIOV)
		return -EMSGSIZE;
	if (iovcnt > 0 && iov == NULL)
		return -EFAULT;
	size_t total = 0;
	for (size_t i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	return (ssize_t)total;
}

static int mem_in(const struct ns_memio *io, void *dst, const void *src,
		  size_t len)
{
	if (io && io->copy_in)
		return io->copy_in(io->ctx, dst, src, len);
	memcpy(dst, src, len);
	return 0;
}

static int mem_out(const struct ns_memio *io, void *dst, const void *src,
		   size_t len)
{
	if (io && io->copy_out)
		return io->copy_out(io->ctx, dst, src, len);
	memcpy(dst, src, len);
	return 0;
}

int ns_iov_copy_from(struct ns_iov_iter *it, void *dst, size_t len)
{
	uint8_t *out = dst;
	while (len > 0) {
		if (it->idx >= it->iovcnt)
			return -EFAULT;
		const struct iovec *v = &it->iov[it->idx];
		size_t n = v->iov_len - it->off;
		if (n > len)
			n = len;
		if (n > 0 &&
		    mem_in(it->io, out, (const uint8_t *)v->iov_base + it->off,
			   n) < 0)
			return -EFAULT;
		out += n;
		len -= n;
		it->off += n;
		if (it->off == v->iov_len) {
			it->idx++;
			it->off = 0;
		}
	}
	return 0;
}

ssize_t ns_iov_copy_to(struct ns_iov_iter *it, const void *src, size_t len)
{
	const uint8_t *in = src;
	size_t done = 0;
	while (done < len && it->idx < it->iovcnt) {
		const struct iovec *v = &it->iov[it->idx];
		size_t n = v->iov_len - it->off;
		if (n > len - done)
			n = len - done;
		if (n > 0 && mem_out(it->io, (uint8_t *)v->iov_base + it->off,
				     in + done, n) < 0)
			return -EFAULT;
		done += n;
		it->off += n;
		if (it->off == v->iov_len) {
			it->idx++;
			it->off = 0;
		}
	}
	return (ssize_t)done;
}

ssize_t ns_iov_copy_pkt(struct ns_iov_iter *it, const struct ns_pkt *pkt,
			uint32_t off, uint32_t len)
{
	size_t done = 0;
	if (off < pkt->head_len) {
		uint32_t n = pkt->head_len - off;
		if (n > len)
			n = len;
		ssize_t r = ns_iov_copy_to(it, pkt->data + off, n);
		if (r < 0)
			return r;
		done += (size_t)r;
		if ((uint32_t)r < n)
			return (ssize_t)done;
		len -= n;
		off = 0;
	} else {
		off -= pkt->head_len;
	}
	for (unsigned i = 0; i < pkt->nfrags && len > 0; i++) {
		const struct ns_frag *f = &pkt->frags[i];
		if (off >= f->len) {
			off -= f->len;
			continue;
		}
		uint32_t n = f->len - off;
		if (n > len)
			n = len;
		ssize_t r = ns_iov_copy_to(it, f->data + off, n);
		if (r < 0)
			return r;
		done += (size_t)r;
		if ((uint32_t)r < n)
			break;
		len -= n;
		off = 0;
	}
	return (ssize_t)done;
}

/* ---- Control messages ---------------------------------------------- */

void ns_put_cmsg(struct msghdr *msg, size_t *used, int level, int type,
		 const void *data, size_t len)
{
	size_t cap = msg->msg_control ? msg->msg_controllen : 0;
	size_t left = cap > *used ? cap - *used : 0;
	if (left < sizeof(struct cmsghdr)) {
		msg->msg_flags |= MSG_CTRUNC;
		return;
	}
	size_t cmlen = CMSG_LEN(len);
	if (left < cmlen) {
		/* Linux put_cmsg: as much as fits, flagged truncated. */
		msg->msg_flags |= MSG_CTRUNC;
		cmlen = left;
	}
	struct cmsghdr h = { .cmsg_len = cmlen,
			     .cmsg_level = level,
			     .cmsg_type = type };
	uint8_t *p = (uint8_t *)msg->msg_control + *used;
	memcpy(p, &h, sizeof(h));
	memcpy(p + CMSG_LEN(0), data, cmlen - CMSG_LEN(0));
	size_t space = CMSG_SPACE(len);
	*used += space < left ? space : left;
}

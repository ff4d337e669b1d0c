/* Differential test: UDP over loopback. Datagram boundaries, zero-length
 * datagrams, MSG_TRUNC/MSG_PEEK, EMSGSIZE, connected UDP and ICMP errors
 * (ECONNREFUSED, IP_RECVERR with MSG_ERRQUEUE), sendmmsg/recvmmsg, and the
 * control messages: IP_PKTINFO, IP_TOS, IP_TTL, IPV6_PKTINFO,
 * IPV6_HOPLIMIT, IPV6_TCLASS, SO_TIMESTAMP(NS). */
#include "t_inet.h"
#include <linux/errqueue.h>
#include <net/if.h>
#include <sys/uio.h>

#ifndef SIOCGSTAMP
#define SIOCGSTAMP 0x8906
#endif

static const char *fam_name(int fam)
{
	return fam == AF_INET ? "udp4" : "udp6";
}

/* A UDP socket bound to loopback and the address to reach it. */
static int udp_peer(int fam, struct sockaddr_storage *to, socklen_t *tolen)
{
	int fd = lo_socket(fam, SOCK_DGRAM);
	*tolen = lo_addr(fam, to, fd >= 0 ? local_port(fd) : 1);
	return fd;
}

/* A loopback port nobody has bound (UDP). */
static int free_port(int fam)
{
	int fd = lo_socket(fam, SOCK_DGRAM);
	int p = local_port(fd);
	close(fd);
	return p;
}

static void boundaries(int fam)
{
	struct sockaddr_storage to = { 0 }, from = { 0 };
	socklen_t tolen, fl;
	char buf[2048];
	const char *v = fam_name(fam);
	memset(&from, 0, sizeof(from));
	printf("-- datagrams %s\n", v);
	int r = udp_peer(fam, &to, &tolen);
	int s = socket(fam, SOCK_DGRAM, 0);
	bound(s, 3000);
	static const size_t sizes[] = { 1, 100, 0, 1472, 0, 3 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(buf, 'a' + (int)i, sizes[i]);
		sendto(s, buf, sizes[i], 0, (struct sockaddr *)&to, tolen);
	}
	printf("sent 1 100 0 1472 0 3, sender bound port nonzero %d\n",
	       local_port(s) > 0);
	wait_ev(r, POLLIN);
	int q = -1;
	ioctl(r, FIONREAD, &q);
	printf("FIONREAD (next datagram): %d\n", q);
	fl = sizeof(from);
	ssize_t n = recvfrom(r, buf, sizeof(buf), MSG_PEEK,
			     (struct sockaddr *)&from, &fl);
	printf("recvfrom MSG_PEEK: %zd from %s sender port %d len %u\n", n,
	       addr_str(&from), addr_port(&from) == local_port(s), fl);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (sizes[i] == 100) {
			/* A short buffer truncates; MSG_TRUNC asks for the
			 * real length. */
			struct iovec iov = { buf, 10 };
			struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
			n = recvmsg(r, &m, MSG_PEEK);
			printf("recvmsg 10 of 100 PEEK: %zd flags %s\n", n,
			       m.msg_flags & MSG_TRUNC ? "MSG_TRUNC" : "0");
			n = recv(r, buf, 10, MSG_TRUNC);
			printf("recv 10 of 100 MSG_TRUNC: %zd\n", n);
			continue;
		}
		memset(buf, 0, sizeof(buf));
		n = recv(r, buf, sizeof(buf), MSG_DONTWAIT);
		printf("recv: %zd first '%c'\n", n, n > 0 ? buf[0] : '-');
	}
	ok("recv when empty", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	ioctl(r, FIONREAD, &q);
	printf("FIONREAD empty: %d\n", q);
	sendto(s, "", 0, 0, (struct sockaddr *)&to, tolen);
	wait_ev(r, POLLIN);
	printf("poll with a zero-length datagram queued: %s\n", poll_now(r));
	q = -1;
	ioctl(r, FIONREAD, &q);
	printf("  FIONREAD %d\n", q);
	val("  read", read(r, buf, 10));

	/* Many datagrams of one send each, read by recvmmsg. */
	struct iovec mi[3] = { { "a", 1 }, { "bb", 2 }, { "ccc", 3 } };
	struct mmsghdr mm[3];
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		mm[i].msg_hdr.msg_iov = &mi[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &to;
		mm[i].msg_hdr.msg_namelen = tolen;
	}
	val("sendmmsg 3", sendmmsg(s, mm, 3, 0));
	wait_ev(r, POLLIN);
	char rb[4][8];
	struct iovec ri[4];
	struct sockaddr_storage names[4] = { { 0 } };
	struct mmsghdr rm[4];
	memset(rm, 0, sizeof(rm));
	memset(rb, 0, sizeof(rb));
	for (int i = 0; i < 4; i++) {
		ri[i] = (struct iovec){ rb[i], sizeof(rb[i]) };
		rm[i].msg_hdr.msg_iov = &ri[i];
		rm[i].msg_hdr.msg_iovlen = 1;
		rm[i].msg_hdr.msg_name = &names[i];
		rm[i].msg_hdr.msg_namelen = sizeof(names[i]);
	}
	/* All three are queued once the last one is (loopback delivers in
	 * order), so recvmmsg sees them all. */
	wait_inq(r, 1);
	struct timespec tmo = { 1, 0 };
	n = recvmmsg(r, rm, 4, MSG_WAITFORONE, &tmo);
	printf("recvmmsg 4 WAITFORONE: %zd lens %u %u %u \"%s%s%s\" from "
	       "%s\n",
	       n, rm[0].msg_len, rm[1].msg_len, rm[2].msg_len, rb[0], rb[1],
	       rb[2], addr_str(&names[2]));

	/* Sizes at the limit of an IP datagram. */
	size_t max = fam == AF_INET ? 65507 : 65527;
	char *big = calloc(1, max + 2);
	val("sendto max payload",
	    sendto(s, big, max, 0, (struct sockaddr *)&to, tolen));
	ok("sendto max payload + 1",
	   sendto(s, big, max + 1, 0, (struct sockaddr *)&to, tolen));
	wait_ev(r, POLLIN);
	val("recv max payload", recv(r, big, max + 2, MSG_DONTWAIT));
	ok("send without address on unconnected", send(s, "x", 1, 0));
	struct sockaddr_storage z = { 0 };
	socklen_t zl = lo_addr(fam, &z, 0);
	ok("sendto port 0", sendto(s, "x", 1, 0, (struct sockaddr *)&z, zl));
	free(big);
	close(s);
	close(r);
}

static void connected(int fam)
{
	struct sockaddr_storage to = { 0 }, a = { 0 };
	socklen_t tolen, al;
	char buf[64];
	const char *v = fam_name(fam);
	printf("-- connected %s\n", v);
	int r = udp_peer(fam, &to, &tolen);
	int c = socket(fam, SOCK_DGRAM, 0);
	bound(c, 3000);
	al = sizeof(a);
	ok("getpeername unconnected",
	   getpeername(c, (struct sockaddr *)&a, &al));
	ok("connect", connect(c, (struct sockaddr *)&to, tolen));
	al = sizeof(a);
	getpeername(c, (struct sockaddr *)&a, &al);
	printf("  getpeername %s port match %d\n", addr_str(&a),
	       addr_port(&a) == addr_port(&to));
	al = sizeof(a);
	getsockname(c, (struct sockaddr *)&a, &al);
	printf("  getsockname %s port nonzero %d\n", addr_str(&a),
	       addr_port(&a) > 0);
	val("send", send(c, "con", 3, 0));
	wait_ev(r, POLLIN);
	val("recv", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	/* A datagram from a third socket is not delivered to a connected
	 * socket. */
	int third = socket(fam, SOCK_DGRAM, 0);
	al = sizeof(a);
	getsockname(c, (struct sockaddr *)&a, &al);
	sendto(third, "3rd", 3, 0, (struct sockaddr *)&a, al);
	sendto(r, "peer", 4, 0, (struct sockaddr *)&a, al);
	wait_ev(c, POLLIN);
	memset(buf, 0, sizeof(buf));
	val("recv on connected (third party then peer sent)",
	    recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	printf("  \"%s\"\n", buf);
	close(third);
	/* Connected sockets may still send elsewhere with sendto. */
	int r2 = udp_peer(fam, &a, &al);
	val("sendto another address while connected",
	    sendto(c, "x", 1, 0, (struct sockaddr *)&a, al));
	wait_ev(r2, POLLIN);
	val("  received there", recv(r2, buf, sizeof(buf), MSG_DONTWAIT));
	close(r2);
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	ok("connect AF_UNSPEC", connect(c, &unspec, sizeof(unspec)));
	ok("send after disconnect", send(c, "x", 1, 0));
	al = sizeof(a);
	ok("getpeername after disconnect",
	   getpeername(c, (struct sockaddr *)&a, &al));
	printf("  local port kept %d\n", local_port(c) > 0);
	close(c);
	close(r);

	/* ICMP port unreachable reaches a connected socket as ECONNREFUSED
	 * on the next call, once. */
	c = socket(fam, SOCK_DGRAM, 0);
	bound(c, 3000);
	tolen = lo_addr(fam, &to, free_port(fam));
	connect(c, (struct sockaddr *)&to, tolen);
	val("send to closed port", send(c, "x", 1, 0));
	wait_ev(c, POLLERR);
	printf("  poll %s\n", poll_now(c));
	ok("  recv", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	ok("  recv again", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	val("  send", send(c, "x", 1, 0));
	wait_ev(c, POLLERR);
	ok("  send again", send(c, "x", 1, 0));
	val("  send once more", send(c, "x", 1, 0));
	wait_ev(c, POLLERR);
	printf("  SO_ERROR %s\n", en(int_opt(c, SOL_SOCKET, SO_ERROR)));
	printf("  SO_ERROR again %d\n", int_opt(c, SOL_SOCKET, SO_ERROR));
	close(c);
	/* An unconnected socket does not hear of it. */
	c = socket(fam, SOCK_DGRAM, 0);
	val("unconnected sendto closed port",
	    sendto(c, "x", 1, 0, (struct sockaddr *)&to, tolen));
	/* Loopback delivers in order: once a datagram sent to itself
	 * arrives, any ICMP error for the first one would have too. */
	{
		struct sockaddr_storage me = { 0 };
		socklen_t ml = lo_addr(fam, &me, local_port(c));
		sendto(c, "self", 4, 0, (struct sockaddr *)&me, ml);
		wait_ev(c, POLLIN);
	}
	printf("  poll %s\n", poll_now(c));
	val("  recv own datagram", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	val("  sendto again",
	    sendto(c, "x", 1, 0, (struct sockaddr *)&to, tolen));
	close(c);

	/* shutdown on UDP */
	c = socket(fam, SOCK_DGRAM, 0);
	bound(c, 1000);
	ok("shutdown unconnected SHUT_RD", shutdown(c, SHUT_RD));
	val("  recv after (returns EOF)", recv(c, buf, sizeof(buf), 0));
	close(c);
	r = udp_peer(fam, &to, &tolen);
	c = socket(fam, SOCK_DGRAM, 0);
	connect(c, (struct sockaddr *)&to, tolen);
	ok("shutdown connected SHUT_WR", shutdown(c, SHUT_WR));
	ok("  send after", send(c, "x", 1, MSG_NOSIGNAL));
	ok("shutdown connected SHUT_RD", shutdown(c, SHUT_RD));
	printf("  poll %s\n", poll_now(c));
	close(c);
	close(r);
}

/* The first control message of level/type in m, or NULL. */
static struct cmsghdr *find_cmsg(struct msghdr *m, int level, int type)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm))
		if (cm->cmsg_level == level && cm->cmsg_type == type)
			return cm;
	return NULL;
}

static void list_cmsgs(struct msghdr *m)
{
	printf("  cmsgs:");
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm))
		printf(" %d/%d(%zu)", cm->cmsg_level, cm->cmsg_type,
		       (size_t)cm->cmsg_len);
	printf(" flags 0x%x\n", m->msg_flags);
}

struct rx {
	char data[128];
	char ctl[512];
	struct sockaddr_storage from;
	struct iovec iov;
	struct msghdr m;
	ssize_t n;
};

static void rx_msg(int fd, struct rx *x, size_t ctl_len, int flags)
{
	memset(x, 0, sizeof(*x));
	x->iov = (struct iovec){ x->data, sizeof(x->data) };
	x->m = (struct msghdr){ .msg_name = &x->from,
				.msg_namelen = sizeof(x->from),
				.msg_iov = &x->iov,
				.msg_iovlen = 1,
				.msg_control = x->ctl,
				.msg_controllen = ctl_len };
	/* Wait for what should come; with MSG_DONTWAIT, look only. */
	if (!(flags & MSG_DONTWAIT))
		wait_ev(fd, (flags & MSG_ERRQUEUE) ? POLLERR : POLLIN);
	x->n = recvmsg(fd, &x->m, flags | MSG_DONTWAIT);
	if (x->n < 0)
		printf("  recvmsg: -1 %s\n", en(errno));
}

static void cmsgs4(void)
{
	struct sockaddr_storage to = { 0 };
	socklen_t tolen;
	struct rx x;
	int lo = if_nametoindex("lo");
	printf("-- control messages udp4\n");
	int r = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage any = { 0 };
	socklen_t anyl = mk_addr(&any, "0.0.0.0", 0);
	bind(r, (struct sockaddr *)&any, anyl);
	int port = local_port(r);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	ok("IP_PKTINFO on", set_int(r, IPPROTO_IP, IP_PKTINFO, 1));
	ok("IP_RECVTOS on", set_int(r, IPPROTO_IP, IP_RECVTOS, 1));
	ok("IP_RECVTTL on", set_int(r, IPPROTO_IP, IP_RECVTTL, 1));
	ok("sender IP_TOS 0x28", set_int(s, IPPROTO_IP, IP_TOS, 0x28));
	ok("sender IP_TTL 7", set_int(s, IPPROTO_IP, IP_TTL, 7));
	tolen = mk_addr(&to, "127.0.0.2", port);
	sendto(s, "pk", 2, 0, (struct sockaddr *)&to, tolen);
	rx_msg(r, &x, sizeof(x.ctl), 0);
	printf("recvmsg to 127.0.0.2: %zd from %s\n", x.n, addr_str(&x.from));
	list_cmsgs(&x.m);
	struct cmsghdr *cm = find_cmsg(&x.m, IPPROTO_IP, IP_PKTINFO);
	if (cm) {
		struct in_pktinfo pi;
		char a[32], b[32];
		memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
		inet_ntop(AF_INET, &pi.ipi_spec_dst, a, sizeof(a));
		inet_ntop(AF_INET, &pi.ipi_addr, b, sizeof(b));
		printf("  IP_PKTINFO ifindex is lo %d spec_dst %s addr %s\n",
		       pi.ipi_ifindex == lo, a, b);
	}
	cm = find_cmsg(&x.m, IPPROTO_IP, IP_TOS);
	if (cm)
		printf("  IP_TOS len %zu value 0x%x\n", (size_t)cm->cmsg_len,
		       *CMSG_DATA(cm));
	cm = find_cmsg(&x.m, IPPROTO_IP, IP_TTL);
	if (cm) {
		int ttl;
		memcpy(&ttl, CMSG_DATA(cm), sizeof(ttl));
		printf("  IP_TTL len %zu value %d\n", (size_t)cm->cmsg_len,
		       ttl);
	}
	/* A control buffer too small for all of them. */
	sendto(s, "pk", 2, 0, (struct sockaddr *)&to, tolen);
	rx_msg(r, &x, CMSG_SPACE(sizeof(struct in_pktinfo)) + 4, 0);
	printf("recvmsg with room for one control message: %zd controllen "
	       "%zu\n",
	       x.n, x.m.msg_controllen);
	list_cmsgs(&x.m);
	sendto(s, "pk", 2, 0, (struct sockaddr *)&to, tolen);
	rx_msg(r, &x, 0, 0);
	printf("recvmsg without a control buffer: %zd\n", x.n);
	list_cmsgs(&x.m);
	/* Per-datagram TTL and TOS given as control messages. */
	{
		char c[CMSG_SPACE(sizeof(int)) * 2];
		memset(c, 0, sizeof(c));
		struct iovec iov = { "cm", 2 };
		struct msghdr m = { .msg_name = &to,
				    .msg_namelen = tolen,
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = c,
				    .msg_controllen = sizeof(c) };
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		int ttl = 33, tos = 0x10;
		h->cmsg_level = IPPROTO_IP;
		h->cmsg_type = IP_TTL;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &ttl, sizeof(int));
		h = CMSG_NXTHDR(&m, h);
		h->cmsg_level = IPPROTO_IP;
		h->cmsg_type = IP_TOS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &tos, sizeof(int));
		val("sendmsg with IP_TTL 33, IP_TOS 0x10", sendmsg(s, &m, 0));
	}
	rx_msg(r, &x, sizeof(x.ctl), 0);
	cm = find_cmsg(&x.m, IPPROTO_IP, IP_TTL);
	int ttl = -1;
	if (cm)
		memcpy(&ttl, CMSG_DATA(cm), sizeof(ttl));
	cm = find_cmsg(&x.m, IPPROTO_IP, IP_TOS);
	printf("  received ttl %d tos 0x%x\n", ttl, cm ? *CMSG_DATA(cm) : 0);
	/* IP_PKTINFO on send picks the source address. */
	{
		char c[CMSG_SPACE(sizeof(struct in_pktinfo))];
		memset(c, 0, sizeof(c));
		struct iovec iov = { "src", 3 };
		struct msghdr m = { .msg_name = &to,
				    .msg_namelen = tolen,
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = c,
				    .msg_controllen = sizeof(c) };
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		struct in_pktinfo pi = { 0 };
		inet_pton(AF_INET, "127.0.0.9", &pi.ipi_spec_dst);
		h->cmsg_level = IPPROTO_IP;
		h->cmsg_type = IP_PKTINFO;
		h->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(h), &pi, sizeof(pi));
		val("sendmsg with IP_PKTINFO spec_dst 127.0.0.9",
		    sendmsg(s, &m, 0));
	}
	rx_msg(r, &x, sizeof(x.ctl), 0);
	printf("  from %s\n", addr_str(&x.from));
	close(s);

	/* Timestamps. */
	ok("SO_TIMESTAMP on", set_int(r, SOL_SOCKET, SO_TIMESTAMP, 1));
	s = socket(AF_INET, SOCK_DGRAM, 0);
	sendto(s, "ts", 2, 0, (struct sockaddr *)&to, tolen);
	rx_msg(r, &x, sizeof(x.ctl), 0);
	struct timeval now, tv;
	gettimeofday(&now, NULL);
	cm = find_cmsg(&x.m, SOL_SOCKET, SO_TIMESTAMP);
	if (cm) {
		memcpy(&tv, CMSG_DATA(cm), sizeof(tv));
		long d = (now.tv_sec - tv.tv_sec) * 1000000L +
			 (now.tv_usec - tv.tv_usec);
		printf("  SCM_TIMESTAMP len %zu %s\n", (size_t)cm->cmsg_len,
		       d >= 0 && d < 1000000 ? "sane" : "insane");
	} else {
		printf("  no SCM_TIMESTAMP\n");
	}
	tv = (struct timeval){ 0 };
	int sr = ioctl(r, SIOCGSTAMP, &tv);
	printf("SIOCGSTAMP: %d %s\n", sr,
	       sr == 0 && labs(now.tv_sec - tv.tv_sec) <= 1 ? "sane"
							    : "insane");
	set_int(r, SOL_SOCKET, SO_TIMESTAMP, 0);
	ok("SO_TIMESTAMPNS on", set_int(r, SOL_SOCKET, SO_TIMESTAMPNS, 1));
	printf("  SO_TIMESTAMP now %d\n", int_opt(r, SOL_SOCKET, SO_TIMESTAMP));
	sendto(s, "ts", 2, 0, (struct sockaddr *)&to, tolen);
	rx_msg(r, &x, sizeof(x.ctl), 0);
	struct timespec nts, ts;
	clock_gettime(CLOCK_REALTIME, &nts);
	cm = find_cmsg(&x.m, SOL_SOCKET, SO_TIMESTAMPNS);
	if (cm) {
		memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		long long d = (nts.tv_sec - ts.tv_sec) * 1000000000LL +
			      (nts.tv_nsec - ts.tv_nsec);
		printf("  SCM_TIMESTAMPNS len %zu %s\n", (size_t)cm->cmsg_len,
		       d >= 0 && d < 1000000000LL ? "sane" : "insane");
	} else {
		printf("  no SCM_TIMESTAMPNS\n");
	}
	close(s);
	close(r);
	int fresh = socket(AF_INET, SOCK_DGRAM, 0);
	ok("SIOCGSTAMP before any datagram", ioctl(fresh, SIOCGSTAMP, &tv));
	close(fresh);
}

static void cmsgs6(void)
{
	struct sockaddr_storage to = { 0 };
	socklen_t tolen;
	struct rx x;
	int lo = if_nametoindex("lo");
	printf("-- control messages udp6\n");
	int r = udp_peer(AF_INET6, &to, &tolen);
	int s = socket(AF_INET6, SOCK_DGRAM, 0);
	ok("IPV6_RECVPKTINFO on",
	   set_int(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1));
	ok("IPV6_RECVHOPLIMIT on",
	   set_int(r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1));
	ok("IPV6_RECVTCLASS on", set_int(r, IPPROTO_IPV6, IPV6_RECVTCLASS, 1));
	ok("sender IPV6_UNICAST_HOPS 9",
	   set_int(s, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 9));
	ok("sender IPV6_TCLASS 0x28",
	   set_int(s, IPPROTO_IPV6, IPV6_TCLASS, 0x28));
	sendto(s, "six", 3, 0, (struct sockaddr *)&to, tolen);
	rx_msg(r, &x, sizeof(x.ctl), 0);
	printf("recvmsg: %zd from %s\n", x.n, addr_str(&x.from));
	list_cmsgs(&x.m);
	struct cmsghdr *cm = find_cmsg(&x.m, IPPROTO_IPV6, IPV6_PKTINFO);
	if (cm) {
		struct in6_pktinfo pi;
		char a[64];
		memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
		inet_ntop(AF_INET6, &pi.ipi6_addr, a, sizeof(a));
		printf("  IPV6_PKTINFO ifindex is lo %d addr %s\n",
		       (int)pi.ipi6_ifindex == lo, a);
	}
	cm = find_cmsg(&x.m, IPPROTO_IPV6, IPV6_HOPLIMIT);
	if (cm) {
		int h;
		memcpy(&h, CMSG_DATA(cm), sizeof(h));
		printf("  IPV6_HOPLIMIT %d\n", h);
	}
	cm = find_cmsg(&x.m, IPPROTO_IPV6, IPV6_TCLASS);
	if (cm) {
		int t;
		memcpy(&t, CMSG_DATA(cm), sizeof(t));
		printf("  IPV6_TCLASS 0x%x\n", t);
	}
	{
		char c[CMSG_SPACE(sizeof(int))];
		memset(c, 0, sizeof(c));
		struct iovec iov = { "hl", 2 };
		struct msghdr m = { .msg_name = &to,
				    .msg_namelen = tolen,
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = c,
				    .msg_controllen = sizeof(c) };
		struct cmsghdr *h = CMSG_FIRSTHDR(&m);
		int hl = 3;
		h->cmsg_level = IPPROTO_IPV6;
		h->cmsg_type = IPV6_HOPLIMIT;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &hl, sizeof(int));
		val("sendmsg with IPV6_HOPLIMIT 3", sendmsg(s, &m, 0));
	}
	rx_msg(r, &x, sizeof(x.ctl), 0);
	cm = find_cmsg(&x.m, IPPROTO_IPV6, IPV6_HOPLIMIT);
	int h = -1;
	if (cm)
		memcpy(&h, CMSG_DATA(cm), sizeof(h));
	printf("  received hop limit %d\n", h);
	close(s);
	/* A v4 sender reaches a dual-stack v6 socket as a mapped address. */
	close(r);
	r = socket(AF_INET6, SOCK_DGRAM, 0);
	bound(r, 3000);
	struct sockaddr_storage any = { 0 };
	socklen_t al = mk_addr(&any, "::", 0);
	bind(r, (struct sockaddr *)&any, al);
	set_int(r, IPPROTO_IP, IP_PKTINFO, 1);
	set_int(r, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	tolen = lo_addr(AF_INET, &to, local_port(r));
	sendto(s, "v4", 2, 0, (struct sockaddr *)&to, tolen);
	rx_msg(r, &x, sizeof(x.ctl), 0);
	printf("v4 to dual-stack v6: %zd from %s\n", x.n, addr_str(&x.from));
	list_cmsgs(&x.m);
	close(s);
	/* And a v6 socket sends to a v4 one with a mapped address. */
	int r4 = lo_socket(AF_INET, SOCK_DGRAM);
	tolen = mk_addr(&to, "::ffff:127.0.0.1", local_port(r4));
	val("v6 sendto ::ffff:127.0.0.1",
	    sendto(r, "m", 1, 0, (struct sockaddr *)&to, tolen));
	rx_msg(r4, &x, sizeof(x.ctl), 0);
	printf("  v4 receives %zd from %s\n", x.n, addr_str(&x.from));
	close(r4);
	close(r);
}

static void errqueue(int fam)
{
	struct rx x;
	struct sockaddr_storage to = { 0 };
	const char *v = fam_name(fam);
	printf("-- error queue %s\n", v);
	int s = socket(fam, SOCK_DGRAM, 0);
	bound(s, 3000);
	int lvl = fam == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int opt = fam == AF_INET ? IP_RECVERR : IPV6_RECVERR;
	ok("RECVERR on", set_int(s, lvl, opt, 1));
	socklen_t tolen = lo_addr(fam, &to, free_port(fam));
	rx_msg(s, &x, sizeof(x.ctl), MSG_ERRQUEUE | MSG_DONTWAIT);
	val("sendto closed port",
	    sendto(s, "payload", 7, 0, (struct sockaddr *)&to, tolen));
	wait_ev(s, POLLERR);
	printf("  poll %s\n", poll_now(s));
	rx_msg(s, &x, sizeof(x.ctl), MSG_ERRQUEUE);
	printf("recvmsg MSG_ERRQUEUE: %zd \"%.*s\" from %s flags%s%s\n", x.n,
	       (int)(x.n > 0 ? x.n : 0), x.data, addr_str(&x.from),
	       x.m.msg_flags & MSG_ERRQUEUE ? " MSG_ERRQUEUE" : "",
	       x.m.msg_flags & MSG_TRUNC ? " MSG_TRUNC" : "");
	list_cmsgs(&x.m);
	struct cmsghdr *cm = find_cmsg(&x.m, lvl, opt);
	if (cm) {
		struct sock_extended_err ee;
		memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
		struct sockaddr_storage off = { 0 };
		memset(&off, 0, sizeof(off));
		size_t ol = cm->cmsg_len - CMSG_LEN(sizeof(ee));
		memcpy(&off, CMSG_DATA(cm) + sizeof(ee),
		       ol < sizeof(off) ? ol : sizeof(off));
		printf("  ee_errno %s origin %d type %d code %d info %u "
		       "offender %s\n",
		       en(ee.ee_errno), ee.ee_origin, ee.ee_type, ee.ee_code,
		       ee.ee_info, addr_str(&off));
	}
	printf("  poll after %s\n", poll_now(s));
	printf("  SO_ERROR %s\n", en(int_opt(s, SOL_SOCKET, SO_ERROR)));
	rx_msg(s, &x, sizeof(x.ctl), MSG_ERRQUEUE | MSG_DONTWAIT);
	/* Reading the error queue with a tiny buffer truncates the
	 * payload. */
	sendto(s, "payload", 7, 0, (struct sockaddr *)&to, tolen);
	wait_ev(s, POLLERR);
	int_opt(s, SOL_SOCKET, SO_ERROR);
	memset(&x, 0, sizeof(x));
	x.iov = (struct iovec){ x.data, 3 };
	x.m = (struct msghdr){ .msg_iov = &x.iov,
			       .msg_iovlen = 1,
			       .msg_control = x.ctl,
			       .msg_controllen = sizeof(x.ctl) };
	x.n = recvmsg(s, &x.m, MSG_ERRQUEUE | MSG_DONTWAIT);
	printf("recvmsg MSG_ERRQUEUE 3-byte buffer: %zd flags%s%s\n", x.n,
	       x.m.msg_flags & MSG_ERRQUEUE ? " MSG_ERRQUEUE" : "",
	       x.m.msg_flags & MSG_TRUNC ? " MSG_TRUNC" : "");
	close(s);
	s = socket(fam, SOCK_DGRAM, 0);
	rx_msg(s, &x, sizeof(x.ctl), MSG_ERRQUEUE | MSG_DONTWAIT);
	close(s);
}

int main(void)
{
	watchdog(20);
	boundaries(AF_INET);
	boundaries(AF_INET6);
	connected(AF_INET);
	connected(AF_INET6);
	cmsgs4();
	cmsgs6();
	errqueue(AF_INET);
	errqueue(AF_INET6);
	return 0;
}

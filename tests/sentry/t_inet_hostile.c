/* Differential test: a hostile program's socket calls. Bad address
 * lengths and families, unmapped buffers for every pointer argument
 * (EFAULT), huge iovec counts, garbage msg_control, closed and non-socket
 * descriptors (EBADF, ENOTSOCK), and 10,000 sockets against RLIMIT_NOFILE
 * (EMFILE at the limit, then all closed). */
#include "t_inet.h"
#include <limits.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/uio.h>

static void *bad;

static void lengths_families(void)
{
	struct sockaddr_storage ss = { 0 };
	printf("-- lengths and families\n");
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int r = lo_socket(AF_INET, SOCK_DGRAM);
	socklen_t len = lo_addr(AF_INET, &ss, local_port(r));
	ok("udp4 sendto addrlen 8",
	   sendto(u, "x", 1, 0, (struct sockaddr *)&ss, 8));
	ok("udp4 sendto addrlen 0 (no address)",
	   sendto(u, "x", 1, 0, (struct sockaddr *)&ss, 0));
	ok("udp4 sendto addrlen 129",
	   sendto(u, "x", 1, 0, (struct sockaddr *)&ss, 129));
	ok("udp4 sendto addrlen -1",
	   sendto(u, "x", 1, 0, (struct sockaddr *)&ss, (socklen_t)-1));
	ok("udp4 sendto NULL address, addrlen 16",
	   sendto(u, "x", 1, 0, NULL, 16));
	ss.ss_family = AF_INET6;
	ok("udp4 sendto family AF_INET6",
	   sendto(u, "x", 1, 0, (struct sockaddr *)&ss, len));
	ss.ss_family = AF_UNSPEC;
	ok("udp4 sendto family AF_UNSPEC",
	   sendto(u, "x", 1, 0, (struct sockaddr *)&ss, len));
	ss.ss_family = 12345;
	ok("udp4 sendto family 12345",
	   sendto(u, "x", 1, 0, (struct sockaddr *)&ss, len));
	char buf[64];
	wait_ev(r, POLLIN);
	val("  receiver got", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	ok("  and no more", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	close(u);
	close(r);
	int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
	len = lo_addr(AF_INET6, &ss, 9);
	ok("udp6 sendto addrlen 16",
	   sendto(u6, "x", 1, 0, (struct sockaddr *)&ss, 16));
	ss.ss_family = AF_INET;
	ok("udp6 sendto family AF_INET",
	   sendto(u6, "x", 1, 0, (struct sockaddr *)&ss, len));
	ss.ss_family = AF_UNSPEC;
	ok("udp6 sendto family AF_UNSPEC",
	   sendto(u6, "x", 1, 0, (struct sockaddr *)&ss, len));
	close(u6);
	int t = socket(AF_INET, SOCK_STREAM, 0);
	ok("tcp4 bind NULL, 0", bind(t, NULL, 0));
	ok("tcp4 connect NULL, 0", connect(t, NULL, 0));
	ok("tcp4 connect addrlen 1", connect(t, (struct sockaddr *)&ss, 1));
	ok("tcp4 connect addrlen 1000",
	   connect(t, (struct sockaddr *)&ss, 1000));
	close(t);
	int x = socket(AF_INET, SOCK_DGRAM, 0);
	len = lo_addr(AF_INET, &ss, 9);
	ok("send MSG_OOB on udp",
	   sendto(x, "x", 1, MSG_OOB, (struct sockaddr *)&ss, len));
	close(x);
	x = lo_socket(AF_INET, SOCK_DGRAM);
	ok("recv MSG_OOB on udp", recv(x, buf, 1, MSG_OOB | MSG_DONTWAIT));
	close(x);
}

static void faults(void)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	char buf[64];
	int q;
	printf("-- unmapped pointers\n");
	int t = socket(AF_INET, SOCK_STREAM, 0);
	ok("bind unmapped address", bind(t, bad, 16));
	ok("connect unmapped address", connect(t, bad, 16));
	len = sizeof(ss);
	ok("getsockname unmapped address", getsockname(t, bad, &len));
	ok("getsockname unmapped length",
	   getsockname(t, (struct sockaddr *)&ss, bad));
	ok("getsockname NULL length",
	   getsockname(t, (struct sockaddr *)&ss, NULL));
	int v = 1;
	ok("setsockopt unmapped value",
	   setsockopt(t, SOL_SOCKET, SO_REUSEADDR, bad, 4));
	ok("setsockopt NULL value",
	   setsockopt(t, SOL_SOCKET, SO_REUSEADDR, NULL, 4));
	len = 4;
	ok("getsockopt unmapped value",
	   getsockopt(t, SOL_SOCKET, SO_TYPE, bad, &len));
	ok("getsockopt unmapped length",
	   getsockopt(t, SOL_SOCKET, SO_TYPE, &v, bad));
	ok("getsockopt NULL length",
	   getsockopt(t, SOL_SOCKET, SO_TYPE, &v, NULL));
	ok("ioctl FIONREAD unmapped", ioctl(t, FIONREAD, bad));
	ok("ioctl FIONBIO unmapped", ioctl(t, FIONBIO, bad));
	ok("ioctl SIOCGIFINDEX unmapped", ioctl(t, SIOCGIFINDEX, bad));
	ok("ioctl SIOCGIFCONF unmapped", ioctl(t, SIOCGIFCONF, bad));
	close(t);

	int l = lo_listener(AF_INET, 4);
	int port = local_port(l);
	fcntl(l, F_SETFL, O_NONBLOCK);
	int c = lo_connect(AF_INET, port);
	wait_ev(l, POLLIN);
	len = sizeof(ss);
	ok("accept unmapped address", accept(l, bad, &len));
	ok("  accept again (was the connection consumed?)",
	   accept(l, NULL, NULL));
	val("  client reads", recv(c, buf, sizeof(buf), 0));
	close(c);
	c = lo_connect(AF_INET, port);
	wait_ev(l, POLLIN);
	ok("accept unmapped length", accept(l, (struct sockaddr *)&ss, bad));
	int s = accept(l, NULL, NULL);
	ok("  accept again", s);
	close(s);
	close(c);
	int cs, ss2;
	tcp_pair(AF_INET, &cs, &ss2);
	ok("tcp send unmapped buffer", send(cs, bad, 10, 0));
	ok("tcp send NULL buffer, 0 bytes", send(cs, NULL, 0, 0));
	ok("tcp write unmapped buffer", write(cs, bad, 10));
	send(cs, "0123456789", 10, 0);
	wait_inq(ss2, 10);
	ok("tcp recv into unmapped buffer", recv(ss2, bad, 10, 0));
	q = -1;
	ioctl(ss2, FIONREAD, &q);
	printf("  data still queued %d\n", q);
	ok("tcp read into unmapped buffer", read(ss2, bad, 10));
	ok("tcp recvfrom unmapped address",
	   recvfrom(ss2, buf, 3, 0, bad, &len));
	ioctl(ss2, FIONREAD, &q);
	printf("  queued after %d\n", q);
	close(cs);
	close(ss2);
	close(l);

	int r = lo_socket(AF_INET, SOCK_DGRAM);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	len = lo_addr(AF_INET, &ss, local_port(r));
	ok("udp sendto unmapped buffer",
	   sendto(u, bad, 10, 0, (struct sockaddr *)&ss, len));
	ok("udp sendto unmapped address", sendto(u, "x", 1, 0, bad, len));
	ok("udp sendto NULL buffer, 100000 bytes",
	   sendto(u, NULL, 100000, 0, (struct sockaddr *)&ss, len));
	/* Linux caps the length at INT_MAX, then checks the range is in user
	 * space (a NULL base keeps that independent of the stack's place),
	 * then the datagram size. */
	ok("udp sendto NULL buffer, SIZE_MAX bytes",
	   sendto(u, NULL, (size_t)-1, 0, (struct sockaddr *)&ss, len));
	sendto(u, "datagram", 8, 0, (struct sockaddr *)&ss, len);
	wait_ev(r, POLLIN);
	ok("udp recv into unmapped buffer", recv(r, bad, 10, 0));
	ok("  recv again (was the datagram dropped?)",
	   recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	sendto(u, "datagram", 8, 0, (struct sockaddr *)&ss, len);
	wait_ev(r, POLLIN);
	socklen_t al = sizeof(ss);
	ok("udp recvfrom unmapped address",
	   recvfrom(r, buf, sizeof(buf), 0, bad, &al));
	ok("  recv again", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	sendto(u, "datagram", 8, 0, (struct sockaddr *)&ss, len);
	wait_ev(r, POLLIN);
	ok("udp recvfrom unmapped address length",
	   recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&ss, bad));
	ok("  recv again", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	sendto(u, "datagram", 8, 0, (struct sockaddr *)&ss, len);
	wait_ev(r, POLLIN);
	ok("udp recv MSG_PEEK into unmapped buffer",
	   recv(r, bad, 10, MSG_PEEK));
	val("  recv again", recv(r, buf, sizeof(buf), MSG_DONTWAIT));

	/* msghdr pointers. */
	struct iovec iov = { "m", 1 };
	struct msghdr m = { .msg_name = &ss,
			    .msg_namelen = len,
			    .msg_iov = &iov,
			    .msg_iovlen = 1 };
	ok("sendmsg unmapped msghdr", sendmsg(u, bad, 0));
	ok("recvmsg unmapped msghdr", recvmsg(r, bad, MSG_DONTWAIT));
	m.msg_iov = bad;
	ok("sendmsg unmapped iovec array", sendmsg(u, &m, 0));
	struct iovec biov = { bad, 10 };
	m.msg_iov = &biov;
	ok("sendmsg unmapped iov_base", sendmsg(u, &m, 0));
	m.msg_iov = &iov;
	m.msg_name = bad;
	ok("sendmsg unmapped msg_name", sendmsg(u, &m, 0));
	m.msg_name = &ss;
	m.msg_control = bad;
	m.msg_controllen = 20;
	ok("sendmsg unmapped msg_control", sendmsg(u, &m, 0));
	struct mmsghdr *bmm = bad;
	ok("sendmmsg unmapped vector", sendmmsg(u, bmm, 2, 0));
	ok("recvmmsg unmapped vector", recvmmsg(r, bmm, 2, MSG_DONTWAIT, NULL));
	struct mmsghdr mm = { .msg_hdr = { .msg_name = &ss,
					   .msg_namelen = len,
					   .msg_iov = &iov,
					   .msg_iovlen = 1 } };
	sendto(u, "datagram", 8, 0, (struct sockaddr *)&ss, len);
	wait_ev(r, POLLIN);
	char rb[16];
	struct iovec riov = { rb, sizeof(rb) };
	struct mmsghdr rmm = { .msg_hdr = { .msg_iov = &riov,
					    .msg_iovlen = 1 } };
	ok("recvmmsg unmapped timeout", recvmmsg(r, &rmm, 1, 0, bad));
	ok("  recv again", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	val("sendmmsg vlen 0", sendmmsg(u, &mm, 0, 0));
	close(u);
	close(r);
}

static void iovecs(void)
{
	struct sockaddr_storage ss = { 0 };
	char buf[2048];
	printf("-- iovec counts and control messages\n");
	int r = lo_socket(AF_INET, SOCK_DGRAM);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	socklen_t len = lo_addr(AF_INET, &ss, local_port(r));
	connect(u, (struct sockaddr *)&ss, len);
	static struct iovec many[2048];
	memset(buf, 'i', sizeof(buf));
	for (int i = 0; i < 2048; i++)
		many[i] = (struct iovec){ buf + i % 1024, 1 };
	struct msghdr m = { .msg_iov = many, .msg_iovlen = 1024 };
	val("sendmsg 1024 iovecs", sendmsg(u, &m, 0));
	m.msg_iovlen = 1025;
	ok("sendmsg 1025 iovecs", sendmsg(u, &m, 0));
	m.msg_iovlen = (size_t)1 << 40;
	ok("sendmsg 2^40 iovecs", sendmsg(u, &m, 0));
	ok("writev 1025 iovecs", writev(u, many, 1025));
	volatile int minus_one = -1;
	ok("writev -1 iovecs", writev(u, many, minus_one));
	val("writev 1024 iovecs", writev(u, many, 1024));
	wait_ev(r, POLLIN);
	m = (struct msghdr){ .msg_iov = many, .msg_iovlen = 1025 };
	ok("recvmsg 1025 iovecs", recvmsg(r, &m, MSG_DONTWAIT));
	ok("readv 1025 iovecs", readv(r, many, 1025));
	m.msg_iovlen = 1024;
	val("recvmsg 1024 iovecs", recvmsg(r, &m, MSG_DONTWAIT));
	val("readv 1024 iovecs", readv(r, many, 1024));
	struct iovec huge[2] = { { buf, (size_t)1 << 62 },
				 { buf, (size_t)1 << 62 } };
	ok("writev two iovecs of 2^62 bytes", writev(u, huge, 2));
	struct iovec neg = { buf, (size_t)-1 };
	ok("writev one iovec of SIZE_MAX bytes", writev(u, &neg, 1));
	m = (struct msghdr){ .msg_iov = NULL, .msg_iovlen = 0 };
	val("sendmsg no iovecs (empty datagram)", sendmsg(u, &m, 0));
	wait_ev(r, POLLIN);
	val("  received", recv(r, buf, sizeof(buf), MSG_DONTWAIT));

	/* Control buffers. */
	struct iovec iov = { "c", 1 };
	unsigned char ctl[256];
	memset(ctl, 0, sizeof(ctl));
	m = (struct msghdr){ .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl,
			     .msg_controllen = 8 };
	val("sendmsg controllen 8 (shorter than a header)", sendmsg(u, &m, 0));
	m.msg_controllen = (size_t)1 << 40;
	ok("sendmsg controllen 2^40", sendmsg(u, &m, 0));
	m.msg_controllen = (size_t)INT_MAX + 1;
	ok("sendmsg controllen INT_MAX + 1", sendmsg(u, &m, 0));
	m.msg_control = NULL;
	m.msg_controllen = 64;
	ok("sendmsg NULL control, controllen 64", sendmsg(u, &m, 0));
	struct cmsghdr h = { .cmsg_len = 200,
			     .cmsg_level = IPPROTO_IP,
			     .cmsg_type = IP_TTL };
	memcpy(ctl, &h, sizeof(h));
	m.msg_control = ctl;
	m.msg_controllen = 64;
	ok("sendmsg cmsg_len beyond controllen", sendmsg(u, &m, 0));
	h.cmsg_len = 4;
	memcpy(ctl, &h, sizeof(h));
	ok("sendmsg cmsg_len 4", sendmsg(u, &m, 0));
	h.cmsg_len = CMSG_LEN(sizeof(int));
	h.cmsg_type = 12345;
	memcpy(ctl, &h, sizeof(h));
	m.msg_controllen = CMSG_SPACE(sizeof(int));
	ok("sendmsg unknown IP cmsg type", sendmsg(u, &m, 0));
	h.cmsg_level = SOL_SOCKET;
	memcpy(ctl, &h, sizeof(h));
	ok("sendmsg unknown SOL_SOCKET cmsg type", sendmsg(u, &m, 0));
	h.cmsg_level = 12345;
	memcpy(ctl, &h, sizeof(h));
	val("sendmsg unknown cmsg level", sendmsg(u, &m, 0));
	h = (struct cmsghdr){ .cmsg_len = CMSG_LEN(1),
			      .cmsg_level = IPPROTO_IP,
			      .cmsg_type = IP_TTL };
	memcpy(ctl, &h, sizeof(h));
	ok("sendmsg IP_TTL cmsg with 1 byte", sendmsg(u, &m, 0));
	int bigttl = 300;
	h.cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(ctl, &h, sizeof(h));
	memcpy(CMSG_DATA((struct cmsghdr *)ctl), &bigttl, sizeof(int));
	ok("sendmsg IP_TTL cmsg 300", sendmsg(u, &m, 0));
	h.cmsg_level = SOL_SOCKET;
	h.cmsg_type = SCM_RIGHTS;
	memcpy(ctl, &h, sizeof(h));
	int zero = 0;
	memcpy(CMSG_DATA((struct cmsghdr *)ctl), &zero, sizeof(int));
	ok("sendmsg SCM_RIGHTS on udp", sendmsg(u, &m, 0));
	/* Drain what was sent so far. */
	int got = 0;
	while (recv(r, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		got++;
	printf("  datagrams that arrived: %d\n", got);

	/* Receiving control messages into a bad buffer. */
	set_int(r, IPPROTO_IP, IP_PKTINFO, 1);
	send(u, "p", 1, 0);
	wait_ev(r, POLLIN);
	char d[8];
	struct iovec riov = { d, sizeof(d) };
	m = (struct msghdr){ .msg_iov = &riov,
			     .msg_iovlen = 1,
			     .msg_control = bad,
			     .msg_controllen = 64 };
	ssize_t n = recvmsg(r, &m, MSG_DONTWAIT);
	int e = errno;
	printf("recvmsg with pktinfo into an unmapped control buffer: %zd %s "
	       "controllen %zu flags 0x%x\n",
	       n, n < 0 ? en(e) : "", m.msg_controllen, m.msg_flags);
	send(u, "p", 1, 0);
	wait_ev(r, POLLIN);
	m = (struct msghdr){ .msg_iov = &riov,
			     .msg_iovlen = 1,
			     .msg_control = ctl,
			     .msg_controllen = (size_t)1 << 40 };
	n = recvmsg(r, &m, MSG_DONTWAIT);
	e = errno;
	printf("recvmsg controllen 2^40: %zd %s\n", n, n < 0 ? en(e) : "");
	while (recv(r, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
	send(u, "p", 1, 0);
	wait_ev(r, POLLIN);
	struct sockaddr_storage from = { 0 };
	m = (struct msghdr){ .msg_name = &from,
			     .msg_namelen = (socklen_t)-1,
			     .msg_iov = &riov,
			     .msg_iovlen = 1 };
	n = recvmsg(r, &m, MSG_DONTWAIT);
	e = errno;
	printf("recvmsg namelen -1: %zd %s namelen %u\n", n, n < 0 ? en(e) : "",
	       m.msg_namelen);
	val("  recv again", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	while (recv(r, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
	close(u);
	close(r);
}

static void descriptors(void)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = lo_addr(AF_INET, &ss, 9);
	char buf[8];
	int v = 1;
	printf("-- closed and non-socket descriptors\n");
	int p[2];
	if (pipe(p) < 0)
		return;
	int dn = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* Closed last, so that no later open reuses its number. */
	int t = socket(AF_INET, SOCK_STREAM, 0);
	close(t);
	struct {
		const char *what;
		int fd;
	} fds[] = { { "closed socket", t },
		    { "fd -1", -1 },
		    { "fd 99999", 99999 },
		    { "pipe", p[0] },
		    { "/dev/null", dn } };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		int fd = fds[i].fd;
		char what[128];
		struct msghdr m = { 0 };
		struct mmsghdr mm = { 0 };
		socklen_t l2 = sizeof(ss);
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		strcpy(ifr.ifr_name, "lo");
		printf("%s:\n", fds[i].what);
#define T(name, call)                                       \
	do {                                                \
		snprintf(what, sizeof(what), "  %s", name); \
		ok(what, call);                             \
	} while (0)
		T("bind", bind(fd, (struct sockaddr *)&ss, len));
		T("connect", connect(fd, (struct sockaddr *)&ss, len));
		T("listen", listen(fd, 1));
		T("accept", accept(fd, NULL, NULL));
		T("accept4", accept4(fd, NULL, NULL, SOCK_CLOEXEC));
		T("getsockname", getsockname(fd, (struct sockaddr *)&ss, &l2));
		T("getpeername", getpeername(fd, (struct sockaddr *)&ss, &l2));
		T("setsockopt",
		  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)));
		l2 = sizeof(v);
		T("getsockopt", getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l2));
		T("send", send(fd, "x", 1, MSG_DONTWAIT));
		T("sendto", sendto(fd, "x", 1, MSG_DONTWAIT,
				   (struct sockaddr *)&ss, len));
		T("recv", recv(fd, buf, 1, MSG_DONTWAIT));
		T("recvfrom", recvfrom(fd, buf, 1, MSG_DONTWAIT, NULL, NULL));
		T("sendmsg", sendmsg(fd, &m, MSG_DONTWAIT));
		T("recvmsg", recvmsg(fd, &m, MSG_DONTWAIT));
		T("sendmmsg", sendmmsg(fd, &mm, 1, MSG_DONTWAIT));
		T("recvmmsg", recvmmsg(fd, &mm, 1, MSG_DONTWAIT, NULL));
		T("shutdown", shutdown(fd, SHUT_RDWR));
		T("ioctl SIOCGIFINDEX", ioctl(fd, SIOCGIFINDEX, &ifr));
#undef T
	}
	close(p[0]);
	close(p[1]);
	close(dn);
}

static void emfile(void)
{
	printf("-- RLIMIT_NOFILE\n");
	struct rlimit old, lim;
	getrlimit(RLIMIT_NOFILE, &old);
	lim.rlim_cur = 10000;
	lim.rlim_max = old.rlim_max > 10000 ? old.rlim_max : 10000;
	ok("setrlimit NOFILE 10000", setrlimit(RLIMIT_NOFILE, &lim));
	/* Descriptors already open (the harness may pass some): they count
	 * against the limit too. */
	int open_before = 0;
	for (int fd = 0; fd < 10000; fd++)
		open_before += fcntl(fd, F_GETFD) >= 0;
	int l = lo_listener(AF_INET, 4);
	int c = lo_connect(AF_INET, local_port(l));
	wait_ev(l, POLLIN);
	static int fds[10000];
	int n = 0, err = 0, highest = -1;
	while (n < 10000) {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = errno;
			break;
		}
		fds[n++] = fd;
		if (fd > highest)
			highest = fd;
	}
	int expect = 10000 - open_before - (l >= 0) - (c >= 0);
	printf("sockets opened %s the free slots, stopped by %s, highest fd "
	       "is limit - 1 %d\n",
	       n == expect ? "exactly" : "not", err ? en(err) : "nothing",
	       highest == 9999);
	ok("  accept at the limit", accept(l, NULL, NULL));
	int p[2];
	ok("  pipe at the limit", pipe(p));
	ok("  socket at the limit", socket(AF_INET6, SOCK_STREAM, 0));
	if (n > 0)
		close(fds[--n]);
	int a = accept(l, NULL, NULL);
	ok("  accept with one slot free (the connection waited)", a);
	close(a);
	int closed = 0;
	while (n > 0)
		closed += close(fds[--n]) == 0;
	printf("closed them all %d\n", closed > 0);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ok("socket after closing", s);
	close(s);
	close(c);
	close(l);
	lim.rlim_cur = 3;
	setrlimit(RLIMIT_NOFILE, &lim);
	ok("socket with RLIMIT_NOFILE 3", socket(AF_INET, SOCK_STREAM, 0));
	setrlimit(RLIMIT_NOFILE, &old);
}

int main(void)
{
	watchdog(30);
	bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(bad, 4096);
	lengths_families();
	faults();
	iovecs();
	descriptors();
	emfile();
	return 0;
}

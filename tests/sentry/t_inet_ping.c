/* Differential test: ICMP "ping" sockets (SOCK_DGRAM, IPPROTO_ICMP and
 * IPPROTO_ICMPV6) to 127.0.0.1 and ::1. Linux lets a process open them
 * only when its group is in net.ipv4.ping_group_range; when that refuses,
 * the program prints the errno and stops, so both sides compare it (the
 * integration test opens the range in its namespace). */
#include "t_inet.h"
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>

static uint16_t icmp_csum(const unsigned char *p, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* An echo request: type, code 0, checksum 0 (the kernel fills it in for
 * ping sockets), identifier 0x4242 (replaced by the socket's), seq. */
static size_t echo(unsigned char *b, int type, int seq, const char *payload)
{
	size_t n = strlen(payload);
	memset(b, 0, 8);
	b[0] = (unsigned char)type;
	b[4] = 0x42;
	b[5] = 0x42;
	b[6] = (unsigned char)(seq >> 8);
	b[7] = (unsigned char)seq;
	memcpy(b + 8, payload, n);
	return 8 + n;
}

/* Receives one message and prints what a ping program checks. */
static void reply(int fd, int fam, int ident, const char *payload)
{
	unsigned char b[256];
	struct sockaddr_storage from = { 0 };
	socklen_t fl = sizeof(from);
	wait_ev(fd, POLLIN);
	ssize_t n = recvfrom(fd, b, sizeof(b), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fl);
	if (n < 0) {
		printf("  recvfrom: -1 %s\n", en(errno));
		return;
	}
	int id = b[4] << 8 | b[5];
	int seq = b[6] << 8 | b[7];
	size_t pl = strlen(payload);
	/* The v6 checksum covers a pseudo-header the socket does not show,
	 * so only the v4 one is checked here. */
	const char *ck = "n/a";
	if (fam == AF_INET)
		ck = n >= 8 && icmp_csum(b, n) == 0 ? "valid" : "invalid";
	printf("  reply %zd bytes from %s type %d code %d id is local port %d "
	       "seq %d payload %s checksum %s\n",
	       n, addr_str(&from), b[0], b[1], id == ident, seq,
	       n == (ssize_t)(8 + pl) && memcmp(b + 8, payload, pl) == 0
		       ? "same"
		       : "differs",
	       ck);
}

static void ping(int fam)
{
	const char *v = fam == AF_INET ? "icmp4" : "icmp6";
	int proto = fam == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int req = fam == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
	unsigned char b[256];
	struct sockaddr_storage to = { 0 }, ss = { 0 };
	socklen_t tolen, len;
	char what[128];
	printf("-- %s\n", v);
	int fd = socket(fam, SOCK_DGRAM, proto);
	snprintf(what, sizeof(what), "%s socket", v);
	ok(what, fd);
	if (fd < 0)
		return;
	bound(fd, 3000);
	printf("  SO_TYPE %d SO_PROTOCOL %d SO_DOMAIN %d\n",
	       int_opt(fd, SOL_SOCKET, SO_TYPE),
	       int_opt(fd, SOL_SOCKET, SO_PROTOCOL),
	       int_opt(fd, SOL_SOCKET, SO_DOMAIN));
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	printf("  getsockname before use %s port %d\n", addr_str(&ss),
	       addr_port(&ss));
	tolen = lo_addr(fam, &to, 0);
	size_t n = echo(b, req, 1, "ping-payload");
	val("  sendto echo request seq 1",
	    sendto(fd, b, n, 0, (struct sockaddr *)&to, tolen));
	int ident = local_port(fd);
	printf("  identifier (local port) nonzero %d\n", ident > 0);
	reply(fd, fam, ident, "ping-payload");
	n = echo(b, req, 65535, "x");
	val("  sendto seq 65535",
	    sendto(fd, b, n, 0, (struct sockaddr *)&to, tolen));
	reply(fd, fam, ident, "x");
	n = echo(b, req, 2, "");
	val("  sendto without payload",
	    sendto(fd, b, n, 0, (struct sockaddr *)&to, tolen));
	reply(fd, fam, ident, "");
	ok("  sendto 7 bytes",
	   sendto(fd, b, 7, 0, (struct sockaddr *)&to, tolen));
	n = echo(b, fam == AF_INET ? ICMP_TIMESTAMP : 1, 3, "bad");
	ok("  sendto a non-echo type",
	   sendto(fd, b, n, 0, (struct sockaddr *)&to, tolen));
	n = echo(b, req, 3, "bad");
	b[1] = 5;
	ok("  sendto code 5",
	   sendto(fd, b, n, 0, (struct sockaddr *)&to, tolen));
	ok("  send without address", send(fd, b, 8, 0));
	ok("  recv MSG_DONTWAIT with nothing queued",
	   recv(fd, b, sizeof(b), MSG_DONTWAIT));
	close(fd);

	/* Bound to a chosen identifier, connected. */
	fd = socket(fam, SOCK_DGRAM, proto);
	bound(fd, 3000);
	len = lo_addr(fam, &ss, 0x1234);
	snprintf(what, sizeof(what), "%s bind identifier 0x1234", v);
	ok(what, bind(fd, (struct sockaddr *)&ss, len));
	int fd2 = socket(fam, SOCK_DGRAM, proto);
	ok("  second socket bind 0x1234",
	   bind(fd2, (struct sockaddr *)&ss, len));
	close(fd2);
	ok("  connect", connect(fd, (struct sockaddr *)&to, tolen));
	n = echo(b, req, 7, "connected");
	val("  send", send(fd, b, n, 0));
	reply(fd, fam, 0x1234, "connected");
	struct pollfd p = { fd, POLLIN, 0 };
	int pn = poll(&p, 1, 0);
	printf("  poll after reading %d\n", pn);
	close(fd);
	fd = socket(fam, SOCK_DGRAM, proto);
	len = mk_addr(&ss, fam == AF_INET ? "192.0.2.1" : "2001:db8::1", 0);
	snprintf(what, sizeof(what), "%s bind a foreign address", v);
	ok(what, bind(fd, (struct sockaddr *)&ss, len));
	close(fd);
	if (fam == AF_INET) {
		fd = socket(fam, SOCK_DGRAM, proto);
		bound(fd, 3000);
		set_int(fd, IPPROTO_IP, IP_RECVTTL, 1);
		n = echo(b, req, 9, "ttl");
		sendto(fd, b, n, 0, (struct sockaddr *)&to, tolen);
		char ctl[64];
		struct iovec iov = { b, sizeof(b) };
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		wait_ev(fd, POLLIN);
		ssize_t r = recvmsg(fd, &m, MSG_DONTWAIT);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		int ttl = -1;
		if (cm && cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_TTL)
			memcpy(&ttl, CMSG_DATA(cm), sizeof(ttl));
		printf("icmp4 IP_RECVTTL: %zd reply ttl %d\n", r, ttl);
		close(fd);
	}
}

int main(void)
{
	watchdog(20);
	ping(AF_INET);
	ping(AF_INET6);
	return 0;
}

/* Differential test: socket options read back after setting, option
 * errors, socket ioctls (FIONREAD/SIOCINQ, SIOCOUTQ, FIONBIO, SIOCATMARK),
 * O_NONBLOCK, and the interface ioctls for "lo". Values Linux derives from
 * the machine (buffer sizes, congestion control) are printed as
 * properties. */
#include "t_inet.h"
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/sockios.h>

static void show_int(const char *what, int fd, int level, int name)
{
	int v = int_opt(fd, level, name);
	if (v < 0)
		printf("%s: -1 %s\n", what, en(-v));
	else
		printf("%s: %d\n", what, v);
}

/* set v, then print what getsockopt gives back. */
static void set_show(const char *what, int fd, int level, int name, int v)
{
	int r = set_int(fd, level, name, v);
	int e = errno;
	if (r < 0) {
		printf("%s set %d: -1 %s\n", what, v, en(e));
		return;
	}
	int g = int_opt(fd, level, name);
	if (g < 0)
		printf("%s set %d: get -1 %s\n", what, v, en(-g));
	else
		printf("%s set %d: get %d\n", what, v, g);
}

static void identity(void)
{
	static const struct {
		const char *what;
		int fam, type, proto;
	} k[] = {
		{ "tcp4", AF_INET, SOCK_STREAM, 0 },
		{ "udp4", AF_INET, SOCK_DGRAM, 0 },
		{ "tcp6", AF_INET6, SOCK_STREAM, 0 },
		{ "udp6", AF_INET6, SOCK_DGRAM, IPPROTO_UDP },
	};
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		int fd = socket(k[i].fam, k[i].type, k[i].proto);
		printf("%s SO_TYPE %d SO_DOMAIN %d SO_PROTOCOL %d "
		       "SO_ACCEPTCONN %d SO_ERROR %d\n",
		       k[i].what, int_opt(fd, SOL_SOCKET, SO_TYPE),
		       int_opt(fd, SOL_SOCKET, SO_DOMAIN),
		       int_opt(fd, SOL_SOCKET, SO_PROTOCOL),
		       int_opt(fd, SOL_SOCKET, SO_ACCEPTCONN),
		       int_opt(fd, SOL_SOCKET, SO_ERROR));
		close(fd);
	}
	int l = lo_listener(AF_INET, 1);
	show_int("listener SO_ACCEPTCONN", l, SOL_SOCKET, SO_ACCEPTCONN);
	ok("set SO_TYPE", set_int(l, SOL_SOCKET, SO_TYPE, SOCK_DGRAM));
	ok("set SO_ACCEPTCONN", set_int(l, SOL_SOCKET, SO_ACCEPTCONN, 0));
	ok("set SO_PROTOCOL", set_int(l, SOL_SOCKET, SO_PROTOCOL, 0));
	ok("set SO_DOMAIN", set_int(l, SOL_SOCKET, SO_DOMAIN, 0));
	ok("set SO_ERROR", set_int(l, SOL_SOCKET, SO_ERROR, 0));
	close(l);
}

static void socket_level(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	show_int("tcp SO_REUSEADDR default", t, SOL_SOCKET, SO_REUSEADDR);
	set_show("tcp SO_REUSEADDR", t, SOL_SOCKET, SO_REUSEADDR, 1);
	set_show("tcp SO_REUSEADDR", t, SOL_SOCKET, SO_REUSEADDR, 5);
	set_show("tcp SO_REUSEADDR", t, SOL_SOCKET, SO_REUSEADDR, 0);
	set_show("tcp SO_REUSEPORT", t, SOL_SOCKET, SO_REUSEPORT, 1);
	set_show("tcp SO_KEEPALIVE", t, SOL_SOCKET, SO_KEEPALIVE, 1);
	set_show("tcp SO_KEEPALIVE", t, SOL_SOCKET, SO_KEEPALIVE, -3);
	set_show("udp SO_KEEPALIVE", u, SOL_SOCKET, SO_KEEPALIVE, 1);
	set_show("udp SO_BROADCAST", u, SOL_SOCKET, SO_BROADCAST, 1);
	set_show("tcp SO_OOBINLINE", t, SOL_SOCKET, SO_OOBINLINE, 1);
	set_show("tcp SO_DONTROUTE", t, SOL_SOCKET, SO_DONTROUTE, 1);
	set_show("tcp SO_RCVLOWAT", t, SOL_SOCKET, SO_RCVLOWAT, 10);
	set_show("tcp SO_RCVLOWAT", t, SOL_SOCKET, SO_RCVLOWAT, 0);
	show_int("tcp SO_SNDLOWAT", t, SOL_SOCKET, SO_SNDLOWAT);
	set_show("tcp SO_SNDLOWAT", t, SOL_SOCKET, SO_SNDLOWAT, 10);
	set_show("udp SO_PRIORITY", u, SOL_SOCKET, SO_PRIORITY, 5);
	set_show("udp SO_TIMESTAMP", u, SOL_SOCKET, SO_TIMESTAMP, 1);
	set_show("udp SO_TIMESTAMPNS", u, SOL_SOCKET, SO_TIMESTAMPNS, 1);
	show_int("udp SO_TIMESTAMP after TIMESTAMPNS", u, SOL_SOCKET,
		 SO_TIMESTAMP);
	set_show("tcp SO_NO_CHECK", t, SOL_SOCKET, SO_NO_CHECK, 1);

	/* SO_LINGER */
	struct linger lg = { 1, 5 };
	socklen_t len = sizeof(lg);
	ok("SO_LINGER set {1,5}",
	   setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	memset(&lg, 0xff, sizeof(lg));
	getsockopt(t, SOL_SOCKET, SO_LINGER, &lg, &len);
	printf("  get {%d,%d} len %u\n", lg.l_onoff, lg.l_linger, len);
	lg = (struct linger){ 7, 0 };
	setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	len = sizeof(lg);
	getsockopt(t, SOL_SOCKET, SO_LINGER, &lg, &len);
	printf("SO_LINGER set {7,0}: get {%d,%d}\n", lg.l_onoff, lg.l_linger);
	ok("SO_LINGER set with optlen 4",
	   setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, 4));

	/* Timeouts round-trip; an out-of-range usec is EDOM. */
	/* 1.2 s is a whole number of jiffies at every HZ Linux offers;
	 * Linux keeps timeouts in jiffies, rounding other values up. */
	struct timeval tv = { 1, 200000 };
	ok("SO_RCVTIMEO set {1,200000}",
	   setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	memset(&tv, 0, sizeof(tv));
	len = sizeof(tv);
	getsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, &len);
	printf("  get {%ld,%ld} len %u\n", (long)tv.tv_sec, (long)tv.tv_usec,
	       len);
	tv = (struct timeval){ 0, 3000 };
	setsockopt(t, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	len = sizeof(tv);
	getsockopt(t, SOL_SOCKET, SO_SNDTIMEO, &tv, &len);
	printf("SO_SNDTIMEO set {0,3000}: get in [3 ms, 13 ms] %d\n",
	       tv.tv_sec == 0 && tv.tv_usec >= 3000 && tv.tv_usec <= 13000);
	tv = (struct timeval){ 0, 1000000 };
	ok("SO_RCVTIMEO usec 1000000",
	   setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	tv = (struct timeval){ 0, -1 };
	ok("SO_RCVTIMEO usec -1",
	   setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	ok("SO_RCVTIMEO optlen 8",
	   setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, 8));
	tv = (struct timeval){ 0, 0 };
	setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	len = sizeof(tv);
	getsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, &len);
	printf("SO_RCVTIMEO set {0,0}: get {%ld,%ld}\n", (long)tv.tv_sec,
	       (long)tv.tv_usec);

	/* A receive timeout of 200 ms expires with EAGAIN. */
	int c, s;
	char b;
	if (tcp_pair(AF_INET, &c, &s) == 0) {
		tv = (struct timeval){ 0, 200000 };
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		long t0 = now_ms();
		ssize_t r = recv(c, &b, 1, 0);
		int e = errno;
		long el = now_ms() - t0;
		printf("recv with 200 ms timeout: %s, elapsed in [150ms, 2s] "
		       "%d\n",
		       r < 0 && (e == EAGAIN) ? "timed out" : en(e),
		       el >= 150 && el <= 2000);
		close(c);
		close(s);
	} else {
		printf("recv with 200 ms timeout: tcp_pair -1 %s\n", en(errno));
	}
	close(t);
	close(u);
}

static void buffers(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int fds[2] = { t, u };
	for (int i = 0; i < 2; i++) {
		const char *v = i ? "udp" : "tcp";
		int fd = fds[i];
		int r0 = int_opt(fd, SOL_SOCKET, SO_RCVBUF);
		int s0 = int_opt(fd, SOL_SOCKET, SO_SNDBUF);
		printf("%s default SO_RCVBUF > 0 %d SO_SNDBUF > 0 %d\n", v,
		       r0 > 0, s0 > 0);
		set_int(fd, SOL_SOCKET, SO_RCVBUF, 65536);
		set_int(fd, SOL_SOCKET, SO_SNDBUF, 65536);
		printf("%s set 65536: SO_RCVBUF %d SO_SNDBUF %d\n", v,
		       int_opt(fd, SOL_SOCKET, SO_RCVBUF),
		       int_opt(fd, SOL_SOCKET, SO_SNDBUF));
		set_int(fd, SOL_SOCKET, SO_RCVBUF, 1);
		set_int(fd, SOL_SOCKET, SO_SNDBUF, 1);
		int rmin = int_opt(fd, SOL_SOCKET, SO_RCVBUF);
		int smin = int_opt(fd, SOL_SOCKET, SO_SNDBUF);
		printf("%s set 1: raised to a minimum (rcv in (2, 8192] %d, "
		       "snd in (2, 8192] %d, snd >= rcv %d)\n",
		       v, rmin > 2 && rmin <= 8192, smin > 2 && smin <= 8192,
		       smin >= rmin);
		set_int(fd, SOL_SOCKET, SO_RCVBUF, 1 << 30);
		int big = int_opt(fd, SOL_SOCKET, SO_RCVBUF);
		printf("%s set 1 GiB: capped (below 2 GiB, at least 4096) %d\n",
		       v, big >= 4096 && big < (1 << 30));
		ok("  set SO_RCVBUF -1",
		   set_int(fd, SOL_SOCKET, SO_RCVBUF, -1));
		int neg = int_opt(fd, SOL_SOCKET, SO_RCVBUF);
		printf("  then equals the 1 GiB cap %d\n", neg == big);
	}
	close(t);
	close(u);
}

static void tcp_level(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);
	show_int("TCP_NODELAY default", t, IPPROTO_TCP, TCP_NODELAY);
	set_show("TCP_NODELAY", t, IPPROTO_TCP, TCP_NODELAY, 1);
	set_show("TCP_NODELAY", t, IPPROTO_TCP, TCP_NODELAY, 9);
	set_show("TCP_CORK", t, IPPROTO_TCP, TCP_CORK, 1);
	set_show("TCP_CORK", t, IPPROTO_TCP, TCP_CORK, 0);
	show_int("TCP_MAXSEG unconnected default", t, IPPROTO_TCP, TCP_MAXSEG);
	set_show("TCP_MAXSEG", t, IPPROTO_TCP, TCP_MAXSEG, 1000);
	set_show("TCP_MAXSEG", t, IPPROTO_TCP, TCP_MAXSEG, 10);
	set_show("TCP_MAXSEG", t, IPPROTO_TCP, TCP_MAXSEG, 70000);
	set_show("TCP_KEEPIDLE", t, IPPROTO_TCP, TCP_KEEPIDLE, 30);
	set_show("TCP_KEEPIDLE", t, IPPROTO_TCP, TCP_KEEPIDLE, 0);
	set_show("TCP_KEEPIDLE", t, IPPROTO_TCP, TCP_KEEPIDLE, 32767);
	set_show("TCP_KEEPIDLE", t, IPPROTO_TCP, TCP_KEEPIDLE, 32768);
	set_show("TCP_KEEPINTVL", t, IPPROTO_TCP, TCP_KEEPINTVL, 5);
	set_show("TCP_KEEPINTVL", t, IPPROTO_TCP, TCP_KEEPINTVL, 0);
	set_show("TCP_KEEPCNT", t, IPPROTO_TCP, TCP_KEEPCNT, 3);
	set_show("TCP_KEEPCNT", t, IPPROTO_TCP, TCP_KEEPCNT, 127);
	set_show("TCP_KEEPCNT", t, IPPROTO_TCP, TCP_KEEPCNT, 128);
	set_show("TCP_KEEPCNT", t, IPPROTO_TCP, TCP_KEEPCNT, 0);
	set_show("TCP_USER_TIMEOUT", t, IPPROTO_TCP, TCP_USER_TIMEOUT, 5000);
	set_show("TCP_USER_TIMEOUT", t, IPPROTO_TCP, TCP_USER_TIMEOUT, -1);
	set_show("TCP_LINGER2", t, IPPROTO_TCP, TCP_LINGER2, 10);
	set_show("TCP_DEFER_ACCEPT", t, IPPROTO_TCP, TCP_DEFER_ACCEPT, 0);
	set_show("TCP_QUICKACK", t, IPPROTO_TCP, TCP_QUICKACK, 1);
	set_show("TCP_SYNCNT", t, IPPROTO_TCP, TCP_SYNCNT, 3);
	set_show("TCP_SYNCNT", t, IPPROTO_TCP, TCP_SYNCNT, 0);
	set_show("TCP_WINDOW_CLAMP", t, IPPROTO_TCP, TCP_WINDOW_CLAMP, 0);

	char cc[32] = { 0 };
	socklen_t len = sizeof(cc);
	int r = getsockopt(t, IPPROTO_TCP, TCP_CONGESTION, cc, &len);
	printf("TCP_CONGESTION default: %d non-empty %d\n", r, cc[0] != 0);
	ok("TCP_CONGESTION set reno",
	   setsockopt(t, IPPROTO_TCP, TCP_CONGESTION, "reno", 4));
	memset(cc, 0, sizeof(cc));
	len = sizeof(cc);
	getsockopt(t, IPPROTO_TCP, TCP_CONGESTION, cc, &len);
	printf("  get \"%s\" len %u\n", cc, len);
	ok("TCP_CONGESTION set nosuchcc",
	   setsockopt(t, IPPROTO_TCP, TCP_CONGESTION, "nosuchcc", 8));

	struct tcp_info ti;
	len = sizeof(ti);
	memset(&ti, 0xee, sizeof(ti));
	r = getsockopt(t, IPPROTO_TCP, TCP_INFO, &ti, &len);
	printf("TCP_INFO unconnected: %d state %d len >= 104 %d\n", r,
	       ti.tcpi_state, len >= 104);
	len = 1;
	memset(&ti, 0xee, sizeof(ti));
	r = getsockopt(t, IPPROTO_TCP, TCP_INFO, &ti, &len);
	printf("TCP_INFO len 1: %d len %u state %d next byte 0x%x\n", r, len,
	       ti.tcpi_state, ((unsigned char *)&ti)[1]);
	close(t);
	int l = lo_listener(AF_INET, 1);
	len = sizeof(ti);
	getsockopt(l, IPPROTO_TCP, TCP_INFO, &ti, &len);
	printf("TCP_INFO listener state %d\n", ti.tcpi_state);
	int c = lo_connect(AF_INET, local_port(l));
	int s = accept(l, NULL, NULL);
	len = sizeof(ti);
	getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len);
	printf("TCP_INFO connected state %d\n", ti.tcpi_state);
	int mss = int_opt(c, IPPROTO_TCP, TCP_MAXSEG);
	printf("TCP_MAXSEG connected over lo: in (536, 65483] %d\n",
	       mss > 536 && mss <= 65483);
	show_int("TCP_NODELAY accepted", s, IPPROTO_TCP, TCP_NODELAY);
	shutdown(c, SHUT_WR);
	wait_ev(s, POLLRDHUP);
	/* The peer may delay its ACK of the FIN. */
	long end = now_ms() + 2000;
	for (;;) {
		len = sizeof(ti);
		if (getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
		    ti.tcpi_state == TCP_FIN_WAIT2 || now_ms() >= end)
			break;
		sleep_ms(2);
	}
	printf("TCP_INFO after SHUT_WR, FIN acked: state %d\n", ti.tcpi_state);
	len = sizeof(ti);
	getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len);
	printf("TCP_INFO peer of SHUT_WR: state %d\n", ti.tcpi_state);
	close(c);
	close(s);
	close(l);

	/* Options a listener passes to the sockets it accepts. */
	l = socket(AF_INET, SOCK_STREAM, 0);
	set_int(l, IPPROTO_TCP, TCP_NODELAY, 1);
	set_int(l, SOL_SOCKET, SO_KEEPALIVE, 1);
	set_int(l, IPPROTO_TCP, TCP_KEEPIDLE, 42);
	struct sockaddr_storage ss = { 0 };
	len = lo_addr(AF_INET, &ss, 0);
	bind(l, (struct sockaddr *)&ss, len);
	listen(l, 1);
	bound(l, 3000);
	c = lo_connect(AF_INET, local_port(l));
	s = accept(l, NULL, NULL);
	printf("inherited by accept: NODELAY %d KEEPALIVE %d KEEPIDLE %d\n",
	       int_opt(s, IPPROTO_TCP, TCP_NODELAY),
	       int_opt(s, SOL_SOCKET, SO_KEEPALIVE),
	       int_opt(s, IPPROTO_TCP, TCP_KEEPIDLE));
	close(c);
	close(s);
	close(l);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	ok("TCP_NODELAY on udp", set_int(u, IPPROTO_TCP, TCP_NODELAY, 1));
	show_int("TCP_NODELAY get on udp", u, IPPROTO_TCP, TCP_NODELAY);
	close(u);
}

static void ip_level(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	show_int("IP_TTL default", u, IPPROTO_IP, IP_TTL);
	set_show("IP_TTL", u, IPPROTO_IP, IP_TTL, 200);
	set_show("IP_TTL", u, IPPROTO_IP, IP_TTL, 0);
	set_show("IP_TTL", u, IPPROTO_IP, IP_TTL, 256);
	set_show("IP_TTL", u, IPPROTO_IP, IP_TTL, -1);
	set_show("IP_TTL", u, IPPROTO_IP, IP_TTL, -2);
	unsigned char ch = 99;
	ok("IP_TTL set with a 1-byte optval",
	   setsockopt(u, IPPROTO_IP, IP_TTL, &ch, 1));
	show_int("  get", u, IPPROTO_IP, IP_TTL);
	unsigned char out[4] = { 0xee, 0xee, 0xee, 0xee };
	socklen_t len = 1;
	int r = getsockopt(u, IPPROTO_IP, IP_TTL, out, &len);
	printf("IP_TTL get with optlen 1: %d len %u byte %d next 0x%x\n", r,
	       len, out[0], out[1]);
	show_int("IP_TOS default", u, IPPROTO_IP, IP_TOS);
	set_show("udp IP_TOS", u, IPPROTO_IP, IP_TOS, 0x13);
	set_show("tcp IP_TOS", t, IPPROTO_IP, IP_TOS, 0x13);
	set_show("udp IP_TOS", u, IPPROTO_IP, IP_TOS, 0x1ff);
	set_show("IP_RECVTOS", u, IPPROTO_IP, IP_RECVTOS, 1);
	set_show("IP_RECVTTL", u, IPPROTO_IP, IP_RECVTTL, 1);
	set_show("IP_PKTINFO", u, IPPROTO_IP, IP_PKTINFO, 1);
	set_show("IP_RECVERR", u, IPPROTO_IP, IP_RECVERR, 1);
	set_show("IP_MTU_DISCOVER", u, IPPROTO_IP, IP_MTU_DISCOVER,
		 IP_PMTUDISC_DO);
	set_show("IP_MTU_DISCOVER", u, IPPROTO_IP, IP_MTU_DISCOVER, 99);
	set_show("IP_MULTICAST_TTL", u, IPPROTO_IP, IP_MULTICAST_TTL, 4);
	set_show("IP_MULTICAST_LOOP", u, IPPROTO_IP, IP_MULTICAST_LOOP, 0);
	set_show("IP_FREEBIND", u, IPPROTO_IP, IP_FREEBIND, 1);
	show_int("IP_MTU unconnected", u, IPPROTO_IP, IP_MTU);
	struct sockaddr_storage ss = { 0 };
	len = lo_addr(AF_INET, &ss, 9);
	connect(u, (struct sockaddr *)&ss, len);
	show_int("IP_MTU connected over lo", u, IPPROTO_IP, IP_MTU);
	ok("IPV6_V6ONLY on an IPv4 socket",
	   set_int(u, IPPROTO_IPV6, IPV6_V6ONLY, 1));
	show_int("IPV6_V6ONLY get on an IPv4 socket", t, IPPROTO_IPV6,
		 IPV6_V6ONLY);
	close(t);
	close(u);

	int t6 = socket(AF_INET6, SOCK_STREAM, 0);
	int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
	show_int("IPV6_V6ONLY default", t6, IPPROTO_IPV6, IPV6_V6ONLY);
	set_show("IPV6_V6ONLY", t6, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	set_show("IPV6_V6ONLY", t6, IPPROTO_IPV6, IPV6_V6ONLY, 0);
	show_int("IPV6_UNICAST_HOPS default", u6, IPPROTO_IPV6,
		 IPV6_UNICAST_HOPS);
	set_show("IPV6_UNICAST_HOPS", u6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 5);
	set_show("IPV6_UNICAST_HOPS", u6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, -1);
	set_show("IPV6_UNICAST_HOPS", u6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 256);
	set_show("IPV6_TCLASS", u6, IPPROTO_IPV6, IPV6_TCLASS, 0x20);
	set_show("IPV6_TCLASS", u6, IPPROTO_IPV6, IPV6_TCLASS, 256);
	set_show("IPV6_RECVPKTINFO", u6, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
	set_show("IPV6_RECVHOPLIMIT", u6, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
	set_show("IPV6_RECVERR", u6, IPPROTO_IPV6, IPV6_RECVERR, 1);
	/* IPv4 options apply to a dual-stack socket too. */
	set_show("IP_TTL on a v6 udp socket", u6, IPPROTO_IP, IP_TTL, 12);
	set_show("IP_TOS on a v6 tcp socket", t6, IPPROTO_IP, IP_TOS, 0x20);
	close(t6);
	close(u6);
}

static void bad_options(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int v = 1;
	socklen_t len;
	ok("tcp SOL_SOCKET 12345", set_int(t, SOL_SOCKET, 12345, 1));
	len = sizeof(v);
	ok("tcp get SOL_SOCKET 12345",
	   getsockopt(t, SOL_SOCKET, 12345, &v, &len));
	ok("tcp IPPROTO_TCP 12345", set_int(t, IPPROTO_TCP, 12345, 1));
	len = sizeof(v);
	ok("tcp get IPPROTO_TCP 12345",
	   getsockopt(t, IPPROTO_TCP, 12345, &v, &len));
	ok("tcp IPPROTO_IP 12345", set_int(t, IPPROTO_IP, 12345, 1));
	ok("tcp level 12345", set_int(t, 12345, 1, 1));
	len = sizeof(v);
	ok("tcp get level 12345", getsockopt(t, 12345, 1, &v, &len));
	ok("udp level 12345", set_int(u, 12345, 1, 1));
	ok("udp IPPROTO_UDP 12345", set_int(u, IPPROTO_UDP, 12345, 1));
	ok("udp IPPROTO_TCP TCP_MAXSEG",
	   set_int(u, IPPROTO_TCP, TCP_MAXSEG, 500));

	/* Short option lengths. */
	short sh = 1;
	ok("SO_REUSEADDR optlen 2",
	   setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &sh, 2));
	ok("SO_REUSEADDR optlen 0",
	   setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &sh, 0));
	ok("SO_REUSEADDR optlen -1",
	   setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &v, (socklen_t)-1));
	ok("SO_REUSEADDR optlen 8",
	   setsockopt(t, SOL_SOCKET, SO_REUSEADDR, (long long[]){ 1 }, 8));
	ok("TCP_NODELAY optlen 2",
	   setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &sh, 2));
	ok("IP_TOS optlen 0", setsockopt(u, IPPROTO_IP, IP_TOS, &sh, 0));
	int t6 = socket(AF_INET6, SOCK_STREAM, 0);
	ok("IPV6_V6ONLY optlen 2",
	   setsockopt(t6, IPPROTO_IPV6, IPV6_V6ONLY, &sh, 2));
	close(t6);
	unsigned char out[8];
	memset(out, 0xee, sizeof(out));
	len = 2;
	int r = getsockopt(t, SOL_SOCKET, SO_TYPE, out, &len);
	printf("get SO_TYPE optlen 2: %d len %u bytes %d %d 0x%x\n", r, len,
	       out[0], out[1], out[2]);
	memset(out, 0xee, sizeof(out));
	len = 0;
	r = getsockopt(t, SOL_SOCKET, SO_TYPE, out, &len);
	printf("get SO_TYPE optlen 0: %d len %u\n", r, len);
	len = (socklen_t)-1;
	ok("get SO_TYPE optlen -1",
	   getsockopt(t, SOL_SOCKET, SO_TYPE, out, &len));
	len = 8;
	memset(out, 0xee, sizeof(out));
	r = getsockopt(t, SOL_SOCKET, SO_TYPE, out, &len);
	printf("get SO_TYPE optlen 8: %d len %u\n", r, len);
	len = 2;
	memset(out, 0xee, sizeof(out));
	r = getsockopt(t, IPPROTO_TCP, TCP_NODELAY, out, &len);
	printf("get TCP_NODELAY optlen 2: %d len %u\n", r, len);
	len = 4;
	struct linger lg;
	ok("get SO_LINGER optlen 4",
	   getsockopt(t, SOL_SOCKET, SO_LINGER, &lg, &len));
	printf("  len %u\n", len);
	len = 4;
	struct timeval tv;
	r = getsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, &len);
	printf("get SO_RCVTIMEO optlen 4: %d len %u\n", r, len);
	close(t);
	close(u);
}

static void ioctls(void)
{
	int c, s, q;
	if (tcp_pair(AF_INET, &c, &s) < 0) {
		printf("ioctls: tcp_pair -1 %s\n", en(errno));
		return;
	}
	q = -1;
	ok("FIONREAD empty", ioctl(s, FIONREAD, &q));
	printf("  %d\n", q);
	send(c, "12345", 5, 0);
	send(c, "678", 3, 0);
	printf("FIONREAD after 5+3 bytes: %d\n", wait_inq(s, 8));
	q = -1;
	ioctl(s, SIOCINQ, &q);
	printf("SIOCINQ: %d\n", q);
	q = -1;
	ok("SIOCOUTQ", ioctl(c, SIOCOUTQ, &q));
	/* On loopback the peer acknowledges at once; wait for it. */
	long end = now_ms() + 2000;
	while (q != 0 && now_ms() < end) {
		sleep_ms(2);
		ioctl(c, SIOCOUTQ, &q);
	}
	printf("  drains to 0: %d\n", q == 0);
	/* Fill the peer's window: unacknowledged and unsent bytes pile up. */
	set_int(s, SOL_SOCKET, SO_RCVBUF, 4096);
	fcntl(c, F_SETFL, O_NONBLOCK);
	char buf[4096];
	memset(buf, 'x', sizeof(buf));
	long sent = 0;
	for (int i = 0; i < 100000; i++) {
		ssize_t r = send(c, buf, sizeof(buf), 0);
		if (r <= 0)
			break;
		sent += r;
	}
	printf("nonblocking send until full: ends with %s\n", en(errno));
	q = -1;
	ioctl(c, SIOCOUTQ, &q);
	printf("SIOCOUTQ when full: > 0 %d <= sent %d\n", q > 0, q <= sent);
	int nsd = -1;
	int r = ioctl(c, SIOCOUTQNSD, &nsd);
	printf("SIOCOUTQNSD: %d, <= SIOCOUTQ %d\n", r, nsd >= 0 && nsd <= q);
	int l = lo_listener(AF_INET, 1);
	ok("FIONREAD on listener", ioctl(l, FIONREAD, &q));
	ok("SIOCOUTQ on listener", ioctl(l, SIOCOUTQ, &q));
	close(l);
	int fresh = socket(AF_INET, SOCK_STREAM, 0);
	q = -1;
	ok("FIONREAD unconnected", ioctl(fresh, FIONREAD, &q));
	printf("  %d\n", q);
	int on = 1;
	ok("FIONBIO on", ioctl(fresh, FIONBIO, &on));
	printf("  O_NONBLOCK %d\n", (fcntl(fresh, F_GETFL) & O_NONBLOCK) != 0);
	on = 0;
	ioctl(fresh, FIONBIO, &on);
	printf("FIONBIO off: O_NONBLOCK %d\n",
	       (fcntl(fresh, F_GETFL) & O_NONBLOCK) != 0);
	ok("fcntl F_SETFL O_NONBLOCK",
	   fcntl(fresh, F_SETFL, fcntl(fresh, F_GETFL) | O_NONBLOCK));
	ok("  recv", recv(fresh, buf, 1, 0));
	printf("fcntl F_GETFL O_RDWR %d\n",
	       (fcntl(fresh, F_GETFL) & O_ACCMODE) == O_RDWR);
	ok("unknown ioctl 0x1234", ioctl(fresh, 0x1234, &q));
	ok("SIOCATMARK on unconnected", ioctl(fresh, SIOCATMARK, &q));
	close(fresh);
	int u = lo_socket(AF_INET, SOCK_DGRAM);
	q = -1;
	ok("udp SIOCOUTQ", ioctl(u, SIOCOUTQ, &q));
	printf("  %d\n", q);
	ok("udp SIOCATMARK", ioctl(u, SIOCATMARK, &q));
	close(u);
	close(c);
	close(s);
}

static void ifreq_lo(int fd)
{
	struct ifreq ifr;
	char a[32];
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	int r = ioctl(fd, SIOCGIFINDEX, &ifr);
	int idx = ifr.ifr_ifindex;
	printf("SIOCGIFINDEX lo: %d index %d\n", r, idx);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = idx;
	r = ioctl(fd, SIOCGIFNAME, &ifr);
	printf("SIOCGIFNAME %d: %d \"%s\"\n", idx, r, ifr.ifr_name);
	strcpy(ifr.ifr_name, "lo");
	r = ioctl(fd, SIOCGIFFLAGS, &ifr);
	printf("SIOCGIFFLAGS lo: %d 0x%x\n", r, ifr.ifr_flags & 0xffff);
	struct sockaddr_in sin;
	memset(&ifr.ifr_addr, 0, sizeof(ifr.ifr_addr));
	r = ioctl(fd, SIOCGIFADDR, &ifr);
	if (r < 0) {
		printf("SIOCGIFADDR lo: -1 %s\n", en(errno));
	} else {
		memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a));
		printf("SIOCGIFADDR lo: family %d %s\n", sin.sin_family, a);
	}
	memset(&ifr.ifr_addr, 0, sizeof(ifr.ifr_addr));
	r = ioctl(fd, SIOCGIFNETMASK, &ifr);
	if (r < 0) {
		printf("SIOCGIFNETMASK lo: -1 %s\n", en(errno));
	} else {
		memcpy(&sin, &ifr.ifr_netmask, sizeof(sin));
		inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a));
		printf("SIOCGIFNETMASK lo: family %d %s\n", sin.sin_family, a);
	}
	r = ioctl(fd, SIOCGIFMTU, &ifr);
	printf("SIOCGIFMTU lo: %d %d\n", r, ifr.ifr_mtu);
	memset(&ifr.ifr_hwaddr, 0xee, sizeof(ifr.ifr_hwaddr));
	r = ioctl(fd, SIOCGIFHWADDR, &ifr);
	unsigned char *hw = (unsigned char *)ifr.ifr_hwaddr.sa_data;
	printf("SIOCGIFHWADDR lo: %d family %d %02x:%02x:%02x:%02x:%02x:%02x\n",
	       r, ifr.ifr_hwaddr.sa_family, hw[0], hw[1], hw[2], hw[3], hw[4],
	       hw[5]);
	r = ioctl(fd, SIOCGIFTXQLEN, &ifr);
	printf("SIOCGIFTXQLEN lo: %d %d\n", r, ifr.ifr_qlen);
	strcpy(ifr.ifr_name, "nosuchif0");
	ok("SIOCGIFINDEX nosuchif0", ioctl(fd, SIOCGIFINDEX, &ifr));
	ok("SIOCGIFFLAGS nosuchif0", ioctl(fd, SIOCGIFFLAGS, &ifr));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = 99999;
	ok("SIOCGIFNAME 99999", ioctl(fd, SIOCGIFNAME, &ifr));
	char name[IF_NAMESIZE] = "";
	int match = if_indextoname(if_nametoindex("lo"), name) &&
		    strcmp(name, "lo") == 0;
	printf("if_nametoindex lo %u, if_indextoname matches %d\n",
	       if_nametoindex("lo"), match);
	ok("if_nametoindex nosuchif0", if_nametoindex("nosuchif0") - 1L);

	/* SIOCGIFCONF: the length query, then the entries; only lo's is
	 * printed, the others only checked to be well formed. */
	struct ifconf ifc = { .ifc_len = 0, .ifc_buf = NULL };
	r = ioctl(fd, SIOCGIFCONF, &ifc);
	int need = ifc.ifc_len;
	printf("SIOCGIFCONF NULL buffer: %d len multiple of ifreq %d > 0 %d\n",
	       r, need % (int)sizeof(struct ifreq) == 0, need > 0);
	struct ifreq reqs[64];
	memset(reqs, 0, sizeof(reqs));
	ifc.ifc_len = sizeof(reqs);
	ifc.ifc_req = reqs;
	r = ioctl(fd, SIOCGIFCONF, &ifc);
	int n = ifc.ifc_len / (int)sizeof(struct ifreq);
	int well = 1, have_lo = 0;
	for (int i = 0; i < n; i++) {
		memcpy(&sin, &reqs[i].ifr_addr, sizeof(sin));
		well &= reqs[i].ifr_name[0] != 0 && sin.sin_family == AF_INET;
		if (strcmp(reqs[i].ifr_name, "lo") == 0) {
			inet_ntop(AF_INET, &sin.sin_addr, a, sizeof(a));
			printf("SIOCGIFCONF entry lo %s\n", a);
			have_lo = 1;
		}
	}
	printf("SIOCGIFCONF: %d len as queried %d all AF_INET named %d "
	       "lo seen %d\n",
	       r, ifc.ifc_len == need, well, have_lo);
	memset(reqs, 0, sizeof(reqs));
	ifc.ifc_len = sizeof(struct ifreq) + 10;
	r = ioctl(fd, SIOCGIFCONF, &ifc);
	printf("SIOCGIFCONF room for 1.25 entries: %d len one ifreq %d\n", r,
	       ifc.ifc_len == (int)sizeof(struct ifreq));
	ifc.ifc_len = 10;
	r = ioctl(fd, SIOCGIFCONF, &ifc);
	printf("SIOCGIFCONF room for no entry: %d len %d\n", r, ifc.ifc_len);
}

int main(void)
{
	watchdog(20);
	identity();
	socket_level();
	buffers();
	tcp_level();
	ip_level();
	bad_options();
	ioctls();
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	printf("-- interface ioctls on a udp4 socket\n");
	ifreq_lo(u);
	close(u);
	u = socket(AF_INET6, SOCK_DGRAM, 0);
	printf("-- interface ioctls on a udp6 socket\n");
	ifreq_lo(u);
	close(u);
	return 0;
}

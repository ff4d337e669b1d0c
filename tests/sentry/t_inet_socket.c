/* Differential test: inet socket life cycle. socket() argument errors,
 * socketpair, bind, listen/accept/accept4, connect (blocking and not),
 * getsockname/getpeername, v4-mapped addresses and IPV6_V6ONLY. */
#include "t_inet.h"

static void socket_args(void)
{
	static const struct {
		const char *what;
		int fam, type, proto;
	} c[] = {
		{ "socket(12345, STREAM, 0)", 12345, SOCK_STREAM, 0 },
		{ "socket(AF_UNSPEC, STREAM, 0)", AF_UNSPEC, SOCK_STREAM, 0 },
		{ "socket(-1, STREAM, 0)", -1, SOCK_STREAM, 0 },
		{ "socket(INET, 12345, 0)", AF_INET, 12345, 0 },
		{ "socket(INET, 0, 0)", AF_INET, 0, 0 },
		{ "socket(INET, SOCK_RDM, 0)", AF_INET, SOCK_RDM, 0 },
		{ "socket(INET6, SOCK_RDM, 0)", AF_INET6, SOCK_RDM, 0 },
		{ "socket(INET, STREAM|0x100000, 0)", AF_INET,
		  SOCK_STREAM | 0x100000, 0 },
		{ "socket(INET, STREAM, UDP)", AF_INET, SOCK_STREAM,
		  IPPROTO_UDP },
		{ "socket(INET, DGRAM, TCP)", AF_INET, SOCK_DGRAM,
		  IPPROTO_TCP },
		{ "socket(INET6, STREAM, UDP)", AF_INET6, SOCK_STREAM,
		  IPPROTO_UDP },
		{ "socket(INET6, DGRAM, TCP)", AF_INET6, SOCK_DGRAM,
		  IPPROTO_TCP },
		{ "socket(INET, STREAM, 200)", AF_INET, SOCK_STREAM, 200 },
		{ "socket(INET, STREAM, 12345)", AF_INET, SOCK_STREAM, 12345 },
		{ "socket(INET, STREAM, -1)", AF_INET, SOCK_STREAM, -1 },
		{ "socket(INET6, DGRAM, 200)", AF_INET6, SOCK_DGRAM, 200 },
		{ "socket(INET6, DGRAM, 12345)", AF_INET6, SOCK_DGRAM, 12345 },
		{ "socket(INET, STREAM, 0)", AF_INET, SOCK_STREAM, 0 },
		{ "socket(INET, STREAM, TCP)", AF_INET, SOCK_STREAM,
		  IPPROTO_TCP },
		{ "socket(INET, DGRAM, 0)", AF_INET, SOCK_DGRAM, 0 },
		{ "socket(INET, DGRAM, UDP)", AF_INET, SOCK_DGRAM,
		  IPPROTO_UDP },
		{ "socket(INET6, STREAM, 0)", AF_INET6, SOCK_STREAM, 0 },
		{ "socket(INET6, DGRAM, UDP)", AF_INET6, SOCK_DGRAM,
		  IPPROTO_UDP },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int fd = socket(c[i].fam, c[i].type, c[i].proto);
		ok(c[i].what, fd);
		if (fd >= 0)
			close(fd);
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	printf("socket NONBLOCK|CLOEXEC: nonblock %d cloexec %d\n",
	       fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0,
	       fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
	close(fd);
	int sv[2];
	ok("socketpair(INET, STREAM)", socketpair(AF_INET, SOCK_STREAM, 0, sv));
	ok("socketpair(INET, DGRAM)", socketpair(AF_INET, SOCK_DGRAM, 0, sv));
	ok("socketpair(INET6, STREAM)",
	   socketpair(AF_INET6, SOCK_STREAM, 0, sv));
	ok("socketpair(INET6, DGRAM)", socketpair(AF_INET6, SOCK_DGRAM, 0, sv));
}

static void bind4(void)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;
	socklen_t len;
	int t = socket(AF_INET, SOCK_STREAM, 0);
	len = lo_addr(AF_INET, &ss, 0);
	ok("tcp4 bind 127.0.0.1:0", bind(t, (struct sockaddr *)&ss, len));
	int port = local_port(t);
	printf("tcp4 getsockname port nonzero: %d\n", port > 0);
	ok("tcp4 bind again", bind(t, (struct sockaddr *)&ss, len));
	int t2 = socket(AF_INET, SOCK_STREAM, 0);
	lo_addr(AF_INET, &ss, port);
	ok("tcp4 bind port in use", bind(t2, (struct sockaddr *)&ss, len));
	mk_addr(&ss, "0.0.0.0", port);
	ok("tcp4 bind 0.0.0.0 same port",
	   bind(t2, (struct sockaddr *)&ss, len));
	mk_addr(&ss, "127.0.0.2", port);
	ok("tcp4 bind 127.0.0.2 same port",
	   bind(t2, (struct sockaddr *)&ss, len));
	close(t2);
	t2 = socket(AF_INET, SOCK_STREAM, 0);
	lo_addr(AF_INET, &ss, 0);
	ok("tcp4 bind len 15", bind(t2, (struct sockaddr *)&ss, 15));
	ok("tcp4 bind len 0", bind(t2, (struct sockaddr *)&ss, 0));
	ok("tcp4 bind len 200", bind(t2, (struct sockaddr *)&ss, 200));
	ok("tcp4 bind len 129", bind(t2, (struct sockaddr *)&ss, 129));
	ok("tcp4 bind len 128", bind(t2, (struct sockaddr *)&ss, 128));
	close(t2);
	t2 = socket(AF_INET, SOCK_STREAM, 0);
	a->sin_family = AF_INET6;
	ok("tcp4 bind family INET6", bind(t2, (struct sockaddr *)&ss, 16));
	a->sin_family = AF_UNIX;
	ok("tcp4 bind family UNIX", bind(t2, (struct sockaddr *)&ss, 16));
	a->sin_family = AF_UNSPEC;
	ok("tcp4 bind AF_UNSPEC 127.0.0.1",
	   bind(t2, (struct sockaddr *)&ss, 16));
	mk_addr(&ss, "0.0.0.0", 0);
	a->sin_family = AF_UNSPEC;
	ok("tcp4 bind AF_UNSPEC 0.0.0.0", bind(t2, (struct sockaddr *)&ss, 16));
	len = sizeof(ss);
	getsockname(t2, (struct sockaddr *)&ss, &len);
	printf("  getsockname %s len %u\n", addr_str(&ss), len);
	close(t2);
	t2 = socket(AF_INET, SOCK_STREAM, 0);
	mk_addr(&ss, "192.0.2.1", 0);
	ok("tcp4 bind 192.0.2.1 (not local)",
	   bind(t2, (struct sockaddr *)&ss, 16));
	mk_addr(&ss, "127.1.2.3", 0);
	ok("tcp4 bind 127.1.2.3", bind(t2, (struct sockaddr *)&ss, 16));
	len = sizeof(ss);
	getsockname(t2, (struct sockaddr *)&ss, &len);
	printf("  getsockname %s\n", addr_str(&ss));
	close(t2);
	close(t);

	/* SO_REUSEADDR lets two TCP sockets share a port while neither
	 * listens; once one listens the other cannot bind it. */
	int r1 = socket(AF_INET, SOCK_STREAM, 0);
	int r2 = socket(AF_INET, SOCK_STREAM, 0);
	set_int(r1, SOL_SOCKET, SO_REUSEADDR, 1);
	set_int(r2, SOL_SOCKET, SO_REUSEADDR, 1);
	len = lo_addr(AF_INET, &ss, 0);
	bind(r1, (struct sockaddr *)&ss, len);
	lo_addr(AF_INET, &ss, local_port(r1));
	ok("tcp4 REUSEADDR both, none listening: bind",
	   bind(r2, (struct sockaddr *)&ss, len));
	close(r2);
	listen(r1, 1);
	r2 = socket(AF_INET, SOCK_STREAM, 0);
	set_int(r2, SOL_SOCKET, SO_REUSEADDR, 1);
	ok("tcp4 REUSEADDR both, one listening: bind",
	   bind(r2, (struct sockaddr *)&ss, len));
	close(r2);
	close(r1);
	r1 = socket(AF_INET, SOCK_STREAM, 0);
	r2 = socket(AF_INET, SOCK_STREAM, 0);
	set_int(r1, SOL_SOCKET, SO_REUSEPORT, 1);
	set_int(r2, SOL_SOCKET, SO_REUSEPORT, 1);
	len = lo_addr(AF_INET, &ss, 0);
	bind(r1, (struct sockaddr *)&ss, len);
	listen(r1, 1);
	lo_addr(AF_INET, &ss, local_port(r1));
	ok("tcp4 REUSEPORT both, one listening: bind",
	   bind(r2, (struct sockaddr *)&ss, len));
	ok("tcp4 REUSEPORT second listen", listen(r2, 1));
	close(r2);
	close(r1);

	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int u2 = socket(AF_INET, SOCK_DGRAM, 0);
	len = lo_addr(AF_INET, &ss, 0);
	bind(u, (struct sockaddr *)&ss, len);
	lo_addr(AF_INET, &ss, local_port(u));
	ok("udp4 bind port in use", bind(u2, (struct sockaddr *)&ss, len));
	close(u);
	close(u2);
	u = socket(AF_INET, SOCK_DGRAM, 0);
	u2 = socket(AF_INET, SOCK_DGRAM, 0);
	set_int(u, SOL_SOCKET, SO_REUSEADDR, 1);
	set_int(u2, SOL_SOCKET, SO_REUSEADDR, 1);
	len = lo_addr(AF_INET, &ss, 0);
	bind(u, (struct sockaddr *)&ss, len);
	lo_addr(AF_INET, &ss, local_port(u));
	ok("udp4 REUSEADDR both: bind", bind(u2, (struct sockaddr *)&ss, len));
	close(u2);
	u2 = socket(AF_INET, SOCK_DGRAM, 0);
	mk_addr(&ss, "224.0.0.1", 0);
	ok("udp4 bind 224.0.0.1 (multicast)",
	   bind(u2, (struct sockaddr *)&ss, 16));
	close(u2);
	close(u);
}

static void bind6(void)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int t = socket(AF_INET6, SOCK_STREAM, 0);
	len = lo_addr(AF_INET6, &ss, 0);
	ok("tcp6 bind len 23", bind(t, (struct sockaddr *)&ss, 23));
	ok("tcp6 bind len 24 (RFC 2133 size)",
	   bind(t, (struct sockaddr *)&ss, 24));
	len = sizeof(ss);
	getsockname(t, (struct sockaddr *)&ss, &len);
	printf("  getsockname %s len %u port nonzero %d\n", addr_str(&ss), len,
	       addr_port(&ss) > 0);
	close(t);
	t = socket(AF_INET6, SOCK_STREAM, 0);
	lo_addr(AF_INET6, &ss, 0);
	a6->sin6_family = AF_INET;
	ok("tcp6 bind family INET", bind(t, (struct sockaddr *)&ss, 28));
	mk_addr(&ss, "2001:db8::1", 0);
	ok("tcp6 bind 2001:db8::1 (not local)",
	   bind(t, (struct sockaddr *)&ss, 28));
	mk_addr(&ss, "fe80::1", 0);
	ok("tcp6 bind fe80::1 without scope",
	   bind(t, (struct sockaddr *)&ss, 28));
	mk_addr(&ss, "::ffff:127.0.0.1", 0);
	ok("tcp6 bind ::ffff:127.0.0.1", bind(t, (struct sockaddr *)&ss, 28));
	len = sizeof(ss);
	getsockname(t, (struct sockaddr *)&ss, &len);
	printf("  getsockname %s\n", addr_str(&ss));
	close(t);
	t = socket(AF_INET6, SOCK_STREAM, 0);
	set_int(t, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	mk_addr(&ss, "::ffff:127.0.0.1", 0);
	ok("tcp6 V6ONLY bind ::ffff:127.0.0.1",
	   bind(t, (struct sockaddr *)&ss, 28));
	close(t);

	/* A dual-stack wildcard socket conflicts with an IPv4 socket on the
	 * same port; a V6ONLY one does not. */
	int v4 = socket(AF_INET, SOCK_STREAM, 0);
	len = mk_addr(&ss, "0.0.0.0", 0);
	bind(v4, (struct sockaddr *)&ss, len);
	int port = local_port(v4);
	t = socket(AF_INET6, SOCK_STREAM, 0);
	len = mk_addr(&ss, "::", port);
	ok("tcp6 dual-stack bind [::] on port of 0.0.0.0",
	   bind(t, (struct sockaddr *)&ss, len));
	close(t);
	t = socket(AF_INET6, SOCK_STREAM, 0);
	set_int(t, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	ok("tcp6 V6ONLY bind [::] on port of 0.0.0.0",
	   bind(t, (struct sockaddr *)&ss, len));
	printf("  V6ONLY after bind: %d\n",
	       int_opt(t, IPPROTO_IPV6, IPV6_V6ONLY));
	ok("  set V6ONLY after bind", set_int(t, IPPROTO_IPV6, IPV6_V6ONLY, 0));
	close(t);
	close(v4);
	int u = socket(AF_INET6, SOCK_DGRAM, 0);
	len = lo_addr(AF_INET6, &ss, 0);
	ok("udp6 bind ::1", bind(u, (struct sockaddr *)&ss, len));
	ok("udp6 bind again", bind(u, (struct sockaddr *)&ss, len));
	close(u);
}

static void listen_accept(void)
{
	struct sockaddr_storage ss = { 0 }, peer = { 0 };
	socklen_t len;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bound(l, 3000);
	ok("listen unbound (autobind)", listen(l, 4));
	len = sizeof(ss);
	getsockname(l, (struct sockaddr *)&ss, &len);
	printf("  getsockname %s port nonzero %d\n", addr_str(&ss),
	       addr_port(&ss) > 0);
	ok("listen again (new backlog)", listen(l, 8));
	ok("bind after listen", bind(l, (struct sockaddr *)&ss, len));
	len = sizeof(peer);
	ok("getpeername on listener",
	   getpeername(l, (struct sockaddr *)&peer, &len));
	close(l);

	int u = socket(AF_INET, SOCK_DGRAM, 0);
	ok("listen on udp", listen(u, 1));
	ok("accept on udp", accept(u, NULL, NULL));
	close(u);
	int t = socket(AF_INET, SOCK_STREAM, 0);
	ok("accept on unlistened tcp", accept(t, NULL, NULL));
	close(t);

	l = lo_listener(AF_INET, 4);
	int port = local_port(l);
	fcntl(l, F_SETFL, O_NONBLOCK);
	ok("accept nonblocking, none pending", accept(l, NULL, NULL));
	ok("accept4 bad flags", accept4(l, NULL, NULL, 0x4));
	int c = lo_connect(AF_INET, port);
	ok("connect to listener", c);
	int cport = local_port(c);
	len = sizeof(peer);
	memset(&peer, 0xee, sizeof(peer));
	int s = accept4(l, (struct sockaddr *)&peer, &len,
			SOCK_NONBLOCK | SOCK_CLOEXEC);
	ok("accept4 NONBLOCK|CLOEXEC", s);
	printf("  peer %s len %u port is client's %d\n", addr_str(&peer), len,
	       addr_port(&peer) == cport);
	printf("  accepted nonblock %d cloexec %d\n",
	       s >= 0 && (fcntl(s, F_GETFL) & O_NONBLOCK) != 0,
	       s >= 0 && (fcntl(s, F_GETFD) & FD_CLOEXEC) != 0);
	len = sizeof(ss);
	getsockname(s, (struct sockaddr *)&ss, &len);
	printf("  accepted getsockname %s port is listener's %d\n",
	       addr_str(&ss), addr_port(&ss) == port);
	len = sizeof(ss);
	getpeername(c, (struct sockaddr *)&ss, &len);
	printf("  client getpeername port is listener's %d\n",
	       addr_port(&ss) == port);
	ok("listen on connected socket", listen(c, 1));
	ok("listen on accepted socket", listen(s, 1));
	ok("accept on connected socket", accept(c, NULL, NULL));
	close(s);
	close(c);

	/* A truncated address: accept writes the first bytes and reports the
	 * full length. */
	c = lo_connect(AF_INET, port);
	unsigned char raw[32];
	memset(raw, 0xee, sizeof(raw));
	len = 4;
	s = accept(l, (struct sockaddr *)raw, &len);
	ok("accept addrlen 4", s);
	printf("  len %u family %d byte4 0x%x\n", len, raw[0] | raw[1] << 8,
	       raw[4]);
	close(s);
	close(c);
	c = lo_connect(AF_INET, port);
	len = 0;
	s = accept(l, (struct sockaddr *)raw, &len);
	ok("accept addrlen 0", s);
	printf("  len %u\n", len);
	close(s);
	close(c);
	c = lo_connect(AF_INET, port);
	len = (socklen_t)-1;
	ok("accept addrlen -1", accept(l, (struct sockaddr *)raw, &len));
	s = accept(l, NULL, NULL);
	ok("accept the next after addrlen -1", s);
	close(s);
	close(c);
	c = lo_connect(AF_INET, port);
	s = accept(l, NULL, NULL);
	ok("accept NULL address", s);
	close(s);
	close(c);
	close(l);

	/* Backlog: listen(1) queues two connections; the SYN of a third is
	 * dropped and it stays connecting. */
	l = lo_listener(AF_INET, 1);
	port = local_port(l);
	struct pollfd pf[3];
	int done = 0;
	for (int i = 0; i < 3; i++) {
		pf[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		pf[i].events = POLLOUT;
		len = lo_addr(AF_INET, &ss, port);
		connect(pf[i].fd, (struct sockaddr *)&ss, len);
		/* Let the handshake finish before the next SYN. */
		if (i < 2)
			wait_ev(pf[i].fd, POLLOUT);
	}
	poll(pf, 3, 300);
	for (int i = 0; i < 3; i++)
		done += (pf[i].revents & POLLOUT) != 0;
	printf("listen(1): %d of 3 nonblocking connects completed\n", done);
	len = sizeof(ss);
	ok("  connect again on the pending one",
	   connect(pf[2].fd, (struct sockaddr *)&ss,
		   lo_addr(AF_INET, &ss, port)));
	for (int i = 0; i < 3; i++)
		close(pf[i].fd);
	close(l);
	l = socket(AF_INET, SOCK_STREAM, 0);
	ok("listen backlog -1", listen(l, -1));
	close(l);
	l = socket(AF_INET, SOCK_STREAM, 0);
	ok("listen backlog 1000000", listen(l, 1000000));
	close(l);
}

static void connect_errors(int fam)
{
	const char *v = fam == AF_INET ? "tcp4" : "tcp6";
	char what[128];
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	/* A bound socket that does not listen holds the port: a connection
	 * to it is refused. */
	int hold = lo_socket(fam, SOCK_STREAM);
	int closed_port = local_port(hold);
	int c = socket(fam, SOCK_STREAM, 0);
	bound(c, 3000);
	len = lo_addr(fam, &ss, closed_port);
	snprintf(what, sizeof(what), "%s connect to closed port", v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	snprintf(what, sizeof(what), "%s   SO_ERROR after", v);
	printf("%s: %s\n", what, en(int_opt(c, SOL_SOCKET, SO_ERROR)));
	snprintf(what, sizeof(what), "%s   connect again", v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	close(c);

	c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	snprintf(what, sizeof(what), "%s nonblocking connect to closed port",
		 v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	printf("%s   poll %s\n", v, pbits(wait_ev(c, POLLIN | POLLOUT)));
	printf("%s   SO_ERROR %s\n", v, en(int_opt(c, SOL_SOCKET, SO_ERROR)));
	printf("%s   SO_ERROR again %d\n", v, int_opt(c, SOL_SOCKET, SO_ERROR));
	snprintf(what, sizeof(what), "%s   connect after SO_ERROR read", v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	close(c);
	c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	connect(c, (struct sockaddr *)&ss, len);
	wait_ev(c, POLLOUT);
	snprintf(what, sizeof(what),
		 "%s   connect again without reading SO_ERROR", v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	snprintf(what, sizeof(what), "%s   and once more", v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	close(c);
	close(hold);

	int l = lo_listener(fam, 4);
	int port = local_port(l);
	len = lo_addr(fam, &ss, port);
	c = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
	snprintf(what, sizeof(what), "%s nonblocking connect to listener", v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	short ev = wait_ev(c, POLLIN | POLLOUT);
	printf("%s   poll %s SO_ERROR %d\n", v, pbits(ev),
	       int_opt(c, SOL_SOCKET, SO_ERROR));
	snprintf(what, sizeof(what), "%s   connect again after completion", v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	snprintf(what, sizeof(what), "%s   and once more", v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	close(c);
	close(accept(l, NULL, NULL)); /* its queued peer */
	c = lo_connect(fam, port);
	snprintf(what, sizeof(what), "%s blocking connect, connect again", v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	struct sockaddr_storage other = { 0 };
	socklen_t olen = lo_addr(fam, &other, closed_port);
	snprintf(what, sizeof(what), "%s   connect elsewhere", v);
	ok(what, connect(c, (struct sockaddr *)&other, olen));
	int s = accept(l, NULL, NULL);
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	snprintf(what, sizeof(what), "%s   connect AF_UNSPEC (disconnect)", v);
	ok(what, connect(c, &unspec, sizeof(unspec)));
	char b;
	snprintf(what, sizeof(what), "%s   peer recv after disconnect", v);
	val(what, recv(s, &b, 1, 0));
	snprintf(what, sizeof(what), "%s   getpeername after disconnect", v);
	olen = sizeof(other);
	ok(what, getpeername(c, (struct sockaddr *)&other, &olen));
	snprintf(what, sizeof(what), "%s   reconnect after disconnect", v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	close(s);
	close(c);

	/* The wildcard address as a destination means this host. */
	c = socket(fam, SOCK_STREAM, 0);
	bound(c, 3000);
	len = mk_addr(&ss, fam == AF_INET ? "0.0.0.0" : "::", port);
	snprintf(what, sizeof(what), "%s connect to wildcard address", v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	olen = sizeof(other);
	getpeername(c, (struct sockaddr *)&other, &olen);
	printf("%s   getpeername %s\n", v, addr_str(&other));
	close(c);
	c = socket(fam, SOCK_STREAM, 0);
	len = lo_addr(fam, &ss, port);
	snprintf(what, sizeof(what), "%s connect length %d", v,
		 fam == AF_INET ? 15 : 23);
	ok(what, connect(c, (struct sockaddr *)&ss, fam == AF_INET ? 15 : 23));
	ss.ss_family = fam == AF_INET ? AF_INET6 : AF_INET;
	snprintf(what, sizeof(what), "%s connect wrong family", v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	len = mk_addr(&ss, fam == AF_INET ? "224.0.0.1" : "ff02::1", port);
	snprintf(what, sizeof(what), "%s connect to multicast", v);
	ok(what, connect(c, (struct sockaddr *)&ss, len));
	close(c);
	c = socket(fam, SOCK_STREAM, 0);
	bound(c, 3000);
	len = lo_addr(fam, &ss, port);
	snprintf(what, sizeof(what), "%s connect length 128", v);
	ok(what, connect(c, (struct sockaddr *)&ss, 128));
	s = accept(l, NULL, NULL);
	close(s);
	close(c);
	close(l);
}

static void names(int fam)
{
	const char *v = fam == AF_INET ? "tcp4" : "tcp6";
	char what[128];
	struct sockaddr_storage ss = { 0 };
	unsigned char raw[64];
	socklen_t len;
	int t = socket(fam, SOCK_STREAM, 0);
	len = sizeof(ss);
	memset(&ss, 0xee, sizeof(ss));
	snprintf(what, sizeof(what), "%s getsockname unbound", v);
	ok(what, getsockname(t, (struct sockaddr *)&ss, &len));
	printf("  %s port %d len %u\n", addr_str(&ss), addr_port(&ss), len);
	len = sizeof(ss);
	snprintf(what, sizeof(what), "%s getpeername unconnected", v);
	ok(what, getpeername(t, (struct sockaddr *)&ss, &len));
	memset(raw, 0xee, sizeof(raw));
	len = 3;
	snprintf(what, sizeof(what), "%s getsockname len 3", v);
	ok(what, getsockname(t, (struct sockaddr *)raw, &len));
	printf("  len %u byte2 0x%x byte3 0x%x\n", len, raw[2], raw[3]);
	len = 0;
	snprintf(what, sizeof(what), "%s getsockname len 0", v);
	ok(what, getsockname(t, (struct sockaddr *)raw, &len));
	printf("  len %u\n", len);
	len = (socklen_t)-1;
	snprintf(what, sizeof(what), "%s getsockname len -1", v);
	ok(what, getsockname(t, (struct sockaddr *)raw, &len));
	len = 1000;
	snprintf(what, sizeof(what), "%s getsockname len 1000", v);
	ok(what, getsockname(t, (struct sockaddr *)raw, &len));
	printf("  len %u\n", len);
	close(t);
	int c, s;
	tcp_pair(fam, &c, &s);
	len = 5;
	memset(raw, 0xee, sizeof(raw));
	snprintf(what, sizeof(what), "%s getpeername connected len 5", v);
	ok(what, getpeername(c, (struct sockaddr *)raw, &len));
	printf("  len %u byte5 0x%x\n", len, raw[5]);
	close(c);
	close(s);
}

/* v4-mapped addresses on dual-stack sockets, and IPV6_V6ONLY. */
static void mapped(void)
{
	struct sockaddr_storage ss = { 0 }, peer = { 0 };
	socklen_t len;
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	bound(l, 3000);
	printf("v6 V6ONLY default: %d\n",
	       int_opt(l, IPPROTO_IPV6, IPV6_V6ONLY));
	len = mk_addr(&ss, "::", 0);
	bind(l, (struct sockaddr *)&ss, len);
	listen(l, 4);
	int port = local_port(l);
	int c = lo_connect(AF_INET, port);
	ok("v4 client to dual-stack [::] listener", c);
	len = sizeof(peer);
	int s = accept(l, (struct sockaddr *)&peer, &len);
	printf("  accepted peer %s len %u\n", addr_str(&peer), len);
	len = sizeof(ss);
	getsockname(s, (struct sockaddr *)&ss, &len);
	printf("  accepted getsockname %s\n", addr_str(&ss));
	len = sizeof(ss);
	getsockname(c, (struct sockaddr *)&ss, &len);
	printf("  v4 client getsockname %s\n", addr_str(&ss));
	close(s);
	close(c);
	c = lo_connect(AF_INET6, port);
	ok("v6 client to dual-stack [::] listener", c);
	s = accept(l, (struct sockaddr *)&peer, &len);
	printf("  accepted peer %s\n", addr_str(&peer));
	close(s);
	close(c);
	close(l);

	l = socket(AF_INET6, SOCK_STREAM, 0);
	set_int(l, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	len = mk_addr(&ss, "::", 0);
	bind(l, (struct sockaddr *)&ss, len);
	listen(l, 4);
	port = local_port(l);
	ok("v4 client to V6ONLY [::] listener", lo_connect(AF_INET, port));
	close(l);

	int l4 = lo_listener(AF_INET, 4);
	port = local_port(l4);
	c = socket(AF_INET6, SOCK_STREAM, 0);
	bound(c, 3000);
	len = mk_addr(&ss, "::ffff:127.0.0.1", port);
	ok("v6 socket connect ::ffff:127.0.0.1 to v4 listener",
	   connect(c, (struct sockaddr *)&ss, len));
	len = sizeof(ss);
	getsockname(c, (struct sockaddr *)&ss, &len);
	printf("  getsockname %s\n", addr_str(&ss));
	len = sizeof(peer);
	s = accept(l4, (struct sockaddr *)&peer, &len);
	printf("  v4 listener sees %s\n", addr_str(&peer));
	ok("  set V6ONLY on connected mapped socket",
	   set_int(c, IPPROTO_IPV6, IPV6_V6ONLY, 1));
	close(s);
	close(c);
	c = socket(AF_INET6, SOCK_STREAM, 0);
	set_int(c, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	len = mk_addr(&ss, "::ffff:127.0.0.1", port);
	ok("V6ONLY socket connect ::ffff:127.0.0.1",
	   connect(c, (struct sockaddr *)&ss, len));
	close(c);
	int u = socket(AF_INET6, SOCK_DGRAM, 0);
	set_int(u, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	ok("V6ONLY udp sendto ::ffff:127.0.0.1",
	   sendto(u, "x", 1, 0, (struct sockaddr *)&ss, len));
	close(u);
	/* A v6 socket bound to a mapped address can only talk IPv4. */
	c = socket(AF_INET6, SOCK_STREAM, 0);
	len = mk_addr(&ss, "::ffff:127.0.0.1", 0);
	bind(c, (struct sockaddr *)&ss, len);
	len = lo_addr(AF_INET6, &ss, port);
	ok("mapped-bound v6 socket connect ::1",
	   connect(c, (struct sockaddr *)&ss, len));
	close(c);
	close(l4);
}

int main(void)
{
	watchdog(20);
	socket_args();
	bind4();
	bind6();
	listen_accept();
	connect_errors(AF_INET);
	connect_errors(AF_INET6);
	names(AF_INET);
	names(AF_INET6);
	mapped();
	return 0;
}

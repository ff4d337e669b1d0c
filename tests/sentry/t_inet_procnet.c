/* Differential test: /proc/net and /proc/sys/net. The program's own
 * sockets appear in /proc/net/tcp, tcp6, udp and udp6 with the right
 * state, queues, uid and inode (matched by its own port, never printed);
 * the header lines and field names of /proc/net/dev, snmp and sockstat;
 * lo in /proc/net/if_inet6; the sysctls programs read. */
#include "t_inet.h"
#include <ctype.h>
#include <sys/stat.h>

static char *slurp(const char *path)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("%s: open -1 %s\n", path, en(errno));
		return NULL;
	}
	size_t n = 0;
	ssize_t r;
	while (n < sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return buf;
}

static void first_line(const char *path)
{
	char *s = slurp(path);
	if (!s)
		return;
	char *nl = strchr(s, '\n');
	printf("%s header: \"%.*s\"\n", path,
	       nl ? (int)(nl - s) : (int)strlen(s), s);
}

/* A parsed line of /proc/net/{tcp,udp}{,6}. */
struct sockline {
	unsigned char local[16], remote[16];
	unsigned lport, rport, st;
	unsigned long txq, rxq, inode;
	unsigned uid;
};

/* Hex address as the kernel prints it: 32-bit words in host order. */
static int parse_addr(const char *h, size_t n, unsigned char *out)
{
	for (size_t w = 0; w < n / 8; w++) {
		char tmp[9];
		memcpy(tmp, h + w * 8, 8);
		tmp[8] = 0;
		uint32_t v = (uint32_t)strtoul(tmp, NULL, 16);
		memcpy(out + w * 4, &v, 4);
	}
	return 0;
}

static int parse_line(const char *line, struct sockline *sl)
{
	char la[64], ra[64];
	int n = sscanf(line,
		       " %*d: %63[0-9A-Fa-f]:%x %63[0-9A-Fa-f]:%x %x "
		       "%lx:%lx %*x:%*x %*x %u %*d %lu",
		       la, &sl->lport, ra, &sl->rport, &sl->st, &sl->txq,
		       &sl->rxq, &sl->uid, &sl->inode);
	if (n != 9)
		return -1;
	memset(sl->local, 0, 16);
	memset(sl->remote, 0, 16);
	parse_addr(la, strlen(la), sl->local);
	parse_addr(ra, strlen(ra), sl->remote);
	return 0;
}

static unsigned long inode_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* Finds the line of fd (by its local port and, if connected, the remote
 * one) in path and prints what it says, relative to what it should. */
static void find_sock(const char *path, const char *what, int fd, int fam)
{
	char *s = slurp(path);
	if (!s)
		return;
	struct sockaddr_storage me = { 0 }, peer = { 0 };
	socklen_t len = sizeof(me);
	getsockname(fd, (struct sockaddr *)&me, &len);
	len = sizeof(peer);
	memset(&peer, 0, sizeof(peer));
	int connected = getpeername(fd, (struct sockaddr *)&peer, &len) == 0;
	const void *want =
		fam == AF_INET
			? (const void *)&((struct sockaddr_in *)&me)->sin_addr
			: (const void *)&((struct sockaddr_in6 *)&me)
				  ->sin6_addr;
	size_t alen = fam == AF_INET ? 4 : 16;
	int found = 0;
	for (char *line = strchr(s, '\n'); line && line[1];
	     line = strchr(line + 1, '\n')) {
		struct sockline sl;
		if (parse_line(line + 1, &sl) < 0)
			continue;
		if ((int)sl.lport != addr_port(&me) ||
		    (connected && (int)sl.rport != addr_port(&peer)) ||
		    (!connected && sl.rport != 0))
			continue;
		found++;
		/* UDP counts queued memory (skb truesize, which depends on
		 * the kernel build), TCP counts bytes. */
		char q[64];
		if (strstr(path, "udp"))
			snprintf(q, sizeof(q), "rx_queue nonzero %d",
				 sl.rxq != 0);
		else
			snprintf(q, sizeof(q), "rx_queue %lu", sl.rxq);
		printf("%s %s: state %02X local address ok %d tx_queue %lu %s "
		       "uid is ours %d inode is the socket's %d\n",
		       path, what, sl.st, memcmp(sl.local, want, alen) == 0,
		       sl.txq, q, sl.uid == getuid(), sl.inode == inode_of(fd));
	}
	if (found != 1)
		printf("%s %s: found %d lines\n", path, what, found);
}

static void sockets(void)
{
	char buf[16];
	int fams[2] = { AF_INET, AF_INET6 };
	for (int i = 0; i < 2; i++) {
		int fam = fams[i];
		const char *tcp =
			fam == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6";
		const char *udp =
			fam == AF_INET ? "/proc/net/udp" : "/proc/net/udp6";
		first_line(tcp);
		int l = lo_listener(fam, 7);
		find_sock(tcp, "listener, backlog 7", l, fam);
		int c = lo_connect(fam, local_port(l));
		wait_ev(l, POLLIN);
		find_sock(tcp, "listener, one pending", l, fam);
		int s = accept(l, NULL, NULL);
		send(c, "12345", 5, 0);
		wait_inq(s, 5);
		find_sock(tcp, "accepted, 5 bytes unread", s, fam);
		find_sock(tcp, "client", c, fam);
		recv(s, buf, sizeof(buf), 0);
		shutdown(c, SHUT_WR);
		wait_ev(s, POLLRDHUP);
		find_sock(tcp, "peer of SHUT_WR", s, fam);
		close(c);
		close(s);
		close(l);
		first_line(udp);
		int u = lo_socket(fam, SOCK_DGRAM);
		find_sock(udp, "bound", u, fam);
		int u2 = socket(fam, SOCK_DGRAM, 0);
		struct sockaddr_storage to = { 0 };
		socklen_t tl = lo_addr(fam, &to, local_port(u));
		sendto(u2, "x", 1, 0, (struct sockaddr *)&to, tl);
		wait_ev(u, POLLIN);
		char *t = slurp(udp);
		int rxq_nonzero = 0;
		for (char *line = t ? strchr(t, '\n') : NULL; line && line[1];
		     line = strchr(line + 1, '\n')) {
			struct sockline sl;
			if (parse_line(line + 1, &sl) == 0 &&
			    (int)sl.lport == local_port(u))
				rxq_nonzero = sl.rxq > 0;
		}
		printf("%s with a datagram queued: rx_queue nonzero %d\n", udp,
		       rxq_nonzero);
		connect(u, (struct sockaddr *)&to, tl);
		find_sock(udp, "connected to itself", u, fam);
		close(u2);
		close(u);
	}
	/* A v6 dual-stack listener is in tcp6 only. */
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_storage any = { 0 };
	socklen_t al = mk_addr(&any, "::", 0);
	bind(l, (struct sockaddr *)&any, al);
	listen(l, 1);
	find_sock("/proc/net/tcp6", "dual-stack [::] listener", l, AF_INET6);
	char *t = slurp("/proc/net/tcp");
	int in_v4 = 0;
	for (char *line = t ? strchr(t, '\n') : NULL; line && line[1];
	     line = strchr(line + 1, '\n')) {
		struct sockline sl;
		if (parse_line(line + 1, &sl) == 0 &&
		    (int)sl.lport == local_port(l))
			in_v4 = 1;
	}
	printf("/proc/net/tcp has the dual-stack listener %d\n", in_v4);
	close(l);
}

/* Prints the field names of the lines starting with prefix (the header
 * lines of /proc/net/snmp and the like) and checks the value line that
 * follows has as many fields. */
static void snmp_fields(const char *path, const char *prefix)
{
	char *s = slurp(path);
	if (!s)
		return;
	size_t pl = strlen(prefix);
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t ll = nl ? (size_t)(nl - line) : strlen(line);
		if (strncmp(line, prefix, pl) == 0 && line[pl] == ' ' &&
		    !isdigit((unsigned char)line[pl + 1]) &&
		    line[pl + 1] != '-') {
			printf("%s %.*s\n", path, (int)ll, line);
			int names = 0, vals = 0;
			for (size_t i = pl; i < ll; i++)
				names += line[i] == ' ';
			char *v = nl ? nl + 1 : NULL;
			if (v && strncmp(v, prefix, pl) == 0) {
				char *vn = strchr(v, '\n');
				size_t vl = vn ? (size_t)(vn - v) : strlen(v);
				for (size_t i = pl; i < vl; i++)
					vals += v[i] == ' ';
			}
			printf("  values line has as many fields %d\n",
			       names == vals);
			return;
		}
		line = nl ? nl + 1 : NULL;
	}
	printf("%s: no %s line\n", path, prefix);
}

/* The value of field name on the prefix lines of path, as text. */
static void snmp_value(const char *path, const char *prefix, const char *name)
{
	char *s = slurp(path);
	if (!s)
		return;
	char *h = strstr(s, prefix);
	while (h && (h != s && h[-1] != '\n'))
		h = strstr(h + 1, prefix);
	if (!h) {
		printf("%s %s%s: missing\n", path, prefix, name);
		return;
	}
	char *v = strchr(h, '\n');
	if (!v)
		return;
	v++;
	char hb[4096], vb[4096];
	sscanf(h, "%4095[^\n]", hb);
	sscanf(v, "%4095[^\n]", vb);
	char *hs, *vs;
	char *ht = strtok_r(hb, " ", &hs);
	char *vt = strtok_r(vb, " ", &vs);
	while (ht && vt) {
		if (strcmp(ht, name) == 0) {
			printf("%s %s %s = %s\n", path, prefix, name, vt);
			return;
		}
		ht = strtok_r(NULL, " ", &hs);
		vt = strtok_r(NULL, " ", &vs);
	}
	printf("%s %s%s: missing\n", path, prefix, name);
}

static void files(void)
{
	char *s;
	char link[64] = { 0 };
	ssize_t n = readlink("/proc/net", link, sizeof(link) - 1);
	printf("readlink /proc/net: %zd \"%s\"\n", n, n > 0 ? link : "");
	s = slurp("/proc/net/dev");
	if (s) {
		char *l2 = strchr(s, '\n');
		char *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
		printf("/proc/net/dev headers: \"%.*s\"\n",
		       l2 ? (int)(l2 - s) : 0, s);
		if (l2 && l3)
			printf("  \"%.*s\"\n", (int)(l3 - l2 - 1), l2 + 1);
		int lo = 0;
		for (char *l = l3; l && l[1]; l = strchr(l + 1, '\n')) {
			char name[32];
			if (sscanf(l + 1, " %31[^:]:", name) == 1 &&
			    strcmp(name, "lo") == 0)
				lo = 1;
		}
		printf("  has lo %d\n", lo);
	}
	snmp_fields("/proc/net/snmp", "Ip:");
	snmp_fields("/proc/net/snmp", "Tcp:");
	snmp_fields("/proc/net/snmp", "Udp:");
	snmp_value("/proc/net/snmp", "Ip:", "DefaultTTL");
	snmp_value("/proc/net/snmp", "Tcp:", "RtoAlgorithm");
	snmp_value("/proc/net/snmp", "Tcp:", "RtoMin");
	snmp_value("/proc/net/snmp", "Tcp:", "RtoMax");
	snmp_value("/proc/net/snmp", "Tcp:", "MaxConn");
	s = slurp("/proc/net/sockstat");
	if (s) {
		/* "TCP: inuse 3 orphan 0 ..." -> "TCP: inuse orphan ...". */
		for (char *line = s; line && *line;) {
			char *nl = strchr(line, '\n');
			char out[256] = "";
			char lb[256];
			snprintf(lb, sizeof(lb), "%.*s",
				 nl ? (int)(nl - line) : (int)strlen(line),
				 line);
			char *sp, *tok = strtok_r(lb, " ", &sp);
			for (int i = 0; tok;
			     i++, tok = strtok_r(NULL, " ", &sp))
				if (i == 0 || i % 2 == 1) {
					strncat(out, tok,
						sizeof(out) - strlen(out) - 2);
					strcat(out, " ");
				}
			printf("/proc/net/sockstat keys: %s\n", out);
			line = nl ? nl + 1 : NULL;
		}
	}
	s = slurp("/proc/net/if_inet6");
	if (s) {
		int found = 0;
		for (char *line = s; line && *line;) {
			char addr[40], name[32];
			unsigned idx, plen, scope, flags;
			if (sscanf(line, "%39s %x %x %x %x %31s", addr, &idx,
				   &plen, &scope, &flags, name) == 6 &&
			    strcmp(name, "lo") == 0) {
				found++;
				printf("/proc/net/if_inet6 lo: %s prefix %u "
				       "scope 0x%x flags 0x%x\n",
				       addr, plen, scope, flags);
			}
			line = strchr(line, '\n');
			if (line)
				line++;
		}
		printf("  lo lines %d\n", found);
	}
	first_line("/proc/net/route");
	s = slurp("/proc/sys/net/ipv4/ip_local_port_range");
	if (s) {
		int lo = -1, hi = -1;
		int k = sscanf(s, "%d %d", &lo, &hi);
		int u = lo_socket(AF_INET, SOCK_DGRAM);
		int p = local_port(u);
		close(u);
		printf("ip_local_port_range: two numbers %d low < high %d, an "
		       "ephemeral port is in it %d\n",
		       k == 2, lo < hi, p >= lo && p <= hi);
	}
	s = slurp("/proc/sys/net/core/somaxconn");
	if (s)
		printf("somaxconn: a positive number %d\n", atoi(s) > 0);
	static const char *triples[] = { "/proc/sys/net/ipv4/tcp_rmem",
					 "/proc/sys/net/ipv4/tcp_wmem" };
	for (int i = 0; i < 2; i++) {
		s = slurp(triples[i]);
		if (!s)
			continue;
		long a, b, c;
		int k = sscanf(s, "%ld %ld %ld", &a, &b, &c);
		printf("%s: three numbers %d ascending %d\n", triples[i],
		       k == 3, a <= b && b <= c);
	}
	s = slurp("/proc/sys/net/ipv4/ping_group_range");
	if (s) {
		long a, b;
		printf("ping_group_range: two numbers %d\n",
		       sscanf(s, "%ld %ld", &a, &b) == 2);
	}
	s = slurp("/proc/sys/net/ipv4/tcp_congestion_control");
	if (s)
		printf("tcp_congestion_control: a name %d\n",
		       isalpha((unsigned char)s[0]) != 0);
	s = slurp("/proc/sys/net/ipv6/bindv6only");
	if (s)
		printf("bindv6only: %d\n", atoi(s));
}

int main(void)
{
	watchdog(20);
	sockets();
	files();
	return 0;
}

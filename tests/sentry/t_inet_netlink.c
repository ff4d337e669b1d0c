/* Differential test: NETLINK_ROUTE and getifaddrs. RTM_GETLINK,
 * RTM_GETADDR and RTM_GETROUTE dumps parsed by hand with message-level
 * checks (sequence numbers, port ids, NLM_F_MULTI, NLMSG_DONE, MSG_PEEK|
 * MSG_TRUNC sizing), single requests and acks, NLMSG_ERROR for bad
 * requests, NETLINK_EXT_ACK and NETLINK_CAP_ACK. Only lo's entries are
 * printed: the sandbox's other interfaces differ from the host's. */
#include "t_inet.h"
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

static int lo_index;
static uint32_t my_pid;

/* Sends a request of type with the payload; returns send's result. */
static ssize_t request(int fd, int type, int flags, uint32_t seq,
		       const void *payload, size_t plen)
{
	unsigned char b[512];
	struct nlmsghdr h = { .nlmsg_len = NLMSG_LENGTH(plen),
			      .nlmsg_type = (uint16_t)type,
			      .nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags),
			      .nlmsg_seq = seq };
	memset(b, 0, sizeof(b));
	memcpy(b, &h, sizeof(h));
	memcpy(b + NLMSG_HDRLEN, payload, plen);
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	return sendto(fd, b, NLMSG_ALIGN(h.nlmsg_len), 0, (struct sockaddr *)&k,
		      sizeof(k));
}

/* One attribute of a message body: type, payload and its length. */
struct attr {
	int type;
	const unsigned char *data;
	size_t len;
};

/* Walks the attributes in [p, p+n); calls fn for each. */
static void attrs(const unsigned char *p, size_t n,
		  void (*fn)(const struct attr *, void *), void *ctx)
{
	while (n >= sizeof(struct rtattr)) {
		struct rtattr ra;
		memcpy(&ra, p, sizeof(ra));
		if (ra.rta_len < sizeof(ra) || ra.rta_len > n)
			return;
		struct attr a = { ra.rta_type & NLA_TYPE_MASK,
				  p + RTA_LENGTH(0),
				  ra.rta_len - RTA_LENGTH(0) };
		fn(&a, ctx);
		size_t step = RTA_ALIGN(ra.rta_len);
		if (step > n)
			return;
		p += step;
		n -= step;
	}
}

/* What a dump's message-level checks saw. */
struct dump {
	int messages, datagrams;
	int seq_ok, pid_ok, multi_ok, peek_ok, type_ok;
	int done, done_multi, done_err, done_len;
	int errors, err_code;
};

typedef void (*msg_fn)(const struct nlmsghdr *, const unsigned char *, size_t,
		       void *);

/* Reads replies to seq until NLMSG_DONE or an error, or 2 s pass. Each
 * datagram is sized first with MSG_PEEK|MSG_TRUNC. */
static void read_dump(int fd, uint32_t seq, int want_type, struct dump *d,
		      msg_fn fn, void *ctx)
{
	static unsigned char b[65536];
	memset(d, 0, sizeof(*d));
	d->seq_ok = d->pid_ok = d->multi_ok = d->peek_ok = d->type_ok = 1;
	long end = now_ms() + 2000;
	while (!d->done && !d->errors && now_ms() < end) {
		if (!(wait_ev(fd, POLLIN) & POLLIN))
			break;
		ssize_t peek =
			recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
		if (n <= 0)
			break;
		d->datagrams++;
		d->peek_ok &= peek == n;
		size_t off = 0;
		while (off + NLMSG_HDRLEN <= (size_t)n) {
			struct nlmsghdr h;
			memcpy(&h, b + off, sizeof(h));
			if (h.nlmsg_len < NLMSG_HDRLEN ||
			    off + h.nlmsg_len > (size_t)n)
				break;
			d->seq_ok &= h.nlmsg_seq == seq;
			d->pid_ok &= h.nlmsg_pid == my_pid;
			const unsigned char *body = b + off + NLMSG_HDRLEN;
			size_t blen = h.nlmsg_len - NLMSG_HDRLEN;
			if (h.nlmsg_type == NLMSG_DONE) {
				d->done = 1;
				d->done_multi =
					(h.nlmsg_flags & NLM_F_MULTI) != 0;
				d->done_len = (int)h.nlmsg_len;
				if (blen >= 4)
					memcpy(&d->done_err, body, 4);
			} else if (h.nlmsg_type == NLMSG_ERROR) {
				d->errors++;
				if (blen >= 4)
					memcpy(&d->err_code, body, 4);
			} else {
				d->messages++;
				d->multi_ok &=
					(h.nlmsg_flags & NLM_F_MULTI) != 0;
				d->type_ok &= h.nlmsg_type == want_type;
				if (fn)
					fn(&h, body, blen, ctx);
			}
			off += NLMSG_ALIGN(h.nlmsg_len);
		}
	}
}

static void print_dump(const char *what, const struct dump *d)
{
	printf("%s: messages > 0 %d, datagrams > 0 %d, seq ok %d, pid ok %d, "
	       "type ok %d, all NLM_F_MULTI %d, peek size ok %d, DONE %d "
	       "(MULTI %d, len %d, error %d), NLMSG_ERROR %d\n",
	       what, d->messages > 0, d->datagrams > 0, d->seq_ok, d->pid_ok,
	       d->type_ok, d->multi_ok, d->peek_ok, d->done, d->done_multi,
	       d->done_len, d->done_err, d->errors);
}

struct link_info {
	char name[IFNAMSIZ];
	uint32_t mtu, txqlen;
	unsigned char addr[32], brd[32];
	size_t addr_len, brd_len;
	int operstate;
};

static void link_attr(const struct attr *a, void *ctx)
{
	struct link_info *li = ctx;
	switch (a->type) {
	case IFLA_IFNAME:
		snprintf(li->name, sizeof(li->name), "%.*s", (int)a->len,
			 (const char *)a->data);
		break;
	case IFLA_MTU:
		if (a->len == 4)
			memcpy(&li->mtu, a->data, 4);
		break;
	case IFLA_TXQLEN:
		if (a->len == 4)
			memcpy(&li->txqlen, a->data, 4);
		break;
	case IFLA_ADDRESS:
		li->addr_len = a->len < 32 ? a->len : 32;
		memcpy(li->addr, a->data, li->addr_len);
		break;
	case IFLA_BROADCAST:
		li->brd_len = a->len < 32 ? a->len : 32;
		memcpy(li->brd, a->data, li->brd_len);
		break;
	case IFLA_OPERSTATE:
		if (a->len == 1)
			li->operstate = a->data[0];
		break;
	}
}

static void hex(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%s%02x", i ? ":" : "", p[i]);
}

static void on_link(const struct nlmsghdr *h, const unsigned char *body,
		    size_t n, void *ctx)
{
	int *seen_lo = ctx;
	struct ifinfomsg ifi;
	(void)h;
	if (n < sizeof(ifi))
		return;
	memcpy(&ifi, body, sizeof(ifi));
	struct link_info li;
	memset(&li, 0, sizeof(li));
	li.operstate = -1;
	attrs(body + NLMSG_ALIGN(sizeof(ifi)), n - NLMSG_ALIGN(sizeof(ifi)),
	      link_attr, &li);
	if (strcmp(li.name, "lo") != 0)
		return;
	(*seen_lo)++;
	printf("  link lo: index is lo's %d family %d type %d flags 0x%x mtu "
	       "%u txqlen %u operstate %d address ",
	       ifi.ifi_index == lo_index, ifi.ifi_family, ifi.ifi_type,
	       ifi.ifi_flags, li.mtu, li.txqlen, li.operstate);
	hex(li.addr, li.addr_len);
	printf(" broadcast ");
	hex(li.brd, li.brd_len);
	printf("\n");
}

struct addr_info {
	unsigned char local[16], address[16];
	int have_local, have_address;
	char label[IFNAMSIZ];
};

static void addr_attr(const struct attr *a, void *ctx)
{
	struct addr_info *ai = ctx;
	if (a->type == IFA_LOCAL && a->len <= 16) {
		memcpy(ai->local, a->data, a->len);
		ai->have_local = 1;
	} else if (a->type == IFA_ADDRESS && a->len <= 16) {
		memcpy(ai->address, a->data, a->len);
		ai->have_address = 1;
	} else if (a->type == IFA_LABEL) {
		snprintf(ai->label, sizeof(ai->label), "%.*s", (int)a->len,
			 (const char *)a->data);
	}
}

static void on_addr(const struct nlmsghdr *h, const unsigned char *body,
		    size_t n, void *ctx)
{
	int *seen = ctx;
	struct ifaddrmsg ifa;
	char a1[64] = "-", a2[64] = "-";
	(void)h;
	if (n < sizeof(ifa))
		return;
	memcpy(&ifa, body, sizeof(ifa));
	if ((int)ifa.ifa_index != lo_index)
		return;
	struct addr_info ai;
	memset(&ai, 0, sizeof(ai));
	attrs(body + NLMSG_ALIGN(sizeof(ifa)), n - NLMSG_ALIGN(sizeof(ifa)),
	      addr_attr, &ai);
	if (ai.have_local)
		inet_ntop(ifa.ifa_family, ai.local, a1, sizeof(a1));
	if (ai.have_address)
		inet_ntop(ifa.ifa_family, ai.address, a2, sizeof(a2));
	(*seen)++;
	printf("  addr lo: family %d prefixlen %d scope %d flags 0x%x local "
	       "%s address %s label \"%s\"\n",
	       ifa.ifa_family, ifa.ifa_prefixlen, ifa.ifa_scope, ifa.ifa_flags,
	       a1, a2, ai.label);
}

struct route_info {
	unsigned char dst[16], src[16];
	int have_dst, have_src;
	int oif;
	uint32_t table;
};

static void route_attr(const struct attr *a, void *ctx)
{
	struct route_info *ri = ctx;
	if (a->type == RTA_DST && a->len <= 16) {
		memcpy(ri->dst, a->data, a->len);
		ri->have_dst = 1;
	} else if (a->type == RTA_PREFSRC && a->len <= 16) {
		memcpy(ri->src, a->data, a->len);
		ri->have_src = 1;
	} else if (a->type == RTA_OIF && a->len == 4) {
		memcpy(&ri->oif, a->data, 4);
	} else if (a->type == RTA_TABLE && a->len == 4) {
		memcpy(&ri->table, a->data, 4);
	}
}

static void on_route(const struct nlmsghdr *h, const unsigned char *body,
		     size_t n, void *ctx)
{
	int *seen = ctx;
	struct rtmsg rt;
	char d[64] = "default", s[64] = "-";
	(void)h;
	if (n < sizeof(rt))
		return;
	memcpy(&rt, body, sizeof(rt));
	struct route_info ri;
	memset(&ri, 0, sizeof(ri));
	attrs(body + NLMSG_ALIGN(sizeof(rt)), n - NLMSG_ALIGN(sizeof(rt)),
	      route_attr, &ri);
	if (ri.oif != lo_index)
		return;
	if (ri.have_dst)
		inet_ntop(rt.rtm_family, ri.dst, d, sizeof(d));
	if (ri.have_src)
		inet_ntop(rt.rtm_family, ri.src, s, sizeof(s));
	(*seen)++;
	printf("  route lo: family %d %s/%d table %u type %d scope %d "
	       "protocol %d prefsrc %s\n",
	       rt.rtm_family, d, rt.rtm_dst_len, ri.table, rt.rtm_type,
	       rt.rtm_scope, rt.rtm_protocol, s);
}

/* The first reply to seq: its type, flags and error code (for
 * NLMSG_ERROR) with the length of the message; 0 if none came. */
struct one {
	int got, type, flags, len, err;
	uint32_t seq, orig_seq;
	int has_tlvs, has_msg;
};

static void err_tlv(const struct attr *a, void *ctx)
{
	struct one *o = ctx;
	o->has_tlvs = 1;
	if (a->type == NLMSGERR_ATTR_MSG)
		o->has_msg = 1;
}

static void read_one(int fd, struct one *o, int wait)
{
	static unsigned char b[65536];
	memset(o, 0, sizeof(*o));
	if (wait)
		wait_ev(fd, POLLIN);
	ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
	if (n < (ssize_t)NLMSG_HDRLEN) {
		o->err = n < 0 ? -errno : 0;
		return;
	}
	struct nlmsghdr h;
	memcpy(&h, b, sizeof(h));
	o->got = 1;
	o->type = h.nlmsg_type;
	o->flags = h.nlmsg_flags;
	o->len = (int)h.nlmsg_len;
	o->seq = h.nlmsg_seq;
	if (h.nlmsg_type == NLMSG_DONE && n >= (ssize_t)NLMSG_LENGTH(4)) {
		/* A dump's error, with extended ack attributes after it. */
		memcpy(&o->err, b + NLMSG_HDRLEN, 4);
		if (h.nlmsg_flags & NLM_F_ACK_TLVS && h.nlmsg_len <= n)
			attrs(b + NLMSG_LENGTH(4),
			      h.nlmsg_len - NLMSG_LENGTH(4), err_tlv, o);
	}
	if (h.nlmsg_type == NLMSG_ERROR && n >= (ssize_t)NLMSG_LENGTH(20)) {
		struct nlmsgerr e;
		memcpy(&e, b + NLMSG_HDRLEN, sizeof(e));
		o->err = e.error;
		o->orig_seq = e.msg.nlmsg_seq;
		size_t skip = NLMSG_HDRLEN + sizeof(e);
		if (!(h.nlmsg_flags & NLM_F_CAPPED))
			skip += NLMSG_ALIGN(e.msg.nlmsg_len) - NLMSG_HDRLEN;
		if (h.nlmsg_flags & NLM_F_ACK_TLVS && skip < h.nlmsg_len)
			attrs(b + skip, h.nlmsg_len - skip, err_tlv, o);
	}
}

static const char *errname(int e)
{
	return e < 0 ? en(-e) : e == 0 ? "0" : "positive?";
}

static void netlink(void)
{
	struct dump d;
	printf("-- netlink\n");
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	ok("socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)", fd);
	if (fd < 0)
		return;
	bound(fd, 2000);
	struct sockaddr_nl sa;
	socklen_t len = sizeof(sa);
	memset(&sa, 0xee, sizeof(sa));
	getsockname(fd, (struct sockaddr *)&sa, &len);
	printf("  getsockname before bind: family %d pid %u groups %u len %u\n",
	       sa.nl_family, sa.nl_pid, sa.nl_groups, len);
	sa = (struct sockaddr_nl){ .nl_family = AF_NETLINK };
	ok("  bind pid 0", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	len = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &len);
	my_pid = sa.nl_pid;
	printf("  bound pid is the process id %d\n",
	       sa.nl_pid == (uint32_t)getpid());
	int fd2 = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	sa = (struct sockaddr_nl){ .nl_family = AF_NETLINK, .nl_pid = my_pid };
	ok("  second socket bind the same pid",
	   bind(fd2, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd2);
	fd2 = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
	ok("socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE)", fd2);
	close(fd2);
	ok("socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE)",
	   socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE));
	ok("socket(AF_NETLINK, SOCK_RAW, 31)",
	   socket(AF_NETLINK, SOCK_RAW, 31));
	ok("socket(AF_NETLINK, SOCK_RAW, 12345)",
	   socket(AF_NETLINK, SOCK_RAW, 12345));

	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int seen = 0;
	request(fd, RTM_GETLINK, NLM_F_DUMP, 100, &ifi, sizeof(ifi));
	read_dump(fd, 100, RTM_NEWLINK, &d, on_link, &seen);
	print_dump("RTM_GETLINK dump", &d);
	printf("  lo seen %d\n", seen);

	struct ifaddrmsg ifa = { .ifa_family = AF_INET };
	seen = 0;
	request(fd, RTM_GETADDR, NLM_F_DUMP, 101, &ifa, sizeof(ifa));
	read_dump(fd, 101, RTM_NEWADDR, &d, on_addr, &seen);
	print_dump("RTM_GETADDR AF_INET dump", &d);
	ifa.ifa_family = AF_INET6;
	request(fd, RTM_GETADDR, NLM_F_DUMP, 102, &ifa, sizeof(ifa));
	read_dump(fd, 102, RTM_NEWADDR, &d, on_addr, &seen);
	print_dump("RTM_GETADDR AF_INET6 dump", &d);
	ifa.ifa_family = AF_UNSPEC;
	request(fd, RTM_GETADDR, NLM_F_DUMP, 103, &ifa, sizeof(ifa));
	read_dump(fd, 103, RTM_NEWADDR, &d, NULL, NULL);
	printf("RTM_GETADDR AF_UNSPEC dump: DONE %d messages >= lo's %d\n",
	       d.done, d.messages >= seen);

	struct rtmsg rt = { .rtm_family = AF_INET };
	seen = 0;
	request(fd, RTM_GETROUTE, NLM_F_DUMP, 104, &rt, sizeof(rt));
	read_dump(fd, 104, RTM_NEWROUTE, &d, on_route, &seen);
	print_dump("RTM_GETROUTE AF_INET dump", &d);
	rt.rtm_family = AF_INET6;
	request(fd, RTM_GETROUTE, NLM_F_DUMP, 105, &rt, sizeof(rt));
	read_dump(fd, 105, RTM_NEWROUTE, &d, on_route, &seen);
	print_dump("RTM_GETROUTE AF_INET6 dump", &d);

	/* Two dumps asked for at once: Linux runs one dump per socket at a
	 * time and answers the second with an error; the first completes. */
	request(fd, RTM_GETLINK, NLM_F_DUMP, 106, &ifi, sizeof(ifi));
	val("second dump while one is in progress",
	    request(fd, RTM_GETLINK, NLM_F_DUMP, 107, &ifi, sizeof(ifi)));
	{
		static unsigned char b[65536];
		int links = 0, done = 0, err107 = 1, other = 0;
		long end = now_ms() + 2000;
		while ((!done || err107 > 0) && now_ms() < end) {
			if (!(wait_ev(fd, POLLIN) & POLLIN))
				break;
			ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
			for (size_t off = 0;
			     n > 0 && off + NLMSG_HDRLEN <= (size_t)n;) {
				struct nlmsghdr h;
				memcpy(&h, b + off, sizeof(h));
				if (h.nlmsg_len < NLMSG_HDRLEN)
					break;
				if (h.nlmsg_seq == 106 &&
				    h.nlmsg_type == RTM_NEWLINK)
					links++;
				else if (h.nlmsg_seq == 106 &&
					 h.nlmsg_type == NLMSG_DONE)
					done = 1;
				else if (h.nlmsg_seq == 107 &&
					 h.nlmsg_type == NLMSG_ERROR &&
					 h.nlmsg_len >= NLMSG_LENGTH(4))
					memcpy(&err107, b + off + NLMSG_HDRLEN,
					       4);
				else
					other++;
				off += NLMSG_ALIGN(h.nlmsg_len);
			}
		}
		printf("  first dump: links %d DONE %d; second: error %s; "
		       "other messages %d\n",
		       links > 0, done, errname(err107), other);
	}
	struct one o;
	/* A single link, by index, with and without an ack. */
	ifi.ifi_index = lo_index;
	request(fd, RTM_GETLINK, 0, 200, &ifi, sizeof(ifi));
	read_one(fd, &o, 1);
	printf("RTM_GETLINK lo: got %d type %d multi %d seq ok %d\n", o.got,
	       o.type, (o.flags & NLM_F_MULTI) != 0, o.seq == 200);
	read_one(fd, &o, 0);
	printf("  then nothing %d\n", !o.got);
	request(fd, RTM_GETLINK, NLM_F_ACK, 201, &ifi, sizeof(ifi));
	read_one(fd, &o, 1);
	printf("RTM_GETLINK lo with NLM_F_ACK: type %d\n", o.type);
	read_one(fd, &o, 1);
	printf("  then type %d error %s len %d seq ok %d orig seq ok %d\n",
	       o.type, errname(o.err), o.len, o.seq == 201, o.orig_seq == 201);
	ifi.ifi_index = 99999;
	request(fd, RTM_GETLINK, 0, 202, &ifi, sizeof(ifi));
	read_one(fd, &o, 1);
	printf("RTM_GETLINK index 99999: type %d error %s len %d flags 0x%x "
	       "orig seq ok %d\n",
	       o.type, errname(o.err), o.len, o.flags, o.orig_seq == 202);
	ifi.ifi_index = 0;
	request(fd, 0x3ff, 0, 203, &ifi, sizeof(ifi));
	read_one(fd, &o, 1);
	printf("unknown type 0x3ff: type %d error %s\n", o.type,
	       errname(o.err));
	request(fd, RTM_NEWLINK - 1, NLM_F_ACK, 204, &ifi, sizeof(ifi));
	read_one(fd, &o, 1);
	printf("type 15 (a control type) with ack: type %d error %s seq ok "
	       "%d\n",
	       o.type, errname(o.err), o.seq == 204);
	request(fd, NLMSG_NOOP, NLM_F_ACK, 205, &ifi, sizeof(ifi));
	read_one(fd, &o, 1);
	printf("NLMSG_NOOP with ack: got %d type %d error %s seq ok %d\n",
	       o.got, o.type, errname(o.err), o.seq == 205);
	/* Too short to name a family: ignored, but still acknowledged. */
	request(fd, RTM_GETLINK, NLM_F_ACK, 206, &ifi, 0);
	read_one(fd, &o, 1);
	printf("RTM_GETLINK without a body, with ack: got %d type %d error %s seq ok "
	       "%d\n",
	       o.got, o.type, errname(o.err), o.seq == 206);

	/* Malformed headers are dropped without a reply. */
	unsigned char raw[32];
	memset(raw, 0, sizeof(raw));
	struct nlmsghdr h = { .nlmsg_len = 8,
			      .nlmsg_type = RTM_GETLINK,
			      .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
			      .nlmsg_seq = 300 };
	memcpy(raw, &h, sizeof(h));
	val("send nlmsg_len 8", send(fd, raw, 32, 0));
	h.nlmsg_len = 1000;
	memcpy(raw, &h, sizeof(h));
	val("send nlmsg_len 1000 in 32 bytes", send(fd, raw, 32, 0));
	val("send 8 bytes", send(fd, raw, 8, 0));
	/* A no-op with an ack, to know the others were processed. */
	request(fd, NLMSG_NOOP, NLM_F_ACK, 301, &ifi, sizeof(ifi));
	read_one(fd, &o, 1);
	printf("  replies: first is the ack of seq 301 %d\n", o.seq == 301);

	/* Extended acks. */
	ok("NETLINK_EXT_ACK on", set_int(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1));
	printf("  get %d\n", int_opt(fd, SOL_NETLINK, NETLINK_EXT_ACK));
	ok("NETLINK_GET_STRICT_CHK on",
	   set_int(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1));
	ifi = (struct ifinfomsg){ .ifi_family = AF_UNSPEC, .ifi_flags = 1 };
	request(fd, RTM_GETLINK, NLM_F_DUMP, 400, &ifi, sizeof(ifi));
	read_one(fd, &o, 1);
	printf("strict dump with ifi_flags set: type %d error %s ACK_TLVS %d "
	       "has message %d seq ok %d\n",
	       o.type, errname(o.err), (o.flags & NLM_F_ACK_TLVS) != 0,
	       o.has_msg, o.seq == 400);
	ok("NETLINK_CAP_ACK on", set_int(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1));
	ifi = (struct ifinfomsg){ .ifi_index = 99999 };
	request(fd, RTM_GETLINK, 0, 401, &ifi, sizeof(ifi));
	read_one(fd, &o, 1);
	printf("capped error: type %d error %s len %d CAPPED %d\n", o.type,
	       errname(o.err), o.len, (o.flags & NLM_F_CAPPED) != 0);
	ok("SOL_NETLINK option 12345", set_int(fd, SOL_NETLINK, 12345, 1));

	/* A datagram larger than the buffer is truncated and the rest is
	 * lost. */
	ifi = (struct ifinfomsg){ .ifi_index = lo_index };
	request(fd, RTM_GETLINK, 0, 500, &ifi, sizeof(ifi));
	wait_ev(fd, POLLIN);
	unsigned char small[20];
	struct iovec iov = { small, sizeof(small) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);
	printf("recvmsg 20-byte buffer: %zd MSG_TRUNC %d\n", n,
	       (m.msg_flags & MSG_TRUNC) != 0);
	read_one(fd, &o, 0);
	printf("  then nothing %d\n", !o.got);
	close(fd);
}

static void show_ifaddrs(void)
{
	struct ifaddrs *ifa = NULL;
	printf("-- getifaddrs\n");
	int r = getifaddrs(&ifa);
	ok("getifaddrs", r);
	if (r < 0)
		return;
	int others = 0, named = 1;
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		named &= i->ifa_name && i->ifa_name[0];
		if (!i->ifa_name || strcmp(i->ifa_name, "lo") != 0) {
			others++;
			continue;
		}
		int fam = i->ifa_addr ? i->ifa_addr->sa_family : -1;
		char a[64] = "-", nm[64] = "-";
		if (fam == AF_INET) {
			inet_ntop(
				AF_INET,
				&((struct sockaddr_in *)i->ifa_addr)->sin_addr,
				a, sizeof(a));
			inet_ntop(AF_INET,
				  &((struct sockaddr_in *)i->ifa_netmask)
					   ->sin_addr,
				  nm, sizeof(nm));
		} else if (fam == AF_INET6) {
			inet_ntop(AF_INET6,
				  &((struct sockaddr_in6 *)i->ifa_addr)
					   ->sin6_addr,
				  a, sizeof(a));
			inet_ntop(AF_INET6,
				  &((struct sockaddr_in6 *)i->ifa_netmask)
					   ->sin6_addr,
				  nm, sizeof(nm));
		}
		printf("lo family %d flags 0x%x addr %s netmask %s\n", fam,
		       i->ifa_flags, a, nm);
	}
	printf("other entries all named %d\n", named);
	(void)others;
	freeifaddrs(ifa);
}

int main(void)
{
	watchdog(20);
	lo_index = (int)if_nametoindex("lo");
	printf("lo index: %d\n", lo_index);
	netlink();
	show_ifaddrs();
	return 0;
}

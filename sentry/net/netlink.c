/* AF_NETLINK sockets (netlink(7)) answered from the sandbox's netstack:
 * NETLINK_ROUTE (net/rtnetlink.c) and NETLINK_SOCK_DIAG (net/sockdiag.c).
 * Other protocols fail with EPROTONOSUPPORT, as Linux does for one whose
 * module is not loaded.
 *
 * The socket follows Linux's af_netlink.c: port ids (autobind gives the
 * first socket of a process its pid and later ones negative numbers),
 * one datagram per recvmsg, MSG_PEEK and MSG_TRUNC (which `ip` uses to
 * size its buffer), acks and errors as netlink_ack builds them (the
 * request echoed unless NETLINK_CAP_ACK, extended-ack attributes with
 * NETLINK_EXT_ACK), and dumps cut into datagrams as large as the reader's
 * largest buffer so far (netlink_dump: NLMSG_GOODSIZE at first, up to
 * 32 KiB), so that a reader with a page-sized buffer (glibc's getifaddrs)
 * never sees MSG_TRUNC. The answer to a dump is computed when it is
 * asked for (a consistent snapshot); its datagrams are made as the reader
 * drains the queue, as netlink_dump does on every recvmsg.
 *
 * Memberships of the route and sock_diag groups are accepted; the only
 * notifications delivered are those of changes made through netlink in
 * the sandbox itself (the netstack does not report its own changes, such
 * as SLAAC addresses or neighbour state, to anyone).
 *
 * The receive queue is bounded by SO_RCVBUF: a reply that finds it over
 * the limit is dropped and the socket's error becomes ENOBUFS (unless
 * NETLINK_NO_ENOBUFS), as netlink_overrun does.
 */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "net/net.h"
#include "net/netlink.h"
#include "net/sock.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#endif
#ifndef CAP_NET_ADMIN
#define CAP_NET_ADMIN 12
#endif

/* skb sizes of Linux on x86-64 with 4 KiB pages: an skb of size x holds
 * SKB_WITH_OVERHEAD(x) = x - 320 bytes of messages. */
#define NL_GOODSIZE   (4096 - 320)  /* NLMSG_GOODSIZE */
#define NL_DUMP_MAX   (32768 - 320) /* max_recvmsg_len's cap */
#define NL_OVERHEAD   576    /* SKB_TRUESIZE(0): the charge per datagram */
#define NL_BUF_DFL    212992 /* net.core.rmem_default, wmem_default */
#define NL_BUF_MAX    212992 /* net.core.rmem_max, wmem_max */
#define NL_SNDBUF_MIN 4608   /* SOCK_MIN_SNDBUF */
#define NL_RCVBUF_MIN 2304   /* SOCK_MIN_RCVBUF */

/* Socket flags (nlk->flags) set with SOL_NETLINK options. */
enum {
	NLF_PKTINFO = 1u << 0,
	NLF_BROADCAST_ERROR = 1u << 1,
	NLF_NO_ENOBUFS = 1u << 2,
	NLF_LISTEN_ALL_NSID = 1u << 3,
	NLF_CAP_ACK = 1u << 4,
	NLF_EXT_ACK = 1u << 5,
	NLF_STRICT_CHK = 1u << 6,
};

/* SOL_SOCKET booleans kept only to be read back. */
enum {
	SOF_REUSEADDR = 1u << 0,
	SOF_REUSEPORT = 1u << 1,
	SOF_KEEPALIVE = 1u << 2,
	SOF_BROADCAST = 1u << 3,
	SOF_DONTROUTE = 1u << 4,
	SOF_OOBINLINE = 1u << 5,
	SOF_PASSCRED = 1u << 6,
	SOF_TIMESTAMP = 1u << 7,
	SOF_TIMESTAMPNS = 1u << 8,
	SOF_RXQ_OVFL = 1u << 9,
	SOF_NO_CHECK = 1u << 10,
	SOF_PASSSEC = 1u << 11,
	SOF_SELECT_ERR_QUEUE = 1u << 12,
	SOF_WIFI_STATUS = 1u << 13,
	SOF_NOFCS = 1u << 14,
};

struct nl_dgram {
	struct rs_list link;
	uint32_t len;
	uint32_t portid; /* sender: 0 for the kernel */
	uint32_t group;	 /* 1-based group of a notification, 0: unicast */
	struct ucred cred;
	char data[];
};

/* A dump in progress: its messages and how far the datagrams got. The
 * NLMSG_DONE that ends it carries the dump's result (0, or the error a
 * dump request found, as Linux reports errors of its dumpit functions),
 * with the extended-ack message when the socket asked for them. */
struct nl_dump {
	struct nl_buf msgs;
	size_t off;
	uint32_t seq;
	uint16_t done_flags;
	int done_errno;
	const char *ext_msg;
};

struct nl_sock {
	struct sn_file *file;
	struct sn_kernel *k;
	struct rs_list link; /* in sn_net.netlink */
	int type;
	int protocol;
	unsigned ngroups; /* the protocol's groups */
	bool bound;
	uint32_t portid;
	uint32_t dst_portid, dst_group;
	uint64_t groups;     /* bit g-1: member of group g */
	bool groups_used;    /* groups allocated (NETLINK_LIST_MEMBERSHIPS) */
	uint32_t flags;	     /* NLF_* */
	uint32_t sflags;     /* SOF_* */
	bool opener_capable; /* the creator's CAP_NET_ADMIN */
	int rcvbuf, sndbuf;
	int priority, rcvlowat;
	uint32_t mark;
	struct linger linger;
	struct timeval rcvtimeo, sndtimeo;
	int err; /* pending sk_err (positive) */
	bool congested;
	uint64_t drops;
	struct rs_list rq;
	size_t rq_charge; /* sk_rmem_alloc */
	size_t max_recvmsg_len;
	struct nl_dump *dump;
	uint64_t ino;
};

static const struct sn_file_ops nl_ops;

static struct nl_sock *nl_of(struct sn_file *f)
{
	return f->priv;
}

/* ---- message building --------------------------------------------------- */

void nl_buf_free(struct nl_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int buf_append(struct nl_buf *b, const void *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (d == NULL)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

void *nl_msg_start(struct nl_msg *m, uint16_t type, uint16_t flags,
		   uint32_t seq, uint32_t portid, size_t hdrlen)
{
	m->full = false;
	m->nlh = mnl_nlmsg_put_header(m->u.buf);
	m->nlh->nlmsg_type = type;
	m->nlh->nlmsg_flags = flags;
	m->nlh->nlmsg_seq = seq;
	m->nlh->nlmsg_pid = portid;
	return mnl_nlmsg_put_extra_header(m->nlh, hdrlen);
}

void nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	if (!m->full &&
	    !mnl_attr_put_check(m->nlh, sizeof(m->u.buf), type, len, data))
		m->full = true;
}

void nl_put_u8(struct nl_msg *m, uint16_t type, uint8_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_put_u16(struct nl_msg *m, uint16_t type, uint16_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_put_u64(struct nl_msg *m, uint16_t type, uint64_t v)
{
	nl_put(m, type, &v, sizeof(v));
}

void nl_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	nl_put(m, type, s, strlen(s) + 1);
}

void nl_put_64bit(struct nl_msg *m, uint16_t type, const void *data, size_t len,
		  uint16_t pad)
{
	/* The payload follows the 4-byte attribute header. */
	if ((m->nlh->nlmsg_len + NLA_HDRLEN) % 8)
		nl_put(m, pad, NULL, 0);
	nl_put(m, type, data, len);
}

struct nlattr *nl_nest_start(struct nl_msg *m, uint16_t type)
{
	if (m->full)
		return NULL;
	struct nlattr *a =
		mnl_attr_nest_start_check(m->nlh, sizeof(m->u.buf), type);
	if (a == NULL)
		m->full = true;
	return a;
}

void nl_nest_end(struct nl_msg *m, struct nlattr *nest)
{
	if (nest && !m->full)
		mnl_attr_nest_end(m->nlh, nest);
}

int nl_buf_add(struct nl_buf *b, const struct nl_msg *m)
{
	if (m->full)
		return -EMSGSIZE;
	return buf_append(b, m->nlh, m->nlh->nlmsg_len);
}

/* ---- request parsing ----------------------------------------------------- */

int nl_err(struct nl_req *r, int err, const char *msg)
{
	r->ext_msg = msg;
	return err;
}

int nl_err_attr(struct nl_req *r, int err, const char *msg,
		const struct nlattr *attr)
{
	r->ext_msg = msg;
	if (attr)
		r->ext_off =
			(uint32_t)((const char *)attr - (const char *)r->nlh);
	return err;
}

static bool pol_ok(const struct nl_pol *p, const struct nlattr *a)
{
	size_t len = mnl_attr_get_payload_len(a);
	switch (p->kind) {
	case NL_U8:
		return len >= 1;
	case NL_U16:
		return len >= 2;
	case NL_U32:
		return len >= 4;
	case NL_U64:
		return len >= 8;
	case NL_BIN:
		return len >= p->len;
	case NL_STR: {
		if (len < 1)
			return false;
		const char *s = mnl_attr_get_payload(a);
		if (s[len - 1] == '\0')
			len--;
		return p->len == 0 || len <= p->len;
	}
	case NL_NEST:
		return len == 0 || len >= NLA_HDRLEN;
	default:
		return true;
	}
}

int nl_parse(struct nl_req *r, size_t hdrlen, const struct nlattr **tb,
	     unsigned max, const struct nl_pol *pol, bool strict)
{
	for (unsigned i = 0; i <= max; i++)
		tb[i] = NULL;
	const struct nlmsghdr *nlh = r->nlh;
	size_t payload = nlh->nlmsg_len - NLMSG_HDRLEN;
	if (payload < hdrlen)
		return nl_err(r, -EINVAL, "Invalid header");
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
	if (off > nlh->nlmsg_len)
		return 0; /* a header without attributes */
	const struct nlattr *a =
		(const struct nlattr *)(const void *)((const char *)nlh + off);
	int rem = (int)(nlh->nlmsg_len - off);
	while (mnl_attr_ok(a, rem)) {
		uint16_t type = mnl_attr_get_type(a);
		if (type > max || pol[type].kind == NL_NONE) {
			if (strict)
				return nl_err_attr(r, -EINVAL,
						   "Unknown attribute type", a);
		} else {
			if (!pol_ok(&pol[type], a))
				return nl_err_attr(
					r, -ERANGE,
					"Attribute failed policy validation",
					a);
			tb[type] = a;
		}
		rem -= (int)NLA_ALIGN(a->nla_len);
		a = mnl_attr_next(a);
	}
	if (strict && rem > 0)
		return nl_err(r, -EINVAL,
			      "bytes leftover after parsing attributes");
	return 0;
}

uint32_t nl_get_u32(const struct nlattr *a)
{
	uint32_t v;
	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return v;
}

uint8_t nl_get_u8(const struct nlattr *a)
{
	return *(const uint8_t *)mnl_attr_get_payload(a);
}

const void *nl_data(const struct nlattr *a)
{
	return mnl_attr_get_payload(a);
}

size_t nl_len(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a);
}

void nl_get_str(const struct nlattr *a, char *buf, size_t cap)
{
	size_t len = nl_len(a);
	const char *s = nl_data(a);
	size_t n = strnlen(s, len);
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, s, n);
	buf[n] = 0;
}

/* ---- queues --------------------------------------------------------------- */

static void nl_wake(struct nl_sock *s, uint32_t ev)
{
	sn_waitq_wake(&s->file->wq, ev);
}

/* netlink_overrun: a datagram was lost to a full queue. */
static void overrun(struct nl_sock *s)
{
	s->drops++;
	if (!(s->flags & NLF_NO_ENOBUFS) && !s->congested) {
		s->congested = true;
		s->err = ENOBUFS;
		nl_wake(s, POLLERR);
	}
}

static void enqueue(struct nl_sock *s, struct nl_dgram *d)
{
	rs_list_add_tail(&s->rq, &d->link);
	s->rq_charge += d->len + NL_OVERHEAD;
	nl_wake(s, POLLIN | POLLRDNORM);
}

static struct nl_dgram *dgram_new(const void *data, size_t len, uint32_t portid,
				  uint32_t group)
{
	struct nl_dgram *d = malloc(sizeof(*d) + len);
	if (d == NULL)
		return NULL;
	memset(d, 0, sizeof(*d));
	d->len = (uint32_t)len;
	d->portid = portid;
	d->group = group;
	if (data && len)
		memcpy(d->data, data, len);
	return d;
}

/* netlink_unicast to a socket: dropped when its queue is over SO_RCVBUF
 * or congested since the last overrun. */
static int deliver(struct nl_sock *s, const void *data, size_t len,
		   uint32_t portid, uint32_t group, const struct ucred *cred)
{
	if (s->congested || s->rq_charge > (size_t)s->rcvbuf) {
		overrun(s);
		return -ENOBUFS;
	}
	struct nl_dgram *d = dgram_new(data, len, portid, group);
	if (d == NULL)
		return -ENOMEM;
	if (cred)
		d->cred = *cred;
	enqueue(s, d);
	return 0;
}

static void dump_free(struct nl_sock *s)
{
	if (s->dump == NULL)
		return;
	nl_buf_free(&s->dump->msgs);
	free(s->dump);
	s->dump = NULL;
}

/* netlink_dump: one datagram of the running dump, as many whole
 * messages as fit the buffer size the reader has shown; NLMSG_DONE once
 * no message is left, in a datagram of its own (Linux's dumpit returns
 * the bytes it added, and only the call that adds nothing ends the dump:
 * until the reader takes that, the dump runs and a second one is EBUSY). */
static int dump_step(struct nl_sock *s)
{
	struct nl_dump *d = s->dump;
	if (s->rq_charge >= (size_t)s->rcvbuf)
		return -ENOBUFS;
	size_t room = NL_GOODSIZE;
	if (s->max_recvmsg_len > room)
		room = s->max_recvmsg_len;
	size_t start = d->off, end = d->off;
	while (end < d->msgs.len) {
		struct nlmsghdr h;
		memcpy(&h, d->msgs.data + end, sizeof(h));
		size_t l = NLMSG_ALIGN(h.nlmsg_len);
		if (end - start + l > room && end > start)
			break;
		end += l;
	}
	/* NLMSG_DONE carries the dump's result, an int. */
	const char *ext = (s->flags & NLF_EXT_ACK) ? d->ext_msg : NULL;
	size_t done_len = NLMSG_LENGTH(sizeof(int));
	if (ext)
		done_len = NLMSG_ALIGN(done_len) +
			   NLA_ALIGN(NLA_HDRLEN + strlen(ext) + 1);
	bool last = start == d->msgs.len;
	struct nl_dgram *dg =
		dgram_new(NULL, end - start + (last ? done_len : 0), 0, 0);
	if (dg == NULL)
		return -ENOMEM;
	if (end > start)
		memcpy(dg->data, d->msgs.data + start, end - start);
	if (last) {
		char *p = dg->data + (end - start);
		struct nlmsghdr h = {
			.nlmsg_len = (uint32_t)done_len,
			.nlmsg_type = NLMSG_DONE,
			.nlmsg_flags = NLM_F_MULTI | d->done_flags |
				       (ext ? NLM_F_ACK_TLVS : 0),
			.nlmsg_seq = d->seq,
			.nlmsg_pid = s->portid,
		};
		memset(p, 0, done_len);
		memcpy(p, &h, sizeof(h));
		memcpy(p + NLMSG_HDRLEN, &d->done_errno, sizeof(int));
		if (ext) {
			size_t sl = strlen(ext) + 1;
			struct nlattr a = { .nla_len =
						    (uint16_t)(NLA_HDRLEN + sl),
					    .nla_type = NLMSGERR_ATTR_MSG };
			char *q = p + NLMSG_ALIGN(NLMSG_LENGTH(sizeof(int)));
			memcpy(q, &a, sizeof(a));
			memcpy(q + NLA_HDRLEN, ext, sl);
		}
	}
	d->off = end;
	enqueue(s, dg);
	if (last)
		dump_free(s);
	return 0;
}

/* ---- port ids -------------------------------------------------------------- */

static struct nl_sock *find_port(struct sn_kernel *k, int protocol,
				 uint32_t portid)
{
	struct rs_list *pos;
	rs_list_for_each(pos, &k->net->netlink)
	{
		struct nl_sock *s = rs_container_of(pos, struct nl_sock, link);
		if (s->bound && s->protocol == protocol && s->portid == portid)
			return s;
	}
	return NULL;
}

/* netlink_autobind: the process's pid (task_tgid_vnr) if free, else
 * negative numbers from a random point below -4096 downwards. */
static int autobind(struct nl_sock *s, struct sn_task *t)
{
	int32_t portid = (int32_t)t->proc->vpid;
	int32_t rover = -4096;
	while (find_port(s->k, s->protocol, (uint32_t)portid)) {
		if (rover == -4096) {
			uint32_t rnd = 0;
			if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) < 0)
				rnd = (uint32_t)sn_now();
			/* [INT32_MIN, -4097] */
			rover = (int32_t)(-4097 - (int64_t)(rnd % 0x7fffefffu));
		} else if (rover >= -4096) {
			rover = -4097;
		}
		portid = rover--;
	}
	s->portid = (uint32_t)portid;
	s->bound = true;
	return 0;
}

/* ---- creation ------------------------------------------------------------- */

int sn_netlink_socket(struct sn_task *t, int type, int protocol, int flags,
		      struct sn_file **out)
{
	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol < 0 || protocol >= MAX_LINKS)
		return -EPROTONOSUPPORT;
	unsigned ngroups;
	switch (protocol) {
	case NETLINK_ROUTE:
		ngroups = RTNLGRP_MAX;
		break;
	case NETLINK_SOCK_DIAG:
		ngroups = SKNLGRP_MAX;
		break;
	default:
		return -EPROTONOSUPPORT;
	}
	if (sn_net_stack(t->k) == NULL)
		return -EAFNOSUPPORT;
	struct nl_sock *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->k = t->k;
	s->type = type;
	s->protocol = protocol;
	s->ngroups = ngroups > NL_GROUPS_MAX ? NL_GROUPS_MAX : ngroups;
	s->rcvbuf = NL_BUF_DFL;
	s->sndbuf = NL_BUF_DFL;
	s->opener_capable = sn_task_capable(t, CAP_NET_ADMIN);
	rs_list_init(&s->rq);
	s->file = sn_file_new(t->k, &nl_ops, O_RDWR | flags, s);
	if (s->file == NULL) {
		free(s);
		return -ENOMEM;
	}
	rs_list_add_tail(&t->k->net->netlink, &s->link);
	s->ino = t->k->net->next_ino++;
	char name[32];
	snprintf(name, sizeof(name), "socket:[%llu]",
		 (unsigned long long)s->ino);
	sn_file_set_path(s->file, name);
	*out = s->file;
	return 0;
}

/* ---- answering requests ------------------------------------------------ */

/* netlink_ack: NLMSG_ERROR with the error (0: an ack), the request's
 * header, its payload unless this is an ack or NETLINK_CAP_ACK is set,
 * and with NETLINK_EXT_ACK the message and offending attribute. */
static void ack(struct nl_sock *s, const struct nl_req *r, int err)
{
	const struct nlmsghdr *nlh = r->nlh;
	uint16_t flags = 0;
	size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	if (err == 0 || (s->flags & NLF_CAP_ACK)) {
		flags |= NLM_F_CAPPED;
		plen = 0;
	}
	bool tlv_msg = (s->flags & NLF_EXT_ACK) && r->ext_msg;
	bool tlv_off = (s->flags & NLF_EXT_ACK) && err && r->ext_off &&
		       r->ext_off < nlh->nlmsg_len;
	if (tlv_msg || tlv_off)
		flags |= NLM_F_ACK_TLVS;
	size_t len = NLMSG_HDRLEN + sizeof(struct nlmsgerr) + NLMSG_ALIGN(plen);
	if (tlv_msg)
		len += NLA_ALIGN(NLA_HDRLEN + strlen(r->ext_msg) + 1);
	if (tlv_off)
		len += NLA_HDRLEN + sizeof(uint32_t);
	char *buf = calloc(1, len);
	if (buf == NULL) {
		overrun(s);
		return;
	}
	struct nlmsghdr h = {
		.nlmsg_len = (uint32_t)len,
		.nlmsg_type = NLMSG_ERROR,
		.nlmsg_flags = flags,
		.nlmsg_seq = nlh->nlmsg_seq,
		.nlmsg_pid = r->portid,
	};
	memcpy(buf, &h, sizeof(h));
	struct nlmsgerr e = { .error = err, .msg = *nlh };
	memcpy(buf + NLMSG_HDRLEN, &e, sizeof(e));
	size_t off = NLMSG_HDRLEN + sizeof(e);
	memcpy(buf + off, (const char *)nlh + NLMSG_HDRLEN, plen);
	off += NLMSG_ALIGN(plen);
	if (tlv_msg) {
		size_t sl = strlen(r->ext_msg) + 1;
		struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + sl),
				    .nla_type = NLMSGERR_ATTR_MSG };
		memcpy(buf + off, &a, sizeof(a));
		memcpy(buf + off + NLA_HDRLEN, r->ext_msg, sl);
		off += NLA_ALIGN(NLA_HDRLEN + sl);
	}
	if (tlv_off) {
		struct nlattr a = { .nla_len = NLA_HDRLEN + sizeof(uint32_t),
				    .nla_type = NLMSGERR_ATTR_OFFS };
		memcpy(buf + off, &a, sizeof(a));
		memcpy(buf + off + NLA_HDRLEN, &r->ext_off, sizeof(uint32_t));
	}
	deliver(s, buf, len, 0, 0, NULL);
	free(buf);
}

/* Queues each message of a non-dump answer as its own datagram. */
static void send_replies(struct nl_sock *s, const struct nl_buf *b)
{
	size_t off = 0;
	while (off + NLMSG_HDRLEN <= b->len) {
		struct nlmsghdr h;
		memcpy(&h, b->data + off, sizeof(h));
		size_t l = NLMSG_ALIGN(h.nlmsg_len);
		if (l > b->len - off)
			l = b->len - off;
		deliver(s, b->data + off, l, 0, 0, NULL);
		off += l;
	}
}

/* One request message for the kernel (the protocol's input function). */
static void kernel_rcv(struct nl_sock *s, struct sn_task *t,
		       const struct nlmsghdr *nlh)
{
	struct nl_req r = {
		.t = t,
		.stack = sn_net_stack(s->k),
		.nlh = nlh,
		.portid = s->portid,
		.strict = (s->flags & NLF_STRICT_CHK) != 0,
		.capable =
			s->opener_capable && sn_task_capable(t, CAP_NET_ADMIN),
	};
	int err = 0;
	/* netlink_rcv_skb: only requests are for the kernel, and control
	 * messages are skipped; both are acked when asked to. */
	if ((nlh->nlmsg_flags & NLM_F_REQUEST) &&
	    nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
		err = s->protocol == NETLINK_ROUTE ? sn_rtnl_rcv(&r)
						   : sn_sockdiag_rcv(&r);
		if (r.dump) {
			/* netlink_dump_start: the first datagram now, and no
			 * ack; one dump at a time. */
			if (s->dump) {
				err = -EBUSY;
				r.ext_msg = NULL;
			} else {
				struct nl_dump *d = calloc(1, sizeof(*d));
				if (d == NULL) {
					err = -ENOMEM;
				} else {
					if (err == 0)
						d->msgs = r.reply;
					else
						nl_buf_free(&r.reply);
					r.reply = (struct nl_buf){ 0 };
					d->seq = nlh->nlmsg_seq;
					d->done_flags = r.done_flags;
					d->done_errno = err;
					d->ext_msg = err ? r.ext_msg : NULL;
					s->dump = d;
					err = dump_step(s);
					if (err == 0)
						return;
					r.ext_msg = NULL;
					r.ext_off = 0;
				}
			}
		} else if (err == 0) {
			send_replies(s, &r.reply);
		}
	}
	nl_buf_free(&r.reply);
	if ((nlh->nlmsg_flags & NLM_F_ACK) || err)
		ack(s, &r, err);
}

/* netlink_rcv_skb over a buffer of messages (Sentry memory, 4-aligned). */
static void kernel_input(struct nl_sock *s, struct sn_task *t, char *buf,
			 size_t len)
{
	size_t off = 0;
	while (len - off >= NLMSG_HDRLEN) {
		struct nlmsghdr h;
		memcpy(&h, buf + off, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len - off)
			return;
		kernel_rcv(s, t, (const struct nlmsghdr *)(void *)(buf + off));
		size_t l = NLMSG_ALIGN(h.nlmsg_len);
		if (l > len - off)
			l = len - off;
		off += l;
	}
}

/* ---- data ----------------------------------------------------------------- */

static int copy_iov(const struct sn_sockmsg *m, void *buf, size_t len, bool out)
{
	size_t done = 0;
	for (int i = 0; i < m->iovcnt && done < len; i++) {
		size_t n = m->iov[i].iov_len;
		if (n > len - done)
			n = len - done;
		if (n == 0)
			continue;
		char *p = (char *)buf + done;
		int r;
		if (m->io == NULL) {
			if (out)
				memcpy(m->iov[i].iov_base, p, n);
			else
				memcpy(p, m->iov[i].iov_base, n);
			r = 0;
		} else if (out) {
			r = m->io->copy_out(m->io->ctx, m->iov[i].iov_base, p,
					    n);
		} else {
			r = m->io->copy_in(m->io->ctx, p, m->iov[i].iov_base,
					   n);
		}
		if (r < 0)
			return -EFAULT;
		done += n;
	}
	return 0;
}

static ssize_t nl_sendmsg(struct sn_file *f, struct sn_task *t,
			  struct sn_sockmsg *m, int flags)
{
	struct nl_sock *s = nl_of(f);
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	uint32_t dst_portid = s->dst_portid, dst_group = s->dst_group;
	if (m->namelen) {
		struct sockaddr_nl a;
		if (m->namelen < sizeof(a))
			return -EINVAL;
		memcpy(&a, &m->name, sizeof(a));
		if (a.nl_family != AF_NETLINK)
			return -EINVAL;
		dst_portid = a.nl_pid;
		dst_group = (uint32_t)ffs((int)a.nl_groups);
		/* NL_CFG_F_NONROOT_SEND is not set for either protocol. */
		if ((dst_group || dst_portid) &&
		    !sn_task_capable(t, CAP_NET_ADMIN))
			return -EPERM;
	}
	if (!s->bound)
		autobind(s, t);
	if (m->len > (size_t)s->sndbuf - 32)
		return -EMSGSIZE;
	char *buf = malloc(m->len ? m->len : 1);
	if (buf == NULL)
		return -ENOBUFS;
	if (copy_iov(m, buf, m->len, false) < 0) {
		free(buf);
		return -EFAULT;
	}
	struct ucred cred = { .pid = t->proc->vpid,
			      .uid = t->proc->creds.euid,
			      .gid = t->proc->creds.egid };
	ssize_t ret = (ssize_t)m->len;
	if (dst_group) {
		struct rs_list *pos;
		rs_list_for_each(pos, &s->k->net->netlink)
		{
			struct nl_sock *o =
				rs_container_of(pos, struct nl_sock, link);
			if (o != s && o->protocol == s->protocol &&
			    dst_group <= NL_GROUPS_MAX &&
			    (o->groups & (1ull << (dst_group - 1))))
				deliver(o, buf, m->len, s->portid, dst_group,
					&cred);
		}
	}
	if (dst_portid == 0) {
		kernel_input(s, t, buf, m->len);
	} else {
		struct nl_sock *o = find_port(s->k, s->protocol, dst_portid);
		if (o == NULL)
			ret = -ECONNREFUSED;
		else
			deliver(o, buf, m->len, s->portid, 0, &cred);
	}
	free(buf);
	return ret;
}

/* put_cmsg: appends a control message if it fits, else MSG_CTRUNC. */
static void put_cmsg(struct sn_sockmsg *m, size_t *used, int level, int type,
		     const void *data, size_t len)
{
	struct cmsghdr h = { .cmsg_len = CMSG_LEN(len),
			     .cmsg_level = level,
			     .cmsg_type = type };
	size_t need = CMSG_SPACE(len);
	if (m->control == NULL || *used + CMSG_LEN(len) > m->controllen) {
		m->msg_flags |= MSG_CTRUNC;
		return;
	}
	char *p = (char *)m->control + *used;
	memcpy(p, &h, sizeof(h));
	memcpy(p + CMSG_LEN(0), data, len);
	*used += need > m->controllen - *used ? m->controllen - *used : need;
}

static ssize_t nl_recvmsg(struct sn_file *f, struct sn_task *t,
			  struct sn_sockmsg *m, int flags)
{
	(void)t;
	struct nl_sock *s = nl_of(f);
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	m->msg_flags = 0;
	size_t room = m->controllen;
	m->controllen = 0;
	/* skb_recv_datagram: a pending error comes first. */
	if (s->err) {
		int e = s->err;
		s->err = 0;
		return -e;
	}
	if (rs_list_empty(&s->rq))
		return -EAGAIN;
	struct nl_dgram *d = rs_container_of(s->rq.next, struct nl_dgram, link);
	if (!(flags & MSG_PEEK)) {
		rs_list_del(&d->link);
		s->rq_charge -= d->len + NL_OVERHEAD;
	}
	if (m->len > s->max_recvmsg_len)
		s->max_recvmsg_len = m->len;
	if (s->max_recvmsg_len > NL_DUMP_MAX)
		s->max_recvmsg_len = NL_DUMP_MAX;
	size_t copied = d->len;
	if (m->len < copied) {
		m->msg_flags |= MSG_TRUNC;
		copied = m->len;
	}
	int err = copy_iov(m, d->data, copied, true);
	struct sockaddr_nl a = { .nl_family = AF_NETLINK,
				 .nl_pid = d->portid,
				 .nl_groups = d->group && d->group <= 32
						      ? 1u << (d->group - 1)
						      : 0 };
	memset(&m->name, 0, sizeof(m->name));
	memcpy(&m->name, &a, sizeof(a));
	m->namelen = sizeof(a);
	size_t used = 0;
	m->controllen = room;
	if (s->flags & NLF_PKTINFO) {
		struct nl_pktinfo pi = { .group = d->group };
		put_cmsg(m, &used, SOL_NETLINK, NETLINK_PKTINFO, &pi,
			 sizeof(pi));
	}
	if (s->sflags & SOF_PASSCRED)
		put_cmsg(m, &used, SOL_SOCKET, SCM_CREDENTIALS, &d->cred,
			 sizeof(d->cred));
	m->controllen = used;
	if (flags & MSG_TRUNC)
		copied = d->len;
	if (!(flags & MSG_PEEK))
		free(d);
	if (rs_list_empty(&s->rq))
		s->congested = false;
	/* netlink_recvmsg: the dump goes on while the queue is half empty. */
	if (s->dump && s->rq_charge <= (size_t)s->rcvbuf / 2) {
		int r = dump_step(s);
		if (r < 0) {
			s->err = -r;
			nl_wake(s, POLLERR);
		}
	}
	return err < 0 ? err : (ssize_t)copied;
}

/* read(2)/write(2) through Sentry buffers (sendfile-style callers). */
static ssize_t nl_read(struct sn_file *f, struct sn_task *t, void *buf,
		       size_t len, int64_t *off)
{
	(void)off;
	struct iovec iov = { buf, len };
	struct sn_sockmsg m = { .iov = &iov, .iovcnt = 1, .len = len };
	return nl_recvmsg(f, t, &m, 0);
}

static ssize_t nl_write(struct sn_file *f, struct sn_task *t, const void *buf,
			size_t len, int64_t *off)
{
	(void)off;
	struct iovec iov = { (void *)buf, len };
	struct sn_sockmsg m = { .iov = &iov, .iovcnt = 1, .len = len };
	return nl_sendmsg(f, t, &m, 0);
}

void sn_netlink_notify(struct sn_kernel *k, int protocol, unsigned group,
		       const struct nl_msg *m)
{
	if (k->net == NULL || m->full || group == 0 || group > NL_GROUPS_MAX)
		return;
	struct rs_list *pos;
	rs_list_for_each(pos, &k->net->netlink)
	{
		struct nl_sock *s = rs_container_of(pos, struct nl_sock, link);
		if (s->protocol == protocol &&
		    (s->groups & (1ull << (group - 1))))
			deliver(s, m->nlh, m->nlh->nlmsg_len, 0, group, NULL);
	}
}

/* ---- addresses --------------------------------------------------------- */

static int nl_bind(struct sn_file *f, struct sn_task *t,
		   const struct sockaddr *addr, socklen_t len)
{
	struct nl_sock *s = nl_of(f);
	struct sockaddr_nl a;
	if (len < sizeof(a))
		return -EINVAL;
	memcpy(&a, addr, sizeof(a));
	if (a.nl_family != AF_NETLINK)
		return -EINVAL;
	uint64_t groups = a.nl_groups;
	if (groups)
		s->groups_used = true;
	if (s->ngroups < 64)
		groups &= (1ull << s->ngroups) - 1;
	if (s->bound && a.nl_pid != s->portid)
		return -EINVAL;
	if (!s->bound) {
		if (a.nl_pid) {
			if (find_port(s->k, s->protocol, a.nl_pid))
				return -EADDRINUSE;
			s->portid = a.nl_pid;
			s->bound = true;
		} else {
			autobind(s, t);
		}
	}
	/* The first 32 groups are replaced by nl_groups. */
	s->groups = (s->groups & ~0xffffffffull) | groups;
	return 0;
}

static int nl_connect(struct sn_file *f, struct sn_task *t,
		      const struct sockaddr *addr, socklen_t len, bool again)
{
	(void)again;
	struct nl_sock *s = nl_of(f);
	if (len < sizeof(sa_family_t))
		return -EINVAL;
	struct sockaddr_nl a = { 0 };
	memcpy(&a, addr, len < sizeof(a) ? len : sizeof(a));
	if (a.nl_family == AF_UNSPEC) {
		s->dst_portid = 0;
		s->dst_group = 0;
		return 0;
	}
	if (a.nl_family != AF_NETLINK || len < sizeof(a))
		return -EINVAL;
	if ((a.nl_groups || a.nl_pid) && !sn_task_capable(t, CAP_NET_ADMIN))
		return -EPERM;
	if (!s->bound)
		autobind(s, t);
	s->dst_portid = a.nl_pid;
	s->dst_group = (uint32_t)ffs((int)a.nl_groups);
	return 0;
}

static int nl_getname(struct sn_file *f, bool peer,
		      struct sockaddr_storage *addr, socklen_t *len)
{
	struct nl_sock *s = nl_of(f);
	struct sockaddr_nl a = { .nl_family = AF_NETLINK };
	if (peer) {
		a.nl_pid = s->dst_portid;
		a.nl_groups = s->dst_group ? 1u << (s->dst_group - 1) : 0;
	} else {
		a.nl_pid = s->portid;
		a.nl_groups = (uint32_t)s->groups;
	}
	memset(addr, 0, sizeof(*addr));
	memcpy(addr, &a, sizeof(a));
	*len = sizeof(a);
	return 0;
}

/* ---- options ---------------------------------------------------------------- */

static int put_int(void *val, socklen_t *len, int v)
{
	if (*len < sizeof(int))
		return -EINVAL;
	*len = sizeof(int);
	memcpy(val, &v, sizeof(v));
	return 0;
}

static uint32_t sol_socket_flag(int name)
{
	switch (name) {
	case SO_REUSEADDR:
		return SOF_REUSEADDR;
	case SO_REUSEPORT:
		return SOF_REUSEPORT;
	case SO_KEEPALIVE:
		return SOF_KEEPALIVE;
	case SO_BROADCAST:
		return SOF_BROADCAST;
	case SO_DONTROUTE:
		return SOF_DONTROUTE;
	case SO_OOBINLINE:
		return SOF_OOBINLINE;
	case SO_PASSCRED:
		return SOF_PASSCRED;
	case SO_TIMESTAMP:
		return SOF_TIMESTAMP;
	case SO_TIMESTAMPNS:
		return SOF_TIMESTAMPNS;
	case SO_RXQ_OVFL:
		return SOF_RXQ_OVFL;
	case SO_NO_CHECK:
		return SOF_NO_CHECK;
	case SO_PASSSEC:
		return SOF_PASSSEC;
	case SO_SELECT_ERR_QUEUE:
		return SOF_SELECT_ERR_QUEUE;
	case SO_WIFI_STATUS:
		return SOF_WIFI_STATUS;
	case SO_NOFCS:
		return SOF_NOFCS;
	default:
		return 0;
	}
}

static int set_timeo(struct timeval *tv, const void *val, socklen_t len)
{
	struct timeval v;
	if (len < sizeof(v))
		return -EINVAL;
	if (val == NULL)
		return -EFAULT;
	memcpy(&v, val, sizeof(v));
	if (v.tv_usec < 0 || v.tv_usec >= 1000000)
		return -EDOM;
	if (v.tv_sec < 0)
		v.tv_sec = v.tv_usec = 0;
	*tv = v;
	return 0;
}

/* sk_setsockopt, for what a netlink socket has. */
static int sol_socket_set(struct nl_sock *s, struct sn_task *t, int name,
			  const void *val, socklen_t len)
{
	switch (name) {
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
		return set_timeo(&s->rcvtimeo, val, len);
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW:
		return set_timeo(&s->sndtimeo, val, len);
	default:
		break;
	}
	if (len < sizeof(int))
		return -EINVAL;
	if (val == NULL)
		return -EFAULT;
	int v;
	memcpy(&v, val, sizeof(v));
	uint32_t flag = sol_socket_flag(name);
	if (flag) {
		if (v)
			s->sflags |= flag;
		else
			s->sflags &= ~flag;
		return 0;
	}
	switch (name) {
	case SO_SNDBUF:
	case SO_SNDBUFFORCE:
	case SO_RCVBUF:
	case SO_RCVBUFFORCE: {
		bool force = name == SO_SNDBUFFORCE || name == SO_RCVBUFFORCE;
		int64_t b;
		if (force) {
			if (!sn_task_capable(t, CAP_NET_ADMIN))
				return -EPERM;
			b = v < 0 ? 0 : v;
		} else {
			b = (uint32_t)v > NL_BUF_MAX ? NL_BUF_MAX : v;
		}
		if (b > INT32_MAX / 2)
			b = INT32_MAX / 2;
		b *= 2;
		bool snd = name == SO_SNDBUF || name == SO_SNDBUFFORCE;
		if (snd)
			s->sndbuf =
				(int)(b < NL_SNDBUF_MIN ? NL_SNDBUF_MIN : b);
		else
			s->rcvbuf =
				(int)(b < NL_RCVBUF_MIN ? NL_RCVBUF_MIN : b);
		return 0;
	}
	case SO_PRIORITY:
		if ((v < 0 || v > 6) && !sn_task_capable(t, CAP_NET_ADMIN))
			return -EPERM;
		s->priority = v;
		return 0;
	case SO_MARK:
		if (!sn_task_capable(t, CAP_NET_ADMIN))
			return -EPERM;
		s->mark = (uint32_t)v;
		return 0;
	case SO_RCVLOWAT:
		s->rcvlowat = v < 0 ? INT32_MAX : v ? v : 1;
		return 0;
	case SO_LINGER: {
		struct linger l;
		if (len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		s->linger = l;
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
}

static int nl_setsockopt(struct sn_file *f, struct sn_task *t, int level,
			 int name, const void *val, socklen_t len)
{
	struct nl_sock *s = nl_of(f);
	if (level == SOL_SOCKET)
		return sol_socket_set(s, t, name, val, len);
	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	/* netlink_setsockopt: a value shorter than an int counts as 0. */
	int v = 0;
	if (len >= sizeof(int)) {
		if (val == NULL)
			return -EFAULT;
		memcpy(&v, val, sizeof(v));
	}
	uint32_t flag = 0;
	switch (name) {
	case NETLINK_PKTINFO:
		flag = NLF_PKTINFO;
		break;
	case NETLINK_ADD_MEMBERSHIP:
	case NETLINK_DROP_MEMBERSHIP:
		s->groups_used = true;
		if (v <= 0 || (unsigned)v > s->ngroups)
			return -EINVAL;
		if (name == NETLINK_ADD_MEMBERSHIP)
			s->groups |= 1ull << (v - 1);
		else
			s->groups &= ~(1ull << (v - 1));
		return 0;
	case NETLINK_BROADCAST_ERROR:
		flag = NLF_BROADCAST_ERROR;
		break;
	case NETLINK_NO_ENOBUFS:
		if (v) {
			s->flags |= NLF_NO_ENOBUFS;
			s->congested = false;
		} else {
			s->flags &= ~NLF_NO_ENOBUFS;
		}
		return 0;
	case NETLINK_LISTEN_ALL_NSID:
		if (!sn_task_capable(t, 21 /* CAP_NET_BROADCAST */))
			return -EPERM;
		flag = NLF_LISTEN_ALL_NSID;
		break;
	case NETLINK_CAP_ACK:
		flag = NLF_CAP_ACK;
		break;
	case NETLINK_EXT_ACK:
		flag = NLF_EXT_ACK;
		break;
	case NETLINK_GET_STRICT_CHK:
		flag = NLF_STRICT_CHK;
		break;
	default:
		return -ENOPROTOOPT;
	}
	if (v)
		s->flags |= flag;
	else
		s->flags &= ~flag;
	return 0;
}

static int sol_socket_get(struct nl_sock *s, int name, void *val,
			  socklen_t *len)
{
	uint32_t flag = sol_socket_flag(name);
	if (flag)
		return put_int(val, len, !!(s->sflags & flag));
	switch (name) {
	case SO_TYPE:
		return put_int(val, len, s->type);
	case SO_PROTOCOL:
		return put_int(val, len, s->protocol);
	case SO_DOMAIN:
		return put_int(val, len, AF_NETLINK);
	case SO_ERROR: {
		int e = s->err;
		s->err = 0;
		return put_int(val, len, e);
	}
	case SO_ACCEPTCONN:
		return put_int(val, len, 0);
	case SO_SNDBUF:
		return put_int(val, len, s->sndbuf);
	case SO_RCVBUF:
		return put_int(val, len, s->rcvbuf);
	case SO_PRIORITY:
		return put_int(val, len, s->priority);
	case SO_MARK:
		return put_int(val, len, (int)s->mark);
	case SO_RCVLOWAT:
		return put_int(val, len, s->rcvlowat ? s->rcvlowat : 1);
	case SO_SNDLOWAT:
		return put_int(val, len, 1);
	case SO_LINGER: {
		socklen_t n =
			*len < sizeof(s->linger) ? *len : sizeof(s->linger);
		memcpy(val, &s->linger, n);
		*len = n;
		return 0;
	}
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW: {
		bool rcv = name == SO_RCVTIMEO_OLD || name == SO_RCVTIMEO_NEW;
		const struct timeval *tv = rcv ? &s->rcvtimeo : &s->sndtimeo;
		socklen_t n = *len < sizeof(*tv) ? *len : sizeof(*tv);
		memcpy(val, tv, n);
		*len = n;
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
}

static int nl_getsockopt(struct sn_file *f, struct sn_task *t, int level,
			 int name, void *val, socklen_t *len)
{
	(void)t;
	struct nl_sock *s = nl_of(f);
	if (level == SOL_SOCKET)
		return sol_socket_get(s, name, val, len);
	if (level != SOL_NETLINK)
		return -ENOPROTOOPT;
	uint32_t flag;
	switch (name) {
	case NETLINK_PKTINFO:
		flag = NLF_PKTINFO;
		break;
	case NETLINK_BROADCAST_ERROR:
		flag = NLF_BROADCAST_ERROR;
		break;
	case NETLINK_NO_ENOBUFS:
		flag = NLF_NO_ENOBUFS;
		break;
	case NETLINK_LISTEN_ALL_NSID:
		flag = NLF_LISTEN_ALL_NSID;
		break;
	case NETLINK_CAP_ACK:
		flag = NLF_CAP_ACK;
		break;
	case NETLINK_EXT_ACK:
		flag = NLF_EXT_ACK;
		break;
	case NETLINK_GET_STRICT_CHK:
		flag = NLF_STRICT_CHK;
		break;
	case NETLINK_LIST_MEMBERSHIPS: {
		/* Words of the group bitmap while they fit; the length is
		 * always that of the whole bitmap. */
		unsigned ng = s->groups_used ? s->ngroups : 0;
		socklen_t want = (socklen_t)(((ng + 31) / 32) * 4);
		socklen_t pos;
		for (pos = 0; pos * 8 < ng && *len - pos >= 4; pos += 4) {
			uint32_t w = (uint32_t)(s->groups >> (pos * 8));
			memcpy((char *)val + pos, &w, sizeof(w));
		}
		*len = want;
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
	return put_int(val, len, !!(s->flags & flag));
}

static uint64_t nl_timeout(struct sn_file *f, bool send)
{
	struct nl_sock *s = nl_of(f);
	return sn_timeval_ns(send ? &s->sndtimeo : &s->rcvtimeo);
}

/* ---- file operations ------------------------------------------------------ */

/* datagram_poll. */
static uint32_t nl_poll(struct sn_file *f)
{
	struct nl_sock *s = nl_of(f);
	uint32_t ev = POLLOUT | POLLWRNORM | POLLWRBAND;
	if (s->err)
		ev |= POLLERR;
	if (!rs_list_empty(&s->rq))
		ev |= POLLIN | POLLRDNORM;
	return ev;
}

static int nl_stat(struct sn_file *f, struct stat *st)
{
	int r = sn_file_generic_stat(f, st, S_IFSOCK | 0777);
	st->st_ino = (ino_t)nl_of(f)->ino;
	st->st_dev = 0x8;
	return r;
}

static long nl_ioctl(struct sn_file *f, struct sn_task *t, unsigned long cmd,
		     uint64_t arg)
{
	struct nl_sock *s = nl_of(f);
	int v;
	switch (cmd) {
	case 0x541B: /* FIONREAD / SIOCINQ: the next datagram's size */
		v = rs_list_empty(&s->rq)
			    ? 0
			    : (int)rs_container_of(s->rq.next, struct nl_dgram,
						   link)
				      ->len;
		break;
	case 0x5411: /* TIOCOUTQ / SIOCOUTQ */
		v = 0;
		break;
	default:
		return -ENOTTY;
	}
	return sn_copy_out(t, arg, &v, sizeof(v));
}

static void nl_release(struct sn_file *f)
{
	struct nl_sock *s = nl_of(f);
	while (!rs_list_empty(&s->rq)) {
		struct nl_dgram *d =
			rs_container_of(s->rq.next, struct nl_dgram, link);
		rs_list_del(&d->link);
		free(d);
	}
	dump_free(s);
	rs_list_del(&s->link);
	free(s);
}

static const struct sn_sock_ops nl_sock_ops = {
	.bind = nl_bind,
	.connect = nl_connect,
	.sendmsg = nl_sendmsg,
	.recvmsg = nl_recvmsg,
	.getname = nl_getname,
	.setsockopt = nl_setsockopt,
	.getsockopt = nl_getsockopt,
	.timeout = nl_timeout,
};

static const struct sn_file_ops nl_ops = {
	.kind = "netlink",
	.stream = true,
	.read = nl_read,
	.write = nl_write,
	.poll = nl_poll,
	.stat = nl_stat,
	.ioctl = nl_ioctl,
	.release = nl_release,
	.sock = &nl_sock_ops,
};

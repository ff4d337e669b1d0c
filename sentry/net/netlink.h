/* AF_NETLINK inside the Sentry: the socket family (net/netlink.c) and
 * what it shares with the protocols answering requests from the sandbox's
 * stack, NETLINK_ROUTE (net/rtnetlink.c) and NETLINK_SOCK_DIAG
 * (net/sockdiag.c). Private to libsentry.
 *
 * A request is the application's bytes copied into Sentry memory. The
 * family splits them into messages as netlink_rcv_skb does (each header
 * checked against the bytes that are really there) and hands each message
 * to the protocol in a struct nl_req; the protocol answers with messages
 * it builds in struct nl_msg scratch space and appends to the request's
 * reply buffer, or fails with a negative errno that the family turns into
 * an NLMSG_ERROR (with the extended ack, when the socket asked for it).
 *
 * Every length in a request comes from the application: attributes are
 * reached only through nl_parse(), which checks each one against the
 * message and against a minimal policy (the lengths Linux's policies
 * require) before a handler reads it.
 */
#ifndef SENTRY_NET_NETLINK_H
#define SENTRY_NET_NETLINK_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/kernel.h"

struct ns_stack;

/* A growable buffer of whole netlink messages. */
struct nl_buf {
	char *data;
	size_t len, cap;
};

void nl_buf_free(struct nl_buf *b);

/* One message under construction, in its own aligned scratch space (the
 * largest message the Sentry builds is a link with its statistics, far
 * below this). A message that would not fit is marked full and refused
 * by nl_buf_add. */
#define NL_MSG_MAX 8192
struct nl_msg {
	union {
		char buf[NL_MSG_MAX];
		uint64_t align_;
	} u;
	struct nlmsghdr *nlh;
	bool full;
};

/* Starts a message with a family header of hdrlen zeroed bytes; returns
 * that header (4-aligned, in the scratch space). */
void *nl_msg_start(struct nl_msg *m, uint16_t type, uint16_t flags,
		   uint32_t seq, uint32_t portid, size_t hdrlen);
void nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len);
void nl_put_u8(struct nl_msg *m, uint16_t type, uint8_t v);
void nl_put_u16(struct nl_msg *m, uint16_t type, uint16_t v);
void nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);
void nl_put_u64(struct nl_msg *m, uint16_t type, uint64_t v);
void nl_put_str(struct nl_msg *m, uint16_t type, const char *s);
/* nla_put_64bit: pads with an empty `pad` attribute first so that the
 * payload is 8-aligned in the message. */
void nl_put_64bit(struct nl_msg *m, uint16_t type, const void *data, size_t len,
		  uint16_t pad);
struct nlattr *nl_nest_start(struct nl_msg *m, uint16_t type);
void nl_nest_end(struct nl_msg *m, struct nlattr *nest);
/* Appends the finished message to b: 0, -ENOMEM, or -EMSGSIZE when it
 * did not fit its scratch space. */
int nl_buf_add(struct nl_buf *b, const struct nl_msg *m);

/* A request being answered. */
struct nl_req {
	struct sn_task *t;
	struct ns_stack *stack; /* the sandbox's stack */
	/* The message: nlmsg_len (>= NLMSG_HDRLEN) bytes are readable and
	 * the header is 4-aligned. */
	const struct nlmsghdr *nlh;
	uint32_t portid; /* the requester's: the replies' nlmsg_pid */
	bool strict;	 /* NETLINK_GET_STRICT_CHK */
	bool capable;	 /* CAP_NET_ADMIN, for changes */
	/* Out. Replies: each message of a non-dump answer is queued as its
	 * own datagram, as rtnl_unicast does. With dump set, reply holds
	 * the parts of a dump (NLM_F_MULTI), sent in datagrams as large as
	 * the reader's buffers and ended by NLMSG_DONE with done_flags. */
	struct nl_buf reply;
	bool dump;
	uint16_t done_flags;
	/* Extended ack: a message (static storage) and the offset of the
	 * offending attribute from the start of the message (0: none). */
	const char *ext_msg;
	uint32_t ext_off;
};

/* Sets the extended ack of r and returns err. */
int nl_err(struct nl_req *r, int err, const char *msg);
int nl_err_attr(struct nl_req *r, int err, const char *msg,
		const struct nlattr *attr);

/* Minimal attribute policies: minimum payload length, and for strings
 * the longest string (without its NUL) Linux's policy allows. */
enum nl_kind {
	NL_NONE = 0, /* not in the policy: unknown (ignored unless strict) */
	NL_BIN,	     /* minlen bytes at least */
	NL_U8,
	NL_U16,
	NL_U32,
	NL_U64,
	NL_STR,	 /* at most maxlen characters, NUL optional */
	NL_NEST, /* nested attributes */
	NL_FLAG,
};

struct nl_pol {
	uint8_t kind;
	uint16_t len; /* NL_BIN: minimum; NL_STR: maximum (0: none) */
};

/* Parses the attributes that follow hdrlen bytes of family header into
 * tb[0..max] (NULL where absent; the last of a type wins). Returns 0, or
 * -EINVAL when the message is shorter than its header, -ERANGE (Linux's
 * answer) for an attribute that fails its policy. In strict mode
 * (NETLINK_GET_STRICT_CHK on a dump, or always when strict is true),
 * unknown attribute types and bytes left after the last whole attribute
 * are errors too, as Linux's strict parsing makes them. */
int nl_parse(struct nl_req *r, size_t hdrlen, const struct nlattr **tb,
	     unsigned max, const struct nl_pol *pol, bool strict);

/* Attribute payloads (attributes checked by nl_parse). */
uint32_t nl_get_u32(const struct nlattr *a);
uint8_t nl_get_u8(const struct nlattr *a);
const void *nl_data(const struct nlattr *a);
size_t nl_len(const struct nlattr *a);
/* Copies a string attribute into buf (cap bytes, NUL-terminated). */
void nl_get_str(const struct nlattr *a, char *buf, size_t cap);

/* Protocols. Return 0 or a negative errno (answered with NLMSG_ERROR). */
int sn_rtnl_rcv(struct nl_req *r);
int sn_sockdiag_rcv(struct nl_req *r);

/* Groups of NETLINK_ROUTE and NETLINK_SOCK_DIAG a socket may join. */
#define NL_GROUPS_MAX 64

/* Sends m (a finished message) to every socket of protocol in the
 * sandbox that joined group (1-based), as netlink_broadcast: the
 * notifications of changes made through netlink. */
void sn_netlink_notify(struct sn_kernel *k, int protocol, unsigned group,
		       const struct nl_msg *m);

#endif

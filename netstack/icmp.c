/* ICMPv4 (RFC 792, RFC 1122 3.2.2): echo, errors received and mapped to
 * the sockets that caused them, errors sent under rate limits. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "core.h"
#include "ip.h"
#include "netstack/csum.h"
#include "netstack/wire.h"
#include "nic.h"
#include "proto.h"

enum {
	ICMP_ECHOREPLY = 0,
	ICMP_DEST_UNREACH = 3,
	ICMP_SOURCE_QUENCH = 4,
	ICMP_REDIRECT = 5,
	ICMP_ECHO = 8,
	ICMP_TIME_EXCEEDED = 11,
	ICMP_PARAMETERPROB = 12,
	ICMP_FRAG_NEEDED = 4, /* code of DEST_UNREACH */
};

/* RFC 1812 4.3.2.3: the quote stops where the error would exceed 576. */
#define ICMP4_ERR_MAX 576
/* Linux ip_rt_min_pmtu: a smaller MTU from an ICMP message is raised. */
#define MIN_PMTU 552

/* Linux icmp_err_convert: errno and whether it is a hard error, per code
 * of "destination unreachable". */
static const struct {
	int err;
	bool fatal;
} unreach_map[16] = {
	{ ENETUNREACH, false },	 { EHOSTUNREACH, false },
	{ ENOPROTOOPT, true },	 { ECONNREFUSED, true },
	{ EMSGSIZE, false },	 { EOPNOTSUPP, false },
	{ ENETUNREACH, true },	 { EHOSTDOWN, true },
	{ ENONET, true },	 { ENETUNREACH, true },
	{ EHOSTUNREACH, true },	 { ENETUNREACH, false },
	{ EHOSTUNREACH, false }, { EHOSTUNREACH, true },
	{ EHOSTUNREACH, true },	 { EHOSTUNREACH, true },
};

/* ---- Rate limiting (shared with ICMPv6) ---------------------------- */

/* Linux icmp_ratelimit: one error per second per destination, bursts of
 * six (XRLIM_BURST_FACTOR). */
#define HOST_INTERVAL_NS NS_SEC
#define HOST_BURST	 6

static bool global_allow(struct ns_stack *stack)
{
	struct ns_rate_bucket *b = &stack->icmp_global;
	uint32_t burst = stack->cfg.icmp_burst;
	if (b->last == 0) {
		b->last = stack->now;
		b->tokens = burst;
	}
	uint64_t add = (stack->now - b->last) * stack->cfg.icmp_rate / NS_SEC;
	if (add > 0) {
		b->tokens = add >= burst || b->tokens + add > burst
				    ? burst
				    : b->tokens + (uint32_t)add;
		b->last = stack->now;
	}
	if (b->tokens == 0)
		return false;
	b->tokens--;
	return true;
}

static bool host_allow(struct ns_stack *stack, const struct ns_addr *dst)
{
	uint64_t h = ns_keyed_hash(&stack->hash_key, dst, sizeof(*dst));
	struct ns_rate_bucket *b =
		&stack->icmp_host[h & (NS_ICMP_HOST_BUCKETS - 1)];
	const uint64_t cap = HOST_BURST * HOST_INTERVAL_NS;
	if (b->last == 0 || !ns_addr_eq(&b->dst, dst)) {
		b->dst = *dst;
		b->last = stack->now;
		b->tokens = (uint32_t)(cap / NS_MSEC);
	}
	/* Tokens are milliseconds of credit. */
	uint64_t credit = b->tokens + (stack->now - b->last) / NS_MSEC;
	if (credit > cap / NS_MSEC)
		credit = cap / NS_MSEC;
	b->last = stack->now;
	if (credit < HOST_INTERVAL_NS / NS_MSEC) {
		b->tokens = (uint32_t)credit;
		return false;
	}
	b->tokens = (uint32_t)(credit - HOST_INTERVAL_NS / NS_MSEC);
	return true;
}

bool ns_icmp_rate_allow(struct ns_stack *stack, const struct ns_addr *dst,
			bool v6)
{
	/* Linux exempts loopback traffic. */
	if (ns_addr_is_local(stack, dst))
		return true;
	if (!host_allow(stack, dst)) {
		if (v6)
			NS_INC(stack, Icmp6, OutRateLimit);
		else
			NS_INC(stack, Icmp, OutRateLimitHost);
		return false;
	}
	if (!global_allow(stack)) {
		if (v6)
			NS_INC(stack, Icmp6, OutRateLimit);
		else
			NS_INC(stack, Icmp, OutRateLimitGlobal);
		return false;
	}
	return true;
}

/* ---- Sending -------------------------------------------------------- */

void ns_icmp4_count_out(struct ns_stack *stack, uint8_t type)
{
	NS_INC(stack, Icmp, OutMsgs);
	ns_icmp_msg_count(stack, false, true, type);
	switch (type) {
	case ICMP_ECHOREPLY:
		NS_INC(stack, Icmp, OutEchoReps);
		break;
	case ICMP_ECHO:
		NS_INC(stack, Icmp, OutEchos);
		break;
	case ICMP_DEST_UNREACH:
		NS_INC(stack, Icmp, OutDestUnreachs);
		break;
	case ICMP_TIME_EXCEEDED:
		NS_INC(stack, Icmp, OutTimeExcds);
		break;
	case ICMP_PARAMETERPROB:
		NS_INC(stack, Icmp, OutParmProbs);
		break;
	default:
		break;
	}
}

static bool icmp4_is_error_type(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
	       type == ICMP_REDIRECT || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB;
}

/* RFC 1122 3.2.2: whether an error may be sent about a received packet. */
static bool icmp4_error_allowed(struct ns_pkt *pkt)
{
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	const uint8_t *ip = pkt->head + m->nh_off;
	uint32_t hl = (ip[0] & 0x0f) * 4u;
	/* RFC 1122 3.2.2: never about a broadcast or multicast, a non-first
	 * fragment, a source that is not one host, or an ICMP error. */
	if (m->flags & (NS_RX_BCAST | NS_RX_MCAST))
		return false;
	if (ns_get_be16(ip + 6) & 0x1fff)
		return false;
	if (ns_addr_is_any4(&m->src) || ns_addr_is_mcast(&m->src) ||
	    ns_addr_is_v4_bcast(&m->src))
		return false;
	if (m->proto == IPPROTO_ICMP) {
		uint32_t back = ns_pkt_headroom(pkt) - m->nh_off;
		uint8_t type;
		/* The ICMP type sits right after the IP header. */
		if (back > hl)
			type = ip[hl];
		else if (ns_pkt_copy_out(pkt, hl - back, &type, 1) < 0)
			return false;
		if (icmp4_is_error_type(type))
			return false;
	}
	return true;
}

void ns_icmp4_send_error(struct ns_stack *stack, struct ns_pkt *pkt,
			 uint8_t type, uint8_t code, uint32_t info)
{
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	if (!icmp4_error_allowed(pkt))
		return;
	if (!ns_icmp_rate_allow(stack, &m->src, false))
		return;
	uint32_t back = ns_pkt_headroom(pkt) - m->nh_off;
	uint32_t quote = back + pkt->len;
	if (quote > ICMP4_ERR_MAX - 20 - 8)
		quote = ICMP4_ERR_MAX - 20 - 8;
	struct ns_pkt *out = ns_pkt_alloc(NS_PKT_HEADROOM, 8 + quote);
	if (out == NULL) {
		NS_INC(stack, Icmp, OutErrors);
		return;
	}
	uint8_t *p = ns_pkt_put(out, 8 + quote);
	p[0] = type;
	p[1] = code;
	ns_put_be16(p + 2, 0);
	ns_put_be32(p + 4, info);
	uint32_t from_head = back < quote ? back : quote;
	memcpy(p + 8, pkt->head + m->nh_off, from_head);
	ns_pkt_copy_out(pkt, 0, p + 8 + from_head, quote - from_head);
	ns_put_be16(p + 2, ns_csum_fold(ns_csum_partial(p, 8 + quote, 0)));
	ns_icmp4_count_out(stack, type);
	/* Answer from the address the packet was sent to when it is ours
	 * (not a broadcast), else let routing choose. */
	const struct ns_addr *src =
		ns_addr_is_local(stack, &m->dst) ? &m->dst : NULL;
	struct ns_addr dst = m->src;
	ns_ip_send_simple(stack, out, src, &dst, 0, IPPROTO_ICMP, 64);
}

/* ---- Receiving ------------------------------------------------------ */

static void icmp4_echo(struct ns_stack *stack, struct ns_pkt *pkt)
{
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	/* Linux icmp_echo_ignore_broadcasts=1 (a smurf amplifier is not
	 * something a sandbox should be). */
	if (m->flags & (NS_RX_BCAST | NS_RX_MCAST))
		return;
	struct ns_pkt *out = ns_pkt_alloc(NS_PKT_HEADROOM, pkt->len);
	if (out == NULL) {
		NS_INC(stack, Icmp, OutErrors);
		return;
	}
	uint8_t *p = ns_pkt_put(out, pkt->len);
	ns_pkt_copy_out(pkt, 0, p, pkt->len);
	p[0] = ICMP_ECHOREPLY;
	p[1] = 0;
	ns_put_be16(p + 2, 0);
	ns_put_be16(p + 2, ns_csum_fold(ns_csum_partial(p, out->len, 0)));
	ns_icmp4_count_out(stack, ICMP_ECHOREPLY);
	struct ns_addr src = m->dst, dst = m->src;
	ns_ip_send_simple(stack, out, &src, &dst, 0, IPPROTO_ICMP, 64);
}

/* An error about a datagram we sent: decode the quote and tell the
 * protocol that sent it. */
static void icmp4_error(struct ns_stack *stack, struct ns_pkt **pp)
{
	struct ns_pkt *pkt = *pp;
	struct ns_rxmeta m = *ns_rxmeta(pkt);
	if (m.flags & (NS_RX_BCAST | NS_RX_MCAST))
		return;
	uint8_t *p = ns_pkt_ensure(pp, 8 + 20);
	if (p == NULL)
		goto bad;
	pkt = *pp;
	uint32_t ihl = (p[8] & 0x0f) * 4u;
	if ((p[8] >> 4) != 4 || ihl < 20)
		goto bad;
	/* RFC 792: the quote holds the header and at least 64 bits. */
	p = ns_pkt_ensure(pp, 8 + ihl + 8);
	if (p == NULL)
		goto bad;
	pkt = *pp;
	uint32_t th_len = pkt->len - 8 - ihl;
	uint32_t avail = pkt->head_len - 8 - ihl;
	if (th_len > avail)
		th_len = avail;
	const uint8_t *ip = p + 8;
	uint8_t type = p[0], code = p[1];
	struct ns_icmp_err e = { .type = type, .code = code };
	ns_addr_set_v4(&e.src, ip + 12);
	ns_addr_set_v4(&e.dst, ip + 16);
	e.from = m.src;
	e.th = ip + ihl;
	e.th_len = th_len;
	e.ttl = m.ttl;
	e.info = ns_get_be32(p + 4);
	switch (type) {
	case ICMP_DEST_UNREACH:
		if (code < 16) {
			e.err = unreach_map[code].err;
			e.fatal = unreach_map[code].fatal;
		} else {
			e.err = EHOSTUNREACH;
		}
		if (code == ICMP_FRAG_NEEDED) {
			uint32_t mtu = ns_get_be16(p + 6);
			if (mtu < MIN_PMTU)
				mtu = MIN_PMTU;
			e.info = mtu; /* the protocol updates the path */
		}
		break;
	case ICMP_TIME_EXCEEDED:
		e.err = EHOSTUNREACH;
		break;
	case ICMP_PARAMETERPROB:
		e.err = EPROTO;
		e.fatal = true;
		e.info = p[4];
		break;
	default:
		return;
	}
	ns_ip_deliver_err(stack, &e, ip[9]);
	return;
bad:
	NS_INC(stack, Icmp, InErrors);
}

static void icmp4_input(struct ns_stack *stack, struct ns_pkt *pkt)
{
	NS_INC(stack, Icmp, InMsgs);
	if (pkt->len < 8 || ns_pkt_ensure(&pkt, 8) == NULL) {
		NS_INC(stack, Icmp, InErrors);
		goto out;
	}
	if (!ns_l4_csum_ok(pkt, IPPROTO_ICMP)) {
		NS_INC(stack, Icmp, InCsumErrors);
		NS_INC(stack, Icmp, InErrors);
		goto out;
	}
	uint8_t type = pkt->data[0];
	ns_icmp_msg_count(stack, false, false, type);
	switch (type) {
	case ICMP_ECHOREPLY:
		NS_INC(stack, Icmp, InEchoReps);
		ns_ping_rcv(stack, pkt);
		return;
	case ICMP_ECHO:
		NS_INC(stack, Icmp, InEchos);
		icmp4_echo(stack, pkt);
		break;
	case ICMP_DEST_UNREACH:
		NS_INC(stack, Icmp, InDestUnreachs);
		icmp4_error(stack, &pkt);
		break;
	case ICMP_TIME_EXCEEDED:
		NS_INC(stack, Icmp, InTimeExcds);
		icmp4_error(stack, &pkt);
		break;
	case ICMP_PARAMETERPROB:
		NS_INC(stack, Icmp, InParmProbs);
		icmp4_error(stack, &pkt);
		break;
	case ICMP_SOURCE_QUENCH:
		/* RFC 6633: ignored. */
		NS_INC(stack, Icmp, InSrcQuenchs);
		break;
	case ICMP_REDIRECT:
		/* A host that follows redirects lets any on-link node move
		 * its traffic; the sandbox's routes are configured, so
		 * redirects are counted and ignored. */
		NS_INC(stack, Icmp, InRedirects);
		break;
	default:
		break;
	}
out:
	ns_pkt_free(pkt);
}

/* Errors quoting our own ICMP messages: echo requests of ping sockets. */
static void icmp4_err(struct ns_stack *stack, const struct ns_icmp_err *e)
{
	if (e->th_len >= 8 && e->th[0] == ICMP_ECHO)
		ns_ping_err(stack, e);
}

const struct ns_ip_proto ns_icmp4_proto = {
	.input = icmp4_input,
	.err = icmp4_err,
};

/* Packet-level TCP test helpers: see tcp_pkt.h. */
#include "tcp_pkt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <string.h>
#include <cmocka.h>

#include "netstack/csum.h"
#include "netstack/wire.h"

static const char *local_ip(const struct tp_peer *p)
{
	return p->v6 ? "fd00::1" : "10.0.0.1";
}

static const char *peer_ip(const struct tp_peer *p)
{
	return p->v6 ? "fd00::2" : "10.0.0.2";
}

void tp_init(struct tp_peer *p, bool v6, uint16_t sport, uint16_t dport)
{
	memset(p, 0, sizeof(*p));
	nt_solo_init(&p->solo, 0, 0);
	p->v6 = v6;
	p->sport = sport;
	p->dport = dport;
	p->ttl = 64;
	struct ns_neigh_info n = { .ifindex = p->solo.e.ifindex,
				   .family = v6 ? AF_INET6 : AF_INET };
	inet_pton(n.family, peer_ip(p), n.addr);
	memcpy(n.mac, nt_mac_b, 6);
	assert_int_equal(ns_stack_add_neigh(tp_stack(p), &n), 0);
}

void tp_free(struct tp_peer *p)
{
	nt_solo_free(&p->solo);
}

socklen_t tp_addr(const struct tp_peer *p, bool peer, uint16_t port,
		  struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	const char *ip = peer ? peer_ip(p) : local_ip(p);
	if (!p->v6) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		inet_pton(AF_INET, ip, &s->sin_addr);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &s->sin6_addr);
	return sizeof(*s);
}

static uint32_t pseudo_sum(const struct tp_peer *p, const char *src,
			   const char *dst, size_t len)
{
	uint8_t s[16], d[16];
	if (p->v6) {
		inet_pton(AF_INET6, src, s);
		inet_pton(AF_INET6, dst, d);
		return ns_csum_pseudo6(s, d, 6, (uint32_t)len);
	}
	inet_pton(AF_INET, src, s);
	inet_pton(AF_INET, dst, d);
	return ns_csum_pseudo4(s, d, 6, (uint32_t)len);
}

void tp_send_raw(struct tp_peer *p, const uint8_t *tcp, size_t len,
		 bool bad_csum)
{
	static uint8_t frame[14 + 40 + 65535];
	size_t n =
		nt_put_eth(frame, nt_mac_a, nt_mac_b, p->v6 ? 0x86dd : 0x0800);
	if (p->v6)
		n += nt_put_ip6(frame + n, peer_ip(p), local_ip(p), 6,
				(uint16_t)len, p->ttl);
	else
		n += nt_put_ip4(frame + n, peer_ip(p), local_ip(p), 6,
				(uint16_t)len, 1, 0x4000, p->ttl);
	memcpy(frame + n, tcp, len);
	if (len >= 18) {
		ns_put_be16(frame + n + 16, 0);
		uint32_t sum = pseudo_sum(p, peer_ip(p), local_ip(p), len);
		uint16_t c = ns_csum_fold(ns_csum_partial(frame + n, len, sum));
		ns_put_be16(frame + n + 16, bad_csum ? (uint16_t)(c ^ 1) : c);
	}
	nt_inject(&p->solo.e, frame, n + len);
}

void tp_send_icmp(struct tp_peer *p, uint8_t type, uint8_t code, uint32_t rest,
		  const struct tp_seg *q)
{
	uint8_t quote[40 + 20], frame[14 + 40 + 8 + sizeof(quote)];
	uint16_t tlen = (uint16_t)(20 + q->len);
	size_t qn =
		p->v6 ? nt_put_ip6(quote, local_ip(p), peer_ip(p), 6, tlen, 64)
		      : nt_put_ip4(quote, local_ip(p), peer_ip(p), 6, tlen, 1,
				   0x4000, 64);
	uint8_t *t = quote + qn;
	memset(t, 0, 20);
	ns_put_be16(t, q->sport);
	ns_put_be16(t + 2, q->dport);
	ns_put_be32(t + 4, q->seq);
	ns_put_be32(t + 8, q->ack);
	t[12] = 5 << 4;
	t[13] = q->flags;
	size_t n =
		nt_put_eth(frame, nt_mac_a, nt_mac_b, p->v6 ? 0x86dd : 0x0800);
	size_t ilen = 8 + qn + 20;
	if (p->v6)
		n += nt_put_ip6(frame + n, peer_ip(p), local_ip(p), 58,
				(uint16_t)ilen, 64);
	else
		n += nt_put_ip4(frame + n, peer_ip(p), local_ip(p), 1,
				(uint16_t)ilen, 1, 0, 64);
	n += nt_put_icmp(frame + n, p->v6, peer_ip(p), local_ip(p), type, code,
			 rest, quote, qn + 20);
	nt_inject(&p->solo.e, frame, n);
}

void tp_send(struct tp_peer *p, uint8_t flags, uint32_t seq, uint32_t ack,
	     uint16_t win, const struct ns_tcp_opts *opts, const void *data,
	     size_t len)
{
	static uint8_t tcp[60 + 65535];
	size_t olen =
		opts ? ns_tcp_opt_build(tcp + 20, opts, flags & TP_SYN) : 0;
	size_t hlen = 20 + olen;
	ns_put_be16(tcp, p->sport);
	ns_put_be16(tcp + 2, p->dport);
	ns_put_be32(tcp + 4, seq);
	ns_put_be32(tcp + 8, ack);
	tcp[12] = (uint8_t)((hlen / 4) << 4);
	tcp[13] = flags;
	ns_put_be16(tcp + 14, win);
	ns_put_be16(tcp + 18, p->urg);
	if (len)
		memcpy(tcp + hlen, data, len);
	tp_send_raw(p, tcp, hlen + len, false);
}

bool tp_recv(struct tp_peer *p, struct tp_seg *s)
{
	static uint8_t buf[14 + 40 + 65535 + 60];
	for (;;) {
		struct ns_pkt *pkt = nt_take(&p->solo.e);
		if (pkt == NULL)
			return false;
		size_t n = nt_flat(pkt, buf, sizeof(buf));
		ns_pkt_free(pkt);
		uint16_t type = ns_get_be16(buf + 12);
		const uint8_t *ip = buf + 14;
		size_t ihl, tlen;
		uint8_t proto;
		if (type == 0x0800) {
			ihl = (size_t)(ip[0] & 15) * 4;
			tlen = ns_get_be16(ip + 2) - ihl;
			proto = ip[9];
			s->ttl = ip[8];
			s->ip_id = ns_get_be16(ip + 4);
		} else if (type == 0x86dd) {
			ihl = 40;
			tlen = ns_get_be16(ip + 4);
			proto = ip[6];
			s->ttl = ip[7];
		} else {
			continue;
		}
		if (proto != 6)
			continue;
		assert_true(14 + ihl + tlen <= n);
		const uint8_t *t = ip + ihl;
		uint32_t sum = pseudo_sum(p, local_ip(p), peer_ip(p), tlen);
		assert_int_equal(ns_csum_fold(ns_csum_partial(t, tlen, sum)),
				 0);
		s->sport = ns_get_be16(t);
		s->dport = ns_get_be16(t + 2);
		s->seq = ns_get_be32(t + 4);
		s->ack = ns_get_be32(t + 8);
		size_t hlen = (size_t)(t[12] >> 4) * 4;
		s->flags = t[13];
		s->win = ns_get_be16(t + 14);
		s->urg = ns_get_be16(t + 18);
		assert_int_equal(ns_tcp_opt_parse(t + 20, hlen - 20,
						  s->flags & TP_SYN, &s->opts),
				 0);
		s->len = (uint32_t)(tlen - hlen);
		memcpy(s->data, t + hlen, s->len);
		return true;
	}
}

void tp_expect(struct tp_peer *p, struct tp_seg *s)
{
	if (!tp_recv(p, s))
		fail_msg("the stack sent no segment");
}

void tp_expect_none(struct tp_peer *p)
{
	struct tp_seg s;
	if (tp_recv(p, &s))
		fail_msg("unexpected segment: flags %#x seq %u ack %u len %u",
			 s.flags, s.seq, s.ack, s.len);
}

void tp_advance(struct tp_peer *p, uint64_t ns)
{
	nt_solo_advance(&p->solo, ns);
}

uint64_t tp_next_timer(struct tp_peer *p, uint64_t max)
{
	uint64_t next = ns_stack_next_deadline(tp_stack(p));
	uint64_t now = p->solo.now;
	uint64_t delta = next > now ? next - now : 0;
	if (delta > max)
		delta = max;
	nt_solo_advance(&p->solo, delta);
	return delta;
}

/* ---- Connections ---------------------------------------------------------- */

static struct ns_tcp_opts conn_opts(const struct tp_conn *c, bool syn)
{
	struct ns_tcp_opts o = { 0 };
	if (syn) {
		o.present |= TCP_OPT_F_MSS;
		o.mss = c->peer_mss;
		if (c->peer_ws) {
			o.present |= TCP_OPT_F_WSCALE;
			o.wscale = c->peer_ws;
		}
		if (c->sack)
			o.present |= TCP_OPT_F_SACK_PERM;
	}
	if (c->ts) {
		o.present |= TCP_OPT_F_TS;
		o.ts_val = c->peer_ts;
		o.ts_ecr = c->stack_ts;
	}
	return o;
}

void tp_cexpect(struct tp_peer *p, struct tp_conn *c, struct tp_seg *s)
{
	tp_expect(p, s);
	if (s->opts.present & TCP_OPT_F_TS)
		c->stack_ts = s->opts.ts_val;
}

void tp_csend(struct tp_peer *p, struct tp_conn *c, uint8_t flags,
	      const void *data, size_t len)
{
	c->peer_ts++;
	struct ns_tcp_opts o = conn_opts(c, flags & TP_SYN);
	tp_send(p, flags, c->peer_seq, (flags & TP_ACK) ? c->stack_seq : 0,
		c->peer_win, &o, data, len);
	c->peer_seq += (uint32_t)len + ((flags & TP_SYN) ? 1 : 0) +
		       ((flags & TP_FIN) ? 1 : 0);
}

void tp_cack(struct tp_peer *p, struct tp_conn *c, uint32_t ack,
	     const struct ns_tcp_sack_block *b, unsigned nb)
{
	c->peer_ts++;
	struct ns_tcp_opts o = conn_opts(c, false);
	for (unsigned i = 0; i < nb; i++)
		o.sack[i] = b[i];
	if (nb) {
		o.present |= TCP_OPT_F_SACK;
		o.nsack = (uint8_t)nb;
	}
	tp_send(p, TP_ACK, c->peer_seq, ack, c->peer_win, &o, NULL, 0);
}

void tp_establish(struct tp_peer *p, struct tp_conn *c, bool passive,
		  unsigned opts)
{
	memset(c, 0, sizeof(*c));
	c->ts = opts & TP_OPT_TS;
	c->sack = opts & TP_OPT_SACK;
	c->peer_ws = (opts & TP_OPT_WS) ? 4 : 0;
	c->peer_mss = 1460;
	c->peer_win = 65535;
	c->peer_seq = 1000000;
	c->peer_ts = 100;
	int family = p->v6 ? AF_INET6 : AF_INET;
	struct sockaddr_storage ss;
	struct tp_seg s;
	if (passive) {
		assert_int_equal(ns_socket_create(tp_stack(p), family,
						  SOCK_STREAM, 0, &c->l),
				 0);
		if (p->rcvbuf)
			assert_int_equal(ns_socket_setsockopt(
						 c->l, SOL_SOCKET, SO_RCVBUF,
						 &p->rcvbuf, sizeof(p->rcvbuf)),
					 0);
		socklen_t len = tp_addr(p, false, p->dport, &ss);
		assert_int_equal(
			ns_socket_bind(c->l, (struct sockaddr *)&ss, len), 0);
		assert_int_equal(ns_socket_listen(c->l, 16), 0);
		tp_csend(p, c, TP_SYN, NULL, 0);
		tp_cexpect(p, c, &s);
		assert_int_equal(s.flags, TP_SYN | TP_ACK);
		c->stack_seq = s.seq + 1;
		tp_advance(p, p->rtt);
		tp_csend(p, c, TP_ACK, NULL, 0);
		assert_int_equal(ns_socket_accept(c->l, &c->s, NULL, NULL, 0),
				 0);
	} else {
		assert_int_equal(ns_socket_create(tp_stack(p), family,
						  SOCK_STREAM, 0, &c->s),
				 0);
		socklen_t len = tp_addr(p, false, p->dport, &ss);
		assert_int_equal(
			ns_socket_bind(c->s, (struct sockaddr *)&ss, len), 0);
		len = tp_addr(p, true, p->sport, &ss);
		assert_int_equal(
			ns_socket_connect(c->s, (struct sockaddr *)&ss, len),
			-EINPROGRESS);
		tp_cexpect(p, c, &s);
		assert_int_equal(s.flags, TP_SYN);
		c->stack_seq = s.seq + 1;
		tp_advance(p, p->rtt);
		tp_csend(p, c, TP_SYN | TP_ACK, NULL, 0);
		tp_cexpect(p, c, &s);
		assert_int_equal(s.flags, TP_ACK);
	}
	tp_expect_none(p);
}

void tp_conn_close(struct tp_conn *c)
{
	if (c->s)
		ns_socket_close(c->s);
	if (c->l)
		ns_socket_close(c->l);
	c->s = c->l = NULL;
}

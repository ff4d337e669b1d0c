/* TCP connection blocks: the per-stack tables (established hash, ports,
 * TIME_WAIT), state changes, binding and connecting, listen and accept,
 * closing, and the socket ops table. See tcp.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "inet.h"
#include "port.h"
#include "proto.h"
#include "tcp.h"
#include "tcp_seq.h"

#define EHASH_INITIAL 256u
/* Spare 64 KiB send-buffer chunks a stack keeps (4 MiB). */
#define TCP_CHUNK_CACHE 64
#define EHASH_MAX	(1u << 22)

/* ---- Per-stack state -------------------------------------------------- */

int ns_tcp_stack_init(struct ns_stack *stack)
{
	struct ns_tcp_stack *ts = calloc(1, sizeof(*ts));
	if (ts == NULL)
		return -ENOMEM;
	ts->ehash = malloc(EHASH_INITIAL * sizeof(*ts->ehash));
	if (ts->ehash == NULL) {
		free(ts);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < EHASH_INITIAL; i++)
		ns_list_init(&ts->ehash[i]);
	ts->ehash_mask = EHASH_INITIAL - 1;
	uint8_t seed[NS_TCP_SECRETS_SEED_LEN];
	ns_random_bytes(stack, seed, sizeof(seed));
	ns_tcp_secrets_init(&ts->secrets, seed);
	ns_port_table_init(&ts->ports, NS_EPHEMERAL_LO, NS_EPHEMERAL_HI);
	ns_list_init(&ts->tw_fifo);
	ns_timer_init(&ts->tw_timer, ns_tcp_tw_timer);
	ts->chunks = ns_tcp_chunk_pool_new(TCP_CHUNK_CACHE);
	if (ts->chunks == NULL) {
		free(ts->ehash);
		free(ts);
		return -ENOMEM;
	}
	stack->tcp = ts;
	return 0;
}

void ns_tcp_stack_free(struct ns_stack *stack)
{
	struct ns_tcp_stack *ts = stack->tcp;
	if (ts == NULL)
		return;
	struct ns_list *pos, *tmp;
	ns_list_for_each_safe (pos, tmp, &ts->tw_fifo) {
		struct tcp_tw *tw = ns_container_of(pos, struct tcp_tw, fifo);
		free(tw);
	}
	ns_tcp_chunk_pool_close(ts->chunks);
	free(ts->ehash);
	free(ts);
	stack->tcp = NULL;
}

/* ---- Established table ------------------------------------------------ */

static uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/* The established table's hash: a multiply-xorshift mix keyed by the
 * stack's secret, computed per segment, so cheap (Linux keys jhash with
 * a random seed for the same table); SipHash stays for what must be
 * unpredictable (ISNs, cookies). */
static uint32_t conn_hash(struct ns_stack *stack, const struct ns_addr *laddr,
			  uint16_t lport, const struct ns_addr *raddr,
			  uint16_t rport)
{
	const struct ns_hash_key *k = &stack->hash_key;
	uint64_t h = k->k0 ^ ((uint64_t)lport << 16 | rport);
	h = mix(h, load64(laddr->b));
	h = mix(h, load64(laddr->b + 8));
	h = mix(h, load64(raddr->b));
	h = mix(h, load64(raddr->b + 8) ^ k->k1);
	return (uint32_t)(h ^ (h >> 32));
}

/* Doubles the table when chains would grow past two entries on average;
 * a failed allocation just leaves longer chains. */
static void ehash_grow(struct ns_tcp_stack *ts)
{
	uint32_t size = (ts->ehash_mask + 1) * 2;
	if (size > EHASH_MAX)
		return;
	struct ns_list *t = malloc(size * sizeof(*t));
	if (t == NULL)
		return;
	for (uint32_t i = 0; i < size; i++)
		ns_list_init(&t[i]);
	for (uint32_t i = 0; i <= ts->ehash_mask; i++) {
		struct ns_list *pos, *tmp;
		ns_list_for_each_safe (pos, tmp, &ts->ehash[i]) {
			struct tcp_conn *c =
				ns_container_of(pos, struct tcp_conn, node);
			ns_list_del(&c->node);
			ns_list_add(&t[c->hash & (size - 1)], &c->node);
		}
	}
	free(ts->ehash);
	ts->ehash = t;
	ts->ehash_mask = size - 1;
}

static void conn_insert(struct ns_stack *stack, struct tcp_conn *c)
{
	struct ns_tcp_stack *ts = tcp_stack(stack);
	c->hash = conn_hash(stack, &c->laddr, c->lport, &c->raddr, c->rport);
	ns_list_add(&ts->ehash[c->hash & ts->ehash_mask], &c->node);
	c->hashed = true;
	if (++ts->ehash_count > 2 * (ts->ehash_mask + 1))
		ehash_grow(ts);
}

int ns_tcp_hash(struct tcp_sock *tp)
{
	struct ns_sock *sk = &tp->sk;
	struct tcp_conn *c = &tp->conn;
	c->laddr = sk->laddr;
	c->raddr = sk->raddr;
	c->lport = sk->lport;
	c->rport = sk->rport;
	c->kind = TCP_CONN_SOCK;
	conn_insert(sk->stack, c);
	return 0;
}

void ns_tcp_unhash(struct ns_stack *stack, struct tcp_conn *c)
{
	if (!c->hashed)
		return;
	ns_list_del(&c->node);
	c->hashed = false;
	tcp_stack(stack)->ehash_count--;
}

struct tcp_conn *ns_tcp_lookup(struct ns_stack *stack,
			       const struct ns_addr *laddr, uint16_t lport,
			       const struct ns_addr *raddr, uint16_t rport)
{
	struct ns_tcp_stack *ts = tcp_stack(stack);
	uint32_t h = conn_hash(stack, laddr, lport, raddr, rport);
	struct ns_list *pos;
	ns_list_for_each (pos, &ts->ehash[h & ts->ehash_mask]) {
		struct tcp_conn *c =
			ns_container_of(pos, struct tcp_conn, node);
		if (c->hash == h && c->lport == lport && c->rport == rport &&
		    ns_addr_eq(&c->laddr, laddr) &&
		    ns_addr_eq(&c->raddr, raddr))
			return c;
	}
	return NULL;
}

struct tcp_sock *ns_tcp_lookup_listener(struct ns_stack *stack,
					const struct ns_addr *laddr,
					uint16_t lport, int ifindex, bool v6)
{
	struct ns_tcp_stack *ts = tcp_stack(stack);
	struct ns_list *pos;
	struct ns_sock *best = NULL;
	int best_score = -1;
	unsigned group = 0;
	ns_port_for_each(pos, &ts->ports, lport)
	{
		struct ns_sock *sk =
			ns_container_of(pos, struct ns_sock, bind_node);
		if (sk->lport != lport || sk->state != NS_TCP_LISTEN)
			continue;
		int score = ns_inet_local_score(sk, laddr, ifindex, v6);
		if (score > best_score) {
			best = sk;
			best_score = score;
			group = 1;
		} else if (score == best_score && score >= 0 &&
			   (sk->opt & best->opt & NS_SO_REUSEPORT)) {
			group++;
		}
	}
	if (best == NULL || group < 2)
		return best ? tcp_sk(best) : NULL;
	/* SO_REUSEPORT: spread connections over the group. */
	unsigned pick = ns_random_below(stack, group), i = 0;
	ns_port_for_each(pos, &ts->ports, lport)
	{
		struct ns_sock *sk =
			ns_container_of(pos, struct ns_sock, bind_node);
		if (sk->lport == lport && sk->state == NS_TCP_LISTEN &&
		    (sk->opt & NS_SO_REUSEPORT) &&
		    ns_inet_local_score(sk, laddr, ifindex, v6) == best_score &&
		    i++ == pick)
			return tcp_sk(sk);
	}
	return tcp_sk(best);
}

void ns_tcp_tuple_of(const struct ns_addr *laddr, uint16_t lport,
		     const struct ns_addr *raddr, uint16_t rport,
		     struct ns_tcp_tuple *t)
{
	bool v4 = ns_addr_is_v4(laddr);
	t->laddr = v4 ? ns_addr_v4(laddr) : laddr->b;
	t->raddr = v4 ? ns_addr_v4(raddr) : raddr->b;
	t->alen = v4 ? 4 : 16;
	t->lport = lport;
	t->rport = rport;
}

/* ---- Ports -------------------------------------------------------------- */

static void port_insert(struct ns_stack *stack, struct ns_sock *sk,
			uint16_t port)
{
	struct ns_tcp_stack *ts = tcp_stack(stack);
	sk->lport = port;
	sk->ports = &ts->ports;
	ns_list_add(ns_port_bucket(&ts->ports, port), &sk->bind_node);
	ts->ports.count++;
}

/* Linux inet_csk_bind_conflict: another socket on the port whose
 * addresses overlap ours conflicts unless both allow reuse
 * (SO_REUSEADDR, and the other is not listening; or SO_REUSEPORT on
 * both). Listening re-runs the check, so a listener and a socket bound
 * beside it with SO_REUSEADDR cannot both listen. */
static bool bind_conflict(struct ns_stack *stack, const struct ns_sock *sk,
			  uint16_t port)
{
	struct ns_tcp_stack *ts = tcp_stack(stack);
	struct ns_list *pos;
	ns_port_for_each(pos, &ts->ports, port)
	{
		const struct ns_sock *o =
			ns_container_of(pos, struct ns_sock, bind_node);
		if (o == sk || o->lport != port)
			continue;
		if (o->bound_ifindex && sk->bound_ifindex &&
		    o->bound_ifindex != sk->bound_ifindex)
			continue;
		bool o_listen = o->state == NS_TCP_LISTEN;
		if ((o->opt & sk->opt & NS_SO_REUSEADDR) && !o_listen)
			continue;
		if (o->opt & sk->opt & NS_SO_REUSEPORT)
			continue;
		if (ns_port_addrs_overlap(o, sk))
			return true;
	}
	/* Connections in TIME_WAIT hold the port too, unless SO_REUSEADDR
	 * (the classic server restart). Counted per port, not per address:
	 * stricter than Linux when the addresses differ. */
	return ts->tw_per_port[port] > 0 && !(sk->opt & NS_SO_REUSEADDR);
}

static bool port_has_bound(struct ns_stack *stack, uint16_t port)
{
	struct ns_list *pos;
	ns_port_for_each(pos, &tcp_stack(stack)->ports, port)
	{
		const struct ns_sock *o =
			ns_container_of(pos, struct ns_sock, bind_node);
		if (o->lport == port)
			return true;
	}
	return false;
}

static int tcp_get_port(struct ns_sock *sk, uint16_t port)
{
	struct ns_stack *stack = sk->stack;
	struct ns_tcp_stack *ts = tcp_stack(stack);
	if (port == 0) {
		/* bind(0): a random start, then the first port nobody holds
		 * (Linux inet_csk_find_open_port). */
		uint32_t range = (uint32_t)ts->ports.hi - ts->ports.lo + 1;
		uint32_t start = ns_random_below(stack, range);
		for (uint32_t i = 0; i < range; i++) {
			uint16_t p =
				(uint16_t)(ts->ports.lo + (start + i) % range);
			if (!port_has_bound(stack, p) &&
			    ts->tw_per_port[p] == 0) {
				port = p;
				break;
			}
		}
		if (port == 0)
			return -EADDRINUSE;
	} else if (bind_conflict(stack, sk, port)) {
		return -EADDRINUSE;
	}
	port_insert(stack, sk, port);
	return 0;
}

/* Whether the four-tuple may be used by a new connection: nothing holds
 * it, or only a TIME_WAIT record that may be recycled (Linux
 * tcp_twsk_unique with tcp_tw_reuse 2: on loopback, with timestamps,
 * when the record's last timestamp is over a second old). */
static bool tuple_free(struct ns_stack *stack, const struct ns_addr *laddr,
		       uint16_t lport, const struct ns_addr *raddr,
		       uint16_t rport, struct tcp_tw **recycle)
{
	struct tcp_conn *c = ns_tcp_lookup(stack, laddr, lport, raddr, rport);
	if (c == NULL)
		return true;
	if (c->kind != TCP_CONN_TW)
		return false;
	struct tcp_tw *tw = ns_container_of(c, struct tcp_tw, conn);
	if (tw->ts_ok && ns_addr_is_loopback(raddr) &&
	    stack->now - tw->ts_recent_stamp > NS_SEC) {
		*recycle = tw;
		return true;
	}
	return false;
}

/* connect()'s port: RFC 6056 3.3.3 (Linux __inet_hash_connect): an offset
 * keyed on the destination plus a running counter, then the first port
 * whose tuple is free and that no bind() holds. Ports chosen this way are
 * shared among connections to different destinations. */
static int hash_connect_port(struct tcp_sock *tp)
{
	struct ns_sock *sk = &tp->sk;
	struct ns_stack *stack = sk->stack;
	struct ns_tcp_stack *ts = tcp_stack(stack);
	struct ns_tcp_tuple t;
	ns_tcp_tuple_of(&sk->laddr, 0, &sk->raddr, sk->rport, &t);
	uint32_t offset = ns_tcp_port_offset(&ts->secrets, &t);
	uint32_t range = (uint32_t)ts->ports.hi - ts->ports.lo + 1;
	for (uint32_t i = 0; i < range; i++) {
		uint16_t p = (uint16_t)(ts->ports.lo +
					(offset + ts->port_hint + i) % range);
		bool explicit = false;
		struct ns_list *pos;
		ns_port_for_each(pos, &ts->ports, p)
		{
			const struct ns_sock *o =
				ns_container_of(pos, struct ns_sock, bind_node);
			if (o->lport == p &&
			    !tcp_sk((struct ns_sock *)o)->autobound) {
				explicit = true;
				break;
			}
		}
		if (explicit)
			continue;
		struct tcp_tw *recycle = NULL;
		if (!tuple_free(stack, &sk->laddr, p, &sk->raddr, sk->rport,
				&recycle))
			continue;
		if (recycle) {
			TCPX_INC(stack, TWRecycled);
			ns_tcp_tw_kill(stack, recycle);
		}
		ts->port_hint += i + 1;
		port_insert(stack, sk, p);
		tp->autobound = true;
		return 0;
	}
	return -EADDRNOTAVAIL;
}

/* ---- States ------------------------------------------------------------- */

void ns_tcp_set_state(struct tcp_sock *tp, int state)
{
	struct ns_sock *sk = &tp->sk;
	struct ns_stack *stack = sk->stack;
	int old = sk->state;
	bool was_estab = old == NS_TCP_ESTABLISHED || old == NS_TCP_CLOSE_WAIT;
	bool is_estab =
		state == NS_TCP_ESTABLISHED || state == NS_TCP_CLOSE_WAIT;
	if (is_estab && !was_estab)
		TCP_INC(stack, CurrEstab);
	else if (was_estab && !is_estab) {
		stack->stats[NS_STAT_Tcp_CurrEstab]--;
		if (state == NS_TCP_CLOSE)
			TCP_INC(stack, EstabResets);
	}
	sk->state = (uint8_t)state;
}

static void free_queues(struct tcp_sock *tp)
{
	ns_tcp_sndbuf_destroy(&tp->sndq);
	ns_tcp_rcvq_purge(&tp->rcvq);
	ns_tcp_sb_destroy(&tp->sb);
}

static void listener_stop(struct tcp_sock *lp);

/* Frees everything of a socket the user no longer holds. */
static void tcp_free(struct tcp_sock *tp)
{
	ns_tcp_stop_timers(tp);
	ns_tcp_unhash(tp->sk.stack, &tp->conn);
	free_queues(tp);
	if (tp->lst) {
		listener_stop(tp);
		free(tp->lst);
		tp->lst = NULL;
	}
	ns_sock_free(&tp->sk);
}

/* A child leaves its listener's queues (accepted, or gone). */
static void child_unlink(struct tcp_sock *child)
{
	struct tcp_sock *lp = child->parent;
	if (lp == NULL)
		return;
	ns_list_del(&child->queue_node);
	if (child->in_acceptq)
		lp->lst->acceptq_len--;
	else
		lp->lst->synq_len--;
	child->parent = NULL;
	child->in_acceptq = false;
}

void ns_tcp_done(struct tcp_sock *tp)
{
	struct ns_sock *sk = &tp->sk;
	if (sk->state == NS_TCP_SYN_SENT || sk->state == NS_TCP_SYN_RECV)
		TCP_INC(sk->stack, AttemptFails);
	ns_tcp_set_state(tp, NS_TCP_CLOSE);
	ns_tcp_stop_timers(tp);
	ns_tcp_unhash(sk->stack, &tp->conn);
	sk->shutdown = NS_SHUT_RD | NS_SHUT_WR;
	if (tp->parent) {
		/* An unaccepted child: nobody will ever see it. */
		child_unlink(tp);
		sk->user_closed = true;
	}
	if (sk->user_closed) {
		tcp_free(tp);
		return;
	}
	/* The user keeps the socket: the send side is gone, what was
	 * received stays readable. A port chosen by connect() is released
	 * (Linux keeps only an explicitly bound one). */
	ns_tcp_sndbuf_destroy(&tp->sndq);
	ns_tcp_sb_destroy(&tp->sb);
	if (tp->autobound) {
		ns_port_unbind(sk);
		tp->autobound = false;
	}
	ns_sock_wake(sk, EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLRDHUP);
}

void ns_tcp_reset(struct tcp_sock *tp, int err)
{
	tp->sk.err = err;
	ns_tcp_done(tp);
}

/* ---- TIME_WAIT ---------------------------------------------------------- */

void ns_tcp_tw_kill(struct ns_stack *stack, struct tcp_tw *tw)
{
	struct ns_tcp_stack *ts = tcp_stack(stack);
	ns_tcp_unhash(stack, &tw->conn);
	ns_list_del(&tw->fifo);
	ts->tw_count--;
	ts->tw_per_port[tw->conn.lport]--;
	free(tw);
}

void ns_tcp_time_wait(struct tcp_sock *tp, bool fin_wait2)
{
	struct ns_sock *sk = &tp->sk;
	struct ns_stack *stack = sk->stack;
	struct ns_tcp_stack *ts = tcp_stack(stack);
	struct tcp_tw *tw = NULL;
	if (ts->tw_count >= TCP_MAX_TW_BUCKETS)
		TCPX_INC(stack, TCPTimeWaitOverflow);
	else
		tw = calloc(1, sizeof(*tw));
	if (tw) {
		tw->conn = tp->conn;
		tw->conn.kind = TCP_CONN_TW;
		tw->conn.hashed = false;
		ns_list_init(&tw->conn.node);
		/* An orphan in FIN_WAIT2 waits net.ipv4.tcp_fin_timeout
		 * (Linux tcp_fin_time), TIME_WAIT its fixed 60 s. */
		tw->expires =
			stack->now +
			(fin_wait2 ? (uint64_t)stack->sysctl.tcp_fin_timeout *
					     NS_SEC
				   : TCP_TIMEWAIT_NS);
		tw->snd_nxt = tp->snd_nxt;
		tw->rcv_nxt = tp->rcv_nxt;
		tw->rcv_wnd = tp->rwin.rcv_wnd;
		tw->rcv_wscale = tp->rwin.rcv_wscale;
		tw->ts_ok = tp->ts_ok;
		tw->ts_recent = tp->ts_recent;
		tw->ts_recent_stamp = tp->ts_recent_stamp;
		tw->ts_off = tp->ts_off;
		tw->fin_wait2 = fin_wait2;
		tw->ttl = ns_sock_ttl(sk, &sk->raddr);
		tw->tos = ns_addr_is_v4(&sk->raddr) ? sk->tos
						    : (uint8_t)sk->tclass;
		tw->bound_ifindex = sk->bound_ifindex;
	}
	if (!fin_wait2)
		ns_tcp_set_state(tp, NS_TCP_TIME_WAIT);
	/* The socket leaves the table; the record takes its place. */
	ns_tcp_unhash(stack, &tp->conn);
	if (tw) {
		conn_insert(stack, &tw->conn);
		ns_list_add_tail(&ts->tw_fifo, &tw->fifo);
		ts->tw_count++;
		ts->tw_per_port[tw->conn.lport]++;
		TCPX_INC(stack, TW);
		if (!ns_timer_armed(&ts->tw_timer))
			ns_timer_arm(stack, &ts->tw_timer, tw->expires);
	}
	ns_tcp_done(tp);
}

/* ---- Passive open: children, SYN queue, accept queue ------------------- */

/* Linux sk_clone_lock / inet_csk_clone_lock: a child starts with its
 * listener's settings. */
static void inherit(struct tcp_sock *c, const struct tcp_sock *lp)
{
	const struct ns_sock *ls = &lp->sk;
	struct ns_sock *cs = &c->sk;
	cs->opt = ls->opt;
	cs->rcvbuf = ls->rcvbuf;
	cs->sndbuf = ls->sndbuf;
	cs->rcvlowat = ls->rcvlowat;
	cs->sndlowat = ls->sndlowat;
	cs->linger_secs = ls->linger_secs;
	cs->priority = ls->priority;
	cs->mark = ls->mark;
	cs->rcvtimeo = ls->rcvtimeo;
	cs->sndtimeo = ls->sndtimeo;
	cs->ttl = ls->ttl;
	cs->tos = ls->tos;
	cs->hoplimit = ls->hoplimit;
	cs->tclass = ls->tclass;
	cs->pmtudisc = ls->pmtudisc;
	cs->pmtudisc6 = ls->pmtudisc6;
	cs->bound_ifindex = ls->bound_ifindex;
	c->nodelay = lp->nodelay;
	c->cork = lp->cork;
	c->rcvbuf_locked = lp->rcvbuf_locked;
	c->sndbuf_locked = lp->sndbuf_locked;
	c->keepidle = lp->keepidle;
	c->keepintvl = lp->keepintvl;
	c->keepcnt = lp->keepcnt;
	c->syncnt = lp->syncnt;
	c->linger2 = lp->linger2;
	c->defer_accept = lp->defer_accept;
	c->user_timeout_ms = lp->user_timeout_ms;
	c->window_clamp_user = lp->window_clamp_user;
	c->notsent_lowat = lp->notsent_lowat;
	c->user_mss = lp->user_mss;
	ns_tcp_cc_switch(&c->cc, lp->cc.ops);
}

struct tcp_sock *ns_tcp_child(struct tcp_sock *lp, const struct ns_addr *laddr,
			      uint16_t lport, const struct ns_addr *raddr,
			      uint16_t rport, int ifindex)
{
	struct ns_sock *ls = &lp->sk;
	struct ns_sock *cs =
		ns_sock_alloc(ls->stack, &ns_tcp_sock_ops, ls->family,
			      SOCK_STREAM, IPPROTO_TCP);
	if (cs == NULL)
		return NULL;
	struct tcp_sock *c = tcp_sk(cs);
	inherit(c, lp);
	cs->laddr = *laddr;
	cs->raddr = *raddr;
	cs->rport = rport;
	if (ns_addr_needs_scope(raddr))
		cs->scope_id = (uint32_t)ifindex;
	port_insert(ls->stack, cs, lport);
	cs->state = NS_TCP_SYN_RECV;
	ns_tcp_hash(c);
	c->parent = lp;
	ns_list_add_tail(&lp->lst->synq, &c->queue_node);
	lp->lst->synq_len++;
	return c;
}

void ns_tcp_child_established(struct tcp_sock *child)
{
	struct tcp_sock *lp = child->parent;
	if (lp == NULL || child->in_acceptq)
		return;
	ns_list_del(&child->queue_node);
	lp->lst->synq_len--;
	ns_list_add_tail(&lp->lst->acceptq, &child->queue_node);
	lp->lst->acceptq_len++;
	child->in_acceptq = true;
	ns_sock_wake(&lp->sk, EPOLLIN | EPOLLRDNORM);
}

/* Stops listening (close, or shutdown(SHUT_RD)): half-open children go
 * silently, accepted-but-not-taken ones are reset (Linux
 * inet_csk_listen_stop). */
static void listener_stop(struct tcp_sock *lp)
{
	struct tcp_listener *l = lp->lst;
	while (!ns_list_empty(&l->synq)) {
		struct tcp_sock *c = ns_container_of(
			l->synq.next, struct tcp_sock, queue_node);
		ns_tcp_done(c);
	}
	while (!ns_list_empty(&l->acceptq)) {
		struct tcp_sock *c = ns_container_of(
			l->acceptq.next, struct tcp_sock, queue_node);
		ns_tcp_send_active_reset(c);
		TCPX_INC(lp->sk.stack, TCPAbortOnClose);
		ns_tcp_done(c);
	}
}

/* ---- Socket ops --------------------------------------------------------- */

static int tcp_init(struct ns_sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct ns_sysctl *sys = &sk->stack->sysctl;
	sk->rcvbuf = (int)sys->tcp_rmem[1];
	sk->sndbuf = (int)sys->tcp_wmem[1];
	ns_list_init(&tp->queue_node);
	ns_list_init(&tp->conn.node);
	ns_tcp_sndbuf_init(&tp->sndq, 0, tcp_stack(sk->stack)->chunks);
	ns_tcp_rcvq_init(&tp->rcvq);
	ns_tcp_rcv_sack_init(&tp->rsack);
	ns_tcp_sb_init(&tp->sb);
	ns_tcp_rtt_init(&tp->rtt);
	const struct tcp_cc_ops *cc =
		ns_tcp_cc_find(sys->tcp_congestion_control);
	ns_tcp_cc_init(&tp->cc, cc ? cc : ns_tcp_cc_default());
	ns_tcp_rack_init(&tp->rack);
	/* A half-open connection may have to ACK before it knows the
	 * peer's segment size (ns_tcp_init_connection refines it). */
	ns_tcp_delack_init(&tp->delack, TCP_DEFAULT_MSS);
	tp->mss_clamp = TCP_DEFAULT_MSS;
	tp->mss_cache = tp->mss_path = TCP_DEFAULT_MSS;
	tp->keepidle = sys->tcp_keepalive_time;
	tp->keepintvl = sys->tcp_keepalive_intvl;
	tp->keepcnt = sys->tcp_keepalive_probes;
	ns_tcp_init_timers(tp);
	return 0;
}

static int tcp_bind(struct ns_sock *sk, const struct ns_sockname *sn)
{
	/* Linux inet_bind: only a socket in CLOSE without a port. */
	if (sk->state != NS_TCP_CLOSE || sk->lport)
		return -EINVAL;
	if (ns_addr_is_mcast(&sn->addr) || ns_addr_is_v4_bcast(&sn->addr))
		return -EADDRNOTAVAIL;
	return ns_inet_bind(sk, sn, tcp_get_port);
}

/* What an earlier connection left (a failed connect, or one ended with
 * AF_UNSPEC) goes before the next attempt; what the user set stays
 * (Linux tcp_disconnect and tcp_connect_init). */
static void forget_connection(struct tcp_sock *tp)
{
	struct ns_sock *sk = &tp->sk;
	free_queues(tp);
	ns_tcp_sndbuf_init(&tp->sndq, 0, tcp_stack(sk->stack)->chunks);
	ns_tcp_rcvq_init(&tp->rcvq);
	ns_tcp_rcv_sack_init(&tp->rsack);
	ns_tcp_sb_init(&tp->sb);
	ns_tcp_rtt_init(&tp->rtt);
	ns_tcp_cc_init(&tp->cc, tp->cc.ops);
	ns_tcp_rack_init(&tp->rack);
	memset(&tp->tlp, 0, sizeof(tp->tlp));
	ns_tcp_delack_init(&tp->delack, TCP_DEFAULT_MSS);
	tp->snd_wnd = tp->max_window = 0;
	tp->snd_wl1 = tp->snd_up = tp->snd_sml = 0;
	tp->urg_mode = false;
	tp->irs = tp->rcv_nxt = tp->copied_seq = 0;
	tp->ts_ok = tp->sack_ok = tp->wscale_ok = false;
	tp->snd_wscale = 0;
	tp->mss_clamp = tp->mss_cache = tp->mss_path = TCP_DEFAULT_MSS;
	tp->ts_recent = tp->rcv_rtt_last_tsecr = 0;
	tp->ts_recent_stamp = 0;
	tp->fin_queued = tp->fin_sent = false;
	tp->high_seq = tp->undo_marker = tp->reno_dupacks = 0;
	tp->undo_retrans = 0;
	tp->retrans_stamp = 0;
	tp->cwnd_limited = tp->nospace = tp->defer_pending = false;
	tp->retransmits = tp->probes_out = tp->syn_retries = 0;
	tp->urg_seq = 0;
	tp->urg_data = 0;
	tp->soft_err = 0;
	tp->bytes_acked = tp->bytes_received = 0;
	tp->bytes_sent = tp->bytes_retrans = 0;
	tp->segs_in = tp->segs_out = tp->data_segs_in = tp->data_segs_out = 0;
	tp->total_retrans = tp->delivered = tp->dsack_dups = 0;
	tp->reord_seen = tp->rcv_ooopack = 0;
}

/* Linux tcp_disconnect: the connection (or listener) goes; the socket
 * stays, ready to connect or listen again. */
static void tcp_disconnect(struct tcp_sock *tp)
{
	struct ns_sock *sk = &tp->sk;
	switch (sk->state) {
	case NS_TCP_CLOSE:
		break;
	case NS_TCP_LISTEN:
		listener_stop(tp);
		free(tp->lst);
		tp->lst = NULL;
		ns_tcp_set_state(tp, NS_TCP_CLOSE);
		break;
	case NS_TCP_SYN_SENT:
		ns_tcp_done(tp);
		break;
	default:
		/* RFC 9293 3.10.5 ABORT: states with a peer get a RST. */
		ns_tcp_send_active_reset(tp);
		ns_tcp_done(tp);
		break;
	}
	sk->shutdown = 0;
}

/* RFC 9293 3.10.1 OPEN, active (Linux tcp_v4_connect, tcp_v6_connect):
 * route, source address, port, ISN, SYN. Returns -EINPROGRESS once the
 * SYN is out. */
static int tcp_open(struct ns_sock *sk, const struct ns_sockname *sn)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ns_stack *stack = sk->stack;
	bool v6sock = sk->family == AF_INET6;
	/* tcp_v6_connect: a multicast destination, then a v4-mapped one on
	 * a V6ONLY socket, are unreachable (before the scope checks). */
	if (v6sock && ns_addr_is_mcast(&sn->addr))
		return -ENETUNREACH;
	if (v6sock && ns_addr_is_v4(&sn->addr) && (sk->opt & NS_IPV6_V6ONLY))
		return -ENETUNREACH;
	struct ns_sockname peer;
	int r = ns_inet_dest(sk, sn, true, &peer);
	if (r < 0)
		return r;
	if (!ns_addr_is_any(&sk->laddr) &&
	    ns_addr_is_v4(&peer.addr) != ns_addr_is_v4(&sk->laddr))
		/* ip6_dst_lookup_tail: a v4-mapped source cannot reach an
		 * IPv6 destination. */
		return ns_addr_is_v4(&sk->laddr) ? -EAFNOSUPPORT : -EINVAL;
	if (ns_addr_is_mcast(&peer.addr) || ns_addr_is_v4_bcast(&peer.addr))
		return -ENETUNREACH;
	int oif = sk->bound_ifindex;
	if (!oif && ns_addr_needs_scope(&peer.addr))
		oif = (int)peer.scope_id;
	struct ns_dst d;
	const struct ns_addr *src =
		ns_addr_is_any(&sk->laddr) ? NULL : &sk->laddr;
	r = ns_route_output(stack, &peer.addr, src, oif, &d);
	if (r < 0) {
		NS_INC46(stack, !ns_addr_is_v4(&peer.addr), Ip, Ip6,
			 OutNoRoutes);
		return r;
	}
	if (d.flags & (NS_DST_BCAST | NS_DST_MCAST))
		return -ENETUNREACH;
	struct ns_addr old_laddr = sk->laddr;
	if (ns_addr_is_any(&sk->laddr))
		sk->laddr = d.src;
	sk->raddr = peer.addr;
	sk->rport = peer.port;
	sk->scope_id = peer.scope_id;
	sk->dst = d;
	sk->dst_ok = true;
	if (sk->lport == 0) {
		r = hash_connect_port(tp);
	} else {
		struct tcp_tw *recycle = NULL;
		r = tuple_free(stack, &sk->laddr, sk->lport, &sk->raddr,
			       sk->rport, &recycle)
			    ? 0
			    : -EADDRNOTAVAIL;
		if (recycle)
			ns_tcp_tw_kill(stack, recycle);
	}
	if (r < 0) {
		sk->laddr = old_laddr;
		sk->rport = 0;
		sk->dst_ok = false;
		return r;
	}
	sk->err = 0;
	sk->shutdown = 0;
	forget_connection(tp);
	struct ns_tcp_tuple t;
	ns_tcp_tuple_of(&sk->laddr, sk->lport, &sk->raddr, sk->rport, &t);
	tp->iss = ns_tcp_isn(&tcp_stack(stack)->secrets, &t, stack->now);
	tp->ts_off = ns_tcp_ts_offset(&tcp_stack(stack)->secrets, &t);
	tp->ip_ident = (uint16_t)ns_random_u32(stack);
	ns_tcp_hash(tp);
	ns_tcp_set_state(tp, NS_TCP_SYN_SENT);
	TCP_INC(stack, ActiveOpens);
	ns_tcp_send_syn(tp);
	return -EINPROGRESS;
}

/* Linux __inet_stream_connect for a caller that does not wait: the
 * socket state (sock_state) decides first, the protocol state next.
 * A connect that ends (refused, timed out) leaves the socket
 * CONNECTING until a connect() collects the outcome: the pending error
 * (ECONNREFUSED...), or ECONNABORTED when SO_ERROR already took it; only
 * the connect() after that starts over. A completed one is collected as
 * 0 and only later calls say EISCONN. sn NULL: a blocking caller woken
 * during its connect collects the outcome (-EALREADY while the handshake
 * runs; -EPIPE when another thread disconnected the socket meanwhile, as
 * Linux's sk_disconnects check). */
static int tcp_connect(struct ns_sock *sk, const struct ns_sockname *sn)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int err;
	if (sn && sn->unspec) {
		tcp_disconnect(tp);
		sk->sock_state = NS_SS_UNCONNECTED;
		return 0;
	}
	if (sn == NULL) {
		if (sk->sock_state != NS_SS_CONNECTING &&
		    sk->sock_state != NS_SS_CONNECTED)
			return -EPIPE;
		err = -EALREADY;
	} else {
		switch (sk->sock_state) {
		case NS_SS_CONNECTED:
			return -EISCONN;
		case NS_SS_CONNECTING:
			err = -EALREADY;
			break;
		case NS_SS_UNCONNECTED:
			if (sk->state != NS_TCP_CLOSE)
				return -EISCONN;
			err = tcp_open(sk, sn);
			if (err != -EINPROGRESS)
				return err;
			sk->sock_state = NS_SS_CONNECTING;
			break;
		default:
			return -EINVAL;
		}
	}
	if (sk->state == NS_TCP_SYN_SENT || sk->state == NS_TCP_SYN_RECV)
		return err;
	if (sk->state == NS_TCP_CLOSE) {
		/* The connection was refused, reset or timed out. */
		err = sk->err ? ns_sock_error(sk) : -ECONNABORTED;
		sk->sock_state = NS_SS_UNCONNECTED;
		tcp_disconnect(tp);
		return err;
	}
	sk->sock_state = NS_SS_CONNECTED;
	return 0;
}

static int tcp_listen(struct ns_sock *sk, int backlog)
{
	struct tcp_sock *tp = tcp_sk(sk);
	/* __sys_listen: the backlog is capped at net.core.somaxconn. */
	int somaxconn = sk->stack->sysctl.somaxconn;
	uint32_t b = backlog < 0 || backlog > somaxconn ? (uint32_t)somaxconn
							: (uint32_t)backlog;
	/* Linux inet_listen: only a socket that is not connected nor
	 * connecting (even when its connect failed and was not collected)
	 * and is closed or listening already. */
	if (sk->sock_state != NS_SS_UNCONNECTED)
		return -EINVAL;
	if (sk->state == NS_TCP_LISTEN) {
		tp->lst->backlog = b;
		return 0;
	}
	if (sk->state != NS_TCP_CLOSE)
		return -EINVAL;
	if (sk->lport == 0) {
		int r = tcp_get_port(sk, 0);
		if (r < 0)
			return r;
	} else if (bind_conflict(sk->stack, sk, sk->lport)) {
		/* Linux inet_csk_listen_start re-checks the port: a socket
		 * bound with SO_REUSEADDR may not listen beside another. */
		return -EADDRINUSE;
	}
	struct tcp_listener *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return -ENOMEM;
	ns_list_init(&l->synq);
	ns_list_init(&l->acceptq);
	l->backlog = b;
	tp->lst = l;
	sk->shutdown = 0;
	ns_tcp_set_state(tp, NS_TCP_LISTEN);
	return 0;
}

static int tcp_accept(struct ns_sock *sk, struct ns_sock **newsk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (sk->state != NS_TCP_LISTEN)
		return -EINVAL;
	if (sk->err)
		return ns_sock_error(sk);
	if (ns_list_empty(&tp->lst->acceptq))
		return -EAGAIN;
	struct tcp_sock *c = ns_container_of(tp->lst->acceptq.next,
					     struct tcp_sock, queue_node);
	child_unlink(c);
	c->sk.sock_state = NS_SS_CONNECTED; /* inet_accept */
	*newsk = &c->sk;
	return 0;
}

/* Linux tcp_close_state: the state after the user closes or shuts down
 * sending, and whether a FIN goes out. */
static bool close_state(struct tcp_sock *tp)
{
	switch (tp->sk.state) {
	case NS_TCP_ESTABLISHED:
	case NS_TCP_SYN_RECV:
		ns_tcp_set_state(tp, NS_TCP_FIN_WAIT1);
		return true;
	case NS_TCP_CLOSE_WAIT:
		ns_tcp_set_state(tp, NS_TCP_LAST_ACK);
		return true;
	default:
		return false;
	}
}

static void send_fin(struct tcp_sock *tp)
{
	tp->fin_queued = true;
	ns_tcp_push(tp);
}

static int tcp_shutdown(struct ns_sock *sk, int how)
{
	struct tcp_sock *tp = tcp_sk(sk);
	/* SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2 -> bit masks. */
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	uint8_t mask = (uint8_t)(how + 1);
	/* Linux inet_shutdown: a connect not yet collected is settled: a
	 * connection that came up counts as connected; one still opening
	 * or already failed leaves the socket disconnecting, where connect
	 * says EINVAL (unless the attempt is aborted below). */
	if (sk->sock_state == NS_SS_CONNECTING)
		sk->sock_state = sk->state == NS_TCP_SYN_SENT ||
						 sk->state == NS_TCP_SYN_RECV ||
						 sk->state == NS_TCP_CLOSE
					 ? NS_SS_DISCONNECTING
					 : NS_SS_CONNECTED;
	switch (sk->state) {
	case NS_TCP_CLOSE:
		sk->shutdown |= mask;
		ns_sock_wake(sk, EPOLLIN | EPOLLOUT | EPOLLHUP);
		return -ENOTCONN;
	case NS_TCP_LISTEN:
		if (!(mask & NS_SHUT_RD))
			return 0;
		listener_stop(tp);
		free(tp->lst);
		tp->lst = NULL;
		ns_tcp_set_state(tp, NS_TCP_CLOSE);
		ns_sock_wake(sk, EPOLLIN | EPOLLHUP);
		return 0;
	case NS_TCP_SYN_SENT:
		/* Linux: shutting down a connection attempt aborts it. */
		tcp_disconnect(tp);
		sk->sock_state = NS_SS_UNCONNECTED;
		return 0;
	default:
		break;
	}
	sk->shutdown |= mask;
	if ((mask & NS_SHUT_WR) && close_state(tp))
		send_fin(tp);
	ns_sock_wake(sk, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
	return 0;
}

/* Linux tcp_close. */
static void tcp_close(struct ns_sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct ns_stack *stack = sk->stack;
	sk->shutdown = NS_SHUT_RD | NS_SHUT_WR;
	if (sk->state == NS_TCP_LISTEN) {
		listener_stop(tp);
		ns_tcp_set_state(tp, NS_TCP_CLOSE);
		tcp_free(tp);
		return;
	}
	if (sk->state == NS_TCP_CLOSE || sk->state == NS_TCP_SYN_SENT) {
		if (sk->state == NS_TCP_SYN_SENT)
			ns_tcp_done(tp); /* frees: user_closed is set */
		else
			tcp_free(tp);
		return;
	}
	/* RFC 2525 2.17: closing with unread data resets the connection,
	 * so the peer learns its data was lost. */
	bool unread = tp->rcvq.inq.bytes > 0;
	if (unread) {
		TCPX_INC(stack, TCPAbortOnClose);
		ns_tcp_send_active_reset(tp);
		ns_tcp_done(tp);
		return;
	}
	if ((sk->opt & NS_SO_LINGER) && sk->linger_secs == 0) {
		/* SO_LINGER with a zero timeout: abort (Linux
		 * TCPAbortOnData). */
		TCPX_INC(stack, TCPAbortOnData);
		ns_tcp_send_active_reset(tp);
		ns_tcp_done(tp);
		return;
	}
	if (close_state(tp))
		send_fin(tp);
	if (sk->state == NS_TCP_FIN_WAIT2) {
		/* Already half-closed: an orphan waits for the peer's FIN
		 * in a TIME_WAIT record (Linux, tcp_fin_time = 60 s), or is
		 * reset when TCP_LINGER2 is negative. */
		if (tp->linger2 < 0) {
			TCPX_INC(stack, TCPAbortOnLinger);
			ns_tcp_send_active_reset(tp);
			ns_tcp_done(tp);
		} else {
			ns_tcp_time_wait(tp, true);
		}
		return;
	}
	if (sk->state == NS_TCP_CLOSE)
		tcp_free(tp);
	else
		ns_tcp_keepalive_rearm(tp);
}

static void tcp_destroy(struct ns_sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->lst) {
		/* Children are freed through the stack's socket list. */
		struct ns_list *pos, *tmp;
		ns_list_for_each_safe (pos, tmp, &tp->lst->synq)
			ns_list_del(pos);
		ns_list_for_each_safe (pos, tmp, &tp->lst->acceptq)
			ns_list_del(pos);
		free(tp->lst);
		tp->lst = NULL;
	}
	if (tp->parent) {
		ns_list_del(&tp->queue_node);
		tp->parent = NULL;
	}
	ns_tcp_stop_timers(tp);
	ns_tcp_unhash(sk->stack, &tp->conn);
	free_queues(tp);
	ns_sock_free(sk);
}

static void tcp_queues(const struct ns_sock *sk, uint32_t *rx, uint32_t *tx)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)(const void *)sk;
	if (sk->state == NS_TCP_LISTEN) {
		/* ss shows the accept queue and the backlog (Linux). */
		*rx = tp->lst->acceptq_len;
		*tx = tp->lst->backlog;
		return;
	}
	/* Linux's /proc/net/tcp: rcv_nxt - copied_seq, so a FIN the
	 * application has not read yet counts as one byte. */
	*rx = tp->rcv_nxt - tp->copied_seq;
	*tx = ns_tcp_sndbuf_bytes(&tp->sndq);
}

const struct ns_sock_ops ns_tcp_sock_ops = {
	.name = "tcp",
	.obj_size = sizeof(struct tcp_sock),
	.init = tcp_init,
	.close = tcp_close,
	.destroy = tcp_destroy,
	.bind = tcp_bind,
	.connect = tcp_connect,
	.listen = tcp_listen,
	.accept = tcp_accept,
	.sendmsg = ns_tcp_sendmsg,
	.recvmsg = ns_tcp_recvmsg,
	.shutdown = tcp_shutdown,
	.poll = ns_tcp_poll,
	.setsockopt = ns_tcp_setsockopt,
	.getsockopt = ns_tcp_getsockopt,
	.ioctl = ns_tcp_ioctl,
	.queues = tcp_queues,
};

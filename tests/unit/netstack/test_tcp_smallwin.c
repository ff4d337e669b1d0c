/* Small receive windows: the segment size bounded to half the peer's
 * largest window, the SYN-ACK's initial window, persist probes that carry
 * window-sized data and the backoff that ends when the window opens, RTT
 * samples below the clock's tick, no retransmission storm on duplicate
 * ACKs; and, between two stacks over a zero-delay link with the
 * loopback's 65535-byte MTU (as the sandbox's "lo"), a receiver that
 * shrinks SO_RCVBUF after the handshake. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <cmocka.h>

#include "netstack/link.h"
#include "harness.h"
#include "tcp_harness.h"
#include "tcp_pkt.h"
#include "tcp_seq.h"

#define SEC 1000000000ull
#define MS  1000000ull
#define KIB 1024ull

/* ---- Packet level --------------------------------------------------------- */

static char buf[65536];

static ssize_t wr(struct ns_socket *s, size_t n)
{
	memset(buf, 'w', n);
	return ns_socket_sendto(s, buf, n, 0, NULL, 0);
}

static int maxseg(struct ns_socket *s)
{
	int v = 0;
	socklen_t len = sizeof(v);
	assert_int_equal(
		ns_socket_getsockopt(s, IPPROTO_TCP, TCP_MAXSEG, &v, &len), 0);
	return v;
}

/* Moves from timer to timer until the stack sends a segment; returns the
 * time that took. */
static uint64_t wait_seg(struct tp_peer *p, struct tp_conn *c, struct tp_seg *s,
			 uint64_t limit)
{
	uint64_t waited = 0;
	while (!tp_recv(p, s)) {
		assert_true(waited < limit);
		waited += tp_next_timer(p, limit - waited);
	}
	if (s->opts.present & TCP_OPT_F_TS)
		c->stack_ts = s->opts.ts_val;
	return waited;
}

/* Linux tcp_bound_to_half_wnd: a peer whose largest window is 1000 bytes
 * gets 500-byte segments, and TCP_MAXSEG says so; a larger window lifts
 * the bound (tcp_ack_update_window's tcp_sync_mss). */
static void test_mss_bounded_to_half_window(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 80, 40000);
	struct tp_conn c;
	tp_establish(&p, &c, false, 0);
	/* The SYN-ACK offered 65535: the MSS is the path's. */
	assert_int_equal(maxseg(c.s), 1460);
	ns_socket_close(c.s);
	tp_free(&p);

	tp_init(&p, false, 80, 40000);
	struct ns_socket *s;
	assert_int_equal(
		ns_socket_create(tp_stack(&p), AF_INET, SOCK_STREAM, 0, &s), 0);
	struct sockaddr_storage ss;
	socklen_t len = tp_addr(&p, false, 40000, &ss);
	assert_int_equal(ns_socket_bind(s, (struct sockaddr *)&ss, len), 0);
	len = tp_addr(&p, true, 80, &ss);
	assert_int_equal(ns_socket_connect(s, (struct sockaddr *)&ss, len),
			 -EINPROGRESS);
	struct tp_seg syn;
	tp_expect(&p, &syn);
	struct ns_tcp_opts o = { .present = TCP_OPT_F_MSS, .mss = 1460 };
	tp_send(&p, TP_SYN | TP_ACK, 5000, syn.seq + 1, 1000, &o, NULL, 0);
	struct tp_seg seg;
	tp_expect(&p, &seg); /* the handshake's ACK */
	assert_int_equal(maxseg(s), 500);
	assert_int_equal(wr(s, 3000), 3000);
	tp_expect(&p, &seg);
	assert_int_equal(seg.len, 500);
	tp_expect(&p, &seg);
	assert_int_equal(seg.len, 500);
	tp_expect_none(&p);
	/* The peer takes them and offers 30000: segments of an MSS. */
	tp_send(&p, TP_ACK, 5001, syn.seq + 1001, 30000, NULL, NULL, 0);
	assert_int_equal(maxseg(s), 1460);
	tp_expect(&p, &seg);
	assert_int_equal(seg.len, 1460);
	tp_expect(&p, &seg);
	assert_int_equal(seg.len, 3000 - 1000 - 1460);
	ns_socket_close(s);
	tp_free(&p);
}

/* Linux tcp_openreq_init_rwin: the SYN-ACK offers the buffer's space in
 * whole segments of the MSS less the timestamp option, 65160 for a 1500
 * MTU (64240 without timestamps), 65483 on a 65535 MTU. */
static void test_synack_window_in_segments_less_timestamps(void **state)
{
	(void)state;
	static const struct {
		uint32_t mtu;
		unsigned opts;
		uint16_t win;
	} cases[] = {
		{ 1500, TP_OPT_TS, 65160 },
		{ 1500, 0, 64240 },
		{ 65535, TP_OPT_TS, 65483 },
		{ 65535, 0, 65495 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tp_peer p;
		tp_init(&p, false, 5000, 80);
		ns_stack_nic_set_mtu(tp_stack(&p), p.solo.e.ifindex,
				     cases[i].mtu);
		struct tp_conn c;
		memset(&c, 0, sizeof(c));
		c.ts = cases[i].opts & TP_OPT_TS;
		c.peer_mss = 65000;
		c.peer_win = 65535;
		c.peer_seq = 1000;
		struct ns_socket *l;
		assert_int_equal(ns_socket_create(tp_stack(&p), AF_INET,
						  SOCK_STREAM, 0, &l),
				 0);
		struct sockaddr_storage ss;
		socklen_t len = tp_addr(&p, false, 80, &ss);
		assert_int_equal(ns_socket_bind(l, (struct sockaddr *)&ss, len),
				 0);
		assert_int_equal(ns_socket_listen(l, 4), 0);
		tp_csend(&p, &c, TP_SYN, NULL, 0);
		struct tp_seg sa;
		tp_expect(&p, &sa);
		assert_int_equal(sa.flags, TP_SYN | TP_ACK);
		assert_int_equal(sa.win, cases[i].win);
		ns_socket_close(l);
		tp_free(&p);
	}
}

/* The peer's window is closed: two bare probes, backing off. It opens
 * to less than a segment: the next probe (still backed off, Linux
 * tcp_ack_probe) carries what fits, pushed, and then the persist state is
 * over: that data's retransmission waits one unbacked RTO (Linux
 * tcp_send_probe0 clears icsk_backoff), and only the bare probes count as
 * TCPWinProbe. */
static void test_probe_with_data_ends_backoff(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_TS);
	c.peer_win = 0;
	tp_csend(&p, &c, TP_ACK, NULL, 0);
	assert_int_equal(wr(c.s, 5000), 5000);
	tp_expect_none(&p);
	struct tp_seg s;
	uint64_t rto = wait_seg(&p, &c, &s, 10 * SEC);
	assert_true(rto >= 200 * MS && rto < 250 * MS);
	assert_int_equal(s.len, 0);
	tp_cack(&p, &c, c.stack_seq, NULL, 0);
	assert_int_equal(wait_seg(&p, &c, &s, 10 * SEC), 2 * rto);
	assert_int_equal(s.len, 0);
	c.peer_win = 300;
	tp_cack(&p, &c, c.stack_seq, NULL, 0);
	tp_expect_none(&p);
	assert_int_equal(wait_seg(&p, &c, &s, 10 * SEC), 4 * rto);
	assert_int_equal(s.seq, c.stack_seq);
	assert_int_equal(s.len, 300);
	assert_int_equal(s.flags, TP_ACK | TP_PSH); /* tcp_write_wakeup */
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPWinProbe"), 2);
	/* Lost: retransmitted after one RTO, not four. */
	uint64_t gap = wait_seg(&p, &c, &s, 10 * SEC);
	assert_int_equal(s.seq, c.stack_seq);
	assert_int_equal(s.len, 300);
	assert_true(gap >= 200 * MS && gap < 250 * MS);
	tp_conn_close(&c);
	tp_free(&p);
}

/* After three bare probes the window opens wide: the data goes at once,
 * and its RTO is not the probes' backed-off timeout (Linux tcp_ack_probe
 * clears icsk_backoff; its RTO never carried the probes' backoff). */
static void test_window_opening_ends_persist_backoff(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_TS);
	c.peer_win = 0;
	tp_csend(&p, &c, TP_ACK, NULL, 0);
	assert_int_equal(wr(c.s, 1000), 1000);
	struct tp_seg s;
	for (int i = 0; i < 3; i++) {
		wait_seg(&p, &c, &s, 10 * SEC);
		assert_int_equal(s.len, 0);
		tp_cack(&p, &c, c.stack_seq, NULL, 0);
	}
	c.peer_win = 65535;
	tp_cack(&p, &c, c.stack_seq, NULL, 0);
	tp_cexpect(&p, &c, &s);
	assert_int_equal(s.len, 1000);
	uint64_t gap = wait_seg(&p, &c, &s, 10 * SEC);
	assert_int_equal(s.seq, c.stack_seq);
	assert_int_equal(s.len, 1000);
	assert_true(gap >= 200 * MS && gap < 250 * MS);
	tp_conn_close(&c);
	tp_free(&p);
}

/* RFC 6298 5.7 / Linux tcp_ack_update_rtt: an ACK of a retransmission
 * within the timestamp clock's tick (a loopback RTT) is a sample of one
 * tick, and ends the backoff: the next segment's RTO is the base one. */
static void test_sub_tick_rtt_sample_ends_backoff(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_TS);
	assert_int_equal(wr(c.s, 1000), 1000);
	struct tp_seg s;
	tp_cexpect(&p, &c, &s);
	uint64_t g1 = wait_seg(&p, &c, &s, 10 * SEC);
	uint64_t g2 = wait_seg(&p, &c, &s, 10 * SEC);
	assert_int_equal(g2, 2 * g1);
	assert_int_equal(s.len, 1000);
	/* Acknowledged in the same instant, echoing the retransmission's
	 * timestamp. */
	c.stack_seq += 1000;
	tp_cack(&p, &c, c.stack_seq, NULL, 0);
	assert_int_equal(wr(c.s, 1000), 1000);
	tp_cexpect(&p, &c, &s);
	uint64_t gap = wait_seg(&p, &c, &s, 10 * SEC);
	assert_int_equal(s.seq, c.stack_seq);
	assert_true(gap >= 200 * MS && gap < 250 * MS);
	tp_conn_close(&c);
	tp_free(&p);
}

/* A receiver that drops every data segment and answers each, in the same
 * instant, with a duplicate ACK: the same cumulative ACK, its window the
 * same or wobbling, with no SACK block, a D-SACK of old data, the same
 * SACK block each time (a receiver holding data above a hole whose
 * segment it keeps dropping) or one that grows. The sender retransmits on
 * its timers (a tail loss probe, RTOs backing off) and once on the loss
 * signal (the third duplicate without SACK, the first SACK with it),
 * never segment after segment on duplicates that say nothing new (Linux
 * tcp_rack_mark_lost, tcp_process_loss), which over a path as fast as the
 * clock would be a storm: the receiver drops, the sender
 * retransmits, the receiver answers, thousands of times a millisecond. */
enum storm_ack {
	STORM_PLAIN,	 /* the same ACK each time */
	STORM_WOBBLE,	 /* its window alternating by 128 bytes */
	STORM_DSACK,	 /* with a D-SACK of old data */
	STORM_SACK,	 /* SACKing the first segment's successor, every time */
	STORM_SACK_MORE, /* SACKing one more segment each time */
};

static void dupack_storm(unsigned opts, enum storm_ack kind)
{
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, opts);
	uint32_t una = c.stack_seq, highest = una;
	uint32_t mss = (opts & TP_OPT_TS) ? 1448 : 1460;
	assert_int_equal(wr(c.s, 20000), 20000);
	/* Data segments received and not yet answered; what the stack
	 * sends in the instant after a duplicate ACK is its answer to it. */
	unsigned pending = 0, on_ack = 0, dupacks = 0;
	bool trace = getenv("TH_TRACE") != NULL;
	uint64_t start = p.solo.now;
	/* A storm never lets the clock move: stop it to fail, not hang. */
	while (p.solo.now - start < 5 * SEC && on_ack < 1000) {
		struct tp_seg s;
		bool answer = false;
		if (pending == 0) {
			if (!tp_recv(&p, &s)) {
				tp_next_timer(&p, 5 * SEC);
				continue;
			}
		} else {
			if (kind == STORM_WOBBLE)
				c.peer_win = dupacks & 1 ? 65535 : 65407;
			struct ns_tcp_sack_block b = { una - 100, una };
			if (kind == STORM_SACK)
				b = (struct ns_tcp_sack_block){ una + mss,
								una + 2 * mss };
			if (kind == STORM_SACK_MORE) {
				uint32_t end = una + (dupacks + 2) * mss;
				b = (struct ns_tcp_sack_block){
					una + mss,
					seq_lt(end, highest) ? end : highest
				};
			}
			dupacks++;
			pending--;
			tp_cack(&p, &c, una, &b, kind >= STORM_DSACK);
			if (!tp_recv(&p, &s))
				continue;
			answer = true;
		}
		do {
			if (s.opts.present & TCP_OPT_F_TS)
				c.stack_ts = s.opts.ts_val;
			if (trace)
				printf("# %.3f ms%s seq %u len %u\n",
				       (double)(p.solo.now - start) / MS,
				       answer ? " on a duplicate:" : "",
				       s.seq - una, s.len);
			if (s.len == 0)
				continue;
			pending++;
			if (answer && seq_lt(s.seq, highest))
				on_ack++;
			if (seq_gt(s.seq + s.len, highest))
				highest = s.seq + s.len;
		} while (tp_recv(&p, &s));
	}
	uint64_t retrans = nt_stat(tp_stack(&p), "Tcp.RetransSegs");
	printf("# %u duplicate ACKs, %llu retransmissions, %u on a duplicate\n",
	       dupacks, (unsigned long long)retrans, on_ack);
	/* Fast retransmit, once: on the third duplicate without SACK, on
	 * the SACK of later data with it. */
	assert_true(on_ack <=
		    ((opts & TP_OPT_SACK) && kind < STORM_SACK ? 0u : 1u));
	assert_true(retrans <= 8);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_no_storm_on_duplicate_acks_sack(void **state)
{
	(void)state;
	dupack_storm(TP_OPT_TS | TP_OPT_SACK, STORM_PLAIN);
	dupack_storm(TP_OPT_TS | TP_OPT_SACK, STORM_WOBBLE);
	dupack_storm(TP_OPT_TS | TP_OPT_SACK, STORM_DSACK);
	dupack_storm(TP_OPT_TS | TP_OPT_SACK, STORM_SACK);
	dupack_storm(TP_OPT_SACK, STORM_SACK);
	dupack_storm(TP_OPT_TS | TP_OPT_SACK, STORM_SACK_MORE);
}

static void test_no_storm_on_duplicate_acks_reno(void **state)
{
	(void)state;
	dupack_storm(0, STORM_PLAIN);
	dupack_storm(TP_OPT_TS, STORM_WOBBLE);
}

static int getint(struct ns_socket *s, int name)
{
	int v = 0;
	socklen_t len = sizeof(v);
	assert_int_equal(ns_socket_getsockopt(s, SOL_SOCKET, name, &v, &len),
			 0);
	return v;
}

static void setint(struct ns_socket *s, int name, int v)
{
	assert_int_equal(
		ns_socket_setsockopt(s, SOL_SOCKET, name, &v, sizeof(v)), 0);
}

/* Linux tcp_set_rcvlowat: SO_RCVLOWAT is capped at half an SO_RCVBUF
 * buffer (or half of tcp_rmem[2]), and an unlocked buffer grows to twice
 * the mark. */
static void test_rcvlowat_capped_buffer_grown(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_TS);
	setint(c.s, SO_RCVLOWAT, 100000);
	assert_int_equal(getint(c.s, SO_RCVLOWAT), 100000);
	assert_int_equal(getint(c.s, SO_RCVBUF), 200000);
	setint(c.s, SO_RCVLOWAT, 1000000000);
	assert_int_equal(getint(c.s, SO_RCVLOWAT), 6291456 / 2);
	assert_int_equal(getint(c.s, SO_RCVBUF), 6291456);
	setint(c.s, SO_RCVLOWAT, 0);
	assert_int_equal(getint(c.s, SO_RCVLOWAT), 1);
	/* Locked: capped, the buffer stays. */
	setint(c.s, SO_RCVBUF, 16384);
	setint(c.s, SO_RCVLOWAT, 100000);
	assert_int_equal(getint(c.s, SO_RCVLOWAT), 16384);
	assert_int_equal(getint(c.s, SO_RCVBUF), 32768);
	tp_conn_close(&c);
	tp_free(&p);
}

/* Linux tcp_epollin_ready: below SO_RCVLOWAT the socket is readable all
 * the same once the buffer is nearly full or the window left cannot take
 * another segment: the mark cannot be reached (small segments cost more
 * buffer than they carry), and waiting would hang the reader (poll never
 * returns) and stall the sender. */
static void test_rcvlowat_readable_when_window_is_spent(void **state)
{
	(void)state;
	struct tp_peer p;
	tp_init(&p, false, 5000, 80);
	p.rcvbuf = 16384; /* 32 KiB of buffer, the mark at most 16 KiB */
	struct tp_conn c;
	tp_establish(&p, &c, true, TP_OPT_TS);
	setint(c.s, SO_RCVLOWAT, 16384);
	assert_int_equal(getint(c.s, SO_RCVLOWAT), 16384);
	/* 700-byte segments: the buffer fills by what they cost, not what
	 * they carry, and the window closes with less than the mark
	 * queued. */
	const uint32_t len = 700;
	memset(buf, 'd', len);
	struct tp_seg s;
	uint32_t right = c.peer_seq + 15000;
	/* Less than the mark with room left: not readable. */
	tp_csend(&p, &c, TP_ACK, buf, len);
	while (tp_recv(&p, &s))
		right = s.ack + s.win;
	assert_int_equal(ns_socket_poll(c.s) & EPOLLIN, 0);
	/* Fill the window in segments that cost more than they carry. */
	for (int i = 0; i < 200 && right - c.peer_seq >= len; i++) {
		tp_csend(&p, &c, TP_ACK, buf, len);
		tp_advance(&p, 50 * MS);
		while (tp_recv(&p, &s))
			right = s.ack + s.win;
	}
	int queued = 0;
	assert_int_equal(ns_socket_ioctl(c.s, FIONREAD, &queued), 0);
	assert_true(right - c.peer_seq < len);
	assert_true(queued < 16384);
	assert_true(ns_socket_poll(c.s) & EPOLLIN);
	tp_conn_close(&c);
	tp_free(&p);
}

/* ---- Two stacks ----------------------------------------------------------- */

/* What crossed the link, per direction, for the assertions. */
struct trace {
	uint64_t data_segs, max_len;
	/* The data segment with the most copies on the wire. */
	uint32_t last_seq, last_len;
	uint32_t same_run, max_same_run;
	bool verbose;
};

static void on_seg(void *arg, const struct th_seg *s)
{
	struct trace *t = arg;
	if (t->verbose)
		printf("# %8.3f ms %s flags %02x seq %u ack %u win %u len %u\n",
		       (double)(s->at - SEC) / MS, s->a_to_b ? "a>b" : "b>a",
		       s->flags, s->seq, s->ack, s->win, s->len);
	if (!s->a_to_b || s->len == 0)
		return;
	t->data_segs++;
	if (s->len > t->max_len)
		t->max_len = s->len;
	if (s->seq == t->last_seq && s->len == t->last_len) {
		if (++t->same_run > t->max_same_run)
			t->max_same_run = t->same_run;
	} else {
		t->same_run = 1;
		t->last_seq = s->seq;
		t->last_len = s->len;
	}
}

/* The program of the report: a connects to b, b sets SO_RCVBUF on the
 * accepted socket, a writes `total` bytes and shuts down, b starts
 * reading after `idle` and reads to EOF. */
struct shrink {
	struct th_net *net;
	struct ns_socket *listener, *srv;
	struct th_stream tx, rx;
	int rcvbuf;
	uint64_t read_at; /* absolute */
};

static bool shrink_step(void *arg)
{
	struct shrink *sh = arg;
	if (sh->srv == NULL) {
		if (ns_socket_accept(sh->listener, &sh->srv, NULL, NULL, 0) < 0)
			return false;
		th_setsockopt_int(sh->srv, SOL_SOCKET, SO_RCVBUF, sh->rcvbuf);
		th_stream_init(&sh->rx, sh->srv, 0, 0);
		sh->read_at = sh->net->now + 300 * MS;
	}
	th_stream_write(&sh->tx);
	if (sh->net->now >= sh->read_at)
		th_stream_read(&sh->rx);
	return sh->rx.eof || sh->rx.err || sh->tx.err;
}

/* Runs the program; returns the virtual time from the first read to
 * EOF. */
static uint64_t run_shrink(struct th_net *net, struct trace *t, int rcvbuf,
			   uint64_t total)
{
	struct shrink sh = { .net = net, .rcvbuf = rcvbuf };
	net->tap = on_seg;
	net->tap_arg = t;
	sh.listener = th_listen(net->b, AF_INET, "10.1.0.2", 80, 8);
	struct ns_socket *c = th_connect(net->a, AF_INET, "10.1.0.2", 80);
	th_stream_init(&sh.tx, c, 7, total);
	bool ok = th_net_run(net, shrink_step, &sh, net->now + 60 * SEC);
	assert_true(ok);
	assert_int_equal(sh.rx.err, 0);
	assert_int_equal(sh.tx.err, 0);
	assert_int_equal(sh.rx.done, total);
	assert_true(sh.rx.hash == th_stream_expected_hash(7, total));
	uint64_t took = net->now - sh.read_at;
	th_stream_free(&sh.tx);
	ns_socket_close(c);
	ns_socket_close(sh.srv);
	ns_socket_close(sh.listener);
	return took;
}

static void lo_net(struct th_net *net)
{
	struct tcp_fl_params p = { .seed = 1 };
	th_net_init(net, &p, &p, 65535, NS_LINK_CAP_TRUSTED);
}

/* SO_RCVBUF 16384 (32 KiB of buffer, a 16 KiB window) set after the
 * handshake, against a sender whose MSS is 65483: segments are at most
 * half the largest window offered (32741 of the SYN-ACK's 65483), the
 * window below that is used by persist probes carrying a window of data
 * each, one RTO apart, the backoff of the drops before the first read
 * gone; no segment goes out again and again. (Linux 6.1 does the same
 * with its 16 KiB window; 6.6 and later offer about the whole buffer.) */
static void test_shrunk_rcvbuf_after_accept(void **state)
{
	(void)state;
	struct th_net net;
	lo_net(&net);
	struct trace t = { .verbose = getenv("TH_TRACE") != NULL };
	uint64_t took = run_shrink(&net, &t, 16384, 256 * KIB);
	printf("# 256 KiB to EOF in %.1f ms, %llu data segments, largest "
	       "%llu, %u copies at most, TCPWinProbe %llu\n",
	       (double)took / MS, (unsigned long long)t.data_segs,
	       (unsigned long long)t.max_len, t.max_same_run,
	       (unsigned long long)nt_stat(net.a, "TcpExt.TCPWinProbe"));
	assert_true(t.max_len <= 65483 / 2);
	assert_true(took < 3 * SEC);
	assert_int_equal(nt_stat(net.a, "TcpExt.TCPWinProbe"), 0);
	assert_true(t.max_same_run <= 3);
	th_net_free(&net);
}

/* The smallest buffer (SO_RCVBUF 1): a window of a few KiB, so every
 * probe carries a little; one RTO apart (not backing off), and no
 * storm. */
static void test_smallest_rcvbuf_after_accept(void **state)
{
	(void)state;
	struct th_net net;
	lo_net(&net);
	struct trace t = { .verbose = getenv("TH_TRACE") != NULL };
	uint64_t took = run_shrink(&net, &t, 1, 128 * KIB);
	printf("# 128 KiB to EOF in %.1f ms, %llu data segments, largest "
	       "%llu, %u copies at most, retransmissions %llu\n",
	       (double)took / MS, (unsigned long long)t.data_segs,
	       (unsigned long long)t.max_len, t.max_same_run,
	       (unsigned long long)nt_stat(net.a, "Tcp.RetransSegs"));
	assert_true(t.max_same_run <= 3);
	assert_true(nt_stat(net.a, "Tcp.RetransSegs") <= 4);
	assert_true(took < 8 * SEC);
	th_net_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mss_bounded_to_half_window),
		cmocka_unit_test(
			test_synack_window_in_segments_less_timestamps),
		cmocka_unit_test(test_probe_with_data_ends_backoff),
		cmocka_unit_test(test_window_opening_ends_persist_backoff),
		cmocka_unit_test(test_sub_tick_rtt_sample_ends_backoff),
		cmocka_unit_test(test_no_storm_on_duplicate_acks_sack),
		cmocka_unit_test(test_no_storm_on_duplicate_acks_reno),
		cmocka_unit_test(test_rcvlowat_capped_buffer_grown),
		cmocka_unit_test(test_rcvlowat_readable_when_window_is_spent),
		cmocka_unit_test(test_shrunk_rcvbuf_after_accept),
		cmocka_unit_test(test_smallest_rcvbuf_after_accept),
	};
	return cmocka_run_group_tests_name("netstack/tcp_smallwin", tests, NULL,
					   NULL);
}

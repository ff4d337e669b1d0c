/* Loss detection and recovery, segment by segment, with a 10 ms RTT:
 * retransmission timeouts with exponential backoff and the final
 * ETIMEDOUT, fast retransmit on three duplicate ACKs with limited transmit
 * and NewReno's partial ACKs, SACK recovery, RACK's reordering window
 * and timer, the tail loss probe, and undoing spurious reductions by
 * D-SACK and by timestamps (Eifel). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <cmocka.h>

#include "netstack/tcp_info.h"
#include "tcp_pkt.h"

#define MS  1000000ull
#define SEC 1000000000ull
#define MSS 1448 /* 1460 - timestamps */

static char buf[200000];

static void info_of(struct ns_socket *s, struct ns_tcp_info *i)
{
	socklen_t len = sizeof(*i);
	assert_int_equal(
		ns_socket_getsockopt(s, IPPROTO_TCP, TCP_INFO, i, &len), 0);
}

/* A connection whose RTT is 10 ms, the stack about to send. */
static void setup(struct tp_peer *p, struct tp_conn *c, unsigned opts)
{
	tp_init(p, false, 5000, 80);
	p->rtt = 10 * MS;
	tp_establish(p, c, true, opts | TP_OPT_TS);
	int one = 1;
	assert_int_equal(ns_socket_setsockopt(c->s, IPPROTO_TCP, TCP_NODELAY,
					      &one, sizeof(one)),
			 0);
}

/* Has the stack send n full segments; returns their first sequence. */
static uint32_t send_segs(struct tp_peer *p, struct tp_conn *c, unsigned n,
			  struct tp_seg *segs)
{
	memset(buf, 'L', sizeof(buf));
	assert_int_equal(ns_socket_sendto(c->s, buf, n * MSS, 0, NULL, 0),
			 (ssize_t)(n * MSS));
	uint32_t first = c->stack_seq;
	for (unsigned i = 0; i < n; i++) {
		tp_cexpect(p, c, &segs[i]);
		assert_int_equal(segs[i].seq, first + i * MSS);
		assert_int_equal(segs[i].len, MSS);
	}
	return first;
}

static void test_rto_backoff_and_timeout(void **state)
{
	(void)state;
	struct tp_peer p;
	struct tp_conn c;
	setup(&p, &c, 0);
	struct tp_seg s[1], r;
	uint32_t first = send_segs(&p, &c, 1, s);
	struct ns_tcp_info info;
	info_of(c.s, &info);
	/* RFC 6298 with Linux's floor: RTO = SRTT + max(4 RTTVAR, 200 ms),
	 * then doubling at each timeout, up to 120 s. */
	uint64_t rto = (uint64_t)info.rto * 1000;
	assert_true(rto >= 210 * MS && rto <= 230 * MS);
	uint64_t expect = rto;
	for (int i = 0; i < 15; i++) {
		uint64_t gap = tp_next_timer(&p, 200 * SEC);
		assert_true(gap + 1000 >= expect && gap <= expect + 1000);
		tp_expect(&p, &r);
		assert_int_equal(r.seq, first);
		expect = expect * 2 < 120 * SEC ? expect * 2 : 120 * SEC;
	}
	info_of(c.s, &info);
	assert_int_equal(info.ca_state, 4 /* Loss */);
	assert_int_equal(info.snd_cwnd, 1);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPTimeouts"), 15);
	/* After tcp_retries2 (15) the connection is given up (about 15
	 * minutes with a 200 ms start). */
	tp_next_timer(&p, 200 * SEC);
	assert_int_equal(ns_socket_recvfrom(c.s, buf, 10, 0, NULL, NULL),
			 -ETIMEDOUT);
	tp_conn_close(&c);
	tp_free(&p);
}

/* Takes every segment the stack sent; returns how many, and raises *high
 * to the highest sequence number sent. */
static unsigned drain(struct tp_peer *p, struct tp_conn *c, uint32_t *high)
{
	struct tp_seg r;
	unsigned n = 0;
	while (tp_recv(p, &r)) {
		if (r.opts.present & TCP_OPT_F_TS)
			c->stack_ts = r.opts.ts_val;
		if ((int32_t)(r.seq + r.len - *high) > 0)
			*high = r.seq + r.len;
		n++;
	}
	return n;
}

static void test_fast_retransmit_newreno(void **state)
{
	(void)state;
	struct tp_peer p;
	struct tp_conn c;
	setup(&p, &c, 0);
	struct tp_seg s[10], r;
	uint32_t first = send_segs(&p, &c, 10, s);
	uint32_t high = first + 10 * MSS;
	/* More to send once the window allows. */
	assert_true(ns_socket_sendto(c.s, buf, 20 * MSS, 0, NULL, 0) > 0);
	tp_advance(&p, 10 * MS);
	/* Segment 2 is lost: the ACK of segment 1, then a duplicate for
	 * each segment after the hole. */
	tp_cack(&p, &c, first + MSS, NULL, 0);
	drain(&p, &c, &high); /* new data the ACK's slow start released */
	struct ns_tcp_info info;
	info_of(c.s, &info);
	uint32_t cwnd = info.snd_cwnd;
	for (int dup = 1; dup <= 2; dup++) {
		tp_cack(&p, &c, first + MSS, NULL, 0);
		/* RFC 3042 limited transmit: one new segment per dup. */
		uint32_t before = high;
		assert_int_equal(drain(&p, &c, &high), 1);
		assert_int_equal(high, before + MSS);
	}
	tp_cack(&p, &c, first + MSS, NULL, 0);
	/* RFC 5681 3.2: the third duplicate retransmits at once. */
	tp_cexpect(&p, &c, &r);
	assert_int_equal(r.seq, first + MSS);
	info_of(c.s, &info);
	assert_int_equal(info.ca_state, 3 /* Recovery */);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPRenoRecovery"), 1);
	/* RFC 6582: a partial ACK (segment 3 was lost too) retransmits the
	 * next hole at once. */
	drain(&p, &c, &high);
	tp_cack(&p, &c, first + 2 * MSS, NULL, 0);
	tp_cexpect(&p, &c, &r);
	assert_int_equal(r.seq, first + 2 * MSS);
	drain(&p, &c, &high);
	/* Everything up to the recovery point: back to Open, ssthresh at
	 * CUBIC's 0.7 of the window, cwnd from ssthresh on (this ACK may
	 * already grow it, as on Linux). */
	tp_cack(&p, &c, high, NULL, 0);
	info_of(c.s, &info);
	assert_int_equal(info.ca_state, 0);
	assert_int_equal(info.snd_ssthresh, cwnd * 717 / 1024);
	assert_true(info.snd_cwnd >= info.snd_ssthresh &&
		    info.snd_cwnd <= info.snd_ssthresh + 1);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_sack_recovery_three_sacked(void **state)
{
	(void)state;
	struct tp_peer p;
	struct tp_conn c;
	setup(&p, &c, TP_OPT_SACK);
	struct tp_seg s[6], r;
	uint32_t first = send_segs(&p, &c, 6, s);
	tp_advance(&p, 10 * MS);
	/* The first segment is lost; three SACKed above it: lost at once
	 * (RFC 8985 6.2 step 4: no reordering seen, DupThresh SACKed). */
	struct ns_tcp_sack_block b = { first + MSS, first + 4 * MSS };
	tp_cack(&p, &c, first, &b, 1);
	tp_cexpect(&p, &c, &r);
	assert_int_equal(r.seq, first);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPSackRecovery"), 1);
	struct ns_tcp_info info;
	info_of(c.s, &info);
	assert_int_equal(info.ca_state, 3);
	assert_int_equal(info.sacked, 3);
	assert_true(info.retrans >= 1);
	/* The repair arrives: a cumulative ACK past the SACKed data. */
	tp_cack(&p, &c, first + 6 * MSS, NULL, 0);
	info_of(c.s, &info);
	assert_int_equal(info.ca_state, 0);
	assert_int_equal(info.unacked, 0);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_rack_waits_reordering_window(void **state)
{
	(void)state;
	struct tp_peer p;
	struct tp_conn c;
	setup(&p, &c, TP_OPT_SACK);
	struct tp_seg s[3], r;
	uint32_t first = send_segs(&p, &c, 3, s);
	tp_advance(&p, 10 * MS);
	/* One segment SACKed above a hole: maybe reordering. RACK waits
	 * RTT + min_RTT / 4 after the hole's transmission (2.5 ms beyond
	 * now, plus Linux's 2 ms timer slack) before deciding. */
	struct ns_tcp_sack_block b = { first + MSS, first + 2 * MSS };
	tp_cack(&p, &c, first, &b, 1);
	tp_expect_none(&p);
	tp_advance(&p, 4 * MS);
	tp_expect_none(&p);
	tp_advance(&p, 600000);
	tp_cexpect(&p, &c, &r);
	assert_int_equal(r.seq, first);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_tail_loss_probe(void **state)
{
	(void)state;
	struct tp_peer p;
	struct tp_conn c;
	setup(&p, &c, TP_OPT_SACK);
	struct tp_seg s[3], r;
	send_segs(&p, &c, 3, s);
	/* The tail is lost: after PTO = 2 SRTT + 2 ms the last segment is
	 * sent again to draw a SACK (RFC 8985 7). */
	uint64_t gap = tp_next_timer(&p, SEC);
	assert_true(gap >= 20 * MS && gap <= 24 * MS);
	tp_cexpect(&p, &c, &r);
	assert_int_equal(r.seq, s[2].seq);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPLossProbes"), 1);
	/* Its SACK, a round trip later, reveals the earlier two lost: fast
	 * recovery, no RTO. */
	tp_advance(&p, 10 * MS);
	struct ns_tcp_sack_block b = { s[2].seq, s[2].seq + MSS };
	tp_cack(&p, &c, s[0].seq, &b, 1);
	tp_cexpect(&p, &c, &r);
	assert_int_equal(r.seq, s[0].seq);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPTimeouts"), 0);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_dsack_undoes_spurious_recovery(void **state)
{
	(void)state;
	struct tp_peer p;
	struct tp_conn c;
	setup(&p, &c, TP_OPT_SACK);
	struct tp_seg s[6], r;
	uint32_t first = send_segs(&p, &c, 6, s);
	struct ns_tcp_info before;
	info_of(c.s, &before);
	tp_advance(&p, 10 * MS);
	struct ns_tcp_sack_block b = { first + MSS, first + 4 * MSS };
	tp_cack(&p, &c, first, &b, 1);
	tp_cexpect(&p, &c, &r); /* the "fast" retransmission */
	/* The original was only delayed: everything is acknowledged and
	 * the retransmission comes back as a D-SACK (RFC 2883 4.1). */
	struct ns_tcp_sack_block d = { first, first + MSS };
	tp_cack(&p, &c, first + 6 * MSS, &d, 1);
	struct ns_tcp_info after;
	info_of(c.s, &after);
	assert_int_equal(after.ca_state, 0);
	assert_int_equal(after.snd_cwnd, before.snd_cwnd);
	assert_true(nt_stat(tp_stack(&p), "TcpExt.TCPDSACKUndo") +
			    nt_stat(tp_stack(&p), "TcpExt.TCPFullUndo") >=
		    1);
	tp_conn_close(&c);
	tp_free(&p);
}

static void test_timestamps_undo_spurious_rto(void **state)
{
	(void)state;
	struct tp_peer p;
	struct tp_conn c;
	setup(&p, &c, 0);
	struct tp_seg s[4], r;
	uint32_t first = send_segs(&p, &c, 4, s);
	uint32_t orig_ts = s[3].opts.ts_val;
	struct ns_tcp_info before;
	info_of(c.s, &before);
	/* The ACKs are held up beyond the RTO. */
	tp_next_timer(&p, SEC);
	tp_expect(&p, &r);
	assert_int_equal(r.seq, first);
	/* Then they arrive, echoing the originals' timestamp: the
	 * retransmission was spurious (RFC 3522), the window comes back. */
	c.stack_ts = orig_ts;
	tp_cack(&p, &c, first + 4 * MSS, NULL, 0);
	struct ns_tcp_info after;
	info_of(c.s, &after);
	assert_int_equal(after.ca_state, 0);
	assert_true(after.snd_cwnd >= before.snd_cwnd);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPLossUndo"), 1);
	assert_int_equal(nt_stat(tp_stack(&p), "TcpExt.TCPSpuriousRTOs"), 1);
	tp_conn_close(&c);
	tp_free(&p);
}

/* A smaller path MTU (ICMP "fragmentation needed" / "packet too big")
 * while full segments are in flight: they go again cut to the new MSS,
 * none is refused by the IP layer, and new data uses the new size. */
static void test_path_mtu_drop_resegments_in_flight(void **state)
{
	(void)state;
	for (int v6 = 0; v6 < 2; v6++) {
		struct tp_peer p;
		tp_init(&p, v6, 5000, 80);
		p.rtt = 10 * MS;
		struct tp_conn c;
		tp_establish(&p, &c, true, TP_OPT_TS | TP_OPT_SACK);
		uint32_t mss = v6 ? 1500 - 60 - 12 : MSS;
		memset(buf, 'P', sizeof(buf));
		assert_int_equal(
			ns_socket_sendto(c.s, buf, 3 * mss, 0, NULL, 0),
			(ssize_t)(3 * mss));
		struct tp_seg segs[3];
		for (int i = 0; i < 3; i++) {
			tp_cexpect(&p, &c, &segs[i]);
			assert_int_equal(segs[i].len, mss);
		}
		uint32_t mtu = v6 ? 1280 : 1000;
		uint32_t new_mss = mtu - (v6 ? 60 : 40) - 12;
		if (v6)
			tp_send_icmp(&p, 2, 0, mtu, &segs[0]);
		else
			tp_send_icmp(&p, 3, 4, mtu, &segs[0]);
		/* Every byte in flight goes again, in segments that fit. */
		uint32_t covered = 0;
		struct tp_seg s;
		while (tp_recv(&p, &s)) {
			assert_true(s.len <= new_mss);
			assert_int_equal(s.seq, segs[0].seq + covered);
			covered += s.len;
		}
		assert_int_equal(covered, 3 * mss);
		assert_int_equal(nt_stat(tp_stack(&p),
					 v6 ? "Ip6.FragFails" : "Ip.FragFails"),
				 0);
		c.stack_seq = segs[0].seq + covered;
		tp_cack(&p, &c, c.stack_seq, NULL, 0);
		assert_int_equal(ns_socket_sendto(c.s, buf, 2000, 0, NULL, 0),
				 2000);
		tp_cexpect(&p, &c, &s);
		assert_int_equal(s.len, new_mss);
		tp_conn_close(&c);
		tp_free(&p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rto_backoff_and_timeout),
		cmocka_unit_test(test_fast_retransmit_newreno),
		cmocka_unit_test(test_sack_recovery_three_sacked),
		cmocka_unit_test(test_rack_waits_reordering_window),
		cmocka_unit_test(test_tail_loss_probe),
		cmocka_unit_test(test_dsack_undoes_spurious_recovery),
		cmocka_unit_test(test_timestamps_undo_spurious_rto),
		cmocka_unit_test(test_path_mtu_drop_resegments_in_flight),
	};
	return cmocka_run_group_tests_name("netstack/tcp_loss", tests, NULL,
					   NULL);
}

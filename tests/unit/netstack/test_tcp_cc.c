/* Congestion control: the registry, NewReno's arithmetic (RFC 5681),
 * PRR (RFC 6937), timeouts and undo, restart after idle, and CUBIC's
 * curve (RFC 9438), fast convergence and HyStart, against a simulated ACK
 * clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_cc.h"

#define MS 1000000ULL

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(ns_tcp_cc_find("reno"), &ns_tcp_cc_reno);
	assert_ptr_equal(ns_tcp_cc_find("cubic"), &ns_tcp_cc_cubic);
	assert_null(ns_tcp_cc_find("bbr"));
	assert_null(ns_tcp_cc_find(""));
	assert_ptr_equal(ns_tcp_cc_default(), &ns_tcp_cc_cubic);
	assert_string_equal(ns_tcp_cc_available(), "reno cubic");
}

static void test_initial_window_rfc6928(void **state)
{
	(void)state;
	struct tcp_cc cc;
	ns_tcp_cc_init(&cc, &ns_tcp_cc_reno);
	assert_int_equal(cc.cwnd, 10);
	assert_int_equal(cc.ssthresh, TCP_INFINITE_SSTHRESH);
	assert_int_equal(cc.state, NS_CA_OPEN);
}

static void ack(struct tcp_cc *cc, uint32_t acked, uint64_t now)
{
	struct tcp_cc_ack a = { .now = now, .acked = acked };
	ns_tcp_cc_cong_avoid(cc, &a);
}

static void test_reno_slow_start_then_linear(void **state)
{
	(void)state;
	struct tcp_cc cc;
	ns_tcp_cc_init(&cc, &ns_tcp_cc_reno);
	ack(&cc, 5, 0);
	assert_int_equal(cc.cwnd, 15);
	/* Crossing ssthresh: the excess goes to congestion avoidance. */
	cc.ssthresh = 18;
	ack(&cc, 5, 0);
	assert_int_equal(cc.cwnd, 18);
	assert_int_equal(cc.cwnd_cnt, 2);
	/* One segment per window of ACKs. */
	for (int i = 0; i < 16; i++)
		ack(&cc, 1, 0);
	assert_int_equal(cc.cwnd, 19);
}

static void test_reno_halves_on_recovery_and_prr(void **state)
{
	(void)state;
	struct tcp_cc cc;
	ns_tcp_cc_init(&cc, &ns_tcp_cc_reno);
	cc.cwnd = 20;
	cc.ssthresh = 15;
	ns_tcp_cc_enter_recovery(&cc, false);
	assert_int_equal(cc.ssthresh, 10);
	assert_int_equal(cc.state, NS_CA_RECOVERY);
	assert_int_equal(cc.prior_cwnd, 20);
	/* RFC 6937: while the pipe is above ssthresh, one segment goes out
	 * per two delivered (ssthresh / RecoverFS = 1/2); the first ACK
	 * always allows the fast retransmit. */
	uint32_t pipe = 19, sent = 0;
	for (int i = 0; i < 10; i++) {
		ns_tcp_cc_prr(&cc, 1, pipe, false, false);
		uint32_t allowed = cc.cwnd > pipe ? cc.cwnd - pipe : 0;
		if (i == 0)
			assert_int_equal(allowed, 1);
		ns_tcp_cc_prr_sent(&cc, allowed);
		sent += allowed;
		pipe = pipe - 1 + allowed;
	}
	assert_int_equal(sent, 5);
	assert_int_equal(pipe, 14);
	/* Below ssthresh the slow-start bound lets the pipe climb back, at
	 * most to ssthresh. */
	ns_tcp_cc_prr(&cc, 2, 6, true, false);
	assert_int_equal(cc.cwnd, 10);
	ns_tcp_cc_end_recovery(&cc);
	assert_int_equal(cc.cwnd, 10);
	assert_int_equal(cc.state, NS_CA_OPEN);
	/* A recovery that starts with the pipe already below ssthresh
	 * (heavy loss): what was delivered plus one per ACK advancing
	 * snd_una (Linux's PRR-SSRB). */
	cc.cwnd = 20;
	ns_tcp_cc_enter_recovery(&cc, false);
	ns_tcp_cc_prr(&cc, 1, 4, true, false);
	assert_int_equal(cc.cwnd, 6);
	ns_tcp_cc_prr_sent(&cc, 2);
	ns_tcp_cc_prr(&cc, 1, 5, false, true);
	assert_int_equal(cc.cwnd, 6);
	ns_tcp_cc_end_recovery(&cc);
	/* ssthresh never drops below 2. */
	cc.cwnd = 3;
	ns_tcp_cc_enter_recovery(&cc, false);
	assert_int_equal(cc.ssthresh, 2);
}

static void test_timeout_collapses_once_per_episode(void **state)
{
	(void)state;
	struct tcp_cc cc;
	ns_tcp_cc_init(&cc, &ns_tcp_cc_reno);
	cc.cwnd = 40;
	ns_tcp_cc_enter_loss(&cc, 0);
	assert_int_equal(cc.cwnd, 1);
	assert_int_equal(cc.ssthresh, 20);
	assert_int_equal(cc.state, NS_CA_LOSS);
	/* A second timeout keeps the ssthresh from the first. */
	cc.cwnd = 2;
	ns_tcp_cc_enter_loss(&cc, 0);
	assert_int_equal(cc.ssthresh, 20);
	/* Undo restores what was there before the episode. */
	ns_tcp_cc_undo(&cc);
	assert_int_equal(cc.cwnd, 40);
	assert_int_equal(cc.ssthresh, TCP_INFINITE_SSTHRESH);
	assert_int_equal(cc.state, NS_CA_OPEN);
}

static void test_restart_after_idle_rfc5681_4_1(void **state)
{
	(void)state;
	struct tcp_cc cc;
	ns_tcp_cc_init(&cc, &ns_tcp_cc_reno);
	cc.cwnd = 80;
	cc.ssthresh = 40;
	/* Idle for 2.5 RTOs: halved twice. */
	ns_tcp_cc_restart_after_idle(&cc, 250 * MS, 100 * MS, 0);
	assert_int_equal(cc.cwnd, 20);
	assert_int_equal(cc.ssthresh, 60);
	/* Never below the initial window. */
	ns_tcp_cc_restart_after_idle(&cc, 10000 * MS, 100 * MS, 0);
	assert_int_equal(cc.cwnd, 10);
}

/* One RTT of a simulated ACK clock: every segment of the window is acked
 * once, evenly spread over rtt, with an RTT sample each. */
static void one_rtt(struct tcp_cc *cc, uint64_t rtt, uint64_t *now,
		    uint32_t *una)
{
	uint32_t w = cc->cwnd;
	for (uint32_t i = 0; i < w; i++) {
		*now += rtt / w;
		*una += 1000;
		struct tcp_cc_ack a = { .now = *now,
					.acked = 1,
					.rtt = rtt,
					.snd_una = *una,
					.snd_nxt = *una + cc->cwnd * 1000 };
		if (cc->ops->pkts_acked)
			cc->ops->pkts_acked(cc, &a);
		ns_tcp_cc_cong_avoid(cc, &a);
	}
}

static void test_cubic_reduces_by_beta_and_returns_to_wmax_at_k(void **state)
{
	(void)state;
	struct tcp_cc cc;
	ns_tcp_cc_init(&cc, &ns_tcp_cc_cubic);
	cc.cwnd = 100;
	cc.ssthresh = 100;
	uint64_t now = 10000 * MS;
	uint32_t una = 0;
	ns_tcp_cc_enter_recovery(&cc, false);
	/* RFC 9438 4.6: beta_cubic = 0.7. */
	assert_int_equal(cc.ssthresh, 70);
	ns_tcp_cc_end_recovery(&cc);
	assert_int_equal(cc.cwnd, 70);
	/* K = cbrt(W_max * (1 - beta) / C) = cbrt(100 * 0.3 / 0.4) = 4.22 s:
	 * with a 100 ms RTT the window is back near W_max after ~42 RTTs,
	 * flat around it (concave then convex), and above it later. */
	for (int i = 0; i < 38; i++)
		one_rtt(&cc, 100 * MS, &now, &una);
	assert_true(cc.cwnd >= 95 && cc.cwnd <= 100);
	for (int i = 0; i < 8; i++)
		one_rtt(&cc, 100 * MS, &now, &una);
	assert_true(cc.cwnd >= 99 && cc.cwnd <= 103);
	for (int i = 0; i < 40; i++)
		one_rtt(&cc, 100 * MS, &now, &una);
	assert_true(cc.cwnd > 115);
}

static void test_cubic_fast_convergence_rfc9438_4_7(void **state)
{
	(void)state;
	struct tcp_cc cc;
	ns_tcp_cc_init(&cc, &ns_tcp_cc_cubic);
	cc.cwnd = 100;
	ns_tcp_cc_enter_recovery(&cc, false);
	ns_tcp_cc_end_recovery(&cc);
	/* A loss below the previous W_max releases bandwidth: W_max is set
	 * to cwnd * (1 + beta) / 2 = 80 * 0.85 = 68, and the origin of the
	 * curve with it. */
	cc.cwnd = 80;
	ns_tcp_cc_enter_recovery(&cc, false);
	assert_int_equal(cc.ssthresh, 56);
	const uint32_t *priv = (const uint32_t *)cc.priv;
	assert_int_equal(priv[1], 68); /* last_max_cwnd */
}

static void test_cubic_growth_at_most_1_5x_per_rtt(void **state)
{
	(void)state;
	struct tcp_cc cc;
	ns_tcp_cc_init(&cc, &ns_tcp_cc_cubic);
	cc.cwnd = 100;
	ns_tcp_cc_enter_recovery(&cc, false);
	ns_tcp_cc_end_recovery(&cc);
	uint64_t now = 1000 * MS;
	uint32_t una = 0;
	/* Far past K the curve is steep; the window still grows by at most
	 * half per RTT. */
	for (int i = 0; i < 400; i++) {
		uint32_t before = cc.cwnd;
		one_rtt(&cc, 100 * MS, &now, &una);
		assert_true(cc.cwnd <= before + before / 2 + 1);
	}
	assert_true(cc.cwnd > 300);
}

static void test_cubic_reno_friendly_on_short_rtt(void **state)
{
	(void)state;
	/* RFC 9438 4.3: with a tiny RTT the cubic curve barely moves per
	 * RTT, but the window grows about as fast as Reno's would with
	 * alpha = 3 (1 - beta) / (1 + beta), 0.53 per RTT. As in Linux the
	 * estimate is refreshed at most every 1/32 s while cwnd stands
	 * still, so the check spans 2000 RTTs (200 ms). */
	struct tcp_cc cc;
	ns_tcp_cc_init(&cc, &ns_tcp_cc_cubic);
	cc.cwnd = 1000;
	ns_tcp_cc_enter_recovery(&cc, false);
	ns_tcp_cc_end_recovery(&cc);
	uint64_t now = 1000 * MS;
	uint32_t una = 0;
	uint32_t start = cc.cwnd;
	for (int i = 0; i < 2000; i++)
		one_rtt(&cc, 100000 /* 100 us */, &now, &una);
	assert_true(cc.cwnd >= start + 800);
}

static void test_hystart_delay_exit(void **state)
{
	(void)state;
	struct tcp_cc cc;
	ns_tcp_cc_init(&cc, &ns_tcp_cc_cubic);
	uint64_t now = 5000 * MS;
	uint32_t una = 0;
	/* Base RTT 50 ms while the window is small. */
	while (cc.cwnd < 32)
		one_rtt(&cc, 50 * MS, &now, &una);
	assert_int_equal(cc.ssthresh, TCP_INFINITE_SSTHRESH);
	/* A queue builds: RTT 50 -> 60 ms exceeds delay_min + max(4 ms,
	 * delay_min / 8) and slow start ends at the current window. */
	one_rtt(&cc, 60 * MS, &now, &una);
	assert_true(cc.ssthresh < TCP_INFINITE_SSTHRESH);
	assert_true(cc.ssthresh >= 32);
}

static void test_hystart_ack_train_exit(void **state)
{
	(void)state;
	struct tcp_cc cc;
	ns_tcp_cc_init(&cc, &ns_tcp_cc_cubic);
	cc.cwnd = 64;
	/* ACKs 0.5 ms apart for a round longer than half the 10 ms minimum
	 * RTT: the path is full. */
	uint64_t now = 100 * MS;
	struct tcp_cc_ack a = { .now = now,
				.acked = 1,
				.rtt = 10 * MS,
				.snd_una = 1,
				.snd_nxt = 1000000 };
	for (int i = 0; i < 12 && cc.ssthresh == TCP_INFINITE_SSTHRESH; i++) {
		a.now += MS / 2;
		a.snd_una += 1000;
		ns_tcp_cc_cubic.pkts_acked(&cc, &a);
	}
	assert_int_equal(cc.ssthresh, 64);
}

static void test_cubic_timeout_resets_curve(void **state)
{
	(void)state;
	struct tcp_cc cc;
	ns_tcp_cc_init(&cc, &ns_tcp_cc_cubic);
	cc.cwnd = 50;
	ns_tcp_cc_enter_loss(&cc, 0);
	assert_int_equal(cc.ssthresh, 35);
	assert_int_equal(cc.cwnd, 1);
	const uint32_t *priv = (const uint32_t *)cc.priv;
	assert_int_equal(priv[1], 0); /* last_max_cwnd forgotten */
}

static void test_switch_keeps_window(void **state)
{
	(void)state;
	struct tcp_cc cc;
	ns_tcp_cc_init(&cc, &ns_tcp_cc_reno);
	cc.cwnd = 33;
	ns_tcp_cc_switch(&cc, &ns_tcp_cc_cubic);
	assert_int_equal(cc.cwnd, 33);
	assert_ptr_equal(cc.ops, &ns_tcp_cc_cubic);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_initial_window_rfc6928),
		cmocka_unit_test(test_reno_slow_start_then_linear),
		cmocka_unit_test(test_reno_halves_on_recovery_and_prr),
		cmocka_unit_test(test_timeout_collapses_once_per_episode),
		cmocka_unit_test(test_restart_after_idle_rfc5681_4_1),
		cmocka_unit_test(
			test_cubic_reduces_by_beta_and_returns_to_wmax_at_k),
		cmocka_unit_test(test_cubic_fast_convergence_rfc9438_4_7),
		cmocka_unit_test(test_cubic_growth_at_most_1_5x_per_rtt),
		cmocka_unit_test(test_cubic_reno_friendly_on_short_rtt),
		cmocka_unit_test(test_hystart_delay_exit),
		cmocka_unit_test(test_hystart_ack_train_exit),
		cmocka_unit_test(test_cubic_timeout_resets_curve),
		cmocka_unit_test(test_switch_keeps_window),
	};
	return cmocka_run_group_tests_name("netstack/tcp_cc", tests, NULL,
					   NULL);
}

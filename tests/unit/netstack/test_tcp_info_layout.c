/* struct ns_tcp_info against the kernel's struct tcp_info (linux/tcp.h):
 * the Sentry hands TCP_INFO to applications unchanged, so every field must
 * sit where Linux puts it. Checked at compile time; the test only runs the
 * bit fields, which offsetof cannot name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/tcp.h>

#include "netstack/tcp_info.h"

#define SAME_OFFSET(f)                                              \
	_Static_assert(offsetof(struct ns_tcp_info, f) ==           \
			       offsetof(struct tcp_info, tcpi_##f), \
		       "ns_tcp_info." #f " is not where Linux has it")

SAME_OFFSET(state);
SAME_OFFSET(ca_state);
SAME_OFFSET(retransmits);
SAME_OFFSET(probes);
SAME_OFFSET(backoff);
SAME_OFFSET(options);
SAME_OFFSET(rto);
SAME_OFFSET(ato);
SAME_OFFSET(snd_mss);
SAME_OFFSET(rcv_mss);
SAME_OFFSET(unacked);
SAME_OFFSET(sacked);
SAME_OFFSET(lost);
SAME_OFFSET(retrans);
SAME_OFFSET(fackets);
SAME_OFFSET(last_data_sent);
SAME_OFFSET(last_ack_sent);
SAME_OFFSET(last_data_recv);
SAME_OFFSET(last_ack_recv);
SAME_OFFSET(pmtu);
SAME_OFFSET(rcv_ssthresh);
SAME_OFFSET(rtt);
SAME_OFFSET(rttvar);
SAME_OFFSET(snd_ssthresh);
SAME_OFFSET(snd_cwnd);
SAME_OFFSET(advmss);
SAME_OFFSET(reordering);
SAME_OFFSET(rcv_rtt);
SAME_OFFSET(rcv_space);
SAME_OFFSET(total_retrans);
SAME_OFFSET(pacing_rate);
SAME_OFFSET(max_pacing_rate);
SAME_OFFSET(bytes_acked);
SAME_OFFSET(bytes_received);
SAME_OFFSET(segs_out);
SAME_OFFSET(segs_in);
SAME_OFFSET(notsent_bytes);
SAME_OFFSET(min_rtt);
SAME_OFFSET(data_segs_in);
SAME_OFFSET(data_segs_out);
SAME_OFFSET(delivery_rate);
SAME_OFFSET(busy_time);
SAME_OFFSET(rwnd_limited);
SAME_OFFSET(sndbuf_limited);
SAME_OFFSET(delivered);
SAME_OFFSET(delivered_ce);
SAME_OFFSET(bytes_sent);
SAME_OFFSET(bytes_retrans);
SAME_OFFSET(dsack_dups);
SAME_OFFSET(reord_seen);
SAME_OFFSET(rcv_ooopack);
SAME_OFFSET(snd_wnd);
_Static_assert(sizeof(struct ns_tcp_info) == sizeof(struct tcp_info),
	       "ns_tcp_info is not the size of Linux's struct tcp_info");

/* The window-scale and flag bit fields share bytes 6 and 7 as in Linux. */
static void test_bit_fields(void **state)
{
	(void)state;
	struct ns_tcp_info ns;
	struct tcp_info lx;
	memset(&ns, 0, sizeof(ns));
	memset(&lx, 0, sizeof(lx));
	ns.snd_wscale = lx.tcpi_snd_wscale = 7;
	ns.rcv_wscale = lx.tcpi_rcv_wscale = 9;
	ns.delivery_rate_app_limited = lx.tcpi_delivery_rate_app_limited = 1;
	ns.fastopen_client_fail = lx.tcpi_fastopen_client_fail = 2;
	assert_memory_equal(&ns, &lx, sizeof(ns));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bit_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

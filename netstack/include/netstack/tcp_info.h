/* TCP's public definitions: what getsockopt(IPPROTO_TCP, TCP_INFO) fills.
 *
 * The layout is Linux 6.1's struct tcp_info (include/uapi/linux/tcp.h),
 * byte for byte, so the Sentry copies it to applications unchanged and
 * ss(8) or nginx read it as on Linux. getsockopt writes at most the
 * caller's length, as Linux does for older callers with shorter structs.
 * Times are microseconds unless named otherwise; last_* fields are
 * milliseconds ago.
 */
#ifndef NETSTACK_TCP_INFO_H
#define NETSTACK_TCP_INFO_H

#include <stdint.h>

/* ns_tcp_info.options bits (Linux TCPI_OPT_*). */
enum {
	NS_TCPI_OPT_TIMESTAMPS = 1,
	NS_TCPI_OPT_SACK = 2,
	NS_TCPI_OPT_WSCALE = 4,
	NS_TCPI_OPT_ECN = 8,
};

struct ns_tcp_info {
	uint8_t state;	  /* Linux TCP_* state number */
	uint8_t ca_state; /* Open 0, Disorder 1, CWR 2, Recovery 3, Loss 4 */
	uint8_t retransmits;
	uint8_t probes;
	uint8_t backoff;
	uint8_t options; /* NS_TCPI_OPT_* */
	uint8_t snd_wscale : 4, rcv_wscale : 4;
	uint8_t delivery_rate_app_limited : 1, fastopen_client_fail : 2;

	uint32_t rto;
	uint32_t ato;
	uint32_t snd_mss;
	uint32_t rcv_mss;

	uint32_t unacked;
	uint32_t sacked;
	uint32_t lost;
	uint32_t retrans;
	uint32_t fackets;

	uint32_t last_data_sent;
	uint32_t last_ack_sent;
	uint32_t last_data_recv;
	uint32_t last_ack_recv;

	uint32_t pmtu;
	uint32_t rcv_ssthresh;
	uint32_t rtt;
	uint32_t rttvar;
	uint32_t snd_ssthresh;
	uint32_t snd_cwnd;
	uint32_t advmss;
	uint32_t reordering;

	uint32_t rcv_rtt;
	uint32_t rcv_space;

	uint32_t total_retrans;

	uint64_t pacing_rate;
	uint64_t max_pacing_rate;
	uint64_t bytes_acked;
	uint64_t bytes_received;
	uint32_t segs_out;
	uint32_t segs_in;

	uint32_t notsent_bytes;
	uint32_t min_rtt;
	uint32_t data_segs_in;
	uint32_t data_segs_out;

	uint64_t delivery_rate;

	uint64_t busy_time;
	uint64_t rwnd_limited;
	uint64_t sndbuf_limited;

	uint32_t delivered;
	uint32_t delivered_ce;

	uint64_t bytes_sent;
	uint64_t bytes_retrans;
	uint32_t dsack_dups;
	uint32_t reord_seen;

	uint32_t rcv_ooopack;

	uint32_t snd_wnd;
};

#endif

/* The in-memory links: a pipe pair carries frames both ways unchanged and
 * in order, its eventfd is readable exactly while frames wait, limits and
 * a closed peer are counted, offload metadata crosses as documented; and
 * loopback returns what it sends. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/memlink.h"
#include "drv_test.h"
#include "netstack/csum.h"
#include "netstack/wire.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void open_pair(const struct drv_pipe_config *cfg, struct drv_link **a,
		      struct drv_link **b)
{
	struct rs_error *err = NULL;
	drv_test_check_open(drv_pipe_pair(cfg, a, b, &err), &err);
}

static void test_pipe_carries_frames_in_order_both_ways(void **state)
{
	(void)state;
	struct drv_link *a, *b;
	open_pair(&(struct drv_pipe_config){ 0 }, &a, &b);
	assert_string_equal(drv_kind(a), "pipe");
	assert_memory_equal(drv_info(a)->mac, mac_a, 6);
	assert_memory_equal(drv_info(b)->mac, mac_b, 6);
	assert_int_equal(drv_info(a)->mtu, 1500);
	assert_int_equal(drv_info(a)->type, NS_LINK_ETHERNET);
	assert_false(readable(drv_fd(b)));

	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(drv_xmit(a, drv_test_frame(mac_b, mac_a,
							    0x88b5, 46 + i, i)),
				 0);
	assert_int_equal(drv_flush(a), 0);
	assert_int_equal(drv_tx_pending(a), 0);
	assert_true(readable(drv_fd(b)));
	struct ns_pkt *pkts[64];
	uint32_t seen = 0;
	int n;
	while ((n = drv_rx_burst(b, pkts, 64)) > 0) {
		for (int i = 0; i < n; i++, seen++) {
			assert_true(drv_test_frame_matches(pkts[i], mac_b,
							   mac_a, 0x88b5,
							   46 + seen, seen));
			assert_int_equal(pkts[i]->flags & NS_PKT_F_OTHERHOST,
					 0);
			assert_int_not_equal(pkts[i]->tstamp_ns, 0);
			ns_pkt_free(pkts[i]);
		}
	}
	assert_int_equal(n, 0);
	assert_int_equal(seen, 100);
	assert_false(readable(drv_fd(b)));
	assert_int_equal(drv_test_counter(a, "tx_packets"), 100);
	assert_int_equal(drv_test_counter(b, "rx_packets"), 100);
	assert_int_equal(drv_test_counter(b, "rx_bytes"),
			 100 * 60 + 99 * 100 / 2);

	/* And back, with the link-layer classification of the receiver. */
	drv_xmit(b, drv_test_frame(bcast, mac_b, 0x0806, 28, 1));
	drv_xmit(b, drv_test_frame(mac_b, mac_b, 0x0800, 20, 2));
	assert_true(readable(drv_fd(a)));
	struct ns_pkt *p = drv_test_rx_one(a);
	assert_true(p->flags & NS_PKT_F_LINK_BCAST);
	ns_pkt_free(p);
	p = drv_test_rx_one(a);
	assert_true(p->flags & NS_PKT_F_OTHERHOST);
	ns_pkt_free(p);
	drv_close(a);
	drv_close(b);
}

static void test_pipe_queue_limit_counts_drops(void **state)
{
	(void)state;
	struct drv_link *a, *b;
	open_pair(&(struct drv_pipe_config){ .queue_len = 4 }, &a, &b);
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(drv_xmit(a, drv_test_frame(mac_b, mac_a,
							    0x88b5, 46, i)),
				 0);
	assert_int_equal(drv_test_counter(b, "rx_packets"), 4);
	assert_int_equal(drv_test_counter(b, "rx_dropped"), 2);
	assert_int_equal(drv_test_counter(a, "tx_packets"), 6);
	struct ns_pkt *pkts[8];
	assert_int_equal(drv_rx_burst(b, pkts, 8), 4);
	for (int i = 0; i < 4; i++) {
		assert_true(drv_test_frame_matches(pkts[i], mac_b, mac_a,
						   0x88b5, 46, (uint32_t)i));
		ns_pkt_free(pkts[i]);
	}
	/* Frames still queued at close are freed (LeakSanitizer). */
	drv_xmit(a, drv_test_frame(mac_b, mac_a, 0x88b5, 46, 9));
	drv_close(a);
	drv_close(b);
}

static void test_pipe_rejects_what_a_link_cannot_carry(void **state)
{
	(void)state;
	struct drv_link *a, *b;
	open_pair(&(struct drv_pipe_config){ .mtu = 100 }, &a, &b);
	/* A runt, a frame beyond the MTU (100 + 14 + a VLAN tag), a
	 * super-segment without TSO. */
	struct ns_pkt *runt = ns_pkt_alloc(0, 10);
	ns_pkt_put(runt, 10);
	assert_int_equal(drv_xmit(a, runt), -EINVAL);
	assert_int_equal(
		drv_xmit(a, drv_test_frame(mac_b, mac_a, 0x0800, 105, 0)),
		-EINVAL);
	assert_int_equal(
		drv_xmit(a, drv_test_frame(mac_b, mac_a, 0x0800, 104, 0)), 0);
	struct ns_pkt *gso = drv_test_frame(mac_b, mac_a, 0x0800, 60, 0);
	gso->gso_type = NS_GSO_TCPV4;
	gso->gso_size = 10;
	assert_int_equal(drv_xmit(a, gso), -EINVAL);
	assert_int_equal(drv_test_counter(a, "tx_errors"), 3);
	assert_int_equal(drv_test_counter(a, "tx_packets"), 1);

	/* Once the peer is closed the link is gone. */
	drv_close(b);
	assert_int_equal(
		drv_xmit(a, drv_test_frame(mac_b, mac_a, 0x0800, 46, 0)), -EIO);
	assert_int_equal(drv_test_counter(a, "tx_errors"), 4);
	drv_close(a);
}

/* A UDP/IPv4 frame whose UDP checksum field holds the pseudo-header sum,
 * marked NS_PKT_F_CSUM_PARTIAL as the stack sends it to a TX_CSUM link. */
static struct ns_pkt *partial_udp_frame(void)
{
	struct ns_pkt *pkt =
		drv_test_frame(mac_b, mac_a, 0x0800, 20 + 8 + 5, 0);
	uint8_t *ip = pkt->data + 14;
	memset(ip, 0, 28);
	ip[0] = 0x45;
	ns_put_be16(ip + 2, 33);
	ip[8] = 64;
	ip[9] = 17;
	const uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 };
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	ns_put_be16(ip + 10, ns_csum_fold(ns_csum_partial(ip, 20, 0)));
	uint8_t *udp = ip + 20;
	ns_put_be16(udp, 1000);
	ns_put_be16(udp + 2, 2000);
	ns_put_be16(udp + 4, 13);
	memcpy(udp + 8, "hello", 5);
	/* The folded pseudo-header sum, not complemented (virtio). */
	uint16_t pseudo =
		(uint16_t)~ns_csum_fold(ns_csum_pseudo4(src, dst, 17, 13));
	ns_put_be16(udp + 6, pseudo);
	pkt->flags |= NS_PKT_F_CSUM_PARTIAL;
	pkt->csum_start = 14 + 20;
	pkt->csum_offset = 6;
	return pkt;
}

static bool udp_csum_ok(const struct ns_pkt *pkt)
{
	const uint8_t *ip = pkt->data + 14;
	uint32_t sum = ns_csum_pseudo4(ip + 12, ip + 16, 17, 13);
	sum = ns_csum_add(sum, ns_csum_partial(ip + 20, 13, 0));
	return ns_csum_fold(sum) == 0 && ns_get_be16(ip + 26) != 0;
}

static void test_pipe_offload_metadata(void **state)
{
	(void)state;
	struct drv_link *a, *b;
	/* Untrusted: a partial checksum is completed in software. */
	open_pair(&(struct drv_pipe_config){ 0 }, &a, &b);
	assert_int_equal(drv_info(a)->caps, 0);
	assert_int_equal(drv_xmit(a, partial_udp_frame()), 0);
	struct ns_pkt *p = drv_test_rx_one(b);
	assert_true(udp_csum_ok(p));
	assert_int_equal(
		p->flags & (NS_PKT_F_CSUM_PARTIAL | NS_PKT_F_CSUM_VALID), 0);
	ns_pkt_free(p);
	drv_close(a);
	drv_close(b);

	/* Trusted: it crosses unfilled and arrives vouched for. */
	open_pair(&(struct drv_pipe_config){ .trusted = true, .gso = true }, &a,
		  &b);
	assert_true(drv_info(a)->caps & NS_LINK_CAP_TRUSTED);
	assert_true(drv_info(a)->caps & NS_LINK_CAP_TSO);
	assert_int_equal(drv_xmit(a, partial_udp_frame()), 0);
	p = drv_test_rx_one(b);
	assert_false(udp_csum_ok(p));
	assert_int_equal(p->flags &
				 (NS_PKT_F_CSUM_PARTIAL | NS_PKT_F_CSUM_VALID),
			 NS_PKT_F_CSUM_VALID);
	ns_pkt_free(p);
	struct ns_pkt *gso = drv_test_frame(mac_b, mac_a, 0x0800, 3000, 0);
	gso->gso_type = NS_GSO_TCPV4;
	gso->gso_size = 1448;
	gso->flags |= NS_PKT_F_CSUM_PARTIAL;
	assert_int_equal(drv_xmit(a, gso), 0);
	p = drv_test_rx_one(b);
	assert_int_equal(p->len, 3014);
	assert_int_equal(p->gso_type, NS_GSO_TCPV4);
	assert_int_equal(p->gso_size, 1448);
	ns_pkt_free(p);
	drv_close(b);
	drv_close(a);
}

static void test_pipe_shares_fragments_without_copying(void **state)
{
	(void)state;
	struct drv_link *a, *b;
	open_pair(&(struct drv_pipe_config){ 0 }, &a, &b);
	struct ns_pkt *pkt = drv_test_frame(mac_b, mac_a, 0x88b5, 0, 0);
	struct ns_buf *payload = ns_buf_alloc(100);
	memset(payload->data, 0x5a, 100);
	assert_int_equal(ns_pkt_append_frag(pkt, payload, payload->data, 100),
			 0);
	assert_int_equal(drv_xmit(a, pkt), 0);
	struct ns_pkt *p = drv_test_rx_one(b);
	assert_int_equal(p->nfrags, 1);
	assert_ptr_equal(p->frags[0].buf, payload);
	assert_int_equal(payload->refcnt, 2);
	ns_pkt_free(p);
	assert_int_equal(payload->refcnt, 1);
	ns_buf_unref(payload);
	drv_close(a);
	drv_close(b);
}

static void test_pipe_rejects_bad_mtu(void **state)
{
	(void)state;
	struct drv_link *a = NULL, *b = NULL;
	struct rs_error *err = NULL;
	assert_int_equal(drv_pipe_pair(&(struct drv_pipe_config){ .mtu = 10 },
				       &a, &b, &err),
			 -EINVAL);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "MTU 10"));
	rs_error_free(err);
	assert_null(a);
}

static void test_loopback_returns_what_it_sends(void **state)
{
	(void)state;
	struct drv_link *lo;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_loopback_open(
			&(struct drv_loopback_config){ .type = NS_LINK_IP },
			&lo, &err),
		&err);
	assert_string_equal(drv_kind(lo), "loopback");
	assert_int_equal(drv_info(lo)->type, NS_LINK_IP);
	assert_int_equal(drv_info(lo)->mtu, 65536);
	assert_true(drv_info(lo)->caps & NS_LINK_CAP_TRUSTED);
	struct ns_pkt *ip = ns_pkt_alloc(NS_PKT_HEADROOM, 20);
	memset(ns_pkt_put(ip, 20), 0x45, 20);
	assert_int_equal(drv_xmit(lo, ip), 0);
	assert_true(readable(drv_fd(lo)));
	struct ns_pkt *p = drv_test_rx_one(lo);
	assert_int_equal(drv_rx_burst(lo, &ip, 1), 0);
	assert_int_equal(p->len, 20);
	assert_true(p->flags & NS_PKT_F_CSUM_VALID);
	ns_pkt_free(p);
	assert_false(readable(drv_fd(lo)));
	assert_int_equal(drv_test_counter(lo, "tx_packets"), 1);
	assert_int_equal(drv_test_counter(lo, "rx_packets"), 1);
	uint64_t v;
	assert_int_equal(drv_counter(lo, "no_such_counter", &v), -ENOENT);
	drv_close(lo);
	drv_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_carries_frames_in_order_both_ways),
		cmocka_unit_test(test_pipe_queue_limit_counts_drops),
		cmocka_unit_test(test_pipe_rejects_what_a_link_cannot_carry),
		cmocka_unit_test(test_pipe_offload_metadata),
		cmocka_unit_test(test_pipe_shares_fragments_without_copying),
		cmocka_unit_test(test_pipe_rejects_bad_mtu),
		cmocka_unit_test(test_loopback_returns_what_it_sends),
	};
	return cmocka_run_group_tests_name("drivers/memlink", tests, NULL,
					   NULL);
}

/* Offload helpers at the kernel boundary: virtio_net_hdr to and from the
 * packet's offload fields, the software checksum for links without
 * checksum offload, and the splitting of UDP super-datagrams received and
 * of TCP super-segments to send, including frames that are not what
 * their header claims. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drv_test.h"
#include "netstack/csum.h"
#include "netstack/wire.h"
#include "offload.h"
#include "rxslot.h"
#include "segment.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

static void test_vnet_from_pkt(void **state)
{
	(void)state;
	struct ns_pkt *pkt = drv_test_frame(mac_b, mac_a, 0x0800, 100, 0);
	struct virtio_net_hdr h;
	assert_int_equal(drv_vnet_from_pkt(pkt, &h), 0);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	pkt->flags |= NS_PKT_F_CSUM_PARTIAL;
	pkt->csum_start = 34;
	pkt->csum_offset = 16;
	assert_int_equal(drv_vnet_from_pkt(pkt, &h), 0);
	assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h.csum_start, 34);
	assert_int_equal(h.csum_offset, 16);
	pkt->gso_type = NS_GSO_TCPV4;
	pkt->gso_size = 1448;
	pkt->hdr_len = 54;
	assert_int_equal(drv_vnet_from_pkt(pkt, &h), 0);
	assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(h.gso_size, 1448);
	assert_int_equal(h.hdr_len, 54);
	/* Inconsistent metadata is refused, not passed to the kernel. */
	pkt->gso_size = 0;
	assert_int_equal(drv_vnet_from_pkt(pkt, &h), -EINVAL);
	pkt->gso_size = 1448;
	pkt->gso_type = 9;
	assert_int_equal(drv_vnet_from_pkt(pkt, &h), -EINVAL);
	pkt->gso_type = NS_GSO_TCPV6;
	pkt->flags &= (uint16_t)~NS_PKT_F_CSUM_PARTIAL;
	assert_int_equal(drv_vnet_from_pkt(pkt, &h), -EINVAL);
	pkt->gso_type = NS_GSO_NONE;
	pkt->flags |= NS_PKT_F_CSUM_PARTIAL;
	pkt->csum_start = 113; /* the field would end past the frame */
	assert_int_equal(drv_vnet_from_pkt(pkt, &h), -EINVAL);
	ns_pkt_free(pkt);
}

static void test_vnet_to_pkt(void **state)
{
	(void)state;
	struct ns_pkt *pkt = drv_test_frame(mac_b, mac_a, 0x0800, 100, 0);
	struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_DATA_VALID };
	assert_int_equal(drv_vnet_to_pkt(&h, pkt), 0);
	assert_int_equal(pkt->flags, NS_PKT_F_CSUM_VALID);
	pkt->flags = 0;
	h = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				     .csum_start = 34,
				     .csum_offset = 6,
				     .gso_type = VIRTIO_NET_HDR_GSO_TCPV4 |
						 VIRTIO_NET_HDR_GSO_ECN,
				     .gso_size = 1448 };
	assert_int_equal(drv_vnet_to_pkt(&h, pkt), 0);
	assert_int_equal(pkt->flags, NS_PKT_F_CSUM_VALID);
	assert_int_equal(pkt->gso_type, NS_GSO_TCPV4);
	assert_int_equal(pkt->gso_size, 1448);
	/* Headers that do not fit the frame or name unknown types. */
	h.csum_start = 110;
	assert_int_equal(drv_vnet_to_pkt(&h, pkt), -EINVAL);
	h = (struct virtio_net_hdr){ .gso_type = 2, .gso_size = 100 };
	assert_int_equal(drv_vnet_to_pkt(&h, pkt), -EINVAL);
	h = (struct virtio_net_hdr){ .gso_type = VIRTIO_NET_HDR_GSO_TCPV6 };
	assert_int_equal(drv_vnet_to_pkt(&h, pkt), -EINVAL);
	ns_pkt_free(pkt);
}

/* An IPv4 (or IPv6) UDP frame with `payload` bytes of the pattern. */
static struct ns_pkt *udp_frame(bool v6, uint32_t payload)
{
	uint32_t iphl = v6 ? 40 : 20;
	struct ns_pkt *pkt = drv_test_frame(mac_b, mac_a, v6 ? 0x86dd : 0x0800,
					    iphl + 8 + payload, 0);
	uint8_t *ip = pkt->data + 14, *udp = ip + iphl;
	memset(ip, 0, iphl + 8);
	if (v6) {
		ip[0] = 0x60;
		ns_put_be16(ip + 4, (uint16_t)(8 + payload));
		ip[6] = 17;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1;
		ip[24] = 0xfd;
		ip[39] = 2;
	} else {
		ip[0] = 0x45;
		ns_put_be16(ip + 2, (uint16_t)(20 + 8 + payload));
		ns_put_be16(ip + 4, 0x1234);
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, (uint8_t[]){ 10, 0, 0, 1 }, 4);
		memcpy(ip + 16, (uint8_t[]){ 10, 0, 0, 2 }, 4);
		ns_put_be16(ip + 10, ns_csum_fold(ns_csum_partial(ip, 20, 0)));
	}
	ns_put_be16(udp, 5000);
	ns_put_be16(udp + 2, 6000);
	ns_put_be16(udp + 4, (uint16_t)(8 + payload));
	return pkt;
}

static bool checksums_ok(const struct ns_pkt *d, bool v6)
{
	const uint8_t *ip = d->data + 14;
	uint32_t iphl = v6 ? 40 : 20;
	const uint8_t *udp = ip + iphl;
	uint32_t udp_len = ns_get_be16(udp + 4);
	if (!v6 && ns_csum_fold(ns_csum_partial(ip, 20, 0)) != 0)
		return false;
	uint32_t pseudo = v6 ? ns_csum_pseudo6(ip + 8, ip + 24, 17, udp_len)
			     : ns_csum_pseudo4(ip + 12, ip + 16, 17, udp_len);
	return ns_csum_fold(ns_csum_add(pseudo,
					ns_csum_partial(udp, udp_len, 0))) == 0;
}

static void split_and_check(bool v6)
{
	uint32_t iphl = v6 ? 40 : 20, hdrs = 14 + iphl + 8;
	struct ns_pkt *pkt = udp_frame(v6, 5500);
	uint8_t *original = malloc(pkt->len);
	ns_pkt_copy_out(pkt, 0, original, pkt->len);
	pkt->gso_type = DRV_GSO_UDP_L4;
	pkt->gso_size = 1000;
	pkt->flags = NS_PKT_F_CSUM_VALID | NS_PKT_F_LINK_MCAST;
	pkt->tstamp_ns = 77;
	struct ns_pkt_queue out;
	ns_pkt_queue_init(&out);
	assert_int_equal(drv_uso_segment(pkt, &out), 6);
	uint32_t off = 0;
	for (uint16_t i = 0; i < 6; i++) {
		struct ns_pkt *d = ns_pkt_queue_pop(&out);
		uint32_t len = i < 5 ? 1000 : 500;
		assert_int_equal(d->len, hdrs + len);
		assert_int_equal(d->gso_type, NS_GSO_NONE);
		assert_int_equal(d->tstamp_ns, 77);
		assert_true(d->flags & NS_PKT_F_LINK_MCAST);
		assert_true(d->flags & NS_PKT_F_CSUM_VALID);
		assert_true(checksums_ok(d, v6));
		const uint8_t *ip = d->data + 14;
		assert_int_equal(ns_get_be16(ip + iphl + 4), 8 + len);
		if (!v6) {
			assert_int_equal(ns_get_be16(ip + 2), 28 + len);
			assert_int_equal(ns_get_be16(ip + 4), 0x1234 + i);
		} else {
			assert_int_equal(ns_get_be16(ip + 4), 8 + len);
		}
		assert_memory_equal(d->data + hdrs, original + hdrs + off, len);
		off += len;
		ns_pkt_free(d);
	}
	free(original);
}

static void test_udp_super_datagrams_split(void **state)
{
	(void)state;
	split_and_check(false);
	split_and_check(true);
}

static void expect_refused(struct ns_pkt *pkt, uint16_t gso_size)
{
	pkt->gso_type = DRV_GSO_UDP_L4;
	pkt->gso_size = gso_size;
	struct ns_pkt_queue out;
	ns_pkt_queue_init(&out);
	/* Consumed either way (LeakSanitizer checks). */
	assert_int_equal(drv_uso_segment(pkt, &out), -EINVAL);
	assert_int_equal(out.count, 0);
}

static void test_hostile_super_datagrams_refused(void **state)
{
	(void)state;
	expect_refused(drv_test_frame(mac_b, mac_a, 0x0806, 28, 0), 100);
	struct ns_pkt *tcp = udp_frame(false, 3000);
	tcp->data[14 + 9] = 6;
	expect_refused(tcp, 1000);
	struct ns_pkt *ext = udp_frame(true, 3000);
	ext->data[14 + 6] = 0; /* a hop-by-hop header first */
	expect_refused(ext, 1000);
	struct ns_pkt *ihl = udp_frame(false, 3000);
	ihl->data[14] = 0x44;
	expect_refused(ihl, 1000);
	expect_refused(udp_frame(false, 3000), 0);
	expect_refused(udp_frame(false, 3000), 10); /* 300 segments */
	expect_refused(udp_frame(false, 0), 1000);  /* nothing to carry */
	/* Lengths that disagree with the frame, and fragments. */
	struct ns_pkt *p = udp_frame(false, 3000);
	ns_put_be16(p->data + 14 + 2, 20 + 8 + 2000);
	expect_refused(p, 1000);
	p = udp_frame(false, 3000);
	ns_put_be16(p->data + 14 + 20 + 4, 8 + 4000);
	expect_refused(p, 1000);
	p = udp_frame(true, 3000);
	ns_put_be16(p->data + 14 + 4, 8 + 2999);
	expect_refused(p, 1000);
	p = udp_frame(true, 3000);
	ns_put_be16(p->data + 14 + 40 + 4, 8 + 1000);
	expect_refused(p, 1000);
	p = udp_frame(false, 3000);
	ns_put_be16(p->data + 14 + 6, 0x2000); /* more fragments */
	expect_refused(p, 1000);
	p = udp_frame(false, 3000);
	ns_put_be16(p->data + 14 + 6, 0x0010); /* a later fragment */
	expect_refused(p, 1000);
	struct ns_pkt *runt = ns_pkt_alloc(0, 20);
	memset(ns_pkt_put(runt, 20), 0, 20);
	expect_refused(runt, 100);
}

/* A receive slot holding a UDP super-datagram's frame as the kernel
 * hands it over: virtio_net_hdr in front. */
static int take_uso_frame(const struct drv_rxmode *mode, struct ns_pkt **out)
{
	struct drv_rxslot slot = { 0 };
	struct iovec iov[3];
	assert_int_equal(drv_rxslot_iov(&slot, mode, iov), 2);
	struct ns_pkt *frame = udp_frame(false, 1500);
	assert_true(frame->len <= iov[1].iov_len);
	ns_pkt_copy_out(frame, 0, iov[1].iov_base, frame->len);
	slot.vnet = (struct virtio_net_hdr){ .gso_type = DRV_GSO_UDP_L4,
					     .gso_size = 1000,
					     .hdr_len = 14 + 20 + 8 };
	int r = drv_rxslot_take(&slot, mode, sizeof(slot.vnet) + frame->len,
				false, 0, out);
	ns_pkt_free(frame);
	drv_rxslot_release(&slot);
	return r;
}

static void test_uso_only_where_the_driver_splits(void **state)
{
	(void)state;
	struct drv_rxmode mode = { .head_size = 1600, .vnet = true };
	struct ns_pkt *pkt = NULL;
	/* A tap does not split them (nor ask the kernel for them). */
	assert_int_equal(take_uso_frame(&mode, &pkt), -EINVAL);
	assert_null(pkt);
	mode.uso = true;
	assert_int_equal(take_uso_frame(&mode, &pkt), 0);
	assert_int_equal(pkt->gso_type, DRV_GSO_UDP_L4);
	ns_pkt_free(pkt);
}

static void test_software_checksum(void **state)
{
	(void)state;
	struct ns_pkt *pkt = udp_frame(false, 33);
	uint8_t *ip = pkt->data + 14, *udp = ip + 20;
	uint16_t pseudo = (uint16_t)~ns_csum_fold(
		ns_csum_pseudo4(ip + 12, ip + 16, 17, 8 + 33));
	ns_put_be16(udp + 6, pseudo);
	pkt->flags = NS_PKT_F_CSUM_PARTIAL;
	pkt->csum_start = 34;
	pkt->csum_offset = 6;
	/* The payload in a fragment: the sum spans head and fragment. */
	struct ns_buf *buf = ns_buf_alloc(33);
	memcpy(buf->data, pkt->data + 42, 33);
	ns_pkt_trim(pkt, 42);
	ns_pkt_append_frag(pkt, buf, buf->data, 33);
	ns_buf_unref(buf);
	assert_int_equal(drv_csum_finalize(pkt), 0);
	assert_int_equal(pkt->flags & NS_PKT_F_CSUM_PARTIAL, 0);
	struct ns_pkt *flat = ns_pkt_copy(pkt, 0);
	assert_true(checksums_ok(flat, false));
	ns_pkt_free(flat);
	/* Without the flag nothing changes; bad offsets are refused. */
	assert_int_equal(drv_csum_finalize(pkt), 0);
	pkt->flags = NS_PKT_F_CSUM_PARTIAL;
	pkt->csum_start = 74;
	assert_int_equal(drv_csum_finalize(pkt), -EINVAL);
	ns_pkt_free(pkt);
}

/* A TCP super-segment as the stack hands it to a TSO link: IPv4 or IPv6,
 * 12 bytes of options, `payload` bytes in a fragment, flags CWR, PSH and
 * FIN, the pseudo-header sum (of the whole length) in the checksum. */
static struct ns_pkt *tcp_super_segment(bool v6, uint32_t payload, uint16_t mss)
{
	uint32_t iphl = v6 ? 40 : 20, thl = 32, hdrs = 14 + iphl + thl;
	struct ns_pkt *pkt = drv_test_frame(mac_b, mac_a, v6 ? 0x86dd : 0x0800,
					    iphl + thl + payload, 9);
	uint8_t *ip = pkt->data + 14, *tcp = ip + iphl;
	memset(ip, 0, iphl + thl);
	uint32_t tcp_len = thl + payload, pseudo;
	if (v6) {
		ip[0] = 0x60;
		ns_put_be16(ip + 4, (uint16_t)tcp_len);
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1;
		ip[24] = 0xfd;
		ip[39] = 2;
		pseudo = ns_csum_pseudo6(ip + 8, ip + 24, 6, tcp_len);
	} else {
		ip[0] = 0x45;
		ns_put_be16(ip + 2, (uint16_t)(20 + tcp_len));
		ns_put_be16(ip + 4, 0xfffe); /* wraps after one segment */
		ns_put_be16(ip + 6, 0x4000); /* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, (uint8_t[]){ 10, 0, 0, 1 }, 4);
		memcpy(ip + 16, (uint8_t[]){ 10, 0, 0, 2 }, 4);
		ns_put_be16(ip + 10, ns_csum_fold(ns_csum_partial(ip, 20, 0)));
		pseudo = ns_csum_pseudo4(ip + 12, ip + 16, 6, tcp_len);
	}
	ns_put_be16(tcp, 5000);
	ns_put_be16(tcp + 2, 80);
	ns_put_be32(tcp + 4, 0xfffff000); /* wraps inside */
	ns_put_be32(tcp + 8, 77);
	tcp[12] = (uint8_t)((thl / 4) << 4);
	tcp[13] = 0x80 | 0x10 | 0x08 | 0x01; /* CWR ACK PSH FIN */
	ns_put_be16(tcp + 14, 1000);
	memset(tcp + 20, 1, 12); /* NOPs */
	ns_put_be16(tcp + 16, (uint16_t)~ns_csum_fold(pseudo));
	/* The payload in a fragment, as the stack sends it. */
	struct ns_buf *buf = ns_buf_alloc(payload);
	memcpy(buf->data, pkt->data + hdrs, payload);
	ns_pkt_trim(pkt, hdrs);
	ns_pkt_append_frag(pkt, buf, buf->data, payload);
	ns_buf_unref(buf);
	pkt->flags = NS_PKT_F_CSUM_PARTIAL;
	pkt->csum_start = (uint16_t)(14 + iphl);
	pkt->csum_offset = 16;
	pkt->gso_type = v6 ? NS_GSO_TCPV6 : NS_GSO_TCPV4;
	pkt->gso_size = mss;
	pkt->hdr_len = (uint16_t)hdrs;
	return pkt;
}

static bool tcp_checksum_ok(const uint8_t *frame, bool v6)
{
	const uint8_t *ip = frame + 14;
	uint32_t iphl = v6 ? 40 : 20;
	uint32_t tcp_len = v6 ? ns_get_be16(ip + 4) : ns_get_be16(ip + 2) - 20;
	if (!v6 && ns_csum_fold(ns_csum_partial(ip, 20, 0)) != 0)
		return false;
	uint32_t pseudo = v6 ? ns_csum_pseudo6(ip + 8, ip + 24, 6, tcp_len)
			     : ns_csum_pseudo4(ip + 12, ip + 16, 6, tcp_len);
	return ns_csum_fold(ns_csum_partial(ip + iphl, tcp_len, pseudo)) == 0;
}

static void tso_split_and_check(bool v6, bool csum_offload)
{
	uint32_t iphl = v6 ? 40 : 20, hdrs = 14 + iphl + 32;
	struct ns_pkt *pkt = tcp_super_segment(v6, 4000, 1448);
	uint8_t original[14 + 40 + 32 + 4000];
	ns_pkt_copy_out(pkt, 0, original, pkt->len);
	struct ns_pkt_queue out;
	ns_pkt_queue_init(&out);
	assert_int_equal(drv_tso_segment(pkt, csum_offload, &out), 3);
	for (uint32_t i = 0, off = 0; i < 3; i++) {
		struct ns_pkt *d = ns_pkt_queue_pop(&out);
		uint32_t len = i < 2 ? 1448 : 4000 - 2 * 1448;
		assert_int_equal(d->len, hdrs + len);
		assert_int_equal(d->gso_type, NS_GSO_NONE);
		uint8_t f[14 + 40 + 32 + 1448];
		ns_pkt_copy_out(d, 0, f, d->len);
		const uint8_t *ip = f + 14, *tcp = ip + iphl;
		if (v6) {
			assert_int_equal(ns_get_be16(ip + 4), 32 + len);
		} else {
			assert_int_equal(ns_get_be16(ip + 2), 52 + len);
			assert_int_equal(ns_get_be16(ip + 4),
					 (uint16_t)(0xfffe + i));
			assert_int_equal(ns_get_be16(ip + 6), 0x4000);
		}
		assert_int_equal(ns_get_be32(tcp + 4), 0xfffff000 + off);
		assert_int_equal(ns_get_be32(tcp + 8), 77);
		/* CWR on the first only, PSH and FIN on the last only. */
		uint8_t want = 0x10 | (i == 0 ? 0x80 : 0) | (i == 2 ? 0x09 : 0);
		assert_int_equal(tcp[13], want);
		assert_memory_equal(tcp + 20, original + 14 + iphl + 20, 12);
		assert_memory_equal(f + hdrs, original + hdrs + off, len);
		if (csum_offload) {
			/* Left to the device, which the software
			 * completion stands for here. */
			assert_true(d->flags & NS_PKT_F_CSUM_PARTIAL);
			assert_int_equal(d->csum_start, 14 + iphl);
			assert_int_equal(d->csum_offset, 16);
			assert_int_equal(drv_csum_finalize(d), 0);
			ns_pkt_copy_out(d, 0, f, d->len);
		} else {
			assert_int_equal(d->flags & NS_PKT_F_CSUM_PARTIAL, 0);
		}
		assert_true(tcp_checksum_ok(f, v6));
		off += len;
		ns_pkt_free(d);
	}
}

static void test_tcp_super_segments_split(void **state)
{
	(void)state;
	tso_split_and_check(false, false);
	tso_split_and_check(false, true);
	tso_split_and_check(true, false);
	tso_split_and_check(true, true);
}

static void test_bad_tcp_super_segments_refused(void **state)
{
	(void)state;
	struct ns_pkt_queue out;
	ns_pkt_queue_init(&out);
	/* The gso type says IPv6, the frame is IPv4. */
	struct ns_pkt *pkt = tcp_super_segment(false, 3000, 1448);
	pkt->gso_type = NS_GSO_TCPV6;
	assert_int_equal(drv_tso_segment(pkt, true, &out), -EINVAL);
	/* An IP length that is not the frame's. */
	pkt = tcp_super_segment(false, 3000, 1448);
	ns_pkt_trim(pkt, pkt->len - 1);
	assert_int_equal(drv_tso_segment(pkt, true, &out), -EINVAL);
	/* No segment size. */
	pkt = tcp_super_segment(true, 3000, 0);
	assert_int_equal(drv_tso_segment(pkt, false, &out), -EINVAL);
	/* A TCP header longer than the frame. */
	pkt = tcp_super_segment(true, 3000, 1448);
	ns_pkt_pullup(pkt, 14 + 40 + 13)[14 + 40 + 12] = 0xf0;
	ns_pkt_trim(pkt, 14 + 40 + 32);
	ns_put_be16(pkt->data + 14 + 4, 32);
	assert_int_equal(drv_tso_segment(pkt, false, &out), -EINVAL);
	assert_int_equal(out.count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vnet_from_pkt),
		cmocka_unit_test(test_vnet_to_pkt),
		cmocka_unit_test(test_udp_super_datagrams_split),
		cmocka_unit_test(test_hostile_super_datagrams_refused),
		cmocka_unit_test(test_uso_only_where_the_driver_splits),
		cmocka_unit_test(test_software_checksum),
		cmocka_unit_test(test_tcp_super_segments_split),
		cmocka_unit_test(test_bad_tcp_super_segments_refused),
	};
	return cmocka_run_group_tests_name("drivers/offload", tests, NULL,
					   NULL);
}

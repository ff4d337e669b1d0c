/* The DPDK driver (drivers/dpdk.h): EAL argument splitting, the offload
 * metadata between packets and mbufs, and live over a pair of net_memif
 * ports in this process (EAL with --no-huge): frames cross unchanged,
 * big ones without a copy (the packet holds the mbuf, the pool outlives
 * a closed link until the last packet goes), small ones copied, a
 * partial checksum completed for a port without checksum offload and a
 * super-segment refused for one without TSO, counters; and the errors
 * of a missing device, a port nobody made and a second, different set of
 * EAL arguments (bad ones: test_dpdk_args.c, EAL initialising once per
 * process).
 * Skipped in a build without libdpdk. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "drivers/dpdk.h"
#include "drivers/spec.h"
#include "drv_test.h"
#include "netstack/csum.h"
#include "netstack/wire.h"

#ifdef HAVE_DPDK
#include "dpdk_impl.h"

static const char eal_args[] = "--no-huge -m 256 --no-pci";

/* ---- EAL arguments ---------------------------------------------------- */

static void test_split_args_like_a_shell(void **state)
{
	(void)state;
	const char *text = "  --no-huge -m 256 --vdev 'net_memif0,role=server'"
			   " \"a b\\\"c\" x\\ y  ";
	char buf[128];
	char *argv[16];
	int argc = 0;
	assert_int_equal(dpdk_split_args(text, buf, argv, &argc, 16), 0);
	assert_int_equal(argc, 7);
	assert_string_equal(argv[0], "--no-huge");
	assert_string_equal(argv[2], "256");
	assert_string_equal(argv[4], "net_memif0,role=server");
	assert_string_equal(argv[5], "a b\"c");
	assert_string_equal(argv[6], "x y");
	argc = 0;
	assert_int_equal(dpdk_split_args("a 'b", buf, argv, &argc, 16),
			 -EINVAL);
	argc = 0;
	assert_int_equal(dpdk_split_args("a b c", buf, argv, &argc, 2), -E2BIG);
}

/* ---- Offload metadata --------------------------------------------------- */

/* Ethernet, IPv4 or IPv6, TCP (20 bytes) with `payload` bytes, as the
 * stack sends it with checksum offload: the pseudo-header sum (with the
 * length) in the field. */
static struct ns_pkt *tcp_frame(int ipver, uint32_t payload, bool gso)
{
	uint32_t l3 = ipver == 4 ? 20 : 40, tcp_len = 20 + payload;
	uint32_t len = 14 + l3 + tcp_len;
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, len);
	assert_non_null(pkt);
	uint8_t *f = ns_pkt_put(pkt, len);
	memset(f, 0, len);
	memcpy(f, "\x02\0\0\0\0\x0b\x02\0\0\0\0\x0a", 12);
	ns_put_be16(f + 12, ipver == 4 ? 0x0800 : 0x86dd);
	uint8_t *ip = f + 14, *tcp = ip + l3;
	uint32_t pseudo;
	if (ipver == 4) {
		ip[0] = 0x45;
		ns_put_be16(ip + 2, (uint16_t)(l3 + tcp_len));
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, "\x0a\0\0\x01\x0a\0\0\x02", 8);
		ns_put_be16(ip + 10, ns_csum_fold(ns_csum_partial(ip, 20, 0)));
		pseudo = ns_csum_pseudo4(ip + 12, ip + 16, 6, tcp_len);
	} else {
		ip[0] = 0x60;
		ns_put_be16(ip + 4, (uint16_t)tcp_len);
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1;
		ip[24] = 0xfd;
		ip[39] = 2;
		pseudo = ns_csum_pseudo6(ip + 8, ip + 24, 6, tcp_len);
	}
	ns_put_be16(tcp, 40000);
	ns_put_be16(tcp + 2, 80);
	ns_put_be32(tcp + 4, 1000);
	tcp[12] = 5 << 4;
	tcp[13] = 0x18; /* PSH ACK */
	ns_put_be16(tcp + 14, 65535);
	for (uint32_t i = 0; i < payload; i++)
		tcp[20 + i] = (uint8_t)(i * 7 + 3);
	ns_put_be16(tcp + 16, (uint16_t)~ns_csum_fold(pseudo));
	pkt->flags |= NS_PKT_F_CSUM_PARTIAL;
	pkt->csum_start = (uint16_t)(14 + l3);
	pkt->csum_offset = 16;
	if (gso) {
		pkt->gso_type = ipver == 4 ? NS_GSO_TCPV4 : NS_GSO_TCPV6;
		pkt->gso_size = 1000;
		pkt->hdr_len = (uint16_t)(14 + l3 + 20);
	}
	return pkt;
}

static void test_tx_meta_checksum_offload(void **state)
{
	(void)state;
	for (int v = 4; v <= 6; v += 2) {
		struct ns_pkt *pkt = tcp_frame(v, 100, false);
		uint8_t before[2];
		memcpy(before, pkt->data + pkt->csum_start + 16, 2);
		struct dpdk_txmeta m;
		assert_int_equal(
			dpdk_tx_meta(pkt, pkt->data, pkt->head_len, &m), 0);
		assert_int_equal(m.l2_len, 14);
		assert_int_equal(m.l3_len, v == 4 ? 20 : 40);
		assert_true(m.ol_flags & RTE_MBUF_F_TX_TCP_CKSUM);
		assert_true(m.ol_flags &
			    (v == 4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6));
		assert_false(m.ol_flags & RTE_MBUF_F_TX_TCP_SEG);
		/* DPDK's pseudo-header with the length: the field as is. */
		assert_memory_equal(pkt->data + pkt->csum_start + 16, before,
				    2);
		ns_pkt_free(pkt);
	}
	/* UDP: offset 6. */
	struct ns_pkt *pkt = tcp_frame(4, 100, false);
	pkt->data[14 + 9] = 17;
	pkt->csum_offset = 6;
	struct dpdk_txmeta m;
	assert_int_equal(dpdk_tx_meta(pkt, pkt->data, pkt->head_len, &m), 0);
	assert_true((m.ol_flags & RTE_MBUF_F_TX_L4_MASK) ==
		    RTE_MBUF_F_TX_UDP_CKSUM);
	/* A plain frame carries no offload. */
	pkt->flags = 0;
	assert_int_equal(dpdk_tx_meta(pkt, pkt->data, pkt->head_len, &m), 0);
	assert_int_equal(m.ol_flags, 0);
	ns_pkt_free(pkt);
}

static void test_tx_meta_tso_wants_pseudo_header_without_length(void **state)
{
	(void)state;
	for (int v = 4; v <= 6; v += 2) {
		struct ns_pkt *pkt = tcp_frame(v, 3000, true);
		struct dpdk_txmeta m;
		assert_int_equal(
			dpdk_tx_meta(pkt, pkt->data, pkt->head_len, &m), 0);
		assert_true(m.ol_flags & RTE_MBUF_F_TX_TCP_SEG);
		assert_int_equal(m.l4_len, 20);
		assert_int_equal(m.tso_segsz, 1000);
		const uint8_t *ip = pkt->data + 14;
		uint32_t p = v == 4 ? ns_csum_pseudo4(ip + 12, ip + 16, 6, 0)
				    : ns_csum_pseudo6(ip + 8, ip + 24, 6, 0);
		assert_int_equal(ns_get_be16(pkt->data + pkt->csum_start + 16),
				 (uint16_t)~ns_csum_fold(p));
		ns_pkt_free(pkt);
	}
}

static void test_tx_meta_refuses_inconsistent_metadata(void **state)
{
	(void)state;
	struct ns_pkt *pkt = tcp_frame(4, 100, false);
	struct dpdk_txmeta m;
	pkt->csum_start = 200; /* past the frame */
	assert_int_equal(dpdk_tx_meta(pkt, pkt->data, pkt->head_len, &m),
			 -EINVAL);
	pkt->csum_start = 34;
	pkt->csum_offset = 10; /* neither TCP nor UDP */
	assert_int_equal(dpdk_tx_meta(pkt, pkt->data, pkt->head_len, &m),
			 -EINVAL);
	pkt->csum_offset = 16;
	pkt->gso_type = NS_GSO_TCPV6; /* but the frame is IPv4 */
	pkt->gso_size = 1000;
	assert_int_equal(dpdk_tx_meta(pkt, pkt->data, pkt->head_len, &m),
			 -EINVAL);
	pkt->gso_type = NS_GSO_TCPV4;
	pkt->gso_size = 0;
	assert_int_equal(dpdk_tx_meta(pkt, pkt->data, pkt->head_len, &m),
			 -EINVAL);
	ns_pkt_free(pkt);
}

static void test_rx_meta_flags(void **state)
{
	(void)state;
	struct ns_pkt *pkt = tcp_frame(6, 100, false);
	struct dpdk_offload off = { .rx_csum = true, .rx_lro = true };
	struct ns_pkt *p = ns_pkt_alloc(0, 0);
	assert_int_equal(dpdk_rx_meta(RTE_MBUF_F_RX_L4_CKSUM_GOOD, 0, pkt->data,
				      64, &off, p),
			 0);
	assert_true(p->flags & NS_PKT_F_CSUM_VALID);
	p->flags = 0;
	assert_int_equal(dpdk_rx_meta(RTE_MBUF_F_RX_L4_CKSUM_BAD, 0, pkt->data,
				      64, &off, p),
			 0);
	assert_false(p->flags & NS_PKT_F_CSUM_VALID);
	/* The port's verdict counts only when we asked for it. */
	off.rx_csum = false;
	assert_int_equal(dpdk_rx_meta(RTE_MBUF_F_RX_L4_CKSUM_GOOD, 0, pkt->data,
				      64, &off, p),
			 0);
	assert_false(p->flags & NS_PKT_F_CSUM_VALID);
	assert_int_equal(
		dpdk_rx_meta(RTE_MBUF_F_RX_LRO, 1440, pkt->data, 64, &off, p),
		0);
	assert_int_equal(p->gso_type, NS_GSO_TCPV6);
	assert_int_equal(p->gso_size, 1440);
	assert_true(p->flags & NS_PKT_F_CSUM_VALID);
	pkt->data[12] = 0x08;
	pkt->data[13] = 0x06; /* ARP: no LRO frame */
	assert_int_equal(
		dpdk_rx_meta(RTE_MBUF_F_RX_LRO, 1440, pkt->data, 64, &off, p),
		-EINVAL);
	ns_pkt_free(p);
	ns_pkt_free(pkt);
}

/* ---- Spec strings ------------------------------------------------------- */

static void test_spec_dpdk_options(void **state)
{
	(void)state;
	struct drv_spec spec;
	struct rs_error *err = NULL;
	assert_int_equal(
		drv_spec_parse("dpdk:args=\"--no-huge -m 256 --vdev "
			       "net_memif0,role=server\",port=0,poll=hybrid,"
			       "budget=20us,sleep=1ms,tx=extbuf,no_offload,"
			       "mtu=9000+pcap:file=/tmp/x.pcap",
			       &spec, &err),
		0);
	assert_int_equal(spec.nlayers, 2);
	const struct drv_dpdk_config *c = &spec.layers[0].dpdk;
	assert_int_equal(spec.layers[0].kind, DRV_SPEC_DPDK);
	assert_string_equal(c->args,
			    "--no-huge -m 256 --vdev net_memif0,role=server");
	assert_string_equal(c->port, "0");
	assert_int_equal(c->poll, DRV_DPDK_POLL_HYBRID);
	assert_int_equal(c->budget_ns, 20000);
	assert_int_equal(c->sleep_ns, 1000000);
	assert_int_equal(c->tx, DRV_DPDK_TX_EXTBUF);
	assert_true(c->no_offload);
	assert_int_equal(c->mtu, 9000);
	drv_spec_release(&spec);
	assert_int_equal(
		drv_spec_parse("dpdk:iface=vs,pmd=af_xdp", &spec, &err), 0);
	assert_string_equal(spec.layers[0].dpdk.iface, "vs");
	assert_int_equal(spec.layers[0].dpdk.pmd, DRV_DPDK_PMD_AF_XDP);
	drv_spec_release(&spec);
	assert_int_equal(drv_spec_parse("dpdk:poll=sometimes", &spec, &err),
			 -EINVAL);
	assert_non_null(strstr(err->msg, "poll"));
	rs_error_clear(&err);
	drv_spec_release(&spec);
}

/* ---- Live, over net_memif in this process -------------------------------- */

/* The peer: this program run again (a process of its own, with its own
 * EAL) as the client end of the memif pair, sending back every frame it
 * receives until its stdin closes. */
static void echo_peer(const char *sock)
{
	char vdev[128];
	snprintf(vdev, sizeof(vdev), "net_memif_echo,role=client,socket=%s",
		 sock);
	struct drv_dpdk_config c = { .args = eal_args,
				     .vdev = vdev,
				     .poll = DRV_DPDK_POLL_BUSY };
	struct drv_link *l;
	struct rs_error *err = NULL;
	if (drv_dpdk_open(&c, &l, &err) < 0) {
		fprintf(stderr, "echo peer: %s\n", err->msg);
		_exit(1);
	}
	uint64_t end = drv_monotonic_ns() + 30000000000ull;
	while (drv_monotonic_ns() < end) {
		struct pollfd pf = { .fd = 0, .events = POLLIN };
		if (poll(&pf, 1, 0) == 1)
			break; /* the parent closed its end */
		struct ns_pkt *pkts[32];
		drv_timers(l, drv_monotonic_ns());
		int n = drv_rx_burst(l, pkts, 32);
		for (int i = 0; i < n; i++)
			drv_xmit(l, pkts[i]);
		drv_flush(l);
	}
	uint64_t rx = 0, tx = 0;
	drv_counter(l, "rx_packets", &rx);
	drv_counter(l, "tx_packets", &tx);
	if (getenv("RS_UNIT_DEBUG"))
		fprintf(stderr, "echo peer: rx %lu tx %lu\n", (unsigned long)rx,
			(unsigned long)tx);
	drv_close(l);
	_exit(0);
}

struct peer {
	struct drv_link *link;
	pid_t pid;
	int life;
};

/* The server end, and the peer connected to it. */
static void open_memif(struct peer *p)
{
	char vdev[128], sock[64];
	static unsigned n;
	snprintf(sock, sizeof(sock), "/rs-unit-%d-%u.sock", (int)getpid(), n);
	snprintf(vdev, sizeof(vdev), "net_memif_srv%u,role=server,socket=%s",
		 n++, sock);
	struct drv_dpdk_config c = { .args = eal_args,
				     .vdev = vdev,
				     .poll = DRV_DPDK_POLL_BUSY };
	struct rs_error *err = NULL;
	drv_test_check_open(drv_dpdk_open(&c, &p->link, &err), &err);
	assert_true(drv_dpdk_active());
	assert_string_equal(drv_kind(p->link), "dpdk");
	int life[2];
	assert_int_equal(pipe(life), 0);
	fflush(NULL);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		dup2(life[0], 0);
		execl("/proc/self/exe", "test_dpdk", "--memif-echo", sock,
		      (char *)NULL);
		_exit(127);
	}
	close(life[0]);
	p->life = life[1];
	/* The control channel connects in EAL's interrupt thread; the
	 * link's state is read every 250 ms. */
	for (int i = 0; i < 1000; i++) {
		drv_timers(p->link, drv_monotonic_ns());
		if (drv_test_counter(p->link, "link_changes") > 0)
			return;
		usleep(10000);
	}
	fail_msg("the memif peer did not connect");
}

static void close_memif(struct peer *p)
{
	close(p->life);
	int status;
	assert_int_equal(waitpid(p->pid, &status, 0), p->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (p->link)
		drv_close(p->link);
}

/* Flushes until the port took everything: memif's rings take frames
 * once both ends saw the connection, a moment after the link is up. */
static void flush_all(struct drv_link *l)
{
	int r = -EAGAIN;
	for (int i = 0; i < 10000 && r == -EAGAIN; i++) {
		r = drv_flush(l);
		if (r == -EAGAIN)
			usleep(100);
	}
	assert_int_equal(r, 0);
}

/* Receives up to n frames into pkts within two seconds. */
static unsigned rx_n(struct drv_link *l, struct ns_pkt **pkts, unsigned n)
{
	unsigned got = 0;
	uint64_t end = drv_monotonic_ns() + 2000000000ull;
	while (got < n && drv_monotonic_ns() < end) {
		int r = drv_rx_burst(l, pkts + got, n - got);
		if (r > 0)
			got += (unsigned)r;
	}
	return got;
}

static const uint8_t mac_x[6] = { 0x02, 0, 0, 0, 0, 0x0c };

static void test_memif_frames_cross_zero_copy(void **state)
{
	(void)state;
	struct peer p;
	open_memif(&p);
	struct drv_link *l = p.link;
	const uint8_t *mac = drv_info(l)->mac;
	/* memif has no offloads. */
	assert_int_equal(
		drv_info(l)->caps & (NS_LINK_CAP_TSO | NS_LINK_CAP_TX_CSUM), 0);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(
			drv_xmit(l, drv_test_frame(mac_x, mac, 0x88b5,
						   i < 4 ? 1400 : 40, i)),
			0);
	flush_all(l);
	struct ns_pkt *pkts[8];
	assert_int_equal(rx_n(l, pkts, 8), 8);
	for (uint32_t i = 0; i < 8; i++) {
		assert_true(drv_test_frame_matches(pkts[i], mac_x, mac, 0x88b5,
						   i < 4 ? 1400 : 40, i));
		assert_true(pkts[i]->flags & NS_PKT_F_OTHERHOST);
		if (i < 4) {
			/* The mbuf's data, referenced: nothing copied. */
			assert_int_equal(pkts[i]->head_len, 0);
			assert_int_equal(pkts[i]->nfrags, 1);
		} else {
			assert_int_equal(pkts[i]->nfrags, 0);
		}
	}
	assert_int_equal(drv_test_counter(l, "rx_zerocopy"), 4);
	assert_int_equal(drv_test_counter(l, "rx_copied"), 4);
	assert_int_equal(drv_test_counter(l, "rx_packets"), 8);
	assert_int_equal(drv_test_counter(l, "tx_packets"), 8);
	assert_int_equal(drv_test_counter(l, "rx_nombuf"), 0);
	assert_int_equal(drv_test_counter(l, "imissed"), 0);
	assert_int_equal(drv_test_counter(l, "ierrors"), 0);
	/* The link goes while the stack still holds its mbufs: the pool
	 * stays until the last packet is freed (ASan watches). */
	drv_close(l);
	p.link = NULL;
	for (uint32_t i = 0; i < 8; i++)
		ns_pkt_free(pkts[i]);
	close_memif(&p);
}

static void test_memif_checksum_completed_in_software(void **state)
{
	(void)state;
	struct peer p;
	open_memif(&p);
	struct drv_link *l = p.link;
	struct ns_pkt *pkt = tcp_frame(4, 3500, true);
	/* The stack may send a super-segment only to a TSO link. */
	assert_int_equal(drv_xmit(l, pkt), -EINVAL);
	assert_int_equal(drv_test_counter(l, "tx_errors"), 1);
	assert_int_equal(drv_xmit(l, tcp_frame(4, 1000, false)), 0);
	flush_all(l);
	struct ns_pkt *got;
	assert_int_equal(rx_n(l, &got, 1), 1);
	/* memif carries no offload: the driver filled the checksum in. */
	assert_int_equal(drv_test_counter(l, "tx_sw_csum"), 1);
	uint8_t f[2048];
	assert_int_equal(got->len, 14 + 20 + 20 + 1000);
	assert_int_equal(ns_pkt_copy_out(got, 0, f, got->len), 0);
	uint32_t pseudo = ns_csum_pseudo4(f + 26, f + 30, 6, got->len - 34);
	assert_int_equal(
		ns_csum_fold(ns_csum_partial(f + 34, got->len - 34, pseudo)),
		0);
	ns_pkt_free(got);
	close_memif(&p);
}

static void test_missing_device_and_other_args_are_errors(void **state)
{
	(void)state;
	struct rs_error *err = NULL;
	struct drv_link *l;
	struct drv_dpdk_config c = { .args = eal_args,
				     .vdev = "net_nosuchpmd0" };
	assert_true(drv_dpdk_open(&c, &l, &err) < 0);
	assert_non_null(strstr(err->msg, "net_nosuchpmd0"));
	rs_error_clear(&err);
	c = (struct drv_dpdk_config){ .args = eal_args };
	strcpy(c.iface, "rs-nosuch0");
	assert_true(drv_dpdk_open(&c, &l, &err) < 0);
	assert_non_null(strstr(err->msg, "rs-nosuch0"));
	rs_error_clear(&err);
	c = (struct drv_dpdk_config){ .args = "--no-huge -m 64",
				      .vdev = "net_null_x0" };
	assert_int_equal(drv_dpdk_open(&c, &l, &err), -EINVAL);
	assert_non_null(strstr(err->msg, "already initialised"));
	rs_error_clear(&err);
	/* A port nobody made. */
	c = (struct drv_dpdk_config){ .port = "31" };
	assert_int_equal(drv_dpdk_open(&c, &l, &err), -ENODEV);
	rs_error_clear(&err);
	/* The confinement list exists once EAL is up. */
	unsigned n;
	assert_non_null(drv_dpdk_confine_syscalls(&n));
	assert_true(n > 0);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--memif-echo") == 0)
		echo_peer(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_args_like_a_shell),
		cmocka_unit_test(test_tx_meta_checksum_offload),
		cmocka_unit_test(
			test_tx_meta_tso_wants_pseudo_header_without_length),
		cmocka_unit_test(test_tx_meta_refuses_inconsistent_metadata),
		cmocka_unit_test(test_rx_meta_flags),
		cmocka_unit_test(test_spec_dpdk_options),
		cmocka_unit_test(test_memif_frames_cross_zero_copy),
		cmocka_unit_test(test_memif_checksum_completed_in_software),
		cmocka_unit_test(test_missing_device_and_other_args_are_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

static void test_dpdk_not_built(void **state)
{
	(void)state;
	struct drv_dpdk_config c = { 0 };
	struct drv_link *l;
	struct rs_error *err = NULL;
	assert_int_equal(drv_dpdk_open(&c, &l, &err), -ENOTSUP);
	assert_non_null(strstr(err->msg, "libdpdk"));
	rs_error_clear(&err);
	assert_false(drv_dpdk_active());
	skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpdk_not_built),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif

/* Helpers shared by the driver unit tests. */
#include "drv_test.h"

#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "netstack/csum.h"
#include "netstack/wire.h"

static uint8_t pattern_byte(uint32_t seq, uint32_t i)
{
	return (uint8_t)((seq + i) % 251);
}

struct ns_pkt *drv_test_frame(const uint8_t dst[6], const uint8_t src[6],
			      uint16_t ethertype, uint32_t payload,
			      uint32_t seq)
{
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, 14 + payload);
	assert_non_null(pkt);
	uint8_t *p = ns_pkt_put(pkt, 14 + payload);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	ns_put_be16(p + 12, ethertype);
	for (uint32_t i = 0; i < payload; i++)
		p[14 + i] = pattern_byte(seq, i);
	return pkt;
}

bool drv_test_frame_matches(const struct ns_pkt *pkt, const uint8_t dst[6],
			    const uint8_t src[6], uint16_t ethertype,
			    uint32_t payload, uint32_t seq)
{
	if (pkt->len != 14 + payload)
		return false;
	uint8_t buf[14 + 65536];
	if (ns_pkt_copy_out(pkt, 0, buf, pkt->len) < 0)
		return false;
	if (memcmp(buf, dst, 6) != 0 || memcmp(buf + 6, src, 6) != 0 ||
	    ns_get_be16(buf + 12) != ethertype)
		return false;
	for (uint32_t i = 0; i < payload; i++)
		if (buf[14 + i] != pattern_byte(seq, i))
			return false;
	return true;
}

static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct ns_pkt *drv_test_arp_request(const uint8_t src_mac[6],
				    const uint8_t src_ip[4],
				    const uint8_t target_ip[4])
{
	struct ns_pkt *pkt = drv_test_frame(broadcast, src_mac, 0x0806, 28, 0);
	uint8_t *arp = pkt->data + 14;
	ns_put_be16(arp, 1);	      /* hardware: Ethernet */
	ns_put_be16(arp + 2, 0x0800); /* protocol: IPv4 */
	arp[4] = 6;
	arp[5] = 4;
	ns_put_be16(arp + 6, 1); /* request */
	memcpy(arp + 8, src_mac, 6);
	memcpy(arp + 14, src_ip, 4);
	memset(arp + 18, 0, 6);
	memcpy(arp + 24, target_ip, 4);
	return pkt;
}

struct ns_pkt *drv_test_icmp_echo(const uint8_t dst_mac[6],
				  const uint8_t src_mac[6],
				  const uint8_t src_ip[4],
				  const uint8_t dst_ip[4], uint16_t id,
				  uint16_t seq, uint32_t payload)
{
	struct ns_pkt *pkt =
		drv_test_frame(dst_mac, src_mac, 0x0800, 20 + 8 + payload, seq);
	uint8_t *ip = pkt->data + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ns_put_be16(ip + 2, (uint16_t)(28 + payload));
	ns_put_be16(ip + 4, seq);
	ip[8] = 64;
	ip[9] = 1; /* ICMP */
	memcpy(ip + 12, src_ip, 4);
	memcpy(ip + 16, dst_ip, 4);
	ns_put_be16(ip + 10, ns_csum_fold(ns_csum_partial(ip, 20, 0)));
	uint8_t *icmp = ip + 20;
	icmp[0] = 8; /* echo request */
	icmp[1] = 0;
	ns_put_be16(icmp + 2, 0);
	ns_put_be16(icmp + 4, id);
	ns_put_be16(icmp + 6, seq);
	ns_put_be16(icmp + 2,
		    ns_csum_fold(ns_csum_partial(icmp, 8 + payload, 0)));
	return pkt;
}

bool drv_test_is_arp_reply(const struct ns_pkt *pkt, const uint8_t target_ip[4],
			   uint8_t mac_out[6])
{
	uint8_t f[42];
	if (pkt->len < sizeof(f) || ns_pkt_copy_out(pkt, 0, f, sizeof(f)) < 0)
		return false;
	if (ns_get_be16(f + 12) != 0x0806 || ns_get_be16(f + 20) != 2 ||
	    memcmp(f + 28, target_ip, 4) != 0)
		return false;
	if (mac_out)
		memcpy(mac_out, f + 22, 6);
	return true;
}

bool drv_test_is_echo_reply(const struct ns_pkt *pkt, const uint8_t from[4],
			    uint16_t id, uint16_t seq)
{
	uint8_t f[1600];
	if (pkt->len < 14 + 28 || pkt->len > sizeof(f) ||
	    ns_pkt_copy_out(pkt, 0, f, pkt->len) < 0)
		return false;
	const uint8_t *ip = f + 14, *icmp = ip + 20;
	if (ns_get_be16(f + 12) != 0x0800 || ip[9] != 1 ||
	    memcmp(ip + 12, from, 4) != 0 || icmp[0] != 0)
		return false;
	uint32_t icmp_len = ns_get_be16(ip + 2) - 20u;
	if (14 + 20 + icmp_len > pkt->len ||
	    ns_csum_fold(ns_csum_partial(icmp, icmp_len, 0)) != 0)
		return false;
	return ns_get_be16(icmp + 4) == id && ns_get_be16(icmp + 6) == seq;
}

uint64_t drv_test_clock_now(void *arg)
{
	return *(const uint64_t *)arg;
}

struct ns_pkt *drv_test_rx_one(struct drv_link *link)
{
	struct ns_pkt *pkt = NULL;
	assert_int_equal(drv_rx_burst(link, &pkt, 1), 1);
	return pkt;
}

uint64_t drv_test_counter(struct drv_link *link, const char *name)
{
	uint64_t v = 0;
	if (drv_counter(link, name, &v) != 0)
		fail_msg("no counter %s", name);
	return v;
}

void drv_test_check_open(int r, struct rs_error **err)
{
	if (r >= 0)
		return;
	char buf[512];
	fail_msg("open failed (%d): %s", r,
		 rs_error_format(*err, buf, sizeof(buf)));
}

bool drv_test_private_netns(void)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0)
		return false;
	return drv_test_sh("ip link set lo up") == 0;
}

int drv_test_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int status = system(cmd);
	if (status < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct ns_pkt *drv_test_wait_for(struct drv_link *link,
				 bool (*match)(const struct ns_pkt *pkt,
					       void *arg),
				 void *arg, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	for (;;) {
		struct ns_pkt *pkts[32];
		int n = drv_rx_burst(link, pkts, 32);
		assert_true(n >= 0);
		struct ns_pkt *found = NULL;
		for (int i = 0; i < n; i++) {
			if (found == NULL && match(pkts[i], arg))
				found = pkts[i];
			else
				ns_pkt_free(pkts[i]);
		}
		if (found)
			return found;
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return NULL;
		if (n == 0) {
			struct pollfd p = { .fd = drv_fd(link),
					    .events = POLLIN };
			poll(&p, 1, (int)left);
		}
	}
}

pid_t drv_test_namespace_holder(int *release)
{
	int up[2], hold[2];
	assert_int_equal(pipe(up), 0);
	assert_int_equal(pipe(hold), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(up[0]);
		close(hold[1]);
		char c = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
		if (write(up[1], &c, 1) != 1)
			_exit(1);
		/* Wait until the parent closes its end. */
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(up[1]);
	close(hold[0]);
	char c = 0;
	assert_int_equal(read(up[0], &c, 1), 1);
	close(up[0]);
	assert_int_equal(c, 'y');
	*release = hold[1];
	return pid;
}

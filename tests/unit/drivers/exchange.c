/* Live exchanges with the kernel (exchange.h). */
#include "exchange.h"

#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "drv_test.h"
#include "netstack/wire.h"

#define REPLY_TIMEOUT_MS 5000

static bool match_arp_reply(const struct ns_pkt *pkt, void *arg)
{
	struct peer *p = arg;
	return drv_test_is_arp_reply(pkt, p->kernel_ip, p->kernel_mac);
}

void exchange_arp(struct peer *p)
{
	const struct ns_link_info *info = drv_info(p->link);
	assert_int_equal(
		drv_xmit(p->link,
			 drv_test_arp_request(info->mac, p->ip, p->kernel_ip)),
		0);
	assert_int_equal(drv_flush(p->link), 0);
	struct ns_pkt *reply = drv_test_wait_for(p->link, match_arp_reply, p,
						 REPLY_TIMEOUT_MS);
	if (reply == NULL)
		fail_msg("no ARP reply from the kernel");
	/* Addressed to us, so not "other host". */
	assert_memory_equal(reply->data, info->mac, 6);
	assert_int_equal(reply->flags & NS_PKT_F_OTHERHOST, 0);
	assert_int_not_equal(reply->tstamp_ns, 0);
	ns_pkt_free(reply);
}

struct echo_wait {
	struct peer *p;
	uint16_t id;
	uint16_t first;
	unsigned count;
	uint32_t payload;
	uint8_t *seen;
	unsigned missing;
};

/* Counts each expected reply once; matches when none is missing. */
static bool match_all_replies(const struct ns_pkt *pkt, void *arg)
{
	struct echo_wait *w = arg;
	uint8_t f[14 + 28 + 2];
	if (pkt->len != 14 + 28 + w->payload ||
	    ns_pkt_copy_out(pkt, 0, f, sizeof(f)) < 0)
		return false;
	uint16_t seq = ns_get_be16(f + 14 + 20 + 6);
	unsigned i = (uint16_t)(seq - w->first);
	if (i >= w->count || w->seen[i] ||
	    !drv_test_is_echo_reply(pkt, w->p->kernel_ip, w->id, seq))
		return false;
	/* The kernel echoes our payload: the pattern of the request. */
	uint8_t *all = malloc(pkt->len);
	ns_pkt_copy_out(pkt, 0, all, pkt->len);
	for (uint32_t b = 0; b < w->payload; b++)
		assert_int_equal(all[14 + 28 + b], (seq + 28 + b) % 251);
	free(all);
	w->seen[i] = 1;
	return --w->missing == 0;
}

void exchange_pings(struct peer *p, uint16_t id, uint16_t first, unsigned count,
		    uint32_t payload)
{
	const struct ns_link_info *info = drv_info(p->link);
	for (unsigned i = 0; i < count; i++)
		assert_int_equal(
			drv_xmit(p->link,
				 drv_test_icmp_echo(p->kernel_mac, info->mac,
						    p->ip, p->kernel_ip, id,
						    (uint16_t)(first + i),
						    payload)),
			0);
	assert_int_equal(drv_flush(p->link), 0);
	assert_int_equal(drv_tx_pending(p->link), 0);
	struct echo_wait w = { p,     id,      first,
			       count, payload, calloc(count, 1),
			       count };
	struct ns_pkt *last = drv_test_wait_for(p->link, match_all_replies, &w,
						REPLY_TIMEOUT_MS);
	free(w.seen);
	if (last == NULL)
		fail_msg("%u of %u echo replies missing", w.missing, count);
	ns_pkt_free(last);
}

void kernel_if_mac(const char *ifname, uint8_t mac[6])
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	assert_int_equal(ioctl(sock, SIOCGIFHWADDR, &ifr), 0);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(sock);
}

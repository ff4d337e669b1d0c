/* Helpers shared by the driver unit tests. */
#include "drv_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

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

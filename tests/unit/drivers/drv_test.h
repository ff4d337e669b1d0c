/* Helpers shared by the driver unit tests (linked into every runner). */
#ifndef DRV_TEST_H
#define DRV_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "drivers/driver.h"

/* An Ethernet frame dst, src, ethertype, then `payload` bytes whose byte i
 * is (seq + i) % 251, so a frame's identity and integrity show in its
 * bytes. Head-only, NS_PKT_HEADROOM of headroom. */
struct ns_pkt *drv_test_frame(const uint8_t dst[6], const uint8_t src[6],
			      uint16_t ethertype, uint32_t payload,
			      uint32_t seq);

/* True when pkt is exactly the frame drv_test_frame() built from the same
 * arguments. */
bool drv_test_frame_matches(const struct ns_pkt *pkt, const uint8_t dst[6],
			    const uint8_t src[6], uint16_t ethertype,
			    uint32_t payload, uint32_t seq);

/* An ARP request (RFC 826) from src_mac/src_ip asking for target_ip, sent
 * to the broadcast address. */
struct ns_pkt *drv_test_arp_request(const uint8_t src_mac[6],
				    const uint8_t src_ip[4],
				    const uint8_t target_ip[4]);

/* An ICMP echo request (RFC 792) with valid IPv4 and ICMP checksums and
 * `payload` bytes of pattern data. */
struct ns_pkt *drv_test_icmp_echo(const uint8_t dst_mac[6],
				  const uint8_t src_mac[6],
				  const uint8_t src_ip[4],
				  const uint8_t dst_ip[4], uint16_t id,
				  uint16_t seq, uint32_t payload);

/* Whether pkt is an ARP reply telling target_ip's address to us. On
 * success copies the answered MAC to mac_out (may be NULL). */
bool drv_test_is_arp_reply(const struct ns_pkt *pkt, const uint8_t target_ip[4],
			   uint8_t mac_out[6]);

/* Whether pkt is an ICMP echo reply with this id and seq from `from`, with
 * a valid ICMP checksum. */
bool drv_test_is_echo_reply(const struct ns_pkt *pkt, const uint8_t from[4],
			    uint16_t id, uint16_t seq);

/* Live tests. drv_test_private_netns() moves the whole test process into
 * a network namespace of its own (unshare(CLONE_NEWNET)), so interfaces
 * and addresses it creates vanish with it; false when that is not
 * possible (not root), and the live tests then skip. */
bool drv_test_private_netns(void);

/* A child process holding a network namespace of its own until the fd
 * stored in *release is closed; returns its pid (reap it with waitpid). */
pid_t drv_test_namespace_holder(int *release);

/* Runs a shell command (printf-style); returns its exit status. */
int drv_test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Receives from link until a frame satisfies match (which borrows it) or
 * timeout_ms pass; frees every other frame. Returns the matching frame or
 * NULL. Polls the link's fd: no sleeps. */
struct ns_pkt *drv_test_wait_for(struct drv_link *link,
				 bool (*match)(const struct ns_pkt *pkt,
					       void *arg),
				 void *arg, int timeout_ms);

/* A virtual clock for wrappers: struct drv_clock { drv_test_clock_now,
 * &clock_value }. */
uint64_t drv_test_clock_now(void *arg);

/* Receives one frame, failing the test when none is waiting. */
struct ns_pkt *drv_test_rx_one(struct drv_link *link);

/* Value of a counter that must exist. */
uint64_t drv_test_counter(struct drv_link *link, const char *name);

/* Fails the test with the error's text when r < 0. */
void drv_test_check_open(int r, struct rs_error **err);

#endif

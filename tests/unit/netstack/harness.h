/* Test harness for netstack unit tests: stacks on a test clock, an
 * in-memory Ethernet link between two of them, frame builders and small
 * helpers. Linked into every netstack test runner (symbols prefixed nt_).
 *
 * Frames sent by a stack are queued on its end of the link; nt_pump()
 * carries them across until nothing moves, and nt_advance() moves the
 * clock from deadline to deadline, running timers and pumping. Nothing
 * sleeps: time is a variable.
 */
#ifndef NETSTACK_TEST_HARNESS_H
#define NETSTACK_TEST_HARNESS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "netstack/link.h"
#include "netstack/pkt.h"
#include "netstack/socket.h"
#include "netstack/stack.h"

#define NT_SEC 1000000000ull
#define NT_MS  1000000ull

struct nt_end;

/* Called for every frame a stack sends, before it is queued for the
 * peer. Return true to let it through; false when the hook took the
 * frame (freed it or kept it). */
typedef bool (*nt_hook_fn)(void *ctx, struct nt_end *from, struct ns_pkt *pkt);

struct nt_end {
	struct ns_stack *stack;
	int ifindex;
	uint8_t mac[6];
	struct nt_end *peer;
	struct ns_pkt_queue outq; /* frames sent, not yet delivered */
	uint64_t sent;		  /* frames handed to xmit */
	uint64_t flushes;
	nt_hook_fn hook;
	void *hook_ctx;
	/* A copy of every frame sent, when capture is on. */
	bool capture;
	struct ns_pkt_queue captured;
	uint32_t caps;
	bool cut; /* frames sent are lost */
};

/* Two stacks A and B joined by a link, with a shared clock. */
struct nt_pair {
	uint64_t now;
	struct nt_end a, b;
};

/* nt_pair_init options */
enum {
	NT_AUTOCONF = 1u << 0, /* leave IPv6 autoconfiguration on */
	NT_NO_ADDRS = 1u << 1, /* configure no addresses */
	NT_TRUSTED = 1u << 2,  /* link with NS_LINK_CAP_TRUSTED */
	NT_TX_CSUM = 1u << 3,  /* link with NS_LINK_CAP_TX_CSUM */
};

/* Creates A (10.0.0.1/24, fd00::1/64, MAC 02:00:00:00:00:01) and B
 * (10.0.0.2/24, fd00::2/64, MAC ...:02), link MTU `mtu` (0: 1500).
 * IPv6 addresses skip DAD; without NT_AUTOCONF the NICs do no IPv6
 * autoconfiguration. */
void nt_pair_init(struct nt_pair *p, uint32_t flags, uint32_t mtu);
void nt_pair_free(struct nt_pair *p);

/* Delivers queued frames both ways until none are left. Returns how many
 * frames were delivered. Fails the test if traffic never stops. */
unsigned nt_pump(struct nt_pair *p);
/* Advances the clock by delta, stopping at every timer deadline of either
 * stack on the way, running timers and pumping. */
void nt_advance(struct nt_pair *p, uint64_t delta);

/* A lone stack on a clock (for hostile-input tests with hand-made
 * frames), with one Ethernet NIC whose frames are captured. */
struct nt_solo {
	uint64_t now;
	struct nt_end e; /* e.peer is NULL: frames just queue in outq */
};
void nt_solo_init(struct nt_solo *s, uint32_t flags, uint32_t mtu);
void nt_solo_free(struct nt_solo *s);
/* Runs the timers due at now (after moving it by delta). */
void nt_solo_advance(struct nt_solo *s, uint64_t delta);

/* Feeds len bytes as one received frame. */
void nt_inject(struct nt_end *e, const void *frame, size_t len);
/* Pops the oldest frame a stack sent (NULL if none); caller frees. */
struct ns_pkt *nt_take(struct nt_end *e);
/* Copies a frame to a flat buffer; returns its length. */
size_t nt_flat(const struct ns_pkt *pkt, uint8_t *buf, size_t max);
/* Cuts the wire out of e (its frames are dropped) or mends it. */
void nt_stack_cut(struct nt_end *e, bool cut);
/* Drops every queued outgoing frame of e. */
void nt_drain(struct nt_end *e);

/* Counter value by name; fails the test for an unknown name. */
uint64_t nt_stat(struct ns_stack *stack, const char *name);

/* Addresses. */
struct sockaddr_in nt_sin(const char *ip, uint16_t port);
struct sockaddr_in6 nt_sin6(const char *ip, uint16_t port);
void nt_ip4(const char *s, uint8_t out[4]);
void nt_ip6(const char *s, uint8_t out[16]);

/* A bound UDP socket (port 0: ephemeral). */
struct ns_socket *nt_udp(struct ns_stack *stack, int family, const char *ip,
			 uint16_t port);

/* Frame builders: each writes at buf and returns the bytes written. */
size_t nt_put_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6],
		  uint16_t type);
/* IPv4 header (20 bytes, valid checksum). frag: flags and offset field. */
size_t nt_put_ip4(uint8_t *buf, const char *src, const char *dst, uint8_t proto,
		  uint16_t payload_len, uint16_t id, uint16_t frag,
		  uint8_t ttl);
size_t nt_put_ip6(uint8_t *buf, const char *src, const char *dst, uint8_t nh,
		  uint16_t payload_len, uint8_t hlim);
/* UDP header + payload with the checksum for the given addresses
 * (v6: 16-byte addresses, else 4). */
size_t nt_put_udp(uint8_t *buf, bool v6, const char *src, const char *dst,
		  uint16_t sport, uint16_t dport, const void *data, size_t len);
/* ICMP (v4) or ICMPv6 message with checksum: header type/code/rest, then
 * data. */
size_t nt_put_icmp(uint8_t *buf, bool v6, const char *src, const char *dst,
		   uint8_t type, uint8_t code, uint32_t rest, const void *data,
		   size_t len);

/* A whole Ethernet+IPv4+UDP frame from B's MAC to A's MAC. */
size_t nt_udp4_frame(uint8_t *buf, const char *src, const char *dst,
		     uint16_t sport, uint16_t dport, const void *data,
		     size_t len);
size_t nt_udp6_frame(uint8_t *buf, const char *src, const char *dst,
		     uint16_t sport, uint16_t dport, const void *data,
		     size_t len);

extern const uint8_t nt_mac_a[6], nt_mac_b[6];

#endif

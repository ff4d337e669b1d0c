/* Packet-level TCP test helpers (symbols prefixed tp_): one stack under
 * test (the core harness's nt_solo, 10.0.0.1 / fd00::1) and a hand-driven
 * peer (10.0.0.2 / fd00::2) whose segments are built byte by byte, and a
 * parser for every segment the stack emits (checksum verified). */
#ifndef TESTS_TCP_PKT_H
#define TESTS_TCP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"
#include "tcp_opt.h"

enum {
	TP_FIN = 0x01,
	TP_SYN = 0x02,
	TP_RST = 0x04,
	TP_PSH = 0x08,
	TP_ACK = 0x10,
	TP_URG = 0x20,
};

struct tp_peer {
	struct nt_solo solo;
	bool v6;
	uint16_t sport; /* the peer's port */
	uint16_t dport; /* the stack's port */
	uint8_t ttl;
	uint16_t urg; /* urgent pointer of the segments the peer sends */
	int rcvbuf;   /* SO_RCVBUF for tp_establish's socket, 0: default */
	uint64_t rtt; /* time tp_establish lets pass before the peer's
			 answer to the stack's SYN or SYN-ACK */
};

/* A segment as seen on the wire. */
struct tp_seg {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win, urg;
	uint16_t sport, dport;
	struct ns_tcp_opts opts;
	uint32_t len;
	uint8_t data[65536];
	uint8_t ttl;
	uint16_t ip_id; /* IPv4 identification */
};

void tp_init(struct tp_peer *p, bool v6, uint16_t sport, uint16_t dport);
void tp_free(struct tp_peer *p);

/* Injects a segment from the peer. opts may be NULL; syn_opts builds
 * them in the SYN layout. */
void tp_send(struct tp_peer *p, uint8_t flags, uint32_t seq, uint32_t ack,
	     uint16_t win, const struct ns_tcp_opts *opts, const void *data,
	     size_t len);
/* Injects raw TCP header+payload bytes (for hostile segments), with a
 * correct checksum unless bad_csum. */
void tp_send_raw(struct tp_peer *p, const uint8_t *tcp, size_t len,
		 bool bad_csum);

/* Injects an ICMP (v4) or ICMPv6 error from the peer's address quoting
 * the IP header and first 20 TCP bytes of segment q as the stack sent it
 * (with the DF bit); rest is the ICMP header's second word (the MTU). */
void tp_send_icmp(struct tp_peer *p, uint8_t type, uint8_t code, uint32_t rest,
		  const struct tp_seg *q);

/* Takes the next TCP segment the stack sent (other frames are dropped);
 * false when there is none. The checksum must be right. */
bool tp_recv(struct tp_peer *p, struct tp_seg *s);
/* Same, failing the test when there is none. */
void tp_expect(struct tp_peer *p, struct tp_seg *s);
/* Fails the test if the stack sent a TCP segment. */
void tp_expect_none(struct tp_peer *p);

/* Moves the clock; runs the stack's timers. */
void tp_advance(struct tp_peer *p, uint64_t ns);
/* Moves the clock to the stack's next deadline (but at most max ns
 * ahead) and returns how far it moved. */
uint64_t tp_next_timer(struct tp_peer *p, uint64_t max);

static inline struct ns_stack *tp_stack(struct tp_peer *p)
{
	return p->solo.e.stack;
}

/* A connection between the stack's socket and the hand-driven peer. */
struct tp_conn {
	struct ns_socket *s; /* the stack's end */
	struct ns_socket *l; /* its listener (passive opens) or NULL */
	uint32_t peer_seq;   /* next sequence number the peer sends */
	uint32_t stack_seq;  /* next sequence number expected from the stack */
	uint32_t peer_ts;    /* the peer's timestamp clock */
	uint32_t stack_ts;   /* the stack's last TSval, echoed back */
	uint16_t peer_win;   /* window field the peer advertises */
	uint16_t peer_mss;
	uint8_t peer_ws;
	bool ts, sack;
};

/* tp_establish options */
enum {
	TP_OPT_TS = 1u << 0,
	TP_OPT_SACK = 1u << 1,
	TP_OPT_WS = 1u << 2, /* the peer scales by 2^4 */
};

/* Opens a connection: passive (the stack listens on dport and accepts
 * the peer's SYN) or active (the stack connects to the peer). The peer
 * offers MSS 1460 and the options in `opts`. */
void tp_establish(struct tp_peer *p, struct tp_conn *c, bool passive,
		  unsigned opts);
/* The peer sends a segment with its current sequence number, ACK of
 * everything received and its window; data advances peer_seq (SYN and
 * FIN count one). */
void tp_csend(struct tp_peer *p, struct tp_conn *c, uint8_t flags,
	      const void *data, size_t len);
/* The peer acknowledges ack, with SACK blocks when nb > 0. */
void tp_cack(struct tp_peer *p, struct tp_conn *c, uint32_t ack,
	     const struct ns_tcp_sack_block *b, unsigned nb);
/* Takes the next segment of the stack and records its timestamp for the
 * peer's echo; fails when there is none. */
void tp_cexpect(struct tp_peer *p, struct tp_conn *c, struct tp_seg *s);
/* Closes the stack's socket(s) and the peer. */
void tp_conn_close(struct tp_conn *c);

/* An address of the stack (local) or the peer, for socket calls. */
socklen_t tp_addr(const struct tp_peer *p, bool peer, uint16_t port,
		  struct sockaddr_storage *ss);

#endif

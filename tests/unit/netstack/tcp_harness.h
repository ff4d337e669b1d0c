/* Helpers for the TCP tests (symbols prefixed th_): two stacks joined by
 * a pair of virtual-time fault links (tcp_faultlink.h), a loop that
 * advances the virtual clock from event to event, socket shortcuts, and
 * a stream endpoint that writes or checks a reproducible byte stream and
 * hashes what passed. */
#ifndef TESTS_TCP_HARNESS_H
#define TESTS_TCP_HARNESS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "netstack/socket.h"
#include "netstack/stack.h"
#include "tcp_faultlink.h"

/* A TCP segment as it crossed the link (th_net.tap). */
struct th_seg {
	bool a_to_b;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win; /* as sent, unscaled */
	uint32_t len; /* payload bytes */
	uint64_t at;  /* virtual time of delivery */
};

struct th_net {
	uint64_t now;
	struct ns_stack *a, *b; /* 10.1.0.1 and 10.1.0.2 (fd01::1, ::2) */
	int a_if, b_if;
	struct tcp_fl ab, ba; /* a -> b and b -> a */
	uint64_t steps;
	/* Called with every TCP segment (IPv4 or IPv6, without IP options
	 * or extension headers) the link delivers, before the stack sees
	 * it; NULL: none. */
	void (*tap)(void *arg, const struct th_seg *seg);
	void *tap_arg;
};

/* Creates the two stacks on a bare-IP link of mtu bytes (0: 1500) with
 * the link capabilities caps (NS_LINK_CAP_*), faults per direction. */
void th_net_init(struct th_net *n, const struct tcp_fl_params *ab,
		 const struct tcp_fl_params *ba, uint32_t mtu, uint32_t caps);
void th_net_free(struct th_net *n);

/* Moves to the next event (frame due or timer), processes it. Returns
 * false when nothing at all is pending. */
bool th_net_step(struct th_net *n);
/* Steps until done(arg) or the virtual clock passes `deadline` (absolute)
 * ; returns done's last answer. */
bool th_net_run(struct th_net *n, bool (*done)(void *arg), void *arg,
		uint64_t deadline);
/* Steps until the clock has advanced by delta. */
void th_net_advance(struct th_net *n, uint64_t delta);

/* Sockets. family AF_INET or AF_INET6; addresses as text. */
struct ns_socket *th_listen(struct ns_stack *s, int family, const char *ip,
			    uint16_t port, int backlog);
struct ns_socket *th_connect(struct ns_stack *s, int family, const char *ip,
			     uint16_t port);
int th_getsockopt_int(struct ns_socket *s, int level, int name);
void th_setsockopt_int(struct ns_socket *s, int level, int name, int v);

/* A stream endpoint: writes `total` bytes of the stream seeded by seed
 * (as space allows), or reads and hashes what arrives. */
struct th_stream {
	struct ns_socket *sock;
	uint64_t seed;
	uint64_t total;
	uint64_t done; /* bytes written or read */
	uint64_t hash; /* of the bytes written or read so far */
	bool eof;      /* the reader saw end of stream */
	bool shut;     /* the writer called shutdown(SHUT_WR) at the end */
	int err;       /* a negative errno the socket returned */
	uint8_t *pend; /* generated, not yet accepted by the socket */
	uint32_t pend_off, pend_len;
};

void th_stream_init(struct th_stream *st, struct ns_socket *sock, uint64_t seed,
		    uint64_t total);
/* Frees the stream's buffer (not the socket). */
void th_stream_free(struct th_stream *st);
/* Writes what fits; shuts down writing once all is written. */
void th_stream_write(struct th_stream *st);
/* Reads what is there, hashing it. */
void th_stream_read(struct th_stream *st);
/* The hash the whole stream of seed/total must have. */
uint64_t th_stream_expected_hash(uint64_t seed, uint64_t total);

#endif

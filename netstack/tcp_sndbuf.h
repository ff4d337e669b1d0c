/* The TCP send buffer: the byte stream between snd_una and what the
 * application has written, in append-only chunks that segments reference
 * as packet fragments (zero-copy transmit, netstack/pkt.h).
 *
 * A chunk is a refcounted struct ns_buf. The send buffer holds one
 * reference per chunk until the data in it is acknowledged; a segment
 * handed to a link holds its own through its fragments, so a chunk lives
 * on while a driver still has a packet pointing into it. Bytes once
 * written are never changed (only appended after), which is what lets
 * in-flight packets share them.
 *
 * Chunks grow with the writes and with what is buffered: a small write
 * on a quiet connection gets a small chunk (short request/response
 * connections stay cheap), bulk writes fill 64 KiB ones.
 */
#ifndef NETSTACK_TCP_SNDBUF_H
#define NETSTACK_TCP_SNDBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "netstack/pkt.h"

struct tcp_chunk;

/* A cache of full-sized (64 KiB) chunks shared by a stack's send buffers:
 * bulk senders would otherwise free and allocate one per 64 KiB, which
 * makes the allocator return memory to the kernel and fault it back in.
 * A chunk may outlive its stack (a packet referencing it sits in another
 * stack's receive queue), so the cache counts its users: the stack and
 * every chunk it handed out; the last one frees it. */
struct tcp_chunk_pool {
	uint32_t users;
	uint32_t nfree;
	uint32_t max_free;
	bool open; /* the stack still exists */
	struct tcp_chunk *free;
};

/* Creates a pool keeping at most max_free spare chunks, or NULL. */
struct tcp_chunk_pool *ns_tcp_chunk_pool_new(uint32_t max_free);
/* The stack is going: spare chunks are freed, the pool goes with the
 * last chunk still in use. */
void ns_tcp_chunk_pool_close(struct tcp_chunk_pool *pool);

struct tcp_sndbuf {
	struct tcp_chunk *head; /* oldest chunk, holds una_seq */
	struct tcp_chunk *tail; /* the chunk being appended to */
	struct tcp_chunk *hint; /* last chunk a segment was taken from */
	uint32_t una_seq;	/* sequence of the first byte held */
	uint32_t end_seq;	/* sequence after the last byte written */
	uint32_t nchunks;
	struct tcp_chunk_pool *pool; /* borrowed; may be NULL */
};

/* Copies len bytes of the application's message to dst; 0 or -EFAULT.
 * Called several times per write, in order. */
typedef int (*ns_tcp_copy_in_fn)(void *ctx, void *dst, size_t len);

/* The buffer starts at sequence seq (the ISN + 1); full-sized chunks come
 * from pool when it is not NULL. */
void ns_tcp_sndbuf_init(struct tcp_sndbuf *sb, uint32_t seq,
			struct tcp_chunk_pool *pool);

/* Drops every chunk reference. */
void ns_tcp_sndbuf_destroy(struct tcp_sndbuf *sb);

static inline uint32_t ns_tcp_sndbuf_bytes(const struct tcp_sndbuf *sb)
{
	return sb->end_seq - sb->una_seq;
}

/* Appends len bytes read through copy(ctx, ...). Returns len, or fewer
 * when a copy failed or memory ran out after some bytes went in, or
 * -EFAULT / -ENOMEM when none did. The caller has checked the space. */
ssize_t ns_tcp_sndbuf_write(struct tcp_sndbuf *sb, size_t len,
			    ns_tcp_copy_in_fn copy, void *ctx);

/* Appends to pkt fragments referencing [seq, seq + len), which must lie
 * inside the buffer. Returns the bytes added: len, or less when pkt ran
 * out of fragment slots (the caller sends the shorter segment). */
uint32_t ns_tcp_sndbuf_frags(struct tcp_sndbuf *sb, struct ns_pkt *pkt,
			     uint32_t seq, uint32_t len);

/* Copies [seq, seq + len) out (for urgent-pointer and test use); the
 * range must lie inside the buffer. */
void ns_tcp_sndbuf_copy(const struct tcp_sndbuf *sb, uint32_t seq, void *dst,
			uint32_t len);

/* Data up to una is acknowledged: releases chunks wholly below it. una
 * must lie within [una_seq, end_seq]. */
void ns_tcp_sndbuf_ack(struct tcp_sndbuf *sb, uint32_t una);

#endif

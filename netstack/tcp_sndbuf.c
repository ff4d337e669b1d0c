/* The TCP send buffer: see tcp_sndbuf.h. */
#include "tcp_sndbuf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_seq.h"

#define CHUNK_MIN 1024u
#define CHUNK_MAX 65536u

struct tcp_chunk {
	struct ns_buf buf;	/* refcount: the send buffer + packets */
	struct tcp_chunk *next; /* send buffer's list, or the pool's */
	struct tcp_chunk_pool *pool;
	uint32_t seq;  /* sequence of data[0] */
	uint32_t used; /* bytes written */
};

struct tcp_chunk_pool *ns_tcp_chunk_pool_new(uint32_t max_free)
{
	struct tcp_chunk_pool *p = calloc(1, sizeof(*p));
	if (p) {
		p->users = 1;
		p->max_free = max_free;
		p->open = true;
	}
	return p;
}

static void pool_unref(struct tcp_chunk_pool *p)
{
	if (--p->users == 0)
		free(p);
}

void ns_tcp_chunk_pool_close(struct tcp_chunk_pool *p)
{
	if (p == NULL)
		return;
	p->open = false;
	while (p->free) {
		struct tcp_chunk *c = p->free;
		p->free = c->next;
		free(c);
		p->users--; /* each chunk counted as a user */
	}
	p->nfree = 0;
	pool_unref(p);
}

static void chunk_release(struct ns_buf *buf)
{
	struct tcp_chunk *c = buf->owner;
	struct tcp_chunk_pool *p = c->pool;
	if (p && p->open && p->nfree < p->max_free) {
		c->next = p->free;
		p->free = c;
		p->nfree++;
		return;
	}
	free(c);
	if (p)
		pool_unref(p);
}

static uint32_t chunk_size_for(size_t want)
{
	if (want >= CHUNK_MAX)
		return CHUNK_MAX;
	uint32_t size = CHUNK_MIN;
	while (size < want)
		size *= 2;
	return size;
}

static struct tcp_chunk *chunk_new(struct tcp_chunk_pool *pool, uint32_t seq,
				   uint32_t size)
{
	struct tcp_chunk *c;
	if (pool && size == CHUNK_MAX && pool->free) {
		c = pool->free;
		pool->free = c->next;
		pool->nfree--;
	} else {
		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		/* Only full-sized chunks go back to a pool. */
		c->pool = pool && size == CHUNK_MAX ? pool : NULL;
		if (c->pool)
			c->pool->users++;
	}
	ns_buf_init_external(&c->buf, (uint8_t *)(c + 1), size, chunk_release,
			     c);
	c->next = NULL;
	c->seq = seq;
	c->used = 0;
	return c;
}

void ns_tcp_sndbuf_init(struct tcp_sndbuf *sb, uint32_t seq,
			struct tcp_chunk_pool *pool)
{
	*sb = (struct tcp_sndbuf){ .una_seq = seq,
				   .end_seq = seq,
				   .pool = pool };
}

void ns_tcp_sndbuf_destroy(struct tcp_sndbuf *sb)
{
	struct tcp_chunk *c = sb->head;
	while (c) {
		struct tcp_chunk *next = c->next;
		ns_buf_unref(&c->buf);
		c = next;
	}
	ns_tcp_sndbuf_init(sb, sb->end_seq, sb->pool);
}

/* Room at the end of the tail chunk, making a new chunk when it is full.
 * A new chunk is sized for the write, or for what is already buffered
 * when that is more: a stream of small writes into a busy connection
 * still gets large chunks, so segments need few fragments. */
static struct tcp_chunk *tail_with_room(struct tcp_sndbuf *sb, size_t want)
{
	struct tcp_chunk *t = sb->tail;
	if (t && t->used < t->buf.size)
		return t;
	size_t buffered = ns_tcp_sndbuf_bytes(sb);
	struct tcp_chunk *c =
		chunk_new(sb->pool, sb->end_seq,
			  chunk_size_for(want > buffered ? want : buffered));
	if (c == NULL)
		return NULL;
	if (t)
		t->next = c;
	else
		sb->head = c;
	sb->tail = c;
	sb->nchunks++;
	return c;
}

ssize_t ns_tcp_sndbuf_write(struct tcp_sndbuf *sb, size_t len,
			    ns_tcp_copy_in_fn copy, void *ctx)
{
	size_t done = 0;
	while (done < len) {
		struct tcp_chunk *c = tail_with_room(sb, len - done);
		if (c == NULL)
			return done ? (ssize_t)done : -ENOMEM;
		size_t n = c->buf.size - c->used;
		if (n > len - done)
			n = len - done;
		if (copy(ctx, c->buf.data + c->used, n) < 0)
			return done ? (ssize_t)done : -EFAULT;
		c->used += (uint32_t)n;
		sb->end_seq += (uint32_t)n;
		done += n;
	}
	return (ssize_t)done;
}

/* The chunk holding seq, searching from the hint when it is not past. */
static struct tcp_chunk *chunk_at(const struct tcp_sndbuf *sb, uint32_t seq)
{
	struct tcp_chunk *c = sb->head;
	if (sb->hint && seq_geq(seq, sb->hint->seq))
		c = sb->hint;
	while (c && seq_geq(seq, c->seq + c->used))
		c = c->next;
	return c;
}

uint32_t ns_tcp_sndbuf_frags(struct tcp_sndbuf *sb, struct ns_pkt *pkt,
			     uint32_t seq, uint32_t len)
{
	struct tcp_chunk *c = chunk_at(sb, seq);
	uint32_t done = 0;
	while (done < len && c) {
		uint32_t off = seq + done - c->seq;
		uint32_t n = c->used - off;
		if (n > len - done)
			n = len - done;
		if (ns_pkt_append_frag(pkt, &c->buf, c->buf.data + off, n) < 0)
			break;
		sb->hint = c;
		done += n;
		c = c->next;
	}
	return done;
}

void ns_tcp_sndbuf_copy(const struct tcp_sndbuf *sb, uint32_t seq, void *dst,
			uint32_t len)
{
	const struct tcp_chunk *c = chunk_at(sb, seq);
	uint8_t *out = dst;
	while (len > 0 && c) {
		uint32_t off = seq - c->seq;
		uint32_t n = c->used - off;
		if (n > len)
			n = len;
		memcpy(out, c->buf.data + off, n);
		out += n;
		seq += n;
		len -= n;
		c = c->next;
	}
}

/* Whether an emptied tail chunk may be reused in place: small (an idle
 * connection should not sit on 64 KiB) and referenced by no packet. */
static bool reusable(const struct tcp_chunk *c)
{
	return c->buf.size <= 4 * CHUNK_MIN && c->buf.refcnt == 1;
}

static void drop_chunk(struct tcp_sndbuf *sb, struct tcp_chunk *c)
{
	if (sb->hint == c)
		sb->hint = NULL;
	ns_buf_unref(&c->buf);
	sb->nchunks--;
}

void ns_tcp_sndbuf_ack(struct tcp_sndbuf *sb, uint32_t una)
{
	sb->una_seq = una;
	struct tcp_chunk *c = sb->head;
	while (c && c != sb->tail && seq_leq(c->seq + c->used, una)) {
		struct tcp_chunk *next = c->next;
		drop_chunk(sb, c);
		c = next;
	}
	sb->head = c;
	if (c == NULL || c != sb->tail || una != sb->end_seq)
		return;
	/* Everything is acknowledged: rewind a small tail for the next
	 * write (request/response traffic allocates nothing per message),
	 * or let it go. */
	if (reusable(c)) {
		c->seq = una;
		c->used = 0;
		sb->hint = NULL;
	} else {
		drop_chunk(sb, c);
		sb->head = sb->tail = NULL;
	}
}

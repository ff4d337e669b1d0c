/* Packet buffers: see netstack/pkt.h for the layout and ownership rules. */
#include "netstack/pkt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "netstack/csum.h"

struct ns_buf *ns_buf_alloc(uint32_t size)
{
	struct ns_buf *buf = malloc(sizeof(*buf) + size);
	if (buf == NULL)
		return NULL;
	buf->refcnt = 1;
	buf->size = size;
	buf->data = (uint8_t *)(buf + 1);
	buf->release = NULL;
	buf->owner = NULL;
	return buf;
}

void ns_buf_init_external(struct ns_buf *buf, uint8_t *data, uint32_t size,
			  void (*release)(struct ns_buf *), void *owner)
{
	buf->refcnt = 1;
	buf->size = size;
	buf->data = data;
	buf->release = release;
	buf->owner = owner;
}

void ns_buf_unref(struct ns_buf *buf)
{
	if (--buf->refcnt > 0)
		return;
	if (buf->release)
		buf->release(buf);
	else
		free(buf);
}

struct ns_pkt *ns_pkt_alloc(uint32_t headroom, uint32_t size)
{
	if (headroom > UINT32_MAX - size)
		return NULL;
	uint32_t storage = headroom + size;
	struct ns_pkt *pkt = malloc(sizeof(*pkt) + storage);
	if (pkt == NULL)
		return NULL;
	/* Only the fixed part is cleared: frags beyond nfrags and the head
	 * storage are written before they are read. */
	memset(pkt, 0, offsetof(struct ns_pkt, frags));
	pkt->head = (uint8_t *)(pkt + 1);
	pkt->head_size = storage;
	pkt->data = pkt->head + headroom;
	return pkt;
}

void ns_pkt_free(struct ns_pkt *pkt)
{
	if (pkt == NULL)
		return;
	for (unsigned i = 0; i < pkt->nfrags; i++)
		ns_buf_unref(pkt->frags[i].buf);
	free(pkt);
}

void ns_pkt_free_list(struct ns_pkt *pkt)
{
	while (pkt) {
		struct ns_pkt *next = pkt->next;
		ns_pkt_free(pkt);
		pkt = next;
	}
}

uint8_t *ns_pkt_put(struct ns_pkt *pkt, uint32_t n)
{
	if (pkt->nfrags > 0 || ns_pkt_tailroom(pkt) < n)
		return NULL;
	uint8_t *tail = pkt->data + pkt->head_len;
	pkt->head_len += n;
	pkt->len += n;
	return tail;
}

/* Drops the first `count` fragments, shifting the rest down. */
static void drop_front_frags(struct ns_pkt *pkt, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		ns_buf_unref(pkt->frags[i].buf);
	memmove(pkt->frags, pkt->frags + count,
		(pkt->nfrags - count) * sizeof(pkt->frags[0]));
	pkt->nfrags -= count;
}

int ns_pkt_pull(struct ns_pkt *pkt, uint32_t n)
{
	if (n > pkt->len)
		return -EINVAL;
	pkt->len -= n;
	if (n <= pkt->head_len) {
		pkt->data += n;
		pkt->head_len -= n;
		return 0;
	}
	n -= pkt->head_len;
	pkt->data += pkt->head_len;
	pkt->head_len = 0;
	unsigned whole = 0;
	while (whole < pkt->nfrags && pkt->frags[whole].len <= n) {
		n -= pkt->frags[whole].len;
		whole++;
	}
	drop_front_frags(pkt, whole);
	if (n > 0) {
		pkt->frags[0].data += n;
		pkt->frags[0].len -= n;
	}
	return 0;
}

int ns_pkt_trim(struct ns_pkt *pkt, uint32_t len)
{
	if (len > pkt->len)
		return -EINVAL;
	if (len <= pkt->head_len) {
		for (unsigned i = 0; i < pkt->nfrags; i++)
			ns_buf_unref(pkt->frags[i].buf);
		pkt->nfrags = 0;
		pkt->head_len = len;
		pkt->len = len;
		return 0;
	}
	uint32_t left = len - pkt->head_len;
	unsigned keep = 0;
	while (keep < pkt->nfrags && left > 0) {
		if (pkt->frags[keep].len > left)
			pkt->frags[keep].len = left;
		left -= pkt->frags[keep].len;
		keep++;
	}
	for (unsigned i = keep; i < pkt->nfrags; i++)
		ns_buf_unref(pkt->frags[i].buf);
	pkt->nfrags = keep;
	pkt->len = len;
	return 0;
}

uint8_t *ns_pkt_pullup(struct ns_pkt *pkt, uint32_t n)
{
	if (n <= pkt->head_len)
		return pkt->data;
	if (n > pkt->len)
		return NULL;
	if (ns_pkt_tailroom(pkt) < n - pkt->head_len) {
		/* Slide the head data to the start of its storage, giving up
		 * the headroom, if that makes room. */
		if (pkt->head_size < n)
			return NULL;
		uint8_t *dst = pkt->head;
		memmove(dst, pkt->data, pkt->head_len);
		pkt->data = dst;
	}
	uint32_t need = n - pkt->head_len;
	uint8_t *tail = pkt->data + pkt->head_len;
	unsigned whole = 0;
	while (need > 0) {
		struct ns_frag *f = &pkt->frags[whole];
		uint32_t take = f->len < need ? f->len : need;
		memcpy(tail, f->data, take);
		tail += take;
		need -= take;
		if (take == f->len) {
			whole++;
		} else {
			f->data += take;
			f->len -= take;
		}
	}
	drop_front_frags(pkt, whole);
	pkt->head_len = n;
	return pkt->data;
}

int ns_pkt_append_frag(struct ns_pkt *pkt, struct ns_buf *buf,
		       const uint8_t *data, uint32_t len)
{
	if (len == 0)
		return 0;
	if (pkt->nfrags > 0) {
		struct ns_frag *last = &pkt->frags[pkt->nfrags - 1];
		if (last->buf == buf && last->data + last->len == data) {
			last->len += len;
			pkt->len += len;
			return 0;
		}
	}
	if (pkt->nfrags == NS_PKT_MAX_FRAGS)
		return -ENOBUFS;
	ns_buf_ref(buf);
	pkt->frags[pkt->nfrags++] = (struct ns_frag){ buf, data, len };
	pkt->len += len;
	return 0;
}

int ns_pkt_append_copy(struct ns_pkt *pkt, const void *src, uint32_t len)
{
	if (len == 0)
		return 0;
	uint8_t *tail = ns_pkt_put(pkt, len);
	if (tail) {
		memcpy(tail, src, len);
		return 0;
	}
	if (pkt->nfrags == NS_PKT_MAX_FRAGS)
		return -ENOBUFS;
	struct ns_buf *buf = ns_buf_alloc(len);
	if (buf == NULL)
		return -ENOMEM;
	memcpy(buf->data, src, len);
	int r = ns_pkt_append_frag(pkt, buf, buf->data, len);
	ns_buf_unref(buf); /* the fragment holds the only reference now */
	return r;
}

/* Runs body once per contiguous piece of the byte range [off, off+len),
 * with `piece`, `piece_len` and `piece_off` (the piece's offset within the
 * range) in scope. The caller has checked the range. */
#define FOR_EACH_PIECE(pkt, off, len, piece, piece_len, piece_off, body)      \
	do {                                                                  \
		uint32_t skip_ = (off), left_ = (len), done_ = 0;             \
		for (int i_ = -1; i_ < (int)(pkt)->nfrags && left_ > 0;       \
		     i_++) {                                                  \
			const uint8_t *p_ =                                   \
				i_ < 0 ? (pkt)->data : (pkt)->frags[i_].data; \
			uint32_t n_ = i_ < 0 ? (pkt)->head_len                \
					     : (pkt)->frags[i_].len;          \
			if (skip_ >= n_) {                                    \
				skip_ -= n_;                                  \
				continue;                                     \
			}                                                     \
			const uint8_t *piece = p_ + skip_;                    \
			uint32_t piece_len = n_ - skip_;                      \
			if (piece_len > left_)                                \
				piece_len = left_;                            \
			uint32_t piece_off = done_;                           \
			body;                                                 \
			skip_ = 0;                                            \
			left_ -= piece_len;                                   \
			done_ += piece_len;                                   \
		}                                                             \
	} while (0)

int ns_pkt_copy_out(const struct ns_pkt *pkt, uint32_t off, void *dst,
		    uint32_t len)
{
	if (off > pkt->len || len > pkt->len - off)
		return -EINVAL;
	uint8_t *out = dst;
	FOR_EACH_PIECE(pkt, off, len, piece, piece_len, piece_off,
		       memcpy(out + piece_off, piece, piece_len));
	return 0;
}

uint32_t ns_pkt_csum(const struct ns_pkt *pkt, uint32_t off, uint32_t len,
		     uint32_t sum)
{
	FOR_EACH_PIECE(
		pkt, off, len, piece, piece_len, piece_off,
		sum = ns_csum_add_at(sum, ns_csum_partial(piece, piece_len, 0),
				     piece_off));
	return sum;
}

static void copy_meta(struct ns_pkt *dst, const struct ns_pkt *src)
{
	dst->flags = src->flags;
	dst->csum_start = src->csum_start;
	dst->csum_offset = src->csum_offset;
	dst->gso_size = src->gso_size;
	dst->hdr_len = src->hdr_len;
	dst->gso_type = src->gso_type;
	dst->ifindex = src->ifindex;
	dst->l2_len = src->l2_len;
	dst->tstamp_ns = src->tstamp_ns;
	memcpy(dst->cb, src->cb, sizeof(dst->cb));
}

struct ns_pkt *ns_pkt_clone(const struct ns_pkt *pkt)
{
	uint32_t headroom = ns_pkt_headroom(pkt);
	struct ns_pkt *c = ns_pkt_alloc(headroom, pkt->head_size - headroom);
	if (c == NULL)
		return NULL;
	memcpy(c->data, pkt->data, pkt->head_len);
	c->head_len = pkt->head_len;
	c->len = pkt->len;
	c->nfrags = pkt->nfrags;
	for (unsigned i = 0; i < pkt->nfrags; i++) {
		c->frags[i] = pkt->frags[i];
		ns_buf_ref(c->frags[i].buf);
	}
	copy_meta(c, pkt);
	return c;
}

struct ns_pkt *ns_pkt_copy(const struct ns_pkt *pkt, uint32_t headroom)
{
	struct ns_pkt *c = ns_pkt_alloc(headroom, pkt->len);
	if (c == NULL)
		return NULL;
	ns_pkt_copy_out(pkt, 0, ns_pkt_put(c, pkt->len), pkt->len);
	copy_meta(c, pkt);
	return c;
}

int ns_pkt_to_iov(const struct ns_pkt *pkt, struct iovec *iov, unsigned max)
{
	unsigned n = 0;
	if (pkt->head_len > 0) {
		if (n == max)
			return -ENOBUFS;
		iov[n++] = (struct iovec){ pkt->data, pkt->head_len };
	}
	for (unsigned i = 0; i < pkt->nfrags; i++) {
		if (n == max)
			return -ENOBUFS;
		/* iovec is not const-qualified; the driver only reads. */
		iov[n++] =
			(struct iovec){ (void *)(uintptr_t)pkt->frags[i].data,
					pkt->frags[i].len };
	}
	return (int)n;
}

void ns_pkt_queue_push(struct ns_pkt_queue *q, struct ns_pkt *pkt)
{
	pkt->next = NULL;
	if (q->last)
		q->last->next = pkt;
	else
		q->first = pkt;
	q->last = pkt;
	q->count++;
	q->bytes += pkt->len;
}

struct ns_pkt *ns_pkt_queue_pop(struct ns_pkt_queue *q)
{
	struct ns_pkt *pkt = q->first;
	if (pkt == NULL)
		return NULL;
	q->first = pkt->next;
	if (q->first == NULL)
		q->last = NULL;
	pkt->next = NULL;
	q->count--;
	q->bytes -= pkt->len;
	return pkt;
}

void ns_pkt_queue_purge(struct ns_pkt_queue *q)
{
	ns_pkt_free_list(q->first);
	ns_pkt_queue_init(q);
}

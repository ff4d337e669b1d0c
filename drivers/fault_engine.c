/* The fault decision engine (drivers/fault_engine.h). Self-contained: it
 * depends on the packet buffers only, so tests outside drivers/ can link
 * this one file. */
#include "drivers/fault_engine.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_LIMIT	      1000
#define DEFAULT_REORDER_HOLD  1000000 /* 1 ms */
#define INITIAL_HEAP_CAPACITY 64

/* A delayed frame in the min-heap ordered by (due, seq): seq keeps frames
 * due at the same time in arrival order. */
struct held {
	uint64_t due;
	uint64_t seq;
	struct ns_pkt *pkt;
};

struct drv_fault {
	struct drv_fault_config cfg;
	uint64_t rng[4]; /* xoshiro256** state */
	struct drv_fault_stats stats;
	struct held *heap;
	unsigned nheap;
	unsigned heap_cap;
	uint64_t seq;
	/* Frames held for reordering, oldest first; each one's due time is
	 * in its cb, which belongs to whoever holds the packet. */
	struct ns_pkt_queue reorder;
};

/* splitmix64 expands the seed into the generator state (the seeding the
 * xoshiro authors recommend). */
static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** 1.0 (Blackman and Vigna). */
static uint64_t next_random(struct drv_fault *f)
{
	uint64_t *s = f->rng;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* True with probability p. Certain outcomes draw nothing, so a pure
 * pass-through engine costs no random numbers. */
static bool chance(struct drv_fault *f, double p)
{
	if (p <= 0)
		return false;
	if (p >= 1)
		return true;
	/* The top 53 bits as a uniform double in [0, 1). */
	return (double)(next_random(f) >> 11) * 0x1.0p-53 < p;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift; the bias is below
 * n / 2^64). */
static uint64_t below(struct drv_fault *f, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)next_random(f) * n) >> 64);
}

static bool rate_ok(double p)
{
	return p >= 0 && p <= 1; /* false for NaN */
}

int drv_fault_new(const struct drv_fault_config *cfg, struct drv_fault **out)
{
	*out = NULL;
	if (!rate_ok(cfg->drop) || !rate_ok(cfg->duplicate) ||
	    !rate_ok(cfg->corrupt) || !rate_ok(cfg->delay) ||
	    !rate_ok(cfg->reorder))
		return -EINVAL;
	struct drv_fault *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	f->cfg = *cfg;
	if (f->cfg.limit == 0)
		f->cfg.limit = DEFAULT_LIMIT;
	if (f->cfg.reorder_hold_ns == 0)
		f->cfg.reorder_hold_ns = DEFAULT_REORDER_HOLD;
	uint64_t x = cfg->seed;
	for (int i = 0; i < 4; i++)
		f->rng[i] = splitmix64(&x);
	ns_pkt_queue_init(&f->reorder);
	*out = f;
	return 0;
}

void drv_fault_free(struct drv_fault *f)
{
	if (f == NULL)
		return;
	for (unsigned i = 0; i < f->nheap; i++)
		ns_pkt_free(f->heap[i].pkt);
	free(f->heap);
	ns_pkt_queue_purge(&f->reorder);
	free(f);
}

unsigned drv_fault_held(const struct drv_fault *f)
{
	return f->nheap + f->reorder.count;
}

const struct drv_fault_stats *drv_fault_stats(const struct drv_fault *f)
{
	return &f->stats;
}

static bool held_before(const struct held *a, const struct held *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_swap(struct held *a, struct held *b)
{
	struct held t = *a;
	*a = *b;
	*b = t;
}

static int heap_push(struct drv_fault *f, uint64_t due, struct ns_pkt *pkt)
{
	if (f->nheap == f->heap_cap) {
		unsigned cap =
			f->heap_cap ? f->heap_cap * 2 : INITIAL_HEAP_CAPACITY;
		struct held *h = realloc(f->heap, cap * sizeof(*h));
		if (h == NULL)
			return -ENOMEM;
		f->heap = h;
		f->heap_cap = cap;
	}
	unsigned i = f->nheap++;
	f->heap[i] = (struct held){ due, f->seq++, pkt };
	while (i > 0 && held_before(&f->heap[i], &f->heap[(i - 1) / 2])) {
		heap_swap(&f->heap[i], &f->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	return 0;
}

static struct ns_pkt *heap_pop(struct drv_fault *f)
{
	struct ns_pkt *pkt = f->heap[0].pkt;
	f->heap[0] = f->heap[--f->nheap];
	unsigned i = 0;
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i;
		if (l < f->nheap && held_before(&f->heap[l], &f->heap[m]))
			m = l;
		if (r < f->nheap && held_before(&f->heap[r], &f->heap[m]))
			m = r;
		if (m == i)
			break;
		heap_swap(&f->heap[i], &f->heap[m]);
		i = m;
	}
	return pkt;
}

static uint64_t reorder_due(const struct ns_pkt *pkt)
{
	uint64_t due;
	memcpy(&due, pkt->cb, sizeof(due));
	return due;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Flips one random bit. A byte in fragment memory is shared and
 * read-only, so the frame is first copied into a private head. Returns
 * the corrupted frame, or NULL (pkt freed) when memory runs out. */
static struct ns_pkt *corrupt(struct drv_fault *f, struct ns_pkt *pkt)
{
	uint64_t bit = below(f, (uint64_t)pkt->len * 8);
	uint32_t off = (uint32_t)(bit / 8);
	if (off >= pkt->head_len) {
		struct ns_pkt *copy = ns_pkt_copy(pkt, ns_pkt_headroom(pkt));
		ns_pkt_free(pkt);
		if (copy == NULL) {
			f->stats.nomem++;
			return NULL;
		}
		pkt = copy;
	}
	pkt->data[off] ^= (uint8_t)(1u << (bit % 8));
	pkt->flags &= (uint16_t)~NS_PKT_F_CSUM_VALID;
	f->stats.corrupted++;
	return pkt;
}

static bool room_to_hold(struct drv_fault *f, struct ns_pkt *pkt)
{
	if (drv_fault_held(f) < f->cfg.limit)
		return true;
	f->stats.overflow++;
	ns_pkt_free(pkt);
	return false;
}

/* Everything after the drop and duplicate decisions, for one frame. */
static void decide(struct drv_fault *f, struct ns_pkt *pkt, uint64_t now,
		   struct ns_pkt_queue *out)
{
	if (pkt->len > 0 && chance(f, f->cfg.corrupt)) {
		pkt = corrupt(f, pkt);
		if (pkt == NULL)
			return;
	}
	if (chance(f, f->cfg.delay)) {
		if (!room_to_hold(f, pkt))
			return;
		uint64_t due = add_sat(now, f->cfg.delay_ns);
		if (f->cfg.jitter_ns)
			due = add_sat(due, below(f, f->cfg.jitter_ns + 1));
		if (heap_push(f, due, pkt) < 0) {
			f->stats.nomem++;
			ns_pkt_free(pkt);
			return;
		}
		f->stats.delayed++;
		return;
	}
	if (chance(f, f->cfg.reorder)) {
		if (!room_to_hold(f, pkt))
			return;
		uint64_t due = add_sat(now, f->cfg.reorder_hold_ns);
		memcpy(pkt->cb, &due, sizeof(due));
		ns_pkt_queue_push(&f->reorder, pkt);
		f->stats.reordered++;
		return;
	}
	ns_pkt_queue_push(out, pkt);
	/* The frames held back for reordering go right after this one. */
	struct ns_pkt *held;
	while ((held = ns_pkt_queue_pop(&f->reorder)) != NULL)
		ns_pkt_queue_push(out, held);
}

void drv_fault_input(struct drv_fault *f, struct ns_pkt *pkt, uint64_t now_ns,
		     struct ns_pkt_queue *out)
{
	f->stats.frames++;
	if (chance(f, f->cfg.drop)) {
		f->stats.dropped++;
		ns_pkt_free(pkt);
		return;
	}
	struct ns_pkt *dup = NULL;
	if (chance(f, f->cfg.duplicate)) {
		dup = ns_pkt_clone(pkt);
		if (dup == NULL)
			f->stats.nomem++;
		else
			f->stats.duplicated++;
	}
	decide(f, pkt, now_ns, out);
	if (dup)
		decide(f, dup, now_ns, out);
}

static uint64_t heap_next(const struct drv_fault *f)
{
	return f->nheap ? f->heap[0].due : DRV_FAULT_NEVER;
}

static uint64_t reorder_next(const struct drv_fault *f)
{
	return f->reorder.first ? reorder_due(f->reorder.first)
				: DRV_FAULT_NEVER;
}

uint64_t drv_fault_next_due(const struct drv_fault *f)
{
	uint64_t heap_due = heap_next(f), reorder = reorder_next(f);
	return heap_due < reorder ? heap_due : reorder;
}

uint64_t drv_fault_release(struct drv_fault *f, uint64_t now_ns,
			   struct ns_pkt_queue *out)
{
	for (;;) {
		uint64_t next = drv_fault_next_due(f);
		if (next == DRV_FAULT_NEVER || next > now_ns)
			return next;
		if (heap_next(f) <= reorder_next(f))
			ns_pkt_queue_push(out, heap_pop(f));
		else
			ns_pkt_queue_push(out, ns_pkt_queue_pop(&f->reorder));
	}
}

/* The virtual-time fault link for TCP tests: see tcp_faultlink.h. */
#include "tcp_faultlink.h"

#include <errno.h>
#include <string.h>

/* The delivery time travels with the frame in its scratch area; the link
 * owns the frame while it is in flight. */
static uint64_t due_of(const struct ns_pkt *pkt)
{
	uint64_t t;
	memcpy(&t, pkt->cb, sizeof(t));
	return t;
}

static void set_due(struct ns_pkt *pkt, uint64_t t)
{
	memcpy(pkt->cb, &t, sizeof(t));
}

/* splitmix64: reproducible from the seed. */
static uint64_t next_rand(struct tcp_fl *fl)
{
	uint64_t z = (fl->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int chance(struct tcp_fl *fl, uint32_t ppm)
{
	return ppm && next_rand(fl) % 1000000 < ppm;
}

void tcp_fl_init(struct tcp_fl *fl, const struct tcp_fl_params *p,
		 const uint64_t *now)
{
	memset(fl, 0, sizeof(*fl));
	fl->p = *p;
	fl->now = now;
	fl->rng = p->seed;
}

void tcp_fl_destroy(struct tcp_fl *fl)
{
	ns_pkt_free_list(fl->head);
	fl->head = fl->tail = NULL;
	fl->queued_bytes = 0;
}

/* Inserts in delivery order, searching from the tail: frames mostly
 * arrive in order. Equal times keep their sending order. */
static void insert_sorted(struct tcp_fl *fl, struct ns_pkt *pkt)
{
	uint64_t t = due_of(pkt);
	pkt->next = NULL;
	if (fl->tail == NULL || due_of(fl->tail) <= t) {
		if (fl->tail)
			fl->tail->next = pkt;
		else
			fl->head = pkt;
		fl->tail = pkt;
		return;
	}
	struct ns_pkt *prev = NULL, *cur = fl->head;
	while (cur && due_of(cur) <= t) {
		prev = cur;
		cur = cur->next;
	}
	pkt->next = cur;
	if (prev)
		prev->next = pkt;
	else
		fl->head = pkt;
}

/* A private, linear copy with one bit flipped somewhere. */
static struct ns_pkt *corrupt(struct tcp_fl *fl, struct ns_pkt *pkt)
{
	struct ns_pkt *c = ns_pkt_copy(pkt, NS_PKT_HEADROOM);
	ns_pkt_free(pkt);
	if (c == NULL || c->len == 0)
		return c;
	uint64_t r = next_rand(fl);
	c->data[r % c->len] ^= (uint8_t)(1u << ((r >> 32) % 8));
	/* The receiver must verify checksums now. */
	c->flags &= (uint16_t)~NS_PKT_F_CSUM_VALID;
	return c;
}

static void enqueue(struct tcp_fl *fl, struct ns_pkt *pkt, uint64_t due)
{
	set_due(pkt, due);
	fl->queued_bytes += pkt->len;
	insert_sorted(fl, pkt);
}

static int fl_xmit(void *ctx, struct ns_pkt *pkt)
{
	struct tcp_fl *fl = ctx;
	uint64_t now = *fl->now;
	fl->stats.sent++;
	fl->stats.bytes += pkt->len;
	if (fl->p.queue_bytes &&
	    fl->queued_bytes + pkt->len > fl->p.queue_bytes) {
		fl->stats.queue_drops++;
		ns_pkt_free(pkt);
		return -ENOBUFS;
	}
	/* The bottleneck: frames leave one after another at the rate. */
	uint64_t start = fl->busy_until > now ? fl->busy_until : now;
	uint64_t tx_ns = fl->p.rate_bps ? (uint64_t)pkt->len * 8 *
						  1000000000ULL / fl->p.rate_bps
					: 0;
	fl->busy_until = start + tx_ns;
	uint64_t due = fl->busy_until + fl->p.delay_ns;
	if (chance(fl, fl->p.loss_ppm)) {
		fl->stats.dropped++;
		ns_pkt_free(pkt);
		return 0; /* lost on the wire, not refused */
	}
	if (chance(fl, fl->p.dup_ppm)) {
		struct ns_pkt *d = ns_pkt_clone(pkt);
		if (d) {
			fl->stats.duplicated++;
			enqueue(fl, d, due + 1);
		}
	}
	if (chance(fl, fl->p.reorder_ppm)) {
		fl->stats.reordered++;
		due += fl->p.reorder_ns;
	}
	if (chance(fl, fl->p.corrupt_ppm)) {
		fl->stats.corrupted++;
		pkt = corrupt(fl, pkt);
		if (pkt == NULL)
			return 0;
	}
	enqueue(fl, pkt, due);
	return 0;
}

const struct ns_link_ops tcp_fl_ops = {
	.xmit = fl_xmit,
};

uint64_t tcp_fl_next(const struct tcp_fl *fl)
{
	return fl->head ? due_of(fl->head) : UINT64_MAX;
}

unsigned tcp_fl_deliver(struct tcp_fl *fl,
			void (*deliver)(void *arg, struct ns_pkt *pkt),
			void *arg)
{
	unsigned n = 0;
	while (fl->head && due_of(fl->head) <= *fl->now) {
		struct ns_pkt *pkt = fl->head;
		fl->head = pkt->next;
		if (fl->head == NULL)
			fl->tail = NULL;
		pkt->next = NULL;
		fl->queued_bytes -= pkt->len;
		fl->stats.delivered++;
		memset(pkt->cb, 0, sizeof(pkt->cb));
		deliver(arg, pkt);
		n++;
	}
	return n;
}

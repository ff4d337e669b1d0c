/* The virtual-time fault link for TCP tests: see tcp_faultlink.h. */
#include "tcp_faultlink.h"

#include <errno.h>
#include <stdbool.h>
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
	ns_pkt_free_list(fl->late);
	fl->head = fl->tail = fl->late = NULL;
	fl->queued_bytes = 0;
}

static void append(struct tcp_fl *fl, struct ns_pkt *pkt)
{
	pkt->next = NULL;
	if (fl->tail)
		fl->tail->next = pkt;
	else
		fl->head = pkt;
	fl->tail = pkt;
}

/* Inserts into the late list in delivery order; equal times keep their
 * sending order. */
static void insert_late(struct tcp_fl *fl, struct ns_pkt *pkt)
{
	uint64_t t = due_of(pkt);
	struct ns_pkt **pp = &fl->late;
	while (*pp && due_of(*pp) <= t)
		pp = &(*pp)->next;
	pkt->next = *pp;
	*pp = pkt;
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

static void enqueue(struct tcp_fl *fl, struct ns_pkt *pkt, uint64_t due,
		    bool late)
{
	set_due(pkt, due);
	fl->queued_bytes += pkt->len;
	if (late)
		insert_late(fl, pkt);
	else
		append(fl, pkt);
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
			enqueue(fl, d, due + 1, true);
		}
	}
	bool late = false;
	if (chance(fl, fl->p.reorder_ppm)) {
		fl->stats.reordered++;
		due += fl->p.reorder_ns;
		late = true;
	}
	if (chance(fl, fl->p.corrupt_ppm)) {
		fl->stats.corrupted++;
		pkt = corrupt(fl, pkt);
		if (pkt == NULL)
			return 0;
	}
	enqueue(fl, pkt, due, late);
	return 0;
}

const struct ns_link_ops tcp_fl_ops = {
	.xmit = fl_xmit,
};

uint64_t tcp_fl_next(const struct tcp_fl *fl)
{
	uint64_t t = fl->head ? due_of(fl->head) : UINT64_MAX;
	if (fl->late && due_of(fl->late) < t)
		t = due_of(fl->late);
	return t;
}

/* The frame due first, unlinked, or NULL when none is due by now. */
static struct ns_pkt *pop_due(struct tcp_fl *fl)
{
	bool from_late = fl->late && (fl->head == NULL ||
				      due_of(fl->late) < due_of(fl->head));
	struct ns_pkt *pkt = from_late ? fl->late : fl->head;
	if (pkt == NULL || due_of(pkt) > *fl->now)
		return NULL;
	if (from_late) {
		fl->late = pkt->next;
	} else {
		fl->head = pkt->next;
		if (fl->head == NULL)
			fl->tail = NULL;
	}
	pkt->next = NULL;
	return pkt;
}

unsigned tcp_fl_deliver(struct tcp_fl *fl,
			void (*deliver)(void *arg, struct ns_pkt *pkt),
			void *arg)
{
	unsigned n = 0;
	struct ns_pkt *pkt;
	while ((pkt = pop_due(fl)) != NULL) {
		fl->queued_bytes -= pkt->len;
		fl->stats.delivered++;
		memset(pkt->cb, 0, sizeof(pkt->cb));
		deliver(arg, pkt);
		n++;
	}
	return n;
}

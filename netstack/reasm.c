/* Reassembly queues for IPv4 and IPv6; see reasm.h. */
#include "reasm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "ip.h"
#include "nic.h"

#define REASM_BUCKETS 64

/* Fragment bookkeeping, in pkt->cb after the receive meta. */
struct frag_cb {
	struct ns_rxmeta meta;
	uint32_t off, end; /* payload range in the datagram */
};

_Static_assert(sizeof(struct frag_cb) <= NS_PKT_CB_SIZE, "cb too small");

static struct frag_cb *fcb(struct ns_pkt *pkt)
{
	return (struct frag_cb *)(void *)pkt->cb;
}

/* Counters of both families, chosen by r->v6. */
#define REASM_INC(stack, r, name)                       \
	((stack)->stats[(r)->v6 ? NS_STAT_Ip6Ext_##name \
				: NS_STAT_IpExt_##name]++)
#define REASM_FAIL(stack, r) NS_INC46(stack, (r)->v6, Ip, Ip6, ReasmFails)

static void fragq_timeout(struct ns_stack *stack, struct ns_timer *t);

int ns_reasm_init(struct ns_reasm *r, bool v6, uint32_t mem_max,
		  uint32_t max_frags)
{
	r->v6 = v6;
	r->buckets = malloc(REASM_BUCKETS * sizeof(*r->buckets));
	if (r->buckets == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < REASM_BUCKETS; i++)
		ns_list_init(&r->buckets[i]);
	r->nbuckets = REASM_BUCKETS;
	ns_list_init(&r->lru);
	r->mem = 0;
	r->mem_max = mem_max;
	r->max_frags = max_frags;
	/* Linux ipfrag_time 30 s; RFC 8200 4.5: 60 s for IPv6. */
	r->timeout_ns = (v6 ? 60 : 30) * NS_SEC;
	return 0;
}

static void fragq_free(struct ns_stack *stack, struct ns_fragq *q)
{
	ns_pkt_free_list(q->frags);
	ns_timer_cancel(stack, &q->timer);
	ns_list_del(&q->hnode);
	ns_list_del(&q->lru);
	q->owner->mem -= q->mem;
	free(q);
}

void ns_reasm_free(struct ns_stack *stack, struct ns_reasm *r)
{
	if (r->buckets == NULL)
		return;
	while (!ns_list_empty(&r->lru))
		fragq_free(stack,
			   ns_container_of(r->lru.next, struct ns_fragq, lru));
	free(r->buckets);
	r->buckets = NULL;
}

static struct ns_list *bucket_of(struct ns_stack *stack, struct ns_reasm *r,
				 const struct ns_reasm_key *key)
{
	uint64_t h = ns_keyed_hash(&stack->hash_key, key, sizeof(*key));
	return &r->buckets[h & (r->nbuckets - 1)];
}

static struct ns_fragq *fragq_find(struct ns_stack *stack, struct ns_reasm *r,
				   const struct ns_reasm_key *key)
{
	struct ns_list *b = bucket_of(stack, r, key), *pos;
	ns_list_for_each (pos, b) {
		struct ns_fragq *q =
			ns_container_of(pos, struct ns_fragq, hnode);
		if (memcmp(&q->key, key, sizeof(*key)) == 0)
			return q;
	}
	return NULL;
}

static struct ns_fragq *fragq_create(struct ns_stack *stack, struct ns_reasm *r,
				     const struct ns_reasm_key *key,
				     struct ns_nic *nic)
{
	struct ns_fragq *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->key = *key;
	q->owner = r;
	q->ifindex = nic->ifindex;
	q->mem = sizeof(*q);
	r->mem += q->mem;
	ns_timer_init(&q->timer, fragq_timeout);
	ns_list_add(bucket_of(stack, r, key), &q->hnode);
	ns_list_add_tail(&r->lru, &q->lru);
	ns_timer_arm_in(stack, &q->timer, r->timeout_ns);
	return q;
}

/* RFC 792 / RFC 8200 4.5: time exceeded, code 1, about the first
 * fragment, when it had arrived. */
static void fragq_timeout(struct ns_stack *stack, struct ns_timer *t)
{
	struct ns_fragq *q = ns_container_of(t, struct ns_fragq, timer);
	struct ns_reasm *r = q->owner;
	NS_INC46(stack, r->v6, Ip, Ip6, ReasmTimeout);
	REASM_FAIL(stack, r);
	if (q->first) {
		struct ns_pkt *first = q->first;
		/* The error quotes the fragment from its network header. */
		if (r->v6)
			ns_icmp6_send_error(stack, first, 3, 1, 0);
		else
			ns_icmp4_send_error(stack, first, 11, 1, 0);
	}
	fragq_free(stack, q);
}

/* Drops whole queues, oldest first, until `need` more bytes fit. */
static bool reasm_make_room(struct ns_stack *stack, struct ns_reasm *r,
			    uint32_t need, const struct ns_fragq *keep)
{
	struct ns_list *pos, *tmp;
	ns_list_for_each_safe (pos, tmp, &r->lru) {
		if (r->mem + need <= r->mem_max)
			return true;
		struct ns_fragq *q = ns_container_of(pos, struct ns_fragq, lru);
		if (q == keep)
			continue;
		REASM_INC(stack, r, ReasmOverMem);
		REASM_FAIL(stack, r);
		fragq_free(stack, q);
	}
	return r->mem + need <= r->mem_max;
}

static void fragq_discard(struct ns_stack *stack, struct ns_fragq *q)
{
	REASM_FAIL(stack, q->owner);
	fragq_free(stack, q);
}

/* Builds the datagram: the kept headers of the first fragment, then every
 * payload in order. Frees the queue. */
static struct ns_pkt *fragq_complete(struct ns_stack *stack, struct ns_fragq *q)
{
	struct ns_pkt *first = q->first;
	uint32_t hdr_len = q->hdr_len;
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, hdr_len + q->total);
	if (pkt == NULL) {
		fragq_discard(stack, q);
		return NULL;
	}
	uint8_t *out = ns_pkt_put(pkt, hdr_len + q->total);
	memcpy(out, first->head + fcb(first)->meta.nh_off, hdr_len);
	for (struct ns_pkt *f = q->frags; f; f = f->next)
		ns_pkt_copy_out(f, 0, out + hdr_len + fcb(f)->off, f->len);
	pkt->ifindex = first->ifindex;
	pkt->tstamp_ns = first->tstamp_ns;
	pkt->l2_len = 0;
	memcpy(pkt->cb, first->cb, sizeof(struct ns_rxmeta));
	/* Checksums of the pieces were never vouched for as a whole. */
	struct ns_rxmeta *m = ns_rxmeta(pkt);
	m->flags &= (uint8_t)~NS_RX_CSUM_OK;
	struct ns_nic *nic = ns_nic_get(stack, q->ifindex);
	if (nic && (nic->loopback || (nic->info.caps & NS_LINK_CAP_TRUSTED)))
		m->flags |= NS_RX_CSUM_OK;
	fragq_free(stack, q);
	return pkt;
}

struct ns_pkt *ns_reasm_insert(struct ns_stack *stack, struct ns_reasm *r,
			       const struct ns_reasm_key *key,
			       struct ns_nic *nic, struct ns_pkt *frag,
			       uint32_t offset, bool more, uint16_t hdr_len,
			       uint16_t *kept)
{
	uint32_t len = frag->len;
	uint32_t end = offset + len;
	/* RFC 791 / RFC 8200 4.5: every fragment but the last carries a
	 * multiple of 8 bytes; nothing is empty except a lone last one. */
	if ((more && (len == 0 || (len & 7))) || (len == 0 && offset == 0)) {
		REASM_INC(stack, r, ReasmBadFrags);
		REASM_FAIL(stack, r);
		ns_pkt_free(frag);
		return NULL;
	}
	struct ns_fragq *q = fragq_find(stack, r, key);
	uint32_t max_len = 65535 + (r->v6 ? 40u : 0u);
	if (end + hdr_len > max_len) {
		/* Would reassemble into more than an IP length can say. */
		REASM_INC(stack, r, ReasmTooBig);
		ns_pkt_free(frag);
		if (q)
			fragq_discard(stack, q);
		else
			REASM_FAIL(stack, r);
		return NULL;
	}
	uint32_t truesize = ns_pkt_truesize(frag);
	if (q == NULL) {
		if (!reasm_make_room(stack, r, truesize + sizeof(*q), NULL) ||
		    (q = fragq_create(stack, r, key, nic)) == NULL) {
			REASM_INC(stack, r, ReasmOverMem);
			REASM_FAIL(stack, r);
			ns_pkt_free(frag);
			return NULL;
		}
	} else if (!reasm_make_room(stack, r, truesize, q)) {
		REASM_INC(stack, r, ReasmOverMem);
		ns_pkt_free(frag);
		fragq_discard(stack, q);
		return NULL;
	}

	/* The last fragment fixes the total; nothing may lie beyond it and
	 * it may not change (RFC 815). */
	if ((!more &&
	     ((q->have_last && end != q->total) || end < q->received)) ||
	    (more && q->have_last && end > q->total)) {
		REASM_INC(stack, r, ReasmBadFrags);
		ns_pkt_free(frag);
		fragq_discard(stack, q);
		return NULL;
	}
	/* Find the insertion point, detecting overlaps (RFC 5722). */
	struct ns_pkt **link = &q->frags, *prev = NULL;
	while (*link && fcb(*link)->off < offset) {
		prev = *link;
		link = &(*link)->next;
	}
	struct ns_pkt *next = *link;
	if (next && fcb(next)->off == offset && fcb(next)->end == end) {
		/* An exact duplicate (a retransmission or a duplicating
		 * link): dropped alone, as Linux does. */
		REASM_INC(stack, r, ReasmDuplicates);
		ns_pkt_free(frag);
		return NULL;
	}
	if ((prev && fcb(prev)->end > offset) ||
	    (next && fcb(next)->off < end)) {
		REASM_INC(stack, r, ReasmOverlaps);
		ns_pkt_free(frag);
		fragq_discard(stack, q);
		return NULL;
	}
	if (q->nfrags >= r->max_frags) {
		REASM_INC(stack, r, ReasmTooManyFrags);
		ns_pkt_free(frag);
		fragq_discard(stack, q);
		return NULL;
	}
	fcb(frag)->off = offset;
	fcb(frag)->end = end;
	frag->next = next;
	*link = frag;
	q->nfrags++;
	q->received += len;
	q->mem += truesize;
	r->mem += truesize;
	if (!more) {
		q->have_last = true;
		q->total = end;
	}
	if (offset == 0) {
		q->first = frag;
		q->hdr_len = hdr_len;
	}
	if (!q->have_last || q->first == NULL || q->received != q->total)
		return NULL;
	if (q->hdr_len + q->total > max_len) {
		/* The first fragment's headers are longer than the ones the
		 * size was checked with above. */
		REASM_INC(stack, r, ReasmTooBig);
		fragq_discard(stack, q);
		return NULL;
	}
	*kept = q->hdr_len;
	return fragq_complete(stack, q);
}

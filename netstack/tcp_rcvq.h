/* The TCP receive side's queues: data in order waiting for the
 * application, and segments that arrived out of order (above rcv_nxt)
 * waiting for the gap before them to fill (RFC 9293 3.10.7.4; Linux's
 * sk_receive_queue and out_of_order_queue).
 *
 * Packets in these queues carry payload only (the headers were pulled)
 * and a struct tcp_cb in pkt->cb. The out-of-order queue is sorted by
 * sequence and free of overlaps: an arriving segment is trimmed against
 * its neighbours, and what it duplicates is reported as D-SACK (RFC 2883);
 * the SACK blocks (tcp_sack.h) follow every insertion.
 *
 * Memory is counted as Linux's truesize (the packet structure, its head
 * storage and its payload) so that a peer sending one-byte segments pays
 * for them; in-order packets are coalesced into their predecessor when
 * they fit, to keep that overhead low.
 */
#ifndef NETSTACK_TCP_RCVQ_H
#define NETSTACK_TCP_RCVQ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "netstack/pkt.h"
#include "tcp_sack.h"

/* TCP's view of a queued packet, in pkt->cb. */
struct tcp_cb {
	uint32_t seq;	   /* sequence number of the first payload byte */
	uint32_t end_seq;  /* seq + payload length + 1 if FIN (SEG.LEN) */
	uint32_t truesize; /* memory charged for the packet */
	uint8_t fin;	   /* the segment carried FIN */
};

_Static_assert(sizeof(struct tcp_cb) <= NS_PKT_CB_SIZE,
	       "tcp_cb must fit in ns_pkt.cb");

static inline struct tcp_cb *ns_tcp_cb(struct ns_pkt *pkt)
{
	return (struct tcp_cb *)(void *)pkt->cb;
}

/* Memory a packet occupies, as charged against the receive buffer. */
uint32_t ns_tcp_truesize(const struct ns_pkt *pkt);

struct tcp_rcvq {
	struct ns_pkt_queue inq; /* in order; inq.bytes = readable bytes */
	struct ns_pkt *ofo_head; /* sorted, linked through ->next */
	struct ns_pkt *ofo_tail;
	uint32_t ofo_count;
	uint32_t mem; /* truesize of everything queued */
};

void ns_tcp_rcvq_init(struct tcp_rcvq *rq);
/* Frees everything queued. */
void ns_tcp_rcvq_purge(struct tcp_rcvq *rq);

/* Appends an in-order segment (consumes pkt; its cb filled, payload only,
 * cb.seq == the current rcv_nxt). A segment without payload is freed: the
 * connection, not the queue, remembers a FIN. */
void ns_tcp_rcvq_queue(struct tcp_rcvq *rq, struct ns_pkt *pkt);

/* What an out-of-order insertion did. */
enum tcp_ofo_result {
	TCP_OFO_QUEUED, /* held (possibly trimmed) */
	TCP_OFO_DUP,	/* wholly duplicate: freed, D-SACK set */
};

/* Inserts a segment whose data starts above rcv_nxt (consumes pkt), with
 * overlap trimming, D-SACK and SACK-block updates in rs. */
enum tcp_ofo_result ns_tcp_ofo_insert(struct tcp_rcvq *rq, struct ns_pkt *pkt,
				      struct tcp_rcv_sack *rs);

/* After rcv_nxt advanced to *rcv_nxt: moves out-of-order segments that
 * now continue the stream to the in-order queue, trimming what was
 * already received, and advances *rcv_nxt past them. Returns true when a
 * queued FIN became in order (*rcv_nxt is then past it, and whatever was
 * held beyond the FIN is dropped, as Linux's tcp_fin does). */
bool ns_tcp_ofo_drain(struct tcp_rcvq *rq, uint32_t *rcv_nxt,
		      struct tcp_rcv_sack *rs);

/* Drops every out-of-order segment and the SACK blocks (a FIN arrived in
 * order: nothing can follow it). */
void ns_tcp_ofo_purge(struct tcp_rcvq *rq, struct tcp_rcv_sack *rs);

/* Drops out-of-order segments from the highest down until rq->mem is at
 * most limit (Linux tcp_prune_ofo_queue) and rebuilds the SACK blocks from
 * what remains. Returns the packets dropped. */
uint32_t ns_tcp_ofo_prune(struct tcp_rcvq *rq, uint32_t limit,
			  struct tcp_rcv_sack *rs);

/* Linux tcp_collapse: copies the in-order data into compact packets (one
 * fragment of up to 64 KiB each), so that many small or head-heavy
 * packets stop costing their structures. Returns the packets saved, or 0
 * when memory ran out (the queue is unchanged where not yet rebuilt). */
uint32_t ns_tcp_rcvq_collapse(struct tcp_rcvq *rq);

/* Copies out up to len bytes of pkt from offset off; returns the bytes
 * copied (fewer when the destination ends) or -EFAULT. */
typedef ssize_t (*ns_tcp_copy_out_fn)(void *ctx, const struct ns_pkt *pkt,
				      uint32_t off, uint32_t len);

/* Reads up to len in-order bytes through copy. peek: leave them queued.
 * Returns the bytes read (0 when nothing is queued) or -EFAULT when the
 * first copy failed. */
ssize_t ns_tcp_rcvq_read(struct tcp_rcvq *rq, uint32_t len,
			 ns_tcp_copy_out_fn copy, void *ctx, bool peek);

/* Discards n in-order bytes without reading them (the urgent byte when
 * SO_OOBINLINE is off). n must not exceed rq->inq.bytes. */
void ns_tcp_rcvq_skip(struct tcp_rcvq *rq, uint32_t n);

#endif

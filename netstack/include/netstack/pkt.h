/* Packet buffers.
 *
 * A packet (struct ns_pkt) is a head segment followed by up to
 * NS_PKT_MAX_FRAGS fragments:
 *
 *   head storage: [ headroom | head data (head_len) | tailroom ]
 *   frags[0..nfrags): views into refcounted buffers (struct ns_buf)
 *
 * The head storage is allocated with the packet and owned by it alone, so
 * headers are pushed into the headroom and parsed from the head without
 * copies. Fragments reference shared, read-only payload: the TCP send
 * buffer, a received frame queued on two sockets, a clone for a capture.
 * Protocol headers always live in the head; ns_pkt_pullup() moves bytes
 * there when a parser needs more than the head holds.
 *
 * Ownership contract (lwIP's pbuf rules, made explicit):
 * - A packet has exactly one owner at a time. A function documented as
 *   "consumes pkt" takes ownership on every path, success or error; the
 *   caller must not touch the packet afterwards (set your pointer to NULL).
 *   A function that "borrows" pkt leaves ownership with the caller.
 * - ns_link_ops.xmit consumes; ns_stack_input consumes; queue heads own the
 *   packets linked through ->next.
 * - Buffers (struct ns_buf) are shared by reference count. A fragment holds
 *   one reference; ns_pkt_free() drops it. Data reachable through a
 *   fragment is read-only: whoever wants to change it copies first.
 *
 * The netstack is single-threaded by contract, so reference counts are
 * plain integers. Allocation failures return NULL / -ENOMEM; nothing here
 * aborts.
 */
#ifndef NETSTACK_PKT_H
#define NETSTACK_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Room for Ethernet (14) + VLAN (4) + IPv6 (40) + extension headers + TCP
 * with options (60), rounded up: every locally built packet gets it. */
#define NS_PKT_HEADROOM 160
/* Fragments per packet. A TCP segment spans at most two send-buffer
 * chunks; a GSO super-segment of 64 KiB at most a handful. */
#define NS_PKT_MAX_FRAGS 16
/* Bytes of per-layer scratch space in every packet (skb->cb). */
#define NS_PKT_CB_SIZE 48

/* A refcounted block of payload memory. */
struct ns_buf {
	uint32_t refcnt;
	uint32_t size;
	uint8_t *data;
	/* Called when the last reference goes; NULL for ns_buf_alloc()'s own
	 * buffers. Lets a driver lend its memory (a ring slot, an mbuf). */
	void (*release)(struct ns_buf *buf);
	void *owner; /* for release */
};

/* Allocates a buffer of size bytes (uninitialised) with one reference. */
struct ns_buf *ns_buf_alloc(uint32_t size);
/* Wraps size bytes at data owned by someone else; release(buf) runs when
 * the last reference is dropped and must free buf itself (allocated by the
 * caller, e.g. embedded in a driver structure). */
void ns_buf_init_external(struct ns_buf *buf, uint8_t *data, uint32_t size,
			  void (*release)(struct ns_buf *), void *owner);

static inline void ns_buf_ref(struct ns_buf *buf)
{
	buf->refcnt++;
}

void ns_buf_unref(struct ns_buf *buf);

struct ns_frag {
	struct ns_buf *buf; /* holds one reference */
	const uint8_t *data;
	uint32_t len;
};

/* Packet flags. */
enum {
	/* Received: the link verified the transport checksum (virtio's
	 * DATA_VALID). Set by drivers and trusted links. */
	NS_PKT_F_CSUM_VALID = 1u << 0,
	/* To send: the transport checksum is not filled in; the link computes
	 * it from csum_start/csum_offset (virtio's NEEDS_CSUM). Only produced
	 * for links with NS_LINK_CAP_TX_CSUM. The pseudo-header sum is already
	 * in the checksum field, as virtio expects. */
	NS_PKT_F_CSUM_PARTIAL = 1u << 1,
	/* Frame addressed to another host, seen on a promiscuous link. */
	NS_PKT_F_OTHERHOST = 1u << 2,
	/* Frame sent to a broadcast or multicast link address. */
	NS_PKT_F_LINK_BCAST = 1u << 3,
	NS_PKT_F_LINK_MCAST = 1u << 4,
};

/* Segmentation offload of a super-segment (virtio's gso_type). */
enum ns_gso_type {
	NS_GSO_NONE = 0,
	NS_GSO_TCPV4 = 1,
	NS_GSO_UDP = 3,
	NS_GSO_TCPV6 = 4,
};

struct ns_pkt {
	/* Head segment. Invariant: head <= data, data + head_len <= head +
	 * head_size. The head storage is owned by this packet only. */
	uint8_t *head;
	uint8_t *data;
	uint32_t head_len;
	uint32_t head_size;
	/* Total length: head_len plus the length of every fragment. */
	uint32_t len;
	uint16_t nfrags;
	uint16_t flags; /* NS_PKT_F_* */

	/* Offload metadata, in the meaning of struct virtio_net_hdr so that
	 * tap (IFF_VNET_HDR) and AF_PACKET (PACKET_VNET_HDR) drivers pass it
	 * through unchanged. Offsets count from data at transmit time. */
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t gso_size;
	uint16_t hdr_len;
	uint8_t gso_type; /* enum ns_gso_type */

	uint16_t ifindex;    /* receiving/sending NIC, set by the stack */
	uint16_t l2_len;     /* link header length, set by the stack on input */
	uint64_t tstamp_ns;  /* receive time from the driver, 0 if unknown */
	struct ns_pkt *next; /* queue link, used by the current owner */

	/* Scratch space owned by the layer currently holding the packet. */
	uint8_t cb[NS_PKT_CB_SIZE] __attribute__((aligned(8)));

	struct ns_frag frags[NS_PKT_MAX_FRAGS];
};

/* Allocates a packet with `headroom` bytes before data and room for
 * `size` bytes of head data; head_len starts at 0 (use ns_pkt_put). The
 * head storage comes in the same allocation as the packet. */
struct ns_pkt *ns_pkt_alloc(uint32_t headroom, uint32_t size);

/* Frees the packet, its head storage, and one reference per fragment.
 * NULL is fine. */
void ns_pkt_free(struct ns_pkt *pkt);

/* Frees a list linked through ->next. */
void ns_pkt_free_list(struct ns_pkt *pkt);

static inline uint32_t ns_pkt_headroom(const struct ns_pkt *pkt)
{
	return (uint32_t)(pkt->data - pkt->head);
}

static inline uint32_t ns_pkt_tailroom(const struct ns_pkt *pkt)
{
	return pkt->head_size - ns_pkt_headroom(pkt) - pkt->head_len;
}

/* Prepends n bytes into the headroom; returns a pointer to them, or NULL
 * (packet unchanged) when the headroom is too small. */
static inline uint8_t *ns_pkt_push(struct ns_pkt *pkt, uint32_t n)
{
	if (ns_pkt_headroom(pkt) < n)
		return NULL;
	pkt->data -= n;
	pkt->head_len += n;
	pkt->len += n;
	return pkt->data;
}

/* Extends the head data by n bytes at its end (there must be no
 * fragments); returns a pointer to the new bytes, or NULL when the
 * tailroom is too small or fragments follow the head. */
uint8_t *ns_pkt_put(struct ns_pkt *pkt, uint32_t n);

/* Removes n bytes from the front (head first, then fragments). Returns 0,
 * or -EINVAL (packet unchanged) when the packet is shorter than n. */
int ns_pkt_pull(struct ns_pkt *pkt, uint32_t n);

/* Cuts the packet to its first len bytes (dropping trailing fragments and
 * link padding). Returns 0, or -EINVAL when the packet is shorter. */
int ns_pkt_trim(struct ns_pkt *pkt, uint32_t len);

/* Makes the first n bytes contiguous in the head, moving them from the
 * fragments if needed, and returns pkt->data. Returns NULL when the packet
 * is shorter than n or the head cannot hold n bytes (packet unchanged). */
uint8_t *ns_pkt_pullup(struct ns_pkt *pkt, uint32_t n);

/* Appends a fragment referencing len bytes at data inside buf, taking a
 * reference to buf. Returns 0 or -ENOBUFS when all fragment slots are in
 * use. Adjacent views of the same buffer merge into one fragment. */
int ns_pkt_append_frag(struct ns_pkt *pkt, struct ns_buf *buf,
		       const uint8_t *data, uint32_t len);

/* Appends len bytes copied from src: into the head's tailroom when there
 * are no fragments and it fits, else into a new buffer fragment.
 * Returns 0 or -ENOMEM / -ENOBUFS (packet unchanged). */
int ns_pkt_append_copy(struct ns_pkt *pkt, const void *src, uint32_t len);

/* Copies len bytes starting at offset off into dst. Returns 0, or -EINVAL
 * when off + len exceeds the packet. */
int ns_pkt_copy_out(const struct ns_pkt *pkt, uint32_t off, void *dst,
		    uint32_t len);

/* Partial Internet checksum (see netstack/csum.h) of len bytes starting at
 * off, added to sum; the caller guarantees off + len <= pkt->len. */
uint32_t ns_pkt_csum(const struct ns_pkt *pkt, uint32_t off, uint32_t len,
		     uint32_t sum);

/* A new packet with a private copy of the head (same headroom) that shares
 * the fragments (one more reference each) and copies the metadata except
 * ->next. For captures, duplication, and retransmission. NULL on ENOMEM. */
struct ns_pkt *ns_pkt_clone(const struct ns_pkt *pkt);

/* A new packet holding all of pkt's bytes in its head (after `headroom`
 * bytes), with no fragments; metadata copied. NULL on ENOMEM. */
struct ns_pkt *ns_pkt_copy(const struct ns_pkt *pkt, uint32_t headroom);

/* Fills up to max iovecs describing the packet's bytes in order (head
 * first, then fragments) and returns how many were used, or -ENOBUFS when
 * max is too small. For writev/sendmsg-style drivers. */
int ns_pkt_to_iov(const struct ns_pkt *pkt, struct iovec *iov, unsigned max);

/* A FIFO of packets linked through ->next. The queue owns its packets. */
struct ns_pkt_queue {
	struct ns_pkt *first;
	struct ns_pkt *last;
	uint32_t count;
	uint32_t bytes; /* sum of pkt->len */
};

static inline void ns_pkt_queue_init(struct ns_pkt_queue *q)
{
	q->first = q->last = NULL;
	q->count = q->bytes = 0;
}

/* Consumes pkt. */
void ns_pkt_queue_push(struct ns_pkt_queue *q, struct ns_pkt *pkt);
/* Returns the first packet (now owned by the caller) or NULL. */
struct ns_pkt *ns_pkt_queue_pop(struct ns_pkt_queue *q);
/* Frees every packet in the queue. */
void ns_pkt_queue_purge(struct ns_pkt_queue *q);

#endif

/* mbufs and packets (dpdk_impl.h): receive without a copy, transmit by
 * copy or with external buffers, and the offload metadata between
 * struct ns_pkt (virtio's meaning) and struct rte_mbuf (DPDK's). */
#include <errno.h>
#include <rte_eal.h>
#include <rte_mempool.h>
#include <string.h>

#include "dpdk_impl.h"
#include "netstack/csum.h"
#include "netstack/wire.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_VLAN 0x8100

/* ---- Offload metadata ------------------------------------------------ */

/* The link header's length and the IP version after it (4, 6 or 0). */
static uint16_t l2_of(const uint8_t *frame, uint32_t hlen, int *ipver)
{
	*ipver = 0;
	if (hlen < DRV_ETH_HLEN)
		return 0;
	uint16_t type = ns_get_be16(frame + 12), l2 = DRV_ETH_HLEN;
	if (type == ETH_P_VLAN) {
		if (hlen < DRV_ETH_HLEN + DRV_VLAN_HLEN)
			return 0;
		type = ns_get_be16(frame + 16);
		l2 += DRV_VLAN_HLEN;
	}
	if (type == ETH_P_IPV4)
		*ipver = 4;
	else if (type == ETH_P_IPV6)
		*ipver = 6;
	return l2;
}

int dpdk_tx_meta(const struct ns_pkt *pkt, uint8_t *frame, uint32_t hlen,
		 struct dpdk_txmeta *meta)
{
	memset(meta, 0, sizeof(*meta));
	bool gso = pkt->gso_type != NS_GSO_NONE;
	if (!(pkt->flags & NS_PKT_F_CSUM_PARTIAL) && !gso)
		return 0;
	int ipver;
	uint16_t l2 = l2_of(frame, hlen, &ipver);
	uint32_t start = pkt->csum_start, off = pkt->csum_offset;
	if (ipver == 0 || start < l2 + 20u || start - l2 > 255)
		return -EINVAL;
	bool tcp = off == 16;
	if (!tcp && off != 6)
		return -EINVAL;
	if (start + off + 2 > hlen)
		return -EINVAL;
	meta->l2_len = l2;
	meta->l3_len = (uint16_t)(start - l2);
	meta->ol_flags = ipver == 4 ? RTE_MBUF_F_TX_IPV4 : RTE_MBUF_F_TX_IPV6;
	meta->ol_flags |=
		tcp ? RTE_MBUF_F_TX_TCP_CKSUM : RTE_MBUF_F_TX_UDP_CKSUM;
	if (!gso)
		/* The field holds the pseudo-header sum with the length,
		 * which is what DPDK wants too (rte_ipv4_phdr_cksum). */
		return 0;
	if (!tcp || pkt->gso_size == 0 ||
	    (pkt->gso_type != NS_GSO_TCPV4 && pkt->gso_type != NS_GSO_TCPV6) ||
	    (pkt->gso_type == NS_GSO_TCPV4) != (ipver == 4) ||
	    start + 20 > hlen)
		return -EINVAL;
	uint8_t *tcph = frame + start;
	uint16_t doff = (uint16_t)((tcph[12] >> 4) * 4);
	if (doff < 20 || start + doff > hlen)
		return -EINVAL;
	meta->l4_len = doff;
	meta->tso_segsz = pkt->gso_size;
	meta->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
	/* For TSO DPDK wants the pseudo-header sum without the length
	 * (rte_ipv4_phdr_cksum with RTE_MBUF_F_TX_TCP_SEG): each segment's
	 * is added by whoever segments. */
	const uint8_t *ip = frame + l2;
	uint32_t pseudo = ipver == 4 ? ns_csum_pseudo4(ip + 12, ip + 16, 6, 0)
				     : ns_csum_pseudo6(ip + 8, ip + 24, 6, 0);
	ns_put_be16(tcph + 16, (uint16_t)~ns_csum_fold(pseudo));
	return 0;
}

int dpdk_rx_meta(uint64_t ol_flags, uint16_t tso_segsz, const uint8_t *frame,
		 uint32_t hlen, const struct dpdk_offload *off,
		 struct ns_pkt *pkt)
{
	if (off->rx_csum && (ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) ==
				    RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		pkt->flags |= NS_PKT_F_CSUM_VALID;
	if (!off->rx_lro || !(ol_flags & RTE_MBUF_F_RX_LRO) || tso_segsz == 0)
		return 0;
	int ipver;
	if (l2_of(frame, hlen, &ipver) == 0 || ipver == 0)
		return -EINVAL;
	pkt->gso_type = ipver == 4 ? NS_GSO_TCPV4 : NS_GSO_TCPV6;
	pkt->gso_size = tso_segsz;
	/* The port merged segments whose checksums it verified (virtio's
	 * DATA_VALID with GSO). */
	pkt->flags |= NS_PKT_F_CSUM_VALID;
	return 0;
}

/* ---- Receive --------------------------------------------------------- */

void dpdk_pool_put(struct dpdk_pool *pool)
{
	if (pool->closed && pool->outstanding == 0) {
		rte_mempool_free(pool->mp);
		free(pool);
	}
}

/* The last reference to a segment's data went: the mbuf goes back. */
static void release_seg(struct ns_buf *buf)
{
	struct rte_mbuf *m = buf->owner;
	struct dpdk_pool *pool = ((struct dpdk_mbuf_priv *)(void *)buf)->pool;
	rte_pktmbuf_free_seg(m);
	pool->outstanding--;
	dpdk_pool_put(pool);
}

static struct ns_pkt *copy_out(struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_pkt_len(m);
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, len);
	if (pkt == NULL)
		return NULL;
	uint8_t *dst = ns_pkt_put(pkt, len);
	for (struct rte_mbuf *s = m; s && len > 0; s = s->next) {
		uint32_t n = s->data_len < len ? s->data_len : len;
		memcpy(dst, rte_pktmbuf_mtod(s, const uint8_t *), n);
		dst += n;
		len -= n;
	}
	return pkt;
}

/* Room in the head for the headers the stack pulls up (Ethernet, IP with
 * options, TCP with options) without a new head. */
#define ZC_HEAD 192

struct ns_pkt *dpdk_mbuf_to_pkt(struct rte_mbuf *m, struct dpdk_pool *pool,
				bool *copied)
{
	/* Only mbufs of our pool have our private area (a PMD may hand
	 * over mbufs of another: net_ring passes the sender's). */
	bool ours = pool != NULL;
	for (struct rte_mbuf *s = m; ours && s; s = s->next)
		ours = s->pool == pool->mp;
	if (!ours || rte_pktmbuf_pkt_len(m) <= DRV_DPDK_COPYBREAK ||
	    m->nb_segs > NS_PKT_MAX_FRAGS) {
		*copied = true;
		struct ns_pkt *pkt = copy_out(m);
		rte_pktmbuf_free(m);
		return pkt;
	}
	*copied = false;
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, ZC_HEAD);
	if (pkt == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	while (m) {
		struct rte_mbuf *next = m->next;
		/* Each segment is freed on its own when its fragment goes. */
		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
		if (m->data_len == 0) {
			rte_pktmbuf_free_seg(m);
			m = next;
			continue;
		}
		struct dpdk_mbuf_priv *priv = rte_mbuf_to_priv(m);
		priv->pool = pool;
		uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);
		ns_buf_init_external(&priv->buf, data, m->data_len, release_seg,
				     m);
		pool->outstanding++;
		/* Cannot fail: nb_segs was checked against the slots. */
		ns_pkt_append_frag(pkt, &priv->buf, data, m->data_len);
		ns_buf_unref(&priv->buf);
		m = next;
	}
	return pkt;
}

/* ---- Transmit -------------------------------------------------------- */

struct rte_mbuf *dpdk_pkt_to_mbuf_copy(const struct ns_pkt *pkt,
				       struct rte_mempool *pool, bool multi_seg)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(pool);
	if (head == NULL)
		return NULL;
	if (pkt->len <= rte_pktmbuf_tailroom(head)) {
		uint8_t *dst =
			(uint8_t *)rte_pktmbuf_append(head, (uint16_t)pkt->len);
		ns_pkt_copy_out(pkt, 0, dst, pkt->len);
		return head;
	}
	if (!multi_seg) {
		rte_pktmbuf_free(head);
		return NULL;
	}
	struct rte_mbuf *tail = head;
	uint32_t done = 0;
	for (;;) {
		uint32_t n = pkt->len - done;
		if (n > rte_pktmbuf_tailroom(tail))
			n = rte_pktmbuf_tailroom(tail);
		/* Appends to the last segment, counting in the head. */
		uint8_t *dst = (uint8_t *)rte_pktmbuf_append(head, (uint16_t)n);
		ns_pkt_copy_out(pkt, done, dst, n);
		done += n;
		if (done == pkt->len)
			return head;
		struct rte_mbuf *seg = rte_pktmbuf_alloc(pool);
		if (seg == NULL || head->nb_segs == UINT16_MAX) {
			rte_pktmbuf_free(seg);
			rte_pktmbuf_free(head);
			return NULL;
		}
		tail->next = seg;
		head->nb_segs++;
		tail = seg;
	}
}

/* The private area of an ext_pool mbuf: the shared info of the external
 * buffer it is attached to, alive as long as the mbuf is attached. */
struct dpdk_extref {
	struct rte_mbuf_ext_shared_info shinfo;
};

static void ext_free(void *addr, void *opaque)
{
	(void)addr;
	ns_buf_unref(opaque);
}

struct rte_mbuf *dpdk_pkt_to_mbuf_extbuf(const struct ns_pkt *pkt,
					 struct rte_mempool *pool,
					 struct rte_mempool *ext_pool)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(pool);
	if (head == NULL)
		return NULL;
	if (pkt->head_len > rte_pktmbuf_tailroom(head)) {
		rte_pktmbuf_free(head);
		return NULL;
	}
	memcpy(rte_pktmbuf_append(head, (uint16_t)pkt->head_len), pkt->data,
	       pkt->head_len);
	bool va = rte_eal_iova_mode() == RTE_IOVA_VA;
	struct rte_mbuf *tail = head;
	for (unsigned i = 0; i < pkt->nfrags; i++) {
		const struct ns_frag *f = &pkt->frags[i];
		struct rte_mbuf *seg = f->len <= UINT16_MAX
					       ? rte_pktmbuf_alloc(ext_pool)
					       : NULL;
		if (seg == NULL) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		struct dpdk_extref *ref = rte_mbuf_to_priv(seg);
		ref->shinfo.free_cb = ext_free;
		ref->shinfo.fcb_opaque = f->buf;
		rte_mbuf_ext_refcnt_set(&ref->shinfo, 1);
		ns_buf_ref(f->buf);
		void *addr = (void *)(uintptr_t)f->data;
		rte_pktmbuf_attach_extbuf(seg, addr,
					  va ? (rte_iova_t)(uintptr_t)addr
					     : RTE_BAD_IOVA,
					  (uint16_t)f->len, &ref->shinfo);
		seg->data_len = (uint16_t)f->len;
		seg->pkt_len = f->len;
		tail->next = seg;
		tail = seg;
		head->nb_segs++;
		head->pkt_len += f->len;
	}
	return head;
}

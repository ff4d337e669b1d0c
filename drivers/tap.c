/* The tap driver (drivers/tap.h). */
#include "drivers/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"
#include "drv_impl.h"
#include "offload.h"
#include "rxslot.h"

struct tap {
	struct drv_link link;
	struct drv_rxmode rxmode;
	struct drv_rxslot slot;
};

static int tap_rx_burst(struct drv_link *link, struct ns_pkt **pkts,
			unsigned max)
{
	struct tap *t = (struct tap *)link;
	uint64_t now = drv_realtime_ns();
	unsigned n = 0, bad = 0;
	/* The count of malformed frames bounds the work of one call: a
	 * flood of them must not keep the owner here. */
	while (n < max && bad < DRV_BATCH) {
		struct iovec iov[3];
		int niov = drv_rxslot_iov(&t->slot, &t->rxmode, iov);
		if (niov < 0) {
			/* Out of memory: the frame waits in the kernel. */
			break;
		}
		ssize_t got = readv(link->fd, iov, niov);
		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			if (n == 0)
				return -errno;
			break;
		}
		/* tun cuts a frame longer than the buffers without saying
		 * so; the buffers have a byte to spare beyond the largest
		 * legal frame, so a read that fills them was cut. */
		size_t room = 0;
		for (int i = 0; i < niov; i++)
			room += iov[i].iov_len;
		int r = drv_rxslot_take(&t->slot, &t->rxmode, (size_t)got,
					(size_t)got >= room, now, &pkts[n]);
		if (r < 0) {
			link->stats.rx_errors++;
			bad++;
			continue;
		}
		link->stats.rx_packets++;
		link->stats.rx_bytes += pkts[n]->len;
		n++;
	}
	return (int)n;
}

static int tap_flush(struct drv_link *link);

static int tap_xmit(struct drv_link *link, struct ns_pkt *pkt)
{
	struct tap *t = (struct tap *)link;
	if (!drv_eth_frame_fits(link, pkt) ||
	    (!t->rxmode.vnet && drv_csum_finalize(pkt) < 0)) {
		link->stats.tx_errors++;
		ns_pkt_free(pkt);
		return -EINVAL;
	}
	int r = drv_txq_push(link, pkt);
	if (r == 0 && link->txq.count >= DRV_BATCH)
		(void)tap_flush(link);
	return r;
}

/* Writes one frame: 1 sent, 0 the kernel is full, < 0 the frame is
 * refused. */
static int write_frame(struct tap *t, const struct ns_pkt *pkt)
{
	struct iovec iov[1 + 1 + NS_PKT_MAX_FRAGS];
	struct virtio_net_hdr vnet;
	int n = 0;
	if (t->rxmode.vnet) {
		if (drv_vnet_from_pkt(pkt, &vnet) < 0)
			return -EINVAL;
		iov[n++] = (struct iovec){ &vnet, sizeof(vnet) };
	}
	int m = ns_pkt_to_iov(pkt, iov + n, 1 + NS_PKT_MAX_FRAGS);
	if (m < 0)
		return m;
	if (writev(t->link.fd, iov, n + m) >= 0)
		return 1;
	return errno == EAGAIN || errno == EINTR ? 0 : -errno;
}

static int tap_flush(struct drv_link *link)
{
	struct tap *t = (struct tap *)link;
	struct ns_pkt *pkt;
	while ((pkt = link->txq.first) != NULL) {
		int r = write_frame(t, pkt);
		if (r == 0)
			return -EAGAIN;
		ns_pkt_queue_pop(&link->txq);
		if (r > 0) {
			link->stats.tx_packets++;
			link->stats.tx_bytes += pkt->len;
		} else if (r == -EIO) {
			/* tun refuses frames while the device is down:
			 * Linux drops them the same way without carrier. */
			link->stats.tx_dropped++;
		} else {
			link->stats.tx_errors++;
		}
		ns_pkt_free(pkt);
	}
	return 0;
}

static void tap_destroy(struct drv_link *link)
{
	struct tap *t = (struct tap *)link;
	drv_rxslot_release(&t->slot);
	if (link->fd >= 0)
		close(link->fd);
	free(t);
}

static const struct drv_class tap_class = {
	.kind = "tap",
	.rx_burst = tap_rx_burst,
	.xmit = tap_xmit,
	.flush = tap_flush,
	.destroy = tap_destroy,
};

/* Creates the device and reads its MTU (setting it first if asked), in
 * the current namespace. */
static int create_device(struct tap *t, const struct drv_tap_config *cfg,
			 bool vnet, struct rs_error **err)
{
	t->link.fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->link.fd < 0)
		return rs_error_set(err, errno, "tap: open `/dev/net/tun`");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
	memcpy(ifr.ifr_name, cfg->name, strnlen(cfg->name, IFNAMSIZ - 1));
	if (ioctl(t->link.fd, TUNSETIFF, &ifr) < 0)
		return rs_error_set(err, errno, "tap: TUNSETIFF `%s`",
				    cfg->name[0] ? cfg->name : "tap%d");
	snprintf(t->link.name, sizeof(t->link.name), "%s", ifr.ifr_name);
	if (cfg->transient && ioctl(t->link.fd, TUNSETPERSIST, 0) < 0)
		return rs_error_set(err, errno, "tap `%s`: TUNSETPERSIST 0",
				    t->link.name);
	if (vnet) {
		int len = sizeof(struct virtio_net_hdr);
		unsigned offload =
			cfg->offload ? TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 : 0;
		if (ioctl(t->link.fd, TUNSETVNETHDRSZ, &len) < 0 ||
		    ioctl(t->link.fd, TUNSETOFFLOAD, offload) < 0)
			return rs_error_set(err, errno,
					    "tap `%s`: offload set-up",
					    t->link.name);
	}
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return rs_error_set(err, errno, "tap: socket");
	int r = 0;
	if (cfg->mtu)
		r = drv_if_set_mtu(sock, t->link.name, cfg->mtu, err);
	struct drv_ifattr attr;
	if (r == 0)
		r = drv_if_query(sock, t->link.name, &attr, err);
	close(sock);
	if (r < 0)
		return r;
	t->link.info.mtu = attr.mtu;
	return 0;
}

int drv_tap_open(const struct drv_tap_config *cfg, struct drv_link **out,
		 struct rs_error **err)
{
	if (cfg->mtu && (cfg->mtu < DRV_MIN_MTU || cfg->mtu > DRV_MAX_MTU))
		return rs_error_set(err, EINVAL,
				    "tap: MTU %u out of range (%u..%u)",
				    cfg->mtu, DRV_MIN_MTU, DRV_MAX_MTU);
	struct tap *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return rs_error_set(err, ENOMEM, "tap: allocating the link");
	drv_link_init(&t->link, &tap_class, "tap");
	bool vnet = cfg->vnet_hdr || cfg->offload;
	struct drv_netns ns;
	int r = drv_netns_enter(cfg->netns, &ns, err);
	if (r == 0) {
		r = create_device(t, cfg, vnet, err);
		int l = drv_netns_leave(&ns, err);
		if (r == 0)
			r = l;
	}
	if (r < 0) {
		tap_destroy(&t->link);
		return r;
	}
	struct ns_link_info *info = &t->link.info;
	info->type = NS_LINK_ETHERNET;
	if (drv_mac_is_zero(cfg->mac))
		drv_random_mac(info->mac);
	else
		memcpy(info->mac, cfg->mac, 6);
	if (vnet)
		info->caps |= NS_LINK_CAP_RX_CSUM;
	if (cfg->offload)
		info->caps |= NS_LINK_CAP_TX_CSUM | NS_LINK_CAP_TSO |
			      NS_LINK_CAP_RX_GRO;
	if (cfg->txqlen)
		t->link.txq_limit = cfg->txqlen;
	t->rxmode = (struct drv_rxmode){
		.head_size = info->mtu + DRV_ETH_HLEN + DRV_VLAN_HLEN + 1,
		.vnet = vnet,
		.spill = cfg->offload,
		.mac = info->mac,
	};
	*out = &t->link;
	return 0;
}

/* The AF_PACKET driver's set-up (drivers/afpacket.h): socket, options,
 * binding; the data paths are in afpacket_mmsg.c and afpacket_ring.c. */
#include "afpacket_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

#define DEFAULT_SOCK_BUF (4u << 20)

void afp_destroy(struct drv_link *link)
{
	struct afpacket *a = (struct afpacket *)link;
	if (a->map)
		munmap(a->map, a->map_len);
	ns_pkt_queue_purge(&a->rx_pending);
	free(a->mmsg);
	if (link->fd >= 0)
		close(link->fd);
	free(a);
}

void afp_sync_counters(struct drv_link *link)
{
	struct afpacket *a = (struct afpacket *)link;
	struct tpacket_stats st;
	socklen_t len = sizeof(st);
	/* Reading the statistics resets them (packet(7)). */
	if (getsockopt(link->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		a->kernel_drops += st.tp_drops;
}

const struct drv_counter_desc afp_counters[AFP_NCOUNTERS] = {
	DRV_COUNTER("rx_kernel_drops", struct afpacket, kernel_drops),
	DRV_COUNTER("rx_outgoing_ignored", struct afpacket, outgoing_ignored),
	DRV_COUNTER("rx_udp_gso_split", struct afpacket, udp_gso_split),
	DRV_COUNTER("tx_sw_gso", struct afpacket, sw_gso),
	DRV_COUNTER("tx_sw_csum", struct afpacket, sw_csum),
	DRV_COUNTER("tx_offload_changes", struct afpacket, offload_changes),
};

static int set_int(int fd, int level, int opt, int value)
{
	return setsockopt(fd, level, opt, &value, sizeof(value));
}

/* Big socket buffers so bursts are not dropped: the *FORCE variants pass
 * net.core.[rw]mem_max with CAP_NET_ADMIN; without it the plain ones are
 * capped by those sysctls. */
static void set_buffers(int fd, uint32_t bytes)
{
	int v = bytes > INT32_MAX ? INT32_MAX : (int)bytes;
	if (set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, v) < 0)
		set_int(fd, SOL_SOCKET, SO_RCVBUF, v);
	if (set_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, v) < 0)
		set_int(fd, SOL_SOCKET, SO_SNDBUF, v);
}

/* Everything that happens in the interface's namespace. */
static int open_socket(struct afpacket *a,
		       const struct drv_afpacket_config *cfg,
		       struct rs_error **err)
{
	const char *ifname = cfg->iface;
	/* Protocol 0: nothing is queued before bind(2) names the
	 * interface, so no frame of another interface slips in. */
	a->link.fd =
		socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->link.fd < 0)
		return rs_error_set(err, errno, "afpacket: socket");
	int fd = a->link.fd;
	struct drv_ifattr attr;
	if (drv_if_query(fd, ifname, &attr, err) < 0)
		return rs_error_wrap(err, "afpacket");
	if (attr.hwtype != ARPHRD_ETHER)
		return rs_error_set(err, EINVAL,
				    "afpacket: `%s` is not an Ethernet "
				    "interface",
				    ifname);
	a->link.info.mtu = attr.mtu;
	if (drv_mac_is_zero(cfg->mac))
		memcpy(a->link.info.mac, attr.mac, 6);
	else
		memcpy(a->link.info.mac, cfg->mac, 6);
	/* Our own frames would come back to us as PACKET_OUTGOING; Linux
	 * 4.20+ drops them before they are queued. */
	if (set_int(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1) < 0 &&
	    errno != ENOPROTOOPT)
		return rs_error_set(err, errno,
				    "afpacket `%s`: PACKET_IGNORE_OUTGOING",
				    ifname);
	if (!cfg->use_qdisc &&
	    set_int(fd, SOL_PACKET, PACKET_QDISC_BYPASS, 1) < 0)
		return rs_error_set(err, errno,
				    "afpacket `%s`: PACKET_QDISC_BYPASS",
				    ifname);
	set_buffers(fd, cfg->sock_buf ? cfg->sock_buf : DEFAULT_SOCK_BUF);
	int r = cfg->mode == DRV_AFPACKET_RING ? afp_ring_setup(a, cfg, err)
					       : afp_mmsg_setup(a, cfg, err);
	if (r < 0)
		return r;
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = attr.ifindex,
	};
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return rs_error_set(err, errno, "afpacket: bind to `%s`",
				    ifname);
	if (cfg->promisc || memcmp(a->link.info.mac, attr.mac, 6) != 0) {
		struct packet_mreq mr = { .mr_ifindex = attr.ifindex,
					  .mr_type = PACKET_MR_PROMISC };
		if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
			       sizeof(mr)) < 0)
			return rs_error_set(err, errno,
					    "afpacket `%s`: promiscuous mode",
					    ifname);
	}
	return 0;
}

int drv_afpacket_open(const struct drv_afpacket_config *cfg,
		      struct drv_link **out, struct rs_error **err)
{
	if (cfg->mode != DRV_AFPACKET_MMSG && cfg->mode != DRV_AFPACKET_RING)
		return rs_error_set(err, EINVAL, "afpacket: unknown mode");
	if (cfg->iface[0] == 0)
		return rs_error_set(err, EINVAL, "afpacket: no interface");
	struct afpacket *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return rs_error_set(err, ENOMEM, "afpacket: allocating");
	drv_link_init(&a->link,
		      cfg->mode == DRV_AFPACKET_RING ? &afp_ring_class
						     : &afp_mmsg_class,
		      cfg->iface);
	a->link.info.type = NS_LINK_ETHERNET;
	ns_pkt_queue_init(&a->rx_pending);
	if (cfg->txqlen)
		a->link.txq_limit = cfg->txqlen;
	struct drv_netns ns;
	int r = drv_netns_enter(cfg->netns, &ns, err);
	if (r == 0) {
		r = open_socket(a, cfg, err);
		int l = drv_netns_leave(&ns, err);
		if (r == 0)
			r = l;
	}
	if (r < 0) {
		afp_destroy(&a->link);
		return r;
	}
	*out = &a->link;
	return 0;
}

/* Inside the AF_PACKET driver: the state shared by the set-up code
 * (afpacket.c) and the two data paths (afpacket_mmsg.c, afpacket_ring.c).
 * Private to drivers/. */
#ifndef DRIVERS_AFPACKET_IMPL_H
#define DRIVERS_AFPACKET_IMPL_H

#include <stdint.h>

#include "drivers/afpacket.h"
#include "drv_impl.h"
#include "rxslot.h"
#include "txfeat.h"

struct afp_mmsg;

struct afpacket {
	struct drv_link link;
	uint64_t kernel_drops;
	uint64_t outgoing_ignored;
	uint64_t udp_gso_split; /* super-datagrams split in software */
	/* RING */
	uint8_t *map; /* rx ring, then tx ring */
	size_t map_len;
	uint32_t frame_size;
	uint32_t ring_frames;
	uint32_t rx_head; /* next rx frame to look at */
	uint32_t tx_head; /* next tx frame to fill */
	/* MMSG */
	struct afp_mmsg *mmsg;
	struct drv_rxmode rxmode;
	/* What the device takes now (txfeat.h), read at the open, then
	 * every AFP_FEATURE_RECHECK_NS and when it refuses a super-segment;
	 * the stack's caps stay those of the open. */
	char iface[IFNAMSIZ];
	bool feat_known; /* the features can be read */
	struct drv_featmap featmap;
	struct drv_txfeat dev;
	uint64_t feat_read_ns; /* monotonic time of the last read */
	uint64_t sw_gso;       /* super-segments split here */
	uint64_t sw_csum;      /* checksums completed here */
	uint64_t offload_changes;
	/* Received packets not yet returned: datagrams of a split
	 * super-datagram, and the frames that came after it. */
	struct ns_pkt_queue rx_pending;
};

/* Data path set-up, called on the bound-to-be socket before bind(2). */
int afp_mmsg_setup(struct afpacket *a, const struct drv_afpacket_config *cfg,
		   struct rs_error **err);
int afp_ring_setup(struct afpacket *a, const struct drv_afpacket_config *cfg,
		   struct rs_error **err);

extern const struct drv_class afp_mmsg_class;
extern const struct drv_class afp_ring_class;

/* Shared by both classes. */
void afp_destroy(struct drv_link *link);
void afp_sync_counters(struct drv_link *link);
#define AFP_NCOUNTERS 6
extern const struct drv_counter_desc afp_counters[AFP_NCOUNTERS];

#endif

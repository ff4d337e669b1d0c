/* The string form of a link, shared by the command line (runsc's
 * --net-driver, perf/nsd's --driver) and configuration files: a base
 * driver, then wrappers stacked on it from the inside out.
 *
 *   tap:name=tap0,offload
 *   afpacket:iface=veth0,mode=ring
 *   afpacket:iface=eth0+pcap:file=/tmp/eth0.pcap,filter="tcp port 80"
 *   tap:name=tap1+fault:drop=2%,reorder=1%,seed=7+pcap:fd=1
 *   dpdk:iface=eth0,args="--no-huge -m 256"+pcap:file=/tmp/d.pcap
 *   dpdk:vdev="net_memif0,role=server,socket=/run/m0.sock",poll=busy
 *   loopback
 *
 * Grammar: layer ('+' layer)*, layer = kind [':' option (',' option)*],
 * option = key '=' value | key (a bare key is a boolean "on"). A value
 * that holds ',' '+' or '"' is written in double quotes, with \" and \\
 * inside. The first layer is a base driver (tap, afpacket, dpdk,
 * loopback), the
 * others wrappers (pcap, fault); the rightmost wrapper is the outermost,
 * the one the stack talks to.
 *
 * Options (unknown or repeated keys are errors):
 *   tap       name=IFNAME netns=PATH mac=MAC mtu=N txqlen=N vnet_hdr
 *             offload transient                (see drivers/tap.h)
 *   afpacket  iface=IFNAME (required) netns=PATH mode=mmsg|ring mac=MAC
 *             promisc qdisc ring_frames=N sock_buf=SIZE txqlen=N
 *                                              (see drivers/afpacket.h)
 *   dpdk      args=EAL-ARGS vdev=DEVARGS | iface=IFNAME (pmd=af_packet|
 *             af_xdp) | port=N|NAME, netns=PATH mac=MAC mtu=N rx_ring=N
 *             tx_ring=N mbufs=N txqlen=N poll=auto|interrupt|hybrid|busy
 *             budget=DURATION sleep=DURATION tx=copy|extbuf no_offload
 *             promisc                          (see drivers/dpdk.h)
 *   loopback  type=ip|ethernet mtu=N mac=MAC queue=N
 *   pcap      file=PATH | fd=N, snaplen=N filter=EXPR flush=DURATION
 *             buffer=SIZE                      (see drivers/pcap.h)
 *   fault     seed=N drop=RATE dup=RATE corrupt=RATE reorder=RATE
 *             delay=DURATION jitter=DURATION delay_rate=RATE (default 1
 *             when a delay is given) reorder_hold=DURATION limit=N
 *             dir=tx|rx|both                   (see drivers/fault.h)
 * Values: booleans on|off|yes|no|true|false|1|0; RATE a probability
 * (0.02) or a percentage (2%); DURATION a number with ns, us, ms or s
 * (1.5ms); SIZE bytes with an optional K, M or G (binary); MAC
 * 02:00:00:00:00:01.
 */
#ifndef DRIVERS_SPEC_H
#define DRIVERS_SPEC_H

#include "drivers/afpacket.h"
#include "drivers/dpdk.h"
#include "drivers/driver.h"
#include "drivers/fault.h"
#include "drivers/memlink.h"
#include "drivers/pcap.h"
#include "drivers/tap.h"

enum drv_spec_kind {
	DRV_SPEC_TAP,
	DRV_SPEC_AFPACKET,
	DRV_SPEC_DPDK,
	DRV_SPEC_LOOPBACK,
	DRV_SPEC_PCAP,
	DRV_SPEC_FAULT,
};

struct drv_spec_layer {
	enum drv_spec_kind kind;
	union {
		struct drv_tap_config tap;
		struct drv_afpacket_config afpacket;
		struct drv_dpdk_config dpdk;
		struct drv_loopback_config loopback;
		struct drv_pcap_config pcap;
		struct drv_fault_link_config fault;
	};
};

#define DRV_SPEC_MAX_LAYERS 8

/* A parsed spec. The configs' strings point into `text`, owned. */
struct drv_spec {
	unsigned nlayers;
	struct drv_spec_layer layers[DRV_SPEC_MAX_LAYERS];
	char *text;
};

/* Parses text into *spec (which the caller releases with
 * drv_spec_release(), also after an error). Returns 0, or -EINVAL with
 * *err quoting the bad part ("afpacket: option `iface`: ..."), or
 * -ENOMEM. */
int drv_spec_parse(const char *text, struct drv_spec *spec,
		   struct rs_error **err);

void drv_spec_release(struct drv_spec *spec);

/* Opens the base driver and stacks the wrappers on it. On failure
 * nothing stays open. Returns 0 or a negative errno with *err set. */
int drv_spec_open(const struct drv_spec *spec, struct drv_link **out,
		  struct rs_error **err);

/* The two halves of drv_spec_open(), for a caller that puts a wrapper of
 * its own between them (the netstack host's capture, at the wire): opens
 * the base driver of layer 0; stacks the wrapper of `layer` (pcap or
 * fault) on inner, which the new link then owns (on failure inner stays
 * the caller's). Return 0 or a negative errno with *err set. */
int drv_spec_open_base(const struct drv_spec *spec, struct drv_link **out,
		       struct rs_error **err);
int drv_spec_wrap(const struct drv_spec_layer *layer, struct drv_link *inner,
		  struct drv_link **out, struct rs_error **err);

/* drv_spec_parse() and drv_spec_open() in one. */
int drv_open(const char *text, struct drv_link **out, struct rs_error **err);

#endif

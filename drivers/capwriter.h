/* The pcap writer behind every capture: libpcap's dumper over a capsink
 * (capsink.h), one filter, a snap length, and when to write out (64 KiB
 * gathered, or the flush interval passed). The pcap sniffer wrapper
 * (pcap.c) records a link's frames through one; the netstack host
 * (nethost.c) shares one between the wrappers of all its NICs and the
 * stack's loopback, so that everything lands in one stream. Hence it is
 * reference-counted: the last reference completes the stream. Private to
 * drivers/.
 */
#ifndef DRIVERS_CAPWRITER_H
#define DRIVERS_CAPWRITER_H

#include <stdint.h>

#include "drivers/pcap.h"

struct capwriter;

/* Opens the output of cfg (file or stream fd; drivers/pcap.h says how)
 * for link type DLT_EN10MB or DLT_RAW, compiles the filter and writes the
 * file header. Returns 0 with one reference in *out, or a negative errno
 * with *err naming the file, the fd or the filter. */
int capwriter_open(const struct drv_pcap_config *cfg, int linktype,
		   struct capwriter **out, struct rs_error **err);

void capwriter_ref(struct capwriter *w);

/* Drops a reference; the last writes out what is buffered (waiting up to
 * a second for a slow stream reader) and closes the output. NULL is
 * fine. */
void capwriter_unref(struct capwriter *w);

/* What became of a frame. */
enum capwriter_verdict {
	CAPW_RECORDED,
	CAPW_FILTERED, /* the filter rejected it */
	CAPW_DROPPED,  /* no room: a slow reader, or no memory */
	CAPW_STOPPED,  /* the output broke earlier: nothing is recorded */
};

/* How the bytes of a recorded packet relate to the writer's link type. */
enum capwriter_form {
	CAPW_FRAME, /* a frame of the writer's link type */
	/* A bare IPv4 or IPv6 packet, recorded on a DLT_EN10MB writer
	 * behind an Ethernet header with zero addresses and the ethertype
	 * of its IP version, as Linux's lo shows to tcpdump. */
	CAPW_IP_IN_ETH,
};

/* Records pkt (borrowed), timestamped with its tstamp_ns or else
 * CLOCK_REALTIME, then writes out when due. */
enum capwriter_verdict capwriter_record(struct capwriter *w,
					const struct ns_pkt *pkt,
					enum capwriter_form form);

/* Writes out when 64 KiB gathered or the flush interval passed. */
void capwriter_poll(struct capwriter *w);

/* When buffered records must be written out (on the writer's clock), or
 * DRV_NO_DEADLINE. */
uint64_t capwriter_next_deadline(const struct capwriter *w);

/* Writes out if the deadline passed at now_ns; returns the next one. */
uint64_t capwriter_timers(struct capwriter *w, uint64_t now_ns);

/* Times writing to the output failed (EPIPE from a vanished reader, a
 * full disk); recording stops at the first. */
uint64_t capwriter_write_errors(const struct capwriter *w);

/* The pcap wrapper over inner, recording into w (pcap.c): on success the
 * wrapper owns inner and holds a reference to w; on failure inner stays
 * the caller's. An NS_LINK_IP inner link on a DLT_EN10MB writer is
 * recorded as CAPW_IP_IN_ETH. */
int drv_pcap_wrap_writer(struct drv_link *inner, struct capwriter *w,
			 struct drv_link **out, struct rs_error **err);

/* The writer's link type. */
int capwriter_linktype(const struct capwriter *w);

#endif

/* The pcap sniffer: a wrapper that records every frame crossing a link, in
 * both directions, with libpcap's dumper.
 *
 * The file is a classic pcap file with nanosecond timestamps
 * (pcap_open_dead_with_tstamp_precision), link type LINKTYPE_ETHERNET, or
 * LINKTYPE_RAW on an NS_LINK_IP link. A transmitted frame is recorded when
 * the stack hands it to the link (as tcpdump sees it on Linux: a frame the
 * queue then drops is still in the capture, and a frame with a checksum
 * left to the offload shows it unfilled); a received frame when the owner
 * takes it with drv_rx_burst(). Stacked with the fault injector, the
 * sniffer records what is on the wire when it sits inside it:
 * fault(pcap(link)).
 *
 * Timestamps are the packet's tstamp_ns when set (received frames), else
 * CLOCK_REALTIME at recording. An optional libpcap filter expression
 * (pcap_compile, applied with pcap_offline_filter to the whole frame)
 * selects frames; the snap length truncates what is stored.
 *
 * Output never blocks the data plane: records wait in a bounded buffer
 * that is written out when 64 KiB have gathered and at least every flush
 * interval (checked on every burst, flush and drv_timers() call), so a
 * crash loses about a second at most. When a slow stream reader lets the
 * buffer fill, further frames are not recorded (pcap_dropped); when the
 * reader goes away (EPIPE) or the disk fills, recording stops
 * (pcap_write_errors) and the traffic goes on.
 *
 * Counters: pcap_frames (recorded), pcap_filtered (rejected by the
 * filter), pcap_dropped (buffer full), pcap_write_errors, then the wrapped
 * link's.
 */
#ifndef DRIVERS_PCAP_H
#define DRIVERS_PCAP_H

#include <stdint.h>

#include "drivers/driver.h"

/* The largest snap length libpcap accepts (MAXIMUM_SNAPLEN). */
#define DRV_PCAP_MAX_SNAPLEN 262144

struct drv_pcap_config {
	/* The capture file, created or truncated (mode 0644). NULL: stream
	 * to `fd` instead. */
	const char *path;
	/* Streaming mode (path NULL): a pcap stream to this fd, which must
	 * be open for writing: a pipe to `tcpdump -r -` or Wireshark, a
	 * socket, a file. The wrapper works on a duplicate; the caller keeps
	 * and closes its own. */
	int fd;
	uint32_t snaplen;	/* 0: whole frames (DRV_PCAP_MAX_SNAPLEN) */
	const char *filter;	/* libpcap filter expression, NULL: all */
	uint64_t flush_ns;	/* 0: 1 s */
	uint32_t buffer_bytes;	/* 0: 4 MiB */
	struct drv_clock clock; /* flush timing; zeroed: monotonic */
};

/* Wraps `inner`. On success the new link owns inner (drv_close() closes
 * both, writing out what is buffered, waiting up to a second for a slow
 * stream reader); on failure inner stays the caller's. Errors name the
 * file, the fd or the filter and give libpcap's message for a filter that
 * does not compile. The wrapper reports inner's info unchanged. */
int drv_pcap_wrap(struct drv_link *inner, const struct drv_pcap_config *cfg,
		  struct drv_link **out, struct rs_error **err);

#endif

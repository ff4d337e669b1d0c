/* The pcap sniffer wrapper (drivers/pcap.h): libpcap writes the file
 * format and runs the filter; this file decides what to record and when
 * to write it out. */
#include "drivers/pcap.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capsink.h"
#include "drv_impl.h"

#define DEFAULT_FLUSH_NS     1000000000u
#define DEFAULT_BUFFER_BYTES (4u << 20)
/* Write out once this much has gathered: big writes, bounded loss. */
#define WRITE_THRESHOLD (64u << 10)
/* The on-disk record header of the pcap format (struct pcap_sf_pkthdr). */
#define RECORD_HDR_LEN 16
#define CLOSE_WAIT_MS  1000

struct pcap_link {
	struct drv_link link;
	pcap_t *dead; /* a pcap_t for the dumper and the filter */
	pcap_dumper_t *dumper;
	struct capsink *sink;
	struct bpf_program filter;
	bool has_filter;
	uint32_t snaplen;
	uint64_t flush_ns;
	uint64_t last_write; /* clock time of the last write-out */
	struct drv_clock clock;
	uint8_t *scratch; /* a contiguous copy of a fragmented frame */
	uint32_t scratch_len;
	uint64_t frames;
	uint64_t filtered;
	uint64_t dropped;
	uint64_t write_errors;
};

/* Hands buffered records to the fd; a broken fd stops recording. */
static void write_out(struct pcap_link *pl, uint64_t now)
{
	int r = capsink_drain(pl->sink);
	pl->last_write = now;
	if (r < 0 && r != -EAGAIN)
		pl->write_errors++;
}

static void maybe_write_out(struct pcap_link *pl)
{
	if (capsink_pending(pl->sink) == 0)
		return;
	uint64_t now = drv_clock_now(&pl->clock);
	if (capsink_pending(pl->sink) >= WRITE_THRESHOLD ||
	    now - pl->last_write >= pl->flush_ns)
		write_out(pl, now);
}

/* The whole frame in contiguous memory, for the filter and the dumper. */
static const uint8_t *contiguous(struct pcap_link *pl, const struct ns_pkt *pkt)
{
	if (pkt->nfrags == 0)
		return pkt->data;
	if (pl->scratch_len < pkt->len) {
		uint8_t *p = realloc(pl->scratch, pkt->len);
		if (p == NULL)
			return NULL;
		pl->scratch = p;
		pl->scratch_len = pkt->len;
	}
	ns_pkt_copy_out(pkt, 0, pl->scratch, pkt->len);
	return pl->scratch;
}

static void record(struct pcap_link *pl, const struct ns_pkt *pkt)
{
	if (capsink_error(pl->sink))
		return;
	const uint8_t *data = contiguous(pl, pkt);
	if (data == NULL) {
		pl->dropped++;
		return;
	}
	uint64_t ts = pkt->tstamp_ns ? pkt->tstamp_ns : drv_realtime_ns();
	struct pcap_pkthdr hdr = {
		.ts = { .tv_sec = (time_t)(ts / 1000000000u),
			/* nanoseconds: the dumper is nano-precision */
			.tv_usec = (suseconds_t)(ts % 1000000000u) },
		.caplen = pkt->len < pl->snaplen ? pkt->len : pl->snaplen,
		.len = pkt->len,
	};
	if (pl->has_filter &&
	    pcap_offline_filter(&pl->filter,
				&(struct pcap_pkthdr){ .ts = hdr.ts,
						       .caplen = pkt->len,
						       .len = pkt->len },
				data) == 0) {
		pl->filtered++;
		return;
	}
	if (!capsink_room(pl->sink, RECORD_HDR_LEN + hdr.caplen)) {
		write_out(pl, drv_clock_now(&pl->clock));
		if (!capsink_room(pl->sink, RECORD_HDR_LEN + hdr.caplen)) {
			pl->dropped++;
			return;
		}
	}
	pcap_dump((u_char *)pl->dumper, &hdr, data);
	pl->frames++;
}

static int pcap_xmit(struct drv_link *link, struct ns_pkt *pkt)
{
	record((struct pcap_link *)link, pkt);
	return drv_xmit(link->inner, pkt);
}

static int pcap_flush(struct drv_link *link)
{
	maybe_write_out((struct pcap_link *)link);
	return drv_flush(link->inner);
}

static unsigned pcap_tx_pending(const struct drv_link *link)
{
	return drv_tx_pending(link->inner);
}

static int pcap_rx_burst(struct drv_link *link, struct ns_pkt **pkts,
			 unsigned max)
{
	struct pcap_link *pl = (struct pcap_link *)link;
	int n = drv_rx_burst(link->inner, pkts, max);
	for (int i = 0; i < n; i++)
		record(pl, pkts[i]);
	if (n > 0)
		maybe_write_out(pl);
	return n;
}

/* When buffered records must be written out, or DRV_NO_DEADLINE. */
static uint64_t pcap_next_deadline(const struct drv_link *link)
{
	const struct pcap_link *pl = (const struct pcap_link *)link;
	if (capsink_pending(pl->sink) == 0 || capsink_error(pl->sink))
		return DRV_NO_DEADLINE;
	return pl->last_write + pl->flush_ns;
}

static uint64_t pcap_timers(struct drv_link *link, uint64_t now_ns)
{
	struct pcap_link *pl = (struct pcap_link *)link;
	if (pcap_next_deadline(link) == DRV_NO_DEADLINE)
		return DRV_NO_DEADLINE;
	if (now_ns - pl->last_write >= pl->flush_ns)
		write_out(pl, now_ns);
	return pcap_next_deadline(link);
}

static void pcap_destroy(struct drv_link *link)
{
	struct pcap_link *pl = (struct pcap_link *)link;
	if (pl->dumper) {
		if (capsink_error(pl->sink) == 0 &&
		    capsink_drain_wait(pl->sink, CLOSE_WAIT_MS) < 0)
			pl->write_errors++;
		pcap_dump_close(pl->dumper); /* fcloses the sink's stream */
	}
	capsink_free(pl->sink);
	if (pl->has_filter)
		pcap_freecode(&pl->filter);
	if (pl->dead)
		pcap_close(pl->dead);
	free(pl->scratch);
	free(pl);
}

static const struct drv_counter_desc pcap_counters[] = {
	DRV_COUNTER("pcap_frames", struct pcap_link, frames),
	DRV_COUNTER("pcap_filtered", struct pcap_link, filtered),
	DRV_COUNTER("pcap_dropped", struct pcap_link, dropped),
	DRV_COUNTER("pcap_write_errors", struct pcap_link, write_errors),
};

static const struct drv_class pcap_class = {
	.kind = "pcap",
	.rx_burst = pcap_rx_burst,
	.xmit = pcap_xmit,
	.flush = pcap_flush,
	.tx_pending = pcap_tx_pending,
	.timers = pcap_timers,
	.next_deadline = pcap_next_deadline,
	.destroy = pcap_destroy,
	.counters = pcap_counters,
	.ncounters = sizeof(pcap_counters) / sizeof(pcap_counters[0]),
};

/* The fd the capture goes to: the file, created, or a duplicate of the
 * stream fd. */
static int open_output(const struct drv_pcap_config *cfg, struct rs_error **err)
{
	if (cfg->path) {
		int fd = open(cfg->path,
			      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return rs_error_set(err, errno, "pcap: open `%s`",
					    cfg->path);
		return fd;
	}
	int flags = fcntl(cfg->fd, F_GETFL);
	if (flags < 0)
		return rs_error_set(err, errno, "pcap: stream fd %d", cfg->fd);
	if ((flags & O_ACCMODE) == O_RDONLY)
		return rs_error_set(
			err, EBADF,
			"pcap: stream fd %d is not open for writing", cfg->fd);
	int fd = fcntl(cfg->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return rs_error_set(err, errno, "pcap: dup of fd %d", cfg->fd);
	return fd;
}

static const char *output_name(const struct drv_pcap_config *cfg, char *buf,
			       size_t len)
{
	if (cfg->path)
		return cfg->path;
	snprintf(buf, len, "fd %d", cfg->fd);
	return buf;
}

static int setup(struct pcap_link *pl, const struct drv_pcap_config *cfg,
		 int linktype, struct rs_error **err)
{
	pl->dead = pcap_open_dead_with_tstamp_precision(
		linktype, (int)pl->snaplen, PCAP_TSTAMP_PRECISION_NANO);
	if (pl->dead == NULL)
		return rs_error_set(err, ENOMEM, "pcap: pcap_open_dead");
	if (cfg->filter) {
		if (pcap_compile(pl->dead, &pl->filter, cfg->filter, 1,
				 PCAP_NETMASK_UNKNOWN) < 0)
			return rs_error_set(err, EINVAL,
					    "pcap: filter `%s`: %s",
					    cfg->filter, pcap_geterr(pl->dead));
		pl->has_filter = true;
	}
	int fd = open_output(cfg, err);
	if (fd < 0)
		return fd;
	FILE *f;
	uint32_t cap =
		cfg->buffer_bytes ? cfg->buffer_bytes : DEFAULT_BUFFER_BYTES;
	if (cap < RECORD_HDR_LEN + 64)
		cap = RECORD_HDR_LEN + 64;
	if (capsink_new(fd, cap, &pl->sink, &f) < 0)
		return rs_error_set(err, ENOMEM, "pcap: capture buffer");
	pl->dumper = pcap_dump_fopen(pl->dead, f);
	if (pl->dumper == NULL) {
		fclose(f);
		return rs_error_set(err, EIO, "pcap: %s",
				    pcap_geterr(pl->dead));
	}
	/* The file header goes out now, so a reader sees a valid (empty)
	 * capture at once and a dead reader is an error here. */
	char name[32];
	int r = capsink_drain_wait(pl->sink, CLOSE_WAIT_MS);
	if (r < 0 && r != -EAGAIN)
		return rs_error_set(err, -r, "pcap: writing to %s",
				    output_name(cfg, name, sizeof(name)));
	return 0;
}

int drv_pcap_wrap(struct drv_link *inner, const struct drv_pcap_config *cfg,
		  struct drv_link **out, struct rs_error **err)
{
	uint32_t snaplen = cfg->snaplen ? cfg->snaplen : DRV_PCAP_MAX_SNAPLEN;
	if (snaplen > DRV_PCAP_MAX_SNAPLEN)
		return rs_error_set(err, EINVAL,
				    "pcap: snap length %u above %u", snaplen,
				    DRV_PCAP_MAX_SNAPLEN);
	struct pcap_link *pl = calloc(1, sizeof(*pl));
	if (pl == NULL)
		return rs_error_set(err, ENOMEM, "pcap: allocating the link");
	drv_link_init(&pl->link, &pcap_class, drv_info(inner)->name);
	pl->snaplen = snaplen;
	pl->flush_ns = cfg->flush_ns ? cfg->flush_ns : DEFAULT_FLUSH_NS;
	pl->clock = cfg->clock;
	pl->last_write = drv_clock_now(&pl->clock);
	int linktype =
		drv_info(inner)->type == NS_LINK_IP ? DLT_RAW : DLT_EN10MB;
	int r = setup(pl, cfg, linktype, err);
	if (r < 0) {
		pcap_destroy(&pl->link);
		return r;
	}
	pl->link.info = *drv_info(inner);
	pl->link.info.name = pl->link.name;
	pl->link.fd = drv_fd(inner);
	pl->link.inner = inner;
	*out = &pl->link;
	return 0;
}

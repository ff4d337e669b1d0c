/* The pcap writer (capwriter.h): libpcap writes the file format and runs
 * the filter; this file decides when to write out and how a bare IP packet
 * is framed. */
#include "capwriter.h"

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
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd

struct capwriter {
	unsigned refs;
	int linktype;
	pcap_t *dead; /* a pcap_t for the dumper and the filter */
	pcap_dumper_t *dumper;
	struct capsink *sink;
	struct bpf_program filter;
	bool has_filter;
	uint32_t snaplen;
	uint64_t flush_ns;
	uint64_t last_write; /* clock time of the last write-out */
	struct drv_clock clock;
	uint8_t *scratch; /* a contiguous copy of a frame */
	uint32_t scratch_len;
	uint64_t write_errors;
};

/* Hands buffered records to the fd; a broken fd stops recording. */
static void write_out(struct capwriter *w, uint64_t now)
{
	int r = capsink_drain(w->sink);
	w->last_write = now;
	if (r < 0 && r != -EAGAIN)
		w->write_errors++;
}

void capwriter_poll(struct capwriter *w)
{
	if (capsink_pending(w->sink) == 0)
		return;
	uint64_t now = drv_clock_now(&w->clock);
	if (capsink_pending(w->sink) >= WRITE_THRESHOLD ||
	    now - w->last_write >= w->flush_ns)
		write_out(w, now);
}

uint64_t capwriter_next_deadline(const struct capwriter *w)
{
	if (capsink_pending(w->sink) == 0 || capsink_error(w->sink))
		return DRV_NO_DEADLINE;
	return w->last_write + w->flush_ns;
}

uint64_t capwriter_timers(struct capwriter *w, uint64_t now_ns)
{
	if (capwriter_next_deadline(w) == DRV_NO_DEADLINE)
		return DRV_NO_DEADLINE;
	if (now_ns - w->last_write >= w->flush_ns)
		write_out(w, now_ns);
	return capwriter_next_deadline(w);
}

uint64_t capwriter_write_errors(const struct capwriter *w)
{
	return w->write_errors;
}

int capwriter_linktype(const struct capwriter *w)
{
	return w->linktype;
}

/* The frame to record in contiguous memory, for the filter and the
 * dumper: pkt's head when it is one, else a copy, behind an Ethernet
 * header of `prefix` bytes (0 or DRV_ETH_HLEN) with this ethertype. */
static const uint8_t *contiguous(struct capwriter *w, const struct ns_pkt *pkt,
				 uint32_t prefix, uint16_t ethertype)
{
	if (pkt->nfrags == 0 && prefix == 0)
		return pkt->data;
	uint32_t len = prefix + pkt->len;
	if (w->scratch_len < len) {
		uint8_t *p = realloc(w->scratch, len);
		if (p == NULL)
			return NULL;
		w->scratch = p;
		w->scratch_len = len;
	}
	if (prefix) {
		memset(w->scratch, 0, 2 * DRV_ETH_ALEN);
		w->scratch[12] = (uint8_t)(ethertype >> 8);
		w->scratch[13] = (uint8_t)ethertype;
	}
	ns_pkt_copy_out(pkt, 0, w->scratch + prefix, pkt->len);
	return w->scratch;
}

static uint16_t ip_ethertype(const struct ns_pkt *pkt)
{
	uint8_t v = 0;
	if (pkt->len > 0)
		ns_pkt_copy_out(pkt, 0, &v, 1);
	return v >> 4 == 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
}

enum capwriter_verdict capwriter_record(struct capwriter *w,
					const struct ns_pkt *pkt,
					enum capwriter_form form)
{
	if (capsink_error(w->sink))
		return CAPW_STOPPED;
	uint32_t prefix = 0;
	uint16_t ethertype = 0;
	if (form == CAPW_IP_IN_ETH) {
		prefix = DRV_ETH_HLEN;
		ethertype = ip_ethertype(pkt);
	}
	const uint8_t *data = contiguous(w, pkt, prefix, ethertype);
	if (data == NULL)
		return CAPW_DROPPED;
	uint32_t len = prefix + pkt->len;
	uint64_t ts = pkt->tstamp_ns ? pkt->tstamp_ns : drv_realtime_ns();
	struct pcap_pkthdr hdr = {
		.ts = { .tv_sec = (time_t)(ts / 1000000000u),
			/* nanoseconds: the dumper is nano-precision */
			.tv_usec = (suseconds_t)(ts % 1000000000u) },
		.caplen = len < w->snaplen ? len : w->snaplen,
		.len = len,
	};
	if (w->has_filter &&
	    pcap_offline_filter(&w->filter,
				&(struct pcap_pkthdr){ .ts = hdr.ts,
						       .caplen = len,
						       .len = len },
				data) == 0)
		return CAPW_FILTERED;
	if (!capsink_room(w->sink, RECORD_HDR_LEN + hdr.caplen)) {
		write_out(w, drv_clock_now(&w->clock));
		if (!capsink_room(w->sink, RECORD_HDR_LEN + hdr.caplen))
			return CAPW_DROPPED;
	}
	pcap_dump((u_char *)w->dumper, &hdr, data);
	return CAPW_RECORDED;
}

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

static void destroy(struct capwriter *w)
{
	if (w->dumper) {
		if (capsink_error(w->sink) == 0 &&
		    capsink_drain_wait(w->sink, CLOSE_WAIT_MS) < 0)
			w->write_errors++;
		pcap_dump_close(w->dumper); /* fcloses the sink's stream */
	}
	capsink_free(w->sink);
	if (w->has_filter)
		pcap_freecode(&w->filter);
	if (w->dead)
		pcap_close(w->dead);
	free(w->scratch);
	free(w);
}

static int setup(struct capwriter *w, const struct drv_pcap_config *cfg,
		 struct rs_error **err)
{
	w->dead = pcap_open_dead_with_tstamp_precision(
		w->linktype, (int)w->snaplen, PCAP_TSTAMP_PRECISION_NANO);
	if (w->dead == NULL)
		return rs_error_set(err, ENOMEM, "pcap: pcap_open_dead");
	if (cfg->filter) {
		if (pcap_compile(w->dead, &w->filter, cfg->filter, 1,
				 PCAP_NETMASK_UNKNOWN) < 0)
			return rs_error_set(err, EINVAL,
					    "pcap: filter `%s`: %s",
					    cfg->filter, pcap_geterr(w->dead));
		w->has_filter = true;
	}
	int fd = open_output(cfg, err);
	if (fd < 0)
		return fd;
	FILE *f;
	uint32_t cap =
		cfg->buffer_bytes ? cfg->buffer_bytes : DEFAULT_BUFFER_BYTES;
	if (cap < RECORD_HDR_LEN + 64)
		cap = RECORD_HDR_LEN + 64;
	if (capsink_new(fd, cap, &w->sink, &f) < 0)
		return rs_error_set(err, ENOMEM, "pcap: capture buffer");
	w->dumper = pcap_dump_fopen(w->dead, f);
	if (w->dumper == NULL) {
		fclose(f);
		return rs_error_set(err, EIO, "pcap: %s", pcap_geterr(w->dead));
	}
	/* The file header goes out now, so a reader sees a valid (empty)
	 * capture at once and a dead reader is an error here. */
	char name[32];
	int r = capsink_drain_wait(w->sink, CLOSE_WAIT_MS);
	if (r < 0 && r != -EAGAIN)
		return rs_error_set(err, -r, "pcap: writing to %s",
				    output_name(cfg, name, sizeof(name)));
	return 0;
}

int capwriter_open(const struct drv_pcap_config *cfg, int linktype,
		   struct capwriter **out, struct rs_error **err)
{
	uint32_t snaplen = cfg->snaplen ? cfg->snaplen : DRV_PCAP_MAX_SNAPLEN;
	if (snaplen > DRV_PCAP_MAX_SNAPLEN)
		return rs_error_set(err, EINVAL,
				    "pcap: snap length %u above %u", snaplen,
				    DRV_PCAP_MAX_SNAPLEN);
	struct capwriter *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return rs_error_set(err, ENOMEM, "pcap: allocating the writer");
	w->refs = 1;
	w->linktype = linktype;
	w->snaplen = snaplen;
	w->flush_ns = cfg->flush_ns ? cfg->flush_ns : DEFAULT_FLUSH_NS;
	w->clock = cfg->clock;
	w->last_write = drv_clock_now(&w->clock);
	int r = setup(w, cfg, err);
	if (r < 0) {
		destroy(w);
		return r;
	}
	*out = w;
	return 0;
}

void capwriter_ref(struct capwriter *w)
{
	w->refs++;
}

void capwriter_unref(struct capwriter *w)
{
	if (w != NULL && --w->refs == 0)
		destroy(w);
}

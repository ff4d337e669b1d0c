/* The pcap sniffer: captures read back with libpcap frame by frame
 * (contents, nanosecond timestamps, both directions), the filter and snap
 * length, flushing by time and by volume, streaming through a pipe with a
 * slow and a vanished reader, and tcpdump and tshark reading the result. */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "drivers/memlink.h"
#include "drivers/pcap.h"
#include "drv_test.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
static const uint8_t ip_a[4] = { 10, 9, 0, 1 };
static const uint8_t ip_b[4] = { 10, 9, 0, 2 };

struct fixture {
	char dir[64];
	char path[96];
	struct drv_link *link; /* pcap(pipe end a) */
	struct drv_link *peer; /* pipe end b */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	strcpy(fx->dir, "/tmp/drvpcap.XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/cap.pcap", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	drv_close(fx->link);
	drv_close(fx->peer);
	unlink(fx->path);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void wrap(struct fixture *fx, struct drv_pcap_config cfg)
{
	struct drv_link *a;
	struct rs_error *err = NULL;
	drv_test_check_open(drv_pipe_pair(&(struct drv_pipe_config){ 0 }, &a,
					  &fx->peer, &err),
			    &err);
	if (cfg.path == NULL && cfg.fd < 0)
		cfg.path = fx->path;
	drv_test_check_open(drv_pcap_wrap(a, &cfg, &fx->link, &err), &err);
}

static pcap_t *open_capture(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(
		path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (p == NULL)
		fail_msg("pcap_open_offline: %s", errbuf);
	return p;
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t ts_ns(const struct pcap_pkthdr *h)
{
	return (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
}

static void test_both_directions_read_back_frame_by_frame(void **state)
{
	struct fixture *fx = *state;
	wrap(fx, (struct drv_pcap_config){ .fd = -1 });
	assert_string_equal(drv_kind(fx->link), "pcap");
	assert_memory_equal(drv_info(fx->link)->mac, mac_a, 6);
	/* Three frames out (one with its payload in a fragment), two in. */
	for (uint32_t i = 0; i < 3; i++) {
		struct ns_pkt *pkt =
			drv_test_frame(mac_b, mac_a, 0x88b5, 50 + i, i);
		pkt->tstamp_ns = 1700000000123456789u + i;
		if (i == 1) {
			ns_pkt_trim(pkt, 14);
			uint8_t payload[51];
			for (int j = 0; j < 51; j++)
				payload[j] = (uint8_t)((1 + j) % 251);
			struct ns_buf *buf = ns_buf_alloc(51);
			memcpy(buf->data, payload, 51);
			ns_pkt_append_frag(pkt, buf, buf->data, 51);
			ns_buf_unref(buf);
		}
		assert_int_equal(drv_xmit(fx->link, pkt), 0);
	}
	assert_int_equal(drv_flush(fx->link), 0);
	uint64_t before = realtime_ns();
	drv_xmit(fx->peer, drv_test_frame(mac_a, mac_b, 0x88b5, 60, 10));
	drv_xmit(fx->peer, drv_test_frame(mac_a, mac_b, 0x88b5, 61, 11));
	struct ns_pkt *pkts[4];
	assert_int_equal(drv_rx_burst(fx->link, pkts, 4), 2);
	uint64_t after = realtime_ns();
	ns_pkt_free(pkts[0]);
	ns_pkt_free(pkts[1]);
	/* The peer got what was sent. */
	for (uint32_t i = 0; i < 3; i++) {
		struct ns_pkt *p = drv_test_rx_one(fx->peer);
		assert_true(drv_test_frame_matches(p, mac_b, mac_a, 0x88b5,
						   50 + i, i));
		ns_pkt_free(p);
	}
	assert_int_equal(drv_test_counter(fx->link, "pcap_frames"), 5);
	assert_int_equal(drv_test_counter(fx->link, "tx_packets"), 3);
	drv_close(fx->link);
	fx->link = NULL;

	pcap_t *p = open_capture(fx->path);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	assert_int_equal(pcap_snapshot(p), DRV_PCAP_MAX_SNAPLEN);
	struct pcap_pkthdr *h;
	const u_char *data;
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(pcap_next_ex(p, &h, &data), 1);
		bool out = i < 3;
		uint32_t payload = out ? 50 + i : 60 + (i - 3);
		uint32_t seq = out ? i : 10 + (i - 3);
		assert_int_equal(h->caplen, 14 + payload);
		assert_int_equal(h->len, 14 + payload);
		struct ns_pkt *want =
			drv_test_frame(out ? mac_b : mac_a, out ? mac_a : mac_b,
				       0x88b5, payload, seq);
		assert_memory_equal(data, want->data, want->len);
		ns_pkt_free(want);
		if (out) {
			assert_int_equal(ts_ns(h), 1700000000123456789u + i);
		} else {
			assert_true(ts_ns(h) >= before && ts_ns(h) <= after);
		}
	}
	assert_int_equal(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
}

static void test_filter_and_snaplen(void **state)
{
	struct fixture *fx = *state;
	wrap(fx, (struct drv_pcap_config){
			 .fd = -1, .filter = "arp or icmp", .snaplen = 40 });
	drv_xmit(fx->link, drv_test_arp_request(mac_a, ip_a, ip_b));
	drv_xmit(fx->link, drv_test_frame(mac_b, mac_a, 0x88b5, 100, 0));
	drv_xmit(fx->link,
		 drv_test_icmp_echo(mac_b, mac_a, ip_a, ip_b, 7, 1, 100));
	assert_int_equal(drv_test_counter(fx->link, "pcap_frames"), 2);
	assert_int_equal(drv_test_counter(fx->link, "pcap_filtered"), 1);
	drv_close(fx->link);
	fx->link = NULL;
	pcap_t *p = open_capture(fx->path);
	assert_int_equal(pcap_snapshot(p), 40);
	struct pcap_pkthdr *h;
	const u_char *data;
	assert_int_equal(pcap_next_ex(p, &h, &data), 1);
	assert_int_equal(h->len, 42); /* ARP */
	assert_int_equal(h->caplen, 40);
	assert_int_equal(pcap_next_ex(p, &h, &data), 1);
	assert_int_equal(h->len, 14 + 28 + 100); /* ICMP */
	assert_int_equal(h->caplen, 40);
	assert_int_equal(data[14 + 9], 1);
	assert_int_equal(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
}

static void test_bad_config_is_a_clear_error(void **state)
{
	struct fixture *fx = *state;
	struct drv_link *a, *b, *w = NULL;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_pipe_pair(&(struct drv_pipe_config){ 0 }, &a, &b, &err),
		&err);
	assert_true(drv_pcap_wrap(a,
				  &(struct drv_pcap_config){
					  .path = fx->path,
					  .filter = "tcp port nonsense" },
				  &w, &err) < 0);
	assert_null(w);
	assert_non_null(strstr(err->msg, "filter `tcp port nonsense`"));
	rs_error_clear(&err);
	assert_true(drv_pcap_wrap(a,
				  &(struct drv_pcap_config){
					  .path = "/nonexistent/dir/x.pcap" },
				  &w, &err) < 0);
	assert_int_equal(err->errnum, ENOENT);
	assert_non_null(strstr(err->msg, "/nonexistent/dir/x.pcap"));
	rs_error_clear(&err);
	assert_true(
		drv_pcap_wrap(a,
			      &(struct drv_pcap_config){ .path = fx->path,
							 .snaplen = 1u << 20 },
			      &w, &err) < 0);
	rs_error_clear(&err);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	assert_true(drv_pcap_wrap(a, &(struct drv_pcap_config){ .fd = fds[0] },
				  &w, &err) < 0);
	assert_non_null(strstr(err->msg, "not open for writing"));
	rs_error_clear(&err);
	/* A reader that is already gone. */
	close(fds[0]);
	assert_int_equal(
		drv_pcap_wrap(a, &(struct drv_pcap_config){ .fd = fds[1] }, &w,
			      &err),
		-EPIPE);
	rs_error_clear(&err);
	close(fds[1]);
	/* The inner link is still ours and works. */
	assert_int_equal(drv_xmit(a, drv_test_frame(mac_b, mac_a, 1, 50, 0)),
			 0);
	drv_close(a);
	drv_close(b);
}

/* Receives and frees everything waiting; returns how many. */
static unsigned drain(struct drv_link *link)
{
	struct ns_pkt *pkts[64];
	unsigned total = 0;
	int n;
	while ((n = drv_rx_burst(link, pkts, 64)) > 0) {
		for (int i = 0; i < n; i++)
			ns_pkt_free(pkts[i]);
		total += (unsigned)n;
	}
	return total;
}

static off_t file_size(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static void test_flushes_by_time_and_volume(void **state)
{
	struct fixture *fx = *state;
	uint64_t clock = 5000000000u;
	wrap(fx, (struct drv_pcap_config){
			 .fd = -1,
			 .flush_ns = 1000000000u,
			 .clock = { drv_test_clock_now, &clock } });
	/* The file header is written at once. */
	assert_int_equal(file_size(fx->path), 24);
	assert_int_equal(drv_timers(fx->link, clock), DRV_NO_DEADLINE);
	assert_int_equal(drv_next_deadline(fx->link), DRV_NO_DEADLINE);
	drv_xmit(fx->link, drv_test_frame(mac_b, mac_a, 0x88b5, 86, 0));
	drv_flush(fx->link);
	assert_int_equal(file_size(fx->path), 24);
	/* The buffered record's deadline is known without running timers. */
	assert_int_equal(drv_next_deadline(fx->link), clock + 1000000000u);
	assert_int_equal(drv_timers(fx->link, clock + 999999999u),
			 clock + 1000000000u);
	assert_int_equal(file_size(fx->path), 24);
	assert_int_equal(drv_timers(fx->link, clock + 1000000000u),
			 DRV_NO_DEADLINE);
	assert_int_equal(file_size(fx->path), 24 + 16 + 100);
	/* A flush after the interval writes too, without timers. */
	clock += 1000000000u;
	drv_xmit(fx->link, drv_test_frame(mac_b, mac_a, 0x88b5, 86, 0));
	clock += 1000000000u;
	drv_flush(fx->link);
	assert_int_equal(file_size(fx->path), 24 + 2 * 116);
	/* 64 KiB gathered are written without waiting for the interval. */
	for (int i = 0; i < 100; i++)
		drv_xmit(fx->link,
			 drv_test_frame(mac_b, mac_a, 0x88b5, 1000, 0));
	drv_flush(fx->link);
	assert_true(file_size(fx->path) >= 24 + 64 * 1024);
	drain(fx->peer);
}

/* Reads whatever the pipe holds now into buf (non-blocking). */
static size_t slurp(int fd, uint8_t *buf, size_t at, size_t cap)
{
	for (;;) {
		ssize_t n = read(fd, buf + at, cap - at);
		if (n <= 0)
			return at;
		at += (size_t)n;
	}
}

static void test_stream_to_slow_reader_stays_valid(void **state)
{
	struct fixture *fx = *state;
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	/* The pipe holds 64 KiB and the buffer 100 KB: 400 frames of 1 KB
	 * cannot all wait, and nothing may block. */
	uint64_t clock = 0;
	wrap(fx, (struct drv_pcap_config){
			 .fd = fds[1],
			 .buffer_bytes = 100000,
			 .clock = { drv_test_clock_now, &clock } });
	close(fds[1]); /* the wrapper writes to its own duplicate */
	for (uint32_t i = 0; i < 400; i++) {
		drv_xmit(fx->link,
			 drv_test_frame(mac_b, mac_a, 0x88b5, 1000 - 14, i));
		struct ns_pkt *pkt;
		if (drv_rx_burst(fx->peer, &pkt, 1) == 1)
			ns_pkt_free(pkt);
	}
	drv_flush(fx->link);
	uint64_t dropped = drv_test_counter(fx->link, "pcap_dropped");
	uint64_t frames = drv_test_counter(fx->link, "pcap_frames");
	assert_true(dropped > 0);
	assert_int_equal(frames + dropped, 400);
	/* The reader catches up; the buffered rest follows. */
	size_t cap = 24 + 400 * 1016, got = 0;
	uint8_t *stream = malloc(cap);
	uint64_t next;
	do {
		got = slurp(fds[0], stream, got, cap);
		clock += 1000000000u;
		next = drv_timers(fx->link, clock);
		assert_true(next == DRV_NO_DEADLINE || next > clock);
	} while (next != DRV_NO_DEADLINE);
	drv_close(fx->link);
	fx->link = NULL;
	got = slurp(fds[0], stream, got, cap);
	close(fds[0]);
	/* Whole records only: libpcap reads them all, in order. */
	FILE *f = fmemopen(stream, got, "r");
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(
		f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(p);
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0;
	int last_seq = -1;
	while (pcap_next_ex(p, &h, &data) == 1) {
		assert_int_equal(h->caplen, 1000);
		int seq = data[14];
		assert_true(seq != last_seq);
		last_seq = seq;
		n++;
	}
	assert_int_equal(n, frames);
	assert_int_equal(got, 24 + frames * (16 + 1000));
	pcap_close(p);
	free(stream);
}

static void test_stream_reader_vanishes(void **state)
{
	struct fixture *fx = *state;
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	wrap(fx, (struct drv_pcap_config){ .fd = fds[1] });
	close(fds[1]);
	close(fds[0]);
	/* No SIGPIPE kills us; recording stops, traffic goes on. */
	for (uint32_t i = 0; i < 100; i++)
		assert_int_equal(
			drv_xmit(fx->link,
				 drv_test_frame(mac_b, mac_a, 0x88b5, 1000, i)),
			0);
	drv_timers(fx->link, UINT64_MAX - 1);
	assert_int_equal(drv_test_counter(fx->link, "pcap_write_errors"), 1);
	assert_int_equal(drv_test_counter(fx->peer, "rx_packets"), 100);
	assert_int_equal(drain(fx->peer), 100);
}

static void test_ip_link_is_linktype_raw(void **state)
{
	struct fixture *fx = *state;
	struct drv_link *lo;
	struct rs_error *err = NULL;
	drv_test_check_open(
		drv_loopback_open(
			&(struct drv_loopback_config){ .type = NS_LINK_IP },
			&lo, &err),
		&err);
	drv_test_check_open(
		drv_pcap_wrap(lo, &(struct drv_pcap_config){ .path = fx->path },
			      &fx->link, &err),
		&err);
	drv_close(fx->link);
	fx->link = NULL;
	pcap_t *p = open_capture(fx->path);
	assert_int_equal(pcap_datalink(p), DLT_RAW);
	pcap_close(p);
}

/* Runs argv with stdin from in_fd (or /dev/null) and stdout into a
 * string; returns the exit status, or -1 when the program is missing. */
static int run(const char *const argv[], int in_fd, char *out, size_t out_len)
{
	if (access(argv[0], X_OK) != 0)
		return -1;
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int in = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
		dup2(in, 0);
		dup2(fds[1], 1);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	size_t at = 0;
	ssize_t n;
	while ((n = read(fds[0], out + at, out_len - 1 - at)) > 0)
		at += (size_t)n;
	out[at] = 0;
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void write_exchange(struct drv_link *link, struct drv_link *peer)
{
	drv_xmit(link, drv_test_arp_request(mac_a, ip_a, ip_b));
	drv_xmit(link, drv_test_icmp_echo(mac_b, mac_a, ip_a, ip_b, 77, 1, 56));
	drv_xmit(link, drv_test_icmp_echo(mac_b, mac_a, ip_a, ip_b, 77, 2, 56));
	assert_int_equal(drain(peer), 3);
}

static void test_tcpdump_and_tshark_read_captures(void **state)
{
	struct fixture *fx = *state;
	/* tcpdump and tshark are in tests/install-deps.sh; without them
	 * this test is vacuous rather than failing. */
	if (access("/usr/bin/tcpdump", X_OK) != 0)
		return;
	wrap(fx, (struct drv_pcap_config){ .fd = -1 });
	write_exchange(fx->link, fx->peer);
	drv_close(fx->link);
	fx->link = NULL;
	char out[8192];
	const char *tcpdump[] = { "/usr/bin/tcpdump", "-nn", "-r", fx->path,
				  NULL };
	assert_int_equal(run(tcpdump, -1, out, sizeof(out)), 0);
	assert_int_equal(count_lines(out), 3);
	assert_non_null(strstr(out, "ARP, Request who-has 10.9.0.2 tell "
				    "10.9.0.1"));
	assert_non_null(strstr(out, "10.9.0.1 > 10.9.0.2: ICMP echo request, "
				    "id 77, seq 2"));
	/* A filter given to the reader works on the file, too. */
	const char *icmp_only[] = { "/usr/bin/tcpdump", "-nn",	"-r",
				    fx->path,		"icmp", NULL };
	assert_int_equal(run(icmp_only, -1, out, sizeof(out)), 0);
	assert_int_equal(count_lines(out), 2);
	const char *tshark[] = { "/usr/bin/tshark", "-n", "-r", fx->path,
				 NULL };
	int r = run(tshark, -1, out, sizeof(out));
	if (r != -1) {
		assert_int_equal(r, 0);
		assert_int_equal(count_lines(out), 3);
		assert_non_null(strstr(out, "Echo (ping) request"));
	}

	/* Streaming: `tcpdump -r -` reads the stream from a pipe. */
	drv_close(fx->peer);
	fx->peer = NULL;
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	fx->path[0] = 0;
	wrap(fx, (struct drv_pcap_config){ .fd = fds[1] });
	close(fds[1]);
	write_exchange(fx->link, fx->peer);
	drv_close(fx->link); /* writes out and closes the stream */
	fx->link = NULL;
	const char *from_stdin[] = { "/usr/bin/tcpdump", "-nn", "-r", "-",
				     NULL };
	assert_int_equal(run(from_stdin, fds[0], out, sizeof(out)), 0);
	close(fds[0]);
	assert_int_equal(count_lines(out), 3);
	assert_non_null(strstr(out, "ICMP echo request, id 77, seq 1"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_both_directions_read_back_frame_by_frame),
		T(test_filter_and_snaplen),
		T(test_bad_config_is_a_clear_error),
		T(test_flushes_by_time_and_volume),
		T(test_stream_to_slow_reader_stays_valid),
		T(test_stream_reader_vanishes),
		T(test_ip_link_is_linktype_raw),
		T(test_tcpdump_and_tshark_read_captures),
	};
	return cmocka_run_group_tests_name("drivers/pcap", tests, NULL, NULL);
}

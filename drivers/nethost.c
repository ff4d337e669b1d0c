/* The netstack host (drivers/nethost.h): the stack, its NICs' links, one
 * epoll set over the links' fds and a timerfd, and the capture. */
#include "drivers/nethost.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "capwriter.h"
#include "drivers/spec.h"
#include "drv_impl.h"

/* Frames taken from a link per burst, and bursts per link per round:
 * enough to amortise the wake-up, few enough that the owner's socket work
 * (after_rx) and the timers run between bursts. */
#define RX_BATCH  64
#define RX_ROUNDS 16

struct nethost_nic {
	struct drv_link *link; /* owned */
	int ifindex;
	uint32_t events; /* what the link's fd is registered for */
	bool rx_more;	 /* within a round: the last burst found frames */
};

struct drv_nethost {
	struct ns_stack *stack;
	struct nethost_nic *nics;
	unsigned nnics;
	int epfd, timerfd;
	uint64_t armed;	       /* the timerfd's deadline; 0: disarmed */
	uint64_t deadline;     /* the last computed one, NS_TIME_NEVER: none */
	int error;	       /* the first link failure, reported by run */
	struct capwriter *cap; /* one reference; NULL: no capture */
	uint64_t link_down;
	uint64_t lo_frames, lo_filtered, lo_dropped;
};

/* ---- The stack's clock and randomness ------------------------------ */

static uint64_t host_clock(void *ctx)
{
	(void)ctx;
	return drv_monotonic_ns();
}

/* Receive timestamps of packets that come without one (the loopback's):
 * wall time, as the drivers stamp received frames. */
static uint64_t host_wall_clock(void *ctx)
{
	(void)ctx;
	return drv_realtime_ns();
}

static void host_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	uint8_t *p = buf;
	while (len > 0) {
		/* getrandom blocks only before the kernel's pool is
		 * initialised, returns at most 32 MiB per call, and fails
		 * only when interrupted; anything else means there is no
		 * randomness to give the stack, which must not go on. */
		ssize_t n = getrandom(p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			abort();
		p += n;
		len -= (size_t)n;
	}
}

/* ---- Capture of the loopback ---------------------------------------- */

static void observe_loopback(void *arg, const struct ns_pkt *pkt)
{
	struct drv_nethost *h = arg;
	switch (capwriter_record(h->cap, pkt, CAPW_IP_IN_ETH)) {
	case CAPW_RECORDED:
		h->lo_frames++;
		break;
	case CAPW_FILTERED:
		h->lo_filtered++;
		break;
	case CAPW_DROPPED:
		h->lo_dropped++;
		break;
	case CAPW_STOPPED:
		break; /* counted once, in pcap_write_errors */
	}
}

/* ---- Opening -------------------------------------------------------- */

/* The capture goes between the base driver and the spec's wrappers. */
static int open_spec(const char *text, struct capwriter *cap,
		     struct drv_link **out, struct rs_error **err)
{
	struct drv_spec spec;
	struct drv_link *link = NULL, *wrapped;
	int r = drv_spec_parse(text, &spec, err);
	if (r == 0)
		r = drv_spec_open_base(&spec, &link, err);
	if (r == 0 && cap != NULL) {
		r = drv_pcap_wrap_writer(link, cap, &wrapped, err);
		if (r == 0)
			link = wrapped;
	}
	for (unsigned i = 1; r == 0 && i < spec.nlayers; i++) {
		r = drv_spec_wrap(&spec.layers[i], link, &wrapped, err);
		if (r == 0)
			link = wrapped;
	}
	drv_spec_release(&spec);
	if (r < 0) {
		drv_close(link);
		return r;
	}
	*out = link;
	return 0;
}

static int open_link(struct drv_nethost *h, const struct drv_nethost_nic *c,
		     struct nethost_nic *nic, struct rs_error **err)
{
	if (c->spec != NULL) {
		int r = open_spec(c->spec, h->cap, &nic->link, err);
		if (r < 0)
			return r;
	} else if (h->cap != NULL) {
		struct drv_link *wrapped;
		int r = drv_pcap_wrap_writer(nic->link, h->cap, &wrapped, err);
		if (r < 0)
			return r;
		nic->link = wrapped;
	}
	/* A link without an fd (DPDK polling) is read on every run and
	 * asks for the next run through its deadline (driver.h). */
	return 0;
}

static const char *addr_text(int family, const uint8_t *addr, char *buf)
{
	if (inet_ntop(family, addr, buf, INET6_ADDRSTRLEN) == NULL)
		strcpy(buf, "?");
	return buf;
}

static int add_nic(struct drv_nethost *h, const struct drv_nethost_nic *c,
		   struct nethost_nic *nic, struct rs_error **err)
{
	struct ns_nic_config nc = {
		.ops = &drv_ns_link_ops,
		.ctx = nic->link,
		.info = *drv_info(nic->link),
		.flags = c->flags,
	};
	if (c->name != NULL)
		nc.info.name = c->name;
	const char *name = nc.info.name;
	if (c->mtu != 0) {
		/* A larger MTU than the link's would only make the link
		 * refuse the frames. */
		if (c->mtu > nc.info.mtu)
			return rs_error_set(err, EINVAL,
					    "NIC `%s`: MTU %u above the "
					    "link's %u",
					    name, c->mtu, nc.info.mtu);
		nc.info.mtu = c->mtu;
	}
	int r = ns_stack_add_nic(h->stack, &nc, &nic->ifindex);
	if (r < 0)
		return rs_error_set(err, -r, "add NIC `%s`", name);
	char text[INET6_ADDRSTRLEN];
	for (unsigned i = 0; i < c->naddrs; i++) {
		struct ns_ifaddr ifa = c->addrs[i];
		ifa.ifindex = nic->ifindex;
		r = ns_stack_add_addr(h->stack, &ifa);
		if (r < 0)
			return rs_error_set(
				err, -r, "NIC `%s`: address `%s/%u`", name,
				addr_text(ifa.family, ifa.addr, text),
				ifa.prefix_len);
	}
	for (unsigned i = 0; i < c->nroutes; i++) {
		struct ns_route rt = c->routes[i];
		if (rt.ifindex == 0)
			rt.ifindex = nic->ifindex;
		r = ns_stack_add_route(h->stack, &rt);
		if (r < 0) {
			char via[INET6_ADDRSTRLEN];
			return rs_error_set(
				err, -r, "NIC `%s`: route to `%s/%u` via `%s`",
				name, addr_text(rt.family, rt.dst, text),
				rt.prefix_len,
				addr_text(rt.family, rt.gateway, via));
		}
	}
	return 0;
}

static int open_capture(struct drv_nethost *h,
			const struct drv_nethost_capture *c,
			struct rs_error **err)
{
	if (c == NULL || (c->path == NULL && c->fd < 0))
		return 0;
	struct drv_pcap_config pc = {
		.path = c->path,
		.fd = c->fd,
		.snaplen = c->snaplen,
		.filter = c->filter,
	};
	return capwriter_open(&pc, DLT_EN10MB, &h->cap, err);
}

static int open_events(struct drv_nethost *h, struct rs_error **err)
{
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->epfd < 0)
		return rs_error_set(err, errno, "epoll_create1");
	h->timerfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->timerfd < 0)
		return rs_error_set(err, errno, "timerfd_create");
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = h->timerfd };
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->timerfd, &ev) < 0)
		return rs_error_set(err, errno, "epoll_ctl on the timerfd");
	for (unsigned i = 0; i < h->nnics; i++) {
		struct nethost_nic *nic = &h->nics[i];
		int fd = drv_fd(nic->link);
		nic->events = EPOLLIN;
		if (fd < 0)
			continue;
		ev = (struct epoll_event){ .events = nic->events,
					   .data.fd = fd };
		if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			return rs_error_set(err, errno,
					    "epoll_ctl on the fd of link `%s`",
					    drv_info(nic->link)->name);
	}
	return 0;
}

static int open_all(struct drv_nethost *h, const struct drv_nethost_config *cfg,
		    struct rs_error **err)
{
	int r = open_capture(h, cfg->capture, err);
	for (unsigned i = 0; r == 0 && i < cfg->nnics; i++)
		r = open_link(h, &cfg->nics[i], &h->nics[i], err);
	if (r < 0)
		return r;
	struct ns_stack_config sc = { 0 };
	if (cfg->stack != NULL)
		sc = *cfg->stack;
	sc.clock = host_clock;
	sc.wall_clock = host_wall_clock;
	sc.random = host_random;
	sc.ctx = NULL;
	r = ns_stack_create(&sc, &h->stack);
	if (r < 0)
		return rs_error_set(err, -r, "create the stack");
	for (unsigned i = 0; r == 0 && i < cfg->nnics; i++)
		r = add_nic(h, &cfg->nics[i], &h->nics[i], err);
	if (r == 0)
		r = open_events(h, err);
	if (r == 0 && h->cap != NULL)
		ns_stack_set_loopback_observer(h->stack, observe_loopback, h);
	return r;
}

int drv_nethost_open(const struct drv_nethost_config *cfg,
		     struct drv_nethost **out, struct rs_error **err)
{
	struct drv_nethost *h = calloc(1, sizeof(*h));
	struct nethost_nic *nics =
		calloc(cfg->nnics ? cfg->nnics : 1, sizeof(*nics));
	if (h == NULL || nics == NULL) {
		free(h);
		free(nics);
		for (unsigned i = 0; i < cfg->nnics; i++)
			drv_close(cfg->nics[i].link);
		return rs_error_set(err, ENOMEM, "netstack host");
	}
	h->nics = nics;
	h->nnics = cfg->nnics;
	h->epfd = h->timerfd = -1;
	h->deadline = NS_TIME_NEVER;
	/* The links given open are ours from here on, also on failure. */
	int r = 0;
	for (unsigned i = 0; i < cfg->nnics; i++) {
		const struct drv_nethost_nic *c = &cfg->nics[i];
		h->nics[i].link = c->link;
		if ((c->spec == NULL) == (c->link == NULL) && r == 0)
			r = rs_error_set(err, EINVAL,
					 "NIC %u: needs a spec or a link (one "
					 "of them)",
					 i);
	}
	if (r == 0)
		r = open_all(h, cfg, err);
	if (r < 0) {
		drv_nethost_close(h);
		return r;
	}
	drv_nethost_flush(h);
	*out = h;
	return 0;
}

void drv_nethost_close(struct drv_nethost *h)
{
	if (h == NULL)
		return;
	ns_stack_destroy(h->stack);
	for (unsigned i = 0; i < h->nnics; i++)
		drv_close(h->nics[i].link);
	capwriter_unref(h->cap);
	if (h->epfd >= 0)
		close(h->epfd);
	if (h->timerfd >= 0)
		close(h->timerfd);
	free(h->nics);
	free(h);
}

/* ---- Accessors ------------------------------------------------------ */

struct ns_stack *drv_nethost_stack(const struct drv_nethost *h)
{
	return h->stack;
}

int drv_nethost_fd(const struct drv_nethost *h)
{
	return h->epfd;
}

unsigned drv_nethost_nic_count(const struct drv_nethost *h)
{
	return h->nnics;
}

int drv_nethost_ifindex(const struct drv_nethost *h, unsigned i)
{
	return h->nics[i].ifindex;
}

struct drv_link *drv_nethost_link(const struct drv_nethost *h, unsigned i)
{
	return h->nics[i].link;
}

uint64_t drv_nethost_next_deadline(const struct drv_nethost *h)
{
	return h->deadline;
}

/* ---- Running -------------------------------------------------------- */

static void note_error(struct drv_nethost *h, int r)
{
	if (h->error == 0)
		h->error = r;
}

/* Received frames into the stack: each round gives every link that still
 * delivers one burst, each followed by after_rx, so that a link flooded
 * with coalesced frames (megabytes per burst) neither starves the other
 * links nor the readers that open the receive window. */
static void receive(struct drv_nethost *h, void (*after_rx)(void *arg),
		    void *arg)
{
	struct ns_pkt *pkts[RX_BATCH];
	for (unsigned i = 0; i < h->nnics; i++)
		h->nics[i].rx_more = true;
	bool any = true;
	for (int round = 0; any && round < RX_ROUNDS; round++) {
		any = false;
		for (unsigned i = 0; i < h->nnics; i++) {
			struct nethost_nic *nic = &h->nics[i];
			if (!nic->rx_more)
				continue;
			int n = drv_rx_burst(nic->link, pkts, RX_BATCH);
			if (n <= 0) {
				nic->rx_more = false;
				/* The interface went down (a packet socket
				 * reports it once); the kernel delivers
				 * frames again when it comes back up, and
				 * until then the stack's timers carry on,
				 * as a kernel's connections survive a link
				 * flap. */
				if (n == -ENETDOWN)
					h->link_down++;
				else if (n < 0)
					note_error(h, n);
				continue;
			}
			any = true;
			ns_stack_input_burst(h->stack, nic->ifindex, pkts,
					     (unsigned)n);
			if (after_rx != NULL)
				after_rx(arg);
		}
	}
}

static void flush_nic(struct drv_nethost *h, struct nethost_nic *nic)
{
	if (drv_tx_pending(nic->link) > 0) {
		int r = drv_flush(nic->link);
		if (r < 0 && r != -EAGAIN)
			note_error(h, r);
	}
	/* EPOLLOUT only while the kernel holds frames back: a writable
	 * socket would otherwise wake the owner all the time. */
	uint32_t want =
		EPOLLIN | (drv_tx_pending(nic->link) > 0 ? EPOLLOUT : 0);
	int fd = drv_fd(nic->link);
	if (want == nic->events || fd < 0)
		return;
	struct epoll_event ev = { .events = want, .data.fd = fd };
	if (epoll_ctl(h->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
		nic->events = want;
}

/* Arms the timerfd for the earliest deadline, read after the work that
 * may have moved it (a frame a fault wrapper delayed, a capture record
 * buffered, a timer the stack armed); no syscall when it did not move. */
static void rearm(struct drv_nethost *h)
{
	uint64_t d = ns_stack_next_deadline(h->stack);
	for (unsigned i = 0; i < h->nnics; i++)
		d = drv_min_deadline(d, drv_next_deadline(h->nics[i].link));
	if (h->cap != NULL)
		d = drv_min_deadline(d, capwriter_next_deadline(h->cap));
	h->deadline = d;
	/* it_value 0 disarms a timerfd: "due now" is 1 ns after boot. */
	uint64_t arm = d == NS_TIME_NEVER ? 0 : d == 0 ? 1 : d;
	if (arm == h->armed)
		return;
	struct itimerspec its = { 0 };
	its.it_value.tv_sec = (time_t)(arm / 1000000000u);
	its.it_value.tv_nsec = (long)(arm % 1000000000u);
	if (timerfd_settime(h->timerfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		h->armed = arm;
}

void drv_nethost_flush(struct drv_nethost *h)
{
	for (unsigned i = 0; i < h->nnics; i++)
		flush_nic(h, &h->nics[i]);
	if (h->cap != NULL)
		capwriter_poll(h->cap);
	rearm(h);
}

int drv_nethost_run(struct drv_nethost *h, void (*after_rx)(void *arg),
		    void *arg)
{
	uint64_t now = drv_monotonic_ns();
	if (h->armed != 0 && h->armed <= now) {
		/* The timer expired: clear its readiness. A one-shot timer
		 * is disarmed now, whatever rearm() finds. */
		uint64_t expirations;
		if (read(h->timerfd, &expirations, sizeof(expirations)) < 0) {
			/* EAGAIN: already cleared. */
		}
		h->armed = 0;
	}
	for (unsigned i = 0; i < h->nnics; i++)
		(void)drv_timers(h->nics[i].link, now);
	if (h->cap != NULL)
		(void)capwriter_timers(h->cap, now);
	receive(h, after_rx, arg);
	if (ns_stack_next_deadline(h->stack) <= drv_monotonic_ns())
		ns_stack_timers(h->stack);
	drv_nethost_flush(h);
	return h->error;
}

/* ---- Counters ------------------------------------------------------- */

struct host_counter {
	const char *name;
	size_t offset; /* of a uint64_t in struct drv_nethost; 0: computed */
	bool capture;  /* only with a capture */
};

static const struct host_counter host_counters[] = {
	{ "link_down", offsetof(struct drv_nethost, link_down), false },
	{ "lo_pcap_frames", offsetof(struct drv_nethost, lo_frames), true },
	{ "lo_pcap_filtered", offsetof(struct drv_nethost, lo_filtered), true },
	{ "lo_pcap_dropped", offsetof(struct drv_nethost, lo_dropped), true },
	{ "pcap_write_errors", 0, true },
};

static uint64_t counter_value(const struct drv_nethost *h,
			      const struct host_counter *c)
{
	if (c->offset == 0)
		return capwriter_write_errors(h->cap);
	uint64_t v;
	memcpy(&v, (const char *)h + c->offset, sizeof(v));
	return v;
}

int drv_nethost_counter(const struct drv_nethost *h, const char *name,
			uint64_t *value)
{
	for (size_t i = 0; i < sizeof(host_counters) / sizeof(host_counters[0]);
	     i++) {
		const struct host_counter *c = &host_counters[i];
		if ((!c->capture || h->cap != NULL) &&
		    strcmp(c->name, name) == 0) {
			*value = counter_value(h, c);
			return 0;
		}
	}
	return -ENOENT;
}

void drv_nethost_counters_foreach(const struct drv_nethost *h,
				  drv_counter_fn fn, void *arg)
{
	for (size_t i = 0; i < sizeof(host_counters) / sizeof(host_counters[0]);
	     i++) {
		const struct host_counter *c = &host_counters[i];
		if (!c->capture || h->cap != NULL)
			fn(c->name, counter_value(h, c), arg);
	}
}

/* nsd: the netstack host program. It brings the user-space stack up on a
 * link driver and serves, on the stack, TCP echo (7), discard (9) and
 * chargen (19), UDP echo (7), ICMP echo (the stack answers itself) and
 * an HTTP/1.1 server (http.h), until SIGINT or SIGTERM; the flags are in
 * options.h.
 *
 * Exit status: 0 after a signal, 1 when the host failed (a link or a
 * socket could not be set up, the link died), 2 for bad flags.
 */
#include <arpa/inet.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"
#include "control.h"
#include "drivers/nethost.h"
#include "fetch.h"
#include "http.h"
#include "loop.h"
#include "options.h"
#include "stats.h"
#include "svc.h"
#include "udp_echo.h"

#define IDLE_SWEEP_NS 1000000000ULL

struct nsd {
	struct drv_nethost *host;
	struct nsd_loop loop;
	struct nsd_server server;
	struct nsd_counters counters;
	struct nsd_stats_src stats;
	struct nsd_svc_env env;
	struct nsd_svc echo, discard, chargen, http;
	struct nsd_udp_echo *udp4, *udp6;
	struct nsd_control *control;
	struct nsd_fetch *fetch;
};

static void sweep(void *arg, uint64_t now)
{
	struct nsd *d = arg;
	nsd_server_sweep(&d->server, now);
	nsd_control_tick(d->control, now);
}

static void dump_stats(void *arg)
{
	char *json = nsd_stats_json(arg);
	if (json != NULL)
		fputs(json, stderr);
	free(json);
}

/* Listeners and UDP sockets on both families. */
static int start_services(struct nsd *d, const struct nsd_options *o,
			  struct rs_error **err)
{
	d->env = (struct nsd_svc_env){ .counters = &d->counters,
				       .stats_json = nsd_stats_json,
				       .stats_arg = &d->stats };
	d->echo = (struct nsd_svc){ &nsd_echo_ops, &d->env };
	d->discard = (struct nsd_svc){ &nsd_discard_ops, &d->env };
	d->chargen = (struct nsd_svc){ &nsd_chargen_ops, &d->env };
	d->http = (struct nsd_svc){ &nsd_http_ops, &d->env };
	const struct {
		uint16_t port;
		const struct nsd_svc *svc;
	} tcp[] = {
		{ 7, &d->echo },
		{ 9, &d->discard },
		{ 19, &d->chargen },
		{ o->http_port, &d->http },
	};
	static const int families[] = { AF_INET, AF_INET6 };
	for (size_t f = 0; f < 2; f++) {
		for (size_t i = 0; i < sizeof(tcp) / sizeof(tcp[0]); i++) {
			int rc =
				nsd_server_listen(&d->server, families[f],
						  tcp[i].port, tcp[i].svc, err);
			if (rc < 0)
				return rc;
		}
	}
	struct ns_stack *stack = drv_nethost_stack(d->host);
	int rc = nsd_udp_echo_open(&d->loop, stack, AF_INET, 7, &d->counters,
				   &d->udp4, err);
	if (rc == 0)
		rc = nsd_udp_echo_open(&d->loop, stack, AF_INET6, 7,
				       &d->counters, &d->udp6, err);
	if (rc == 0 && o->control != NULL)
		rc = nsd_control_open(&d->loop, o->control, nsd_stats_json,
				      &d->stats, &d->control, err);
	return rc;
}

static void stop_services(struct nsd *d)
{
	nsd_control_close(d->control);
	nsd_udp_echo_close(d->udp4);
	nsd_udp_echo_close(d->udp6);
	nsd_server_close(&d->server);
	/* The resets and FINs of the closes leave before the link goes. */
	nsd_loop_drain(&d->loop);
}

/* The flags' addresses and default routes, on the host's NIC; errors
 * name the flag. */
static int add_addresses(struct drv_nethost *host, const struct nsd_options *o,
			 struct rs_error **err)
{
	struct ns_stack *stack = drv_nethost_stack(host);
	int ifindex = drv_nethost_ifindex(host, 0);
	for (unsigned i = 0; i < o->naddrs; i++) {
		const struct nsd_addr *a = &o->addrs[i];
		struct ns_ifaddr ifa = {
			.ifindex = ifindex,
			.family = a->family,
			.prefix_len = a->prefix_len,
			.flags = o->nodad ? NS_ADDR_F_NODAD : 0,
		};
		memcpy(ifa.addr, a->addr, sizeof(ifa.addr));
		int rc = ns_stack_add_addr(stack, &ifa);
		if (rc < 0) {
			char text[INET6_ADDRSTRLEN];
			inet_ntop(a->family, a->addr, text, sizeof(text));
			return rs_error_set(err, -rc, "%s `%s/%u`",
					    a->family == AF_INET ? "--addr"
								 : "--addr6",
					    text, a->prefix_len);
		}
	}
	struct {
		bool have;
		int family;
		const uint8_t *gw;
		const char *flag;
	} gws[] = {
		{ o->have_gw, AF_INET, o->gw, "--gw" },
		{ o->have_gw6, AF_INET6, o->gw6, "--gw6" },
	};
	for (size_t i = 0; i < sizeof(gws) / sizeof(gws[0]); i++) {
		if (!gws[i].have)
			continue;
		struct ns_route rt = { .family = gws[i].family,
				       .ifindex = ifindex };
		memcpy(rt.gateway, gws[i].gw, 16);
		int rc = ns_stack_add_route(stack, &rt);
		if (rc < 0) {
			char text[INET6_ADDRSTRLEN];
			inet_ntop(gws[i].family, gws[i].gw, text, sizeof(text));
			return rs_error_set(err, -rc, "%s `%s`", gws[i].flag,
					    text);
		}
	}
	return 0;
}

/* The stack on the link of --driver, capturing with --pcap. */
static int open_host(struct nsd *d, const struct nsd_options *o,
		     struct rs_error **err)
{
	struct drv_nethost_nic nic = { .spec = o->link_spec };
	struct drv_nethost_capture cap = { .path = o->pcap,
					   .fd = -1,
					   .filter = o->pcap_filter };
	struct drv_nethost_config cfg = {
		.nics = &nic,
		.nnics = 1,
		.capture = o->pcap != NULL ? &cap : NULL,
	};
	/* The host's errors name the spec, the interface or the capture
	 * file themselves. */
	int rc = drv_nethost_open(&cfg, &d->host, err);
	if (rc < 0)
		return rc;
	rc = add_addresses(d->host, o, err);
	if (rc < 0) {
		drv_nethost_close(d->host);
		d->host = NULL;
	}
	return rc;
}

static int run(struct nsd *d, const struct nsd_options *o,
	       struct rs_error **err)
{
	int rc = open_host(d, o, err);
	if (rc < 0)
		return rc;
	rc = nsd_loop_init(&d->loop, d->host, err);
	if (rc < 0) {
		drv_nethost_close(d->host);
		return rc;
	}
	struct ns_stack *stack = drv_nethost_stack(d->host);
	d->stats = (struct nsd_stats_src){ .host = d->host,
					   .counters = &d->counters };
	nsd_server_init(&d->server, &d->loop, stack, &d->counters,
			&(struct nsd_server_config){ .max_conns = o->max_conns,
						     .idle_ns = o->idle_ns });
	d->loop.tick = sweep;
	d->loop.tick_arg = d;
	d->loop.tick_ns = IDLE_SWEEP_NS;
	d->loop.on_usr1 = dump_stats;
	d->loop.usr1_arg = &d->stats;

	rc = start_services(d, o, err);
	if (rc == 0) {
		printf("nsd: serving on %s (%s), http port %u\n",
		       drv_info(drv_nethost_link(d->host, 0))->name,
		       o->link_spec, o->http_port);
		fflush(stdout);
		if (o->fetch != NULL)
			rc = nsd_fetch_start(&d->loop, stack, o->fetch,
					     &d->fetch, err);
		if (rc == 0)
			rc = nsd_loop_run(&d->loop, err);
		if (rc == 0 && nsd_fetch_result(d->fetch) < 0)
			rc = rs_error_set(err, -nsd_fetch_result(d->fetch),
					  "--fetch `%s`", o->fetch);
		nsd_fetch_free(d->fetch);
		d->fetch = NULL;
	}
	stop_services(d);
	nsd_loop_fini(&d->loop);
	drv_nethost_close(d->host);
	return rc;
}

int main(int argc, char **argv)
{
	struct nsd_options o;
	struct rs_error *err = NULL;
	if (nsd_options_parse(argc, argv, &o, &err) < 0) {
		rs_error_print(err, "nsd", stderr);
		rs_error_free(err);
		nsd_options_release(&o);
		return 2;
	}
	if (o.help) {
		nsd_options_usage(stdout);
		nsd_options_release(&o);
		return 0;
	}
	/* Packet buffers (64 KiB and more with GRO) come and go at line
	 * rate. glibc would give the heap back after each burst (brk) and
	 * the next receive would fault every page in again: measured on tap,
	 * a fifth of nsd's time in page faults and bulk uploads 30% slower.
	 * Keep the heap, and keep such buffers out of mmap. */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	/* A peer that goes away must not kill nsd; writes use MSG_NOSIGNAL,
	 * and this covers any other path. */
	signal(SIGPIPE, SIG_IGN);
	static struct nsd d;
	int rc = run(&d, &o, &err);
	if (rc < 0) {
		rs_error_print(err, "nsd", stderr);
		rs_error_free(err);
	}
	nsd_options_release(&o);
	return rc < 0 ? 1 : 0;
}

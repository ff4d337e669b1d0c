/* The netstack on a link (host.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "drivers/spec.h"
#include "host.h"

static uint64_t host_clock(void *ctx)
{
	(void)ctx;
	return drv_monotonic_ns();
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

static int add_addresses(struct nsd_host *h, const struct nsd_options *o,
			 struct rs_error **err)
{
	for (unsigned i = 0; i < o->naddrs; i++) {
		const struct nsd_addr *a = &o->addrs[i];
		struct ns_ifaddr ifa = {
			.ifindex = h->ifindex,
			.family = a->family,
			.prefix_len = a->prefix_len,
			.flags = o->nodad ? NS_ADDR_F_NODAD : 0,
		};
		memcpy(ifa.addr, a->addr, sizeof(ifa.addr));
		int rc = ns_stack_add_addr(h->stack, &ifa);
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
				       .ifindex = h->ifindex };
		memcpy(rt.gateway, gws[i].gw, 16);
		int rc = ns_stack_add_route(h->stack, &rt);
		if (rc < 0) {
			char text[INET6_ADDRSTRLEN];
			inet_ntop(gws[i].family, gws[i].gw, text, sizeof(text));
			return rs_error_set(err, -rc, "%s `%s`", gws[i].flag,
					    text);
		}
	}
	return 0;
}

int nsd_host_open(struct nsd_host *h, const struct nsd_options *o,
		  struct rs_error **err)
{
	memset(h, 0, sizeof(*h));
	/* drv_open's errors name the spec or the interface themselves. */
	int rc = drv_open(o->link_spec, &h->link, err);
	if (rc < 0)
		return rc;
	struct ns_stack_config sc = {
		.clock = host_clock,
		.random = host_random,
	};
	rc = ns_stack_create(&sc, &h->stack);
	if (rc < 0) {
		drv_close(h->link);
		h->link = NULL;
		return rs_error_set(err, -rc, "create the stack");
	}
	struct ns_nic_config nc = {
		.ops = &drv_ns_link_ops,
		.ctx = h->link,
		.info = *drv_info(h->link),
	};
	rc = ns_stack_add_nic(h->stack, &nc, &h->ifindex);
	if (rc < 0)
		rc = rs_error_set(err, -rc, "add the NIC of link `%s`",
				  o->link_spec);
	else
		rc = add_addresses(h, o, err);
	if (rc < 0)
		nsd_host_close(h);
	return rc;
}

void nsd_host_close(struct nsd_host *h)
{
	ns_stack_destroy(h->stack);
	drv_close(h->link);
	h->stack = NULL;
	h->link = NULL;
}

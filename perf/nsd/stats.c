/* The stats JSON (stats.h). */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netstack/socket.h"
#include "stats.h"

/* Linux TCP state numbers (include/net/tcp_states.h), as ss(8) names
 * them. */
static const char *state_name(int state)
{
	static const char *const names[] = {
		"UNKNOWN",    "ESTABLISHED", "SYN-SENT",  "SYN-RECV",
		"FIN-WAIT-1", "FIN-WAIT-2",  "TIME-WAIT", "CLOSE",
		"CLOSE-WAIT", "LAST-ACK",    "LISTEN",	  "CLOSING",
	};
	if (state < 0 || state >= (int)(sizeof(names) / sizeof(names[0])))
		return "UNKNOWN";
	return names[state];
}

static const char *proto_name(int protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return "ping";
	default:
		return "other";
	}
}

/* "10.0.0.2:80" or "[fd00::2]:80". */
static void format_endpoint(char *buf, size_t len, int family,
			    const uint8_t *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN];
	if (family == AF_INET) {
		inet_ntop(AF_INET, addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, port);
	} else {
		inet_ntop(AF_INET6, addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, port);
	}
}

/* Every json_object_set_new below returns -1 only on ENOMEM; the result
 * is then caught once, when the text is produced. */
struct nic_ctx {
	int ifindex;
	json_t *addrs;
};

static int add_socket(void *arg, const struct ns_socket_info *info)
{
	json_t *root = arg;
	const char *proto = proto_name(info->protocol);
	const char *state = state_name(info->state);
	char local[64], remote[64];
	format_endpoint(local, sizeof(local), info->family, info->local_addr,
			info->local_port);
	format_endpoint(remote, sizeof(remote), info->family, info->remote_addr,
			info->remote_port);
	json_t *list = json_object_get(root, "sockets");
	if (json_array_size(list) >= NSD_STATS_MAX_SOCKETS) {
		json_t *n = json_object_get(root, "sockets_omitted");
		json_object_set_new(root, "sockets_omitted",
				    json_integer(json_integer_value(n) + 1));
	} else {
		json_array_append_new(
			list,
			json_pack("{s:s,s:i,s:s,s:s,s:s,s:I,s:I}", "proto",
				  proto, "family",
				  info->family == AF_INET ? 4 : 6, "state",
				  state, "local", local, "remote", remote,
				  "rx_queue", (json_int_t)info->rx_queue,
				  "tx_queue", (json_int_t)info->tx_queue));
	}

	json_t *states = json_object_get(root, "socket_states");
	json_t *per_proto = json_object_get(states, proto);
	if (per_proto == NULL) {
		per_proto = json_object();
		json_object_set_new(states, proto, per_proto);
	}
	json_t *count = json_object_get(per_proto, state);
	json_object_set_new(
		per_proto, state,
		json_integer(count ? json_integer_value(count) + 1 : 1));
	return 0;
}

static void add_stack_counter(void *arg, const char *name, uint64_t value)
{
	json_object_set_new(arg, name, json_integer((json_int_t)value));
}

/* A drv_counter_fn: the counters of a link and of the netstack host. */
static void add_counter(const char *name, uint64_t value, void *arg)
{
	json_object_set_new(arg, name, json_integer((json_int_t)value));
}

static int add_addr(void *arg, const struct ns_ifaddr *ifa)
{
	struct nic_ctx *ctx = arg;
	if (ifa->ifindex != ctx->ifindex)
		return 0;
	char a[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 8];
	inet_ntop(ifa->family, ifa->addr, a, sizeof(a));
	snprintf(text, sizeof(text), "%s/%u", a, ifa->prefix_len);
	json_array_append_new(ctx->addrs, json_string(text));
	return 0;
}

/* The NIC over the link: name, MAC, MTU and addresses (IPv6 ones whether
 * tentative or not, as `ip addr` lists them). */
static json_t *nic_json(const struct ns_stack *stack, int ifindex)
{
	struct ns_nic_info info;
	if (ns_stack_nic_info(stack, ifindex, &info) < 0)
		return json_null();
	char mac[18];
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", info.mac[0],
		 info.mac[1], info.mac[2], info.mac[3], info.mac[4],
		 info.mac[5]);
	struct nic_ctx ctx = { .ifindex = ifindex, .addrs = json_array() };
	ns_stack_foreach_addr(stack, add_addr, &ctx);
	return json_pack("{s:s,s:s,s:I,s:o}", "name", info.name, "mac", mac,
			 "mtu", (json_int_t)info.mtu, "addrs", ctx.addrs);
}

char *nsd_stats_json(void *arg)
{
	const struct nsd_stats_src *src = arg;
	const struct ns_stack *stack = drv_nethost_stack(src->host);
	struct drv_link *link_0 = drv_nethost_link(src->host, 0);
	json_t *root = json_object();
	if (root == NULL)
		return NULL;

	json_t *own = json_object();
	json_object_set_new(root, "nsd", own);
#define NSD_COUNTER_JSON_(name)         \
	json_object_set_new(own, #name, \
			    json_integer((json_int_t)src->counters->name));
	NSD_COUNTERS(NSD_COUNTER_JSON_)
#undef NSD_COUNTER_JSON_
	drv_nethost_counters_foreach(src->host, add_counter, own);

	json_object_set_new(root, "nic",
			    nic_json(stack, drv_nethost_ifindex(src->host, 0)));

	json_t *link = json_object();
	json_object_set_new(root, "link", link);
	json_object_set_new(link, "kind", json_string(drv_kind(link_0)));
	drv_counters_foreach(link_0, add_counter, link);

	json_t *counters = json_object();
	json_object_set_new(root, "stack", counters);
	ns_stack_stats_foreach(stack, add_stack_counter, counters);

	json_object_set_new(root, "sockets", json_array());
	json_object_set_new(root, "sockets_omitted", json_integer(0));
	json_object_set_new(root, "socket_states", json_object());
	ns_stack_foreach_socket(stack, add_socket, root);

	char *text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (text == NULL)
		return NULL;
	size_t len = strlen(text);
	char *line = realloc(text, len + 2);
	if (line == NULL) {
		free(text);
		return NULL;
	}
	line[len] = '\n';
	line[len + 1] = '\0';
	return line;
}

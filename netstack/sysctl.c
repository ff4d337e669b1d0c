/* Stack-wide settings named as Linux's sysctls: see netstack/sysctl.h. */
#include "netstack/sysctl.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "core.h"
#include "sysctl.h"
#include "tcp.h"
#include "tcp_autotune.h"
#include "tcp_cc.h"

/* Linux's SOCK_MIN_RCVBUF / SOCK_MIN_SNDBUF, the least net.core.*mem_*
 * take, and ip_unprivileged_port_start, under which the ephemeral range
 * may not reach. */
#define MIN_RCVBUF  2304
#define MIN_SNDBUF  4608
#define PROT_SOCK   1024
#define JIFFIES_MAX (INT_MAX / 1000) /* proc_dointvec_jiffies, HZ 1000 */

void ns_sysctl_init(struct ns_sysctl *s)
{
	memset(s, 0, sizeof(*s));
	s->tcp_rmem[0] = TCP_RMEM_MIN;
	s->tcp_rmem[1] = TCP_RMEM_DEFAULT;
	s->tcp_rmem[2] = TCP_RMEM_MAX;
	s->tcp_wmem[0] = TCP_WMEM_MIN;
	s->tcp_wmem[1] = TCP_WMEM_DEFAULT;
	s->tcp_wmem[2] = TCP_WMEM_MAX;
	s->somaxconn = TCP_SOMAXCONN;
	s->tcp_syncookies = 1;
	s->tcp_timestamps = 1;
	s->tcp_sack = 1;
	s->tcp_window_scaling = 1;
	s->tcp_keepalive_time = TCP_KEEPIDLE_DEFAULT;
	s->tcp_keepalive_intvl = TCP_KEEPINTVL_DEFAULT;
	s->tcp_keepalive_probes = TCP_KEEPCNT_DEFAULT;
	s->tcp_fin_timeout = (int)(TCP_TIMEWAIT_NS / NS_SEC);
	s->rmem_max = s->wmem_max = 212992;
	s->ip_unprivileged_port_start = PROT_SOCK;
	/* Linux's default is "1 0", no group; a sandbox's stack has no
	 * host to protect from ping sockets, so every group may open them
	 * until the configuration says otherwise. */
	s->ping_group_range[0] = 0;
	s->ping_group_range[1] = 2147483647;
	s->rmem_default = s->wmem_default = 212992;
	strcpy(s->tcp_congestion_control, ns_tcp_cc_default()->name);
}

static const struct ns_sysctl_desc list[] = {
	{ "net.core.somaxconn", NS_SYSCTL_INTS, 1, true, 0, INT_MAX },
	{ "net.core.rmem_max", NS_SYSCTL_INTS, 1, true, MIN_RCVBUF, INT_MAX },
	{ "net.core.wmem_max", NS_SYSCTL_INTS, 1, true, MIN_SNDBUF, INT_MAX },
	{ "net.core.rmem_default", NS_SYSCTL_INTS, 1, true, MIN_RCVBUF,
	  INT_MAX },
	{ "net.core.wmem_default", NS_SYSCTL_INTS, 1, true, MIN_SNDBUF,
	  INT_MAX },
	{ "net.ipv4.ip_local_port_range", NS_SYSCTL_INTS, 2, true, 1, 65535 },
	{ "net.ipv4.ip_unprivileged_port_start", NS_SYSCTL_INTS, 1, true, 0,
	  65535 },
	/* Linux's GID_T_MAX bound (gid_t >> 1). */
	{ "net.ipv4.ping_group_range", NS_SYSCTL_INTS, 2, true, 0, 2147483647 },
	{ "net.ipv4.tcp_rmem", NS_SYSCTL_INTS, 3, true, 1, INT_MAX },
	{ "net.ipv4.tcp_wmem", NS_SYSCTL_INTS, 3, true, 1, INT_MAX },
	{ "net.ipv4.tcp_congestion_control", NS_SYSCTL_STR, 1, true, 0, 0 },
	{ "net.ipv4.tcp_available_congestion_control", NS_SYSCTL_STR, 1, false,
	  0, 0 },
	{ "net.ipv4.tcp_syncookies", NS_SYSCTL_INTS, 1, true, 0, 255 },
	{ "net.ipv4.tcp_timestamps", NS_SYSCTL_INTS, 1, true, 0, 255 },
	{ "net.ipv4.tcp_sack", NS_SYSCTL_INTS, 1, true, 0, 255 },
	{ "net.ipv4.tcp_window_scaling", NS_SYSCTL_INTS, 1, true, 0, 255 },
	/* Linux takes any count of seconds that fits in jiffies; the
	 * netstack's timers need a positive interval. */
	{ "net.ipv4.tcp_keepalive_time", NS_SYSCTL_INTS, 1, true, 1,
	  JIFFIES_MAX },
	{ "net.ipv4.tcp_keepalive_intvl", NS_SYSCTL_INTS, 1, true, 1,
	  JIFFIES_MAX },
	{ "net.ipv4.tcp_keepalive_probes", NS_SYSCTL_INTS, 1, true, 0, 255 },
	{ "net.ipv4.tcp_fin_timeout", NS_SYSCTL_INTS, 1, true, 0, JIFFIES_MAX },
	{ NULL, NS_SYSCTL_INTS, 0, false, 0, 0 },
};

const struct ns_sysctl_desc *ns_sysctl_list(void)
{
	return list;
}

const struct ns_sysctl_desc *ns_sysctl_find(const char *name)
{
	for (const struct ns_sysctl_desc *d = list; d->name; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

/* The storage of a one-int setting, NULL for the others. */
static int *int_of(struct ns_sysctl *s, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} ints[] = {
		{ "net.core.somaxconn", offsetof(struct ns_sysctl, somaxconn) },
		{ "net.core.rmem_max", offsetof(struct ns_sysctl, rmem_max) },
		{ "net.core.wmem_max", offsetof(struct ns_sysctl, wmem_max) },
		{ "net.core.rmem_default",
		  offsetof(struct ns_sysctl, rmem_default) },
		{ "net.core.wmem_default",
		  offsetof(struct ns_sysctl, wmem_default) },
		{ "net.ipv4.tcp_keepalive_time",
		  offsetof(struct ns_sysctl, tcp_keepalive_time) },
		{ "net.ipv4.tcp_keepalive_intvl",
		  offsetof(struct ns_sysctl, tcp_keepalive_intvl) },
		{ "net.ipv4.tcp_keepalive_probes",
		  offsetof(struct ns_sysctl, tcp_keepalive_probes) },
		{ "net.ipv4.tcp_fin_timeout",
		  offsetof(struct ns_sysctl, tcp_fin_timeout) },
		{ "net.ipv4.ip_unprivileged_port_start",
		  offsetof(struct ns_sysctl, ip_unprivileged_port_start) },
	};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (strcmp(ints[i].name, name) == 0)
			return (int *)(void *)((char *)s + ints[i].off);
	return NULL;
}

static uint8_t *u8_of(struct ns_sysctl *s, const char *name)
{
	if (strcmp(name, "net.ipv4.tcp_syncookies") == 0)
		return &s->tcp_syncookies;
	if (strcmp(name, "net.ipv4.tcp_timestamps") == 0)
		return &s->tcp_timestamps;
	if (strcmp(name, "net.ipv4.tcp_sack") == 0)
		return &s->tcp_sack;
	if (strcmp(name, "net.ipv4.tcp_window_scaling") == 0)
		return &s->tcp_window_scaling;
	return NULL;
}

int ns_stack_sysctl_get(const struct ns_stack *stack, const char *name,
			long *vals, unsigned room)
{
	const struct ns_sysctl_desc *d = ns_sysctl_find(name);
	if (d == NULL)
		return -ENOENT;
	if (d->kind != NS_SYSCTL_INTS || room < d->count)
		return -EINVAL;
	/* The accessors take a mutable struct; nothing is written. */
	struct ns_sysctl *s = (struct ns_sysctl *)&stack->sysctl;
	if (strcmp(name, "net.ipv4.ip_local_port_range") == 0) {
		vals[0] = stack->udp_ports.lo;
		vals[1] = stack->udp_ports.hi;
	} else if (strcmp(name, "net.ipv4.ping_group_range") == 0) {
		vals[0] = s->ping_group_range[0];
		vals[1] = s->ping_group_range[1];
	} else if (strcmp(name, "net.ipv4.tcp_rmem") == 0 ||
		   strcmp(name, "net.ipv4.tcp_wmem") == 0) {
		bool rmem = strcmp(name, "net.ipv4.tcp_rmem") == 0;
		const uint32_t *v = rmem ? s->tcp_rmem : s->tcp_wmem;
		for (int i = 0; i < 3; i++)
			vals[i] = v[i];
	} else if (u8_of(s, name)) {
		vals[0] = *u8_of(s, name);
	} else {
		vals[0] = *int_of(s, name);
	}
	return (int)d->count;
}

int ns_stack_sysctl_set(struct ns_stack *stack, const char *name,
			const long *vals, unsigned n)
{
	const struct ns_sysctl_desc *d = ns_sysctl_find(name);
	if (d == NULL)
		return -ENOENT;
	if (d->kind != NS_SYSCTL_INTS || n != d->count)
		return -EINVAL;
	if (!d->writable)
		return -EPERM;
	for (unsigned i = 0; i < n; i++)
		if (vals[i] < d->min || vals[i] > d->max)
			return -EINVAL;
	struct ns_sysctl *s = &stack->sysctl;
	if (strcmp(name, "net.ipv4.ip_local_port_range") == 0) {
		/* ipv4_local_port_range: ordered, and not below the
		 * privileged ports. UDP and TCP share it, as in Linux. */
		if (vals[1] < vals[0] ||
		    vals[0] < s->ip_unprivileged_port_start)
			return -EINVAL;
		stack->udp_ports.lo = (uint16_t)vals[0];
		stack->udp_ports.hi = (uint16_t)vals[1];
		stack->tcp->ports.lo = (uint16_t)vals[0];
		stack->tcp->ports.hi = (uint16_t)vals[1];
	} else if (strcmp(name, "net.ipv4.ip_unprivileged_port_start") == 0) {
		/* ipv4_privileged_ports: the local port range may not reach
		 * below it. */
		if (vals[0] > stack->udp_ports.lo)
			return -EINVAL;
		s->ip_unprivileged_port_start = (int)vals[0];
	} else if (strcmp(name, "net.ipv4.ping_group_range") == 0) {
		/* ipv4_ping_group_range: an inverted range turns ping
		 * sockets off, stored as Linux's "1 0". */
		bool off = vals[1] < vals[0];
		s->ping_group_range[0] = off ? 1 : vals[0];
		s->ping_group_range[1] = off ? 0 : vals[1];
	} else if (strcmp(name, "net.ipv4.tcp_rmem") == 0 ||
		   strcmp(name, "net.ipv4.tcp_wmem") == 0) {
		bool rmem = strcmp(name, "net.ipv4.tcp_rmem") == 0;
		uint32_t *v = rmem ? s->tcp_rmem : s->tcp_wmem;
		for (int i = 0; i < 3; i++)
			v[i] = (uint32_t)vals[i];
	} else if (u8_of(s, name)) {
		*u8_of(s, name) = (uint8_t)vals[0];
	} else {
		*int_of(s, name) = (int)vals[0];
	}
	return 0;
}

int ns_stack_sysctl_get_str(const struct ns_stack *stack, const char *name,
			    char *buf, size_t len)
{
	const struct ns_sysctl_desc *d = ns_sysctl_find(name);
	if (d == NULL)
		return -ENOENT;
	if (d->kind != NS_SYSCTL_STR)
		return -EINVAL;
	const char *v = strcmp(name, "net.ipv4.tcp_congestion_control") == 0
				? stack->sysctl.tcp_congestion_control
				: ns_tcp_cc_available();
	size_t l = strlen(v);
	if (l + 1 > len)
		return -ENOSPC;
	memcpy(buf, v, l + 1);
	return (int)l;
}

int ns_stack_sysctl_set_str(struct ns_stack *stack, const char *name,
			    const char *val)
{
	const struct ns_sysctl_desc *d = ns_sysctl_find(name);
	if (d == NULL)
		return -ENOENT;
	if (d->kind != NS_SYSCTL_STR)
		return -EINVAL;
	if (!d->writable)
		return -EPERM;
	/* tcp_set_default_congestion_control: an unknown name is ENOENT. */
	const struct tcp_cc_ops *ops = ns_tcp_cc_find(val);
	if (ops == NULL)
		return -ENOENT;
	strcpy(stack->sysctl.tcp_congestion_control, ops->name);
	return 0;
}

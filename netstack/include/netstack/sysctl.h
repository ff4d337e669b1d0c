/* Stack-wide settings, named and valued as Linux's sysctls
 * ("net.ipv4.tcp_rmem" holds three integers, "net.ipv4.
 * tcp_congestion_control" a name), so that an owner can serve them as
 * /proc/sys/net files: the Sentry does. Each stack has its own values,
 * Linux's defaults until changed; a change applies to what happens next
 * (sockets created, ports chosen, connections opened after it).
 *
 * Integer settings take all their values at once and are checked as
 * Linux checks them (ranges, and e.g. ip_local_port_range's order and
 * its lower end above the privileged ports); a rejected change leaves
 * the setting as it was.
 */
#ifndef NETSTACK_SYSCTL_H
#define NETSTACK_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>

struct ns_stack;

enum ns_sysctl_kind {
	NS_SYSCTL_INTS, /* one or more integers */
	NS_SYSCTL_STR,	/* a name */
};

struct ns_sysctl_desc {
	const char *name; /* "net.ipv4.ip_local_port_range" */
	enum ns_sysctl_kind kind;
	unsigned count; /* NS_SYSCTL_INTS: how many values */
	bool writable;
	long min, max; /* NS_SYSCTL_INTS: each value's range */
};

/* Every setting, ending with a NULL name. Static storage. */
const struct ns_sysctl_desc *ns_sysctl_list(void);

/* The description of name, or NULL. */
const struct ns_sysctl_desc *ns_sysctl_find(const char *name);

/* Reads an integer setting into vals (room for desc->count values).
 * Returns the count, or -ENOENT (no such setting) or -EINVAL (not an
 * integer setting). */
int ns_stack_sysctl_get(const struct ns_stack *stack, const char *name,
			long *vals, unsigned room);

/* Sets all n values of an integer setting. Returns 0, -ENOENT, -EPERM
 * (read-only) or -EINVAL (wrong count, out of range, inconsistent). */
int ns_stack_sysctl_set(struct ns_stack *stack, const char *name,
			const long *vals, unsigned n);

/* A name setting ("net.ipv4.tcp_congestion_control",
 * "net.ipv4.tcp_available_congestion_control"): copied NUL-terminated
 * into buf. Returns its length, -ENOENT, -EINVAL or -ENOSPC. */
int ns_stack_sysctl_get_str(const struct ns_stack *stack, const char *name,
			    char *buf, size_t len);

/* Sets a name setting. Returns 0, -ENOENT (no such setting, or for the
 * congestion control an algorithm the stack does not have, as Linux
 * answers), -EPERM (read-only) or -EINVAL. */
int ns_stack_sysctl_set_str(struct ns_stack *stack, const char *name,
			    const char *val);

#endif

/* Counter names and the read side of the counters (netstack/stats.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static const char *const stat_names[NS_STAT__COUNT] = {
#define NS_STAT_NAME_(group, name) #group "." #name,
	NS_STATS(NS_STAT_NAME_)
#undef NS_STAT_NAME_
};

const char *ns_stat_name(enum ns_stat id)
{
	if ((unsigned)id >= NS_STAT__COUNT)
		return NULL;
	return stat_names[id];
}

uint64_t ns_stack_stat(const struct ns_stack *stack, enum ns_stat id)
{
	if ((unsigned)id >= NS_STAT__COUNT)
		return 0;
	return stack->stats[id];
}

/* "IcmpMsg.InType8" / "Icmp6.OutType136": the per-type counters. */
static int icmp_msg_lookup(const struct ns_stack *stack, const char *name,
			   uint64_t *value)
{
	bool v6;
	if (strncmp(name, "IcmpMsg.", 8) == 0)
		v6 = false;
	else if (strncmp(name, "Icmp6.", 6) == 0)
		v6 = true;
	else
		return -ENOENT;
	const char *p = name + (v6 ? 6 : 8);
	bool out;
	if (strncmp(p, "InType", 6) == 0)
		out = false;
	else if (strncmp(p, "OutType", 7) == 0)
		out = true;
	else
		return -ENOENT;
	p += out ? 7 : 6;
	char *end;
	unsigned long type = strtoul(p, &end, 10);
	if (end == p || *end != '\0' || type > 255)
		return -ENOENT;
	*value = stack->icmp_msg[v6][out][type];
	return 0;
}

int ns_stack_stat_by_name(const struct ns_stack *stack, const char *name,
			  uint64_t *value)
{
	if (name == NULL || value == NULL)
		return -ENOENT;
	for (unsigned i = 0; i < NS_STAT__COUNT; i++) {
		if (strcmp(stat_names[i], name) == 0) {
			*value = stack->stats[i];
			return 0;
		}
	}
	return icmp_msg_lookup(stack, name, value);
}

void ns_stack_stats_foreach(const struct ns_stack *stack,
			    void (*fn)(void *arg, const char *name,
				       uint64_t value),
			    void *arg)
{
	for (unsigned i = 0; i < NS_STAT__COUNT; i++)
		fn(arg, stat_names[i], stack->stats[i]);
	for (int v6 = 0; v6 < 2; v6++)
		for (int out = 0; out < 2; out++)
			for (int type = 0; type < 256; type++) {
				uint64_t v = stack->icmp_msg[v6][out][type];
				if (v == 0)
					continue;
				char name[32];
				snprintf(name, sizeof(name), "%s.%sType%d",
					 v6 ? "Icmp6" : "IcmpMsg",
					 out ? "Out" : "In", type);
				fn(arg, name, v);
			}
}

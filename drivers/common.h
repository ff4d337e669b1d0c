/* Set-up helpers shared by the kernel-facing drivers: network namespaces,
 * interface attributes, addresses. Control plane: errors go to *err.
 * Private to drivers/. */
#ifndef DRIVERS_COMMON_H
#define DRIVERS_COMMON_H

#include <net/if.h>
#include <stdint.h>

#include "runsc/error.h"

/* The calling thread's network namespace before drv_netns_enter(). */
struct drv_netns {
	int saved; /* -1: no switch was made */
};

/* Moves the calling thread (only: the network namespace is per thread,
 * setns(2)) into the namespace at path, e.g. /run/netns/NAME or
 * /proc/PID/ns/net; a NULL path stays put. Sockets and tap devices
 * created before drv_netns_leave() belong to that namespace for good. */
int drv_netns_enter(const char *path, struct drv_netns *ns,
		    struct rs_error **err);

/* Returns the thread to its namespace. Fails only if setns(2) does, which
 * leaves the thread in the other namespace: the caller must give up. */
int drv_netns_leave(struct drv_netns *ns, struct rs_error **err);

struct drv_ifattr {
	int ifindex;
	uint32_t mtu;
	uint8_t mac[6];
	uint16_t hwtype; /* ARPHRD_* */
};

/* Reads an interface's attributes through sock (any socket of the
 * interface's namespace). */
int drv_if_query(int sock, const char *ifname, struct drv_ifattr *attr,
		 struct rs_error **err);

/* Sets the interface's MTU. */
int drv_if_set_mtu(int sock, const char *ifname, uint32_t mtu,
		   struct rs_error **err);

/* A random locally administered unicast MAC (IEEE 802c: bit 1 of the
 * first octet set, bit 0 clear). */
void drv_random_mac(uint8_t mac[6]);

/* Whether all six bytes are zero (an unset MAC in a config). */
int drv_mac_is_zero(const uint8_t mac[6]);

#endif

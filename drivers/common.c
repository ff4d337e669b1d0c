/* Set-up helpers shared by the kernel-facing drivers (common.h). */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if_arp.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

int drv_netns_enter(const char *path, struct drv_netns *ns,
		    struct rs_error **err)
{
	ns->saved = -1;
	if (path == NULL)
		return 0;
	int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved < 0)
		return rs_error_set(err, errno,
				    "open `/proc/thread-self/ns/net`");
	int target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0) {
		int e = errno;
		close(saved);
		return rs_error_set(err, e, "network namespace `%s`", path);
	}
	int r = setns(target, CLONE_NEWNET);
	int e = errno;
	close(target);
	if (r < 0) {
		close(saved);
		return rs_error_set(err, e, "setns into `%s`", path);
	}
	ns->saved = saved;
	return 0;
}

int drv_netns_leave(struct drv_netns *ns, struct rs_error **err)
{
	if (ns->saved < 0)
		return 0;
	int r = setns(ns->saved, CLONE_NEWNET);
	int e = errno;
	close(ns->saved);
	ns->saved = -1;
	if (r < 0)
		return rs_error_set(err, e,
				    "setns back to the original network "
				    "namespace");
	return 0;
}

static int ifreq_for(const char *ifname, struct ifreq *ifr,
		     struct rs_error **err)
{
	memset(ifr, 0, sizeof(*ifr));
	size_t len = strlen(ifname);
	if (len == 0 || len >= IFNAMSIZ)
		return rs_error_set(err, EINVAL, "interface name `%s`", ifname);
	memcpy(ifr->ifr_name, ifname, len);
	return 0;
}

int drv_if_query(int sock, const char *ifname, struct drv_ifattr *attr,
		 struct rs_error **err)
{
	struct ifreq ifr;
	if (ifreq_for(ifname, &ifr, err) < 0)
		return -EINVAL;
	if (ioctl(sock, SIOCGIFINDEX, &ifr) < 0)
		return rs_error_set(err, errno, "interface `%s`", ifname);
	attr->ifindex = ifr.ifr_ifindex;
	if (ioctl(sock, SIOCGIFMTU, &ifr) < 0)
		return rs_error_set(err, errno, "MTU of `%s`", ifname);
	attr->mtu = (uint32_t)ifr.ifr_mtu;
	if (ioctl(sock, SIOCGIFHWADDR, &ifr) < 0)
		return rs_error_set(err, errno, "address of `%s`", ifname);
	attr->hwtype = ifr.ifr_hwaddr.sa_family;
	memcpy(attr->mac, ifr.ifr_hwaddr.sa_data, 6);
	return 0;
}

int drv_if_set_mtu(int sock, const char *ifname, uint32_t mtu,
		   struct rs_error **err)
{
	struct ifreq ifr;
	if (ifreq_for(ifname, &ifr, err) < 0)
		return -EINVAL;
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(sock, SIOCSIFMTU, &ifr) < 0)
		return rs_error_set(err, errno, "set MTU %u on `%s`", mtu,
				    ifname);
	return 0;
}

void drv_random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6) {
		/* getrandom(2) does not fail for 6 bytes once the pool is
		 * initialised; fall back to a fixed local address. */
		static const uint8_t fixed[6] = { 0x02, 0, 0, 0, 0, 0x02 };
		memcpy(mac, fixed, 6);
	}
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}

int drv_mac_is_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6];
	return memcmp(mac, zero, 6) == 0;
}

/* The network of `runsc do` (netdo.h). */
#include "netdo.h"
#include "sandbox_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>

#include "drivers/hostnet.h"
#include "portfwd.h"
#include "runsc/cleanup.h"
#include "runsc/fds.h"
#include "runsc/log.h"

/* The sandbox end's name in its namespace, as Docker names it. */
#define SANDBOX_IF  "eth0"
#define SUBNET4_LEN 30
#define SUBNET6_LEN 64
/* How long a runsc do waits for another to finish choosing a subnet. */
#define LOCK_WAIT_MS 5000

/* Private ranges the default subnet comes from, in order: a host that
 * routes all of 10/8 (a VPN) still finds one in the next. */
static const struct {
	uint8_t base[4];
	uint8_t len;
} pools4[] = {
	{ { 10, 200, 0, 0 }, 16 },
	{ { 172, 29, 0, 0 }, 16 },
	{ { 192, 168, 200, 0 }, 24 },
};

/* fd72:756e:7363::/48: a ULA prefix (RFC 4193) spelling "runsc". */
static const uint8_t ula48[6] = { 0xfd, 0x72, 0x75, 0x6e, 0x73, 0x63 };

void rs_do_net_init(struct rs_do_net *n)
{
	memset(n, 0, sizeof(*n));
	n->caller_ns = -1;
	n->sandbox_ns = -1;
	n->capture_fd = -1;
	n->forwarder = -1;
	n->guard = -1;
	n->guard_life = -1;
}

/* "/proc/self/fd/N": a namespace path for drivers/hostnet.h that stays
 * valid wherever this process has moved. */
static const char *fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
	return buf;
}

/* ---- The subnet ------------------------------------------------------ */

/* Held while a subnet is chosen and put on the host end: bound, the name
 * is taken until the fd closes (or the process dies). */
static int subnet_lock(int *fd, struct rs_error **err)
{
	static const char name[] = "runsc-do-subnet-lock";
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	memcpy(sun.sun_path + 1, name, sizeof(name) - 1);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				    sizeof(name));
	for (int waited = 0; waited < LOCK_WAIT_MS; waited += 10) {
		cleanup_close int s =
			socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return rs_error_set(err, errno, "subnet lock");
		if (bind(s, (struct sockaddr *)&sun, len) == 0) {
			*fd = steal_fd(&s);
			return 0;
		}
		if (errno != EADDRINUSE)
			return rs_error_set(err, errno, "subnet lock");
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 },
			  NULL);
	}
	return rs_error_set(err, EBUSY,
			    "subnet lock: another runsc do held it for %d s",
			    LOCK_WAIT_MS / 1000);
}

static bool in_use(const struct drv_hostnet_prefix *used, unsigned nused,
		   int family, const uint8_t *addr, uint8_t len)
{
	struct drv_hostnet_prefix p = { .family = family, .prefix_len = len };
	memcpy(p.addr, addr, family == AF_INET ? 4 : 16);
	return drv_hostnet_prefix_overlaps(used, nused, &p);
}

/* addr += n, addr a big-endian number of len bytes. */
static void add_to(uint8_t *addr, size_t len, uint32_t n)
{
	uint64_t carry = n;
	for (size_t i = len; i-- > 0 && carry;) {
		carry += addr[i];
		addr[i] = (uint8_t)carry;
		carry >>= 8;
	}
}

static int choose4(const struct rs_do_net_args *a,
		   const struct drv_hostnet_prefix *used, unsigned nused,
		   struct rs_do_net *n, uint32_t *index, struct rs_error **err)
{
	uint8_t net[4];
	if (a->subnet4) {
		char txt[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, a->subnet4->addr, txt, sizeof(txt));
		if (a->subnet4->prefix_len > SUBNET4_LEN)
			return rs_error_set(err, 0,
					    "--net-subnet `%s/%u`: too small "
					    "(at most /%d: two addresses)",
					    txt, a->subnet4->prefix_len,
					    SUBNET4_LEN);
		if (in_use(used, nused, AF_INET, a->subnet4->addr,
			   a->subnet4->prefix_len))
			return rs_error_set(err, 0,
					    "--net-subnet `%s/%u`: overlaps an "
					    "address or route of the host",
					    txt, a->subnet4->prefix_len);
		memcpy(net, a->subnet4->addr, 4);
		n->prefix4 = a->subnet4->prefix_len;
		*index = 0;
	} else {
		bool found = false;
		uint32_t base_index = 0;
		for (size_t p = 0;
		     !found && p < sizeof(pools4) / sizeof(*pools4); p++) {
			uint32_t count = 1u << (SUBNET4_LEN - pools4[p].len);
			for (uint32_t k = 0; !found && k < count; k++) {
				memcpy(net, pools4[p].base, 4);
				add_to(net, 4, k << (32 - SUBNET4_LEN));
				found = !in_use(used, nused, AF_INET, net,
						SUBNET4_LEN);
				*index = base_index + k;
			}
			base_index += count;
		}
		if (!found)
			return rs_error_set(err, EADDRINUSE,
					    "no free /%d in 10.200.0.0/16, "
					    "172.29.0.0/16 or 192.168.200.0/24 "
					    "(give one with --net-subnet)",
					    SUBNET4_LEN);
		n->prefix4 = SUBNET4_LEN;
	}
	memcpy(n->host4, net, 4);
	add_to(n->host4, 4, 1);
	memcpy(n->sandbox4, net, 4);
	add_to(n->sandbox4, 4, 2);
	return 0;
}

/* Whether the caller's namespace has IPv6 for new interfaces. */
static bool host_has_ipv6(void)
{
	char c = '1';
	int fd = open("/proc/sys/net/ipv6/conf/default/disable_ipv6",
		      O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t r = read(fd, &c, 1);
	close(fd);
	return r == 1 && c == '0';
}

static int choose6(const struct rs_do_net_args *a,
		   const struct drv_hostnet_prefix *used, unsigned nused,
		   uint32_t index, struct rs_do_net *n, struct rs_error **err)
{
	uint8_t net[16] = { 0 };
	if (a->subnet6) {
		char txt[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, a->subnet6->addr, txt, sizeof(txt));
		if (!host_has_ipv6())
			return rs_error_set(err, 0,
					    "--net-subnet `%s/%u`: the host "
					    "has IPv6 disabled",
					    txt, a->subnet6->prefix_len);
		if (a->subnet6->prefix_len > 126)
			return rs_error_set(err, 0,
					    "--net-subnet `%s/%u`: too small "
					    "(at most /126)",
					    txt, a->subnet6->prefix_len);
		if (in_use(used, nused, AF_INET6, a->subnet6->addr,
			   a->subnet6->prefix_len))
			return rs_error_set(err, 0,
					    "--net-subnet `%s/%u`: overlaps an "
					    "address or route of the host",
					    txt, a->subnet6->prefix_len);
		memcpy(net, a->subnet6->addr, 16);
		n->prefix6 = a->subnet6->prefix_len;
	} else {
		if (!host_has_ipv6())
			return 0;
		bool found = false;
		for (uint32_t k = 0; !found && k < 65536; k++) {
			uint32_t id = (index + k) & 0xffff;
			memset(net, 0, 16);
			memcpy(net, ula48, 6);
			net[6] = (uint8_t)(id >> 8);
			net[7] = (uint8_t)id;
			found = !in_use(used, nused, AF_INET6, net,
					SUBNET6_LEN);
		}
		/* IPv4 alone still works: IPv6 is a bonus here. */
		if (!found)
			return 0;
		n->prefix6 = SUBNET6_LEN;
	}
	n->have6 = true;
	memcpy(n->host6, net, 16);
	add_to(n->host6, 16, 1);
	memcpy(n->sandbox6, net, 16);
	add_to(n->sandbox6, 16, 2);
	return 0;
}

static int choose_subnets(const struct rs_do_net_args *a, struct rs_do_net *n,
			  struct rs_error **err)
{
	struct drv_hostnet_prefix *used;
	unsigned nused;
	int r = drv_hostnet_prefixes(NULL, &used, &nused, err);
	if (r < 0)
		return r;
	uint32_t index = 0;
	r = choose4(a, used, nused, n, &index, err);
	if (r == 0)
		r = choose6(a, used, nused, index, n, err);
	free(used);
	return r;
}

/* ---- Set-up ---------------------------------------------------------- */

static struct drv_hostnet_addr hn_addr(int family, const uint8_t *a,
				       uint8_t len)
{
	struct drv_hostnet_addr h = { .family = family, .prefix_len = len };
	memcpy(h.addr, a, family == AF_INET ? 4 : 16);
	return h;
}

static struct drv_hostnet_route default_via(int family, const uint8_t *gw)
{
	struct drv_hostnet_route r = { .family = family };
	memcpy(r.gateway, gw, family == AF_INET ? 4 : 16);
	return r;
}

/* The host end's addresses, under the subnet lock. */
static int host_side(const char *netns, const char *ifname,
		     const struct rs_do_net *n, struct rs_error **err)
{
	struct drv_hostnet_addr a4 = hn_addr(AF_INET, n->host4, n->prefix4);
	int r = drv_hostnet_addr_add(netns, ifname, &a4, err);
	if (r == 0 && n->have6) {
		struct drv_hostnet_addr a6 =
			hn_addr(AF_INET6, n->host6, n->prefix6);
		r = drv_hostnet_addr_add(netns, ifname, &a6, err);
	}
	if (r == 0)
		r = drv_hostnet_link_up(netns, ifname, err);
	return r;
}

/* The sandbox end, configured in its namespace as a container engine
 * would have left it, for the take-over to find. */
static int sandbox_side(const struct rs_do_net *n, struct rs_error **err)
{
	struct drv_hostnet_addr a4 = hn_addr(AF_INET, n->sandbox4, n->prefix4);
	int r = drv_hostnet_addr_add(NULL, SANDBOX_IF, &a4, err);
	if (r == 0 && n->have6) {
		struct drv_hostnet_addr a6 =
			hn_addr(AF_INET6, n->sandbox6, n->prefix6);
		r = drv_hostnet_addr_add(NULL, SANDBOX_IF, &a6, err);
	}
	if (r == 0)
		r = drv_hostnet_link_up(NULL, SANDBOX_IF, err);
	if (r == 0) {
		struct drv_hostnet_route d4 = default_via(AF_INET, n->host4);
		r = drv_hostnet_route_add(NULL, SANDBOX_IF, &d4, err);
	}
	if (r == 0 && n->have6) {
		struct drv_hostnet_route d6 = default_via(AF_INET6, n->host6);
		r = drv_hostnet_route_add(NULL, SANDBOX_IF, &d6, err);
	}
	return r;
}

static int veth_topology(struct rs_do_net *n, bool dpdk, struct rs_error **err)
{
	/* The new namespace: runsc enters it, keeps an fd, and steps back
	 * to build the pair from the caller's side. */
	if (unshare(CLONE_NEWNET) < 0)
		return rs_error_set(err, errno,
				    "new network namespace (--network "
				    "sandbox needs CAP_NET_ADMIN; "
				    "--network none does not)");
	n->sandbox_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int e = errno;
	if (setns(n->caller_ns, CLONE_NEWNET) < 0)
		return rs_error_set(err, errno,
				    "back to the caller's network "
				    "namespace");
	if (n->sandbox_ns < 0)
		return rs_error_set(err, e, "open the sandbox's namespace");
	snprintf(n->host_if, sizeof(n->host_if), "rsd%d", (int)getpid());
	int r = drv_hostnet_veth_create(NULL, n->host_if, SANDBOX_IF,
					n->sandbox_ns, err);
	if (r < 0) {
		n->host_if[0] = 0;
		return r;
	}
	/* DPDK's net_af_packet sees frames without a virtio header: the
	 * host end must send them with their checksums complete. */
	if (dpdk)
		r = drv_hostnet_tx_csum(NULL, n->host_if, false, err);
	if (r < 0)
		return r;
	return host_side(NULL, n->host_if, n, err);
}

/* ",args=\"...\"": --dpdk-args in the spec grammar's quotes. */
static int dpdk_opts(const char *args, char **out, struct rs_error **err)
{
	*out = NULL;
	if (args == NULL)
		return 0;
	size_t len = strlen(args);
	char *o = malloc(2 * len + 8);
	if (o == NULL)
		return rs_error_set(err, ENOMEM, "--dpdk-args");
	char *p = o + sprintf(o, "args=\"");
	for (const char *a = args; *a; a++) {
		if (*a == '"' || *a == '\\')
			*p++ = '\\';
		*p++ = *a;
	}
	strcpy(p, "\"");
	*out = o;
	return 0;
}

/* The guard's whole life: uid nobody, CAP_NET_ADMIN alone (rtnetlink
 * checks the sender's capabilities as well as the socket opener's), no
 * new privileges, and only what waiting on the pipe and one netlink
 * exchange need: it can open nothing and reads nothing but the pipe. */
static void guard_confine(void)
{
	static const int allowed[] = {
		SCMP_SYS(read),		SCMP_SYS(sendto),
		SCMP_SYS(recvfrom),	SCMP_SYS(recvmsg),
		SCMP_SYS(sendmsg),	SCMP_SYS(close),
		SCMP_SYS(munmap),	SCMP_SYS(brk),
		SCMP_SYS(exit),		SCMP_SYS(exit_group),
		SCMP_SYS(rt_sigreturn), SCMP_SYS(restart_syscall),
	};
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (cap != CAP_NET_ADMIN &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			_exit(1);
	gid_t none[1];
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3
	};
	struct __user_cap_data_struct caps[2] = { 0 };
	caps[0].effective = caps[0].permitted = 1u << CAP_NET_ADMIN;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(0, none) < 0 ||
	    setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0 ||
	    syscall(SYS_capset, &hdr, caps) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(1);
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int r = ctx ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < sizeof(allowed) / sizeof(*allowed);
	     i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r < 0)
		_exit(1);
}

/* Forks the tap's guard (netdo.h) in the caller's namespace. */
static int start_guard(struct rs_do_net *n, struct rs_error **err)
{
	struct drv_hostnet_pending_del *del;
	int r = drv_hostnet_del_prepare(NULL, n->host_if, &del, err);
	if (r < 0)
		return r;
	int life[2];
	if (pipe2(life, O_CLOEXEC) < 0) {
		drv_hostnet_del_free(del);
		return rs_error_set(err, errno, "tap guard: pipe");
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		drv_hostnet_del_free(del);
		close(life[0]);
		close(life[1]);
		return rs_error_set(err, e, "tap guard: fork");
	}
	if (pid == 0) {
		/* Not even stdio: it never prints, and a pipe on runsc's
		 * output must see its end when runsc ends. */
		int keep[] = { life[0], drv_hostnet_del_fd(del) };
		rs_close_all_but(keep, 2);
		/* Only the pipe ends it: not a ^C for the sandbox, not a
		 * hang-up of the terminal. */
		setsid();
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		prctl(PR_SET_NAME, "runsc-netguard", 0, 0, 0);
		guard_confine();
		char c;
		for (;;) {
			ssize_t k = read(life[0], &c, 1);
			if (k == 0 || (k < 0 && errno != EINTR))
				break;
		}
		/* -ENODEV: the Sentry adopted the tap, which went with
		 * it. */
		(void)drv_hostnet_del_commit(del);
		_exit(0);
	}
	close(life[0]);
	drv_hostnet_del_free(del);
	n->guard = pid;
	n->guard_life = life[1];
	return 0;
}

/* The Sentry's side of --net-driver tap, given directly. */
static int tap_topology(struct rs_do_net *n, struct rs_error **err)
{
	snprintf(n->host_if, sizeof(n->host_if), "rst%d", (int)getpid());
	int fd;
	/* Persistent until the Sentry adopts it ("transient"): the host
	 * side's address can only be set on a device that exists. */
	int r = drv_hostnet_tap_create(
		NULL, n->host_if,
		DRV_HOSTNET_TAP_PERSIST | DRV_HOSTNET_TAP_VNET_HDR, &fd, err);
	if (r < 0) {
		n->host_if[0] = 0;
		return r;
	}
	close(fd);
	r = start_guard(n, err);
	if (r == 0)
		r = host_side(NULL, n->host_if, n, err);
	if (r < 0)
		return r;
	snprintf(n->spec, sizeof(n->spec), "tap:name=%s,offload,transient",
		 n->host_if);
	unsigned na = 0, nr = 0;
	n->addrs[na] = (struct ns_ifaddr){ .family = AF_INET,
					   .prefix_len = n->prefix4,
					   .flags = NS_ADDR_F_NODAD };
	memcpy(n->addrs[na++].addr, n->sandbox4, 4);
	n->routes[nr] = (struct ns_route){ .family = AF_INET };
	memcpy(n->routes[nr++].gateway, n->host4, 4);
	if (n->have6) {
		n->addrs[na] = (struct ns_ifaddr){ .family = AF_INET6,
						   .prefix_len = n->prefix6,
						   .flags = NS_ADDR_F_NODAD };
		memcpy(n->addrs[na++].addr, n->sandbox6, 16);
		n->routes[nr] = (struct ns_route){ .family = AF_INET6 };
		memcpy(n->routes[nr++].gateway, n->host6, 16);
	}
	n->nic = (struct drv_nethost_nic){
		.spec = n->spec,
		.name = SANDBOX_IF,
		.addrs = n->addrs,
		.naddrs = na,
		.routes = n->routes,
		.nroutes = nr,
	};
	n->direct.nics = &n->nic;
	n->direct.nnics = 1;
	return 0;
}

int rs_do_net_setup(const struct rs_global *g, const struct rs_do_net_args *a,
		    struct rs_do_net *n, struct sn_net_config *net,
		    struct rs_error **err)
{
	*net = (struct sn_net_config){ .mode = SN_NET_NONE };
	if (g->network != RS_NETWORK_SANDBOX && a->nports)
		return rs_error_set(err, 0,
				    "-p: needs --network sandbox (with "
				    "--network %s there is no sandbox "
				    "address to forward to)",
				    g->network == RS_NETWORK_HOST ? "host"
								  : "none");
	if (g->network != RS_NETWORK_SANDBOX && (a->subnet4 || a->subnet6))
		return rs_error_set(err, 0,
				    "--net-subnet: needs --network sandbox");
	if (g->pcap_log) {
		int r = rs_open_capture(g->pcap_log, &n->capture_fd, err);
		if (r < 0)
			return r;
		n->capture = (struct drv_nethost_capture){
			.fd = n->capture_fd,
			.filter = g->pcap_filter,
		};
	}
	if (g->network == RS_NETWORK_HOST) {
		net->mode = SN_NET_HOST;
		return 0;
	}
	if (g->network == RS_NETWORK_NONE) {
		/* A loopback-only stack; with a capture it still has a
		 * configuration, of no NICs. */
		if (g->pcap_log) {
			n->direct.capture = &n->capture;
			net->nethost = &n->direct;
		}
		return 0;
	}

	n->caller_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (n->caller_ns < 0)
		return rs_error_set(err, errno,
				    "open the caller's network "
				    "namespace");
	cleanup_close int lock = -1;
	int r = subnet_lock(&lock, err);
	if (r == 0)
		r = choose_subnets(a, n, err);
	/* Ports are bound before anything is built: one in use is a
	 * one-line error with nothing to undo. */
	struct rs_portfwd *pf = NULL;
	if (r == 0 && a->nports) {
		struct rs_portfwd_config pc = {
			.maps = a->ports,
			.nmaps = a->nports,
			.target_family = AF_INET,
			.confine = 1,
		};
		memcpy(pc.target, n->sandbox4, 4);
		r = rs_portfwd_bind(&pc, &pf, err);
	}
	if (r == 0)
		r = g->net_driver == RS_NET_DRIVER_TAP
			    ? tap_topology(n, err)
			    : veth_topology(n,
					    g->net_driver == RS_NET_DRIVER_DPDK,
					    err);
	/* The host end holds its addresses: others see the subnet taken. */
	rs_closep(&lock);
	lock = -1;
	/* Forked in the caller's namespace, before runsc leaves it. */
	if (r == 0 && pf) {
		r = rs_portfwd_spawn(pf, &n->forwarder, err);
		pf = NULL; /* consumed */
	}
	rs_portfwd_free(pf);
	if (r < 0)
		return r;

	char sbx4[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, n->sandbox4, sbx4, sizeof(sbx4));
	static const char *const kinds[] = { "afpacket", "tap", "dpdk" };
	rs_debug("net", "sandbox %s/%u via %s (%s)", sbx4, n->prefix4,
		 n->host_if, kinds[g->net_driver]);
	if (g->net_driver == RS_NET_DRIVER_TAP) {
		if (g->pcap_log)
			n->direct.capture = &n->capture;
		*net = (struct sn_net_config){ .mode = SN_NET_SANDBOX,
					       .nethost = &n->direct };
		return 0;
	}
	/* runsc moves into the sandbox's namespace for good: the Sentry
	 * opens its AF_PACKET socket there, as `runsc run` will in a
	 * namespace it is given. */
	if (setns(n->sandbox_ns, CLONE_NEWNET) < 0)
		return rs_error_set(err, errno,
				    "enter the sandbox's network namespace");
	r = sandbox_side(n, err);
	char *opts = NULL;
	if (r == 0 && g->net_driver == RS_NET_DRIVER_DPDK)
		r = dpdk_opts(g->dpdk_args, &opts, err);
	if (r == 0)
		r = drv_hostnet_takeover(
			&(struct drv_hostnet_takeover_config){
				.driver = kinds[g->net_driver],
				.driver_opts = opts },
			&n->takeover, err);
	free(opts);
	if (r < 0)
		return r;
	if (g->pcap_log)
		n->takeover->capture = &n->capture;
	*net = (struct sn_net_config){ .mode = SN_NET_SANDBOX,
				       .nethost = n->takeover };
	return 0;
}

void rs_do_net_teardown(struct rs_do_net *n, bool undo)
{
	rs_portfwd_stop(n->forwarder);
	n->forwarder = -1;
	if (undo && n->host_if[0] && n->caller_ns >= 0) {
		char path[32];
		struct rs_error *err = NULL;
		if (drv_hostnet_link_del(
			    fd_path(path, sizeof(path), n->caller_ns),
			    n->host_if, &err) < 0)
			rs_debug("net", "teardown: %s",
				 err ? err->msg : "link delete");
		rs_error_free(err);
	}
	/* The guard deletes the tap unless it is gone already; waiting
	 * for it means nothing is left when runsc returns. Bounded by its
	 * netlink socket's timeout. */
	rs_closep(&n->guard_life);
	n->guard_life = -1;
	if (n->guard > 0)
		while (waitpid(n->guard, NULL, 0) < 0 && errno == EINTR)
			;
	n->guard = -1;
	drv_hostnet_config_free(n->takeover);
	n->takeover = NULL;
	rs_closep(&n->capture_fd);
	rs_closep(&n->sandbox_ns);
	rs_closep(&n->caller_ns);
	n->capture_fd = n->sandbox_ns = n->caller_ns = -1;
}

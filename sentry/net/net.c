/* The sandbox's network (net.h). */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>

#include "net/net.h"
#include "runsc/log.h"

static void on_net_event(void *arg, uint32_t events)
{
	(void)events;
	struct sn_kernel *k = arg;
	struct sn_net *n = k->net;
	int r = drv_nethost_run(n->host, NULL, NULL);
	if (r < 0 && n->link_error == 0) {
		/* The sandbox keeps running on what is left (loopback,
		 * other NICs); its sockets see the missing link as loss. */
		n->link_error = r;
		rs_log(RS_LOG_WARN, "sentry",
		       "network link failed (%d); its traffic stops", r);
	}
}

int sn_net_open(struct sn_kernel *k, const struct sn_net_config *cfg,
		struct rs_error **err)
{
	struct sn_net *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return rs_error_set(err, ENOMEM, "network");
	n->mode = cfg->mode;
	rs_list_init(&n->socks);
	rs_list_init(&n->netlink);
	rs_list_init(&n->unix_socks);
	/* Socket inodes start where Linux's sockfs numbers typically are:
	 * large, and unlike the Sentry's own heap addresses. */
	n->next_ino = 1000000;
	k->net = n;
	if (n->mode == SN_NET_HOST) {
		/* Every application socket is a host fd of the Sentry: the
		 * sandbox's sockets may use all the fds the Sentry may have
		 * (the application's own limit is RLIMIT_NOFILE in the
		 * Sentry's process state). */
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		return 0;
	}
	static const struct drv_nethost_config loopback_only;
	int r = drv_nethost_open(cfg->nethost ? cfg->nethost : &loopback_only,
				 &n->host, err);
	if (r < 0)
		return r;
	n->stack = drv_nethost_stack(n->host);
	r = sn_loop_add_fd(k->loop, drv_nethost_fd(n->host), EPOLLIN,
			   on_net_event, k);
	if (r < 0)
		return rs_error_set(err, -r, "watch the network");
	return 0;
}

void sn_net_close(struct sn_kernel *k)
{
	struct sn_net *n = k->net;
	if (n == NULL)
		return;
	if (n->host) {
		sn_loop_del_fd(k->loop, drv_nethost_fd(n->host));
		drv_nethost_close(n->host);
	}
	free(n);
	k->net = NULL;
}

void sn_net_idle(struct sn_kernel *k)
{
	if (k->net && k->net->host)
		drv_nethost_flush(k->net->host);
}

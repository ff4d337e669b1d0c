/* The sandbox's network in runsc's namespace (sandbox_net.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "drivers/hostnet.h"
#include "runsc/cleanup.h"
#include "runsc/log.h"
#include "sandbox_net.h"

/* How long --pcap-log waits for a reader to open its fifo. */
#define FIFO_WAIT_MS 30000

void rs_sandbox_net_init(struct rs_sandbox_net *n)
{
	memset(n, 0, sizeof(*n));
	n->capture_fd = -1;
}

int rs_open_capture(const char *path, int *out, struct rs_error **err)
{
	if (strcmp(path, "-") == 0) {
		*out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		return *out < 0 ? rs_error_set(err, errno, "--pcap-log `-`")
				: 0;
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		if (strlen(path) >= sizeof(sun.sun_path))
			return rs_error_set(err, ENAMETOOLONG,
					    "--pcap-log `%s`", path);
		strcpy(sun.sun_path, path);
		cleanup_close int s =
			socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0 ||
		    connect(s, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			return rs_error_set(err, errno,
					    "--pcap-log `%s`: connect", path);
		*out = steal_fd(&s);
		return 0;
	}
	if (stat(path, &st) == 0 && S_ISFIFO(st.st_mode)) {
		/* Without O_NONBLOCK the open would wait for a reader for
		 * ever; ENXIO means none has opened it yet. */
		for (int waited = 0; waited < FIFO_WAIT_MS; waited += 20) {
			int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0) {
				*out = fd;
				return 0;
			}
			if (errno != ENXIO)
				return rs_error_set(err, errno,
						    "--pcap-log `%s`", path);
			nanosleep(&(struct timespec){ .tv_nsec = 20000000 },
				  NULL);
		}
		return rs_error_set(
			err, ENXIO,
			"--pcap-log `%s`: no reader opened the fifo "
			"in %d s",
			path, FIFO_WAIT_MS / 1000);
	}
	*out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	return *out < 0 ? rs_error_set(err, errno, "--pcap-log `%s`", path) : 0;
}

int rs_sandbox_net_setup(const struct rs_global *g, struct rs_sandbox_net *n,
			 struct sn_net_config *net, struct rs_error **err)
{
	*net = (struct sn_net_config){ .mode = SN_NET_NONE };
	if (g->pcap_log) {
		int r = rs_open_capture(g->pcap_log, &n->capture_fd, err);
		if (r < 0)
			return r;
		n->capture = (struct drv_nethost_capture){
			.fd = n->capture_fd,
			.filter = g->pcap_filter,
		};
	}
	switch (g->network) {
	case RS_NETWORK_HOST:
		net->mode = SN_NET_HOST;
		return 0;
	case RS_NETWORK_NONE:
		/* A loopback-only stack; with a capture it still has a
		 * configuration, of no NICs. */
		if (g->pcap_log) {
			n->direct.capture = &n->capture;
			net->nethost = &n->direct;
		}
		return 0;
	case RS_NETWORK_SANDBOX:
		break;
	}
	if (g->net_driver == RS_NET_DRIVER_TAP)
		return rs_error_set(err, ENOTSUP,
				    "--net-driver tap: only `runsc do` makes a "
				    "tap; a container's interfaces are taken "
				    "over with afpacket");
	struct rs_error *terr = NULL;
	int r = drv_hostnet_takeover(
		&(struct drv_hostnet_takeover_config){ .driver = "afpacket" },
		&n->takeover, &terr);
	if (r == -ENODEV) {
		/* A namespace with nothing up but lo (docker run --network
		 * none): the sandbox's own loopback is all there is. */
		rs_debug("net", "no interface to take over: loopback only");
		rs_error_free(terr);
		if (g->pcap_log) {
			n->direct.capture = &n->capture;
			net->nethost = &n->direct;
		}
		return 0;
	}
	if (r < 0) {
		if (err)
			*err = terr;
		else
			rs_error_free(terr);
		return r;
	}
	if (g->pcap_log)
		n->takeover->capture = &n->capture;
	*net = (struct sn_net_config){ .mode = SN_NET_SANDBOX,
				       .nethost = n->takeover };
	return 0;
}

void rs_sandbox_net_free(struct rs_sandbox_net *n)
{
	drv_hostnet_config_free(n->takeover);
	n->takeover = NULL;
	if (n->capture_fd >= 0)
		close(n->capture_fd);
	n->capture_fd = -1;
}

/* Interface ioctls on sockets. Interim: none answered yet. */
#include <errno.h>

#include "net/sock.h"

long sn_netdev_ioctl(struct sn_task *t, unsigned long cmd, uint64_t arg)
{
	(void)t;
	(void)cmd;
	(void)arg;
	return -ENOTTY;
}

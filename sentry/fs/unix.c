/* AF_UNIX sockets inside the Sentry. */
#include <errno.h>
#include <stdlib.h>

#include "fs/fs.h"
#include "fs/tmpfs.h"

void sn_unix_unbind_node(struct tnode *n)
{
	n->bound = NULL;
}

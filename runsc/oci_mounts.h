/* An OCI config's mounts as the sandbox provides them. `runsc create`
 * starts the gofer with the bind mounts and `runsc boot` mounts the same
 * list in the Sentry, both from this one plan, so they always agree.
 *
 *   bind (type "bind", or an option bind/rbind)
 *                      served by the gofer: a directory, or a single file
 *                      (Docker's /etc/hosts, /etc/resolv.conf); a relative
 *                      source is relative to the bundle, as runc, which
 *                      engines run in the bundle directory
 *   tmpfs              a tmpfs of the Sentry's (size= and mode= honoured);
 *                      one at /dev is the Sentry's own /dev
 *   proc at /proc, devpts and mqueue under /dev
 *                      the Sentry's own /proc and /dev provide them
 *   sysfs, cgroup, cgroup2
 *                      an empty read-only directory: the sandbox shows no
 *                      host devices or cgroups (gVisor shows a synthetic,
 *                      mostly empty /sys as well)
 *   anything else      an error naming the mount: a block device or a
 *                      network file system cannot be mounted by a sandbox
 *                      that owns no host kernel mounts
 *
 * A bind of a device node under /dev (docker --device) is the Sentry's
 * /dev's business and is left out with a warning.
 */
#ifndef RUNSC_OCI_MOUNTS_H
#define RUNSC_OCI_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "gofer_start.h"
#include "oci_spec.h"
#include "runsc/error.h"
#include "sentry/sentry.h"

struct rs_mount_plan {
	/* The Sentry's mounts, in the config's order (later ones cover
	 * earlier ones at the same path). path points into the spec. */
	struct sn_mount_spec *sentry;
	size_t nsentry;
	/* The gofer's exports (the SN_MOUNT_GOFER entries above): dest
	 * points into the spec, source is owned (resolved). */
	struct rs_gofer_mount *gofer;
	size_t ngofer;
};

/* Builds the plan for spec; the bind sources must exist. Errors name the
 * mount ("config.json: mounts[3] (/data): source `/x`: No such file").
 * The plan borrows from spec. */
int rs_mount_plan_build(const struct rs_oci_spec *spec,
			struct rs_mount_plan *plan, struct rs_error **err);

void rs_mount_plan_free(struct rs_mount_plan *plan);

/* Makes the mount points the plan needs inside the host directory rootfs
 * where they are missing, as runc does before mounting: directories, and
 * empty files for single-file binds, so that the container's `ls /`
 * lists /proc, /dev and /sys as under runc. Never follows a symbolic
 * link (a destination through one is left to the Sentry to resolve), and
 * a root that cannot be written (read-only media) is not an error: the
 * Sentry mounts over missing points anyway. */
void rs_mount_plan_make_points(const struct rs_mount_plan *plan,
			       const char *rootfs);

#endif

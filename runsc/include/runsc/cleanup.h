/* Scope-bound cleanup for setup code (crun and bubblewrap's idiom).
 *
 *   cleanup_free char *path = NULL;   freed when it goes out of scope
 *   cleanup_close int fd = -1;        closed when it goes out of scope
 *   return steal_fd(&fd);             hand over: the variable becomes -1
 *
 * Not for the data plane: hot paths manage memory explicitly.
 */
#ifndef RUNSC_CLEANUP_H
#define RUNSC_CLEANUP_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "runsc/error.h"

static inline void rs_freep(void *p)
{
	free(*(void **)p);
}

static inline void rs_closep(const int *fd)
{
	if (*fd >= 0) {
		/* A close in cleanup must not clobber the errno being reported. */
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void rs_errorp(struct rs_error **err)
{
	rs_error_free(*err);
}

#define cleanup_free  __attribute__((cleanup(rs_freep)))
#define cleanup_close __attribute__((cleanup(rs_closep)))
#define cleanup_error __attribute__((cleanup(rs_errorp)))

/* Takes ownership of *pp: returns it and leaves NULL behind. */
#define steal_pointer(pp)                          \
	({                                         \
		__typeof__(*(pp)) stolen_ = *(pp); \
		*(pp) = NULL;                      \
		stolen_;                           \
	})

static inline int steal_fd(int *fd)
{
	int stolen = *fd;
	*fd = -1;
	return stolen;
}

#endif

/* The capture sink: see capsink.h. */
#include "capsink.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drivers/driver.h"

enum sink_kind {
	SINK_FILE,   /* regular file: writes do not wait on a reader */
	SINK_SOCKET, /* send(MSG_DONTWAIT | MSG_NOSIGNAL) */
	SINK_STREAM, /* pipe, FIFO, terminal: poll, then PIPE_BUF at most */
};

struct capsink {
	int fd;
	enum sink_kind kind;
	int error; /* positive errno once the fd broke */
	uint8_t *buf;
	size_t cap;
	size_t start; /* first byte not yet written to the fd */
	size_t end;   /* first free byte */
};

size_t capsink_pending(const struct capsink *s)
{
	return s->end - s->start;
}

bool capsink_room(const struct capsink *s, size_t n)
{
	return s->error == 0 && n <= s->cap - capsink_pending(s);
}

int capsink_error(const struct capsink *s)
{
	return s->error;
}

/* The stream's write function. The sniffer checks capsink_room() before
 * each record, so a short write here only happens when the sink broke:
 * the bytes are then accepted and discarded, as stdio must not see an
 * error in the middle of a record. */
static ssize_t cookie_write(void *cookie, const char *data, size_t len)
{
	struct capsink *s = cookie;
	if (s->error || len > s->cap - capsink_pending(s))
		return (ssize_t)len;
	if (len > s->cap - s->end) {
		memmove(s->buf, s->buf + s->start, capsink_pending(s));
		s->end -= s->start;
		s->start = 0;
	}
	memcpy(s->buf + s->end, data, len);
	s->end += len;
	return (ssize_t)len;
}

static int cookie_close(void *cookie)
{
	(void)cookie; /* the sink outlives the stream */
	return 0;
}

int capsink_new(int fd, size_t capacity, struct capsink **out, FILE **file)
{
	struct capsink *s = calloc(1, sizeof(*s));
	uint8_t *buf = malloc(capacity);
	if (s == NULL || buf == NULL) {
		free(s);
		free(buf);
		close(fd);
		return -ENOMEM;
	}
	s->fd = fd;
	s->buf = buf;
	s->cap = capacity;
	struct stat st;
	bool known = fstat(fd, &st) == 0;
	if (known && S_ISREG(st.st_mode))
		s->kind = SINK_FILE;
	else if (known && S_ISSOCK(st.st_mode))
		s->kind = SINK_SOCKET;
	else
		s->kind = SINK_STREAM;
	FILE *f = fopencookie(s, "w",
			      (cookie_io_functions_t){ .write = cookie_write,
						       .close = cookie_close });
	if (f == NULL || setvbuf(f, NULL, _IONBF, 0) != 0) {
		if (f)
			fclose(f);
		capsink_free(s);
		return -ENOMEM;
	}
	*out = s;
	*file = f;
	return 0;
}

/* write(2) that turns the SIGPIPE of a vanished reader into EPIPE: the
 * signal is blocked in this thread for the call and a SIGPIPE it raised
 * is consumed (the technique of libcurl and OpenSSL; a library must not
 * change the process's dispositions). */
static ssize_t write_no_sigpipe(int fd, const void *data, size_t len)
{
	sigset_t pipe_set, old, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	bool was_pending = sigismember(&pending, SIGPIPE);
	ssize_t n = write(fd, data, len);
	int saved = errno;
	if (n < 0 && saved == EPIPE && !was_pending) {
		const struct timespec zero = { 0, 0 };
		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return n;
}

static bool stream_writable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	return poll(&p, 1, timeout_ms) == 1 &&
	       (p.revents & (POLLOUT | POLLERR));
}

/* One write of what the fd takes now: > 0 bytes written, 0 when it would
 * block, or a negative errno. */
static ssize_t write_some(struct capsink *s, int timeout_ms)
{
	const uint8_t *p = s->buf + s->start;
	size_t len = capsink_pending(s);
	ssize_t n;
	switch (s->kind) {
	case SINK_FILE:
		n = write_no_sigpipe(s->fd, p, len);
		break;
	case SINK_SOCKET:
		if (timeout_ms > 0 && !stream_writable(s->fd, timeout_ms))
			return 0;
		n = send(s->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		break;
	default:
		/* A pipe that polls writable takes PIPE_BUF bytes without
		 * blocking (pipe(7)): the fd may be blocking and is not
		 * ours to switch to O_NONBLOCK. */
		if (!stream_writable(s->fd, timeout_ms))
			return 0;
		n = write_no_sigpipe(s->fd, p, len < PIPE_BUF ? len : PIPE_BUF);
		break;
	}
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	return n;
}

static int drain(struct capsink *s, int timeout_ms)
{
	if (s->error)
		return -s->error;
	while (capsink_pending(s) > 0) {
		ssize_t n = write_some(s, timeout_ms);
		if (n < 0) {
			s->error = (int)-n;
			s->start = s->end = 0;
			return (int)n;
		}
		if (n == 0)
			return -EAGAIN;
		s->start += (size_t)n;
	}
	s->start = s->end = 0;
	return 0;
}

int capsink_drain(struct capsink *s)
{
	return drain(s, 0);
}

int capsink_drain_wait(struct capsink *s, int timeout_ms)
{
	uint64_t t0 = drv_monotonic_ns();
	for (;;) {
		int64_t left = timeout_ms -
			       (int64_t)((drv_monotonic_ns() - t0) / 1000000);
		int r = drain(s, left > 0 ? (int)left : 0);
		if (r != -EAGAIN || left <= 0)
			return r;
	}
}

void capsink_free(struct capsink *s)
{
	if (s == NULL)
		return;
	close(s->fd);
	free(s->buf);
	free(s);
}

/* Differential test: TCP data and teardown. The data calls (send, recv,
 * read, write, readv, writev, sendmsg, recvmsg, sendmmsg, recvmmsg) and
 * their flags, a large checksummed transfer, sendfile, shutdown in every
 * order, EPIPE and SIGPIPE, resets from unread data and SO_LINGER. */
#include "t_inet.h"
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/uio.h>

static volatile sig_atomic_t sigpipes;

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

static void recv_str(const char *what, int fd, size_t n, int flags)
{
	char buf[256] = { 0 };
	ssize_t r = recv(fd, buf, n < sizeof(buf) ? n : sizeof(buf) - 1, flags);
	int e = errno;
	if (r < 0)
		printf("%s: -1 %s\n", what, en(e));
	else
		printf("%s: %zd \"%.*s\"\n", what, r, (int)r, buf);
}

static void data_calls(int fam)
{
	int c, s;
	char buf[256];
	printf("-- data calls %s\n", fam == AF_INET ? "tcp4" : "tcp6");
	if (tcp_pair(fam, &c, &s) < 0) {
		printf("tcp_pair: -1 %s\n", en(errno));
		return;
	}
	val("write 5", write(c, "hello", 5));
	wait_inq(s, 5);
	memset(buf, 0, sizeof(buf));
	val("read", read(s, buf, sizeof(buf)));
	printf("  \"%s\"\n", buf);
	val("send 6", send(s, "world!", 6, 0));
	wait_inq(c, 6);
	recv_str("recv MSG_PEEK 3", c, 3, MSG_PEEK);
	recv_str("recv MSG_PEEK 100", c, 100, MSG_PEEK);
	recv_str("recv 4", c, 4, 0);
	recv_str("recv rest", c, 100, 0);
	recv_str("recv MSG_DONTWAIT empty", c, 100, MSG_DONTWAIT);
	char z;
	val("recv 0 bytes", recv(c, &z, 0, MSG_DONTWAIT));
	val("send 0 bytes", send(c, "", 0, 0));

	struct iovec wv[3] = { { "ab", 2 }, { "", 0 }, { "cdefg", 5 } };
	val("writev 3 iovecs", writev(c, wv, 3));
	wait_inq(s, 7);
	char r1[3] = { 0 }, r2[10] = { 0 };
	struct iovec rv[2] = { { r1, 2 }, { r2, 9 } };
	val("readv 2 iovecs", readv(s, rv, 2));
	printf("  \"%s\" \"%s\"\n", r1, r2);

	struct sockaddr_storage junk = { 0 };
	socklen_t jl = lo_addr(fam, &junk, 9);
	val("sendto with an address on connected tcp",
	    sendto(c, "to", 2, 0, (struct sockaddr *)&junk, jl));
	wait_inq(s, 2);
	struct sockaddr_storage from = { 0 };
	socklen_t fl = sizeof(from);
	memset(&from, 0xee, sizeof(from));
	ssize_t n =
		recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	printf("recvfrom on tcp: %zd addrlen %u family %d\n", n, fl,
	       from.ss_family);

	struct iovec mv[2] = { { "sm", 2 }, { "sg", 2 } };
	struct msghdr m = { .msg_iov = mv, .msg_iovlen = 2 };
	val("sendmsg 2 iovecs", sendmsg(c, &m, 0));
	wait_inq(s, 4);
	char mb[8] = { 0 };
	struct iovec riov = { mb, sizeof(mb) - 1 };
	char ctl[64];
	struct msghdr rm = { .msg_name = &from,
			     .msg_namelen = sizeof(from),
			     .msg_iov = &riov,
			     .msg_iovlen = 1,
			     .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	n = recvmsg(s, &rm, 0);
	printf("recvmsg: %zd \"%s\" namelen %u controllen %zu flags 0x%x\n", n,
	       mb, rm.msg_namelen, rm.msg_controllen, rm.msg_flags);

	struct iovec mmi[2] = { { "one", 3 }, { "two", 3 } };
	struct mmsghdr mm[2];
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 2; i++) {
		mm[i].msg_hdr.msg_iov = &mmi[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	val("sendmmsg 2", sendmmsg(c, mm, 2, 0));
	printf("  msg_len %u %u\n", mm[0].msg_len, mm[1].msg_len);
	wait_inq(s, 6);
	char rb[2][8];
	memset(rb, 0, sizeof(rb));
	struct iovec rmi[2] = { { rb[0], 4 }, { rb[1], 4 } };
	struct mmsghdr rmm[2];
	memset(rmm, 0, sizeof(rmm));
	for (int i = 0; i < 2; i++) {
		rmm[i].msg_hdr.msg_iov = &rmi[i];
		rmm[i].msg_hdr.msg_iovlen = 1;
	}
	val("recvmmsg 2 on a stream", recvmmsg(s, rmm, 2, MSG_DONTWAIT, NULL));
	printf("  msg_len %u %u \"%s\" \"%s\"\n", rmm[0].msg_len,
	       rmm[1].msg_len, rb[0], rb[1]);

	/* MSG_TRUNC on TCP discards the bytes instead of copying them. */
	send(c, "abcdef", 6, 0);
	wait_inq(s, 6);
	val("recv MSG_TRUNC 3 (NULL buffer)", recv(s, NULL, 3, MSG_TRUNC));
	recv_str("recv after MSG_TRUNC", s, 100, 0);

	/* MSG_WAITALL: all bytes or the end of the stream. */
	send(c, "0123456789", 10, 0);
	wait_inq(s, 10);
	struct timeval tv = { 0, 200000 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	val("recv 20 MSG_WAITALL with 10 queued, 200 ms timeout",
	    recv(s, buf, 20, MSG_WAITALL));
	val("recv MSG_WAITALL|MSG_DONTWAIT on empty",
	    recv(s, buf, 20, MSG_WAITALL | MSG_DONTWAIT));
	bound(s, 3000);
	send(c, "0123456789", 10, 0);
	shutdown(c, SHUT_WR);
	val("recv 20 MSG_WAITALL, 10 then FIN", recv(s, buf, 20, MSG_WAITALL));
	val("recv after FIN", recv(s, buf, 20, MSG_WAITALL));

	/* Urgent data. */
	val("send MSG_OOB", send(s, "U", 1, MSG_OOB));
	wait_ev(c, POLLPRI);
	int mark = -1;
	ioctl(c, SIOCATMARK, &mark);
	printf("SIOCATMARK: %d\n", mark);
	recv_str("recv MSG_OOB", c, 10, MSG_OOB);
	recv_str("recv MSG_OOB again", c, 10, MSG_OOB);
	close(c);
	close(s);
}

struct writer {
	int fd;
	size_t total;
	size_t chunk;
	ssize_t sent;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	unsigned char *buf = malloc(w->chunk);
	size_t off = 0;
	while (off < w->total) {
		size_t n =
			w->total - off < w->chunk ? w->total - off : w->chunk;
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(off + i);
		ssize_t r = send(w->fd, buf, n, MSG_NOSIGNAL);
		if (r <= 0)
			break;
		off += r;
	}
	w->sent = off;
	shutdown(w->fd, SHUT_WR);
	free(buf);
	return NULL;
}

/* Several MiB each way at once, checksummed: the flows, windows and
 * buffering have to hold up under both directions at the same time. */
static void large(int fam)
{
	int c, s;
	const size_t total = 6 << 20;
	if (tcp_pair(fam, &c, &s) < 0) {
		printf("large: tcp_pair -1 %s\n", en(errno));
		return;
	}
	struct writer w1 = { c, total, 65536, 0 }, w2 = { s, total, 7000, 0 };
	pthread_t t1, t2;
	pthread_create(&t1, NULL, writer_main, &w1);
	pthread_create(&t2, NULL, writer_main, &w2);
	uint64_t want = csum_add(0, NULL, 0);
	{
		unsigned char tmp[4096];
		for (size_t off = 0; off < total; off += sizeof(tmp)) {
			for (size_t i = 0; i < sizeof(tmp); i++)
				tmp[i] = pattern(off + i);
			want = csum_add(want, tmp, sizeof(tmp));
		}
	}
	/* Read both ends from this thread, alternating, with poll. */
	uint64_t got[2] = { 0, 0 };
	size_t n[2] = { 0, 0 };
	int eof[2] = { 0, 0 };
	int fds[2] = { s, c };
	unsigned char *buf = malloc(1 << 17);
	long end = now_ms() + 8000;
	while ((!eof[0] || !eof[1]) && now_ms() < end) {
		struct pollfd p[2] = { { fds[0], eof[0] ? 0 : POLLIN, 0 },
				       { fds[1], eof[1] ? 0 : POLLIN, 0 } };
		if (poll(p, 2, 1000) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = recv(fds[i], buf, 1 << 17, MSG_DONTWAIT);
			if (r > 0) {
				got[i] = csum_add(got[i], buf, r);
				n[i] += r;
			} else if (r == 0 || errno != EAGAIN) {
				eof[i] = 1;
			}
		}
	}
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	free(buf);
	for (int i = 0; i < 2; i++)
		printf("large %s %s: %zu bytes sent, %zu received, checksum "
		       "%s\n",
		       fam == AF_INET ? "tcp4" : "tcp6",
		       i ? "server->client" : "client->server",
		       (size_t)(i ? w2.sent : w1.sent), n[i],
		       got[i] == want && n[i] == total ? "match" : "differs");
	close(c);
	close(s);
}

static void sendfile_test(void)
{
	const size_t size = 1 << 20;
	char path[] = "/tmp/t_inet_sendfile.XXXXXX";
	int f = mkstemp(path);
	unlink(path);
	unsigned char *buf = malloc(size);
	for (size_t i = 0; i < size; i++)
		buf[i] = pattern(i);
	printf("file write: %zd\n", write(f, buf, size));
	uint64_t want = csum_add(0, buf + 1000, size - 1000);
	int c, s;
	if (tcp_pair(AF_INET, &c, &s) < 0) {
		printf("sendfile: tcp_pair -1 %s\n", en(errno));
		close(f);
		free(buf);
		return;
	}
	off_t off = 1000;
	size_t left = size - 1000;
	uint64_t got = csum_add(0, NULL, 0);
	size_t rcvd = 0;
	long end = now_ms() + 5000;
	int err = 0;
	fcntl(c, F_SETFL, O_NONBLOCK);
	while ((left > 0 || rcvd < size - 1000) && now_ms() < end) {
		if (left > 0) {
			ssize_t r = sendfile(c, f, &off, left);
			if (r > 0)
				left -= r;
			else if (r < 0 && errno != EAGAIN) {
				err = errno;
				break;
			}
		}
		ssize_t r = recv(s, buf, size, MSG_DONTWAIT);
		if (r > 0) {
			got = csum_add(got, buf, r);
			rcvd += r;
		} else if (r == 0) {
			break;
		}
	}
	printf("sendfile 1 MiB - 1000 from offset 1000: err %s, offset at end "
	       "%s, received %zu, checksum %s\n",
	       err ? en(err) : "none", off == (off_t)size ? "size" : "other",
	       rcvd, got == want ? "match" : "differs");
	printf("file position unchanged: %d\n",
	       lseek(f, 0, SEEK_CUR) == (off_t)size);
	lseek(f, 0, SEEK_SET);
	val("sendfile NULL offset, 10 bytes", sendfile(c, f, NULL, 10));
	printf("file position after: %ld\n", (long)lseek(f, 0, SEEK_CUR));
	off = size;
	val("sendfile at end of file", sendfile(c, f, &off, 10));
	ok("sendfile from a socket", sendfile(c, s, NULL, 10));
	int u = socket(AF_INET, SOCK_STREAM, 0);
	sigpipes = 0;
	off = 0;
	ok("sendfile to an unconnected socket", sendfile(u, f, &off, 10));
	printf("  SIGPIPE %d\n", (int)sigpipes);
	close(u);
	close(f);
	close(c);
	close(s);
	free(buf);
}

static void sig_pipe_setup(void)
{
	struct sigaction sa = { .sa_handler = on_sigpipe };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
}

static void shutdowns(int fam)
{
	int c, s;
	char buf[64];
	const char *v = fam == AF_INET ? "tcp4" : "tcp6";
	printf("-- shutdown %s\n", v);
	int t = socket(fam, SOCK_STREAM, 0);
	sigpipes = 0;
	ok("fresh socket: recv", recv(t, buf, 1, 0));
	ok("fresh socket: send", send(t, "x", 1, 0));
	printf("  SIGPIPE %d\n", (int)sigpipes);
	ok("fresh socket: send MSG_NOSIGNAL", send(t, "x", 1, MSG_NOSIGNAL));
	printf("  SIGPIPE %d\n", (int)sigpipes);
	/* A failed shutdown of an unconnected socket still marks it shut:
	 * reads then return 0 rather than ENOTCONN. */
	ok("shutdown unconnected SHUT_RD", shutdown(t, SHUT_RD));
	ok("shutdown unconnected SHUT_WR", shutdown(t, SHUT_WR));
	ok("shutdown bad how 3", shutdown(t, 3));
	ok("shutdown bad how -1", shutdown(t, -1));
	sigpipes = 0;
	ok("send on unconnected after shutdown", send(t, "x", 1, 0));
	printf("  SIGPIPE %d\n", (int)sigpipes);
	ok("send MSG_NOSIGNAL on unconnected", send(t, "x", 1, MSG_NOSIGNAL));
	printf("  SIGPIPE %d\n", (int)sigpipes);
	val("recv on unconnected after shutdown", recv(t, buf, 1, 0));
	val("read on unconnected after shutdown", read(t, buf, 1));
	ok("write on unconnected", write(t, "x", 1));
	printf("  SIGPIPE %d\n", (int)sigpipes);
	close(t);
	int l = lo_listener(fam, 4);
	ok("recv on listener", recv(l, buf, 1, MSG_DONTWAIT));
	ok("send on listener", send(l, "x", 1, MSG_NOSIGNAL));
	ok("shutdown listener SHUT_WR", shutdown(l, SHUT_WR));
	printf("  SO_ACCEPTCONN %d\n", int_opt(l, SOL_SOCKET, SO_ACCEPTCONN));
	ok("shutdown listener SHUT_RD", shutdown(l, SHUT_RD));
	printf("  SO_ACCEPTCONN %d\n", int_opt(l, SOL_SOCKET, SO_ACCEPTCONN));
	ok("  accept after", accept(l, NULL, NULL));
	close(l);

	/* Half-close: the client stops sending, still receives. */
	tcp_pair(fam, &c, &s);
	ok("client SHUT_WR", shutdown(c, SHUT_WR));
	val("server read (EOF)", read(s, buf, sizeof(buf)));
	val("server read again", read(s, buf, sizeof(buf)));
	val("server write after peer SHUT_WR", write(s, "back", 4));
	wait_inq(c, 4);
	val("client read", read(c, buf, sizeof(buf)));
	sigpipes = 0;
	ok("client write after own SHUT_WR", write(c, "x", 1));
	printf("  SIGPIPE %d\n", (int)sigpipes);
	ok("client send MSG_NOSIGNAL after own SHUT_WR",
	   send(c, "x", 1, MSG_NOSIGNAL));
	printf("  SIGPIPE %d\n", (int)sigpipes);
	ok("client SHUT_WR again", shutdown(c, SHUT_WR));
	ok("server SHUT_WR", shutdown(s, SHUT_WR));
	val("client read EOF", read(c, buf, sizeof(buf)));
	ok("client SHUT_RDWR", shutdown(c, SHUT_RDWR));
	close(c);
	close(s);

	/* SHUT_RD: reads see EOF once the queue is empty, but data still
	 * queued, or arriving later, is delivered. */
	tcp_pair(fam, &c, &s);
	send(s, "before", 6, 0);
	wait_inq(c, 6);
	ok("client SHUT_RD with 6 bytes queued", shutdown(c, SHUT_RD));
	val("client read", read(c, buf, sizeof(buf)));
	val("client read again", read(c, buf, sizeof(buf)));
	val("server send after client SHUT_RD", send(s, "after", 5, 0));
	printf("  client FIONREAD after: %d\n", wait_inq(c, 5));
	val("client read", read(c, buf, sizeof(buf)));
	val("client write after own SHUT_RD", write(c, "ok", 2));
	wait_inq(s, 2);
	val("server read", read(s, buf, sizeof(buf)));
	close(c);
	close(s);

	/* SHUT_RDWR on one side. */
	tcp_pair(fam, &c, &s);
	ok("server SHUT_RDWR", shutdown(s, SHUT_RDWR));
	val("client read (EOF)", read(c, buf, sizeof(buf)));
	val("server read", read(s, buf, sizeof(buf)));
	sigpipes = 0;
	ok("server write", write(s, "x", 1));
	printf("  SIGPIPE %d\n", (int)sigpipes);
	val("client write after peer SHUT_RDWR", write(c, "x", 1));
	wait_ev(c, POLLERR);
	ok("client second write", write(c, "x", 1));
	printf("  SIGPIPE %d\n", (int)sigpipes);
	close(c);
	close(s);

	/* The peer has closed: the first write is accepted and answered by
	 * a reset, the second fails. */
	tcp_pair(fam, &c, &s);
	close(s);
	val("read after peer close", read(c, buf, sizeof(buf)));
	sigpipes = 0;
	val("write after peer close", write(c, "x", 1));
	wait_ev(c, POLLERR);
	printf("  poll %s\n", poll_now(c));
	ok("second write", write(c, "x", 1));
	printf("  SIGPIPE %d\n", (int)sigpipes);
	ok("third write", write(c, "x", 1));
	printf("  SIGPIPE %d SO_ERROR %d\n", (int)sigpipes,
	       int_opt(c, SOL_SOCKET, SO_ERROR));
	val("read", read(c, buf, sizeof(buf)));
	close(c);
}

static void resets(int fam)
{
	int c, s;
	char buf[64];
	const char *v = fam == AF_INET ? "tcp4" : "tcp6";
	printf("-- resets %s\n", v);
	/* Closing with unread data sends RST instead of FIN. */
	tcp_pair(fam, &c, &s);
	send(c, "unread", 6, 0);
	wait_inq(s, 6);
	close(s);
	wait_ev(c, POLLERR);
	printf("close with unread data: peer poll %s\n", poll_now(c));
	ok("  peer recv", recv(c, buf, sizeof(buf), 0));
	val("  peer recv again", recv(c, buf, sizeof(buf), 0));
	printf("  SO_ERROR %d\n", int_opt(c, SOL_SOCKET, SO_ERROR));
	ok("  peer send", send(c, "x", 1, MSG_NOSIGNAL));
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);
	ok("  getpeername", getpeername(c, (struct sockaddr *)&ss, &len));
	close(c);

	/* The reset also discards what the peer had not read yet. */
	tcp_pair(fam, &c, &s);
	send(s, "pending", 7, 0);
	wait_inq(c, 7);
	send(c, "unread", 6, 0);
	wait_inq(s, 6);
	close(s);
	wait_ev(c, POLLERR);
	int q = -1;
	ioctl(c, FIONREAD, &q);
	printf("reset with data queued at the peer: FIONREAD %d\n", q);
	val("  recv", recv(c, buf, sizeof(buf), 0));
	ok("  recv again", recv(c, buf, sizeof(buf), 0));
	val("  and again", recv(c, buf, sizeof(buf), 0));
	close(c);

	/* SO_LINGER {1, 0}: close resets at once. */
	tcp_pair(fam, &c, &s);
	struct linger lg = { 1, 0 };
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s);
	wait_ev(c, POLLERR);
	printf("SO_LINGER {1,0} close: peer poll %s\n", poll_now(c));
	ok("  peer read", read(c, buf, sizeof(buf)));
	val("  peer read again", read(c, buf, sizeof(buf)));
	close(c);

	/* SO_LINGER {1, 2} with nothing unsent: an orderly close. */
	tcp_pair(fam, &c, &s);
	lg = (struct linger){ 1, 2 };
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	send(s, "bye", 3, 0);
	long t0 = now_ms();
	close(s);
	printf("SO_LINGER {1,2} close returned within 1 s: %d\n",
	       now_ms() - t0 < 1000);
	wait_inq(c, 3);
	val("  peer read", read(c, buf, sizeof(buf)));
	val("  peer read EOF", read(c, buf, sizeof(buf)));
	close(c);

	/* Reset of a half-closed connection. */
	tcp_pair(fam, &c, &s);
	shutdown(c, SHUT_WR);
	read(s, buf, sizeof(buf));
	lg = (struct linger){ 1, 0 };
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s);
	wait_ev(c, POLLERR);
	printf("reset after own SHUT_WR: poll %s\n", poll_now(c));
	ok("  read", read(c, buf, sizeof(buf)));
	close(c);
}

int main(void)
{
	watchdog(30);
	sig_pipe_setup();
	data_calls(AF_INET);
	data_calls(AF_INET6);
	large(AF_INET);
	large(AF_INET6);
	sendfile_test();
	shutdowns(AF_INET);
	shutdowns(AF_INET6);
	resets(AF_INET);
	resets(AF_INET6);
	return 0;
}

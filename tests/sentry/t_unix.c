/* Differential test: AF_UNIX sockets. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void send_fd(int s, int fd)
{
	char c = 'F';
	struct iovec iov = { &c, 1 };
	char ctl[CMSG_SPACE(sizeof(int))];
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	printf("sendmsg rights %zd\n", sendmsg(s, &m, 0));
}

static int recv_fd(int s)
{
	char c;
	struct iovec iov = { &c, 1 };
	char ctl[CMSG_SPACE(sizeof(int))];
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	ssize_t n = recvmsg(s, &m, 0);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	int fd = -1;
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	printf("recvmsg %zd byte %c got fd %d\n", n, c, fd >= 0);
	return fd;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int sv[2];
	printf("socketpair stream %d\n",
	       socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	write(sv[0], "hello", 5);
	char buf[64] = { 0 };
	printf("read %zd %s\n", read(sv[1], buf, sizeof(buf)), buf);
	int p[2];
	pipe(p);
	send_fd(sv[0], p[1]);
	int got = recv_fd(sv[1]);
	write(got, "via passed fd", 13);
	memset(buf, 0, sizeof(buf));
	printf("pipe read %zd %s\n", read(p[0], buf, sizeof(buf)), buf);
	shutdown(sv[0], SHUT_WR);
	printf("after shutdown read %zd\n", read(sv[1], buf, 1));
	close(sv[0]);
	close(sv[1]);
	printf("socketpair dgram %d\n", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	send(sv[0], "one", 3, 0);
	send(sv[0], "two!", 4, 0);
	printf("recv %zd\n", recv(sv[1], buf, sizeof(buf), 0));
	printf("recv trunc %zd\n", recv(sv[1], buf, 2, MSG_TRUNC));
	printf("socketpair seqpacket %d\n",
	       socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	send(sv[0], "abc", 3, 0);
	send(sv[0], "de", 2, 0);
	printf("seq recv %zd %zd\n", recv(sv[1], buf, 64, 0),
	       recv(sv[1], buf, 64, 0));
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int r = getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len);
	printf("peercred %d uid %d\n", r, cr.uid);
	const char *path = "/tmp/tunix.sock";
	unlink(path);
	int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strcpy(a.sun_path, path);
	printf("bind %d\n", bind(l, (struct sockaddr *)&a, sizeof(a)));
	r = bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a,
		 sizeof(a));
	printf("bind again %d %s\n", r, strerrorname_np(errno));
	printf("listen %d\n", listen(l, 8));
	pid_t c = fork();
	if (c == 0) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
			_exit(1);
		write(s, "from child", 10);
		read(s, buf, 1);
		_exit(0);
	}
	int s = accept(l, NULL, NULL);
	memset(buf, 0, sizeof(buf));
	printf("accepted %d read %zd %s\n", s >= 0, read(s, buf, 64), buf);
	write(s, "k", 1);
	int st;
	waitpid(c, &st, 0);
	printf("child code %d\n", WEXITSTATUS(st));
	printf("read after peer exit %zd\n", read(s, buf, 1));
	struct sockaddr_un got_addr;
	len = sizeof(got_addr);
	getsockname(l, (struct sockaddr *)&got_addr, &len);
	printf("getsockname %s\n", got_addr.sun_path);
	int nc = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un none = { .sun_family = AF_UNIX };
	strcpy(none.sun_path, "/tmp/nobody-listens");
	r = connect(nc, (struct sockaddr *)&none, sizeof(none));
	printf("connect refused %d %s\n", r, strerrorname_np(errno));
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un ab = { .sun_family = AF_UNIX };
	memcpy(ab.sun_path, "\0tunix-abstract", 15);
	socklen_t ablen = offsetof(struct sockaddr_un, sun_path) + 15;
	printf("bind abstract %d\n", bind(d, (struct sockaddr *)&ab, ablen));
	int d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
	printf("sendto abstract %zd\n",
	       sendto(d2, "dg", 2, 0, (struct sockaddr *)&ab, ablen));
	printf("recv abstract %zd\n", recv(d, buf, 64, 0));
	/* sendmmsg/recvmmsg on a datagram pair. */
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	struct iovec mi[3] = { { "a", 1 }, { "bb", 2 }, { "ccc", 3 } };
	struct mmsghdr mm[3];
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		mm[i].msg_hdr.msg_iov = &mi[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	int sent = sendmmsg(sv[0], mm, 3, 0);
	char rb[3][8] = { { 0 } };
	struct iovec ri[3];
	struct mmsghdr rm[3];
	memset(rm, 0, sizeof(rm));
	for (int i = 0; i < 3; i++) {
		ri[i] = (struct iovec){ rb[i], sizeof(rb[i]) };
		rm[i].msg_hdr.msg_iov = &ri[i];
		rm[i].msg_hdr.msg_iovlen = 1;
	}
	int got_n = recvmmsg(sv[1], rm, 3, 0, NULL);
	printf("mmsg sent %d got %d lens %u %u %u\n", sent, got_n,
	       rm[0].msg_len, rm[1].msg_len, rm[2].msg_len);
	unlink(path);
	return 0;
}

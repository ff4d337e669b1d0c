/* nsd's client side (fetch.h). */
#include "fetch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "netstack/socket.h"
#include "runsc/list.h"

#define RX_CHUNK (256u << 10)
#define HEAD_MAX 8192
/* The stack retries the handshake itself; this bounds the whole run. */
#define CONNECT_NS (10ULL * 1000000000u)

struct nsd_fetch {
	struct nsd_loop *loop;
	struct ns_stack *stack;
	struct ns_socket *sock;
	struct ns_waiter waiter;
	struct nsd_task task;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char request[512];
	size_t req_len, req_sent;
	bool connected;
	char head[HEAD_MAX];
	size_t head_len;
	bool in_body;
	uint64_t content_length, got;
	EVP_MD_CTX *md;
	uint8_t *buf;
	uint64_t start_ns;
	int result;
	bool done;
};

static int parse_url(const char *url, struct nsd_fetch *f,
		     struct rs_error **err)
{
	const char *p = url;
	if (strncmp(p, "http://", 7) != 0)
		return rs_error_set(err, EINVAL, "--fetch `%s`: not http://",
				    url);
	p += 7;
	char host[64];
	const char *end;
	if (*p == '[') {
		end = strchr(p, ']');
		if (end == NULL || (size_t)(end - p - 1) >= sizeof(host))
			return rs_error_set(err, EINVAL,
					    "--fetch `%s`: bad address", url);
		memcpy(host, p + 1, (size_t)(end - p - 1));
		host[end - p - 1] = 0;
		end++;
	} else {
		end = p + strcspn(p, ":/");
		if ((size_t)(end - p) >= sizeof(host))
			return rs_error_set(err, EINVAL,
					    "--fetch `%s`: bad address", url);
		memcpy(host, p, (size_t)(end - p));
		host[end - p] = 0;
	}
	unsigned port = 80;
	if (*end == ':') {
		char *e;
		port = (unsigned)strtoul(end + 1, &e, 10);
		if (port == 0 || port > 65535)
			return rs_error_set(err, EINVAL,
					    "--fetch `%s`: bad port", url);
		end = e;
	}
	const char *path = *end == '/' ? end : "/";
	memset(&f->addr, 0, sizeof(f->addr));
	struct sockaddr_in *a4 = (struct sockaddr_in *)&f->addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&f->addr;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		f->addrlen = sizeof(*a4);
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		f->addrlen = sizeof(*a6);
	} else {
		return rs_error_set(err, EINVAL,
				    "--fetch `%s`: `%s` is not an IP address",
				    url, host);
	}
	int n = snprintf(f->request, sizeof(f->request),
			 "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: "
			 "close\r\n\r\n",
			 path, host);
	if (n < 0 || (size_t)n >= sizeof(f->request))
		return rs_error_set(err, EINVAL, "--fetch `%s`: too long", url);
	f->req_len = (size_t)n;
	return 0;
}

static void finish(struct nsd_fetch *f, int result)
{
	if (f->done)
		return;
	f->done = true;
	f->result = result;
	if (result == 0) {
		uint8_t md[32];
		unsigned mdlen = 0;
		EVP_DigestFinal_ex(f->md, md, &mdlen);
		char hex[65];
		for (unsigned i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		double s = (double)(f->loop->now - f->start_ns) / 1e9;
		if (s <= 0)
			s = 1e-9;
		printf("nsd: fetched %llu bytes in %.3f s (%.2f Gbit/s), "
		       "sha256 %s\n",
		       (unsigned long long)f->got, s,
		       (double)f->got * 8 / s / 1e9, hex);
	}
	fflush(stdout);
	nsd_loop_stop(f->loop);
}

/* Headers: status 200 and Content-Length; the rest of the buffer is
 * body. Returns 1 when the headers are complete, 0 for more, or an
 * error. */
static int parse_head(struct nsd_fetch *f)
{
	f->head[f->head_len] = 0;
	char *end = strstr(f->head, "\r\n\r\n");
	if (end == NULL)
		return f->head_len >= HEAD_MAX - 1 ? -EPROTO : 0;
	if (strncmp(f->head, "HTTP/1.1 200", 12) != 0 &&
	    strncmp(f->head, "HTTP/1.0 200", 12) != 0)
		return -EPROTO;
	char *cl = strcasestr(f->head, "\r\ncontent-length:");
	if (cl == NULL || cl > end)
		return -EPROTO;
	f->content_length = strtoull(cl + 17, NULL, 10);
	size_t body = f->head_len - (size_t)(end + 4 - f->head);
	EVP_DigestUpdate(f->md, end + 4, body);
	f->got = body;
	f->in_body = true;
	return 1;
}

static void fetch_run(struct nsd_task *t)
{
	struct nsd_fetch *f = rs_container_of(t, struct nsd_fetch, task);
	if (f->done)
		return;
	if (f->start_ns == 0)
		f->start_ns = f->loop->now;
	if (!f->connected) {
		int r = ns_socket_connect(f->sock, (struct sockaddr *)&f->addr,
					  f->addrlen);
		if (r == -EALREADY || r == -EINPROGRESS) {
			if (f->loop->now - f->start_ns > CONNECT_NS)
				finish(f, -ETIMEDOUT);
			return;
		}
		if (r < 0 && r != -EISCONN) {
			finish(f, r);
			return;
		}
		f->connected = true;
	}
	while (f->req_sent < f->req_len) {
		ssize_t n = ns_socket_sendto(f->sock, f->request + f->req_sent,
					     f->req_len - f->req_sent,
					     MSG_NOSIGNAL, NULL, 0);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			finish(f, (int)n);
			return;
		}
		f->req_sent += (size_t)n;
	}
	/* Bounded rounds, so the link and the timers get their turn. */
	for (int round = 0; round < 64; round++) {
		ssize_t n;
		if (!f->in_body) {
			n = ns_socket_recvfrom(f->sock, f->head + f->head_len,
					       HEAD_MAX - 1 - f->head_len, 0,
					       NULL, NULL);
			if (n > 0) {
				f->head_len += (size_t)n;
				int r = parse_head(f);
				if (r < 0) {
					finish(f, r);
					return;
				}
			}
		} else {
			uint64_t want = f->content_length - f->got;
			n = ns_socket_recvfrom(f->sock, f->buf,
					       want < RX_CHUNK ? want
							       : RX_CHUNK,
					       0, NULL, NULL);
			if (n > 0) {
				EVP_DigestUpdate(f->md, f->buf, (size_t)n);
				f->got += (uint64_t)n;
			}
		}
		if (f->in_body && f->got >= f->content_length) {
			finish(f, 0);
			return;
		}
		if (n == -EAGAIN)
			return;
		if (n == 0) {
			finish(f, -EPIPE); /* closed before the whole body */
			return;
		}
		if (n < 0) {
			finish(f, (int)n);
			return;
		}
	}
	nsd_loop_wake(f->loop, &f->task);
}

static void fetch_notify(struct ns_waiter *w, uint32_t events)
{
	(void)events;
	struct nsd_fetch *f = rs_container_of(w, struct nsd_fetch, waiter);
	nsd_loop_wake(f->loop, &f->task);
}

int nsd_fetch_start(struct nsd_loop *loop, struct ns_stack *stack,
		    const char *url, struct nsd_fetch **out,
		    struct rs_error **err)
{
	struct nsd_fetch *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return rs_error_set(err, ENOMEM, "--fetch");
	f->loop = loop;
	f->stack = stack;
	int r = parse_url(url, f, err);
	if (r == 0) {
		f->buf = malloc(RX_CHUNK);
		f->md = EVP_MD_CTX_new();
		if (f->buf == NULL || f->md == NULL ||
		    EVP_DigestInit_ex(f->md, EVP_sha256(), NULL) != 1)
			r = rs_error_set(err, ENOMEM, "--fetch: buffers");
	}
	if (r == 0) {
		r = ns_socket_create(stack, f->addr.ss_family, SOCK_STREAM, 0,
				     &f->sock);
		if (r < 0)
			rs_error_set(err, -r, "--fetch: socket");
	}
	if (r < 0) {
		nsd_fetch_free(f);
		return r;
	}
	f->task.run = fetch_run;
	f->waiter.notify = fetch_notify;
	f->waiter.mask = 0;
	ns_socket_wait_add(f->sock, &f->waiter);
	nsd_loop_wake(loop, &f->task);
	*out = f;
	return 0;
}

int nsd_fetch_result(const struct nsd_fetch *f)
{
	return f ? f->result : 0;
}

void nsd_fetch_free(struct nsd_fetch *f)
{
	if (f == NULL)
		return;
	if (f->sock) {
		ns_socket_wait_del(f->sock, &f->waiter);
		ns_socket_close(f->sock);
	}
	nsd_task_cancel(&f->task);
	EVP_MD_CTX_free(f->md);
	free(f->buf);
	free(f);
}

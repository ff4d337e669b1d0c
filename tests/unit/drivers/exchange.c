/* Live exchanges with the kernel (exchange.h). */
#include "exchange.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "drv_test.h"
#include "netstack/csum.h"
#include "netstack/wire.h"

#define REPLY_TIMEOUT_MS 5000

static bool match_arp_reply(const struct ns_pkt *pkt, void *arg)
{
	struct peer *p = arg;
	return drv_test_is_arp_reply(pkt, p->kernel_ip, p->kernel_mac);
}

void exchange_arp(struct peer *p)
{
	const struct ns_link_info *info = drv_info(p->link);
	assert_int_equal(
		drv_xmit(p->link,
			 drv_test_arp_request(info->mac, p->ip, p->kernel_ip)),
		0);
	assert_int_equal(drv_flush(p->link), 0);
	struct ns_pkt *reply = drv_test_wait_for(p->link, match_arp_reply, p,
						 REPLY_TIMEOUT_MS);
	if (reply == NULL)
		fail_msg("no ARP reply from the kernel");
	/* Addressed to us, so not "other host". */
	assert_memory_equal(reply->data, info->mac, 6);
	assert_int_equal(reply->flags & NS_PKT_F_OTHERHOST, 0);
	assert_int_not_equal(reply->tstamp_ns, 0);
	ns_pkt_free(reply);
}

struct echo_wait {
	struct peer *p;
	uint16_t id;
	uint16_t first;
	unsigned count;
	uint32_t payload;
	uint8_t *seen;
	unsigned missing;
};

/* Counts each expected reply once; matches when none is missing. */
static bool match_all_replies(const struct ns_pkt *pkt, void *arg)
{
	struct echo_wait *w = arg;
	uint8_t f[14 + 28 + 2];
	if (pkt->len != 14 + 28 + w->payload ||
	    ns_pkt_copy_out(pkt, 0, f, sizeof(f)) < 0)
		return false;
	uint16_t seq = ns_get_be16(f + 14 + 20 + 6);
	unsigned i = (uint16_t)(seq - w->first);
	if (i >= w->count || w->seen[i] ||
	    !drv_test_is_echo_reply(pkt, w->p->kernel_ip, w->id, seq))
		return false;
	/* The kernel echoes our payload: the pattern of the request. */
	uint8_t *all = malloc(pkt->len);
	ns_pkt_copy_out(pkt, 0, all, pkt->len);
	for (uint32_t b = 0; b < w->payload; b++)
		assert_int_equal(all[14 + 28 + b], (seq + 28 + b) % 251);
	free(all);
	w->seen[i] = 1;
	return --w->missing == 0;
}

void exchange_pings(struct peer *p, uint16_t id, uint16_t first, unsigned count,
		    uint32_t payload)
{
	const struct ns_link_info *info = drv_info(p->link);
	for (unsigned i = 0; i < count; i++)
		assert_int_equal(
			drv_xmit(p->link,
				 drv_test_icmp_echo(p->kernel_mac, info->mac,
						    p->ip, p->kernel_ip, id,
						    (uint16_t)(first + i),
						    payload)),
			0);
	assert_int_equal(drv_flush(p->link), 0);
	assert_int_equal(drv_tx_pending(p->link), 0);
	struct echo_wait w = { p,     id,      first,
			       count, payload, calloc(count, 1),
			       count };
	struct ns_pkt *last = drv_test_wait_for(p->link, match_all_replies, &w,
						REPLY_TIMEOUT_MS);
	free(w.seen);
	if (last == NULL)
		fail_msg("%u of %u echo replies missing", w.missing, count);
	ns_pkt_free(last);
}

void kernel_if_mac(const char *ifname, uint8_t mac[6])
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	assert_int_equal(ioctl(sock, SIOCGIFHWADDR, &ifr), 0);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(sock);
}

#define TCP_SPORT 40000
#define TCP_MSS	  1448 /* 1500 - 20 - 20 - 12 of timestamps, as Linux */
#define ISS	  1000u

/* Byte i of a stream: a pattern no off-by-one survives. */
static uint8_t stream_byte(uint32_t i)
{
	return (uint8_t)((i * 7 + i / 251) & 0xff);
}

/* A TCP/IPv4 segment from us to the kernel with `len` payload bytes of
 * the stream starting at stream offset `off`. The IP checksum is filled;
 * the TCP checksum is left partial (pseudo-header sum in the field,
 * NS_PKT_F_CSUM_PARTIAL) for links with TX_CSUM, complete otherwise. */
static struct ns_pkt *segment(struct peer *p, uint16_t port, uint32_t seq,
			      uint32_t ack, uint8_t flags, uint32_t off,
			      uint32_t len, bool partial)
{
	uint32_t opt = flags & 0x02 ? 4 : 0; /* MSS on the SYN */
	uint32_t tcp_len = 20 + opt + len;
	struct ns_pkt *pkt = ns_pkt_alloc(NS_PKT_HEADROOM, 14 + 20 + tcp_len);
	uint8_t *f = ns_pkt_put(pkt, 14 + 20 + tcp_len);
	memset(f, 0, 14 + 20 + 20 + opt);
	memcpy(f, p->kernel_mac, 6);
	memcpy(f + 6, drv_info(p->link)->mac, 6);
	ns_put_be16(f + 12, 0x0800);
	uint8_t *ip = f + 14, *tcp = ip + 20;
	ip[0] = 0x45;
	ns_put_be16(ip + 2, (uint16_t)(20 + tcp_len));
	ns_put_be16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, p->ip, 4);
	memcpy(ip + 16, p->kernel_ip, 4);
	ns_put_be16(ip + 10, ns_csum_fold(ns_csum_partial(ip, 20, 0)));
	ns_put_be16(tcp, TCP_SPORT);
	ns_put_be16(tcp + 2, port);
	ns_put_be32(tcp + 4, seq);
	ns_put_be32(tcp + 8, ack);
	tcp[12] = (uint8_t)(((20 + opt) / 4) << 4);
	tcp[13] = flags;
	ns_put_be16(tcp + 14, 65535);
	if (opt) {
		tcp[20] = 2;
		tcp[21] = 4;
		ns_put_be16(tcp + 22, 1460);
	}
	for (uint32_t i = 0; i < len; i++)
		tcp[20 + opt + i] = stream_byte(off + i);
	uint32_t pseudo = ns_csum_pseudo4(p->ip, p->kernel_ip, 6, tcp_len);
	if (partial) {
		/* virtio: the folded pseudo-header sum, not complemented. */
		ns_put_be16(tcp + 16, (uint16_t)~ns_csum_fold(pseudo));
		pkt->flags |= NS_PKT_F_CSUM_PARTIAL;
		pkt->csum_start = 14 + 20;
		pkt->csum_offset = 16;
	} else {
		ns_put_be16(tcp + 16,
			    ns_csum_fold(ns_csum_add(
				    pseudo, ns_csum_partial(tcp, tcp_len, 0))));
	}
	return pkt;
}

static void send_now(struct peer *p, struct ns_pkt *pkt)
{
	assert_int_equal(drv_xmit(p->link, pkt), 0);
	assert_int_equal(drv_flush(p->link), 0);
}

struct tcp_from_kernel {
	uint16_t port;
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	uint32_t payload_off; /* in the frame */
	uint32_t payload_len;
};

/* Parses a TCP segment from the kernel's port to ours. */
static bool parse_tcp(const struct ns_pkt *pkt, uint16_t port,
		      struct tcp_from_kernel *t, uint8_t *hdr)
{
	if (pkt->len < 14 + 40 || ns_pkt_copy_out(pkt, 0, hdr, 14 + 40) < 0)
		return false;
	const uint8_t *ip = hdr + 14, *tcp = ip + 20;
	if (ns_get_be16(hdr + 12) != 0x0800 || ip[9] != 6 ||
	    (ip[0] & 0x0f) != 5 || ns_get_be16(tcp) != port ||
	    ns_get_be16(tcp + 2) != TCP_SPORT)
		return false;
	uint32_t doff = (uint32_t)(tcp[12] >> 4) * 4;
	uint32_t ip_len = ns_get_be16(ip + 2);
	if (ip_len < 20 + doff || 14 + ip_len > pkt->len)
		return false;
	t->flags = tcp[13];
	t->seq = ns_get_be32(tcp + 4);
	t->ack = ns_get_be32(tcp + 8);
	t->payload_off = 14 + 20 + doff;
	t->payload_len = ip_len - 20 - doff;
	return true;
}

struct synack_wait {
	uint16_t port;
	struct tcp_from_kernel t;
};

static bool match_synack(const struct ns_pkt *pkt, void *arg)
{
	struct synack_wait *w = arg;
	uint8_t hdr[14 + 40];
	return parse_tcp(pkt, w->port, &w->t, hdr) &&
	       (w->t.flags & 0x12) == 0x12 && w->t.ack == ISS + 1;
}

static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	return poll(&pfd, 1, timeout_ms);
}

struct rx_stream {
	struct peer *p;
	uint16_t port;
	uint32_t irs; /* the kernel's initial sequence number + 1 */
	uint32_t our_seq;
	uint32_t want; /* bytes to receive */
	uint32_t have; /* contiguous bytes received */
	unsigned coalesced;
};

/* Takes in-order data, checks it, and acknowledges everything so far;
 * matches when all bytes are in. Out-of-order data is not expected on a
 * veth or tap and would only be acknowledged again. */
static bool take_data(const struct ns_pkt *pkt, void *arg)
{
	struct rx_stream *s = arg;
	uint8_t hdr[14 + 40];
	struct tcp_from_kernel t;
	if (!parse_tcp(pkt, s->port, &t, hdr) || t.payload_len == 0)
		return false;
	if (pkt->len > 14 + 1500) {
		s->coalesced++;
		assert_int_equal(pkt->gso_type, NS_GSO_TCPV4);
		assert_true(pkt->gso_size > 0);
	}
	if (t.seq == s->irs + s->have) {
		uint8_t *data = malloc(t.payload_len);
		ns_pkt_copy_out(pkt, t.payload_off, data, t.payload_len);
		for (uint32_t i = 0; i < t.payload_len; i++)
			if (data[i] != stream_byte(s->have + i))
				fail_msg("byte %u of the stream differs",
					 s->have + i);
		free(data);
		s->have += t.payload_len;
	}
	send_now(s->p, segment(s->p, s->port, s->our_seq, s->irs + s->have,
			       0x10, 0, 0, false));
	return s->have >= s->want;
}

unsigned exchange_tcp(struct peer *p, uint16_t port, uint32_t tso_bytes,
		      uint32_t rx_bytes)
{
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_port = htons(port) };
	memcpy(&addr.sin_addr, p->kernel_ip, 4);
	assert_int_equal(bind(ls, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(ls, 1), 0);

	send_now(p, segment(p, port, ISS, 0, 0x02, 0, 0, false));
	struct synack_wait w = { .port = port };
	struct ns_pkt *synack =
		drv_test_wait_for(p->link, match_synack, &w, REPLY_TIMEOUT_MS);
	if (synack == NULL)
		fail_msg("no SYN-ACK from the kernel");
	ns_pkt_free(synack);
	uint32_t irs = w.t.seq + 1, seq = ISS + 1;
	send_now(p, segment(p, port, seq, irs, 0x10, 0, 0, false));
	assert_int_equal(wait_fd(ls, POLLIN, REPLY_TIMEOUT_MS), 1);
	int cs = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	assert_true(cs >= 0);

	if (tso_bytes > 0) {
		assert_true(drv_info(p->link)->caps & NS_LINK_CAP_TSO);
		struct ns_pkt *big =
			segment(p, port, seq, irs, 0x18, 0, tso_bytes, true);
		big->gso_type = NS_GSO_TCPV4;
		big->gso_size = TCP_MSS;
		big->hdr_len = 14 + 20 + 20;
		send_now(p, big);
		uint8_t *got = malloc(tso_bytes);
		uint32_t have = 0;
		while (have < tso_bytes) {
			if (wait_fd(cs, POLLIN, REPLY_TIMEOUT_MS) != 1)
				fail_msg("the kernel read %u of %u bytes", have,
					 tso_bytes);
			ssize_t n = recv(cs, got + have, tso_bytes - have, 0);
			assert_true(n > 0 || errno == EAGAIN);
			have += n > 0 ? (uint32_t)n : 0;
		}
		for (uint32_t i = 0; i < tso_bytes; i++)
			assert_int_equal(got[i], stream_byte(i));
		free(got);
		seq += tso_bytes;
	}

	struct rx_stream rs = { p, port, irs, seq, rx_bytes, 0, 0 };
	if (rx_bytes > 0) {
		uint8_t *out = malloc(rx_bytes);
		for (uint32_t i = 0; i < rx_bytes; i++)
			out[i] = stream_byte(i);
		uint32_t sent = 0;
		while (sent < rx_bytes) {
			ssize_t n = send(cs, out + sent, rx_bytes - sent, 0);
			if (n > 0) {
				sent += (uint32_t)n;
				continue;
			}
			assert_int_equal(errno, EAGAIN);
			/* The send buffer waits for our acknowledgements. */
			struct ns_pkt *done =
				drv_test_wait_for(p->link, take_data, &rs, 100);
			ns_pkt_free(done);
		}
		free(out);
		if (rs.have < rx_bytes) {
			struct ns_pkt *done = drv_test_wait_for(
				p->link, take_data, &rs, REPLY_TIMEOUT_MS);
			if (done == NULL)
				fail_msg("received %u of %u bytes", rs.have,
					 rx_bytes);
			ns_pkt_free(done);
		}
	}
	/* Reset our side so the kernel forgets the connection at once. */
	send_now(p, segment(p, port, seq, irs + rs.have, 0x14, 0, 0, false));
	close(cs);
	close(ls);
	return rs.coalesced;
}

/* Datagram socket plumbing shared by UDP and ping sockets (internal):
 * the receive queue with its buffer limit, recvmsg with Linux's control
 * messages, the IP_RECVERR error queue, poll and ioctl. */
#ifndef NETSTACK_DGRAM_H
#define NETSTACK_DGRAM_H

#include <stdint.h>
#include <sys/types.h>

#include "ip.h"
#include "sock.h"

/* Queues a received datagram: pkt->data at the payload, its rxmeta
 * still in the cb; sport is the sender's port (host order, 0 for ping).
 * Consumes pkt. Returns 0, or -ENOBUFS when the receive buffer is full
 * (the datagram is dropped; the caller counts it). */
int ns_dgram_enqueue(struct ns_sock *sk, struct ns_pkt *pkt, uint16_t sport);

ssize_t ns_dgram_recvmsg(struct ns_sock *sk, struct msghdr *msg, int flags,
			 const struct ns_memio *io);
uint32_t ns_dgram_poll(struct ns_sock *sk);
int ns_dgram_ioctl(struct ns_sock *sk, unsigned long cmd, void *arg);

/* Reports an ICMP error to a socket as Linux's __udp4_lib_err and
 * ping_err do: with IP_RECVERR it is queued for MSG_ERRQUEUE (payload:
 * the quoted bytes after `skip` bytes of the quoted transport header,
 * port: the quoted destination port) and always sets SO_ERROR; without
 * it, only hard errors on connected sockets set SO_ERROR. */
void ns_dgram_icmp_error(struct ns_sock *sk, const struct ns_icmp_err *e,
			 uint32_t skip, uint16_t port);

void ns_dgram_queues(const struct ns_sock *sk, uint32_t *rx, uint32_t *tx);

/* Empties the error queue (IP_RECVERR switched off), returning its memory
 * to the receive budget. */
void ns_dgram_errq_purge(struct ns_sock *sk);

#endif

/* The protocol modules' tables (internal): the IP protocol handlers that
 * ip.c lists in ns_ip_protos and the socket ops that socket.c lists in
 * ns_sock_protos. and TCP's. */
#ifndef NETSTACK_PROTO_H
#define NETSTACK_PROTO_H

#include "ip.h"
#include "sock.h"

extern const struct ns_ip_proto ns_icmp4_proto;
extern const struct ns_ip_proto ns_icmp6_proto;
extern const struct ns_ip_proto ns_udp_proto;
extern const struct ns_ip_proto ns_tcp_proto;

/* Echo replies and errors for ping sockets (ping.c). ns_ping_rcv consumes
 * pkt (data at the ICMP header, checksum verified). */
void ns_ping_rcv(struct ns_stack *stack, struct ns_pkt *pkt);
void ns_ping_err(struct ns_stack *stack, const struct ns_icmp_err *e);

extern const struct ns_sock_ops ns_udp_sock_ops;
extern const struct ns_sock_ops ns_ping_sock_ops;
extern const struct ns_sock_ops ns_tcp_sock_ops;

/* TCP's per-stack state (tcp.c): created with the stack, freed after its
 * sockets. */
int ns_tcp_stack_init(struct ns_stack *stack);
void ns_tcp_stack_free(struct ns_stack *stack);

#endif

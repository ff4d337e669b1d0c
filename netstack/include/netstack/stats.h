/* Counters: one for every drop and error path of the stack, grouped and
 * named like Linux's /proc/net/snmp, /proc/net/snmp6 and /proc/net/netstat
 * so that tools and tests read them the same way.
 *
 * A counter is identified by an enum ns_stat value (NS_STAT_<Group>_<Name>)
 * and by its name "<Group>.<Name>" ("Udp.NoPorts", "Ip6.ReasmFails").
 * Names that exist in Linux keep Linux's spelling and meaning; counters
 * that Linux does not have are marked "ours" below and live in the *Ext
 * groups or in the Link, Arp, Neigh and Nd groups, which Linux reports
 * elsewhere or not at all.
 *
 * Besides these fixed counters the stack keeps per-type ICMP message
 * counts, named like Linux's IcmpMsg group and snmp6 file:
 * "IcmpMsg.InType8", "IcmpMsg.OutType0", "Icmp6.InType135".
 *
 * Reading: ns_stack_stat() by id, ns_stack_stat_by_name() by name,
 * ns_stack_stats_foreach() for all of them (see netstack/stack.h).
 *
 */
#ifndef NETSTACK_STATS_H
#define NETSTACK_STATS_H

/* X(group, name): the whole list, in reporting order. */
#define NS_STATS(X)                                                           \
	/* Link layer (ours). */                                              \
	X(Link, InFrames)                                                     \
	X(Link, InNoNic)	/* input on an ifindex that does not exist */ \
	X(Link, InTruncated)	/* shorter than the link header */            \
	X(Link, InOtherHost)	/* destination MAC not ours */                \
	X(Link, InUnknownProto) /* EtherType we do not speak */               \
	X(Link, InBadSrc)	/* multicast or own source MAC */             \
	X(Link, OutFrames)                                                    \
	X(Link, OutDiscards) /* the driver refused a frame */                 \
	/* ARP, RFC 826 (ours). */                                            \
	X(Arp, InRequests)                                                    \
	X(Arp, InReplies)                                                     \
	X(Arp, InGratuitous)                                                  \
	X(Arp, InTruncated)                                                   \
	X(Arp, InBadHeader) /* wrong hardware/protocol type or sizes */       \
	X(Arp, InBadSender) /* sender address multicast, broadcast, ours */   \
	X(Arp, InNotForUs)                                                    \
	X(Arp, OutRequests)                                                   \
	X(Arp, OutReplies)                                                    \
	X(Arp, OutGratuitous)                                                 \
	/* Neighbour cache (ARP and NDP; arp_cache names). */                 \
	X(Neigh, Allocs)                                                      \
	X(Neigh, Destroys)                                                    \
	X(Neigh, ResFailed)	     /* resolution gave up */                 \
	X(Neigh, UnresolvedDiscards) /* queued packets dropped */             \
	X(Neigh, TableFull)	     /* no room for a new entry */            \
	X(Neigh, Probes)                                                      \
	/* IPv4, RFC 4293 ipSystemStats as in /proc/net/snmp. */              \
	X(Ip, InReceives)                                                     \
	X(Ip, InHdrErrors)                                                    \
	X(Ip, InAddrErrors)                                                   \
	X(Ip, InUnknownProtos)                                                \
	X(Ip, InDiscards)                                                     \
	X(Ip, InDelivers)                                                     \
	X(Ip, OutRequests)                                                    \
	X(Ip, OutDiscards)                                                    \
	X(Ip, OutNoRoutes)                                                    \
	X(Ip, ReasmTimeout)                                                   \
	X(Ip, ReasmReqds)                                                     \
	X(Ip, ReasmOKs)                                                       \
	X(Ip, ReasmFails)                                                     \
	X(Ip, FragOKs)                                                        \
	X(Ip, FragFails)                                                      \
	X(Ip, FragCreates)                                                    \
	/* IPv4 extras, /proc/net/netstat IpExt. */                           \
	X(IpExt, InNoRoutes)                                                  \
	X(IpExt, InTruncatedPkts)                                             \
	X(IpExt, InMcastPkts)                                                 \
	X(IpExt, OutMcastPkts)                                                \
	X(IpExt, InBcastPkts)                                                 \
	X(IpExt, OutBcastPkts)                                                \
	X(IpExt, InOctets)                                                    \
	X(IpExt, OutOctets)                                                   \
	X(IpExt, InCsumErrors)                                                \
	X(IpExt, ReasmOverlaps)                                               \
	X(IpExt, InBadOptions)	    /* ours: malformed options */             \
	X(IpExt, InMartians)	    /* ours: impossible source address */     \
	X(IpExt, ReasmOverMem)	    /* ours: evicted at the memory limit */   \
	X(IpExt, ReasmTooBig)	    /* ours: would exceed 65535 bytes */      \
	X(IpExt, ReasmTooManyFrags) /* ours: over the per-datagram limit */   \
	X(IpExt, ReasmBadFrags)	    /* ours: bad length or offset */          \
	X(IpExt, ReasmDuplicates)   /* ours: exact duplicate fragment */      \
	/* ICMPv4, /proc/net/snmp Icmp. */                                    \
	X(Icmp, InMsgs)                                                       \
	X(Icmp, InErrors)                                                     \
	X(Icmp, InCsumErrors)                                                 \
	X(Icmp, InDestUnreachs)                                               \
	X(Icmp, InTimeExcds)                                                  \
	X(Icmp, InParmProbs)                                                  \
	X(Icmp, InSrcQuenchs)                                                 \
	X(Icmp, InRedirects)                                                  \
	X(Icmp, InEchos)                                                      \
	X(Icmp, InEchoReps)                                                   \
	X(Icmp, OutMsgs)                                                      \
	X(Icmp, OutErrors)                                                    \
	X(Icmp, OutRateLimitGlobal)                                           \
	X(Icmp, OutRateLimitHost)                                             \
	X(Icmp, OutDestUnreachs)                                              \
	X(Icmp, OutTimeExcds)                                                 \
	X(Icmp, OutParmProbs)                                                 \
	X(Icmp, OutEchos)                                                     \
	X(Icmp, OutEchoReps)                                                  \
	/* IPv6, /proc/net/snmp6 Ip6*. */                                     \
	X(Ip6, InReceives)                                                    \
	X(Ip6, InHdrErrors)                                                   \
	X(Ip6, InTooBigErrors)                                                \
	X(Ip6, InNoRoutes)                                                    \
	X(Ip6, InAddrErrors)                                                  \
	X(Ip6, InUnknownProtos)                                               \
	X(Ip6, InTruncatedPkts)                                               \
	X(Ip6, InDiscards)                                                    \
	X(Ip6, InDelivers)                                                    \
	X(Ip6, OutRequests)                                                   \
	X(Ip6, OutDiscards)                                                   \
	X(Ip6, OutNoRoutes)                                                   \
	X(Ip6, ReasmTimeout)                                                  \
	X(Ip6, ReasmReqds)                                                    \
	X(Ip6, ReasmOKs)                                                      \
	X(Ip6, ReasmFails)                                                    \
	X(Ip6, FragOKs)                                                       \
	X(Ip6, FragFails)                                                     \
	X(Ip6, FragCreates)                                                   \
	X(Ip6, InMcastPkts)                                                   \
	X(Ip6, OutMcastPkts)                                                  \
	X(Ip6, InOctets)                                                      \
	X(Ip6, OutOctets)                                                     \
	/* IPv6 extras (ours). */                                             \
	X(Ip6Ext, InBadExtHdrs)	     /* malformed extension header */         \
	X(Ip6Ext, InExtHdrChainLong) /* more headers than we walk */          \
	X(Ip6Ext, InBadOptions)	     /* option asked for a discard */         \
	X(Ip6Ext, InRoutingHdrs)     /* routing header with segments left */  \
	X(Ip6Ext, InMartians)	     /* impossible source address */          \
	X(Ip6Ext, ReasmOverlaps)                                              \
	X(Ip6Ext, ReasmOverMem)                                               \
	X(Ip6Ext, ReasmTooBig)                                                \
	X(Ip6Ext, ReasmTooManyFrags)                                          \
	X(Ip6Ext, ReasmBadFrags)                                              \
	X(Ip6Ext, ReasmDuplicates)                                            \
	/* ICMPv6, /proc/net/snmp6 Icmp6*. */                                 \
	X(Icmp6, InMsgs)                                                      \
	X(Icmp6, InErrors)                                                    \
	X(Icmp6, InCsumErrors)                                                \
	X(Icmp6, InDestUnreachs)                                              \
	X(Icmp6, InPktTooBigs)                                                \
	X(Icmp6, InTimeExcds)                                                 \
	X(Icmp6, InParmProblems)                                              \
	X(Icmp6, InEchos)                                                     \
	X(Icmp6, InEchoReplies)                                               \
	X(Icmp6, InRouterSolicits)                                            \
	X(Icmp6, InRouterAdvertisements)                                      \
	X(Icmp6, InNeighborSolicits)                                          \
	X(Icmp6, InNeighborAdvertisements)                                    \
	X(Icmp6, InRedirects)                                                 \
	X(Icmp6, InMLDQueries)                                                \
	X(Icmp6, OutMsgs)                                                     \
	X(Icmp6, OutErrors)                                                   \
	X(Icmp6, OutRateLimit) /* ours */                                     \
	X(Icmp6, OutDestUnreachs)                                             \
	X(Icmp6, OutPktTooBigs)                                               \
	X(Icmp6, OutTimeExcds)                                                \
	X(Icmp6, OutParmProblems)                                             \
	X(Icmp6, OutEchos)                                                    \
	X(Icmp6, OutEchoReplies)                                              \
	X(Icmp6, OutRouterSolicits)                                           \
	X(Icmp6, OutNeighborSolicits)                                         \
	X(Icmp6, OutNeighborAdvertisements)                                   \
	/* Neighbour discovery and autoconfiguration (ours). */               \
	X(Nd, InInvalid) /* RFC 4861 validity checks failed */                \
	X(Nd, DadStarted)                                                     \
	X(Nd, DadSucceeded)                                                   \
	X(Nd, DadFailed)                                                      \
	X(Nd, RaAccepted)                                                     \
	X(Nd, SlaacAddrs)   /* addresses created from prefixes */             \
	X(Nd, SlaacIgnored) /* prefix information not usable */               \
	/* TCP, RFC 4022 tcpGroup as in /proc/net/snmp. CurrEstab is a    \
	 * gauge: connections in ESTABLISHED or CLOSE_WAIT now. */   \
	X(Tcp, ActiveOpens)                                                   \
	X(Tcp, PassiveOpens)                                                  \
	X(Tcp, AttemptFails)                                                  \
	X(Tcp, EstabResets)                                                   \
	X(Tcp, CurrEstab)                                                     \
	X(Tcp, InSegs)                                                        \
	X(Tcp, OutSegs)                                                       \
	X(Tcp, RetransSegs)                                                   \
	X(Tcp, InErrs)                                                        \
	X(Tcp, OutRsts)                                                       \
	X(Tcp, InCsumErrors)                                                  \
	/* TCP extras, /proc/net/netstat TcpExt (Linux names). */             \
	X(TcpExt, SyncookiesSent)                                             \
	X(TcpExt, SyncookiesRecv)                                             \
	X(TcpExt, SyncookiesFailed)                                           \
	X(TcpExt, EmbryonicRsts)                                              \
	X(TcpExt, PruneCalled)                                                \
	X(TcpExt, OfoPruned)                                                  \
	X(TcpExt, TW)                                                         \
	X(TcpExt, TWRecycled)                                                 \
	X(TcpExt, TWKilled)                                                   \
	X(TcpExt, PAWSEstab)                                                  \
	X(TcpExt, DelayedACKs)                                                \
	X(TcpExt, DelayedACKLost)                                             \
	X(TcpExt, ListenOverflows)                                            \
	X(TcpExt, ListenDrops)                                                \
	X(TcpExt, TCPPureAcks)                                                \
	X(TcpExt, TCPHPAcks)                                                  \
	X(TcpExt, TCPRenoRecovery)                                            \
	X(TcpExt, TCPSackRecovery)                                            \
	X(TcpExt, TCPSACKReneging)                                            \
	X(TcpExt, TCPSACKReorder)                                             \
	X(TcpExt, TCPRenoReorder)                                             \
	X(TcpExt, TCPFullUndo)                                                \
	X(TcpExt, TCPDSACKUndo)                                               \
	X(TcpExt, TCPLossUndo)                                                \
	X(TcpExt, TCPLostRetransmit)                                          \
	X(TcpExt, TCPFastRetrans)                                             \
	X(TcpExt, TCPSlowStartRetrans)                                        \
	X(TcpExt, TCPTimeouts)                                                \
	X(TcpExt, TCPLossProbes)                                              \
	X(TcpExt, TCPLossProbeRecovery)                                       \
	X(TcpExt, TCPDSACKOldSent)                                            \
	X(TcpExt, TCPDSACKOfoSent)                                            \
	X(TcpExt, TCPDSACKRecv)                                               \
	X(TcpExt, TCPAbortOnData)                                             \
	X(TcpExt, TCPAbortOnClose)                                            \
	X(TcpExt, TCPAbortOnTimeout)                                          \
	X(TcpExt, TCPAbortOnLinger)                                           \
	X(TcpExt, TCPSACKDiscard)                                             \
	X(TcpExt, TCPSpuriousRTOs)                                            \
	X(TcpExt, TCPReqQFullDoCookies)                                       \
	X(TcpExt, TCPReqQFullDrop)                                            \
	X(TcpExt, TCPRcvCoalesce)                                             \
	X(TcpExt, TCPRcvCollapsed)                                            \
	X(TcpExt, TCPOFOQueue)                                                \
	X(TcpExt, TCPOFODrop)                                                 \
	X(TcpExt, TCPChallengeACK)                                            \
	X(TcpExt, TCPSYNChallenge)                                            \
	X(TcpExt, TCPFromZeroWindowAdv)                                       \
	X(TcpExt, TCPToZeroWindowAdv)                                         \
	X(TcpExt, TCPWantZeroWindowAdv)                                       \
	X(TcpExt, TCPSynRetrans)                                              \
	X(TcpExt, TCPOrigDataSent)                                            \
	X(TcpExt, TCPACKSkippedSynRecv)                                       \
	X(TcpExt, TCPACKSkippedPAWS)                                          \
	X(TcpExt, TCPACKSkippedSeq)                                           \
	X(TcpExt, TCPACKSkippedTimeWait)                                      \
	X(TcpExt, TCPACKSkippedChallenge)                                     \
	X(TcpExt, TCPWinProbe)                                                \
	X(TcpExt, TCPKeepAlive)                                               \
	X(TcpExt, TCPDelivered)                                               \
	X(TcpExt, TCPZeroWindowDrop)                                          \
	X(TcpExt, TCPRcvQDrop)                                                \
	X(TcpExt, TCPTimeWaitOverflow)                                        \
	X(TcpExt, TCPDeferAcceptDrop)                                         \
	X(TcpExt, InBadHdrLen)	/* ours: data offset impossible */            \
	X(TcpExt, InBadOptions) /* ours: an option's length lies */           \
	X(TcpExt, InBadFlags)	/* ours: SYN+RST, SYN+FIN, no flags ... */    \
	X(TcpExt, InNoSocket)	/* ours: no connection, RST answered */       \
	/* UDP, /proc/net/snmp Udp and /proc/net/snmp6 Udp6*. */              \
	X(Udp, InDatagrams)                                                   \
	X(Udp, NoPorts)                                                       \
	X(Udp, InErrors)                                                      \
	X(Udp, OutDatagrams)                                                  \
	X(Udp, RcvbufErrors)                                                  \
	X(Udp, SndbufErrors)                                                  \
	X(Udp, InCsumErrors)                                                  \
	X(Udp, IgnoredMulti)                                                  \
	X(Udp6, InDatagrams)                                                  \
	X(Udp6, NoPorts)                                                      \
	X(Udp6, InErrors)                                                     \
	X(Udp6, OutDatagrams)                                                 \
	X(Udp6, RcvbufErrors)                                                 \
	X(Udp6, SndbufErrors)                                                 \
	X(Udp6, InCsumErrors)                                                 \
	X(Udp6, IgnoredMulti)                                                 \
	/* ICMP echo ("ping") sockets (ours). */                              \
	X(Ping, InDelivers)                                                   \
	X(Ping, InNoSocket) /* echo reply nobody waits for */                 \
	X(Ping, RcvbufErrors)                                                 \
	X(Ping, OutMsgs)

enum ns_stat {
#define NS_STAT_ENUM_(group, name) NS_STAT_##group##_##name,
	NS_STATS(NS_STAT_ENUM_)
#undef NS_STAT_ENUM_
		NS_STAT__COUNT
};

/* "Group.Name" of a counter, or NULL for an id out of range. Static
 * storage. */
const char *ns_stat_name(enum ns_stat id);

#endif

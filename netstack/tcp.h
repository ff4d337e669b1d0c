/* TCP (internal): connection blocks, the per-stack tables, and what the
 * TCP files share. RFC 9293 throughout; Linux 6.1 where the RFCs leave a
 * choice, since the Sentry's applications expect Linux.
 *
 * Files:
 *   tcp.c         connection blocks, demux tables, ports, listen/accept,
 *                 close and the socket ops table
 *   tcp_in.c      segment arrival: validation, the state machine, ACK
 *                 processing and loss recovery, data and FIN reception
 *   tcp_out.c     segment building and transmission, the send policy
 *                 (cwnd, window, Nagle, cork, TSO), ACKs, RSTs, probes
 *   tcp_timer.c   retransmission, probe, delayed-ACK, keepalive and
 *                 TIME_WAIT timers
 *   tcp_msg.c     sendmsg/recvmsg, urgent data, readiness
 *   tcp_sockopt.c IPPROTO_TCP options, TCP_INFO, ioctls
 * and the building blocks tcp_opt, tcp_sack, tcp_rack, tcp_rtt, tcp_cc*,
 * tcp_window, tcp_delack, tcp_autotune, tcp_sndbuf, tcp_rcvq, tcp_hash,
 * tcp_syncookie.
 *
 * Lifetime: a socket is an ns_sock (sock.h) allocated by the core or, for
 * a passive open, by the listener when a SYN arrives (state SYN_RECV, in
 * the listener's SYN queue, then its accept queue). After the user closes
 * it, a connection lives on ("orphan") until its closing handshake ends;
 * then TIME_WAIT is kept in a small struct tcp_tw and the socket is freed.
 */
#ifndef NETSTACK_TCP_H
#define NETSTACK_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "core.h"
#include "list.h"
#include "sock.h"
#include "tcp_autotune.h"
#include "tcp_cc.h"
#include "tcp_delack.h"
#include "tcp_hash.h"
#include "tcp_opt.h"
#include "tcp_rack.h"
#include "tcp_rcvq.h"
#include "tcp_rtt.h"
#include "tcp_sack.h"
#include "tcp_sndbuf.h"
#include "tcp_window.h"
#include "timer.h"

struct ns_stack;

/* ---- Constants (Linux's sysctl defaults) ------------------------------ */

#define TCP_HDR_LEN	   20
#define TCP_TS_LEN	   12 /* NOP NOP TS, as every segment carries it */
#define TCP_SYN_RETRIES	   6
#define TCP_SYNACK_RETRIES 5
#define TCP_RETRIES2	   15
/* Retransmissions of an orphan (Linux tcp_orphan_retries 0 means 8). */
#define TCP_ORPHAN_RETRIES    8
#define TCP_TIMEWAIT_NS	      (60 * NS_SEC)
#define TCP_KEEPIDLE_DEFAULT  7200
#define TCP_KEEPINTVL_DEFAULT 75
#define TCP_KEEPCNT_DEFAULT   9
#define TCP_SOMAXCONN	      4096
#define TCP_MAX_TW_BUCKETS    262144
/* Minimum and default MSS (RFC 9293 3.7.1: 536 without the option; IPv6
 * RFC 8200 5: 1280 - 60). */
#define TCP_DEFAULT_MSS	 536
#define TCP_DEFAULT_MSS6 1220
#define TCP_MIN_MSS	 88
#define TCP_MAX_WINDOW	 65535u
/* A cookie ACK is only believed within two minutes of the SYN queue
 * overflowing (Linux TCP_SYNCOOKIE_VALID). */
#define TCP_SYNCOOKIE_VALID_NS (120 * NS_SEC)
/* RFC 7323 5.5: ts_recent is too old to judge after 24 days. */
#define TCP_PAWS_24DAYS_NS (24ULL * 24 * 3600 * NS_SEC)
/* Linux tcp_invalid_ratelimit: one reply per 500 ms to out-of-window
 * segments, and tcp_challenge_ack_limit per second for the stack. */
#define TCP_OOW_RATELIMIT_NS	(500 * NS_MSEC)
#define TCP_CHALLENGE_ACK_LIMIT 1000
/* The timestamp clock ticks every millisecond (Linux tcp_time_stamp). */
#define TCP_TS_HZ 1000

/* ---- Counters --------------------------------------------------------- */

#define TCP_INC(stack, name)	 NS_INC(stack, Tcp, name)
#define TCPX_INC(stack, name)	 NS_INC(stack, TcpExt, name)
#define TCPX_ADD(stack, name, n) NS_ADD(stack, TcpExt, name, n)

/* ---- Segments ----------------------------------------------------------- */

/* Header flags (RFC 9293 3.1). */
enum {
	TCPHDR_FIN = 0x01,
	TCPHDR_SYN = 0x02,
	TCPHDR_RST = 0x04,
	TCPHDR_PSH = 0x08,
	TCPHDR_ACK = 0x10,
	TCPHDR_URG = 0x20,
};

/* A received segment, parsed and validated. */
struct tcp_seg {
	struct ns_pkt *pkt; /* payload only (header pulled); owned */
	struct ns_addr saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint32_t end_seq; /* seq + len + SYN + FIN (SEG.LEN) */
	uint32_t len;	  /* payload bytes */
	uint16_t wnd;	  /* as received, unscaled */
	uint16_t urg;
	uint16_t hdr_len;
	uint8_t flags;
	uint8_t ttl, tos;
	bool v6;
	int ifindex;
	struct ns_tcp_opts opts;
};

/* ---- Demux keys ------------------------------------------------------- */

/* What the established table matches on: an entry is either a socket or
 * a TIME_WAIT record (kind). */
struct tcp_conn {
	struct ns_list node; /* hash chain */
	struct ns_addr laddr, raddr;
	uint16_t lport, rport;
	uint8_t kind; /* TCP_CONN_* */
	bool hashed;
	uint32_t hash;
};

enum {
	TCP_CONN_SOCK = 1,
	TCP_CONN_TW = 2,
};

/* A connection in TIME_WAIT (RFC 9293 3.6.1): enough to answer a
 * retransmitted FIN, to refuse old duplicates and to let a new SYN reuse
 * the tuple under RFC 6191's rules. */
struct tcp_tw {
	struct tcp_conn conn;
	struct ns_list fifo; /* stack TIME_WAIT list, oldest first */
	uint64_t expires;
	uint32_t snd_nxt;
	uint32_t rcv_nxt;
	uint32_t rcv_wnd; /* scaled value last advertised */
	uint32_t ts_recent;
	uint32_t ts_off;
	uint64_t ts_recent_stamp;
	bool ts_ok;
	bool fin_wait2; /* an orphan in FIN_WAIT2 waiting for the FIN */
	uint8_t rcv_wscale;
	uint8_t ttl;
	uint8_t tos;
	int bound_ifindex;
};

/* The listening side of a socket in LISTEN. */
struct tcp_listener {
	uint32_t backlog;    /* accept queue limit (min(backlog, somaxconn)) */
	struct ns_list synq; /* children in SYN_RECV */
	uint32_t synq_len;
	struct ns_list acceptq; /* established, waiting for accept() */
	uint32_t acceptq_len;
	uint64_t last_overflow; /* SYN queue last full (cookies valid) */
	bool overflowed;
};

/* Per-stack TCP state (struct ns_stack.tcp). */
struct ns_tcp_stack {
	struct ns_tcp_secrets secrets;
	/* TIME_WAIT records per local port, for bind()'s conflict check
	 * (Linux keeps them in the port's bind bucket). */
	uint32_t tw_per_port[65536];
	struct ns_port_table ports; /* bound, listening and connected */
	struct ns_list *ehash;	    /* established, SYN_RECV, TIME_WAIT */
	uint32_t ehash_mask;
	uint32_t ehash_count;
	struct ns_list tw_fifo;
	uint32_t tw_count;
	struct ns_timer tw_timer;
	uint32_t port_hint; /* RFC 6056 algorithm 3's running offset */
	struct tcp_chunk_pool *chunks; /* send-buffer chunks for reuse */
	/* Stack-wide challenge-ACK budget per second (RFC 5961 7). */
	uint64_t challenge_stamp;
	uint32_t challenge_count;
};

/* ---- The connection block --------------------------------------------- */

/* What the retransmission timer is waiting for (Linux ICSK_TIME_*). */
enum tcp_rtx_kind {
	TCP_RTX_NONE,
	TCP_RTX_RETRANS, /* RTO (also SYN / SYN-ACK retransmission) */
	TCP_RTX_PROBE0,	 /* zero-window probe */
	TCP_RTX_TLP,	 /* tail loss probe (RFC 8985 7) */
	TCP_RTX_REO,	 /* RACK reordering timeout (RFC 8985 6.3) */
};

struct tcp_sock {
	struct ns_sock sk; /* first: sock.h's object layout */
	struct tcp_conn conn;

	/* Passive open: the listener this child belongs to until accepted,
	 * linked in its SYN queue or accept queue. */
	struct tcp_listener *lst; /* only in LISTEN */
	struct tcp_sock *parent;
	struct ns_list queue_node;
	bool in_acceptq;

	/* Send sequence space (RFC 9293 3.3.1). */
	uint32_t iss;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_wnd; /* bytes, unscaled */
	uint32_t snd_wl1; /* seq of the segment that last set the window */
	uint32_t max_window;
	uint32_t snd_up;  /* urgent pointer: after the urgent byte */
	uint32_t snd_sml; /* end of the last short segment (Nagle) */
	bool urg_mode;
	/* Receive sequence space. rcv_wnd/rcv_wup live in rwin. */
	uint32_t irs;
	uint32_t rcv_nxt;
	uint32_t copied_seq; /* next byte the application reads */

	/* Negotiated options. */
	bool ts_ok;
	bool sack_ok;
	bool wscale_ok;
	uint8_t snd_wscale;
	uint16_t mss_clamp; /* peer's MSS option, or the default */
	uint16_t advmss;    /* the MSS we announce */
	uint16_t mss_cache; /* payload per segment now (options excluded),
			     * at most half the peer's largest window */
	uint16_t mss_path;  /* the same before that bound (the path's) */
	uint16_t user_mss;  /* TCP_MAXSEG */
	uint32_t ts_recent; /* RFC 7323 4.3 TS.Recent */
	uint64_t ts_recent_stamp;
	uint32_t ts_off; /* our TSval = clock ms + ts_off */
	uint32_t rcv_rtt_last_tsecr;
	uint16_t ip_ident; /* IPv4 identification (Linux inet_id) */

	/* Queues. FIN handling: fin_queued when the user shut down sending
	 * (it follows the data, at sequence sndq.end_seq). */
	struct tcp_sndbuf sndq;
	struct tcp_rcvq rcvq;
	struct tcp_rcv_sack rsack;
	struct tcp_sb sb;
	bool fin_queued;
	bool fin_sent;

	/* Machinery. */
	struct tcp_rtt rtt;
	struct tcp_cc cc;
	struct tcp_rack rack;
	struct tcp_tlp tlp;
	struct tcp_delack delack;
	struct tcp_rwin rwin;
	struct tcp_rcv_tune tune;

	/* Loss recovery (Linux names). */
	uint32_t high_seq;	/* recovery point (RFC 6582 "recover") */
	uint32_t undo_marker;	/* snd_una when the episode began; 0: none */
	int32_t undo_retrans;	/* retransmissions not yet proved spurious */
	uint64_t retrans_stamp; /* first retransmission of the episode */
	uint32_t reno_dupacks;	/* without SACK: duplicate ACKs counted */
	bool cwnd_limited;
	uint8_t retransmits; /* consecutive timeouts (icsk_retransmits) */
	uint8_t probes_out;  /* unanswered zero-window / keepalive probes */
	uint8_t syn_retries; /* SYN or SYN-ACK retransmissions done */

	/* Timers. The retransmission timer is moved lazily: an earlier
	 * deadline re-arms it, a later one is noticed when it fires. */
	struct ns_timer rtx_timer;
	enum tcp_rtx_kind rtx_kind;
	uint64_t rtx_deadline;
	struct ns_timer delack_timer;
	struct ns_timer ka_timer; /* keepalive, FIN_WAIT2, orphan limits */

	uint64_t lsndtime;   /* last data sent */
	uint64_t lrcvtime;   /* last segment received */
	uint64_t rcv_tstamp; /* last ACK received (keepalive, probes) */
	uint64_t oow_last;   /* last reply to an out-of-window segment */

	/* User settings. */
	bool nodelay;
	bool cork;
	bool rcvbuf_locked; /* SO_RCVBUF set: no auto-tuning */
	bool sndbuf_locked;
	bool defer_pending; /* TCP_DEFER_ACCEPT holding a bare ACK */
	bool autobound;	    /* port chosen by connect(), shareable */
	bool nospace;	    /* a write found the buffer full: wake on room */
	int keepidle, keepintvl, keepcnt; /* seconds, seconds, count */
	int syncnt;			  /* TCP_SYNCNT, 0: default */
	int linger2;	  /* TCP_LINGER2 seconds; 0: default; < 0: none */
	int defer_accept; /* TCP_DEFER_ACCEPT, in SYN-ACK retransmissions */
	uint32_t user_timeout_ms;
	uint32_t window_clamp_user;
	uint32_t notsent_lowat; /* TCP_NOTSENT_LOWAT, 0: none */
	uint32_t fastopen_qlen; /* TCP_FASTOPEN, stored only (see sockopt) */
	bool fastopen_connect;	/* TCP_FASTOPEN_CONNECT, stored only */

	/* Urgent data (RFC 9293 3.8.5, Linux's one-byte semantics). */
	uint32_t urg_seq;  /* sequence of the urgent byte */
	uint16_t urg_data; /* TCP_URG_* | the byte */

	/* Statistics for TCP_INFO. */
	uint64_t bytes_acked, bytes_received, bytes_sent, bytes_retrans;
	uint32_t segs_in, segs_out, data_segs_in, data_segs_out;
	uint32_t total_retrans, delivered, dsack_dups, reord_seen;
	uint32_t rcv_ooopack;
	uint64_t start_ns; /* connection established */
	int soft_err;	   /* last soft ICMP error, reported on timeout */
};

/* tcp_sock.urg_data */
enum {
	TCP_URG_VALID = 0x100,	/* the byte is here and unread */
	TCP_URG_NOTYET = 0x200, /* announced, not yet arrived */
	TCP_URG_READ = 0x400,	/* read with MSG_OOB */
};

static inline struct tcp_sock *tcp_sk(struct ns_sock *sk)
{
	return (struct tcp_sock *)(void *)sk;
}

static inline struct ns_tcp_stack *tcp_stack(struct ns_stack *stack)
{
	return stack->tcp;
}

/* ---- tcp.c ------------------------------------------------------------ */

/* State change with its side effects on the stack's counters and the
 * established table (Linux tcp_set_state). */
void ns_tcp_set_state(struct tcp_sock *tp, int state);
/* The connection is finished (RFC 9293 CLOSED): timers stopped, queues
 * freed, unhashed; the socket itself is freed when the user has closed
 * it, else it stays for the user to read the error or EOF. */
void ns_tcp_done(struct tcp_sock *tp);
/* Aborts with a pending error (positive errno), e.g. ECONNRESET. */
void ns_tcp_reset(struct tcp_sock *tp, int err);
/* Enters TIME_WAIT: replaces the socket by a tcp_tw (or, when the table
 * is full, just closes). fin_wait2: an orphan whose FIN was acknowledged
 * still waits for the peer's (Linux's FIN_WAIT2 substate). */
void ns_tcp_time_wait(struct tcp_sock *tp, bool fin_wait2);

/* Established-table operations. */
int ns_tcp_hash(struct tcp_sock *tp);
void ns_tcp_unhash(struct ns_stack *stack, struct tcp_conn *c);
struct tcp_conn *ns_tcp_lookup(struct ns_stack *stack,
			       const struct ns_addr *laddr, uint16_t lport,
			       const struct ns_addr *raddr, uint16_t rport);
/* The listener for a SYN to laddr:lport arriving on ifindex, or NULL. */
struct tcp_sock *ns_tcp_lookup_listener(struct ns_stack *stack,
					const struct ns_addr *laddr,
					uint16_t lport, int ifindex, bool v6);
/* Frees a TIME_WAIT record (unhashing it). */
void ns_tcp_tw_kill(struct ns_stack *stack, struct tcp_tw *tw);

/* A child for a SYN arriving at listener lp: a new socket inheriting the
 * listener's options, with addresses set, in SYN_RECV, hashed and on the
 * SYN queue (unless from a cookie). NULL on ENOMEM. */
struct tcp_sock *ns_tcp_child(struct tcp_sock *lp, const struct ns_addr *laddr,
			      uint16_t lport, const struct ns_addr *raddr,
			      uint16_t rport, int ifindex);
/* A child completed its handshake: moves to the accept queue and wakes
 * the listener. */
void ns_tcp_child_established(struct tcp_sock *child);

/* The keyed tuple of a connection, for hashes and cookies. */
void ns_tcp_tuple_of(const struct ns_addr *laddr, uint16_t lport,
		     const struct ns_addr *raddr, uint16_t rport,
		     struct ns_tcp_tuple *t);

/* ---- tcp_in.c --------------------------------------------------------- */

extern const struct ns_ip_proto ns_tcp_proto;

/* The RACK reordering timer fired (RFC 8985 6.3): detect, recover, send. */
void ns_tcp_rack_timeout(struct tcp_sock *tp);

/* ---- tcp_out.c -------------------------------------------------------- */

/* Route-dependent setup at SYN time: our MSS, window scale and initial
 * window (Linux tcp_connect_init / tcp_openreq_init_rwin). */
void ns_tcp_syn_setup(struct tcp_sock *tp);
/* Sets up the parts of a connection that depend on the route and the
 * peer: MSS, window clamp and scale, buffers, timestamps offset. */
void ns_tcp_init_connection(struct tcp_sock *tp);
/* The MSS now: path MTU, peer's MSS, options, at most half the peer's
 * largest window. Updates mss_cache and mss_path. */
uint32_t ns_tcp_current_mss(struct tcp_sock *tp);
/* The peer's largest window grew: mss_cache follows from the path's MSS
 * last computed, without a route lookup (Linux tcp_sync_mss). */
void ns_tcp_sync_mss(struct tcp_sock *tp);
/* The payload of a data segment now: the MSS less the SACK blocks it
 * would carry. */
uint32_t ns_tcp_send_mss(struct tcp_sock *tp);
/* Sends what the send policy allows: lost segments first, then new data
 * (and a pending FIN). */
void ns_tcp_push(struct tcp_sock *tp);
/* Same; more: the application promised more data (MSG_MORE), so a short
 * segment waits as under TCP_CORK. */
void ns_tcp_push_more(struct tcp_sock *tp, bool more);
/* Sends an ACK now (cancels a pending delayed ACK). */
void ns_tcp_send_ack(struct tcp_sock *tp);
/* ACK owed after receiving data: now or delayed (tcp_delack.h). */
void ns_tcp_ack_check(struct tcp_sock *tp);
/* The application read: send a window update when it opened a lot. */
void ns_tcp_cleanup_rbuf(struct tcp_sock *tp, uint32_t copied);
void ns_tcp_send_syn(struct tcp_sock *tp);
void ns_tcp_send_synack(struct tcp_sock *tp);
/* RST for a connection (abort, SO_LINGER 0, unread data at close). */
void ns_tcp_send_active_reset(struct tcp_sock *tp);
/* Retransmits scoreboard record i. Returns 0 or a negative errno. */
int ns_tcp_retransmit(struct tcp_sock *tp, uint32_t i);
/* Zero-window and keepalive probes (Linux tcp_write_wakeup): data if the
 * window allows, else a segment with an old sequence number. */
int ns_tcp_write_wakeup(struct tcp_sock *tp);
/* A TLP (RFC 8985 7.3): new data if possible, else the last segment. */
void ns_tcp_send_loss_probe(struct tcp_sock *tp);
/* Bytes of send buffer the application may still fill. */
uint32_t ns_tcp_send_space(const struct tcp_sock *tp);
/* Re-evaluates the send buffer size (auto-tuning). */
void ns_tcp_sndbuf_expand(struct tcp_sock *tp);

/* The window scale a listener offers (deterministic, so that a SYN
 * cookie's connection can be rebuilt with the same one). */
uint8_t ns_tcp_listener_wscale(const struct tcp_sock *lp);

/* Stateless replies built from a received segment (no socket). */
void ns_tcp_send_reset(struct ns_stack *stack, const struct tcp_seg *seg);
/* ACK from a TIME_WAIT record. */
void ns_tcp_tw_send_ack(struct ns_stack *stack, struct tcp_tw *tw);
/* SYN-ACK with a cookie for a SYN to listener lp (no state kept). */
void ns_tcp_send_cookie_synack(struct tcp_sock *lp, const struct tcp_seg *seg);

/* Data or a FIN waits to be sent for the first time. */
static inline bool ns_tcp_data_waiting(const struct tcp_sock *tp)
{
	return !tp->fin_sent &&
	       (tp->sndq.end_seq != tp->snd_nxt || tp->fin_queued);
}

/* Our TSval now. */
static inline uint32_t ns_tcp_ts_now(uint64_t now, uint32_t ts_off)
{
	return (uint32_t)(now / (NS_SEC / TCP_TS_HZ)) + ts_off;
}

/* ---- tcp_timer.c ------------------------------------------------------ */

void ns_tcp_init_timers(struct tcp_sock *tp);
void ns_tcp_stop_timers(struct tcp_sock *tp);
/* Arms the retransmission timer for kind at when (lazily, see above). */
void ns_tcp_rtx_arm(struct tcp_sock *tp, enum tcp_rtx_kind kind, uint64_t when);
void ns_tcp_rtx_cancel(struct tcp_sock *tp);
/* After an ACK or a transmission: the right timer for what is in flight
 * (RTO, TLP, RACK reordering, zero-window probe) or none. */
void ns_tcp_rearm_rto(struct tcp_sock *tp);
/* Arms the delayed-ACK timer at when. */
void ns_tcp_delack_arm(struct tcp_sock *tp, uint64_t when);
/* Keepalive / FIN_WAIT2 timer from the current state and options. */
void ns_tcp_keepalive_rearm(struct tcp_sock *tp);
/* TIME_WAIT reaper. */
void ns_tcp_tw_timer(struct ns_stack *stack, struct ns_timer *t);

/* ---- tcp_msg.c / tcp_sockopt.c ---------------------------------------- */

ssize_t ns_tcp_sendmsg(struct ns_sock *sk, const struct msghdr *msg, int flags,
		       const struct ns_memio *io);
ssize_t ns_tcp_recvmsg(struct ns_sock *sk, struct msghdr *msg, int flags,
		       const struct ns_memio *io);
uint32_t ns_tcp_poll(struct ns_sock *sk);
/* Wakes waiters when the socket became writable. */
void ns_tcp_check_space(struct tcp_sock *tp);
/* Linux tcp_stream_memory_free: the unsent bytes are below
 * TCP_NOTSENT_LOWAT (halved for poll's wake-up test, wake = 1). */
bool ns_tcp_notsent_ok(const struct tcp_sock *tp, int wake);
int ns_tcp_setsockopt(struct ns_sock *sk, int level, int name, const void *val,
		      socklen_t len);
int ns_tcp_getsockopt(struct ns_sock *sk, int level, int name, void *val,
		      socklen_t *len);
int ns_tcp_ioctl(struct ns_sock *sk, unsigned long cmd, void *arg);

#endif

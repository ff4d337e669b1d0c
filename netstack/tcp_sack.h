/* SACK (RFC 2018, RFC 2883, RFC 6675): the receiver's block list and the
 * sender's scoreboard.
 *
 * Receiver: struct tcp_rcv_sack remembers the out-of-order ranges held
 * above rcv_nxt, most recently changed first (RFC 2018 4: the first block
 * must report the most recent segment), and one D-SACK range (RFC 2883)
 * that is reported once, in the next ACK.
 *
 * Sender: struct tcp_sb is the retransmission queue's metadata, one record
 * per transmitted segment (at most one MSS each, also inside a TSO
 * super-segment), in sequence order from snd_una to snd_nxt. A record
 * carries its last transmission time (RACK, RFC 8985) and its SACKED /
 * LOST / RETRANS state; counters follow Linux's sacked_out, lost_out,
 * retrans_out so that the data in flight ("pipe", RFC 6675 4) is
 *
 *   packets_out - sacked_out - lost_out + retrans_out.
 *
 * The records live in a ring that grows by doubling, so sending a segment
 * costs no allocation once the window has been reached. A SACK block marks
 * only records it covers whole (records are not split, as Linux does not
 * split a one-MSS skb): a peer that SACKs part of a segment gets that
 * segment again, which costs a few bytes but bounds the record count by
 * the number of segments sent.
 *
 * Times are in nanoseconds on the stack's clock.
 */
#ifndef NETSTACK_TCP_SACK_H
#define NETSTACK_TCP_SACK_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp_opt.h"

/* ---- receiver side ------------------------------------------------------ */

struct tcp_rcv_sack {
	struct ns_tcp_sack_block blocks[TCP_MAX_SACK_BLOCKS];
	uint8_t nblocks;
	bool has_dsack;
	struct ns_tcp_sack_block dsack;
};

static inline void ns_tcp_rcv_sack_init(struct tcp_rcv_sack *rs)
{
	rs->nblocks = 0;
	rs->has_dsack = false;
}

/* Records that [start, end) is now held out of order: extends or creates
 * a block, moves it to the front and merges blocks that now touch. When
 * all four slots are taken the oldest block is forgotten (RFC 2018 4). */
void ns_tcp_rcv_sack_add(struct tcp_rcv_sack *rs, uint32_t start, uint32_t end);

/* rcv_nxt advanced: forgets blocks that are now below it. */
void ns_tcp_rcv_sack_advance(struct tcp_rcv_sack *rs, uint32_t rcv_nxt);

/* A duplicate [start, end) arrived (RFC 2883 4): reports it in the next
 * ACK. A second duplicate before that ACK extends the range when the two
 * touch, otherwise replaces it. */
void ns_tcp_rcv_dsack(struct tcp_rcv_sack *rs, uint32_t start, uint32_t end);

/* Fills o->sack / o->nsack (D-SACK first, then the blocks) and sets
 * TCP_OPT_F_SACK when there is anything to report; clears the D-SACK,
 * which is sent once. */
void ns_tcp_rcv_sack_fill(struct tcp_rcv_sack *rs, struct ns_tcp_opts *o);

/* ---- sender side -------------------------------------------------------- */

enum {
	TCP_REC_SACKED = 1u << 0,	/* the peer holds it (SACK) */
	TCP_REC_LOST = 1u << 1,		/* deemed lost (RACK, RTO, NewReno) */
	TCP_REC_RETRANS = 1u << 2,	/* retransmitted; that copy in flight */
	TCP_REC_EVER_RETRANS = 1u << 3, /* sent more than once (Karn) */
};

struct tcp_rec {
	uint32_t seq;
	uint32_t end;
	uint64_t xmit_ns; /* last (re)transmission */
	uint32_t flags;	  /* TCP_REC_* */
	uint32_t pad_;
};

struct tcp_sb {
	struct tcp_rec *ring; /* owned; capacity is a power of two */
	uint32_t cap;
	uint32_t head;	     /* ring index of the oldest record */
	uint32_t count;	     /* packets_out */
	uint32_t sacked_out; /* records with SACKED */
	uint32_t lost_out;   /* records with LOST */
	uint32_t retrans_out;
	/* Lowest index that may hold a lost, unretransmitted record. */
	uint32_t lost_hint;
	/* End of the highest SACKed record, valid while sacked_out > 0. */
	uint32_t highest_sack;
	/* The latest transmission time handed out: times are strictly
	 * increasing, so that RACK (RFC 8985 6.2's RACK_sent_after) orders
	 * transmissions made in the same tick of the stack's clock as they
	 * were made (a retransmission after the original it is compared
	 * with), as Linux's microsecond stamps do. */
	uint64_t last_xmit_ns;
};

/* What an ACK or SACK delivered, for RTT, RACK and congestion control. */
struct tcp_sb_delivery {
	uint32_t acked;	 /* records removed by the cumulative ACK */
	uint32_t sacked; /* records newly marked SACKED */
	uint32_t acked_bytes;
	bool ever_retrans; /* some acked record had been retransmitted */
	/* Karn-safe RTT sources: transmission times of the oldest and newest
	 * newly delivered records never retransmitted (0: none). */
	uint64_t first_clean_ns;
	uint64_t last_clean_ns;
	/* The most recently sent delivered record, for RACK (xmit 0: none). */
	uint64_t rack_xmit_ns;
	uint32_t rack_end;
	bool rack_retrans;
	/* Some record delivered below a previously delivered one: the peer
	 * saw the network reorder (RFC 8985 6.2 step 3). */
	bool reordered;
	/* RFC 2883: the first block was a D-SACK. */
	bool dsack;
	struct ns_tcp_sack_block dsack_range;
	uint32_t invalid_blocks; /* blocks ignored as impossible */
};

void ns_tcp_sb_init(struct tcp_sb *sb);
/* Frees the ring. */
void ns_tcp_sb_destroy(struct tcp_sb *sb);

static inline struct tcp_rec *ns_tcp_sb_at(const struct tcp_sb *sb, uint32_t i)
{
	return &sb->ring[(sb->head + i) & (sb->cap - 1)];
}

static inline uint32_t ns_tcp_sb_in_flight(const struct tcp_sb *sb)
{
	return sb->count - sb->sacked_out - sb->lost_out + sb->retrans_out;
}

/* A new segment [seq, end) was sent at now (its record's time is later
 * than every earlier transmission's, see last_xmit_ns); seq must be the
 * end of the last record. Returns 0 or -ENOMEM (nothing recorded: the
 * caller must not send the segment). */
int ns_tcp_sb_sent(struct tcp_sb *sb, uint32_t seq, uint32_t end, uint64_t now);

/* Forgets the records added since the count was count (they were never
 * sent after all). Fresh records carry no flags, so no other count
 * changes. */
static inline void ns_tcp_sb_unsend(struct tcp_sb *sb, uint32_t count)
{
	sb->count = count;
}

/* Splits record i at sequence number at (inside it) into two records
 * with the same flags and times, for retransmission at a smaller MSS.
 * Returns 0 or -ENOMEM (nothing changed). */
int ns_tcp_sb_split(struct tcp_sb *sb, uint32_t i, uint32_t at);

/* Record i was retransmitted at now (stamped as ns_tcp_sb_sent). */
void ns_tcp_sb_retransmitted(struct tcp_sb *sb, uint32_t i, uint64_t now);

/* Marks record i lost; a retransmission of it in flight is lost too. */
void ns_tcp_sb_mark_lost(struct tcp_sb *sb, uint32_t i);

/* Retransmission timeout (RFC 6298 5.4, RFC 6675 5.1): everything not
 * SACKed is lost; with clear_sacked (the peer reneged) SACK marks are
 * forgotten too. */
void ns_tcp_sb_mark_all_lost(struct tcp_sb *sb, bool clear_sacked);

/* Index of the first record that is lost and not retransmitted since, or
 * count when there is none. */
uint32_t ns_tcp_sb_next_lost(struct tcp_sb *sb);

/* Index of the record holding seq (seq within [first seq, last end)), or
 * count. O(log n). */
uint32_t ns_tcp_sb_find(const struct tcp_sb *sb, uint32_t seq);

/* Cumulative ACK up to una: removes the records wholly below it, trims one
 * it cuts, and adds what was delivered to *d (which the caller zeroes
 * once per ACK). */
void ns_tcp_sb_ack(struct tcp_sb *sb, uint32_t una, struct tcp_sb_delivery *d);

/* Processes the SACK blocks of an ACK whose cumulative point is una (after
 * tcp_sb_ack) given the highest sequence sent, snd_nxt. Detects a D-SACK
 * (RFC 2883 4: the first block below una, or inside the second block),
 * ignores impossible blocks (outside [una, snd_nxt], empty or inverted),
 * marks covered records SACKED, adds to *d. */
void ns_tcp_sb_sack(struct tcp_sb *sb, uint32_t una, uint32_t snd_nxt,
		    const struct ns_tcp_sack_block *blocks, unsigned n,
		    struct tcp_sb_delivery *d);

#endif

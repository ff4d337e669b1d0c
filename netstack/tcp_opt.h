/* TCP options (RFC 9293 3.2, RFC 7323, RFC 2018): parsing a received
 * header's option bytes and building ours.
 *
 * Parsing follows Linux tcp_parse_options, with one deliberate difference
 * the issue asks for: an option whose length byte is missing, below 2, or
 * runs past the header ("lies about its length") makes the whole segment
 * malformed, so the caller drops and counts it. Known options with an
 * unexpected length, options allowed only on SYNs seen elsewhere, and
 * unknown kinds are ignored, as Linux does.
 *
 * Building produces Linux's layouts, so that a capture of our segments
 * looks like one from Linux:
 *   SYN:  MSS, SACK-permitted + TS (or NOP NOP TS, or NOP NOP SACK-perm),
 *         NOP + window scale
 *   else: NOP NOP TS, then NOP NOP SACK with up to 4 blocks (3 with TS)
 */
#ifndef NETSTACK_TCP_OPT_H
#define NETSTACK_TCP_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	TCP_KIND_EOL = 0,
	TCP_KIND_NOP = 1,
	TCP_KIND_MSS = 2,
	TCP_KIND_WSCALE = 3,
	TCP_KIND_SACK_PERM = 4,
	TCP_KIND_SACK = 5,
	TCP_KIND_TS = 8,
};

/* Most option bytes a header can carry (data offset 15 words). */
#define TCP_OPT_MAX_LEN	    40
#define TCP_MAX_SACK_BLOCKS 4
/* RFC 7323 2.3: shift counts above 14 are treated as 14. */
#define TCP_MAX_WSCALE 14

/* ns_tcp_opts.present bits */
enum {
	TCP_OPT_F_MSS = 1u << 0,
	TCP_OPT_F_WSCALE = 1u << 1,
	TCP_OPT_F_SACK_PERM = 1u << 2,
	TCP_OPT_F_TS = 1u << 3,
	TCP_OPT_F_SACK = 1u << 4,
};

struct ns_tcp_sack_block {
	uint32_t start; /* first sequence number of the block */
	uint32_t end;	/* sequence number after its last byte */
};

struct ns_tcp_opts {
	uint8_t present; /* TCP_OPT_F_* */
	uint8_t wscale;	 /* clamped to TCP_MAX_WSCALE */
	uint8_t nsack;
	uint16_t mss;
	uint32_t ts_val;
	uint32_t ts_ecr;
	struct ns_tcp_sack_block sack[TCP_MAX_SACK_BLOCKS];
};

/* Parses len option bytes (borrowed). syn: the segment has SYN set, which
 * is when MSS, window scale and SACK-permitted count. Returns 0 with *o
 * filled, or -EINVAL when the option area is malformed (see above). */
int ns_tcp_opt_parse(const uint8_t *p, size_t len, bool syn,
		     struct ns_tcp_opts *o);

/* Bytes ns_tcp_opt_build will write for o (a multiple of 4, at most
 * TCP_OPT_MAX_LEN). SACK blocks that do not fit are left out. */
size_t ns_tcp_opt_len(const struct ns_tcp_opts *o, bool syn);

/* Writes the options in o into buf (at least TCP_OPT_MAX_LEN bytes) in
 * Linux's layout and returns the length written (as ns_tcp_opt_len). On a
 * SYN only MSS, window scale, SACK-permitted and timestamps are written;
 * otherwise only timestamps and SACK blocks. */
size_t ns_tcp_opt_build(uint8_t *buf, const struct ns_tcp_opts *o, bool syn);

#endif
